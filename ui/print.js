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
import { toast, toastError } from './notify.js';

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
// The preview draws the sheet model Rust built (bridge.SheetDocument), the same model the PDF
// draws: every item in the model's order, each element marked with the item's `data-key`, so a
// test can read the preview in DOM order and compare it with the PDF. Values carry dir="auto":
// a right-to-left value reads right to left, isolated from the label beside it.

/**
 * An element holding one item of the model.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {string} className @param {string} key @param {string} text
 * @returns {HTMLElementTagNameMap[K]}
 */
function item(tag, className, key, text) {
  const node = make(tag, className, text);
  node.dataset.key = key;
  node.dir = 'auto';
  return node;
}

/** @param {HTMLElement} body @param {import('./bridge.js').SheetField} field @param {boolean} [withLabel] */
function fieldRow(body, field, withLabel = true) {
  const tr = make('tr', field.emphasis ? 'p-strong' : '');
  if (withLabel) {
    const th = item('th', '', `${field.key}.label`, field.label);
    th.scope = 'row';
    tr.append(th);
  }
  const td = item('td', field.monospace ? 'p-value mono' : 'p-value', field.key, field.value);
  if (!withLabel) td.colSpan = 2;
  tr.append(td);
  body.append(tr);
}

/** @param {import('./bridge.js').SheetField[]} fields @param {string} className */
function fieldTable(fields, className) {
  const table = make('table', className);
  const body = make('tbody');
  for (const f of fields) fieldRow(body, f);
  table.append(body);
  return table;
}

/** @param {import('./bridge.js').SheetQr} qr */
async function qrFigure(qr) {
  const figure = make('figure', 'p-qr');
  figure.dataset.testid = 'print-qr';
  const code = make('div', 'p-qr-code');
  if (qr.hasCode) {
    try {
      const svg = importSvg(await qrSvgText(qr.value));
      svg.setAttribute('aria-label', `QR code: ${qr.label}`);
      code.append(svg);
    } catch {
      code.append(make('p', 'p-qr-error', 'QR code unavailable: copy the value instead.'));
    }
  }
  const caption = make('figcaption', 'p-qr-caption');
  caption.append(item('p', 'p-qr-label', `${qr.key}.label`, qr.label.toUpperCase()));
  if (qr.headline) caption.append(item('p', 'p-qr-headline', `${qr.key}.headline`, qr.headline));
  caption.append(item('p', 'p-value mono', qr.key, qr.value));
  if (qr.hint) caption.append(item('p', 'p-qr-hint', `${qr.key}.hint`, qr.hint));
  figure.append(code, caption);
  return figure;
}

/** @param {import('./bridge.js').SheetInstruction} instruction */
async function instructionBlock(instruction) {
  const block = make('section', `p-instruction p-${instruction.kind}`);
  block.dataset.kind = instruction.kind;
  const head = make('h3', 'p-instruction-title');
  head.append(
    make('span', 'p-number', String(instruction.number)),
    item('span', '', instruction.key, instruction.title),
    make('span', 'p-network', instruction.accountType),
  );
  block.append(head);
  for (const qr of instruction.qrCodes) block.append(await qrFigure(qr));
  // Notes go beside the last QR code, without their label, when nothing else is listed.
  const notesBesideCode = instruction.fields.length === 0 && instruction.qrCodes.length > 0;
  if (instruction.fields.length || (instruction.notes && !notesBesideCode)) {
    const table = fieldTable(instruction.fields, 'p-fields');
    if (instruction.notes) fieldRow(/** @type {HTMLElement} */ (table.tBodies[0]), instruction.notes);
    block.append(table);
  } else if (instruction.notes) {
    block.append(item('p', 'p-notes', instruction.notes.key, instruction.notes.value));
  }
  const reference = instruction.reference;
  if (reference) {
    const box = make('div', 'p-reference');
    box.append(
      make('p', 'p-reference-label', reference.label),
      item('p', 'p-reference-value mono', reference.key, reference.value),
      item('p', 'p-reference-note', `${reference.key}.note`, reference.note),
    );
    block.append(box);
  }
  return block;
}

/**
 * One sheet, in the model's order: kicker and title, intro, warnings, the account's facts,
 * then every way to pay; a footer like the PDF's.
 * @param {import('./bridge.js').SheetDocument} doc @param {import('./bridge.js').Sheet} model
 * @param {number} index @param {number} count
 */
async function accountSheet(doc, model, index, count) {
  const sheet = make('article', 'sheet');
  sheet.dataset.testid = 'print-sheet';
  sheet.dataset.accountId = model.accountId;
  if (doc.watermark) sheet.append(make('div', 'p-watermark', doc.watermark));

  const head = make('header', 'p-head');
  head.append(item('p', 'p-kicker', 'kicker', model.kicker), item('h1', '', 'title', model.title));
  sheet.append(head, item('p', 'p-lead', 'intro', model.intro));
  for (const warning of model.warnings) {
    const banner = make('p', 'p-env-banner');
    banner.append(make('strong', 'p-env-tag', warning.tag), item('span', '', warning.key, warning.text));
    sheet.append(banner);
  }
  sheet.append(fieldTable(model.facts, 'p-meta'));

  const list = make('div', 'p-instructions');
  if (model.sectionTitle) list.append(item('h2', 'p-section', 'section', model.sectionTitle));
  for (const instruction of model.instructions) list.append(await instructionBlock(instruction));
  sheet.append(list);

  const footer = make('footer', 'p-footer');
  footer.append(
    make('span', 'p-env', doc.environmentLabel),
    make('span', '', [doc.generated, 'Grid Desk'].filter(Boolean).join(' \u00b7 ')),
    make('span', 'p-sheet-number', `Sheet ${index + 1} of ${count}`),
  );
  sheet.append(footer);
  return sheet;
}

/**
 * What the window says about scripts no font here can print (the PDF says it on the sheet).
 * @param {import('./bridge.js').MissingScript[] | undefined} missing
 */
const missingText = (missing) => (missing ?? []).map((m) => m.message).join(' ');

/** Builds the print view for the dialog's accounts; returns how many sheets. */
async function buildSheets() {
  if (!current) return 0;
  const { document: doc, missingScripts } = await bridge.listPrintableAccounts({
    ...request(),
    paper: /** @type {'a4'|'letter'} */ (paperSelect.value),
  });
  const env = current.connection?.environment ?? 'production';
  const bar = el('preview-bar');
  const sheets = [];
  const count = doc.sheets.length;
  for (const [index, model] of doc.sheets.entries()) sheets.push(await accountSheet(doc, model, index, count));
  const notice = make('p', 'p-missing-scripts', missingText(missingScripts));
  notice.dataset.testid = 'print-missing-scripts';
  notice.setAttribute('role', 'alert');
  notice.hidden = !missingScripts.length;
  root.replaceChildren(bar, notice, ...sheets);
  root.dataset.env = env;
  el('preview-count').textContent = `${count} sheet${count === 1 ? '' : 's'} \u00b7 ${paperSelect.value === 'letter' ? 'US Letter' : 'A4'}`;
  applyPaper(paperSelect.value);
  return count;
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
  const missing = missingText(outcome.missingScripts);
  return `Saved ${what} (${accounts}${pages}, ${sizeText(outcome.bytes)}) to ${outcome.path}${missing ? `. ${missing}` : ''}`;
}

function request() {
  if (!current) throw new Error('Nothing to print.');
  return {
    scope: current.scope,
    includeBalances: balancesBox.checked,
    utcOffsetMinutes: -new Date().getTimezoneOffset(),
  };
}

// ----- sharing: "Copy all" and "E-mail…" ----------------------------------------------------
// Rust writes the text and HTML from the same sheet model, and saves the PDF before opening the
// mail draft; the window only says what happened.

/** @param {number} n */
const accountsText = (n) => `${n} account${n === 1 ? '' : 's'}`;

/**
 * @param {PrintScope} scope @param {boolean} includeBalances
 * @returns {Promise<string>} what happened, for the status line or a toast
 */
async function copyAll(scope, includeBalances) {
  const done = await bridge.copyDepositInstructions({
    scope,
    includeBalances,
    utcOffsetMinutes: -new Date().getTimezoneOffset(),
  });
  const kind = done.html ? 'as text and formatted' : 'as text';
  return `Copied the complete instructions of ${accountsText(done.accounts)} ${kind}.`;
}

/**
 * @param {PrintScope} scope @param {'a4'|'letter'} paper @param {boolean} includeBalances
 * @returns {Promise<string>}
 */
async function emailAll(scope, paper, includeBalances) {
  const done = await bridge.emailDepositInstructions({
    scope,
    paper,
    includeBalances,
    utcOffsetMinutes: -new Date().getTimezoneOffset(),
  });
  if ('cancelled' in done) return 'Not saved: the save dialog was closed, so no e-mail was started.';
  const shortened = done.truncated
    ? ' The draft\u2019s text was shortened to fit an e-mail link; the PDF has everything.'
    : '';
  return `${savedText(done, 'the PDF')}. Your mail program opens a draft with the instructions as text: attach this PDF to it.${shortened}`;
}

/**
 * "Copy all" on a card: the account's complete instructions to the clipboard.
 * @param {PrintScope} scope
 */
export async function copyInstructions(scope) {
  try {
    toast(await copyAll(scope, false), { kind: 'success', timeoutMs: 4000 });
  } catch (err) {
    toastError(err);
  }
}

/**
 * "E-mail…" on a card: saves the PDF (the paper of this locale), then opens a mail draft.
 * @param {PrintScope} scope
 */
export async function emailInstructions(scope) {
  try {
    await defaultPaper();
    toast(await emailAll(scope, /** @type {'a4'|'letter'} */ (paperSelect.value), false), { kind: 'success', timeoutMs: 15000 });
  } catch (err) {
    toastError(err);
  }
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
    case 'copy-all':
      await busy(() => copyAll(request().scope, balancesBox.checked), 'Copying the instructions\u2026');
      break;
    case 'email':
      await busy(
        () => emailAll(request().scope, /** @type {'a4'|'letter'} */ (paperSelect.value), balancesBox.checked),
        'Making the PDF\u2026 choose where to save it; the e-mail draft opens next.',
      );
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
