// member.js — a council member's area (member.html#council=ID&code=CODE).
//
// The standing code is read from the field (or the invitation link's
// fragment, which is cleared at once so it stays in neither the address bar
// nor the history) and turned into the member's credential {x, X} HERE, with
// the council id as its scope (veche-council.js). The page then checks the
// council's fingerprint itself from the council.create entry's bytes and
// that X is in the standing list (GET /councils/{id}/bundle), and lets the
// member sign an open petition (once: the record is read for the member's
// earlier signatures first), open a recall petition against an active
// delegate, publish (a statement, a reply, minutes or a candidate's platform:
// Markdown with a live, safe preview and the 64 KiB limit shown) and reach
// the booth for open council elections. Every entry is built and signed in
// this browser and sent to the council's door, POST /councils/{id}/entries;
// x never leaves the page and is wiped when the member forgets the code or
// leaves.
import { api, get, el, fill, describe, fmtTime, fragment, ApiError } from './api.js';
import { renderMarkdown } from './markdown.js';
import * as VC from './veche-council.js';
import { curl, councilLink, voteLink, petitionCard, PURPOSES, stageWords, isOpen, plural, STATUS_WORDS } from './council.js';

const $ = (id) => document.getElementById(id);
const PREVIEW_MS = 150;
const SCAN_CHUNK = 1000;        // entries per request when reading the record

const S = {
  id: null,
  c: null,             // COUNCIL
  bundle: null,        // checkBundle's answer: fp, standing
  cred: null,          // {x, X, Xb64}: x is secret
  signed: new Set(),   // petitions this credential signed (or opened), read from the record
  scanned: 0,          // the record read up to here for them
  platforms: null,     // [{election, option}] for the platform select
};

function say(node, text, kind = 'info') {
  fill(node, text ? el('p', { class: `message ${kind}` }, ...[text].flat()) : null);
}
const status = (text, kind) => say('status', text, kind);

const bytes = (s) => new TextEncoder().encode(VC.normalizeText(s)).length;

// ---- the code ---------------------------------------------------------------------------------

function codeError(msg) {
  const p = $('code-error');
  p.textContent = msg ?? '';
  p.hidden = !msg;
  if (msg) $('code').setAttribute('aria-invalid', 'true'); else $('code').removeAttribute('aria-invalid');
}

function forget() {
  VC.wipe(S.cred);
  S.cred = null;
  S.signed = new Set();
  S.scanned = 0;
}

async function checkCode(ev) {
  ev?.preventDefault();
  const typed = $('code').value;
  if (!typed.trim()) { codeError('Enter the standing code from your membership letter.'); $('code').focus(); return; }
  $('code-go').disabled = true;
  status('Checking your code…');
  try {
    await VC.ready();
    let cred;
    try {
      cred = VC.memberCredential(S.id, typed);
    } catch (e) {
      codeError(`This code is not right: ${describe(e).replace(/^credential code: /, '')}.`);
      status('');
      $('code').focus();
      return;
    }
    $('code').value = '';
    codeError(null);
    const [c, bundle] = await Promise.all([get(curl(S.id)), get(curl(S.id, '/bundle'))]);
    let b;
    try {
      b = VC.checkBundle(bundle, S.id, c.fingerprint);
    } catch (e) {
      VC.wipe(cred);
      status(['The council\'s data does not check out on this device: ', describe(e), '. Do not sign anything here; tell the roll keeper.'], 'error');
      return;
    }
    if (!b.standing.has(cred.Xb64)) {
      VC.wipe(cred);
      status(`This code is well formed but it is not a standing credential of “${c.name}”: it may be mistyped, for another council, or its member has left or been excluded.`, 'error');
      $('code').focus();
      return;
    }
    forget();
    S.cred = cred;
    S.c = c;
    S.bundle = b;
    status('');
    showMember();
  } catch (e) {
    status(`Could not check the code: ${describe(e)}`, 'error');
  } finally {
    $('code-go').disabled = false;
  }
}

// ---- the member's view --------------------------------------------------------------------------

function showMember() {
  $('code-view').hidden = true;
  $('member-view').hidden = false;
  fill('cred-text', `You are a standing member of `, el('a', { href: councilLink(S.id) }, S.c.name),
    '. Your public key: ', el('span', { class: 'mono', id: 'cred-key' }, S.cred.Xb64));
  renderAll();
  $('cred-h').focus();
  scanSigned().then(renderSign).catch((e) => say('sign-status', `Could not read the record for your earlier signatures: ${describe(e)}. The server will still refuse a second signature.`, 'error'));
}

function renderAll() {
  renderVote();
  renderSign();
  renderRecall();
  renderPublishTargets();
}

async function refresh() {
  S.c = await get(curl(S.id));
  const bundle = await get(curl(S.id, '/bundle'));
  S.bundle = VC.checkBundle(bundle, S.id, S.c.fingerprint);
  if (S.cred && !S.bundle.standing.has(S.cred.Xb64)) {
    forget();
    $('member-view').hidden = true;
    $('code-view').hidden = false;
    status('Your credential is no longer standing in this council.', 'error');
    return;
  }
  renderAll();
  await scanSigned();
  renderSign();
}

function renderVote() {
  const open = S.c.elections.filter((e) => isOpen(e.stage));
  fill('vote-list', open.length
    ? [el('p', {}, 'Vote in the booth with the same standing code: it is your council credential for every council vote. Your ballot is encrypted on your device.'),
       el('ul', { class: 'plain-list' }, open.map((e) => el('li', {},
         el('a', { class: 'btn', href: voteLink(e.election) }, `Vote: ${PURPOSES[e.purpose] ?? e.purpose}`), ' ',
         el('span', { class: 'mono' }, e.election))))]
    : el('p', { class: 'muted' }, 'No council vote is open now. ',
      S.c.elections.length ? `${plural(S.c.elections.length, 'election')} so far: ${S.c.elections.map((e) => `${e.election} (${stageWords(e.stage)})`).join(', ')}.` : ''));
}

// ---- petitions ------------------------------------------------------------------------------------

// Reads the record from the first open petition on, for petitions and
// signatures carrying this credential: the petitions already signed.
async function scanSigned() {
  const open = S.c.petitions.filter((p) => p.succeeded_at === null || p.succeeded_at === undefined);
  if (!open.length || !S.cred) return;
  const { size } = await get('/api/v1/info');
  let start = Math.max(S.scanned, Math.min(...open.map((p) => p.index)));
  const needle = `"credential":"${S.cred.Xb64}"`;
  while (start < size) {
    const end = Math.min(size, start + SCAN_CHUNK);
    const text = await get(`/api/v1/record/entries?start=${start}&end=${end}`, { text: true });
    text.split('\n').forEach((line, i) => {
      if (!line.includes(needle)) return;
      let v;
      try { v = JSON.parse(line); } catch { return; }
      if (v.body?.council !== S.id || v.body?.credential !== S.cred?.Xb64) return;
      if (v.type === 'council.signature') S.signed.add(v.body.petition);
      if (v.type === 'council.petition') S.signed.add(start + i);
    });
    start = end;
  }
  S.scanned = Math.max(S.scanned, size);
}

function renderSign() {
  if (!S.c) return;
  const open = S.c.petitions.filter((p) => p.succeeded_at === null || p.succeeded_at === undefined);
  if (!open.length) { fill('sign-list', el('p', { class: 'muted' }, 'No petition is open.')); return; }
  fill('sign-list', open.map((p) => {
    const done = S.signed.has(p.index);
    const btn = el('button', { type: 'button', class: 'sign', disabled: done, dataset: { petition: String(p.index) },
      'aria-describedby': `petition-${p.index}-h` }, done ? 'Signed' : 'Sign this petition');
    btn.addEventListener('click', () => sign(p, btn));
    return petitionCard(S.c, p, el('div', { class: 'actions' }, btn,
      done ? el('span', { class: 'done signed-note' }, '✓ You have signed this petition.') : null));
  }));
}

// Sends an entry to the council's door: → the server's answer.
function door(entry, body = null) {
  return api('POST', curl(S.id, '/entries'), { body: VC.doorRequest(entry, body) });
}

function doorError(e) {
  if (e instanceof ApiError && e.status === 409) return 'You have already signed this petition: a member\'s signature counts once.';
  if (e instanceof ApiError && e.status === 403) return `Refused: ${describe(e)}`;
  return `Refused: ${describe(e)}`;
}

async function sign(p, btn) {
  if (!S.cred) return;
  btn.disabled = true;
  say('sign-status', `Signing the petition to recall ${p.delegate}…`);
  try {
    const entry = VC.signatureEntry({ council: S.id, petition: p.index }, S.cred, S.bundle.fp);
    const r = await door(entry);
    S.signed.add(p.index);
    say('sign-status', [`Your signature is on the record at entry ${r.index}.`,
      r.recall_election ? [' The petition has reached its threshold: the recall vote ', el('a', { href: voteLink(r.recall_election), class: 'mono' }, r.recall_election), ' is created.'] : ''], 'ok');
    await refresh();
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) S.signed.add(p.index);
    say('sign-status', doorError(e), 'error');
    renderSign();
  }
}

function renderRecall() {
  const active = S.c.mandates.filter((m) => m.status === 'active');
  const sel = $('recall-mandate');
  fill(sel, active.length ? active.map((m) => el('option', { value: String(m.index) },
    `${m.delegate} (${STATUS_WORDS[m.status]}, term to ${fmtTime(m.end)})`)) : el('option', { value: '' }, 'No delegate is active'));
  sel.disabled = !active.length;
  $('recall-go').disabled = !active.length;
  const petitioned = S.c.petitions.filter((p) => p.succeeded_at === null || p.succeeded_at === undefined).map((p) => p.delegate);
  fill('recall-note', `A recall petition needs the signatures of ${S.c.recall.threshold / 10}% of the members; yours is the first. `,
    petitioned.length ? `Already open: against ${[...new Set(petitioned)].join(', ')} — sign it above rather than opening another.` : '');
  recallCount();
}

function recallCount() {
  const n = bytes($('recall-text').value);
  const p = $('recall-count');
  p.textContent = `${n.toLocaleString()} of 4,096 bytes`;
  p.classList.toggle('over', n > VC.LIMITS.text);
}

async function openRecall(ev) {
  ev.preventDefault();
  const mandate = Number($('recall-mandate').value);
  const text = $('recall-text').value;
  if (!text.trim()) { say('recall-status', 'Say why the delegate should be recalled.', 'error'); $('recall-text').focus(); return; }
  $('recall-go').disabled = true;
  try {
    const entry = VC.petitionEntry({ council: S.id, mandate, text }, S.cred, S.bundle.fp);
    const r = await door(entry);
    S.signed.add(r.index);
    $('recall-text').value = '';
    say('recall-status', `The petition is on the record at entry ${r.index}, with your signature as the first. Other members can now sign it.`, 'ok');
    await refresh();
  } catch (e) {
    say('recall-status', e instanceof VC.VecheError ? describe(e) : `Refused: ${describe(e)}`, 'error');
  } finally {
    $('recall-go').disabled = false;
  }
}

// ---- publishing ----------------------------------------------------------------------------------

async function renderPublishTargets() {
  const pubs = S.c.publications.filter((p) => !p.impostor && p.counted !== false && !p.tombstone);
  fill('pub-reply', pubs.length ? pubs.map((p) => el('option', { value: String(p.index) },
    `${p.title} — ${p.grouping ? p.author : 'a member'} (entry ${p.index})`)) : el('option', { value: '' }, 'Nothing to reply to yet'));
  S.platforms = null;
  kindChanged();
}

// The candidates of the council's seats and by-elections (from each
// election's manifest), for a platform.
async function platformTargets() {
  if (S.platforms) return S.platforms;
  const out = [];
  for (const e of S.c.elections.filter((x) => x.purpose === 'seats' || x.purpose === 'by-election')) {
    try {
      const d = await get(`/api/v1/elections/${encodeURIComponent(e.election)}`);
      for (const o of d.manifest?.contests?.[0]?.options ?? []) out.push({ election: e.election, option: o });
    } catch { /* an election that cannot be read offers no candidates */ }
  }
  S.platforms = out;
  return out;
}

async function kindChanged() {
  const k = $('pub-kind').value;
  $('reply-box').hidden = k !== 'reply';
  $('platform-box').hidden = k !== 'platform';
  if (k === 'platform') {
    const t = await platformTargets();
    fill('pub-platform', t.length ? t.map((x, i) => el('option', { value: String(i) }, `${x.option} — ${x.election}`))
      : el('option', { value: '' }, 'No council election has candidates yet'));
  }
}

let previewTimer = null;
function bodyChanged() {
  const n = bytes($('body-text').value);
  const p = $('body-count');
  p.textContent = `${n.toLocaleString()} of 65,536 bytes (64 KiB)${n > VC.LIMITS.body ? ': too long' : ''}`;
  p.classList.toggle('over', n > VC.LIMITS.body);
  clearTimeout(previewTimer);
  previewTimer = setTimeout(() => {
    const text = $('body-text').value;
    fill('preview', text.trim() ? renderMarkdown(text, document, { headingBase: 4 }) : el('p', { class: 'muted' }, 'The preview appears here.'));
  }, PREVIEW_MS);
}

async function publish(ev) {
  ev.preventDefault();
  const kind = $('pub-kind').value;
  const meta = { council: S.id, kind, title: $('pub-title').value.trim() };
  if (!meta.title) { say('publish-status', 'Give your publication a title.', 'error'); $('pub-title').focus(); return; }
  const text = $('body-text').value;
  if (!text.trim()) { say('publish-status', 'Write the text first.', 'error'); $('body-text').focus(); return; }
  if (bytes(text) > VC.LIMITS.body) { say('publish-status', `The text is ${bytes(text).toLocaleString()} bytes: at most 65,536 (64 KiB).`, 'error'); $('body-text').focus(); return; }
  if (kind === 'reply') {
    if ($('pub-reply').value === '') { say('publish-status', 'There is no publication to reply to.', 'error'); return; }
    meta.reply_to = Number($('pub-reply').value);
  }
  if (kind === 'platform') {
    const t = S.platforms?.[Number($('pub-platform').value)];
    if (!t) { say('publish-status', 'Choose the candidate whose platform this is.', 'error'); return; }
    meta.election = t.election;
    meta.option = t.option;
  }
  $('publish-go').disabled = true;
  say('publish-status', 'Signing and publishing…');
  try {
    const { entry, body } = VC.memberPublicationEntry(meta, text, S.cred, S.bundle.fp);
    const r = await door(entry, body);
    $('pub-title').value = '';
    $('body-text').value = '';
    bodyChanged();
    say('publish-status', ['Published at entry ', String(r.index), '. ',
      el('a', { href: `${councilLink(S.id)}&pub=${r.index}` }, 'See it in the council\'s feed'), '.'], 'ok');
    await refresh();
  } catch (e) {
    say('publish-status', e instanceof VC.VecheError ? describe(e) : `Refused: ${describe(e)}`, 'error');
  } finally {
    $('publish-go').disabled = false;
  }
}

// ---- routing ------------------------------------------------------------------------------------------

async function showPicker() {
  $('pick').hidden = false;
  try {
    const { councils } = await get('/api/v1/councils');
    fill('pick-list', councils.length ? councils.map((c) => el('li', {},
      el('a', { href: `/member.html#council=${encodeURIComponent(c.id)}` }, c.name))) : el('li', {}, 'No councils yet.'));
  } catch (e) {
    status(`Could not load the councils: ${describe(e)}`, 'error');
  }
}

async function route() {
  const f = fragment();
  const id = f.get('council');
  const code = f.get('code');
  // The code must not stay in the address bar or the history: keep only the council.
  if (code !== null) history.replaceState(null, '', id ? `${location.pathname}#council=${encodeURIComponent(id)}` : location.pathname);
  if (id !== S.id) forget();
  S.id = id;
  $('member-view').hidden = true;
  $('pick').hidden = true;
  $('code-view').hidden = true;
  if (!id) { await showPicker(); return; }
  if (!VC.COUNCIL_ID.test(id)) { status(`“${id}” is not a council id.`, 'error'); return; }
  try {
    S.c = await get(curl(id));
  } catch (e) {
    status(e instanceof ApiError && e.status === 404 ? `There is no council "${id}" on this record.` : `Could not load the council: ${describe(e)}`, 'error');
    return;
  }
  fill('title', `Member area — ${S.c.name}`);
  document.title = `Member area — ${S.c.name} — veche`;
  $('nav-council').href = councilLink(id);
  $('code-view').hidden = false;
  if (code) {
    $('code').value = code;
    await checkCode();
  } else {
    $('code').focus();
  }
}

$('code-form').addEventListener('submit', checkCode);
$('forget').addEventListener('click', () => {
  forget();
  $('member-view').hidden = true;
  $('code-view').hidden = false;
  status('Your code is forgotten by this page.', 'ok');
  $('code').focus();
});
$('recall-form').addEventListener('submit', openRecall);
$('recall-text').addEventListener('input', recallCount);
$('publish-form').addEventListener('submit', publish);
$('pub-kind').addEventListener('change', kindChanged);
$('body-text').addEventListener('input', bodyChanged);
window.addEventListener('hashchange', route);
window.addEventListener('pagehide', forget);
bodyChanged();
route();
