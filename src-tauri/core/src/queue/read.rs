//! Reading the queue: batch snapshots with their derived status, a deck's media, and what is
//! due next.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use crate::clean::{clean, Purpose, Rules};
use crate::error::{DbContext, Error, Result};
use crate::model::{
    BatchFailures, BatchId, BatchInfo, BatchStatus, DeckId, FailureKind, JobStatus, MediaKind, MediaState, MediaStatus, UnknownValue, WordError, WordId,
    WordMedia,
};

/// "The batch is finished", in SQL over a batch row's counters (see [`BatchInfo::all_settled`]).
const SETTLED: &str = "done_jobs + failed_jobs + cancelled_jobs >= total_jobs";

/// The one place a batch becomes finished: when every job of it settled, `finished_at` is
/// stamped (once). Used by enqueue, settle, cancel, word deletion and startup reconciliation,
/// after the batch's counters changed in the same transaction. Returns whether this call
/// finished it.
pub(crate) fn finish_if_settled(conn: &Connection, batch_id: BatchId, now: i64) -> Result<bool> {
    conn.prepare_cached(&format!(
        "UPDATE batches SET finished_at = ?2, updated_at = ?2 WHERE id = ?1 AND finished_at IS NULL AND {SETTLED} RETURNING id"
    ))
    .db("finishing a batch")?
    .query_row(params![batch_id, now], |r| r.get::<_, BatchId>(0))
    .optional()
    .db("finishing a batch")
    .map(|finished| finished.is_some())
}

/// Recomputes a batch's counters from its jobs (after cancel, retry, or word deletion).
pub(crate) fn recount(conn: &Connection, batch_id: BatchId, now: i64) -> Result<()> {
    // One pass over the batch's jobs, grouped by word; the totals are then written at once.
    let counts: [i64; 9] = conn
        .query_row(
            "SELECT COUNT(*),
                    COALESCE(SUM(open = 0 AND d = n), 0),
                    COALESCE(SUM(open = 0 AND f > 0), 0),
                    COALESCE(SUM(open = 0 AND f = 0 AND d < n), 0),
                    COALESCE(SUM(n), 0), COALESCE(SUM(d), 0), COALESCE(SUM(f), 0), COALESCE(SUM(c), 0), COALESCE(SUM(r), 0)
             FROM (SELECT COUNT(*) AS n, SUM(status = 'done') AS d, SUM(status = 'failed') AS f,
                          SUM(status = 'cancelled') AS c, SUM(status IN ('queued', 'running')) AS open,
                          SUM(status = 'done' AND reused) AS r
                   FROM jobs WHERE batch_id = ?1 GROUP BY word_id)",
            [batch_id],
            |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?]),
        )
        .db("counting a batch")?;
    let [words, completed, failed, cancelled, jobs, done, failed_jobs, cancelled_jobs, reused] = counts;
    conn.execute(
        "UPDATE batches SET total_words = ?2, completed_words = ?3, failed_words = ?4, cancelled_words = ?5,
             total_jobs = ?6, done_jobs = ?7, failed_jobs = ?8, cancelled_jobs = ?9, reused_jobs = ?10, updated_at = ?11
         WHERE id = ?1",
        params![batch_id, words, completed, failed, cancelled, jobs, done, failed_jobs, cancelled_jobs, reused, now],
    )
    .db("counting a batch")?;
    Ok(())
}

const BATCH_SELECT: &str = "SELECT b.id, b.deck_id, d.name, b.kinds, b.paused, b.cancelled, b.total_words,
    b.completed_words, b.failed_words, b.cancelled_words, b.total_jobs, b.done_jobs, b.failed_jobs,
    b.cancelled_jobs, b.reused_jobs, b.created_at, b.started_at, b.updated_at, b.finished_at
    FROM batches b JOIN decks d ON d.id = b.deck_id";

fn batch_from_row(r: &rusqlite::Row<'_>, global_paused: bool) -> rusqlite::Result<BatchInfo> {
    let kinds: String = r.get(3)?;
    let paused: bool = r.get(4)?;
    let cancelled: bool = r.get(5)?;
    let started_at: Option<i64> = r.get(16)?;
    let mut b = BatchInfo {
        id: r.get(0)?,
        deck_id: r.get(1)?,
        deck: r.get(2)?,
        kinds: kinds_from_column(&kinds, 3)?,
        status: BatchStatus::Pending,
        progress: 0,
        total_words: r.get(6)?,
        completed_words: r.get(7)?,
        failed_words: r.get(8)?,
        cancelled_words: r.get(9)?,
        total_jobs: r.get(10)?,
        done_jobs: r.get(11)?,
        failed_jobs: r.get(12)?,
        cancelled_jobs: r.get(13)?,
        reused_jobs: r.get(14)?,
        paused,
        created_at: r.get(15)?,
        updated_at: r.get(17)?,
        finished_at: r.get(18)?,
    };
    b.status = derive_status(&b, cancelled, paused || global_paused, started_at.is_some());
    b.progress = if b.total_words > 0 { ((b.settled_words() * 100) / b.total_words).clamp(0, 100) as u8 } else { 100 };
    Ok(b)
}

/// `batches.kinds` (`image`, `audio` or `image,audio`); a kind this version does not know is an
/// [`UnknownValue`] (→ [`Error::Corrupt`]), never skipped.
fn kinds_from_column(text: &str, column: usize) -> rusqlite::Result<Vec<MediaKind>> {
    text.split(',')
        .map(|k| {
            k.parse::<MediaKind>().map_err(|e: UnknownValue| {
                rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
            })
        })
        .collect()
}

/// A batch's status from its counters: finished when every job settled; then `completed` if any
/// job succeeded, `failed` if some failed and none succeeded, else `cancelled`.
pub(crate) fn derive_status(b: &BatchInfo, cancelled: bool, paused: bool, started: bool) -> BatchStatus {
    if b.all_settled() {
        if cancelled && b.done_jobs == b.reused_jobs && b.failed_jobs == 0 {
            BatchStatus::Cancelled
        } else if b.done_jobs > 0 {
            BatchStatus::Completed
        } else if b.failed_jobs > 0 {
            BatchStatus::Failed
        } else {
            BatchStatus::Cancelled
        }
    } else if cancelled {
        BatchStatus::Cancelled
    } else if paused {
        BatchStatus::Paused
    } else if !started {
        BatchStatus::Pending
    } else {
        BatchStatus::Processing
    }
}

pub fn batch_info(conn: &Connection, batch_id: BatchId) -> Result<BatchInfo> {
    let gp = super::global_paused(conn)?;
    conn.prepare_cached(&format!("{BATCH_SELECT} WHERE b.id = ?1"))
        .db("reading a batch")?
        .query_row([batch_id], |r| batch_from_row(r, gp))
        .optional()
        .db("reading a batch")?
        .ok_or_else(|| Error::not_found(format!("batch {batch_id}")))
}

/// The words of a batch whose media failed, in deck order, with the reason and its kind.
pub fn batch_errors(conn: &Connection, batch_id: BatchId) -> Result<Vec<WordError>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT j.word_id, w.text, j.kind, COALESCE(j.last_error, 'failed'), j.failure FROM jobs j JOIN words w ON w.id = j.word_id
             WHERE j.batch_id = ?1 AND j.status = 'failed' ORDER BY w.position, j.kind",
        )
        .db("reading a batch's errors")?;
    let rows = stmt
        .query_map([batch_id], |r| {
            // NULL: failed before the kind was recorded (schema 006); an unknown text is damage.
            let failure: Option<FailureKind> = r.get(4)?;
            Ok(WordError { word_id: r.get(0)?, text: r.get(1)?, kind: r.get(2)?, error: r.get(3)?, failure: failure.unwrap_or(FailureKind::Unknown) })
        })
        .db("reading a batch's errors")?;
    rows.collect::<std::result::Result<_, _>>().db("reading a batch's errors")
}

/// A batch's summary line ([`crate::wording::batch_summary`]) and failed words. A word that
/// failed for two reasons (its picture and its recording) counts once, under the first kind in
/// [`FailureKind`]'s order. No query when nothing failed.
pub fn batch_failures(conn: &Connection, batch: &BatchInfo) -> Result<BatchFailures> {
    let errors = if batch.failed_words > 0 || batch.failed_jobs > 0 { batch_errors(conn, batch.id)? } else { Vec::new() };
    let mut per_word: HashMap<WordId, FailureKind> = HashMap::new();
    for e in &errors {
        per_word.entry(e.word_id).and_modify(|k| *k = (*k).min(e.failure)).or_insert(e.failure);
    }
    let failures: Vec<(FailureKind, i64)> =
        FailureKind::ALL.iter().map(|&k| (k, per_word.values().filter(|&&v| v == k).count() as i64)).filter(|(_, n)| *n > 0).collect();
    let summary = crate::wording::batch_summary(batch.completed_words, batch.cancelled_words, &failures);
    Ok(BatchFailures { summary, errors })
}

/// Batches, newest first: all unfinished ones, and up to `recent_finished` finished ones.
pub fn list_batches(conn: &Connection, recent_finished: u32) -> Result<Vec<BatchInfo>> {
    let gp = super::global_paused(conn)?;
    let mut stmt = conn
        .prepare(&format!(
            "{BATCH_SELECT} WHERE b.finished_at IS NULL
             OR b.id IN (SELECT id FROM batches WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT ?1)
             ORDER BY b.id DESC"
        ))
        .db("listing batches")?;
    let rows = stmt.query_map([recent_finished], |r| batch_from_row(r, gp)).db("listing batches")?;
    rows.collect::<Result<_, _>>().db("listing batches")
}

/// Each word of a deck with the state of its picture and pronunciation.
pub fn media_of_deck(conn: &Connection, deck_id: DeckId, data_dir: &Path) -> Result<Vec<WordMedia>> {
    media_of_deck_page(conn, deck_id, data_dir, 0, -1)
}

/// Like [`media_of_deck`] for the words at `offset..offset + limit` in deck order (`limit` -1 =
/// all), reading only those words' jobs and media: a page of a 10,000-word deck stays cheap.
pub fn media_of_deck_page(conn: &Connection, deck_id: DeckId, data_dir: &Path, offset: i64, limit: i64) -> Result<Vec<WordMedia>> {
    let mut words = page_words(conn, deck_id, offset, limit)?;
    let index: HashMap<WordId, usize> = words.iter().enumerate().map(|(i, w)| (w.word_id, i)).collect();
    add_latest_jobs(conn, (deck_id, offset, limit), &mut words, &index)?;
    add_media(conn, (deck_id, offset, limit), data_dir, &mut words, &index)?;
    Ok(words)
}

/// The ids of a page of a deck's words (`?1` deck, `?2` limit, `?3` offset).
const PAGE: &str = "SELECT id FROM words WHERE deck_id = ?1 ORDER BY position LIMIT ?2 OFFSET ?3";

/// A page of a deck's words in deck order, with no media state yet.
fn page_words(conn: &Connection, deck_id: DeckId, offset: i64, limit: i64) -> Result<Vec<WordMedia>> {
    let rules_json: String = conn.query_row("SELECT text_rules FROM decks WHERE id = ?1", [deck_id], |r| r.get(0)).optional().db("reading media")?.unwrap_or_default();
    // Damaged rules fail the deck's jobs with the reason; the page still shows the words.
    let rules = Rules::from_json(&rules_json).unwrap_or_default();
    let mut stmt = conn
        .prepare(
            "SELECT w.id, w.text, CASE WHEN w.language <> '' THEN w.language ELSE d.language END, w.translation,
                    EXISTS(SELECT 1 FROM media_history h WHERE h.word_id = w.id), w.sentence
             FROM words w JOIN decks d ON d.id = w.deck_id WHERE w.deck_id = ?1 ORDER BY w.position LIMIT ?2 OFFSET ?3",
        )
        .db("reading media")?;
    let rows = stmt
        .query_map([deck_id, limit, offset], |r| {
            let text: String = r.get(1)?;
            let spoken = Some(clean(&text, Purpose::Speech, &rules)).filter(|s| *s != text);
            Ok(WordMedia {
                word_id: r.get(0)?,
                text,
                spoken,
                language: r.get(2)?,
                translation: r.get(3)?,
                sentence: r.get(5)?,
                image: none_state(),
                audio: none_state(),
                translation_audio: none_state(),
                sentence_audio: none_state(),
                undoable: r.get(4)?,
            })
        })
        .db("reading media")?;
    rows.collect::<Result<_, _>>().db("reading media")
}

/// The status and error of the latest job per word and kind of the page.
fn add_latest_jobs(conn: &Connection, (deck_id, offset, limit): (DeckId, i64, i64), words: &mut [WordMedia], index: &HashMap<WordId, usize>) -> Result<()> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT j.word_id, j.kind, j.status, j.last_error FROM jobs j
             WHERE j.id IN (SELECT MAX(j2.id) FROM jobs j2
                            WHERE j2.word_id IN ({PAGE}) GROUP BY j2.word_id, j2.kind)"
        ))
        .db("reading media")?;
    let rows = stmt
        .query_map([deck_id, limit, offset], |r| {
            Ok((r.get::<_, WordId>(0)?, r.get::<_, MediaKind>(1)?, r.get::<_, JobStatus>(2)?, r.get::<_, Option<String>>(3)?))
        })
        .db("reading media")?;
    for row in rows {
        let (word_id, kind, status, error) = row.db("reading media")?;
        if let Some(s) = state_mut(words, index, word_id, kind) {
            s.status = status.into();
            s.error = error;
        }
    }
    Ok(())
}

/// The page's media: path, staleness, warning, and whether the file is there at its size.
fn add_media(conn: &Connection, (deck_id, offset, limit): (DeckId, i64, i64), data_dir: &Path, words: &mut [WordMedia], index: &HashMap<WordId, usize>) -> Result<()> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT m.word_id, m.kind, m.path, m.source_text <> {source}, m.warning, m.bytes, m.provider, m.attribution
             FROM media m JOIN words w ON w.id = m.word_id
             WHERE m.word_id IN ({PAGE})",
            source = super::source_text_sql("m.kind")
        ))
        .db("reading media")?;
    let rows = stmt
        .query_map([deck_id, limit, offset], |r| {
            let file = (r.get::<_, String>(2)?, r.get::<_, bool>(3)?, r.get::<_, Option<String>>(4)?, r.get::<_, i64>(5)?);
            Ok((r.get::<_, WordId>(0)?, r.get::<_, MediaKind>(1)?, file, r.get::<_, String>(6)?, r.get::<_, Option<crate::model::Attribution>>(7)?))
        })
        .db("reading media")?;
    for row in rows {
        let (word_id, kind, (path, stale, warning, bytes), provider, attribution) = row.db("reading media")?;
        if let Some(s) = state_mut(words, index, word_id, kind) {
            let path = data_dir.join(path);
            if matches!(s.status, MediaStatus::None | MediaStatus::Done) {
                // Existence and size only (one stat): the content is checked by "Generate
                // missing" and `verify`.
                s.status = match std::fs::metadata(&path) {
                    Ok(m) if m.is_file() && m.len() as i64 == bytes => MediaStatus::Done,
                    Ok(m) if m.is_file() => MediaStatus::Damaged,
                    _ => MediaStatus::Missing,
                };
            }
            s.path = Some(path.to_string_lossy().into_owned());
            s.stale = stale;
            s.warning = warning;
            s.provider = Some(provider);
            s.attribution = attribution;
        }
    }
    Ok(())
}

fn state_mut<'a>(words: &'a mut [WordMedia], index: &HashMap<WordId, usize>, word_id: WordId, kind: MediaKind) -> Option<&'a mut MediaState> {
    let w = words.get_mut(*index.get(&word_id)?)?;
    Some(match kind {
        MediaKind::Image => &mut w.image,
        MediaKind::Audio => &mut w.audio,
        MediaKind::TranslationAudio => &mut w.translation_audio,
        MediaKind::SentenceAudio => &mut w.sentence_audio,
    })
}

fn none_state() -> MediaState {
    MediaState { status: MediaStatus::None, path: None, error: None, stale: false, warning: None, provider: None, attribution: None }
}

/// The earliest `next_run_at` of a queued job of `kind` in a batch that may run, if any. None
/// while `provider` (the one serving `kind`) is paused: its jobs are not due until resumed.
pub fn next_due(conn: &Connection, kind: MediaKind, provider: &str) -> Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT MIN(j.next_run_at) FROM jobs j JOIN batches b ON b.id = j.batch_id
         WHERE j.status = 'queued' AND j.kind = ?1 AND b.paused = 0 AND b.cancelled = 0
           AND NOT EXISTS(SELECT 1 FROM provider_states WHERE provider = COALESCE(j.provider_override, ?2))",
    )
    .db("reading the queue")?
    .query_row(params![kind.as_str(), provider], |r| r.get(0))
    .db("reading the queue")
}

/// How much work is left, for `worker --until-idle` and the queue state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outstanding {
    /// Queued jobs in batches that may run.
    pub runnable: i64,
    /// Queued jobs held back by a paused batch.
    pub paused: i64,
    pub running: i64,
}

pub fn outstanding(conn: &Connection) -> Result<Outstanding> {
    conn.prepare_cached(
        "SELECT COALESCE(SUM(j.status = 'queued' AND b.paused = 0), 0),
                COALESCE(SUM(j.status = 'queued' AND b.paused = 1), 0),
                COALESCE(SUM(j.status = 'running'), 0)
         FROM jobs j JOIN batches b ON b.id = j.batch_id WHERE j.status IN ('queued', 'running')",
    )
    .db("reading the queue")?
    .query_row([], |r| Ok(Outstanding { runnable: r.get(0)?, paused: r.get(1)?, running: r.get(2)? }))
    .db("reading the queue")
}

/// Queued jobs per kind in batches that may run (for `--until-idle` with servers unreachable).
/// `providers` names the provider serving each kind: its jobs wait while it is paused (quota,
/// key) until the user resumes it; jobs picked for another provider are runnable meanwhile.
pub fn runnable_by_kind(conn: &Connection, providers: &[(MediaKind, String)]) -> Result<Vec<(MediaKind, i64)>> {
    // A job's provider is the one picked for it ("Retry with…"), else its kind's: a paused
    // configured provider holds only its own jobs.
    let mut stmt = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM jobs j JOIN batches b ON b.id = j.batch_id
             WHERE j.status = 'queued' AND j.kind = ?1 AND b.paused = 0 AND b.cancelled = 0
               AND NOT EXISTS(SELECT 1 FROM provider_states WHERE provider = COALESCE(j.provider_override, ?2))",
        )
        .db("reading the queue")?;
    let mut out = Vec::new();
    for (kind, name) in providers {
        let n: i64 = stmt.query_row(params![kind.as_str(), name], |r| r.get(0)).db("reading the queue")?;
        if n > 0 {
            out.push((*kind, n));
        }
    }
    Ok(out)
}
