//! Configuration: `config.toml` in the data dir, each key overridable by an environment variable
//! `DECKMEDIA_<SECTION>_<KEY>` (e.g. `DECKMEDIA_IMAGE_MAX_CONCURRENCY=8`).
//!
//! API keys are never read from or written to `config.toml`: they come from the environment
//! (`DECKMEDIA_API_KEY`, or `DECKMEDIA_IMAGE_API_KEY` / `DECKMEDIA_AUDIO_API_KEY`) and are kept
//! in a [`Secret`] whose `Debug` hides them.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{MediaKind, ProviderKind};
use crate::text::clip;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub image: ProviderConfig,
    pub audio: ProviderConfig,
    /// `[translation_audio]`: the voice that reads a word's translation. Unset: `[audio]`'s
    /// provider and settings, sharing its limits. A section takes the `[audio]` keys of
    /// `config.toml` it does not set itself (`provider` without `chain` drops `[audio]`'s chain).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub translation_audio: Option<ProviderConfig>,
    /// `[sentence_audio]`: the voice that reads a word's example sentence; like `[translation_audio]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentence_audio: Option<ProviderConfig>,
    pub queue: QueueConfig,
    /// The Wikimedia provider's servers and contact (`[wikimedia]`).
    pub wikimedia: WikimediaConfig,
    /// The Openverse photo provider's server and limits (`[openverse]`).
    pub openverse: OpenverseConfig,
    pub neural: NeuralSection,
    pub voices: VoicesSection,
    /// Prices of paid providers and when to confirm a batch (`[cost]`).
    pub cost: crate::cost::CostConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            image: ProviderConfig::default_for(MediaKind::Image),
            audio: ProviderConfig::default_for(MediaKind::Audio),
            translation_audio: None,
            sentence_audio: None,
            queue: QueueConfig::default(),
            wikimedia: WikimediaConfig::default(),
            openverse: OpenverseConfig::default(),
            neural: NeuralSection::default(),
            voices: VoicesSection::default(),
            cost: crate::cost::CostConfig::default(),
        }
    }
}

/// The variable that names the ONNX Runtime library (overrides `[neural] runtime`).
pub const ONNXRUNTIME_ENV: &str = "DECKMEDIA_ONNXRUNTIME";

/// `[neural]`: the in-process neural voices.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NeuralSection {
    /// The ONNX Runtime library (a file, or a folder holding it); empty = look next to the
    /// binary and in `<data dir>/runtime/`. `DECKMEDIA_ONNXRUNTIME` overrides it.
    pub runtime: String,
}

/// `[voices]`: where neural voices are installed from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VoicesSection {
    /// Base URL of a Piper voice repository (`<url>/voices.json`, `<url>/<file path>`); empty =
    /// the public one. `DECKMEDIA_VOICES_URL` overrides it.
    pub url: String,
}

/// Settings of the provider used for one media kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderConfig {
    /// `offline` (built in, no network), `openai` (any OpenAI-compatible server) or, for audio,
    /// `elevenlabs` or `neural` (installed Piper voices, no network).
    pub provider: ProviderKind,
    /// For `openai`: e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8080/v1`.
    pub base_url: String,
    pub model: String,
    /// Speech voice (audio only); for `neural`, an installed voice's key (`en_US-joe-medium`).
    pub voice: String,
    /// Picture size such as `512x512` (images only).
    pub size: String,
    /// Audio format: `mp3` or `wav` (audio only).
    pub format: String,
    /// Requests in flight at once, at most.
    pub max_concurrency: u32,
    /// Requests started per minute, at most (0 = no limit).
    pub requests_per_minute: u32,
    pub timeout_secs: u64,
    /// Seconds to wait for a connection to open; past it the provider counts as unreachable
    /// ("waiting for network") and no attempt is spent.
    pub connect_timeout_secs: u64,
    /// A fallback chain, e.g. `["wikimedia", "offline"]`: each word gets the first member's
    /// media that exists (`providers::chain`). Empty (the default): `provider` alone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<ProviderKind>,
    #[serde(skip)]
    pub api_key: Option<Secret>,
}

/// OpenAI's API: the default base URL of an OpenAI-compatible provider.
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
/// ElevenLabs' API.
pub const ELEVENLABS_BASE_URL: &str = "https://api.elevenlabs.io/v1";

/// The base URL `provider` really talks to for a configured `base_url`: ElevenLabs reads an
/// empty or OpenAI-default base URL as its own default, an OpenAI-compatible provider with none
/// talks to OpenAI. The provider factory and the key store (which scopes keys by server) both
/// ask here.
pub fn effective_base_url(provider: ProviderKind, base_url: &str) -> String {
    let base = base_url.trim();
    match provider {
        ProviderKind::ElevenLabs if base.is_empty() || base.trim_end_matches('/') == OPENAI_BASE_URL => ELEVENLABS_BASE_URL.to_string(),
        ProviderKind::OpenAi if base.is_empty() => OPENAI_BASE_URL.to_string(),
        ProviderKind::Openverse if base.is_empty() => OPENVERSE_URL.to_string(),
        _ => base.to_string(),
    }
}

impl Default for ProviderConfig {
    /// Kind-neutral defaults; [`ProviderConfig::fill_defaults`] adds the kind's model, voice,
    /// size and format where they are empty.
    fn default() -> Self {
        ProviderConfig {
            provider: ProviderKind::Offline,
            base_url: OPENAI_BASE_URL.into(),
            model: String::new(),
            voice: String::new(),
            size: String::new(),
            format: String::new(),
            max_concurrency: 4,
            requests_per_minute: 0,
            timeout_secs: 60,
            connect_timeout_secs: crate::net::DEFAULT_CONNECT_TIMEOUT.as_secs(),
            chain: Vec::new(),
            api_key: None,
        }
    }
}

impl ProviderConfig {
    pub fn default_for(kind: MediaKind) -> Self {
        let mut c = ProviderConfig::default();
        c.fill_defaults(kind);
        c
    }

    /// Sets the kind's defaults where a value is empty.
    pub fn fill_defaults(&mut self, kind: MediaKind) {
        let (model, voice, size, format) = match kind.medium() {
            MediaKind::Image => ("gpt-image-1", "", "1024x1024", "png"),
            _ => ("tts-1", "alloy", "", "mp3"),
        };
        for (field, value) in [(&mut self.model, model), (&mut self.voice, voice), (&mut self.size, size), (&mut self.format, format)] {
            if field.is_empty() {
                *field = value.to_string();
            }
        }
    }
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs.max(1))
    }
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_secs.max(1))
    }
}

/// Where the Wikimedia provider asks, and who it says is asking (`[wikimedia]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WikimediaConfig {
    /// Wikimedia Commons' API endpoint.
    pub commons_url: String,
    /// Wiktionary's API endpoint, `{lang}` standing for the word's Wiktionary (`en`, `de`, …).
    pub wiktionary_url: String,
    /// Wikidata's API endpoint (pictures: the word's item and its image, P18; recordings: the
    /// word's lexeme and its pronunciation, P443).
    pub wikidata_url: String,
    /// A contact for Wikimedia's operators, sent in the User-Agent (their API etiquette asks
    /// for one): an e-mail address or a URL.
    pub contact: String,
    /// Days a word with no recording is not asked about again.
    pub negative_cache_days: u32,
}

impl Default for WikimediaConfig {
    fn default() -> Self {
        WikimediaConfig {
            commons_url: "https://commons.wikimedia.org/w/api.php".into(),
            wiktionary_url: "https://{lang}.wiktionary.org/w/api.php".into(),
            wikidata_url: "https://www.wikidata.org/w/api.php".into(),
            contact: "deckmedia@example.org".into(),
            negative_cache_days: 7,
        }
    }
}

/// Openverse's public API: anonymous clients may send 20 requests a minute and 200 a day;
/// with a registered application's token, 100 and 10,000.
pub const OPENVERSE_URL: &str = "https://api.openverse.org";

/// Where the Openverse provider asks, and how much (`[openverse]`). Its token is a key
/// (`deckmedia key set openverse`, or `DECKMEDIA_OPENVERSE_API_KEY`), never in this file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpenverseConfig {
    /// The API's base URL (`<url>/v1/images/`).
    pub url: String,
    /// Requests a minute, at most; 0 = Openverse's own limit (20 anonymous, 100 with a token).
    pub requests_per_minute: u32,
    /// Requests a day (UTC), at most; 0 = Openverse's own limit (200 anonymous, 10,000 with a token).
    pub requests_per_day: u32,
    /// Days a word with no photo is not asked about again.
    pub negative_cache_days: u32,
    #[serde(skip)]
    pub token: Option<Secret>,
}

impl Default for OpenverseConfig {
    fn default() -> Self {
        OpenverseConfig { url: OPENVERSE_URL.into(), requests_per_minute: 0, requests_per_day: 0, negative_cache_days: 7, token: None }
    }
}

/// Queue-wide settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// Attempts per job before it fails.
    pub max_attempts: u32,
    /// First retry delay; doubles each attempt, with jitter.
    pub backoff_base_ms: u64,
    /// Longest retry delay.
    pub backoff_max_ms: u64,
    /// How long a database write waits for another process's lock (a long import in the CLI, a
    /// backup tool) before the worker's turn counts as a fault and is retried.
    pub busy_timeout_ms: u64,
    /// Media files no word uses any more (replaced, undone, deleted) are removed after this
    /// many days, when the worker starts or by `deckmedia gc`. The last few replaced versions
    /// of each word's media are kept for undo regardless.
    pub keep_unused_days: u32,
}

impl QueueConfig {
    pub fn busy_timeout(&self) -> Duration {
        Duration::from_millis(self.busy_timeout_ms.max(1))
    }
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig { max_attempts: 5, backoff_base_ms: 1_000, backoff_max_ms: 300_000, busy_timeout_ms: crate::store::BUSY_TIMEOUT.as_millis() as u64, keep_unused_days: 30 }
    }
}

/// A secret string (an API key). Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl ProviderConfig {
    /// A warning for Settings when the provider's base URL is plain `http://` to a private
    /// network address (see [`crate::net::plain_http_policy`]).
    pub fn url_warning(&self) -> Option<String> {
        if !self.provider.needs_key() {
            return None;
        }
        crate::net::plain_http_policy(&self.base_url).unwrap_or_else(Some)
    }
}

impl Config {
    /// Reads `config.toml` (missing = defaults), then applies the process environment.
    pub fn load(path: &Path) -> Result<Config> {
        let vars: HashMap<String, String> = std::env::vars().filter(|(k, _)| k.starts_with("DECKMEDIA_")).collect();
        Self::load_with_env(path, &vars)
    }

    /// Like [`Config::load`] with an explicit environment, for tests.
    pub fn load_with_env(path: &Path, env: &HashMap<String, String>) -> Result<Config> {
        let mut config = match std::fs::read_to_string(path) {
            Ok(text) => {
                let mut c = toml::from_str::<Config>(&text).map_err(|e| Error::Config(format!("{}: {}", path.display(), e.message())))?;
                c.inherit_audio_sections(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
                c
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => return Err(Error::io("cannot read", path, e)),
        };
        config.apply_env(env)?;
        config.image.fill_defaults(MediaKind::Image);
        config.audio.fill_defaults(MediaKind::Audio);
        for p in [&mut config.translation_audio, &mut config.sentence_audio].into_iter().flatten() {
            p.fill_defaults(MediaKind::Audio);
        }
        config.validate()?;
        Ok(config)
    }

    /// Makes each `[translation_audio]` / `[sentence_audio]` section of `text` (the file) take
    /// the file's `[audio]` keys it does not set. `provider` set without `chain` drops the
    /// inherited chain (a chain would win over the provider the section names).
    fn inherit_audio_sections(&mut self, text: &str) -> std::result::Result<(), String> {
        let raw: toml::Table = text.parse().map_err(|e: toml::de::Error| e.message().to_string())?;
        let audio = raw.get("audio").and_then(toml::Value::as_table).cloned().unwrap_or_default();
        for kind in [MediaKind::TranslationAudio, MediaKind::SentenceAudio] {
            let Some(own) = raw.get(kind.as_str()).and_then(toml::Value::as_table) else { continue };
            let mut merged = audio.clone();
            if own.contains_key("provider") && !own.contains_key("chain") {
                merged.remove("chain");
            }
            merged.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
            let section: ProviderConfig = toml::Value::Table(merged).try_into().map_err(|e: toml::de::Error| format!("[{kind}]: {}", e.message()))?;
            *self.extra_slot_mut(kind) = Some(section);
        }
        Ok(())
    }

    fn extra_slot_mut(&mut self, kind: MediaKind) -> &mut Option<ProviderConfig> {
        match kind {
            MediaKind::TranslationAudio => &mut self.translation_audio,
            _ => &mut self.sentence_audio,
        }
    }

    /// Applies `DECKMEDIA_<SECTION>_<KEY>` overrides and the API key variables. A variable of
    /// `TRANSLATION_AUDIO` or `SENTENCE_AUDIO` gives that slot its own section (from `[audio]`'s
    /// when it had none).
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<()> {
        for (section, p) in [("IMAGE", &mut self.image), ("AUDIO", &mut self.audio)] {
            apply_provider_env(section, p, env)?;
        }
        for kind in [MediaKind::TranslationAudio, MediaKind::SentenceAudio] {
            let section = kind.as_str().to_ascii_uppercase();
            let prefix = format!("DECKMEDIA_{section}_");
            if env.keys().any(|k| k.starts_with(&prefix)) {
                let audio = self.audio.clone();
                let p = self.extra_slot_mut(kind).get_or_insert(audio);
                apply_provider_env(&section, p, env)?;
            }
        }
        let get = |key: &str| env.get(&format!("DECKMEDIA_QUEUE_{key}")).map(|v| v.trim().to_string());
        if let Some(v) = get("MAX_ATTEMPTS") { self.queue.max_attempts = parse_num("QUEUE", "MAX_ATTEMPTS", &v)?; }
        if let Some(v) = get("BACKOFF_BASE_MS") { self.queue.backoff_base_ms = parse_num("QUEUE", "BACKOFF_BASE_MS", &v)?; }
        if let Some(v) = get("BACKOFF_MAX_MS") { self.queue.backoff_max_ms = parse_num("QUEUE", "BACKOFF_MAX_MS", &v)?; }
        if let Some(v) = get("BUSY_TIMEOUT_MS") { self.queue.busy_timeout_ms = parse_num("QUEUE", "BUSY_TIMEOUT_MS", &v)?; }
        if let Some(v) = get("KEEP_UNUSED_DAYS") { self.queue.keep_unused_days = parse_num("QUEUE", "KEEP_UNUSED_DAYS", &v)?; }
        let get = |key: &str| env.get(&format!("DECKMEDIA_WIKIMEDIA_{key}")).map(|v| v.trim().to_string());
        if let Some(v) = get("COMMONS_URL") { self.wikimedia.commons_url = v; }
        if let Some(v) = get("WIKTIONARY_URL") { self.wikimedia.wiktionary_url = v; }
        if let Some(v) = get("CONTACT") { self.wikimedia.contact = v; }
        if let Some(v) = get("WIKIDATA_URL") { self.wikimedia.wikidata_url = v; }
        if let Some(v) = get("NEGATIVE_CACHE_DAYS") { self.wikimedia.negative_cache_days = parse_num("WIKIMEDIA", "NEGATIVE_CACHE_DAYS", &v)?; }
        let get = |key: &str| env.get(&format!("DECKMEDIA_OPENVERSE_{key}")).map(|v| v.trim().to_string());
        if let Some(v) = get("URL") { self.openverse.url = v; }
        if let Some(v) = get("REQUESTS_PER_MINUTE") { self.openverse.requests_per_minute = parse_num("OPENVERSE", "REQUESTS_PER_MINUTE", &v)?; }
        if let Some(v) = get("REQUESTS_PER_DAY") { self.openverse.requests_per_day = parse_num("OPENVERSE", "REQUESTS_PER_DAY", &v)?; }
        if let Some(v) = get("NEGATIVE_CACHE_DAYS") { self.openverse.negative_cache_days = parse_num("OPENVERSE", "NEGATIVE_CACHE_DAYS", &v)?; }
        if let Some(k) = get("API_KEY").filter(|k| !k.is_empty()) { self.openverse.token = Some(Secret::new(k)); }
        if let Some(v) = env.get(ONNXRUNTIME_ENV) { self.neural.runtime = v.trim().to_string(); }
        if let Some(v) = env.get("DECKMEDIA_VOICES_URL") { self.voices.url = v.trim().to_string(); }
        Ok(())
    }

    /// This config with the providers the settings page edits replaced. What the page does not
    /// show (the chains, `[queue]`, `[wikimedia]`, `[openverse]`) is kept as it is in `config.toml`.
    pub fn with_page_providers(&self, mut image: ProviderConfig, mut audio: ProviderConfig) -> Config {
        image.chain = self.image.chain.clone();
        audio.chain = self.audio.chain.clone();
        Config { image, audio, ..self.clone() }
    }

    /// The section a kind's provider is built from: `[translation_audio]` and
    /// `[sentence_audio]` fall back to `[audio]`.
    pub fn provider(&self, kind: MediaKind) -> &ProviderConfig {
        match kind {
            MediaKind::Image => &self.image,
            MediaKind::Audio => &self.audio,
            MediaKind::TranslationAudio => self.translation_audio.as_ref().unwrap_or(&self.audio),
            MediaKind::SentenceAudio => self.sentence_audio.as_ref().unwrap_or(&self.audio),
        }
    }

    /// The sections a provider is built from, by name: `[image]`, `[audio]` and the audio
    /// slots that have their own.
    pub fn sections(&self) -> Vec<(MediaKind, &ProviderConfig)> {
        let mut out = vec![(MediaKind::Image, &self.image), (MediaKind::Audio, &self.audio)];
        out.extend(self.translation_audio.as_ref().map(|p| (MediaKind::TranslationAudio, p)));
        out.extend(self.sentence_audio.as_ref().map(|p| (MediaKind::SentenceAudio, p)));
        out
    }

    /// The same, to fill in keys.
    pub fn sections_mut(&mut self) -> Vec<&mut ProviderConfig> {
        let mut out = vec![&mut self.image, &mut self.audio];
        out.extend(self.translation_audio.as_mut());
        out.extend(self.sentence_audio.as_mut());
        out
    }

    /// Checks what [`Config::load`] checks, so a config that passes here is one the next start
    /// accepts (the desktop app validates before it saves).
    pub fn validate(&self) -> Result<()> {
        self.cost.validate().map_err(Error::Config)?;
        for (kind, p) in self.sections() {
            let name = kind.as_str();
            if p.max_concurrency == 0 || p.max_concurrency > 256 {
                return Err(Error::Config(format!("[{name}] max_concurrency must be between 1 and 256")));
            }
            // A day at most: a longer timeout is a mistake, and an absurd one overflows timers.
            if p.timeout_secs > 86_400 || p.connect_timeout_secs > 86_400 {
                return Err(Error::Config(format!("[{name}] timeout_secs and connect_timeout_secs must be at most 86400 (a day)")));
            }
            if p.provider == ProviderKind::OpenAi && !(p.base_url.starts_with("http://") || p.base_url.starts_with("https://")) {
                return Err(Error::Config(format!("[{name}] base_url '{}' must start with http:// or https://", clip(&p.base_url))));
            }
            if p.provider.needs_key() {
                crate::net::plain_http_policy(&p.base_url).map_err(|why| Error::Config(format!("[{name}] base_url: {why}")))?;
            }
            if let Some((i, dup)) = p.chain.iter().enumerate().find(|(i, k)| p.chain[..*i].contains(*k)) {
                return Err(Error::Config(format!("[{name}] chain names '{dup}' twice (position {})", i + 1)));
            }
        }
        let urls = [
            ("wikimedia", "commons_url", &self.wikimedia.commons_url),
            ("wikimedia", "wiktionary_url", &self.wikimedia.wiktionary_url),
            ("wikimedia", "wikidata_url", &self.wikimedia.wikidata_url),
            ("openverse", "url", &self.openverse.url),
        ];
        for (section, key, url) in urls {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(Error::Config(format!("[{section}] {key} '{}' must start with http:// or https://", clip(url))));
            }
            crate::net::plain_http_policy(url).map_err(|why| Error::Config(format!("[{section}] {key}: {why}")))?;
        }
        if self.image.provider == ProviderKind::Neural {
            return Err(Error::Config("[image] provider 'neural' makes audio only: choose another [image] provider".into()));
        }
        if self.queue.max_attempts == 0 {
            return Err(Error::Config("[queue] max_attempts must be at least 1".into()));
        }
        Ok(())
    }
}

/// `DECKMEDIA_<section>_<KEY>` overrides of one provider section, and its API key.
fn apply_provider_env(section: &str, p: &mut ProviderConfig, env: &HashMap<String, String>) -> Result<()> {
    let get = |key: &str| env.get(&format!("DECKMEDIA_{section}_{key}")).map(|v| v.trim().to_string());
    if let Some(v) = get("PROVIDER") {
        p.provider = v.parse().map_err(|e| Error::Config(format!("DECKMEDIA_{section}_PROVIDER: {e}; use 'offline', 'openai', 'elevenlabs' (audio) or 'neural' (audio)")))?;
    }
    if let Some(v) = get("BASE_URL") { p.base_url = v; }
    if let Some(v) = get("MODEL") { p.model = v; }
    if let Some(v) = get("VOICE") { p.voice = v; }
    if let Some(v) = get("SIZE") { p.size = v; }
    if let Some(v) = get("FORMAT") { p.format = v; }
    if let Some(v) = get("MAX_CONCURRENCY") { p.max_concurrency = parse_num(section, "MAX_CONCURRENCY", &v)?; }
    if let Some(v) = get("REQUESTS_PER_MINUTE") { p.requests_per_minute = parse_num(section, "REQUESTS_PER_MINUTE", &v)?; }
    if let Some(v) = get("TIMEOUT_SECS") { p.timeout_secs = parse_num(section, "TIMEOUT_SECS", &v)?; }
    if let Some(v) = get("CONNECT_TIMEOUT_SECS") { p.connect_timeout_secs = parse_num(section, "CONNECT_TIMEOUT_SECS", &v)?; }
    if let Some(v) = get("CHAIN") { p.chain = parse_chain(section, &v)?; }
    let key = get("API_KEY").or_else(|| env.get("DECKMEDIA_API_KEY").map(|v| v.trim().to_string()));
    if let Some(k) = key.filter(|k| !k.is_empty()) {
        p.api_key = Some(Secret::new(k));
    }
    Ok(())
}

/// `wikimedia,offline` → the chain; empty → no chain. An unknown name is an error naming it.
fn parse_chain(section: &str, v: &str) -> Result<Vec<ProviderKind>> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<ProviderKind>().map_err(|e| Error::Config(format!("DECKMEDIA_{section}_CHAIN: {e}"))))
        .collect()
}

fn parse_num<T: std::str::FromStr>(section: &str, key: &str, v: &str) -> Result<T> {
    v.parse().map_err(|_| Error::Config(format!("DECKMEDIA_{section}_{key}='{v}' is not a valid number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn environment_overrides_the_file_and_keys_stay_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[image]\nprovider = 'openai'\nmax_concurrency = 2\n").unwrap();
        let c = Config::load_with_env(
            &path,
            &env(&[("DECKMEDIA_IMAGE_MAX_CONCURRENCY", "8"), ("DECKMEDIA_API_KEY", "sk-secret"), ("DECKMEDIA_AUDIO_TIMEOUT_SECS", "7")]),
        )
        .unwrap();
        assert_eq!(c.image.provider, ProviderKind::OpenAi);
        assert_eq!(c.image.max_concurrency, 8);
        assert_eq!(c.audio.timeout_secs, 7);
        assert_eq!(c.audio.api_key.as_ref().map(Secret::expose), Some("sk-secret"));
        assert!(!format!("{c:?}").contains("sk-secret"));
    }

    #[test]
    fn neural_settings_come_from_the_file_and_the_environment_overrides_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[audio]\nprovider = 'neural'\nvoice = 'en_US-joe-medium'\n[neural]\nruntime = '/opt/ort'\n[voices]\nurl = 'https://mirror.example/piper'\n").unwrap();
        let c = Config::load_with_env(&path, &env(&[])).unwrap();
        assert_eq!((c.audio.provider, c.audio.voice.as_str()), (ProviderKind::Neural, "en_US-joe-medium"));
        assert_eq!((c.neural.runtime.as_str(), c.voices.url.as_str()), ("/opt/ort", "https://mirror.example/piper"));
        assert!(c.audio.api_key.is_none() && c.audio.url_warning().is_none());
        let c = Config::load_with_env(&path, &env(&[("DECKMEDIA_ONNXRUNTIME", "/lib/ort.so"), ("DECKMEDIA_VOICES_URL", "http://127.0.0.1:9/v")])).unwrap();
        assert_eq!((c.neural.runtime.as_str(), c.voices.url.as_str()), ("/lib/ort.so", "http://127.0.0.1:9/v"));
        std::fs::write(&path, "[image]\nprovider = 'neural'\n").unwrap();
        let e = Config::load_with_env(&path, &env(&[])).unwrap_err();
        assert!(e.to_string().contains("audio only"), "{e}");
    }

    #[test]
    fn the_sentence_and_translation_voices_take_the_audio_sections_keys_they_do_not_set() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let text = "[audio]\nprovider = 'openai'\nbase_url = 'http://127.0.0.1:9/v1'\nvoice = 'nova'\nchain = ['wikimedia', 'offline']\n[sentence_audio]\nvoice = 'echo'\n[translation_audio]\nprovider = 'offline'\n";
        std::fs::write(&path, text).unwrap();
        let c = Config::load_with_env(&path, &env(&[])).unwrap();
        let sentence = c.provider(MediaKind::SentenceAudio);
        assert_eq!((sentence.provider, sentence.base_url.as_str(), sentence.voice.as_str()), (ProviderKind::OpenAi, "http://127.0.0.1:9/v1", "echo"));
        assert_eq!(sentence.chain, c.audio.chain, "a section that names no provider keeps [audio]'s chain");
        let translation = c.provider(MediaKind::TranslationAudio);
        assert_eq!((translation.provider, translation.chain.len()), (ProviderKind::Offline, 0), "naming a provider drops the inherited chain");
        // No section: [audio]'s, unless the environment gives the slot its own.
        std::fs::write(&path, "[audio]\nvoice = 'nova'\n").unwrap();
        let c = Config::load_with_env(&path, &env(&[("DECKMEDIA_SENTENCE_AUDIO_VOICE", "echo")])).unwrap();
        assert_eq!(c.translation_audio, None);
        assert_eq!(c.provider(MediaKind::TranslationAudio), &c.audio);
        assert_eq!(c.sentence_audio.as_ref().map(|p| p.voice.as_str()), Some("echo"));
        // Checked like the other sections.
        std::fs::write(&path, "[sentence_audio]\nmax_concurrency = 0\n").unwrap();
        let e = Config::load_with_env(&path, &env(&[])).unwrap_err().to_string();
        assert!(e.contains("[sentence_audio] max_concurrency"), "{e}");
        std::fs::write(&path, "[sentence_audio]\nvoise = 'x'\n").unwrap();
        assert!(Config::load_with_env(&path, &env(&[])).is_err(), "an unknown key is refused");
    }

    #[test]
    fn bad_values_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let e = Config::load_with_env(&path, &env(&[("DECKMEDIA_IMAGE_MAX_CONCURRENCY", "lots")])).unwrap_err();
        assert!(e.to_string().contains("DECKMEDIA_IMAGE_MAX_CONCURRENCY"), "{e}");
        let e = Config::load_with_env(&path, &env(&[("DECKMEDIA_AUDIO_PROVIDER", "magic")])).unwrap_err();
        assert!(e.to_string().contains("magic"), "{e}");
        std::fs::write(&path, "[audio]\nprovider = 'magic'\n").unwrap();
        let e = Config::load_with_env(&path, &env(&[])).unwrap_err();
        assert!(e.to_string().contains("magic") && e.to_string().contains("elevenlabs"), "{e}");
        std::fs::write(&path, "[image\n").unwrap();
        assert!(Config::load_with_env(&path, &env(&[])).is_err());
    }

    #[test]
    fn chains_come_from_the_file_or_the_environment_and_are_unset_by_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let c = Config::load_with_env(&path, &env(&[])).unwrap();
        assert!(c.audio.chain.is_empty() && c.image.chain.is_empty());
        assert_eq!(c.audio.provider, ProviderKind::Offline);
        assert!(!toml::to_string(&c).unwrap().contains("chain"), "an unset chain is not written");

        std::fs::write(&path, "[audio]\nchain = ['wikimedia', 'offline']\n[wikimedia]\ncontact = 'me@example.com'\n").unwrap();
        let c = Config::load_with_env(&path, &env(&[])).unwrap();
        assert_eq!(c.audio.chain, vec![ProviderKind::Wikimedia, ProviderKind::Offline]);
        assert_eq!(c.wikimedia.contact, "me@example.com");
        let c = Config::load_with_env(&path, &env(&[("DECKMEDIA_AUDIO_CHAIN", "offline"), ("DECKMEDIA_WIKIMEDIA_COMMONS_URL", "http://127.0.0.1:9/w/api.php")])).unwrap();
        assert_eq!(c.audio.chain, vec![ProviderKind::Offline]);
        assert_eq!(c.wikimedia.commons_url, "http://127.0.0.1:9/w/api.php");

        let e = Config::load_with_env(&path, &env(&[("DECKMEDIA_AUDIO_CHAIN", "wikimedia,forvo")])).unwrap_err();
        assert!(e.to_string().contains("forvo"), "{e}");
        let e = Config::load_with_env(&path, &env(&[("DECKMEDIA_AUDIO_CHAIN", "offline, offline")])).unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
        let e = Config::load_with_env(&path, &env(&[("DECKMEDIA_WIKIMEDIA_COMMONS_URL", "http://commons.wikimedia.org/w/api.php")])).unwrap_err();
        assert!(e.to_string().contains("commons_url"), "{e}");
    }

    #[test]
    fn the_settings_page_keeps_what_it_does_not_show() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[audio]\nchain = ['wikimedia', 'offline']\n[wikimedia]\ncontact = 'me@example.com'\n[queue]\nmax_attempts = 9\n").unwrap();
        let current = Config::load_with_env(&path, &env(&[])).unwrap();
        let page_audio = ProviderConfig { provider: ProviderKind::OpenAi, max_concurrency: 3, ..ProviderConfig::default_for(MediaKind::Audio) };
        let saved = current.with_page_providers(ProviderConfig::default_for(MediaKind::Image), page_audio);
        assert_eq!((saved.audio.provider, saved.audio.max_concurrency), (ProviderKind::OpenAi, 3));
        assert_eq!(saved.audio.chain, vec![ProviderKind::Wikimedia, ProviderKind::Offline]);
        assert_eq!((saved.wikimedia.contact.as_str(), saved.queue.max_attempts), ("me@example.com", 9));
    }
}
