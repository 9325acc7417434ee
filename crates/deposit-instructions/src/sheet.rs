//! One description of each deposit sheet, built here and rendered twice: as PDF (`pdf.rs`) and
//! as the window's print preview (HTML). Everything a sheet says — header, environment warnings,
//! the account's facts, each instruction's labelled fields, QR values and the words beside them,
//! notes, the reference, balances when asked, the generation time — is decided here, in order,
//! so the two renderers cannot drift apart. Renderers choose only layout and styling.
//!
//! Serialised as camelCase JSON. Every text item has a `key` that is stable for the same account
//! data (`accountId`, `instructions.1.fields.accountNumber`, `instructions.2.qr.address`, …), so a
//! test can compare the order of the preview with the PDF's.

use grid_client::money::format_minor_units;
use serde::{Deserialize, Serialize};

use crate::qr::fits_qr;
use crate::view::{AccountView, FieldView, InstructionKind, InstructionView, MoneyView, QrTarget};

/// Paper size of the printed sheets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    /// 210 × 297 mm.
    #[default]
    A4,
    /// US Letter, 8.5 × 11 in.
    Letter,
}

impl Paper {
    /// Width and height in hundredths of a point.
    pub(crate) fn size(self) -> (i32, i32) {
        match self {
            Paper::A4 => (59_528, 84_189),
            Paper::Letter => (61_200, 79_200),
        }
    }
}

/// Regions whose printers use US Letter (CLDR `paperSize` data); everyone else uses A4.
const LETTER_REGIONS: &[&str] = &[
    "US", "CA", "MX", "PH", "CL", "CO", "VE", "CR", "GT", "NI", "PA", "PR", "SV", "BZ", "DO",
];

/// The usual paper for a locale such as `en-US`, `fr_CA.UTF-8` or `es-419`: US Letter in the
/// Americas that use it and the Philippines, A4 elsewhere (and when the locale names no region).
pub fn paper_for_locale(locale: &str) -> Paper {
    let tag = locale.split(['.', '@']).next().unwrap_or("");
    let region = tag
        .split(['-', '_'])
        .skip(1)
        .find(|part| part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()));
    match region {
        Some(region)
            if LETTER_REGIONS
                .iter()
                .any(|r| r.eq_ignore_ascii_case(region)) =>
        {
            Paper::Letter
        }
        _ => Paper::A4,
    }
}

/// Which Grid environment the details come from; sandbox and demo sheets are watermarked so that
/// nobody sends real money to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SheetEnvironment {
    /// Grid's sandbox: watermark "SANDBOX".
    Sandbox,
    /// Real accounts: no watermark.
    #[default]
    Production,
    /// The offline demo data: watermark "DEMO – NOT REAL".
    Demo,
}

impl SheetEnvironment {
    /// The diagonal mark on every page, none on production.
    pub fn watermark(self) -> Option<&'static str> {
        match self {
            SheetEnvironment::Sandbox => Some("SANDBOX"),
            SheetEnvironment::Production => None,
            SheetEnvironment::Demo => Some("DEMO \u{2013} NOT REAL"),
        }
    }

    /// The environment as the footer names it.
    pub fn footer_label(self) -> &'static str {
        match self {
            SheetEnvironment::Sandbox => "SANDBOX \u{2013} test environment",
            SheetEnvironment::Production => "Production",
            SheetEnvironment::Demo => "DEMO \u{2013} not real account details",
        }
    }

    /// The warning above the details: (tag, text), none on production.
    pub fn banner(self) -> Option<(&'static str, &'static str)> {
        match self {
            SheetEnvironment::Sandbox => Some((
                "SANDBOX",
                "Test environment: these details only accept simulated funds. Do not send real money.",
            )),
            SheetEnvironment::Production => None,
            SheetEnvironment::Demo => Some((
                "DEMO",
                "Example data, not real account details. Do not send money to them.",
            )),
        }
    }
}

/// How the sheets are printed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SheetOptions {
    /// Let the user choose; default it with [`paper_for_locale`].
    pub paper: Paper,
    /// Where the accounts come from: sandbox and demo sheets are watermarked.
    pub environment: SheetEnvironment,
    /// Balances are left off unless asked for: the sheet is meant for payers.
    pub include_balances: bool,
    /// When the sheet was generated, already formatted for people ("5 Jan 2026, 14:03 UTC");
    /// passed in so that output is deterministic.
    pub generated_at: String,
    /// The platform's name, printed at the top of every page and beside platform accounts.
    pub platform_name: Option<String>,
}

/// Every sheet of one print job, and what is printed on every page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SheetDocument {
    pub paper: Paper,
    pub environment: SheetEnvironment,
    /// The diagonal mark of every page ("SANDBOX", "DEMO – NOT REAL"); none on production.
    pub watermark: Option<String>,
    /// The footer's left side: "SANDBOX – test environment", "Production", …
    pub environment_label: String,
    /// The footer's middle: "Generated 5 Jan 2026, 14:03 UTC"; none when no time was given.
    pub generated: Option<String>,
    /// One sheet per account, in the order given.
    pub sheets: Vec<Sheet>,
    /// When the account details were last read from Grid, for sheets printed from the app's
    /// last-known accounts while Grid could not be reached ("2026-12-02 10:42 UTC"); see
    /// [`SheetDocument::with_as_of`]. None for details read just now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

/// The key of the warning [`SheetDocument::with_as_of`] adds to every sheet.
pub const AS_OF_WARNING_KEY: &str = "as-of";

impl SheetDocument {
    /// Marks every sheet with the time its details were last read from Grid: a warning line
    /// under the title, which both renderers print like the environment's.
    pub fn with_as_of(mut self, as_of: &str) -> Self {
        let text = format!(
            "Account details as of {as_of}, the last time Grid could be reached. Check them before paying in."
        );
        for sheet in &mut self.sheets {
            sheet.warnings.push(SheetWarning {
                key: AS_OF_WARNING_KEY.to_owned(),
                tag: "AS OF".to_owned(),
                text: text.clone(),
            });
        }
        self.as_of = Some(as_of.to_owned());
        self
    }
}

impl SheetDocument {
    /// Every text the sheets print, in order (to check fonts against).
    pub fn texts(&self) -> Vec<&str> {
        let mut texts: Vec<&str> = Vec::new();
        texts.extend(self.watermark.as_deref());
        texts.push(&self.environment_label);
        texts.extend(self.generated.as_deref());
        for sheet in &self.sheets {
            texts.extend([
                sheet.kicker.as_str(),
                &sheet.title,
                &sheet.continued_title,
                &sheet.intro,
            ]);
            for warning in &sheet.warnings {
                texts.extend([warning.tag.as_str(), &warning.text]);
            }
            for fact in &sheet.facts {
                texts.extend([fact.label.as_str(), &fact.value]);
            }
            texts.extend(sheet.section_title.as_deref());
            for instruction in &sheet.instructions {
                texts.extend([instruction.title.as_str(), &instruction.account_type]);
                for qr in &instruction.qr_codes {
                    texts.extend([qr.label.as_str(), &qr.value]);
                    texts.extend(qr.headline.as_deref());
                    texts.extend(qr.hint.as_deref());
                }
                for field in instruction.fields.iter().chain(&instruction.notes) {
                    texts.extend([field.label.as_str(), &field.value]);
                }
                if let Some(reference) = &instruction.reference {
                    texts.extend([reference.label.as_str(), &reference.value, &reference.note]);
                }
            }
        }
        texts
    }
}

/// One account's sheet, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sheet {
    pub account_id: String,
    /// "USD · Platform · InternalAccount:…": the PDF's bookmark, a preview's table of contents.
    pub bookmark: String,
    /// The small line above the title: the platform's name, else "USD ACCOUNT".
    pub kicker: String,
    /// "Deposit instructions".
    pub title: String,
    /// The header of the account's following pages: "Deposit instructions · USD (continued)".
    pub continued_title: String,
    /// "Send USD to this account using any one of the methods below."
    pub intro: String,
    /// Warnings above the details, in order (today: the environment's).
    pub warnings: Vec<SheetWarning>,
    /// Who the account belongs to, its id, currency, kind and status, balances when asked.
    pub facts: Vec<SheetField>,
    /// "HOW TO PAY" / "WAYS TO PAY"; none when Grid has published no instructions.
    pub section_title: Option<String>,
    pub instructions: Vec<SheetInstruction>,
}

/// A warning printed above the details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SheetWarning {
    /// `environment`.
    pub key: String,
    /// "SANDBOX", "DEMO".
    pub tag: String,
    pub text: String,
}

/// A labelled value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SheetField {
    pub key: String,
    pub label: String,
    pub value: String,
    /// Addresses, account numbers and codes: fixed-width, wrapped anywhere, every space kept.
    pub monospace: bool,
    /// Printed stronger (the available balance).
    pub emphasis: bool,
}

/// One way to pay, as the sheet prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SheetInstruction {
    /// `instructions.N` (N counts from 1, as printed).
    pub key: String,
    pub number: usize,
    /// "US bank transfer (ACH / wire)".
    pub title: String,
    /// Grid's `accountType`, printed small beside the title.
    pub account_type: String,
    pub kind: InstructionKind,
    /// QR codes with the words beside them, in order; printed first.
    pub qr_codes: Vec<SheetQr>,
    /// The other labelled fields, in the view's order (the values beside a QR code and the
    /// reference are not repeated here).
    pub fields: Vec<SheetField>,
    /// Grid's notes: after the last QR code when `fields` is empty, else after the fields.
    pub notes: Option<SheetField>,
    /// The payment reference, boxed after everything else.
    pub reference: Option<SheetReference>,
}

/// A value printed as a QR code, with what a payer needs beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SheetQr {
    /// `instructions.N.qr.address`, `…qr.invoice`, …
    pub key: String,
    /// "Wallet address", "Lightning invoice", … (the PDF prints it in capitals).
    pub label: String,
    /// "USDC on Solana", "Solana network", …; none when neither is known.
    pub headline: Option<String>,
    /// Exactly the value encoded and printed.
    pub value: String,
    /// False when the value is too long for any QR code: then only the text is printed.
    pub has_code: bool,
    /// How to use it and which network to send on; none when Grid's notes below already say so.
    pub hint: Option<String>,
    pub network: Option<String>,
    pub asset: Option<String>,
}

/// The payment reference and the note to include it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SheetReference {
    /// `instructions.N.reference`.
    pub key: String,
    /// "REFERENCE".
    pub label: String,
    pub value: String,
    /// "Include this reference with your payment, or the funds may not be credited."
    pub note: String,
}

/// The note under every reference.
pub const REFERENCE_NOTE: &str =
    "Include this reference with your payment, or the funds may not be credited.";

/// The sheets of these accounts as both renderers print them.
pub fn build_sheets(accounts: &[AccountView], options: &SheetOptions) -> SheetDocument {
    let generated = options.generated_at.trim();
    SheetDocument {
        paper: options.paper,
        environment: options.environment,
        watermark: options.environment.watermark().map(str::to_owned),
        environment_label: options.environment.footer_label().to_owned(),
        generated: (!generated.is_empty()).then(|| format!("Generated {generated}")),
        sheets: accounts
            .iter()
            .map(|account| build_sheet(account, options))
            .collect(),
        as_of: None,
    }
}

/// One account's sheet.
pub fn build_sheet(account: &AccountView, options: &SheetOptions) -> Sheet {
    let platform = options
        .platform_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let kicker = match (platform, &account.currency_code) {
        (Some(name), _) => name.to_uppercase(),
        (None, Some(code)) => format!("{code} ACCOUNT"),
        (None, None) => "ACCOUNT".to_owned(),
    };
    let code = account.currency_code.as_deref().unwrap_or("funds");
    let intro = match account.instructions.len() {
        0 => "Grid has not published funding instructions for this account yet.".to_owned(),
        1 => format!("Send {code} to this account using the details below."),
        _ => format!("Send {code} to this account using any one of the methods below."),
    };
    let continued_title = match account.currency_code.as_deref() {
        Some(code) => format!("Deposit instructions \u{b7} {code} (continued)"),
        None => "Deposit instructions (continued)".to_owned(),
    };
    let warnings = options
        .environment
        .banner()
        .map(|(tag, text)| SheetWarning {
            key: "environment".to_owned(),
            tag: tag.to_owned(),
            text: text.to_owned(),
        })
        .into_iter()
        .collect();
    let section_title = match account.instructions.len() {
        0 => None,
        1 => Some("HOW TO PAY".to_owned()),
        _ => Some("WAYS TO PAY".to_owned()),
    };
    Sheet {
        account_id: account.id.clone(),
        bookmark: bookmark_title(account),
        kicker,
        title: "Deposit instructions".to_owned(),
        continued_title,
        intro,
        warnings,
        facts: facts(account, platform, options.include_balances),
        section_title,
        instructions: account
            .instructions
            .iter()
            .enumerate()
            .map(|(i, view)| sheet_instruction(i + 1, view))
            .collect(),
    }
}

fn field(key: &str, label: &str, value: String, monospace: bool, emphasis: bool) -> SheetField {
    SheetField {
        key: key.to_owned(),
        label: label.to_owned(),
        value,
        monospace,
        emphasis,
    }
}

/// Who the account belongs to, its id, currency, kind and status, and (when asked) balances.
fn facts(account: &AccountView, platform: Option<&str>, include_balances: bool) -> Vec<SheetField> {
    let mut facts = Vec::new();
    if account.is_platform {
        let holder = match platform {
            Some(name) => format!("Platform account \u{2013} {name}"),
            None => "Platform account".to_owned(),
        };
        facts.push(field("holder", "Account holder", holder, false, false));
    } else if let Some(customer) = &account.customer_id {
        facts.push(field(
            "customerId",
            "Customer ID",
            customer.clone(),
            true,
            false,
        ));
    }
    facts.push(field(
        "accountId",
        "Account ID",
        account.id.clone(),
        true,
        false,
    ));
    let currency = match (&account.currency_code, &account.currency_name) {
        (Some(code), Some(name)) if name != code => format!("{code} \u{2013} {name}"),
        (Some(code), _) => code.clone(),
        (None, Some(name)) => name.clone(),
        (None, None) => "Not stated".to_owned(),
    };
    facts.push(field("currency", "Currency", currency, false, false));
    facts.push(field(
        "account",
        "Account",
        format!(
            "{} \u{b7} {}",
            humanize_code(&account.account_type),
            humanize_code(&account.status)
        ),
        false,
        false,
    ));
    if include_balances {
        facts.push(field(
            "availableBalance",
            "Available balance",
            money_text(&account.balance, account),
            false,
            true,
        ));
        facts.push(field(
            "totalBalance",
            "Total balance",
            format!(
                "{} incl. pending and held",
                money_text(&account.total_balance, account)
            ),
            false,
            false,
        ));
    }
    facts
}

/// A balance as printed: the display with the currency code after it, since symbols are
/// ambiguous ("$" is also the peso's) or rare (₿); "0.5 BTC" when there is no display.
fn money_text(money: &MoneyView, account: &AccountView) -> String {
    let code = money
        .currency_code
        .as_deref()
        .or(account.currency_code.as_deref());
    let display = if money.display.trim().is_empty() {
        // The one money formatter, also without decimals ("1,000 (smallest units)").
        match money.decimals.or(account.decimals) {
            Some(decimals) => format_minor_units(money.amount, decimals),
            None => format!("{} (smallest units)", format_minor_units(money.amount, 0)),
        }
    } else {
        money.display.clone()
    };
    match code {
        Some(code) if !display.contains(code) => format!("{display} {code}"),
        _ => display,
    }
}

/// "INTERNAL_FIAT" → "Internal fiat".
fn humanize_code(code: &str) -> String {
    let lower = code.to_lowercase().replace('_', " ");
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn bookmark_title(account: &AccountView) -> String {
    let owner = if account.is_platform {
        "Platform".to_owned()
    } else {
        account
            .customer_id
            .clone()
            .unwrap_or_else(|| "Customer".to_owned())
    };
    let code = account.currency_code.as_deref().unwrap_or("");
    format!("{code} \u{b7} {owner} \u{b7} {}", account.id)
        .trim()
        .to_owned()
}

/// True when a field is shown beside one of the instruction's QR codes (the value itself, or
/// the network or asset named in its headline), so the field list does not repeat it.
fn shown_with_code(view: &InstructionView, field: &FieldView) -> bool {
    view.qr_targets.iter().any(|q| {
        q.key == field.key
            || (field.key == "network" && q.network.as_deref() == Some(&field.value))
            || (field.key == "assetType" && q.asset.as_deref() == Some(&field.value))
    })
}

fn sheet_instruction(number: usize, view: &InstructionView) -> SheetInstruction {
    let key = format!("instructions.{number}");
    let fields: Vec<SheetField> = view
        .fields
        .iter()
        .filter(|f| !shown_with_code(view, f))
        .filter(|f| !(f.emphasis && view.reference.is_some()))
        .map(|f| SheetField {
            key: format!("{key}.fields.{}", f.key),
            label: f.label.clone(),
            value: f.value.clone(),
            monospace: f.monospace,
            emphasis: false,
        })
        .collect();
    let notes = view.notes.clone();
    // With nothing else to list, the notes go beside the last QR code, which then need not
    // repeat what they say.
    let notes_with_code = fields.is_empty() && !view.qr_targets.is_empty();
    let count = view.qr_targets.len();
    let qr_codes = view
        .qr_targets
        .iter()
        .enumerate()
        .map(|(i, target)| {
            let notes_beside = notes
                .as_deref()
                .filter(|_| notes_with_code && i + 1 == count);
            sheet_qr(&key, target, notes_beside)
        })
        .collect();
    SheetInstruction {
        number,
        title: view.title.clone(),
        account_type: view.account_type.clone(),
        kind: view.kind,
        qr_codes,
        fields,
        notes: notes.map(|text| field(&format!("{key}.notes"), "Notes", text, false, false)),
        reference: view.reference.as_ref().map(|value| SheetReference {
            key: format!("{key}.reference"),
            label: "REFERENCE".to_owned(),
            value: value.clone(),
            note: REFERENCE_NOTE.to_owned(),
        }),
        key,
    }
}

fn sheet_qr(instruction_key: &str, target: &QrTarget, notes: Option<&str>) -> SheetQr {
    let has_code = fits_qr(&target.value);
    let headline = match (&target.network, &target.asset) {
        (Some(network), Some(asset)) => Some(format!("{asset} on {network}")),
        (Some(network), None) => Some(format!("{network} network")),
        (None, Some(asset)) => Some(format!("{asset} \u{b7} network not stated")),
        (None, None) => None,
    };
    // Grid's notes usually carry the same warning: when they name the network, ours would only
    // repeat it.
    let notes_name_network = match (notes, &target.network) {
        (Some(notes), Some(network)) => notes.to_lowercase().contains(&network.to_lowercase()),
        _ => false,
    };
    SheetQr {
        key: format!("{instruction_key}.qr.{}", target.key),
        label: target.label.clone(),
        headline,
        value: target.value.clone(),
        has_code,
        hint: (!(has_code && notes_name_network)).then(|| qr_hint(target, has_code)),
        network: target.network.clone(),
        asset: target.asset.clone(),
    }
}

/// Tells the payer how to use a QR code, and warns about the network where it matters.
fn qr_hint(target: &QrTarget, has_code: bool) -> String {
    let mut hint = match target.key.as_str() {
        "invoice" => "Pay this invoice from a Lightning wallet. Invoices can expire: if payment \
                      fails, ask for a new one."
            .to_owned(),
        "qrCode" => {
            "Scan with your banking app, or paste the code into PIX Copia e Cola.".to_owned()
        }
        "paymentUrl" => "Open the link, or scan the code, to pay.".to_owned(),
        _ => match (&target.asset, &target.network) {
            (Some(asset), Some(network)) => format!(
                "Send only {asset} on the {network} network to this address. Funds sent on \
                 another network may be lost."
            ),
            (None, Some(network)) => format!(
                "Send only on the {network} network to this address. Funds sent on another \
                 network may be lost."
            ),
            _ => "Check the network with the recipient before sending.".to_owned(),
        },
    };
    if !has_code {
        hint.push_str(" This value is too long for a QR code: copy it exactly as printed.");
    }
    hint
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_for_the_americas_that_use_it_a4_elsewhere() {
        for locale in [
            "en-US",
            "en_US.UTF-8",
            "en-CA",
            "fr-CA",
            "es-MX",
            "en-PH",
            "es-CL",
            "es-CO",
            "es-VE",
            "es_PR",
            "zh-Hant-US",
        ] {
            assert_eq!(paper_for_locale(locale), Paper::Letter, "{locale}");
        }
        for locale in [
            "en-GB",
            "de-DE",
            "fr",
            "pt-BR",
            "es-419",
            "es-ES",
            "C",
            "",
            "ja_JP.UTF-8",
            "en",
        ] {
            assert_eq!(paper_for_locale(locale), Paper::A4, "{locale}");
        }
    }

    #[test]
    fn options_come_from_the_ui_as_camel_case_json() {
        let options: SheetOptions = serde_json::from_str(
            r#"{"paper":"letter","environment":"sandbox","includeBalances":true,"generatedAt":"now"}"#,
        )
        .expect("options");
        assert_eq!(options.paper, Paper::Letter);
        assert_eq!(options.environment, SheetEnvironment::Sandbox);
        assert!(options.include_balances);
        assert_eq!(options.platform_name, None);
    }

    fn usd_and_spark() -> AccountView {
        let account: grid_client::models::InternalAccount = serde_json::from_value(serde_json::json!({
            "id": "InternalAccount:1", "customerId": "Customer:9", "type": "INTERNAL_FIAT", "status": "ACTIVE",
            "balance": {"amount": 125050, "currency": {"code": "USD", "name": "United States Dollar", "symbol": "$", "decimals": 2}},
            "totalBalance": {"amount": 130050, "currency": {"code": "USD", "name": "United States Dollar", "symbol": "$", "decimals": 2}},
            "fundingPaymentInstructions": [
                {"instructionsNotes": "Include the reference code in your ACH transfer memo",
                 "accountOrWalletInfo": {"accountType": "USD_ACCOUNT", "reference": "FUND-ABC123",
                    "accountNumber": "9876543210", "routingNumber": "021000021", "bankName": "JP Morgan Chase"}},
                {"instructionsNotes": "Send BTC on Spark only.",
                 "accountOrWalletInfo": {"accountType": "SPARK_WALLET", "address": "spark1abc", "assetType": "BTC", "invoice": "lnbc1xyz"}}
            ],
            "createdAt": "2025-10-03T12:00:00Z", "updatedAt": "2025-10-03T12:00:00Z"
        }))
        .expect("account");
        crate::account_view(&account)
    }

    #[test]
    fn an_as_of_time_is_a_warning_on_every_sheet() {
        let options = SheetOptions {
            environment: SheetEnvironment::Sandbox,
            ..SheetOptions::default()
        };
        let plain = build_sheets(&[usd_and_spark(), usd_and_spark()], &options);
        assert_eq!(plain.as_of, None);
        let marked = plain.clone().with_as_of("2026-12-02 10:42 UTC");
        assert_eq!(marked.as_of.as_deref(), Some("2026-12-02 10:42 UTC"));
        for (before, after) in plain.sheets.iter().zip(&marked.sheets) {
            assert_eq!(after.warnings.len(), before.warnings.len() + 1);
            let last = after.warnings.last().expect("warning");
            assert_eq!(last.key, AS_OF_WARNING_KEY);
            assert!(
                last.text.contains("as of 2026-12-02 10:42 UTC"),
                "{}",
                last.text
            );
        }
    }

    #[test]
    fn the_model_holds_every_printed_item_in_order_with_stable_keys() {
        let options = SheetOptions {
            environment: SheetEnvironment::Sandbox,
            include_balances: true,
            generated_at: "5 Jan 2026, 14:03 UTC".into(),
            ..SheetOptions::default()
        };
        let document = build_sheets(&[usd_and_spark()], &options);
        assert_eq!(document.watermark.as_deref(), Some("SANDBOX"));
        assert_eq!(
            document.generated.as_deref(),
            Some("Generated 5 Jan 2026, 14:03 UTC")
        );
        let sheet = &document.sheets[0];
        assert_eq!(sheet.kicker, "USD ACCOUNT");
        assert_eq!(sheet.warnings[0].tag, "SANDBOX");
        let facts: Vec<(&str, &str)> = sheet
            .facts
            .iter()
            .map(|f| (f.key.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(
            facts,
            [
                ("customerId", "Customer:9"),
                ("accountId", "InternalAccount:1"),
                ("currency", "USD \u{2013} United States Dollar"),
                ("account", "Internal fiat \u{b7} Active"),
                ("availableBalance", "$1,250.50 USD"),
                ("totalBalance", "$1,300.50 USD incl. pending and held"),
            ]
        );
        let bank = &sheet.instructions[0];
        let keys: Vec<&str> = bank.fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "instructions.1.fields.bankName",
                "instructions.1.fields.accountNumber",
                "instructions.1.fields.routingNumber"
            ],
            "the reference is not repeated among the fields"
        );
        assert_eq!(
            bank.reference.as_ref().map(|r| r.value.as_str()),
            Some("FUND-ABC123")
        );
        let spark = &sheet.instructions[1];
        assert!(
            spark.fields.is_empty(),
            "network and asset are in the headline"
        );
        let codes: Vec<(&str, Option<&str>, bool)> = spark
            .qr_codes
            .iter()
            .map(|q| (q.key.as_str(), q.headline.as_deref(), q.hint.is_some()))
            .collect();
        assert_eq!(
            codes,
            [
                ("instructions.2.qr.address", Some("BTC on Spark"), true),
                ("instructions.2.qr.invoice", Some("BTC on Lightning"), true),
            ]
        );
        let json = serde_json::to_value(&document).expect("serialises");
        assert_eq!(
            json["sheets"][0]["instructions"][1]["qrCodes"][0]["value"],
            "spark1abc"
        );
        assert_eq!(
            json["environmentLabel"],
            "SANDBOX \u{2013} test environment"
        );
        let back: SheetDocument = serde_json::from_value(json).expect("deserialises");
        assert_eq!(back, document, "the model round-trips through its JSON");
    }
}
