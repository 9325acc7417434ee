//! How a simulator is configured ([`SimConfig`]) and observed ([`Observer`]).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::limits::DEFAULT_HEADER_READ_TIMEOUT;

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
    /// How long a client may take to send a request's head; the connection is closed after
    /// that (a client that trickles bytes cannot hold a connection for ever).
    pub header_read_timeout: Duration,
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
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
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
            .field("header_read_timeout", &self.header_read_timeout)
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
