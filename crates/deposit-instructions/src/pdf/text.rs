//! Text for the sheets: each line split into runs of one font (the bundled Noto Sans where it has
//! the character, else a system font found per character), right-to-left runs put in visual
//! order (unicode-bidi), each run shaped with harfrust (joining, clusters, marks, kerning), then
//! measured and wrapped. Widths are integers in hundredths of a point, like the layout.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use unicode_bidi::ParagraphBidiInfo;
use unicode_script::{Script, UnicodeScript};

use super::fonts::{is_invisible, Cjk, Face, Fonts, Style};

/// Hundredths of a point.
pub(crate) type Cpt = i32;

/// `a / b` rounded up, for `b > 0` (signed `div_ceil` is not stable).
fn ceil_div(a: i64, b: i64) -> i64 {
    -(-a).div_euclid(b)
}

/// One glyph in font units.
#[derive(Debug, Clone)]
pub(crate) struct Glyph {
    pub(crate) id: u32,
    pub(crate) advance: i32,
    pub(crate) x_offset: i32,
    pub(crate) y_offset: i32,
    /// The bytes of the run's text this glyph's cluster stands for.
    pub(crate) range: Range<usize>,
}

/// Glyphs of one font in one direction, in visual order.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) face: Arc<Face>,
    pub(crate) glyphs: Vec<Glyph>,
    /// The run's text, logical order.
    pub(crate) text: String,
    /// Where `text` starts in the line's text.
    pub(crate) offset: usize,
    /// Sum of the advances, in font units.
    pub(crate) advance: i32,
}

impl Run {
    /// The run's width at `size` with `spacing` after every cluster, rounded up.
    pub(crate) fn width(&self, size: Cpt, spacing: Cpt) -> Cpt {
        let units = i64::from(self.advance) * i64::from(size);
        let upem = i64::from(self.face.units_per_em);
        let clusters = i64::try_from(self.clusters()).unwrap_or(0) * i64::from(spacing);
        Cpt::try_from(ceil_div(units, upem) + clusters).unwrap_or(Cpt::MAX)
    }

    /// How many clusters (groups of glyphs for one piece of text) the run has.
    pub(crate) fn clusters(&self) -> usize {
        let mut count = 0;
        let mut last = None;
        for glyph in &self.glyphs {
            if last != Some(glyph.range.start) {
                count += 1;
                last = Some(glyph.range.start);
            }
        }
        count
    }
}

/// A shaped line: runs left to right.
#[derive(Debug, Clone, Default)]
pub(crate) struct Line {
    pub(crate) runs: Vec<Run>,
}

impl Line {
    pub(crate) fn width(&self, size: Cpt, spacing: Cpt) -> Cpt {
        self.runs.iter().map(|r| r.width(size, spacing)).sum()
    }

    /// Where each cluster starts in the line's text and its width at `size`, in logical order.
    fn cluster_widths(&self, size: Cpt, spacing: Cpt) -> Vec<(usize, Cpt)> {
        let mut clusters: Vec<(usize, i64, i64)> = Vec::new();
        for run in &self.runs {
            let upem = i64::from(run.face.units_per_em);
            // The glyphs' advances summed per cluster start: sorted and merged rather than
            // hashed (a hash map per run was an eighth of a render's instructions, for
            // invoices of hundreds of clusters).
            let mut starts: Vec<(usize, i64)> = run
                .glyphs
                .iter()
                .map(|glyph| (run.offset + glyph.range.start, i64::from(glyph.advance)))
                .collect();
            starts.sort_unstable_by_key(|(at, _)| *at);
            let first = clusters.len();
            for (at, units) in starts {
                let same = clusters.len() > first && clusters.last().is_some_and(|c| c.0 == at);
                match clusters.last_mut() {
                    Some(last) if same => last.1 += units,
                    _ => clusters.push((at, units, upem)),
                }
            }
        }
        clusters.sort_unstable_by_key(|c| c.0);
        clusters
            .into_iter()
            .map(|(at, units, upem)| {
                let width = ceil_div(units * i64::from(size), upem) + i64::from(spacing);
                (at, Cpt::try_from(width).unwrap_or(Cpt::MAX))
            })
            .collect()
    }
}

/// Shapes text for one thread of work, remembering what it shaped: labels and notes repeat
/// on every sheet.
pub(crate) struct Shaper {
    fonts: Fonts,
    /// Shaped lines by style and text.
    cache: [HashMap<String, Arc<Line>>; 4],
    /// Shaping plans (the font's lookups compiled for a direction and script): making one costs
    /// more than shaping a line, so each is made once.
    plans: HashMap<PlanKey, harfrust::ShapePlan>,
}

/// A face (by address: faces live as long as the fonts), direction, script, kerning on.
type PlanKey = (usize, bool, harfrust::Tag, bool);

impl std::fmt::Debug for Shaper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shaper")
            .field("fonts", &self.fonts)
            .field("plans", &self.plans.len())
            .finish()
    }
}

impl Shaper {
    pub(crate) fn new(fonts: Fonts) -> Self {
        Self {
            fonts,
            cache: Default::default(),
            plans: HashMap::new(),
        }
    }

    /// `text` (one line, no line breaks) shaped in `style`.
    pub(crate) fn line(&mut self, style: Style, text: &str) -> Arc<Line> {
        if let Some(line) = self.cache[style.index()].get(text) {
            return Arc::clone(line);
        }
        let line = Arc::new(self.shape_line(style, text));
        self.cache[style.index()].insert(text.to_owned(), Arc::clone(&line));
        line
    }

    /// `text` in the bundled face of `style`, without kerning: one even run, as the diagonal
    /// watermark needs (text extractors split a rotated word where a kerning gap is).
    pub(crate) fn unkerned(&mut self, style: Style, text: &str) -> Line {
        let face = Arc::clone(self.fonts.bundled(style));
        Line {
            runs: vec![self.shape(face, text, 0, false, false)],
        }
    }

    pub(crate) fn width(&mut self, style: Style, size: Cpt, spacing: Cpt, text: &str) -> Cpt {
        self.line(style, text).width(size, spacing)
    }

    fn shape_line(&mut self, style: Style, text: &str) -> Line {
        if text.is_empty() {
            return Line::default();
        }
        let cjk = Cjk::of(text);
        // Left-to-right text needs no reordering (most lines: nothing before Hebrew is RTL).
        if text.chars().all(|c| (c as u32) < 0x0590) {
            return Line {
                runs: self.shape_runs(style, text, 0, false, cjk),
            };
        }
        // The sheet reads left to right, as the window's print preview (an LTR page) shows the
        // same values: a right-to-left value is one right-to-left run inside a left-to-right
        // line, so mixed values read the same in both and extract in logical order.
        let bidi = ParagraphBidiInfo::new(text, Some(unicode_bidi::Level::ltr()));
        if !bidi.has_rtl() {
            return Line {
                runs: self.shape_runs(style, text, 0, false, cjk),
            };
        }
        let (levels, runs) = bidi.visual_runs(0..text.len());
        let mut out = Vec::new();
        for range in runs {
            let rtl = levels.get(range.start).is_some_and(|l| l.is_rtl());
            out.extend(self.shape_runs(style, &text[range.clone()], range.start, rtl, cjk));
        }
        Line { runs: out }
    }

    /// Splits a stretch of one direction into runs of one font and shapes each; runs come back
    /// in visual order.
    fn shape_runs(
        &mut self,
        style: Style,
        text: &str,
        offset: usize,
        rtl: bool,
        cjk: Cjk,
    ) -> Vec<Run> {
        let mut pieces: Vec<(Arc<Face>, Range<usize>)> = Vec::new();
        let primary = Arc::clone(self.fonts.bundled(style));
        for (at, c) in text.char_indices() {
            let face = self.face_for(style, &primary, pieces.last().map(|p| &p.0), c, cjk);
            match pieces.last_mut() {
                Some((last, range)) if Arc::ptr_eq(last, &face) => range.end = at + c.len_utf8(),
                _ => pieces.push((face, at..at + c.len_utf8())),
            }
        }
        if rtl {
            pieces.reverse();
        }
        pieces
            .into_iter()
            .map(|(face, range)| {
                self.shape(face, &text[range.clone()], offset + range.start, rtl, true)
            })
            .collect()
    }

    /// The face for `c`: marks, joiners and neutral characters stay with the text before them;
    /// the bundled face when it has the character; else a system font; else the bundled face,
    /// which draws an empty box (the sheet says which script is missing).
    fn face_for(
        &self,
        style: Style,
        primary: &Arc<Face>,
        previous: Option<&Arc<Face>>,
        c: char,
        cjk: Cjk,
    ) -> Arc<Face> {
        if c.is_ascii() && !c.is_ascii_control() {
            if let Some(previous) = previous.filter(|p| !Arc::ptr_eq(p, primary)) {
                if !c.is_ascii_alphabetic() && previous.has(c) {
                    return Arc::clone(previous);
                }
            }
            return Arc::clone(primary);
        }
        if let Some(previous) = previous {
            let neutral = matches!(c.script(), Script::Common | Script::Inherited);
            if (neutral || is_invisible(c)) && previous.has(c) {
                return Arc::clone(previous);
            }
        }
        if primary.has(c) || is_invisible(c) {
            return Arc::clone(primary);
        }
        self.fonts
            .fallback(c, style.is_bold(), cjk)
            .unwrap_or_else(|| Arc::clone(primary))
    }

    /// Wraps `text` to lines of at most `max`: at spaces where possible, and inside a word too
    /// long for a line (at cluster boundaries, so no letter is split from its marks), keeping
    /// every character. `\n` breaks. Monospaced text is a code (address, IBAN, PIX payload): it
    /// is broken by width alone and keeps every space, so what is printed is exactly the value.
    pub(crate) fn wrap(
        &mut self,
        style: Style,
        size: Cpt,
        spacing: Cpt,
        text: &str,
        max: Cpt,
    ) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            if style.is_mono() {
                if paragraph.is_empty() {
                    lines.push(String::new());
                }
                lines.extend(self.break_anywhere(style, size, spacing, paragraph, max));
                continue;
            }
            let space = self.width(style, size, spacing, " ");
            let mut line = String::new();
            let mut line_width: Cpt = 0;
            for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
                let word_width = self.width(style, size, spacing, word);
                if !line.is_empty() && line_width + space + word_width <= max {
                    line.push(' ');
                    line.push_str(word);
                    line_width += space + word_width;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_width = 0;
                }
                if word_width <= max {
                    line.push_str(word);
                    line_width = word_width;
                    continue;
                }
                // A word wider than the line: all but its last piece are whole lines.
                let mut pieces = self.break_anywhere(style, size, spacing, word, max);
                if let Some(last) = pieces.pop() {
                    lines.append(&mut pieces);
                    line_width = self.width(style, size, spacing, &last);
                    line = last;
                }
            }
            lines.push(line);
        }
        lines
    }

    /// Breaks `text` between clusters wherever the next would pass `max`.
    fn break_anywhere(
        &mut self,
        style: Style,
        size: Cpt,
        spacing: Cpt,
        text: &str,
        max: Cpt,
    ) -> Vec<String> {
        let shaped = self.line(style, text);
        let mut lines = Vec::new();
        let mut start = 0;
        let mut width = 0;
        for (at, w) in shaped.cluster_widths(size, spacing) {
            if at > start && width + w > max {
                lines.push(text[start..at].to_owned());
                start = at;
                width = 0;
            }
            width += w;
        }
        if start < text.len() || lines.is_empty() {
            lines.push(text[start..].to_owned());
        }
        lines
    }
}

impl Shaper {
    /// Shapes one run of one face and direction (with kerning unless `kern` is false).
    fn shape(&mut self, face: Arc<Face>, text: &str, offset: usize, rtl: bool, kern: bool) -> Run {
        let mut buffer = harfrust::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let direction = if rtl {
            harfrust::Direction::RightToLeft
        } else {
            harfrust::Direction::LeftToRight
        };
        buffer.set_direction(direction);
        let script = buffer.script();
        let shaper = face.shaper();
        let key = (Arc::as_ptr(&face) as usize, rtl, script.tag(), kern);
        let plan = self.plans.entry(key).or_insert_with(|| {
            let features: &[harfrust::Feature] = if kern {
                &[]
            } else {
                &[harfrust::Feature::new(harfrust::Tag::new(b"kern"), 0, ..)]
            };
            harfrust::ShapePlan::new(&shaper, direction, Some(script), None, features)
        });
        let output = shaper.shape(buffer, harfrust::ShapeOptions::new().plan(Some(plan)));
        run_of(face, text, offset, &output)
    }
}

/// The glyphs harfrust placed, as a run.
fn run_of(face: Arc<Face>, text: &str, offset: usize, output: &harfrust::GlyphBuffer) -> Run {
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    // A cluster runs from its start to the next larger start (clusters come in visual order).
    let mut starts: Vec<usize> = infos
        .iter()
        .map(|i| usize::try_from(i.cluster).unwrap_or(0))
        .collect();
    starts.sort_unstable();
    starts.dedup();
    let end_of = |start: usize| {
        let next = starts.partition_point(|s| *s <= start);
        starts.get(next).copied().unwrap_or(text.len())
    };
    let mut advance = 0;
    let glyphs = infos
        .iter()
        .zip(positions)
        .map(|(info, pos)| {
            let start = usize::try_from(info.cluster).unwrap_or(0);
            advance += pos.x_advance;
            Glyph {
                id: info.glyph_id,
                advance: pos.x_advance,
                x_offset: pos.x_offset,
                y_offset: pos.y_offset,
                range: start..end_of(start),
            }
        })
        .collect();
    Run {
        face,
        glyphs,
        text: text.to_owned(),
        offset,
        advance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shaper() -> Shaper {
        Shaper::new(Fonts::bundled_only())
    }

    #[test]
    fn wrapping_keeps_every_character_and_respects_the_width() {
        let mut shaper = shaper();
        let value: String = (0..600)
            .map(|i| char::from(b"abcdefghij0123456789"[i % 20]))
            .collect();
        let lines = shaper.wrap(Style::Mono, 1_000, 0, &value, 30_000);
        assert_eq!(lines.concat(), value, "no character may be lost");
        for line in &lines {
            assert!(shaper.width(Style::Mono, 1_000, 0, line) <= 30_000);
        }
        assert_eq!(
            lines[0].len(),
            50,
            "Noto Sans Mono 10 pt is 6 pt a character"
        );

        let words = "Fulano de Tal, S\u{e3}o Paulo";
        let lines = shaper.wrap(Style::Regular, 1_000, 0, words, 6_000);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(lines.join(" "), words, "prose breaks at spaces");

        let lines = shaper.wrap(Style::Mono, 1_000, 0, "5913Fulano de Tal6008", 6_000);
        assert_eq!(lines, ["5913Fulano", " de Tal600", "8"]);
    }

    #[test]
    fn a_long_word_breaks_between_clusters_never_inside_one() {
        let mut shaper = shaper();
        // "e" + combining acute: one cluster of two characters.
        let word = "e\u{301}".repeat(40);
        let lines = shaper.wrap(Style::Regular, 1_000, 0, &word, 3_000);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), word);
        assert!(
            lines.iter().all(|l| l.starts_with('e')),
            "no line starts with a lone accent: {lines:?}"
        );
    }

    #[test]
    fn right_to_left_runs_come_in_visual_order() {
        let mut shaper = Shaper::new(Fonts::system());
        // Logical: "IBAN ", Hebrew "שלום", " abc".
        let line = shaper.shape_line(Style::Regular, "IBAN \u{5e9}\u{5dc}\u{5d5}\u{5dd} abc");
        let texts: Vec<&str> = line.runs.iter().map(|r| r.text.trim()).collect();
        assert_eq!(texts, ["IBAN", "\u{5e9}\u{5dc}\u{5d5}\u{5dd}", "abc"]);
        let hebrew = &line.runs[1];
        assert!(
            hebrew.face.family.contains("Hebrew"),
            "Hebrew comes from a Hebrew font, not {}",
            hebrew.face.family
        );
        let starts: Vec<usize> = hebrew.glyphs.iter().map(|g| g.range.start).collect();
        assert!(
            starts.windows(2).all(|w| w[0] > w[1]),
            "the Hebrew glyphs run right to left (last letter drawn first): {starts:?}"
        );
        // A number after Hebrew belongs to the right-to-left part (UAX #9): drawn left of it.
        let line = shaper.shape_line(Style::Regular, "IBAN \u{5e9}\u{5dc}\u{5d5}\u{5dd} 42");
        let texts: Vec<&str> = line.runs.iter().map(|r| r.text.trim()).collect();
        assert_eq!(texts, ["IBAN", "42", "\u{5e9}\u{5dc}\u{5d5}\u{5dd}"]);
    }
}
