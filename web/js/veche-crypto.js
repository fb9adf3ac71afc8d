// veche-crypto.js — the voting booth's cryptography (docs/SPEC.md chapters 1 and 3).
//
// Reads a voter's credential code, derives the credential key, checks an
// election's bundle and recomputes its fingerprint, builds ballots
// (exponential ElGamal under the election key, CDS range proofs, a Schnorr
// signature by the credential), verifies ballots, and makes and checks
// Benaloh audit documents — byte for byte as libveche does, so that a ballot
// made here verifies with the C verifier and the reverse.
//
// Built on libsodium-wrappers-sumo (ristretto255, SHA-512) only. Two libsodium
// caveats of SPEC §1.2 are handled here: point encodings with bit 255 set are
// refused before libsodium sees them, and scalar multiplications whose result
// is the identity (libsodium.js throws) give the identity.
//
// Timing: JavaScript cannot promise constant time (a JIT, a garbage collector,
// BigInt-free but still byte-array code). What this module does promise is
// that the work done never depends on the vote: every selection is encrypted
// and proved with the same sequence of operations whether it is 0 or 1, the
// real branch of a range proof is chosen by masks, and no step throws or
// returns early on the vote. Secrets are zeroed when discarded (wipe), as far
// as JavaScript allows: copies inside libsodium's heap and the engine's are
// beyond reach.
import * as R from './veche-record.js';

export { VecheError, contestShape } from './veche-record.js';
const { VecheError } = R;

let S = null;   // libsodium

export async function ready(sodiumModule) {
  S = await R.ready(sodiumModule);
  return S;
}

function lib() {
  if (S === null) throw new VecheError('libsodium is not loaded: await ready() first');
  return S;
}

// ---- constants -------------------------------------------------------------------

const NONE = 0xFFFFFFFF;
const L = R.fromHex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');
const G = R.fromHex('e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76');
const ZERO = new Uint8Array(32);
const ONE = scalarFromInt(1);
const PROTOCOL = R.utf8('veche-v1');
const NONCE_TAG = R.utf8('veche-v1/nonce');
const CREDENTIAL_TAG = R.utf8('veche-v1/credential');
const ELECTION_TAG = R.utf8('veche-v1/election');
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const CODE_SYMBOLS = 21;
const CODE_MAX_TYPED = 256;
const BRANCH = 128;
const SEL_PROOF = 2 * BRANCH;
const MAX_BRANCHES = 1024;

// ---- scalars and points (§1.2) --------------------------------------------------------

export function scalarFromInt(v) {
  const out = new Uint8Array(32);
  let x = BigInt(v);
  for (let i = 0; i < 8; i++) { out[i] = Number(x & 0xFFn); x >>= 8n; }
  return out;
}

// LE(b) < L, compared from byte 31 down.
export function scalarIsCanonical(b) {
  if (!(b instanceof Uint8Array) || b.length !== 32) return false;
  for (let i = 31; i >= 0; i--) {
    if (b[i] < L[i]) return true;
    if (b[i] > L[i]) return false;
  }
  return false;   // b = L
}

const isZero = (b) => { let d = 0; for (const x of b) d |= x; return d === 0; };

// A canonical point encoding (RFC 9496 decoding, bit 255 clear); the
// identity only if allowed.
export function pointIsValid(b, allowIdentity) {
  if (!(b instanceof Uint8Array) || b.length !== 32 || (b[31] & 0x80) !== 0) return false;
  if (isZero(b)) return allowIdentity;
  return lib().crypto_core_ristretto255_is_valid_point(b);
}

const sAdd = (a, b) => lib().crypto_core_ristretto255_scalar_add(a, b);
const sSub = (a, b) => lib().crypto_core_ristretto255_scalar_sub(a, b);
const sMul = (a, b) => lib().crypto_core_ristretto255_scalar_mul(a, b);
const sNeg = (a) => lib().crypto_core_ristretto255_scalar_negate(a);
const reduce64 = (b) => lib().crypto_core_ristretto255_scalar_reduce(b);
const pAdd = (p, q) => lib().crypto_core_ristretto255_add(p, q);
const pSub = (p, q) => lib().crypto_core_ristretto255_sub(p, q);

// s·G and s·P; libsodium refuses a result that is the identity, which is
// then the answer (inputs are checked points, so nothing else can fail).
function mulBase(s) {
  try { return lib().crypto_scalarmult_ristretto255_base(s); } catch { return new Uint8Array(32); }
}
function mul(s, P) {
  try { return lib().crypto_scalarmult_ristretto255(s, P); } catch { return new Uint8Array(32); }
}

// a if bit = 0, b if bit = 1, without a branch on bit.
function ctSelect(a, b, bit) {
  const mask = (-bit) & 0xff;
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ (mask & (a[i] ^ b[i]));
  return out;
}
// 1 if a === b (small non-negative integers), else 0, without a branch.
function ctEq(a, b) {
  const d = (a ^ b) >>> 0;
  return 1 ^ (((d | ((-d) >>> 0)) >>> 31) & 1);
}

export const hashToScalar = (bytes) => reduce64(R.sha512(bytes));

// ---- randomness (§1.4) -------------------------------------------------------------

// A source of random bytes: a function (n) → Uint8Array(n), one "request"
// per call. The system's CSPRNG unless a test passes the generator of §1.4:
// crypto.getRandomValues, which is what libsodium.js's randombytes_buf uses
// in a browser — called directly, because libsodium.js's own path costs
// about 0.7 ms a call in node, more than a scalar multiplication.
function systemRandom(n) {
  const c = globalThis.crypto;
  if (c && typeof c.getRandomValues === 'function') return c.getRandomValues(new Uint8Array(n));
  return lib().randombytes_buf(n);
}
const randomScalar = (rnd) => reduce64(rnd(64));
function nonZeroScalar(rnd) {
  for (;;) { const s = randomScalar(rnd); if (!isZero(s)) return s; }
}

// ---- transcripts (§1.5) ------------------------------------------------------------

function le32(v) { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); return b; }
function le64(v) { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(v), true); return b; }

export class Transcript {
  // ctx = {fingerprint: 32 bytes, party: 32 bytes, index: [i0, i1]}
  constructor(domain, ctx) {
    this.parts = [];
    this.field('protocol', PROTOCOL);
    this.field('domain', R.utf8(domain));
    this.field('fingerprint', ctx.fingerprint);
    this.field('party', ctx.party);
    this.field('index', R.concat(le32(ctx.index[0]), le32(ctx.index[1])));
  }
  field(label, value) {
    const l = R.utf8(label);
    this.parts.push(le32(l.length), l, le64(value.length), value);
    return this;
  }
  bytes() { return R.concat(...this.parts); }
  digest() { return R.sha512(this.bytes()); }
  challenge() { return reduce64(this.digest()); }
}

const context = (fingerprint, party, i0, i1) => ({ fingerprint, party, index: [i0, i1] });

// ---- ElGamal (§1.7) ---------------------------------------------------------------

// Enc(m; r) for m in {0, 1}: (r·G, m·G + r·K), the same work for 0 and 1.
export function encrypt01(K, m, r) {
  const mG = ctSelect(ZERO, G, m);
  return R.concat(mulBase(r), pAdd(mG, mul(r, K)));
}

// Enc(m; r) for a public m (the audit check): compared byte for byte.
export function encryptPublic(K, m, r) {
  return R.concat(mulBase(r), pAdd(mulBase(scalarFromInt(m)), mul(r, K)));
}

// ---- Schnorr proof of knowledge and signature (§1.8, §1.9) ------------------------------------

function hedgedNonce(x, rnd, D) {
  const h = rnd(32);
  const k = hashToScalar(R.concat(NONCE_TAG, x, h, D));
  h.fill(0);
  return k;
}

function schnorrProve(domain, fields, commitLabel, x, X, ctx, rnd) {
  const tr = new Transcript(domain, ctx).field('X', X);
  for (const [label, value] of fields) tr.field(label, value);
  const k = hedgedNonce(x, rnd, tr.digest());
  const A = mulBase(k);
  const c = tr.field(commitLabel, A).challenge();
  const s = sAdd(k, sMul(c, x));
  k.fill(0);
  return R.concat(A, s);
}

// null if the proof verifies, else the reason.
function schnorrVerify(domain, fields, commitLabel, proof, X, ctx) {
  if (proof.length !== 64) return 'not 64 bytes';
  const A = proof.subarray(0, 32);
  const s = proof.subarray(32);
  if (!pointIsValid(X, false)) return 'the public key is not a canonical point other than the identity';
  if (!pointIsValid(A, true) || !scalarIsCanonical(s)) return 'not a canonical encoding';
  const tr = new Transcript(domain, ctx).field('X', X);
  for (const [label, value] of fields) tr.field(label, value);
  const c = tr.field(commitLabel, A).challenge();
  return R.equalBytes(mulBase(s), pAdd(A, mul(c, X))) ? null : 'does not verify';
}

export const pokProve = (x, X, ctx, rnd = systemRandom) => schnorrProve('schnorr-pok', [], 'A', x, X, ctx, rnd);
export const pokVerify = (proof, X, ctx) => schnorrVerify('schnorr-pok', [], 'A', proof, X, ctx);
export const sign = (x, X, msg, ctx, rnd = systemRandom) => schnorrProve('schnorr-sig', [['message', msg]], 'R', x, X, ctx, rnd);
export const signVerify = (sig, X, msg, ctx) => schnorrVerify('schnorr-sig', [['message', msg]], 'R', sig, X, ctx);

// ---- range proofs (§1.11) -----------------------------------------------------------

function rangeTranscript(K, ct, lo, hi, ctx) {
  return new Transcript('range', ctx).field('K', K).field('ciphertext', ct).field('lo', le64(lo)).field('hi', le64(hi));
}

// Proves that ct = Enc(m; r) under K with lo <= m <= hi (the caller checked
// that it is). Every branch does the same work; the real one (j = m) is
// selected by masks. B_j = w_j·K - ((m - j)·e_j)·G is computed as
// w_j·K + (1 - (m - j)·e_j)·G - G so that no multiplication of the real
// branch (where (m - j)·e_j = 0) has the identity as its result.
export function rangeProve(K, ct, m, r, lo, hi, ctx, rnd = systemRandom) {
  const n = hi - lo + 1;
  const tr = rangeTranscript(K, ct, lo, hi, ctx);
  const proof = new Uint8Array(n * BRANCH);
  const ms = scalarFromInt(m);
  const u = [];
  const e = [];
  const real = [];
  let sum = new Uint8Array(32);
  for (let i = 0; i < n; i++) {
    real[i] = ctEq(m, lo + i);
    u[i] = randomScalar(rnd);
    e[i] = ctSelect(randomScalar(rnd), ZERO, real[i]);
    sum = sAdd(sum, e[i]);
    const mj = sSub(ms, scalarFromInt(lo + i));
    const w = sSub(u[i], sMul(r, e[i]));
    const y1 = sSub(ONE, sMul(mj, e[i]));
    const A = mulBase(w);
    const B = pSub(pAdd(mul(w, K), mulBase(y1)), G);
    proof.set(A, i * BRANCH);
    proof.set(B, i * BRANCH + 32);
    tr.field('A', A).field('B', B);
    w.fill(0); y1.fill(0); mj.fill(0);
  }
  const c = tr.challenge();
  const cr = sSub(c, sum);
  const t = sMul(cr, r);
  for (let i = 0; i < n; i++) {
    proof.set(ctSelect(e[i], cr, real[i]), i * BRANCH + 64);
    proof.set(sAdd(u[i], ctSelect(ZERO, t, real[i])), i * BRANCH + 96);
    u[i].fill(0); e[i].fill(0);
  }
  for (const b of [ms, sum, cr, t]) b.fill(0);
  real.fill(0);
  return proof;
}

// null if the proof verifies for ct (64 bytes), K, [lo, hi] and ctx, else the reason.
export function rangeVerify(proof, K, ct, lo, hi, ctx) {
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo < 0 || hi < lo || hi - lo >= MAX_BRANCHES) return 'bad range';
  const n = hi - lo + 1;
  if (proof.length !== n * BRANCH) return `not ${n * BRANCH} bytes`;
  if (!pointIsValid(K, false)) return 'the key is not a canonical point other than the identity';
  const a = ct.subarray(0, 32);
  const b = ct.subarray(32, 64);
  if (ct.length !== 64 || !pointIsValid(a, true) || !pointIsValid(b, true)) return 'the ciphertext is not two canonical points';
  const tr = rangeTranscript(K, ct, lo, hi, ctx);
  let total = new Uint8Array(32);
  for (let i = 0; i < n; i++) {
    const br = proof.subarray(i * BRANCH, (i + 1) * BRANCH);
    if (!pointIsValid(br.subarray(0, 32), true) || !pointIsValid(br.subarray(32, 64), true) ||
        !scalarIsCanonical(br.subarray(64, 96)) || !scalarIsCanonical(br.subarray(96, 128))) {
      return 'not a canonical encoding';
    }
    total = sAdd(total, br.subarray(64, 96));
    tr.field('A', br.subarray(0, 32)).field('B', br.subarray(32, 64));
  }
  if (!R.equalBytes(tr.challenge(), total)) return 'does not verify (the challenges do not add up)';
  for (let i = 0; i < n; i++) {
    const br = proof.subarray(i * BRANCH, (i + 1) * BRANCH);
    const cj = br.subarray(64, 96);
    const sj = br.subarray(96, 128);
    const bj = pSub(b, mulBase(scalarFromInt(lo + i)));
    if (!R.equalBytes(mulBase(sj), pAdd(br.subarray(0, 32), mul(cj, a))) ||
        !R.equalBytes(mul(sj, K), pAdd(br.subarray(32, 64), mul(cj, bj)))) {
      return 'does not verify';
    }
  }
  return null;
}

// ---- credentials (§3.6) ---------------------------------------------------------------

// Reads a typed code: '-' and ' ' dropped, a-z upper-cased, every other
// character refused by its position (1-based); 21 symbols with a valid check.
export function readCode(text) {
  if (typeof text !== 'string') throw new VecheError('credential code: must be text', 'code');
  if (text.length > CODE_MAX_TYPED) throw new VecheError('credential code: too long', 'code');
  let out = '';
  let sum = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '-' || ch === ' ') continue;
    const v = ALPHABET.indexOf(ch >= 'a' && ch <= 'z' ? ch.toUpperCase() : ch);
    if (v < 0) {
      throw new VecheError(`credential code: character ${i + 1} is not used in codes (they have no 0, 1, I, L or O)`, `code[${i + 1}]`);
    }
    if (out.length === CODE_SYMBOLS) throw new VecheError(`credential code: more than ${CODE_SYMBOLS} symbols`, 'code');
    out += ALPHABET[v];
    sum += out.length * v;
  }
  if (out.length < CODE_SYMBOLS) throw new VecheError(`credential code: ${out.length} symbols, a code has ${CODE_SYMBOLS}`, 'code');
  if (sum % 31 !== 0) {
    throw new VecheError('credential code: the check symbol does not match (a character is mistyped or two are swapped)', 'code');
  }
  return out;
}

// x = H_s("veche-v1/credential" || id || symbols), X = x·G.
export function deriveCredential(electionId, symbols21) {
  if (typeof electionId !== 'string' || !R.ELECTION_ID.test(electionId)) throw new VecheError('credential: not an election id', 'election');
  const symbols = readCode(symbols21);
  const sym = R.utf8(symbols);
  const x = hashToScalar(R.concat(CREDENTIAL_TAG, R.utf8(electionId), sym));
  sym.fill(0);
  if (isZero(x)) throw new VecheError('credential: this code gives the key 0; it is never issued', 'code');
  return { x, X: mulBase(x) };
}

// ---- the election (§3.3) -----------------------------------------------------------

function entryOf(text, type, what) {
  if (typeof text !== 'string') throw new VecheError(`${what}: must be the entry's text`, what);
  const e = R.decodeEntry(text, what);
  if (e.type !== type) throw new VecheError(`${what}: a ${type} entry expected, not ${e.type}`, what);
  return e;
}

function readKey(bundle, id, admin) {
  if (bundle.key === null || bundle.key === undefined) return null;
  const e = entryOf(bundle.key, 'election.key', 'bundle.key');
  if (!R.equalBytes(e.author, admin)) throw new VecheError('bundle.key: not signed by the administrator', 'bundle.key');
  if (e.body.election !== id) throw new VecheError(`bundle.key: for another election (${e.body.election})`, 'bundle.key');
  const K = R.b64decode(e.body.key, 32, 'bundle.key');
  if (!pointIsValid(K, false)) throw new VecheError('bundle.key: the joint key is not a canonical point other than the identity', 'bundle.key');
  return K;
}

function readCredentials(parts, id, authority) {
  if (!Array.isArray(parts)) throw new VecheError('bundle.credentials: must be an array', 'bundle.credentials');
  const keys = new Map();
  let prev = null;
  let total = 0;
  parts.forEach((text, k) => {
    const what = `bundle.credentials[${k}]`;
    const e = entryOf(text, 'election.credentials', what);
    if (!R.equalBytes(e.author, authority)) throw new VecheError(`${what}: not signed by the credential authority`, what);
    if (e.body.election !== id) throw new VecheError(`${what}: for another election`, what);
    if (e.body.part !== k || e.body.parts !== parts.length) {
      throw new VecheError(`${what}: says part ${e.body.part} of ${e.body.parts}; the bundle has ${parts.length} parts`, what);
    }
    e.body.credentials.forEach((c, i) => {
      const key = R.b64decode(c.key, 32, `${what}.credentials[${i}].key`);
      if (prev !== null && R.compareBytes(prev, key) >= 0) throw new VecheError(`${what}.credentials[${i}]: the keys are not sorted across parts`, what);
      if (!pointIsValid(key, false)) throw new VecheError(`${what}.credentials[${i}]: not a canonical point other than the identity`, what);
      prev = key;
      total += c.weight;
      keys.set(c.key, c.weight);
    });
  });
  if (total > R.MAX_TOTAL_WEIGHT) throw new VecheError(`bundle.credentials: the total weight ${total} exceeds ${R.MAX_TOTAL_WEIGHT}`, 'bundle.credentials');
  return { keys, total };
}

// The administrator's election.open, if the bundle carries it ("open":
// string|null), must publish the very fingerprint recomputed here: that
// binds the key and the roll the server handed out to what the
// administrator signed.
function checkOpen(text, id, admin, fingerprint) {
  if (text === null || text === undefined) return;
  const e = entryOf(text, 'election.open', 'bundle.open');
  if (!R.equalBytes(e.author, admin)) throw new VecheError('bundle.open: not signed by the administrator', 'bundle.open');
  if (e.body.election !== id) throw new VecheError(`bundle.open: for another election (${e.body.election})`, 'bundle.open');
  if (fingerprint === null || R.b64encode(fingerprint) !== e.body.fingerprint) {
    throw new VecheError('bundle.open: the fingerprint the administrator published is not the one of this manifest, key and credentials', 'bundle.open');
  }
}

// Checks GET /api/v1/elections/{id}/bundle and recomputes the fingerprint.
// K and fingerprint are null (ready: false) until the key and credentials
// are on the record.
export function electionFromBundle(bundle) {
  if (bundle === null || typeof bundle !== 'object') throw new VecheError('bundle: must be an object', 'bundle');
  const m = entryOf(bundle.manifest, 'election.manifest', 'bundle.manifest');
  const manifest = m.body;
  const id = manifest.election;
  const K = readKey(bundle, id, m.author);
  const creds = readCredentials(bundle.credentials ?? [], id,
    R.b64decode(manifest.credential_authority, 32, 'manifest.credential_authority'));
  const manifestHash = R.sha256(m.bytes);
  const credentialsHash = R.sha256(R.concat(...(bundle.credentials ?? []).map(R.utf8)));
  const ready = K !== null && creds.keys.size > 0;
  const fingerprint = ready ? R.sha256(R.concat(ELECTION_TAG, manifestHash, K, credentialsHash)) : null;
  checkOpen(bundle.open, id, m.author, fingerprint);
  return {
    id, manifest, K, fingerprint, ready,
    fingerprintB64: fingerprint ? R.b64encode(fingerprint) : null,
    credentialKeys: new Set(creds.keys.keys()),
    weights: creds.keys,
    totalWeight: creds.total,
    manifestHash, credentialsHash,
    administrator: R.b64encode(m.author),
    shapes: manifest.contests.map(R.contestShape),
  };
}

function needReady(election) {
  if (!election || !election.ready) throw new VecheError('the election has no joint key or no credentials yet', 'election');
}

// ---- building a ballot (§3.8) ---------------------------------------------------------

// Lets the page breathe between proofs (no 4 ms clamp where avoidable).
function breathe() {
  if (globalThis.scheduler && typeof globalThis.scheduler.yield === 'function') return globalThis.scheduler.yield();
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => { ch.port1.close(); resolve(); };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

// choices[c]: the chosen selection indices of contest c → marks[c][s] in {0,1}.
function marksOf(election, choices) {
  const cs = election.manifest.contests;
  if (!Array.isArray(choices) || choices.length !== cs.length) {
    throw new VecheError(`choices: one array per contest expected (${cs.length})`, 'choices');
  }
  return cs.map((ct, c) => {
    const shape = election.shapes[c];
    const marks = new Array(shape.nsel).fill(0);
    if (!Array.isArray(choices[c])) throw new VecheError(`choices[${c}]: must be an array of selection indices`, `choices[${c}]`);
    for (const s of choices[c]) {
      if (!Number.isInteger(s) || s < 0 || s >= shape.nsel) {
        throw new VecheError(`choices[${c}]: contest "${ct.id}" has no selection ${s}`, `choices[${c}]`);
      }
      if (marks[s]) throw new VecheError(`choices[${c}]: selection ${s} chosen twice`, `choices[${c}]`);
      marks[s] = 1;
    }
    const count = choices[c].length;
    if (count < ct.min || count > ct.max) {
      throw new VecheError(`choices[${c}]: contest "${ct.id}": ${count} selections chosen; between ${ct.min} and ${ct.max} allowed`, `choices[${c}]`);
    }
    return marks;
  });
}

// Encrypts and proves contest c; appends to body, nonces, plaintexts.
async function buildContest(st, c, marks) {
  const shape = st.election.shapes[c];
  const ciphertexts = [];
  const proofs = [];
  const nonces = [];
  const plain = [];
  let A = new Uint8Array(32);
  let B = new Uint8Array(32);
  let rsum = new Uint8Array(32);
  let msum = 0;
  for (let s = 0; s < shape.nexplicit; s++) {
    const r = randomScalar(st.rnd);
    const ct = encrypt01(st.K, marks[s], r);
    const ctx = context(st.fp, st.X, c, s);
    proofs.push(R.b64encode(rangeProve(st.K, ct, marks[s], r, 0, 1, ctx, st.rnd)));
    ciphertexts.push(R.b64encode(ct));
    A = pAdd(A, ct.subarray(0, 32));
    B = pAdd(B, ct.subarray(32));
    const old = rsum;
    rsum = sAdd(rsum, r);
    old.fill(0);
    msum += marks[s];
    nonces.push(r);
    plain.push(marks[s]);
    await st.step();
  }
  const contest = { ciphertexts, proofs };
  if (shape.sumProof) {
    const ctx = context(st.fp, st.X, c, NONE);
    contest.sum_proof = R.b64encode(rangeProve(st.K, R.concat(A, B), msum, rsum, shape.lo, shape.hi, ctx, st.rnd));
    await st.step();
  }
  rsum.fill(0);
  msum = 0;
  st.nonces.push(nonces);
  st.plaintexts.push(plain);
  return contest;
}

function totalSteps(election) {
  return election.shapes.reduce((n, s) => n + s.nexplicit + (s.sumProof ? 1 : 0), 0) + 1;
}

// Builds a ballot for `choices` (per contest, the chosen selection indices:
// options 0..n-1, blank = options.length) signed by cred = {x, X}.
// onProgress(done, total) is called after each proof. opts.random replaces
// the system's randomness — for known-answer tests only (SPEC §1.4).
// → {entry, trackingCode, secrets: {nonces, plaintexts}}; wipe() it when done.
export async function buildBallot(election, cred, choices, onProgress, opts = {}) {
  lib();
  needReady(election);
  const marks = marksOf(election, choices);
  if (!cred || !(cred.x instanceof Uint8Array) || !(cred.X instanceof Uint8Array) ||
      !scalarIsCanonical(cred.x) || isZero(cred.x) || !R.equalBytes(mulBase(cred.x), cred.X)) {
    throw new VecheError('credential: the secret key does not match the public credential', 'credential');
  }
  const total = totalSteps(election);
  let done = 0;
  const st = {
    election, K: election.K, fp: election.fingerprint, X: cred.X,
    rnd: opts.random ?? systemRandom, nonces: [], plaintexts: [],
    step: async () => {
      done++;
      if (onProgress) onProgress(done, total);
      await breathe();
    },
  };
  const contests = [];
  for (let c = 0; c < marks.length; c++) {
    contests.push(await buildContest(st, c, marks[c]));
    marks[c].fill(0);
  }
  const body = { contests, credential: R.b64encode(cred.X), election: election.id };
  const sig = sign(cred.x, cred.X, R.utf8(R.canonicalJSON(body)), context(st.fp, cred.X, NONE, NONE), st.rnd);
  body.signature = R.b64encode(sig);
  const entry = R.canonicalJSON({ body, type: 'election.ballot', v: 1 });
  const len = R.utf8(entry).length;
  if (len > R.ENTRY_MAX_BYTES) {
    throw new VecheError(`the ballot would be ${len} bytes, over the board's limit of ${R.ENTRY_MAX_BYTES}: the manifest has too many selections`, 'ballot');
  }
  if (onProgress) onProgress(total, total);
  return { entry, trackingCode: R.trackingCode(entry), election: election.id,
    secrets: { nonces: st.nonces, plaintexts: st.plaintexts } };
}

// Zeroes the nonces and plaintexts a built ballot holds; given a credential
// {x, X} instead, zeroes its secret key x. Call it once a ballot is cast or
// its audit shown, and when the voter leaves the booth.
export function wipe(built) {
  if (!built) return;
  if (built.secrets) {
    for (const row of built.secrets.nonces ?? []) for (const r of row) r.fill(0);
    for (const row of built.secrets.plaintexts ?? []) row.fill(0);
    built.secrets = null;
  }
  if (built.x instanceof Uint8Array) built.x.fill(0);
}

export function trackingCode(entryString) { return R.trackingCode(entryString); }

// ---- verifying a ballot (§3.8) ---------------------------------------------------------

const BODY_MEMBERS = ['contests', 'credential', 'election', 'signature'];

function exactly(obj, keys) {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return false;
  const have = Object.keys(obj);
  return have.length === keys.length && keys.every((k) => Object.prototype.hasOwnProperty.call(obj, k));
}

function fail(path, msg) { throw new VecheError(`${path}: ${msg}`, path); }

// Steps 1–3: the bytes, the envelope, the body's shape; decodes the base64.
function parseBallot(entryString, election) {
  if (typeof entryString !== 'string') fail('ballot', 'must be the entry\'s text');
  const len = R.utf8(entryString).length;
  if (len > R.ENTRY_MAX_BYTES) fail('ballot', `${len} bytes, the limit is ${R.ENTRY_MAX_BYTES}`);
  const { value } = R.parseCanonical(entryString, 'ballot');
  if (!exactly(value, ['body', 'type', 'v'])) fail('ballot', 'an entry with exactly "body", "type" and "v" (and no board signature) expected');
  if (value.type !== 'election.ballot') fail('type', '"election.ballot" expected');
  if (value.v !== 1) fail('v', 'must be 1');
  const body = value.body;
  if (!exactly(body, BODY_MEMBERS)) fail('body', 'exactly "contests", "credential", "election" and "signature" expected');
  if (body.election !== election.id) fail('body.election', `not this election ("${election.id}")`);
  const p = { body, credential: R.b64decode(body.credential, 32, 'body.credential'),
    signature: R.b64decode(body.signature, 64, 'body.signature'), contests: [] };
  const cs = body.contests;
  if (!Array.isArray(cs) || cs.length !== election.shapes.length) fail('body.contests', `must be an array of ${election.shapes.length}, one per contest`);
  cs.forEach((cj, c) => {
    const shape = election.shapes[c];
    const path = `body.contests[${c}]`;
    const id = election.manifest.contests[c].id;
    if (!exactly(cj, shape.sumProof ? ['ciphertexts', 'proofs', 'sum_proof'] : ['ciphertexts', 'proofs'])) {
      fail(path, `exactly "ciphertexts", "proofs"${shape.sumProof ? ' and "sum_proof"' : ' (no "sum_proof")'} expected for contest "${id}"`);
    }
    const n = shape.nexplicit;
    if (!Array.isArray(cj.ciphertexts) || cj.ciphertexts.length !== n || !Array.isArray(cj.proofs) || cj.proofs.length !== n) {
      fail(path, `"ciphertexts" and "proofs" must be arrays of ${n}, the explicit selections of contest "${id}"`);
    }
    const cts = [];
    const proofs = [];
    for (let s = 0; s < n; s++) {
      cts.push(R.b64decode(cj.ciphertexts[s], 64, `${path}.ciphertexts[${s}]`));
      proofs.push(R.b64decode(cj.proofs[s], SEL_PROOF, `${path}.proofs[${s}]`));
    }
    const sum = shape.sumProof ? R.b64decode(cj.sum_proof, BRANCH * (shape.hi - shape.lo + 1), `${path}.sum_proof`) : null;
    p.contests.push({ cts, proofs, sum });
  });
  return p;
}

// Steps 4–6; returns the decoded ballot.
function checkBallot(p, election) {
  p.contests.forEach((ct, c) => ct.cts.forEach((x, s) => {
    if (!pointIsValid(x.subarray(0, 32), true) || !pointIsValid(x.subarray(32), true)) {
      fail(`body.contests[${c}].ciphertexts[${s}]`, 'not two canonical point encodings');
    }
  }));
  const X = p.credential;
  if (!pointIsValid(X, false)) fail('body.credential', 'not a valid public key (a canonical, non-identity point)');
  const unsigned = { ...p.body };
  delete unsigned.signature;
  const why = signVerify(p.signature, X, R.utf8(R.canonicalJSON(unsigned)), context(election.fingerprint, X, NONE, NONE));
  if (why !== null) fail('body.signature', why === 'does not verify' ? 'does not verify for this credential and election' : why);
  p.contests.forEach((ct, c) => {
    const shape = election.shapes[c];
    let A = new Uint8Array(32);
    let B = new Uint8Array(32);
    ct.cts.forEach((x, s) => {
      const w = rangeVerify(ct.proofs[s], election.K, x, 0, 1, context(election.fingerprint, X, c, s));
      if (w !== null) fail(`body.contests[${c}].proofs[${s}]`, `the proof that the selection is 0 or 1 does not verify (${w})`);
      A = pAdd(A, x.subarray(0, 32));
      B = pAdd(B, x.subarray(32));
    });
    if (shape.sumProof) {
      const w = rangeVerify(ct.sum, election.K, R.concat(A, B), shape.lo, shape.hi, context(election.fingerprint, X, c, NONE));
      if (w !== null) fail(`body.contests[${c}].sum_proof`, `the proof that the number of selections is in [${shape.lo}, ${shape.hi}] does not verify (${w})`);
    }
  });
  return p;
}

// Full verification of a ballot entry for the election: true, or a
// VecheError whose field is the path of the first offending member.
export function verifyBallot(entryString, election) {
  lib();
  needReady(election);
  checkBallot(parseBallot(entryString, election), election);
  return true;
}

// ---- the Benaloh audit (§3.13) ---------------------------------------------------------

// The audit document of a built (not cast!) ballot: canonical JSON.
export function auditDocument(built) {
  if (!built || !built.secrets) throw new VecheError('audit: the ballot\'s secrets are gone (wiped or cast)', 'audit');
  const contests = built.secrets.nonces.map((row, c) => ({
    nonces: row.map(R.b64encode),
    plaintexts: built.secrets.plaintexts[c].slice(),
  }));
  // The entry is canonical, so splicing its text in keeps the document canonical.
  return '{"ballot":' + built.entry + ',"contests":' + R.canonicalJSON(contests) + '}';
}

function checkAuditContest(cj, ct, shape, contest, c, K) {
  const path = `contests[${c}]`;
  const n = shape.nexplicit;
  if (!exactly(cj, ['nonces', 'plaintexts']) || !Array.isArray(cj.nonces) || !Array.isArray(cj.plaintexts) ||
      cj.nonces.length !== n || cj.plaintexts.length !== n) {
    fail(path, `"nonces" and "plaintexts", arrays of ${n}, expected`);
  }
  const chosen = [];
  let count = 0;
  for (let s = 0; s < n; s++) {
    const m = cj.plaintexts[s];
    if (m !== 0 && m !== 1) fail(`${path}.plaintexts[${s}]`, '0 or 1 expected');
    const r = R.b64decode(cj.nonces[s], 32, `${path}.nonces[${s}]`);
    if (!scalarIsCanonical(r)) fail(`${path}.nonces[${s}]`, 'not a canonical scalar');
    if (!R.equalBytes(encryptPublic(K, m, r), ct.cts[s])) fail(path, `ciphertext ${s} is not the encryption of ${m} with the nonce given`);
    if (m === 1) chosen.push(s);
    count += m;
  }
  if (shape.implicit) {
    if (count > contest.max || contest.max - count > 1) fail(path, `the explicit selections add up to ${count}, which leaves no 0/1 implicit selection`);
    if (contest.max - count === 1) chosen.push(n);
    count = contest.max;
  }
  if (count < contest.min || count > contest.max) fail(path, `${count} selections; between ${contest.min} and ${contest.max} allowed`);
  return chosen;
}

// Checks an audit document for the election (ballot, proofs and signature
// included) → {choices: [[selection indices]], trackingCode}.
export function checkAudit(auditJson, election) {
  lib();
  needReady(election);
  const { value } = R.parseCanonical(auditJson, 'audit');
  if (!exactly(value, ['ballot', 'contests']) || value.ballot === null || typeof value.ballot !== 'object' ||
      Array.isArray(value.ballot) || !Array.isArray(value.contests)) {
    fail('audit', 'an object with exactly "ballot" (the entry) and "contests" (an array) expected');
  }
  const entry = R.canonicalJSON(value.ballot);
  let p;
  try {
    p = checkBallot(parseBallot(entry, election), election);
  } catch (e) {
    if (e instanceof VecheError) throw new VecheError(`ballot: ${e.message}`, `ballot.${e.field}`);
    throw e;
  }
  if (value.contests.length !== election.shapes.length) fail('contests', `${election.shapes.length} expected, one per contest`);
  const choices = value.contests.map((cj, c) =>
    checkAuditContest(cj, p.contests[c], election.shapes[c], election.manifest.contests[c], c, election.K));
  return { choices, trackingCode: R.trackingCode(entry) };
}
