// Grid Desk's window, the app shell: the active connection (badge, band, quick switch), the
// tabs, the error banner of a failed start, and the wiring between the toolbar (toolbar.js),
// the account list (account-list.js) and Settings (settings.js). Dialogs (patch.js, print.js)
// are opened by the list and the toolbar.

import * as bridge from './bridge.js';
import { initAccountList, selectedAccountIds, showAccounts } from './account-list.js';
import { hideTable, initTable, showTable, tableSelectedIds } from './table.js';
import { hideBanner, showBanner, toastError } from './notify.js';
import { initSettings, renderSettings, switchTo } from './settings.js';
import { initMonitor } from './monitor.js';
import {
  fillTypeFilter, initToolbar, setToolbarFilters, showSelectedCount, showToolbarFor, toolbarQuery,
} from './toolbar.js';
import { setAmountExample } from './funding.js';
import { checkNotices } from './notices.js';
import { loadRemembered, remember, rememberView, rememberedView } from './remember.js';
import { initJournal, showJournal, showJournalPath } from './journal.js';

/** @typedef {import('./bridge.js').AppStateView} AppStateView */
/** @typedef {import('./toolbar.js').AccountTab | 'journal' | 'settings'} View */

const el = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @type {AppStateView | null} */
let appState = null;
/** @type {View} */
let view = 'platform';

const TITLES = {
  platform: 'Platform accounts',
  customers: 'Customer accounts',
  external: 'External accounts',
  journal: 'Journal',
  settings: 'Settings',
};

function activeConnection() {
  return appState?.active ?? null;
}

// ----- connection and environment marking --------------------------------------------------

/** @param {AppStateView} state */
function applyConnection(state) {
  appState = state;
  const c = state.active;
  document.body.dataset.env = c.environment;
  const badge = el('connection-badge');
  const label = c.environmentLabel;
  // The name is in the connection menu beside it; the badge says what kind of money this is.
  badge.textContent = label;
  badge.title = c.environment === 'demo' ? label : `${c.name} · ${label}`;
  badge.dataset.env = c.environment;
  const band = el('env-band');
  band.textContent =
    c.environment === 'production'
      ? `${label} · ${c.name} · real money — sandbox funding is off`
      : c.environment === 'demo'
        ? `${label} · a Grid simulator on this computer — nothing here is real`
        : '';
  const select = /** @type {HTMLSelectElement} */ (el('connection-select'));
  const fragment = document.createDocumentFragment();
  for (const conn of state.connections) {
    const option = document.createElement('option');
    option.value = conn.id;
    const envLabel = conn.environmentLabel;
    option.textContent = conn.environment === 'demo' ? envLabel : `${conn.name} (${envLabel})`;
    option.title = option.textContent;
    option.selected = conn.id === c.id;
    fragment.append(option);
  }
  select.replaceChildren(fragment);
  select.dataset.env = c.environment;
  fillTypeFilter(state.accountTypes);
  setAmountExample(state.amountExample);
  renderSettings(state);
}

async function loadAppState() {
  const state = await bridge.appState();
  applyConnection(state);
  return state;
}

// ----- tabs --------------------------------------------------------------------------------

/** @param {View} next */
function showView(next) {
  view = next;
  for (const tab of document.querySelectorAll('.tab')) {
    const t = /** @type {HTMLElement} */ (tab);
    t.setAttribute('aria-selected', String(t.dataset.view === next));
  }
  const accounts = next !== 'settings' && next !== 'journal';
  el('accounts-view').hidden = !accounts;
  el('settings-view').hidden = next !== 'settings';
  // Journal tab (issue 13).
  el('journal-view').hidden = next !== 'journal';
  if (next === 'journal') {
    hideBanner();
    remember(next, undefined);
    showJournal();
    return;
  }
  if (next === 'settings') {
    hideBanner();
    remember(next, undefined);
    showJournalPath();
    return;
  }
  el('accounts-heading').textContent = TITLES[next];
  showToolbarFor(next);
  showList();
}

/** The list again from the top, with the toolbar's filters (not while Settings is shown). */
function reloadList() {
  if (view === 'settings' || view === 'journal') return;
  showList();
}

// ----- cards or table (table.js), remembered per tab (remember.js) -------------------------

/** How the current tab shows its accounts. */
function listMode() {
  return rememberedView(view);
}

/** Shows the current tab's accounts as cards or as the table, and remembers its filters. */
function showList() {
  const q = toolbarQuery();
  remember(q.tab, { currency: q.currency, type: q.type, customerId: q.customerId, owner: q.owner });
  const table = listMode() === 'table';
  for (const b of document.querySelectorAll('.view-switch .button')) {
    const button = /** @type {HTMLElement} */ (b);
    button.setAttribute('aria-pressed', String(button.dataset.mode === (table ? 'table' : 'cards')));
  }
  el('account-list').hidden = table;
  el('list-status').hidden = table;
  if (table) {
    showSelectedCount(0);
    showTable(q);
  } else {
    hideTable();
    showAccounts(q);
  }
}

/** @param {'cards'|'table'} mode */
function switchMode(mode) {
  if (view === 'settings' || view === 'journal' || listMode() === mode) return;
  rememberView(view, mode);
  showList();
}

/** @param {string | undefined} name @returns {name is View} */
const isView = (name) => name != null && Object.hasOwn(TITLES, name);

// ----- start -------------------------------------------------------------------------------

let started = false;

async function start() {
  // Listeners are attached once: "Retry" after a failed start only loads again.
  if (!started) {
    started = true;
    init();
  }
  try {
    await loadAppState();
  } catch (err) {
    showBanner(err, start);
    checkNotices();
    return;
  }
  checkNotices();
  // The tab and filters of the last run (the connection is remembered by Rust).
  const remembered = await loadRemembered();
  const last = remembered.lastTab;
  if (isView(last)) {
    if (last !== 'settings' && last !== 'journal') setToolbarFilters(remembered.filters[last] ?? {});
    showView(last);
  } else {
    showView('platform');
  }
}

function init() {
  initJournal();
  initAccountList({ connection: activeConnection, onSelectionChange: showSelectedCount });
  initToolbar({
    onChange: reloadList,
    connection: activeConnection,
    selectedIds: () => (listMode() === 'table' ? tableSelectedIds() : selectedAccountIds()),
  });
  initTable({ connection: activeConnection, onSelectionChange: showSelectedCount });
  for (const b of document.querySelectorAll('.view-switch .button')) {
    b.addEventListener('click', () => switchMode(/** @type {HTMLElement} */ (b).dataset.mode === 'table' ? 'table' : 'cards'));
  }
  initSettings({
    state: () => appState,
    async onChanged(switched) {
      try {
        await loadAppState();
      } catch (err) {
        toastError(err);
      }
      if (switched || view !== 'settings') reloadList();
    },
  });

  for (const tab of document.querySelectorAll('.tab')) {
    tab.addEventListener('click', () => {
      const next = /** @type {HTMLElement} */ (tab).dataset.view;
      if (isView(next)) showView(next);
    });
  }
  // Arrow keys move between tabs, as for any tab list.
  el('tab-platform').parentElement?.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const tabs = /** @type {HTMLElement[]} */ ([...document.querySelectorAll('.tab')]);
    const i = tabs.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    if (i < 0) return;
    const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
    next?.focus();
    next?.click();
  });
  el('connection-select').addEventListener('change', (e) => {
    switchTo(/** @type {HTMLSelectElement} */ (e.target).value);
  });
  // Balance monitoring and low-balance alerts (monitor.js).
  void initMonitor();
  initLogsButton();
}

// ----- Settings → Logs (issue 13 item 7) ---------------------------------------------------

function initLogsButton() {
  const button = /** @type {HTMLButtonElement} */ (el('logs-open'));
  const result = el('logs-result');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const folder = await bridge.openLogsFolder();
      result.textContent = folder.message;
      result.dataset.tone = folder.opened ? 'ok' : 'error';
    } catch (err) {
      toastError(err);
    } finally {
      button.disabled = false;
    }
  });
}

start();
