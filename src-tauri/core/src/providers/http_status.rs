//! HTTP status → [`ProviderError`]: the one table that decides whether an HTTP provider's failure
//! is worth another attempt, and how long the provider asked us to wait (`Retry-After`).
//!
//! Pure functions, no I/O: HTTP providers call [`classify`] with what they read off the wire,
//! and [`rate_budget`] with OpenAI-style rate headers so the worker can slow down before a 429.
//! Messages are short, readable, name the status, quote at most ~200 characters of the
//! provider's own message, and never carry a secret (key-like tokens are masked).

use std::time::{Duration, SystemTime};

use super::ProviderError;
use crate::model::AccountState;

/// The longest wait a `Retry-After` header can impose; a provider asking for more is capped.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// How much of the provider's error message a user sees.
const MAX_MESSAGE_CHARS: usize = 200;

/// Classifies a non-success HTTP answer.
///
/// * a 4xx whose body names a used-up quota or credit (OpenAI `insufficient_quota`,
///   `billing_hard_limit_reached`; ElevenLabs `quota_exceeded`), and any 402: the account is
///   out of quota, since waiting does not refill it ([`ProviderError::Account`]);
/// * 401, 403, or a body saying `invalid_api_key`: the account's key was rejected;
/// * 408, 425, 429, 5xx: retryable (429 sets `rate_limited`), with `Retry-After` when given;
/// * other statuses: permanent.
pub fn classify(status: u16, retry_after: Option<&str>, body_snippet: &str) -> ProviderError {
    if let Some(state) = account_state(status, body_snippet) {
        let detail = provider_message(body_snippet);
        let message = if detail.is_empty() { format!("HTTP {status}") } else { detail };
        return ProviderError::Account { state, message };
    }
    let detail = provider_message(body_snippet);
    let with_detail = |what: &str| {
        if detail.is_empty() {
            format!("{what} (HTTP {status})")
        } else {
            format!("{what} (HTTP {status}): {detail}")
        }
    };
    let retryable = |what: &str, rate_limited: bool| ProviderError::Retryable {
        message: with_detail(what),
        retry_after: retry_after.and_then(|v| parse_retry_after(v, SystemTime::now())),
        rate_limited,
    };
    match status {
        429 => retryable("rate limited by the provider", true),
        408 => retryable("the provider timed out", false),
        425 => retryable("the provider asked to retry later", false),
        500..=599 => retryable("the provider had a server error", false),
        404 => ProviderError::permanent(with_detail("not found; check the base URL and model")),
        400..=499 => ProviderError::permanent(with_detail("the provider refused the request")),
        _ => ProviderError::permanent(with_detail("unexpected answer from the provider")),
    }
}

/// Error codes that mean the account's quota or credit is used up.
const QUOTA_CODES: [&str; 4] = ["insufficient_quota", "billing_hard_limit_reached", "billing_not_active", "quota_exceeded"];
/// Error codes that mean the key itself was refused.
const KEY_CODES: [&str; 2] = ["invalid_api_key", "missing_api_key"];

/// Whether an error answer is about the account rather than this request: a used-up quota
/// (by code, or HTTP 402) or a rejected key (by code, or HTTP 401/403). Only client errors
/// qualify: a 5xx is the server's trouble whatever its body says.
pub fn account_state(status: u16, body: &str) -> Option<AccountState> {
    if !(400..500).contains(&status) {
        return None;
    }
    let codes = error_codes(body);
    let has = |list: &[&str]| codes.iter().any(|c| list.contains(&c.as_str()));
    if status == 402 || has(&QUOTA_CODES) {
        Some(AccountState::OutOfQuota)
    } else if matches!(status, 401 | 403) || has(&KEY_CODES) {
        Some(AccountState::KeyRejected)
    } else {
        None
    }
}

/// The machine-readable codes of an error body: OpenAI's `error.code` and `error.type`,
/// ElevenLabs' `detail.status`.
fn error_codes(body: &str) -> Vec<String> {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(body) else { return Vec::new() };
    let error = json.get("error");
    let detail = json.get("detail");
    [error.and_then(|e| e.get("code")), error.and_then(|e| e.get("type")), detail.and_then(|d| d.get("status"))]
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// Parses a `Retry-After` value: delta-seconds (`120`) or an HTTP-date, relative to `now`.
/// A date in the past means "now" (zero). Capped to [`MAX_RETRY_AFTER`]. `None` when invalid.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: an overflowing number is still "a very long time".
        Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// The server's request budget as its rate headers state it: `remaining` requests may start
/// before `reset` from now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateBudget {
    pub remaining: u32,
    pub reset: Duration,
}

/// The header names of OpenAI's request budget (others, e.g. Groq and Together, use the same).
pub const REMAINING_REQUESTS: &str = "x-ratelimit-remaining-requests";
pub const RESET_REQUESTS: &str = "x-ratelimit-reset-requests";

/// Reads `x-ratelimit-remaining-requests` (a count) and `x-ratelimit-reset-requests` (a Go-style
/// duration, `1s`, `6m0s`, `20ms`, or plain seconds). `None` unless both are present and valid:
/// a count without a reset time says nothing about when to go on.
pub fn rate_budget(remaining: Option<&str>, reset: Option<&str>) -> Option<RateBudget> {
    let remaining = remaining?.trim().parse::<u64>().ok()?;
    let reset = parse_reset(reset?)?;
    Some(RateBudget { remaining: u32::try_from(remaining).unwrap_or(u32::MAX), reset })
}

/// Parses a reset time: Go's duration format (`1h2m3.5s`, `6m0s`, `20ms`, `1.5s`, `250us`) or a
/// bare number of seconds. Capped to [`MAX_RETRY_AFTER`]; `None` when invalid.
pub fn parse_reset(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(MAX_RETRY_AFTER.as_secs_f64())));
    }
    let mut total = 0f64;
    let mut rest = value;
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * seconds_per_unit;
    }
    (!value.is_empty() && total.is_finite()).then(|| Duration::from_secs_f64(total.min(MAX_RETRY_AFTER.as_secs_f64())))
}

/// The provider's own error message from an error body: OpenAI's `{"error":{"message":..}}`,
/// ElevenLabs' `{"detail":{"message":..}}`, `{"error":".."}`, `{"message":..}` or
/// `{"detail":..}`, else the body's text. Whitespace is
/// collapsed, key-like tokens are masked, and the result is cut to about 200 characters.
pub fn provider_message(body: &str) -> String {
    let from_json = serde_json::from_str::<serde_json::Value>(body).ok().and_then(|json| {
        let error = json.get("error");
        let detail = json.get("detail");
        [error.and_then(|e| e.get("message")), detail.and_then(|d| d.get("message")), error, json.get("message"), detail]
            .into_iter()
            .flatten()
            .find_map(|v| v.as_str().map(str::to_owned))
    });
    let text = from_json.unwrap_or_else(|| body.to_owned());
    let words: Vec<String> = text.split_whitespace().map(mask_secret).collect();
    truncate(&words.join(" "), MAX_MESSAGE_CHARS)
}

/// Masks a token that looks like an API key (`sk-...`, long opaque strings). Providers echo
/// (partly masked) keys in their 401 messages; we never pass even a fragment on.
fn mask_secret(word: &str) -> String {
    let core = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '_' && c != '*');
    let key_like = core.starts_with("sk-")
        || core.starts_with("sk_")
        || (core.len() >= 32 && core.chars().all(|c| c.is_ascii_alphanumeric() || "-_*.".contains(c)));
    if key_like && !core.is_empty() {
        word.replace(core, "***")
    } else {
        word.to_owned()
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPENAI_BODY: &str = r#"{"error":{"message":"Something went wrong.","type":"server_error","code":null}}"#;

    #[derive(Clone, Copy, Debug)]
    enum Expect {
        /// Retryable with this `retry_after` (seconds) and `rate_limited`.
        Retry(Option<u64>, bool),
        Permanent,
    }
    use Expect::{Permanent, Retry};

    #[test]
    fn statuses_map_to_retryable_or_permanent() {
        let table = [
            (408, None, Retry(None, false)),
            (425, None, Retry(None, false)),
            (429, None, Retry(None, true)),
            (429, Some("30"), Retry(Some(30), true)),
            (500, None, Retry(None, false)),
            (502, None, Retry(None, false)),
            (503, Some("5"), Retry(Some(5), false)),
            (503, Some("soon"), Retry(None, false)),
            (599, None, Retry(None, false)),
            (400, None, Permanent),
            (400, Some("10"), Permanent),
            (404, None, Permanent),
            (413, None, Permanent),
            (422, None, Permanent),
            (300, None, Permanent),
        ];
        for (status, header, expected) in table {
            let got = classify(status, header, OPENAI_BODY);
            match (expected, &got) {
                (Retry(secs, limited), ProviderError::Retryable { retry_after, rate_limited, message }) => {
                    assert_eq!(*retry_after, secs.map(Duration::from_secs), "{status} {header:?}");
                    assert_eq!(*rate_limited, limited, "{status}");
                    assert!(message.contains(&format!("HTTP {status}")), "{message}");
                }
                (Permanent, ProviderError::Permanent { message }) => {
                    assert!(message.contains(&format!("HTTP {status}")), "{message}");
                }
                _ => panic!("{status} {header:?}: expected {expected:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn rejected_key_says_so_and_does_not_echo_it() {
        let body = r#"{"error":{"message":"Incorrect API key provided: sk-proj-abc***wxyz. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#;
        for status in [401, 403] {
            let ProviderError::Account { state, message } = classify(status, None, body) else { panic!() };
            assert_eq!(state, AccountState::KeyRejected);
            assert!(message.starts_with("Incorrect API key provided"), "{message}");
            assert!(!message.contains("abc") && !message.contains("wxyz"), "{message}");
        }
    }

    /// Account states in each provider's real error shape; plain rate limits stay rate limits.
    #[test]
    fn account_faults_are_told_apart_from_rate_limits() {
        const OPENAI_QUOTA: &str = r#"{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#;
        const OPENAI_BILLING: &str = r#"{"error":{"message":"Billing hard limit has been reached","type":"invalid_request_error","param":null,"code":"billing_hard_limit_reached"}}"#;
        const OPENAI_RATE: &str = r#"{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#;
        const ELEVEN_QUOTA: &str = r#"{"detail":{"status":"quota_exceeded","message":"This request exceeds your quota of 10000. You have 3 credits remaining, while 12 credits are required for this request."}}"#;
        const ELEVEN_KEY: &str = r#"{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}"#;
        const ELEVEN_BUSY: &str = r#"{"detail":{"status":"too_many_concurrent_requests","message":"Too many concurrent requests."}}"#;
        #[derive(Debug, PartialEq)]
        enum Got {
            Account(AccountState, String),
            RateLimit(Option<u64>),
            Other,
        }
        use AccountState::{KeyRejected, OutOfQuota};
        let table: &[(u16, Option<&str>, &str, Got)] = &[
            (429, None, OPENAI_QUOTA, Got::Account(OutOfQuota, "You exceeded your current quota".into())),
            (429, Some("10"), OPENAI_QUOTA, Got::Account(OutOfQuota, "You exceeded your current quota".into())),
            (400, None, OPENAI_BILLING, Got::Account(OutOfQuota, "Billing hard limit".into())),
            (402, None, "", Got::Account(OutOfQuota, "HTTP 402".into())),
            (402, None, r#"{"message":"Payment required"}"#, Got::Account(OutOfQuota, "Payment required".into())),
            (401, None, ELEVEN_QUOTA, Got::Account(OutOfQuota, "This request exceeds your quota".into())),
            (401, None, ELEVEN_KEY, Got::Account(KeyRejected, "Invalid API key".into())),
            (400, None, ELEVEN_KEY, Got::Account(KeyRejected, "Invalid API key".into())),
            (401, None, OPENAI_BODY, Got::Account(KeyRejected, "Something went wrong.".into())),
            (403, None, "forbidden", Got::Account(KeyRejected, "forbidden".into())),
            (429, None, OPENAI_RATE, Got::RateLimit(None)),
            (429, Some("7"), OPENAI_RATE, Got::RateLimit(Some(7))),
            (429, None, ELEVEN_BUSY, Got::RateLimit(None)),
            (429, None, "", Got::RateLimit(None)),
            (500, None, OPENAI_QUOTA, Got::Other),
            (400, None, OPENAI_BODY, Got::Other),
        ];
        for (status, header, body, expected) in table {
            let got = match classify(*status, *header, body) {
                ProviderError::Account { state, message } => {
                    let Got::Account(_, prefix) = expected else { panic!("{status} {body}: got {state:?} {message}") };
                    assert!(message.starts_with(prefix.as_str()), "{status}: {message}");
                    Got::Account(state, prefix.clone())
                }
                ProviderError::Retryable { rate_limited: true, retry_after, .. } => Got::RateLimit(retry_after.map(|d| d.as_secs())),
                _ => Got::Other,
            };
            assert_eq!(&got, expected, "{status} {header:?} {body}");
        }
    }

    #[test]
    fn messages_quote_the_provider_briefly() {
        let ProviderError::Retryable { message, .. } = classify(500, None, OPENAI_BODY) else { panic!() };
        assert_eq!(message, "the provider had a server error (HTTP 500): Something went wrong.");
        let long = format!(r#"{{"error":{{"message":"{}"}}}}"#, "é".repeat(1000));
        let message = classify(400, None, &long).to_string();
        assert!(message.chars().count() < 260, "{}", message.chars().count());
        assert_eq!(classify(502, None, "").to_string(), "the provider had a server error (HTTP 502)");
        assert_eq!(
            classify(502, None, "<html>\n  Bad   gateway\n</html>").to_string(),
            "the provider had a server error (HTTP 502): <html> Bad gateway </html>"
        );
    }

    #[test]
    fn provider_message_reads_common_error_shapes() {
        let table = [
            (r#"{"error":{"message":"a"}}"#, "a"),
            (r#"{"error":"b"}"#, "b"),
            (r#"{"message":"c"}"#, "c"),
            (r#"{"detail":"d"}"#, "d"),
            (r#"{"detail":{"status":"quota_exceeded","message":"e"}}"#, "e"),
            ("plain text", "plain text"),
            ("Bearer sk-live-1234567890", "Bearer ***"),
            ("token 0123456789abcdef0123456789abcdef.", "token ***."),
        ];
        for (body, expected) in table {
            assert_eq!(provider_message(body), expected, "{body}");
        }
    }

    #[test]
    fn rate_headers_read_openais_names_and_formats() {
        let table: &[(&str, Option<u64>)] = &[
            ("1s", Some(1_000)),
            ("6m0s", Some(360_000)),
            ("20ms", Some(20)),
            ("1.5s", Some(1_500)),
            ("1m2.5s", Some(62_500)),
            ("250us", Some(0)),
            ("2", Some(2_000)),
            ("0.25", Some(250)),
            ("48h", Some(3_600_000)),
            ("", None),
            ("soon", None),
            ("5x", None),
            ("-1s", None),
            ("s", None),
        ];
        for &(value, expected) in table {
            assert_eq!(parse_reset(value).map(|d| d.as_millis() as u64), expected, "{value:?}");
        }
        assert_eq!(rate_budget(Some("0"), Some("20ms")), Some(RateBudget { remaining: 0, reset: Duration::from_millis(20) }));
        assert_eq!(rate_budget(Some(" 59 "), Some("1s")), Some(RateBudget { remaining: 59, reset: Duration::from_secs(1) }));
        assert_eq!(rate_budget(Some("99999999999"), Some("1s")).map(|b| b.remaining), Some(u32::MAX));
        assert_eq!(rate_budget(Some("3"), None), None, "no reset time: no budget");
        assert_eq!(rate_budget(None, Some("1s")), None);
        assert_eq!(rate_budget(Some("many"), Some("1s")), None);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_is_capped() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        let table: &[(&str, Option<u64>)] = &[
            ("0", Some(0)),
            ("120", Some(120)),
            (" 7 ", Some(7)),
            ("3600", Some(3600)),
            ("86400", Some(3600)),
            ("99999999999999999999999", Some(3600)),
            ("Wed, 21 Oct 2015 07:28:30 GMT", Some(30)),
            ("Wed, 21 Oct 2015 07:27:00 GMT", Some(0)),
            ("Thu, 22 Oct 2015 07:28:00 GMT", Some(3600)),
            ("-5", None),
            ("1.5", None),
            ("", None),
            ("tomorrow", None),
        ];
        for &(value, expected) in table {
            assert_eq!(parse_retry_after(value, now), expected.map(Duration::from_secs), "{value:?}");
        }
    }
}
