//! Sentence audio from the command line: a CSV with an example column, the deck told to make
//! sentence audio too, the dry run naming it, the worker making both recordings (against the
//! fake OpenAI-compatible speech endpoint) and the CSV export carrying both files.

use crate::support::*;
use deckmedia_testkit::Behavior;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deck_set_to_make_sentence_audio_gets_and_exports_it_next_to_word_audio() {
    let env = env(Behavior::default()).await;
    let csv = env.input("words.csv", "word,translation,example\nperro,dog,El perro come pan.\ngato,cat,\n");
    env.run(&["deck", "import", csv.to_str().unwrap(), "--deck", "Slots", "--lang", "es"]).await.ok();

    let shown = env.run(&["deck", "slots", "--deck", "Slots"]).await.ok();
    assert_eq!(shown.stdout.trim(), "Slots: pictures, audio; translations in en (default)");
    let set = env.json(&["deck", "slots", "--deck", "Slots", "--set", "audio,sentence-audio", "--json"]).await;
    assert_eq!(set["slots"], serde_json::json!(["audio", "sentence_audio"]));
    let bad = env.run(&["deck", "slots", "--deck", "Slots", "--set", "audio,video"]).await.clean_failure();
    assert!(bad.contains("video"), "{bad}");

    let plan = env.run(&["generate", "--deck", "Slots", "--dry-run"]).await.ok();
    assert!(plan.stdout.contains("  audio: 2 to make"), "{}", plan.stdout);
    assert!(plan.stdout.contains("  sentence audio: 1 to make") && plan.stdout.contains("skipped: 1 without sentence"), "{}", plan.stdout);

    env.run(&["generate", "--deck", "Slots"]).await.ok();
    env.run(&["worker", "--until-idle"]).await.ok();
    let spoken: Vec<String> = env.fake.requests().iter().filter(|r| r.path.ends_with("/audio/speech")).map(|r| r.word.clone()).collect();
    assert_eq!(spoken.len(), 3, "two words and one sentence: {spoken:?}");
    assert!(spoken.iter().any(|w| w == "El perro come pan"), "{spoken:?}");
    assert!(env.fake.requests().iter().all(|r| !r.path.contains("images")), "the deck makes no pictures");

    let media = env.media("Slots").await;
    let word = check_media_file(&env.data_dir(), state(&media, "perro", "audio"), "audio");
    let sentence = check_media_file(&env.data_dir(), state(&media, "perro", "sentence_audio"), "audio");
    assert_ne!(word, sentence);
    assert_eq!(state(&media, "gato", "sentence_audio")["status"], "none");
    let listed = env.run(&["media", "--deck", "Slots"]).await.ok();
    assert!(listed.stdout.lines().any(|l| l.starts_with("perro\t") && l.contains("sentence_audio: done")), "{}", listed.stdout);

    let folder = env.root.path().join("cwd").join("slots-csv");
    env.run(&["export", "--deck", "Slots", "--format", "csv", "--out", folder.to_str().unwrap()]).await.ok();
    let mut reader = csv::Reader::from_path(folder.join("deck.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let col = header.iter().position(|h| h == "sentence_audio").expect("a sentence_audio column");
    let perro = reader.records().map(Result::unwrap).find(|r| &r[0] == "perro").unwrap();
    assert_eq!(std::fs::read(folder.join(&perro[col])).unwrap(), sentence);

    // A word's sentence can be set afterwards; only its sentence audio is made again.
    env.run(&["deck", "sentence", "--deck", "Slots", "--word", "gato", "El gato duerme."]).await.ok();
    env.run(&["generate", "--deck", "Slots", "--kinds", "sentence-audio"]).await.ok();
    env.run(&["worker", "--until-idle"]).await.ok();
    let media = env.media("Slots").await;
    check_media_file(&env.data_dir(), state(&media, "gato", "sentence_audio"), "audio");
    assert_eq!(env.fake.requests().len(), 4);
}
