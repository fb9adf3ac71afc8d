// tests/js/record.test.mjs — web/js/veche-record.js against records made by the veche binary.
//
// A board is made with the CLI (statements, then a tiny election in which a
// voter casts a ballot with `veche vote --receipt`), a witness cosigns its
// checkpoint, and:
//   - every receipt `veche board receipt` makes, for every index, passes
//     checkReceipt, gives the entry's bytes and tracking code, and agrees
//     with `veche board check-receipt` (and tlogcheck.py when present);
//   - the ballot's receipt from `veche vote --receipt` gives the tracking
//     code the vote printed;
//   - inclusion and consistency proofs from `veche board proof` verify, and
//     fail for every other index, size or hash;
//   - tampered receipts (an entry byte, a proof hash, the index, the
//     checkpoint's text or signature, the layout, the wrong key) are refused
//     with a message saying what failed; a witness policy is enforced;
//   - the canonical JSON profile of SPEC §2.2: what it refuses and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { veche } from '../api/lib/server.mjs';
import * as R from '../../web/js/veche-record.js';
import * as V from '../../web/js/veche-crypto.js';

await R.ready(sodium);
await V.ready(sodium);

const dir = mkdtempSync(join(tmpdir(), 'veche-js-record-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const run = (...args) => veche(args, { cwd: dir });
const runStatus = (...args) => {
  try { run(...args); return 0; } catch (e) { return e.status; }
};
const get = (i) => run('board', 'get', '--db', 'b.db', String(i)).replace(/\n$/, '');
const pub = (key) => R.b64encode(R.parseVkey(run('witness', 'vkey', '--key', key).trim()).key);
const TLOGCHECK = '/work/shared/tools/tlogcheck.py';

// ---- the record ---------------------------------------------------------------------

run('board', 'init', '--db', 'b.db', '--key', 'board.key', '--origin', 'example.org/js-record');
const VKEY = run('board', 'vkey', '--db', 'b.db').trim();
for (const k of ['admin', 'authority', 't1']) run('keygen', '--name', k, '--out', `${k}.key`);
for (let i = 1; i <= 6; i++) {
  writeFileSync(join(dir, 's.json'), JSON.stringify({ title: `Minutes ${i}`, text: `Statement ${i}: “quoted”, tab\there\nand a new line — ünïcödé` }));
  run('board', 'append', '--db', 'b.db', '--author', 'admin.key', '--type', 'statement', '--body', 's.json');
}
const ID = 'receipts';
writeFileSync(join(dir, 'm.json'), JSON.stringify({
  election: ID, title: 'Receipts', organisation: 'Branch JS', opens: 1, closes: 2, threshold: 1,
  trustees: [{ name: 'Ana', key: pub('t1.key') }], credential_authority: pub('authority.key'),
  contests: [{ id: 'q', question: 'Yes?', options: ['yes', 'no'], min: 1, max: 1, blank: false }],
}));
run('election', 'create', 'm.json', '--db', 'b.db', '--key', 'admin.key');
for (const step of ['init', 'commit', 'reveal', 'check']) {
  run('trustee', step, '--state', 't1.state', '--db', 'b.db', '--key', 't1.key', ...(step === 'init' ? ['--election', ID] : []));
}
run('election', 'key', ID, '--db', 'b.db', '--key', 'admin.key');
writeFileSync(join(dir, 'roll.csv'), 'Ann\nBob\n');
run('credentials', 'generate', '--voters', 'roll.csv', '--election', ID, '--db', 'b.db', '--key', 'authority.key', '--out-dir', 'codes');
run('election', 'open', ID, '--db', 'b.db', '--key', 'admin.key');
const code = readFileSync(join(dir, 'codes/credentials.csv'), 'utf8').split('\n')[1].split(',')[1];
const voted = run('vote', '--db', 'b.db', '--election', ID, '--credential', code, '--choices', 'q:yes', '--receipt', 'vote.receipt', '--key', 'board.key');
const ballotIndex = Number(voted.match(/entry (\d+)/)[1]);
const size = ballotIndex + 1;
const receipt = (i) => run('board', 'receipt', '--db', 'b.db', String(i));

test('every receipt of the record passes checkReceipt and agrees with the CLI', () => {
  assert.ok(size >= 15, `a record of ${size} entries`);
  for (let i = 0; i < size; i++) {
    const text = receipt(i);
    const got = R.checkReceipt(text, VKEY);
    const entry = get(i);
    assert.equal(got.index, i);
    assert.equal(got.size, size);
    assert.equal(got.entry, entry);
    assert.equal(got.origin, 'example.org/js-record');
    assert.equal(got.trackingCode, R.trackingCode(entry));
    if (i === 0) assert.equal(got.type, 'board.init');
    writeFileSync(join(dir, 'r.txt'), text);
    assert.equal(runStatus('board', 'check-receipt', 'r.txt', '--key', VKEY), 0);
    if (existsSync(TLOGCHECK) && i % 5 === 0) {
      // the independent checker, given the leaf hash JS computed (exit 0: verified)
      execFileSync('python3', [TLOGCHECK, 'proof', '--key', VKEY, '--leaf-hash', R.toHex(R.leafHash(R.utf8(got.entry))),
        join(dir, 'r.txt')], { stdio: 'pipe' });
    }
  }
});

test('the receipt of `veche vote --receipt` proves the ballot with the tracking code printed', () => {
  const got = R.checkReceipt(readFileSync(join(dir, 'vote.receipt'), 'utf8'), VKEY);
  assert.equal(got.index, ballotIndex);
  assert.equal(got.type, 'election.ballot');
  assert.equal(got.trackingCode, voted.match(/tracking code: (\S+)/)[1]);
  assert.equal(V.trackingCode(got.entry), got.trackingCode);
});

function proofLines(out) {
  const lines = out.trim().split('\n');
  return { root: R.b64decode(lines[2].slice(5), 32), hashes: lines.slice(3).map((l) => R.b64decode(l, 32)) };
}

test('inclusion and consistency proofs from `veche board proof`', () => {
  for (let i = 0; i < size; i++) {
    const { root, hashes } = proofLines(run('board', 'proof', '--db', 'b.db', '--index', String(i)));
    const leaf = R.leafHash(R.utf8(get(i)));
    assert.ok(R.verifyInclusion(leaf, i, size, hashes, root), `entry ${i}`);
    assert.ok(!R.verifyInclusion(leaf, (i + 1) % size, size, hashes, root), `entry ${i} at another index`);
    assert.ok(!R.verifyInclusion(leaf, i, size + 1, hashes, root), `entry ${i} in another size`);
    assert.ok(!R.verifyInclusion(leaf, i, size, hashes, R.sha256(root)), `entry ${i} under another root`);
    hashes.forEach((h, k) => {
      const bad = hashes.map((x, j) => (j === k ? R.sha256(x) : x));
      assert.ok(!R.verifyInclusion(leaf, i, size, bad, root), `entry ${i}, hash ${k} changed`);
    });
    assert.ok(!R.verifyInclusion(leaf, i, size, [...hashes, root], root), `entry ${i}, a hash too many`);
  }
  const roots = [];
  for (let m = 1; m <= size; m++) roots[m] = proofLines(run('board', 'proof', '--db', 'b.db', '--index', '0', '--size', String(m))).root;
  for (let m = 1; m < size; m++) {
    const { root, hashes } = proofLines(run('board', 'proof', '--db', 'b.db', '--old', String(m)));
    assert.ok(R.verifyConsistency(m, roots[m], size, root, hashes), `consistency ${m} → ${size}`);
    assert.ok(!R.verifyConsistency(m, roots[m === 1 ? 2 : 1], size, root, hashes), `consistency ${m} with another old root`);
    assert.ok(!R.verifyConsistency(m, roots[m], size, roots[size - 1], hashes), `consistency ${m} to another root`);
  }
  assert.ok(R.verifyConsistency(size, roots[size], size, roots[size], []));
  assert.ok(R.verifyConsistency(0, R.fromHex(R.EMPTY_ROOT_HEX), size, roots[size], []));
  assert.ok(!R.verifyConsistency(0, roots[1], size, roots[size], []));
});

// Edits line k (0-based) of a receipt.
const editLine = (text, k, f) => text.split('\n').map((l, j) => (j === k ? f(l) : l)).join('\n');
const swapChar = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);

test('tampered receipts are refused, saying what failed', () => {
  const stmt = receipt(3);
  const ballot = readFileSync(join(dir, 'vote.receipt'), 'utf8');
  const lines = stmt.split('\n');
  const sigLine = lines.findIndex((l) => l.startsWith('\u2014 '));
  const reencode = (text, f) => editLine(text, 1, (l) => 'extra ' + R.b64encode(R.utf8(f(R.fromUtf8(R.b64decode(l.slice(6)))))));
  const other = (() => {
    run('board', 'init', '--db', 'o.db', '--key', 'other.key', '--origin', 'example.org/js-record');
    return run('board', 'vkey', '--db', 'o.db').trim();
  })();
  const cases = [
    ['a statement\'s text changed', reencode(stmt, (e) => e.replace('Statement', 'Statemenu')), /entry\.sig: signature does not verify/],
    ['a ballot\'s proof changed', reencode(ballot, (e) => swapChar(e, e.indexOf('"proofs":["') + 40)), /inclusion proof of entry \d+ does not lead to the checkpoint's root/],
    ['a proof hash changed', editLine(stmt, 3, (l) => swapChar(l, 5)), /inclusion proof of entry 3 does not lead/],
    ['a proof hash missing', lines.filter((_, j) => j !== 3).join('\n'), /inclusion proof of entry 3 does not lead/],
    ['another index', editLine(stmt, 2, () => 'index 4'), /inclusion proof of entry 4 does not lead/],
    ['an index beyond the checkpoint', editLine(stmt, 2, () => `index ${size}`), /not covered by the checkpoint/],
    ['the checkpoint\'s size changed', editLine(stmt, sigLine - 3, () => String(size + 1)), /signature line by example.org\/js-record .* does not verify/],
    ['the checkpoint\'s signature changed', editLine(stmt, sigLine, (l) => swapChar(l, l.length - 10)), /signature line by example.org\/js-record .* does not verify/],
    ['the checkpoint without its signature', lines.filter((_, j) => j !== sigLine).join('\n'), /note: no signature lines|no blank line/],
    ['another board\'s key of the same name', stmt, /not signed by the board key/, other],
    ['a witness key as the board key', stmt, /must be a note key/, run('witness', 'vkey', '--key', 'board.key').trim()],
    ['not a receipt', stmt.replace('c2sp.org/tlog-proof@v1', 'c2sp.org/tlog-proof@v2'), /first line must be c2sp.org\/tlog-proof@v1/],
    ['no extra line', lines.filter((_, j) => j !== 1).join('\n'), /"extra" line/],
    ['non-canonical base64 in a proof line', editLine(stmt, 3, (l) => l.slice(0, -2) + 'B='), /proof\[0\]: non-canonical base64/],
    ['a leading zero in the index', editLine(stmt, 2, () => 'index 03'), /index: "03" is not a decimal/],
    ['a space before the proof', editLine(stmt, 3, (l) => ' ' + l), /proof\[0\]: not base64/],
  ];
  for (const [what, text, why, key = VKEY] of cases) {
    assert.throws(() => R.checkReceipt(text, key), (e) => e instanceof R.VecheError && why.test(e.message), what);
    writeFileSync(join(dir, 'bad.txt'), text);
    assert.notEqual(runStatus('board', 'check-receipt', 'bad.txt', '--key', key), 0, `the CLI refuses it too: ${what}`);
  }
  assert.throws(() => R.checkReceipt(stmt, VKEY.replace(/\+[0-9a-f]{8}\+/, '+00000000+')), /key ID does not match/);
  assert.throws(() => R.checkReceipt(stmt, 'example.org/js-record'), /not of the form/);
});

test('a witness policy: cosigned receipts pass, a missing or bad cosignature fails', () => {
  const wk = run('witness', 'init', '--key', 'w1.key', '--name', 'witness-1').trim();
  const wk2 = run('witness', 'init', '--key', 'w2.key', '--name', 'witness-2').trim();
  writeFileSync(join(dir, 'req'), run('board', 'witness-request', '--db', 'b.db', '--old', '0'));
  writeFileSync(join(dir, 'cosigned'), run('witness', 'cosign', '--key', 'w1.key', '--state', 'wstate', '--log-key', VKEY, 'req'));
  run('board', 'add-cosignatures', '--db', 'b.db', 'cosigned', '--witness', wk);
  const text = receipt(2);
  assert.equal(R.checkReceipt(text, VKEY, { witnesses: [wk], quorum: 1 }).index, 2);
  assert.throws(() => R.checkReceipt(text, VKEY, { witnesses: [wk, wk2], quorum: 2 }), /1 of the given witnesses cosigned it, 2 needed/);
  const lines = text.split('\n');
  const cosig = lines.findIndex((l) => l.startsWith('\u2014 witness-1 '));
  assert.ok(cosig > 0, 'the receipt carries the cosignature');
  const bad = editLine(text, cosig, (l) => swapChar(l, l.length - 8));
  assert.throws(() => R.checkReceipt(bad, VKEY, { witnesses: [wk], quorum: 1 }), /witness-1 .* does not verify|0 of the given witnesses/);
  assert.equal(R.checkReceipt(bad, VKEY).index, 2, 'without a policy, witness lines are not the board\'s business');
});

test('canonical JSON (SPEC §2.2): the profile and its refusals', () => {
  assert.equal(R.canonicalJSON({ b: [1, -5, 'é/\u2028'], a: { '9': true, '10': null }, ' ': 'tab\there\nline "q" \\' }),
    '{" ":"tab\\there\\nline \\"q\\" \\\\","a":{"10":null,"9":true},"b":[1,-5,"é/\u2028"]}');
  const ok = '{"a":[{"b":"c"}],"z":-1}';
  assert.deepEqual(R.parseCanonical(ok).value, { a: [{ b: 'c' }], z: -1 });
  assert.deepEqual(R.parseCanonical(R.utf8(ok)).value, { a: [{ b: 'c' }], z: -1 });
  let deep = '[]';
  for (let i = 0; i < 15; i++) deep = `[${deep}]`;
  R.parseCanonical(deep);   // 16 nested arrays
  const refused = [
    ['{"b":1,"a":2}', /first difference at byte 2/],
    ['{"a":1,"a":1}', /first difference/],
    ['{"a":1} ', /first difference at byte 7/],
    ['{"a":1}\n', /first difference/],
    ['{"a":-0}', /first difference/],
    ['{"a":1.0}', /first difference/],
    ['{"a":1e2}', /first difference/],
    ['{"a":0.5}', /not an integer/],
    ['{"a":9007199254740992}', /not an integer/],
    ['{"a":"\\u0041"}', /first difference/],
    ['{"a":"\\/"}', /first difference/],
    ['{"a":"\\u0001"}', /control character/],
    ['{"a":"\u007f"}', /control character/],
    ['{"a":"\\ud800"}', /lone surrogate/],
    ['{"":1}', /key/],
    [`{"${'k'.repeat(65)}":1}`, /key/],
    ['{"é":1}', /key/],
    [`[${deep}]`, /deeper than 16/],
    ['[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]', /deeper than 16/],
    ['\ufeff{}', /not JSON/],
    ['{"a":', /not JSON/],
  ];
  for (const [text, why] of refused) assert.throws(() => R.parseCanonical(text), why, text);
  assert.throws(() => R.parseCanonical(new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d])), /not valid UTF-8/);
  assert.throws(() => R.parseCanonical(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), /not JSON/);
  assert.throws(() => R.canonicalJSON({ a: 0.5 }), /not an integer/);
});

test('strict base64 (SPEC §2.1)', () => {
  assert.deepEqual(R.b64decode('AAEC', 3), new Uint8Array([0, 1, 2]));
  for (const bad of ['AAE', 'AAF=', 'AAEC\n', 'A-EC', 'AA==AAAA', 'AAE\u00e9', 'QQ=', 'QR==', ' QQ==']) {
    assert.throws(() => R.b64decode(bad), R.VecheError, JSON.stringify(bad));
  }
  assert.throws(() => R.b64decode('AAEC', 4), /not base64 of 4 bytes/);
  for (let n = 0; n < 70; n++) {
    const b = sodium.randombytes_buf(n);
    const s = R.b64encode(b);
    assert.equal(s, sodium.to_base64(b, sodium.base64_variants.ORIGINAL));
    assert.deepEqual(R.b64decode(s, n), b);
  }
});
