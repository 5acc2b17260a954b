//! The one place a word's media row is written: by the worker when a job made media, and by an
//! `.apkg` import bringing a package's pictures and sounds. Only what happens when the word
//! already has media of that kind differs, and the caller names it.

use rusqlite::{params, Connection};

use super::settle::MediaRecord;
use crate::error::{DbContext, Result};
use crate::model::{BatchId, MediaKind, WordId};

/// How many replaced versions of one word's media of one kind are kept for undo.
pub const HISTORY_KEPT: i64 = 5;

/// What happens when the word already has media of this kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnExisting {
    /// The new media, made by a job of batch `by`, replaces it; the replaced media goes to
    /// `media_history` under that batch (when it is another file), for undo.
    Replace { by: BatchId },
    /// What the word has stays (media brought in from a package never overwrites).
    Keep,
    /// The new media replaces it and nothing is kept for undo: a picture picked in "Choose
    /// picture…", where the replaced one stays a candidate to pick back.
    Overwrite,
}

/// The insert, with what to do on a conflict appended (one column list for both rules).
macro_rules! insert_media {
    ($on_conflict:literal) => {
        concat!(
            "INSERT INTO media(word_id, kind, path, sha256, mime, bytes, provider, settings_key, cache_key, source_text, created_at, warning, attribution)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ",
            $on_conflict
        )
    };
}

/// Writes `media` as `word_id`'s media of `kind`. Returns whether a row was written (`false`:
/// the word had media and `on_existing` kept it). A replaced row's integrity marks are reset:
/// the new file has not been checked yet.
pub fn put_media(conn: &Connection, word_id: WordId, kind: MediaKind, media: &MediaRecord, now: i64, on_existing: OnExisting) -> Result<bool> {
    if let OnExisting::Replace { by } = on_existing {
        keep_previous(conn, word_id, kind, &media.sha256, by, now)?;
    }
    let sql = match on_existing {
        OnExisting::Keep => insert_media!("ON CONFLICT(word_id, kind) DO NOTHING"),
        OnExisting::Replace { .. } | OnExisting::Overwrite => insert_media!(
            "ON CONFLICT(word_id, kind) DO UPDATE SET path = excluded.path, sha256 = excluded.sha256,
                mime = excluded.mime, bytes = excluded.bytes, provider = excluded.provider,
                settings_key = excluded.settings_key, cache_key = excluded.cache_key,
                source_text = excluded.source_text, created_at = excluded.created_at, warning = excluded.warning,
                attribution = excluded.attribution, verified_bytes = NULL, verified_mtime = NULL"
        ),
    };
    let written = conn
        .prepare_cached(sql)
        .db("saving media")?
        .execute(params![
            word_id,
            kind.as_str(),
            media.rel_path,
            media.sha256,
            media.mime,
            media.bytes,
            media.provider,
            media.settings_key,
            media.cache_key,
            media.source_text,
            now,
            media.warning,
            media.attribution
        ])
        .db("saving media")?;
    Ok(written > 0)
}

/// Copies the word's current media of `kind` to `media_history` under batch `by` — unless it
/// is the same file as the new one — and drops all but the newest [`HISTORY_KEPT`] versions.
fn keep_previous(conn: &Connection, word_id: WordId, kind: MediaKind, new_sha256: &str, by: BatchId, now: i64) -> Result<()> {
    let copied = conn
        .prepare_cached(
            "INSERT INTO media_history(word_id, kind, batch_id, replaced_at, path, sha256, mime, bytes, provider, settings_key, cache_key, source_text, created_at, warning, attribution)
             SELECT word_id, kind, ?3, ?4, path, sha256, mime, bytes, provider, settings_key, cache_key, source_text, created_at, warning, attribution
             FROM media WHERE word_id = ?1 AND kind = ?2 AND sha256 != ?5",
        )
        .db("keeping the previous media")?
        .execute(params![word_id, kind.as_str(), by, now, new_sha256])
        .db("keeping the previous media")?;
    if copied > 0 {
        conn.prepare_cached(
            "DELETE FROM media_history WHERE word_id = ?1 AND kind = ?2
               AND id NOT IN (SELECT id FROM media_history WHERE word_id = ?1 AND kind = ?2 ORDER BY id DESC LIMIT ?3)",
        )
        .db("keeping the previous media")?
        .execute(params![word_id, kind.as_str(), HISTORY_KEPT])
        .db("keeping the previous media")?;
    }
    Ok(())
}

/// Puts the version kept in `media_history` row `history_id` back as its word's media (the
/// current one is dropped, not kept: undo has no redo). Its file is checked again on next read.
pub fn restore_media(conn: &Connection, history_id: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO media(word_id, kind, path, sha256, mime, bytes, provider, settings_key, cache_key, source_text, created_at, warning, attribution)
         SELECT word_id, kind, path, sha256, mime, bytes, provider, settings_key, cache_key, source_text, created_at, warning, attribution
         FROM media_history WHERE id = ?1
         ON CONFLICT(word_id, kind) DO UPDATE SET path = excluded.path, sha256 = excluded.sha256,
             mime = excluded.mime, bytes = excluded.bytes, provider = excluded.provider,
             settings_key = excluded.settings_key, cache_key = excluded.cache_key,
             source_text = excluded.source_text, created_at = excluded.created_at, warning = excluded.warning,
             attribution = excluded.attribution, verified_bytes = NULL, verified_mtime = NULL",
    )
    .db("restoring media")?
    .execute([history_id])
    .db("restoring media")?;
    Ok(())
}

