// The remembered workspace (issue 13 item 7): the last tab and its filters come back after a
// restart (ui-preferences.json, owned by Rust's Preferences service); the connection is
// remembered by Rust itself, and the window's size and position by the window-state plugin.
// Views (cards/table) saved by other parts of the window are kept as they are.

import * as bridge from './bridge.js';

/** @typedef {import('./bridge.js').UiPreferences} UiPreferences */

/** @type {UiPreferences} */
let remembered = { views: {}, filters: {} };

/** What was remembered; the defaults when nothing was or it could not be read. */
export async function loadRemembered() {
  try {
    remembered = await bridge.getPreferences();
  } catch {
    remembered = { views: {}, filters: {} };
  }
  return remembered;
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let saveTimer;

/**
 * Remembers the tab shown and its filters (saved shortly after the last change).
 * @param {string} tab @param {Record<string, string> | undefined} filters (none for Settings)
 */
export function remember(tab, filters) {
  const next = { ...remembered, lastTab: tab, filters: { ...remembered.filters } };
  if (filters) {
    /** @type {Record<string, string>} */
    const kept = {};
    for (const [k, v] of Object.entries(filters)) if (v) kept[k] = v;
    next.filters[tab] = kept;
  }
  remembered = next;
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    bridge.savePreferences(remembered).catch(() => {
      // Forgetting how the window was left is not worth interrupting anyone.
    });
  }, 200);
}
