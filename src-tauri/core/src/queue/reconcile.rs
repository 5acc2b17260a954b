//! Startup reconciliation: before a worker claims anything, jobs that can never run are settled
//! with the reason, instead of waiting (or being claimed and dropped) forever.
//!
//! * A job whose word, deck or batch no longer exists (deleted by a tool or an older version
//!   that did not cascade) is failed with "its deck or word was deleted"; its batch, when it
//!   still exists, is recounted and finishes.
//! * A provider paused for its account (quota, key) that no kind is configured to use any more
//!   is resumed: the jobs it held are served by the configured provider now, and a stale
//!   "Out of quota" line must not stay on screen.
//!
//! Every kind always has a configured provider (the configuration cannot remove one, only
//! replace it), so a queued job is never left without one: it runs with the provider its kind
//! has now. This module does not decide anything about running jobs: `recover_running` does.

use rusqlite::{params, Connection};

use super::read::recount;
use crate::error::{DbContext, Result};
use crate::model::{BatchId, MediaKind};

/// The error recorded on a job whose deck or word is gone.
pub const DECK_DELETED: &str = "its deck or word was deleted";

/// What [`reconcile`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Jobs failed because their deck, word or batch is gone.
    pub orphaned_jobs: usize,
    /// Providers resumed because no kind uses them any more.
    pub providers_cleared: Vec<String>,
}

/// Settles jobs that can never run; `configured` names the provider of each kind. One
/// transaction. Call with the worker lock held, before claiming.
pub fn reconcile(conn: &mut Connection, configured: &[(MediaKind, String)], now: i64) -> Result<Reconciled> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).db("reconciling the queue")?;
    let batches: Vec<BatchId> = {
        let mut stmt = tx
            .prepare(
                "UPDATE jobs SET status = 'failed', lease = NULL, finished_at = ?1, last_error = ?2, failure = 'deleted'
                 WHERE status IN ('queued', 'running')
                   AND (NOT EXISTS(SELECT 1 FROM words w JOIN decks d ON d.id = w.deck_id WHERE w.id = jobs.word_id)
                        OR NOT EXISTS(SELECT 1 FROM batches b JOIN decks d ON d.id = b.deck_id WHERE b.id = jobs.batch_id))
                 RETURNING batch_id",
            )
            .db("reconciling the queue")?;
        let rows = stmt.query_map(params![now, DECK_DELETED], |r| r.get(0)).db("reconciling the queue")?;
        rows.collect::<Result<_, _>>().db("reconciling the queue")?
    };
    let orphaned_jobs = batches.len();
    let mut touched = batches;
    touched.sort_unstable();
    touched.dedup();
    for b in touched {
        recount(&tx, b, now)?;
        super::read::finish_if_settled(&tx, b, now)?;
    }
    let names = serde_json::to_string(&configured.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into());
    let providers_cleared: Vec<String> = {
        let mut stmt = tx
            .prepare("DELETE FROM provider_states WHERE provider NOT IN (SELECT value FROM json_each(?1)) RETURNING provider")
            .db("reconciling the queue")?;
        let rows = stmt.query_map([names], |r| r.get(0)).db("reconciling the queue")?;
        rows.collect::<Result<_, _>>().db("reconciling the queue")?
    };
    tx.commit().db("reconciling the queue")?;
    Ok(Reconciled { orphaned_jobs, providers_cleared })
}
