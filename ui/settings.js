// Settings: connections (add, test, switch, edit, delete), the session signing key of the
// active connection, and the demo reset. Secrets go straight to Rust and the keychain; the
// window never gets them back (only "configured" / "missing").

import * as bridge from './bridge.js';
import { copyFromButton } from './cards.js';
import { errorText } from './errors.js';
import { toast, toastError } from './notify.js';

/** @typedef {import('./bridge.js').ConnectionSummary} ConnectionSummary */
/** @typedef {import('./bridge.js').AppStateView} AppStateView */

const el = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const rows = el('connection-rows');
const rowTpl = /** @type {HTMLElement} */ (
  /** @type {HTMLTemplateElement} */ (document.getElementById('tpl-connection-row')).content.firstElementChild
);
const form = /** @type {HTMLFormElement} */ (document.getElementById('connection-form'));
const formError = el('connection-error');
const testResult = el('connection-test-result');

const CREDENTIALS_LABEL = Object.freeze({
  configured: 'In keychain',
  missing: 'Missing',
  unavailable: 'Keychain locked or unavailable',
});

/** @type {{onChanged: (switched: boolean) => Promise<void>, state: () => AppStateView | null}} */
let hooks = { onChanged: async () => {}, state: () => null };

/** @param {HTMLInputElement | HTMLSelectElement} input */
const value = (input) => input.value;
const field = (/** @type {string} */ name) =>
  /** @type {HTMLInputElement} */ (form.elements.namedItem(name));

/** @param {string} [message] */
function setFormError(message) {
  formError.textContent = message ?? '';
  formError.hidden = !message;
}

/** @param {string} text @param {'ok'|'error'|''} tone */
function setTestResult(text, tone) {
  testResult.textContent = text;
  testResult.dataset.tone = tone;
}

function resetForm() {
  form.reset();
  field('id').value = '';
  field('baseUrl').value = '';
  field('tokenId').placeholder = '';
  field('clientSecret').placeholder = '';
  el('connection-form-title').textContent = 'Add a connection';
  el('connection-cancel').hidden = true;
  setFormError();
  setTestResult('', '');
}

/** @param {ConnectionSummary} c */
function editConnection(c) {
  resetForm();
  field('id').value = c.id;
  field('name').value = c.name;
  /** @type {HTMLSelectElement} */ (/** @type {unknown} */ (field('environment'))).value = c.environment;
  field('baseUrl').value = c.baseUrl;
  const keep = c.credentials === 'missing' ? 'Not set' : 'Stored in the keychain — leave empty to keep';
  field('tokenId').placeholder = keep;
  field('clientSecret').placeholder = keep;
  el('connection-form-title').textContent = `Edit “${c.name}”`;
  el('connection-cancel').hidden = false;
  field('name').focus();
}

/** Saves the form; returns the saved connection or null. */
async function saveForm() {
  setFormError();
  const id = field('id').value;
  const input = {
    id: id || undefined,
    name: value(field('name')),
    environment: value(field('environment')),
    baseUrl: value(field('baseUrl')),
    tokenId: value(field('tokenId')),
    clientSecret: value(field('clientSecret')),
  };
  if (!input.name.trim()) {
    setFormError('Give the connection a name.');
    field('name').focus();
    return null;
  }
  if (!id && (!input.tokenId.trim() || !input.clientSecret.trim())) {
    setFormError('Enter both the API token id and the client secret.');
    (input.tokenId.trim() ? field('clientSecret') : field('tokenId')).focus();
    return null;
  }
  try {
    const saved = await bridge.saveConnection(input);
    // The secret fields are cleared at once: nothing secret lingers in the page.
    field('tokenId').value = '';
    field('clientSecret').value = '';
    field('id').value = saved.id;
    field('tokenId').placeholder = 'Stored in the keychain — leave empty to keep';
    field('clientSecret').placeholder = 'Stored in the keychain — leave empty to keep';
    el('connection-form-title').textContent = `Edit “${saved.name}”`;
    el('connection-cancel').hidden = false;
    await hooks.onChanged(false);
    return saved;
  } catch (err) {
    setFormError(errorText(err));
    return null;
  }
}

/** @param {string} id @param {(text: string, tone: 'ok'|'error'|'') => void} report */
async function runTest(id, report) {
  report('Testing…', '');
  try {
    const result = await bridge.testConnection(id);
    report(result.message, 'ok');
    toast(result.message, { kind: 'success' });
  } catch (err) {
    const text = errorText(err);
    report(text, 'error');
    toastError(err);
  }
}

/** @param {AppStateView} state */
export function renderSettings(state) {
  const fragment = document.createDocumentFragment();
  for (const c of state.connections) {
    const row = /** @type {HTMLElement} */ (rowTpl.cloneNode(true));
    row.dataset.connectionId = c.id;
    row.dataset.env = c.environment;
    const active = c.id === state.active.id;
    if (active) row.classList.add('active');
    const name = /** @type {HTMLElement} */ (row.querySelector('.c-name'));
    name.textContent = c.name;
    if (active) {
      const tag = document.createElement('span');
      tag.className = 'active-tag';
      tag.textContent = 'Active';
      name.append(' ', tag);
    }
    const env = /** @type {HTMLElement} */ (row.querySelector('.c-env'));
    env.textContent = c.environmentLabel;
    env.dataset.env = c.environment;
    /** @type {HTMLElement} */ (row.querySelector('.c-url')).textContent = c.baseUrl;
    const cred = /** @type {HTMLElement} */ (row.querySelector('.c-cred'));
    cred.textContent = c.environment === 'demo' ? 'Built in' : CREDENTIALS_LABEL[c.credentials] ?? c.credentials;
    cred.title = c.credentials === 'unavailable'
      ? 'The system keychain is locked or not running, so Grid Desk cannot tell. Unlock it and reopen Settings.'
      : '';
    cred.dataset.state = c.credentials;
    const switchButton = /** @type {HTMLButtonElement} */ (row.querySelector('[data-action=switch]'));
    switchButton.disabled = active;
    switchButton.textContent = active ? 'In use' : 'Use';
    switchButton.setAttribute('aria-label', active ? `In use: ${c.name}` : `Use ${c.name}`);
    row.querySelector('[data-action=test]')?.setAttribute('aria-label', `Test ${c.name}`);
    const edit = /** @type {HTMLButtonElement} */ (row.querySelector('[data-action=edit]'));
    const del = /** @type {HTMLButtonElement} */ (row.querySelector('[data-action=delete]'));
    edit.setAttribute('aria-label', `Edit ${c.name}`);
    del.setAttribute('aria-label', `Delete ${c.name}`);
    if (c.readOnly) {
      edit.remove();
      del.remove();
    }
    fragment.append(row);
  }
  rows.replaceChildren(fragment);
  el('session-key-conn').textContent = `· ${state.active.name}`;
  el('demo-reset').hidden = !state.connections.some((c) => c.environment === 'demo');
  refreshSessionKey();
}

async function refreshSessionKey() {
  const out = el('session-key-public');
  setKeyError();
  try {
    const status = await bridge.sessionKeyStatus();
    showPublicKey(status.configured ? status.publicKey ?? '' : null);
  } catch (err) {
    showPublicKey(null);
    out.textContent = 'Unknown';
    setKeyError(errorText(err));
  }
}

/** The saved key's public half (to register with Grid), or none. @param {string | null} publicKey */
function showPublicKey(publicKey) {
  const out = el('session-key-public');
  out.textContent = publicKey ?? 'None saved';
  out.dataset.configured = String(publicKey != null);
  const copy = el('session-key-copy');
  copy.hidden = publicKey == null;
  copy.dataset.copyValue = publicKey ?? '';
}

/** @param {string} [message] */
function setKeyError(message) {
  const box = el('session-key-error');
  box.textContent = message ?? '';
  box.hidden = !message;
}

/**
 * @param {{onChanged: (switched: boolean) => Promise<void>, state: () => AppStateView | null}} h
 */
export function initSettings(h) {
  hooks = h;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const saved = await saveForm();
    if (saved) toast(`Saved “${saved.name}”. Its secrets are in the system keychain.`, { kind: 'success' });
  });
  el('connection-test').addEventListener('click', async () => {
    setTestResult('', '');
    // Test what is in the form: save it first (new or changed), then ask Grid.
    const saved = await saveForm();
    if (saved) await runTest(saved.id, setTestResult);
  });
  el('connection-cancel').addEventListener('click', resetForm);

  rows.addEventListener('click', async (e) => {
    const button = /** @type {HTMLElement} */ (e.target).closest('button');
    const row = /** @type {HTMLElement | null} */ (button?.closest('.connection-row'));
    if (!button || !row) return;
    const id = row.dataset.connectionId ?? '';
    const connection = hooks.state()?.connections.find((c) => c.id === id);
    if (!connection) return;
    switch (button.dataset.action) {
      case 'switch':
        await switchTo(id);
        break;
      case 'test':
        await runTest(id, () => {});
        break;
      case 'edit':
        editConnection(connection);
        break;
      case 'delete':
        if (!confirmed(button, 'Click again to delete')) break;
        try {
          button.setAttribute('disabled', '');
          await bridge.deleteConnection(id);
          if (field('id').value === id) resetForm();
          toast(`Deleted “${connection.name}” and its keychain entries.`, { kind: 'success' });
          await hooks.onChanged(true);
        } catch (err) {
          button.removeAttribute('disabled');
          toastError(err);
        }
        break;
      default:
    }
  });

  el('session-key-save').addEventListener('click', async () => {
    const input = /** @type {HTMLInputElement} */ (el('session-key-input'));
    setKeyError();
    if (!input.value.trim()) {
      setKeyError('Paste the private key first (64 hexadecimal characters).');
      input.focus();
      return;
    }
    try {
      const { publicKey } = await bridge.saveSessionKey(input.value);
      input.value = '';
      showPublicKey(publicKey);
      toast('Session key saved in the keychain.', { kind: 'success' });
    } catch (err) {
      setKeyError(errorText(err));
    }
  });
  el('session-key-generate').addEventListener('click', async () => {
    const button = el('session-key-generate');
    // A saved key may already be registered with Grid: replacing it needs a second click.
    const saved = el('session-key-public').dataset.configured === 'true';
    if (saved && !confirmed(button, 'Click again to replace the saved key')) return;
    setKeyError();
    try {
      const { publicKey } = await bridge.generateSessionKey();
      showPublicKey(publicKey);
      toast('New session key generated and saved. Register its public key with Grid.', { kind: 'success' });
    } catch (err) {
      setKeyError(errorText(err));
    }
  });
  el('session-key-copy').addEventListener('click', () => copyFromButton(el('session-key-copy')));
  el('session-key-delete').addEventListener('click', async () => {
    if (!confirmed(el('session-key-delete'), 'Click again to remove the key')) return;
    setKeyError();
    try {
      await bridge.deleteSessionKey();
      await refreshSessionKey();
      toast('Session key removed.', { kind: 'success' });
    } catch (err) {
      setKeyError(errorText(err));
    }
  });
  el('demo-reset').addEventListener('click', async () => {
    const button = /** @type {HTMLButtonElement} */ (el('demo-reset'));
    if (!confirmed(button, 'Click again to reset all demo balances')) return;
    button.disabled = true;
    try {
      await bridge.resetDemo();
      toast('Demo data reset: balances are back to the starting seed.', { kind: 'success' });
      await hooks.onChanged(false);
    } catch (err) {
      toastError(err);
    } finally {
      button.disabled = false;
    }
  });
}

/** A confirming click sooner than this after arming is the tail of a double click. */
const CONFIRM_PAUSE_MS = 500;

/**
 * Two-step confirmation for actions that lose something: the first click arms the button
 * ("Click again to …") for a few seconds, a second, separate click goes ahead.
 * @param {HTMLElement} button
 * @param {string} prompt
 * @returns {boolean} true when this click confirms
 */
function confirmed(button, prompt) {
  if (button.dataset.confirm === 'armed') {
    // The second click of a double click is not a decision: the armed state stays.
    if (performance.now() - Number(button.dataset.armedAt ?? 0) < CONFIRM_PAUSE_MS) return false;
    delete button.dataset.confirm;
    button.textContent = button.dataset.label ?? button.textContent;
    return true;
  }
  button.dataset.label = button.textContent ?? '';
  button.dataset.confirm = 'armed';
  button.dataset.armedAt = String(performance.now());
  button.textContent = prompt;
  window.setTimeout(() => {
    if (button.dataset.confirm === 'armed') {
      delete button.dataset.confirm;
      button.textContent = button.dataset.label ?? '';
    }
  }, 5000);
  return false;
}

/** @param {string} id */
export async function switchTo(id) {
  try {
    const c = await bridge.switchConnection(id);
    toast(`Now using “${c.name}” (${c.environmentLabel}).`, { kind: 'success' });
    await hooks.onChanged(true);
  } catch (err) {
    toastError(err);
    await hooks.onChanged(false);
  }
}
