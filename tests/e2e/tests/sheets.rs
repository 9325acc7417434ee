//! The deposit sheets in the real window: the print preview renders the sheet model Rust builds
//! (the same model the PDF renders), so the preview and the saved PDF show the same items in the
//! same order; every script prints in the preview and right-to-left values read right to left;
//! "Copy all" puts the complete instructions on the clipboard (text and HTML); "E-mail…" saves
//! the PDF, says where, and hands a `mailto:` draft to the system's opener (a recording
//! `xdg-open` placed first on the app's PATH); those two on the demo and on a sandbox connection.

use std::path::Path;
use std::process::{Command, Stdio};

use fantoccini::Locator;
use grid_desk_e2e::{clipboard, newest_file, text_content, tid, App, Grid, Launch, STEP};
use serde_json::{json, Value};

fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `pdftotext -raw -nodiag` (content order, without the diagonal watermark), UTF-8.
fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-raw", "-nodiag", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs (apt-get install poppler-utils)");
    assert!(out.status.success(), "pdftotext read {}", pdf.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The preview's items in DOM order: (account id, key, text) of every `[data-key]`.
async fn preview_items(app: &App) -> Vec<(String, String, String)> {
    let answer = app
        .js(
            "return [...document.querySelectorAll('#print-root [data-testid=print-sheet] [data-key]')]
               .map(e => [e.closest('[data-testid=print-sheet]').dataset.accountId, e.dataset.key, e.textContent]);",
            vec![],
        )
        .await;
    answer
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|t| {
            let s = |i: usize| t[i].as_str().unwrap_or_default().to_owned();
            (s(0), s(1), s(2))
        })
        .collect()
}

#[tokio::test]
async fn sheet_preview_and_pdf_show_the_same_items_in_the_same_order() {
    let exports = tempfile::tempdir().expect("an export dir");
    let app = App::launch_with(
        "sheets_same_order",
        Launch {
            env: vec![(
                "GRID_DESK_EXPORT_DIR".into(),
                exports.path().display().to_string(),
            )],
            ..Launch::default()
        },
    )
    .await;
    app.click("print-all").await;
    let dialog = app.find("print-dialog").await;
    // Balances on, so the facts include them on both sides.
    dialog
        .find(Locator::Css("input[name=includeBalances]"))
        .await
        .expect("the balances box")
        .click()
        .await
        .expect("ticking balances");
    let said = app.print_dialog_action("save-pdf").await;
    assert!(said.starts_with("Saved the PDF"), "{said}");
    let pdf = squash(&pdf_text(&newest_file(exports.path(), "pdf")));

    app.open_print_preview().await;
    let items = preview_items(&app).await;
    let accounts: std::collections::BTreeSet<&str> =
        items.iter().map(|(id, _, _)| id.as_str()).collect();
    assert!(
        accounts.len() >= 2 && items.len() > 20 * accounts.len(),
        "the preview shows the demo's sheets item by item: {} items, {} accounts",
        items.len(),
        accounts.len()
    );
    let keys: Vec<&str> = items.iter().map(|(_, k, _)| k.as_str()).collect();
    for wanted in [
        "kicker",
        "title",
        "intro",
        "environment",
        "accountId",
        "availableBalance",
        "section",
        "instructions.1",
    ] {
        assert!(keys.contains(&wanted), "the preview has {wanted}: {keys:?}");
    }
    // Every item of the preview is in the PDF, after the item before it.
    let mut at = 0;
    for (account, key, value) in &items {
        let wanted = squash(value);
        if wanted.is_empty() {
            continue;
        }
        let found = pdf[at..].find(&wanted).unwrap_or_else(|| {
            panic!(
                "{account}: the preview's {key} {value:?} is not in the PDF after the items before it"
            )
        });
        at += found + wanted.len();
    }
    app.snap("sheets-preview-model").await;
    app.shut_down().await;
}

/// Values in every script the issue names, planted in the demo's first three platform accounts.
fn planted() -> Vec<Value> {
    vec![
        json!([{
            "instructionsNotes": "Chuyển khoản ngân hàng: ghi mã tham chiếu (Tiếng Việt)",
            "accountOrWalletInfo": {"accountType": "USD_ACCOUNT", "accountNumber": "4000123456",
                "routingNumber": "021000021", "bankName": "Сбербанк России",
                "accountHolderName": "Εταιρεία Πληρωμών Α.Ε."}
        }]),
        json!([{
            "instructionsNotes": "संदर्भ कोड शामिल करें। โปรดระบุรหัสอ้างอิง",
            "accountOrWalletInfo": {"accountType": "AED_ACCOUNT", "iban": "AE070331234567890123456",
                "paymentRails": ["BANK_TRANSFER"], "reference": "REF-AE-77",
                "accountHolderName": "شركة المدفوعات الرقمية"}
        }]),
        json!([{
            "instructionsNotes": "참조 코드를 포함하세요",
            "accountOrWalletInfo": {"accountType": "USD_ACCOUNT", "accountNumber": "4000999999",
                "routingNumber": "021000021", "bankName": "中国银行 上海分行",
                "accountHolderName": "株式会社グリッド"}
        }]),
    ]
}

#[tokio::test]
async fn sheet_preview_shows_every_script_and_right_to_left_reads_right_to_left() {
    let app = App::launch("sheets_every_script").await;
    let mut ids: Vec<String> = app
        .demo
        .platform_accounts()
        .await
        .iter()
        .filter_map(|a| a["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    assert!(ids.len() >= 3, "the demo has three platform accounts");
    for (id, instructions) in ids.iter().zip(planted()) {
        app.demo
            .control()
            .edit_internal_account(id, &json!({"fundingPaymentInstructions": instructions}))
            .await
            .expect("planting the scripts");
    }
    app.click("refresh").await;
    app.card(&ids[0]).await;
    app.click("print-all").await;
    app.open_print_preview().await;

    let shown = app
        .js(
            "return document.getElementById('print-root').textContent;",
            vec![],
        )
        .await;
    let shown = shown.as_str().unwrap_or_default();
    for (script, sample) in [
        ("Cyrillic", "Сбербанк России"),
        ("Greek", "Εταιρεία Πληρωμών"),
        ("Vietnamese", "Chuyển khoản ngân hàng"),
        ("Devanagari", "संदर्भ कोड शामिल करें"),
        ("Thai", "โปรดระบุรหัสอ้างอิง"),
        ("Arabic", "شركة المدفوعات الرقمية"),
        ("Chinese", "中国银行"),
        ("Japanese", "株式会社グリッド"),
        ("Korean", "참조 코드를 포함하세요"),
    ] {
        assert!(shown.contains(sample), "{script} is in the preview");
    }
    let missing = app
        .js(
            "const n = document.querySelector('[data-testid=print-missing-scripts]');
             return n.hidden ? '' : n.textContent;",
            vec![],
        )
        .await;
    assert_eq!(
        missing,
        json!(""),
        "the test machine has a font for every script (scripts/install-deps installs Noto)"
    );

    // The Arabic holder: its own right-to-left run, first letter drawn right of the last.
    let rtl = app
        .js(
            "const el = [...document.querySelectorAll('#print-root [data-key]')]
               .find(e => e.textContent === 'شركة المدفوعات الرقمية');
             if (!el) return null;
             el.scrollIntoView({block: 'center'});
             const text = el.firstChild;
             const box = (i) => { const r = document.createRange(); r.setStart(text, i);
               r.setEnd(text, i + 1); return r.getBoundingClientRect(); };
             const first = box(0), last = box(text.length - 1);
             return {dir: getComputedStyle(el).direction, bidi: getComputedStyle(el).unicodeBidi,
                     firstLeft: first.left, lastLeft: last.left};",
            vec![],
        )
        .await;
    assert_eq!(
        rtl["dir"], "rtl",
        "the Arabic value is laid out right to left: {rtl}"
    );
    assert_eq!(rtl["bidi"], "isolate", "and isolated from its label: {rtl}");
    assert!(
        rtl["firstLeft"].as_f64() > rtl["lastLeft"].as_f64(),
        "the first Arabic letter is drawn right of the last: {rtl}"
    );
    app.snap("sheets-every-script-arabic").await;
    for (name, sample) in [
        ("sheets-every-script-cyrillic-greek", "Сбербанк России"),
        ("sheets-every-script-cjk", "中国银行 上海分行"),
    ] {
        app.js(
            "const el = [...document.querySelectorAll('#print-root [data-key]')]
               .find(e => e.textContent === arguments[0]);
             el.scrollIntoView({block: 'center'}); return true;",
            vec![json!(sample)],
        )
        .await;
        app.snap(name).await;
    }
    app.shut_down().await;
}

/// The clipboard in one format (`text/html`, …), through xclip.
fn clipboard_as(target: &str) -> String {
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard", "-t", target])
        .stdin(Stdio::null())
        .output()
        .expect("xclip runs (apt-get install xclip)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn sheet_copy_all_puts_the_complete_instructions_on_the_clipboard() {
    copy_all("sheets_copy_all", Grid::Demo).await;
}

#[tokio::test]
async fn sheet_copy_all_on_a_sandbox_connection() {
    copy_all("sheets_copy_all_sandbox", Grid::sandbox("copy")).await;
}

/// "Copy all" of one card on that connection; screenshot `<name>`.
async fn copy_all(name: &str, grid: Grid) {
    let app = App::launch_with(name, grid.launch(Launch::default())).await;
    let api = grid.api(&app);
    let account = api
        .platform_accounts()
        .await
        .into_iter()
        .find(|a| a["balance"]["currency"]["code"] == "USD")
        .expect("a USD platform account");
    let id = account["id"].as_str().expect("id").to_owned();
    api.control()
        .edit_internal_account(
            &id,
            &json!({"fundingPaymentInstructions": [{
                "instructionsNotes": "Pay <b>now</b> & quote the reference",
                "accountOrWalletInfo": {"accountType": "USD_ACCOUNT", "accountNumber": "4000123456",
                    "routingNumber": "021000021", "bankName": "First <Bank> & Trust"}
            }, {
                "accountOrWalletInfo": {"accountType": "SOLANA_WALLET",
                    "address": "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T", "assetType": "USDC"}
            }]}),
        )
        .await
        .expect("planting instructions");
    app.click("refresh").await;
    let card = app.card(&id).await;
    let values: Vec<String> = {
        let mut values = Vec::new();
        for field in card
            .find_all(Locator::Css(&tid("field-value")))
            .await
            .unwrap_or_default()
        {
            values.push(text_content(&field).await);
        }
        values
    };
    assert!(values.len() >= 4, "the card shows its fields: {values:?}");
    let button = app.find_in(&card, "copy-all").await;
    app.reveal(&button).await;
    button.click().await.expect("Copy all");
    let copied = app
        .wait_for("the instructions on the clipboard", STEP, async || {
            Ok(clipboard().ok().filter(|t| t.contains(&id)))
        })
        .await;
    for value in &values {
        assert!(
            copied.contains(value.as_str()),
            "the copied text holds {value:?}:\n{copied}"
        );
    }
    assert!(copied.contains("Pay <b>now</b> & quote"), "text stays text");
    assert!(
        copied.contains(grid.marking()),
        "the environment's marking is copied too"
    );
    let html = clipboard_as("text/html");
    assert!(
        html.contains("First &lt;Bank&gt; &amp; Trust") && html.contains(&id),
        "the HTML form is there and escaped: {html}"
    );
    assert!(!html.contains("<b>now"), "API text never becomes markup");
    app.wait_for("the copy toast", STEP, async || {
        let toasts = app.all("toast").await;
        for toast in toasts {
            let said = text_content(&toast).await;
            if said.contains("Copied the complete instructions of 1 account") {
                return Ok(Some(()));
            }
        }
        Ok(None)
    })
    .await;
    app.snap(&name.replace('_', "-")).await;
    app.shut_down().await;
}

#[tokio::test]
async fn sheet_email_saves_the_pdf_says_where_and_opens_a_mailto_draft() {
    email("sheets-email", Grid::Demo).await;
}

#[tokio::test]
async fn sheet_email_on_a_sandbox_connection() {
    email("sheets-email-sandbox", Grid::sandbox("email")).await;
}

/// "E-mail…" from the print dialog of every platform account on that connection; screenshot
/// `<name>-status`.
async fn email(name: &str, grid: Grid) {
    let exports = tempfile::tempdir().expect("an export dir");
    let bin = tempfile::tempdir().expect("a bin dir");
    let record = bin.path().join("opened.txt");
    // The system's opener, replaced by one that records what it was asked to open.
    let opener = bin.path().join("xdg-open");
    std::fs::write(
        &opener,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            record.display()
        ),
    )
    .expect("writing the fake xdg-open");
    std::fs::set_permissions(&opener, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("making it executable");
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let app = App::launch_with(
        name,
        grid.launch(Launch {
            env: vec![
                (
                    "GRID_DESK_EXPORT_DIR".into(),
                    exports.path().display().to_string(),
                ),
                ("PATH".into(), path),
            ],
            ..Launch::default()
        }),
    )
    .await;
    let mut ids: Vec<String> = grid
        .api(&app)
        .platform_accounts()
        .await
        .iter()
        .filter_map(|a| a["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();

    // From the print dialog of every platform account.
    app.click("print-all").await;
    let said = app.print_dialog_action("email").await;
    let pdf = newest_file(exports.path(), "pdf");
    assert!(
        said.starts_with("Saved the PDF") && said.contains(&pdf.display().to_string()),
        "the window says where the PDF is: {said}"
    );
    assert!(said.contains("attach this PDF"), "{said}");
    let link = app
        .wait_for("the mail draft handed to xdg-open", STEP, async || {
            Ok(std::fs::read_to_string(&record)
                .ok()
                .and_then(|t| t.lines().last().map(str::to_owned)))
        })
        .await;
    assert!(
        link.starts_with("mailto:?subject=Deposit%20instructions&body="),
        "{link}"
    );
    assert!(link.len() <= 2_000, "within mailto limits: {}", link.len());
    assert!(
        !link.contains(' ') && !link.contains('\n'),
        "percent-encoded: {link}"
    );
    let body = percent_decode(link.split("&body=").nth(1).expect("a body"));
    assert!(
        body.contains(&ids[0]),
        "the draft names the first account: {body}"
    );
    if said.contains("shortened") {
        assert!(
            body.ends_with("the complete instructions are in the attached PDF.]"),
            "a shortened draft says so: {body}"
        );
    }
    app.snap(&format!("{name}-status")).await;
    app.shut_down().await;
}

/// Decodes `%XX` escapes (UTF-8).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("the body is UTF-8")
}

#[tokio::test]
async fn sheet_window_names_a_script_without_a_font_and_how_to_fix_it() {
    let exports = tempfile::tempdir().expect("an export dir");
    // Only the bundled Noto Sans: as a machine without Thai or Arabic fonts.
    let app = App::launch_with(
        "sheets_missing_script",
        Launch {
            env: vec![
                (
                    "GRID_DESK_EXPORT_DIR".into(),
                    exports.path().display().to_string(),
                ),
                ("GRID_DESK_FONTS".into(), "bundled".into()),
            ],
            ..Launch::default()
        },
    )
    .await;
    let mut ids: Vec<String> = app
        .demo
        .platform_accounts()
        .await
        .iter()
        .filter_map(|a| a["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    // The second planted account: Arabic, Devanagari and Thai.
    app.demo
        .control()
        .edit_internal_account(
            &ids[0],
            &json!({"fundingPaymentInstructions": planted()[1].clone()}),
        )
        .await
        .expect("planting the scripts");
    app.click("refresh").await;
    let card = app.card(&ids[0]).await;
    let print = app.find_in(&card, "print").await;
    app.reveal(&print).await;
    print.click().await.expect("the card's Print");

    let said = app.print_dialog_action("save-pdf").await;
    for (script, article) in [("Arabic", "an"), ("Devanagari", "a"), ("Thai", "a")] {
        assert!(
            said.contains(&format!(
                "{script} text could not be printed: install {article} {script} font such as Noto Sans {script}"
            )),
            "the save message names {script} and the font to install: {said}"
        );
    }
    app.open_print_preview().await;
    let notice = app.find("print-missing-scripts").await;
    assert!(
        grid_desk_e2e::visible(&notice).await.unwrap_or(false),
        "the preview shows the missing scripts"
    );
    let shown = text_content(&notice).await;
    assert!(
        shown
            .contains("Thai text could not be printed: install a Thai font such as Noto Sans Thai"),
        "{shown}"
    );
    app.snap("sheets-missing-script-preview").await;
    app.shut_down().await;
}
