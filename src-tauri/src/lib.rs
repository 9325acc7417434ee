//! Grid Desk: the Tauri edge. Everything the app does is in `grid-desk-core` (connections,
//! keychain, demo, accounts and funding, signing, printing); this crate only opens the window
//! and connects it to that:
//!
//! - `commands.rs`: the IPC commands of docs/app-contract.md, each one line forwarding its
//!   request to a `grid_desk_core::GridDesk` service;
//! - `command_list.rs`: the one declaration of the command list (also read by `build.rs`);
//! - `dialog.rs`: the native save dialog, opened from Rust;
//! - this file: logging, plugins, setup (paths and environment → `GridDesk`), the exit hook.
//!
//! A fund click, for example: `ui/funding.js` → `ui/bridge.js` `fundSandboxAccount` →
//! `fund_sandbox_account` (`commands.rs`) → `grid_desk_core::Accounts::fund` →
//! `grid_client::GridClient::fund_sandbox_internal_account`.

#[macro_use]
mod command_list;
pub mod commands;
pub mod dialog;
pub mod monitor;

use std::sync::Arc;

use grid_desk_core::keychain::KeyringStore;
use grid_desk_core::settings::EnvConnection;
use grid_desk_core::{demo, printing, DeskOptions, GridDesk};
use tauri::{Manager as _, RunEvent, Runtime};

macro_rules! register_commands {
    ($($name:ident),* $(,)?) => {
        /// The IPC command names, in the order `command_list.rs` declares them.
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),*];

        /// Registers the IPC commands. Shared by the app and the command tests
        /// (`tauri::test::mock_builder()`).
        pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
            builder.invoke_handler(tauri::generate_handler![$(commands::$name),*])
        }
    };
}

grid_desk_commands!(register_commands);

fn setup<R: Runtime>(app: &mut tauri::App<R>) -> Result<(), Box<dyn std::error::Error>> {
    let demo_addr = demo::demo_addr_from_env()?;
    // A bad seed size stops the start here, like a bad address, not later in the demo.
    demo::seed_accounts_from_env()?;
    let mut options = DeskOptions::new(
        app.path().app_config_dir()?,
        app.path().app_data_dir()?,
        Arc::new(KeyringStore),
    );
    options.demo_addr = demo_addr;
    options.env = EnvConnection::from_env();
    options.export_dir = printing::export_dir_from_env();
    app.manage(GridDesk::new(options));
    let handle = app.handle().clone();
    tauri::async_runtime::spawn(async move { handle.state::<GridDesk>().start().await });
    // Balance monitoring and low-balance notifications (monitor.rs).
    monitor::start(app.handle());
    Ok(())
}

/// Opens the window and runs until it is closed.
pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("warn,grid_desk=info,grid_desk_core=info")
            }),
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log file or a support ticket gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let app = with_commands(tauri::Builder::default())
        .plugin(tauri_plugin_clipboard_manager::init())
        // Save dialogs are opened from Rust only; the window has no dialog permission.
        .plugin(tauri_plugin_dialog::init())
        // Low-balance alerts as desktop notifications, sent from Rust (monitor.rs).
        .plugin(tauri_plugin_notification::init())
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
            if let Some(desk) = handle.try_state::<GridDesk>() {
                tauri::async_runtime::block_on(desk.shutdown());
            }
        }
    });
}
