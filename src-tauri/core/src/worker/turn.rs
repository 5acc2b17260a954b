//! One turn of the worker's loop, in steps: drain the inbox, look for external changes, probe a
//! full disk, claim and settle (one trip to the database), flush progress, decide whether to stop
//! or how long to wait. Every piece of loop state lives in [`Turn`]; a step that fails leaves it
//! consistent (outcomes not yet settled stay to be settled, claimed jobs are tracked), so the
//! supervisor in [`super`] can simply run the turn again after a pause.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::clock::WallClock;
use super::disk::DiskWait;
use super::health::{classify, Health};
use super::job::{retry_outcome, run_job, write_pending, JobContext, JobEnd, PendingWrite, Written};
use super::{RunSummary, Worker};
use crate::attention::Attention;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::limits::{Finish, KindLimits, RateReport};
use crate::model::{BatchId, FailureKind, JobId, MediaKind};
use crate::model::JobOutcome;
use crate::queue::{self, ClaimedJob, Outcome, SettleReport};
use crate::store::Store;
use crate::wake::Listener;

/// Progress events per batch are at most this frequent.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);
/// How often the worker looks for changes made by other processes.
const EXTERNAL_POLL: Duration = Duration::from_millis(500);
/// How long shutdown waits for aborted jobs to hand back their outcome.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How often shutdown tries to settle when the database fails.
const SHUTDOWN_SETTLE_TRIES: u32 = 5;
/// A batch's pace is forgotten this long after its last progress event.
const PACE_KEEP: Duration = Duration::from_secs(60);

/// What the loop does after a turn.
pub enum Next {
    /// Turn again at once (more may be claimable).
    Again,
    /// Wait for a message, a wake-up or this deadline.
    Wait(Instant),
    /// The turn failed: wait this long (or for shutdown) before the next try.
    Pause(Duration),
    Stop,
}

/// What a job task tells the loop.
enum Msg {
    /// The provider call ended: its slot is free for the next job (before the file is saved,
    /// so saving never holds a provider slot).
    Released { kind: MediaKind, finish: Finish, budget: Vec<RateReport> },
    Ended(Box<JobEnd>),
}

struct InFlight {
    batch_id: BatchId,
    cancel: CancellationToken,
    kind: MediaKind,
    /// The provider picked for this job ("Retry with…"), when not the kind's configured one.
    picked: Option<crate::model::ProviderKind>,
}

struct BatchPace {
    seen_at: Instant,
    settled_at_start: i64,
    last_emit: Option<Instant>,
    dirty: bool,
}

/// Slots reserved for one kind before a claim.
struct Want {
    kind: MediaKind,
    free: u32,
    settings_key: String,
    provider: String,
    alternatives: std::sync::Arc<[(crate::model::ProviderKind, String)]>,
    /// Jobs each picked provider may start now.
    picked_room: Vec<(crate::model::ProviderKind, u32)>,
}

/// What one trip to the database brought back. Claimed jobs come back even when a later step
/// of the trip failed, so none is lost.
#[derive(Default)]
struct Trip {
    paused: Option<bool>,
    claimed: Vec<ClaimedJob>,
    settled: Option<Result<SettleReport>>,
    error: Option<Error>,
}

pub struct Turn<'w> {
    w: &'w Worker,
    clock: WallClock,
    shutdown: CancellationToken,
    until_idle: bool,
    limits: KindLimits<MediaKind>,
    round: usize,
    tx: mpsc::UnboundedSender<Msg>,
    rx: mpsc::UnboundedReceiver<Msg>,
    inbox: Vec<Msg>,
    tracker: TaskTracker,
    in_flight: HashMap<JobId, InFlight>,
    paces: HashMap<BatchId, BatchPace>,
    /// Settled but not yet written to the database.
    outcomes: Vec<Outcome>,
    /// Finished batches whose `BatchFinished` is not sent yet.
    finished: Vec<BatchId>,
    summary: RunSummary,
    started: bool,
    last_version: Option<i64>,
    next_poll: Instant,
    check_ours: bool,
    paused: bool,
    claimed_any: bool,
    next_flush: Option<Instant>,
    last_state: Option<(bool, bool, bool)>,
    health: Health,
    disk: DiskWait,
    /// Wake-ups from other processes; `None` when not bound (the data-version poll remains).
    wake_socket: Option<Listener>,
    /// Per kind, the providers a job may have been picked for, with their settings keys: fixed
    /// for the worker's life, so worked out once.
    alternative_keys: Vec<(MediaKind, PickableKeys)>,
}

/// The providers a job of one kind may have been picked for, with their settings keys.
type PickableKeys = std::sync::Arc<[(crate::model::ProviderKind, String)]>;

impl<'w> Turn<'w> {
    pub fn new(w: &'w Worker, wake_socket: Option<Listener>, shutdown: CancellationToken, until_idle: bool) -> Turn<'w> {
        let kinds: Vec<(MediaKind, String, u32, u32)> = MediaKind::ALL
            .iter()
            .map(|&k| {
                let slot = w.providers.get(k);
                (k, slot.provider.limit_key(), slot.max_concurrency, slot.requests_per_minute)
            })
            .collect();
        let probe_base = Duration::from_millis(w.queue.backoff_base_ms.max(1));
        // The translation and sentence slots without settings of their own use the word
        // audio's voice: they share its cap, not only its server's window.
        let riders: Vec<(MediaKind, MediaKind)> = MediaKind::ALL.iter().filter(|&&k| w.providers.rides_on_audio(k)).map(|&k| (k, MediaKind::Audio)).collect();
        let (tx, rx) = mpsc::unbounded_channel();
        Turn {
            w,
            wake_socket,
            alternative_keys: MediaKind::ALL.iter().map(|&k| (k, std::sync::Arc::from(w.providers.alternative_keys(k)))).collect(),
            clock: WallClock::start(),
            shutdown,
            until_idle,
            limits: KindLimits::with_riders(&kinds, &riders, probe_base),
            round: 0,
            tx,
            rx,
            inbox: Vec::new(),
            tracker: TaskTracker::new(),
            in_flight: HashMap::new(),
            paces: HashMap::new(),
            outcomes: Vec::new(),
            finished: Vec::new(),
            summary: RunSummary::default(),
            started: false,
            last_version: None,
            next_poll: Instant::now() + EXTERNAL_POLL,
            check_ours: false,
            paused: false,
            claimed_any: false,
            next_flush: None,
            last_state: None,
            health: Health::default(),
            disk: DiskWait::default(),
        }
    }

    /// One turn. An error leaves the state consistent: run it again after a pause.
    pub async fn once(&mut self) -> Result<Next> {
        self.start().await?;
        self.drain_inbox();
        if self.shutdown.is_cancelled() {
            return Ok(Next::Stop);
        }
        self.external_changes().await?;
        self.probe_disk().await?;
        self.claim_and_settle().await?;
        self.announce_state();
        self.announce_finished().await?;
        self.flush_progress().await?;
        if self.idle().await? {
            return Ok(Next::Stop);
        }
        if self.claimed_any {
            return Ok(Next::Again);
        }
        Ok(Next::Wait(self.next_deadline().await?))
    }

    /// Runs `once` and keeps the health: a failed turn becomes a growing pause.
    pub async fn supervised(&mut self) -> Next {
        match self.once().await {
            Ok(next) => {
                if self.health.recovered() {
                    tracing::info!("the queue works again");
                }
                next
            }
            Err(e) => {
                let fault = classify(&e, &self.w.data_dir);
                let pause = self.health.failed(fault, Instant::now(), self.clock.now_ms());
                self.summary.faults += 1;
                tracing::warn!(failures = self.health.failures(), pause_ms = pause.as_millis() as u64, "worker turn failed, trying again: {e}");
                Next::Pause(pause)
            }
        }
    }

    /// Publishes "needs attention" when it changes (a full disk at once, other faults once
    /// they persist) and returns the reason of a fault that persists.
    pub fn attention(&mut self) -> Option<String> {
        let now = Instant::now();
        let attention: Option<Attention> = self.disk.attention().or_else(|| self.health.attention(now));
        if self.w.attention.set(attention.clone()) {
            match &attention {
                Some(a) => tracing::warn!("the queue needs attention: {}", a.reason),
                None => tracing::info!("the queue no longer needs attention"),
            }
            let _ = self.w.events.send(Event::QueueAttention { attention });
        }
        self.disk.persistent(now).or_else(|| self.health.persistent(now))
    }

    /// The provider serving each kind, by name.
    fn provider_names(&self) -> Vec<(MediaKind, String)> {
        MediaKind::ALL.iter().map(|&k| (k, self.w.providers.get(k).provider.name().to_string())).collect()
    }

    // ---- the steps ------------------------------------------------------------------------------

    /// Once: returns jobs a dead process left running, removes stray temp files.
    async fn start(&mut self) -> Result<()> {
        if self.started {
            return Ok(());
        }
        let recovered = self.w.db(|s| queue::recover_running(&s.conn())).await?;
        if recovered > 0 {
            tracing::info!(recovered, "returned jobs left running by an earlier process to the queue");
        }
        let (names, now_ms) = (self.provider_names(), self.clock.now_ms());
        let reconciled = self.w.db(move |s| queue::reconcile(&mut s.conn(), &names, now_ms)).await?;
        if reconciled != queue::Reconciled::default() {
            tracing::warn!(failed = reconciled.orphaned_jobs, resumed = ?reconciled.providers_cleared, "settled jobs that could never run");
        }
        let media = self.w.media.clone();
        match tokio::task::spawn_blocking(move || media.remove_stray_temp_files()).await {
            Ok(Ok(0)) => {}
            Ok(Ok(removed)) => tracing::info!(removed, "removed temp files left by a crash"),
            Ok(Err(e)) => tracing::warn!("could not remove temp files: {e}"),
            Err(e) => tracing::warn!("could not remove temp files: {e}"),
        }
        self.last_version = Some(self.w.db(data_version).await?);
        self.started = true;
        Ok(())
    }

    /// Takes what the jobs said: free slots, outcomes to settle, media to hold.
    fn drain_inbox(&mut self) {
        while let Ok(m) = self.rx.try_recv() {
            self.inbox.push(m);
        }
        let now = Instant::now();
        for m in std::mem::take(&mut self.inbox) {
            self.take(m, now);
        }
    }

    fn take(&mut self, m: Msg, now: Instant) {
        match m {
            Msg::Released { kind, finish, budget } => {
                for report in budget {
                    self.limits.on_rate(kind, report, now.into_std());
                }
                self.limits.on_finish(kind, finish, now.into_std());
                if matches!(finish, Finish::RateLimited | Finish::RetryAfter(_)) {
                    self.summary.rate_limited += 1;
                }
            }
            Msg::Ended(end) => match *end {
                JobEnd::Settle(o) => {
                    self.in_flight.remove(&o.job());
                    self.outcomes.push(o);
                }
                JobEnd::Unwritten { write, reason } => {
                    self.in_flight.remove(&write.job);
                    self.keep(write, reason, now);
                }
            },
        }
    }

    /// Media made while the media folder cannot be written: claiming pauses, the bytes are kept
    /// (over the memory cap the job goes back to the queue, no attempt spent).
    fn keep(&mut self, write: PendingWrite, reason: String, now: Instant) {
        self.disk.hit(reason.clone(), now, self.clock.now_ms());
        if let Some(write) = self.disk.hold(write) {
            self.outcomes.push(Outcome::Requeue { job: write.job, next_run_at: self.clock.now_ms(), error: Some(reason) });
        }
    }

    /// Changes from other processes (or our own Core): cancelled jobs, pauses.
    async fn external_changes(&mut self) -> Result<()> {
        let now = Instant::now();
        if now >= self.next_poll {
            let v = self.w.db(data_version).await?;
            self.next_poll = now + EXTERNAL_POLL;
            if self.last_version != Some(v) {
                self.last_version = Some(v);
                self.check_ours = true;
            }
        }
        if self.check_ours {
            self.drop_lost_jobs().await?;
            self.check_ours = false;
        }
        Ok(())
    }

    /// Aborts jobs that are no longer ours (cancelled), and forgets their held media.
    async fn drop_lost_jobs(&mut self) -> Result<()> {
        let ids: Vec<JobId> = self.in_flight.keys().copied().chain(self.disk.held_ids()).collect();
        if ids.is_empty() {
            return Ok(());
        }
        let lease = self.w.lease.clone();
        let gone = self.w.db(move |s| queue::jobs_no_longer_ours(&s.conn(), &lease, &ids)).await?;
        for id in gone {
            if let Some(job) = self.in_flight.get(&id) {
                job.cancel.cancel();
                if let Some(p) = self.paces.get_mut(&job.batch_id) {
                    p.dirty = true;
                }
            }
            self.disk.forget(id);
        }
        Ok(())
    }

    /// While the media folder is faulted: probe it, and write the held media once it works.
    async fn probe_disk(&mut self) -> Result<()> {
        if !self.disk.probe_due(Instant::now()) {
            return Ok(());
        }
        let media = self.w.media.clone();
        if !matches!(tokio::task::spawn_blocking(move || media.probe()).await, Ok(Ok(()))) {
            self.disk.probe_failed(Instant::now());
            return Ok(());
        }
        let ctx = self.job_context(MediaKind::Image);
        let mut still_full = false;
        let mut reason = String::new();
        for write in self.disk.take_held() {
            if still_full {
                self.keep(write, reason.clone(), Instant::now());
                continue;
            }
            match write_pending(write, self.w.media.clone()).await {
                Written::Done(o) => self.outcomes.push(o),
                Written::Local(write, why) => {
                    still_full = true;
                    reason = why;
                    self.keep(write, reason.clone(), Instant::now());
                }
                Written::Failed { job, attempt, error } => self.outcomes.push(retry_outcome(job, attempt, error, FailureKind::NotSaved, &ctx)),
            }
        }
        if still_full {
            self.disk.probe_failed(Instant::now());
        } else {
            tracing::info!("the media folder can be written again");
            self.disk.clear();
        }
        Ok(())
    }

    /// One trip to the database: claim what the limits allow (first, so a free slot is filled
    /// at once), then settle everything that finished in one transaction.
    async fn claim_and_settle(&mut self) -> Result<()> {
        self.round = self.round.wrapping_add(1);
        self.claimed_any = false;
        let wanted = if self.disk.blocked() { Vec::new() } else { self.reserve() };
        let reserved: Vec<(MediaKind, u32)> = wanted.iter().map(|w| (w.kind, w.free)).collect();
        let to_settle = self.outcomes.clone();
        let (lease, now_ms) = (self.w.lease.clone(), self.clock.now_ms());
        let trip = self.w.db(move |s| Ok(trip(s, &lease, &wanted, &to_settle, now_ms))).await;
        let trip = trip.unwrap_or_else(|e| Trip { error: Some(e), ..Trip::default() });
        for (kind, n) in reserved {
            let used = trip.claimed.iter().filter(|j| j.kind == kind).count() as u32;
            self.limits.unreserve(kind, n.saturating_sub(used));
        }
        self.claimed_any = !trip.claimed.is_empty();
        if let Some(p) = trip.paused {
            self.paused = p;
        }
        for job in trip.claimed {
            self.spawn(job);
        }
        match trip.settled {
            Some(Ok(report)) => {
                self.outcomes.clear();
                self.count_settled(&report);
            }
            Some(Err(e)) => return Err(e),
            None => {}
        }
        trip.error.map_or(Ok(()), Err)
    }

    /// Reserves every free slot (so a kind sharing the server sees them taken). Kinds take
    /// turns going first, so one cannot starve the other on a shared server.
    fn reserve(&mut self) -> Vec<Want> {
        let now = Instant::now().into_std();
        let mut wanted = Vec::new();
        for i in 0..MediaKind::ALL.len() {
            let kind = MediaKind::ALL[(self.round + i) % MediaKind::ALL.len()];
            let free = self.limits.available(kind, now);
            if free == 0 {
                continue;
            }
            for _ in 0..free {
                self.limits.on_start(kind, now);
            }
            let p = &self.w.providers.get(kind).provider;
            let alternatives = self.alternative_keys.iter().find(|(k, _)| *k == kind).map_or_else(|| std::sync::Arc::from([]), |(_, a)| a.clone());
            let picked_room = self.picked_room(kind);
            wanted.push(Want { kind, free, settings_key: p.settings_key(), provider: p.name().to_string(), alternatives, picked_room });
        }
        wanted
    }

    /// What each provider a user may pick for `kind` may start now: its slot's concurrency
    /// (e.g. Wikimedia's 2) less its jobs in flight. Picked jobs also take the kind's window.
    fn picked_room(&self, kind: MediaKind) -> Vec<(crate::model::ProviderKind, u32)> {
        self.w
            .providers
            .alternatives
            .iter()
            .filter(|(k, _, _)| *k == kind)
            .map(|(_, p, slot)| {
                let running = self.in_flight.values().filter(|j| j.kind == kind && j.picked == Some(*p)).count() as u32;
                (*p, slot.max_concurrency.saturating_sub(running))
            })
            .collect()
    }

    fn job_context(&self, kind: MediaKind) -> JobContext {
        JobContext { slot: self.w.providers.get(kind).clone(), media: self.w.media.clone(), queue: self.w.queue.clone(), clock: self.clock }
    }

    /// Starts a claimed job in its own task.
    fn spawn(&mut self, job: ClaimedJob) {
        let kind = job.kind;
        let cancel = self.shutdown.child_token();
        self.in_flight.insert(job.id, InFlight { batch_id: job.batch_id, cancel: cancel.clone(), kind, picked: job.provider_override });
        self.paces.entry(job.batch_id).or_insert_with(|| BatchPace { seen_at: Instant::now(), settled_at_start: -1, last_emit: None, dirty: true });
        let tx = self.tx.clone();
        let mut ctx = self.job_context(kind);
        // "Regenerate with…": the picked provider runs within this kind's window and its own
        // concurrency (`picked_room`); what it says about its own limits is not the configured
        // provider's, so the window hears nothing.
        let picked = job.provider_override;
        if let Some(p) = picked {
            match self.w.providers.alternative(kind, p) {
                Some(slot) => ctx.slot = slot.clone(),
                None => {
                    let error = format!("{p} was picked for this word but cannot make {kind} with the current settings; pick another provider");
                    let _ = tx.send(Msg::Released { kind, finish: Finish::Other, budget: Vec::new() });
                    let _ = tx.send(Msg::Ended(Box::new(JobEnd::Settle(Outcome::Fail { job: job.id, error, failure: FailureKind::Rejected }))));
                    return;
                }
            }
        }
        self.tracker.spawn(async move {
            let end = run_job(job, &ctx, &cancel, |finish, budget| {
                let (finish, budget) = if picked.is_some() { (Finish::Other, Vec::new()) } else { (finish, budget) };
                let _ = tx.send(Msg::Released { kind, finish, budget });
            })
            .await;
            let _ = tx.send(Msg::Ended(Box::new(end)));
        });
    }

    /// `QueueState` when running / paused / waiting for the network changed.
    fn announce_state(&mut self) {
        let waiting = self.limits.any_unreachable();
        self.w.attention.set_waiting_for_network(waiting);
        let state = (!self.in_flight.is_empty(), self.paused, waiting);
        if self.last_state != Some(state) {
            self.last_state = Some(state);
            let _ = self.w.events.send(Event::QueueState { running: self.in_flight.len(), paused: self.paused, waiting_for_network: waiting });
        }
    }

    /// Counts and announces what a settle did.
    fn count_settled(&mut self, report: &SettleReport) {
        for p in &report.paused_providers {
            tracing::warn!(provider = %p.provider, "{}; its jobs wait until resumed", p.line());
            let _ = self.w.events.send(Event::provider_paused(p));
        }
        for j in &report.settled {
            match j.outcome {
                JobOutcome::Done => self.summary.done += 1,
                JobOutcome::Failed => self.summary.failed += 1,
                JobOutcome::Retrying => self.summary.retried += 1,
                JobOutcome::Waiting | JobOutcome::Requeued | JobOutcome::Paused => self.summary.requeued += 1,
            }
            let _ = self.w.events.send(Event::JobFinished {
                batch_id: j.batch_id,
                job_id: j.job_id,
                word_id: j.word_id,
                kind: j.kind,
                outcome: j.outcome,
                error: j.error.clone(),
            });
        }
        for b in &report.batches {
            if let Some(p) = self.paces.get_mut(b) {
                p.dirty = true;
            }
        }
        self.finished.extend(report.finished.iter().copied());
    }

    /// `BatchFinished` for batches the last settles finished (kept until sent).
    async fn announce_finished(&mut self) -> Result<()> {
        while let Some(&b) = self.finished.first() {
            self.emit_progress(b, true).await?;
            self.finished.remove(0);
        }
        Ok(())
    }

    /// Progress of batches that moved, coalesced.
    async fn flush_progress(&mut self) -> Result<()> {
        self.next_flush = None;
        let dirty: Vec<BatchId> = self.paces.iter().filter(|(_, p)| p.dirty).map(|(b, _)| *b).collect();
        for b in dirty {
            match self.paces.get(&b).and_then(|p| p.last_emit).map(|t| t + PROGRESS_INTERVAL) {
                Some(t) if t > Instant::now() => self.next_flush = Some(self.next_flush.map_or(t, |n| n.min(t))),
                _ => self.emit_progress(b, false).await?,
            }
        }
        let in_flight = &self.in_flight;
        self.paces.retain(|b, p| p.dirty || in_flight.values().any(|j| j.batch_id == *b) || p.last_emit.is_none_or(|t| t.elapsed() < PACE_KEEP));
        Ok(())
    }

    /// Whether a one-shot run is done: nothing in flight or held, nothing left that may run
    /// (queued jobs of paused batches, or of a paused queue, do not count).
    async fn idle(&mut self) -> Result<bool> {
        if !self.until_idle || !self.in_flight.is_empty() || self.claimed_any || self.disk.has_held() || !self.outcomes.is_empty() {
            return Ok(false);
        }
        let names = self.provider_names();
        let left = self.w.db(move |s| queue::runnable_by_kind(&s.conn(), &names)).await?;
        // Jobs whose server is unreachable wait for the network; a one-shot run does not wait
        // with them (they stay queued for the next run).
        let paused = self.paused;
        let stop = paused || left.iter().all(|(kind, n)| *n == 0 || self.limits.is_unreachable(*kind));
        if stop && !paused && left.iter().any(|(_, n)| *n > 0) {
            tracing::warn!("stopping with jobs waiting for the network");
        }
        Ok(stop)
    }

    /// When something can happen next: a poll, a progress flush, a disk probe, a due retry, a
    /// provider's pause ending.
    async fn next_deadline(&mut self) -> Result<Instant> {
        let mut deadline = self.next_poll;
        for t in [self.next_flush, self.disk.next_probe()].into_iter().flatten() {
            deadline = deadline.min(t);
        }
        if self.paused || self.disk.blocked() {
            return Ok(deadline);
        }
        for kind in MediaKind::ALL {
            let now = Instant::now();
            if self.limits.available(kind, now.into_std()) > 0 {
                let name = self.w.providers.get(kind).provider.name().to_string();
                if let Some(due) = self.w.db(move |s| queue::next_due(&s.conn(), kind, &name)).await? {
                    let wait = Duration::from_millis((due - self.clock.now_ms()).max(0) as u64);
                    deadline = deadline.min(now + wait);
                }
            } else if let Some(t) = self.limits.next_ready(kind, now.into_std()) {
                deadline = deadline.min(Instant::from_std(t));
            }
        }
        Ok(deadline)
    }

    /// Sleeps until a job says something, the core wakes us, `deadline`, or shutdown.
    pub async fn wait(&mut self, deadline: Instant) {
        tokio::select! {
            biased;
            _ = self.shutdown.cancelled() => {}
            Some(m) = self.rx.recv() => self.inbox.push(m),
            _ = self.w.wake.notified() => { self.check_ours = true; }
            _ = woken(&mut self.wake_socket) => { self.check_ours = true; }
            _ = tokio::time::sleep_until(deadline) => {}
        }
    }

    /// After a failed turn: sleeps `pause` (jobs' messages wait in the channel), or until shutdown.
    pub async fn pause(&mut self, pause: Duration) {
        tokio::select! {
            _ = self.shutdown.cancelled() => {}
            _ = tokio::time::sleep(pause) => {}
        }
    }

    /// Sends a batch's progress (and `BatchFinished` when it is finished).
    async fn emit_progress(&mut self, batch_id: BatchId, finished: bool) -> Result<()> {
        let info = match self.w.db(move |s| queue::batch_info(&s.conn(), batch_id)).await {
            Ok(info) => info,
            Err(Error::NotFound { .. }) => return Ok(()),
            Err(e) => return Err(e),
        };
        let settled = info.settled_words();
        let pace = self.paces.entry(batch_id).or_insert_with(|| BatchPace { seen_at: Instant::now(), settled_at_start: settled, last_emit: None, dirty: false });
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
        let _ = self.w.events.send(Event::progress(&info, eta_seconds));
        if finished || info.status.is_finished() {
            let batch = info.clone();
            let summary = self.w.db(move |s| queue::batch_failures(&s.conn(), &batch)).await?.summary;
            let _ = self.w.events.send(Event::finished(&info, summary));
            self.paces.remove(&batch_id);
        }
        Ok(())
    }

    // ---- shutdown -------------------------------------------------------------------------------

    /// Aborts what runs, hands every job back (held media included) and settles what is left.
    pub async fn finish(mut self) -> RunSummary {
        for job in self.in_flight.values() {
            job.cancel.cancel();
        }
        self.tracker.close();
        if tokio::time::timeout(SHUTDOWN_GRACE, self.drain_rest()).await.is_err() {
            tracing::warn!(left = self.in_flight.len(), "jobs did not stop in time; returning them to the queue");
        }
        let now_ms = self.clock.now_ms();
        let back: Vec<JobId> = self.in_flight.keys().copied().chain(self.disk.held_ids()).collect();
        self.outcomes.extend(back.into_iter().map(|job| Outcome::Requeue { job, next_run_at: now_ms, error: None }));
        self.settle_rest().await;
        self.w.attention.set_waiting_for_network(false);
        let _ = self.w.events.send(Event::QueueState { running: 0, paused: false, waiting_for_network: false });
        self.summary
    }

    async fn drain_rest(&mut self) {
        while !self.in_flight.is_empty() {
            match self.rx.recv().await {
                Some(m) => self.take(m, Instant::now()),
                None => break,
            }
        }
    }

    /// Settles the last outcomes, trying a few times when the database fails. What still fails
    /// stays `running` under this lease: the next worker returns it to the queue.
    async fn settle_rest(&mut self) {
        for attempt in 1..=SHUTDOWN_SETTLE_TRIES {
            if self.outcomes.is_empty() {
                return;
            }
            let (lease, outcomes, now_ms) = (self.w.lease.clone(), self.outcomes.clone(), self.clock.now_ms());
            match self.w.db(move |s| queue::settle(&mut s.conn(), &lease, &outcomes, now_ms)).await {
                Ok(report) => {
                    self.outcomes.clear();
                    self.count_settled(&report);
                    if let Err(e) = self.announce_finished().await {
                        tracing::warn!("could not announce finished batches: {e}");
                    }
                    return;
                }
                Err(e) => {
                    tracing::warn!(attempt, "could not settle jobs at shutdown: {e}");
                    tokio::time::sleep(super::health::pause_after(attempt)).await;
                }
            }
        }
        tracing::warn!(left = self.outcomes.len(), "jobs stay claimed; the next worker returns them to the queue");
    }
}

/// The body of [`Turn::claim_and_settle`]'s database trip.
fn trip(s: &Store, lease: &str, wanted: &[Want], outcomes: &[Outcome], now_ms: i64) -> Trip {
    let mut conn = s.conn();
    let mut t = Trip::default();
    match queue::global_paused(&conn) {
        Ok(paused) => t.paused = Some(paused),
        Err(e) => t.error = Some(e),
    }
    if t.paused == Some(false) {
        for w in wanted {
            let lane = queue::Lane { kind: w.kind, settings_key: &w.settings_key, provider: &w.provider, alternatives: &w.alternatives, picked_room: &w.picked_room };
            match queue::claim(&mut conn, lane, lease, w.free, now_ms) {
                Ok(jobs) => t.claimed.extend(jobs),
                Err(e) => {
                    t.error = Some(e);
                    break;
                }
            }
        }
    }
    if !outcomes.is_empty() {
        t.settled = Some(queue::settle(&mut conn, lease, outcomes, now_ms));
    }
    t
}

fn data_version(store: &Store) -> Result<i64> {
    use crate::error::DbContext;
    store.conn().query_row("PRAGMA data_version", [], |r| r.get(0)).db("polling for changes")
}

/// Resolves when another process pokes the wake socket; never when there is none.
async fn woken(socket: &mut Option<Listener>) {
    match socket {
        Some(listener) => listener.woken().await,
        None => std::future::pending().await,
    }
}
