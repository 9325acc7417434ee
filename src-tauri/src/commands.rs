//! The IPC commands of docs/app-contract.md: thin adapters from the window's camelCase
//! arguments to `AppState`. Each returns data or a `UiError` ({code, message}); none returns a
//! secret.

use deposit_instructions::{AccountView, ExternalAccountView};
use grid_client::Secret;
use tauri::{AppHandle, Manager as _, Runtime, State};

use crate::accounts::{CheckedAmount, PageView, UpdateStart};
use crate::connections::ConnectionSummary;
use crate::error::{UiError, UiResult};
use crate::printing::{self, Export, PrintScope, SaveOutcome, Stamp};
use crate::state::{
    AppState, AppStateView, ConnectionInput, PublicKey, SessionKeyStatus, SignMethod, TestResult,
};

/// QR codes are drawn at least this wide so a phone can read them off a screen.
pub const QR_MIN_PX: u32 = 240;

#[tauri::command]
pub async fn app_state(state: State<'_, AppState>) -> UiResult<AppStateView> {
    state.app_state().await
}

#[tauri::command]
pub async fn save_connection(
    state: State<'_, AppState>,
    id: Option<String>,
    name: String,
    environment: String,
    base_url: Option<String>,
    token_id: Option<String>,
    client_secret: Option<String>,
) -> UiResult<ConnectionSummary> {
    state
        .save_connection(ConnectionInput {
            id,
            name,
            environment,
            base_url: base_url.unwrap_or_default(),
            token_id: token_id.map(Secret::new),
            client_secret: client_secret.map(Secret::new),
        })
        .await
}

#[tauri::command]
pub async fn delete_connection(state: State<'_, AppState>, id: String) -> UiResult<()> {
    state.delete_connection(&id).await
}

#[tauri::command]
pub async fn switch_connection(
    state: State<'_, AppState>,
    id: String,
) -> UiResult<ConnectionSummary> {
    state.switch_connection(&id).await
}

#[tauri::command]
pub async fn test_connection(state: State<'_, AppState>, id: String) -> UiResult<TestResult> {
    state.test_connection(&id).await
}

#[tauri::command]
pub async fn reset_demo(state: State<'_, AppState>) -> UiResult<()> {
    state.reset_demo().await
}

#[tauri::command]
pub async fn list_platform_accounts(
    state: State<'_, AppState>,
    currency: Option<String>,
    r#type: Option<String>,
) -> UiResult<Vec<AccountView>> {
    state.list_platform_accounts(currency, r#type).await
}

#[tauri::command]
pub async fn list_customer_accounts(
    state: State<'_, AppState>,
    customer_id: Option<String>,
    currency: Option<String>,
    r#type: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
) -> UiResult<PageView<AccountView>> {
    state
        .list_customer_accounts(customer_id, currency, r#type, cursor, limit)
        .await
}

#[tauri::command]
pub async fn list_external_accounts(
    state: State<'_, AppState>,
    platform: bool,
    customer_id: Option<String>,
    currency: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
) -> UiResult<PageView<ExternalAccountView>> {
    state
        .list_external_accounts(platform, customer_id, currency, cursor, limit)
        .await
}

#[tauri::command]
pub async fn qr_svg(value: String) -> UiResult<String> {
    if value.is_empty() {
        return Err(UiError::validation("There is nothing to encode."));
    }
    deposit_instructions::qr_svg(&value, QR_MIN_PX).map_err(|e| UiError::validation(e.to_string()))
}

#[tauri::command]
pub async fn check_amount(
    state: State<'_, AppState>,
    text: String,
    currency_code: Option<String>,
    decimals: Option<u32>,
    currency_symbol: Option<String>,
) -> UiResult<CheckedAmount> {
    state.check_amount(&text, currency_code, decimals, currency_symbol)
}

#[tauri::command]
pub async fn fund_sandbox_account(
    state: State<'_, AppState>,
    account_id: String,
    amount: i64,
    customer_id: Option<String>,
) -> UiResult<AccountView> {
    state
        .fund_sandbox_account(&account_id, amount, customer_id)
        .await
}

#[tauri::command]
pub async fn start_account_update(
    state: State<'_, AppState>,
    account_id: String,
    private_enabled: bool,
) -> UiResult<UpdateStart> {
    state
        .start_account_update(&account_id, private_enabled)
        .await
}

#[tauri::command]
pub async fn complete_account_update(
    state: State<'_, AppState>,
    account_id: String,
    request_id: String,
    method: String,
    stamp: Option<String>,
) -> UiResult<AccountView> {
    let method = SignMethod::parse(&method, stamp)?;
    state
        .complete_account_update(&account_id, &request_id, method)
        .await
}

#[tauri::command]
pub async fn session_key_status(state: State<'_, AppState>) -> UiResult<SessionKeyStatus> {
    state.session_key_status().await
}

#[tauri::command]
pub async fn save_session_key(
    state: State<'_, AppState>,
    private_key_hex: String,
) -> UiResult<PublicKey> {
    state.save_session_key(Secret::new(private_key_hex)).await
}

#[tauri::command]
pub async fn generate_session_key(state: State<'_, AppState>) -> UiResult<PublicKey> {
    state.generate_session_key().await
}

#[tauri::command]
pub async fn delete_session_key(state: State<'_, AppState>) -> UiResult<()> {
    state.delete_session_key().await
}

#[tauri::command]
pub async fn default_paper(locale: String) -> UiResult<deposit_instructions::Paper> {
    Ok(printing::default_paper(&locale))
}

#[tauri::command]
pub async fn list_printable_accounts(
    state: State<'_, AppState>,
    scope: PrintScope,
) -> UiResult<Vec<AccountView>> {
    Ok(state.print_job(&scope).await?.accounts)
}

#[tauri::command]
pub async fn save_deposit_pdf<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    scope: PrintScope,
    paper: String,
    include_balances: Option<bool>,
    utc_offset_minutes: Option<i32>,
) -> UiResult<SaveOutcome> {
    let paper = printing::parse_paper(&paper)?;
    let job = state.print_job(&scope).await?;
    let stamp = Stamp::now(utc_offset_minutes);
    let options = job.sheet_options(paper, include_balances.unwrap_or(false), &stamp);
    // Hundreds of sheets take a moment: keep them off the async workers.
    let export = tokio::task::spawn_blocking(move || {
        printing::pdf_export(&job.accounts, &options, &stamp.date())
    })
    .await
    .map_err(|e| UiError::unknown(format!("The PDF could not be made: {e}")))??;
    save_export(&app, export).await
}

#[tauri::command]
pub async fn save_deposit_csv<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    scope: PrintScope,
    include_balances: Option<bool>,
    utc_offset_minutes: Option<i32>,
) -> UiResult<SaveOutcome> {
    let job = state.print_job(&scope).await?;
    let stamp = Stamp::now(utc_offset_minutes);
    let export = printing::csv_export(
        &job.accounts,
        include_balances.unwrap_or(false),
        &stamp.date(),
    )?;
    save_export(&app, export).await
}

/// Asks where to save (or uses `GRID_DESK_EXPORT_DIR`), then writes the file atomically. The
/// path never comes from the window.
async fn save_export<R: Runtime>(app: &AppHandle<R>, export: Export) -> UiResult<SaveOutcome> {
    let path = match printing::export_dir_from_env() {
        Some(dir) => printing::unused_path(&dir, &export.file_name),
        None => match ask_where_to_save(app, &export).await? {
            Some(path) => path,
            None => return Ok(SaveOutcome::cancelled()),
        },
    };
    tokio::task::spawn_blocking(move || printing::save_export(&export, &path))
        .await
        .map_err(|e| UiError::unknown(format!("The file could not be saved: {e}")))?
}

/// The native save dialog, opened from Rust: the window needs no dialog permission.
async fn ask_where_to_save<R: Runtime>(
    app: &AppHandle<R>,
    export: &Export,
) -> UiResult<Option<std::path::PathBuf>> {
    use tauri_plugin_dialog::DialogExt as _;
    if app.try_state::<tauri_plugin_dialog::Dialog<R>>().is_none() {
        return Err(UiError::unknown(
            "The save dialog is not available in this build of Grid Desk.",
        ));
    }
    let (filter_name, extension) = export.filter;
    let mut dialog = app
        .dialog()
        .file()
        .set_title("Save deposit instructions")
        .add_filter(filter_name, &[extension])
        .set_file_name(&export.file_name);
    if let Some(window) = app.get_webview_window("main") {
        dialog = dialog.set_parent(&window);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    dialog.save_file(move |chosen| {
        let _ = tx.send(chosen);
    });
    let chosen = rx.await.unwrap_or(None);
    match chosen {
        None => Ok(None),
        Some(file) => file
            .into_path()
            .map(|path| Some(printing::with_extension(path, extension)))
            .map_err(|_| UiError::validation("Choose a file on this computer to save to.")),
    }
}
