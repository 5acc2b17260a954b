//! The facade: one method per thing a user can do. The CLI and the desktop shell call these and
//! nothing else. Methods are blocking (SQLite) and short; from async code call them through
//! `spawn_blocking`. Long work happens in the [`Worker`], never in a method here.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{broadcast, Notify};

use crate::attention::{Attention, AttentionBoard};
use crate::config::Config;
use crate::error::{DbContext, Error, Result};
use crate::events::{Event, EVENT_CAPACITY};
use crate::lock::WorkerLock;
use crate::media::{MediaStore, WriteFaults};
use crate::model::{AddWords, BatchId, BatchInfo, Deck, DeckId, MediaKind, NewWord, ProviderChoice, ProviderKind, ProviderState, Word, WordId, WordMedia};
use crate::paths::DataDir;
use crate::providers::ProviderSet;
use crate::queue::{self, EnqueueOptions, Outstanding};
use crate::secrets::{self, KeyStore};
use crate::store::{now_ms, Store};
use crate::worker::Worker;

pub struct Core {
    dir: DataDir,
    store: Arc<Store>,
    media: MediaStore,
    config: Config,
    providers: ProviderSet,
    events: broadcast::Sender<Event>,
    wake: Arc<Notify>,
    /// Whether the queue needs the user (set by the worker).
    attention: Arc<AttentionBoard>,
    /// The key store, opened on first use (asking the OS keychain can prompt to unlock it, so
    /// it is not asked when no key is needed).
    keys: std::sync::OnceLock<(Box<dyn KeyStore>, Option<String>)>,
}

/// Everything a UI needs to draw the queue after it missed events.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct Snapshot {
    pub paused: bool,
    pub batches: Vec<BatchInfo>,
    pub queued: i64,
    pub running: i64,
    /// Set while the queue is stopped by a fault of this machine ("needs attention: <reason>").
    pub attention: Option<Attention>,
    /// Providers whose jobs are paused until the user acts (quota used up, key rejected).
    pub providers: Vec<ProviderState>,
    /// This process's worker is waiting for a server it cannot reach (its jobs stay queued).
    pub waiting_for_network: bool,
}

impl Core {
    /// Opens the data dir: creates it when missing, reads `config.toml` and the environment,
    /// opens the database and brings its schema up to date.
    /// API keys come from the environment, else from the key store (the OS keychain, or a
    /// private file where there is none): the key saved for the server the base URL names,
    /// never one saved for another server.
    pub fn open(data_dir: impl AsRef<Path>) -> Result<Core> {
        let dir = DataDir::create(data_dir)?;
        let mut config = Config::load(&dir.config_path())?;
        let keys = std::sync::OnceLock::new();
        for p in config.sections_mut() {
            // A chain's key is its keyed member's (a section has one key).
            let keyed = std::iter::once(p.provider).chain(p.chain.iter().copied()).find(|k| k.needs_key());
            match keyed {
                Some(kind) if p.api_key.is_none() => {
                    let (store, _) = keys.get_or_init(|| secrets::default_store(dir.root()));
                    p.api_key = secrets::stored_key(store.as_ref(), kind.as_str(), &p.base_url)?;
                }
                _ => {}
            }
        }
        // Openverse's token is optional (it raises the limits): asked for only when a picture
        // slot uses Openverse, for the server `[openverse] url` names.
        let uses_openverse = std::iter::once(config.image.provider).chain(config.image.chain.iter().copied()).any(|k| k == crate::model::ProviderKind::Openverse);
        if uses_openverse && config.openverse.token.is_none() {
            let (store, _) = keys.get_or_init(|| secrets::default_store(dir.root()));
            config.openverse.token = secrets::stored_key(store.as_ref(), "openverse", &config.openverse.url)?;
        }
        let mut core = Self::open_with_config(dir.root(), config)?;
        core.keys = keys;
        Ok(core)
    }

    /// Like [`Core::open`] with a given configuration (the environment is not read).
    pub fn open_with_config(data_dir: impl AsRef<Path>, config: Config) -> Result<Core> {
        let dir = DataDir::create(data_dir)?;
        let providers = ProviderSet::from_config_in(&config, Some(dir.root()))?;
        Self::open_with_providers(dir.root(), config, providers)
    }

    /// Like [`Core::open_with_config`] with given providers (tests, benchmarks).
    pub fn open_with_providers(data_dir: impl AsRef<Path>, config: Config, providers: ProviderSet) -> Result<Core> {
        let dir = DataDir::create(data_dir)?;
        crate::private::precreate_file(&dir.db_path())?;
        let store = Arc::new(Store::open(&dir.db_path(), config.queue.busy_timeout())?);
        dir.make_private();
        let media = MediaStore::new(dir.root());
        let (events, _) = broadcast::channel(EVENT_CAPACITY);
        let attention = Arc::new(AttentionBoard::new(dir.root().join("attention.json")));
        let wake = Arc::new(Notify::new());
        Ok(Core { dir, store, media, config, providers, events, wake, attention, keys: std::sync::OnceLock::new() })
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.root()
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub(crate) fn media_store(&self) -> &MediaStore {
        &self.media
    }
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }
    pub fn providers(&self) -> &ProviderSet {
        &self.providers
    }

    /// Events from this process's worker and actions.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// The worker for this data dir. Fails with [`Error::WorkerLocked`] when another process
    /// (or another `Worker` in this one) already runs it.
    pub fn worker(&self) -> Result<Worker> {
        let lock = WorkerLock::try_acquire(&self.dir.worker_lock_path(), self.dir.root())?;
        // Bound only while holding the lock: the one worker of this data dir listens.
        let wake_socket = Some(crate::wake::Listener::bind(self.dir.root()));
        Ok(Worker {
            wake_socket,
            store: self.store.clone(),
            media: self.media.clone(),
            providers: self.providers.clone(),
            events: self.events.clone(),
            wake: self.wake.clone(),
            attention: self.attention.clone(),
            data_dir: self.dir.root().to_path_buf(),
            queue: self.config.queue.clone(),
            lease: format!("{}-{:016x}", std::process::id(), rand::random::<u64>()),
            _lock: lock,
        })
    }

    /// Tells the worker — in this process, or another one on the same data dir — to look at
    /// the queue now.
    fn wake_worker(&self) {
        self.wake.notify_one();
        crate::wake::poke(self.dir.root());
    }

    // ---- neural voices ---------------------------------------------------------------------------

    /// The voice manager for this data dir and the configured catalogue URL.
    pub fn voice_manager(&self) -> std::result::Result<crate::voices::VoiceManager, crate::voices::VoiceError> {
        crate::voices::VoiceManager::new(self.dir.root(), &crate::voices::voices_url(&self.config.voices.url))
    }

    /// Installed and available voices of `language` (`en`, `en_US`; `None`: all), for Settings
    /// and `voice list`. Reads the catalogue over the network; without it, installed ones only.
    pub async fn voice_list(&self, language: Option<&str>) -> std::result::Result<crate::voices::list::VoiceList, crate::voices::VoiceError> {
        use crate::voices::list::{language_wanted, recommended, voice_rows, VoiceList};
        let manager = self.voice_manager()?;
        let installed = manager.store().installed();
        let catalogue = manager.catalogue().await;
        let runtime = self.neural_runtime();
        let keep = |code: &str| language_wanted(code, language);
        let recommended = language.filter(|l| !l.trim().is_empty()).and_then(|l| {
            let preferred = self.config.audio.voice.parse::<crate::voices::VoiceKey>().ok();
            recommended(manager.store().best_for(l, preferred.as_ref()).as_ref(), catalogue.as_ref().ok(), l)
        });
        Ok(VoiceList {
            recommended,
            runtime: runtime.as_ref().ok().map(|p| p.display().to_string()),
            runtime_error: runtime.as_ref().err().map(|e| e.to_string()),
            catalogue_url: manager.base_url().to_string(),
            catalogue_error: catalogue.as_ref().err().map(|e| e.to_string()),
            voices: voice_rows(&installed, catalogue.as_ref().ok(), &keep),
        })
    }

    /// Installs a voice, publishing `VoiceInstall` events; run it as a task (the desktop app)
    /// or await it (the CLI). Cancelling keeps the download for the next attempt.
    pub async fn install_voice(
        &self,
        key: &crate::voices::VoiceKey,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> std::result::Result<crate::voices::InstalledVoice, crate::voices::VoiceError> {
        let manager = self.voice_manager()?;
        crate::voices::install::install_with_events(&manager, key, &self.events, cancel).await
    }

    /// Where the ONNX Runtime library would be loaded from (not loading it).
    pub fn neural_runtime(&self) -> std::result::Result<PathBuf, crate::providers::neural::RuntimeError> {
        crate::providers::neural::RuntimeSearch::new(&self.config.neural.runtime, Some(self.dir.root())).locate()
    }

    // ---- decks and words ------------------------------------------------------------------------

    pub fn create_deck(&self, name: &str, language: &str) -> Result<Deck> {
        self.store.create_deck(name, language)
    }
    pub fn ensure_deck(&self, name: &str, language: &str) -> Result<Deck> {
        self.store.ensure_deck(name, language)
    }
    pub fn deck_by_name(&self, name: &str) -> Result<Deck> {
        self.store.deck_by_name(name)
    }
    pub fn deck(&self, id: DeckId) -> Result<Deck> {
        self.store.deck(id)
    }
    pub fn list_decks(&self) -> Result<Vec<Deck>> {
        self.store.list_decks()
    }
    pub fn rename_deck(&self, id: DeckId, name: &str) -> Result<Deck> {
        self.store.rename_deck(id, name)
    }
    pub fn delete_deck(&self, id: DeckId) -> Result<()> {
        self.store.delete_deck(id)?;
        self.wake_worker();
        Ok(())
    }
    /// A deck's own text rules: replacements applied to each word before it goes to a provider.
    pub fn text_rules(&self, deck_id: DeckId) -> Result<Vec<crate::clean::TextRule>> {
        self.store.text_rules(deck_id)
    }
    /// Replaces a deck's text rules (checked first). They apply to jobs claimed from now on;
    /// existing media stay until regenerated.
    pub fn set_text_rules(&self, deck_id: DeckId, rules: &[crate::clean::TextRule]) -> Result<()> {
        self.store.set_text_rules(deck_id, rules)
    }
    /// Which media "Generate" makes for a deck when not told (its slots: picture, word audio,
    /// translation audio, sentence audio; at least one), and optionally the language of its
    /// translations (empty: English).
    pub fn set_deck_slots(&self, deck_id: DeckId, slots: &[MediaKind], translation_language: Option<&str>) -> Result<Deck> {
        self.store.set_deck_slots(deck_id, slots, translation_language)
    }
    /// Sets or (blank) removes a word's example sentence, which the sentence-audio slot reads.
    pub fn set_sentence(&self, word_id: WordId, sentence: Option<&str>) -> Result<Word> {
        self.store.set_sentence(word_id, sentence)
    }
    pub fn add_words(&self, deck_id: DeckId, words: &[NewWord]) -> Result<AddWords> {
        self.store.add_words(deck_id, words)
    }
    pub fn words(&self, deck_id: DeckId) -> Result<Vec<Word>> {
        self.store.words(deck_id)
    }
    pub fn update_word(&self, word_id: WordId, text: &str, translation: Option<&str>) -> Result<Word> {
        self.store.update_word(word_id, text, translation)
    }
    /// Each word of the deck with its picture and pronunciation (absolute paths).
    pub fn media_of_deck(&self, deck_id: DeckId) -> Result<Vec<WordMedia>> {
        self.store.deck(deck_id)?;
        queue::media_of_deck(&self.store.read(), deck_id, self.dir.root())
    }

    // ---- the queue ------------------------------------------------------------------------------

    /// Starts a batch for a deck and returns at once; the worker does the work. Without `force`
    /// ("Generate missing"), a word whose file is gone or damaged counts as missing: the deck's
    /// files of these kinds are checked first (size always, content when size or mtime moved).
    pub fn generate(&self, deck_id: DeckId, kinds: &[MediaKind], force: bool) -> Result<BatchInfo> {
        let invalid_media = if force {
            Vec::new()
        } else {
            self.deck(deck_id)?;
            let (_, broken) = self.check_media(Some(deck_id), kinds, true)?;
            if !broken.is_empty() {
                tracing::info!(deck_id, broken = broken.len(), "media files missing or damaged; they are generated again");
            }
            broken.into_iter().map(|b| b.media_id).collect()
        };
        self.enqueue(deck_id, kinds, EnqueueOptions { force, max_attempts: self.config.queue.max_attempts, invalid_media, ..Default::default() })
    }

    /// Generates one word's media ahead of everything else. A job already queued for it moves
    /// to the front; otherwise a fresh one-word batch is queued (regenerating existing media).
    pub fn generate_word_now(&self, word_id: WordId, kinds: &[MediaKind]) -> Result<BatchInfo> {
        const NOW: i64 = 100;
        let word = self.store.word(word_id)?;
        let moved = queue::prioritize_word(&self.store.conn(), word_id, kinds, NOW)?;
        let rest: Vec<MediaKind> = kinds.iter().copied().filter(|k| !moved.iter().any(|(m, _)| m == k)).collect();
        if rest.is_empty() {
            if let Some((_, batch)) = moved.first() {
                self.wake_worker();
                return self.announce(*batch);
            }
            return Err(Error::invalid("choose at least one kind of media (image, audio)"));
        }
        self.enqueue(
            word.deck_id,
            &rest,
            EnqueueOptions { force: true, priority: NOW, max_attempts: self.config.queue.max_attempts, word_ids: Some(vec![word_id]), ..Default::default() },
        )
    }

    pub(crate) fn enqueue(&self, deck_id: DeckId, kinds: &[MediaKind], opts: EnqueueOptions) -> Result<BatchInfo> {
        let mut kinds = kinds.to_vec();
        kinds.sort();
        kinds.dedup();
        let settings: Vec<(MediaKind, String)> = kinds.iter().map(|&k| (k, self.providers.get(k).provider.settings_key())).collect();
        let id = queue::enqueue(&mut self.store.conn(), deck_id, &settings, &opts, now_ms())?;
        self.wake_worker();
        self.announce(id)
    }

    pub fn batch(&self, id: BatchId) -> Result<BatchInfo> {
        queue::batch_info(&self.store.read(), id)
    }

    /// Unfinished batches and the 20 most recent finished ones, newest first.
    pub fn batches(&self) -> Result<Vec<BatchInfo>> {
        queue::list_batches(&self.store.read(), 20)
    }

    /// The queue as one read transaction sees it (the counts agree with the batches), on a
    /// read connection: it does not wait for the worker's transactions.
    pub fn snapshot(&self) -> Result<Snapshot> {
        let mut conn = self.store.read();
        let tx = conn.transaction().db("reading the queue")?;
        let paused = queue::global_paused(&tx)?;
        let Outstanding { runnable, paused: held, running } = queue::outstanding(&tx)?;
        let batches = queue::list_batches(&tx, 20)?;
        let providers = queue::provider_states(&tx)?;
        Ok(Snapshot {
            paused,
            batches,
            queued: runnable + held,
            running,
            attention: self.attention.get(),
            providers,
            waiting_for_network: self.attention.waiting_for_network(),
        })
    }

    /// Cancels a batch: queued jobs are cancelled, requests in flight aborted.
    pub fn cancel(&self, id: BatchId) -> Result<BatchInfo> {
        queue::cancel_batch(&mut self.store.conn(), id, now_ms())?;
        self.wake_worker();
        self.announce(id)
    }

    /// Queues a batch's failed and cancelled jobs again.
    pub fn retry(&self, id: BatchId) -> Result<BatchInfo> {
        queue::retry_failed(&mut self.store.conn(), id, now_ms(), None)?;
        self.wake_worker();
        self.announce(id)
    }

    /// "Retry with…": the batch's failed and cancelled words of the kinds `provider` makes,
    /// queued again for that provider.
    pub fn retry_with(&self, id: BatchId, provider: ProviderKind) -> Result<BatchInfo> {
        let batch = self.batch(id)?;
        let kinds: Vec<MediaKind> = batch.kinds.iter().copied().filter(|&k| self.providers.alternative(k, provider).is_some()).collect();
        if kinds.is_empty() {
            return Err(Error::invalid(self.not_pickable(provider, &batch.kinds)));
        }
        if queue::retry_failed(&mut self.store.conn(), id, now_ms(), Some((provider, &kinds)))? == 0 {
            return Err(Error::invalid(format!("batch {id} has no failed or cancelled {} to retry", kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(" or "))));
        }
        self.wake_worker();
        self.announce(id)
    }

    /// "Regenerate with…": one word's media of `kind`, made now by `provider` instead of the
    /// configured one (same queue, top priority).
    pub fn regenerate_word_with(&self, word_id: WordId, kind: MediaKind, provider: ProviderKind) -> Result<BatchInfo> {
        if self.providers.alternative(kind, provider).is_none() {
            return Err(Error::invalid(self.not_pickable(provider, &[kind])));
        }
        let word = self.store.word(word_id)?;
        let opts = EnqueueOptions {
            force: true,
            priority: 100,
            max_attempts: self.config.queue.max_attempts,
            word_ids: Some(vec![word_id]),
            provider: Some(provider),
            ..Default::default()
        };
        self.enqueue(word.deck_id, &[kind], opts)
    }

    /// The providers a user may pick per kind ("Regenerate with…", "Retry with…").
    pub fn provider_choices(&self) -> Vec<ProviderChoice> {
        self.providers.alternatives.iter().map(|(kind, p, _)| ProviderChoice { kind: *kind, provider: *p, label: p.label().to_string() }).collect()
    }

    fn not_pickable(&self, provider: ProviderKind, kinds: &[MediaKind]) -> String {
        let what = kinds.iter().map(|&k| crate::wording::kind_name(k)).collect::<Vec<_>>().join(" or ");
        if provider.needs_key() {
            format!("{} can be picked once it is the configured provider for {what} in Settings (it needs a key)", provider.label())
        } else {
            format!("{} cannot make {what} with the current settings", provider.label())
        }
    }

    pub fn pause_batch(&self, id: BatchId, paused: bool) -> Result<BatchInfo> {
        queue::set_batch_paused(&self.store.conn(), id, paused, now_ms())?;
        self.wake_worker();
        self.announce(id)
    }

    /// Pauses (or resumes) the whole queue: no new job starts; jobs in flight finish. Resuming
    /// also resumes every provider paused for its account (the user says: try again).
    pub fn pause_all(&self, paused: bool) -> Result<()> {
        let resumed = {
            let conn = self.store.conn();
            queue::set_global_paused(&conn, paused)?;
            if paused { Vec::new() } else { queue::clear_all_providers(&conn)? }
        };
        self.wake_worker();
        let _ = self.events.send(Event::QueueState { running: 0, paused, waiting_for_network: false });
        for provider in resumed {
            let _ = self.events.send(Event::provider_resumed(&provider));
        }
        Ok(())
    }

    /// Providers whose jobs are paused because of their account (quota used up, key rejected).
    pub fn provider_states(&self) -> Result<Vec<ProviderState>> {
        queue::provider_states(&self.store.conn())
    }

    /// Resumes one provider paused for its account. Returns whether it was paused.
    pub fn resume_provider(&self, provider: &str) -> Result<bool> {
        let was = queue::clear_provider(&self.store.conn(), provider)?;
        if was {
            self.wake_worker();
            let _ = self.events.send(Event::provider_resumed(provider));
        }
        Ok(was)
    }

    pub fn is_paused(&self) -> Result<bool> {
        queue::global_paused(&self.store.read())
    }

    /// Publishes a batch's state after a user action, and returns it.
    pub(crate) fn announce(&self, id: BatchId) -> Result<BatchInfo> {
        let info = self.batch(id)?;
        let _ = self.events.send(Event::progress(&info, None));
        if info.status.is_finished() {
            let summary = queue::batch_failures(&self.store.read(), &info)?.summary;
            let _ = self.events.send(Event::finished(&info, summary));
        }
        Ok(info)
    }

    // ---- API keys ---------------------------------------------------------------------------------

    fn key_store(&self) -> Result<&dyn KeyStore> {
        Ok(self.keys.get_or_init(|| secrets::default_store(self.dir.root())).0.as_ref())
    }

    /// The base URL a key for `provider` is for: the configured one of the first media kind
    /// that uses the provider, else the provider's default.
    fn key_base_url(&self, provider: &str) -> String {
        if provider == crate::model::ProviderKind::Openverse.as_str() {
            return self.config.openverse.url.clone();
        }
        [&self.config.image, &self.config.audio].into_iter().find(|p| p.provider.as_str() == provider).map(|p| p.base_url.clone()).unwrap_or_default()
    }

    /// The server (`host[:port]`) a key stored for `provider` now is sent to, and only to.
    pub fn api_key_host(&self, provider: &str) -> Result<String> {
        let base = self.key_base_url(provider);
        secrets::key_host(provider, &base).ok_or_else(|| match base.is_empty() {
            true => Error::invalid(format!("'{provider}' is not a provider with a key (openai, elevenlabs or openverse)")),
            false => Error::Config(format!("the {provider} base URL '{base}' names no server")),
        })
    }

    /// Stores a provider's API key (e.g. `openai`) for the server its base URL names now
    /// ([`Core::api_key_host`]): another server needs its own key. It takes effect when the core
    /// is next opened.
    /// A provider paused for its account (rejected key, used-up quota) is resumed: a new key is
    /// the user's answer to both.
    pub fn set_api_key(&self, provider: &str, key: &str) -> Result<String> {
        let key = secrets::clean_key(key)?;
        let host = self.api_key_host(provider)?;
        let store = self.key_store()?;
        store.set(&secrets::entry_name(provider, &host), &key)?;
        self.resume_provider(provider)?;
        Ok(store.describe())
    }

    /// Deletes the key stored for the provider's current server (and, on its default server, the
    /// entry saved before keys were scoped by server).
    pub fn delete_api_key(&self, provider: &str) -> Result<bool> {
        let host = self.api_key_host(provider)?;
        let store = self.key_store()?;
        let scoped = store.delete(&secrets::entry_name(provider, &host))?;
        let legacy = secrets::key_host(provider, "").as_deref() == Some(host.as_str()) && store.delete(provider)?;
        Ok(scoped || legacy)
    }

    /// Whether a key is stored for the provider's current server, masked (`…abcd`), never in full.
    pub fn api_key_hint(&self, provider: &str) -> Result<Option<String>> {
        let store = self.key_store()?;
        Ok(secrets::stored_key(store, provider, &self.key_base_url(provider))?.map(|k| secrets::masked(&k)))
    }

    /// Where keys are kept, and a warning when that is a file because no keychain answered.
    pub fn key_store_info(&self) -> (String, Option<String>) {
        let (store, warning) = self.keys.get_or_init(|| secrets::default_store(self.dir.root()));
        (store.describe(), warning.clone())
    }

    /// Whether the queue needs the user, and why.
    pub fn attention(&self) -> Option<Attention> {
        self.attention.get()
    }

    /// Makes every media write ask `faults` first (tests: a full or read-only disk on demand).
    #[doc(hidden)]
    pub fn inject_media_faults(&mut self, faults: WriteFaults) {
        self.media = self.media.clone().with_faults(faults);
    }

    /// Absolute path of a stored media file.
    pub fn media_path(&self, rel_path: &str) -> PathBuf {
        self.media.absolute(rel_path)
    }
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core").field("data_dir", &self.dir.root()).finish()
    }
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn check<T: Send + Sync>() {}
    check::<Core>();
}
