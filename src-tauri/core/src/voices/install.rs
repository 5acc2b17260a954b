//! Installing a voice: its files fetched from `<voices URL>/<path>` into
//! `voices/.partial/<key>/`, each checked against the catalogue's size and MD5 digest, then the
//! finished folder renamed to `voices/<key>/` (files fsynced first, the manifest written last).
//!
//! After a crash or a cancel the partial folder stays: the next install of the same voice
//! resumes a `.part` file with an HTTP `Range` request (or starts it again when the server
//! ignores ranges), and reuses files already verified. A file whose digest does not match is
//! deleted and the install fails: nothing unverified is ever placed under a voice's key.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use md5::{Digest, Md5};
use tokio_util::sync::CancellationToken;

use super::catalogue::{Catalogue, CatalogueVoice, VoiceFile, VoiceKey};
use super::store::{InstalledVoice, VoiceStore, MANIFEST};
use super::VoiceError;
use crate::model::VoiceInstallState;
use crate::events::Event;

/// Progress of one install, reported at most every [`PROGRESS_EVERY`] and once at the end.
#[derive(Debug, Clone, PartialEq)]
pub struct InstallProgress {
    pub key: VoiceKey,
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// From this run's download speed; `None` until there is one.
    pub eta: Option<Duration>,
}

/// The largest `voices.json` accepted (the public one is about 1.5 MB).
pub const MAX_CATALOGUE_BYTES: usize = 32 * 1024 * 1024;

/// How often progress is reported while downloading.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// Fetches the catalogue and installs voices from one base URL into one data dir.
#[derive(Debug, Clone)]
pub struct VoiceManager {
    store: VoiceStore,
    base_url: String,
    client: reqwest::Client,
}

impl VoiceManager {
    /// A manager for `<data dir>/voices` and the catalogue at `base_url` (see [`super::voices_url`]).
    pub fn new(data_dir: &Path, base_url: &str) -> Result<VoiceManager, VoiceError> {
        let client = crate::net::download_client(Duration::from_secs(15), Duration::from_secs(60))
            .map_err(|e| VoiceError::Unreachable { url: base_url.to_string(), message: e.to_string() })?;
        Ok(VoiceManager { store: VoiceStore::in_data_dir(data_dir), base_url: base_url.trim_end_matches('/').to_string(), client })
    }

    pub fn store(&self) -> &VoiceStore {
        &self.store
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `<voices URL>/voices.json`, parsed.
    pub async fn catalogue(&self) -> Result<Catalogue, VoiceError> {
        let url = format!("{}/voices.json", self.base_url);
        let resp = self.get(&url, None).await?;
        let body = resp.bytes().await.map_err(|e| VoiceError::Unreachable { url: url.clone(), message: e.to_string() })?;
        if body.len() > MAX_CATALOGUE_BYTES {
            return Err(VoiceError::Catalogue { url, message: format!("{} bytes is more than a catalogue can be", body.len()) });
        }
        Catalogue::parse(&body).map_err(|e| VoiceError::Catalogue { url, message: e.to_string() })
    }

    /// The voice's model card (dataset, licence), fetched so it can be shown before install;
    /// `None` when the catalogue lists none. At most 64 KiB of it is read.
    pub async fn model_card(&self, entry: &CatalogueVoice) -> Result<Option<String>, VoiceError> {
        let files = entry.install_files().unwrap_or_default();
        let Some((_, path, _, _)) = files.iter().find(|f| f.0 == super::catalogue::FileRole::ModelCard) else { return Ok(None) };
        let url = format!("{}/{}", self.base_url, path);
        let body = self.get(&url, None).await?.bytes().await.map_err(|e| VoiceError::Unreachable { url, message: e.to_string() })?;
        let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]).into_owned();
        Ok(Some(text))
    }

    /// Installs `key` from the catalogue, reporting progress. Cancelling keeps what was
    /// downloaded for the next attempt.
    pub async fn install(
        &self,
        key: &VoiceKey,
        progress: &(dyn Fn(&InstallProgress) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<InstalledVoice, VoiceError> {
        let catalogue = self.catalogue().await?;
        let entry = catalogue.get(key).ok_or_else(|| VoiceError::UnknownVoice(key.to_string()))?.clone();
        self.install_entry(&entry, progress, cancel).await
    }

    /// Installs one catalogue entry (already fetched).
    pub async fn install_entry(
        &self,
        entry: &CatalogueVoice,
        progress: &(dyn Fn(&InstallProgress) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<InstalledVoice, VoiceError> {
        let files = entry.install_files().ok_or_else(|| VoiceError::UnknownVoice(entry.key.to_string()))?;
        if self.store.manifest(&entry.key).as_ref() == Some(entry) {
            if let Some(installed) = self.store.get(&entry.key) {
                return Ok(installed); // the same files are installed already
            }
        }
        let partial = self.store.partial_dir(&entry.key);
        std::fs::create_dir_all(&partial).map_err(|e| VoiceError::io("cannot create", &partial, e))?;
        let mut meter = Meter::new(entry.key.clone(), entry.download_size(), progress);
        for (_, path, name, file) in &files {
            let url = format!("{}/{}", self.base_url, path);
            self.fetch_verified(&url, &partial, name, file, &mut meter, cancel).await?;
        }
        meter.report(true);
        let store = self.store.clone();
        let entry = entry.clone();
        tokio::task::spawn_blocking(move || place(&store, &entry))
            .await
            .map_err(|e| VoiceError::io("cannot finish install in", Path::new("voices"), std::io::Error::other(e.to_string())))?
    }

    /// One file into `dir/name`: kept when already there and verified, else downloaded
    /// (resumed from `name.part`), fsynced and checked.
    async fn fetch_verified(
        &self,
        url: &str,
        dir: &Path,
        name: &str,
        file: &VoiceFile,
        meter: &mut Meter<'_>,
        cancel: &CancellationToken,
    ) -> Result<(), VoiceError> {
        let done = dir.join(name);
        if done.is_file() && verify(&done, name, file).await.is_ok() {
            meter.add(file.size_bytes);
            return Ok(());
        }
        let part = dir.join(format!("{name}.part"));
        self.download(url, &part, file.size_bytes, meter, cancel).await?;
        if let Err(e) = verify(&part, name, file).await {
            let _ = std::fs::remove_file(&part);
            return Err(e);
        }
        std::fs::rename(&part, &done).map_err(|e| VoiceError::io("cannot rename", &part, e))
    }

    /// Downloads `url` into `part`, resuming from its current length with `Range`.
    async fn download(&self, url: &str, part: &Path, expected: u64, meter: &mut Meter<'_>, cancel: &CancellationToken) -> Result<(), VoiceError> {
        let mut have = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
        if have > expected {
            std::fs::remove_file(part).map_err(|e| VoiceError::io("cannot remove", part, e))?;
            have = 0;
        }
        if have == expected && expected > 0 {
            meter.add(have);
            return Ok(());
        }
        let resp = self.get(url, (have > 0).then_some(have)).await?;
        let resumed = have > 0 && resp.status() == reqwest::StatusCode::PARTIAL_CONTENT;
        let mut out = std::fs::OpenOptions::new()
            .create(true)
            .append(resumed)
            .write(true)
            .truncate(!resumed)
            .open(part)
            .map_err(|e| VoiceError::io("cannot write", part, e))?;
        meter.add(if resumed { have } else { 0 });
        let limit = expected.saturating_sub(if resumed { have } else { 0 });
        stream_into(resp, &mut out, part, url, limit, meter, cancel).await?;
        out.sync_all().map_err(|e| VoiceError::io("cannot write", part, e))
    }

    async fn get(&self, url: &str, from: Option<u64>) -> Result<reqwest::Response, VoiceError> {
        let mut req = self.client.get(url);
        if let Some(from) = from {
            req = req.header(reqwest::header::RANGE, format!("bytes={from}-"));
        }
        let resp = req.send().await.map_err(|e| VoiceError::Unreachable { url: url.to_string(), message: e.without_url().to_string() })?;
        let status = resp.status();
        if status.is_success() {
            Ok(resp)
        } else if status == reqwest::StatusCode::RANGE_NOT_SATISFIABLE && from.is_some() {
            // Our partial file is not a prefix the server knows: start the file again.
            Box::pin(self.get(url, None)).await
        } else {
            Err(VoiceError::Http { url: url.to_string(), status: status.as_u16() })
        }
    }
}

async fn stream_into(
    mut resp: reqwest::Response,
    out: &mut std::fs::File,
    part: &Path,
    url: &str,
    limit: u64,
    meter: &mut Meter<'_>,
    cancel: &CancellationToken,
) -> Result<(), VoiceError> {
    let mut written = 0u64;
    loop {
        let chunk = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(VoiceError::Cancelled),
            c = resp.chunk() => c.map_err(|e| VoiceError::Unreachable { url: url.to_string(), message: e.without_url().to_string() })?,
        };
        let Some(chunk) = chunk else { return Ok(()) };
        written = written.saturating_add(chunk.len() as u64);
        if written > limit {
            // More than the catalogue says: never fill the disk for a hostile or wrong server.
            let _ = std::fs::remove_file(part);
            let name = part.file_name().map(|n| n.to_string_lossy().trim_end_matches(".part").to_string()).unwrap_or_default();
            return Err(VoiceError::Mismatch { file: name, what: "size", expected: limit.to_string(), actual: format!("more than {limit}") });
        }
        // Small synchronous writes of network-sized chunks; the file is fsynced once at the end.
        out.write_all(&chunk).map_err(|e| VoiceError::io("cannot write", part, e))?;
        meter.add(chunk.len() as u64);
    }
}

/// Installs `key`, publishing [`Event::VoiceInstall`] progress on `events` (the core's channel):
/// `downloading` while bytes arrive, then `installed` or `failed` with the reason.
pub async fn install_with_events(
    manager: &VoiceManager,
    key: &VoiceKey,
    events: &tokio::sync::broadcast::Sender<Event>,
    cancel: &CancellationToken,
) -> Result<InstalledVoice, VoiceError> {
    let last = std::sync::Mutex::new((0u64, 0u64));
    let sink = |p: &InstallProgress| {
        *last.lock().unwrap_or_else(|e| e.into_inner()) = (p.bytes_done, p.bytes_total);
        let _ = events.send(event(key, VoiceInstallState::Downloading, p.bytes_done, p.bytes_total, p.eta, None));
    };
    let result = manager.install(key, &sink, cancel).await;
    let (done, total) = *last.lock().unwrap_or_else(|e| e.into_inner());
    let end = match &result {
        Ok(v) => event(key, VoiceInstallState::Installed, v.size_bytes, v.size_bytes, None, None),
        Err(e) => event(key, VoiceInstallState::Failed, done, total, None, Some(e.to_string())),
    };
    let _ = events.send(end);
    result
}

fn event(key: &VoiceKey, state: VoiceInstallState, done: u64, total: u64, eta: Option<Duration>, error: Option<String>) -> Event {
    let eta_seconds = eta.map(|d| d.as_secs());
    Event::VoiceInstall {
        key: key.to_string(),
        state,
        bytes_done: done,
        bytes_total: total,
        eta_seconds,
        eta_text: eta_seconds.map(crate::wording::eta),
        error,
    }
}

/// Checks a file's size and MD5 digest against the catalogue (on a blocking thread).
async fn verify(path: &Path, name: &str, file: &VoiceFile) -> Result<(), VoiceError> {
    let (path, name, file) = (path.to_path_buf(), name.to_string(), file.clone());
    tokio::task::spawn_blocking(move || {
        let len = std::fs::metadata(&path).map_err(|e| VoiceError::io("cannot read", &path, e))?.len();
        if len != file.size_bytes {
            return Err(VoiceError::Mismatch { file: name, what: "size", expected: file.size_bytes.to_string(), actual: len.to_string() });
        }
        let digest = md5_file(&path)?;
        if !digest.eq_ignore_ascii_case(file.md5_digest.trim()) {
            return Err(VoiceError::Mismatch { file: name, what: "MD5", expected: file.md5_digest.clone(), actual: digest });
        }
        Ok(())
    })
    .await
    .map_err(|e| VoiceError::io("cannot verify", Path::new(""), std::io::Error::other(e.to_string())))?
}

/// The MD5 digest of bytes, lower-case hex (as a catalogue states it).
pub fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// The MD5 digest of a file, lower-case hex.
pub fn md5_file(path: &Path) -> Result<String, VoiceError> {
    let mut f = std::fs::File::open(path).map_err(|e| VoiceError::io("cannot read", path, e))?;
    let mut hasher = Md5::new();
    std::io::copy(&mut f, &mut hasher).map_err(|e| VoiceError::io("cannot read", path, e))?;
    Ok(hex::encode(hasher.finalize()))
}

/// Writes the manifest, fsyncs the folder and renames it under the voice's key. An older
/// install of the same voice is renamed aside first and deleted after, so the key always names
/// a complete voice (the old one, then the new one).
fn place(store: &VoiceStore, entry: &CatalogueVoice) -> Result<InstalledVoice, VoiceError> {
    let partial = store.partial_dir(&entry.key);
    let json = serde_json::to_vec_pretty(entry).map_err(|e| VoiceError::io("cannot write", &partial, std::io::Error::other(e)))?;
    write_synced(&partial.join(MANIFEST), &json)?;
    sync_dir(&partial);
    let dest = store.voice_dir(&entry.key);
    let old = store.root().join(super::store::PARTIAL_DIR).join(format!("replaced-{}", entry.key));
    if dest.exists() {
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(|e| VoiceError::io("cannot remove", &old, e))?;
        }
        std::fs::rename(&dest, &old).map_err(|e| VoiceError::io("cannot replace", &dest, e))?;
    }
    std::fs::rename(&partial, &dest).map_err(|e| VoiceError::io("cannot install into", &dest, e))?;
    sync_dir(store.root());
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| VoiceError::io("cannot remove", &old, e))?;
    }
    store.get(&entry.key).ok_or_else(|| VoiceError::io("cannot read installed voice", &dest, std::io::ErrorKind::NotFound.into()))
}

/// Writes `bytes` to `path` through a temp file, fsynced, then renamed over it.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), VoiceError> {
    let tmp: PathBuf = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp).map_err(|e| VoiceError::io("cannot write", &tmp, e))?;
    f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| VoiceError::io("cannot write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| VoiceError::io("cannot write", path, e))
}

/// Makes a folder's entries durable (renames inside it). Best effort: not every platform can.
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Counts bytes and reports progress at most every [`PROGRESS_EVERY`].
struct Meter<'a> {
    key: VoiceKey,
    total: u64,
    done: u64,
    /// Bytes that were already on disk when this run started (not part of the speed).
    started_with: Option<u64>,
    started: Instant,
    last: Option<Instant>,
    sink: &'a (dyn Fn(&InstallProgress) + Send + Sync),
}

impl<'a> Meter<'a> {
    fn new(key: VoiceKey, total: u64, sink: &'a (dyn Fn(&InstallProgress) + Send + Sync)) -> Self {
        Meter { key, total, done: 0, started_with: None, started: Instant::now(), last: None, sink }
    }

    fn add(&mut self, bytes: u64) {
        self.done = self.done.saturating_add(bytes);
        self.report(false);
    }

    fn report(&mut self, last: bool) {
        let now = Instant::now();
        if !last && self.last.is_some_and(|t| now.duration_since(t) < PROGRESS_EVERY) {
            return;
        }
        let base = *self.started_with.get_or_insert(self.done);
        self.last = Some(now);
        let fetched = self.done.saturating_sub(base) as f64;
        let secs = now.duration_since(self.started).as_secs_f64();
        let eta = (fetched > 0.0 && secs > 0.0).then(|| Duration::from_secs_f64(self.total.saturating_sub(self.done) as f64 / (fetched / secs)));
        (self.sink)(&InstallProgress { key: self.key.clone(), bytes_done: self.done.min(self.total), bytes_total: self.total, eta });
    }
}
