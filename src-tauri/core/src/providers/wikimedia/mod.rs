//! Native speakers' recordings from Wikimedia Commons (`provider = "wikimedia"`, audio only).
//!
//! For a word in a language of [`titles::LANGUAGES`] it looks, in order, for:
//! 1. a **Lingua Libre** file of exactly that word (a Commons search of file titles
//!    `LL-Q<item> (<iso639-3>)-<speaker>-<word>.wav`);
//! 2. a **Wiktionary** pronunciation file on the word's page of that language's Wiktionary
//!    (`prop=images`: `En-us-apple.ogg`, `De-Apfel.ogg`, or a Lingua Libre file there).
//!
//! The file's URL, type and credit come from Commons (`prop=imageinfo`); the credit (speaker,
//! licence, file page) travels with the media ([`MediaBytes::attribution`]), as CC BY-SA asks.
//! No recording is [`ProviderError::NoMatch`] (a chain asks its next member), remembered for
//! a while ([`misses`]) so the word is not asked about again every run.
//!
//! **Formats.** Lingua Libre's WAV (16-bit PCM) is trimmed and encoded to Ogg Vorbis with the
//! offline voice's own code ([`super::audio`]). Ogg Vorbis is the app's format already; Opus,
//! MP3 and FLAC are kept as they are (Anki and browsers play them): decoding them would add a
//! decoder crate for no gain in what the learner hears. A WAV that is not 16-bit PCM is kept as
//! WAV rather than failing the word.
//!
//! **Etiquette** (<https://www.mediawiki.org/wiki/API:Etiquette>): a User-Agent naming the app and
//! a contact (`[wikimedia] contact`); `maxlag=5` on every API call, a `maxlag` answer (or a
//! 429/503) is [`ProviderError::Retryable`] with the server's `Retry-After`, which pauses the
//! provider, not the word; at most [`MAX_CONCURRENCY`] requests at once; no redirects followed.
//! Base URLs are configurable so tests (and mirrors) point them elsewhere.
//!
//! Not here: Wikidata lexemes (P443), and choosing among speakers (the search's first exact
//! match is taken).

pub mod api;
pub mod misses;
pub mod titles;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;
use unicode_normalization::UnicodeNormalization;

use self::misses::MissCache;
use self::titles::{Candidate, Language};
use super::audio::{self, TrimOptions};
use super::openai::{audio_from_bytes, connect_message, human_duration, read_capped, read_error_body, root_cause};
use super::{http, http_status, MediaBytes, MediaRequest, Provider, ProviderError, ProviderFuture};
use crate::config::WikimediaConfig;
use crate::model::MediaKind;

/// Requests in flight at once, at most, whatever `max_concurrency` says.
pub const MAX_CONCURRENCY: u32 = 2;
/// The negative-answer cache's file in the data dir.
pub const MISS_CACHE_FILE: &str = "wikimedia-misses.sqlite3";
/// The wait a `maxlag` answer without `Retry-After` gets (MediaWiki sends one; 5 s is its usual).
const DEFAULT_MAXLAG_WAIT: Duration = Duration::from_secs(5);

/// The provider's settings, from `[wikimedia]` and the audio section's timeouts.
#[derive(Debug, Clone)]
pub struct WikimediaSettings {
    pub commons_url: String,
    /// With `{lang}` for the Wiktionary's subdomain.
    pub wiktionary_url: String,
    pub contact: String,
    /// How long "no recording" is believed (zero: not cached).
    pub negative_cache: Duration,
    pub timeout: Duration,
    pub connect_timeout: Duration,
}

impl WikimediaSettings {
    pub fn from_config(c: &WikimediaConfig, timeout: Duration, connect_timeout: Duration) -> Self {
        WikimediaSettings {
            commons_url: c.commons_url.trim().to_string(),
            wiktionary_url: c.wiktionary_url.trim().to_string(),
            contact: c.contact.trim().to_string(),
            negative_cache: Duration::from_secs(u64::from(c.negative_cache_days) * 86_400),
            timeout,
            connect_timeout,
        }
    }
}

impl Default for WikimediaSettings {
    fn default() -> Self {
        Self::from_config(&WikimediaConfig::default(), Duration::from_secs(60), crate::net::DEFAULT_CONNECT_TIMEOUT)
    }
}

/// The User-Agent Wikimedia's policy asks for: the app, its version, where it lives, a contact.
pub fn user_agent(contact: &str) -> String {
    let contact: String = contact.chars().filter(|c| !c.is_control() && !matches!(c, '(' | ')' | ';')).collect();
    format!("Deck Media/{} (https://github.com/deckmedia/deckmedia; {})", env!("CARGO_PKG_VERSION"), contact.trim())
}

pub struct WikimediaProvider {
    settings: WikimediaSettings,
    commons: reqwest::Url,
    client: reqwest::Client,
    user_agent: String,
    misses: Arc<MissCache>,
}

impl WikimediaProvider {
    /// `cache`: the negative-answer cache's file (`None`: kept in memory).
    pub fn new(settings: WikimediaSettings, cache: Option<&Path>) -> Result<Self, ProviderError> {
        let bad_url = |what: &str, url: &str| ProviderError::permanent(format!("the {what} '{}' is not a valid http(s) URL", crate::text::clip(url)));
        let commons = reqwest::Url::parse(&settings.commons_url).map_err(|_| bad_url("Commons URL", &settings.commons_url))?;
        let wiktionary = reqwest::Url::parse(&settings.wiktionary_url.replace("{lang}", "en")).map_err(|_| bad_url("Wiktionary URL", &settings.wiktionary_url))?;
        if !["http", "https"].contains(&commons.scheme()) || !["http", "https"].contains(&wiktionary.scheme()) {
            return Err(bad_url("Commons or Wiktionary URL", &settings.commons_url));
        }
        let direct = crate::net::is_loopback(&commons) && crate::net::is_loopback(&wiktionary);
        let client = crate::net::client(settings.timeout, settings.connect_timeout, direct).map_err(|e| ProviderError::permanent(format!("cannot set up HTTP: {e}")))?;
        let misses = Arc::new(MissCache::open(cache, settings.negative_cache));
        let user_agent = user_agent(&settings.contact);
        Ok(WikimediaProvider { settings, commons, client, user_agent, misses })
    }

    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    async fn find(&self, request: &MediaRequest) -> Result<MediaBytes, ProviderError> {
        if request.kind != MediaKind::Audio {
            return Err(ProviderError::permanent("Wikimedia recordings are audio only"));
        }
        let word: String = request.text.trim().nfc().collect();
        let Some(lang) = titles::language(&request.language) else {
            let which = if request.language.trim().is_empty() { "no language is set".to_string() } else { format!("'{}' is not a language Deck Media looks up there", crate::text::clip(request.language.trim())) };
            return Err(ProviderError::no_match(format!("no recording of '{}' on Wikimedia Commons: {which}", crate::text::clip(&word))));
        };
        let no_match = || ProviderError::no_match(format!("no recording of '{}' in {} on Wikimedia Commons", crate::text::clip(&word), lang.name));
        if self.cached_miss(lang, &word).await {
            return Err(no_match());
        }
        for source in [titles::Source::LinguaLibre, titles::Source::Wiktionary] {
            let found = match source {
                titles::Source::LinguaLibre => self.lingua_libre(lang, &word).await?,
                titles::Source::Wiktionary => self.wiktionary(lang, &word).await?,
            };
            if let Some(media) = self.fetch_first(&found).await? {
                return Ok(media);
            }
        }
        self.remember_miss(lang, &word).await;
        Err(no_match())
    }

    async fn cached_miss(&self, lang: &Language, word: &str) -> bool {
        let (misses, code, word) = (self.misses.clone(), lang.code, word.to_string());
        tokio::task::spawn_blocking(move || misses.checked_at(code, &word, crate::store::now_ms()).is_some()).await.unwrap_or(false)
    }

    async fn remember_miss(&self, lang: &Language, word: &str) {
        let (misses, code, word) = (self.misses.clone(), lang.code, word.to_string());
        let _ = tokio::task::spawn_blocking(move || misses.remember(code, &word, crate::store::now_ms())).await;
    }

    async fn lingua_libre(&self, lang: &Language, word: &str) -> Result<Vec<Candidate>, ProviderError> {
        let json = self.api(&self.commons, &api::search_params(lang, word)).await?;
        let found = api::search_titles(&json);
        Ok(titles::candidates(found.iter().map(String::as_str), lang, word))
    }

    async fn wiktionary(&self, lang: &Language, word: &str) -> Result<Vec<Candidate>, ProviderError> {
        let url = self.settings.wiktionary_url.replace("{lang}", lang.wiktionary);
        let endpoint = reqwest::Url::parse(&url).map_err(|_| ProviderError::permanent(format!("the Wiktionary URL '{}' is not valid", crate::text::clip(&url))))?;
        let json = self.api(&endpoint, &api::page_images_params(word)).await?;
        let found = api::page_image_titles(&json);
        Ok(titles::candidates(found.iter().map(String::as_str), lang, word))
    }

    /// The first candidate Commons can describe and serve, as the app's audio; `None` when
    /// there is none.
    async fn fetch_first(&self, candidates: &[Candidate]) -> Result<Option<MediaBytes>, ProviderError> {
        if candidates.is_empty() {
            return Ok(None);
        }
        let wanted: Vec<String> = candidates.iter().take(10).map(|c| c.title.clone()).collect();
        let json = self.api(&self.commons, &api::imageinfo_params(&wanted)).await?;
        let infos = api::file_infos(&json);
        // Commons answers titles normalised (`_` → space); candidates are in that form too.
        let Some(info) = wanted.iter().find_map(|t| infos.iter().find(|i| titles::file_name(&i.title) == titles::file_name(t))) else {
            return Ok(None);
        };
        let bytes = self.download(&info.url).await?;
        let mime = info.mime.clone();
        let converted = tokio::task::spawn_blocking(move || convert(bytes, &mime))
            .await
            .map_err(|e| ProviderError::permanent(format!("converting the recording failed: {e}")))??;
        let mut media = converted;
        let mut credit = info.attribution.clone();
        if credit.source_url.is_empty() {
            credit.source_url = self.file_page(&info.title);
        }
        media.attribution = Some(credit);
        Ok(Some(media))
    }

    /// `https://commons.wikimedia.org/wiki/File:…` for a Commons API at `…/w/api.php`.
    fn file_page(&self, title: &str) -> String {
        let mut page = self.commons.clone();
        page.set_query(None);
        page.set_path(&format!("/wiki/{}", title.replace(' ', "_")));
        page.to_string()
    }

    /// One API call: `format=json`, `maxlag`, our User-Agent; errors in the queue's terms.
    async fn api(&self, endpoint: &reqwest::Url, params: &[(&'static str, String)]) -> Result<Value, ProviderError> {
        let mut url = endpoint.clone();
        url.query_pairs_mut().extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str()))).append_pair("format", "json").append_pair("maxlag", &api::MAXLAG_SECS.to_string());
        let response = self.get(&url).await?;
        let status = response.status();
        let retry_after = response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        if status.is_redirection() {
            let location = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok());
            return Err(http::redirect_error(status.as_u16(), location, endpoint));
        }
        if !status.is_success() {
            let body = read_error_body(response).await;
            return Err(lag_error(&body, retry_after.as_deref()).unwrap_or_else(|| http_error(status.as_u16(), retry_after.as_deref(), &body)));
        }
        let body = read_capped(response, |e| self.transport_error(e)).await?;
        let json: Value = serde_json::from_slice(&body).map_err(|_| ProviderError::retryable("Wikimedia answered with something that is not JSON"))?;
        match api::api_error(&json) {
            None => Ok(json),
            Some(e) => Err(lag_error(&String::from_utf8_lossy(&body), retry_after.as_deref())
                .unwrap_or_else(|| ProviderError::permanent(format!("Wikimedia API error {}: {}", e.code, crate::text::clip(&e.info))))),
        }
    }

    async fn get(&self, url: &reqwest::Url) -> Result<reqwest::Response, ProviderError> {
        self.client.get(url.clone()).header(reqwest::header::USER_AGENT, &self.user_agent).send().await.map_err(|e| self.transport_error(&e))
    }

    /// The file's bytes, from an `https://` URL (or `http://` on this machine, for tests).
    async fn download(&self, url: &str) -> Result<Vec<u8>, ProviderError> {
        let parsed = reqwest::Url::parse(url).map_err(|_| ProviderError::permanent(format!("Commons gave a file URL that is not valid: {}", crate::text::clip(url))))?;
        if parsed.scheme() != "https" && !(parsed.scheme() == "http" && crate::net::is_loopback(&parsed)) {
            return Err(ProviderError::permanent(format!("Commons gave a file URL that is not https: {}", crate::text::clip(url))));
        }
        let response = self.get(&parsed).await?;
        let status = response.status();
        if status.is_redirection() {
            let location = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok());
            return Err(http::redirect_error(status.as_u16(), location, &parsed));
        }
        if !status.is_success() {
            let retry_after = response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body = read_error_body(response).await;
            return Err(http_error(status.as_u16(), retry_after.as_deref(), &body));
        }
        read_capped(response, |e| self.transport_error(e)).await
    }

    fn transport_error(&self, err: &reqwest::Error) -> ProviderError {
        let host = err.url().and_then(|u| u.host_str()).unwrap_or("Wikimedia").to_string();
        if err.is_connect() {
            ProviderError::unreachable(connect_message(&host, err, self.settings.connect_timeout))
        } else if err.is_timeout() {
            ProviderError::timed_out(format!("Wikimedia timed out after {}", human_duration(self.settings.timeout)))
        } else {
            ProviderError::retryable(format!("request to {host} failed: {}", root_cause(err)))
        }
    }
}

/// A `maxlag` (or `ratelimited`) error body: retry after the server's `Retry-After`, pausing the
/// provider. `None` for any other body.
fn lag_error(body: &str, retry_after: Option<&str>) -> Option<ProviderError> {
    let json: Value = serde_json::from_str(body).ok()?;
    let e = api::api_error(&json)?;
    if e.code != "maxlag" && e.code != "ratelimited" {
        return None;
    }
    let wait = retry_after.and_then(|v| http_status::parse_retry_after(v, std::time::SystemTime::now())).unwrap_or(DEFAULT_MAXLAG_WAIT);
    Some(ProviderError::Retryable { message: format!("Wikimedia asked to wait ({}): {}", e.code, crate::text::clip(&e.info)), retry_after: Some(wait), rate_limited: true })
}

/// The downloaded file as the app's audio: WAV (16-bit PCM) → trimmed Ogg Vorbis; other audio
/// kept as it is, typed by its bytes.
pub fn convert(bytes: Vec<u8>, declared_mime: &str) -> Result<MediaBytes, ProviderError> {
    let kept = audio_from_bytes(bytes, declared_mime).map_err(|_| ProviderError::permanent(format!("the Commons file is not audio Deck Media can use ({declared_mime})")))?;
    if kept.ext != "wav" {
        return Ok(kept);
    }
    match audio::wav_to_trimmed_ogg(&kept.bytes, &TrimOptions::default(), audio::DEFAULT_QUALITY) {
        Ok(ogg) => Ok(MediaBytes::new(ogg, "audio/ogg", "ogg")),
        Err(e) => {
            tracing::debug!("keeping a Commons WAV as it is: {e}");
            Ok(kept)
        }
    }
}

impl Provider for WikimediaProvider {
    fn name(&self) -> &str {
        "wikimedia"
    }
    fn settings_key(&self) -> String {
        format!("wikimedia|{}|{}|v1", self.settings.commons_url, self.settings.wiktionary_url)
    }
    fn limit_key(&self) -> String {
        format!("wikimedia|{}", self.commons.host_str().unwrap_or(""))
    }
    fn generate<'a>(&'a self, request: &'a MediaRequest, cancel: &'a CancellationToken) -> ProviderFuture<'a> {
        Box::pin(async move {
            tokio::select! {
                biased;
                () = cancel.cancelled() => Err(ProviderError::Cancelled),
                r = self.find(request) => r,
            }
        })
    }
}

/// An HTTP error from Wikimedia in the queue's terms. No key is sent, so a 401/403 is not a
/// rejected key (which would pause the provider waiting for a new one): Wikimedia refuses
/// clients it has blocked, e.g. a User-Agent without a contact. The word fails and says what to
/// change.
fn http_error(status: u16, retry_after: Option<&str>, body: &str) -> ProviderError {
    match http_status::classify(status, retry_after, body) {
        ProviderError::Account { message, .. } => ProviderError::permanent(format!(
            "Wikimedia refused the request (HTTP {status}: {}); it refuses clients without a contact in their User-Agent: set [wikimedia] contact to your e-mail",
            crate::text::clip(&message)
        )),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_not_a_rejected_key() {
        let err = http_error(403, None, "Scripts should use an informative User-Agent string");
        assert!(matches!(&err, ProviderError::Permanent { message } if message.contains("[wikimedia] contact") && message.contains("403")), "{err:?}");
        assert!(matches!(http_error(503, Some("5"), ""), ProviderError::Retryable { .. }));
    }
}
