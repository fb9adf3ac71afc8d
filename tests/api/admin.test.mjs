// admin.test.mjs — the administrator's routes of a real `veche serve`
// (docs/API.md, "Administration") and the trustees' entry door (POST
// /api/v1/record/entries), over loopback.
//
// One election goes the whole way, in order: create → credentials → the
// trustees' ceremony (the `veche trustee --server` CLI, each trustee's secret
// in its own state file) → key → open → votes (`veche vote --server`) → close
// → tally → two trustees decrypt → result → `veche verify --server`. Each
// step is also tried out of order, twice, without a session and with bad
// input, and must be refused with the documented status and code, with
// nothing appended. A last test starts `veche serve --demo` and checks that
// it serves an open election with the voter links it printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, login, veche } from './lib/server.mjs';

const ID = 'branch-12';
let srv, token, dir;
const pub = {};     // name -> base64 Ed25519 public key
let codes;          // [{name, code, weight}] from the credentials route

before(async () => {
  srv = await startServer({ args: ['--cast-rate', '0'] });
  token = await login(srv);
  dir = srv.dir;
  for (const k of ['t1', 't2', 't3', 'outsider']) {
    const out = veche(['keygen', '--name', k, '--out', join(dir, `${k}.key`)]).trim();
    pub[k] = Buffer.from(out.split('+').slice(2).join('+'), 'base64').subarray(-32).toString('base64');
  }
});

after(async () => {
  await srv?.stop();
  srv?.cleanup();
});

// ---- helpers ------------------------------------------------------------------------

const manifest = (id = ID, extra = {}) => ({
  election: id, title: 'Branch 12 annual vote', organisation: 'Branch 12',
  opens: 1767225600, closes: 1767830400,
  trustees: [{ name: 'Ana', key: pub.t1 }, { name: 'Ben', key: pub.t2 }, { name: 'Cleo', key: pub.t3 }],
  threshold: 2,
  contests: [
    { id: 'strike', question: 'Do we strike?', options: ['yes', 'no'], min: 1, max: 1, blank: false },
    { id: 'council', question: 'Elect two delegates', options: ['Ana', 'Ben', 'Chen', 'Dora', 'Emil'],
      min: 0, max: 2, blank: false },
  ],
  ...extra,
});

const step = (path, json = {}, tok = token) =>
  api(srv, 'POST', `/api/v1/elections/${ID}${path}`, { json, token: tok });

const csv = (text, tok = token, id = ID) =>
  api(srv, 'POST', `/api/v1/elections/${id}/credentials`,
    { body: text, headers: { 'content-type': 'text/csv' }, token: tok });

async function size() {
  return (await api(srv, 'GET', '/api/v1/info')).body.size;
}

// An error answer: status, code and (when given) field; and nothing appended.
async function refused(p, status, code, field) {
  const n0 = await size();
  const r = await p();
  assert.equal(r.status, status, `want ${status} ${code}, got ${r.status} ${r.text}`);
  assert.equal(r.body.error?.code, code, r.text);
  assert.equal(typeof r.body.error.message, 'string');
  assert.ok(r.body.error.message.length > 0);
  if (field !== undefined) assert.equal(r.body.error.field, field, r.text);
  assert.equal(await size(), n0, 'a refusal appends nothing');
  return r.body.error;
}

const trustee = (verb, i, ...args) => veche(['trustee', verb, '--state', join(dir, `t${i}.state`),
  '--server', srv.url, '--key', join(dir, `t${i}.key`), ...args]);

// Ed25519 signing in node from a veche key file's 32-byte seed.
function keyFromFile(name) {
  const seed = Buffer.from(readFileSync(join(dir, `${name}.key`), 'utf8').trim().split(' ')[2], 'base64');
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
}

// Canonical JSON for the ASCII values these tests use: sorted keys, no spaces.
function canon(v) {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

// An entry {type, body} signed by the key in NAME.key (SPEC §2: "veche-v1/entry\n" || entry without sig).
function signedEntry(type, body, name) {
  const e = { author: pub[name], body, type, v: 1 };
  const sig = sign(null, Buffer.from(`veche-v1/entry\n${canon(e)}`), keyFromFile(name));
  return canon({ ...e, sig: sig.toString('base64') });
}

const postEntry = (bytes) => api(srv, 'POST', '/api/v1/record/entries',
  { body: bytes, headers: { 'content-type': 'application/json' } });

// ---- authentication -------------------------------------------------------------------

test('every admin route needs a session: 401 without, and nothing is appended', async () => {
  for (const path of ['', `/${ID}/credentials`, `/${ID}/key`, `/${ID}/open`, `/${ID}/close`,
    `/${ID}/tally`, `/${ID}/result`]) {
    await refused(() => api(srv, 'POST', `/api/v1/elections${path}`, { json: {} }), 401, 'unauthorized');
    await refused(() => api(srv, 'POST', `/api/v1/elections${path}`, { json: {}, token: 'not-a-token' }),
      401, 'unauthorized');
  }
});

// ---- create ------------------------------------------------------------------------------

test('create refuses a bad manifest, naming the member', async () => {
  await refused(() => api(srv, 'POST', '/api/v1/elections', { body: '{"election":', token,
    headers: { 'content-type': 'application/json' } }), 400, 'bad_json');
  await refused(() => api(srv, 'POST', '/api/v1/elections', { json: [1, 2], token }), 400, 'bad_manifest');
  const bad = manifest();
  bad.contests[1].max = 9;
  await refused(() => api(srv, 'POST', '/api/v1/elections', { json: bad, token }), 400, 'bad_manifest',
    'contests[1].max');
  await refused(() => api(srv, 'POST', '/api/v1/elections', { json: manifest('Bad Id!'), token }),
    400, 'bad_manifest', 'election');
  await refused(() => api(srv, 'POST', '/api/v1/elections', { json: manifest(ID, { colour: 'red' }), token }),
    400, 'bad_manifest');
  await refused(() => api(srv, 'POST', '/api/v1/elections',
    { json: manifest(ID, { credential_authority: pub.outsider }), token }), 400, 'bad_manifest',
  'credential_authority');
  await refused(() => api(srv, 'POST', '/api/v1/elections',
    { body: JSON.stringify(manifest()), headers: { 'content-type': 'text/plain' }, token }),
  415, 'bad_content_type');
  await refused(() => api(srv, 'POST', '/api/v1/elections',
    { json: manifest(ID, { title: 'x'.repeat(65 * 1024) }), token }), 413, 'too_large');
});

test('create appends the manifest with the server\'s credential authority; a second is refused', async () => {
  const info = (await api(srv, 'GET', '/api/v1/info')).body;
  const r = await api(srv, 'POST', '/api/v1/elections', { json: manifest(), token });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.id, ID);
  assert.equal(r.body.stage, 'setup');
  assert.equal(r.body.manifest.credential_authority, info.credential_authority);
  assert.equal(r.body.manifest.title, 'Branch 12 annual vote');
  const entry = (await api(srv, 'GET', `/api/v1/record/entries/${r.body.manifest_index}`)).body;
  assert.equal(entry.type, 'election.manifest');
  assert.equal(entry.author, info.administrator, 'signed by the server\'s administrator key');
  await refused(() => api(srv, 'POST', '/api/v1/elections', { json: manifest(), token }), 409, 'election_exists');
});

test('steps of an unknown election are 404', async () => {
  for (const path of ['key', 'open', 'close', 'tally', 'result']) {
    await refused(() => api(srv, 'POST', `/api/v1/elections/nope/${path}`, { json: {}, token }), 404, 'not_found');
  }
  await refused(() => csv('Ann\n', token, 'nope'), 404, 'not_found');
});

test('out of order before the ceremony: each step says why not', async () => {
  await refused(() => step('/open'), 409, 'not_ready');
  await refused(() => step('/close'), 409, 'election_not_open');
  await refused(() => step('/tally'), 409, 'not_ready');
  await refused(() => step('/result'), 409, 'not_ready');
  const e = await refused(() => step('/key'), 409, 'ceremony_incomplete');
  assert.match(e.message, /waiting for trustee\.key/);
  await refused(() => step('/key', { without_pending: 'yes' }), 400, 'bad_request', 'without_pending');
  await refused(() => step('/open', { colour: 1 }), 400, 'bad_request', 'colour');
});

// ---- credentials ---------------------------------------------------------------------------

test('a bad roll is refused with its line', async () => {
  await refused(() => api(srv, 'POST', `/api/v1/elections/${ID}/credentials`, { json: {}, token }),
    415, 'bad_content_type');
  await refused(() => csv('name,weight\nAnn,1\nBen,zero\n'), 400, 'bad_roll', 'line 3');
  await refused(() => csv('Ann\nBen\n\nAnn\n'), 400, 'bad_roll', 'line 4');
  await refused(() => csv('"Ann\n'), 400, 'bad_roll', 'line 1');
  await refused(() => csv('Ann,1,2\n'), 400, 'bad_roll', 'line 1');
  await refused(() => csv('Ann\nB\u0001n\n'), 400, 'bad_roll', 'line 2');
  await refused(() => csv('Ann,1000001\n'), 400, 'bad_roll', 'line 1');
  await refused(() => csv('name,weight\n\n'), 400, 'bad_roll');
});

test('credentials: one code per voter, answered once; a second list is refused', async () => {
  const roll = 'name,weight\r\n"Lee, Ann",2\r\nBen\r\nChen,1\r\nDora,3\r\nEmil\r\n';
  const r = await csv(roll);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.voters, 5);
  assert.equal(r.body.parts, 1);
  codes = r.body.codes;
  assert.deepEqual(codes.map((c) => [c.name, c.weight]),
    [['Lee, Ann', 2], ['Ben', 1], ['Chen', 1], ['Dora', 3], ['Emil', 1]]);
  for (const c of codes) assert.match(c.code, /^([2-9A-HJKMNP-Z]{3}-){6}[2-9A-HJKMNP-Z]{3}$/);
  assert.equal(new Set(codes.map((c) => c.code)).size, 5);
  const d = (await api(srv, 'GET', `/api/v1/elections/${ID}`)).body;
  assert.equal(d.voters, 5);
  assert.equal(d.weight, 8);
  // Neither the codes nor the roll's names are on the record (the others are the manifest's too).
  const all = (await api(srv, 'GET', `/api/v1/record/entries?start=0&end=${await size()}`)).text;
  for (const c of codes) assert.ok(!all.includes(c.code), 'a code on the record');
  assert.ok(!all.includes('Lee'), 'a name on the record');
  await refused(() => csv('Fay\n'), 409, 'credentials_exist');
});

// ---- the trustees ------------------------------------------------------------------------------

test('the trustees\' door takes only entries of the election\'s trustees', async () => {
  await refused(() => postEntry('{"not": "canonical"}'), 400, 'bad_json');
  await refused(() => postEntry('{"a":1}'), 422, 'invalid_entry');
  await refused(() => postEntry(signedEntry('statement', { text: 'hello' }, 'outsider')), 403, 'forbidden', 'type');
  // Only the shape of the key matters here: these are refused before the ceremony sees them.
  const body = { election: ID, trustee: 1, key: Buffer.alloc(97, 7).toString('base64') };
  await refused(() => postEntry(signedEntry('trustee.key', body, 'outsider')), 403, 'forbidden', 'author');
  await refused(() => postEntry(signedEntry('trustee.key', body, 't2')), 403, 'forbidden', 'body.trustee');
  await refused(() => postEntry(signedEntry('trustee.key', { ...body, election: 'nope' }, 't1')), 404, 'not_found');
  const forged = JSON.parse(signedEntry('trustee.key', body, 't1'));
  forged.sig = Buffer.alloc(64, 1).toString('base64');
  await refused(() => postEntry(canon(forged)), 422, 'invalid_entry');
});

test('the ceremony through `veche trustee --server`, then the key', async () => {
  for (const i of [1, 2, 3]) trustee('init', i, '--election', ID);
  await refused(() => step('/key'), 409, 'ceremony_incomplete');
  for (const i of [1, 2, 3]) trustee('commit', i);
  for (const i of [1, 2]) trustee('reveal', i);
  const e = await refused(() => step('/key'), 409, 'ceremony_incomplete');
  assert.match(e.message, /not revealed yet \(3 .*without_pending/);
  trustee('reveal', 3);
  for (const i of [1, 2, 3]) trustee('check', i);
  assert.equal((await api(srv, 'GET', `/api/v1/elections/${ID}`)).body.trustees.length, 3);
  const r = await step('/key');
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.stage, 'ready');
  assert.match(r.body.key, /^[A-Za-z0-9+/]{43}=$/);
  assert.match(r.body.fingerprint, /^[A-Za-z0-9+/]{43}=$/);
  await refused(() => step('/key'), 409, 'conflict');
});

// ---- open, vote, close ---------------------------------------------------------------------------

test('open, then no second open and no more credentials', async () => {
  await refused(() => step('/close'), 409, 'election_not_open');
  const r = await step('/open');
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.stage, 'open');
  assert.equal(typeof r.body.open_index, 'number');
  await refused(() => step('/open'), 409, 'already_open');
  await refused(() => csv('Fay\n'), 409, 'credentials_exist');
  await refused(() => step('/tally'), 409, 'not_ready');
});

const choices = ['strike:yes;council:Ana,Chen', 'strike:no;council:Ben', 'strike:yes;council:',
  'strike:yes;council:Chen,Dora'];

test('voters vote; two racing closes give one close', async () => {
  codes.slice(0, 4).forEach((c, i) => {
    veche(['vote', '--server', srv.url, '--election', ID, '--credential', '-', '--choices', choices[i],
      '--cache', join(dir, `voter${i}.db`)], { input: `${c.code}\n` });
  });
  const [a, b] = await Promise.all([step('/close'), step('/close')]);
  const statuses = [a.status, b.status].sort();
  assert.deepEqual(statuses, [201, 409], `${a.text} ${b.text}`);
  const no = a.status === 409 ? a : b;
  assert.equal(no.body.error.code, 'already_closed');
  const d = (await api(srv, 'GET', `/api/v1/elections/${ID}`)).body;
  assert.equal(d.stage, 'closed');
  assert.equal(d.ballots, 4);
  await refused(() => step('/close'), 409, 'already_closed');
  await refused(() => step('/result'), 409, 'not_ready');
});

// ---- tally, decryptions, result -------------------------------------------------------------------

test('tally once; the result waits for t decryptions, then is published once', async () => {
  const t = await step('/tally');
  assert.equal(t.status, 201, t.text);
  assert.equal(t.body.stage, 'tallied');
  assert.deepEqual(t.body.tally, { ballots: 4, weight: 2 + 1 + 1 + 3 });
  await refused(() => step('/tally'), 409, 'already_tallied');
  await refused(() => step('/result'), 409, 'not_enough_decryptions');
  trustee('decrypt', 1);
  const e = await refused(() => step('/result'), 409, 'not_enough_decryptions');
  assert.match(e.message, /1 valid decryption\(s\) on the record, 2 needed/);
  trustee('decrypt', 3);
  const r = await step('/result');
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.stage, 'published');
  // Weights: Lee, Ann 2 (yes; Ana, Chen), Ben 1 (no; Ben), Chen 1 (yes), Dora 3 (yes; Chen, Dora).
  assert.deepEqual(r.body.result.counts, [[6, 1], [2, 1, 5, 3, 0]]);
  await refused(() => step('/result'), 409, 'conflict');
  const out = veche(['verify', '--server', srv.url, '--cache', join(dir, 'verify.db')]);
  assert.match(out, new RegExp(`election ${ID}: `));
  assert.doesNotMatch(out, /FAIL/);
});

// ---- the demo --------------------------------------------------------------------------------------

test('veche serve --demo serves an open election and prints working voter links', async () => {
  const demo = await startServer({ args: ['--demo', '--voters', '20'] });
  try {
    const text = demo.stdout.join('\n');
    const id = text.match(/demonstration election "([a-z0-9-]+)" is open/)?.[1];
    assert.ok(id, text);
    const d = (await api(demo, 'GET', `/api/v1/elections/${id}`)).body;
    assert.equal(d.stage, 'open');
    assert.equal(d.voters, 20);
    assert.equal(d.threshold, 2);
    assert.equal(d.trustees.length, 3);
    const links = [...text.matchAll(/(?:http:\/\/\S+)?(\/vote\.html#election=([a-z0-9-]+)&code=(\S+))/g)];
    assert.equal(links.length, 3, text);
    const file = join(`${demo.db}.demo`, 'credentials.csv');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(`${demo.db}.demo`).mode & 0o777, 0o700);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'name,code,weight');
    assert.equal(lines.length, 21);
    for (const [, path, eid, code] of links) {
      assert.equal(eid, id);
      assert.ok(lines.some((l) => l.split(',')[1] === code), `${code} is a voter's code`);
      const page = await fetch(demo.url + path.split('#')[0]);
      assert.equal(page.status, 200);
    }
    // A link's code casts a ballot.
    const code = links[0][3];
    veche(['vote', '--server', demo.url, '--election', id, '--credential', '-', '--choices',
      '0:yes;1:0', '--cache', join(demo.dir, 'voter.db')], { input: `${code}\n` });
    assert.equal((await api(demo, 'GET', `/api/v1/elections/${id}`)).body.ballots, 1);
    // The printed commands finish it: close, tally, two trustees decrypt, result.
    const tok = await login(demo);
    for (const p of ['close', 'tally']) {
      const r = await api(demo, 'POST', `/api/v1/elections/${id}/${p}`, { json: {}, token: tok });
      assert.equal(r.status, 201, r.text);
    }
    const cmds = [...text.matchAll(/veche trustee decrypt --server (\S+) --state (\S+) --key (\S+)/g)];
    assert.equal(cmds.length, 2, text);
    for (const [, , state, key] of cmds) {
      veche(['trustee', 'decrypt', '--server', demo.url, '--state', state, '--key', key]);
    }
    const res = await api(demo, 'POST', `/api/v1/elections/${id}/result`, { json: {}, token: tok });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.body.result.counts, [[1, 0], [1, 0, 0, 0, 0]]);
    for (const i of [1, 2, 3]) {
      assert.equal(statSync(join(`${demo.db}.demo`, `trustee-${i}.state`)).mode & 0o777, 0o600);
      assert.equal(statSync(join(`${demo.db}.demo`, `trustee-${i}.key`)).mode & 0o777, 0o600);
    }
  } finally {
    await demo.stop();
    demo.cleanup();
  }
});
