// home.js — the home page: every election on the record with its stage,
// window and turnout, and links to vote (while open) and to its public record.
// It also exports the words for an election's stage and the links to an
// election's pages, which the record and administration pages share.
import { get, el, fill, describe, fmtTime } from './api.js';

// docs/API.md: stage is setup, ready, open, closed, tallied or published.
export const STAGES = {
  setup: ['Being set up', 'The trustees are making the election key or the roll is not in yet.'],
  ready: ['Ready to open', 'The key and the roll are on the record; voting has not started.'],
  open: ['Open for voting', 'Ballots are being accepted.'],
  closed: ['Closed', 'Voting has ended; the ballots are being counted.'],
  tallied: ['Counted, decrypting', 'The encrypted tally is on the record; the trustees are decrypting it.'],
  published: ['Result published', 'The result is on the record.'],
};

export function stageBadge(stage) {
  const [label] = STAGES[stage] ?? [stage];
  return el('span', { class: `stage stage-${stage}` }, label);
}

export const voteLink = (id) => `/vote.html#election=${encodeURIComponent(id)}`;
export const recordLink = (id) => `/record.html#election=${encodeURIComponent(id)}`;

// "12 of 40 (30%)" with no division by zero.
export function ofTotal(n, total) {
  if (!total) return `${n}`;
  return `${n} of ${total} (${Math.round((100 * n) / total)}%)`;
}

function electionCard(e) {
  const id = `el-${e.id}`;
  return el('article', { class: 'card election', 'aria-labelledby': id },
    el('h2', { id }, e.title),
    el('p', { class: 'muted' }, e.organisation, ' · ', el('span', { class: 'mono' }, e.id)),
    el('dl', { class: 'facts' },
      el('dt', {}, 'Stage'), el('dd', {}, stageBadge(e.stage)),
      el('dt', {}, 'Voting window'), el('dd', {}, `${fmtTime(e.opens)} – ${fmtTime(e.closes)}`),
      el('dt', {}, 'Ballots cast'),
      el('dd', {}, e.voters ? `${e.ballots} (${e.voters} voters on the roll)` : `${e.ballots} (no roll yet)`)),
    el('div', { class: 'actions' },
      e.stage === 'open' ? el('a', { class: 'btn', href: voteLink(e.id) }, 'Vote') : null,
      el('a', { class: 'btn secondary', href: recordLink(e.id) },
        e.stage === 'published' ? 'Result and public record' : 'Public record')));
}

async function main() {
  const status = document.getElementById('status');
  try {
    const { elections } = await get('/api/v1/elections');
    if (!elections.length) {
      status.textContent = 'There are no elections on this server yet. An administrator creates them on the Administration page.';
      return;
    }
    status.textContent = `${elections.length} election${elections.length === 1 ? '' : 's'}.`;
    // Newest first: the API lists them in order of creation.
    fill('elections', [...elections].reverse().map(electionCard));
  } catch (e) {
    status.className = 'message error';
    status.textContent = `Could not load the elections: ${describe(e)}`;
  }
}

if (document.getElementById('elections')) main();
