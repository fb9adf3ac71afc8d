// tests/api/record.test.mjs — the public record over HTTP: info, signed
// checkpoints, entries by range and by index, inclusion and consistency
// proofs (checked here against the checkpoints' roots, RFC 9162 §2.1),
// receipts (checked by `veche board check-receipt`), immutable caching, and
// every query argument refused with 400 bad_parameter naming it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, login, veche } from './lib/server.mjs';

const IMMUTABLE = 'public, max-age=31536000, immutable';

const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest();
const leafHash = (entry) => sha256(Buffer.from([0]), Buffer.from(entry));
const nodeHash = (l, r) => sha256(Buffer.from([1]), l, r);
const b64 = (s) => Buffer.from(s, 'base64');

// RFC 9162 §2.1.3.2
function verifyInclusion(index, size, leaf, proof, root) {
  if (index >= size) return false;
  let fn = index, sn = size - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if ((fn & 1) || fn === sn) {
      r = nodeHash(p, r);
      while (!(fn & 1) && fn !== 0) { fn >>= 1; sn >>= 1; }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1; sn >>= 1;
  }
  return sn === 0 && r.equals(root);
}

// RFC 9162 §2.1.4.2
function verifyConsistency(first, second, proof, firstRoot, secondRoot) {
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  if (proof.length === 0) return false;
  if ((first & (first - 1)) === 0) proof = [firstRoot, ...proof];
  let fn = first - 1, sn = second - 1;
  while (fn & 1) { fn >>= 1; sn >>= 1; }
  let fr = proof[0], sr = proof[0];
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;
    if ((fn & 1) || fn === sn) {
      fr = nodeHash(c, fr); sr = nodeHash(c, sr);
      while (!(fn & 1) && fn !== 0) { fn >>= 1; sn >>= 1; }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1; sn >>= 1;
  }
  return fr.equals(firstRoot) && sr.equals(secondRoot) && sn === 0;
}

// "<origin>\n<size>\n<root>\n\n— <origin> <sig>\n"
function parseCheckpoint(text) {
  const [body, sigs] = text.split('\n\n');
  const [origin, size, root] = body.split('\n');
  return { origin, size: Number(size), root: b64(root), sigs };
}

function assertBadParameter(r, field) {
  assert.equal(r.status, 400, r.text);
  assert.equal(r.body.error.code, 'bad_parameter', r.text);
  assert.equal(r.body.error.field, field, r.text);
}

// Entries to prove things about: elections created by the administrator, one entry each.
async function grow(srv, token, n, tag) {
  for (let i = 0; i < n; i++) {
    const t = Math.floor(Date.now() / 1000);
    const manifest = {
      election: `${tag}-${i}`, title: `Election ${tag} ${i}`, organisation: 'Record tests',
      opens: t, closes: t + 86400, threshold: 1,
      trustees: [{ name: 'Ana', key: Buffer.alloc(32, i + 1).toString('base64') }],
      contests: [{ id: 'q', question: 'Yes?', options: ['yes', 'no'], min: 1, max: 1, blank: false }],
    };
    const r = await api(srv, 'POST', '/api/v1/elections', { json: manifest, token });
    assert.equal(r.status, 201, r.text);
  }
}

let srv, token, cp1, cp2;
before(async () => {
  srv = await startServer();
  token = await login(srv);
  await grow(srv, token, 4, 'a');                       // size 5
  cp1 = (await api(srv, 'GET', '/api/v1/record/checkpoint')).text;
  await grow(srv, token, 8, 'b');                       // size 13
  cp2 = (await api(srv, 'GET', '/api/v1/record/checkpoint')).text;
});
after(async () => { if (srv) { assert.equal(await srv.stop(), 0); srv.cleanup(); } });

test('info and the signed checkpoint agree on the size and the origin', async () => {
  const info = (await api(srv, 'GET', '/api/v1/info')).body;
  assert.equal(info.size, 13);
  const c1 = parseCheckpoint(cp1), c2 = parseCheckpoint(cp2);
  assert.equal(c1.size, 5);
  assert.equal(c2.size, 13);
  assert.equal(c2.origin, info.origin);
  assert.match(c2.sigs, new RegExp(`^— ${info.origin} [A-Za-z0-9+/]+=*\\n$`));
  const r = await api(srv, 'GET', '/api/v1/record/checkpoint');
  assert.match(r.headers.get('content-type'), /^text\/plain/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.text, cp2, 'an unchanged board gives the same checkpoint');
});

test('entries by range: ndjson, exactly the asked range, immutable with an explicit end', async () => {
  const r = await api(srv, 'GET', '/api/v1/record/entries?start=0&end=13');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/x-ndjson');
  assert.equal(r.headers.get('cache-control'), IMMUTABLE);
  const lines = r.text.split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 13);
  assert.equal(JSON.parse(lines[0]).type, 'board.init');
  assert.equal(JSON.parse(lines[1]).type, 'election.manifest');
  const part = await api(srv, 'GET', '/api/v1/record/entries?start=3&end=5');
  assert.equal(part.text, lines.slice(3, 5).join('\n') + '\n');
  const empty = await api(srv, 'GET', '/api/v1/record/entries?start=13&end=13');
  assert.equal(empty.status, 200);
  assert.equal(empty.text, '');
  // Without an end: up to the current size, which may grow, so not immutable.
  const open = await api(srv, 'GET', '/api/v1/record/entries?start=10');
  assert.equal(open.text, lines.slice(10).join('\n') + '\n');
  assert.equal(open.headers.get('cache-control'), 'no-store');
});

test('entries by range: bad arguments are 400 bad_parameter with the argument named', async () => {
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/entries?start=0&end=14'), 'end');
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/entries?start=5&end=4'), 'end');
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/entries?start=14'), 'start');
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/entries?start=x&end=2'), 'start');
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/entries?start=0&end=2.0'), 'end');
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/entries?start=0&end=%2B2'), 'end');
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/entries?start=0&end=18446744073709551616'), 'end');
});

test('an entry by index: its bytes, immutable; 404 past the end, 400 for a non-number', async () => {
  const lines = (await api(srv, 'GET', '/api/v1/record/entries?start=0&end=13')).text.split('\n');
  for (const i of [0, 7, 12]) {
    const r = await api(srv, 'GET', `/api/v1/record/entries/${i}`);
    assert.equal(r.status, 200);
    assert.equal(r.text, lines[i]);
    assert.equal(r.headers.get('cache-control'), IMMUTABLE);
    assert.match(r.headers.get('content-type'), /^application\/json/);
  }
  const past = await api(srv, 'GET', '/api/v1/record/entries/13');
  assert.equal(past.status, 404);
  assert.equal(past.body.error.code, 'not_found');
  assert.equal(past.headers.get('cache-control'), 'no-store');
  for (const bad of ['x', '01', '-1', '1e2', '99999999999999999999']) {
    assertBadParameter(await api(srv, 'GET', `/api/v1/record/entries/${bad}`), 'index');
  }
});

test('inclusion proofs verify against the signed roots', async () => {
  const lines = (await api(srv, 'GET', '/api/v1/record/entries?start=0&end=13')).text.split('\n');
  const roots = { 5: parseCheckpoint(cp1).root, 13: parseCheckpoint(cp2).root };
  for (const [size, root] of Object.entries(roots).map(([s, r]) => [Number(s), r])) {
    for (let index = 0; index < size; index++) {
      const r = await api(srv, 'GET', `/api/v1/record/inclusion?index=${index}&size=${size}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('cache-control'), IMMUTABLE);
      assert.deepEqual([r.body.index, r.body.size], [index, size]);
      const proof = r.body.proof.map(b64);
      assert.ok(verifyInclusion(index, size, leafHash(lines[index]), proof, root), `index ${index} size ${size}`);
      assert.ok(!verifyInclusion(index, size, leafHash(lines[(index + 1) % size] + ' '), proof, root));
    }
  }
});

test('inclusion: bad arguments', async () => {
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/inclusion?size=5'), 'index');
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/inclusion?index=1'), 'size');
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/inclusion?index=5&size=5'), 'index');
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/inclusion?index=1&size=14'), 'size');
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/inclusion?index=a&size=3'), 'index');
});

test('a consistency proof links the two checkpoints', async () => {
  const c1 = parseCheckpoint(cp1), c2 = parseCheckpoint(cp2);
  const r = await api(srv, 'GET', '/api/v1/record/consistency?old=5&size=13');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('cache-control'), IMMUTABLE);
  assert.deepEqual([r.body.old, r.body.size], [5, 13]);
  const proof = r.body.proof.map(b64);
  assert.ok(verifyConsistency(5, 13, proof, c1.root, c2.root));
  assert.ok(!verifyConsistency(5, 13, proof, c2.root, c1.root));
  const same = await api(srv, 'GET', '/api/v1/record/consistency?old=13&size=13');
  assert.deepEqual(same.body.proof, []);
});

test('consistency: bad arguments', async () => {
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/consistency?old=0&size=5'), 'old');
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/consistency?old=6&size=5'), 'old');
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/consistency?old=1&size=99'), 'size');
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/consistency?size=5'), 'old');
});

test('a receipt checks offline with veche board check-receipt; a forged one does not', async () => {
  const info = (await api(srv, 'GET', '/api/v1/info')).body;
  const r = await api(srv, 'GET', '/api/v1/record/receipt/7');
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^text\/plain/);
  assert.match(r.text, /^c2sp\.org\/tlog-proof@v1\nextra /);
  const file = join(srv.dir, 'r7.txt');
  writeFileSync(file, r.text);
  assert.match(veche(['board', 'check-receipt', file, '--key', info.vkey]), /receipt OK/);
  writeFileSync(file, r.text.replace('index 7', 'index 6'));
  assert.throws(() => veche(['board', 'check-receipt', file, '--key', info.vkey]));
  const past = await api(srv, 'GET', '/api/v1/record/receipt/13');
  assert.equal(past.status, 404);
  assertBadParameter(await api(srv, 'GET', '/api/v1/record/receipt/seven'), 'index');
});

test('after a restart the record, its checkpoints and proofs are the same', async () => {
  const before = (await api(srv, 'GET', '/api/v1/record/inclusion?index=3&size=13')).body;
  assert.equal(await srv.stop(), 0);
  srv = await startServer({ dir: srv.dir, password: srv.password });
  assert.equal((await api(srv, 'GET', '/api/v1/record/checkpoint')).text, cp2);
  assert.deepEqual((await api(srv, 'GET', '/api/v1/record/inclusion?index=3&size=13')).body, before);
  const list = (await api(srv, 'GET', '/api/v1/elections')).body.elections;
  assert.equal(list.length, 12);
  assert.deepEqual(list.map((e) => e.id).slice(0, 5), ['a-0', 'a-1', 'a-2', 'a-3', 'b-0']);
  assert.ok(list.every((e) => e.stage === 'setup' && e.ballots === 0 && e.voters === 0));
});
