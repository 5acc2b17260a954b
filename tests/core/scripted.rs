//! An in-process provider for the worker's timing and fault tests: no sockets, so the tests can
//! run on tokio's paused clock (a local HTTP fake would see its timeouts fire as virtual time
//! jumps). It records every call with its (virtual) time and answers from a per-word script.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deckmedia_core::config::Config;
use deckmedia_core::providers::{MediaBytes, MediaRequest, Provider, ProviderError, ProviderFuture, ProviderSet, ProviderSlot};
use deckmedia_core::{Core, MediaKind};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// One call the provider answered (or was cancelled in).
#[derive(Debug, Clone)]
pub struct Call {
    pub kind: MediaKind,
    pub word: String,
    pub language: String,
    pub at: Instant,
}

#[derive(Default)]
struct Inner {
    calls: Mutex<Vec<Call>>,
    script: Mutex<HashMap<String, VecDeque<ProviderError>>>,
    started: Option<watch::Sender<usize>>,
}

/// A provider answering after `latency` with bytes made from the word, or with the errors
/// scripted for that word first.
#[derive(Clone)]
pub struct Scripted {
    kind: MediaKind,
    latency: Duration,
    size: usize,
    inner: Arc<Inner>,
}

impl Scripted {
    /// Both kinds' providers, sharing one record of calls.
    pub fn pair(latency: Duration) -> (Scripted, Scripted) {
        Self::pair_sized(latency, 64)
    }

    /// Like [`Scripted::pair`], with answers of `size` bytes.
    pub fn pair_sized(latency: Duration, size: usize) -> (Scripted, Scripted) {
        let (tx, _) = watch::channel(0);
        let inner = Arc::new(Inner { started: Some(tx), ..Default::default() });
        let make = |kind| Scripted { kind, latency, size, inner: inner.clone() };
        (make(MediaKind::Image), make(MediaKind::Audio))
    }

    /// The next calls for `word` fail with these errors, in order.
    pub fn fail(&self, word: &str, errors: Vec<ProviderError>) {
        self.inner.script.lock().unwrap().insert(word.to_string(), errors.into());
    }

    /// The calls made to this kind's provider.
    pub fn calls(&self) -> Vec<Call> {
        self.inner.calls.lock().unwrap().iter().filter(|c| c.kind == self.kind).cloned().collect()
    }

    /// Waits until at least `n` calls (of either kind) have started.
    pub async fn wait_for_calls(&self, n: usize) {
        let Some(tx) = &self.inner.started else { return };
        let mut rx = tx.subscribe();
        let _ = rx.wait_for(|&c| c >= n).await;
    }

    /// A core on `dir` whose providers are `image` and `audio`, `concurrency` at once each.
    pub fn core(dir: &std::path::Path, config: Config, (image, audio): (Scripted, Scripted), concurrency: u32) -> Core {
        let slot = |p: Scripted| ProviderSlot { provider: Arc::new(p), max_concurrency: concurrency, requests_per_minute: 0 };
        Core::open_with_providers(dir, config, ProviderSet::new(slot(image), slot(audio), Vec::new())).expect("open core")
    }
}

impl Provider for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }

    fn settings_key(&self) -> String {
        format!("scripted-{}", self.kind)
    }

    fn generate<'a>(&'a self, request: &'a MediaRequest, cancel: &'a CancellationToken) -> ProviderFuture<'a> {
        Box::pin(async move {
            self.inner.calls.lock().unwrap().push(Call { kind: request.kind, word: request.text.clone(), language: request.language.clone(), at: Instant::now() });
            if let Some(tx) = &self.inner.started {
                tx.send_modify(|c| *c += 1);
            }
            tokio::select! {
                _ = cancel.cancelled() => return Err(ProviderError::Cancelled),
                _ = tokio::time::sleep(self.latency) => {}
            }
            if let Some(e) = self.inner.script.lock().unwrap().get_mut(&request.text).and_then(VecDeque::pop_front) {
                return Err(e);
            }
            let mut bytes = format!("{}:{}:", request.kind, request.text).into_bytes();
            bytes.resize(self.size.max(bytes.len()), b'.');
            let (mime, ext) = match request.kind {
                MediaKind::Image => ("image/png", "png"),
                _ => ("audio/mpeg", "mp3"),
            };
            Ok(MediaBytes::new(bytes, mime, ext))
        })
    }
}
