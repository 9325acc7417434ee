//! The IPC commands of docs/app-contract.md: thin adapters from the window's camelCase
//! arguments to `AppState`. Each returns data or a `UiError` ({code, message}); none returns a
//! secret.

use deposit_instructions::{AccountView, ExternalAccountView};
use grid_client::Secret;
use tauri::State;

use crate::accounts::{CheckedAmount, PageView, UpdateStart};
use crate::connections::ConnectionSummary;
use crate::error::{UiError, UiResult};
use crate::state::{
    AppState, AppStateView, ConnectionInput, PublicKey, SessionKeyStatus, SignMethod, TestResult,
};

/// QR codes are drawn at least this wide so a phone can read them off a screen.
pub const QR_MIN_PX: u32 = 256;

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
    private_enabled: bool,
    request_id: String,
    payload_to_sign: String,
    method: String,
    stamp: Option<String>,
) -> UiResult<AccountView> {
    let method = SignMethod::parse(&method, stamp)?;
    state
        .complete_account_update(
            &account_id,
            private_enabled,
            &request_id,
            &payload_to_sign,
            method,
        )
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
