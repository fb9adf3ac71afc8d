// tests/api/lib/server.mjs — starts a real `veche serve` for a test and stops it.
//
// The binary is $VECHE_BIN (tests/run.sh sets it to the ASan build), else
// build/asan/veche, else build/release/veche. Each server gets a fresh
// temporary directory and database and listens on 127.0.0.1:0 (a free port);
// `veche serve` prints, on standard output, these lines which we read:
//
//   veche serve: administrator password: <PASSWORD>     (first run only)
//   veche serve: listening on http://127.0.0.1:<PORT>/
//
// Its standard error (one line per request) is kept in the directory as
// serve.log and shown if the test fails to start it.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function vecheBin() {
  if (process.env.VECHE_BIN) return resolve(process.env.VECHE_BIN);
  for (const p of ['build/asan/veche', 'build/release/veche']) {
    if (existsSync(join(ROOT, p))) return join(ROOT, p);
  }
  throw new Error('no veche binary: run make, or set VECHE_BIN');
}

// Runs `veche ARGS...` synchronously; returns stdout (throws with stderr on failure).
export function veche(args, opts = {}) {
  return execFileSync(vecheBin(), args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...opts });
}

// Starts a server. opts.args: extra arguments (e.g. ['--demo']); opts.dir: reuse
// a directory (a restart on the same database). Resolves to
// { url, password, dir, db, proc, stdout (all lines so far), stop(), kill() }.
export async function startServer(opts = {}) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'veche-api-'));
  const db = join(dir, 'veche.db');
  const log = openSync(join(dir, 'serve.log'), 'a');
  const args = ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', join(ROOT, 'web'),
                ...(opts.args ?? [])];
  const proc = spawn(vecheBin(), args, { stdio: ['ignore', 'pipe', log], env: { ...process.env, ...(opts.env ?? {}) } });
  const srv = { dir, db, proc, stdout: [], password: opts.password ?? null, url: null };
  let buf = '';
  await new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => fail(new Error('veche serve did not start within 60 s')), 60000);
    function fail(e) {
      clearTimeout(timer);
      let tail = '';
      try { tail = readFileSync(join(dir, 'serve.log'), 'utf8').slice(-4000); } catch { /* none */ }
      reject(new Error(`${e.message}\nstdout:\n${srv.stdout.join('\n')}\nserve.log:\n${tail}`));
    }
    proc.on('exit', (code, sig) => fail(new Error(`veche serve exited (${code ?? sig}) before listening`)));
    proc.stdout.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        srv.stdout.push(line);
        const pw = line.match(/administrator password: (\S+)/);
        if (pw) srv.password = pw[1];
        const l = line.match(/listening on (http:\/\/\S+?)\/?$/);
        if (l) {
          srv.url = l[1];
          clearTimeout(timer);
          proc.removeAllListeners('exit');
          resolveStart();
        }
      }
    });
  });
  srv.stop = () => stopProc(proc, 'SIGTERM');
  srv.kill = () => stopProc(proc, 'SIGKILL');
  srv.cleanup = () => rmSync(dir, { recursive: true, force: true });
  return srv;
}

function stopProc(proc, sig) {
  return new Promise((res) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return res(proc.exitCode ?? proc.signalCode);
    proc.once('exit', (code, s) => res(code ?? s));
    proc.kill(sig);
  });
}

// fetch() relative to the server, JSON in and out. Returns { status, headers, body (parsed or text) }.
export async function api(srv, method, path, { json, body, headers = {}, token } = {}) {
  const h = { ...headers };
  if (json !== undefined) { h['content-type'] = 'application/json'; body = JSON.stringify(json); }
  if (token) h.authorization = `Bearer ${token}`;
  const r = await fetch(srv.url + path, { method, headers: h, body });
  const text = await r.text();
  let parsed = text;
  if ((r.headers.get('content-type') ?? '').startsWith('application/json')) {
    try { parsed = JSON.parse(text); } catch { /* leave as text */ }
  }
  return { status: r.status, headers: r.headers, body: parsed, text };
}

// Logs in as the administrator; returns the bearer token.
export async function login(srv) {
  const r = await api(srv, 'POST', '/api/v1/login', { json: { password: srv.password } });
  if (r.status !== 200) throw new Error(`login: ${r.status} ${r.text}`);
  return r.body.token;
}
