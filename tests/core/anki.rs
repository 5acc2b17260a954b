//! AnkiConnect push against the fake AnkiConnect (testkit): fields set, files stored byte for
//! byte, a second push changes nothing, and every way Anki can be missing or wrong is a clean
//! error.

use std::path::PathBuf;
use std::time::Duration;

use deckmedia_core::anki::PushOptions;
use deckmedia_core::{PushReport, PushStatus};
use deckmedia_core::{Core, DeckId, Error, MediaKind, NewWord};
use deckmedia_testkit::{AnkiBehavior, AnkiFault, AnkiFaultKind, Behavior, FakeAnki, FakeProvider};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::support::*;

const LIMIT: Duration = Duration::from_secs(30);
/// Deck Media's own note type's fields, as a user who imported our .apkg has them.
const OURS: [&str; 4] = ["Word", "Translation", "Picture", "Audio"];

/// A Spanish deck whose words all have a picture and a pronunciation, plus `sol` with none.
async fn deck_with_media(s: &Setup) -> DeckId {
    let deck = s.core.create_deck("Spanish", "es").unwrap();
    let words: Vec<NewWord> = ["casa", "perro", "gato"].iter().map(|w| NewWord { text: w.to_string(), ..Default::default() }).collect();
    s.core.add_words(deck.id, &words).unwrap();
    s.core.generate(deck.id, &BOTH, false).unwrap();
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    s.core.add_words(deck.id, &[NewWord { text: "sol".into(), ..Default::default() }]).unwrap();
    deck.id
}

/// The stored bytes of a word's media, and the name Anki should get for them.
fn media_of(core: &Core, deck: DeckId, text: &str, kind: MediaKind) -> (String, Vec<u8>) {
    let w = core.media_of_deck(deck).unwrap().into_iter().find(|w| w.text == text).unwrap();
    let m = if kind == MediaKind::Image { w.image } else { w.audio };
    let path = PathBuf::from(m.path.expect("media made"));
    let bytes = std::fs::read(&path).unwrap();
    let ext = path.extension().unwrap().to_str().unwrap().to_string();
    (format!("deckmedia-{}.{ext}", &hex::encode(Sha256::digest(&bytes))[..16]), bytes)
}

/// Runs a (blocking) push from the async test without stalling the fake's runtime.
fn push(core: &Core, deck: DeckId, opts: PushOptions) -> (Result<PushReport, Error>, Vec<(usize, usize)>) {
    let mut seen = Vec::new();
    let r = tokio::task::block_in_place(|| core.anki_push_with(deck, &opts, &mut |done, total| seen.push((done, total))));
    (r, seen)
}

fn to(anki: &FakeAnki) -> PushOptions {
    PushOptions { url: Some(anki.url()), timeout: Duration::from_secs(10), ..Default::default() }
}

fn status_of(r: &PushReport, text: &str) -> PushStatus {
    r.words.iter().find(|w| w.text == text).unwrap_or_else(|| panic!("{text} not in the report")).status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_sets_the_fields_and_stores_the_files_then_a_second_push_changes_nothing() {
    let s = setup(Behavior::default(), 4).await;
    let deck = deck_with_media(&s).await;
    let anki = FakeAnki::start(AnkiBehavior { latency: Duration::from_millis(5), ..Default::default() }).await;
    anki.add_deck("Spanish");
    anki.add_model("Deck Media (word, picture, audio)", &OURS);
    // Word fields as Anki users have them: HTML, other case, stray spaces.
    let casa = anki.add_note("Spanish", "Deck Media (word, picture, audio)", &[("Word", "<b>Casa</b>&nbsp;"), ("Translation", "house")]);
    let perro = anki.add_note("Spanish", "Deck Media (word, picture, audio)", &[("Word", "perro")]);
    let sol = anki.add_note("Spanish", "Deck Media (word, picture, audio)", &[("Word", "sol")]);
    let arbol = anki.add_note("Spanish", "Deck Media (word, picture, audio)", &[("Word", "árbol")]);
    anki.add_deck("Other");
    let other = anki.add_note("Other", "Deck Media (word, picture, audio)", &[("Word", "casa")]);

    let (report, progress) = push(&s.core, deck, to(&anki));
    let report = report.unwrap();
    assert_eq!((report.deck.as_str(), report.anki_deck.as_str(), report.notes), ("Spanish", "Spanish", 4));
    assert_eq!(status_of(&report, "casa"), PushStatus::Updated);
    assert_eq!(status_of(&report, "perro"), PushStatus::Updated);
    assert_eq!(status_of(&report, "gato"), PushStatus::NotInAnki);
    assert_eq!(status_of(&report, "sol"), PushStatus::NoMedia);
    assert_eq!((report.updated, report.unchanged, report.not_in_anki, report.no_media, report.no_field), (2, 0, 1, 1, 0));
    assert_eq!(report.files_stored, 4);
    assert_eq!(progress.first(), Some(&(0, 4)));
    assert_eq!(progress.last(), Some(&(4, 4)));
    assert!(progress.windows(2).all(|w| w[0].0 < w[1].0), "progress only grows: {progress:?}");

    for (id, word) in [(casa, "casa"), (perro, "perro")] {
        let note = anki.note(id).unwrap();
        let (picture, picture_bytes) = media_of(&s.core, deck, word, MediaKind::Image);
        let (audio, audio_bytes) = media_of(&s.core, deck, word, MediaKind::Audio);
        assert_eq!(note.field("Picture"), Some(format!("<img src=\"{picture}\">").as_str()));
        assert_eq!(note.field("Audio"), Some(format!("[sound:{audio}]").as_str()));
        assert_eq!(anki.media()[&picture], picture_bytes, "{word}: Anki has our picture byte for byte");
        assert_eq!(anki.media()[&audio], audio_bytes, "{word}: Anki has our audio byte for byte");
        let pushed = report.words.iter().find(|w| w.text == word).unwrap();
        assert_eq!(pushed.note_ids, vec![id]);
        assert_eq!(pushed.fields, vec!["Picture", "Audio"]);
    }
    assert_eq!(anki.note(casa).unwrap().field("Word"), Some("<b>Casa</b>&nbsp;"), "the word field is not touched");
    assert_eq!(anki.note(casa).unwrap().field("Translation"), Some("house"));
    for id in [sol, arbol, other] {
        let n = anki.note(id).unwrap();
        assert_eq!((n.field("Picture"), n.field("Audio")), (Some(""), Some("")), "note {id} is left alone");
    }
    assert_eq!(anki.media().len(), 4);

    // Again: nothing stored, nothing updated.
    anki.clear_calls();
    let (again, _) = push(&s.core, deck, to(&anki));
    let again = again.unwrap();
    assert_eq!((again.updated, again.unchanged, again.not_in_anki, again.no_media, again.files_stored), (0, 2, 1, 1, 0));
    assert_eq!(anki.count("storeMediaFile"), 0);
    assert_eq!(anki.count("updateNoteFields"), 0);

    // A file deleted from Anki's media folder is stored again (the fields stay).
    let (picture, bytes) = media_of(&s.core, deck, "casa", MediaKind::Image);
    let mut media = anki.media();
    media.remove(&picture);
    let anki2 = FakeAnki::start(AnkiBehavior::default()).await;
    anki2.add_deck("Spanish");
    anki2.add_model("Deck Media (word, picture, audio)", &OURS);
    let n = anki.note(casa).unwrap();
    let id = anki2.add_note("Spanish", "Deck Media (word, picture, audio)", &[("Word", "casa"), ("Picture", n.field("Picture").unwrap()), ("Audio", n.field("Audio").unwrap())]);
    for (name, b) in &media {
        anki2.put_media(name, b);
    }
    let (third, _) = push(&s.core, deck, to(&anki2));
    let third = third.unwrap();
    assert_eq!(status_of(&third, "casa"), PushStatus::Updated);
    assert_eq!(third.words.iter().find(|w| w.text == "casa").unwrap().files, vec![picture.clone()]);
    assert_eq!(anki2.media()[&picture], bytes);
    assert_eq!(anki2.count("updateNoteFields"), 0);
    let after = anki2.note(id).unwrap();
    assert_eq!((after.field("Picture"), after.field("Audio")), (n.field("Picture"), n.field("Audio")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn note_types_without_media_fields_and_users_own_media_are_reported_not_overwritten() {
    let s = setup(Behavior::default(), 4).await;
    let deck = deck_with_media(&s).await;
    let anki = FakeAnki::start(AnkiBehavior::default()).await;
    anki.add_deck("Spanish::Vocabulary");
    anki.add_deck("Spanish");
    anki.add_model("Vocab", &["Front", "Back", "Image", "Sound"]);
    // Basic has Front/Back only; the Vocab note has the user's own picture; in a subdeck.
    let basic = anki.add_note("Spanish", "Basic", &[("Front", "casa"), ("Back", "house")]);
    let vocab = anki.add_note("Spanish::Vocabulary", "Vocab", &[("Front", "perro"), ("Image", "<img src=\"my-dog.jpg\">")]);

    let (report, _) = push(&s.core, deck, to(&anki));
    let report = report.unwrap();
    let casa = report.words.iter().find(|w| w.text == "casa").unwrap();
    assert_eq!(casa.status, PushStatus::NoField);
    assert!(casa.problems.contains(&"no picture field in note type 'Basic'".to_string()), "{:?}", casa.problems);
    assert!(casa.problems.contains(&"no audio field in note type 'Basic'".to_string()), "{:?}", casa.problems);
    assert_eq!(anki.note(basic).unwrap().fields, vec![("Front".into(), "casa".into()), ("Back".into(), "house".into())]);

    let perro = report.words.iter().find(|w| w.text == "perro").unwrap();
    assert_eq!(perro.status, PushStatus::Updated, "the audio went in");
    assert_eq!(perro.fields, vec!["Sound"]);
    assert!(perro.problems.iter().any(|p| p.contains("Image field already has other content")), "{:?}", perro.problems);
    let note = anki.note(vocab).unwrap();
    assert_eq!(note.field("Image"), Some("<img src=\"my-dog.jpg\">"), "the user's picture stays");
    let (audio, _) = media_of(&s.core, deck, "perro", MediaKind::Audio);
    assert_eq!(note.field("Sound"), Some(format!("[sound:{audio}]").as_str()));
    // Only the file a field references was stored.
    assert_eq!(anki.media().keys().cloned().collect::<Vec<_>>(), vec![audio]);
    assert_eq!(report.no_field, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_anki_deck_name_and_the_api_key_are_used() {
    let s = setup(Behavior::default(), 4).await;
    let deck = deck_with_media(&s).await;
    let anki = FakeAnki::start(AnkiBehavior { api_key: Some("anki-secret-key".into()), ..Default::default() }).await;
    anki.add_deck("My \"Spanish\" words_1");
    anki.add_deck("My \"Spanish\" wordsX1");
    anki.add_model("Deck Media (word, picture, audio)", &OURS);
    let casa = anki.add_note("My \"Spanish\" words_1", "Deck Media (word, picture, audio)", &[("Word", "casa")]);
    let decoy = anki.add_note("My \"Spanish\" wordsX1", "Deck Media (word, picture, audio)", &[("Word", "casa")]);

    let opts = PushOptions { anki_deck: Some("My \"Spanish\" words_1".into()), ..to(&anki) };
    let e = push(&s.core, deck, opts.clone()).0.unwrap_err();
    assert_eq!(e.code(), deckmedia_core::error::ErrorCode::Anki);
    assert!(e.to_string().contains("valid api key must be provided"), "{e}");

    anki.clear_calls();
    let (report, _) = push(&s.core, deck, PushOptions { api_key: Some("anki-secret-key".into()), ..opts });
    let report = report.unwrap();
    assert_eq!(report.updated, 1);
    assert_ne!(anki.note(casa).unwrap().field("Picture"), Some(""));
    assert_eq!(anki.note(decoy).unwrap().field("Picture"), Some(""), "quotes and _ are escaped in the search");
    assert!(anki.calls().iter().all(|c| c.had_key));
    let q = anki.calls().into_iter().find(|c| c.action == "findNotes").unwrap().params["query"].clone();
    assert_eq!(q, r#"deck:"My \"Spanish\" words\_1""#);

    let e = push(&s.core, deck, PushOptions { anki_deck: Some("Nope".into()), api_key: Some("anki-secret-key".into()), ..to(&anki) }).0.unwrap_err();
    assert_eq!(e.code(), deckmedia_core::error::ErrorCode::NotFound);
    assert!(e.to_string().contains("Anki deck 'Nope'"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anki_not_running_is_a_clear_error() {
    let s = setup(Behavior::default(), 4).await;
    let deck = deck_with_media(&s).await;
    let addr = FakeProvider::free_port();
    let opts = PushOptions { url: Some(format!("http://{addr}")), ..Default::default() };
    let started = std::time::Instant::now();
    let e = push(&s.core, deck, opts).0.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(matches!(e, Error::AnkiNotRunning(_)), "{e:?}");
    assert_eq!(e.code(), deckmedia_core::error::ErrorCode::AnkiNotRunning);
    assert_eq!(
        e.to_string(),
        format!("Anki is not running (AnkiConnect did not answer at {addr}) — start Anki with the AnkiConnect add-on")
    );
    let e = push(&s.core, deck, PushOptions { url: Some("ftp://x".into()), ..Default::default() }).0.unwrap_err();
    assert_eq!(e.code(), deckmedia_core::error::ErrorCode::InvalidInput);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ankiconnect_errors_and_lying_servers_are_clean_errors() {
    let s = setup(Behavior::default(), 4).await;
    let deck = deck_with_media(&s).await;
    let anki = FakeAnki::start(AnkiBehavior::default()).await;
    anki.add_deck("Spanish");
    anki.add_model("Deck Media (word, picture, audio)", &OURS);
    anki.add_note("Spanish", "Deck Media (word, picture, audio)", &[("Word", "casa")]);

    let cases: Vec<(AnkiFault, &str)> = vec![
        (AnkiFault::on("findNotes", AnkiFaultKind::Error("collection is not available".into())), "AnkiConnect refused findNotes: collection is not available"),
        (AnkiFault::on("storeMediaFile", AnkiFaultKind::Error("disk full".into())), "AnkiConnect refused storeMediaFile: disk full"),
        (AnkiFault::on("version", AnkiFaultKind::Garbage), "is not AnkiConnect's"),
        (AnkiFault::on("notesInfo", AnkiFaultKind::WrongShape), "is not AnkiConnect's"),
        (AnkiFault::on("deckNames", AnkiFaultKind::Status(500)), "answered HTTP 500 to deckNames"),
        (AnkiFault::on("updateNoteFields", AnkiFaultKind::Status(403)), "answered HTTP 403"),
    ];
    for (fault, expected) in cases {
        anki.set_behavior(AnkiBehavior { faults: vec![fault.clone()], ..Default::default() });
        let e = push(&s.core, deck, to(&anki)).0.unwrap_err();
        assert_eq!(e.code(), deckmedia_core::error::ErrorCode::Anki, "{fault:?}: {e}");
        let msg = e.to_string();
        assert!(msg.contains(expected), "{fault:?}: {msg}");
        assert_eq!(msg.lines().count(), 1, "{msg}");
    }

    anki.set_behavior(AnkiBehavior { version: 4, ..Default::default() });
    let e = push(&s.core, deck, to(&anki)).0.unwrap_err();
    assert!(e.to_string().contains("version 4"), "{e}");

    anki.set_behavior(AnkiBehavior { faults: vec![AnkiFault::on("notesInfo", AnkiFaultKind::Hang)], ..Default::default() });
    let started = std::time::Instant::now();
    let e = push(&s.core, deck, PushOptions { timeout: Duration::from_millis(500), ..to(&anki) }).0.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10), "a hanging AnkiConnect is given up on");
    assert!(e.to_string().contains("did not answer within"), "{e}");

    // A real server that is not AnkiConnect at all (the media fake: 404 JSON for every path).
    let other = FakeProvider::start(Behavior::default()).await;
    let e = push(&s.core, deck, PushOptions { url: Some(format!("http://{}", other.addr())), ..Default::default() }).0.unwrap_err();
    assert_eq!(e.code(), deckmedia_core::error::ErrorCode::Anki, "{e}");
}
