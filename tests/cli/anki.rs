//! `deckmedia anki push` end to end against the fake AnkiConnect.

use crate::support::*;
use deckmedia_testkit::{AnkiBehavior, Behavior, FakeAnki, FakeProvider};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anki_push_prints_a_line_per_changed_word_and_a_summary() {
    let mut env = env(Behavior::default()).await;
    let words = words("ank", 3);
    env.deck_with_batch("Push", &words).await;
    env.run(&["worker", "--until-idle"]).await.ok();

    let anki = FakeAnki::start(AnkiBehavior::default()).await;
    anki.add_deck("Anki Deck");
    anki.add_model("Vocab", &["Word", "Meaning", "Picture", "Audio"]);
    let first = anki.add_note("Anki Deck", "Vocab", &[("Word", &words[0])]);
    anki.add_note("Anki Deck", "Vocab", &[("Word", &words[1])]);
    anki.add_note("Anki Deck", "Basic", &[("Front", "nothing of ours")]);

    let out = env.run(&["anki", "push", "--deck", "Push", "--anki-deck", "Anki Deck", "--url", &anki.url()]).await.ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", out.stdout);
    assert_eq!(lines[0], format!("{}: updated (Picture, Audio)", words[0]));
    assert_eq!(lines[1], format!("{}: updated (Picture, Audio)", words[1]));
    assert_eq!(lines[2], format!("{}: not in Anki", words[2]));
    assert_eq!(
        lines[3],
        "Push → Anki 'Anki Deck': 2 updated, 0 unchanged, 1 not in Anki, 0 without media yet, 0 without a field for it; 4 file(s) stored"
    );
    let media = env.media("Push").await;
    let picture = check_media_file(&env.data_dir(), state(&media, &words[0], "image"), "image");
    let name = format!("deckmedia-{}.png", &sha256_hex(&picture)[..16]);
    assert_eq!(anki.media()[&name], picture);
    assert_eq!(anki.note(first).unwrap().field("Picture"), Some(format!("<img src=\"{name}\">").as_str()));

    // Again, through DECKMEDIA_ANKI_URL, as JSON: nothing changes.
    env.set_var("DECKMEDIA_ANKI_URL", &anki.url());
    let report = env.json(&["anki", "push", "--deck", "Push", "--anki-deck", "Anki Deck", "--json"]).await;
    assert_eq!((report["updated"].as_u64(), report["unchanged"].as_u64(), report["files_stored"].as_u64()), (Some(0), Some(2), Some(0)));
    assert_eq!(report["words"][2]["status"], "not_in_anki");

    // Anki not running: one clean line.
    let addr = FakeProvider::free_port();
    let line = env.run(&["anki", "push", "--deck", "Push", "--url", &format!("http://{addr}")]).await.clean_failure();
    assert_eq!(line, format!("error: Anki is not running (AnkiConnect did not answer at {addr}) — start Anki with the AnkiConnect add-on"));
    let line = env.run(&["anki", "push", "--deck", "Nope"]).await.clean_failure();
    assert!(line.contains("deck 'Nope' not found"), "{line}");
}
