//! Importing: the preview the import dialog shows, importing into an existing deck, Anki's
//! plain-text export, and the full round trip CSV → generate → .apkg → import with the media.

use std::path::PathBuf;
use std::time::Duration;

use deckmedia_core::config::Config;
use deckmedia_core::export::ExportFormat;
use deckmedia_core::import::ImportFormat;
use deckmedia_core::{Core, DeckId};
use deckmedia_testkit::Behavior;
use tokio_util::sync::CancellationToken;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_lists_every_bad_row_and_import_into_merges_by_word() {
    let s = setup(Behavior::default(), 2).await;
    let csv = "\u{feff}word;translation;note\r\ncasa;house;\r\n;nothing\r\nperro;dog;pet\r\n\"\";x\r\ngato;cat;\r\n";
    let p = s.core.preview_import(deckmedia_core::import::ImportSource::Text(csv.as_bytes())).unwrap();
    assert_eq!(p.total, 3);
    assert_eq!(p.rows.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(), ["casa", "perro", "gato"]);
    assert_eq!(p.rows[1].note.as_deref(), Some("pet"));
    assert_eq!(p.errors.iter().map(|e| (e.line, e.reason.as_str())).collect::<Vec<_>>(), [(3, "the word is empty"), (5, "the word is empty")]);
    assert_eq!(p.columns, ["word", "translation", "note"]);
    assert_eq!(p.format, ImportFormat::Table);
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["errors"][0], serde_json::json!({ "line": 3, "reason": "the word is empty" }));
    assert_eq!(json["format"], "table");
    assert_eq!(json["rows"][0]["text"], "casa");

    let deck = s.core.create_deck("Spanish", "es").unwrap();
    let e = s.core.import(deck.id, deckmedia_core::import::ImportSource::Text(csv.as_bytes())).unwrap_err();
    assert_eq!(e.to_string(), "line 3: the word is empty (and 1 more bad row)");
    assert_eq!(s.core.deck(deck.id).unwrap().word_count, 0, "a bad file imports nothing");

    let good = "word,translation\ncasa,house\nperro,dog\n";
    let r = s.core.import(deck.id, deckmedia_core::import::ImportSource::Text(good.as_bytes())).unwrap();
    assert_eq!((r.added, r.already_there), (2, 0));
    let r = s.core.import(deck.id, deckmedia_core::import::ImportSource::Text("casa\ngato\n".as_bytes())).unwrap();
    assert_eq!((r.added, r.already_there), (1, 1));
    assert_eq!(s.core.deck(deck.id).unwrap().word_count, 3);
    assert_eq!(s.core.import(deck.id + 100, deckmedia_core::import::ImportSource::Text(good.as_bytes())).unwrap_err().code(), deckmedia_core::error::ErrorCode::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anki_plain_text_export_imports_word_and_translation() {
    let s = setup(Behavior::default(), 2).await;
    let text = "#separator:tab\n#html:true\n#notetype column:1\n#deck column:2\n\
                Basic\tSpanish\t<b>la casa</b>\tthe house<br>[sound:casa.mp3]\n\
                Basic\tSpanish\tel perro\t\"the dog, a pet\"\n";
    let p = s.core.preview_import(deckmedia_core::import::ImportSource::Text(text.as_bytes())).unwrap();
    assert_eq!(p.format, ImportFormat::AnkiText);
    assert_eq!(p.columns, ["word", "translation"]);
    let (deck, added) = s.core.import_named("From Anki", "es", deckmedia_core::import::ImportSource::Text(text.as_bytes())).unwrap();
    assert_eq!(added.added, 2);
    let words = s.core.words(deck.id).unwrap();
    let got: Vec<(&str, Option<&str>)> = words.iter().map(|w| (w.text.as_str(), w.translation.as_deref())).collect();
    assert_eq!(got, [("la casa", Some("the house")), ("el perro", Some("the dog, a pet"))]);
}

/// A word's text, translation, picture bytes and audio bytes.
type Contents = (String, Option<String>, Option<Vec<u8>>, Option<Vec<u8>>);

/// Every word's contents, in deck order.
fn contents(core: &Core, deck: DeckId) -> Vec<Contents> {
    let read = |p: &Option<String>| p.as_ref().map(|p| std::fs::read(PathBuf::from(p)).unwrap());
    core.media_of_deck(deck).unwrap().into_iter().map(|w| (w.text, w.translation, read(&w.image.path), read(&w.audio.path))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_csv_generate_apkg_and_back_with_the_media() {
    let s = setup(Behavior::default(), 4).await;
    let csv = "word,translation\nmanzana,apple\nperro,dog\n\"casa, grande\",big house\nárbol,tree\n";
    let (deck, _) = s.core.import_named("Round trip", "es", deckmedia_core::import::ImportSource::Text(csv.as_bytes())).unwrap();
    s.core.generate(deck.id, &BOTH, false).unwrap();
    within(Duration::from_secs(30), s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    let original = contents(&s.core, deck.id);
    assert!(original.iter().all(|(_, _, p, a)| p.is_some() && a.is_some()), "every word has its media");

    let out_dir = tempfile::tempdir().unwrap();
    let pkg = out_dir.path().join("round.apkg");
    s.core.export("Round trip", ExportFormat::Apkg, &pkg, false).unwrap();

    // Into another data dir (another computer): same words, translations and media, byte for byte.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Core::open_with_config(other_dir.path(), Config::default()).unwrap();
    let imported = other.import_apkg(&pkg, Some("Imported"), "es").unwrap();
    assert_eq!((imported.decks[0].added, imported.skipped, imported.pictures, imported.audio, imported.media_skipped), (4, 0, 4, 4, 0));
    let back_id = imported.decks[0].deck.id;
    assert_eq!(contents(&other, back_id), original);
    for w in other.media_of_deck(back_id).unwrap() {
        for m in [&w.image, &w.audio] {
            assert_eq!(m.status, deckmedia_core::MediaStatus::Done, "{}: {m:?}", w.text);
            assert!(!m.stale);
            assert!(PathBuf::from(m.path.as_ref().unwrap()).starts_with(other_dir.path().join("media")));
        }
    }
    // Importing again changes nothing; exporting the imported deck gives the same media.
    let again = other.import_apkg(&pkg, Some("Imported"), "es").unwrap();
    assert_eq!((again.decks[0].added, again.decks[0].already_there, again.pictures, again.audio), (0, 4, 0, 0));
    let pkg2 = out_dir.path().join("again.apkg");
    let report = other.export("Imported", ExportFormat::Apkg, &pkg2, false).unwrap();
    assert_eq!((report.words, report.pictures, report.audio), (4, 4, 4));

    // In the same data dir, a new deck shares the stored files.
    let same = s.core.import_apkg(&pkg, Some("Copy"), "es").unwrap();
    assert_eq!((same.pictures, same.audio), (4, 4));
    let copy = contents(&s.core, same.decks[0].deck.id);
    assert_eq!(copy, original);
    let paths = |core: &Core, deck: DeckId| -> Vec<Option<String>> { core.media_of_deck(deck).unwrap().into_iter().map(|w| w.image.path).collect() };
    assert_eq!(paths(&s.core, same.decks[0].deck.id), paths(&s.core, deck.id), "content-addressed: the same files");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_of_a_foreign_package_is_attached_only_when_present_and_of_a_known_type() {
    use std::io::{Read, Write};
    let s = setup(Behavior::default(), 2).await;
    deck_with(&s.core, "D", 4);
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("d.apkg");
    s.core.export("D", ExportFormat::Apkg, &pkg, false).unwrap();
    // The collection, with fields that reference files the way Anki users' decks do.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&pkg).unwrap()).unwrap();
    let mut collection = Vec::new();
    zip.by_name("collection.anki2").unwrap().read_to_end(&mut collection).unwrap();
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), &collection).unwrap();
    {
        let c = rusqlite::Connection::open(tmp.path()).unwrap();
        let set = |word: &str, picture: &str, audio: &str| {
            c.execute("UPDATE notes SET flds = ?1 WHERE sfld = ?2", [format!("{word}\x1f\x1f{picture}\x1f{audio}"), word.to_string()]).unwrap();
        };
        set("word0000", "<img src=\"Pic One.PNG\">", "[sound:my%20voice.mp3]");
        set("word0001", "<img src=\"missing.png\">", "[sound:clip.exe]");
        set("word0002", "<img src=\"collection.anki2\">", "");
    }
    let collection = std::fs::read(tmp.path()).unwrap();
    let foreign = dir.path().join("foreign.apkg");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&foreign).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for (name, bytes) in [
        ("collection.anki2", collection),
        ("media", br#"{"0": "Pic One.PNG", "1": "my voice.mp3", "2": "clip.exe", "3": "missing.png", "collection.anki2": "collection.anki2"}"#.to_vec()),
        ("0", deckmedia_testkit::png_for_word("one")),
        ("1", deckmedia_testkit::mp3_for_word("one")),
        ("2", b"MZ not audio".to_vec()),
    ] {
        z.start_file(name, opts).unwrap();
        z.write_all(&bytes).unwrap();
    }
    z.finish().unwrap();

    let imported = s.core.import_apkg(&foreign, Some("Foreign"), "en").unwrap();
    assert_eq!((imported.decks[0].added, imported.pictures, imported.audio), (4, 1, 1));
    assert_eq!(imported.media_skipped, 3, "missing.png (not in the package), clip.exe (unknown type), collection.anki2 (not a media entry)");
    let media = s.core.media_of_deck(imported.decks[0].deck.id).unwrap();
    let read = |p: &Option<String>| std::fs::read(p.as_ref().unwrap()).unwrap();
    assert_eq!(read(&media[0].image.path), deckmedia_testkit::png_for_word("one"));
    assert_eq!(read(&media[0].audio.path), deckmedia_testkit::mp3_for_word("one"));
    assert!(media[0].image.path.as_ref().unwrap().ends_with(".png"), "stored by content hash with a lowercase extension");
    for w in &media[1..] {
        assert_eq!((w.image.status.as_str(), w.audio.status.as_str()), ("none", "none"), "{}", w.text);
    }

    // "Generate missing" keeps the user's own media: only the three words without any are made.
    let before = s.fake.stats().requests;
    let deck_id = imported.decks[0].deck.id;
    let batch = s.core.generate(deck_id, &BOTH, false).unwrap();
    assert_eq!(batch.reused_jobs, 2, "{batch:?}");
    s.core.worker().unwrap().run_until_idle(tokio_util::sync::CancellationToken::new()).await.unwrap();
    assert_eq!(s.fake.stats().requests - before, 6);
    let after = s.core.media_of_deck(deck_id).unwrap();
    assert_eq!(read(&after[0].image.path), deckmedia_testkit::png_for_word("one"));
    assert_eq!(read(&after[0].audio.path), deckmedia_testkit::mp3_for_word("one"));
    assert!(after.iter().all(|w| w.image.status == deckmedia_core::MediaStatus::Done && w.audio.status == deckmedia_core::MediaStatus::Done));
}
