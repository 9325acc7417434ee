// One-click sandbox funding on a card: preset buttons (their amounts, labels and Grid's limit
// come from Rust in `view.funding`) and a form for any amount. Amounts are converted by Rust
// (check_amount, rust_decimal); JS only passes integers. Every fund button of a card is disabled while its request is in flight, and
// Rust refuses a second concurrent fund of the same account anyway.

import * as bridge from './bridge.js';
import { ErrorCode, uiError } from './errors.js';
import { toast, toastError } from './notify.js';

/** @typedef {import('./bridge.js').AccountView} AccountView */
/** @typedef {import('./bridge.js').UiError} UiError */

/** The controls stay disabled at least this long, so the second click of a double click lands
 * on a disabled button even when Grid answers within milliseconds. */
const MIN_BUSY_MS = 600;

/** An amount in the person's number format (app_state.amountExample), for the placeholder. */
let amountExample = '1,000.50';

/** @param {string} example e.g. "1.000,50" */
export function setAmountExample(example) {
  if (example) amountExample = example;
}

/**
 * Adds the preset buttons and shows the funding section.
 * @param {HTMLElement} card @param {AccountView} view
 */
export function setUpFunding(card, view) {
  const section = /** @type {HTMLElement} */ (card.querySelector('.funding'));
  section.hidden = false;
  section.querySelector('input[name=amount]')?.setAttribute('placeholder', `e.g. ${amountExample}`);
  const presets = /** @type {HTMLElement} */ (section.querySelector('.presets'));
  const code = view.currencyCode ?? view.balance.currencyCode ?? '';
  const { funding } = view;
  if ((view.decimals ?? view.balance.decimals) == null) {
    const note = document.createElement('p');
    note.className = 'muted small';
    note.textContent = 'Grid does not say how many decimals this currency has, so there are no presets.';
    presets.append(note);
    return;
  }
  for (const preset of funding.presets) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button preset';
    button.dataset.action = 'fund-preset';
    button.dataset.testid = 'fund-preset';
    button.dataset.amount = String(preset.amount);
    button.dataset.display = preset.display;
    button.textContent = `${preset.label} ${code}`.trim();
    button.setAttribute('aria-label', `${button.textContent}: add ${preset.display} to this sandbox account`);
    if (preset.amount > funding.maxAmount) {
      button.disabled = true;
      button.dataset.overLimit = 'true';
      button.title = "More than Grid's sandbox limit for one request";
    }
    presets.append(button);
  }
}

/** @param {HTMLElement} card @param {boolean} busy */
function setBusy(card, busy) {
  card.dataset.funding = busy ? 'true' : 'false';
  for (const el of card.querySelectorAll('.funding button, .funding input')) {
    const control = /** @type {HTMLButtonElement | HTMLInputElement} */ (el);
    control.disabled = busy || control.dataset.overLimit === 'true';
  }
  card.querySelector('.funding')?.setAttribute('aria-busy', String(busy));
}

/** @param {HTMLElement} card @param {string} [message] */
function showFundError(card, message) {
  const el = /** @type {HTMLElement} */ (card.querySelector('.fund-error'));
  el.textContent = message ?? '';
  el.hidden = !message;
  const input = card.querySelector('.fund-form input[name=amount]');
  if (message) input?.setAttribute('aria-invalid', 'true');
  else input?.removeAttribute('aria-invalid');
}

/** @param {HTMLElement} card @param {string} text */
function showHint(card, text) {
  const el = /** @type {HTMLElement} */ (card.querySelector('.fund-hint'));
  el.textContent = text;
}

/**
 * @param {AccountView} view @param {string} text
 */
function check(view, text) {
  return bridge.checkAmount({
    text,
    currencyCode: view.currencyCode ?? view.balance.currencyCode,
    decimals: view.decimals ?? view.balance.decimals,
    currencySymbol: view.currencySymbol,
  });
}

/** Latest validation per card, so a slow answer never overwrites a newer one. */
const checkSeq = new WeakMap();

/**
 * Validates as the user types (explained inline; nothing is sent).
 * @param {HTMLElement} card @param {AccountView} view @param {HTMLInputElement} input
 */
export async function validateInput(card, view, input) {
  const seq = (checkSeq.get(card) ?? 0) + 1;
  checkSeq.set(card, seq);
  const text = input.value;
  if (!text.trim()) {
    showFundError(card);
    showHint(card, '');
    return;
  }
  try {
    const checked = await check(view, text);
    if (checkSeq.get(card) !== seq) return;
    showFundError(card);
    resetConfirm(card, text);
    const armed = /** @type {HTMLFormElement | null} */ (card.querySelector('.fund-form'))?.dataset.confirmed === text;
    showHint(card, !checked.confirm ? `Adds ${checked.display}`
      : armed ? confirmText(checked.display) : `Adds ${checked.display} — you will be asked to confirm`);
  } catch (err) {
    if (checkSeq.get(card) !== seq) return;
    showHint(card, '');
    showFundError(card, uiError(err).message);
  }
}

/**
 * @typedef {{onFunded: (view: AccountView, added: string) => void,
 *   onUnknownOutcome: (err: UiError) => void, onError: (err: UiError) => void}} FundCallbacks
 */

/**
 * Sends one fund request and reports the result.
 * @param {HTMLElement} card @param {AccountView} view @param {number} amount smallest units
 * @param {string} added what to tell the user was added
 * @param {FundCallbacks} callbacks
 */
async function fund(card, view, amount, added, callbacks) {
  if (card.dataset.funding === 'true') return;
  setBusy(card, true);
  const started = performance.now();
  showFundError(card);
  try {
    const updated = await bridge.fundSandboxAccount({
      accountId: view.id,
      amount,
      customerId: view.customerId,
    });
    callbacks.onFunded(updated, added);
    return true;
  } catch (err) {
    const e = uiError(err);
    if (e.code === ErrorCode.UnknownOutcome) {
      showFundError(card, e.message);
      callbacks.onUnknownOutcome(e);
    } else {
      showFundError(card, e.message);
      callbacks.onError(e);
    }
    return false;
  } finally {
    const wait = MIN_BUSY_MS - (performance.now() - started);
    if (wait > 0) {
      await new Promise((resolve) => {
        setTimeout(resolve, wait);
      });
    }
    setBusy(card, false);
  }
}

/**
 * The usual answers to a fund, for every view with account cards: the card shows the new (or
 * re-read) balance through `accountChanged`, and a toast says what happened.
 * @param {(view: AccountView) => unknown} accountChanged
 * @returns {FundCallbacks}
 */
export function fundAnswers(accountChanged) {
  return {
    onFunded(updated, added) {
      accountChanged(updated);
      toast(`Added ${added}. Available balance: ${updated.balance.display}.`, { kind: 'success' });
    },
    onUnknownOutcome(err) {
      if (err.account) accountChanged(err.account);
      toast(err.message, { kind: 'error', timeoutMs: 30000 });
    },
    onError(err) {
      toastError(err);
    },
  };
}

/**
 * A preset button was pressed.
 * @param {HTMLButtonElement} button @param {HTMLElement} card @param {AccountView} view
 * @param {FundCallbacks} callbacks
 */
export function fundPreset(button, card, view, callbacks) {
  if (button.disabled) return;
  const amount = Number(button.dataset.amount);
  // Said the way every amount is: "$100.00", from Rust's one formatter.
  const added = button.dataset.display ?? '';
  return fund(card, view, amount, added, callbacks);
}

/**
 * The amount form was submitted: validate again in Rust, then fund.
 * @param {HTMLFormElement} form @param {HTMLElement} card @param {AccountView} view
 * @param {FundCallbacks} callbacks
 */
export async function fundFromForm(form, card, view, callbacks) {
  if (card.dataset.funding === 'true') return;
  const input = /** @type {HTMLInputElement} */ (form.elements.namedItem('amount'));
  let checked;
  try {
    checked = await check(view, input.value);
  } catch (err) {
    showHint(card, '');
    showFundError(card, uiError(err).message);
    input.focus();
    return;
  }
  // "1.000" is a thousand here and one elsewhere: say which before anything is sent.
  if (checked.confirm && form.dataset.confirmed !== input.value) {
    form.dataset.confirmed = input.value;
    const submit = /** @type {HTMLButtonElement | null} */ (form.querySelector('[data-action=fund-amount]'));
    if (submit) {
      submit.textContent = 'Confirm';
      submit.dataset.confirm = 'armed';
    }
    showHint(card, confirmText(checked.display));
    return;
  }
  resetConfirm(card);
  const ok = await fund(card, view, checked.amount, checked.display, callbacks);
  if (ok) {
    input.value = '';
    showHint(card, '');
  }
}

/** @param {string} display */
const confirmText = (display) => `Adds ${display}. Is that right? Press “Confirm” to send it.`;

/**
 * The confirmation of an amount stands only for the text it was given for.
 * @param {HTMLElement} card @param {string} [text] the text now in the field
 */
function resetConfirm(card, text) {
  const form = /** @type {HTMLFormElement | null} */ (card.querySelector('.fund-form'));
  if (!form || (text !== undefined && form.dataset.confirmed === text)) return;
  delete form.dataset.confirmed;
  const submit = /** @type {HTMLButtonElement | null} */ (form.querySelector('[data-action=fund-amount]'));
  if (submit?.dataset.confirm) {
    submit.textContent = 'Add funds';
    delete submit.dataset.confirm;
  }
}
