// veche-record.js — the public record, checked in the browser (docs/SPEC.md chapter 2).
//
// What a voter's page needs to trust nothing but the board's verifier key:
//   - strict base64 (§2.1) and the canonical JSON profile (§2.2);
//   - entries (§2.3), with the shape of every known entry type (§2.4, §3.2),
//     the manifest included (§3.4), and their Ed25519 signatures;
//   - the RFC 9162 Merkle tree: leaf and node hashes, inclusion and
//     consistency proofs (§2.5);
//   - C2SP signed notes, verifier keys, checkpoints and cosignatures
//     (§2.6–§2.8);
//   - receipts, c2sp.org/tlog-proof files carrying the entry (§2.9).
//
// Plain ES module on libsodium-wrappers-sumo: SHA-256 and Ed25519 come from
// libsodium; base64 is decoded here, strictly, because libsodium's decoder is
// lax (§2.1). Every refusal is a VecheError whose message says what failed
// and where, and whose `field` names the member or line.

let S = null;   // the libsodium module, once ready

export class VecheError extends Error {
  constructor(message, field) {
    super(message);
    this.name = 'VecheError';
    this.field = field ?? null;
  }
}

// Loads libsodium (in a browser from ../vendor/, next to this module's
// directory; in node the caller passes the 'libsodium-wrappers-sumo' module).
export async function ready(sodiumModule) {
  if (S !== null && sodiumModule === undefined) return S;
  let mod = sodiumModule;
  if (mod === undefined) {
    const m = await import(new URL('../vendor/libsodium-wrappers.mjs', import.meta.url).href);
    mod = m.default ?? m;
  }
  await mod.ready;
  S = mod;
  return S;
}

export function sodium() {
  if (S === null) throw new VecheError('libsodium is not loaded: await ready() first');
  return S;
}

// ---- bytes ------------------------------------------------------------------------

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8(s) { return encoder.encode(s); }

// Bytes to a string, refusing invalid UTF-8 (a byte order mark is kept, so
// that JSON.parse refuses it).
export function fromUtf8(bytes, what = 'text') {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    throw new VecheError(`${what}: not valid UTF-8`, what);
  }
}

export function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

export function toHex(b) {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(h) {
  if (h.length % 2 !== 0 || !/^[0-9a-f]*$/.test(h)) throw new VecheError('not lowercase hex');
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// ---- base64 (RFC 4648 §4, canonical only) -----------------------------------------------

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE[B64.charCodeAt(i)] = i;

export function b64encode(bytes) {
  let s = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    s += B64[v >> 18] + B64[(v >> 12) & 63] + B64[(v >> 6) & 63] + B64[v & 63];
  }
  if (bytes.length - i === 1) {
    const v = bytes[i] << 16;
    s += B64[v >> 18] + B64[(v >> 12) & 63] + '==';
  } else if (bytes.length - i === 2) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    s += B64[v >> 18] + B64[(v >> 12) & 63] + B64[(v >> 6) & 63] + '=';
  }
  return s;
}

// Decodes canonical base64 (§2.1): padded, standard alphabet, no white space,
// zero padding bits — checked by re-encoding. `n` (optional) is the exact
// length expected. Throws a VecheError naming `what`.
export function b64decode(str, n, what = 'base64') {
  if (typeof str !== 'string') throw new VecheError(`${what}: must be a base64 string`, what);
  if (str.length % 4 !== 0) throw new VecheError(`${what}: not base64${n !== undefined ? ` of ${n} bytes` : ''}`, what);
  let pad = 0;
  if (str.endsWith('==')) pad = 2; else if (str.endsWith('=')) pad = 1;
  const out = new Uint8Array((str.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < str.length; i += 4) {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = str.charCodeAt(i + k);
      const last = i + 4 === str.length;
      let d;
      if (c === 61 /* = */ && last && k >= 4 - pad) d = 0;
      else d = c < 128 ? B64_VALUE[c] : -1;
      if (d < 0) throw new VecheError(`${what}: not base64${n !== undefined ? ` of ${n} bytes` : ''}`, what);
      v = (v << 6) | d;
    }
    if (o < out.length) out[o++] = (v >> 16) & 255;
    if (o < out.length) out[o++] = (v >> 8) & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  if (n !== undefined && out.length !== n) throw new VecheError(`${what}: not base64 of ${n} bytes`, what);
  if (b64encode(out) !== str) throw new VecheError(`${what}: non-canonical base64`, what);
  return out;
}

// ---- hashes -----------------------------------------------------------------------

export function sha256(bytes) { return sodium().crypto_hash_sha256(bytes); }
export function sha512(bytes) { return sodium().crypto_hash_sha512(bytes); }

// Ed25519 as libsodium decides (§2.1); never throws.
export function ed25519Verify(sig, msg, pk) {
  if (sig.length !== 64 || pk.length !== 32) return false;
  try {
    return sodium().crypto_sign_verify_detached(sig, msg, pk) === true;
  } catch {
    return false;
  }
}

// ---- canonical JSON (§2.2) ------------------------------------------------------------

const MAX_DEPTH = 16;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex
const BAD_CHAR = /[\u0000-\u0008\u000B-\u001F\u007F]/;
const KEY_OK = /^[\x20-\x7E]{1,64}$/;

function profileError(msg) { return new VecheError(`not canonical JSON: ${msg}`, 'json'); }

// Checks what re-serializing cannot catch: depth, safe integers, keys,
// strings without control characters or lone surrogates.
function checkProfile(v, depth) {
  if (depth > MAX_DEPTH) throw profileError(`nested deeper than ${MAX_DEPTH}`);
  if (typeof v === 'string') {
    if (BAD_CHAR.test(v)) throw profileError('a string holds a control character');
    if (LONE_SURROGATE.test(v)) throw profileError('a string holds a lone surrogate');
  } else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw profileError(`the number ${v} is not an integer of at most 2^53 - 1`);
  } else if (Array.isArray(v)) {
    for (const x of v) checkProfile(x, depth + 1);
  } else if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      if (!KEY_OK.test(k)) throw profileError(`the key ${JSON.stringify(k.slice(0, 64))} is not 1..64 printable ASCII characters`);
      checkProfile(v[k], depth + 1);
    }
  } else if (typeof v !== 'boolean' && v !== null) {
    throw profileError(`a ${typeof v} has no JSON form`);
  }
}

function serialize(v) {
  if (Array.isArray(v)) return '[' + v.map(serialize).join(',') + ']';
  if (v !== null && typeof v === 'object') {
    // Bytewise key order; never build a sorted object (integer-like keys come first).
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + serialize(v[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

// The canonical text of a value of the profile (throws if it is not one).
export function canonicalJSON(value) {
  checkProfile(value, 1);
  return serialize(value);
}

// Parses a canonical JSON text (a string, or bytes that must be UTF-8) and
// returns {value, text}. Refuses anything whose canonical form differs,
// naming the first differing position.
export function parseCanonical(input, what = 'json') {
  const text = typeof input === 'string' ? input : fromUtf8(input, what);
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new VecheError(`${what}: not JSON (${e.message})`, what);
  }
  try {
    checkProfile(value, 1);
  } catch (e) {
    throw new VecheError(`${what}: ${e.message}`, what);
  }
  const again = serialize(value);
  if (again !== text) {
    let i = 0;
    while (i < again.length && i < text.length && again[i] === text[i]) i++;
    const at = utf8(text.slice(0, i)).length;
    throw new VecheError(`${what}: not canonical JSON (first difference at byte ${at})`, what);
  }
  return { value, text };
}

// ---- shapes shared by entry types ------------------------------------------------------

export const ELECTION_ID = /^[a-z0-9-]{1,64}$/;
export const MAX_CONTESTS = 32;
export const MAX_OPTIONS = 64;
export const MAX_TRUSTEES = 64;
export const MAX_WEIGHT = 1000000;
export const MAX_TOTAL_WEIGHT = 1000000000;
export const MAX_JSON_INT = Number.MAX_SAFE_INTEGER;
export const ENTRY_MAX_BYTES = 1048576;

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v, lo, hi) => Number.isSafeInteger(v) && v >= lo && v <= hi;
const byteLength = (s) => utf8(s).length;

function fail(path, msg) { throw new VecheError(`${path}: ${msg}`, path); }

function onlyMembers(obj, keys, path) {
  for (const k of Object.keys(obj)) {
    if (!keys.includes(k)) fail(path, `unknown member ${JSON.stringify(k)}`);
  }
  for (const k of keys) {
    if (!(k in obj)) fail(path, `missing ${JSON.stringify(k)}`);
  }
}

function needString(obj, key, max, path, min = 1) {
  const v = obj[key];
  if (typeof v !== 'string') fail(`${path}.${key}`, 'must be a string');
  const n = byteLength(v);
  if (n < min || n > max) fail(`${path}.${key}`, `${n} bytes, must be ${min}..${max}`);
  return v;
}

function needInt(obj, key, lo, hi, path) {
  const v = obj[key];
  if (!Number.isSafeInteger(v)) fail(`${path}.${key}`, 'must be an integer');
  if (v < lo || v > hi) fail(`${path}.${key}`, `${v} is outside ${lo}..${hi}`);
  return v;
}

function needArray(obj, key, lo, hi, path) {
  const v = obj[key];
  if (!Array.isArray(v)) fail(`${path}.${key}`, 'must be an array');
  if (v.length < lo || v.length > hi) fail(`${path}.${key}`, `${v.length} elements, must be ${lo}..${hi}`);
  return v;
}

// The derived counts of a contest (§3.4).
export function contestShape(contest) {
  const nsel = contest.options.length + (contest.blank ? 1 : 0);
  const implicit = contest.min === contest.max;
  const nexplicit = implicit ? nsel - 1 : nsel;
  const lo = implicit ? contest.min - 1 : contest.min;
  const hi = implicit ? Math.min(contest.max, nexplicit) : contest.max;
  const sumProof = !(nexplicit === 1 && lo === 0 && hi === 1);
  return { nsel, nexplicit, implicit, lo, hi, sumProof };
}

function checkTrustees(m) {
  const ts = needArray(m, 'trustees', 1, MAX_TRUSTEES, 'manifest');
  const seen = new Map();
  ts.forEach((t, i) => {
    const p = `manifest.trustees[${i}]`;
    if (!isObject(t)) fail(p, 'must be an object');
    onlyMembers(t, ['key', 'name'], p);
    needString(t, 'name', 64, p);
    b64decode(t.key, 32, `${p}.key`);
    if (seen.has(t.key)) fail(`${p}.key`, `the same key as trustees[${seen.get(t.key)}]`);
    seen.set(t.key, i);
  });
  return ts.length;
}

function checkContest(ct, c) {
  const p = `manifest.contests[${c}]`;
  if (!isObject(ct)) fail(p, 'must be an object');
  onlyMembers(ct, ['blank', 'id', 'max', 'min', 'options', 'question'], p);
  needString(ct, 'id', 64, p);
  needString(ct, 'question', 1024, p);
  const opts = needArray(ct, 'options', 1, MAX_OPTIONS, p);
  opts.forEach((o, i) => {
    if (typeof o !== 'string') fail(`${p}.options[${i}]`, 'must be a string');
    const n = byteLength(o);
    if (n < 1 || n > 256) fail(`${p}.options[${i}]`, `${n} bytes, must be 1..256`);
    const j = opts.indexOf(o);
    if (j < i) fail(`${p}.options[${i}]`, `the same as options[${j}]`);
  });
  if (typeof ct.blank !== 'boolean') fail(`${p}.blank`, 'must be true or false');
  if (ct.blank && opts.includes('blank')) {
    fail(`${p}.options[${opts.indexOf('blank')}]`, '"blank" is the name of the blank selection in a contest with "blank": true');
  }
  needInt(ct, 'max', 1, opts.length, p);
  needInt(ct, 'min', 0, ct.max, p);
  if (contestShape(ct).nexplicit < 1) fail(p, 'one selection that must be chosen leaves nothing to choose');
}

// Validates a manifest body (§3.4); throws naming the first offending member.
export function checkManifest(m) {
  if (!isObject(m)) fail('manifest', 'must be a JSON object');
  onlyMembers(m, ['closes', 'contests', 'credential_authority', 'election', 'opens',
    'organisation', 'threshold', 'title', 'trustees'], 'manifest');
  if (typeof m.election !== 'string' || !ELECTION_ID.test(m.election)) {
    fail('manifest.election', 'the id must be 1..64 characters of a-z, 0-9 and -');
  }
  needString(m, 'title', 256, 'manifest');
  needString(m, 'organisation', 256, 'manifest');
  needInt(m, 'opens', 0, MAX_JSON_INT - 1, 'manifest');
  needInt(m, 'closes', 0, MAX_JSON_INT, 'manifest');
  if (m.closes <= m.opens) fail('manifest.closes', `${m.closes} is not after opens (${m.opens})`);
  b64decode(m.credential_authority, 32, 'manifest.credential_authority');
  const n = checkTrustees(m);
  needInt(m, 'threshold', 1, n, 'manifest');
  const cs = needArray(m, 'contests', 1, MAX_CONTESTS, 'manifest');
  cs.forEach(checkContest);
  cs.forEach((ct, c) => {
    const j = cs.findIndex((o) => o.id === ct.id);
    if (j < c) fail(`manifest.contests[${c}].id`, `${JSON.stringify(ct.id)} is also contests[${j}]'s`);
  });
  return m;
}

// Credentials part body (§3.6), as the board checks it.
export function checkCredentialsBody(b) {
  onlyMembers(b, ['credentials', 'election', 'part', 'parts'], 'body');
  if (typeof b.election !== 'string' || !ELECTION_ID.test(b.election)) fail('body.election', 'not an election id');
  needInt(b, 'parts', 1, 200000, 'body');
  needInt(b, 'part', 0, b.parts - 1, 'body');
  const list = needArray(b, 'credentials', 1, 5000, 'body');
  let prev = null;
  list.forEach((c, i) => {
    const p = `body.credentials[${i}]`;
    if (!isObject(c)) fail(p, 'must be an object');
    onlyMembers(c, ['key', 'weight'], p);
    const key = b64decode(c.key, 32, `${p}.key`);
    needInt(c, 'weight', 1, MAX_WEIGHT, p);
    if (prev !== null && compareBytes(prev, key) >= 0) fail(`${p}.key`, 'not after the previous key (keys are sorted and distinct)');
    prev = key;
  });
}

export function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

// The ballot body's shape without the manifest (§3.8, last paragraph).
export function checkBallotBody(b) {
  onlyMembers(b, ['contests', 'credential', 'election', 'signature'], 'body');
  if (typeof b.election !== 'string' || !ELECTION_ID.test(b.election)) fail('body.election', 'not an election id');
  b64decode(b.credential, 32, 'body.credential');
  b64decode(b.signature, 64, 'body.signature');
  const cs = needArray(b, 'contests', 1, MAX_CONTESTS, 'body');
  cs.forEach((ct, c) => {
    const p = `body.contests[${c}]`;
    if (!isObject(ct)) fail(p, 'must be an object');
    const keys = 'sum_proof' in ct ? ['ciphertexts', 'proofs', 'sum_proof'] : ['ciphertexts', 'proofs'];
    onlyMembers(ct, keys, p);
    const cts = needArray(ct, 'ciphertexts', 1, MAX_OPTIONS + 1, p);
    const prs = needArray(ct, 'proofs', 1, MAX_OPTIONS + 1, p);
    if (cts.length !== prs.length) fail(p, '"ciphertexts" and "proofs" must have one length');
    cts.forEach((x, s) => b64decode(x, 64, `${p}.ciphertexts[${s}]`));
    prs.forEach((x, s) => b64decode(x, 256, `${p}.proofs[${s}]`));
    if ('sum_proof' in ct && typeof ct.sum_proof !== 'string') fail(`${p}.sum_proof`, 'must be a base64 string');
  });
}

// Members of the simpler election bodies (election.c's shapes).
const ID = ['election', (v, p) => { if (typeof v !== 'string' || !ELECTION_ID.test(v)) fail(p, 'the id must be 1..64 characters of a-z, 0-9 and -'); }];
const TRUSTEE = ['trustee', (v, p) => { if (!isInt(v, 1, MAX_TRUSTEES)) fail(p, `must be an integer in 1..${MAX_TRUSTEES}`); }];
const b64n = (n) => (v, p) => b64decode(v, n, p);
const intIn = (lo, hi) => (v, p) => { if (!isInt(v, lo, hi)) fail(p, `must be an integer in ${lo}..${hi}`); };
function indexSet(v, p) {
  if (!Array.isArray(v) || v.length < 1 || v.length > MAX_TRUSTEES) fail(p, `must be an array of 1..${MAX_TRUSTEES}`);
  v.forEach((x, i) => {
    const lo = i === 0 ? 1 : v[i - 1] + 1;
    if (!isInt(x, lo, MAX_TRUSTEES)) fail(`${p}[${i}]`, `trustees are listed as integers 1..${MAX_TRUSTEES} in increasing order`);
  });
}
function matrix(cell) {
  return (v, p) => {
    if (!Array.isArray(v) || v.length < 1 || v.length > MAX_CONTESTS) fail(p, `must be an array of 1..${MAX_CONTESTS}`);
    v.forEach((row, c) => {
      if (!Array.isArray(row) || row.length < 1 || row.length > MAX_OPTIONS + 1) fail(`${p}[${c}]`, `must be an array of 1..${MAX_OPTIONS + 1}`);
      row.forEach((x, s) => cell(x, `${p}[${c}][${s}]`));
    });
  };
}
function commitments(v, p) {
  const n = b64decode(v, undefined, p).length;
  if (n < 98 || (n - 2) % 96 !== 0 || (n - 2) / 96 > MAX_TRUSTEES) fail(p, `must be canonical base64 of 2 + 96·t bytes, 1 <= t <= ${MAX_TRUSTEES}`);
}
function b64list(n, max) {
  return (v, p) => {
    if (!Array.isArray(v) || v.length > max) fail(p, `must be an array of 0..${max}`);
    v.forEach((x, i) => b64decode(x, n, `${p}[${i}]`));
  };
}
function shape(...members) {
  return (body) => {
    onlyMembers(body, members.map((m) => m[0]), 'body');
    for (const [k, check] of members) check(body[k], `body.${k}`);
  };
}
function strings(spec) {
  return (body) => {
    for (const k of Object.keys(body)) if (!(k in spec)) fail('body', `unknown member ${JSON.stringify(k)}`);
    for (const [k, [max, required]] of Object.entries(spec)) {
      if (!(k in body)) { if (required) fail('body', `missing ${JSON.stringify(k)}`); continue; }
      if (typeof body[k] !== 'string') fail(`body.${k}`, 'must be a string');
      const n = byteLength(body[k]);
      if (n > max) fail(`body.${k}`, `${n} bytes, at most ${max} allowed`);
    }
  };
}

// Every entry type a veche board knows: [signature required, body check].
export const ENTRY_TYPES = {
  'board.init': [true, strings({ origin: [128, true], vkey: [256, true] })],
  'statement': [true, strings({ text: [65536, true], title: [256, false] })],
  'election.manifest': [true, checkManifest],
  'trustee.key': [true, shape(ID, TRUSTEE, ['key', b64n(97)])],
  'trustee.commit': [true, shape(ID, TRUSTEE, ['hash', b64n(33)])],
  'trustee.commitments': [true, shape(ID, TRUSTEE, ['commitments', commitments])],
  'trustee.shares': [true, shape(ID, TRUSTEE, ['shares', b64list(50, MAX_TRUSTEES - 1)])],
  'trustee.complaint': [true, shape(ID, TRUSTEE, ['complaint', b64n(130)])],
  'election.key': [true, shape(ID, ['qualified', indexSet], ['key', b64n(32)])],
  'election.credentials': [true, checkCredentialsBody],
  'election.open': [true, shape(ID, ['fingerprint', b64n(32)])],
  'election.ballot': [false, checkBallotBody],
  'election.close': [true, shape(ID)],
  'election.tally': [true, shape(ID, ['ballots', intIn(0, MAX_JSON_INT)], ['weight', intIn(0, MAX_TOTAL_WEIGHT)], ['tally', matrix(b64n(64))])],
  'trustee.decryption': [true, shape(ID, TRUSTEE, ['shares', matrix(b64n(129))])],
  'election.result': [true, shape(ID, ['trustees', indexSet], ['counts', matrix(intIn(0, MAX_JSON_INT))])],
};

const TYPE_TAG = /^[a-z][a-z0-9.-]{0,63}$/;
const ENTRY_PREFIX = utf8('veche-v1/entry\n');

// Decodes an entry (§2.3), every check in order, the signature included.
// input: the entry's text or bytes. Returns {text, bytes, value, type, body,
// author (Uint8Array|null)}.
export function decodeEntry(input, what = 'entry') {
  const bytes = typeof input === 'string' ? utf8(input) : input;
  if (bytes.length > ENTRY_MAX_BYTES) throw new VecheError(`${what}: ${bytes.length} bytes, the limit is ${ENTRY_MAX_BYTES}`, what);
  const { value, text } = parseCanonical(typeof input === 'string' ? input : bytes, what);
  if (!isObject(value)) throw new VecheError(`${what}: must be a JSON object`, what);
  for (const k of Object.keys(value)) {
    if (!['v', 'type', 'body', 'author', 'sig'].includes(k)) throw new VecheError(`${what}: unknown member ${JSON.stringify(k)}`, what);
  }
  if (value.v !== 1) throw new VecheError(`${what}.v: must be 1`, `${what}.v`);
  if (typeof value.type !== 'string') throw new VecheError(`${what}.type: missing or not a string`, `${what}.type`);
  if (!isObject(value.body)) throw new VecheError(`${what}.body: missing or not an object`, `${what}.body`);
  if (('author' in value) !== ('sig' in value)) throw new VecheError(`${what}: "author" and "sig" go together`, what);
  if (!TYPE_TAG.test(value.type)) throw new VecheError(`${what}.type: ${JSON.stringify(value.type)} is not a valid type tag`, `${what}.type`);
  const known = ENTRY_TYPES[value.type];
  if (known === undefined) throw new VecheError(`${what}.type: unknown type ${JSON.stringify(value.type)}`, `${what}.type`);
  const signed = 'sig' in value;
  if (known[0] && !signed) throw new VecheError(`${what}: type ${JSON.stringify(value.type)} must be signed`, what);
  try {
    known[1](value.body);
  } catch (e) {
    if (e instanceof VecheError) throw new VecheError(`${what} (${value.type}): ${e.message}`, e.field);
    throw e;
  }
  let author = null;
  if (signed) {
    author = b64decode(value.author, 32, `${what}.author`);
    const sig = b64decode(value.sig, 64, `${what}.sig`);
    const unsigned = { ...value };
    delete unsigned.sig;
    const msg = concat(ENTRY_PREFIX, utf8(serialize(unsigned)));
    if (!ed25519Verify(sig, msg, author)) {
      throw new VecheError(`${what}.sig: signature does not verify for ${what}.author`, `${what}.sig`);
    }
  }
  return { text, bytes, value, type: value.type, body: value.body, author };
}

// ---- the Merkle tree (RFC 9162 §2.1, SPEC §2.5) --------------------------------------------

const MAX_PROOF = 64;

export function leafHash(bytes) { return sha256(concat(new Uint8Array([0]), bytes)); }
export function nodeHash(l, r) { return sha256(concat(new Uint8Array([1]), l, r)); }
export const EMPTY_ROOT_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// The tracking code of an entry: b64 of its leaf hash (§3.8).
export function trackingCode(entry) {
  return b64encode(leafHash(typeof entry === 'string' ? utf8(entry) : entry));
}

const big = (v) => BigInt(v);

// RFC 9162 §2.1.3.2. index and size: numbers or BigInts; proof: array of
// 32-byte hashes, leaf side first. Returns true or false.
export function verifyInclusion(leaf, index, size, proof, root) {
  let fn = big(index);
  let sn = big(size) - 1n;
  if (fn < 0n || fn > sn || proof.length > MAX_PROOF) return false;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalBytes(r, root);
}

// RFC 9162 §2.1.4.2 with the edge cases of SPEC §2.5.
export function verifyConsistency(m, oldRoot, n, root, proof) {
  m = big(m); n = big(n);
  if (m > n || proof.length > MAX_PROOF) return false;
  if (m === n) return proof.length === 0 && equalBytes(oldRoot, root);
  if (m === 0n) return proof.length === 0 && toHex(oldRoot) === EMPTY_ROOT_HEX;
  if (proof.length === 0) return false;
  const p = (m & (m - 1n)) === 0n ? [oldRoot, ...proof] : proof;
  let fn = m - 1n;
  let sn = n - 1n;
  while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = p[0];
  let sr = p[0];
  for (const c of p.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalBytes(fr, oldRoot) && equalBytes(sr, root);
}

// ---- signed notes, verifier keys, checkpoints (§2.6–§2.8) ------------------------------------

const DASH = '\u2014 ';
const NOTE_MAX = 65536;
// Unicode white space, controls (C0, DEL, C1) and '+': not in a key name.
// eslint-disable-next-line no-control-regex
const NAME_BAD = /[+\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/;

function validName(name) {
  return typeof name === 'string' && name.length > 0 && byteLength(name) <= 128 &&
    !NAME_BAD.test(name) && !LONE_SURROGATE.test(name);
}

export function keyId(name, type, pk) {
  return sha256(concat(utf8(name), utf8('\n'), new Uint8Array([type]), pk)).slice(0, 4);
}

// A decimal of §2.1: digits, no sign or leading zero, at most 2^64 - 1. → BigInt
function decimal(s, what) {
  if (!/^(0|[1-9][0-9]{0,19})$/.test(s) || BigInt(s) > 0xFFFFFFFFFFFFFFFFn) {
    throw new VecheError(`${what}: ${JSON.stringify(s.slice(0, 24))} is not a decimal of at most 2^64 - 1`, what);
  }
  return BigInt(s);
}

const asNumber = (b) => (b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b);

// Parses a verifier key "name+hex8+base64(type || key)" (§2.6).
export function parseVkey(text) {
  if (typeof text !== 'string') throw new VecheError('vkey: must be a string', 'vkey');
  const v = text.trim();
  const a = v.indexOf('+');
  const b = a < 0 ? -1 : v.indexOf('+', a + 1);
  if (a < 0 || b < 0) throw new VecheError('vkey: not of the form name+keyid+key', 'vkey');
  const name = v.slice(0, a);
  const hex = v.slice(a + 1, b);
  if (!validName(name)) throw new VecheError('vkey: the key name is not valid', 'vkey');
  if (!/^[0-9a-f]{8}$/.test(hex)) throw new VecheError('vkey: the key ID must be 8 lowercase hex digits', 'vkey');
  const raw = b64decode(v.slice(b + 1), 33, 'vkey');
  const type = raw[0];
  if (type !== 0x01 && type !== 0x04) throw new VecheError(`vkey: key type ${type} is neither 01 (note key) nor 04 (cosignature key)`, 'vkey');
  const pk = raw.slice(1);
  const id = keyId(name, type, pk);
  if (toHex(id) !== hex) throw new VecheError('vkey: the key ID does not match the name and key', 'vkey');
  return { name, id, type, key: pk, text: v };
}

// Splits a signed note (§2.6) into its text and signature lines, refusing
// anything malformed.
export function parseNote(note) {
  if (typeof note !== 'string') note = fromUtf8(note, 'note');
  if (byteLength(note) > NOTE_MAX) throw new VecheError(`note: more than ${NOTE_MAX} bytes`, 'note');
  const cut = note.lastIndexOf('\n\n');
  if (cut < 0) throw new VecheError('note: no blank line before the signatures', 'note');
  const text = note.slice(0, cut + 1);
  const block = note.slice(cut + 2);
  // eslint-disable-next-line no-control-regex
  if (text.length === 0 || /[\u0000-\u0009\u000B-\u001F]/.test(text) || LONE_SURROGATE.test(text)) {
    throw new VecheError('note: the text holds a control character', 'note');
  }
  if (block.length === 0 || !block.endsWith('\n')) throw new VecheError('note: no signature lines', 'note');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > 100) throw new VecheError('note: more than 100 signature lines', 'note');
  const sigs = lines.map((line, i) => {
    const what = `note: signature line ${i + 1}`;
    if (!line.startsWith(DASH)) throw new VecheError(`${what} does not start with "— "`, 'note');
    const rest = line.slice(DASH.length);
    const sp = rest.indexOf(' ');
    if (sp < 0) throw new VecheError(`${what} has no signature`, 'note');
    const name = rest.slice(0, sp);
    if (!validName(name)) throw new VecheError(`${what}: the key name is not valid`, 'note');
    const blob = b64decode(rest.slice(sp + 1), undefined, what);
    if (blob.length < 4) throw new VecheError(`${what}: shorter than a key ID`, 'note');
    return { name, id: blob.slice(0, 4), sig: blob.slice(4), line };
  });
  return { text, sigs };
}

// Parses a checkpoint's text (§2.7): origin, size, root, nothing more.
export function parseCheckpoint(text) {
  const lines = text.split('\n');
  if (lines.length !== 4 || lines[3] !== '') throw new VecheError('checkpoint: the text must be exactly three lines (origin, size, root)', 'checkpoint');
  const [origin, sizeText, rootText] = lines;
  const n = byteLength(origin);
  if (n < 1 || n > 128) throw new VecheError('checkpoint: the origin must be 1..128 bytes', 'checkpoint');
  const size = decimal(sizeText, 'checkpoint size');
  const root = b64decode(rootText, 32, 'checkpoint root');
  return { origin, size, root };
}

function verifyCosignature(s, text, key) {
  if (s.sig.length !== 72) return false;
  let t = 0n;
  for (let i = 0; i < 8; i++) t = (t << 8n) | BigInt(s.sig[i]);
  if (t > 0x7FFFFFFFFFFFFFFFn) return false;
  try { parseCheckpoint(text); } catch { return false; }
  const msg = utf8(`cosignature/v1\ntime ${t}\n${text}`);
  return ed25519Verify(s.sig.slice(8), msg, key);
}

// Verifies a parsed note against known keys (parsed vkeys): every line of a
// known key must verify; returns the set of key names (vkey texts) with a
// valid line. Throws if a known key's line is bad.
export function verifyNote(parsed, keys) {
  const good = new Set();
  for (const s of parsed.sigs) {
    const k = keys.find((key) => key.name === s.name && equalBytes(key.id, s.id));
    if (k === undefined) continue;
    const ok = k.type === 0x01
      ? s.sig.length === 64 && ed25519Verify(s.sig, utf8(parsed.text), k.key)
      : verifyCosignature(s, parsed.text, k.key);
    if (!ok) throw new VecheError(`note: the signature line by ${k.name} (key ${toHex(k.id)}) does not verify`, 'note');
    good.add(k.text);
  }
  return good;
}

// A checkpoint note signed by the board key `vkey` (parsed), with
// optional witnesses and quorum. → {origin, size (BigInt), root}
export function checkCheckpoint(note, vkey, witnesses = [], quorum = 0) {
  if (vkey.type !== 0x01) throw new VecheError('checkpoint: the board key must be a note key (type 01)', 'vkey');
  const parsed = parseNote(note);
  const cp = parseCheckpoint(parsed.text);
  const good = verifyNote(parsed, [vkey]);
  if (!good.has(vkey.text)) throw new VecheError(`checkpoint: not signed by the board key ${vkey.name}+${toHex(vkey.id)}`, 'checkpoint');
  if (cp.origin !== vkey.name) throw new VecheError(`checkpoint: its origin ${JSON.stringify(cp.origin)} is not the board's (${JSON.stringify(vkey.name)})`, 'checkpoint');
  if (quorum > 0 || witnesses.length > 0) {
    let count = 0;
    try {
      count = verifyNote(parsed, witnesses).size;
    } catch (e) {
      // A bad line by a given witness fails only if some witness has a good one (§2.9 step 3).
      let anyGood = false;
      for (const w of witnesses) {
        try { if (verifyNote({ text: parsed.text, sigs: parsed.sigs.filter((s) => s.name === w.name && equalBytes(s.id, w.id)) }, [w]).size) anyGood = true; } catch { /* bad line */ }
      }
      if (anyGood) throw e;
      count = 0;
    }
    if (count < quorum) throw new VecheError(`checkpoint: ${count} of the given witnesses cosigned it, ${quorum} needed`, 'checkpoint');
  }
  return cp;
}

// ---- receipts (§2.9) ---------------------------------------------------------------

const RECEIPT_MAX = 1471829;
const PROOF_HEADER = 'c2sp.org/tlog-proof@v1';

// Splits a receipt into its parts (step 1, layout).
export function parseReceipt(text) {
  if (typeof text !== 'string') text = fromUtf8(text, 'receipt');
  if (byteLength(text) > RECEIPT_MAX) throw new VecheError(`receipt: more than ${RECEIPT_MAX} bytes`, 'receipt');
  let at = 0;
  const line = (what) => {
    const nl = text.indexOf('\n', at);
    if (nl < 0) throw new VecheError(`receipt: ${what} missing`, 'receipt');
    const l = text.slice(at, nl);
    at = nl + 1;
    return l;
  };
  if (line('the first line') !== PROOF_HEADER) throw new VecheError(`receipt: the first line must be ${PROOF_HEADER}`, 'receipt');
  const extra = line('the extra line');
  if (!extra.startsWith('extra ')) throw new VecheError('receipt: the "extra" line (the entry) is missing', 'extra');
  const entry = b64decode(extra.slice(6), undefined, 'extra');
  const idx = line('the index line');
  if (!idx.startsWith('index ')) throw new VecheError('receipt: the "index" line is missing', 'index');
  const index = decimal(idx.slice(6), 'index');
  const proof = [];
  for (;;) {
    const l = line('the blank line before the checkpoint');
    if (l === '') break;
    if (proof.length === MAX_PROOF) throw new VecheError(`receipt: more than ${MAX_PROOF} proof hashes`, 'proof');
    proof.push(b64decode(l, 32, `proof[${proof.length}]`));
  }
  return { entry, index, proof, note: text.slice(at) };
}

// Checks a receipt offline (§2.9) against the board's verifier key (as
// GET /api/v1/info gives it). options: {witnesses: [vkey text], quorum}.
// → {index, size, entry (string), trackingCode, origin, type, root (b64)}
export function checkReceipt(receiptText, vkeyText, options = {}) {
  const vkey = parseVkey(vkeyText);
  const r = parseReceipt(receiptText);
  const witnesses = (options.witnesses ?? []).map(parseVkey);
  const cp = checkCheckpoint(r.note, vkey, witnesses, options.quorum ?? 0);
  const entry = decodeEntry(r.entry, 'entry');
  const leaf = leafHash(r.entry);
  if (r.index >= cp.size) throw new VecheError(`receipt: entry ${r.index} is not covered by the checkpoint of size ${cp.size}`, 'index');
  if (!verifyInclusion(leaf, r.index, cp.size, r.proof, cp.root)) {
    throw new VecheError(`receipt: the inclusion proof of entry ${r.index} does not lead to the checkpoint's root (size ${cp.size})`, 'proof');
  }
  return {
    index: asNumber(r.index), size: asNumber(cp.size), entry: entry.text, type: entry.type,
    trackingCode: b64encode(leaf), origin: cp.origin, root: b64encode(cp.root),
  };
}
