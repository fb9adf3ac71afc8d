// booth.js — the voter booth (vote.html): from the invitation link to a cast
// ballot, encrypting on this device with veche-crypto.js (SPEC §3.6, §3.8,
// §3.13). The server only ever receives the encrypted ballot's bytes.
//
// Steps: start (election + code) → ballot (questions) → review → encrypt
// (tracking code shown BEFORE the voter decides) → cast or audit. An audited
// ballot is wiped and can never be cast (its nonces reveal the vote): the
// voter returns to review and a fresh ballot is encrypted. Casting sends the
// exact bytes built once; every retry re-sends those same bytes, which the
// server answers with the same index, so a retry never counts twice.
//
// A council's election (its DETAIL names the council) also shows, beside
// each candidate, the platforms the council's record counts for them
// (publications of kind "platform" naming this election and that option,
// neither tombstoned nor impostors), linked to the council page. They are
// an aid, not a step: if the council cannot be read, the booth works on and
// says so quietly.
//
// Nothing here assigns HTML: every text from the server goes through el()
// as text (api.js), and there is no inline script or style (strict CSP).
import { get, postSame, ApiError, el, fill, describe, fragment, download, fmtTime } from './api.js';
import * as vc from './veche-crypto.js';

const $ = (id) => document.getElementById(id);

// What the booth holds; secrets (cred.x, built.secrets) are wiped as soon as
// they are no longer needed.
const S = {
  id: null,          // election id
  detail: null,      // DETAIL from the server
  election: null,    // electionFromBundle: what this device recomputed
  cred: null,        // {x, X} of the voter's code
  choices: null,     // per contest, the chosen selection indices
  built: null,       // the ballot encrypted but not yet cast nor audited
  pending: null,     // {bytes, track}: the ballot being cast (exact bytes)
  sending: false,
  cast: null,        // the server's answer to the cast
  auditDoc: null,    // the last audit document, for download
  auditTrack: null,
  platforms: null,   // council elections: Map option text -> [publication], or null
  platformNote: null, // why the platforms are not shown (the council could not be read)
};

const STEPS = ['step-start', 'step-stop', 'step-ballot', 'step-review', 'step-encrypt',
               'step-audit', 'step-cast', 'step-done'];

// Shows one step and moves the focus to its heading, so keyboard and
// screen-reader users land on the new content.
function show(step) {
  for (const s of STEPS) $(s).hidden = s !== step;
  const h = $(step).querySelector('h2');
  h.focus();
  window.scrollTo(0, 0);
}

// The live status line (polite; errors are marked in words, not only colour).
function say(text, { error = false } = {}) {
  const st = $('status');
  st.classList.toggle('error', error);
  st.textContent = error && text ? `Error: ${text}` : (text ?? '');
}

// Standard padded base64 of bytes (the record's b64, SPEC §2.1).
function b64(bytes) {
  if (typeof bytes === 'string') return bytes;
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

// A message as a sentence: ends with a full stop unless it has its own.
function sentence(text) {
  const t = String(text).trim();
  return /[.!?)]$/.test(t) ? t : `${t}.`;
}

function wipeBytes(u) {
  if (u instanceof Uint8Array) u.fill(0);
}

function wipeCred() {
  if (S.cred) { wipeBytes(S.cred.x); S.cred = null; }
}

function wipeBuilt() {
  if (S.built) { vc.wipe(S.built); S.built = null; }
}

const api = (id, rest = '') => `/api/v1/elections/${encodeURIComponent(id)}${rest}`;

/* ---- step 1: the election and the code -------------------------------------------- */

// The election field: a list of the server's elections (open ones first) when
// no id came with the link, else the id given. Falls back to typing the id.
async function electionField(preset) {
  const box = $('election-field');
  let list = null;
  try {
    list = (await get('/api/v1/elections')).elections;
  } catch (e) {
    list = null;
  }
  if (!Array.isArray(list) || list.length === 0) {
    fill(box,
      el('label', { for: 'election' }, 'Election id'),
      list && list.length === 0 ? el('p', { class: 'hint' }, 'This server lists no elections yet.') : null,
      el('input', { id: 'election', type: 'text', autocomplete: 'off', spellcheck: 'false',
                    value: preset ?? '', 'aria-describedby': 'election-error' }),
      el('p', { id: 'election-error', class: 'field-error', hidden: true }));
    return;
  }
  const rank = (s) => (s === 'open' ? 0 : s === 'ready' || s === 'setup' ? 1 : 2);
  list = [...list].sort((a, b) => rank(a.stage) - rank(b.stage));
  const sel = el('select', { id: 'election', 'aria-describedby': 'election-error' },
    list.map((e) => el('option', { value: e.id }, `${e.title} (${stageWords(e.stage)})`)));
  if (preset && list.some((e) => e.id === preset)) sel.value = preset;
  else if (preset) sel.prepend(el('option', { value: preset, selected: true }, preset));
  fill(box, el('label', { for: 'election' }, 'Election'), sel,
    el('p', { id: 'election-error', class: 'field-error', hidden: true }));
}

function stageWords(stage) {
  return { setup: 'being prepared', ready: 'not open yet', open: 'open', closed: 'closed',
           tallied: 'closed, counted', published: 'closed, results published' }[stage] ?? stage;
}

function fieldError(input, errId, msg) {
  const p = $(errId);
  if (msg) {
    p.textContent = msg;
    p.hidden = false;
    input.setAttribute('aria-invalid', 'true');
  } else {
    p.textContent = '';
    p.hidden = true;
    input.removeAttribute('aria-invalid');
  }
}

// The code as 21 symbols, or null after saying what is wrong and where.
function readCodeField() {
  const input = $('code');
  try {
    const symbols = vc.readCode(input.value);
    fieldError(input, 'code-error', null);
    return symbols;
  } catch (e) {
    const msg = input.value.trim() === '' ? 'Enter the credential code from your invitation.'
                                          : `This code is not right: ${sentence(describe(e).replace(/^credential code: /, ''))}`;
    fieldError(input, 'code-error', msg);
    say(msg, { error: true });
    input.focus();
    return null;
  }
}

async function onStart(ev) {
  ev.preventDefault();
  const eInput = $('election');
  const id = eInput.value.trim();
  if (!/^[a-z0-9-]{1,64}$/.test(id)) {
    fieldError(eInput, 'election-error', 'Choose an election (an id of lower-case letters, digits and -).');
    eInput.focus();
    return;
  }
  fieldError(eInput, 'election-error', null);
  await vc.ready();
  const symbols = readCodeField();
  if (!symbols) return;
  $('code').value = '';
  await openElection(id, symbols);
}

// Stops the booth with an explanation (closed election, code not listed...).
function stop(heading, ...body) {
  wipeCred();
  $('h-stop').textContent = heading;
  fill('stop-body', ...body);
  say(heading, { error: true });
  show('step-stop');
}

// Fetches the election, recomputes its fingerprint here, and checks the code.
async function openElection(id, symbols) {
  const go = $('start-go');
  go.disabled = true;
  say('Loading the election…');
  try {
    await loadAndCheck(id, symbols);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      stop('No such election', el('p', {}, `This server has no election “${id}”. Check the link in your invitation.`));
    } else if (e instanceof ApiError) {
      say(`Could not load the election: ${describe(e)}`, { error: true });
      show('step-start');
    } else {
      stop('This election cannot be checked',
        el('p', {}, `The election data does not check out on this device: ${describe(e)}`),
        el('p', {}, 'Do not vote here; tell the organisers.'));
    }
  } finally {
    go.disabled = false;
  }
}

/* ---- candidates' platforms (council elections) ---------------------------------------- */

// The platforms a council's record counts for election id, by option text,
// in record order. Never throws: {platforms: Map|null, note: string|null}.
async function loadPlatforms(council, id) {
  try {
    const c = await get(`/api/v1/councils/${encodeURIComponent(council)}`);
    if (!Array.isArray(c?.publications)) throw new Error('the council has no list of publications');
    const map = new Map();
    const counted = c.publications.filter((p) => p && p.kind === 'platform' && p.election === id &&
      typeof p.option === 'string' && !p.tombstone && !p.impostor && p.counted !== false &&
      Number.isSafeInteger(p.index) && typeof p.title === 'string');
    counted.sort((a, b) => a.index - b.index);
    for (const p of counted) {
      if (!map.has(p.option)) map.set(p.option, []);
      map.get(p.option).push(p);
    }
    return { platforms: map, note: null };
  } catch (e) {
    return { platforms: null,
             note: `The candidates’ platforms could not be loaded: ${sentence(describe(e))} You can still vote; they are on the council’s page.` };
  }
}

// Who a platform is by, in words: the grouping's name (the server names a
// grouping only when its key signed), or "a member".
function platformAuthor(p) {
  if (p.grouping === null || p.grouping === undefined || p.author === 'member') return 'a member';
  return typeof p.author === 'string' && p.author !== '' ? p.author : p.grouping;
}

// The links to option text's platforms, or null. Outside the option's label
// (a click must not toggle the choice); described by the option's text so a
// screen reader says whose platform it is. Opens in a new tab: the ballot
// and the code stay here.
function platformLinks(optionText, textId) {
  const list = S.platforms?.get(optionText);
  if (!list || list.length === 0) return null;
  const council = S.detail.council;
  return el('ul', { class: 'platforms' }, list.map((p) => el('li', {},
    el('a', { href: `/council.html#council=${encodeURIComponent(council)}&pub=${p.index}`,
              class: 'platform-link', target: '_blank', rel: 'noopener', 'aria-describedby': textId,
              dataset: { publication: String(p.index) } },
      `Platform: ${p.title} (by ${platformAuthor(p)})`,
      el('span', { class: 'visually-hidden' }, ' (opens in a new tab)')))));
}

async function loadAndCheck(id, symbols) {
  const detail = await get(api(id));
  S.id = id;
  S.detail = detail;
  S.platforms = null;
  S.platformNote = null;
  if (detail.stage !== 'open') return notOpen(detail);
  const inCouncil = typeof detail.council === 'string' && detail.council !== '';
  const platforms = inCouncil ? loadPlatforms(detail.council, id) : null;   // read meanwhile
  const bundle = await get(api(id, '/bundle'));
  await vc.ready();
  const election = vc.electionFromBundle(bundle);
  if (election.id !== id) throw new Error(`the bundle is for election “${election.id}”, not “${id}”`);
  if (election.fingerprintB64 !== detail.fingerprint) {
    return stop('The election fingerprint does not match',
      el('p', {}, 'The fingerprint this device computed from the election on the record differs from the one the server announces:'),
      el('ul', {},
        el('li', {}, 'computed here: ', el('span', { class: 'mono' }, election.fingerprintB64)),
        el('li', {}, 'announced: ', el('span', { class: 'mono' }, String(detail.fingerprint)))),
      el('p', {}, 'A ballot made here would not count. Do not vote here; tell the organisers.'));
  }
  S.election = election;
  // A council's election: members vote with their standing code, whose key
  // is derived with the COUNCIL id as its scope (the same key in every
  // council vote); any other election's codes are its own.
  const council = typeof detail.council === 'string' && detail.council !== '' ? detail.council : null;
  const cred = vc.deriveCredential(council ?? id, symbols);
  if (!election.credentialKeys.has(b64(cred.X))) {
    wipeBytes(cred.x);
    return stop('This code is not on this election’s roll',
      council
        ? el('p', {}, `The code you entered is well formed, but it is not a standing council credential on the roll of “${detail.title}” (council “${council}”).`)
        : el('p', {}, `The code you entered is well formed, but it is not a credential of “${detail.title}”.`),
      council
        ? el('p', {}, 'Use your standing code from your membership letter; a member who joined after this election was created is not on its roll.')
        : el('p', {}, 'Check that you typed it exactly as printed and that this is the election of your invitation; each election has its own codes.'));
  }
  wipeCred();
  S.cred = cred;
  S.choices = null;
  if (platforms) {
    const got = await platforms;
    S.platforms = got.platforms;
    S.platformNote = got.note;
  }
  renderBallot();
  const n = election.manifest.contests.length;
  say(`Election “${detail.title}” loaded and checked: ${n} question${n === 1 ? '' : 's'}.${council ? ` You vote with your council credential (council “${council}”).` : ''}`);
  show('step-ballot');
}

function notOpen(d) {
  const title = `“${d.title}”`;
  if (d.stage === 'setup' || d.stage === 'ready') {
    return stop('This election is not open yet',
      el('p', {}, `The election ${title} is not open for voting yet.`),
      el('p', {}, `Announced opening: ${fmtTime(d.opens)}. Come back then with the same link or code.`));
  }
  return stop('This election is closed',
    el('p', {}, `The election ${title} is closed: ballots are no longer accepted.`),
    el('p', {}, el('a', { href: `/record.html#election=${encodeURIComponent(d.id)}` },
      'See the public record and the results')));
}

/* ---- step 2: the questions ------------------------------------------------------------ */

function ruleText(c) {
  if (c.max === 1) return c.min === 1 ? 'Choose one.' : 'Choose one, or none.';
  if (c.min === c.max) return `Choose exactly ${c.min}.`;
  return `Choose between ${c.min} and ${c.max}.`;
}

function renderBallot() {
  const d = S.detail;
  const m = S.election.manifest;
  fill('election-card',
    el('p', { class: 'election-title' }, el('strong', {}, m.title)),
    el('p', { class: 'muted' }, m.organisation),
    el('p', {}, 'Status: ', el('span', { class: 'stage' }, stageWords(d.stage)),
      ` · announced closing ${fmtTime(m.closes)}`),
    el('p', { class: 'muted small' }, 'Election fingerprint (checked on this device): ',
      el('span', { class: 'mono' }, S.election.fingerprintB64)),
    S.platformNote ? el('p', { class: 'muted small platform-note' }, S.platformNote) : null);
  fill('contests', m.contests.map((c, ci) => contestFieldset(c, ci)));
  $('ballot-error').hidden = true;
}

function contestFieldset(c, ci) {
  const multi = c.max > 1;
  const name = `contest-${ci}`;
  const ruleId = `${name}-rule`, errId = `${name}-error`;
  const prev = new Set(S.choices?.[ci] ?? []);
  const box = (s, text, cls) => {
    const id = `${name}-sel-${s}`;
    const label = el('label', { class: `choice${cls ? ' ' + cls : ''}`, for: id },
      el('input', { type: multi ? 'checkbox' : 'radio', name, id, value: s,
                    checked: prev.has(s) }),
      el('span', { id: `${id}-text` }, text));
    const links = cls ? null : platformLinks(text, `${id}-text`);
    return links ? el('div', { class: 'choice-row' }, label, links) : label;
  };
  const fs = el('fieldset', { class: 'contest', id: name, 'aria-describedby': `${ruleId} ${errId}` },
    el('legend', {}, c.question),
    el('p', { class: 'rule', id: ruleId },
      ruleText(c), c.blank ? ' A blank vote counts as one choice.' : ''),
    c.options.map((o, s) => box(s, o)),
    c.blank ? box(c.options.length, 'Blank vote', 'blank') : null);
  if (!multi && c.min === 0) {
    const clear = el('button', { type: 'button', class: 'secondary clear' }, 'Clear my choice');
    clear.addEventListener('click', () => {
      for (const i of fs.querySelectorAll('input')) i.checked = false;
      checkContest(ci, true);
      say(`Choice cleared for “${c.question}”.`);
    });
    fs.append(clear);
  }
  fs.append(el('p', { class: 'contest-error', id: errId, hidden: true }));
  // Too many choices is said at once; too few only when the voter moves on.
  fs.addEventListener('change', () => checkContest(ci, false));
  return fs;
}

function readContest(ci) {
  return [...$(`contest-${ci}`).querySelectorAll('input:checked')].map((i) => Number(i.value));
}

// Says what is wrong with contest ci's choices (or clears it); full: also
// complain about too few. Returns the message or null.
function checkContest(ci, full) {
  const c = S.election.manifest.contests[ci];
  const n = readContest(ci).length;
  let msg = null;
  if (n > c.max) msg = `Too many choices: choose at most ${c.max} (you chose ${n}).`;
  else if (full && n < c.min) msg = `Too few choices: choose at least ${c.min} (you chose ${n}).`;
  const fs = $(`contest-${ci}`);
  const p = $(`contest-${ci}-error`);
  p.textContent = msg ?? '';
  p.hidden = !msg;
  if (msg) fs.setAttribute('aria-invalid', 'true'); else fs.removeAttribute('aria-invalid');
  if (msg && !full) say(`“${c.question}” — ${msg}`, { error: true });
  return msg;
}

function onReview(ev) {
  ev.preventDefault();
  const contests = S.election.manifest.contests;
  const bad = [];
  contests.forEach((c, ci) => {
    const msg = checkContest(ci, true);
    if (msg) bad.push([ci, `“${c.question}” — ${msg}`]);
  });
  const box = $('ballot-error');
  if (bad.length) {
    fill(box, `${bad.length === 1 ? 'One question needs' : `${bad.length} questions need`} attention. `,
      bad.map(([, m]) => m).join(' '));
    box.hidden = false;
    say(box.textContent, { error: true });
    $(`contest-${bad[0][0]}`).querySelector('input').focus();
    return;
  }
  box.hidden = true;
  S.choices = contests.map((_, ci) => readContest(ci));
  renderReview();
  say('');
  show('step-review');
}

/* ---- step 3: review ------------------------------------------------------------------- */

// The chosen selections of contest c as words.
function choiceWords(c, sels) {
  return sels.map((s) => (s === c.options.length ? 'Blank vote' : c.options[s]));
}

function choicesList(choices) {
  const m = S.election.manifest;
  return m.contests.map((c, ci) => {
    const words = choiceWords(c, choices[ci] ?? []);
    return el('div', { class: 'review-item' },
      el('h3', {}, c.question),
      words.length ? el('ul', {}, words.map((w) => el('li', {}, w)))
                   : el('p', { class: 'muted' }, 'Nothing chosen.'));
  });
}

function renderReview() {
  fill('review-list', choicesList(S.choices));
}

/* ---- step 4: encrypt, then cast or audit ----------------------------------------------- */

async function onEncrypt() {
  if (!S.cred) return stop('Your code is no longer here', el('p', {}, 'Enter your code again to vote.'));
  wipeBuilt();
  $('h-encrypt').textContent = 'Encrypting your ballot';
  $('encrypt-progress').hidden = false;
  $('encrypt-done').hidden = true;
  setProgress(0);
  show('step-encrypt');
  say('Encrypting your ballot on this device…');
  let lastSaid = 0;
  try {
    const built = await vc.buildBallot(S.election, S.cred, S.choices, (a, b) => {
      const f = typeof b === 'number' && b > 0 ? a / b : a;
      const pct = setProgress(f);
      if (pct >= lastSaid + 25 && pct < 100) { lastSaid = pct - (pct % 25); say(`Encrypting… ${pct}%`); }
    });
    S.built = built;
  } catch (e) {
    say(`The ballot could not be encrypted: ${describe(e)}`, { error: true });
    renderReview();
    show('step-review');
    return;
  }
  setProgress(1);
  $('encrypt-track').textContent = S.built.trackingCode;
  $('encrypt-progress').hidden = true;
  $('encrypt-done').hidden = false;
  $('h-encrypt').textContent = 'Your ballot is encrypted';
  say(`Encrypted. Tracking code ${S.built.trackingCode}. Cast it, or check it.`);
  $('h-encrypt').focus();
}

function setProgress(f) {
  const pct = Math.max(0, Math.min(100, Math.floor((Number(f) || 0) * 100)));
  const p = $('progress');
  p.value = pct;
  p.textContent = `${pct}%`;
  $('progress-text').textContent = `${pct}% done`;
  return pct;
}

/* ---- step 4b: the Benaloh audit --------------------------------------------------------- */

async function onAudit() {
  const built = S.built;
  if (!built) return;
  const shown = built.trackingCode;
  let doc;
  try {
    doc = vc.auditDocument(built);
  } finally {
    wipeBuilt();        // this ballot is spoiled: it can never be cast
  }
  S.auditDoc = doc;
  S.auditTrack = shown;
  const body = [];
  try {
    const r = await vc.checkAudit(doc, S.election);
    const same = sameChoices(r.choices, S.choices);
    if (r.trackingCode !== shown) {
      body.push(el('p', { class: 'message error' },
        `The audit document is for tracking code ${r.trackingCode}, not the ${shown} shown before. This device is not behaving honestly: do not vote with it.`));
    } else if (!same) {
      body.push(el('p', { class: 'message error' },
        'The ballot does NOT encrypt the choices you made. This device is not behaving honestly: do not vote with it, and tell the organisers.'));
    } else {
      body.push(el('p', { class: 'message ok' }, el('span', { 'aria-hidden': 'true' }, '✓ '),
        'Checked on this device: the ballot with tracking code ',
        el('span', { class: 'mono' }, shown),
        ' verifies and encrypts exactly your choices.'));
    }
    body.push(el('h3', {}, 'What the ballot encrypts'), ...choicesList(r.choices));
  } catch (e) {
    body.push(el('p', { class: 'message error' }, `The audit document does not check out: ${describe(e)}. Do not vote with this device.`));
  }
  body.push(
    el('h3', {}, 'This ballot is thrown away'),
    el('p', {}, 'The audit document reveals the secret numbers that encrypted this ballot, so it shows how it was filled in. It has been discarded and can never be cast. Go back to your choices to encrypt a fresh ballot, which you may cast or check again.'),
    el('h3', {}, 'Check it independently'),
    el('p', {}, 'This page checked the ballot with the same code that made it. For a check that does not trust this device, download the audit document and check it on another computer with the veche command-line tool:'),
    el('pre', { class: 'mono audit-cmd' }, `veche audit veche-audit-${fileTag(shown)}.json --record RECORD_DIR --election ${S.id}`),
    el('p', {}, 'where RECORD_DIR is an export of the public record (veche board export). It prints the choices the ballot encrypts.'),
    el('h3', { id: 'audit-doc-h' }, 'The audit document'),
    el('pre', { id: 'audit-doc', class: 'audit-doc', tabindex: '0', role: 'region',
                'aria-labelledby': 'audit-doc-h' }, doc));
  fill('audit-body', body);
  say(`Ballot ${shown} checked and discarded. It was not cast.`);
  show('step-audit');
}

// The same selections, in any order, for every contest?
function sameChoices(a, b) {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((sa, ci) => {
    const x = [...sa].map(Number).sort((p, q) => p - q);
    const y = [...b[ci]].map(Number).sort((p, q) => p - q);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  });
}

// A file-name-safe piece of a tracking code.
function fileTag(track) {
  return String(track).replace(/[^A-Za-z0-9]/g, '').slice(0, 12);
}

/* ---- step 5: cast ------------------------------------------------------------------------ */

function onCast() {
  const built = S.built;
  if (!built) return;               // audited or already cast: never cast twice
  // From here the ballot's secrets are not needed: only its exact bytes are.
  S.pending = { bytes: built.entry, track: built.trackingCode };
  wipeBuilt();
  $('cast-track').textContent = S.pending.track;
  fill('cast-body');
  show('step-cast');
  send();
}

async function send() {
  if (!S.pending || S.sending) return;
  S.sending = true;
  $('cast-retry').hidden = true;
  $('cast-back').hidden = true;
  fill('cast-body', el('p', {}, 'Sending your encrypted ballot…'));
  say('Sending your encrypted ballot…');
  const { bytes, track } = S.pending;
  try {
    const ans = await postSame(api(S.id, '/ballots'), bytes, {
      attempts: 4,
      contentType: 'application/json',
      onRetry: (i, e, delay) => {
        const msg = `${describe(e)} Retrying in ${Math.round(delay / 1000)} s… (attempt ${i + 1} of 4, the same ballot)`;
        fill('cast-body', el('p', { class: 'message info' }, msg));
        say(msg);
      },
    });
    S.sending = false;
    return castDone(ans, track);
  } catch (e) {
    S.sending = false;
    castFailed(e);
  }
}

function castFailed(e) {
  if (e instanceof ApiError && e.retryable) {
    fill('cast-body',
      el('p', { class: 'message error' }, `Your ballot has not been confirmed: ${describe(e)}`),
      el('p', {}, 'The encrypted ballot is kept on this page. Press Retry to send the very same ballot again: if it did arrive already, the server recognises it, so it can never count twice.'));
    $('cast-retry').hidden = false;
    say(`Not confirmed: ${describe(e)} Press Retry to send the same ballot again.`, { error: true });
    $('cast-retry').focus();
    return;
  }
  const code = e instanceof ApiError ? e.code : '';
  let heading = 'Your ballot was refused';
  const body = [];
  if (code === 'election_closed' || code === 'election_not_open' || e.status === 409) {
    heading = 'The election is closed';
    body.push(el('p', {}, `The server refused the ballot: ${sentence(describe(e))}`),
      el('p', {}, 'Ballots are no longer accepted, so this one was not recorded. ',
        el('a', { href: `/record.html#election=${encodeURIComponent(S.id)}` }, 'See the public record')));
    S.pending = null;
  } else if (code === 'unlisted_credential' || e.status === 403) {
    heading = 'This code is not on the roll';
    body.push(el('p', {}, `The server refused the ballot: ${sentence(describe(e))}`));
    S.pending = null;
  } else if (code === 'invalid_ballot' || e.status === 422 || e.status === 400) {
    heading = 'The ballot was refused as invalid';
    body.push(el('p', {}, `The server found the ballot invalid: ${sentence(describe(e))}`),
      el('p', {}, 'Nothing was recorded. This should not happen with an honest device; you may go back to your choices and encrypt a fresh ballot, and please tell the organisers.'));
    S.pending = null;
    $('cast-back').hidden = false;
  } else {
    body.push(el('p', {}, `The ballot was not recorded: ${sentence(describe(e))}`));
    S.pending = null;
    $('cast-back').hidden = false;
  }
  $('h-cast').textContent = heading;
  body[0].prepend(el('span', { 'aria-hidden': 'true' }, '⚠ '));
  fill('cast-body', el('div', { class: 'message error refused' }, body));
  say(`${heading}: ${describe(e)}`, { error: true });
  $('h-cast').focus();
}

function castDone(ans, track) {
  S.pending = null;
  S.cast = ans;
  wipeCred();
  $('done-track').textContent = ans.tracking_code;
  $('done-index').textContent = String(ans.index);
  $('done-lookup').href = `/record.html#election=${encodeURIComponent(S.id)}&track=${encodeURIComponent(ans.tracking_code)}`;
  const warn = $('done-mismatch');
  if (warn) warn.remove();
  if (ans.tracking_code !== track) {
    $('done-track').after(el('p', { id: 'done-mismatch', class: 'message error' },
      `The server reports tracking code ${ans.tracking_code}, but this device computed ${track}. Keep both and tell the organisers.`));
  }
  say(`Ballot cast. Tracking code ${ans.tracking_code}, position ${ans.index} on the record.`);
  show('step-done');
}

/* ---- after casting ---------------------------------------------------------------------- */

async function onCopy() {
  const code = S.cast?.tracking_code;
  if (!code) return;
  try {
    await navigator.clipboard.writeText(code);
    say('Tracking code copied.');
  } catch {
    const r = document.createRange();
    r.selectNodeContents($('done-track'));
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
    say('The tracking code is selected: press Ctrl+C (or Copy) to copy it.');
  }
}

function onReceipt() {
  if (!S.cast) return;
  download(`veche-receipt-${S.cast.index}.txt`, S.cast.receipt);
  say(`Receipt downloaded as veche-receipt-${S.cast.index}.txt.`);
}

// Back to the start, for another code or another election (or voting again).
async function restart(message) {
  wipeBuilt();
  wipeCred();
  S.pending = null;
  $('h-cast').textContent = 'Casting your ballot';
  await electionField(S.id);
  say(message ?? '');
  show('step-start');
}

function backToChoices() {
  $('h-cast').textContent = 'Casting your ballot';
  if (!S.cred) return restart('Enter your code again to vote.');
  renderBallot();
  say('');
  show('step-ballot');
}

/* ---- start --------------------------------------------------------------------------------- */

function wire() {
  $('start-form').addEventListener('submit', onStart);
  $('code').addEventListener('input', () => fieldError($('code'), 'code-error', null));
  $('stop-again').addEventListener('click', () => restart());
  $('ballot-form').addEventListener('submit', onReview);
  $('review-change').addEventListener('click', () => { renderBallot(); say(''); show('step-ballot'); });
  $('review-encrypt').addEventListener('click', onEncrypt);
  $('encrypt-cast').addEventListener('click', onCast);
  $('encrypt-audit').addEventListener('click', onAudit);
  $('audit-download').addEventListener('click', () => {
    if (!S.auditDoc) return;
    const name = `veche-audit-${fileTag(S.auditTrack)}.json`;
    download(name, S.auditDoc + '\n', 'application/json');
    say(`Audit document downloaded as ${name}.`);
  });
  $('audit-back').addEventListener('click', () => { renderReview(); say('Encrypt a fresh ballot when ready.'); show('step-review'); });
  $('cast-retry').addEventListener('click', send);
  $('cast-back').addEventListener('click', backToChoices);
  $('done-copy').addEventListener('click', onCopy);
  $('done-receipt').addEventListener('click', onReceipt);
  $('done-again').addEventListener('click', () => restart('To vote again, enter your code again. Only your last ballot counts.'));
  // Leaving the page: nothing secret should outlive it.
  window.addEventListener('pagehide', () => { wipeBuilt(); wipeCred(); });
}

async function main() {
  wire();
  const f = fragment();
  const id = f.get('election');
  const code = f.get('code');
  // The code must not stay in the address bar or the history.
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  await electionField(id);
  if (id && code) {
    $('code').value = code;
    show('step-start');
    await vc.ready();
    const symbols = readCodeField();
    $('code').value = '';
    if (!symbols) { $('code').value = code; return; }
    await openElection(id, symbols);
    return;
  }
  show('step-start');
  if (id) $('code').focus();
}

main().catch((e) => say(`The booth could not start: ${describe(e)}`, { error: true }));
