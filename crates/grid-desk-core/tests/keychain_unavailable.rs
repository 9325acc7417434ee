//! With no D-Bus session (so no Secret Service), saving a connection must say
//! KeychainUnavailable and write nothing anywhere. Its own test binary: the keychain store is
//! chosen once per process, and this one must never see a working session bus.

#![cfg(target_os = "linux")]

use std::sync::Arc;

use grid_client::Secret;
use grid_desk_core::connections::SaveConnectionRequest;
use grid_desk_core::error::UiCode;
use grid_desk_core::keychain::KeyringStore;
use grid_desk_core::{DeskOptions, GridDesk};

#[tokio::test]
async fn saving_without_a_keychain_is_refused_and_writes_no_file() {
    // Before any keychain call in this process.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
    let dir = tempfile::tempdir().expect("tempdir");
    let config_dir = dir.path().join("config");
    let state = GridDesk::new(DeskOptions::new(
        config_dir.clone(),
        dir.path().join("data"),
        Arc::new(KeyringStore),
    ));
    let err = state
        .connections
        .save(SaveConnectionRequest {
            id: None,
            name: "No keychain".into(),
            environment: "production".into(),
            base_url: String::new(),
            token_id: Some(Secret::new("token")),
            client_secret: Some(Secret::new("do-not-store-me")),
        })
        .await
        .expect_err("there is no keychain to save to");
    assert_eq!(err.code, UiCode::KeychainUnavailable, "{err:?}");
    assert_eq!(
        err.message,
        "The system keychain is not available (locked or no Secret Service running). Nothing was saved."
    );
    assert!(
        !config_dir.join("connections.json").exists(),
        "no config file may be written when the keychain is unavailable"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("tempdir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert!(
        leftovers
            .iter()
            .all(|p| !p.join("connections.json").exists()),
        "nothing written: {leftovers:?}"
    );
    let view = state
        .connections
        .app_state()
        .await
        .expect("the app still works");
    assert_eq!(
        view.connections.len(),
        1,
        "only the demo: {:?}",
        view.connections
    );
}
