//! The activity journal and the last-known account lists ([`journal`] crate, one SQLite file
//! beside the settings file): the services write an entry for every action that moves money
//! or changes settings; the window browses, filters and exports them; the account lists each
//! connection returned are kept so the app opens on them at once and prints while Grid cannot
//! be reached.
//!
//! A sandbox fund is written *before* it is sent (outcome pending) and completed after; a
//! start finds any entry still pending (the app stopped mid-fund) and marks it "outcome unknown
//! — check the balance". No entry ever holds a secret: nothing here takes one.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use deposit_instructions::{account_view, AccountView};
use grid_client::models::{Currency, InternalAccount};
use journal::{Amount, Entry, Filter, Journal, Kind, NewEntry, Outcome};
use serde::{Deserialize, Serialize};

use crate::connections::Connections;
use crate::error::{UiError, UiResult};
use crate::printing::{unused_path, with_extension, write_atomically, Export, SaveDialog, Stamp};
use crate::settings::EnvLabel;

/// Who an entry is about: the connection as it was named when the action happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub connection_id: String,
    pub connection_name: String,
    pub environment: EnvLabel,
}

fn env_str(env: EnvLabel) -> &'static str {
    match env {
        EnvLabel::Demo => "demo",
        EnvLabel::Sandbox => "sandbox",
        EnvLabel::Production => "production",
    }
}

fn env_label(text: &str) -> &'static str {
    match text {
        "demo" => EnvLabel::Demo.label(),
        "sandbox" => EnvLabel::Sandbox.label(),
        _ => EnvLabel::Production.label(),
    }
}

/// An amount for an entry, with what is known of its currency.
pub fn amount(minor: i64, currency: Option<&str>, decimals: Option<u32>) -> Amount {
    Amount {
        minor,
        currency: currency.map(str::to_owned),
        decimals,
    }
}

/// `journal_entries`: filters (all optional). Dates are the window's local calendar days
/// (`YYYY-MM-DD`, both inclusive) in the time zone `utcOffsetMinutes` gives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalRequest {
    pub from: Option<String>,
    pub to: Option<String>,
    pub connection_id: Option<String>,
    pub account: Option<String>,
    pub kind: Option<String>,
    pub before_id: Option<i64>,
    pub limit: Option<u32>,
    pub utc_offset_minutes: Option<i32>,
}

/// `save_journal_csv`: the same filters; every matching entry is written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveJournalCsvRequest {
    #[serde(flatten)]
    pub filter: JournalRequest,
}

/// An amount as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AmountView {
    /// Smallest units.
    pub minor: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    /// "$1,000.00", "0.001 BTC".
    pub display: String,
}

/// One journal entry for the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntryView {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// In the window's time zone: "2026-12-02 10:42 UTC+01:00".
    pub at_display: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub connection_id: String,
    pub connection_name: String,
    pub environment: String,
    pub environment_label: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<AmountView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub outcome: &'static str,
    pub outcome_label: &'static str,
    /// `ok`, `warn`, `bad` or `muted`, like account statuses.
    pub outcome_tone: &'static str,
    pub detail: String,
}

/// A page of entries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalPage {
    pub entries: Vec<JournalEntryView>,
    /// Pass as `beforeId` for the next page; none at the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_before_id: Option<i64>,
}

/// A value and its label, for the filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// `journal_info`: where the file is and what the filters offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalInfo {
    /// The journal file; none when it could not be opened (then `unavailable` says why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    pub kinds: Vec<Choice>,
    pub connections: Vec<Choice>,
}

/// `save_journal_csv`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum JournalSaveOutcome {
    Saved {
        path: String,
        entries: usize,
        bytes: u64,
    },
    Cancelled {
        cancelled: bool,
    },
}

/// `last_known_accounts`: which list (`platform`, or `customers` for the first page of the
/// customer list) with the toolbar's filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastKnownRequest {
    pub list: String,
    pub currency: Option<String>,
    #[serde(rename = "type")]
    pub account_type: Option<String>,
    pub customer_id: Option<String>,
    pub utc_offset_minutes: Option<i32>,
}

/// A list as the connection last returned it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LastKnownAccounts {
    pub items: Vec<AccountView>,
    /// RFC 3339, UTC.
    pub as_of: String,
    /// "as of 10:42" (today) or "as of 2026-12-01 10:42", in the window's time zone.
    pub as_of_label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
}

/// What is kept of a list: Grid's own account objects (views are rebuilt by the code that
/// reads them, so a newer app never shows an older app's labels).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredAccounts {
    accounts: Vec<InternalAccount>,
    total_count: Option<u64>,
}

/// The key of a list in the store: which list and its filters.
pub fn list_key(
    list: &str,
    currency: Option<&str>,
    account_type: Option<&str>,
    customer_id: Option<&str>,
) -> String {
    let norm = |v: Option<&str>| v.map(str::trim).unwrap_or("").to_owned();
    format!(
        "{list}|currency={}|type={}|customer={}",
        norm(currency).to_ascii_uppercase(),
        norm(account_type),
        norm(customer_id)
    )
}

fn ms_to_time(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// `ms` since the epoch as RFC 3339 (UTC).
pub fn rfc3339_ms(ms: i64) -> String {
    ms_to_time(ms)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn offset(minutes: Option<i32>) -> time::UtcOffset {
    minutes
        .filter(|m| m.abs() <= 18 * 60)
        .and_then(|m| time::UtcOffset::from_whole_seconds(m * 60).ok())
        .unwrap_or(time::UtcOffset::UTC)
}

/// "as of 10:42" when `ms` is today in the window's zone, else "as of 2026-12-01 10:42".
pub fn as_of_label(ms: i64, utc_offset_minutes: Option<i32>) -> String {
    let zone = offset(utc_offset_minutes);
    let at = ms_to_time(ms).to_offset(zone);
    let today = time::OffsetDateTime::now_utc().to_offset(zone).date();
    if at.date() == today {
        format!("as of {:02}:{:02}", at.hour(), at.minute())
    } else {
        format!(
            "as of {:04}-{:02}-{:02} {:02}:{:02}",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute()
        )
    }
}

/// A local calendar day (`YYYY-MM-DD`) → its first millisecond in UTC.
fn day_start_ms(text: &str, zone: time::UtcOffset, what: &str) -> UiResult<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text.trim(), &format).map_err(|_| {
        UiError::validation(format!(
            "The {what} date must be a day like 2026-12-02 (year-month-day)."
        ))
    })?;
    let start = date.midnight().assume_offset(zone);
    i64::try_from(start.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| UiError::validation(format!("The {what} date is out of range.")))
}

fn non_empty(value: Option<&String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The journal's filter from the window's request, or what is wrong with it.
pub fn filter_from(request: &JournalRequest) -> UiResult<Filter> {
    let zone = offset(request.utc_offset_minutes);
    let from_ms = non_empty(request.from.as_ref())
        .map(|d| day_start_ms(&d, zone, "start"))
        .transpose()?;
    let to_ms = non_empty(request.to.as_ref())
        .map(|d| day_start_ms(&d, zone, "end").map(|ms| ms + 86_400_000))
        .transpose()?;
    if let (Some(from), Some(to)) = (from_ms, to_ms) {
        if from >= to {
            return Err(UiError::validation(
                "The start date is after the end date: swap them or change one.",
            ));
        }
    }
    let kind = match non_empty(request.kind.as_ref()) {
        None => None,
        Some(text) => Some(Kind::parse(&text).ok_or_else(|| {
            UiError::validation(format!("\"{text}\" is not a kind of journal entry."))
        })?),
    };
    let account = non_empty(request.account.as_ref());
    if account.as_ref().is_some_and(|a| a.chars().count() > 200) {
        return Err(UiError::validation(
            "The account filter is too long: type part of an account id.",
        ));
    }
    Ok(Filter {
        from_ms,
        to_ms,
        connection_id: non_empty(request.connection_id.as_ref()),
        account,
        kind,
        before_id: request.before_id,
        limit: Some(
            request
                .limit
                .unwrap_or(journal::MAX_PAGE)
                .clamp(1, journal::MAX_PAGE),
        ),
    })
}

fn outcome_tone(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Applied | Outcome::Done => "ok",
        Outcome::Pending | Outcome::ChallengeIssued => "muted",
        Outcome::Unknown => "warn",
        Outcome::Refused | Outcome::Failed => "bad",
    }
}

fn amount_display(amount: &Amount) -> String {
    let currency = Currency {
        code: amount.currency.clone(),
        name: None,
        symbol: None,
        decimals: amount.decimals,
    };
    grid_client::money::format_with_currency(amount.minor, &currency)
}

/// How the window shows an entry.
pub fn entry_view(entry: &Entry, utc_offset_minutes: Option<i32>) -> JournalEntryView {
    JournalEntryView {
        id: entry.id,
        at: rfc3339_ms(entry.at_ms),
        at_display: Stamp::at(ms_to_time(entry.at_ms), utc_offset_minutes).display(),
        kind: entry.kind.as_str(),
        kind_label: entry.kind.label(),
        connection_id: entry.connection_id.clone(),
        connection_name: entry.connection_name.clone(),
        environment: entry.environment.clone(),
        environment_label: env_label(&entry.environment),
        account_id: entry.account_id.clone(),
        amount: entry.amount.as_ref().map(|a| AmountView {
            minor: a.minor,
            currency_code: a.currency.clone(),
            display: amount_display(a),
        }),
        request_id: entry.request_id.clone(),
        outcome: entry.outcome.as_str(),
        outcome_label: entry.outcome.label(),
        outcome_tone: outcome_tone(entry.outcome),
        detail: entry.detail.clone(),
    }
}

fn push_cell(out: &mut String, value: &str) {
    // A cell a spreadsheet would run as a formula is defused, as in the deposit CSV.
    let guard = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = value.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if guard {
        out.push('\'');
    }
    if quote {
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// The CSV columns, in order.
pub const CSV_HEADER: [&str; 12] = [
    "Time (UTC)",
    "Kind",
    "Connection",
    "Environment",
    "Account",
    "Amount",
    "Amount (smallest units)",
    "Currency",
    "Grid request id",
    "Outcome",
    "Detail",
    "Entry",
];

/// The entries as CSV (UTF-8, CRLF), one row each.
pub fn render_csv(entries: &[Entry]) -> String {
    let mut out = String::new();
    let mut row = |cells: &[&str]| {
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_cell(&mut out, cell);
        }
        out.push_str("\r\n");
    };
    row(&CSV_HEADER);
    for e in entries {
        let (display, minor, currency) = match &e.amount {
            Some(a) => (
                amount_display(a),
                a.minor.to_string(),
                a.currency.clone().unwrap_or_default(),
            ),
            None => (String::new(), String::new(), String::new()),
        };
        row(&[
            &rfc3339_ms(e.at_ms),
            e.kind.label(),
            &e.connection_name,
            env_label(&e.environment),
            e.account_id.as_deref().unwrap_or(""),
            &display,
            &minor,
            &currency,
            e.request_id.as_deref().unwrap_or(""),
            e.outcome.label(),
            &e.detail,
            &e.id.to_string(),
        ]);
    }
    out
}

fn journal_error(err: journal::Error) -> UiError {
    UiError::unknown(format!(
        "{err}. Grid Desk did nothing; check that the disk is not full and try again."
    ))
}

/// The journal service: written to by the other services, read by the Journal tab.
#[derive(Debug)]
pub struct Activity {
    journal: Journal,
    /// Why the file could not be used (the journal then lives in memory until the app closes).
    unavailable: Option<String>,
    export_dir: Option<PathBuf>,
    /// Which connections' accounts are shown from the store, and which answered live.
    offline: Mutex<Offline>,
}

#[derive(Debug, Default)]
struct Offline {
    /// Shown from the store, read from Grid at this time.
    since: HashMap<String, i64>,
    /// Connections that returned a list from Grid in this session: their kept list is never
    /// older than what the window shows, so it is not marked "as of".
    live: HashSet<String>,
}

impl Activity {
    /// Opens `dir/journal.sqlite3` and marks what a previous run left pending as unknown.
    pub fn open(dir: &Path, export_dir: Option<PathBuf>) -> Self {
        let (journal, unavailable) = match Journal::open_in(dir) {
            Ok(journal) => (journal, None),
            Err(err) => {
                tracing::warn!("{err}");
                match Journal::in_memory() {
                    Ok(journal) => (
                        journal,
                        Some(format!(
                            "{err}. This session's activity is kept in memory only."
                        )),
                    ),
                    // An in-memory SQLite database needs no file; this cannot fail short of
                    // running out of memory.
                    #[allow(clippy::panic)]
                    Err(mem) => panic!("no journal at all: {mem}"),
                }
            }
        };
        match journal.resolve_interrupted() {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                "{n} journal entr{} left pending by the last run: outcome unknown",
                if n == 1 { "y was" } else { "ies were" }
            ),
            Err(err) => tracing::warn!("{err}"),
        }
        Self {
            journal,
            unavailable,
            export_dir,
            offline: Mutex::new(Offline::default()),
        }
    }

    /// Where the file is.
    pub fn path(&self) -> Option<&Path> {
        self.journal.path()
    }

    /// The store itself (tests).
    pub fn store(&self) -> &Journal {
        &self.journal
    }

    fn new_entry(
        who: &Who,
        kind: Kind,
        account_id: Option<&str>,
        amount: Option<Amount>,
        request_id: Option<&str>,
        outcome: Outcome,
        detail: &str,
    ) -> NewEntry {
        NewEntry {
            kind,
            connection_id: who.connection_id.clone(),
            connection_name: who.connection_name.clone(),
            environment: env_str(who.environment).to_owned(),
            account_id: account_id.map(str::to_owned),
            amount,
            request_id: request_id.map(str::to_owned),
            outcome,
            detail: detail.to_owned(),
        }
    }

    /// Writes an entry that is complete at once. A journal that cannot be written is logged,
    /// never a reason to undo what was done.
    #[allow(clippy::too_many_arguments)]
    pub fn note(
        &self,
        who: &Who,
        kind: Kind,
        account_id: Option<&str>,
        amount: Option<Amount>,
        request_id: Option<&str>,
        outcome: Outcome,
        detail: &str,
    ) {
        let entry = Self::new_entry(who, kind, account_id, amount, request_id, outcome, detail);
        if let Err(err) = self.journal.record(&entry) {
            tracing::warn!("could not write a journal entry ({}): {err}", kind.as_str());
        }
    }

    /// Writes a pending entry before a request that moves money is sent. When that fails the
    /// request must not be sent: the error says so.
    pub fn begin(
        &self,
        who: &Who,
        kind: Kind,
        account_id: Option<&str>,
        amount: Option<Amount>,
        request_id: Option<&str>,
        detail: &str,
    ) -> UiResult<i64> {
        let entry = Self::new_entry(
            who,
            kind,
            account_id,
            amount,
            request_id,
            Outcome::Pending,
            detail,
        );
        self.journal.record(&entry).map_err(|err| {
            UiError::unknown(format!(
                "Nothing was sent: the request could not be written to the activity journal first ({err}). Check that the disk is not full and try again."
            ))
        })
    }

    /// Completes a pending entry.
    pub fn finish(&self, id: i64, outcome: Outcome, detail: &str, request_id: Option<&str>) {
        if let Err(err) = self.journal.complete(id, outcome, detail, request_id) {
            tracing::warn!("could not complete journal entry {id}: {err}");
        }
    }

    // ----- the Journal tab ---------------------------------------------------------------

    pub fn info(&self) -> UiResult<JournalInfo> {
        let connections = self
            .journal
            .connections()
            .map_err(journal_error)?
            .into_iter()
            .map(|(value, label)| Choice { value, label })
            .collect();
        Ok(JournalInfo {
            path: self.path().map(|p| p.display().to_string()),
            unavailable: self.unavailable.clone(),
            kinds: Kind::ALL
                .into_iter()
                .map(|k| Choice {
                    value: k.as_str().to_owned(),
                    label: k.label().to_owned(),
                })
                .collect(),
            connections,
        })
    }

    pub fn entries(&self, request: JournalRequest) -> UiResult<JournalPage> {
        let filter = filter_from(&request)?;
        let limit = filter.limit.unwrap_or(journal::MAX_PAGE) as usize;
        let entries = self.journal.entries(&filter).map_err(journal_error)?;
        let next_before_id = (entries.len() == limit)
            .then(|| entries.last().map(|e| e.id))
            .flatten();
        Ok(JournalPage {
            entries: entries
                .iter()
                .map(|e| entry_view(e, request.utc_offset_minutes))
                .collect(),
            next_before_id,
        })
    }

    /// Every matching entry as CSV, saved where the person chooses (or into the export dir).
    pub async fn save_csv(
        &self,
        request: SaveJournalCsvRequest,
        dialog: &impl SaveDialog,
        who: &Who,
    ) -> UiResult<JournalSaveOutcome> {
        let mut filter = filter_from(&request.filter)?;
        filter.limit = None;
        filter.before_id = None;
        let entries = self.journal.entries(&filter).map_err(journal_error)?;
        if entries.is_empty() {
            return Err(UiError::validation(
                "No journal entries match these filters: there is nothing to export.",
            ));
        }
        let stamp = Stamp::now(request.filter.utc_offset_minutes);
        let export = Export {
            bytes: render_csv(&entries).into_bytes(),
            missing_scripts: Vec::new(),
            accounts: entries.len(),
            pages: None,
            file_name: format!("grid-desk-journal-{}.csv", stamp.date()),
            filter: ("CSV spreadsheet", "csv"),
        };
        let path = match &self.export_dir {
            Some(dir) => unused_path(dir, &export.file_name),
            None => match dialog.choose(&export).await? {
                Some(path) => with_extension(path, "csv"),
                None => return Ok(JournalSaveOutcome::Cancelled { cancelled: true }),
            },
        };
        let count = entries.len();
        let bytes = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || write_atomically(&path, &export.bytes))
                .await
                .map_err(|e| UiError::unknown(format!("The file could not be saved: {e}")))??
        };
        let shown = path.display().to_string();
        self.note(
            who,
            Kind::JournalExported,
            None,
            None,
            None,
            Outcome::Done,
            &format!(
                "{count} entr{} saved to {shown}",
                if count == 1 { "y" } else { "ies" }
            ),
        );
        Ok(JournalSaveOutcome::Saved {
            path: shown,
            entries: count,
            bytes,
        })
    }

    // ----- last-known account lists ------------------------------------------------------

    /// Keeps a list as a connection returned it, now. Failing to keep it only costs the next
    /// start its head start.
    pub fn keep_list(
        &self,
        connection_id: &str,
        key: &str,
        accounts: &[InternalAccount],
        total_count: Option<u64>,
    ) {
        {
            let mut offline = self
                .offline
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            offline.since.remove(connection_id);
            offline.live.insert(connection_id.to_owned());
        }
        let stored = StoredAccounts {
            accounts: accounts.to_vec(),
            total_count,
        };
        let body = match serde_json::to_string(&stored) {
            Ok(body) => body,
            Err(err) => {
                tracing::warn!("could not keep the account list: {err}");
                return;
            }
        };
        if let Err(err) = self
            .journal
            .save_list(connection_id, key, journal::now_ms(), &body)
        {
            tracing::warn!("could not keep the account list: {err}");
        }
    }

    /// The list `key` as `connection_id` last returned it, and when.
    pub fn stored_list(
        &self,
        connection_id: &str,
        key: &str,
    ) -> Option<(Vec<AccountView>, Option<u64>, i64)> {
        let stored = match self.journal.load_list(connection_id, key) {
            Ok(stored) => stored?,
            Err(err) => {
                tracing::warn!("could not read the kept account list: {err}");
                return None;
            }
        };
        let body: StoredAccounts = match serde_json::from_str(&stored.body) {
            Ok(body) => body,
            Err(err) => {
                tracing::warn!("the kept account list could not be read: {err}");
                return None;
            }
        };
        Some((
            body.accounts.iter().map(account_view).collect(),
            body.total_count,
            stored.as_of_ms,
        ))
    }

    /// Marks `connection_id`'s accounts as shown from the store (as of `as_of_ms`), unless
    /// Grid already answered this session (the window asks for both at once).
    pub fn mark_offline(&self, connection_id: &str, as_of_ms: i64) {
        let mut offline = self
            .offline
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !offline.live.contains(connection_id) {
            offline.since.insert(connection_id.to_owned(), as_of_ms);
        }
    }

    /// When the accounts shown for `connection_id` were last read from Grid, if they came
    /// from the store rather than a live answer.
    pub fn offline_since(&self, connection_id: &str) -> Option<i64> {
        self.offline
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .since
            .get(connection_id)
            .copied()
    }
}

/// The Journal tab's commands: the journal of every connection, exported as the person on
/// the active connection.
#[derive(Debug)]
pub struct JournalTab {
    connections: Arc<Connections>,
}

impl JournalTab {
    pub fn new(connections: Arc<Connections>) -> Self {
        Self { connections }
    }

    /// Where the file is and what the filters offer.
    pub fn info(&self) -> UiResult<JournalInfo> {
        self.connections.activity().info()
    }

    /// A page of entries, newest first.
    pub fn entries(&self, request: JournalRequest) -> UiResult<JournalPage> {
        self.connections.activity().entries(request)
    }

    /// Every matching entry as CSV, through the save dialog.
    pub async fn save_csv(
        &self,
        request: SaveJournalCsvRequest,
        dialog: &impl SaveDialog,
    ) -> UiResult<JournalSaveOutcome> {
        let who = self
            .connections
            .who(&self.connections.active_id().await)
            .await;
        self.connections
            .activity()
            .save_csv(request, dialog, &who)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_local_days_and_checked() {
        let request = JournalRequest {
            from: Some("2026-12-02".into()),
            to: Some("2026-12-02".into()),
            utc_offset_minutes: Some(60),
            ..JournalRequest::default()
        };
        let filter = filter_from(&request).expect("valid");
        // 2026-12-02 00:00 at UTC+01:00 is 2026-12-01 23:00 UTC.
        let from = time::macros::datetime!(2026-12-01 23:00 UTC);
        assert_eq!(
            filter.from_ms,
            Some(i64::try_from(from.unix_timestamp_nanos() / 1_000_000).expect("ms"))
        );
        assert_eq!(
            filter.to_ms.zip(filter.from_ms).map(|(t, f)| t - f),
            Some(86_400_000)
        );

        for (from, to) in [("2/12/2026", ""), ("", "yesterday"), ("2026-13-01", "")] {
            let err = filter_from(&JournalRequest {
                from: Some(from.into()),
                to: Some(to.into()),
                ..JournalRequest::default()
            })
            .expect_err("refused");
            assert!(err.message.contains("like 2026-12-02"), "{}", err.message);
        }
        let err = filter_from(&JournalRequest {
            from: Some("2026-12-03".into()),
            to: Some("2026-12-02".into()),
            ..JournalRequest::default()
        })
        .expect_err("reversed");
        assert!(err.message.contains("after the end date"));
        let err = filter_from(&JournalRequest {
            kind: Some("drop table".into()),
            ..JournalRequest::default()
        })
        .expect_err("kind");
        assert!(err.message.contains("not a kind"));
    }

    #[test]
    fn csv_rows_hold_the_entry_and_defuse_formulas() {
        let journal = Journal::in_memory().expect("journal");
        let who = Who {
            connection_id: "c".into(),
            connection_name: "=HYPERLINK(\"x\")".into(),
            environment: EnvLabel::Sandbox,
        };
        let entry = Activity::new_entry(
            &who,
            Kind::Fund,
            Some("InternalAccount:a"),
            Some(amount(100_050, Some("USD"), Some(2))),
            None,
            Outcome::Applied,
            "Balance now 1,000.50 USD, \"ok\"",
        );
        journal.record_at(&entry, 0).expect("record");
        let entries = journal.entries(&Filter::default()).expect("entries");
        let csv = render_csv(&entries);
        let mut lines = csv.split("\r\n");
        assert_eq!(lines.next(), Some(CSV_HEADER.join(",").as_str()));
        let row = lines.next().expect("row");
        assert!(row.starts_with("1970-01-01T00:00:00Z,Sandbox fund,\"'=HYPERLINK(\"\"x\"\")\",Sandbox,InternalAccount:a,"), "{row}");
        assert!(row.contains(",100050,USD,,Applied,"), "{row}");
        assert!(
            row.contains("\"Balance now 1,000.50 USD, \"\"ok\"\"\""),
            "{row}"
        );
    }

    #[test]
    fn as_of_is_short_today() {
        let now = journal::now_ms();
        let label = as_of_label(now, Some(0));
        assert!(
            label.starts_with("as of ") && label.len() == "as of 10:42".len(),
            "{label}"
        );
        assert!(as_of_label(0, Some(0)).starts_with("as of 1970-01-01 00:00"));
    }
}
