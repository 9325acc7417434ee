//! The simulator every request shares: its configuration, the committed accounts, challenges,
//! armed faults and the state file. It knows nothing of routes or middleware (`router` and
//! `handlers` use it, never the other way round).
//!
//! A change is applied to a copy of the accounts, saved, and only then published: readers see
//! the old accounts until the new ones are on disk, and a change that cannot be saved is
//! answered with an error and leaves nothing behind.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::http::{header, HeaderMap};
use base64::Engine as _;
use p256::ecdsa::VerifyingKey;
use tokio::sync::OwnedMutexGuard;

use crate::config::{Observer, SimConfig};
use crate::control::{ArmedFault, Fault, FaultRequest, SimState};
use crate::error::{code, ApiError, SimError};
use crate::faults::FaultQueue;
use crate::persist::Persisted;
use crate::seed;
use crate::signed_retry::{Challenges, StampPolicy};
use crate::store::Store;

/// The simulator shared by every request.
#[derive(Clone)]
pub(crate) struct Sim(Arc<Inner>);

struct Inner {
    client_id: String,
    client_secret: String,
    production: bool,
    seed_accounts: usize,
    challenge_ttl: Duration,
    stamp_policy: StampPolicy,
    /// The accounts every reader sees: always what the state file holds.
    accounts: Mutex<Arc<Store>>,
    /// One change at a time, from copying the accounts until the changed copy is published.
    changing: Arc<tokio::sync::Mutex<()>>,
    challenges: Mutex<Challenges>,
    faults: Mutex<FaultQueue>,
    state_file: Option<Persisted>,
    observer: Option<Observer>,
}

/// A change in progress: a copy of the accounts to change, and the right to publish it.
pub(crate) struct Change {
    pub store: Store,
    _turn: OwnedMutexGuard<()>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves the data consistent before anything can panic, so a
    // poisoned lock still guards valid data.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Checks a `--session-public-key` and returns it in the lower-case form stamps are compared in.
fn session_key(raw: &str) -> Result<String, SimError> {
    let key = raw.trim().to_lowercase();
    let valid = hex::decode(&key).ok().is_some_and(|bytes| {
        bytes.len() == 33
            && matches!(bytes[0], 0x02 | 0x03)
            && VerifyingKey::from_sec1_bytes(&bytes).is_ok()
    });
    if valid {
        Ok(key)
    } else {
        Err(SimError::SessionPublicKey(raw.to_owned()))
    }
}

impl Sim {
    pub async fn new(config: SimConfig, observer: Option<Observer>) -> Result<Self, SimError> {
        if config.client_id.is_empty() || config.client_secret.is_empty() {
            return Err(SimError::EmptyCredentials);
        }
        let session_keys = config
            .session_public_keys
            .iter()
            .map(|k| session_key(k))
            .collect::<Result<HashSet<_>, _>>()?;
        // Own the file before reading it: another simulator's later writes would otherwise
        // overwrite ours (or ours theirs).
        let state_file = config.state_file.map(Persisted::open).transpose()?;
        let loaded = match &state_file {
            Some(file) => file.load()?,
            None => None,
        };
        let store = match (&state_file, loaded) {
            (_, Some(store)) => store,
            (file, None) => {
                let seeded = Store::from_seed(seed::build(config.seed_accounts));
                if let Some(file) = file {
                    // Create the file now, so an unwritable path fails at start, not at the
                    // first fund.
                    file.save(&seeded).await?;
                }
                seeded
            }
        };
        Ok(Self(Arc::new(Inner {
            client_id: config.client_id,
            client_secret: config.client_secret,
            production: config.production,
            seed_accounts: config.seed_accounts,
            challenge_ttl: config.challenge_ttl,
            stamp_policy: StampPolicy {
                session_keys,
                accept_sandbox_signature: !config.production,
            },
            accounts: Mutex::new(Arc::new(store)),
            changing: Arc::new(tokio::sync::Mutex::new(())),
            challenges: Mutex::new(Challenges::default()),
            faults: Mutex::new(FaultQueue::default()),
            state_file,
            observer,
        })))
    }

    pub fn production(&self) -> bool {
        self.0.production
    }

    pub fn challenge_ttl(&self) -> Duration {
        self.0.challenge_ttl
    }

    pub fn stamp_policy(&self) -> &StampPolicy {
        &self.0.stamp_policy
    }

    pub fn observer(&self) -> Option<&Observer> {
        self.0.observer.as_ref()
    }

    fn state_file_path(&self) -> Option<&Path> {
        self.0.state_file.as_ref().map(Persisted::path)
    }

    /// Reads the committed accounts.
    pub fn read<T>(&self, f: impl FnOnce(&Store) -> T) -> T {
        let store = lock(&self.0.accounts).clone();
        f(&store)
    }

    /// Reads or changes the challenges (kept in memory only).
    pub fn challenges<T>(&self, f: impl FnOnce(&mut Challenges) -> T) -> T {
        f(&mut lock(&self.0.challenges))
    }

    /// Waits for its turn and copies the accounts to change.
    pub async fn begin(&self) -> Change {
        let turn = self.0.changing.clone().lock_owned().await;
        let store = Store::clone(&lock(&self.0.accounts));
        Change { store, _turn: turn }
    }

    /// Saves the changed copy and publishes it. On `Err` (503, nothing was changed) readers
    /// and the file keep the accounts as they were.
    pub async fn commit(&self, change: Change) -> Result<(), ApiError> {
        let Some(file) = self.0.state_file.clone() else {
            *lock(&self.0.accounts) = Arc::new(change.store);
            return Ok(());
        };
        let sim = self.clone();
        // Saving and publishing run to the end even if the client goes away meanwhile (its
        // request is then dropped): the file and what readers see never disagree.
        let saved = tokio::spawn(async move {
            file.save(&change.store).await?;
            *lock(&sim.0.accounts) = Arc::new(change.store);
            Ok::<(), SimError>(())
        });
        match saved.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => Err(ApiError::unsaved(&err)),
            Err(join) => Err(ApiError::internal(format!(
                "The simulator failed while saving ({join}); nothing was changed."
            ))),
        }
    }

    /// Applies a change to the accounts, saves it and publishes it. On `Err` nothing changed.
    pub async fn mutate<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut change = self.begin().await;
        let result = f(&mut change.store)?;
        self.commit(change).await?;
        Ok(result)
    }

    /// Back to the seed: accounts (saved first), then challenges and faults.
    pub async fn reset(&self) -> Result<(), ApiError> {
        let seeded = Store::from_seed(seed::build(self.0.seed_accounts));
        self.mutate(|store| {
            *store = seeded;
            Ok(())
        })
        .await?;
        self.challenges(Challenges::clear);
        lock(&self.0.faults).clear();
        Ok(())
    }

    pub fn take_fault(&self) -> Option<Fault> {
        lock(&self.0.faults).take()
    }

    pub fn arm_fault(&self, request: FaultRequest) -> Vec<ArmedFault> {
        let mut faults = lock(&self.0.faults);
        faults.arm(request);
        faults.armed()
    }

    pub fn clear_faults(&self) {
        lock(&self.0.faults).clear();
    }

    /// `GET /_sim/state`.
    pub fn state(&self) -> SimState {
        let counts = self.read(Store::counts);
        SimState {
            platform_internal_accounts: counts.platform_internal,
            customer_internal_accounts: counts.customer_internal,
            customers: counts.customers,
            platform_external_accounts: counts.platform_external,
            customer_external_accounts: counts.customer_external,
            pending_challenges: self.challenges(|c| c.pending_count()),
            armed_faults: lock(&self.0.faults).armed(),
            production: self.production(),
            state_file: self.state_file_path().map(|p| p.display().to_string()),
        }
    }

    /// Checks HTTP Basic credentials the way Grid does.
    pub fn check_credentials(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let unauthorized = |message: &str| ApiError::unauthorized(code::UNAUTHORIZED, message);
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(
                "Missing credentials: send HTTP Basic authentication with your API token id \
                 and client secret.",
            ));
        };
        let not_basic = || {
            unauthorized(
                "Use HTTP Basic authentication: \"Authorization: Basic base64(tokenId:clientSecret)\".",
            )
        };
        let value = value.to_str().map_err(|_| not_basic())?;
        let (scheme, encoded) = value.trim().split_once(' ').ok_or_else(not_basic)?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return Err(not_basic());
        }
        let encoded = encoded.trim();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(encoded))
            .map_err(|_| not_basic())?;
        let decoded = String::from_utf8(decoded).map_err(|_| not_basic())?;
        match decoded.split_once(':') {
            Some((id, secret)) if id == self.0.client_id && secret == self.0.client_secret => {
                Ok(())
            }
            _ => Err(unauthorized(
                "Invalid credentials: the API token id or client secret is wrong.",
            )),
        }
    }
}
