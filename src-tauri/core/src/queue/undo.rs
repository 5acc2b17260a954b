//! Undoing a regeneration: the media a batch replaced (kept in `media_history` by
//! [`super::put_media`]) goes back in place, for a whole deck or one word.

use rusqlite::{params, Connection, OptionalExtension};

use super::media_row::restore_media;
use crate::error::{DbContext, Error, Result};
use crate::model::{BatchId, DeckId, WordId};

/// What an undo put back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct Undone {
    /// The batch whose new media was taken back.
    pub batch_id: BatchId,
    /// Media files put back (a word's picture and recording count two).
    pub restored: i64,
}

/// The batch an undo of `deck_id` (or of its word `word`) would take back: the newest one that
/// replaced media there. `None`: nothing to undo.
pub fn undoable(conn: &Connection, deck_id: DeckId, word: Option<WordId>) -> Result<Option<BatchId>> {
    conn.prepare_cached(
        "SELECT h.batch_id FROM media_history h JOIN words w ON w.id = h.word_id
         WHERE w.deck_id = ?1 AND (?2 IS NULL OR h.word_id = ?2) ORDER BY h.id DESC LIMIT 1",
    )
    .db("reading what can be undone")?
    .query_row(params![deck_id, word], |r| r.get(0))
    .optional()
    .db("reading what can be undone")
}

/// Puts back the media the newest regenerating batch replaced in `deck_id` (only `word`'s, when
/// given), in one transaction; those history rows are used up. Refused while that batch still
/// has jobs to run: they would replace the media again.
pub fn undo_last(conn: &mut Connection, deck_id: DeckId, word: Option<WordId>) -> Result<Option<Undone>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).db("undoing a regeneration")?;
    let Some(batch_id) = undoable(&tx, deck_id, word)? else { return Ok(None) };
    let open: i64 = tx
        .query_row("SELECT COUNT(*) FROM jobs WHERE batch_id = ?1 AND status IN ('queued', 'running')", [batch_id], |r| r.get(0))
        .db("undoing a regeneration")?;
    if open > 0 {
        return Err(Error::invalid(format!("batch {batch_id} is still making media ({open} jobs left): let it finish or cancel it, then undo")));
    }
    // The newest version each (word, kind) had before this batch.
    let ids: Vec<i64> = {
        let mut stmt = tx
            .prepare(
                "SELECT MAX(h.id) FROM media_history h JOIN words w ON w.id = h.word_id
                 WHERE h.batch_id = ?1 AND w.deck_id = ?2 AND (?3 IS NULL OR h.word_id = ?3) GROUP BY h.word_id, h.kind",
            )
            .db("undoing a regeneration")?;
        let rows = stmt.query_map(params![batch_id, deck_id, word], |r| r.get(0)).db("undoing a regeneration")?;
        rows.collect::<std::result::Result<_, _>>().db("undoing a regeneration")?
    };
    for &id in &ids {
        restore_media(&tx, id)?;
    }
    tx.execute(
        "DELETE FROM media_history WHERE batch_id = ?1 AND (?3 IS NULL OR word_id = ?3)
           AND word_id IN (SELECT id FROM words WHERE deck_id = ?2)",
        params![batch_id, deck_id, word],
    )
    .db("undoing a regeneration")?;
    tx.commit().db("undoing a regeneration")?;
    Ok(Some(Undone { batch_id, restored: ids.len() as i64 }))
}
