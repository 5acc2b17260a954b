//! The shell's state: the open core (swapped when settings change), the worker running on
//! Tauri's async runtime, the tray model and what has been notified. No Tauri types here but the
//! `AppHandle` passed in, so the same code runs on the mock runtime in tests.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use deckmedia_core::JobOutcome;
use deckmedia_core::{BatchId, Core, DeckId};
use tokio_util::sync::CancellationToken;

use crate::notify::Notifier;
use crate::tray::TrayModel;
use crate::ErrorDto;

/// A worker running in the background.
struct WorkerRun {
    token: CancellationToken,
    join: tauri::async_runtime::JoinHandle<()>,
}

pub struct AppState {
    data_dir: PathBuf,
    log_dir: PathBuf,
    core: RwLock<Arc<Core>>,
    worker: tokio::sync::Mutex<Option<WorkerRun>>,
    tray: Mutex<TrayModel>,
    pub(crate) notifier: Arc<dyn Notifier>,
    /// Batches whose "finished" notification was sent (the core can announce a cancelled
    /// batch twice: from the action and from the worker).
    notified: Mutex<HashSet<BatchId>>,
    /// Words failed in a row per running batch, and whether that was already notified.
    streaks: Mutex<HashMap<BatchId, (u32, bool)>>,
    /// The Anki package the user chose (and saw previewed) for a deck, until it is imported.
    chosen_package: Mutex<Option<(DeckId, PathBuf)>>,
    next_task: AtomicU64,
    /// Unfinished batches found at start (they resume by themselves).
    pub resumed_batches: usize,
    pub(crate) quitting: AtomicBool,
    pub(crate) close_notice_shown: AtomicBool,
}

/// Words failed in a row before the user is told a batch needs attention.
pub const FAILING_STREAK: u32 = 5;

impl AppState {
    /// Opens the core at `data_dir` and counts the batches that will resume. Starts nothing.
    pub fn open(data_dir: &Path, log_dir: &Path, notifier: Arc<dyn Notifier>) -> Result<AppState, ErrorDto> {
        Self::with_core(Core::open(data_dir)?, log_dir, notifier)
    }

    /// Like [`AppState::open`] with a core opened by the caller (tests give fake providers).
    pub fn with_core(core: Core, log_dir: &Path, notifier: Arc<dyn Notifier>) -> Result<AppState, ErrorDto> {
        let snapshot = core.snapshot()?;
        let resumed_batches = snapshot.batches.iter().filter(|b| !b.status.is_finished() && !b.paused).count();
        Ok(AppState {
            data_dir: core.data_dir().to_path_buf(),
            log_dir: log_dir.to_path_buf(),
            tray: Mutex::new(TrayModel::from_snapshot(&snapshot)),
            core: RwLock::new(Arc::new(core)),
            worker: tokio::sync::Mutex::new(None),
            notifier,
            notified: Mutex::new(HashSet::new()),
            streaks: Mutex::new(HashMap::new()),
            chosen_package: Mutex::new(None),
            next_task: AtomicU64::new(1),
            resumed_batches,
            quitting: AtomicBool::new(false),
            close_notice_shown: AtomicBool::new(false),
        })
    }

    /// The core in use now.
    pub fn core(&self) -> Arc<Core> {
        match self.core.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub(crate) fn set_core(&self, core: Arc<Core>) {
        match self.core.write() {
            Ok(mut c) => *c = core,
            Err(poisoned) => *poisoned.into_inner() = core,
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
    pub fn log_dir(&self) -> &Path {
        &self.log_dir
    }

    /// Runs `f` on the tray model (what the tray shows; never read back as the queue's state).
    pub(crate) fn with_tray<T>(&self, f: impl FnOnce(&mut TrayModel) -> T) -> T {
        f(&mut self.tray.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Whether this is the first "finished" notice for `batch` (then it is remembered).
    pub(crate) fn first_finish_notice(&self, batch: BatchId) -> bool {
        self.notified.lock().unwrap_or_else(|p| p.into_inner()).insert(batch)
    }

    /// Counts a settled job of `batch` towards its streak of failed words. True exactly once
    /// per batch: when [`FAILING_STREAK`] words failed in a row (a success resets the count).
    pub(crate) fn count_streak(&self, batch: BatchId, outcome: JobOutcome) -> bool {
        let mut streaks = self.streaks.lock().unwrap_or_else(|p| p.into_inner());
        let entry = streaks.entry(batch).or_insert((0, false));
        match outcome {
            JobOutcome::Done => {
                entry.0 = 0;
                false
            }
            JobOutcome::Failed => {
                entry.0 += 1;
                let alert = entry.0 >= FAILING_STREAK && !entry.1;
                entry.1 |= alert;
                alert
            }
            _ => false,
        }
    }

    /// Forgets a finished batch's streak.
    pub(crate) fn forget_streak(&self, batch: BatchId) {
        self.streaks.lock().unwrap_or_else(|p| p.into_inner()).remove(&batch);
    }

    /// Remembers the package the user chose for `deck` (replacing an earlier choice).
    pub(crate) fn set_chosen_package(&self, deck: DeckId, path: PathBuf) {
        *self.chosen_package.lock().unwrap_or_else(|p| p.into_inner()) = Some((deck, path));
    }

    /// The package chosen for `deck`, once.
    pub(crate) fn take_chosen_package(&self, deck: DeckId) -> Option<PathBuf> {
        let mut chosen = self.chosen_package.lock().unwrap_or_else(|p| p.into_inner());
        match chosen.take() {
            Some((d, path)) if d == deck => Some(path),
            other => {
                *chosen = other;
                None
            }
        }
    }

    pub(crate) fn next_task_id(&self) -> u64 {
        self.next_task.fetch_add(1, Ordering::Relaxed)
    }

    /// Starts the worker of the current core on Tauri's async runtime. When another process
    /// already runs the worker for this data dir, that one does the work and this returns the
    /// error (logged by the caller).
    pub async fn start_worker(&self) -> Result<(), ErrorDto> {
        let mut slot = self.worker.lock().await;
        if slot.is_some() {
            return Ok(());
        }
        let core = self.core();
        let worker = core.worker()?;
        // Unused media past the retention period go when the worker starts (a walk of the
        // media folder, off the async threads).
        let gc_core = core.clone();
        tauri::async_runtime::spawn_blocking(move || gc_core.collect_garbage_at_start());
        let token = CancellationToken::new();
        let join = tauri::async_runtime::spawn(supervise_worker(core, worker, token.clone()));
        *slot = Some(WorkerRun { token, join });
        Ok(())
    }

    /// Stops claiming, returns in-flight jobs to the queue and waits for the worker to end
    /// (at most `grace`; a worker that does not end in time is left to the OS, and its jobs
    /// are recovered at the next start).
    pub async fn stop_worker(&self, grace: Duration) {
        let run = self.worker.lock().await.take();
        if let Some(run) = run {
            run.token.cancel();
            if tokio::time::timeout(grace, run.join).await.is_err() {
                tracing::warn!("the worker did not stop within {grace:?}");
            }
        }
    }

    pub async fn worker_running(&self) -> bool {
        self.worker.lock().await.is_some()
    }
}

/// Runs the worker until `token` fires, starting it again (after a short pause) should it ever
/// end by itself: an error or a panic must not leave batches "processing" forever.
async fn supervise_worker(core: Arc<Core>, first: deckmedia_core::worker::Worker, token: CancellationToken) {
    const RESTART_PAUSE: Duration = Duration::from_secs(2);
    let mut next = Some(first);
    while !token.is_cancelled() {
        let worker = match next.take().map_or_else(|| core.worker(), Ok) {
            Ok(w) => w,
            Err(e) => {
                tracing::error!("cannot restart the worker: {e}");
                tokio::select! { _ = token.cancelled() => break, _ = tokio::time::sleep(RESTART_PAUSE) => continue }
            }
        };
        match tauri::async_runtime::spawn(worker.run(token.clone())).await {
            Ok(Ok(summary)) => tracing::info!(?summary, "worker stopped"),
            Ok(Err(e)) => tracing::error!("worker failed: {e}"),
            Err(e) => tracing::error!("worker task ended: {e}"),
        }
        if !token.is_cancelled() {
            tracing::warn!("the worker ended by itself; restarting it");
            tokio::select! { _ = token.cancelled() => break, _ = tokio::time::sleep(RESTART_PAUSE) => {} }
        }
    }
}
