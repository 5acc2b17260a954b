//! Reading word lists: one word per line; CSV/TSV with a header naming the columns (`word`,
//! optional `translation`, `lang`/`language`, `note`); a header-less TSV, or `word,translation`
//! rows with one comma (or semicolon) each (word, translation);
//! or an Anki "Notes in Plain Text" export (`#separator:` / `#html:` / `#columns:` headers).
//! Delimiter, BOM (UTF-8 and UTF-16) and CRLF are detected.
//!
//! [`parse_words`] is all or nothing: a bad row is reported by line number and nothing is
//! imported from a bad file. [`preview`] reads the same way but reports every bad row (up to
//! [`MAX_PREVIEW_ERRORS`]) and the first good ones, for an import dialog.

pub mod apkg;

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::model::{AddWords, Deck, DeckId, ImportReport, NewWord};
use crate::store::{clean_language, clean_text};
use crate::Core;

/// Largest import accepted, in bytes.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;
/// At most this many bad rows are listed in a preview (all are counted).
pub const MAX_PREVIEW_ERRORS: usize = 100;
/// Rows shown by [`Core::preview_import`].
pub const PREVIEW_ROWS: usize = 20;

/// What kind of file an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    /// One word per line, `#` comments.
    List,
    /// Delimited text with a header row (`,`, `;` or tab), or tab-separated without one.
    Table,
    /// Anki's "Notes in Plain Text" export.
    AnkiText,
    /// An Anki package (`.apkg`): its notes, and the pictures and sounds they reference.
    AnkiPackage,
}

/// A row that cannot be imported, by its line number (1-based, in the file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RowError {
    pub line: usize,
    pub reason: String,
}

/// What an import would do, for the UI to show before importing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportPreview {
    /// Good rows (words that would be imported when there are no errors).
    pub total: usize,
    /// The first good rows.
    pub rows: Vec<NewWord>,
    /// Bad rows, in file order, at most [`MAX_PREVIEW_ERRORS`].
    pub errors: Vec<RowError>,
    /// Every bad row, counted (`errors` may be shorter).
    pub error_count: usize,
    /// The fields found, in this order: `word`, then `translation`, `language`, `note` when the
    /// file has them (`["word"]` for a plain list).
    pub columns: Vec<String>,
    pub format: ImportFormat,
    /// The field separator (`","`, `";"`, `"\t"`, …) of a table or Anki export; `null` for a list.
    pub delimiter: Option<String>,
    /// Pictures and sounds the rows reference (an Anki package's media); 0 for text.
    pub media_files: usize,
}

/// Parses a word list. Blank lines and lines starting with `#` are skipped in plain lists.
/// Any bad row is an error (naming its line) and nothing is returned.
pub fn parse_words(input: &[u8]) -> Result<Vec<NewWord>> {
    let parsed = parse(input)?;
    if let Some(first) = parsed.errors.first() {
        let more = parsed.error_count - 1;
        let tail = match more {
            0 => String::new(),
            1 => " (and 1 more bad row)".to_string(),
            n => format!(" (and {n} more bad rows)"),
        };
        return Err(Error::invalid(format!("line {}: {}{tail}", first.line, first.reason)));
    }
    if parsed.rows.is_empty() {
        return Err(Error::invalid("the list has no words"));
    }
    Ok(parsed.rows)
}

/// Reads a word list like [`parse_words`] without stopping at the first bad row. Fails only
/// when the file as a whole cannot be read (too large, not text).
pub fn preview(input: &[u8], max_rows: usize) -> Result<ImportPreview> {
    let mut p = parse(input)?;
    let total = p.rows.len();
    p.rows.truncate(max_rows);
    let mut columns = vec!["word".to_string()];
    let m = p.mapping;
    for (present, name) in [(m.translation, "translation"), (m.language, "language"), (m.note, "note"), (m.sentence, "sentence")] {
        if present.is_some() {
            columns.push(name.to_string());
        }
    }
    Ok(ImportPreview {
        total,
        rows: p.rows,
        errors: p.errors,
        error_count: p.error_count,
        columns,
        format: p.format,
        delimiter: p.delimiter.map(|d| (d as char).to_string()),
        media_files: 0,
    })
}

/// Where words come from: text (a list, CSV/TSV, an Anki text export) or an Anki package.
#[derive(Debug, Clone, Copy)]
pub enum ImportSource<'a> {
    Text(&'a [u8]),
    Package(&'a Path),
}

impl ImportReport {
    fn new(added: usize, already_there: usize, package: Option<&apkg::ApkgImport>) -> ImportReport {
        let mut r = ImportReport { added, already_there, ..ImportReport::default() };
        if let Some(p) = package {
            (r.skipped, r.pictures, r.audio, r.media_skipped) = (p.skipped, p.pictures, p.audio, p.media_skipped);
        }
        r.summary = crate::wording::import_summary(&r);
        r
    }

    fn of_package(p: &apkg::ApkgImport) -> ImportReport {
        let (added, already_there) = p.decks.iter().fold((0, 0), |(a, t), d| (a + d.added, t + d.already_there));
        ImportReport::new(added, already_there, Some(p))
    }
}

impl Core {
    /// The first [`PREVIEW_ROWS`] rows of what `source` would import, and every bad row.
    pub fn preview_import(&self, source: ImportSource<'_>) -> Result<ImportPreview> {
        match source {
            ImportSource::Text(input) => preview(input, PREVIEW_ROWS),
            ImportSource::Package(path) => self.preview_package(path, PREVIEW_ROWS),
        }
    }

    /// Imports into the deck named `deck`, created (with `language`) only once the source has
    /// been read without error: what `deckmedia deck import` does.
    pub fn import_named(&self, deck: &str, language: &str, source: ImportSource<'_>) -> Result<(Deck, ImportReport)> {
        match source {
            // Read (and refused when a row is bad) before the deck is made, and only once.
            ImportSource::Text(input) => {
                let words = parse_words(input)?;
                let target = self.ensure_deck(deck, language)?;
                let AddWords { added, already_there } = self.add_words(target.id, &words)?;
                Ok((self.deck(target.id)?, ImportReport::new(added, already_there, None)))
            }
            // The package is read before any deck is made.
            ImportSource::Package(path) => {
                let r = self.import_apkg(path, Some(deck), language)?;
                let report = ImportReport::of_package(&r);
                let d = r.decks.into_iter().next().map(|d| d.deck).ok_or_else(|| Error::invalid("the package gave no deck"))?;
                Ok((self.deck(d.id)?, report))
            }
        }
    }

    /// The one way words come into an existing deck, from any source. Words already in the deck
    /// (same text) are not added again; a text with a bad row imports nothing; a package's
    /// pictures and sounds become its words' media where they have none.
    pub fn import(&self, deck_id: DeckId, source: ImportSource<'_>) -> Result<ImportReport> {
        let deck = self.deck(deck_id)?;
        match source {
            ImportSource::Text(input) => {
                let words = parse_words(input)?;
                let AddWords { added, already_there } = self.add_words(deck_id, &words)?;
                Ok(ImportReport::new(added, already_there, None))
            }
            ImportSource::Package(path) => {
                Ok(ImportReport::of_package(&self.import_apkg(path, Some(&deck.name), &deck.language)?))
            }
        }
    }
}

// ---- the reader ------------------------------------------------------------------------------

/// Which field of a row is which.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Columns {
    word: usize,
    translation: Option<usize>,
    language: Option<usize>,
    note: Option<usize>,
    /// An example sentence (the sentence-audio slot reads it).
    sentence: Option<usize>,
}

struct Parsed {
    format: ImportFormat,
    delimiter: Option<u8>,
    mapping: Columns,
    rows: Vec<NewWord>,
    errors: Vec<RowError>,
    error_count: usize,
}

impl Parsed {
    fn new(format: ImportFormat, delimiter: Option<u8>, mapping: Columns) -> Parsed {
        Parsed { format, delimiter, mapping, rows: Vec::new(), errors: Vec::new(), error_count: 0 }
    }
    fn error(&mut self, line: usize, reason: impl Into<String>) {
        self.error_count += 1;
        if self.errors.len() < MAX_PREVIEW_ERRORS {
            self.errors.push(RowError { line, reason: one_line(&reason.into()) });
        }
    }
}

/// A reason on one line, at most 200 characters: reasons can quote a field, and a quoted field
/// can hold line breaks.
fn one_line(s: &str) -> String {
    let flat: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    match flat.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

fn parse(input: &[u8]) -> Result<Parsed> {
    if input.len() > MAX_IMPORT_BYTES {
        return Err(Error::invalid(format!("the file is larger than {} MiB", MAX_IMPORT_BYTES / (1024 * 1024))));
    }
    let (text, bad_lines) = decode(input)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // The CSV reader numbers lines one too low after a CRLF record end; LF is read the same.
    let crlf;
    let text = if text.contains("\r\n") {
        crlf = text.replace("\r\n", "\n");
        crlf.as_str()
    } else {
        text
    };
    let mut parsed = if let Some(anki) = AnkiHeaders::read(text) {
        parse_anki(text, anki)
    } else {
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        match header(first) {
            Some((delim, cols)) => parse_table(text, delim, cols, true, None),
            None if is_headerless_tsv(text) => {
                parse_table(text, b'\t', Columns { word: 0, translation: Some(1), ..Default::default() }, false, None)
            }
            None => match headerless_pairs(text) {
                Some(delim) => {
                    // Comment lines are blanked, not removed, so row errors keep their line numbers.
                    let body: String =
                        text.lines().map(|l| if l.trim_start().starts_with('#') { "" } else { l }).collect::<Vec<_>>().join("\n");
                    parse_table(&body, delim, Columns { word: 0, translation: Some(1), ..Default::default() }, false, None)
                }
                None => parse_lines(text),
            },
        }
    };
    if !bad_lines.is_empty() {
        // Lines that were not UTF-8 were blanked before parsing; report them in line order.
        let mut all: Vec<RowError> = bad_lines.iter().map(|&line| RowError { line, reason: "not UTF-8 text".into() }).collect();
        all.append(&mut parsed.errors);
        all.sort_by_key(|e| e.line);
        all.truncate(MAX_PREVIEW_ERRORS);
        parsed.errors = all;
        parsed.error_count += bad_lines.len();
    }
    Ok(parsed)
}

/// The input as text: UTF-8 (lines that are not valid UTF-8 are blanked and returned by number),
/// or UTF-16 when it starts with a UTF-16 byte-order mark (as spreadsheets' "Unicode text" has).
fn decode(input: &[u8]) -> Result<(String, Vec<usize>)> {
    let utf16 = |le: bool| -> Result<(String, Vec<usize>)> {
        let body = &input[2..];
        let units = body.chunks_exact(2).map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) });
        let text: String = char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect();
        if text.contains(char::REPLACEMENT_CHARACTER) || !body.len().is_multiple_of(2) {
            return Err(Error::invalid("the file starts like UTF-16 text but is not"));
        }
        Ok((text, Vec::new()))
    };
    match input {
        [0xff, 0xfe, ..] => return utf16(true),
        [0xfe, 0xff, ..] => return utf16(false),
        _ => {}
    }
    if let Ok(text) = std::str::from_utf8(input) {
        return Ok((text.to_string(), Vec::new()));
    }
    // Neither UTF-8 nor text: a picture, an archive, a spreadsheet.
    if input.contains(&0) {
        return Err(Error::invalid("the file is not text (it contains NUL bytes)"));
    }
    let mut text = String::with_capacity(input.len());
    let mut bad = Vec::new();
    for (i, line) in input.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            text.push('\n');
        }
        match std::str::from_utf8(line) {
            Ok(l) => text.push_str(l),
            Err(_) => bad.push(i + 1),
        }
    }
    Ok((text, bad))
}

/// A header line: a delimiter among tab, `,`, `;` and a `word` column.
fn header(line: &str) -> Option<(u8, Columns)> {
    for delim in [b'\t', b',', b';'] {
        if !line.as_bytes().contains(&delim) && !is_word_header(line) {
            continue;
        }
        let names: Vec<String> = line.split(delim as char).map(str::to_string).collect();
        if let Some(cols) = map_names(&names) {
            return Some((delim, cols));
        }
    }
    None
}

/// Maps column names to fields: `word` (or text/term/front/expression), `translation` (or
/// meaning/back/gloss/definition), `lang`/`language`, `note`/`notes`, `sentence` (or example,
/// examples, "example sentence"). `None` without a word column.
fn map_names(names: &[String]) -> Option<Columns> {
    let names: Vec<String> = names.iter().map(|c| c.trim().trim_matches('"').trim().to_lowercase()).collect();
    let find = |alts: &[&str]| names.iter().position(|n| alts.contains(&n.as_str()));
    let word = find(&["word", "text", "term", "front", "expression"])?;
    Some(Columns {
        word,
        translation: find(&["translation", "meaning", "back", "gloss", "definition"]),
        language: find(&["lang", "language"]),
        note: find(&["note", "notes"]),
        sentence: find(&["sentence", "example", "examples", "example sentence", "example_sentence"]),
    })
}

fn is_word_header(line: &str) -> bool {
    matches!(line.trim().to_lowercase().as_str(), "word" | "text" | "term")
}

/// Every non-empty, non-comment line has a tab (and the first is not a header): word, translation.
fn is_headerless_tsv(text: &str) -> bool {
    let mut lines = text.lines().map(str::trim_end).filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')).peekable();
    lines.peek().is_some() && lines.all(|l| l.contains('\t'))
}

/// `word,translation` rows without a header: every non-empty, non-comment line has exactly one
/// `,` (or every one exactly one `;`) and no quote. A list where only some lines have a comma
/// stays a plain list ("apple, red" is then one word).
fn headerless_pairs(text: &str) -> Option<u8> {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    if lines.is_empty() || lines.iter().any(|l| l.contains('"')) {
        return None;
    }
    [b',', b';'].into_iter().find(|&d| lines.iter().all(|l| l.bytes().filter(|&b| b == d).count() == 1))
}

/// Reads delimited rows. `has_header`: the first record is a header. `anki`: the lines before
/// `text` in the file (Anki's header lines) and whether fields are HTML.
fn parse_table(text: &str, delim: u8, cols: Columns, has_header: bool, anki: Option<(usize, bool)>) -> Parsed {
    let (line_offset, html) = anki.unwrap_or((0, false));
    let format = if anki.is_some() { ImportFormat::AnkiText } else { ImportFormat::Table };
    let mut parsed = Parsed::new(format, Some(delim), cols);
    let mut reader = csv::ReaderBuilder::new().delimiter(delim).flexible(true).has_headers(has_header).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    loop {
        let line_before = reader.position().line() as usize + line_offset;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize + line_offset).unwrap_or(line_before);
                parsed.error(line, csv_reason(&e));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0) + line_offset;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let value = |i: usize| -> Option<String> {
            let raw = record.get(i)?;
            let v = if html { apkg::html_to_text(raw) } else { raw.trim().to_string() };
            Some(v).filter(|s| !s.is_empty())
        };
        let text = match clean_text(&value(cols.word).unwrap_or_default()) {
            Ok(t) => t,
            Err(e) => {
                parsed.error(line, e.to_string());
                continue;
            }
        };
        let language = match cols.language.and_then(value) {
            Some(l) => match clean_language(&l) {
                Ok(l) => Some(l),
                Err(e) => {
                    parsed.error(line, e.to_string());
                    continue;
                }
            },
            None => None,
        };
        parsed.rows.push(NewWord {
            text,
            translation: cols.translation.and_then(value),
            language,
            note: cols.note.and_then(value),
            sentence: cols.sentence.and_then(value),
        });
    }
    parsed
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".into(),
        csv::ErrorKind::UnequalLengths { .. } => "wrong number of fields".into(),
        _ => "cannot read this row (check the quotes)".into(),
    }
}

fn parse_lines(text: &str) -> Parsed {
    let mut parsed = Parsed::new(ImportFormat::List, None, Columns::default());
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        match clean_text(t) {
            Ok(text) => parsed.rows.push(NewWord { text, ..Default::default() }),
            Err(e) => parsed.error(i + 1, e.to_string()),
        }
    }
    parsed
}

// ---- Anki's "Notes in Plain Text" ---------------------------------------------------------------

/// The `#key:value` lines at the top of an Anki text export.
#[derive(Debug, Default)]
struct AnkiHeaders {
    /// How many lines they take.
    lines: usize,
    separator: Option<u8>,
    html: bool,
    columns: Option<String>,
    /// 1-based columns that are not note fields (guid, note type, deck, tags).
    special: Vec<usize>,
}

impl AnkiHeaders {
    const KEYS: [&'static str; 10] =
        ["separator", "html", "columns", "notetype", "deck", "tags", "guid column", "notetype column", "deck column", "tags column"];

    /// The headers, when `text` starts with at least one known Anki header line.
    fn read(text: &str) -> Option<AnkiHeaders> {
        let mut h = AnkiHeaders::default();
        let mut known = false;
        for line in text.lines() {
            let Some(rest) = line.strip_prefix('#') else { break };
            let Some((key, value)) = rest.split_once(':') else { break };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim_end_matches('\r');
            if !Self::KEYS.contains(&key.as_str()) && key != "if matches" {
                break;
            }
            known = true;
            h.lines += 1;
            match key.as_str() {
                "separator" => h.separator = separator(value.trim()),
                "html" => h.html = value.trim().eq_ignore_ascii_case("true"),
                "columns" => h.columns = Some(value.to_string()),
                k if k.ends_with(" column") => {
                    if let Ok(n) = value.trim().parse::<usize>() {
                        if n >= 1 {
                            h.special.push(n);
                        }
                    }
                }
                _ => {}
            }
        }
        known.then_some(h)
    }
}

/// Anki's separator names (`Tab`, `Comma`, `Semicolon`, `Space`, `Pipe`, `Colon`) or one character.
fn separator(value: &str) -> Option<u8> {
    match value.to_ascii_lowercase().as_str() {
        "tab" => Some(b'\t'),
        "comma" => Some(b','),
        "semicolon" => Some(b';'),
        "space" => Some(b' '),
        "pipe" => Some(b'|'),
        "colon" => Some(b':'),
        v if v.len() == 1 && v.is_ascii() && v != "\"" => v.bytes().next(),
        _ => None,
    }
}

fn parse_anki(text: &str, h: AnkiHeaders) -> Parsed {
    let delim = h.separator.unwrap_or(b'\t');
    // The body starts after the header lines.
    let mut offset = 0;
    for _ in 0..h.lines {
        offset = match text[offset..].find('\n') {
            Some(i) => offset + i + 1,
            None => text.len(),
        };
    }
    let body = &text[offset..];
    // Note fields are the columns that are not guid, note type, deck or tags (1-based).
    let field_col = |nth: usize| -> usize {
        let mut seen = 0;
        let mut col = 1;
        loop {
            if !h.special.contains(&col) {
                if seen == nth {
                    return col - 1;
                }
                seen += 1;
            }
            col += 1;
        }
    };
    let by_name = h.columns.as_deref().and_then(|c| map_names(&c.split(delim as char).map(str::to_string).collect::<Vec<_>>()));
    let cols = by_name.unwrap_or(Columns { word: field_col(0), translation: Some(field_col(1)), ..Default::default() });
    parse_table(body, delim, cols, false, Some((h.lines, h.html)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lists_csv_and_tsv_are_read() {
        let w = parse_words("\u{feff}кот\r\n\r\n# comment\nDog\n".as_bytes()).unwrap();
        assert_eq!(w.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(), ["кот", "Dog"]);
        let w = parse_words(b"word,translation,lang\n\"apple, red\",Apfel,de\nsun,,\n").unwrap();
        assert_eq!(w[0].text, "apple, red");
        assert_eq!(w[0].translation.as_deref(), Some("Apfel"));
        assert_eq!(w[0].language.as_deref(), Some("de"));
        assert_eq!(w[1].translation, None);
        let w = parse_words(b"translation\tword\nHund\tdog\n").unwrap();
        assert_eq!(w[0].text, "dog");
        assert_eq!(w[0].translation.as_deref(), Some("Hund"));
    }

    #[test]
    fn bad_rows_name_their_line() {
        let e = parse_words(b"word,translation\nok,fine\n,empty\n").unwrap_err().to_string();
        assert!(e.contains("line 3"), "{e}");
        let e = parse_words(b"one\n\xff\xfe\n").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("UTF-8"), "{e}");
        assert!(parse_words(b"\n \n").is_err());
        let e = parse_words(b"word,lang\nx,../../etc\n").unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
        // Found by the fuzzer: a quoted field with a line break, quoted back in the reason.
        let e = parse_words(b"word,lang\nx,\"e\ns\"\n").unwrap_err().to_string();
        assert_eq!(e, "line 2: 'e s' is not a language code (like en, de, pt-BR)");
    }

    #[test]
    fn a_sentence_or_example_column_fills_the_words_sentence() {
        let w = parse_words(b"word,translation,example\nperro,dog,\"El perro come, y duerme.\"\ngato,cat,\n").unwrap();
        assert_eq!(w[0].sentence.as_deref(), Some("El perro come, y duerme."));
        assert_eq!(w[1].sentence, None, "an empty cell is no sentence");
        let w = parse_words("Front\tSentence\nHund\tDer Hund schläft.\n".as_bytes()).unwrap();
        assert_eq!((w[0].text.as_str(), w[0].sentence.as_deref()), ("Hund", Some("Der Hund schläft.")));
        let text = "#separator:Comma\n#html:false\n#columns:Front,Back,Example sentence\nHund,dog,Der Hund bellt.\n";
        assert_eq!(parse_words(text.as_bytes()).unwrap()[0].sentence.as_deref(), Some("Der Hund bellt."));
        let p = preview(b"word;sentence\na;b c\n", 5).unwrap();
        assert_eq!(p.columns, ["word", "sentence"]);
    }

    #[test]
    fn preview_lists_every_bad_row_and_the_first_good_ones() {
        let p = preview(b"word;translation\na;1\n;2\nb;3\n;4\nc;5\n", 2).unwrap();
        assert_eq!(p.total, 3);
        assert_eq!(p.rows.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(p.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [3, 5]);
        assert_eq!(p.error_count, 2);
        assert_eq!(p.columns, ["word", "translation"]);
        assert_eq!(p.delimiter.as_deref(), Some(";"));
        let e = parse_words(b"word;translation\na;1\n;2\nb;3\n;4\n").unwrap_err().to_string();
        assert_eq!(e, "line 3: the word is empty (and 1 more bad row)");

        let many: String = std::iter::once("word,lang\n".to_string()).chain((0..250).map(|_| "x,../bad\n".to_string())).collect();
        let p = preview(many.as_bytes(), 20).unwrap();
        assert_eq!((p.errors.len(), p.error_count), (MAX_PREVIEW_ERRORS, 250));

        let p = preview(b"one\n\xff\n\xfe\ntwo\n", 20).unwrap();
        assert_eq!(p.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(p.total, 2);
        assert_eq!(p.columns, ["word"]);
        assert_eq!(p.format, ImportFormat::List);
    }

    #[test]
    fn anki_plain_text_exports_are_read() {
        let text = "#separator:tab\n#html:true\n#guid column:1\n#notetype column:2\n#deck column:3\n#tags column:6\n\
                    a1b2\tBasic\tSpanish\t<b>la casa</b>&nbsp;\tthe house<br>[sound:casa.mp3]\tnoun\n\
                    c3d4\tBasic\tSpanish\t\"el perro, grande\"\t\"the dog\"\t\n";
        let p = preview(text.as_bytes(), 20).unwrap();
        assert_eq!(p.format, ImportFormat::AnkiText);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.rows[0].text, "la casa");
        assert_eq!(p.rows[0].translation.as_deref(), Some("the house"));
        assert_eq!(p.rows[1].text, "el perro, grande");
        assert_eq!(p.rows[1].translation.as_deref(), Some("the dog"));

        // No HTML: taken literally. Comma separator, #columns names the fields.
        let text = "#separator:Comma\n#html:false\n#columns:Back,Front\nHund,<dog>\n,\n\"\",cat\nKatze,\n";
        let p = preview(text.as_bytes(), 20).unwrap();
        assert_eq!(p.rows.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(), ["<dog>", "cat"]);
        assert_eq!(p.rows[0].translation.as_deref(), Some("Hund"));
        assert_eq!(p.errors, [RowError { line: 7, reason: "the word is empty".into() }]);
    }

    #[test]
    fn headerless_comma_pairs_are_word_and_translation() {
        let w = parse_words("manzana,apple\nperro, dog\n\n# comment\n".as_bytes()).unwrap_or_default();
        assert_eq!(w.iter().map(|w| (w.text.as_str(), w.translation.as_deref())).collect::<Vec<_>>(), [("manzana", Some("apple")), ("perro", Some("dog"))]);
        let w = parse_words("Haus;house\nHund;dog\n".as_bytes()).unwrap_or_default();
        assert_eq!(w[1].translation.as_deref(), Some("dog"));
        // Not every line has one comma: a plain list, commas and all.
        let w = parse_words("apple, red\nsun\n".as_bytes()).unwrap_or_default();
        assert_eq!(w.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(), ["apple, red", "sun"]);
        let w = parse_words("a, b, c\nd, e, f\n".as_bytes()).unwrap_or_default();
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].translation, None);
    }

    #[test]
    fn headerless_tsv_and_utf16_are_read() {
        let w = parse_words(b"casa\thouse\nperro\tdog\n").unwrap();
        assert_eq!(w[1].text, "perro");
        assert_eq!(w[1].translation.as_deref(), Some("dog"));
        let mut utf16 = vec![0xff, 0xfe];
        for u in "word\tmeaning\r\nÄpfel\tapples\r\n".encode_utf16() {
            utf16.extend(u.to_le_bytes());
        }
        let w = parse_words(&utf16).unwrap();
        assert_eq!(w[0].text, "Äpfel");
        assert_eq!(w[0].translation.as_deref(), Some("apples"));
        assert!(parse_words(b"\x89PNG\r\n\x1a\n\0\0\0").is_err());
    }
}
