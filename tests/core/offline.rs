//! The built-in offline providers, against the real `espeak-ng` program.

use std::time::Duration;

use deckmedia_core::providers::offline::{EspeakProvider, WordCardProvider};
use deckmedia_core::providers::{MediaRequest, Provider, ProviderError};
use deckmedia_core::MediaKind;
use deckmedia_testkit::is_valid_wav;
use tokio_util::sync::CancellationToken;

fn request(kind: MediaKind, text: &str, language: &str) -> MediaRequest {
    MediaRequest { kind, text: text.into(), language: language.into(), translation: None }
}

#[tokio::test]
async fn espeak_speaks_words_in_five_languages_as_valid_wav() {
    let p = EspeakProvider::new(Duration::from_secs(20));
    for (word, lang) in [("apple", "en"), ("Apfel", "de"), ("manzana", "es"), ("pomme", "fr"), ("яблоко", "ru")] {
        let out = p.generate(&request(MediaKind::Audio, word, lang), &CancellationToken::new()).await.unwrap_or_else(|e| panic!("{word}: {e}"));
        assert_eq!((out.mime.as_str(), out.ext.as_str()), ("audio/wav", "wav"));
        assert!(is_valid_wav(&out.bytes), "{word} ({lang}) is not a valid WAV");
        assert!(out.bytes.len() > 4_000, "{word}: {} bytes is too short to be speech", out.bytes.len());
    }
}

#[tokio::test]
async fn a_missing_espeak_is_a_clear_permanent_error() {
    let p = EspeakProvider::with_program("/nonexistent/espeak-ng", Duration::from_secs(5));
    let e = p.generate(&request(MediaKind::Audio, "apple", "en"), &CancellationToken::new()).await.unwrap_err();
    match e {
        ProviderError::Permanent { message } => assert!(message.contains("apt-get install espeak-ng"), "{message}"),
        other => panic!("expected a permanent error, got {other:?}"),
    }
}

#[tokio::test]
async fn word_cards_are_svg_with_the_word_escaped() {
    let out = WordCardProvider.generate(&request(MediaKind::Image, "<b>&co", "en"), &CancellationToken::new()).await.unwrap();
    let svg = String::from_utf8(out.bytes).unwrap();
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    assert!(svg.contains("&lt;b&gt;&amp;co"));
}
