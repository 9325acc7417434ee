//! Deposit instructions to share: the same sheet model the PDF and the print preview render
//! ([`crate::sheet`]), written as plain text and as HTML for the clipboard ("Copy all"), and as
//! a `mailto:` link whose body holds the plain text ("E-mail…").
//!
//! Nothing here decides what a sheet says: every label, value, warning and note comes from the
//! [`SheetDocument`], in its order, so a pasted e-mail reads like the printed sheet.

use std::fmt::Write as _;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::sheet::{Sheet, SheetDocument, SheetField, SheetInstruction};

/// What the e-mail draft's subject says.
pub const EMAIL_SUBJECT: &str = "Deposit instructions";

/// The longest `mailto:` link handed to the mail client. Windows' ShellExecute and several mail
/// clients (Outlook among them) cut or refuse links beyond about 2,000 characters; staying under
/// that keeps the draft whole wherever it opens.
pub const MAX_MAILTO_CHARS: usize = 2_000;

/// Said at the end of a body that had to be shortened to fit [`MAX_MAILTO_CHARS`].
pub const TRUNCATED_NOTE: &str =
    "[Shortened to fit an e-mail link: the complete instructions are in the attached PDF.]";

/// RFC 3986 unreserved characters stay as they are; everything else in a `mailto:` header
/// value is percent-encoded (RFC 6068), spaces as `%20` and line breaks as `%0D%0A`.
const MAILTO_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// "Label: value" lines, indented.
fn field_line(out: &mut String, indent: &str, field: &SheetField) {
    let _ = writeln!(out, "{indent}{}: {}", field.label, field.value);
}

fn instruction_text(out: &mut String, instruction: &SheetInstruction) {
    let _ = writeln!(
        out,
        "{}. {} ({})",
        instruction.number, instruction.title, instruction.account_type
    );
    let indent = "   ";
    for qr in &instruction.qr_codes {
        match &qr.headline {
            Some(headline) => {
                let _ = writeln!(out, "{indent}{} ({headline}): {}", qr.label, qr.value);
            }
            None => {
                let _ = writeln!(out, "{indent}{}: {}", qr.label, qr.value);
            }
        }
        if let Some(hint) = &qr.hint {
            let _ = writeln!(out, "{indent}{hint}");
        }
    }
    for field in &instruction.fields {
        field_line(out, indent, field);
    }
    if let Some(notes) = &instruction.notes {
        field_line(out, indent, notes);
    }
    if let Some(reference) = &instruction.reference {
        let _ = writeln!(out, "{indent}Reference: {}", reference.value);
        let _ = writeln!(out, "{indent}{}", reference.note);
    }
}

fn sheet_text(out: &mut String, sheet: &Sheet) {
    let _ = writeln!(out, "{} \u{2013} {}", sheet.title, sheet.kicker);
    for warning in &sheet.warnings {
        let _ = writeln!(out, "{}: {}", warning.tag, warning.text);
    }
    out.push('\n');
    for fact in &sheet.facts {
        field_line(out, "", fact);
    }
    out.push('\n');
    if let Some(section) = &sheet.section_title {
        let _ = writeln!(out, "{section}");
    }
    let _ = writeln!(out, "{}", sheet.intro);
    for instruction in &sheet.instructions {
        out.push('\n');
        instruction_text(out, instruction);
    }
}

/// Every sheet of the document as plain text, sheets separated by a rule, the environment and
/// generation time at the end.
pub fn document_text(document: &SheetDocument) -> String {
    let mut out = String::new();
    for (i, sheet) in document.sheets.iter().enumerate() {
        if i > 0 {
            out.push_str("\n----------------------------------------\n\n");
        }
        sheet_text(&mut out, sheet);
    }
    out.push('\n');
    let _ = write!(out, "{}", document.environment_label);
    if let Some(generated) = &document.generated {
        let _ = write!(out, " \u{b7} {generated}");
    }
    out.push_str(" \u{b7} Grid Desk\n");
    out
}

/// `text` with `&`, `<`, `>`, `"` and `'` escaped: API text never becomes markup.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A table row; `dir="auto"` lets right-to-left values read right to left.
fn field_row(out: &mut String, field: &SheetField) {
    let value = escape_html(&field.value);
    let value = if field.monospace {
        format!("<code>{value}</code>")
    } else {
        value
    };
    let _ = write!(
        out,
        "<tr><th align=\"left\" valign=\"top\">{}</th><td dir=\"auto\">{value}</td></tr>",
        escape_html(&field.label)
    );
}

fn instruction_html(out: &mut String, instruction: &SheetInstruction) {
    let _ = write!(
        out,
        "<h3>{}. {} <small>({})</small></h3>",
        instruction.number,
        escape_html(&instruction.title),
        escape_html(&instruction.account_type)
    );
    out.push_str("<table>");
    for qr in &instruction.qr_codes {
        let label = match &qr.headline {
            Some(headline) => format!("{} ({headline})", qr.label),
            None => qr.label.clone(),
        };
        let _ = write!(
            out,
            "<tr><th align=\"left\" valign=\"top\">{}</th><td dir=\"auto\"><code>{}</code>",
            escape_html(&label),
            escape_html(&qr.value)
        );
        if let Some(hint) = &qr.hint {
            let _ = write!(out, "<br><small>{}</small>", escape_html(hint));
        }
        out.push_str("</td></tr>");
    }
    for field in &instruction.fields {
        field_row(out, field);
    }
    if let Some(notes) = &instruction.notes {
        field_row(out, notes);
    }
    if let Some(reference) = &instruction.reference {
        let _ = write!(
            out,
            "<tr><th align=\"left\" valign=\"top\">Reference</th><td dir=\"auto\"><strong><code>{}</code></strong><br><small>{}</small></td></tr>",
            escape_html(&reference.value),
            escape_html(&reference.note)
        );
    }
    out.push_str("</table>");
}

/// Every sheet of the document as an HTML fragment for the clipboard (mail clients and word
/// processors paste it as tables); every text escaped.
pub fn document_html(document: &SheetDocument) -> String {
    let mut out = String::from("<div>");
    for (i, sheet) in document.sheets.iter().enumerate() {
        if i > 0 {
            out.push_str("<hr>");
        }
        let _ = write!(
            out,
            "<p><small>{}</small></p><h2>{}</h2>",
            escape_html(&sheet.kicker),
            escape_html(&sheet.title)
        );
        for warning in &sheet.warnings {
            let _ = write!(
                out,
                "<p><strong>{}</strong>: {}</p>",
                escape_html(&warning.tag),
                escape_html(&warning.text)
            );
        }
        out.push_str("<table>");
        for fact in &sheet.facts {
            field_row(&mut out, fact);
        }
        out.push_str("</table>");
        if let Some(section) = &sheet.section_title {
            let _ = write!(out, "<h3>{}</h3>", escape_html(section));
        }
        let _ = write!(out, "<p>{}</p>", escape_html(&sheet.intro));
        for instruction in &sheet.instructions {
            instruction_html(&mut out, instruction);
        }
    }
    let _ = write!(
        out,
        "<p><small>{}",
        escape_html(&document.environment_label)
    );
    if let Some(generated) = &document.generated {
        let _ = write!(out, " \u{b7} {}", escape_html(generated));
    }
    out.push_str(" \u{b7} Grid Desk</small></p></div>");
    out
}

/// A `mailto:` link for the mail client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailto {
    pub url: String,
    /// The body had to be shortened to stay within [`MAX_MAILTO_CHARS`].
    pub truncated: bool,
}

fn encode(text: &str) -> String {
    // Line breaks in a mailto body are CRLF (RFC 6068 § 5).
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    utf8_percent_encode(&crlf, MAILTO_VALUE).to_string()
}

/// A `mailto:` link (no recipient: the person chooses one in the draft) with this subject and
/// body, at most `max_chars` long. A body that does not fit is cut at the last whole line that
/// does, and ends with [`TRUNCATED_NOTE`]; never inside a character or an escape.
pub fn mailto(subject: &str, body: &str, max_chars: usize) -> Mailto {
    let head = format!("mailto:?subject={}&body=", encode(subject));
    let full = format!("{head}{}", encode(body));
    if full.len() <= max_chars {
        return Mailto {
            url: full,
            truncated: false,
        };
    }
    let note = encode(&format!("\n\n{TRUNCATED_NOTE}"));
    let budget = max_chars.saturating_sub(head.len() + note.len());
    // Whole lines while they fit; then, if not even the first line fits, whole characters.
    let mut kept = String::new();
    let mut used = 0;
    for line in body.split_inclusive('\n') {
        let cost = encode(line).len();
        if used + cost > budget {
            break;
        }
        kept.push_str(line);
        used += cost;
    }
    if kept.is_empty() {
        for c in body.chars() {
            let cost = encode(c.encode_utf8(&mut [0; 4])).len();
            if used + cost > budget {
                break;
            }
            kept.push(c);
            used += cost;
        }
    }
    let kept = kept.trim_end();
    Mailto {
        url: format!("{head}{}{note}", encode(kept)),
        truncated: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::{build_sheets, SheetEnvironment, SheetOptions};
    use crate::view::AccountView;

    fn account() -> AccountView {
        let account: grid_client::models::InternalAccount = serde_json::from_value(serde_json::json!({
            "id": "InternalAccount:1", "customerId": "Customer:9", "type": "INTERNAL_FIAT", "status": "ACTIVE",
            "balance": {"amount": 125050, "currency": {"code": "USD", "name": "United States Dollar", "symbol": "$", "decimals": 2}},
            "totalBalance": {"amount": 130050, "currency": {"code": "USD", "name": "United States Dollar", "symbol": "$", "decimals": 2}},
            "fundingPaymentInstructions": [
                {"instructionsNotes": "Pay <b>now</b> & \"quote\" it",
                 "accountOrWalletInfo": {"accountType": "USD_ACCOUNT", "reference": "FUND-ABC123",
                    "accountNumber": "9876543210", "routingNumber": "021000021", "bankName": "Chase & Co <NY>"}},
                {"accountOrWalletInfo": {"accountType": "SPARK_WALLET", "address": "spark1abc", "assetType": "BTC"}},
                {"instructionsNotes": "\u{62d}\u{633}\u{627}\u{628} \u{628}\u{646}\u{643}\u{64a}",
                 "accountOrWalletInfo": {"accountType": "AED_ACCOUNT", "iban": "AE070331234567890123456", "paymentRails": ["BANK_TRANSFER"], "reference": "REF-AE", "accountHolderName": "\u{634}\u{631}\u{643}\u{629}"}}
            ],
            "createdAt": "2025-10-03T12:00:00Z", "updatedAt": "2025-10-03T12:00:00Z"
        }))
        .expect("account");
        crate::account_view(&account)
    }

    fn document() -> SheetDocument {
        build_sheets(
            &[account()],
            &SheetOptions {
                environment: SheetEnvironment::Sandbox,
                generated_at: "2026-12-02 08:00 UTC".into(),
                ..SheetOptions::default()
            },
        )
    }

    #[test]
    fn the_text_holds_every_item_of_the_model_in_its_order() {
        let document = document();
        let text = document_text(&document);
        let sheet = &document.sheets[0];
        let mut wanted: Vec<String> = vec![sheet.title.clone(), sheet.warnings[0].text.clone()];
        for fact in &sheet.facts {
            wanted.push(format!("{}: {}", fact.label, fact.value));
        }
        wanted.push(sheet.intro.clone());
        for instruction in &sheet.instructions {
            wanted.push(instruction.title.clone());
            for qr in &instruction.qr_codes {
                wanted.push(qr.value.clone());
            }
            for field in &instruction.fields {
                wanted.push(format!("{}: {}", field.label, field.value));
            }
            if let Some(notes) = &instruction.notes {
                wanted.push(notes.value.clone());
            }
            if let Some(reference) = &instruction.reference {
                wanted.push(format!("Reference: {}", reference.value));
                wanted.push(reference.note.clone());
            }
        }
        wanted.push("SANDBOX \u{2013} test environment".into());
        wanted.push("Generated 2026-12-02 08:00 UTC".into());
        let mut at = 0;
        for item in &wanted {
            let found = text[at..]
                .find(item.as_str())
                .unwrap_or_else(|| panic!("{item:?} missing or out of order in:\n{text}"));
            at += found + item.len();
        }
        assert!(
            text.contains("Bank: Chase & Co <NY>"),
            "text is not escaped: {text}"
        );
    }

    #[test]
    fn the_html_escapes_every_value_and_marks_direction() {
        let html = document_html(&document());
        assert!(html.contains("Chase &amp; Co &lt;NY&gt;"), "{html}");
        assert!(
            html.contains("Pay &lt;b&gt;now&lt;/b&gt; &amp; &quot;quote&quot; it"),
            "{html}"
        );
        assert!(
            !html.contains("<b>now"),
            "API text never becomes markup: {html}"
        );
        assert!(
            html.contains("<td dir=\"auto\">\u{634}\u{631}\u{643}\u{629}</td>"),
            "{html}"
        );
        assert!(
            html.contains("<strong><code>FUND-ABC123</code></strong>"),
            "{html}"
        );
        assert_eq!(
            html.matches("<table>").count(),
            html.matches("</table>").count()
        );
    }

    #[test]
    fn mailto_percent_encodes_and_keeps_short_bodies_whole() {
        let link = mailto(
            "Deposit instructions",
            "A & B = c?\nLine 2 \u{e9}+\u{634}",
            2_000,
        );
        assert!(!link.truncated);
        assert_eq!(
            link.url,
            "mailto:?subject=Deposit%20instructions&body=A%20%26%20B%20%3D%20c%3F%0D%0ALine%202%20%C3%A9%2B%D8%B4"
        );
    }

    #[test]
    fn a_long_body_is_cut_at_a_line_and_says_so() {
        let body: String = (0..400).map(|i| format!("Line {i}: caf\u{e9}\n")).collect();
        let link = mailto(EMAIL_SUBJECT, &body, MAX_MAILTO_CHARS);
        assert!(link.truncated);
        assert!(link.url.len() <= MAX_MAILTO_CHARS, "{}", link.url.len());
        assert!(
            link.url.ends_with(&encode(TRUNCATED_NOTE)),
            "the draft says it was shortened"
        );
        let body_part = link.url.split("&body=").nth(1).expect("a body");
        let decoded = percent_encoding::percent_decode_str(body_part)
            .decode_utf8()
            .expect("valid UTF-8: no escape or character was split")
            .into_owned();
        let kept = decoded.trim_end_matches(TRUNCATED_NOTE).trim_end();
        assert!(
            kept.ends_with("caf\u{e9}"),
            "cut after a whole line: {kept:?}"
        );
        assert!(body.replace('\n', "\r\n").starts_with(kept));

        let one_line = "x".repeat(5_000);
        let link = mailto(EMAIL_SUBJECT, &one_line, MAX_MAILTO_CHARS);
        assert!(link.truncated && link.url.len() <= MAX_MAILTO_CHARS);
        assert!(
            link.url.contains("xxxx"),
            "a single long line is cut by characters"
        );
    }

    #[test]
    fn the_document_text_fits_a_mailto_for_one_typical_account() {
        let text = document_text(&document());
        let link = mailto(EMAIL_SUBJECT, &text, MAX_MAILTO_CHARS * 4);
        assert!(!link.truncated);
        let body = link.url.split("&body=").nth(1).expect("body");
        let decoded = percent_encoding::percent_decode_str(body)
            .decode_utf8()
            .expect("utf-8");
        assert_eq!(decoded, text.replace('\n', "\r\n"), "the body round-trips");
    }
}
