//! Grid Desk: the Tauri shell. Commands are thin adapters (`commands.rs`) over `AppState`
//! (`state.rs`), which holds the connections (`connections.rs`, `keychain.rs`), the offline
//! demo (`demo.rs`) and the account operations (`accounts.rs`). Everything but this file and
//! `commands.rs` runs in tests without a window.

pub mod accounts;
pub mod commands;
pub mod connections;
pub mod demo;
pub mod error;
pub mod input;
pub mod keychain;
pub mod printing;
pub mod state;

use std::sync::Arc;

use tauri::{Manager as _, RunEvent, Runtime};

use crate::state::{AppState, EnvConnection, StateOptions};

/// Registers the IPC commands of docs/app-contract.md. Shared by the app and the command
/// tests (`tauri::test::mock_builder()`); the permissions for them are in
/// `capabilities/default.json` and the list in `build.rs` must name the same commands.
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::app_state,
        commands::save_connection,
        commands::delete_connection,
        commands::switch_connection,
        commands::test_connection,
        commands::reset_demo,
        commands::list_platform_accounts,
        commands::list_customer_accounts,
        commands::list_external_accounts,
        commands::qr_svg,
        commands::check_amount,
        commands::fund_sandbox_account,
        commands::start_account_update,
        commands::complete_account_update,
        commands::session_key_status,
        commands::save_session_key,
        commands::generate_session_key,
        commands::delete_session_key,
        commands::default_paper,
        commands::list_printable_accounts,
        commands::save_deposit_pdf,
        commands::save_deposit_csv,
    ])
}

fn setup<R: Runtime>(app: &mut tauri::App<R>) -> Result<(), Box<dyn std::error::Error>> {
    let config_dir = app.path().app_config_dir()?;
    let data_dir = app.path().app_data_dir()?;
    let demo_addr = demo::demo_addr_from_env()?;
    // A bad seed size stops the start here, like a bad address, not later in the demo.
    demo::seed_accounts_from_env()?;
    let state = AppState::new(StateOptions {
        config_dir,
        data_dir,
        demo_addr,
        env: EnvConnection::from_env(),
        store: Arc::new(keychain::KeyringStore),
    });
    app.manage(state);
    // The first screen is the demo for a new user: have the simulator listening by the time
    // the window asks for accounts.
    let handle = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        let state = handle.state::<AppState>();
        if state.active_id().await == connections::DEMO_ID {
            if let Err(err) = state.ensure_demo().await {
                tracing::warn!("the offline demo did not start: {err}");
            }
        }
    });
    Ok(())
}

/// Opens the window and runs until it is closed.
pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,grid_desk=info")),
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log file or a support ticket gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let app = with_commands(tauri::Builder::default())
        .plugin(tauri_plugin_clipboard_manager::init())
        // Save dialogs are opened from Rust only; the window has no dialog permission.
        .plugin(tauri_plugin_dialog::init())
        .setup(setup)
        .build(tauri::generate_context!("../tauri.conf.json"));
    let app = match app {
        Ok(app) => app,
        Err(err) => {
            eprintln!("Grid Desk could not start: {err}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            // Let the demo simulator finish writing its state file.
            if let Some(state) = handle.try_state::<AppState>() {
                tauri::async_runtime::block_on(state.shutdown());
            }
        }
    });
}
