//! What users do to a running queue: cancel, pause, resume, retry; and what a starting worker
//! does to jobs a dead process left running.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::read::recount;
use crate::error::{DbContext, Error, Result};
use crate::model::{BatchId, JobId, MediaKind, ProviderKind, WordId};

/// Cancels a batch: its queued and running jobs become `cancelled` at once (the worker aborts
/// the requests in flight when it sees that). Cancelling a finished batch changes nothing.
/// Returns the ids of jobs that were running.
pub fn cancel_batch(conn: &mut Connection, batch_id: BatchId, now: i64) -> Result<Vec<JobId>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).db("cancelling a batch")?;
    ensure_batch(&tx, batch_id)?;
    let running: Vec<JobId> = {
        let mut stmt = tx.prepare("SELECT id FROM jobs WHERE batch_id = ?1 AND status = 'running'").db("cancelling a batch")?;
        let rows = stmt.query_map([batch_id], |r| r.get(0)).db("cancelling a batch")?;
        rows.collect::<Result<_, _>>().db("cancelling a batch")?
    };
    let changed = tx
        .execute(
            "UPDATE jobs SET status = 'cancelled', lease = NULL, finished_at = ?2
             WHERE batch_id = ?1 AND status IN ('queued', 'running')",
            params![batch_id, now],
        )
        .db("cancelling a batch")?;
    if changed > 0 {
        tx.execute("UPDATE batches SET cancelled = 1 WHERE id = ?1", [batch_id]).db("cancelling a batch")?;
        recount(&tx, batch_id, now)?;
        super::read::finish_if_settled(&tx, batch_id, now)?;
    }
    tx.commit().db("cancelling a batch")?;
    Ok(running)
}

/// Puts a batch's failed (and, for a cancelled batch, cancelled) jobs back in the queue with
/// fresh attempts. Returns how many jobs were queued again.
/// `with`: "Retry with…" — only the jobs of these kinds, run by this provider from now on
/// (without it, each job keeps the provider it had: the configured one, or one picked before).
pub fn retry_failed(conn: &mut Connection, batch_id: BatchId, now: i64, with: Option<(ProviderKind, &[MediaKind])>) -> Result<usize> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).db("retrying a batch")?;
    ensure_batch(&tx, batch_id)?;
    let provider = with.map(|(p, _)| p.as_str());
    let kinds = with.map(|(_, kinds)| serde_json::to_string(&kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into()));
    let n = tx
        .execute(
            "UPDATE jobs SET status = 'queued', attempts = 0, next_run_at = ?2, last_error = NULL, failure = NULL,
                    finished_at = NULL, started_at = NULL, lease = NULL, provider_override = COALESCE(?3, provider_override)
             WHERE batch_id = ?1 AND (status = 'failed' OR status = 'cancelled')
               AND (?4 IS NULL OR kind IN (SELECT value FROM json_each(?4)))
               AND NOT EXISTS(SELECT 1 FROM jobs a WHERE a.word_id = jobs.word_id AND a.kind = jobs.kind
                              AND a.status IN ('queued', 'running'))",
            params![batch_id, now, provider, kinds],
        )
        .db("retrying a batch")?;
    if n > 0 {
        tx.execute("UPDATE batches SET cancelled = 0, finished_at = NULL WHERE id = ?1", [batch_id]).db("retrying a batch")?;
        recount(&tx, batch_id, now)?;
    }
    tx.commit().db("retrying a batch")?;
    Ok(n)
}

pub fn set_batch_paused(conn: &Connection, batch_id: BatchId, paused: bool, now: i64) -> Result<()> {
    let n = conn
        .execute("UPDATE batches SET paused = ?2, updated_at = ?3 WHERE id = ?1", params![batch_id, paused, now])
        .db("pausing a batch")?;
    if n == 0 {
        return Err(Error::not_found(format!("batch {batch_id}")));
    }
    Ok(())
}

/// Pauses or resumes the whole queue (every process sees it: it is in the database).
pub fn set_global_paused(conn: &Connection, paused: bool) -> Result<()> {
    conn.execute(
        "INSERT INTO queue_state(key, value) VALUES ('paused', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [if paused { "1" } else { "0" }],
    )
    .db("pausing the queue")?;
    Ok(())
}

pub fn global_paused(conn: &Connection) -> Result<bool> {
    let v: Option<String> = conn
        .query_row("SELECT value FROM queue_state WHERE key = 'paused'", [], |r| r.get(0))
        .optional()
        .db("reading the queue state")?;
    Ok(v.as_deref() == Some("1"))
}

/// At worker start, with the worker lock held: jobs left `running` by a process that died go
/// back to the queue. This is not an attempt: `attempts` only counts attempts that finished.
pub fn recover_running(conn: &Connection) -> Result<usize> {
    conn.execute("UPDATE jobs SET status = 'queued', lease = NULL, started_at = NULL WHERE status = 'running'", [])
        .db("recovering jobs")
}

/// Of `ids` (jobs this worker runs under `lease`), the ones that are no longer running under it:
/// cancelled or taken back by someone else. The worker aborts their requests.
pub fn jobs_no_longer_ours(conn: &Connection, lease: &str, ids: &[JobId]) -> Result<Vec<JobId>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let mut stmt = conn
        .prepare_cached(
            "SELECT value FROM json_each(?1)
             WHERE value NOT IN (SELECT id FROM jobs WHERE lease = ?2 AND status = 'running')",
        )
        .db("checking running jobs")?;
    let rows = stmt.query_map(params![json, lease], |r| r.get(0)).db("checking running jobs")?;
    rows.collect::<Result<_, _>>().db("checking running jobs")
}

fn ensure_batch(conn: &Connection, batch_id: BatchId) -> Result<()> {
    let exists: bool = conn
        .query_row("SELECT EXISTS(SELECT 1 FROM batches WHERE id = ?1)", [batch_id], |r| r.get(0))
        .db("reading a batch")?;
    if exists { Ok(()) } else { Err(Error::not_found(format!("batch {batch_id}"))) }
}

/// Moves a word's queued jobs of these kinds to the front of the queue. Returns the kinds and
/// batches of the jobs it moved (jobs already running are left as they are and also returned).
pub fn prioritize_word(conn: &Connection, word_id: crate::model::WordId, kinds: &[crate::model::MediaKind], priority: i64) -> Result<Vec<(crate::model::MediaKind, BatchId)>> {
    let mut found = Vec::new();
    for &kind in kinds {
        let row: Option<BatchId> = conn
            .query_row(
                "UPDATE jobs SET priority = MAX(priority, ?3)
                 WHERE word_id = ?1 AND kind = ?2 AND status IN ('queued', 'running') RETURNING batch_id",
                params![word_id, kind.as_str(), priority],
                |r| r.get(0),
            )
            .optional()
            .db("moving a word to the front")?;
        if let Some(batch) = row {
            found.push((kind, batch));
        }
    }
    Ok(found)
}

/// Deletes one word (its media rows and jobs go with it) and recounts the batches that had jobs
/// for it, finishing those left with nothing to do. Returns those batches, to announce.
pub fn delete_word(conn: &mut Connection, word_id: WordId, now: i64) -> Result<Vec<BatchId>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db("deleting a word")?;
    let batches: Vec<BatchId> = {
        let mut stmt = tx.prepare("SELECT DISTINCT batch_id FROM jobs WHERE word_id = ?1").db("deleting a word")?;
        let rows = stmt.query_map([word_id], |r| r.get(0)).db("deleting a word")?;
        rows.collect::<std::result::Result<_, _>>().db("deleting a word")?
    };
    let n = tx.execute("DELETE FROM words WHERE id = ?1", [word_id]).db("deleting a word")?;
    if n == 0 {
        return Err(Error::not_found(format!("word {word_id}")));
    }
    for &b in &batches {
        recount(&tx, b, now)?;
        super::read::finish_if_settled(&tx, b, now)?;
    }
    tx.commit().db("deleting a word")?;
    Ok(batches)
}
