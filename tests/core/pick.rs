//! "Retry with…" and "Regenerate with…": a provider picked by the user for some jobs runs them
//! through the same queue; the media says which provider made it; a provider that cannot be
//! picked is refused with the reason.

use std::time::Duration;

use deckmedia_core::{Core, MediaKind, ProviderKind};
use deckmedia_testkit::{Behavior, Fault, FaultAction};
use tokio_util::sync::CancellationToken;

use crate::support::{deck_with, setup, within};

const LIMIT: Duration = Duration::from_secs(30);

async fn run(core: &Core) {
    within(LIMIT, core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
}

fn audio_of(core: &Core, deck: i64, word: &str) -> deckmedia_core::MediaState {
    core.media_of_deck(deck).unwrap().into_iter().find(|w| w.text == word).map(|w| w.audio).expect("the word")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_words_retried_with_another_provider_and_one_word_regenerated_with_it() {
    let s = setup(Behavior { faults: vec![Fault::always("word0001", FaultAction::Status(400))], ..Default::default() }, 2).await;
    let deck = deck_with(&s.core, "D", 2);
    let batch = s.core.generate(deck, &[MediaKind::Audio], false).unwrap();
    run(&s.core).await;
    assert_eq!(s.core.batch(batch.id).unwrap().failed_words, 1);

    let choices: Vec<(MediaKind, ProviderKind)> = s.core.provider_choices().iter().map(|c| (c.kind, c.provider)).collect();
    for want in [(MediaKind::Audio, ProviderKind::Offline), (MediaKind::Audio, ProviderKind::OpenAi), (MediaKind::Image, ProviderKind::Offline)] {
        assert!(choices.contains(&want), "{want:?} in {choices:?}");
    }
    assert!(!choices.contains(&(MediaKind::Audio, ProviderKind::ElevenLabs)), "a keyed provider not configured: {choices:?}");
    assert!(!choices.contains(&(MediaKind::Image, ProviderKind::Neural)), "voices make no pictures");

    // Retry with the built-in voice: the failed word is made, without asking the fake again.
    let asked = s.fake.requests().len();
    let retried = s.core.retry_with(batch.id, ProviderKind::Offline).unwrap();
    assert_eq!(retried.id, batch.id);
    run(&s.core).await;
    let fixed = audio_of(&s.core, deck, "word0001");
    assert_eq!((fixed.status.as_str(), fixed.provider.as_deref()), ("done", Some("offline")), "{fixed:?}");
    assert_eq!(s.fake.requests().len(), asked, "the picked provider made it, not the configured one");
    assert_eq!(s.core.batch(batch.id).unwrap().failed_words, 0);

    // Regenerate one word with it; the other word keeps the configured provider's recording.
    s.core.regenerate_word_with(s.core.words(deck).unwrap()[0].id, MediaKind::Audio, ProviderKind::Offline).unwrap();
    run(&s.core).await;
    assert_eq!(audio_of(&s.core, deck, "word0000").provider.as_deref(), Some("offline"));
    assert_eq!(s.fake.requests().len(), asked);
    // And back: the configured provider's recording returns from its own settings.
    let word0 = s.core.words(deck).unwrap()[0].id;
    s.core.regenerate_word_with(word0, MediaKind::Audio, ProviderKind::OpenAi).unwrap();
    run(&s.core).await;
    assert_eq!(audio_of(&s.core, deck, "word0000").provider.as_deref(), Some("openai"));

    let no = s.core.regenerate_word_with(word0, MediaKind::Image, ProviderKind::Neural).unwrap_err();
    assert!(no.to_string().contains("cannot make pictures"), "{no}");
    let keyed = s.core.regenerate_word_with(word0, MediaKind::Audio, ProviderKind::ElevenLabs).unwrap_err();
    assert!(keyed.to_string().contains("needs a key"), "{keyed}");
    let nothing = s.core.retry_with(batch.id, ProviderKind::Offline).unwrap_err();
    assert!(nothing.to_string().contains("no failed or cancelled"), "{nothing}");
}

/// The case "Retry with…" is for: the configured provider is out of quota (paused until the
/// user acts); the words moved to another provider still run, also in a one-shot run, while
/// the configured provider's other jobs keep waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picked_provider_runs_while_the_configured_one_is_out_of_quota() {
    let s = setup(Behavior::default(), 2).await;
    let deck = deck_with(&s.core, "D", 2);
    let other = s.core.create_deck("E", "en").unwrap();
    s.core.add_words(other.id, &[deckmedia_core::NewWord { text: "elsewhere".into(), ..Default::default() }]).unwrap();
    let batch = s.core.generate(deck, &[MediaKind::Audio], false).unwrap();
    s.core.generate(other.id, &[MediaKind::Audio], false).unwrap();
    let conn = rusqlite::Connection::open(s.dir.path().join("deckmedia.sqlite3")).unwrap();
    conn.execute("INSERT INTO provider_states(provider, state, message, since) VALUES ('openai', 'out_of_quota', 'You exceeded your current quota', 0)", []).unwrap();
    run(&s.core).await;
    assert_eq!(audio_of(&s.core, deck, "word0000").status.as_str(), "queued", "held while openai is out of quota");

    s.core.cancel(batch.id).unwrap();
    s.core.retry_with(batch.id, ProviderKind::Offline).unwrap();
    // Due a moment from now (as after a retryable error): the one-shot run waits for them
    // instead of counting the whole kind as held by the paused provider.
    let soon = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64 + 300;
    conn.execute("UPDATE jobs SET next_run_at = ?1 WHERE provider_override = 'offline'", [soon]).unwrap();
    run(&s.core).await;
    for w in ["word0000", "word0001"] {
        let made = audio_of(&s.core, deck, w);
        assert_eq!((made.status.as_str(), made.provider.as_deref()), ("done", Some("offline")), "{w}: {made:?}");
    }
    assert_eq!(audio_of(&s.core, other.id, "elsewhere").status.as_str(), "queued", "the configured provider's jobs still wait");
    assert!(s.fake.requests().is_empty(), "nothing was sent to the paused provider");
}
