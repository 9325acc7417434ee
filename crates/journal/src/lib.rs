//! Grid Desk's activity journal: what was done, when, on which connection and account, for how
//! much and with what outcome, in one SQLite file (`journal.sqlite3`) in the app's settings
//! directory. The same file keeps the last account lists each connection returned, so the app
//! can open on them at once and print instructions while Grid cannot be reached.
//!
//! - SQLite through `rusqlite` (`bundled`: the same engine everywhere), WAL mode, `synchronous
//!   = FULL`: an entry written before a fund is sent is on disk before the request leaves.
//! - Schema versions with `rusqlite_migration` (SQLite's `user_version`): a newer app migrates
//!   an older file forward, and an older app refuses a newer file rather than misreading it.
//! - Amounts are integers in the currency's smallest units with the currency code and its
//!   decimals: never a float.
//! - Nothing here takes a secret: no field of [`NewEntry`] is meant for one, and the services
//!   that write entries never pass credentials (tested in `grid-desk-core`).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension as _};
use rusqlite_migration::{Migrations, M};
use serde::{Deserialize, Serialize};

/// The file's name, in the directory the settings file uses.
pub const FILE_NAME: &str = "journal.sqlite3";

/// At most this many entries come back from one query (the window pages on).
pub const MAX_PAGE: u32 = 500;

/// The longest detail text kept; longer ones are cut with an ellipsis.
pub const MAX_DETAIL_CHARS: usize = 2_000;

/// What went wrong with the journal file, in words.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the activity journal {path} could not be opened: {source}")]
    Open {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("the activity journal's format could not be brought up to date: {0}")]
    Migrate(#[from] rusqlite_migration::Error),
    #[error("the activity journal could not be read or written: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("the activity journal's folder {path} could not be created: {source}")]
    Dir {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(
        "CREATE TABLE entries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at_ms INTEGER NOT NULL,
            kind TEXT NOT NULL,
            connection_id TEXT NOT NULL,
            connection_name TEXT NOT NULL,
            environment TEXT NOT NULL,
            account_id TEXT,
            amount_minor INTEGER,
            currency TEXT,
            decimals INTEGER,
            request_id TEXT,
            outcome TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            completed_ms INTEGER
        );
        CREATE INDEX entries_by_time ON entries(at_ms DESC, id DESC);
        CREATE INDEX entries_pending ON entries(outcome) WHERE outcome = 'pending';
        CREATE TABLE account_lists (
            connection_id TEXT NOT NULL,
            list_key TEXT NOT NULL,
            as_of_ms INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (connection_id, list_key)
        );",
    )])
}

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    /// A sandbox fund (amount, outcome).
    Fund,
    /// Step one of a signed account update (PATCH): Grid's challenge.
    UpdateRequested,
    /// Step two: the signed PATCH (request id, signing method).
    UpdateSigned,
    ConnectionAdded,
    ConnectionEdited,
    ConnectionDeleted,
    ConnectionTested,
    SessionKeyGenerated,
    SessionKeySaved,
    SessionKeyDeleted,
    PdfSaved,
    CsvSaved,
    /// The journal itself exported as CSV.
    JournalExported,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::Fund,
        Kind::UpdateRequested,
        Kind::UpdateSigned,
        Kind::ConnectionAdded,
        Kind::ConnectionEdited,
        Kind::ConnectionDeleted,
        Kind::ConnectionTested,
        Kind::SessionKeyGenerated,
        Kind::SessionKeySaved,
        Kind::SessionKeyDeleted,
        Kind::PdfSaved,
        Kind::CsvSaved,
        Kind::JournalExported,
    ];

    /// The value stored and sent to the window's filter.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Fund => "fund",
            Kind::UpdateRequested => "updateRequested",
            Kind::UpdateSigned => "updateSigned",
            Kind::ConnectionAdded => "connectionAdded",
            Kind::ConnectionEdited => "connectionEdited",
            Kind::ConnectionDeleted => "connectionDeleted",
            Kind::ConnectionTested => "connectionTested",
            Kind::SessionKeyGenerated => "sessionKeyGenerated",
            Kind::SessionKeySaved => "sessionKeySaved",
            Kind::SessionKeyDeleted => "sessionKeyDeleted",
            Kind::PdfSaved => "pdfSaved",
            Kind::CsvSaved => "csvSaved",
            Kind::JournalExported => "journalExported",
        }
    }

    /// What the window and the CSV call it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Fund => "Sandbox fund",
            Kind::UpdateRequested => "Wallet change requested",
            Kind::UpdateSigned => "Wallet change signed",
            Kind::ConnectionAdded => "Connection added",
            Kind::ConnectionEdited => "Connection edited",
            Kind::ConnectionDeleted => "Connection deleted",
            Kind::ConnectionTested => "Connection tested",
            Kind::SessionKeyGenerated => "Session key generated",
            Kind::SessionKeySaved => "Session key saved",
            Kind::SessionKeyDeleted => "Session key deleted",
            Kind::PdfSaved => "PDF saved",
            Kind::CsvSaved => "CSV saved",
            Kind::JournalExported => "Journal exported",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Written before the request was sent; not answered yet.
    Pending,
    /// Grid confirmed it.
    Applied,
    /// Grid (or Grid Desk, before sending) refused it: nothing changed.
    Refused,
    /// It may or may not have been applied: the balance must be checked.
    Unknown,
    /// Grid asked for a signature (step one of a signed update).
    ChallengeIssued,
    /// A local action that worked (a connection saved, a file written).
    Done,
    /// A local action or a test that failed.
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Applied => "applied",
            Outcome::Refused => "refused",
            Outcome::Unknown => "unknown",
            Outcome::ChallengeIssued => "challengeIssued",
            Outcome::Done => "done",
            Outcome::Failed => "failed",
        }
    }

    /// What the window and the CSV say.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pending => "Sent, waiting for Grid",
            Outcome::Applied => "Applied",
            Outcome::Refused => "Refused",
            Outcome::Unknown => "Outcome unknown — check the balance",
            Outcome::ChallengeIssued => "Waiting for a signature",
            Outcome::Done => "Done",
            Outcome::Failed => "Failed",
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        [
            Outcome::Pending,
            Outcome::Applied,
            Outcome::Refused,
            Outcome::Unknown,
            Outcome::ChallengeIssued,
            Outcome::Done,
            Outcome::Failed,
        ]
        .into_iter()
        .find(|o| o.as_str() == text)
    }
}

/// An amount in the currency's smallest units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Amount {
    pub minor: i64,
    pub currency: Option<String>,
    pub decimals: Option<u32>,
}

/// An entry to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub kind: Kind,
    pub connection_id: String,
    pub connection_name: String,
    /// `demo`, `sandbox` or `production`.
    pub environment: String,
    pub account_id: Option<String>,
    pub amount: Option<Amount>,
    /// Grid's request id (signed updates).
    pub request_id: Option<String>,
    pub outcome: Outcome,
    pub detail: String,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    /// Milliseconds since 1970-01-01 UTC.
    pub at_ms: i64,
    pub kind: Kind,
    pub connection_id: String,
    pub connection_name: String,
    pub environment: String,
    pub account_id: Option<String>,
    pub amount: Option<Amount>,
    pub request_id: Option<String>,
    pub outcome: Outcome,
    pub detail: String,
    /// When the outcome was written (for a fund: when Grid answered, or the next start).
    pub completed_ms: Option<i64>,
}

/// Which entries to read, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// From this instant (inclusive), ms since the epoch.
    pub from_ms: Option<i64>,
    /// Before this instant (exclusive).
    pub to_ms: Option<i64>,
    pub connection_id: Option<String>,
    /// Entries whose account id contains this text.
    pub account: Option<String>,
    pub kind: Option<Kind>,
    /// Entries older than this id (the next page).
    pub before_id: Option<i64>,
    /// At most [`MAX_PAGE`]; none = all of them (the CSV export).
    pub limit: Option<u32>,
}

/// A list as a connection last returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredList {
    pub as_of_ms: i64,
    /// JSON, as the app wrote it.
    pub body: String,
}

/// The detail written on entries a start finds still pending.
pub const INTERRUPTED_DETAIL: &str = "Grid Desk stopped before Grid answered this request. It may or may not have been applied: outcome unknown — check the balance before funding again.";

/// Now, in ms since the epoch.
pub fn now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}

fn cut(text: &str) -> String {
    if text.chars().count() <= MAX_DETAIL_CHARS {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(MAX_DETAIL_CHARS - 1).collect();
    out.push('…');
    out
}

/// The journal file, opened once by the app.
#[derive(Debug)]
pub struct Journal {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
}

impl Journal {
    /// Opens (or creates) `dir/journal.sqlite3`.
    pub fn open_in(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Dir {
            path: dir.display().to_string(),
            source,
        })?;
        Self::open(&dir.join(FILE_NAME))
    }

    /// Opens (or creates) the file at `path`, in WAL mode, migrated to the current schema.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path).map_err(|source| Error::Open {
            path: path.display().to_string(),
            source,
        })?;
        Self::prepare(conn, Some(path.to_owned()))
    }

    /// A journal that lives only as long as the process (when the file cannot be opened).
    pub fn in_memory() -> Result<Self> {
        Self::prepare(Connection::open_in_memory()?, None)
    }

    fn prepare(mut conn: Connection, path: Option<PathBuf>) -> Result<Self> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        if path.is_some() {
            let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            debug_assert_eq!(mode.to_ascii_lowercase(), "wal");
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        migrations().to_latest(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
            path,
        })
    }

    /// Where the file is (none for an in-memory journal).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// SQLite's journal mode (`wal` for a file).
    pub fn journal_mode(&self) -> Result<String> {
        Ok(self
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?)
    }

    /// Writes an entry now; its id.
    pub fn record(&self, entry: &NewEntry) -> Result<i64> {
        self.record_at(entry, now_ms())
    }

    /// Writes an entry with the given time; its id.
    pub fn record_at(&self, entry: &NewEntry, at_ms: i64) -> Result<i64> {
        let conn = self.conn();
        let completed = (entry.outcome != Outcome::Pending).then_some(at_ms);
        conn.execute(
            "INSERT INTO entries (at_ms, kind, connection_id, connection_name, environment,
                account_id, amount_minor, currency, decimals, request_id, outcome, detail, completed_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                at_ms,
                entry.kind.as_str(),
                entry.connection_id,
                entry.connection_name,
                entry.environment,
                entry.account_id,
                entry.amount.as_ref().map(|a| a.minor),
                entry.amount.as_ref().and_then(|a| a.currency.clone()),
                entry.amount.as_ref().and_then(|a| a.decimals),
                entry.request_id,
                entry.outcome.as_str(),
                cut(&entry.detail),
                completed,
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// Writes the outcome of a pending entry (and Grid's request id when it came back).
    pub fn complete(
        &self,
        id: i64,
        outcome: Outcome,
        detail: &str,
        request_id: Option<&str>,
    ) -> Result<()> {
        self.conn().execute(
            "UPDATE entries SET outcome = ?2, detail = ?3, completed_ms = ?4,
                request_id = COALESCE(?5, request_id)
             WHERE id = ?1",
            params![id, outcome.as_str(), cut(detail), now_ms(), request_id],
        )?;
        Ok(())
    }

    /// At start: every entry still pending was in flight when the app stopped. It becomes
    /// "outcome unknown — check the balance". How many there were.
    pub fn resolve_interrupted(&self) -> Result<usize> {
        Ok(self.conn().execute(
            "UPDATE entries SET outcome = 'unknown', detail = ?1, completed_ms = ?2
             WHERE outcome = 'pending'",
            params![INTERRUPTED_DETAIL, now_ms()],
        )?)
    }

    /// Entries matching `filter`, newest first.
    pub fn entries(&self, filter: &Filter) -> Result<Vec<Entry>> {
        let limit = filter.limit.map_or(-1, |l| i64::from(l.clamp(1, MAX_PAGE)));
        let account = filter
            .account
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| {
                let escaped = a
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                format!("%{escaped}%")
            });
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, at_ms, kind, connection_id, connection_name, environment, account_id,
                amount_minor, currency, decimals, request_id, outcome, detail, completed_ms
             FROM entries
             WHERE (?1 IS NULL OR at_ms >= ?1)
               AND (?2 IS NULL OR at_ms < ?2)
               AND (?3 IS NULL OR connection_id = ?3)
               AND (?4 IS NULL OR account_id LIKE ?4 ESCAPE '\\')
               AND (?5 IS NULL OR kind = ?5)
               AND (?6 IS NULL OR id < ?6)
             ORDER BY at_ms DESC, id DESC
             LIMIT ?7",
        )?;
        let rows = stmt.query_map(
            params![
                filter.from_ms,
                filter.to_ms,
                filter.connection_id,
                account,
                filter.kind.map(Kind::as_str),
                filter.before_id,
                limit
            ],
            |row| {
                let kind: String = row.get(2)?;
                let outcome: String = row.get(11)?;
                let minor: Option<i64> = row.get(7)?;
                Ok(Entry {
                    id: row.get(0)?,
                    at_ms: row.get(1)?,
                    // A kind or outcome from a newer app reads as the closest old one.
                    kind: Kind::parse(&kind).unwrap_or(Kind::Fund),
                    connection_id: row.get(3)?,
                    connection_name: row.get(4)?,
                    environment: row.get(5)?,
                    account_id: row.get(6)?,
                    amount: match minor {
                        Some(minor) => Some(Amount {
                            minor,
                            currency: row.get(8)?,
                            decimals: row.get(9)?,
                        }),
                        None => None,
                    },
                    request_id: row.get(10)?,
                    outcome: Outcome::parse(&outcome).unwrap_or(Outcome::Unknown),
                    detail: row.get(12)?,
                    completed_ms: row.get(13)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// One entry by id.
    pub fn entry(&self, id: i64) -> Result<Option<Entry>> {
        Ok(self
            .entries(&Filter {
                before_id: Some(id.saturating_add(1)),
                limit: Some(MAX_PAGE),
                ..Filter::default()
            })?
            .into_iter()
            .find(|e| e.id == id))
    }

    /// Every connection the journal names (id, latest name), for the filter.
    pub fn connections(&self) -> Result<Vec<(String, String)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT connection_id, connection_name FROM entries e
             WHERE id = (SELECT MAX(id) FROM entries WHERE connection_id = e.connection_id)
             ORDER BY connection_name",
        )?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Keeps `body` as the last list `key` of `connection_id` returned at `as_of_ms`.
    pub fn save_list(
        &self,
        connection_id: &str,
        key: &str,
        as_of_ms: i64,
        body: &str,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO account_lists (connection_id, list_key, as_of_ms, body)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (connection_id, list_key) DO UPDATE SET as_of_ms = ?3, body = ?4",
            params![connection_id, key, as_of_ms, body],
        )?;
        Ok(())
    }

    /// The last list `key` of `connection_id`, if one was kept.
    pub fn load_list(&self, connection_id: &str, key: &str) -> Result<Option<StoredList>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT as_of_ms, body FROM account_lists WHERE connection_id = ?1 AND list_key = ?2",
                params![connection_id, key],
                |row| {
                    Ok(StoredList {
                        as_of_ms: row.get(0)?,
                        body: row.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    /// Forgets every list of `connection_id` (the connection was deleted).
    pub fn forget_lists(&self, connection_id: &str) -> Result<()> {
        self.conn().execute(
            "DELETE FROM account_lists WHERE connection_id = ?1",
            params![connection_id],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: Kind, connection: &str, account: Option<&str>, outcome: Outcome) -> NewEntry {
        NewEntry {
            kind,
            connection_id: connection.to_owned(),
            connection_name: format!("{connection} name"),
            environment: "sandbox".to_owned(),
            account_id: account.map(str::to_owned),
            amount: Some(Amount {
                minor: 100_000,
                currency: Some("USD".to_owned()),
                decimals: Some(2),
            }),
            request_id: None,
            outcome,
            detail: String::new(),
        }
    }

    #[test]
    fn migrations_are_valid() {
        migrations().validate().expect("valid migrations");
    }

    #[test]
    fn a_file_is_in_wal_mode_and_survives_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::open_in(dir.path()).expect("open");
        assert_eq!(journal.journal_mode().expect("mode"), "wal");
        let id = journal
            .record(&entry(
                Kind::Fund,
                "c1",
                Some("InternalAccount:a"),
                Outcome::Pending,
            ))
            .expect("record");
        drop(journal);
        let again = Journal::open_in(dir.path()).expect("reopen");
        let read = again.entry(id).expect("read").expect("the entry is there");
        assert_eq!(read.outcome, Outcome::Pending);
        assert_eq!(
            read.amount,
            Some(Amount {
                minor: 100_000,
                currency: Some("USD".into()),
                decimals: Some(2)
            })
        );
        assert_eq!(read.completed_ms, None);
        assert_eq!(again.resolve_interrupted().expect("resolve"), 1);
        let read = again.entry(id).expect("read").expect("entry");
        assert_eq!(read.outcome, Outcome::Unknown);
        assert_eq!(read.outcome.label(), "Outcome unknown — check the balance");
        assert_eq!(read.detail, INTERRUPTED_DETAIL);
        assert!(read.completed_ms.is_some());
        assert_eq!(again.resolve_interrupted().expect("again"), 0);
    }

    #[test]
    fn completing_writes_the_outcome_and_keeps_the_request_id() {
        let journal = Journal::in_memory().expect("open");
        let mut new = entry(Kind::UpdateSigned, "c1", Some("a"), Outcome::Pending);
        new.request_id = Some("req-1".into());
        let id = journal.record(&new).expect("record");
        journal
            .complete(id, Outcome::Applied, "Balance now $2.00", None)
            .expect("complete");
        let read = journal.entry(id).expect("read").expect("entry");
        assert_eq!(read.outcome, Outcome::Applied);
        assert_eq!(read.detail, "Balance now $2.00");
        assert_eq!(read.request_id.as_deref(), Some("req-1"));
    }

    #[test]
    fn entries_are_newest_first_and_filtered() {
        let journal = Journal::in_memory().expect("open");
        let day = 86_400_000;
        let a = journal
            .record_at(
                &entry(
                    Kind::Fund,
                    "c1",
                    Some("InternalAccount:a"),
                    Outcome::Applied,
                ),
                day,
            )
            .expect("a");
        let b = journal
            .record_at(&entry(Kind::PdfSaved, "c2", None, Outcome::Done), 2 * day)
            .expect("b");
        let c = journal
            .record_at(
                &entry(
                    Kind::Fund,
                    "c2",
                    Some("InternalAccount:b_1%"),
                    Outcome::Refused,
                ),
                3 * day,
            )
            .expect("c");
        let ids = |f: Filter| -> Vec<i64> {
            journal
                .entries(&f)
                .expect("entries")
                .iter()
                .map(|e| e.id)
                .collect()
        };
        assert_eq!(ids(Filter::default()), vec![c, b, a]);
        assert_eq!(
            ids(Filter {
                from_ms: Some(2 * day),
                to_ms: Some(3 * day),
                ..Filter::default()
            }),
            vec![b]
        );
        assert_eq!(
            ids(Filter {
                connection_id: Some("c2".into()),
                ..Filter::default()
            }),
            vec![c, b]
        );
        assert_eq!(
            ids(Filter {
                kind: Some(Kind::Fund),
                ..Filter::default()
            }),
            vec![c, a]
        );
        // LIKE's wildcards in the text are taken literally.
        assert_eq!(
            ids(Filter {
                account: Some("b_1%".into()),
                ..Filter::default()
            }),
            vec![c]
        );
        assert_eq!(
            ids(Filter {
                account: Some("_".into()),
                ..Filter::default()
            }),
            vec![c]
        );
        assert_eq!(
            ids(Filter {
                before_id: Some(c),
                limit: Some(1),
                ..Filter::default()
            }),
            vec![b]
        );
        assert_eq!(
            journal.connections().expect("connections"),
            vec![
                ("c1".into(), "c1 name".into()),
                ("c2".into(), "c2 name".into())
            ]
        );
    }

    #[test]
    fn long_details_are_cut() {
        let journal = Journal::in_memory().expect("open");
        let mut new = entry(Kind::Fund, "c1", None, Outcome::Refused);
        new.detail = "x".repeat(MAX_DETAIL_CHARS + 10);
        let id = journal.record(&new).expect("record");
        let read = journal.entry(id).expect("read").expect("entry");
        assert_eq!(read.detail.chars().count(), MAX_DETAIL_CHARS);
        assert!(read.detail.ends_with('…'));
    }

    #[test]
    fn lists_are_kept_per_connection_and_replaced() {
        let journal = Journal::in_memory().expect("open");
        assert_eq!(journal.load_list("c1", "platform").expect("load"), None);
        journal
            .save_list("c1", "platform", 10, "[1]")
            .expect("save");
        journal
            .save_list("c2", "platform", 11, "[2]")
            .expect("save");
        journal
            .save_list("c1", "platform", 12, "[3]")
            .expect("replace");
        assert_eq!(
            journal.load_list("c1", "platform").expect("load"),
            Some(StoredList {
                as_of_ms: 12,
                body: "[3]".into()
            })
        );
        journal.forget_lists("c1").expect("forget");
        assert_eq!(journal.load_list("c1", "platform").expect("load"), None);
        assert!(journal.load_list("c2", "platform").expect("load").is_some());
    }

    #[test]
    fn kinds_and_outcomes_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
            assert!(!kind.label().is_empty());
        }
        assert_eq!(Outcome::parse("pending"), Some(Outcome::Pending));
        assert_eq!(Outcome::parse("nope"), None);
    }
}
