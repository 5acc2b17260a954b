//! HTTP to Wikimedia's APIs as both Wikimedia providers (recordings and photos) speak it: the
//! User-Agent with a contact, `format=json` and `maxlag` on every call, a `maxlag` answer (or a
//! 429) as a retryable wait of the server's `Retry-After`, redirects never followed, answers
//! read with a size cap, downloads from `https://` only (or this machine, for tests).

use std::time::Duration;

use serde_json::Value;

use super::api;
use crate::providers::openai::{connect_message, human_duration, read_capped, read_error_body, root_cause};
use crate::providers::{http, http_status, ProviderError};

/// The wait a `maxlag` answer without `Retry-After` gets (MediaWiki sends one; 5 s is its usual).
const DEFAULT_MAXLAG_WAIT: Duration = Duration::from_secs(5);

/// The User-Agent Wikimedia's policy asks for: the app, its version, where it lives, a contact.
pub fn user_agent(contact: &str) -> String {
    let contact: String = contact.chars().filter(|c| !c.is_control() && !matches!(c, '(' | ')' | ';')).collect();
    format!("Deck Media/{} (https://github.com/deckmedia/deckmedia; {})", env!("CARGO_PKG_VERSION"), contact.trim())
}

/// An http(s) URL from the configuration, or an error naming the setting.
pub fn endpoint(what: &str, url: &str) -> Result<reqwest::Url, ProviderError> {
    let bad = || ProviderError::permanent(format!("the {what} '{}' is not a valid http(s) URL", crate::text::clip(url)));
    let parsed = reqwest::Url::parse(url).map_err(|_| bad())?;
    if !["http", "https"].contains(&parsed.scheme()) {
        return Err(bad());
    }
    Ok(parsed)
}

/// `https://commons.wikimedia.org/wiki/File:…` for a Commons API at `…/w/api.php`.
pub fn file_page(commons: &reqwest::Url, title: &str) -> String {
    let mut page = commons.clone();
    page.set_query(None);
    page.set_path(&format!("/wiki/{}", title.replace(' ', "_")));
    page.to_string()
}

/// One HTTP client for Wikimedia's servers.
pub struct WikiClient {
    client: reqwest::Client,
    user_agent: String,
    timeout: Duration,
    connect_timeout: Duration,
}

impl WikiClient {
    /// `direct`: every endpoint is on this machine (no proxy).
    pub fn new(contact: &str, timeout: Duration, connect_timeout: Duration, direct: bool) -> Result<WikiClient, ProviderError> {
        let client = crate::net::client(timeout, connect_timeout, direct).map_err(|e| ProviderError::permanent(format!("cannot set up HTTP: {e}")))?;
        Ok(WikiClient { client, user_agent: user_agent(contact), timeout, connect_timeout })
    }

    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// One API call: `format=json`, `maxlag`, our User-Agent; errors in the queue's terms.
    pub async fn api(&self, endpoint: &reqwest::Url, params: &[(&'static str, String)]) -> Result<Value, ProviderError> {
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
    pub async fn download(&self, url: &str) -> Result<Vec<u8>, ProviderError> {
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
            ProviderError::unreachable(connect_message(&host, err, self.connect_timeout))
        } else if err.is_timeout() {
            ProviderError::timed_out(format!("Wikimedia timed out after {}", human_duration(self.timeout)))
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

/// An HTTP error from Wikimedia in the queue's terms. No key is sent, so a 401/403 is not a
/// rejected key (which would pause the provider waiting for a new one): Wikimedia refuses
/// clients it has blocked, e.g. a User-Agent without a contact. The word fails and says what to
/// change.
pub(super) fn http_error(status: u16, retry_after: Option<&str>, body: &str) -> ProviderError {
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
