//! Balance monitoring and low-balance alerts: the [`Monitor`] service.
//!
//! Balances of the active connection are re-read on their own (every 60 s by default,
//! configurable, with an off switch), never more than one refresh at a time, waiting longer
//! after errors and at least as long as Grid's `Retry-After` on a 429. A balance that changed
//! is reported with its delta and the time of the reading before ("+$1,000.00 since 10:42").
//! Thresholds per account and per currency raise an alert once when a balance falls below
//! them and clear it when the balance is back at or above.
//!
//! The settings and thresholds are saved per connection in the connections file
//! (`connections.json`, beside the connection; never the keychain). The app drives
//! [`Monitor::run`] from a background task and gives it a [`MonitorSink`] (an event to the
//! window, a desktop notification); tests give it a fake [`Clock`].

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use deposit_instructions::MoneyView;
use futures::future::BoxFuture;
use futures::StreamExt as _;
use grid_client::models::{Currency, InternalAccount};
use grid_client::money::{format_with_currency, parse_minor_units, AmountError, MAX_DECIMALS};
use grid_client::{CustomerAccountFilter, GridClient, PlatformAccountFilter, MAX_PAGE_SIZE};
use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, UtcOffset};

use crate::connections::Connections;
use crate::error::{UiError, UiResult};

/// Refresh every minute unless told otherwise.
pub const DEFAULT_INTERVAL_SECONDS: u32 = 60;
/// The shortest interval a person may choose.
pub const MIN_INTERVAL_SECONDS: u32 = 5;
/// The longest interval (a day).
pub const MAX_INTERVAL_SECONDS: u32 = 86_400;
/// After errors the wait doubles up to this (or the interval, when that is longer).
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// Besides every platform account, at most this many customer accounts are watched per
/// refresh (ten pages of Grid's largest page).
pub const MAX_CUSTOMER_ACCOUNTS: usize = 1_000;
/// At most this many thresholds per connection.
pub const MAX_THRESHOLDS: usize = 500;
/// The alert list keeps this many entries (newest first).
pub const MAX_ALERTS_KEPT: usize = 200;
/// One refresh sends at most this many notifications; more crossings at once (a currency level
/// above many accounts) are one summary notification instead of a flood.
pub const MAX_NOTIFICATIONS_AT_ONCE: usize = 3;

/// What is saved per connection: the refresh switch and interval, and the thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MonitorSettings {
    pub enabled: bool,
    pub interval_seconds: u32,
    pub thresholds: Vec<Threshold>,
    /// The accounts below their alert level at the last check, with when they fell below
    /// (Unix seconds): kept so that a crossing alerts once, not once per start of the app.
    /// Written by the monitor only ([`Connections::save_monitor_below`]).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub below: BTreeMap<String, i64>,
}

impl Default for MonitorSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            interval_seconds: DEFAULT_INTERVAL_SECONDS,
            thresholds: Vec::new(),
            below: BTreeMap::new(),
        }
    }
}

impl MonitorSettings {
    /// The interval as saved, brought within bounds (a hand-edited file cannot make it 0).
    pub fn interval(&self) -> Duration {
        Duration::from_secs(u64::from(
            self.interval_seconds
                .clamp(MIN_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS),
        ))
    }
}

/// Whether a threshold watches one account or every account in a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThresholdScope {
    Account,
    Currency,
}

/// Alert when the available balance is below `amount` (smallest units of `currency_code`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Threshold {
    pub scope: ThresholdScope,
    /// The account id, or the currency code.
    pub key: String,
    pub amount: i64,
    pub currency_code: String,
    pub currency_symbol: Option<String>,
    pub decimals: u32,
}

impl Threshold {
    fn currency(&self) -> Currency {
        Currency {
            code: Some(self.currency_code.clone()),
            name: None,
            symbol: self.currency_symbol.clone(),
            decimals: Some(self.decimals),
        }
    }

    fn display(&self) -> String {
        format_with_currency(self.amount, &self.currency())
    }
}

/// Wall time and waiting: the system's in the app, a fake one in tests.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> OffsetDateTime;
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Where the monitor reports: the window (an event) and the desktop (a notification).
pub trait MonitorSink: Send + Sync {
    /// After every refresh and every change of settings or thresholds.
    fn updated(&self, view: &MonitorView);
    /// Once per crossing below a threshold.
    fn alert(&self, alert: &AlertView);
}

// --- what the window is sent ---------------------------------------------------------------

/// `get_monitor` and the `balance-monitor` event: everything the monitoring UI shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorView {
    /// The connection these balances belong to.
    pub connection_id: String,
    pub enabled: bool,
    pub interval_seconds: u32,
    pub min_interval_seconds: u32,
    pub max_interval_seconds: u32,
    pub status: StatusView,
    pub changes: Vec<ChangeView>,
    pub thresholds: Vec<ThresholdView>,
    pub alerts: Vec<AlertView>,
    /// The accounts read at the last refresh (for choosing one to watch), in Grid's order.
    pub watched: Vec<WatchedView>,
}

/// One account the monitor reads: what the alert form offers to choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchedView {
    pub account_id: String,
    /// "Platform USD account" / "USD account of Customer:…".
    pub label: String,
    pub currency_code: Option<String>,
}

/// How monitoring is going, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    /// `off | waiting | ok | error`.
    pub state: &'static str,
    pub message: String,
}

/// A balance that changed since the reading before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeView {
    pub account_id: String,
    pub balance: MoneyView,
    pub total_balance: MoneyView,
    /// Smallest units, signed.
    pub delta: i64,
    /// "+$1,000.00 since 10:42".
    pub text: String,
    /// `up | down`.
    pub tone: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThresholdView {
    pub scope: ThresholdScope,
    pub key: String,
    /// "Every USD account" or the account's name.
    pub label: String,
    pub amount: i64,
    pub display: String,
}

/// One entry of the alert list (also the notification's text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertView {
    pub id: u64,
    pub account_id: String,
    /// The notification's summary: "Low balance: Platform USD account".
    pub title: String,
    /// "$50.00 available, below the alert level of $100.00 (InternalAccount:…)."
    pub body: String,
    /// "Raised at 10:42", or "Raised at 10:42 · back above at 10:45".
    pub when: String,
    pub active: bool,
}

// --- requests -------------------------------------------------------------------------------

/// `get_monitor`: the window's offset from UTC, for the times it shows.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorViewRequest {
    pub utc_offset_minutes: Option<i32>,
}

/// `save_monitor_settings`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveMonitorSettingsRequest {
    pub enabled: bool,
    pub interval_seconds: u32,
}

/// `save_balance_threshold`: `key` is an account id or a currency code; `amount` as typed in
/// the currency's units ("1,000.50").
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveThresholdRequest {
    pub scope: ThresholdScope,
    pub key: String,
    pub amount: String,
}

/// `delete_balance_threshold`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteThresholdRequest {
    pub scope: ThresholdScope,
    pub key: String,
}

// --- pure parts ---------------------------------------------------------------------------

/// How long to wait before the next refresh: the interval after a success; after `failures`
/// errors in a row the interval doubled each time up to [`MAX_BACKOFF`] (or the interval, when
/// longer); never sooner than Grid's `Retry-After`.
pub fn next_delay(interval: Duration, failures: u32, retry_after: Option<Duration>) -> Duration {
    let mut delay = interval;
    if failures > 0 {
        let cap = MAX_BACKOFF.max(interval);
        delay = interval
            .checked_mul(1_u32 << failures.min(16))
            .unwrap_or(cap)
            .min(cap);
    }
    match retry_after {
        Some(wait) => delay.max(wait),
        None => delay,
    }
}

/// "10:42" at the window's offset.
pub fn clock_time(at: OffsetDateTime, utc_offset_minutes: i32) -> String {
    let offset = UtcOffset::from_whole_seconds(utc_offset_minutes.saturating_mul(60))
        .unwrap_or(UtcOffset::UTC);
    let at = at.to_offset(offset);
    format!("{:02}:{:02}", at.hour(), at.minute())
}

/// "+$1,000.00" / "-0.00100000 BTC" with the one money formatter.
pub fn signed_amount(delta: i64, currency: &Currency) -> String {
    let text = format_with_currency(delta, currency);
    if delta > 0 {
        format!("+{text}")
    } else {
        text
    }
}

/// One account's balance as last read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub account_id: String,
    /// "Platform USD account" / "USD account of Customer:…".
    pub label: String,
    pub currency: Currency,
    pub amount: i64,
    pub balance: MoneyView,
    pub total_balance: MoneyView,
}

impl Reading {
    /// `None` when Grid's amount cannot be shown exactly (nothing to compare).
    pub fn of(account: &InternalAccount) -> Option<Self> {
        let amount = account.balance.checked().ok()?;
        let currency = account.balance.currency.clone();
        let code = currency.code.clone().unwrap_or_else(|| "?".into());
        let label = match &account.customer_id {
            None => format!("Platform {code} account"),
            Some(customer) => format!("{code} account of {}", customer.0),
        };
        Some(Self {
            account_id: account.id.0.clone(),
            label,
            amount,
            balance: MoneyView::new(&account.balance),
            total_balance: MoneyView::new(&account.total_balance),
            currency,
        })
    }
}

/// What a threshold check decided for one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crossing {
    /// Fell below: raise an alert (once).
    Raised,
    /// Back at or above (or no threshold any more): clear the alert.
    Cleared,
}

/// The threshold that applies to a reading: its account's own, else its currency's (when the
/// decimals agree, so both amounts are in the same smallest unit).
pub fn threshold_for<'a>(thresholds: &'a [Threshold], reading: &Reading) -> Option<&'a Threshold> {
    let code = reading.currency.code.as_deref().unwrap_or("");
    let decimals = reading.currency.decimals;
    thresholds
        .iter()
        .find(|t| t.scope == ThresholdScope::Account && t.key == reading.account_id)
        .or_else(|| {
            thresholds.iter().find(|t| {
                t.scope == ThresholdScope::Currency
                    && t.key.eq_ignore_ascii_case(code)
                    && Some(t.decimals) == decimals
            })
        })
        .filter(|t| Some(t.decimals) == decimals)
}

/// The crossing logic: `alerted` holds the accounts below their threshold now; an account
/// enters it (and is reported [`Crossing::Raised`]) when its balance falls below, leaves it
/// ([`Crossing::Cleared`]) when back at or above. Staying below or above reports nothing.
pub fn crossings(
    thresholds: &[Threshold],
    readings: &[Reading],
    alerted: &mut HashSet<String>,
) -> Vec<(String, Crossing)> {
    let mut out = Vec::new();
    for reading in readings {
        let low = threshold_for(thresholds, reading).is_some_and(|t| reading.amount < t.amount);
        let was = alerted.contains(&reading.account_id);
        if low && !was {
            alerted.insert(reading.account_id.clone());
            out.push((reading.account_id.clone(), Crossing::Raised));
        } else if !low && was {
            alerted.remove(&reading.account_id);
            out.push((reading.account_id.clone(), Crossing::Cleared));
        }
    }
    out
}

// --- the service --------------------------------------------------------------------------

#[derive(Debug)]
struct Change {
    delta: i64,
    since: OffsetDateTime,
}

#[derive(Debug)]
struct Alert {
    id: u64,
    account_id: String,
    title: String,
    body: String,
    raised: OffsetDateTime,
    cleared: Option<OffsetDateTime>,
}

#[derive(Debug, Default)]
struct State {
    connection: String,
    readings: HashMap<String, (Reading, OffsetDateTime)>,
    order: Vec<String>,
    changes: HashMap<String, Change>,
    alerted: HashSet<String>,
    /// When each account in `alerted` fell below its level.
    since: HashMap<String, OffsetDateTime>,
    alerts: VecDeque<Alert>,
    next_alert_id: u64,
    failures: u32,
    retry_after: Option<Duration>,
    last_ok: Option<OffsetDateTime>,
    last_error: Option<String>,
    utc_offset_minutes: i32,
}

impl State {
    /// A fresh state for `connection`, with the accounts it had below their levels when last
    /// checked (saved beside the connection), so they do not alert again.
    fn reset_for(&mut self, connection: &str, below: &BTreeMap<String, i64>) {
        let offset = self.utc_offset_minutes;
        let next = self.next_alert_id;
        let since: HashMap<String, OffsetDateTime> = below
            .iter()
            .map(|(id, at)| {
                let at =
                    OffsetDateTime::from_unix_timestamp(*at).unwrap_or(OffsetDateTime::UNIX_EPOCH);
                (id.clone(), at)
            })
            .collect();
        *self = State {
            connection: connection.to_owned(),
            utc_offset_minutes: offset,
            next_alert_id: next,
            alerted: since.keys().cloned().collect(),
            since,
            ..State::default()
        };
    }

    /// What is saved of `alerted`.
    fn below(&self) -> BTreeMap<String, i64> {
        self.alerted
            .iter()
            .map(|id| {
                let at = self.since.get(id).map_or(0, |at| at.unix_timestamp());
                (id.clone(), at)
            })
            .collect()
    }
}

/// The balance monitor of the active connection.
pub struct Monitor {
    connections: Arc<Connections>,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    in_flight: tokio::sync::Mutex<()>,
    wake: tokio::sync::Notify,
    sink: OnceLock<Arc<dyn MonitorSink>>,
}

impl fmt::Debug for Monitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl Monitor {
    pub fn new(connections: Arc<Connections>, clock: Arc<dyn Clock>) -> Self {
        Self {
            connections,
            clock,
            state: Mutex::new(State::default()),
            in_flight: tokio::sync::Mutex::new(()),
            wake: tokio::sync::Notify::new(),
            sink: OnceLock::new(),
        }
    }

    /// Where views and alerts go (set once by the app, or by a test).
    pub fn attach(&self, sink: Arc<dyn MonitorSink>) {
        let _ = self.sink.set(sink);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn settings(&self) -> (String, MonitorSettings) {
        let id = self.connections.active_id().await;
        let settings = self.connections.monitor_settings(&id).await;
        (id, settings)
    }

    /// The loop of the background task: refresh, wait, refresh… Settings changes wake it.
    /// The first refresh is at once (the baseline deltas are measured from).
    pub async fn run(self: Arc<Self>) {
        // A wake-up kept from changes made before the loop started is already taken into
        // account (the settings are read below).
        let _ = futures::FutureExt::now_or_never(self.wake.notified());
        loop {
            let (id, settings) = self.settings().await;
            if !settings.enabled {
                self.wake.notified().await;
                continue;
            }
            // First run, or another connection is active now: its balances at once.
            if self.lock().connection != id {
                if !self.refresh().await {
                    // One is running already: wait for it rather than spin.
                    drop(self.in_flight.lock().await);
                }
                continue;
            }
            let delay = {
                let state = self.lock();
                next_delay(settings.interval(), state.failures, state.retry_after)
            };
            tokio::select! {
                () = self.clock.sleep(delay) => { self.refresh().await; }
                () = self.wake.notified() => {}
            }
        }
    }

    /// Refreshes now unless a refresh is already running (then that one's result stands).
    /// Returns whether this call refreshed.
    pub async fn refresh(&self) -> bool {
        let Ok(_running) = self.in_flight.try_lock() else {
            return false;
        };
        let (id, settings) = self.settings().await;
        {
            let mut state = self.lock();
            if state.connection != id {
                state.reset_for(&id, &settings.below);
            }
        }
        let read = match self.connections.active().await {
            Ok(active) if active.id == id => read_balances(&active.client).await.map_err(|e| {
                let wait = e.retry_after();
                (UiError::from(e), wait)
            }),
            Ok(_) => return false,
            Err(err) => Err((err, None)),
        };
        let now = self.clock.now();
        let raised = {
            let mut state = self.lock();
            if state.connection != id {
                return false;
            }
            match read {
                Ok(readings) => {
                    state.failures = 0;
                    state.retry_after = None;
                    state.last_error = None;
                    state.last_ok = Some(now);
                    apply_readings(&mut state, readings, &settings.thresholds, now)
                }
                Err((err, retry_after)) => {
                    state.failures = state.failures.saturating_add(1);
                    state.retry_after = retry_after;
                    state.last_error = Some(err.message);
                    Vec::new()
                }
            }
        };
        self.save_below(&id, &settings).await;
        self.publish(&id, &settings, &raised);
        true
    }

    /// Saves which accounts are below their level, when that changed.
    async fn save_below(&self, id: &str, settings: &MonitorSettings) {
        let below = {
            let state = self.lock();
            if state.connection != id {
                return;
            }
            state.below()
        };
        if below == settings.below {
            return;
        }
        if let Err(err) = self.connections.save_monitor_below(id, below).await {
            tracing::warn!(
                "which balances are below their alert level could not be saved: {}",
                err.message
            );
        }
    }

    fn publish(&self, id: &str, settings: &MonitorSettings, raised: &[AlertView]) {
        if let Some(sink) = self.sink.get() {
            for alert in notifications(raised) {
                sink.alert(&alert);
            }
            sink.updated(&self.view_of(id, settings));
        }
    }

    fn view_of(&self, id: &str, settings: &MonitorSettings) -> MonitorView {
        let state = self.lock();
        let offset = state.utc_offset_minutes;
        let same = state.connection == id;
        let status = if !settings.enabled {
            StatusView {
                state: "off",
                message: "Automatic refresh is off.".into(),
            }
        } else if let (true, Some(error)) = (same, &state.last_error) {
            let wait = next_delay(settings.interval(), state.failures, state.retry_after);
            StatusView {
                state: "error",
                message: format!(
                    "Balances could not be refreshed: {error} Trying again in {}.",
                    describe_wait(wait)
                ),
            }
        } else if let (true, Some(at)) = (same, state.last_ok) {
            StatusView {
                state: "ok",
                message: format!(
                    "Balances refreshed at {}; every {}.",
                    clock_time(at, offset),
                    describe_wait(settings.interval())
                ),
            }
        } else {
            StatusView {
                state: "waiting",
                message: format!(
                    "Balances refresh every {}.",
                    describe_wait(settings.interval())
                ),
            }
        };
        let mut changes = Vec::new();
        if same {
            for account_id in &state.order {
                let (Some(change), Some((reading, _))) = (
                    state.changes.get(account_id),
                    state.readings.get(account_id),
                ) else {
                    continue;
                };
                changes.push(ChangeView {
                    account_id: account_id.clone(),
                    balance: reading.balance.clone(),
                    total_balance: reading.total_balance.clone(),
                    delta: change.delta,
                    text: format!(
                        "{} since {}",
                        signed_amount(change.delta, &reading.currency),
                        clock_time(change.since, offset)
                    ),
                    tone: if change.delta > 0 { "up" } else { "down" },
                });
            }
        }
        let thresholds = settings
            .thresholds
            .iter()
            .map(|t| ThresholdView {
                scope: t.scope,
                key: t.key.clone(),
                label: match t.scope {
                    ThresholdScope::Currency => format!("Every {} account", t.currency_code),
                    ThresholdScope::Account => state
                        .readings
                        .get(&t.key)
                        .filter(|_| same)
                        .map(|(r, _)| format!("{} ({})", r.label, t.key))
                        .unwrap_or_else(|| t.key.clone()),
                },
                amount: t.amount,
                display: t.display(),
            })
            .collect();
        let alerts = if same {
            state.alerts.iter().map(|a| alert_view(a, offset)).collect()
        } else {
            Vec::new()
        };
        let watched = if same {
            state
                .order
                .iter()
                .filter_map(|id| state.readings.get(id))
                .map(|(r, _)| WatchedView {
                    account_id: r.account_id.clone(),
                    label: r.label.clone(),
                    currency_code: r.currency.code.clone(),
                })
                .collect()
        } else {
            Vec::new()
        };
        MonitorView {
            connection_id: id.to_owned(),
            enabled: settings.enabled,
            interval_seconds: settings.interval_seconds,
            min_interval_seconds: MIN_INTERVAL_SECONDS,
            max_interval_seconds: MAX_INTERVAL_SECONDS,
            status,
            changes,
            thresholds,
            alerts,
            watched,
        }
    }

    /// `get_monitor`: the state now (and the window's offset, for the times it shows).
    pub async fn view(&self, request: MonitorViewRequest) -> UiResult<MonitorView> {
        if let Some(offset) = request.utc_offset_minutes {
            if !(-16 * 60..=16 * 60).contains(&offset) {
                return Err(UiError::validation("That is not a time zone offset."));
            }
            self.lock().utc_offset_minutes = offset;
        }
        let (id, settings) = self.settings().await;
        if self.lock().connection != id {
            // The window asks after a switch of connection: the loop reads the new one now.
            self.wake.notify_one();
        }
        Ok(self.view_of(&id, &settings))
    }

    /// `refresh_balances`: a refresh now (or the one already running), then the state.
    pub async fn refresh_now(&self) -> UiResult<MonitorView> {
        if !self.refresh().await {
            // One is running: wait for it rather than start a second.
            drop(self.in_flight.lock().await);
        }
        let (id, settings) = self.settings().await;
        Ok(self.view_of(&id, &settings))
    }

    /// `save_monitor_settings`: the switch and the interval, for the active connection.
    pub async fn save_settings(
        &self,
        request: SaveMonitorSettingsRequest,
    ) -> UiResult<MonitorView> {
        if !(MIN_INTERVAL_SECONDS..=MAX_INTERVAL_SECONDS).contains(&request.interval_seconds) {
            return Err(UiError::validation(format!(
                "Choose a refresh interval from {MIN_INTERVAL_SECONDS} seconds to {} hours.",
                MAX_INTERVAL_SECONDS / 3600
            )));
        }
        let (id, mut settings) = self.settings().await;
        settings.enabled = request.enabled;
        settings.interval_seconds = request.interval_seconds;
        self.connections
            .save_monitor_settings(&id, settings.clone())
            .await?;
        // A permit is kept when the loop is not waiting yet, so the change is never missed.
        self.wake.notify_one();
        let view = self.view_of(&id, &settings);
        if let Some(sink) = self.sink.get() {
            sink.updated(&view);
        }
        Ok(view)
    }

    /// `save_balance_threshold`: the amount is parsed exactly in the currency of the account
    /// (or the currency named), as the balances last read it; a new threshold is checked
    /// against the balances at once.
    pub async fn save_threshold(&self, request: SaveThresholdRequest) -> UiResult<MonitorView> {
        let key = request.key.trim().to_owned();
        if key.is_empty() || key.len() > 128 || key.chars().any(char::is_control) {
            return Err(UiError::validation(match request.scope {
                ThresholdScope::Account => "Choose the account to watch.",
                ThresholdScope::Currency => "Enter a currency code, such as USD or BTC.",
            }));
        }
        let key = match request.scope {
            ThresholdScope::Currency => crate::input::currency(Some(key))?.unwrap_or_default(),
            ThresholdScope::Account => key,
        };
        let mut currency = self.known_currency(request.scope, &key);
        if currency.is_none() {
            self.refresh_now().await?;
            currency = self.known_currency(request.scope, &key);
        }
        let Some(currency) = currency else {
            return Err(UiError::validation(match request.scope {
                ThresholdScope::Account => format!(
                    "Grid Desk has not read a balance for {key} on this connection. Check the account id (platform accounts and the first {MAX_CUSTOMER_ACCOUNTS} customer accounts are watched)."
                ),
                ThresholdScope::Currency => format!(
                    "No account in {key} has been read on this connection, so the amount cannot be converted."
                ),
            }));
        };
        let code = currency.code.clone().unwrap_or_default();
        let decimals = currency
            .decimals
            .filter(|d| *d <= MAX_DECIMALS)
            .ok_or_else(|| UiError::validation(AmountError::UnknownDecimals.to_string()))?;
        let amount = parse_threshold(&request.amount, decimals, &code)?;
        let (id, mut settings) = self.settings().await;
        settings
            .thresholds
            .retain(|t| !(t.scope == request.scope && t.key == key));
        if settings.thresholds.len() >= MAX_THRESHOLDS {
            return Err(UiError::validation(format!(
                "Grid Desk keeps at most {MAX_THRESHOLDS} alert levels per connection."
            )));
        }
        settings.thresholds.push(Threshold {
            scope: request.scope,
            key,
            amount,
            currency_code: code,
            currency_symbol: currency.symbol.clone(),
            decimals,
        });
        self.connections
            .save_monitor_settings(&id, settings.clone())
            .await?;
        self.recheck(&id, &settings).await;
        Ok(self.view_of(&id, &settings))
    }

    /// `delete_balance_threshold`: an alert it raised is cleared.
    pub async fn delete_threshold(&self, request: DeleteThresholdRequest) -> UiResult<MonitorView> {
        let (id, mut settings) = self.settings().await;
        let key = request.key.trim();
        settings
            .thresholds
            .retain(|t| !(t.scope == request.scope && t.key.eq_ignore_ascii_case(key)));
        self.connections
            .save_monitor_settings(&id, settings.clone())
            .await?;
        self.recheck(&id, &settings).await;
        Ok(self.view_of(&id, &settings))
    }

    /// Thresholds changed: check the balances already read against them.
    async fn recheck(&self, id: &str, settings: &MonitorSettings) {
        let now = self.clock.now();
        let raised = {
            let mut state = self.lock();
            if state.connection != id {
                return;
            }
            let readings: Vec<Reading> = state
                .order
                .iter()
                .filter_map(|a| state.readings.get(a).map(|(r, _)| r.clone()))
                .collect();
            evaluate(&mut state, &readings, &settings.thresholds, now)
        };
        self.save_below(id, settings).await;
        self.publish(id, settings, &raised);
    }

    fn known_currency(&self, scope: ThresholdScope, key: &str) -> Option<Currency> {
        let state = self.lock();
        match scope {
            ThresholdScope::Account => state.readings.get(key).map(|(r, _)| r.currency.clone()),
            ThresholdScope::Currency => state
                .readings
                .values()
                .map(|(r, _)| &r.currency)
                .find(|c| {
                    c.code
                        .as_deref()
                        .is_some_and(|c| c.eq_ignore_ascii_case(key))
                })
                .cloned(),
        }
    }
}

/// A threshold as typed, parsed exactly by the one amount parser
/// ([`grid_client::money::parse_minor_units`]: digits, commas for thousands, a dot for
/// decimals). Zero is allowed (alert when overdrawn); Grid's per-request fund limit does not
/// apply, only the largest balance Grid Desk shows.
pub fn parse_threshold(text: &str, decimals: u32, code: &str) -> UiResult<i64> {
    let too_large = || {
        UiError::validation(format!(
            "That alert level is larger than any balance Grid Desk can show ({}).",
            text.trim()
        ))
    };
    match parse_minor_units(text, decimals, code) {
        Ok(amount) if amount <= grid_client::money::MAX_SHOWN_AMOUNT => Ok(amount),
        Ok(_) | Err(AmountError::TooLarge { .. }) => Err(too_large()),
        Err(err) => Err(UiError::validation(err.to_string())),
    }
}

fn describe_wait(wait: Duration) -> String {
    let secs = wait.as_secs();
    if secs % 3600 == 0 && secs >= 3600 {
        let h = secs / 3600;
        format!("{h} hour{}", if h == 1 { "" } else { "s" })
    } else if secs % 60 == 0 && secs >= 60 {
        let m = secs / 60;
        format!("{m} minute{}", if m == 1 { "" } else { "s" })
    } else {
        format!("{secs} second{}", if secs == 1 { "" } else { "s" })
    }
}

/// The notifications for the alerts one check raised: one each, or, when more than
/// [`MAX_NOTIFICATIONS_AT_ONCE`] crossed at once, one that sums them up (every alert is still
/// its own entry in the alert list).
pub fn notifications(raised: &[AlertView]) -> Vec<AlertView> {
    if raised.len() <= MAX_NOTIFICATIONS_AT_ONCE {
        return raised.to_vec();
    }
    let named: Vec<&str> = raised
        .iter()
        .take(MAX_NOTIFICATIONS_AT_ONCE)
        .map(|a| a.title.strip_prefix("Low balance: ").unwrap_or(&a.title))
        .collect();
    let rest = raised.len() - named.len();
    let first = &raised[0];
    vec![AlertView {
        id: first.id,
        account_id: String::new(),
        title: format!("Low balance: {} accounts", raised.len()),
        body: format!(
            "{} and {rest} more are below their alert levels. The list is in Grid Desk, Settings, Monitoring and alerts.",
            named.join(", ")
        ),
        when: first.when.clone(),
        active: true,
    }]
}

fn alert_view(alert: &Alert, offset: i32) -> AlertView {
    let mut when = format!("Raised at {}", clock_time(alert.raised, offset));
    if let Some(cleared) = alert.cleared {
        when.push_str(&format!(" · back above at {}", clock_time(cleared, offset)));
    }
    AlertView {
        id: alert.id,
        account_id: alert.account_id.clone(),
        title: alert.title.clone(),
        body: alert.body.clone(),
        when,
        active: alert.cleared.is_none(),
    }
}

fn apply_readings(
    state: &mut State,
    readings: Vec<Reading>,
    thresholds: &[Threshold],
    now: OffsetDateTime,
) -> Vec<AlertView> {
    state.order = readings.iter().map(|r| r.account_id.clone()).collect();
    let mut fresh = HashMap::with_capacity(readings.len());
    for reading in &readings {
        if let Some((before, at)) = state.readings.get(&reading.account_id) {
            if before.amount != reading.amount && before.currency == reading.currency {
                if let Some(delta) = reading.amount.checked_sub(before.amount) {
                    state
                        .changes
                        .insert(reading.account_id.clone(), Change { delta, since: *at });
                }
            }
        }
        fresh.insert(reading.account_id.clone(), (reading.clone(), now));
    }
    state.changes.retain(|id, _| fresh.contains_key(id));
    state.readings = fresh;
    evaluate(state, &readings, thresholds, now)
}

fn evaluate(
    state: &mut State,
    readings: &[Reading],
    thresholds: &[Threshold],
    now: OffsetDateTime,
) -> Vec<AlertView> {
    let offset = state.utc_offset_minutes;
    let mut raised = Vec::new();
    for (account_id, crossing) in crossings(thresholds, readings, &mut state.alerted) {
        match crossing {
            Crossing::Raised => {
                let Some(reading) = readings.iter().find(|r| r.account_id == account_id) else {
                    continue;
                };
                let Some(threshold) = threshold_for(thresholds, reading) else {
                    continue;
                };
                state.since.insert(account_id.clone(), now);
                let alert = new_alert(state, reading, threshold, now);
                raised.push(alert_view(&alert, offset));
                state.alerts.push_front(alert);
                state.alerts.truncate(MAX_ALERTS_KEPT);
            }
            Crossing::Cleared => {
                state.since.remove(&account_id);
                if let Some(alert) = state
                    .alerts
                    .iter_mut()
                    .find(|a| a.account_id == account_id && a.cleared.is_none())
                {
                    alert.cleared = Some(now);
                }
            }
        }
    }
    // Below since before this start of the app: listed again, without a second notification.
    for reading in readings {
        let id = &reading.account_id;
        if !state.alerted.contains(id)
            || state
                .alerts
                .iter()
                .any(|a| &a.account_id == id && a.cleared.is_none())
        {
            continue;
        }
        let Some(threshold) = threshold_for(thresholds, reading) else {
            continue;
        };
        let at = state.since.get(id).copied().unwrap_or(now);
        let alert = new_alert(state, reading, threshold, at);
        state.alerts.push_front(alert);
        state.alerts.truncate(MAX_ALERTS_KEPT);
    }
    // Accounts no longer read (deleted, or beyond the watched pages) keep no alert armed.
    let read: HashSet<&str> = readings.iter().map(|r| r.account_id.as_str()).collect();
    state.alerted.retain(|id| read.contains(id.as_str()));
    let State { alerted, since, .. } = state;
    since.retain(|id, _| alerted.contains(id));
    raised
}

fn new_alert(
    state: &mut State,
    reading: &Reading,
    threshold: &Threshold,
    at: OffsetDateTime,
) -> Alert {
    state.next_alert_id += 1;
    Alert {
        id: state.next_alert_id,
        account_id: reading.account_id.clone(),
        title: format!("Low balance: {}", reading.label),
        body: format!(
            "{} available, below the alert level of {} ({}).",
            reading.balance.display,
            threshold.display(),
            reading.account_id
        ),
        raised: at,
        cleared: None,
    }
}

/// Every platform account and the first [`MAX_CUSTOMER_ACCOUNTS`] customer accounts.
async fn read_balances(client: &GridClient) -> Result<Vec<Reading>, grid_client::Error> {
    let mut accounts = client
        .list_platform_internal_accounts(&PlatformAccountFilter::default())
        .await?;
    let mut pages = std::pin::pin!(
        client.customer_internal_account_pages(CustomerAccountFilter::default(), MAX_PAGE_SIZE)
    );
    let mut customers = 0;
    while let Some(page) = pages.next().await {
        let page = page?;
        customers += page.data.len();
        accounts.extend(page.data);
        if customers >= MAX_CUSTOMER_ACCOUNTS {
            break;
        }
    }
    Ok(accounts.iter().filter_map(Reading::of).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency {
            code: Some("USD".into()),
            name: None,
            symbol: Some("$".into()),
            decimals: Some(2),
        }
    }

    fn reading(id: &str, amount: i64) -> Reading {
        let money = MoneyView {
            amount,
            display: format_with_currency(amount, &usd()),
            currency_code: Some("USD".into()),
            decimals: Some(2),
            unavailable: None,
        };
        Reading {
            account_id: id.into(),
            label: "Platform USD account".into(),
            currency: usd(),
            amount,
            balance: money.clone(),
            total_balance: money,
        }
    }

    fn level(scope: ThresholdScope, key: &str, amount: i64) -> Threshold {
        Threshold {
            scope,
            key: key.into(),
            amount,
            currency_code: "USD".into(),
            currency_symbol: Some("$".into()),
            decimals: 2,
        }
    }

    #[test]
    fn a_crossing_is_reported_once_each_way() {
        let levels = [level(ThresholdScope::Currency, "USD", 10_000)];
        let mut alerted = HashSet::new();
        let mut step = |amount| crossings(&levels, &[reading("a", amount)], &mut alerted);
        assert_eq!(step(20_000), vec![]);
        assert_eq!(step(9_999), vec![("a".into(), Crossing::Raised)]);
        assert_eq!(step(5_000), vec![], "still below: nothing new");
        assert_eq!(
            step(10_000),
            vec![("a".into(), Crossing::Cleared)],
            "at the level is not low"
        );
        assert_eq!(step(10_000), vec![]);
        assert_eq!(step(0), vec![("a".into(), Crossing::Raised)]);
    }

    #[test]
    fn an_account_level_wins_over_its_currency_level() {
        let levels = [
            level(ThresholdScope::Currency, "usd", 100),
            level(ThresholdScope::Account, "a", 1_000),
        ];
        assert_eq!(
            threshold_for(&levels, &reading("a", 0)).map(|t| t.amount),
            Some(1_000)
        );
        assert_eq!(
            threshold_for(&levels, &reading("b", 0)).map(|t| t.amount),
            Some(100)
        );
        let mut btc = reading("c", 0);
        btc.currency.code = Some("BTC".into());
        btc.currency.decimals = Some(8);
        assert_eq!(threshold_for(&levels, &btc), None);
    }

    #[test]
    fn many_crossings_at_once_are_one_summary_notification() {
        let alert = |id: u64, label: &str| AlertView {
            id,
            account_id: format!("a{id}"),
            title: format!("Low balance: {label}"),
            body: "…".into(),
            when: "Raised at 10:00".into(),
            active: true,
        };
        let few: Vec<AlertView> = (1..=3).map(|i| alert(i, "Platform USD account")).collect();
        assert_eq!(notifications(&few), few, "up to three: one each");
        let many: Vec<AlertView> = (1..=5)
            .map(|i| alert(i, &format!("USD account of Customer:{i}")))
            .collect();
        let sent = notifications(&many);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].title, "Low balance: 5 accounts");
        assert!(
            sent[0].body.starts_with(
                "USD account of Customer:1, USD account of Customer:2, USD account of Customer:3 and 2 more are below"
            ),
            "{}",
            sent[0].body
        );
        assert!(notifications(&[]).is_empty());
    }

    #[test]
    fn the_wait_doubles_after_errors_and_respects_retry_after() {
        let minute = Duration::from_secs(60);
        assert_eq!(next_delay(minute, 0, None), minute);
        assert_eq!(next_delay(minute, 1, None), Duration::from_secs(120));
        assert_eq!(next_delay(minute, 3, None), Duration::from_secs(480));
        assert_eq!(next_delay(minute, 30, None), MAX_BACKOFF);
        assert_eq!(
            next_delay(minute, 1, Some(Duration::from_secs(600))),
            Duration::from_secs(600)
        );
        let day = Duration::from_secs(86_400);
        assert_eq!(
            next_delay(day, 5, None),
            day,
            "never shorter than the interval"
        );
    }

    #[test]
    fn deltas_and_times_read_as_people_write_them() {
        assert_eq!(signed_amount(100_000, &usd()), "+$1,000.00");
        assert_eq!(signed_amount(-50, &usd()), "-$0.50");
        let at = time::macros::datetime!(2025-03-01 23:42:59 UTC);
        assert_eq!(clock_time(at, 0), "23:42");
        assert_eq!(clock_time(at, 60), "00:42");
        assert_eq!(clock_time(at, -330), "18:12");
        assert_eq!(parse_threshold("1,000.50", 2, "USD").expect("ok"), 100_050);
        assert_eq!(
            parse_threshold("0", 2, "USD").expect("zero: alert when overdrawn"),
            0
        );
        assert!(parse_threshold("1.005", 2, "USD").is_err());
    }
}
