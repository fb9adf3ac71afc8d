// tests/api/core.test.mjs — the core of `veche serve` over loopback: routing
// errors, body limits, content types, sessions, the login rate limit, the
// security headers, static files (and the paths they must refuse), a
// graceful SIGTERM and a restart that keeps everything.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, writeFileSync, symlinkSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, api, login, veche } from './lib/server.mjs';

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
  "frame-ancestors 'none'; form-action 'self'";

// Sends a raw HTTP/1.1 request (fetch would normalise "..", "%2e" and friends away).
function raw(srv, text) {
  const { hostname, port } = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    let buf = '';
    sock.setEncoding('latin1');
    sock.on('data', (d) => { buf += d; });
    sock.on('end', () => {
      const m = buf.match(/^HTTP\/1\.[01] (\d{3})/);
      resolve({ status: m ? Number(m[1]) : 0, text: buf });
    });
    sock.on('error', reject);
    sock.write(text);
  });
}
const rawGet = (srv, path) => raw(srv, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);

function assertError(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(r.body.error.code, code, r.text);
  assert.equal(typeof r.body.error.message, 'string');
  assert.ok(r.body.error.message.length > 0);
  assert.ok('field' in r.body.error);
}

function assertSecurityHeaders(h) {
  assert.equal(h.get('content-security-policy'), CSP);
  assert.equal(h.get('x-content-type-options'), 'nosniff');
  assert.equal(h.get('referrer-policy'), 'no-referrer');
  assert.equal(h.get('x-frame-options'), 'DENY');
  assert.equal(h.get('cross-origin-opener-policy'), 'same-origin');
}

// srv for most tests; bodies, whose malformed logins count against the
// address's login attempts, on a server of their own.
let srv, bodySrv;
before(async () => { [srv, bodySrv] = await Promise.all([startServer(), startServer()]); });
after(async () => {
  // Exit status 0: a graceful stop, and no leak or memory error under ASan.
  for (const s of [srv, bodySrv]) if (s) { assert.equal(await s.stop(), 0); s.cleanup(); }
});

test('the first run prints a password of 20 unambiguous characters', () => {
  assert.match(srv.password, /^[2-9a-hjkmnp-z]{20}$/);
  assert.ok(srv.stdout.some((l) => /shown this once/.test(l)));
});

test('GET /api/v1/info: JSON, no-store and every security header', async () => {
  const r = await api(srv, 'GET', '/api/v1/info');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assertSecurityHeaders(r.headers);
  assert.equal(r.body.size, 1);
  assert.match(r.body.vkey, new RegExp(`^${r.body.origin}\\+[0-9a-f]{8}\\+`));
  assert.match(r.body.administrator, /^[A-Za-z0-9+/]{43}=$/);
  assert.match(r.body.credential_authority, /^[A-Za-z0-9+/]{43}=$/);
  assert.notEqual(r.body.administrator, r.body.credential_authority);
});

test('unknown routes are 404 not_found, wrong methods 405 with Allow', async () => {
  assertError(await api(srv, 'GET', '/api/v1/nothing-here'), 404, 'not_found');
  assertError(await api(srv, 'GET', '/api/v2/info'), 404, 'not_found');
  const r = await api(srv, 'DELETE', '/api/v1/info');
  assertError(r, 405, 'method_not_allowed');
  assert.equal(r.headers.get('allow'), 'GET');
  assertSecurityHeaders(r.headers);
  const s = await api(srv, 'PUT', '/index.html');
  assertError(s, 405, 'method_not_allowed');
  assert.equal(s.headers.get('allow'), 'GET, HEAD');
});

test('a malformed %-escape in an API path is 400 bad_request', async () => {
  assertError(await api(srv, 'GET', '/api/v1/ballots/ab%zz'), 400, 'bad_request');
  assertError(await api(srv, 'GET', '/api/v1/ballots/ab%00cd'), 400, 'bad_request');
});

test('a body over the route limit is 413 too_large (Content-Length and chunked)', async () => {
  const big = JSON.stringify({ password: 'x'.repeat(70 * 1024) });
  assertError(await api(bodySrv, 'POST', '/api/v1/login', { body: big, headers: { 'content-type': 'application/json' } }),
    413, 'too_large');
  // No Content-Length: the body is counted as it arrives.
  const chunks = [Buffer.alloc(40 * 1024, 0x61), Buffer.alloc(40 * 1024, 0x61)];
  const stream = new ReadableStream({ pull(c) { if (chunks.length) c.enqueue(chunks.shift()); else c.close(); } });
  const r = await fetch(bodySrv.url + '/api/v1/login', { method: 'POST', body: stream, duplex: 'half',
    headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 413);
  assert.equal((await r.json()).error.code, 'too_large');
  // A ballot may be up to 1 MiB, not more.
  const ballot = 'x'.repeat((1 << 20) + 1);
  assertError(await api(bodySrv, 'POST', '/api/v1/elections/none/ballots', { body: ballot }), 413, 'too_large');
  // The server still answers afterwards.
  assert.equal((await api(bodySrv, 'GET', '/api/v1/info')).status, 200);
});

test('JSON routes refuse other content types (415) and bad JSON (400)', async () => {
  assertError(await api(bodySrv, 'POST', '/api/v1/login', { body: '{"password":"x"}', headers: { 'content-type': 'text/plain' } }),
    415, 'bad_content_type');
  assertError(await api(bodySrv, 'POST', '/api/v1/login', { body: '{"password":', headers: { 'content-type': 'application/json' } }),
    400, 'bad_json');
  assertError(await api(bodySrv, 'POST', '/api/v1/login', { body: '{"password":"a","password":"b"}', headers: { 'content-type': 'application/json' } }),
    400, 'bad_json');
  const r = await api(bodySrv, 'POST', '/api/v1/login', { json: { pw: 'x' } });
  assertError(r, 400, 'bad_request');
  assert.equal(r.body.error.field, 'password');
});

test('query arguments are validated: 400 bad_parameter naming the argument', async () => {
  for (const q of ['start=-1', 'start=1e3', 'start=01', 'start=', 'start=99999999999999999999999']) {
    const r = await api(srv, 'GET', `/api/v1/record/entries?${q}&end=1`);
    assertError(r, 400, 'bad_parameter');
    assert.equal(r.body.error.field, 'start', q);
  }
});

test('administrator routes: 401 without, with a wrong and with an ended session', async () => {
  const body = { election: 'x' };
  const none = await api(srv, 'POST', '/api/v1/elections', { json: body });
  assertError(none, 401, 'unauthorized');
  assertSecurityHeaders(none.headers);
  assertError(await api(srv, 'POST', '/api/v1/elections', { json: body, token: 'A'.repeat(43) }), 401, 'unauthorized');
  assertError(await api(srv, 'POST', '/api/v1/elections', { json: body, headers: { cookie: 'veche_session=nope' } }),
    401, 'unauthorized');
  const token = await login(srv);
  assert.equal((await api(srv, 'GET', '/api/v1/session', { token })).body.admin, true);
  const out = await api(srv, 'POST', '/api/v1/logout', { token });
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie'), /^veche_session=; .*Max-Age=0/);
  assert.equal((await api(srv, 'GET', '/api/v1/session', { token })).body.admin, false);
  assertError(await api(srv, 'POST', '/api/v1/elections', { json: body, token }), 401, 'unauthorized');
});

test('login: wrong password 401 bad_password; right one gives a token and a strict cookie', async () => {
  const bad = await api(srv, 'POST', '/api/v1/login', { json: { password: srv.password + 'x' } });
  assertError(bad, 401, 'bad_password');
  assert.equal(bad.headers.get('set-cookie'), null);
  const r = await api(srv, 'POST', '/api/v1/login', { json: { password: srv.password } });
  assert.equal(r.status, 200);
  assert.match(r.body.token, /^[A-Za-z0-9_-]{43}$/);
  const now = Date.now() / 1000;
  assert.ok(Math.abs(r.body.expires - (now + 12 * 3600)) < 60, `expires ${r.body.expires}`);
  const cookie = r.headers.get('set-cookie');
  assert.equal(cookie, `veche_session=${r.body.token}; Path=/; HttpOnly; SameSite=Strict`);
  // The cookie works as well as the bearer token.
  const s = await api(srv, 'GET', '/api/v1/session', { headers: { cookie: `veche_session=${r.body.token}` } });
  assert.equal(s.body.admin, true);
  assert.equal((await api(srv, 'GET', '/api/v1/session')).body.admin, false);
});

test('state-changing admin routes need a content type a cross-site form cannot send (415)', async () => {
  const token = await login(srv);
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    const r = await api(srv, 'POST', '/api/v1/elections', { token, body: '{}', headers: { 'content-type': ct } });
    assertError(r, 415, 'bad_content_type');
  }
  const r = await api(srv, 'POST', '/api/v1/elections', { token, body: '{}' });
  assertError(r, 415, 'bad_content_type');
});

test('static files: index, types, caching, security headers', async () => {
  const r = await fetch(srv.url + '/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.equal(r.headers.get('cache-control'), 'no-cache');
  assertSecurityHeaders(r.headers);
  assert.match(await r.text(), /<html/i);
  const js = await fetch(srv.url + '/js/api.js');
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  assertSecurityHeaders(js.headers);
  const css = await fetch(srv.url + '/css/veche.css');
  assert.match(css.headers.get('content-type'), /^text\/css/);
  const head = await fetch(srv.url + '/index.html', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  const missing = await fetch(srv.url + '/no-such-page.html');
  assert.equal(missing.status, 404);
  assertSecurityHeaders(missing.headers);
});

test('static files: traversal, encoded dots, hidden files, NUL and outside symlinks are refused', async () => {
  const web = mkdtempSync(join(tmpdir(), 'veche-web-'));
  writeFileSync(join(web, 'index.html'), '<html>test index</html>');
  writeFileSync(join(web, '.secret'), 'hidden');
  mkdirSync(join(web, 'sub'));
  writeFileSync(join(web, 'sub', 'page.txt'), 'inside');
  const outside = mkdtempSync(join(tmpdir(), 'veche-outside-'));
  writeFileSync(join(outside, 'secret.txt'), 'TOP SECRET');
  symlinkSync(join(outside, 'secret.txt'), join(web, 'link.txt'));
  symlinkSync('page.txt', join(web, 'sub', 'inner.txt'));
  const s = await startServer({ args: ['--web', web] });
  try {
    assert.equal((await rawGet(s, '/sub/page.txt')).status, 200);
    assert.match((await rawGet(s, '/sub/inner.txt')).text, /inside/, 'a symlink inside the directory is served');
    for (const p of ['/../' + outside.split('/').pop() + '/secret.txt', '/sub/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd', '/sub/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/.secret', '/%2esecret',
      '/link.txt', '/sub/page.txt%00.html', '/sub%5c..%5cindex.html', '/sub/./page.txt', '/sub//page.txt']) {
      const r = await rawGet(s, p);
      assert.ok(r.status === 404 || r.status === 400, `${p}: ${r.status}`);
      assert.doesNotMatch(r.text, /TOP SECRET|hidden|root:/, p);
      assert.match(r.text, /content-security-policy/i, p);
    }
  } finally {
    assert.equal(await s.stop(), 0);
    s.cleanup();
    rmSync(web, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

test('--behind-tls: the client address is the loopback proxy\'s X-Forwarded-For (rate limits per real client); without it the header is ignored', async () => {
  const fail5 = async (s, xff) => {
    for (let i = 0; i < 5; i++) {
      const r = await api(s, 'POST', '/api/v1/login', { json: { password: 'wrong' }, headers: { 'x-forwarded-for': xff } });
      assert.equal(r.status, 401, `attempt ${i + 1} from ${xff}`);
    }
  };
  const proxied = await startServer({ args: ['--behind-tls'] });
  try {
    await fail5(proxied, '198.51.100.7');
    // That client is now limited; another one, behind the same proxy, is not.
    assertError(await api(proxied, 'POST', '/api/v1/login', { json: { password: 'wrong' }, headers: { 'x-forwarded-for': '198.51.100.7' } }), 429, 'rate_limited');
    const other = await api(proxied, 'POST', '/api/v1/login', { json: { password: proxied.password }, headers: { 'x-forwarded-for': '10.0.0.1, 203.0.113.9' } });
    assert.equal(other.status, 200, other.text);
    assert.match(other.headers.get('set-cookie'), /; Secure/);
    // A header that is not an address is not believed: the peer's address is used.
    await fail5(proxied, 'not-an-address');
    assertError(await api(proxied, 'POST', '/api/v1/login', { json: { password: 'wrong' } }), 429, 'rate_limited');
  } finally {
    assert.equal(await proxied.stop(), 0);
    proxied.cleanup();
  }
  const direct = await startServer();
  try {
    await fail5(direct, '198.51.100.7');
    // Without --behind-tls a client cannot escape its limit by sending the header.
    assertError(await api(direct, 'POST', '/api/v1/login', { json: { password: 'wrong' }, headers: { 'x-forwarded-for': '203.0.113.50' } }), 429, 'rate_limited');
  } finally {
    assert.equal(await direct.stop(), 0);
    direct.cleanup();
  }
});

test('the members\' door has its own bucket: 60 entries a minute, and using it up leaves casting untouched', async () => {
  const s = await startServer();
  try {
    for (let i = 0; i < 60; i++) {
      const r = await api(s, 'POST', '/api/v1/councils/nope/entries', { json: { entry: '{}', body: null } });
      assert.notEqual(r.status, 429, `entry ${i + 1}`);
    }
    assertError(await api(s, 'POST', '/api/v1/councils/nope/entries', { json: { entry: '{}', body: null } }), 429, 'rate_limited');
    const cast = await api(s, 'POST', '/api/v1/elections/nope/ballots', { json: {} });
    assert.notEqual(cast.status, 429, 'casting has its own budget');
  } finally {
    assert.equal(await s.stop(), 0);
    s.cleanup();
  }
});

test('login is rate-limited per address: the 6th attempt in a minute is 429 with Retry-After', async () => {
  const s = await startServer();
  try {
    for (let i = 0; i < 5; i++) {
      const r = await api(s, 'POST', '/api/v1/login', { json: { password: 'wrong' } });
      assert.equal(r.status, 401, `attempt ${i + 1}`);
    }
    const r = await api(s, 'POST', '/api/v1/login', { json: { password: s.password } });
    assertError(r, 429, 'rate_limited');
    const wait = Number(r.headers.get('retry-after'));
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
    // Other routes are not limited, nor are successful logins (a fresh address's worth).
    assert.equal((await api(s, 'GET', '/api/v1/info')).status, 200);
    const t = await startServer();
    try {
      for (let i = 0; i < 8; i++) await login(t);
    } finally {
      await t.stop();
      t.cleanup();
    }
    assert.equal((await api(s, 'GET', '/api/v1/info')).status, 200);
  } finally {
    assert.equal(await s.stop(), 0);
    s.cleanup();
  }
});

test('sessions expire (--session-ttl), and behind TLS the cookie is Secure', async () => {
  const s = await startServer({ args: ['--session-ttl', '1', '--behind-tls'] });
  try {
    const r = await api(s, 'POST', '/api/v1/login', { json: { password: s.password } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('set-cookie'), /; Secure$/);
    assert.equal((await api(s, 'GET', '/api/v1/session', { token: r.body.token })).body.admin, true);
    await new Promise((res) => setTimeout(res, 2100));
    assert.equal((await api(s, 'GET', '/api/v1/session', { token: r.body.token })).body.admin, false);
    assertError(await api(s, 'POST', '/api/v1/elections', { json: {}, token: r.body.token }), 401, 'unauthorized');
  } finally {
    assert.equal(await s.stop(), 0);
    s.cleanup();
  }
});

test('SIGTERM: graceful exit 0; a restart keeps the record, the keys and the password', async () => {
  const s = await startServer();
  const info = (await api(s, 'GET', '/api/v1/info')).body;
  const code = await s.stop();
  assert.equal(code, 0);
  const log = readFileSync(join(s.dir, 'serve.log'), 'utf8');
  assert.match(log, /stopped/);
  assert.match(log, /^127\.0\.0\.1 GET \/api\/v1\/info 200 \d+ [\d.]+ms$/m);
  const again = await startServer({ dir: s.dir, password: s.password });
  try {
    assert.ok(!again.stdout.some((l) => /administrator password/.test(l)), 'no new password on a restart');
    const info2 = (await api(again, 'GET', '/api/v1/info')).body;
    assert.deepEqual(info2, info);
    assert.equal((await api(again, 'POST', '/api/v1/login', { json: { password: s.password } })).status, 200);
  } finally {
    await again.stop();
    again.cleanup();
  }
});

test('a bad --listen is a usage error (exit 2) before anything is created', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veche-listen-'));
  try {
    for (const listen of ['nonsense', '127.0.0.1', '127.0.0.1:99999', 'example.org:80', '[::1:80']) {
      let status = null, stderr = '';
      try {
        veche(['serve', '--db', join(dir, 'x.db'), '--listen', listen]);
      } catch (e) {
        status = e.status;
        stderr = e.stderr.toString();
      }
      assert.equal(status, 2, listen);
      assert.match(stderr, /--listen/);
    }
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
