// letters.js — credential letters, one printed page per voter: the voter's
// name, the election, the secret code in large type and the invitation link.
// The codes never go through a URL or the server: the administration page
// builds the letters from the codes it holds in memory, and letters.html
// builds them from a codes CSV file the administrator picks, read in the
// browser. Also the codes CSV itself (made and parsed here, in one format).
import { el, fill, get, describe } from './api.js';

// The invitation link; the code is in the fragment, which browsers never send.
export function inviteLink(origin, election, code) {
  return `${origin}/vote.html#election=${encodeURIComponent(election)}&code=${encodeURIComponent(code)}`;
}

// ---- CSV ---------------------------------------------------------------------------------

const CSV_HEADER = ['name', 'weight', 'code', 'election', 'link'];

function csvField(v) {
  const s = String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// codes: [{name, code, weight}] as returned by POST /elections/{id}/credentials.
export function codesCsv(origin, election, codes) {
  const lines = [CSV_HEADER.join(',')];
  for (const c of codes) {
    lines.push([c.name, c.weight, c.code, election, inviteLink(origin, election, c.code)].map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

// RFC 4180 records: quoted fields may hold commas, quotes ("") and newlines.
function csvRecords(text) {
  const rows = [];
  let row = [], field = '', i = 0, quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i++; continue; }
      field += ch; i++; continue;
    }
    if (ch === '"' && field === '') { quoted = true; i++; continue; }
    if (ch === ',') { row.push(field); field = ''; i++; continue; }
    if (ch === '\r' || ch === '\n') {
      row.push(field); rows.push(row); row = []; field = '';
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    field += ch; i++;
  }
  if (quoted) throw new Error('the file ends inside a quoted field');
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

// The codes CSV made by codesCsv: returns {election, codes}; throws with the
// line that is wrong.
export function parseCodesCsv(text) {
  const rows = csvRecords(text.replace(/^\uFEFF/, ''));
  if (!rows.length || rows[0].join(',') !== CSV_HEADER.join(',')) {
    throw new Error(`line 1: expected the header "${CSV_HEADER.join(',')}" of a codes file from the administration page`);
  }
  let election = null;
  const codes = rows.slice(1).map((r, i) => {
    if (r.length !== CSV_HEADER.length) throw new Error(`line ${i + 2}: ${r.length} fields, expected ${CSV_HEADER.length}`);
    const [name, weight, code, eid] = r;
    if (!code) throw new Error(`line ${i + 2}: no code`);
    if (election !== null && eid !== election) throw new Error(`line ${i + 2}: election "${eid}", but earlier lines say "${election}"`);
    election = eid;
    return { name, weight: Number(weight) || 1, code };
  });
  if (!codes.length) throw new Error('the file has no voters');
  return { election, codes };
}

// ---- letters -----------------------------------------------------------------------------

function letter(e, c, i, n) {
  const link = inviteLink(e.origin, e.election, c.code);
  return el('article', { class: 'letter', 'aria-label': `Letter ${i + 1} of ${n}: ${c.name}` },
    el('p', { class: 'letter-org' }, e.organisation),
    el('h2', { class: 'letter-to' }, c.name),
    el('p', {}, 'You are invited to vote in ', el('strong', {}, e.title), '.'),
    el('p', { class: 'letter-label' }, 'Your voting code'),
    el('p', { class: 'letter-code mono' }, c.code),
    c.weight && c.weight !== 1 ? el('p', {}, `Your vote counts with weight ${c.weight}.`) : null,
    el('h3', {}, 'How to vote'),
    el('ol', {},
      el('li', {}, 'Open this link on your phone or computer:',
        el('span', { class: 'letter-link mono' }, link)),
      el('li', {}, 'Or go to ', el('span', { class: 'mono' }, `${e.origin}/vote.html#election=${e.election}`),
        ' and type the code above.'),
      el('li', {}, 'Make your choices. They are encrypted on your own device; nobody, not even the server, sees how you voted.'),
      el('li', {}, 'Note the tracking code the booth shows you, and keep the receipt if you download it. ',
        'Check at any time that your ballot is on the public record: ',
        el('span', { class: 'mono' }, `${e.origin}/record.html#election=${e.election}`), '.')),
    el('h3', {}, 'Keep this code secret'),
    el('p', {}, 'Anyone holding this code can vote in your name. You may vote again while the election is open: only your last ballot counts. ',
      'If you think someone else has seen your code, vote again yourself before the election closes.'),
    el('p', { class: 'muted small' }, `Election ${e.election} · letter ${i + 1} of ${n}`));
}

// Fills container with one letter per voter. e = {election, title,
// organisation, origin}; codes = [{name, code, weight}].
export function renderLetters(container, e, codes) {
  fill(container, codes.map((c, i) => letter(e, c, i, codes.length)));
  return codes.length;
}

// ---- letters.html: letters from a codes CSV, read here and never uploaded --------------

async function lettersPage() {
  const status = document.getElementById('status');
  const say = (text, kind) => { status.className = kind ? `message ${kind}` : 'muted'; status.textContent = text; };
  document.getElementById('codes-file').addEventListener('change', async (ev) => {
    const f = ev.target.files[0];
    if (!f) return;
    fill('letters');
    let parsed;
    try {
      parsed = parseCodesCsv(await f.text());
    } catch (e) {
      say(`${f.name} is not a codes file: ${describe(e)}`, 'error');
      return;
    }
    let d;
    try {
      d = await get(`/api/v1/elections/${encodeURIComponent(parsed.election)}`);
    } catch (e) {
      say(`Could not read election "${parsed.election}" from the server: ${describe(e)}`, 'error');
      return;
    }
    const n = renderLetters(document.getElementById('letters'),
      { election: d.id, title: d.title, organisation: d.organisation, origin: location.origin }, parsed.codes);
    document.getElementById('print').disabled = false;
    say(`${n} letter${n === 1 ? '' : 's'} for ${d.title}, one a page. Print them, then delete the file.`, 'ok');
  });
  document.getElementById('print').addEventListener('click', () => window.print());
}

if (document.getElementById('codes-file')) lettersPage();
