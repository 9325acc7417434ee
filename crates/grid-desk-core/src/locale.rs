//! The person's number format: read once at start from the OS locale (`sys-locale`), or from
//! `GRID_DESK_LOCALE` (tests, or a person who wants another format), and handed to the one
//! money formatter (`grid_client::money`), which every amount on screen, in errors and on
//! sheets goes through.

use grid_client::money::{self, AmountError, NumberFormat};

/// The environment variable that overrides the OS locale ("de-DE", "fr-FR", "en-US").
pub const LOCALE_ENV: &str = "GRID_DESK_LOCALE";

/// The locale to use: `GRID_DESK_LOCALE`, else the OS's, else "en-US".
pub fn locale_from_env() -> String {
    std::env::var(LOCALE_ENV)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .or_else(sys_locale::get_locale)
        .unwrap_or_else(|| "en-US".to_owned())
}

/// Sets the app's number format from [`locale_from_env`] (once per process); returns the
/// locale used.
pub fn init() -> String {
    let locale = locale_from_env();
    money::set_number_format(NumberFormat::for_locale(&locale));
    tracing::info!("number format from locale {locale:?}");
    locale
}

/// What the separators are, in words, for an error about a typed amount.
fn separators(format: NumberFormat) -> String {
    let name = |c: char| match c {
        ',' => "a comma",
        '.' => "a dot",
        '\u{202F}' | '\u{A0}' | ' ' => "a space",
        '\u{2019}' | '\'' => "an apostrophe",
        _ => "a separator",
    };
    format!(
        "Use digits, {} for decimals and {} between thousands, e.g. {}.",
        name(format.decimal),
        name(format.group),
        format.example()
    )
}

/// An amount error in the person's own number format (the generic texts name the English one).
pub fn amount_message(err: &AmountError, format: NumberFormat) -> String {
    match err {
        AmountError::NotANumber(text) => {
            format!("\"{text}\" is not an amount. {}", separators(format))
        }
        AmountError::BadGrouping(text) => format!(
            "\"{text}\" is ambiguous: thousands come in groups of three. {}",
            separators(format)
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_explain_the_persons_own_separators() {
        let de = NumberFormat::for_locale("de-DE");
        let text = amount_message(&AmountError::NotANumber("1,000.50".into()), de);
        assert!(
            text.contains("a comma for decimals and a dot between thousands"),
            "{text}"
        );
        assert!(text.contains("1.000,50"), "{text}");
        let en = amount_message(&AmountError::BadGrouping("1,00".into()), NumberFormat::EN);
        assert!(en.contains("e.g. 1,000.50"), "{en}");
    }
}
