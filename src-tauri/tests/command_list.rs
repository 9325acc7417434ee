//! The command list is declared once (`src/command_list.rs`, used by `build.rs` and `lib.rs`);
//! the places that must name the same commands are checked against it here: the capability
//! file (what the window may call), `ui/bridge.js` (what it calls) and docs/app-contract.md
//! (what people read). Each check fails with the names that differ.

use std::collections::BTreeSet;
use std::path::Path;

include!("../src/command_list.rs");

macro_rules! command_names {
    ($($name:ident),* $(,)?) => {
        &[$(stringify!($name)),*]
    };
}

const COMMANDS: &[&str] = grid_desk_commands!(command_names);

fn declared() -> BTreeSet<String> {
    COMMANDS.iter().map(|c| (*c).to_owned()).collect()
}

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Fails with what is missing on each side.
fn assert_same(place: &str, found: &BTreeSet<String>) {
    let declared = declared();
    let missing: Vec<_> = declared.difference(found).collect();
    let extra: Vec<_> = found.difference(&declared).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{place} does not name the commands of src/command_list.rs: missing {missing:?}, not declared {extra:?}"
    );
}

/// The text between `start` and the next `end` after each occurrence of `start`.
fn between<'a>(text: &'a str, start: &'a str, end: char) -> impl Iterator<Item = &'a str> {
    text.split(start)
        .skip(1)
        .filter_map(move |rest| rest.split_once(end).map(|(name, _)| name))
}

#[test]
fn the_list_has_no_repeats() {
    assert_eq!(
        declared().len(),
        COMMANDS.len(),
        "a command is declared twice"
    );
}

#[test]
fn the_capability_file_grants_exactly_the_declared_commands() {
    let capabilities: serde_json::Value =
        serde_json::from_str(&read("capabilities/default.json")).expect("valid JSON");
    let granted: BTreeSet<String> = capabilities["permissions"]
        .as_array()
        .expect("a permissions array")
        .iter()
        .filter_map(serde_json::Value::as_str)
        // Plugin permissions are `plugin:allow-…`; the app's own are `allow-<command>`.
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    assert_same("capabilities/default.json", &granted);
}

#[test]
fn the_bridge_calls_exactly_the_declared_commands() {
    let bridge = read("../ui/bridge.js");
    let called: BTreeSet<String> = between(&bridge, "call('", '\'')
        .map(str::to_owned)
        .collect();
    assert_same("ui/bridge.js", &called);
}

#[test]
fn the_app_contract_documents_exactly_the_declared_commands() {
    let contract = read("../docs/app-contract.md");
    let table = contract
        .split("## IPC commands")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("docs/app-contract.md has an \"IPC commands\" section");
    let documented: BTreeSet<String> = table
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`').map(|(name, _)| name.to_owned()))
        .collect();
    assert_same("docs/app-contract.md", &documented);
}

#[test]
fn build_rs_and_lib_rs_take_the_list_from_the_one_declaration() {
    for (file, use_site) in [
        ("build.rs", "grid_desk_commands!(command_names)"),
        ("src/lib.rs", "grid_desk_commands!(register_commands)"),
    ] {
        assert!(
            read(file).contains(use_site),
            "{file} must build its command list with {use_site}, not a list of its own"
        );
    }
}

/// Only Rust notifies (the balance monitor) and opens dialogs: no capability file grants the
/// window a permission of the notification or dialog plugins, nor any plugin permission other
/// than listening to the app's events and writing text to the clipboard.
#[test]
fn the_window_is_never_granted_notification_or_other_plugin_permissions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities");
    let mut plugin_permissions = BTreeSet::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("the capabilities folder") {
        let path = entry.expect("a capability file").path();
        let text = std::fs::read_to_string(&path).expect("readable");
        files += 1;
        // Any mention at all, also as an object `{ "identifier": "notification:…" }`.
        assert!(
            !text.contains("notification:") && !text.contains("dialog:"),
            "{} grants the window a notification or dialog permission",
            path.display()
        );
        let capability: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        for permission in capability["permissions"].as_array().expect("permissions") {
            let name = permission
                .as_str()
                .or_else(|| permission["identifier"].as_str())
                .expect("a permission name");
            if !name.starts_with("allow-") {
                plugin_permissions.insert(name.to_owned());
            }
        }
    }
    assert!(files >= 1, "no capability file in {}", dir.display());
    let expected: BTreeSet<String> = [
        "core:event:allow-listen",
        "core:event:allow-unlisten",
        "clipboard-manager:allow-write-text",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(plugin_permissions, expected);
}
