//! Amounts in the person's own number format (issue 10 item 10): German "1.000,50", French
//! "1 000,50", American "1,000.50" — formatted by the one formatter and parsed back exactly;
//! another locale's separators are refused, never guessed; an amount whose meaning depends on
//! the locale is recognised so the window can confirm it.

use grid_client::models::Currency;
use grid_client::money::{
    depends_on_locale, format_minor_units_in, format_with_currency_in, parse_fund_amount_in,
    AmountError, NumberFormat, MAX_FUND_AMOUNT,
};
use proptest::prelude::*;

fn eur() -> Currency {
    Currency {
        code: Some("EUR".into()),
        name: None,
        symbol: Some("€".into()),
        decimals: Some(2),
    }
}

const FORMATS: [NumberFormat; 4] = [
    NumberFormat::EN,
    NumberFormat::DOT_COMMA,
    NumberFormat::SPACE_COMMA,
    NumberFormat::SWISS,
];

#[test]
fn each_locale_gets_its_own_separators() {
    let cases = [
        ("de-DE", "1.000,50"),
        ("de_DE.UTF-8", "1.000,50"),
        ("fr-FR", "1\u{202F}000,50"),
        ("en-US", "1,000.50"),
        ("en-GB", "1,000.50"),
        ("de-CH", "1\u{2019}000.50"),
        ("es-ES", "1.000,50"),
        ("sv-SE", "1\u{202F}000,50"),
        ("ja-JP", "1,000.50"),
        ("", "1,000.50"),
        ("C", "1,000.50"),
    ];
    for (locale, expected) in cases {
        let format = NumberFormat::for_locale(locale);
        assert_eq!(
            format_minor_units_in(100_050, 2, format),
            expected,
            "{locale}"
        );
    }
    assert_eq!(
        format_with_currency_in(100_050, &eur(), NumberFormat::for_locale("de-DE")),
        "€1.000,50"
    );
}

#[test]
fn what_a_person_types_in_their_locale_is_read_exactly() {
    let de = NumberFormat::for_locale("de-DE");
    let fr = NumberFormat::for_locale("fr-FR");
    let en = NumberFormat::for_locale("en-US");
    for (text, format, minor) in [
        ("1.000,50", de, 100_050),
        ("1000,5", de, 100_050),
        ("1.000", de, 100_000),
        ("1,5", de, 150),
        ("1 000,50", fr, 100_050),
        ("1\u{A0}000,50", fr, 100_050),
        ("1\u{202F}000,50", fr, 100_050),
        ("1,000.50", en, 100_050),
        ("1,000", en, 100_000),
        ("1.000", en, 100),
    ] {
        assert_eq!(
            parse_fund_amount_in(text, &eur(), format),
            Ok(minor),
            "{text:?} in {format:?}"
        );
    }
    // Another locale's separators are refused, never guessed.
    for (text, format) in [("1,000.50", de), ("1.000,50", en), ("1.000,50", fr)] {
        let err = parse_fund_amount_in(text, &eur(), format).expect_err(text);
        assert!(
            matches!(
                err,
                AmountError::NotANumber(_) | AmountError::BadGrouping(_)
            ),
            "{text}: {err:?}"
        );
    }
    // Every "too large" names the limit the same way, with its currency (before, an amount too
    // long to convert said "1,000,000,000.00" and one merely over the limit "$1,000,000,000.00").
    let over = parse_fund_amount_in("2,000,000,000", &eur(), en).expect_err("over the limit");
    let huge = parse_fund_amount_in(&"9".repeat(40), &eur(), en).expect_err("far over");
    assert_eq!(over, huge);
    assert_eq!(
        over.to_string(),
        "The amount is too large: at most €1,000,000,000.00 can be added at once."
    );
    // The limit is named by the same formatter, with the currency.
    assert_eq!(
        parse_fund_amount_in("99.999.999.999", &eur(), de),
        Err(AmountError::TooLarge {
            max: "€1.000.000.000,00".into()
        })
    );
}

#[test]
fn amounts_whose_meaning_depends_on_the_locale_are_recognised() {
    for text in ["1.000", "1,000", "12.500", " 100,000 "] {
        assert!(depends_on_locale(text), "{text}");
    }
    for text in [
        "1.000,50",
        "1,000.50",
        "1000",
        "1.5",
        "1,50",
        "1.0000",
        "1.000.000",
        "",
    ] {
        assert!(!depends_on_locale(text), "{text}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    /// Every allowed amount survives format → parse exactly in every format, grouped or not.
    #[test]
    fn every_amount_round_trips_in_every_format(
        amount in 1_i64..=MAX_FUND_AMOUNT,
        decimals in 0_u32..=8,
        which in 0_usize..4,
    ) {
        let format = FORMATS[which];
        let currency = Currency { decimals: Some(decimals), ..eur() };
        let shown = format_minor_units_in(amount, decimals, format);
        prop_assert_eq!(parse_fund_amount_in(&shown, &currency, format), Ok(amount));
        let plain: String = shown.chars().filter(|c| *c != format.group).collect();
        prop_assert_eq!(parse_fund_amount_in(&plain, &currency, format), Ok(amount));
    }

    /// Any text in any format: no panic; an accepted amount is in range.
    #[test]
    fn arbitrary_text_is_safe_in_every_format(text in any::<String>(), which in 0_usize..4) {
        match parse_fund_amount_in(&text, &eur(), FORMATS[which]) {
            Ok(amount) => prop_assert!(amount > 0 && amount <= MAX_FUND_AMOUNT),
            Err(err) => prop_assert!(!err.to_string().is_empty()),
        }
    }
}
