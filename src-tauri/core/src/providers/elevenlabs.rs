//! ElevenLabs text-to-speech: `POST {base_url}/text-to-speech/{voice_id}?output_format=…` with
//! the key in the `xi-api-key` header and `{"text", "model_id"}` as the body; the answer is the
//! audio itself (MP3 by default). The multilingual model reads most languages with one voice.
//!
//! Status handling, the size cap and key scrubbing are shared with the OpenAI-compatible
//! provider; this file owns only the request shape.

use std::fmt;
use std::time::Duration;

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::openai::{audio_from_bytes, connect_message, human_duration, read_capped, read_error_body, root_cause};
use super::{http, http_status, MediaBytes, MediaRequest, Provider, ProviderError, ProviderFuture};
use crate::model::MediaKind;

pub const DEFAULT_BASE_URL: &str = crate::config::ELEVENLABS_BASE_URL;
/// "Rachel", one of the voices every account has.
pub const DEFAULT_VOICE: &str = "21m00Tcm4TlvDq8ikWAM";
pub const DEFAULT_MODEL: &str = "eleven_multilingual_v2";

#[derive(Clone)]
pub struct ElevenLabsConfig {
    pub base_url: String,
    pub voice_id: String,
    pub model_id: String,
    /// e.g. `mp3_44100_128`.
    pub output_format: String,
    pub api_key: Option<String>,
    pub timeout: Duration,
    /// How long opening the connection may take; past it the server counts as unreachable.
    pub connect_timeout: Duration,
}

impl Default for ElevenLabsConfig {
    fn default() -> Self {
        ElevenLabsConfig {
            base_url: DEFAULT_BASE_URL.into(),
            voice_id: DEFAULT_VOICE.into(),
            model_id: DEFAULT_MODEL.into(),
            output_format: "mp3_44100_128".into(),
            api_key: None,
            timeout: Duration::from_secs(60),
            connect_timeout: crate::net::DEFAULT_CONNECT_TIMEOUT,
        }
    }
}

impl fmt::Debug for ElevenLabsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ElevenLabsConfig")
            .field("base_url", &self.base_url)
            .field("voice_id", &self.voice_id)
            .field("model_id", &self.model_id)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .finish()
    }
}

pub struct ElevenLabsProvider {
    config: ElevenLabsConfig,
    client: reqwest::Client,
    endpoint: reqwest::Url,
    host: String,
    base: String,
}

impl ElevenLabsProvider {
    pub fn new(config: ElevenLabsConfig) -> Result<Self, ProviderError> {
        let base = config.base_url.trim().trim_end_matches('/').to_string();
        let voice = config.voice_id.trim();
        if voice.is_empty() || !voice.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(ProviderError::permanent(format!("'{}' is not an ElevenLabs voice id", crate::text::clip(voice))));
        }
        let mut endpoint = reqwest::Url::parse(&format!("{base}/text-to-speech/{voice}"))
            .map_err(|_| ProviderError::permanent(format!("the base URL '{}' is not a valid URL", crate::text::clip(&base))))?;
        endpoint.query_pairs_mut().append_pair("output_format", &config.output_format);
        let host = format!("{}:{}", endpoint.host_str().unwrap_or("?"), endpoint.port_or_known_default().unwrap_or(0));
        let client = crate::net::client(config.timeout, config.connect_timeout, crate::net::is_loopback(&endpoint))
            .map_err(|e| ProviderError::permanent(format!("cannot set up HTTP: {e}")))?;
        Ok(ElevenLabsProvider { config, client, endpoint, host, base })
    }

    fn key(&self) -> Option<&str> {
        self.config.api_key.as_deref().map(str::trim).filter(|k| !k.is_empty())
    }

    fn transport_error(&self, err: &reqwest::Error) -> ProviderError {
        if err.is_connect() {
            ProviderError::unreachable(connect_message(&self.host, err, self.config.connect_timeout))
        } else if err.is_timeout() {
            ProviderError::timed_out(format!("timed out after {}", human_duration(self.config.timeout)))
        } else {
            ProviderError::retryable(format!("request to {} failed: {}", self.host, root_cause(err)))
        }
    }

    async fn run(&self, request: &MediaRequest) -> Result<MediaBytes, ProviderError> {
        if request.kind != MediaKind::Audio {
            return Err(ProviderError::permanent("ElevenLabs makes audio only"));
        }
        let text = request.text.trim();
        if text.is_empty() {
            return Err(ProviderError::permanent("nothing to generate: the word is empty"));
        }
        let mut http = self
            .client
            .post(self.endpoint.clone())
            .header(reqwest::header::ACCEPT, "audio/mpeg")
            .json(&json!({ "text": text, "model_id": self.config.model_id }));
        if let Some(key) = self.key() {
            http = http.header("xi-api-key", key);
        }
        let response = http.send().await.map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok());
            return Err(http::redirect_error(status.as_u16(), location, &self.endpoint));
        }
        if !status.is_success() {
            let retry_after = response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body = read_error_body(response).await;
            return Err(http_status::classify(status.as_u16(), retry_after.as_deref(), &body));
        }
        let content_type =
            response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("no content type").to_owned();
        let bytes = read_capped(response, |e| self.transport_error(e)).await?;
        audio_from_bytes(bytes, &content_type)
    }

    fn scrub(&self, err: ProviderError) -> ProviderError {
        let Some(key) = self.key() else { return err };
        let clean = |m: String| m.replace(key, "***");
        match err {
            ProviderError::Retryable { message, retry_after, rate_limited } => ProviderError::Retryable { message: clean(message), retry_after, rate_limited },
            ProviderError::Permanent { message } => ProviderError::Permanent { message: clean(message) },
            ProviderError::Unreachable { message } => ProviderError::Unreachable { message: clean(message) },
            ProviderError::Account { state, message } => ProviderError::Account { state, message: clean(message) },
            ProviderError::NoMatch { message } => ProviderError::NoMatch { message: clean(message) },
            ProviderError::TimedOut { message } => ProviderError::TimedOut { message: clean(message) },
            ProviderError::Cancelled => ProviderError::Cancelled,
        }
    }
}

impl Provider for ElevenLabsProvider {
    fn name(&self) -> &str {
        "elevenlabs"
    }
    fn settings_key(&self) -> String {
        format!("elevenlabs|{}|{}|{}|{}", self.base, self.config.voice_id.trim(), self.config.model_id, self.config.output_format)
    }
    fn limit_key(&self) -> String {
        format!("elevenlabs|{}", self.base)
    }
    fn generate<'a>(&'a self, request: &'a MediaRequest, cancel: &'a CancellationToken) -> ProviderFuture<'a> {
        Box::pin(async move {
            super::cancellable(cancel, self.run(request)).await.map_err(|e| self.scrub(e))
        })
    }
}
