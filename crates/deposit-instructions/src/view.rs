//! Accounts and funding instructions as people read them: labelled fields, the reference code
//! marked, the network beside every wallet address, and which values deserve a QR code.
//!
//! Works from the wire JSON of each instruction, so typed, unknown and malformed variants all
//! render the same way — nothing Grid sends is dropped.

use grid_client::models::{Currency, ExternalAccount, InternalAccount, PaymentInstructions};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How an instruction is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InstructionKind {
    Bank,
    Wallet,
    Lightning,
    Other,
}

/// The longest value a field shows: well beyond any real address, reference, PIX code or
/// Lightning invoice (and the 3,400-character values the PDF tests print whole), while a
/// multi-megabyte string from a hostile server cannot flood a card, a sheet or a CSV cell.
pub const MAX_FIELD_CHARS: usize = 5_000;

/// What a view shows in place of a value it cannot show; the reason is beside it.
pub const UNAVAILABLE: &str = "Unavailable";

/// One labelled value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldView {
    /// The wire key (`accountNumber`), or a dotted path for nested objects.
    pub key: String,
    pub label: String,
    /// Empty when `unavailable` is set.
    pub value: String,
    /// The payment reference: the payer must include it.
    pub emphasis: bool,
    /// Addresses, invoices and codes: shown in a fixed-width font and wrapped anywhere.
    pub monospace: bool,
    /// Why the value is not shown: Grid sent more than [`MAX_FIELD_CHARS`] characters. The
    /// value is hidden, not cut: a cut-off account number or address must never be copied or
    /// paid to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

impl FieldView {
    /// A field, with an over-long value hidden and the reason given.
    fn new(key: String, label: String, value: String, emphasis: bool, monospace: bool) -> Self {
        let (value, unavailable) = match too_long(&value) {
            Some(reason) => (String::new(), Some(reason)),
            None => (value, None),
        };
        Self {
            key,
            label,
            value,
            emphasis,
            monospace,
            unavailable,
        }
    }
}

/// Why `value` is too long to show, if it is.
fn too_long(value: &str) -> Option<String> {
    let length = value.chars().count();
    (length > MAX_FIELD_CHARS).then(|| {
        format!(
            "Grid sent {} characters here; values over {} characters are not shown.",
            grouped(length),
            grouped(MAX_FIELD_CHARS)
        )
    })
}

fn grouped(n: usize) -> String {
    grid_client::money::format_minor_units(i64::try_from(n).unwrap_or(i64::MAX), 0)
}

/// A value to show as a QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QrTarget {
    pub key: String,
    pub label: String,
    /// Exactly the value encoded.
    pub value: String,
    /// "Solana", "Lightning", … always printed beside the code.
    pub network: Option<String>,
    pub asset: Option<String>,
}

/// One funding instruction for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstructionView {
    pub account_type: String,
    pub title: String,
    pub kind: InstructionKind,
    pub network: Option<String>,
    pub notes: Option<String>,
    pub fields: Vec<FieldView>,
    pub qr_targets: Vec<QrTarget>,
    /// True when the payload matched a variant of the spec.
    pub known: bool,
    /// The reference code, when the instruction has one.
    pub reference: Option<String>,
}

/// Wire keys whose values are addresses or codes.
const MONOSPACE_KEYS: &[&str] = &[
    "address",
    "invoice",
    "accountNumber",
    "routingNumber",
    "iban",
    "swiftCode",
    "clabeNumber",
    "pixKey",
    "qrCode",
    "sortCode",
    "reference",
    "vpa",
    "ifsc",
    "bankCode",
    "branchCode",
    "intermediaryRoutingNumber",
    "payloadToSign",
    "paymentUrl",
];

/// Wire keys worth a QR code (GRID-NOTES: what deserves a QR code).
const QR_KEYS: &[(&str, &str)] = &[
    ("address", "Wallet address"),
    ("invoice", "Lightning invoice"),
    ("qrCode", "PIX copy-and-paste code"),
    ("paymentUrl", "Payment link"),
];

/// Field order: what a payer needs first.
const FIELD_ORDER: &[&str] = &[
    "accountHolderName",
    "bankName",
    "accountNumber",
    "routingNumber",
    "iban",
    "swiftCode",
    "clabeNumber",
    "pixKey",
    "qrCode",
    "sortCode",
    "bankCode",
    "branchCode",
    "ifsc",
    "vpa",
    "phoneNumber",
    "provider",
    "region",
    "country",
    "bankAccountType",
    "paymentRails",
    "rail",
    "reference",
    "address",
    "assetType",
    "network",
    "invoice",
    "paymentUrl",
];

/// A person's label for a wire key; unknown keys are turned into words ("someNewField" →
/// "Some new field").
pub fn label_for(key: &str) -> String {
    let known = match key {
        "accountHolderName" => "Account holder",
        "bankName" => "Bank",
        "accountNumber" => "Account number",
        "routingNumber" => "Routing number (ABA)",
        "iban" => "IBAN",
        "swiftCode" => "SWIFT / BIC",
        "clabeNumber" => "CLABE",
        "pixKey" => "PIX key",
        "qrCode" => "PIX copy-and-paste code",
        "sortCode" => "Sort code",
        "bankCode" => "Bank code",
        "branchCode" => "Branch code",
        "ifsc" => "IFSC",
        "vpa" => "UPI ID (VPA)",
        "phoneNumber" => "Phone number",
        "provider" => "Mobile money provider",
        "region" => "Region",
        "country" => "Country",
        "bankAccountType" => "Account type",
        "accountCategory" => "Account type",
        "paymentRails" => "Payment rails",
        "rail" => "Rail",
        "reference" => "Reference",
        "address" => "Address",
        "assetType" => "Asset",
        "network" => "Network",
        "invoice" => "Lightning invoice",
        "paymentUrl" => "Payment link",
        "bankAddress" => "Bank address",
        "intermediaryBankName" => "Intermediary bank",
        "intermediaryRoutingNumber" => "Intermediary routing number",
        "fiToFiInformation" => "Bank-to-bank information",
        "payloadToSign" => "Payload to sign",
        "beneficiary" => "Beneficiary",
        "fullName" => "Full name",
        "legalName" => "Legal name",
        "birthDate" => "Date of birth",
        "nationality" => "Nationality",
        "beneficiaryType" => "Beneficiary type",
        "line1" => "Address line 1",
        "line2" => "Address line 2",
        "city" => "City",
        "state" => "State / region",
        "postalCode" => "Postal code",
        "vaspName" => "Custodian (VASP)",
        _ => return humanize(key),
    };
    known.to_owned()
}

fn humanize(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for (i, ch) in key.chars().enumerate() {
        if ch == '_' || ch == '-' {
            out.push(' ');
        } else if ch.is_uppercase() && i > 0 {
            out.push(' ');
            out.extend(ch.to_lowercase());
        } else if i == 0 {
            out.extend(ch.to_uppercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// The network a wallet-like `accountType` settles on.
pub fn network_for(account_type: &str) -> Option<&'static str> {
    Some(match account_type {
        "SPARK_WALLET" => "Spark",
        "LIGHTNING" | "LIGHTNING_ACCOUNT" => "Lightning",
        "SOLANA_WALLET" => "Solana",
        "TRON_WALLET" => "Tron",
        "POLYGON_WALLET" => "Polygon",
        "BASE_WALLET" => "Base",
        "ETHEREUM_WALLET" => "Ethereum",
        "PLASMA_WALLET" => "Plasma",
        "BITCOIN_L1" | "BITCOIN_WALLET" => "Bitcoin",
        "EMBEDDED_WALLET" => "Embedded wallet",
        _ => return None,
    })
}

fn title_for(account_type: &str) -> String {
    let fixed = match account_type {
        "USD_ACCOUNT" => "US bank transfer (ACH / wire)",
        "EUR_ACCOUNT" => "SEPA bank transfer (EUR)",
        "MXN_ACCOUNT" => "SPEI bank transfer (MXN, CLABE)",
        "BRL_ACCOUNT" => "PIX payment (BRL)",
        "GBP_ACCOUNT" => "UK bank transfer (GBP)",
        "SWIFT_ACCOUNT" => "International wire (SWIFT)",
        "LIGHTNING" | "LIGHTNING_ACCOUNT" => "Lightning invoice",
        "BITCOIN_L1" => "Bitcoin on-chain address",
        "EMBEDDED_WALLET" => "Embedded wallet",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_owned();
    }
    if let Some(network) = network_for(account_type) {
        return format!("{network} wallet");
    }
    if let Some(code) = account_type.strip_suffix("_ACCOUNT") {
        if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) {
            return format!("{code} bank transfer");
        }
        if !code.is_empty() && code.chars().all(|c| c.is_ascii_uppercase()) {
            return format!("{code} account");
        }
    }
    humanize(&account_type.to_lowercase())
}

fn kind_for(account_type: &str, map: &Map<String, Value>) -> InstructionKind {
    match account_type {
        "LIGHTNING" | "LIGHTNING_ACCOUNT" => InstructionKind::Lightning,
        t if network_for(t).is_some() => InstructionKind::Wallet,
        t if t.ends_with("_ACCOUNT") => InstructionKind::Bank,
        _ if map.contains_key("address") => InstructionKind::Wallet,
        _ if map.contains_key("invoice") => InstructionKind::Lightning,
        _ => InstructionKind::Other,
    }
}

fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "Yes" } else { "No" }.to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(value_text).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        Value::Object(_) => None,
    }
}

/// Flattens nested objects into "Beneficiary › Full name" fields.
fn push_fields(
    map: &Map<String, Value>,
    prefix: &str,
    label_prefix: &str,
    out: &mut Vec<FieldView>,
) {
    let mut keys: Vec<&String> = map.keys().filter(|k| k.as_str() != "accountType").collect();
    keys.sort_by_key(|k| {
        FIELD_ORDER
            .iter()
            .position(|o| o == k)
            .unwrap_or(FIELD_ORDER.len())
    });
    for key in keys {
        let value = &map[key];
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let label = if label_prefix.is_empty() {
            label_for(key)
        } else {
            format!("{label_prefix} › {}", label_for(key))
        };
        if let Value::Object(inner) = value {
            push_fields(inner, &path, &label, out);
            continue;
        }
        if let Value::Array(items) = value {
            if items.iter().any(has_object) {
                push_array_items(key, items, &path, &label, out);
                continue;
            }
        }
        if let Some(text) = value_text(value) {
            out.push(FieldView::new(
                path,
                label,
                text,
                prefix.is_empty() && key == "reference",
                MONOSPACE_KEYS.contains(&key.as_str()),
            ));
        }
    }
}

fn has_object(value: &Value) -> bool {
    match value {
        Value::Object(_) => true,
        Value::Array(items) => items.iter().any(has_object),
        _ => false,
    }
}

/// An array holding objects: one numbered group per element ("Addresses 1 › Network",
/// key `addresses.0.network`), so nothing inside is dropped. Plain elements get their number
/// alone ("Addresses 2").
fn push_array_items(key: &str, items: &[Value], path: &str, label: &str, out: &mut Vec<FieldView>) {
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{path}.{i}");
        let item_label = format!("{label} {}", i + 1);
        match item {
            Value::Object(inner) => push_fields(inner, &item_path, &item_label, out),
            Value::Array(inner) if inner.iter().any(has_object) => {
                push_array_items(key, inner, &item_path, &item_label, out);
            }
            other => {
                if let Some(text) = value_text(other) {
                    out.push(FieldView::new(
                        item_path,
                        item_label,
                        text,
                        false,
                        MONOSPACE_KEYS.contains(&key),
                    ));
                }
            }
        }
    }
}

/// Builds the view of an `accountOrWalletInfo` object (as wire JSON).
pub fn instruction_view_from_map(
    map: &Map<String, Value>,
    notes: Option<&str>,
    known: bool,
) -> InstructionView {
    let account_type = map
        .get("accountType")
        .and_then(Value::as_str)
        .unwrap_or("UNKNOWN")
        .to_owned();
    let network = network_for(&account_type).map(str::to_owned).or_else(|| {
        map.get("network")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let asset = map
        .get("assetType")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut fields = Vec::new();
    push_fields(map, "", "", &mut fields);
    if let Some(net) = &network {
        if !map.contains_key("network") {
            let at = fields
                .iter()
                .position(|f| f.key == "address" || f.key == "invoice")
                .map_or(fields.len(), |i| i + 1);
            fields.insert(
                at,
                FieldView::new(
                    "network".into(),
                    "Network".into(),
                    net.clone(),
                    false,
                    false,
                ),
            );
        }
    }
    let qr_targets = QR_KEYS
        .iter()
        .filter_map(|(key, label)| {
            let value = map.get(*key)?.as_str()?.trim();
            // An over-long value is hidden in its field, so it gets no code either.
            (!value.is_empty() && too_long(value).is_none()).then(|| QrTarget {
                key: (*key).to_owned(),
                label: (*label).to_owned(),
                value: value.to_owned(),
                network: if *key == "invoice" {
                    Some("Lightning".to_owned())
                } else {
                    network.clone()
                },
                asset: asset.clone(),
            })
        })
        .collect();
    InstructionView {
        title: title_for(&account_type),
        kind: kind_for(&account_type, map),
        reference: map
            .get("reference")
            .and_then(value_text)
            .filter(|r| too_long(r).is_none()),
        account_type,
        network,
        // Notes are prose for people, not values to copy: an over-long one is cut, not hidden.
        notes: notes
            .filter(|n| !n.trim().is_empty())
            .map(|n| grid_client::ellipsize(n, MAX_FIELD_CHARS)),
        fields,
        qr_targets,
        known,
    }
}

/// Builds the view of one funding instruction.
pub fn instruction_view(instruction: &PaymentInstructions) -> InstructionView {
    let info = &instruction.account_or_wallet_info;
    let mut view = instruction_view_from_map(
        &info.to_json_map(),
        instruction.instructions_notes.as_deref(),
        info.is_known(),
    );
    // Fields beside `accountOrWalletInfo` that the spec does not name: flattened the same way,
    // objects and arrays of objects included, never marked as the reference.
    let mut extra = Vec::new();
    push_fields(&instruction.extra, "", "", &mut extra);
    view.fields.extend(extra.into_iter().map(|field| FieldView {
        emphasis: false,
        ..field
    }));
    view
}

/// A balance ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MoneyView {
    /// Smallest units, as on the wire when Grid sent a whole number that fits an `i64`, else 0.
    /// Meaningless when `unavailable` is set.
    pub amount: i64,
    /// "$1,000.50", or [`UNAVAILABLE`].
    pub display: String,
    pub currency_code: Option<String>,
    pub decimals: Option<u32>,
    /// Why the amount cannot be shown ([`grid_client::money::AmountUnavailable`]): beyond
    /// `i64` or any sane balance, not a whole number, or in a currency with more decimal places
    /// than exact money supports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

impl MoneyView {
    /// The view of one of Grid's amounts (shown, or "Unavailable" with the reason).
    pub fn new(amount: &grid_client::models::CurrencyAmount) -> Self {
        let (display, unavailable) = match amount.display() {
            Ok(display) => (display, None),
            Err(why) => (UNAVAILABLE.to_owned(), Some(why.to_string())),
        };
        Self {
            amount: amount.amount.exact().unwrap_or(0),
            display,
            currency_code: amount.currency.code.clone(),
            decimals: amount.currency.decimals,
            unavailable,
        }
    }
}

/// How a status reads at a glance: the colour of its badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusTone {
    /// Usable (`ACTIVE`).
    Ok,
    /// Waiting on something (pending, under review, unverified).
    Warn,
    /// Cannot be used (frozen, failed).
    Bad,
    /// Closed, inactive, or a status Grid Desk does not know yet.
    Muted,
}

/// "INTERNAL_FIAT" → "Internal fiat": a wire value as words, for values without a label of
/// their own (new statuses and types Grid may add).
fn wire_words(wire: &str) -> String {
    let words = wire.to_lowercase().replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The label of an internal account type, as cards, sheets and the type filter show it.
pub fn account_type_label(wire: &str) -> String {
    match wire {
        "INTERNAL_FIAT" => "Internal fiat".to_owned(),
        "INTERNAL_CRYPTO" => "Internal crypto".to_owned(),
        "EMBEDDED_WALLET" => "Embedded wallet".to_owned(),
        other => wire_words(other),
    }
}

/// The label of an account status (internal or external).
pub fn status_label(wire: &str) -> String {
    wire_words(wire)
}

/// The tone of an account status (internal or external).
pub fn status_tone(wire: &str) -> StatusTone {
    match wire {
        "ACTIVE" => StatusTone::Ok,
        "PENDING" | "PENDING_OWNERSHIP_VERIFICATION" | "UNDER_REVIEW" | "UNVERIFIED" => {
            StatusTone::Warn
        }
        "FROZEN" | "FAILED" => StatusTone::Bad,
        _ => StatusTone::Muted,
    }
}

/// One-click sandbox funding amounts of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FundingView {
    /// The preset buttons; empty when the currency does not say its decimals.
    pub presets: Vec<FundPreset>,
    /// The most one fund request may add, in smallest units (Grid's sandbox limit).
    pub max_amount: i64,
    /// `max_amount` for people, e.g. "$1,000,000,000.00".
    pub max_display: String,
}

/// One preset button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FundPreset {
    /// Smallest units.
    pub amount: i64,
    /// The button's text without the currency: "+1,000".
    pub label: String,
    /// The amount for people: "$1,000.00".
    pub display: String,
}

/// Stablecoins pegged to a fiat currency: funded in the same sizes as fiat.
const STABLECOINS: &[&str] = &[
    "USDC", "USDT", "USDB", "PYUSD", "USDP", "USDG", "DAI", "TUSD", "FDUSD", "EURC", "EURT",
];

/// The smallest preset of a currency, as a power of ten of its whole units: fiat and
/// stablecoins 10^2 (+100, +1,000, +10,000), bitcoin 10^-3 (+0.001, +0.01, +0.1), ether 10^-2,
/// other crypto assets 10^0 (+1, +10, +100). A code Grid Desk does not know as crypto is taken
/// as fiat (ISO 4217 codes are three letters; the crypto assets Grid lists are named here).
pub fn preset_decade(code: Option<&str>) -> i32 {
    let code = code.unwrap_or("").trim().to_ascii_uppercase();
    match code.as_str() {
        c if STABLECOINS.contains(&c) => 2,
        "BTC" | "WBTC" | "CBBTC" | "LBTC" => -3,
        "ETH" | "WETH" => -2,
        "SOL" | "TRX" | "POL" | "MATIC" | "AVAX" | "LTC" | "XRP" | "BNB" | "ADA" | "DOGE"
        | "XLM" | "TON" | "SUI" | "APT" | "NEAR" | "ARB" | "OP" => 0,
        _ => 2,
    }
}

/// The preset amounts, in smallest units: three consecutive powers of ten starting at
/// [`preset_decade`] whole units, moved up when the currency cannot represent them (no unit
/// smaller than one smallest unit) and down until the largest is within Grid's per-request
/// limit ([`grid_client::money::MAX_FUND_AMOUNT`]), so no preset is ever above it.
pub fn preset_amounts(code: Option<&str>, decimals: u32) -> Vec<i64> {
    let max = grid_client::money::MAX_FUND_AMOUNT;
    // The largest exponent e with 10^(e+2) <= max.
    let mut top = 0_u32;
    while 10_i64.checked_pow(top + 3).is_some_and(|v| v <= max) {
        top += 1;
    }
    let wanted = i64::from(preset_decade(code)) + i64::from(decimals);
    let exponent = u32::try_from(wanted.max(0)).unwrap_or(top).min(top);
    (exponent..exponent + 3).map(|e| 10_i64.pow(e)).collect()
}

/// An amount in whole units without trailing zeros, for a button: 100000 at 2 decimals →
/// "1,000", 100000 at 8 → "0.001".
fn short_amount(amount: i64, decimals: u32) -> String {
    let text = grid_client::money::format_minor_units(amount, decimals);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// The one rule for sandbox funding presets ([`preset_amounts`]): three sizes that fit the
/// currency — USD/EUR/… +100, +1,000, +10,000; BTC +0.001, +0.01, +0.1 — never above Grid's
/// per-request limit. None when the currency does not say its decimals, or has more than
/// Grid Desk converts exactly.
pub fn funding_view(currency: &Currency) -> FundingView {
    let presets = match currency.decimals {
        Some(decimals) if decimals <= grid_client::money::MAX_DECIMALS => {
            preset_amounts(currency.code.as_deref(), decimals)
                .into_iter()
                .map(|amount| FundPreset {
                    amount,
                    label: format!("+{}", short_amount(amount, decimals)),
                    display: grid_client::money::format_with_currency(amount, currency),
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let max_amount = grid_client::money::MAX_FUND_AMOUNT;
    FundingView {
        presets,
        max_amount,
        max_display: grid_client::money::format_with_currency(max_amount, currency),
    }
}

/// An internal account as a card shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    pub id: String,
    pub customer_id: Option<String>,
    pub is_platform: bool,
    pub account_type: String,
    /// "Internal fiat", …: [`account_type_label`].
    pub account_type_label: String,
    pub status: String,
    pub status_label: String,
    pub status_tone: StatusTone,
    pub currency_code: Option<String>,
    pub currency_name: Option<String>,
    pub currency_symbol: Option<String>,
    pub decimals: Option<u32>,
    pub balance: MoneyView,
    pub total_balance: MoneyView,
    pub private_enabled: Option<bool>,
    pub created_at: String,
    pub updated_at: String,
    pub instructions: Vec<InstructionView>,
    /// Sandbox funding presets and limit in this account's currency.
    pub funding: FundingView,
}

/// Builds the card view of an internal account.
pub fn account_view(account: &InternalAccount) -> AccountView {
    let currency = &account.balance.currency;
    AccountView {
        id: account.id.0.clone(),
        customer_id: account.customer_id.as_ref().map(|c| c.0.clone()),
        is_platform: account.customer_id.is_none(),
        account_type: account.account_type.to_string(),
        account_type_label: account_type_label(account.account_type.as_str()),
        status: account.status.to_string(),
        status_label: status_label(account.status.as_str()),
        status_tone: status_tone(account.status.as_str()),
        currency_code: currency.code.clone(),
        currency_name: currency.name.clone(),
        currency_symbol: currency.symbol.clone(),
        decimals: currency.decimals,
        balance: MoneyView::new(&account.balance),
        total_balance: MoneyView::new(&account.total_balance),
        private_enabled: account.private_enabled,
        created_at: account.created_at.clone(),
        updated_at: account.updated_at.clone(),
        instructions: account
            .funding_payment_instructions
            .iter()
            .map(instruction_view)
            .collect(),
        funding: funding_view(currency),
    }
}

/// An external account as a card shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalAccountView {
    pub id: String,
    pub customer_id: Option<String>,
    pub status: String,
    pub status_label: String,
    pub status_tone: StatusTone,
    pub currency: String,
    pub platform_account_id: Option<String>,
    pub default_uma_deposit_account: bool,
    pub details: InstructionView,
}

/// Builds the card view of an external account.
pub fn external_account_view(account: &ExternalAccount) -> ExternalAccountView {
    let info = &account.account_info;
    ExternalAccountView {
        id: account.id.0.clone(),
        customer_id: account.customer_id.as_ref().map(|c| c.0.clone()),
        status: account.status.to_string(),
        status_label: status_label(account.status.as_str()),
        status_tone: status_tone(account.status.as_str()),
        currency: account.currency.clone(),
        platform_account_id: account.platform_account_id.clone(),
        default_uma_deposit_account: account.default_uma_deposit_account.unwrap_or(false),
        details: instruction_view_from_map(&info.to_json_map(), None, info.is_known()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view(v: Value) -> InstructionView {
        let instruction: PaymentInstructions = serde_json::from_value(v).expect("instruction");
        instruction_view(&instruction)
    }

    #[test]
    fn bank_fields_are_labelled_in_payer_order_with_reference_marked() {
        let v = view(json!({
            "instructionsNotes": "Include the reference code in your ACH transfer memo",
            "accountOrWalletInfo": {
                "accountType": "USD_ACCOUNT", "reference": "FUND-ABC123",
                "accountNumber": "9876543210", "routingNumber": "021000021",
                "paymentRails": ["ACH", "WIRE"], "bankName": "JP Morgan Chase"
            }
        }));
        assert!(v.known);
        assert_eq!(v.kind, InstructionKind::Bank);
        assert_eq!(v.title, "US bank transfer (ACH / wire)");
        let labels: Vec<_> = v.fields.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Bank",
                "Account number",
                "Routing number (ABA)",
                "Payment rails",
                "Reference"
            ]
        );
        let reference = v
            .fields
            .iter()
            .find(|f| f.key == "reference")
            .expect("reference");
        assert!(reference.emphasis, "the reference must stand out");
        assert_eq!(v.reference.as_deref(), Some("FUND-ABC123"));
        assert_eq!(v.fields[3].value, "ACH, WIRE");
        assert!(v.qr_targets.is_empty(), "bank details get no QR code");
    }

    #[test]
    fn wallets_get_network_and_qr_for_exact_address() {
        let v = view(json!({"accountOrWalletInfo": {
            "accountType": "BASE_WALLET", "address": "0xAbCDEF1234567890aBCdEf1234567890ABcDef12", "assetType": "USDC"
        }}));
        assert_eq!(v.kind, InstructionKind::Wallet);
        assert_eq!(v.network.as_deref(), Some("Base"));
        assert!(v
            .fields
            .iter()
            .any(|f| f.label == "Network" && f.value == "Base"));
        assert_eq!(v.qr_targets.len(), 1);
        assert_eq!(
            v.qr_targets[0].value,
            "0xAbCDEF1234567890aBCdEf1234567890ABcDef12"
        );
        assert_eq!(v.qr_targets[0].network.as_deref(), Some("Base"));
    }

    #[test]
    fn spark_with_invoice_has_two_qr_codes() {
        let v = view(json!({"accountOrWalletInfo": {
            "accountType": "SPARK_WALLET", "address": "spark1abc", "assetType": "BTC", "invoice": "lnbc1xyz"
        }}));
        let values: Vec<_> = v.qr_targets.iter().map(|q| q.value.as_str()).collect();
        assert_eq!(values, ["spark1abc", "lnbc1xyz"]);
        assert_eq!(v.qr_targets[1].network.as_deref(), Some("Lightning"));
    }

    #[test]
    fn unknown_types_render_every_field_generically() {
        let v = view(json!({"accountOrWalletInfo": {
            "accountType": "US_ACCOUNT", "clabeNumber": "123456789012345678", "reference": "UMA-Q12345-REF",
            "someNewField": "kept", "nested": {"innerValue": 7}
        }}));
        assert!(!v.known);
        let pairs: Vec<_> = v
            .fields
            .iter()
            .map(|f| (f.label.as_str(), f.value.as_str()))
            .collect();
        assert!(pairs.contains(&("CLABE", "123456789012345678")));
        assert!(pairs.contains(&("Reference", "UMA-Q12345-REF")));
        assert!(pairs.contains(&("Some new field", "kept")));
        assert!(pairs.contains(&("Nested › Inner value", "7")));
        assert_eq!(v.title, "US account", "unknown types get a readable title");
    }

    #[test]
    fn objects_inside_arrays_keep_every_value_under_numbered_labels() {
        let v = view(json!({"accountOrWalletInfo": {
            "accountType": "MULTI_CHAIN_WALLET",
            "addresses": [
                {"network": "Base", "address": "0xAbCDEF1234567890aBCdEf1234567890ABcDef12"},
                {"network": "Solana", "address": "4Nd1m6Qkq7RfKuE5vQ9qP9Tn6H94Ueqb4xXHzsAbd8Wg", "memo": null},
                "plain-entry",
                [{"depth": 2}]
            ],
            "tags": ["a", "b"]
        }}));
        let fields: Vec<_> = v
            .fields
            .iter()
            .map(|f| {
                (
                    f.key.as_str(),
                    f.label.as_str(),
                    f.value.as_str(),
                    f.monospace,
                )
            })
            .collect();
        for expected in [
            (
                "addresses.0.network",
                "Addresses 1 \u{203a} Network",
                "Base",
                false,
            ),
            (
                "addresses.0.address",
                "Addresses 1 \u{203a} Address",
                "0xAbCDEF1234567890aBCdEf1234567890ABcDef12",
                true,
            ),
            (
                "addresses.1.network",
                "Addresses 2 \u{203a} Network",
                "Solana",
                false,
            ),
            (
                "addresses.1.address",
                "Addresses 2 \u{203a} Address",
                "4Nd1m6Qkq7RfKuE5vQ9qP9Tn6H94Ueqb4xXHzsAbd8Wg",
                true,
            ),
            ("addresses.2", "Addresses 3", "plain-entry", false),
            (
                "addresses.3.0.depth",
                "Addresses 4 1 \u{203a} Depth",
                "2",
                false,
            ),
            ("tags", "Tags", "a, b", false),
        ] {
            assert!(
                fields.contains(&expected),
                "objects in arrays must not vanish: {expected:?} missing from {fields:?}"
            );
        }
        assert!(
            !fields.iter().any(|f| f.0.ends_with("memo")),
            "null values stay out"
        );

        // The same beside `accountOrWalletInfo`, where Grid may add fields of its own.
        let v = view(json!({
            "accountOrWalletInfo": {"accountType": "USD_ACCOUNT", "accountNumber": "1", "routingNumber": "2"},
            "settlementWindows": [{"rail": "ACH", "cutoff": "16:00 ET"}],
            "limits": {"daily": 100}
        }));
        let pairs: Vec<_> = v
            .fields
            .iter()
            .map(|f| (f.label.as_str(), f.value.as_str()))
            .collect();
        assert!(
            pairs.contains(&("Settlement windows 1 \u{203a} Rail", "ACH")),
            "{pairs:?}"
        );
        assert!(
            pairs.contains(&("Settlement windows 1 \u{203a} Cutoff", "16:00 ET")),
            "{pairs:?}"
        );
        assert!(
            pairs.contains(&("Limits \u{203a} Daily", "100")),
            "{pairs:?}"
        );
    }

    #[test]
    fn over_long_values_are_hidden_with_a_reason_never_cut() {
        let long = "9".repeat(MAX_FIELD_CHARS + 1);
        let v = view(json!({
            "instructionsNotes": "n".repeat(MAX_FIELD_CHARS * 2),
            "accountOrWalletInfo": {
                "accountType": "SOLANA_WALLET", "address": long, "assetType": "USDC",
                "reference": long, "tags": [long],
                "nested": {"accountNumber": long}
            }
        }));
        for key in ["address", "reference", "tags", "nested.accountNumber"] {
            let field = v
                .fields
                .iter()
                .find(|f| f.key == key)
                .unwrap_or_else(|| panic!("{key} keeps its field"));
            assert_eq!(field.value, "", "{key}: hidden, not cut");
            assert_eq!(
                field.unavailable.as_deref(),
                Some(
                    "Grid sent 5,001 characters here; values over 5,000 characters are not shown."
                ),
                "{key}"
            );
        }
        assert!(v.qr_targets.is_empty(), "no QR code of a hidden value");
        assert_eq!(
            v.reference, None,
            "a hidden reference is not shown elsewhere"
        );
        let notes = v.notes.expect("notes");
        assert_eq!(notes.chars().count(), MAX_FIELD_CHARS, "prose is cut");
        assert!(notes.ends_with('\u{2026}'));
        let network = v
            .fields
            .iter()
            .find(|f| f.key == "network")
            .expect("network");
        assert_eq!(
            (network.value.as_str(), &network.unavailable),
            ("Solana", &None)
        );

        // At the limit, a value is whole.
        let fits = "9".repeat(MAX_FIELD_CHARS);
        let v = view(
            json!({"accountOrWalletInfo": {"accountType": "SOLANA_WALLET", "address": fits, "assetType": "USDC"}}),
        );
        let address = v
            .fields
            .iter()
            .find(|f| f.key == "address")
            .expect("address");
        assert_eq!(
            (address.value.len(), &address.unavailable),
            (MAX_FIELD_CHARS, &None)
        );
    }

    #[test]
    fn brl_pix_code_gets_a_qr() {
        let v = view(
            json!({"accountOrWalletInfo": {"accountType": "BRL_ACCOUNT", "qrCode": "00020126580014br.gov.bcb.pix"}}),
        );
        assert_eq!(v.qr_targets.len(), 1);
        assert_eq!(v.qr_targets[0].label, "PIX copy-and-paste code");
    }

    fn currency(code: &str, symbol: Option<&str>, decimals: Option<u32>) -> Currency {
        Currency {
            code: Some(code.into()),
            name: None,
            symbol: symbol.map(str::to_owned),
            decimals,
        }
    }

    #[test]
    fn types_and_statuses_have_labels_and_tones() {
        assert_eq!(account_type_label("INTERNAL_FIAT"), "Internal fiat");
        assert_eq!(account_type_label("INTERNAL_CRYPTO"), "Internal crypto");
        assert_eq!(account_type_label("EMBEDDED_WALLET"), "Embedded wallet");
        assert_eq!(
            account_type_label("NEW_KIND_OF_ACCOUNT"),
            "New kind of account",
            "a type Grid adds later still reads as words"
        );
        assert_eq!(status_label("ACTIVE"), "Active");
        assert_eq!(
            status_label("PENDING_OWNERSHIP_VERIFICATION"),
            "Pending ownership verification"
        );
        assert_eq!(status_label(""), "");
        assert_eq!(status_tone("ACTIVE"), StatusTone::Ok);
        for warn in [
            "PENDING",
            "PENDING_OWNERSHIP_VERIFICATION",
            "UNDER_REVIEW",
            "UNVERIFIED",
        ] {
            assert_eq!(status_tone(warn), StatusTone::Warn, "{warn}");
        }
        assert_eq!(status_tone("FROZEN"), StatusTone::Bad);
        assert_eq!(status_tone("FAILED"), StatusTone::Bad);
        assert_eq!(status_tone("CLOSED"), StatusTone::Muted);
        assert_eq!(
            status_tone("SUSPENDED"),
            StatusTone::Muted,
            "unknown: muted"
        );
        assert_eq!(
            serde_json::to_value(StatusTone::Warn).expect("json"),
            json!("warn")
        );
    }

    fn presets(view: &FundingView) -> Vec<(i64, &str, &str)> {
        view.presets
            .iter()
            .map(|p| (p.amount, p.label.as_str(), p.display.as_str()))
            .collect()
    }

    #[test]
    fn fund_presets_fit_the_currency_in_smallest_units() {
        let usd = funding_view(&currency("USD", Some("$"), Some(2)));
        assert_eq!(
            presets(&usd),
            [
                (10_000, "+100", "$100.00"),
                (100_000, "+1,000", "$1,000.00"),
                (1_000_000, "+10,000", "$10,000.00"),
            ]
        );
        assert_eq!(usd.max_amount, grid_client::money::MAX_FUND_AMOUNT);
        assert_eq!(usd.max_display, "$1,000,000,000.00");

        let btc = funding_view(&currency("BTC", Some("₿"), Some(8)));
        assert_eq!(
            presets(&btc),
            [
                (100_000, "+0.001", "0.00100000 BTC"),
                (1_000_000, "+0.01", "0.01000000 BTC"),
                (10_000_000, "+0.1", "0.10000000 BTC"),
            ]
        );

        // A stablecoin is funded like the currency it follows, in its own decimals.
        let usdc = funding_view(&currency("USDC", Some("USDC"), Some(6)));
        assert_eq!(
            presets(&usdc),
            [
                (100_000_000, "+100", "100.000000 USDC"),
                (1_000_000_000, "+1,000", "1,000.000000 USDC"),
                (10_000_000_000, "+10,000", "10,000.000000 USDC"),
            ]
        );

        let jpy = funding_view(&currency("JPY", Some("¥"), Some(0)));
        assert_eq!(
            jpy.presets.iter().map(|p| p.amount).collect::<Vec<_>>(),
            [100, 1_000, 10_000]
        );
        let sol = funding_view(&currency("SOL", None, Some(9)));
        assert_eq!(
            sol.presets
                .iter()
                .map(|p| p.label.as_str())
                .collect::<Vec<_>>(),
            ["+1", "+10", "+100"]
        );

        let unknown = funding_view(&currency("XYZ", None, None));
        assert!(unknown.presets.is_empty(), "no presets without decimals");
        let absurd = funding_view(&currency("XYZ", None, Some(19)));
        assert!(absurd.presets.is_empty(), "no presets beyond 18 decimals");
    }

    #[test]
    fn no_preset_is_ever_above_grids_limit_or_below_one_smallest_unit() {
        let max = grid_client::money::MAX_FUND_AMOUNT;
        for code in ["USD", "BTC", "ETH", "USDC", "SOL", "JPY", "ZZZ"] {
            for decimals in 0..=grid_client::money::MAX_DECIMALS {
                let view = funding_view(&currency(code, None, Some(decimals)));
                let amounts: Vec<i64> = view.presets.iter().map(|p| p.amount).collect();
                assert_eq!(amounts.len(), 3, "{code} {decimals}");
                assert!(
                    amounts.iter().all(|&a| (1..=max).contains(&a)),
                    "{code} {decimals}: {amounts:?}"
                );
                assert_eq!(amounts[1], amounts[0] * 10, "{code} {decimals}");
                assert_eq!(amounts[2], amounts[1] * 10, "{code} {decimals}");
            }
        }
        // 0.01 ETH is 10^16 wei, far above the 10^11 limit: the presets move down to fit.
        let eth = funding_view(&currency("ETH", None, Some(18)));
        assert_eq!(
            presets(&eth).iter().map(|p| (p.0, p.1)).collect::<Vec<_>>(),
            [
                (1_000_000_000, "+0.000000001"),
                (10_000_000_000, "+0.00000001"),
                (100_000_000_000, "+0.0000001"),
            ]
        );
        // BTC in a ledger without decimals cannot hold 0.001: one unit is the least.
        let whole_btc = funding_view(&currency("BTC", None, Some(0)));
        assert_eq!(whole_btc.presets[0].amount, 1);
    }

    #[test]
    fn account_views_carry_their_labels_and_funding() {
        let account: InternalAccount = serde_json::from_value(json!({
            "id": "InternalAccount:1",
            "type": "INTERNAL_FIAT",
            "status": "FROZEN",
            "balance": {"amount": 5, "currency": {"code": "USD", "symbol": "$", "decimals": 2}},
            "totalBalance": {"amount": 5, "currency": {"code": "USD", "symbol": "$", "decimals": 2}},
            "fundingPaymentInstructions": [],
            "createdAt": "2025-01-01T00:00:00Z",
            "updatedAt": "2025-01-01T00:00:00Z"
        }))
        .expect("an internal account");
        let json = serde_json::to_value(account_view(&account)).expect("json");
        assert_eq!(json["accountTypeLabel"], "Internal fiat");
        assert_eq!(json["statusLabel"], "Frozen");
        assert_eq!(json["statusTone"], "bad");
        assert_eq!(json["funding"]["presets"][0]["amount"], 10_000);
        assert_eq!(json["funding"]["presets"][0]["label"], "+100");
        assert_eq!(json["funding"]["presets"][0]["display"], "$100.00");
        assert_eq!(json["funding"]["maxAmount"], 100_000_000_000_i64);
    }
}
