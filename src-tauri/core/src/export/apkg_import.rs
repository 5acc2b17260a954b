//! Reading words back out of an Anki package (`.apkg`): each note's fields and its deck's name.
//! Media inside the package is not imported.
//!
//! Packages come from anywhere, so nothing in one is trusted:
//!
//! * the zip: at most [`Limits::max_entries`] entries; every entry name a plain name (no folder,
//!   no `..`, no absolute path); declared sizes within [`Limits::max_total_bytes`]; the
//!   collection read through a hard cap ([`Limits::max_collection_bytes`], whatever the header
//!   says) and refused when it inflates more than [`Limits::max_ratio`] times its compressed
//!   size (zip bombs); nothing is ever extracted under a name from the archive;
//! * the SQLite file: opened read-only from a private temp copy with `trusted_schema = OFF`;
//!   `col`, `notes` and `cards` must be plain tables (no views, no generated columns), so reading
//!   them runs no code from the file; at most [`Limits::max_notes`] notes;
//! * the text: fields are reduced to plain text (tags, `[sound:…]` and entities removed) and
//!   checked like any typed word; notes that do not make a valid word are skipped and counted.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

use super::apkg::NOTETYPE_NAME;
use super::TempPath;
use crate::error::{DbContext, Error, Result};
use crate::model::{Deck, NewWord};
use crate::store::{self, AddWords};
use crate::Core;

/// Bounds on what a package may make us read.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_entries: usize,
    /// The sum of all entries' declared sizes.
    pub max_total_bytes: u64,
    /// The collection's real (inflated) size.
    pub max_collection_bytes: u64,
    /// Inflated ÷ compressed, for entries above 1 MiB.
    pub max_ratio: u64,
    pub max_notes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_entries: 100_000, max_total_bytes: 4 << 30, max_collection_bytes: 256 << 20, max_ratio: 100, max_notes: 100_000 }
    }
}

/// A note as read from a package: its deck's name and its fields (names and plain-text values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApkgNote {
    pub deck: String,
    pub notetype: String,
    pub fields: Vec<(String, String)>,
}

/// A deck words went into, with how many were new and how many it had already.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportedDeck {
    pub deck: Deck,
    pub added: usize,
    pub already_there: usize,
}

/// What [`Core::import_apkg`] did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApkgImport {
    /// Each deck words went into.
    pub decks: Vec<ImportedDeck>,
    /// Notes that gave no valid word (empty, too long, …).
    pub skipped: usize,
}

impl Core {
    /// Adds the notes of an Anki package as words: all into the deck named `deck` when given,
    /// else each into a deck named like its Anki deck. New decks get `language`. The word is the
    /// `Word` field of Deck Media's own note type, else the first field; the translation the
    /// `Translation` field, else the second.
    pub fn import_apkg(&self, path: &Path, deck: Option<&str>, language: &str) -> Result<ApkgImport> {
        let notes = read_apkg(path, &Limits::default())?;
        let mut by_deck: Vec<(String, Vec<NewWord>)> = Vec::new();
        let mut skipped = 0;
        for note in notes {
            let Some(word) = note_to_word(&note) else {
                skipped += 1;
                continue;
            };
            let name = deck.map(str::to_string).unwrap_or_else(|| note.deck.clone());
            match by_deck.iter_mut().find(|(n, _)| *n == name) {
                Some((_, words)) => words.push(word),
                None => by_deck.push((name, vec![word])),
            }
        }
        if by_deck.is_empty() {
            return Err(Error::invalid(format!("{} has no notes with a usable word", path.display())));
        }
        let mut decks = Vec::new();
        for (name, words) in by_deck {
            let d = self.ensure_deck(&name, language)?;
            let AddWords { added, already_there } = self.add_words(d.id, &words)?;
            decks.push(ImportedDeck { deck: self.deck(d.id)?, added, already_there });
        }
        Ok(ApkgImport { decks, skipped })
    }
}

/// A note's word and translation, when they are valid.
fn note_to_word(note: &ApkgNote) -> Option<NewWord> {
    let field = |name: &str| note.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let ours = note.notetype == NOTETYPE_NAME || field("Word").is_some();
    let (word, translation) = if ours {
        (field("Word").unwrap_or(""), field("Translation"))
    } else {
        (note.fields.first().map(|(_, v)| v.as_str()).unwrap_or(""), note.fields.get(1).map(|(_, v)| v.as_str()))
    };
    let text = store::clean_text(word).ok()?;
    let translation = translation.map(str::trim).filter(|t| !t.is_empty() && t.chars().count() <= store::MAX_FIELD_CHARS).map(str::to_string);
    Some(NewWord { text, translation, ..Default::default() })
}

/// Reads the notes of an Anki package (`collection.anki21`, else `collection.anki2`), fields as
/// plain text, in note order.
pub fn read_apkg(path: &Path, limits: &Limits) -> Result<Vec<ApkgNote>> {
    let bad = |why: String| Error::invalid(format!("{} is not a usable Anki package: {why}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| Error::io("cannot read", path, e))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| bad(e.to_string()))?;
    if zip.len() > limits.max_entries {
        return Err(bad(format!("{} entries (at most {} allowed)", zip.len(), limits.max_entries)));
    }
    let mut total = 0u64;
    let mut names = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| bad(e.to_string()))?;
        let name = entry.name().map_err(|e| bad(e.to_string()))?.into_owned();
        if !is_plain_name(&name) {
            return Err(bad(format!("an entry has an unsafe name ({:?})", name.chars().take(80).collect::<String>())));
        }
        total = total.saturating_add(entry.size());
        if total > limits.max_total_bytes {
            return Err(bad(format!("its files would take more than {} MiB", limits.max_total_bytes >> 20)));
        }
        names.push(name);
    }
    let has = |n: &str| names.iter().any(|x| x == n);
    let entry = if has("collection.anki21") {
        "collection.anki21"
    } else if has("collection.anki2") {
        if has("collection.anki21b") {
            return Err(bad("it uses the newer Anki format; export it again with \"Support older Anki versions\" ticked".into()));
        }
        "collection.anki2"
    } else {
        return Err(bad("it has no collection.anki2".into()));
    };

    // The collection, copied to a private temp file through a hard cap.
    let tmp = TempPath::create(&std::env::temp_dir(), "apkg-import.sqlite", false)?;
    {
        let mut z = zip.by_name(entry).map_err(|e| bad(e.to_string()))?;
        let (declared, compressed) = (z.size(), z.compressed_size());
        if declared > limits.max_collection_bytes {
            return Err(bad(format!("its collection is {} MiB (at most {} MiB)", declared >> 20, limits.max_collection_bytes >> 20)));
        }
        let mut out = std::fs::OpenOptions::new().write(true).truncate(true).open(&tmp.path).map_err(|e| Error::io("cannot write", &tmp.path, e))?;
        let mut buf = vec![0u8; 64 * 1024];
        let mut read = 0u64;
        loop {
            let n = match z.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(bad(format!("its collection cannot be unpacked ({e})"))),
            };
            read += n as u64;
            if read > limits.max_collection_bytes {
                return Err(bad(format!("its collection unpacks to more than {} MiB", limits.max_collection_bytes >> 20)));
            }
            if read > (1 << 20) && read / compressed.max(1) > limits.max_ratio {
                return Err(bad(format!("its collection inflates more than {}× (a zip bomb?)", limits.max_ratio)));
            }
            out.write_all(&buf[..n]).map_err(|e| Error::io("cannot write", &tmp.path, e))?;
        }
        // A database in WAL mode would make SQLite create -wal/-shm files even read-only: mark it
        // as a rollback-journal database (header bytes 18 and 19), as it is in a real package.
        if read >= 100 {
            use std::io::{Seek, SeekFrom};
            out.seek(SeekFrom::Start(18)).and_then(|_| out.write_all(&[1, 1])).map_err(|e| Error::io("cannot write", &tmp.path, e))?;
        }
        out.sync_all().map_err(|e| Error::io("cannot write", &tmp.path, e))?;
    }
    let _side_files = ["-journal", "-wal", "-shm"].map(|s| tmp.sibling(s));
    read_collection(&tmp.path, limits).map_err(|e| match e {
        Error::Db { cause, .. } => bad(format!("its collection cannot be read ({cause})")),
        other => other,
    })
}

/// A name with no folder part: no `/`, `\`, `..`, drive letter or control character.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 255 && name != "." && name != ".." && !name.chars().any(|c| matches!(c, '/' | '\\' | ':') || c.is_control())
}

fn read_collection(path: &Path, limits: &Limits) -> Result<Vec<ApkgNote>> {
    const CTX: &str = "reading an Anki collection";
    let bad = |why: &str| Error::invalid(format!("the Anki collection {why}"));
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX).db(CTX)?;
    conn.execute_batch("PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON; PRAGMA query_only = ON;").db(CTX)?;
    for table in ["col", "notes", "cards"] {
        let kind: Option<String> = conn
            .query_row("SELECT type FROM sqlite_schema WHERE name = ?1", [table], |r| r.get(0))
            .map(Some)
            .or_else(|e| if matches!(e, rusqlite::Error::QueryReturnedNoRows) { Ok(None) } else { Err(e) })
            .db(CTX)?;
        if kind.as_deref() != Some("table") {
            return Err(bad(&format!("has no {table} table")));
        }
        let mut stmt = conn.prepare("SELECT hidden FROM pragma_table_xinfo(?1)").db(CTX)?;
        let hidden: Vec<i64> = stmt.query_map([table], |r| r.get(0)).db(CTX)?.collect::<Result<_, _>>().db(CTX)?;
        if hidden.iter().any(|h| *h != 0) {
            return Err(bad(&format!("has computed columns in {table}")));
        }
    }
    let count: i64 = conn.query_row("SELECT COUNT(*) FROM notes", [], |r| r.get(0)).db(CTX)?;
    if count as u64 > limits.max_notes as u64 {
        return Err(bad(&format!("has {count} notes (at most {} allowed)", limits.max_notes)));
    }

    let (models, decks): (String, String) = conn.query_row("SELECT models, decks FROM col", [], |r| Ok((r.get(0)?, r.get(1)?))).db(CTX)?;
    let models: Value = serde_json::from_str(&models).map_err(|_| bad("has unreadable note types"))?;
    let decks: Value = serde_json::from_str(&decks).map_err(|_| bad("has unreadable decks"))?;
    // Note type id -> (name, field names in order); deck id -> name.
    let mut notetypes: HashMap<i64, (String, Vec<String>)> = HashMap::new();
    for (id, m) in models.as_object().into_iter().flatten() {
        let Ok(id) = id.parse::<i64>() else { continue };
        let mut fields: Vec<(i64, String)> = m["flds"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, f)| (f["ord"].as_i64().unwrap_or(i as i64), f["name"].as_str().unwrap_or("").to_string()))
            .collect();
        fields.sort_by_key(|(ord, _)| *ord);
        notetypes.insert(id, (m["name"].as_str().unwrap_or("").to_string(), fields.into_iter().map(|(_, n)| n).collect()));
    }
    let deck_names: HashMap<i64, String> =
        decks.as_object().into_iter().flatten().filter_map(|(id, d)| Some((id.parse::<i64>().ok()?, d["name"].as_str()?.to_string()))).collect();

    let mut stmt = conn
        .prepare("SELECT n.mid, n.flds, (SELECT c.did FROM cards c WHERE c.nid = n.id ORDER BY c.ord LIMIT 1) FROM notes n ORDER BY n.id")
        .db(CTX)?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<i64>>(2)?))).db(CTX)?;
    let mut notes = Vec::new();
    for row in rows {
        let (mid, flds, did) = row.db(CTX)?;
        let (notetype, names) = notetypes.get(&mid).cloned().unwrap_or_default();
        let fields = flds
            .split('\x1f')
            .enumerate()
            .map(|(i, v)| (names.get(i).cloned().unwrap_or_else(|| format!("Field {}", i + 1)), html_to_text(v)))
            .collect();
        let deck = did.and_then(|d| deck_names.get(&d).cloned()).unwrap_or_else(|| "Default".to_string());
        notes.push(ApkgNote { deck, notetype, fields });
    }
    Ok(notes)
}

/// A field's HTML as one line of plain text: `[sound:…]` and tags removed, entities decoded,
/// white space collapsed.
pub fn html_to_text(html: &str) -> String {
    let mut s = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("[sound:") {
        s.push_str(&rest[..i]);
        match rest[i..].find(']') {
            Some(j) => rest = &rest[i + j + 1..],
            None => {
                rest = "";
            }
        }
    }
    s.push_str(rest);
    // Tags out (each replaced by a space so "a<br>b" stays two words).
    let mut text = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match (in_tag, c) {
            (false, '<') => in_tag = true,
            (true, '>') => {
                in_tag = false;
                text.push(' ');
            }
            (false, c) => text.push(c),
            (true, _) => {}
        }
    }
    let decoded = decode_entities(&text);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[..rest.len().min(12)].find(';');
        let decoded = end.and_then(|e| {
            let ent = &rest[1..e];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => {
                    let num = ent.strip_prefix('#')?;
                    let v = match num.strip_prefix(['x', 'X']) {
                        Some(h) => u32::from_str_radix(h, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(v).filter(|c| !c.is_control())
                }
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_become_plain_text() {
        assert_eq!(html_to_text("<b>casa</b>&nbsp;grande<br>[sound:x.mp3]"), "casa grande");
        assert_eq!(html_to_text("&lt;script&gt; &#91;sound:a] &#x41; &bogus; & x"), "<script> [sound:a] A &bogus; & x");
        assert_eq!(html_to_text("<img src=\"a.png\">"), "");
        assert_eq!(html_to_text("[sound:unterminated"), "");
    }

    #[test]
    fn only_plain_entry_names_pass() {
        for ok in ["collection.anki2", "media", "0", "12"] {
            assert!(is_plain_name(ok), "{ok}");
        }
        for bad in ["../x", "..", "/etc/passwd", "a/b", "a\\b", "C:x", "", "a\0b"] {
            assert!(!is_plain_name(bad), "{bad}");
        }
    }
}
