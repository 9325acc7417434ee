//! Which accounts a print or export covers, resolved against the in-process demo simulator:
//! all platform accounts, every page of one customer's accounts, and ticked accounts from the
//! views the lists returned. Then the PDF and CSV written to a temp dir. No window needed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use deposit_instructions::{Paper, SheetEnvironment};
use grid_desk_core::accounts::{CustomerAccountsRequest, FundRequest, PlatformAccountsRequest};
use grid_desk_core::error::UiCode;
use grid_desk_core::keychain::MemoryStore;
use grid_desk_core::printing::{
    self, Clipboard, CopyInstructionsRequest, EmailInstructionsRequest, EmailOutcome, Export,
    MailClient, PrintScope, PrintableRequest, SaveCsvRequest, SaveDialog, SaveOutcome,
    SavePdfRequest, Stamp,
};
use grid_desk_core::settings::EnvLabel;
use grid_desk_core::{DeskOptions, GridDesk, UiResult};

fn state_in(dir: &Path) -> GridDesk {
    GridDesk::new(DeskOptions::new(
        dir.join("config"),
        dir.join("data"),
        Arc::new(MemoryStore::new()),
    ))
}

#[tokio::test]
async fn scopes_resolve_to_the_accounts_the_user_sees() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_in(dir.path());

    let platform = state
        .accounts
        .list_platform(PlatformAccountsRequest::default())
        .await
        .expect("the demo lists platform accounts");
    let job = state
        .printing
        .job(&PrintScope::Platform)
        .await
        .expect("all platform accounts");
    let ids = |views: &[deposit_instructions::AccountView]| {
        views.iter().map(|v| v.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&job.accounts),
        ids(&platform),
        "print-all covers exactly the platform list"
    );
    assert_eq!(job.environment, EnvLabel::Demo);
    assert_eq!(job.connection_name, "Demo (offline)");

    // One customer: every page of their accounts, nobody else's.
    let page = state
        .accounts
        .list_customer(CustomerAccountsRequest {
            limit: Some(5),
            ..CustomerAccountsRequest::default()
        })
        .await
        .expect("customer accounts");
    let customer = page.items[0].customer_id.clone().expect("a customer id");
    let job = state
        .printing
        .job(&PrintScope::Customer {
            customer_id: customer.clone(),
        })
        .await
        .expect("one customer's accounts");
    assert!(!job.accounts.is_empty());
    assert!(
        job.accounts
            .iter()
            .all(|a| a.customer_id.as_deref() == Some(customer.as_str())),
        "only {customer}'s accounts"
    );
    let err = state
        .printing
        .job(&PrintScope::Customer {
            customer_id: "Customer:<script>".into(),
        })
        .await
        .expect_err("not a customer id");
    assert_eq!(err.code, UiCode::Validation);

    // Ticked cards: a customer account (known from the list) and a platform account, in the
    // order ticked.
    let ticked = vec![page.items[1].id.clone(), platform[0].id.clone()];
    let job = state
        .printing
        .job(&PrintScope::Accounts {
            account_ids: ticked.clone(),
        })
        .await
        .expect("ticked accounts");
    assert_eq!(ids(&job.accounts), ticked);

    let err = state
        .printing
        .job(&PrintScope::Accounts {
            account_ids: Vec::new(),
        })
        .await
        .expect_err("nothing ticked");
    assert_eq!(err.code, UiCode::Validation);
    assert_eq!(err.message, "Choose at least one account to print.");
    let err = state
        .printing
        .job(&PrintScope::Accounts {
            account_ids: vec!["InternalAccount:never-listed".into()],
        })
        .await
        .expect_err("unknown account");
    assert_eq!(err.code, UiCode::NotFound);
    assert!(err.message.contains("Refresh"), "{}", err.message);

    // A fund refreshes the remembered view, so the sheet shows the new balance.
    let funded = state
        .accounts
        .fund(FundRequest {
            account_id: platform[0].id.clone(),
            amount: 100,
            customer_id: None,
        })
        .await
        .expect("funded");
    let job = state
        .printing
        .job(&PrintScope::Accounts {
            account_ids: vec![platform[0].id.clone()],
        })
        .await
        .expect("ticked");
    assert_eq!(job.accounts[0].balance, funded.balance);
    state.shutdown().await;
}

#[tokio::test]
async fn the_pdf_and_csv_are_written_where_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("exports");
    std::fs::create_dir_all(&out).expect("export dir");
    let state = state_in(&dir.path().join("app"));
    let job = state
        .printing
        .job(&PrintScope::Platform)
        .await
        .expect("platform accounts");
    let stamp = Stamp::now(Some(0));
    let options = job.sheet_options(Paper::Letter, false, &stamp);
    assert_eq!(options.environment, SheetEnvironment::Demo);
    assert_eq!(options.platform_name.as_deref(), Some("Demo (offline)"));

    let pdf = printing::pdf_export(&job.accounts, &options, &stamp.date(), None).expect("pdf");
    let path = printing::unused_path(&out, &pdf.file_name);
    match printing::save_export(&pdf, &path).expect("saved") {
        SaveOutcome::Saved {
            accounts, pages, ..
        } => {
            assert_eq!(accounts, job.accounts.len());
            assert!(
                pages.is_some_and(|p| p >= accounts),
                "at least a page per account"
            );
        }
        other => panic!("expected a saved file, got {other:?}"),
    }
    assert!(std::fs::read(&path).expect("pdf").starts_with(b"%PDF-"));

    let csv = printing::csv_export(&job.accounts, true, &stamp.date()).expect("csv");
    let csv_path = printing::unused_path(&out, &csv.file_name);
    printing::save_export(&csv, &csv_path).expect("saved");
    let text = std::fs::read_to_string(&csv_path).expect("csv");
    let instructions: usize = job
        .accounts
        .iter()
        .map(|a| a.instructions.len().max(1))
        .sum();
    assert_eq!(
        text.lines().count(),
        instructions + 1,
        "a header and one row per funding instruction"
    );
    assert!(
        text.lines()
            .next()
            .is_some_and(|h| h.contains("Available balance")),
        "balances were asked for"
    );
    state.shutdown().await;
}

/// A save dialog that answers with a fixed choice, and says whether it was asked.
struct Chosen {
    path: Option<PathBuf>,
    asked: AtomicBool,
}

impl SaveDialog for Chosen {
    async fn choose(&self, export: &Export) -> UiResult<Option<PathBuf>> {
        assert!(
            export.file_name.starts_with("deposit-instructions-"),
            "the dialog suggests a name: {}",
            export.file_name
        );
        self.asked.store(true, Ordering::SeqCst);
        Ok(self.path.clone())
    }
}

#[tokio::test]
async fn saving_goes_where_the_dialog_points_or_nowhere_when_it_is_closed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_in(&dir.path().join("app"));
    let platform = || PrintScope::Platform;

    // A path chosen without an extension gets the export's.
    let dialog = Chosen {
        path: Some(dir.path().join("sheets")),
        asked: AtomicBool::new(false),
    };
    let saved = state
        .printing
        .save_pdf(
            SavePdfRequest {
                scope: platform(),
                paper: "letter".into(),
                include_balances: None,
                utc_offset_minutes: Some(60),
            },
            &dialog,
        )
        .await
        .expect("saved");
    let path = dir.path().join("sheets.pdf");
    assert!(dialog.asked.load(Ordering::SeqCst), "the dialog was asked");
    match saved {
        SaveOutcome::Saved {
            path: shown, bytes, ..
        } => {
            assert_eq!(shown, path.display().to_string());
            assert_eq!(bytes, std::fs::metadata(&path).expect("written").len());
        }
        other => panic!("expected a saved file, got {other:?}"),
    }
    assert!(std::fs::read(&path).expect("pdf").starts_with(b"%PDF-"));

    // Closing the dialog saves nothing and says so.
    let closed = Chosen {
        path: None,
        asked: AtomicBool::new(false),
    };
    let outcome = state
        .printing
        .save_csv(
            SaveCsvRequest {
                scope: platform(),
                include_balances: Some(true),
                utc_offset_minutes: None,
            },
            &closed,
        )
        .await
        .expect("a cancel is not an error");
    assert_eq!(outcome, SaveOutcome::cancelled());
    assert_eq!(
        std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "csv"))
            .count(),
        0,
        "no CSV was written"
    );

    // Bad paper is refused before anything is made or asked.
    let unasked = Chosen {
        path: Some(dir.path().join("never.pdf")),
        asked: AtomicBool::new(false),
    };
    let err = state
        .printing
        .save_pdf(
            SavePdfRequest {
                scope: platform(),
                paper: "legal".into(),
                include_balances: None,
                utc_offset_minutes: None,
            },
            &unasked,
        )
        .await
        .expect_err("legal paper");
    assert_eq!(err.message, "Choose A4 or US Letter paper.");
    assert!(!unasked.asked.load(Ordering::SeqCst));
    state.shutdown().await;
}

#[tokio::test]
async fn the_export_dir_skips_the_dialog_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("exports");
    std::fs::create_dir_all(&out).expect("export dir");
    let mut options = DeskOptions::new(
        dir.path().join("config"),
        dir.path().join("data"),
        Arc::new(MemoryStore::new()),
    );
    options.export_dir = Some(out.clone());
    let state = GridDesk::new(options);
    let dialog = Chosen {
        path: None,
        asked: AtomicBool::new(false),
    };
    let request = || SaveCsvRequest {
        scope: PrintScope::Platform,
        include_balances: None,
        utc_offset_minutes: Some(0),
    };
    let first = state
        .printing
        .save_csv(request(), &dialog)
        .await
        .expect("first");
    let second = state
        .printing
        .save_csv(request(), &dialog)
        .await
        .expect("second");
    assert!(!dialog.asked.load(Ordering::SeqCst), "no dialog");
    let paths: Vec<String> = [first, second]
        .into_iter()
        .map(|o| match o {
            SaveOutcome::Saved { path, .. } => path,
            other => panic!("expected a saved file, got {other:?}"),
        })
        .collect();
    assert_ne!(
        paths[0], paths[1],
        "the second export does not overwrite the first"
    );
    assert!(paths[1].ends_with("-2.csv"), "{paths:?}");
    state.shutdown().await;
}

#[tokio::test]
async fn the_print_view_gets_the_sheets_environment_texts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_in(dir.path());
    let printable = state
        .printing
        .printable(PrintableRequest::new(PrintScope::Platform))
        .await
        .expect("printable");
    assert!(!printable.accounts.is_empty());
    assert_eq!(
        printable.watermark,
        SheetEnvironment::Demo.watermark(),
        "the demo's sheets say DEMO, as the PDF does"
    );
    assert_eq!(
        printable.notice,
        Some(SheetEnvironment::Demo.footer_label())
    );
    state.shutdown().await;
}

/// Plants a Thai bank name and an Arabic holder in the demo's USD platform account (through
/// grid-sim's typed controls); returns its id.
async fn plant_scripts(state: &GridDesk) -> String {
    let base = state.demo.ensure().await.expect("the demo runs");
    let usd = state
        .accounts
        .list_platform(PlatformAccountsRequest::default())
        .await
        .expect("platform accounts")
        .into_iter()
        .find(|a| a.currency_code.as_deref() == Some("USD"))
        .expect("a USD platform account");
    grid_sim::control::SimControl::new(
        &base,
        grid_sim::DEFAULT_CLIENT_ID,
        grid_sim::DEFAULT_CLIENT_SECRET,
    )
    .edit_internal_account(
        &usd.id,
        &serde_json::json!({"fundingPaymentInstructions": [{
            "instructionsNotes": "Pay <b>now</b> & quote the reference",
            "accountOrWalletInfo": {"accountType": "USD_ACCOUNT", "reference": "FUND-TH1",
                "accountNumber": "123456789", "routingNumber": "021000021",
                "bankName": "\u{e18}\u{e19}\u{e32}\u{e04}\u{e32}\u{e23}\u{e01}\u{e23}\u{e38}\u{e07}\u{e40}\u{e17}\u{e1e}",
                "accountHolderName": "\u{634}\u{631}\u{643}\u{629}"}
        }]}),
    )
    .await
    .expect("planting the account");
    // The window lists again after a change (Refresh): ticked accounts come from that list.
    state
        .accounts
        .list_platform(PlatformAccountsRequest::default())
        .await
        .expect("platform accounts again");
    usd.id
}

#[tokio::test]
async fn the_preview_and_the_saved_pdf_name_a_script_without_a_font() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut state = state_in(&dir.path().join("app"));
    let id = plant_scripts(&state).await;
    // A machine with only the bundled Noto Sans: no Thai, no Arabic.
    state
        .printing
        .set_fonts(deposit_instructions::Fonts::bundled_only());
    let scope = || PrintScope::Accounts {
        account_ids: vec![id.clone()],
    };
    // The ticked account is found in the platform list (nothing was listed before).
    let printable = state
        .printing
        .printable(PrintableRequest::new(scope()))
        .await
        .expect("printable");
    let scripts: Vec<&str> = printable
        .missing_scripts
        .iter()
        .map(|m| m.script.as_str())
        .collect();
    assert_eq!(
        scripts,
        ["Arabic", "Thai"],
        "{:?}",
        printable.missing_scripts
    );
    assert!(
        printable.missing_scripts[1]
            .message
            .contains("install a Thai font such as Noto Sans Thai"),
        "says how to fix it: {}",
        printable.missing_scripts[1].message
    );
    let json = serde_json::to_value(&printable).expect("json");
    assert_eq!(json["missingScripts"][1]["script"], "Thai");

    let dialog = Chosen {
        path: Some(dir.path().join("thai.pdf")),
        asked: AtomicBool::new(false),
    };
    let saved = state
        .printing
        .save_pdf(
            SavePdfRequest {
                scope: scope(),
                paper: "a4".into(),
                include_balances: None,
                utc_offset_minutes: None,
            },
            &dialog,
        )
        .await
        .expect("saved");
    let json = serde_json::to_value(&saved).expect("json");
    assert_eq!(json["missingScripts"][0]["script"], "Arabic", "{json}");
    assert_eq!(json["missingScripts"][1]["script"], "Thai", "{json}");

    // With the system's fonts (the test command installs Noto for every script) nothing is
    // missing, and the answer carries no list at all.
    state
        .printing
        .set_fonts(deposit_instructions::Fonts::system());
    let printable = state
        .printing
        .printable(PrintableRequest::new(scope()))
        .await
        .expect("printable");
    assert!(
        printable.missing_scripts.is_empty(),
        "{:?}",
        printable.missing_scripts
    );
    state.shutdown().await;
}

/// A clipboard that keeps what was written.
#[derive(Default)]
struct RecordingClipboard(std::sync::Mutex<Vec<(String, String)>>);

impl Clipboard for RecordingClipboard {
    fn write(&self, text: &str, html: &str) -> UiResult<bool> {
        self.0
            .lock()
            .expect("clipboard")
            .push((text.to_owned(), html.to_owned()));
        Ok(true)
    }
}

/// A mail client that keeps the links it was asked to open.
#[derive(Default)]
struct RecordingMail(std::sync::Mutex<Vec<String>>);

impl MailClient for RecordingMail {
    fn open(&self, url: &str) -> UiResult<()> {
        self.0.lock().expect("mail").push(url.to_owned());
        Ok(())
    }
}

#[tokio::test]
async fn copy_all_puts_the_sheet_model_on_the_clipboard_as_text_and_html() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_in(dir.path());
    let id = plant_scripts(&state).await;
    let clipboard = RecordingClipboard::default();
    let outcome = state
        .printing
        .copy_all(
            CopyInstructionsRequest {
                scope: PrintScope::Platform,
                include_balances: Some(true),
                utc_offset_minutes: Some(0),
            },
            &clipboard,
        )
        .await
        .expect("copied");
    let job = state
        .printing
        .job(&PrintScope::Platform)
        .await
        .expect("job");
    assert_eq!(outcome.accounts, job.accounts.len());
    assert!(outcome.html);
    let written = clipboard.0.lock().expect("clipboard").clone();
    assert_eq!(written.len(), 1, "one write with both forms");
    let (text, html) = &written[0];
    assert_eq!(outcome.characters, text.chars().count());
    for account in &job.accounts {
        assert!(text.contains(&account.id), "{} is in the text", account.id);
        for instruction in &account.instructions {
            for field in &instruction.fields {
                assert!(
                    text.contains(&field.value),
                    "{}: {} {:?} is in the text",
                    account.id,
                    field.label,
                    field.value
                );
            }
        }
    }
    assert!(
        text.contains("Available balance:"),
        "balances were asked for"
    );
    assert!(text.contains("Pay <b>now</b> & quote"), "text is text");
    assert!(
        html.contains("Pay &lt;b&gt;now&lt;/b&gt; &amp; quote"),
        "the HTML escapes API text"
    );
    assert!(html.contains(&id));
    state.shutdown().await;
}

#[tokio::test]
async fn email_saves_the_pdf_then_opens_a_draft_and_nothing_when_cancelled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_in(&dir.path().join("app"));
    let id = plant_scripts(&state).await;
    let request = || EmailInstructionsRequest {
        scope: PrintScope::Accounts {
            account_ids: vec![id.clone()],
        },
        paper: "a4".into(),
        include_balances: None,
        utc_offset_minutes: Some(0),
    };
    let mail = RecordingMail::default();
    let closed = Chosen {
        path: None,
        asked: AtomicBool::new(false),
    };
    let outcome = state
        .printing
        .email(request(), &closed, &mail)
        .await
        .expect("cancelled");
    assert_eq!(outcome, EmailOutcome::Cancelled { cancelled: true });
    assert!(
        mail.0.lock().expect("mail").is_empty(),
        "no draft without a saved PDF"
    );

    let dialog = Chosen {
        path: Some(dir.path().join("for-mail.pdf")),
        asked: AtomicBool::new(false),
    };
    let outcome = state
        .printing
        .email(request(), &dialog, &mail)
        .await
        .expect("e-mailed");
    let saved_path = dir.path().join("for-mail.pdf");
    assert!(std::fs::read(&saved_path)
        .expect("the PDF was saved first")
        .starts_with(b"%PDF-"));
    let json = serde_json::to_value(&outcome).expect("json");
    assert_eq!(json["path"], saved_path.display().to_string(), "{json}");
    assert_eq!(json["truncated"], false, "{json}");
    let links = mail.0.lock().expect("mail").clone();
    assert_eq!(links.len(), 1);
    let link = &links[0];
    assert!(
        link.starts_with("mailto:?subject=Deposit%20instructions&body="),
        "{link}"
    );
    assert!(link.len() <= deposit_instructions::MAX_MAILTO_CHARS);
    let body = percent_encoding::percent_decode_str(link.split("&body=").nth(1).expect("body"))
        .decode_utf8()
        .expect("UTF-8")
        .into_owned();
    assert!(body.contains(&id), "{body}");
    assert!(body.contains("Reference: FUND-TH1"), "{body}");
    assert!(body.contains("\r\n"), "line breaks are CRLF");
    state.shutdown().await;
}
