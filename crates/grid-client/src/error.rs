//! One error type, shaped by the question that matters with money: was the request sent?

use std::time::Duration;

use crate::models::ErrorBody;

/// Everything that can go wrong talking to Grid.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Refused before anything left this machine (bad input or bad configuration). Safe to
    /// correct and try again.
    #[error("{message}")]
    NotSent { message: String },

    /// No connection to Grid could be opened (refused, no route, DNS, TLS handshake), so
    /// nothing was sent either; unlike [`Error::NotSent`] the input may be fine and the same
    /// request may work once the network does.
    #[error("{message}")]
    Unreachable { message: String },

    /// The request may have reached Grid but no usable answer came back (timeout, dropped
    /// connection). For a fund this means: re-read the balance before doing anything else.
    #[error("{message}")]
    MaybeSent { message: String },

    /// Grid answered with an error status.
    #[error("{}", .0)]
    Api(Box<ApiError>),

    /// Grid answered 2xx but the body does not match the spec.
    #[error("Grid's answer could not be read at {path}: {message}")]
    Decode {
        path: String,
        message: String,
        /// The first part of the body, for a support ticket.
        body_excerpt: String,
    },
}

/// An error answer from Grid: the HTTP status plus Grid's `{status, code, message, details}`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} ({}, HTTP {})", .body.message, .body.code, .http_status)]
pub struct ApiError {
    pub http_status: u16,
    pub body: ErrorBody,
    /// `Retry-After` on 429/503, if sent.
    pub retry_after: Option<Duration>,
    /// Grid's id for the request (the `request-id` or `x-request-id` response header), for a
    /// support ticket.
    pub request_id: Option<String>,
}

impl ApiError {
    /// An error answer without `Retry-After` or a request id.
    pub fn new(http_status: u16, body: ErrorBody) -> Self {
        Self {
            http_status,
            body,
            retry_after: None,
            request_id: None,
        }
    }

    /// Grid's id for the request, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl Error {
    pub(crate) fn not_sent(message: impl Into<String>) -> Self {
        Self::NotSent {
            message: message.into(),
        }
    }

    /// Grid's error code (`INVALID_INPUT`, `UNAUTHORIZED`, …) when Grid answered with one.
    pub fn api_code(&self) -> Option<&str> {
        match self {
            Self::Api(api) => Some(&api.body.code),
            _ => None,
        }
    }

    /// The HTTP status when Grid answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Api(api) => Some(api.http_status),
            _ => None,
        }
    }

    /// How long Grid asks to wait before trying again (`Retry-After` on a 429/503), e.g. to
    /// say "Grid asks to wait 30 seconds".
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Api(api) => api.retry_after,
            _ => None,
        }
    }

    /// Grid's request id when Grid answered with an error and sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api(api) => api.request_id(),
            _ => None,
        }
    }

    /// True when the outcome on Grid's side is unknown.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, Self::MaybeSent { .. })
    }

    /// Maps a transport failure: a connection that never opened is [`Error::Unreachable`] (not
    /// sent); anything after that may have reached Grid.
    pub(crate) fn from_transport(err: &reqwest::Error, what: &str) -> Self {
        if err.is_builder() {
            return Self::not_sent(format!("{what}: the request could not be built ({err})."));
        }
        if err.is_connect() {
            return Self::Unreachable {
                message: format!(
                    "{what}: could not connect to Grid. Check the network and the base URL."
                ),
            };
        }
        if err.is_timeout() {
            return Self::MaybeSent {
                message: format!("{what}: Grid did not answer in time."),
            };
        }
        Self::MaybeSent {
            message: format!("{what}: the connection to Grid was interrupted."),
        }
    }
}

impl From<ApiError> for Error {
    fn from(value: ApiError) -> Self {
        Self::Api(Box::new(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_that_cannot_be_opened_is_unreachable_not_refused_input() {
        // A port nobody listens on: the connection is refused before any byte is sent.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let err = reqwest::Client::new()
            .get(format!("http://{closed}/platform/internal-accounts"))
            .send()
            .await
            .expect_err("nothing listens there");
        let mapped = Error::from_transport(&err, "Loading platform accounts");
        assert!(
            matches!(&mapped, Error::Unreachable { message } if message.contains("could not connect to Grid")),
            "a refused connection is reported as unreachable, not as bad input: {mapped:?}"
        );
        assert!(!mapped.outcome_unknown(), "nothing was sent");
    }
}
