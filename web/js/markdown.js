// markdown.js — a small, SAFE Markdown renderer for council publications.
//
// Publications are written by anyone holding a member's credential or a
// grouping's key, so their text is hostile until proven otherwise. This
// renderer never parses HTML and never assigns markup: it reads the text
// into a tree of a few node kinds (parseMarkdown) and builds DOM nodes for
// them with createElement / createTextNode (renderMarkdown). Raw HTML in the
// text is shown as the characters it is. The only attribute ever set from
// the text is a link's href, and only after the URL parser says the scheme is
// http:, https: or mailto: (so "javascript:", "data:", "java\tscript:" and
// relative tricks are shown as plain text); every link gets
// rel="noopener noreferrer nofollow". Images are shown as links (loading
// them would tell a third party who reads what).
//
// The subset: paragraphs, ATX headings (# .. ######, rendered two levels
// down so a publication's "#" sits under the page's own headings), emphasis
// (*a* _a_), strong (**a** __a__), code spans, fenced and indented code
// blocks, bullet and numbered lists (nested by indentation), blockquotes,
// thematic breaks, hard line breaks (two trailing spaces or a backslash),
// backslash escapes, links [text](url "title"), autolinks <https://…> and
// bare http(s) URLs.
//
// Cost: linear in the text for every input (a search for a closing
// delimiter that fails is remembered, so 64 KiB of "*[`" stays fast), and
// nesting (lists, quotes, inline spans) is cut at a fixed depth.

const MAX_BLOCK_DEPTH = 12;
const MAX_INLINE_DEPTH = 12;
const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);
export const LINK_REL = 'noopener noreferrer nofollow';

// ---- URLs ----------------------------------------------------------------------------

// The href to use for url, or null if it is not an absolute http, https or
// mailto URL. The URL parser (WHATWG) decides the scheme exactly as the
// browser would when following the link, so tabs or newlines inside a scheme
// or an upper-case "JAVASCRIPT:" cannot slip through.
export function safeHref(url) {
  if (typeof url !== 'string' || url.length === 0 || url.length > 4096) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(url.trim())) return null;
  let u;
  try { u = new URL(url.trim()); } catch { return null; }
  if (!SAFE_SCHEMES.has(u.protocol)) return null;
  if (u.protocol !== 'mailto:' && !u.hostname) return null;
  return u.href;
}

// ---- blocks ------------------------------------------------------------------------------

// Lines with tabs expanded (to 4 columns) and dangerous code points made harmless.
function lines(text) {
  return String(text)
    .replace(/\r\n?/g, '\n')
    .replace(/\u0000/g, '\uFFFD')
    .split('\n')
    .map((l) => (l.includes('\t') ? expandTabs(l) : l));
}

function expandTabs(line) {
  let out = '';
  for (const ch of line) {
    if (ch === '\t') out += ' '.repeat(4 - (out.length % 4));
    else out += ch;
  }
  return out;
}

const blank = (l) => /^\s*$/.test(l);
const indentOf = (l) => l.length - l.replace(/^ +/, '').length;
const RE_HEADING = /^ {0,3}(#{1,6})(?:[ ]+(.*?))?(?:[ ]+#+)?[ ]*$/;
const RE_HR = /^ {0,3}(?:(?:\*[ ]*){3,}|(?:-[ ]*){3,}|(?:_[ ]*){3,})$/;
const RE_FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const RE_QUOTE = /^ {0,3}> ?/;
const RE_BULLET = /^( {0,3})([-*+])( +|$)/;
const RE_ORDERED = /^( {0,3})(\d{1,9})([.)])( +|$)/;

function listMarker(line) {
  let m = RE_BULLET.exec(line);
  if (m && !RE_HR.test(line)) return { ordered: false, bullet: m[2], width: m[0].length || m[1].length + 2, start: 1 };
  m = RE_ORDERED.exec(line);
  if (m) return { ordered: true, delim: m[3], width: m[0].length, start: Number(m[2]) };
  return null;
}

// Does this line end a paragraph (it starts another block)?
function interrupts(line) {
  return RE_HEADING.test(line) || RE_HR.test(line) || RE_FENCE.test(line) || RE_QUOTE.test(line) ||
         (listMarker(line) !== null && !blank(line.slice(listMarker(line).width)));
}

// Parses lines[] into block nodes.
function parseBlocks(ls, depth) {
  const out = [];
  let i = 0;
  while (i < ls.length) {
    const line = ls[i];
    if (blank(line)) { i++; continue; }
    if (depth < MAX_BLOCK_DEPTH) {
      const r = fenced(ls, i) ?? heading(ls, i) ?? rule(ls, i) ?? quote(ls, i, depth) ??
                list(ls, i, depth) ?? indented(ls, i);
      if (r) { out.push(r.node); i = r.next; continue; }
    }
    const r = paragraph(ls, i);
    out.push(r.node);
    i = r.next;
  }
  return out;
}

function fenced(ls, i) {
  const m = RE_FENCE.exec(ls[i]);
  if (!m || (m[2][0] === '`' && m[3].includes('`'))) return null;
  const indent = m[1].length;
  const fence = m[2];
  const body = [];
  let j = i + 1;
  for (; j < ls.length; j++) {
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}[ ]*$`);
    if (close.test(ls[j])) { j++; break; }
    body.push(ls[j].replace(new RegExp(`^ {0,${indent}}`), ''));
  }
  return { node: { t: 'pre', v: body.join('\n'), lang: m[3].trim().split(/\s+/)[0] || null }, next: j };
}

function heading(ls, i) {
  const m = RE_HEADING.exec(ls[i]);
  if (!m) return null;
  return { node: { t: 'h', level: m[1].length, c: parseInline(m[2] ?? '') }, next: i + 1 };
}

function rule(ls, i) {
  return RE_HR.test(ls[i]) ? { node: { t: 'hr' }, next: i + 1 } : null;
}

function quote(ls, i, depth) {
  if (!RE_QUOTE.test(ls[i])) return null;
  const inner = [];
  let j = i;
  for (; j < ls.length; j++) {
    const l = ls[j];
    if (RE_QUOTE.test(l)) inner.push(l.replace(RE_QUOTE, ''));
    else if (!blank(l) && inner.length && !blank(inner[inner.length - 1]) && !interrupts(l)) inner.push(l); // lazy continuation
    else break;
  }
  return { node: { t: 'bq', c: parseBlocks(inner, depth + 1) }, next: j };
}

function list(ls, i, depth) {
  const first = listMarker(ls[i]);
  if (!first) return null;
  const items = [];
  let j = i;
  let loose = false;
  const same = (l) => {
    const mk = l === undefined ? null : listMarker(l);
    return mk && mk.ordered === first.ordered && (mk.ordered ? mk.delim === first.delim : mk.bullet === first.bullet) ? mk : null;
  };
  while (j < ls.length) {
    const mk = same(ls[j]);
    if (!mk) break;
    const width = blank(ls[j].slice(mk.width)) ? indentOf(ls[j]) + 2 : mk.width;
    const item = [ls[j].slice(Math.min(mk.width, ls[j].length))];
    j++;
    let sawBlank = false;
    for (; j < ls.length; j++) {
      const l = ls[j];
      if (blank(l)) { item.push(''); sawBlank = true; continue; }
      if (indentOf(l) >= width) { item.push(l.slice(width)); if (sawBlank) loose = true; sawBlank = false; continue; }
      if (!sawBlank && !interrupts(l) && !listMarker(l)) { item.push(l); continue; }   // lazy continuation
      break;
    }
    while (item.length && blank(item[item.length - 1])) item.pop();
    items.push(parseBlocks(item, depth + 1));
    if (sawBlank && same(ls[j])) loose = true;
  }
  // A tight list's items hold their text directly, not in paragraphs.
  const shaped = loose ? items : items.map((blocks) => blocks.flatMap((b) => (b.t === 'p' ? [{ t: 'span', c: b.c }] : [b])));
  return { node: { t: first.ordered ? 'ol' : 'ul', start: first.start, items: shaped }, next: j };
}

function indented(ls, i) {
  if (indentOf(ls[i]) < 4) return null;
  const body = [];
  let j = i;
  for (; j < ls.length && (blank(ls[j]) || indentOf(ls[j]) >= 4); j++) body.push(ls[j].slice(4));
  while (body.length && blank(body[body.length - 1])) body.pop();
  return { node: { t: 'pre', v: body.join('\n'), lang: null }, next: j };
}

function paragraph(ls, i) {
  const text = [ls[i].replace(/^ +/, '')];
  let j = i + 1;
  for (; j < ls.length && !blank(ls[j]) && !interrupts(ls[j]); j++) text.push(ls[j].replace(/^ +/, ''));
  return { node: { t: 'p', c: parseInline(text.join('\n')) }, next: j };
}

// ---- inlines ---------------------------------------------------------------------------------

const ESCAPABLE = '\\`*_{}[]()#+-.!<>~|"\'';
const BARE_URL = /^https?:\/\/[^\s<>"]+/;

// The inline nodes of a span of text.
export function parseInline(text, depth = 0) {
  const st = { s: text, failed: new Map() };
  return inlineRange(st, 0, text.length, depth);
}

// Memoised closer searches. Every closer test depends on the position
// tested only, not on the opener, so a search for `key` in [from, to) that
// answered r (a position, or -1 for none) answers r again for any later
// start q in [from, r] (or q >= from when r = -1) with the same end. A scan
// goes left to right through one range, so unmatched openers ("[[[[…",
// "****…") cost one scan in all, and the whole parse stays linear.
function findCloser(st, key, from, to, test) {
  const k = `${key}@${to}`;
  const memo = st.failed.get(k);
  if (memo !== undefined && from >= memo.from && (memo.r < 0 || from <= memo.r)) return memo.r;
  let r = -1;
  for (let j = from; j < to; j++) if (test(j)) { r = j; break; }
  st.failed.set(k, { from, r });
  return r;
}

function inlineRange(st, from, to, depth) {
  const s = st.s;
  const out = [];
  let text = '';
  const flush = () => { if (text) { out.push({ t: 'text', v: text }); text = ''; } };
  let i = from;
  while (i < to) {
    const ch = s[i];
    if (ch === '\\' && i + 1 < to) {
      if (s[i + 1] === '\n') { flush(); out.push({ t: 'br' }); i += 2; continue; }
      if (ESCAPABLE.includes(s[i + 1])) { text += s[i + 1]; i += 2; continue; }
    }
    if (ch === '\n') {
      const hard = text.endsWith('  ');
      text = text.replace(/ +$/, '');
      flush();
      out.push(hard ? { t: 'br' } : { t: 'text', v: '\n' });
      i++;
      continue;
    }
    const r = depth < MAX_INLINE_DEPTH
      ? codeSpan(st, i, to) ?? link(st, i, to, depth) ?? autolink(st, i, to) ?? bareUrl(st, i, to) ?? emphasis(st, i, to, depth)
      : codeSpan(st, i, to);
    if (r) { flush(); out.push(r.node); i = r.next; continue; }
    text += ch;
    i++;
  }
  flush();
  return out;
}

function codeSpan(st, i, to) {
  const s = st.s;
  if (s[i] !== '`' || (i > 0 && s[i - 1] === '`')) return null;
  let n = 0;
  while (i + n < to && s[i + n] === '`') n++;
  const j = findCloser(st, `code${n}`, i + n, to, (k) =>
    s[k] === '`' && s[k - 1] !== '`' && runLength(s, k, '`') === n);
  if (j < 0) return null;
  let v = s.slice(i + n, j).replace(/\n/g, ' ');
  if (/^ .* $/.test(v) && v.trim()) v = v.slice(1, -1);
  return { node: { t: 'code', v }, next: j + n };
}

function runLength(s, k, ch) {
  let n = 0;
  while (s[k + n] === ch) n++;
  return n;
}

// [label](url "title") and ![alt](url): an unsafe url leaves the label as text.
function link(st, i, to, depth) {
  const s = st.s;
  const image = s[i] === '!' && s[i + 1] === '[';
  const open = image ? i + 1 : i;
  if (s[open] !== '[') return null;
  const close = findCloser(st, 'bracket', open + 1, to, (k) => s[k] === ']' && s[k - 1] !== '\\');
  if (close < 0 || s[close + 1] !== '(') return null;
  const m = /^\(\s*(<[^<>\n]*>|[^\s()<>]*(?:\([^\s()<>]*\)[^\s()<>]*)*)(?:\s+"[^"\n]*"|\s+'[^'\n]*')?\s*\)/.exec(s.slice(close + 1, Math.min(to, close + 1 + 4200)));
  if (!m) return null;
  const url = m[1].replace(/^<|>$/g, '');
  const href = safeHref(url);
  const label = image ? [{ t: 'text', v: s.slice(open + 1, close) || url }] : inlineRange(st, open + 1, close, depth + 1);
  const next = close + 1 + m[0].length;
  if (!href) return { node: { t: 'unsafe', c: label, url }, next };
  return { node: { t: 'a', href, c: image ? [{ t: 'text', v: 'image: ' }, ...label] : label }, next };
}

function autolink(st, i, to) {
  const s = st.s;
  if (s[i] !== '<') return null;
  const m = /^<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]{1,4000})>/.exec(s.slice(i, Math.min(to, i + 4100)));
  if (!m) {
    const mail = /^<([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)>/.exec(s.slice(i, Math.min(to, i + 400)));
    if (!mail) return null;
    return { node: { t: 'a', href: safeHref(`mailto:${mail[1]}`), c: [{ t: 'text', v: mail[1] }] }, next: i + mail[0].length };
  }
  const href = safeHref(m[1]);
  const node = href ? { t: 'a', href, c: [{ t: 'text', v: m[1] }] } : { t: 'unsafe', c: [{ t: 'text', v: m[1] }], url: m[1] };
  return { node, next: i + m[0].length };
}

function bareUrl(st, i, to) {
  const s = st.s;
  if (s[i] !== 'h' || (i > 0 && /[A-Za-z0-9]/.test(s[i - 1]))) return null;
  const m = BARE_URL.exec(s.slice(i, Math.min(to, i + 4096)));
  if (!m) return null;
  let url = m[0].replace(/[.,;:!?'"*_]+$/, '');
  // A closing parenthesis belongs to the URL only if it opened one.
  while (url.endsWith(')') && (url.match(/\(/g) ?? []).length < (url.match(/\)/g) ?? []).length) url = url.slice(0, -1);
  const href = safeHref(url);
  if (!href) return null;
  return { node: { t: 'a', href, c: [{ t: 'text', v: url }] }, next: i + url.length };
}

// *em*, _em_, **strong**, __strong__: the opener is followed by a non-space,
// the closer preceded by one; "_" does not open or close inside a word.
function emphasis(st, i, to, depth) {
  const s = st.s;
  const ch = s[i];
  if (ch !== '*' && ch !== '_') return null;
  const run = runLength(s, i, ch);
  if (i > 0 && s[i - 1] === ch) return null;
  const n = run >= 2 ? 2 : 1;
  const after = s[i + n];
  if (after === undefined || /\s/.test(after)) return null;
  if (ch === '_' && i > 0 && /[\p{L}\p{N}]/u.test(s[i - 1])) return null;
  const j = findCloser(st, `${ch}${n}`, i + n + 1, to, (k) => {
    if (s.startsWith(ch.repeat(n), k) === false || /\s/.test(s[k - 1])) return false;
    if (n === 1 && (s[k + 1] === ch || s[k - 1] === ch)) return false;
    if (ch === '_' && /[\p{L}\p{N}]/u.test(s[k + n] ?? '')) return false;
    return true;
  });
  if (j < 0) return null;
  return { node: { t: n === 2 ? 'strong' : 'em', c: inlineRange(st, i + n, j, depth + 1) }, next: j + n };
}

// ---- the whole text -----------------------------------------------------------------------

// Markdown text → a tree of plain objects (no DOM): for tests and for render.
export function parseMarkdown(text) {
  return parseBlocks(lines(text ?? ''), 0);
}

// The DOM of a parsed tree. doc: the document to build with (node tests pass
// a stand-in); opts.headingBase: the level of "#" (default 3, capped at 6).
function build(doc, node, opts) {
  const E = (tag, kids) => {
    const e = doc.createElement(tag);
    for (const k of kids ?? []) e.appendChild(k);
    return e;
  };
  const inl = (c) => c.map((x) => build(doc, x, opts));
  switch (node.t) {
    case 'text': return doc.createTextNode(node.v);
    case 'br': return doc.createElement('br');
    case 'hr': return doc.createElement('hr');
    case 'code': { const e = doc.createElement('code'); e.appendChild(doc.createTextNode(node.v)); return e; }
    case 'pre': {
      const code = doc.createElement('code');
      code.appendChild(doc.createTextNode(node.v));
      return E('pre', [code]);
    }
    case 'em': return E('em', inl(node.c));
    case 'strong': return E('strong', inl(node.c));
    case 'span': return E('span', inl(node.c));
    case 'p': return E('p', inl(node.c));
    case 'h': return E(`h${Math.min(6, node.level + opts.headingBase - 1)}`, inl(node.c));
    case 'bq': return E('blockquote', node.c.map((b) => build(doc, b, opts)));
    case 'a': {
      const a = E('a', inl(node.c));
      a.setAttribute('href', node.href);
      a.setAttribute('rel', LINK_REL);
      return a;
    }
    case 'unsafe': {
      // The label stays; the address is shown as text so nothing is hidden.
      const span = E('span', inl(node.c));
      span.setAttribute('class', 'md-unsafe-link');
      span.appendChild(doc.createTextNode(` (link not followed: ${String(node.url).slice(0, 200)})`));
      return span;
    }
    case 'ul':
    case 'ol': {
      const e = E(node.t, node.items.map((blocks) => E('li', blocks.map((b) => build(doc, b, opts)))));
      if (node.t === 'ol' && node.start !== 1) e.setAttribute('start', String(node.start));
      return e;
    }
    default: return doc.createTextNode('');
  }
}

// Markdown text → a DocumentFragment of safe nodes.
export function renderMarkdown(text, doc = globalThis.document, opts = {}) {
  const o = { headingBase: opts.headingBase ?? 3 };
  const frag = doc.createDocumentFragment();
  for (const b of parseMarkdown(text)) frag.appendChild(build(doc, b, o));
  return frag;
}
