// Mirrors crates/grid-desk-core/src/error.rs (UiCode): the codes the window branches on.

/** @enum {string} */
export const ErrorCode = Object.freeze({
  Unauthorized: 'Unauthorized',
  Forbidden: 'Forbidden',
  NotFound: 'NotFound',
  Validation: 'Validation',
  Network: 'Network',
  UnknownOutcome: 'UnknownOutcome',
  KeychainUnavailable: 'KeychainUnavailable',
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
  Unknown: 'Something went wrong',
};

/**
 * @param {{code?: string}} err
 * @returns {string}
 */
export function errorTitle(err) {
  return TITLES[/** @type {keyof typeof TITLES} */ (err?.code ?? 'Unknown')] ?? TITLES.Unknown;
}

/**
 * "Grid's message (GRID_CODE)" when Grid sent a code, else the message.
 * @param {{message?: string, gridCode?: string}} err
 */
export function errorText(err) {
  const message = err?.message || 'Something went wrong.';
  return err?.gridCode ? `${message} (${err.gridCode})` : message;
}

/**
 * The code shown beside the message: Grid's code and HTTP status when Grid answered,
 * else our own category.
 * @param {{code?: string, gridCode?: string, httpStatus?: number}} err
 */
export function errorCodeLabel(err) {
  if (err?.gridCode) return err.httpStatus ? `${err.gridCode} · HTTP ${err.httpStatus}` : err.gridCode;
  return err?.code ?? ErrorCode.Unknown;
}
