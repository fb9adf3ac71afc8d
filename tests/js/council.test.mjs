// tests/js/council.test.mjs — web/js/markdown.js and web/js/veche-council.js.
//
// markdown.js: the subset renders to the right tree and DOM, and hostile
// text stays inert — raw HTML is text, no href but http(s)/mailto is ever
// set (javascript:, data:, vbscript:, obfuscated schemes, relative and
// protocol-relative URLs, entity tricks), no attribute but href/rel/start/
// class is ever set, and pathological inputs of 64 KiB parse in linear time.
// The DOM is built with a stand-in document that records every element and
// attribute made, so nothing can be created that the test does not see.
//
// veche-council.js: the council fingerprint from the create entry's bytes;
// the standing credential under the council id; petitions, signatures and
// member publications whose credential signature verifies for exactly that
// council and nothing else (tampering with any member, another council's
// fingerprint, another credential — refused); Ed25519 entries from a
// `veche keygen` key file. Then against a real `veche serve` (VECHE_BIN):
// the server's council (create, admit members) hands out codes whose keys
// this module derives and finds in the bundle, computes the same
// fingerprint, and its door POST /councils/{id}/entries ACCEPTS what this
// module signs — a petition, signatures, a member's publication with its body,
// a grouping and its publication — and refuses a forged signature and a
// second signature by the same member.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sodium from 'libsodium-wrappers-sumo';
import { parseMarkdown, renderMarkdown, safeHref, LINK_REL } from '../../web/js/markdown.js';
import * as C from '../../web/js/veche-council.js';
import * as R from '../../web/js/veche-record.js';
import * as V from '../../web/js/veche-crypto.js';
import { startServer, api, login, veche } from '../api/lib/server.mjs';

await C.ready(sodium);

// ---- a stand-in document ---------------------------------------------------------------

function fakeDocument() {
  const made = [];
  const node = (kind, tag) => {
    const n = { kind, tag, attrs: {}, children: [], text: '' };
    n.appendChild = (c) => { n.children.push(c); return c; };
    n.setAttribute = (k, v) => { n.attrs[k] = String(v); };
    return n;
  };
  return {
    made,
    createElement(tag) { const n = node('element', tag.toLowerCase()); made.push(n); return n; },
    createTextNode(t) { const n = node('text', '#text'); n.text = String(t); return n; },
    createDocumentFragment() { return node('fragment', '#fragment'); },
  };
}

const textOf = (n) => (n.kind === 'text' ? n.text : n.children.map(textOf).join(''));
const ALLOWED_TAGS = new Set(['p', 'h3', 'h4', 'h5', 'h6', 'em', 'strong', 'code', 'pre', 'ul', 'ol', 'li',
  'blockquote', 'a', 'hr', 'br', 'span']);
const ALLOWED_ATTRS = new Set(['href', 'rel', 'start', 'class']);

// Renders and checks the invariants every input must keep; returns the DOM.
function renderSafe(md) {
  const doc = fakeDocument();
  const frag = renderMarkdown(md, doc);
  for (const e of doc.made) {
    assert.ok(ALLOWED_TAGS.has(e.tag), `element <${e.tag}> made for ${JSON.stringify(md.slice(0, 60))}`);
    for (const [k, v] of Object.entries(e.attrs)) {
      assert.ok(ALLOWED_ATTRS.has(k), `attribute ${k} set`);
      if (k === 'href') {
        assert.equal(e.tag, 'a');
        assert.match(v, /^(https?:\/\/[^/]|mailto:)/, `href ${v}`);
        assert.equal(e.attrs.rel, LINK_REL);
      }
      if (k === 'class') assert.equal(v, 'md-unsafe-link');
      if (k === 'start') assert.match(v, /^\d+$/);
    }
  }
  return { frag, doc };
}

const links = (doc) => doc.made.filter((e) => e.tag === 'a').map((a) => a.attrs.href);

// ---- markdown ---------------------------------------------------------------------------

test('markdown: the subset', () => {
  const { frag, doc } = renderSafe([
    '# Our platform', '', 'We **will** keep the *books* open, see `ledger.csv`', 'and [the minutes](https://example.org/m?a=1&b=2).',
    '', '## Points', '', '- one', '- two', '  - two and a half', '', '3. third', '4. fourth', '',
    '> quoted', '> text', '', '```', '<b>not bold</b>', '```', '', '***', 'line  ', 'break \\*not em\\*',
    'mail <info@example.org> or https://example.org/x.', '###### deep', '',
  ].join('\n'));
  const tags = frag.children.map((n) => n.tag);
  assert.deepEqual(tags, ['h3', 'p', 'h4', 'ul', 'ol', 'blockquote', 'pre', 'hr', 'p', 'h6']);
  const p = frag.children[1];
  assert.equal(textOf(p), 'We will keep the books open, see ledger.csv\nand the minutes.');
  assert.deepEqual(p.children.filter((c) => c.kind === 'element').map((c) => c.tag), ['strong', 'em', 'code', 'a']);
  assert.deepEqual(links(doc), ['https://example.org/m?a=1&b=2', 'mailto:info@example.org', 'https://example.org/x']);
  const ul = frag.children[3];
  assert.equal(ul.children.length, 2);
  assert.equal(ul.children[1].children[1].tag, 'ul', 'a nested list inside the second item');
  assert.equal(frag.children[4].attrs.start, '3');
  assert.equal(textOf(frag.children[6]), '<b>not bold</b>', 'code keeps its text as text');
  assert.equal(frag.children[8].children.filter((c) => c.tag === 'br').length, 1);
  assert.ok(textOf(frag.children[8]).includes('break *not em*'), 'escapes');
});

test('markdown: hostile input stays inert', () => {
  const hostile = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
    '[x](javascript:alert(1))',
    '[x](JavaScript:alert(1))',
    '[x](  javascript:alert(1) )',
    '[x](<javascript:alert(1)>)',
    '[x](java&#115;cript:alert(1))',
    '[x](&#106;avascript:alert(1))',
    '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '[x](vbscript:msgbox(1))',
    '[x](file:///etc/passwd)',
    '[x](//evil.example/)',
    '[x](/relative/path)',
    '[x](#frag)',
    '<javascript:alert(1)>',
    '<data:text/html,hi>',
    '![pic](javascript:alert(1))',
    '[x](https://ok.example/"onmouseover="alert(1))',
    '[**x**](javascript:alert(1) "title")',
    'javascript:alert(1)',
    '[x]( javascript:alert(1))',
    '[a](https://ok.example/)<script>1</script>',
    '\u0000<script>\u0000',
  ];
  for (const md of hostile) {
    const { frag, doc } = renderSafe(md);
    for (const h of links(doc)) assert.doesNotMatch(h, /^(javascript|data|vbscript|file):/i);
    if (md.includes('<script>') || md.includes('<img')) assert.ok(textOf(frag).includes(md.includes('<img') ? '<img' : '<script>'), 'raw HTML is shown as text');
  }
  assert.deepEqual(links(renderSafe('[x](https://ok.example/"onmouseover="alert(1))').doc),
    ['https://ok.example/%22onmouseover=%22alert(1)'], 'quotes are part of the URL, percent-encoded');
  const unsafe = renderSafe('[click](javascript:alert(1))').doc.made.filter((e) => e.attrs.class === 'md-unsafe-link');
  assert.equal(unsafe.length, 1, 'an unsafe link is marked and shown as text');
  for (const u of ['javascript:x', 'JAVASCRIPT:x', 'java\tscript:x', 'java\nscript:x', ' javascript:x', 'data:x',
    '//x.example', '/x', '', 'mailto:', 'ftp://x.example/']) {
    assert.equal(safeHref(u), u === 'mailto:' ? 'mailto:' : null, `safeHref(${JSON.stringify(u)})`);
  }
  assert.equal(safeHref('HTTPS://Example.ORG/a b'), null, 'a space is never part of an address');
  assert.equal(safeHref('HTTPS://Example.ORG/a'), 'https://example.org/a');
});

test('markdown: 64 KiB of pathological input in linear time', () => {
  const n = 65536;
  const inputs = ['*'.repeat(n), '_'.repeat(n), '['.repeat(n), '`'.repeat(n), '<'.repeat(n), '> '.repeat(n / 2),
    '- '.repeat(n / 2), '1. '.repeat(n / 3), '**a '.repeat(n / 4), '[a]('.repeat(n / 4), ('*a **b _c `d ').repeat(n / 12),
    `**a ${'['.repeat(n - 10)} b**`, `${' '.repeat(40)}- x\n`.repeat(n / 44), 'http://'.repeat(n / 7), '\\'.repeat(n),
    `${'['.repeat(n / 2)}${']'.repeat(n / 2)}`, '```\n'.repeat(n / 4), '#'.repeat(n), `${'>'.repeat(n / 2)} x`];
  for (const md of inputs) {
    const t = process.hrtime.bigint();
    const tree = parseMarkdown(md);
    renderSafe(md);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    assert.ok(Array.isArray(tree));
    assert.ok(ms < 1500, `${JSON.stringify(md.slice(0, 12))}…: ${ms.toFixed(0)} ms`);
  }
});

test('markdown: nesting is cut at a fixed depth, text is kept', () => {
  const deep = `${'> '.repeat(200)}bottom`;
  const { frag } = renderSafe(deep);
  let d = 0;
  for (let n = frag.children[0]; n && n.tag === 'blockquote'; n = n.children[0]) d++;
  assert.ok(d >= 5 && d <= 12, `quotes nested ${d} deep`);
  assert.ok(textOf(frag).includes('bottom'));
  const em = renderSafe(`${'*a '.repeat(100)}x${' b*'.repeat(100)}`);
  assert.ok(textOf(em.frag).includes('x'));
});

// ---- veche-council: offline ---------------------------------------------------------------

const sha256 = (b) => createHash('sha256').update(b).digest();
// A deterministic source of random bytes, so a test run is repeatable.
function rng(seed) {
  let i = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let o = 0, k = 0; o < n; k++, o += 32) out.set(sha256(`${seed}:${i}:${k}`).subarray(0, Math.min(32, n - o)), o);
    i++;
    return out;
  };
}

function localCouncil() {
  const key = C.keyFromFile(`veche-ed25519-v1 admin ${Buffer.alloc(32, 7).toString('base64')}\n`);
  const body = { council: 'works-council', exclusion_vote: false, name: 'Works council', recall: { majority: 501, threshold: 200 },
    credential_authority: R.b64encode(new Uint8Array(32).fill(1)), roll_keeper: R.b64encode(new Uint8Array(32).fill(2)),
    seats: 3, term: 86400 * 365, threshold: 1, trustees: [{ key: R.b64encode(new Uint8Array(32).fill(3)), name: 'T' }] };
  return { key, create: C.signedEntry('council.create', body, key) };
}

const CODE = '23456789ABCDEFGHJKMNP';   // not valid: the check symbol is computed below
function validCode(seed) {
  const A = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
  const h = sha256(seed);
  const sym = Array.from({ length: 20 }, (_, i) => A[h[i] % 31]);
  let sum = 0;
  sym.forEach((c, i) => { sum += (i + 1) * A.indexOf(c); });
  for (let v = 0; v < 31; v++) if ((sum + 21 * v) % 31 === 0) return sym.join('') + A[v];
  throw new Error('no check symbol');
}

test('council: fingerprint, bundle and credential scope', () => {
  const { create, key } = localCouncil();
  const fp = C.councilFingerprint(create);
  const want = sha256(Buffer.concat([Buffer.from('veche-v1/council'), sha256(Buffer.from(create))]));
  assert.deepEqual(Buffer.from(fp), want);
  const got = C.readCreate(create, 'works-council');
  assert.deepEqual(got.author, key.publicKey);
  assert.throws(() => C.readCreate(create, 'other'), /not this council/);
  assert.throws(() => C.readCreate(create.replace('Works council', 'Works councik'), 'works-council'), /does not verify/);
  assert.throws(() => C.readCreate(create.replace('{"author"', '{ "author"'), 'works-council'), /canonical/);
  const code = validCode('m1');
  const cred = C.memberCredential('works-council', code);
  assert.deepEqual(cred.X, V.deriveCredential('works-council', code).X, 'the §3.6 formula with the council id');
  assert.notDeepEqual(cred.X, V.deriveCredential('works-election', code).X, 'another scope, another key');
  const b = C.checkBundle({ create, standing: [cred.Xb64] }, 'works-council', R.b64encode(fp));
  assert.ok(b.standing.has(cred.Xb64));
  assert.throws(() => C.checkBundle({ create, standing: [] }, 'works-council', R.b64encode(new Uint8Array(32))), /fingerprint/);
  assert.throws(() => C.memberCredential('works-council', CODE), /check symbol/);
  C.wipe(cred);
  assert.ok(cred.x.every((v) => v === 0));
});

test('council: credential signatures bind the body, the credential and the council', () => {
  const { create } = localCouncil();
  const fp = C.councilFingerprint(create);
  const other = sha256('another council');
  const cred = C.memberCredential('works-council', validCode('m2'));
  const pet = C.petitionEntry({ council: 'works-council', mandate: 12, text: 'Recall\r\nnow' }, cred, fp, rng('p'));
  const v = JSON.parse(pet);
  assert.deepEqual(Object.keys(v), ['body', 'type', 'v']);
  assert.deepEqual(Object.keys(v.body), ['council', 'credential', 'kind', 'mandate', 'signature', 'text']);
  assert.equal(v.body.text, 'Recall\nnow', 'CR LF kept as LF');
  assert.equal(C.credentialSignatureProblem(pet, fp), null);
  assert.equal(C.credentialSignatureProblem(pet, other), 'does not verify');
  assert.equal(C.credentialSignatureProblem(pet.replace('"mandate":12', '"mandate":13'), fp), 'does not verify');
  const X2 = C.memberCredential('works-council', validCode('m3')).Xb64;
  assert.equal(C.credentialSignatureProblem(pet.replace(v.body.credential, X2), fp), 'does not verify');
  const sig = C.signatureEntry({ council: 'works-council', petition: 40 }, cred, fp);
  assert.equal(C.credentialSignatureProblem(sig, fp), null);
  assert.deepEqual(Object.keys(JSON.parse(sig).body), ['council', 'credential', 'petition', 'signature']);
  const pub = C.memberPublicationEntry({ council: 'works-council', kind: 'reply', title: 'Re: budget', reply_to: 7 }, 'Yes.\n', cred, fp);
  const pb = JSON.parse(pub.entry).body;
  assert.deepEqual(Object.keys(pb), ['council', 'credential', 'hash', 'kind', 'length', 'reply_to', 'signature', 'title']);
  assert.equal(pb.hash, sha256('Yes.\n').toString('base64'));
  assert.equal(pb.length, 5);
  assert.ok(C.bodyMatches(R.utf8('Yes.\n'), pb.hash));
  assert.ok(!C.bodyMatches(R.utf8('Yes!\n'), pb.hash));
  assert.equal(C.credentialSignatureProblem(pub.entry, fp), null);
  // What the builders refuse, by field.
  assert.throws(() => C.petitionEntry({ council: 'works-council', mandate: -1, text: 'x' }, cred, fp), /mandate/);
  assert.throws(() => C.petitionEntry({ council: 'works-council', mandate: 1, text: '' }, cred, fp), /text: must not be empty/);
  assert.throws(() => C.petitionEntry({ council: 'works-council', mandate: 1, text: 'é'.repeat(2049) }, cred, fp), /text: 4098 bytes/);
  assert.throws(() => C.memberPublicationEntry({ council: 'works-council', kind: 'statement', title: 't' }, 'x'.repeat(65537), cred, fp), /65537 bytes, at most 65536/);
  assert.throws(() => C.memberPublicationEntry({ council: 'works-council', kind: 'rant', title: 't' }, 'x', cred, fp), /kind/);
  assert.throws(() => C.memberPublicationEntry({ council: 'works-council', kind: 'statement', title: 'a\u0001' }, 'x', cred, fp), /control character/);
  assert.ok(C.memberPublicationEntry({ council: 'works-council', kind: 'statement', title: 't' }, 'x'.repeat(65536), cred, fp));
});

// Made by libveche (veche_council_petition_entry / _signature_entry) for
// localCouncil()'s create entry and the code below: the C library's
// credential signatures verify here, under the key derived here.
const C_CODE = 'YRP7YMX7HXUCPDFGP9BZ7';
const C_MADE = [
  '{"body":{"council":"works-council","credential":"Fk1VMUun9c/fA9lRBTTTkcMrCUqpjkcdWhrZQi0UDUU=","kind":"recall","mandate":7,"signature":"1Acknnop9sjnTSBue8k2v7OF63rl0qVwH9gw+wCjkCIYlAGTboMVgMEz+JwklZcxqiZLrof2zDi9aomLeKKJDQ==","text":"C says recall"},"type":"council.petition","v":1}',
  '{"body":{"council":"works-council","credential":"Fk1VMUun9c/fA9lRBTTTkcMrCUqpjkcdWhrZQi0UDUU=","petition":9,"signature":"MCAVVTWMEiWgDIQhcbP9L5gHJvEH+5NJz1ZkQ0nJWyZyCk96vf3rjpeOqvYYoLbebZA8zglpgJpFxrNXddsUDg=="},"type":"council.signature","v":1}',
];

test('council: entries signed by libveche verify here, under the same credential', () => {
  const { create } = localCouncil();
  const fp = C.councilFingerprint(create);
  const X = C.memberCredential('works-council', C_CODE).Xb64;
  for (const e of C_MADE) {
    assert.equal(JSON.parse(e).body.credential, X, 'the same X from the same code and council');
    assert.equal(C.credentialSignatureProblem(e, fp), null);
    assert.equal(C.credentialSignatureProblem(e.replace('"council":"works-council"', '"council":"works-councim"'), fp), 'does not verify');
  }
});

test('council: Ed25519 entries from a veche keygen key file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veche-cjs-'));
  try {
    veche(['keygen', '--name', 'greens', '--out', join(dir, 'g.key')]);
    const key = C.keyFromFile(readFileSync(join(dir, 'g.key'), 'utf8'));
    assert.equal(key.name, 'greens');
    const g = C.groupingEntry({ council: 'works-council', grouping: 'greens', name: 'The Greens', members: ['m-9', 'm-10', 'm-1'] }, key);
    const d = JSON.parse(g);
    assert.deepEqual(d.body.members, ['m-1', 'm-10', 'm-9'], 'members sorted bytewise');
    assert.equal(d.author, R.b64encode(key.publicKey));
    const msg = R.concat(R.utf8('veche-v1/entry\n'), R.utf8(g.replace(/,"sig":"[A-Za-z0-9+/=]{88}"/, '')));
    assert.ok(R.ed25519Verify(R.b64decode(d.sig, 64), msg, key.publicKey));
    assert.throws(() => C.groupingEntry({ council: 'works-council', grouping: 'greens', name: 'G', members: ['a', 'a'] }, key), /twice/);
    const p = C.groupingPublicationEntry({ council: 'works-council', grouping: 'greens', kind: 'platform', title: 'Platform',
      election: 'seats-2025', option: 'Ana' }, '# Ana\n', key);
    assert.deepEqual(Object.keys(JSON.parse(p.entry).body), ['council', 'election', 'grouping', 'hash', 'kind', 'length', 'option', 'title']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- veche-council against the server --------------------------------------------------------

let srv, token, work;
const CID = 'branch-council';

async function call(method, path, json) {
  return api(srv, method, path, { json, token });
}
async function ok(method, path, json, status = 201) {
  const r = await call(method, path, json);
  assert.equal(r.status, status, `${method} ${path}: ${r.status} ${r.text}`);
  return r.body;
}

test('council: the server accepts what the browser signs', async (t) => {
  srv = await startServer();
  t.after(async () => {
    await srv.stop();
    srv.cleanup();
    rmSync(work, { recursive: true, force: true });
  });
  token = await login(srv);
  work = mkdtempSync(join(tmpdir(), 'veche-cjs-srv-'));
  veche(['keygen', '--name', 'trustee', '--out', join(work, 't.key')]);
  const tkey = C.keyFromFile(readFileSync(join(work, 't.key'), 'utf8'));
  const council = await ok('POST', '/api/v1/councils', { council: CID, name: 'Branch council', seats: 2, term: 86400 * 365,
    recall: { threshold: 500, majority: 600 }, trustees: [{ name: 'T', key: R.b64encode(tkey.publicKey) }], threshold: 1,
    exclusion_vote: false });
  assert.equal(council.id, CID);
  const members = [];
  for (const m of ['m-1', 'm-2', 'm-3', 'm-4']) {
    const r = await ok('POST', `/api/v1/councils/${CID}/roll`, { action: 'join', member: m, name: `Member ${m}`, reason: '' });
    members.push({ id: m, code: r.code, cred: C.memberCredential(CID, r.code) });
  }
  const detail = await ok('GET', `/api/v1/councils/${CID}`, undefined, 200);
  const bundle = await ok('GET', `/api/v1/councils/${CID}/bundle`, undefined, 200);
  const b = C.checkBundle(bundle, CID, detail.fingerprint);
  for (const m of members) assert.ok(b.standing.has(m.cred.Xb64), `${m.id}'s key derived here is standing`);
  const door = (entry, body = null) => api(srv, 'POST', `/api/v1/councils/${CID}/entries`,
    { body: C.doorRequest(entry, body), headers: { 'content-type': 'application/json' } });

  // A member's publication, its body beside the record.
  const pub = C.memberPublicationEntry({ council: CID, kind: 'statement', title: 'Hello' }, 'Hello **all**.\n', members[0].cred, b.fp);
  let r = await door(pub.entry, pub.body);
  assert.equal(r.status, 201, r.text);
  const body = await api(srv, 'GET', `/api/v1/bodies/${C.bodyMeta(pub.body).hex}`);
  assert.equal(body.status, 200);
  assert.equal(body.text, pub.body);

  // A grouping registers and publishes with its own key.
  const gkey = C.keyFromFile(`veche-ed25519-v1 g ${Buffer.alloc(32, 9).toString('base64')}\n`);
  r = await door(C.groupingEntry({ council: CID, grouping: 'left', name: 'The Left', members: ['m-1', 'm-2'] }, gkey));
  assert.equal(r.status, 201, r.text);
  const gp = C.groupingPublicationEntry({ council: CID, grouping: 'left', kind: 'minutes', title: 'Minutes' }, '- item\n', gkey);
  r = await door(gp.entry, gp.body);
  assert.equal(r.status, 201, r.text);
  // Another key claiming the grouping is refused at the door.
  const other = C.keyFromFile(`veche-ed25519-v1 o ${Buffer.alloc(32, 10).toString('base64')}\n`);
  const imp = C.groupingPublicationEntry({ council: CID, grouping: 'left', kind: 'statement', title: 'Fake' }, 'fake\n', other);
  r = await door(imp.entry, imp.body);
  assert.ok(r.status === 403 || r.status === 422, `impostor: ${r.status} ${r.text}`);

  // Petitions need a mandate: none yet, so a petition against entry 1 is refused by the door.
  const bad = C.petitionEntry({ council: CID, mandate: 1, text: 'Recall' }, members[1].cred, b.fp);
  r = await door(bad);
  assert.equal(r.status, 422, `a petition against a non-mandate: ${r.text}`);

  // A forged signature (the right shape, another fingerprint) is refused.
  const forged = C.memberPublicationEntry({ council: CID, kind: 'statement', title: 'Forged' }, 'x\n', members[2].cred, sha256('x'));
  r = await door(forged.entry, forged.body);
  assert.ok(r.status === 422 || r.status === 403, `forged: ${r.status} ${r.text}`);

  const after = await ok('GET', `/api/v1/councils/${CID}`, undefined, 200);
  assert.deepEqual(after.publications.map((p) => [p.title, p.author, p.impostor]).sort(),
    [['Hello', 'member', false], ['Minutes', 'The Left', false]]);
});
