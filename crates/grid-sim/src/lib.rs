//! `grid-sim`: a local stand-in for Grid's sandbox, for the operations Grid Desk uses.
//!
//! It speaks the same contract as Grid (2025-10-13): every response body is one of
//! `grid_client::models`' types, errors are `{status, code, message, details?}`, and requests are
//! checked the way the spec says (Basic auth first, then validation). Simulator-only controls
//! (reset, fault injection, state summary) live under `/_sim/…`. See the crate README for what
//! it deliberately does not reproduce.
//!
//! ```no_run
//! # async fn demo() -> Result<(), grid_sim::SimError> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
//!     .await
//!     .map_err(grid_sim::SimError::Listener)?;
//! let sim = grid_sim::spawn(grid_sim::SimConfig::default(), listener).await?;
//! println!("Grid sandbox at {}", sim.base_url());
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod app;
mod clock;
mod connection;
mod error;
mod faults;
mod handlers;
mod paging;
mod persist;
mod seed;
mod signed_retry;
mod store;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use error::SimError;

/// The demo credentials the simulator accepts unless told otherwise. They are not secrets: they
/// only open this local simulator.
pub const DEFAULT_CLIENT_ID: &str = "sim-client-id";
/// See [`DEFAULT_CLIENT_ID`].
pub const DEFAULT_CLIENT_SECRET: &str = "sim-client-secret";
/// How long a signed-retry challenge stays valid unless configured otherwise.
pub const DEFAULT_CHALLENGE_TTL: Duration = Duration::from_secs(5 * 60);

/// How the simulator behaves. `Default` gives a sandbox with the demo credentials and the base
/// seed, kept in memory.
#[derive(Clone)]
pub struct SimConfig {
    /// The Basic-auth user (Grid's API token id).
    pub client_id: String,
    /// The Basic-auth password (Grid's client secret).
    pub client_secret: String,
    /// Compressed P-256 public keys (66 hex characters) whose stamps the signed retry accepts.
    /// Grid registers these when a credential is verified; the simulator takes them as config.
    pub session_public_keys: Vec<String>,
    /// Behave like production credentials: `/sandbox/…` answers 403 and the
    /// `sandbox-valid-signature` shortcut is refused.
    pub production: bool,
    /// Extra generated customer internal accounts on top of the base seed (0 = base seed only).
    pub seed_accounts: usize,
    /// Where accounts and balances persist between runs; `None` keeps everything in memory.
    pub state_file: Option<PathBuf>,
    /// How long a signed-retry challenge (the 202 of `PATCH /internal-accounts/{id}`) is valid.
    pub challenge_ttl: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
            session_public_keys: Vec::new(),
            production: false,
            seed_accounts: 0,
            state_file: None,
            challenge_ttl: DEFAULT_CHALLENGE_TTL,
        }
    }
}

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("session_public_keys", &self.session_public_keys)
            .field("production", &self.production)
            .field("seed_accounts", &self.seed_accounts)
            .field("state_file", &self.state_file)
            .field("challenge_ttl", &self.challenge_ttl)
            .finish()
    }
}

/// One response the simulator sent on a Grid route, as reported to an observer.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// `GET`, `POST`, `PATCH`, …
    pub method: String,
    /// The route template as the spec spells it (`/sandbox/internal-accounts/{accountId}/fund`);
    /// the raw path for requests that matched no route.
    pub path: String,
    pub status: u16,
    /// The body as sent. A body that is not JSON (the `malformed` fault) is reported as a JSON
    /// string holding the raw text.
    pub body: serde_json::Value,
}

/// Called with every response sent on a Grid route (never for `/_sim/…`, never for a connection
/// dropped on purpose).
pub type Observer = Arc<dyn Fn(&Exchange) + Send + Sync>;

/// A simulator serving in a Tokio task. Dropping it stops the server too (without waiting);
/// [`RunningSim::shutdown`] stops it and waits.
#[derive(Debug)]
pub struct RunningSim {
    /// The address the simulator listens on.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// How long `shutdown` waits for in-flight requests before cutting them off.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

impl RunningSim {
    /// `http://127.0.0.1:PORT` (the loopback address when listening on all interfaces).
    pub fn base_url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    /// Stops accepting connections, lets in-flight requests finish (up to a few seconds) and
    /// waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            // The server may already be gone; nothing to tell it then.
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(SHUTDOWN_GRACE, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts a simulator on `listener`, serving in a task of the current Tokio runtime.
pub async fn spawn(
    config: SimConfig,
    listener: tokio::net::TcpListener,
) -> Result<RunningSim, SimError> {
    start(config, listener, None).await
}

/// Like [`spawn`], reporting every response on a Grid route to `observer` (e.g. to check it
/// against the spec).
pub async fn spawn_observed(
    config: SimConfig,
    listener: tokio::net::TcpListener,
    observer: Arc<dyn Fn(&Exchange) + Send + Sync>,
) -> Result<RunningSim, SimError> {
    start(config, listener, Some(observer)).await
}

async fn start(
    config: SimConfig,
    listener: tokio::net::TcpListener,
    observer: Option<Observer>,
) -> Result<RunningSim, SimError> {
    let addr = listener.local_addr().map_err(SimError::Listener)?;
    let sim = app::Sim::new(config, observer).await?;
    let service =
        app::router(sim).into_make_service_with_connect_info::<connection::ConnectionControl>();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = axum::serve(connection::SimListener::new(listener), service)
        .with_graceful_shutdown(async move {
            // A dropped sender also means "stop".
            let _ = stopped.await;
        });
    let task = tokio::spawn(async move {
        if let Err(err) = server.await {
            eprintln!("grid-sim: the server stopped: {err}");
        }
    });
    Ok(RunningSim {
        addr,
        stop: Some(stop),
        task: Some(task),
    })
}
