//! "Play a sample" for a neural voice: a short greeting in the voice's language, spoken by that
//! voice and kept as an ordinary audio file of the media store (content-addressed, so playing a
//! sample twice makes no second file), for Settings → Neural voices and `deckmedia voice sample`.

use tokio_util::sync::CancellationToken;

use crate::core::Core;
use crate::error::{Error, Result};
use crate::model::MediaKind;
use crate::providers::neural::{NeuralConfig, NeuralProvider, RuntimeSearch};
use crate::providers::{MediaRequest, Provider, ProviderError};
use crate::voices::VoiceKey;

/// A word or two a learner recognises, per language family; English for the rest.
const SAMPLES: &[(&str, &str)] = &[
    ("ar", "مرحبا"),
    ("ca", "Bon dia"),
    ("cs", "Dobrý den"),
    ("da", "Goddag"),
    ("de", "Guten Tag"),
    ("el", "Καλημέρα"),
    ("en", "Good morning"),
    ("es", "Buenos días"),
    ("fi", "Hyvää huomenta"),
    ("fr", "Bonjour"),
    ("hu", "Jó napot"),
    ("it", "Buongiorno"),
    ("nl", "Goedemorgen"),
    ("no", "God morgen"),
    ("pl", "Dzień dobry"),
    ("pt", "Bom dia"),
    ("ro", "Bună ziua"),
    ("ru", "Доброе утро"),
    ("sv", "God morgon"),
    ("tr", "Günaydın"),
    ("uk", "Доброго ранку"),
    ("vi", "Xin chào"),
    ("zh", "你好"),
];

/// The sample text for a voice language code (`de_DE` → "Guten Tag").
pub fn sample_text(language: &str) -> &'static str {
    let family = language.split(['_', '-']).next().unwrap_or("");
    SAMPLES.iter().find(|(code, _)| code.eq_ignore_ascii_case(family)).map(|(_, text)| *text).unwrap_or("Good morning")
}

impl Core {
    /// Speaks `text` (default: [`sample_text`] of the voice's language) with the installed voice
    /// `key`; the absolute path of the audio file. Never falls back to eSpeak NG: a sample that
    /// is not the voice would mislead.
    pub async fn voice_sample(&self, key: &VoiceKey, text: Option<&str>) -> Result<String> {
        let store = self.voice_manager().map_err(|e| Error::invalid(e.to_string()))?;
        let voice = store.store().get(key).ok_or_else(|| Error::invalid(format!("voice {key} is not installed (deckmedia voice install {key})")))?;
        let language = voice.language.code.clone();
        let text = text.map(str::trim).filter(|t| !t.is_empty()).unwrap_or(sample_text(&language)).to_string();
        let runtime = RuntimeSearch::new(&self.config().neural.runtime, Some(self.data_dir()));
        let config = NeuralConfig::new(self.data_dir(), Some(key.clone()), runtime, std::time::Duration::from_secs(60));
        let provider = NeuralProvider::new(config);
        let request = MediaRequest { kind: MediaKind::Audio, text, language, translation: None };
        let made = provider.generate(&request, &CancellationToken::new()).await.map_err(|e| match e {
            ProviderError::Permanent { message } | ProviderError::NoMatch { message } => Error::invalid(format!("the voice could not speak: {message}")),
            other => Error::invalid(format!("the voice could not speak: {other}")),
        })?;
        if let Some(warning) = made.warning {
            return Err(Error::invalid(format!("the voice could not speak: {warning}")));
        }
        let media = self.media_store().clone();
        let file = tokio::task::spawn_blocking(move || media.write(MediaKind::Audio, &made.ext, &made.bytes))
            .await
            .map_err(|e| Error::invalid(format!("writing the sample failed: {e}")))??;
        Ok(self.data_dir().join(file.rel_path).display().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::sample_text;

    #[test]
    fn a_sample_is_in_the_voices_language() {
        assert_eq!(sample_text("de_DE"), "Guten Tag");
        assert_eq!(sample_text("es_MX"), "Buenos días");
        assert_eq!(sample_text("pt-BR"), "Bom dia");
        assert_eq!(sample_text("xx_YY"), "Good morning");
    }
}
