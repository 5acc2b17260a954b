//! The ElevenLabs voice against a local fake with the service's request and error shapes.

use std::time::Duration;

use deckmedia_core::config::{Config, Secret};
use deckmedia_core::providers::elevenlabs::{ElevenLabsConfig, ElevenLabsProvider};
use deckmedia_core::providers::{MediaRequest, Provider, ProviderError};
use deckmedia_core::{BatchStatus, Core, MediaKind};
use deckmedia_testkit::{is_valid_mp3, Behavior, Fault, FaultAction, FakeProvider};
use tokio_util::sync::CancellationToken;

use crate::support::*;

fn provider(fake: &FakeProvider, key: Option<&str>) -> ElevenLabsProvider {
    ElevenLabsProvider::new(ElevenLabsConfig {
        base_url: fake.base_url(),
        voice_id: "voiceABC123".into(),
        api_key: key.map(Into::into),
        timeout: Duration::from_secs(5),
        ..Default::default()
    })
    .unwrap()
}

fn word(text: &str) -> MediaRequest {
    MediaRequest { kind: MediaKind::Audio, text: text.into(), language: "de".into(), translation: None }
}

#[tokio::test]
async fn requests_have_the_services_shape_and_answers_are_checked() {
    let fake = FakeProvider::start(Behavior::default()).await;
    let p = provider(&fake, Some("xi-secret-1234"));
    let out = p.generate(&word("Apfel"), &CancellationToken::new()).await.unwrap();
    assert!(is_valid_mp3(&out.bytes));
    assert_eq!((out.mime.as_str(), out.ext.as_str()), ("audio/mpeg", "mp3"));
    let r = &fake.requests()[0];
    assert_eq!(r.path, "/v1/text-to-speech/voiceABC123");
    assert_eq!(r.authorization.as_deref(), Some("xi-secret-1234"), "xi-api-key header");
    assert_eq!(r.body["text"], "Apfel");
    assert_eq!(r.body["model_id"], "eleven_multilingual_v2");
}

#[tokio::test]
async fn errors_are_classified_and_never_carry_the_key() {
    let faults = vec![
        Fault::always("bad-key", FaultAction::Status(401)),
        Fault::always("busy", FaultAction::StatusRetryAfter(429, 7)),
        Fault::always("down", FaultAction::Status(503)),
        Fault::always("junk", FaultAction::Garbage),
    ];
    let fake = FakeProvider::start(Behavior { faults, ..Default::default() }).await;
    let p = provider(&fake, Some("xi-secret-1234"));
    let go = |w: &'static str| {
        let p = &p;
        async move { p.generate(&word(w), &CancellationToken::new()).await.unwrap_err() }
    };
    assert!(matches!(go("bad-key").await, ProviderError::Account { state: deckmedia_core::AccountState::KeyRejected, .. }));
    match go("busy").await {
        ProviderError::Retryable { retry_after, .. } => assert_eq!(retry_after, Some(Duration::from_secs(7))),
        other => panic!("{other:?}"),
    }
    assert!(matches!(go("down").await, ProviderError::Retryable { .. }));
    match go("junk").await {
        ProviderError::Permanent { message } => assert!(message.contains("not audio"), "{message}"),
        other => panic!("{other:?}"),
    }
    for e in [go("bad-key").await, go("down").await] {
        assert!(!e.to_string().contains("xi-secret-1234"), "{e}");
    }
}

#[tokio::test]
async fn a_server_that_is_down_means_waiting_for_the_network() {
    let addr = FakeProvider::free_port();
    let p = ElevenLabsProvider::new(ElevenLabsConfig { base_url: format!("http://{addr}/v1"), ..Default::default() }).unwrap();
    assert!(matches!(p.generate(&word("Apfel"), &CancellationToken::new()).await, Err(ProviderError::Unreachable { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deck_gets_elevenlabs_audio_through_the_queue() {
    let fake = FakeProvider::start(Behavior::default()).await;
    let mut c = Config::default();
    c.audio.provider = deckmedia_core::ProviderKind::ElevenLabs;
    c.audio.base_url = fake.base_url();
    c.audio.api_key = Some(Secret::new("xi-secret-1234"));
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), c).unwrap();
    let deck = deck_with(&core, "D", 4);
    let batch = core.generate(deck, &[MediaKind::Audio], false).unwrap();
    within(Duration::from_secs(30), core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(core.batch(batch.id).unwrap().status, BatchStatus::Completed);
    assert_eq!(fake.stats().audio, 4);
    assert!(fake.requests().iter().all(|r| r.path.starts_with("/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM")), "the default voice");
}
