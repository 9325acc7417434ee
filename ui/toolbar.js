// The toolbar shared by the three account tabs: the filters (owner, customer id, currency,
// type), Refresh, and the print buttons (all platform accounts, this customer's, the ticked
// ones). It turns the fields into a ListQuery and says when that changed; which list shows the
// query is the shell's business (main.js).

import { openPrintDialog } from './print.js';

/** @typedef {import('./bridge.js').ConnectionSummary} ConnectionSummary */
/** @typedef {'platform'|'customers'|'external'} AccountTab */
/**
 * What a list shows: the tab and its filters as typed (trimmed; empty means "any").
 * @typedef {{tab: AccountTab, currency: string, type: string, customerId: string,
 *   owner: 'platform'|'customer'}} ListQuery
 */

const el = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const customerInput = /** @type {HTMLInputElement} */ (el('customer-search'));
const currencyInput = /** @type {HTMLInputElement} */ (el('currency-filter'));
const typeSelect = /** @type {HTMLSelectElement} */ (el('type-filter'));
const scopeSelect = /** @type {HTMLSelectElement} */ (el('external-scope'));
const printSelected = /** @type {HTMLButtonElement} */ (el('print-selected'));

/** @type {AccountTab} */
let tab = 'platform';
let selectedCount = 0;

/**
 * @typedef {{onChange: () => void, connection: () => ConnectionSummary | null,
 *   selectedIds: () => string[]}} ToolbarHooks
 */
/** @type {ToolbarHooks} */
let hooks = { onChange: () => {}, connection: () => null, selectedIds: () => [] };

/** The query the fields describe now. */
export function toolbarQuery() {
  /** @type {ListQuery} */
  const query = {
    tab,
    currency: currencyInput.value.trim().toUpperCase(),
    type: typeSelect.value,
    customerId: customerInput.value.trim(),
    owner: scopeSelect.value === 'customer' ? 'customer' : 'platform',
  };
  return query;
}

/**
 * Puts remembered filters back into the fields (after a restart).
 * @param {Record<string, string>} f {currency?, type?, customerId?, owner?}
 */
export function setToolbarFilters(f) {
  currencyInput.value = f['currency'] ?? '';
  customerInput.value = f['customerId'] ?? '';
  if ([...typeSelect.options].some((o) => o.value === f['type'])) typeSelect.value = f['type'] ?? '';
  scopeSelect.value = f['owner'] === 'customer' ? 'customer' : 'platform';
}

/**
 * The type filter offers what Rust lists (labels included); the choice is kept.
 * @param {{value: string, label: string}[]} types
 */
export function fillTypeFilter(types) {
  const chosen = typeSelect.value;
  const all = /** @type {HTMLOptionElement} */ (typeSelect.options[0]);
  const options = types.map((t) => new Option(t.label, t.value, false, t.value === chosen));
  typeSelect.replaceChildren(all, ...options);
}

/**
 * Shows the fields and buttons of an account tab.
 * @param {AccountTab} next
 */
export function showToolbarFor(next) {
  tab = next;
  const external = next === 'external';
  el('scope-field').hidden = !external;
  el('customer-field').hidden = !(next === 'customers' || (external && scopeSelect.value === 'customer'));
  el('type-field').hidden = external;
  el('print-all').hidden = next !== 'platform';
  updatePrintButtons();
}

/**
 * "Print selected (N)" follows the list's ticks.
 * @param {number} count how many accounts are ticked
 */
export function showSelectedCount(count) {
  selectedCount = count;
  updatePrintButtons();
}

/** "Print selected (N)" and "Print this customer's accounts" follow the ticks and the filter. */
function updatePrintButtons() {
  printSelected.textContent = `Print selected (${selectedCount})`;
  printSelected.disabled = selectedCount === 0;
  printSelected.hidden = tab === 'external';
  el('print-customer').hidden = !(tab === 'customers' && customerInput.value.trim());
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let filterTimer;

/** A filter is being typed: the list follows once typing pauses. */
function filtersChanged() {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => hooks.onChange(), 300);
}

function changedNow() {
  clearTimeout(filterTimer);
  hooks.onChange();
}

/**
 * Wires the fields and buttons (once).
 * @param {ToolbarHooks} h what to do when the query changes (or Refresh is pressed), the active
 *   connection and the ticked account ids (for printing)
 */
export function initToolbar(h) {
  hooks = h;
  customerInput.addEventListener('input', filtersChanged);
  customerInput.addEventListener('input', updatePrintButtons);
  // A currency code is 3 to 5 characters: "U" and "US" are a code being typed, not a filter to
  // send (Enter still sends it, and the error then explains the rule).
  currencyInput.addEventListener('input', () => {
    const typed = currencyInput.value.trim().length;
    const partial = typed > 0 && typed < 3;
    currencyInput.setAttribute('aria-invalid', String(partial));
    currencyInput.title = partial ? 'A currency code has 3 to 5 letters, such as USD, EUR, BTC or USDC.' : '';
    if (partial) clearTimeout(filterTimer);
    else filtersChanged();
  });
  typeSelect.addEventListener('change', changedNow);
  scopeSelect.addEventListener('change', () => {
    showToolbarFor(tab);
    changedNow();
  });
  for (const input of [customerInput, currencyInput]) {
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') changedNow();
    });
  }
  el('refresh').addEventListener('click', changedNow);

  el('print-all').addEventListener('click', () => {
    openPrintDialog({ kind: 'platform' }, 'All platform accounts', hooks.connection());
  });
  el('print-customer').addEventListener('click', () => {
    const customerId = customerInput.value.trim();
    if (customerId) openPrintDialog({ kind: 'customer', customerId }, `All accounts of customer ${customerId}`, hooks.connection());
  });
  printSelected.addEventListener('click', () => {
    const ids = hooks.selectedIds();
    if (!ids.length) return;
    const n = ids.length;
    openPrintDialog({ kind: 'accounts', accountIds: ids }, `${n} selected account${n === 1 ? '' : 's'}`, hooks.connection());
  });
}
