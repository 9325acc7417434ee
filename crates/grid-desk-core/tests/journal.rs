//! The activity journal (`journal.sqlite3` beside the settings file) written by the services:
//! what each action leaves, a fund in flight when the process is killed (-9) marked "outcome
//! unknown — check the balance" by the next start, no secret in the file's bytes, and the
//! last-known accounts that print while Grid cannot be reached.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use grid_client::{ClientConfig, Credentials, GridClient, Secret};
use grid_desk_core::accounts::{FundRequest, PlatformAccountsRequest};
use grid_desk_core::activity::{JournalEntryView, JournalRequest, LastKnownRequest};
use grid_desk_core::connections::{ConnectionRequest, SaveConnectionRequest};
use grid_desk_core::error::UiCode;
use grid_desk_core::keychain::MemoryStore;
use grid_desk_core::printing::{
    Export, PrintScope, SaveCsvRequest, SaveDialog, SaveOutcome, SavePdfRequest,
};
use grid_desk_core::settings::{EnvConnection, Environment};
use grid_desk_core::signing::{
    CompleteUpdateRequest, SaveSessionKeyRequest, StartUpdateRequest, UpdateStart,
};
use grid_desk_core::{DeskOptions, GridDesk, UiResult};
use grid_sim::control::{Fault, SimControl};
use grid_sim::SimConfig;

/// Never asked: the tests write into an export dir.
struct NoDialog;

impl SaveDialog for NoDialog {
    async fn choose(&self, _export: &Export) -> UiResult<Option<PathBuf>> {
        panic!("the export dir is set: no dialog");
    }
}

fn options(dir: &Path) -> DeskOptions {
    let mut options = DeskOptions::new(
        dir.join("config"),
        dir.join("data"),
        Arc::new(MemoryStore::new()),
    );
    options.export_dir = Some(dir.join("exports"));
    options
}

fn entries(desk: &GridDesk) -> Vec<JournalEntryView> {
    desk.journal
        .entries(JournalRequest::default())
        .expect("the journal reads")
        .entries
}

fn fund(account_id: &str, amount: i64) -> FundRequest {
    FundRequest {
        account_id: account_id.to_owned(),
        amount,
        customer_id: None,
    }
}

async fn arm(base_url: &str, fault: Fault) {
    SimControl::new(
        base_url,
        grid_sim::DEFAULT_CLIENT_ID,
        grid_sim::DEFAULT_CLIENT_SECRET,
    )
    .arm(fault)
    .await
    .unwrap_or_else(|e| panic!("arming {fault:?}: {e}"));
}

#[tokio::test]
async fn every_action_leaves_an_entry_with_its_outcome() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("exports")).expect("exports");
    let desk = GridDesk::new(options(dir.path()));
    let accounts = desk
        .accounts
        .list_platform(PlatformAccountsRequest::default())
        .await
        .expect("demo accounts");
    let usd = accounts
        .iter()
        .find(|a| a.currency_code.as_deref() == Some("USD"))
        .expect("a USD platform account");

    // Applied.
    let funded = desk
        .accounts
        .fund(fund(&usd.id, 100_000))
        .await
        .expect("funded");
    // Unknown: Grid applies it and the answer is lost; the balance is re-read.
    let base = desk.demo.base_url().await;
    arm(&base, Fault::DropAfter).await;
    let lost = desk
        .accounts
        .fund(fund(&usd.id, 2_500))
        .await
        .expect_err("lost");
    assert_eq!(lost.code, UiCode::UnknownOutcome);
    // Refused: Grid says no (a 4xx), nothing applied.
    arm(
        &base,
        Fault::Status {
            status: grid_sim::control::FailureStatus::InternalServerError,
        },
    )
    .await;
    let _ = desk.accounts.fund(fund(&usd.id, 300)).await;
    let refused = desk.accounts.fund(fund(&usd.id, -5)).await;
    assert!(refused.is_err(), "a negative amount is refused");

    let log = entries(&desk);
    let funds: Vec<&JournalEntryView> = log.iter().filter(|e| e.kind == "fund").collect();
    assert_eq!(funds.len(), 4, "{funds:#?}");
    // Newest first.
    assert_eq!(funds[3].outcome, "applied");
    assert_eq!(funds[3].account_id.as_deref(), Some(usd.id.as_str()));
    let amount = funds[3].amount.as_ref().expect("amount");
    assert_eq!(amount.minor, 100_000);
    assert_eq!(amount.currency_code.as_deref(), Some("USD"));
    assert_eq!(amount.display, "1,000.00 USD");
    assert!(
        funds[3].detail.contains(&funded.balance.display),
        "the applied entry says the new balance: {}",
        funds[3].detail
    );
    assert_eq!(funds[3].connection_name, "Demo (offline)");
    assert_eq!(funds[3].environment, "demo");
    assert_eq!(funds[2].outcome, "unknown");
    assert_eq!(
        funds[2].outcome_label,
        "Outcome unknown — check the balance"
    );
    assert!(
        funds[2].detail.contains("The balance now reads"),
        "how it was resolved after the re-read: {}",
        funds[2].detail
    );
    assert_eq!(funds[1].outcome, "unknown", "a 500 may have been applied");
    assert_eq!(funds[0].outcome, "refused");

    // The signed PATCH: the request (challenge with Grid's request id) and its completion.
    let wallet = desk
        .accounts
        .list_customer(grid_desk_core::accounts::CustomerAccountsRequest {
            account_type: Some("EMBEDDED_WALLET".into()),
            ..Default::default()
        })
        .await
        .expect("wallets")
        .items
        .into_iter()
        .next()
        .expect("an embedded wallet");
    let target = !wallet.private_enabled.unwrap_or(false);
    let start = desk
        .signing
        .start_update(StartUpdateRequest {
            account_id: wallet.id.clone(),
            private_enabled: target,
        })
        .await
        .expect("challenge");
    let UpdateStart::Challenge { request_id, .. } = start else {
        panic!("the demo asks for a signature");
    };
    desk.signing
        .complete_update(CompleteUpdateRequest {
            account_id: wallet.id.clone(),
            request_id: request_id.clone(),
            method: "sandbox".into(),
            stamp: None,
        })
        .await
        .expect("signed");

    // Session keys and connections.
    desk.signing
        .generate_session_key()
        .await
        .expect("generated");
    desk.signing.delete_session_key().await.expect("deleted");
    let saved = desk
        .connections
        .save(SaveConnectionRequest {
            id: None,
            name: "Treasury sandbox".into(),
            environment: "sandbox".into(),
            base_url: base.clone(),
            token_id: Some(Secret::new(grid_sim::DEFAULT_CLIENT_ID)),
            client_secret: Some(Secret::new(grid_sim::DEFAULT_CLIENT_SECRET)),
        })
        .await
        .expect("saved");
    desk.connections
        .test(ConnectionRequest {
            id: saved.id.clone(),
        })
        .await
        .expect("tested");
    desk.connections
        .delete(ConnectionRequest {
            id: saved.id.clone(),
        })
        .await
        .expect("deleted");

    // Exports.
    let pdf = desk
        .printing
        .save_pdf(
            SavePdfRequest {
                scope: PrintScope::Platform,
                paper: "a4".into(),
                include_balances: None,
                utc_offset_minutes: Some(0),
            },
            &NoDialog,
        )
        .await
        .expect("pdf");
    let SaveOutcome::Saved { path, accounts, .. } = pdf else {
        panic!("saved");
    };
    desk.printing
        .save_csv(
            SaveCsvRequest {
                scope: PrintScope::Platform,
                include_balances: None,
                utc_offset_minutes: Some(0),
            },
            &NoDialog,
        )
        .await
        .expect("csv");

    let log = entries(&desk);
    let kinds: Vec<&str> = log.iter().rev().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            "fund",
            "fund",
            "fund",
            "fund",
            "updateRequested",
            "updateSigned",
            "sessionKeyGenerated",
            "sessionKeyDeleted",
            "connectionAdded",
            "connectionTested",
            "connectionDeleted",
            "pdfSaved",
            "csvSaved",
        ]
    );
    let by_kind = |kind: &str| log.iter().find(|e| e.kind == kind).expect(kind);
    let requested = by_kind("updateRequested");
    assert_eq!(requested.outcome, "challengeIssued");
    assert_eq!(requested.request_id.as_deref(), Some(request_id.as_str()));
    let signed = by_kind("updateSigned");
    assert_eq!(signed.outcome, "applied");
    assert_eq!(signed.request_id.as_deref(), Some(request_id.as_str()));
    assert!(
        signed.detail.contains("sandbox shortcut"),
        "{}",
        signed.detail
    );
    assert_eq!(
        by_kind("connectionAdded").connection_name,
        "Treasury sandbox"
    );
    assert_eq!(by_kind("connectionTested").outcome, "done");
    let pdf_entry = by_kind("pdfSaved");
    assert!(pdf_entry.detail.contains(&path), "{}", pdf_entry.detail);
    assert!(
        pdf_entry
            .detail
            .starts_with(&format!("{accounts} accounts")),
        "{}",
        pdf_entry.detail
    );

    // Filters: kind, account, connection.
    let only = |request: JournalRequest| {
        desk.journal
            .entries(request)
            .expect("filtered")
            .entries
            .len()
    };
    assert_eq!(
        only(JournalRequest {
            kind: Some("fund".into()),
            ..Default::default()
        }),
        4
    );
    assert_eq!(
        only(JournalRequest {
            account: Some(wallet.id.clone()),
            ..Default::default()
        }),
        2
    );
    assert_eq!(
        only(JournalRequest {
            connection_id: Some(saved.id.clone()),
            ..Default::default()
        }),
        3
    );
    let info = desk.journal.info().expect("info");
    assert_eq!(
        info.path.as_deref(),
        Some(
            dir.path()
                .join("config")
                .join(journal::FILE_NAME)
                .display()
                .to_string()
                .as_str()
        )
    );
    assert_eq!(
        desk.connections
            .activity()
            .store()
            .journal_mode()
            .expect("mode"),
        "wal"
    );

    // The CSV export holds every entry.
    let outcome = desk
        .journal
        .save_csv(Default::default(), &NoDialog)
        .await
        .expect("exported");
    let text = serde_json::to_value(&outcome).expect("json");
    let path = text["path"].as_str().expect("path");
    let csv = std::fs::read_to_string(path).expect("csv file");
    assert_eq!(csv.lines().count(), 1 + 13, "header and 13 entries:\n{csv}");
    assert!(csv.contains("Outcome unknown — check the balance"));
}

// ----- a kill -9 mid-fund ---------------------------------------------------------------

const CHILD_DIR: &str = "GRID_DESK_TEST_CRASH_DIR";
const CHILD_BASE: &str = "GRID_DESK_TEST_CRASH_BASE";

fn env_connection(base_url: String) -> EnvConnection {
    EnvConnection {
        environment: Environment::Sandbox,
        base_url,
        credentials: Credentials::new(grid_sim::DEFAULT_CLIENT_ID, grid_sim::DEFAULT_CLIENT_SECRET),
    }
}

/// The child half of the crash test (run by it, in another process): lists the platform
/// accounts, says so, waits for "go" and funds the first USD account — a request the
/// simulator holds for a minute, during which the parent kills this process.
#[tokio::test]
#[ignore = "started by a_fund_in_flight_when_the_app_is_killed_is_unknown_at_the_next_start"]
async fn crash_child() {
    let (Some(dir), Ok(base)) = (std::env::var_os(CHILD_DIR), std::env::var(CHILD_BASE)) else {
        return;
    };
    let mut options = options(Path::new(&dir));
    options.env = Some(env_connection(base));
    let desk = GridDesk::new(options);
    let accounts = desk
        .accounts
        .list_platform(PlatformAccountsRequest::default())
        .await
        .expect("list");
    let usd = accounts
        .iter()
        .find(|a| a.currency_code.as_deref() == Some("USD"))
        .expect("USD");
    let mut out = std::io::stdout();
    writeln!(out, "LISTED {}", usd.id).expect("stdout");
    out.flush().expect("flush");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).expect("go");
    let result = desk.accounts.fund(fund(&usd.id, 123_456)).await;
    writeln!(out, "FINISHED {:?}", result.map(|v| v.balance.display)).expect("stdout");
}

// Two workers: the simulator keeps answering while this test blocks on the child's output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fund_in_flight_when_the_app_is_killed_is_unknown_at_the_next_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let sim = grid_sim::spawn(SimConfig::default(), listener)
        .await
        .expect("sim");
    let base = sim.base_url();

    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args(["crash_child", "--exact", "--ignored", "--nocapture"])
        .env(CHILD_DIR, dir.path())
        .env(CHILD_BASE, &base)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("child");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let account = loop {
        let line = lines
            .next()
            .expect("the child says LISTED")
            .expect("a line");
        if let Some(id) = line.strip_prefix("LISTED ") {
            break id.to_owned();
        }
    };
    // The fund will wait a minute in the simulator: long past the kill.
    sim.control()
        .arm(Fault::Latency { latency_ms: 60_000 })
        .await
        .expect("armed");
    writeln!(child.stdin.as_mut().expect("stdin"), "go").expect("go");

    // Wait until the fund is journalled as pending, i.e. about to be or being sent.
    let file = dir.path().join("config").join(journal::FILE_NAME);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pending = journal::Journal::open(&file).ok().and_then(|j| {
            j.entries(&journal::Filter::default())
                .ok()
                .map(|e| e.iter().any(|e| e.outcome == journal::Outcome::Pending))
        });
        if pending == Some(true) {
            break;
        }
        assert!(Instant::now() < deadline, "no pending fund entry appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let the request reach the simulator, then kill -9.
    tokio::time::sleep(Duration::from_millis(300)).await;
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("reaped");
    assert!(!status.success(), "the child was killed: {status:?}");

    // The next start.
    let mut next = options(dir.path());
    next.env = Some(env_connection(base.clone()));
    let desk = GridDesk::new(next);
    let log = entries(&desk);
    let fund_entry = log
        .iter()
        .find(|e| e.kind == "fund")
        .expect("the fund entry survived the kill");
    assert_eq!(fund_entry.outcome, "unknown");
    assert_eq!(
        fund_entry.outcome_label,
        "Outcome unknown — check the balance"
    );
    assert_eq!(fund_entry.outcome_tone, "warn");
    assert_eq!(fund_entry.account_id.as_deref(), Some(account.as_str()));
    assert_eq!(fund_entry.amount.as_ref().map(|a| a.minor), Some(123_456));
    assert_eq!(fund_entry.connection_name, EnvConnection::NAME);
    assert!(
        fund_entry
            .detail
            .contains("outcome unknown — check the balance"),
        "{}",
        fund_entry.detail
    );
    sim.shutdown().await;
}

// ----- secrets ----------------------------------------------------------------------------

#[tokio::test]
async fn no_credential_ever_reaches_the_journal_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("exports")).expect("exports");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let token = "tok-PLANTED-token-id-7d1f";
    let secret = "sec-PLANTED-client-secret-93ab";
    let sim = grid_sim::spawn(
        SimConfig {
            client_id: token.into(),
            client_secret: secret.into(),
            ..SimConfig::default()
        },
        listener,
    )
    .await
    .expect("sim");
    let desk = GridDesk::new(options(dir.path()));
    let session_key = "c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff";
    let stamp = "stamp-PLANTED-4e5b9c";

    // Every credential field: token id and secret (save, edit, test), the session key, a stamp.
    let saved = desk
        .connections
        .save(SaveConnectionRequest {
            id: None,
            name: "Planted".into(),
            environment: "sandbox".into(),
            base_url: sim.base_url(),
            token_id: Some(Secret::new(token)),
            client_secret: Some(Secret::new(secret)),
        })
        .await
        .expect("saved");
    desk.connections
        .save(SaveConnectionRequest {
            id: Some(saved.id.clone()),
            name: "Planted, edited".into(),
            environment: "sandbox".into(),
            base_url: sim.base_url(),
            token_id: Some(Secret::new(token)),
            client_secret: Some(Secret::new(secret)),
        })
        .await
        .expect("edited");
    let id = ConnectionRequest {
        id: saved.id.clone(),
    };
    desk.connections.test(id.clone()).await.expect("tested");
    desk.connections.switch(id.clone()).await.expect("switched");
    desk.signing
        .save_session_key(SaveSessionKeyRequest {
            private_key_hex: Secret::new(session_key),
        })
        .await
        .expect("key saved");
    let accounts = desk
        .accounts
        .list_platform(PlatformAccountsRequest::default())
        .await
        .expect("listed");
    desk.accounts
        .fund(fund(&accounts[0].id, 100))
        .await
        .expect("funded");
    let wallet = desk
        .accounts
        .list_customer(grid_desk_core::accounts::CustomerAccountsRequest {
            account_type: Some("EMBEDDED_WALLET".into()),
            ..Default::default()
        })
        .await
        .expect("wallets")
        .items
        .into_iter()
        .next()
        .expect("a wallet");
    for method in ["stamp", "sessionKey"] {
        if let Ok(UpdateStart::Challenge { request_id, .. }) = desk
            .signing
            .start_update(StartUpdateRequest {
                account_id: wallet.id.clone(),
                private_enabled: !wallet.private_enabled.unwrap_or(false),
            })
            .await
        {
            let _ = desk
                .signing
                .complete_update(CompleteUpdateRequest {
                    account_id: wallet.id.clone(),
                    request_id,
                    method: method.into(),
                    stamp: Some(stamp.into()),
                })
                .await;
        }
    }
    desk.signing
        .delete_session_key()
        .await
        .expect("key deleted");
    desk.journal
        .save_csv(Default::default(), &NoDialog)
        .await
        .expect("exported");
    desk.connections.delete(id).await.expect("deleted");
    assert!(
        entries(&desk).len() >= 10,
        "the actions were journalled: {:#?}",
        entries(&desk)
    );
    drop(desk);

    let config = dir.path().join("config");
    let mut scanned = 0;
    for file in std::fs::read_dir(&config).expect("config dir") {
        let path = file.expect("entry").path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if !name.starts_with(journal::FILE_NAME) {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read");
        for planted in [token, secret, session_key, stamp] {
            assert!(
                !bytes
                    .windows(planted.len())
                    .any(|w| w == planted.as_bytes()),
                "{name} holds {planted}"
            );
        }
        scanned += 1;
    }
    assert!(scanned >= 1, "the journal file was scanned");
    sim.shutdown().await;
}

// ----- last-known accounts ----------------------------------------------------------------

#[tokio::test]
async fn the_last_known_list_opens_and_prints_while_grid_is_unreachable() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("exports")).expect("exports");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let sim = grid_sim::spawn(SimConfig::default(), listener)
        .await
        .expect("sim");
    let base = sim.base_url();
    let live = {
        let mut options = options(dir.path());
        options.env = Some(env_connection(base.clone()));
        let desk = GridDesk::new(options);
        assert_eq!(
            desk.accounts
                .last_known(LastKnownRequest {
                    list: "platform".into(),
                    ..Default::default()
                })
                .await
                .expect("asked"),
            None,
            "nothing kept yet"
        );
        desk.accounts
            .list_platform(PlatformAccountsRequest::default())
            .await
            .expect("listed")
    };
    sim.shutdown().await;
    // Nothing listens there any more.
    let client = GridClient::new(ClientConfig::new(
        base.clone(),
        Credentials::new(grid_sim::DEFAULT_CLIENT_ID, grid_sim::DEFAULT_CLIENT_SECRET),
    ))
    .expect("client");
    assert!(client
        .list_platform_internal_accounts(&Default::default())
        .await
        .is_err());

    let mut options = options(dir.path());
    options.env = Some(env_connection(base));
    let desk = GridDesk::new(options);
    let kept = desk
        .accounts
        .last_known(LastKnownRequest {
            list: "platform".into(),
            utc_offset_minutes: Some(0),
            ..Default::default()
        })
        .await
        .expect("asked")
        .expect("kept");
    assert_eq!(kept.items, live, "the same views as the live list");
    assert!(
        kept.as_of_label.starts_with("as of "),
        "{}",
        kept.as_of_label
    );
    let err = desk
        .accounts
        .list_platform(PlatformAccountsRequest::default())
        .await
        .expect_err("Grid is unreachable");
    assert_eq!(err.code, UiCode::Network);

    let printable = desk
        .printing
        .printable(grid_desk_core::printing::PrintableRequest::new(
            PrintScope::Platform,
        ))
        .await
        .expect("printable from the kept list");
    assert_eq!(printable.accounts.len(), live.len());
    assert!(printable.document.as_of.is_some());
    assert!(printable.document.sheets.iter().all(|sheet| sheet
        .warnings
        .iter()
        .any(|w| w.text.starts_with("Account details as of "))));
    let saved = desk
        .printing
        .save_pdf(
            SavePdfRequest {
                scope: PrintScope::Accounts {
                    account_ids: vec![live[0].id.clone()],
                },
                paper: "a4".into(),
                include_balances: None,
                utc_offset_minutes: Some(0),
            },
            &NoDialog,
        )
        .await
        .expect("the PDF is made offline");
    let SaveOutcome::Saved { path, .. } = saved else {
        panic!("saved");
    };
    let text = Command::new("pdftotext")
        .args([&path, "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Account details as of"),
        "the sheet carries the as-of time:\n{text}"
    );
}
