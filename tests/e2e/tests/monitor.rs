//! Balance monitoring and low-balance alerts in the real window, on the demo and on a sandbox
//! connection: a fund made outside the app (straight to the simulator) appears on its card as "+$1,000.00 since HH:MM" after a
//! short refresh interval, and an alert level above a balance raises one desktop notification,
//! observed on the test's private D-Bus session (scripts/e2e-session records the Notify calls).

use std::time::Duration;

use grid_desk_e2e::{text, tid, App, Grid, SimApi};

async fn usd_platform_account(grid: &SimApi) -> (String, i64) {
    let accounts = grid.platform_accounts().await;
    let usd = accounts
        .iter()
        .find(|a| a["balance"]["currency"]["code"] == "USD")
        .expect("the simulator has a USD platform account");
    (
        usd["id"].as_str().expect("id").to_owned(),
        usd["balance"]["amount"].as_i64().expect("amount"),
    )
}

async fn fill(app: &App, id: &str, value: &str) {
    let input = app.find(id).await;
    input.clear().await.expect("clear");
    input.send_keys(value).await.expect("type");
}

fn notifications() -> String {
    std::env::var("GRID_DESK_E2E_NOTIFICATIONS")
        .ok()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_fund_outside_the_app_shows_its_delta_and_a_low_balance_raises_one_notification() {
    delta_alert_and_presets("monitor", Grid::Demo).await;
}

#[tokio::test]
async fn on_a_sandbox_connection_a_fund_outside_the_app_shows_its_delta_and_one_notification() {
    delta_alert_and_presets("monitor-sandbox", Grid::sandbox("monitor")).await;
}

/// The whole check on one connection; screenshots are named `<name>-alerts`, `<name>-delta`,
/// `<name>-btc-presets`.
async fn delta_alert_and_presets(name: &str, grid: Grid) {
    let app = App::launch_with(name, grid.launch(Default::default())).await;
    let api = grid.api(&app);
    let (usd, balance) = usd_platform_account(api).await;
    // The recorder serves the whole e2e session: count only this test's notifications.
    const SAID: &str = "Low balance: Platform USD account";
    let earlier = notifications().matches(SAID).count();

    // A short interval, saved for the connection shown.
    app.click("tab-settings").await;
    fill(&app, "monitor-interval", "5").await;
    app.click("monitor-save").await;
    app.wait_for("the 5 s interval", Duration::from_secs(10), async || {
        Ok(text(&app.find("monitor-status").await)
            .await
            .contains("5 seconds")
            .then_some(()))
    })
    .await;

    // An alert level above the balance: one notification, one entry in the list.
    let level = format!("{}.00", balance / 100 + 5_000);
    // One account (its id): a USD level would watch every customer USD account too.
    app.find("threshold-scope")
        .await
        .select_by_value("account")
        .await
        .expect("choosing one account");
    // The key field suggests the accounts read, by name.
    let offered = app
        .js(
            "return [...document.querySelectorAll('#threshold-choices option')].map(o => o.value + ' ' + o.label);",
            vec![],
        )
        .await;
    assert!(
        offered
            .to_string()
            .contains(&format!("{usd} Platform USD account")),
        "{offered}"
    );
    fill(&app, "threshold-key", &usd).await;
    fill(&app, "threshold-amount", &level).await;
    app.click("threshold-save").await;
    // Read in the probe: the list is redrawn on every refresh, so a found entry can be
    // replaced (and read as empty) before its text is read.
    let entry_text = app
        .wait_for("the alert entry", Duration::from_secs(15), async || {
            for entry in app.all("alert-entry").await {
                let said = text(&entry).await;
                if !said.is_empty() {
                    return Ok(Some(said));
                }
            }
            Ok(None)
        })
        .await;
    assert!(
        entry_text.contains("Low balance: Platform USD account"),
        "{entry_text}"
    );
    assert_eq!(
        app.all("alert-entry").await.len(),
        1,
        "one alert in the list"
    );
    let seen = app
        .wait_for(
            "the desktop notification",
            Duration::from_secs(15),
            async || {
                let log = notifications();
                // From this test's notification on.
                Ok(log
                    .match_indices(SAID)
                    .nth(earlier)
                    .map(|(at, _)| log[at..].to_owned()))
            },
        )
        .await;
    assert!(seen.contains("below the alert level of $"), "{seen}");
    app.snap(&format!("{name}-alerts")).await;

    // Funded outside the app: the card shows the delta after a refresh or two.
    api.fund(&usd, 100_000).await;
    app.click("tab-platform").await;
    let card = app.card(&usd).await;
    let mark = app
        .wait_for(
            "the balance change on the card",
            Duration::from_secs(30),
            async || match card
                .find(fantoccini::Locator::Css(&tid("balance-change")))
                .await
            {
                Ok(mark) => Ok(Some(text(&mark).await)),
                Err(_) => Ok(None),
            },
        )
        .await;
    assert!(mark.starts_with("+$1,000.00 since "), "{mark}");
    if let Ok(mark) = card
        .find(fantoccini::Locator::Css(&tid("balance-change")))
        .await
    {
        app.reveal(&mark).await;
    }
    app.snap(&format!("{name}-delta")).await;

    // The BTC card's fund presets fit bitcoin: +0.001, +0.01, +0.1 (not +10,000 BTC).
    let accounts = api.platform_accounts().await;
    let btc = accounts
        .iter()
        .find(|a| a["balance"]["currency"]["code"] == "BTC")
        .and_then(|a| a["id"].as_str())
        .expect("the simulator has a BTC platform account")
        .to_owned();
    let card = app.card(&btc).await;
    let presets = card
        .find_all(fantoccini::Locator::Css(&tid("fund-preset")))
        .await
        .expect("presets");
    let mut labels = Vec::new();
    for preset in &presets {
        labels.push(text(preset).await);
    }
    assert_eq!(labels, ["+0.001 BTC", "+0.01 BTC", "+0.1 BTC"]);
    app.reveal(&presets[0]).await;
    app.snap(&format!("{name}-btc-presets")).await;

    // Still below the level after more refreshes: no second notification.
    tokio::time::sleep(Duration::from_secs(11)).await;
    let count = notifications().matches(SAID).count() - earlier;
    assert_eq!(count, 1, "one notification per crossing");
    app.shut_down().await;
}
