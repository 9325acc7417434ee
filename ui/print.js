// Printable deposit instructions: the print dialog (which accounts, paper, balances), the HTML
// print view (#print-root, one sheet per account, printed with window.print() and print.css),
// an on-screen preview of it, and "Save as PDF" / "Save as CSV", which Rust makes and saves
// through a native save dialog (the window never names a file).
//
// Paper size: WebKit has no named pages and CSP forbids inline <style>, so two tiny stylesheets
// (page-a4.css, page-letter.css) hold the `@page { size }` rules and the unused one is switched
// off with media="not all". Page numbers: WebKit prints no page-margin boxes, so the HTML sheets
// say "Sheet N of M" per account; the PDF from Rust has real "Page N of M" footers.

import * as bridge from './bridge.js';
import { importSvg, qrSvgText } from './cards.js';
import { errorText } from './errors.js';
import { formatDateTime } from './format.js';

/** @typedef {import('./bridge.js').AccountView} AccountView */
/** @typedef {import('./bridge.js').InstructionView} InstructionView */
/** @typedef {import('./bridge.js').ConnectionSummary} ConnectionSummary */
/** @typedef {import('./bridge.js').PrintScope} PrintScope */

const el = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const root = el('print-root');
const dialog = /** @type {HTMLDialogElement} */ (el('print-dialog'));
const form = /** @type {HTMLFormElement} */ (el('print-form'));
const paperSelect = /** @type {HTMLSelectElement} */ (form.elements.namedItem('paper'));
const balancesBox = /** @type {HTMLInputElement} */ (form.elements.namedItem('includeBalances'));
const status = el('print-status');
const scopeText = el('print-scope');
/** Preview, Print, Save as PDF and Save as CSV: disabled while one of them runs. */
const actionButtons = /** @type {HTMLButtonElement[]} */ ([...form.querySelectorAll('.print-actions button')]);

/** What the open dialog prints. @type {{scope: PrintScope, label: string, connection: ConnectionSummary | null} | null} */
let current = null;
/** The user picked a paper this session: keep it rather than the locale default. */
let paperChosen = false;

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {string} [className] @param {string | null} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

// ----- paper ---------------------------------------------------------------------------------

/** @param {string} paper 'a4' | 'letter' */
function applyPaper(paper) {
  const letter = paper === 'letter';
  /** @type {HTMLLinkElement} */ (el('page-a4')).media = letter ? 'not all' : 'print';
  /** @type {HTMLLinkElement} */ (el('page-letter')).media = letter ? 'print' : 'not all';
  document.documentElement.classList.toggle('paper-letter', letter);
  document.documentElement.classList.toggle('paper-a4', !letter);
}

paperSelect.addEventListener('change', () => {
  paperChosen = true;
  applyPaper(paperSelect.value);
});

async function defaultPaper() {
  if (paperChosen) return;
  try {
    paperSelect.value = await bridge.defaultPaper(navigator.language || '');
  } catch {
    paperSelect.value = 'a4';
  }
  applyPaper(paperSelect.value);
}

// ----- the sheets ----------------------------------------------------------------------------

/**
 * @param {HTMLElement} table @param {string} label @param {string} value
 * @param {{emphasis?: boolean, monospace?: boolean}} [flags]
 */
function fieldRow(table, label, value, flags = {}) {
  const tr = make('tr', flags.emphasis ? 'p-reference' : '');
  const th = make('th', '', label);
  th.scope = 'row';
  const td = make('td', flags.monospace ? 'p-value mono' : 'p-value', value);
  tr.append(th, td);
  table.append(tr);
}

/** @param {InstructionView} instruction @param {number} index */
async function instructionBlock(instruction, index) {
  const block = make('section', `p-instruction p-${instruction.kind}`);
  block.dataset.kind = instruction.kind;
  const head = make('h2', 'p-instruction-title');
  head.append(make('span', 'p-number', String(index + 1)), make('span', '', instruction.title));
  if (instruction.network) head.append(make('span', 'p-network', instruction.network));
  block.append(head);
  if (instruction.notes) block.append(make('p', 'p-notes', instruction.notes));
  // QR values sit beside their code rather than in the table, so the table keeps bank fields.
  const qrKeys = new Set(instruction.qrTargets.map((t) => t.key));
  const rows = instruction.fields.filter((f) => !qrKeys.has(f.key));
  if (rows.length) {
    const table = make('table', 'p-fields');
    const body = make('tbody');
    for (const f of rows) fieldRow(body, f.label, f.value, f);
    table.append(body);
    block.append(table);
  }
  const reference = instruction.reference ?? instruction.fields.find((f) => f.emphasis)?.value;
  if (reference) {
    const note = make('p', 'p-reference-note');
    note.append(make('strong', '', 'Include this reference with your payment: '), make('span', 'mono', reference));
    block.append(note);
  }
  for (const target of instruction.qrTargets) {
    const figure = make('figure', 'p-qr');
    figure.dataset.testid = 'print-qr';
    const code = make('div', 'p-qr-code');
    try {
      const svg = importSvg(await qrSvgText(target.value));
      svg.setAttribute('aria-label', `QR code: ${target.label}`);
      code.append(svg);
    } catch {
      code.append(make('p', 'p-qr-error', 'QR code unavailable: copy the value instead.'));
    }
    const caption = make('figcaption', 'p-qr-caption');
    const details = make('table', 'p-fields');
    const body = make('tbody');
    if (target.asset) fieldRow(body, 'Asset', target.asset);
    if (target.network) fieldRow(body, 'Network', target.network);
    fieldRow(body, target.label, target.value, { monospace: true });
    details.append(body);
    caption.append(details);
    figure.append(code, caption);
    block.append(figure);
  }
  return block;
}

/**
 * One sheet: header, the account, every instruction, and a footer. The environment's texts
 * (watermark, banner, footer notice) come from Rust, the same the PDF prints.
 * @param {AccountView} view @param {{connectionName: string, generated: string,
 *   watermark?: string | undefined, notice?: string | undefined, banner?: string | undefined,
 *   includeBalances: boolean, index: number, count: number}} ctx
 */
async function accountSheet(view, ctx) {
  const sheet = make('article', 'sheet');
  sheet.dataset.testid = 'print-sheet';
  sheet.dataset.accountId = view.id;
  if (ctx.watermark) {
    // Decoration drawn by CSS (content: attr(data-text)): screen readers and contrast checks
    // skip it; the banner and footer say the same in readable text.
    const mark = make('div', 'p-watermark', '');
    mark.dataset.text = ctx.watermark;
    mark.setAttribute('aria-hidden', 'true');
    sheet.append(mark);
  }

  const head = make('header', 'p-head');
  head.append(make('h1', '', 'Deposit instructions'));
  const owner = view.isPlatform || !view.customerId ? `Platform: ${ctx.connectionName}` : `Customer: ${view.customerId}`;
  head.append(make('p', 'p-owner', owner));
  sheet.append(head);

  if (ctx.banner) sheet.append(make('p', 'p-env-banner', ctx.banner));

  const meta = make('table', 'p-meta');
  const body = make('tbody');
  fieldRow(body, 'Account id', view.id, { monospace: true });
  const currency = [view.currencyCode, view.currencyName].filter(Boolean).join(' \u00b7 ');
  fieldRow(body, 'Currency', currency || '\u2014');
  fieldRow(body, 'Account type', view.accountTypeLabel);
  if (ctx.includeBalances) {
    fieldRow(body, 'Available balance', view.balance.display);
    fieldRow(body, 'Total balance', view.totalBalance.display);
  }
  meta.append(body);
  sheet.append(meta);

  const list = make('div', 'p-instructions');
  if (view.instructions.length) {
    list.append(make('p', 'p-lead', 'To pay into this account, use one of these:'));
    for (const [i, instruction] of view.instructions.entries()) list.append(await instructionBlock(instruction, i));
  } else {
    list.append(make('p', 'p-notes', 'Grid lists no funding instructions for this account.'));
  }
  sheet.append(list);

  const footer = make('footer', 'p-footer');
  footer.append(
    make('span', 'p-env', ctx.notice ?? ''),
    make('span', '', `Generated ${ctx.generated} \u00b7 Grid Desk`),
    make('span', 'p-sheet-number', `Sheet ${ctx.index + 1} of ${ctx.count}`),
  );
  sheet.append(footer);
  return sheet;
}

/** Builds the print view for the dialog's accounts; returns how many sheets. */
async function buildSheets() {
  if (!current) return 0;
  const { accounts: views, watermark, notice, banner } = await bridge.listPrintableAccounts(current.scope);
  const connection = current.connection;
  const env = connection?.environment ?? 'production';
  const ctx = {
    watermark,
    notice,
    banner,
    connectionName: connection?.name ?? 'Grid',
    generated: formatDateTime(new Date().toISOString()),
    includeBalances: balancesBox.checked,
    index: 0,
    count: views.length,
  };
  const bar = el('preview-bar');
  const sheets = [];
  for (const [index, view] of views.entries()) sheets.push(await accountSheet(view, { ...ctx, index }));
  root.replaceChildren(bar, ...sheets);
  root.dataset.env = env;
  el('preview-count').textContent = `${views.length} sheet${views.length === 1 ? '' : 's'} \u00b7 ${paperSelect.value === 'letter' ? 'US Letter' : 'A4'}`;
  applyPaper(paperSelect.value);
  return views.length;
}

function clearSheets() {
  document.documentElement.classList.remove('print-preview');
  root.replaceChildren(el('preview-bar'));
}

// ----- the dialog ----------------------------------------------------------------------------

/** @param {string} text @param {'ok'|'error'|'busy'|''} tone */
function say(text, tone) {
  status.textContent = text;
  status.dataset.tone = tone;
}

/**
 * Runs one action with the buttons disabled and its outcome in the status line.
 * @param {() => Promise<string>} action @param {string} working what the status says meanwhile
 */
async function busy(action, working) {
  for (const b of actionButtons) b.disabled = true;
  say(working, 'busy');
  try {
    say(await action(), 'ok');
  } catch (err) {
    say(errorText(err), 'error');
  } finally {
    for (const b of actionButtons) b.disabled = false;
  }
}

/** @param {number} n */
const sizeText = (n) => (n < 1024 ? `${n} bytes` : `${Math.round(n / 1024)} KB`);

/** @param {import('./bridge.js').SaveOutcome} outcome @param {string} what */
function savedText(outcome, what) {
  if ('cancelled' in outcome) return 'Not saved: the save dialog was closed.';
  const accounts = `${outcome.accounts} account${outcome.accounts === 1 ? '' : 's'}`;
  const pages = outcome.pages != null ? `, ${outcome.pages} page${outcome.pages === 1 ? '' : 's'}` : '';
  return `Saved ${what} (${accounts}${pages}, ${sizeText(outcome.bytes)}) to ${outcome.path}`;
}

function request() {
  if (!current) throw new Error('Nothing to print.');
  return {
    scope: current.scope,
    includeBalances: balancesBox.checked,
    utcOffsetMinutes: -new Date().getTimezoneOffset(),
  };
}

form.addEventListener('click', async (e) => {
  const button = /** @type {HTMLElement} */ (e.target).closest('button');
  if (!button || !current) return;
  switch (button.dataset.action) {
    case 'preview':
      await busy(async () => {
        const n = await buildSheets();
        document.documentElement.classList.add('print-preview');
        dialog.close();
        /** @type {HTMLElement} */ (el('preview-print')).focus();
        return `Showing ${n} sheet${n === 1 ? '' : 's'}.`;
      }, 'Preparing the sheets\u2026');
      break;
    case 'print':
      await busy(async () => {
        const n = await buildSheets();
        dialog.close();
        window.print();
        return `Sent ${n} sheet${n === 1 ? '' : 's'} to the print dialog.`;
      }, 'Preparing the sheets\u2026');
      break;
    case 'save-pdf':
      await busy(async () => {
        const outcome = await bridge.saveDepositPdf({ ...request(), paper: /** @type {'a4'|'letter'} */ (paperSelect.value) });
        return savedText(outcome, 'the PDF');
      }, 'Making the PDF\u2026 choose where to save it.');
      break;
    case 'save-csv':
      await busy(async () => savedText(await bridge.saveDepositCsv(request()), 'the CSV'), 'Making the CSV\u2026 choose where to save it.');
      break;
    case 'close':
      dialog.close();
      break;
    default:
  }
});
form.addEventListener('submit', (e) => e.preventDefault());

el('preview-print').addEventListener('click', () => window.print());
el('preview-close').addEventListener('click', clearSheets);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && document.documentElement.classList.contains('print-preview')) clearSheets();
});
window.addEventListener('afterprint', () => {
  // Printed from the dialog: the sheets were only for the printer.
  if (!document.documentElement.classList.contains('print-preview')) clearSheets();
});

/**
 * Opens the print dialog for some accounts.
 * @param {PrintScope} scope
 * @param {string} label what is printed, e.g. "All platform accounts"
 * @param {ConnectionSummary | null} connection
 */
export function openPrintDialog(scope, label, connection) {
  current = { scope, label, connection };
  scopeText.textContent = label;
  say('', '');
  if (!dialog.open) dialog.showModal();
  defaultPaper();
}
