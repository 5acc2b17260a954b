//! The dry run (`Core::plan`) says what the real run then does: the same words made, skipped
//! for the same reasons, and no call while planning; a paid batch above the threshold waits for
//! a confirmation.

use deckmedia_core::cost::Cost;
use deckmedia_core::{Core, Error, MediaKind, NewWord};
use deckmedia_testkit::Behavior;
use tokio_util::sync::CancellationToken;

use crate::support::{config_for, deck_with, setup, within};

const LIMIT: std::time::Duration = std::time::Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dry_run_counts_what_the_run_then_does_and_calls_nothing() {
    let s = setup(Behavior::default(), 2).await;
    let d = deck_with(&s.core, "D", 6);
    let words = s.core.words(d).unwrap();
    // word0000, word0001: made before.
    for w in &words[..2] {
        s.core.generate_word_now(w.id, &[MediaKind::Audio]).unwrap();
    }
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    // word0002: made in another deck (same text, same language).
    let other = s.core.create_deck("Other", "en").unwrap();
    s.core.add_words(other.id, &[NewWord { text: "<i>word0002</i>".into(), ..Default::default() }]).unwrap();
    s.core.generate(other.id, &[MediaKind::Audio], false).unwrap();
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    // word0003: queued in another batch, not run yet.
    s.core.generate_word_now(words[3].id, &[MediaKind::Audio]).unwrap();
    let calls_before = s.fake.requests().len();

    let plan = s.core.plan(d, &[MediaKind::Audio], false).unwrap();
    assert_eq!(s.fake.requests().len(), calls_before, "planning calls nothing");
    let k = &plan.kinds[0];
    assert_eq!((k.to_make, k.existing, k.same_elsewhere, k.in_other_batch, k.repair), (2, 2, 1, 1, 0));
    assert_eq!(k.characters, 16, "word0004 + word0005");
    let want = 0.015 * 16.0 / 1000.0;
    assert!(matches!(&k.cost, Cost::Estimated { amount, currency } if (amount - want).abs() < 1e-12 && currency == "USD"), "{:?}", k.cost);
    assert_eq!(k.provider, "openai tts-1");
    assert_eq!(k.line, "audio: 2 to make with openai tts-1 (under $0.01 for 16 characters; 2 at once); skipped: 2 already made, 1 same text in another deck, 1 queued in another batch");
    assert!(!plan.confirm, "under the default threshold");

    let batch = s.core.generate(d, &[MediaKind::Audio], false).unwrap();
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    let b = s.core.batch(batch.id).unwrap();
    assert_eq!(b.total_jobs, 5, "every word but the one another batch has");
    assert_eq!(b.reused_jobs, (k.existing + k.same_elsewhere) as i64);
    let asked: Vec<String> = s.fake.requests()[calls_before..].iter().map(|r| r.word.clone()).collect();
    assert_eq!(asked.len() as i64, k.to_make + 1, "the plan's words and the other batch's one: {asked:?}");
    for w in ["word0004", "word0005", "word0003"] {
        assert!(asked.contains(&w.to_string()), "{w} made: {asked:?}");
    }

    let forced = s.core.plan(d, &[MediaKind::Audio], true).unwrap();
    assert_eq!((forced.kinds[0].to_make, forced.kinds[0].existing), (6, 0), "--force makes every word again");
    let done = s.core.plan(d, &[MediaKind::Audio], false).unwrap();
    assert_eq!((done.calls, done.cost.clone()), (0, Cost::Free));
    assert_eq!(done.summary, "D: nothing to make, every word has its media");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_batch_above_the_threshold_starts_only_when_confirmed() {
    let s = setup(Behavior::default(), 2).await;
    let mut config = config_for(&s.fake, 2);
    config.cost.confirm_above = 0.0001;
    let core = Core::open_with_config(s.dir.path(), config).unwrap();
    let d = deck_with(&core, "D", 20);
    let err = core.generate_checked(d, &[MediaKind::Audio], false, false).unwrap_err();
    assert!(matches!(&err, Error::ConfirmCost(m) if m == "D: 20 to make, under $0.01: above the 0.00 set to ask first ([cost] confirm_above)"), "{err}");
    assert!(core.batches().unwrap().is_empty(), "nothing started");
    let batch = core.generate_checked(d, &[MediaKind::Audio], false, true).unwrap();
    assert_eq!(batch.total_words, 20);
    // Pictures (dall-e-2 in the price table) at $0.02 each: the same rule.
    let plan = core.plan(d, &[MediaKind::Image], false).unwrap();
    assert!(matches!(plan.cost, Cost::Estimated { amount, .. } if (amount - 0.4).abs() < 1e-9), "{:?}", plan.cost);
    assert!(plan.confirm);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_makes_the_first_words_still_to_make_first_and_the_batch_reuses_them() {
    let s = setup(Behavior::default(), 1).await;
    let d = deck_with(&s.core, "D", 10);
    let words = s.core.words(d).unwrap();
    // word0000 already has its recording: the preview starts after it.
    s.core.generate_word_now(words[0].id, &[MediaKind::Audio]).unwrap();
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    // An ordinary batch of another deck waits in the queue; the preview goes before it.
    let other = deck_with(&s.core, "Other", 3);
    s.core.generate(other, &[MediaKind::Audio], false).unwrap();
    let calls = s.fake.requests().len();
    let preview = s.core.preview(d, &[MediaKind::Audio], 3).unwrap();
    assert_eq!(preview.total_words, 3);
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    let asked: Vec<String> = s.fake.requests()[calls..].iter().map(|r| r.word.clone()).collect();
    assert_eq!(&asked[..3], ["word0001", "word0002", "word0003"], "the preview ran first, in deck order: {asked:?}");
    let full = s.core.generate(d, &[MediaKind::Audio], false).unwrap();
    assert_eq!(full.reused_jobs, 4, "the earlier word and the three previewed");
    assert!(s.core.preview(d, &[MediaKind::Audio], 0).is_err());
    assert!(s.core.preview(d, &[MediaKind::Audio], 11).is_err());
}

#[test]
fn a_dry_run_for_openverse_says_its_request_budget_and_what_is_left_today() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = deckmedia_core::config::Config::default();
    config.image.provider = deckmedia_core::ProviderKind::Openverse;
    config.openverse.url = "http://127.0.0.1:9/".into();
    // The worker spent 40 requests today (the budget file it keeps).
    let day = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64 / 86_400_000;
    std::fs::write(dir.path().join("openverse-budget.json"), format!("{{\"day\":{day},\"used\":40,\"recent\":[]}}")).unwrap();
    let core = Core::open_with_config(dir.path(), config).unwrap();
    let d = deck_with(&core, "D", 3);
    let plan = core.plan(d, &[MediaKind::Image], false).unwrap();
    let k = &plan.kinds[0];
    assert_eq!(k.limits, "2 at once, 10 a minute; Openverse: 20 requests a minute, 200 a day, 2 a word: 80 words left today", "{k:?}");
    assert!(k.line.contains("80 words left today"), "{}", k.line);
}
