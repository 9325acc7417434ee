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
    self, Export, PrintScope, PrintableRequest, SaveCsvRequest, SaveDialog, SaveOutcome,
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
        .printable(PrintableRequest {
            scope: PrintScope::Platform,
        })
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
