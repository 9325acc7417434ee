// Balance monitoring and low-balance alerts (grid_desk_core::monitor): the Settings panel
// (switch, interval, alert levels, alert list) and the "+$1,000.00 since 10:42" mark on cards.
// Rust refreshes on its own and sends every update as the `balance-monitor` event; this module
// only shows what it is sent (all wording and amounts come from Rust).

import * as bridge from './bridge.js';
import { toastError } from './notify.js';

/** @typedef {import('./bridge.js').MonitorView} MonitorView */

/** @type {MonitorView | null} */
let current = null;

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * Marks the changed balances on the cards now on the page (cards come and go as the list
 * scrolls, so this runs again whenever the list changes).
 */
function markCards() {
  if (!current) return;
  for (const change of current.changes) {
    const card = document.querySelector(`.card[data-account-id="${CSS.escape(change.accountId)}"]`);
    if (!card) continue;
    const balance = card.querySelector('.balance');
    // Only what differs is written: writing would wake the list's observer again.
    if (balance && balance.textContent !== change.balance.display) balance.textContent = change.balance.display;
    const total = card.querySelector('.total-balance');
    if (total && total.textContent !== change.totalBalance.display) total.textContent = change.totalBalance.display;
    let mark = /** @type {HTMLElement | null} */ (card.querySelector('.balance-change'));
    if (!mark) {
      mark = document.createElement('span');
      mark.className = 'balance-change';
      mark.setAttribute('data-testid', 'balance-change');
      mark.setAttribute('role', 'status');
      (balance?.parentElement ?? card).append(mark);
    }
    if (mark.textContent !== change.text) mark.textContent = change.text;
    if (mark.dataset.tone !== change.tone) mark.dataset.tone = change.tone;
    if (!card.classList.contains('balance-changed')) card.classList.add('balance-changed');
  }
}

/** @param {MonitorView} view */
function render(view) {
  current = view;
  const status = byId('monitor-status');
  status.textContent = view.status.message;
  status.dataset.state = view.status.state;
  const form = /** @type {HTMLFormElement} */ (byId('monitor-form'));
  const enabled = /** @type {HTMLInputElement} */ (form.elements.namedItem('enabled'));
  const interval = /** @type {HTMLInputElement} */ (form.elements.namedItem('intervalSeconds'));
  if (document.activeElement !== interval) interval.value = String(view.intervalSeconds);
  interval.min = String(view.minIntervalSeconds);
  interval.max = String(view.maxIntervalSeconds);
  enabled.checked = view.enabled;

  const levels = byId('threshold-list');
  levels.replaceChildren(
    ...view.thresholds.map((t) => {
      const li = document.createElement('li');
      li.setAttribute('data-testid', 'threshold-row');
      const what = document.createElement('span');
      what.className = 'grow';
      what.textContent = t.label;
      const amount = document.createElement('span');
      amount.textContent = `below ${t.display}`;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'button small subtle';
      remove.textContent = 'Remove';
      remove.setAttribute('data-testid', 'threshold-delete');
      remove.addEventListener('click', () => {
        bridge.deleteBalanceThreshold({ scope: t.scope, key: t.key }).then(render, toastError);
      });
      li.append(what, amount, remove);
      return li;
    }),
  );

  const alerts = byId('alert-list');
  if (view.alerts.length === 0) {
    const none = document.createElement('li');
    none.className = 'muted';
    none.textContent = 'No alerts.';
    alerts.replaceChildren(none);
  } else {
    alerts.replaceChildren(
      ...view.alerts.map((a) => {
        const li = document.createElement('li');
        li.setAttribute('data-testid', 'alert-entry');
        li.dataset.active = String(a.active);
        const title = document.createElement('span');
        title.className = 'alert-title';
        title.textContent = a.title;
        const body = document.createElement('span');
        body.className = 'grow';
        body.textContent = a.body;
        const when = document.createElement('span');
        when.className = 'muted';
        when.textContent = a.when;
        li.append(title, body, when);
        return li;
      }),
    );
  }
  fillChoices();
  markCards();
}

/**
 * What the key field suggests: the currencies read, or the accounts read (label and id), for
 * the scope chosen. Rewritten only when it changes (a refresh every few seconds must not close
 * the list a person is reading).
 */
function fillChoices() {
  if (!current) return;
  const levels = /** @type {HTMLFormElement} */ (byId('threshold-form'));
  const scope = /** @type {HTMLSelectElement} */ (levels.elements.namedItem('scope')).value;
  const key = /** @type {HTMLInputElement} */ (levels.elements.namedItem('key'));
  key.placeholder = scope === 'account' ? 'Start typing an account name or id' : 'Currency code, such as USD';
  /** @type {[string, string][]} */
  const choices =
    scope === 'account'
      ? current.watched.map((w) => [w.accountId, w.label])
      : [...new Set(current.watched.map((w) => w.currencyCode ?? '').filter((c) => c !== ''))].map((c) => [c, `Every ${c} account`]);
  const list = byId('threshold-choices');
  const signature = JSON.stringify(choices);
  if (list.dataset.signature === signature) return;
  list.dataset.signature = signature;
  list.replaceChildren(
    ...choices.map(([value, label]) => {
      const option = document.createElement('option');
      option.value = value;
      option.label = label;
      return option;
    }),
  );
}

/** @type {string | null} */
let asked = null;

/**
 * After a switch of connection (the list reloads for it), the panel shows the new connection's
 * settings at once; asking also makes Rust read its balances now rather than at the next tick.
 */
function followConnection() {
  const select = /** @type {HTMLSelectElement | null} */ (document.getElementById('connection-select'));
  const active = select?.value ?? '';
  if (!current || active === '' || active === current.connectionId || active === asked) return;
  asked = active;
  bridge.getMonitor({ utcOffsetMinutes: -new Date().getTimezoneOffset() }).then(render, toastError);
}

export async function initMonitor() {
  const form = /** @type {HTMLFormElement} */ (byId('monitor-form'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const enabled = /** @type {HTMLInputElement} */ (form.elements.namedItem('enabled')).checked;
    const seconds = Number(/** @type {HTMLInputElement} */ (form.elements.namedItem('intervalSeconds')).value);
    bridge.saveMonitorSettings({ enabled, intervalSeconds: Number.isFinite(seconds) ? Math.trunc(seconds) : 0 }).then(render, toastError);
  });
  byId('monitor-refresh').addEventListener('click', () => {
    bridge.refreshBalances().then(render, toastError);
  });
  const levels = /** @type {HTMLFormElement} */ (byId('threshold-form'));
  const error = byId('threshold-error');
  /** @type {HTMLSelectElement} */ (levels.elements.namedItem('scope')).addEventListener('change', fillChoices);
  levels.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = (/** @type {string} */ name) => /** @type {HTMLInputElement} */ (levels.elements.namedItem(name)).value;
    const scope = value('scope') === 'account' ? 'account' : 'currency';
    error.hidden = true;
    bridge.saveBalanceThreshold({ scope, key: value('key'), amount: value('amount') }).then(
      (view) => {
        render(view);
        levels.reset();
        fillChoices();
      },
      (/** @type {import('./bridge.js').UiError} */ err) => {
        error.textContent = err.message;
        error.hidden = false;
      },
    );
  });
  // Cards are drawn and re-drawn as the list scrolls or reloads: mark them again.
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      followConnection();
      markCards();
    });
  }).observe(byId('account-list'), { childList: true, subtree: true });

  await bridge.onBalanceMonitor(render);
  try {
    render(await bridge.getMonitor({ utcOffsetMinutes: -new Date().getTimezoneOffset() }));
  } catch (err) {
    toastError(err);
  }
}
