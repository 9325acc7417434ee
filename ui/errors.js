// Mirrors crates/grid-desk-core/src/error.rs (UiCode): the codes the window branches on.

/** @typedef {import('./bridge.js').UiError} UiError */

/** @enum {string} */
export const ErrorCode = Object.freeze({
  Unauthorized: 'Unauthorized',
  Forbidden: 'Forbidden',
  NotFound: 'NotFound',
  Validation: 'Validation',
  Network: 'Network',
  UnknownOutcome: 'UnknownOutcome',
  KeychainUnavailable: 'KeychainUnavailable',
  Cancelled: 'Cancelled',
  Unknown: 'Unknown',
});

/** Headings for the error banner and toasts, in words a finance person uses. */
const TITLES = {
  Unauthorized: 'Grid did not accept the request',
  Forbidden: 'Not allowed',
  NotFound: 'Not found',
  Validation: 'Please check',
  Network: 'Grid could not be reached',
  UnknownOutcome: 'Outcome unknown',
  KeychainUnavailable: 'Keychain unavailable',
  Cancelled: 'Cancelled',
  Unknown: 'Something went wrong',
};

/**
 * What went wrong, as the window shows it: bridge.js rejects with a UiError already (Rust's
 * `{code, message, …}`); anything else thrown (a bug, a string) becomes an Unknown one that
 * keeps its message.
 * @param {unknown} raw
 * @returns {UiError}
 */
export function uiError(raw) {
  if (raw && typeof raw === 'object' && 'code' in raw && 'message' in raw) {
    return /** @type {UiError} */ (raw);
  }
  const message = typeof raw === 'string' ? raw : (raw instanceof Error ? raw.message : String(raw));
  return { code: 'Unknown', message: message || 'Something went wrong.' };
}

/**
 * @param {unknown} err
 * @returns {string}
 */
export function errorTitle(err) {
  const code = uiError(err).code;
  return Object.hasOwn(TITLES, code) ? TITLES[/** @type {keyof typeof TITLES} */ (code)] : TITLES.Unknown;
}

/**
 * "Grid's message (GRID_CODE)" when Grid sent a code, else the message.
 * @param {unknown} err
 */
export function errorText(err) {
  const e = uiError(err);
  const message = e.message || 'Something went wrong.';
  return e.gridCode ? `${message} (${e.gridCode})` : message;
}

/**
 * The code shown beside the message: Grid's code and HTTP status when Grid answered,
 * else our own category.
 * @param {unknown} err
 */
export function errorCodeLabel(err) {
  const e = uiError(err);
  if (e.gridCode) return e.httpStatus ? `${e.gridCode} · HTTP ${e.httpStatus}` : e.gridCode;
  return e.code || ErrorCode.Unknown;
}
