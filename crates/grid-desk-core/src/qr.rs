//! QR codes for the window: SVG made in Rust (`deposit_instructions::qr_svg`), inserted by the
//! window as an SVG document, so no image data or markup comes from elsewhere.

use serde::Deserialize;

use crate::error::{UiError, UiResult};

/// QR codes are drawn at least this wide so a phone can read them off a screen.
pub const QR_MIN_PX: u32 = 240;

/// `qr_svg`: the exact value to encode.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct QrRequest {
    pub value: String,
}

/// The QR code of `value` as an SVG document.
pub fn qr_svg(request: QrRequest) -> UiResult<String> {
    if request.value.is_empty() {
        return Err(UiError::validation("There is nothing to encode."));
    }
    deposit_instructions::qr_svg(&request.value, QR_MIN_PX)
        .map_err(|e| UiError::validation(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::UiCode;

    #[test]
    fn a_value_becomes_an_svg_and_nothing_is_refused() {
        let svg = qr_svg(QrRequest {
            value: "spark1pgssyuuuhnrrdjswal5c3s3rafw9w3y5dd4cjy3duxlf7hjzkp0rqx6dj6mrhu".into(),
        })
        .expect("a QR code");
        assert!(svg.contains("<svg"), "{svg}");
        let err = qr_svg(QrRequest {
            value: String::new(),
        })
        .expect_err("empty");
        assert_eq!(err.code, UiCode::Validation);
        assert_eq!(err.message, "There is nothing to encode.");
    }
}
