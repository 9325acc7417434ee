//! QR codes for addresses and invoices: one module matrix, drawn as SVG for screens and as a
//! one-pixel-per-module image in the PDF, so the code on screen and on paper is the same.
//!
//! Encoding uses the `qrcode` crate without its image/SVG renderers (we draw the matrix
//! ourselves); tests decode every kind of value back with `rqrr`.
//!
//! The crate's own steps make every code (data bits, error correction, function patterns, data
//! placement, each of the eight masks); only the choice of the mask is scored here, by the same
//! four penalty rules the crate applies, so the matrix is the crate's, module for module (a test
//! compares them). The crate's scoring boxes a closure for every position of its finder-pattern
//! rule: a profile (callgrind) put 93 % of an encoding in scoring, three quarters in that rule
//! and a quarter of all instructions in allocating and freeing those boxes. Scored over plain
//! rows and columns of booleans, a code costs a tenth or less.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{Color, EcLevel, QrCode, Version};

/// Light modules around the code that scanners need, on every side.
pub const QUIET_ZONE: usize = 4;

/// Why a value cannot become a QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrError(pub String);

impl std::fmt::Display for QrError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QrError {}

/// The module matrix without quiet zone: (width, row-major dark flags).
pub fn qr_matrix(value: &str) -> Result<(usize, Vec<bool>), QrError> {
    // Medium correction survives screen glare and worn paper; long invoices fall back to low.
    let (canvas, width, version) = [EcLevel::M, EcLevel::L]
        .into_iter()
        .find_map(|level| unmasked_canvas(value.as_bytes(), level))
        .ok_or_else(|| too_long(value))?;
    let dark = best_masked(&canvas, width, version);
    if dark.len() != width * width {
        return Err(wrong_size());
    }
    Ok((width, dark))
}

/// The same matrix made entirely by the `qrcode` crate (its own mask choice): the reference the
/// faster choice above is checked against, and the "before" of the benchmark.
pub fn qr_matrix_reference(value: &str) -> Result<(usize, Vec<bool>), QrError> {
    let build = |level| QrCode::with_error_correction_level(value.as_bytes(), level);
    let code = build(EcLevel::M)
        .or_else(|_| build(EcLevel::L))
        .map_err(|_| too_long(value))?;
    let width = code.width();
    let dark: Vec<bool> = code
        .into_colors()
        .into_iter()
        .map(|module| module == Color::Dark)
        .collect();
    if dark.len() != width * width {
        return Err(wrong_size());
    }
    Ok((width, dark))
}

fn too_long(value: &str) -> QrError {
    QrError(format!(
        "{} characters is too long for a QR code.",
        value.len()
    ))
}

fn wrong_size() -> QrError {
    QrError("The QR encoder returned a matrix of the wrong size.".to_owned())
}

/// The crate's canvas with function patterns and data drawn, before masking, its width and version;
/// `None` when the data does not fit at this level. The steps of `QrCode::with_bits`.
fn unmasked_canvas(data: &[u8], level: EcLevel) -> Option<(Canvas, usize, Version)> {
    let bits = qrcode::bits::encode_auto(data, level).ok()?;
    let version = bits.version();
    let (data, ec) = qrcode::ec::construct_codewords(&bits.into_bytes(), version, level).ok()?;
    let mut canvas = Canvas::new(version, level);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    let width = usize::try_from(version.width()).ok()?;
    Some((canvas, width, version))
}

/// The masks in the crate's order: on equal scores the first wins, as in the crate.
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// The dark flags of the canvas under the mask with the lowest penalty (the crate's masking and
/// format information, the crate's rules for the score).
fn best_masked(canvas: &Canvas, width: usize, version: Version) -> Vec<bool> {
    let masked = |pattern| {
        let mut candidate = canvas.clone();
        candidate.apply_mask(pattern);
        candidate
            .into_colors()
            .into_iter()
            .map(|module| module == Color::Dark)
            .collect::<Vec<bool>>()
    };
    if matches!(version, Version::Micro(_)) || width < 7 {
        // Never made from text by `encode_auto`; the crate's own choice, to be safe.
        return canvas
            .apply_best_mask()
            .into_colors()
            .into_iter()
            .map(|module| module == Color::Dark)
            .collect();
    }
    let mut best: Option<(u16, Vec<bool>)> = None;
    let mut columns = vec![false; width * width];
    for pattern in MASKS {
        let rows = masked(pattern);
        let score = penalty(&rows, &mut columns, width);
        if best.as_ref().is_none_or(|(lowest, _)| score < *lowest) {
            best = Some((score, rows));
        }
    }
    best.map(|(_, rows)| rows).unwrap_or_default()
}

/// The crate's penalty score of a masked matrix (row-major dark flags, `width` ≥ 7), module for
/// module the same rules and the same 16-bit wrapping sum: runs of five or more alike in a row
/// or column (3 + N), 2×2 blocks alike (3 each), finder-like patterns `#.###.#` without four
/// dark-free modules on one side (40 each, less the 9 × 40 the real finders always score, per
/// direction), and the distance of the dark share from half. `columns` is scratch space.
fn penalty(rows: &[bool], columns: &mut [bool], width: usize) -> u16 {
    for (y, row) in rows.chunks_exact(width).enumerate() {
        for (x, dark) in row.iter().enumerate() {
            columns[x * width + y] = *dark;
        }
    }
    let columns: &[bool] = columns;
    let mut total: i64 = 0;
    for lines in [rows, columns] {
        for line in lines.chunks_exact(width) {
            total += line_penalty(line);
        }
        total -= 360;
    }
    let mut pairs = rows.chunks_exact(width);
    if let Some(mut top) = pairs.next() {
        for bottom in pairs {
            for x in 0..width - 1 {
                let this = top[x];
                if top[x + 1] == this && bottom[x] == this && bottom[x + 1] == this {
                    total += 3;
                }
            }
            top = bottom;
        }
    }
    let dark = rows.iter().filter(|d| **d).count();
    let ratio = dark * 200 / rows.len().max(1);
    total += i64::try_from(ratio.abs_diff(100)).unwrap_or(0);
    // The crate adds in u16, which wraps in release builds: the same sum modulo 2^16.
    u16::try_from(total.rem_euclid(1 << 16)).unwrap_or(u16::MAX)
}

/// One row or column: runs of five or more alike (a run of 5 + N costs 3 + N), and `#.###.#`
/// with no dark module in the four before it or in the four after (outside the line counts as
/// light), 40 each. The finder rule slides a 15-module window (4 + 7 + 4) over the line and four
/// light modules past its end.
fn line_penalty(line: &[bool]) -> i64 {
    const PATTERN: u32 = 0b101_1101;
    let finder =
        |window: u32| (window >> 4) & 0x7F == PATTERN && (window >> 11 == 0 || window & 0xF == 0);
    let mut score = 0;
    let mut run = 0_i64;
    let mut last = false;
    let mut window = 0_u32;
    for &dark in line {
        if run > 0 && dark == last {
            run += 1;
        } else {
            if run >= 5 {
                score += run - 2;
            }
            last = dark;
            run = 1;
        }
        window = ((window << 1) | u32::from(dark)) & 0x7FFF;
        if finder(window) {
            score += 40;
        }
    }
    if run >= 5 {
        score += run - 2;
    }
    for _ in 0..4 {
        window = (window << 1) & 0x7FFF;
        if finder(window) {
            score += 40;
        }
    }
    score
}

/// True when the value fits a QR code (at the lowest error correction, as [`qr_matrix`] falls
/// back to): only the data is encoded, no mask is chosen, so this is cheap.
pub fn fits_qr(value: &str) -> bool {
    qrcode::bits::encode_auto(value.as_bytes(), EcLevel::L).is_ok()
}

/// A module matrix: (width, row-major dark flags), shared.
pub type QrMatrix = Arc<(usize, Vec<bool>)>;

/// Matrices already encoded, by value: a value printed twice (a card laid out two ways, the same
/// address on several sheets, the same accounts printed again) is encoded once. Safe to share
/// between threads; bounded by the modules it holds (it starts over when full).
#[derive(Debug, Default)]
pub struct QrCache {
    inner: Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    matrices: HashMap<String, Option<QrMatrix>>,
    /// Modules held, for the bound.
    modules: usize,
}

/// At most this many modules (one byte each) stay cached: 16 MiB, about 3,000 typical codes.
const MAX_CACHED_MODULES: usize = 16 << 20;

impl QrCache {
    /// The process's cache: deposit addresses and invoices are printed again and again.
    pub fn shared() -> &'static QrCache {
        static SHARED: OnceLock<QrCache> = OnceLock::new();
        SHARED.get_or_init(QrCache::default)
    }

    /// The value's matrix, encoded on first use; `None` when it is too long for a QR code.
    pub fn matrix(&self, value: &str) -> Option<QrMatrix> {
        if let Some(found) = self.lock().matrices.get(value) {
            return found.clone();
        }
        // Encoded without the lock held, so threads encode different values at once.
        let matrix = qr_matrix(value).ok().map(Arc::new);
        let size = matrix.as_ref().map_or(0, |m| m.1.len());
        let mut inner = self.lock();
        if inner.modules + size > MAX_CACHED_MODULES {
            inner.matrices.clear();
            inner.modules = 0;
        }
        if !inner.matrices.contains_key(value) {
            inner.modules += size;
        }
        inner
            .matrices
            .entry(value.to_owned())
            .or_insert(matrix)
            .clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        // A panic elsewhere cannot leave a half-written entry: each update is one call.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The runs of dark modules in a row of a matrix: (first, one past the last). Both the SVG and
/// the PDF draw a code run by run.
pub(crate) fn dark_runs(cells: &[bool]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut col = 0;
    while col < cells.len() {
        if !cells[col] {
            col += 1;
            continue;
        }
        let start = col;
        while col < cells.len() && cells[col] {
            col += 1;
        }
        runs.push((start, col));
    }
    runs
}

/// An SVG QR code at least `min_px` wide, with a quiet zone, black on white.
pub fn qr_svg(value: &str, min_px: u32) -> Result<String, QrError> {
    let (width, dark) = qr_matrix(value)?;
    let modules = width + 2 * QUIET_ZONE;
    let modules_u32 = u32::try_from(modules).unwrap_or(u32::MAX);
    let px = min_px.div_ceil(modules_u32).max(1) * modules_u32;
    let mut path = String::with_capacity(dark.len() * 4);
    for (row, cells) in dark.chunks(width.max(1)).enumerate() {
        for (start, end) in dark_runs(cells) {
            let (x, y, run) = (start + QUIET_ZONE, row + QUIET_ZONE, end - start);
            path.push_str(&format!("M{x} {y}h{run}v1h-{run}z"));
        }
    }
    Ok(format!(
        "<?xml version=\"1.0\" standalone=\"yes\"?>\
         <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{px}\" height=\"{px}\" \
         viewBox=\"0 0 {modules} {modules}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{modules}\" height=\"{modules}\" fill=\"#ffffff\"/>\
         <path fill=\"#000000\" d=\"{path}\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws the matrix at 4 px a module with its quiet zone and reads it back with rqrr.
    fn scan(value: &str) -> String {
        let (width, dark) = qr_matrix(value).expect("encodes");
        let scale = 4;
        let side = (width + 2 * QUIET_ZONE) * scale;
        let mut image = rqrr::PreparedImage::prepare_from_bitmap(side, side, |x, y| {
            let (col, row) = (x / scale, y / scale);
            (QUIET_ZONE..QUIET_ZONE + width).contains(&col)
                && (QUIET_ZONE..QUIET_ZONE + width).contains(&row)
                && dark[(row - QUIET_ZONE) * width + col - QUIET_ZONE]
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code for {value:?}");
        grids[0].decode().expect("decodes").1
    }

    #[test]
    fn every_kind_of_value_scans_back_exactly() {
        let invoice_600: String = "lnbc25m1p"
            .chars()
            .chain("qpzry9x8gf2tvdw0s3jn54khce6mua7l".chars().cycle().take(591))
            .collect();
        let long_ascii: String = "0123456789abcdefghij".repeat(100);
        for value in [
            "4Nd1m6Qkq7RfKuE5vQ9qP9Tn6H94Ueqb4xXHzsAbd8Wg",
            "0xAbCDEF1234567890aBCdEf1234567890ABcDef12",
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            "032180000118359719",
            "FUND-ABC123",
            "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D",
            &invoice_600,
            &long_ascii,
        ] {
            assert_eq!(scan(value), value, "the code must hold exactly the value");
        }
    }

    #[test]
    fn the_mask_choice_is_the_qrcode_crates_module_for_module() {
        // Lengths from one character to the largest codes, digits (numeric mode), upper case
        // (alphanumeric), bech32 and mixed text (byte mode), across both correction levels.
        let alphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
        let mut values: Vec<String> = vec![
            "1".to_owned(),
            "FUND-ABC123".to_owned(),
            "032180000118359719".to_owned(),
            "Überweisung 1 234,56 € — Zahlungsreferenz".to_owned(),
        ];
        for length in [
            7, 20, 44, 63, 90, 141, 220, 333, 420, 600, 913, 1_400, 2_000, 2_300,
        ] {
            values.push(
                alphabet
                    .chars()
                    .cycle()
                    .skip(length % 7)
                    .take(length)
                    .collect(),
            );
            values.push(
                "31415926535897932384626433832795"
                    .chars()
                    .cycle()
                    .take(length)
                    .collect(),
            );
            values.push(
                "LNBC25M1P"
                    .chars()
                    .chain(alphabet.to_uppercase().chars().cycle())
                    .take(length)
                    .collect(),
            );
        }
        for n in 0..40 {
            values.push(format!("4Nd1m6Qkq7RfKuE5vQ9qP9Tn6H94Ueqb4xXHzsAb{n:06}"));
        }
        let mut widths = Vec::new();
        for value in &values {
            let reference = qr_matrix_reference(value);
            assert_eq!(qr_matrix(value), reference, "matrix of {value:?}");
            if let Ok((width, _)) = reference {
                widths.push(width);
            }
        }
        widths.sort_unstable();
        widths.dedup();
        assert!(widths.len() > 10, "many versions compared: {widths:?}");
    }

    #[test]
    fn too_long_values_are_refused_in_words() {
        let error = qr_matrix(&"x".repeat(3_000)).expect_err("too long");
        assert_eq!(error.0, "3000 characters is too long for a QR code.");
    }

    #[test]
    fn svg_is_large_and_well_formed() {
        let svg = qr_svg("4Nd1m6Qkq7RfKuE5vQ9qP9Tn6H94Ueqb4xXHzsAbd8Wg", 240).expect("svg");
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.ends_with("</svg>"));
        let width: u32 = svg
            .split("width=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .expect("width attribute");
        assert!(
            width >= 240,
            "a screen QR must be at least 240 px, got {width}"
        );
    }

    #[test]
    fn fits_agrees_with_the_encoder_and_the_cache_encodes_once() {
        let long = "x".repeat(3_000);
        assert!(fits_qr("lnbc15u1p3xnhl2pp5"));
        assert!(!fits_qr(&long), "qr_matrix refuses it, so fits_qr must too");
        let cache = QrCache::default();
        let first = cache.matrix("spark1abc").expect("encodes");
        let second = cache.matrix("spark1abc").expect("encodes");
        assert!(
            Arc::ptr_eq(&first, &second),
            "the second use is the cached matrix"
        );
        assert_eq!(*first, qr_matrix("spark1abc").expect("matrix"));
        assert!(cache.matrix(&long).is_none());
    }

    #[test]
    fn matrix_is_square() {
        let (width, modules) = qr_matrix("lnbc15u1p3xnhl2pp5").expect("matrix");
        assert_eq!(modules.len(), width * width);
        assert!(modules.iter().any(|m| *m) && modules.iter().any(|m| !*m));
    }
}
