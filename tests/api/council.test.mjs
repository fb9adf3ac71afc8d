// council.test.mjs — the councils' routes of a real `veche serve` (docs/API.md,
// "Councils"), over loopback.
//
// First every route without a session and with bad input, each refusal with
// its status and code and nothing appended. Then the members' door refusing
// what would not count: a petition by a credential that is not standing, a
// forged credential signature, a second signature by one credential, a
// grouping's publication signed by another key, a body that is not the one
// the entry names, a body over 64 KiB. The join's answer is checked the way
// a member's browser does: the code, under the council id, gives a key that
// /bundle lists as standing.
//
// Then one council goes the whole way: 10 members join, a seats election
// (trustees with `veche trustee --server`, ballots built with the browser's
// own modules under the council's credential scope), mandates for the two
// winners, a recall petition signed to its threshold — the server makes the
// recall election itself — the recall vote, the mandate ended, the
// by-election and its mandate, a grouping's and a member's publications, a
// tombstone (the body then answers 410), a restart, and `veche verify
// --council` over the record with the server's bodies directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import * as C from '../../web/js/veche-council.js';
import * as R from '../../web/js/veche-record.js';
import * as V from '../../web/js/veche-crypto.js';
import { startServer, api, login, veche } from './lib/server.mjs';

await C.ready(sodium);

const ID = 'works-council';
let srv, token, dir;
const pub = {};      // key name -> base64 Ed25519 public key
const members = {};  // member id -> {code, salt, index, cred}

before(async () => {
  srv = await startServer({ args: ['--cast-rate', '0'] });
  token = await login(srv);
  dir = srv.dir;
  for (const k of ['t1', 't2', 't3', 'g1', 'g2']) {
    const out = veche(['keygen', '--name', k, '--out', join(dir, `${k}.key`)]).trim();
    pub[k] = Buffer.from(out.split('+').slice(2).join('+'), 'base64').subarray(-32).toString('base64');
  }
});

after(async () => {
  for (const m of Object.values(members)) if (m.cred) C.wipe(m.cred);
  await srv?.stop();
  srv?.cleanup();
});

// ---- helpers ----------------------------------------------------------------------------

const keyOf = (name) => C.keyFromFile(readFileSync(join(dir, `${name}.key`), 'utf8'));

const councilBody = (id = ID, extra = {}) => ({
  council: id, name: 'Works council', seats: 2, term: 86400 * 365,
  recall: { threshold: 300, majority: 501 },
  trustees: [{ name: 'Ana', key: pub.t1 }, { name: 'Ben', key: pub.t2 }, { name: 'Cleo', key: pub.t3 }],
  threshold: 2, exclusion_vote: false, ...extra,
});

const post = (path, json, tok = token) => api(srv, 'POST', `/api/v1${path}`, { json, token: tok });
const get = (path) => api(srv, 'GET', `/api/v1${path}`);
const door = (entry, body = null, id = ID) => api(srv, 'POST', `/api/v1/councils/${id}/entries`,
  { body: C.doorRequest(entry, body), headers: { 'content-type': 'application/json' } });

async function size() {
  return (await get('/info')).body.size;
}

// An error answer with status, code and (when given) field; nothing appended.
async function refused(p, status, code, field) {
  const n0 = await size();
  const r = await p();
  assert.equal(r.status, status, `want ${status} ${code}, got ${r.status} ${r.text}`);
  assert.equal(r.body.error?.code, code, r.text);
  assert.ok(r.body.error.message.length > 0);
  if (field !== undefined) assert.equal(r.body.error.field, field, r.text);
  assert.equal(await size(), n0, 'a refusal appends nothing');
  return r.body.error;
}

async function council(id = ID) {
  const r = await get(`/councils/${id}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

async function fingerprint(id = ID) {
  const b = await get(`/councils/${id}/bundle`);
  assert.equal(b.status, 200, b.text);
  return C.checkBundle(b.body, id, (await council(id)).fingerprint);
}

async function join1(member, name = `Person ${member}`, id = ID) {
  const r = await post(`/councils/${id}/roll`, { action: 'join', member, name, reason: '' });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

// Trustee i's step of election's ceremony with its own state file (`veche trustee --server`).
const trustee = (verb, i, election) => veche(['trustee', verb, '--state', join(dir, `t${i}-${election}.state`),
  '--server', srv.url, '--key', join(dir, `t${i}.key`), ...(verb === 'init' ? ['--election', election] : [])]);

// ---- authentication ---------------------------------------------------------------------

test('reading needs no session; every administrator route needs one (401, nothing appended)', async () => {
  const list = await get('/councils');
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.body, { councils: [] });
  for (const path of ['/councils', `/councils/${ID}/roll`, `/councils/${ID}/elections`,
    `/councils/${ID}/mandates`, `/councils/${ID}/mandate_end`, `/councils/${ID}/tombstones`,
    `/councils/${ID}/delegations`, `/councils/${ID}/delegations/d1/end`]) {
    await refused(() => post(path, {}, null), 401, 'unauthorized');
    await refused(() => post(path, {}, 'not-a-token'), 401, 'unauthorized');
  }
});

// ---- create ------------------------------------------------------------------------------

test('create refuses bad input, naming the member; then 201 COUNCIL; a second is 409', async () => {
  await refused(() => api(srv, 'POST', '/api/v1/councils', { body: '{"council":', token,
    headers: { 'content-type': 'application/json' } }), 400, 'bad_json');
  await refused(() => post('/councils', [1]), 400, 'bad_request');
  await refused(() => post('/councils', councilBody('Bad Id')), 400, 'bad_request', 'council');
  await refused(() => post('/councils', councilBody(ID, { seats: 0 })), 400, 'bad_request', 'seats');
  await refused(() => post('/councils', councilBody(ID, { term: 60 })), 400, 'bad_request', 'term');
  await refused(() => post('/councils', councilBody(ID, { threshold: 4 })), 400, 'bad_request', 'threshold');
  await refused(() => post('/councils', councilBody(ID, { recall: { threshold: 300, majority: 400 } })),
    400, 'bad_request', 'majority');
  await refused(() => post('/councils', councilBody(ID, { colour: 'red' })), 400, 'bad_request', 'colour');
  await refused(() => post('/councils', councilBody(ID, { trustees: [{ name: 'X', key: 'nope' }] })),
    400, 'bad_request', 'trustees[0]');
  await refused(() => api(srv, 'POST', '/api/v1/councils', { body: JSON.stringify(councilBody()),
    headers: { 'content-type': 'text/plain' }, token }), 415, 'bad_content_type');

  const r = await post('/councils', councilBody());
  assert.equal(r.status, 201, r.text);
  const c = r.body;
  assert.equal(c.id, ID);
  assert.equal(c.seats, 2);
  assert.deepEqual(c.recall, { threshold: 300, majority: 501 });
  assert.equal(c.members, 0);
  assert.equal(c.standing, 0);
  assert.deepEqual(c.trustees.map((t) => t.key), [pub.t1, pub.t2, pub.t3]);
  const info = (await get('/info')).body;
  assert.equal(c.administrator, info.administrator);
  assert.equal(c.credential_authority, info.credential_authority);
  assert.notEqual(c.roll_keeper, info.administrator);
  assert.deepEqual(c.due.map((d) => d.kind), ['first-election']);
  // The fingerprint the server announces is the one the bundle's bytes give.
  const fp = await fingerprint();
  assert.equal(fp.fpB64, c.fingerprint);
  const st = statSync(join(`${srv.db}.keys`, 'roll.key'));
  assert.equal(st.mode & 0o777, 0o600);

  await refused(() => post('/councils', councilBody()), 409, 'council_exists', 'council');
  const list = (await get('/councils')).body.councils;
  assert.deepEqual(list.map((x) => [x.id, x.members, x.seats]), [[ID, 0, 2]]);
});

test('unknown council: 404 on every route', async () => {
  for (const path of ['/councils/nope', '/councils/nope/bundle']) {
    const r = await get(path);
    assert.equal(r.status, 404, r.text);
    assert.equal(r.body.error.code, 'not_found');
  }
  await refused(() => post('/councils/nope/roll', { action: 'join', member: 'm1', name: 'A', reason: '' }),
    404, 'not_found');
  await refused(() => post('/councils/nope/elections', { purpose: 'seats', candidates: ['A'] }), 404, 'not_found');
  await refused(() => door('{}', null, 'nope'), 404, 'not_found');
});

// ---- the roll ---------------------------------------------------------------------------

test('join answers the code and salt once; the code under the council id is standing', async () => {
  await refused(() => post(`/councils/${ID}/roll`, { action: 'join', member: 'Bad', name: 'A', reason: '' }),
    400, 'bad_request', 'member');
  await refused(() => post(`/councils/${ID}/roll`, { action: 'join', member: 'm1', reason: '' }),
    400, 'bad_request', 'name');
  await refused(() => post(`/councils/${ID}/roll`, { action: 'dance', member: 'm1', name: 'A', reason: '' }),
    400, 'bad_request', 'action');
  const a = await join1('m1', 'Mira Ilić');
  assert.deepEqual(Object.keys(a).sort(), ['code', 'index', 'member', 'salt']);
  assert.equal(a.member, 'm1');
  assert.match(a.code, /^[2-9A-HJKMNP-Z]{3}(-[2-9A-HJKMNP-Z]{3}){6}$/);
  assert.equal(Buffer.from(a.salt, 'base64').length, 32);
  const entry = JSON.parse((await get(`/record/entries/${a.index}`)).text);
  assert.equal(entry.type, 'council.roll');
  // The commitment opens with the salt and the name: the member can prove their entry.
  const commit = createHash('sha256').update('veche-v1/member').update(Buffer.from(a.salt, 'base64'))
    .update('Mira Ilić').digest('base64');
  assert.equal(entry.body.commitment, commit);
  assert.equal(JSON.stringify(entry).includes(a.code), false);
  const cred = C.memberCredential(ID, a.code);
  members.m1 = { ...a, cred };
  const fp = await fingerprint();
  assert.ok(fp.standing.has(cred.Xb64), 'the member finds their key in the standing list');
  assert.equal(fp.standing.size, 1);
  // The same code under another id (the election-scope formula) is not standing.
  assert.ok(!fp.standing.has(C.memberCredential('other-id', a.code).Xb64));
  // The map member -> X is the authority's, 0600; it never holds a code.
  const map = readFileSync(join(`${srv.db}.keys`, 'standing.map'), 'utf8');
  assert.match(map, new RegExp(`^${ID} m1 ${cred.Xb64.replace(/[+/]/g, '\\$&')}$`, 'm'));
  assert.equal(map.includes(a.code), false);
  assert.equal(statSync(join(`${srv.db}.keys`, 'standing.map')).mode & 0o777, 0o600);
  const c = await council();
  assert.equal(c.members, 1);
  assert.equal(c.standing, 1);
  assert.equal(c.pending, 0);
  assert.deepEqual(c.roll_history.map((x) => [x.action, x.member, x.count]), [['join', 'm1', 1]]);
});

test('many readers right after a change all see it (one load shared, no stale answer, no deadlock)', async () => {
  const before = (await get(`/councils/${ID}`)).body.members;
  await join1('m-burst', 'Burst Reader');
  const answers = await Promise.all(Array.from({ length: 40 }, () => get(`/councils/${ID}`)));
  for (const r of answers) {
    assert.equal(r.status, 200);
    assert.equal(r.body.members, before + 1);
  }
  // Election reads that look up the council scope, at the same moment, also answer.
  const all = await Promise.all(Array.from({ length: 20 }, () => get('/councils')));
  for (const r of all) assert.equal(r.status, 200);
  await post(`/councils/${ID}/roll`, { action: 'leave', member: 'm-burst', reason: 'a reader of the test' });
  assert.equal((await get(`/councils/${ID}`)).body.members, before);
});

test('a second join of an id, and a leave of someone unknown, are refused', async () => {
  const e = await refused(() => post(`/councils/${ID}/roll`, { action: 'join', member: 'm1', name: 'X', reason: '' }),
    409, 'conflict');
  assert.match(e.message, /already used/);
  await refused(() => post(`/councils/${ID}/roll`, { action: 'leave', member: 'ghost', reason: 'gone' }),
    409, 'no_credential', 'member');
  await refused(() => post(`/councils/${ID}/roll`, { action: 'leave', member: 'm1', name: 'X', reason: 'x' }),
    400, 'bad_request', 'name');
});

test('ten members; a leave removes exactly that member\'s credential', async () => {
  for (let i = 2; i <= 11; i++) {
    const a = await join1(`m${i}`);
    members[`m${i}`] = { ...a, cred: C.memberCredential(ID, a.code) };
  }
  const r = await post(`/councils/${ID}/roll`, { action: 'leave', member: 'm11', reason: 'moved away' });
  assert.equal(r.status, 201, r.text);
  const fp = await fingerprint();
  assert.equal(fp.standing.size, 10);
  assert.ok(!fp.standing.has(members.m11.cred.Xb64));
  for (let i = 1; i <= 10; i++) assert.ok(fp.standing.has(members[`m${i}`].cred.Xb64), `m${i}`);
  await refused(() => post(`/councils/${ID}/roll`, { action: 'leave', member: 'm11', reason: 'again' }),
    409, 'conflict');
  const c = await council();
  assert.equal(c.members, 10);
  assert.deepEqual(c.roll_history.at(-1), { index: r.body.index, action: 'leave', member: 'm11', count: 10,
    reason: 'moved away', election: null, pending: false });
});

// ---- the members' door: refusals -------------------------------------------------------------

test('the door refuses bad requests and entries that are not members\' or groupings\'', async () => {
  await refused(() => api(srv, 'POST', `/api/v1/councils/${ID}/entries`, { body: '{"entry":',
    headers: { 'content-type': 'application/json' } }), 400, 'bad_json');
  await refused(() => api(srv, 'POST', `/api/v1/councils/${ID}/entries`, { body: '[]',
    headers: { 'content-type': 'application/json' } }), 400, 'bad_request');
  await refused(() => api(srv, 'POST', `/api/v1/councils/${ID}/entries`, { body: '{"entry":{}}',
    headers: { 'content-type': 'application/json' } }), 400, 'bad_request', 'entry');
  await refused(() => door('{"b": 1, "a": 2}'), 400, 'bad_json', 'entry');
  await refused(() => door('{"body":{},"type":"council.nothing","v":1}'), 422, 'invalid_entry', 'entry');
  // An administrator's type through the door: refused whoever signed it.
  const roll = C.signedEntry('council.tombstone', { council: ID, publication: 1, reason: 'x' }, keyOf('g1'));
  await refused(() => door(roll), 403, 'forbidden', 'type');
});

test('a petition by a credential that is not standing is 403; a forged signature 422', async () => {
  const { fp } = await fingerprint();
  const twenty = 'ABCDEFGHJKMNPQRSTUVW';
  const outsider = C.memberCredential(ID, twenty + checkSymbolFor(twenty));
  const e = C.petitionEntry({ council: ID, mandate: 1, text: 'Recall!' }, outsider, fp);
  await refused(() => door(e), 403, 'forbidden', 'credential');
  // The former member m11 is no longer standing either.
  await refused(() => door(C.petitionEntry({ council: ID, mandate: 1, text: 'x' }, members.m11.cred, fp)),
    403, 'forbidden', 'credential');
  // A member's publication whose signature is not the credential's: 422.
  const { entry, body } = C.memberPublicationEntry({ council: ID, kind: 'statement', title: 'Hi' }, 'Hello',
    members.m1.cred, fp);
  const forged = JSON.parse(entry);
  const sig = Buffer.from(forged.body.signature, 'base64');
  sig[5] ^= 1;
  forged.body.signature = sig.toString('base64');
  const files = bodyFiles();
  await refused(() => door(R.canonicalJSON(forged), body), 422, 'invalid_entry');
  // Judged and refused by the writer: its body was never written.
  assert.deepEqual(bodyFiles(), files, 'a refused publication leaves no file in DB.bodies');
  assert.equal(existsSync(join(`${srv.db}.bodies`, C.bodyMeta('Hello').hex)), false);
  // Signed for another council's fingerprint: 422 too.
  const other = C.memberPublicationEntry({ council: ID, kind: 'statement', title: 'Hi' }, 'Hello',
    members.m1.cred, new Uint8Array(32));
  await refused(() => door(other.entry, other.body), 422, 'invalid_entry');
});

// The files of DB.bodies, sorted ([] before the first body).
function bodyFiles() {
  const dir = `${srv.db}.bodies`;
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

// The check symbol that makes 20 symbols a valid code (credentials.h).
function checkSymbolFor(twenty) {
  const A = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
  let sum = 0;
  for (let i = 0; i < 20; i++) sum += (i + 1) * A.indexOf(twenty[i]);
  for (let v = 0; v < 31; v++) if ((sum + 21 * v) % 31 === 0) return A[v];
  throw new Error('no check symbol');
}

test('publications: the body must be the one the entry names (422), at most 64 KiB (413)', async () => {
  const { fp } = await fingerprint();
  const ok = C.memberPublicationEntry({ council: ID, kind: 'statement', title: 'On the canteen' },
    'The canteen should open at **eight**.', members.m2.cred, fp);
  await refused(() => door(ok.entry, 'The canteen should open at nine.'), 422, 'invalid_entry', 'body');
  await refused(() => door(ok.entry, null), 422, 'invalid_entry', 'body');
  const big = 'x'.repeat(65537);
  // An entry naming a 65537-byte body cannot be built by the module (it refuses), so by hand:
  const e = JSON.parse(ok.entry);
  e.body.length = 65536;
  await refused(() => door(R.canonicalJSON(e), big), 413, 'too_large', 'body');
  // A body where none belongs.
  const sig = C.signatureEntry({ council: ID, petition: 1 }, members.m2.cred, fp);
  await refused(() => door(sig, 'a body'), 422, 'invalid_entry');
  // Another council's entry through this council's door.
  const elsewhere = JSON.parse(ok.entry);
  elsewhere.body.council = 'elsewhere';
  await refused(() => door(R.canonicalJSON(elsewhere), ok.body), 422, 'invalid_entry', 'body.council');
});

test('groupings: registered by their key; another key is 403 for updates and publications', async () => {
  const g1 = keyOf('g1');
  const g2 = keyOf('g2');
  const reg = C.groupingEntry({ council: ID, grouping: 'greens', name: 'The Greens', members: ['m3', 'm2'] }, g1);
  const r = await door(reg);
  assert.equal(r.status, 201, r.text);
  assert.equal(typeof r.body.tracking_code, 'string');
  const impostor = C.groupingEntry({ council: ID, grouping: 'greens', name: 'Fake Greens', members: [] }, g2);
  await refused(() => door(impostor), 403, 'forbidden', 'author');
  const p = C.groupingPublicationEntry({ council: ID, grouping: 'greens', kind: 'statement', title: 'Ours' },
    'We say this.', g2);
  await refused(() => door(p.entry, p.body), 403, 'forbidden', 'author');
  const unknown = C.groupingPublicationEntry({ council: ID, grouping: 'nobody', kind: 'statement', title: 'X' },
    'Text', g2);
  await refused(() => door(unknown.entry, unknown.body), 422, 'invalid_entry', 'grouping');
  const g = (await council()).groupings;
  assert.deepEqual(g.map((x) => [x.id, x.name, x.key, x.members]), [['greens', 'The Greens', pub.g1, ['m2', 'm3']]]);
});

// ---- the whole way ------------------------------------------------------------------------------

// Runs an election's ceremony, votes (choices per member id: option indices), closes, tallies and
// publishes; returns its DETAIL.
async function runElection(election, choices) {
  for (const i of [1, 2, 3]) trustee('init', i, election);
  for (const i of [1, 2, 3]) trustee('commit', i, election);
  for (const i of [1, 2, 3]) trustee('reveal', i, election);
  for (const i of [1, 2, 3]) trustee('check', i, election);
  const step = (s) => post(`/elections/${election}/${s}`, {});
  for (const s of ['key', 'open']) {
    const r = await step(s);
    assert.equal(r.status, 201, `${s}: ${r.text}`);
  }
  const bundle = (await get(`/elections/${election}/bundle`)).body;
  const el = V.electionFromBundle(bundle);
  for (const [m, choice] of Object.entries(choices)) {
    const built = await V.buildBallot(el, members[m].cred, [choice]);
    const r = await api(srv, 'POST', `/api/v1/elections/${election}/ballots`,
      { body: built.entry, headers: { 'content-type': 'application/json' } });
    V.wipe(built);
    assert.equal(r.status, 201, `${m}: ${r.text}`);
  }
  for (const s of ['close', 'tally']) {
    const r = await step(s);
    assert.equal(r.status, 201, `${s}: ${r.text}`);
  }
  for (const i of [1, 3]) trustee('decrypt', i, election);
  const r = await step('result');
  assert.equal(r.status, 201, r.text);
  return r.body;
}

let seats, mandates;

test('a seats election of the council: its manifest, link and credentials in one batch', async () => {
  await refused(() => post(`/councils/${ID}/elections`, { purpose: 'coronation' }), 400, 'bad_request', 'purpose');
  await refused(() => post(`/councils/${ID}/elections`, { purpose: 'seats' }), 400, 'bad_request', 'candidates');
  await refused(() => post(`/councils/${ID}/elections`, { purpose: 'recall', petition: 999 }),
    422, 'invalid_entry', 'petition');
  const n0 = await size();
  const r = await post(`/councils/${ID}/elections`, { purpose: 'seats', election: 'works-2026',
    candidates: ['Ana', 'Bo', 'Cy'], title: 'Works council 2026' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.election, 'works-2026');
  assert.equal(await size(), n0 + 3, 'manifest, link, one credentials part');
  await refused(() => post(`/councils/${ID}/elections`, { purpose: 'seats', election: 'works-2026',
    candidates: ['Ana'] }), 409, 'election_exists', 'election');
  const d = (await get('/elections/works-2026')).body;
  assert.equal(d.council, ID, 'the credential scope of a council election is the council');
  assert.equal(d.voters, 10);
  assert.equal(d.manifest.contests[0].max, 2);
  assert.deepEqual(d.trustees.map((t) => t.key), [pub.t1, pub.t2, pub.t3]);
  const plain = (await get('/elections')).body.elections;
  assert.ok(plain.some((e) => e.id === 'works-2026'));
  const c = await council();
  assert.deepEqual(c.elections.map((e) => [e.election, e.purpose, e.voters]), [['works-2026', 'seats', 10]]);
  assert.deepEqual(c.due, []);
  await refused(() => post(`/councils/${ID}/mandates`, { election: 'works-2026' }), 409, 'not_ready', 'election');

  // Ana 6, Bo 3, Cy 5: Ana and Cy win.
  const choice = { m1: [0, 2], m2: [0], m3: [0, 2], m4: [0, 1], m5: [2], m6: [0], m7: [1, 2],
    m8: [0], m9: [1], m10: [2] };
  seats = await runElection('works-2026', choice);
  assert.deepEqual(seats.result.counts, [[6, 3, 5]]);
});

test('mandates for the winners, once', async () => {
  await refused(() => post(`/councils/${ID}/mandates`, { election: 'nope' }), 422, 'invalid_entry', 'election');
  const r = await post(`/councils/${ID}/mandates`, { election: 'works-2026' });
  assert.equal(r.status, 201, r.text);
  mandates = r.body.mandates;
  assert.deepEqual(mandates.map((m) => m.delegate), ['Ana', 'Cy']);
  assert.equal(mandates[0].end - mandates[0].start, 86400 * 365);
  await refused(() => post(`/councils/${ID}/mandates`, { election: 'works-2026' }), 409, 'conflict', 'election');
  const c = await council();
  assert.deepEqual(c.mandates.map((m) => [m.delegate, m.status]), [['Ana', 'active'], ['Cy', 'active']]);
  assert.equal((await get('/councils')).body.councils[0].delegates_active, 2);
});

let petition, recallId;

test('a recall petition: signatures counted once each; at the threshold the recall election is made', async () => {
  const { fp } = await fingerprint();
  const cy = mandates[1].index;
  const p = await door(C.petitionEntry({ council: ID, mandate: cy, text: 'Cy broke the mandate.' },
    members.m4.cred, fp));
  assert.equal(p.status, 201, p.text);
  assert.equal(p.body.recall_election, undefined);
  petition = p.body.index;
  let c = await council();
  assert.deepEqual(c.petitions.map((x) => [x.index, x.delegate, x.count, x.threshold_count, x.members_at_open]),
    [[petition, 'Cy', 1, 3, 10]]);
  const s1 = await door(C.signatureEntry({ council: ID, petition }, members.m5.cred, fp));
  assert.equal(s1.status, 201, s1.text);
  // A second signature by m5 (a new signature, same credential) is a duplicate: 409, nothing appended.
  await refused(() => door(C.signatureEntry({ council: ID, petition }, members.m5.cred, fp)),
    409, 'duplicate', 'credential');
  // The opener signing again is a duplicate too.
  await refused(() => door(C.signatureEntry({ council: ID, petition }, members.m4.cred, fp)), 409, 'duplicate');
  await refused(() => door(C.signatureEntry({ council: ID, petition: 2 }, members.m4.cred, fp)),
    422, 'invalid_entry', 'petition');
  await refused(() => door(C.signatureEntry({ council: ID, petition }, members.m11.cred, fp)), 403, 'forbidden');
  const n0 = await size();
  const s2 = await door(C.signatureEntry({ council: ID, petition }, members.m6.cred, fp));
  assert.equal(s2.status, 201, s2.text);
  recallId = s2.body.recall_election;
  assert.equal(recallId, `${ID}-recall-${petition}`);
  assert.equal(await size(), n0 + 4, 'the signature, then the manifest, link and credentials');
  const d = (await get(`/elections/${recallId}`)).body;
  assert.equal(d.title, 'Recall Cy?');
  assert.equal(d.council, ID);
  assert.equal(d.voters, 10);
  assert.deepEqual(d.manifest.contests[0].options, ['yes', 'no']);
  assert.equal(d.manifest.closes - d.manifest.opens, 7 * 86400);
  c = await council();
  const pt = c.petitions[0];
  assert.equal(pt.count, 3);
  assert.equal(pt.succeeded_at, s2.body.index);
  assert.equal(pt.recall_election, recallId);
  assert.equal(pt.duplicates, 0, 'refused duplicates never reach the record');
  assert.deepEqual(c.elections.map((e) => [e.election, e.purpose, e.mandate, e.petition]),
    [['works-2026', 'seats', null, null], [recallId, 'recall', cy, petition]]);
  // Signing on after success is still counted, never makes a second recall election.
  const s3 = await door(C.signatureEntry({ council: ID, petition }, members.m7.cred, fp));
  assert.equal(s3.status, 201, s3.text);
  assert.equal(s3.body.recall_election, undefined);
});

test('the recall vote; the mandate ends only as the members decided', async () => {
  await refused(() => post(`/councils/${ID}/mandate_end`, { mandate: mandates[1].index, reason: 'recalled',
    statement: 'gone' }), 409, 'not_ready', 'election');
  // 7 yes, 2 no: carried.
  const yes = [0];
  const no = [1];
  const r = await runElection(recallId, { m1: yes, m2: yes, m3: no, m4: yes, m5: yes, m6: yes, m7: yes,
    m8: no, m9: yes });
  assert.deepEqual(r.result.counts, [[7, 2]]);
  await refused(() => post(`/councils/${ID}/mandate_end`, { mandate: mandates[1].index, reason: 'fired',
    statement: 'x' }), 400, 'bad_request', 'reason');
  await refused(() => post(`/councils/${ID}/mandate_end`, { mandate: 424242, reason: 'resigned',
    statement: 'x' }), 422, 'invalid_entry', 'mandate');
  const e = await post(`/councils/${ID}/mandate_end`, { mandate: mandates[1].index, reason: 'recalled',
    statement: 'The members recalled Cy.' });
  assert.equal(e.status, 201, e.text);
  await refused(() => post(`/councils/${ID}/mandate_end`, { mandate: mandates[1].index, reason: 'resigned',
    statement: 'x' }), 409, 'conflict', 'mandate');
  const c = await council();
  assert.deepEqual(c.mandates.map((m) => [m.delegate, m.status, m.end_reason]),
    [['Ana', 'active', null], ['Cy', 'recalled', 'recalled']]);
  assert.deepEqual(c.due.map((d) => [d.kind, d.mandate]), [['by-election', mandates[1].index]]);
  // The by-election for the vacated seat.
  const b = await post(`/councils/${ID}/elections`, { purpose: 'by-election', mandate: mandates[1].index,
    candidates: ['Dee', 'Eli'] });
  assert.equal(b.status, 201, b.text);
  assert.equal((await get(`/elections/${b.body.election}`)).body.manifest.contests[0].max, 1);
  const by = await runElection(b.body.election, { m1: [0], m2: [1], m3: [1], m4: [1] });
  assert.deepEqual(by.result.counts, [[1, 3]]);
  const mm = await post(`/councils/${ID}/mandates`, { election: b.body.election });
  assert.equal(mm.status, 201, mm.text);
  assert.deepEqual(mm.body.mandates.map((m) => [m.delegate, m.end]), [['Eli', mandates[1].end]],
    'a by-election fills the rest of the vacated term');
  const after = await council();
  assert.deepEqual(after.mandates.map((m) => [m.delegate, m.status, m.vacated]),
    [['Ana', 'active', null], ['Cy', 'recalled', null], ['Eli', 'active', mandates[1].index]]);
  assert.deepEqual(after.due, []);
});

let publication, pubHash;

test('publications, a tombstone, and the body then gone (410)', async () => {
  const { fp } = await fingerprint();
  const text = '# Canteen\n\nOpen at **eight**.';
  const m = C.memberPublicationEntry({ council: ID, kind: 'statement', title: 'On the canteen' }, text,
    members.m2.cred, fp);
  const r = await door(m.entry, m.body);
  assert.equal(r.status, 201, r.text);
  publication = r.body.index;
  pubHash = C.bodyMeta(text).hex;
  const b = await get(`/bodies/${pubHash}`);
  assert.equal(b.status, 200, b.text);
  assert.equal(b.text, text);
  assert.match(b.headers.get('content-type'), /^text\/markdown; charset=utf-8/);
  // Revalidated, never immutable: a tombstone ends its availability.
  assert.equal(b.headers.get('cache-control'), 'no-cache');
  assert.equal(b.headers.get('etag'), `"${pubHash}"`);
  assert.ok(existsSync(join(`${srv.db}.bodies`, pubHash)));
  const g = C.groupingPublicationEntry({ council: ID, grouping: 'greens', kind: 'platform', title: 'Our platform',
    election: 'works-2026', option: 'Ana' }, 'Vote Ana.', keyOf('g1'));
  const gr = await door(g.entry, g.body);
  assert.equal(gr.status, 201, gr.text);
  const c = await council();
  assert.deepEqual(c.publications.map((p) => [p.index, p.author, p.kind, p.grouping, p.impostor]),
    [[gr.body.index, 'The Greens', 'platform', 'greens', false], [publication, 'member', 'statement', null, false]]);
  assert.equal(c.publications[1].hash, pubHash);

  assert.equal((await get(`/bodies/${'0'.repeat(64)}`)).status, 404);
  assert.equal((await get('/bodies/not-hex')).status, 404);
  await refused(() => post(`/councils/${ID}/tombstones`, { publication: 3, reason: 'x' }), 422, 'invalid_entry',
    'publication');
  await refused(() => post(`/councils/${ID}/tombstones`, { publication }), 400, 'bad_request', 'reason');
  const t = await post(`/councils/${ID}/tombstones`, { publication, reason: 'A court order of 2026-03-01.' });
  assert.equal(t.status, 201, t.text);
  const gone = await get(`/bodies/${pubHash}`);
  assert.equal(gone.status, 410, gone.text);
  assert.equal(gone.body.error.code, 'tombstoned');
  assert.equal(existsSync(join(`${srv.db}.bodies`, pubHash)), false, 'the tombstoned body is deleted');
  await refused(() => post(`/councils/${ID}/tombstones`, { publication, reason: 'again' }), 409, 'conflict');
  const after1 = (await council()).publications.find((p) => p.index === publication);
  assert.deepEqual(after1.tombstone, { index: t.body.index, reason: 'A court order of 2026-03-01.' });
  assert.equal(after1.hash, pubHash, 'the hash, author and date stay');
});

test('delegations and their end', async () => {
  await refused(() => post(`/councils/${ID}/delegations`, { delegation: 'd1', to: 'The board', delegates: [],
    mandate: 'x' }), 400, 'bad_request', 'delegates');
  const r = await post(`/councils/${ID}/delegations`, { delegation: 'd1', to: 'The board of directors',
    delegates: ['Ana'], mandate: 'Ask for the canteen to open at eight.' });
  assert.equal(r.status, 201, r.text);
  const e = await post(`/councils/${ID}/delegations/d1/end`, { reason: 'returned', statement: 'Agreed.' });
  assert.equal(e.status, 201, e.text);
  await refused(() => post(`/councils/${ID}/delegations/d1/end`, { reason: 'returned', statement: 'again' }),
    409, 'conflict');
  const d = (await council()).delegations;
  assert.deepEqual(d.map((x) => [x.delegation, x.delegates, x.ended?.reason]), [['d1', ['Ana'], 'returned']]);
});

test('the record verifies, the council with it; the state survives a restart', async () => {
  const c = await council();
  assert.deepEqual(c.problems, []);
  await srv.stop();
  // What a crash could leave: a temp file and a body no publication names. The restart
  // deletes both and keeps the bodies it serves.
  const live = bodyFiles();
  assert.ok(live.includes(C.bodyMeta('Vote Ana.').hex), live.join());
  const orphan = C.bodyMeta('nobody published this').hex;
  writeFileSync(join(`${srv.db}.bodies`, orphan), 'nobody published this');
  writeFileSync(join(`${srv.db}.bodies`, `${orphan}.tmp12345`), 'half');
  srv = await startServer({ dir, password: srv.password });
  assert.deepEqual(bodyFiles(), live);
  token = await login(srv);
  const again = await council();
  assert.deepEqual({ ...again, due: null }, { ...c, due: null });
  assert.equal((await get(`/bodies/${pubHash}`)).status, 410);
  assert.equal((await get('/elections/works-2026')).body.council, ID);
  // m11 left: the leave works after a restart too (the map was read back); m10 leaves now.
  const r = await post(`/councils/${ID}/roll`, { action: 'leave', member: 'm10', reason: 'retired' });
  assert.equal(r.status, 201, r.text);
  let out;
  try {
    out = veche(['verify', '--server', srv.url, '--council', ID, '--bodies', `${srv.db}.bodies`,
      '--cache', join(dir, 'verify.db')]);
  } catch (e) {
    assert.fail(`veche verify --council failed:\n${e.stdout}\n${e.stderr}`);
  }
  assert.match(out, new RegExp(`council ${ID}`));
  assert.match(out, /9\. bodies +PASS/, out);
  assert.doesNotMatch(out, /FAIL/, out);
});

test('serve --demo seeds a demonstration council and prints a member\'s link whose code is standing', async () => {
  const demo = await startServer({ args: ['--demo', '--voters', '5'] });
  try {
    const link = demo.stdout.find((l) => l.includes('/member.html#council=demo-council&code='));
    assert.ok(link, demo.stdout.join('\n'));
    assert.ok(demo.stdout.some((l) => /\/council\.html#council=demo-council$/.test(l.trim())));
    const code = link.trim().split('code=')[1];
    const c = (await api(demo, 'GET', '/api/v1/councils/demo-council')).body;
    assert.equal(c.members, 20);
    assert.deepEqual(c.problems, []);
    assert.deepEqual(c.groupings.map((g) => g.name), ['The Green List', 'Solidarity Caucus']);
    assert.equal(c.publications.length, 2);
    for (const p of c.publications) {
      const b = await api(demo, 'GET', `/api/v1/bodies/${p.hash}`);
      assert.equal(b.status, 200, b.text);
      assert.ok(C.bodyMatches(b.text, p.hash));
      assert.equal(p.author, c.groupings.find((g) => g.id === p.grouping).name);
    }
    const bundle = (await api(demo, 'GET', '/api/v1/councils/demo-council/bundle')).body;
    const fp = C.checkBundle(bundle, 'demo-council', c.fingerprint);
    const cred = C.memberCredential('demo-council', code);
    assert.ok(fp.standing.has(cred.Xb64));
    // The member can act: a statement through the door counts.
    const m = C.memberPublicationEntry({ council: 'demo-council', kind: 'statement', title: 'Hello' },
      'First post.', cred, fp.fp);
    C.wipe(cred);
    const r = await api(demo, 'POST', '/api/v1/councils/demo-council/entries',
      { body: C.doorRequest(m.entry, m.body), headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 201, r.text);
  } finally {
    await demo.stop();
    demo.cleanup();
  }
});
