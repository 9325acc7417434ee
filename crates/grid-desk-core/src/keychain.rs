//! Secrets live only in the OS keychain (macOS Keychain, Windows Credential Manager, Linux Secret
//! Service) through the `keyring` crate. Entries are named service `com.griddesk.app`, user
//! `<connection-id>:token-id` / `:client-secret` / `:session-key`.
//!
//! The calls block (D-Bus round trips, possibly an unlock prompt), so async code goes through
//! [`run_blocking`]; the services use the [`Keychain`] wrapper, which does. `keyring` has no
//! Tauri dependency, so all of this is tested without a window ([`MemoryStore`] in tests).

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use grid_client::{Credentials, Secret};

use crate::error::{UiError, UiResult};
use crate::settings::CredentialsState;

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

/// The keychain as the services use it: a [`SecretStore`] called off the async workers, with
/// the few things kept there per connection (API credentials, the session signing key). Cheap
/// to clone; every clone uses the same store.
#[derive(Debug, Clone)]
pub struct Keychain {
    store: Arc<dyn SecretStore>,
}

/// Entries as they were before a write, to undo it.
pub type Previous = Vec<(String, Option<Secret>)>;

impl Keychain {
    pub fn new(store: Arc<dyn SecretStore>) -> Self {
        Self { store }
    }

    /// Whether both API credentials of a connection are stored.
    pub async fn credentials_state(&self, connection_id: &str) -> CredentialsState {
        let token = entry_user(connection_id, SecretKind::TokenId);
        let secret = entry_user(connection_id, SecretKind::ClientSecret);
        let found = run_blocking(&self.store, move |s| {
            Ok(s.get(&token)?.is_some_and(|v| !v.is_empty())
                && s.get(&secret)?.is_some_and(|v| !v.is_empty()))
        })
        .await;
        match found {
            Ok(true) => CredentialsState::Configured,
            Ok(false) => CredentialsState::Missing,
            Err(err) => {
                tracing::warn!("keychain check for {connection_id} failed: {err}");
                CredentialsState::Unavailable
            }
        }
    }

    /// A connection's API credentials.
    pub async fn credentials(&self, connection_id: &str) -> UiResult<Credentials> {
        let token = entry_user(connection_id, SecretKind::TokenId);
        let secret = entry_user(connection_id, SecretKind::ClientSecret);
        let (token, secret) =
            run_blocking(&self.store, move |s| Ok((s.get(&token)?, s.get(&secret)?))).await?;
        match (token, secret) {
            (Some(token), Some(secret)) if !token.is_empty() && !secret.is_empty() => {
                Ok(Credentials {
                    token_id: token.expose().to_owned(),
                    client_secret: secret,
                })
            }
            _ => Err(UiError::validation(
                "This connection has no token id and client secret in the keychain. Edit it in Settings to add them.",
            )),
        }
    }

    /// Writes a connection's new credentials (either may be left as it is), all or none: when
    /// one write fails the ones already made are undone. Returns what was there, for
    /// [`Keychain::restore`].
    pub async fn write_credentials(
        &self,
        connection_id: &str,
        token_id: Option<Secret>,
        client_secret: Option<Secret>,
    ) -> Result<Previous, KeychainError> {
        let mut entries = Vec::new();
        if let Some(token) = token_id {
            entries.push((entry_user(connection_id, SecretKind::TokenId), token));
        }
        if let Some(secret) = client_secret {
            entries.push((entry_user(connection_id, SecretKind::ClientSecret), secret));
        }
        run_blocking(&self.store, move |s| write_entries(s, &entries)).await
    }

    /// Puts back what [`Keychain::write_credentials`] replaced (best effort; failures are logged).
    pub async fn restore(&self, previous: Previous) {
        let _ = run_blocking(&self.store, move |s| {
            restore_entries(s, &previous);
            Ok(())
        })
        .await;
    }

    /// Deletes every entry of a connection.
    pub async fn delete_connection(&self, connection_id: &str) -> Result<(), KeychainError> {
        let owner = connection_id.to_owned();
        run_blocking(&self.store, move |s| {
            for kind in SecretKind::ALL {
                s.delete(&entry_user(&owner, kind))?;
            }
            Ok(())
        })
        .await
    }

    /// A connection's session signing key (private key hex), if one is saved.
    pub async fn session_key(&self, connection_id: &str) -> Result<Option<Secret>, KeychainError> {
        let user = entry_user(connection_id, SecretKind::SessionKey);
        run_blocking(&self.store, move |s| s.get(&user)).await
    }

    pub async fn set_session_key(
        &self,
        connection_id: &str,
        key: Secret,
    ) -> Result<(), KeychainError> {
        let user = entry_user(connection_id, SecretKind::SessionKey);
        run_blocking(&self.store, move |s| s.set(&user, &key)).await
    }

    pub async fn delete_session_key(&self, connection_id: &str) -> Result<(), KeychainError> {
        let user = entry_user(connection_id, SecretKind::SessionKey);
        run_blocking(&self.store, move |s| s.delete(&user)).await
    }
}

/// Re-labels a read failure that happened while saving, so the user hears "nothing was saved".
fn as_write(err: KeychainError) -> KeychainError {
    match err {
        KeychainError::Unavailable(_, detail) => {
            KeychainError::Unavailable(KeychainOp::Write, detail)
        }
        other => other,
    }
}

/// Writes several entries, undoing the ones already written if one fails.
fn write_entries(
    store: &dyn SecretStore,
    entries: &[(String, Secret)],
) -> Result<Previous, KeychainError> {
    let mut previous = Vec::with_capacity(entries.len());
    for (user, _) in entries {
        previous.push((user.clone(), store.get(user).map_err(as_write)?));
    }
    for (done, (user, value)) in entries.iter().enumerate() {
        if let Err(err) = store.set(user, value) {
            restore_entries(store, &previous[..done]);
            return Err(err);
        }
    }
    Ok(previous)
}

fn restore_entries(store: &dyn SecretStore, previous: &[(String, Option<Secret>)]) {
    for (user, value) in previous {
        let undone = match value {
            Some(value) => store.set(user, value),
            None => store.delete(user),
        };
        if let Err(err) = undone {
            tracing::warn!("could not undo keychain entry {user}: {err}");
        }
    }
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
