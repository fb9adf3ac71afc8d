// tests/js/ballot.test.mjs — ballots made in JavaScript, judged by the C code, and the reverse.
//
// A real election is set up with the veche binary in a scratch directory
// (board, keys, a 2-of-2 key ceremony, credentials for six voters with
// weights, the opening), with three contests that cover every shape of
// SPEC §3.4: a referendum with an implicit blank (sum proof), 2 of 5 seats
// (no implicit selection, sum proof over [0, 2]) and a plain referendum (one
// ciphertext, no sum proof). The bundle is read back from the record as the
// server will serve it. Then:
//   (a) `veche audit` accepts audit documents made by web/js/veche-crypto.js
//       and prints the choices they encrypt (and refuses a doctored one);
//   (b) the JS verifier accepts ballots cast by `veche vote`, and checkAudit
//       the documents of `veche vote --audit`; tampered ballots are refused
//       with the path of the member;
//   (c) ballots built in JS are appended to the record (`veche board append
//       --entries`), the election is closed, tallied, decrypted and its result
//       published by the CLI, and the counts are exactly what the JS voters
//       chose (weights included, a re-vote superseding, a doctored ballot
//       skipped); `veche verify` then passes all 13 checks.
// Finally, buildBallot is timed on a referendum (median of 20).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { veche } from '../api/lib/server.mjs';
import * as V from '../../web/js/veche-crypto.js';
import * as R from '../../web/js/veche-record.js';

await V.ready(sodium);

const ID = 'js-ballots';
const dir = mkdtempSync(join(tmpdir(), 'veche-js-ballot-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const run = (...args) => veche(args, { cwd: dir });
const runFail = (...args) => {
  try {
    run(...args);
  } catch (e) {
    return e.stderr.toString();
  }
  assert.fail(`veche ${args.join(' ')} should have failed`);
};
const pub = (key) => R.b64encode(R.parseVkey(run('witness', 'vkey', '--key', key).trim()).key);

// voters and weights: the roll
const ROLL = [['Ann', 1], ['Bob', 2], ['Carl', 3], ['Dora', 1], ['Eve', 5], ['Finn', 4]];

function setup() {
  run('board', 'init', '--db', 'b.db', '--key', 'board.key', '--origin', 'example.org/js-ballots');
  for (const k of ['admin', 'authority', 't1', 't2']) run('keygen', '--name', k, '--out', `${k}.key`);
  const manifest = {
    election: ID, title: 'Ballots from the browser', organisation: 'Branch JS',
    opens: 1767225600, closes: 1767830400, threshold: 2,
    trustees: [{ name: 'Ana', key: pub('t1.key') }, { name: 'Ben', key: pub('t2.key') }],
    credential_authority: pub('authority.key'),
    contests: [
      { id: 'strike', question: 'Do we strike?', options: ['yes', 'no'], min: 1, max: 1, blank: true },
      { id: 'council', question: 'Elect two', options: ['Ana', 'Ben', 'Chen', 'Dana', 'Emil'], min: 0, max: 2, blank: false },
      { id: 'plain', question: 'Adopt the minutes?', options: ['yes', 'no'], min: 1, max: 1, blank: false },
    ],
  };
  writeFileSync(join(dir, 'm.json'), JSON.stringify(manifest));
  run('election', 'create', 'm.json', '--db', 'b.db', '--key', 'admin.key');
  const t = (verb, i, ...more) => run('trustee', verb, '--state', `t${i}.state`, '--db', 'b.db', '--key', `t${i}.key`, ...more);
  for (const i of [1, 2]) t('init', i, '--election', ID);
  for (const i of [1, 2]) t('commit', i);
  for (const i of [1, 2]) t('reveal', i);
  for (const i of [1, 2]) t('check', i);
  run('election', 'key', ID, '--db', 'b.db', '--key', 'admin.key');
  writeFileSync(join(dir, 'roll.csv'), ROLL.map(([n, w]) => `${n},${w}`).join('\n') + '\n');
  run('credentials', 'generate', '--voters', 'roll.csv', '--election', ID, '--db', 'b.db', '--key', 'authority.key', '--out-dir', 'codes');
  const out = run('election', 'open', ID, '--db', 'b.db', '--key', 'admin.key');
  const codes = new Map(readFileSync(join(dir, 'codes/credentials.csv'), 'utf8').trim().split('\n').slice(1)
    .map((l) => l.split(',')));
  return { codes, fingerprint: out.match(/fingerprint: (\S+)/)[1] };
}

// The entries of the record: [{index, type}], and an entry's bytes.
const list = () => run('board', 'list', '--db', 'b.db').trim().split('\n').map((l) => {
  const [index, type] = l.split('\t');
  return { index: Number(index), type };
});
const get = (i) => run('board', 'get', '--db', 'b.db', String(i)).replace(/\n$/, '');
function bundle() {
  const entries = list();
  const one = (type) => get(entries.find((e) => e.type === type).index);
  return {
    manifest: one('election.manifest'),
    key: one('election.key'),
    credentials: entries.filter((e) => e.type === 'election.credentials').map((e) => get(e.index)),
  };
}

const { codes, fingerprint } = setup();
const election = V.electionFromBundle(bundle());
const cred = (name) => V.deriveCredential(ID, V.readCode(codes.get(name)));

test('the bundle read back from the record gives the fingerprint the CLI published', async () => {
  assert.equal(election.fingerprintB64, fingerprint);
  assert.equal(election.credentialKeys.size, ROLL.length);
  for (const [name] of ROLL) assert.ok(election.credentialKeys.has(R.b64encode(cred(name).X)), `${name}'s credential is listed`);
  assert.deepEqual(election.shapes.map((s) => [s.nexplicit, s.implicit, s.lo, s.hi, s.sumProof]),
    [[2, true, 0, 1, true], [5, false, 0, 2, true], [1, true, 0, 1, false]]);
  // a bundle whose parts were tampered with is refused
  const b = bundle();
  assert.throws(() => V.electionFromBundle({ ...b, key: b.key.replace('"qualified":[1,2]', '"qualified":[1]') }), /sig/);
  for (const early of [{ ...b, credentials: [] }, { ...b, key: null }]) {
    const e = V.electionFromBundle(early);
    assert.equal(e.ready, false);
    assert.equal(e.fingerprint, null);
    await assert.rejects(V.buildBallot(e, cred('Ann'), [[0], [], [0]]), /no joint key or no credentials/);
  }
  assert.throws(() => V.electionFromBundle({ ...b, credentials: [b.credentials[0], b.credentials[0]] }), /says part 0 of 1/);
  // with the administrator's election.open, the fingerprint must be the published one
  const open = get(list().find((e) => e.type === 'election.open').index);
  assert.equal(V.electionFromBundle({ ...b, open }).fingerprintB64, fingerprint);
  assert.throws(() => V.electionFromBundle({ ...b, open: b.key }), /election.open entry expected/);
  assert.throws(() => V.electionFromBundle({ ...b, open, key: null }), /fingerprint the administrator published/);
  assert.throws(() => V.electionFromBundle({ ...b, manifest: b.credentials[0] }), /election.manifest entry expected/);
});

function auditWithCli(doc, name) {
  writeFileSync(join(dir, name), doc + '\n');
  return run('audit', name, '--db', 'b.db', '--election', ID);
}

test('(a) veche audit accepts JS audit documents and prints the same choices', async () => {
  const cases = [
    [[[1], [0, 2], [0]], ['strike: no', 'council: Ana, Chen', 'plain: yes']],
    [[[2], [], [1]], ['strike: blank', 'council: (nothing)', 'plain: no']],
    [[[0], [4], [1]], ['strike: yes', 'council: Emil', 'plain: no']],
  ];
  for (const [choices, lines] of cases) {
    const built = await V.buildBallot(election, cred('Ann'), choices);
    const doc = V.auditDocument(built);
    assert.deepEqual(V.checkAudit(doc, election), { choices, trackingCode: built.trackingCode });
    const out = auditWithCli(doc, 'js-audit.json');
    for (const l of lines) assert.ok(out.split('\n').includes(`  ${l}`), `veche audit prints "${l}"`);
    assert.match(out, new RegExp(`tracking code ${built.trackingCode.replace(/[+/]/g, '\\$&')} `));
    // a document that lies about a plaintext is refused by both
    const lie = JSON.parse(doc);
    lie.contests[2].plaintexts[0] ^= 1;
    const lieText = R.canonicalJSON(lie);
    assert.throws(() => V.checkAudit(lieText, election), /ciphertext 0 is not the encryption of/);
    writeFileSync(join(dir, 'lie.json'), lieText + '\n');
    assert.match(runFail('audit', 'lie.json', '--db', 'b.db', '--election', ID), /FAILED/);
    V.wipe(built);
  }
});

test('(b) the JS verifier accepts C ballots and C audit documents', () => {
  const out = run('vote', '--audit', '--db', 'b.db', '--election', ID, '--credential', codes.get('Bob'),
    '--choices', 'strike:blank;council:Ben,Emil;plain:no', '--out', 'c-audit.json');
  assert.equal(out, '');
  const doc = readFileSync(join(dir, 'c-audit.json'), 'utf8').replace(/\n$/, '');
  const got = V.checkAudit(doc, election);
  assert.deepEqual(got.choices, [[2], [1, 4], [1]]);
  const entry = R.canonicalJSON(JSON.parse(doc).ballot);
  assert.equal(V.verifyBallot(entry, election), true);
  assert.equal(got.trackingCode, V.trackingCode(entry));

  const cast = run('vote', '--db', 'b.db', '--election', ID, '--credential', codes.get('Carl'), '--choices', 'strike:yes;council:Dana;plain:yes');
  const index = Number(cast.match(/entry (\d+)/)[1]);
  const ballot = get(index);
  assert.equal(V.verifyBallot(ballot, election), true);
  assert.equal(V.trackingCode(ballot), cast.match(/tracking code: (\S+)/)[1]);

  // tampering, each reported by the member's path; paddingBits sets a padding
  // bit of the last character before "==" (the same bytes, a second spelling)
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const paddingBits = (s) => s.slice(0, -3) + B64[B64.indexOf(s.at(-3)) ^ 1] + '==';
  const b = JSON.parse(ballot);
  const swap = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  const withBody = (f) => { const c = structuredClone(b); f(c.body); return R.canonicalJSON(c); };
  const cases = [
    [withBody((x) => { x.contests[1].proofs[3] = swap(x.contests[1].proofs[3], 100); }), 'body.signature'],
    [withBody((x) => { x.contests[1].sum_proof = swap(x.contests[1].sum_proof, 10); }), 'body.signature'],
    [withBody((x) => { x.contests[0].ciphertexts[0] = swap(x.contests[0].ciphertexts[0], 5); }), /body\.(signature|contests\[0\]\.ciphertexts\[0\])/],
    [withBody((x) => { x.signature = swap(x.signature, 3); }), /body\.signature/],
    [withBody((x) => { x.election = 'another'; }), 'body.election'],
    [withBody((x) => { delete x.contests[1].sum_proof; }), 'body.contests[1]'],
    [withBody((x) => { x.contests[2].sum_proof = x.contests[0].sum_proof; }), 'body.contests[2]'],
    [withBody((x) => { x.contests[1].proofs[0] = paddingBits(x.contests[1].proofs[0]); }), 'body.contests[1].proofs[0]'],
    [withBody((x) => { x.credential = R.b64encode(cred('Ann').X); }), 'body.signature'],
    [ballot.replace('"v":1', '"v":2'), 'v'],
    [ballot + ' ', 'ballot'],
  ];
  for (const [bad, where] of cases) {
    assert.throws(() => V.verifyBallot(bad, election), (e) => e instanceof V.VecheError &&
      (where instanceof RegExp ? where.test(e.field) : e.field === where), `refused at ${where}`);
  }
});

test('a proof swapped between selections fails on the proof itself, even re-signed by its voter', async () => {
  // A voter's own device could sign anything: the proofs must stand on their own.
  const c = cred('Dora');
  const built = await V.buildBallot(election, c, [[0], [0, 1], [0]]);
  const b = JSON.parse(built.entry);
  [b.body.contests[1].proofs[0], b.body.contests[1].proofs[1]] = [b.body.contests[1].proofs[1], b.body.contests[1].proofs[0]];
  delete b.body.signature;
  const fp = election.fingerprint;
  const sig = V.sign(c.x, c.X, R.utf8(R.canonicalJSON(b.body)), { fingerprint: fp, party: c.X, index: [0xFFFFFFFF, 0xFFFFFFFF] });
  b.body.signature = R.b64encode(sig);
  assert.throws(() => V.verifyBallot(R.canonicalJSON(b), election), (e) => e.field === 'body.contests[1].proofs[0]');
});

test('(c) JS ballots on the record: tallied, decrypted and verified by the CLI', async () => {
  // choices of the JS voters; Ann votes twice (the second counts), Finn's ballot is doctored
  const votes = [
    ['Ann', [[0], [0], [0]]],
    ['Dora', [[1], [0, 2], [1]]],
    ['Eve', [[0], [2, 3], [0]]],
    ['Ann', [[2], [1, 2], [1]]],
  ];
  const lines = [];
  for (const [name, choices] of votes) {
    const built = await V.buildBallot(election, cred(name), choices);
    assert.equal(V.verifyBallot(built.entry, election), true);
    lines.push(built.entry);
    V.wipe(built);
  }
  const finn = JSON.parse((await V.buildBallot(election, cred('Finn'), [[1], [], [1]])).entry);
  const fp = finn.body.contests[0].proofs[0];
  finn.body.contests[0].proofs[0] = fp.slice(0, 200) + (fp[200] === 'A' ? 'B' : 'A') + fp.slice(201);
  const doctored = R.canonicalJSON(finn);
  assert.throws(() => V.verifyBallot(doctored, election));
  lines.push(doctored);
  writeFileSync(join(dir, 'ballots.jsonl'), lines.join('\n') + '\n');
  run('board', 'append', '--db', 'b.db', '--entries', 'ballots.jsonl');

  // every ballot on the record, as the JS verifier sees it
  const ballots = list().filter((e) => e.type === 'election.ballot').map((e) => get(e.index));
  assert.equal(ballots.length, 6, 'Carl\'s C ballot, four JS ballots and the doctored one');
  assert.deepEqual(ballots.map((b) => { try { return V.verifyBallot(b, election); } catch { return false; } }),
    [true, true, true, true, true, false]);

  run('election', 'close', ID, '--db', 'b.db', '--key', 'admin.key');
  const tally = run('election', 'tally', ID, '--db', 'b.db', '--key', 'admin.key');
  // counted: Carl (C, weight 3), Dora 1, Eve 5, Ann's second 1 = 4 ballots, weight 10
  assert.match(tally, /4 counted \(total weight 10\), 1 superseded, 1 skipped/);
  for (const i of [1, 2]) run('trustee', 'decrypt', '--state', `t${i}.state`, '--db', 'b.db', '--key', `t${i}.key`);
  const result = run('election', 'result', ID, '--db', 'b.db', '--key', 'admin.key');
  // strike: yes = Carl 3 + Eve 5; no = Dora 1; blank = Ann 1
  // council: Ana = Dora 1; Ben = Ann 1; Chen = Dora 1 + Eve 5 + Ann 1; Dana = Carl 3 + Eve 5; Emil 0
  // plain: yes = Carl 3 + Eve 5; no = Dora 1 + Ann 1
  const want = { Ana: 1, Ben: 1, Chen: 7, Dana: 8, Emil: 0 };
  for (const [opt, n] of Object.entries(want)) assert.match(result, new RegExp(`^  ${opt} +${n}$`, 'm'), `${opt} ${n}`);
  run('board', 'checkpoint', '--db', 'b.db', '--key', 'board.key');
  run('board', 'export', '--db', 'b.db', 'exp');
  const verified = run('verify', 'exp', '--election', ID);
  assert.match(verified, /strike: yes 8, no 1, blank 1; council: Ana 1, Ben 1, Chen 7, Dana 8, Emil 0; plain: yes 8, no 2/);
  assert.match(verified, new RegExp(`^election ${ID}: verified: all 13 checks pass$`, 'm'));
});

test('performance: buildBallot on a referendum, median of 20', async () => {
  const ref = { ...election, manifest: { ...election.manifest, contests: [election.manifest.contests[2]] },
    shapes: [election.shapes[2]] };
  const c = cred('Bob');
  const times = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const built = await V.buildBallot(ref, c, [[0]]);
    times.push(performance.now() - t0);
    V.wipe(built);
  }
  times.sort((a, b) => a - b);
  const vt = [];
  const one = await V.buildBallot(election, c, [[0], [0, 1], [1]]);
  for (let i = 0; i < 5; i++) { const t0 = performance.now(); V.verifyBallot(one.entry, election); vt.push(performance.now() - t0); }
  vt.sort((a, b) => a - b);
  console.log(`# buildBallot, referendum: median ${times[10].toFixed(1)} ms (min ${times[0].toFixed(1)}, max ${times[19].toFixed(1)}); ` +
    `verifyBallot, 3 contests / 8 selections: median ${vt[2].toFixed(1)} ms`);
  assert.ok(times[10] < 2000, 'a referendum ballot is built within 2 s');
});
