// admin.test.mjs — an administrator runs a whole election from the
// administration page (web/admin.html) in Debian's chromium against a real
// `veche serve`: logs in (a wrong password first), creates an election from
// the form (two contests; three trustees whose keys come from `veche keygen`,
// 2 of 3; a mistake first, which the server's error.field puts next to the
// right input), imports a roll of 5 voters, downloads the codes CSV and
// prints the credential letters (one a page; also rebuilt by letters.html
// from the CSV). The trustees run the ceremony from their own files with
// `veche trustee ... --server`, the page follows them and the administrator
// finishes the ceremony (refused while incomplete, with the server's
// reason) and opens; voters vote in the booth and with the CLI; the
// administrator closes and tallies from the page, two trustees decrypt, the
// result is published from the page; the public results show the figures the
// ballots make, and `veche verify --server` passes the record.
//
// Every page fails its test on a console error (a CSP violation is one).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, api, veche } from '../api/lib/server.mjs';
import { launch, newPage, shot, SHOTS } from './lib/browser.mjs';

let srv, browser, work, page, errors;
const ID = 'branch-7-2025';
const TITLE = 'Branch 7 annual vote';
const CONTESTS = [
  { question: 'Do we adopt the new statutes?', options: ['Yes', 'No'], min: 1, max: 1, blank: true },
  { question: 'Elect two delegates', options: ['Ana', 'Ben', 'Chen', 'Dora'], min: 0, max: 2, blank: false },
];
const ROLL = [['Ilse Bauer', 1], ['Jonas Weber', 2], ['Kemal Aydin', 1], ['Lena Novak', 1], ['Marta Ruiz', 1]];
// What each voter chooses (selection indexes per contest; blank = options.length); one abstains.
const CHOICES = [[[0], [0, 2]], [[0], [1, 2]], [[2], [2]], [[1], [0, 2]], null];
const trustees = ['anna', 'boris', 'chiara'].map((name) => ({ name }));

before(async () => {
  srv = await startServer();
  assert.ok(srv.password, 'the server printed an administrator password');
  work = mkdtempSync(join(tmpdir(), 'veche-admin-'));
  for (const t of trustees) {
    t.key = join(work, `${t.name}.key`);
    t.state = join(work, `${t.name}.state`);
    t.vkey = veche(['keygen', '--name', t.name, '--out', t.key]).trim();
    const raw = Buffer.from(t.vkey.split('+').slice(2).join('+'), 'base64');
    assert.equal(raw.length, 33, `keygen printed a verifier key: ${t.vkey}`);
    t.pub = raw.subarray(1).toString('base64');
  }
  browser = await launch();
  ({ page, errors } = await newPage(browser));
});

after(async () => {
  await browser?.close();
  if (srv) await srv.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  srv?.cleanup();
});

async function detail() {
  return (await api(srv, 'GET', `/api/v1/elections/${ID}`)).body;
}

// Waits until the manage view shows `stage` (its label), after an action.
async function stageIs(label) {
  await page.waitForFunction((l) => document.getElementById('m-facts')?.textContent.includes(l), label, { timeout: 30000 });
}

async function clickStep(label) {
  await page.click(`#m-steps button:text-is("${label}")`);
}

async function noSideScroll(p, what) {
  const w = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(w[0] <= w[1], `${what}: the page is ${w[0]} px wide on a ${w[1]}-px screen`);
}

// The trustees run exactly the commands the page shows them, with their own
// file names in place of TRUSTEE.state and TRUSTEE.key.
let commands = null;
function trustee(t, verb) {
  const line = commands.replace(/ \\\n\s*/g, ' ').split('\n').find((l) => l.startsWith(`veche trustee ${verb} `));
  assert.ok(line, `the page shows the command for ${verb}`);
  const args = line.split(/\s+/).slice(1)
    .map((a) => ({ 'TRUSTEE.state': t.state, 'TRUSTEE.key': t.key }[a] ?? a));
  return veche(args);
}

test('log in: a wrong password is refused, the right one opens the administration', async () => {
  await page.goto(`${srv.url}/admin.html`);
  await page.waitForSelector('#login-view:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
  await page.fill('#password', 'not-the-password');
  await page.press('#password', 'Enter');
  await page.waitForSelector('#status .message.error');
  assert.match(await page.textContent('#status'), /not the administrator password/);
  await shot(page, 'admin-login-refused');
  await page.fill('#password', srv.password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#list-view:not([hidden])');
  assert.ok(await page.isVisible('#list-empty'), 'no elections yet');
  assert.deepEqual(errors.filter((e) => !/401|Failed to load resource/.test(e)), []);
  errors.length = 0;   // the refused login's 401 is logged by the browser
});

async function fillContest(i, c) {
  const box = page.locator('#contests > fieldset').nth(i);
  await box.locator('[data-part=question]').fill(c.question);
  await box.locator('[data-part=options]').fill(c.options.join('\n'));
  await box.locator('[data-part=min]').fill(String(c.min));
  await box.locator('[data-part=max]').fill(String(c.max));
  await box.locator('[data-part=blank]').setChecked(c.blank);
}

test('create an election from the form; the server\'s error lands on the right field', async () => {
  await page.click('a[href="#new"]');
  await page.waitForSelector('#new-view:not([hidden])');
  await page.fill('#f-election', ID);
  await page.fill('#f-title', TITLE);
  await page.fill('#f-organisation', 'Branch 7');
  await page.fill('#f-opens', '2030-03-01T09:00');
  await page.fill('#f-closes', '2030-03-08T18:00');
  await fillContest(0, CONTESTS[0]);
  await page.click('#add-contest');
  // A mistake: at most 5 of 4 options.
  await fillContest(1, { ...CONTESTS[1], max: 5 });
  for (let i = 0; i < trustees.length; i++) {
    if (i > 0) await page.click('#add-trustee');
    const box = page.locator('#trustees > fieldset').nth(i);
    await box.locator('[data-part=name]').fill(trustees[i].name);
    // The first pastes the line veche keygen printed; the others the bare key.
    await box.locator('[data-part=key]').fill(i === 0 ? trustees[i].vkey : trustees[i].pub);
  }
  await page.fill('#f-threshold', '2');
  const unlabelled = await page.$$eval('#new-form input, #new-form textarea',
    (is) => is.filter((i) => i.labels.length === 0).map((i) => i.id || i.outerHTML));
  assert.deepEqual(unlabelled, [], 'every input has a label');
  assert.match(await page.textContent('#f-threshold-help'), /Any 2 of the 3 trustees/);

  await page.click('#create');
  await page.waitForSelector('#form-errors .message.error');
  const bad = page.locator('#contests > fieldset').nth(1).locator('[data-part=max]');
  assert.equal(await bad.getAttribute('aria-invalid'), 'true', 'the refused field is marked');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.field), 'contests[1].max', 'and has the focus');
  assert.match(await page.textContent('#form-errors'), /max/);
  await shot(page, 'admin-form-error');
  errors.length = 0;   // the 400, logged by the browser as a failed resource
  assert.equal((await api(srv, 'GET', '/api/v1/elections')).body.elections.length, 0, 'nothing was created');

  // A key that is not one is caught in the browser, on its field.
  const key2 = page.locator('#trustees > fieldset').nth(1).locator('[data-part=key]');
  await key2.fill('not a key');
  await page.click('#create');
  await page.waitForSelector('.field-error');
  assert.equal(await key2.getAttribute('aria-invalid'), 'true');
  assert.match(await page.textContent('#form-errors'), /not a public key/);
  await key2.fill(trustees[1].pub);

  await page.locator('#contests > fieldset').nth(1).locator('[data-part=max]').fill('2');
  await page.click('#create');
  await page.waitForSelector('#manage-view:not([hidden])');
  assert.match(page.url(), new RegExp(`#election=${ID}$`));
  assert.match(await page.textContent('#status'), /is on the record/);

  const d = await detail();
  assert.equal(d.title, TITLE);
  assert.equal(d.threshold, 2);
  assert.deepEqual(d.trustees.map((t) => [t.name, t.key]), trustees.map((t) => [t.name, t.pub]));
  assert.equal(d.manifest.opens, Math.floor(new Date('2030-03-01T09:00').getTime() / 1000));
  assert.equal(d.manifest.closes, Math.floor(new Date('2030-03-08T18:00').getTime() / 1000));
  d.manifest.contests.forEach((c, i) => {
    const want = CONTESTS[i];
    assert.deepEqual([c.question, c.options, c.min, c.max, c.blank, c.id],
                     [want.question, want.options, want.min, want.max, want.blank, `q${i + 1}`]);
  });
  assert.match(await page.textContent('#m-facts'), /Being set up/);
  // The commands the trustees run, with this server and election.
  const cmds = await page.textContent('#m-commands');
  assert.ok(cmds.includes(`veche trustee init --election ${ID} \\\n    --server ${srv.url} --state TRUSTEE.state --key TRUSTEE.key`), cmds);
  assert.ok(cmds.includes('veche trustee decrypt'));
  commands = cmds;
  await shot(page, 'admin-created');
  assert.deepEqual(errors, []);
});

let codes;

test('import the roll: the codes come once, as a CSV and as printable letters', async () => {
  // Finishing the ceremony now is refused, and the server's reason shown.
  await clickStep('Finish the key ceremony');
  await page.waitForSelector('#m-status .message.error');
  assert.match(await page.textContent('#m-status'), /refused/);
  assert.match(await page.textContent('#m-status'), /trustee|ceremony/i);
  await shot(page, 'admin-key-refused');
  errors.length = 0;   // the 409 is logged by the browser as a failed resource

  // The roll as a CSV file, as a spreadsheet would save it.
  await page.setInputFiles('#roll-file', { name: 'roll.csv', mimeType: 'text/csv',
    buffer: Buffer.from(`name,weight\r\n${ROLL.map(([n, w]) => `${n},${w}`).join('\r\n')}\r\n`) });
  await page.waitForFunction(() => document.getElementById('roll-count').textContent === '5 voters.');
  await page.click('#roll-submit');
  await page.waitForSelector('#m-codes:not([hidden])');
  assert.match(await page.textContent('#codes-warning'), /server keeps no copy/);
  assert.ok(await page.isHidden('#roll-form'), 'a roll is imported once');
  codes = await page.$$eval('#codes-table tbody tr', (trs) => trs.map((tr) => ({
    name: tr.cells[0].textContent, weight: Number(tr.cells[1].textContent), code: tr.cells[2].textContent })));
  assert.deepEqual(codes.map((c) => [c.name, c.weight]), ROLL);
  assert.equal(new Set(codes.map((c) => c.code)).size, 5);
  assert.equal((await detail()).voters, 5);
  await shot(page, 'admin-codes');

  // The CSV, made in the browser.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#codes-csv')]);
  assert.equal(dl.suggestedFilename(), `${ID}-codes.csv`);
  const csvFile = join(work, dl.suggestedFilename());
  await dl.saveAs(csvFile);
  const lines = readFileSync(csvFile, 'utf8').trim().split('\r\n');
  assert.equal(lines[0], 'name,weight,code,election,link');
  assert.equal(lines.length, 6);
  codes.forEach((c, i) => {
    assert.equal(lines[i + 1], `${c.name},${c.weight},${c.code},${ID},${srv.url}/vote.html#election=${ID}&code=${encodeURIComponent(c.code)}`);
  });

  // The letters, built on this page: one a printed page.
  await page.click('#codes-letters');
  await page.waitForSelector('#letters:not([hidden]) .letter');
  const letters = await page.$$eval('.letter', (ls) => ls.map((l) => ({
    to: l.querySelector('.letter-to').textContent, code: l.querySelector('.letter-code').textContent,
    link: l.querySelector('.letter-link').textContent })));
  assert.deepEqual(letters.map((l) => [l.to, l.code]), codes.map((c) => [c.name, c.code]));
  assert.equal(letters[0].link, `${srv.url}/vote.html#election=${ID}&code=${encodeURIComponent(codes[0].code)}`);
  assert.ok(await page.isHidden('main'), 'the letters replace the page');
  await shot(page, 'admin-letters');
  await page.emulateMedia({ media: 'print' });
  const print = await page.evaluate(() => ({
    breaks: [...document.querySelectorAll('.letter')].map((l) => getComputedStyle(l).breakAfter),
    bar: getComputedStyle(document.querySelector('.letters-bar')).display,
  }));
  assert.deepEqual(print.breaks, ['page', 'page', 'page', 'page', 'auto'], 'one letter a page');
  assert.equal(print.bar, 'none', 'the buttons are not printed');
  await shot(page, 'admin-letters-print');
  // Printed for real: a PDF of five pages, kept with the screenshots.
  const pdf = await page.pdf({ path: join(SHOTS, 'admin-letters.pdf'), format: 'A4' });
  assert.equal(pdf.toString('latin1').match(/\/Type\s*\/Page\b/g).length, 5, 'five printed pages');
  await page.emulateMedia({ media: 'screen' });
  await page.click('#letters-close');
  assert.ok(await page.isVisible('#manage-view'));

  // letters.html rebuilds them from the CSV file, read in the browser.
  const other = await newPage(browser);
  await other.page.goto(`${srv.url}/letters.html`);
  await other.page.setInputFiles('#codes-file', csvFile);
  await other.page.waitForSelector('.letter');
  assert.deepEqual(await other.page.$$eval('.letter-code', (ls) => ls.map((l) => l.textContent)), codes.map((c) => c.code));
  assert.match(await other.page.textContent('#status'), /5 letters for Branch 7 annual vote/);
  await other.page.emulateMedia({ media: 'print' });
  await shot(other.page, 'admin-letters-from-csv');
  assert.deepEqual(other.errors, []);
  await other.context.close();
  assert.deepEqual(errors, []);
});

test('the trustees\' ceremony from their machines; the page follows; finish it and open', async () => {
  const all = async (step) => page.waitForFunction((n) => [...document.querySelectorAll('#m-trustees tbody tr')]
    .every((tr) => tr.cells[n].textContent.includes('✓')), step, { timeout: 30000 });
  for (const t of trustees) trustee(t, 'init');
  await all(1);
  for (const t of trustees) trustee(t, 'commit');
  await all(2);
  assert.deepEqual(await page.$$eval('#m-trustees tbody tr', (trs) => trs.map((tr) => tr.cells[5].textContent)),
                   ['reveal', 'reveal', 'reveal'], 'each trustee\'s next step is said');
  for (const t of trustees) trustee(t, 'reveal');
  await all(3);
  for (const t of trustees) trustee(t, 'check');
  await shot(page, 'admin-ceremony');

  await clickStep('Finish the key ceremony');
  await stageIs('Ready to open');
  assert.match(await page.textContent('#m-status'), /done/);
  // The focus moved on to the next step: the keyboard alone opens the election.
  assert.equal(await page.evaluate(() => document.activeElement.dataset.action), '/open');
  await page.keyboard.press('Enter');
  await stageIs('Open for voting');
  const d = await detail();
  assert.equal(d.stage, 'open');
  assert.ok(d.fingerprint);
  await shot(page, 'admin-open');
  assert.deepEqual(errors, []);
});

// A voter votes in the booth (web/vote.html) from the letter's link.
async function boothVote(code, choices) {
  const v = await newPage(browser);
  await v.page.goto(`${srv.url}/vote.html#election=${ID}&code=${encodeURIComponent(code)}`);
  await v.page.waitForSelector('#step-ballot:not([hidden])');
  for (const [ci, sels] of choices.entries())
    for (const s of sels) await v.page.check(`#contest-${ci}-sel-${s}`);
  await v.page.click('#ballot-review');
  await v.page.waitForSelector('#step-review:not([hidden])');
  await v.page.click('#review-encrypt');
  await v.page.waitForSelector('#encrypt-done:not([hidden])', { timeout: 60000 });
  await v.page.click('#encrypt-cast');
  await v.page.waitForSelector('#step-done:not([hidden])', { timeout: 30000 });
  const track = (await v.page.textContent('#done-track')).trim();
  assert.deepEqual(v.errors, []);
  await v.context.close();
  return track;
}

test('voters vote (booth and CLI); the administrator closes, tallies and publishes', async () => {
  const tracks = [];
  for (const [i, choices] of CHOICES.entries()) {
    if (!choices) continue;
    if (i < 2) tracks.push(await boothVote(codes[i].code, choices));
    else {
      const spec = choices.map((sels, ci) => `${ci}:${sels.join(',')}`).join(';');
      veche(['vote', '--server', srv.url, '--cache', join(work, 'voter.mirror.db'), '--election', ID,
             '--credential', '-', '--choices', spec], { input: codes[i].code });
    }
  }
  assert.equal((await detail()).voted, 4);

  await page.reload();
  await stageIs('Open for voting');
  assert.match(await page.textContent('#m-facts'), /5 voters, total weight 6/);
  assert.match(await page.textContent('#m-facts'), /4 voters voted/);
  // Closing asks first: dismissed, nothing happens; accepted, it closes.
  page.once('dialog', (dlg) => dlg.dismiss());
  await clickStep('Close the election');
  await page.waitForTimeout(500);
  assert.equal((await detail()).stage, 'open', 'a dismissed close does nothing');
  page.once('dialog', (dlg) => { assert.match(dlg.message(), /cannot be reopened/); dlg.accept(); });
  await clickStep('Close the election');
  await stageIs('Closed');
  await clickStep('Count the ballots (tally)');
  await stageIs('Counted, decrypting');
  assert.match(await page.textContent('#m-steps'), /Done: 4 ballots, weight 5/);
  // Publishing before the decryptions is refused with the server's reason.
  await clickStep('Publish the result');
  await page.waitForSelector('#m-status .message.error');
  assert.match(await page.textContent('#m-status'), /Publish the result: refused/);
  errors.length = 0;   // the 409, logged by the browser

  trustee(trustees[0], 'decrypt');
  trustee(trustees[2], 'decrypt');
  await page.waitForFunction(() => [...document.querySelectorAll('#m-trustees tbody tr')]
    .filter((tr) => tr.cells[4].textContent.includes('✓')).length === 2, null, { timeout: 30000 });
  await shot(page, 'admin-decrypted');
  await clickStep('Publish the result');
  await stageIs('Result published');
  await shot(page, 'admin-published');
  assert.deepEqual(errors, []);
});

test('the public results show the figures the ballots make, and the record verifies', async () => {
  // Computed here from the voters' choices and weights.
  const counts = CONTESTS.map((c) => new Array(c.options.length + (c.blank ? 1 : 0)).fill(0));
  let weight = 0;
  CHOICES.forEach((choices, i) => {
    if (!choices) return;
    weight += ROLL[i][1];
    choices.forEach((sels, ci) => { for (const s of sels) counts[ci][s] += ROLL[i][1]; });
  });
  assert.deepEqual(counts, [[3, 1, 1], [2, 2, 5, 0]]);
  const d = await detail();
  assert.deepEqual(d.result.counts, counts);

  const { page: p, errors: errs } = await newPage(browser);
  await p.goto(`${srv.url}/record.html#election=${ID}`);
  await p.waitForSelector('.contest-result');
  assert.ok((await p.textContent('#results-body')).includes(`4 ballots counted, total weight ${weight}`));
  const rows = await p.$$eval('.contest-result', (secs) => secs.map((s) => [...s.querySelectorAll('.bar-row')]
    .map((r) => [r.dataset.option, Number(r.dataset.count), parseFloat(r.querySelector('.bar').style.width), r.classList.contains('winner')])));
  assert.deepEqual(rows, [
    [['Yes', 3, 60, true], ['No', 1, 20, false], ['Blank', 1, 20, false]],
    // Two seats: Chen (5) wins; Ana and Ben tie at 2 for the second seat.
    [['Ana', 2, 40, false], ['Ben', 2, 40, false], ['Chen', 5, 100, true], ['Dora', 0, 0, false]],
  ]);
  assert.equal(await p.locator('.contest-result').nth(1).locator('.tie-mark').count(), 2, 'the tie is said');
  await shot(p, 'admin-results');
  assert.deepEqual(errs, []);
  await p.context().close();

  const out = veche(['verify', '--server', srv.url, '--cache', join(work, 'verify.mirror.db'), '--election', ID]);
  assert.doesNotMatch(out, /FAIL/);
  assert.match(out, /PASS/);
});

test('the list shows the election; log out', async () => {
  await page.click('#to-list');
  await page.waitForSelector('#list-view:not([hidden])');
  const row = page.locator('#election-table tbody tr', { hasText: TITLE });
  assert.match(await row.textContent(), /Result published/);
  await row.locator('a').click();
  await page.waitForSelector('#manage-view:not([hidden])');
  await stageIs('Result published');
  await page.click('#logout');
  await page.waitForSelector('#login-view:not([hidden])');
  assert.match(await page.textContent('#status'), /logged out/);
  assert.equal((await api(srv, 'GET', '/api/v1/session')).body.admin, false);
  // A phone-sized administration page has no side scroll.
  const phone = await newPage(browser, { width: 360, height: 740 });
  await phone.page.goto(`${srv.url}/admin.html`);
  await phone.page.waitForSelector('#login-view:not([hidden])');
  await noSideScroll(phone.page, 'admin on a phone');
  assert.deepEqual(phone.errors, []);
  await phone.context.close();
  assert.deepEqual(errors, []);
});
