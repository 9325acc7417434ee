// The Embedded Wallet PATCH dialog: toggle privateEnabled, show Grid's 202 challenge
// (requestId, expiry countdown, payloadToSign), sign with the sandbox shortcut, the session key
// or a pasted stamp, then show the updated account or Grid's exact 401 reason.

import * as bridge from './bridge.js';
import { errorCodeLabel, uiError } from './errors.js';
import { formatCountdown, formatDateTime, secondsUntil } from './format.js';

/** @typedef {import('./bridge.js').AccountView} AccountView */
/** @typedef {import('./bridge.js').ConnectionSummary} ConnectionSummary */

const dialog = /** @type {HTMLDialogElement} */ (document.getElementById('patch-dialog'));
const form = /** @type {HTMLFormElement} */ (document.getElementById('patch-form'));
const el = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const privateBox = /** @type {HTMLInputElement} */ (form.elements.namedItem('privateEnabled'));
const stampBox = /** @type {HTMLTextAreaElement} */ (form.elements.namedItem('stamp'));
const startButton = /** @type {HTMLButtonElement} */ (el('patch-start'));
const submitButton = /** @type {HTMLButtonElement} */ (el('patch-submit'));

/**
 * @type {{view: AccountView, connection: ConnectionSummary,
 *   challenge: {requestId: string, expiresAt: string, payloadToSign: string, privateEnabled: boolean} | null,
 *   onUpdated: (view: AccountView) => void} | null}
 */
let current = null;
/** @type {ReturnType<typeof setInterval> | undefined} */
let timer;

function methodInputs() {
  return /** @type {HTMLInputElement[]} */ ([...form.querySelectorAll('input[name=signMethod]')]);
}

function selectedMethod() {
  return methodInputs().find((r) => r.checked)?.value ?? '';
}

function syncStampField() {
  el('stamp-field').hidden = selectedMethod() !== 'stamp';
}

/** @param {unknown} err what went wrong, or null to hide the message */
function showError(err) {
  const box = el('patch-error');
  box.replaceChildren();
  if (!err) {
    box.hidden = true;
    return;
  }
  const code = document.createElement('strong');
  code.className = 'patch-error-code';
  code.textContent = errorCodeLabel(err);
  const message = document.createElement('span');
  message.textContent = ` ${uiError(err).message || 'Something went wrong.'}`;
  box.append(code, message);
  box.hidden = false;
}

/** @param {AccountView | null} view */
function showResult(view) {
  const box = el('patch-result');
  box.replaceChildren();
  if (!view) {
    box.hidden = true;
    return;
  }
  const title = document.createElement('strong');
  title.textContent = 'Updated. ';
  const text = document.createElement('span');
  const state = view.privateEnabled ? 'on' : 'off';
  text.textContent = `Private is now ${state} for ${view.id} (updated ${formatDateTime(view.updatedAt)}).`;
  text.dataset.privateEnabled = String(view.privateEnabled === true);
  box.append(title, text);
  box.hidden = false;
}

function stopTimer() {
  if (timer) clearInterval(timer);
  timer = undefined;
}

function tick() {
  if (!current?.challenge) return;
  const left = secondsUntil(current.challenge.expiresAt);
  const expiry = el('challenge-expiry');
  if (left <= 0) {
    expiry.textContent = `Expired (${formatDateTime(current.challenge.expiresAt)}). Request the change again.`;
    expiry.dataset.expired = 'true';
    submitButton.disabled = true;
    stopTimer();
  } else {
    expiry.textContent = `${formatCountdown(left)} left (until ${formatDateTime(current.challenge.expiresAt)})`;
    expiry.dataset.expired = 'false';
  }
}

function clearChallenge() {
  stopTimer();
  if (current) current.challenge = null;
  el('patch-challenge').hidden = true;
  el('challenge-request-id').textContent = '';
  el('challenge-payload').textContent = '';
  el('challenge-expiry').textContent = '';
  stampBox.value = '';
}

async function refreshSessionStatus() {
  const status = el('patch-session-status');
  status.textContent = '';
  try {
    const s = await bridge.sessionKeyStatus();
    status.textContent = s.configured
      ? `(public key ${s.publicKey?.slice(0, 10)}…)`
      : '(none saved: add one in Settings)';
  } catch (err) {
    const e = uiError(err);
    status.textContent = e.code === 'KeychainUnavailable' ? '(the keychain is not available)' : `(${e.message})`;
  }
}

/**
 * Opens the dialog for an embedded wallet.
 * @param {AccountView} view @param {ConnectionSummary} connection
 * @param {(view: AccountView) => void} onUpdated
 */
export function openPatchDialog(view, connection, onUpdated) {
  current = { view, connection, challenge: null, onUpdated };
  clearChallenge();
  showError(null);
  showResult(null);
  el('patch-account').textContent = `${view.id}${view.customerId ? ` · ${view.customerId}` : ''}`;
  const envChip = el('patch-env');
  envChip.textContent = connection.environment === 'production' ? 'PRODUCTION' : connection.environment === 'demo' ? 'Demo (offline)' : 'Sandbox';
  envChip.dataset.env = connection.environment;
  el('patch-current').textContent = `Private is currently ${view.privateEnabled == null ? 'not reported' : view.privateEnabled ? 'on' : 'off'}. Changing it needs a signature.`;
  // The checkbox shows the current value; the user toggles it, then requests the change.
  privateBox.checked = view.privateEnabled === true;
  const sandboxAllowed = connection.fundingAvailable;
  const sandboxRadio = methodInputs().find((r) => r.value === 'sandbox');
  el('method-sandbox').hidden = !sandboxAllowed;
  if (sandboxRadio) sandboxRadio.disabled = !sandboxAllowed;
  for (const r of methodInputs()) r.checked = sandboxAllowed ? r.value === 'sandbox' : r.value === 'sessionKey';
  syncStampField();
  startButton.disabled = false;
  submitButton.disabled = false;
  refreshSessionStatus();
  dialog.showModal();
  privateBox.focus();
}

async function start() {
  if (!current) return;
  const state = current;
  clearChallenge();
  showError(null);
  showResult(null);
  startButton.disabled = true;
  const privateEnabled = privateBox.checked;
  try {
    const answer = await bridge.startAccountUpdate({ accountId: state.view.id, privateEnabled });
    // The dialog was closed (or opened for another account) while Grid answered: the answer
    // belongs to a dialog that is gone. An account that changed still updates its card.
    if (current !== state) {
      if (answer.kind === 'updated') state.onUpdated(answer.account);
      return;
    }
    if (answer.kind === 'updated') {
      state.view = answer.account;
      showResult(answer.account);
      state.onUpdated(answer.account);
      return;
    }
    state.challenge = { ...answer, privateEnabled };
    el('challenge-request-id').textContent = answer.requestId;
    el('challenge-payload').textContent = answer.payloadToSign;
    el('patch-challenge').hidden = false;
    submitButton.disabled = false;
    tick();
    timer = setInterval(tick, 1000);
    submitButton.focus();
  } catch (err) {
    if (current === state) showError(err);
  } finally {
    if (current === state) startButton.disabled = false;
  }
}

async function submit() {
  const state = current;
  if (!state?.challenge) return;
  const method = selectedMethod();
  if (!method) {
    showError({ code: 'Validation', message: 'Choose how to sign.' });
    return;
  }
  if (method === 'stamp' && !stampBox.value.trim()) {
    showError({ code: 'Validation', message: 'Paste the stamp (the Grid-Wallet-Signature value) first.' });
    stampBox.focus();
    return;
  }
  showError(null);
  submitButton.disabled = true;
  try {
    // Rust signs the payload of the challenge it kept for this request id, not one sent from here.
    const updated = await bridge.completeAccountUpdate({
      accountId: state.view.id,
      requestId: state.challenge.requestId,
      method: /** @type {'sandbox'|'sessionKey'|'stamp'} */ (method),
      stamp: method === 'stamp' ? stampBox.value.trim() : undefined,
    });
    if (current !== state) {
      state.onUpdated(updated);
      return;
    }
    state.view = updated;
    el('patch-current').textContent = `Private is currently ${updated.privateEnabled ? 'on' : 'off'}.`;
    stopTimer();
    el('patch-challenge').hidden = true;
    showResult(updated);
    state.onUpdated(updated);
  } catch (err) {
    if (current !== state) return;
    showError(err);
    // Another try is possible only while the challenge lives.
    const challenge = state.challenge;
    submitButton.disabled = !challenge || secondsUntil(challenge.expiresAt) <= 0;
  }
}

startButton.addEventListener('click', start);
submitButton.addEventListener('click', submit);
for (const r of methodInputs()) r.addEventListener('change', syncStampField);
el('patch-close').addEventListener('click', () => dialog.close());
el('challenge-copy').addEventListener('click', async () => {
  const payload = current?.challenge?.payloadToSign;
  if (!payload) return;
  try {
    await bridge.copyText(payload);
    el('challenge-copy').textContent = 'Copied';
    setTimeout(() => { el('challenge-copy').textContent = 'Copy payload'; }, 1500);
  } catch (err) {
    showError(err);
  }
});
dialog.addEventListener('close', () => {
  stopTimer();
  current = null;
});
form.addEventListener('submit', (e) => e.preventDefault());
