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
}

/// Grid error codes the simulator uses (each is in the enum of its `Error<status>` schema).
pub(crate) mod code {
    pub const INVALID_INPUT: &str = "INVALID_INPUT";
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
        let body = ErrorBody {
            status: self.status.as_u16(),
            code: self.code.to_owned(),
            message: self.message,
            details: self.details,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
