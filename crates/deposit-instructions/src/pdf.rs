//! Printable deposit instruction sheets as PDF, generated here so that "Save as PDF" writes the
//! same file on every OS and in tests.
//!
//! One sheet per account, one page for a typical account (a bank transfer and three or four QR
//! codes) on A4 and US Letter: a compact header (platform or customer, account id, currency,
//! optionally the balances), then every funding instruction laid out for a person — bank fields
//! as label-over-value cells, short ones two to a row, the reference code boxed with a note to
//! include it; wallet addresses, Lightning invoices and PIX codes as QR cards two to a row, each
//! code (modules of at least 0.5 mm) beside its number and title, the network and asset, the
//! exact value, how to pay and Grid's notes. Values too long for a card get the whole width. An
//! account whose instructions do not fit one page continues on the next with its header
//! repeated; nothing is clipped. Every page has a footer (environment, generation time, "Page N of M"), and sandbox
//! and demo sheets carry a watermark.
//!
//! Text uses the standard PDF fonts (Helvetica, Courier) in WinAnsiEncoding, so no font is
//! embedded and text stays extractable; characters WinAnsi lacks are replaced readably (`₿` →
//! `BTC`, `ł` → `l`, others `?`; see `pdf/winansi.rs`). Layout is integer arithmetic in hundredths of a point: each page's content stream
//! starts by scaling to that unit, so every number written is an integer.

mod winansi;

use grid_client::money::format_minor_units;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use serde::{Deserialize, Serialize};

use crate::qr::{qr_matrix, QUIET_ZONE};
use crate::view::{AccountView, FieldView, InstructionView, MoneyView, QrTarget};
use winansi::{encode, is_exact, loses_letters, Font};

/// Paper size of the printed sheets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    /// 210 × 297 mm.
    #[default]
    A4,
    /// US Letter, 8.5 × 11 in.
    Letter,
}

impl Paper {
    /// Width and height in hundredths of a point.
    fn size(self) -> (Cpt, Cpt) {
        match self {
            Paper::A4 => (59_528, 84_189),
            Paper::Letter => (61_200, 79_200),
        }
    }

    /// The MediaBox in points (the same numbers as [`Paper::size`]).
    fn media_box(self) -> Rect {
        match self {
            Paper::A4 => Rect::new(0.0, 0.0, 595.28, 841.89),
            Paper::Letter => Rect::new(0.0, 0.0, 612.0, 792.0),
        }
    }
}

/// Regions whose printers use US Letter (CLDR `paperSize` data); everyone else uses A4.
const LETTER_REGIONS: &[&str] = &[
    "US", "CA", "MX", "PH", "CL", "CO", "VE", "CR", "GT", "NI", "PA", "PR", "SV", "BZ", "DO",
];

/// The usual paper for a locale such as `en-US`, `fr_CA.UTF-8` or `es-419`: US Letter in the
/// Americas that use it and the Philippines, A4 elsewhere (and when the locale names no region).
pub fn paper_for_locale(locale: &str) -> Paper {
    let tag = locale.split(['.', '@']).next().unwrap_or("");
    let region = tag
        .split(['-', '_'])
        .skip(1)
        .find(|part| part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()));
    match region {
        Some(region)
            if LETTER_REGIONS
                .iter()
                .any(|r| r.eq_ignore_ascii_case(region)) =>
        {
            Paper::Letter
        }
        _ => Paper::A4,
    }
}

/// Which Grid environment the details come from; sandbox and demo sheets are watermarked so that
/// nobody sends real money to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SheetEnvironment {
    /// Grid's sandbox: watermark "SANDBOX".
    Sandbox,
    /// Real accounts: no watermark.
    #[default]
    Production,
    /// The offline demo data: watermark "DEMO – NOT REAL".
    Demo,
}

impl SheetEnvironment {
    pub fn watermark(self) -> Option<&'static str> {
        match self {
            SheetEnvironment::Sandbox => Some("SANDBOX"),
            SheetEnvironment::Production => None,
            SheetEnvironment::Demo => Some("DEMO \u{2013} NOT REAL"),
        }
    }

    pub fn footer_label(self) -> &'static str {
        match self {
            SheetEnvironment::Sandbox => "SANDBOX \u{2013} test environment",
            SheetEnvironment::Production => "Production",
            SheetEnvironment::Demo => "DEMO \u{2013} not real account details",
        }
    }

    pub fn banner(self) -> Option<(&'static str, &'static str)> {
        match self {
            SheetEnvironment::Sandbox => Some((
                "SANDBOX",
                "Test environment: these details only accept simulated funds. Do not send real money.",
            )),
            SheetEnvironment::Production => None,
            SheetEnvironment::Demo => Some((
                "DEMO",
                "Example data, not real account details. Do not send money to them.",
            )),
        }
    }
}

/// How the sheets are printed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SheetOptions {
    /// Let the user choose; default it with [`paper_for_locale`].
    pub paper: Paper,
    /// Where the accounts come from: sandbox and demo sheets are watermarked.
    pub environment: SheetEnvironment,
    /// Balances are left off unless asked for: the sheet is meant for payers.
    pub include_balances: bool,
    /// When the sheet was generated, already formatted for people ("5 Jan 2026, 14:03 UTC");
    /// passed in so that output is deterministic.
    pub generated_at: String,
    /// The platform's name, printed at the top of every page and beside platform accounts.
    pub platform_name: Option<String>,
}

/// Why no PDF could be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdfError {
    /// The list of accounts was empty.
    NoAccounts,
}

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PdfError::NoAccounts => f.write_str("Choose at least one account to print."),
        }
    }
}

impl std::error::Error for PdfError {}

/// True when some text of the account's sheet would print with letters changed or lost.
fn account_loses_letters(account: &AccountView) -> bool {
    let mut texts = vec![account.currency_name.as_deref().unwrap_or_default()];
    for instruction in &account.instructions {
        texts.push(&instruction.title);
        texts.extend(instruction.notes.as_deref());
        for field in &instruction.fields {
            texts.push(&field.label);
            texts.push(&field.value);
        }
        for target in &instruction.qr_targets {
            texts.push(&target.value);
        }
    }
    texts.into_iter().any(loses_letters)
}

/// Renders one sheet per account (more pages when an account needs them) as the bytes of a PDF
/// file, ready to write to disk. Fails only for an empty list.
pub fn render_pdf(accounts: &[AccountView], options: &SheetOptions) -> Result<Vec<u8>, PdfError> {
    if accounts.is_empty() {
        return Err(PdfError::NoAccounts);
    }
    let sheet = Sheet::new(options);
    let mut pages: Vec<PageDraft> = Vec::new();
    let mut bookmarks: Vec<(String, usize)> = Vec::with_capacity(accounts.len());
    for account in accounts {
        bookmarks.push((bookmark_title(account), pages.len()));
        sheet.flow_account(account, &mut pages);
    }
    let total = pages.len();
    for (index, page) in pages.iter_mut().enumerate() {
        sheet.watermark(page);
        sheet.footer(page, index + 1, total);
        page.content.restore_state();
    }
    Ok(write_document(pages, &bookmarks, options.paper))
}

// ---------------------------------------------------------------------------------------------
// Units, colours, type

/// Hundredths of a point (1/7200 in).
type Cpt = i32;

const MARGIN_X: Cpt = 5_400;
const MARGIN_TOP: Cpt = 4_000;
/// Lowest point body content may reach; the footer lives below.
const BODY_BOTTOM: Cpt = 6_000;
const FOOTER_RULE: Cpt = 4_900;
const FOOTER_BASELINE: Cpt = 3_500;
/// Indent of an instruction's body, past its number badge.
const INDENT: Cpt = 2_800;
/// Label column of the field tables.
const LABEL_COLUMN: Cpt = 12_600;
/// Smallest QR symbol (24.7 mm, quiet zone not included) and module (0.5 mm) on paper: long
/// invoices get larger codes so that each module stays easy to scan from a printed sheet.
const QR_MIN_SIDE: Cpt = 7_000;
const QR_MIN_MODULE: Cpt = 142;
/// Table rows of up to this many lines stay whole on a page; longer ones may break between lines.
const MAX_LINES_PER_ITEM: usize = 12;
/// Field cells: a small label above the value.
const FIELD_LABEL_SIZE: Cpt = 740;
const FIELD_LABEL_LINE: Cpt = 1_000;
const FIELD_VALUE_SIZE: Cpt = 950;
const FIELD_VALUE_LINE: Cpt = 1_300;
const FIELD_PAD: Cpt = 350;
/// Space between the two columns of short fields.
const FIELD_GUTTER: Cpt = 1_600;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Rgb(f32, f32, f32);

const INK: Rgb = Rgb(0.10, 0.12, 0.16);
const MUTED: Rgb = Rgb(0.38, 0.42, 0.48);
const HAIRLINE: Rgb = Rgb(0.83, 0.85, 0.88);
const PANEL: Rgb = Rgb(0.96, 0.97, 0.98);
const ACCENT: Rgb = Rgb(0.09, 0.29, 0.60);
const WHITE: Rgb = Rgb(1.0, 1.0, 1.0);
const BLACK: Rgb = Rgb(0.0, 0.0, 0.0);
const REFERENCE_TINT: Rgb = Rgb(1.0, 0.96, 0.86);
const REFERENCE_BAR: Rgb = Rgb(0.80, 0.52, 0.02);
const REFERENCE_INK: Rgb = Rgb(0.45, 0.29, 0.0);
const WARNING_TINT: Rgb = Rgb(0.99, 0.92, 0.92);
const WARNING_INK: Rgb = Rgb(0.70, 0.11, 0.11);
const SANDBOX_MARK: Rgb = Rgb(0.98, 0.87, 0.87);
const DEMO_MARK: Rgb = Rgb(0.89, 0.90, 0.93);

/// cos 45° = sin 45°, for the diagonal watermark.
const DIAGONAL: f32 = 0.707_106_77;
const NEG_DIAGONAL: f32 = -0.707_106_77;

/// Two QR cards share a row with this space between them.
const CARD_GUTTER: Cpt = 1_800;
/// Values longer than this (invoices of ~600 characters and more) get the whole width.
const CARD_MAX_VALUE: usize = 600;

/// A QR card laid out for half the width (beside another) and for the whole width (alone).
#[derive(Debug, Clone)]
struct Card {
    half: CardLayout,
    whole: CardLayout,
}

/// A laid-out card: ops relative to its top-left corner.
#[derive(Debug, Clone)]
struct CardLayout {
    height: Cpt,
    ops: Vec<Op>,
}

/// Text width in hundredths of a point, rounded up.
fn text_width(font: Font, size: Cpt, spacing: Cpt, text: &[u8]) -> Cpt {
    let size = u64::try_from(size).unwrap_or(0);
    let em = font.em_width(text);
    let glyphs = (em * size).div_ceil(1000);
    let spacing = u64::try_from(spacing).unwrap_or(0) * text.len() as u64;
    Cpt::try_from(glyphs + spacing).unwrap_or(Cpt::MAX)
}

/// Wraps WinAnsi text to `max` wide lines: at spaces where possible, and anywhere inside a word
/// too long for a line, so every character is kept. `\n` breaks. Monospaced text is a code
/// (address, IBAN, PIX payload): it is broken by width alone and keeps every space, so what is
/// printed is exactly the value.
fn wrap(font: Font, size: Cpt, text: &[u8], max: Cpt) -> Vec<Vec<u8>> {
    wrap_spaced(font, size, 0, text, max)
}

/// [`wrap`] for text drawn with extra `spacing` after each character.
fn wrap_spaced(font: Font, size: Cpt, spacing: Cpt, text: &[u8], max: Cpt) -> Vec<Vec<u8>> {
    if matches!(font, Font::Mono | Font::MonoBold) {
        let per_line = usize::try_from(max / text_width(font, size, spacing, b"0").max(1))
            .unwrap_or(1)
            .max(1);
        let mut lines = Vec::new();
        for paragraph in text.split(|b| *b == b'\n') {
            if paragraph.is_empty() {
                lines.push(Vec::new());
            }
            lines.extend(paragraph.chunks(per_line).map(<[u8]>::to_vec));
        }
        return lines;
    }
    let mut lines = Vec::new();
    for paragraph in text.split(|b| *b == b'\n') {
        let mut line: Vec<u8> = Vec::new();
        let mut line_width: Cpt = 0;
        let space = text_width(font, size, spacing, b" ");
        for word in paragraph.split(|b| *b == b' ').filter(|w| !w.is_empty()) {
            let word_width = text_width(font, size, spacing, word);
            if !line.is_empty() && line_width + space + word_width <= max {
                line.push(b' ');
                line.extend_from_slice(word);
                line_width += space + word_width;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_width = 0;
            }
            if word_width <= max {
                line.extend_from_slice(word);
                line_width = word_width;
                continue;
            }
            // A word wider than the line: break it by character width.
            for byte in word {
                let w = text_width(font, size, spacing, std::slice::from_ref(byte));
                if !line.is_empty() && line_width + w > max {
                    lines.push(std::mem::take(&mut line));
                    line_width = 0;
                }
                line.push(*byte);
                line_width += w;
            }
        }
        lines.push(line);
    }
    lines
}

/// Line height for a font size: 1.4 × size, rounded.
fn leading(size: Cpt) -> Cpt {
    size * 14 / 10
}

/// Baseline offset that centres capitals of `size` in a line of height `line`.
fn baseline_in(line: Cpt, size: Cpt) -> Cpt {
    line / 2 + size * 36 / 100
}

// ---------------------------------------------------------------------------------------------
// Items: laid-out blocks with a known height, placed top-down by the page flow

/// One drawing operation; `y` values are offsets down from the top of the item.
#[derive(Debug, Clone)]
enum Op {
    Text {
        x: Cpt,
        baseline: Cpt,
        font: Font,
        size: Cpt,
        spacing: Cpt,
        color: Rgb,
        text: Vec<u8>,
    },
    Fill {
        x: Cpt,
        y: Cpt,
        w: Cpt,
        h: Cpt,
        color: Rgb,
    },
    Frame {
        x: Cpt,
        y: Cpt,
        w: Cpt,
        h: Cpt,
        weight: Cpt,
        color: Rgb,
    },
    Disc {
        cx: Cpt,
        cy: Cpt,
        r: Cpt,
        color: Rgb,
    },
    Qr {
        x: Cpt,
        y: Cpt,
        module: Cpt,
        width: usize,
        dark: Vec<bool>,
        /// The white square around the code (x, y, side), kept free of the watermark.
        frame: (Cpt, Cpt, Cpt),
    },
}

impl Op {
    /// The same op `dx` further right.
    fn shifted(self, dx: Cpt) -> Op {
        match self {
            Op::Text {
                x,
                baseline,
                font,
                size,
                spacing,
                color,
                text,
            } => Op::Text {
                x: x + dx,
                baseline,
                font,
                size,
                spacing,
                color,
                text,
            },
            Op::Fill { x, y, w, h, color } => Op::Fill {
                x: x + dx,
                y,
                w,
                h,
                color,
            },
            Op::Frame {
                x,
                y,
                w,
                h,
                weight,
                color,
            } => Op::Frame {
                x: x + dx,
                y,
                w,
                h,
                weight,
                color,
            },
            Op::Disc { cx, cy, r, color } => Op::Disc {
                cx: cx + dx,
                cy,
                r,
                color,
            },
            Op::Qr {
                x,
                y,
                module,
                width,
                dark,
                frame: (fx, fy, side),
            } => Op::Qr {
                x: x + dx,
                y,
                module,
                width,
                dark,
                frame: (fx + dx, fy, side),
            },
        }
    }
}

/// A page being drawn.
struct PageDraft {
    content: Content,
    /// QR frames in page coordinates (x, bottom, side).
    qr_frames: Vec<(Cpt, Cpt, Cpt)>,
}

#[derive(Debug, Clone, Default)]
struct Item {
    height: Cpt,
    /// Space above, dropped at the top of a page.
    gap_before: Cpt,
    /// Move to the next page together with the following item when both fit on one.
    keep_with_next: bool,
    ops: Vec<Op>,
}

impl Item {
    fn new(height: Cpt) -> Self {
        Self {
            height,
            ..Self::default()
        }
    }

    fn gap(mut self, gap: Cpt) -> Self {
        self.gap_before = gap;
        self
    }

    fn keep(mut self) -> Self {
        self.keep_with_next = true;
        self
    }

    fn text(
        &mut self,
        x: Cpt,
        baseline: Cpt,
        font: Font,
        size: Cpt,
        color: Rgb,
        text: Vec<u8>,
    ) -> &mut Self {
        self.ops.push(Op::Text {
            x,
            baseline,
            font,
            size,
            spacing: 0,
            color,
            text,
        });
        self
    }

    fn fill(&mut self, x: Cpt, y: Cpt, w: Cpt, h: Cpt, color: Rgb) -> &mut Self {
        self.ops.push(Op::Fill { x, y, w, h, color });
        self
    }
}

// ---------------------------------------------------------------------------------------------
// The sheet: building items for an account and flowing them onto pages

#[derive(Debug)]
struct Sheet<'a> {
    options: &'a SheetOptions,
    page_width: Cpt,
    page_height: Cpt,
    /// Width between the side margins.
    width: Cpt,
}

impl<'a> Sheet<'a> {
    fn new(options: &'a SheetOptions) -> Self {
        let (page_width, page_height) = options.paper.size();
        Self {
            options,
            page_width,
            page_height,
            width: page_width - 2 * MARGIN_X,
        }
    }

    /// Lays out one account and places it on new pages.
    fn flow_account(&self, account: &AccountView, pages: &mut Vec<PageDraft>) {
        let items = self.account_items(account);
        let mut y = self.start_page(pages, None);
        let mut fresh = true;
        let mut i = 0;
        while let Some(item) = items.get(i) {
            let chain_start = i == 0 || items.get(i - 1).is_some_and(|p| !p.keep_with_next);
            let need = if chain_start {
                chain_height(&items[i..])
            } else {
                item.height
            };
            let gap = if fresh { 0 } else { item.gap_before };
            if y - gap - need < BODY_BOTTOM && !fresh {
                y = self.start_page(pages, Some(account));
                fresh = true;
                continue;
            }
            if let Some(page) = pages.last_mut() {
                paint(page, &item.ops, MARGIN_X, y - gap);
            }
            y -= gap + item.height;
            fresh = false;
            i += 1;
        }
    }

    /// Starts a page and returns the top of its body. `continued` repeats the account header
    /// on the following pages of an account.
    fn start_page(&self, pages: &mut Vec<PageDraft>, continued: Option<&AccountView>) -> Cpt {
        let mut page = PageDraft {
            content: Content::new(),
            qr_frames: Vec::new(),
        };
        page.content.save_state();
        page.content.transform([0.01, 0.0, 0.0, 0.01, 0.0, 0.0]);
        let mut y = self.page_height - MARGIN_TOP;
        if let Some(account) = continued {
            for item in self.continued_header(account) {
                paint(&mut page, &item.ops, MARGIN_X, y - item.gap_before);
                y -= item.gap_before + item.height;
            }
        }
        pages.push(page);
        y
    }

    /// The diagonal SANDBOX/DEMO mark, over everything in multiply mode (it tints panels and
    /// leaves text black) but never over a QR code, where a tint could cost a scan.
    fn watermark(&self, draft: &mut PageDraft) {
        let Some(mark) = self.options.environment.watermark() else {
            return;
        };
        let page = &mut draft.content;
        let text = encode(mark);
        let em = Cpt::try_from(Font::Bold.em_width(&text))
            .unwrap_or(Cpt::MAX)
            .max(1);
        // Along the diagonal, at most ~1.27 × the body width so the mark stays inside the
        // margins once turned 45°.
        let size = (self.width * 1_270 / em).min(12_000);
        let length = text_width(Font::Bold, size, 0, &text);
        let cap = size * 72 / 100;
        // Start so that the centre of the capitals lands on the page centre.
        let (cx, cy) = (self.page_width / 2, self.page_height / 2);
        let x = cx - (length / 2) * 7_071 / 10_000 + (cap / 2) * 7_071 / 10_000;
        let y = cy - (length / 2) * 7_071 / 10_000 - (cap / 2) * 7_071 / 10_000;
        let color = match self.options.environment {
            SheetEnvironment::Demo => DEMO_MARK,
            _ => SANDBOX_MARK,
        };
        page.begin_marked_content(Name(b"Artifact"));
        page.save_state();
        page.rect(0.0, 0.0, self.page_width as f32, self.page_height as f32);
        for (x, y, side) in &draft.qr_frames {
            page.rect(*x as f32, *y as f32, *side as f32, *side as f32);
        }
        page.clip_even_odd();
        page.end_path();
        page.set_parameters(Name(MULTIPLY));
        page.set_fill_rgb(color.0, color.1, color.2);
        page.begin_text();
        page.set_font(font_name(Font::Bold), size as f32);
        page.set_text_matrix([
            DIAGONAL,
            DIAGONAL,
            NEG_DIAGONAL,
            DIAGONAL,
            x as f32,
            y as f32,
        ]);
        page.show(Str(&text));
        // A trailing space ends the diagonal "word" for text extractors (poppler would
        // otherwise treat the next word on the page as part of the watermark).
        page.show(Str(b" "));
        page.end_text();
        page.restore_state();
        page.end_marked_content();
    }

    fn footer(&self, page: &mut PageDraft, number: usize, total: usize) {
        let mut item = Item::new(0);
        item.fill(0, 0, self.width, 50, HAIRLINE);
        let size = 780;
        let baseline = FOOTER_RULE - FOOTER_BASELINE;
        let env = self.options.environment;
        let label = encode(env.footer_label());
        let (font, color) = match env {
            SheetEnvironment::Production => (Font::Regular, MUTED),
            _ => (Font::Bold, WARNING_INK),
        };
        let page_text = encode(&format!("Page {number} of {total}"));
        let page_width = text_width(Font::Regular, size, 0, &page_text);
        item.text(0, baseline, font, size, color, label.clone());
        item.text(
            self.width - page_width,
            baseline,
            Font::Regular,
            size,
            MUTED,
            page_text,
        );
        let generated = self.options.generated_at.trim();
        if !generated.is_empty() {
            let text = encode(&format!("Generated {generated}"));
            let w = text_width(Font::Regular, size, 0, &text);
            let left_end = text_width(font, size, 0, &label);
            // Centred between the label and the page number; on a line of its own below them
            // when it does not fit there.
            let x = ((self.width - w) / 2).max(left_end + 1_600);
            if x + w + 1_600 <= self.width - page_width {
                item.text(x, baseline, Font::Regular, size, MUTED, text);
            } else {
                for (i, line) in wrap(Font::Regular, size, &text, self.width)
                    .into_iter()
                    .enumerate()
                {
                    let offset = leading(size) * Cpt::try_from(i + 1).unwrap_or(1);
                    item.text(0, baseline + offset, Font::Regular, size, MUTED, line);
                }
            }
        }
        paint(page, &item.ops, MARGIN_X, FOOTER_RULE);
    }

    // -- the account header -------------------------------------------------------------------

    /// The small line above the title: the platform's name, else the account's currency.
    fn kicker(&self, account: &AccountView) -> Vec<Item> {
        let text = match (self.platform_name(), &account.currency_code) {
            (Some(name), _) => name.to_uppercase(),
            (None, Some(code)) => format!("{code} ACCOUNT"),
            (None, None) => "ACCOUNT".to_owned(),
        };
        let (size, spacing, line) = (740, 90, 1_100);
        let lines = wrap_spaced(Font::Bold, size, spacing, &encode(&text), self.width);
        let count = lines.len();
        lines
            .into_iter()
            .enumerate()
            .map(|(i, text)| {
                let mut item = Item::new(line + if i + 1 == count { 200 } else { 0 });
                item.ops.push(Op::Text {
                    x: 0,
                    baseline: baseline_in(line, size),
                    font: Font::Bold,
                    size,
                    spacing,
                    color: ACCENT,
                    text,
                });
                item.keep_with_next = true;
                item
            })
            .collect()
    }

    fn platform_name(&self) -> Option<&str> {
        self.options
            .platform_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
    }

    fn account_items(&self, account: &AccountView) -> Vec<Item> {
        let mut items = self.kicker(account);

        let mut title = Item::new(2_300);
        title.text(
            0,
            1_750,
            Font::Bold,
            1_800,
            INK,
            encode("Deposit instructions"),
        );
        items.push(title);

        let code = account.currency_code.as_deref().unwrap_or("funds");
        let intro = match account.instructions.len() {
            0 => "Grid has not published funding instructions for this account yet.".to_owned(),
            1 => format!("Send {code} to this account using the details below."),
            _ => format!("Send {code} to this account using any one of the methods below."),
        };
        items.extend(self.paragraph(0, self.width, &intro, Font::Regular, 950, MUTED, 100));

        if let Some((tag, text)) = self.options.environment.banner() {
            items.push(self.banner(tag, text));
        }
        if account_loses_letters(account) {
            items.push(self.banner(
                "CHECK",
                "Some letters in these details cannot be printed in this PDF (they show as \"?\" or without accents). Copy the exact text from Grid Desk or the CSV export before paying.",
            ));
        }

        items.extend(self.account_facts(account));

        if account.instructions.is_empty() {
            return items;
        }
        let mut section = Item::new(1_500).gap(1_300);
        section.ops.push(Op::Text {
            x: 0,
            baseline: 800,
            font: Font::Bold,
            size: 750,
            spacing: 90,
            color: ACCENT,
            text: encode(if account.instructions.len() == 1 {
                "HOW TO PAY"
            } else {
                "WAYS TO PAY"
            }),
        });
        section.fill(0, 1_150, self.width, 60, ACCENT);
        items.push(section.keep());

        // Wallets, invoices and PIX codes whose every detail fits a QR card go two to a row;
        // bank details and anything long take the whole width.
        let mut cards: Vec<Card> = Vec::new();
        for (n, instruction) in account.instructions.iter().enumerate() {
            if let Some(mut more) = self.instruction_cards(n + 1, instruction) {
                cards.append(&mut more);
                continue;
            }
            items.extend(self.card_rows(std::mem::take(&mut cards)));
            items.extend(self.instruction_items(n + 1, instruction));
        }
        items.extend(self.card_rows(cards));
        items
    }

    /// The cards of an instruction that is all QR codes (plus notes), or `None` when it has
    /// other fields, a reference, or a value too long for a card.
    fn instruction_cards(&self, number: usize, view: &InstructionView) -> Option<Vec<Card>> {
        if view.qr_targets.is_empty() || view.reference.is_some() {
            return None;
        }
        let only_panel_fields = view.fields.iter().all(|field| {
            view.qr_targets.iter().any(|q| {
                q.key == field.key
                    || (field.key == "network" && q.network.as_deref() == Some(&field.value))
                    || (field.key == "assetType" && q.asset.as_deref() == Some(&field.value))
            })
        });
        if !only_panel_fields {
            return None;
        }
        let half = (self.width - CARD_GUTTER) / 2;
        let count = view.qr_targets.len();
        let mut cards = Vec::with_capacity(count);
        for (i, target) in view.qr_targets.iter().enumerate() {
            if target.value.len() > CARD_MAX_VALUE {
                return None;
            }
            let (width, dark) = qr_matrix(&target.value).ok()?;
            let notes = view.notes.as_deref().filter(|_| i + 1 == count);
            let card = |card_width| {
                self.card(number, view, target, notes, width, dark.clone(), card_width)
            };
            cards.push(Card {
                half: card(half)?,
                whole: card(self.width)?,
            });
        }
        Some(cards)
    }

    /// One QR card, `card_width` wide: the instruction's number and title over a rule, the code
    /// at the left and beside it what it is, the network and asset, the value (below the code
    /// when it is too long to sit beside it), how to use it and the notes.
    #[allow(clippy::too_many_arguments)]
    fn card(
        &self,
        number: usize,
        view: &InstructionView,
        target: &QrTarget,
        notes: Option<&str>,
        width: usize,
        dark: Vec<bool>,
        card_width: Cpt,
    ) -> Option<CardLayout> {
        let (side, module) = qr_size(width);
        let column_x = side + 1_000;
        let column_width = card_width - column_x;
        if column_width < 8_000 {
            return None;
        }
        // A hairline over the card; the number and title head the column beside the code.
        let mut ops = vec![Op::Fill {
            x: 0,
            y: 0,
            w: card_width,
            h: 40,
            color: HAIRLINE,
        }];
        let top = 700;
        let title_size = 1_050;
        let title_line = 1_500;
        let title_x = column_x + 1_600;
        let titles = wrap(
            Font::Bold,
            title_size,
            &encode(&view.title),
            card_width - title_x,
        );
        ops.push(Op::Disc {
            cx: column_x + 600,
            cy: top + title_line / 2 - 100,
            r: 600,
            color: ACCENT,
        });
        let digits = encode(&number.to_string());
        let w = text_width(Font::Bold, 700, 0, &digits);
        ops.push(Op::Text {
            x: column_x + 600 - w / 2,
            baseline: top + baseline_in(title_line, 700) - 100,
            font: Font::Bold,
            size: 700,
            spacing: 0,
            color: WHITE,
            text: digits,
        });
        let mut title_height = 0;
        for text in titles {
            ops.push(Op::Text {
                x: title_x,
                baseline: top + title_height + baseline_in(title_line, title_size) - 100,
                font: Font::Bold,
                size: title_size,
                spacing: 0,
                color: INK,
                text,
            });
            title_height += title_line;
        }

        // The value sits beside the code when it takes a few lines there, else below it.
        let value_size = 740;
        let value_line = 950;
        let beside_value = wrap(Font::Mono, value_size, &encode(&target.value), column_width);
        let mut lines = panel_lines(target, notes, true, column_width);
        lines.retain(|l| l.font != Font::Mono);
        let others: Cpt = title_height + lines.iter().map(|l| l.line).sum::<Cpt>();
        let value_height = value_line * Cpt::try_from(beside_value.len()).unwrap_or(Cpt::MAX);
        // Beside the code when it takes a few lines there or the column stays within the code's
        // height; else below the code, across the card.
        let value_beside = beside_value.len() <= 4 || others + value_height + 250 <= side;
        let value_lines: Vec<PanelLine> = wrap(
            Font::Mono,
            value_size,
            &encode(&target.value),
            if value_beside {
                column_width
            } else {
                card_width
            },
        )
        .into_iter()
        .enumerate()
        .map(|(i, text)| PanelLine {
            font: Font::Mono,
            size: value_size,
            line: value_line + if i == 0 { 250 } else { 0 },
            color: INK,
            spacing: 0,
            text,
        })
        .collect();
        // panel_lines puts the value after the label and headline in its own size: the card's
        // goes there instead, or below the code.
        let at = lines.iter().take_while(|l| l.font == Font::Bold).count();
        let below = if value_beside {
            lines.splice(at..at, value_lines);
            Vec::new()
        } else {
            value_lines
        };
        let mut beside_height = title_height;
        for line in &lines {
            ops.push(line.op(column_x, top + beside_height));
            beside_height += line.line;
        }
        let mut y = top + side.max(beside_height);
        for (i, line) in below.iter().enumerate() {
            let extra = if i == 0 { 200 } else { 0 };
            ops.push(line.op(0, y + extra));
            y += line.line + extra;
        }
        let mut item = Item::new(0);
        push_qr(&mut item, 0, top, side, module, width, dark);
        ops.extend(item.ops);
        Some(CardLayout { height: y, ops })
    }

    /// Cards two to a row, a card left alone at the end of a run across the whole width; each
    /// row one item that stays whole.
    fn card_rows(&self, cards: Vec<Card>) -> Vec<Item> {
        let card_width = (self.width - CARD_GUTTER) / 2;
        let mut rows = Vec::new();
        let mut cards = cards.into_iter();
        while let Some(left) = cards.next() {
            let Some(right) = cards.next() else {
                let mut item = Item::new(left.whole.height).gap(1_400);
                item.ops = left.whole.ops;
                rows.push(item);
                break;
            };
            let height = left.half.height.max(right.half.height);
            let mut item = Item::new(height).gap(1_400);
            item.ops.extend(left.half.ops);
            item.ops.extend(
                right
                    .half
                    .ops
                    .into_iter()
                    .map(|op| op.shifted(card_width + CARD_GUTTER)),
            );
            rows.push(item);
        }
        rows
    }

    /// Lines of plain text, one item per line, kept together.
    #[allow(clippy::too_many_arguments)]
    fn paragraph(
        &self,
        x: Cpt,
        width: Cpt,
        text: &str,
        font: Font,
        size: Cpt,
        color: Rgb,
        gap: Cpt,
    ) -> Vec<Item> {
        let line = leading(size);
        let lines = wrap(font, size, &encode(text), width);
        let count = lines.len();
        lines
            .into_iter()
            .enumerate()
            .map(|(i, text)| {
                let mut item = Item::new(line).gap(if i == 0 { gap } else { 0 });
                item.text(x, baseline_in(line, size), font, size, color, text);
                item.keep_with_next = i + 1 < count;
                item
            })
            .collect()
    }

    fn banner(&self, tag: &str, text: &str) -> Item {
        let size = 900;
        let tag = encode(tag);
        let tag_width = text_width(Font::Bold, size, 60, &tag);
        let text_x = 1_200 + tag_width + 1_000;
        let lines = wrap(
            Font::Regular,
            size,
            &encode(text),
            self.width - text_x - 1_000,
        );
        let line = leading(size);
        let pad = 420;
        let height = 2 * pad + line * Cpt::try_from(lines.len()).unwrap_or(1);
        let mut item = Item::new(height).gap(700);
        item.fill(0, 0, self.width, height, WARNING_TINT);
        item.fill(0, 0, 300, height, WARNING_INK);
        item.ops.push(Op::Text {
            x: 1_200,
            baseline: pad + baseline_in(line, size),
            font: Font::Bold,
            size,
            spacing: 60,
            color: WARNING_INK,
            text: tag,
        });
        for (i, text) in lines.into_iter().enumerate() {
            let offset = line * Cpt::try_from(i).unwrap_or(0);
            item.text(
                text_x,
                pad + offset + baseline_in(line, size),
                Font::Regular,
                size,
                WARNING_INK,
                text,
            );
        }
        item
    }

    /// Who the account belongs to, its id, currency and (when asked) balances, on a light panel.
    fn account_facts(&self, account: &AccountView) -> Vec<Item> {
        let mut rows: Vec<(&str, String, Font)> = Vec::new();
        if account.is_platform {
            let holder = match self.platform_name() {
                Some(name) => format!("Platform account \u{2013} {name}"),
                None => "Platform account".to_owned(),
            };
            rows.push(("Account holder", holder, Font::Regular));
        } else if let Some(customer) = &account.customer_id {
            rows.push(("Customer ID", customer.clone(), Font::Mono));
        }
        rows.push(("Account ID", account.id.clone(), Font::Mono));
        let currency = match (&account.currency_code, &account.currency_name) {
            (Some(code), Some(name)) if name != code => format!("{code} \u{2013} {name}"),
            (Some(code), _) => code.clone(),
            (None, Some(name)) => name.clone(),
            (None, None) => "Not stated".to_owned(),
        };
        rows.push(("Currency", currency, Font::Regular));
        rows.push((
            "Account",
            format!(
                "{} \u{b7} {}",
                humanize_code(&account.account_type),
                humanize_code(&account.status)
            ),
            Font::Regular,
        ));
        if self.options.include_balances {
            rows.push((
                "Available balance",
                money_text(&account.balance, account),
                Font::Bold,
            ));
            rows.push((
                "Total balance",
                format!(
                    "{} incl. pending and held",
                    money_text(&account.total_balance, account)
                ),
                Font::Regular,
            ));
        }

        let label_size = 800;
        let value_size = 950;
        let line = 1_300;
        let pad = 450;
        let label_width = LABEL_COLUMN - 1_800;
        let value_x = 1_200 + label_width + 600;
        let value_width = self.width - value_x - 1_200;
        // Short facts that belong together share a line: currency and account kind, the two
        // balances. (x of the label, x of the value, label lines, value lines, font) per cell.
        type Cell = (Cpt, Cpt, Vec<Vec<u8>>, Vec<Vec<u8>>, Font);
        let half = self.width / 2;
        let cell = |label: &str, value: &str, font: Font, right: bool| -> Option<Cell> {
            let (label_x, value_x, end) = if right {
                let label_x = half + 600;
                let w = text_width(Font::Regular, label_size, 0, &encode(label));
                (label_x, label_x + w + 900, self.width - 1_200)
            } else {
                (1_200, value_x, half - 600)
            };
            let values = wrap(font, value_size, &encode(value), end - value_x);
            (values.len() == 1).then(|| (label_x, value_x, vec![encode(label)], values, font))
        };
        let pairs_with_next = |label: &str| matches!(label, "Currency" | "Available balance");
        let mut grouped: Vec<Vec<Cell>> = Vec::new();
        let mut rows = rows.into_iter().peekable();
        while let Some((label, value, font)) = rows.next() {
            if pairs_with_next(label) {
                if let Some((next_label, next_value, next_font)) = rows.peek() {
                    let left = cell(label, &value, font, false);
                    let right = cell(next_label, next_value, *next_font, true);
                    if let (Some(left), Some(right)) = (left, right) {
                        grouped.push(vec![left, right]);
                        rows.next();
                        continue;
                    }
                }
            }
            grouped.push(vec![(
                1_200,
                value_x,
                wrap(Font::Regular, label_size, &encode(label), label_width),
                wrap(font, value_size, &encode(&value), value_width),
                font,
            )]);
        }
        let mut items = Vec::new();
        let row_count = grouped.len();
        for (r, cells) in grouped.into_iter().enumerate() {
            let count = cells
                .iter()
                .map(|(_, _, labels, values, _)| labels.len().max(values.len()))
                .max()
                .unwrap_or(1);
            for i in 0..count {
                let first = r == 0 && i == 0;
                let last = r + 1 == row_count && i + 1 == count;
                let top = if first { pad } else { 0 };
                let height = line + top + if last { pad } else { 0 };
                let mut item = Item::new(height).gap(if first { 800 } else { 0 });
                item.fill(0, 0, self.width, height, PANEL);
                for (label_x, value_x, labels, values, font) in &cells {
                    if let Some(text) = labels.get(i) {
                        item.text(
                            *label_x,
                            top + baseline_in(line, value_size),
                            Font::Regular,
                            label_size,
                            MUTED,
                            text.clone(),
                        );
                    }
                    if let Some(text) = values.get(i) {
                        item.text(
                            *value_x,
                            top + baseline_in(line, value_size),
                            *font,
                            value_size,
                            INK,
                            text.clone(),
                        );
                    }
                }
                item.keep_with_next = i + 1 < count;
                items.push(item);
            }
        }
        items
    }

    fn continued_header(&self, account: &AccountView) -> Vec<Item> {
        let mut items = self.kicker(account);
        let title = match account.currency_code.as_deref() {
            Some(code) => format!("Deposit instructions \u{b7} {code} (continued)"),
            None => "Deposit instructions (continued)".to_owned(),
        };
        items.extend(self.paragraph(0, self.width, &title, Font::Bold, 1_400, INK, 0));
        items.extend(self.paragraph(0, self.width, &account.id, Font::Mono, 850, MUTED, 0));
        let mut rule = Item::new(1_400);
        rule.fill(0, 500, self.width, 50, HAIRLINE);
        items.push(rule);
        items
    }

    // -- instructions -------------------------------------------------------------------------

    fn instruction_items(&self, number: usize, view: &InstructionView) -> Vec<Item> {
        let mut items = self.instruction_heading(number, view);
        let body = self.width - INDENT;

        let shown_in_panel = |field: &FieldView| {
            view.qr_targets.iter().any(|q| {
                q.key == field.key
                    || (field.key == "network" && q.network.as_deref() == Some(&field.value))
                    || (field.key == "assetType" && q.asset.as_deref() == Some(&field.value))
            })
        };
        let rows: Vec<(String, String, Font)> = view
            .fields
            .iter()
            .filter(|f| !shown_in_panel(f))
            .filter(|f| !(f.emphasis && view.reference.is_some()))
            .map(|f| {
                let font = if f.monospace {
                    Font::Mono
                } else {
                    Font::Regular
                };
                (f.label.clone(), f.value.clone(), font)
            })
            .collect();
        // With nothing else to list, the notes go beside the last QR code instead of a table.
        let notes_in_panel = rows.is_empty() && !view.qr_targets.is_empty();
        let count = view.qr_targets.len();
        for (i, target) in view.qr_targets.iter().enumerate() {
            let notes = view
                .notes
                .as_deref()
                .filter(|_| notes_in_panel && i + 1 == count);
            items.extend(self.qr_panel(target, notes));
        }
        let mut rows = rows;
        if let Some(notes) = view.notes.as_ref().filter(|_| !notes_in_panel) {
            rows.push(("Notes".to_owned(), notes.clone(), Font::Regular));
        }
        items.extend(self.field_table(&rows, body, !view.qr_targets.is_empty()));

        if let Some(reference) = &view.reference {
            items.extend(self.reference_callout(reference, body));
        }
        if let Some(last) = items.last_mut() {
            last.keep_with_next = false;
        }
        items
    }

    fn instruction_heading(&self, number: usize, view: &InstructionView) -> Vec<Item> {
        let size = 1_150;
        let line = 1_700;
        let code = encode(&view.account_type);
        let code_size = 720;
        let code_width = text_width(Font::Mono, code_size, 0, &code);
        let title = encode(&view.title);
        let title_room = self.width - INDENT;
        let code_beside = code_width <= title_room / 3
            && text_width(Font::Bold, size, 0, &title) + 2_000 + code_width <= title_room;
        let title_width = if code_beside {
            title_room - code_width - 2_000
        } else {
            title_room
        };
        let lines = wrap(Font::Bold, size, &title, title_width);
        let mut items = Vec::new();
        for (i, text) in lines.into_iter().enumerate() {
            let mut item = Item::new(line).keep();
            if i == 0 {
                item.gap_before = 1_400;
                item.ops.push(Op::Disc {
                    cx: 750,
                    cy: line / 2,
                    r: 750,
                    color: ACCENT,
                });
                let digits = encode(&number.to_string());
                let w = text_width(Font::Bold, 800, 0, &digits);
                item.text(
                    750 - w / 2,
                    baseline_in(line, 800),
                    Font::Bold,
                    800,
                    WHITE,
                    digits,
                );
                if code_beside {
                    item.text(
                        self.width - code_width,
                        baseline_in(line, size),
                        Font::Mono,
                        code_size,
                        MUTED,
                        code.clone(),
                    );
                }
            }
            item.text(INDENT, baseline_in(line, size), Font::Bold, size, INK, text);
            items.push(item);
        }
        if !code_beside {
            let code_items = self.paragraph(
                INDENT,
                title_room,
                &view.account_type,
                Font::Mono,
                code_size,
                MUTED,
                0,
            );
            items.extend(code_items.into_iter().map(Item::keep));
        }
        // A rule under the heading.
        let mut rule = Item::new(400).keep();
        rule.fill(INDENT, 250, self.width - INDENT, 50, HAIRLINE);
        items.push(rule);
        items
    }

    /// The fields as cells, a small label above each value. Values short enough for half the
    /// width sit two to a row (in their order); longer ones take the whole width, one item per
    /// line so that very long values may break across pages. Hairlines between rows.
    fn field_table(
        &self,
        rows: &[(String, String, Font)],
        body: Cpt,
        rule_on_top: bool,
    ) -> Vec<Item> {
        let half = (body - FIELD_GUTTER) / 2;
        let fits_half = |label: &str, value: &str, font: Font| {
            wrap(font, FIELD_VALUE_SIZE, &encode(value), half).len() == 1
                && wrap(Font::Regular, FIELD_LABEL_SIZE, &encode(label), half).len() == 1
        };
        let (short, long): (Vec<_>, Vec<_>) = rows
            .iter()
            .partition(|(label, value, font)| fits_half(label, value, *font));
        let mut items = Vec::new();
        // Whether each item ends a row (and gets a hairline under it).
        let mut ends = Vec::new();
        for pair in short.chunks(2) {
            let mut item = Item::new(FIELD_PAD + FIELD_LABEL_LINE + FIELD_VALUE_LINE + FIELD_PAD);
            for (column, (label, value, font)) in pair.iter().enumerate() {
                let x = INDENT + Cpt::try_from(column).unwrap_or(0) * (half + FIELD_GUTTER);
                self.field_cell(&mut item, x, label, encode(value), *font);
            }
            items.push(item);
            ends.push(true);
        }
        for (label, value, font) in long {
            let lines = wrap(*font, FIELD_VALUE_SIZE, &encode(value), body);
            let labels = wrap(Font::Regular, FIELD_LABEL_SIZE, &encode(label), body);
            let count = lines.len();
            let mut first = Item::new(
                FIELD_PAD
                    + FIELD_LABEL_LINE * Cpt::try_from(labels.len()).unwrap_or(1)
                    + FIELD_VALUE_LINE,
            );
            for (i, text) in labels.into_iter().enumerate() {
                first.text(
                    INDENT,
                    FIELD_PAD + FIELD_LABEL_LINE * Cpt::try_from(i).unwrap_or(0) + FIELD_LABEL_SIZE,
                    Font::Regular,
                    FIELD_LABEL_SIZE,
                    MUTED,
                    text,
                );
            }
            let mut line_items = vec![first];
            for (i, text) in lines.into_iter().enumerate() {
                if i > 0 {
                    line_items.push(Item::new(FIELD_VALUE_LINE));
                }
                if let Some(item) = line_items.last_mut() {
                    let top = item.height - FIELD_VALUE_LINE;
                    item.text(
                        INDENT,
                        top + baseline_in(FIELD_VALUE_LINE, FIELD_VALUE_SIZE),
                        *font,
                        FIELD_VALUE_SIZE,
                        INK,
                        text,
                    );
                }
            }
            if let Some(last) = line_items.last_mut() {
                last.height += FIELD_PAD;
            }
            let n = line_items.len();
            for (i, mut item) in line_items.into_iter().enumerate() {
                // Keep short fields whole; very long values may break between lines.
                item.keep_with_next = i + 1 < n && count <= MAX_LINES_PER_ITEM;
                items.push(item);
                ends.push(i + 1 == n);
            }
        }
        let n = items.len();
        // Hairlines between rows (a long value's continuation lines are part of its row).
        for (i, item) in items.iter_mut().enumerate() {
            if i + 1 < n && ends.get(i).copied().unwrap_or(false) {
                let y = item.height - 40;
                item.fill(INDENT, y, body, 40, HAIRLINE);
            }
        }
        if let Some(first) = items.first_mut() {
            if rule_on_top {
                first.gap_before = 600;
                first.fill(INDENT, 0, body, 40, HAIRLINE);
            }
        }
        items
    }

    /// One label-above-value cell at `x`, on a row that starts at the top of `item`.
    fn field_cell(&self, item: &mut Item, x: Cpt, label: &str, value: Vec<u8>, font: Font) {
        item.text(
            x,
            FIELD_PAD + FIELD_LABEL_SIZE,
            Font::Regular,
            FIELD_LABEL_SIZE,
            MUTED,
            encode(label),
        );
        item.text(
            x,
            FIELD_PAD + FIELD_LABEL_LINE + baseline_in(FIELD_VALUE_LINE, FIELD_VALUE_SIZE),
            font,
            FIELD_VALUE_SIZE,
            INK,
            value,
        );
    }

    /// The reference code, boxed and large with its label beside it, and below it the note to
    /// include it.
    fn reference_callout(&self, reference: &str, body: Cpt) -> Vec<Item> {
        let inner_x = INDENT + 1_200;
        let inner_width = body - 2_400;
        let label = encode("REFERENCE");
        let (label_size, label_spacing) = (720, 80);
        let value_x = inner_x + text_width(Font::Bold, label_size, label_spacing, &label) + 1_200;
        let (value_size, value_line) = (1_300, 1_750);
        let note_size = 850;
        let note_line = leading(note_size);
        let pad = 450;
        let values = wrap(
            Font::MonoBold,
            value_size,
            &encode(reference),
            inner_x + inner_width - value_x,
        );
        let note = "Include this reference with your payment, or the funds may not be credited.";
        let notes = wrap(Font::Bold, note_size, &encode(note), inner_width);
        // (x, line); the label shares the first value line.
        let row = |font, size, line, color, text| PanelLine {
            font,
            size,
            line,
            color,
            spacing: 0,
            text,
        };
        let mut rows: Vec<(Cpt, PanelLine)> = Vec::new();
        for text in values {
            rows.push((
                value_x,
                row(Font::MonoBold, value_size, value_line, INK, text),
            ));
        }
        for text in notes {
            rows.push((
                inner_x,
                row(Font::Bold, note_size, note_line, REFERENCE_INK, text),
            ));
        }
        let count = rows.len();
        rows.into_iter()
            .enumerate()
            .map(|(i, (x, row))| {
                let PanelLine {
                    font,
                    size,
                    line,
                    color,
                    spacing,
                    text,
                } = row;
                let top = if i == 0 { pad } else { 0 };
                let bottom = if i + 1 == count { pad } else { 0 };
                let height = top + line + bottom;
                let mut item = Item::new(height).gap(if i == 0 { 600 } else { 0 });
                item.fill(INDENT, 0, body, height, REFERENCE_TINT);
                item.fill(INDENT, 0, 300, height, REFERENCE_BAR);
                if i == 0 {
                    item.ops.push(Op::Text {
                        x: inner_x,
                        baseline: top + baseline_in(line, size),
                        font: Font::Bold,
                        size: label_size,
                        spacing: label_spacing,
                        color: REFERENCE_INK,
                        text: label.clone(),
                    });
                }
                item.ops.push(Op::Text {
                    x,
                    baseline: top + baseline_in(line, size),
                    font,
                    size,
                    spacing,
                    color,
                    text,
                });
                item.keep_with_next = i + 1 < count;
                item
            })
            .collect()
    }

    /// A QR code with, beside it, what it is, the network and asset, the exact value as text, a
    /// line on how to use it and the instruction's `notes`. Text that runs past the code
    /// continues below in the same column.
    fn qr_panel(&self, target: &QrTarget, notes: Option<&str>) -> Vec<Item> {
        let qr = qr_matrix(&target.value).ok();
        let (side, module) = match &qr {
            Some((width, _)) => qr_size(*width),
            None => (0, 0),
        };
        // Text goes beside the code, or below it when the code takes over half the width (values
        // of a thousand characters and more).
        let beside_code = qr.is_some() && side <= (self.width - INDENT) / 2;
        let column_x = if beside_code {
            INDENT + side + 1_400
        } else {
            INDENT
        };
        let column_width = self.width - column_x;
        let lines = panel_lines(target, notes, qr.is_some(), column_width);

        // Put beside the code as many lines as fit its height (all of them if the column is not
        // much taller), the rest below as their own items so that they can break across pages.
        let total: Cpt = lines.iter().map(|l| l.line).sum();
        let mut beside = if beside_code { lines.len() } else { 0 };
        if beside_code && total > side + 20_000 {
            let mut used = 0;
            beside = 0;
            for l in &lines {
                if used + l.line > side && beside >= 3 {
                    break;
                }
                used += l.line;
                beside += 1;
            }
        }
        let beside_height: Cpt = lines.iter().take(beside).map(|l| l.line).sum();
        let mut panel = Item::new(side.max(beside_height)).gap(700);
        if let Some((width, dark)) = qr {
            push_qr(&mut panel, INDENT, 0, side, module, width, dark);
        }
        let mut y = 0;
        let mut rest = Vec::new();
        for (i, line) in lines.into_iter().enumerate() {
            if i < beside {
                panel.ops.push(line.op(column_x, y));
                y += line.line;
            } else {
                let first = rest.is_empty();
                let mut item = Item::new(line.line).gap(if first && side > 0 { 500 } else { 0 });
                item.ops.push(line.op(column_x, 0));
                // The label and headline stay with what they describe.
                item.keep_with_next = i < 2;
                rest.push(item);
            }
        }
        panel.keep_with_next = !rest.is_empty();
        let mut items = vec![panel];
        items.extend(rest);
        items
    }
}

/// The side of a QR code of `width` modules on paper, quiet zone included, and its module.
fn qr_size(width: usize) -> (Cpt, Cpt) {
    let symbol = Cpt::try_from(width).unwrap_or(Cpt::MAX).max(1);
    let module = ((QR_MIN_SIDE + symbol - 1) / symbol).max(QR_MIN_MODULE);
    let quiet = Cpt::try_from(2 * QUIET_ZONE).unwrap_or(8);
    (module * (symbol + quiet), module)
}

/// Draws a QR code (quiet zone included) as a white, hairline-framed square at (`x`, `y`).
fn push_qr(item: &mut Item, x: Cpt, y: Cpt, side: Cpt, module: Cpt, width: usize, dark: Vec<bool>) {
    item.fill(x, y, side, side, WHITE);
    item.ops.push(Op::Frame {
        x,
        y,
        w: side,
        h: side,
        weight: 50,
        color: HAIRLINE,
    });
    let inset = module * Cpt::try_from(QUIET_ZONE).unwrap_or(4);
    item.ops.push(Op::Qr {
        x: x + inset,
        y: y + inset,
        module,
        width,
        dark,
        frame: (x, y, side),
    });
}

/// One line of text in a QR panel.
#[derive(Debug, Clone)]
struct PanelLine {
    font: Font,
    size: Cpt,
    /// Height of the line; extra space sits above the text.
    line: Cpt,
    color: Rgb,
    spacing: Cpt,
    text: Vec<u8>,
}

impl PanelLine {
    fn op(&self, x: Cpt, top: Cpt) -> Op {
        Op::Text {
            x,
            baseline: top + self.line - self.size * 40 / 100,
            font: self.font,
            size: self.size,
            spacing: self.spacing,
            color: self.color,
            text: self.text.clone(),
        }
    }
}

/// The text beside a QR code, wrapped to `width`: label, network and asset, the exact value,
/// how to use it and the instruction's notes.
fn panel_lines(
    target: &QrTarget,
    notes: Option<&str>,
    has_code: bool,
    width: Cpt,
) -> Vec<PanelLine> {
    let mut lines = Vec::new();
    let mut push = |font, size, line, first_extra, color, spacing, text: &str| {
        let wrapped = if spacing > 0 {
            wrap_spaced(font, size, spacing, &encode(text), width)
        } else {
            wrap(font, size, &encode(text), width)
        };
        for (i, text) in wrapped.into_iter().enumerate() {
            lines.push(PanelLine {
                font,
                size,
                line: line + if i == 0 { first_extra } else { 0 },
                color,
                spacing,
                text,
            });
        }
    };
    push(
        Font::Bold,
        680,
        1_000,
        0,
        MUTED,
        70,
        &target.label.to_uppercase(),
    );
    let headline = match (&target.network, &target.asset) {
        (Some(network), Some(asset)) => format!("{asset} on {network}"),
        (Some(network), None) => format!("{network} network"),
        (None, Some(asset)) => format!("{asset} \u{b7} network not stated"),
        (None, None) => String::new(),
    };
    if !headline.is_empty() {
        push(Font::Bold, 1_100, 1_450, 0, INK, 0, &headline);
    }
    let value_size = if target.value.len() <= 120 { 900 } else { 800 };
    push(
        Font::Mono,
        value_size,
        value_size * 13 / 10,
        300,
        INK,
        0,
        &target.value,
    );
    // Grid's notes usually carry the same warning: when they name the network, ours would only
    // repeat it.
    let notes_name_network = match (notes, &target.network) {
        (Some(notes), Some(network)) => notes.to_lowercase().contains(&network.to_lowercase()),
        _ => false,
    };
    if !(has_code && notes_name_network) {
        push(
            Font::Regular,
            780,
            1_000,
            300,
            MUTED,
            0,
            &qr_hint(target, has_code),
        );
    }
    if let Some(notes) = notes {
        push(Font::Regular, 780, 1_000, 250, INK, 0, notes);
    }
    lines
}

/// Tells the payer how to use a QR code, and warns about the network where it matters.
fn qr_hint(target: &QrTarget, has_code: bool) -> String {
    let mut hint = match target.key.as_str() {
        "invoice" => "Pay this invoice from a Lightning wallet. Invoices can expire: if payment \
                      fails, ask for a new one."
            .to_owned(),
        "qrCode" => {
            "Scan with your banking app, or paste the code into PIX Copia e Cola.".to_owned()
        }
        "paymentUrl" => "Open the link, or scan the code, to pay.".to_owned(),
        _ => match (&target.asset, &target.network) {
            (Some(asset), Some(network)) => format!(
                "Send only {asset} on the {network} network to this address. Funds sent on \
                 another network may be lost."
            ),
            (None, Some(network)) => format!(
                "Send only on the {network} network to this address. Funds sent on another \
                 network may be lost."
            ),
            _ => "Check the network with the recipient before sending.".to_owned(),
        },
    };
    if !has_code {
        hint.push_str(" This value is too long for a QR code: copy it exactly as printed.");
    }
    hint
}

/// The total height of the items from the first up to the end of its keep-with-next chain.
fn chain_height(items: &[Item]) -> Cpt {
    let mut height = 0;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            height += item.gap_before;
        }
        height += item.height;
        if !item.keep_with_next {
            break;
        }
    }
    height
}

/// "INTERNAL_FIAT" → "Internal fiat".
fn humanize_code(code: &str) -> String {
    let lower = code.to_lowercase().replace('_', " ");
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A balance as printed; when the currency symbol is not printable (₿), "0.5 BTC" instead.
fn money_text(money: &MoneyView, account: &AccountView) -> String {
    if is_exact(&money.display) {
        return money.display.clone();
    }
    match (money.decimals.or(account.decimals), &money.currency_code) {
        (Some(decimals), Some(code)) => {
            format!("{} {code}", format_minor_units(money.amount, decimals))
        }
        _ => money.display.clone(),
    }
}

fn bookmark_title(account: &AccountView) -> String {
    let owner = if account.is_platform {
        "Platform".to_owned()
    } else {
        account
            .customer_id
            .clone()
            .unwrap_or_else(|| "Customer".to_owned())
    };
    let code = account.currency_code.as_deref().unwrap_or("");
    format!("{code} \u{b7} {owner} \u{b7} {}", account.id)
        .trim()
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// Painting items into content streams, and the document around them

/// Resource name of the multiply blend mode, used by the watermark.
const MULTIPLY: &[u8] = b"Multiply";

fn font_name(font: Font) -> Name<'static> {
    match font {
        Font::Regular => Name(b"F1"),
        Font::Bold => Name(b"F2"),
        Font::Mono => Name(b"F3"),
        Font::MonoBold => Name(b"F4"),
    }
}

/// Paints ops with their origin at (`left`, `top`) in page coordinates (y up).
fn paint(draft: &mut PageDraft, ops: &[Op], left: Cpt, top: Cpt) {
    let page = &mut draft.content;
    for op in ops {
        match op {
            Op::Text {
                x,
                baseline,
                font,
                size,
                spacing,
                color,
                text,
            } => {
                if text.is_empty() {
                    continue;
                }
                page.set_fill_rgb(color.0, color.1, color.2);
                page.begin_text();
                page.set_font(font_name(*font), *size as f32);
                if *spacing != 0 {
                    page.set_char_spacing(*spacing as f32);
                }
                page.set_text_matrix([
                    1.0,
                    0.0,
                    0.0,
                    1.0,
                    (left + x) as f32,
                    (top - baseline) as f32,
                ]);
                page.show(Str(text));
                if *spacing != 0 {
                    // Character spacing is page state that outlives ET.
                    page.set_char_spacing(0.0);
                }
                page.end_text();
            }
            Op::Fill { x, y, w, h, color } => {
                page.set_fill_rgb(color.0, color.1, color.2);
                page.rect(
                    (left + x) as f32,
                    (top - y - h) as f32,
                    *w as f32,
                    *h as f32,
                );
                page.fill_nonzero();
            }
            Op::Frame {
                x,
                y,
                w,
                h,
                weight,
                color,
            } => {
                page.set_stroke_rgb(color.0, color.1, color.2);
                page.set_line_width(*weight as f32);
                page.rect(
                    (left + x) as f32,
                    (top - y - h) as f32,
                    *w as f32,
                    *h as f32,
                );
                page.stroke();
            }
            Op::Disc { cx, cy, r, color } => {
                let (x, y, r) = (left + cx, top - cy, *r);
                // Four Bézier quarter arcs (control distance 0.5523 r).
                let k = r * 5_523 / 10_000;
                page.set_fill_rgb(color.0, color.1, color.2);
                page.move_to((x + r) as f32, y as f32);
                page.cubic_to(
                    (x + r) as f32,
                    (y + k) as f32,
                    (x + k) as f32,
                    (y + r) as f32,
                    x as f32,
                    (y + r) as f32,
                );
                page.cubic_to(
                    (x - k) as f32,
                    (y + r) as f32,
                    (x - r) as f32,
                    (y + k) as f32,
                    (x - r) as f32,
                    y as f32,
                );
                page.cubic_to(
                    (x - r) as f32,
                    (y - k) as f32,
                    (x - k) as f32,
                    (y - r) as f32,
                    x as f32,
                    (y - r) as f32,
                );
                page.cubic_to(
                    (x + k) as f32,
                    (y - r) as f32,
                    (x + r) as f32,
                    (y - k) as f32,
                    (x + r) as f32,
                    y as f32,
                );
                page.close_path();
                page.fill_nonzero();
            }
            Op::Qr {
                x,
                y,
                module,
                width,
                dark,
                frame,
            } => {
                let (fx, fy, side) = *frame;
                draft.qr_frames.push((left + fx, top - fy - side, side));
                // Module units, y down from the code's top-left corner; each row's runs of dark
                // modules become one rectangle, all filled as one path so no seams show.
                page.save_state();
                page.transform([
                    *module as f32,
                    0.0,
                    0.0,
                    (-*module) as f32,
                    (left + x) as f32,
                    (top - y) as f32,
                ]);
                page.set_fill_rgb(BLACK.0, BLACK.1, BLACK.2);
                for (row, cells) in dark.chunks(*width).enumerate() {
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
                        page.rect(start as f32, row as f32, (col - start) as f32, 1.0);
                    }
                }
                page.fill_nonzero();
                page.restore_state();
            }
        }
    }
}

fn write_document(pages: Vec<PageDraft>, bookmarks: &[(String, usize)], paper: Paper) -> Vec<u8> {
    let mut next = 1;
    let mut alloc = || {
        let id = Ref::new(next);
        next += 1;
        id
    };
    let catalog_id = alloc();
    let tree_id = alloc();
    let info_id = alloc();
    let outline_id = alloc();
    let font_ids = [alloc(), alloc(), alloc(), alloc()];
    let multiply_id = alloc();
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();
    let bookmark_ids: Vec<Ref> = bookmarks.iter().map(|_| alloc()).collect();

    let mut pdf = Pdf::new();
    {
        let mut catalog = pdf.catalog(catalog_id);
        catalog.pages(tree_id);
        if !bookmark_ids.is_empty() {
            catalog.outlines(outline_id);
        }
        catalog.finish();
    }
    pdf.document_info(info_id)
        .title(TextStr("Deposit instructions"))
        .creator(TextStr("Grid Desk"))
        .producer(TextStr("Grid Desk (pdf-writer)"));
    pdf.pages(tree_id)
        .kids(page_ids.iter().map(|(page, _)| *page))
        .count(i32::try_from(page_ids.len()).unwrap_or(i32::MAX));

    let base_fonts: [&[u8]; 4] = [b"Helvetica", b"Helvetica-Bold", b"Courier", b"Courier-Bold"];
    for (id, base) in font_ids.iter().zip(base_fonts) {
        pdf.type1_font(*id)
            .base_font(Name(base))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    let names = [Font::Regular, Font::Bold, Font::Mono, Font::MonoBold].map(font_name);
    pdf.ext_graphics(multiply_id)
        .blend_mode(pdf_writer::types::BlendMode::Multiply);

    for (draft, (page_id, content_id)) in pages.into_iter().zip(&page_ids) {
        let mut page = pdf.page(*page_id);
        page.parent(tree_id)
            .media_box(paper.media_box())
            .contents(*content_id);
        {
            let mut resources = page.resources();
            let mut fonts = resources.fonts();
            for (name, id) in names.iter().zip(font_ids) {
                fonts.pair(*name, id);
            }
            fonts.finish();
            resources.ext_g_states().pair(Name(MULTIPLY), multiply_id);
        }
        page.finish();
        let raw = draft.content.finish();
        // Fastest deflate level: half the time of level 6 for files about a quarter larger
        // (~5 KiB a page), which nobody notices; rendering time they would.
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(raw.as_slice(), 1);
        pdf.stream(*content_id, &compressed)
            .filter(Filter::FlateDecode);
    }

    if !bookmark_ids.is_empty() {
        let mut outline = pdf.outline(outline_id);
        if let (Some(first), Some(last)) = (bookmark_ids.first(), bookmark_ids.last()) {
            outline.first(*first).last(*last);
        }
        outline.count(i32::try_from(bookmark_ids.len()).unwrap_or(i32::MAX));
        outline.finish();
        for (i, ((title, page), id)) in bookmarks.iter().zip(&bookmark_ids).enumerate() {
            let mut item = pdf.outline_item(*id);
            item.title(TextStr(title)).parent(outline_id);
            if let Some(prev) = i.checked_sub(1).and_then(|p| bookmark_ids.get(p)) {
                item.prev(*prev);
            }
            if let Some(next) = bookmark_ids.get(i + 1) {
                item.next(*next);
            }
            if let Some((page_id, _)) = page_ids.get(*page) {
                item.dest().page(*page_id).fit();
            }
            item.finish();
        }
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_for_the_americas_that_use_it_a4_elsewhere() {
        for locale in [
            "en-US",
            "en_US.UTF-8",
            "en-CA",
            "fr-CA",
            "es-MX",
            "en-PH",
            "es-CL",
            "es-CO",
            "es-VE",
            "es_PR",
            "zh-Hant-US",
        ] {
            assert_eq!(paper_for_locale(locale), Paper::Letter, "{locale}");
        }
        for locale in [
            "en-GB",
            "de-DE",
            "fr",
            "pt-BR",
            "es-419",
            "es-ES",
            "C",
            "",
            "ja_JP.UTF-8",
            "en",
        ] {
            assert_eq!(paper_for_locale(locale), Paper::A4, "{locale}");
        }
    }

    #[test]
    fn wrapping_keeps_every_character_and_respects_the_width() {
        let value: Vec<u8> = (0..600).map(|i| b"abcdefghij0123456789"[i % 20]).collect();
        let lines = wrap(Font::Mono, 1_000, &value, 30_000);
        assert_eq!(lines.concat(), value, "no character may be lost");
        for line in &lines {
            assert!(text_width(Font::Mono, 1_000, 0, line) <= 30_000);
        }
        assert_eq!(lines[0].len(), 50, "Courier 10 pt is 6 pt a character");

        let words = encode("Fulano de Tal, S\u{e3}o Paulo");
        let lines = wrap(Font::Regular, 1_000, &words, 6_000);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(lines.join(&b' '), words, "prose breaks at spaces");

        let code = encode("5913Fulano de Tal6008");
        let lines = wrap(Font::Mono, 1_000, &code, 6_000);
        assert_eq!(
            lines,
            [
                b"5913Fulano".to_vec(),
                b" de Tal600".to_vec(),
                b"8".to_vec()
            ]
        );
    }

    #[test]
    fn empty_list_is_refused() {
        assert_eq!(
            render_pdf(&[], &SheetOptions::default()),
            Err(PdfError::NoAccounts)
        );
    }

    #[test]
    fn options_come_from_the_ui_as_camel_case_json() {
        let options: SheetOptions = serde_json::from_str(
            r#"{"paper":"letter","environment":"sandbox","includeBalances":true,"generatedAt":"now"}"#,
        )
        .expect("options");
        assert_eq!(options.paper, Paper::Letter);
        assert_eq!(options.environment, SheetEnvironment::Sandbox);
        assert!(options.include_balances);
        assert_eq!(options.platform_name, None);
    }
}
