//! Media slots: a deck that also asks for its example sentences (and translations) read aloud.
//! The sentence audio is made by the real offline voice (`espeak-ng`) next to the word audio,
//! shows in the deck view, goes stale when the sentence is edited, and is exported to `.apkg`
//! and CSV; the dry run counts it and names the words without a sentence.

use std::time::Duration;

use deckmedia_core::config::Config;
use deckmedia_core::export::ExportFormat;
use deckmedia_core::{Core, DeckId, MediaKind, MediaStatus, NewWord};
use tokio_util::sync::CancellationToken;

use crate::scripted::Scripted;
use crate::support::*;

const LIMIT: Duration = Duration::from_secs(60);

fn word(text: &str, translation: &str, sentence: Option<&str>) -> NewWord {
    NewWord { text: text.into(), translation: Some(translation.into()), sentence: sentence.map(Into::into), ..Default::default() }
}

/// A Spanish deck of two words, one with an example sentence, making word and sentence audio.
fn sentence_deck(core: &Core) -> DeckId {
    let deck = core.create_deck("Spanish slots", "es").unwrap();
    core.add_words(deck.id, &[word("perro", "dog", Some("El perro come pan.")), word("gato", "cat", None)]).unwrap();
    let deck = core.set_deck_slots(deck.id, &[MediaKind::SentenceAudio, MediaKind::Audio], None).unwrap();
    assert_eq!(deck.slots, [MediaKind::Audio, MediaKind::SentenceAudio], "slots are kept sorted");
    deck.id
}

async fn run(core: &Core) {
    within(LIMIT, next_worker(core).await.run_until_idle(CancellationToken::new())).await.unwrap();
}

#[tokio::test]
async fn a_deck_with_sentences_gets_sentence_audio_next_to_word_audio_and_exports_both() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), Config::default()).unwrap();
    let deck = sentence_deck(&core);
    let slots = core.deck(deck).unwrap().slots;
    let batch = core.generate(deck, &slots, false).unwrap();
    assert_eq!(batch.kinds, [MediaKind::Audio, MediaKind::SentenceAudio]);
    run(&core).await;
    let batch = core.batch(batch.id).unwrap();
    assert_eq!((batch.completed_words, batch.failed_words), (2, 0), "{batch:?}");

    let page = core.media_page(deck, 0, 10).unwrap().items;
    let perro = page.iter().find(|w| w.text == "perro").unwrap();
    let gato = page.iter().find(|w| w.text == "gato").unwrap();
    assert_eq!(perro.sentence.as_deref(), Some("El perro come pan."));
    assert_eq!((perro.audio.status, perro.sentence_audio.status), (MediaStatus::Done, MediaStatus::Done));
    assert_eq!((gato.audio.status, gato.sentence_audio.status), (MediaStatus::Done, MediaStatus::None), "no sentence, no job");
    let (word_file, sentence_file) = (perro.audio.path.clone().unwrap(), perro.sentence_audio.path.clone().unwrap());
    assert_ne!(word_file, sentence_file);
    assert!(sentence_file.contains("/media/audio/"), "audio slots share the audio folder: {sentence_file}");
    let (word_bytes, sentence_bytes) = (std::fs::read(&word_file).unwrap(), std::fs::read(&sentence_file).unwrap());
    assert!(sentence_bytes.starts_with(b"OggS") && word_bytes.starts_with(b"OggS"));
    assert!(sentence_bytes.len() > word_bytes.len(), "a sentence takes longer to say than its word");

    // The package: the sentence and both recordings on the note.
    let apkg = dir.path().join("out.apkg");
    let report = core.export("Spanish slots", ExportFormat::Apkg, &apkg, false).unwrap();
    assert_eq!(report.audio, 3, "two word recordings and one sentence recording");
    let notes = apkg_notes(&apkg);
    let fields = &notes.iter().find(|(sort, _)| sort == "perro").unwrap().1;
    assert_eq!(fields.len(), 8, "{fields:?}");
    assert_eq!(fields[5], "El perro come pan.");
    assert!(fields[3].starts_with("[sound:deckmedia-") && fields[7].starts_with("[sound:deckmedia-"), "{fields:?}");
    assert_ne!(fields[3], fields[7]);
    assert_eq!(fields[6], "", "no translation audio was asked for");

    // The CSV folder: the sentence and its file, which is there.
    let folder = dir.path().join("csv-out");
    core.export("Spanish slots", ExportFormat::Csv, &folder, false).unwrap();
    let mut csv = csv::Reader::from_path(folder.join("deck.csv")).unwrap();
    let header: Vec<String> = csv.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no {name} column in {header:?}"));
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    let perro = rows.iter().find(|r| &r[0] == "perro").unwrap();
    assert_eq!(&perro[col("sentence")], "El perro come pan.");
    let file = &perro[col("sentence_audio")];
    assert_eq!(std::fs::read(folder.join(file)).unwrap(), sentence_bytes);
    assert_eq!(&rows.iter().find(|r| &r[0] == "gato").unwrap()[col("sentence_audio")], "");

    // Editing the sentence makes only the sentence audio stale; "Generate missing" remakes it.
    let perro_id = core.words(deck).unwrap().into_iter().find(|w| w.text == "perro").unwrap().id;
    core.set_sentence(perro_id, Some("El perro duerme.")).unwrap();
    let page = core.media_page(deck, 0, 10).unwrap().items;
    let perro = page.iter().find(|w| w.text == "perro").unwrap();
    assert_eq!((perro.audio.stale, perro.sentence_audio.stale), (false, true));
    let again = core.generate(deck, &slots, false).unwrap();
    run(&core).await;
    assert_eq!(core.batch(again.id).unwrap().reused_jobs, 2, "the two word recordings are kept");
    let perro = core.media_page(deck, 0, 10).unwrap().items.into_iter().find(|w| w.text == "perro").unwrap();
    assert!(!perro.sentence_audio.stale);
    assert_ne!(perro.sentence_audio.path.as_deref(), Some(sentence_file.as_str()));
}

#[tokio::test]
async fn the_dry_run_counts_sentence_audio_and_the_words_without_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), Config::default()).unwrap();
    let deck = sentence_deck(&core);
    let plan = core.plan(deck, &[MediaKind::Audio, MediaKind::SentenceAudio], false).unwrap();
    let kinds: Vec<(MediaKind, i64, i64)> = plan.kinds.iter().map(|k| (k.kind, k.to_make, k.no_text)).collect();
    assert_eq!(kinds, [(MediaKind::Audio, 2, 0), (MediaKind::SentenceAudio, 1, 1)]);
    assert_eq!(plan.calls, 3);
    let line = &plan.kinds[1].line;
    assert!(line.starts_with("sentence audio: 1 to make with offline"), "{line}");
    assert!(line.ends_with("skipped: 1 without sentence"), "{line}");
    // Counted as the voice gets it: surrounding punctuation goes, like a word's.
    assert_eq!(plan.kinds[1].characters, "El perro come pan".chars().count() as i64);
}

#[tokio::test]
async fn a_deck_whose_words_have_no_sentence_says_so_instead_of_queueing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), Config::default()).unwrap();
    let deck = core.create_deck("No sentences", "es").unwrap();
    core.add_words(deck.id, &[word("sol", "sun", None)]).unwrap();
    let err = core.generate(deck.id, &[MediaKind::SentenceAudio], false).unwrap_err().to_string();
    assert!(err.contains("no word of deck 'No sentences' has a sentence"), "{err}");
}

#[tokio::test]
async fn the_translation_is_read_in_the_decks_translation_language_english_unless_set() {
    let dir = tempfile::tempdir().unwrap();
    let pair = Scripted::pair(Duration::from_millis(1));
    let audio = pair.1.clone();
    let core = Scripted::core(dir.path(), Config::default(), pair, 2);
    let deck = core.create_deck("Spanish translations", "es").unwrap();
    core.add_words(deck.id, &[word("perro", "<b>dog</b>", None), NewWord { text: "gato".into(), ..Default::default() }]).unwrap();
    core.generate(deck.id, &[MediaKind::Audio, MediaKind::TranslationAudio], false).unwrap();
    run(&core).await;
    let mut calls: Vec<(String, String)> = audio.calls().into_iter().map(|c| (c.word, c.language)).collect();
    calls.sort();
    // The provider is asked for speech; the translation is cleaned like a word; "gato" has none.
    let expected = [("dog", "en"), ("gato", "es"), ("perro", "es")].map(|(w, l)| (w.to_string(), l.to_string()));
    assert_eq!(calls, expected);

    core.set_deck_slots(deck.id, &[MediaKind::TranslationAudio], Some("de")).unwrap();
    assert_eq!(core.deck(deck.id).unwrap().translation_language, "de");
    core.generate(deck.id, &[MediaKind::TranslationAudio], true).unwrap();
    run(&core).await;
    let last = audio.calls().pop().unwrap();
    assert_eq!((last.kind, last.word.as_str(), last.language.as_str()), (MediaKind::Audio, "dog", "de"));
}

#[tokio::test]
async fn an_exported_package_imports_back_with_its_sentences_and_sentence_audio() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), Config::default()).unwrap();
    let deck = sentence_deck(&core);
    core.generate(deck, &[MediaKind::Audio, MediaKind::SentenceAudio], false).unwrap();
    run(&core).await;
    let apkg = dir.path().join("round.apkg");
    core.export("Spanish slots", ExportFormat::Apkg, &apkg, false).unwrap();
    let made = core.media_page(deck, 0, 10).unwrap().items;
    let made_sentence = std::fs::read(made.iter().find(|w| w.text == "perro").unwrap().sentence_audio.path.as_ref().unwrap()).unwrap();

    let other = tempfile::tempdir().unwrap();
    let fresh = Core::open_with_config(other.path(), Config::default()).unwrap();
    let report = fresh.import_apkg(&apkg, Some("Back"), "es").unwrap();
    assert_eq!(report.audio, 3, "two word recordings and one sentence recording: {report:?}");
    let back = fresh.deck_by_name("Back").unwrap();
    let words = fresh.media_page(back.id, 0, 10).unwrap().items;
    let perro = words.iter().find(|w| w.text == "perro").unwrap();
    assert_eq!(perro.sentence.as_deref(), Some("El perro come pan."));
    assert_eq!((perro.sentence_audio.status, perro.sentence_audio.stale), (MediaStatus::Done, false));
    assert_eq!(std::fs::read(perro.sentence_audio.path.as_ref().unwrap()).unwrap(), made_sentence);
    assert_ne!(perro.audio.path, perro.sentence_audio.path, "the word's recording is not taken for the sentence's");
    let gato = words.iter().find(|w| w.text == "gato").unwrap();
    assert_eq!((gato.sentence.as_deref(), gato.sentence_audio.status), (None, MediaStatus::None));
    // The imported recordings count as made: generating the deck's slots makes nothing.
    let plan = fresh.plan(back.id, &[MediaKind::Audio, MediaKind::SentenceAudio], false).unwrap();
    assert_eq!(plan.calls, 0, "{}", plan.summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anki_push_fills_a_sentence_audio_field_by_its_name_and_leaves_notes_without_one_alone() {
    use deckmedia_core::anki::PushOptions;
    use deckmedia_testkit::{AnkiBehavior, Behavior, FakeAnki};
    let s = setup(Behavior::default(), 4).await;
    let deck = sentence_deck(&s.core);
    s.core.generate(deck, &[MediaKind::Audio, MediaKind::SentenceAudio], false).unwrap();
    run(&s.core).await;
    let anki = FakeAnki::start(AnkiBehavior::default()).await;
    anki.add_deck("Spanish slots");
    anki.add_model("Vocab", &["Front", "Back", "Audio", "Sentence Audio"]);
    anki.add_model("Basic", &["Front", "Back", "Audio"]);
    let perro = anki.add_note("Spanish slots", "Vocab", &[("Front", "perro")]);
    let gato = anki.add_note("Spanish slots", "Basic", &[("Front", "gato")]);

    let opts = PushOptions { url: Some(anki.url()), timeout: Duration::from_secs(10), ..Default::default() };
    let report = tokio::task::block_in_place(|| s.core.anki_push_with(deck, &opts, &mut |_, _| {})).unwrap();
    assert_eq!(report.updated, 2, "{report:?}");
    let perro = anki.note(perro).unwrap();
    let (word, sentence) = (perro.field("Audio").unwrap().to_string(), perro.field("Sentence Audio").unwrap().to_string());
    assert!(word.starts_with("[sound:deckmedia-") && sentence.starts_with("[sound:deckmedia-") && word != sentence, "{word} / {sentence}");
    let stored = anki.media();
    let name = sentence.trim_start_matches("[sound:").trim_end_matches(']');
    let made = s.core.media_page(deck, 0, 10).unwrap().items.into_iter().find(|w| w.text == "perro").unwrap();
    assert_eq!(stored.get(name), Some(&std::fs::read(made.sentence_audio.path.unwrap()).unwrap()));
    // gato has no sentence audio and its note type no field for it: only its word audio is set.
    assert!(anki.note(gato).unwrap().field("Audio").unwrap().starts_with("[sound:deckmedia-"));
}
