//! Openly licensed photos from Openverse (`provider = "openverse"`, pictures only).
//!
//! `GET <url>/v1/images/?q=<the English gloss, else the word>&license=cc0,pdm,by,by-sa` — only
//! free licences are asked for, and each result's `license` is checked again
//! ([`crate::providers::licence::from_openverse_code`]). The first result's `thumbnail` (Openverse's
//! own scaled copy) is downloaded; its credit — `creator`, licence and version, `license_url`,
//! `foreign_landing_url` — travels with the media. No result is [`ProviderError::NoMatch`],
//! remembered in a negative-answer cache (`openverse-misses.sqlite3`).
//!
//! **Limits.** Anonymous clients may send 20 requests a minute and 200 a day; a registered
//! application's token raises that to 100 and 10,000. Both the search and the thumbnail count.
//! [`budget`] keeps them on our side: a word takes two requests before anything is sent (one
//! is given back when there is nothing to download); when the minute or the day is used up, the
//! request is **not sent** and the word waits ([`ProviderError::Retryable`] with `rate_limited`
//! and the time until room frees: the worker requeues it without spending an attempt and pauses
//! the provider). The token (`deckmedia key set openverse`) is sent as a bearer token to the
//! configured server only, never logged or put in a message. It is either an access token, or
//! a registered application's `client_id:client_secret`, which is exchanged for an access token
//! (`POST /v1/auth_tokens/token/`, OAuth2 client credentials) on first use and again when that
//! one expires or is refused.

pub mod budget;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;
use unicode_normalization::UnicodeNormalization;

use self::budget::{Budget, Spend};
use super::openai::{connect_message, human_duration, image_from_bytes, read_capped, read_error_body, root_cause};
use super::wikimedia::misses::MissCache;
use super::{http, http_status, licence, MediaBytes, MediaRequest, Provider, ProviderError, ProviderFuture};
use crate::config::{OpenverseConfig, Secret};
use crate::model::{Attribution, MediaKind};

/// The negative-answer cache's file in the data dir.
pub const MISS_CACHE_FILE: &str = "openverse-misses.sqlite3";
/// The request budget's file in the data dir.
pub const BUDGET_FILE: &str = "openverse-budget.json";
/// Openverse's limits for anonymous clients, and with a token.
pub const ANONYMOUS_LIMITS: (u32, u32) = (20, 200);
pub const TOKEN_LIMITS: (u32, u32) = (100, 10_000);
/// Requests in flight at once, at most.
pub const MAX_CONCURRENCY: u32 = 2;
/// Requests one word takes: the search and the thumbnail.
pub const REQUESTS_PER_WORD: u32 = 2;
/// The free licences asked for.
const LICENCES: &str = "cc0,pdm,by,by-sa";

/// What the provider reads the time from: the system clock, or a test's.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        crate::store::now_ms()
    }
}

/// The provider's settings, from `[openverse]`, the image section's timeouts and the key store.
#[derive(Debug, Clone)]
pub struct OpenverseSettings {
    pub url: String,
    pub token: Option<Secret>,
    /// Requests a minute and a day, at most.
    pub per_minute: u32,
    pub per_day: u32,
    /// Sent in the User-Agent (`[wikimedia] contact`: one contact for the public APIs).
    pub contact: String,
    pub negative_cache: Duration,
    pub timeout: Duration,
    pub connect_timeout: Duration,
}

impl OpenverseSettings {
    pub fn from_config(c: &OpenverseConfig, contact: &str, timeout: Duration, connect_timeout: Duration) -> Self {
        let (minute, day) = if c.token.is_some() { TOKEN_LIMITS } else { ANONYMOUS_LIMITS };
        let pick = |set: u32, default: u32| if set == 0 { default } else { set };
        OpenverseSettings {
            url: c.url.trim().trim_end_matches('/').to_string(),
            token: c.token.clone(),
            per_minute: pick(c.requests_per_minute, minute),
            per_day: pick(c.requests_per_day, day),
            contact: contact.trim().to_string(),
            negative_cache: Duration::from_secs(u64::from(c.negative_cache_days) * 86_400),
            timeout,
            connect_timeout,
        }
    }
}

impl Default for OpenverseSettings {
    fn default() -> Self {
        Self::from_config(&OpenverseConfig::default(), "deckmedia@example.org", Duration::from_secs(60), crate::net::DEFAULT_CONNECT_TIMEOUT)
    }
}

pub struct OpenverseProvider {
    settings: OpenverseSettings,
    base: reqwest::Url,
    client: reqwest::Client,
    user_agent: String,
    misses: Arc<MissCache>,
    budget: Mutex<Budget>,
    clock: Arc<dyn Clock>,
    /// The access token got for a `client_id:client_secret`, and when it expires (ms).
    access: tokio::sync::Mutex<Option<(Secret, i64)>>,
}

/// One usable search result.
struct Found {
    thumbnail: String,
    attribution: Attribution,
}

impl OpenverseProvider {
    /// `data_dir`: where the negative-answer cache and the request budget are kept (`None`: in
    /// memory, this process only).
    pub fn new(settings: OpenverseSettings, data_dir: Option<&Path>, clock: Arc<dyn Clock>) -> Result<Self, ProviderError> {
        let base = super::wikimedia::client::endpoint("Openverse URL", &settings.url)?;
        let client = crate::net::client(settings.timeout, settings.connect_timeout, crate::net::is_loopback(&base))
            .map_err(|e| ProviderError::permanent(format!("cannot set up HTTP: {e}")))?;
        let misses = Arc::new(MissCache::open(data_dir.map(|d| d.join(MISS_CACHE_FILE)).as_deref(), settings.negative_cache));
        let budget = Mutex::new(Budget::load(data_dir.map(|d| d.join(BUDGET_FILE)).as_deref(), settings.per_minute, settings.per_day));
        let user_agent = super::wikimedia::user_agent(&settings.contact);
        Ok(OpenverseProvider { settings, base, client, user_agent, misses, budget, clock, access: tokio::sync::Mutex::new(None) })
    }

    async fn find(&self, request: &MediaRequest) -> Result<MediaBytes, ProviderError> {
        if request.kind != MediaKind::Image {
            return Err(ProviderError::permanent("Openverse has pictures only"));
        }
        let gloss = request.translation.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let (query, lang) = match gloss {
            Some(t) => (t.to_string(), "en".to_string()),
            None => (request.text.trim().to_string(), request.language.trim().to_ascii_lowercase()),
        };
        let query: String = query.nfc().take(200).collect();
        let no_match = || ProviderError::no_match(format!("no freely licensed photo of '{}' on Openverse", crate::text::clip(&query)));
        if self.cached_miss(&lang, &query).await {
            return Err(no_match());
        }
        self.spend(REQUESTS_PER_WORD)?;
        let searched = self.search(&query).await.inspect_err(|_| self.refund(1))?;
        let Some(found) = searched else {
            self.refund(1);
            self.remember_miss(&lang, &query).await;
            return Err(no_match());
        };
        let bytes = self.get_bytes(&found.thumbnail).await?;
        let mut media = image_from_bytes(bytes, "Openverse")?;
        media.attribution = Some(found.attribution);
        Ok(media)
    }

    /// Takes `n` requests from the budget, or says how long to wait without sending anything.
    fn spend(&self, n: u32) -> Result<(), ProviderError> {
        let now = self.clock.now_ms();
        let spend = match self.budget.lock() {
            Ok(mut b) => b.take(n, now),
            Err(poisoned) => poisoned.into_inner().take(n, now),
        };
        let (wait, what) = match spend {
            Spend::Granted => return Ok(()),
            Spend::MinuteFull(wait) => (wait, format!("{} requests a minute", self.settings.per_minute)),
            Spend::DayFull(wait) => (wait, format!("{} requests a day", self.settings.per_day)),
        };
        Err(ProviderError::Retryable { message: format!("Openverse's limit of {what} is used up; asking again in {}", human_duration(wait)), retry_after: Some(wait), rate_limited: true })
    }

    fn refund(&self, n: u32) {
        match self.budget.lock() {
            Ok(mut b) => b.refund(n),
            Err(poisoned) => poisoned.into_inner().refund(n),
        }
    }

    /// The first result under a free licence with a thumbnail, or `None`.
    async fn search(&self, query: &str) -> Result<Option<Found>, ProviderError> {
        let mut url = self.base.clone();
        url.set_path(&format!("{}/v1/images/", self.base.path().trim_end_matches('/')));
        url.query_pairs_mut().append_pair("q", query).append_pair("license", LICENCES).append_pair("page_size", "10").append_pair("mature", "false");
        let body = self.get_bytes(url.as_str()).await?;
        let json: Value = serde_json::from_slice(&body).map_err(|_| ProviderError::retryable("Openverse answered with something that is not JSON"))?;
        Ok(results(&json).into_iter().next())
    }

    /// Whether the stored token is a `client_id:client_secret` to exchange.
    fn exchanges(&self) -> bool {
        self.settings.token.as_ref().is_some_and(|t| t.expose().split_once(':').is_some_and(|(i, s)| !i.is_empty() && !s.is_empty()))
    }

    /// The bearer token to send: the stored access token, or the one a stored
    /// `client_id:client_secret` was exchanged for (exchanged now when there is none yet or it
    /// is about to expire). `None` without a token.
    async fn bearer(&self) -> Result<Option<Secret>, ProviderError> {
        let Some(token) = &self.settings.token else { return Ok(None) };
        let Some((id, secret)) = token.expose().split_once(':').filter(|(i, s)| !i.is_empty() && !s.is_empty()) else { return Ok(Some(token.clone())) };
        let mut access = self.access.lock().await;
        let now = self.clock.now_ms();
        if let Some((current, expires)) = access.as_ref().filter(|(_, expires)| *expires - 60_000 > now) {
            tracing::trace!("reusing the Openverse access token until {expires}");
            return Ok(Some(current.clone()));
        }
        let got = self.exchange(id, secret).await?;
        let expires = now + got.1.as_millis() as i64;
        *access = Some((got.0.clone(), expires));
        Ok(Some(got.0))
    }

    /// OAuth2 client credentials → an access token and how long it lasts.
    async fn exchange(&self, id: &str, secret: &str) -> Result<(Secret, Duration), ProviderError> {
        let mut url = self.base.clone();
        url.set_path(&format!("{}/v1/auth_tokens/token/", self.base.path().trim_end_matches('/')));
        let mut form = reqwest::Url::parse("form:").map_err(|e| ProviderError::permanent(e.to_string()))?;
        form.query_pairs_mut().append_pair("grant_type", "client_credentials").append_pair("client_id", id).append_pair("client_secret", secret);
        let body = form.query().unwrap_or("").to_string();
        let request = self.client.post(url.clone()).header(reqwest::header::USER_AGENT, &self.user_agent).header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        let response = request.body(body).send().await.map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        if !status.is_success() {
            let retry_after = response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let _ = read_error_body(response).await;
            // Openverse's own words might echo what was sent: only the status is told.
            return Err(match status.as_u16() {
                400 | 401 | 403 => ProviderError::Account { state: crate::model::AccountState::KeyRejected, message: format!("Openverse refused the client id and secret (HTTP {status})") },
                code => http_status::classify(code, retry_after.as_deref(), ""),
            });
        }
        let bytes = read_capped(response, |e| self.transport_error(e)).await?;
        let json: Value = serde_json::from_slice(&bytes).map_err(|_| ProviderError::retryable("Openverse's token answer is not JSON"))?;
        let token = json.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty()).ok_or_else(|| ProviderError::retryable("Openverse's token answer has no access_token"))?;
        let lasts = json.get("expires_in").and_then(Value::as_u64).unwrap_or(3600);
        Ok((Secret::new(token), Duration::from_secs(lasts)))
    }

    /// A GET to Openverse (the token only to its own host); errors in the queue's terms.
    async fn get_bytes(&self, url: &str) -> Result<Vec<u8>, ProviderError> {
        let parsed = reqwest::Url::parse(url).map_err(|_| ProviderError::permanent(format!("Openverse gave a URL that is not valid: {}", crate::text::clip(url))))?;
        if parsed.scheme() != "https" && !(parsed.scheme() == "http" && crate::net::is_loopback(&parsed)) {
            return Err(ProviderError::permanent(format!("Openverse gave a URL that is not https: {}", crate::text::clip(url))));
        }
        let mut req = self.client.get(parsed.clone()).header(reqwest::header::USER_AGENT, &self.user_agent);
        let same_server = parsed.host_str() == self.base.host_str() && parsed.port_or_known_default() == self.base.port_or_known_default();
        if same_server {
            if let Some(token) = self.bearer().await? {
                req = req.bearer_auth(token.expose());
            }
        }
        let response = req.send().await.map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok());
            return Err(http::redirect_error(status.as_u16(), location, &parsed));
        }
        if !status.is_success() {
            let retry_after = response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body = read_error_body(response).await;
            if status.as_u16() == 401 && self.exchanges() {
                // An exchanged token that expired early: the next attempt gets a new one.
                *self.access.lock().await = None;
                return Err(ProviderError::retryable("Openverse refused its access token (HTTP 401); a new one is asked for next time"));
            }
            return Err(self.http_error(status.as_u16(), retry_after.as_deref(), &body));
        }
        read_capped(response, |e| self.transport_error(e)).await
    }

    /// A 401/403 is a rejected token when one was sent (the provider waits for a new one);
    /// without one it is Openverse refusing anonymous clients (the word fails and says so).
    fn http_error(&self, status: u16, retry_after: Option<&str>, body: &str) -> ProviderError {
        match http_status::classify(status, retry_after, body) {
            ProviderError::Account { message, .. } if self.settings.token.is_none() => ProviderError::permanent(format!(
                "Openverse refused an anonymous request (HTTP {status}: {}); a token raises its limits: deckmedia key set openverse",
                crate::text::clip(&message)
            )),
            other => other,
        }
    }

    fn transport_error(&self, err: &reqwest::Error) -> ProviderError {
        let host = err.url().and_then(|u| u.host_str()).unwrap_or("Openverse").to_string();
        if err.is_connect() {
            ProviderError::unreachable(connect_message(&host, err, self.settings.connect_timeout))
        } else if err.is_timeout() {
            ProviderError::timed_out(format!("Openverse timed out after {}", human_duration(self.settings.timeout)))
        } else {
            ProviderError::retryable(format!("request to {host} failed: {}", root_cause(err)))
        }
    }

    async fn cached_miss(&self, lang: &str, query: &str) -> bool {
        let (misses, lang, query) = (self.misses.clone(), lang.to_string(), query.to_lowercase());
        tokio::task::spawn_blocking(move || misses.checked_at(&lang, &query, crate::store::now_ms()).is_some()).await.unwrap_or(false)
    }

    async fn remember_miss(&self, lang: &str, query: &str) {
        let (misses, lang, query) = (self.misses.clone(), lang.to_string(), query.to_lowercase());
        let _ = tokio::task::spawn_blocking(move || misses.remember(&lang, &query, crate::store::now_ms())).await;
    }
}

/// The results of a search answer that are under a free licence and have a thumbnail, in order.
fn results(json: &Value) -> Vec<Found> {
    let Some(Value::Array(list)) = json.get("results") else { return Vec::new() };
    list.iter().filter_map(found).collect()
}

fn found(r: &Value) -> Option<Found> {
    let text = |k: &str| r.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let code = text("license")?;
    let kind = licence::from_openverse_code(&code)?;
    let thumbnail = text("thumbnail")?;
    let version = text("license_version").map(|v| format!(" {v}")).unwrap_or_default();
    let name = match (kind, code.to_ascii_lowercase().as_str()) {
        (_, "pdm") => format!("Public Domain Mark{version}"),
        (_, "cc0") => format!("CC0{version}"),
        _ => format!("CC {}{version}", code.to_ascii_uppercase()),
    };
    let source_url = text("foreign_landing_url").or_else(|| text("id").map(|id| format!("https://openverse.org/image/{id}"))).unwrap_or_default();
    let author = text("creator").map(|c| crate::text::html_to_plain(&c).chars().take(300).collect()).unwrap_or_default();
    Some(Found { thumbnail, attribution: Attribution { author, licence: name, licence_url: text("license_url"), source_url } })
}

impl Provider for OpenverseProvider {
    fn name(&self) -> &str {
        "openverse"
    }
    fn settings_key(&self) -> String {
        // Never the token: it changes the limits, not the pictures.
        format!("openverse|{}|{LICENCES}|v1", self.settings.url)
    }
    fn limit_key(&self) -> String {
        format!("openverse|{}", self.base.host_str().unwrap_or(""))
    }
    fn generate<'a>(&'a self, request: &'a MediaRequest, cancel: &'a CancellationToken) -> ProviderFuture<'a> {
        Box::pin(super::cancellable(cancel, self.find(request)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_free_results_with_a_thumbnail_are_read_with_their_credit() {
        let answer = json!({"result_count": 3, "page_count": 1, "page_size": 10, "page": 1, "results": [
            {"id": "a1", "title": "Apple", "license": "by-nc", "license_version": "2.0", "thumbnail": "https://api.openverse.org/v1/images/a1/thumb/"},
            {"id": "b2", "title": "Apple", "license": "by-sa", "license_version": "2.0", "creator": "Jo &amp; Ann",
             "license_url": "https://creativecommons.org/licenses/by-sa/2.0/", "foreign_landing_url": "https://www.flickr.com/photos/x/1",
             "thumbnail": "https://api.openverse.org/v1/images/b2/thumb/"},
            {"id": "c3", "license": "pdm", "license_version": "1.0", "thumbnail": "https://api.openverse.org/v1/images/c3/thumb/"}
        ]});
        let found = results(&answer);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].thumbnail, "https://api.openverse.org/v1/images/b2/thumb/");
        let a = &found[0].attribution;
        assert_eq!((a.author.as_str(), a.licence.as_str(), a.source_url.as_str()), ("Jo & Ann", "CC BY-SA 2.0", "https://www.flickr.com/photos/x/1"));
        assert_eq!(found[1].attribution.licence, "Public Domain Mark 1.0");
        assert_eq!(found[1].attribution.source_url, "https://openverse.org/image/c3");
    }
}
