//! The accounts table against the in-process demo simulator with generated accounts: every page
//! loaded in the background, totals equal to the accounts summed here from the paged list,
//! find by payment reference and by IBAN/account number, the balance report saved, and a
//! cancelled load that keeps what it read and reads no more.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use grid_desk_core::accounts::CustomerAccountsRequest;
use grid_desk_core::keychain::MemoryStore;
use grid_desk_core::workspace::{
    ExportRequest, FindRequest, ListKind, LoadRequest, RowsRequest, ViewRequest, WorkspaceState,
};
use grid_desk_core::{DeskOptions, GridDesk};
use grid_sim::control::{Fault, SimControl};

const SEED: &str = "300";

fn desk_in(dir: &Path) -> GridDesk {
    // Every test of this file uses the same seed size, so setting it again is harmless.
    std::env::set_var("GRID_DESK_DEMO_SEED_ACCOUNTS", SEED);
    let mut options = DeskOptions::new(
        dir.join("config"),
        dir.join("data"),
        Arc::new(MemoryStore::new()),
    );
    options.export_dir = Some(dir.join("exports"));
    std::fs::create_dir_all(dir.join("exports")).expect("exports dir");
    GridDesk::new(options)
}

async fn until_loaded(desk: &GridDesk) -> WorkspaceState {
    for _ in 0..600 {
        let state = desk.workspace.state();
        if !state.loading {
            return state;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the listing did not finish loading");
}

fn customers() -> LoadRequest {
    LoadRequest {
        list: ListKind::Customers,
        customer_id: None,
        external_owner: None,
    }
}

#[tokio::test]
async fn every_page_loads_with_exact_totals_find_and_a_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let desk = desk_in(dir.path());
    desk.start().await;
    let started = desk.workspace.load(customers()).await.expect("load");
    assert!(started.loading || started.loaded > 0);
    let state = until_loaded(&desk).await;
    assert!(!state.partial, "{state:?}");
    assert_eq!(Some(state.loaded as u64), state.total);
    assert!(
        state.loaded >= 300,
        "the generated accounts: {}",
        state.loaded
    );

    // The same accounts, paged through the ordinary list, summed here.
    let mut sums: BTreeMap<String, (i128, i128)> = BTreeMap::new();
    let mut cursor = None;
    let mut seen = 0;
    let mut reference = None;
    let mut number = None;
    loop {
        let page = desk
            .accounts
            .list_customer(CustomerAccountsRequest {
                cursor: cursor.clone(),
                limit: Some(100),
                ..CustomerAccountsRequest::default()
            })
            .await
            .expect("page");
        for a in &page.items {
            seen += 1;
            let sum = sums
                .entry(a.currency_code.clone().unwrap_or_default())
                .or_default();
            sum.0 += i128::from(a.balance.amount);
            sum.1 += i128::from(a.total_balance.amount);
            for i in &a.instructions {
                if reference.is_none() {
                    reference = i.reference.clone().map(|r| (r, a.id.clone()));
                }
                if number.is_none() {
                    number = i
                        .fields
                        .iter()
                        .find(|f| f.key == "iban" || f.key == "accountNumber")
                        .map(|f| (f.value.clone(), a.id.clone()));
                }
            }
        }
        if !page.has_more {
            break;
        }
        cursor = page.next_cursor;
    }
    assert_eq!(seen, state.loaded);
    let totals: BTreeMap<String, (String, String)> = state
        .totals
        .iter()
        .map(|t| {
            (
                t.currency.clone(),
                (t.available_minor.clone(), t.total_minor.clone()),
            )
        })
        .collect();
    let expected: BTreeMap<String, (String, String)> = sums
        .iter()
        .map(|(c, (a, t))| (c.clone(), (a.to_string(), t.to_string())))
        .collect();
    assert_eq!(totals, expected);

    // Find by a payment reference, typed in lower case with spaces.
    let (reference, owner) = reference.expect("a generated account has a reference");
    let typed = reference.to_lowercase().replace('-', " ");
    let found = desk
        .workspace
        .find(FindRequest { text: typed })
        .expect("find");
    assert!(found.hits.iter().any(|h| h.id == owner), "{found:?}");
    let (number, owner) = number.expect("an account number or IBAN");
    let view = desk
        .workspace
        .view(ViewRequest {
            find: Some(number.clone()),
            ..ViewRequest::default()
        })
        .expect("view");
    assert!(view.count >= 1);
    let rows = desk
        .workspace
        .rows(RowsRequest {
            offset: 0,
            limit: 50,
        })
        .expect("rows");
    assert!(rows.rows.iter().any(|r| r.id == owner));
    assert!(rows.rows[0].matched.is_some());

    // One currency: the totals follow the filter.
    let (currency, (available, _)) = sums.iter().next().expect("a currency");
    let filtered = desk
        .workspace
        .view(ViewRequest {
            currency: Some(currency.clone()),
            ..ViewRequest::default()
        })
        .expect("view");
    assert_eq!(filtered.totals.len(), 1);
    assert_eq!(filtered.totals[0].available_minor, available.to_string());

    let saved = desk
        .workspace
        .export_csv(
            ExportRequest {
                utc_offset_minutes: Some(0),
            },
            &desk.printing,
            &NoDialog,
        )
        .await
        .expect("export");
    let json = serde_json::to_value(&saved).expect("json");
    let path = json["path"].as_str().expect("a path");
    let text = std::fs::read_to_string(path).expect("csv");
    assert!(text.contains("As of,"), "{text}");
    assert!(
        text.contains("Environment,Demo"),
        "{}",
        &text[..200.min(text.len())]
    );
    assert!(text.contains(&format!("Total {currency},")));
    desk.shutdown().await;
}

#[tokio::test]
async fn a_cancelled_load_keeps_what_it_read_and_reads_no_more() {
    let dir = tempfile::tempdir().expect("tempdir");
    let desk = desk_in(dir.path());
    desk.start().await;
    let base = desk
        .connections
        .app_state()
        .await
        .expect("state")
        .active
        .base_url;
    SimControl::new(
        base,
        grid_sim::DEFAULT_CLIENT_ID,
        grid_sim::DEFAULT_CLIENT_SECRET,
    )
    .arm_for(Fault::Latency { latency_ms: 300 }, 10)
    .await
    .expect("latency");
    desk.workspace.load(customers()).await.expect("load");
    for _ in 0..100 {
        if desk.workspace.state().loaded > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cancelled = desk.workspace.cancel();
    assert!(cancelled.cancelled && cancelled.partial && !cancelled.loading);
    assert!(cancelled.loaded > 0 && (cancelled.loaded as u64) < cancelled.total.expect("total"));
    assert!(
        cancelled.totals_text.contains("partial"),
        "{}",
        cancelled.totals_text
    );
    tokio::time::sleep(Duration::from_millis(900)).await;
    let later = desk.workspace.state();
    assert_eq!(
        later.loaded, cancelled.loaded,
        "no page is added after the cancel"
    );
    assert!(later.cancelled);
    desk.shutdown().await;
}

struct NoDialog;

impl grid_desk_core::printing::SaveDialog for NoDialog {
    async fn choose(
        &self,
        _export: &grid_desk_core::printing::Export,
    ) -> grid_desk_core::UiResult<Option<std::path::PathBuf>> {
        Ok(None)
    }
}
