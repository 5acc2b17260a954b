//! The worker: a supervised tokio loop that claims jobs within each provider's limits, runs
//! them, and settles their outcomes.
//!
//! * It wakes when a job finishes, when this process enqueues or changes something (`Notify`),
//!   when another process does (a datagram on the [`crate::wake`] socket), at the next due
//!   time (a retry, a provider pause ending), or — the fallback for other processes — when
//!   SQLite's `data_version` moved, checked every half second. It never sleeps a fixed time
//!   hoping for work.
//! * Outcomes that arrive together are settled in one transaction (group commit).
//! * A failing turn (locked or full database, I/O error) never ends the loop: it is tried again
//!   after a growing pause ([`health`]); a fault that lasts makes the queue "need attention".
//!   A full media folder pauses claiming and keeps the media already made ([`disk`]).
//! * One worker per data dir: it holds the OS file lock for its whole life.
//! * On shutdown it stops claiming, aborts requests in flight and returns their jobs to the
//!   queue without counting an attempt.
//!
//! The loop's steps are in [`turn`]; one job's life in [`job`]. It owns no rule about job
//! states: those are in [`crate::queue`].

mod clock;
mod disk;
mod health;
mod job;
mod turn;

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{broadcast, Notify};
use tokio_util::sync::CancellationToken;

use crate::attention::AttentionBoard;
use crate::config::QueueConfig;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::lock::WorkerLock;
use crate::media::MediaStore;
use crate::providers::ProviderSet;
use crate::store::Store;

pub use disk::HELD_CAP;
pub use health::{FIRST_PAUSE, MAX_PAUSE, PERSISTENT};
use turn::{Next, Turn};

/// What a finished run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub done: u64,
    pub failed: u64,
    pub retried: u64,
    pub requeued: u64,
    /// Requests a provider rejected for rate limits.
    pub rate_limited: u64,
    /// Turns that failed (database or disk faults) and were tried again.
    pub faults: u64,
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
    /// Wake-ups from other processes (see [`crate::wake`]); the turn loop takes it.
    pub(crate) wake_socket: Option<crate::wake::Listener>,
    pub(crate) attention: Arc<AttentionBoard>,
    pub(crate) data_dir: PathBuf,
    pub(crate) queue: QueueConfig,
    pub(crate) lease: String,
    pub(crate) _lock: WorkerLock,
}

impl Worker {
    /// Runs until `shutdown` fires. Faults do not end it: it waits them out.
    pub async fn run(self, shutdown: CancellationToken) -> Result<RunSummary> {
        self.run_inner(shutdown, false).await
    }

    /// Runs until nothing is left that may run (queued jobs of paused batches, or of a paused
    /// queue, do not count), or until `shutdown` fires. A fault that persists
    /// ([`PERSISTENT`]) ends it with [`Error::NeedsAttention`]; the jobs stay queued.
    pub async fn run_until_idle(self, shutdown: CancellationToken) -> Result<RunSummary> {
        self.run_inner(shutdown, true).await
    }

    async fn db<T: Send + 'static>(&self, f: impl FnOnce(&Store) -> Result<T> + Send + 'static) -> Result<T> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| Error::Config(format!("database task failed: {e}")))?
    }

    /// The supervisor: turn after turn until stopped; a failed turn is a pause, never the end.
    async fn run_inner(mut self, shutdown: CancellationToken, until_idle: bool) -> Result<RunSummary> {
        self.attention.reset();
        let wake_socket = self.wake_socket.take();
        let mut turn = Turn::new(&self, wake_socket, shutdown.clone(), until_idle);
        let mut gave_up = None;
        while !shutdown.is_cancelled() {
            let next = turn.supervised().await;
            let persistent = turn.attention();
            if until_idle && persistent.is_some() {
                gave_up = persistent;
                break;
            }
            match next {
                Next::Stop => break,
                Next::Again => {}
                Next::Wait(deadline) => turn.wait(deadline).await,
                Next::Pause(pause) => turn.pause(pause).await,
            }
        }
        let summary = turn.finish().await;
        match gave_up {
            Some(reason) => Err(Error::NeedsAttention(reason)),
            None => Ok(summary),
        }
    }
}
