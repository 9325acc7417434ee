//! Secrets live only in the OS keychain (macOS Keychain, Windows Credential Manager, Linux Secret
//! Service) through the `keyring` crate. Entries are named service `com.griddesk.app`, user
//! `<connection-id>:token-id` / `:client-secret` / `:session-key`.
//!
//! The calls block (D-Bus round trips, possibly an unlock prompt), so async code goes through
//! [`run_blocking`].

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use grid_client::Secret;

/// The keychain service name: the app identifier.
pub const SERVICE: &str = "com.griddesk.app";

/// What is stored per connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    TokenId,
    ClientSecret,
    SessionKey,
}

impl SecretKind {
    pub const ALL: [Self; 3] = [Self::TokenId, Self::ClientSecret, Self::SessionKey];

    fn suffix(self) -> &'static str {
        match self {
            Self::TokenId => "token-id",
            Self::ClientSecret => "client-secret",
            Self::SessionKey => "session-key",
        }
    }
}

/// The keychain entry's user name for one secret of one connection.
pub fn entry_user(connection_id: &str, kind: SecretKind) -> String {
    format!("{connection_id}:{}", kind.suffix())
}

/// What was being done when the keychain failed; it decides what the user is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeychainOp {
    Read,
    Write,
    Delete,
}

/// Why the keychain could not be used. Never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeychainError {
    /// No keychain, or it is locked / refused access. The detail is for logs only.
    Unavailable(KeychainOp, String),
    /// Anything else the keychain reported.
    Other(String),
}

impl fmt::Display for KeychainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable(KeychainOp::Write, _) => f.write_str(
                "The system keychain is not available (locked or no Secret Service running). Nothing was saved.",
            ),
            Self::Unavailable(KeychainOp::Delete, _) => f.write_str(
                "The system keychain is not available (locked or no Secret Service running). Nothing was deleted.",
            ),
            Self::Unavailable(KeychainOp::Read, _) => f.write_str(
                "The system keychain is not available (locked or no Secret Service running), so Grid Desk cannot read what it keeps there. Unlock the keychain and try again.",
            ),
            Self::Other(detail) => write!(f, "The system keychain reported a problem: {detail}"),
        }
    }
}

impl std::error::Error for KeychainError {}

/// Where secrets are kept. Implementations block; see [`run_blocking`].
pub trait SecretStore: Send + Sync + fmt::Debug {
    /// `Ok(None)` when there is no such entry.
    fn get(&self, user: &str) -> Result<Option<Secret>, KeychainError>;
    fn set(&self, user: &str, value: &Secret) -> Result<(), KeychainError>;
    /// Deleting a missing entry is not an error.
    fn delete(&self, user: &str) -> Result<(), KeychainError>;
}

/// Runs keychain work off the async runtime's worker threads.
pub async fn run_blocking<T, F>(store: &Arc<dyn SecretStore>, work: F) -> Result<T, KeychainError>
where
    T: Send + 'static,
    F: FnOnce(&dyn SecretStore) -> Result<T, KeychainError> + Send + 'static,
{
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || work(store.as_ref()))
        .await
        .map_err(|_| KeychainError::Other("the keychain call was interrupted".into()))?
}

/// The OS keychain through `keyring` v4.
#[derive(Debug, Default)]
pub struct KeyringStore;

fn map_keyring(err: &keyring::Error, op: KeychainOp) -> KeychainError {
    // Display only: `BadEncoding`'s Debug would print the stored bytes.
    match err {
        keyring::Error::NoDefaultStore
        | keyring::Error::NoStorageAccess(_)
        | keyring::Error::PlatformFailure(_) => KeychainError::Unavailable(op, err.to_string()),
        other => KeychainError::Other(other.to_string()),
    }
}

impl KeyringStore {
    fn entry(user: &str, op: KeychainOp) -> Result<keyring::Entry, KeychainError> {
        keyring::Entry::new(SERVICE, user).map_err(|e| map_keyring(&e, op))
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, user: &str) -> Result<Option<Secret>, KeychainError> {
        match Self::entry(user, KeychainOp::Read)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring(&e, KeychainOp::Read)),
        }
    }

    fn set(&self, user: &str, value: &Secret) -> Result<(), KeychainError> {
        Self::entry(user, KeychainOp::Write)?
            .set_password(value.expose())
            .map_err(|e| map_keyring(&e, KeychainOp::Write))
    }

    fn delete(&self, user: &str) -> Result<(), KeychainError> {
        match Self::entry(user, KeychainOp::Delete)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring(&e, KeychainOp::Delete)),
        }
    }
}

/// An in-memory store for tests; can pretend to be locked.
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, String>>,
    unavailable: AtomicBool,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// From now on every call fails as a locked keychain would.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.store(unavailable, Ordering::SeqCst);
    }

    /// The entry names present (never the values).
    pub fn users(&self) -> Vec<String> {
        let mut users: Vec<String> = self.lock().keys().cloned().collect();
        users.sort();
        users
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn check(&self, op: KeychainOp) -> Result<(), KeychainError> {
        if self.unavailable.load(Ordering::SeqCst) {
            Err(KeychainError::Unavailable(op, "locked (test)".into()))
        } else {
            Ok(())
        }
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, user: &str) -> Result<Option<Secret>, KeychainError> {
        self.check(KeychainOp::Read)?;
        Ok(self.lock().get(user).map(Secret::new))
    }

    fn set(&self, user: &str, value: &Secret) -> Result<(), KeychainError> {
        self.check(KeychainOp::Write)?;
        self.lock()
            .insert(user.to_owned(), value.expose().to_owned());
        Ok(())
    }

    fn delete(&self, user: &str) -> Result<(), KeychainError> {
        self.check(KeychainOp::Delete)?;
        self.lock().remove(user);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_follow_the_app_identifier_and_connection() {
        assert_eq!(SERVICE, "com.griddesk.app");
        assert_eq!(entry_user("c1", SecretKind::TokenId), "c1:token-id");
        assert_eq!(
            entry_user("c1", SecretKind::ClientSecret),
            "c1:client-secret"
        );
        assert_eq!(entry_user("c1", SecretKind::SessionKey), "c1:session-key");
    }

    #[test]
    fn memory_store_round_trips_and_deletes() {
        let store = MemoryStore::new();
        assert_eq!(store.get("a:token-id").expect("read"), None);
        store.set("a:token-id", &Secret::new("tok")).expect("write");
        assert_eq!(
            store
                .get("a:token-id")
                .expect("read")
                .map(|s| s.expose().to_owned()),
            Some("tok".to_owned())
        );
        store.delete("a:token-id").expect("delete");
        store.delete("a:token-id").expect("deleting twice is fine");
        assert!(store.users().is_empty());
    }

    #[test]
    fn a_locked_store_says_so_and_keeps_nothing() {
        let store = MemoryStore::new();
        store.set_unavailable(true);
        let err = store
            .set("a:client-secret", &Secret::new("s3cr3t"))
            .expect_err("locked");
        assert!(matches!(
            err,
            KeychainError::Unavailable(KeychainOp::Write, _)
        ));
        assert!(err.to_string().contains("Nothing was saved"));
        assert!(!format!("{err:?} {err}").contains("s3cr3t"));
        store.set_unavailable(false);
        assert!(
            store.users().is_empty(),
            "nothing may be stored while locked"
        );
    }

    #[test]
    fn keyring_errors_that_mean_no_keychain_map_to_unavailable() {
        let e = map_keyring(&keyring::Error::NoDefaultStore, KeychainOp::Write);
        assert!(matches!(
            e,
            KeychainError::Unavailable(KeychainOp::Write, _)
        ));
        let e = map_keyring(
            &keyring::Error::NoStorageAccess(Box::new(std::io::Error::other("locked"))),
            KeychainOp::Read,
        );
        assert!(matches!(e, KeychainError::Unavailable(KeychainOp::Read, _)));
        let e = map_keyring(
            &keyring::Error::PlatformFailure(Box::new(std::io::Error::other("dbus"))),
            KeychainOp::Delete,
        );
        assert!(matches!(
            e,
            KeychainError::Unavailable(KeychainOp::Delete, _)
        ));
        let e = map_keyring(
            &keyring::Error::BadEncoding(b"s3cr3t\xff".to_vec()),
            KeychainOp::Read,
        );
        assert!(matches!(e, KeychainError::Other(_)));
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
    }
}
