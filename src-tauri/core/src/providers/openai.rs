//! The OpenAI-compatible HTTP provider: `POST {base_url}/images/generations` (answers
//! `b64_json`) for pictures and `POST {base_url}/audio/speech` for pronunciations. A configurable
//! base URL makes it work with OpenAI, LocalAI and similar local servers.
//!
//! It owns the request shape, the answer checks (the bytes must really be an image or audio, at
//! most [`MAX_RESPONSE_BYTES`]) and the mapping of transport failures to [`ProviderError`]s
//! (status codes go through [`http_status::classify`]). It deliberately owns no retries, rate
//! limits or files: the worker does. The API key is sent as a Bearer header only; it never
//! appears in the settings key, in `Debug` output, in logs or in error messages.

use std::fmt;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use reqwest::Url;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use super::{http, http_status, MediaBytes, MediaRequest, Provider, ProviderError, ProviderFuture};
use crate::limits::RateReport;
use crate::model::MediaKind;

/// Answers larger than this are refused (a permanent error): no picture or word is that big.
pub const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// How much of an error answer is read to quote the provider's message.
const MAX_ERROR_BODY_BYTES: usize = 16 * 1024;

/// The audio formats OpenAI's speech endpoint can answer (and we can recognise).
pub const AUDIO_FORMATS: [&str; 5] = ["mp3", "wav", "opus", "aac", "flac"];

/// The default picture prompt: the word, its language and its meaning, no lettering.
pub const DEFAULT_IMAGE_PROMPT: &str = "A simple, clear illustration of the {language} word \"{word}\" \
     (meaning: {translation}). No text, letters or captions; plain background.";

/// Settings of one OpenAI-compatible provider. Start from [`OpenAiConfig::for_kind`].
#[derive(Clone, PartialEq, Eq)]
pub struct OpenAiConfig {
    /// API root including the version, e.g. `https://api.openai.com/v1` or
    /// `http://127.0.0.1:8080/v1`; a trailing slash is fine.
    pub base_url: String,
    pub model: String,
    /// Speech only.
    pub voice: String,
    /// Pictures only, e.g. `512x512`.
    pub image_size: String,
    /// Speech only: one of [`AUDIO_FORMATS`].
    pub audio_format: String,
    /// Sent as `Authorization: Bearer <key>` when set and not blank.
    pub api_key: Option<String>,
    /// Whole-request timeout (connect, send, and read the answer).
    pub timeout: Duration,
    /// How long opening the connection may take (capped by `timeout`); past it the server
    /// counts as unreachable ("waiting for network"), not as a failed attempt.
    pub connect_timeout: Duration,
    /// Pictures only: the prompt, with `{word}`, `{language}` and `{translation}` replaced. An
    /// empty language becomes nothing; a missing translation becomes the word itself.
    pub image_prompt: String,
}

impl OpenAiConfig {
    /// Defaults per kind, chosen to be cheap and widely supported:
    /// * image: model `dall-e-2` at `512x512` (a size dall-e-2 supports; dall-e-3 and
    ///   gpt-image-1 need 1024x1024 or larger), timeout 120 s;
    /// * audio: model `tts-1`, voice `alloy`, `mp3`, timeout 60 s.
    pub fn for_kind(kind: MediaKind) -> Self {
        let (model, timeout) = match kind {
            MediaKind::Image => ("dall-e-2", 120),
            _ => ("tts-1", 60),
        };
        OpenAiConfig {
            base_url: crate::config::OPENAI_BASE_URL.into(),
            model: model.into(),
            voice: "alloy".into(),
            image_size: "512x512".into(),
            audio_format: "mp3".into(),
            api_key: None,
            timeout: Duration::from_secs(timeout),
            connect_timeout: crate::net::DEFAULT_CONNECT_TIMEOUT,
            image_prompt: DEFAULT_IMAGE_PROMPT.into(),
        }
    }
}

impl Default for OpenAiConfig {
    /// The image defaults; see [`OpenAiConfig::for_kind`].
    fn default() -> Self {
        OpenAiConfig::for_kind(MediaKind::Image)
    }
}

impl fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("voice", &self.voice)
            .field("image_size", &self.image_size)
            .field("audio_format", &self.audio_format)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("image_prompt", &self.image_prompt)
            .finish()
    }
}

/// Rate reports kept for the worker at most (the oldest go first).
const MAX_KEPT_REPORTS: usize = 256;

/// Makes pictures or pronunciations (one kind per instance) through an OpenAI-compatible API.
pub struct OpenAiProvider {
    kind: MediaKind,
    config: OpenAiConfig,
    client: reqwest::Client,
    endpoint: Url,
    /// `host:port`, for messages.
    host: String,
    settings_key: String,
    /// The request budgets answers' rate headers stated, until the worker takes them.
    rate: std::sync::Mutex<Vec<RateReport>>,
}

impl fmt::Debug for OpenAiProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiProvider").field("kind", &self.kind).field("config", &self.config).finish()
    }
}

impl OpenAiProvider {
    /// Checks the settings and builds the HTTP client. Every failure is a permanent error with
    /// a message fit for the settings page.
    pub fn new(kind: MediaKind, config: OpenAiConfig) -> Result<Self, ProviderError> {
        let kind = kind.medium();
        let base = Url::parse(config.base_url.trim())
            .map_err(|err| ProviderError::permanent(format!("the base URL is not a valid URL: {err}")))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(ProviderError::permanent("the base URL must start with http:// or https:// and name a host"));
        }
        if config.model.trim().is_empty() {
            return Err(ProviderError::permanent("no model is set"));
        }
        if config.timeout.is_zero() {
            return Err(ProviderError::permanent("the timeout must be longer than zero"));
        }
        if kind == MediaKind::Audio && !AUDIO_FORMATS.contains(&config.audio_format.as_str()) {
            return Err(ProviderError::permanent(format!(
                "unsupported audio format '{}'; use one of {}",
                crate::text::clip(&config.audio_format),
                AUDIO_FORMATS.join(", ")
            )));
        }
        let mut endpoint = base.clone();
        endpoint
            .path_segments_mut()
            .map_err(|()| ProviderError::permanent("the base URL cannot take a path"))?
            .pop_if_empty()
            .extend(match kind {
                MediaKind::Image => ["images", "generations"],
                _ => ["audio", "speech"],
            });
        let host_name = base.host_str().unwrap_or_default().to_owned();
        let host = match base.port_or_known_default() {
            Some(port) => format!("{host_name}:{port}"),
            None => host_name.clone(),
        };

        // A local server (LocalAI & co.) is never reached through a system proxy.
        let client = crate::net::client(config.timeout, config.connect_timeout, crate::net::is_loopback(&base)).map_err(|err| {
            ProviderError::permanent(format!("could not set up the HTTP client: {}", root_cause(&err)))
        })?;

        let settings_key = settings_key(kind, &base, &config);
        Ok(OpenAiProvider { kind, config, client, endpoint, host, settings_key, rate: std::sync::Mutex::new(Vec::new()) })
    }

    pub fn kind(&self) -> MediaKind {
        self.kind
    }

    /// The settings this provider was built with (`Debug` hides the key).
    pub fn config(&self) -> &OpenAiConfig {
        &self.config
    }

    async fn run(&self, request: &MediaRequest) -> Result<MediaBytes, ProviderError> {
        if request.kind != self.kind {
            return Err(ProviderError::permanent(format!(
                "this provider makes {} media, not {}",
                self.kind, request.kind
            )));
        }
        let text = request.text.trim();
        if text.is_empty() {
            return Err(ProviderError::permanent("nothing to generate: the word is empty"));
        }
        let body = match self.kind {
            MediaKind::Image => {
                let mut body = json!({
                    "model": self.config.model,
                    "prompt": render_prompt(&self.config.image_prompt, text, request),
                    "n": 1,
                    "size": self.config.image_size,
                });
                // gpt-image models always answer base64 and reject the parameter.
                if !self.config.model.starts_with("gpt-image") {
                    body["response_format"] = "b64_json".into();
                }
                body
            }
            _ => json!({
                "model": self.config.model,
                "input": text,
                "voice": self.config.voice,
                "response_format": self.config.audio_format,
            }),
        };

        let mut http = self.client.post(self.endpoint.clone()).json(&body);
        if let Some(key) = self.api_key() {
            http = http.bearer_auth(key);
        }
        let started = Instant::now();
        // Tokio's clock, as the worker's limiter reads it (paused in tests).
        let sent_at = tokio::time::Instant::now().into_std();
        let response = http.send().await.map_err(|err| self.transport_error(&err))?;
        let status = response.status();
        tracing::debug!(kind = %self.kind, host = %self.host, status = status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64, "openai answer");
        self.note_rate_headers(response.headers(), sent_at);
        if status.is_redirection() {
            let location = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok());
            return Err(http::redirect_error(status.as_u16(), location, &self.endpoint));
        }
        if !status.is_success() {
            let retry_after =
                response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let snippet = read_error_body(response).await;
            return Err(http_status::classify(status.as_u16(), retry_after.as_deref(), &snippet));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("no content type")
            .to_owned();
        let bytes = self.read_capped(response).await?;
        match self.kind {
            MediaKind::Image => image_from_json(&bytes),
            _ => audio_from_bytes(bytes, &content_type),
        }
    }

    /// Keeps the request budget the answer states (OpenAI sends it on successes and 429s
    /// alike) for the worker, which weighs every answer's (they can be read out of order).
    fn note_rate_headers(&self, headers: &reqwest::header::HeaderMap, sent_at: std::time::Instant) {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if let Some(budget) = http_status::rate_budget(get(http_status::REMAINING_REQUESTS), get(http_status::RESET_REQUESTS)) {
            let read_at = tokio::time::Instant::now().into_std();
            let report = RateReport { remaining: budget.remaining, reset: budget.reset, sent_at, read_at };
            if let Ok(mut rate) = self.rate.lock() {
                // Taken after every request; the cap only matters if nobody takes them.
                if rate.len() >= MAX_KEPT_REPORTS {
                    rate.remove(0);
                }
                rate.push(report);
            }
        }
    }

    fn api_key(&self) -> Option<&str> {
        self.config.api_key.as_deref().map(str::trim).filter(|key| !key.is_empty())
    }

    async fn read_capped(&self, response: reqwest::Response) -> Result<Vec<u8>, ProviderError> {
        read_capped(response, |err| self.transport_error(err)).await
    }

    /// A connection that cannot be opened (refused, no route, or not within the connect
    /// timeout) means the server is unreachable; other timeouts and network failures are
    /// retryable; a client that cannot even build the request is not.
    fn transport_error(&self, err: &reqwest::Error) -> ProviderError {
        if err.is_connect() {
            ProviderError::unreachable(connect_message(&self.host, err, self.config.connect_timeout))
        } else if err.is_timeout() {
            ProviderError::timed_out(format!("timed out after {}", human_duration(self.config.timeout)))
        } else if err.is_builder() || err.is_redirect() {
            ProviderError::permanent(format!("request to {} failed: {}", self.host, root_cause(err)))
        } else {
            ProviderError::retryable(format!("request to {} failed: {}", self.host, root_cause(err)))
        }
    }

    /// The last line of defence for the key: no message may carry it, whatever its source.
    fn scrub(&self, err: ProviderError) -> ProviderError {
        let Some(key) = self.api_key() else { return err };
        match err {
            ProviderError::Retryable { message, retry_after, rate_limited } if message.contains(key) => {
                ProviderError::Retryable { message: message.replace(key, "***"), retry_after, rate_limited }
            }
            ProviderError::Permanent { message } if message.contains(key) => {
                ProviderError::Permanent { message: message.replace(key, "***") }
            }
            ProviderError::Unreachable { message } if message.contains(key) => {
                ProviderError::Unreachable { message: message.replace(key, "***") }
            }
            ProviderError::Account { state, message } if message.contains(key) => {
                ProviderError::Account { state, message: message.replace(key, "***") }
            }
            ProviderError::TimedOut { message } if message.contains(key) => ProviderError::TimedOut { message: message.replace(key, "***") },
            ProviderError::NoMatch { message } if message.contains(key) => ProviderError::NoMatch { message: message.replace(key, "***") },
            other => other,
        }
    }
}

impl Provider for OpenAiProvider {
    fn name(&self) -> &str {
        "openai"
    }

    fn settings_key(&self) -> String {
        self.settings_key.clone()
    }

    /// Pictures and speech from the same server share its limits.
    fn limit_key(&self) -> String {
        let base = self.settings_key.split('|').nth(2).unwrap_or_default();
        format!("openai|{base}")
    }

    fn take_rate_reports(&self) -> Vec<RateReport> {
        self.rate.lock().map(|mut rate| std::mem::take(&mut *rate)).unwrap_or_default()
    }

    fn generate<'a>(&'a self, request: &'a MediaRequest, cancel: &'a CancellationToken) -> ProviderFuture<'a> {
        Box::pin(async move {
            // Dropping the request future aborts the HTTP exchange (the connection is closed).
            super::cancellable(cancel, self.run(request)).await.map_err(|err| self.scrub(err))
        })
    }
}

/// `openai|<kind>|<base url>|<model>|...`: everything that changes the output, never the key.
/// The base URL loses any user, password, query and trailing slash; the prompt template is
/// hashed to keep the key short.
fn settings_key(kind: MediaKind, base: &Url, config: &OpenAiConfig) -> String {
    let mut clean = base.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.set_query(None);
    clean.set_fragment(None);
    let base = clean.as_str().trim_end_matches('/').to_owned();
    match kind {
        MediaKind::Image => {
            let digest = Sha256::digest(config.image_prompt.as_bytes());
            format!(
                "openai|image|{base}|{}|{}|prompt:{}",
                config.model.trim(),
                config.image_size,
                &hex::encode(digest)[..16]
            )
        }
        _ => {
            format!("openai|audio|{base}|{}|{}|{}", config.model.trim(), config.voice, config.audio_format)
        }
    }
}

/// Replaces `{word}`, `{language}` and `{translation}` in one pass (a word containing
/// `{language}` stays as it is), then collapses the spaces an empty value leaves behind.
fn render_prompt(template: &str, word: &str, request: &MediaRequest) -> String {
    let translation = request.translation.as_deref().map(str::trim).filter(|t| !t.is_empty()).unwrap_or(word);
    let mut out = String::with_capacity(template.len() + word.len() * 2);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let placeholder = [("{word}", word), ("{language}", request.language.trim()), ("{translation}", translation)]
            .into_iter()
            .find(|(name, _)| rest.starts_with(name));
        match placeholder {
            Some((name, value)) => {
                out.push_str(value);
                rest = &rest[name.len()..];
            }
            None => {
                out.push('{');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The image in a `{"data":[{"b64_json":..}]}` answer, checked to be PNG, JPEG or WebP.
fn image_from_json(body: &[u8]) -> Result<MediaBytes, ProviderError> {
    let not_an_image =
        |why: &str| ProviderError::permanent(format!("provider answered with something that is not an image ({why})"));
    let json: Value = serde_json::from_slice(body).map_err(|_| not_an_image("the answer is not JSON"))?;
    let item = json.get("data").and_then(|d| d.get(0));
    let Some(b64) = item.and_then(|i| i.get("b64_json")).and_then(Value::as_str) else {
        if item.and_then(|i| i.get("url")).is_some() {
            return Err(ProviderError::permanent(
                "provider answered with an image URL instead of image data; it must support response_format b64_json",
            ));
        }
        return Err(not_an_image("no data[0].b64_json in the answer"));
    };
    // Some servers send a data URL or wrap the base64 in lines.
    let b64 = b64.split_once(";base64,").map_or(b64, |(_, data)| data);
    let cleaned: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let bytes = LENIENT.decode(cleaned).map_err(|_| not_an_image("b64_json is not valid base64"))?;
    let (mime, ext) = sniff_image(&bytes).ok_or_else(|| not_an_image(&describe(&bytes)))?;
    http::check_image_dimensions(&bytes)?;
    Ok(MediaBytes::new(bytes, mime, ext))
}

/// The audio answer, checked by its magic bytes. A server that answers another known audio
/// format than the one asked for is accepted with the format it actually sent.
/// Reads an answer's body, refusing more than [`MAX_RESPONSE_BYTES`] (a lying provider cannot
/// fill the memory).
pub(super) async fn read_capped(
    mut response: reqwest::Response,
    transport_error: impl Fn(&reqwest::Error) -> ProviderError,
) -> Result<Vec<u8>, ProviderError> {
    let too_big = || ProviderError::permanent(format!("the answer is larger than {} MiB", MAX_RESPONSE_BYTES >> 20));
    if response.content_length().is_some_and(|len| len > MAX_RESPONSE_BYTES as u64) {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|err| transport_error(&err))? {
        if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_big());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

pub(super) fn audio_from_bytes(bytes: Vec<u8>, content_type: &str) -> Result<MediaBytes, ProviderError> {
    let Some((mime, ext)) = sniff_audio(&bytes) else {
        let why = if bytes.is_empty() { "an empty answer".to_owned() } else { content_type.to_owned() };
        return Err(ProviderError::permanent(format!(
            "provider answered with something that is not audio ({why}, {} bytes)",
            bytes.len()
        )));
    };
    Ok(MediaBytes::new(bytes, mime, ext))
}

/// A picture downloaded from a photo source (`source` names it in errors), checked by its magic
/// bytes (PNG, JPEG or WebP) and its header's dimensions.
pub(super) fn image_from_bytes(bytes: Vec<u8>, source: &str) -> Result<MediaBytes, ProviderError> {
    let Some((mime, ext)) = sniff_image(&bytes) else {
        return Err(ProviderError::permanent(format!("{source} sent something that is not a PNG, JPEG or WebP picture ({})", describe(&bytes))));
    };
    http::check_image_dimensions(&bytes)?;
    Ok(MediaBytes::new(bytes, mime, ext))
}

fn sniff_image(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", "webp"))
    } else {
        None
    }
}

fn sniff_audio(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    let at = |range: std::ops::Range<usize>| bytes.get(range);
    if bytes.starts_with(b"ID3") && bytes.len() > 10 {
        Some(("audio/mpeg", "mp3"))
    } else if bytes.len() >= 4 && bytes[0] == 0xff && bytes[1] & 0xe0 == 0xe0 && (bytes[1] >> 1) & 3 != 0 {
        // MPEG audio frame sync with a layer set (ADTS, below, has layer bits 00).
        Some(("audio/mpeg", "mp3"))
    } else if at(0..4) == Some(b"RIFF") && at(8..12) == Some(b"WAVE") {
        Some(("audio/wav", "wav"))
    } else if bytes.starts_with(b"OggS") {
        let opus = bytes.windows(8).take(64).any(|w| w == b"OpusHead");
        Some(("audio/ogg", if opus { "opus" } else { "ogg" }))
    } else if bytes.starts_with(b"fLaC") {
        Some(("audio/flac", "flac"))
    } else if (bytes.len() >= 7 && bytes[0] == 0xff && bytes[1] & 0xf6 == 0xf0) || bytes.starts_with(b"ADIF") {
        Some(("audio/aac", "aac"))
    } else {
        None
    }
}

/// A short description of unrecognised bytes, e.g. `17 bytes starting with "<html>oops"`.
fn describe(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "empty".into();
    }
    let head: String =
        String::from_utf8_lossy(&bytes[..bytes.len().min(12)]).chars().filter(|c| !c.is_control()).collect();
    format!("{} bytes starting with {head:?}", bytes.len())
}

pub(super) async fn read_error_body(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    // Best effort: the status decides the error; the body only adds the provider's words.
    while let Ok(Some(chunk)) = response.chunk().await {
        bytes.extend_from_slice(&chunk);
        if bytes.len() >= MAX_ERROR_BODY_BYTES {
            bytes.truncate(MAX_ERROR_BODY_BYTES);
            break;
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The innermost error's text (e.g. "Connection refused (os error 111)"): reqwest's own
/// outer message repeats the URL, which is noise here.
pub(super) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// "could not connect to host:port …", saying when the connection did not open within the
/// connect timeout (the worker adds "waiting for the network").
pub(super) fn connect_message(host: &str, err: &reqwest::Error, connect_timeout: Duration) -> String {
    if err.is_timeout() {
        format!("could not connect to {host} within {}", human_duration(connect_timeout))
    } else {
        format!("could not connect to {host}: {}", root_cause(err))
    }
}

pub(super) fn human_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(text: &str, language: &str, translation: Option<&str>) -> MediaRequest {
        MediaRequest {
            kind: MediaKind::Image,
            text: text.into(),
            language: language.into(),
            translation: translation.map(Into::into),
        }
    }

    #[test]
    fn prompt_placeholders_are_replaced_once_and_gaps_closed() {
        let r = request("Apfel", "de", Some("apple"));
        assert_eq!(render_prompt("{word} ({language}) = {translation} {x}", "Apfel", &r), "Apfel (de) = apple {x}");
        let r = request("{language}", "", None);
        assert_eq!(
            render_prompt("the {language} word {word}: {translation}", "{language}", &r),
            "the word {language}: {language}"
        );
    }

    #[test]
    fn settings_key_names_the_output_settings_and_never_the_key() {
        let mut config = OpenAiConfig::for_kind(MediaKind::Audio);
        config.base_url = "https://user:pw@example.com/v1/?api-key=secret".into();
        config.api_key = Some("sk-secret".into());
        let provider = OpenAiProvider::new(MediaKind::Audio, config.clone()).unwrap();
        assert_eq!(provider.settings_key(), "openai|audio|https://example.com/v1|tts-1|alloy|mp3");
        assert!(!format!("{provider:?}").contains("sk-secret"));
        let image = OpenAiProvider::new(MediaKind::Image, OpenAiConfig::default()).unwrap();
        let other_prompt = OpenAiConfig { image_prompt: "{word}".into(), ..OpenAiConfig::default() };
        let other = OpenAiProvider::new(MediaKind::Image, other_prompt).unwrap();
        assert_ne!(image.settings_key(), other.settings_key());
        assert!(image.settings_key().starts_with("openai|image|https://api.openai.com/v1|dall-e-2|512x512|prompt:"));
    }

    #[test]
    fn trailing_slashes_in_the_base_url_do_not_matter() {
        for base in ["http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1/"] {
            let config = OpenAiConfig { base_url: base.into(), ..OpenAiConfig::for_kind(MediaKind::Audio) };
            let provider = OpenAiProvider::new(MediaKind::Audio, config).unwrap();
            assert_eq!(provider.endpoint.as_str(), "http://127.0.0.1:9/v1/audio/speech");
        }
    }

    #[test]
    fn bad_settings_are_permanent_errors() {
        let cases = [
            OpenAiConfig { base_url: "not a url".into(), ..OpenAiConfig::for_kind(MediaKind::Audio) },
            OpenAiConfig { base_url: "ftp://example.com".into(), ..OpenAiConfig::for_kind(MediaKind::Audio) },
            OpenAiConfig { model: " ".into(), ..OpenAiConfig::for_kind(MediaKind::Audio) },
            OpenAiConfig { audio_format: "pcm".into(), ..OpenAiConfig::for_kind(MediaKind::Audio) },
            OpenAiConfig { timeout: Duration::ZERO, ..OpenAiConfig::for_kind(MediaKind::Audio) },
        ];
        for config in cases {
            let result = OpenAiProvider::new(MediaKind::Audio, config.clone());
            assert!(matches!(result, Err(ProviderError::Permanent { .. })), "{config:?}");
        }
    }

    #[test]
    fn media_is_recognised_by_its_magic_bytes() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\n...."), Some(("image/png", "png")));
        assert_eq!(sniff_image(&[0xff, 0xd8, 0xff, 0xe0]), Some(("image/jpeg", "jpg")));
        assert_eq!(sniff_image(b"RIFF\0\0\0\0WEBPVP8 "), Some(("image/webp", "webp")));
        assert_eq!(sniff_image(b"<html>"), None);
        assert_eq!(sniff_audio(b"ID3\x04\0\0\0\0\0\0\0"), Some(("audio/mpeg", "mp3")));
        assert_eq!(sniff_audio(&[0xff, 0xfb, 0x90, 0x64]), Some(("audio/mpeg", "mp3")));
        assert_eq!(sniff_audio(b"RIFF\0\0\0\0WAVEfmt "), Some(("audio/wav", "wav")));
        assert_eq!(sniff_audio(b"fLaC\0\0\0\x22"), Some(("audio/flac", "flac")));
        assert_eq!(sniff_audio(&[0xff, 0xf1, 0x50, 0x80, 0, 0x1f, 0xfc]), Some(("audio/aac", "aac")));
        assert_eq!(sniff_audio(b"<html>oops</html>"), None);
        assert_eq!(sniff_audio(b""), None);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(human_duration(Duration::from_secs(60)), "60s");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5s");
    }
}
