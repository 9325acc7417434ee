//! The fonts of the sheets. Noto Sans and Noto Sans Mono (Regular and Bold, SIL Open Font
//! License, `fonts/OFL.txt`) ship inside the crate, so Latin, Greek, Cyrillic and Vietnamese print
//! the same on every OS. Characters they lack (Arabic, Hebrew, Devanagari, Thai, Chinese, Japanese,
//! Korean, …) are looked up per character among the system's fonts with `fontdb`, the system
//! scanned once per process and only when such a character first appears. A script with no font
//! on the machine is reported ([`MissingScript`]) and printed as empty boxes, never dropped
//! silently.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde::Serialize;
use unicode_script::{Script, UnicodeScript};

/// A text style of the sheets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Style {
    Regular,
    Bold,
    /// Addresses, account numbers, codes.
    Mono,
    /// The reference.
    MonoBold,
}

impl Style {
    pub(crate) fn index(self) -> usize {
        match self {
            Style::Regular => 0,
            Style::Bold => 1,
            Style::Mono => 2,
            Style::MonoBold => 3,
        }
    }

    pub(crate) fn is_bold(self) -> bool {
        matches!(self, Style::Bold | Style::MonoBold)
    }

    pub(crate) fn is_mono(self) -> bool {
        matches!(self, Style::Mono | Style::MonoBold)
    }
}

static BUNDLED: [(&str, &[u8]); 4] = [
    (
        "Noto Sans",
        include_bytes!("../../fonts/NotoSans-Regular.ttf"),
    ),
    ("Noto Sans", include_bytes!("../../fonts/NotoSans-Bold.ttf")),
    (
        "Noto Sans Mono",
        include_bytes!("../../fonts/NotoSansMono-Regular.ttf"),
    ),
    (
        "Noto Sans Mono",
        include_bytes!("../../fonts/NotoSansMono-Bold.ttf"),
    ),
];

/// One font face, ready to shape (harfrust) and to embed (krilla). Its bytes live as long as the
/// process (bundled, or loaded once and kept), so the parsed font can borrow them.
pub(crate) struct Face {
    font: harfrust::FontRef<'static>,
    /// The shaper's tables, read once per face; a shaper is built from them per shaped run.
    shaping: harfrust::ShaperData,
    charmap: skrifa::charmap::Charmap<'static>,
    pub(crate) pdf: krilla::text::Font,
    pub(crate) units_per_em: i32,
    pub(crate) family: String,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face")
            .field("family", &self.family)
            .finish()
    }
}

impl Face {
    fn new(family: &str, data: &'static [u8], index: u32) -> Option<Self> {
        let font = harfrust::FontRef::from_index(data, index).ok()?;
        let shaping = harfrust::ShaperData::new(&font);
        let units_per_em = shaping.shaper(&font).build().units_per_em().max(1);
        let charmap = skrifa::MetadataProvider::charmap(&font);
        let pdf = krilla::text::Font::new(data.into(), index)?;
        Some(Self {
            font,
            shaping,
            charmap,
            pdf,
            units_per_em,
            family: family.to_owned(),
        })
    }

    pub(crate) fn has(&self, c: char) -> bool {
        self.charmap.map(c).is_some()
    }

    /// A shaper over this face (cheap: the tables were read in [`Face::new`]).
    pub(crate) fn shaper(&self) -> harfrust::Shaper<'_> {
        self.shaping.shaper(&self.font).build()
    }
}

/// A script that could not be printed because no font on this machine has it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MissingScript {
    /// "Thai", "Chinese", "Arabic", … ("Symbols" for characters of no particular script).
    pub script: String,
    /// A font to install that has it: "Noto Sans Thai".
    pub font: String,
    /// What the sheet says: "Thai text could not be printed: install a Thai font such as Noto
    /// Sans Thai, then print again."
    pub message: String,
}

impl MissingScript {
    fn for_char(c: char) -> Self {
        let (script, font) = script_and_font(c);
        let message = if script == "Symbols" {
            format!(
                "Some symbols could not be printed: install a font that has them, such as {font}, \
                 then print again."
            )
        } else {
            format!(
                "{script} text could not be printed: install a {script} font such as {font}, \
                 then print again."
            )
        };
        Self {
            script,
            font,
            message,
        }
    }
}

/// A person's name for the script of `c`, and a font that has it.
fn script_and_font(c: char) -> (String, String) {
    let (name, font) = match c.script() {
        Script::Han | Script::Bopomofo => ("Chinese", "Noto Sans CJK SC"),
        Script::Hiragana | Script::Katakana => ("Japanese", "Noto Sans CJK JP"),
        Script::Hangul => ("Korean", "Noto Sans CJK KR"),
        Script::Common | Script::Inherited | Script::Unknown => ("Symbols", "Noto Sans Symbols 2"),
        other => {
            let name = other.full_name().replace('_', " ");
            return (name.clone(), format!("Noto Sans {name}"));
        }
    };
    (name.to_owned(), font.to_owned())
}

/// Which Chinese, Japanese or Korean font to prefer for Han characters: the same character is
/// drawn differently in each, so a Japanese address gets Japanese forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Cjk {
    Chinese,
    Japanese,
    Korean,
}

impl Cjk {
    /// Japanese when the text has kana, Korean when it has hangul, else Chinese.
    pub(crate) fn of(text: &str) -> Self {
        let mut cjk = Cjk::Chinese;
        for c in text.chars().filter(|c| !c.is_ascii()) {
            match c.script() {
                Script::Hiragana | Script::Katakana => return Cjk::Japanese,
                Script::Hangul => cjk = Cjk::Korean,
                _ => {}
            }
        }
        cjk
    }
}

/// Families to try first for a script, on Linux (Noto), macOS and Windows.
fn families_for(c: char, cjk: Cjk) -> Vec<String> {
    let fixed: &[&str] = match (c.script(), cjk) {
        (Script::Hiragana | Script::Katakana, _) | (Script::Han, Cjk::Japanese) => &[
            "Noto Sans CJK JP",
            "Noto Sans JP",
            "Source Han Sans JP",
            "Hiragino Sans",
            "Yu Gothic",
            "Meiryo",
        ],
        (Script::Hangul, _) | (Script::Han, Cjk::Korean) => &[
            "Noto Sans CJK KR",
            "Noto Sans KR",
            "Source Han Sans KR",
            "Apple SD Gothic Neo",
            "Malgun Gothic",
        ],
        (Script::Han | Script::Bopomofo, _) => &[
            "Noto Sans CJK SC",
            "Noto Sans SC",
            "Source Han Sans SC",
            "PingFang SC",
            "Microsoft YaHei",
            "WenQuanYi Micro Hei",
        ],
        (Script::Arabic, _) => &[
            "Noto Sans Arabic",
            "Noto Naskh Arabic",
            "Geeza Pro",
            "Segoe UI",
            "Arial",
        ],
        (Script::Hebrew, _) => &["Noto Sans Hebrew", "Arial Hebrew", "Segoe UI", "Arial"],
        (Script::Thai, _) => &[
            "Noto Sans Thai",
            "Noto Sans Thai UI",
            "Thonburi",
            "Leelawadee UI",
            "Tahoma",
        ],
        (Script::Devanagari, _) => &[
            "Noto Sans Devanagari",
            "Kohinoor Devanagari",
            "Nirmala UI",
            "Mangal",
        ],
        _ => &[],
    };
    let mut families: Vec<String> = fixed.iter().map(|f| (*f).to_owned()).collect();
    let (name, font) = script_and_font(c);
    if name != "Symbols" {
        families.push(font);
    } else {
        families
            .extend(["Noto Sans Symbols 2", "Noto Sans Symbols", "DejaVu Sans"].map(str::to_owned));
    }
    families
}

/// Where the fonts other than the bundled ones come from.
#[derive(Debug)]
enum Source {
    /// The system's fonts, scanned on first need.
    System,
    /// These files only (tests, or a machine that wants the same output everywhere).
    Files(Vec<PathBuf>),
}

/// The sheets' fonts: the bundled Noto Sans family, and the system's fonts for other scripts.
/// Cheap to clone; shared between threads; fonts are loaded once and kept.
#[derive(Clone)]
pub struct Fonts(Arc<Library>);

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("source", &self.0.source)
            .finish()
    }
}

struct Library {
    bundled: [Arc<Face>; 4],
    source: Source,
    database: OnceLock<fontdb::Database>,
    state: Mutex<Fallbacks>,
}

#[derive(Default)]
struct Fallbacks {
    /// The face found for a character (None: no font has it).
    by_char: HashMap<(char, bool, Cjk), Option<Arc<Face>>>,
    /// Faces loaded from the database, by its id.
    loaded: HashMap<fontdb::ID, Option<Arc<Face>>>,
    /// Scripts for which a full scan found nothing: not scanned again.
    missing: HashSet<(String, bool)>,
    /// The face that last served a script: tried first for its other characters.
    by_script: HashMap<(Script, bool, Cjk), Arc<Face>>,
}

fn bundled_faces() -> [Arc<Face>; 4] {
    BUNDLED.map(|(family, data)| {
        // The bundled files are checked by this crate's tests; they always parse.
        Arc::new(Face::new(family, data, 0).expect("the bundled Noto Sans fonts parse"))
    })
}

impl Fonts {
    /// The bundled fonts plus every font installed on this machine (scanned on first need, once
    /// per process). What the app and the `deposit-sheets` command use.
    pub fn system() -> Self {
        static SYSTEM: OnceLock<Fonts> = OnceLock::new();
        SYSTEM
            .get_or_init(|| Fonts::with_source(Source::System))
            .clone()
    }

    /// The bundled fonts plus these font files only: the same output on every machine, or a
    /// machine without some script's font (tests).
    pub fn from_files<I: IntoIterator<Item = PathBuf>>(files: I) -> Self {
        Fonts::with_source(Source::Files(files.into_iter().collect()))
    }

    /// Only the bundled Noto Sans family (Latin, Greek, Cyrillic, Vietnamese).
    pub fn bundled_only() -> Self {
        Fonts::from_files(Vec::new())
    }

    fn with_source(source: Source) -> Self {
        Fonts(Arc::new(Library {
            bundled: bundled_faces(),
            source,
            database: OnceLock::new(),
            state: Mutex::new(Fallbacks::default()),
        }))
    }

    pub(crate) fn bundled(&self, style: Style) -> &Arc<Face> {
        &self.0.bundled[style.index()]
    }

    fn database(&self) -> &fontdb::Database {
        self.0.database.get_or_init(|| {
            let mut db = fontdb::Database::new();
            match &self.0.source {
                Source::System => db.load_system_fonts(),
                Source::Files(files) => {
                    for file in files {
                        // A file that cannot be read is simply not a fallback font.
                        let _ = db.load_font_file(file);
                    }
                }
            }
            db
        })
    }

    /// A face for `c` in the given weight, besides the bundled ones; `None` when no font here has
    /// it.
    pub(crate) fn fallback(&self, c: char, bold: bool, cjk: Cjk) -> Option<Arc<Face>> {
        let key = (c, bold, cjk);
        if let Some(found) = self.state().by_char.get(&key) {
            return found.clone();
        }
        let found = self.find(c, bold, cjk);
        let mut state = self.state();
        if let Some(face) = &found {
            state
                .by_script
                .insert((c.script(), bold, cjk), Arc::clone(face));
        }
        state.by_char.insert(key, found.clone());
        found
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Fallbacks> {
        // Every update is one insert: a panic elsewhere cannot leave it half-written.
        self.0.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn find(&self, c: char, bold: bool, cjk: Cjk) -> Option<Arc<Face>> {
        let script = c.script();
        let last = self.state().by_script.get(&(script, bold, cjk)).cloned();
        if let Some(face) = last.filter(|f| f.has(c)) {
            return Some(face);
        }
        let db = self.database();
        let weight = if bold {
            fontdb::Weight::BOLD
        } else {
            fontdb::Weight::NORMAL
        };
        for family in families_for(c, cjk) {
            let query = fontdb::Query {
                families: &[fontdb::Family::Name(&family)],
                weight,
                ..fontdb::Query::default()
            };
            if let Some(face) = db.query(&query).and_then(|id| self.load(db, id)) {
                if face.has(c) {
                    return Some(face);
                }
            }
        }
        // No usual family: any installed face that has it, upright ones of the nearest weight
        // first. A script found nowhere is not scanned again.
        let name = script_and_font(c).0;
        if self.state().missing.contains(&(name.clone(), bold)) {
            return None;
        }
        let mut faces: Vec<&fontdb::FaceInfo> = db
            .faces()
            .filter(|f| f.style == fontdb::Style::Normal)
            .collect();
        faces.sort_by_key(|f| (f.weight.0.abs_diff(weight.0), f.families.len()));
        for info in faces {
            let has = db
                .with_face_data(info.id, |data, index| {
                    harfrust::FontRef::from_index(data, index)
                        .ok()
                        .and_then(|font| skrifa::MetadataProvider::charmap(&font).map(c))
                        .is_some()
                })
                .unwrap_or(false);
            if has {
                if let Some(face) = self.load(db, info.id) {
                    return Some(face);
                }
            }
        }
        self.state().missing.insert((name, bold));
        None
    }

    /// Loads a face of the database once; its bytes stay in memory for the rest of the process,
    /// where the shaper and the PDF writer both read them.
    fn load(&self, db: &fontdb::Database, id: fontdb::ID) -> Option<Arc<Face>> {
        if let Some(found) = self.state().loaded.get(&id) {
            return found.clone();
        }
        let family = db
            .face(id)
            .and_then(|info| info.families.first())
            .map(|(name, _)| name.clone())
            .unwrap_or_default();
        let face = db
            .with_face_data(id, |data, index| {
                let data: &'static [u8] = Box::leak(data.to_vec().into_boxed_slice());
                Face::new(&family, data, index)
            })
            .flatten()
            .map(Arc::new);
        self.state().loaded.insert(id, face.clone());
        face
    }

    /// The scripts of `texts` that no font here can print, one entry per script, in a stable
    /// order.
    pub fn missing_scripts<'a, I: IntoIterator<Item = &'a str>>(
        &self,
        texts: I,
    ) -> Vec<MissingScript> {
        let regular = self.bundled(Style::Regular);
        let mut missing = BTreeMap::new();
        for text in texts {
            let cjk = Cjk::of(text);
            for c in text.chars() {
                if c.is_ascii() || c.is_whitespace() || is_invisible(c) || regular.has(c) {
                    continue;
                }
                if self.fallback(c, false, cjk).is_none() {
                    let script = MissingScript::for_char(c);
                    missing.entry(script.script.clone()).or_insert(script);
                }
            }
        }
        missing.into_values().collect()
    }
}

/// Characters that draw nothing themselves: joiners, variation selectors, direction marks. They
/// stay with the font of the text around them.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_family_prints_latin_greek_cyrillic_and_vietnamese() {
        let fonts = Fonts::bundled_only();
        for style in [Style::Regular, Style::Bold, Style::Mono, Style::MonoBold] {
            let face = fonts.bundled(style);
            for c in "Łódź Ștefan Ελληνικά Кириллица Tiếng Việt €£₿".chars()
            {
                assert!(
                    c == ' ' || face.has(c),
                    "{} lacks {c:?} ({style:?})",
                    face.family
                );
            }
        }
        assert!(fonts
            .missing_scripts(["Łódź Ștefan ₿ Кириллица"])
            .is_empty());
    }

    #[test]
    fn a_script_without_a_font_is_named_with_a_font_to_install() {
        let missing = Fonts::bundled_only().missing_scripts(["บัญชี ธนาคาร", "東京都", "abc"]);
        let names: Vec<&str> = missing.iter().map(|m| m.script.as_str()).collect();
        assert_eq!(names, ["Chinese", "Thai"]);
        assert_eq!(
            missing[1].message,
            "Thai text could not be printed: install a Thai font such as Noto Sans Thai, then \
             print again."
        );
    }

    #[test]
    fn japanese_text_prefers_japanese_forms() {
        assert_eq!(Cjk::of("東京都千代田区"), Cjk::Chinese);
        assert_eq!(Cjk::of("東京都 ちよだ"), Cjk::Japanese);
        assert_eq!(Cjk::of("서울 中區"), Cjk::Korean);
    }
}
