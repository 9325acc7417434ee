//! Route handlers: read the request, call the store, answer with `grid_client` models. Auth
//! and faults happen before these run (see `router`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use grid_client::models::{
    ExternalAccount, InternalAccount, InternalAccountType, InternalAccountUpdateRequest, Page,
    PlatformInternalAccountListResponse, SandboxFundRequest,
};
use grid_client::money::MAX_FUND_AMOUNT;
use serde_json::Value;

use crate::clock;
use crate::control::{ArmedFaults, SimState};
use crate::error::{code, ApiError};
use crate::faults;
use crate::paging;
use crate::platform::PlatformConfig;
use crate::signed_retry::RetryHeaders;
use crate::sim::Sim;
use crate::store::{ExternalFilter, InternalFilter, PageQuery};

type Params = Result<Query<HashMap<String, String>>, QueryRejection>;
type IdPath = Result<Path<String>, PathRejection>;

/// Query parameters, with empty values treated as absent.
struct QueryParams(HashMap<String, String>);

impl QueryParams {
    fn read(params: Params) -> Result<Self, ApiError> {
        params
            .map(|Query(map)| Self(map))
            .map_err(|e| ApiError::invalid_input(format!("The query string is not valid: {e}")))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    fn internal_filter(&self) -> Result<InternalFilter, ApiError> {
        let account_type = match self.get("type") {
            None => None,
            Some(raw) => match InternalAccountType::from_wire(raw) {
                InternalAccountType::Unknown(_) => {
                    return Err(ApiError::invalid_field(
                        "type",
                        format!(
                            "type must be one of {}; got \"{raw}\".",
                            InternalAccountType::KNOWN.join(", ")
                        ),
                    ))
                }
                known => Some(known),
            },
        };
        Ok(InternalFilter {
            customer_id: self.get("customerId").map(str::to_owned),
            currency: self.get("currency").map(str::to_owned),
            account_type,
        })
    }

    fn external_filter(&self) -> ExternalFilter {
        ExternalFilter {
            customer_id: self.get("customerId").map(str::to_owned),
            currency: self.get("currency").map(str::to_owned),
        }
    }

    fn page(&self) -> Result<PageQuery, ApiError> {
        Ok(PageQuery {
            // An empty `limit=` is a bad value, not an absent one.
            limit: paging::parse_limit(self.0.get("limit").map(String::as_str))?,
            cursor: self.get("cursor").map(str::to_owned),
        })
    }
}

/// A request body, at most `limits::MAX_BODY_BYTES` (413 with a Grid error body beyond it).
pub(crate) struct RequestBody(Bytes);

impl<S: Send + Sync> FromRequest<S> for RequestBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Bytes::from_request(request, state).await {
            Ok(bytes) => Ok(Self(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::body_too_large())
            }
            Err(rejection) => Err(ApiError::invalid_input(format!(
                "The request body could not be read: {rejection}"
            ))),
        }
    }
}

fn path_id(path: IdPath) -> Result<String, ApiError> {
    path.map(|Path(id)| id).map_err(|e| {
        ApiError::invalid_input(format!("The account id in the path is not valid: {e}"))
    })
}

// ---------------------------------------------------------------------------------------------
// Lists

pub(crate) async fn list_platform_internal_accounts(
    State(sim): State<Sim>,
    params: Params,
) -> Result<Json<PlatformInternalAccountListResponse>, ApiError> {
    let mut filter = QueryParams::read(params)?.internal_filter()?;
    // The platform list has no customer filter.
    filter.customer_id = None;
    let data = sim.read(|store| store.platform_internal_accounts(&filter));
    Ok(Json(PlatformInternalAccountListResponse { data }))
}

pub(crate) async fn list_customer_internal_accounts(
    State(sim): State<Sim>,
    params: Params,
) -> Result<Json<Page<InternalAccount>>, ApiError> {
    let params = QueryParams::read(params)?;
    let filter = params.internal_filter()?;
    let page = params.page()?;
    sim.read(|store| store.customer_internal_accounts(&filter, &page))
        .map(Json)
}

pub(crate) async fn list_platform_external_accounts(
    State(sim): State<Sim>,
    params: Params,
) -> Result<Json<Page<ExternalAccount>>, ApiError> {
    let params = QueryParams::read(params)?;
    let filter = ExternalFilter {
        customer_id: None,
        ..params.external_filter()
    };
    let page = params.page()?;
    sim.read(|store| store.external_accounts(true, &filter, &page))
        .map(Json)
}

pub(crate) async fn list_customer_external_accounts(
    State(sim): State<Sim>,
    params: Params,
) -> Result<Json<Page<ExternalAccount>>, ApiError> {
    let params = QueryParams::read(params)?;
    let filter = params.external_filter();
    let page = params.page()?;
    sim.read(|store| store.external_accounts(false, &filter, &page))
        .map(Json)
}

// ---------------------------------------------------------------------------------------------
// Sandbox funding

fn forbid_sandbox_in_production(sim: &Sim) -> Result<(), ApiError> {
    if sim.production() {
        return Err(ApiError::forbidden(
            "Sandbox endpoints are not available with production credentials",
        ));
    }
    Ok(())
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads a `SandboxFundRequest`, checking what the spec says of `amount`: an integer,
/// `0 < amount <= 100000000000`.
fn parse_fund_request(body: &[u8]) -> Result<SandboxFundRequest, ApiError> {
    const EXAMPLE: &str = r#"{"amount": 100000}"#;
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::invalid_input(format!(
            "The request body must be JSON like {EXAMPLE}: {e}."
        ))
    })?;
    let Some(object) = value.as_object() else {
        return Err(ApiError::invalid_input(format!(
            "The request body must be a JSON object like {EXAMPLE}, not {}.",
            json_kind(&value)
        )));
    };
    let field = |message: String| ApiError::invalid_field("amount", message);
    let number =
        match object.get("amount") {
            None | Some(Value::Null) => return Err(field(
                "amount is required: a whole number in the currency's smallest unit (e.g. cents)."
                    .to_owned(),
            )),
            Some(Value::Number(number)) => number,
            Some(other) => {
                return Err(field(format!(
                    "amount must be a whole number in the currency's smallest unit, not {}.",
                    json_kind(other)
                )))
            }
        };
    let too_large = || {
        field(format!(
            "amount must be at most {MAX_FUND_AMOUNT} (smallest units)."
        ))
    };
    if number.as_i64().is_none() {
        return Err(if number.is_u64() {
            too_large()
        } else {
            field(format!(
                "amount must be a whole number in the currency's smallest unit (e.g. 150 for \
                 $1.50), not {number}."
            ))
        });
    }
    let request: SandboxFundRequest = serde_json::from_value(value.clone()).map_err(|e| {
        ApiError::invalid_input(format!("The request body is not a fund request: {e}."))
    })?;
    if request.amount <= 0 {
        return Err(field(format!(
            "amount must be greater than 0; got {}.",
            request.amount
        )));
    }
    if request.amount > MAX_FUND_AMOUNT {
        return Err(too_large());
    }
    Ok(request)
}

pub(crate) async fn fund_internal_account(
    State(sim): State<Sim>,
    path: IdPath,
    RequestBody(body): RequestBody,
) -> Result<Json<InternalAccount>, ApiError> {
    forbid_sandbox_in_production(&sim)?;
    let id = path_id(path)?;
    let request = parse_fund_request(&body)?;
    sim.mutate(|store| store.fund(&id, request.amount, clock::now_rfc3339()))
        .await
        .map(Json)
}

// ---------------------------------------------------------------------------------------------
// PATCH /internal-accounts/{id}

/// Reads an `InternalAccountUpdateRequest` with at least one field set.
fn parse_update_request(body: &[u8]) -> Result<InternalAccountUpdateRequest, ApiError> {
    const EXAMPLE: &str = r#"{"privateEnabled": true}"#;
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::invalid_input(format!(
            "The request body must be JSON like {EXAMPLE}: {e}."
        ))
    })?;
    let Some(object) = value.as_object() else {
        return Err(ApiError::invalid_input(format!(
            "The request body must be a JSON object like {EXAMPLE}, not {}.",
            json_kind(&value)
        )));
    };
    if let Some(flag) = object.get("privateEnabled") {
        if !flag.is_boolean() {
            return Err(ApiError::invalid_field(
                "privateEnabled",
                format!(
                    "privateEnabled must be true or false, not {}.",
                    json_kind(flag)
                ),
            ));
        }
    }
    let update: InternalAccountUpdateRequest = serde_json::from_value(value.clone())
        .map_err(|e| ApiError::invalid_input(format!("The request body is not an update: {e}.")))?;
    if update.is_empty() {
        return Err(ApiError::invalid_input(format!(
            "Nothing to update: send at least one field, e.g. {EXAMPLE}."
        )));
    }
    Ok(update)
}

/// A header's value; absent when missing or blank.
fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
        .filter(|v| !v.is_empty())
}

pub(crate) async fn update_internal_account(
    State(sim): State<Sim>,
    path: IdPath,
    headers: HeaderMap,
    RequestBody(body): RequestBody,
) -> Result<Response, ApiError> {
    let id = path_id(path)?;
    let update = parse_update_request(&body)?;
    let signature = header_text(&headers, "Grid-Wallet-Signature");
    let request_id = header_text(&headers, "Request-Id");
    if signature.is_none() && request_id.is_none() {
        sim.read(|store| store.check_wallet_update(&id))?;
        let ttl = sim.challenge_ttl();
        let challenge = sim.challenges(|challenges| challenges.issue(&id, &update, ttl));
        return Ok((StatusCode::ACCEPTED, Json(challenge)).into_response());
    }
    let retry = RetryHeaders {
        signature: signature.as_deref(),
        request_id: request_id.as_deref(),
    };
    let mut change = sim.begin().await;
    change.store.check_wallet_update(&id)?;
    let verified =
        sim.challenges(|challenges| challenges.verify(&id, &update, retry, sim.stamp_policy()))?;
    let private_enabled = verified
        .update
        .private_enabled
        .ok_or_else(|| ApiError::internal("The signed update has no privateEnabled."))?;
    let account = change
        .store
        .set_private_enabled(&id, private_enabled, clock::now_rfc3339())?;
    sim.commit(change).await?;
    // Used up only now that the change is saved: a change that could not be saved leaves the
    // challenge pending for another try.
    sim.challenges(|challenges| challenges.consume(&verified));
    Ok(Json(account).into_response())
}

// ---------------------------------------------------------------------------------------------
// GET /config

pub(crate) async fn platform_config(State(sim): State<Sim>) -> Json<PlatformConfig> {
    Json(PlatformConfig::of(
        &sim.read(|store| store.platform_currencies()),
    ))
}

// ---------------------------------------------------------------------------------------------
// Everything else

/// With production credentials every `/sandbox…` request is a 403, whatever its method or
/// path: Grid refuses the whole sandbox before looking at the route.
fn forbid_sandbox_path_in_production(sim: &Sim, path: &str) -> Result<(), ApiError> {
    if path == "/sandbox" || path.starts_with("/sandbox/") {
        forbid_sandbox_in_production(sim)?;
    }
    Ok(())
}

pub(crate) async fn unknown_route(State(sim): State<Sim>, method: Method, uri: Uri) -> ApiError {
    let path = uri.path();
    if let Err(err) = forbid_sandbox_path_in_production(&sim, path) {
        return err;
    }
    ApiError::not_found(format!(
        "No route {method} {path}. grid-sim serves the internal-account, external-account, \
         sandbox-fund and internal-account update routes only."
    ))
}

pub(crate) async fn method_not_allowed(
    State(sim): State<Sim>,
    method: Method,
    uri: Uri,
) -> ApiError {
    if let Err(err) = forbid_sandbox_path_in_production(&sim, uri.path()) {
        return err;
    }
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        code::METHOD_NOT_ALLOWED,
        format!("{method} is not supported on {}.", uri.path()),
    )
}

// ---------------------------------------------------------------------------------------------
// /_sim controls

pub(crate) async fn sim_reset(State(sim): State<Sim>) -> Result<Json<SimState>, ApiError> {
    sim.reset().await?;
    Ok(Json(sim.state()))
}

pub(crate) async fn sim_arm_fault(
    State(sim): State<Sim>,
    RequestBody(body): RequestBody,
) -> Result<Json<ArmedFaults>, ApiError> {
    let request = faults::parse_fault(&body)?;
    Ok(Json(ArmedFaults {
        armed: sim.arm_fault(request),
    }))
}

pub(crate) async fn sim_clear_faults(State(sim): State<Sim>) -> Json<ArmedFaults> {
    sim.clear_faults();
    Json(ArmedFaults { armed: Vec::new() })
}

/// `PATCH /_sim/internal-accounts/{id}`: merge top-level fields into a stored account.
pub(crate) async fn sim_edit_internal_account(
    State(sim): State<Sim>,
    path: IdPath,
    RequestBody(body): RequestBody,
) -> Result<Json<InternalAccount>, ApiError> {
    let id = path_id(path)?;
    let fields = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(fields)) => fields,
        _ => {
            return Err(ApiError::invalid_input(
                "The body must be a JSON object of InternalAccount fields to replace.",
            ))
        }
    };
    sim.mutate(|store| store.edit_internal_account(&id, fields))
        .await
        .map(Json)
}

pub(crate) async fn sim_state(State(sim): State<Sim>) -> Json<SimState> {
    Json(sim.state())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fund_bodies_follow_the_spec() {
        assert_eq!(
            parse_fund_request(br#"{"amount": 100000}"#).map(|r| r.amount),
            Ok(100_000)
        );
        assert_eq!(
            parse_fund_request(br#"{"amount": 100000000000}"#).map(|r| r.amount),
            Ok(MAX_FUND_AMOUNT),
            "the maximum itself is allowed"
        );
        for bad in [
            r#"{"amount": 1.5}"#,
            r#"{"amount": 100.0}"#,
            r#"{"amount": 1e3}"#,
            r#"{"amount": "100"}"#,
            r#"{"amount": 0}"#,
            r#"{"amount": -1}"#,
            r#"{"amount": 100000000001}"#,
            r#"{"amount": 18446744073709551615}"#,
            r#"{"amount": null}"#,
            r#"{}"#,
            r#"[100]"#,
            "{not json",
            "",
        ] {
            let err = parse_fund_request(bad.as_bytes()).expect_err(bad);
            assert_eq!(err.code, "INVALID_INPUT", "{bad}");
            assert!(!err.message.is_empty());
        }
    }

    #[test]
    fn update_bodies_need_a_boolean_field() {
        assert_eq!(
            parse_update_request(br#"{"privateEnabled": false}"#),
            Ok(InternalAccountUpdateRequest {
                private_enabled: Some(false)
            })
        );
        for bad in [
            r#"{}"#,
            r#"{"privateEnabled": "yes"}"#,
            r#"{"privateEnabled": null}"#,
            "[]",
            "x",
        ] {
            assert!(parse_update_request(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
