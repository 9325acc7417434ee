// Display helpers. Money is never computed here: balances arrive formatted from Rust
// (MoneyView.display) and amounts travel as integers in smallest units.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "21 Nov 2025, 14:03", or the raw text when it is not a date. */
export function formatDateTime(/** @type {string} */ iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

/** Seconds left until `iso`, never negative. */
export function secondsUntil(/** @type {string} */ iso) {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return 0;
  return Math.max(0, Math.round((t - Date.now()) / 1000));
}

/** 305 → "5:05". */
export function formatCountdown(/** @type {number} */ seconds) {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

/** Thousands separators for a whole number given as a string of digits ("10000" → "10,000"). */
export function groupDigits(/** @type {string} */ digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
