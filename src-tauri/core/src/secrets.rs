//! API keys: kept in the OS keychain (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows) through the `keyring` crate; where no keychain answers (a headless Linux
//! without a Secret Service), in a per-user file readable only by its owner (0600), with a
//! warning. Keys never go to the database, `config.toml`, logs, errors or events.
//!
//! `DECKMEDIA_KEYSTORE=file` forces the file (scripts, tests); environment variables
//! (`DECKMEDIA_API_KEY`, ...) override whatever is stored.
//!
//! **A stored key follows the server, not the provider's name.** Entries are named
//! `<provider>@<host[:port]>` after the base URL the key was saved for ([`entry_name`]), so
//! pointing `openai` at another server does not hand it the key saved for api.openai.com: that
//! server needs its own key. Entries from before (`openai`, `elevenlabs`) are still read, for
//! the provider's default server only ([`stored_key`]).
//!
//! Child processes never inherit a key: [`scrub_env`] names the variables to remove.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::Secret;
use crate::error::{Error, Result};
use crate::model::ProviderKind;

const SERVICE: &str = "deckmedia";

/// Where keys are kept.
pub trait KeyStore: Send + Sync {
    fn get(&self, name: &str) -> Result<Option<Secret>>;
    fn set(&self, name: &str, key: &Secret) -> Result<()>;
    /// Returns whether there was a key.
    fn delete(&self, name: &str) -> Result<bool>;
    /// Where, for people: "the system keychain" or the file's path.
    fn describe(&self) -> String;
}

/// The OS keychain.
pub struct SystemKeyring;

impl SystemKeyring {
    /// The keychain, when one answers.
    pub fn probe() -> Option<SystemKeyring> {
        let entry = keyring::Entry::new(SERVICE, "probe").ok()?;
        match entry.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => Some(SystemKeyring),
            Err(_) => None,
        }
    }
}

fn keyring_error(action: &str, e: keyring::Error) -> Error {
    // keyring's messages name the store and the failure, never the secret.
    Error::Config(format!("cannot {action} the key in the system keychain: {e}"))
}

impl KeyStore for SystemKeyring {
    fn get(&self, name: &str) -> Result<Option<Secret>> {
        let entry = keyring::Entry::new(SERVICE, name).map_err(|e| keyring_error("read", e))?;
        match entry.get_password() {
            Ok(k) => Ok(Some(Secret::new(k))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error("read", e)),
        }
    }
    fn set(&self, name: &str, key: &Secret) -> Result<()> {
        let entry = keyring::Entry::new(SERVICE, name).map_err(|e| keyring_error("store", e))?;
        entry.set_password(key.expose()).map_err(|e| keyring_error("store", e))
    }
    fn delete(&self, name: &str) -> Result<bool> {
        let entry = keyring::Entry::new(SERVICE, name).map_err(|e| keyring_error("delete", e))?;
        match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(keyring_error("delete", e)),
        }
    }
    fn describe(&self) -> String {
        "the system keychain".into()
    }
}

/// A JSON file `{ name: key }`, mode 0600, replaced atomically on each change.
pub struct FileKeyStore {
    path: PathBuf,
}

impl FileKeyStore {
    pub fn new(path: impl Into<PathBuf>) -> FileKeyStore {
        FileKeyStore { path: path.into() }
    }

    fn read(&self) -> Result<BTreeMap<String, String>> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|_| Error::Config(format!("{} is not a valid key file; delete it and store the keys again", self.path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(Error::io("cannot read", &self.path, e)),
        }
    }

    fn write(&self, keys: &BTreeMap<String, String>) -> Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
        let tmp = self.path.with_extension(format!("tmp-{}", std::process::id()));
        let body = serde_json::to_vec_pretty(keys).map_err(|e| Error::Config(format!("cannot encode keys: {e}")))?;
        let result = (|| -> std::io::Result<()> {
            use std::io::Write;
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(&tmp)?;
            f.write_all(&body)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::io("cannot write", &self.path, e));
        }
        Ok(())
    }
}

impl KeyStore for FileKeyStore {
    fn get(&self, name: &str) -> Result<Option<Secret>> {
        Ok(self.read()?.remove(name).map(Secret::new))
    }
    fn set(&self, name: &str, key: &Secret) -> Result<()> {
        let mut keys = self.read()?;
        keys.insert(name.to_string(), key.expose().to_string());
        self.write(&keys)
    }
    fn delete(&self, name: &str) -> Result<bool> {
        let mut keys = self.read()?;
        let had = keys.remove(name).is_some();
        if had {
            self.write(&keys)?;
        }
        Ok(had)
    }
    fn describe(&self) -> String {
        format!("{} (readable only by you)", self.path.display())
    }
}

/// The key store for a data dir: the OS keychain when it answers, else `<data dir>/keys.json`
/// with a warning to show the user. `DECKMEDIA_KEYSTORE=file` skips the keychain.
pub fn default_store(data_dir: &Path) -> (Box<dyn KeyStore>, Option<String>) {
    let file = || Box::new(FileKeyStore::new(data_dir.join("keys.json")));
    if std::env::var("DECKMEDIA_KEYSTORE").is_ok_and(|v| v == "file") {
        return (file(), None);
    }
    match SystemKeyring::probe() {
        Some(k) => (Box::new(k), None),
        None => {
            let store = file();
            let warning = format!("no system keychain answered; API keys are kept in {}", store.describe());
            (store, Some(warning))
        }
    }
}

/// The base URL a key for `provider` at `base_url` goes to (see [`crate::config::effective_base_url`]).
fn effective_base(provider: &str, base_url: &str) -> String {
    match provider.parse::<ProviderKind>() {
        Ok(kind) => crate::config::effective_base_url(kind, base_url),
        Err(_) => base_url.trim().to_string(),
    }
}

/// The server a key for `provider` at `base_url` is sent to: `host` or `host:port` (a port
/// only when it is not the scheme's default), lower case. `None` when the URL names no host.
pub fn key_host(provider: &str, base_url: &str) -> Option<String> {
    let url = reqwest::Url::parse(&effective_base(provider, base_url)).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// The provider's own server, where keys saved before keys were scoped by server belong.
fn default_host(provider: &str) -> Option<String> {
    key_host(provider, "")
}

/// The key store entry for `provider`'s key at `host`.
pub fn entry_name(provider: &str, host: &str) -> String {
    format!("{provider}@{host}")
}

/// The key stored for `provider` talking to `base_url`: the entry for that server, else (for the
/// provider's default server only) an entry saved before keys were scoped by server.
pub fn stored_key(store: &dyn KeyStore, provider: &str, base_url: &str) -> Result<Option<Secret>> {
    let Some(host) = key_host(provider, base_url) else { return Ok(None) };
    if let Some(key) = store.get(&entry_name(provider, &host))? {
        return Ok(Some(key));
    }
    if default_host(provider).as_deref() == Some(host.as_str()) {
        return store.get(provider);
    }
    Ok(None)
}

/// Whether an environment variable may hold a key: `DECKMEDIA_…KEY…` (any case), which no
/// child process (`espeak-ng`, the file manager) is given.
pub fn is_secret_var(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy().to_ascii_uppercase();
    name.starts_with("DECKMEDIA_") && name.contains("KEY")
}

/// The variables of this process that [`is_secret_var`]: remove each from a child's
/// environment (`Command::env_remove`) before spawning it.
pub fn scrub_env() -> Vec<std::ffi::OsString> {
    std::env::vars_os().map(|(k, _)| k).filter(|k| is_secret_var(k)).collect()
}

/// Checks a key before storing it: not empty, one line, printable.
pub fn clean_key(key: &str) -> Result<Secret> {
    let k = key.trim();
    if k.is_empty() {
        return Err(Error::invalid("the key is empty"));
    }
    if k.len() > 4096 || k.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::invalid("the key must be one line of printable characters"));
    }
    Ok(Secret::new(k))
}

/// Shows that a key is there without showing it: `…abcd`.
pub fn masked(key: &Secret) -> String {
    let k = key.expose();
    let tail: String = k.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    if k.chars().count() <= 8 { "…".into() } else { format!("…{tail}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_round_trips_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileKeyStore::new(dir.path().join("keys.json"));
        assert_eq!(store.get("openai").unwrap(), None);
        store.set("openai", &Secret::new("sk-abc123456789")).unwrap();
        assert_eq!(store.get("openai").unwrap().map(|k| k.expose().to_string()), Some("sk-abc123456789".into()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("keys.json")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(store.delete("openai").unwrap());
        assert!(!store.delete("openai").unwrap());
        assert_eq!(store.get("openai").unwrap(), None);
    }

    #[test]
    fn a_stored_key_belongs_to_one_server() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileKeyStore::new(dir.path().join("keys.json"));
        // Saved before keys were scoped: still the key of the provider's own server.
        store.set("openai", &Secret::new("sk-legacy-key-000")).unwrap();
        let get = |p: &str, base: &str| stored_key(&store, p, base).unwrap().map(|k| k.expose().to_string());
        assert_eq!(get("openai", "https://api.openai.com/v1").as_deref(), Some("sk-legacy-key-000"));
        assert_eq!(get("openai", "HTTPS://API.OPENAI.COM:443/v1/").as_deref(), Some("sk-legacy-key-000"));
        assert_eq!(get("openai", "https://evil.example.com/v1"), None, "another server gets nothing");
        assert_eq!(get("openai", "http://127.0.0.1:8080/v1"), None);
        store.set(&entry_name("openai", "127.0.0.1:8080"), &Secret::new("sk-local-key-111")).unwrap();
        assert_eq!(get("openai", "http://127.0.0.1:8080/v1").as_deref(), Some("sk-local-key-111"));
        assert_eq!(get("openai", "http://127.0.0.1:8081/v1"), None, "the port is part of the server");
        // ElevenLabs on the OpenAI default means ElevenLabs' own server.
        assert_eq!(key_host("elevenlabs", "https://api.openai.com/v1").as_deref(), Some("api.elevenlabs.io"));
        assert_eq!(key_host("openai", "not a url"), None);
    }

    #[test]
    fn only_key_variables_are_scrubbed() {
        for secret in ["DECKMEDIA_API_KEY", "DECKMEDIA_IMAGE_API_KEY", "deckmedia_audio_api_key", "DECKMEDIA_ANKI_KEY"] {
            assert!(is_secret_var(std::ffi::OsStr::new(secret)), "{secret}");
        }
        for plain in ["DECKMEDIA_ESPEAK", "DECKMEDIA_LOG", "PATH", "OPENAI_API_KEY_HINT"] {
            assert!(!is_secret_var(std::ffi::OsStr::new(plain)), "{plain}");
        }
    }

    #[test]
    fn keys_are_checked_and_masked() {
        assert!(clean_key("  ").is_err());
        assert!(clean_key("sk-a b").is_err());
        assert_eq!(masked(&clean_key(" sk-1234567890abcd\n").unwrap()), "…abcd");
        assert_eq!(masked(&Secret::new("short")), "…");
    }
}
