// The accounts table: every account of a listing lives in Rust (crates/grid-desk-core/src/
// workspace.rs); the page holds only the rows on screen. Rows have a fixed height, a spacer row
// above and below stands for the rest, and a small pool of <tr>s is refilled with the slice Rust
// returns for the scroll position (no account JSON is kept here beyond that slice). Sorting,
// filters, totals and find run in Rust; this module shows their answers.
//
// Keyboard: arrows (and Page Up/Down, Home/End) move the active row, Enter opens it in the detail
// pane, Space selects it, "/" goes to Find, Escape closes the pane. The detail pane is the full
// account card (cards.js, funding.js, patch.js, print.js), beside the table.

import * as bridge from './bridge.js';
import {
  commonCardClick, copyButton, copyFromButton, hydrateAccountCard, loadQr, renderAccountCard, renderExternalCard,
  updateAccountCard,
} from './cards.js';
import { formatDateTime } from './format.js';
import { fundAnswers, fundFromForm, fundPreset, setUpFunding, validateInput } from './funding.js';
import { hideBanner, showBanner, toast, toastError } from './notify.js';
import { openPatchDialog } from './patch.js';
import { openPrintDialog } from './print.js';

/** @typedef {import('./bridge.js').AccountView} AccountView */
/** @typedef {import('./bridge.js').ConnectionSummary} ConnectionSummary */
/** @typedef {import('./bridge.js').WorkspaceState} WorkspaceState */
/** @typedef {import('./bridge.js').RowView} RowView */
/** @typedef {import('./bridge.js').Column} Column */
/** @typedef {import('./toolbar.js').ListQuery} ListQuery */

/** Must match `.accounts-table tbody td { height }` in styles.css. */
const ROW_HEIGHT = 36;
/** Rows fetched above and below the visible ones. */
const OVERSCAN = 12;
/** How often progress is read while Rust loads pages. */
const POLL_MS = 120;
const FIRST_ROW_MARK = 'first-table-row';
const ALL_ROWS_MARK = 'table-all-loaded';

const el = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const view = el('table-view');
const scroller = el('table-scroll');
const table = el('accounts-table');
const head = el('table-head');
const body = el('table-body');
const empty = el('table-empty');
const findInput = /** @type {HTMLInputElement} */ (el('table-find'));
const findResult = el('table-find-result');
const statusSelect = /** @type {HTMLSelectElement} */ (el('table-status'));
const progress = el('table-progress');
const progressBar = /** @type {HTMLProgressElement} */ (el('table-progress-bar'));
const statusText = el('table-status-text');
const totalsBar = el('totals-bar');
const totalsText = el('totals-text');
const totalsList = el('totals-list');
const pane = el('detail-pane');
const paneTitle = el('detail-title');
const paneBody = el('detail-body');

/** @type {{connection: () => ConnectionSummary | null, onSelectionChange: (count: number) => void}} */
let hooks = { connection: () => null, onSelectionChange: () => {} };

const state = {
  /** @type {WorkspaceState | null} */
  ws: null,
  /** The query last shown. @type {ListQuery | null} */
  query: null,
  /** tab + owner: a change of these loads again; filters only re-order. */
  listKey: '',
  /** @type {Column} */
  sortColumn: 'customer',
  descending: false,
  /** The slice on screen: its first index and the version of the order it came from. */
  first: -1,
  version: -1,
  /** Row index the keyboard is on. */
  active: -1,
  /** The account open in the detail pane. @type {string | null} */
  openId: null,
  /** Move focus to the active row once it is rendered. */
  focusActive: false,
  fetching: false,
  refetch: false,
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  pollTimer: undefined,
  /** @type {string[]} */
  selectedIds: [],
};

const spacerTop = spacerRow();
const spacerBottom = spacerRow();
/** The recycled rows. @type {HTMLTableRowElement[]} */
const pool = [];

function spacerRow() {
  const tr = document.createElement('tr');
  tr.className = 'spacer';
  tr.setAttribute('aria-hidden', 'true');
  const td = document.createElement('td');
  tr.append(td);
  return tr;
}

// ----- showing a list ------------------------------------------------------------------------

/** @param {ListQuery} q */
function listKey(q) {
  return q.tab === 'external' ? `external:${q.owner}` : q.tab;
}

/** @param {ListQuery} q */
function viewFilters(q) {
  return {
    sort: { column: state.sortColumn, descending: state.descending },
    currency: q.currency,
    type: q.tab === 'external' ? '' : q.type,
    customer: q.customerId,
    status: statusSelect.value,
    find: findInput.value.trim(),
  };
}

/**
 * Shows a query as a table. A new tab (or owner) loads every page in Rust; the same list with
 * other filters only asks Rust for a new order; the same query again (Refresh) loads again.
 * @param {ListQuery} q
 */
export async function showTable(q) {
  const key = listKey(q);
  const same = state.query && JSON.stringify(state.query) === JSON.stringify(q);
  state.query = q;
  view.hidden = false;
  if (key !== state.listKey || same || !state.ws) {
    state.listKey = key;
    await load(q);
  } else {
    await applyView();
  }
}

/** Stops polling (the table is hidden; what Rust loaded stays). */
export function hideTable() {
  view.hidden = true;
  clearTimeout(state.pollTimer);
}

/** The selected account ids, in the table's order (for "Print selected"). */
export function tableSelectedIds() {
  return [...state.selectedIds];
}

/** @param {ListQuery} q */
async function load(q) {
  closeDetail(false);
  clearTimeout(state.pollTimer);
  performance.clearMarks(FIRST_ROW_MARK);
  performance.clearMarks(ALL_ROWS_MARK);
  state.first = -1;
  state.version = -1;
  state.active = -1;
  state.selectedIds = [];
  hooks.onSelectionChange(0);
  scroller.scrollTop = 0;
  statusText.textContent = 'Loading…';
  // At once, before Rust answers: what was loaded before is not this load.
  view.dataset.loading = 'true';
  view.dataset.loaded = '0';
  try {
    const list = q.tab;
    const customerScope = q.tab === 'external' && q.owner === 'customer';
    await bridge.workspaceLoad({
      list: list === 'platform' ? 'platform' : list === 'customers' ? 'customers' : 'external',
      externalOwner: list === 'external' ? (customerScope ? 'customer' : 'platform') : undefined,
    });
    hideBanner();
    await applyView();
  } catch (err) {
    statusText.textContent = 'Not loaded';
    showBanner(err, () => load(q));
  }
}

/** Sends sort, filters and find to Rust and shows the new order from the top. */
async function applyView() {
  if (!state.query) return;
  try {
    const ws = await bridge.workspaceView(viewFilters(state.query));
    findInput.removeAttribute('aria-invalid');
    scroller.scrollTop = 0;
    state.active = Math.min(state.active, ws.count - 1);
    showState(ws);
  } catch (err) {
    findInput.setAttribute('aria-invalid', 'true');
    toastError(err);
  }
}

/** Reads progress while Rust loads. */
async function poll() {
  try {
    showState(await bridge.workspaceState());
  } catch (err) {
    toastError(err);
  }
}

/** @param {WorkspaceState} ws */
function showState(ws) {
  const previous = state.ws;
  state.ws = ws;
  if (!previous || previous.list !== ws.list || previous.loadId !== ws.loadId) buildHead(ws);
  updateSortMarks(ws);
  fillStatusFilter(ws);
  statusText.textContent = ws.statusText;
  progress.hidden = !ws.loading;
  progressBar.max = Math.max(ws.total ?? ws.loaded, 1);
  progressBar.value = ws.loaded;
  progressBar.setAttribute('aria-valuetext', ws.statusText);
  showTotals(ws);
  table.setAttribute('aria-rowcount', String(ws.count + 1));
  empty.hidden = ws.loading || ws.count > 0;
  empty.textContent = ws.loaded === 0 ? 'No accounts yet.' : 'No accounts match these filters.';
  hooks.onSelectionChange(ws.selected);
  view.dataset.loading = String(ws.loading);
  view.dataset.count = String(ws.count);
  view.dataset.loaded = String(ws.loaded);
  if (ws.error && !ws.loading) showBanner(ws.error, () => state.query && load(state.query));
  if (ws.version !== state.version) {
    state.version = ws.version;
    requestRows(true);
  }
  clearTimeout(state.pollTimer);
  if (ws.loading && !view.hidden) state.pollTimer = setTimeout(poll, POLL_MS);
  else if (!ws.loading && !performance.getEntriesByName(ALL_ROWS_MARK).length) {
    // For the app benchmark: every row loaded and the totals on screen.
    performance.mark(ALL_ROWS_MARK);
  }
}

/** @param {WorkspaceState} ws */
function showTotals(ws) {
  totalsText.textContent = ws.totalsText;
  totalsBar.dataset.partial = String(ws.partial);
  const items = ws.totals.map((t) => {
    const li = document.createElement('li');
    li.dataset.currency = t.currency;
    li.dataset.availableMinor = t.availableMinor;
    li.dataset.totalMinor = t.totalMinor;
    const code = document.createElement('strong');
    code.textContent = t.currency || '—';
    const text = document.createElement('span');
    const left = t.leftOut ? ` (${t.leftOut} not readable, left out)` : '';
    text.textContent = `${t.available} available · ${t.total} total · ${t.accounts} account${t.accounts === 1 ? '' : 's'}${left}`;
    li.append(code, text);
    return li;
  });
  totalsList.replaceChildren(...items);
  totalsBar.hidden = ws.list === 'external';
}

/** @param {WorkspaceState} ws */
function fillStatusFilter(ws) {
  const wanted = ws.statuses.map((s) => s.value).join('|');
  if (statusSelect.dataset.options === wanted) return;
  statusSelect.dataset.options = wanted;
  const chosen = statusSelect.value;
  const all = /** @type {HTMLOptionElement} */ (statusSelect.options[0]);
  statusSelect.replaceChildren(all, ...ws.statuses.map((s) => new Option(s.label, s.value, false, s.value === chosen)));
}

// ----- header --------------------------------------------------------------------------------

/** @param {WorkspaceState} ws */
function buildHead(ws) {
  const selectTh = document.createElement('th');
  selectTh.scope = 'col';
  selectTh.className = 'select-col';
  const label = document.createElement('span');
  label.className = 'visually-hidden';
  label.textContent = 'Selected';
  selectTh.append(label);
  const cells = ws.columns.map((c) => {
    const th = document.createElement('th');
    th.scope = 'col';
    th.dataset.column = c.key;
    th.dataset.numeric = String(c.numeric);
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.sort = c.key;
    button.dataset.testid = `sort-${c.key}`;
    button.textContent = c.label;
    th.append(button);
    return th;
  });
  head.replaceChildren(selectTh, ...cells);
  const columns = ws.columns.length + 1;
  for (const spacer of [spacerTop, spacerBottom]) /** @type {HTMLTableCellElement} */ (spacer.firstElementChild).colSpan = columns;
  for (const tr of pool.splice(0)) tr.remove();
}

/** @param {WorkspaceState} ws */
function updateSortMarks(ws) {
  state.sortColumn = ws.sort.column;
  state.descending = ws.sort.descending;
  for (const th of head.querySelectorAll('th[data-column]')) {
    const cell = /** @type {HTMLElement} */ (th);
    if (cell.dataset.column === ws.sort.column) cell.setAttribute('aria-sort', ws.sort.descending ? 'descending' : 'ascending');
    else cell.removeAttribute('aria-sort');
  }
}

// ----- rows ----------------------------------------------------------------------------------

/** Which slice the scroll position needs. */
function wantedSlice() {
  const count = state.ws?.count ?? 0;
  const visible = Math.ceil(scroller.clientHeight / ROW_HEIGHT) + 1;
  const top = Math.floor(scroller.scrollTop / ROW_HEIGHT);
  const first = Math.max(0, Math.min(top - OVERSCAN, count - visible - 2 * OVERSCAN));
  const limit = Math.min(visible + 2 * OVERSCAN, 500);
  return { first: Math.max(0, first), limit: Math.max(1, limit) };
}

/**
 * Asks Rust for the rows the scroll position needs (one request at a time; the latest position
 * wins).
 * @param {boolean} [force] fetch even when the slice on screen covers the view (the order changed)
 */
async function requestRows(force = false) {
  if (!state.ws) return;
  const { first, limit } = wantedSlice();
  const visibleTop = Math.floor(scroller.scrollTop / ROW_HEIGHT);
  const visibleEnd = visibleTop + Math.ceil(scroller.clientHeight / ROW_HEIGHT);
  const covered = state.first >= 0 && state.first <= visibleTop && state.first + pool.filter((r) => !r.hidden).length >= Math.min(visibleEnd, state.ws.count);
  if (!force && covered) return;
  if (state.fetching) {
    state.refetch = true;
    return;
  }
  state.fetching = true;
  try {
    const slice = await bridge.workspaceRows(first, limit);
    if (state.ws && slice.loadId === state.ws.loadId) renderRows(slice.offset, slice.rows, slice.count);
  } catch (err) {
    toastError(err);
  } finally {
    state.fetching = false;
  }
  if (state.refetch) {
    state.refetch = false;
    requestRows(true);
  }
}

/**
 * @param {number} offset @param {RowView[]} rows @param {number} count
 */
function renderRows(offset, rows, count) {
  const columns = state.ws?.columns ?? [];
  while (pool.length < rows.length) pool.push(newRow(columns.length));
  spacerTop.style.height = `${offset * ROW_HEIGHT}px`;
  spacerTop.hidden = offset === 0;
  /** @type {HTMLTableCellElement} */ (spacerTop.firstElementChild).style.height = `${offset * ROW_HEIGHT}px`;
  const below = Math.max(0, count - offset - rows.length) * ROW_HEIGHT;
  /** @type {HTMLTableCellElement} */ (spacerBottom.firstElementChild).style.height = `${below}px`;
  spacerBottom.hidden = below === 0;
  if (body.firstChild !== spacerTop || pool.some((tr) => tr.parentNode !== body)) body.replaceChildren(spacerTop, ...pool, spacerBottom);
  let tabStop = false;
  pool.forEach((tr, i) => {
    const row = rows[i];
    if (!row) {
      tr.hidden = true;
      return;
    }
    tr.hidden = false;
    fillRow(tr, row, columns);
    const active = row.index === state.active;
    tr.classList.toggle('active', active);
    tr.tabIndex = active ? 0 : -1;
    if (active) tabStop = true;
  });
  // Tab reaches the table even before the keyboard picked a row.
  if (!tabStop && pool[0] && !pool[0].hidden) pool[0].tabIndex = 0;
  state.first = offset;
  if (rows.length && !performance.getEntriesByName(FIRST_ROW_MARK).length) performance.mark(FIRST_ROW_MARK);
  if (state.focusActive) {
    const tr = pool.find((r) => !r.hidden && Number(r.dataset.index) === state.active);
    if (tr) {
      state.focusActive = false;
      tr.focus({ preventScroll: true });
    }
  }
}

/** @param {number} columns */
function newRow(columns) {
  const tr = document.createElement('tr');
  tr.className = 'trow';
  tr.dataset.testid = 'table-row';
  const selectCell = document.createElement('td');
  selectCell.className = 'select-col';
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.className = 'row-select';
  box.dataset.testid = 'row-select';
  box.tabIndex = -1;
  selectCell.append(box);
  tr.append(selectCell);
  for (let i = 0; i < columns; i += 1) tr.append(document.createElement('td'));
  return tr;
}

/**
 * @param {HTMLTableRowElement} tr @param {RowView} row
 * @param {{key: Column, label: string, numeric: boolean}[]} columns
 */
function fillRow(tr, row, columns) {
  tr.dataset.index = String(row.index);
  tr.dataset.accountId = row.id;
  tr.setAttribute('aria-rowindex', String(row.index + 2));
  tr.setAttribute('aria-selected', String(row.selected));
  tr.classList.toggle('open', row.id === state.openId);
  tr.classList.toggle('has-match', Boolean(row.matched));
  const box = /** @type {HTMLInputElement} */ (tr.cells[0]?.firstElementChild);
  box.checked = row.selected;
  box.setAttribute('aria-label', `Select ${row.currency} account ${row.shortId}`);
  columns.forEach((c, i) => {
    const td = /** @type {HTMLTableCellElement} */ (tr.cells[i + 1]);
    td.dataset.column = c.key;
    td.dataset.numeric = String(c.numeric);
    td.className = c.numeric ? 'amount' : '';
    td.removeAttribute('title');
    switch (c.key) {
      case 'customer':
        td.textContent = row.customer;
        td.title = row.customer;
        break;
      case 'id': {
        const id = document.createElement('span');
        id.className = 'id-cell';
        const text = document.createElement('span');
        text.className = 'mono';
        text.textContent = row.shortId;
        id.append(text, copyButton('Account id', row.id));
        td.replaceChildren(id);
        td.title = row.id;
        if (row.matched) {
          const m = document.createElement('span');
          m.className = 'matched';
          m.dataset.testid = 'row-matched';
          m.textContent = row.matched;
          td.append(m);
        }
        break;
      }
      case 'type':
        td.textContent = row.typeLabel;
        break;
      case 'status': {
        const pill = document.createElement('span');
        pill.className = 'tone';
        pill.dataset.tone = row.statusTone;
        pill.textContent = row.statusLabel;
        td.replaceChildren(pill);
        break;
      }
      case 'currency':
        td.textContent = row.currency;
        break;
      case 'available':
        td.textContent = row.available ?? '';
        break;
      case 'total':
        td.textContent = row.total ?? '';
        break;
      case 'updated':
        td.textContent = formatDateTime(row.updated);
        td.title = row.updated;
        break;
      default:
    }
  });
}

// ----- keyboard, selection, sorting ------------------------------------------------------------

/** @param {number} index */
function moveTo(index) {
  const count = state.ws?.count ?? 0;
  if (!count) return;
  state.active = Math.max(0, Math.min(count - 1, index));
  const top = state.active * ROW_HEIGHT;
  const headHeight = head.getBoundingClientRect().height;
  if (top < scroller.scrollTop) scroller.scrollTop = top;
  else if (top + ROW_HEIGHT > scroller.scrollTop + scroller.clientHeight - headHeight) {
    scroller.scrollTop = top + ROW_HEIGHT - scroller.clientHeight + headHeight;
  }
  state.focusActive = true;
  const tr = pool.find((r) => !r.hidden && Number(r.dataset.index) === state.active);
  for (const r of pool) {
    r.classList.toggle('active', r === tr);
    r.tabIndex = r === tr ? 0 : -1;
  }
  if (tr) {
    state.focusActive = false;
    tr.focus({ preventScroll: true });
  } else {
    requestRows(true);
  }
}

/** @param {KeyboardEvent} e */
function keyed(e) {
  const target = /** @type {HTMLElement} */ (e.target);
  const tr = /** @type {HTMLTableRowElement | null} */ (target.closest('tr.trow'));
  if (!tr) return;
  const onRow = target === tr;
  const index = Number(tr.dataset.index);
  const page = Math.max(1, Math.floor(scroller.clientHeight / ROW_HEIGHT) - 1);
  switch (e.key) {
    case 'ArrowDown': moveTo(index + 1); break;
    case 'ArrowUp': moveTo(index - 1); break;
    case 'PageDown': moveTo(index + page); break;
    case 'PageUp': moveTo(index - page); break;
    case 'Home': moveTo(0); break;
    case 'End': moveTo((state.ws?.count ?? 1) - 1); break;
    case 'Enter':
      if (!onRow) return;
      openDetail(tr.dataset.accountId ?? '', true);
      break;
    case ' ':
      if (!onRow) return;
      toggleSelected(tr.dataset.accountId ?? '', tr.getAttribute('aria-selected') !== 'true');
      break;
    default:
      return;
  }
  e.preventDefault();
}

/** @param {string} id @param {boolean} selected */
async function toggleSelected(id, selected) {
  await select({ ids: [id], selected });
}

/** @param {{ids?: string[], selected?: boolean, all?: boolean, clear?: boolean}} change */
async function select(change) {
  try {
    const ws = await bridge.workspaceSelect(change);
    state.selectedIds = (await bridge.workspaceSelection()).ids;
    state.version = -1;
    showState(ws);
  } catch (err) {
    toastError(err);
  }
}

/** @param {MouseEvent} e */
async function tableClicked(e) {
  const target = /** @type {HTMLElement} */ (e.target);
  const sort = /** @type {HTMLElement | null} */ (target.closest('button[data-sort]'));
  if (sort) {
    const column = /** @type {Column} */ (sort.dataset.sort);
    state.descending = state.sortColumn === column ? !state.descending : false;
    state.sortColumn = column;
    await applyView();
    return;
  }
  const copy = /** @type {HTMLButtonElement | null} */ (target.closest('button.copy'));
  if (copy) {
    await copyFromButton(copy);
    return;
  }
  const tr = /** @type {HTMLTableRowElement | null} */ (target.closest('tr.trow'));
  if (!tr) return;
  state.active = Number(tr.dataset.index);
  if (target instanceof HTMLInputElement && target.classList.contains('row-select')) {
    await toggleSelected(tr.dataset.accountId ?? '', target.checked);
    return;
  }
  for (const r of pool) {
    r.classList.toggle('active', r === tr);
    r.tabIndex = r === tr ? 0 : -1;
  }
  openDetail(tr.dataset.accountId ?? '', false);
}

// ----- detail pane ---------------------------------------------------------------------------

/**
 * Shows the full account beside the table.
 * @param {string} id @param {boolean} focus move focus into the pane (opened from the keyboard)
 */
async function openDetail(id, focus) {
  if (!id) return;
  const connection = hooks.connection();
  if (!connection) return;
  try {
    const detail = await bridge.workspaceAccount(id);
    state.openId = id;
    let card;
    if (detail.kind === 'internal') {
      const account = detail.account;
      card = renderAccountCard(account, connection);
      card.querySelector('.select-box')?.remove();
      hydrateAccountCard(card, account, connection.fundingAvailable ? setUpFunding : null);
      paneTitle.textContent = `${account.currencyCode ?? ''} account ${account.id}`.trim();
      detailAccount = account;
    } else {
      card = renderExternalCard(detail.account);
      paneTitle.textContent = `External ${detail.account.currency} account ${detail.account.id}`;
      detailAccount = null;
    }
    paneBody.replaceChildren(card);
    pane.hidden = false;
    view.classList.add('pane-open');
    for (const box of card.querySelectorAll('.qr')) loadQr(/** @type {HTMLElement} */ (box));
    for (const r of pool) r.classList.toggle('open', r.dataset.accountId === id);
    if (focus) {
      paneTitle.tabIndex = -1;
      paneTitle.focus();
    }
  } catch (err) {
    toastError(err);
  }
}

/** The internal account open in the pane (for funding and wallet settings). @type {AccountView | null} */
let detailAccount = null;

/** @param {boolean} refocus give the keyboard back to the table */
function closeDetail(refocus) {
  pane.hidden = true;
  view.classList.remove('pane-open');
  paneBody.replaceChildren();
  state.openId = null;
  detailAccount = null;
  for (const r of pool) r.classList.remove('open');
  if (refocus) moveTo(Math.max(0, state.active));
}

/** A fund or a wallet update changed the open account: the pane, the row and the totals follow. @param {AccountView} updated */
async function accountChanged(updated) {
  detailAccount = updated;
  const card = /** @type {HTMLElement | null} */ (paneBody.querySelector('.account-card'));
  if (card) updateAccountCard(card, updated);
  try {
    // Rust takes the refreshed view from the accounts it remembered and updates the row.
    await bridge.workspaceAccount(updated.id);
    showState(await bridge.workspaceState());
  } catch (err) {
    toastError(err);
  }
}

/** What a fund from this view's cards says, and where the new balance goes. */
const fundCallbacks = fundAnswers(accountChanged);

/** @param {MouseEvent} e */
async function paneClicked(e) {
  const button = e.target instanceof Element ? e.target.closest('button') : null;
  if (!button) return;
  if (await commonCardClick(e, button)) return;
  const card = /** @type {HTMLElement | null} */ (paneBody.querySelector('.account-card'));
  const item = detailAccount;
  const connection = hooks.connection();
  if (!card || !item) return;
  switch (button.dataset.action) {
    case 'fund-preset':
      await fundPreset(button, card, item, fundCallbacks);
      break;
    case 'wallet-settings':
      if (connection) openPatchDialog(item, connection, accountChanged);
      break;
    case 'print-account':
      openPrintDialog({ kind: 'accounts', accountIds: [item.id] }, `${item.currencyCode ?? ''} account ${item.id}`.trim(), connection);
      break;
    default:
  }
}

// ----- export --------------------------------------------------------------------------------

async function exportCsv() {
  const button = /** @type {HTMLButtonElement} */ (el('table-export'));
  button.disabled = true;
  try {
    const outcome = await bridge.workspaceExportCsv(-new Date().getTimezoneOffset());
    if ('path' in outcome) {
      toast(`Saved the balance report of ${outcome.accounts} account${outcome.accounts === 1 ? '' : 's'} to ${outcome.path}.`, { kind: 'success' });
    }
  } catch (err) {
    toastError(err);
  } finally {
    button.disabled = false;
  }
}

// ----- find ----------------------------------------------------------------------------------

/** @type {ReturnType<typeof setTimeout> | undefined} */
let findTimer;

async function findTyped() {
  clearTimeout(findTimer);
  findTimer = setTimeout(async () => {
    await applyView();
    const text = findInput.value.trim();
    if (!text) {
      findResult.textContent = '';
      return;
    }
    const n = state.ws?.count ?? 0;
    findResult.textContent = n === 0 ? 'No account matches.' : `${n} account${n === 1 ? '' : 's'} match${n === 1 ? 'es' : ''}.`;
  }, 60);
}

// ----- start ---------------------------------------------------------------------------------

/**
 * Wires the table (once).
 * @param {{connection: () => ConnectionSummary | null, onSelectionChange: (count: number) => void}} h
 */
export function initTable(h) {
  hooks = h;
  scroller.addEventListener('scroll', () => requestAnimationFrame(() => requestRows()), { passive: true });
  new ResizeObserver(() => requestRows()).observe(scroller);
  table.addEventListener('click', tableClicked);
  table.addEventListener('keydown', keyed);
  findInput.addEventListener('input', findTyped);
  findInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === 'ArrowDown') {
      e.preventDefault();
      clearTimeout(findTimer);
      applyView().then(() => moveTo(0));
    }
  });
  statusSelect.addEventListener('change', applyView);
  el('table-cancel').addEventListener('click', async () => {
    try {
      showState(await bridge.workspaceCancel());
    } catch (err) {
      toastError(err);
    }
  });
  el('table-select-all').addEventListener('click', () => select({ all: true }));
  el('table-clear').addEventListener('click', () => select({ clear: true }));
  el('table-export').addEventListener('click', exportCsv);
  el('detail-close').addEventListener('click', () => closeDetail(true));
  pane.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeDetail(true);
  });
  paneBody.addEventListener('click', paneClicked);
  paneBody.addEventListener('submit', async (e) => {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains('fund-form')) return;
    e.preventDefault();
    const card = /** @type {HTMLElement | null} */ (paneBody.querySelector('.account-card'));
    if (card && detailAccount) await fundFromForm(form, card, detailAccount, fundCallbacks);
  });
  paneBody.addEventListener('input', (e) => {
    const input = e.target;
    const card = /** @type {HTMLElement | null} */ (paneBody.querySelector('.account-card'));
    if (input instanceof HTMLInputElement && input.name === 'amount' && card && detailAccount) validateInput(card, detailAccount, input);
  });
  // "/" goes to Find from anywhere in the table view (not while typing elsewhere).
  document.addEventListener('keydown', (e) => {
    if (e.key !== '/' || view.hidden || e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return;
    if (document.querySelector('dialog[open]')) return;
    e.preventDefault();
    findInput.focus();
    findInput.select();
  });
}
