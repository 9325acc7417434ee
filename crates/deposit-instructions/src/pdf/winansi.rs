//! Text for the standard PDF fonts: WinAnsiEncoding (Windows-1252) bytes and the Adobe AFM
//! advance widths of Helvetica and Helvetica-Bold, so lines can be measured and wrapped before
//! they are drawn. Courier is monospaced (600/1000 em) and needs no table.
//!
//! The base-14 fonts carry no glyphs outside WinAnsi, so characters it lacks are replaced by
//! readable text rather than left to the viewer (which would draw nothing or a wrong glyph):
//!
//! * currency signs become the ISO code (`₿` → `BTC`, `₹` → `INR`, `₦` → `NGN`, …);
//! * Latin letters with diacritics outside Latin-1 lose the diacritic (`ł` → `l`, `ș` → `s`,
//!   `ệ` → `e`), as banks do on payment messages;
//! * dashes, minus signs and unusual spaces become their ASCII forms; zero-width and control
//!   characters are dropped;
//! * anything else (Cyrillic, CJK, emoji, …) becomes `?`.
//!
//! Screens show the exact text; QR codes always encode the exact value.

/// Helvetica advance widths by WinAnsi code, in 1/1000 em (0: no glyph). From Adobe's
/// Helvetica AFM (Core 14 metrics), indexed through WinAnsiEncoding.
#[rustfmt::skip]
const HELVETICA: [u16; 256] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 0x00
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 0x10
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0x30
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 0x50
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 0x60
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0, // 0x70
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, // 0x80
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
    400, 584, 333, 333, 333, 578, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, // 0xF0
];

/// Helvetica-Bold advance widths by WinAnsi code, in 1/1000 em (0: no glyph).
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 256] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 0x00
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 0x10
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0x30
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 0x50
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // 0x60
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0, // 0x70
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, // 0x80
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, // 0xF0
];

/// Base letters of U+0100..U+017F (Latin Extended-A); `?` where there is no single letter.
const LATIN_EXTENDED_A: &[u8; 128] = b"AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi??JjKkkLlLlLlLlLlNnNnNnnNnOoOoOo??RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

/// Base letters of U+1E00..U+1EFF (Latin Extended Additional, e.g. Vietnamese).
const LATIN_EXTENDED_ADDITIONAL: &[u8; 256] = b"AaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMmMmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVvWwWwWwWwWwXxXxYyZzZzZzhtwy?s????AaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEeEeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYy??????";

/// The WinAnsi code of a character, when WinAnsi has it.
fn code_for(ch: char) -> Option<u8> {
    let code = u32::from(ch);
    if (0x20..=0x7E).contains(&code) || (0xA0..=0xFF).contains(&code) {
        return u8::try_from(code).ok();
    }
    Some(match ch {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    })
}

/// Readable text for a character WinAnsi lacks (see the module docs).
fn fallback_for(ch: char) -> &'static str {
    match ch {
        '₿' => "BTC",
        '₹' => "INR",
        '₦' => "NGN",
        '₱' => "PHP",
        '₫' => "VND",
        '฿' => "THB",
        '₩' => "KRW",
        '₺' => "TRY",
        '₽' => "RUB",
        '₴' => "UAH",
        '₪' => "ILS",
        '₵' => "GHS",
        '৳' => "BDT",
        '₡' => "CRC",
        '₲' => "PYG",
        '₸' => "KZT",
        '₭' => "LAK",
        '₮' => "MNT",
        '₼' => "AZN",
        '₾' => "GEL",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2212}' | '\u{2043}' => "-",
        '\u{2015}' => "\u{2014}",
        '\u{2192}' => "->",
        '\u{2190}' => "<-",
        '\u{2248}' => "~",
        '\u{2264}' => "<=",
        '\u{2265}' => ">=",
        '\u{2260}' => "!=",
        '\u{2032}' => "'",
        '\u{2033}' => "\"",
        '\u{2039}' => "\u{2039}",
        '\u{0132}' => "IJ",
        '\u{0133}' => "ij",
        '\u{0218}' | '\u{015E}' => "S",
        '\u{0219}' | '\u{015F}' => "s",
        '\u{021A}' | '\u{0162}' => "T",
        '\u{021B}' | '\u{0163}' => "t",
        '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\t' => " ",
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => "",
        c if c.is_control() => "",
        c => {
            let code = u32::from(c);
            let letter = match code {
                0x0100..=0x017F => LATIN_EXTENDED_A.get((code - 0x0100) as usize),
                0x1E00..=0x1EFF => LATIN_EXTENDED_ADDITIONAL.get((code - 0x1E00) as usize),
                _ => None,
            };
            match letter {
                Some(b) => ascii_letter(*b),
                None => "?",
            }
        }
    }
}

/// A `&'static str` for one ASCII byte of the tables above.
fn ascii_letter(byte: u8) -> &'static str {
    const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    LETTERS
        .find(char::from(byte))
        .and_then(|at| LETTERS.get(at..=at))
        .unwrap_or("?")
}

/// Encodes text as WinAnsi bytes, replacing what WinAnsi lacks; `\n` is kept as a line break.
pub(super) fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for ch in text.chars() {
        if ch == '\n' {
            out.push(b'\n');
        } else if ch == '\r' {
            continue;
        } else if let Some(code) = code_for(ch) {
            out.push(code);
        } else {
            // Fallbacks are made of WinAnsi characters only (checked by a test).
            for c in fallback_for(ch).chars() {
                if let Some(code) = code_for(c) {
                    out.push(code);
                }
            }
        }
    }
    out
}

/// True when a letter or digit of `text` cannot be drawn as itself (it would print as "?" or
/// without its accent): a payer copying it from paper would copy something else. Currency
/// signs, dashes and spaces have faithful stand-ins and do not count.
pub(super) fn loses_letters(text: &str) -> bool {
    text.chars()
        .any(|ch| ch.is_alphanumeric() && code_for(ch).is_none())
}

/// True when every character of `text` is drawn as itself.
pub(super) fn is_exact(text: &str) -> bool {
    text.chars().all(|c| code_for(c).is_some())
}

/// The standard fonts the sheets use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Font {
    Regular,
    Bold,
    Mono,
    MonoBold,
}

impl Font {
    /// The advance width of one WinAnsi byte, in 1/1000 em.
    pub(super) fn advance(self, byte: u8) -> u32 {
        match self {
            Font::Regular => u32::from(HELVETICA[usize::from(byte)]),
            Font::Bold => u32::from(HELVETICA_BOLD[usize::from(byte)]),
            Font::Mono | Font::MonoBold => 600,
        }
    }

    /// The width of WinAnsi `text` in 1/1000 em.
    pub(super) fn em_width(self, text: &[u8]) -> u64 {
        text.iter().map(|b| u64::from(self.advance(*b))).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winansi_specials_and_latin1_are_exact() {
        assert_eq!(encode("€1 £2 › ü"), b"\x801 \xA32 \x9B \xFC");
        assert!(is_exact("Beneficiary › Full name – São Paulo"));
    }

    #[test]
    fn missing_characters_become_readable_text() {
        assert_eq!(encode("₿0.5"), b"BTC0.5");
        assert_eq!(encode("Łódź"), b"L\xF3dz");
        assert_eq!(encode("Nguyễn"), b"Nguyen");
        assert_eq!(encode("Ștefan"), b"Stefan");
        assert_eq!(encode("a\u{200B}b\u{2212}1"), b"ab-1");
        assert_eq!(encode("Привет"), b"??????");
        assert!(!is_exact("₿"));
    }

    #[test]
    fn every_fallback_is_itself_winansi() {
        let samples = (0x80u32..0x3100).filter_map(char::from_u32);
        for ch in samples {
            if code_for(ch).is_none() {
                let text = fallback_for(ch);
                assert!(
                    text.chars().all(|c| code_for(c).is_some()),
                    "the fallback for U+{:04X} must be WinAnsi, got {text:?}",
                    u32::from(ch)
                );
            }
        }
    }

    #[test]
    fn every_emitted_byte_has_a_width() {
        let all: String = (0x20u32..0x3100).filter_map(char::from_u32).collect();
        for byte in encode(&all) {
            if byte != b'\n' {
                assert!(
                    Font::Regular.advance(byte) > 0 && Font::Bold.advance(byte) > 0,
                    "WinAnsi byte 0x{byte:02X} is emitted but has no width"
                );
            }
        }
    }

    #[test]
    fn widths_match_the_afm() {
        assert_eq!(Font::Regular.em_width(b"Grid"), 778 + 333 + 222 + 556);
        assert_eq!(Font::Bold.em_width(b"@"), 975);
        assert_eq!(Font::Mono.em_width(b"0x12"), 2400);
    }
}
