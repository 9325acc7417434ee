//! How long a deposit-instruction PDF takes: 1, 100 and 1,000 accounts, each with three
//! instructions (a USD bank transfer with reference, a Solana address and a Lightning invoice:
//! two QR codes). Prints the median of several runs and the file size.
//!
//! `cargo bench -p deposit-instructions --bench pdf`
//!
//! Knobs, for profiling one size under valgrind (`PDF_BENCH_SIZES=100 PDF_BENCH_RUNS=0 valgrind
//! --tool=callgrind target/release/deps/pdf-*`): `PDF_BENCH_SIZES` (account counts, default
//! `1,100,1000`; empty: none) and `PDF_BENCH_RUNS` (renders after the first, default 21, 9, 5).

// Printing the figures is this program's job.
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use deposit_instructions::{
    account_view, qr_matrix, qr_matrix_reference, render_pdf_output, AccountView, QrError,
    SheetEnvironment, SheetOptions,
};
use grid_client::models::InternalAccount;
use serde_json::json;

fn account(n: usize) -> AccountView {
    // Ids and values stay unique per account up to 9,999,999.
    let invoice = format!(
        "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh{n:06}"
    );
    let value = json!({
        "id": format!("InternalAccount:019542f5-b3e7-1d02-0000-{n:012}"),
        "customerId": format!("Customer:019542f5-b3e7-1d02-0000-{n:012}"),
        "type": "INTERNAL_FIAT",
        "status": "ACTIVE",
        "balance": {"amount": 125_050, "currency": {"code": "USD", "name": "United States Dollar", "symbol": "$", "decimals": 2}},
        "totalBalance": {"amount": 130_000, "currency": {"code": "USD", "name": "United States Dollar", "symbol": "$", "decimals": 2}},
        "fundingPaymentInstructions": [
            {
                "instructionsNotes": "Include the reference code in your ACH transfer memo",
                "accountOrWalletInfo": {
                    "accountType": "USD_ACCOUNT", "reference": format!("FUND-{n:06}"),
                    "accountNumber": format!("98765{n:05}"), "routingNumber": "021000021",
                    "paymentRails": ["ACH", "WIRE"], "bankName": "JP Morgan Chase"
                }
            },
            {"accountOrWalletInfo": {
                "accountType": "SOLANA_WALLET", "assetType": "USDC",
                "address": format!("4Nd1m6Qkq7RfKuE5vQ9qP9Tn6H94Ueqb4xXHzsAb{n:06}")
            }},
            {"accountOrWalletInfo": {"accountType": "LIGHTNING", "invoice": invoice}}
        ],
        "createdAt": "2025-10-03T12:00:00Z",
        "updatedAt": "2025-10-03T12:00:00Z"
    });
    let account: InternalAccount = serde_json::from_value(value).expect("fixture account");
    account_view(&account)
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// "12.34 ms", without float arithmetic (denied in this workspace).
fn millis(d: Duration) -> String {
    let micros = d.as_micros();
    format!("{}.{:02} ms", micros / 1000, micros % 1000 / 10)
}

/// A figure in tenths, printed "12.3" without float arithmetic (denied in this workspace).
struct Tenths(usize);

impl std::fmt::Display for Tenths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

fn main() {
    let options = SheetOptions {
        environment: SheetEnvironment::Sandbox,
        generated_at: "5 Jan 2026, 14:03 UTC".to_owned(),
        platform_name: Some("Acme Payments".to_owned()),
        ..SheetOptions::default()
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!("deposit-instructions PDF (3 instructions, 2 QR codes per account), {cores} cores");
    // The first document of a process also parses the bundled fonts: shown apart, not counted.
    let start = Instant::now();
    let first = render_pdf_output(&[account(999_999)], &options).expect("pdf");
    println!(
        "first document of the process (1 account, fonts parsed): {}, {} KiB",
        millis(start.elapsed()),
        first.bytes.len() / 1024
    );
    // What the qrcode crate alone costs an account (its two codes, one thread).
    let sample = account(7);
    let values: Vec<&str> = sample
        .instructions
        .iter()
        .flat_map(|i| i.qr_targets.iter().map(|q| q.value.as_str()))
        .collect();
    for (what, encode) in [
        (
            "the qrcode crate's own mask choice",
            qr_matrix_reference as fn(&str) -> Result<(usize, Vec<bool>), QrError>,
        ),
        ("the crate's masks, scored by us (used)", qr_matrix),
    ] {
        let mut times = Vec::new();
        for _ in 0..21 {
            let start = Instant::now();
            for value in &values {
                encode(value).expect("encodes");
            }
            times.push(start.elapsed());
        }
        println!(
            "QR encoding alone, {} codes of one account, {what}: median {}",
            values.len(),
            millis(median(times))
        );
    }
    // Each size gets accounts of its own, so its first run encodes every QR code (the process
    // keeps encoded codes: later runs of the same accounts reuse them, as printing the same
    // accounts again in the app does).
    let sizes: Vec<usize> = std::env::var("PDF_BENCH_SIZES").map_or_else(
        |_| vec![1, 100, 1_000],
        |list| {
            list.split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect()
        },
    );
    let runs_knob: Option<usize> = std::env::var("PDF_BENCH_RUNS")
        .ok()
        .and_then(|n| n.trim().parse().ok());
    for (index, count) in sizes.into_iter().enumerate() {
        let runs = runs_knob.unwrap_or(match count {
            0..=1 => 21,
            2..=100 => 9,
            _ => 5,
        });
        // Accounts of their own for each size, so each first render encodes every code.
        let base = (index + 1) * 1_000_000;
        let accounts: Vec<AccountView> = (base..base + count).map(account).collect();
        let start = Instant::now();
        let pdf = render_pdf_output(&accounts, &options).expect("pdf");
        let cold = start.elapsed();
        let (size, pages) = (pdf.bytes.len(), pdf.pages);
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let start = Instant::now();
            let pdf = render_pdf_output(&accounts, &options).expect("pdf");
            times.push(start.elapsed());
            assert_eq!(
                pdf.bytes.len(),
                size,
                "the same accounts make the same file"
            );
        }
        let fastest = times.iter().min().copied().unwrap_or_default();
        let again = if times.is_empty() {
            "-".to_owned()
        } else {
            millis(median(times))
        };
        println!(
            "{count:>6} accounts: first {:>10} (QR codes encoded); again: median {:>10} (min {:>10}, {runs} runs); {:>6} KiB ({} KiB an account), {pages} pages",
            millis(cold),
            again,
            millis(fastest),
            size / 1024,
            Tenths(size * 10 / 1024 / count),
        );
    }
}
