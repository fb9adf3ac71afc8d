// rollkeeper.js — the roll keeper's and council administrator's area
// (rollkeeper.html), behind the administrator's session (POST /api/v1/login,
// as the administration page): list councils; create one from a form; then
// for one council (#council=ID): admit members one at a time or from a CSV
// (each member's standing code and roll salt are answered once by the server
// and held only in this page's memory: a CSV made in the browser and
// printable membership letters, never stored), record leaves and exclusions
// with their reasons, create council elections (seats, by-election,
// exclusion, question, or a recall from a petition), issue the mandates of a
// published result, end a mandate, tombstone a publication, and send and end
// delegations. Every refusal shows the server's own reason.
import { api, get, el, fill, fmtTime, download, fragment, ApiError } from './api.js';
import { curl, councilLink, recordLink, PURPOSES, stageWords, termText, permille, plural, STATUS_WORDS } from './council.js';
import { $, say, status, localInput, unixOf, adminSession, codesWarning, guardCodes, lettersOverlay } from './adminpage.js';

const DAY = 86400;

let current = null;   // the COUNCIL managed
let codes = null;     // {council, name, list: [{member, name, code, salt, index}], saved}
let flash = null;

// Login, logout and the session check: adminpage.js, shared with the administration page.
const { failed, start } = adminSession({ view: 'keeper-view', route, forget: forgetCodes });
const letters = lettersOverlay('codes');

// ---- the list ---------------------------------------------------------------------------------

async function showList() {
  fill('title', 'Roll keeper');
  const { councils } = await get('/api/v1/councils');
  $('list-empty').hidden = councils.length > 0;
  fill('council-table', councils.length ? [
    el('thead', {}, el('tr', {}, ['Council', 'Members', 'Seats held', 'Due'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, councils.map((c) => el('tr', {},
      el('td', {}, el('a', { href: `#council=${encodeURIComponent(c.id)}` }, c.name), el('br'), el('span', { class: 'mono muted small' }, c.id)),
      el('td', {}, String(c.members)),
      el('td', {}, `${c.delegates_active} of ${c.seats}`),
      el('td', { class: 'small' }, c.due.length ? c.due.map((d) => d.detail ?? d.kind).join('; ') : '—'))))] : []);
}

// ---- creating a council -------------------------------------------------------------------------

class FieldError extends Error {
  constructor(field, message) { super(message); this.field = field; }
}

// A trustee line: the line `veche keygen` prints (NAME+HEXID+base64(0x01 ||
// key)), or "NAME KEY" / "NAME,KEY" with the base64 key or that line.
export function trusteeLine(line, i) {
  const b64bytes = (s) => { try { return Uint8Array.from(atob(s), (c) => c.charCodeAt(0)); } catch { return null; } };
  const fromVkey = (s) => {
    const m = /^([^+\s]+)\+[0-9a-f]{8}\+([A-Za-z0-9+/]+=*)$/.exec(s);
    if (!m) return null;
    const b = b64bytes(m[2]);
    return b && b.length === 33 && b[0] === 1 ? { name: m[1], key: btoa(String.fromCharCode(...b.subarray(1))) } : null;
  };
  const s = line.trim();
  const alone = fromVkey(s);
  if (alone) return alone;
  const m = /^(.+?)[\s,]+(\S+)$/.exec(s);
  if (!m) throw new FieldError('trustees', `line ${i + 1}: "NAME KEY" or the line veche keygen printed expected`);
  const v = fromVkey(m[2]);
  if (v) return { name: m[1].trim(), key: v.key };
  const b = /^[A-Za-z0-9+/]{43}=$/.test(m[2]) ? b64bytes(m[2]) : null;
  if (!b || b.length !== 32) throw new FieldError('trustees', `line ${i + 1}: "${m[2].slice(0, 60)}" is not a public key`);
  return { name: m[1].trim(), key: m[2] };
}

function councilFromForm() {
  const num = (id, field) => {
    const v = Number($(id).value);
    if ($(id).value.trim() === '' || !Number.isFinite(v)) throw new FieldError(field, 'a number is needed');
    return v;
  };
  const trustees = $('n-trustees').value.split('\n').filter((l) => l.trim()).map(trusteeLine);
  if (!trustees.length) throw new FieldError('trustees', 'name at least one trustee');
  return {
    council: $('n-council').value.trim(), name: $('n-name').value.trim(),
    seats: num('n-seats', 'seats'), term: Math.round(num('n-term', 'term') * DAY),
    recall: { threshold: Math.round(num('n-threshold-pet', 'recall.threshold') * 10), majority: Math.round(num('n-majority', 'recall.majority') * 10) },
    trustees, threshold: num('n-threshold', 'threshold'), exclusion_vote: $('n-exclusion').value === 'true',
  };
}

function showFieldError(field, message) {
  for (const n of $('new-form').querySelectorAll('[aria-invalid]')) n.removeAttribute('aria-invalid');
  let path = field ?? '';
  let target = null;
  while (path && !target) {
    target = $('new-form').querySelector(`[data-field="${CSS.escape(path)}"]`);
    path = path.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
  }
  if (target) target.setAttribute('aria-invalid', 'true');
  fill('new-errors', el('div', { class: 'message error' }, el('p', {}, el('strong', {}, 'The council was not created. ')),
    el('p', {}, field && !message.startsWith(field) ? `${field}: ` : '', message)));
  if (target?.matches('input, textarea, select')) target.focus(); else $('new-errors').scrollIntoView({ block: 'center' });
}

$('new-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  fill('new-errors');
  let body;
  try { body = councilFromForm(); } catch (e) {
    if (e instanceof FieldError) { showFieldError(e.field, e.message); return; }
    throw e;
  }
  $('n-create').disabled = true;
  try {
    const c = await api('POST', '/api/v1/councils', { json: body });
    $('new-form').reset();
    flash = [`Council “${c.name}” is on the record. Next: admit its members.`, 'ok'];
    location.hash = `#council=${encodeURIComponent(c.id)}`;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) failed(e);
    else showFieldError(e.field, e.message);
  } finally {
    $('n-create').disabled = false;
  }
});

// ---- one council --------------------------------------------------------------------------------

// Active members, from the roll's history (in record order).
function activeMembers(c) {
  const on = new Map();
  for (const h of c.roll_history) {
    if (h.action === 'join') on.set(h.member, h.index); else on.delete(h.member);
  }
  return [...on.keys()];
}

const opt = (value, text) => el('option', { value: String(value) }, text);
const none = (text) => el('option', { value: '' }, text);
// Refills a select, keeping its choice when that option is still there.
function options(sel, list, empty) {
  const was = $(sel).value;
  fill(sel, list.length ? list : none(empty));
  $(sel).disabled = !list.length;
  if (was && [...$(sel).options].some((o) => o.value === was)) $(sel).value = was;
}

function renderManage(c) {
  current = c;
  fill('title', `Roll keeper — ${c.name}`);
  fill('m-title', c.name);
  fill('m-facts',
    el('dt', {}, 'Council'), el('dd', {}, el('a', { href: councilLink(c.id) }, 'public page'), ' · ', el('span', { class: 'mono' }, c.id)),
    el('dt', {}, 'Members'), el('dd', {}, `${c.members} active, ${c.standing} standing credentials`, c.pending ? `, ${c.pending} pending` : ''),
    el('dt', {}, 'Seats'), el('dd', {}, `${c.seats}, terms of ${termText(c.term)}`),
    el('dt', {}, 'Recall'), el('dd', {}, `petition ${permille(c.recall.threshold)}, vote ${permille(c.recall.majority)}`));
  fill('m-due', c.due.length ? el('div', { class: 'message info' }, el('strong', {}, 'Due: '),
    el('ul', {}, c.due.map((d) => el('li', {}, d.detail ?? d.kind)))) : null);

  const members = activeMembers(c);
  options('l-member', members.map((m) => opt(m, m)), 'No active members');
  options('e-member', members.map((m) => opt(m, m)), 'No active members');
  const excl = c.elections.filter((e) => e.purpose === 'exclusion');
  options('l-election', excl.map((e) => opt(e.election, `${e.election} (${e.member}, ${stageWords(e.stage)})`)), 'No exclusion votes');
  $('l-election-box').hidden = !(c.exclusion_vote && $('l-action').value === 'exclude');

  const ended = c.mandates.filter((m) => m.status === 'recalled' || m.status === 'resigned');
  const live = c.mandates.filter((m) => m.status === 'active' || m.status === 'elected');
  options('e-mandate', [...ended, ...live].map((m) => opt(m.index, `${m.delegate} (${STATUS_WORDS[m.status] ?? m.status}, entry ${m.index})`)), 'No mandates');
  const succeeded = c.petitions.filter((p) => p.succeeded_at !== null && p.succeeded_at !== undefined && !p.recall_election);
  options('e-petition', succeeded.map((p) => opt(p.index, `recall ${p.delegate} (petition at entry ${p.index})`)), 'No petition awaits its vote');
  const issuable = c.elections.filter((e) => (e.purpose === 'seats' || e.purpose === 'by-election') && e.result &&
    !c.mandates.some((m) => m.election === e.election));
  options('md-election', issuable.map((e) => opt(e.election, `${e.election} (${PURPOSES[e.purpose]})`)), 'No published result without mandates');
  options('x-mandate', live.map((m) => opt(m.index, `${m.delegate} (entry ${m.index}, to ${fmtTime(m.end)})`)), 'No active mandates');
  renderEndElections();
  options('t-pub', c.publications.filter((p) => !p.tombstone).map((p) => opt(p.index,
    `${p.title} — ${p.grouping ? p.author : 'a member'} (entry ${p.index})${p.impostor ? ' [impostor]' : ''}`)), 'No publications');
  options('de-id', c.delegations.filter((d) => !d.ended).map((d) => opt(d.delegation, `${d.delegation} — to ${d.to}`)), 'No delegation is out');
  purposeChanged();
  renderCodes();
}

function renderEndElections() {
  const c = current;
  const m = Number($('x-mandate').value);
  const recalls = c.elections.filter((e) => e.purpose === 'recall' && e.mandate === m);
  options('x-election', recalls.map((e) => opt(e.election, `${e.election} (${stageWords(e.stage)})`)), 'No recall vote for this mandate');
  $('x-election-box').hidden = $('x-reason').value !== 'recalled';
}

async function reload() {
  const c = await get(curl(current.id));
  if (fragment().get('council') === c.id) renderManage(c);
}

// Runs one administrator action: the server's refusal goes into m-status.
async function act(button, what, fn) {
  $(button).disabled = true;
  try {
    const msg = await fn();
    // The page shows the council as it is after the step, then says so.
    await reload().catch(() => {});
    say('m-status', msg, 'ok');
  } catch (e) {
    failed(e, 'm-status', `${what}: refused — `);
  } finally {
    $(button).disabled = false;
  }
}

// ---- admitting members and their codes ----------------------------------------------------------

function admitRows() {
  const rows = $('a-csv').value.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !/^member\s*,\s*name$/i.test(l))
    .map((l, i) => {
      const k = l.indexOf(',');
      if (k < 0) throw new Error(`line ${i + 1}: "member,name" expected`);
      return { member: l.slice(0, k).trim(), name: l.slice(k + 1).trim().replace(/^"(.*)"$/, '$1'), reason: '' };
    });
  if ($('a-member').value.trim()) {
    rows.unshift({ member: $('a-member').value.trim(), name: $('a-name').value.trim(), reason: $('a-reason').value.trim() });
  }
  return rows;
}

$('a-csv').addEventListener('input', () => {
  let n = 0;
  try { n = admitRows().length; } catch { n = 0; }
  $('a-count').textContent = n ? `${plural(n, 'member')} to admit.` : '';
});

$('admit-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  let rows;
  try { rows = admitRows(); } catch (e) { say('m-status', e.message, 'error'); return; }
  if (!rows.length) { say('m-status', 'Give a member id and a name, or paste member,name lines.', 'error'); $('a-member').focus(); return; }
  const c = current;
  if (!codes || codes.council !== c.id) codes = { council: c.id, name: c.name, list: [], saved: false };
  $('a-go').disabled = true;
  let done = 0;
  try {
    for (const row of rows) {
      say('m-status', `Admitting ${row.member} (${done + 1} of ${rows.length})…`);
      const r = await api('POST', curl(c.id, '/roll'), { json: { action: 'join', member: row.member, name: row.name, reason: row.reason } });
      codes.list.push({ member: r.member, name: row.name, code: r.code, salt: r.salt, index: r.index });
      codes.saved = false;
      done++;
    }
    for (const id of ['a-member', 'a-name', 'a-reason', 'a-csv']) $(id).value = '';
    $('a-count').textContent = '';
    say('m-status', `${plural(done, 'member')} admitted. Save the codes now: they are shown only this once.`, 'ok');
  } catch (e) {
    failed(e, 'm-status', `${done ? `${plural(done, 'member')} admitted (their codes are below); then ` : ''}member ${rows[done].member} was refused: `);
  } finally {
    $('a-go').disabled = false;
    await reload().catch(() => {});
    if (codes?.list.length) $('codes-h').focus();
  }
});

const inviteLink = (council, code) => `${location.origin}/member.html#council=${encodeURIComponent(council)}&code=${encodeURIComponent(code)}`;

function csvField(v) {
  const s = String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function codesCsv(council, list) {
  const lines = ['member,name,code,salt,council,link'];
  for (const m of list) lines.push([m.member, m.name, m.code, m.salt, council, inviteLink(council, m.code)].map(csvField).join(','));
  return lines.join('\r\n') + '\r\n';
}

function renderCodes() {
  const show = codes && current && codes.council === current.id && codes.list.length > 0;
  $('codes').hidden = !show;
  if (!show) return;
  codesWarning(codes.list.length, 'A code lets its holder sign petitions and vote as a member. Give each code to its member only.');
  fill('codes-table',
    el('thead', {}, el('tr', {}, ['Member', 'Name', 'Standing code', 'Roll salt'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, codes.list.map((m) => el('tr', {}, el('td', { class: 'mono' }, m.member), el('td', {}, m.name),
      el('td', { class: 'mono' }, m.code), el('td', { class: 'mono small' }, m.salt)))));
}

function forgetCodes() {
  codes = null;
  fill('codes-table');
  letters.close();
  $('codes').hidden = true;
}

$('codes-csv').addEventListener('click', () => {
  download(`${codes.council}-members.csv`, codesCsv(codes.council, codes.list), 'text/csv');
  codes.saved = true;
  say('m-status', `Downloaded ${codes.council}-members.csv: it holds every new member's code. Keep it safe, then delete it.`, 'ok');
});

guardCodes(() => codes && codes.list.length && !codes.saved, forgetCodes,
  'Forget the codes? They have not been downloaded or printed; nobody can show them again.');

function letter(c, m, i, n) {
  return el('article', { class: 'letter', 'aria-label': `Letter ${i + 1} of ${n}: ${m.name}` },
    el('p', { class: 'letter-org' }, c.name),
    el('h2', { class: 'letter-to' }, m.name),
    el('p', {}, 'You are a member of ', el('strong', {}, c.name), ', with the member id ', el('span', { class: 'mono' }, m.member), '.'),
    el('p', { class: 'letter-label' }, 'Your standing code'),
    el('p', { class: 'letter-code mono' }, m.code),
    el('p', {}, 'With it you vote in the council\'s elections, sign petitions and publish as a member:'),
    el('span', { class: 'letter-link mono' }, inviteLink(c.id, m.code)),
    el('p', { class: 'letter-label' }, 'Your roll salt'),
    el('p', { class: 'letter-salt mono' }, m.salt),
    el('p', { class: 'small' }, 'The roll shows your member id and a sealed commitment to your name. With this salt and your name you can prove that entry is yours, ',
      'for instance in an appeal; nobody else can open it.'),
    el('h3', {}, 'Keep this letter secret'),
    el('p', {}, 'Anyone holding the code can sign and vote as a member. Your signatures can be linked to each other, but never to your name, and nobody can see how you vote.'),
    el('p', { class: 'muted small' }, `Council ${c.id} · letter ${i + 1} of ${n}`));
}

$('codes-letters').addEventListener('click', () => {
  const c = { id: codes.council, name: codes.name };
  letters.open('Back to the roll keeper', codes.list.length,
    codes.list.map((m, i) => letter(c, m, i, codes.list.length)), () => { codes.saved = true; });
});

// ---- the roll: leave and exclude ------------------------------------------------------------------

$('l-action').addEventListener('change', () => { $('l-election-box').hidden = !(current?.exclusion_vote && $('l-action').value === 'exclude'); });
$('leave-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const member = $('l-member').value;
  const action = $('l-action').value;
  const reason = $('l-reason').value.trim();
  if (!member) { say('m-status', 'There is no active member to take off the roll.', 'error'); return; }
  if (!reason) { say('m-status', 'State the reason: it is public, on the record.', 'error'); $('l-reason').focus(); return; }
  const body = { action, member, reason };
  if (action === 'exclude' && current.exclusion_vote) body.election = $('l-election').value;
  act('l-go', action === 'leave' ? 'Leave' : 'Exclusion', async () => {
    const r = await api('POST', curl(current.id, '/roll'), { json: body });
    $('l-reason').value = '';
    return `Member ${member} ${action === 'leave' ? 'left' : 'was excluded'} (entry ${r.index}); their standing credential is revoked.`;
  });
});

// ---- elections ------------------------------------------------------------------------------------


function purposeChanged() {
  const p = $('e-purpose').value;
  $('e-candidates-box').hidden = !(p === 'seats' || p === 'by-election');
  $('e-mandate-box').hidden = p !== 'by-election';
  $('e-petition-box').hidden = p !== 'recall';
  $('e-member-box').hidden = p !== 'exclusion';
  $('e-question-box').hidden = p !== 'question';
}
$('e-purpose').addEventListener('change', purposeChanged);

$('elect-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const purpose = $('e-purpose').value;
  const body = { purpose, title: $('e-title').value.trim(), opens: unixOf($('e-opens').value), closes: unixOf($('e-closes').value) };
  if (!body.title) { say('m-status', 'Give the election a title.', 'error'); $('e-title').focus(); return; }
  if (!Number.isFinite(body.opens) || !Number.isFinite(body.closes)) { say('m-status', 'Choose when the election opens and closes.', 'error'); return; }
  if (purpose === 'seats' || purpose === 'by-election') {
    body.candidates = $('e-candidates').value.split('\n').map((s) => s.trim()).filter(Boolean);
    if (!body.candidates.length) { say('m-status', 'Name the candidates, one a line.', 'error'); $('e-candidates').focus(); return; }
  }
  if (purpose === 'by-election') body.mandate = Number($('e-mandate').value);
  if (purpose === 'recall') {
    if ($('e-petition').value === '') { say('m-status', 'No petition has succeeded without its vote.', 'error'); return; }
    body.petition = Number($('e-petition').value);
  }
  if (purpose === 'exclusion') body.member = $('e-member').value;
  if (purpose === 'question') {
    body.question = $('e-question').value.trim();
    if (!body.question) { say('m-status', 'Write the question.', 'error'); $('e-question').focus(); return; }
  }
  act('e-go', 'The election', async () => {
    const r = await api('POST', curl(current.id, '/elections'), { json: body });
    $('e-title').value = '';
    $('e-candidates').value = '';
    return [`Election `, el('a', { href: recordLink(r.election), class: 'mono' }, r.election),
      ' is on the record with the standing list as its roll. Next: the trustees run the key ceremony; then open it from the ',
      el('a', { href: `/admin.html#election=${encodeURIComponent(r.election)}` }, 'administration'), '.'];
  });
});

// ---- mandates ---------------------------------------------------------------------------------------

$('mandate-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const election = $('md-election').value;
  if (!election) { say('m-status', 'No published result is waiting for its mandates.', 'error'); return; }
  act('md-go', 'The mandates', async () => {
    const r = await api('POST', curl(current.id, '/mandates'), { json: { election } });
    const n = Array.isArray(r.mandates) ? r.mandates.length : null;
    return `The mandates of ${election} are on the record${n !== null ? ` (${plural(n, 'delegate')})` : ''}.`;
  });
});

$('x-mandate').addEventListener('change', renderEndElections);
$('x-reason').addEventListener('change', renderEndElections);
$('end-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  if ($('x-mandate').value === '') { say('m-status', 'No active mandate to end.', 'error'); return; }
  const body = { mandate: Number($('x-mandate').value), reason: $('x-reason').value, statement: $('x-statement').value.trim() };
  if (body.reason === 'recalled') body.election = $('x-election').value;
  act('x-go', 'Ending the mandate', async () => {
    const r = await api('POST', curl(current.id, '/mandate_end'), { json: body });
    $('x-statement').value = '';
    return `The mandate ended (${body.reason}) at entry ${r.index}. A by-election is due.`;
  });
});

// ---- tombstones and delegations -----------------------------------------------------------------------

$('tomb-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const publication = $('t-pub').value;
  const reason = $('t-reason').value.trim();
  if (publication === '') { say('m-status', 'There is no publication to remove.', 'error'); return; }
  if (!reason) { say('m-status', 'State the reason: it stays on the record in place of the text.', 'error'); $('t-reason').focus(); return; }
  if (!confirm('Remove this publication\'s text? Its title, author, hash and your reason stay on the record; the text cannot be brought back from this server.')) return;
  act('t-go', 'The removal', async () => {
    const r = await api('POST', curl(current.id, '/tombstones'), { json: { publication: Number(publication), reason } });
    $('t-reason').value = '';
    return `The text is removed; the tombstone is at entry ${r.index}.`;
  });
});

$('del-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const body = { delegation: $('d-id').value.trim(), to: $('d-to').value.trim(),
    delegates: $('d-delegates').value.split('\n').map((s) => s.trim()).filter(Boolean), mandate: $('d-mandate').value.trim() };
  if (!body.delegation || !body.to || !body.delegates.length || !body.mandate) {
    say('m-status', 'A delegation needs an id, where it goes, its delegates and its mandate.', 'error');
    return;
  }
  act('d-go', 'The delegation', async () => {
    const r = await api('POST', curl(current.id, '/delegations'), { json: body });
    for (const id of ['d-id', 'd-to', 'd-delegates', 'd-mandate']) $(id).value = '';
    return `The delegation to ${body.to} is on the record (entry ${r.index}).`;
  });
});

$('dend-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const d = $('de-id').value;
  if (!d) { say('m-status', 'No delegation is out.', 'error'); return; }
  act('de-go', 'Ending the delegation', async () => {
    const r = await api('POST', curl(current.id, `/delegations/${encodeURIComponent(d)}/end`),
      { json: { reason: $('de-reason').value, statement: $('de-statement').value.trim() } });
    $('de-statement').value = '';
    return `The delegation ${d} ended (entry ${r.index}).`;
  });
});

// ---- routing ---------------------------------------------------------------------------------------------

function resetElectionDates() {
  const start = new Date(Math.ceil(Date.now() / 3600000) * 3600000);
  $('e-opens').value = localInput(start);
  $('e-closes').value = localInput(new Date(start.getTime() + 7 * DAY * 1000));
}

async function route() {
  letters.close();
  status(...(flash ?? ['']));
  flash = null;
  const f = fragment();
  const view = f.get('council') ? 'manage' : (location.hash === '#new' ? 'new' : 'list');
  for (const v of ['list', 'new', 'manage']) $(`${v}-view`).hidden = v !== view;
  try {
    if (view === 'list') await showList();
    else if (view === 'new') { fill('title', 'Roll keeper'); $('n-council').focus(); }
    else {
      fill('m-status');
      resetElectionDates();
      renderManage(await get(curl(f.get('council'))));
      $('m-title').focus();
    }
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) status(`There is no council "${f.get('council')}".`, 'error');
    else failed(e, 'status', 'Could not load: ');
  }
}

start();
