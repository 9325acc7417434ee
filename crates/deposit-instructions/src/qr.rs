//! QR codes for addresses and invoices: SVG for screens, a module matrix for PDF.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// Why a value cannot become a QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrError(pub String);

impl std::fmt::Display for QrError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QrError {}

fn encode(value: &str) -> Result<QrCode, QrError> {
    // Medium correction survives screen glare; long invoices fall back to low.
    QrCode::with_error_correction_level(value.as_bytes(), EcLevel::M)
        .or_else(|_| QrCode::with_error_correction_level(value.as_bytes(), EcLevel::L))
        .map_err(|_| {
            QrError(format!(
                "{} characters is too long for a QR code.",
                value.len()
            ))
        })
}

/// An SVG QR code at least `min_px` wide, with a quiet zone, black on white.
pub fn qr_svg(value: &str, min_px: u32) -> Result<String, QrError> {
    let code = encode(value)?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(min_px, min_px)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build())
}

/// The module matrix without quiet zone: (width, row-major dark flags).
pub fn qr_matrix(value: &str) -> Result<(usize, Vec<bool>), QrError> {
    let code = encode(value)?;
    let width = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok((width, dark))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn matrix_is_square() {
        let (width, modules) = qr_matrix("lnbc15u1p3xnhl2pp5").expect("matrix");
        assert_eq!(modules.len(), width * width);
        assert!(modules.iter().any(|m| *m) && modules.iter().any(|m| !*m));
    }
}
