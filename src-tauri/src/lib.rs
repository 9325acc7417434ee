//! Grid Desk: the Tauri edge. Everything the app does is in `grid-desk-core` (connections,
//! keychain, demo, accounts and funding, signing, printing); this crate only opens the window
//! and connects it to that:
//!
//! - `commands.rs`: the IPC commands of docs/app-contract.md, each one line forwarding its
//!   request to a `grid_desk_core::GridDesk` service;
//! - `command_list.rs`: the one declaration of the command list (also read by `build.rs`);
//! - `dialog.rs`: the native save dialog and the logs folder opener, from Rust;
//! - `share.rs`: the clipboard and the mail client of "Copy all" and "E-mail…";
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
pub mod share;

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
    options.log_dir = app.path().app_log_dir().ok();
    let fonts = printing::fonts_from_env()?;
    let mut desk = GridDesk::new(options);
    desk.printing.set_fonts(fonts);
    app.manage(desk);
    let handle = app.handle().clone();
    tauri::async_runtime::spawn(async move { handle.state::<GridDesk>().start().await });
    // Balance monitoring and low-balance notifications (monitor.rs).
    monitor::start(app.handle());
    Ok(())
}

// ----- robustness: one instance, logs, remembered window (issues 10 and 13) -----------------

/// The most a log file grows before it is rotated, and how many rotated files are kept.
const LOG_FILE_BYTES: u128 = 5 * 1024 * 1024;
const LOG_FILES_KEPT: usize = 5;

/// `RUST_LOG` as `env_logger` reads it, in its simple form: `info`, or `warn,grid_desk_core=debug`
/// (a bare level for every crate, `target=level` for one). Unset or unreadable: our crates at
/// info, the others at warn.
fn log_plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    use tauri_plugin_log::{RotationStrategy, Target, TargetKind};
    let mut builder = tauri_plugin_log::Builder::new()
        .clear_targets()
        .target(Target::new(TargetKind::LogDir {
            file_name: Some("grid-desk".into()),
        }))
        .target(Target::new(TargetKind::Stderr))
        .max_file_size(LOG_FILE_BYTES)
        .rotation_strategy(RotationStrategy::KeepSome(LOG_FILES_KEPT))
        .level(log::LevelFilter::Warn)
        .level_for("grid_desk", log::LevelFilter::Info)
        .level_for("grid_desk_core", log::LevelFilter::Info);
    let spec = std::env::var("RUST_LOG").unwrap_or_default();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('=') {
            None => {
                if let Ok(level) = part.parse::<log::LevelFilter>() {
                    builder = builder
                        .level(level)
                        .level_for("grid_desk", level)
                        .level_for("grid_desk_core", level);
                }
            }
            Some((target, level)) => {
                if let Ok(level) = level.trim().parse::<log::LevelFilter>() {
                    builder = builder.level_for(target.trim().to_owned(), level);
                }
            }
        }
    }
    builder.build()
}

/// A second launch lands here (in the running app) and exits: the window comes forward.
fn focus_main<R: Runtime>(app: &tauri::AppHandle<R>) {
    tracing::info!("Grid Desk was opened again: showing the running window");
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// The window-state plugin writes its file only on a clean exit; a crash or a kill would forget
/// the window. Half a second after the last move or resize, it is written now.
fn save_window_state_soon<R: Runtime>(window: &tauri::Window<R>, event: &tauri::WindowEvent) {
    use std::sync::atomic::{AtomicU64, Ordering};
    use tauri_plugin_window_state::{AppHandleExt as _, StateFlags};
    static LAST_CHANGE: AtomicU64 = AtomicU64::new(0);
    if !matches!(
        event,
        tauri::WindowEvent::Moved(_) | tauri::WindowEvent::Resized(_)
    ) {
        return;
    }
    let change = LAST_CHANGE.fetch_add(1, Ordering::SeqCst) + 1;
    let app = window.app_handle().clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        if LAST_CHANGE.load(Ordering::SeqCst) == change {
            // On the main thread: the plugin holds its lock while it asks the window for its
            // size and position, and the main thread takes that lock on every move or resize;
            // asked from a worker, the two waited on each other forever (seen in the e2e run).
            let handle = app.clone();
            let saved = app.run_on_main_thread(move || {
                if let Err(err) = handle.save_window_state(StateFlags::all()) {
                    tracing::warn!("the window's size and position were not saved: {err}");
                }
            });
            if let Err(err) = saved {
                tracing::warn!("the window's size and position were not saved: {err}");
            }
        }
    });
}

/// Opens the window and runs until it is closed.
pub fn run() {
    grid_desk_core::locale::init();
    let app = with_commands(tauri::Builder::default())
        // First: a second launch must hand over before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            focus_main(app);
        }))
        .plugin(log_plugin())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .on_window_event(save_window_state_soon)
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        // Save dialogs are opened from Rust only; the window has no dialog permission.
        .plugin(tauri_plugin_dialog::init())
        // Low-balance alerts as desktop notifications, sent from Rust (monitor.rs).
        .plugin(tauri_plugin_notification::init())
        // The mail client of "E-mail…", opened from Rust only; the window has no opener permission.
        .plugin(tauri_plugin_opener::init())
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
