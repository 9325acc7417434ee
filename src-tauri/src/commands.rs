//! The IPC commands of docs/app-contract.md. Each takes the window's one camelCase argument
//! object as `request` (see `ui/bridge.js`), forwards it to a `GridDesk` service in one line,
//! and answers with data or a `UiError` ({code, message}); none returns a secret.

use deposit_instructions::{AccountView, ExternalAccountView, Paper};
use grid_desk_core::accounts::{
    CancelListingRequest, CheckAmountRequest, CheckedAmount, CustomerAccountsRequest,
    ExternalAccountsRequest, FundRequest, PageView, PlatformAccountsRequest,
};
use grid_desk_core::activity::{
    JournalInfo, JournalPage, JournalRequest, JournalSaveOutcome, LastKnownAccounts,
    LastKnownRequest, SaveJournalCsvRequest,
};
use grid_desk_core::connections::{
    AppStateView, ConnectionRequest, SaveConnectionRequest, TestResult,
};
use grid_desk_core::monitor::{
    DeleteThresholdRequest, MonitorView, MonitorViewRequest, SaveMonitorSettingsRequest,
    SaveThresholdRequest,
};
use grid_desk_core::preferences::{SavePreferencesRequest, UiPreferences};
use grid_desk_core::printing::{
    CopyInstructionsRequest, CopyOutcome, DefaultPaperRequest, EmailInstructionsRequest,
    EmailOutcome, PrintableAccounts, PrintableRequest, SaveCsvRequest, SaveOutcome, SavePdfRequest,
};
use grid_desk_core::qr::{self, QrRequest};
use grid_desk_core::settings::ConnectionSummary;
use grid_desk_core::signing::{
    CompleteUpdateRequest, PublicKey, SaveSessionKeyRequest, SessionKeyStatus, StartUpdateRequest,
    UpdateStart,
};
use grid_desk_core::workspace::{
    AccountRequest, DetailView, ExportRequest, FindRequest, FindView, LoadRequest, RowsRequest,
    RowsView, SelectRequest, SelectionView, ViewRequest, WorkspaceState,
};
use grid_desk_core::{GridDesk, UiResult};
use tauri::{AppHandle, Runtime, State};

use grid_desk_core::logs::LogsFolder;
use grid_desk_core::notices::Notice;

use crate::dialog::{NativeFolderOpener, NativeSaveDialog};
use crate::share::{SystemClipboard, SystemMailClient};

type Desk<'a> = State<'a, GridDesk>;

#[tauri::command]
pub async fn app_state(desk: Desk<'_>) -> UiResult<AppStateView> {
    desk.connections.app_state().await
}

#[tauri::command]
pub async fn save_connection(
    desk: Desk<'_>,
    request: SaveConnectionRequest,
) -> UiResult<ConnectionSummary> {
    desk.connections.save(request).await
}

#[tauri::command]
pub async fn delete_connection(desk: Desk<'_>, request: ConnectionRequest) -> UiResult<()> {
    desk.connections.delete(request).await
}

#[tauri::command]
pub async fn switch_connection(
    desk: Desk<'_>,
    request: ConnectionRequest,
) -> UiResult<ConnectionSummary> {
    desk.connections.switch(request).await
}

#[tauri::command]
pub async fn test_connection(desk: Desk<'_>, request: ConnectionRequest) -> UiResult<TestResult> {
    desk.connections.test(request).await
}

#[tauri::command]
pub async fn reset_demo(desk: Desk<'_>) -> UiResult<()> {
    desk.demo.reset().await
}

#[tauri::command]
pub async fn list_platform_accounts(
    desk: Desk<'_>,
    request: PlatformAccountsRequest,
) -> UiResult<Vec<AccountView>> {
    desk.accounts.list_platform(request).await
}

#[tauri::command]
pub async fn list_customer_accounts(
    desk: Desk<'_>,
    request: CustomerAccountsRequest,
) -> UiResult<PageView<AccountView>> {
    desk.accounts.list_customer(request).await
}

#[tauri::command]
pub async fn list_external_accounts(
    desk: Desk<'_>,
    request: ExternalAccountsRequest,
) -> UiResult<PageView<ExternalAccountView>> {
    desk.accounts.list_external(request).await
}

#[tauri::command]
pub async fn qr_svg(request: QrRequest) -> UiResult<String> {
    qr::qr_svg(request)
}

#[tauri::command]
pub async fn check_amount(desk: Desk<'_>, request: CheckAmountRequest) -> UiResult<CheckedAmount> {
    desk.accounts.check_amount(request)
}

#[tauri::command]
pub async fn fund_sandbox_account(desk: Desk<'_>, request: FundRequest) -> UiResult<AccountView> {
    desk.accounts.fund(request).await
}

#[tauri::command]
pub async fn start_account_update(
    desk: Desk<'_>,
    request: StartUpdateRequest,
) -> UiResult<UpdateStart> {
    desk.signing.start_update(request).await
}

#[tauri::command]
pub async fn complete_account_update(
    desk: Desk<'_>,
    request: CompleteUpdateRequest,
) -> UiResult<AccountView> {
    desk.signing.complete_update(request).await
}

#[tauri::command]
pub async fn session_key_status(desk: Desk<'_>) -> UiResult<SessionKeyStatus> {
    desk.signing.session_key_status().await
}

#[tauri::command]
pub async fn save_session_key(
    desk: Desk<'_>,
    request: SaveSessionKeyRequest,
) -> UiResult<PublicKey> {
    desk.signing.save_session_key(request).await
}

#[tauri::command]
pub async fn generate_session_key(desk: Desk<'_>) -> UiResult<PublicKey> {
    desk.signing.generate_session_key().await
}

#[tauri::command]
pub async fn delete_session_key(desk: Desk<'_>) -> UiResult<()> {
    desk.signing.delete_session_key().await
}

#[tauri::command]
pub async fn default_paper(desk: Desk<'_>, request: DefaultPaperRequest) -> UiResult<Paper> {
    Ok(desk.printing.default_paper(request))
}

#[tauri::command]
pub async fn list_printable_accounts(
    desk: Desk<'_>,
    request: PrintableRequest,
) -> UiResult<PrintableAccounts> {
    desk.printing.printable(request).await
}

#[tauri::command]
pub async fn save_deposit_pdf<R: Runtime>(
    app: AppHandle<R>,
    desk: Desk<'_>,
    request: SavePdfRequest,
) -> UiResult<SaveOutcome> {
    desk.printing
        .save_pdf(request, &NativeSaveDialog(app))
        .await
}

#[tauri::command]
pub async fn save_deposit_csv<R: Runtime>(
    app: AppHandle<R>,
    desk: Desk<'_>,
    request: SaveCsvRequest,
) -> UiResult<SaveOutcome> {
    desk.printing
        .save_csv(request, &NativeSaveDialog(app))
        .await
}

#[tauri::command]
pub async fn copy_deposit_instructions<R: Runtime>(
    app: AppHandle<R>,
    desk: Desk<'_>,
    request: CopyInstructionsRequest,
) -> UiResult<CopyOutcome> {
    desk.printing.copy_all(request, &SystemClipboard(app)).await
}

#[tauri::command]
pub async fn email_deposit_instructions<R: Runtime>(
    app: AppHandle<R>,
    desk: Desk<'_>,
    request: EmailInstructionsRequest,
) -> UiResult<EmailOutcome> {
    desk.printing
        .email(
            request,
            &NativeSaveDialog(app.clone()),
            &SystemMailClient(app),
        )
        .await
}

#[tauri::command]
pub async fn get_preferences(desk: Desk<'_>) -> UiResult<UiPreferences> {
    Ok(desk.preferences.get())
}

#[tauri::command]
pub async fn save_preferences(
    desk: Desk<'_>,
    request: SavePreferencesRequest,
) -> UiResult<UiPreferences> {
    desk.preferences.save(request).await
}

#[tauri::command]
pub async fn get_monitor(desk: Desk<'_>, request: MonitorViewRequest) -> UiResult<MonitorView> {
    desk.monitor.view(request).await
}

#[tauri::command]
pub async fn refresh_balances(desk: Desk<'_>) -> UiResult<MonitorView> {
    desk.monitor.refresh_now().await
}

#[tauri::command]
pub async fn save_monitor_settings(
    desk: Desk<'_>,
    request: SaveMonitorSettingsRequest,
) -> UiResult<MonitorView> {
    desk.monitor.save_settings(request).await
}

#[tauri::command]
pub async fn save_balance_threshold(
    desk: Desk<'_>,
    request: SaveThresholdRequest,
) -> UiResult<MonitorView> {
    desk.monitor.save_threshold(request).await
}

#[tauri::command]
pub async fn delete_balance_threshold(
    desk: Desk<'_>,
    request: DeleteThresholdRequest,
) -> UiResult<MonitorView> {
    desk.monitor.delete_threshold(request).await
}

#[tauri::command]
pub async fn list_notices(desk: Desk<'_>) -> UiResult<Vec<Notice>> {
    Ok(desk.notices.list())
}

#[tauri::command]
pub async fn cancel_listing(desk: Desk<'_>, request: CancelListingRequest) -> UiResult<bool> {
    Ok(desk.accounts.cancel_listing(request))
}

#[tauri::command]
pub async fn open_logs_folder<R: Runtime>(
    app: AppHandle<R>,
    desk: Desk<'_>,
) -> UiResult<LogsFolder> {
    desk.logs.open_folder(&NativeFolderOpener(app))
}

// ----- activity journal and last-known accounts ---------------------------------------------

#[tauri::command]
pub async fn journal_info(desk: Desk<'_>) -> UiResult<JournalInfo> {
    desk.journal.info()
}

#[tauri::command]
pub async fn journal_entries(desk: Desk<'_>, request: JournalRequest) -> UiResult<JournalPage> {
    desk.journal.entries(request)
}

#[tauri::command]
pub async fn save_journal_csv<R: Runtime>(
    app: AppHandle<R>,
    desk: Desk<'_>,
    request: SaveJournalCsvRequest,
) -> UiResult<JournalSaveOutcome> {
    desk.journal.save_csv(request, &NativeSaveDialog(app)).await
}

#[tauri::command]
pub async fn last_known_accounts(
    desk: Desk<'_>,
    request: LastKnownRequest,
) -> UiResult<Option<LastKnownAccounts>> {
    desk.accounts.last_known(request).await
}

// ----- the accounts table (grid_desk_core::workspace) ----------------------------------------

#[tauri::command]
pub async fn workspace_load(desk: Desk<'_>, request: LoadRequest) -> UiResult<WorkspaceState> {
    desk.workspace.load(request).await
}

#[tauri::command]
pub async fn workspace_state(desk: Desk<'_>) -> UiResult<WorkspaceState> {
    Ok(desk.workspace.state())
}

#[tauri::command]
pub async fn workspace_cancel(desk: Desk<'_>) -> UiResult<WorkspaceState> {
    Ok(desk.workspace.cancel())
}

#[tauri::command]
pub async fn workspace_view(desk: Desk<'_>, request: ViewRequest) -> UiResult<WorkspaceState> {
    desk.workspace.view(request)
}

#[tauri::command]
pub async fn workspace_rows(desk: Desk<'_>, request: RowsRequest) -> UiResult<RowsView> {
    desk.workspace.rows(request)
}

#[tauri::command]
pub async fn workspace_find(desk: Desk<'_>, request: FindRequest) -> UiResult<FindView> {
    desk.workspace.find(request)
}

#[tauri::command]
pub async fn workspace_select(desk: Desk<'_>, request: SelectRequest) -> UiResult<WorkspaceState> {
    Ok(desk.workspace.select(request))
}

#[tauri::command]
pub async fn workspace_selection(desk: Desk<'_>) -> UiResult<SelectionView> {
    Ok(desk.workspace.selection())
}

#[tauri::command]
pub async fn workspace_account(desk: Desk<'_>, request: AccountRequest) -> UiResult<DetailView> {
    desk.workspace.account(request)
}

#[tauri::command]
pub async fn workspace_export_csv<R: Runtime>(
    app: AppHandle<R>,
    desk: Desk<'_>,
    request: ExportRequest,
) -> UiResult<SaveOutcome> {
    desk.workspace
        .export_csv(request, &desk.printing, &NativeSaveDialog(app))
        .await
}
