//! Printable deposit instructions: which accounts a print or export covers (the scope), the
//! PDF and CSV bytes (made by `deposit-instructions`), and writing them where the user chose.
//!
//! The window never names a file: the edge supplies a [`SaveDialog`] (the native save dialog,
//! opened from Rust), or, for automation, files go to `GRID_DESK_EXPORT_DIR`. Files are
//! written atomically (a temporary file beside the destination, flushed, then renamed), so a
//! failed save leaves nothing half written. Nothing here needs Tauri, so it is tested with
//! temp dirs. [`Printing`] is the service the window's commands use.
//!
//! Everything a sheet says comes from one model, `deposit_instructions::SheetDocument`: the PDF
//! renders it, the window's print preview renders it (sent in [`PrintableAccounts::document`]),
//! and "Copy all" / "E-mail…" write it as text and HTML (`deposit_instructions::share`). The
//! edge supplies the clipboard ([`Clipboard`]) and the mail client ([`MailClient`]).

use std::collections::HashSet;
use std::fs;
use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use deposit_instructions::{
    AccountView, Fonts, MissingScript, Paper, SheetDocument, SheetEnvironment, SheetOptions,
};
use futures::StreamExt as _;
use grid_client::models::CustomerId;
use grid_client::{CustomerAccountFilter, GridClient, MAX_PAGE_SIZE};
use serde::{Deserialize, Serialize};

use journal::{Kind, Outcome};

use crate::accounts::{list_platform, AccountCache, PlatformAccountsRequest};
use crate::activity::list_key;
use crate::connections::Connections;
use crate::error::{UiCode, UiError, UiResult};
use crate::settings::EnvLabel;

/// Set to a directory to skip the save dialog and write exports there (tests, scripts).
pub const EXPORT_DIR_ENV: &str = "GRID_DESK_EXPORT_DIR";

/// The most accounts one print or export covers: beyond that the PDF is unwieldy and the
/// window would build thousands of sheets.
pub const MAX_ACCOUNTS: usize = 2_000;

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

/// `list_printable_accounts`: the sheets of the preview are built with the dialog's choices
/// (balances, paper, the window's time zone for the "generated" time).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrintableRequest {
    pub scope: PrintScope,
    #[serde(default)]
    pub paper: Option<String>,
    #[serde(default)]
    pub include_balances: Option<bool>,
    #[serde(default)]
    pub utc_offset_minutes: Option<i32>,
}

impl PrintableRequest {
    /// The scope's sheets with the defaults: A4, no balances, UTC.
    pub fn new(scope: PrintScope) -> Self {
        Self {
            scope,
            paper: None,
            include_balances: None,
            utc_offset_minutes: None,
        }
    }
}

/// `copy_deposit_instructions`: the scope's instructions to the clipboard.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyInstructionsRequest {
    pub scope: PrintScope,
    #[serde(default)]
    pub include_balances: Option<bool>,
    #[serde(default)]
    pub utc_offset_minutes: Option<i32>,
}

/// `email_deposit_instructions`: save the PDF, then open a mail draft with the instructions.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailInstructionsRequest {
    pub scope: PrintScope,
    pub paper: String,
    #[serde(default)]
    pub include_balances: Option<bool>,
    #[serde(default)]
    pub utc_offset_minutes: Option<i32>,
}

/// Puts text on the system clipboard: the clipboard plugin in the app, a recorder in tests.
pub trait Clipboard: Send + Sync {
    /// Writes `html` with `text` as its plain-text form where the platform has HTML on the
    /// clipboard; answers whether the HTML was written (else only the text was).
    fn write(&self, text: &str, html: &str) -> UiResult<bool>;
}

/// Opens a `mailto:` link in the default mail client: the opener plugin in the app, a
/// recorder in tests.
pub trait MailClient: Send + Sync {
    fn open(&self, url: &str) -> UiResult<()>;
}

/// What "Copy all" did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyOutcome {
    pub accounts: usize,
    /// Characters of the plain text copied.
    pub characters: usize,
    /// The HTML form was written too.
    pub html: bool,
}

/// What "E-mail…" did: the PDF saved (or not: then no draft was opened) and the draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum EmailOutcome {
    #[serde(rename_all = "camelCase")]
    Opened {
        #[serde(flatten)]
        saved: SaveOutcome,
        /// The draft's body was shortened to fit a `mailto:` link (it says so itself).
        truncated: bool,
    },
    /// The save dialog was closed: nothing saved, no draft.
    Cancelled { cancelled: bool },
}

/// `save_deposit_pdf`: `paper` is `a4` or `letter`; `utc_offset_minutes`
/// (`-Date.getTimezoneOffset()`) only sets the time zone of the "generated" time and the date
/// in the file name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavePdfRequest {
    pub scope: PrintScope,
    pub paper: String,
    pub include_balances: Option<bool>,
    pub utc_offset_minutes: Option<i32>,
}

/// `save_deposit_csv`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveCsvRequest {
    pub scope: PrintScope,
    pub include_balances: Option<bool>,
    pub utc_offset_minutes: Option<i32>,
}

/// `default_paper`: the window's `navigator.language`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DefaultPaperRequest {
    pub locale: String,
}

/// What the HTML print view shows: the accounts, and the same environment texts the PDF
/// prints (`deposit_instructions::SheetEnvironment`), so preview and PDF never differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrintableAccounts {
    pub accounts: Vec<AccountView>,
    /// The sheets as the PDF prints them: what the preview renders, item by item.
    pub document: SheetDocument,
    /// Scripts no font on this machine can print (the PDF names them too), with what to
    /// install; empty when everything prints.
    pub missing_scripts: Vec<MissingScript>,
    /// Across every sheet: "DEMO – NOT REAL", "SANDBOX"; none on production.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watermark: Option<&'static str>,
    /// In every sheet's footer: "DEMO – not real account details", "SANDBOX – test
    /// environment", "Production".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<&'static str>,
    /// Under every sheet's title on demo and sandbox: do not send real money.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub banner: Option<&'static str>,
    /// When the accounts come from the last-known list (Grid could not be reached): the
    /// line every sheet prints, "Account details as of …" (`SheetDocument::with_as_of`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

impl PrintableAccounts {
    pub fn new(
        accounts: Vec<AccountView>,
        document: SheetDocument,
        missing_scripts: Vec<MissingScript>,
    ) -> Self {
        let environment = document.environment;
        Self {
            accounts,
            document,
            missing_scripts,
            watermark: environment.watermark(),
            notice: Some(environment.footer_label()),
            banner: environment.banner().map(|(_tag, text)| text),
            as_of: None,
        }
    }
}

/// Asks the person where to save a file: the native save dialog in the app, a fixed answer in
/// tests. The window never supplies a path.
pub trait SaveDialog: Send + Sync {
    /// The chosen path, or `None` when the dialog was closed without choosing.
    fn choose(&self, export: &Export) -> impl Future<Output = UiResult<Option<PathBuf>>> + Send;
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
            let views = list_platform(client, PlatformAccountsRequest::default()).await?;
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
                let platform = list_platform(client, PlatformAccountsRequest::default()).await?;
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
    /// When the accounts were last read from Grid, if they come from the last-known list.
    pub as_of_ms: Option<i64>,
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

/// A time in ms since the epoch as sheets print it: "2026-12-02 10:42 UTC" (in the window's
/// time zone when it sent one).
pub fn as_of_text(ms: i64, utc_offset_minutes: Option<i32>) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    Stamp::at(at, utc_offset_minutes).display()
}

/// A file ready to be saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub bytes: Vec<u8>,
    /// Scripts the PDF could not print for want of a font (none for CSV).
    pub missing_scripts: Vec<MissingScript>,
    pub accounts: usize,
    pub pages: Option<usize>,
    /// Suggested name, e.g. `deposit-instructions-2026-11-22.pdf`.
    pub file_name: String,
    /// The save dialog's filter: name and extension.
    pub filter: (&'static str, &'static str),
}

/// The PDF of these accounts, with the bundled fonts and the system's.
pub fn pdf_export(
    accounts: &[AccountView],
    options: &SheetOptions,
    date: &str,
    as_of: Option<&str>,
) -> UiResult<Export> {
    pdf_export_with_fonts(accounts, options, date, as_of, &Fonts::system())
}

/// The PDF of these accounts with these fonts.
pub fn pdf_export_with_fonts(
    accounts: &[AccountView],
    options: &SheetOptions,
    date: &str,
    as_of: Option<&str>,
    fonts: &Fonts,
) -> UiResult<Export> {
    let mut document = deposit_instructions::build_sheets(accounts, options);
    if let Some(as_of) = as_of {
        document = document.with_as_of(as_of);
    }
    let output = deposit_instructions::render_sheets(&document, fonts)
        .map_err(|e| UiError::validation(e.to_string()))?;
    let bytes = output.bytes;
    Ok(Export {
        pages: Some(count_pages(&bytes)),
        bytes,
        missing_scripts: output.missing_scripts,
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
        missing_scripts: Vec::new(),
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
        /// Scripts the PDF could not print, with what to install (the window says so).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        missing_scripts: Vec<MissingScript>,
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
        missing_scripts: export.missing_scripts.clone(),
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

/// Prints and exports of the active connection's accounts.
#[derive(Debug)]
pub struct Printing {
    connections: Arc<Connections>,
    /// The views the lists returned: where ticked cards are found.
    remembered: Arc<AccountCache>,
    /// `GRID_DESK_EXPORT_DIR`: write exports there instead of asking.
    export_dir: Option<PathBuf>,
    /// The sheets' fonts: bundled Noto Sans and the system's.
    fonts: Fonts,
}

impl Printing {
    pub fn new(
        connections: Arc<Connections>,
        remembered: Arc<AccountCache>,
        export_dir: Option<PathBuf>,
    ) -> Self {
        Self {
            connections,
            remembered,
            export_dir,
            fonts: Fonts::system(),
        }
    }

    /// Draws with these fonts from now on (tests: a machine without some script's font).
    pub fn set_fonts(&mut self, fonts: Fonts) {
        self.fonts = fonts;
    }

    pub fn default_paper(&self, request: DefaultPaperRequest) -> Paper {
        default_paper(&request.locale)
    }

    /// The accounts a print or export covers, with what the sheets say about their origin.
    /// While Grid cannot be reached, the last-known accounts are printed with the time they
    /// were read (`as_of_ms`).
    pub async fn job(&self, scope: &PrintScope) -> UiResult<PrintJob> {
        let active = self.connections.active().await?;
        let activity = self.connections.activity();
        let (accounts, as_of_ms) =
            match resolve_scope(&active.client, &active.id, &self.remembered, scope).await {
                Ok(accounts) => (accounts, activity.offline_since(&active.id)),
                Err(err) if err.code == UiCode::Network => {
                    let key = match scope {
                        PrintScope::Platform => list_key("platform", None, None, None),
                        PrintScope::Customer { customer_id } => {
                            list_key("customers", None, None, Some(customer_id))
                        }
                        PrintScope::Accounts { .. } => return Err(err),
                    };
                    match activity.stored_list(&active.id, &key) {
                        Some((accounts, _, as_of)) if !accounts.is_empty() => {
                            self.remembered.remember(&active.id, &accounts);
                            (accounts, Some(as_of))
                        }
                        _ => return Err(err),
                    }
                }
                Err(err) => return Err(err),
            };
        let connection_name = self.connections.summary(&active.id).await?.name;
        Ok(PrintJob {
            accounts,
            environment: active.environment,
            connection_name,
            as_of_ms,
        })
    }

    /// The scope's accounts and their sheet model, built with these choices.
    async fn sheets(
        &self,
        scope: &PrintScope,
        paper: Paper,
        include_balances: Option<bool>,
        utc_offset_minutes: Option<i32>,
    ) -> UiResult<(PrintJob, SheetDocument, Stamp)> {
        let job = self.job(scope).await?;
        let stamp = Stamp::now(utc_offset_minutes);
        let options = job.sheet_options(paper, include_balances.unwrap_or(false), &stamp);
        let mut document = deposit_instructions::build_sheets(&job.accounts, &options);
        // A list kept from the last time Grid answered says so on every sheet.
        if let Some(ms) = job.as_of_ms {
            document = document.with_as_of(&as_of_text(ms, utc_offset_minutes));
        }
        Ok((job, document, stamp))
    }

    /// What the HTML print view shows: the sheet model the PDF renders, and the scripts this
    /// machine has no font for.
    pub async fn printable(&self, request: PrintableRequest) -> UiResult<PrintableAccounts> {
        let paper = match &request.paper {
            Some(paper) => parse_paper(paper)?,
            None => Paper::A4,
        };
        let (job, document, _) = self
            .sheets(
                &request.scope,
                paper,
                request.include_balances,
                request.utc_offset_minutes,
            )
            .await?;
        let fonts = self.fonts.clone();
        // Checking fonts may scan the system's the first time: off the async workers.
        let (document, missing) = tokio::task::spawn_blocking(move || {
            let missing = deposit_instructions::missing_scripts(&document, &fonts);
            (document, missing)
        })
        .await
        .map_err(|e| UiError::unknown(format!("The sheets could not be prepared: {e}")))?;
        Ok(PrintableAccounts::new(job.accounts, document, missing))
    }

    /// "Copy all": the scope's complete instructions on the clipboard, as plain text and HTML,
    /// written from the sheet model.
    pub async fn copy_all(
        &self,
        request: CopyInstructionsRequest,
        clipboard: &impl Clipboard,
    ) -> UiResult<CopyOutcome> {
        let (job, document, _) = self
            .sheets(
                &request.scope,
                Paper::A4,
                request.include_balances,
                request.utc_offset_minutes,
            )
            .await?;
        let text = deposit_instructions::document_text(&document);
        let html = deposit_instructions::document_html(&document);
        let html_written = clipboard.write(&text, &html)?;
        Ok(CopyOutcome {
            accounts: job.accounts.len(),
            characters: text.chars().count(),
            html: html_written,
        })
    }

    /// "E-mail…": saves the PDF first (where the person chooses, as "Save as PDF"), then opens
    /// the mail client with a draft holding the instructions as text. Nothing is opened when
    /// the save dialog is closed.
    pub async fn email(
        &self,
        request: EmailInstructionsRequest,
        dialog: &impl SaveDialog,
        mail: &impl MailClient,
    ) -> UiResult<EmailOutcome> {
        let paper = parse_paper(&request.paper)?;
        let (job, document, stamp) = self
            .sheets(
                &request.scope,
                paper,
                request.include_balances,
                request.utc_offset_minutes,
            )
            .await?;
        let text = deposit_instructions::document_text(&document);
        let export = self.render(job, document, stamp).await?;
        let saved = self.save(export, dialog, Kind::PdfSaved).await?;
        if !matches!(saved, SaveOutcome::Saved { .. }) {
            return Ok(EmailOutcome::Cancelled { cancelled: true });
        }
        let link = deposit_instructions::mailto(
            deposit_instructions::EMAIL_SUBJECT,
            &text,
            deposit_instructions::MAX_MAILTO_CHARS,
        );
        mail.open(&link.url)?;
        Ok(EmailOutcome::Opened {
            saved,
            truncated: link.truncated,
        })
    }

    /// The PDF of a sheet model, made off the async workers.
    async fn render(
        &self,
        job: PrintJob,
        document: SheetDocument,
        stamp: Stamp,
    ) -> UiResult<Export> {
        let fonts = self.fonts.clone();
        // Hundreds of sheets take a moment: keep them off the async workers.
        tokio::task::spawn_blocking(move || {
            let output = deposit_instructions::render_sheets(&document, &fonts)
                .map_err(|e| UiError::validation(e.to_string()))?;
            Ok(Export {
                pages: Some(output.pages),
                bytes: output.bytes,
                missing_scripts: output.missing_scripts,
                accounts: job.accounts.len(),
                file_name: format!("deposit-instructions-{}.pdf", stamp.date()),
                filter: ("PDF document", "pdf"),
            })
        })
        .await
        .map_err(|e| UiError::unknown(format!("The PDF could not be made: {e}")))?
    }

    /// Makes the PDF and saves it where the person chooses (or into the export dir).
    pub async fn save_pdf(
        &self,
        request: SavePdfRequest,
        dialog: &impl SaveDialog,
    ) -> UiResult<SaveOutcome> {
        let paper = parse_paper(&request.paper)?;
        let (job, document, stamp) = self
            .sheets(
                &request.scope,
                paper,
                request.include_balances,
                request.utc_offset_minutes,
            )
            .await?;
        let export = self.render(job, document, stamp).await?;
        self.save(export, dialog, Kind::PdfSaved).await
    }

    /// Makes the CSV and saves it where the person chooses (or into the export dir).
    pub async fn save_csv(
        &self,
        request: SaveCsvRequest,
        dialog: &impl SaveDialog,
    ) -> UiResult<SaveOutcome> {
        let job = self.job(&request.scope).await?;
        let stamp = Stamp::now(request.utc_offset_minutes);
        let export = csv_export(
            &job.accounts,
            request.include_balances.unwrap_or(false),
            &stamp.date(),
        )?;
        self.save(export, dialog, Kind::CsvSaved).await
    }

    /// Asks where to save (or uses the export dir), then writes the file atomically.
    async fn save(
        &self,
        export: Export,
        dialog: &impl SaveDialog,
        kind: Kind,
    ) -> UiResult<SaveOutcome> {
        let path = match &self.export_dir {
            Some(dir) => unused_path(dir, &export.file_name),
            None => match dialog.choose(&export).await? {
                Some(path) => with_extension(path, export.filter.1),
                None => return Ok(SaveOutcome::cancelled()),
            },
        };
        let saved = tokio::task::spawn_blocking(move || save_export(&export, &path))
            .await
            .map_err(|e| UiError::unknown(format!("The file could not be saved: {e}")))??;
        if let SaveOutcome::Saved { path, accounts, .. } = &saved {
            let id = self.connections.active_id().await;
            let who = self.connections.who(&id).await;
            self.connections.activity().note(
                &who,
                kind,
                None,
                None,
                None,
                Outcome::Done,
                &format!(
                    "{accounts} account{} saved to {path}",
                    if *accounts == 1 { "" } else { "s" }
                ),
            );
        }
        Ok(saved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::tests::view;
    use crate::error::UiCode;

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
        let pdf = pdf_export(&accounts, &options, "2026-11-22", None).expect("pdf");
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
                missing_scripts: Vec::new(),
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
        let err = pdf_export(&[], &SheetOptions::default(), "d", None).expect_err("empty");
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

    #[test]
    fn the_print_view_gets_the_pdfs_environment_texts() {
        let printable = |accounts: Vec<AccountView>, environment| {
            let options = SheetOptions {
                environment,
                ..SheetOptions::default()
            };
            let document = deposit_instructions::build_sheets(&accounts, &options);
            PrintableAccounts::new(accounts, document, Vec::new())
        };
        let demo = printable(vec![view("a")], SheetEnvironment::Demo);
        assert_eq!(demo.watermark, Some("DEMO \u{2013} NOT REAL"));
        assert_eq!(demo.notice, Some("DEMO \u{2013} not real account details"));
        assert_eq!(
            demo.banner,
            Some("Example data, not real account details. Do not send money to them.")
        );
        assert_eq!(demo.document.sheets[0].account_id, "a");
        let sandbox = printable(Vec::new(), SheetEnvironment::Sandbox);
        assert_eq!(sandbox.watermark, Some("SANDBOX"));
        assert_eq!(sandbox.notice, Some("SANDBOX \u{2013} test environment"));
        let production =
            serde_json::to_value(printable(vec![view("a")], SheetEnvironment::Production))
                .expect("json");
        assert!(production.get("watermark").is_none(), "{production}");
        assert!(production.get("banner").is_none(), "{production}");
        assert_eq!(production["notice"], "Production");
        assert_eq!(production["accounts"][0]["id"], "a");
        assert_eq!(production["document"]["sheets"][0]["accountId"], "a");
        assert_eq!(production["missingScripts"], serde_json::json!([]));
    }
}
