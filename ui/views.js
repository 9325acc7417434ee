// The account views of a loaded list, kept as JSON text. A parsed view (balances, instructions,
// fields, QR targets) costs several times its text in objects and strings, 10,000 of them tens
// of megabytes, while only the cards near the view need theirs parsed: a small cache keeps the
// recently used ones parsed.

/** @typedef {import('./bridge.js').AccountView} AccountView */

export class AccountViews {
  /** @type {Map<string, string>} */
  #text = new Map();
  /** Most recently used last. @type {Map<string, AccountView>} */
  #parsed = new Map();
  #parsedLimit;

  /** @param {number} parsedLimit how many parsed views to keep */
  constructor(parsedLimit = 200) {
    this.#parsedLimit = parsedLimit;
  }

  /** @param {string} id @returns {AccountView | undefined} */
  get(id) {
    let view = this.#parsed.get(id);
    if (!view) {
      const text = this.#text.get(id);
      if (text === undefined) return undefined;
      view = /** @type {AccountView} */ (JSON.parse(text));
    }
    this.#remember(id, view);
    return view;
  }

  /** @param {string} id @param {AccountView} view */
  set(id, view) {
    this.#text.set(id, JSON.stringify(view));
    this.#remember(id, view);
    return this;
  }

  clear() {
    this.#text.clear();
    this.#parsed.clear();
  }

  get size() {
    return this.#text.size;
  }

  /** @param {string} id @param {AccountView} view */
  #remember(id, view) {
    this.#parsed.delete(id);
    this.#parsed.set(id, view);
    if (this.#parsed.size > this.#parsedLimit) this.#parsed.delete(/** @type {string} */ (this.#parsed.keys().next().value));
  }
}
