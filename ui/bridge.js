// The only module that touches window.__TAURI__. Every command of docs/app-contract.md has one
// function here; errors always reject with {code, message, ...} (see errors.js).

import { uiError as normaliseError } from './errors.js';

/**
 * @typedef {{code: string, message: string, gridCode?: string, httpStatus?: number, account?: AccountView}} UiError
 * @typedef {{amount: number, display: string, currencyCode?: string, decimals?: number, unavailable?: string}} MoneyView
 * @typedef {{key: string, label: string, value: string, emphasis: boolean, monospace: boolean, unavailable?: string}} FieldView
 * @typedef {{key: string, label: string, value: string, network?: string, asset?: string}} QrTarget
 * @typedef {{accountType: string, title: string, kind: string, network?: string, notes?: string,
 *   fields: FieldView[], qrTargets: QrTarget[], known: boolean, reference?: string}} InstructionView
 * @typedef {'ok'|'warn'|'bad'|'muted'} StatusTone
 * @typedef {{amount: number, label: string, display: string}} FundPreset amount in smallest units, label "+1,000"
 * @typedef {{presets: FundPreset[], maxAmount: number, maxDisplay: string}} FundingView
 * @typedef {{id: string, customerId?: string, isPlatform: boolean, accountType: string, accountTypeLabel: string,
 *   status: string, statusLabel: string, statusTone: StatusTone,
 *   currencyCode?: string, currencyName?: string, currencySymbol?: string, decimals?: number,
 *   balance: MoneyView, totalBalance: MoneyView, privateEnabled?: boolean, createdAt: string,
 *   updatedAt: string, instructions: InstructionView[], funding: FundingView}} AccountView
 * @typedef {{id: string, customerId?: string, status: string, statusLabel: string, statusTone: StatusTone,
 *   currency: string, platformAccountId?: string, defaultUmaDepositAccount: boolean, details: InstructionView}} ExternalAccountView
 * @typedef {{id: string, name: string, environment: 'demo'|'sandbox'|'production', environmentLabel: string,
 *   baseUrl: string, credentials: 'configured'|'missing'|'unavailable', readOnly: boolean,
 *   fundingAvailable: boolean}} ConnectionSummary
 * @typedef {{active: ConnectionSummary, connections: ConnectionSummary[],
 *   accountTypes: {value: string, label: string}[], amountExample: string}} AppStateView
 *   amountExample: an amount in the person's number format ("1,000.50", "1.000,50")
 */

/**
 * One page of a paged list command.
 * @template T
 * @typedef {{items: T[], hasMore: boolean, nextCursor?: string, totalCount?: number}} Page
 */

const tauri = /** @type {any} */ (window).__TAURI__;

/**
 * @param {string} command
 * @param {Record<string, unknown>} args
 */
async function invoke(command, args) {
  if (!tauri?.core?.invoke) {
    throw normaliseError('Grid Desk must be opened as the desktop app (the Tauri bridge is missing).');
  }
  try {
    return await tauri.core.invoke(command, args);
  } catch (raw) {
    throw normaliseError(raw);
  }
}

/**
 * One of the app's own commands: its arguments travel as the single `request` object the Rust
 * command takes (one request type per command, see src-tauri/src/commands.rs). Every command
 * called here is declared in src-tauri/src/command_list.rs (checked by a test).
 * @param {string} command
 * @param {Record<string, unknown>} [args]
 */
const call = (command, args) => invoke(command, { request: args ?? {} });

/** Leaves out empty strings so Rust sees "no filter". */
function compact(/** @type {Record<string, unknown>} */ args) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [k, v] of Object.entries(args)) {
    if (v === undefined || v === null || v === '') continue;
    out[k] = v;
  }
  return out;
}

/** @returns {Promise<AppStateView>} */
export const appState = () => call('app_state');

/**
 * @param {{id?: string | undefined, name: string, environment: string, baseUrl: string, tokenId?: string,
 *   clientSecret?: string}} input (no id: a new connection)
 * @returns {Promise<ConnectionSummary>}
 */
export const saveConnection = (input) => call('save_connection', compact(input));

/** @param {string} id */
export const deleteConnection = (id) => call('delete_connection', { id });

/** @param {string} id @returns {Promise<ConnectionSummary>} */
export const switchConnection = (id) => call('switch_connection', { id });

/** @param {string} id @returns {Promise<{ok: boolean, message: string}>} */
export const testConnection = (id) => call('test_connection', { id });

export const resetDemo = () => call('reset_demo');

/**
 * @param {{currency?: string, type?: string, listingId?: string}} filter (listingId: for cancelListing)
 * @returns {Promise<AccountView[]>}
 */
export const listPlatformAccounts = (filter) => call('list_platform_accounts', compact(filter));

/**
 * @param {{customerId?: string | undefined, currency?: string | undefined, type?: string | undefined,
 *   cursor?: string | undefined, limit?: number | undefined, listingId?: string}} query (empty and undefined mean "any")
 * @returns {Promise<Page<AccountView>>}
 */
export const listCustomerAccounts = (query) => call('list_customer_accounts', compact(query));

/**
 * @param {{platform: boolean, customerId?: string | undefined, currency?: string | undefined,
 *   cursor?: string | undefined, limit?: number | undefined, listingId?: string}} query (empty and undefined mean "any")
 * @returns {Promise<Page<ExternalAccountView>>}
 */
export const listExternalAccounts = (query) => call('list_external_accounts', compact(query));

/** @param {string} value @returns {Promise<string>} an SVG document made by Rust */
export const qrSvg = (value) => call('qr_svg', { value });

/**
 * @param {{text: string, currencyCode?: string | undefined, decimals?: number | undefined,
 *   currencySymbol?: string | undefined}} input
 * @returns {Promise<{amount: number, display: string, confirm: boolean}>} confirm: the text means
 *   another amount in another locale ("1.000"): ask before sending
 */
export const checkAmount = (input) => call('check_amount', compact(input));

/**
 * @param {{accountId: string, amount: number, customerId?: string | undefined}} input amount in smallest units
 * @returns {Promise<AccountView>}
 */
export const fundSandboxAccount = (input) => call('fund_sandbox_account', compact(input));

/**
 * @param {{accountId: string, privateEnabled: boolean}} input
 * @returns {Promise<{kind: 'challenge', requestId: string, expiresAt: string, payloadToSign: string} | {kind: 'updated', account: AccountView}>}
 */
export const startAccountUpdate = (input) => call('start_account_update', input);

/**
 * Signs the challenge Rust kept for `requestId` (step one's payload and body).
 * @param {{accountId: string, requestId: string, method: 'sandbox'|'sessionKey'|'stamp', stamp?: string | undefined}} input
 * @returns {Promise<AccountView>}
 */
export const completeAccountUpdate = (input) => call('complete_account_update', compact(input));

/** @returns {Promise<{configured: boolean, publicKey?: string}>} */
export const sessionKeyStatus = () => call('session_key_status');

/** @param {string} privateKeyHex @returns {Promise<{publicKey: string}>} */
export const saveSessionKey = (privateKeyHex) => call('save_session_key', { privateKeyHex });

/** @returns {Promise<{publicKey: string}>} */
export const generateSessionKey = () => call('generate_session_key');

export const deleteSessionKey = () => call('delete_session_key');

/**
 * @typedef {{kind: 'accounts', accountIds: string[]} | {kind: 'platform'} | {kind: 'customer', customerId: string}} PrintScope
 * @typedef {{script: string, font: string, message: string}} MissingScript a script no font here can print
 * @typedef {{path: string, pages?: number, accounts: number, bytes: number, missingScripts?: MissingScript[]}} SavedFile
 * @typedef {SavedFile | {cancelled: true}} SaveOutcome
 * @typedef {{key: string, label: string, value: string, monospace: boolean, emphasis: boolean}} SheetField
 * @typedef {{key: string, label: string, headline?: string | null, value: string, hasCode: boolean,
 *   hint?: string | null, network?: string | null, asset?: string | null}} SheetQr
 * @typedef {{key: string, label: string, value: string, note: string}} SheetReference
 * @typedef {{key: string, number: number, title: string, accountType: string, kind: string,
 *   qrCodes: SheetQr[], fields: SheetField[], notes?: SheetField | null, reference?: SheetReference | null}} SheetInstruction
 * @typedef {{accountId: string, bookmark: string, kicker: string, title: string, continuedTitle: string,
 *   intro: string, warnings: {key: string, tag: string, text: string}[], facts: SheetField[],
 *   sectionTitle?: string | null, instructions: SheetInstruction[]}} Sheet
 * @typedef {{paper: 'a4'|'letter', environment: string, watermark?: string | null, environmentLabel: string,
 *   generated?: string | null, asOf?: string | null, sheets: Sheet[]}} SheetDocument the one sheet model (deposit_instructions::SheetDocument)
 * @typedef {{accounts: AccountView[], document: SheetDocument, missingScripts: MissingScript[],
 *   watermark?: string, notice?: string, banner?: string}} PrintableAccounts
 *   the preview renders `document`, the model the PDF renders
 */

/** @param {string} locale e.g. navigator.language @returns {Promise<'a4'|'letter'>} */
export const defaultPaper = (locale) => call('default_paper', { locale });

/**
 * @param {{scope: PrintScope, paper?: 'a4'|'letter', includeBalances?: boolean, utcOffsetMinutes?: number}} input
 * @returns {Promise<PrintableAccounts>}
 */
export const listPrintableAccounts = (input) => call('list_printable_accounts', input);

/**
 * Makes the PDF in Rust and asks where to save it (a native dialog opened by Rust).
 * @param {{scope: PrintScope, paper: 'a4'|'letter', includeBalances: boolean, utcOffsetMinutes: number}} input
 * @returns {Promise<SaveOutcome>}
 */
export const saveDepositPdf = (input) => call('save_deposit_pdf', input);

/**
 * @param {{scope: PrintScope, includeBalances: boolean, utcOffsetMinutes: number}} input
 * @returns {Promise<SaveOutcome>}
 */
export const saveDepositCsv = (input) => call('save_deposit_csv', input);

/**
 * "Copy all": Rust writes the scope's complete instructions to the clipboard (text, and HTML
 * where the platform has it), from the sheet model.
 * @param {{scope: PrintScope, includeBalances?: boolean, utcOffsetMinutes: number}} input
 * @returns {Promise<{accounts: number, characters: number, html: boolean}>}
 */
export const copyDepositInstructions = (input) => call('copy_deposit_instructions', input);

/**
 * "E-mail…": Rust saves the PDF (save dialog), then opens the mail client with a mailto: draft.
 * @param {{scope: PrintScope, paper: 'a4'|'letter', includeBalances?: boolean, utcOffsetMinutes: number}} input
 * @returns {Promise<(SavedFile & {truncated: boolean}) | {cancelled: true}>}
 */
export const emailDepositInstructions = (input) => call('email_deposit_instructions', input);

/**
 * Copies text with the clipboard-manager plugin.
 * @param {string} text
 */
export async function copyText(text) {
  try {
    if (tauri?.clipboardManager?.writeText) {
      await tauri.clipboardManager.writeText(text);
    } else {
      await invoke('plugin:clipboard-manager|write_text', { text });
    }
  } catch (raw) {
    throw normaliseError(raw);
  }
}

/**
 * How the window was left, remembered between runs (ui-preferences.json, in Rust).
 * @typedef {{lastTab?: string, views: Record<string, string>,
 *   filters: Record<string, Record<string, string>>}} UiPreferences
 */

/** @returns {Promise<UiPreferences>} */
export const getPreferences = () => call('get_preferences');

/** @param {UiPreferences} preferences @returns {Promise<UiPreferences>} */
export const savePreferences = (preferences) => call('save_preferences', { preferences });

// ----- Balance monitoring and low-balance alerts (grid_desk_core::monitor) -----

/**
 * @typedef {{accountId: string, balance: MoneyView, totalBalance: MoneyView, delta: number,
 *   text: string, tone: 'up'|'down'}} ChangeView text: "+$1,000.00 since 10:42"
 * @typedef {{scope: 'account'|'currency', key: string, label: string, amount: number, display: string}} ThresholdView
 * @typedef {{id: number, accountId: string, title: string, body: string, when: string, active: boolean}} AlertView
 * @typedef {{connectionId: string, enabled: boolean, intervalSeconds: number, minIntervalSeconds: number,
 *   maxIntervalSeconds: number, status: {state: string, message: string}, changes: ChangeView[],
 *   thresholds: ThresholdView[], alerts: AlertView[], watched: WatchedView[]}} MonitorView
 * @typedef {{accountId: string, label: string, currencyCode: string | null}} WatchedView
 */

/** @param {{utcOffsetMinutes?: number}} input @returns {Promise<MonitorView>} */
export const getMonitor = (input) => call('get_monitor', input);

/** @returns {Promise<MonitorView>} */
export const refreshBalances = () => call('refresh_balances');

/** @param {{enabled: boolean, intervalSeconds: number}} input @returns {Promise<MonitorView>} */
export const saveMonitorSettings = (input) => call('save_monitor_settings', input);

/** @param {{scope: 'account'|'currency', key: string, amount: string}} input @returns {Promise<MonitorView>} */
export const saveBalanceThreshold = (input) => call('save_balance_threshold', input);

/** @param {{scope: 'account'|'currency', key: string}} input @returns {Promise<MonitorView>} */
export const deleteBalanceThreshold = (input) => call('delete_balance_threshold', input);

/**
 * Calls `handler` with every update of the balance monitor (the `balance-monitor` event Rust
 * emits after each refresh, in the background too).
 * @param {(view: MonitorView) => void} handler
 */
export async function onBalanceMonitor(handler) {
  if (!tauri?.event?.listen) return;
  await tauri.event.listen('balance-monitor', (/** @type {{payload: MonitorView}} */ event) => handler(event.payload));
}
// ----- robustness (issue 10): notices, cancellable listings, logs -------------------------

/**
 * What the window must be told unasked (a settings file set aside, …); each id once.
 * @typedef {{id: number, message: string, path?: string}} Notice
 */

/** @returns {Promise<Notice[]>} */
export const listNotices = () => call('list_notices');

/** @param {string} listingId @returns {Promise<boolean>} true when that listing was running */
export const cancelListing = (listingId) => call('cancel_listing', { listingId });

/** Opens the OS logs folder. @returns {Promise<{path: string, opened: boolean, message: string}>} */
export const openLogsFolder = () => call('open_logs_folder');

// ----- activity journal and last-known accounts (issue 13) ---------------------------------

/**
 * @typedef {{value: string, label: string}} Choice
 * @typedef {{path?: string, unavailable?: string, kinds: Choice[], connections: Choice[]}} JournalInfo
 * @typedef {{minor: number, currencyCode?: string, display: string}} AmountView
 * @typedef {{id: number, at: string, atDisplay: string, kind: string, kindLabel: string,
 *   connectionId: string, connectionName: string, environment: string, environmentLabel: string,
 *   accountId?: string, amount?: AmountView, requestId?: string, outcome: string, outcomeLabel: string,
 *   outcomeTone: StatusTone, detail: string}} JournalEntryView
 * @typedef {{entries: JournalEntryView[], nextBeforeId?: number}} JournalPage
 * @typedef {{from?: string, to?: string, connectionId?: string, account?: string, kind?: string,
 *   beforeId?: number, limit?: number, utcOffsetMinutes?: number}} JournalQuery dates YYYY-MM-DD, local, inclusive
 * @typedef {{path: string, entries: number, bytes: number} | {cancelled: true}} JournalSaveOutcome
 * @typedef {{items: AccountView[], asOf: string, asOfLabel: string, totalCount?: number}} LastKnownAccounts
 */

/** @returns {Promise<JournalInfo>} where the journal file is and what the filters offer */
export const journalInfo = () => call('journal_info');

/** @param {JournalQuery} query @returns {Promise<JournalPage>} newest first */
export const journalEntries = (query) => call('journal_entries', compact(query));

/** @param {JournalQuery} query @returns {Promise<JournalSaveOutcome>} every matching entry, through the save dialog */
export const saveJournalCsv = (query) => call('save_journal_csv', compact(query));

/**
 * The list as the active connection last returned it, without asking Grid (null when none was kept).
 * @param {{list: 'platform'|'customers', currency?: string | undefined, type?: string | undefined,
 *   customerId?: string | undefined, utcOffsetMinutes?: number}} query
 * @returns {Promise<LastKnownAccounts | null>}
 */
export const lastKnownAccounts = (query) => call('last_known_accounts', compact(query));

// ----- the accounts table (crates/grid-desk-core/src/workspace.rs) ------------------------------

/**
 * @typedef {'customer'|'id'|'type'|'status'|'currency'|'available'|'total'|'updated'} Column
 * @typedef {{column: Column, descending: boolean}} TableSort
 * @typedef {{currency: string, accounts: number, availableMinor: string, totalMinor: string,
 *   available: string, total: string, leftOut: number}} TotalView amounts exact: smallest units as text, and formatted
 * @typedef {{loadId: number, list: 'platform'|'customers'|'external' | null, loaded: number, total?: number,
 *   loading: boolean, cancelled: boolean, partial: boolean, error?: UiError, count: number, version: number,
 *   sort: TableSort, columns: {key: Column, label: string, numeric: boolean}[], totals: TotalView[],
 *   statusText: string, totalsText: string, selected: number, currencies: string[], types: Choice[],
 *   statuses: Choice[]}} WorkspaceState
 * @typedef {{index: number, id: string, shortId: string, customer: string, accountType: string,
 *   typeLabel: string, status: string, statusLabel: string, statusTone: StatusTone, currency: string,
 *   available?: string, total?: string, updated: string, selected: boolean, matched?: string}} RowView
 * @typedef {{loadId: number, version: number, offset: number, count: number, rows: RowView[]}} RowsView
 * @typedef {{kind: 'internal', account: AccountView} | {kind: 'external', account: ExternalAccountView}} DetailView
 */

/**
 * Starts loading every page of a list in Rust (in the background).
 * @param {{list: 'platform'|'customers'|'external', customerId?: string | undefined,
 *   externalOwner?: 'platform'|'customer' | undefined}} query
 * @returns {Promise<WorkspaceState>}
 */
export const workspaceLoad = (query) => call('workspace_load', compact(query));

/** @returns {Promise<WorkspaceState>} progress, counts and totals now */
export const workspaceState = () => call('workspace_state');

/** @returns {Promise<WorkspaceState>} */
export const workspaceCancel = () => call('workspace_cancel');

/**
 * @param {{sort?: TableSort, currency?: string, type?: string, status?: string, customer?: string,
 *   find?: string}} view (empty strings mean "any")
 * @returns {Promise<WorkspaceState>}
 */
export const workspaceView = (view) => call('workspace_view', compact(view));

/** @param {number} offset @param {number} limit @returns {Promise<RowsView>} */
export const workspaceRows = (offset, limit) => call('workspace_rows', { offset, limit });

/**
 * @param {string} text
 * @returns {Promise<{matches: number, hits: {id: string, shortId: string, customer: string, currency: string, matched: string}[]}>}
 */
export const workspaceFind = (text) => call('workspace_find', { text });

/**
 * @param {{ids?: string[], selected?: boolean, all?: boolean, clear?: boolean}} change
 * @returns {Promise<WorkspaceState>}
 */
export const workspaceSelect = (change) => call('workspace_select', change);

/** @returns {Promise<{ids: string[]}>} */
export const workspaceSelection = () => call('workspace_selection');

/** @param {string} id @returns {Promise<DetailView>} */
export const workspaceAccount = (id) => call('workspace_account', { id });

/**
 * The balance report CSV, saved where the person chooses (a native dialog opened by Rust).
 * @param {number} utcOffsetMinutes
 * @returns {Promise<SaveOutcome>}
 */
export const workspaceExportCsv = (utcOffsetMinutes) => call('workspace_export_csv', { utcOffsetMinutes });
