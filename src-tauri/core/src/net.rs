//! The one place an HTTP client is built (OpenAI-compatible servers, ElevenLabs, Wikimedia,
//! AnkiConnect; and the voice downloads) and the rule for plain `http://`. Below the providers
//! and the config, so both can use it.

use std::time::Duration;

/// How long to wait for a connection to open, unless the config says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client for one service: `timeout` for the whole exchange, `connect_timeout` (at most
/// `timeout`) to open the connection, no redirects, and no system proxy when `direct` (a
/// server on this machine).
pub fn client(timeout: Duration, connect_timeout: Duration, direct: bool) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(connect_timeout.min(timeout).max(Duration::from_millis(1)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("deckmedia/", env!("CARGO_PKG_VERSION")));
    if direct {
        builder = builder.no_proxy();
    }
    builder.build()
}

/// A client for public downloads (voice files): no key travels with them, so redirects (to a
/// CDN, as Hugging Face's `resolve` URLs do) are followed; no limit on the whole exchange
/// (files are tens of megabytes), a `read_timeout` between bytes instead.
pub fn download_client(connect_timeout: Duration, read_timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .read_timeout(read_timeout)
        .user_agent(concat!("deckmedia/", env!("CARGO_PKG_VERSION"), " (voice manager)"))
        .build()
}

/// Whether a URL names this machine (`localhost`, `127.0.0.0/8`, `::1`).
pub fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    host.eq_ignore_ascii_case("localhost") || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether plain `http://` may be used for `base_url`, and what to tell the user:
/// * `https://` (or not a URL at all: other checks say so): `Ok(None)`;
/// * `http://` to this machine: `Ok(None)`;
/// * `http://` to a private address (`10/8`, `172.16/12`, `192.168/16`, `100.64/10`,
///   link-local, `fc00::/7`, `fe80::/10`) or a LAN name (one label, `.local`, `.lan`,
///   `.home.arpa`, `.internal`): `Ok(Some(warning))`: the key and the words cross the network
///   unencrypted;
/// * `http://` to anything else: `Err(why)`: a key would cross the internet in clear text.
pub fn plain_http_policy(base_url: &str) -> Result<Option<String>, String> {
    let Ok(url) = reqwest::Url::parse(base_url.trim()) else { return Ok(None) };
    if url.scheme() != "http" {
        return Ok(None);
    }
    let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']).to_ascii_lowercase();
    if is_loopback(&url) || host.ends_with(".localhost") {
        return Ok(None);
    }
    let private = match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_private() || ip.is_link_local() || (ip.octets()[0] == 100 && ip.octets()[1] & 0xc0 == 64),
        Ok(std::net::IpAddr::V6(ip)) => (ip.segments()[0] & 0xfe00) == 0xfc00 || (ip.segments()[0] & 0xffc0) == 0xfe80,
        Err(_) => !host.contains('.') || [".local", ".lan", ".home.arpa", ".internal"].iter().any(|s| host.ends_with(s)),
    };
    let host = crate::text::clip(&host);
    if private {
        Ok(Some(format!("{host} is reached over plain http://: the API key and the words cross your network unencrypted")))
    } else {
        Err(format!("plain http:// is allowed only to this machine or a private network address, not {host}: use https://"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_this_machine_or_a_private_network() {
        for quiet in ["https://api.openai.com/v1", "http://127.0.0.1:8080/v1", "http://localhost:1/v1", "http://[::1]:9/v1", "http://x.localhost/"] {
            assert_eq!(plain_http_policy(quiet), Ok(None), "{quiet}");
        }
        for warned in ["http://192.168.1.20:8080/v1", "http://10.0.0.5/v1", "http://172.20.1.1/", "http://100.101.102.103/", "http://[fd00::1]/", "http://gpu-box:8080/v1", "http://nas.local/v1", "http://ai.home.arpa/"] {
            assert!(plain_http_policy(warned).is_ok_and(|w| w.is_some_and(|w| w.contains("unencrypted"))), "{warned}");
        }
        for refused in ["http://api.openai.com/v1", "http://8.8.8.8/v1", "http://172.32.0.1/", "http://[2001:db8::1]/"] {
            assert!(plain_http_policy(refused).is_err_and(|e| e.contains("https://")), "{refused}");
        }
    }
}
