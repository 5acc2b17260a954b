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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub image: ProviderConfig,
    pub audio: ProviderConfig,
    pub queue: QueueConfig,
    pub neural: NeuralSection,
    pub voices: VoicesSection,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            image: ProviderConfig::default_for(MediaKind::Image),
            audio: ProviderConfig::default_for(MediaKind::Audio),
            queue: QueueConfig::default(),
            neural: NeuralSection::default(),
            voices: VoicesSection::default(),
        }
    }
}

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
    #[serde(skip)]
    pub api_key: Option<Secret>,
}

impl Default for ProviderConfig {
    /// Kind-neutral defaults; [`ProviderConfig::fill_defaults`] adds the kind's model, voice,
    /// size and format where they are empty.
    fn default() -> Self {
        ProviderConfig {
            provider: ProviderKind::Offline,
            base_url: "https://api.openai.com/v1".into(),
            model: String::new(),
            voice: String::new(),
            size: String::new(),
            format: String::new(),
            max_concurrency: 4,
            requests_per_minute: 0,
            timeout_secs: 60,
            connect_timeout_secs: crate::providers::http::DEFAULT_CONNECT_TIMEOUT.as_secs(),
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
        let (model, voice, size, format) = match kind {
            MediaKind::Image => ("gpt-image-1", "", "1024x1024", "png"),
            MediaKind::Audio => ("tts-1", "alloy", "", "mp3"),
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
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig { max_attempts: 5, backoff_base_ms: 1_000, backoff_max_ms: 300_000 }
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
    /// network address (see [`crate::providers::http::plain_http_policy`]).
    pub fn url_warning(&self) -> Option<String> {
        if !self.provider.needs_key() {
            return None;
        }
        crate::providers::http::plain_http_policy(&self.base_url).unwrap_or_else(Some)
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
            Ok(text) => toml::from_str::<Config>(&text)
                .map_err(|e| Error::Config(format!("{}: {}", path.display(), e.message())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => return Err(Error::io("cannot read", path, e)),
        };
        config.apply_env(env)?;
        config.image.fill_defaults(MediaKind::Image);
        config.audio.fill_defaults(MediaKind::Audio);
        config.validate()?;
        Ok(config)
    }

    /// Applies `DECKMEDIA_<SECTION>_<KEY>` overrides and the API key variables.
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<()> {
        for (section, p) in [("IMAGE", &mut self.image), ("AUDIO", &mut self.audio)] {
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
            let key = get("API_KEY").or_else(|| env.get("DECKMEDIA_API_KEY").map(|v| v.trim().to_string()));
            if let Some(k) = key.filter(|k| !k.is_empty()) {
                p.api_key = Some(Secret::new(k));
            }
        }
        let get = |key: &str| env.get(&format!("DECKMEDIA_QUEUE_{key}")).map(|v| v.trim().to_string());
        if let Some(v) = get("MAX_ATTEMPTS") { self.queue.max_attempts = parse_num("QUEUE", "MAX_ATTEMPTS", &v)?; }
        if let Some(v) = get("BACKOFF_BASE_MS") { self.queue.backoff_base_ms = parse_num("QUEUE", "BACKOFF_BASE_MS", &v)?; }
        if let Some(v) = get("BACKOFF_MAX_MS") { self.queue.backoff_max_ms = parse_num("QUEUE", "BACKOFF_MAX_MS", &v)?; }
        if let Some(v) = env.get(crate::providers::neural::runtime::RUNTIME_ENV) { self.neural.runtime = v.trim().to_string(); }
        if let Some(v) = env.get("DECKMEDIA_VOICES_URL") { self.voices.url = v.trim().to_string(); }
        Ok(())
    }

    pub fn provider(&self, kind: MediaKind) -> &ProviderConfig {
        match kind {
            MediaKind::Image => &self.image,
            MediaKind::Audio => &self.audio,
        }
    }

    /// Checks what [`Config::load`] checks, so a config that passes here is one the next start
    /// accepts (the desktop app validates before it saves).
    pub fn validate(&self) -> Result<()> {
        for (name, p) in [("image", &self.image), ("audio", &self.audio)] {
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
                crate::providers::http::plain_http_policy(&p.base_url).map_err(|why| Error::Config(format!("[{name}] base_url: {why}")))?;
            }
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

/// A value quoted in a message: at most 100 characters (a hostile value can be megabytes).
pub fn clip(s: &str) -> String {
    match s.char_indices().nth(100) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
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
}
