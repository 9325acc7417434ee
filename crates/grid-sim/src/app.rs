//! The shared simulator state, the router, and the middleware every Grid route goes through:
//! observe (outermost) → faults → Basic auth → handler.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::Router;
use base64::Engine as _;
use p256::ecdsa::VerifyingKey;

use crate::error::{code, ApiError, SimError};
use crate::faults::{ConnectionDropped, Fault, FaultQueue};
use crate::handlers;
use crate::persist::StateFile;
use crate::seed;
use crate::signed_retry::StampPolicy;
use crate::store::Store;
use crate::{Exchange, Observer, SimConfig};

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
    data: Mutex<Versioned>,
    faults: Mutex<FaultQueue>,
    state_file: Option<StateFile>,
    observer: Option<Observer>,
}

/// The store and how many changes it has seen (orders the snapshots written to disk).
struct Versioned {
    store: Store,
    version: u64,
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
        let state_file = config.state_file.map(StateFile::new);
        let loaded = match &state_file {
            Some(file) => file.load()?,
            None => None,
        };
        let fresh = loaded.is_none();
        let store = loaded.unwrap_or_else(|| Store::from_seed(seed::build(config.seed_accounts)));
        let sim = Self(Arc::new(Inner {
            client_id: config.client_id,
            client_secret: config.client_secret,
            production: config.production,
            seed_accounts: config.seed_accounts,
            challenge_ttl: config.challenge_ttl,
            stamp_policy: StampPolicy {
                session_keys,
                accept_sandbox_signature: !config.production,
            },
            data: Mutex::new(Versioned { store, version: 0 }),
            faults: Mutex::new(FaultQueue::default()),
            state_file,
            observer,
        }));
        if fresh {
            // Create the file now, so an unwritable path fails at start, not at the first fund.
            sim.save_now().await?;
        }
        Ok(sim)
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

    pub fn state_file_path(&self) -> Option<&Path> {
        self.0.state_file.as_ref().map(StateFile::path)
    }

    /// Reads the store.
    pub fn read<T>(&self, f: impl FnOnce(&Store) -> T) -> T {
        f(&lock(&self.0.data).store)
    }

    /// Changes what is not persisted (challenges).
    pub fn update_transient<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut lock(&self.0.data).store)
    }

    /// Applies a change to accounts and, with a state file, saves it before returning. On
    /// `Err` the closure must have left accounts unchanged; nothing is saved.
    pub async fn mutate<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let (result, snapshot) = {
            let mut data = lock(&self.0.data);
            let result = f(&mut data.store)?;
            data.version += 1;
            (result, self.snapshot(&data))
        };
        self.write(snapshot).await.map_err(|err| {
            ApiError::internal(format!(
                "The change was made but the simulator could not save it: {err}"
            ))
        })?;
        Ok(result)
    }

    /// Back to the seed: accounts, challenges and faults.
    pub async fn reset(&self) -> Result<(), ApiError> {
        let seeded = Store::from_seed(seed::build(self.0.seed_accounts));
        lock(&self.0.faults).clear();
        self.mutate(|store| {
            *store = seeded;
            Ok(())
        })
        .await
    }

    async fn save_now(&self) -> Result<(), SimError> {
        let snapshot = self.snapshot(&lock(&self.0.data));
        self.write(snapshot).await
    }

    fn snapshot(&self, data: &Versioned) -> Option<(u64, Result<Vec<u8>, serde_json::Error>)> {
        self.0
            .state_file
            .as_ref()
            .map(|_| (data.version, data.store.to_json()))
    }

    async fn write(
        &self,
        snapshot: Option<(u64, Result<Vec<u8>, serde_json::Error>)>,
    ) -> Result<(), SimError> {
        let (Some(file), Some((version, bytes))) = (&self.0.state_file, snapshot) else {
            return Ok(());
        };
        let bytes = bytes.map_err(|err| SimError::StateWrite {
            path: file.path().to_owned(),
            source: std::io::Error::other(err),
        })?;
        file.save(version, bytes).await
    }

    pub fn take_fault(&self) -> Option<Fault> {
        lock(&self.0.faults).take()
    }

    pub fn arm_fault(&self, fault: Fault, count: u32) -> Vec<serde_json::Value> {
        let mut faults = lock(&self.0.faults);
        faults.arm(fault, count);
        faults.describe()
    }

    pub fn clear_faults(&self) {
        lock(&self.0.faults).clear();
    }

    pub fn armed_faults(&self) -> Vec<serde_json::Value> {
        lock(&self.0.faults).describe()
    }

    /// Checks HTTP Basic credentials the way Grid does.
    fn check_credentials(&self, headers: &HeaderMap) -> Result<(), ApiError> {
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

/// The routes: Grid's (observed, faulty on demand, authenticated) and `/_sim/…` (authenticated).
pub(crate) fn router(sim: Sim) -> Router {
    let grid = Router::new()
        .route(
            "/platform/internal-accounts",
            get(handlers::list_platform_internal_accounts),
        )
        .route(
            "/customers/internal-accounts",
            get(handlers::list_customer_internal_accounts),
        )
        .route(
            "/platform/external-accounts",
            get(handlers::list_platform_external_accounts),
        )
        .route(
            "/customers/external-accounts",
            get(handlers::list_customer_external_accounts),
        )
        .route(
            "/sandbox/internal-accounts/{accountId}/fund",
            post(handlers::fund_internal_account),
        )
        .route(
            "/internal-accounts/{id}",
            patch(handlers::update_internal_account),
        )
        .fallback(handlers::unknown_route)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(middleware::from_fn_with_state(
            sim.clone(),
            require_credentials,
        ))
        .layer(middleware::from_fn_with_state(
            sim.clone(),
            crate::faults::inject,
        ))
        .layer(middleware::from_fn_with_state(sim.clone(), observe));
    let controls = Router::new()
        .route("/_sim/reset", post(handlers::sim_reset))
        .route(
            "/_sim/faults",
            post(handlers::sim_arm_fault).delete(handlers::sim_clear_faults),
        )
        .route("/_sim/state", get(handlers::sim_state))
        .route(
            "/_sim/internal-accounts/{id}",
            patch(handlers::sim_edit_internal_account),
        )
        .route("/_sim/{*rest}", axum::routing::any(handlers::unknown_route))
        .layer(middleware::from_fn_with_state(
            sim.clone(),
            require_credentials,
        ));
    controls.merge(grid).with_state(sim)
}

/// Middleware: HTTP Basic auth before anything else is looked at.
async fn require_credentials(State(sim): State<Sim>, request: Request, next: Next) -> Response {
    match sim.check_credentials(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(err) => err.into_response(),
    }
}

/// Middleware: reports each response sent on a Grid route to the observer.
async fn observe(State(sim): State<Sim>, request: Request, next: Next) -> Response {
    let Some(observer) = sim.0.observer.clone() else {
        return next.run(request).await;
    };
    let method = request.method().to_string();
    let path = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_owned(),
        |p| p.as_str().to_owned(),
    );
    let response = next.run(request).await;
    if response.extensions().get::<ConnectionDropped>().is_some() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(err) => {
            return ApiError::internal(format!("The response could not be read back: {err}"))
                .into_response()
        }
    };
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
    });
    observer(&Exchange {
        method,
        path,
        status: parts.status.as_u16(),
        body,
    });
    Response::from_parts(parts, Body::from(bytes))
}
