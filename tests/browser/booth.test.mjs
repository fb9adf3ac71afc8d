// booth.test.mjs — the voter booth (web/vote.html) in Debian's chromium against
// a real `veche serve --demo`: a voter opens the invitation link, chooses,
// reviews, encrypts, audits one ballot (checked in the page and by the C
// `veche audit`), re-encrypts, casts, downloads the receipt (checked by `veche
// board check-receipt`) and looks the ballot up; a second voter on a 360-px
// phone with the keyboard only; wrong codes, a code not on the roll, a
// network failure during the cast (exactly one ballot on the record), and a
// closed election. At the end the record passes `veche verify`.
//
// Every page fails its test on a console error (a CSP violation is one),
// except the failed requests a test provokes on purpose.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, api, login, veche } from '../api/lib/server.mjs';
import { launch, newPage, shot } from './lib/browser.mjs';

let srv, browser, election, voters, vkey, work;
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

before(async () => {
  srv = await startServer({ args: ['--demo', '--voters', '20', '--cast-rate', '0'] });
  work = mkdtempSync(join(tmpdir(), 'veche-booth-'));
  voters = await readCredentials();
  assert.ok(voters.length >= 7, `the demo gave ${voters.length} voters, the test needs 7`);
  election = await openElection();
  vkey = (await api(srv, 'GET', '/api/v1/info')).body.vkey;
  assert.match(vkey, /^[^+]+\+[0-9a-f]{8}\+/, 'the board verifier key');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (srv) await srv.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  srv?.cleanup();
});

// The demo's codes: DB.demo/credentials.csv (name,code,weight).
async function readCredentials() {
  const file = join(`${srv.db}.demo`, 'credentials.csv');
  for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.match(lines[0], /^name,code/, 'credentials.csv starts with its header');
  return lines.slice(1).map((l) => {
    const [name, code, weight] = l.split(',');
    return { name, code, weight: Number(weight) };
  });
}

// The demo's open election, from the API (DETAIL).
async function openElection() {
  const list = (await api(srv, 'GET', '/api/v1/elections')).body.elections;
  const open = list.find((e) => e.stage === 'open');
  assert.ok(open, `the demo has an open election: ${JSON.stringify(list)}`);
  const d = (await api(srv, 'GET', `/api/v1/elections/${open.id}`)).body;
  assert.ok(Array.isArray(d.manifest?.contests) && d.manifest.contests.length > 0);
  return d;
}

const link = (code) => `${srv.url}/vote.html#election=${election.id}&code=${code}`;

// Some valid choices for every contest: the first `want` options (at least
// min, at least one, at most max); n0 shifts which options, so voters differ.
function pick(n0 = 0) {
  return election.manifest.contests.map((c) => {
    const want = Math.min(c.max, Math.max(c.min, 1));
    return Array.from({ length: want }, (_, k) => (k + n0) % c.options.length);
  });
}

// Errors other than those a test provokes on purpose (allowed: regexps).
function unexpected(errors, allowed = []) {
  return errors.filter((e) => !allowed.some((re) => re.test(e)));
}

async function focusedId(page) {
  return page.evaluate(() => document.activeElement?.id ?? '');
}

// The visible headings never skip a level (h1 → h2 → h3).
async function headingsInOrder(page, what) {
  const levels = await page.$$eval('h1, h2, h3, h4, h5, h6', (hs) =>
    hs.filter((h) => h.offsetParent !== null).map((h) => Number(h.tagName[1])));
  assert.equal(levels[0], 1, `${what}: the page starts with its h1`);
  levels.forEach((l, i) => assert.ok(i === 0 || l <= levels[i - 1] + 1, `${what}: headings ${levels}`));
}

// No sideways scrolling on the phone, and headings in order.
async function checkLayout(page, what) {
  const w = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(w[0] <= w[1], `${what}: the page is ${w[0]} px wide on a ${w[1]}-px screen`);
  await headingsInOrder(page, what);
}

// Ticks the choices with the mouse and goes to the review.
async function chooseAndReview(page, choices) {
  for (const [ci, sels] of choices.entries())
    for (const s of sels) await page.check(`#contest-${ci}-sel-${s}`);
  await page.click('#ballot-review');
  await page.waitForSelector('#step-review:not([hidden])');
  assert.equal(await focusedId(page), 'h-review', 'the review heading has the focus');
}

// Encrypts from the review; returns the tracking code shown.
async function encrypt(page) {
  await page.click('#review-encrypt');
  await page.waitForSelector('#encrypt-done:not([hidden])', { timeout: 60000 });
  const t = (await page.textContent('#encrypt-track')).trim();
  assert.match(t, /^[A-Za-z0-9+/]{43}=$/, 'a tracking code is shown before casting');
  return t;
}

// Every ballot entry on the record with this credential.
async function ballotsOf(credential) {
  const size = (await api(srv, 'GET', '/api/v1/info')).body.size;
  const out = [];
  for (let a = 0; a < size; a += 1000) {
    const r = await api(srv, 'GET', `/api/v1/record/entries?start=${a}&end=${Math.min(size, a + 1000)}`);
    for (const line of r.text.split('\n').filter(Boolean)) {
      const e = JSON.parse(line);
      if (e.type === 'election.ballot' && e.body.credential === credential) out.push(e);
    }
  }
  return out;
}

async function entryAt(index) {
  return JSON.parse((await api(srv, 'GET', `/api/v1/record/entries/${index}`)).text);
}

async function lookup(track) {
  return api(srv, 'GET', `/api/v1/ballots/${encodeURIComponent(track)}`);
}

// A well-formed code (valid check symbol) that is on no roll.
function strangerCode() {
  const v = Array.from({ length: 20 }, () => Math.floor(Math.random() * 31));
  const s = v.reduce((acc, x, i) => acc + (i + 1) * x, 0);
  v.push(((-3 * s) % 31 + 31) % 31);
  return v.map((x) => ALPHABET[x]).join('');
}

test('a voter audits one ballot, then casts a fresh one, and looks it up', async () => {
  const { page, errors } = await newPage(browser);
  const voter = voters[0];
  const choices = pick(0);
  await page.goto(link(voter.code));
  await page.waitForSelector('#step-ballot:not([hidden])');
  assert.ok(!page.url().includes('code='), 'the code is cleared from the address bar');
  assert.equal(await focusedId(page), 'h-ballot');
  // Every contest is a fieldset with the question as its legend, every input labelled.
  const legends = await page.$$eval('fieldset.contest legend', (ls) => ls.map((l) => l.textContent));
  assert.deepEqual(legends, election.manifest.contests.map((c) => c.question));
  const unlabelled = await page.$$eval('input, select', (is) => is.filter((i) => i.labels.length === 0).map((i) => i.id));
  assert.deepEqual(unlabelled, [], 'every input has a label');
  await shot(page, 'booth-ballot');

  // Too many choices in a multiple-choice contest: said at once, and blocks the review.
  const multi = election.manifest.contests.findIndex((c) => c.max > 1 && c.max < c.options.length);
  if (multi >= 0) {
    const c = election.manifest.contests[multi];
    for (let s = 0; s <= c.max; s++) await page.check(`#contest-${multi}-sel-${s}`);
    await page.waitForSelector(`#contest-${multi}-error:not([hidden])`);
    assert.match(await page.textContent(`#contest-${multi}-error`), new RegExp(`at most ${c.max}`));
    await page.click('#ballot-review');
    assert.ok(await page.isVisible('#ballot-error'), 'the review is refused with a message');
    assert.ok(!(await page.isVisible('#step-review')));
    await shot(page, 'booth-too-many');
    for (let s = 0; s <= c.max; s++) await page.uncheck(`#contest-${multi}-sel-${s}`);
  }
  // Too few in a contest that needs at least one.
  const needs = election.manifest.contests.findIndex((c) => c.min >= 1);
  if (needs >= 0) {
    await page.click('#ballot-review');
    await page.waitForSelector(`#contest-${needs}-error:not([hidden])`);
    assert.match(await page.textContent(`#contest-${needs}-error`), /at least/);
  }

  await chooseAndReview(page, choices);
  const review = await page.textContent('#review-list');
  election.manifest.contests.forEach((c, ci) => {
    for (const s of choices[ci]) assert.ok(review.includes(c.options[s]), `the review shows ${c.options[s]}`);
  });
  // Change goes back with the choices kept.
  await page.click('#review-change');
  await page.waitForSelector('#step-ballot:not([hidden])');
  assert.ok(await page.isChecked(`#contest-0-sel-${choices[0][0]}`), 'Change keeps the choices');
  await page.click('#ballot-review');
  await page.waitForSelector('#step-review:not([hidden])');

  // Encrypt, watching the progress bar move.
  await page.evaluate(() => {
    window.progressSeen = [];
    new MutationObserver(() => window.progressSeen.push(Number(document.getElementById('progress').value)))
      .observe(document.getElementById('progress'), { attributes: true, attributeFilter: ['value'] });
  });
  const t1 = await encrypt(page);
  const seen = await page.evaluate(() => window.progressSeen);
  assert.ok(seen.some((v) => v > 0 && v < 100), `the progress bar moved: ${seen}`);
  assert.equal(await focusedId(page), 'h-encrypt');
  await shot(page, 'booth-encrypted');

  // Audit it: checked in the page, downloaded, and checked by the C tool.
  await page.click('#encrypt-audit');
  await page.waitForSelector('#step-audit:not([hidden])');
  assert.equal(await focusedId(page), 'h-audit');
  const auditText = await page.textContent('#audit-body');
  assert.match(auditText, /verifies and encrypts exactly your choices/);
  assert.match(auditText, /veche audit/);
  assert.ok(!(await page.isVisible('#encrypt-cast')), 'the audited ballot cannot be cast');
  await shot(page, 'booth-audit');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#audit-download')]);
  const auditFile = join(work, dl.suggestedFilename());
  await dl.saveAs(auditFile);
  const out = veche(['audit', auditFile, '--db', srv.db, '--election', election.id]);
  assert.match(out, /^audit OK/);
  assert.ok(out.includes(t1), 'veche audit finds the tracking code shown before the choice');
  election.manifest.contests.forEach((c, ci) => {
    const line = out.split('\n').find((l) => l.trim().startsWith(`${c.id}:`));
    assert.ok(line, `veche audit prints contest ${c.id}`);
    for (const s of choices[ci]) assert.ok(line.includes(c.options[s]), `veche audit: ${c.id} chose ${c.options[s]}`);
  });

  // Back to the review; a fresh ballot is encrypted and cast.
  await page.click('#audit-back');
  await page.waitForSelector('#step-review:not([hidden])');
  const t2 = await encrypt(page);
  assert.notEqual(t2, t1, 'a fresh ballot after the audit');
  await page.click('#encrypt-cast');
  await page.waitForSelector('#step-done:not([hidden])', { timeout: 30000 });
  assert.equal(await focusedId(page), 'h-done');
  assert.equal((await page.textContent('#done-track')).trim(), t2);
  const index = Number(await page.textContent('#done-index'));
  assert.ok(Number.isInteger(index) && index > 0);
  assert.match(await page.textContent('#step-done'), /only your last ballot counts/);
  await shot(page, 'booth-cast');

  // The receipt, checked offline by the C tool.
  const [rd] = await Promise.all([page.waitForEvent('download'), page.click('#done-receipt')]);
  assert.equal(rd.suggestedFilename(), `veche-receipt-${index}.txt`);
  const receiptFile = join(work, rd.suggestedFilename());
  await rd.saveAs(receiptFile);
  const receipt = readFileSync(receiptFile, 'utf8');
  assert.ok(receipt.startsWith('c2sp.org/tlog-proof@v1\n'));
  assert.match(veche(['board', 'check-receipt', receiptFile, '--key', vkey]), /receipt OK/);

  // The spoiled ballot is nowhere; the cast one is there, at its index.
  assert.equal((await lookup(t1)).status, 404, 'the audited ballot was never sent');
  const found = await lookup(t2);
  assert.equal(found.status, 200);
  assert.equal(found.body.index, index);

  // Look it up on the public record, from the booth's link.
  await page.click('#done-lookup');
  await page.waitForURL(/\/record\.html#election=/);
  await page.waitForFunction((t) => document.getElementById('track-result')?.textContent.includes(t), t2);
  await shot(page, 'booth-lookup');
  assert.deepEqual(unexpected(errors), []);
  await page.context().close();
});

// Presses Tab until the element matching sel has the focus.
async function tabTo(page, sel) {
  for (let i = 0; i < 80; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, sel)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${sel}`);
}

test('a voter on a 360-px phone, with the keyboard only', async () => {
  const { page, errors } = await newPage(browser, { width: 360, height: 740 });
  const voter = voters[1];
  await page.goto(`${srv.url}/vote.html`);
  await page.waitForSelector('#step-start:not([hidden])');
  await checkLayout(page, 'start');
  await tabTo(page, '#election');
  for (let i = 0; i < 30 && (await page.inputValue('#election')) !== election.id; i++)
    await page.keyboard.press('ArrowDown');
  assert.equal(await page.inputValue('#election'), election.id);
  await tabTo(page, '#code');
  await page.keyboard.type(voter.code.toLowerCase().replace(/(...)(?!$)/g, '$1 '));
  await shot(page, 'booth-phone-start');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#step-ballot:not([hidden])');
  assert.equal(await focusedId(page), 'h-ballot');
  await checkLayout(page, 'ballot');

  const choices = pick(1);
  for (const [ci, sels] of choices.entries()) {
    const c = election.manifest.contests[ci];
    for (const s of sels) {
      if (c.max === 1) {
        // A radio group: Tab lands on its first radio; arrows move the choice.
        await tabTo(page, `#contest-${ci}-sel-0`);
        if (s === 0) await page.keyboard.press('Space');
        for (let k = 0; k < s; k++) await page.keyboard.press('ArrowDown');
      } else {
        await tabTo(page, `#contest-${ci}-sel-${s}`);
        await page.keyboard.press('Space');
      }
      assert.ok(await page.isChecked(`#contest-${ci}-sel-${s}`), `contest ${ci}: selection ${s} chosen by keyboard`);
    }
  }
  await shot(page, 'booth-phone-ballot');
  await tabTo(page, '#ballot-review');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#step-review:not([hidden])');
  assert.equal(await focusedId(page), 'h-review');
  await checkLayout(page, 'review');
  await tabTo(page, '#review-encrypt');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#encrypt-done:not([hidden])', { timeout: 60000 });
  assert.equal(await focusedId(page), 'h-encrypt');
  await checkLayout(page, 'encrypted');
  await shot(page, 'booth-phone-encrypted');
  const track = (await page.textContent('#encrypt-track')).trim();
  await tabTo(page, '#encrypt-cast');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#step-done:not([hidden])', { timeout: 30000 });
  assert.equal(await focusedId(page), 'h-done');
  assert.equal((await page.textContent('#done-track')).trim(), track);
  await checkLayout(page, 'done');
  await shot(page, 'booth-phone-done');
  // The status region said so, for a screen reader.
  assert.match(await page.textContent('#status'), /cast/i);
  assert.equal((await lookup(track)).status, 200);
  assert.deepEqual(unexpected(errors), []);
  await page.context().close();
});

test('wrong codes: a bad check symbol, a bad character, a code not on the roll', async () => {
  const { page, errors } = await newPage(browser);
  const code = voters[2].code.replace(/-/g, '');
  // One symbol changed: the check symbol no longer fits.
  const i = 4;
  const other = ALPHABET[(ALPHABET.indexOf(code[i]) + 1) % 31];
  const typo = code.slice(0, i) + other + code.slice(i + 1);
  await page.goto(link(typo));
  await page.waitForSelector('#code-error:not([hidden])');
  assert.match(await page.textContent('#code-error'), /check/i);
  assert.equal(await page.getAttribute('#code', 'aria-invalid'), 'true');
  assert.ok(!(await page.isVisible('#step-ballot')));
  assert.ok(!page.url().includes('code='), 'even a wrong code leaves the address bar');
  await shot(page, 'booth-wrong-code');

  // A character outside the alphabet: its position is named.
  await page.fill('#code', code.slice(0, 6) + 'I' + code.slice(7));
  await page.click('#start-go');
  await page.waitForSelector('#code-error:not([hidden])');
  assert.match(await page.textContent('#code-error'), /7/, 'the position of the bad character');

  // Too short.
  await page.fill('#code', code.slice(0, 15));
  await page.click('#start-go');
  await page.waitForSelector('#code-error:not([hidden])');
  assert.match(await page.textContent('#code-error'), /21|short|symbols/i);

  // Well formed, but no credential of this election.
  await page.fill('#code', strangerCode());
  await page.click('#start-go');
  await page.waitForSelector('#step-stop:not([hidden])');
  assert.match(await page.textContent('#h-stop'), /not on this election.s roll/);
  assert.equal(await focusedId(page), 'h-stop');
  await shot(page, 'booth-not-on-roll');

  // The right code still works from here.
  await page.click('#stop-again');
  await page.waitForSelector('#step-start:not([hidden])');
  await page.fill('#code', voters[2].code);
  await page.click('#start-go');
  await page.waitForSelector('#step-ballot:not([hidden])');
  assert.deepEqual(unexpected(errors), []);
  await page.context().close();
});

test('the network fails during the cast: the same bytes again, one ballot on the record', async () => {
  const { page, errors } = await newPage(browser);
  const failed = [/Failed to load resource: net::ERR_(FAILED|CONNECTION_REFUSED)/];   // the aborts below
  // The first POST reaches the server, which records the ballot, but its
  // answer is lost: the booth must re-send the same bytes, never a new ballot.
  let posts = 0;
  const bodies = [];
  await page.route('**/api/v1/elections/*/ballots', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    posts++;
    bodies.push(route.request().postData());
    if (posts === 1) {
      await route.fetch();            // delivered...
      return route.abort('failed');   // ...but the voter never hears back
    }
    return route.continue();
  });
  await page.goto(link(voters[3].code));
  await page.waitForSelector('#step-ballot:not([hidden])');
  await chooseAndReview(page, pick(2));
  const track = await encrypt(page);
  await page.click('#encrypt-cast');
  await page.waitForFunction(() => /Retrying/.test(document.getElementById('cast-body').textContent));
  await shot(page, 'booth-retrying');
  await page.waitForSelector('#step-done:not([hidden])', { timeout: 30000 });
  assert.equal(posts, 2, 'one automatic retry');
  assert.equal(bodies[1], bodies[0], 'the retry sends the very same bytes');
  assert.equal((await page.textContent('#done-track')).trim(), track);
  const entry = await entryAt(Number(await page.textContent('#done-index')));
  assert.equal((await ballotsOf(entry.body.credential)).length, 1, 'exactly one ballot for this voter');

  // Unreachable for every automatic attempt: a Retry button, the same bytes again.
  const { page: p2, errors: e2 } = await newPage(browser);
  let down = true, posts2 = 0;
  const bodies2 = [];
  await p2.route('**/api/v1/elections/*/ballots', (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    posts2++;
    bodies2.push(route.request().postData());
    return down ? route.abort('connectionrefused') : route.continue();
  });
  await p2.goto(link(voters[4].code));
  await p2.waitForSelector('#step-ballot:not([hidden])');
  await chooseAndReview(p2, pick(0));
  const track2 = await encrypt(p2);
  await p2.click('#encrypt-cast');
  await p2.waitForSelector('#cast-retry:not([hidden])', { timeout: 30000 });
  assert.equal(await focusedId(p2), 'cast-retry');
  assert.match(await p2.textContent('#cast-body'), /not been confirmed/);
  assert.equal((await lookup(track2)).status, 404, 'nothing reached the server');
  await shot(p2, 'booth-unreachable');
  down = false;
  await p2.keyboard.press('Enter');
  await p2.waitForSelector('#step-done:not([hidden])', { timeout: 30000 });
  assert.ok(bodies2.every((b) => b === bodies2[0]), 'every attempt sent the same bytes');
  assert.equal((await p2.textContent('#done-track')).trim(), track2);
  const entry2 = await entryAt(Number(await p2.textContent('#done-index')));
  assert.equal((await ballotsOf(entry2.body.credential)).length, 1, 'exactly one ballot for this voter');

  assert.deepEqual(unexpected(errors, failed), []);
  assert.deepEqual(unexpected(e2, failed), []);
  await page.context().close();
  await p2.context().close();
});

test('a ballot the server finds invalid: a clear refusal, and a fresh ballot casts', async () => {
  const { page, errors } = await newPage(browser);
  // Change one character of the signature on the way: the server must refuse it.
  let tamper = true;
  await page.route('**/api/v1/elections/*/ballots', (route) => {
    const req = route.request();
    if (req.method() !== 'POST' || !tamper) return route.continue();
    const body = req.postData();
    const at = body.indexOf('"signature":"') + 13;
    const bad = body.slice(0, at) + (body[at] === 'A' ? 'B' : 'A') + body.slice(at + 1);
    return route.continue({ postData: bad });
  });
  await page.goto(link(voters[6].code));
  await page.waitForSelector('#step-ballot:not([hidden])');
  await chooseAndReview(page, pick(0));
  const bad = await encrypt(page);
  await page.click('#encrypt-cast');
  await page.waitForFunction(() => /invalid/.test(document.getElementById('h-cast').textContent));
  assert.equal(await focusedId(page), 'h-cast');
  assert.match(await page.textContent('#cast-body'), /invalid/);
  assert.ok(!(await page.isVisible('#cast-retry')), 'no retry of a refused ballot');
  await shot(page, 'booth-invalid');
  assert.equal((await lookup(bad)).status, 404);
  tamper = false;
  await page.click('#cast-back');
  await page.waitForSelector('#step-ballot:not([hidden])');
  await page.click('#ballot-review');
  await page.waitForSelector('#step-review:not([hidden])');
  const good = await encrypt(page);
  await page.click('#encrypt-cast');
  await page.waitForSelector('#step-done:not([hidden])', { timeout: 30000 });
  assert.equal((await lookup(good)).status, 200);
  assert.deepEqual(unexpected(errors, [/status of 422/]), []);
  await page.context().close();
});

test('the election closes: a ballot in hand is refused, and the booth says closed', async () => {
  const { page, errors } = await newPage(browser);
  await page.goto(link(voters[5].code));
  await page.waitForSelector('#step-ballot:not([hidden])');
  await chooseAndReview(page, pick(0));
  const track = await encrypt(page);
  const token = await login(srv);
  const r = await api(srv, 'POST', `/api/v1/elections/${election.id}/close`, { json: {}, token });
  assert.equal(r.status, 201, r.text);
  await page.click('#encrypt-cast');
  await page.waitForFunction(() => /closed/i.test(document.getElementById('h-cast').textContent));
  assert.equal(await focusedId(page), 'h-cast');
  assert.ok(!(await page.isVisible('#cast-retry')), `no retry for a closed election: ${await page.textContent('#cast-body')}`);
  await shot(page, 'booth-closed-cast');
  assert.equal((await lookup(track)).status, 404);

  // A voter arriving now is told at once.
  await page.goto('about:blank');
  await page.goto(link(voters[0].code));
  await page.waitForSelector('#step-stop:not([hidden])');
  assert.match(await page.textContent('#h-stop'), /closed/i);
  await shot(page, 'booth-closed');
  const closedErr = [/status of 409/];
  assert.deepEqual(unexpected(errors, closedErr), []);
  await page.context().close();
});

test('the record passes veche verify', async () => {
  await browser.close();
  browser = null;
  // A checkpoint covering every entry, for the export to carry.
  const cp = await api(srv, 'GET', '/api/v1/record/checkpoint');
  assert.equal(cp.status, 200);
  await srv.stop();
  const dir = join(work, 'export');
  veche(['board', 'export', '--db', srv.db, dir]);
  const out = veche(['verify', dir, '--election', election.id]);
  assert.doesNotMatch(out, /FAIL/);
  assert.match(out, /PASS/);
});
