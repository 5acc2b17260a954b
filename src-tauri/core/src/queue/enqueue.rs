//! Enqueueing a batch: one transaction for any number of words.

use rusqlite::{params, Connection};

use super::read::recount;
use crate::error::{DbContext, Error, Result};
use crate::media::IMPORTED_SETTINGS;
use crate::model::{BatchId, DeckId, MediaKind, WordId};

#[derive(Debug, Clone)]
pub struct EnqueueOptions {
    /// Generate again even where media with the same settings exists.
    pub force: bool,
    /// Higher runs first. "This word now" uses a high priority.
    pub priority: i64,
    pub max_attempts: u32,
    /// Only these words of the deck (all when `None`).
    pub word_ids: Option<Vec<WordId>>,
    /// Media rows whose file is missing or damaged: their words count as having no media.
    pub invalid_media: Vec<i64>,
}

impl Default for EnqueueOptions {
    fn default() -> Self {
        EnqueueOptions { force: false, priority: 0, max_attempts: 5, word_ids: None, invalid_media: Vec::new() }
    }
}

/// Creates a batch for a deck: one job per word and kind. A word whose media of that kind already
/// exists with the same settings (and for the same text) gets a job that is done at once and
/// counted as reused, unless `force` or its file is listed in `invalid_media` (missing or damaged). Words that already have a queued or running job of that
/// kind in another batch are left to that batch, so pressing Generate twice does no work twice.
/// `settings` gives each kind's provider settings key.
pub fn enqueue(conn: &mut Connection, deck_id: DeckId, settings: &[(MediaKind, String)], opts: &EnqueueOptions, now: i64) -> Result<BatchId> {
    if settings.is_empty() {
        return Err(Error::invalid("choose at least one kind of media (image, audio)"));
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).db("enqueueing a batch")?;
    let deck: Option<(String,)> = {
        use rusqlite::OptionalExtension;
        tx.query_row("SELECT name FROM decks WHERE id = ?1", [deck_id], |r| Ok((r.get(0)?,))).optional().db("enqueueing a batch")?
    };
    let Some((deck_name,)) = deck else { return Err(Error::not_found(format!("deck {deck_id}"))) };
    let ids_json = opts.word_ids.as_ref().map(|ids| serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()));
    let words: i64 = tx
        .query_row(
            "SELECT COUNT(*) FROM words WHERE deck_id = ?1 AND (?2 IS NULL OR id IN (SELECT value FROM json_each(?2)))",
            params![deck_id, ids_json],
            |r| r.get(0),
        )
        .db("enqueueing a batch")?;
    if words == 0 {
        return Err(Error::invalid(format!("deck '{deck_name}' has no words to generate media for")));
    }
    let kinds: Vec<&str> = settings.iter().map(|(k, _)| k.as_str()).collect();
    let invalid_json = serde_json::to_string(&opts.invalid_media).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "INSERT INTO batches(deck_id, kinds, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
        params![deck_id, kinds.join(","), now],
    )
    .db("enqueueing a batch")?;
    let batch_id = tx.last_insert_rowid();
    let mut jobs = 0;
    for (kind, settings_key) in settings {
        jobs += tx
            .execute(
                "INSERT INTO jobs(batch_id, word_id, kind, status, priority, max_attempts, next_run_at, reused, finished_at, fresh)
                 SELECT ?1, c.id, ?2, CASE WHEN c.hit THEN 'done' ELSE 'queued' END, ?5, ?6, ?7, c.hit,
                        CASE WHEN c.hit THEN ?7 END, ?4
                 FROM (SELECT w.id, w.position,
                              (NOT ?4 AND EXISTS(SELECT 1 FROM media m WHERE m.word_id = w.id AND m.kind = ?2
                                                   AND (m.settings_key = ?3 OR m.settings_key = ?10)
                                                   AND m.source_text = w.text
                                                   AND m.id NOT IN (SELECT value FROM json_each(?11)))) AS hit
                       FROM words w
                       WHERE w.deck_id = ?8
                         AND (?9 IS NULL OR w.id IN (SELECT value FROM json_each(?9)))
                         AND NOT EXISTS(SELECT 1 FROM jobs a WHERE a.word_id = w.id AND a.kind = ?2
                                        AND a.status IN ('queued', 'running'))) AS c
                 ORDER BY c.position",
                params![batch_id, kind.as_str(), settings_key, opts.force, opts.priority, opts.max_attempts, now, deck_id, ids_json, IMPORTED_SETTINGS, invalid_json],
            )
            .db("enqueueing a batch")?;
    }
    if jobs == 0 {
        return Err(Error::invalid(format!(
            "every word of deck '{deck_name}' already has this media queued or running in another batch"
        )));
    }
    recount(&tx, batch_id, now)?;
    super::read::finish_if_settled(&tx, batch_id, now)?;
    tx.commit().db("enqueueing a batch")?;
    Ok(batch_id)
}
