//! The database and the core's handling of words: pragmas, bad input, big imports.

use deckmedia_core::{Core, MediaKind, NewWord};
use deckmedia_testkit::Behavior;
use tokio_util::sync::CancellationToken;

use crate::support::*;

#[test]
fn reopening_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    {
        let core = Core::open_with_config(dir.path(), Default::default()).unwrap();
        let d = core.create_deck("Español", "es").unwrap();
        core.add_words(d.id, &[NewWord { text: "manzana".into(), ..Default::default() }]).unwrap();
    }
    let core = Core::open_with_config(dir.path(), Default::default()).unwrap();
    let d = core.deck_by_name("Español").unwrap();
    assert_eq!((d.language.as_str(), d.word_count), ("es", 1));
}

#[test]
fn bad_words_are_refused_with_clear_errors_and_nothing_is_added() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), Default::default()).unwrap();
    let d = core.create_deck("D", "en").unwrap();
    let w = |t: &str| NewWord { text: t.into(), ..Default::default() };
    for (bad, says) in [("", "empty"), ("   ", "empty"), (&"x".repeat(10_000) as &str, "at most 512"), ("a\0b", "control")] {
        let e = core.add_words(d.id, &[w("fine"), w(bad)]).unwrap_err();
        assert!(e.to_string().contains(says), "{e}");
        assert!(e.to_string().contains("word 2"), "{e}");
    }
    assert_eq!(core.deck(d.id).unwrap().word_count, 0, "one bad word adds nothing");
    assert!(core.create_deck("", "en").is_err());
    assert!(core.create_deck("D", "en").unwrap_err().to_string().contains("already exists"));
    assert!(core.create_deck("E", "../etc").is_err());
    assert_eq!(core.deck_by_name("nope").unwrap_err().code(), deckmedia_core::error::ErrorCode::NotFound);
    assert_eq!(core.generate(9999, &[MediaKind::Audio], false).unwrap_err().code(), deckmedia_core::error::ErrorCode::NotFound);
    assert!(core.generate(d.id, &[MediaKind::Audio], false).unwrap_err().to_string().contains("no words"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_unicode_and_path_like_words_stay_inside_the_data_dir() {
    let s = setup(Behavior::default(), 4).await;
    let d = s.core.create_deck("Weird", "en").unwrap();
    let texts = ["../../etc/passwd", "..\\..\\boot.ini", "/etc/shadow", "مرحبا بالعالم", "🍎🍏", "naïve café", "日本語", &"я".repeat(512)];
    let added = s.core.add_words(d.id, &texts.iter().map(|t| NewWord { text: t.to_string(), ..Default::default() }).collect::<Vec<_>>()).unwrap();
    assert_eq!(added.added, texts.len());
    s.core.generate(d.id, &BOTH, false).unwrap();
    within(std::time::Duration::from_secs(30), s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    let root = s.dir.path().canonicalize().unwrap().join("media");
    for w in s.core.media_of_deck(d.id).unwrap() {
        for m in [&w.image, &w.audio] {
            assert_eq!(m.status, deckmedia_core::MediaStatus::Done, "{}", w.text);
            let p = std::path::Path::new(m.path.as_deref().unwrap()).canonicalize().unwrap();
            assert!(p.starts_with(&root), "{} escaped to {}", w.text, p.display());
        }
    }
    let words: Vec<String> = s.fake.requests().into_iter().filter(|r| r.path.ends_with("speech")).map(|r| r.word).collect();
    // As text (cleaned: the leading dots are edge punctuation), never as a path.
    assert!(words.iter().any(|w| w.ends_with("../etc/passwd")), "the word itself reached the provider as text: {words:?}");
    let outside: Vec<_> = std::fs::read_dir(s.dir.path()).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    for name in &outside {
        assert!(["deckmedia.sqlite3", "deckmedia.sqlite3-wal", "deckmedia.sqlite3-shm", "media", "worker.lock"].contains(&name.as_str()), "unexpected {name}");
    }
}

#[test]
fn ten_thousand_words_enqueue_in_one_batch() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), Default::default()).unwrap();
    let d = core.create_deck("Big", "en").unwrap();
    core.add_words(d.id, &words(10_000)).unwrap();
    let b = core.generate(d.id, &BOTH, false).unwrap();
    assert_eq!((b.total_words, b.total_jobs), (10_000, 20_000));
    // Pressing Generate again does not queue the same work twice.
    let e = core.generate(d.id, &BOTH, false).unwrap_err();
    assert!(e.to_string().contains("already"), "{e}");
}

#[test]
fn imports_report_duplicates_and_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), Default::default()).unwrap();
    let (deck, added) = core.import_named("Mixed", "de", deckmedia_core::import::ImportSource::Text("word,translation\nHund,dog\nKatze,cat\n".as_bytes())).unwrap();
    assert_eq!((deck.word_count, added.added), (2, 2));
    let (_, again) = core.import_named("Mixed", "de", deckmedia_core::import::ImportSource::Text(b"Hund\nMaus\n")).unwrap();
    assert_eq!((again.added, again.already_there), (1, 1));
    let e = core.import_named("Mixed", "de", deckmedia_core::import::ImportSource::Text(b"word,translation\n\"broken,x\nok,y\n")).unwrap_err();
    assert_eq!(e.code(), deckmedia_core::error::ErrorCode::InvalidInput);
    assert_eq!(core.deck_by_name("Mixed").unwrap().word_count, 3, "a bad file adds nothing");
}
