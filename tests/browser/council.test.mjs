// council.test.mjs — a council's life in Debian's chromium against a real
// `veche serve`, through the three council pages:
//
//   - rollkeeper.html: the administrator logs in, creates a council from the
//     form (its trustee from `veche keygen`), admits six members (one by the
//     form, five from CSV lines); the standing codes are shown once, as a CSV
//     made in the browser and as printable membership letters;
//   - three groupings (the council's own office among them, a grouping like
//     any other) register and publish through the council's door with
//     entries signed in node by `veche keygen` keys; another key claiming a
//     grouping is refused;
//   - a seats election is created from the roll-keeper page, the trustee runs
//     the ceremony with `veche trustee --server`, one member votes in the booth
//     with the standing code (the council's credential scope) and the others
//     with ballots built by web/js/veche-crypto.js; the result is published and
//     the mandates issued from the roll-keeper page;
//   - member.html: a member publishes Markdown holding a <script> and a
//     javascript: link (inert in the preview and on the council page: no
//     script runs, no such href), opens a recall petition against a delegate;
//     members sign it until the threshold (a second signature by the same
//     member is said to be signed already), and the council page shows the
//     progress bar full and the recall election created;
//   - the feed shows every publication, newest first, filtered by grouping and
//     "members", bodies checked against their hashes; a tombstoned
//     publication shows "Removed" with its reason and its body is gone (410);
//   - an impostor written onto the record behind the server's back (the door
//     refuses them) is hidden with a note, and marked when shown; a body
//     altered on its way is refused by the browser's hash check;
//   - the roll's chart has a point per roll entry (a member leaves at the end);
//   - the council page on a 360-px phone, with screenshots, and no console
//     error on any page (a CSP violation is one).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sodium from 'libsodium-wrappers-sumo';
import { startServer, api, login, veche } from '../api/lib/server.mjs';
import { launch, newPage, shot } from './lib/browser.mjs';
import * as VC from '../../web/js/veche-council.js';
import * as V from '../../web/js/veche-crypto.js';

await VC.ready(sodium);

const CID = 'works-council';
const NAME = 'Works council of the Northern depot';
const MEMBERS = [['m-ada', 'Ada Lovelace'], ['m-bo', 'Bo Diddley'], ['m-cy', 'Cyrus Vance'], ['m-di', 'Dinah Shore'],
  ['m-ed', 'Ed Kemper, Jr.'], ['m-fa', 'Fatima "Fay" Noor']];
const CANDIDATES = ['Ana Pires', 'Ben Okafor', 'Chen Wu'];
// Ballots: each voter chooses up to 2 of 3 (seats = 2). Ana 5, Ben 3, Chen 2.
const VOTES = [[0, 1], [0, 2], [0, 1], [0, 1], [0, 2], []];
const HOSTILE = [
  '# A member speaks',
  '',
  'We want **open books** and *fair shifts*.',
  '',
  '<script>window.__pwned = 1</script>',
  '',
  '[click me](javascript:window.__pwned=2) and <img src=x onerror="window.__pwned=3">',
  '',
  '- see [the minutes](https://example.org/minutes)',
  '- and `code`',
].join('\n');

let srv, token, browser, work, trustee, codes = null, election = null;
const groupings = [
  { id: 'office', name: 'Council office', file: 'office' },
  { id: 'left', name: 'Left caucus', file: 'left' },
  { id: 'green', name: 'Green slate', file: 'green' },
];

before(async () => {
  srv = await startServer();
  token = await login(srv);
  work = mkdtempSync(join(tmpdir(), 'veche-council-'));
  trustee = { key: join(work, 'trustee.key'), state: join(work, 'trustee.state') };
  trustee.vkey = veche(['keygen', '--name', 'tess', '--out', trustee.key]).trim();
  for (const g of groupings) {
    veche(['keygen', '--name', g.file, '--out', join(work, `${g.file}.key`)]);
    g.key = VC.keyFromFile(readFileSync(join(work, `${g.file}.key`), 'utf8'));
  }
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (srv) await srv.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  srv?.cleanup();
});

const call = (method, path, json) => api(srv, method, path, { json, token });
async function ok(method, path, json, want = [200, 201]) {
  const r = await call(method, path, json);
  assert.ok([want].flat().includes(r.status), `${method} ${path}: ${r.status} ${r.text}`);
  return r.body;
}
const council = () => ok('GET', `/api/v1/councils/${CID}`);
const door = (entry, body = null) => api(srv, 'POST', `/api/v1/councils/${CID}/entries`,
  { body: VC.doorRequest(entry, body), headers: { 'content-type': 'application/json' } });

// A page that must end without console errors.
async function open(path, opts) {
  const p = await newPage(browser, opts);
  await p.page.goto(`${srv.url}${path}`);
  return p;
}
async function closeClean(p, what) {
  assert.deepEqual(p.errors, [], `${what}: console errors`);
  await p.context.close();
}

let keeper;   // the roll keeper's page, kept open across tests

// Waits until the roll keeper's status line says what re matches (a step's
// answer replaces the previous one once the page shows the new state).
async function statusSays(page, re) {
  await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('m-status').textContent), re.source);
}

test('roll keeper: log in, create the council from the form', async () => {
  keeper = await newPage(browser);
  const { page } = keeper;
  await page.goto(`${srv.url}/rollkeeper.html`);
  await page.waitForSelector('#login-view:not([hidden])');
  await page.fill('#password', srv.password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#list-view:not([hidden])');
  assert.match(await page.textContent('#list-empty'), /No councils yet/);
  await page.click('a[href="#new"]');
  await page.waitForSelector('#new-view:not([hidden])');
  await page.fill('#n-council', CID);
  await page.fill('#n-name', NAME);
  await page.fill('#n-seats', '2');
  await page.fill('#n-term', '365');
  await page.fill('#n-threshold-pet', '50');
  await page.fill('#n-majority', '60');
  // A mistake first: the server's field goes next to its input.
  await page.fill('#n-trustees', 'tess not-a-key');
  await page.click('#n-create');
  await page.waitForSelector('#new-errors .message.error');
  assert.match(await page.textContent('#new-errors'), /not a public key/);
  assert.equal(await page.getAttribute('#n-trustees', 'aria-invalid'), 'true');
  await page.fill('#n-trustees', trustee.vkey);
  await page.click('#n-create');
  await page.waitForSelector('#manage-view:not([hidden])');
  assert.match(await page.textContent('#status'), /is on the record/);
  const c = await council();
  assert.equal(c.name, NAME);
  assert.equal(c.seats, 2);
  assert.equal(c.term, 365 * 86400);
  assert.deepEqual(c.recall, { threshold: 500, majority: 600 });
  assert.equal(c.trustees[0].name, 'tess');
});

test('roll keeper: admit six members; codes shown once as CSV and letters', async () => {
  const { page } = keeper;
  await page.fill('#a-member', MEMBERS[0][0]);
  await page.fill('#a-name', MEMBERS[0][1]);
  await page.fill('#a-csv', ['member,name', ...MEMBERS.slice(1).map(([m, n]) => `${m},${n}`)].join('\n'));
  await page.waitForFunction(() => document.getElementById('a-count').textContent === '6 members to admit.');
  await page.click('#a-go');
  await page.waitForSelector('#codes:not([hidden])', { timeout: 60000 });
  assert.match(await page.textContent('#m-status'), /6 members admitted/);
  const rows = await page.$$eval('#codes-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
  assert.deepEqual(rows.map((r) => [r[0], r[1]]), MEMBERS);
  codes = Object.fromEntries(rows.map((r) => [r[0], r[2]]));
  const c = await council();
  assert.equal(c.members, 6);
  assert.equal(c.standing, 6);
  assert.equal(c.pending, 0);
  // Every code's key, derived here under the council id, is standing.
  const bundle = VC.checkBundle(await ok('GET', `/api/v1/councils/${CID}/bundle`), CID, c.fingerprint);
  for (const m of MEMBERS) assert.ok(bundle.standing.has(VC.memberCredential(CID, codes[m[0]]).Xb64), `${m[0]} standing`);

  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#codes-csv')]);
  const csv = readFileSync(await dl.path(), 'utf8').split('\r\n');
  assert.equal(csv[0], 'member,name,code,salt,council,link');
  assert.equal(csv.length, MEMBERS.length + 2);
  assert.ok(csv[5].startsWith(`m-ed,"Ed Kemper, Jr.",${codes['m-ed']},`), csv[5]);
  assert.ok(csv[6].startsWith('m-fa,"Fatima ""Fay"" Noor",'), csv[6]);
  assert.ok(csv[1].endsWith(`,${CID},${srv.url}/member.html#council=${CID}&code=${encodeURIComponent(codes['m-ada'])}`), csv[1]);
  await page.click('#codes-letters');
  await page.waitForSelector('#letters:not([hidden]) .letter');
  assert.equal(await page.locator('#letters .letter').count(), 6);
  assert.equal(await page.textContent('#letters .letter:nth-of-type(1) .letter-code'), codes['m-ada']);
  await page.emulateMedia({ media: 'print' });
  await shot(page, 'council-letters-print');
  await page.emulateMedia({ media: 'screen' });
  await page.click('#letters-close');
  await shot(page, 'council-rollkeeper');
  await page.click('#codes-forget');
  assert.ok(await page.isHidden('#codes'));
  assert.deepEqual(keeper.errors, []);
});

test('groupings register and publish with their own keys; an impostor is refused', async () => {
  const members = { office: [], left: ['m-ada', 'm-bo'], green: ['m-cy'] };
  for (const g of groupings) {
    const r = await door(VC.groupingEntry({ council: CID, grouping: g.id, name: g.name, members: members[g.id] }, g.key));
    assert.equal(r.status, 201, r.text);
  }
  const posts = [
    ['office', 'statement', 'Meeting on Monday', 'The council meets on **Monday** at 18:00.'],
    ['left', 'statement', 'Our demands', '1. Fair shifts\n2. Open books'],
    ['green', 'minutes', 'Green slate minutes', '> Present: 4\n\nWe agreed.'],
    ['office', 'statement', 'Leaked salaries (to be removed)', 'Names and salaries of staff.'],
  ];
  for (const [g, kind, title, text] of posts) {
    const key = groupings.find((x) => x.id === g).key;
    const p = VC.groupingPublicationEntry({ council: CID, grouping: g, kind, title }, text, key);
    const r = await door(p.entry, p.body);
    assert.equal(r.status, 201, r.text);
  }
  // The left caucus's key publishing as the office: refused at the door.
  const imp = VC.groupingPublicationEntry({ council: CID, grouping: 'office', kind: 'statement', title: 'We resign' },
    'All of us.', groupings[1].key);
  const r = await door(imp.entry, imp.body);
  assert.ok([403, 422].includes(r.status), `impostor: ${r.status} ${r.text}`);
  const c = await council();
  assert.equal(c.groupings.length, 3);
  assert.equal(c.publications.length, 4);
});

async function runCeremony(id) {
  for (const verb of ['init', 'commit', 'reveal', 'check']) {
    const args = ['trustee', verb, '--server', srv.url, '--state', trustee.state, '--key', trustee.key];
    if (verb === 'init') args.push('--election', id);
    veche(args);
  }
  await ok('POST', `/api/v1/elections/${id}/key`, {});
  await ok('POST', `/api/v1/elections/${id}/open`, {});
}

test('roll keeper: a seats election; the members vote; mandates from the result', async () => {
  const { page } = keeper;
  await page.selectOption('#e-purpose', 'seats');
  await page.fill('#e-title', 'Delegates 2025');
  await page.fill('#e-candidates', CANDIDATES.join('\n'));
  await page.click('#e-go');
  await statusSays(page, /Election \S+ is on the record|refused/);
  assert.match(await page.textContent('#m-status'), /is on the record/);
  election = (await council()).elections[0].election;
  await runCeremony(election);
  const d = await ok('GET', `/api/v1/elections/${election}`);
  assert.equal(d.council, CID, 'the election names its council: the booth derives the council credential');
  assert.equal(d.voters, 6);

  // The member area offers the booth for the open council vote.
  const m = await open(`/member.html#council=${CID}&code=${encodeURIComponent(codes['m-bo'])}`);
  await m.page.waitForSelector('#member-view:not([hidden])');
  assert.equal(await m.page.locator(`#vote-list a[href="/vote.html#election=${election}"]`).count(), 1);
  await closeClean(m, 'member area (vote)');

  // One member votes in the booth with the standing code.
  const booth = await open(`/vote.html#election=${election}&code=${encodeURIComponent(codes['m-ada'])}`);
  await booth.page.waitForSelector('#step-ballot:not([hidden])', { timeout: 30000 });
  assert.match(await booth.page.textContent('#status'), /council credential/);
  for (const s of VOTES[0]) await booth.page.check(`#contest-0-sel-${s}`);
  await booth.page.click('#ballot-review');
  await booth.page.waitForSelector('#step-review:not([hidden])');
  await booth.page.click('#review-encrypt');
  await booth.page.waitForSelector('#encrypt-done:not([hidden])', { timeout: 60000 });
  await booth.page.click('#encrypt-cast');
  await booth.page.waitForSelector('#step-done:not([hidden])', { timeout: 30000 });
  await closeClean(booth, 'booth');

  // The others: ballots built with veche-crypto.js from the bundle.
  await V.ready(sodium);
  const e = V.electionFromBundle(await ok('GET', `/api/v1/elections/${election}/bundle`));
  for (let i = 1; i < MEMBERS.length; i++) {
    const cred = V.deriveCredential(CID, codes[MEMBERS[i][0]]);
    const b = await V.buildBallot(e, cred, [VOTES[i]]);
    const r = await api(srv, 'POST', `/api/v1/elections/${election}/ballots`, { body: b.entry, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 201, r.text);
  }
  await ok('POST', `/api/v1/elections/${election}/close`, {});
  await ok('POST', `/api/v1/elections/${election}/tally`, {});
  veche(['trustee', 'decrypt', '--server', srv.url, '--state', trustee.state, '--key', trustee.key]);
  await ok('POST', `/api/v1/elections/${election}/result`, {});

  await page.reload();
  await page.waitForSelector('#manage-view:not([hidden])');
  await page.waitForFunction((eid) => [...document.querySelectorAll('#md-election option')].some((o) => o.value === eid), election);
  await page.selectOption('#md-election', election);
  await page.click('#md-go');
  await statusSays(page, /mandates of .* are on the record|refused/);
  assert.match(await page.textContent('#m-status'), /mandates of .* are on the record \(2 delegates\)/);
  const c = await council();
  assert.deepEqual(c.mandates.map((m) => [m.delegate, m.status]).sort(), [['Ana Pires', 'active'], ['Ben Okafor', 'active']]);
  assert.deepEqual(keeper.errors, []);
});

test('member area: the code leaves the address bar; Markdown with a script and a javascript: link is inert', async () => {
  const m = await open(`/member.html#council=${CID}&code=${encodeURIComponent(codes['m-cy'])}`);
  const { page } = m;
  await page.waitForSelector('#member-view:not([hidden])');
  assert.equal(new URL(page.url()).hash, `#council=${CID}`, 'the code is cleared from the fragment');
  assert.equal(await page.textContent('#cred-key'), VC.memberCredential(CID, codes['m-cy']).Xb64);
  await page.fill('#pub-title', 'A member speaks');
  await page.fill('#body-text', HOSTILE);
  await page.waitForFunction(() => document.querySelector('#preview h4')?.textContent === 'A member speaks');
  assert.match(await page.textContent('#body-count'), /of 65,536 bytes/);
  assert.equal(await page.locator('#preview script, #preview img').count(), 0);
  assert.equal(await page.locator('#preview a[href^="javascript"]').count(), 0);
  assert.ok((await page.textContent('#preview')).includes('<script>window.__pwned = 1</script>'), 'the script is shown as text');
  assert.equal(await page.getAttribute('#preview a[href="https://example.org/minutes"]', 'rel'), 'noopener noreferrer nofollow');
  // Over the limit: said, and not sent.
  await page.fill('#body-text', 'x'.repeat(65537));
  await page.waitForFunction(() => document.getElementById('body-count').classList.contains('over'));
  await page.click('#publish-go');
  await page.waitForSelector('#publish-status .message.error');
  assert.match(await page.textContent('#publish-status'), /65,537 bytes/);
  await page.fill('#body-text', HOSTILE);
  await page.click('#publish-go');
  await page.waitForSelector('#publish-status .message.ok');
  assert.match(await page.textContent('#publish-status'), /Published at entry \d+/);
  await shot(page, 'council-member-publish');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await closeClean(m, 'member area');
});

test('member area: a recall petition, signed to its threshold; the council page shows it full and the recall vote', async () => {
  const c0 = await council();
  const ana = c0.mandates.find((x) => x.delegate === 'Ana Pires');
  // m-bo opens it (the first signature).
  const a = await open(`/member.html#council=${CID}&code=${encodeURIComponent(codes['m-bo'])}`);
  await a.page.waitForSelector('#member-view:not([hidden])');
  await a.page.selectOption('#recall-mandate', String(ana.index));
  await a.page.fill('#recall-text', 'Ana missed every meeting since March.');
  await a.page.click('#recall-go');
  await a.page.waitForSelector('#recall-status .message.ok');
  // Opening counts as signing: the petition says so.
  await a.page.waitForSelector('#sign-list .signed-note');
  await closeClean(a, 'member area (opener)');
  const pet = (await council()).petitions[0];
  assert.equal(pet.count, 1);
  assert.equal(pet.threshold_count, 3, 'half of six members');

  // m-cy signs; coming back, the page says it is signed already.
  for (const who of ['m-cy', 'm-cy', 'm-di']) {
    const s = await open(`/member.html#council=${CID}&code=${encodeURIComponent(codes[who])}`);
    await s.page.waitForSelector('#member-view:not([hidden])');
    const btn = s.page.locator(`#sign-list button.sign[data-petition="${pet.index}"]`);
    await s.page.waitForFunction(() => !document.querySelector('#sign-status .message.error'));
    if (who === 'm-cy' && (await council()).petitions[0].count === 2) {
      await s.page.waitForSelector('#sign-list .signed-note');
      assert.ok(await btn.isDisabled(), 'a second signature is not offered');
      assert.match(await s.page.textContent('#sign-list'), /You have signed this petition/);
    } else {
      await btn.click();
      await s.page.waitForSelector('#sign-status .message.ok');
      if (who === 'm-di') {
        assert.match(await s.page.textContent('#sign-status'), /reached its threshold: the recall vote/);
        await shot(s.page, 'council-member-signed');
      }
    }
    await closeClean(s, `member area (${who})`);
  }
  const c = await council();
  assert.equal(c.petitions[0].count, 3);
  assert.notEqual(c.petitions[0].succeeded_at, null);
  const recall = c.elections.find((e) => e.purpose === 'recall');
  assert.ok(recall, 'the recall election was created');
  assert.equal(c.petitions[0].recall_election, recall.election);

  const p = await open(`/council.html#council=${CID}`);
  await p.page.waitForSelector('#council:not([hidden])');
  const bar = p.page.locator(`#petition-${pet.index} [role=progressbar]`);
  assert.equal(await bar.getAttribute('aria-valuenow'), '3');
  assert.equal(await bar.getAttribute('aria-valuemax'), '3');
  assert.match(await bar.getAttribute('class'), /full/);
  assert.match(await p.page.textContent(`#petition-${pet.index}`), new RegExp(`recall vote is ${recall.election}`));
  assert.ok(await p.page.isVisible(`#elections-table tr[data-election="${recall.election}"]`));
  await closeClean(p, 'council page');
});

test('roll keeper: a publication is tombstoned with its reason; a member leaves; a delegate resigns; a delegation goes and returns', async () => {
  const { page } = keeper;
  const c0 = await council();
  const leak = c0.publications.find((x) => x.title.startsWith('Leaked'));
  await page.reload();
  await page.waitForSelector('#manage-view:not([hidden])');
  await page.selectOption('#t-pub', String(leak.index));
  await page.fill('#t-reason', 'Court order 12/2025: personal data');
  page.once('dialog', (d) => d.accept());
  await page.click('#t-go');
  await statusSays(page, /The text is removed|refused/);
  assert.match(await page.textContent('#m-status'), /The text is removed; the tombstone is at entry \d+/);
  await page.selectOption('#l-member', 'm-fa');
  await page.selectOption('#l-action', 'leave');
  await page.fill('#l-reason', 'moved to another depot');
  await page.click('#l-go');
  await statusSays(page, /m-fa left/);
  // Ben resigns; a delegation goes out and comes back.
  const ben = c0.mandates.find((x) => x.delegate === 'Ben Okafor');
  await page.selectOption('#x-mandate', String(ben.index));
  await page.selectOption('#x-reason', 'resigned');
  await page.fill('#x-statement', 'Personal reasons');
  await page.click('#x-go');
  await statusSays(page, /mandate ended \(resigned\)/);
  await page.fill('#d-id', 'wage-talks');
  await page.fill('#d-to', 'Regional wage board');
  await page.fill('#d-delegates', 'Ana Pires\nChen Wu');
  await page.fill('#d-mandate', 'Agree to nothing below 4%.');
  await page.click('#d-go');
  await statusSays(page, /delegation to Regional wage board is on the record/);
  await page.selectOption('#de-id', 'wage-talks');
  await page.fill('#de-statement', 'Agreed at 4.5%');
  await page.click('#de-go');
  await statusSays(page, /delegation wage-talks ended/);
  const c = await council();
  assert.equal(c.members, 5);
  assert.equal(c.mandates.find((x) => x.index === ben.index).status, 'resigned');
  assert.equal(c.delegations[0].ended.reason, 'returned');
  assert.ok(c.due.some((d) => d.kind === 'by-election'), JSON.stringify(c.due));
  assert.equal(c.publications.find((x) => x.index === leak.index).tombstone.reason, 'Court order 12/2025: personal data');
  const body = await api(srv, 'GET', `/api/v1/bodies/${VC.hashHex(leak.hash)}`);
  assert.equal(body.status, 410);
  await closeClean(keeper, 'roll keeper');
});

test('an impostor appended behind the server\'s back: hidden with a note, shown marked', async () => {
  // The door refuses impostors, so write one straight onto the record with
  // the CLI while the server is stopped: the left caucus's key as the office.
  const imp = VC.groupingPublicationEntry({ council: CID, grouping: 'office', kind: 'statement', title: 'The office resigns' },
    'We all resign.', groupings[1].key);
  writeFileSync(join(work, 'impostor.jsonl'), `${imp.entry}\n`);
  await srv.stop();
  veche(['board', 'append', '--db', srv.db, '--entries', join(work, 'impostor.jsonl')]);
  srv = await startServer({ dir: srv.dir, password: srv.password });
  const c = await council();
  const p = c.publications.find((x) => x.title === 'The office resigns');
  assert.ok(p && p.impostor, 'the record reports it as an impostor');
  assert.notEqual(p.author, 'Council office', 'never shown as the grouping\'s');

  const v = await open(`/council.html#council=${CID}`);
  const { page } = v;
  await page.waitForSelector('#council:not([hidden])');
  assert.equal(await page.locator(`#pub-${p.index}`).count(), 0, 'hidden by default');
  assert.match(await page.textContent('#feed-count'), /1 hidden: the record does not count them/);
  await page.check('#show-impostors');
  await page.waitForSelector(`#pub-${p.index}`);
  assert.match(await page.textContent(`#pub-${p.index} .meta`), /impostor — claims to be Council office but is not signed by its key/);
  await page.selectOption('#feed-filter', 'g:office');
  await page.waitForFunction(() => document.querySelectorAll('#feed-list article.pub').length === 3);
  await page.uncheck('#show-impostors');
  await page.waitForFunction(() => document.querySelectorAll('#feed-list article.pub').length === 2);
  await page.waitForFunction(() => document.querySelectorAll('#feed-list .pub-body[aria-busy]').length === 0);
  await closeClean(v, 'council page (impostor)');

  // A body altered on its way (a lying server or cache): the browser's own
  // hash check refuses to show it.
  const demands = c.publications.find((x) => x.title === 'Our demands');
  const t = await newPage(browser);
  await t.page.route(`**/api/v1/bodies/${VC.hashHex(demands.hash)}`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/markdown; charset=utf-8', body: '1. Fair shifts\n2. Shut books' }));   // same length: the hash decides
  await t.page.goto(`${srv.url}/council.html#council=${CID}`);
  await t.page.waitForSelector(`#pub-${demands.index} .pub-body[data-body="bad"]`);
  assert.match(await t.page.textContent(`#pub-${demands.index}`), /Not shown: the text the server sent \(28 bytes\) does not match the hash on the record/);
  assert.equal(await t.page.locator(`#pub-${demands.index} .md`).count(), 0);
  await closeClean(t, 'council page (altered body)');
});

test('council page: feed, filters, removed text, the roll chart; a phone; no console errors', async () => {
  const c = await council();
  const p = await open(`/council.html#council=${CID}`);
  const { page } = p;
  await page.waitForSelector('#council:not([hidden])');
  assert.equal(await page.textContent('#title'), NAME);
  // Every body checked: 4 grouping publications and the member's, one removed.
  await page.waitForFunction(() => document.querySelectorAll('#feed-list .pub-body[aria-busy]').length === 0);
  const shown = await page.$$eval('#feed-list article.pub', (as) => as.map((a) => [a.dataset.index, a.dataset.grouping]));
  assert.deepEqual(shown.map(([i]) => Number(i)), c.publications.filter((x) => !x.impostor).map((x) => x.index),
    'newest first, all of them but the impostor');
  assert.equal(await page.locator('#feed-list .pub-body[data-body="ok"]').count(), 4);
  const leak = c.publications.find((x) => x.tombstone);
  assert.match(await page.textContent(`#pub-${leak.index}`), /Removed: Court order 12\/2025: personal data/);
  // The member's publication, rendered inert.
  const mine = c.publications.find((x) => x.grouping === null);
  const art = page.locator(`#pub-${mine.index}`);
  assert.match(await art.textContent(), /a member/);
  assert.equal(await art.locator('.md h4').textContent(), 'A member speaks');
  assert.equal(await art.locator('script, img, iframe').count(), 0);
  assert.equal(await page.locator('#feed-list a[href^="javascript"], #feed-list [onerror]').count(), 0);
  assert.ok((await art.textContent()).includes('<script>window.__pwned = 1</script>'));
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  // Filters: each grouping, and the members.
  for (const [value, want] of [['g:office', 2], ['g:left', 1], ['g:green', 1], ['members', 1], ['all', 5]]) {
    await page.selectOption('#feed-filter', value);
    await page.waitForFunction((n) => document.querySelectorAll('#feed-list article.pub').length === n, want);
  }
  await page.selectOption('#feed-filter', 'g:office');
  assert.match(await page.textContent('#feed-count'), /2 publications shown/);
  await page.selectOption('#feed-filter', 'all');
  // Seats, groupings, the chart.
  assert.equal(await page.locator('#mandates-table tbody tr[data-status="active"]').count(), 1);
  assert.match(await page.textContent('#mandates-table tbody tr[data-status="resigned"]'), /Ben Okafor/);
  assert.match(await page.textContent('#due'), /By-election/);
  assert.match(await page.textContent('#delegations-list'), /To Regional wage board.*Ana Pires, Chen Wu.*Returned.*Agreed at 4\.5%/s);
  assert.equal(await page.locator('#groupings-table tbody tr').count(), 3);
  assert.equal(c.roll_history.length, 7);
  assert.equal(await page.locator('#roll-chart svg circle.pt').count(), 7, 'a point per roll entry');
  assert.equal(await page.getAttribute('#roll-chart svg', 'data-points'), '7');
  assert.equal(await page.locator('#roll-chart svg circle.pt-leave').count(), 1);
  assert.match(await page.textContent('#roll-note'), /5 members now/);
  await shot(page, 'council-page');
  await closeClean(p, 'council page');

  // A phone: nothing wider than the screen.
  const phone = await open(`/council.html#council=${CID}`, { width: 360, height: 740 });
  await phone.page.waitForSelector('#council:not([hidden])');
  await phone.page.waitForFunction(() => document.querySelectorAll('#feed-list .pub-body[aria-busy]').length === 0);
  const w = await phone.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(w[0] <= w[1], `the page is ${w[0]} px wide on a ${w[1]}-px screen`);
  await shot(phone.page, 'council-page-phone');
  await closeClean(phone, 'council page (phone)');

  // The list of councils, and the member and roll-keeper areas on the phone.
  const list = await open('/council.html');
  await list.page.waitForSelector('#pick:not([hidden]) #pick-list a');
  assert.equal(await list.page.getAttribute('#pick-list a', 'href'), `/council.html#council=${CID}`);
  assert.match(await list.page.textContent('#pick-list'), /5 members · 1 of 2 seats held/);
  await closeClean(list, 'councils');
  const mp = await open(`/member.html#council=${CID}&code=${encodeURIComponent(codes['m-ada'])}`, { width: 360, height: 740 });
  await mp.page.waitForSelector('#member-view:not([hidden])');
  await mp.page.fill('#body-text', '# Wide\n\n```\n' + 'x'.repeat(300) + '\n```\n' + 'y'.repeat(300));
  await mp.page.waitForSelector('#preview pre');
  const mw = await mp.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(mw[0] <= mw[1], `member area: ${mw[0]} px wide on a ${mw[1]}-px screen`);
  await shot(mp.page, 'council-member-phone');
  await closeClean(mp, 'member area (phone)');
  const kp = await open('/rollkeeper.html', { width: 360, height: 740 });
  await kp.page.fill('#password', srv.password);
  await kp.page.click('#login-form button[type=submit]');
  await kp.page.waitForSelector('#list-view:not([hidden]) #council-table a');
  await kp.page.click('#council-table a');
  await kp.page.waitForSelector('#manage-view:not([hidden])');
  const kw = await kp.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(kw[0] <= kw[1], `roll keeper: ${kw[0]} px wide on a ${kw[1]}-px screen`);
  await shot(kp.page, 'council-rollkeeper-phone');
  await closeClean(kp, 'roll keeper (phone)');
});
