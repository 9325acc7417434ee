//! `deposit-sheets`: deposit instruction sheets (PDF) or rows (CSV) for a file of Grid internal
//! accounts, for operations that print many at once without the app.
//!
//! ```sh
//! cargo run -p deposit-instructions --bin deposit-sheets -- \
//!     --in accounts.json --out sheets.pdf [--paper a4|letter] [--balances]
//! ```
//!
//! The input is what Grid returns: a list response (`{"data": [...]}`) or a JSON array of
//! internal accounts. The output is written atomically (a temporary file beside it, flushed to
//! disk, then renamed), so a failure leaves the old file or none. Exit codes: 0 written; 2 bad
//! arguments; 65 the input is not valid JSON or not Grid's accounts; 66 the input cannot be read;
//! 70 the PDF could not be made; 73 the output cannot be written.

// Telling the operator what was written is this program's job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use deposit_instructions::files::write_atomically;
use deposit_instructions::{
    account_view, render_csv, render_pdf_output, AccountView, Paper, SheetEnvironment, SheetOptions,
};
use grid_client::models::InternalAccount;
use serde_json::Value;

/// Deposit instruction sheets (PDF) or rows (CSV) for a file of Grid internal accounts.
#[derive(Debug, Parser)]
#[command(name = "deposit-sheets", version)]
struct Args {
    /// Grid's internal accounts: a list response ({"data": [...]}) or a JSON array of accounts.
    #[arg(long = "in", value_name = "ACCOUNTS.json")]
    input: PathBuf,
    /// Where to write: a .pdf (one sheet per account) or a .csv (one row per instruction).
    #[arg(long = "out", value_name = "FILE.pdf|FILE.csv")]
    output: PathBuf,
    /// Paper size of the PDF.
    #[arg(long, value_enum, default_value_t = PaperArg::A4)]
    paper: PaperArg,
    /// Print the available and total balances (left off by default: sheets are for payers).
    #[arg(long)]
    balances: bool,
    /// Where the accounts come from: sandbox and demo sheets are watermarked.
    #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
    environment: EnvironmentArg,
    /// The platform's name, printed at the top of every sheet.
    #[arg(long, value_name = "NAME")]
    platform_name: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PaperArg {
    A4,
    Letter,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EnvironmentArg {
    Production,
    Sandbox,
    Demo,
}

/// What went wrong, in words for the operator, with the exit code it ends with.
#[derive(Debug)]
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn input(message: String) -> Self {
        Self { code: 66, message }
    }
    fn data(message: String) -> Self {
        Self { code: 65, message }
    }
    fn output(message: String) -> Self {
        Self { code: 73, message }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Pdf,
    Csv,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("deposit-sheets: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

fn run(args: &Args) -> Result<String, Failure> {
    // The format first: a typo in --out should not cost a long render.
    let format = format_of(&args.output)?;
    let accounts = read_accounts(&args.input)?;
    let options = SheetOptions {
        paper: match args.paper {
            PaperArg::A4 => Paper::A4,
            PaperArg::Letter => Paper::Letter,
        },
        environment: match args.environment {
            EnvironmentArg::Production => SheetEnvironment::Production,
            EnvironmentArg::Sandbox => SheetEnvironment::Sandbox,
            EnvironmentArg::Demo => SheetEnvironment::Demo,
        },
        include_balances: args.balances,
        generated_at: now_utc(),
        platform_name: args.platform_name.clone(),
    };
    let count = accounts.len();
    let plural = if count == 1 { "" } else { "s" };
    let (bytes, what) = match format {
        Format::Pdf => {
            let output = render_pdf_output(&accounts, &options).map_err(|e| Failure {
                code: 70,
                message: e.to_string(),
            })?;
            for script in &output.missing_scripts {
                eprintln!("deposit-sheets: warning: {}", script.message);
            }
            let pages = output.pages;
            (
                output.bytes,
                format!(
                    "{count} sheet{plural} ({pages} page{})",
                    if pages == 1 { "" } else { "s" }
                ),
            )
        }
        Format::Csv => (
            render_csv(&accounts, args.balances).into_bytes(),
            format!("{count} account{plural}"),
        ),
    };
    write_output(&args.output, &bytes)?;
    Ok(format!(
        "Wrote {what} to {} ({} bytes).",
        args.output.display(),
        bytes.len()
    ))
}

fn format_of(path: &Path) -> Result<Format, Failure> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("pdf") => Ok(Format::Pdf),
        Some("csv") => Ok(Format::Csv),
        _ => Err(Failure {
            code: 2,
            message: format!(
                "--out {} must end in .pdf (sheets) or .csv (rows).",
                path.display()
            ),
        }),
    }
}

/// The accounts of a list response or an array, each checked against Grid's InternalAccount.
fn read_accounts(path: &Path) -> Result<Vec<AccountView>, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::input(match e.kind() {
            std::io::ErrorKind::NotFound => format!("{} does not exist.", path.display()),
            _ => format!("{} could not be read: {e}.", path.display()),
        })
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        Failure::data(format!(
            "{} is not valid JSON (line {}, column {}): {e}.",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut map) => match map.remove("data") {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(Failure::data(format!(
                    "{} is a JSON object without a \"data\" list: expected Grid's list response \
                     ({{\"data\": [...]}}) or an array of internal accounts.",
                    path.display()
                )))
            }
        },
        _ => {
            return Err(Failure::data(format!(
                "{} holds neither a list response ({{\"data\": [...]}}) nor an array of internal \
                 accounts.",
                path.display()
            )))
        }
    };
    if items.is_empty() {
        return Err(Failure::data(format!(
            "{} lists no accounts: there is nothing to print.",
            path.display()
        )));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let id = item
                .get("id")
                .and_then(Value::as_str)
                .map_or_else(|| "without an id".to_owned(), |id| format!("id {id}"));
            let account: InternalAccount = serde_path_to_error::deserialize(item).map_err(|e| {
                let field = e.path().to_string();
                Failure::data(format!(
                    "account {} ({id}, index {index}) does not match Grid's InternalAccount: \
                         field `{field}`: {}.",
                    index + 1,
                    e.inner()
                ))
            })?;
            Ok(account_view(&account))
        })
        .collect()
}

/// The output, written atomically (see [`write_atomically`]).
fn write_output(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    write_atomically(path, bytes).map_err(|e| {
        Failure::output(if e.replaced {
            format!(
                "{} was written, but its folder could not be flushed to disk: {e}.",
                path.display()
            )
        } else {
            format!(
                "{} could not be written: {e}. Nothing was changed there.",
                path.display()
            )
        })
    })
}

/// "5 Jan 2026, 14:03 UTC", for the sheets' footer.
fn now_utc() -> String {
    let format = time::macros::format_description!(
        "[day padding:none] [month repr:short] [year], [hour]:[minute] UTC"
    );
    time::OffsetDateTime::now_utc()
        .format(format)
        .unwrap_or_default()
}
