// record.test.mjs — the public pages (web/index.html, web/record.html) in
// Debian's chromium against a real `veche serve --demo`: voters cast ballots
// with the CLI (`veche vote --server`), one votes twice; the home page lists
// the election; the record page shows the turnout, every tracking code with
// its fate (the replaced ballot too), finds a #track=CODE, shows the signed
// checkpoint with the board's key, and its receipt checker accepts a real
// receipt (uploaded) and refuses tampered ones (pasted). Then the
// administrator closes and tallies, the demo's trustees decrypt from their
// own files (`veche trustee decrypt --server`), the result is published, and
// the results shown — figures and bars — are the ones the ballots cast here
// make, computed independently from the choices.
//
// Every page fails its test on a console error (a CSP violation is one).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, api, login, veche } from '../api/lib/server.mjs';
import { launch, newPage, shot } from './lib/browser.mjs';

let srv, browser, election, voters, work, info, token;
const cast = [];        // {voter, choices, index, track}, in the order cast

before(async () => {
  srv = await startServer({ args: ['--demo', '--voters', '20', '--cast-rate', '0'] });
  work = mkdtempSync(join(tmpdir(), 'veche-record-'));
  voters = readCredentials();
  election = await openElection();
  info = (await api(srv, 'GET', '/api/v1/info')).body;
  token = await login(srv);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (srv) await srv.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  srv?.cleanup();
});

// The demo's codes: DB.demo/credentials.csv (name,code,weight).
function readCredentials() {
  const lines = readFileSync(join(`${srv.db}.demo`, 'credentials.csv'), 'utf8').trim().split('\n');
  assert.match(lines[0], /^name,code/, 'credentials.csv starts with its header');
  return lines.slice(1).map((l) => {
    const [name, code, weight] = l.split(',');
    return { name, code, weight: Number(weight) };
  });
}

async function detail(id = election.id) {
  const r = await api(srv, 'GET', `/api/v1/elections/${id}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

async function openElection() {
  const list = (await api(srv, 'GET', '/api/v1/elections')).body.elections;
  const open = list.find((e) => e.stage === 'open');
  assert.ok(open, `the demo has an open election: ${JSON.stringify(list)}`);
  const d = await detail(open.id);
  assert.equal(d.ballots, 0, 'the demo election starts with no ballots (the results below are computed from ours)');
  return d;
}

async function ballots() {
  return (await api(srv, 'GET', `/api/v1/elections/${election.id}/ballots`)).body.ballots;
}

// Valid choices for voter k: a rotating pick of max(min, 1) selections per
// contest, among the options and (where allowed) the blank selection.
function choicesFor(k) {
  return election.manifest.contests.map((c) => {
    const nsel = c.options.length + (c.blank ? 1 : 0);
    const want = Math.min(c.max, Math.max(c.min, 1));
    return Array.from({ length: want }, (_, j) => (k + j) % nsel);
  });
}

// Casts with the CLI at the server; the new ballot is found on the record.
async function castCli(voter, choices) {
  const before = new Set((await ballots()).map((b) => b.tracking_code));
  const spec = choices.map((sels, ci) => `${ci}:${sels.join(',')}`).join(';');
  veche(['vote', '--server', srv.url, '--cache', join(work, 'voter.mirror.db'), '--election', election.id,
         '--credential', '-', '--choices', spec], { input: voter.code });
  const fresh = (await ballots()).filter((b) => !before.has(b.tracking_code));
  assert.equal(fresh.length, 1, 'one new ballot on the record');
  const c = { voter, choices, index: fresh[0].index, track: fresh[0].tracking_code };
  cast.push(c);
  return c;
}

// The counts the published result must show, from the ballots cast here:
// the last ballot of each voter counts, with the voter's weight.
function expectedResult() {
  const last = new Map();
  for (const c of cast) last.set(c.voter.code, c);
  const counts = election.manifest.contests.map((c) => new Array(c.options.length + (c.blank ? 1 : 0)).fill(0));
  let weight = 0;
  for (const c of last.values()) {
    weight += c.voter.weight;
    c.choices.forEach((sels, ci) => { for (const s of sels) counts[ci][s] += c.voter.weight; });
  }
  return { counts, weight, ballots: last.size };
}

async function noSideScroll(page, what) {
  const w = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(w[0] <= w[1], `${what}: the page is ${w[0]} px wide on a ${w[1]}-px screen`);
}

const recordUrl = (extra = '') => `${srv.url}/record.html#election=${election.id}${extra}`;

test('the home page lists the election with its stage, turnout and links', async () => {
  const { page, errors } = await newPage(browser);
  await page.goto(`${srv.url}/`);
  await page.waitForSelector('article.election');
  const card = page.locator('article.election', { hasText: election.title });
  assert.equal(await card.count(), 1);
  const text = await card.textContent();
  assert.ok(text.includes(election.organisation));
  assert.match(text, /Open for voting/);
  assert.ok(text.includes(`${voters.length} voters on the roll`), text);
  assert.equal(await card.locator(`a[href="/vote.html#election=${election.id}"]`).count(), 1, 'a link to vote');
  assert.equal(await card.locator(`a[href="/record.html#election=${election.id}"]`).count(), 1, 'a link to the record');
  const n = (await api(srv, 'GET', '/api/v1/elections')).body.elections.length;
  assert.match(await page.textContent('#status'), new RegExp(`^${n} elections?\\.`));
  await shot(page, 'record-home');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the record shows the turnout, every tracking code with its fate, and the checkpoint', async () => {
  // Four voters; the first votes twice (its first ballot is replaced).
  const first = await castCli(voters[0], choicesFor(1));
  for (let k = 0; k < 4; k++) await castCli(voters[k], choicesFor(k));
  const d = await detail();
  assert.equal(d.voted, 4);

  const { page, errors } = await newPage(browser);
  await page.goto(recordUrl());
  await page.waitForSelector('#election:not([hidden])');
  assert.equal((await page.textContent('#title')).trim(), election.title);
  const turnout = await page.textContent('#turnout-facts');
  assert.ok(turnout.includes(`4 of ${voters.length}`), `turnout: ${turnout}`);
  assert.ok(turnout.includes(`total weight ${d.weight}`), turnout);
  assert.match(turnout, /Ballots on the record5/);
  assert.match(await page.textContent('#overview-facts'), /Open for voting/);
  assert.equal(await page.locator('#overview-actions a', { hasText: 'Vote' }).count(), 1);

  // Every ballot, by tracking code, with its fate.
  const rows = await page.$$eval('#ballots-table tbody tr', (trs) => trs.map((tr) => ({
    index: Number(tr.cells[0].textContent), track: tr.cells[1].textContent, fate: tr.className })));
  assert.equal(rows.length, cast.length);
  for (const c of cast) {
    const row = rows.find((r) => r.track === c.track);
    assert.ok(row, `tracking code ${c.track} is listed`);
    assert.equal(row.index, c.index);
    assert.match(row.fate, c === first ? /fate-superseded/ : /fate-counted/);
  }
  const summary = await page.textContent('#ballots-summary');
  assert.ok(summary.startsWith('5 ballots: ') && summary.includes('4 will be counted') && summary.includes('1 replaced'), summary);

  // The trustees finished the ceremony; the fingerprint is there.
  assert.equal(await page.locator('#trustees-table tbody tr').count(), d.trustees.length);
  assert.ok((await page.textContent('#fingerprint-facts')).includes(d.fingerprint));

  // The search narrows the list.
  const target = cast[2].track;
  await page.fill('#ballot-search', target.slice(0, 12));
  assert.deepEqual(await page.$$eval('#ballots-table tbody tr td.mono', (tds) => tds.map((t) => t.textContent)), [target]);
  await page.fill('#ballot-search', 'no such code');
  assert.equal(await page.locator('#ballots-table tbody tr').count(), 0);
  assert.match(await page.textContent('#ballots-shown'), /0 matches/);

  // The checkpoint: signed by the board whose key /api/v1/info gives.
  const cp = (await page.textContent('#checkpoint-text'));
  const [origin, size, root] = cp.split('\n');
  assert.ok(info.vkey.startsWith(`${origin}+`), 'the checkpoint origin is the board key\'s name');
  assert.ok(Number(size) > cast.at(-1).index, 'the checkpoint covers the ballots');
  assert.match(root, /^[A-Za-z0-9+/]{43}=$/);
  assert.match(cp, new RegExp(`\n\n— ${origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `), 'the signature line');
  assert.equal((await page.textContent('#board-vkey')).trim(), info.vkey);
  await shot(page, 'record-open');

  // #track=CODE: found, said, highlighted; with an unescaped '+' too.
  await page.goto(recordUrl(`&track=${encodeURIComponent(target)}`));
  await page.waitForSelector('tr.tracked');
  assert.equal(await page.textContent('tr.tracked td.mono'), target);
  const said = await page.textContent('#track-result');
  assert.ok(said.includes(`entry ${cast[2].index}`) && /Will be counted/.test(said), said);
  const plus = cast.find((c) => c.track.includes('+'));
  if (plus) {
    await page.goto(recordUrl(`&track=${plus.track}`));
    await page.waitForFunction((t) => document.querySelector('tr.tracked td.mono')?.textContent === t, plus.track);
  }
  await page.goto(recordUrl('&track=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='));
  await page.waitForSelector('#track-result .message.error');
  assert.match(await page.textContent('#track-result'), /No ballot with the tracking code/);

  // A phone: nothing wider than the screen.
  const phone = await newPage(browser, { width: 360, height: 740 });
  await phone.page.goto(recordUrl(`&track=${encodeURIComponent(target)}`));
  await phone.page.waitForSelector('tr.tracked');
  await noSideScroll(phone.page, 'record on a phone');
  await shot(phone.page, 'record-phone');
  assert.deepEqual(phone.errors, []);
  await phone.context.close();

  assert.deepEqual(errors, []);

  // An election that does not exist (the browser logs the 404 it got).
  await page.goto(`${srv.url}/record.html#election=no-such-election`);
  await page.waitForSelector('#status.message.error');
  assert.match(await page.textContent('#status'), /no election "no-such-election"/);
  assert.deepEqual(errors.filter((e) => !/404/.test(e)), []);
  await page.context().close();
});

// Replaces one base64 character of the line starting with `prefix` (or the
// n-th line) by another: the bytes still decode, but no longer match.
function tamperLine(text, pick) {
  const lines = text.split('\n');
  const i = typeof pick === 'number' ? pick : lines.findIndex((l) => l.startsWith(pick));
  const at = lines[i].length - 8;
  const ch = lines[i][at];
  lines[i] = lines[i].slice(0, at) + (ch === 'A' ? 'B' : 'A') + lines[i].slice(at + 1);
  return lines.join('\n');
}

test('the receipt checker accepts a real receipt and refuses tampered ones', async () => {
  const c = cast.at(-1);
  const r = await api(srv, 'GET', `/api/v1/record/receipt/${c.index}`);
  assert.equal(r.status, 200);
  const receipt = r.text;
  assert.ok(receipt.startsWith('c2sp.org/tlog-proof@v1\nextra '));

  const { page, errors } = await newPage(browser);
  await page.goto(`${srv.url}/record.html#receipt`);
  await page.waitForSelector('#pick:not([hidden])');
  // Uploaded as a file: checked at once.
  await page.setInputFiles('#receipt-file', { name: 'veche-receipt.txt', mimeType: 'text/plain', buffer: Buffer.from(receipt) });
  await page.waitForSelector('#receipt-result .message');
  assert.ok(await page.isVisible('#receipt-result .message.ok'), await page.textContent('#receipt-result'));
  const ok = await page.textContent('#receipt-result');
  assert.match(ok, /The receipt checks/);
  assert.equal((await page.textContent('#receipt-track')).trim(), c.track);
  assert.ok(ok.includes(`Entry${c.index} of a record of`), ok);
  assert.ok(ok.includes(`a ballot of election ${election.id}`), ok);
  assert.ok(ok.includes(info.vkey), 'it says which key it used');
  assert.match(ok, /Checked in this browser/);
  await page.waitForFunction(() => /whose fate is/.test(document.getElementById('receipt-result').textContent));
  assert.ok((await page.textContent('#receipt-result')).includes(`a ballot of “${election.title}” whose fate is Will be counted`));
  await shot(page, 'record-receipt-ok');

  // Tampered: the entry, a proof hash, the checkpoint's root.
  // Lines: header, extra, index, proof hashes, '', then the note: origin, size, root, '', signatures.
  const blank = receipt.split('\n').indexOf('', 3);
  const tampered = [
    ['the entry', tamperLine(receipt, 'extra '), /entry|signature|proof|base64/i],
    ['the checkpoint', tamperLine(receipt, blank + 3), /checkpoint|signature|note/i],
  ];
  if (blank > 3) tampered.push(['a proof hash', tamperLine(receipt, 3), /inclusion proof/]);
  for (const [what, text, re] of tampered) {
    assert.notEqual(text, receipt);
    await page.fill('#receipt-text', text);
    await page.click('#receipt-check');
    await page.waitForSelector('#receipt-result .message.error');
    const msg = await page.textContent('#receipt-result');
    assert.match(msg, /This receipt does not check/, `${what}: ${msg}`);
    assert.match(msg, re, `${what}: ${msg}`);
    await shot(page, `record-receipt-tampered-${what.replace(/\W+/g, '-')}`);
  }
  // Nothing at all.
  await page.fill('#receipt-text', '');
  await page.click('#receipt-check');
  await page.waitForSelector('#receipt-result .message.error');
  assert.match(await page.textContent('#receipt-result'), /Choose a receipt file or paste/);
  assert.deepEqual(errors, []);
  await page.context().close();
});

// The demo's trustees: DB.demo/NAME.state with NAME.key beside it.
function demoTrustees() {
  const dir = `${srv.db}.demo`;
  return readdirSync(dir).filter((f) => f.endsWith('.state'))
    .map((f) => ({ state: join(dir, f), key: join(dir, f.replace(/\.state$/, '.key')) }))
    .filter((t) => existsSync(t.key));
}

async function admin(path) {
  const r = await api(srv, 'POST', `/api/v1/elections/${election.id}${path}`, { json: {}, token });
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.body;
}

test('after the tally and the trustees\' decryptions, the results page shows the right figures', async () => {
  const { page, errors } = await newPage(browser);
  await admin('/close');
  await admin('/tally');
  await page.goto(recordUrl());
  await page.waitForSelector('#election:not([hidden])');
  assert.match(await page.textContent('#results-body'), /enough trustees have decrypted/);

  const trustees = demoTrustees();
  assert.ok(trustees.length >= election.threshold, `the demo keeps ${trustees.length} trustees' files`);
  for (const t of trustees.slice(0, election.threshold)) {
    veche(['trustee', 'decrypt', '--server', srv.url, '--state', t.state, '--key', t.key]);
  }
  const d = await admin('/result');
  const want = expectedResult();
  assert.deepEqual(d.result.counts, want.counts, 'the server\'s result is the one our ballots make');
  assert.equal(d.tally.weight, want.weight);

  await page.goto(recordUrl());
  await page.waitForSelector('.contest-result');
  assert.match(await page.textContent('#overview-facts'), /Result published/);
  assert.ok((await page.textContent('#results-body')).includes(`${want.ballots} ballots counted, total weight ${want.weight}`));
  const shown = await page.$$eval('.contest-result', (secs) => secs.map((s) => ({
    question: s.querySelector('h3').textContent,
    rows: [...s.querySelectorAll('.bar-row')].map((r) => ({
      option: r.dataset.option, count: Number(r.dataset.count), text: r.querySelector('.bar-value').textContent,
      width: r.querySelector('.bar').style.width, winner: r.classList.contains('winner'),
      mark: r.querySelector('.bar-label').textContent })) })));
  assert.equal(shown.length, election.manifest.contests.length);
  election.manifest.contests.forEach((c, ci) => {
    const s = shown[ci];
    assert.equal(s.question, c.question);
    const labels = [...c.options, ...(c.blank ? ['Blank'] : [])];
    assert.deepEqual(s.rows.map((r) => r.option), labels);
    s.rows.forEach((r, k) => {
      const n = want.counts[ci][k];
      assert.equal(r.count, n, `${c.question} / ${r.option}`);
      assert.ok(r.text.startsWith(`${n} (`), r.text);
      assert.equal(parseFloat(r.width), Number(((100 * n) / want.weight).toFixed(2)), `bar width of ${r.option}`);
    });
    // Winners: the options with the most votes, as many as the contest elects.
    const opts = want.counts[ci].slice(0, c.options.length);
    const sorted = [...opts].sort((a, b) => b - a);
    const cut = sorted[c.max - 1];
    opts.forEach((n, k) => {
      const clear = n > 0 && n > (sorted[c.max] ?? -1) && n >= cut;
      if (clear) assert.ok(s.rows[k].winner && /winner/.test(s.rows[k].mark), `${c.options[k]} (${n}) wins`);
      if (n < cut || n === 0) assert.ok(!s.rows[k].winner, `${c.options[k]} (${n}) does not win`);
    });
    if (c.blank) assert.ok(!s.rows.at(-1).winner, 'blank never wins');
  });
  await shot(page, 'record-results');
  const phone = await newPage(browser, { width: 360, height: 740 });
  await phone.page.goto(recordUrl());
  await phone.page.waitForSelector('.contest-result');
  await noSideScroll(phone.page, 'results on a phone');
  await shot(phone.page, 'record-results-phone');
  assert.deepEqual(phone.errors, []);
  await phone.context.close();

  // The tally counted exactly the ballots the page called counted.
  const list = await ballots();
  assert.equal(list.filter((b) => b.fate === 'counted').length, want.ballots);
  assert.equal(list.filter((b) => b.fate === 'superseded').length, cast.length - want.ballots);
  assert.deepEqual(errors, []);
  await page.context().close();
});
