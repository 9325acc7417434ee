//! Which accounts a print or export covers, resolved against the in-process demo simulator:
//! all platform accounts, every page of one customer's accounts, and ticked accounts from the
//! views the lists returned. Then the PDF and CSV written to a temp dir. No window needed.

use std::path::Path;
use std::sync::Arc;

use deposit_instructions::{Paper, SheetEnvironment};
use grid_desk::connections::EnvLabel;
use grid_desk::error::UiCode;
use grid_desk::keychain::MemoryStore;
use grid_desk::printing::{self, PrintScope, SaveOutcome, Stamp};
use grid_desk::state::{AppState, StateOptions};

fn state_in(dir: &Path) -> AppState {
    AppState::new(StateOptions {
        config_dir: dir.join("config"),
        data_dir: dir.join("data"),
        demo_addr: None,
        env: None,
        store: Arc::new(MemoryStore::new()),
    })
}

#[tokio::test]
async fn scopes_resolve_to_the_accounts_the_user_sees() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_in(dir.path());

    let platform = state
        .list_platform_accounts(None, None)
        .await
        .expect("the demo lists platform accounts");
    let job = state
        .print_job(&PrintScope::Platform)
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
        .list_customer_accounts(None, None, None, None, Some(5))
        .await
        .expect("customer accounts");
    let customer = page.items[0].customer_id.clone().expect("a customer id");
    let job = state
        .print_job(&PrintScope::Customer {
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
        .print_job(&PrintScope::Customer {
            customer_id: "Customer:<script>".into(),
        })
        .await
        .expect_err("not a customer id");
    assert_eq!(err.code, UiCode::Validation);

    // Ticked cards: a customer account (known from the list) and a platform account, in the
    // order ticked.
    let ticked = vec![page.items[1].id.clone(), platform[0].id.clone()];
    let job = state
        .print_job(&PrintScope::Accounts {
            account_ids: ticked.clone(),
        })
        .await
        .expect("ticked accounts");
    assert_eq!(ids(&job.accounts), ticked);

    let err = state
        .print_job(&PrintScope::Accounts {
            account_ids: Vec::new(),
        })
        .await
        .expect_err("nothing ticked");
    assert_eq!(err.code, UiCode::Validation);
    assert_eq!(err.message, "Choose at least one account to print.");
    let err = state
        .print_job(&PrintScope::Accounts {
            account_ids: vec!["InternalAccount:never-listed".into()],
        })
        .await
        .expect_err("unknown account");
    assert_eq!(err.code, UiCode::NotFound);
    assert!(err.message.contains("Refresh"), "{}", err.message);

    // A fund refreshes the remembered view, so the sheet shows the new balance.
    let funded = state
        .fund_sandbox_account(&platform[0].id, 100, None)
        .await
        .expect("funded");
    let job = state
        .print_job(&PrintScope::Accounts {
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
        .print_job(&PrintScope::Platform)
        .await
        .expect("platform accounts");
    let stamp = Stamp::now(Some(0));
    let options = job.sheet_options(Paper::Letter, false, &stamp);
    assert_eq!(options.environment, SheetEnvironment::Demo);
    assert_eq!(options.platform_name.as_deref(), Some("Demo (offline)"));

    let pdf = printing::pdf_export(&job.accounts, &options, &stamp.date()).expect("pdf");
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
