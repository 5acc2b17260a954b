//! "Choose picture…" (issue 13.4): a word's candidates from every keyless source — offline emoji,
//! pictogram and word card, one photo from Wikimedia and one from Openverse (local fakes in
//! their real response shapes) and the current picture — and picking one makes it the word's
//! picture at once, with no provider call, kept by "Generate missing", carried by the export.

use std::time::{Duration, SystemTime};

use deckmedia_core::chooser::{PictureCandidate, PictureChoices, PictureSource};
use deckmedia_core::config::Config;
use deckmedia_core::export::ExportFormat;
use deckmedia_core::{Core, MediaKind, NewWord, Word};
use deckmedia_testkit::{png_for_word, FakeOpenverse, FakeWikimedia, OpenverseImage, WikiFile, WikiItem};
use tokio_util::sync::CancellationToken;

use crate::support::{apkg_notes, next_worker, within};

const LIMIT: Duration = Duration::from_secs(60);

struct Fakes {
    wiki: FakeWikimedia,
    ov: FakeOpenverse,
}

impl Fakes {
    async fn start() -> Fakes {
        let wiki = FakeWikimedia::start().await;
        wiki.add_item(WikiItem::new("Q204776", "es", "banco", "bench", "long seat for several people", Some("Park bench.jpg")));
        wiki.add_file(WikiFile::photo("File:Park bench.jpg", "Carla", "CC BY 2.0", png_for_word("bench")));
        let ov = FakeOpenverse::start().await;
        ov.add_image(OpenverseImage::new("bench1", "A bench", "Pat", "cc0", png_for_word("openverse bench")));
        Fakes { wiki, ov }
    }

    fn calls(&self) -> usize {
        self.wiki.requests().len() + self.ov.requests().len()
    }

    /// The offline picture provider, with the photo providers pickable.
    fn config(&self) -> Config {
        let mut c = Config::default();
        c.image.timeout_secs = 10;
        c.wikimedia.commons_url = self.wiki.commons_url();
        c.wikimedia.wikidata_url = self.wiki.wikidata_url();
        c.wikimedia.contact = "tests@example.org".into();
        c.openverse.url = self.ov.url();
        c
    }
}

fn word(core: &Core, deck: &str, text: &str, translation: &str) -> Word {
    let d = core.ensure_deck(deck, "es").unwrap();
    core.add_words(d.id, &[NewWord { text: text.into(), translation: Some(translation.into()), ..Default::default() }]).unwrap();
    core.words(d.id).unwrap().into_iter().find(|w| w.text == text).unwrap()
}

fn by_source(choices: &PictureChoices, source: PictureSource) -> Vec<&PictureCandidate> {
    choices.candidates.iter().filter(|c| c.source == source).collect()
}

fn current(core: &Core, w: &Word) -> (Option<String>, Option<String>, Option<String>) {
    let m = core.media_of_deck(w.deck_id).unwrap().into_iter().find(|m| m.word_id == w.id).unwrap();
    (m.image.path, m.image.provider, m.image.attribution.map(|a| a.author))
}

async fn run_worker(core: &Core) {
    within(LIMIT, next_worker(core).await.run_until_idle(CancellationToken::new())).await.unwrap();
}

/// A real picture: a PNG that decodes to more than one colour, or the SVG word card.
fn assert_picture(path: &str) {
    let bytes = std::fs::read(path).unwrap();
    if path.ends_with(".svg") {
        assert!(String::from_utf8_lossy(&bytes).contains("<svg"), "{path}");
        return;
    }
    let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = &buf[..info.buffer_size()];
    let first = &px[..info.color_type.samples()];
    assert!(px.chunks(info.color_type.samples()).any(|p| p != first), "{path} is one flat colour");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chooser_offers_every_source_and_a_pick_is_the_words_picture_at_once_with_no_call() {
    let fakes = Fakes::start().await;
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), fakes.config()).unwrap();
    let w = word(&core, "Cosas", "banco", "bench");
    core.generate(w.deck_id, &[MediaKind::Image], false).unwrap();
    run_worker(&core).await;
    let (offline_path, provider, _) = current(&core, &w);
    assert_eq!(provider.as_deref(), Some("offline"));

    // Offline first: drawn here, nothing asked of the network.
    let choices = core.picture_choices(w.id).unwrap();
    assert_eq!(fakes.calls(), 0, "opening the chooser asks no provider");
    assert!(choices.candidates.len() >= 2 && choices.candidates.len() <= 8, "{choices:?}");
    assert!(choices.candidates[0].current, "the current picture leads");
    assert_eq!(Some(choices.candidates[0].path.clone()), offline_path);
    assert_eq!(by_source(&choices, PictureSource::WordCard).len(), 1);
    for c in &choices.candidates {
        assert_picture(&c.path);
        assert_eq!(c.provider, "offline");
    }
    assert_eq!(core.picture_choices(w.id).unwrap(), choices, "opened again: the same candidates, none drawn twice");

    // Photos on request: one from each keyless photo provider, with credits.
    let with_photos = core.find_photos(w.id).await.unwrap();
    assert!(with_photos.unavailable.is_empty(), "{:?}", with_photos.unavailable);
    let photos = by_source(&with_photos, PictureSource::Photo);
    let found: Vec<(&str, Option<&str>)> = {
        let mut f: Vec<_> = photos.iter().map(|c| (c.provider.as_str(), c.attribution.as_ref().map(|a| a.author.as_str()))).collect();
        f.sort();
        f
    };
    assert_eq!(found, [("openverse", Some("Pat")), ("wikimedia", Some("Carla"))]);
    let wiki_photo = photos.iter().find(|c| c.provider == "wikimedia").unwrap();
    assert_eq!(std::fs::read(&wiki_photo.path).unwrap(), png_for_word("bench"));
    assert_eq!(wiki_photo.label, "Photo from Wikimedia Commons");
    let calls = fakes.calls();
    assert_eq!(core.find_photos(w.id).await.unwrap().candidates, with_photos.candidates);
    assert_eq!(fakes.calls(), calls, "photos already fetched are not asked for again");

    // Pick the photo: the word's picture at once, credited, no call.
    core.choose_picture(w.id, wiki_photo.id).unwrap();
    assert_eq!(fakes.calls(), calls, "picking makes no provider call");
    assert_eq!(current(&core, &w), (Some(wiki_photo.path.clone()), Some("wikimedia".into()), Some("Carla".into())));
    let after = core.picture_choices(w.id).unwrap();
    assert_eq!(after.candidates[0].id, wiki_photo.id, "the pick is the current one now");
    assert!(after.candidates.iter().any(|c| Some(&c.path) == offline_path.as_ref() && !c.current), "the replaced picture can be picked back");

    // "Generate missing" keeps the pick; the export carries it with its credit.
    core.generate(w.deck_id, &[MediaKind::Image], false).unwrap();
    run_worker(&core).await;
    assert_eq!(current(&core, &w).0, Some(wiki_photo.path.clone()), "generate missing keeps a chosen picture");
    let pkg = dir.path().join("cosas.apkg");
    core.export("Cosas", ExportFormat::Apkg, &pkg, false).unwrap();
    let notes = apkg_notes(&pkg);
    assert!(notes[0].1[4].starts_with("Carla, CC BY 2.0"), "{:?}", notes[0].1);
    assert_eq!(core.credits("Cosas").unwrap().len(), 1);

    // Picking the earlier one back is the undo; "Regenerate" replaces a pick.
    let earlier = after.candidates.iter().find(|c| Some(&c.path) == offline_path.as_ref()).unwrap();
    core.choose_picture(w.id, earlier.id).unwrap();
    assert_eq!(current(&core, &w).0, offline_path);
    core.choose_picture(w.id, wiki_photo.id).unwrap();
    core.generate(w.deck_id, &[MediaKind::Image], true).unwrap();
    run_worker(&core).await;
    assert_eq!(current(&core, &w).1.as_deref(), Some("offline"), "regenerate replaces a chosen picture");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pick_is_refused_while_a_batch_makes_the_picture_or_after_the_word_changed() {
    let fakes = Fakes::start().await;
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), fakes.config()).unwrap();
    let w = word(&core, "Cosas", "banco", "bench");
    let choices = core.picture_choices(w.id).unwrap();
    let card = by_source(&choices, PictureSource::WordCard)[0].clone();

    core.generate(w.deck_id, &[MediaKind::Image], false).unwrap();
    let err = core.choose_picture(w.id, card.id).unwrap_err();
    assert!(err.to_string().contains("a batch is making this word's picture"), "{err}");
    run_worker(&core).await;
    core.choose_picture(w.id, card.id).unwrap();
    assert_eq!(current(&core, &w).0, Some(card.path.clone()));

    core.update_word(w.id, "silla", Some("chair")).unwrap();
    let err = core.choose_picture(w.id, card.id).unwrap_err();
    assert!(err.to_string().contains("the word changed"), "{err}");
    let fresh = core.picture_choices(w.id).unwrap();
    assert!(fresh.candidates.iter().all(|c| c.id != card.id || c.current), "candidates of the old text are gone: {fresh:?}");
    let new_card = by_source(&fresh, PictureSource::WordCard).into_iter().find(|c| !c.current).unwrap();
    assert_ne!(new_card.path, card.path, "a card for the new text");

    assert!(core.choose_picture(w.id, 999_999).is_err(), "an unknown candidate");
    let other = word(&core, "Cosas", "mesa", "table");
    assert!(core.choose_picture(other.id, new_card.id).is_err(), "another word's candidate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_photo_source_is_named_and_a_missing_file_is_a_clear_message() {
    let fakes = Fakes::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = fakes.config();
    config.openverse.url = "http://127.0.0.1:9/".into();
    let core = Core::open_with_config(dir.path(), config).unwrap();
    let w = word(&core, "Cosas", "banco", "bench");
    let choices = core.find_photos(w.id).await.unwrap();
    assert_eq!(choices.unavailable.len(), 1, "{:?}", choices.unavailable);
    assert!(choices.unavailable[0].starts_with("Openverse: "), "{:?}", choices.unavailable);
    assert_eq!(by_source(&choices, PictureSource::Photo).len(), 1, "Wikimedia's photo is there all the same");
    assert_eq!(by_source(&choices, PictureSource::WordCard).len(), 1, "and the offline ones, drawn on the way");

    let emoji_or_card = choices.candidates.iter().find(|c| c.source != PictureSource::Photo).unwrap();
    std::fs::remove_file(&emoji_or_card.path).unwrap();
    let err = core.choose_picture(w.id, emoji_or_card.id).unwrap_err();
    assert!(err.to_string().contains("file is gone"), "{err}");
    assert_eq!(current(&core, &w).0, None, "nothing was set");
}

#[tokio::test]
async fn gc_keeps_candidates_until_they_are_older_than_the_retention() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), Config::default()).unwrap();
    let w = word(&core, "Cosas", "perro", "dog");
    let choices = core.picture_choices(w.id).unwrap();
    let old = SystemTime::now() - Duration::from_secs(3 * 3600);
    for c in &choices.candidates {
        std::fs::File::options().write(true).open(&c.path).unwrap().set_modified(old).unwrap();
    }
    let kept = core.collect_garbage(Duration::from_secs(3600), false).unwrap();
    assert_eq!(kept.files, 0, "fresh candidates are in use: {kept:?}");

    let conn = rusqlite::Connection::open(dir.path().join("deckmedia.sqlite3")).unwrap();
    conn.execute("UPDATE picture_candidates SET created_at = created_at - 3 * 3600 * 1000", []).unwrap();
    let gone = core.collect_garbage(Duration::from_secs(3600), false).unwrap();
    assert_eq!(gone.files as usize, choices.candidates.len(), "{gone:?}");
    assert!(choices.candidates.iter().all(|c| !std::path::Path::new(&c.path).exists()));
    let redrawn = core.picture_choices(w.id).unwrap();
    assert!(redrawn.candidates.iter().all(|c| std::path::Path::new(&c.path).exists()), "the chooser draws them again");
}
