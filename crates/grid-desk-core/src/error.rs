//! What the window is told when something fails: a short `code` it can branch on (mirrored in
//! `ui/errors.js`) and a message written for a finance person. Grid's own error code and HTTP
//! status ride along when Grid answered, so the error banner can show them verbatim.
//!
//! `grid-client` only reports what happened (not sent, unreachable, maybe sent, Grid's answer,
//! an unreadable body); which of these codes a person is shown is decided here.

use serde::Serialize;

use crate::keychain::KeychainError;

/// The few codes the UI branches on (docs/app-contract.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum UiCode {
    Unauthorized,
    Forbidden,
    NotFound,
    Validation,
    Network,
    /// A fund request may or may not have reached Grid; the balance was re-read.
    UnknownOutcome,
    KeychainUnavailable,
    /// The person cancelled the request (a long listing); nothing was changed.
    Cancelled,
    Unknown,
}

/// The error every command rejects with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct UiError {
    pub code: UiCode,
    pub message: String,
    /// Grid's error code (`UNAUTHORIZED`, `INVALID_SIGNATURE`, …) when Grid answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grid_code: Option<String>,
    /// The HTTP status when Grid answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// With `UnknownOutcome`: the account as re-read after the lost answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<Box<deposit_instructions::AccountView>>,
}

pub type UiResult<T> = Result<T, UiError>;

impl UiError {
    pub fn new(code: UiCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            grid_code: None,
            http_status: None,
            account: None,
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(UiCode::Validation, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(UiCode::Forbidden, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(UiCode::NotFound, message)
    }

    pub fn unknown(message: impl Into<String>) -> Self {
        Self::new(UiCode::Unknown, message)
    }
}

impl From<&grid_client::Error> for UiCode {
    /// What a client error means for the person: input to correct (`Validation`), the network
    /// or a busy Grid (`Network`: could not connect, no answer, 429, 502-504), Grid's refusals
    /// by status, and `Unknown` for what nobody can act on (other 5xx, an unreadable answer).
    /// A lost fund answer is turned into `UnknownOutcome` by the fund path, not here.
    fn from(err: &grid_client::Error) -> Self {
        match err {
            grid_client::Error::NotSent { .. } => Self::Validation,
            grid_client::Error::Unreachable { .. } | grid_client::Error::MaybeSent { .. } => {
                Self::Network
            }
            grid_client::Error::Decode { .. } => Self::Unknown,
            grid_client::Error::Api(api) => match api.http_status {
                401 => Self::Unauthorized,
                403 => Self::Forbidden,
                404 => Self::NotFound,
                400 | 409 | 422 => Self::Validation,
                429 | 502..=504 => Self::Network,
                _ => Self::Unknown,
            },
        }
    }
}

impl From<grid_client::Error> for UiError {
    /// The general mapping. A lost response (`MaybeSent`) becomes `Network` here; only the fund
    /// path, which re-reads the balance first, turns it into `UnknownOutcome`.
    fn from(err: grid_client::Error) -> Self {
        let code = UiCode::from(&err);
        match &err {
            grid_client::Error::NotSent { message } | grid_client::Error::Unreachable { message } => {
                Self::new(code, message.clone())
            }
            grid_client::Error::MaybeSent { message } => Self::new(
                code,
                format!("{message} Check the network connection and try again."),
            ),
            grid_client::Error::Api(api) => {
                let grid_message = api.body.message.trim();
                let message = match code {
                    // Grid's words are the exact reason; do not dress them up.
                    UiCode::Unauthorized | UiCode::Validation | UiCode::NotFound => {
                        grid_message.to_owned()
                    }
                    UiCode::Forbidden => {
                        format!("This connection is not allowed to do that. {grid_message}")
                    }
                    UiCode::Network => match api.retry_after {
                        Some(wait) if wait.as_secs() > 0 => format!(
                            "Grid is busy right now (HTTP {}) and asks to wait {} before trying again. {grid_message}",
                            api.http_status,
                            seconds_text(wait.as_secs())
                        ),
                        _ => format!(
                            "Grid is busy or unavailable right now (HTTP {}). Wait a moment and try again. {grid_message}",
                            api.http_status
                        ),
                    },
                    _ => format!(
                        "Grid answered with an unexpected error (HTTP {}). {grid_message}",
                        api.http_status
                    ),
                };
                // Grid's request id lets its support find this exact call.
                let message = match api.request_id() {
                    Some(id) => format!("{message} (Grid request id {id})"),
                    None => message,
                };
                Self {
                    code,
                    message,
                    grid_code: Some(api.body.code.clone()),
                    http_status: Some(api.http_status),
                    account: None,
                }
            }
            grid_client::Error::Decode { path, .. } => Self::new(
                code,
                format!(
                    "Grid answered, but Grid Desk could not read the answer (at {path}). Nothing was changed by reading it; please report this to support."
                ),
            ),
        }
    }
}

/// "1 second", "30 seconds", "2 minutes", "1 minute 30 seconds".
fn seconds_text(total: u64) -> String {
    let unit = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (total / 60, total % 60) {
        (0, s) => unit(s, "second"),
        (m, 0) => unit(m, "minute"),
        (m, s) => format!("{} {}", unit(m, "minute"), unit(s, "second")),
    }
}

impl From<KeychainError> for UiError {
    fn from(err: KeychainError) -> Self {
        match err {
            KeychainError::Unavailable(..) => {
                Self::new(UiCode::KeychainUnavailable, err.to_string())
            }
            KeychainError::Other(_) => Self::unknown(err.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use grid_client::models::ErrorBody;
    use grid_client::ApiError;

    fn api(status: u16, code: &str, message: &str) -> grid_client::Error {
        ApiError {
            http_status: status,
            body: ErrorBody {
                status,
                code: code.into(),
                message: message.into(),
                details: None,
            },
            retry_after: None,
            request_id: None,
        }
        .into()
    }

    #[test]
    fn grid_answers_keep_grids_code_and_message() {
        let err = UiError::from(api(401, "INVALID_SIGNATURE", "Signature does not match"));
        assert_eq!(err.code, UiCode::Unauthorized);
        assert_eq!(
            err.message, "Signature does not match",
            "a 401 must show Grid's exact reason"
        );
        assert_eq!(err.grid_code.as_deref(), Some("INVALID_SIGNATURE"));
        assert_eq!(err.http_status, Some(401));

        let json = serde_json::to_value(&err).expect("serialises");
        assert_eq!(json["code"], "Unauthorized");
        assert_eq!(json["gridCode"], "INVALID_SIGNATURE");
        assert_eq!(json["httpStatus"], 401);
    }

    #[test]
    fn categories_map_to_ui_codes() {
        let cases = [
            (403, UiCode::Forbidden),
            (404, UiCode::NotFound),
            (400, UiCode::Validation),
            (409, UiCode::Validation),
            (429, UiCode::Network),
            (503, UiCode::Network),
            (500, UiCode::Unknown),
        ];
        for (status, want) in cases {
            let err = UiError::from(api(status, "X", "boom"));
            assert_eq!(err.code, want, "HTTP {status}");
            assert!(
                err.message.contains("boom"),
                "HTTP {status}: {}",
                err.message
            );
        }
    }

    #[test]
    fn a_rate_limit_says_how_long_grid_asks_to_wait() {
        let mut api = ApiError::new(
            429,
            ErrorBody {
                status: 429,
                code: "RATE_LIMITED".into(),
                message: "Too many requests".into(),
                details: None,
            },
        );
        api.retry_after = Some(std::time::Duration::from_secs(90));
        api.request_id = Some("req_123".into());
        let err = UiError::from(grid_client::Error::from(api));
        assert_eq!(err.code, UiCode::Network);
        assert!(
            err.message
                .contains("asks to wait 1 minute 30 seconds before trying again"),
            "{}",
            err.message
        );
        assert!(
            err.message.ends_with("(Grid request id req_123)"),
            "{}",
            err.message
        );
        assert_eq!(seconds_text(1), "1 second");
        assert_eq!(seconds_text(120), "2 minutes");
    }

    #[test]
    fn a_lost_response_is_a_network_error_in_general() {
        let err = UiError::from(grid_client::Error::MaybeSent {
            message: "Loading platform accounts: Grid did not answer in time.".into(),
        });
        assert_eq!(
            err.code,
            UiCode::Network,
            "only the fund path says UnknownOutcome"
        );
        assert!(err.message.starts_with("Loading platform accounts"));
    }

    #[test]
    fn a_grid_that_cannot_be_reached_is_a_network_error_not_bad_input() {
        let message = "Loading platform accounts: could not connect to Grid. Check the network and the base URL.";
        let err = UiError::from(grid_client::Error::Unreachable {
            message: message.into(),
        });
        assert_eq!(
            err.code,
            UiCode::Network,
            "nothing is wrong with what the user typed"
        );
        assert_eq!(err.message, message);
    }

    #[test]
    fn refused_input_is_validation_and_decode_is_unknown() {
        let err = UiError::from(grid_client::Error::NotSent {
            message: "The amount must be more than zero.".into(),
        });
        assert_eq!(err.code, UiCode::Validation);
        assert_eq!(err.message, "The amount must be more than zero.");

        let err = UiError::from(grid_client::Error::Decode {
            path: "data[0].balance".into(),
            message: "missing field".into(),
            body_excerpt: "{}".into(),
        });
        assert_eq!(err.code, UiCode::Unknown);
        assert!(err.message.contains("data[0].balance"));
        let json = serde_json::to_value(&err).expect("serialises");
        assert!(
            json.get("gridCode").is_none(),
            "no Grid code when Grid did not send one"
        );
    }

    #[test]
    fn keychain_trouble_is_its_own_code() {
        let err = UiError::from(KeychainError::Unavailable(
            crate::keychain::KeychainOp::Write,
            "no dbus".into(),
        ));
        assert_eq!(err.code, UiCode::KeychainUnavailable);
        assert!(err.message.contains("Nothing was saved"), "{}", err.message);
    }
}
