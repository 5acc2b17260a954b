//! Provider account states: a provider whose quota runs out (or whose key is refused) mid-batch
//! is paused as a whole after about the calls already in flight, its jobs wait without
//! spending attempts, the other kind's offline provider finishes, and Resume brings it back.
//! Each case uses the service's real error shape, served by the local fake.

use std::time::Duration;

use deckmedia_core::config::{Config, ProviderConfig};
use deckmedia_core::events::Event;
use deckmedia_core::{AccountState, BatchStatus, Core, MediaKind};
use deckmedia_testkit::{Behavior, FakeProvider, Stats};
use tokio_util::sync::CancellationToken;

use crate::support::*;

const LIMIT: Duration = Duration::from_secs(60);
const WORDS: usize = 40;
const QUOTA: usize = 5;
const CONCURRENCY: u32 = 4;

#[derive(Clone, Copy, Debug)]
enum Paid {
    OpenAiImages,
    OpenAiSpeech,
    ElevenLabs,
}

impl Paid {
    fn kind(self) -> MediaKind {
        match self {
            Paid::OpenAiImages => MediaKind::Image,
            Paid::OpenAiSpeech | Paid::ElevenLabs => MediaKind::Audio,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Paid::ElevenLabs => "elevenlabs",
            _ => "openai",
        }
    }
    fn calls(self, s: &Stats) -> usize {
        match self.kind() {
            MediaKind::Image => s.images,
            _ => s.audio,
        }
    }
    /// The start of the provider's own message in its real quota answer.
    fn quota_message(self) -> &'static str {
        match self {
            Paid::ElevenLabs => "This request exceeds your quota of 10000.",
            _ => "You exceeded your current quota, please check your plan and billing details.",
        }
    }
}

/// The paid kind on the fake, the other kind offline (no network, no account).
fn config(fake: &FakeProvider, paid: Paid) -> Config {
    let mut c = config_for(fake, CONCURRENCY);
    match paid {
        Paid::OpenAiImages => c.audio = ProviderConfig::default_for(MediaKind::Audio),
        Paid::OpenAiSpeech => c.image = ProviderConfig::default_for(MediaKind::Image),
        Paid::ElevenLabs => {
            c.image = ProviderConfig::default_for(MediaKind::Image);
            c.audio.provider = deckmedia_core::ProviderKind::ElevenLabs;
            c.audio.voice = "voiceABC123".into();
        }
    }
    c
}

fn provider_events(rx: &mut tokio::sync::broadcast::Receiver<Event>) -> Vec<Event> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        if matches!(e, Event::ProviderAccount { .. }) {
            out.push(e);
        }
    }
    out
}

async fn quota_runs_out_mid_batch(paid: Paid) {
    let fake = FakeProvider::start(Behavior { quota: Some(QUOTA), latency: Duration::from_millis(5), ..Default::default() }).await;
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), config(&fake, paid)).unwrap();
    let deck = deck_with(&core, "Quota", WORDS);
    let mut rx = core.subscribe();
    let batch = core.generate(deck, &BOTH, false).unwrap();

    // The one-shot worker leaves instead of retrying: the paused provider's jobs stay queued.
    let summary = within(LIMIT, next_worker(&core).await.run_until_idle(CancellationToken::new())).await.unwrap();
    let calls = paid.calls(&fake.stats());
    assert!(
        calls > QUOTA && calls <= QUOTA + 2 * CONCURRENCY as usize,
        "{paid:?}: about the calls in flight after the quota ran out, not one per word: {calls} calls for {WORDS} words"
    );
    assert_eq!(summary.failed, 0, "{paid:?}: no word failed for the account's sake: {summary:?}");

    let media = core.media_of_deck(deck).unwrap();
    let state = |w: &deckmedia_core::WordMedia, k: MediaKind| if k == MediaKind::Image { w.image.status } else { w.audio.status };
    let offline = if paid.kind() == MediaKind::Image { MediaKind::Audio } else { MediaKind::Image };
    assert!(media.iter().all(|w| state(w, offline) == deckmedia_core::MediaStatus::Done), "{paid:?}: the offline kind finished");
    assert_eq!(media.iter().filter(|w| state(w, paid.kind()) == deckmedia_core::MediaStatus::Done).count(), QUOTA, "{paid:?}");
    let waiting = query_i64(dir.path(), &format!("SELECT COUNT(*) FROM jobs WHERE kind = '{}' AND status = 'queued'", paid.kind()));
    assert_eq!(waiting as usize, WORDS - QUOTA, "{paid:?}: the rest wait");
    let spent = query_i64(dir.path(), "SELECT COALESCE(SUM(attempts), 0) FROM jobs WHERE status = 'queued'");
    assert_eq!(spent, 0, "{paid:?}: no attempt spent on waiting jobs");
    assert_eq!(core.batch(batch.id).unwrap().status, BatchStatus::Processing);

    let states = core.snapshot().unwrap().providers;
    assert_eq!(states.len(), 1, "{states:?}");
    assert_eq!((states[0].provider.as_str(), states[0].state), (paid.name(), AccountState::OutOfQuota));
    assert!(states[0].message.starts_with(paid.quota_message()), "the provider's own words: {}", states[0].message);
    assert!(states[0].line().starts_with(&format!("{}: Out of quota — ", paid.name())), "{}", states[0].line());
    let events = provider_events(&mut rx);
    assert_eq!(events.len(), 1, "one event per pause: {events:?}");
    assert!(matches!(&events[0], Event::ProviderAccount { provider, state: Some(AccountState::OutOfQuota), .. } if provider == paid.name()));

    // A restart remembers: the paused provider is not called again.
    let reopened = Core::open_with_config(dir.path(), config(&fake, paid)).unwrap();
    assert_eq!(reopened.snapshot().unwrap().providers, states);
    within(LIMIT, next_worker(&reopened).await.run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(paid.calls(&fake.stats()), calls, "{paid:?}: no call while paused");

    // Topped up: Resume, and the rest is made, one call per word left.
    fake.set_behavior(Behavior::default());
    let mut rx = reopened.subscribe();
    assert!(reopened.resume_provider(paid.name()).unwrap());
    assert!(reopened.snapshot().unwrap().providers.is_empty());
    assert!(matches!(&provider_events(&mut rx)[..], [Event::ProviderAccount { state: None, .. }]));
    within(LIMIT, next_worker(&reopened).await.run_until_idle(CancellationToken::new())).await.unwrap();
    let b = reopened.batch(batch.id).unwrap();
    assert_eq!((b.status, b.completed_words, b.failed_words), (BatchStatus::Completed, WORDS as i64, 0), "{paid:?}");
    assert_eq!(paid.calls(&fake.stats()), calls + (WORDS - QUOTA), "{paid:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_images_out_of_quota_pause_the_provider_not_each_word() {
    quota_runs_out_mid_batch(Paid::OpenAiImages).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_speech_out_of_quota_pauses_the_provider_not_each_word() {
    quota_runs_out_mid_batch(Paid::OpenAiSpeech).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elevenlabs_quota_exceeded_pauses_the_provider_not_each_word() {
    quota_runs_out_mid_batch(Paid::ElevenLabs).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_key_pauses_the_provider_and_resume_all_brings_it_back() {
    use deckmedia_testkit::{Fault, FaultAction};
    let fake = FakeProvider::start(Behavior { faults: vec![Fault::always("", FaultAction::KeyRejected)], ..Default::default() }).await;
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), config(&fake, Paid::OpenAiSpeech)).unwrap();
    let deck = deck_with(&core, "Keys", 20);
    let batch = core.generate(deck, &[MediaKind::Audio], false).unwrap();
    within(LIMIT, next_worker(&core).await.run_until_idle(CancellationToken::new())).await.unwrap();
    assert!(fake.stats().audio <= 2 * CONCURRENCY as usize, "{:?}", fake.stats());
    let states = core.snapshot().unwrap().providers;
    assert_eq!(states.len(), 1);
    assert_eq!(states[0].state, AccountState::KeyRejected);
    assert!(states[0].message.starts_with("Incorrect API key provided"), "{}", states[0].message);
    assert!(!states[0].message.contains("sk-fake"), "no key fragment: {}", states[0].message);

    fake.set_behavior(Behavior::default());
    core.pause_all(false).unwrap();
    assert!(core.snapshot().unwrap().providers.is_empty());
    within(LIMIT, next_worker(&core).await.run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(core.batch(batch.id).unwrap().status, BatchStatus::Completed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_rate_limit_is_still_retried_and_pauses_nothing() {
    use deckmedia_testkit::{Fault, FaultAction};
    let faults = vec![Fault::times("word0001", FaultAction::Status(429), 2), Fault::times("word0002", FaultAction::StatusRetryAfter(429, 0), 1)];
    let fake = FakeProvider::start(Behavior { faults, ..Default::default() }).await;
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), config(&fake, Paid::OpenAiSpeech)).unwrap();
    let deck = deck_with(&core, "Busy", 4);
    let batch = core.generate(deck, &[MediaKind::Audio], false).unwrap();
    within(LIMIT, next_worker(&core).await.run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(core.batch(batch.id).unwrap().status, BatchStatus::Completed);
    assert!(core.snapshot().unwrap().providers.is_empty());
    assert_eq!(fake.stats().audio, 7);
}
