//! Printable deposit instructions: which accounts a print or export covers (the scope), the
//! PDF and CSV bytes (made by `deposit-instructions`), and writing them where the user chose.
//!
//! The window never names a file: the save dialog is opened from Rust (`commands.rs`), or, for
//! automation, files go to `GRID_DESK_EXPORT_DIR`. Files are written atomically (a temporary
//! file beside the destination, flushed, then renamed), so a failed save leaves nothing half
//! written. Nothing here needs Tauri, so it is tested with temp dirs.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use deposit_instructions::{AccountView, Paper, SheetEnvironment, SheetOptions};
use futures::StreamExt as _;
use grid_client::models::CustomerId;
use grid_client::{CustomerAccountFilter, GridClient, MAX_PAGE_SIZE};
use serde::{Deserialize, Serialize};

use crate::connections::EnvLabel;
use crate::error::{UiError, UiResult};

/// Set to a directory to skip the save dialog and write exports there (tests, scripts).
pub const EXPORT_DIR_ENV: &str = "GRID_DESK_EXPORT_DIR";

/// The most accounts one print or export covers: beyond that the PDF is unwieldy and the
/// window would build thousands of sheets.
pub const MAX_ACCOUNTS: usize = 2_000;

/// How many account views are remembered from the lists, so "Print selected" can be resolved
/// in Rust without the window sending account data back.
pub const CACHE_CAPACITY: usize = 12_000;

/// Which accounts to print, as the window sends it (`{kind: "platform"}`, …).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PrintScope {
    /// Accounts the window listed and the user ticked (or the one card's Print button).
    #[serde(rename_all = "camelCase")]
    Accounts { account_ids: Vec<String> },
    /// Every platform account.
    Platform,
    /// Every internal account of one customer, all pages.
    #[serde(rename_all = "camelCase")]
    Customer { customer_id: String },
}

/// Account views as the lists last returned them, per connection, bounded (oldest out first).
#[derive(Debug, Default)]
pub struct AccountCache {
    inner: Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    connection: String,
    views: HashMap<String, AccountView>,
    order: VecDeque<String>,
}

impl AccountCache {
    /// Remembers (or refreshes) these views for `connection`; views of another connection are
    /// forgotten first, so a switch never prints the previous connection's accounts.
    pub fn remember<'a>(&self, connection: &str, views: impl IntoIterator<Item = &'a AccountView>) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if inner.connection != connection {
            *inner = CacheInner {
                connection: connection.to_owned(),
                ..CacheInner::default()
            };
        }
        for view in views {
            if inner.views.insert(view.id.clone(), view.clone()).is_none() {
                inner.order.push_back(view.id.clone());
            }
        }
        while inner.views.len() > CACHE_CAPACITY {
            match inner.order.pop_front() {
                Some(oldest) => {
                    inner.views.remove(&oldest);
                }
                None => break,
            }
        }
    }

    /// The remembered view of `id` on `connection`.
    pub fn get(&self, connection: &str, id: &str) -> Option<AccountView> {
        let inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (inner.connection == connection)
            .then(|| inner.views.get(id).cloned())
            .flatten()
    }
}

/// The ticked ids, trimmed, checked and without repeats (first tick wins the order).
fn chosen_ids(ids: &[String]) -> UiResult<Vec<String>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for id in ids {
        let id = id.trim();
        if id.is_empty() {
            continue;
        }
        if id.len() > 128 || !id.chars().all(|c| c.is_ascii_graphic()) {
            return Err(UiError::validation(
                "One of the chosen accounts has an id Grid Desk cannot use. Refresh the list and choose again.",
            ));
        }
        if seen.insert(id.to_owned()) {
            out.push(id.to_owned());
        }
    }
    if out.is_empty() {
        return Err(UiError::validation("Choose at least one account to print."));
    }
    if out.len() > MAX_ACCOUNTS {
        return Err(too_many());
    }
    Ok(out)
}

fn too_many() -> UiError {
    UiError::validation(format!(
        "That is more than {MAX_ACCOUNTS} accounts. Print them in smaller groups (for example one customer at a time)."
    ))
}

/// The accounts a scope covers, in the order the user sees them. Ticked accounts come from the
/// cache of listed views; any the cache lost are looked up in the platform list.
pub async fn resolve_scope(
    client: &GridClient,
    connection: &str,
    cache: &AccountCache,
    scope: &PrintScope,
) -> UiResult<Vec<AccountView>> {
    match scope {
        PrintScope::Platform => {
            let views = crate::accounts::list_platform(client, None, None).await?;
            cache.remember(connection, &views);
            if views.is_empty() {
                return Err(UiError::validation(
                    "There are no platform accounts to print.",
                ));
            }
            if views.len() > MAX_ACCOUNTS {
                return Err(too_many());
            }
            Ok(views)
        }
        PrintScope::Customer { customer_id } => {
            let id = crate::input::customer_id(Some(customer_id.clone()))?.ok_or_else(|| {
                UiError::validation(
                    "Type a customer id in the filter to print that customer's accounts.",
                )
            })?;
            let filter = CustomerAccountFilter {
                customer_id: Some(CustomerId(id.clone())),
                ..CustomerAccountFilter::default()
            };
            let mut views = Vec::new();
            let mut pages =
                std::pin::pin!(client.customer_internal_account_pages(filter, MAX_PAGE_SIZE));
            while let Some(page) = pages.next().await {
                views.extend(page?.data.iter().map(deposit_instructions::account_view));
                if views.len() > MAX_ACCOUNTS {
                    return Err(too_many());
                }
            }
            cache.remember(connection, &views);
            if views.is_empty() {
                return Err(UiError::not_found(format!(
                    "Customer {id} has no internal accounts to print."
                )));
            }
            Ok(views)
        }
        PrintScope::Accounts { account_ids } => {
            let ids = chosen_ids(account_ids)?;
            let mut found: Vec<Option<AccountView>> =
                ids.iter().map(|id| cache.get(connection, id)).collect();
            if found.iter().any(Option::is_none) {
                let platform = crate::accounts::list_platform(client, None, None).await?;
                cache.remember(connection, &platform);
                for (slot, id) in found.iter_mut().zip(&ids) {
                    if slot.is_none() {
                        *slot = platform.iter().find(|a| &a.id == id).cloned();
                    }
                }
            }
            let missing = found.iter().filter(|v| v.is_none()).count();
            if missing > 0 {
                return Err(UiError::not_found(format!(
                    "{missing} of the chosen accounts {} no longer loaded. Refresh the list and choose again.",
                    if missing == 1 { "is" } else { "are" }
                )));
            }
            Ok(found.into_iter().flatten().collect())
        }
    }
}

/// The accounts to print and where they come from.
#[derive(Debug, Clone)]
pub struct PrintJob {
    pub accounts: Vec<AccountView>,
    pub environment: EnvLabel,
    /// The connection's name, printed as the platform's name.
    pub connection_name: String,
}

impl PrintJob {
    pub fn sheet_options(
        &self,
        paper: Paper,
        include_balances: bool,
        stamp: &Stamp,
    ) -> SheetOptions {
        SheetOptions {
            paper,
            environment: sheet_environment(self.environment),
            include_balances,
            generated_at: stamp.display(),
            platform_name: Some(self.connection_name.clone()),
        }
    }
}

/// The watermark and footer label for a connection's environment.
pub fn sheet_environment(environment: EnvLabel) -> SheetEnvironment {
    match environment {
        EnvLabel::Demo => SheetEnvironment::Demo,
        EnvLabel::Sandbox => SheetEnvironment::Sandbox,
        EnvLabel::Production => SheetEnvironment::Production,
    }
}

/// `a4` or `letter`, as the paper select sends it.
pub fn parse_paper(text: &str) -> UiResult<Paper> {
    match text.trim().to_ascii_lowercase().as_str() {
        "a4" => Ok(Paper::A4),
        "letter" => Ok(Paper::Letter),
        _ => Err(UiError::validation("Choose A4 or US Letter paper.")),
    }
}

/// The paper the window's locale (`navigator.language`) usually prints on.
pub fn default_paper(locale: &str) -> Paper {
    // A locale tag is short; anything else is not one.
    if locale.len() > 64 {
        return Paper::A4;
    }
    deposit_instructions::paper_for_locale(locale)
}

/// The wall-clock time of the window's time zone (`-Date.getTimezoneOffset()` minutes; UTC when
/// missing or impossible), for the sheets' footer and the file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    at: time::OffsetDateTime,
}

impl Stamp {
    pub fn now(utc_offset_minutes: Option<i32>) -> Self {
        Self::at(time::OffsetDateTime::now_utc(), utc_offset_minutes)
    }

    pub fn at(utc: time::OffsetDateTime, utc_offset_minutes: Option<i32>) -> Self {
        let offset = utc_offset_minutes
            .filter(|m| m.abs() <= 18 * 60)
            .and_then(|m| time::UtcOffset::from_whole_seconds(m * 60).ok())
            .unwrap_or(time::UtcOffset::UTC);
        Self {
            at: utc.to_offset(offset),
        }
    }

    /// "2026-11-22 10:31 UTC" or "2026-11-22 11:31 UTC+01:00".
    pub fn display(&self) -> String {
        let at = self.at;
        let offset = at.offset();
        let zone = if offset.is_utc() {
            "UTC".to_owned()
        } else {
            let (h, m, _) = offset.as_hms();
            let sign = if offset.is_negative() { '-' } else { '+' };
            format!("UTC{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
        };
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02} {zone}",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute()
        )
    }

    /// "2026-11-22", for file names.
    pub fn date(&self) -> String {
        let at = self.at;
        format!(
            "{:04}-{:02}-{:02}",
            at.year(),
            u8::from(at.month()),
            at.day()
        )
    }
}

/// A file ready to be saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub bytes: Vec<u8>,
    pub accounts: usize,
    pub pages: Option<usize>,
    /// Suggested name, e.g. `deposit-instructions-2026-11-22.pdf`.
    pub file_name: String,
    /// The save dialog's filter: name and extension.
    pub filter: (&'static str, &'static str),
}

/// The PDF of these accounts.
pub fn pdf_export(
    accounts: &[AccountView],
    options: &SheetOptions,
    date: &str,
) -> UiResult<Export> {
    let bytes = deposit_instructions::render_pdf(accounts, options)
        .map_err(|e| UiError::validation(e.to_string()))?;
    Ok(Export {
        pages: Some(count_pages(&bytes)),
        bytes,
        accounts: accounts.len(),
        file_name: format!("deposit-instructions-{date}.pdf"),
        filter: ("PDF document", "pdf"),
    })
}

/// The CSV of these accounts (one row per funding instruction).
pub fn csv_export(
    accounts: &[AccountView],
    include_balances: bool,
    date: &str,
) -> UiResult<Export> {
    if accounts.is_empty() {
        return Err(UiError::validation("Choose at least one account to print."));
    }
    Ok(Export {
        bytes: deposit_instructions::render_csv(accounts, include_balances).into_bytes(),
        accounts: accounts.len(),
        pages: None,
        file_name: format!("deposit-instructions-{date}.csv"),
        filter: ("CSV spreadsheet", "csv"),
    })
}

/// Page objects in a PDF written by `render_pdf` (`/Type /Page`, not `/Pages`). Page content
/// is compressed, so account text cannot fake one; the count is only shown to the user.
fn count_pages(pdf: &[u8]) -> usize {
    const NEEDLE: &[u8] = b"/Type /Page";
    pdf.windows(NEEDLE.len() + 1)
        .filter(|w| w.starts_with(NEEDLE) && w[NEEDLE.len()] != b's')
        .count()
}

/// What a save command answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SaveOutcome {
    #[serde(rename_all = "camelCase")]
    Saved {
        path: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pages: Option<usize>,
        accounts: usize,
        bytes: u64,
    },
    Cancelled {
        cancelled: bool,
    },
}

impl SaveOutcome {
    pub fn cancelled() -> Self {
        Self::Cancelled { cancelled: true }
    }
}

/// `GRID_DESK_EXPORT_DIR`, when set to something.
pub fn export_dir_from_env() -> Option<PathBuf> {
    std::env::var_os(EXPORT_DIR_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `dir/name`, or `dir/stem-2.ext`, `-3`, … when that file exists (exports to a fixed folder
/// never overwrite each other).
pub fn unused_path(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) => (stem, format!(".{ext}")),
        None => (name, String::new()),
    };
    (2..10_000)
        .map(|n| dir.join(format!("{stem}-{n}{ext}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// A chosen path without an extension gets the export's (the GTK dialog does not add one).
pub fn with_extension(path: PathBuf, ext: &str) -> PathBuf {
    if path.extension().is_some() {
        path
    } else {
        path.with_extension(ext)
    }
}

/// Writes `export` to `path` atomically and says what was saved.
pub fn save_export(export: &Export, path: &Path) -> UiResult<SaveOutcome> {
    let bytes = write_atomically(path, &export.bytes)?;
    Ok(SaveOutcome::Saved {
        path: path.display().to_string(),
        pages: export.pages,
        accounts: export.accounts,
        bytes,
    })
}

/// A temporary file in the destination's folder, flushed to disk, then renamed over the
/// destination: a crash or a full disk leaves the old file or none, never half of one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> UiResult<u64> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| UiError::validation("Choose a file name to save to."))?;
    let fail = |e: std::io::Error| {
        UiError::unknown(format!(
            "The file could not be saved in {}: {e}. Choose another folder and try again.",
            dir.display()
        ))
    };
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        uuid::Uuid::new_v4().simple()
    ));
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(err) = result {
        let _ = fs::remove_file(&tmp);
        return Err(fail(err));
    }
    Ok(bytes.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::UiCode;

    fn view(id: &str) -> AccountView {
        let money = |display: &str| deposit_instructions::MoneyView {
            amount: 100,
            display: display.into(),
            currency_code: Some("USD".into()),
            decimals: Some(2),
        };
        let field =
            |key: &str, label: &str, value: &str, emphasis: bool| deposit_instructions::FieldView {
                key: key.into(),
                label: label.into(),
                value: value.into(),
                emphasis,
                monospace: true,
            };
        AccountView {
            id: id.into(),
            customer_id: None,
            is_platform: true,
            account_type: "INTERNAL_FIAT".into(),
            status: "ACTIVE".into(),
            currency_code: Some("USD".into()),
            currency_name: Some("US Dollar".into()),
            currency_symbol: Some("$".into()),
            decimals: Some(2),
            balance: money("$1.00"),
            total_balance: money("$1.00"),
            private_enabled: None,
            created_at: "2025-01-01T00:00:00Z".into(),
            updated_at: "2025-01-01T00:00:00Z".into(),
            instructions: vec![deposit_instructions::InstructionView {
                account_type: "USD_ACCOUNT".into(),
                title: "US bank transfer".into(),
                kind: deposit_instructions::InstructionKind::Bank,
                network: None,
                notes: None,
                fields: vec![
                    field("accountNumber", "Account number", "123456789", false),
                    field("reference", "Reference", "REF-1", true),
                ],
                qr_targets: Vec::new(),
                known: true,
                reference: Some("REF-1".into()),
            }],
        }
    }

    #[test]
    fn scopes_arrive_as_the_window_sends_them() {
        let scope: PrintScope = serde_json::from_value(serde_json::json!({
            "kind": "accounts", "accountIds": ["InternalAccount:a"]
        }))
        .expect("accounts");
        assert_eq!(
            scope,
            PrintScope::Accounts {
                account_ids: vec!["InternalAccount:a".into()]
            }
        );
        let scope: PrintScope =
            serde_json::from_value(serde_json::json!({"kind": "platform"})).expect("platform");
        assert_eq!(scope, PrintScope::Platform);
        let scope: PrintScope = serde_json::from_value(serde_json::json!({
            "kind": "customer", "customerId": "Customer:1"
        }))
        .expect("customer");
        assert_eq!(
            scope,
            PrintScope::Customer {
                customer_id: "Customer:1".into()
            }
        );
        assert!(
            serde_json::from_value::<PrintScope>(serde_json::json!({"kind": "everything"}))
                .is_err()
        );
    }

    #[test]
    fn ticked_ids_are_deduplicated_and_an_empty_choice_is_refused() {
        let ids = chosen_ids(&[" a ".into(), "b".into(), "a".into(), String::new()]).expect("ids");
        assert_eq!(ids, vec!["a".to_owned(), "b".to_owned()]);
        let err = chosen_ids(&[]).expect_err("nothing ticked");
        assert_eq!(err.code, UiCode::Validation);
        assert_eq!(err.message, "Choose at least one account to print.");
        let err = chosen_ids(&["a b".into()]).expect_err("a space is not in any id");
        assert_eq!(err.code, UiCode::Validation);
        let many: Vec<String> = (0..=MAX_ACCOUNTS).map(|n| format!("id{n}")).collect();
        assert!(
            chosen_ids(&many).is_err(),
            "more than {MAX_ACCOUNTS} accounts"
        );
    }

    #[test]
    fn the_cache_is_per_connection_and_bounded() {
        let cache = AccountCache::default();
        cache.remember("demo", &[view("a"), view("b")]);
        assert_eq!(cache.get("demo", "a").map(|v| v.id), Some("a".into()));
        assert_eq!(
            cache.get("other", "a"),
            None,
            "another connection sees nothing"
        );
        cache.remember("other", &[view("c")]);
        assert_eq!(
            cache.get("demo", "a"),
            None,
            "switching forgets the old views"
        );
        assert!(cache.get("other", "c").is_some());

        let many: Vec<AccountView> = (0..CACHE_CAPACITY + 5)
            .map(|n| view(&format!("id{n}")))
            .collect();
        cache.remember("other", &many);
        assert_eq!(cache.get("other", "c"), None, "the oldest view went first");
        assert_eq!(cache.get("other", "id4"), None);
        assert!(cache.get("other", "id5").is_some());
        assert!(cache
            .get("other", &format!("id{}", CACHE_CAPACITY + 4))
            .is_some());
    }

    #[test]
    fn a_refreshed_view_replaces_the_remembered_one() {
        let cache = AccountCache::default();
        cache.remember("demo", &[view("a")]);
        let mut funded = view("a");
        funded.balance.display = "$2.00".into();
        cache.remember("demo", &[funded]);
        assert_eq!(
            cache.get("demo", "a").map(|v| v.balance.display),
            Some("$2.00".into())
        );
    }

    #[test]
    fn paper_comes_from_the_select_or_the_locale() {
        assert_eq!(parse_paper("A4").expect("a4"), Paper::A4);
        assert_eq!(parse_paper("letter").expect("letter"), Paper::Letter);
        assert_eq!(
            parse_paper("legal").expect_err("legal").message,
            "Choose A4 or US Letter paper."
        );
        assert_eq!(default_paper("en-US"), Paper::Letter);
        assert_eq!(default_paper("de-DE"), Paper::A4);
        assert_eq!(default_paper(&"x".repeat(100)), Paper::A4);
    }

    #[test]
    fn the_stamp_is_in_the_windows_time_zone_or_utc() {
        let utc = time::macros::datetime!(2026-11-22 10:31:40 UTC);
        assert_eq!(Stamp::at(utc, None).display(), "2026-11-22 10:31 UTC");
        assert_eq!(
            Stamp::at(utc, Some(60)).display(),
            "2026-11-22 11:31 UTC+01:00"
        );
        assert_eq!(
            Stamp::at(utc, Some(-330)).display(),
            "2026-11-22 05:01 UTC-05:30"
        );
        assert_eq!(
            Stamp::at(utc, Some(100_000)).display(),
            "2026-11-22 10:31 UTC",
            "an impossible offset falls back to UTC"
        );
        assert_eq!(Stamp::at(utc, Some(-660)).date(), "2026-11-21");
    }

    #[test]
    fn exports_are_written_atomically_with_their_sizes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let options = SheetOptions {
            environment: SheetEnvironment::Sandbox,
            generated_at: "2026-11-22 10:31 UTC".into(),
            platform_name: Some("Treasury".into()),
            ..SheetOptions::default()
        };
        let accounts = [view("InternalAccount:a"), view("InternalAccount:b")];
        let pdf = pdf_export(&accounts, &options, "2026-11-22").expect("pdf");
        assert_eq!(pdf.file_name, "deposit-instructions-2026-11-22.pdf");
        assert_eq!(pdf.pages, Some(2), "one page per short account");
        let path = unused_path(dir.path(), &pdf.file_name);
        let saved = save_export(&pdf, &path).expect("saved");
        let written = fs::read(&path).expect("file");
        assert!(written.starts_with(b"%PDF-"), "a real PDF");
        assert_eq!(
            saved,
            SaveOutcome::Saved {
                path: path.display().to_string(),
                pages: Some(2),
                accounts: 2,
                bytes: written.len() as u64,
            }
        );
        let json = serde_json::to_value(&saved).expect("json");
        assert_eq!(json["accounts"], 2);
        assert_eq!(json["pages"], 2);

        // A second export the same day does not overwrite the first.
        let again = unused_path(dir.path(), &pdf.file_name);
        assert_eq!(
            again,
            dir.path().join("deposit-instructions-2026-11-22-2.pdf")
        );

        let csv = csv_export(&accounts, false, "2026-11-22").expect("csv");
        let csv_path = dir.path().join(&csv.file_name);
        save_export(&csv, &csv_path).expect("saved");
        let text = fs::read_to_string(&csv_path).expect("csv file");
        assert!(text.starts_with(deposit_instructions::CSV_BOM));
        assert_eq!(
            text.lines().count(),
            3,
            "a header and one row per instruction: {text}"
        );
        assert!(
            !text.contains("$1.00"),
            "balances are left off unless asked for"
        );

        let names: Vec<String> = fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| !n.ends_with(".tmp")),
            "no temporary file is left behind: {names:?}"
        );
    }

    #[test]
    fn a_failed_write_says_so_and_leaves_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("no-such-folder").join("x.pdf");
        let err = write_atomically(&missing, b"%PDF-").expect_err("no folder");
        assert_eq!(err.code, UiCode::Unknown);
        assert!(
            err.message.contains("could not be saved"),
            "{}",
            err.message
        );
        assert_eq!(fs::read_dir(dir.path()).expect("dir").count(), 0);
        let err = pdf_export(&[], &SheetOptions::default(), "d").expect_err("empty");
        assert_eq!(err.message, "Choose at least one account to print.");
    }

    #[test]
    fn chosen_paths_get_the_exports_extension() {
        assert_eq!(
            with_extension("/tmp/sheet".into(), "pdf"),
            PathBuf::from("/tmp/sheet.pdf")
        );
        assert_eq!(
            with_extension("/tmp/sheet.PDF".into(), "pdf"),
            PathBuf::from("/tmp/sheet.PDF")
        );
    }

    #[test]
    fn environments_map_to_watermarks() {
        assert_eq!(sheet_environment(EnvLabel::Demo), SheetEnvironment::Demo);
        assert_eq!(
            sheet_environment(EnvLabel::Sandbox),
            SheetEnvironment::Sandbox
        );
        assert_eq!(
            sheet_environment(EnvLabel::Production),
            SheetEnvironment::Production
        );
    }
}
