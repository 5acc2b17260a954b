//! Licensed photos from Wikidata and Commons (`[image] provider = "wikimedia"`).
//!
//! 1. The word's Wikidata items: `wbsearchentities` in the word's language; only items whose
//!    label or alias is exactly the word ([`wikidata::exact_hits`]).
//! 2. Their English labels and descriptions and their image (P18) with `wbgetentities`; when
//!    several items are the word, the one that fits its translation best
//!    ([`wikidata::ranked`]).
//! 3. The images' licence, author and a 512-pixel-wide thumbnail from Commons
//!    (`prop=imageinfo`, `iiurlwidth=512`): the first image under a free licence
//!    ([`crate::providers::licence`]) is downloaded; others are skipped.
//!
//! Nothing found is [`ProviderError::NoMatch`] (a chain asks its next member), remembered in
//! its own negative-answer cache. Etiquette, User-Agent, `maxlag`, the concurrency cap and the
//! handling of errors are the recordings' ([`super::client`]).

use std::path::Path;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use unicode_normalization::UnicodeNormalization;

use super::api::{self, FileInfo};
use super::client::{self, WikiClient};
use super::misses::MissCache;
use super::wikidata::{self, Entity};
use super::WikimediaSettings;
use crate::providers::licence;
use crate::providers::openai::image_from_bytes;
use crate::providers::{MediaBytes, MediaRequest, Provider, ProviderError, ProviderFuture};
use crate::model::MediaKind;

/// The photo provider's negative-answer cache in the data dir.
pub const MISS_CACHE_FILE: &str = "wikidata-photo-misses.sqlite3";
/// The thumbnail's width, in pixels.
pub const THUMB_WIDTH: u32 = 512;
/// Images asked about per word, at most (one `imageinfo` call).
const MAX_FILES: usize = 10;

pub struct WikidataPhotoProvider {
    settings: WikimediaSettings,
    wikidata: reqwest::Url,
    commons: reqwest::Url,
    wiki: WikiClient,
    misses: Arc<MissCache>,
}

impl WikidataPhotoProvider {
    /// `cache`: the negative-answer cache's file (`None`: kept in memory).
    pub fn new(settings: WikimediaSettings, cache: Option<&Path>) -> Result<Self, ProviderError> {
        let wikidata = client::endpoint("Wikidata URL", &settings.wikidata_url)?;
        let commons = client::endpoint("Commons URL", &settings.commons_url)?;
        let direct = crate::net::is_loopback(&wikidata) && crate::net::is_loopback(&commons);
        let wiki = WikiClient::new(&settings.contact, settings.timeout, settings.connect_timeout, direct)?;
        let misses = Arc::new(MissCache::open(cache, settings.negative_cache));
        Ok(WikidataPhotoProvider { settings, wikidata, commons, wiki, misses })
    }

    async fn find(&self, request: &MediaRequest) -> Result<MediaBytes, ProviderError> {
        if request.kind != MediaKind::Image {
            return Err(ProviderError::permanent("Wikidata photos are pictures only"));
        }
        let word: String = request.text.trim().nfc().collect();
        let lang = match request.language.trim() {
            "" => Some("en".to_string()),
            code => wikidata::language_code(code),
        };
        let Some(lang) = lang else {
            return Err(ProviderError::no_match(format!("no photo of '{}' on Wikidata: '{}' is not a language code", crate::text::clip(&word), crate::text::clip(&request.language))));
        };
        let no_match = || ProviderError::no_match(format!("no freely licensed photo of '{}' ({lang}) on Wikidata", crate::text::clip(&word)));
        if self.cached_miss(&lang, &word).await {
            return Err(no_match());
        }
        let entities = self.items(&lang, &word, request.translation.as_deref()).await?;
        if let Some(media) = self.first_free(&entities).await? {
            return Ok(media);
        }
        self.remember_miss(&lang, &word).await;
        Err(no_match())
    }

    /// The word's items that have an image, best fit to the translation first.
    async fn items(&self, lang: &str, word: &str, translation: Option<&str>) -> Result<Vec<Entity>, ProviderError> {
        let found = self.wiki.api(&self.wikidata, &wikidata::search_params(lang, word)).await?;
        let hits = wikidata::exact_hits(&found, word);
        if hits.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = hits.iter().map(|h| h.id.clone()).collect();
        let json = self.wiki.api(&self.wikidata, &wikidata::entities_params(&ids, lang)).await?;
        let entities: Vec<Entity> = ids.iter().filter_map(|id| wikidata::entity(&json, id)).collect();
        Ok(wikidata::ranked(&hits, &entities, translation).into_iter().cloned().collect())
    }

    /// The first image (in the items' order) under a free licence, downloaded as a thumbnail
    /// with its credit; `None` when there is none.
    async fn first_free(&self, entities: &[Entity]) -> Result<Option<MediaBytes>, ProviderError> {
        let mut titles: Vec<String> = Vec::new();
        for file in entities.iter().flat_map(|e| e.images.iter()) {
            let title = format!("File:{}", file.replace('_', " "));
            if !titles.contains(&title) && titles.len() < MAX_FILES {
                titles.push(title);
            }
        }
        if titles.is_empty() {
            return Ok(None);
        }
        let json = self.wiki.api(&self.commons, &api::thumb_imageinfo_params(&titles, THUMB_WIDTH)).await?;
        let infos = api::file_infos(&json);
        for title in &titles {
            let Some(info) = infos.iter().find(|i| i.title.replace('_', " ") == *title) else { continue };
            if licence::from_short_name(&info.attribution.licence).is_none() {
                tracing::debug!("skipping {title}: '{}' is not a free licence", info.attribution.licence);
                continue;
            }
            return self.download(info).await.map(Some);
        }
        Ok(None)
    }

    async fn download(&self, info: &FileInfo) -> Result<MediaBytes, ProviderError> {
        let url = info.thumb_url.as_deref().unwrap_or(&info.url);
        let bytes = self.wiki.download(url).await?;
        let mut media = image_from_bytes(bytes, "Commons")?;
        let mut credit = info.attribution.clone();
        if credit.source_url.is_empty() {
            credit.source_url = client::file_page(&self.commons, &info.title);
        }
        media.attribution = Some(credit);
        Ok(media)
    }

    async fn cached_miss(&self, lang: &str, word: &str) -> bool {
        let (misses, lang, word) = (self.misses.clone(), lang.to_string(), word.to_string());
        tokio::task::spawn_blocking(move || misses.checked_at(&lang, &word, crate::store::now_ms()).is_some()).await.unwrap_or(false)
    }

    async fn remember_miss(&self, lang: &str, word: &str) {
        let (misses, lang, word) = (self.misses.clone(), lang.to_string(), word.to_string());
        let _ = tokio::task::spawn_blocking(move || misses.remember(&lang, &word, crate::store::now_ms())).await;
    }
}

impl Provider for WikidataPhotoProvider {
    fn name(&self) -> &str {
        "wikimedia"
    }
    fn settings_key(&self) -> String {
        format!("wikimedia-photo|{}|{}|{THUMB_WIDTH}|v1", self.settings.wikidata_url, self.settings.commons_url)
    }
    fn limit_key(&self) -> String {
        format!("wikimedia|{}", self.commons.host_str().unwrap_or(""))
    }
    fn generate<'a>(&'a self, request: &'a MediaRequest, cancel: &'a CancellationToken) -> ProviderFuture<'a> {
        Box::pin(crate::providers::cancellable(cancel, self.find(request)))
    }
}
