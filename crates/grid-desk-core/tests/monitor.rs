//! The balance monitor against the in-process demo simulator, with a fake clock: deltas and
//! their time, thresholds that alert once per crossing, back-off on 429 and errors, one
//! refresh at a time, settings saved beside the connection.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use grid_desk_core::accounts::{FundRequest, PlatformAccountsRequest};
use grid_desk_core::keychain::MemoryStore;
use grid_desk_core::monitor::{
    AlertView, Clock, DeleteThresholdRequest, MonitorSink, MonitorView, MonitorViewRequest,
    SaveMonitorSettingsRequest, SaveThresholdRequest, ThresholdScope,
};
use grid_desk_core::{DeskOptions, GridDesk, UiCode};
use grid_sim::control::{Fault, SimControl};
use time::macros::datetime;
use time::OffsetDateTime;

/// A clock the test sets; `sleep` records how long the monitor wanted to wait and returns at
/// once (after yielding), so the loop's schedule can be read without waiting for it.
#[derive(Debug)]
struct FakeClock {
    now: Mutex<OffsetDateTime>,
    sleeps: Mutex<Vec<Duration>>,
}

impl FakeClock {
    fn at(now: OffsetDateTime) -> Arc<Self> {
        Arc::new(Self {
            now: Mutex::new(now),
            sleeps: Mutex::new(Vec::new()),
        })
    }
    fn set(&self, now: OffsetDateTime) {
        *self.now.lock().expect("clock") = now;
    }
    fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().expect("sleeps").clone()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().expect("clock")
    }
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.sleeps.lock().expect("sleeps").push(duration);
        Box::pin(async {
            tokio::time::sleep(Duration::from_millis(20)).await;
        })
    }
}

#[derive(Default)]
struct Recorder {
    views: Mutex<Vec<MonitorView>>,
    alerts: Mutex<Vec<AlertView>>,
}

impl MonitorSink for Recorder {
    fn updated(&self, view: &MonitorView) {
        self.views.lock().expect("views").push(view.clone());
    }
    fn alert(&self, alert: &AlertView) {
        self.alerts.lock().expect("alerts").push(alert.clone());
    }
}

impl Recorder {
    fn alerts(&self) -> Vec<AlertView> {
        self.alerts.lock().expect("alerts").clone()
    }
}

fn desk_in(dir: &Path, clock: Arc<FakeClock>) -> GridDesk {
    let mut options = DeskOptions::new(
        dir.join("config"),
        dir.join("data"),
        Arc::new(MemoryStore::new()),
    );
    options.monitor_clock = clock;
    GridDesk::new(options)
}

async fn usd_platform_account(desk: &GridDesk) -> (String, i64) {
    let accounts = desk
        .accounts
        .list_platform(PlatformAccountsRequest::default())
        .await
        .expect("platform accounts");
    let usd = accounts
        .iter()
        .find(|a| a.currency_code.as_deref() == Some("USD"))
        .expect("the demo has a USD platform account");
    (usd.id.clone(), usd.balance.amount)
}

async fn fund(desk: &GridDesk, account_id: &str, amount: i64) {
    desk.accounts
        .fund(FundRequest {
            account_id: account_id.to_owned(),
            amount,
            customer_id: None,
        })
        .await
        .expect("funded");
}

async fn sim_control(desk: &GridDesk) -> SimControl {
    SimControl::new(
        desk.demo.base_url().await,
        grid_sim::DEFAULT_CLIENT_ID,
        grid_sim::DEFAULT_CLIENT_SECRET,
    )
}

fn threshold(scope: ThresholdScope, key: &str, amount: &str) -> SaveThresholdRequest {
    SaveThresholdRequest {
        scope,
        key: key.to_owned(),
        amount: amount.to_owned(),
    }
}

#[tokio::test]
async fn a_changed_balance_shows_its_delta_and_the_time_of_the_reading_before() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = FakeClock::at(datetime!(2025-03-01 09:42:10 UTC));
    let desk = desk_in(dir.path(), Arc::clone(&clock));
    let sink = Arc::new(Recorder::default());
    desk.monitor.attach(sink.clone());
    // The window is at UTC+1: times are shown as it reads them.
    desk.monitor
        .view(MonitorViewRequest {
            utc_offset_minutes: Some(60),
        })
        .await
        .expect("view");

    assert!(desk.monitor.refresh().await, "the first refresh runs");
    let first = desk
        .monitor
        .view(MonitorViewRequest::default())
        .await
        .expect("view");
    assert!(
        first.changes.is_empty(),
        "the first reading is the baseline"
    );
    assert_eq!(first.status.state, "ok");
    assert!(
        first.status.message.contains("10:42"),
        "{}",
        first.status.message
    );

    let (usd, before) = usd_platform_account(&desk).await;
    fund(&desk, &usd, 100_000).await;
    clock.set(datetime!(2025-03-01 09:43:10 UTC));
    assert!(desk.monitor.refresh().await);
    let view = desk
        .monitor
        .view(MonitorViewRequest::default())
        .await
        .expect("view");
    assert_eq!(view.changes.len(), 1, "{:?}", view.changes);
    let change = &view.changes[0];
    assert_eq!(change.account_id, usd);
    assert_eq!(change.delta, 100_000);
    assert_eq!(change.text, "+$1,000.00 since 10:42");
    assert_eq!(change.tone, "up");
    assert_eq!(change.balance.amount, before + 100_000);
    // The window was told too.
    let last = sink
        .views
        .lock()
        .expect("views")
        .last()
        .cloned()
        .expect("an update");
    assert_eq!(last.changes, view.changes);

    // An unchanged balance keeps the last change; the next change is measured from the
    // reading before it.
    clock.set(datetime!(2025-03-01 09:44:10 UTC));
    desk.monitor.refresh().await;
    fund(&desk, &usd, 50).await;
    clock.set(datetime!(2025-03-01 09:45:10 UTC));
    desk.monitor.refresh().await;
    let view = desk
        .monitor
        .view(MonitorViewRequest::default())
        .await
        .expect("view");
    assert_eq!(view.changes[0].text, "+$0.50 since 10:44");
}

#[tokio::test]
async fn a_threshold_alerts_once_per_crossing_and_clears_when_back_above() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = FakeClock::at(datetime!(2025-03-01 10:00:00 UTC));
    let desk = desk_in(dir.path(), Arc::clone(&clock));
    let sink = Arc::new(Recorder::default());
    desk.monitor.attach(sink.clone());
    let (usd, balance) = usd_platform_account(&desk).await;

    // An alert level just above the balance, typed in dollars: raised at once, once.
    let level = grid_client::money::format_minor_units(balance + 100, 2);
    let view = desk
        .monitor
        .save_threshold(threshold(ThresholdScope::Account, &usd, &level))
        .await
        .expect("saved");
    assert_eq!(view.thresholds.len(), 1);
    assert_eq!(view.thresholds[0].amount, balance + 100);
    let alerts = sink.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].title, "Low balance: Platform USD account");
    assert!(
        alerts[0].body.contains("below the alert level of $"),
        "{}",
        alerts[0].body
    );
    assert!(alerts[0].active);

    for _ in 0..3 {
        desk.monitor.refresh().await;
    }
    assert_eq!(
        sink.alerts().len(),
        1,
        "still below: no second notification"
    );

    // Back above: cleared, kept in the list.
    fund(&desk, &usd, 200).await;
    clock.set(datetime!(2025-03-01 10:05:00 UTC));
    desk.monitor.refresh().await;
    let view = desk
        .monitor
        .view(MonitorViewRequest::default())
        .await
        .expect("view");
    assert_eq!(view.alerts.len(), 1);
    assert!(!view.alerts[0].active);
    assert_eq!(view.alerts[0].when, "Raised at 10:00 · back above at 10:05");
    assert_eq!(sink.alerts().len(), 1);

    // A currency level above it: a new crossing, a new alert.
    let level = grid_client::money::format_minor_units(balance + 10_000, 2);
    desk.monitor
        .save_threshold(threshold(ThresholdScope::Account, &usd, &level))
        .await
        .expect("raised");
    assert_eq!(sink.alerts().len(), 2);
    // Removing the level clears its alert.
    let view = desk
        .monitor
        .delete_threshold(DeleteThresholdRequest {
            scope: ThresholdScope::Account,
            key: usd.clone(),
        })
        .await
        .expect("deleted");
    assert!(view.thresholds.is_empty());
    assert!(view.alerts.iter().all(|a| !a.active), "{:?}", view.alerts);
}

#[tokio::test]
async fn currency_levels_are_parsed_exactly_and_bad_ones_explained() {
    let dir = tempfile::tempdir().expect("tempdir");
    let desk = desk_in(
        dir.path(),
        FakeClock::at(datetime!(2025-03-01 10:00:00 UTC)),
    );
    let view = desk
        .monitor
        .save_threshold(threshold(ThresholdScope::Currency, "btc", "0.00100001"))
        .await
        .expect("a BTC level");
    assert_eq!(view.thresholds[0].key, "BTC");
    assert_eq!(view.thresholds[0].amount, 100_001);
    assert_eq!(view.thresholds[0].display, "0.00100001 BTC");
    assert_eq!(view.thresholds[0].label, "Every BTC account");
    for (key, amount, says) in [
        ("USD", "1.001", "decimal"),
        ("USD", "abc", "not an amount"),
        ("USD", "-5", "positive"),
        ("USD", "1e5", "exponent"),
        ("XXX", "5", "No account in XXX"),
        ("USD", "99,999,999,999,999,999", "larger than any balance"),
    ] {
        let err = desk
            .monitor
            .save_threshold(threshold(ThresholdScope::Currency, key, amount))
            .await
            .expect_err("refused");
        assert_eq!(err.code, UiCode::Validation);
        assert!(
            err.message.to_lowercase().contains(&says.to_lowercase()),
            "{key} {amount}: {}",
            err.message
        );
    }
    // Saved beside the connection, read back by the next start.
    drop(desk);
    let config = std::fs::read_to_string(dir.path().join("config/connections.json"))
        .expect("the connections file");
    assert!(config.contains("\"monitoring\""), "{config}");
    let again = desk_in(
        dir.path(),
        FakeClock::at(datetime!(2025-03-01 10:00:00 UTC)),
    );
    let view = again
        .monitor
        .view(MonitorViewRequest::default())
        .await
        .expect("view");
    assert_eq!(view.thresholds.len(), 1);
    assert_eq!(view.thresholds[0].amount, 100_001);
}

#[tokio::test]
async fn the_loop_waits_the_interval_and_backs_off_on_429_and_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = FakeClock::at(datetime!(2025-03-01 10:00:00 UTC));
    let desk = Arc::new(desk_in(dir.path(), Arc::clone(&clock)));
    desk.monitor
        .save_settings(SaveMonitorSettingsRequest {
            enabled: true,
            interval_seconds: 30,
        })
        .await
        .expect("settings");
    let bad = desk
        .monitor
        .save_settings(SaveMonitorSettingsRequest {
            enabled: true,
            interval_seconds: 1,
        })
        .await
        .expect_err("too short");
    assert!(bad.message.contains("5 seconds"), "{}", bad.message);
    // Start the demo, then arm: Grid asks to wait 2 minutes, twice; then a server error.
    usd_platform_account(&desk).await;
    let control = sim_control(&desk).await;
    control
        .arm_for(
            Fault::RateLimit {
                retry_after_secs: 120,
            },
            2,
        )
        .await
        .expect("armed");
    let task = tokio::spawn(Arc::clone(&desk.monitor).run());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while clock.sleeps().len() < 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    task.abort();
    let sleeps = clock.sleeps();
    assert!(sleeps.len() >= 3, "{sleeps:?}");
    // 1st refresh (at once): 429 → at least Grid's 120 s; 2nd: 429 again → 120 s vs 30 s × 4;
    // 3rd: fine → the interval.
    assert_eq!(
        &sleeps[..3],
        &[
            Duration::from_secs(120),
            Duration::from_secs(120),
            Duration::from_secs(30)
        ]
    );
    let view = desk
        .monitor
        .view(MonitorViewRequest::default())
        .await
        .expect("view");
    assert_eq!(view.status.state, "ok", "{:?}", view.status);
}

#[tokio::test]
async fn errors_are_shown_in_words_and_the_wait_doubles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = FakeClock::at(datetime!(2025-03-01 10:00:00 UTC));
    let desk = desk_in(dir.path(), Arc::clone(&clock));
    usd_platform_account(&desk).await;
    let control = sim_control(&desk).await;
    // Every attempt of the client's own retries fails too.
    control
        .arm_for(
            Fault::Status {
                status: grid_sim::control::FailureStatus::ServiceUnavailable,
            },
            100,
        )
        .await
        .expect("armed");
    desk.monitor.refresh().await;
    let view = desk
        .monitor
        .view(MonitorViewRequest::default())
        .await
        .expect("view");
    assert_eq!(view.status.state, "error");
    assert!(
        view.status
            .message
            .starts_with("Balances could not be refreshed:")
            && view.status.message.ends_with("Trying again in 2 minutes."),
        "{}",
        view.status.message
    );
    desk.monitor.refresh().await;
    let view = desk
        .monitor
        .view(MonitorViewRequest::default())
        .await
        .expect("view");
    assert!(
        view.status.message.ends_with("Trying again in 4 minutes."),
        "{}",
        view.status.message
    );
    control.clear_faults().await.expect("cleared");
}

#[tokio::test]
async fn never_more_than_one_refresh_in_flight() {
    let dir = tempfile::tempdir().expect("tempdir");
    let desk = desk_in(
        dir.path(),
        FakeClock::at(datetime!(2025-03-01 10:00:00 UTC)),
    );
    usd_platform_account(&desk).await;
    sim_control(&desk)
        .await
        .arm(Fault::Latency { latency_ms: 1_000 })
        .await
        .expect("armed");
    let (first, second) = tokio::join!(desk.monitor.refresh(), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        desk.monitor.refresh().await
    });
    assert!(first, "the first refresh ran");
    assert!(
        !second,
        "the second did not start while the first was in flight"
    );
    // refresh_balances waits for the running one instead of starting another.
    sim_control(&desk)
        .await
        .arm(Fault::Latency { latency_ms: 500 })
        .await
        .expect("armed");
    let (ran, view) = tokio::join!(desk.monitor.refresh(), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        desk.monitor.refresh_now().await
    });
    assert!(ran);
    assert_eq!(view.expect("view").status.state, "ok");
}

#[tokio::test]
async fn the_off_switch_is_saved_per_connection() {
    let dir = tempfile::tempdir().expect("tempdir");
    let desk = desk_in(
        dir.path(),
        FakeClock::at(datetime!(2025-03-01 10:00:00 UTC)),
    );
    let view = desk
        .monitor
        .save_settings(SaveMonitorSettingsRequest {
            enabled: false,
            interval_seconds: 120,
        })
        .await
        .expect("saved");
    assert_eq!(view.status.state, "off");
    drop(desk);
    let again = desk_in(
        dir.path(),
        FakeClock::at(datetime!(2025-03-01 10:00:00 UTC)),
    );
    let view = again
        .monitor
        .view(MonitorViewRequest::default())
        .await
        .expect("view");
    assert!(!view.enabled);
    assert_eq!(view.interval_seconds, 120);
    assert_eq!(view.connection_id, "demo");
}

#[tokio::test]
async fn an_account_still_below_after_a_restart_does_not_alert_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let desk = desk_in(
        dir.path(),
        FakeClock::at(datetime!(2025-03-01 10:00:00 UTC)),
    );
    let sink = Arc::new(Recorder::default());
    desk.monitor.attach(sink.clone());
    let (usd, balance) = usd_platform_account(&desk).await;
    let level = grid_client::money::format_minor_units(balance + 100, 2);
    desk.monitor
        .save_threshold(threshold(ThresholdScope::Account, &usd, &level))
        .await
        .expect("saved");
    assert_eq!(sink.alerts().len(), 1, "raised once");
    // Stopped as the app stops: the demo's state file has one owner at a time.
    desk.shutdown().await;
    drop(desk);

    // The app starts again later: the account is still below, so no second notification,
    // but the alert is still listed, with the time it was raised.
    let again = desk_in(
        dir.path(),
        FakeClock::at(datetime!(2025-03-01 11:30:00 UTC)),
    );
    let sink = Arc::new(Recorder::default());
    again.monitor.attach(sink.clone());
    assert!(again.monitor.refresh().await);
    assert!(again.monitor.refresh().await);
    assert!(sink.alerts().is_empty(), "{:?}", sink.alerts());
    let view = again
        .monitor
        .view(MonitorViewRequest::default())
        .await
        .expect("view");
    assert_eq!(view.alerts.len(), 1, "{:?}", view.alerts);
    assert!(view.alerts[0].active);
    assert_eq!(view.alerts[0].when, "Raised at 10:00");
    // The accounts read are offered as choices in the alert form.
    assert!(
        view.watched
            .iter()
            .any(|w| w.account_id == usd && w.label == "Platform USD account"),
        "{:?}",
        view.watched
    );
    assert_eq!(view.alerts[0].title, "Low balance: Platform USD account");

    // Back above, then below again after another restart: that is a new crossing.
    fund(&again, &usd, 200).await;
    again.monitor.refresh().await;
    assert!(sink.alerts().is_empty());
    // Stopped as the app stops: the demo's state file has one owner at a time.
    again.shutdown().await;
    drop(again);
    let third = desk_in(
        dir.path(),
        FakeClock::at(datetime!(2025-03-01 12:00:00 UTC)),
    );
    let sink = Arc::new(Recorder::default());
    third.monitor.attach(sink.clone());
    third.monitor.refresh().await;
    assert!(sink.alerts().is_empty(), "above: nothing to alert");
    let view = third
        .monitor
        .view(MonitorViewRequest::default())
        .await
        .expect("view");
    assert!(view.alerts.is_empty(), "{:?}", view.alerts);
    assert_eq!(view.status.state, "ok", "{:?}", view.status);
    let level = grid_client::money::format_minor_units(balance + 1_000, 2);
    third
        .monitor
        .save_threshold(threshold(ThresholdScope::Account, &usd, &level))
        .await
        .expect("saved");
    assert_eq!(sink.alerts().len(), 1, "a new crossing alerts");
}

#[tokio::test]
async fn turning_refresh_back_on_wakes_the_loop_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = FakeClock::at(datetime!(2025-03-01 10:00:00 UTC));
    let desk = desk_in(dir.path(), Arc::clone(&clock));
    let sink = Arc::new(Recorder::default());
    desk.monitor.attach(sink.clone());
    desk.monitor
        .save_settings(SaveMonitorSettingsRequest {
            enabled: false,
            interval_seconds: 60,
        })
        .await
        .expect("off");
    let refreshed = |sink: &Recorder| {
        sink.views
            .lock()
            .expect("views")
            .iter()
            .any(|v| v.status.state == "ok")
    };
    let task = tokio::spawn(Arc::clone(&desk.monitor).run());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!refreshed(&sink), "off: no refresh");
    assert!(clock.sleeps().is_empty(), "off: no waiting for one either");

    desk.monitor
        .save_settings(SaveMonitorSettingsRequest {
            enabled: true,
            interval_seconds: 60,
        })
        .await
        .expect("on");
    let mut waited = 0;
    while !refreshed(&sink) && waited < 100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    task.abort();
    assert!(refreshed(&sink), "switched on: refreshed at once");
}

/// A clock whose waits never end: whatever the loop does after its first refresh, it does
/// because it was woken, not because an interval passed.
#[derive(Debug)]
struct StoppedClock(OffsetDateTime);

impl Clock for StoppedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
    fn sleep(&self, _: Duration) -> BoxFuture<'static, ()> {
        Box::pin(futures::future::pending())
    }
}

#[tokio::test]
async fn after_a_switch_of_connection_the_new_one_is_read_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut options = DeskOptions::new(
        dir.path().join("config"),
        dir.path().join("data"),
        Arc::new(MemoryStore::new()),
    );
    options.monitor_clock = Arc::new(StoppedClock(datetime!(2025-03-01 10:00:00 UTC)));
    let desk = GridDesk::new(options);
    let sink = Arc::new(Recorder::default());
    desk.monitor.attach(sink.clone());
    // A second connection: the demo simulator's address, saved like a sandbox.
    usd_platform_account(&desk).await;
    let saved = desk
        .connections
        .save(grid_desk_core::connections::SaveConnectionRequest {
            id: None,
            name: "Second".into(),
            environment: "sandbox".into(),
            base_url: desk.demo.base_url().await,
            token_id: Some(grid_client::Secret::new(grid_sim::DEFAULT_CLIENT_ID)),
            client_secret: Some(grid_client::Secret::new(grid_sim::DEFAULT_CLIENT_SECRET)),
        })
        .await
        .expect("saved");
    let read = |sink: &Recorder, id: &str| {
        sink.views
            .lock()
            .expect("views")
            .iter()
            .any(|v| v.connection_id == id && v.status.state == "ok")
    };
    let task = tokio::spawn(Arc::clone(&desk.monitor).run());
    for _ in 0..200 {
        if read(&sink, "demo") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(read(&sink, "demo"), "the first refresh is at once");

    desk.connections
        .switch(grid_desk_core::connections::ConnectionRequest {
            id: saved.id.clone(),
        })
        .await
        .expect("switched");
    // The window asks for the view after the switch: that wakes the loop.
    let view = desk
        .monitor
        .view(MonitorViewRequest::default())
        .await
        .expect("view");
    assert_eq!(view.connection_id, saved.id);
    for _ in 0..200 {
        if read(&sink, &saved.id) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    task.abort();
    assert!(
        read(&sink, &saved.id),
        "the new connection is read without waiting for the interval"
    );
}
