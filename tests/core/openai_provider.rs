//! The OpenAI-compatible provider against the real local fake (`deckmedia-testkit`): request
//! shapes, valid media, and every failure mapped to the error kind the queue acts on.

use std::sync::Arc;
use std::time::Duration;

use deckmedia_core::model::MediaKind;
use deckmedia_core::providers::openai::{OpenAiConfig, OpenAiProvider};
use deckmedia_core::providers::{MediaBytes, MediaRequest, Provider, ProviderError};
use deckmedia_testkit::{is_valid_mp3, is_valid_png, is_valid_wav, Behavior, FakeProvider, Fault, FaultAction};
use tokio_util::sync::CancellationToken;

const KEY: &str = "sk-test-0123456789abcdef";

fn provider(base_url: String, kind: MediaKind, edit: impl FnOnce(&mut OpenAiConfig)) -> OpenAiProvider {
    let mut config = OpenAiConfig { base_url, api_key: Some(KEY.into()), ..OpenAiConfig::for_kind(kind) };
    edit(&mut config);
    OpenAiProvider::new(kind, config).unwrap()
}

fn word(kind: MediaKind, text: &str) -> MediaRequest {
    MediaRequest { kind, text: text.into(), language: "de".into(), translation: Some("apple".into()) }
}

async fn generate(provider: &OpenAiProvider, request: MediaRequest) -> Result<MediaBytes, ProviderError> {
    provider.generate(&request, &CancellationToken::new()).await
}

async fn fake_with(fault: FaultAction) -> FakeProvider {
    FakeProvider::start(Behavior { faults: vec![Fault::always("Apfel", fault)], ..Behavior::default() }).await
}

fn permanent_message(result: Result<MediaBytes, ProviderError>) -> String {
    match result {
        Err(ProviderError::Permanent { message }) => message,
        other => panic!("expected a permanent error, got {other:?}"),
    }
}

#[tokio::test]
async fn image_request_has_the_openai_shape_and_answers_a_valid_png() {
    let fake = FakeProvider::start(Behavior::default()).await;
    let images = provider(fake.base_url(), MediaKind::Image, |_| {});
    let media = generate(&images, word(MediaKind::Image, "Apfel")).await.unwrap();
    assert!(is_valid_png(&media.bytes));
    assert_eq!((media.mime.as_str(), media.ext.as_str()), ("image/png", "png"));

    let sent = &fake.requests()[0];
    assert_eq!(sent.path, "/v1/images/generations");
    assert_eq!(sent.authorization.as_deref(), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(sent.body["model"], "dall-e-2");
    assert_eq!(sent.body["size"], "512x512");
    assert_eq!(sent.body["n"], 1);
    assert_eq!(sent.body["response_format"], "b64_json");
    let prompt = sent.body["prompt"].as_str().unwrap();
    assert!(prompt.contains("\"Apfel\"") && prompt.contains("apple") && prompt.contains("de"), "{prompt}");
}

#[tokio::test]
async fn audio_request_has_the_openai_shape_and_answers_a_valid_mp3() {
    let fake = FakeProvider::start(Behavior::default()).await;
    let speech = provider(fake.base_url(), MediaKind::Audio, |c| c.voice = "nova".into());
    let media = generate(&speech, word(MediaKind::Audio, "  Apfel ")).await.unwrap();
    assert!(is_valid_mp3(&media.bytes));
    assert_eq!((media.mime.as_str(), media.ext.as_str()), ("audio/mpeg", "mp3"));

    let sent = &fake.requests()[0];
    assert_eq!(sent.path, "/v1/audio/speech");
    assert_eq!(
        sent.body,
        serde_json::json!({ "model": "tts-1", "input": "Apfel", "voice": "nova", "response_format": "mp3" })
    );
}

#[tokio::test]
async fn wav_format_answers_wav_bytes() {
    let fake = FakeProvider::start(Behavior::default()).await;
    let speech = provider(fake.base_url(), MediaKind::Audio, |c| c.audio_format = "wav".into());
    let media = generate(&speech, word(MediaKind::Audio, "Apfel")).await.unwrap();
    assert!(is_valid_wav(&media.bytes));
    assert_eq!((media.mime.as_str(), media.ext.as_str()), ("audio/wav", "wav"));
}

#[tokio::test]
async fn no_key_means_no_authorization_header() {
    let fake = FakeProvider::start(Behavior::default()).await;
    for key in [None, Some("  ".to_owned())] {
        let speech = provider(fake.base_url(), MediaKind::Audio, |c| c.api_key = key);
        generate(&speech, word(MediaKind::Audio, "Apfel")).await.unwrap();
    }
    assert!(fake.requests().iter().all(|r| r.authorization.is_none()));
}

#[tokio::test]
async fn a_trailing_slash_in_the_base_url_is_harmless() {
    let fake = FakeProvider::start(Behavior::default()).await;
    let speech = provider(format!("{}/", fake.base_url()), MediaKind::Audio, |_| {});
    generate(&speech, word(MediaKind::Audio, "Apfel")).await.unwrap();
    assert_eq!(fake.requests()[0].path, "/v1/audio/speech");
}

#[tokio::test]
async fn server_error_is_retryable() {
    let fake = fake_with(FaultAction::Status(500)).await;
    let speech = provider(fake.base_url(), MediaKind::Audio, |_| {});
    match generate(&speech, word(MediaKind::Audio, "Apfel")).await {
        Err(ProviderError::Retryable { message, retry_after: None, rate_limited: false }) => {
            assert!(message.contains("HTTP 500"), "{message}");
        }
        other => panic!("expected a retryable error, got {other:?}"),
    }
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_retryable_and_says_when() {
    let fake = fake_with(FaultAction::StatusRetryAfter(429, 42)).await;
    let images = provider(fake.base_url(), MediaKind::Image, |_| {});
    match generate(&images, word(MediaKind::Image, "Apfel")).await {
        Err(ProviderError::Retryable { retry_after, rate_limited, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(42)));
            assert!(rate_limited);
        }
        other => panic!("expected a retryable error, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_request_is_a_permanent_error() {
    let fake = fake_with(FaultAction::Status(400)).await;
    let speech = provider(fake.base_url(), MediaKind::Audio, |_| {});
    let message = permanent_message(generate(&speech, word(MediaKind::Audio, "Apfel")).await);
    assert!(message.contains("HTTP 400"), "{message}");
}

#[tokio::test]
async fn rejected_key_pauses_the_account_not_the_word() {
    let fake = fake_with(FaultAction::Status(401)).await;
    let speech = provider(fake.base_url(), MediaKind::Audio, |_| {});
    let message = match generate(&speech, word(MediaKind::Audio, "Apfel")).await {
        Err(ProviderError::Account { state: deckmedia_core::AccountState::KeyRejected, message }) => message,
        other => panic!("expected a rejected key, got {other:?}"),
    };
    assert!(message.starts_with("Incorrect API key provided"), "{message}");
    assert!(!message.contains(KEY) && !message.contains("sk-fake"), "{message}");
}

#[tokio::test]
async fn garbage_instead_of_an_image_is_a_permanent_error() {
    for fault in [FaultAction::Garbage, FaultAction::EmptyBody] {
        let fake = fake_with(fault).await;
        let images = provider(fake.base_url(), MediaKind::Image, |_| {});
        let message = permanent_message(generate(&images, word(MediaKind::Image, "Apfel")).await);
        assert!(message.contains("provider answered with something that is not an image"), "{message}");
    }
}

#[tokio::test]
async fn garbage_instead_of_audio_is_a_permanent_error() {
    for fault in [FaultAction::Garbage, FaultAction::EmptyBody] {
        let fake = fake_with(fault).await;
        let speech = provider(fake.base_url(), MediaKind::Audio, |_| {});
        let message = permanent_message(generate(&speech, word(MediaKind::Audio, "Apfel")).await);
        assert!(message.contains("not audio"), "{message}");
    }
}

#[tokio::test]
async fn a_hanging_provider_times_out_and_is_retried() {
    let fake = fake_with(FaultAction::Hang).await;
    let speech = provider(fake.base_url(), MediaKind::Audio, |c| c.timeout = Duration::from_millis(300));
    match generate(&speech, word(MediaKind::Audio, "Apfel")).await {
        Err(ProviderError::TimedOut { message }) => {
            assert_eq!(message, "timed out after 300ms");
        }
        other => panic!("expected a timeout (retried by the queue), got {other:?}"),
    }
    // The abandoned request is not left hanging on the server either.
    fake.wait_for_stats(|s| s.in_flight == 0).await;
}

#[tokio::test]
async fn cancelling_a_held_request_returns_cancelled_promptly() {
    let fake = FakeProvider::start(Behavior { hold: true, ..Behavior::default() }).await;
    let speech = Arc::new(provider(fake.base_url(), MediaKind::Audio, |_| {}));
    let cancel = CancellationToken::new();
    let task = tokio::spawn({
        let (speech, cancel) = (speech.clone(), cancel.clone());
        async move { speech.generate(&word(MediaKind::Audio, "Apfel"), &cancel).await }
    });
    fake.wait_for_in_flight(1).await;
    cancel.cancel();
    let result = tokio::time::timeout(Duration::from_secs(1), task).await.expect("cancel is prompt").unwrap();
    assert_eq!(result, Err(ProviderError::Cancelled));
    // Cancelling drops the connection, so the server stops counting the request as in flight.
    fake.wait_for_stats(|s| s.in_flight == 0).await;
}

#[tokio::test]
async fn an_already_cancelled_job_sends_nothing() {
    let fake = FakeProvider::start(Behavior::default()).await;
    let speech = provider(fake.base_url(), MediaKind::Audio, |_| {});
    let cancel = CancellationToken::new();
    cancel.cancel();
    assert_eq!(speech.generate(&word(MediaKind::Audio, "Apfel"), &cancel).await, Err(ProviderError::Cancelled));
    assert_eq!(fake.stats().requests, 0);
}

#[tokio::test]
async fn an_unreachable_port_means_waiting_for_the_network() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let speech = provider(format!("http://127.0.0.1:{port}/v1"), MediaKind::Audio, |_| {});
    match generate(&speech, word(MediaKind::Audio, "Apfel")).await {
        Err(ProviderError::Unreachable { message }) => {
            assert!(message.starts_with(&format!("could not connect to 127.0.0.1:{port}")), "{message}");
        }
        other => panic!("expected an unreachable error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_empty_word_never_reaches_the_provider() {
    let fake = FakeProvider::start(Behavior::default()).await;
    let speech = provider(fake.base_url(), MediaKind::Audio, |_| {});
    permanent_message(generate(&speech, word(MediaKind::Audio, "   ")).await);
    assert_eq!(fake.stats().requests, 0);
}
