// Grid Desk's window: tabs, the connection badge, and one account list shared by the three
// account tabs. Pages of 100 are appended as a sentinel at the end of the list scrolls into
// view (IntersectionObserver), each page built in a DocumentFragment; QR codes are drawn
// lazily (cards.js). Clicks are handled by delegation, so 10,000 cards add no listeners.

import * as bridge from './bridge.js';
import {
  copyFromButton, dehydrateAccountCard, hydrateAccountCard, initLazyQr, loadQr, observeQrs,
  renderAccountCard, renderExternalCard, resetLazyQr, updateAccountCard,
} from './cards.js';
import { groupDigits } from './format.js';
import { fundFromForm, fundPreset, setUpFunding, validateInput } from './funding.js';
import { hideBanner, showBanner, toast, toastError } from './notify.js';
import { openPatchDialog } from './patch.js';
import { openPrintDialog } from './print.js';
import { initSettings, renderSettings, switchTo } from './settings.js';
import { AccountViews } from './views.js';

/** @typedef {import('./bridge.js').AccountView} AccountView */
/** @typedef {import('./bridge.js').AppStateView} AppStateView */
/** @typedef {'platform'|'customers'|'external'|'settings'} View */

const PAGE_SIZE = 100;
const FIRST_CARD_MARK = 'first-account-card';
const el = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const list = el('account-list');
const cards = el('cards');
const sentinel = el('load-more-sentinel');
const listStatus = el('list-status');
const emptyState = el('empty-state');
const customerInput = /** @type {HTMLInputElement} */ (el('customer-search'));
const currencyInput = /** @type {HTMLInputElement} */ (el('currency-filter'));
const typeSelect = /** @type {HTMLSelectElement} */ (el('type-filter'));
const scopeSelect = /** @type {HTMLSelectElement} */ (el('external-scope'));

/** @type {AppStateView | null} */
let appState = null;
/** @type {View} */
let view = 'platform';
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

const TITLES = {
  platform: 'Platform accounts',
  customers: 'Customer accounts',
  external: 'External accounts',
  settings: 'Settings',
};

function activeConnection() {
  return appState?.active ?? null;
}

// ----- connection and environment marking --------------------------------------------------

/**
 * The type filter offers what Rust lists (labels included); the choice is kept.
 * @param {{value: string, label: string}[]} types
 */
function fillTypeFilter(types) {
  const chosen = typeSelect.value;
  const all = /** @type {HTMLOptionElement} */ (typeSelect.options[0]);
  const options = types.map((t) => new Option(t.label, t.value, false, t.value === chosen));
  typeSelect.replaceChildren(all, ...options);
}

/** @param {AppStateView} state */
function applyConnection(state) {
  appState = state;
  const c = state.active;
  document.body.dataset.env = c.environment;
  const badge = el('connection-badge');
  const label = c.environmentLabel;
  // The name is in the connection menu beside it; the badge says what kind of money this is.
  badge.textContent = label;
  badge.title = c.environment === 'demo' ? label : `${c.name} · ${label}`;
  badge.dataset.env = c.environment;
  const band = el('env-band');
  band.textContent =
    c.environment === 'production'
      ? `${label} · ${c.name} · real money — sandbox funding is off`
      : c.environment === 'demo'
        ? `${label} · a Grid simulator on this computer — nothing here is real`
        : '';
  const select = /** @type {HTMLSelectElement} */ (el('connection-select'));
  const fragment = document.createDocumentFragment();
  for (const conn of state.connections) {
    const option = document.createElement('option');
    option.value = conn.id;
    const envLabel = conn.environmentLabel;
    option.textContent = conn.environment === 'demo' ? envLabel : `${conn.name} (${envLabel})`;
    option.title = option.textContent;
    option.selected = conn.id === c.id;
    fragment.append(option);
  }
  select.replaceChildren(fragment);
  select.dataset.env = c.environment;
  fillTypeFilter(state.accountTypes);
  renderSettings(state);
}

async function loadAppState() {
  const state = await bridge.appState();
  applyConnection(state);
  return state;
}

// ----- tabs --------------------------------------------------------------------------------

/** @param {View} next */
function showView(next) {
  view = next;
  for (const tab of document.querySelectorAll('.tab')) {
    const t = /** @type {HTMLElement} */ (tab);
    t.setAttribute('aria-selected', String(t.dataset.view === next));
  }
  const accounts = next !== 'settings';
  el('accounts-view').hidden = !accounts;
  el('settings-view').hidden = accounts;
  if (!accounts) {
    hideBanner();
    return;
  }
  el('accounts-heading').textContent = TITLES[next];
  const external = next === 'external';
  el('scope-field').hidden = !external;
  el('customer-field').hidden = !(next === 'customers' || (external && scopeSelect.value === 'customer'));
  el('type-field').hidden = external;
  el('print-all').hidden = next !== 'platform';
  updatePrintButtons();
  reload();
}

// ----- the list ----------------------------------------------------------------------------

function clearList() {
  listing.generation += 1;
  listing.loading = false;
  listing.hasMore = false;
  listing.cursor = undefined;
  listing.loaded = 0;
  listing.total = undefined;
  views.clear();
  selected.clear();
  updatePrintButtons();
  resetLazyQr();
  forgetCards();
  openChunk = null;
  cards.replaceChildren();
  emptyState.hidden = true;
  list.scrollTop = 0;
}

function updateStatus() {
  const noun = view === 'external' ? 'external account' : 'account';
  const n = listing.loaded;
  let text = `${groupDigits(String(n))} ${noun}${n === 1 ? '' : 's'}`;
  if (listing.total != null && listing.total > n) text += ` of ${groupDigits(String(listing.total))}`;
  if (listing.loading) text += ' · loading…';
  else if (listing.hasMore) text += ' · scroll for more';
  listStatus.textContent = text;
  // How many items the list holds, parked or not (for tests and benchmarks).
  list.dataset.loaded = String(n);
  sentinel.dataset.state = listing.loading ? 'loading' : listing.hasMore ? 'more' : 'end';
  sentinel.textContent = listing.loading ? 'Loading…' : '';
}

// Cards are appended in chunks of 24, each its own grid with `content-visibility: auto`, so a
// change inside one card lays out 24 cards, not 10,000, and chunks far off screen cost no
// layout or paint. Far from the view a card is a light shell (currency, badges, balances);
// near it, it is complete. Memory stays flat however far the user scrolls:
// - one observer watches the chunks; the cards of a chunk within three screens are watched one
//   by one, and those within one screen are filled in, nearest first, a few per frame, and not
//   while the list is scrolling (the shells fly by; the cards fill in 150 ms after it stops:
//   filling a card in costs a frame's worth of style and layout, which would stutter the scroll);
// - a chunk that goes further than three screens has its cards emptied, and never more than
//   MAX_FULL cards are complete at once;
// - then the chunk is parked: its cards leave the page and it keeps only its height and their
//   ids, so the page holds the cards of a few screens whether 100 or 10,000 are loaded; it is
//   rebuilt (as light shells, from the views kept as text) when it comes within three screens;
// - an emptied card keeps the height it had when complete (measured by a ResizeObserver,
//   after layout, and remembered by account id), so rows never move when cards above the view
//   are emptied, parked or rebuilt.
const CHUNK = 24;
const HYDRATE_FIRST = 24;
const MAX_FULL = 96;
/** Cards fill in once the list has not scrolled for this long (ms). */
const SCROLL_QUIET = 150;
/** @type {HTMLElement | null} */
let openChunk = null;

/** Complete cards, least recently needed first. @type {Set<HTMLElement>} */
const fullCards = new Set();
/** Cards within one screen of the view. @type {Set<HTMLElement>} */
const nearCards = new Set();
/** Chunks within three screens, whose cards are watched one by one. @type {Set<Element>} */
const watchedChunks = new Set();
/** Cards to fill in. @type {Set<HTMLElement>} */
const hydrateQueue = new Set();
/** Complete cards of chunks that went far away. @type {Set<HTMLElement>} */
const emptyQueue = new Set();
/** Border-box heights of complete cards by account id, as last laid out. @type {Map<string, number>} */
const fullHeights = new Map();
/** Chunks out of range, to park once their cards are emptied. @type {Set<HTMLElement>} */
const parkQueue = new Set();
/** The account ids of a parked chunk's cards, in order. @type {WeakMap<Element, string[]>} */
const parkedIds = new WeakMap();
/** Parked chunks that came within range, to rebuild. @type {Set<HTMLElement>} */
const unparkQueue = new Set();
/** Chunk heights as the observer saw them when they went out of range. @type {WeakMap<Element, number>} */
const leftHeights = new WeakMap();

const heightObserver = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const card = /** @type {HTMLElement} */ (entry.target);
    const height = entry.borderBoxSize?.[0]?.blockSize ?? entry.contentRect.height;
    if (card.dataset.hydrated === 'true' && height > 0) fullHeights.set(card.dataset.accountId ?? '', height);
  }
});

/** @param {HTMLElement} card */
function hydrate(card) {
  if (card.dataset.hydrated === 'true') return;
  const item = views.get(card.dataset.accountId ?? '');
  const connection = activeConnection();
  if (!item || !connection) return;
  card.style.minHeight = '';
  hydrateAccountCard(card, item, connection.fundingAvailable ? setUpFunding : null);
  fullCards.add(card);
  heightObserver.observe(card);
}

/** Empties a card, keeping its height. @param {HTMLElement} card */
function dehydrate(card) {
  const height = fullHeights.get(card.dataset.accountId ?? '');
  if (!dehydrateAccountCard(card)) return;
  fullCards.delete(card);
  heightObserver.unobserve(card);
  if (height) card.style.minHeight = `${height}px`;
}

let lastScrollAt = 0;
list.addEventListener(
  'scroll',
  () => {
    lastScrollAt = performance.now();
  },
  { passive: true },
);
const scrolling = () => performance.now() - lastScrollAt < SCROLL_QUIET;

// The work is spread over frames: emptying first (cheap), then at most a few cards filled in
// per frame, so scrolling never waits for more than a few milliseconds of it.
let pumpScheduled = false;

function pump() {
  pumpScheduled = false;
  const started = performance.now();
  for (const card of emptyQueue) {
    emptyQueue.delete(card);
    if (card.isConnected && !nearCards.has(card)) dehydrate(card);
    if (performance.now() - started > 4) break;
  }
  // Chunks that came near get their shells back: one per frame while the list moves (a frame
  // has room for 24 shells, not for more), as many as fit in a few milliseconds when it rests.
  const moving = scrolling();
  for (const chunk of unparkQueue) {
    unparkQueue.delete(chunk);
    if (chunk.isConnected && watchedChunks.has(chunk)) unpark(chunk);
    if (moving || performance.now() - started > 8) break;
  }
  // Far chunks leave the page: two per frame while the list moves (parking reads no layout,
  // so it stays cheap, and a long load keeps the page small), as many as fit when it rests.
  let parked = 0;
  for (const chunk of parkQueue) {
    if (performance.now() - started > 10 || (moving && parked >= 2)) break;
    parkQueue.delete(chunk);
    if (chunk.isConnected && !watchedChunks.has(chunk)) {
      park(chunk);
      parked += 1;
    }
  }
  if (moving) {
    // Filling cards in waits until the list rests; rebuilding and parking go on every frame.
    pumpScheduled = true;
    if (unparkQueue.size || parkQueue.size) requestAnimationFrame(pump);
    else if (hydrateQueue.size) setTimeout(() => requestAnimationFrame(pump), 120);
    else pumpScheduled = false;
    return;
  }
  // Nearest the middle of the view first, measured now (where they were when they came near
  // says little once the list has moved on).
  const view = list.getBoundingClientRect();
  const middle = view.top + view.height / 2;
  const distance = (/** @type {HTMLElement} */ card) => {
    const box = card.getBoundingClientRect();
    return Math.abs(box.top + box.height / 2 - middle);
  };
  const nearest = [...hydrateQueue].map((card) => [card, distance(card)]).sort((a, b) => +a[1] - +b[1]);
  for (const [card] of /** @type {[HTMLElement, number][]} */ (nearest).slice(0, 4)) {
    hydrateQueue.delete(card);
    if (card.isConnected) hydrate(card);
    if (performance.now() - started > 8) break;
  }
  // Over the cap: empty the complete cards that were needed longest ago and are out of view.
  if (fullCards.size > MAX_FULL) {
    for (const card of fullCards) {
      if (fullCards.size <= MAX_FULL) break;
      if (!nearCards.has(card)) dehydrate(card);
    }
  }
  if (hydrateQueue.size || emptyQueue.size || parkQueue.size || unparkQueue.size) schedulePump();
}

/**
 * Takes a far chunk's cards off the page, keeping its height and their ids. A chunk with a
 * card being worked on (focus, a fund in flight, an amount typed) stays, as does the chunk
 * pages are still appended to.
 * @param {HTMLElement} chunk
 */
function park(chunk) {
  if (chunk === openChunk || chunk.dataset.parked === 'true') return;
  const children = /** @type {HTMLElement[]} */ ([...chunk.children]);
  if (!children.length || !children.every(isAccountCard)) return;
  for (const card of children) {
    if (card.dataset.hydrated === 'true' && !dehydrate(card)) return;
  }
  // Its height as the observer last measured it (emptied cards keep theirs): no layout of our own.
  const height = leftHeights.get(chunk) ?? chunk.getBoundingClientRect().height;
  parkedIds.set(chunk, children.map((card) => card.dataset.accountId ?? ''));
  chunk.style.height = `${height}px`;
  chunk.dataset.parked = 'true';
  chunk.replaceChildren();
}

/** Puts a parked chunk's cards back, as light shells. @param {HTMLElement} chunk */
function unpark(chunk) {
  const ids = parkedIds.get(chunk);
  const connection = activeConnection();
  if (!ids || !connection) return;
  const fragment = document.createDocumentFragment();
  for (const id of ids) {
    const item = views.get(id);
    if (item) fragment.append(shellCard(item, connection));
  }
  chunk.append(fragment);
  chunk.style.height = '';
  delete chunk.dataset.parked;
  parkedIds.delete(chunk);
  for (const card of chunk.children) watchCard(card);
}

function schedulePump() {
  if (pumpScheduled) return;
  pumpScheduled = true;
  requestAnimationFrame(pump);
}

/** @param {Element} card */
const isAccountCard = (card) => /** @type {HTMLElement} */ (card).dataset.testid === 'account-card';

const cardObserver = new IntersectionObserver(
  (entries) => {
    for (const entry of entries) {
      const card = /** @type {HTMLElement} */ (entry.target);
      if (entry.isIntersecting) {
        nearCards.add(card);
        emptyQueue.delete(card);
        if (fullCards.delete(card)) fullCards.add(card);
        else hydrateQueue.add(card);
      } else {
        nearCards.delete(card);
        hydrateQueue.delete(card);
      }
    }
    schedulePump();
  },
  { root: list, rootMargin: '100% 0px' },
);

/** @param {Element} card */
function watchCard(card) {
  if (isAccountCard(card)) cardObserver.observe(card);
}

const chunkObserver = new IntersectionObserver(
  (entries) => {
    for (const entry of entries) {
      const chunk = entry.target;
      const box = /** @type {HTMLElement} */ (chunk);
      if (entry.isIntersecting) {
        parkQueue.delete(box);
        watchedChunks.add(chunk);
        if (box.dataset.parked === 'true') unparkQueue.add(box);
        else for (const card of chunk.children) watchCard(card);
      } else {
        if (watchedChunks.delete(chunk)) {
          for (const child of chunk.children) {
            const card = /** @type {HTMLElement} */ (child);
            cardObserver.unobserve(card);
            nearCards.delete(card);
            hydrateQueue.delete(card);
            if (card.dataset.hydrated === 'true') emptyQueue.add(card);
          }
        }
        unparkQueue.delete(box);
        leftHeights.set(chunk, entry.boundingClientRect.height);
        // Also a chunk that was never in range (the end of a page appended far below the view,
        // or one the list jumped over): its shells need not stay either.
        if (box.dataset.parked !== 'true') parkQueue.add(box);
      }
    }
    schedulePump();
  },
  { root: list, rootMargin: '300% 0px' },
);

function forgetCards() {
  chunkObserver.disconnect();
  cardObserver.disconnect();
  heightObserver.disconnect();
  watchedChunks.clear();
  nearCards.clear();
  fullCards.clear();
  hydrateQueue.clear();
  emptyQueue.clear();
  parkQueue.clear();
  unparkQueue.clear();
  fullHeights.clear();
}

function newChunk() {
  const chunk = document.createElement('div');
  chunk.className = 'chunk';
  cards.append(chunk);
  chunkObserver.observe(chunk);
  openChunk = chunk;
  return chunk;
}

/** @param {HTMLElement[]} nodes */
function appendCards(nodes) {
  let i = 0;
  while (i < nodes.length) {
    const chunk = openChunk && openChunk.childElementCount < CHUNK ? openChunk : newChunk();
    const room = CHUNK - chunk.childElementCount;
    const fragment = document.createDocumentFragment();
    const added = nodes.slice(i, i + room);
    fragment.append(...added);
    chunk.append(fragment);
    // A chunk already in range does not report again: watch its new cards now.
    if (watchedChunks.has(chunk)) for (const card of added) watchCard(card);
    i += room;
  }
}

/** @param {AccountView[]} items */
function appendAccounts(items) {
  const connection = activeConnection();
  if (!connection) return;
  const created = items.map((item, i) => {
    views.set(item.id, item);
    const card = shellCard(item, connection);
    // The first screenful is complete at once; the rest fill in as they come near.
    if (listing.loaded + i < HYDRATE_FIRST) hydrate(card);
    return card;
  });
  appendCards(created);
  // For the app benchmark (tests/e2e/benches/app.rs): when the first cards were on the page.
  if (created.length && !performance.getEntriesByName(FIRST_CARD_MARK).length) performance.mark(FIRST_CARD_MARK);
}

/**
 * A light card (see cards.js) with its print tick as the user left it, at the height it had
 * when last complete.
 * @param {AccountView} item @param {import('./bridge.js').ConnectionSummary} connection
 */
function shellCard(item, connection) {
  const card = renderAccountCard(item, connection);
  const box = /** @type {HTMLInputElement} */ (card.querySelector('.select-account'));
  box.setAttribute('aria-label', `Select ${item.currencyCode ?? ''} account ${item.id} for printing`);
  box.checked = selected.has(item.id);
  const height = fullHeights.get(item.id);
  if (height) card.style.minHeight = `${height}px`;
  return card;
}

/** @param {import('./bridge.js').ExternalAccountView[]} items */
function appendExternal(items) {
  const created = items.map(renderExternalCard);
  appendCards(created);
  for (const card of created) observeQrs(card);
}

function filters() {
  return {
    currency: currencyInput.value.trim().toUpperCase(),
    type: typeSelect.value,
    customerId: customerInput.value.trim(),
  };
}

/** Loads the next page (or the whole platform list). */
async function loadMore() {
  if (listing.loading || view === 'settings') return;
  const generation = listing.generation;
  const first = listing.loaded === 0 && !listing.cursor;
  listing.loading = true;
  updateStatus();
  const f = filters();
  try {
    if (view === 'platform') {
      const items = await bridge.listPlatformAccounts({ currency: f.currency, type: f.type });
      if (generation !== listing.generation) return;
      appendAccounts(items);
      listing.loaded = items.length;
      listing.hasMore = false;
    } else if (view === 'customers') {
      const page = await bridge.listCustomerAccounts({
        customerId: f.customerId, currency: f.currency, type: f.type, cursor: listing.cursor, limit: PAGE_SIZE,
      });
      if (generation !== listing.generation) return;
      appendAccounts(page.items);
      listing.loaded += page.items.length;
      listing.hasMore = page.hasMore;
      listing.cursor = page.nextCursor;
      listing.total = page.totalCount;
    } else {
      const platform = scopeSelect.value !== 'customer';
      const page = await bridge.listExternalAccounts({
        platform, customerId: platform ? undefined : f.customerId, currency: f.currency, cursor: listing.cursor, limit: PAGE_SIZE,
      });
      if (generation !== listing.generation) return;
      appendExternal(page.items);
      listing.loaded += page.items.length;
      listing.hasMore = page.hasMore;
      listing.cursor = page.nextCursor;
      listing.total = page.totalCount;
    }
    hideBanner();
    listing.loading = false;
    if (first && listing.loaded === 0) {
      emptyState.textContent = emptyText();
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
    updateStatus();
    if (first) listStatus.textContent = 'Not loaded';
    showBanner(/** @type {any} */ (err), () => (first ? reload() : loadMore()));
  }
}

function emptyText() {
  const f = filters();
  const filtered = f.currency || (view !== 'external' && f.type) || f.customerId;
  if (filtered) return 'No accounts match these filters.';
  return view === 'external' ? 'No external accounts yet.' : 'No accounts yet.';
}

function reload() {
  if (view === 'settings') return;
  clearList();
  loadMore();
}

const sentinelObserver = new IntersectionObserver(
  (entries) => {
    if (entries.some((e) => e.isIntersecting) && listing.hasMore && !listing.loading) loadMore();
  },
  { root: list, rootMargin: '0px 0px 1200px 0px' },
);

// ----- actions on cards (delegated) --------------------------------------------------------

/** @param {HTMLElement} node */
function cardOf(node) {
  const card = /** @type {HTMLElement | null} */ (node.closest('[data-testid=account-card]'));
  const item = card ? views.get(card.dataset.accountId ?? '') : undefined;
  return { card, item };
}

/** @param {AccountView} updated */
function accountChanged(updated) {
  views.set(updated.id, updated);
  const card = /** @type {HTMLElement | null} */ (cards.querySelector(`[data-account-id="${CSS.escape(updated.id)}"]`));
  if (card) updateAccountCard(card, updated);
}

const fundCallbacks = {
  /** @param {AccountView} updated @param {string} added */
  onFunded(updated, added) {
    accountChanged(updated);
    toast(`Added ${added}. Available balance: ${updated.balance.display}.`, { kind: 'success' });
  },
  /** @param {any} err */
  onUnknownOutcome(err) {
    if (err.account) accountChanged(err.account);
    toast(err.message, { kind: 'error', timeoutMs: 30000 });
  },
  /** @param {any} err */
  onError(err) {
    toastError(err);
  },
};

cards.addEventListener('click', async (e) => {
  const target = /** @type {HTMLElement} */ (e.target);
  const button = /** @type {HTMLButtonElement | null} */ (target.closest('button'));
  if (!button) return;
  // The second click of a double click never sends money again.
  if (e.detail > 1 && (button.dataset.testid === 'fund-preset' || button.dataset.testid === 'fund-submit')) {
    e.preventDefault();
    return;
  }
  if (button.classList.contains('copy')) {
    await copyFromButton(button);
    return;
  }
  if (button.classList.contains('qr-show')) {
    const box = /** @type {HTMLElement | null} */ (button.closest('.qr'));
    if (box) loadQr(box);
    return;
  }
  const { card, item } = cardOf(button);
  if (!card || !item) return;
  const connection = activeConnection();
  switch (button.dataset.testid) {
    case 'fund-preset':
      await fundPreset(button, card, item, fundCallbacks);
      break;
    case 'patch-open':
      if (connection) openPatchDialog(item, connection, accountChanged);
      break;
    case 'print':
      openPrintDialog({ kind: 'accounts', accountIds: [item.id] }, `${item.currencyCode ?? ''} account ${item.id}`.trim(), connection);
      break;
    default:
  }
});

cards.addEventListener('submit', async (e) => {
  const form = /** @type {HTMLFormElement} */ (e.target);
  if (!form.matches('[data-testid=fund-form]')) return;
  e.preventDefault();
  const { card, item } = cardOf(form);
  if (card && item) await fundFromForm(form, card, item, fundCallbacks);
});

/** @type {WeakMap<HTMLElement, ReturnType<typeof setTimeout>>} */
const inputTimers = new WeakMap();
cards.addEventListener('input', (e) => {
  const input = /** @type {HTMLInputElement} */ (e.target);
  if (input.name !== 'amount') return;
  const { card, item } = cardOf(input);
  if (!card || !item) return;
  clearTimeout(inputTimers.get(card));
  inputTimers.set(card, setTimeout(() => validateInput(card, item, input), 200));
});

// ----- toolbar -----------------------------------------------------------------------------

/** @type {ReturnType<typeof setTimeout> | undefined} */
let filterTimer;
function filtersChanged() {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(reload, 300);
}
customerInput.addEventListener('input', filtersChanged);
customerInput.addEventListener('input', updatePrintButtons);
// A currency code is 3 to 5 characters: "U" and "US" are a code being typed, not a filter to
// send (Enter still sends it, and the error then explains the rule).
currencyInput.addEventListener('input', () => {
  const typed = currencyInput.value.trim().length;
  const partial = typed > 0 && typed < 3;
  currencyInput.setAttribute('aria-invalid', String(partial));
  currencyInput.title = partial ? 'A currency code has 3 to 5 letters, such as USD, EUR, BTC or USDC.' : '';
  if (partial) clearTimeout(filterTimer);
  else filtersChanged();
});
typeSelect.addEventListener('change', reload);
scopeSelect.addEventListener('change', () => showView(view));
for (const input of [customerInput, currencyInput]) {
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      clearTimeout(filterTimer);
      reload();
    }
  });
}

el('refresh').addEventListener('click', reload);

// ----- printing ----------------------------------------------------------------------------

/** "Print selected (N)" and "Print this customer's accounts" follow the ticks and the filter. */
function updatePrintButtons() {
  const button = /** @type {HTMLButtonElement} */ (el('print-selected'));
  button.textContent = `Print selected (${selected.size})`;
  button.disabled = selected.size === 0;
  button.hidden = view === 'external' || view === 'settings';
  el('print-customer').hidden = !(view === 'customers' && customerInput.value.trim());
}

cards.addEventListener('change', (e) => {
  const box = /** @type {HTMLInputElement} */ (e.target);
  if (!box.matches('.select-account')) return;
  const id = /** @type {HTMLElement | null} */ (box.closest('[data-testid=account-card]'))?.dataset.accountId;
  if (!id) return;
  if (box.checked) selected.add(id);
  else selected.delete(id);
  updatePrintButtons();
});

el('print-all').addEventListener('click', () => {
  openPrintDialog({ kind: 'platform' }, 'All platform accounts', activeConnection());
});
el('print-customer').addEventListener('click', () => {
  const customerId = customerInput.value.trim();
  if (customerId) openPrintDialog({ kind: 'customer', customerId }, `All accounts of customer ${customerId}`, activeConnection());
});
el('print-selected').addEventListener('click', () => {
  if (!selected.size) return;
  const n = selected.size;
  openPrintDialog({ kind: 'accounts', accountIds: [...selected] }, `${n} selected account${n === 1 ? '' : 's'}`, activeConnection());
});

for (const tab of document.querySelectorAll('.tab')) {
  tab.addEventListener('click', () => showView(/** @type {View} */ (/** @type {HTMLElement} */ (tab).dataset.view)));
}
el('connection-select').addEventListener('change', (e) => {
  switchTo(/** @type {HTMLSelectElement} */ (e.target).value);
});

// Arrow keys move between tabs, as for any tab list.
el('tab-platform').parentElement?.addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
  const tabs = /** @type {HTMLElement[]} */ ([...document.querySelectorAll('.tab')]);
  const i = tabs.indexOf(/** @type {HTMLElement} */ (document.activeElement));
  if (i < 0) return;
  const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
  next.focus();
  next.click();
});

// ----- start -------------------------------------------------------------------------------

let started = false;

async function start() {
  // Listeners are attached once: "Retry" after a failed start only loads again.
  if (!started) {
    started = true;
    init();
  }
  try {
    await loadAppState();
  } catch (err) {
    showBanner(/** @type {any} */ (err), start);
    return;
  }
  showView('platform');
}

function init() {
  initLazyQr(list);
  sentinelObserver.observe(sentinel);
  initSettings({
    state: () => appState,
    async onChanged(switched) {
      try {
        await loadAppState();
      } catch (err) {
        toastError(/** @type {any} */ (err));
      }
      if (switched || view !== 'settings') reload();
    },
  });
}

start();

