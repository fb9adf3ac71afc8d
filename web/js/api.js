// api.js — the pages' one way to talk to `veche serve` (docs/API.md), and a
// small DOM builder so no page ever assigns HTML strings (user text such as
// titles, options and names is always set as text, never parsed as markup).

export class ApiError extends Error {
  // status 0 means the network failed (no answer at all).
  constructor(status, code, message, field = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
  // Worth trying again with the very same request?
  get retryable() { return this.status === 0 || this.status >= 500 || this.status === 429; }
}

// One request. opts: json (an object, sent as JSON), body + contentType (raw),
// text (resolve to the response text instead of parsing JSON).
export async function api(method, path, opts = {}) {
  const init = { method, headers: {}, credentials: 'same-origin', cache: 'no-store' };
  if (opts.json !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(opts.json);
  } else if (opts.body !== undefined) {
    init.headers['content-type'] = opts.contentType ?? 'application/json';
    init.body = opts.body;
  }
  let r;
  try {
    r = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
  }
  const text = await r.text();
  if (!r.ok) {
    let err = null;
    try { err = JSON.parse(text).error; } catch { /* not JSON */ }
    throw new ApiError(r.status, err?.code ?? 'http_' + r.status,
                       err?.message ?? `The server answered ${r.status}.`, err?.field ?? null);
  }
  if (opts.text) return text;
  try { return JSON.parse(text); } catch {
    throw new ApiError(r.status, 'bad_answer', 'The server sent an answer that is not JSON.');
  }
}

export const get = (path, opts) => api('GET', path, opts);

// Sends the same bytes until the server answers or attempts run out: for
// casting, where the server answers a repeat of the same ballot with the same
// index (a retry never counts twice). onRetry(attempt, error, delayMs) may
// update the page; waits 1 s, 2 s, 4 s ... between attempts.
export async function postSame(path, body, { attempts = 5, onRetry, contentType } = {}) {
  for (let i = 1; ; i++) {
    try {
      return await api('POST', path, { body, contentType });
    } catch (e) {
      if (!(e instanceof ApiError) || !e.retryable || i >= attempts) throw e;
      const delay = 1000 * 2 ** (i - 1);
      onRetry?.(i, e, delay);
      await new Promise((res) => setTimeout(res, delay));
    }
  }
}

// el('p', {class: 'note', 'aria-live': 'polite'}, 'text', child, ...): a new
// element. Attribute values and text children are set as text only; on*
// attributes are refused (handlers are attached with addEventListener).
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (/^on/i.test(k)) throw new Error('el: event handler attributes are not allowed');
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// Replaces the children of node (an element or its id) with the given ones.
export function fill(node, ...children) {
  const n = typeof node === 'string' ? document.getElementById(node) : node;
  n.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return n;
}

// A message for people from any error (ApiError, VecheError, other).
export function describe(e) {
  if (e instanceof ApiError) return e.field ? `${e.message} (${e.field})` : e.message;
  return e?.message ?? String(e);
}

// Unix seconds as a local date and time.
export function fmtTime(t) {
  if (t === null || t === undefined) return '—';
  return new Date(t * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// The page's URL fragment as a map: #election=ID&code=CODE.
export function fragment() {
  return new URLSearchParams(location.hash.replace(/^#/, ''));
}

// Download text as a file, made in the browser (nothing goes to the server).
export function download(name, text, type = 'text/plain') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
