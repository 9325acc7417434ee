//! A bare Tauri 2 window: one static page with a marker element, no commands, no plugins.
//! `tests/e2e/benches/app.rs` times its cold start beside Grid Desk's (see BENCHMARKS.md).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(err) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("bare-window could not start: {err}");
        std::process::exit(1);
    }
}
