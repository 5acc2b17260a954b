//! Media providers: the one trait every picture or voice source implements, the error kinds the
//! queue acts on, and the factory that builds a provider from configuration.
//!
//! A provider only turns a request into bytes. It knows nothing of jobs, retries or files: the
//! worker owns limits, backoff and storage, so a new provider is a small, testable piece.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::model::{AccountState, MediaKind};

pub mod audio;
pub mod chain;
pub mod elevenlabs;
pub mod emoji;
pub mod http;
pub mod http_status;
pub mod licence;
pub mod neural;
pub mod offline;
pub mod openai;
pub mod openverse;
pub mod wikimedia;

/// What Settings' key field says of a provider's optional key, `None` for the others (a key a
/// provider needs is just "API key").
pub fn optional_key_note(p: crate::model::ProviderKind) -> Option<String> {
    use crate::wording::thousands;
    use openverse::{ANONYMOUS_LIMITS, TOKEN_LIMITS};
    (p == crate::model::ProviderKind::Openverse).then(|| {
        format!(
            "Token (optional: raises the limits from {} requests a minute and {} a day to {} and {})",
            thousands(i64::from(ANONYMOUS_LIMITS.0)),
            thousands(i64::from(ANONYMOUS_LIMITS.1)),
            thousands(i64::from(TOKEN_LIMITS.0)),
            thousands(i64::from(TOKEN_LIMITS.1))
        )
    })
}

/// What a provider is asked to make: one word's picture or pronunciation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRequest {
    pub kind: MediaKind,
    /// The word as it was when the job started (trimmed, 1..=512 chars).
    pub text: String,
    /// BCP-47-ish language code of the word (`en`, `de`, `ru`, ...); may be empty.
    pub language: String,
    pub translation: Option<String>,
}

/// What a provider made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaBytes {
    pub bytes: Vec<u8>,
    /// MIME type, e.g. `image/png`, `audio/mpeg`.
    pub mime: String,
    /// File extension without the dot, e.g. `png`, `mp3`.
    pub ext: String,
    /// The provider that made it, when it is not the slot's own (a chain's member).
    pub provider: Option<String>,
    /// Something to know about this media, from the provider that made it (else the slot's
    /// [`Provider::warning`] is asked).
    pub warning: Option<String>,
    /// The credit its licence asks for (a recording from Wikimedia Commons).
    pub attribution: Option<crate::model::Attribution>,
}

impl MediaBytes {
    /// Media with no credit, made by the slot's provider.
    pub fn new(bytes: Vec<u8>, mime: impl Into<String>, ext: impl Into<String>) -> Self {
        MediaBytes { bytes, mime: mime.into(), ext: ext.into(), provider: None, warning: None, attribution: None }
    }
}

/// Why a provider failed, in the terms the queue acts on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// Worth another attempt later: timeouts, connection errors, 5xx, 429.
    /// `retry_after` is the provider's own word on when (a `Retry-After` header); when it is set
    /// the whole provider pauses until then, not just this job.
    #[error("{message}")]
    Retryable { message: String, retry_after: Option<Duration>, rate_limited: bool },
    /// The provider cannot be reached at all (connection refused, no route, name not found):
    /// the network or the server is down. Its jobs wait for the network without spending
    /// attempts; the provider is probed with a growing delay until it answers again.
    #[error("{message}")]
    Unreachable { message: String },
    /// Another attempt would fail the same way: bad request, rejected key, an answer that is not media.
    #[error("{message}")]
    Permanent { message: String },
    /// The provider's account cannot serve anyone until the user acts (quota used up, key
    /// rejected). Not the word's fault: the queue pauses the whole provider, spends no attempt,
    /// and waits for Resume or a new key. `message` is the provider's own words.
    #[error("{state}: {message}")]
    Account { state: AccountState, message: String },
    /// No answer in time (the request's own timeout, or the engine's): worth another attempt,
    /// like [`ProviderError::Retryable`]; a job that keeps timing out fails as "timed out".
    #[error("{message}")]
    TimedOut { message: String },
    /// The job was cancelled while the request was in flight.
    #[error("cancelled")]
    Cancelled,
    /// The provider has nothing for this word (no recording of it exists): in a chain, the next
    /// member is asked; alone, the word fails with `message` and no attempt is retried.
    #[error("{message}")]
    NoMatch { message: String },
}

impl ProviderError {
    pub fn retryable(message: impl Into<String>) -> Self {
        ProviderError::Retryable { message: message.into(), retry_after: None, rate_limited: false }
    }
    pub fn permanent(message: impl Into<String>) -> Self {
        ProviderError::Permanent { message: message.into() }
    }
    pub fn unreachable(message: impl Into<String>) -> Self {
        ProviderError::Unreachable { message: message.into() }
    }
    pub fn timed_out(message: impl Into<String>) -> Self {
        ProviderError::TimedOut { message: message.into() }
    }
    pub fn no_match(message: impl Into<String>) -> Self {
        ProviderError::NoMatch { message: message.into() }
    }
}

pub type ProviderFuture<'a> = Pin<Box<dyn Future<Output = Result<MediaBytes, ProviderError>> + Send + 'a>>;

/// Runs `work` until it ends or `cancel` fires (then `Cancelled`; dropping `work` aborts its
/// request or child process). Every provider's `generate` goes through it.
pub(crate) async fn cancellable(cancel: &CancellationToken, work: impl Future<Output = Result<MediaBytes, ProviderError>>) -> Result<MediaBytes, ProviderError> {
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(ProviderError::Cancelled),
        r = work => r,
    }
}

/// A source of pictures or pronunciations.
pub trait Provider: Send + Sync + 'static {
    /// Short stable name, e.g. `openai`, `offline`.
    fn name(&self) -> &str;
    /// Identifies everything that changes the output (provider, model, voice, size, ...), never a
    /// secret. Media made with the same settings key is reused instead of generated again.
    fn settings_key(&self) -> String;
    /// Providers with the same limit key share one concurrency window and one `Retry-After`
    /// pause: they are the same server (e.g. images and speech from one local server).
    fn limit_key(&self) -> String {
        self.settings_key()
    }
    /// Something the user should know about media made for this request even though it was
    /// made (e.g. a voice that reads a script badly). Shown next to the media.
    fn warning(&self, _request: &MediaRequest) -> Option<String> {
        None
    }
    /// The request budgets the answers' rate headers stated since the last call (the worker
    /// asks after each request). Empty when the service sends none.
    fn take_rate_reports(&self) -> Vec<crate::limits::RateReport> {
        Vec::new()
    }
    /// Makes the media. Must return promptly with `ProviderError::Cancelled` once `cancel` fires.
    fn generate<'a>(&'a self, request: &'a MediaRequest, cancel: &'a CancellationToken) -> ProviderFuture<'a>;
}

/// A provider with the limits the worker must keep for it.
#[derive(Clone)]
pub struct ProviderSlot {
    pub provider: std::sync::Arc<dyn Provider>,
    pub max_concurrency: u32,
    pub requests_per_minute: u32,
}

impl std::fmt::Debug for ProviderSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSlot")
            .field("provider", &self.provider.name())
            .field("max_concurrency", &self.max_concurrency)
            .field("requests_per_minute", &self.requests_per_minute)
            .finish()
    }
}

/// The provider for each media kind, and the ones a user may pick instead for one word or a
/// retry ("Regenerate with…").
#[derive(Clone, Debug)]
pub struct ProviderSet {
    pub image: ProviderSlot,
    pub audio: ProviderSlot,
    /// The translation's voice when `[translation_audio]` is set; `None`: the `audio` slot's
    /// (same provider, same limits).
    pub translation_audio: Option<ProviderSlot>,
    /// The sentence's voice when `[sentence_audio]` is set; `None`: the `audio` slot's.
    pub sentence_audio: Option<ProviderSlot>,
    /// Pickable providers per kind: those that need no account (built in, neural voices,
    /// Wikimedia, Openverse) and the kind's configured one; each with its own slot limits.
    pub alternatives: Vec<(MediaKind, crate::model::ProviderKind, ProviderSlot)>,
}

impl ProviderSet {
    /// A picture and a voice slot; the translation and sentence slots use the voice.
    pub fn new(image: ProviderSlot, audio: ProviderSlot, alternatives: Vec<(MediaKind, crate::model::ProviderKind, ProviderSlot)>) -> ProviderSet {
        ProviderSet { image, audio, translation_audio: None, sentence_audio: None, alternatives }
    }

    pub fn get(&self, kind: MediaKind) -> &ProviderSlot {
        match kind {
            MediaKind::Image => &self.image,
            MediaKind::Audio => &self.audio,
            MediaKind::TranslationAudio => self.translation_audio.as_ref().unwrap_or(&self.audio),
            MediaKind::SentenceAudio => self.sentence_audio.as_ref().unwrap_or(&self.audio),
        }
    }

    /// Whether `kind` has no slot of its own and uses the word audio's: its jobs share that
    /// slot's cap as well as its server's window (see [`crate::limits::KindLimits`]).
    pub fn rides_on_audio(&self, kind: MediaKind) -> bool {
        match kind {
            MediaKind::TranslationAudio => self.translation_audio.is_none(),
            MediaKind::SentenceAudio => self.sentence_audio.is_none(),
            _ => false,
        }
    }

    /// The slot of `provider` picked for `kind`, when it can be picked.
    pub fn alternative(&self, kind: MediaKind, provider: crate::model::ProviderKind) -> Option<&ProviderSlot> {
        self.alternatives.iter().find(|(k, p, _)| *k == kind && *p == provider).map(|(_, _, s)| s)
    }

    /// The pickable providers of `kind` with their settings keys (for claiming).
    pub fn alternative_keys(&self, kind: MediaKind) -> Vec<(crate::model::ProviderKind, String)> {
        self.alternatives.iter().filter(|(k, _, _)| *k == kind).map(|(_, p, s)| (*p, s.provider.settings_key())).collect()
    }

    /// Builds the providers named in the configuration (no data dir: caches in memory, neural
    /// voices from the default data dir).
    pub fn from_config(config: &crate::config::Config) -> crate::Result<ProviderSet> {
        Self::from_config_in(config, None)
    }

    /// Builds the providers named in the configuration; providers that keep a cache (the
    /// Wikimedia provider's "no recording" answers) keep it in `data_dir` when given.
    pub fn from_config_in(config: &crate::config::Config, data_dir: Option<&std::path::Path>) -> crate::Result<ProviderSet> {
        let env = BuildEnv { config, data_dir };
        let (image, audio) = (slot(MediaKind::Image, &config.image, &env)?, slot(MediaKind::Audio, &config.audio, &env)?);
        let own = |kind: MediaKind, c: &Option<crate::config::ProviderConfig>| c.as_ref().map(|c| slot(kind, c, &env)).transpose();
        let translation_audio = own(MediaKind::TranslationAudio, &config.translation_audio)?;
        let sentence_audio = own(MediaKind::SentenceAudio, &config.sentence_audio)?;
        Ok(ProviderSet { image, audio, translation_audio, sentence_audio, alternatives: alternatives(&env) })
    }
}

/// Every provider a user may pick instead of a kind's configured one: each that makes the kind
/// and needs no key, plus the configured provider itself (with its key). One that cannot be
/// built here (e.g. no voice installed is fine; a bad section is not) is left out.
fn alternatives(env: &BuildEnv<'_>) -> Vec<(MediaKind, crate::model::ProviderKind, ProviderSlot)> {
    use crate::model::ProviderKind;
    let mut out = Vec::new();
    for kind in MediaKind::ALL {
        let c = env.config.provider(kind);
        for p in ProviderKind::ALL {
            if !p.makes(kind) || (p.needs_key() && p != c.provider) {
                continue;
            }
            let one = crate::config::ProviderConfig { provider: p, chain: Vec::new(), ..c.clone() };
            match slot(kind, &one, env) {
                Ok(s) => out.push((kind, p, s)),
                Err(e) => tracing::debug!("{p} cannot be picked for {kind}: {e}"),
            }
        }
    }
    out
}

/// What building a provider may need besides its own section.
struct BuildEnv<'a> {
    config: &'a crate::config::Config,
    data_dir: Option<&'a std::path::Path>,
}

/// The slot of one media kind: its provider, or its chain when `chain` is set.
fn slot(kind: MediaKind, c: &crate::config::ProviderConfig, env: &BuildEnv<'_>) -> crate::Result<ProviderSlot> {
    use crate::model::ProviderKind;
    let members = if c.chain.is_empty() { vec![c.provider] } else { c.chain.clone() };
    let provider: std::sync::Arc<dyn Provider> = if c.chain.is_empty() {
        build(kind, c, env)?
    } else {
        let built = c
            .chain
            .iter()
            .map(|&member| build(kind, &crate::config::ProviderConfig { provider: member, ..c.clone() }, env))
            .collect::<crate::Result<Vec<_>>>()?;
        std::sync::Arc::new(chain::ChainProvider::new(built).map_err(|e| crate::Error::Config(format!("[{kind}] chain: {e}")))?)
    };
    // Wikimedia asks API clients for serial requests or a low limit, Openverse counts every
    // request: a slot that asks either is capped.
    let mut max_concurrency = c.max_concurrency.max(1);
    if members.contains(&ProviderKind::Wikimedia) {
        max_concurrency = max_concurrency.min(wikimedia::MAX_CONCURRENCY);
    }
    if members.contains(&ProviderKind::Openverse) {
        max_concurrency = max_concurrency.min(openverse::MAX_CONCURRENCY);
    }
    // A slot that asks Openverse first is paced to its words a minute (the provider's own
    // budget still refuses what would go past the limit).
    let mut requests_per_minute = c.requests_per_minute;
    if members.first() == Some(&ProviderKind::Openverse) {
        let per_word = openverse_settings(c, env).per_minute / openverse::REQUESTS_PER_WORD;
        requests_per_minute = match requests_per_minute {
            0 => per_word.max(1),
            set => set.min(per_word.max(1)),
        };
    }
    Ok(ProviderSlot { provider, max_concurrency, requests_per_minute })
}

fn openverse_settings(c: &crate::config::ProviderConfig, env: &BuildEnv<'_>) -> openverse::OpenverseSettings {
    openverse::OpenverseSettings::from_config(&env.config.openverse, &env.config.wikimedia.contact, c.timeout(), c.connect_timeout())
}

/// One provider of kind `c.provider`: adding a provider kind is one arm here.
fn build(kind: MediaKind, c: &crate::config::ProviderConfig, env: &BuildEnv<'_>) -> crate::Result<std::sync::Arc<dyn Provider>> {
    use std::sync::Arc;
    use crate::model::ProviderKind;
    // A provider makes pictures or speech; which slot the speech is for is not its business.
    let kind = kind.medium();
    let provider: Arc<dyn Provider> = match (c.provider, kind) {
        (ProviderKind::Offline, MediaKind::Image) => Arc::new(emoji::EmojiPictureProvider::new()),
        (ProviderKind::Offline, _) => Arc::new(offline::EspeakProvider::new(c.timeout())),
        (ProviderKind::OpenAi, _) => {
            let defaults = openai::OpenAiConfig::for_kind(kind);
            let cfg = openai::OpenAiConfig {
                base_url: c.base_url.clone(),
                model: if c.model.is_empty() { defaults.model.clone() } else { c.model.clone() },
                voice: if c.voice.is_empty() { defaults.voice.clone() } else { c.voice.clone() },
                image_size: if c.size.is_empty() { defaults.image_size.clone() } else { c.size.clone() },
                audio_format: if kind == MediaKind::Audio && !c.format.is_empty() { c.format.clone() } else { defaults.audio_format.clone() },
                api_key: c.api_key.as_ref().map(|k| k.expose().to_string()),
                timeout: c.timeout(),
                connect_timeout: c.connect_timeout(),
                ..defaults
            };
            Arc::new(openai::OpenAiProvider::new(kind, cfg).map_err(|e| crate::Error::Config(format!("{kind} provider: {e}")))?)
        }
        (ProviderKind::ElevenLabs, MediaKind::Image) => return Err(crate::Error::Config("ElevenLabs makes audio only: choose another [image] provider".into())),
        (ProviderKind::ElevenLabs, _) => {
            // Keys that still hold the OpenAI-flavoured defaults mean "ElevenLabs' default".
            let d = elevenlabs::ElevenLabsConfig::default();
            let pick = |v: &str, openai_default: &str, ours: &str| if v.is_empty() || v == openai_default { ours.to_string() } else { v.to_string() };
            let cfg = elevenlabs::ElevenLabsConfig {
                base_url: crate::config::effective_base_url(ProviderKind::ElevenLabs, &c.base_url),
                voice_id: pick(&c.voice, "alloy", &d.voice_id),
                model_id: pick(&c.model, "tts-1", &d.model_id),
                api_key: c.api_key.as_ref().map(|k| k.expose().to_string()),
                timeout: c.timeout(),
                connect_timeout: c.connect_timeout(),
                ..d
            };
            Arc::new(elevenlabs::ElevenLabsProvider::new(cfg).map_err(|e| crate::Error::Config(format!("audio provider: {e}")))?)
        }
        (ProviderKind::Wikimedia, MediaKind::Image) => {
            let cfg = wikimedia::WikimediaSettings::from_config(&env.config.wikimedia, c.timeout(), c.connect_timeout());
            let cache = env.data_dir.map(|d| d.join(wikimedia::photos::MISS_CACHE_FILE));
            Arc::new(wikimedia::photos::WikidataPhotoProvider::new(cfg, cache.as_deref()).map_err(|e| crate::Error::Config(format!("image provider: {e}")))?)
        }
        (ProviderKind::Wikimedia, _) => {
            let cfg = wikimedia::WikimediaSettings::from_config(&env.config.wikimedia, c.timeout(), c.connect_timeout());
            let cache = env.data_dir.map(|d| d.join(wikimedia::MISS_CACHE_FILE));
            Arc::new(wikimedia::WikimediaProvider::new(cfg, cache.as_deref()).map_err(|e| crate::Error::Config(format!("audio provider: {e}")))?)
        }
        (ProviderKind::Openverse, MediaKind::Image) => {
            let clock: Arc<dyn openverse::Clock> = Arc::new(openverse::SystemClock);
            Arc::new(openverse::OpenverseProvider::new(openverse_settings(c, env), env.data_dir, clock).map_err(|e| crate::Error::Config(format!("image provider: {e}")))?)
        }
        (ProviderKind::Openverse, _) => return Err(crate::Error::Config("Openverse gives pictures only: choose another [audio] provider".into())),
        (ProviderKind::Neural, MediaKind::Image) => return Err(crate::Error::Config("neural voices make audio only: choose another [image] provider".into())),
        (ProviderKind::Neural, _) => Arc::new(neural::NeuralProvider::from_config(c, &env.config.neural, env.data_dir)?),
    };
    Ok(provider)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ProviderKind;

    #[test]
    fn a_provider_builds_for_exactly_the_media_it_makes() {
        for p in ProviderKind::ALL {
            for kind in MediaKind::ALL {
                let mut config = crate::config::Config::default();
                match kind {
                    MediaKind::Image => config.image.provider = p,
                    MediaKind::Audio => config.audio.provider = p,
                    MediaKind::TranslationAudio => config.translation_audio = Some(crate::config::ProviderConfig { provider: p, ..config.audio.clone() }),
                    MediaKind::SentenceAudio => config.sentence_audio = Some(crate::config::ProviderConfig { provider: p, ..config.audio.clone() }),
                }
                let built = ProviderSet::from_config_in(&config, None);
                assert_eq!(built.is_ok(), p.makes(kind), "{p} for {kind}: {:?}", built.err());
            }
        }
    }
}
