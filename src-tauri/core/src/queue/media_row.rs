//! The one place a word's media row is written: by the worker when a job made media, and by an
//! `.apkg` import bringing a package's pictures and sounds. Only what happens when the word
//! already has media of that kind differs, and the caller names it.

use rusqlite::{params, Connection};

use super::settle::MediaRecord;
use crate::error::{DbContext, Result};
use crate::model::{MediaKind, WordId};

/// What happens when the word already has media of this kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnExisting {
    /// The new media replaces it (a job made it for this word just now).
    Replace,
    /// What the word has stays (media brought in from a package never overwrites).
    Keep,
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
    let sql = match on_existing {
        OnExisting::Keep => insert_media!("ON CONFLICT(word_id, kind) DO NOTHING"),
        OnExisting::Replace => insert_media!(
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
