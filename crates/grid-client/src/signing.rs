//! Grid-Wallet-Signature stamps (`SIGNATURE_SCHEME_TK_API_P256`) for two-step signed retries.
//!
//! Stamp = base64url (no padding) of the compact JSON
//! `{"publicKey":"<compressed SEC1 hex>","scheme":"SIGNATURE_SCHEME_TK_API_P256","signature":"<DER hex>"}`
//! where the signature is ECDSA P-256 / SHA-256 over the exact bytes of `payloadToSign`.

use base64::Engine as _;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// The only scheme Grid documents for API-key stamps.
pub const STAMP_SCHEME: &str = "SIGNATURE_SCHEME_TK_API_P256";

/// Why a key or stamp was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    #[error("The session signing key must be 64 hexadecimal characters (a P-256 private key).")]
    KeyFormat,
    #[error("The session signing key is not a valid P-256 private key.")]
    KeyRange,
    #[error("The stamp is not base64url-encoded JSON.")]
    StampEncoding,
    #[error("The stamp is missing publicKey, scheme or signature.")]
    StampFields,
    #[error("The stamp uses scheme \"{0}\"; only SIGNATURE_SCHEME_TK_API_P256 is supported.")]
    StampScheme(String),
    #[error("The stamp's public key is not a compressed P-256 key.")]
    StampPublicKey,
    #[error("The stamp's signature is not DER-encoded ECDSA.")]
    StampSignatureFormat,
    #[error("The signature does not match the payload and public key.")]
    SignatureInvalid,
}

/// The JSON inside a stamp, in Grid's key order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stamp {
    pub public_key: String,
    pub scheme: String,
    pub signature: String,
}

fn signing_key(private_key_hex: &str) -> Result<SigningKey, SigningError> {
    let trimmed = private_key_hex.trim();
    let trimmed = trimmed.strip_prefix("0x").unwrap_or(trimmed);
    if trimmed.len() != 64 {
        return Err(SigningError::KeyFormat);
    }
    let bytes = hex::decode(trimmed).map_err(|_| SigningError::KeyFormat)?;
    SigningKey::from_slice(&bytes).map_err(|_| SigningError::KeyRange)
}

fn compressed_hex(key: &VerifyingKey) -> String {
    hex::encode(key.to_encoded_point(true).as_bytes())
}

/// The compressed SEC1 public key (66 hex chars) for a session private key.
pub fn public_key_hex(private_key_hex: &str) -> Result<String, SigningError> {
    Ok(compressed_hex(
        signing_key(private_key_hex)?.verifying_key(),
    ))
}

/// A fresh session key pair: (private key hex, compressed public key hex).
pub fn generate_session_key() -> (Secret, String) {
    let key = SigningKey::random(&mut rand_core::OsRng);
    let private = Secret::new(hex::encode(key.to_bytes()));
    (private, compressed_hex(key.verifying_key()))
}

/// Builds the `Grid-Wallet-Signature` stamp over the exact bytes of `payload_to_sign`.
pub fn sign_payload(private_key_hex: &str, payload_to_sign: &str) -> Result<String, SigningError> {
    let key = signing_key(private_key_hex)?;
    let signature: Signature = key.sign(payload_to_sign.as_bytes());
    let stamp = Stamp {
        public_key: compressed_hex(key.verifying_key()),
        scheme: STAMP_SCHEME.to_owned(),
        signature: hex::encode(signature.to_der().as_bytes()),
    };
    let json = serde_json::to_string(&stamp).map_err(|_| SigningError::StampFields)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
}

/// Decodes a stamp header (base64url, padding tolerated) into its JSON fields.
pub fn decode_stamp(stamp: &str) -> Result<Stamp, SigningError> {
    let trimmed = stamp.trim().trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(trimmed)
        .map_err(|_| SigningError::StampEncoding)?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| SigningError::StampEncoding)?;
    serde_json::from_value(value).map_err(|_| SigningError::StampFields)
}

/// Verifies a stamp over `payload`, returning the signer's compressed public key hex.
/// High-S and low-S signatures are both accepted, as Grid does.
pub fn verify_stamp(stamp: &str, payload: &str) -> Result<String, SigningError> {
    let stamp = decode_stamp(stamp)?;
    if stamp.scheme != STAMP_SCHEME {
        return Err(SigningError::StampScheme(stamp.scheme));
    }
    let key_bytes = hex::decode(&stamp.public_key).map_err(|_| SigningError::StampPublicKey)?;
    if key_bytes.len() != 33 {
        return Err(SigningError::StampPublicKey);
    }
    let key =
        VerifyingKey::from_sec1_bytes(&key_bytes).map_err(|_| SigningError::StampPublicKey)?;
    let der = hex::decode(&stamp.signature).map_err(|_| SigningError::StampSignatureFormat)?;
    let signature = Signature::from_der(&der).map_err(|_| SigningError::StampSignatureFormat)?;
    let signature = signature.normalize_s().unwrap_or(signature);
    key.verify(payload.as_bytes(), &signature)
        .map_err(|_| SigningError::SignatureInvalid)?;
    Ok(stamp.public_key.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_KEY: &str = "a3f1c2d4e5b6978012345678909876543210fedcba0011223344556677889900";
    const VECTOR_PAYLOAD: &str =
        r#"{"type":"ACTIVITY_TYPE_SIGN_TRANSACTION_V2","timestampMs":"1770408000000"}"#;
    const VECTOR_PUBLIC: &str =
        "020f363563d57581dd598f50b0e1ce05ce1ac8ab2bda3358a744d1f296e4a26c49";
    const VECTOR_SIG_HIGH_S: &str = "3046022100a01e6147691cbaffba7b69e10f17df2e46aad50c916553b264bcada8153a83bb0221009736a87f2976be56024be7e060e5255fb5d4fdffd8110ba4f0372e9dd436b371";
    const VECTOR_SIG_LOW_S: &str = "3045022100a01e6147691cbaffba7b69e10f17df2e46aad50c916553b264bcada8153a83bb022068c9577fd68941aafdb4181f9f1adaa00711fcadcf0692e003829c25282c71e0";

    #[test]
    fn scalar_one_gives_the_generator() {
        let one = format!("{:0>64}", "1");
        assert_eq!(
            public_key_hex(&one).expect("valid key"),
            "036b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
        );
    }

    #[test]
    fn stamp_matches_the_documented_vector_and_verifies() {
        let stamp = sign_payload(VECTOR_KEY, VECTOR_PAYLOAD).expect("signs");
        assert!(!stamp.contains('='), "base64url without padding");
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&stamp)
            .expect("base64url");
        let json = String::from_utf8(json).expect("utf-8");
        assert!(
            json.starts_with(r#"{"publicKey":"020f3635"#)
                && json.contains(r#","scheme":"SIGNATURE_SCHEME_TK_API_P256","signature":"30"#),
            "key order publicKey, scheme, signature in compact JSON: {json}"
        );
        let decoded = decode_stamp(&stamp).expect("decodes");
        assert_eq!(decoded.public_key, VECTOR_PUBLIC);
        // RFC 6979 is deterministic: r is fixed; s is the low-S form of the documented one.
        assert!(
            decoded.signature == VECTOR_SIG_LOW_S || decoded.signature == VECTOR_SIG_HIGH_S,
            "unexpected signature {}",
            decoded.signature
        );
        // Verifies with the compressed public key alone.
        let key = VerifyingKey::from_sec1_bytes(&hex::decode(VECTOR_PUBLIC).expect("hex"))
            .expect("public key");
        let sig = Signature::from_der(&hex::decode(&decoded.signature).expect("hex")).expect("der");
        key.verify(VECTOR_PAYLOAD.as_bytes(), &sig)
            .expect("stamp verifies");
        assert_eq!(
            verify_stamp(&stamp, VECTOR_PAYLOAD),
            Ok(VECTOR_PUBLIC.to_owned())
        );
    }

    #[test]
    fn both_documented_signatures_verify_and_tampering_fails() {
        for sig in [VECTOR_SIG_HIGH_S, VECTOR_SIG_LOW_S] {
            let json = format!(
                r#"{{"publicKey":"{VECTOR_PUBLIC}","scheme":"{STAMP_SCHEME}","signature":"{sig}"}}"#
            );
            let stamp = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
            assert!(verify_stamp(&stamp, VECTOR_PAYLOAD).is_ok(), "{sig}");
            assert_eq!(
                verify_stamp(&stamp, &VECTOR_PAYLOAD.replace("177", "178")),
                Err(SigningError::SignatureInvalid)
            );
        }
    }

    #[test]
    fn bad_keys_and_stamps_are_explained() {
        assert_eq!(sign_payload("abc", "x"), Err(SigningError::KeyFormat));
        assert_eq!(
            sign_payload(&"0".repeat(64), "x"),
            Err(SigningError::KeyRange)
        );
        assert_eq!(
            verify_stamp("not base64!!", "x"),
            Err(SigningError::StampEncoding)
        );
        let wrong_scheme = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"publicKey":"02","scheme":"OTHER","signature":"30"}"#);
        assert_eq!(
            verify_stamp(&wrong_scheme, "x"),
            Err(SigningError::StampScheme("OTHER".into()))
        );
    }

    #[test]
    fn generated_keys_sign_and_verify() {
        let (private, public) = generate_session_key();
        assert_eq!(public.len(), 66);
        assert_eq!(public_key_hex(private.expose()).expect("valid"), public);
        let stamp = sign_payload(private.expose(), "payload").expect("signs");
        assert_eq!(verify_stamp(&stamp, "payload"), Ok(public));
    }
}
