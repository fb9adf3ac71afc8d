// record.js — the public record of one election (#election=ID): its stage,
// turnout, trustees, fingerprint, every ballot by tracking code with its fate
// (#track=CODE is looked up and highlighted), the board's signed checkpoint,
// the result with bar charts once published, and a receipt checker that
// verifies a receipt in the browser against the board's published key
// (web/js/veche-record.js), so nobody has to trust this page's server for it.
import { get, el, fill, describe, fmtTime, fragment } from './api.js';
import { STAGES, stageBadge, voteLink, recordLink, ofTotal } from './home.js';

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 15000;      // while the election can still change
const MAX_ROWS = 200;          // ballot rows drawn at once; the search narrows

const FATES = {
  counted: ['Counted', 'the last ballot of its credential, cast while the election was open'],
  superseded: ['Replaced', 'a later ballot of the same credential replaces it'],
  early: ['Too early', 'cast before the election opened: not counted'],
  late: ['Too late', 'cast after the election closed: not counted'],
  unlisted: ['Not on the roll', 'its credential is not on the roll: not counted'],
  invalid: ['Invalid', 'its proofs or signature do not verify: not counted'],
};

// Before the tally, "counted" means "will be counted if its proofs verify".
function fateLabel(fate, tallied) {
  if (fate === 'counted' && !tallied) return ['Will be counted', 'the last ballot of its credential, cast while the election is open; counted if its proofs verify'];
  return FATES[fate] ?? [fate, ''];
}

// Tracking codes are base64: a '+' that came through the fragment unescaped
// reads as a space in URLSearchParams; put it back.
const cleanCode = (s) => (s ?? '').trim().replace(/ /g, '+');

let state = { id: null, detail: null, ballots: [], info: null, timer: null, tracked: null };

function fact(dt, ...dd) { return [el('dt', {}, dt), el('dd', {}, ...dd)]; }

function setStatus(text, kind = 'muted') {
  const s = $('status');
  s.className = kind === 'muted' ? 'muted' : `message ${kind}`;
  s.textContent = text;
}

// ---- the election ------------------------------------------------------------------

function renderOverview(d) {
  const [, explain] = STAGES[d.stage] ?? ['', ''];
  fill('overview-facts',
    fact('Stage', stageBadge(d.stage), ' ', explain),
    fact('Organisation', d.organisation),
    fact('Election id', el('span', { class: 'mono' }, d.id)),
    fact('Voting window', `${fmtTime(d.opens)} – ${fmtTime(d.closes)}`),
    fact('Manifest', `entry ${d.manifest_index} of the record`),
    d.open_index !== null ? fact('Opened', `entry ${d.open_index}`) : null,
    d.close_index !== null ? fact('Closed', `entry ${d.close_index}`) : null);
  fill('overview-actions',
    d.stage === 'open' ? el('a', { class: 'btn', href: voteLink(d.id) }, 'Vote in this election') : null,
    el('a', { class: 'btn secondary', href: '#receipt' }, 'Check a receipt'));
}

function renderTurnout(d) {
  fill('turnout-facts',
    fact('Voters on the roll', d.voters ? `${d.voters} (total weight ${d.weight})` : 'no roll yet'),
    fact('Voted', d.voters ? ofTotal(d.voted, d.voters) : `${d.voted}`,
      el('span', { class: 'muted' }, ' — distinct credentials with a ballot inside the window')),
    fact('Ballots on the record', `${d.ballots}`,
      el('span', { class: 'muted' }, ' — re-votes included: the last ballot of a voter counts')),
    d.tally ? fact('Counted in the tally', `${d.tally.ballots} ballots, total weight ${d.tally.weight}`) : null);
}

function renderTrustees(d) {
  const steps = [['trustee.key', 'Key'], ['trustee.commit', 'Commit'],
                 ['trustee.shares', 'Shares'], ['trustee.decryption', 'Decryption']];
  fill('trustees-note', `${d.threshold} of the ${d.trustees.length} trustees are needed to decrypt the tally; `,
    'no smaller group can decrypt anything, and only the tally is ever decrypted.');
  const mark = (t, type) => (t.steps.includes(type)
    ? el('span', { class: 'done' }, '✓', el('span', { class: 'visually-hidden' }, ' done'))
    : el('span', { class: 'muted' }, '–', el('span', { class: 'visually-hidden' }, ' not yet')));
  fill('trustees-table',
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Trustee'),
      steps.map(([, name]) => el('th', { scope: 'col' }, name)))),
    el('tbody', {}, d.trustees.map((t) => el('tr', {},
      el('th', { scope: 'row' }, t.name,
        t.steps.includes('trustee.complaint') ? el('span', { class: 'warn-text' }, ' (filed a complaint)') : null,
        el('span', { class: 'trustee-key mono small muted' }, el('span', { class: 'visually-hidden' }, 'signing key '), t.key)),
      steps.map(([type]) => el('td', {}, mark(t, type)))))));
}

function renderFingerprint(d) {
  fill('fingerprint-facts',
    fact('Joint election key', d.key ? el('span', { class: 'mono' }, d.key) : 'not yet: the key ceremony is not finished'),
    fact('Fingerprint', d.fingerprint ? el('span', { class: 'mono' }, d.fingerprint) : 'not yet: it needs the joint key and the whole roll'));
}

// ---- the result ------------------------------------------------------------------------

// Which options win `seats` seats: those above the seats-th highest count;
// options level with it win only if they all fit, otherwise they are tied.
// A count of 0 never wins.
function winners(counts, seats) {
  const sorted = [...counts].sort((a, b) => b - a);
  const cut = sorted[Math.min(seats, sorted.length) - 1];
  const above = counts.filter((c) => c > cut).length;
  const level = counts.filter((c) => c === cut).length;
  return counts.map((c) => {
    if (c <= 0) return 'none';
    if (c > cut) return 'winner';
    if (c === cut) return above + level <= seats ? 'winner' : 'tied';
    return 'none';
  });
}

function renderContest(contest, counts, weight, ci) {
  const optionCounts = counts.slice(0, contest.options.length);
  const marks = winners(optionCounts, contest.max);
  const seats = contest.max === 1 ? 'one choice' : `up to ${contest.max} choices`;
  const rows = counts.map((n, s) => {
    const isBlank = s >= contest.options.length;
    const label = isBlank ? 'Blank' : contest.options[s];
    const mark = isBlank ? 'none' : marks[s];
    const pct = weight ? (100 * n) / weight : 0;
    const bar = el('div', { class: 'bar' });
    bar.style.width = `${Math.min(100, pct).toFixed(2)}%`;   // CSSOM: allowed by the CSP
    return el('div', { class: `bar-row${mark === 'winner' ? ' winner' : ''}${isBlank ? ' blank' : ''}`,
                       dataset: { option: label, count: String(n) } },
      el('span', { class: 'bar-label' }, label,
        mark === 'winner' ? el('strong', { class: 'win-mark' }, ' ✓ winner') : null,
        mark === 'tied' ? el('strong', { class: 'tie-mark' }, ' tied') : null),
      el('div', { class: 'bar-track', 'aria-hidden': 'true' }, bar),
      el('span', { class: 'bar-value' }, `${n}`, el('span', { class: 'muted' }, ` (${pct.toFixed(1)}%)`)));
  });
  return el('section', { class: 'contest-result', 'aria-labelledby': `q-${ci}` },
    el('h3', { id: `q-${ci}` }, contest.question),
    el('p', { class: 'muted' }, `Each voter made ${contest.min === contest.max ? `exactly ${contest.min}` : `${contest.min} to ${contest.max}`} selection${contest.max === 1 ? '' : 's'} (${seats}${contest.blank ? ', or blank' : ''}); percentages are of the total weight counted.`),
    el('div', { class: 'bars' }, rows));
}

function renderResults(d) {
  if (!d.result) {
    const why = { setup: 'Voting has not started.', ready: 'Voting has not started.',
                  open: 'Voting is open: nothing is decrypted until it closes and the trustees decrypt the tally.',
                  closed: 'Voting has closed; the administrator has not yet published the encrypted tally.',
                  tallied: 'The encrypted tally is on the record; the result appears once enough trustees have decrypted it.' };
    $('results').classList.add('pending');
    fill('results-body', el('p', { class: 'muted' }, why[d.stage] ?? 'No result yet.'));
    return;
  }
  $('results').classList.remove('pending');
  const names = d.result.trustees.map((j) => d.trustees.find((t) => t.index === j)?.name ?? `trustee ${j}`);
  fill('results-body',
    el('p', {}, `${d.tally.ballots} ballots counted, total weight ${d.tally.weight}. `,
      `Decrypted by ${names.join(', ')}.`),
    d.manifest.contests.map((c, ci) => renderContest(c, d.result.counts[ci], d.tally.weight, ci)));
}

// ---- the ballots -----------------------------------------------------------------------

function ballotRow(b, tallied) {
  const [label, explain] = fateLabel(b.fate, tallied);
  const tracked = state.tracked && b.tracking_code === state.tracked;
  return el('tr', { class: `fate-${b.fate}${tracked ? ' tracked' : ''}`, id: tracked ? 'tracked-ballot' : null },
    el('td', {}, String(b.index)),
    el('td', { class: 'mono' }, b.tracking_code),
    el('td', {}, el('span', { class: `fate fate-${b.fate}`, title: explain }, label)));
}

function renderBallots() {
  const tallied = !!state.detail?.tally;
  const all = state.ballots;
  const byFate = {};
  for (const b of all) byFate[b.fate] = (byFate[b.fate] ?? 0) + 1;
  fill('ballots-summary', all.length
    ? `${all.length} ballot${all.length === 1 ? '' : 's'}: ` +
      Object.entries(byFate).map(([f, n]) => `${n} ${fateLabel(f, tallied)[0].toLowerCase()}`).join(', ') + '.'
    : 'No ballots yet.');
  const q = $('ballot-search').value.trim().replace(/\s+/g, '').toLowerCase();
  let shown = q ? all.filter((b) => b.tracking_code.toLowerCase().includes(q)) : all;
  const total = shown.length;
  if (total > MAX_ROWS) shown = shown.slice(-MAX_ROWS);   // the latest
  fill('ballots-shown', q
    ? `${total} match${total === 1 ? '' : 'es'}${total > MAX_ROWS ? `; the last ${MAX_ROWS} shown` : ''}.`
    : (total > MAX_ROWS ? `The last ${MAX_ROWS} of ${total} are shown; search to find yours.` : ''));
  fill('ballots-table', total ? [
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Entry'), el('th', { scope: 'col' }, 'Tracking code'),
      el('th', { scope: 'col' }, 'Fate'))),
    el('tbody', {}, shown.map((b) => ballotRow(b, tallied)))] : []);
}

// #track=CODE: say plainly whether that ballot is on the record and its fate.
function renderTracked(scroll) {
  if (!state.tracked) { fill('track-result'); return; }
  const b = state.ballots.find((x) => x.tracking_code === state.tracked);
  if (!b) {
    fill('track-result', el('p', { class: 'message error' }, 'No ballot with the tracking code ',
      el('span', { class: 'mono' }, state.tracked), ' is on this election\'s record. ',
      'If you have just voted, wait a moment and reload; otherwise check the code.'));
    return;
  }
  const [label, explain] = fateLabel(b.fate, !!state.detail?.tally);
  fill('track-result', el('p', { class: `message ${b.fate === 'counted' ? 'ok' : 'info'}` },
    'Your ballot ', el('span', { class: 'mono' }, b.tracking_code), ` is on the record at entry ${b.index}: `,
    el('strong', {}, label), ` — ${explain}.`));
  if (scroll) {   // a new #track: show that ballot, whatever was searched before
    $('ballot-search').value = b.tracking_code;
    renderBallots();
  }
  if (scroll) $('tracked-ballot')?.scrollIntoView({ block: 'center' });
}

// ---- the board -------------------------------------------------------------------------

async function loadBoard() {
  try {
    const [info, cp] = await Promise.all([get('/api/v1/info'), get('/api/v1/record/checkpoint', { text: true })]);
    state.info = info;
    const [origin, size, root] = cp.split('\n');
    fill('board-facts',
      fact('Board (origin)', el('span', { class: 'mono' }, origin)),
      fact('Entries', size),
      fact('Merkle root', el('span', { class: 'mono' }, root)),
      fact('Board verifier key', el('span', { class: 'mono', id: 'board-vkey' }, info.vkey)));
    fill('checkpoint-text', cp);
  } catch (e) {
    fill('board-facts');
    fill('checkpoint-text', `Could not load the checkpoint: ${describe(e)}`);
  }
}

// ---- the receipt checker -------------------------------------------------------------

function receiptError(text) {
  fill('receipt-result', el('div', { class: 'message error' },
    el('p', {}, el('strong', {}, 'This receipt does not check. ')), el('p', {}, text),
    el('p', {}, 'A receipt that does not check was changed or damaged, or was not made by this board. ',
      'Use the file exactly as the booth gave it.')));
}

async function checkReceiptText(text) {
  fill('receipt-result', el('p', { class: 'muted' }, 'Checking…'));
  if (!text.trim()) {
    fill('receipt-result', el('p', { class: 'message error' }, 'Choose a receipt file or paste a receipt first.'));
    return;
  }
  let info, mod;
  try {
    info = state.info ?? await get('/api/v1/info');
    mod = await import('./veche-record.js');
    await mod.ready();
  } catch (e) {
    fill('receipt-result', el('p', { class: 'message error' }, `The checker could not start: ${describe(e)}`));
    return;
  }
  let r;
  try {
    r = mod.checkReceipt(text, info.vkey);
  } catch (e) {
    receiptError(describe(e));
    return;
  }
  const entry = typeof r.entry === 'string' || r.entry instanceof Uint8Array
    ? JSON.parse(typeof r.entry === 'string' ? r.entry : new TextDecoder().decode(r.entry)) : r.entry;
  const isBallot = entry?.type === 'election.ballot';
  const eid = entry?.body?.election;
  const what = isBallot
    ? ['a ballot of election ', el('a', { href: recordLink(eid), class: 'mono' }, eid),
       state.id && eid !== state.id ? el('strong', {}, ` — not the election shown on this page (${state.id})`) : null]
    : [`not a ballot but a "${entry?.type}" entry`, eid ? [' of election ', el('span', { class: 'mono' }, eid)] : null];
  const out = el('div', { class: 'message ok' },
    el('p', {}, el('strong', {}, 'The receipt checks.')),
    el('dl', { class: 'facts' },
      fact('Entry', `${r.index} of a record of ${r.size} entries`),
      fact('Tracking code', el('span', { class: 'mono', id: 'receipt-track' }, r.trackingCode)),
      fact('What it is', ...what),
      fact('Board', el('span', { class: 'mono' }, r.origin))),
    el('p', {}, 'Checked in this browser: the checkpoint is signed by the board key that this server publishes (',
      el('span', { class: 'mono small' }, info.vkey), '); the entry is well formed',
      isBallot ? '' : ' and its signature verifies',
      `; and the inclusion proof places it at entry ${r.index} of that checkpoint's record. `,
      'Compare the key with one you got another way (from the organisation, or an earlier visit) for full confidence.'));
  fill('receipt-result', out);
  if (isBallot) appendFate(out, r.trackingCode);
}

// The receipt proves the ballot is on the record; its fate (counted, replaced
// ...) is the server's reading of the record, said as such.
async function appendFate(out, code) {
  try {
    const b = await get(`/api/v1/ballots/${encodeURIComponent(code)}`);
    const d = state.detail?.id === b.election ? state.detail : await get(`/api/v1/elections/${encodeURIComponent(b.election)}`);
    const [label, explain] = fateLabel(b.fate, !!d.tally);
    out.append(el('p', {}, `The server reads it today as a ballot of “${d.title}” whose fate is `, el('strong', {}, label),
      ` (${explain}). `, el('a', { href: `${recordLink(b.election)}&track=${encodeURIComponent(code)}` }, 'See it in the list of ballots'), '.'));
  } catch (e) {
    out.append(el('p', {}, `The server could not say its fate: ${describe(e)}`));
  }
}

function setupReceipt() {
  $('receipt-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    checkReceiptText($('receipt-text').value);
  });
  // Typing over a loaded file's text: the file is no longer what is checked.
  $('receipt-text').addEventListener('input', () => { $('receipt-file').value = ''; });
  $('receipt-file').addEventListener('change', async () => {
    const f = $('receipt-file').files[0];
    if (!f) return;
    if (f.size > 1471829) { receiptError(`${f.name} is ${f.size} bytes: larger than any receipt can be.`); return; }
    const text = await f.text();
    $('receipt-text').value = text;
    checkReceiptText(text);      // the file's own bytes, not the textarea's copy
  });
}

// ---- loading -----------------------------------------------------------------------------

async function loadElection(first) {
  const id = state.id;
  const [d, { ballots }] = await Promise.all([
    get(`/api/v1/elections/${encodeURIComponent(id)}`),
    get(`/api/v1/elections/${encodeURIComponent(id)}/ballots`)]);
  if (id !== state.id) return;          // the fragment changed meanwhile
  state.detail = d;
  state.ballots = ballots;
  document.title = `${d.title} — public record — veche`;
  fill('title', d.title);
  renderOverview(d);
  renderTurnout(d);
  renderResults(d);
  renderTrustees(d);
  renderFingerprint(d);
  renderBallots();
  renderTracked(first);
  setStatus(`Read from the record at ${new Date().toLocaleTimeString()}${d.stage === 'published' ? '' : '; this page refreshes itself'}.`);
  schedule(d.stage !== 'published');
}

function schedule(again) {
  clearTimeout(state.timer);
  if (!again) return;
  state.timer = setTimeout(async () => {
    if (document.hidden) { schedule(true); return; }
    try {
      await Promise.all([loadElection(false), loadBoard()]);
    } catch (e) {
      setStatus(`Could not refresh: ${describe(e)}. Trying again shortly.`, 'error');
      schedule(true);
    }
  }, REFRESH_MS);
}

async function showPicker() {
  $('election').hidden = true;
  $('pick').hidden = false;
  fill('title', 'Public record');
  try {
    const { elections } = await get('/api/v1/elections');
    fill('pick-list', elections.length ? elections.map((e) => el('li', {},
      el('a', { href: recordLink(e.id) }, e.title), ' ', stageBadge(e.stage),
      el('span', { class: 'muted' }, ` · ${e.organisation}`))) : [el('li', {}, 'No elections yet.')]);
    setStatus('Choose an election, or check a receipt below.');
  } catch (e) {
    setStatus(`Could not load the elections: ${describe(e)}`, 'error');
  }
}

async function route() {
  const f = fragment();
  clearTimeout(state.timer);
  if (f.get('election') !== state.id) $('ballot-search').value = '';
  state = { ...state, id: f.get('election'), tracked: cleanCode(f.get('track')) || null, detail: null, ballots: [] };
  loadBoard();
  if (!state.id) {
    await showPicker();
  } else {
    $('pick').hidden = true;
    setStatus('Loading the record…');
    try {
      await loadElection(true);
      $('election').hidden = false;
      if (state.tracked) $('tracked-ballot')?.scrollIntoView({ block: 'center' });
    } catch (e) {
      $('election').hidden = true;
      fill('title', 'Public record');
      setStatus(e.status === 404 ? `There is no election "${state.id}" on this record.` : `Could not load the election: ${describe(e)}`, 'error');
      return;
    }
  }
  if (f.has('receipt')) $('receipt').scrollIntoView();
}

$('ballot-search').addEventListener('input', renderBallots);
window.addEventListener('hashchange', route);
setupReceipt();
route();
