//! Reading words back out of an Anki package (`.apkg`): each note's fields and its deck's name,
//! and the pictures and sounds its fields reference (`<img src>`, `[sound:]`), which
//! [`Core::import_apkg`] brings into the media store and attaches to the words as done media.
//!
//! Packages come from anywhere, so nothing in one is trusted:
//!
//! * the zip: at most [`Limits::max_entries`] entries; every entry name a plain name (no folder,
//!   no `..`, no absolute path); declared sizes within [`Limits::max_total_bytes`]; the
//!   collection read through a hard cap ([`Limits::max_collection_bytes`], whatever the header
//!   says) and refused when it inflates more than [`Limits::max_ratio`] times its compressed
//!   size (zip bombs); nothing is ever extracted under a name from the archive;
//! * the SQLite file: opened read-only from a private temp copy with `trusted_schema = OFF`;
//!   `col`, `notes` and `cards` must be plain tables (no views, no virtual tables, no generated
//!   columns), so reading them runs no code from the file; at most [`Limits::max_notes`] notes,
//!   each table read in one pass (no per-note query: a package need not have indexes);
//! * the text: fields are reduced to plain text (tags, `[sound:…]` and entities removed) and
//!   checked like any typed word; notes that do not make a valid word are skipped and counted;
//! * media: only files the `media` map names and a field references, with a known picture or
//!   audio extension, at most [`Limits::max_media_bytes`] each (read through a hard cap, with the
//!   same inflation check); stored under their content hash, never under the package's names.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

use crate::export::apkg::NOTETYPE_NAME;
use crate::export::TempPath;
use crate::error::{DbContext, Error, Result};
use crate::media::{MediaStore, StoredFile, IMPORTED_SETTINGS};
use crate::queue::{put_media, MediaRecord, OnExisting};
use crate::model::{AddWords, Deck, DeckId, MediaKind, NewWord, Word, WordId};
use crate::store;
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
    /// One media file's real (inflated) size.
    pub max_media_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 100_000,
            max_total_bytes: 4 << 30,
            max_collection_bytes: 256 << 20,
            max_ratio: 100,
            max_notes: 100_000,
            max_media_bytes: 64 << 20,
        }
    }
}

/// A note as read from a package: its deck's name and its fields (names and plain-text values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApkgNote {
    pub deck: String,
    pub notetype: String,
    pub fields: Vec<(String, String)>,
    /// The first picture (`<img src>`) its fields reference, as written in the field.
    pub picture: Option<String>,
    /// The first sound (`[sound:…]`) its fields reference, outside the fields of the
    /// translation and sentence recordings.
    pub audio: Option<String>,
    /// The sounds of its translation and sentence recording fields (`TranslationAudio`,
    /// `SentenceAudio`, `Example audio`, …: [`slot_of_field`]).
    pub slot_audio: Vec<(MediaKind, String)>,
}

/// The media slot a field named `name` holds a recording for: `TranslationAudio` (or
/// "Translation audio", `translation_audio`), `SentenceAudio` ("Sentence audio", "Example audio").
pub fn slot_of_field(name: &str) -> Option<MediaKind> {
    let key: String = name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
    match key.as_str() {
        "translationaudio" | "meaningaudio" => Some(MediaKind::TranslationAudio),
        "sentenceaudio" | "exampleaudio" | "examplesentenceaudio" => Some(MediaKind::SentenceAudio),
        _ => None,
    }
}

/// The example sentence of a note: a field named Sentence, Example or "Example sentence".
fn sentence_field(fields: &[(String, String)]) -> Option<&str> {
    let is_sentence = |n: &str| {
        let key: String = n.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
        matches!(key.as_str(), "sentence" | "example" | "examples" | "examplesentence")
    };
    fields.iter().find(|(n, _)| is_sentence(n)).map(|(_, v)| v.as_str())
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
    /// Pictures and sounds from the package attached to words that had none.
    pub pictures: usize,
    pub audio: usize,
    /// Referenced media that was not attached: missing from the package, an unknown file type,
    /// too large, or unreadable.
    pub media_skipped: usize,
}

impl Core {
    /// Adds the notes of an Anki package as words: all into the deck named `deck` when given,
    /// else each into a deck named like its Anki deck. New decks get `language`. The word is the
    /// `Word` field of Deck Media's own note type, else the first field; the translation the
    /// `Translation` field, else the second.
    pub fn import_apkg(&self, path: &Path, deck: Option<&str>, language: &str) -> Result<ApkgImport> {
        let limits = Limits::default();
        let mut package = open_package(path, &limits)?;
        let mut by_deck: Vec<(String, Vec<NewWord>, Vec<MediaRefs>)> = Vec::new();
        let mut deck_index: HashMap<String, usize> = HashMap::new();
        let mut skipped = 0;
        for note in std::mem::take(&mut package.notes) {
            let Some(word) = note_to_word(&note) else {
                skipped += 1;
                continue;
            };
            let name = deck.map(str::to_string).unwrap_or_else(|| note.deck.clone());
            let mut media: MediaRefs = (word.text.clone(), note.slot_audio);
            media.1.extend(note.audio.map(|a| (MediaKind::Audio, a)));
            media.1.extend(note.picture.map(|p| (MediaKind::Image, p)));
            match deck_index.get(&name) {
                Some(&i) => {
                    by_deck[i].1.push(word);
                    by_deck[i].2.push(media);
                }
                None => {
                    deck_index.insert(name.clone(), by_deck.len());
                    by_deck.push((name, vec![word], vec![media]));
                }
            }
        }
        if by_deck.is_empty() {
            return Err(Error::invalid(format!("{} has no notes with a usable word", path.display())));
        }
        let mut report = ApkgImport { decks: Vec::new(), skipped, pictures: 0, audio: 0, media_skipped: 0 };
        for (name, words, refs) in by_deck {
            let d = self.ensure_deck(&name, language)?;
            let AddWords { added, already_there } = self.add_words(d.id, &words)?;
            self.attach_package_media(d.id, &refs, &mut package, &limits, &mut report)?;
            report.decks.push(ImportedDeck { deck: self.deck(d.id)?, added, already_there });
        }
        Ok(report)
    }

    /// What [`Core::import_apkg`] would read from a package: its usable notes as words (the
    /// first `max_rows`) and how many pictures and sounds they reference (notes without a
    /// usable word are left out, as the import leaves them). Nothing is written.
    pub(crate) fn preview_package(&self, path: &Path, max_rows: usize) -> Result<crate::import::ImportPreview> {
        let package = open_package(path, &Limits::default())?;
        let mut rows = Vec::new();
        let (mut total, mut media_files, mut translated, mut sentences) = (0, 0, false, false);
        for note in &package.notes {
            let Some(word) = note_to_word(note) else { continue };
            total += 1;
            media_files += usize::from(note.picture.is_some()) + usize::from(note.audio.is_some()) + note.slot_audio.len();
            translated |= word.translation.is_some();
            sentences |= word.sentence.is_some();
            if rows.len() < max_rows {
                rows.push(word);
            }
        }
        let mut columns = vec!["word".to_string()];
        if translated {
            columns.push("translation".to_string());
        }
        if sentences {
            columns.push("sentence".to_string());
        }
        Ok(crate::import::ImportPreview {
            total,
            rows,
            errors: Vec::new(),
            error_count: 0,
            columns,
            format: crate::import::ImportFormat::AnkiPackage,
            delimiter: None,
            media_files,
        })
    }

    /// Stores the pictures and sounds that `refs` (word text, picture, audio) name and attaches
    /// each to its word when the word has no media of that kind yet.
    fn attach_package_media(
        &self,
        deck_id: DeckId,
        refs: &[MediaRefs],
        package: &mut Package,
        limits: &Limits,
        report: &mut ApkgImport,
    ) -> Result<()> {
        if refs.iter().all(|(_, media)| media.is_empty()) {
            return Ok(());
        }
        let words: HashMap<String, Word> = self.words(deck_id)?.into_iter().map(|w| (w.text.clone(), w)).collect();
        let has_media: std::collections::HashSet<(WordId, String)> = {
            let conn = self.store().conn();
            let mut stmt = conn
                .prepare("SELECT m.word_id, m.kind FROM media m JOIN words w ON w.id = m.word_id WHERE w.deck_id = ?1")
                .db("reading media")?;
            let rows = stmt.query_map([deck_id], |r| Ok((r.get::<_, WordId>(0)?, r.get::<_, String>(1)?))).db("reading media")?;
            rows.collect::<Result<_, _>>().db("reading media")?
        };
        let store = MediaStore::new(self.data_dir());
        let mut attach: Vec<(WordId, MediaKind, StoredFile, &'static str, String)> = Vec::new();
        let mut done: std::collections::HashSet<(WordId, MediaKind)> = std::collections::HashSet::new();
        for (text, media) in refs {
            let Some(word) = words.get(text) else { continue };
            for (kind, reference) in media {
                let kind = *kind;
                if has_media.contains(&(word.id, kind.as_str().to_string())) || done.contains(&(word.id, kind)) {
                    continue;
                }
                // A recording of a sentence (or translation) the word does not have is left out.
                let (Some((ext, mime)), Some(source)) = (media_type(kind.medium(), reference), word.source_text(kind)) else {
                    report.media_skipped += 1;
                    continue;
                };
                let Some(bytes) = package.media_file(reference, limits) else {
                    report.media_skipped += 1;
                    continue;
                };
                let stored = store.write(kind, ext, &bytes)?;
                done.insert((word.id, kind));
                attach.push((word.id, kind, stored, mime, source.to_string()));
            }
        }
        if attach.is_empty() {
            return Ok(());
        }
        let now = store::now_ms();
        let mut conn = self.store().conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).db("attaching imported media")?;
        for (word_id, kind, file, mime, text) in attach {
            let media = MediaRecord {
                rel_path: file.rel_path,
                sha256: file.sha256,
                mime: mime.to_string(),
                bytes: file.bytes as i64,
                provider: "apkg".to_string(),
                settings_key: IMPORTED_SETTINGS.to_string(),
                cache_key: crate::media::cache_key(kind, IMPORTED_SETTINGS, "", &text, None),
                source_text: text,
                warning: None,
                attribution: None,
            };
            if put_media(&tx, word_id, kind, &media, now, OnExisting::Keep)? {
                match kind {
                    MediaKind::Image => report.pictures += 1,
                    _ => report.audio += 1,
                }
            }
        }
        tx.commit().db("attaching imported media")?;
        Ok(())
    }
}

/// A word's text with the picture and sounds its note referenced, by kind.
type MediaRefs = (String, Vec<(MediaKind, String)>);


/// The stored extension and MIME type of a referenced file, when it is a picture or a sound.
fn media_type(kind: MediaKind, name: &str) -> Option<(&'static str, &'static str)> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    let found = match (kind, ext.as_str()) {
        (MediaKind::Image, "png") => ("png", "image/png"),
        (MediaKind::Image, "jpg" | "jpeg") => ("jpg", "image/jpeg"),
        (MediaKind::Image, "gif") => ("gif", "image/gif"),
        (MediaKind::Image, "webp") => ("webp", "image/webp"),
        (MediaKind::Image, "svg") => ("svg", "image/svg+xml"),
        (MediaKind::Audio, "mp3") => ("mp3", "audio/mpeg"),
        (MediaKind::Audio, "ogg" | "oga") => ("ogg", "audio/ogg"),
        (MediaKind::Audio, "opus") => ("opus", "audio/opus"),
        (MediaKind::Audio, "wav") => ("wav", "audio/wav"),
        (MediaKind::Audio, "m4a") => ("m4a", "audio/mp4"),
        (MediaKind::Audio, "flac") => ("flac", "audio/flac"),
        _ => return None,
    };
    Some(found)
}

/// An opened package: its notes, and where its media files are.
struct Package {
    notes: Vec<ApkgNote>,
    zip: Zip,
    /// File name (as fields reference it) -> zip entry name.
    media: HashMap<String, String>,
}

impl Package {
    /// The bytes of the file a field references, read through the size and inflation caps;
    /// `None` when it is missing, too large or unreadable.
    fn media_file(&mut self, reference: &str, limits: &Limits) -> Option<Vec<u8>> {
        let entry = self.media.get(reference).or_else(|| self.media.get(&percent_decode(reference)?))?.clone();
        let mut z = self.zip.by_name(&entry).ok()?;
        if z.size() > limits.max_media_bytes {
            return None;
        }
        let compressed = z.compressed_size().max(1);
        let mut out = Vec::with_capacity(z.size().min(1 << 20) as usize);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match z.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return None,
            };
            out.extend_from_slice(&buf[..n]);
            let read = out.len() as u64;
            if read > limits.max_media_bytes || (read > (1 << 20) && read / compressed > limits.max_ratio) {
                return None;
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

/// `%XX` decoding of a file name (Anki writes some names URL-encoded in fields).
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return None;
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit() {
            let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(b[i + 1]) * 16 + hex(b[i + 2]));
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
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
    let usable = |t: &str| !t.is_empty() && t.chars().count() <= store::MAX_FIELD_CHARS;
    let translation = translation.map(str::trim).filter(|t| usable(t)).map(str::to_string);
    let sentence = sentence_field(&note.fields).map(str::trim).filter(|t| usable(t)).map(str::to_string);
    Some(NewWord { text, translation, sentence, ..Default::default() })
}

/// Reads the notes of an Anki package (`collection.anki21`, else `collection.anki2`), fields as
/// plain text, in note order.
pub fn read_apkg(path: &Path, limits: &Limits) -> Result<Vec<ApkgNote>> {
    Ok(open_package(path, limits)?.notes)
}

type Zip = zip::ZipArchive<std::io::BufReader<std::fs::File>>;

fn open_package(path: &Path, limits: &Limits) -> Result<Package> {
    let bad = |why: String| not_a_package(path, why);
    let file = std::fs::File::open(path).map_err(|e| Error::io("cannot read", path, e))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| bad(e.to_string()))?;
    let names = entry_names(&mut zip, limits, path)?;
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
    // In the shared temp folder: owner-only before a byte of the user's collection goes in.
    crate::private::restrict_file(&tmp.path);
    unpack_collection(&mut zip, entry, &tmp.path, limits, path)?;
    let _side_files = ["-journal", "-wal", "-shm"].map(|s| tmp.sibling(s));
    let notes = read_collection(&tmp.path, limits).map_err(|e| match e {
        Error::Db { cause, .. } => bad(format!("its collection cannot be read ({cause})")),
        other => other,
    })?;
    let media = media_map(&mut zip, &names);
    Ok(Package { notes, zip, media })
}

/// The package's error, on one line and bounded: SQLite and zip errors can quote what they read.
fn not_a_package(path: &Path, why: String) -> Error {
    Error::invalid(one_line(&format!("{} is not a usable Anki package: {why}", path.display())))
}

/// The names of the package's entries, once the count, the names and the total size are
/// found safe.
fn entry_names(zip: &mut Zip, limits: &Limits, path: &Path) -> Result<Vec<String>> {
    let bad = |why: String| not_a_package(path, why);
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
    Ok(names)
}

/// Unpacks the collection `entry` to `to` through the size and inflation caps.
fn unpack_collection(zip: &mut Zip, entry: &str, to: &Path, limits: &Limits, path: &Path) -> Result<()> {
    let bad = |why: String| not_a_package(path, why);
    let mut z = zip.by_name(entry).map_err(|e| bad(e.to_string()))?;
    let (declared, compressed) = (z.size(), z.compressed_size());
    if declared > limits.max_collection_bytes {
        return Err(bad(format!("its collection is {} MiB (at most {} MiB)", declared >> 20, limits.max_collection_bytes >> 20)));
    }
    let mut out = std::fs::OpenOptions::new().write(true).truncate(true).open(to).map_err(|e| Error::io("cannot write", to, e))?;
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
        out.write_all(&buf[..n]).map_err(|e| Error::io("cannot write", to, e))?;
    }
    // A database in WAL mode would make SQLite create -wal/-shm files even read-only: mark it
    // as a rollback-journal database (header bytes 18 and 19), as it is in a real package.
    if read >= 100 {
        use std::io::{Seek, SeekFrom};
        out.seek(SeekFrom::Start(18)).and_then(|_| out.write_all(&[1, 1])).map_err(|e| Error::io("cannot write", to, e))?;
    }
    out.sync_all().map_err(|e| Error::io("cannot write", to, e))
}

/// The media map: {"0": "name.png", …} as file name -> entry. A package without one (or with
/// a broken one) still gives its words.
fn media_map(zip: &mut Zip, names: &[String]) -> HashMap<String, String> {
    let names: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
    let has = |n: &str| names.contains(n);
    let mut media = HashMap::new();
    if !has("media") {
        return media;
    }
    let Ok(z) = zip.by_name("media") else { return media };
    let mut text = Vec::new();
    if z.take(MAX_MEDIA_MAP_BYTES + 1).read_to_end(&mut text).is_err() || text.len() as u64 > MAX_MEDIA_MAP_BYTES {
        return media;
    }
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&text) {
        for (entry, name) in map {
            if let Some(name) = name.as_str() {
                if has(&entry) && entry != "media" && !entry.starts_with("collection.") {
                    media.insert(name.to_string(), entry);
                }
            }
        }
    }
    media
}

/// Largest `media` map read.
const MAX_MEDIA_MAP_BYTES: u64 = 32 << 20;

/// Text on one line (white space runs collapsed), at most 300 characters.
fn one_line(s: &str) -> String {
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &collapsed[..i]),
        None => collapsed,
    }
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
        // Names resolve without regard to case in SQLite, so look them up the same way. A
        // virtual table is `type = 'table'` too: only its `CREATE` text tells it apart, and
        // reading one would run its module's code (and fail on an unknown module).
        let found: Option<(String, Option<String>)> = conn
            .query_row("SELECT type, sql FROM sqlite_schema WHERE name = ?1 COLLATE NOCASE", [table], |r| Ok((r.get(0)?, r.get(1)?)))
            .map(Some)
            .or_else(|e| if matches!(e, rusqlite::Error::QueryReturnedNoRows) { Ok(None) } else { Err(e) })
            .db(CTX)?;
        let Some((_, sql)) = found.filter(|(kind, _)| kind == "table") else {
            return Err(bad(&format!("has no {table} table")));
        };
        if is_virtual_table(sql.as_deref().unwrap_or("")) {
            return Err(bad(&format!("has a virtual {table} table (refused, like views and triggers)")));
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

    let first_card_deck = first_card_decks(&conn)?;
    let mut stmt = conn.prepare("SELECT n.id, n.mid, n.flds FROM notes n ORDER BY n.id").db(CTX)?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?))).db(CTX)?;
    let mut notes = Vec::new();
    for row in rows {
        let (nid, mid, flds) = row.db(CTX)?;
        let did = first_card_deck.get(&nid).map(|&(_, did)| did);
        let (notetype, names) = notetypes.get(&mid).cloned().unwrap_or_default();
        let raw: Vec<(String, &str)> =
            flds.split('\x1f').enumerate().map(|(i, v)| (names.get(i).cloned().unwrap_or_else(|| format!("Field {}", i + 1)), v)).collect();
        let fields = raw.iter().map(|(n, v)| (n.clone(), html_to_text(v))).collect();
        // Deck Media's own note type: only its Picture and Audio fields hold media. The fields
        // of the translation and sentence recordings hold theirs, in any note type.
        let ours = notetype == NOTETYPE_NAME;
        let picture = raw.iter().filter(|(n, _)| !ours || n == "Picture").find_map(|(_, v)| image_refs(v).into_iter().next());
        let audio = raw.iter().filter(|(n, _)| (!ours || n == "Audio") && slot_of_field(n).is_none()).find_map(|(_, v)| sound_refs(v).into_iter().next());
        let slot_audio = raw.iter().filter_map(|(n, v)| Some((slot_of_field(n)?, sound_refs(v).into_iter().next()?))).collect();
        let deck = did.and_then(|d| deck_names.get(&d).cloned()).unwrap_or_else(|| "Default".to_string());
        notes.push(ApkgNote { deck, notetype, fields, picture, audio, slot_audio });
    }
    Ok(notes)
}

/// Each note's first card (lowest `ord`): note id -> (ord, deck id), in one pass over `cards`.
/// A per-note subquery would scan every card for every note when the package has no index on
/// `cards.nid` (the file is read-only, so none can be added): minutes for 100,000 cards.
fn first_card_decks(conn: &Connection) -> Result<HashMap<i64, (i64, i64)>> {
    const CTX: &str = "reading an Anki collection";
    let mut stmt = conn.prepare("SELECT nid, ord, did FROM cards").db(CTX)?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))).db(CTX)?;
    let mut first: HashMap<i64, (i64, i64)> = HashMap::new();
    for row in rows {
        let (nid, ord, did) = row.db(CTX)?;
        first.entry(nid).and_modify(|e| if ord < e.0 { *e = (ord, did) }).or_insert((ord, did));
    }
    Ok(first)
}

/// Whether a `CREATE` statement from `sqlite_schema` makes a virtual table.
fn is_virtual_table(sql: &str) -> bool {
    let words: Vec<String> = sql.split_whitespace().take(3).map(str::to_ascii_uppercase).collect();
    words.len() >= 2 && words[0] == "CREATE" && words[1] == "VIRTUAL"
}

/// The file names of a field's `<img src=…>` tags (entities decoded), in order.
pub fn image_refs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("<img") {
        let start = from + i;
        let end = lower[start..].find('>').map(|e| start + e).unwrap_or(lower.len());
        let tag = &html[start..end];
        let tag_lower = &lower[start..end];
        if let Some(j) = tag_lower.find("src=") {
            let v = &tag[j + 4..];
            let name = match v.chars().next() {
                Some(q @ ('"' | '\'')) => v[1..].split(q).next().unwrap_or(""),
                _ => v.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or(""),
            };
            let name = crate::text::decode_entities(name);
            if !name.is_empty() {
                out.push(name);
            }
        }
        from = end.max(start + 4);
    }
    out
}

/// The file names of a field's `[sound:…]` references, in order.
pub fn sound_refs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("[sound:") {
        rest = &rest[i + 7..];
        let Some(end) = rest.find(']') else { break };
        let name = crate::text::decode_entities(rest[..end].trim());
        if !name.is_empty() {
            out.push(name);
        }
        rest = &rest[end + 1..];
    }
    out
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
    crate::text::html_to_plain(&s)
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
        // Found by libFuzzer: a multi-byte character within 12 bytes after '&' (was a panic).
        assert_eq!(html_to_text("&')&s !e \u{a811c} x"), "&')&s !e \u{a811c} x");
        assert_eq!(html_to_text("&ééééééé;"), "&ééééééé;");
        assert_eq!(html_to_text("&#x263A;é"), "☺é");
    }

    #[test]
    fn media_references_are_found() {
        assert_eq!(image_refs("<div><IMG class=x SRC=\"a&amp;b.png\"> <img src='c.jpg'><img src=d.gif/></div>"), ["a&b.png", "c.jpg", "d.gif"]);
        assert_eq!(image_refs("<img alt=x>"), Vec::<String>::new());
        assert_eq!(sound_refs("x [sound:a.mp3][sound: b.ogg ] [sound:open"), ["a.mp3", "b.ogg"]);
        assert_eq!(percent_decode("my%20file%2B.png").as_deref(), Some("my file+.png"));
        assert_eq!(percent_decode("100%"), Some("100%".to_string()));
        assert_eq!(media_type(MediaKind::Image, "x.JPG"), Some(("jpg", "image/jpeg")));
        assert_eq!(media_type(MediaKind::Audio, "x.png"), None);
        assert_eq!(media_type(MediaKind::Image, "noext"), None);
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
