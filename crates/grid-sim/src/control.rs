//! The simulator's controls (`/_sim/…`) as types: the faults the server parses and a client
//! sends, the state summary, and [`SimControl`], one async client for every control.
//!
//! ```no_run
//! # async fn demo() -> Result<(), grid_sim::SimError> {
//! use grid_sim::control::{FailureStatus, Fault};
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
//!     .await
//!     .map_err(grid_sim::SimError::Listener)?;
//! let sim = grid_sim::spawn(grid_sim::SimConfig::default(), listener).await?;
//! let control = sim.control();
//! control
//!     .arm_for(Fault::Status { status: FailureStatus::ServiceUnavailable }, 2)
//!     .await?;
//! assert_eq!(control.state().await?.armed_faults[0].remaining, 2);
//! control.reset().await?;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::time::Duration;

use grid_client::models::{ErrorBody, InternalAccount};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::SimError;

/// Longest latency a fault may add, in milliseconds, so a typo cannot hang a test run for hours.
pub const MAX_LATENCY_MS: u64 = 120_000;
/// Most requests one armed fault may cover.
pub const MAX_FAULT_COUNT: u32 = 1_000_000;

/// The server errors a `status` fault answers with (on the wire: the number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub enum FailureStatus {
    /// 500 `INTERNAL_ERROR`.
    InternalServerError,
    /// 502 `BAD_GATEWAY` (the spec has no Error502 schema).
    BadGateway,
    /// 503 `SERVICE_UNAVAILABLE`.
    ServiceUnavailable,
}

impl FailureStatus {
    pub const fn as_u16(self) -> u16 {
        match self {
            FailureStatus::InternalServerError => 500,
            FailureStatus::BadGateway => 502,
            FailureStatus::ServiceUnavailable => 503,
        }
    }
}

impl From<FailureStatus> for u16 {
    fn from(status: FailureStatus) -> Self {
        status.as_u16()
    }
}

impl TryFrom<u16> for FailureStatus {
    type Error = String;

    fn try_from(status: u16) -> Result<Self, Self::Error> {
        match status {
            500 => Ok(FailureStatus::InternalServerError),
            502 => Ok(FailureStatus::BadGateway),
            503 => Ok(FailureStatus::ServiceUnavailable),
            other => Err(format!("status must be 500, 502 or 503, not {other}.")),
        }
    }
}

/// What a faulty request on a Grid route does. On the wire: `{"kind": "latency", "latencyMs":
/// 250}`, `{"kind": "status", "status": 503}`, `{"kind": "drop"}`, …
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Waits, then answers normally.
    Latency {
        /// At most [`MAX_LATENCY_MS`].
        #[serde(rename = "latencyMs")]
        latency_ms: u64,
    },
    /// Answers 500, 502 or 503 with a Grid error body.
    Status { status: FailureStatus },
    /// Answers 429 `RATE_LIMITED` with `Retry-After`.
    RateLimit {
        #[serde(rename = "retryAfter")]
        retry_after_secs: u64,
    },
    /// Closes the connection without answering; nothing is applied.
    Drop,
    /// Applies the request (a fund **is** applied), then closes the connection without
    /// answering: an "unknown outcome".
    DropAfter,
    /// Answers 200 with a truncated JSON body; nothing is applied.
    Malformed,
    /// Applies the request, then answers with a body that breaks the spec's schema.
    SchemaViolation,
    /// Applies the request, then answers with enum values the spec does not list yet.
    UnknownEnum,
}

impl Fault {
    /// The `kind` on the wire.
    pub fn kind(self) -> &'static str {
        match self {
            Fault::Latency { .. } => "latency",
            Fault::Status { .. } => "status",
            Fault::RateLimit { .. } => "rate_limit",
            Fault::Drop => "drop",
            Fault::DropAfter => "drop_after",
            Fault::Malformed => "malformed",
            Fault::SchemaViolation => "schema_violation",
            Fault::UnknownEnum => "unknown_enum",
        }
    }
}

/// The body of `POST /_sim/faults`: `fault` for the next `count` requests on Grid routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FaultRequest {
    #[serde(flatten)]
    pub fault: Fault,
    /// 1 to [`MAX_FAULT_COUNT`].
    pub count: u32,
}

/// An armed fault and how many more requests it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArmedFault {
    #[serde(flatten)]
    pub fault: Fault,
    pub remaining: u32,
}

/// The answer of `POST /_sim/faults` and `DELETE /_sim/faults`: the faults armed now, oldest
/// (next to apply) first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArmedFaults {
    pub armed: Vec<ArmedFault>,
}

/// `GET /_sim/state` (also the answer of `POST /_sim/reset`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimState {
    pub platform_internal_accounts: usize,
    pub customer_internal_accounts: usize,
    pub customers: usize,
    pub platform_external_accounts: usize,
    pub customer_external_accounts: usize,
    /// Signed-retry challenges still waiting for their retry.
    pub pending_challenges: usize,
    /// Oldest first.
    pub armed_faults: Vec<ArmedFault>,
    pub production: bool,
    /// The `--state` file, if any.
    pub state_file: Option<String>,
}

/// A client for a running simulator's `/_sim` controls, with its Basic credentials. Get one
/// from [`crate::RunningSim::control`], or make one for a simulator in another process.
#[derive(Clone)]
pub struct SimControl {
    base_url: String,
    client_id: String,
    client_secret: String,
    http: reqwest::Client,
}

impl fmt::Debug for SimControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimControl")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// How long one control may take (controls never wait on faults).
const CONTROL_TIMEOUT: Duration = Duration::from_secs(30);

impl SimControl {
    /// A client for the simulator at `base_url` (`http://127.0.0.1:PORT`, with or without
    /// Grid's `/grid/2025-10-13` base path).
    pub fn new(
        base_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        let http = reqwest::Client::builder()
            .timeout(CONTROL_TIMEOUT)
            .build()
            .unwrap_or_default();
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            http,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Arms `fault` for the next request on a Grid route; returns every armed fault.
    pub async fn arm(&self, fault: Fault) -> Result<Vec<ArmedFault>, SimError> {
        self.arm_for(fault, 1).await
    }

    /// Arms `fault` for the next `count` requests on Grid routes (after the faults already
    /// armed); returns every armed fault.
    pub async fn arm_for(&self, fault: Fault, count: u32) -> Result<Vec<ArmedFault>, SimError> {
        let request = FaultRequest { fault, count };
        let armed: ArmedFaults = self
            .send(reqwest::Method::POST, &["faults"], Some(&request))
            .await?;
        Ok(armed.armed)
    }

    /// Disarms every fault, keeping the data.
    pub async fn clear_faults(&self) -> Result<(), SimError> {
        let _: ArmedFaults = self
            .send::<(), _>(reqwest::Method::DELETE, &["faults"], None)
            .await?;
        Ok(())
    }

    /// Back to the seed: accounts, challenges and faults (saved to the state file, if any).
    pub async fn reset(&self) -> Result<SimState, SimError> {
        self.send::<(), _>(reqwest::Method::POST, &["reset"], None)
            .await
    }

    /// Counts, armed faults, mode.
    pub async fn state(&self) -> Result<SimState, SimError> {
        self.send::<(), _>(reqwest::Method::GET, &["state"], None)
            .await
    }

    /// Replaces top-level fields of a stored internal account (not its `id`) with those of
    /// `fields`, a JSON object; the result must still match the spec's InternalAccount. For
    /// planting data Grid might send, such as markup in a note.
    pub async fn edit_internal_account(
        &self,
        id: &str,
        fields: &serde_json::Value,
    ) -> Result<InternalAccount, SimError> {
        self.send(
            reqwest::Method::PATCH,
            &["internal-accounts", id],
            Some(fields),
        )
        .await
    }

    async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        segments: &[&str],
        body: Option<&B>,
    ) -> Result<T, SimError> {
        let what = format!("{method} /_sim/{}", segments.join("/"));
        let mut url = reqwest::Url::parse(&self.base_url).map_err(|e| SimError::ControlAnswer {
            what: what.clone(),
            reason: format!("the base URL {} is not a URL: {e}", self.base_url),
        })?;
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push("_sim").extend(segments);
        }
        let mut request = self
            .http
            .request(method, url)
            .basic_auth(&self.client_id, Some(&self.client_secret));
        if let Some(body) = body {
            request = request.json(body);
        }
        let unreachable = |source| SimError::ControlUnreachable {
            what: what.clone(),
            source,
        };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(unreachable)?;
        if !status.is_success() {
            return Err(match serde_json::from_slice::<ErrorBody>(&bytes) {
                Ok(err) => SimError::ControlRefused {
                    what,
                    status: status.as_u16(),
                    code: err.code,
                    message: err.message,
                },
                Err(_) => SimError::ControlAnswer {
                    what,
                    reason: format!(
                        "HTTP {status} without a Grid error body: {}",
                        String::from_utf8_lossy(&bytes)
                    ),
                },
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| SimError::ControlAnswer {
            what,
            reason: format!("{e}: {}", String::from_utf8_lossy(&bytes)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn faults_are_sent_as_the_wire_shape_the_readme_documents() {
        let cases = [
            (
                Fault::Latency { latency_ms: 250 },
                json!({"kind": "latency", "latencyMs": 250, "count": 2}),
            ),
            (
                Fault::Status {
                    status: FailureStatus::ServiceUnavailable,
                },
                json!({"kind": "status", "status": 503, "count": 2}),
            ),
            (
                Fault::RateLimit {
                    retry_after_secs: 0,
                },
                json!({"kind": "rate_limit", "retryAfter": 0, "count": 2}),
            ),
            (Fault::DropAfter, json!({"kind": "drop_after", "count": 2})),
            (
                Fault::UnknownEnum,
                json!({"kind": "unknown_enum", "count": 2}),
            ),
        ];
        for (fault, wire) in cases {
            let sent = serde_json::to_value(FaultRequest { fault, count: 2 }).expect("serialises");
            assert_eq!(sent, wire, "{fault:?}");
            assert_eq!(sent["kind"], fault.kind());
        }
    }

    #[test]
    fn armed_faults_read_back_from_the_state_summary() {
        let armed: ArmedFault =
            serde_json::from_value(json!({"kind": "status", "status": 502, "remaining": 3}))
                .expect("reads");
        assert_eq!(
            armed,
            ArmedFault {
                fault: Fault::Status {
                    status: FailureStatus::BadGateway
                },
                remaining: 3
            }
        );
        assert!(serde_json::from_value::<ArmedFault>(
            json!({"kind": "status", "status": 404, "remaining": 1})
        )
        .is_err());
    }

    #[test]
    fn debug_redacts_the_secret() {
        let control = SimControl::new("http://127.0.0.1:1", "id", "very-secret");
        let shown = format!("{control:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
    }
}
