//! Fault injection (`POST /_sim/faults`): the next N requests on Grid routes misbehave.
//!
//! Armed faults form a queue: each applies to the next `count` requests, then the next fault
//! takes over. Faults apply before authentication and before the handler runs — except
//! `drop_after`, which runs the handler (a fund is applied) and then drops the connection, so a
//! client can be tested against a lost response of an operation that did happen.

use std::collections::VecDeque;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::connection::ConnectionControl;
use crate::control::{
    ArmedFault, FailureStatus, Fault, FaultRequest, MAX_FAULT_COUNT, MAX_LATENCY_MS,
};
use crate::error::{code, ApiError};

/// The body of `POST /_sim/faults` as it arrives: every field optional, unknown ones refused,
/// so a typo such as `latency_ms` is a 400 rather than a silent no-op.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WireFault {
    kind: String,
    count: Option<u32>,
    latency_ms: Option<u64>,
    status: Option<u16>,
    retry_after: Option<u64>,
}

/// Reads a `POST /_sim/faults` body into a fault and how many requests it covers.
pub(crate) fn parse_fault(body: &[u8]) -> Result<FaultRequest, ApiError> {
    let request: WireFault = serde_json::from_slice(body).map_err(|e| {
        ApiError::invalid_input(format!(
            "The fault must be JSON like {{\"kind\": \"status\", \"status\": 503, \"count\": 2}}: {e}"
        ))
    })?;
    let count = request.count.unwrap_or(1);
    if !(1..=MAX_FAULT_COUNT).contains(&count) {
        return Err(ApiError::invalid_field(
            "count",
            format!("count must be between 1 and {MAX_FAULT_COUNT}."),
        ));
    }
    let fault = match request.kind.as_str() {
        "latency" => {
            let latency_ms = request.latency_ms.ok_or_else(|| {
                ApiError::invalid_field("latencyMs", "A latency fault needs latencyMs.")
            })?;
            if latency_ms > MAX_LATENCY_MS {
                return Err(ApiError::invalid_field(
                    "latencyMs",
                    format!("latencyMs must be at most {MAX_LATENCY_MS}."),
                ));
            }
            Fault::Latency { latency_ms }
        }
        "status" => {
            let status = request.status.ok_or_else(|| {
                ApiError::invalid_field("status", "A status fault needs status 500, 502 or 503.")
            })?;
            Fault::Status {
                status: FailureStatus::try_from(status)
                    .map_err(|why| ApiError::invalid_field("status", why))?,
            }
        }
        "rate_limit" => Fault::RateLimit {
            retry_after_secs: request.retry_after.unwrap_or(1),
        },
        "drop" => Fault::Drop,
        "drop_after" => Fault::DropAfter,
        "malformed" => Fault::Malformed,
        "schema_violation" => Fault::SchemaViolation,
        "unknown_enum" => Fault::UnknownEnum,
        other => {
            return Err(ApiError::invalid_field(
                "kind",
                format!(
                    "Unknown fault kind \"{other}\": use latency, status, rate_limit, drop, \
                     drop_after, malformed, schema_violation or unknown_enum."
                ),
            ))
        }
    };
    Ok(FaultRequest { fault, count })
}

/// Armed faults, oldest first.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    armed: VecDeque<ArmedFault>,
}

impl FaultQueue {
    pub fn arm(&mut self, request: FaultRequest) {
        self.armed.push_back(ArmedFault {
            fault: request.fault,
            remaining: request.count,
        });
    }

    pub fn clear(&mut self) {
        self.armed.clear();
    }

    /// The fault for the next request, if any, using up one of its count.
    pub fn take(&mut self) -> Option<Fault> {
        let armed = self.armed.front_mut()?;
        let fault = armed.fault;
        armed.remaining -= 1;
        if armed.remaining == 0 {
            self.armed.pop_front();
        }
        Some(fault)
    }

    pub fn armed(&self) -> Vec<ArmedFault> {
        self.armed.iter().copied().collect()
    }
}

/// Marks a response that was never sent because its connection was dropped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionDropped;

/// The start of a plausible list response, cut off mid-value.
const TRUNCATED_BODY: &str =
    r#"{"data":[{"id":"InternalAccount:019542f5-b3e7-1d02-0000-000000000001","type":"INTERNAL_FI"#;

/// Applies `fault` to `request`: answers instead of the route, or runs it and changes or
/// withholds the answer. `connection` is the connection the request came on.
pub(crate) async fn apply(
    fault: Fault,
    connection: Option<ConnectionControl>,
    request: Request,
    next: Next,
) -> Response {
    match fault {
        Fault::Latency { latency_ms } => {
            tokio::time::sleep(Duration::from_millis(latency_ms)).await;
            next.run(request).await
        }
        Fault::Status { status } => status_error(status).into_response(),
        Fault::RateLimit { retry_after_secs } => {
            let mut err = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                code::RATE_LIMITED,
                format!("Too many requests; retry after {retry_after_secs} second(s)."),
            );
            err.retry_after = Some(retry_after_secs);
            err.into_response()
        }
        Fault::Drop => drop_connection(connection),
        Fault::DropAfter => {
            // The outcome is deliberately discarded: the client must not learn it.
            let _applied = next.run(request).await;
            drop_connection(connection)
        }
        Fault::Malformed => {
            let mut response = (StatusCode::OK, TRUNCATED_BODY).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Fault::SchemaViolation => rewrite_json(next.run(request).await, break_schema).await,
        Fault::UnknownEnum => rewrite_json(next.run(request).await, use_unknown_enums).await,
    }
}

/// Runs `edit` over a JSON response body, keeping status and headers.
async fn rewrite_json(response: Response, edit: fn(&mut Value)) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return ApiError::internal("The simulator could not read its own response.")
            .into_response();
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    edit(&mut value);
    let text = value.to_string();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(text))
}

/// The first account in a body: the body itself, or the first item of `data`.
fn first_account(value: &mut Value) -> Option<&mut serde_json::Map<String, Value>> {
    if value.get("id").is_some() {
        return value.as_object_mut();
    }
    value.get_mut("data")?.get_mut(0)?.as_object_mut()
}

fn break_schema(value: &mut Value) {
    if let Some(map) = value.as_object_mut() {
        if map.contains_key("payloadToSign") {
            map.remove("requestId");
            return;
        }
        if map.contains_key("code") && map.contains_key("message") {
            map.insert("status".into(), json!("broken"));
            return;
        }
    }
    if let Some(account) = first_account(value) {
        if account.contains_key("balance") {
            account.insert("balance".into(), json!("1,000.00 USD"));
        } else {
            account.remove("id");
        }
    }
}

fn use_unknown_enums(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                match (key.as_str(), &*field) {
                    ("status", Value::String(_)) => *field = json!("UNDER_INVESTIGATION"),
                    ("type", Value::String(_)) => *field = json!("INTERNAL_PREMIUM"),
                    ("accountType", Value::String(_)) => *field = json!("MARS_WALLET"),
                    _ => use_unknown_enums(field),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(use_unknown_enums),
        _ => {}
    }
}

fn status_error(status: FailureStatus) -> ApiError {
    match status {
        FailureStatus::ServiceUnavailable => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            code::SERVICE_UNAVAILABLE,
            "Grid is temporarily unavailable (simulated). Try again shortly.",
        ),
        FailureStatus::BadGateway => ApiError::new(
            StatusCode::BAD_GATEWAY,
            code::BAD_GATEWAY,
            "Bad gateway (simulated). Try again shortly.",
        ),
        FailureStatus::InternalServerError => {
            ApiError::internal("Internal server error (simulated).")
        }
    }
}

fn drop_connection(connection: Option<ConnectionControl>) -> Response {
    match connection {
        Some(connection) => {
            connection.drop_connection();
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(ConnectionDropped);
            response
        }
        None => ApiError::internal("The simulator could not drop this connection.").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_kind() {
        let cases = [
            (
                r#"{"kind":"latency","latencyMs":250,"count":2}"#,
                Fault::Latency { latency_ms: 250 },
                2,
            ),
            (
                r#"{"kind":"status","status":503}"#,
                Fault::Status {
                    status: FailureStatus::ServiceUnavailable,
                },
                1,
            ),
            (
                r#"{"kind":"rate_limit","retryAfter":0,"count":3}"#,
                Fault::RateLimit {
                    retry_after_secs: 0,
                },
                3,
            ),
            (r#"{"kind":"drop"}"#, Fault::Drop, 1),
            (r#"{"kind":"drop_after","count":1}"#, Fault::DropAfter, 1),
            (r#"{"kind":"malformed","count":4}"#, Fault::Malformed, 4),
            (r#"{"kind":"schema_violation"}"#, Fault::SchemaViolation, 1),
            (
                r#"{"kind":"unknown_enum","count":2}"#,
                Fault::UnknownEnum,
                2,
            ),
        ];
        for (body, fault, count) in cases {
            assert_eq!(
                parse_fault(body.as_bytes()),
                Ok(FaultRequest { fault, count }),
                "{body}"
            );
        }
    }

    #[test]
    fn what_the_control_client_sends_is_what_the_server_reads() {
        for fault in [
            Fault::Latency { latency_ms: 800 },
            Fault::Status {
                status: FailureStatus::InternalServerError,
            },
            Fault::Status {
                status: FailureStatus::BadGateway,
            },
            Fault::RateLimit {
                retry_after_secs: 30,
            },
            Fault::Drop,
            Fault::DropAfter,
            Fault::Malformed,
            Fault::SchemaViolation,
            Fault::UnknownEnum,
        ] {
            let sent = FaultRequest { fault, count: 7 };
            let body = serde_json::to_vec(&sent).expect("serialises");
            assert_eq!(parse_fault(&body), Ok(sent), "{fault:?}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_simulate() {
        for body in [
            r#"{"kind":"status","status":404}"#,
            r#"{"kind":"status"}"#,
            r#"{"kind":"latency"}"#,
            r#"{"kind":"latency","latencyMs":999999999}"#,
            r#"{"kind":"explode"}"#,
            r#"{"kind":"drop","count":0}"#,
            r#"{"kind":"drop","latency_ms":5}"#,
            "not json",
        ] {
            let err = parse_fault(body.as_bytes()).expect_err(body);
            assert_eq!(err.code, "INVALID_INPUT", "{body}");
        }
    }

    #[test]
    fn unknown_enums_replace_every_enum_string_but_not_numbers() {
        let mut body = json!({"data": [{"id": "a", "type": "INTERNAL_FIAT", "status": "ACTIVE",
            "fundingPaymentInstructions": [{"accountOrWalletInfo": {"accountType": "USD_ACCOUNT"}}]}],
            "error": {"status": 400}});
        use_unknown_enums(&mut body);
        assert_eq!(body["data"][0]["status"], "UNDER_INVESTIGATION");
        assert_eq!(body["data"][0]["type"], "INTERNAL_PREMIUM");
        assert_eq!(
            body["data"][0]["fundingPaymentInstructions"][0]["accountOrWalletInfo"]["accountType"],
            "MARS_WALLET"
        );
        assert_eq!(
            body["error"]["status"], 400,
            "numeric statuses are not enums"
        );
    }

    #[test]
    fn schema_violations_break_the_first_account_or_the_challenge() {
        let mut list = json!({"data": [{"id": "a", "balance": {"amount": 1}}], "hasMore": false});
        break_schema(&mut list);
        assert_eq!(list["data"][0]["balance"], "1,000.00 USD");
        let mut external = json!({"data": [{"id": "ExternalAccount:x", "currency": "USD"}]});
        break_schema(&mut external);
        assert!(
            external["data"][0].get("id").is_none(),
            "an account without balance loses its id"
        );
        let mut challenge =
            json!({"payloadToSign": "{}", "requestId": "Request:x", "expiresAt": "t"});
        break_schema(&mut challenge);
        assert!(challenge.get("requestId").is_none());
    }

    #[test]
    fn the_queue_applies_faults_in_order_for_their_count() {
        let mut queue = FaultQueue::default();
        queue.arm(FaultRequest {
            fault: Fault::Drop,
            count: 2,
        });
        queue.arm(FaultRequest {
            fault: Fault::Malformed,
            count: 1,
        });
        assert_eq!(queue.take(), Some(Fault::Drop));
        assert_eq!(queue.armed()[0].remaining, 1);
        assert_eq!(queue.take(), Some(Fault::Drop));
        assert_eq!(queue.take(), Some(Fault::Malformed));
        assert_eq!(queue.take(), None);
    }
}
