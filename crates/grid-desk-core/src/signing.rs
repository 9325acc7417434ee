//! The two-step signed update of an embedded wallet (`privateEnabled`) and the session
//! signing keys. Step one keeps Grid's challenge here; step two signs exactly that payload
//! (sandbox shortcut, the connection's session key from the keychain, or a pasted stamp) and
//! resends the body step one bound. [`Signing`] is the service the window's commands use.

use std::sync::{Arc, Mutex};

use deposit_instructions::{account_view, AccountView};
use grid_client::models::{InternalAccountId, InternalAccountUpdateRequest};
use grid_client::{GridClient, Secret, UpdateOutcome};
use serde::{Deserialize, Serialize};

use journal::{Kind, Outcome};

use crate::accounts::AccountCache;
use crate::connections::Connections;
use crate::demo::Demo;
use crate::error::{UiCode, UiError, UiResult};
use crate::keychain::Keychain;
use crate::settings::DEMO_ID;

/// What Grid's sandbox accepts as a signature for any signed action.
pub const SANDBOX_SIGNATURE: &str = "sandbox-valid-signature";

/// `start_account_update`: the change wanted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartUpdateRequest {
    pub account_id: String,
    pub private_enabled: bool,
}

/// `complete_account_update`: which challenge to sign, and how (`method`: `sandbox`,
/// `sessionKey` or `stamp`, with `stamp` for the last).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompleteUpdateRequest {
    pub account_id: String,
    pub request_id: String,
    pub method: String,
    pub stamp: Option<String>,
}

/// `save_session_key`: a P-256 private key as hex, straight into the keychain (its `Debug`
/// is redacted).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveSessionKeyRequest {
    #[serde(deserialize_with = "crate::input::secret")]
    pub private_key_hex: Secret,
}

/// How the window signs step two of a signed update.
#[derive(Debug, Clone)]
pub enum SignMethod {
    /// `sandbox-valid-signature` (sandbox and demo only).
    Sandbox,
    /// The connection's session signing key from the keychain.
    SessionKey,
    /// A stamp made elsewhere.
    Stamp(String),
}

impl SignMethod {
    pub fn parse(method: &str, stamp: Option<String>) -> UiResult<Self> {
        match method {
            "sandbox" => Ok(Self::Sandbox),
            "sessionKey" => Ok(Self::SessionKey),
            "stamp" => Ok(Self::Stamp(stamp.unwrap_or_default())),
            other => Err(UiError::validation(format!(
                "Unknown signing method \"{other}\": choose the sandbox shortcut, the session key or a pasted stamp."
            ))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionKeyStatus {
    pub configured: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    pub public_key: String,
}

/// Challenges Grid issued, kept in Rust by request id: step two signs the payload Grid sent,
/// never one the window supplies, and resends exactly the body that step one bound.
#[derive(Debug, Default)]
pub struct Challenges {
    open: Mutex<Vec<OpenChallenge>>,
}

#[derive(Debug, Clone)]
struct OpenChallenge {
    connection_id: String,
    request_id: String,
    account_id: String,
    private_enabled: bool,
    payload_to_sign: String,
}

/// A challenge Grid Desk is waiting to sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpdate {
    pub private_enabled: bool,
    pub payload_to_sign: String,
}

impl Challenges {
    /// Challenges expire within minutes; a few dozen open at once is already unusual.
    const MAX_OPEN: usize = 32;

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<OpenChallenge>> {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn remember(
        &self,
        connection_id: &str,
        account_id: &str,
        private_enabled: bool,
        request_id: &str,
        payload_to_sign: &str,
    ) {
        let mut open = self.lock();
        open.retain(|c| c.request_id != request_id);
        if open.len() >= Self::MAX_OPEN {
            open.remove(0);
        }
        open.push(OpenChallenge {
            connection_id: connection_id.to_owned(),
            request_id: request_id.to_owned(),
            account_id: account_id.trim().to_owned(),
            private_enabled,
            payload_to_sign: payload_to_sign.to_owned(),
        });
    }

    /// The open challenge `request_id` of this connection and account.
    pub fn find(
        &self,
        connection_id: &str,
        account_id: &str,
        request_id: &str,
    ) -> UiResult<PendingUpdate> {
        self.lock()
            .iter()
            .find(|c| {
                c.connection_id == connection_id
                    && c.account_id == account_id.trim()
                    && c.request_id == request_id.trim()
            })
            .map(|c| PendingUpdate {
                private_enabled: c.private_enabled,
                payload_to_sign: c.payload_to_sign.clone(),
            })
            .ok_or_else(|| {
                UiError::validation(
                    "Grid Desk has no open request to sign with this request id for this account (it may have been used already). Request the change again.",
                )
            })
    }

    /// A challenge is single-use at Grid: forget it once it was used.
    pub fn forget(&self, request_id: &str) {
        self.lock().retain(|c| c.request_id != request_id.trim());
    }
}

/// Step one of the signed update, for the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum UpdateStart {
    #[serde(rename_all = "camelCase")]
    Challenge {
        request_id: String,
        expires_at: String,
        payload_to_sign: String,
    },
    Updated {
        account: Box<AccountView>,
    },
}

fn update_request(private_enabled: bool) -> InternalAccountUpdateRequest {
    InternalAccountUpdateRequest {
        private_enabled: Some(private_enabled),
    }
}

/// Step one: ask for the change; Grid answers with a challenge to sign (or, rarely, applies it).
pub async fn start_update(
    client: &GridClient,
    account_id: &str,
    private_enabled: bool,
) -> UiResult<UpdateStart> {
    let id = InternalAccountId::from(account_id.trim());
    match client
        .update_internal_account(&id, &update_request(private_enabled))
        .await?
    {
        UpdateOutcome::ChallengeIssued(challenge) => Ok(UpdateStart::Challenge {
            request_id: challenge.request_id,
            expires_at: challenge.expires_at,
            payload_to_sign: challenge.payload_to_sign,
        }),
        UpdateOutcome::Updated(account) => Ok(UpdateStart::Updated {
            account: Box::new(account_view(&account)),
        }),
    }
}

/// Step two: the same body again with the stamp and the challenge's request id.
pub async fn complete_update(
    client: &GridClient,
    account_id: &str,
    private_enabled: bool,
    request_id: &str,
    stamp: &str,
) -> UiResult<AccountView> {
    let id = InternalAccountId::from(account_id.trim());
    let account = client
        .complete_internal_account_update(&id, &update_request(private_enabled), request_id, stamp)
        .await?;
    Ok(account_view(&account))
}

/// Signed updates and session keys on the active connection.
#[derive(Debug)]
pub struct Signing {
    connections: Arc<Connections>,
    demo: Arc<Demo>,
    keychain: Keychain,
    /// Signed-update challenges waiting for step two.
    challenges: Challenges,
    /// Updated wallets refresh the views printing uses.
    remembered: Arc<AccountCache>,
}

impl Signing {
    pub fn new(
        connections: Arc<Connections>,
        demo: Arc<Demo>,
        keychain: Keychain,
        remembered: Arc<AccountCache>,
    ) -> Self {
        Self {
            connections,
            demo,
            keychain,
            challenges: Challenges::default(),
            remembered,
        }
    }

    pub async fn start_update(&self, request: StartUpdateRequest) -> UiResult<UpdateStart> {
        let active = self.connections.active().await?;
        let StartUpdateRequest {
            account_id,
            private_enabled,
        } = request;
        let started = start_update(&active.client, &account_id, private_enabled).await;
        let who = self.connections.who(&active.id).await;
        let change = format!("privateEnabled → {private_enabled}");
        let (outcome, request_id, detail) = match &started {
            Ok(UpdateStart::Challenge { request_id, .. }) => (
                Outcome::ChallengeIssued,
                Some(request_id.as_str()),
                format!("{change}: Grid asked for a signature"),
            ),
            Ok(UpdateStart::Updated { .. }) => {
                (Outcome::Applied, None, format!("{change}: applied at once"))
            }
            Err(err) => (
                if err.code == UiCode::UnknownOutcome {
                    Outcome::Unknown
                } else {
                    Outcome::Refused
                },
                None,
                format!("{change}: {}", err.message),
            ),
        };
        self.connections.activity().note(
            &who,
            Kind::UpdateRequested,
            Some(account_id.trim()),
            None,
            request_id,
            outcome,
            &detail,
        );
        let start = started?;
        match &start {
            UpdateStart::Challenge {
                request_id,
                payload_to_sign,
                ..
            } => self.challenges.remember(
                &active.id,
                &account_id,
                private_enabled,
                request_id,
                payload_to_sign,
            ),
            UpdateStart::Updated { account } => self.remembered.remember(&active.id, [&**account]),
        }
        Ok(start)
    }

    /// Step two of the signed update: signs the payload of the challenge Grid issued in step
    /// one (kept here, never taken from the window) and resends the body step one bound.
    pub async fn complete_update(&self, request: CompleteUpdateRequest) -> UiResult<AccountView> {
        let method = SignMethod::parse(&request.method, request.stamp)?;
        let (account_id, request_id) = (request.account_id.as_str(), request.request_id.as_str());
        let active = self.connections.active().await?;
        let pending = self.challenges.find(&active.id, account_id, request_id)?;
        let payload_to_sign = pending.payload_to_sign.as_str();
        let method_label = match &method {
            SignMethod::Sandbox => "the sandbox shortcut",
            SignMethod::SessionKey => "the session signing key",
            SignMethod::Stamp(_) => "a pasted stamp",
        };
        let stamp = match method {
            SignMethod::Sandbox => {
                if !active.funding_available() {
                    return Err(UiError::validation(
                        "The sandbox signature shortcut only works on sandbox and demo connections. Production needs a real signature: use a session key or paste a stamp.",
                    ));
                }
                SANDBOX_SIGNATURE.to_owned()
            }
            SignMethod::SessionKey => {
                let key = self.keychain.session_key(&active.id).await?.ok_or_else(|| {
                    UiError::validation(
                        "No session signing key is saved for this connection. Paste or generate one in Settings.",
                    )
                })?;
                if payload_to_sign.is_empty() {
                    return Err(UiError::validation(
                        "There is no payload to sign: request the change again.",
                    ));
                }
                grid_client::signing::sign_payload(key.expose(), payload_to_sign)
                    .map_err(|e| UiError::validation(e.to_string()))?
            }
            SignMethod::Stamp(stamp) => crate::input::stamp(&stamp)?,
        };
        let activity = self.connections.activity();
        let who = self.connections.who(&active.id).await;
        let change = format!("privateEnabled → {}", pending.private_enabled);
        let entry = activity.begin(
            &who,
            Kind::UpdateSigned,
            Some(account_id.trim()),
            None,
            Some(request_id),
            &format!("{change}, signed with {method_label}: sent to Grid"),
        )?;
        let completed = complete_update(
            &active.client,
            account_id,
            pending.private_enabled,
            request_id,
            &stamp,
        )
        .await;
        match &completed {
            Ok(_) => activity.finish(
                entry,
                Outcome::Applied,
                &format!("{change}, signed with {method_label}: applied"),
                None,
            ),
            Err(err) => activity.finish(
                entry,
                if err.code == UiCode::UnknownOutcome || err.http_status.is_some_and(|s| s >= 500) {
                    Outcome::Unknown
                } else {
                    Outcome::Refused
                },
                &format!("{change}, signed with {method_label}: {}", err.message),
                None,
            ),
        }
        let updated = completed?;
        self.challenges.forget(request_id);
        self.remembered.remember(&active.id, [&updated]);
        Ok(updated)
    }

    /// Whether the active connection has a session key, and its public key.
    pub async fn session_key_status(&self) -> UiResult<SessionKeyStatus> {
        let id = self.connections.active_id().await;
        let key = self.keychain.session_key(&id).await?;
        let public_key = key.and_then(|k| grid_client::signing::public_key_hex(k.expose()).ok());
        Ok(SessionKeyStatus {
            configured: public_key.is_some(),
            public_key,
        })
    }

    pub async fn save_session_key(&self, request: SaveSessionKeyRequest) -> UiResult<PublicKey> {
        self.store_session_key(request.private_key_hex, Kind::SessionKeySaved)
            .await
    }

    pub async fn generate_session_key(&self) -> UiResult<PublicKey> {
        let (private, _public) = grid_client::signing::generate_session_key();
        self.store_session_key(private, Kind::SessionKeyGenerated)
            .await
    }

    pub async fn delete_session_key(&self) -> UiResult<()> {
        let id = self.connections.active_id().await;
        self.keychain.delete_session_key(&id).await?;
        let who = self.connections.who(&id).await;
        self.connections.activity().note(
            &who,
            Kind::SessionKeyDeleted,
            None,
            None,
            None,
            Outcome::Done,
            "Removed from the keychain",
        );
        self.session_keys_changed(&id).await
    }

    async fn store_session_key(&self, key: Secret, kind: Kind) -> UiResult<PublicKey> {
        let public_key = grid_client::signing::public_key_hex(key.expose())
            .map_err(|e| UiError::validation(e.to_string()))?;
        let id = self.connections.active_id().await;
        let normalised = Secret::new(
            key.expose()
                .trim()
                .trim_start_matches("0x")
                .to_ascii_lowercase(),
        );
        self.keychain.set_session_key(&id, normalised).await?;
        let who = self.connections.who(&id).await;
        // The public key only: the private key never leaves the keychain.
        self.connections.activity().note(
            &who,
            kind,
            None,
            None,
            None,
            Outcome::Done,
            &format!("Kept in the keychain; public key {public_key}"),
        );
        self.session_keys_changed(&id).await?;
        Ok(PublicKey { public_key })
    }

    /// The demo simulator only accepts stamps from registered keys: register the new one.
    async fn session_keys_changed(&self, id: &str) -> UiResult<()> {
        if id != DEMO_ID {
            return Ok(());
        }
        self.demo.session_key_changed().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::UiCode;

    #[test]
    fn update_start_serialises_with_a_kind() {
        let start = UpdateStart::Challenge {
            request_id: "Request:1".into(),
            expires_at: "2025-01-01T00:05:00Z".into(),
            payload_to_sign: "{}".into(),
        };
        let json = serde_json::to_value(start).expect("json");
        assert_eq!(json["kind"], "challenge");
        assert_eq!(json["requestId"], "Request:1");
        assert_eq!(json["payloadToSign"], "{}");
    }

    fn key_request(hex: &str) -> SaveSessionKeyRequest {
        SaveSessionKeyRequest {
            private_key_hex: Secret::new(hex),
        }
    }

    #[tokio::test]
    async fn session_keys_are_validated_and_kept_per_connection() {
        let f = crate::connections::tests::fixture();
        let err = f
            .desk
            .signing
            .save_session_key(key_request("not-hex"))
            .await
            .expect_err("bad key");
        assert_eq!(err.code, UiCode::Validation);
        let key = "0000000000000000000000000000000000000000000000000000000000000001";
        let public = f
            .desk
            .signing
            .save_session_key(key_request(key))
            .await
            .expect("saved");
        assert_eq!(
            public.public_key,
            "036b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
        );
        assert_eq!(f.store.users(), vec!["demo:session-key".to_owned()]);
        let status = f.desk.signing.session_key_status().await.expect("status");
        assert!(status.configured);
        f.desk.signing.delete_session_key().await.expect("deleted");
        assert!(
            !f.desk
                .signing
                .session_key_status()
                .await
                .expect("status")
                .configured
        );
    }
}
