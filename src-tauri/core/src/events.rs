//! The events the core publishes: one typed enum, serialised with a `type` tag so the UI and the
//! CLI read the same names. They travel on a `tokio::sync::broadcast` channel: a subscriber that
//! falls behind gets `Lagged` and re-reads the truth with [`crate::Core::snapshot`]; the database,
//! not the event stream, is the source of truth.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{BatchId, BatchInfo, BatchStatus, JobId, MediaKind, WordId};

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
        /// unreachable: queued until the network returns) or `requeued` (the worker stopped).
        outcome: String,
        error: Option<String>,
    },
    /// Every job of the batch settled (or it was cancelled).
    BatchFinished { batch_id: BatchId, status: BatchStatus, completed: i64, failed: i64, cancelled: i64, total: i64 },
    /// The queue as a whole.
    QueueState { running: usize, paused: bool, waiting_for_network: bool },
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

    /// A finished batch's final counts.
    pub fn finished(b: &BatchInfo) -> Event {
        Event::BatchFinished {
            batch_id: b.id,
            status: b.status,
            completed: b.completed_words,
            failed: b.failed_words,
            cancelled: b.cancelled_words,
            total: b.total_words,
        }
    }
}
