//! Checks on everything a person types, before anything is sent: filters, connection fields,
//! pasted stamps. Each refusal is a sentence for a finance person. (Amounts are checked by
//! `grid_client::money`; session keys by `grid_client::signing`.)

use grid_client::models::InternalAccountType;
use grid_client::Secret;
use serde::{Deserialize, Deserializer};

use crate::error::{UiError, UiResult};

/// Longest id Grid Desk will send (Grid's ids are `Prefix:<uuid>`, about 50 characters).
const MAX_ID_LEN: usize = 128;
/// Longest token id or client secret accepted.
const MAX_CREDENTIAL_LEN: usize = 1_024;
/// Longest pasted stamp accepted (a real one is about 300 characters).
const MAX_STAMP_LEN: usize = 8_192;

fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// A customer id to filter by: no spaces or control characters, not absurdly long.
pub fn customer_id(value: Option<String>) -> UiResult<Option<String>> {
    let Some(id) = trimmed(value) else {
        return Ok(None);
    };
    // Grid's ids are ASCII (`Customer:<uuid>`); anything else is a typo or a paste accident.
    if id.len() > MAX_ID_LEN
        || !id.chars().all(|c| c.is_ascii_graphic())
        || id.contains(['<', '>', '"', '\''])
    {
        return Err(UiError::validation(
            "That is not a customer id. Customer ids look like Customer:019542f5-b3e7-1d02-0000-000000000001.",
        ));
    }
    Ok(Some(id))
}

/// A currency code to filter by: 3 to 5 letters or digits (USD, BTC, USDC), upper-cased.
pub fn currency(value: Option<String>) -> UiResult<Option<String>> {
    let Some(code) = trimmed(value) else {
        return Ok(None);
    };
    if !(3..=5).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(UiError::validation(
            "A currency code is 3 to 5 letters, such as USD, EUR, BTC or USDC.",
        ));
    }
    Ok(Some(code.to_ascii_uppercase()))
}

/// An account type to filter by: one of the spec's values.
pub fn account_type(value: Option<String>) -> UiResult<Option<InternalAccountType>> {
    let Some(text) = trimmed(value) else {
        return Ok(None);
    };
    match InternalAccountType::from_wire(&text) {
        InternalAccountType::Unknown(_) => Err(UiError::validation(format!(
            "Choose an account type: {}.",
            InternalAccountType::KNOWN.join(", ")
        ))),
        known => Ok(Some(known)),
    }
}

/// A token id or client secret as typed: printable ASCII (they travel in an HTTP header),
/// without spaces.
pub fn credential(value: &str, what: &str) -> UiResult<()> {
    if value.len() > MAX_CREDENTIAL_LEN {
        return Err(UiError::validation(format!(
            "The {what} is too long to be a Grid credential. Check what was pasted."
        )));
    }
    if !value.chars().all(|c| c.is_ascii_graphic()) {
        return Err(UiError::validation(format!(
            "The {what} contains spaces, line breaks or characters that are not part of a Grid credential. Copy it again from the Grid dashboard."
        )));
    }
    Ok(())
}

/// A connection name: shown in menus, so no control characters.
pub fn connection_name(name: &str) -> UiResult<()> {
    if has_control(name) {
        return Err(UiError::validation(
            "The name cannot contain line breaks or control characters.",
        ));
    }
    Ok(())
}

/// A pasted `Grid-Wallet-Signature` stamp: base64url text.
pub fn stamp(value: &str) -> UiResult<String> {
    let stamp = value.trim();
    if stamp.is_empty() {
        return Err(UiError::validation(
            "Paste the stamp (the Grid-Wallet-Signature value) first.",
        ));
    }
    if stamp.len() > MAX_STAMP_LEN
        || !stamp
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '='))
    {
        return Err(UiError::validation(
            "A stamp is one line of base64url text (letters, digits, - and _). Check what was pasted.",
        ));
    }
    Ok(stamp.to_owned())
}

/// Reads a secret the window sends (a client secret, a session key) straight into a
/// [`Secret`], so it can never be logged from a request.
pub fn secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
    String::deserialize(deserializer).map(Secret::new)
}

/// [`secret`] for a field the window may leave out.
pub fn optional_secret<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Secret>, D::Error> {
    Option::<String>::deserialize(deserializer).map(|v| v.map(Secret::new))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::UiCode;
    use proptest::prelude::*;

    fn refused<T: std::fmt::Debug>(result: UiResult<T>) -> String {
        let err = result.expect_err("must be refused");
        assert_eq!(err.code, UiCode::Validation);
        assert!(err.message.ends_with('.'), "a sentence: {}", err.message);
        err.message
    }

    #[test]
    fn filters_accept_what_grid_uses() {
        let id = "Customer:019542f5-b3e7-1d02-0000-000000000001";
        assert_eq!(
            customer_id(Some(format!("  {id} "))).expect("ok"),
            Some(id.into())
        );
        assert_eq!(customer_id(Some("   ".into())).expect("ok"), None);
        assert_eq!(
            currency(Some("usdc".into())).expect("ok"),
            Some("USDC".into())
        );
        assert_eq!(
            account_type(Some("EMBEDDED_WALLET".into())).expect("ok"),
            Some(InternalAccountType::EmbeddedWallet)
        );
    }

    #[test]
    fn hostile_filters_are_refused() {
        for bad in [
            "<script>alert(1)</script>",
            "Customer:1\u{0}",
            "Customer 1",
            &"C".repeat(500),
        ] {
            refused(customer_id(Some(bad.into())));
        }
        for bad in ["US", "DOLLARS", "U$D", "١٢٣", "U SD"] {
            refused(currency(Some(bad.into())));
        }
        refused(account_type(Some("SAVINGS".into())));
    }

    #[test]
    fn credentials_and_stamps_must_be_sendable() {
        assert!(credential("tok_123-ABC", "token id").is_ok());
        for bad in ["tok 123", "tok\n123", "tök", &"x".repeat(2_000)] {
            refused(credential(bad, "token id"));
        }
        assert_eq!(
            stamp(" sandbox-valid-signature\n").expect("ok"),
            "sandbox-valid-signature"
        );
        for bad in ["", "   ", "not a stamp", "abc<script>", &"a".repeat(10_000)] {
            refused(stamp(bad));
        }
        refused(connection_name("Main\nsandbox"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1_000))]

        /// Whatever is typed into a filter, it is refused with a sentence or passed on
        /// without control characters or surrounding spaces.
        #[test]
        fn any_filter_text_is_refused_or_clean(text in any::<String>()) {
            if let Ok(Some(id)) = customer_id(Some(text.clone())) {
                prop_assert!(id.chars().all(|c| c.is_ascii_graphic()) && id.len() <= MAX_ID_LEN);
            }
            if let Ok(Some(code)) = currency(Some(text.clone())) {
                prop_assert!(code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
            }
            if let Ok(Some(t)) = account_type(Some(text.clone())) {
                prop_assert!(InternalAccountType::KNOWN.contains(&t.as_str()));
            }
            if stamp(&text).is_ok() {
                prop_assert!(text.trim().chars().all(|c| c.is_ascii_graphic()));
            }
            if credential(&text, "secret").is_ok() {
                prop_assert!(reqwest_header_ok(&text));
            }
        }
    }

    /// What `grid-client` will put in the Authorization header must be a valid header value.
    fn reqwest_header_ok(text: &str) -> bool {
        text.bytes().all(|b| (0x21..0x7f).contains(&b))
    }
}
