//! Export: the Anki package and the CSV folder, read back independently (zip, rusqlite, csv) and
//! checked against the media store's files.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use deckmedia_core::export::apkg::{deck_id, notetype_id, NOTETYPE_NAME};
use deckmedia_core::export::ExportFormat;
use deckmedia_core::{Core, DeckId, Error, MediaKind, NewWord};
use deckmedia_testkit::{Behavior, Fault, FaultAction};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::support::*;

const LIMIT: Duration = Duration::from_secs(30);

/// A deck of `words` (text, translation) in Spanish, with pictures and audio made.
async fn deck_with_media(s: &Setup, name: &str, words: &[(&str, &str)]) -> DeckId {
    let deck = s.core.create_deck(name, "es").unwrap();
    let new: Vec<NewWord> = words
        .iter()
        .map(|(t, tr)| NewWord { text: t.to_string(), translation: Some(tr.to_string()).filter(|x| !x.is_empty()), ..Default::default() })
        .collect();
    s.core.add_words(deck.id, &new).unwrap();
    s.core.generate(deck.id, &BOTH, false).unwrap();
    run(&s.core).await;
    deck.id
}

async fn run(core: &Core) {
    within(LIMIT, core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
}

/// An unpacked `.apkg`: every zip entry by name.
struct Apkg {
    entries: HashMap<String, Vec<u8>>,
    media: HashMap<String, String>,
    db: rusqlite::Connection,
    _db_file: tempfile::NamedTempFile,
}

#[derive(Debug, Clone, PartialEq)]
struct Note {
    id: i64,
    guid: String,
    mid: i64,
    fields: Vec<String>,
    sfld: String,
    csum: i64,
}

impl Apkg {
    fn open(path: &Path) -> Apkg {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).expect("a zip file");
        let mut entries = HashMap::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            assert!(entries.insert(name.clone(), bytes).is_none(), "duplicate entry {name}");
        }
        let media: HashMap<String, String> = serde_json::from_slice(&entries["media"]).expect("media is a JSON map of strings");
        let db_file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(db_file.path(), &entries["collection.anki2"]).unwrap();
        let db = rusqlite::Connection::open(db_file.path()).unwrap();
        Apkg { entries, media, db, _db_file: db_file }
    }

    fn notes(&self) -> Vec<Note> {
        let mut stmt = self.db.prepare("SELECT id, guid, mid, flds, CAST(sfld AS TEXT), csum FROM notes ORDER BY id").unwrap();
        stmt.query_map([], |r| {
            let flds: String = r.get(3)?;
            Ok(Note {
                id: r.get(0)?,
                guid: r.get(1)?,
                mid: r.get(2)?,
                fields: flds.split('\x1f').map(String::from).collect(),
                sfld: r.get(4)?,
                csum: r.get(5)?,
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    fn col_json(&self, column: &str) -> serde_json::Value {
        let text: String = self.db.query_row(&format!("SELECT {column} FROM col"), [], |r| r.get(0)).unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("col.{column} is not JSON: {e}"))
    }

    fn i64(&self, sql: &str) -> i64 {
        self.db.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// The bytes of the media file named `name` in the package.
    fn media_file(&self, name: &str) -> &[u8] {
        let index = self.media.iter().find(|(_, n)| n.as_str() == name).unwrap_or_else(|| panic!("{name} is not in the media map")).0;
        &self.entries[index]
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn is_our_media_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("deckmedia-") else { return false };
    let Some((hash, ext)) = rest.split_once('.') else { return false };
    hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) && matches!(ext, "png" | "mp3" | "ogg" | "wav")
}

/// The stored file of a word's media (`None` when it has none), and its expected export name.
fn stored(core: &Core, deck: DeckId, text: &str, kind: MediaKind) -> Option<(String, Vec<u8>)> {
    let w = core.media_of_deck(deck).unwrap().into_iter().find(|w| w.text == text).unwrap();
    let m = if kind == MediaKind::Image { w.image } else { w.audio };
    let path = PathBuf::from(m.path?);
    let bytes = std::fs::read(&path).unwrap();
    let ext = path.extension().unwrap().to_str().unwrap().to_string();
    Some((format!("deckmedia-{}.{ext}", &sha256_hex(&bytes)[..16]), bytes))
}

fn sha1_csum(text: &str) -> i64 {
    use sha1::Digest as _;
    let d = sha1::Sha1::digest(text.as_bytes());
    u32::from_be_bytes(d[..4].try_into().unwrap()) as i64
}

fn entries_of(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

const SPANISH: [(&str, &str); 4] = [("manzana", "apple"), ("perro", "dog"), ("casa", "house"), ("árbol", "tree")];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apkg_has_one_note_per_word_and_every_referenced_file_byte_for_byte() {
    let s = setup(Behavior::default(), 4).await;
    let deck = deck_with_media(&s, "Spanish A1", &SPANISH).await;
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("spanish.apkg");

    let report = s.core.export("Spanish A1", ExportFormat::Apkg, &out, false).unwrap();
    assert_eq!((report.words, report.pictures, report.audio, report.stale_skipped, report.missing_files), (4, 4, 4, 0, 0));
    assert_eq!(report.bytes, std::fs::metadata(&out).unwrap().len());
    assert_eq!(report.path, out.canonicalize().unwrap());
    assert_eq!(entries_of(out_dir.path()), vec!["spanish.apkg"], "no temp files left behind");

    let pkg = Apkg::open(&out);
    // 8 media files, numbered 0..8, each named by its content.
    assert_eq!(pkg.media.len(), 8);
    let mut expected_entries: HashSet<String> = (0..8).map(|i| i.to_string()).collect();
    expected_entries.extend(["collection.anki2".to_string(), "media".to_string()]);
    assert_eq!(pkg.entries.keys().cloned().collect::<HashSet<_>>(), expected_entries);
    for (index, name) in &pkg.media {
        assert!(is_our_media_name(name), "{name}");
        assert_eq!(&sha256_hex(&pkg.entries[index])[..16], &name[10..26], "{name} is named by its content");
    }

    assert_eq!(pkg.db.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap(), "ok");
    assert_eq!(pkg.i64("SELECT ver FROM col"), 11);
    let notes = pkg.notes();
    assert_eq!(notes.len(), 4);
    assert_eq!(pkg.i64("SELECT COUNT(*) FROM cards"), 4, "one card per note");
    let did = deck_id("Spanish A1");
    assert_eq!(pkg.i64(&format!("SELECT COUNT(*) FROM cards c JOIN notes n ON n.id = c.nid WHERE c.ord = 0 AND c.did = {did}")), 4);

    for (note, (word, translation)) in notes.iter().zip(SPANISH) {
        assert_eq!(note.fields.len(), 8, "Word, Translation, Picture, Audio, Attribution, Sentence, TranslationAudio, SentenceAudio: {:?}", note.fields);
        assert_eq!(note.fields[4], "", "media that needs no credit leaves Attribution empty");
        assert_eq!(&note.fields[5..], ["", "", ""], "no sentence, no translation or sentence audio asked for");
        assert_eq!((note.fields[0].as_str(), note.fields[1].as_str()), (word, translation));
        assert_eq!(note.sfld, word, "the sort field is the word");
        assert_eq!(note.csum, sha1_csum(word));
        assert_eq!(note.mid, notetype_id());
        let (picture, picture_bytes) = stored(&s.core, deck, word, MediaKind::Image).unwrap();
        let (audio, audio_bytes) = stored(&s.core, deck, word, MediaKind::Audio).unwrap();
        assert_eq!(note.fields[2], format!("<img src=\"{picture}\">"));
        assert_eq!(note.fields[3], format!("[sound:{audio}]"));
        assert_eq!(pkg.media_file(&picture), picture_bytes.as_slice(), "{word}: picture byte-identical to the store's");
        assert_eq!(pkg.media_file(&audio), audio_bytes.as_slice(), "{word}: audio byte-identical to the store's");
    }

    let models = pkg.col_json("models");
    let model = &models[notetype_id().to_string()];
    assert_eq!(model["name"], NOTETYPE_NAME);
    let fields: Vec<&str> = model["flds"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(fields, ["Word", "Translation", "Picture", "Audio", "Attribution", "Sentence", "TranslationAudio", "SentenceAudio"]);
    assert_eq!(model["tmpls"].as_array().unwrap().len(), 1);
    assert!(model["tmpls"][0]["qfmt"].as_str().unwrap().contains("{{Picture}}"));
    let back = model["tmpls"][0]["afmt"].as_str().unwrap();
    for field in ["{{Translation}}", "{{TranslationAudio}}", "{{Sentence}}", "{{SentenceAudio}}"] {
        assert!(back.contains(field), "the back shows {field}: {back}");
    }
    let decks = pkg.col_json("decks");
    assert_eq!(decks[did.to_string()]["name"], "Spanish A1");
    assert_eq!(decks[did.to_string()]["id"], did);
    assert!(pkg.col_json("dconf")["1"].is_object());
    assert!(pkg.col_json("conf").is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_word_without_a_picture_exports_an_empty_field_not_a_broken_reference() {
    let s = setup(Behavior::default(), 2).await;
    let deck = deck_with(&s.core, "D", 3);
    s.core.generate(deck, &[MediaKind::Audio], false).unwrap();
    run(&s.core).await;
    s.fake.set_behavior(Behavior { faults: vec![Fault::always("word0001", FaultAction::Status(400))], ..Default::default() });
    s.core.generate(deck, &[MediaKind::Image], false).unwrap();
    run(&s.core).await;
    let w1 = s.core.media_of_deck(deck).unwrap().into_iter().find(|w| w.text == "word0001").unwrap();
    assert_eq!((w1.image.status.as_str(), w1.audio.status.as_str()), ("failed", "done"));

    let out_dir = tempfile::tempdir().unwrap();
    let report = s.core.export("D", ExportFormat::Apkg, &out_dir.path().join("d.apkg"), false).unwrap();
    assert_eq!((report.words, report.pictures, report.audio), (3, 2, 3));
    let pkg = Apkg::open(&out_dir.path().join("d.apkg"));
    assert_eq!(pkg.media.len(), 5);
    let notes = pkg.notes();
    let n1 = notes.iter().find(|n| n.sfld == "word0001").unwrap();
    assert_eq!(n1.fields[2], "", "no picture: an empty field");
    assert!(n1.fields[3].starts_with("[sound:deckmedia-"), "{:?}", n1.fields);
    for n in &notes {
        for f in &n.fields[2..] {
            if let Some(name) = f
                .strip_prefix("<img src=\"")
                .and_then(|x| x.strip_suffix("\">"))
                .or_else(|| f.strip_prefix("[sound:").and_then(|x| x.strip_suffix(']')))
            {
                assert!(pkg.media.values().any(|m| m == name), "{name} is referenced but not packed");
            } else {
                assert_eq!(f, "");
            }
        }
    }

    let folder = out_dir.path().join("d");
    s.core.export("D", ExportFormat::Csv, &folder, false).unwrap();
    let rows = read_csv(&folder.join("deck.csv"));
    let r1 = rows.iter().find(|r| r[0] == "word0001").unwrap();
    assert_eq!(r1[3], "");
    assert!(folder.join(&r1[4]).is_file());

    // A deck whose media was never generated exports too, with no media at all.
    deck_with(&s.core, "Bare", 2);
    let report = s.core.export("Bare", ExportFormat::Apkg, &out_dir.path().join("bare.apkg"), false).unwrap();
    assert_eq!((report.words, report.pictures, report.audio), (2, 0, 0));
    let pkg = Apkg::open(&out_dir.path().join("bare.apkg"));
    assert!(pkg.media.is_empty());
    assert!(pkg.notes().iter().all(|n| n.fields[2].is_empty() && n.fields[3].is_empty()));
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(true).from_path(path).unwrap();
    let header = ["word", "translation", "language", "picture", "audio", "attribution", "sentence", "translation_audio", "sentence_audio"];
    assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), header);
    r.records().map(|rec| rec.unwrap().iter().map(String::from).collect()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_folder_lists_every_word_with_files_beside_it() {
    let s = setup(Behavior::default(), 4).await;
    let deck = deck_with_media(&s, "Spanish A1", &[("manzana", "apple"), ("pero, \"sí\"", "but, \"yes\""), ("línea", "")]).await;
    let out_dir = tempfile::tempdir().unwrap();
    let folder = out_dir.path().join("Spanish A1");
    let report = s.core.export("Spanish A1", ExportFormat::Csv, &folder, false).unwrap();
    assert_eq!((report.words, report.pictures, report.audio), (3, 3, 3));
    assert_eq!(entries_of(out_dir.path()), vec!["Spanish A1"], "no temp folders left behind");

    let rows = read_csv(&folder.join("deck.csv"));
    assert_eq!(rows.len(), 3);
    let texts: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(texts, ["manzana", "pero, \"sí\"", "línea"], "RFC 4180 quoting round-trips");
    assert_eq!(rows[1][1], "but, \"yes\"");
    assert_eq!(rows[2][1], "");
    let mut total = 0;
    for r in &rows {
        assert_eq!(r[2], "es");
        for (col, kind) in [(3, MediaKind::Image), (4, MediaKind::Audio)] {
            let (name, bytes) = stored(&s.core, deck, &r[0], kind).unwrap();
            assert_eq!(r[col], name);
            assert_eq!(std::fs::read(folder.join(&name)).unwrap(), bytes, "{name} byte-identical to the store's");
        }
    }
    for e in entries_of(&folder) {
        assert!(e == "deck.csv" || is_our_media_name(&e), "unexpected file {e}");
        total += std::fs::metadata(folder.join(&e)).unwrap().len();
    }
    assert_eq!(entries_of(&folder).len(), 7);
    assert_eq!(report.bytes, total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_exports_keep_the_note_type_deck_and_note_ids() {
    let s = setup(Behavior::default(), 4).await;
    deck_with_media(&s, "Spanish A1", &SPANISH).await;
    let out_dir = tempfile::tempdir().unwrap();
    let (a, b) = (out_dir.path().join("a.apkg"), out_dir.path().join("b.apkg"));
    s.core.export("Spanish A1", ExportFormat::Apkg, &a, false).unwrap();
    // The word changes its translation; the note must still be the same note.
    let w = s.core.words(s.core.deck_by_name("Spanish A1").unwrap().id).unwrap().into_iter().find(|w| w.text == "perro").unwrap();
    s.core.update_word(w.id, "perro", Some("hound")).unwrap();
    s.core.export("Spanish A1", ExportFormat::Apkg, &b, false).unwrap();
    let (a, b) = (Apkg::open(&a), Apkg::open(&b));
    let keys = |v: serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(a.col_json("models")), keys(b.col_json("models")));
    assert_eq!(keys(a.col_json("decks")), keys(b.col_json("decks")));
    assert_eq!(a.i64("SELECT DISTINCT did FROM cards"), b.i64("SELECT DISTINCT did FROM cards"));
    let guids = |p: &Apkg| p.notes().into_iter().map(|n| (n.sfld, n.guid)).collect::<Vec<_>>();
    assert_eq!(guids(&a), guids(&b));
    let guid_set: HashSet<String> = guids(&a).into_iter().map(|(_, g)| g).collect();
    assert_eq!(guid_set.len(), 4, "one guid per word");
    assert_eq!(b.notes().iter().find(|n| n.sfld == "perro").unwrap().fields[1], "hound");

    // Another deck: the same note type, another deck id, other guids.
    deck_with_media(&s, "Spanish A2", &SPANISH[..2]).await;
    let c = out_dir.path().join("c.apkg");
    s.core.export("Spanish A2", ExportFormat::Apkg, &c, false).unwrap();
    let c = Apkg::open(&c);
    assert_eq!(keys(c.col_json("models")), keys(a.col_json("models")));
    assert_ne!(c.i64("SELECT DISTINCT did FROM cards"), a.i64("SELECT DISTINCT did FROM cards"));
    assert!(c.notes().iter().all(|n| !guid_set.contains(&n.guid)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_word_text_is_escaped_and_never_names_a_file() {
    let hostile = [
        ("<script>alert(1)</script>", "<b>bold</b>"),
        ("\"quoted\" & 'single'", "a\"b"),
        ("../../etc/passwd", "..\\..\\boot.ini"),
        // A word with a sound tag (the tag never reaches a provider, the word does).
        ("evil[sound:evil.mp3]", "<img src=x onerror=alert(1)>"),
    ];
    let s = setup(Behavior::default(), 4).await;
    deck_with_media(&s, "Hostile", &hostile).await;
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("h.apkg");
    let report = s.core.export("Hostile", ExportFormat::Apkg, &out, false).unwrap();
    assert_eq!((report.pictures, report.audio), (4, 4));
    let pkg = Apkg::open(&out);
    for name in pkg.entries.keys() {
        assert!(name == "media" || name == "collection.anki2" || name.parse::<u32>().is_ok(), "entry {name}");
    }
    assert!(pkg.media.values().all(|n| is_our_media_name(n)), "{:?}", pkg.media);
    let notes = pkg.notes();
    for (note, (word, translation)) in notes.iter().zip(hostile) {
        assert_eq!(note.fields.len(), 8);
        assert_eq!(note.sfld, word, "the sort field is the plain text");
        assert_eq!(note.csum, sha1_csum(word));
        for f in &note.fields[..2] {
            assert!(!f.contains('<') && !f.contains('>') && !f.contains('"') && !f.contains("[sound:"), "unescaped: {f}");
        }
        assert_eq!(unescape(&note.fields[0]), word);
        assert_eq!(unescape(&note.fields[1]), translation);
    }
    assert_eq!(notes[0].fields[0], "&lt;script&gt;alert(1)&lt;/script&gt;");

    let folder = out_dir.path().join("h");
    s.core.export("Hostile", ExportFormat::Csv, &folder, false).unwrap();
    for e in entries_of(&folder) {
        assert!(e == "deck.csv" || is_our_media_name(&e), "unexpected file {e}");
    }
    let rows = read_csv(&folder.join("deck.csv"));
    let texts: Vec<(&str, &str)> = rows.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    assert_eq!(texts, hostile, "the CSV keeps the text as it is");
    assert_eq!(entries_of(out_dir.path()), vec!["h", "h.apkg"]);
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&#91;", "[").replace("&amp;", "&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_export_is_replaced_only_when_asked_and_never_half_written() {
    let s = setup(Behavior::default(), 4).await;
    deck_with_media(&s, "Spanish A1", &SPANISH).await;
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("deck.apkg");
    std::fs::write(&out, b"my precious file").unwrap();
    let err = s.core.export("Spanish A1", ExportFormat::Apkg, &out, false).unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)) && err.to_string().contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), b"my precious file");
    let report = s.core.export("Spanish A1", ExportFormat::Apkg, &out, true).unwrap();
    assert_eq!(report.words, 4);
    assert_eq!(Apkg::open(&out).notes().len(), 4);

    // Folders: refused without overwrite; replaced with it; a folder of other files never.
    let folder = out_dir.path().join("folder");
    s.core.export("Spanish A1", ExportFormat::Csv, &folder, false).unwrap();
    let err = s.core.export("Spanish A1", ExportFormat::Csv, &folder, false).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    std::fs::write(folder.join("deck.csv"), b"word\nold\n").unwrap();
    s.core.export("Spanish A1", ExportFormat::Csv, &folder, true).unwrap();
    assert_eq!(read_csv(&folder.join("deck.csv")).len(), 4, "replaced");
    let home = out_dir.path().join("Documents");
    std::fs::create_dir(&home).unwrap();
    std::fs::write(home.join("thesis.docx"), b"years of work").unwrap();
    let err = s.core.export("Spanish A1", ExportFormat::Csv, &home, true).unwrap_err();
    assert!(err.to_string().contains("refusing"), "{err}");
    assert_eq!(entries_of(&home), vec!["thesis.docx"]);
    // An empty folder is free to use.
    let empty = out_dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    s.core.export("Spanish A1", ExportFormat::Csv, &empty, false).unwrap();
    assert_eq!(read_csv(&empty.join("deck.csv")).len(), 4);

    let mut left = entries_of(out_dir.path());
    left.sort();
    assert_eq!(left, vec!["Documents", "deck.apkg", "empty", "folder"], "no temp files left behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clear_errors_for_unknown_decks_empty_decks_and_bad_paths() {
    let s = setup(Behavior::default(), 2).await;
    let out_dir = tempfile::tempdir().unwrap();
    let err = s.core.export("Nope", ExportFormat::Apkg, &out_dir.path().join("x.apkg"), false).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert!(err.to_string().contains("Nope"), "{err}");

    s.core.create_deck("Empty", "en").unwrap();
    let err = s.core.export("Empty", ExportFormat::Apkg, &out_dir.path().join("x.apkg"), false).unwrap_err();
    assert!(err.to_string().contains("no words"), "{err}");

    deck_with(&s.core, "D", 2);
    let err = s.core.export("D", ExportFormat::Apkg, &out_dir.path().join("missing/x.apkg"), false).unwrap_err();
    assert!(matches!(err, Error::Io { .. }) && err.to_string().contains("missing"), "{err}");
    std::fs::write(out_dir.path().join("file"), b"").unwrap();
    let err = s.core.export("D", ExportFormat::Apkg, &out_dir.path().join("file/x.apkg"), false).unwrap_err();
    assert!(err.to_string().contains("not a folder"), "{err}");
    let err = s.core.export("D", ExportFormat::Apkg, out_dir.path(), true).unwrap_err();
    assert!(err.to_string().contains("is a folder"), "{err}");
    let err = s.core.export("D", ExportFormat::Csv, &out_dir.path().join("file"), true).unwrap_err();
    assert!(err.to_string().contains("not a folder"), "{err}");
    assert_eq!(entries_of(out_dir.path()), vec!["file"], "nothing written");
}

// ---- .apkg import -------------------------------------------------------------------------------

use deckmedia_core::import::apkg::{read_apkg, Limits};

/// Writes a zip of `entries` (name, bytes), deflated.
fn write_zip(path: &Path, entries: &[(&str, Vec<u8>)]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        z.start_file(*name, opts).unwrap();
        std::io::Write::write_all(&mut z, bytes).unwrap();
    }
    z.finish().unwrap();
}

/// The collection of an exported package, changed by `edit`.
fn edited_collection(pkg: &Path, edit: impl FnOnce(&rusqlite::Connection)) -> Vec<u8> {
    let p = Apkg::open(pkg);
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), &p.entries["collection.anki2"]).unwrap();
    let conn = rusqlite::Connection::open(tmp.path()).unwrap();
    edit(&conn);
    drop(conn);
    std::fs::read(tmp.path()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exported_package_imports_back_word_for_word() {
    let hostile = [("<script>alert(1)</script>", "<b>bold</b>"), ("\"quoted\" & 'single'", ""), ("[sound:evil.mp3]", "a & b")];
    let s = setup(Behavior::default(), 4).await;
    deck_with_media(&s, "Hostile", &hostile).await;
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("h.apkg");
    s.core.export("Hostile", ExportFormat::Apkg, &out, false).unwrap();

    let imported = s.core.import_apkg(&out, Some("Back"), "es").unwrap();
    assert_eq!(imported.skipped, 0);
    assert_eq!(imported.decks.len(), 1);
    assert_eq!((imported.decks[0].deck.name.as_str(), imported.decks[0].added), ("Back", 3));
    let back = s.core.words(imported.decks[0].deck.id).unwrap();
    let got: Vec<(String, Option<String>)> = back.into_iter().map(|w| (w.text, w.translation)).collect();
    let want: Vec<(String, Option<String>)> = hostile.iter().map(|(w, t)| (w.to_string(), Some(t.to_string()).filter(|t| !t.is_empty()))).collect();
    // The translation "<b>bold</b>" was escaped on export, so it comes back as the same text.
    assert_eq!(got, want);

    // Without a deck name, the Anki deck's name is used; importing again adds nothing.
    let again = s.core.import_apkg(&out, None, "es").unwrap();
    assert_eq!((again.decks[0].deck.name.as_str(), again.decks[0].added, again.decks[0].already_there), ("Hostile", 0, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_note_types_give_their_first_two_fields_as_plain_text() {
    let s = setup(Behavior::default(), 2).await;
    deck_with(&s.core, "D", 3);
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("d.apkg");
    s.core.export("D", ExportFormat::Apkg, &pkg, false).unwrap();
    let collection = edited_collection(&pkg, |c| {
        let models: String = c.query_row("SELECT models FROM col", [], |r| r.get(0)).unwrap();
        let mut models: serde_json::Value = serde_json::from_str(&models).unwrap();
        for m in models.as_object_mut().unwrap().values_mut() {
            m["name"] = "Basic".into();
            m["flds"] = serde_json::json!([{ "name": "Front", "ord": 0 }, { "name": "Back", "ord": 1 }]);
        }
        c.execute("UPDATE col SET models = ?1", [models.to_string()]).unwrap();
        c.execute("UPDATE notes SET flds = '<div>das&nbsp;<b>Haus</b></div>' || char(31) || 'house [sound:h.mp3]' WHERE sfld = 'word0000'", [])
            .unwrap();
        c.execute("UPDATE notes SET flds = '<img src=\"only-a-picture.png\">' || char(31) || 'x' WHERE sfld = 'word0001'", []).unwrap();
    });
    let wal = edited_collection(&pkg, |c| {
        let mode: String = c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    });
    assert_eq!(&wal[18..20], &[2, 2], "a WAL-mode file");
    let wal_pkg = dir.path().join("wal.apkg");
    write_zip(&wal_pkg, &[("collection.anki2", wal)]);
    assert_eq!(read_apkg(&wal_pkg, &Limits::default()).unwrap().len(), 3, "a WAL-mode collection reads too");
    let foreign = dir.path().join("foreign.apkg");
    write_zip(&foreign, &[("collection.anki2", collection), ("media", b"{}".to_vec())]);
    let notes = read_apkg(&foreign, &Limits::default()).unwrap();
    assert_eq!(notes.len(), 3);
    assert_eq!(notes[0].notetype, "Basic");
    assert_eq!(notes[0].fields, vec![("Front".to_string(), "das Haus".to_string()), ("Back".to_string(), "house".to_string())]);
    assert!(notes.iter().all(|n| n.deck == "D"));
    let imported = s.core.import_apkg(&foreign, Some("Foreign"), "de").unwrap();
    assert_eq!((imported.decks[0].added, imported.skipped), (2, 1), "a note with only a picture gives no word");
    let words = s.core.words(imported.decks[0].deck.id).unwrap();
    assert_eq!((words[0].text.as_str(), words[0].translation.as_deref()), ("das Haus", Some("house")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_packages_are_refused_before_anything_is_unpacked() {
    let s = setup(Behavior::default(), 2).await;
    deck_with(&s.core, "D", 2);
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("d.apkg");
    s.core.export("D", ExportFormat::Apkg, &pkg, false).unwrap();
    let collection = Apkg::open(&pkg).entries["collection.anki2"].clone();
    let ok = Limits::default();
    let refused = |name: &str, entries: &[(&str, Vec<u8>)], limits: Limits, expect: &str| {
        let p = dir.path().join(name);
        write_zip(&p, entries);
        let err = read_apkg(&p, &limits).unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)) && err.to_string().contains(expect), "{name}: {err}");
        // The core uses the default limits.
        if format!("{limits:?}") == format!("{ok:?}") {
            let err = s.core.import_apkg(&p, Some("X"), "en").unwrap_err();
            assert!(err.to_string().contains(expect), "{name}: {err}");
        }
    };
    refused("dotdot.apkg", &[("collection.anki2", collection.clone()), ("../../evil.sh", b"rm -rf ~".to_vec())], ok, "unsafe name");
    refused("abs.apkg", &[("collection.anki2", collection.clone()), ("/etc/cron.d/x", b"x".to_vec())], ok, "unsafe name");
    refused("folder.apkg", &[("collection.anki2", collection.clone()), ("a\\b", b"x".to_vec())], ok, "unsafe name");
    // A bomb: 40 MiB of zeros that deflate to a few KiB.
    let zeros = vec![0u8; 40 << 20];
    refused("bomb.apkg", &[("collection.anki2", zeros.clone())], ok, "zip bomb");
    refused("big.apkg", &[("collection.anki2", zeros.clone())], Limits { max_collection_bytes: 8 << 20, ..ok }, "at most 8 MiB");
    refused("total.apkg", &[("collection.anki2", collection.clone()), ("0", zeros)], Limits { max_total_bytes: 16 << 20, ..ok }, "more than 16 MiB");
    refused("many.apkg", &[("collection.anki2", collection.clone()), ("0", vec![1]), ("1", vec![2])], Limits { max_entries: 2, ..ok }, "3 entries");
    refused("empty.apkg", &[("media", b"{}".to_vec())], ok, "no collection.anki2");
    refused("newer.apkg", &[("collection.anki2", collection.clone()), ("collection.anki21b", vec![0; 10])], ok, "newer Anki format");
    refused("notzip.apkg", &[], ok, "");
    std::fs::write(dir.path().join("garbage.apkg"), b"not a zip at all").unwrap();
    assert!(read_apkg(&dir.path().join("garbage.apkg"), &ok).is_err());
    refused("notsqlite.apkg", &[("collection.anki2", b"SQLite format 3\0 but not really".to_vec())], ok, "cannot be read");
    let view = edited_collection(&pkg, |c| {
        c.execute_batch("ALTER TABLE notes RENAME TO n2; CREATE VIEW notes AS SELECT * FROM n2;").unwrap();
    });
    refused("view.apkg", &[("collection.anki2", view)], ok, "has no notes table");
    let computed = edited_collection(&pkg, |c| {
        c.execute_batch("ALTER TABLE notes ADD COLUMN x GENERATED ALWAYS AS (length(flds) * 2) VIRTUAL;").unwrap();
    });
    refused("computed.apkg", &[("collection.anki2", computed)], ok, "computed columns");
    // An R*Tree has no hidden columns and answers the reader's queries: only its CREATE text
    // shows it is a virtual table, whose module's code would run on every read.
    let virtual_cards = edited_collection(&pkg, |c| {
        c.execute_batch("DROP TABLE cards; CREATE VIRTUAL TABLE cards USING rtree(nid, ord, did);").unwrap();
        c.execute("INSERT INTO cards SELECT id, 0, 0 FROM notes", []).unwrap();
    });
    refused("virtual.apkg", &[("collection.anki2", virtual_cards)], ok, "virtual cards table");
    let case = edited_collection(&pkg, |c| {
        c.execute_batch("ALTER TABLE notes RENAME TO n2; CREATE VIEW NOTES AS SELECT * FROM n2;").unwrap();
    });
    refused("case.apkg", &[("collection.anki2", case)], ok, "has no notes table");
    refused("toomany.apkg", &[("collection.anki2", collection)], Limits { max_notes: 1, ..ok }, "2 notes");
    assert_eq!(s.core.list_decks().unwrap().len(), 1, "no deck was created by a refused package");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_with_progress_counts_words_and_finishes_only_when_the_file_is_in_place() {
    let s = setup(Behavior::default(), 4).await;
    let deck = deck_with_media(&s, "Progress", &SPANISH).await;
    let dir = tempfile::tempdir().unwrap();
    for (format, name) in [(ExportFormat::Apkg, "p.apkg"), (ExportFormat::Csv, "p-folder")] {
        let out = dir.path().join(name);
        let mut seen: Vec<(usize, usize, bool)> = Vec::new();
        let report = s.core.export_with_progress(deck, format, &out, false, &mut |done, total| seen.push((done, total, out.exists()))).unwrap();
        assert_eq!(report.words, 4);
        let steps: Vec<(usize, usize)> = seen.iter().map(|&(d, t, _)| (d, t)).collect();
        assert_eq!(steps, [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5)], "{format}");
        assert!(seen[..5].iter().all(|&(_, _, exists)| !exists), "{format}: nothing at the destination before the end");
        assert!(seen[5].2, "{format}: done when the export is in place");
    }
    // From a blocking thread, as the desktop app runs it, reporting through a channel.
    let core = std::sync::Arc::new(s.reopen());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let out = dir.path().join("bg.apkg");
    let task = tokio::task::spawn_blocking({
        let core = core.clone();
        let out = out.clone();
        move || core.export_with_progress(deck, ExportFormat::Apkg, &out, false, &mut |d, t| {
            let _ = tx.send((d, t));
        })
    });
    let report = within(LIMIT, task).await.unwrap().unwrap();
    let mut last = (0, 0);
    while let Ok(p) = rx.try_recv() {
        last = p;
    }
    assert_eq!(last, (5, 5));
    assert_eq!(report.bytes, std::fs::metadata(&out).unwrap().len());
    let e = s.core.export_with_progress(deck + 1000, ExportFormat::Apkg, &dir.path().join("x.apkg"), false, &mut |_, _| {}).unwrap_err();
    assert_eq!(e.code(), deckmedia_core::error::ErrorCode::NotFound);
}
