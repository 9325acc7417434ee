//! Money: integers in the currency's smallest unit on the wire, exact decimal text for people.
//!
//! Never a float: conversion goes through `rust_decimal`, and parsing refuses anything it
//! cannot represent exactly in the currency's `decimals`.

use std::str::FromStr;

use rust_decimal::Decimal;

use serde_json::Value;

use crate::models::{Currency, CurrencyAmount, MinorUnits};

/// The largest amount `POST /sandbox/internal-accounts/{id}/fund` accepts, in smallest units.
pub const MAX_FUND_AMOUNT: i64 = 100_000_000_000;

/// Why a typed amount was refused, in words for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("Enter an amount.")]
    Empty,
    #[error("\"{0}\" is not an amount. Use digits, an optional dot for decimals and commas for thousands, e.g. 1,000.50.")]
    NotANumber(String),
    #[error("Write the amount in full digits; exponents such as \"1e5\" are not accepted.")]
    Exponent,
    #[error("The amount must be positive.")]
    Negative,
    #[error("The amount must be more than zero.")]
    Zero,
    #[error("{}", too_many_decimals(.code, *.decimals, .text))]
    TooManyDecimals {
        text: String,
        code: String,
        decimals: u32,
    },
    #[error("Commas separate thousands (1,000.50); use a dot for decimals. \"{0}\" is ambiguous.")]
    BadGrouping(String),
    #[error("The amount is too large: at most {max} can be added at once.")]
    TooLarge { max: String },
    #[error("This currency does not say how many decimal places it has, so amounts cannot be converted safely.")]
    UnknownDecimals,
    #[error("This currency claims {decimals} decimal places; at most {MAX_DECIMALS} can be converted exactly, so amounts are not accepted for it.")]
    UnsupportedDecimals { decimals: u32 },
}

/// The most decimal places an amount can have: 10^18 is the largest power of ten an `i64`
/// holds, so more would scale wrongly (or overflow) instead of converting exactly. One rule for
/// both directions: typed amounts are refused above it ([`AmountError::UnsupportedDecimals`])
/// and Grid's amounts are not shown scaled by more ([`AmountUnavailable::UnsupportedDecimals`]).
pub const MAX_DECIMALS: u32 = 18;

/// The largest balance Grid Desk shows, in smallest units, either side of zero: 2^53 − 1, the
/// largest whole number the window's JavaScript holds exactly (views carry the amount as a
/// JSON number). Far beyond any real balance — $90 trillion in cents, 90 million BTC in
/// satoshis — so a larger one is absurd data, shown as unavailable rather than rounded.
///
/// A negative balance within it is shown, with its sign: it is exact, and an overdrawn account
/// (a returned deposit already spent) is exactly what a finance person must see.
pub const MAX_SHOWN_AMOUNT: i64 = 9_007_199_254_740_991;

/// Why an amount Grid sent cannot be shown. The account still decodes and renders; this is the
/// reason people see in place of the amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountUnavailable {
    #[error("Grid sent the amount as {raw}, not as a whole number of the currency's smallest unit, so it cannot be shown exactly.")]
    NotWhole { raw: String },
    #[error(
        "Grid sent {raw} smallest units, beyond the {} that Grid Desk shows exactly.",
        format_minor_units(MAX_SHOWN_AMOUNT, 0)
    )]
    TooLarge { raw: String },
    #[error("This currency claims {decimals} decimal places; at most {MAX_DECIMALS} can be shown exactly.")]
    UnsupportedDecimals { decimals: u32 },
}

/// The exact amount in smallest units, when Grid sent one that can be shown: a whole number,
/// at most [`MAX_SHOWN_AMOUNT`] either side of zero, in a currency with at most
/// [`MAX_DECIMALS`] decimal places (or none stated: then it is shown in smallest units).
pub fn checked_amount(amount: &CurrencyAmount) -> Result<i64, AmountUnavailable> {
    let exact = match &amount.amount {
        MinorUnits::Exact(exact) => *exact,
        MinorUnits::NotExact(raw) => return Err(not_exact(raw)),
    };
    if let Some(decimals) = amount.currency.decimals.filter(|d| *d > MAX_DECIMALS) {
        return Err(AmountUnavailable::UnsupportedDecimals { decimals });
    }
    if exact.unsigned_abs() > MAX_SHOWN_AMOUNT.unsigned_abs() {
        return Err(AmountUnavailable::TooLarge {
            raw: format_minor_units(exact, 0),
        });
    }
    Ok(exact)
}

/// A whole number beyond `i64` (serde_json keeps it as `u64`, or as a float past `u64`) is too
/// large; anything else (a fraction, text, null) is not a whole number.
fn not_exact(raw: &Value) -> AmountUnavailable {
    // Every float of this magnitude is whole; smaller ones may be fractions.
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    let text = raw_excerpt(raw);
    match raw {
        Value::Number(n) if n.is_u64() || n.as_f64().is_some_and(|f| f.abs() >= TWO_POW_63) => {
            AmountUnavailable::TooLarge { raw: text }
        }
        _ => AmountUnavailable::NotWhole { raw: text },
    }
}

/// A raw JSON value short enough for a sentence.
fn raw_excerpt(raw: &Value) -> String {
    crate::ellipsize(&raw.to_string(), 40)
}

/// "USD amounts have at most 2 decimal places; "1.005" has more." and, for currencies without
/// decimals, "JPY amounts are whole numbers; "10.5" has decimals."
fn too_many_decimals(code: &str, decimals: u32, text: &str) -> String {
    match decimals {
        0 => format!("{code} amounts are whole numbers; \"{text}\" has decimals."),
        1 => format!("{code} amounts have at most 1 decimal place; \"{text}\" has more."),
        n => format!("{code} amounts have at most {n} decimal places; \"{text}\" has more."),
    }
}

/// Parses what a person typed ("1,000.50") into smallest units for a fund request, checking the
/// fund limits (`0 < amount <= MAX_FUND_AMOUNT`).
pub fn parse_fund_amount(text: &str, currency: &Currency) -> Result<i64, AmountError> {
    parse_fund_amount_in(text, currency, number_format())
}

/// [`parse_fund_amount`] with the separators of `format` ("1.000,50" in German).
pub fn parse_fund_amount_in(
    text: &str,
    currency: &Currency,
    format: NumberFormat,
) -> Result<i64, AmountError> {
    let decimals = currency.decimals.ok_or(AmountError::UnknownDecimals)?;
    let code = currency
        .code
        .clone()
        .unwrap_or_else(|| "This currency".to_owned());
    let canonical = canonical_amount(text, format)?;
    let minor = match parse_minor_units(&canonical, decimals, &code) {
        // One formatter for every amount a person is shown: the limit with its currency.
        Err(AmountError::TooLarge { .. }) => {
            return Err(AmountError::TooLarge {
                max: format_with_currency_in(MAX_FUND_AMOUNT, currency, format),
            })
        }
        other => other?,
    };
    if minor == 0 {
        return Err(AmountError::Zero);
    }
    if minor > MAX_FUND_AMOUNT {
        return Err(AmountError::TooLarge {
            max: format_with_currency_in(MAX_FUND_AMOUNT, currency, format),
        });
    }
    Ok(minor)
}

/// How a person writes numbers: the thousands separator and the decimal mark of their locale.
/// Every amount Grid Desk shows goes through one formatter with the app's format
/// ([`number_format`], set once at start from the OS locale by [`set_number_format`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberFormat {
    pub group: char,
    pub decimal: char,
}

impl Default for NumberFormat {
    fn default() -> Self {
        Self::EN
    }
}

impl NumberFormat {
    /// "1,000.50": English and most of Asia.
    pub const EN: Self = Self {
        group: ',',
        decimal: '.',
    };
    /// "1.000,50": German, Spanish, Italian, Dutch, Portuguese, Indonesian, Turkish, Danish…
    pub const DOT_COMMA: Self = Self {
        group: '.',
        decimal: ',',
    };
    /// "1 000,50" (a narrow no-break space): French, Nordic, Slavic languages…
    pub const SPACE_COMMA: Self = Self {
        group: '\u{202F}',
        decimal: ',',
    };
    /// "1’000.50": Swiss German, Italian and Romansh.
    pub const SWISS: Self = Self {
        group: '\u{2019}',
        decimal: '.',
    };

    /// The format of a BCP 47 / POSIX locale ("de-DE", "fr_FR.UTF-8", "en-US"); unknown
    /// locales get [`NumberFormat::EN`].
    pub fn for_locale(locale: &str) -> Self {
        let tag = locale
            .split(['.', '@'])
            .next()
            .unwrap_or("")
            .replace('_', "-")
            .to_ascii_lowercase();
        let mut parts = tag.split('-');
        let language = parts.next().unwrap_or("");
        let region = parts.find(|p| p.len() == 2).unwrap_or("");
        match (language, region) {
            ("de" | "it" | "rm", "ch" | "li") => Self::SWISS,
            ("pt", "br" | "pt" | "") | ("es", _) => Self::DOT_COMMA,
            (
                "de" | "it" | "nl" | "id" | "tr" | "da" | "el" | "ro" | "hr" | "sl" | "sr" | "vi"
                | "ca",
                _,
            ) => Self::DOT_COMMA,
            (
                "fr" | "sv" | "nb" | "nn" | "no" | "fi" | "cs" | "sk" | "pl" | "ru" | "uk" | "hu"
                | "bg" | "lt" | "lv" | "et",
                _,
            ) => Self::SPACE_COMMA,
            _ => Self::EN,
        }
    }

    /// The thousands separators this format reads: its own, and for a space any of the
    /// spaces a keyboard or a copy-paste produces.
    fn is_group(self, c: char) -> bool {
        c == self.group
            || (self.group == '\u{202F}' && matches!(c, ' ' | '\u{A0}' | '\u{202F}'))
            || (self.group == '\u{2019}' && c == '\'')
    }

    /// An example amount in this format, for hints: "1,000.50", "1.000,50".
    pub fn example(self) -> String {
        format_minor_units_in(100_050, 2, self)
    }
}

static NUMBER_FORMAT: std::sync::OnceLock<NumberFormat> = std::sync::OnceLock::new();

/// Sets the app's number format, once (at start, from the OS locale). False when it was
/// already set.
pub fn set_number_format(format: NumberFormat) -> bool {
    NUMBER_FORMAT.set(format).is_ok()
}

/// The app's number format ([`NumberFormat::EN`] until [`set_number_format`] is called).
pub fn number_format() -> NumberFormat {
    NUMBER_FORMAT.get().copied().unwrap_or_default()
}

/// What a person typed in `format`, rewritten as plain "1000.50" for the exact parser.
/// Separators of another locale are refused, never guessed.
pub fn canonical_amount(text: &str, format: NumberFormat) -> Result<String, AmountError> {
    let trimmed = text.trim();
    if format == NumberFormat::EN {
        return Ok(trimmed.to_owned());
    }
    if trimmed.is_empty() || trimmed.starts_with(['-', '\u{2212}']) || looks_like_exponent(trimmed)
    {
        // The exact parser says what is wrong.
        return Ok(trimmed.to_owned());
    }
    if !trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || c == format.decimal || format.is_group(c))
    {
        return Err(AmountError::NotANumber(trimmed.to_owned()));
    }
    let (int_part, frac) = match trimmed.split_once(format.decimal) {
        Some((i, f)) => (i, Some(f)),
        None => (trimmed, None),
    };
    if frac.is_some_and(|f| !f.chars().all(|c| c.is_ascii_digit())) {
        return Err(AmountError::NotANumber(trimmed.to_owned()));
    }
    let groups: Vec<&str> = int_part.split(|c| format.is_group(c)).collect();
    if groups.len() > 1
        && !(matches!(groups[0].len(), 1..=3) && groups[1..].iter().all(|g| g.len() == 3))
    {
        return Err(AmountError::BadGrouping(trimmed.to_owned()));
    }
    let digits = groups.concat();
    Ok(match frac {
        Some(f) => format!("{digits}.{f}"),
        None => digits,
    })
}

/// True when `text` means different amounts in different locales: one `.` or `,` followed by
/// exactly three digits ("1.000", "1,000", "12.500"): a thousand in one, one in another. Such
/// an amount is confirmed before anything is sent.
pub fn depends_on_locale(text: &str) -> bool {
    let trimmed = text.trim();
    let marks = trimmed.chars().filter(|c| matches!(c, '.' | ',')).count();
    if marks != 1 {
        return false;
    }
    let Some((before, after)) = trimmed.split_once(['.', ',']) else {
        return false;
    };
    matches!(before.len(), 1..=3)
        && before.chars().all(|c| c.is_ascii_digit())
        && after.len() == 3
        && after.chars().all(|c| c.is_ascii_digit())
}

/// Parses a non-negative display amount into smallest units exactly.
pub fn parse_minor_units(text: &str, decimals: u32, code: &str) -> Result<i64, AmountError> {
    if decimals > MAX_DECIMALS {
        return Err(AmountError::UnsupportedDecimals { decimals });
    }
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(AmountError::Empty);
    }
    if trimmed.starts_with('-') || trimmed.starts_with('\u{2212}') {
        return Err(AmountError::Negative);
    }
    if looks_like_exponent(trimmed) {
        return Err(AmountError::Exponent);
    }
    if !trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    {
        return Err(AmountError::NotANumber(trimmed.to_owned()));
    }
    let (int_part, frac_part) = match trimmed.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (trimmed, None),
    };
    if frac_part.is_some_and(|f| f.contains(['.', ','])) {
        return Err(AmountError::NotANumber(trimmed.to_owned()));
    }
    let digits = ungroup(int_part).ok_or_else(|| AmountError::BadGrouping(trimmed.to_owned()))?;
    let frac = frac_part.unwrap_or("");
    if digits.is_empty() && frac.is_empty() {
        return Err(AmountError::NotANumber(trimmed.to_owned()));
    }
    let frac_significant = frac.trim_end_matches('0');
    if frac_significant.len() > decimals as usize {
        return Err(AmountError::TooManyDecimals {
            text: trimmed.to_owned(),
            code: code.to_owned(),
            decimals,
        });
    }
    let too_large = || AmountError::TooLarge {
        max: format_minor_units(MAX_FUND_AMOUNT, decimals),
    };
    // 28 significant digits is Decimal's limit; anything that long is far over any limit.
    if digits.trim_start_matches('0').len() + decimals as usize > 27 {
        return Err(too_large());
    }
    let canonical = if frac_significant.is_empty() {
        if digits.is_empty() {
            "0".to_owned()
        } else {
            digits.clone()
        }
    } else {
        format!(
            "{}.{frac_significant}",
            if digits.is_empty() { "0" } else { &digits }
        )
    };
    let value =
        Decimal::from_str(&canonical).map_err(|_| AmountError::NotANumber(trimmed.to_owned()))?;
    let scaled = value
        .checked_mul(Decimal::from(10_i64.pow(decimals)))
        .ok_or_else(too_large)?;
    let scaled = scaled.normalize();
    if scaled.scale() != 0 {
        return Err(AmountError::TooManyDecimals {
            text: trimmed.to_owned(),
            code: code.to_owned(),
            decimals,
        });
    }
    i64::try_from(scaled.mantissa()).map_err(|_| too_large())
}

/// "1e5", "2.5E-3": scientific notation, refused with its own explanation.
fn looks_like_exponent(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['e', 'E']) else {
        return false;
    };
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    !mantissa.is_empty()
        && mantissa
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        && !exponent.is_empty()
        && exponent.chars().all(|c| c.is_ascii_digit())
}

/// Removes thousands separators, accepting only well-formed groups of three.
fn ungroup(int_part: &str) -> Option<String> {
    if !int_part.contains(',') {
        return Some(int_part.to_owned());
    }
    let groups: Vec<&str> = int_part.split(',').collect();
    let first_ok = matches!(groups[0].len(), 1..=3);
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    (first_ok && rest_ok).then(|| groups.concat())
}

/// Formats smallest units with `decimals` places and thousands separators: 100050, 2 → "1,000.50".
/// Above [`MAX_DECIMALS`] it does not scale at all and says so: "100,050 (smallest units)".
pub fn format_minor_units(amount: i64, decimals: u32) -> String {
    format_minor_units_in(amount, decimals, number_format())
}

/// [`format_minor_units`] with the separators of `format`: 100050, 2 → "1.000,50" in German.
pub fn format_minor_units_in(amount: i64, decimals: u32, format: NumberFormat) -> String {
    if decimals > MAX_DECIMALS {
        return format!(
            "{} (smallest units)",
            format_minor_units_in(amount, 0, format)
        );
    }
    let value = Decimal::from_i128_with_scale(i128::from(amount), decimals);
    let text = value.abs().to_string();
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i.to_owned(), Some(f.to_owned())),
        None => (text, None),
    };
    let mut grouped = String::with_capacity(int_part.len() + int_part.len() / 3);
    for (i, ch) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(format.group);
        }
        grouped.push(ch);
    }
    let sign = if amount < 0 { "-" } else { "" };
    match frac_part {
        Some(frac) => format!("{sign}{grouped}{}{frac}", format.decimal),
        None => format!("{sign}{grouped}"),
    }
}

/// Currency symbols that every desktop font renders and people read without ambiguity. Others
/// (₿ has no glyph in many Linux fonts; "USDC" is a code) fall back to "1.50 CODE".
const PREFIX_SYMBOLS: &[&str] = &[
    "$", "€", "£", "¥", "₹", "₩", "₱", "₦", "₺", "₪", "₫", "₴", "₽", "R$", "MX$", "C$", "A$",
    "HK$", "S$", "NZ$", "CHF", "Fr", "kr", "zł", "R", "KSh", "GH₵", "E£", "Rp", "RM", "฿",
];

/// Formats an amount for people: "$1,000.50", "0.00100000 BTC". Without `decimals` (or with
/// more than [`MAX_DECIMALS`]) it says so instead of guessing.
pub fn format_with_currency(amount: i64, currency: &Currency) -> String {
    format_with_currency_in(amount, currency, number_format())
}

/// [`format_with_currency`] in `format`: "$1.000,50" in German.
pub fn format_with_currency_in(amount: i64, currency: &Currency, format: NumberFormat) -> String {
    let code = currency.code.as_deref().unwrap_or("");
    let Some(decimals) = currency.decimals.filter(|d| *d <= MAX_DECIMALS) else {
        return format!(
            "{} (smallest units) {code}",
            format_minor_units_in(amount, 0, format)
        )
        .trim_end()
        .to_owned();
    };
    let number = format_minor_units_in(amount, decimals, format);
    match currency.symbol.as_deref() {
        Some(symbol) if PREFIX_SYMBOLS.contains(&symbol) => {
            let spaced = symbol.chars().last().is_some_and(char::is_alphabetic);
            let sep = if spaced { " " } else { "" };
            match number.strip_prefix('-') {
                Some(rest) => format!("-{symbol}{sep}{rest}"),
                None => format!("{symbol}{sep}{number}"),
            }
        }
        _ => format!("{number} {code}").trim_end().to_owned(),
    }
}

impl CurrencyAmount {
    /// The exact amount in smallest units, or why it cannot be shown ([`checked_amount`]).
    pub fn checked(&self) -> Result<i64, AmountUnavailable> {
        checked_amount(self)
    }

    /// The amount for people, e.g. "$125.50", or why it cannot be shown.
    pub fn display(&self) -> Result<String, AmountUnavailable> {
        checked_amount(self).map(|amount| format_with_currency(amount, &self.currency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency {
            code: Some("USD".into()),
            name: Some("United States Dollar".into()),
            symbol: Some("$".into()),
            decimals: Some(2),
        }
    }

    fn btc() -> Currency {
        Currency {
            code: Some("BTC".into()),
            name: Some("Bitcoin".into()),
            symbol: Some("₿".into()),
            decimals: Some(8),
        }
    }

    #[test]
    fn parses_grouped_decimal_text_exactly() {
        assert_eq!(parse_fund_amount("1,000.50", &usd()), Ok(100_050));
        assert_eq!(parse_fund_amount(" 12 ", &usd()), Ok(1_200));
        assert_eq!(parse_fund_amount("0.01", &usd()), Ok(1));
        assert_eq!(parse_fund_amount(".5", &usd()), Ok(50));
        assert_eq!(parse_fund_amount("1.10", &usd()), Ok(110));
        assert_eq!(
            parse_fund_amount("1.500", &usd()),
            Ok(150),
            "trailing zeros are exact"
        );
        assert_eq!(parse_fund_amount("0.00000001", &btc()), Ok(1));
        assert_eq!(
            parse_fund_amount("1,000,000,000", &usd()),
            Ok(100_000_000_000)
        );
    }

    #[test]
    fn rejects_what_cannot_be_exact_or_allowed() {
        use AmountError::*;
        type Check = fn(&AmountError) -> bool;
        let cases: &[(&str, Check)] = &[
            ("", |e| *e == Empty),
            ("   ", |e| *e == Empty),
            ("-5", |e| *e == Negative),
            ("0", |e| *e == Zero),
            ("0.00", |e| *e == Zero),
            ("1.005", |e| {
                matches!(e, TooManyDecimals { decimals: 2, .. })
            }),
            ("1e5", |e| *e == Exponent),
            ("1E5", |e| *e == Exponent),
            ("NaN", |e| matches!(e, NotANumber(_))),
            ("inf", |e| matches!(e, NotANumber(_))),
            ("$5", |e| matches!(e, NotANumber(_))),
            ("1,00", |e| matches!(e, BadGrouping(_))),
            ("1.2.3", |e| matches!(e, NotANumber(_))),
            (".", |e| matches!(e, NotANumber(_))),
            ("1,000,000,000.01", |e| matches!(e, TooLarge { .. })),
            ("99999999999999999999999999999999", |e| {
                matches!(e, TooLarge { .. })
            }),
        ];
        for (text, check) in cases {
            let result = parse_fund_amount(text, &usd());
            match result {
                Err(ref e) if check(e) => {}
                other => panic!("{text:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn error_messages_read_like_sentences() {
        let err = parse_fund_amount("1.005", &usd()).expect_err("too precise");
        assert_eq!(
            err.to_string(),
            "USD amounts have at most 2 decimal places; \"1.005\" has more."
        );
        let jpy = Currency {
            code: Some("JPY".into()),
            name: Some("Japanese Yen".into()),
            symbol: Some("¥".into()),
            decimals: Some(0),
        };
        let err = parse_fund_amount("10.5", &jpy).expect_err("no decimals");
        assert_eq!(
            err.to_string(),
            "JPY amounts are whole numbers; \"10.5\" has decimals."
        );
        let err = parse_fund_amount("2,000,000,000", &usd()).expect_err("too large");
        assert_eq!(
            err.to_string(),
            "The amount is too large: at most $1,000,000,000.00 can be added at once."
        );
    }

    #[test]
    fn decimals_beyond_what_an_i64_can_scale_are_refused() {
        // 18 decimals is the most that still converts exactly (10^18 fits an i64).
        assert_eq!(
            parse_minor_units("1", MAX_DECIMALS, "WEI"),
            Ok(1_000_000_000_000_000_000)
        );
        assert_eq!(
            parse_minor_units("0.000000000000000001", MAX_DECIMALS, "WEI"),
            Ok(1)
        );
        // Before the bound, 19 decimals silently scaled by 10^18: "1" became a tenth of itself.
        for decimals in [19, 28, u32::MAX] {
            let err = parse_minor_units("1", decimals, "ODD").expect_err("refused");
            assert_eq!(err, AmountError::UnsupportedDecimals { decimals });
        }
        let odd = Currency {
            code: Some("ODD".into()),
            name: None,
            symbol: None,
            decimals: Some(19),
        };
        let err = parse_fund_amount("1", &odd).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "This currency claims 19 decimal places; at most 18 can be converted exactly, so amounts are not accepted for it."
        );
    }

    #[test]
    fn formats_exactly_by_decimals() {
        assert_eq!(format_minor_units(100_050, 2), "1,000.50");
        assert_eq!(format_minor_units(5, 2), "0.05");
        assert_eq!(format_minor_units(-12_345_678, 2), "-123,456.78");
        assert_eq!(format_minor_units(100_000, 8), "0.00100000");
        assert_eq!(format_minor_units(1_000, 0), "1,000");
        assert_eq!(format_minor_units(i64::MAX, 2), "92,233,720,368,547,758.07");
        assert_eq!(format_with_currency(12_550, &usd()), "$125.50");
        assert_eq!(format_with_currency(-12_550, &usd()), "-$125.50");
        assert_eq!(
            format_with_currency(100_000, &btc()),
            "0.00100000 BTC",
            "₿ lacks a glyph in common Linux fonts"
        );
        let brl = Currency {
            code: Some("BRL".into()),
            symbol: Some("R$".into()),
            decimals: Some(2),
            name: None,
        };
        assert_eq!(format_with_currency(123_456, &brl), "R$1,234.56");
        let chf = Currency {
            code: Some("CHF".into()),
            symbol: Some("CHF".into()),
            decimals: Some(2),
            name: None,
        };
        assert_eq!(format_with_currency(500, &chf), "CHF 5.00");
        let no_decimals = Currency {
            decimals: None,
            ..usd()
        };
        assert_eq!(
            format_with_currency(42, &no_decimals),
            "42 (smallest units) USD"
        );
        let usdc = Currency {
            code: Some("USDC".into()),
            symbol: Some("USDC".into()),
            decimals: Some(6),
            name: None,
        };
        assert_eq!(format_with_currency(1_500_000, &usdc), "1.500000 USDC");
    }

    fn balance(amount: serde_json::Value, currency: Currency) -> CurrencyAmount {
        CurrencyAmount {
            amount: serde_json::from_value(amount).expect("any JSON value is an amount"),
            currency,
        }
    }

    #[test]
    fn amounts_grid_sends_are_shown_exactly_or_refused_with_a_reason() {
        use serde_json::json;
        let ok = balance(json!(12_550), usd());
        assert_eq!(ok.display(), Ok("$125.50".to_owned()));
        assert_eq!(ok.checked(), Ok(12_550));
        assert_eq!(
            balance(json!(MAX_SHOWN_AMOUNT), usd()).display(),
            Ok("$90,071,992,547,409.91".to_owned()),
            "the largest shown amount is still exact"
        );
        assert_eq!(balance(json!(0), usd()).display(), Ok("$0.00".to_owned()));
        assert_eq!(
            balance(json!(-500), usd()).display(),
            Ok("-$5.00".to_owned()),
            "an overdrawn account is shown as such"
        );

        type Check = fn(&AmountUnavailable) -> bool;
        let cases: &[(serde_json::Value, Check, &str)] = &[
            (
                json!(9_223_372_036_854_775_808_u64),
                |e| matches!(e, AmountUnavailable::TooLarge { .. }),
                "Grid sent 9223372036854775808 smallest units, beyond the 9,007,199,254,740,991 that Grid Desk shows exactly.",
            ),
            (
                json!(1e30),
                |e| matches!(e, AmountUnavailable::TooLarge { .. }),
                "Grid sent 1e+30 smallest units, beyond the 9,007,199,254,740,991 that Grid Desk shows exactly.",
            ),
            (
                json!(MAX_SHOWN_AMOUNT + 1),
                |e| matches!(e, AmountUnavailable::TooLarge { .. }),
                "Grid sent 9,007,199,254,740,992 smallest units, beyond the 9,007,199,254,740,991 that Grid Desk shows exactly.",
            ),
            (
                json!(-MAX_SHOWN_AMOUNT - 1),
                |e| matches!(e, AmountUnavailable::TooLarge { .. }),
                "Grid sent -9,007,199,254,740,992 smallest units, beyond the 9,007,199,254,740,991 that Grid Desk shows exactly.",
            ),
            (
                json!(i64::MIN),
                |e| matches!(e, AmountUnavailable::TooLarge { .. }),
                "Grid sent -9,223,372,036,854,775,808 smallest units, beyond the 9,007,199,254,740,991 that Grid Desk shows exactly.",
            ),
            (
                json!(12.5),
                |e| matches!(e, AmountUnavailable::NotWhole { .. }),
                "Grid sent the amount as 12.5, not as a whole number of the currency's smallest unit, so it cannot be shown exactly.",
            ),
            (
                json!(100.0),
                |e| matches!(e, AmountUnavailable::NotWhole { .. }),
                "Grid sent the amount as 100.0, not as a whole number of the currency's smallest unit, so it cannot be shown exactly.",
            ),
            (
                json!("12550"),
                |e| matches!(e, AmountUnavailable::NotWhole { .. }),
                "Grid sent the amount as \"12550\", not as a whole number of the currency's smallest unit, so it cannot be shown exactly.",
            ),
        ];
        for (raw, check, message) in cases {
            let err = balance(raw.clone(), usd())
                .display()
                .expect_err("not shown");
            assert!(check(&err), "{raw}: {err:?}");
            assert_eq!(err.to_string(), *message, "{raw}");
        }

        let long = balance(json!("9".repeat(5_000)), usd())
            .display()
            .expect_err("text");
        assert!(
            long.to_string().chars().count() < 200,
            "a long raw value is cut for the sentence: {long}"
        );

        // One rule for decimals: what cannot be typed cannot be shown either.
        let odd = Currency {
            decimals: Some(MAX_DECIMALS + 1),
            ..usd()
        };
        let err = balance(json!(1), odd.clone())
            .display()
            .expect_err("decimals");
        assert_eq!(
            err,
            AmountUnavailable::UnsupportedDecimals {
                decimals: MAX_DECIMALS + 1
            }
        );
        assert_eq!(
            err.to_string(),
            "This currency claims 19 decimal places; at most 18 can be shown exactly."
        );
        assert!(parse_fund_amount("1", &odd).is_err());
        // Before, 40 decimals were silently scaled by 28: "0.0…01" shown for what was far less.
        assert_eq!(format_minor_units(1, 40), "1 (smallest units)");
        assert_eq!(
            format_with_currency(
                1_000,
                &Currency {
                    decimals: Some(40),
                    ..usd()
                }
            ),
            "1,000 (smallest units) USD"
        );
    }

    #[test]
    fn odd_decimals_never_fail_decoding() {
        use serde_json::json;
        for (raw, decimals) in [
            (json!(2), Some(2)),
            (json!(40), Some(40)),
            (json!(-1), None),
            (json!(2.5), None),
            (json!("2"), None),
            (json!(4_294_967_296_u64), None),
            (json!(null), None),
        ] {
            let currency: Currency =
                serde_json::from_value(json!({"code": "USD", "decimals": raw}))
                    .unwrap_or_else(|e| panic!("decimals {raw} must decode: {e}"));
            assert_eq!(currency.decimals, decimals, "{raw}");
        }
    }

    #[test]
    fn parse_and_format_are_inverse() {
        for amount in [1_i64, 9, 10, 99, 100, 12_345, 100_000_000_000] {
            let text = format_minor_units(amount, 2);
            assert_eq!(parse_minor_units(&text, 2, "USD"), Ok(amount), "via {text}");
        }
    }
}
