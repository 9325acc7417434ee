// The Journal tab: the activity journal (kept by Rust in journal.sqlite3) newest first, filtered
// by date range, connection, account and kind, with older entries a click away and a CSV export
// through the save dialog Rust opens. Every label (kinds, outcomes, environments) comes from Rust.

import * as bridge from './bridge.js';
import { errorText } from './errors.js';
import { toast, toastError } from './notify.js';

/** @typedef {import('./bridge.js').JournalEntryView} JournalEntryView */
/** @typedef {import('./bridge.js').JournalQuery} JournalQuery */
/** @typedef {import('./bridge.js').Choice} Choice */

const el = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const form = /** @type {HTMLFormElement} */ (el('journal-filters'));
const rows = el('journal-rows');
const status = el('journal-status');
const errorLine = el('journal-error');
const empty = el('journal-empty');
const more = /** @type {HTMLButtonElement} */ (el('journal-more'));
const exportButton = /** @type {HTMLButtonElement} */ (el('journal-export'));
const rowTpl = /** @type {HTMLElement} */ (
  /** @type {HTMLTemplateElement} */ (el('tpl-journal-row')).content.firstElementChild
);

/** Answers to an older query are dropped. */
let generation = 0;
let shown = 0;
/** @type {number | undefined} */
let nextBeforeId;

/** The filters as the form holds them, with the window's time zone. @returns {JournalQuery} */
function query() {
  const data = new FormData(form);
  const text = (/** @type {string} */ name) => String(data.get(name) ?? '').trim();
  return {
    from: text('from'),
    to: text('to'),
    connectionId: text('connectionId'),
    account: text('account'),
    kind: text('kind'),
    utcOffsetMinutes: -new Date().getTimezoneOffset(),
  };
}

/**
 * Replaces a select's options after its first ("All …"), keeping the choice when still offered.
 * @param {string} name @param {Choice[]} choices
 */
function fillSelect(name, choices) {
  const select = /** @type {HTMLSelectElement} */ (form.elements.namedItem(name));
  const keep = select.value;
  const first = select.options[0];
  const options = choices.map((c) => {
    const option = document.createElement('option');
    option.value = c.value;
    option.textContent = c.label;
    return option;
  });
  select.replaceChildren(...(first ? [first] : []), ...options);
  select.value = choices.some((c) => c.value === keep) ? keep : '';
}

/** @param {JournalEntryView} entry */
function renderRow(entry) {
  const row = /** @type {HTMLElement} */ (rowTpl.cloneNode(true));
  const set = (/** @type {string} */ selector, /** @type {string} */ text) => {
    const node = /** @type {HTMLElement} */ (row.querySelector(selector));
    node.textContent = text;
    return node;
  };
  row.dataset.entryId = String(entry.id);
  row.dataset.kind = entry.kind;
  row.dataset.outcome = entry.outcome;
  set('.j-time', entry.atDisplay).title = entry.at;
  set('.j-kind', entry.kindLabel);
  set('.j-conn-name', entry.connectionName);
  const env = set('.j-env', entry.environmentLabel);
  env.dataset.env = entry.environment;
  set('.j-account', entry.accountId ?? '');
  set('.j-amount', entry.amount?.display ?? '');
  const outcome = set('.badge', entry.outcomeLabel);
  outcome.dataset.tone = entry.outcomeTone;
  set('.j-detail-text', entry.detail);
  set('.j-request', entry.requestId ? `Request ${entry.requestId}` : '');
  return row;
}

function showStatus() {
  status.textContent = shown === 0 ? '' : `${shown} entr${shown === 1 ? 'y' : 'ies'}${nextBeforeId ? ' · more below' : ''}`;
  empty.hidden = shown !== 0;
  more.hidden = nextBeforeId == null;
}

/** @param {boolean} fresh start from the newest entry */
async function load(fresh) {
  const mine = ++generation;
  errorLine.hidden = true;
  if (fresh) {
    shown = 0;
    nextBeforeId = undefined;
  }
  const q = query();
  if (!fresh && nextBeforeId != null) q.beforeId = nextBeforeId;
  status.textContent = 'Loading…';
  try {
    const [info, page] = await Promise.all([bridge.journalInfo(), bridge.journalEntries(q)]);
    if (mine !== generation) return;
    fillSelect('kind', info.kinds);
    fillSelect('connectionId', info.connections);
    const fragment = document.createDocumentFragment();
    for (const entry of page.entries) fragment.append(renderRow(entry));
    if (fresh) rows.replaceChildren(fragment);
    else rows.append(fragment);
    shown += page.entries.length;
    nextBeforeId = page.nextBeforeId;
    showStatus();
  } catch (err) {
    if (mine !== generation) return;
    status.textContent = '';
    errorLine.textContent = errorText(err);
    errorLine.hidden = false;
  }
}

/** Shows the journal from the newest entry with the current filters. */
export function showJournal() {
  load(true);
}

/** The journal file's path for Settings. */
export async function showJournalPath() {
  const target = el('journal-path');
  try {
    const info = await bridge.journalInfo();
    target.textContent = info.path ?? info.unavailable ?? '';
  } catch (err) {
    target.textContent = errorText(err);
  }
}

async function exportCsv() {
  exportButton.disabled = true;
  try {
    const saved = await bridge.saveJournalCsv(query());
    if ('cancelled' in saved) return;
    toast(`Saved ${saved.entries} journal entr${saved.entries === 1 ? 'y' : 'ies'} to ${saved.path}`, { kind: 'success', timeoutMs: 10000 });
    load(true);
  } catch (err) {
    toastError(err);
  } finally {
    exportButton.disabled = false;
  }
}

export function initJournal() {
  form.addEventListener('change', () => load(true));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load(true);
  });
  let typing = 0;
  /** @type {HTMLInputElement} */ (form.elements.namedItem('account')).addEventListener('input', () => {
    clearTimeout(typing);
    typing = window.setTimeout(() => load(true), 300);
  });
  el('journal-refresh').addEventListener('click', () => load(true));
  more.addEventListener('click', () => load(false));
  exportButton.addEventListener('click', exportCsv);
}
