//! Property tests for what people type into amount fields: whatever the text, parsing never
//! panics, never invents money, and refuses with a sentence rather than guessing.

use grid_client::models::Currency;
use grid_client::money::{format_minor_units, parse_fund_amount, AmountError, MAX_FUND_AMOUNT};
use proptest::prelude::*;

fn currency(decimals: u32) -> Currency {
    Currency {
        code: Some("TST".into()),
        name: None,
        symbol: Some("$".into()),
        decimals: Some(decimals),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Any text at all: no panic; an accepted amount is in range and formats back to itself.
    #[test]
    fn arbitrary_text_is_safe(text in any::<String>(), decimals in 0_u32..=8) {
        match parse_fund_amount(&text, &currency(decimals)) {
            Ok(amount) => {
                prop_assert!(amount > 0 && amount <= MAX_FUND_AMOUNT, "{amount}");
                let again = parse_fund_amount(&format_minor_units(amount, decimals), &currency(decimals));
                prop_assert_eq!(again, Ok(amount));
            }
            Err(err) => prop_assert!(!err.to_string().is_empty()),
        }
    }

    /// Every allowed amount survives format → parse exactly, grouped or not.
    #[test]
    fn every_amount_round_trips(amount in 1_i64..=MAX_FUND_AMOUNT, decimals in 0_u32..=8) {
        let grouped = format_minor_units(amount, decimals);
        prop_assert_eq!(parse_fund_amount(&grouped, &currency(decimals)), Ok(amount));
        let plain = grouped.replace(',', "");
        prop_assert_eq!(parse_fund_amount(&format!("  {plain}\t"), &currency(decimals)), Ok(amount));
    }

    /// More decimals than the currency has is refused, never rounded.
    #[test]
    fn extra_decimals_are_refused(whole in 0_u32..1_000_000, extra in 1_u32..=9, decimals in 0_u32..=8) {
        let text = format!("{whole}.{}{extra}", "0".repeat(decimals as usize));
        let refused = matches!(
            parse_fund_amount(&text, &currency(decimals)),
            Err(AmountError::TooManyDecimals { .. })
        );
        prop_assert!(refused, "{}", text);
    }

    /// Negative amounts, in any form, are refused as negative.
    #[test]
    fn negatives_are_refused(amount in 1_i64..=MAX_FUND_AMOUNT) {
        let text = format!("-{}", format_minor_units(amount, 2));
        prop_assert_eq!(parse_fund_amount(&text, &currency(2)), Err(AmountError::Negative));
    }

    /// Control characters and non-ASCII digits never parse.
    #[test]
    fn control_and_foreign_digits_are_refused(
        prefix in "[0-9]{0,4}",
        odd in prop::sample::select(vec!['\u{0}', '\u{7}', '\u{1b}', '\u{200b}', '٣', '३', '５', '߃']),
        suffix in "[0-9]{0,4}",
    ) {
        let text = format!("{prefix}{odd}{suffix}");
        prop_assert!(parse_fund_amount(&text, &currency(2)).is_err(), "{:?}", text);
    }
}

#[test]
fn spaces_inside_a_number_are_refused() {
    for text in ["1\u{a0}000", "1 000", "1\t000"] {
        assert!(parse_fund_amount(text, &currency(2)).is_err(), "{text:?}");
    }
}

#[test]
fn other_locales_separators_are_explained_not_guessed() {
    for text in ["1.000,50", "1 000,50", "1'000.50", "1,5", "12,34"] {
        let err = parse_fund_amount(text, &currency(2)).expect_err(text);
        assert!(
            matches!(
                err,
                AmountError::BadGrouping(_) | AmountError::NotANumber(_)
            ),
            "{text}: {err:?}"
        );
    }
}

#[test]
fn very_long_and_hostile_strings_are_refused_quickly() {
    let long = "9".repeat(100_000);
    assert!(matches!(
        parse_fund_amount(&long, &currency(2)),
        Err(AmountError::TooLarge { .. })
    ));
    let zeros = format!("0.{}1", "0".repeat(10_000));
    assert!(parse_fund_amount(&zeros, &currency(2)).is_err());
    let script = "<script>alert(1)</script>";
    assert_eq!(
        parse_fund_amount(script, &currency(2)),
        Err(AmountError::NotANumber(script.into()))
    );
    assert_eq!(
        parse_fund_amount("NaN", &currency(2)),
        Err(AmountError::NotANumber("NaN".into()))
    );
    assert_eq!(
        parse_fund_amount("Infinity", &currency(2)),
        Err(AmountError::NotANumber("Infinity".into()))
    );
    assert_eq!(
        parse_fund_amount("1e3", &currency(2)),
        Err(AmountError::Exponent)
    );
}
