//! What the simulator accepts from one client, and the Grid error each refusal answers with.
//!
//! The simulator's own checks (before routing) answer first; hyper's limits sit above them
//! (`HYPER_*`), and what hyper still refuses itself is rewritten into the same Grid error body
//! on the way out (see `connection`). So every refusal is `{status, code, message}`, never an
//! empty or plain-text body.

use std::time::Duration;

use axum::http::StatusCode;

use crate::error::{code, ApiError};

/// Longest request target (path and query), in bytes: 414 beyond it.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Most request headers: 431 beyond it.
pub const MAX_HEADERS: usize = 100;
/// Most bytes of request headers (names and values): 431 beyond it.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Largest request body, in bytes: 413 beyond it (Grid's requests are a few hundred bytes).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// How long a client may take to send a request's head before the connection is closed.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Signed-retry challenges that may wait for their retry on one account; issuing one more
/// drops the oldest.
pub const MAX_PENDING_CHALLENGES_PER_ACCOUNT: usize = 10;
/// Challenges remembered in all (pending, and used or expired ones kept for an hour so a late
/// retry hears why it failed); issuing one more forgets the oldest.
pub const MAX_CHALLENGES: usize = 10_000;

/// hyper parses at most this many headers (above [`MAX_HEADERS`], so the simulator's own check
/// answers in between).
pub(crate) const HYPER_MAX_HEADERS: usize = 4 * MAX_HEADERS;
/// hyper buffers at most this much of a request head (above [`MAX_URI_BYTES`] +
/// [`MAX_HEADER_BYTES`], and above the 64 KiB URIs hyper can parse at all).
pub(crate) const HYPER_MAX_BUF: usize = 128 * 1024;

impl ApiError {
    fn request_format(status: StatusCode, message: String) -> Self {
        Self::new(status, code::INVALID_REQUEST_FORMAT, message)
    }

    /// 414 for a request target over [`MAX_URI_BYTES`].
    pub fn uri_too_long() -> Self {
        Self::request_format(
            StatusCode::URI_TOO_LONG,
            format!(
                "The request URI is too long: at most {MAX_URI_BYTES} bytes of path and query. \
                 Nothing was done."
            ),
        )
    }

    /// 431 for more than [`MAX_HEADERS`] headers or [`MAX_HEADER_BYTES`] of them.
    pub fn headers_too_large() -> Self {
        Self::request_format(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "The request headers are too many or too large: at most {MAX_HEADERS} headers \
                 and {MAX_HEADER_BYTES} bytes. Nothing was done."
            ),
        )
    }

    /// 413 for a body over [`MAX_BODY_BYTES`].
    pub fn body_too_large() -> Self {
        Self::request_format(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The request body is too large: at most {MAX_BODY_BYTES} bytes. Nothing was done."
            ),
        )
    }

    /// 400 for a request that is not readable HTTP/1.1.
    pub fn unreadable_request() -> Self {
        Self::request_format(
            StatusCode::BAD_REQUEST,
            "The request is not valid HTTP/1.1: its request line or a header line could not be \
             read. Nothing was done."
                .to_owned(),
        )
    }
}

/// The refusal for a request head, if it goes over a limit.
pub(crate) fn check_head<B>(request: &axum::http::Request<B>) -> Result<(), ApiError> {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if target > MAX_URI_BYTES {
        return Err(ApiError::uri_too_long());
    }
    let headers = request.headers();
    let header_bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        return Err(ApiError::headers_too_large());
    }
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(ApiError::body_too_large());
    }
    Ok(())
}

/// The Grid error that stands for an answer hyper gives by itself, with an empty body, to a
/// request it cannot parse: 400 (malformed), 414 (URI over 64 KiB) or 431 (head too large or
/// too many headers).
pub(crate) fn for_automatic_answer(status: u16) -> Option<ApiError> {
    match status {
        400 => Some(ApiError::unreadable_request()),
        414 => Some(ApiError::uri_too_long()),
        431 => Some(ApiError::headers_too_large()),
        _ => None,
    }
}
