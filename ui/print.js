// The print view: a print-only section (#print-root) filled from account views, then
// window.print(). print.css hides everything else under @media print. Kept in its own module
// so a richer sheet (and the Rust PDF export) can grow here without touching the cards.

import { importSvg, qrSvgText } from './cards.js';
import { formatDateTime, humanise } from './format.js';

/** @typedef {import('./bridge.js').AccountView} AccountView */
/** @typedef {import('./bridge.js').ConnectionSummary} ConnectionSummary */

const root = /** @type {HTMLElement} */ (document.getElementById('print-root'));

/** @param {string} tag @param {string} [className] @param {string} [text] */
function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

/** @param {HTMLElement} dl @param {string} label @param {string} value @param {boolean} [emphasis] */
function row(dl, label, value, emphasis = false) {
  const wrap = make('div', emphasis ? 'p-row p-emphasis' : 'p-row');
  wrap.append(make('dt', '', label), make('dd', '', value));
  dl.append(wrap);
}

/** @param {AccountView} view */
async function accountSheet(view) {
  const sheet = make('section', 'p-sheet');
  sheet.dataset.accountId = view.id;
  const head = make('header', 'p-head');
  head.append(
    make('h2', '', `${view.currencyCode ?? ''} ${view.currencyName ?? ''}`.trim() || view.id),
    make('p', 'p-sub', `${humanise(view.accountType)} · ${humanise(view.status)}`),
  );
  sheet.append(head);
  const meta = make('dl', 'p-meta');
  row(meta, 'Available balance', view.balance.display);
  row(meta, 'Total balance', view.totalBalance.display);
  row(meta, 'Account id', view.id);
  if (view.customerId) row(meta, 'Customer id', view.customerId);
  row(meta, 'Updated', formatDateTime(view.updatedAt));
  sheet.append(meta);
  for (const instruction of view.instructions) {
    const block = make('div', 'p-instruction');
    block.append(make('h3', '', instruction.network ? `${instruction.title} · ${instruction.network}` : instruction.title));
    if (instruction.notes) block.append(make('p', 'p-notes', instruction.notes));
    const dl = make('dl', 'p-fields');
    for (const f of instruction.fields) row(dl, f.label, f.value, f.emphasis);
    block.append(dl);
    for (const target of instruction.qrTargets) {
      const figure = make('figure', 'p-qr');
      try {
        figure.append(importSvg(await qrSvgText(target.value)));
      } catch {
        figure.append(make('p', '', 'QR code unavailable'));
      }
      const caption = [target.label, target.asset, target.network ? `on ${target.network}` : null].filter(Boolean).join(' · ');
      figure.append(make('figcaption', '', caption));
      block.append(figure);
    }
    sheet.append(block);
  }
  return sheet;
}

/**
 * Prints the given accounts.
 * @param {AccountView[]} views @param {string} title @param {ConnectionSummary | null} connection
 */
export async function printAccounts(views, title, connection) {
  const header = make('header', 'p-doc-head');
  header.append(make('h1', '', title));
  const env = !connection
    ? ''
    : connection.environment === 'demo'
      ? connection.name
      : `${connection.name} (${connection.environment === 'production' ? 'PRODUCTION' : 'Sandbox'})`;
  header.append(make('p', 'p-sub', `Grid Desk · ${env} · printed ${formatDateTime(new Date().toISOString())}`));
  const sheets = [];
  for (const view of views) sheets.push(await accountSheet(view));
  root.replaceChildren(header, ...sheets);
  document.body.classList.add('printing');
  window.print();
}

window.addEventListener('afterprint', () => {
  document.body.classList.remove('printing');
  root.replaceChildren();
});
