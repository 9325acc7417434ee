//! Renders deposit-instruction PDFs for demo accounts (fiat and every wallet type) and reads
//! them back as a person and a phone would: page count and size (`pdfinfo`), every address and
//! reference in the text (`pdftotext`), words inside the margins (`pdftotext -bbox`), and each QR
//! code decoded from a 150 dpi rendering (`pdftoppm`, then `zbarimg` with `rqrr` as a second
//! opinion) on the page that prints its value.
//!
//! Needs poppler-utils and zbar-tools (`apt-get install poppler-utils zbar-tools`); the tests
//! fail, not skip, without them.
//! The PDFs and PNGs stay in `target/test-artifacts/deposit-instructions/` for a person to look at
//! (`seed-a4-NN.png` and `seed-letter-NN.png` are the simulator's demo accounts).

// Page geometry read back from pdftotext is in fractional points; no money here.
#![allow(clippy::float_arithmetic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use deposit_instructions::{
    account_view, build_sheets, render_csv, render_pdf, render_pdf_with_fonts, AccountView, Fonts,
    Paper, SheetEnvironment, SheetOptions, CSV_BOM,
};
use grid_client::models::InternalAccount;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Fixtures: the demo data, as Grid sends it

const SPARK_ADDRESS: &str = "sp1pgss8z7y2ev0k6mhv9ffqsxsv3nj3ndjd2pffqa7lxunn4fk8nyx7ysjsf0qla";
const SPARK_INVOICE: &str = "lnbc15u1p3xnhl2pp5jptserfk3zk4qy42tlucycrfwxhydvlemu9pqr93tuzlv9cc7g3sdqsvfhkcap3xyhx7un8cqzpgxqzjcsp5f8c52y2stc300gl6s4xswtjpc37hrnnr3c9wvtgjfuvqmpm35evq9qyyssqy4lgd8tj637qcjp05rdpxxykjenthxftej7a2zzmwrmrl70fyj9hvj0rewhzj7jfyuwkwcg9g2jpwtk3wkjtwnkdks84hsnu8xps5vsq4gj5hs";
const LIGHTNING_INVOICE: &str = "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh";
const BITCOIN_ADDRESS: &str = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
const SOLANA_ADDRESS: &str = "4Nd1m6Qkq7RfKuE5vQ9qP9Tn6H94Ueqb4xXHzsAbd8Wg";
const TRON_ADDRESS: &str = "TXLAQ63Xg1NAzckPwKHvzw7CSEmLMEqcdj";
const POLYGON_ADDRESS: &str = "0x71C7656EC7ab88b098defB751B7401B5f6d8976F";
const BASE_ADDRESS: &str = "0xAbCDEF1234567890aBCdEf1234567890ABcDef12";
const ETHEREUM_ADDRESS: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
const PLASMA_ADDRESS: &str = "0x8ba1f109551bD432803012645Ac136ddd64DBA72";
const UNKNOWN_ADDRESS: &str = "frw1qexampleaddressforanunknownrail7u3k9d2";
const PIX_CODE: &str = "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D";
const IBAN: &str = "DE89370400440532013000";
const CLABE: &str = "032180000118359719";

fn currency(code: &str) -> Value {
    match code {
        "USD" => {
            json!({"code": "USD", "name": "United States Dollar", "symbol": "$", "decimals": 2})
        }
        "EUR" => json!({"code": "EUR", "name": "Euro", "symbol": "€", "decimals": 2}),
        "MXN" => json!({"code": "MXN", "name": "Mexican Peso", "symbol": "$", "decimals": 2}),
        "BRL" => json!({"code": "BRL", "name": "Brazilian Real", "symbol": "R$", "decimals": 2}),
        "GBP" => json!({"code": "GBP", "name": "Pound Sterling", "symbol": "£", "decimals": 2}),
        "BTC" => json!({"code": "BTC", "name": "Bitcoin", "symbol": "₿", "decimals": 8}),
        _ => json!({"code": code, "name": code, "decimals": 6}),
    }
}

fn account(
    n: u32,
    customer: Option<&str>,
    kind: &str,
    code: &str,
    amount: i64,
    instructions: Value,
) -> AccountView {
    let mut value = json!({
        "id": format!("InternalAccount:019542f5-b3e7-1d02-0000-00000000{n:04}"),
        "type": kind,
        "status": "ACTIVE",
        "balance": {"amount": amount, "currency": currency(code)},
        "totalBalance": {"amount": amount + 5_000, "currency": currency(code)},
        "fundingPaymentInstructions": instructions,
        "createdAt": "2025-10-03T12:00:00Z",
        "updatedAt": "2025-10-03T12:00:00Z"
    });
    if let Some(customer) = customer {
        value["customerId"] = json!(customer);
    }
    let account: InternalAccount =
        serde_json::from_value(value).expect("fixture parses as an InternalAccount");
    account_view(&account)
}

const CUSTOMER: &str = "Customer:019542f5-b3e7-1d02-0000-000000000042";

/// Fiat (USD ACH with reference, EUR SEPA, MXN CLABE, BRL PIX, GBP), every wallet type, an
/// unknown type and an account without instructions.
fn demo_accounts() -> Vec<AccountView> {
    vec![
        account(
            1,
            None,
            "INTERNAL_FIAT",
            "USD",
            125_050,
            json!([{
                "instructionsNotes": "Include the reference code in your ACH transfer memo",
                "accountOrWalletInfo": {
                    "accountType": "USD_ACCOUNT", "reference": "FUND-ABC123",
                    "accountNumber": "9876543210", "routingNumber": "021000021",
                    "paymentRails": ["ACH", "WIRE"], "bankName": "JP Morgan Chase"
                }
            }]),
        ),
        account(
            2,
            Some(CUSTOMER),
            "INTERNAL_FIAT",
            "EUR",
            990_000,
            json!([{
                "accountOrWalletInfo": {
                    "accountType": "EUR_ACCOUNT", "iban": IBAN, "swiftCode": "COBADEFFXXX",
                    "paymentRails": ["SEPA", "SEPA_INSTANT"], "reference": "UMA-EUR-7781"
                }
            }]),
        ),
        account(
            3,
            Some(CUSTOMER),
            "INTERNAL_FIAT",
            "MXN",
            0,
            json!([{
                "accountOrWalletInfo": {
                    "accountType": "MXN_ACCOUNT", "clabeNumber": CLABE,
                    "paymentRails": ["SPEI"], "reference": "MX-REF-3321"
                }
            }]),
        ),
        account(
            4,
            Some(CUSTOMER),
            "INTERNAL_FIAT",
            "BRL",
            42_00,
            json!([{
                "instructionsNotes": "PIX payments settle within seconds, any day.",
                "accountOrWalletInfo": {"accountType": "BRL_ACCOUNT", "qrCode": PIX_CODE}
            }]),
        ),
        account(
            5,
            Some(CUSTOMER),
            "INTERNAL_FIAT",
            "GBP",
            1_000,
            json!([{
                "accountOrWalletInfo": {
                    "accountType": "GBP_ACCOUNT", "sortCode": "040004", "accountNumber": "12345678",
                    "paymentRails": ["FASTER_PAYMENTS"], "reference": "GB-REF-9001"
                }
            }]),
        ),
        account(
            6,
            None,
            "INTERNAL_CRYPTO",
            "BTC",
            150_000,
            json!([
                {"accountOrWalletInfo": {
                    "accountType": "SPARK_WALLET", "address": SPARK_ADDRESS, "assetType": "BTC",
                    "invoice": SPARK_INVOICE
                }},
                {"accountOrWalletInfo": {"accountType": "LIGHTNING", "invoice": LIGHTNING_INVOICE}},
                {"accountOrWalletInfo": {
                    "accountType": "BITCOIN_L1", "address": BITCOIN_ADDRESS, "network": "MAINNET"
                }}
            ]),
        ),
        account(
            7,
            Some(CUSTOMER),
            "INTERNAL_CRYPTO",
            "USDC",
            2_500_000,
            json!([
                {"accountOrWalletInfo": {"accountType": "SOLANA_WALLET", "address": SOLANA_ADDRESS, "assetType": "USDC"}},
                {"accountOrWalletInfo": {"accountType": "TRON_WALLET", "address": TRON_ADDRESS, "assetType": "USDT"}},
                {"accountOrWalletInfo": {"accountType": "POLYGON_WALLET", "address": POLYGON_ADDRESS, "assetType": "USDC"}},
                {"accountOrWalletInfo": {"accountType": "BASE_WALLET", "address": BASE_ADDRESS, "assetType": "USDC"}},
                {"accountOrWalletInfo": {"accountType": "ETHEREUM_WALLET", "address": ETHEREUM_ADDRESS, "assetType": "USDC"}},
                {"accountOrWalletInfo": {"accountType": "PLASMA_WALLET", "address": PLASMA_ADDRESS, "assetType": "USDT"}}
            ]),
        ),
        account(
            8,
            Some(CUSTOMER),
            "EMBEDDED_WALLET",
            "USDB",
            0,
            json!([{
                "instructionsNotes": "A rail this version of Grid Desk does not know yet.",
                "accountOrWalletInfo": {
                    "accountType": "FUTURE_RAIL_WALLET", "address": UNKNOWN_ADDRESS,
                    "assetType": "USDB", "someNewField": "kept as sent"
                }
            }]),
        ),
        account(9, Some(CUSTOMER), "INTERNAL_FIAT", "USD", 0, json!([])),
    ]
}

/// Every value a payer must be able to read off the sheet.
const PRINTED_VALUES: &[&str] = &[
    "FUND-ABC123",
    "9876543210",
    "021000021",
    IBAN,
    "COBADEFFXXX",
    "UMA-EUR-7781",
    CLABE,
    "MX-REF-3321",
    PIX_CODE,
    "GB-REF-9001",
    "040004",
    "12345678",
    SPARK_ADDRESS,
    SPARK_INVOICE,
    LIGHTNING_INVOICE,
    BITCOIN_ADDRESS,
    SOLANA_ADDRESS,
    TRON_ADDRESS,
    POLYGON_ADDRESS,
    BASE_ADDRESS,
    ETHEREUM_ADDRESS,
    PLASMA_ADDRESS,
    UNKNOWN_ADDRESS,
    "kept as sent",
    "Include the reference code in your ACH transfer memo",
];

/// Every value that must come back out of a QR code.
const QR_VALUES: &[&str] = &[
    PIX_CODE,
    SPARK_ADDRESS,
    SPARK_INVOICE,
    LIGHTNING_INVOICE,
    BITCOIN_ADDRESS,
    SOLANA_ADDRESS,
    TRON_ADDRESS,
    POLYGON_ADDRESS,
    BASE_ADDRESS,
    ETHEREUM_ADDRESS,
    PLASMA_ADDRESS,
    UNKNOWN_ADDRESS,
];

fn options(environment: SheetEnvironment) -> SheetOptions {
    SheetOptions {
        paper: Paper::A4,
        environment,
        include_balances: false,
        generated_at: "5 Jan 2026, 14:03 UTC".to_owned(),
        platform_name: Some("Acme Payments".to_owned()),
    }
}

// ---------------------------------------------------------------------------------------------
// Poppler and artefacts

fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("test-artifacts").join("deposit-instructions");
    std::fs::create_dir_all(&dir).expect("create the test-artifacts directory");
    dir
}

/// Runs a poppler tool; a missing tool fails the test with how to install it.
fn poppler(program: &str, args: &[&str]) -> String {
    let output = tool(program, "poppler-utils", args);
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The text of all pages without page furniture (the repeated header of continued pages and
/// the footer), whitespace removed: a value broken across a page break reads whole again.
fn body_text(rendered: &Rendered, account_id: &str) -> String {
    let mut body = String::new();
    for page in &rendered.pages {
        let lines: Vec<&str> = page.lines().collect();
        let start = if page.contains("(continued)") {
            lines
                .iter()
                .position(|l| l.contains(account_id))
                .map_or(0, |i| i + 1)
        } else {
            0
        };
        let end = lines
            .iter()
            .rposition(|l| l.contains(" of ") && l.contains("Page "))
            .unwrap_or(lines.len());
        body.push_str(&squash(&lines[start.min(end)..end].concat()));
    }
    body
}

/// A rendered PDF on disk with its text, one entry per page.
struct Rendered {
    path: PathBuf,
    /// `pdftotext -layout -nodiag`: what a person reads, without the diagonal watermark.
    pages: Vec<String>,
    /// `pdftotext -raw -nodiag` per page: content order, so each QR card's lines stay together
    /// even when two cards share a row (the layout text interleaves their lines).
    raw_pages: Vec<String>,
    /// `pdftotext -raw` (content order) with whitespace removed, watermark included.
    with_watermark: String,
}

fn write_pdf(name: &str, accounts: &[AccountView], options: &SheetOptions) -> Rendered {
    let pdf = render_pdf(accounts, options).expect("render the PDF");
    read_pdf(name, pdf)
}

/// Writes a rendered PDF as an artefact and reads its text back.
fn read_pdf(name: &str, pdf: Vec<u8>) -> Rendered {
    assert!(pdf.starts_with(b"%PDF-"), "a PDF file starts with %PDF-");
    let path = artifacts_dir().join(format!("{name}.pdf"));
    std::fs::write(&path, &pdf).expect("write the PDF artefact");
    let file = path.to_str().expect("UTF-8 path");
    let text = poppler("pdftotext", &["-layout", "-nodiag", file, "-"]);
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    let raw = poppler("pdftotext", &["-raw", "-nodiag", file, "-"]);
    let mut raw_pages: Vec<String> = raw.split('\u{c}').map(str::to_owned).collect();
    raw_pages.truncate(pages.len());
    let with_watermark = squash(&poppler("pdftotext", &["-raw", file, "-"]));
    Rendered {
        path,
        pages,
        raw_pages,
        with_watermark,
    }
}

fn page_count(path: &Path) -> usize {
    let info = poppler("pdfinfo", &[path.to_str().expect("UTF-8 path")]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo reports Pages:")
}

fn page_size(path: &Path) -> String {
    let info = poppler("pdfinfo", &[path.to_str().expect("UTF-8 path")]);
    info.lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .map(|s| s.trim().to_owned())
        .expect("pdfinfo reports Page size:")
}

/// Runs an external tool; a missing tool fails the test with the Debian package to install.
fn tool(program: &str, package: &str, args: &[&str]) -> std::process::Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{program} could not be run ({e}). These tests need it: install it with \
             `apt-get install {package}` (CI installs it too)."
            )
        })
}

/// The QR codes found on one rendered page.
#[derive(Debug, Default)]
struct PageCodes {
    /// Decoded by zbar (`zbarimg`), the reference decoder.
    zbar: Vec<String>,
    /// Decoded by rqrr, an independent second decoder, with each code's width in pixels and in
    /// modules. rqrr misses codes at some scales, so it only has to agree with zbar on what it
    /// reads.
    rqrr: Vec<(String, i32, i32)>,
}

/// Renders every page to PNG at 150 dpi (kept as artefacts) and decodes the QR codes on each
/// with zbar, keyed by page number; with `cross_check`, rqrr reads the same rendering too.
fn decode_qr_codes(
    rendered: &Rendered,
    name: &str,
    cross_check: bool,
) -> BTreeMap<usize, PageCodes> {
    let dir = artifacts_dir();
    let pdf = rendered.path.to_str().expect("UTF-8 path");
    let mut found: BTreeMap<usize, PageCodes> = BTreeMap::new();
    for png in render_pages(&dir, pdf, name, "png") {
        let (number, path) = png;
        let path = path.to_str().expect("UTF-8 path");
        // Exit status 4 means "no barcode on this page".
        let output = tool("zbarimg", "zbar-tools", &["--quiet", "--xml", path]);
        assert!(
            matches!(output.status.code(), Some(0 | 4)),
            "zbarimg failed on {path}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let xml = String::from_utf8_lossy(&output.stdout);
        found.entry(number).or_default().zbar = xml
            .split("<data><![CDATA[")
            .skip(1)
            .filter_map(|rest| rest.split("]]></data>").next())
            .map(str::to_owned)
            .collect();
    }
    assert_eq!(
        found.len(),
        rendered.pages.len(),
        "one PNG per page from pdftoppm"
    );
    if cross_check {
        // The same 150 dpi rendering as greyscale PGM, which needs no image decoder.
        for (number, path) in render_pages(&dir, pdf, &format!("{name}-grey"), "pgm") {
            let bytes = std::fs::read(&path).expect("read the PGM");
            std::fs::remove_file(&path).expect("remove the PGM");
            let (width, height, pixels) = parse_pgm(&bytes);
            let mut prepared =
                rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
                    pixels[y * width + x]
                });
            found.entry(number).or_default().rqrr = prepared
                .detect_grids()
                .into_iter()
                .filter_map(|grid| {
                    let (meta, content) = grid.decode().ok()?;
                    let [a, b, ..] = grid.bounds;
                    let modules = i32::try_from(17 + 4 * meta.version.0).ok()?;
                    Some((content, (b.x - a.x).abs().max((b.y - a.y).abs()), modules))
                })
                .collect();
        }
    }
    found
}

/// Renders every page with `pdftoppm -r 150` as PNG or greyscale PGM, replacing older files of
/// the same name; returns (page number, path) pairs.
fn render_pages(dir: &Path, pdf: &str, name: &str, format: &str) -> Vec<(usize, PathBuf)> {
    let page_of = |file: &str| {
        file.strip_prefix(&format!("{name}-"))
            .and_then(|rest| rest.strip_suffix(&format!(".{format}")))
            .and_then(|n| n.parse::<usize>().ok())
    };
    for entry in std::fs::read_dir(dir).expect("read artefacts").flatten() {
        if page_of(&entry.file_name().to_string_lossy()).is_some() {
            std::fs::remove_file(entry.path()).expect("remove an old rendering");
        }
    }
    let prefix = dir.join(name);
    let prefix = prefix.to_str().expect("UTF-8 path");
    let kind = if format == "png" { "-png" } else { "-gray" };
    poppler("pdftoppm", &["-r", "150", kind, pdf, prefix]);
    let mut pages: Vec<(usize, PathBuf)> = std::fs::read_dir(dir)
        .expect("read artefacts")
        .flatten()
        .filter_map(|entry| Some((page_of(&entry.file_name().to_string_lossy())?, entry.path())))
        .collect();
    pages.sort();
    pages
}

/// Reads a binary greyscale PGM (`P5`, 8 bit) as pdftoppm writes it.
fn parse_pgm(bytes: &[u8]) -> (usize, usize, &[u8]) {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(std::str::from_utf8(&bytes[start..at]).expect("PGM header"));
    }
    assert_eq!(fields[0], "P5", "pdftoppm -gray writes binary PGM");
    assert_eq!(fields[3], "255", "8-bit PGM");
    let width: usize = fields[1].parse().expect("PGM width");
    let height: usize = fields[2].parse().expect("PGM height");
    let pixels = &bytes[at + 1..];
    assert_eq!(pixels.len(), width * height, "PGM size");
    (width, height, pixels)
}

/// Checks the codes on every page: zbar reads exactly `expected` (each once), each on a page
/// that prints the value, and rqrr agrees on every code it reads, every module at least 0.5 mm.
/// Returns how many codes rqrr read.
fn assert_codes(
    rendered: &Rendered,
    codes: &BTreeMap<usize, PageCodes>,
    expected: &[&str],
) -> usize {
    let mut decoded: Vec<&str> = codes
        .values()
        .flat_map(|page| page.zbar.iter().map(String::as_str))
        .collect();
    decoded.sort_unstable();
    let mut wanted = expected.to_vec();
    wanted.sort_unstable();
    assert_eq!(
        decoded, wanted,
        "every QR code decodes to exactly its value, and nothing else is a QR code"
    );
    let mut cross_checked = 0;
    for (page, found) in codes {
        let text = squash(&rendered.raw_pages[page - 1]);
        for value in &found.zbar {
            assert!(
                text.contains(&squash(value)),
                "the QR code for {value:?} is on page {page}, which must print the value too"
            );
        }
        for (value, width_px, modules) in &found.rqrr {
            assert!(
                found.zbar.contains(value),
                "rqrr read {value:?} on page {page}, which zbar did not: the decoders disagree"
            );
            // 0.5 mm at 150 dpi is 2.95 px; rqrr's corners are the symbol's outer corners.
            assert!(
                *width_px * 100 >= 295 * *modules,
                "the QR code for {value:?} is {width_px} px for {modules} modules at 150 dpi: \
                 modules under 0.5 mm are hard to scan from paper"
            );
            cross_checked += 1;
        }
    }
    cross_checked
}

// ---------------------------------------------------------------------------------------------
// The demo sheets

#[test]
fn demo_sheets_print_every_value_and_every_qr_code_scans() {
    let accounts = demo_accounts();
    let rendered = write_pdf("demo-a4", &accounts, &options(SheetEnvironment::Demo));

    // One sheet per account, each on exactly one page.
    let pages = page_count(&rendered.path);
    assert_eq!(
        pages,
        rendered.pages.len(),
        "pdfinfo and pdftotext agree on pages"
    );
    let mut first_pages = Vec::new();
    for (i, page) in rendered.pages.iter().enumerate() {
        let owner = accounts
            .iter()
            .position(|a| page.contains(&a.id))
            .unwrap_or_else(|| panic!("page {} names no account id", i + 1));
        if page.contains("(continued)") {
            assert!(
                first_pages.last().is_some_and(|(_, a)| *a == owner),
                "page {} continues account {owner} right after its first page",
                i + 1
            );
        } else {
            first_pages.push((i + 1, owner));
        }
        assert!(
            page.contains(&format!("Page {} of {pages}", i + 1)),
            "page {} has its number in the footer",
            i + 1
        );
        assert!(
            page.contains("Generated 5 Jan 2026, 14:03 UTC"),
            "footer has the time"
        );
    }
    let owners: Vec<usize> = first_pages.iter().map(|(_, a)| *a).collect();
    assert_eq!(
        owners,
        (0..accounts.len()).collect::<Vec<_>>(),
        "each account starts its own sheet, in order"
    );
    assert_eq!(
        pages,
        accounts.len(),
        "one sheet per account: six wallets fit one page as QR cards two to a row"
    );

    let all = squash(&rendered.raw_pages.concat());
    for value in PRINTED_VALUES {
        assert!(
            all.contains(&squash(value)),
            "{value:?} must be printed in full (pdftotext, whitespace removed)"
        );
    }
    for (network, asset) in [
        ("Solana", "USDC"),
        ("Tron", "USDT"),
        ("Polygon", "USDC"),
        ("Base", "USDC"),
        ("Ethereum", "USDC"),
        ("Plasma", "USDT"),
        ("Spark", "BTC"),
    ] {
        assert!(
            all.contains(&squash(&format!("{asset} on {network}"))),
            "the network and asset are printed beside the {network} code"
        );
    }
    assert!(
        all.contains(&squash(
            "Include this reference with your payment, or the funds may not be credited."
        )),
        "the reference note is printed"
    );
    assert!(
        all.contains("PlatformaccountAcmePayments") || all.contains("Platformaccount–AcmePayments"),
        "platform accounts name the platform"
    );
    assert!(
        all.contains(&squash(CUSTOMER)),
        "customer accounts name the customer"
    );
    assert!(
        !all.contains("Availablebalance"),
        "balances are left off by default"
    );

    let codes = decode_qr_codes(&rendered, "demo-a4", true);
    let cross_checked = assert_codes(&rendered, &codes, QR_VALUES);
    assert!(
        cross_checked > 0,
        "rqrr read none of the codes: the second decoder checked nothing"
    );
}

#[test]
fn words_stay_inside_the_margins() {
    let accounts = demo_accounts();
    let rendered = write_pdf("margins", &accounts, &options(SheetEnvironment::Sandbox));
    assert_words_inside(&rendered.path);
}

/// Checks every word box from `pdftotext -bbox` lies inside the page minus the margins (the
/// diagonal watermark aside, which only has to be inside the page).
fn assert_words_inside(path: &Path) {
    let file = path.to_str().expect("UTF-8 path");
    assert_boxes_inside(
        &poppler("pdftotext", &["-bbox", "-nodiag", file, "-"]),
        54.0,
        30,
        20.0,
    );
    assert_boxes_inside(&poppler("pdftotext", &["-bbox", file, "-"]), 0.0, 30, 0.0);
}

fn assert_boxes_inside(html: &str, side_margin: f64, min_words: usize, top_bottom: f64) {
    let attr = |tag: &str, name: &str| -> f64 {
        tag.split(&format!("{name}=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} in {tag}"))
    };
    let margin = side_margin - 0.5;
    let mut words = 0;
    for page in html.split("<page ").skip(1) {
        let header = page.split('>').next().expect("page tag");
        let (width, height) = (attr(header, "width"), attr(header, "height"));
        for word in page.split("<word ").skip(1) {
            let tag = word.split('>').next().expect("word tag");
            let text = word
                .split('>')
                .nth(1)
                .and_then(|t| t.split('<').next())
                .unwrap_or("");
            let (x0, y0, x1, y1) = (
                attr(tag, "xMin"),
                attr(tag, "yMin"),
                attr(tag, "xMax"),
                attr(tag, "yMax"),
            );
            assert!(
                x0 >= margin && x1 <= width - margin,
                "{text:?} runs into the side margin: x {x0:.1}..{x1:.1} on a {width:.0} pt page"
            );
            assert!(
                y0 >= top_bottom && y1 <= height - top_bottom,
                "{text:?} runs off the top or bottom: y {y0:.1}..{y1:.1} on a {height:.0} pt page"
            );
            words += 1;
        }
    }
    assert!(
        words > min_words,
        "pdftotext -bbox found only {words} words"
    );
}

#[test]
fn a_600_character_invoice_is_printed_whole_and_scans() {
    let charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let invoice: String = std::iter::once("lnbc25m1p".to_owned())
        .chain((0..591).map(|i| {
            charset
                .chars()
                .nth((i * 7 + i / 3) % 32)
                .unwrap_or('q')
                .to_string()
        }))
        .collect();
    assert_eq!(invoice.len(), 600);
    let accounts = vec![account(
        20,
        Some(CUSTOMER),
        "INTERNAL_CRYPTO",
        "BTC",
        1,
        json!([{"accountOrWalletInfo": {"accountType": "LIGHTNING", "invoice": invoice}}]),
    )];
    for paper in [Paper::A4, Paper::Letter] {
        let name = format!("long-invoice-{paper:?}").to_lowercase();
        let rendered = write_pdf(
            &name,
            &accounts,
            &SheetOptions {
                paper,
                ..options(SheetEnvironment::Production)
            },
        );
        let text = squash(&rendered.pages.concat());
        assert!(
            text.contains(&invoice),
            "all 600 characters of the invoice are in the text, in order ({paper:?})"
        );
        assert_words_inside(&rendered.path);
        let codes = decode_qr_codes(&rendered, &name, true);
        assert_codes(&rendered, &codes, &[invoice.as_str()]);
    }
}

#[test]
fn extreme_values_break_across_pages_and_nothing_leaves_the_page() {
    let bech32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let invoice: String = "lnbc1p"
        .chars()
        .chain(bech32.chars().cycle().take(2_200))
        .collect();
    let too_long_for_qr: String = "addr"
        .chars()
        .chain(bech32.chars().cycle().take(3_400))
        .collect();
    let memo: String = "MEMO"
        .chars()
        .chain(bech32.to_uppercase().chars().cycle().take(2_000))
        .collect();
    let notes =
        "Wire cut-off is 3 pm New York time; payments after it settle the next business day. "
            .repeat(30)
            + "\nSecond paragraph after a line break.";
    let reference = format!("REF-{}", "A1B2C3D4".repeat(25));
    let accounts = vec![account(
        40,
        Some(CUSTOMER),
        "INTERNAL_FIAT",
        "USD",
        0,
        json!([
            {
                "instructionsNotes": notes,
                "accountOrWalletInfo": {
                    "accountType": "SOME_EXTREMELY_LONG_FUTURE_ACCOUNT_TYPE_FOR_A_RAIL_NOBODY_HAS_SEEN",
                    "memo": memo, "reference": reference,
                    "beneficiary": {"fullName": "\u{141}\u{f3}d\u{17a} \u{218}tefan \u{20bf} \u{6771}\u{4eac}"}
                }
            },
            {"accountOrWalletInfo": {"accountType": "LIGHTNING", "invoice": invoice}},
            {"accountOrWalletInfo": {"accountType": "SOLANA_WALLET", "address": too_long_for_qr, "assetType": "USDC"}}
        ]),
    )];
    let long_platform = "Acme Payments International Holdings \u{2013} Latin America & Caribbean \
                         Treasury Operations Division, Regional Settlement and Reconciliation Desk";
    for paper in [Paper::A4, Paper::Letter] {
        let name = format!("extreme-{paper:?}").to_lowercase();
        let rendered = write_pdf(
            &name,
            &accounts,
            &SheetOptions {
                paper,
                platform_name: Some(long_platform.to_owned()),
                ..options(SheetEnvironment::Sandbox)
            },
        );
        assert!(
            rendered.pages.len() > 1
                && rendered.pages[1..]
                    .iter()
                    .all(|p| p.contains("(continued)")),
            "a long account continues on following pages with its header repeated ({paper:?})"
        );
        let text = body_text(&rendered, &accounts[0].id);
        for value in [&invoice, &too_long_for_qr, &memo, &reference, &notes] {
            assert!(
                text.contains(&squash(value)),
                "a {}-character value is printed whole ({paper:?})",
                value.len()
            );
        }
        assert!(
            text.contains(&squash(
                "\u{141}\u{f3}d\u{17a} \u{218}tefan \u{20bf} \u{6771}\u{4eac}"
            )),
            "Polish, Romanian, the bitcoin sign and Chinese print exactly as sent ({paper:?})"
        );
        assert!(
            !squash(&rendered.pages[0]).contains(&squash("could not be printed")),
            "with the fonts installed no script is reported missing ({paper:?})"
        );
        assert!(
            text.contains(&squash("too long for a QR code")),
            "a value too long for a QR code says so"
        );
        assert_words_inside(&rendered.path);
        let codes = decode_qr_codes(&rendered, &name, false);
        let decoded: Vec<&str> = codes
            .values()
            .flat_map(|page| page.zbar.iter().map(String::as_str))
            .collect();
        assert_eq!(
            decoded,
            [invoice.as_str()],
            "the 2,206-character invoice still scans"
        );
    }
}

#[test]
fn letter_and_a4_have_their_media_boxes() {
    let accounts = &demo_accounts()[..1];
    let a4 = write_pdf("paper-a4", accounts, &options(SheetEnvironment::Production));
    assert!(
        page_size(&a4.path).starts_with("595.28 x 841.89 pts"),
        "A4 is 595.28 × 841.89 pt, got {}",
        page_size(&a4.path)
    );
    let letter = write_pdf(
        "paper-letter",
        accounts,
        &SheetOptions {
            paper: Paper::Letter,
            ..options(SheetEnvironment::Production)
        },
    );
    assert!(
        page_size(&letter.path).starts_with("612 x 792 pts"),
        "US Letter is 612 × 792 pt, got {}",
        page_size(&letter.path)
    );
    assert_words_inside(&letter.path);
}

#[test]
fn balances_only_when_asked_and_printable_for_bitcoin() {
    let accounts = demo_accounts();
    let picked = [accounts[0].clone(), accounts[5].clone()];
    let without = write_pdf(
        "balances-off",
        &picked,
        &options(SheetEnvironment::Production),
    );
    let text = squash(&without.pages.concat());
    assert!(
        !text.contains("$1,250.50") && !text.contains("balance"),
        "no balance unless asked"
    );
    let with = write_pdf(
        "balances-on",
        &picked,
        &SheetOptions {
            include_balances: true,
            ..options(SheetEnvironment::Production)
        },
    );
    let text = squash(&with.pages.concat());
    assert!(
        text.contains("Availablebalance$1,250.50"),
        "USD balance printed"
    );
    assert!(text.contains("$1,300.50"), "total balance printed");
    assert!(
        text.contains("0.00150000BTC"),
        "the Bitcoin balance is printed with its code beside the symbol"
    );
}

#[test]
fn sandbox_and_demo_are_watermarked_production_is_not() {
    let accounts = &demo_accounts()[..1];
    let sandbox = write_pdf(
        "watermark-sandbox",
        accounts,
        &options(SheetEnvironment::Sandbox),
    );
    let count = |text: &str, word: &str| text.matches(word).count();
    let read = squash(&sandbox.pages.concat());
    assert!(
        count(&sandbox.with_watermark, "SANDBOX") > count(&read, "SANDBOX"),
        "the diagonal SANDBOX watermark is on the page (pdftotext sees it unless -nodiag)"
    );
    assert!(
        read.contains("SANDBOX"),
        "the banner and footer say SANDBOX"
    );

    let demo = write_pdf("watermark-demo", accounts, &options(SheetEnvironment::Demo));
    assert!(
        demo.with_watermark.contains("DEMO–NOTREAL"),
        "the demo watermark"
    );

    let production = write_pdf(
        "watermark-production",
        accounts,
        &options(SheetEnvironment::Production),
    );
    assert!(
        !production.with_watermark.contains("SANDBOX")
            && !production.with_watermark.contains("DEMO"),
        "production sheets carry no watermark"
    );
    assert!(
        production.pages[0].contains("Production"),
        "the footer names the environment"
    );
}

// ---------------------------------------------------------------------------------------------
// One clean sheet per account

/// A typical account as the simulator seeds them: US bank details with the bank's address, a
/// reference and Grid's long note, a Solana address, and a Spark address with a Lightning
/// invoice (three QR codes), plus a Lightning invoice of its own when `lightning` (four).
fn typical_account(n: u32, lightning: bool) -> AccountView {
    let bech32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let pick = |len: usize, salt: usize| -> String {
        (0..len)
            .map(|i| {
                let at = (i * 7 + salt * 13 + i / 5) % 32;
                bech32.as_bytes()[at] as char
            })
            .collect()
    };
    let n_usize = usize::try_from(n).unwrap_or(0);
    let mut instructions = vec![
        json!({
            "instructionsNotes": "Include the reference code in the transfer memo so the deposit is credited to this account. ACH arrives in 1\u{2013}3 business days; wires the same business day.",
            "isPlatformAccount": false,
            "accountOrWalletInfo": {
                "accountType": "USD_ACCOUNT", "accountNumber": format!("4{n:011}"),
                "routingNumber": "021000021", "bankName": "JPMorgan Chase Bank, N.A.",
                "bankAccountType": "CHECKING", "paymentRails": ["ACH", "WIRE"],
                "reference": format!("UMA-{n:06}-REF"),
                "bankAddress": "383 Madison Avenue, New York, NY 10179"
            }
        }),
        json!({
            "instructionsNotes": "Send only USDC on Solana to this address. Tokens sent on another network cannot be credited.",
            "accountOrWalletInfo": {
                "accountType": "SOLANA_WALLET", "assetType": "USDC",
                "address": format!("4Nd1m6Qkq7RfKuE5vQ9qP9Tn6H94Ueqb4xXHzsAb{n:04}")
            }
        }),
        json!({
            "instructionsNotes": "Send BTC on Spark to this address, or pay the Lightning invoice. Only BTC is credited.",
            "accountOrWalletInfo": {
                "accountType": "SPARK_WALLET", "assetType": "BTC",
                "address": format!("spark1{}", pick(62, n_usize)),
                "invoice": format!("lnbc1p{}", pick(250, n_usize + 1))
            }
        }),
    ];
    if lightning {
        instructions.push(json!({
            "instructionsNotes": "Lightning invoices expire: if your wallet says this one has expired, ask for a new one.",
            "accountOrWalletInfo": {"accountType": "LIGHTNING", "invoice": format!("{LIGHTNING_INVOICE}{n:06}")}
        }));
    }
    account(
        100 + n,
        Some(CUSTOMER),
        "INTERNAL_FIAT",
        "USD",
        125_050,
        json!(instructions),
    )
}

#[test]
fn a_typical_account_is_one_clean_page_on_a4_and_letter() {
    for paper in [Paper::A4, Paper::Letter] {
        // Three QR codes with balances, four without (the default).
        for lightning in [false, true] {
            let name =
                format!("typical-{paper:?}-{}qr", if lightning { 4 } else { 3 }).to_lowercase();
            let one = vec![typical_account(1, lightning)];
            let options = SheetOptions {
                paper,
                include_balances: !lightning,
                ..options(SheetEnvironment::Sandbox)
            };
            let rendered = write_pdf(&name, &one, &options);
            assert_eq!(
                page_count(&rendered.path),
                1,
                "a bank transfer and {} QR codes fit one {paper:?} page",
                if lightning { 4 } else { 3 }
            );
            assert_words_inside(&rendered.path);
            let text = squash(&rendered.raw_pages[0]);
            assert!(
                !text.contains(&squash("could not be printed")),
                "a sheet that prints every letter as it is carries no warning"
            );
            for field in &one[0].instructions {
                for value in field.fields.iter().map(|f| f.value.as_str()) {
                    assert!(
                        text.contains(&squash(value)),
                        "{value:?} is printed whole on the one page ({paper:?})"
                    );
                }
            }
            let codes = decode_qr_codes(&rendered, &name, true);
            let wanted: Vec<&str> = one[0]
                .instructions
                .iter()
                .flat_map(|i| i.qr_targets.iter().map(|q| q.value.as_str()))
                .collect();
            assert_codes(&rendered, &codes, &wanted);
        }

        // A hundred of them: exactly one page each, numbered, none shared.
        let hundred: Vec<AccountView> = (1..=100).map(|n| typical_account(n, n % 2 == 0)).collect();
        let name = format!("typical-100-{paper:?}").to_lowercase();
        let rendered = write_pdf(
            &name,
            &hundred,
            &SheetOptions {
                paper,
                ..options(SheetEnvironment::Sandbox)
            },
        );
        assert_eq!(
            page_count(&rendered.path),
            100,
            "100 typical accounts print on exactly 100 {paper:?} pages"
        );
        for (i, (page, account)) in rendered.pages.iter().zip(&hundred).enumerate() {
            assert!(
                page.contains(&account.id) && page.contains(&format!("Page {} of 100", i + 1)),
                "page {} is account {}'s sheet and says so ({paper:?})",
                i + 1,
                account.id
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The simulator's seeded demo data, read over HTTP the way the app reads it

/// Every internal account of grid-sim's base seed (platform, then customers), through the real
/// client against the simulator on 127.0.0.1:0, its answers checked against the spec.
fn seeded_accounts() -> Vec<InternalAccount> {
    use grid_client::{ClientConfig, Credentials, GridClient, PageRequest};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a local port for the simulator");
        let spec = spec_check::ResponseLog::default();
        let log = spec.clone();
        let observer: grid_sim::Observer = std::sync::Arc::new(move |e: &grid_sim::Exchange| {
            log.check(&e.method, &e.path, e.status, &e.body);
        });
        let sim = grid_sim::spawn_observed(grid_sim::SimConfig::default(), listener, observer)
            .await
            .expect("start the simulator");
        let client = GridClient::new(ClientConfig::new(
            sim.base_url(),
            Credentials::new(grid_sim::DEFAULT_CLIENT_ID, grid_sim::DEFAULT_CLIENT_SECRET),
        ))
        .expect("a client for the simulator");
        let mut accounts = client
            .list_platform_internal_accounts(&Default::default())
            .await
            .expect("platform accounts");
        let page = client
            .list_customer_internal_accounts(
                &Default::default(),
                &PageRequest {
                    limit: Some(100),
                    cursor: None,
                },
            )
            .await
            .expect("customer accounts");
        assert!(!page.has_more, "the base seed fits one page of 100");
        accounts.extend(page.data);
        sim.shutdown().await;
        assert_eq!(
            spec.checked(),
            2,
            "both lists were checked against the spec"
        );
        spec.assert_conformance();
        accounts
    })
}

#[test]
fn the_simulators_seed_prints_one_page_per_account_with_every_value_and_code() {
    let accounts: Vec<AccountView> = seeded_accounts().iter().map(account_view).collect();
    let types: std::collections::BTreeSet<&str> = accounts
        .iter()
        .flat_map(|a| a.instructions.iter().map(|i| i.account_type.as_str()))
        .collect();
    for wanted in [
        "USD_ACCOUNT",
        "EUR_ACCOUNT",
        "MXN_ACCOUNT",
        "BRL_ACCOUNT",
        "GBP_ACCOUNT",
        "SPARK_WALLET",
        "LIGHTNING",
        "SOLANA_WALLET",
        "TRON_WALLET",
        "POLYGON_WALLET",
        "BASE_WALLET",
        "ETHEREUM_WALLET",
    ] {
        assert!(
            types.contains(wanted),
            "the seed covers {wanted}; it has {types:?}"
        );
    }
    for paper in [Paper::A4, Paper::Letter] {
        let name = format!("seed-{paper:?}").to_lowercase();
        let rendered = write_pdf(
            &name,
            &accounts,
            &SheetOptions {
                paper,
                ..options(SheetEnvironment::Demo)
            },
        );
        assert_eq!(
            page_count(&rendered.path),
            accounts.len(),
            "each of the {} seeded accounts is exactly one {paper:?} page",
            accounts.len()
        );
        assert_words_inside(&rendered.path);
        let codes = decode_qr_codes(&rendered, &name, paper == Paper::A4);
        for (i, account) in accounts.iter().enumerate() {
            let number = i + 1;
            let page = &rendered.pages[i];
            assert!(
                page.contains(&account.id)
                    && page.contains(&format!("Page {number} of {}", accounts.len())),
                "page {number} is {}'s sheet and is numbered ({paper:?})",
                account.id
            );
            let text = squash(&rendered.raw_pages[i]);
            for field in account.instructions.iter().flat_map(|i| &i.fields) {
                assert!(
                    text.contains(&squash(&field.value)),
                    "{} {:?} of {} is printed whole on its page ({paper:?})",
                    field.label,
                    field.value,
                    account.id
                );
            }
            let mut wanted: Vec<&str> = account
                .instructions
                .iter()
                .flat_map(|i| i.qr_targets.iter().map(|q| q.value.as_str()))
                .collect();
            wanted.sort_unstable();
            let found = codes.get(&number).expect("every page was scanned");
            let mut decoded: Vec<&str> = found.zbar.iter().map(String::as_str).collect();
            decoded.sort_unstable();
            assert_eq!(
                decoded, wanted,
                "every QR code on {}'s page decodes to exactly its value ({paper:?})",
                account.id
            );
            for (value, width_px, modules) in &found.rqrr {
                assert!(
                    wanted.contains(&value.as_str()) && *width_px * 100 >= 295 * *modules,
                    "rqrr agrees with zbar on {value:?}, modules of at least 0.5 mm"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Every script, and a script without a font

/// Bank names, holders and addresses as platforms in many countries send them: (what, text).
const SCRIPTS: &[(&str, &str)] = &[
    ("Latin with accents", "\u{141}\u{f3}d\u{17a} \u{218}tefan \u{d1}and\u{fa} Stra\u{df}e \u{c5}ngstr\u{f6}m"),
    ("Cyrillic", "\u{421}\u{431}\u{435}\u{440}\u{431}\u{430}\u{43d}\u{43a} \u{420}\u{43e}\u{441}\u{441}\u{438}\u{438}"),
    ("Greek", "\u{3a4}\u{3c1}\u{3ac}\u{3c0}\u{3b5}\u{3b6}\u{3b1} \u{3a0}\u{3b5}\u{3b9}\u{3c1}\u{3b1}\u{3b9}\u{3ce}\u{3c2}"),
    ("Arabic", "\u{628}\u{646}\u{643} \u{627}\u{644}\u{631}\u{627}\u{62c}\u{62d}\u{64a}"),
    ("Hebrew", "\u{5d1}\u{5e0}\u{5e7} \u{5d4}\u{5e4}\u{5d5}\u{5e2}\u{5dc}\u{5d9}\u{5dd}"),
    ("Chinese", "\u{4e2d}\u{56fd}\u{5de5}\u{5546}\u{94f6}\u{884c}"),
    ("Japanese", "\u{4e09}\u{83f1}UFJ\u{9280}\u{884c} \u{3068}\u{3046}\u{304d}\u{3087}\u{3046}"),
    ("Korean", "\u{ad6d}\u{bbfc}\u{c740}\u{d589}"),
    ("Vietnamese", "Ng\u{e2}n h\u{e0}ng Ngo\u{1ea1}i th\u{1b0}\u{1a1}ng Vi\u{1ec7}t Nam"),
    ("Devanagari", "\u{92d}\u{93e}\u{930}\u{924}\u{940}\u{92f} \u{938}\u{94d}\u{91f}\u{947}\u{91f} \u{92c}\u{948}\u{902}\u{915}"),
    ("Thai", "\u{e18}\u{e19}\u{e32}\u{e04}\u{e32}\u{e23}\u{e01}\u{e2a}\u{e34}\u{e01}\u{e23}\u{e44}\u{e17}\u{e22}"),
];

/// One account per script: its bank name, account holder and notes in that script.
fn script_accounts() -> Vec<AccountView> {
    SCRIPTS
        .iter()
        .enumerate()
        .map(|(i, (_, text))| {
            account(
                60 + u32::try_from(i).unwrap_or(0),
                Some(CUSTOMER),
                "INTERNAL_FIAT",
                "USD",
                0,
                json!([{
                    "instructionsNotes": format!("{text} (notes)"),
                    "accountOrWalletInfo": {
                        "accountType": "USD_ACCOUNT", "accountNumber": "9876543210",
                        "routingNumber": "021000021", "bankName": text,
                        "accountHolderName": format!("{text} holder"),
                        "reference": format!("REF-{i:03}")
                    }
                }]),
            )
        })
        .collect()
}

/// Text as pdftotext gives it in reading order (`-layout`, which puts right-to-left words in
/// logical order; `-enc UTF-8`), one string per page. Poppler wraps right-to-left text in
/// embedding marks (U+202A–U+202E), which are its markup, not the text: they are removed.
fn utf8_pages(path: &Path) -> Vec<String> {
    let text = poppler(
        "pdftotext",
        &[
            "-layout",
            "-nodiag",
            "-enc",
            "UTF-8",
            path.to_str().expect("UTF-8 path"),
            "-",
        ],
    );
    text.split('\u{c}')
        .map(|page| {
            page.chars()
                .filter(|c| !('\u{202a}'..='\u{202e}').contains(c))
                .collect()
        })
        .collect()
}

#[test]
fn every_script_prints_and_reads_back_exactly() {
    let accounts = script_accounts();
    let options = options(SheetEnvironment::Production);
    let output = render_pdf_with_fonts(&accounts, &options, &Fonts::system()).expect("render");
    assert_eq!(
        output.missing_scripts,
        [],
        "this machine has a font for every script (scripts/install-deps installs Debian's Noto)"
    );
    assert_eq!(output.pages, accounts.len(), "one page per account");
    let rendered = read_pdf("scripts", output.bytes);
    let pages = utf8_pages(&rendered.path);
    for (i, (script, text)) in SCRIPTS.iter().enumerate() {
        let page = &pages[i];
        assert!(
            page.contains(text),
            "{script}: pdftotext gives back {text:?} exactly (selectable, searchable); page {} \
             reads:\n{page}",
            i + 1
        );
        // Mixed with Latin: every letter in order. Where poppler puts the space or bracket
        // between a right-to-left run and a left-to-right one is its guess, not the text.
        let letters = |t: &str| -> String { t.chars().filter(|c| c.is_alphanumeric()).collect() };
        for mixed in [format!("{text} holder"), format!("{text} (notes)")] {
            assert!(
                letters(page).contains(&letters(&mixed)),
                "{script}: {mixed:?} reads back in order; page {} reads:\n{page}",
                i + 1
            );
        }
    }
    // Every font is embedded, subset and mapped back to Unicode.
    let fonts = poppler("pdffonts", &[rendered.path.to_str().expect("UTF-8 path")]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    for family in [
        "NotoSans-",
        "NotoSansMono",
        "Arabic",
        "Hebrew",
        "CJK",
        "Devanagari",
        "Thai",
    ] {
        assert!(
            rows.iter().any(|r| r.contains(family)),
            "a {family} font is embedded:\n{fonts}"
        );
    }
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert!(
            n >= 5 && cols[n - 5..n - 2] == ["yes", "yes", "yes"],
            "embedded, subset, with a ToUnicode map: {row}"
        );
    }
    // For a person's eyes: target/test-artifacts/deposit-instructions/scripts-NN.png.
    let dir = artifacts_dir();
    render_pages(
        &dir,
        rendered.path.to_str().expect("UTF-8 path"),
        "scripts",
        "png",
    );
}

#[test]
fn a_script_without_a_font_is_named_on_the_sheet_and_reported() {
    // A machine with an Arabic font and no Thai one.
    let noto = Path::new("/usr/share/fonts/truetype/noto");
    let arabic_fonts = [
        noto.join("NotoSansArabic-Regular.ttf"),
        noto.join("NotoSansArabic-Bold.ttf"),
    ];
    for file in &arabic_fonts {
        assert!(
            file.exists(),
            "{} is missing: apt-get install fonts-noto-core (scripts/install-deps does)",
            file.display()
        );
    }
    let fonts = Fonts::from_files(arabic_fonts);
    let thai = SCRIPTS.iter().find(|s| s.0 == "Thai").expect("Thai").1;
    let arabic = SCRIPTS.iter().find(|s| s.0 == "Arabic").expect("Arabic").1;
    let accounts = vec![account(
        80,
        Some(CUSTOMER),
        "INTERNAL_FIAT",
        "USD",
        0,
        json!([{"accountOrWalletInfo": {
            "accountType": "USD_ACCOUNT", "accountNumber": "9876543210",
            "routingNumber": "021000021", "bankName": thai, "accountHolderName": arabic
        }}]),
    )];
    let output = render_pdf_with_fonts(&accounts, &options(SheetEnvironment::Production), &fonts)
        .expect("render");
    let scripts: Vec<(&str, &str)> = output
        .missing_scripts
        .iter()
        .map(|m| (m.script.as_str(), m.font.as_str()))
        .collect();
    assert_eq!(
        scripts,
        [("Thai", "Noto Sans Thai")],
        "the render reports the script it could not print, for the window to say"
    );
    let rendered = read_pdf("missing-thai", output.bytes);
    let page = &utf8_pages(&rendered.path)[0];
    assert!(
        squash(page).contains(&squash(
            "Thai text could not be printed: install a Thai font such as Noto Sans Thai, then print again."
        )),
        "the sheet says which script is missing and how to fix it:\n{page}"
    );
    assert!(
        page.contains(arabic) && page.contains("9876543210"),
        "what has a font still prints exactly:\n{page}"
    );
    let dir = artifacts_dir();
    render_pages(
        &dir,
        rendered.path.to_str().expect("UTF-8 path"),
        "missing-thai",
        "png",
    );
}

#[test]
fn the_pdf_shows_the_models_items_in_the_models_order_for_the_demo() {
    let accounts: Vec<AccountView> = seeded_accounts().iter().map(account_view).collect();
    let options = SheetOptions {
        include_balances: true,
        ..options(SheetEnvironment::Demo)
    };
    let document = build_sheets(&accounts, &options);
    let rendered = write_pdf("model-order", &accounts, &options);
    assert_eq!(rendered.raw_pages.len(), document.sheets.len());
    for (sheet, page) in document.sheets.iter().zip(&rendered.raw_pages) {
        // The model's items in its order: what the print preview walks through too.
        let mut items: Vec<(String, String)> = vec![
            ("kicker".into(), sheet.kicker.clone()),
            ("title".into(), sheet.title.clone()),
            ("intro".into(), sheet.intro.clone()),
        ];
        for warning in &sheet.warnings {
            items.push((warning.key.clone(), warning.text.clone()));
        }
        for fact in &sheet.facts {
            items.push((format!("{}.label", fact.key), fact.label.clone()));
            items.push((fact.key.clone(), fact.value.clone()));
        }
        items.extend(
            sheet
                .section_title
                .iter()
                .map(|t| ("section".into(), t.clone())),
        );
        for instruction in &sheet.instructions {
            items.push((instruction.key.clone(), instruction.title.clone()));
            for qr in &instruction.qr_codes {
                items.push((format!("{}.label", qr.key), qr.label.to_uppercase()));
                items.extend(
                    qr.headline
                        .iter()
                        .map(|h| (format!("{}.headline", qr.key), h.clone())),
                );
                items.push((qr.key.clone(), qr.value.clone()));
                items.extend(
                    qr.hint
                        .iter()
                        .map(|h| (format!("{}.hint", qr.key), h.clone())),
                );
            }
            // Notes beside the last QR code (no other fields) go without their label.
            let notes_beside_code =
                instruction.fields.is_empty() && !instruction.qr_codes.is_empty();
            for field in &instruction.fields {
                items.push((format!("{}.label", field.key), field.label.clone()));
                items.push((field.key.clone(), field.value.clone()));
            }
            if let Some(notes) = &instruction.notes {
                if !notes_beside_code {
                    items.push((format!("{}.label", notes.key), notes.label.clone()));
                }
                items.push((notes.key.clone(), notes.value.clone()));
            }
            if let Some(reference) = &instruction.reference {
                items.push((reference.key.clone(), reference.value.clone()));
                items.push((format!("{}.note", reference.key), reference.note.clone()));
            }
        }
        let text = squash(page);
        let mut at = 0;
        for (key, value) in &items {
            let wanted = squash(value);
            let found = text[at..].find(&wanted).unwrap_or_else(|| {
                panic!(
                    "{}: {key} {value:?} is not printed after the items before it in the model",
                    sheet.account_id
                )
            });
            at += found + wanted.len();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CSV

/// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(cell.is_empty() && row.is_empty(), "the CSV ends with CRLF");
    rows
}

#[test]
fn csv_has_one_row_per_instruction_with_values_in_their_columns() {
    let accounts = demo_accounts();
    let csv = render_csv(&accounts, false);
    std::fs::write(artifacts_dir().join("demo.csv"), &csv).expect("write the CSV artefact");
    assert!(csv.starts_with(CSV_BOM), "starts with a BOM for Excel");
    assert!(csv.ends_with("\r\n") && !csv.replace("\r\n", "").contains('\r'));
    let rows = parse_csv(csv.trim_start_matches(CSV_BOM));
    let header = &rows[0];
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let expected_rows: usize = accounts.iter().map(|a| a.instructions.len().max(1)).sum();
    assert_eq!(
        rows.len() - 1,
        expected_rows,
        "one row per instruction, and one for the account without any"
    );
    assert!(
        rows.iter().all(|r| r.len() == header.len()),
        "every row is complete"
    );
    assert!(
        !header.iter().any(|h| h.contains("balance")),
        "no balances by default"
    );

    let row_of = |value: &str, column: &str| {
        rows.iter()
            .find(|r| r[col(column)] == value)
            .unwrap_or_else(|| panic!("a row with {column} = {value}"))
    };
    let usd = row_of("FUND-ABC123", "Reference");
    assert_eq!(usd[col("Customer ID")], "platform");
    assert_eq!(usd[col("Account number")], "9876543210");
    assert_eq!(usd[col("Routing number")], "021000021");
    assert_eq!(usd[col("Instruction type")], "USD_ACCOUNT");
    assert!(usd[col("Details")].contains("Payment rails: ACH, WIRE"));
    assert_eq!(
        usd[col("Notes")],
        "Include the reference code in your ACH transfer memo"
    );
    let eur = row_of(IBAN, "IBAN");
    assert_eq!(eur[col("SWIFT/BIC")], "COBADEFFXXX");
    assert_eq!(row_of(CLABE, "CLABE")[col("Currency")], "MXN");
    let spark = row_of(SPARK_ADDRESS, "Address");
    assert_eq!(spark[col("Lightning invoice")], SPARK_INVOICE);
    assert_eq!(spark[col("Network")], "Spark");
    assert_eq!(spark[col("Asset")], "BTC");
    assert_eq!(row_of(TRON_ADDRESS, "Address")[col("Asset")], "USDT");
    let unknown = row_of(UNKNOWN_ADDRESS, "Address");
    assert!(unknown[col("Details")].contains("Some new field: kept as sent"));
    let empty = row_of(&accounts[8].id, "Account ID");
    assert_eq!(empty[col("Instruction type")], "");

    let with = parse_csv(render_csv(&accounts, true).trim_start_matches(CSV_BOM));
    let header = &with[0];
    let available = header
        .iter()
        .position(|h| h == "Available balance")
        .expect("balance column when asked");
    assert_eq!(with[1][available], "$1,250.50");
}

#[test]
fn csv_quotes_and_defuses_what_spreadsheets_would_misread() {
    let accounts = vec![account(
        30,
        Some("=HYPERLINK(\"http://evil\",\"x\")"),
        "INTERNAL_FIAT",
        "USD",
        -500,
        json!([{
            "instructionsNotes": "Line one, with a comma\nand \"quotes\" on line two",
            "accountOrWalletInfo": {
                "accountType": "USD_ACCOUNT", "reference": "+SUM(A1:A9)",
                "accountNumber": "@cmd", "routingNumber": "-021000021",
                "paymentRails": ["ACH"]
            }
        }]),
    )];
    let csv = render_csv(&accounts, true);
    let rows = parse_csv(csv.trim_start_matches(CSV_BOM));
    let header = &rows[0];
    let row = &rows[1];
    let get = |name: &str| &row[header.iter().position(|h| h == name).expect(name)];
    assert_eq!(get("Customer ID"), "'=HYPERLINK(\"http://evil\",\"x\")");
    assert_eq!(get("Reference"), "'+SUM(A1:A9)");
    assert_eq!(get("Account number"), "'@cmd");
    assert_eq!(get("Routing number"), "'-021000021");
    assert_eq!(
        get("Notes"),
        "Line one, with a comma\nand \"quotes\" on line two",
        "commas, quotes and line breaks survive quoting"
    );
    assert_eq!(get("Available balance"), "'-$5.00");
    assert!(
        row.iter().all(|c| !c.starts_with(['=', '+', '-', '@'])),
        "no cell starts a formula"
    );
}
