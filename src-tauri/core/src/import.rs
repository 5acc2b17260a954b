//! Reading word lists: one word per line, or CSV/TSV with a header naming the columns
//! (`word`, optional `translation`, `lang`/`language`, `note`). Delimiter, BOM and CRLF are
//! detected. Bad rows are reported by line number and nothing is imported from a bad file.

use crate::error::{Error, Result};
use crate::model::NewWord;
use crate::store::{clean_language, clean_text};

/// Largest import accepted, in bytes.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// Parses a word list. Blank lines and lines starting with `#` are skipped in plain lists.
pub fn parse_words(input: &[u8]) -> Result<Vec<NewWord>> {
    if input.len() > MAX_IMPORT_BYTES {
        return Err(Error::invalid(format!("the file is larger than {} MiB", MAX_IMPORT_BYTES / (1024 * 1024))));
    }
    let text = std::str::from_utf8(input).map_err(|e| {
        let line = input[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        Error::invalid(format!("line {line}: the file is not UTF-8 text"))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let words = match header(first) {
        Some((delim, cols)) => parse_table(text, delim, cols)?,
        None => parse_lines(text)?,
    };
    if words.is_empty() {
        return Err(Error::invalid("the list has no words"));
    }
    Ok(words)
}

#[derive(Debug, Clone, Copy, Default)]
struct Columns {
    word: usize,
    translation: Option<usize>,
    language: Option<usize>,
    note: Option<usize>,
}

/// A header line: a delimiter among tab, `,`, `;` and a `word` column.
fn header(line: &str) -> Option<(u8, Columns)> {
    for delim in [b'\t', b',', b';'] {
        if !line.as_bytes().contains(&delim) && !is_word_header(line) {
            continue;
        }
        let names: Vec<String> = line.split(delim as char).map(|c| c.trim().trim_matches('"').to_lowercase()).collect();
        let find = |alts: &[&str]| names.iter().position(|n| alts.contains(&n.as_str()));
        if let Some(word) = find(&["word", "text", "term", "front"]) {
            return Some((
                delim,
                Columns {
                    word,
                    translation: find(&["translation", "meaning", "back", "gloss"]),
                    language: find(&["lang", "language"]),
                    note: find(&["note", "notes"]),
                },
            ));
        }
    }
    None
}

fn is_word_header(line: &str) -> bool {
    matches!(line.trim().to_lowercase().as_str(), "word" | "text" | "term")
}

fn parse_table(text: &str, delim: u8, cols: Columns) -> Result<Vec<NewWord>> {
    let mut reader = csv::ReaderBuilder::new().delimiter(delim).flexible(true).has_headers(true).from_reader(text.as_bytes());
    let mut words = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            Error::invalid(format!("line {line}: {}", csv_reason(&e)))
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let field = |i: Option<usize>| i.and_then(|i| record.get(i)).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let raw = record.get(cols.word).unwrap_or("");
        let text = clean_text(raw).map_err(|e| Error::invalid(format!("line {line}: {e}")))?;
        let language = match field(cols.language) {
            Some(l) => Some(clean_language(&l).map_err(|e| Error::invalid(format!("line {line}: {e}")))?),
            None => None,
        };
        words.push(NewWord { text, translation: field(cols.translation), language, note: field(cols.note) });
    }
    Ok(words)
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".into(),
        csv::ErrorKind::UnequalLengths { .. } => "wrong number of fields".into(),
        _ => "cannot read this row (check the quotes)".into(),
    }
}

fn parse_lines(text: &str) -> Result<Vec<NewWord>> {
    let mut words = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let text = clean_text(t).map_err(|e| Error::invalid(format!("line {}: {e}", i + 1)))?;
        words.push(NewWord { text, ..Default::default() });
    }
    Ok(words)
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
    }
}
