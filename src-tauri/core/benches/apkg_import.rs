//! `.apkg` import at scale (not a timed test): `cargo bench -p deckmedia-core --bench apkg_import`.
//!
//! Builds a package of 20,000 notes and 100,000 cards (five per note, as a note type with five
//! card templates makes) in Anki's schema 11 *without* its indexes (packages from other tools
//! need not carry them, and the reader must not depend on them), then times reading it
//! (`read_apkg`) and importing it into a fresh data dir (`Core::import_apkg`). Prints one line
//! per figure (median of 3); README's Performance section quotes them.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use deckmedia_core::config::Config;
use deckmedia_core::import::apkg::{read_apkg, Limits};
use deckmedia_core::Core;

const NOTES: i64 = 20_000;
const CARDS_PER_NOTE: i64 = 5;

/// Writes `dir/big.apkg` and returns its path.
fn build_package(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("collection.anki2");
    let conn = rusqlite::Connection::open(&db).expect("collection");
    conn.execute_batch(
        "CREATE TABLE col (id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL, scm integer NOT NULL,
            ver integer NOT NULL, dty integer NOT NULL, usn integer NOT NULL, ls integer NOT NULL,
            conf text NOT NULL, models text NOT NULL, decks text NOT NULL, dconf text NOT NULL, tags text NOT NULL);
         CREATE TABLE notes (id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL, mod integer NOT NULL,
            usn integer NOT NULL, tags text NOT NULL, flds text NOT NULL, sfld integer NOT NULL,
            csum integer NOT NULL, flags integer NOT NULL, data text NOT NULL);
         CREATE TABLE cards (id integer PRIMARY KEY, nid integer NOT NULL, did integer NOT NULL, ord integer NOT NULL,
            mod integer NOT NULL, usn integer NOT NULL, type integer NOT NULL, queue integer NOT NULL,
            due integer NOT NULL, ivl integer NOT NULL, factor integer NOT NULL, reps integer NOT NULL,
            lapses integer NOT NULL, left integer NOT NULL, odue integer NOT NULL, odid integer NOT NULL,
            flags integer NOT NULL, data text NOT NULL);",
    )
    .expect("schema");
    let models = r#"{"1700000000001": {"name": "Basic (five ways)", "flds": [{"name": "Front", "ord": 0}, {"name": "Back", "ord": 1}]}}"#;
    let decks = r#"{"1": {"name": "Default"}, "1700000000002": {"name": "Big deck"}}"#;
    conn.execute("INSERT INTO col VALUES (1, 0, 0, 0, 11, 0, 0, 0, '{}', ?1, ?2, '{}', '{}')", [models, decks]).expect("col");
    conn.execute_batch("BEGIN").expect("begin");
    {
        let mut note = conn.prepare("INSERT INTO notes VALUES (?1, ?2, 1700000000001, 0, 0, '', ?3, ?4, 0, 0, '')").expect("notes");
        let mut card = conn.prepare("INSERT INTO cards VALUES (?1, ?2, 1700000000002, ?3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '')").expect("cards");
        for n in 0..NOTES {
            let word = format!("palabra{n:05}");
            let flds = format!("<b>{word}</b>\x1fword number {n}");
            note.execute(rusqlite::params![n + 1, format!("g{n}"), flds, word]).expect("note");
            // Cards in reverse template order, so the first card is not the first row.
            for ord in (0..CARDS_PER_NOTE).rev() {
                card.execute(rusqlite::params![n * CARDS_PER_NOTE + ord + 1, n + 1, ord]).expect("card");
            }
        }
    }
    conn.execute_batch("COMMIT").expect("commit");
    drop(conn);

    let pkg = dir.join("big.apkg");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&pkg).expect("package"));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    z.start_file("collection.anki2", opts).expect("entry");
    z.write_all(&std::fs::read(&db).expect("read collection")).expect("write entry");
    z.start_file("media", opts).expect("entry");
    z.write_all(b"{}").expect("write entry");
    z.finish().expect("zip");
    pkg
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().expect("tmp");
    let pkg = build_package(dir.path());
    let size = std::fs::metadata(&pkg).map(|m| m.len()).unwrap_or(0);

    let mut read = Vec::new();
    let mut import = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let notes = read_apkg(&pkg, &Limits::default()).expect("read");
        read.push(t.elapsed().as_secs_f64());
        assert_eq!(notes.len(), NOTES as usize);
        assert!(notes.iter().all(|n| n.deck == "Big deck"));

        let data = tempfile::tempdir().expect("tmp");
        let core = Core::open_with_config(data.path(), Config::default()).expect("core");
        let t = Instant::now();
        let report = core.import_apkg(&pkg, None, "es").expect("import");
        import.push(t.elapsed().as_secs_f64());
        assert_eq!((report.decks.len(), report.decks[0].added), (1, NOTES as usize));
    }
    println!(
        "apkg import: {NOTES} notes, {} cards ({:.1} MiB package, no indexes): read {:.2} s, import {:.2} s (median of 3)",
        NOTES * CARDS_PER_NOTE,
        size as f64 / (1 << 20) as f64,
        median(read),
        median(import)
    );
}
