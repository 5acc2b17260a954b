//! Native speakers' recordings from Wikimedia Commons (`[audio] provider = "wikimedia"`); the
//! same name for pictures is [`photos`] (Wikidata's image of the word, from Commons).
//!
//! For a word in a language of [`titles::LANGUAGES`] it looks, in order, for:
//! 1. a **Lingua Libre** file of exactly that word (a Commons search of file titles
//!    `LL-Q<item> (<iso639-3>)-<speaker>-<word>.wav`);
//! 2. a **Wiktionary** pronunciation file on the word's page of that language's Wiktionary
//!    (`prop=images`: `En-us-apple.ogg`, `De-Apfel.ogg`, or a Lingua Libre file there);
//! 3. a **Wikidata lexeme**'s pronunciation (P443): the word's lexemes in its language
//!    (`wbsearchentities` with `type=lexeme`, then `wbgetentities`), only those with the word as a
//!    lemma, exactly (NFC; case and accents count), and of those the recordings of the form
//!    spelled as the word ([`lexemes`]).
//!
//! The file's URL, type and credit come from Commons (`prop=imageinfo`); the credit (speaker,
//! licence, file page) travels with the media ([`MediaBytes::attribution`]), as CC BY-SA asks.
//! No recording from any of the three is [`ProviderError::NoMatch`] (a chain asks its next
//! member), remembered for a while ([`misses`]) so the word is not asked about again every run.
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
//! provider, not the word; one request at a time per word, at most [`MAX_CONCURRENCY`] at once;
//! no redirects followed. Base URLs are configurable so tests (and mirrors) point them elsewhere.
//!
//! **Settings key.** The lexemes (and `[wikimedia] wikidata_url`) are not part of
//! [`Provider::settings_key`]: they only find recordings for words the first two had none for,
//! so no stored recording would come out differently. A word remembered as a miss before the
//! lexemes were asked is asked again once its miss expires (`negative_cache_days`).
//!
//! Not here: choosing among speakers or homographs (the first exact match is taken: Lingua
//! Libre's search order, the lexeme search's order).

pub mod api;
pub mod client;
pub mod lexemes;
pub mod misses;
pub mod photos;
pub mod titles;
pub mod wikidata;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use unicode_normalization::UnicodeNormalization;

use self::misses::MissCache;
use self::titles::{Candidate, Language};
use super::audio::{self, TrimOptions};
use self::client::WikiClient;
use super::openai::audio_from_bytes;
use super::{MediaBytes, MediaRequest, Provider, ProviderError, ProviderFuture};
use crate::config::WikimediaConfig;
use crate::model::MediaKind;

/// Requests in flight at once, at most, whatever `max_concurrency` says.
pub const MAX_CONCURRENCY: u32 = 2;
/// The negative-answer cache's file in the data dir.
pub const MISS_CACHE_FILE: &str = "wikimedia-misses.sqlite3";

/// The provider's settings, from `[wikimedia]` and the audio section's timeouts.
#[derive(Debug, Clone)]
pub struct WikimediaSettings {
    pub commons_url: String,
    /// With `{lang}` for the Wiktionary's subdomain.
    pub wiktionary_url: String,
    /// Wikidata's API (the photo provider, and the recordings' lexemes).
    pub wikidata_url: String,
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
            wikidata_url: c.wikidata_url.trim().to_string(),
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

pub use self::client::user_agent;

pub struct WikimediaProvider {
    settings: WikimediaSettings,
    commons: reqwest::Url,
    wikidata: reqwest::Url,
    wiki: WikiClient,
    misses: Arc<MissCache>,
}

impl WikimediaProvider {
    /// `cache`: the negative-answer cache's file (`None`: kept in memory).
    pub fn new(settings: WikimediaSettings, cache: Option<&Path>) -> Result<Self, ProviderError> {
        let commons = client::endpoint("Commons URL", &settings.commons_url)?;
        let wiktionary = client::endpoint("Wiktionary URL", &settings.wiktionary_url.replace("{lang}", "en"))?;
        let wikidata = client::endpoint("Wikidata URL", &settings.wikidata_url)?;
        let direct = [&commons, &wiktionary, &wikidata].into_iter().all(crate::net::is_loopback);
        let wiki = WikiClient::new(&settings.contact, settings.timeout, settings.connect_timeout, direct)?;
        let misses = Arc::new(MissCache::open(cache, settings.negative_cache));
        Ok(WikimediaProvider { settings, commons, wikidata, wiki, misses })
    }

    pub fn user_agent(&self) -> &str {
        self.wiki.user_agent()
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
        for source in [titles::Source::LinguaLibre, titles::Source::Wiktionary, titles::Source::WikidataLexeme] {
            let found = match source {
                titles::Source::LinguaLibre => self.lingua_libre(lang, &word).await?,
                titles::Source::Wiktionary => self.wiktionary(lang, &word).await?,
                titles::Source::WikidataLexeme => self.lexemes(lang, &word).await?,
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
        let json = self.wiki.api(&self.commons, &api::search_params(lang, word)).await?;
        let found = api::search_titles(&json);
        Ok(titles::candidates(found.iter().map(String::as_str), lang, word))
    }

    async fn wiktionary(&self, lang: &Language, word: &str) -> Result<Vec<Candidate>, ProviderError> {
        let url = self.settings.wiktionary_url.replace("{lang}", lang.wiktionary);
        let endpoint = reqwest::Url::parse(&url).map_err(|_| ProviderError::permanent(format!("the Wiktionary URL '{}' is not valid", crate::text::clip(&url))))?;
        let json = self.wiki.api(&endpoint, &api::page_images_params(word)).await?;
        let found = api::page_image_titles(&json);
        Ok(titles::candidates(found.iter().map(String::as_str), lang, word))
    }

    /// The pronunciations on the word's Wikidata lexemes, as Commons titles.
    async fn lexemes(&self, lang: &Language, word: &str) -> Result<Vec<Candidate>, ProviderError> {
        let found = self.wiki.api(&self.wikidata, &lexemes::search_params(lang, word)).await?;
        let ids = lexemes::candidate_ids(&found, lang, word);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let json = self.wiki.api(&self.wikidata, &lexemes::entities_params(&ids)).await?;
        let found: Vec<lexemes::Lexeme> = ids.iter().filter_map(|id| lexemes::lexeme(&json, id)).collect();
        let files = lexemes::recordings_of(&found, lang, word);
        Ok(files
            .into_iter()
            .map(|name| Candidate { title: format!("File:{name}"), source: titles::Source::WikidataLexeme, closeness: titles::Closeness::Exact })
            .collect())
    }

    /// The first candidate Commons can describe and serve, as the app's audio; `None` when
    /// there is none.
    async fn fetch_first(&self, candidates: &[Candidate]) -> Result<Option<MediaBytes>, ProviderError> {
        if candidates.is_empty() {
            return Ok(None);
        }
        let wanted: Vec<String> = candidates.iter().take(10).map(|c| c.title.clone()).collect();
        let json = self.wiki.api(&self.commons, &api::imageinfo_params(&wanted)).await?;
        let infos = api::file_infos(&json);
        // Commons answers titles normalised (`_` → space); candidates are in that form too.
        let Some(info) = wanted.iter().find_map(|t| infos.iter().find(|i| titles::file_name(&i.title) == titles::file_name(t))) else {
            return Ok(None);
        };
        let bytes = self.wiki.download(&info.url).await?;
        let mime = info.mime.clone();
        let converted = tokio::task::spawn_blocking(move || convert(bytes, &mime))
            .await
            .map_err(|e| ProviderError::permanent(format!("converting the recording failed: {e}")))??;
        let mut media = converted;
        let mut credit = info.attribution.clone();
        if credit.source_url.is_empty() {
            credit.source_url = client::file_page(&self.commons, &info.title);
        }
        media.attribution = Some(credit);
        Ok(Some(media))
    }

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
        Box::pin(super::cancellable(cancel, self.find(request)))
    }
}
