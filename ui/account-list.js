// The account list shared by the three account tabs: pages of 100 are appended as a sentinel at
// the end of the list scrolls into view (IntersectionObserver), each page built in a
// DocumentFragment and put into chunks that far from the view are parked (chunks.js); QR codes
// are drawn lazily (cards.js). The cards' actions (copy, QR, funding, wallet settings, print) and
// the print ticks are handled here by delegation, so 10,000 cards add no listeners.
//
// The shell (main.js) asks for a query with `showAccounts`, and learns of ticks through
// `onSelectionChange`; nothing else of the list is its business.

import * as bridge from './bridge.js';
import {
  commonCardClick, dehydrateAccountCard, hydrateAccountCard, initLazyQr, observeQrs,
  renderAccountCard, renderExternalCard, resetLazyQr, updateAccountCard,
} from './cards.js';
import { ChunkedCards } from './chunks.js';
import { ErrorCode, uiError } from './errors.js';
import { checkNotices } from './notices.js';
import { groupDigits } from './format.js';
import { fundAnswers, fundFromForm, fundPreset, setUpFunding, validateInput } from './funding.js';
import { hideBanner, showBanner, toastError } from './notify.js';
import { openPatchDialog } from './patch.js';
import { copyInstructions, emailInstructions, openPrintDialog } from './print.js';
import { AccountViews } from './views.js';

/** @typedef {import('./bridge.js').AccountView} AccountView */
/** @typedef {import('./bridge.js').ConnectionSummary} ConnectionSummary */
/** @typedef {import('./bridge.js').ExternalAccountView} ExternalAccountView */
/** @typedef {import('./bridge.js').UiError} UiError */
/** @typedef {import('./toolbar.js').ListQuery} ListQuery */

const PAGE_SIZE = 100;
/** The first screenful of a list is complete at once; the rest fill in as they come near. */
const HYDRATE_FIRST = 24;
const FIRST_CARD_MARK = 'first-account-card';
const el = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const list = el('account-list');
const cards = el('cards');
const sentinel = el('load-more-sentinel');
const listStatus = el('list-status');
const emptyState = el('empty-state');

/**
 * Last-known accounts (issue 13): while the first page is asked of Grid, the list as the
 * connection last returned it is shown "as of 10:42"; this is that label until Grid answers.
 * @type {string | null}
 */
let asOf = null;
/**
 * Lists opened on their kept copy this session (`connection|tab`): only the first showing of a
 * list opens on it at once; later reloads wait for Grid, and fall back to it if Grid fails.
 * @type {Set<string>}
 */
const openedKept = new Set();

/** @type {{connection: () => ConnectionSummary | null, onSelectionChange: (count: number) => void}} */
let hooks = { connection: () => null, onSelectionChange: () => {} };

/** What is listed; null until the shell first asks. @type {ListQuery | null} */
let query = null;
/** Account views by id, for the delegated handlers (kept as text; see views.js). */
const views = new AccountViews();
/** Account ids ticked for printing (cleared whenever the list is reloaded). @type {Set<string>} */
const selected = new Set();

/** The list being shown; `generation` makes answers to an older query harmless. */
const listing = {
  generation: 0,
  loading: false,
  hasMore: false,
  /** @type {string | undefined} */
  cursor: undefined,
  loaded: 0,
  /** @type {number | undefined} */
  total: undefined,
};

/**
 * @param {Element} card
 * @returns {card is HTMLElement}
 */
const isAccountCard = (card) => card instanceof HTMLElement && card.classList.contains('account-card');

const chunks = new ChunkedCards({
  scrollRoot: list,
  container: cards,
  parkable: isAccountCard,
  fill(card) {
    const item = views.get(card.dataset.accountId ?? '');
    const connection = hooks.connection();
    if (!item || !connection) return false;
    hydrateAccountCard(card, item, connection.fundingAvailable ? setUpFunding : null);
    return true;
  },
  empty: dehydrateAccountCard,
  rebuild(id) {
    const item = views.get(id);
    const connection = hooks.connection();
    return item && connection ? shellCard(item, connection) : null;
  },
});

// ----- the list ----------------------------------------------------------------------------

/**
 * Shows a query's accounts from the top (ticks are cleared).
 * @param {ListQuery} next
 */
export function showAccounts(next) {
  query = next;
  reload();
}

/** The account ids ticked for printing. */
export function selectedAccountIds() {
  return [...selected];
}

function reload() {
  clearList();
  loadMore();
}

function clearList() {
  listing.generation += 1;
  listing.loading = false;
  listing.hasMore = false;
  listing.cursor = undefined;
  listing.loaded = 0;
  listing.total = undefined;
  views.clear();
  asOf = null;
  selected.clear();
  hooks.onSelectionChange(0);
  resetLazyQr();
  chunks.clear();
  emptyState.hidden = true;
  list.scrollTop = 0;
}

function updateStatus() {
  const noun = query?.tab === 'external' ? 'external account' : 'account';
  const n = listing.loaded;
  let text = `${groupDigits(String(n))} ${noun}${n === 1 ? '' : 's'}`;
  if (listing.total != null && listing.total > n) text += ` of ${groupDigits(String(listing.total))}`;
  if (asOf) text += ` · ${asOf}`;
  if (listing.loading) text += asOf ? ' · refreshing…' : ' · loading…';
  else if (asOf) text += ' · Grid could not be reached';
  else if (listing.hasMore) text += ' · scroll for more';
  listStatus.textContent = text;
  if (asOf) listStatus.dataset.asOf = asOf;
  else delete listStatus.dataset.asOf;
  // How many items the list holds, parked or not (for tests and benchmarks).
  list.dataset.loaded = String(n);
  sentinel.dataset.state = listing.loading ? 'loading' : listing.hasMore ? 'more' : 'end';
  sentinel.textContent = listing.loading ? 'Loading…' : '';
}

/** @param {AccountView[]} items */
function appendAccounts(items) {
  const connection = hooks.connection();
  if (!connection) return;
  const created = items.map((item, i) => {
    views.set(item.id, item);
    const card = shellCard(item, connection);
    if (listing.loaded + i < HYDRATE_FIRST) chunks.fill(card);
    return card;
  });
  chunks.append(created);
  // For the app benchmark (tests/e2e/benches/app.rs): when the first cards were on the page.
  if (created.length && !performance.getEntriesByName(FIRST_CARD_MARK).length) performance.mark(FIRST_CARD_MARK);
}

/**
 * A light card (see cards.js) with its print tick as the user left it.
 * @param {AccountView} item @param {ConnectionSummary} connection
 */
function shellCard(item, connection) {
  const card = renderAccountCard(item, connection);
  const box = /** @type {HTMLInputElement} */ (card.querySelector('.select-account'));
  box.setAttribute('aria-label', `Select ${item.currencyCode ?? ''} account ${item.id} for printing`);
  box.checked = selected.has(item.id);
  return card;
}

/** @param {ExternalAccountView[]} items */
function appendExternal(items) {
  const created = items.map(renderExternalCard);
  chunks.append(created);
  for (const card of created) observeQrs(card);
}

// ----- in progress, and Cancel (issue 10) --------------------------------------------------

const progress = el('list-progress');
const progressText = el('list-progress-text');
/** Shown only when a listing takes longer than this, so quick answers do not flicker. */
const PROGRESS_AFTER_MS = 250;
let listingSeq = 0;
/** The listing in flight: its id (for cancel_listing) and its timers. */
const inFlight = {
  /** @type {string | null} */ id: null,
  started: 0,
  /** @type {ReturnType<typeof setInterval> | undefined} */ timer: undefined,
};

/** @param {string} id */
function progressStarted(id) {
  progressEnded();
  inFlight.id = id;
  inFlight.started = performance.now();
  const tick = () => {
    const ms = performance.now() - inFlight.started;
    if (ms < PROGRESS_AFTER_MS) return;
    progress.hidden = false;
    progressText.textContent = `Loading accounts from Grid… ${Math.floor(ms / 1000)} s`;
  };
  inFlight.timer = setInterval(tick, 250);
}

function progressEnded() {
  clearInterval(inFlight.timer);
  inFlight.timer = undefined;
  inFlight.id = null;
  progress.hidden = true;
}

/** Cancel: the listing in flight stops (Rust drops its request); its answer is never shown. */
async function cancelListing() {
  const id = inFlight.id;
  if (!id) return;
  progressText.textContent = 'Cancelling…';
  try {
    await bridge.cancelListing(id);
  } catch (err) {
    toastError(err);
  }
}

el('list-cancel').addEventListener('click', cancelListing);

/** Loads the next page (or the whole platform list). */
async function loadMore() {
  const q = query;
  if (!q || listing.loading) return;
  const generation = listing.generation;
  const first = listing.loaded === 0 && !listing.cursor;
  listing.loading = true;
  updateStatus();
  listingSeq += 1;
  const listingId = `${q.tab}-${listingSeq}`;
  progressStarted(listingId);
  try {
    if (q.tab === 'platform') {
      const live = bridge.listPlatformAccounts({ currency: q.currency, type: q.type, listingId });
      const kept = { list: /** @type {const} */ ('platform'), currency: q.currency, type: q.type };
      const items = await withLastKnown(generation, first, kept, live);
      if (generation !== listing.generation) return;
      dropLastKnown();
      appendAccounts(items);
      listing.loaded = items.length;
      listing.hasMore = false;
    } else if (q.tab === 'customers') {
      const live = bridge.listCustomerAccounts({
        customerId: q.customerId, currency: q.currency, type: q.type, cursor: listing.cursor, limit: PAGE_SIZE, listingId,
      });
      const kept = { list: /** @type {const} */ ('customers'), customerId: q.customerId, currency: q.currency, type: q.type };
      const page = await withLastKnown(generation, first, kept, live);
      if (generation !== listing.generation) return;
      dropLastKnown();
      addPage(page, appendAccounts);
    } else {
      const platform = q.owner !== 'customer';
      const page = await bridge.listExternalAccounts({
        platform, customerId: platform ? undefined : q.customerId, currency: q.currency, cursor: listing.cursor, limit: PAGE_SIZE, listingId,
      });
      if (generation !== listing.generation) return;
      addPage(page, appendExternal);
    }
    hideBanner();
    listing.loading = false;
    if (first && listing.loaded === 0) {
      emptyState.textContent = emptyText(q);
      emptyState.hidden = false;
    }
    updateStatus();
    // The sentinel may still be in view after a short page: look again.
    if (listing.hasMore) {
      sentinelObserver.unobserve(sentinel);
      sentinelObserver.observe(sentinel);
    }
  } catch (err) {
    if (generation !== listing.generation) return;
    listing.loading = false;
    // With the last-known list on screen, it stays, marked "as of".
    const kept = asOf != null;
    listing.hasMore = kept ? false : listing.hasMore;
    updateStatus();
    if (uiError(err).code === ErrorCode.Cancelled) {
      const nothingShown = first && !kept;
      listStatus.textContent = nothingShown ? 'Loading cancelled' : `${listStatus.textContent} · cancelled`;
      if (nothingShown) {
        emptyState.textContent = 'Loading was cancelled. Press Refresh to load the accounts again.';
        emptyState.hidden = false;
      }
      return;
    }
    if (first && !kept) listStatus.textContent = 'Not loaded';
    showBanner(err, () => (first ? reload() : loadMore()));
  } finally {
    if (inFlight.id === listingId) progressEnded();
    // Loading may have started the demo, which may have set its data aside: say so.
    checkNotices();
  }
}

/**
 * Waits for Grid's answer `live`. The first time this session a list is shown, its kept copy
 * is put on screen at once meanwhile; when Grid fails, the kept copy stays (or is shown now).
 * @template T
 * @param {number} generation @param {boolean} first the list's first page
 * @param {{list: 'platform'|'customers', customerId?: string, currency?: string, type?: string}} request
 * @param {Promise<T>} live
 * @returns {Promise<T>}
 */
async function withLastKnown(generation, first, request, live) {
  if (!first) return live;
  const key = `${hooks.connection()?.id ?? ''}|${request.list}`;
  if (!openedKept.has(key)) {
    openedKept.add(key);
    await showLastKnown(generation, request);
  }
  try {
    return await live;
  } catch (err) {
    if (asOf == null) await showLastKnown(generation, request);
    throw err;
  }
}

/**
 * Shows the list as the connection last returned it (kept by Rust), marked "as of", while
 * Grid is asked again. Nothing is shown when none was kept.
 * @param {number} generation
 * @param {{list: 'platform'|'customers', customerId?: string, currency?: string, type?: string}} request
 */
async function showLastKnown(generation, request) {
  let kept = null;
  try {
    kept = await bridge.lastKnownAccounts({ ...request, utcOffsetMinutes: -new Date().getTimezoneOffset() });
  } catch {
    return;
  }
  // Grid may have answered first: then the live list is shown, not this.
  if (!kept || !kept.items.length || generation !== listing.generation || !listing.loading) return;
  appendAccounts(kept.items);
  listing.loaded = kept.items.length;
  listing.total = kept.totalCount;
  asOf = kept.asOfLabel;
  updateStatus();
}

/** Grid answered: the last-known cards make way for the live ones (ticks stay). */
function dropLastKnown() {
  if (asOf == null) return;
  asOf = null;
  views.clear();
  resetLazyQr();
  chunks.clear();
  listing.loaded = 0;
  listing.total = undefined;
}

/**
 * Appends a page's items and moves the cursor on.
 * @template T
 * @param {import('./bridge.js').Page<T>} page @param {(items: T[]) => void} append
 */
function addPage(page, append) {
  append(page.items);
  listing.loaded += page.items.length;
  listing.hasMore = page.hasMore;
  listing.cursor = page.nextCursor;
  listing.total = page.totalCount;
}

/** @param {ListQuery} q */
function emptyText(q) {
  const filtered = q.currency || (q.tab !== 'external' && q.type) || q.customerId;
  if (filtered) return 'No accounts match these filters.';
  return q.tab === 'external' ? 'No external accounts yet.' : 'No accounts yet.';
}

const sentinelObserver = new IntersectionObserver(
  (entries) => {
    if (entries.some((e) => e.isIntersecting) && listing.hasMore && !listing.loading) loadMore();
  },
  { root: list, rootMargin: '0px 0px 1200px 0px' },
);

// ----- actions on cards (delegated) --------------------------------------------------------

/** @param {Element} node */
function cardOf(node) {
  const card = /** @type {HTMLElement | null} */ (node.closest('.account-card'));
  const item = card ? views.get(card.dataset.accountId ?? '') : undefined;
  return { card, item };
}

/** @param {AccountView} updated */
function accountChanged(updated) {
  views.set(updated.id, updated);
  const card = /** @type {HTMLElement | null} */ (cards.querySelector(`[data-account-id="${CSS.escape(updated.id)}"]`));
  if (card) updateAccountCard(card, updated);
}

/** What a fund from this view's cards says, and where the new balance goes. */
const fundCallbacks = fundAnswers(accountChanged);

/** @param {MouseEvent} e */
async function clicked(e) {
  const button = e.target instanceof Element ? e.target.closest('button') : null;
  if (!button) return;
  // Double-click guard of the fund buttons, copy, QR: as in every view of a card.
  if (await commonCardClick(e, button)) return;
  const { card, item } = cardOf(button);
  if (!card || !item) return;
  const connection = hooks.connection();
  switch (button.dataset.action) {
    case 'fund-preset':
      await fundPreset(button, card, item, fundCallbacks);
      break;
    case 'wallet-settings':
      if (connection) openPatchDialog(item, connection, accountChanged);
      break;
    case 'print-account':
      openPrintDialog({ kind: 'accounts', accountIds: [item.id] }, `${item.currencyCode ?? ''} account ${item.id}`.trim(), connection);
      break;
    case 'copy-all':
      await copyInstructions({ kind: 'accounts', accountIds: [item.id] });
      break;
    case 'email-account':
      await emailInstructions({ kind: 'accounts', accountIds: [item.id] });
      break;
    default:
  }
}

/** @param {SubmitEvent} e */
async function submitted(e) {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains('fund-form')) return;
  e.preventDefault();
  const { card, item } = cardOf(form);
  if (card && item) await fundFromForm(form, card, item, fundCallbacks);
}

/** @type {WeakMap<HTMLElement, ReturnType<typeof setTimeout>>} */
const inputTimers = new WeakMap();

/** @param {Event} e */
function typed(e) {
  const input = e.target;
  if (!(input instanceof HTMLInputElement) || input.name !== 'amount') return;
  const { card, item } = cardOf(input);
  if (!card || !item) return;
  clearTimeout(inputTimers.get(card));
  inputTimers.set(card, setTimeout(() => validateInput(card, item, input), 200));
}

/** A print tick changed. @param {Event} e */
function ticked(e) {
  const box = e.target;
  if (!(box instanceof HTMLInputElement) || !box.matches('.select-account')) return;
  const id = /** @type {HTMLElement | null} */ (box.closest('.account-card'))?.dataset.accountId;
  if (!id) return;
  if (box.checked) selected.add(id);
  else selected.delete(id);
  hooks.onSelectionChange(selected.size);
}

/**
 * Starts the list's observers and handlers (once).
 * @param {{connection: () => ConnectionSummary | null, onSelectionChange: (count: number) => void}} h
 *   the active connection (its environment and funding shape the cards); told how many
 *   accounts are ticked whenever that changes
 */
export function initAccountList(h) {
  hooks = h;
  initLazyQr(list);
  sentinelObserver.observe(sentinel);
  cards.addEventListener('click', clicked);
  cards.addEventListener('submit', submitted);
  cards.addEventListener('input', typed);
  cards.addEventListener('change', ticked);
}
