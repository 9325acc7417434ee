//! Why the simulator could not start or save ([`SimError`]), and the Grid error bodies it
//! answers with ([`ApiError`]).

use std::io;
use std::path::PathBuf;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use grid_client::models::ErrorBody;

/// Why the simulator could not start, load or save its state.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    #[error("the client id and the client secret must both be non-empty")]
    EmptyCredentials,
    #[error(
        "session public key \"{0}\" is not a compressed P-256 public key \
         (66 hexadecimal characters starting with 02 or 03)"
    )]
    SessionPublicKey(String),
    #[error("the listening socket cannot be used: {0}")]
    Listener(#[source] io::Error),
    #[error("cannot read the state file {}: {source}", path.display())]
    StateRead {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{} is not a grid-sim state file: {reason}", path.display())]
    StateFormat { path: PathBuf, reason: String },
    #[error("cannot save the state file {}: {source}", path.display())]
    StateWrite {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Another grid-sim (or an app running one) owns the state file: two owners would each
    /// write their own balances over the other's.
    #[error("{} is already in use by {}", path.display(), in_use_by(*pid, program.as_deref()))]
    StateInUse {
        path: PathBuf,
        /// The owner's process id, when it could be read (not on Windows).
        pid: Option<u32>,
        /// The owner's program name ("grid-sim", …), when it could be read.
        program: Option<String>,
    },
    #[error("cannot lock the state file {}: {source}", path.display())]
    StateLock {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A `/_sim` control could not be sent or its answer not read (see [`crate::control`]).
    #[error("{what} did not reach the simulator: {source}")]
    ControlUnreachable {
        what: String,
        #[source]
        source: reqwest::Error,
    },
    /// The simulator answered a `/_sim` control with a Grid error.
    #[error("the simulator refused {what}: HTTP {status} {code}: {message}")]
    ControlRefused {
        what: String,
        status: u16,
        code: String,
        message: String,
    },
    /// The simulator's answer to a `/_sim` control is not what this version sends.
    #[error("the simulator's answer to {what} is not what grid-sim sends: {reason}")]
    ControlAnswer { what: String, reason: String },
}

fn in_use_by(pid: Option<u32>, program: Option<&str>) -> String {
    match (pid, program) {
        (Some(pid), Some(program)) => format!("another {program} (pid {pid})"),
        (Some(pid), None) => format!("another program (pid {pid})"),
        _ => "another program".to_owned(),
    }
}

impl From<state_file::Error> for SimError {
    fn from(err: state_file::Error) -> Self {
        match err {
            state_file::Error::InUse { path, holder, .. } => SimError::StateInUse {
                path,
                pid: holder.as_ref().map(|h| h.pid),
                program: holder.map(|h| h.program),
            },
            state_file::Error::Lock { lock, source } => SimError::StateLock { path: lock, source },
            // `state_file::Error` may grow; anything else is still a failure to lock.
            other => SimError::StateLock {
                path: PathBuf::new(),
                source: io::Error::other(other.to_string()),
            },
        }
    }
}

/// Grid error codes the simulator uses (each is in the enum of its `Error<status>` schema).
pub(crate) mod code {
    pub const INVALID_INPUT: &str = "INVALID_INPUT";
    /// Error400's code for a request refused for its shape (too long, too large, unreadable).
    pub const INVALID_REQUEST_FORMAT: &str = "INVALID_REQUEST_FORMAT";
    pub const UNAUTHORIZED: &str = "UNAUTHORIZED";
    pub const REQUEST_ID_MISSING: &str = "REQUEST_ID_MISSING";
    pub const WALLET_SIGNATURE_MISSING: &str = "WALLET_SIGNATURE_MISSING";
    pub const WALLET_SIGNATURE_MALFORMED: &str = "WALLET_SIGNATURE_MALFORMED";
    pub const WALLET_SIGNATURE_BODY_MISMATCH: &str = "WALLET_SIGNATURE_BODY_MISMATCH";
    pub const WALLET_SIGNATURE_INVALID: &str = "WALLET_SIGNATURE_INVALID";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    /// Error404 has no code for internal accounts or routes; this is the closest one it has.
    pub const REFERENCE_NOT_FOUND: &str = "REFERENCE_NOT_FOUND";
    pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const INTERNAL_ERROR: &str = "INTERNAL_ERROR";
    /// Not in the spec (it has no Error502 schema); used only by the `status: 502` fault.
    pub const BAD_GATEWAY: &str = "BAD_GATEWAY";
    pub const SERVICE_UNAVAILABLE: &str = "SERVICE_UNAVAILABLE";
}

/// A Grid error response: `{status, code, message, details?}` with that HTTP status.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<serde_json::Value>,
    /// Seconds for a `Retry-After` header (429 only).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    /// 400 `INVALID_INPUT`.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code::INVALID_INPUT, message)
    }

    /// 400 `INVALID_INPUT` naming the offending field in `details`.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let mut err = Self::invalid_input(message);
        err.details = Some(serde_json::json!({ "field": field }));
        err
    }

    /// 401 with one of the Error401 codes.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403 `FORBIDDEN`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code::FORBIDDEN, message)
    }

    /// 404 `REFERENCE_NOT_FOUND`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code::REFERENCE_NOT_FOUND, message)
    }

    /// 404 for an id that matches no internal account.
    pub fn unknown_internal_account(id: &str) -> Self {
        Self::not_found(format!("No internal account has the id \"{id}\"."))
    }

    /// 503 for a change that could not be saved to the state file: nothing was applied, so
    /// trying again is safe.
    pub fn unsaved(err: &SimError) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            code::SERVICE_UNAVAILABLE,
            format!(
                "The simulator could not save the change, so nothing was changed ({err}). It is \
                 safe to try again."
            ),
        )
    }

    /// The JSON error body, as sent.
    pub fn body_json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.body()).unwrap_or_default()
    }

    fn body(&self) -> ErrorBody {
        ErrorBody {
            status: self.status.as_u16(),
            code: self.code.to_owned(),
            message: self.message.clone(),
            details: self.details.clone(),
        }
    }

    /// 500 `INTERNAL_ERROR`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            code::INTERNAL_ERROR,
            message,
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
