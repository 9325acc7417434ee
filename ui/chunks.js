// A long list of cards that stays light however far it is scrolled: cards go into the page in
// chunks of 24, each its own grid with `content-visibility: auto`, so a change inside one card
// lays out 24 cards, not 10,000, and chunks far off screen cost no layout or paint. Far from
// the view a card is a light shell (for account cards: currency, badges, balances); near it, it
// is complete. Memory stays flat however far the user scrolls:
// - one observer watches the chunks; the cards of a chunk within three screens are watched one
//   by one, and those within one screen are filled in, nearest first, a few per frame, and not
//   while the list is scrolling (the shells fly by; the cards fill in 150 ms after it stops:
//   filling a card in costs a frame's worth of style and layout, which would stutter the scroll);
// - a chunk that goes further than three screens has its cards emptied, and never more than
//   MAX_FULL cards are complete at once;
// - then the chunk is parked: its cards leave the page and it keeps only its height and their
//   ids, so the page holds the cards of a few screens whether 100 or 10,000 are loaded; it is
//   rebuilt (as light shells, by the list that owns the data) when it comes within three screens;
// - an emptied card keeps the height it had when complete (measured by a ResizeObserver,
//   after layout, and remembered by id), so rows never move when cards above the view are
//   emptied, parked or rebuilt.
//
// What a card is and how it is filled in is the owner's business (account-list.js): this module
// only needs the cards' `data-account-id` and `data-hydrated` ("true" when complete) and the
// callbacks below. Cards the owner does not call parkable (external accounts) are appended in
// chunks too but always stay as they are.

const CHUNK = 24;
const MAX_FULL = 96;
/** Cards fill in once the list has not scrolled for this long (ms). */
const SCROLL_QUIET = 150;

/**
 * @typedef {object} ChunkedCardsOptions
 * @property {HTMLElement} scrollRoot the scrolling list
 * @property {HTMLElement} container where the chunks go
 * @property {(card: Element) => card is HTMLElement} parkable whether a card is filled in,
 *   emptied and parked by this module
 * @property {(card: HTMLElement) => boolean} fill completes a light card; false when it cannot
 * @property {(card: HTMLElement) => boolean} empty makes a complete card light again; false when
 *   it is being worked on (focus inside, a fund in flight, an amount typed)
 * @property {(id: string) => HTMLElement | null} rebuild a light card for a parked chunk coming
 *   back (null: the id is no longer known)
 */

export class ChunkedCards {
  #options;
  /** The chunk pages are appended to. @type {HTMLElement | null} */
  #openChunk = null;
  /** Complete cards, least recently needed first. @type {Set<HTMLElement>} */
  #fullCards = new Set();
  /** Cards within one screen of the view. @type {Set<HTMLElement>} */
  #nearCards = new Set();
  /** Chunks within three screens, whose cards are watched one by one. @type {Set<Element>} */
  #watchedChunks = new Set();
  /** Cards to fill in. @type {Set<HTMLElement>} */
  #hydrateQueue = new Set();
  /** Complete cards of chunks that went far away. @type {Set<HTMLElement>} */
  #emptyQueue = new Set();
  /** Border-box heights of complete cards by id, as last laid out. @type {Map<string, number>} */
  #fullHeights = new Map();
  /** Chunks out of range, to park once their cards are emptied. @type {Set<HTMLElement>} */
  #parkQueue = new Set();
  /** The ids of a parked chunk's cards, in order. @type {WeakMap<Element, string[]>} */
  #parkedIds = new WeakMap();
  /** Parked chunks that came within range, to rebuild. @type {Set<HTMLElement>} */
  #unparkQueue = new Set();
  /** Chunk heights as the observer saw them when they went out of range. @type {WeakMap<Element, number>} */
  #leftHeights = new WeakMap();
  #lastScrollAt = 0;
  #pumpScheduled = false;
  #heightObserver;
  #cardObserver;
  #chunkObserver;

  /** @param {ChunkedCardsOptions} options */
  constructor(options) {
    this.#options = options;
    const root = options.scrollRoot;
    root.addEventListener(
      'scroll',
      () => {
        this.#lastScrollAt = performance.now();
      },
      { passive: true },
    );
    this.#heightObserver = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const card = /** @type {HTMLElement} */ (entry.target);
        const height = entry.borderBoxSize?.[0]?.blockSize ?? entry.contentRect.height;
        if (card.dataset.hydrated === 'true' && height > 0) this.#fullHeights.set(card.dataset.accountId ?? '', height);
      }
    });
    this.#cardObserver = new IntersectionObserver((entries) => this.#cardsMoved(entries), { root, rootMargin: '100% 0px' });
    this.#chunkObserver = new IntersectionObserver((entries) => this.#chunksMoved(entries), { root, rootMargin: '300% 0px' });
  }

  /**
   * Appends cards at the end of the list, filling the open chunk first.
   * @param {HTMLElement[]} nodes
   */
  append(nodes) {
    let i = 0;
    while (i < nodes.length) {
      const open = this.#openChunk;
      const chunk = open && open.childElementCount < CHUNK ? open : this.#newChunk();
      const room = CHUNK - chunk.childElementCount;
      const fragment = document.createDocumentFragment();
      const added = nodes.slice(i, i + room);
      fragment.append(...added);
      chunk.append(fragment);
      // A chunk already in range does not report again: watch its new cards now.
      if (this.#watchedChunks.has(chunk)) for (const card of added) this.#watchCard(card);
      i += room;
    }
  }

  /**
   * Completes a card now (the first screenful of a list) rather than when it comes near.
   * @param {HTMLElement} card
   */
  fill(card) {
    if (card.dataset.hydrated === 'true') return;
    if (!this.#options.fill(card)) return;
    card.style.minHeight = '';
    this.#fullCards.add(card);
    this.#heightObserver.observe(card);
  }

  /** Forgets every card and chunk and empties the container. */
  clear() {
    this.#chunkObserver.disconnect();
    this.#cardObserver.disconnect();
    this.#heightObserver.disconnect();
    this.#watchedChunks.clear();
    this.#nearCards.clear();
    this.#fullCards.clear();
    this.#hydrateQueue.clear();
    this.#emptyQueue.clear();
    this.#parkQueue.clear();
    this.#unparkQueue.clear();
    this.#fullHeights.clear();
    this.#openChunk = null;
    this.#options.container.replaceChildren();
  }

  #newChunk() {
    const chunk = document.createElement('div');
    chunk.className = 'chunk';
    this.#options.container.append(chunk);
    this.#chunkObserver.observe(chunk);
    this.#openChunk = chunk;
    return chunk;
  }

  /**
   * Empties a card, keeping its height.
   * @param {HTMLElement} card
   * @returns {boolean} whether it was emptied (not when it is being worked on)
   */
  #empty(card) {
    const height = this.#fullHeights.get(card.dataset.accountId ?? '');
    if (!this.#options.empty(card)) return false;
    this.#fullCards.delete(card);
    this.#heightObserver.unobserve(card);
    if (height) card.style.minHeight = `${height}px`;
    return true;
  }

  #scrolling() {
    return performance.now() - this.#lastScrollAt < SCROLL_QUIET;
  }

  #schedulePump() {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    requestAnimationFrame(() => this.#pump());
  }

  // The work is spread over frames: emptying first (cheap), then at most a few cards filled in
  // per frame, so scrolling never waits for more than a few milliseconds of it.
  #pump() {
    this.#pumpScheduled = false;
    const started = performance.now();
    for (const card of this.#emptyQueue) {
      this.#emptyQueue.delete(card);
      if (card.isConnected && !this.#nearCards.has(card)) this.#empty(card);
      if (performance.now() - started > 4) break;
    }
    // Chunks that came near get their shells back: one per frame while the list moves (a frame
    // has room for 24 shells, not for more), as many as fit in a few milliseconds when it rests.
    const moving = this.#scrolling();
    for (const chunk of this.#unparkQueue) {
      this.#unparkQueue.delete(chunk);
      if (chunk.isConnected && this.#watchedChunks.has(chunk)) this.#unpark(chunk);
      if (moving || performance.now() - started > 8) break;
    }
    // Far chunks leave the page: two per frame while the list moves (parking reads no layout,
    // so it stays cheap, and a long load keeps the page small), as many as fit when it rests.
    let parked = 0;
    for (const chunk of this.#parkQueue) {
      if (performance.now() - started > 10 || (moving && parked >= 2)) break;
      this.#parkQueue.delete(chunk);
      if (chunk.isConnected && !this.#watchedChunks.has(chunk)) {
        this.#park(chunk);
        parked += 1;
      }
    }
    if (moving) {
      // Filling cards in waits until the list rests; rebuilding and parking go on every frame.
      this.#pumpScheduled = true;
      if (this.#unparkQueue.size || this.#parkQueue.size) requestAnimationFrame(() => this.#pump());
      else if (this.#hydrateQueue.size) setTimeout(() => requestAnimationFrame(() => this.#pump()), 120);
      else this.#pumpScheduled = false;
      return;
    }
    // Nearest the middle of the view first, measured now (where they were when they came near
    // says little once the list has moved on).
    const box = this.#options.scrollRoot.getBoundingClientRect();
    const middle = box.top + box.height / 2;
    /** @param {HTMLElement} card */
    const distance = (card) => {
      const rect = card.getBoundingClientRect();
      return Math.abs(rect.top + rect.height / 2 - middle);
    };
    const nearest = [...this.#hydrateQueue]
      .map((card) => ({ card, distance: distance(card) }))
      .sort((a, b) => a.distance - b.distance);
    for (const { card } of nearest.slice(0, 4)) {
      this.#hydrateQueue.delete(card);
      if (card.isConnected) this.fill(card);
      if (performance.now() - started > 8) break;
    }
    // Over the cap: empty the complete cards that were needed longest ago and are out of view.
    if (this.#fullCards.size > MAX_FULL) {
      for (const card of this.#fullCards) {
        if (this.#fullCards.size <= MAX_FULL) break;
        if (!this.#nearCards.has(card)) this.#empty(card);
      }
    }
    if (this.#hydrateQueue.size || this.#emptyQueue.size || this.#parkQueue.size || this.#unparkQueue.size) {
      this.#schedulePump();
    }
  }

  /**
   * Takes a far chunk's cards off the page, keeping its height and their ids. A chunk with a
   * card being worked on stays, as does the chunk pages are still appended to.
   * @param {HTMLElement} chunk
   */
  #park(chunk) {
    if (chunk === this.#openChunk || chunk.dataset.parked === 'true') return;
    const children = [...chunk.children];
    if (!children.length) return;
    /** @type {HTMLElement[]} */
    const cards = [];
    for (const child of children) {
      if (!this.#options.parkable(child)) return;
      cards.push(child);
    }
    for (const card of cards) {
      if (card.dataset.hydrated === 'true' && !this.#empty(card)) return;
    }
    // Its height as the observer last measured it (emptied cards keep theirs): no layout of our own.
    const height = this.#leftHeights.get(chunk) ?? chunk.getBoundingClientRect().height;
    this.#parkedIds.set(chunk, cards.map((card) => card.dataset.accountId ?? ''));
    chunk.style.height = `${height}px`;
    chunk.dataset.parked = 'true';
    chunk.replaceChildren();
  }

  /** Puts a parked chunk's cards back, as light shells. @param {HTMLElement} chunk */
  #unpark(chunk) {
    const ids = this.#parkedIds.get(chunk);
    if (!ids) return;
    const fragment = document.createDocumentFragment();
    for (const id of ids) {
      const card = this.#options.rebuild(id);
      if (!card) continue;
      // At the height it had when last complete.
      const height = this.#fullHeights.get(id);
      if (height) card.style.minHeight = `${height}px`;
      fragment.append(card);
    }
    chunk.append(fragment);
    chunk.style.height = '';
    delete chunk.dataset.parked;
    this.#parkedIds.delete(chunk);
    for (const card of chunk.children) this.#watchCard(card);
  }

  /** @param {Element} card */
  #watchCard(card) {
    if (this.#options.parkable(card)) this.#cardObserver.observe(card);
  }

  /** @param {IntersectionObserverEntry[]} entries */
  #cardsMoved(entries) {
    for (const entry of entries) {
      const card = /** @type {HTMLElement} */ (entry.target);
      if (entry.isIntersecting) {
        this.#nearCards.add(card);
        this.#emptyQueue.delete(card);
        if (this.#fullCards.delete(card)) this.#fullCards.add(card);
        else this.#hydrateQueue.add(card);
      } else {
        this.#nearCards.delete(card);
        this.#hydrateQueue.delete(card);
      }
    }
    this.#schedulePump();
  }

  /** @param {IntersectionObserverEntry[]} entries */
  #chunksMoved(entries) {
    for (const entry of entries) {
      const chunk = /** @type {HTMLElement} */ (entry.target);
      if (entry.isIntersecting) {
        this.#parkQueue.delete(chunk);
        this.#watchedChunks.add(chunk);
        if (chunk.dataset.parked === 'true') this.#unparkQueue.add(chunk);
        else for (const card of chunk.children) this.#watchCard(card);
      } else {
        if (this.#watchedChunks.delete(chunk)) {
          for (const child of chunk.children) {
            const card = /** @type {HTMLElement} */ (child);
            this.#cardObserver.unobserve(card);
            this.#nearCards.delete(card);
            this.#hydrateQueue.delete(card);
            if (card.dataset.hydrated === 'true') this.#emptyQueue.add(card);
          }
        }
        this.#unparkQueue.delete(chunk);
        this.#leftHeights.set(chunk, entry.boundingClientRect.height);
        // Also a chunk that was never in range (the end of a page appended far below the view,
        // or one the list jumped over): its shells need not stay either.
        if (chunk.dataset.parked !== 'true') this.#parkQueue.add(chunk);
      }
    }
    this.#schedulePump();
  }
}
