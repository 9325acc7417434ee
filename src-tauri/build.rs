/// The app's own commands. Listing them turns on Tauri's access control for them: the window
/// may call only those granted in `capabilities/default.json` (`allow-<command-name>`). A new
/// command goes here, in `lib.rs` and in the capability file.
const COMMANDS: &[&str] = &[
    "app_state",
    "save_connection",
    "delete_connection",
    "switch_connection",
    "test_connection",
    "reset_demo",
    "list_platform_accounts",
    "list_customer_accounts",
    "list_external_accounts",
    "qr_svg",
    "check_amount",
    "fund_sandbox_account",
    "start_account_update",
    "complete_account_update",
    "session_key_status",
    "save_session_key",
    "generate_session_key",
    "delete_session_key",
    "default_paper",
    "list_printable_accounts",
    "save_deposit_pdf",
    "save_deposit_csv",
];

fn main() {
    // The config lives at the repository root, beside the front end (`ui/`) and `icons/`.
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
