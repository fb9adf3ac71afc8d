// booth_platforms.test.mjs — candidates' platforms linked from the ballot
// (issue 6): the booth (web/vote.html) of a council's seats election shows,
// beside each candidate, the platforms the council's record counts for them,
// linked to the council page; in Debian's chromium against a real `veche
// serve`.
//
// A council is made through the API (3 members, a grouping), then a seats
// election of three candidates (its trustee with `veche trustee --server`).
// Platforms on the record: the grouping's for Ana, a member's for Ben (the
// member signs with the standing credential), one for Chen that is then
// tombstoned (no link: its body is gone) — and, to catch a booth that
// matches by option text alone, a platform for "Chen Wu" of ANOTHER election
// of the council. A member opens the booth with their standing code: Ana's
// and Ben's links name their titles and authors and point at the council
// page's publication; Chen has none; clicking a link (it opens a new tab)
// and reaching it with the keyboard never changes the choice; the member
// votes and casts. When the council cannot be read, the booth says so
// quietly, shows no link, and the vote is cast all the same.
//
// Every page fails on a console error, except the council request a test
// fails on purpose.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { startServer, api, login, veche } from '../api/lib/server.mjs';
import { launch, newPage, shot } from './lib/browser.mjs';
import * as VC from '../../web/js/veche-council.js';

await VC.ready(sodium);

const CID = 'depot-council';
const CANDIDATES = ['Ana Pires', 'Ben Okafor', 'Chen Wu'];
const GROUPING = { id: 'left', name: 'Left caucus' };

let srv, token, browser, trusteeKey, trusteeState, election, other;
const codes = {};      // member id -> standing code
const platforms = {};  // candidate -> {index, title, author}

before(async () => {
  srv = await startServer({ args: ['--cast-rate', '0'] });
  token = await login(srv);
  trusteeKey = join(srv.dir, 'trustee.key');
  trusteeState = join(srv.dir, 'trustee.state');
  const vkey = veche(['keygen', '--name', 'tess', '--out', trusteeKey]).trim();
  const tpub = Buffer.from(vkey.split('+').slice(2).join('+'), 'base64').subarray(-32).toString('base64');
  veche(['keygen', '--name', GROUPING.id, '--out', join(srv.dir, 'left.key')]);
  GROUPING.key = VC.keyFromFile(readFileSync(join(srv.dir, 'left.key'), 'utf8'));
  await ok('POST', '/api/v1/councils', {
    council: CID, name: 'Depot council', seats: 2, term: 86400 * 365,
    recall: { threshold: 300, majority: 501 }, trustees: [{ name: 'Tess', key: tpub }],
    threshold: 1, exclusion_vote: false,
  });
  for (const m of ['m-ada', 'm-bo', 'm-cy']) {
    const j = await ok('POST', `/api/v1/councils/${CID}/roll`, { action: 'join', member: m, name: `Person ${m}`, reason: '' });
    codes[m] = j.code;
  }
  const g = await door(VC.groupingEntry({ council: CID, grouping: GROUPING.id, name: GROUPING.name, members: ['m-ada'] }, GROUPING.key));
  assert.equal(g.status, 201, g.text);
  election = await seatsElection('Delegates 2026');
  other = await seatsElection('Delegates 2027 (announced)');
  await publishPlatforms();
  await runCeremony(election);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (srv) await srv.stop();
  srv?.cleanup();
});

// ---- setting up through the API --------------------------------------------------------

async function ok(method, path, json) {
  const r = await api(srv, method, path, { json, token });
  assert.ok([200, 201].includes(r.status), `${method} ${path}: ${r.status} ${r.text}`);
  return r.body;
}
const door = (entry, body = null) => api(srv, 'POST', `/api/v1/councils/${CID}/entries`,
  { body: VC.doorRequest(entry, body), headers: { 'content-type': 'application/json' } });

async function seatsElection(title) {
  const r = await ok('POST', `/api/v1/councils/${CID}/elections`, { purpose: 'seats', candidates: CANDIDATES, title });
  return r.election;
}

async function runCeremony(id) {
  for (const verb of ['init', 'commit', 'reveal', 'check']) {
    const args = ['trustee', verb, '--server', srv.url, '--state', trusteeState, '--key', trusteeKey];
    if (verb === 'init') args.push('--election', id);
    veche(args);
  }
  await ok('POST', `/api/v1/elections/${id}/key`, {});
  await ok('POST', `/api/v1/elections/${id}/open`, {});
}

// The grouping's platform for Ana, a member's for Ben, Chen's tombstoned,
// and Chen's for the other election (never shown in this one's booth).
async function publishPlatforms() {
  const grouping = async (option, title, text, el = election) => {
    const p = VC.groupingPublicationEntry({ council: CID, grouping: GROUPING.id, kind: 'platform', title,
      election: el, option }, text, GROUPING.key);
    const r = await door(p.entry, p.body);
    assert.equal(r.status, 201, r.text);
    return r.body.index;
  };
  platforms['Ana Pires'] = { index: await grouping('Ana Pires', 'Ana for open books', 'Open books, fair shifts.'),
                             title: 'Ana for open books', author: GROUPING.name };

  const bundle = await ok('GET', `/api/v1/councils/${CID}/bundle`);
  const { fp } = VC.checkBundle(bundle, CID, (await ok('GET', `/api/v1/councils/${CID}`)).fingerprint);
  const cred = VC.memberCredential(CID, codes['m-bo']);
  const m = VC.memberPublicationEntry({ council: CID, kind: 'platform', title: 'Why Ben', election, option: 'Ben Okafor' },
    'Ben has driven the night bus for 20 years.', cred, fp);
  VC.wipe(cred);
  const r = await door(m.entry, m.body);
  assert.equal(r.status, 201, r.text);
  platforms['Ben Okafor'] = { index: r.body.index, title: 'Why Ben', author: 'a member' };

  const chen = await grouping('Chen Wu', 'Chen (withdrawn)', 'Personal data.');
  await ok('POST', `/api/v1/councils/${CID}/tombstones`, { publication: chen, reason: 'Personal data' });
  await grouping('Chen Wu', 'Chen for 2027', 'Next time.', other);

  const c = await ok('GET', `/api/v1/councils/${CID}`);
  const pl = c.publications.filter((p) => p.kind === 'platform');
  assert.equal(pl.length, 4, 'four platforms on the record');
  assert.equal(pl.find((p) => p.index === chen).tombstone?.reason, 'Personal data');
}

// ---- the booth ------------------------------------------------------------------------------

const link = (code) => `${srv.url}/vote.html#election=${election}&code=${encodeURIComponent(code)}`;
const selId = (s) => `#contest-0-sel-${s}`;

async function checkedNow(page) {
  return page.$$eval('#contest-0 input', (is) => is.map((i) => i.checked));
}

// Encrypts and casts from the ballot step; returns the index the server gave.
async function reviewAndCast(page) {
  await page.click('#ballot-review');
  await page.waitForSelector('#step-review:not([hidden])');
  await page.click('#review-encrypt');
  await page.waitForSelector('#encrypt-done:not([hidden])', { timeout: 60000 });
  await page.click('#encrypt-cast');
  await page.waitForSelector('#step-done:not([hidden])', { timeout: 30000 });
  return Number(await page.textContent('#done-index'));
}

test('the booth links each candidate\'s counted platforms, and only those', async () => {
  const { page, errors, context } = await newPage(browser);
  await page.goto(link(codes['m-ada']));
  await page.waitForSelector('#step-ballot:not([hidden])', { timeout: 30000 });
  assert.match(await page.textContent('#status'), /council credential/);
  assert.equal(await page.locator('.platform-note').count(), 0, 'no note when the council was read');

  for (const [s, cand] of CANDIDATES.entries()) {
    const row = page.locator(`#contest-0 .choice-row:has(${selId(s)})`);
    const links = row.locator('a.platform-link');
    const p = platforms[cand];
    if (!p) {
      assert.equal(await row.count(), 0, `${cand}: no platform row`);
      assert.equal(await page.locator(`label[for="contest-0-sel-${s}"] a`).count(), 0);
      continue;
    }
    assert.equal(await links.count(), 1, `${cand}: one platform link`);
    const a = links.first();
    // What it shows; its accessible name adds that it opens a new tab.
    assert.equal(await a.evaluate((x) => x.firstChild.textContent), `Platform: ${p.title} (by ${p.author})`);
    assert.equal(await a.evaluate((x) => x.textContent), `Platform: ${p.title} (by ${p.author}) (opens in a new tab)`);
    assert.equal(await a.getAttribute('href'), `/council.html#council=${CID}&pub=${p.index}`);
    // It is described by the candidate's name.
    const describedBy = await a.getAttribute('aria-describedby');
    assert.equal((await page.textContent(`#${describedBy}`)).trim(), cand);
    // Outside the option's label: following it cannot toggle the choice.
    assert.equal(await a.evaluate((x) => x.closest('label')), null);
  }
  await shot(page, 'booth-platforms');

  // Clicking Ana's platform opens the council page at it, in a new tab; the choice stays as it was.
  await page.check(selId(1));
  const before = await checkedNow(page);
  const [tab] = await Promise.all([
    context.waitForEvent('page'),
    page.click(`#contest-0 .choice-row:has(${selId(0)}) a.platform-link`),
  ]);
  await tab.waitForLoadState('domcontentloaded');
  assert.equal(new URL(tab.url()).hash, `#council=${CID}&pub=${platforms['Ana Pires'].index}`);
  await tab.waitForSelector(`#pub-${platforms['Ana Pires'].index}`, { timeout: 30000 });
  await tab.close();
  assert.deepEqual(await checkedNow(page), before, 'following the link changed no choice');

  // The keyboard reaches the link right after its option, changing nothing on the way.
  await page.focus(selId(0));
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'platform-link');
  assert.deepEqual(await checkedNow(page), before);

  // The member votes: Ben, and Ana too (seats = 2), then casts.
  await page.check(selId(0));
  const index = await reviewAndCast(page);
  const entry = JSON.parse((await api(srv, 'GET', `/api/v1/record/entries/${index}`)).text);
  assert.equal(entry.type, 'election.ballot');
  assert.equal(entry.body.credential, VC.memberCredential(CID, codes['m-ada']).Xb64, 'cast with the council credential');
  assert.deepEqual(errors, []);
  await context.close();
});

test('when the council cannot be read, the booth says so quietly and the vote is still cast', async () => {
  const { page, errors, context } = await newPage(browser);
  await page.route(`**/api/v1/councils/${CID}`, (route) => route.abort('failed'));
  await page.goto(link(codes['m-cy']));
  await page.waitForSelector('#step-ballot:not([hidden])', { timeout: 30000 });
  assert.equal(await page.locator('a.platform-link').count(), 0, 'no platform links');
  assert.match(await page.textContent('.platform-note'), /platforms could not be loaded.*You can still vote/);
  assert.equal(await page.locator('#status.error').count(), 0, 'not an error of the booth');
  await page.check(selId(2));
  const index = await reviewAndCast(page);
  assert.ok(index > 0);
  const failed = /Failed to load resource: net::ERR_FAILED/;
  assert.deepEqual(errors.filter((e) => !failed.test(e)), []);
  await context.close();
});
