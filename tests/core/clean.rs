//! Clean text in: what a provider gets is the word as a learner reads it, and media are keyed by
//! that text (`deckmedia_core::clean`).

use deckmedia_core::clean::TextRule;
use deckmedia_core::{BatchStatus, MediaKind, NewWord};
use deckmedia_testkit::Behavior;
use tokio_util::sync::CancellationToken;

use crate::support::{setup, within, BOTH};

const LIMIT: std::time::Duration = std::time::Duration::from_secs(20);

fn word(text: &str) -> NewWord {
    NewWord { text: text.into(), ..Default::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voices_get_the_word_without_markup_and_two_spellings_share_one_file() {
    let s = setup(Behavior::default(), 2).await;
    let a = s.core.create_deck("A", "de").unwrap();
    s.core.add_words(a.id, &[word("<b>Haus</b> [sound:haus.mp3]"), word("{{c1::Katze::animal}}")]).unwrap();
    let j = s.core.create_deck("J", "ja").unwrap();
    s.core.add_words(j.id, &[word("漢字[かんじ]")]).unwrap();
    s.core.generate(a.id, &[MediaKind::Audio], false).unwrap();
    s.core.generate(j.id, &BOTH, false).unwrap();
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    let mut spoken: Vec<String> = s.fake.requests().iter().filter(|r| r.path.ends_with("/audio/speech")).map(|r| r.word.clone()).collect();
    spoken.sort();
    assert_eq!(spoken, ["Haus", "Katze", "かんじ"]);
    let prompt = s.fake.requests().into_iter().find(|r| r.path.contains("images")).unwrap().word;
    assert!(prompt.contains("漢字") && !prompt.contains("かんじ") && !prompt.contains('['), "a picture is of the base: {prompt}");

    // Another deck writes the same word plainly: same cleaned text, same file, no call.
    let b = s.core.create_deck("B", "de").unwrap();
    s.core.add_words(b.id, &[word("Haus")]).unwrap();
    let batch = s.core.generate(b.id, &[MediaKind::Audio], false).unwrap();
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(s.fake.requests().len(), 4, "no call for a word whose cleaned text has media");
    assert_eq!(s.core.batch(batch.id).unwrap().reused_jobs, 1);
    let (pa, pb) = (s.core.media_of_deck(a.id).unwrap(), s.core.media_of_deck(b.id).unwrap());
    assert_eq!(pa[0].audio.path, pb[0].audio.path);
    assert!(!pa[0].audio.stale, "the media record keeps the word as written: not stale");

    // The deck view shows what a voice is given when it differs.
    let page = s.core.media_page(a.id, 0, 10).unwrap();
    assert_eq!(page.items[0].spoken.as_deref(), Some("Haus"));
    assert_eq!(pb[0].spoken, None, "same as written: nothing to show");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decks_text_rules_apply_and_a_word_of_only_markup_fails_without_a_call() {
    let s = setup(Behavior::default(), 2).await;
    let d = s.core.create_deck("D", "de").unwrap();
    s.core.add_words(d.id, &[word("der Hund (m)"), word("[sound:only.mp3]")]).unwrap();
    let bad = s.core.set_text_rules(d.id, &[TextRule { pattern: "(".into(), replace: String::new() }]).unwrap_err();
    assert!(bad.to_string().contains("text rule 1"), "{bad}");
    assert!(s.core.text_rules(d.id).unwrap().is_empty(), "a refused rule changes nothing");
    let rules = vec![
        TextRule { pattern: r"\s*\(.*?\)".into(), replace: String::new() },
        TextRule { pattern: r"^(der|die|das) ".into(), replace: String::new() },
    ];
    s.core.set_text_rules(d.id, &rules).unwrap();
    assert_eq!(s.core.text_rules(d.id).unwrap(), rules);
    let batch = s.core.generate(d.id, &[MediaKind::Audio], false).unwrap();
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    let spoken: Vec<String> = s.fake.requests().iter().map(|r| r.word.clone()).collect();
    assert_eq!(spoken, ["Hund"]);
    let b = s.core.batch(batch.id).unwrap();
    assert_eq!((b.status, b.completed_words, b.failed_words), (BatchStatus::Completed, 1, 1));
    let errors = s.core.batch_errors(batch.id).unwrap();
    assert!(errors[0].error.contains("nothing is left"), "{:?}", errors[0].error);
}
