//! Issue 10 (app side) and issue 13 item 7 in the real window: one instance, damaged files set
//! aside with a notice, a slow listing shown in progress and cancelled, amounts in a German
//! number format, and the workspace (tab, filters, window size, logs) remembered, on the demo
//! and on a sandbox connection.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::Locator;
use grid_desk_e2e::{text, text_content, tid, tools, App, Grid, Launch, Profile, STEP};
use grid_sim::control::Fault;

fn config_dir(profile: &Profile) -> PathBuf {
    profile.home.join(".config/com.griddesk.app")
}

fn log_dir(profile: &Profile) -> PathBuf {
    profile.home.join(".local/share/com.griddesk.app/logs")
}

/// Everything the app wrote to its log folder.
fn app_logs(profile: &Profile) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(log_dir(profile))
        .into_iter()
        .flatten()
        .flatten()
    {
        all.push_str(&String::from_utf8_lossy(
            &std::fs::read(entry.path()).unwrap_or_default(),
        ));
    }
    all
}

#[tokio::test]
async fn a_second_launch_exits_and_the_first_window_keeps_working() {
    let app = App::launch("single_instance").await;
    let started = Instant::now();
    let mut second = Command::new(&tools().app);
    second
        .env_clear()
        .envs(app.app_env())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = second.spawn().expect("starting a second Grid Desk");
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the second Grid Desk") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            app.fail("a second Grid Desk was still running after 20 s: it must hand over and exit")
                .await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    eprintln!(
        "[e2e] the second launch exited with {status} after {:?}",
        started.elapsed()
    );
    assert!(
        status.success(),
        "the second launch exits cleanly: {status}"
    );

    // The running app was told (its handler focuses the window) and still works.
    app.wait_for("the first app to log the second launch", STEP, async || {
        Ok(app_logs(&app.profile)
            .contains("Grid Desk was opened again")
            .then_some(()))
    })
    .await;
    app.click("refresh").await;
    app.wait_for("the cards after a refresh", STEP, async || {
        app.displayed("account-card").await
    })
    .await;
    app.snap("single_instance").await;
    let profile = app.shut_down().await;
    let dirs: Vec<_> = std::fs::read_dir(config_dir(&profile))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    eprintln!("[e2e] config dir after both launches: {dirs:?}");
}

fn plant_damaged_settings(profile: &Profile) {
    let dir = config_dir(profile);
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(
        dir.join("connections.json"),
        b"{\"connections\": [ {\"id\": ",
    )
    .expect("a damaged settings file");
}

#[tokio::test]
async fn a_damaged_settings_file_is_set_aside_and_the_window_says_where() {
    let launch = Launch {
        prepare: Some(plant_damaged_settings),
        ..Launch::default()
    };
    let app = App::launch_with("damaged_settings", launch).await;
    let notice = app
        .wait_for("the notice about the damaged settings", STEP, async || {
            for notice in app.all("notice").await {
                let shown = text(&notice).await;
                if shown.contains("connections.json.unreadable-") {
                    return Ok(Some(shown));
                }
            }
            Ok(None)
        })
        .await;
    assert!(
        notice.contains("could not be read"),
        "the notice says what happened: {notice}"
    );
    app.snap("damaged_settings_notice").await;
    let copies: Vec<_> = std::fs::read_dir(config_dir(&app.profile))
        .expect("config dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains("connections.json.unreadable-"))
        .collect();
    assert_eq!(copies.len(), 1, "the damaged file is kept: {copies:?}");
    assert!(
        notice.contains(&*copies[0].to_string_lossy()),
        "the notice names the copy {}: {notice}",
        copies[0].display()
    );
    assert_eq!(
        std::fs::read(&copies[0]).expect("the copy"),
        b"{\"connections\": [ {\"id\": "
    );
    // The app started clean: the demo works.
    assert!(!app.all("account-card").await.is_empty());
    app.shut_down().await;
}

#[tokio::test]
async fn a_slow_listing_shows_progress_and_cancel_stops_it() {
    let app = App::launch("cancel_listing").await;
    app.demo
        .control()
        .arm(Fault::Latency { latency_ms: 30_000 })
        .await
        .expect("arming a 30 s delay");
    app.click("refresh").await;
    app.wait_for("the listing in progress", STEP, async || {
        let progress = app.displayed("list-progress").await?;
        Ok(progress.map(|_| ()))
    })
    .await;
    app.wait_for("the elapsed seconds", STEP, async || {
        let t = text_content(&app.find("list-progress-text").await).await;
        Ok((t.contains("Loading accounts from Grid") && t.contains(" s")).then_some(t))
    })
    .await;
    app.snap("cancel_listing_in_progress").await;
    let cancelled_at = Instant::now();
    app.click("list-cancel").await;
    app.wait_for("the list to say it was cancelled", STEP, async || {
        let status = text_content(&app.find("list-status").await).await;
        Ok(status.contains("cancelled").then_some(()))
    })
    .await;
    let took = cancelled_at.elapsed();
    eprintln!("[e2e] cancelled after {took:?}");
    assert!(
        took < Duration::from_secs(10),
        "Cancel must not wait for the 30 s answer ({took:?})"
    );
    assert!(app
        .displayed("list-progress")
        .await
        .ok()
        .flatten()
        .is_none());
    assert!(
        app.displayed("error-banner").await.ok().flatten().is_none(),
        "a cancelled listing is not an error"
    );
    app.snap("cancel_listing_cancelled").await;
    app.click("refresh").await;
    app.wait_for("the cards again after Refresh", STEP, async || {
        app.displayed("account-card").await
    })
    .await;
    app.shut_down().await;
}

/// Cents from a German amount such as "$1.234,56" or "1.234,56 USD".
fn german_cents(text: &str) -> Option<i64> {
    let number: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .filter(|c| *c != '.')
        .collect();
    let (whole, frac) = number.split_once(',')?;
    format!("{whole}{frac:0<2}").parse().ok()
}

async fn usd_card(app: &App) -> (String, Element) {
    let accounts = app.demo.platform_accounts().await;
    let usd = accounts
        .iter()
        .find(|a| a["balance"]["currency"]["code"] == "USD")
        .expect("a USD platform account");
    let id = usd["id"].as_str().expect("id").to_owned();
    let card = app.card(&id).await;
    (id, card)
}

#[tokio::test]
async fn amounts_follow_a_german_locale_and_a_locale_dependent_one_is_confirmed() {
    let launch = Launch {
        env: vec![("GRID_DESK_LOCALE".into(), "de-DE".into())],
        ..Launch::default()
    };
    let app = App::launch_with("locale_de", launch).await;
    let (id, card) = usd_card(&app).await;
    let before = app.demo.account(&id).await["balance"]["amount"]
        .as_i64()
        .expect("balance");
    let shown = text(
        &card
            .find(Locator::Css(&tid("balance")))
            .await
            .expect("balance"),
    )
    .await;
    assert_eq!(
        german_cents(&shown),
        Some(before),
        "the balance is in German format: {shown}"
    );
    assert!(shown.contains(','), "a decimal comma: {shown}");

    let input = card
        .find(Locator::Css("input[name=amount]"))
        .await
        .expect("the amount field");
    app.reveal(&input).await;
    let placeholder = input
        .attr("placeholder")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    assert_eq!(placeholder, "e.g. 1.000,50");
    input.send_keys("1.000").await.expect("typing 1.000");
    let submit = card
        .find(Locator::Css(&tid("fund-submit")))
        .await
        .expect("submit");
    submit.click().await.expect("submitting");
    let hint = app
        .wait_for("the confirmation of 1.000", STEP, async || {
            let card = app.card(&id).await;
            let hint = text_content(&card.find(Locator::Css(".fund-hint")).await?).await;
            Ok(hint.contains("Is that right").then_some(hint))
        })
        .await;
    assert!(
        hint.contains("$1.000,00"),
        "a thousand dollars, in German: {hint}"
    );
    app.snap("locale_de_confirm").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        app.demo.account(&id).await["balance"]["amount"].as_i64(),
        Some(before),
        "nothing is sent before the person confirms"
    );
    let card = app.card(&id).await;
    card.find(Locator::Css(&tid("fund-submit")))
        .await
        .expect("confirm")
        .click()
        .await
        .expect("confirming");
    app.wait_for("the confirmed fund to land", STEP, async || {
        let now = app.demo.account(&id).await["balance"]["amount"].as_i64();
        Ok((now == Some(before + 100_000)).then_some(()))
    })
    .await;

    // Another locale's way of writing is refused in words, not guessed (once the card's
    // controls are enabled again after the fund).
    app.wait_for("the amount field to take input again", STEP, async || {
        let card = app.card(&id).await;
        let input = card.find(Locator::Css("input[name=amount]")).await?;
        if !input.is_enabled().await? {
            return Ok(None);
        }
        Ok(input.send_keys("1,000.50").await.ok())
    })
    .await;
    let error = app
        .wait_for("the explanation of 1,000.50", STEP, async || {
            let card = app.card(&id).await;
            let e = text_content(&card.find(Locator::Css(&tid("fund-error"))).await?).await;
            Ok((!e.is_empty()).then_some(e))
        })
        .await;
    assert!(error.contains("1.000,50"), "the German example: {error}");
    app.snap("locale_de_refused").await;
    app.shut_down().await;
}

#[tokio::test]
async fn the_workspace_and_window_are_remembered_after_a_restart() {
    remember("remember", Grid::Demo).await;
}

#[tokio::test]
async fn the_workspace_and_window_are_remembered_after_a_restart_on_a_sandbox_connection() {
    remember("remember_sandbox", Grid::sandbox("remember")).await;
}

/// Tab, filter and window size survive a restart on that connection, and Settings names the
/// logs folder; screenshot `<name>_settings_logs`.
async fn remember(name: &str, grid: Grid) {
    let app = App::launch_with(name, grid.launch(Launch::default())).await;
    app.client
        .set_window_rect(40, 30, 1100, 760)
        .await
        .expect("resizing the window");
    app.click("tab-customers").await;
    let currency = app.find("currency-filter").await;
    currency.send_keys("USD").await.expect("typing a filter");
    app.wait_for("customer cards in USD", STEP, async || {
        app.displayed("account-card").await
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let before = app.client.get_window_rect().await.expect("window rect");
    let profile = app.shut_down().await;
    let saved = std::fs::read_to_string(config_dir(&profile).join("ui-preferences.json"))
        .expect("the preferences were saved");
    assert!(saved.contains("customers"), "{saved}");

    let relaunch = grid.launch(Launch {
        keep_window_size: true,
        ..Launch::default()
    });
    let app = App::launch_again(&format!("{name}_again"), profile, relaunch).await;
    let tab = app.find("tab-customers").await;
    assert_eq!(
        tab.attr("aria-selected").await.ok().flatten().as_deref(),
        Some("true"),
        "the last tab comes back"
    );
    let value = app
        .find("currency-filter")
        .await
        .prop("value")
        .await
        .ok()
        .flatten();
    assert_eq!(value.as_deref(), Some("USD"), "its filter comes back");
    let after = app.client.get_window_rect().await.expect("window rect");
    eprintln!("[e2e] window before {before:?}, after restart {after:?}");
    assert_eq!(
        (after.2, after.3),
        (before.2, before.3),
        "the window size comes back"
    );
    // Settings → Open logs folder names the folder the logs are in, and they are there.
    app.click("tab-settings").await;
    app.click("logs-open").await;
    let said = app
        .wait_for("where the logs are", STEP, async || {
            let t = text_content(&app.find("logs-result").await).await;
            Ok((!t.is_empty()).then_some(t))
        })
        .await;
    let dir = log_dir(&app.profile);
    assert!(said.contains(&*dir.to_string_lossy()), "{said}");
    assert!(
        dir.join("grid-desk.log").is_file(),
        "the log file is in {}",
        dir.display()
    );
    app.snap(&format!("{name}_settings_logs")).await;
    app.shut_down().await;
}
