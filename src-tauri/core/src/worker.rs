//! The worker: a tokio loop that claims jobs within each provider's limits, runs them, and
//! settles their outcomes.
//!
//! * It wakes when a job finishes, when this process enqueues or changes something (`Notify`),
//!   when another process does (a datagram on the [`crate::wake`] socket), at the next due
//!   time (a retry, a provider pause ending), or — the fallback for other processes — when
//!   SQLite's `data_version` moved, checked every half second. It never sleeps a fixed time
//!   hoping for work.
//! * Outcomes that arrive together are settled in one transaction (group commit).
//! * One worker per data dir: it holds the OS file lock for its whole life.
//! * On shutdown it stops claiming, aborts requests in flight and returns their jobs to the
//!   queue without counting an attempt.
//!
//! It owns no rule about job states: those are in [`crate::queue`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, mpsc, Notify};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::QueueConfig;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::limits::{backoff, Finish, KindLimits};
use crate::lock::WorkerLock;
use crate::media::MediaStore;
use crate::model::{BatchId, JobId, MediaKind};
use crate::providers::http_status::RateBudget;
use crate::providers::{MediaRequest, ProviderError, ProviderSet};
use crate::queue::{self, ClaimedJob, MediaRecord, Outcome};
use crate::store::{now_ms, Store};

/// Progress events per batch are at most this frequent.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);
/// How often the worker looks for changes made by other processes.
const EXTERNAL_POLL: Duration = Duration::from_millis(500);
/// How long shutdown waits for aborted jobs to hand back their outcome.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What a finished run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub done: u64,
    pub failed: u64,
    pub retried: u64,
    pub requeued: u64,
    /// Requests a provider rejected for rate limits.
    pub rate_limited: u64,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("lease", &self.lease).finish()
    }
}

pub struct Worker {
    pub(crate) store: Arc<Store>,
    pub(crate) media: MediaStore,
    pub(crate) providers: ProviderSet,
    pub(crate) events: broadcast::Sender<Event>,
    pub(crate) wake: Arc<Notify>,
    /// Wake-ups from other processes (see [`crate::wake`]).
    pub(crate) wake_socket: crate::wake::Listener,
    pub(crate) queue: QueueConfig,
    pub(crate) lease: String,
    pub(crate) _lock: WorkerLock,
}

struct InFlight {
    batch_id: BatchId,
    cancel: CancellationToken,
}

/// What a job task tells the loop.
enum Msg {
    /// The provider call ended: its slot is free for the next job (before the file is saved,
    /// so saving never holds a provider slot).
    Released { kind: MediaKind, finish: Finish, budget: Option<RateBudget> },
    /// The job's outcome, ready to settle.
    Settled(Outcome),
}

struct BatchPace {
    seen_at: Instant,
    settled_at_start: i64,
    last_emit: Option<Instant>,
    dirty: bool,
}

impl Worker {
    /// Runs until `shutdown` fires.
    pub async fn run(self, shutdown: CancellationToken) -> Result<RunSummary> {
        self.run_inner(shutdown, false).await
    }

    /// Runs until nothing is left that may run (queued jobs of paused batches, or of a paused
    /// queue, do not count), or until `shutdown` fires.
    pub async fn run_until_idle(self, shutdown: CancellationToken) -> Result<RunSummary> {
        self.run_inner(shutdown, true).await
    }

    async fn db<T: Send + 'static>(&self, f: impl FnOnce(&Store) -> Result<T> + Send + 'static) -> Result<T> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| Error::Config(format!("database task failed: {e}")))?
    }

    async fn run_inner(mut self, shutdown: CancellationToken, until_idle: bool) -> Result<RunSummary> {
        let recovered = self.db(|s| queue::recover_running(&s.conn())).await?;
        if recovered > 0 {
            tracing::info!(recovered, "returned jobs left running by an earlier process to the queue");
        }
        let media = self.media.clone();
        let removed = tokio::task::spawn_blocking(move || media.remove_stray_temp_files())
            .await
            .map_err(|e| Error::Config(format!("cleanup task failed: {e}")))??;
        if removed > 0 {
            tracing::info!(removed, "removed temp files left by a crash");
        }

        let kinds: Vec<(MediaKind, String, u32, u32)> = MediaKind::ALL
            .iter()
            .map(|&k| {
                let slot = self.providers.get(k);
                (k, slot.provider.limit_key(), slot.max_concurrency, slot.requests_per_minute)
            })
            .collect();
        let probe_base = Duration::from_millis(self.queue.backoff_base_ms.max(1));
        let mut limits = KindLimits::with_probe_base(&kinds, probe_base);
        let mut turn = 0usize;
        let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
        let tracker = TaskTracker::new();
        let mut in_flight: HashMap<JobId, InFlight> = HashMap::new();
        let mut paces: HashMap<BatchId, BatchPace> = HashMap::new();
        let mut summary = RunSummary::default();
        let mut inbox: Vec<Msg> = Vec::new();
        let mut outcomes: Vec<Outcome> = Vec::new();
        let mut last_version = self.db(data_version).await?;
        let mut next_poll = Instant::now() + EXTERNAL_POLL;
        let mut check_ours = false;
        let mut last_state: Option<(bool, bool, bool)> = None;

        loop {
            // 1. Take what the jobs said: free slots first, outcomes to settle below.
            while let Ok(m) = rx.try_recv() {
                inbox.push(m);
            }
            let now = Instant::now();
            for m in inbox.drain(..) {
                match m {
                    Msg::Released { kind, finish, budget } => {
                        if let Some(b) = budget {
                            limits.on_rate(kind, b.remaining, b.reset, now);
                        }
                        limits.on_finish(kind, finish, now);
                        if matches!(finish, Finish::RateLimited | Finish::RetryAfter(_)) {
                            summary.rate_limited += 1;
                        }
                    }
                    Msg::Settled(o) => {
                        in_flight.remove(&o.job());
                        outcomes.push(o);
                    }
                }
            }
            if shutdown.is_cancelled() {
                break;
            }

            // 2. Changes from other processes (or our own Core): cancelled jobs, pauses.
            if now >= next_poll {
                next_poll = now + EXTERNAL_POLL;
                let v = self.db(data_version).await?;
                if v != last_version {
                    last_version = v;
                    check_ours = true;
                }
            }
            if check_ours && !in_flight.is_empty() {
                let ids: Vec<JobId> = in_flight.keys().copied().collect();
                let lease = self.lease.clone();
                let gone = self.db(move |s| queue::jobs_no_longer_ours(&s.conn(), &lease, &ids)).await?;
                for id in gone {
                    if let Some(job) = in_flight.get(&id) {
                        job.cancel.cancel();
                        if let Some(p) = paces.get_mut(&job.batch_id) {
                            p.dirty = true;
                        }
                    }
                }
            }
            check_ours = false;

            // 3. One trip to the database: claim what the limits allow (first, so a free slot
            //    is filled at once), then settle everything that finished in one transaction.
            turn = turn.wrapping_add(1);
            let mut wanted: Vec<(MediaKind, u32, String, String)> = Vec::new();
            for i in 0..MediaKind::ALL.len() {
                // Kinds take turns going first, so one cannot starve the other on a shared server.
                let kind = MediaKind::ALL[(turn + i) % MediaKind::ALL.len()];
                let now = Instant::now();
                let free = limits.available(kind, now);
                if free > 0 {
                    // Reserve the slots now, so a kind sharing the server sees them taken.
                    for _ in 0..free {
                        limits.on_start(kind, now);
                    }
                    let p = &self.providers.get(kind).provider;
                    wanted.push((kind, free, p.settings_key(), p.name().to_string()));
                }
            }
            let reserved: Vec<(MediaKind, u32)> = wanted.iter().map(|(k, n, _, _)| (*k, *n)).collect();
            let to_settle: Vec<Outcome> = std::mem::take(&mut outcomes);
            let lease = self.lease.clone();
            let (paused, claimed, report) = self
                .db(move |s| {
                    let mut conn = s.conn();
                    let paused = queue::global_paused(&conn)?;
                    let mut claimed = Vec::new();
                    if !paused {
                        for (kind, free, settings_key, name) in &wanted {
                            claimed.extend(queue::claim(&mut conn, *kind, settings_key, name, &lease, *free, now_ms())?);
                        }
                    }
                    let report = if to_settle.is_empty() { None } else { Some(queue::settle(&mut conn, &lease, &to_settle, now_ms())?) };
                    Ok((paused, claimed, report))
                })
                .await?;
            let claimed_any = !claimed.is_empty();
            for (kind, n) in reserved {
                let used = claimed.iter().filter(|j| j.kind == kind).count() as u32;
                limits.unreserve(kind, n.saturating_sub(used));
            }
            for job in claimed {
                let kind = job.kind;
                let cancel = shutdown.child_token();
                in_flight.insert(job.id, InFlight { batch_id: job.batch_id, cancel: cancel.clone() });
                paces.entry(job.batch_id).or_insert_with(|| BatchPace { seen_at: Instant::now(), settled_at_start: -1, last_emit: None, dirty: true });
                let tx = tx.clone();
                let slot = self.providers.get(kind).clone();
                let media = self.media.clone();
                let queue_cfg = self.queue.clone();
                tracker.spawn(async move {
                    let outcome = run_job(job, &slot, &media, &queue_cfg, &cancel, |finish, budget| {
                        let _ = tx.send(Msg::Released { kind, finish, budget });
                    })
                    .await;
                    let _ = tx.send(Msg::Settled(outcome));
                });
            }
            let waiting = limits.any_unreachable();
            let state = (!in_flight.is_empty(), paused, waiting);
            if last_state != Some(state) {
                last_state = Some(state);
                let _ = self.events.send(Event::QueueState { running: in_flight.len(), paused, waiting_for_network: waiting });
            }
            if let Some(report) = report {
                self.report_settled(&report, &mut summary, &mut paces).await?;
            }

            // 5. Progress, coalesced.
            let mut next_flush: Option<Instant> = None;
            let dirty: Vec<BatchId> = paces.iter().filter(|(_, p)| p.dirty).map(|(b, _)| *b).collect();
            for b in dirty {
                let due = paces.get(&b).and_then(|p| p.last_emit).map(|t| t + PROGRESS_INTERVAL);
                match due {
                    Some(t) if t > Instant::now() => next_flush = Some(next_flush.map_or(t, |n: Instant| n.min(t))),
                    _ => self.emit_progress(b, &mut paces, false).await?,
                }
            }
            paces.retain(|b, p| p.dirty || in_flight.values().any(|j| j.batch_id == *b) || p.last_emit.is_none_or(|t| t.elapsed() < Duration::from_secs(60)));

            // 6. Idle?
            if until_idle && in_flight.is_empty() && !claimed_any {
                let left = self.db(|s| queue::runnable_by_kind(&s.conn())).await?;
                // Jobs whose server is unreachable wait for the network; a one-shot run does
                // not wait with them (they stay queued for the next run).
                if paused || left.iter().all(|(kind, n)| *n == 0 || limits.is_unreachable(*kind)) {
                    if left.iter().any(|(_, n)| *n > 0) && !paused {
                        tracing::warn!("stopping with jobs waiting for the network");
                    }
                    break;
                }
            }
            if claimed_any {
                // More may be claimable right away (the limit was the only bound).
                continue;
            }

            // 7. Sleep until something can happen.
            let mut deadline = next_poll;
            if let Some(t) = next_flush {
                deadline = deadline.min(t);
            }
            if !paused {
                for kind in MediaKind::ALL {
                    let now = Instant::now();
                    if limits.available(kind, now) > 0 {
                        if let Some(due) = self.db(move |s| queue::next_due(&s.conn(), kind)).await? {
                            let wait = Duration::from_millis((due - now_ms()).max(0) as u64);
                            deadline = deadline.min(now + wait);
                        }
                    } else if let Some(t) = limits.next_ready(kind, now) {
                        deadline = deadline.min(t);
                    }
                }
            }
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => {}
                Some(m) = rx.recv() => inbox.push(m),
                _ = self.wake.notified() => { check_ours = true; }
                _ = self.wake_socket.woken() => { check_ours = true; }
                _ = tokio::time::sleep_until(deadline.into()) => {}
            }
        }

        // Shutdown: abort what runs, hand the jobs back.
        for job in in_flight.values() {
            job.cancel.cancel();
        }
        tracker.close();
        let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
            while !in_flight.is_empty() {
                match rx.recv().await {
                    Some(Msg::Settled(o)) => {
                        in_flight.remove(&o.job());
                        outcomes.push(o);
                    }
                    Some(Msg::Released { .. }) => {}
                    None => break,
                }
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!(left = in_flight.len(), "jobs did not stop in time; returning them to the queue");
        }
        outcomes.extend(in_flight.keys().map(|&job| Outcome::Requeue { job, next_run_at: now_ms(), error: None }));
        if !outcomes.is_empty() {
            let lease = self.lease.clone();
            let report = self.db(move |s| queue::settle(&mut s.conn(), &lease, &outcomes, now_ms())).await?;
            self.report_settled(&report, &mut summary, &mut paces).await?;
        }
        let _ = self.events.send(Event::QueueState { running: 0, paused: false, waiting_for_network: false });
        Ok(summary)
    }

    /// Counts and announces what a settle did.
    async fn report_settled(&self, report: &queue::SettleReport, summary: &mut RunSummary, paces: &mut HashMap<BatchId, BatchPace>) -> Result<()> {
        for j in &report.settled {
            match j.outcome {
                "done" => summary.done += 1,
                "failed" => summary.failed += 1,
                "retrying" => summary.retried += 1,
                _ => summary.requeued += 1,
            }
            let _ = self.events.send(Event::JobFinished {
                batch_id: j.batch_id,
                job_id: j.job_id,
                word_id: j.word_id,
                kind: j.kind,
                outcome: j.outcome.to_string(),
                error: j.error.clone(),
            });
        }
        for b in &report.batches {
            if let Some(p) = paces.get_mut(b) {
                p.dirty = true;
            }
        }
        for &b in &report.finished {
            self.emit_progress(b, paces, true).await?;
        }
        Ok(())
    }

    /// Sends a batch's progress (and `BatchFinished` when it is finished).
    async fn emit_progress(&self, batch_id: BatchId, paces: &mut HashMap<BatchId, BatchPace>, finished: bool) -> Result<()> {
        let info = match self.db(move |s| queue::batch_info(&s.conn(), batch_id)).await {
            Ok(info) => info,
            Err(Error::NotFound { .. }) => return Ok(()),
            Err(e) => return Err(e),
        };
        let settled = info.settled_words();
        let pace = paces.entry(batch_id).or_insert_with(|| BatchPace { seen_at: Instant::now(), settled_at_start: settled, last_emit: None, dirty: false });
        if pace.settled_at_start < 0 {
            pace.settled_at_start = settled;
        }
        let done_here = settled - pace.settled_at_start;
        let eta_seconds = if done_here > 0 && settled < info.total_words {
            let per_word = pace.seen_at.elapsed().as_secs_f64() / done_here as f64;
            Some((per_word * (info.total_words - settled) as f64).ceil() as u64)
        } else if settled >= info.total_words {
            Some(0)
        } else {
            None
        };
        pace.last_emit = Some(Instant::now());
        pace.dirty = false;
        let _ = self.events.send(Event::progress(&info, eta_seconds));
        if finished || info.status.is_finished() {
            let _ = self.events.send(Event::finished(&info));
            paces.remove(&batch_id);
        }
        Ok(())
    }
}

fn data_version(store: &Store) -> Result<i64> {
    use crate::error::DbContext;
    store.conn().query_row("PRAGMA data_version", [], |r| r.get(0)).db("polling for changes")
}

/// Runs one job: reuse cached media, or ask the provider and store the file.
/// `release` is called once, as soon as the provider slot is free.
async fn run_job(
    job: ClaimedJob,
    slot: &crate::providers::ProviderSlot,
    media: &MediaStore,
    cfg: &QueueConfig,
    cancel: &CancellationToken,
    release: impl FnOnce(Finish, Option<RateBudget>),
) -> Outcome {
    if let Some(cached) = job.cached.clone() {
        let m = media.clone();
        let ok = tokio::task::spawn_blocking(move || m.verify(&cached.rel_path, &cached.sha256).then_some(cached)).await;
        if let Ok(Some(cached)) = ok {
            release(Finish::Other, None);
            return Outcome::Done { job: job.id, media: cached, reused: true };
        }
    }
    let request = MediaRequest { kind: job.kind, text: job.text.clone(), language: job.language.clone(), translation: job.translation.clone() };
    let attempt = job.attempts + 1;
    let retry_at = |delay: Duration| now_ms() + delay.as_millis() as i64;
    let delay = || backoff(attempt, Duration::from_millis(cfg.backoff_base_ms), Duration::from_millis(cfg.backoff_max_ms), rand::random::<f64>());
    let result = slot.provider.generate(&request, cancel).await;
    let budget = slot.provider.take_rate_budget();
    let finish = match &result {
        Ok(_) => Finish::Success,
        Err(ProviderError::Unreachable { .. }) => Finish::Unreachable,
        Err(ProviderError::Retryable { retry_after: Some(after), .. }) => Finish::RetryAfter(*after),
        Err(ProviderError::Retryable { rate_limited: true, .. }) => Finish::RateLimited,
        Err(_) => Finish::Other,
    };
    release(finish, budget);
    match result {
        Ok(bytes) => {
            let m = media.clone();
            let kind = job.kind;
            let written = tokio::task::spawn_blocking(move || m.write(kind, &bytes.ext, &bytes.bytes).map(|f| (f, bytes.mime))).await;
            match written {
                Ok(Ok((file, mime))) => {
                    let record = MediaRecord {
                        rel_path: file.rel_path,
                        sha256: file.sha256,
                        mime,
                        bytes: file.bytes as i64,
                        provider: slot.provider.name().to_string(),
                        settings_key: job.settings_key.clone(),
                        cache_key: job.cache_key.clone(),
                        source_text: job.text.clone(),
                        warning: slot.provider.warning(&request),
                    };
                    Outcome::Done { job: job.id, media: record, reused: false }
                }
                Ok(Err(e)) => Outcome::Retry { job: job.id, error: format!("could not save the file: {e}"), next_run_at: retry_at(delay()) },
                Err(e) => Outcome::Retry { job: job.id, error: format!("could not save the file: {e}"), next_run_at: retry_at(delay()) },
            }
        }
        Err(ProviderError::Retryable { message, retry_after: Some(after), .. }) => Outcome::Retry { job: job.id, error: message, next_run_at: retry_at(after) },
        Err(ProviderError::Retryable { message, retry_after: None, .. }) => Outcome::Retry { job: job.id, error: message, next_run_at: retry_at(delay()) },
        Err(ProviderError::Permanent { message }) => Outcome::Fail { job: job.id, error: message },
        Err(ProviderError::Unreachable { message }) => {
            Outcome::Requeue { job: job.id, next_run_at: now_ms(), error: Some(format!("waiting for the network: {message}")) }
        }
        Err(ProviderError::Cancelled) => Outcome::Requeue { job: job.id, next_run_at: now_ms(), error: None },
    }
}
