//! The real OS keychain (on Linux: the Secret Service over D-Bus). Ignored by default because
//! it needs an unlocked keychain; `scripts/test` runs it inside a private D-Bus session with
//! gnome-keyring unlocked:
//!
//! ```text
//! dbus-run-session -- bash -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null;
//!   cargo test -p grid-desk-core --test keychain -- --ignored'
//! ```

use std::sync::Arc;

use grid_client::Secret;
use grid_desk_core::connections::SaveConnectionRequest;
use grid_desk_core::keychain::{entry_user, KeyringStore, SecretKind, SecretStore};
use grid_desk_core::{DeskOptions, GridDesk};

#[test]
#[ignore = "needs a Secret Service; run via scripts/test"]
fn saves_reads_and_deletes_a_credential() {
    let store = KeyringStore;
    let connection = format!("keychain-test-{}", uuid::Uuid::new_v4());
    let user = entry_user(&connection, SecretKind::ClientSecret);
    assert_eq!(
        store.get(&user).expect("the keychain answers"),
        None,
        "a fresh entry does not exist yet"
    );
    store
        .set(&user, &Secret::new("grid-desk-test-secret"))
        .expect("saving to the keychain works (is it unlocked?)");
    let read = store
        .get(&user)
        .expect("reading works")
        .expect("the entry exists");
    assert_eq!(read.expose(), "grid-desk-test-secret");
    store.delete(&user).expect("deleting works");
    assert_eq!(store.get(&user).expect("reading works"), None, "deleted");
    store
        .delete(&user)
        .expect("deleting a missing entry is fine");
}

#[tokio::test]
#[ignore = "needs a Secret Service; run via scripts/test"]
async fn a_saved_connection_keeps_its_secrets_in_the_keychain_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn SecretStore> = Arc::new(KeyringStore);
    let state = GridDesk::new(DeskOptions::new(
        dir.path().join("config"),
        dir.path().join("data"),
        Arc::clone(&store),
    ));
    let saved = state
        .connections
        .save(SaveConnectionRequest {
            id: None,
            name: "Keychain test".into(),
            environment: "sandbox".into(),
            base_url: String::new(),
            token_id: Some(Secret::new("token-for-keychain-test")),
            client_secret: Some(Secret::new("secret-for-keychain-test")),
        })
        .await
        .expect("saved through the real keychain");
    let secret = store
        .get(&entry_user(&saved.id, SecretKind::ClientSecret))
        .expect("read")
        .expect("stored");
    assert_eq!(secret.expose(), "secret-for-keychain-test");
    let file = std::fs::read_to_string(dir.path().join("config/connections.json")).expect("file");
    assert!(
        !file.contains("secret-for-keychain-test") && !file.contains("token-for-keychain-test")
    );

    state
        .connections
        .delete(grid_desk_core::connections::ConnectionRequest {
            id: saved.id.clone(),
        })
        .await
        .expect("deleted");
    for kind in SecretKind::ALL {
        assert_eq!(
            store.get(&entry_user(&saved.id, kind)).expect("read"),
            None,
            "deleting a connection removes its {kind:?} entry"
        );
    }
}
