//! Grid API models, camelCase on the wire, following `spec/grid-openapi.yaml` (2025-10-13).
//!
//! Forward compatibility: every enum ends in `Unknown(String)`, account-info unions end in
//! `Unknown { account_type, raw }`, and objects keep fields the spec does not name in `extra`,
//! so a payload always round-trips to the same JSON.

mod account_info;

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

pub use account_info::*;

/// Declares a string enum that round-trips unknown values through `Unknown(String)`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A value this version of Grid Desk does not know yet.
            Unknown(String),
        }

        impl $name {
            /// Every value the spec lists, in spec order.
            pub const KNOWN: &'static [&'static str] = &[$($wire),+];

            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Unknown(other) => other,
                }
            }

            /// Parses a wire value; anything unrecognised becomes `Unknown`.
            pub fn from_wire(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Ok(Self::from_wire(&value))
            }
        }
    };
}

string_enum! {
    /// `InternalAccountType`.
    InternalAccountType {
        InternalFiat = "INTERNAL_FIAT",
        InternalCrypto = "INTERNAL_CRYPTO",
        EmbeddedWallet = "EMBEDDED_WALLET",
    }
}

string_enum! {
    /// `InternalAccountStatus`.
    InternalAccountStatus {
        Pending = "PENDING",
        Active = "ACTIVE",
        Closed = "CLOSED",
        Frozen = "FROZEN",
        Failed = "FAILED",
    }
}

string_enum! {
    /// `ExternalAccountStatus`.
    ExternalAccountStatus {
        Pending = "PENDING",
        Active = "ACTIVE",
        PendingOwnershipVerification = "PENDING_OWNERSHIP_VERIFICATION",
        Unverified = "UNVERIFIED",
        UnderReview = "UNDER_REVIEW",
        Inactive = "INACTIVE",
    }
}

/// Declares a transparent string id newtype.
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as Grid spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }
    };
}

id_type!(
    /// `InternalAccount:<uuid>`.
    InternalAccountId
);
id_type!(
    /// `ExternalAccount:<uuid>`.
    ExternalAccountId
);
id_type!(
    /// `Customer:<uuid>`.
    CustomerId
);

/// `Currency`. The spec marks no field required, so each is optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Currency {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// Read leniently: a value that is not a whole number from 0 to 4,294,967,295 (negative,
    /// a fraction, text) counts as absent, so one odd currency never fails a whole page.
    /// Values above [`crate::money::MAX_DECIMALS`] decode and are refused when shown.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_decimals"
    )]
    pub decimals: Option<u32>,
}

fn lenient_decimals<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(value.as_u64().and_then(|d| u32::try_from(d).ok()))
}

/// `CurrencyAmount.amount` as Grid sent it. The spec says a whole number of the currency's
/// smallest unit (int64). Anything else — beyond `i64`, a fraction, text — is kept as sent, so
/// the account still decodes (one bad account never fails a page) and round-trips; showing it
/// goes through [`CurrencyAmount::display`], which says why it cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MinorUnits {
    /// A whole number of smallest units.
    Exact(i64),
    /// Any other JSON value, as received.
    NotExact(Value),
}

impl MinorUnits {
    /// The amount when Grid sent a whole number that fits an `i64`.
    pub fn exact(&self) -> Option<i64> {
        match self {
            Self::Exact(amount) => Some(*amount),
            Self::NotExact(_) => None,
        }
    }
}

impl From<i64> for MinorUnits {
    fn from(value: i64) -> Self {
        Self::Exact(value)
    }
}

impl Serialize for MinorUnits {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Exact(amount) => serializer.serialize_i64(*amount),
            Self::NotExact(raw) => raw.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for MinorUnits {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        // `as_i64` is `None` for floats, even whole ones: money never comes from a float.
        Ok(match value.as_i64() {
            Some(amount) => Self::Exact(amount),
            None => Self::NotExact(value),
        })
    }
}

/// `CurrencyAmount`: an amount in the currency's smallest unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyAmount {
    pub amount: MinorUnits,
    pub currency: Currency,
}

/// `PaymentInstructions`: how to pay into an internal account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentInstructions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions_notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_platform_account: Option<bool>,
    pub account_or_wallet_info: PaymentAccountInfo,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `InternalAccount`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InternalAccount {
    pub id: InternalAccountId,
    /// Absent for platform accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<CustomerId>,
    #[serde(rename = "type")]
    pub account_type: InternalAccountType,
    pub status: InternalAccountStatus,
    /// Available to spend, excluding pending and held funds.
    pub balance: CurrencyAmount,
    /// Including pending and held funds.
    pub total_balance: CurrencyAmount,
    pub funding_payment_instructions: Vec<PaymentInstructions>,
    /// Only present on `EMBEDDED_WALLET` accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_enabled: Option<bool>,
    /// RFC 3339, kept as Grid sent it so it round-trips byte for byte.
    pub created_at: String,
    pub updated_at: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `ExternalAccount`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalAccount {
    pub id: ExternalAccountId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<CustomerId>,
    pub status: ExternalAccountStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership_type: Option<String>,
    pub currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_uma_deposit_account: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beneficiary_verification_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beneficiary_verified_data: Option<Value>,
    pub account_info: ExternalAccountInfo,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `PlatformInternalAccountListResponse`: no paging fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlatformInternalAccountListResponse {
    pub data: Vec<InternalAccount>,
}

/// One page of a paged list (`InternalAccountListResponse`, `ExternalAccountListResponse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub data: Vec<T>,
    pub has_more: bool,
    /// Only present when `has_more` is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Items matching the filter across all pages (the spec's text says "customers").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
}

/// `InternalAccountListResponse`.
pub type InternalAccountListResponse = Page<InternalAccount>;
/// `ExternalAccountListResponse`.
pub type ExternalAccountListResponse = Page<ExternalAccount>;

/// `SandboxFundRequest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxFundRequest {
    /// Smallest units; `0 < amount <= 100_000_000_000`.
    pub amount: i64,
}

/// `InternalAccountUpdateRequest`: at least one field must be set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct InternalAccountUpdateRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_enabled: Option<bool>,
}

impl InternalAccountUpdateRequest {
    /// True when no update field is set (Grid answers 400).
    pub fn is_empty(&self) -> bool {
        self.private_enabled.is_none()
    }
}

/// `SignedRequestChallenge`: the 202 of a two-step signed retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedRequestChallenge {
    /// Sign these exact bytes; never re-serialise.
    pub payload_to_sign: String,
    /// `Request:<uuid>`, echoed in the `Request-Id` header of the retry.
    pub request_id: String,
    pub expires_at: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The body of every Grid error (`Error400` … `Error503`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub status: u16,
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

/// Declares an `accountType`-discriminated union with an `Unknown` variant keeping the raw JSON.
///
/// A known `accountType` whose fields do not match the spec also lands in `Unknown`: real
/// payloads have not always matched the schema, and an instruction must never vanish.
macro_rules! account_info_enum {
    ($name:ident { $($wire:literal => $variant:ident($ty:ty)),+ $(,)? }) => {
        #[derive(Debug, Clone, PartialEq)]
        pub enum $name {
            $($variant($ty),)+
            /// An `accountType` this version does not model, or a payload that does not match
            /// its schema. `raw` is the whole object as received.
            Unknown {
                account_type: String,
                raw: serde_json::Map<String, serde_json::Value>,
            },
        }

        impl $name {
            /// Every `accountType` the spec maps, in spec order.
            pub const KNOWN: &'static [&'static str] = &[$($wire),+];

            /// The wire `accountType`.
            pub fn account_type(&self) -> &str {
                match self {
                    $(Self::$variant(_) => $wire,)+
                    Self::Unknown { account_type, .. } => account_type,
                }
            }

            /// True for the typed variants, false for `Unknown`.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown { .. })
            }

            /// The object as it goes on the wire (accountType included).
            pub fn to_json_map(&self) -> serde_json::Map<String, serde_json::Value> {
                let mut map = match self {
                    $(Self::$variant(inner) => match serde_json::to_value(inner) {
                        Ok(serde_json::Value::Object(map)) => map,
                        _ => serde_json::Map::new(),
                    },)+
                    Self::Unknown { raw, .. } => return raw.clone(),
                };
                map.insert(
                    "accountType".to_owned(),
                    serde_json::Value::String(self.account_type().to_owned()),
                );
                map
            }

            /// Builds the union from a JSON object, never failing on an unknown shape.
            pub fn from_json_map(raw: serde_json::Map<String, serde_json::Value>) -> Self {
                let account_type = raw
                    .get("accountType")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let mut fields = raw.clone();
                fields.remove("accountType");
                let fields = serde_json::Value::Object(fields);
                let parsed = match account_type.as_str() {
                    $($wire => serde_json::from_value::<$ty>(fields).ok().map(Self::$variant),)+
                    _ => None,
                };
                parsed.unwrap_or(Self::Unknown { account_type, raw })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.to_json_map().serialize(serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
                if !raw.contains_key("accountType") {
                    return Err(serde::de::Error::missing_field("accountType"));
                }
                Ok(Self::from_json_map(raw))
            }
        }
    };
}
pub(crate) use account_info_enum;

impl PaymentAccountInfo {
    /// Wallet address, for wallet variants (and unknown types carrying an `address`).
    pub fn address(&self) -> Option<String> {
        self.to_json_map()
            .get("address")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_account_type_keeps_raw_json() {
        let raw = json!({"accountType": "US_ACCOUNT", "clabeNumber": "123", "reference": "R"});
        let info: PaymentAccountInfo = serde_json::from_value(raw.clone()).expect("parses");
        assert!(
            !info.is_known(),
            "US_ACCOUNT is not a payment variant in the spec"
        );
        assert_eq!(info.account_type(), "US_ACCOUNT");
        assert_eq!(serde_json::to_value(&info).expect("serialises"), raw);
    }

    #[test]
    fn unknown_external_account_type_keeps_raw_json() {
        let info_raw = json!({"accountType": "MARS_ACCOUNT", "colonyCode": "OLYMPUS-1",
            "nested": {"dome": 7, "tags": ["a", "b"]}});
        let info: ExternalAccountInfo =
            serde_json::from_value(info_raw.clone()).expect("an unknown type still parses");
        let ExternalAccountInfo::Unknown { account_type, raw } = &info else {
            panic!("MARS_ACCOUNT is not in the spec: expected Unknown, got {info:?}");
        };
        assert_eq!(account_type, "MARS_ACCOUNT");
        assert_eq!(raw.get("colonyCode"), Some(&json!("OLYMPUS-1")));
        assert_eq!(serde_json::to_value(&info).expect("serialises"), info_raw);

        // Inside a whole external account, too: nothing is lost on the way through.
        let account_raw = json!({
            "id": "ExternalAccount:e85dcbd6-dced-4ec4-b756-3c3a9ea3d965",
            "customerId": "Customer:019542f5-b3e7-1d02-0000-000000000001",
            "status": "ACTIVE",
            "currency": "USD",
            "accountInfo": info_raw,
        });
        let account: ExternalAccount =
            serde_json::from_value(account_raw.clone()).expect("the account parses");
        assert!(!account.account_info.is_known());
        assert_eq!(account.account_info.account_type(), "MARS_ACCOUNT");
        assert_eq!(
            serde_json::to_value(&account).expect("serialises"),
            account_raw
        );
    }

    #[test]
    fn known_variant_with_extra_fields_round_trips() {
        let raw = json!({
            "accountType": "SPARK_WALLET", "address": "spark1abc", "assetType": "BTC",
            "invoice": "lnbc1", "memo": "not in the spec"
        });
        let info: PaymentAccountInfo = serde_json::from_value(raw.clone()).expect("parses");
        let PaymentAccountInfo::SparkWallet(spark) = &info else {
            panic!("expected SparkWallet, got {info:?}");
        };
        assert_eq!(spark.invoice.as_deref(), Some("lnbc1"));
        assert_eq!(spark.extra.get("memo"), Some(&json!("not in the spec")));
        assert_eq!(serde_json::to_value(&info).expect("serialises"), raw);
    }

    #[test]
    fn known_type_missing_required_field_falls_back_to_unknown() {
        let raw = json!({"accountType": "SOLANA_WALLET", "assetType": "USDC"});
        let info: PaymentAccountInfo = serde_json::from_value(raw.clone()).expect("parses");
        assert!(
            !info.is_known(),
            "no address: must not pretend to be a SolanaWallet"
        );
        assert_eq!(serde_json::to_value(&info).expect("serialises"), raw);
    }

    #[test]
    fn missing_account_type_is_an_error() {
        let err = serde_json::from_value::<PaymentAccountInfo>(json!({"address": "x"}));
        assert!(
            err.is_err(),
            "an object without accountType is not an account info"
        );
    }

    #[test]
    fn string_enums_round_trip_unknown_values() {
        let status: InternalAccountStatus = serde_json::from_value(json!("SUSPENDED")).expect("ok");
        assert_eq!(status, InternalAccountStatus::Unknown("SUSPENDED".into()));
        assert_eq!(
            serde_json::to_value(&status).expect("ok"),
            json!("SUSPENDED")
        );
        let t: InternalAccountType = serde_json::from_value(json!("EMBEDDED_WALLET")).expect("ok");
        assert_eq!(t, InternalAccountType::EmbeddedWallet);
    }
}
