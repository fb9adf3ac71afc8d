// council.js — a council's public page (council.html#council=ID), and the
// pieces the member area shares with it (progress bars, petitions, words for
// statuses and stages).
//
// Everything shown is the server's reading of the public record (GET
// /api/v1/councils/{id}), with one thing checked here: every publication's
// body, fetched from /api/v1/bodies/{hex}, must hash (SHA-256, in this
// browser) to the hash the record holds before it is rendered — by
// markdown.js, which builds DOM nodes only, so a body cannot inject script.
// Removed bodies show their tombstone's reason; publications claiming a
// grouping without its key (impostors) are hidden behind a switch and
// marked as such when shown. The roll's size over time is an SVG chart
// built with createElementNS from roll_history. No HTML strings, no inline
// script or style (strict CSP).
import { get, el, fill, describe, fmtTime, fragment, ApiError } from './api.js';
import { renderMarkdown } from './markdown.js';
import * as VC from './veche-council.js';

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 20000;
const BODY_FETCHES = 4;          // bodies fetched at once
const SVG_NS = 'http://www.w3.org/2000/svg';

export const curl = (id, tail = '') => `/api/v1/councils/${encodeURIComponent(id)}${tail}`;
export const councilLink = (id) => `/council.html#council=${encodeURIComponent(id)}`;
export const memberLink = (id) => `/member.html#council=${encodeURIComponent(id)}`;
export const recordLink = (e) => `/record.html#election=${encodeURIComponent(e)}`;
export const voteLink = (e) => `/vote.html#election=${encodeURIComponent(e)}`;

export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

// Seconds as the largest whole unit that says it exactly enough.
export function termText(s) {
  const d = s / 86400;
  if (d >= 365 && Number.isInteger(d / 365)) return plural(d / 365, 'year');
  if (Number.isInteger(d)) return plural(d, 'day');
  return `${(d).toFixed(1)} days`;
}

export const permille = (p) => `${(p / 10).toFixed(p % 10 ? 1 : 0)}%`;

export const PURPOSES = {
  seats: 'Seats', 'by-election': 'By-election', recall: 'Recall vote', exclusion: 'Exclusion vote', question: 'Question',
};

// Council election stages (council library) and election stages (API DETAIL).
const STAGE_WORDS = {
  created: 'being prepared', setup: 'being prepared', keyed: 'ready, not open', ready: 'ready, not open',
  open: 'open for voting', closed: 'closed', tallied: 'counted, decrypting', result: 'result published',
  published: 'result published',
};
export const stageWords = (s) => STAGE_WORDS[s] ?? s;
export const isOpen = (s) => s === 'open';

export const STATUS_WORDS = {
  active: 'active', elected: 'elected, term not begun', 'term ended': 'term ended', recalled: 'recalled', resigned: 'resigned',
};

export function fact(dt, ...dd) { return [el('dt', {}, dt), el('dd', {}, ...dd)]; }

export function badge(text, kind) {
  return el('span', { class: `stage badge-${String(kind).replace(/[^a-z-]/g, '-')}` }, text);
}

// A labelled bar: value of max (role progressbar, so it is read out).
export function progressBar(value, max, label) {
  const pct = max > 0 ? Math.min(100, (100 * value) / max) : 0;
  const bar = el('div', { class: 'bar' });
  bar.style.width = `${pct.toFixed(2)}%`;        // CSSOM: allowed by the CSP
  return el('div', { class: `bar-track progress${value >= max && max > 0 ? ' full' : ''}`, role: 'progressbar',
    'aria-valuemin': '0', 'aria-valuemax': String(max), 'aria-valuenow': String(Math.min(value, max)),
    'aria-label': label, dataset: { value: String(value), max: String(max) } }, bar);
}

// One petition: its text, its progress to the threshold and its outcome.
// extra: nodes added at the end (the member area's Sign button).
export function petitionCard(c, p, ...extra) {
  const done = p.succeeded_at !== null && p.succeeded_at !== undefined;
  return el('article', { class: `card petition${done ? ' succeeded' : ''}`, id: `petition-${p.index}`,
    'aria-labelledby': `petition-${p.index}-h`, dataset: { index: String(p.index) } },
    el('h3', { id: `petition-${p.index}-h` }, `Recall ${p.delegate}`,
      el('span', { class: 'muted small' }, ` — petition at entry ${p.index}`)),
    el('p', { class: 'petition-text' }, p.text),
    progressBar(p.count, p.threshold_count, `Signatures for recalling ${p.delegate}`),
    el('p', { class: 'petition-count' }, el('strong', {}, `${p.count} of ${p.threshold_count}`),
      ` signatures needed (${permille(c.recall.threshold)} of the ${p.members_at_open} members when it opened)`,
      p.duplicates ? `; ${plural(p.duplicates, 'repeated signature')} not counted twice` : '',
      p.invalid ? `; ${plural(p.invalid, 'invalid signature')} not counted` : '', '.'),
    done ? el('p', { class: 'message ok' }, `The petition reached its threshold at entry ${p.succeeded_at}. `,
      p.recall_election
        ? ['The recall vote is ', el('a', { href: recordLink(p.recall_election), class: 'mono' }, p.recall_election), '.']
        : 'The recall vote is due.') : null,
    ...extra);
}

// ---- the page ----------------------------------------------------------------------------

const S = { id: null, c: null, timer: null, bodies: new Map(), queue: [], active: 0, shownKey: '' };

function setStatus(text, kind = 'muted') {
  const s = $('status');
  s.className = kind === 'muted' ? 'muted' : `message ${kind}`;
  s.textContent = text;
}

function renderRules(c) {
  fill('rules-facts',
    fact('Seats', String(c.seats)),
    fact('Term of a mandate', termText(c.term)),
    fact('Recall', `a petition signed by ${permille(c.recall.threshold)} of the members starts a recall vote; `,
      `the delegate is recalled if at least ${permille(c.recall.majority)} of the votes say yes`),
    fact('Members', `${c.members} on the roll`, el('span', { class: 'muted' }, ` — ${c.standing} standing credentials`),
      c.pending ? el('span', { class: 'warn-text' }, ` (${plural(c.pending, 'roll change')} not yet reflected in the credentials)`) : null),
    fact('Exclusions', c.exclusion_vote ? 'need a members\' vote' : 'decided by the roll keeper, with a stated reason'),
    fact('Trustees', `${c.threshold} of ${c.trustees.length} decrypt council votes: `, c.trustees.map((t) => t.name).join(', ')),
    fact('Council id', el('span', { class: 'mono' }, c.id)));
  $('member-link').href = memberLink(c.id);
  fill('fp', c.fingerprint);
}

const DUE_WORDS = {
  'first-election': 'First election', 're-election': 'Re-election', 'recall-election': 'Recall vote',
  'mandate-end': 'End of a recalled mandate', 'by-election': 'By-election', credentials: 'Credentials',
};

function renderDue(c) {
  fill('due', c.due.length ? el('div', { class: 'message info due' },
    el('p', {}, el('strong', {}, 'Due now')),
    el('ul', {}, c.due.map((d) => el('li', { dataset: { kind: d.kind } },
      el('strong', {}, DUE_WORDS[d.kind] ?? d.kind),
      ': ', d.detail)))) : null);
}

function renderMandates(c) {
  const active = c.mandates.filter((m) => m.status === 'active').length;
  fill('seats-note', `${active} of ${c.seats} seats held by an active delegate.`);
  if (!c.mandates.length) { fill('mandates-table', el('caption', { class: 'muted' }, 'No delegates elected yet.')); return; }
  fill('mandates-table',
    el('thead', {}, el('tr', {}, ['Delegate', 'Status', 'Term', 'Elected in'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, c.mandates.map((m) => el('tr', { dataset: { mandate: String(m.index), status: m.status } },
      el('th', { scope: 'row' }, m.delegate, el('span', { class: 'muted small block' }, `mandate at entry ${m.index}`)),
      el('td', {}, badge(STATUS_WORDS[m.status] ?? m.status, m.status),
        m.end_reason && m.end_reason !== m.status ? el('span', { class: 'small block' }, m.end_reason) : null),
      el('td', { class: 'small' }, `${fmtTime(m.start)} – ${fmtTime(m.end)}`),
      el('td', {}, el('a', { href: recordLink(m.election), class: 'mono' }, m.election))))));
}

// ---- the roll chart ------------------------------------------------------------------------

function svgEl(tag, attrs = {}, ...kids) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

// A step chart: one point per roll entry, at the number of active members
// after it; the line holds its level until the next change.
export function rollChart(history) {
  const W = 640, H = 220, L = 44, R = 12, T = 12, B = 34;
  const n = history.length;
  const max = Math.max(1, ...history.map((h) => h.count));
  const x = (i) => L + (n <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (n - 1));
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, class: 'roll-chart', role: 'img',
    'aria-labelledby': 'roll-chart-t roll-chart-d', 'data-points': n, preserveAspectRatio: 'xMidYMid meet' });
  svg.append(svgEl('title', { id: 'roll-chart-t' }, 'Members on the roll over time'),
    svgEl('desc', { id: 'roll-chart-d' }, n
      ? `${plural(n, 'change')} to the roll, from ${history[0].count} to ${history[n - 1].count} members; the highest was ${max}.`
      : 'No changes to the roll yet.'));
  const grid = svgEl('g', { class: 'grid' });
  for (const v of [...new Set([0, Math.round(max / 2), max])]) {
    grid.append(svgEl('line', { x1: L, x2: W - R, y1: y(v), y2: y(v) }),
      svgEl('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, v));
  }
  svg.append(grid);
  if (!n) return svg;
  let d = `M ${x(0).toFixed(1)} ${y(0).toFixed(1)} V ${y(history[0].count).toFixed(1)}`;
  for (let i = 1; i < n; i++) d += ` H ${x(i).toFixed(1)} V ${y(history[i].count).toFixed(1)}`;
  svg.append(svgEl('path', { d, class: 'line' }));
  const pts = svgEl('g', { class: 'points' });
  history.forEach((h, i) => pts.append(svgEl('circle', { cx: x(i).toFixed(1), cy: y(h.count).toFixed(1), r: n > 120 ? 1.5 : 3.5,
    class: `pt pt-${h.action}`, 'data-index': h.index, 'data-count': h.count },
    svgEl('title', {}, `entry ${h.index}: ${h.action} ${h.member} → ${plural(h.count, 'member')}`))));
  svg.append(pts,
    svgEl('text', { x: L, y: H - 10, class: 'axis' }, `entry ${history[0].index}`),
    svgEl('text', { x: W - R, y: H - 10, class: 'axis', 'text-anchor': 'end' }, `entry ${history[n - 1].index}`));
  return svg;
}

const ACTION_WORDS = { join: 'joined', leave: 'left', exclude: 'excluded' };

function renderRoll(c) {
  const h = c.roll_history;
  const joins = h.filter((x) => x.action === 'join').length;
  fill('roll-note', `${plural(c.members, 'member')} now. Since the council was founded: ${joins} joined, `,
    `${h.filter((x) => x.action === 'leave').length} left, ${h.filter((x) => x.action === 'exclude').length} excluded. `,
    'Names are not on the record: each entry carries a member id and a sealed commitment to the name, which only the member can open.');
  fill('roll-chart', rollChart(h));
  fill('roll-caption', h.length ? `Members after each of the ${h.length} roll entries (hover a point for the entry).` : '');
  fill('roll-table', h.length ? [
    el('thead', {}, el('tr', {}, ['Entry', 'Change', 'Member id', 'Reason', 'Members after'].map((t) => el('th', { scope: 'col' }, t)))),
    el('tbody', {}, h.map((x) => el('tr', {}, el('td', {}, String(x.index)), el('td', {}, ACTION_WORDS[x.action] ?? x.action),
      el('td', { class: 'mono' }, x.member), el('td', {}, x.reason || '—'), el('td', {}, String(x.count)))))] : []);
}

function renderGroupings(c) {
  fill('groupings-table', c.groupings.length ? [
    el('thead', {}, el('tr', {}, ['Grouping', 'Members', 'Signing key'].map((t) => el('th', { scope: 'col' }, t)))),
    el('tbody', {}, c.groupings.map((g) => el('tr', { dataset: { grouping: g.id } },
      el('th', { scope: 'row' }, g.name, el('span', { class: 'mono muted small block' }, g.id)),
      el('td', {}, String(g.members.length)),
      el('td', { class: 'mono small' }, g.key))))] : el('caption', { class: 'muted' }, 'No groupings registered yet.'));
}

// ---- the feed ---------------------------------------------------------------------------

// The fetched body of a publication, checked against the record: {state:
// 'ok', text} | {state: 'removed'|'missing'|'bad', why}.
async function fetchBody(p) {
  let hex;
  try { hex = VC.hashHex(p.hash); } catch (e) { return { state: 'bad', why: `the record's hash is not valid: ${describe(e)}` }; }
  let r;
  try {
    r = await fetch(`/api/v1/bodies/${hex}`, { cache: 'force-cache', credentials: 'same-origin' });
  } catch {
    return { state: 'retry', why: 'the server could not be reached' };
  }
  if (r.status === 410) return { state: 'removed', why: 'the server says it was removed' };
  if (r.status === 404) return { state: 'missing', why: 'the server does not have this text' };
  if (!r.ok) return { state: 'retry', why: `the server answered ${r.status}` };
  const bytes = new Uint8Array(await r.arrayBuffer());
  if (bytes.length !== p.length || !VC.bodyMatches(bytes, p.hash)) {
    return { state: 'bad', why: `the text the server sent (${bytes.length} bytes) does not match the hash on the record` };
  }
  try {
    return { state: 'ok', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { state: 'bad', why: 'the text is not valid UTF-8' };
  }
}

// Fills a publication's body box once its body is known (fetching it if not).
function loadBody(p, box) {
  const known = S.bodies.get(p.hash);
  if (known && known.state !== 'retry') { showBody(p, box, known); return; }
  S.queue.push([p, box]);
  pump();
}

function pump() {
  while (S.active < BODY_FETCHES && S.queue.length) {
    const [p, box] = S.queue.shift();
    S.active++;
    fetchBody(p).then((b) => {
      S.bodies.set(p.hash, b);
      if (box.isConnected) showBody(p, box, b);
    }).finally(() => { S.active--; pump(); });
  }
}

function showBody(p, box, b) {
  box.removeAttribute('aria-busy');
  if (b.state === 'ok') {
    fill(box, el('div', { class: 'md' }, renderMarkdown(b.text, document, { headingBase: 4 })),
      el('p', { class: 'checked small' }, '✓ the text matches the record\'s hash',
        el('span', { class: 'visually-hidden' }, ` ${p.hash}`)));
    box.dataset.body = 'ok';
  } else {
    fill(box, el('p', { class: b.state === 'bad' ? 'message error' : 'message info' },
      b.state === 'bad' ? 'Not shown: ' : 'The text is not available: ', b.why, '.'));
    box.dataset.body = b.state;
  }
}

const KIND_WORDS = { statement: 'statement', platform: 'platform', minutes: 'minutes', reply: 'reply' };

// Publications the record reports and does not count: impostors (a grouping
// claimed without its key) and invalid ones. Hidden unless asked for.
const reported = (p) => p.impostor || p.counted === false;

function authorOf(c, p) {
  const g = p.grouping === null || p.grouping === undefined ? null : c.groupings.find((x) => x.id === p.grouping);
  if (!p.impostor && p.counted === false) {
    return el('span', { class: 'author impostor' }, el('strong', {}, 'not counted'), ' — the record reports this publication as invalid');
  }
  if (p.grouping === null || p.grouping === undefined) return el('span', { class: 'author member' }, 'a member');
  if (p.impostor) {
    return el('span', { class: 'author impostor' }, el('strong', {}, 'impostor'),
      ` — claims to be ${g ? g.name : p.grouping} but is not signed by its key`);
  }
  return el('span', { class: 'author grouping' }, g ? g.name : p.author);
}

function publicationCard(c, p) {
  const head = el('header', {},
    el('h3', { id: `pub-${p.index}-h` }, p.title),
    el('p', { class: 'meta small' }, authorOf(c, p), ' · ', KIND_WORDS[p.kind] ?? p.kind, ' · ',
      el('a', { href: `#council=${encodeURIComponent(c.id)}&pub=${p.index}`, class: 'muted' }, `entry ${p.index}`),
      p.reply_to !== null && p.reply_to !== undefined ? [' · in reply to ', replyLink(c, p.reply_to)] : null,
      p.kind === 'platform' && p.election ? [' · platform of ', el('strong', {}, p.option), ' in ',
        el('a', { href: recordLink(p.election), class: 'mono' }, p.election)] : null));
  const box = el('div', { class: 'pub-body', 'aria-busy': 'true' }, el('p', { class: 'muted' }, 'Checking the text…'));
  const art = el('article', { class: `pub card${reported(p) ? ' impostor' : ''}${p.tombstone ? ' removed' : ''}`,
    id: `pub-${p.index}`, 'aria-labelledby': `pub-${p.index}-h`,
    dataset: { index: String(p.index), grouping: p.grouping ?? '', kind: p.kind } }, head, box);
  if (reported(p)) {
    // Not fetched: an impostor's words are not spread under a name it has no key for.
    box.removeAttribute('aria-busy');
    fill(box, el('p', { class: 'muted' }, 'The text of a publication the record does not count is not shown.'));
  } else if (p.tombstone) {
    box.removeAttribute('aria-busy');
    fill(box, el('p', { class: 'removed-note' }, el('strong', {}, 'Removed: '), p.tombstone.reason,
      el('span', { class: 'muted small' }, ` (tombstone at entry ${p.tombstone.index}; the title, author, hash and date stay on the record)`)));
  } else {
    loadBody(p, box);
  }
  return art;
}

function replyLink(c, index) {
  const t = c.publications.find((x) => x.index === index);
  return el('a', { href: `#council=${encodeURIComponent(c.id)}&pub=${index}` }, t ? `“${t.title}”` : `entry ${index}`);
}

function renderFilter(c) {
  const sel = $('feed-filter');
  const was = sel.value || 'all';
  fill(sel, el('option', { value: 'all' }, 'Everyone'), el('option', { value: 'members' }, 'Members (individually)'),
    c.groupings.map((g) => el('option', { value: `g:${g.id}` }, g.name)));
  sel.value = [...sel.options].some((o) => o.value === was) ? was : 'all';
  const nImp = c.publications.filter(reported).length;
  $('impostors-box').hidden = nImp === 0;
  fill('impostors-label', `Show ${plural(nImp, 'publication')} the record does not count (impostors claiming a grouping without its key, or invalid), marked as such`);
}

function renderFeed(c) {
  const f = $('feed-filter').value || 'all';
  const withImp = $('show-impostors').checked;
  const shown = c.publications.filter((p) => {
    if (reported(p) && !withImp) return false;
    if (f === 'all') return true;
    if (f === 'members') return p.grouping === null || p.grouping === undefined;
    return p.grouping === f.slice(2);
  });
  const hidden = c.publications.filter((p) => reported(p) && !withImp).length;
  const key = JSON.stringify([f, withImp, shown.map((p) => [p.index, p.tombstone?.index ?? null])]);
  fill('feed-count', `${plural(shown.length, 'publication')} shown`,
    hidden ? `; ${hidden} hidden: the record does not count them (a grouping claimed without its key, or invalid)` : '', '.');
  if (key === S.shownKey) return;      // unchanged: keep the rendered bodies
  S.shownKey = key;
  fill('feed-list', shown.length ? shown.map((p) => publicationCard(c, p)) : el('p', { class: 'muted' }, 'Nothing published yet.'));
}

// ---- petitions, elections, delegations, appeals ---------------------------------------------

function renderPetitions(c) {
  const open = c.petitions.filter((p) => p.succeeded_at === null || p.succeeded_at === undefined);
  fill('petitions-note', `A recall petition needs ${permille(c.recall.threshold)} of the members. `,
    'Members sign with their standing credential: the record shows that each signer is a distinct member, never who.');
  fill('petitions-list', c.petitions.length
    ? [open.length ? null : el('p', { class: 'muted' }, 'No petition is open.'), ...[...c.petitions].reverse().map((p) => petitionCard(c, p))]
    : el('p', { class: 'muted' }, 'No petitions yet.'));
}

export function resultText(r) {
  if (!r) return null;
  if (Array.isArray(r.options) && Array.isArray(r.counts)) return r.options.map((o, i) => `${o} ${r.counts[i]}`).join(', ');
  if (Array.isArray(r.counts)) return r.counts.flat().join(', ');
  return 'published';
}

function renderElections(c) {
  if (!c.elections.length) { fill('elections-table', el('caption', { class: 'muted' }, 'No council elections yet.')); return; }
  const mandate = (i) => c.mandates.find((m) => m.index === i);
  fill('elections-table',
    el('thead', {}, el('tr', {}, ['Election', 'Purpose', 'Stage', 'Result', ''].map((t) => el('th', { scope: 'col' }, t)))),
    el('tbody', {}, [...c.elections].reverse().map((e) => el('tr', { dataset: { election: e.election, purpose: e.purpose } },
      el('th', { scope: 'row' }, el('a', { href: recordLink(e.election), class: 'mono' }, e.election)),
      el('td', {}, PURPOSES[e.purpose] ?? e.purpose,
        e.mandate !== null && e.mandate !== undefined && mandate(e.mandate) ? el('span', { class: 'small block' }, `of ${mandate(e.mandate).delegate}`) : null,
        e.member ? el('span', { class: 'small block mono' }, e.member) : null),
      el('td', {}, stageWords(e.stage)),
      el('td', { class: 'small' }, resultText(e.result) ?? '—'),
      el('td', {}, isOpen(e.stage) ? el('a', { class: 'btn', href: voteLink(e.election) }, 'Vote') : null)))));
}

function renderDelegations(c) {
  fill('delegations-list', c.delegations.length ? c.delegations.map((d) => el('article', { class: 'card', dataset: { delegation: d.delegation } },
    el('h3', {}, `To ${d.to}`, el('span', { class: 'muted small' }, ` — ${d.delegation}, entry ${d.index}`)),
    el('p', {}, el('strong', {}, 'Delegates: '), d.delegates.join(', ')),
    el('p', { class: 'petition-text' }, d.mandate),
    d.ended ? el('p', { class: 'muted' }, `${d.ended.reason === 'recalled' ? 'Recalled' : 'Returned'} (entry ${d.ended.index})`,
      d.ended.statement ? `: ${d.ended.statement}` : '') : el('p', {}, badge('out', 'active'))))
    : el('p', { class: 'muted' }, 'No delegations.'));
}

function renderAppeals(c) {
  fill('appeals-list', c.appeals.length ? c.appeals.map((a) => el('article', { class: 'card' },
    el('h3', {}, `Appeal of member `, el('span', { class: 'mono' }, a.member), el('span', { class: 'muted small' }, ` — entry ${a.index}`)),
    el('p', {}, a.proven ? badge('proven: the appellant opened the member\'s commitment', 'active') : badge('not proven to be the member', 'recalled')),
    el('p', { class: 'petition-text' }, a.text)))
    : el('p', { class: 'muted' }, 'No appeals.'));
}

function renderProblems(c) {
  $('problems').hidden = !c.problems.length;
  fill('problems-list', c.problems.map((p) => el('li', {}, p.index === null || p.index === undefined ? '' : `entry ${p.index}: `, p.message)));
}

function render(c) {
  document.title = `${c.name} — council — veche`;
  fill('title', c.name);
  renderDue(c);
  renderRules(c);
  renderMandates(c);
  renderRoll(c);
  renderGroupings(c);
  renderFilter(c);
  renderFeed(c);
  renderPetitions(c);
  renderElections(c);
  renderDelegations(c);
  renderAppeals(c);
  renderProblems(c);
}

async function load(first) {
  const id = S.id;
  const c = await get(curl(id));
  if (id !== S.id) return;
  S.c = c;
  render(c);
  setStatus(`Read from the record at ${new Date().toLocaleTimeString()}; this page refreshes itself.`);
  if (first) {
    const pub = fragment().get('pub');
    if (pub) $(`pub-${pub}`)?.scrollIntoView({ block: 'start' });
  }
  schedule();
}

function schedule() {
  clearTimeout(S.timer);
  S.timer = setTimeout(async () => {
    if (document.hidden) { schedule(); return; }
    try { await load(false); } catch (e) { setStatus(`Could not refresh: ${describe(e)}. Trying again shortly.`, 'error'); schedule(); }
  }, REFRESH_MS);
}

async function showPicker() {
  $('council').hidden = true;
  $('pick').hidden = false;
  fill('title', 'Councils');
  try {
    const { councils } = await get('/api/v1/councils');
    fill('pick-list', councils.length ? councils.map((c) => el('li', {},
      el('a', { href: councilLink(c.id) }, c.name),
      el('span', { class: 'muted' }, ` · ${plural(c.members, 'member')} · ${c.delegates_active} of ${c.seats} seats held`),
      c.due.length ? el('span', { class: 'warn-text' }, ` · ${c.due.length} due`) : null)) : el('li', {}, 'No councils yet.'));
    setStatus('Choose a council.');
  } catch (e) {
    setStatus(`Could not load the councils: ${describe(e)}`, 'error');
  }
}

async function route() {
  clearTimeout(S.timer);
  const id = fragment().get('council');
  if (id === S.id && S.c) {      // only #pub changed
    const pub = fragment().get('pub');
    if (pub) $(`pub-${pub}`)?.scrollIntoView({ block: 'start' });
    schedule();
    return;
  }
  S.id = id;
  S.c = null;
  S.shownKey = '';
  if (!id) { await showPicker(); return; }
  $('pick').hidden = true;
  setStatus('Loading the council…');
  try {
    await VC.ready();
    await load(true);
    $('council').hidden = false;
    const pub = fragment().get('pub');
    if (pub) $(`pub-${pub}`)?.scrollIntoView({ block: 'start' });
  } catch (e) {
    $('council').hidden = true;
    fill('title', 'Councils');
    setStatus(e instanceof ApiError && e.status === 404 ? `There is no council "${id}" on this record.` : `Could not load the council: ${describe(e)}`, 'error');
  }
}

function start() {
  $('feed-filter').addEventListener('change', () => S.c && renderFeed(S.c));
  $('show-impostors').addEventListener('change', () => S.c && renderFeed(S.c));
  window.addEventListener('hashchange', route);
  route();
}

if (document.getElementById('feed-list')) start();
