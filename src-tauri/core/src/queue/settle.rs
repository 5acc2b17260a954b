//! Settling: recording how claimed jobs ended, many in one transaction (group commit).

use std::collections::{BTreeSet, HashMap};

use rusqlite::{params, OptionalExtension, Transaction};

use super::media_row::{put_media, OnExisting};
use crate::error::{DbContext, Error, Result};
use crate::model::{AccountState, BatchId, FailureKind, JobId, JobOutcome, MediaKind, ProviderState, WordId};

/// A media file as recorded for a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRecord {
    pub rel_path: String,
    pub sha256: String,
    pub mime: String,
    pub bytes: i64,
    pub provider: String,
    pub settings_key: String,
    pub cache_key: String,
    /// The word's text the media was made from.
    pub source_text: String,
    /// Something to tell the user about this media.
    pub warning: Option<String>,
    /// The credit its licence asks for (e.g. a Wikimedia Commons recording's speaker and licence).
    pub attribution: Option<crate::model::Attribution>,
}

/// How a claimed job ended.
// A handful are alive at a time (one per job in flight), moved, never stored in bulk: boxing
// the media record would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Media is stored (the file is already in place). `reused`: no provider call was made.
    Done { job: JobId, media: MediaRecord, reused: bool },
    /// Try again at `next_run_at` (ms), unless this was the last attempt (then it fails as
    /// `failure`).
    Retry { job: JobId, error: String, next_run_at: i64, failure: FailureKind },
    /// Failed for good.
    Fail { job: JobId, error: String, failure: FailureKind },
    /// Back to the queue without counting an attempt (shutdown; `error` says why when the
    /// provider could not be reached).
    Requeue { job: JobId, next_run_at: i64, error: Option<String> },
    /// The provider's account cannot be used (quota, key): back to the queue without counting
    /// an attempt, and the whole provider is paused until the user resumes it.
    ProviderPaused { job: JobId, provider: String, state: AccountState, message: String },
}

impl Outcome {
    pub fn job(&self) -> JobId {
        match self {
            Outcome::Done { job, .. }
            | Outcome::Retry { job, .. }
            | Outcome::Fail { job, .. }
            | Outcome::Requeue { job, .. }
            | Outcome::ProviderPaused { job, .. } => *job,
        }
    }
}

/// One job that changed state in a settle.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSettled {
    pub job_id: JobId,
    pub batch_id: BatchId,
    pub word_id: WordId,
    pub kind: MediaKind,
    pub outcome: JobOutcome,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SettleReport {
    pub settled: Vec<JobSettled>,
    /// Batches whose counters changed.
    pub batches: BTreeSet<BatchId>,
    /// Batches that became finished in this settle.
    pub finished: Vec<BatchId>,
    /// Providers paused by this settle (quota used up, key rejected).
    pub paused_providers: Vec<ProviderState>,
}

/// Records outcomes of jobs claimed under `lease`, all in one transaction. A job no longer
/// `running` under that lease (cancelled meanwhile, settled already) is skipped: no error.
pub fn settle(conn: &mut rusqlite::Connection, lease: &str, outcomes: &[Outcome], now: i64) -> Result<SettleReport> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).db("settling jobs")?;
    let mut report = SettleReport::default();
    let mut counts: HashMap<BatchId, Counts> = HashMap::new();
    for outcome in outcomes {
        if let Outcome::ProviderPaused { provider, state, message, .. } = outcome {
            if super::accounts::mark_provider(&tx, provider, *state, message, now)? {
                report.paused_providers.push(ProviderState { provider: provider.clone(), state: *state, message: message.clone(), since: now });
            }
        }
        if let Some(s) = settle_one(&tx, lease, outcome, now, &mut counts)? {
            report.batches.insert(s.batch_id);
            report.settled.push(s);
        }
    }
    // Batch counters: one update per batch, in the same transaction as the jobs.
    {
        let mut add = tx
            .prepare_cached(
                "UPDATE batches SET done_jobs = done_jobs + ?2, reused_jobs = reused_jobs + ?3, failed_jobs = failed_jobs + ?4,
                        completed_words = completed_words + ?5, failed_words = failed_words + ?6,
                        cancelled_words = cancelled_words + ?7
                 WHERE id = ?1",
            )
            .db("settling jobs")?;
        for (batch, c) in &counts {
            add.execute(params![batch, c.done, c.reused, c.failed, c.completed_words, c.failed_words, c.cancelled_words])
                .db("settling jobs")?;
        }
    }
    for &batch in &report.batches {
        if super::read::finish_if_settled(&tx, batch, now)? {
            report.finished.push(batch);
        } else {
            tx.execute("UPDATE batches SET updated_at = ?2 WHERE id = ?1", params![batch, now]).db("settling jobs")?;
        }
    }
    tx.commit().db("settling jobs")?;
    Ok(report)
}

/// Counter changes of one batch within a settle.
#[derive(Debug, Default)]
struct Counts {
    done: i64,
    reused: i64,
    failed: i64,
    completed_words: i64,
    failed_words: i64,
    cancelled_words: i64,
}

/// A settled job's row: batch, word, kind, attempts, max attempts.
type Row = (BatchId, WordId, String, i64, i64);

fn settle_one(tx: &Transaction<'_>, lease: &str, outcome: &Outcome, now: i64, counts: &mut HashMap<BatchId, Counts>) -> Result<Option<JobSettled>> {
    let (row, status, error) = move_job(tx, lease, outcome, now)?;
    let Some((batch_id, word_id, kind, _, _)) = row else { return Ok(None) };
    let kind: MediaKind = kind.parse().map_err(Error::Corrupt)?;
    if matches!(status, JobOutcome::Done | JobOutcome::Failed) {
        let c = counts.entry(batch_id).or_default();
        if status == JobOutcome::Done {
            c.done += 1;
            c.reused += i64::from(matches!(outcome, Outcome::Done { reused: true, .. }));
        } else {
            c.failed += 1;
        }
        match word_settled(tx, batch_id, word_id)? {
            Some(WordEnd::Completed) => c.completed_words += 1,
            Some(WordEnd::Failed) => c.failed_words += 1,
            Some(WordEnd::Cancelled) => c.cancelled_words += 1,
            None => {}
        }
    }
    Ok(Some(JobSettled { job_id: outcome.job(), batch_id, word_id, kind, outcome: status, error }))
}

/// Moves a job out of `running` as `outcome` says, if it is still ours (`lease`): its row, the
/// outcome as the events name it, and the error to show.
fn move_job(tx: &Transaction<'_>, lease: &str, outcome: &Outcome, now: i64) -> Result<(Option<Row>, JobOutcome, Option<String>)> {
    Ok(match outcome {
        Outcome::Done { job, media, reused } => {
            let r = update_job(
                tx,
                "UPDATE jobs SET status = 'done', finished_at = ?3, lease = NULL, last_error = NULL, failure = NULL,
                        attempts = attempts + ?4, reused = ?5
                 WHERE id = ?1 AND status = 'running' AND lease = ?2
                 RETURNING batch_id, word_id, kind, attempts, max_attempts",
                params![job, lease, now, i64::from(!reused), reused],
            )?;
            if let Some((batch_id, word_id, kind, _, _)) = &r {
                let kind: MediaKind = kind.parse().map_err(Error::Corrupt)?;
                put_media(tx, *word_id, kind, media, now, OnExisting::Replace { by: *batch_id })?;
            }
            (r, JobOutcome::Done, None)
        }
        Outcome::Retry { job, error, next_run_at, failure } => {
            let r = update_job(
                tx,
                "UPDATE jobs SET status = 'queued', lease = NULL, attempts = attempts + 1, next_run_at = ?3, last_error = ?4
                 WHERE id = ?1 AND status = 'running' AND lease = ?2 AND attempts + 1 < max_attempts
                 RETURNING batch_id, word_id, kind, attempts, max_attempts",
                params![job, lease, next_run_at, error],
            )?;
            match r {
                Some(r) => (Some(r), JobOutcome::Retrying, Some(error.clone())),
                None => {
                    // The last attempt, or not ours any more: fail it if it is still ours.
                    let error = format!("gave up after repeated errors; last: {error}");
                    (fail(tx, *job, lease, &error, *failure, now)?, JobOutcome::Failed, Some(error))
                }
            }
        }
        Outcome::Fail { job, error, failure } => (fail(tx, *job, lease, error, *failure, now)?, JobOutcome::Failed, Some(error.clone())),
        Outcome::Requeue { job, next_run_at, error } => {
            let r = update_job(
                tx,
                "UPDATE jobs SET status = 'queued', lease = NULL, started_at = NULL, next_run_at = ?3,
                        last_error = COALESCE(?4, last_error)
                 WHERE id = ?1 AND status = 'running' AND lease = ?2
                 RETURNING batch_id, word_id, kind, attempts, max_attempts",
                params![job, lease, next_run_at, error],
            )?;
            let outcome = if error.is_some() { JobOutcome::Waiting } else { JobOutcome::Requeued };
            (r, outcome, error.clone())
        }
        Outcome::ProviderPaused { job, provider, state, message } => {
            let error = format!("{provider}: {state} — {message}");
            let r = update_job(
                tx,
                "UPDATE jobs SET status = 'queued', lease = NULL, started_at = NULL, last_error = ?3
                 WHERE id = ?1 AND status = 'running' AND lease = ?2
                 RETURNING batch_id, word_id, kind, attempts, max_attempts",
                params![job, lease, error],
            )?;
            (r, JobOutcome::Paused, Some(error))
        }
    })
}

fn fail(tx: &Transaction<'_>, job: JobId, lease: &str, error: &str, failure: FailureKind, now: i64) -> Result<Option<Row>> {
    update_job(
        tx,
        "UPDATE jobs SET status = 'failed', lease = NULL, attempts = attempts + 1, finished_at = ?3, last_error = ?4, failure = ?5
         WHERE id = ?1 AND status = 'running' AND lease = ?2
         RETURNING batch_id, word_id, kind, attempts, max_attempts",
        params![job, lease, now, error, failure.as_str()],
    )
}

/// One fenced `UPDATE … RETURNING` of a job: its row when the job was still ours, else `None`.
fn update_job(tx: &Transaction<'_>, sql: &str, params: impl rusqlite::Params) -> Result<Option<Row>> {
    tx.prepare_cached(sql)
        .db("settling jobs")?
        .query_row(params, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .optional()
        .db("settling jobs")
}

enum WordEnd {
    Completed,
    Failed,
    Cancelled,
}

/// When the job just settled was the word's last open job in the batch: how the word ended
/// (completed: all done; failed: any failed; else cancelled).
fn word_settled(tx: &Transaction<'_>, batch_id: BatchId, word_id: WordId) -> Result<Option<WordEnd>> {
    let (total, done, failed, open): (i64, i64, i64, i64) = tx
        .prepare_cached(
            "SELECT COUNT(*), COALESCE(SUM(status = 'done'), 0), COALESCE(SUM(status = 'failed'), 0),
                    COALESCE(SUM(status IN ('queued', 'running')), 0)
             FROM jobs WHERE batch_id = ?1 AND word_id = ?2",
        )
        .db("settling jobs")?
        .query_row(params![batch_id, word_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .db("settling jobs")?;
    Ok(if open > 0 {
        None
    } else if failed > 0 {
        Some(WordEnd::Failed)
    } else if done == total {
        Some(WordEnd::Completed)
    } else {
        Some(WordEnd::Cancelled)
    })
}

#[cfg(test)]
mod tests {
    //! The settle SQL on its own: fenced by the lease, idempotent, and touching only its rows.
    use super::*;
    use crate::model::NewWord;
    use crate::queue::{claim, enqueue, EnqueueOptions};
    use crate::store::Store;

    type JobRow = (JobId, String, i64, Option<String>, Option<String>, i64);
    type BatchRow = (i64, i64, i64, i64, i64, Option<i64>);

    /// A batch of three audio jobs; the first two claimed under lease `A`.
    fn setup() -> (Store, Vec<JobId>) {
        let store = Store::open_in_memory().unwrap();
        let deck = store.create_deck("D", "en").unwrap();
        let words: Vec<NewWord> = ["a", "b", "c"].iter().map(|t| NewWord { text: t.to_string(), ..Default::default() }).collect();
        store.add_words(deck.id, &words).unwrap();
        let opts = EnqueueOptions { max_attempts: 3, ..Default::default() };
        enqueue(&mut store.conn(), deck.id, &[(MediaKind::Audio, "k".into())], &opts, 1_000).unwrap();
        let claimed = claim(&mut store.conn(), crate::queue::Lane { kind: MediaKind::Audio, settings_key: "k", provider: "p", alternatives: &[], picked_room: &[] }, "A", 2, 2_000).unwrap();
        let ids = claimed.iter().map(|j| j.id).collect();
        (store, ids)
    }

    fn jobs(store: &Store) -> Vec<JobRow> {
        let conn = store.conn();
        let mut stmt = conn.prepare("SELECT id, status, attempts, lease, last_error, next_run_at FROM jobs ORDER BY id").unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))).unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    }

    fn batch(store: &Store) -> BatchRow {
        store
            .conn()
            .query_row("SELECT done_jobs, failed_jobs, completed_words, failed_words, (SELECT COUNT(*) FROM media), finished_at FROM batches", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            })
            .unwrap()
    }

    fn done(job: JobId) -> Outcome {
        let media = MediaRecord {
            rel_path: "media/audio/ab/ab.mp3".into(),
            sha256: "ab".into(),
            mime: "audio/mpeg".into(),
            bytes: 2,
            provider: "p".into(),
            settings_key: "k".into(),
            cache_key: format!("c{job}"),
            source_text: "a".into(),
            warning: None,
            attribution: None,
        };
        Outcome::Done { job, media, reused: false }
    }

    #[test]
    fn settling_twice_is_a_no_op() {
        let (store, ids) = setup();
        let first = settle(&mut store.conn(), "A", &[done(ids[0])], 3_000).unwrap();
        assert_eq!(first.settled.iter().map(|s| (s.job_id, s.outcome)).collect::<Vec<_>>(), vec![(ids[0], JobOutcome::Done)]);
        let (jobs_after, batch_after) = (jobs(&store), batch(&store));
        assert_eq!(batch_after.0, 1);

        let again = settle(&mut store.conn(), "A", &[done(ids[0]), Outcome::Fail { job: ids[0], error: "late".into(), failure: FailureKind::Rejected }], 4_000).unwrap();
        assert!(again.settled.is_empty() && again.batches.is_empty() && again.finished.is_empty(), "{again:?}");
        assert_eq!(jobs(&store), jobs_after, "no job row changed");
        assert_eq!(batch(&store), batch_after, "counters counted once");
    }

    #[test]
    fn a_settle_under_a_foreign_lease_touches_nothing() {
        let (store, ids) = setup();
        let (jobs_before, batch_before) = (jobs(&store), batch(&store));
        let outcomes = [
            done(ids[0]),
            Outcome::Retry { job: ids[1], error: "x".into(), next_run_at: 9_000, failure: FailureKind::ProviderError },
            Outcome::Requeue { job: ids[1], next_run_at: 9_000, error: None },
        ];
        let report = settle(&mut store.conn(), "B", &outcomes, 3_000).unwrap();
        assert_eq!(report, SettleReport::default());
        assert_eq!(jobs(&store), jobs_before);
        assert_eq!(batch(&store), batch_before);
    }

    #[test]
    fn a_settle_changes_only_its_own_rows() {
        let (store, ids) = setup();
        let before = jobs(&store);
        let report = settle(&mut store.conn(), "A", &[Outcome::Retry { job: ids[0], error: "503".into(), next_run_at: 9_000, failure: FailureKind::ProviderError }], 3_000).unwrap();
        assert_eq!(report.settled[0].outcome, JobOutcome::Retrying);
        let after = jobs(&store);
        assert_eq!(after[0], (ids[0], "queued".into(), 1, None, Some("503".into()), 9_000));
        assert_eq!(after[1..], before[1..], "the other running job and the queued one are untouched");
        assert_eq!(batch(&store), (0, 0, 0, 0, 0, None), "a retry changes no counter");
    }

    #[test]
    fn an_unknown_kind_in_the_database_is_an_error_not_a_guess() {
        let (store, ids) = setup();
        store.conn().execute_batch("PRAGMA ignore_check_constraints = ON").unwrap();
        let changed = store.conn().execute("UPDATE jobs SET kind = 'video' WHERE id = ?1", [ids[0]]);
        if changed.is_err() {
            return; // the schema refuses it outright: nothing to read back
        }
        let err = settle(&mut store.conn(), "A", &[done(ids[0])], 3_000).unwrap_err();
        assert_eq!(err.code(), crate::error::ErrorCode::Corrupt, "{err}");
    }
}
