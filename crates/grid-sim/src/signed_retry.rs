//! The two-step signed retry of `PATCH /internal-accounts/{id}`: challenges issued by step 1,
//! and the checks step 2 goes through, each failure with its Error401 code.
//!
//! Decisions where Grid's docs are silent:
//! - A challenge is single-use: a successful retry consumes it.
//! - A retry whose body differs from step 1 also consumes it (the signed intent no longer
//!   matches what is being sent; start again). Other failures — malformed or invalid stamp —
//!   leave it pending, so the user can retry with a correct stamp until it expires.
//! - Challenges live in memory only; a restart forgets them.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use grid_client::models::{InternalAccountUpdateRequest, SignedRequestChallenge};
use grid_client::signing::{verify_stamp, SigningError};
use serde::Serialize;
use serde_json::Map;

use crate::clock;
use crate::error::{code, ApiError};

/// The stamp Grid's sandbox accepts for any signed action (refused in production).
pub(crate) const SANDBOX_SIGNATURE: &str = "sandbox-valid-signature";

/// Expired or spent challenges are remembered this long, so a late retry hears why it failed.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// Stands in for an expiry too far away to compute.
const FAR_FUTURE: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChallengeState {
    Pending,
    Used,
    RejectedBodyMismatch,
}

#[derive(Debug, Clone)]
struct Challenge {
    account_id: String,
    update: InternalAccountUpdateRequest,
    payload_to_sign: String,
    expires: Instant,
    expires_at: String,
    state: ChallengeState,
}

/// Challenges by request id.
#[derive(Debug, Default)]
pub(crate) struct Challenges {
    by_request_id: HashMap<String, Challenge>,
}

/// What a stamp must satisfy.
#[derive(Debug, Clone)]
pub(crate) struct StampPolicy {
    /// Lower-case compressed public keys registered as session keys.
    pub session_keys: HashSet<String>,
    pub accept_sandbox_signature: bool,
}

/// The signature headers of a PATCH, as sent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryHeaders<'a> {
    pub signature: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

/// The activity Grid asks the wallet's session key to sign, serialised with fields in this order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Activity<'a> {
    #[serde(rename = "type")]
    activity_type: &'static str,
    timestamp_ms: String,
    organization_id: &'static str,
    parameters: ActivityParameters<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ActivityParameters<'a> {
    internal_account_id: &'a str,
    #[serde(flatten)]
    update: &'a InternalAccountUpdateRequest,
}

fn payload_to_sign(account_id: &str, update: &InternalAccountUpdateRequest) -> String {
    let activity = Activity {
        activity_type: "ACTIVITY_TYPE_UPDATE_INTERNAL_ACCOUNT",
        timestamp_ms: clock::now_unix_millis().to_string(),
        organization_id: "org_sim",
        parameters: ActivityParameters {
            internal_account_id: account_id,
            update,
        },
    };
    // Serialising plain strings and booleans cannot fail.
    serde_json::to_string(&activity).unwrap_or_default()
}

impl Challenges {
    /// Step 1: a fresh challenge binding `update` to `account_id`.
    pub fn issue(
        &mut self,
        account_id: &str,
        update: &InternalAccountUpdateRequest,
        ttl: Duration,
    ) -> SignedRequestChallenge {
        self.forget_old();
        let request_id = format!("Request:{}", uuid::Uuid::new_v4());
        // A TTL too large to represent means "never expires" in practice.
        let expires_at = time::Duration::try_from(ttl)
            .ok()
            .and_then(|ttl| time::OffsetDateTime::now_utc().checked_add(ttl))
            .map_or_else(|| "9999-12-31T23:59:59Z".to_owned(), clock::rfc3339);
        let now = Instant::now();
        let expires = now
            .checked_add(ttl)
            .or_else(|| now.checked_add(FAR_FUTURE))
            .unwrap_or(now);
        let challenge = Challenge {
            account_id: account_id.to_owned(),
            update: update.clone(),
            payload_to_sign: payload_to_sign(account_id, update),
            expires,
            expires_at,
            state: ChallengeState::Pending,
        };
        let response = SignedRequestChallenge {
            payload_to_sign: challenge.payload_to_sign.clone(),
            request_id: request_id.clone(),
            expires_at: challenge.expires_at.clone(),
            extra: Map::new(),
        };
        self.by_request_id.insert(request_id, challenge);
        response
    }

    /// Step 2: checks the retry against its challenge and the stamp, consuming the challenge on
    /// success. Returns the update to apply.
    pub fn redeem(
        &mut self,
        account_id: &str,
        update: &InternalAccountUpdateRequest,
        headers: RetryHeaders<'_>,
        policy: &StampPolicy,
    ) -> Result<InternalAccountUpdateRequest, ApiError> {
        let (signature, request_id) = match (headers.signature, headers.request_id) {
            (Some(signature), Some(request_id)) => (signature, request_id),
            (Some(_), None) => {
                return Err(ApiError::unauthorized(
                    code::REQUEST_ID_MISSING,
                    "The Request-Id header is required with Grid-Wallet-Signature: echo the \
                     requestId of the 202 challenge.",
                ))
            }
            (None, Some(_)) => {
                return Err(ApiError::unauthorized(
                    code::WALLET_SIGNATURE_MISSING,
                    "The Grid-Wallet-Signature header is required with Request-Id: send the \
                     stamp over the challenge's payloadToSign.",
                ))
            }
            (None, None) => {
                return Err(ApiError::internal(
                    "A signed retry was checked without its headers.",
                ))
            }
        };
        let challenge = self.pending_challenge(request_id, account_id)?;
        if &challenge.update != update {
            challenge.state = ChallengeState::RejectedBodyMismatch;
            return Err(ApiError::unauthorized(
                code::WALLET_SIGNATURE_BODY_MISMATCH,
                "The retry body differs from the body of step 1 that payloadToSign binds. This \
                 challenge is now void; start again without signature headers.",
            ));
        }
        check_stamp(signature, &challenge.payload_to_sign, policy)?;
        challenge.state = ChallengeState::Used;
        Ok(challenge.update.clone())
    }

    fn pending_challenge(
        &mut self,
        request_id: &str,
        account_id: &str,
    ) -> Result<&mut Challenge, ApiError> {
        let unauthorized = |message: String| ApiError::unauthorized(code::UNAUTHORIZED, message);
        let Some(challenge) = self.by_request_id.get_mut(request_id) else {
            return Err(unauthorized(format!(
                "Request-Id \"{request_id}\" matches no challenge issued by this server."
            )));
        };
        if challenge.account_id != account_id {
            return Err(unauthorized(format!(
                "Request-Id \"{request_id}\" was issued for {}, not for {account_id}.",
                challenge.account_id
            )));
        }
        match challenge.state {
            ChallengeState::Pending => {}
            ChallengeState::Used => {
                return Err(unauthorized(format!(
                    "Request-Id \"{request_id}\" has already been used; each challenge is \
                     single-use. Start again without signature headers."
                )))
            }
            ChallengeState::RejectedBodyMismatch => {
                return Err(unauthorized(format!(
                    "Request-Id \"{request_id}\" was voided by a retry with a different body. \
                     Start again without signature headers."
                )))
            }
        }
        if Instant::now() >= challenge.expires {
            return Err(unauthorized(format!(
                "Request-Id \"{request_id}\" expired at {}. Start again without signature \
                 headers.",
                challenge.expires_at
            )));
        }
        Ok(challenge)
    }

    /// Challenges still waiting for their retry.
    pub fn pending_count(&self) -> usize {
        let now = Instant::now();
        self.by_request_id
            .values()
            .filter(|c| c.state == ChallengeState::Pending && c.expires > now)
            .count()
    }

    fn forget_old(&mut self) {
        let now = Instant::now();
        self.by_request_id
            .retain(|_, c| now.saturating_duration_since(c.expires) < FORGET_AFTER);
    }
}

/// Checks a `Grid-Wallet-Signature` stamp over `payload`.
fn check_stamp(stamp: &str, payload: &str, policy: &StampPolicy) -> Result<(), ApiError> {
    if stamp == SANDBOX_SIGNATURE && policy.accept_sandbox_signature {
        return Ok(());
    }
    let malformed = |why: String| ApiError::unauthorized(code::WALLET_SIGNATURE_MALFORMED, why);
    let invalid = |why: String| ApiError::unauthorized(code::WALLET_SIGNATURE_INVALID, why);
    match verify_stamp(stamp, payload) {
        Ok(public_key) if policy.session_keys.contains(&public_key) => Ok(()),
        Ok(public_key) => Err(invalid(format!(
            "The stamp's public key {public_key} is not a registered session key for this \
             account."
        ))),
        Err(SigningError::SignatureInvalid) => Err(invalid(
            "The signature does not verify over payloadToSign with the stamp's public key. Sign \
             the exact bytes of payloadToSign."
                .to_owned(),
        )),
        Err(err) if stamp == SANDBOX_SIGNATURE => Err(malformed(format!(
            "\"{SANDBOX_SIGNATURE}\" is only accepted in the sandbox; production needs a real \
             stamp ({err})"
        ))),
        Err(err) => Err(malformed(err.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use grid_client::signing::sign_payload;

    const KEY: &str = "a3f1c2d4e5b6978012345678909876543210fedcba0011223344556677889900";
    const PUBLIC: &str = "020f363563d57581dd598f50b0e1ce05ce1ac8ab2bda3358a744d1f296e4a26c49";

    fn policy(sandbox: bool) -> StampPolicy {
        StampPolicy {
            session_keys: HashSet::from([PUBLIC.to_owned()]),
            accept_sandbox_signature: sandbox,
        }
    }

    fn update(value: bool) -> InternalAccountUpdateRequest {
        InternalAccountUpdateRequest {
            private_enabled: Some(value),
        }
    }

    fn headers<'a>(signature: &'a str, request_id: &'a str) -> RetryHeaders<'a> {
        RetryHeaders {
            signature: Some(signature),
            request_id: Some(request_id),
        }
    }

    #[test]
    fn payload_binds_the_account_and_the_update_in_compact_json() {
        let payload = payload_to_sign("InternalAccount:x", &update(true));
        assert!(
            payload
                .starts_with(r#"{"type":"ACTIVITY_TYPE_UPDATE_INTERNAL_ACCOUNT","timestampMs":""#),
            "{payload}"
        );
        assert!(
            payload.ends_with(
                r#""organizationId":"org_sim","parameters":{"internalAccountId":"InternalAccount:x","privateEnabled":true}}"#
            ),
            "{payload}"
        );
    }

    #[test]
    fn a_real_stamp_redeems_once() {
        let mut challenges = Challenges::default();
        let c = challenges.issue("A", &update(true), Duration::from_secs(60));
        let stamp = sign_payload(KEY, &c.payload_to_sign).expect("signs");
        let applied = challenges
            .redeem(
                "A",
                &update(true),
                headers(&stamp, &c.request_id),
                &policy(false),
            )
            .expect("valid stamp");
        assert_eq!(applied, update(true));
        let again = challenges
            .redeem(
                "A",
                &update(true),
                headers(&stamp, &c.request_id),
                &policy(false),
            )
            .expect_err("single use");
        assert_eq!(again.code, "UNAUTHORIZED");
        assert!(
            again.message.contains("already been used"),
            "{}",
            again.message
        );
    }

    #[test]
    fn bad_stamps_leave_the_challenge_pending_but_a_body_mismatch_voids_it() {
        let mut challenges = Challenges::default();
        let c = challenges.issue("A", &update(true), Duration::from_secs(60));
        let err = challenges
            .redeem(
                "A",
                &update(true),
                headers("%%%", &c.request_id),
                &policy(true),
            )
            .expect_err("garbage");
        assert_eq!(err.code, "WALLET_SIGNATURE_MALFORMED");
        let err = challenges
            .redeem(
                "B",
                &update(true),
                headers(SANDBOX_SIGNATURE, &c.request_id),
                &policy(true),
            )
            .expect_err("another account");
        assert_eq!(err.code, "UNAUTHORIZED");
        assert!(err.message.contains("issued for A"), "{}", err.message);
        assert_eq!(
            challenges.pending_count(),
            1,
            "failed stamps do not consume"
        );
        let err = challenges
            .redeem(
                "A",
                &update(false),
                headers(SANDBOX_SIGNATURE, &c.request_id),
                &policy(true),
            )
            .expect_err("different body");
        assert_eq!(err.code, "WALLET_SIGNATURE_BODY_MISMATCH");
        let err = challenges
            .redeem(
                "A",
                &update(true),
                headers(SANDBOX_SIGNATURE, &c.request_id),
                &policy(true),
            )
            .expect_err("voided");
        assert_eq!(err.code, "UNAUTHORIZED");
    }

    #[test]
    fn the_sandbox_shortcut_is_refused_in_production() {
        let mut challenges = Challenges::default();
        let c = challenges.issue("A", &update(true), Duration::from_secs(60));
        let err = challenges
            .redeem(
                "A",
                &update(true),
                headers(SANDBOX_SIGNATURE, &c.request_id),
                &policy(false),
            )
            .expect_err("production");
        assert_eq!(err.code, "WALLET_SIGNATURE_MALFORMED");
        assert!(challenges
            .redeem(
                "A",
                &update(true),
                headers(SANDBOX_SIGNATURE, &c.request_id),
                &policy(true)
            )
            .is_ok());
    }

    #[test]
    fn expired_challenges_are_refused() {
        let mut challenges = Challenges::default();
        let c = challenges.issue("A", &update(true), Duration::ZERO);
        let err = challenges
            .redeem(
                "A",
                &update(true),
                headers(SANDBOX_SIGNATURE, &c.request_id),
                &policy(true),
            )
            .expect_err("expired");
        assert_eq!(err.code, "UNAUTHORIZED");
        assert!(err.message.contains("expired"), "{}", err.message);
    }
}
