// Toasts (role=alert for errors, role=status otherwise) and the error banner with a retry.

import { errorCodeLabel, errorText, errorTitle, uiError } from './errors.js';

const toasts = /** @type {HTMLElement} */ (document.getElementById('toasts'));
const toastTpl = /** @type {HTMLElement} */ (
  /** @type {HTMLTemplateElement} */ (document.getElementById('tpl-toast')).content.firstElementChild
);

/**
 * @param {string} message
 * @param {{kind?: 'success'|'error'|'info', timeoutMs?: number}} [options]
 */
export function toast(message, options = {}) {
  const kind = options.kind ?? 'info';
  const node = /** @type {HTMLElement} */ (toastTpl.cloneNode(true));
  node.classList.add(`toast-${kind}`);
  node.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  /** @type {HTMLElement} */ (node.querySelector('.toast-text')).textContent = message;
  const close = () => node.remove();
  /** @type {HTMLElement} */ (node.querySelector('.toast-close')).addEventListener('click', close);
  toasts.append(node);
  // Errors stay long enough to be read; anything else fades sooner.
  const timeout = options.timeoutMs ?? (kind === 'error' ? 15000 : 5000);
  setTimeout(close, timeout);
  while (toasts.children.length > 5) toasts.firstElementChild?.remove();
}

/** @param {unknown} err what a bridge call rejected with (see errors.js) */
export function toastError(err) {
  toast(`${errorTitle(err)}: ${errorText(err)}`, { kind: 'error' });
}

const banner = /** @type {HTMLElement} */ (document.getElementById('error-banner'));
const bannerTitle = /** @type {HTMLElement} */ (document.getElementById('error-title'));
const bannerMessage = /** @type {HTMLElement} */ (document.getElementById('error-message'));
const bannerCode = /** @type {HTMLElement} */ (document.getElementById('error-code'));
const retryButton = /** @type {HTMLButtonElement} */ (document.getElementById('error-retry'));
/** @type {(() => void) | null} */
let retryAction = null;

retryButton.addEventListener('click', () => {
  const action = retryAction;
  hideBanner();
  action?.();
});
document.getElementById('error-dismiss')?.addEventListener('click', hideBanner);

/**
 * Shows Grid's message and code with a Retry button.
 * @param {unknown} err what a bridge call rejected with (see errors.js)
 * @param {() => void} retry
 */
export function showBanner(err, retry) {
  bannerTitle.textContent = errorTitle(err);
  bannerMessage.textContent = uiError(err).message || 'Something went wrong.';
  bannerCode.textContent = errorCodeLabel(err);
  retryAction = retry;
  banner.hidden = false;
}

export function hideBanner() {
  banner.hidden = true;
  retryAction = null;
}
