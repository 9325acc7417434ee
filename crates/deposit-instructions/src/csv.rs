//! Funding instructions as CSV for spreadsheets: one row per instruction (an account without
//! instructions still gets one row, its instruction columns empty).
//!
//! RFC 4180: comma separated, CRLF line ends, fields with commas, quotes or line breaks quoted
//! and quotes doubled. Cells that a spreadsheet would run as a formula (starting with `=`, `+`,
//! `-`, `@`, tab or carriage return) are prefixed with `'` — the OWASP advice against CSV
//! injection, applied to every cell since all of them come from the API. The text starts with a
//! UTF-8 byte-order mark so that Excel reads accents and currency symbols correctly; other
//! spreadsheets ignore it.
//!
//! Excel, opening a CSV directly, turns digit-only cells into numbers and drops leading zeros
//! (routing number 021000021 → 21000021). CSV has no way to say "text" without a formula, which
//! the injection guard forbids, so the "Details" column repeats every value with its label
//! ("Routing number (ABA): 021000021"), where no spreadsheet touches it; importing the file
//! with the columns set to Text keeps the separate columns exact too.

use crate::view::{AccountView, InstructionView};

/// The byte-order mark that starts the CSV.
pub const CSV_BOM: char = '\u{feff}';

const COLUMNS: &[&str] = &[
    "Account ID",
    "Customer ID",
    "Account type",
    "Status",
    "Currency",
    "Instruction type",
    "Title",
    "Network",
    "Asset",
    "Notes",
    "Reference",
    "Details",
    "Address",
    "Account number",
    "Routing number",
    "IBAN",
    "SWIFT/BIC",
    "CLABE",
    "Lightning invoice",
];

/// Columns from "Instruction type" on, filled per instruction.
const INSTRUCTION_COLUMNS: usize = COLUMNS.len() - 5;

const BALANCE_COLUMNS: &[&str] = &["Available balance", "Total balance"];

/// Wire keys with a column of their own, in column order after "Details".
const VALUE_COLUMNS: &[&str] = &[
    "address",
    "accountNumber",
    "routingNumber",
    "iban",
    "swiftCode",
    "clabeNumber",
    "invoice",
];

/// The accounts' funding instructions as CSV (see the module docs for the format). Balances are
/// added as two last columns when `include_balances` is set.
pub fn render_csv(accounts: &[AccountView], include_balances: bool) -> String {
    let mut out = String::with_capacity(256 + accounts.len() * 512);
    out.push(CSV_BOM);
    let mut header: Vec<&str> = COLUMNS.to_vec();
    if include_balances {
        header.extend_from_slice(BALANCE_COLUMNS);
    }
    push_row(&mut out, header.iter().copied());

    for account in accounts {
        let account_cells = [
            account.id.as_str(),
            account.customer_id.as_deref().unwrap_or("platform"),
            account.account_type.as_str(),
            account.status.as_str(),
            account.currency_code.as_deref().unwrap_or(""),
        ];
        let balances = [
            account.balance.display.as_str(),
            account.total_balance.display.as_str(),
        ];
        let balance_cells = if include_balances { &balances[..] } else { &[] };
        if account.instructions.is_empty() {
            let empty = [""; INSTRUCTION_COLUMNS];
            push_row(
                &mut out,
                account_cells
                    .iter()
                    .chain(empty.iter())
                    .chain(balance_cells.iter())
                    .copied(),
            );
            continue;
        }
        for instruction in &account.instructions {
            let cells = instruction_cells(instruction);
            push_row(
                &mut out,
                account_cells
                    .iter()
                    .copied()
                    .chain(cells.iter().map(String::as_str))
                    .chain(balance_cells.iter().copied()),
            );
        }
    }
    out
}

/// The instruction columns, from "Instruction type" to "Lightning invoice".
fn instruction_cells(view: &InstructionView) -> Vec<String> {
    let field = |key: &str| {
        view.fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.value.clone())
            .unwrap_or_default()
    };
    let details = view
        .fields
        .iter()
        .map(|f| format!("{}: {}", f.label, f.value))
        .collect::<Vec<_>>()
        .join("; ");
    let mut cells = vec![
        view.account_type.clone(),
        view.title.clone(),
        view.network.clone().unwrap_or_default(),
        field("assetType"),
        view.notes.clone().unwrap_or_default(),
        view.reference.clone().unwrap_or_default(),
        details,
    ];
    cells.extend(VALUE_COLUMNS.iter().map(|key| field(key)));
    cells
}

/// Appends one CSV row (RFC 4180 quoting, formula starts defused, CRLF): the writer every
/// CSV of Grid Desk uses, also for the balance report of the accounts table.
pub fn push_row<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, cell);
    }
    out.push_str("\r\n");
}

fn push_cell(out: &mut String, value: &str) {
    let guard = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = value.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if guard {
        out.push('\'');
    }
    if quote {
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(value: &str) -> String {
        let mut out = String::new();
        push_cell(&mut out, value);
        out
    }

    #[test]
    fn quotes_only_what_needs_quoting() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn formula_starts_are_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(
            cell("a=b"),
            "a=b",
            "only a leading character triggers a formula"
        );
    }

    #[test]
    fn header_has_one_column_per_name() {
        let csv = render_csv(&[], true);
        let header = csv.trim_start_matches(CSV_BOM).trim_end();
        assert_eq!(
            header.split(',').count(),
            COLUMNS.len() + BALANCE_COLUMNS.len()
        );
        let view = crate::view::instruction_view_from_map(&serde_json::Map::new(), None, false);
        assert_eq!(instruction_cells(&view).len(), INSTRUCTION_COLUMNS);
    }
}
