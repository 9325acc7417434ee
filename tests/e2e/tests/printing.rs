//! Printable deposit instructions in the real window: the print dialog from "Print all platform
//! accounts", the PDF and CSV saved by Rust (to `GRID_DESK_EXPORT_DIR`, so no native dialog
//! blocks the test), the on-screen print preview with one sheet per account and its QR codes,
//! and "Print selected" from ticked cards.

use std::process::Command;

use fantoccini::Locator;
use grid_desk_e2e::{newest_file, text, tid, App, Launch, STEP};
use serde_json::json;

/// The demo's platform account ids, sorted.
async fn platform_ids(app: &App) -> Vec<String> {
    let mut ids: Vec<String> = app
        .demo
        .platform_accounts()
        .await
        .iter()
        .filter_map(|a| a["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

/// Regions printing on US Letter (as `deposit_instructions::paper_for_locale`).
fn paper_for(language: &str) -> &'static str {
    const LETTER: &[&str] = &[
        "US", "CA", "MX", "PH", "CL", "CO", "VE", "CR", "GT", "NI", "PA", "PR", "SV", "BZ", "DO",
    ];
    let region = language
        .split(['-', '_'])
        .skip(1)
        .find(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()));
    match region {
        Some(r) if LETTER.iter().any(|l| l.eq_ignore_ascii_case(r)) => "letter",
        _ => "a4",
    }
}

/// Records of an RFC 4180 CSV (quoted fields may hold line breaks).
fn csv_records(text: &str) -> usize {
    let mut records = 0;
    let mut quoted = false;
    let mut in_record = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => {
                if in_record {
                    records += 1;
                }
                in_record = false;
                continue;
            }
            '\r' if !quoted => continue,
            _ => {}
        }
        in_record = true;
    }
    records + usize::from(in_record)
}

/// The print preview's sheets: (account id, number of QR svgs).
async fn preview_sheets(app: &App) -> Vec<(String, u64)> {
    let answer = app
        .js(
            "return [...document.querySelectorAll('#print-root [data-testid=print-sheet]')].map(s =>
               [s.dataset.accountId, s.querySelectorAll('[data-testid=print-qr] svg').length]);",
            vec![],
        )
        .await;
    answer
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap_or_default().to_owned(),
                pair[1].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

async fn close_preview(app: &App) {
    app.click("preview-close").await;
    app.find("account-card").await;
}

#[tokio::test]
async fn deposit_instructions_print_and_save_as_pdf_and_csv() {
    let exports = tempfile::tempdir().expect("an export dir");
    let app = App::launch_with(
        "printing",
        Launch {
            env: vec![(
                "GRID_DESK_EXPORT_DIR".into(),
                exports.path().display().to_string(),
            )],
            ..Launch::default()
        },
    )
    .await;
    let ids = platform_ids(&app).await;
    assert!(
        ids.len() >= 2,
        "the demo has several platform accounts: {ids:?}"
    );

    // What the cards show: the wallet addresses (QR values of wallet instructions) and how many
    // instructions each account has.
    let mut wallets = Vec::new();
    let mut instructions = 0;
    let mut qr_targets = 0;
    for id in &ids {
        let card = app.card(id).await;
        let shown = card
            .find_all(Locator::Css(&tid("instruction")))
            .await
            .unwrap_or_default();
        instructions += shown.len().max(1);
        for instruction in shown {
            let kind = instruction.attr("data-kind").await.ok().flatten();
            for qr in instruction
                .find_all(Locator::Css(&tid("qr")))
                .await
                .unwrap_or_default()
            {
                qr_targets += 1;
                if kind.as_deref() == Some("wallet") {
                    wallets.push(
                        qr.attr("data-qr-value")
                            .await
                            .ok()
                            .flatten()
                            .unwrap_or_default(),
                    );
                }
            }
        }
    }
    assert!(
        !wallets.is_empty(),
        "the demo's platform accounts include a wallet"
    );

    // The dialog from "Print all platform accounts": paper from the locale, balances off.
    app.click("print-all").await;
    let dialog = app.find("print-dialog").await;
    let language = app.js("return navigator.language;", vec![]).await;
    let language = language.as_str().unwrap_or_default().to_owned();
    let paper = app
        .wait_for("the default paper", STEP, async || {
            let value = app
                .js(
                    "return document.querySelector('select[name=paper]').value;",
                    vec![],
                )
                .await;
            Ok((value == json!(paper_for(&language))).then_some(value))
        })
        .await;
    let balances = dialog
        .find(Locator::Css("input[name=includeBalances]"))
        .await
        .expect("the balances checkbox");
    assert_eq!(
        balances.prop("checked").await.ok().flatten().as_deref(),
        Some("false"),
        "balances are left off unless asked for"
    );
    eprintln!("[e2e] navigator.language {language:?} → paper {paper}");
    app.snap("print-dialog").await;

    // Save as PDF: a real PDF with every platform account and every wallet address.
    let said = app.print_dialog_action("save-pdf").await;
    assert!(
        said.starts_with("Saved the PDF"),
        "status after save-pdf: {said:?}"
    );
    let pdf = newest_file(exports.path(), "pdf");
    assert!(
        said.contains(&pdf.display().to_string()),
        "the status names the file: {said:?}"
    );
    let bytes = std::fs::read(&pdf).expect("the PDF");
    assert!(bytes.starts_with(b"%PDF-"), "{} is a PDF", pdf.display());
    let out = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs (apt-get install poppler-utils)");
    assert!(out.status.success(), "pdftotext read {}", pdf.display());
    let squeezed: String = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect();
    for id in &ids {
        assert!(squeezed.contains(id.as_str()), "the PDF names account {id}");
    }
    for address in &wallets {
        assert!(
            squeezed.contains(address.as_str()),
            "the PDF shows wallet address {address} in full (wrapped, not cut)"
        );
    }
    assert!(squeezed.contains("DEMO"), "demo sheets are marked as demo");

    // Save as CSV: one row per instruction shown on the cards, plus the header.
    let said = app.print_dialog_action("save-csv").await;
    assert!(
        said.starts_with("Saved the CSV"),
        "status after save-csv: {said:?}"
    );
    let csv = std::fs::read_to_string(newest_file(exports.path(), "csv")).expect("the CSV");
    assert_eq!(
        csv_records(&csv),
        instructions + 1,
        "a header and one row per funding instruction on the cards:\n{csv}"
    );
    assert!(
        !csv.contains("Available balance"),
        "no balance columns unless asked for"
    );

    // The print view, shown on screen: one sheet per account, every QR code drawn.
    app.open_print_preview().await;
    let sheets = preview_sheets(&app).await;
    let mut sheet_ids: Vec<String> = sheets.iter().map(|(id, _)| id.clone()).collect();
    sheet_ids.sort();
    assert_eq!(sheet_ids, ids, "one sheet per platform account");
    let svgs: u64 = sheets.iter().map(|(_, n)| n).sum();
    assert_eq!(
        svgs as usize, qr_targets,
        "every QR code of the cards is on a sheet"
    );
    let first = app.find("print-sheet").await;
    let sheet_text = text(&first).await;
    assert!(
        sheet_text.contains("Deposit instructions") && sheet_text.contains("Sheet 1 of"),
        "a sheet has its title and footer: {sheet_text:?}"
    );
    assert!(
        !sheet_text.contains("Available balance"),
        "no balances on the sheet unless asked for"
    );
    app.snap("print-preview").await;
    let qr = app.find("print-qr").await;
    app.reveal(&qr).await;
    app.snap("print-preview-qr").await;
    close_preview(&app).await;

    // Tick two cards: "Print selected (2)" prints exactly those two.
    for id in &ids[..2] {
        let card = app.card_shell(id).await;
        app.reveal(&card).await;
        let box_ = card
            .find(Locator::Css(&tid("select-account")))
            .await
            .expect("a selection box on the card");
        box_.click().await.expect("ticking a card");
    }
    let button = app.find("print-selected").await;
    assert_eq!(text(&button).await, "Print selected (2)");
    button.click().await.expect("print selected");
    app.open_print_preview().await;
    let picked: Vec<String> = preview_sheets(&app)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        picked,
        ids[..2].to_vec(),
        "exactly the ticked accounts, in the order ticked"
    );
    app.snap("print-selected-preview").await;
    close_preview(&app).await;

    app.shut_down().await;
}

/// A card's own Print button prints that account only; "Print this customer's accounts" prints
/// exactly the accounts Grid lists for the customer in the search box.
#[tokio::test]
async fn a_card_and_a_customer_print_exactly_their_accounts() {
    let app = App::launch("printing_scopes").await;
    let ids = platform_ids(&app).await;

    // One card's Print button.
    let card = app.card(&ids[1]).await;
    let print = card
        .find(Locator::Css(&tid("print")))
        .await
        .expect("the card has a print button");
    app.reveal(&print).await;
    print.click().await.expect("clicking the card's Print");
    let scope = text(&app.find("print-scope").await).await;
    assert!(
        scope.contains(&ids[1]),
        "the dialog says which account it prints: {scope:?}"
    );
    app.open_print_preview().await;
    let sheets: Vec<String> = preview_sheets(&app)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        sheets,
        vec![ids[1].clone()],
        "one sheet: the card's account"
    );
    close_preview(&app).await;

    // A customer's accounts.
    let accounts = app.demo.customer_accounts("").await;
    let customer = accounts[0]["customerId"]
        .as_str()
        .expect("a customer account has a customer id")
        .to_owned();
    let mut expected: Vec<String> = app
        .demo
        .customer_accounts(&format!("customerId={customer}"))
        .await
        .iter()
        .filter_map(|a| a["id"].as_str().map(str::to_owned))
        .collect();
    expected.sort();
    app.click("tab-customers").await;
    let search = app.find("customer-search").await;
    search
        .send_keys(&customer)
        .await
        .expect("typing the customer id");
    app.wait_for("the customer's cards", STEP, async || {
        Ok((app.shown_card_ids().await? == expected).then_some(()))
    })
    .await;
    app.click("print-customer").await;
    let scope = text(&app.find("print-scope").await).await;
    assert!(
        scope.contains(&customer),
        "the dialog names the customer: {scope:?}"
    );
    app.open_print_preview().await;
    let mut sheets: Vec<String> = preview_sheets(&app)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    sheets.sort();
    assert_eq!(
        sheets, expected,
        "one sheet per account of {customer}, no other"
    );
    app.snap("print-customer-preview").await;
    close_preview(&app).await;
    app.shut_down().await;
}
