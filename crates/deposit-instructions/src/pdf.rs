//! Printable deposit instruction sheets as PDF, rendered from the sheet model
//! ([`crate::sheet`]), so that "Save as PDF" writes the same file on every OS and in tests.
//!
//! One sheet per account, one page for a typical account (a bank transfer and three or four QR
//! codes) on A4 and US Letter: a compact header (platform or customer, account id, currency,
//! optionally the balances), then every funding instruction laid out for a person — bank fields
//! as label-over-value cells, short ones two to a row, the reference code boxed with a note to
//! include it; wallet addresses, Lightning invoices and PIX codes as QR cards two to a row, each
//! code (modules of at least 0.5 mm) beside its number and title, the network and asset, the
//! exact value, how to pay and Grid's notes. Values too long for a card get the whole width. An
//! account whose instructions do not fit one page continues on the next with its header
//! repeated; nothing is clipped. Every page has a footer (environment, generation time, "Page N
//! of M"), and sandbox and demo sheets carry a watermark.
//!
//! Text is drawn with real fonts through krilla, embedded and subset once per document, with
//! ToUnicode maps (and ActualText where shaping merges letters) so it can be selected, searched
//! and extracted exactly: Noto Sans ships with the crate, other scripts come from the system
//! (`pdf/fonts.rs`), shaped and put in visual order in `pdf/text.rs`. A script with no font on
//! the machine is named on the sheet and in [`PdfOutput::missing_scripts`].
//!
//! Layout is integer arithmetic in hundredths of a point: each page is drawn under a 1/100
//! scale, so every coordinate is an integer. Accounts are laid out (text shaped, QR codes
//! encoded) on all cores; the document is then written in one pass.

mod fonts;
mod text;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use krilla::color::rgb;
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, LineCap, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::{GlyphId, KrillaGlyph};
use krilla::Document;
use serde::Serialize;

pub use crate::sheet::{paper_for_locale, Paper, SheetEnvironment, SheetOptions};
pub use fonts::{Fonts, MissingScript};

use crate::qr::{dark_runs, QrCache, QrMatrix, QUIET_ZONE};
use crate::sheet::{
    build_sheets, Sheet as SheetModel, SheetDocument, SheetField, SheetInstruction, SheetQr,
};
use crate::view::AccountView;
use fonts::Style;
use text::{Cpt, Line, Shaper};

/// Why no PDF could be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdfError {
    /// The list of accounts was empty.
    NoAccounts,
    /// The PDF writer refused the document (a bug, not bad input).
    Writer(String),
}

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PdfError::NoAccounts => f.write_str("Choose at least one account to print."),
            PdfError::Writer(detail) => write!(
                f,
                "The PDF could not be written ({detail}). Save as CSV instead and report this."
            ),
        }
    }
}

impl std::error::Error for PdfError {}

/// A rendered PDF and what the window should say about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PdfOutput {
    #[serde(skip)]
    pub bytes: Vec<u8>,
    pub pages: usize,
    /// Scripts that no font on this machine could print, each with what to install; the sheets
    /// that use them say so too. Empty when every letter printed.
    pub missing_scripts: Vec<MissingScript>,
}

/// Renders one sheet per account (more pages when an account needs them) as the bytes of a PDF
/// file, ready to write to disk. Fails only for an empty list. Prefer [`render_pdf_output`],
/// which also says which scripts could not be printed.
pub fn render_pdf(accounts: &[AccountView], options: &SheetOptions) -> Result<Vec<u8>, PdfError> {
    render_pdf_output(accounts, options).map(|output| output.bytes)
}

/// Renders the accounts' sheets with the bundled fonts and the system's.
pub fn render_pdf_output(
    accounts: &[AccountView],
    options: &SheetOptions,
) -> Result<PdfOutput, PdfError> {
    render_pdf_with_fonts(accounts, options, &Fonts::system())
}

/// Renders the accounts' sheets with these fonts.
pub fn render_pdf_with_fonts(
    accounts: &[AccountView],
    options: &SheetOptions,
    fonts: &Fonts,
) -> Result<PdfOutput, PdfError> {
    render_sheets(&build_sheets(accounts, options), fonts)
}

/// Renders a sheet model (see [`crate::sheet::build_sheets`]).
pub fn render_sheets(document: &SheetDocument, fonts: &Fonts) -> Result<PdfOutput, PdfError> {
    if document.sheets.is_empty() {
        return Err(PdfError::NoAccounts);
    }
    let laid_out = lay_out_in_parallel(document, fonts, QrCache::shared());
    let mut missing: Vec<MissingScript> = Vec::new();
    let mut pages: Vec<PageDraft> = Vec::new();
    let mut bookmarks: Vec<(String, usize)> = Vec::with_capacity(document.sheets.len());
    for (sheet, account) in document.sheets.iter().zip(laid_out) {
        bookmarks.push((sheet.bookmark.clone(), pages.len()));
        for script in account.missing {
            if !missing.contains(&script) {
                missing.push(script);
            }
        }
        pages.extend(account.pages);
    }
    missing.sort();
    let bytes = write_document(document, fonts, pages, &bookmarks)?;
    Ok(PdfOutput {
        pages: count_pages(&bytes),
        bytes,
        missing_scripts: missing,
    })
}

/// The scripts of a sheet model that no font here can print (what the PDF would name), for the
/// window to say before anything is saved.
pub fn missing_scripts(document: &SheetDocument, fonts: &Fonts) -> Vec<MissingScript> {
    fonts.missing_scripts(document.texts())
}

/// Page objects in the PDF (`/Type /Page`, not `/Pages`).
fn count_pages(pdf: &[u8]) -> usize {
    const NEEDLE: &[u8] = b"/Type /Page";
    pdf.windows(NEEDLE.len() + 1)
        .filter(|w| w.starts_with(NEEDLE) && w[NEEDLE.len()] != b's')
        .count()
}

/// One account laid out: its pages, and the scripts it could not print.
struct LaidOut {
    pages: Vec<PageDraft>,
    missing: Vec<MissingScript>,
}

/// Lays out every sheet, on as many threads as there are cores (each with its own shaper),
/// taking sheets one at a time from a shared counter so a long account does not hold up the
/// rest; returns them in the document's order.
fn lay_out_in_parallel(document: &SheetDocument, fonts: &Fonts, qr: &QrCache) -> Vec<LaidOut> {
    let count = document.sheets.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(count)
        .max(1);
    let next = AtomicUsize::new(0);
    let work = || {
        let mut sheet = Sheet::new(document.paper, fonts.clone(), qr);
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(model) = document.sheets.get(i) else {
                break;
            };
            done.push((i, sheet.lay_out(model)));
        }
        done
    };
    let mut results: Vec<(usize, LaidOut)> = if threads == 1 {
        work()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .flat_map(|h| match h.join() {
                    Ok(done) => done,
                    // A panic in layout is a bug: let it surface as it would on one thread.
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    };
    results.sort_unstable_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, laid)| laid).collect()
}

// ---------------------------------------------------------------------------------------------
// Units, colours, type

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rgb(u8, u8, u8);

const INK: Rgb = Rgb(26, 31, 41);
const MUTED: Rgb = Rgb(97, 107, 122);
const HAIRLINE: Rgb = Rgb(212, 217, 224);
const PANEL: Rgb = Rgb(245, 247, 250);
const ACCENT: Rgb = Rgb(23, 74, 153);
const WHITE: Rgb = Rgb(255, 255, 255);
const REFERENCE_TINT: Rgb = Rgb(255, 245, 219);
const REFERENCE_BAR: Rgb = Rgb(204, 133, 5);
const REFERENCE_INK: Rgb = Rgb(115, 74, 0);
const WARNING_TINT: Rgb = Rgb(252, 235, 235);
const WARNING_INK: Rgb = Rgb(179, 28, 28);
const SANDBOX_MARK: Rgb = Rgb(250, 222, 222);
const DEMO_MARK: Rgb = Rgb(227, 230, 237);

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
        size: Cpt,
        spacing: Cpt,
        color: Rgb,
        line: Arc<Line>,
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
        matrix: QrMatrix,
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
                size,
                spacing,
                color,
                line,
            } => Op::Text {
                x: x + dx,
                baseline,
                size,
                spacing,
                color,
                line,
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
                matrix,
                frame: (fx, fy, side),
            } => Op::Qr {
                x: x + dx,
                y,
                module,
                matrix,
                frame: (fx + dx, fy, side),
            },
        }
    }
}

/// A page being laid out: ops placed at (left, top), top measured up from the page's bottom.
#[derive(Debug, Default)]
struct PageDraft {
    placed: Vec<(Cpt, Cpt, Vec<Op>)>,
}

impl PageDraft {
    fn place(&mut self, ops: Vec<Op>, left: Cpt, top: Cpt) {
        self.placed.push((left, top, ops));
    }

    /// The white squares of the page's QR codes, in page coordinates (x, top, side; y up).
    fn qr_frames(&self) -> Vec<(Cpt, Cpt, Cpt)> {
        self.placed
            .iter()
            .flat_map(|(left, top, ops)| {
                ops.iter().filter_map(move |op| match op {
                    Op::Qr {
                        frame: (x, y, side),
                        ..
                    } => Some((left + x, top - y, *side)),
                    _ => None,
                })
            })
            .collect()
    }
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

    fn fill(&mut self, x: Cpt, y: Cpt, w: Cpt, h: Cpt, color: Rgb) -> &mut Self {
        self.ops.push(Op::Fill { x, y, w, h, color });
        self
    }
}

// ---------------------------------------------------------------------------------------------
// The sheet: building items for an account and flowing them onto pages

struct Sheet<'a> {
    fonts: Fonts,
    shaper: Shaper,
    qr: &'a QrCache,
    page_width: Cpt,
    page_height: Cpt,
    /// Width between the side margins.
    width: Cpt,
}

impl<'a> Sheet<'a> {
    fn new(paper: Paper, fonts: Fonts, qr: &'a QrCache) -> Self {
        let (page_width, page_height) = paper.size();
        Self {
            shaper: Shaper::new(fonts.clone()),
            fonts,
            qr,
            page_width,
            page_height,
            width: page_width - 2 * MARGIN_X,
        }
    }

    // -- text helpers ---------------------------------------------------------------------------

    fn width_of(&mut self, style: Style, size: Cpt, spacing: Cpt, text: &str) -> Cpt {
        self.shaper.width(style, size, spacing, text)
    }

    fn wrap(&mut self, style: Style, size: Cpt, text: &str, max: Cpt) -> Vec<String> {
        self.shaper.wrap(style, size, 0, text, max)
    }

    /// A text op for one line.
    #[allow(clippy::too_many_arguments)]
    fn text_op(
        &mut self,
        x: Cpt,
        baseline: Cpt,
        style: Style,
        size: Cpt,
        spacing: Cpt,
        color: Rgb,
        text: &str,
    ) -> Op {
        Op::Text {
            x,
            baseline,
            size,
            spacing,
            color,
            line: self.shaper.line(style, text),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        item: &mut Item,
        x: Cpt,
        baseline: Cpt,
        style: Style,
        size: Cpt,
        color: Rgb,
        text: &str,
    ) {
        let op = self.text_op(x, baseline, style, size, 0, color, text);
        item.ops.push(op);
    }

    // -- flow -----------------------------------------------------------------------------------

    /// Lays out one account's sheet on pages of its own.
    fn lay_out(&mut self, model: &SheetModel) -> LaidOut {
        let missing = self.missing_scripts(model);
        let mut items = self.account_items(model, &missing);
        let mut pages = Vec::new();
        let mut y = self.start_page(&mut pages, None);
        let mut fresh = true;
        let mut i = 0;
        while let Some(item) = items.get_mut(i) {
            let (height, gap_before) = (item.height, item.gap_before);
            let chain_start = i == 0 || items.get(i - 1).is_some_and(|p| !p.keep_with_next);
            let need = if chain_start {
                chain_height(&items[i..])
            } else {
                height
            };
            let gap = if fresh { 0 } else { gap_before };
            if y - gap - need < BODY_BOTTOM && !fresh {
                y = self.start_page(&mut pages, Some(model));
                fresh = true;
                continue;
            }
            let ops = items.get_mut(i).map(|item| std::mem::take(&mut item.ops));
            if let (Some(page), Some(ops)) = (pages.last_mut(), ops) {
                page.place(ops, MARGIN_X, y - gap);
            }
            y -= gap + height;
            fresh = false;
            i += 1;
        }
        LaidOut { pages, missing }
    }

    /// Every text of the sheet whose script no font here has.
    fn missing_scripts(&self, model: &SheetModel) -> Vec<MissingScript> {
        let mut texts: Vec<&str> = vec![&model.kicker, &model.intro];
        for fact in &model.facts {
            texts.push(&fact.value);
        }
        for instruction in &model.instructions {
            texts.push(&instruction.title);
            for qr in &instruction.qr_codes {
                texts.extend([qr.value.as_str()]);
                texts.extend(qr.headline.as_deref());
            }
            for field in instruction.fields.iter().chain(&instruction.notes) {
                texts.push(&field.label);
                texts.push(&field.value);
            }
            texts.extend(instruction.reference.as_ref().map(|r| r.value.as_str()));
        }
        self.fonts.missing_scripts(texts)
    }

    /// Starts a page and returns the top of its body. `continued` repeats the account header
    /// on the following pages of an account.
    fn start_page(&mut self, pages: &mut Vec<PageDraft>, continued: Option<&SheetModel>) -> Cpt {
        let mut page = PageDraft::default();
        let mut y = self.page_height - MARGIN_TOP;
        if let Some(model) = continued {
            for item in self.continued_header(model) {
                page.place(item.ops, MARGIN_X, y - item.gap_before);
                y -= item.gap_before + item.height;
            }
        }
        pages.push(page);
        y
    }

    // -- the account header -------------------------------------------------------------------

    /// The small line above the title: the platform's name, else the account's currency.
    fn kicker(&mut self, model: &SheetModel) -> Vec<Item> {
        let (size, spacing, line) = (740, 90, 1_100);
        let lines = self
            .shaper
            .wrap(Style::Bold, size, spacing, &model.kicker, self.width);
        let count = lines.len();
        lines
            .into_iter()
            .enumerate()
            .map(|(i, text)| {
                let mut item = Item::new(line + if i + 1 == count { 200 } else { 0 });
                let op = self.text_op(
                    0,
                    baseline_in(line, size),
                    Style::Bold,
                    size,
                    spacing,
                    ACCENT,
                    &text,
                );
                item.ops.push(op);
                item.keep_with_next = true;
                item
            })
            .collect()
    }

    fn account_items(&mut self, model: &SheetModel, missing: &[MissingScript]) -> Vec<Item> {
        let mut items = self.kicker(model);

        let mut title = Item::new(2_300);
        self.text(&mut title, 0, 1_750, Style::Bold, 1_800, INK, &model.title);
        items.push(title);

        let intro = self.paragraph(0, self.width, &model.intro, Style::Regular, 950, MUTED, 100);
        items.extend(intro);

        for warning in &model.warnings {
            let banner = self.banner(&warning.tag, &warning.text);
            items.push(banner);
        }
        for script in missing {
            let banner = self.banner("MISSING FONT", &script.message);
            items.push(banner);
        }

        let facts = self.account_facts(&model.facts);
        items.extend(facts);

        let Some(section_title) = &model.section_title else {
            return items;
        };
        let mut section = Item::new(1_500).gap(1_300);
        let op = self.text_op(0, 800, Style::Bold, 750, 90, ACCENT, section_title);
        section.ops.push(op);
        section.fill(0, 1_150, self.width, 60, ACCENT);
        items.push(section.keep());

        // Wallets, invoices and PIX codes whose every detail fits a QR card go two to a row;
        // bank details and anything long take the whole width.
        let mut cards: Vec<Card> = Vec::new();
        for instruction in &model.instructions {
            if let Some(mut more) = self.instruction_cards(instruction) {
                cards.append(&mut more);
                continue;
            }
            let rows = self.card_rows(std::mem::take(&mut cards));
            items.extend(rows);
            let more = self.instruction_items(instruction);
            items.extend(more);
        }
        let rows = self.card_rows(cards);
        items.extend(rows);
        items
    }

    /// The cards of an instruction that is all QR codes (plus notes), or `None` when it has
    /// other fields, a reference, or a value too long for a card.
    fn instruction_cards(&mut self, view: &SheetInstruction) -> Option<Vec<Card>> {
        if view.qr_codes.is_empty() || view.reference.is_some() || !view.fields.is_empty() {
            return None;
        }
        let half = (self.width - CARD_GUTTER) / 2;
        let count = view.qr_codes.len();
        let mut cards = Vec::with_capacity(count);
        for (i, target) in view.qr_codes.iter().enumerate() {
            if target.value.len() > CARD_MAX_VALUE || !target.has_code {
                return None;
            }
            let matrix = self.qr.matrix(&target.value)?;
            let notes = view
                .notes
                .as_ref()
                .map(|n| n.value.as_str())
                .filter(|_| i + 1 == count);
            let half = self.card(view, target, notes, &matrix, half)?;
            let whole = self.card(view, target, notes, &matrix, self.width)?;
            cards.push(Card { half, whole });
        }
        Some(cards)
    }

    /// One QR card, `card_width` wide: the instruction's number and title over a rule, the code
    /// at the left and beside it what it is, the network and asset, the value (below the code
    /// when it is too long to sit beside it), how to use it and the notes.
    fn card(
        &mut self,
        view: &SheetInstruction,
        target: &SheetQr,
        notes: Option<&str>,
        matrix: &QrMatrix,
        card_width: Cpt,
    ) -> Option<CardLayout> {
        let (side, module) = qr_size(matrix.0);
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
        let titles = self.wrap(Style::Bold, title_size, &view.title, card_width - title_x);
        ops.push(Op::Disc {
            cx: column_x + 600,
            cy: top + title_line / 2 - 100,
            r: 600,
            color: ACCENT,
        });
        let digits = view.number.to_string();
        let w = self.width_of(Style::Bold, 700, 0, &digits);
        ops.push(self.text_op(
            column_x + 600 - w / 2,
            top + baseline_in(title_line, 700) - 100,
            Style::Bold,
            700,
            0,
            WHITE,
            &digits,
        ));
        let mut title_height = 0;
        for text in titles {
            ops.push(self.text_op(
                title_x,
                top + title_height + baseline_in(title_line, title_size) - 100,
                Style::Bold,
                title_size,
                0,
                INK,
                &text,
            ));
            title_height += title_line;
        }

        // Beside the code: what the code is and the headline, then the value, how to pay and the
        // notes, in the model's order. A value too long to sit beside the code fills the space
        // there and continues below, across the card, and what follows it goes below too.
        let value_size = 740;
        let value_line = 950;
        let mono = |sheet: &mut Self, text: &str, width: Cpt, first_extra: Cpt| {
            sheet
                .wrap(Style::Mono, value_size, text, width)
                .into_iter()
                .enumerate()
                .map(|(i, text)| PanelLine {
                    style: Style::Mono,
                    size: value_size,
                    line: value_line + if i == 0 { first_extra } else { 0 },
                    color: INK,
                    spacing: 0,
                    text,
                })
                .collect::<Vec<_>>()
        };
        let mut lines = self.panel_lines(target, notes, column_width);
        lines.retain(|l| l.style != Style::Mono);
        let at = lines.iter().take_while(|l| l.style == Style::Bold).count();
        let prose = lines.split_off(at);
        let narrow = mono(self, &target.value, column_width, 250);
        let used: Cpt = title_height + lines.iter().map(|l| l.line).sum::<Cpt>();
        let prose_height: Cpt = prose.iter().map(|l| l.line).sum();
        let value_height: Cpt = narrow.iter().map(|l| l.line).sum();
        let below = if narrow.len() <= 4 || used + value_height + prose_height + 250 <= side {
            lines.extend(narrow);
            lines.extend(prose);
            Vec::new()
        } else {
            let mut fit = 0;
            let mut height = used;
            while let Some(line) = narrow.get(fit) {
                if height + line.line > side {
                    break;
                }
                height += line.line;
                fit += 1;
            }
            let rest: String = narrow[fit..].iter().map(|l| l.text.as_str()).collect();
            lines.extend(narrow.into_iter().take(fit));
            let mut below = mono(self, &rest, card_width, if fit == 0 { 250 } else { 0 });
            let mut wide = self.panel_lines(target, notes, card_width);
            wide.retain(|l| l.style != Style::Mono);
            below.extend(wide.into_iter().skip(at));
            below
        };
        let mut beside_height = title_height;
        for line in &lines {
            let op = line.op(self, column_x, top + beside_height);
            ops.push(op);
            beside_height += line.line;
        }
        let mut y = top + side.max(beside_height);
        for (i, line) in below.iter().enumerate() {
            let extra = if i == 0 { 200 } else { 0 };
            let op = line.op(self, 0, y + extra);
            ops.push(op);
            y += line.line + extra;
        }
        let mut item = Item::new(0);
        push_qr(&mut item, 0, top, side, module, Arc::clone(matrix));
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
        &mut self,
        x: Cpt,
        width: Cpt,
        text: &str,
        style: Style,
        size: Cpt,
        color: Rgb,
        gap: Cpt,
    ) -> Vec<Item> {
        let line = leading(size);
        let lines = self.wrap(style, size, text, width);
        let count = lines.len();
        lines
            .into_iter()
            .enumerate()
            .map(|(i, text)| {
                let mut item = Item::new(line).gap(if i == 0 { gap } else { 0 });
                self.text(
                    &mut item,
                    x,
                    baseline_in(line, size),
                    style,
                    size,
                    color,
                    &text,
                );
                item.keep_with_next = i + 1 < count;
                item
            })
            .collect()
    }

    fn banner(&mut self, tag: &str, text: &str) -> Item {
        let size = 900;
        let tag_width = self.width_of(Style::Bold, size, 60, tag);
        let text_x = 1_200 + tag_width + 1_000;
        let lines = self.wrap(Style::Regular, size, text, self.width - text_x - 1_000);
        let line = leading(size);
        let pad = 420;
        let height = 2 * pad + line * Cpt::try_from(lines.len()).unwrap_or(1);
        let mut item = Item::new(height).gap(700);
        item.fill(0, 0, self.width, height, WARNING_TINT);
        item.fill(0, 0, 300, height, WARNING_INK);
        let op = self.text_op(
            1_200,
            pad + baseline_in(line, size),
            Style::Bold,
            size,
            60,
            WARNING_INK,
            tag,
        );
        item.ops.push(op);
        for (i, text) in lines.into_iter().enumerate() {
            let offset = line * Cpt::try_from(i).unwrap_or(0);
            self.text(
                &mut item,
                text_x,
                pad + offset + baseline_in(line, size),
                Style::Regular,
                size,
                WARNING_INK,
                &text,
            );
        }
        item
    }

    /// Who the account belongs to, its id, currency and (when asked) balances, on a light panel.
    fn account_facts(&mut self, facts: &[SheetField]) -> Vec<Item> {
        let label_size = 800;
        let value_size = 950;
        let line = 1_300;
        let pad = 450;
        let label_width = LABEL_COLUMN - 1_800;
        let value_x = 1_200 + label_width + 600;
        let value_width = self.width - value_x - 1_200;
        let style_of = |fact: &SheetField| {
            if fact.monospace {
                Style::Mono
            } else if fact.emphasis {
                Style::Bold
            } else {
                Style::Regular
            }
        };
        // Short facts that belong together share a line: currency and account kind, the two
        // balances. (x of the label, x of the value, label lines, value lines, style) per cell.
        type Cell = (Cpt, Cpt, Vec<String>, Vec<String>, Style);
        let half = self.width / 2;
        let width = self.width;
        let cell = |sheet: &mut Self, fact: &SheetField, right: bool| -> Option<Cell> {
            let (label_x, value_x, end) = if right {
                let label_x = half + 600;
                let w = sheet.width_of(Style::Regular, label_size, 0, &fact.label);
                (label_x, label_x + w + 900, width - 1_200)
            } else {
                (1_200, value_x, half - 600)
            };
            let style = style_of(fact);
            let values = sheet.wrap(style, value_size, &fact.value, end - value_x);
            (values.len() == 1).then(|| (label_x, value_x, vec![fact.label.clone()], values, style))
        };
        let pairs_with_next =
            |fact: &SheetField| matches!(fact.key.as_str(), "currency" | "availableBalance");
        let mut grouped: Vec<Vec<Cell>> = Vec::new();
        let mut rows = facts.iter().peekable();
        while let Some(fact) = rows.next() {
            if pairs_with_next(fact) {
                if let Some(next) = rows.peek() {
                    let left = cell(self, fact, false);
                    let right = cell(self, next, true);
                    if let (Some(left), Some(right)) = (left, right) {
                        grouped.push(vec![left, right]);
                        rows.next();
                        continue;
                    }
                }
            }
            let style = style_of(fact);
            grouped.push(vec![(
                1_200,
                value_x,
                self.wrap(Style::Regular, label_size, &fact.label, label_width),
                self.wrap(style, value_size, &fact.value, value_width),
                style,
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
                for (label_x, value_x, labels, values, style) in &cells {
                    if let Some(text) = labels.get(i) {
                        self.text(
                            &mut item,
                            *label_x,
                            top + baseline_in(line, value_size),
                            Style::Regular,
                            label_size,
                            MUTED,
                            text,
                        );
                    }
                    if let Some(text) = values.get(i) {
                        self.text(
                            &mut item,
                            *value_x,
                            top + baseline_in(line, value_size),
                            *style,
                            value_size,
                            INK,
                            text,
                        );
                    }
                }
                item.keep_with_next = i + 1 < count;
                items.push(item);
            }
        }
        items
    }

    fn continued_header(&mut self, model: &SheetModel) -> Vec<Item> {
        let mut items = self.kicker(model);
        let title = self.paragraph(
            0,
            self.width,
            &model.continued_title,
            Style::Bold,
            1_400,
            INK,
            0,
        );
        items.extend(title);
        let id = self.paragraph(0, self.width, &model.account_id, Style::Mono, 850, MUTED, 0);
        items.extend(id);
        let mut rule = Item::new(1_400);
        rule.fill(0, 500, self.width, 50, HAIRLINE);
        items.push(rule);
        items
    }

    // -- instructions -------------------------------------------------------------------------

    fn instruction_items(&mut self, view: &SheetInstruction) -> Vec<Item> {
        let mut items = self.instruction_heading(view);
        let body = self.width - INDENT;

        let mut rows: Vec<(String, String, Style)> = view
            .fields
            .iter()
            .map(|f| {
                let style = if f.monospace {
                    Style::Mono
                } else {
                    Style::Regular
                };
                (f.label.clone(), f.value.clone(), style)
            })
            .collect();
        // With nothing else to list, the notes go beside the last QR code instead of a table.
        let notes_in_panel = rows.is_empty() && !view.qr_codes.is_empty();
        let count = view.qr_codes.len();
        for (i, target) in view.qr_codes.iter().enumerate() {
            let notes = view
                .notes
                .as_ref()
                .map(|n| n.value.as_str())
                .filter(|_| notes_in_panel && i + 1 == count);
            let panel = self.qr_panel(target, notes);
            items.extend(panel);
        }
        if let Some(notes) = view.notes.as_ref().filter(|_| !notes_in_panel) {
            rows.push((notes.label.clone(), notes.value.clone(), Style::Regular));
        }
        let table = self.field_table(&rows, body, !view.qr_codes.is_empty());
        items.extend(table);

        if let Some(reference) = &view.reference {
            let callout =
                self.reference_callout(&reference.label, &reference.value, &reference.note, body);
            items.extend(callout);
        }
        if let Some(last) = items.last_mut() {
            last.keep_with_next = false;
        }
        items
    }

    fn instruction_heading(&mut self, view: &SheetInstruction) -> Vec<Item> {
        let size = 1_150;
        let line = 1_700;
        let code_size = 720;
        let code_width = self.width_of(Style::Mono, code_size, 0, &view.account_type);
        let title_room = self.width - INDENT;
        let code_beside = code_width <= title_room / 3
            && self.width_of(Style::Bold, size, 0, &view.title) + 2_000 + code_width <= title_room;
        let title_width = if code_beside {
            title_room - code_width - 2_000
        } else {
            title_room
        };
        let lines = self.wrap(Style::Bold, size, &view.title, title_width);
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
                let digits = view.number.to_string();
                let w = self.width_of(Style::Bold, 800, 0, &digits);
                self.text(
                    &mut item,
                    750 - w / 2,
                    baseline_in(line, 800),
                    Style::Bold,
                    800,
                    WHITE,
                    &digits,
                );
            }
            self.text(
                &mut item,
                INDENT,
                baseline_in(line, size),
                Style::Bold,
                size,
                INK,
                &text,
            );
            if i == 0 && code_beside {
                self.text(
                    &mut item,
                    self.width - code_width,
                    baseline_in(line, size),
                    Style::Mono,
                    code_size,
                    MUTED,
                    &view.account_type,
                );
            }
            items.push(item);
        }
        if !code_beside {
            let code_items = self.paragraph(
                INDENT,
                title_room,
                &view.account_type,
                Style::Mono,
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

    /// The fields as cells, a small label above each value, in the model's order. Consecutive
    /// values short enough for half the width sit two to a row; longer ones take the whole width,
    /// one item per line so that very long values may break across pages. Hairlines between
    /// rows.
    fn field_table(
        &mut self,
        rows: &[(String, String, Style)],
        body: Cpt,
        rule_on_top: bool,
    ) -> Vec<Item> {
        let half = (body - FIELD_GUTTER) / 2;
        let mut items = Vec::new();
        // Whether each item ends a row (and gets a hairline under it).
        let mut ends = Vec::new();
        let mut pending: Option<&(String, String, Style)> = None;
        for row in rows {
            let (label, value, style) = row;
            let short = self.wrap(*style, FIELD_VALUE_SIZE, value, half).len() == 1
                && self
                    .wrap(Style::Regular, FIELD_LABEL_SIZE, label, half)
                    .len()
                    == 1;
            if short {
                match pending.take() {
                    Some(left) => {
                        let item = self.field_pair(&[left, row], half);
                        items.push(item);
                        ends.push(true);
                    }
                    None => pending = Some(row),
                }
                continue;
            }
            if let Some(left) = pending.take() {
                let item = self.field_pair(&[left], half);
                items.push(item);
                ends.push(true);
            }
            let lines = self.wrap(*style, FIELD_VALUE_SIZE, value, body);
            let labels = self.wrap(Style::Regular, FIELD_LABEL_SIZE, label, body);
            let count = lines.len();
            let mut first = Item::new(
                FIELD_PAD
                    + FIELD_LABEL_LINE * Cpt::try_from(labels.len()).unwrap_or(1)
                    + FIELD_VALUE_LINE,
            );
            for (i, text) in labels.into_iter().enumerate() {
                self.text(
                    &mut first,
                    INDENT,
                    FIELD_PAD + FIELD_LABEL_LINE * Cpt::try_from(i).unwrap_or(0) + FIELD_LABEL_SIZE,
                    Style::Regular,
                    FIELD_LABEL_SIZE,
                    MUTED,
                    &text,
                );
            }
            let mut line_items = vec![first];
            for (i, text) in lines.into_iter().enumerate() {
                if i > 0 {
                    line_items.push(Item::new(FIELD_VALUE_LINE));
                }
                let top = line_items
                    .last()
                    .map_or(0, |item| item.height - FIELD_VALUE_LINE);
                let op = self.text_op(
                    INDENT,
                    top + baseline_in(FIELD_VALUE_LINE, FIELD_VALUE_SIZE),
                    *style,
                    FIELD_VALUE_SIZE,
                    0,
                    INK,
                    &text,
                );
                if let Some(item) = line_items.last_mut() {
                    item.ops.push(op);
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
        if let Some(left) = pending.take() {
            let item = self.field_pair(&[left], half);
            items.push(item);
            ends.push(true);
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

    /// One row of one or two short cells, a small label above each value.
    fn field_pair(&mut self, cells: &[&(String, String, Style)], half: Cpt) -> Item {
        let mut item = Item::new(FIELD_PAD + FIELD_LABEL_LINE + FIELD_VALUE_LINE + FIELD_PAD);
        for (column, (label, value, style)) in cells.iter().enumerate() {
            let x = INDENT + Cpt::try_from(column).unwrap_or(0) * (half + FIELD_GUTTER);
            self.text(
                &mut item,
                x,
                FIELD_PAD + FIELD_LABEL_SIZE,
                Style::Regular,
                FIELD_LABEL_SIZE,
                MUTED,
                label,
            );
            self.text(
                &mut item,
                x,
                FIELD_PAD + FIELD_LABEL_LINE + baseline_in(FIELD_VALUE_LINE, FIELD_VALUE_SIZE),
                *style,
                FIELD_VALUE_SIZE,
                INK,
                value,
            );
        }
        item
    }

    /// The reference code, boxed and large with its label beside it, and below it the note to
    /// include it.
    fn reference_callout(
        &mut self,
        label: &str,
        reference: &str,
        note: &str,
        body: Cpt,
    ) -> Vec<Item> {
        let inner_x = INDENT + 1_200;
        let inner_width = body - 2_400;
        let (label_size, label_spacing) = (720, 80);
        let value_x =
            inner_x + self.width_of(Style::Bold, label_size, label_spacing, label) + 1_200;
        let (value_size, value_line) = (1_300, 1_750);
        let note_size = 850;
        let note_line = leading(note_size);
        let pad = 450;
        let values = self.wrap(
            Style::MonoBold,
            value_size,
            reference,
            inner_x + inner_width - value_x,
        );
        let notes = self.wrap(Style::Bold, note_size, note, inner_width);
        let row = |style, size, line, color, text| PanelLine {
            style,
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
                row(Style::MonoBold, value_size, value_line, INK, text),
            ));
        }
        for text in notes {
            rows.push((
                inner_x,
                row(Style::Bold, note_size, note_line, REFERENCE_INK, text),
            ));
        }
        let count = rows.len();
        let mut items = Vec::with_capacity(count);
        for (i, (x, row)) in rows.into_iter().enumerate() {
            let top = if i == 0 { pad } else { 0 };
            let bottom = if i + 1 == count { pad } else { 0 };
            let height = top + row.line + bottom;
            let mut item = Item::new(height).gap(if i == 0 { 600 } else { 0 });
            item.fill(INDENT, 0, body, height, REFERENCE_TINT);
            item.fill(INDENT, 0, 300, height, REFERENCE_BAR);
            if i == 0 {
                let op = self.text_op(
                    inner_x,
                    top + baseline_in(row.line, row.size),
                    Style::Bold,
                    label_size,
                    label_spacing,
                    REFERENCE_INK,
                    label,
                );
                item.ops.push(op);
            }
            let op = self.text_op(
                x,
                top + baseline_in(row.line, row.size),
                row.style,
                row.size,
                row.spacing,
                row.color,
                &row.text,
            );
            item.ops.push(op);
            item.keep_with_next = i + 1 < count;
            items.push(item);
        }
        items
    }

    /// A QR code with, beside it, what it is, the network and asset, the exact value as text, a
    /// line on how to use it and the instruction's `notes`. Text that runs past the code
    /// continues below in the same column.
    fn qr_panel(&mut self, target: &SheetQr, notes: Option<&str>) -> Vec<Item> {
        let qr = if target.has_code {
            self.qr.matrix(&target.value)
        } else {
            None
        };
        let (side, module) = match &qr {
            Some(matrix) => qr_size(matrix.0),
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
        let lines = self.panel_lines(target, notes, column_width);

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
        if let Some(matrix) = qr {
            push_qr(&mut panel, INDENT, 0, side, module, matrix);
        }
        let mut y = 0;
        let mut rest = Vec::new();
        for (i, line) in lines.into_iter().enumerate() {
            if i < beside {
                let op = line.op(self, column_x, y);
                panel.ops.push(op);
                y += line.line;
            } else {
                let first = rest.is_empty();
                let mut item = Item::new(line.line).gap(if first && side > 0 { 500 } else { 0 });
                let op = line.op(self, column_x, 0);
                item.ops.push(op);
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

    /// The text beside a QR code, wrapped to `width`: label, headline, the exact value, how to
    /// use it and the instruction's notes.
    fn panel_lines(&mut self, target: &SheetQr, notes: Option<&str>, width: Cpt) -> Vec<PanelLine> {
        let mut lines = Vec::new();
        let mut push =
            |sheet: &mut Self, style, size, line, first_extra, color, spacing, text: &str| {
                let wrapped = sheet.shaper.wrap(style, size, spacing, text, width);
                for (i, text) in wrapped.into_iter().enumerate() {
                    lines.push(PanelLine {
                        style,
                        size,
                        line: line + if i == 0 { first_extra } else { 0 },
                        color,
                        spacing,
                        text,
                    });
                }
            };
        push(
            self,
            Style::Bold,
            680,
            1_000,
            0,
            MUTED,
            70,
            &target.label.to_uppercase(),
        );
        if let Some(headline) = &target.headline {
            push(self, Style::Bold, 1_100, 1_450, 0, INK, 0, headline);
        }
        let value_size = if target.value.len() <= 120 { 900 } else { 800 };
        push(
            self,
            Style::Mono,
            value_size,
            value_size * 13 / 10,
            300,
            INK,
            0,
            &target.value,
        );
        if let Some(hint) = &target.hint {
            push(self, Style::Regular, 780, 1_000, 300, MUTED, 0, hint);
        }
        if let Some(notes) = notes {
            push(self, Style::Regular, 780, 1_000, 250, INK, 0, notes);
        }
        lines
    }

    // -- page furniture (drawn once the page count is known) -------------------------------------

    fn footer(
        &mut self,
        page: &mut PageDraft,
        number: usize,
        total: usize,
        document: &SheetDocument,
    ) {
        let mut item = Item::new(0);
        item.fill(0, 0, self.width, 50, HAIRLINE);
        let size = 780;
        let baseline = FOOTER_RULE - FOOTER_BASELINE;
        let (style, color) = match document.environment {
            SheetEnvironment::Production => (Style::Regular, MUTED),
            _ => (Style::Bold, WARNING_INK),
        };
        let label = &document.environment_label;
        let page_text = format!("Page {number} of {total}");
        let page_width = self.width_of(Style::Regular, size, 0, &page_text);
        self.text(&mut item, 0, baseline, style, size, color, label);
        self.text(
            &mut item,
            self.width - page_width,
            baseline,
            Style::Regular,
            size,
            MUTED,
            &page_text,
        );
        if let Some(generated) = &document.generated {
            let w = self.width_of(Style::Regular, size, 0, generated);
            let left_end = self.width_of(style, size, 0, label);
            // Centred between the label and the page number; on a line of its own below them
            // when it does not fit there.
            let x = ((self.width - w) / 2).max(left_end + 1_600);
            if x + w + 1_600 <= self.width - page_width {
                self.text(
                    &mut item,
                    x,
                    baseline,
                    Style::Regular,
                    size,
                    MUTED,
                    generated,
                );
            } else {
                for (i, line) in self
                    .wrap(Style::Regular, size, generated, self.width)
                    .into_iter()
                    .enumerate()
                {
                    let offset = leading(size) * Cpt::try_from(i + 1).unwrap_or(1);
                    self.text(
                        &mut item,
                        0,
                        baseline + offset,
                        Style::Regular,
                        size,
                        MUTED,
                        &line,
                    );
                }
            }
        }
        page.place(item.ops, MARGIN_X, FOOTER_RULE);
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
fn push_qr(item: &mut Item, x: Cpt, y: Cpt, side: Cpt, module: Cpt, matrix: QrMatrix) {
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
        matrix,
        frame: (x, y, side),
    });
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

/// One line of text in a QR panel.
#[derive(Debug, Clone)]
struct PanelLine {
    style: Style,
    size: Cpt,
    /// Height of the line; extra space sits above the text.
    line: Cpt,
    color: Rgb,
    spacing: Cpt,
    text: String,
}

impl PanelLine {
    fn op(&self, sheet: &mut Sheet<'_>, x: Cpt, top: Cpt) -> Op {
        sheet.text_op(
            x,
            top + self.line - self.size * 40 / 100,
            self.style,
            self.size,
            self.spacing,
            self.color,
            &self.text,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing the pages with krilla

fn fill(color: Rgb) -> Fill {
    Fill {
        paint: rgb::Color::new(color.0, color.1, color.2).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

/// A rectangle path; `None` for an empty one, which draws nothing.
fn rect_path(x: Cpt, y: Cpt, w: Cpt, h: Cpt) -> Option<krilla::geom::Path> {
    let rect = Rect::from_xywh(x as f32, y as f32, w as f32, h as f32)?;
    let mut path = PathBuilder::new();
    path.push_rect(rect);
    path.finish()
}

/// krilla's glyphs for a run: advances and offsets in ems (font units over units per em), the
/// text range of each cluster; `spacing` (at `size`) added after each cluster.
// Font units to ems is a division of integers into f32 for the PDF writer; no money here.
#[allow(clippy::float_arithmetic)]
fn krilla_glyphs(run: &text::Run, size: Cpt, spacing: Cpt) -> Vec<KrillaGlyph> {
    let upem = run.face.units_per_em as f32;
    let extra = if spacing == 0 {
        0.0
    } else {
        spacing as f32 / size.max(1) as f32
    };
    let mut glyphs: Vec<KrillaGlyph> = run
        .glyphs
        .iter()
        .map(|g| {
            KrillaGlyph::new(
                GlyphId::new(g.id),
                g.advance as f32 / upem,
                g.x_offset as f32 / upem,
                g.y_offset as f32 / upem,
                0.0,
                g.range.clone(),
                None,
            )
        })
        .collect();
    if spacing != 0 {
        let n = glyphs.len();
        for i in 0..n {
            let ends_cluster = glyphs
                .get(i + 1)
                .is_none_or(|next| next.text_range.start != glyphs[i].text_range.start);
            if ends_cluster {
                glyphs[i].x_advance += extra;
            }
        }
    }
    glyphs
}

/// Draws the ops placed at (`left`, `top`) (y up from the page's bottom) on a surface whose
/// units are hundredths of a point with y down.
fn paint(surface: &mut Surface<'_>, page_height: Cpt, left: Cpt, top: Cpt, ops: &[Op]) {
    let origin_y = page_height - top;
    for op in ops {
        match op {
            Op::Text {
                x,
                baseline,
                size,
                spacing,
                color,
                line,
            } => {
                surface.set_fill(Some(fill(*color)));
                let mut pen = left + x;
                for run in &line.runs {
                    let glyphs = krilla_glyphs(run, *size, *spacing);
                    surface.draw_glyphs(
                        Point::from_xy(pen as f32, (origin_y + baseline) as f32),
                        &glyphs,
                        run.face.pdf.clone(),
                        &run.text,
                        *size as f32,
                        false,
                    );
                    pen += run.width(*size, *spacing);
                }
            }
            Op::Fill { x, y, w, h, color } => {
                if let Some(path) = rect_path(left + x, origin_y + y, *w, *h) {
                    surface.set_fill(Some(fill(*color)));
                    surface.draw_path(&path);
                }
            }
            Op::Frame {
                x,
                y,
                w,
                h,
                weight,
                color,
            } => {
                if let Some(path) = rect_path(left + x, origin_y + y, *w, *h) {
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke {
                        paint: rgb::Color::new(color.0, color.1, color.2).into(),
                        width: *weight as f32,
                        ..Stroke::default()
                    }));
                    surface.draw_path(&path);
                    surface.set_stroke(None);
                }
            }
            Op::Disc { cx, cy, r, color } => {
                let (x, y, r) = (left + cx, origin_y + cy, *r);
                // Four Bézier quarter arcs (control distance 0.5523 r).
                let k = r * 5_523 / 10_000;
                let mut path = PathBuilder::new();
                let p = |v: Cpt| v as f32;
                path.move_to(p(x + r), p(y));
                path.cubic_to(p(x + r), p(y + k), p(x + k), p(y + r), p(x), p(y + r));
                path.cubic_to(p(x - k), p(y + r), p(x - r), p(y + k), p(x - r), p(y));
                path.cubic_to(p(x - r), p(y - k), p(x - k), p(y - r), p(x), p(y - r));
                path.cubic_to(p(x + k), p(y - r), p(x + r), p(y - k), p(x + r), p(y));
                path.close();
                if let Some(path) = path.finish() {
                    surface.set_fill(Some(fill(*color)));
                    surface.draw_path(&path);
                }
            }
            Op::Qr {
                x,
                y,
                module,
                matrix,
                ..
            } => {
                // Module units, y down from the code's top-left corner, shifted half a module so
                // each row's centre line has an integer y. Each row is one line one module thick
                // from its first dark module to its last, dashed so that exactly its dark runs
                // are inked: a few bytes a run where a rectangle took twenty, and vector-sharp at
                // any zoom or printer resolution.
                let width = matrix.0;
                surface.push_transform(&Transform::from_row(
                    *module as f32,
                    0.0,
                    0.0,
                    *module as f32,
                    (left + x) as f32,
                    (origin_y + y) as f32,
                ));
                surface.push_transform(&Transform::from_translate(0.0, 0.5));
                surface.set_fill(None);
                for (row, cells) in matrix.1.chunks(width.max(1)).enumerate() {
                    let runs = dark_runs(cells);
                    let (Some(first), Some(last)) = (runs.first(), runs.last()) else {
                        continue;
                    };
                    let (start, end) = (first.0, last.1);
                    // Dark, light, dark, …: the dash array of the runs after the first's start.
                    let mut dash = Vec::with_capacity(runs.len() * 2);
                    for (i, (from, to)) in runs.iter().enumerate() {
                        dash.push((to - from) as f32);
                        if let Some(next) = runs.get(i + 1) {
                            dash.push((next.0 - to) as f32);
                        }
                    }
                    if dash.len() % 2 == 1 {
                        // An odd array repeats with dark and light swapped; the line ends with the
                        // last dark run, so any gap length will do.
                        dash.push(1.0);
                    }
                    let mut path = PathBuilder::new();
                    path.move_to(start as f32, row as f32);
                    path.line_to(end as f32, row as f32);
                    let Some(path) = path.finish() else {
                        continue;
                    };
                    surface.set_stroke(Some(Stroke {
                        paint: rgb::Color::new(0, 0, 0).into(),
                        width: 1.0,
                        line_cap: LineCap::Butt,
                        dash: (runs.len() > 1).then_some(StrokeDash {
                            array: dash,
                            offset: 0.0,
                        }),
                        ..Stroke::default()
                    }));
                    surface.draw_path(&path);
                }
                surface.set_stroke(None);
                surface.pop();
                surface.pop();
            }
        }
    }
}

/// The diagonal SANDBOX/DEMO mark, over everything in multiply mode (it tints panels and
/// leaves text black) but never over a QR code, where a tint could cost a scan.
fn watermark(
    surface: &mut Surface<'_>,
    shaper: &mut Shaper,
    document: &SheetDocument,
    page: &PageDraft,
    (page_width, page_height): (Cpt, Cpt),
) {
    let Some(mark) = &document.watermark else {
        return;
    };
    // A trailing space ends the diagonal "word" for text extractors (poppler would otherwise
    // treat the next word on the page as part of the watermark).
    let text = format!("{mark} ");
    let line = shaper.unkerned(Style::Bold, &text);
    let em = line.width(1_000, 0).max(1);
    let width = page_width - 2 * MARGIN_X;
    // Along the diagonal, at most ~1.05 × the body width (at most 100 pt) so the mark, turned
    // 45°, stays inside the page with Noto Sans's tall ascenders and deep descenders.
    let size = (width * 1_050 / em).min(10_000);
    let length = shaper.unkerned(Style::Bold, mark).width(size, 0);
    let cap = size * 72 / 100;
    // Start so that the centre of the capitals lands on the page centre (y down).
    let (cx, cy) = (page_width / 2, page_height / 2);
    let x = cx - (length / 2) * 7_071 / 10_000 + (cap / 2) * 7_071 / 10_000;
    let y = cy + (length / 2) * 7_071 / 10_000 + (cap / 2) * 7_071 / 10_000;
    let color = match document.environment {
        SheetEnvironment::Demo => DEMO_MARK,
        _ => SANDBOX_MARK,
    };
    // Clip: the page minus the QR codes' squares.
    let mut clip = PathBuilder::new();
    if let Some(rect) = Rect::from_xywh(0.0, 0.0, page_width as f32, page_height as f32) {
        clip.push_rect(rect);
    }
    for (fx, ftop, side) in page.qr_frames() {
        if let Some(rect) = Rect::from_xywh(
            fx as f32,
            (page_height - ftop) as f32,
            side as f32,
            side as f32,
        ) {
            clip.push_rect(rect);
        }
    }
    let Some(clip) = clip.finish() else {
        return;
    };
    surface.push_clip_path(&clip, &FillRule::EvenOdd);
    surface.push_blend_mode(krilla::blend::BlendMode::Multiply);
    surface.push_transform(&Transform::from_row(
        DIAGONAL,
        NEG_DIAGONAL,
        DIAGONAL,
        DIAGONAL,
        x as f32,
        y as f32,
    ));
    surface.set_fill(Some(fill(color)));
    let mut pen = 0;
    for run in &line.runs {
        let glyphs = krilla_glyphs(run, size, 0);
        surface.draw_glyphs(
            Point::from_xy(pen as f32, 0.0),
            &glyphs,
            run.face.pdf.clone(),
            &run.text,
            size as f32,
            false,
        );
        pen += run.width(size, 0);
    }
    surface.pop();
    surface.pop();
    surface.pop();
}

/// Hundredths of a point in points, for the page size.
// Integer layout units to the PDF writer's f32; no money here.
#[allow(clippy::float_arithmetic)]
fn points(cpt: Cpt) -> f32 {
    cpt as f32 / 100.0
}

fn write_document(
    document: &SheetDocument,
    fonts: &Fonts,
    mut pages: Vec<PageDraft>,
    bookmarks: &[(String, usize)],
) -> Result<Vec<u8>, PdfError> {
    let mut sheet = Sheet::new(document.paper, fonts.clone(), QrCache::shared());
    let (page_width, page_height) = (sheet.page_width, sheet.page_height);
    let total = pages.len();
    // Pretty-written objects ("/Type /Page", one key a line): a few hundred bytes a document,
    // and page counters that search for "/Type /Page" (the app's) keep working.
    let mut pdf = Document::new_with(krilla::SerializeSettings {
        pretty: true,
        ..krilla::SerializeSettings::default()
    });
    pdf.set_metadata(
        Metadata::new()
            .title("Deposit instructions".to_owned())
            .creator("Grid Desk".to_owned())
            .producer("Grid Desk (krilla)".to_owned()),
    );
    let size = Size::from_wh(points(page_width), points(page_height))
        .ok_or_else(|| PdfError::Writer("paper size".to_owned()))?;
    for (index, draft) in pages.iter_mut().enumerate() {
        sheet.footer(draft, index + 1, total, document);
        let mut page = pdf.start_page_with(PageSettings::new(size));
        let mut surface = page.surface();
        surface.push_transform(&Transform::from_scale(0.01, 0.01));
        for (left, top, ops) in &draft.placed {
            paint(&mut surface, page_height, *left, *top, ops);
        }
        watermark(
            &mut surface,
            &mut sheet.shaper,
            document,
            draft,
            (page_width, page_height),
        );
        surface.pop();
        surface.finish();
        page.finish();
    }
    let mut outline = Outline::new();
    for (title, page) in bookmarks {
        outline.push_child(OutlineNode::new(
            title.clone(),
            XyzDestination::new(*page, Point::from_xy(0.0, 0.0)),
        ));
    }
    pdf.set_outline(outline);
    pdf.finish().map_err(|e| PdfError::Writer(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_list_is_refused() {
        assert_eq!(
            render_pdf(&[], &SheetOptions::default()),
            Err(PdfError::NoAccounts)
        );
    }
}
