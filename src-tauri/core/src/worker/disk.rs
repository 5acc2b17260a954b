//! A full (or read-only, or forbidden) media folder: the queue's fault, not the word's.
//!
//! While it lasts no job is claimed; media the provider already made (and was paid for) is kept
//! in memory up to [`HELD_CAP`] bytes, its job still running under this worker's lease, and
//! written when a probe write succeeds (probed every 0.5 s growing to 30 s). Beyond the cap a
//! job goes back to the queue without spending an attempt. No attempt is ever spent on it.

use std::time::Duration;

use tokio::time::Instant;

use super::job::PendingWrite;
use crate::attention::Attention;
use crate::model::JobId;

/// Most bytes of made media kept in memory while the disk is full.
pub const HELD_CAP: usize = 64 * 1024 * 1024;
const PROBE_FIRST: Duration = Duration::from_millis(500);
const PROBE_MAX: Duration = Duration::from_secs(30);

#[derive(Debug)]
struct DiskFault {
    reason: String,
    since: Instant,
    since_ms: i64,
    probe_at: Instant,
    probe_every: Duration,
}

/// The media folder's state and the media waiting for it.
#[derive(Default)]
pub struct DiskWait {
    fault: Option<DiskFault>,
    held: Vec<PendingWrite>,
    held_bytes: usize,
}

impl DiskWait {
    /// Claiming is paused.
    pub fn blocked(&self) -> bool {
        self.fault.is_some()
    }

    /// A write failed for `reason`: claiming pauses (the first probe soon).
    pub fn hit(&mut self, reason: String, now: Instant, now_ms: i64) {
        match &mut self.fault {
            Some(f) => f.reason = reason,
            None => self.fault = Some(DiskFault { reason, since: now, since_ms: now_ms, probe_at: now + PROBE_FIRST, probe_every: PROBE_FIRST }),
        }
    }

    /// Keeps made media until space is back; gives it back when the cap is reached.
    pub fn hold(&mut self, write: PendingWrite) -> Option<PendingWrite> {
        if self.held_bytes + write.size() > HELD_CAP {
            return Some(write);
        }
        self.held_bytes += write.size();
        self.held.push(write);
        None
    }

    pub fn held_ids(&self) -> impl Iterator<Item = JobId> + '_ {
        self.held.iter().map(|w| w.job)
    }

    pub fn has_held(&self) -> bool {
        !self.held.is_empty()
    }

    /// Drops media of a job that is no longer this worker's (cancelled meanwhile).
    pub fn forget(&mut self, job: JobId) {
        self.held.retain(|w| w.job != job);
        self.held_bytes = self.held.iter().map(PendingWrite::size).sum();
    }

    pub fn probe_due(&self, now: Instant) -> bool {
        self.fault.as_ref().is_some_and(|f| now >= f.probe_at)
    }

    pub fn next_probe(&self) -> Option<Instant> {
        self.fault.as_ref().map(|f| f.probe_at)
    }

    /// The probe failed: the next one waits twice as long.
    pub fn probe_failed(&mut self, now: Instant) {
        if let Some(f) = &mut self.fault {
            f.probe_every = (f.probe_every * 2).min(PROBE_MAX);
            f.probe_at = now + f.probe_every;
        }
    }

    /// The probe succeeded: the held media, to write now.
    pub fn take_held(&mut self) -> Vec<PendingWrite> {
        self.held_bytes = 0;
        std::mem::take(&mut self.held)
    }

    /// Space is back and every held file is written.
    pub fn clear(&mut self) {
        self.fault = None;
    }

    pub fn attention(&self) -> Option<Attention> {
        self.fault.as_ref().map(|f| Attention { reason: f.reason.clone(), since_ms: f.since_ms })
    }

    /// The reason of a fault that has lasted [`super::health::PERSISTENT`].
    pub fn persistent(&self, now: Instant) -> Option<String> {
        let f = self.fault.as_ref()?;
        (now.duration_since(f.since) >= super::health::PERSISTENT).then(|| f.reason.clone())
    }
}
