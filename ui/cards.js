// Account cards from <template>s, filled with textContent only. QR codes are drawn lazily:
// a card's QR is requested from Rust when it scrolls into view (or when "Show QR code" is
// pressed), and the SVG — made by our own Rust code — is parsed with DOMParser and imported.

import * as bridge from './bridge.js';
import { formatDateTime } from './format.js';
import { uiError } from './errors.js';
import { toast, toastError } from './notify.js';

/** @typedef {import('./bridge.js').AccountView} AccountView */
/** @typedef {import('./bridge.js').ExternalAccountView} ExternalAccountView */
/** @typedef {import('./bridge.js').InstructionView} InstructionView */
/** @typedef {import('./bridge.js').ConnectionSummary} ConnectionSummary */

const tpl = (/** @type {string} */ id) =>
  /** @type {HTMLElement} */ (
    /** @type {HTMLTemplateElement} */ (document.getElementById(id)).content.firstElementChild
  );
const accountTpl = tpl('tpl-account-card');
const bodyTpl = tpl('tpl-account-body');
const externalTpl = tpl('tpl-external-card');
const instructionTpl = tpl('tpl-instruction');
const fieldTpl = tpl('tpl-field');
const qrTpl = tpl('tpl-qr');

/** @param {ParentNode} root @param {string} selector */
const q = (root, selector) => /** @type {HTMLElement} */ (root.querySelector(selector));

/** @param {HTMLElement} el @param {string | undefined | null} text */
function setText(el, text) {
  el.textContent = text ?? '';
}

/**
 * One labelled value with its copy button.
 * @param {string} label @param {string} value
 * @param {{emphasis?: boolean, monospace?: boolean}} [flags]
 */
export function renderField(label, value, flags = {}) {
  const node = /** @type {HTMLElement} */ (fieldTpl.cloneNode(true));
  setText(q(node, '.field-label'), label);
  const valueEl = q(node, '.field-value');
  setText(valueEl, value);
  if (flags.monospace) valueEl.classList.add('mono');
  if (flags.emphasis) {
    node.classList.add('emphasis');
    valueEl.title = 'Reference: the payer must include it';
  }
  const copy = /** @type {HTMLButtonElement} */ (q(node, '.copy'));
  copy.dataset.copyValue = value;
  copy.dataset.copyLabel = label;
  copy.setAttribute('aria-label', `Copy ${label}`);
  return node;
}

/**
 * What every copy button does: its `data-copy-value` to the clipboard, a tick on the button and
 * a short "Copied <label>." (or the error).
 * @param {HTMLElement} button
 */
export async function copyFromButton(button) {
  const label = button.dataset.copyLabel ?? 'value';
  try {
    await bridge.copyText(button.dataset.copyValue ?? '');
    button.dataset.copied = 'true';
    setTimeout(() => delete button.dataset.copied, 1500);
    toast(`Copied ${label}.`, { kind: 'success', timeoutMs: 2500 });
  } catch (err) {
    toastError(err);
  }
}

/**
 * What a click on an account card does that is the same wherever the card is shown (the card
 * list, the table's detail pane): the second click of a double click on a fund button is
 * swallowed (it never sends money again), copy buttons copy, "Show QR" draws the code.
 * @param {MouseEvent} e @param {HTMLElement} button the clicked button
 * @returns {Promise<boolean>} true when the click was handled here
 */
export async function commonCardClick(e, button) {
  if (e.detail > 1 && (button.dataset.action === 'fund-preset' || button.dataset.action === 'fund-amount')) {
    e.preventDefault();
    return true;
  }
  if (button.classList.contains('copy')) {
    await copyFromButton(button);
    return true;
  }
  if (button.classList.contains('qr-show')) {
    const box = /** @type {HTMLElement | null} */ (button.closest('.qr'));
    if (box) loadQr(box);
    return true;
  }
  return false;
}

/**
 * A copy button for a value shown outside a field row (account and customer ids).
 * @param {string} label @param {string} value
 */
export function copyButton(label, value) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'copy';
  button.dataset.testid = 'copy';
  button.dataset.copyValue = value;
  button.dataset.copyLabel = label;
  button.setAttribute('aria-label', `Copy ${label}`);
  const text = document.createElement('span');
  text.setAttribute('aria-hidden', 'true');
  text.textContent = 'Copy';
  button.append(text);
  return button;
}

/** @param {import('./bridge.js').QrTarget} target */
function renderQr(target) {
  const node = /** @type {HTMLElement} */ (qrTpl.cloneNode(true));
  const box = q(node, '.qr');
  box.dataset.qrValue = target.value;
  const showButton = q(box, '.qr-show');
  showButton.setAttribute('aria-label', `Show QR code for ${target.label}`);
  const parts = [target.label, target.asset, target.network ? `on ${target.network}` : null].filter(Boolean);
  setText(q(node, '.qr-caption'), parts.join(' · '));
  return node;
}

/** @param {InstructionView} view */
export function renderInstruction(view) {
  const node = /** @type {HTMLElement} */ (instructionTpl.cloneNode(true));
  node.dataset.accountType = view.accountType;
  node.dataset.kind = view.kind;
  if (!view.known) node.classList.add('unknown');
  setText(q(node, '.instruction-title'), view.title);
  const network = q(node, '.network-chip');
  if (view.network) setText(network, view.network);
  else network.remove();
  const notes = q(node, '.instruction-notes');
  if (view.notes) setText(notes, view.notes);
  else notes.remove();
  const fields = q(node, '.fields');
  for (const field of view.fields) {
    fields.append(renderField(field.label, field.value, field));
  }
  const qrs = q(node, '.qrs');
  for (const target of view.qrTargets) qrs.append(renderQr(target));
  if (!view.qrTargets.length) qrs.remove();
  return node;
}

/**
 * The light part of a card: currency, badges and balances. The rest (ids, dates, funding
 * instructions, funding controls, actions) is added by `hydrateAccountCard` when the card
 * comes near the viewport, so 10,000 loaded cards stay cheap.
 * @param {AccountView} view
 * @param {ConnectionSummary} connection
 */
export function renderAccountCard(view, connection) {
  const card = /** @type {HTMLElement} */ (accountTpl.cloneNode(true));
  card.dataset.accountId = view.id;
  card.dataset.accountType = view.accountType;
  card.dataset.hydrated = 'false';
  setText(q(card, '.currency-code'), view.currencyCode ?? view.balance.currencyCode ?? '—');
  setText(q(card, '.currency-name'), view.currencyName ?? '');
  setText(q(card, '.type-badge'), view.accountTypeLabel);
  if (connection.environment !== 'production') q(card, '.prod-only').remove();
  updateAccountCard(card, view);
  return card;
}

/**
 * Adds the rest of the card.
 * @param {HTMLElement} card @param {AccountView} view
 * @param {((card: HTMLElement, view: AccountView) => void) | null} addFunding
 */
export function hydrateAccountCard(card, view, addFunding) {
  if (card.dataset.hydrated === 'true') return;
  const body = /** @type {HTMLElement} */ (bodyTpl.cloneNode(true));
  setText(q(body, '.account-id'), view.id);
  q(body, '.account-id').after(copyButton('Account id', view.id));
  if (view.customerId) {
    setText(q(body, '.customer-id'), view.customerId);
    q(body, '.customer-id').after(copyButton('Customer id', view.customerId));
  } else {
    q(body, '.customer-row').remove();
  }
  setText(q(body, '.created'), formatDateTime(view.createdAt));
  q(body, '.created').title = view.createdAt;
  if (view.accountType === 'EMBEDDED_WALLET') {
    q(body, '.wallet-row').hidden = false;
    q(body, '.patch-open').hidden = false;
  }
  const list = q(body, '.instruction-list');
  if (view.instructions.length) {
    for (const instruction of view.instructions) list.append(renderInstruction(instruction));
  } else {
    const none = document.createElement('p');
    none.className = 'muted';
    none.textContent = 'Grid lists no funding instructions for this account.';
    list.append(none);
  }
  card.append(body);
  if (addFunding) addFunding(card, view);
  card.dataset.hydrated = 'true';
  updateAccountCard(card, view);
  observeQrs(card);
}

/**
 * Takes the heavy part off a card that is far out of view. Cards being worked on (focus
 * inside, a fund in flight, an amount typed) are kept.
 * @param {HTMLElement} card
 * @returns {boolean} whether the card was emptied
 */
export function dehydrateAccountCard(card) {
  if (card.dataset.hydrated !== 'true') return false;
  const amount = /** @type {HTMLInputElement | null} */ (card.querySelector('input[name=amount]'));
  if (card.contains(document.activeElement) || card.dataset.funding === 'true' || amount?.value) return false;
  unobserveQrs(card);
  card.querySelector('.card-body')?.remove();
  card.dataset.hydrated = 'false';
  return true;
}

/**
 * Refreshes what an action can change, in place (focus and QR codes stay).
 * @param {HTMLElement} card @param {AccountView} view
 */
export function updateAccountCard(card, view) {
  setText(q(card, '.balance'), view.balance.display);
  setText(q(card, '.total-balance'), view.totalBalance.display);
  const status = q(card, '.status-badge');
  setText(status, view.statusLabel);
  status.dataset.tone = view.statusTone;
  const updated = /** @type {HTMLElement | null} */ (card.querySelector('.updated'));
  if (updated) {
    setText(updated, formatDateTime(view.updatedAt));
    updated.title = view.updatedAt;
  }
  const priv = /** @type {HTMLElement | null} */ (card.querySelector('.private-enabled'));
  if (priv && view.accountType === 'EMBEDDED_WALLET') {
    const on = view.privateEnabled === true;
    setText(priv, view.privateEnabled == null ? 'Not reported' : on ? 'On' : 'Off');
    priv.dataset.on = String(on);
  }
}

/** @param {ExternalAccountView} view */
export function renderExternalCard(view) {
  const card = /** @type {HTMLElement} */ (externalTpl.cloneNode(true));
  card.dataset.accountId = view.id;
  setText(q(card, '.currency-code'), view.currency);
  setText(q(card, '.external-title'), view.details.title);
  const status = q(card, '.status-badge');
  setText(status, view.statusLabel);
  status.dataset.tone = view.statusTone;
  setText(q(card, '.account-id'), view.id);
  q(card, '.account-id').after(copyButton('Account id', view.id));
  if (view.customerId) {
    setText(q(card, '.customer-id'), view.customerId);
    q(card, '.customer-id').after(copyButton('Customer id', view.customerId));
  } else q(card, '.customer-row').remove();
  if (view.defaultUmaDepositAccount) q(card, '.default-row').hidden = false;
  q(card, '.instruction-list').append(renderInstruction(view.details));
  return card;
}

// ----- QR codes ------------------------------------------------------------------------------

/** value → Promise of the SVG text, most recently used last; bounded so scrolling through
 * 10,000 cards does not keep 10,000 SVGs alive. */
const qrCache = new Map();
const QR_CACHE_SIZE = 300;

/** @param {string} value @returns {Promise<string>} */
export function qrSvgText(value) {
  let pending = qrCache.get(value);
  if (pending) {
    qrCache.delete(value);
  } else {
    pending = bridge.qrSvg(value);
    pending.catch(() => qrCache.delete(value));
  }
  qrCache.set(value, pending);
  while (qrCache.size > QR_CACHE_SIZE) qrCache.delete(qrCache.keys().next().value);
  return pending;
}

/**
 * Parses an SVG made by Rust and returns a node for this document (never innerHTML).
 * @param {string} svgText
 */
export function importSvg(svgText) {
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const root = doc.documentElement;
  if (!(root instanceof SVGSVGElement) || doc.getElementsByTagName('parsererror').length) {
    throw new Error('The QR code could not be drawn.');
  }
  const node = document.importNode(root, true);
  node.setAttribute('role', 'img');
  return node;
}

/** Draws the QR code into its box. @param {HTMLElement} box */
export async function loadQr(box) {
  if (box.dataset.qrState === 'loading' || box.dataset.qrState === 'done') return;
  box.dataset.qrState = 'loading';
  const value = box.dataset.qrValue ?? '';
  try {
    const svg = importSvg(await qrSvgText(value));
    const caption = box.parentElement?.querySelector('.qr-caption')?.textContent ?? 'QR code';
    svg.setAttribute('aria-label', `QR code: ${caption}`);
    box.replaceChildren(svg);
    box.dataset.qrState = 'done';
  } catch (err) {
    box.dataset.qrState = 'error';
    const msg = document.createElement('p');
    msg.className = 'qr-error';
    msg.textContent = uiError(err).message || 'The QR code could not be drawn.';
    box.replaceChildren(msg);
  }
}

/** @type {IntersectionObserver | null} */
let qrObserver = null;

/**
 * Watches QR boxes under `root` and draws each when it comes near the viewport.
 * @param {HTMLElement} scrollRoot the scrolling list
 */
export function initLazyQr(scrollRoot) {
  qrObserver = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        const box = /** @type {HTMLElement} */ (entry.target);
        qrObserver?.unobserve(box);
        loadQr(box);
      }
    },
    { root: scrollRoot, rootMargin: '400px 0px' },
  );
}

/** @param {ParentNode} root */
export function observeQrs(root) {
  if (!qrObserver) return;
  for (const box of root.querySelectorAll('.qr:not([data-qr-state])')) qrObserver.observe(box);
}

/** @param {ParentNode} root */
export function unobserveQrs(root) {
  if (!qrObserver) return;
  for (const box of root.querySelectorAll('.qr')) qrObserver.unobserve(box);
}

export function resetLazyQr() {
  qrObserver?.disconnect();
}
