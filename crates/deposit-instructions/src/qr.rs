//! QR codes for addresses and invoices: one module matrix, drawn as SVG for screens and as a
//! one-pixel-per-module image in the PDF, so the code on screen and on paper is the same.
//!
//! Encoding uses the `qrcode` crate without its image/SVG renderers (we draw the matrix
//! ourselves); tests decode every kind of value back with `rqrr`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use qrcode::{Color, EcLevel, QrCode};

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
    let build = |level| QrCode::with_error_correction_level(value.as_bytes(), level);
    let code = build(EcLevel::M)
        .or_else(|_| build(EcLevel::L))
        .map_err(|_| {
            QrError(format!(
                "{} characters is too long for a QR code.",
                value.len()
            ))
        })?;
    let width = code.width();
    let dark: Vec<bool> = code
        .into_colors()
        .into_iter()
        .map(|module| module == Color::Dark)
        .collect();
    if dark.len() != width * width {
        return Err(QrError(
            "The QR encoder returned a matrix of the wrong size.".to_owned(),
        ));
    }
    Ok((width, dark))
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
