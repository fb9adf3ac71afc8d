// tests/api/ballot.test.mjs — casting ballots at a real `veche serve`.
//
// An election is set up entirely through the server: the administrator
// creates it and imports a roll over the API, one trustee runs the key
// ceremony with `veche trustee --server`, the administrator publishes the
// key and opens it. Ballots are built with the booth's own library
// (web/js/veche-crypto.js, from the election's bundle) and one with the C
// CLI (`veche vote --audit` reading the server's database). Then: success
// (201, tracking code, a receipt the CLI checks), the same bytes again (200,
// the same index), a re-vote (superseded), every refusal (404, 400, 422 with
// the offending member, 403 unlisted, 409 not open / closed), the per-address
// casting limit, 50 parallel casts all acknowledged and all on the record,
// a restart that rebuilds the index, and kill -9 in the middle of a stream
// of casts: every acknowledged ballot is on the record afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { startServer, api, login, veche } from './lib/server.mjs';
import * as V from '../../web/js/veche-crypto.js';
import * as R from '../../web/js/veche-record.js';

await V.ready(sodium);

const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const VOTERS = 60;

// A syntactically valid code (good check symbol) that no roll lists.
function randomCode() {
  const v = Array.from({ length: 20 }, () => randomInt(31));
  const sum = v.reduce((s, x, i) => s + (i + 1) * x, 0);
  // (21 · v20) ≡ −sum (mod 31); 21⁻¹ ≡ 3 (mod 31)
  v.push((((-sum * 3) % 31) + 31) % 31);
  return v.map((x) => ALPHABET[x]).join('');
}

const tracking = (entry) =>
  createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(entry)])).digest('base64');

// The administrator's election, through the API, with one trustee via --server.
async function openElection(srv, token, id, { open = true } = {}) {
  const t = Math.floor(Date.now() / 1000);
  const keyFile = join(srv.dir, `${id}-t1.key`);
  veche(['keygen', '--name', `${id}-t1`, '--out', keyFile]);
  const trusteeKey = R.b64encode(R.parseVkey(veche(['witness', 'vkey', '--key', keyFile]).trim()).key);
  const manifest = {
    election: id, title: `Ballots ${id}`, organisation: 'API tests', opens: t - 60, closes: t + 86400,
    threshold: 1, trustees: [{ name: 'Ana', key: trusteeKey }],
    contests: [{ id: 'ref', question: 'Do we agree?', options: ['yes', 'no'], min: 1, max: 1, blank: true }],
  };
  let r = await api(srv, 'POST', '/api/v1/elections', { json: manifest, token });
  assert.equal(r.status, 201, r.text);
  const state = join(srv.dir, `${id}-t1.state`);
  const trustee = (verb, ...more) =>
    veche(['trustee', verb, '--server', srv.url, '--state', state, '--key', keyFile, ...more]);
  trustee('init', '--election', id);
  for (const verb of ['commit', 'reveal', 'check']) trustee(verb);
  const roll = ['name,weight', ...Array.from({ length: VOTERS }, (_, i) => `Voter ${i},1`)].join('\n') + '\n';
  r = await api(srv, 'POST', `/api/v1/elections/${id}/credentials`,
    { token, body: roll, headers: { 'content-type': 'text/csv' } });
  assert.equal(r.status, 201, r.text);
  const codes = r.body.codes.map((c) => c.code);
  r = await api(srv, 'POST', `/api/v1/elections/${id}/key`, { json: {}, token });
  assert.equal(r.status, 201, r.text);
  if (open) {
    r = await api(srv, 'POST', `/api/v1/elections/${id}/open`, { json: {}, token });
    assert.equal(r.status, 201, r.text);
  }
  return codes;
}

// A ballot for `choice` (0 yes, 1 no, 2 blank) by the holder of code.
async function ballot(srv, id, code, choice = 0) {
  const bundle = (await api(srv, 'GET', `/api/v1/elections/${id}/bundle`)).body;
  const election = V.electionFromBundle(bundle);
  const cred = V.deriveCredential(id, code);
  const built = await V.buildBallot(election, cred, [[choice]]);
  const entry = built.entry;
  V.wipe(built);
  V.wipe(cred);
  return entry;
}

const cast = (srv, id, entry) =>
  api(srv, 'POST', `/api/v1/elections/${id}/ballots`, { body: entry, headers: { 'content-type': 'application/json' } });

function assertError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.body.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.body.error.field, field, r.text);
}

let srv, token, codes, used = 0;
const nextCode = () => codes[used++];

before(async () => {
  srv = await startServer({ args: ['--cast-rate', '0'] });
  token = await login(srv);
  codes = await openElection(srv, token, 'poll');
});
after(async () => { if (srv) { assert.equal(await srv.stop(), 0); srv.cleanup(); } });

test('a ballot is cast: 201 with its index, tracking code and a receipt that checks offline', async () => {
  const size = (await api(srv, 'GET', '/api/v1/info')).body.size;
  const entry = await ballot(srv, 'poll', nextCode());
  const r = await cast(srv, 'poll', entry);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.index, size);
  assert.equal(r.body.tracking_code, tracking(entry));
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.match(r.body.receipt, /^c2sp\.org\/tlog-proof@v1\n/);
  const file = join(srv.dir, 'receipt.txt');
  writeFileSync(file, r.body.receipt);
  const vkey = (await api(srv, 'GET', '/api/v1/info')).body.vkey;
  assert.match(veche(['board', 'check-receipt', file, '--key', vkey]), /receipt OK/);
  assert.equal((await api(srv, 'GET', `/api/v1/record/entries/${r.body.index}`)).text, entry);
  // The server's own receipt (its tree in memory) is the board's, byte for byte.
  assert.equal((await api(srv, 'GET', `/api/v1/record/receipt/${r.body.index}`)).text, r.body.receipt);

  // Looked up by its tracking code (base64: + / = escaped in the path).
  const code = encodeURIComponent(r.body.tracking_code);
  const look = await api(srv, 'GET', `/api/v1/ballots/${code}`);
  assert.equal(look.status, 200, look.text);
  assert.deepEqual([look.body.index, look.body.election, look.body.tracking_code, look.body.fate],
    [r.body.index, 'poll', r.body.tracking_code, 'counted']);
  assert.match(look.body.receipt, /^c2sp\.org\/tlog-proof@v1\n/);
  const list = (await api(srv, 'GET', '/api/v1/elections/poll/ballots')).body.ballots;
  assert.deepEqual(list.find((b) => b.index === r.body.index),
    { index: r.body.index, tracking_code: r.body.tracking_code, fate: 'counted' });
  const detail = (await api(srv, 'GET', '/api/v1/elections/poll')).body;
  assert.equal(detail.stage, 'open');
  assert.ok(detail.ballots >= 1 && detail.voted >= 1);
});

test('a ballot made by the C CLI (veche vote --audit on the server database) is accepted too', async () => {
  const doc = JSON.parse(veche(['vote', '--audit', '--db', srv.db, '--election', 'poll',
    '--credential', nextCode(), '--choices', 'ref:no']));
  const entry = R.canonicalJSON(doc.ballot);
  const r = await cast(srv, 'poll', entry);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.tracking_code, tracking(entry));
});

test('the same bytes again: 200 with the same index, nothing appended', async () => {
  const entry = await ballot(srv, 'poll', nextCode(), 1);
  const first = await cast(srv, 'poll', entry);
  assert.equal(first.status, 201, first.text);
  const size = (await api(srv, 'GET', '/api/v1/info')).body.size;
  const again = await cast(srv, 'poll', entry);
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.index, first.body.index);
  assert.equal(again.body.tracking_code, first.body.tracking_code);
  assert.equal((await api(srv, 'GET', '/api/v1/info')).body.size, size);
  // Sent twice at once: still one entry.
  const twin = await ballot(srv, 'poll', nextCode(), 0);
  const [a, b] = await Promise.all([cast(srv, 'poll', twin), cast(srv, 'poll', twin)]);
  assert.deepEqual([a.status, b.status].sort(), [200, 201]);
  assert.equal(a.body.index, b.body.index);
  const list = (await api(srv, 'GET', '/api/v1/elections/poll/ballots')).body.ballots;
  assert.equal(list.filter((x) => x.tracking_code === a.body.tracking_code).length, 1);
});

test('a re-vote supersedes the earlier ballot; "voted" counts the voter once', async () => {
  const code = nextCode();
  const before = (await api(srv, 'GET', '/api/v1/elections/poll')).body;
  const one = await cast(srv, 'poll', await ballot(srv, 'poll', code, 0));
  const two = await cast(srv, 'poll', await ballot(srv, 'poll', code, 1));
  assert.equal(one.status, 201);
  assert.equal(two.status, 201);
  const fate = async (c) => (await api(srv, 'GET', `/api/v1/ballots/${encodeURIComponent(c)}`)).body.fate;
  assert.equal(await fate(one.body.tracking_code), 'superseded');
  assert.equal(await fate(two.body.tracking_code), 'counted');
  const after = (await api(srv, 'GET', '/api/v1/elections/poll')).body;
  assert.equal(after.ballots, before.ballots + 2);
  assert.equal(after.voted, before.voted + 1);
});

test('refusals: unknown election, not canonical, invalid, unlisted, not open', async () => {
  const entry = await ballot(srv, 'poll', nextCode());
  assertError(await cast(srv, 'nope', entry), 404, 'not_found');
  // Not canonical JSON: spaces, or members out of order.
  assertError(await cast(srv, 'poll', JSON.stringify(JSON.parse(entry), null, 1)), 400, 'bad_json');
  const o = JSON.parse(entry);
  assertError(await cast(srv, 'poll', JSON.stringify({ v: o.v, type: o.type, body: o.body })), 400, 'bad_json');
  assertError(await cast(srv, 'poll', 'not json'), 400, 'bad_json');
  // A proof altered: canonical still, but the signature over the body no longer verifies.
  const p = o.body.contests[0].proofs[0];
  const i = 100;
  o.body.contests[0].proofs[0] = p.slice(0, i) + (p[i] === 'A' ? 'B' : 'A') + p.slice(i + 1);
  assertError(await cast(srv, 'poll', R.canonicalJSON(o)), 422, 'invalid_ballot', 'body.signature');
  // A ciphertext that is not two points: refused at that member, before the signature.
  const c = JSON.parse(entry);
  c.body.contests[0].ciphertexts[1] = Buffer.alloc(64, 0xff).toString('base64');
  assertError(await cast(srv, 'poll', R.canonicalJSON(c)), 422, 'invalid_ballot', 'body.contests[0].ciphertexts[1]');
  // A member missing.
  const m = JSON.parse(entry);
  delete m.body.signature;
  const miss = await cast(srv, 'poll', R.canonicalJSON(m));
  assertError(miss, 422, 'invalid_ballot');
  assert.match(miss.body.error.field, /^body/);
  // A valid ballot by a credential the roll does not list.
  assertError(await cast(srv, 'poll', await ballot(srv, 'poll', randomCode())), 403, 'unlisted_credential',
    'body.credential');
  // An election that is ready but not open.
  await openElection(srv, token, 'later', { open: false });
  assert.equal((await api(srv, 'GET', '/api/v1/elections/later')).body.stage, 'ready');
  const b = JSON.parse(entry);
  b.body.election = 'later';
  assertError(await cast(srv, 'later', R.canonicalJSON(b)), 409, 'election_not_open');
  // None of these reached the record.
  const list = (await api(srv, 'GET', '/api/v1/elections/poll/ballots')).body.ballots;
  assert.ok(!list.some((x) => x.tracking_code === tracking(entry)));
});

test('50 ballots cast at once: all acknowledged, all on the record, all counted', async () => {
  const entries = [];
  for (let i = 0; i < 50; i++) entries.push(await ballot(srv, 'poll', nextCode(), i % 3));
  const before = (await api(srv, 'GET', '/api/v1/info')).body.size;
  const answers = await Promise.all(entries.map((e) => cast(srv, 'poll', e)));
  for (const a of answers) assert.equal(a.status, 201, a.text);
  const indices = answers.map((a) => a.body.index);
  assert.equal(new Set(indices).size, 50);
  assert.deepEqual([...indices].sort((x, y) => x - y), Array.from({ length: 50 }, (_, k) => before + k));
  assert.equal((await api(srv, 'GET', '/api/v1/info')).body.size, before + 50);
  const lines = (await api(srv, 'GET', `/api/v1/record/entries?start=${before}&end=${before + 50}`)).text.split('\n');
  for (let k = 0; k < 50; k++) assert.equal(lines[indices[k] - before], entries[k]);
  const list = (await api(srv, 'GET', '/api/v1/elections/poll/ballots')).body.ballots;
  const byCode = new Map(list.map((b) => [b.tracking_code, b]));
  for (const a of answers) assert.equal(byCode.get(a.body.tracking_code)?.fate, 'counted');
});

test('the casting limit per address answers 429 with Retry-After', async () => {
  const s = await startServer({ args: ['--cast-rate', '3'] });
  try {
    for (let i = 0; i < 3; i++) assertError(await cast(s, 'none', '{}'), 404, 'not_found');
    const r = await cast(s, 'none', '{}');
    assertError(r, 429, 'rate_limited');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
  } finally {
    assert.equal(await s.stop(), 0);
    s.cleanup();
  }
});

test('closed: new ballots are 409 election_closed, a retry of a recorded one still 200', async () => {
  const recorded = await ballot(srv, 'poll', nextCode());
  const first = await cast(srv, 'poll', recorded);
  assert.equal(first.status, 201);
  const late = await ballot(srv, 'poll', nextCode());
  const r = await api(srv, 'POST', '/api/v1/elections/poll/close', { json: {}, token });
  assert.equal(r.status, 201, r.text);
  assertError(await cast(srv, 'poll', late), 409, 'election_closed');
  const again = await cast(srv, 'poll', recorded);
  assert.equal(again.status, 200);
  assert.equal(again.body.index, first.body.index);
  const detail = (await api(srv, 'GET', '/api/v1/elections/poll')).body;
  assert.equal(detail.stage, 'closed');
  assert.ok(detail.close_index > first.body.index);
});

test('a restart rebuilds the ballot index from the record', async () => {
  const listBefore = (await api(srv, 'GET', '/api/v1/elections/poll/ballots')).body.ballots;
  const detailBefore = (await api(srv, 'GET', '/api/v1/elections/poll')).body;
  assert.equal(await srv.stop(), 0);
  srv = await startServer({ dir: srv.dir, password: srv.password, args: ['--cast-rate', '0'] });
  assert.deepEqual((await api(srv, 'GET', '/api/v1/elections/poll/ballots')).body.ballots, listBefore);
  assert.deepEqual((await api(srv, 'GET', '/api/v1/elections/poll')).body, detailBefore);
  const one = listBefore[listBefore.length - 1];
  const look = await api(srv, 'GET', `/api/v1/ballots/${encodeURIComponent(one.tracking_code)}`);
  assert.equal(look.body.index, one.index);
  assertError(await api(srv, 'GET', `/api/v1/ballots/${encodeURIComponent(tracking('nothing'))}`), 404, 'not_found');
  assertError(await api(srv, 'GET', '/api/v1/ballots/short'), 400, 'bad_parameter', 'tracking_code');
  token = await login(srv);
});

test('kill -9 during a stream of casts: every acknowledged ballot is on the record', async () => {
  const crashCodes = await openElection(srv, token, 'crash');
  const entries = [];
  for (let i = 0; i < 40; i++) entries.push(await ballot(srv, 'crash', crashCodes[i]));
  const acked = [];
  let killed = false;
  const sends = entries.map(async (e, i) => {
    await new Promise((res) => setTimeout(res, i * 5));
    try {
      const r = await cast(srv, 'crash', e);
      if (r.status === 201) acked.push(r.body);
      if (acked.length >= 10 && !killed) { killed = true; srv.proc.kill('SIGKILL'); }
    } catch { /* the connection died with the server */ }
  });
  await Promise.all(sends);
  await new Promise((res) => (srv.proc.exitCode !== null || srv.proc.signalCode !== null ? res() : srv.proc.once('exit', res)));
  assert.ok(acked.length >= 10, `${acked.length} acknowledged`);
  srv = await startServer({ dir: srv.dir, password: srv.password, args: ['--cast-rate', '0'] });
  for (const a of acked) {
    const look = await api(srv, 'GET', `/api/v1/ballots/${encodeURIComponent(a.tracking_code)}`);
    assert.equal(look.status, 200, `acknowledged ballot ${a.index} lost`);
    assert.equal(look.body.index, a.index);
  }
  token = await login(srv);
});

test('SIGTERM during a stream of casts: requests in progress are answered, exit 0, nothing lost', async () => {
  const codesT = await openElection(srv, token, 'term');
  const entries = [];
  for (let i = 0; i < 40; i++) entries.push(await ballot(srv, 'term', codesT[i]));
  const acked = [], statuses = [];
  let stopping = null;
  const sends = entries.map(async (e, i) => {
    await new Promise((res) => setTimeout(res, i * 5));
    try {
      const r = await cast(srv, 'term', e);
      statuses.push(r.status);
      if (r.status === 201) acked.push(r.body);
      if (acked.length >= 10 && !stopping) stopping = srv.stop();
    } catch { /* refused once the server stopped accepting */ }
  });
  await Promise.all(sends);
  assert.equal(await stopping, 0);
  assert.ok(statuses.every((s) => s === 201), `answers: ${statuses.join(' ')}`);
  srv = await startServer({ dir: srv.dir, password: srv.password, args: ['--cast-rate', '0'] });
  const list = (await api(srv, 'GET', '/api/v1/elections/term/ballots')).body.ballots;
  const onRecord = new Set(list.map((b) => b.tracking_code));
  for (const a of acked) assert.ok(onRecord.has(a.tracking_code), `acknowledged ballot ${a.index} lost`);
});
