// admin.js — the administration pages: log in; list the elections; create one
// from a form (the manifest of SPEC §3.4 without credential_authority, which
// the server puts in); then for one election (#election=ID): import the roll
// and hand out the codes (shown once: a CSV made in the browser and printable
// letters built on this page, never sent back anywhere), follow the trustees'
// key ceremony and decryption with the commands they run, and take the
// election through its steps (key, open, close, tally, result). Every refusal
// shows the server's own reason.
import { api, get, el, fill, fmtTime, download, fragment, ApiError } from './api.js';
import { STAGES, stageBadge, recordLink } from './home.js';
import { codesCsv, renderLetters } from './letters.js';
import { $, say, status, localInput, unixOf, adminSession, codesWarning, guardCodes, lettersOverlay } from './adminpage.js';

const REFRESH_MS = 4000;     // trustee progress, while someone else is acting
const eurl = (id, tail = '') => `/api/v1/elections/${encodeURIComponent(id)}${tail}`;

// The codes of the last roll import, held only in this page's memory.
let codes = null;           // {election, title, organisation, list, saved}
let current = null;         // the DETAIL shown in the manage view
let timer = null;
let flash = null;           // a message to show after the next route()

// Login, logout and the session check: adminpage.js, shared with the roll keeper's page.
const { failed, start } = adminSession({ view: 'admin-view', route, forget: forgetCodes,
                                         stop: () => clearTimeout(timer) });
const letters = lettersOverlay('m-codes');

// ---- the list ----------------------------------------------------------------------------

async function showList() {
  fill('title', 'Administration');
  const { elections } = await get('/api/v1/elections');
  $('list-empty').hidden = elections.length > 0;
  fill('election-table', elections.length ? [
    el('thead', {}, el('tr', {}, ['Election', 'Stage', 'Voters', 'Ballots', 'Window']
      .map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, elections.map((e) => el('tr', {},
      el('td', {}, el('a', { href: `#election=${encodeURIComponent(e.id)}` }, e.title),
        el('br'), el('span', { class: 'mono muted small' }, e.id)),
      el('td', {}, stageBadge(e.stage)),
      el('td', {}, String(e.voters)),
      el('td', {}, String(e.ballots)),
      el('td', { class: 'small' }, `${fmtTime(e.opens)} – ${fmtTime(e.closes)}`))))] : []);
}

// ---- the new-election form -------------------------------------------------------------

let nBlocks = 0;   // unique ids for labels; data-field is renumbered on change

function contestBlock() {
  const n = ++nBlocks;
  const id = (k) => `c${n}-${k}`;
  const box = el('fieldset', { class: 'contest' },
    el('legend', {}, 'Contest'),
    el('label', { for: id('question') }, 'Question'),
    el('input', { id: id('question'), type: 'text', 'data-part': 'question', required: true, maxlength: 1024 }),
    el('label', { for: id('options') }, 'Options, one a line'),
    el('textarea', { id: id('options'), 'data-part': 'options', rows: 4, required: true }),
    el('div', { class: 'three' },
      el('div', {}, el('label', { for: id('min') }, 'At least'),
        el('input', { id: id('min'), type: 'number', 'data-part': 'min', min: 0, value: 1, required: true })),
      el('div', {}, el('label', { for: id('max') }, 'At most'),
        el('input', { id: id('max'), type: 'number', 'data-part': 'max', min: 1, value: 1, required: true })),
      el('div', {}, el('label', { for: id('id') }, 'Short id'),
        el('input', { id: id('id'), type: 'text', 'data-part': 'id', maxlength: 64, required: true,
                      spellcheck: 'false', autocomplete: 'off' }))),
    el('label', { class: 'choice' },
      el('input', { type: 'checkbox', 'data-part': 'blank' }), 'Voters may vote blank'),
    el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'secondary remove' }, 'Remove this contest')));
  box.querySelector('.remove').addEventListener('click', () => { box.remove(); renumber(); });
  box.querySelector('[data-part=id]').value = `q${$('contests').children.length + 1}`;
  return box;
}

function trusteeBlock() {
  const n = ++nBlocks;
  const id = (k) => `t${n}-${k}`;
  const box = el('fieldset', { class: 'trustee' },
    el('legend', {}, 'Trustee'),
    el('label', { for: id('name') }, 'Name'),
    el('input', { id: id('name'), type: 'text', 'data-part': 'name', required: true, maxlength: 64 }),
    el('label', { for: id('key') }, 'Public key'),
    el('input', { id: id('key'), type: 'text', 'data-part': 'key', required: true, class: 'mono',
                  spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'key-help' }),
    el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'secondary remove' }, 'Remove this trustee')));
  box.querySelector('.remove').addEventListener('click', () => { box.remove(); renumber(); });
  return box;
}

// Legends and data-field paths follow the order on screen, as the server's
// error.field does ("contests[1].max").
function renumber() {
  [...$('contests').children].forEach((box, i) => {
    box.querySelector('legend').textContent = `Contest ${i + 1}`;
    box.dataset.field = `contests[${i}]`;
    for (const inp of box.querySelectorAll('[data-part]')) inp.dataset.field = `contests[${i}].${inp.dataset.part}`;
    box.querySelector('.remove').disabled = $('contests').children.length === 1;
  });
  [...$('trustees').children].forEach((box, i) => {
    box.querySelector('legend').textContent = `Trustee ${i + 1}`;
    box.dataset.field = `trustees[${i}]`;
    for (const inp of box.querySelectorAll('[data-part]')) inp.dataset.field = `trustees[${i}].${inp.dataset.part}`;
    box.querySelector('.remove').disabled = $('trustees').children.length === 1;
  });
  const n = $('trustees').children.length;
  $('f-threshold').max = n;
  fill('f-threshold-help', `Any ${$('f-threshold').value || 't'} of the ${n} trustees can decrypt the tally together; fewer cannot decrypt anything.`);
}

function resetForm() {
  $('new-form').reset();
  fill('contests', contestBlock());
  fill('trustees', trusteeBlock());
  const start = new Date(Math.ceil(Date.now() / 3600000) * 3600000);
  $('f-opens').value = localInput(start);
  $('f-closes').value = localInput(new Date(start.getTime() + 7 * 86400000));
  renumber();
  clearErrors();
}

// A trustee's public key: base64 of 32 bytes, or the verifier-key line that
// `veche keygen` prints (NAME+HEXID+base64(0x01 || key)), from which we take
// the key.
function trusteeKey(text) {
  const s = text.trim();
  const bytes = (b64) => { try { return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)); } catch { return null; } };
  const vkey = s.match(/^[^+\s]+\+[0-9a-f]{8}\+([A-Za-z0-9+/]+=*)$/);
  if (vkey) {
    const b = bytes(vkey[1]);
    if (b && b.length === 33 && b[0] === 1) return btoa(String.fromCharCode(...b.subarray(1)));
  }
  const b = /^[A-Za-z0-9+/]{43}=$/.test(s) ? bytes(s) : null;
  if (b && b.length === 32) return s;
  throw new Error('not a public key: paste the line veche keygen printed, or the 44-character base64 key');
}

class FieldError extends Error {
  constructor(field, message) { super(message); this.field = field; }
}

// The manifest body of SPEC §3.4, without credential_authority. Throws
// FieldError for what the browser can see is wrong; the server checks all.
function manifestFromForm() {
  const val = (id) => $(id).value.trim();
  const int = (inp) => {
    const n = Number(inp.value);
    if (inp.value.trim() === '' || !Number.isInteger(n)) throw new FieldError(inp.dataset.field, 'a whole number is needed');
    return n;
  };
  const opens = unixOf($('f-opens').value), closes = unixOf($('f-closes').value);
  if (!Number.isFinite(opens)) throw new FieldError('opens', 'choose a date and time');
  if (!Number.isFinite(closes)) throw new FieldError('closes', 'choose a date and time');
  const contests = [...$('contests').children].map((box) => {
    const part = (p) => box.querySelector(`[data-part=${p}]`);
    const options = part('options').value.split('\n').map((s) => s.trim()).filter(Boolean);
    if (!options.length) throw new FieldError(part('options').dataset.field, 'give at least one option, one a line');
    return { blank: part('blank').checked, id: part('id').value.trim(), max: int(part('max')), min: int(part('min')),
             options, question: part('question').value.trim() };
  });
  const trustees = [...$('trustees').children].map((box) => {
    const name = box.querySelector('[data-part=name]').value.trim();
    const keyInput = box.querySelector('[data-part=key]');
    let key;
    try { key = trusteeKey(keyInput.value); } catch (e) { throw new FieldError(keyInput.dataset.field, e.message); }
    return { key, name };
  });
  return { closes, contests, election: val('f-election'), opens, organisation: val('f-organisation'),
           threshold: int($('f-threshold')), title: val('f-title'), trustees };
}

function clearErrors() {
  fill('form-errors');
  for (const n of $('new-form').querySelectorAll('[aria-invalid]')) n.removeAttribute('aria-invalid');
  for (const n of $('new-form').querySelectorAll('.field-error')) n.remove();
}

// Shows a field's error next to it: the server's field is the manifest path
// ("manifest.contests[1].options[3]"); the nearest input or group we have.
function showFieldError(field, message) {
  clearErrors();
  let path = (field ?? '').replace(/^manifest\./, '');
  let target = null;
  while (path && !target) {   // contests[1].options[3] → contests[1].options → contests[1] → contests
    target = $('new-form').querySelector(`[data-field="${CSS.escape(path)}"]`);
    path = path.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
  }
  const msgId = 'field-error-msg';
  // The server's message often starts with the path already: not twice.
  const short = field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  const note = el('p', { class: 'field-error', id: msgId }, short);
  if (target) {
    target.setAttribute('aria-invalid', 'true');
    target.after(note);
  }
  fill('form-errors', el('div', { class: 'message error' },
    el('p', {}, el('strong', {}, 'The election was not created. ')),
    el('p', {}, field && short === message ? `${field}: ` : '', message)));
  if (target && target.matches('input, textarea, select')) target.focus();
  else $('form-errors').scrollIntoView({ block: 'center' });
}

$('add-contest').addEventListener('click', () => {
  const box = contestBlock();
  $('contests').append(box);
  renumber();
  box.querySelector('[data-part=question]').focus();
});
$('add-trustee').addEventListener('click', () => {
  const box = trusteeBlock();
  $('trustees').append(box);
  renumber();
  box.querySelector('[data-part=name]').focus();
});
$('f-threshold').addEventListener('input', renumber);

$('new-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors();
  let body;
  try {
    body = manifestFromForm();
  } catch (e) {
    if (e instanceof FieldError) { showFieldError(e.field, e.message); return; }
    throw e;
  }
  $('create').disabled = true;
  try {
    const d = await api('POST', '/api/v1/elections', { json: body });
    resetForm();
    flash = [`Election "${d.title}" is on the record. Next: the trustees run the key ceremony, and you import the roll.`, 'ok'];
    location.hash = `#election=${encodeURIComponent(d.id)}`;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) failed(e);
    else showFieldError(e.field, e.message);
  } finally {
    $('create').disabled = false;
  }
});

// ---- one election ----------------------------------------------------------------------

const STEP_NAMES = [['trustee.key', 'key'], ['trustee.commit', 'commit'],
                    ['trustee.shares', 'reveal'], ['trustee.decryption', 'decrypt']];

// The next command a trustee runs, judged from everyone's steps.
function nextStep(t, d) {
  const all = (type) => d.trustees.every((x) => x.steps.includes(type));
  if (!t.steps.includes('trustee.key')) return 'init';
  if (!t.steps.includes('trustee.commit')) return 'commit';
  if (!t.steps.includes('trustee.shares')) return all('trustee.commit') ? 'reveal' : 'wait: the others commit';
  if (!d.key) return all('trustee.shares') ? 'check' : 'wait: the others reveal';
  if (d.stage === 'tallied' && !t.steps.includes('trustee.decryption')) return 'decrypt';
  if (t.steps.includes('trustee.decryption')) return 'done';
  return d.stage === 'published' ? 'done' : 'wait: the tally';
}

function renderTrustees(d) {
  fill('m-trustees-note', `${d.threshold} of ${d.trustees.length} trustees are needed to decrypt. `,
    d.stage === 'tallied' ? `Decryptions so far: ${d.trustees.filter((t) => t.steps.includes('trustee.decryption')).length}.` : '');
  const mark = (t, type) => (t.steps.includes(type)
    ? el('span', { class: 'done' }, '✓', el('span', { class: 'visually-hidden' }, ' done'))
    : el('span', { class: 'muted' }, '–', el('span', { class: 'visually-hidden' }, ' not yet')));
  fill('m-trustees',
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Trustee'),
      STEP_NAMES.map(([, n]) => el('th', { scope: 'col' }, n)), el('th', { scope: 'col' }, 'Next'))),
    el('tbody', {}, d.trustees.map((t) => el('tr', { dataset: { trustee: t.name } },
      el('th', { scope: 'row' }, t.name,
        t.steps.includes('trustee.complaint') ? el('span', { class: 'warn-text' }, ' (filed a complaint)') : null),
      STEP_NAMES.map(([type]) => el('td', {}, mark(t, type))),
      el('td', { class: 'small' }, nextStep(t, d))))));
  // The state file names the election after init; the mirror is kept beside it.
  const rec = `--server ${location.origin} --state TRUSTEE.state --key TRUSTEE.key`;
  const cmd = (verb, more = '') => `veche trustee ${verb}${more} \\\n    ${rec}`;
  fill('m-commands', [
    '# TRUSTEE.key is the file veche keygen made; TRUSTEE.state is made by init.',
    '# 1. each trustee, now (makes the secret state file and publishes a key):',
    cmd('init', ` --election ${d.id}`),
    cmd('commit'),
    '# 2. once every trustee has committed:',
    cmd('reveal'),
    '# 3. once every trustee has revealed (checks the shares dealt to you):',
    cmd('check'),
    '# 4. after the tally, at least the threshold of trustees:',
    cmd('decrypt'),
    '# anyone, at any time, checks the whole record:',
    `veche verify --server ${location.origin} --election ${d.id}`].join('\n'));
}

function decryptions(d) {
  const n = d.trustees.filter((t) => t.steps.includes('trustee.decryption')).length;
  if (d.stage !== 'tallied') return `Needs ${d.threshold} trustees' decryptions of the tally.`;
  return n >= d.threshold ? `${n} decryptions are in (${d.threshold} needed): ready to publish.`
    : `${n} of the ${d.threshold} decryptions needed are in.`;
}

// The administrator's steps: [label, route, enabled?, what it does / why not].
function steps(d) {
  const hasRoll = d.voters > 0;
  return [
    ['Finish the key ceremony', '/key', d.stage === 'setup' && !d.key,
     d.key ? 'Done: the joint key is on the record.' : 'Once every trustee has revealed and checked, publish the joint key.'],
    ['Open the election', '/open', d.stage === 'ready',
     d.open_index !== null ? `Done: opened at entry ${d.open_index}.`
       : (d.stage === 'setup' ? `Needs the joint key${hasRoll ? '' : ' and the roll'}.` : 'Voters can vote from then on.')],
    ['Close the election', '/close', d.stage === 'open',
     d.close_index !== null ? `Done: closed at entry ${d.close_index}.` : 'No ballot is accepted after it.'],
    ['Count the ballots (tally)', '/tally', d.stage === 'closed',
     d.tally ? `Done: ${d.tally.ballots} ballots, weight ${d.tally.weight}.` : 'Verifies every ballot and adds up the counted ones, still encrypted.'],
    ['Publish the result', '/result', d.stage === 'tallied',
     d.result ? 'Done: the result is on the record.' : decryptions(d)],
  ];
}

// Redrawn on every refresh: a keyboard user's focus stays on the same step.
function renderSteps(d) {
  const focused = document.activeElement?.closest?.('#m-steps') ? document.activeElement.dataset.action : null;
  fill('m-steps', steps(d).map(([label, path, enabled, why]) => {
    const b = el('button', { type: 'button', disabled: !enabled, dataset: { action: path } }, label);
    b.addEventListener('click', () => act(d.id, path, label, b));
    return el('li', { class: enabled ? 'current' : '' }, b, el('span', { class: 'muted step-why' }, ' ', why));
  }));
  if (focused) {
    const again = $('m-steps').querySelector(`button[data-action="${focused}"]`);
    (again && !again.disabled ? again : $('m-steps').querySelector('button:not(:disabled)') ?? $('m-title')).focus();
  }
}

let busy = false;           // an action is in flight: no refresh redraws its button

async function act(id, path, label, button) {
  if (busy) return;
  // Closing cannot be undone, and no ballot is accepted after it: ask first.
  if (path === '/close' && !confirm(`Close "${current?.title ?? id}" now? No ballot will be accepted after it, and it cannot be reopened.`)) return;
  busy = true;
  clearTimeout(timer);
  button.disabled = true;
  say('m-status', `${label}…`, 'info');
  let d = null, err = null;
  try {
    d = await api('POST', eurl(id, path), { json: {} });
  } catch (e) {
    err = e;
  }
  busy = false;
  if (d) {
    const [stage] = STAGES[d.stage] ?? [d.stage];
    say('m-status', `${label}: done. The election is now: ${stage}.`, 'ok');
    renderManage(d);
    // On to the next step (the button that was pressed is gone).
    ($('m-steps').querySelector('button:not(:disabled)') ?? $('m-title')).focus();
  } else {
    failed(err, 'm-status', `${label}: refused. `);
    await refresh(id).catch(() => {});
    $('m-steps').querySelector(`button[data-action="${path}"]:not(:disabled)`)?.focus();
  }
}

function renderManage(d) {
  current = d;
  fill('title', d.title);
  fill('m-title', 'Manage: ', el('span', { class: 'mono' }, d.id));
  const [, explain] = STAGES[d.stage] ?? ['', ''];
  fill('m-facts',
    el('dt', {}, 'Stage'), el('dd', {}, stageBadge(d.stage), ' ', explain),
    el('dt', {}, 'Organisation'), el('dd', {}, d.organisation),
    el('dt', {}, 'Window'), el('dd', {}, `${fmtTime(d.opens)} – ${fmtTime(d.closes)}`),
    el('dt', {}, 'Roll'), el('dd', {}, d.voters ? `${d.voters} voters, total weight ${d.weight}` : 'not imported yet'),
    el('dt', {}, 'Ballots'), el('dd', {}, `${d.ballots} on the record, ${d.voted} voters voted`),
    el('dt', {}, 'Public record'), el('dd', {}, el('a', { href: recordLink(d.id) }, 'the election\'s public page')));
  renderSteps(d);
  renderTrustees(d);
  const rollDone = d.voters > 0;
  $('roll-form').hidden = rollDone;
  fill('m-roll-done', rollDone ? el('p', {}, `${d.voters} voters are on the roll; their codes were handed out when it was imported. `,
    'A roll is imported once: the server keeps no codes, so lost codes cannot be shown again.') : null);
  renderCodes();
  schedule(d);
}

function schedule(d) {
  clearTimeout(timer);
  if (busy || !['setup', 'tallied'].includes(d.stage)) return;
  timer = setTimeout(() => refresh(d.id).catch((e) => failed(e, 'm-status', 'Could not refresh: ')), REFRESH_MS);
}

async function refresh(id) {
  const d = await get(eurl(id));
  if (current?.id !== id || fragment().get('election') !== id) return;
  // A refusal said before the election moved on is stale: clear it.
  if (JSON.stringify(d) !== JSON.stringify(current) && $('m-status').querySelector('.error')) fill('m-status');
  renderManage(d);
}

// ---- the roll and the codes ------------------------------------------------------------

function rollLines(text) {
  return text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s && !/^name\s*(,\s*weight\s*)?$/i.test(s)).length;
}

$('roll-text').addEventListener('input', () => {
  const n = rollLines($('roll-text').value);
  $('roll-count').textContent = n ? `${n} voter${n === 1 ? '' : 's'}.` : '';
});
$('roll-file').addEventListener('change', async () => {
  const f = $('roll-file').files[0];
  if (!f) return;
  $('roll-text').value = await f.text();
  $('roll-text').dispatchEvent(new Event('input'));
});

$('roll-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const d = current;
  const text = $('roll-text').value;
  if (!rollLines(text)) { say('m-status', 'The roll is empty: choose a CSV file or paste one voter a line.', 'error'); return; }
  $('roll-submit').disabled = true;
  say('m-status', 'Making the credentials…', 'info');
  try {
    const r = await api('POST', eurl(d.id, '/credentials'), { body: text.endsWith('\n') ? text : `${text}\n`, contentType: 'text/csv' });
    codes = { election: d.id, title: d.title, organisation: d.organisation, list: r.codes, saved: false };
    $('roll-text').value = '';
    $('roll-file').value = '';
    $('roll-count').textContent = '';
    say('m-status', `${r.voters} credentials are on the record. Save the codes now: they are shown only this once.`, 'ok');
    await refresh(d.id);
    $('m-codes').scrollIntoView({ block: 'start' });
  } catch (e) {
    failed(e, 'm-status', 'The roll was not imported: ');
  } finally {
    $('roll-submit').disabled = false;
  }
});

function renderCodes() {
  const show = codes && current && codes.election === current.id;
  $('m-codes').hidden = !show;
  if (!show) return;
  codesWarning(codes.list.length,
    'Anyone holding a code can vote with it. Deliver each code to its voter only, then delete the file and destroy spare printouts.');
  fill('codes-table',
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Name'), el('th', { scope: 'col' }, 'Weight'),
      el('th', { scope: 'col' }, 'Code'))),
    el('tbody', {}, codes.list.map((c) => el('tr', {}, el('td', {}, c.name), el('td', {}, String(c.weight)),
      el('td', { class: 'mono' }, c.code)))));
}

function forgetCodes() {
  codes = null;
  fill('codes-table');
  letters.close();
  $('m-codes').hidden = true;
}

$('codes-csv').addEventListener('click', () => {
  download(`${codes.election}-codes.csv`, codesCsv(location.origin, codes.election, codes.list), 'text/csv');
  codes.saved = true;
  say('m-status', `Downloaded ${codes.election}-codes.csv. Keep it safe: it holds every voter's code. The letters page can print letters from it later.`, 'ok');
});

guardCodes(() => codes && !codes.saved, forgetCodes,
  'Forget the codes? They have not been downloaded; nobody can show them again.');

// The letters, built by letters.js from the codes in this page's memory.
$('codes-letters').addEventListener('click', () => {
  const holder = el('div');
  const n = renderLetters(holder, { election: codes.election, title: codes.title, organisation: codes.organisation,
                                    origin: location.origin }, codes.list);
  letters.open('Back to administration', n, holder, () => { codes.saved = true; });
});

// ---- routing -------------------------------------------------------------------------------

async function route() {
  clearTimeout(timer);
  letters.close();
  status(...(flash ?? ['']));
  flash = null;
  const f = fragment();
  const view = f.get('election') ? 'manage' : (location.hash === '#new' ? 'new' : 'list');
  for (const v of ['list', 'new', 'manage']) $(`${v}-view`).hidden = v !== view;
  try {
    if (view === 'list') await showList();
    else if (view === 'new') { fill('title', 'Administration'); if (!$('contests').children.length) resetForm(); $('f-election').focus(); }
    else {
      fill('m-status');
      current = null;
      const id = f.get('election');
      renderManage(await get(eurl(id)));
    }
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) status(`There is no election "${f.get('election')}".`, 'error');
    else failed(e, 'status', 'Could not load: ');
  }
}

start();
