//! The two-step signed retry of `PATCH /internal-accounts/{id}`: challenges issued by step 1,
//! and the checks step 2 goes through, each failure with its Error401 code.
//!
//! Decisions where Grid's docs are silent:
//! - A challenge is single-use: a successful retry consumes it.
//! - A retry whose body differs from step 1 also consumes it (the signed intent no longer
//!   matches what is being sent; start again). Other failures — malformed or invalid stamp —
//!   leave it pending, so the user can retry with a correct stamp until it expires.
//! - Challenges live in memory only; a restart forgets them.
//! - At most [`MAX_PENDING_CHALLENGES_PER_ACCOUNT`] challenges wait per account (issuing one
//!   more drops that account's oldest) and at most [`MAX_CHALLENGES`] are remembered in all
//!   (issuing one more forgets the oldest), so no client can grow the simulator's memory.
//! - A retry is checked ([`Challenges::verify`]) before its change is saved, and the challenge
//!   is used up ([`Challenges::consume`]) only once it is: a change that could not be saved
//!   leaves the challenge pending.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use grid_client::models::{InternalAccountUpdateRequest, SignedRequestChallenge};
use grid_client::signing::{verify_stamp, SigningError};
use serde::Serialize;
use serde_json::Map;
use sha2::{Digest as _, Sha256};

use crate::clock;
use crate::error::{code, ApiError};
use crate::limits::{MAX_CHALLENGES, MAX_PENDING_CHALLENGES_PER_ACCOUNT};

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
    /// Dropped for newer challenges on the same account.
    Superseded,
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

/// Challenges by request id, their request ids in the order they were issued (so also in the
/// order they expire: one simulator has one TTL), and per account the request ids that may
/// still be pending, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Challenges {
    by_request_id: HashMap<String, Challenge>,
    issued: VecDeque<String>,
    by_account: HashMap<String, VecDeque<String>>,
}

/// A signed retry that passed every check, to apply and then [`Challenges::consume`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VerifiedRetry {
    pub request_id: String,
    pub update: InternalAccountUpdateRequest,
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

/// The Turnkey activity Grid asks the wallet's session key to sign, in the shape of the spec's
/// example for `PATCH /internal-accounts/{id}`: a raw-payload signature, keys in the spec's
/// order (`organizationId`, `parameters`, `timestampMs`, `type`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Activity<'a> {
    organization_id: &'static str,
    parameters: RawPayload<'a>,
    timestamp_ms: String,
    #[serde(rename = "type")]
    activity_type: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RawPayload<'a> {
    encoding: &'static str,
    hash_function: &'static str,
    /// Hex SHA-256 of the [`BoundChange`]: what binds the signature to the account and the
    /// requested fields.
    payload: String,
    sign_with: &'a str,
}

/// What a challenge binds, serialised compactly with its keys in this order
/// (`{"internalAccountId":"…","privateEnabled":true}`) and hashed into the payload.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BoundChange<'a> {
    internal_account_id: &'a str,
    #[serde(flatten)]
    update: &'a InternalAccountUpdateRequest,
}

fn payload_to_sign(account_id: &str, update: &InternalAccountUpdateRequest) -> String {
    // Serialising plain strings and booleans cannot fail.
    let change = serde_json::to_vec(&BoundChange {
        internal_account_id: account_id,
        update,
    })
    .unwrap_or_default();
    let activity = Activity {
        organization_id: "org_sim",
        parameters: RawPayload {
            encoding: "PAYLOAD_ENCODING_HEXADECIMAL",
            hash_function: "HASH_FUNCTION_NO_OP",
            payload: hex::encode(Sha256::digest(&change)),
            // The simulator models no wallet keys; the account stands for its wallet.
            sign_with: account_id,
        },
        timestamp_ms: clock::now_unix_millis().to_string(),
        activity_type: "ACTIVITY_TYPE_SIGN_RAW_PAYLOAD_V2",
    };
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
        self.make_room_for(account_id);
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
        self.issued.push_back(request_id.clone());
        self.by_account
            .entry(account_id.to_owned())
            .or_default()
            .push_back(request_id.clone());
        self.by_request_id.insert(request_id, challenge);
        response
    }

    /// Before a new challenge for `account_id`: drops that account's oldest pending challenge
    /// when it has the most allowed, and forgets the oldest challenges when there are as many as
    /// allowed in all.
    fn make_room_for(&mut self, account_id: &str) {
        let by_request_id = &mut self.by_request_id;
        let pending = self.by_account.entry(account_id.to_owned()).or_default();
        pending.retain(|id| {
            by_request_id
                .get(id)
                .is_some_and(|c| c.state == ChallengeState::Pending)
        });
        while pending.len() >= MAX_PENDING_CHALLENGES_PER_ACCOUNT {
            let Some(oldest) = pending.pop_front() else {
                break;
            };
            if let Some(challenge) = by_request_id.get_mut(&oldest) {
                challenge.state = ChallengeState::Superseded;
            }
        }
        while self.by_request_id.len() >= MAX_CHALLENGES {
            let Some(oldest) = self.issued.pop_front() else {
                break;
            };
            self.by_request_id.remove(&oldest);
        }
    }

    /// Step 2: checks the retry against its challenge and the stamp. Nothing is used up yet:
    /// call [`Challenges::consume`] once the change is applied. A body that differs from step 1
    /// voids the challenge at once.
    pub fn verify(
        &mut self,
        account_id: &str,
        update: &InternalAccountUpdateRequest,
        headers: RetryHeaders<'_>,
        policy: &StampPolicy,
    ) -> Result<VerifiedRetry, ApiError> {
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
        Ok(VerifiedRetry {
            request_id: request_id.to_owned(),
            update: challenge.update.clone(),
        })
    }

    /// Uses up a verified challenge: single use.
    pub fn consume(&mut self, retry: &VerifiedRetry) {
        if let Some(challenge) = self.by_request_id.get_mut(&retry.request_id) {
            challenge.state = ChallengeState::Used;
        }
    }

    /// Forgets every challenge (`/_sim/reset`).
    pub fn clear(&mut self) {
        self.by_request_id.clear();
        self.issued.clear();
        self.by_account.clear();
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
            ChallengeState::Superseded => {
                return Err(unauthorized(format!(
                    "Request-Id \"{request_id}\" was dropped for newer challenges: at most \
                     {MAX_PENDING_CHALLENGES_PER_ACCOUNT} may wait per account. Start again \
                     without signature headers."
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

    /// Forgets challenges that expired long ago, oldest first.
    fn forget_old(&mut self) {
        let now = Instant::now();
        while let Some(oldest) = self.issued.front() {
            let long_gone = self
                .by_request_id
                .get(oldest)
                .is_none_or(|c| now.saturating_duration_since(c.expires) >= FORGET_AFTER);
            if !long_gone {
                break;
            }
            if let Some(oldest) = self.issued.pop_front() {
                self.by_request_id.remove(&oldest);
            }
        }
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

    /// Step 2 as the handler runs it when the change is saved: verify, then use up.
    fn redeem(
        challenges: &mut Challenges,
        account_id: &str,
        update: &InternalAccountUpdateRequest,
        headers: RetryHeaders<'_>,
        policy: &StampPolicy,
    ) -> Result<InternalAccountUpdateRequest, ApiError> {
        let verified = challenges.verify(account_id, update, headers, policy)?;
        challenges.consume(&verified);
        Ok(verified.update)
    }

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
    fn payload_binds_the_account_and_the_update_in_the_specs_shape() {
        let payload = payload_to_sign("InternalAccount:x", &update(true));
        let change = br#"{"internalAccountId":"InternalAccount:x","privateEnabled":true}"#;
        let hash = hex::encode(Sha256::digest(change));
        assert!(
            payload.starts_with(&format!(
                r#"{{"organizationId":"org_sim","parameters":{{"encoding":"PAYLOAD_ENCODING_HEXADECIMAL","hashFunction":"HASH_FUNCTION_NO_OP","payload":"{hash}","signWith":"InternalAccount:x"}},"timestampMs":""#
            )),
            "{payload}"
        );
        assert!(
            payload.ends_with(r#"","type":"ACTIVITY_TYPE_SIGN_RAW_PAYLOAD_V2"}"#),
            "{payload}"
        );
        assert!(
            !payload_to_sign("InternalAccount:x", &update(false)).contains(&hash),
            "another value, another payload"
        );
    }

    #[test]
    fn a_verified_retry_is_used_up_only_when_consumed() {
        let mut challenges = Challenges::default();
        let c = challenges.issue("A", &update(true), Duration::from_secs(60));
        let retry = headers(SANDBOX_SIGNATURE, &c.request_id);
        let verified = challenges
            .verify("A", &update(true), retry, &policy(true))
            .expect("valid");
        assert_eq!(challenges.pending_count(), 1, "not used up by checking");
        challenges.consume(&verified);
        let err = challenges
            .verify("A", &update(true), retry, &policy(true))
            .expect_err("used up");
        assert!(err.message.contains("already been used"), "{}", err.message);
    }

    #[test]
    fn pending_challenges_are_capped_per_account_oldest_dropped() {
        let mut challenges = Challenges::default();
        let issued: Vec<_> = (0..=MAX_PENDING_CHALLENGES_PER_ACCOUNT)
            .map(|_| challenges.issue("A", &update(true), Duration::from_secs(60)))
            .collect();
        challenges.issue("B", &update(true), Duration::from_secs(60));
        assert_eq!(
            challenges.pending_count(),
            MAX_PENDING_CHALLENGES_PER_ACCOUNT + 1,
            "A's cap plus B's one"
        );
        let err = challenges
            .verify(
                "A",
                &update(true),
                headers(SANDBOX_SIGNATURE, &issued[0].request_id),
                &policy(true),
            )
            .expect_err("the oldest was dropped");
        assert_eq!(err.code, "UNAUTHORIZED");
        assert!(err.message.contains("dropped"), "{}", err.message);
        assert!(challenges
            .verify(
                "A",
                &update(true),
                headers(SANDBOX_SIGNATURE, &issued[1].request_id),
                &policy(true),
            )
            .is_ok());
    }

    #[test]
    fn challenges_are_capped_in_total_oldest_forgotten() {
        let mut challenges = Challenges::default();
        let first = challenges.issue("account-0", &update(true), Duration::from_secs(60));
        for n in 1..=MAX_CHALLENGES {
            challenges.issue(
                &format!("account-{n}"),
                &update(true),
                Duration::from_secs(60),
            );
        }
        assert_eq!(challenges.by_request_id.len(), MAX_CHALLENGES);
        assert_eq!(challenges.issued.len(), MAX_CHALLENGES);
        let err = challenges
            .verify(
                "account-0",
                &update(true),
                headers(SANDBOX_SIGNATURE, &first.request_id),
                &policy(true),
            )
            .expect_err("forgotten");
        assert!(
            err.message.contains("matches no challenge"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_real_stamp_redeems_once() {
        let mut challenges = Challenges::default();
        let c = challenges.issue("A", &update(true), Duration::from_secs(60));
        let stamp = sign_payload(KEY, &c.payload_to_sign).expect("signs");
        let applied = redeem(
            &mut challenges,
            "A",
            &update(true),
            headers(&stamp, &c.request_id),
            &policy(false),
        )
        .expect("valid stamp");
        assert_eq!(applied, update(true));
        let again = redeem(
            &mut challenges,
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
        let err = redeem(
            &mut challenges,
            "A",
            &update(true),
            headers("%%%", &c.request_id),
            &policy(true),
        )
        .expect_err("garbage");
        assert_eq!(err.code, "WALLET_SIGNATURE_MALFORMED");
        let err = redeem(
            &mut challenges,
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
        let err = redeem(
            &mut challenges,
            "A",
            &update(false),
            headers(SANDBOX_SIGNATURE, &c.request_id),
            &policy(true),
        )
        .expect_err("different body");
        assert_eq!(err.code, "WALLET_SIGNATURE_BODY_MISMATCH");
        let err = redeem(
            &mut challenges,
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
        let err = redeem(
            &mut challenges,
            "A",
            &update(true),
            headers(SANDBOX_SIGNATURE, &c.request_id),
            &policy(false),
        )
        .expect_err("production");
        assert_eq!(err.code, "WALLET_SIGNATURE_MALFORMED");
        assert!(redeem(
            &mut challenges,
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
        let err = redeem(
            &mut challenges,
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
