//! The events the core publishes: one typed enum, serialised with a `type` tag so the UI and the
//! CLI read the same names. They travel on a `tokio::sync::broadcast` channel: a subscriber that
//! falls behind gets `Lagged` and re-reads the truth with [`crate::Core::snapshot`]; the database,
//! not the event stream, is the source of truth.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::attention::Attention;
use crate::model::{AccountState, BatchId, BatchInfo, BatchStatus, JobId, MediaKind, ProviderState, WordId};
use crate::model::JobOutcome;

/// Capacity of the broadcast channel.
pub const EVENT_CAPACITY: usize = 4096;

/// An event of the core (`CoreEvent` in TypeScript, apart from the DOM's `Event`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type")]
#[ts(rename = "CoreEvent")]
pub enum Event {
    /// A batch moved. Coalesced: at most ~10 per second per batch; the last one before
    /// `BatchFinished` is always sent.
    BatchProgress {
        batch_id: BatchId,
        status: BatchStatus,
        completed: i64,
        failed: i64,
        cancelled: i64,
        total: i64,
        /// Estimated seconds left, from this run's pace; `None` until there is a pace.
        eta_seconds: Option<u64>,
        /// `eta_seconds` in words ([`crate::wording::eta`]: "~2 min left"), for every front end
        /// to show the same.
        eta_text: Option<String>,
    },
    /// One job settled.
    JobFinished {
        batch_id: BatchId,
        job_id: JobId,
        word_id: WordId,
        kind: MediaKind,
        /// `done`, `failed`, `retrying` (queued again after an error), `waiting` (its server is
        /// unreachable: queued until the network returns), `paused` (its provider's account
        /// needs the user: see `ProviderAccount`) or `requeued` (the worker stopped, or the disk
        /// is full).
        outcome: JobOutcome,
        error: Option<String>,
    },
    /// Every job of the batch settled (or it was cancelled). `summary` is the one line every
    /// front end shows: "98 done, 2 failed: 1 rejected by the provider, 1 timed out".
    BatchFinished { batch_id: BatchId, status: BatchStatus, completed: i64, failed: i64, cancelled: i64, total: i64, summary: String },
    /// The queue as a whole.
    QueueState { running: usize, paused: bool, waiting_for_network: bool },
    /// The queue needs the user (a full disk, a database another program holds for a minute),
    /// or no longer does (`attention: None`): sent when it changes.
    QueueAttention { attention: Option<Attention> },
    /// A provider's account changed: `state` set = its jobs are paused (quota used up, key
    /// rejected) with the provider's own `message`; `None` = resumed (Resume, or a new key).
    ProviderAccount { provider: String, state: Option<AccountState>, message: Option<String> },
    /// A neural voice install moved (at most ~5 per second), finished or failed.
    VoiceInstall {
        key: String,
        state: crate::model::VoiceInstallState,
        bytes_done: u64,
        bytes_total: u64,
        /// Estimated seconds left, from this install's speed.
        eta_seconds: Option<u64>,
        eta_text: Option<String>,
        /// Why it failed (`state: failed`).
        error: Option<String>,
    },
}

impl Event {
    /// A batch's progress from its snapshot.
    pub fn progress(b: &BatchInfo, eta_seconds: Option<u64>) -> Event {
        Event::BatchProgress {
            batch_id: b.id,
            status: b.status,
            completed: b.completed_words,
            failed: b.failed_words,
            cancelled: b.cancelled_words,
            total: b.total_words,
            eta_seconds,
            eta_text: eta_seconds.map(crate::wording::eta),
        }
    }

    /// A provider was paused.
    pub fn provider_paused(p: &ProviderState) -> Event {
        Event::ProviderAccount { provider: p.provider.clone(), state: Some(p.state), message: Some(p.message.clone()) }
    }

    /// A provider was resumed.
    pub fn provider_resumed(provider: &str) -> Event {
        Event::ProviderAccount { provider: provider.to_string(), state: None, message: None }
    }

    /// A finished batch's final counts and summary line ([`crate::queue::batch_failures`]).
    pub fn finished(b: &BatchInfo, summary: String) -> Event {
        Event::BatchFinished {
            summary,
            batch_id: b.id,
            status: b.status,
            completed: b.completed_words,
            failed: b.failed_words,
            cancelled: b.cancelled_words,
            total: b.total_words,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BatchStatus, MediaKind};

    fn batch() -> BatchInfo {
        BatchInfo {
            id: 3,
            deck_id: 1,
            deck: "D".into(),
            kinds: vec![MediaKind::Image],
            status: BatchStatus::Processing,
            progress: 40,
            total_words: 10,
            completed_words: 4,
            failed_words: 0,
            cancelled_words: 0,
            reused_jobs: 0,
            total_jobs: 10,
            done_jobs: 4,
            failed_jobs: 0,
            cancelled_jobs: 0,
            paused: false,
            created_at: 0,
            updated_at: 0,
            finished_at: None,
        }
    }

    #[test]
    fn a_progress_event_carries_its_eta_in_the_cores_words() {
        let json = serde_json::to_value(Event::progress(&batch(), Some(3590))).unwrap_or_default();
        assert_eq!(json["eta_seconds"], 3590);
        assert_eq!(json["eta_text"], "~1 h left");
        let json = serde_json::to_value(Event::progress(&batch(), None)).unwrap_or_default();
        assert_eq!(json["eta_text"], serde_json::Value::Null);
    }
}
