// adminpage.js — what the two pages behind the administrator's session
// (admin.html for elections, rollkeeper.html for councils) share: the status
// messages, the login form, logout and the first session check, and the
// one-time codes box (its warning, forgetting the codes, the printable
// letters shown instead of the page). One copy, so both pages log in, end a
// session and guard codes the server will never show again the same way.
// Each page keeps what differs: its views, its codes and its letters.
import { api, get, el, fill, describe, ApiError } from './api.js';

export const $ = (id) => document.getElementById(id);

// A message in node (text: a string or an array of nodes and strings); no text clears it.
export function say(node, text, kind = 'info') {
  fill(node, text ? el('p', { class: `message ${kind}` }, ...[text].flat()) : null);
}
export const status = (text, kind) => say('status', text, kind);

// A datetime-local value for d, in local time.
export function localInput(d) {
  const p = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// Unix seconds from a datetime-local value (local time); NaN when empty or wrong.
export function unixOf(v) {
  const t = new Date(v).getTime();
  return Number.isFinite(t) ? Math.floor(t / 1000) : NaN;
}

// ---- the session -------------------------------------------------------------------------

// Wires the login form and the logout button of a page whose working area
// (the element with id view) is shown only with a session. route() draws the
// page from its fragment; forget() drops codes held in memory at logout;
// stop() ends timers before the login form shows. Returns showLogin, failed
// (a refusal in node; a 401 means the session ended) and start (the first
// session check).
export function adminSession({ view, route, forget, stop = () => {} }) {
  function showLogin(message) {
    stop();
    $(view).hidden = true;
    $('login-view').hidden = false;
    status(message, message ? 'error' : 'info');
    $('password').focus();
  }

  function failed(e, node = 'status', what = '') {
    if (e instanceof ApiError && e.status === 401 && e.code === 'unauthorized') {
      showLogin('Your session has ended: log in again.');
      return;
    }
    say(node, `${what}${describe(e)}`, 'error');
  }

  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const password = $('password').value;
    if (!password) { status('Enter the administrator password.', 'error'); return; }
    try {
      await api('POST', '/api/v1/login', { json: { password } });
      $('password').value = '';
      status('');
      $('login-view').hidden = true;
      $(view).hidden = false;
      route();
    } catch (e) {
      status(e.code === 'bad_password' ? 'That is not the administrator password.' : describe(e), 'error');
    }
  });

  $('logout').addEventListener('click', async () => {
    try { await api('POST', '/api/v1/logout', { json: {} }); } catch { /* logged out either way */ }
    forget();
    showLogin();
    status('You are logged out.', 'ok');
  });

  // Hash changes while logged out wait for the login, which routes.
  window.addEventListener('hashchange', () => { if (!$(view).hidden) route(); });

  async function start() {
    try {
      const s = await get('/api/v1/session');
      if (!s.admin) { showLogin(); return; }
    } catch (e) {
      status(`The server could not be reached: ${describe(e)}`, 'error');
      return;
    }
    $(view).hidden = false;
    route();
  }

  return { showLogin, failed, start };
}

// ---- the one-time codes ------------------------------------------------------------------

// The warning above codes the server answered once and keeps no copy of.
export function codesWarning(n, advice) {
  fill('codes-warning',
    el('p', {}, el('strong', {}, `These ${n} codes exist only in this page now. `),
      'The server keeps no copy: download the CSV or print the letters before you leave or reload this page.'),
    el('p', {}, advice));
}

// Forgetting codes nobody saved asks first, and so does leaving the page:
// lost codes cannot be shown again. unsaved() says whether unsaved codes are held.
export function guardCodes(unsaved, forget, question) {
  $('codes-forget').addEventListener('click', () => {
    if (unsaved() && !confirm(question)) return;
    forget();
    say('m-status', 'The codes are gone from this page.', 'info');
  });
  window.addEventListener('beforeunload', (ev) => {
    if (unsaved()) { ev.preventDefault(); ev.returnValue = ''; }
  });
}

// The letters: a section outside <main> (#letters), shown instead of the
// page and printed one letter a page (pages.css); built by the page from the
// codes in its memory, so they never leave it. codesBox: the id of the codes
// section, whose letters button gets the focus back on closing.
export function lettersOverlay(codesBox) {
  function close() {
    $('letters').hidden = true;
    fill('letters');
    document.body.classList.remove('show-letters');
    if (!$(codesBox).hidden) $('codes-letters').focus();
  }

  // back: the close button's words; onPrint: marks the codes saved.
  function open(back, n, letters, onPrint) {
    const box = $('letters');
    const bar = el('div', { class: 'actions letters-bar no-print' },
      el('button', { type: 'button', id: 'letters-print' }, 'Print'),
      el('button', { type: 'button', class: 'secondary', id: 'letters-close' }, back));
    fill(box, bar, el('p', { class: 'no-print muted' }, `${n} letters, one a printed page.`), letters);
    bar.querySelector('#letters-print').addEventListener('click', () => { onPrint(); window.print(); });
    bar.querySelector('#letters-close').addEventListener('click', close);
    box.hidden = false;
    document.body.classList.add('show-letters');
    bar.querySelector('#letters-print').focus();
  }

  return { open, close };
}
