// veche-council.js — a council member's side of the record, in the browser
// (docs/SPEC.md chapter 5; /tmp/council-design.md was its contract).
//
// What the member area needs so that a member's secret never leaves their
// device: the standing credential from the code under the COUNCIL id (the
// "credential scope": x = H_s("veche-v1/credential" || council id || code)),
// the council's fingerprint recomputed from the council.create entry's own
// bytes (council_fp = SHA-256("veche-v1/council" || SHA-256(entry))), and
// the three entries a member signs with the credential — council.petition,
// council.signature and a member's council.publication. Each is an unsigned
// board entry whose body carries "credential" (X) and "signature": the
// Schnorr signature of SPEC §1.9 by x over the canonical JSON of the body
// without "signature", with context (council_fp, X, NONE, NONE) — exactly a
// ballot's signature (§3.8), so the C library verifies it byte for byte.
//
// Also: a publication body's hash and length (the body is kept beside the
// record, not on it) and the check that a fetched body is the one the record
// names; and Ed25519-signed entries for groupings (council.grouping and a
// grouping's council.publication, §2.3), which tools and tests use with a key
// file made by `veche keygen`.
import * as R from './veche-record.js';
import * as V from './veche-crypto.js';

export { VecheError } from './veche-record.js';
const { VecheError } = R;

export const LIMITS = { body: 65536, title: 256, text: 4096, name: 256, reason: 1024, members: 10000 };
export const KINDS = ['statement', 'platform', 'minutes', 'reply'];
export const COUNCIL_ID = /^[a-z0-9-]{1,64}$/;

const NONE = 0xFFFFFFFF;
const COUNCIL_TAG = 'veche-v1/council';
const ENTRY_PREFIX = 'veche-v1/entry\n';

export async function ready(sodiumModule) {
  return V.ready(sodiumModule);
}

const bytesOf = (s) => (typeof s === 'string' ? R.utf8(s) : s);
const byteLength = (s) => R.utf8(s).length;

function need(ok, field, msg) {
  if (!ok) throw new VecheError(`${field}: ${msg}`, field);
}

function checkString(v, field, lo, hi) {
  need(typeof v === 'string', field, 'must be text');
  const n = byteLength(v);
  need(n >= lo, field, lo === 1 ? 'must not be empty' : `at least ${lo} bytes`);
  need(n <= hi, field, `${n} bytes, at most ${hi} allowed`);
  // The record's canonical JSON has no control characters but tab and line feed.
  // eslint-disable-next-line no-control-regex
  need(!/[\u0000-\u0008\u000B-\u001F\u007F]/.test(v), field, 'holds a control character (only tabs and line breaks are allowed)');
}

function checkIndex(v, field) {
  need(Number.isSafeInteger(v) && v >= 0, field, 'must be an entry index (a whole number, 0 or more)');
}

function checkId(v, field) {
  need(typeof v === 'string' && COUNCIL_ID.test(v), field, 'must be 1 to 64 of a-z, 0-9 and -');
}

// Line breaks as the record keeps them (a textarea may hand over CR LF).
export function normalizeText(s) {
  return String(s).replace(/\r\n?/g, '\n');
}

// ---- the council's fingerprint -------------------------------------------------------

// council_hash = SHA-256(bytes of the council.create entry).
export function councilHash(createEntry) {
  return R.sha256(bytesOf(createEntry));
}

// council_fp = SHA-256("veche-v1/council" || council_hash).
export function councilFingerprint(createEntry) {
  return R.sha256(R.concat(R.utf8(COUNCIL_TAG), councilHash(createEntry)));
}

// Verifies an Ed25519-signed entry's signature (§2.3); returns the author.
function checkSigned(value, what) {
  need(typeof value.author === 'string' && typeof value.sig === 'string', what, 'must be signed (author and sig)');
  const author = R.b64decode(value.author, 32, `${what}.author`);
  const sig = R.b64decode(value.sig, 64, `${what}.sig`);
  const unsigned = { ...value };
  delete unsigned.sig;
  const msg = R.concat(R.utf8(ENTRY_PREFIX), R.utf8(R.canonicalJSON(unsigned)));
  need(R.ed25519Verify(sig, msg, author), `${what}.sig`, 'the signature does not verify for its author');
  return author;
}

// Reads the council.create entry (its text, as the record holds it): canonical,
// of that type, for that council, signed by its author. → {body, author, fp}.
export function readCreate(createEntry, councilId) {
  const { value } = R.parseCanonical(createEntry, 'create');
  need(value !== null && typeof value === 'object' && !Array.isArray(value), 'create', 'must be an entry object');
  need(value.v === 1, 'create.v', 'must be 1');
  need(value.type === 'council.create', 'create.type', `a council.create entry expected, not ${JSON.stringify(value.type)}`);
  need(value.body && typeof value.body === 'object' && value.body.council === councilId, 'create.body.council',
    `not this council ("${councilId}")`);
  const author = checkSigned(value, 'create');
  return { body: value.body, author, fp: councilFingerprint(createEntry) };
}

// Checks GET /councils/{id}/bundle: the create entry and the standing list.
// announced: the "fingerprint" of GET /councils/{id} (b64), compared with the
// one computed here. → {create, fp, fpB64, standing: Set of b64 keys}.
export function checkBundle(bundle, councilId, announced) {
  need(bundle && typeof bundle.create === 'string', 'bundle.create', 'the council.create entry is missing');
  need(Array.isArray(bundle.standing), 'bundle.standing', 'must be a list of keys');
  const create = readCreate(bundle.create, councilId);
  const fpB64 = R.b64encode(create.fp);
  if (announced !== undefined && announced !== null) {
    need(announced === fpB64, 'fingerprint', `computed here ${fpB64}, the server announces ${announced}`);
  }
  const standing = new Set();
  bundle.standing.forEach((k, i) => { R.b64decode(k, 32, `bundle.standing[${i}]`); standing.add(k); });
  return { create, fp: create.fp, fpB64, standing };
}

// ---- the standing credential ---------------------------------------------------------

// {x, X, Xb64} from a standing code under the council id. x is secret: wipe().
export function memberCredential(councilId, code) {
  checkId(councilId, 'council');
  const c = V.deriveCredential(councilId, code);
  return { x: c.x, X: c.X, Xb64: R.b64encode(c.X) };
}

export function wipe(cred) {
  if (cred?.x instanceof Uint8Array) cred.x.fill(0);
}

const ctx = (fp, X) => ({ fingerprint: fp, party: X, index: [NONE, NONE] });

// The entry for a body signed inside by the credential.
function credentialEntry(type, body, cred, fp, rnd) {
  need(fp instanceof Uint8Array && fp.length === 32, 'fingerprint', 'the council fingerprint (32 bytes) is needed');
  need(cred && cred.x instanceof Uint8Array && cred.X instanceof Uint8Array, 'credential', 'no credential');
  const b = { ...body, credential: R.b64encode(cred.X) };
  delete b.signature;
  const msg = R.utf8(R.canonicalJSON(b));
  const sig = rnd ? V.sign(cred.x, cred.X, msg, ctx(fp, cred.X), rnd) : V.sign(cred.x, cred.X, msg, ctx(fp, cred.X));
  b.signature = R.b64encode(sig);
  return R.canonicalJSON({ body: b, type, v: 1 });
}

// council.petition (kind "recall") against the mandate at entry `mandate`.
export function petitionEntry({ council, mandate, text }, cred, fp, rnd) {
  checkId(council, 'council');
  checkIndex(mandate, 'mandate');
  const t = normalizeText(text ?? '');
  checkString(t, 'text', 1, LIMITS.text);
  return credentialEntry('council.petition', { council, kind: 'recall', mandate, text: t }, cred, fp, rnd);
}

// council.signature of the petition at entry `petition`.
export function signatureEntry({ council, petition }, cred, fp, rnd) {
  checkId(council, 'council');
  checkIndex(petition, 'petition');
  return credentialEntry('council.signature', { council, petition }, cred, fp, rnd);
}

// ---- publications ------------------------------------------------------------------

// A body's bytes, SHA-256 and length; 1..65536 bytes of UTF-8.
export function bodyMeta(text) {
  need(typeof text === 'string', 'body', 'must be text');
  const bytes = R.utf8(text);
  need(bytes.length >= 1, 'body', 'must not be empty');
  need(bytes.length <= LIMITS.body, 'body', `${bytes.length} bytes, at most ${LIMITS.body} (64 KiB) allowed`);
  const hash = R.sha256(bytes);
  return { bytes, hash: R.b64encode(hash), hex: R.toHex(hash), length: bytes.length };
}

// A publication's hash as bytes: the record's base64, or the lower-case hex
// that names the body's file beside the record (the server lists it so).
export function hashBytes(h) {
  if (typeof h === 'string' && /^[0-9a-f]{64}$/.test(h)) return R.fromHex(h);
  return R.b64decode(h, 32, 'hash');
}

// The file name of a body beside the record: lower-case hex of its hash.
export function hashHex(h) {
  return R.toHex(hashBytes(h));
}

// Does `bytes` (a fetched body) hash to the record's hash (base64 or hex)?
export function bodyMatches(bytes, hash) {
  return R.equalBytes(R.sha256(bytesOf(bytes)), hashBytes(hash));
}

// The publication's body members other than the signer's. meta: {council,
// grouping?, kind, title, reply_to?, election?, option?}; the hash and
// length come from the body text.
function publicationBody(meta, bodyText) {
  checkId(meta.council, 'council');
  need(KINDS.includes(meta.kind), 'kind', `must be one of ${KINDS.join(', ')}`);
  checkString(meta.title, 'title', 1, LIMITS.title);
  const m = bodyMeta(bodyText);
  const b = { council: meta.council, hash: m.hash, kind: meta.kind, length: m.length, title: meta.title };
  if (meta.grouping !== undefined && meta.grouping !== null) { checkId(meta.grouping, 'grouping'); b.grouping = meta.grouping; }
  if (meta.kind === 'reply') { checkIndex(meta.reply_to, 'reply_to'); b.reply_to = meta.reply_to; }
  if (meta.kind === 'platform') {
    checkId(meta.election, 'election');
    checkString(meta.option, 'option', 1, LIMITS.name);
    b.election = meta.election;
    b.option = meta.option;
  }
  return b;
}

// A member's publication, signed inside by the credential. → {entry, body}.
export function memberPublicationEntry(meta, bodyText, cred, fp, rnd) {
  const body = normalizeText(bodyText);
  const b = publicationBody({ ...meta, grouping: null, title: normalizeText(meta.title ?? '') }, body);
  return { entry: credentialEntry('council.publication', b, cred, fp, rnd), body };
}

// ---- checking credential-signed entries ----------------------------------------------------

// null if the entry's credential signature verifies for the council
// fingerprint fp, else the reason.
export function credentialSignatureProblem(entry, fp) {
  let value;
  try { ({ value } = R.parseCanonical(entry, 'entry')); } catch (e) { return e.message; }
  const body = value?.body;
  if (!body || typeof body.credential !== 'string' || typeof body.signature !== 'string') return 'no credential signature';
  let X, sig;
  try {
    X = R.b64decode(body.credential, 32, 'body.credential');
    sig = R.b64decode(body.signature, 64, 'body.signature');
  } catch (e) { return e.message; }
  const unsigned = { ...body };
  delete unsigned.signature;
  return V.signVerify(sig, X, R.utf8(R.canonicalJSON(unsigned)), ctx(fp, X));
}

// ---- entries signed with an Ed25519 key (groupings, tools, tests) --------------------------

// A key file of §2.11 ("veche-ed25519-v1 NAME SEED\n") → {name, publicKey, privateKey}.
export function keyFromFile(text) {
  const m = /^veche-ed25519-v1 (\S+) ([A-Za-z0-9+/]{43}=)\n?$/.exec(text);
  need(m !== null, 'key', 'not a veche key file ("veche-ed25519-v1 NAME SEED")');
  const seed = R.b64decode(m[2], 32, 'key.seed');
  const kp = R.sodium().crypto_sign_seed_keypair(seed);
  seed.fill(0);
  return { name: m[1], publicKey: kp.publicKey, privateKey: kp.privateKey };
}

// An entry signed by key (§2.3): author = its public key, sig over
// "veche-v1/entry\n" || the canonical entry without "sig".
export function signedEntry(type, body, key) {
  const unsigned = { author: R.b64encode(key.publicKey), body, type, v: 1 };
  const msg = R.concat(R.utf8(ENTRY_PREFIX), R.utf8(R.canonicalJSON(unsigned)));
  const sig = R.sodium().crypto_sign_detached(msg, key.privateKey);
  return R.canonicalJSON({ ...unsigned, sig: R.b64encode(sig) });
}

const cmpBytes = (a, b) => R.compareBytes(R.utf8(a), R.utf8(b));

// council.grouping signed by the grouping's key: members sorted here.
export function groupingEntry({ council, grouping, name, members }, key) {
  checkId(council, 'council');
  checkId(grouping, 'grouping');
  checkString(name, 'name', 1, LIMITS.name);
  need(Array.isArray(members) && members.length <= LIMITS.members, 'members', `a list of at most ${LIMITS.members} member ids`);
  members.forEach((m, i) => checkId(m, `members[${i}]`));
  const sorted = [...members].sort(cmpBytes);
  sorted.forEach((m, i) => need(i === 0 || sorted[i - 1] !== m, 'members', `"${m}" is listed twice`));
  return signedEntry('council.grouping', { council, grouping, members: sorted, name }, key);
}

// A grouping's publication signed by its key. → {entry, body}.
export function groupingPublicationEntry(meta, bodyText, key) {
  need(typeof meta.grouping === 'string', 'grouping', 'a grouping\'s publication names its grouping');
  const body = normalizeText(bodyText);
  return { entry: signedEntry('council.publication', publicationBody(meta, body), key), body };
}

// What POST /councils/{id}/entries takes.
export function doorRequest(entry, body = null) {
  return JSON.stringify({ body, entry });
}
