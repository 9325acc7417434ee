// The command list, declared once in `src/command_list.rs` (shared with `lib.rs`).
include!("src/command_list.rs");

macro_rules! command_names {
    ($($name:ident),* $(,)?) => {
        &[$(stringify!($name)),*]
    };
}

/// Listing the app's own commands turns on Tauri's access control for them: the window may
/// call only those granted in `capabilities/default.json` (`allow-<command-name>`).
const COMMANDS: &[&str] = grid_desk_commands!(command_names);

fn main() {
    println!("cargo:rerun-if-changed=src/command_list.rs");
    // The config lives at the repository root, beside the front end (`ui/`) and `icons/`.
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
