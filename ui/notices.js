// Notices: what the window must be told that no click asked for — a settings file or the demo's
// data that could not be read and was kept aside (and where the copy is), a file owned by another
// Grid Desk. Rust keeps them (list_notices); each is shown once, until dismissed.

import * as bridge from './bridge.js';

const area = /** @type {HTMLElement} */ (document.getElementById('notices'));
/** Ids already on screen (or dismissed). @type {Set<number>} */
const shown = new Set();
let checking = false;

/** Shows the notices not shown yet. Safe to call often (after start, after each list load). */
export async function checkNotices() {
  if (checking) return;
  checking = true;
  try {
    for (const notice of await bridge.listNotices()) {
      if (shown.has(notice.id)) continue;
      shown.add(notice.id);
      area.append(render(notice));
    }
    area.hidden = area.childElementCount === 0;
  } catch {
    // A notice that cannot be fetched is not worth an error of its own; the next check retries.
  } finally {
    checking = false;
  }
}

/** @param {import('./bridge.js').Notice} notice */
function render(notice) {
  const box = document.createElement('div');
  box.className = 'notice';
  box.dataset.testid = 'notice';
  const text = document.createElement('p');
  text.className = 'notice-text';
  text.textContent = notice.message;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'button small';
  close.textContent = 'Dismiss';
  close.addEventListener('click', () => {
    box.remove();
    area.hidden = area.childElementCount === 0;
  });
  box.append(text, close);
  return box;
}
