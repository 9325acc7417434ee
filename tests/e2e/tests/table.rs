//! The accounts table in the real window (issue 12): totals equal to the simulator's accounts
//! summed here, sort by a column header, filter, find by payment reference / IBAN / wallet
//! address, keyboard use (/, arrows, Space, Enter, Escape), the detail pane, the balance report
//! CSV; and axe-core (node_modules/axe-core, injected through WebDriver) on every tab, the
//! table, the detail pane, every dialog and the print preview.

use std::collections::BTreeMap;
use std::path::Path;

use fantoccini::key::Key;
use grid_desk_e2e::{text, tid, App, Launch, SimProcess, STEP};
use serde_json::{json, Value};

fn key(k: Key) -> String {
    char::from(k).to_string()
}

/// Waits until the table has loaded every page; returns how many rows it shows.
async fn table_loaded(app: &App) -> usize {
    app.wait_for("the table to load every page", STEP * 4, async || {
        let table = app.find("table-view").await;
        let loading = table.attr("data-loading").await?.unwrap_or_default();
        let count: usize = table
            .attr("data-count")
            .await?
            .unwrap_or_default()
            .parse()
            .unwrap_or(0);
        let rows = app.all("table-row").await.len();
        Ok((loading == "false" && (count == 0 || rows > 0)).then_some(count))
    })
    .await
}

/// The ids of the rows on screen, top to bottom.
async fn row_ids(app: &App) -> Vec<String> {
    let ids = app
        .js(
            "return [...document.querySelectorAll('#table-body tr.trow:not([hidden])')].map(r => r.dataset.accountId);",
            vec![],
        )
        .await;
    serde_json::from_value(ids).unwrap_or_default()
}

/// Sets a field's value as typing would, and fires `input`.
async fn type_into(app: &App, id: &str, value: &str) {
    app.js(
        "const el = document.querySelector(arguments[0]); el.value = arguments[1]; el.dispatchEvent(new Event('input', {bubbles: true}));",
        vec![json!(tid(id)), json!(value)],
    )
    .await;
}

async fn wait_count(app: &App, what: &str, wanted: usize) {
    app.wait_for(what, STEP, async || {
        let table = app.find("table-view").await;
        let count: usize = table
            .attr("data-count")
            .await?
            .unwrap_or_default()
            .parse()
            .unwrap_or(usize::MAX);
        Ok((count == wanted).then_some(()))
    })
    .await;
}

/// The per-currency totals the bar shows, in smallest units.
async fn shown_totals(app: &App) -> BTreeMap<String, (String, String)> {
    let v = app
        .js(
            "return [...document.querySelectorAll('#totals-list li')].map(li => [li.dataset.currency, li.dataset.availableMinor, li.dataset.totalMinor]);",
            vec![],
        )
        .await;
    let rows: Vec<(String, String, String)> = serde_json::from_value(v).unwrap_or_default();
    rows.into_iter().map(|(c, a, t)| (c, (a, t))).collect()
}

fn amount(v: &Value) -> i128 {
    i128::from(v["amount"].as_i64().unwrap_or(0))
}

fn sums(accounts: &[Value]) -> BTreeMap<String, (String, String)> {
    let mut sums: BTreeMap<String, (i128, i128)> = BTreeMap::new();
    for a in accounts {
        let code = a["balance"]["currency"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        let s = sums.entry(code).or_default();
        s.0 += amount(&a["balance"]);
        s.1 += amount(&a["totalBalance"]);
    }
    sums.into_iter()
        .map(|(c, (a, t))| (c, (a.to_string(), t.to_string())))
        .collect()
}

/// The first value of `key` in any account's funding instructions, with the account's id.
fn instruction_value(accounts: &[Value], key: &str) -> Option<(String, String)> {
    accounts.iter().find_map(|a| {
        a["fundingPaymentInstructions"]
            .as_array()?
            .iter()
            .find_map(|i| i["accountOrWalletInfo"][key].as_str().map(str::to_owned))
            .map(|v| (v, a["id"].as_str().unwrap_or("").to_owned()))
    })
}

async fn open_table(app: &App, tab: &str) -> usize {
    app.click(tab).await;
    app.click("view-table").await;
    table_loaded(app).await
}

/// Finds `text` and checks the row of `id` is shown, explained by `label`.
async fn find_shows(app: &App, typed: &str, id: &str, label: &str) {
    type_into(app, "table-find", typed).await;
    // The row is there with what matched (not just the unfiltered list still on screen).
    let matched = app
        .wait_for(&format!("find {typed:?} to show {id}"), STEP, async || {
            let m = app
                .js(
                    "const r = document.querySelector(`#table-body tr.trow[data-account-id=\"${arguments[0]}\"] [data-testid=row-matched]`); return r ? r.textContent : null;",
                    vec![json!(id)],
                )
                .await;
            Ok(m.as_str().map(str::to_owned))
        })
        .await;
    assert!(
        matched.to_lowercase().contains(&label.to_lowercase()),
        "the row says why it matched ({label}): {matched:?}"
    );
}

#[tokio::test]
async fn table_totals_sort_filter_find_keyboard_detail_and_export() {
    let exports = tempfile::tempdir().expect("an export dir");
    let app = App::launch_with(
        "table",
        Launch {
            env: vec![
                ("GRID_DESK_DEMO_SEED_ACCOUNTS".into(), "300".into()),
                (
                    "GRID_DESK_EXPORT_DIR".into(),
                    exports.path().display().to_string(),
                ),
            ],
            ..Launch::default()
        },
    )
    .await;
    let accounts = app.demo.customer_accounts("").await;
    let count = open_table(&app, "tab-customers").await;
    assert_eq!(count, accounts.len(), "one row per customer account");

    // Totals: exactly the simulator's accounts summed here.
    assert_eq!(shown_totals(&app).await, sums(&accounts));
    let totals_text = text(&app.find("totals-text").await).await;
    assert!(
        !totals_text.contains("partial"),
        "all loaded: {totals_text:?}"
    );
    app.snap("table-customers").await;

    // Sort by available: currency, then amount, then id (as Rust orders it).
    app.click("sort-available").await;
    let mut expected: Vec<(String, i128, String)> = accounts
        .iter()
        .map(|a| {
            (
                a["balance"]["currency"]["code"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
                amount(&a["balance"]),
                a["id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    expected.sort();
    let first: Vec<String> = expected.iter().take(8).map(|e| e.2.clone()).collect();
    app.wait_for("rows sorted by available", STEP, async || {
        let ids = row_ids(&app).await;
        Ok((ids.len() >= 8 && ids[..8] == first[..]).then_some(()))
    })
    .await;
    let sort = app
        .js(
            "return document.querySelector('th[data-column=available]').getAttribute('aria-sort');",
            vec![],
        )
        .await;
    assert_eq!(sort, json!("ascending"));
    app.click("sort-available").await;
    let last: Vec<String> = expected.iter().rev().take(8).map(|e| e.2.clone()).collect();
    app.wait_for("rows sorted by available, descending", STEP, async || {
        let ids = row_ids(&app).await;
        Ok((ids.len() >= 8 && ids[..8] == last[..]).then_some(()))
    })
    .await;

    // Filter by currency: rows and totals follow.
    let eur: Vec<Value> = accounts
        .iter()
        .filter(|a| a["balance"]["currency"]["code"] == "EUR")
        .cloned()
        .collect();
    type_into(&app, "currency-filter", "EUR").await;
    wait_count(&app, "the EUR accounts", eur.len()).await;
    assert_eq!(shown_totals(&app).await, sums(&eur));
    app.snap("table-filter-eur").await;
    type_into(&app, "currency-filter", "").await;
    wait_count(&app, "every account again", accounts.len()).await;

    // Find: a payment reference (typed lower case), an IBAN (with spaces), a wallet address.
    if let Some((reference, id)) = instruction_value(&accounts, "reference") {
        find_shows(&app, &reference.to_lowercase(), &id, "reference").await;
    }
    if let Some((iban, id)) = instruction_value(&accounts, "iban") {
        let spaced: String = iban
            .chars()
            .collect::<Vec<_>>()
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ");
        find_shows(&app, &spaced, &id, "IBAN").await;
    }
    let (address, id) =
        instruction_value(&accounts, "address").expect("the demo has wallet addresses");
    find_shows(&app, &address, &id, "address").await;
    app.snap("table-find-address").await;
    type_into(&app, "table-find", "").await;
    wait_count(&app, "every account again", accounts.len()).await;

    // Keyboard: "/" goes to Find; arrows move; Space selects; Enter opens; Escape closes.
    app.js(
        "document.activeElement && document.activeElement.blur(); document.body.focus();",
        vec![],
    )
    .await;
    app.client
        .active_element()
        .await
        .expect("active element")
        .send_keys("/")
        .await
        .expect("pressing /");
    let focused = app.js("return document.activeElement.id;", vec![]).await;
    assert_eq!(focused, json!("table-find"), "/ focuses Find");
    app.js(
        "document.querySelector('#table-body tr.trow').focus();",
        vec![],
    )
    .await;
    // Each key goes to the element that has focus now (the row the last key moved to).
    for _ in 0..2 {
        let active = app.client.active_element().await.expect("row");
        active.send_keys(&key(Key::Down)).await.expect("down");
    }
    let index = app
        .js("return document.activeElement.dataset.index;", vec![])
        .await;
    assert_eq!(index, json!("2"), "two rows down");
    let row = app.client.active_element().await.expect("row");
    let row_id = row
        .attr("data-account-id")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    row.send_keys(" ").await.expect("space");
    app.wait_for("the row selected", STEP, async || {
        let selected = text(&app.find("print-selected").await).await;
        Ok((selected == "Print selected (1)").then_some(()))
    })
    .await;
    let row = app.client.active_element().await.expect("row");
    row.send_keys(&key(Key::Enter)).await.expect("enter");
    let pane = app.find("detail-pane").await;
    let title = text(&app.find("detail-title").await).await;
    assert!(title.contains(&row_id), "{title:?} names {row_id}");
    let copies = app
        .js(
            "return document.querySelectorAll('#detail-body [data-testid=copy]').length;",
            vec![],
        )
        .await;
    assert!(
        copies.as_u64().unwrap_or(0) >= 2,
        "copy buttons in the pane"
    );
    let wanted_qrs = app.demo.account(&row_id).await["fundingPaymentInstructions"]
        .as_array()
        .map_or(0, |i| {
            i.iter()
                .filter(|x| x["accountOrWalletInfo"]["address"].is_string())
                .count()
        });
    if wanted_qrs > 0 {
        app.wait_for("the pane's QR codes", STEP, async || {
            let n = app
                .js(
                    "return document.querySelectorAll('#detail-body .qr svg').length;",
                    vec![],
                )
                .await;
            Ok((n.as_u64().unwrap_or(0) > 0).then_some(()))
        })
        .await;
    }
    drop(pane);
    app.snap("table-detail").await;
    app.js("document.activeElement.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));", vec![]).await;
    app.wait_for("the pane closed", STEP, async || {
        let hidden = app
            .js(
                "return document.getElementById('detail-pane').hidden;",
                vec![],
            )
            .await;
        Ok((hidden == json!(true)).then_some(()))
    })
    .await;

    // Export: the selected row, then (selection cleared) every row with totals.
    app.click("table-export").await;
    let first_csv = wait_csv(&app, exports.path(), 1).await;
    assert!(first_csv.contains("Balance report,"), "{first_csv}");
    assert!(first_csv.contains("As of,"));
    assert!(first_csv.contains("Environment,Demo"));
    assert!(first_csv.contains("Accounts,1 selected accounts"));
    assert!(first_csv.contains(&row_id));
    app.click("table-clear").await;
    app.wait_for("the selection cleared", STEP, async || {
        let selected = text(&app.find("print-selected").await).await;
        Ok((selected == "Print selected (0)").then_some(()))
    })
    .await;
    app.click("table-export").await;
    let all_csv = wait_csv(&app, exports.path(), 2).await;
    let rows = all_csv
        .lines()
        .filter(|l| l.contains(",InternalAccount:"))
        .count();
    assert_eq!(rows, accounts.len(), "one row per account");
    for (currency, (available, _)) in sums(&accounts) {
        assert!(
            all_csv.contains(&format!("Total {currency},")) && all_csv.contains(&available),
            "a total line for {currency} with {available}"
        );
    }
    app.shut_down().await;
}

/// Waits for the `n`th CSV in `dir`; returns the newest one's text.
async fn wait_csv(app: &App, dir: &Path, n: usize) -> String {
    app.wait_for("the balance report file", STEP, async || {
        let mut files: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .collect();
        files.sort();
        if files.len() < n {
            return Ok(None);
        }
        let newest = files
            .iter()
            .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
            .cloned();
        Ok(newest.map(|p| std::fs::read_to_string(p).unwrap_or_default()))
    })
    .await
}

/// Injects axe-core and returns its violations on the page as it is now.
async fn axe(app: &App, what: &str) -> Vec<String> {
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/axe-core/axe.min.js"),
    )
    .expect("node_modules/axe-core/axe.min.js (npm ci installs it)");
    let present = app.js("return typeof window.axe;", vec![]).await;
    if present != json!("object") {
        app.js(
            &format!("{source}\n;window.axe = axe; return true;"),
            vec![],
        )
        .await;
    }
    let result = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v =>
               `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)),
               e => done([`axe failed: ${e}`]));",
            vec![],
        )
        .await
        .expect("axe.run");
    let violations: Vec<String> = serde_json::from_value(result).unwrap_or_default();
    violations
        .into_iter()
        .map(|v| format!("{what}: {v}"))
        .collect()
}

#[tokio::test]
async fn axe_finds_no_violations_on_tabs_table_pane_dialogs_and_preview() {
    let app = App::launch("axe").await;
    let mut found = Vec::new();
    app.find("account-card").await;
    found.extend(axe(&app, "platform cards").await);

    // The print dialog and its preview.
    app.click("print-all").await;
    app.find("print-dialog").await;
    found.extend(axe(&app, "print dialog").await);
    app.click("print-preview").await;
    app.wait_for_print_preview().await;
    found.extend(axe(&app, "print preview").await);
    app.snap("axe-print-preview").await;
    app.click("preview-close").await;
    app.find("account-card").await;

    app.click("tab-customers").await;
    app.find("account-card").await;
    found.extend(axe(&app, "customer cards").await);
    app.click("view-table").await;
    table_loaded(&app).await;
    found.extend(axe(&app, "customer table").await);

    // An embedded wallet in the pane, and its wallet settings dialog.
    app.find("type-filter")
        .await
        .select_by_value("EMBEDDED_WALLET")
        .await
        .expect("the type filter offers embedded wallets");
    let wallets: Vec<String> = app
        .demo
        .customer_accounts("type=EMBEDDED_WALLET")
        .await
        .iter()
        .filter_map(|a| a["id"].as_str().map(str::to_owned))
        .collect();
    wait_count(&app, "embedded wallets only", wallets.len()).await;
    app.wait_for("only embedded wallet rows", STEP, async || {
        let ids = row_ids(&app).await;
        Ok((!ids.is_empty() && ids.iter().all(|id| wallets.contains(id))).then_some(()))
    })
    .await;
    app.js(
        "document.querySelector('#table-body tr.trow td[data-column=customer]').click();",
        vec![],
    )
    .await;
    app.find("detail-pane").await;
    found.extend(axe(&app, "detail pane").await);
    app.snap("axe-detail-pane").await;
    app.js(
        "document.querySelector('#detail-body [data-testid=patch-open]').click();",
        vec![],
    )
    .await;
    app.find("patch-dialog").await;
    found.extend(axe(&app, "wallet settings dialog").await);
    app.click("patch-close").await;

    app.click("tab-external").await;
    app.click("view-table").await;
    table_loaded(&app).await;
    found.extend(axe(&app, "external table").await);
    app.click("view-cards").await;
    app.find("external-card").await;
    found.extend(axe(&app, "external cards").await);

    app.click("tab-settings").await;
    app.find("connection-form").await;
    found.extend(axe(&app, "settings").await);
    app.shut_down().await;
    assert!(found.is_empty(), "axe-core found:\n{}", found.join("\n"));
}

#[tokio::test]
async fn the_table_works_on_a_sandbox_connection() {
    let sim = SimProcess::start(
        "e2e-table-id",
        "e2e-table-secret",
        &["--seed-accounts", "150"],
    );
    let app = App::launch_with(
        "table-sandbox",
        Launch {
            env: vec![
                ("GRID_CLIENT_ID".into(), "e2e-table-id".into()),
                ("GRID_CLIENT_SECRET".into(), "e2e-table-secret".into()),
                ("GRID_BASE_URL".into(), sim.url.clone()),
                ("GRID_ENVIRONMENT".into(), "sandbox".into()),
            ],
            ..Launch::default()
        },
    )
    .await;
    let badge = app.find("connection-badge").await;
    assert_eq!(
        badge.attr("data-env").await.ok().flatten().as_deref(),
        Some("sandbox")
    );
    let accounts = sim.api.customer_accounts("").await;
    let count = open_table(&app, "tab-customers").await;
    assert_eq!(count, accounts.len());
    assert_eq!(shown_totals(&app).await, sums(&accounts));
    let (reference, id) =
        instruction_value(&accounts, "reference").expect("a sandbox account with a reference");
    find_shows(&app, &reference, &id, "reference").await;
    app.js(
        "document.querySelector('#table-body tr.trow td[data-column=customer]').click();",
        vec![],
    )
    .await;
    let title = text(&app.find("detail-title").await).await;
    assert!(title.contains(&id), "{title:?}");
    app.snap("table-sandbox-detail").await;
    app.shut_down().await;
}
