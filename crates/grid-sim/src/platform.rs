//! `GET /config`: the one platform the simulator stands for, as the spec's `PlatformConfig`.
//! Grid's official CLI calls it to check credentials (`grid configure`). grid-client has no
//! model for it (Grid Desk never reads it), so the simulator keeps its own serde type; the
//! tests check every answer against the spec's schema.

use grid_client::money::MAX_FUND_AMOUNT;
use serde::Serialize;

/// Fixed, like the seed: the platform was "created" when the seed's accounts were.
const PLATFORM_CONFIG_ID: &str = "PlatformConfig:019542f5-b3e7-1d02-0000-000000000001";
const CREATED_AT: &str = "2025-01-15T09:00:00Z";

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlatformConfig {
    id: &'static str,
    supported_currencies: Vec<PlatformCurrencyConfig>,
    is_regulated_financial_institution: bool,
    created_at: &'static str,
    updated_at: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct PlatformCurrencyConfig {
    currency_code: String,
    min_amount: i64,
    max_amount: i64,
    /// `CounterpartyFieldDefinition`s: none, the simulator moves no real payments.
    required_counterparty_fields: Vec<serde_json::Value>,
    enabled_transaction_types: [&'static str; 2],
}

impl PlatformConfig {
    /// The platform's configuration: it supports the currencies its own accounts hold, with
    /// the sandbox's fund range.
    pub fn of(currencies: &[String]) -> Self {
        Self {
            id: PLATFORM_CONFIG_ID,
            supported_currencies: currencies
                .iter()
                .map(|code| PlatformCurrencyConfig {
                    currency_code: code.clone(),
                    min_amount: 1,
                    max_amount: MAX_FUND_AMOUNT,
                    required_counterparty_fields: Vec::new(),
                    enabled_transaction_types: ["INCOMING", "OUTGOING"],
                })
                .collect(),
            is_regulated_financial_institution: false,
            created_at: CREATED_AT,
            updated_at: CREATED_AT,
        }
    }
}
