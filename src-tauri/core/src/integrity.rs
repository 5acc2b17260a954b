//! Media integrity: finding recorded media whose file is gone or no longer holds what was
//! stored, for "Generate missing" and `deckmedia verify`.
//!
//! Existence and size are checked with one `stat` per file. The content is hashed only when the
//! file's size or modification time differs from what the last successful check recorded
//! (`media.verified_bytes`, `media.verified_mtime`), so checking a deck again is cheap. The
//! database lock is not held while files are read.
//!
//! What it deliberately does not do: delete rows or files. A damaged word is simply treated as
//! missing by the enqueue path (its job is queued), and the worker rewrites the file.

use std::path::PathBuf;
use std::time::UNIX_EPOCH;

use rusqlite::params;
use serde::Serialize;

use crate::core::Core;
use crate::error::{DbContext, Error, Result};
use crate::media::hash_file;
use crate::model::{BatchInfo, DeckId, MediaKind, WordId};
use crate::queue::EnqueueOptions;

/// What is wrong with a media file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Problem {
    /// The file is not there.
    Missing,
    /// The file is there with another size or other bytes than were stored.
    Damaged,
}

impl Problem {
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::Missing => "missing",
            Problem::Damaged => "damaged",
        }
    }
}

/// One media file that is missing or damaged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenMedia {
    /// The `media` row.
    pub media_id: i64,
    pub deck_id: DeckId,
    pub deck: String,
    pub word_id: WordId,
    pub text: String,
    pub kind: MediaKind,
    /// Absolute path of the file.
    pub path: PathBuf,
    pub problem: Problem,
}

/// What `verify` found, and (with repair) the batches that regenerate it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyReport {
    /// Media files checked.
    pub checked: usize,
    pub broken: Vec<BrokenMedia>,
    pub requeued: Vec<BatchInfo>,
}

/// A recorded media row, as read for checking.
struct Row {
    broken: BrokenMedia,
    sha256: String,
    bytes: i64,
    verified: Option<(i64, i64)>,
}

impl Core {
    /// Checks the media files of one deck (or every deck) for `kinds`: existence and size
    /// always, the content hash when `hash` (only for files whose size or mtime changed since
    /// their last good check). Returns how many files were checked, and the broken ones.
    pub fn check_media(&self, deck: Option<DeckId>, kinds: &[MediaKind], hash: bool) -> Result<(usize, Vec<BrokenMedia>)> {
        let rows = self.media_rows(deck, kinds)?;
        let checked = rows.len();
        let mut broken = Vec::new();
        let mut good: Vec<(i64, i64, i64)> = Vec::new();
        for row in rows {
            match check_file(&row, hash) {
                Ok(Some(seen)) => good.push((row.broken.media_id, seen.0, seen.1)),
                Ok(None) => {}
                Err(problem) => broken.push(BrokenMedia { problem, ..row.broken }),
            }
        }
        if !good.is_empty() {
            let mut conn = self.store().conn();
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).db("recording checked media")?;
            {
                let mut stmt = tx
                    .prepare_cached("UPDATE media SET verified_bytes = ?2, verified_mtime = ?3 WHERE id = ?1")
                    .db("recording checked media")?;
                for (id, bytes, mtime) in &good {
                    stmt.execute(params![id, bytes, mtime]).db("recording checked media")?;
                }
            }
            tx.commit().db("recording checked media")?;
        }
        Ok((checked, broken))
    }

    /// `deckmedia verify`: lists missing and damaged media files (content hashed) of one deck or
    /// every deck; with `repair`, queues their words again (one batch per deck).
    pub fn verify_media(&self, deck: Option<DeckId>, repair: bool) -> Result<VerifyReport> {
        if let Some(id) = deck {
            self.deck(id)?;
        }
        let (checked, broken) = self.check_media(deck, &MediaKind::ALL, true)?;
        let mut requeued = Vec::new();
        if repair {
            let mut decks: Vec<DeckId> = broken.iter().map(|b| b.deck_id).collect();
            decks.sort_unstable();
            decks.dedup();
            for deck_id in decks {
                let of_deck: Vec<&BrokenMedia> = broken.iter().filter(|b| b.deck_id == deck_id).collect();
                let mut kinds: Vec<MediaKind> = of_deck.iter().map(|b| b.kind).collect();
                kinds.sort();
                kinds.dedup();
                let opts = EnqueueOptions {
                    max_attempts: self.config().queue.max_attempts,
                    word_ids: Some(of_deck.iter().map(|b| b.word_id).collect()),
                    invalid_media: of_deck.iter().map(|b| b.media_id).collect(),
                    ..Default::default()
                };
                requeued.push(self.enqueue(deck_id, &kinds, opts)?);
            }
        }
        Ok(VerifyReport { checked, broken, requeued })
    }

    fn media_rows(&self, deck: Option<DeckId>, kinds: &[MediaKind]) -> Result<Vec<Row>> {
        let kinds_json = serde_json::to_string(&kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into());
        let conn = self.store().conn();
        let mut stmt = conn
            .prepare(
                "SELECT m.id, d.id, d.name, w.id, w.text, m.kind, m.path, m.sha256, m.bytes, m.verified_bytes, m.verified_mtime
                 FROM media m JOIN words w ON w.id = m.word_id JOIN decks d ON d.id = w.deck_id
                 WHERE (?1 IS NULL OR d.id = ?1) AND m.kind IN (SELECT value FROM json_each(?2))
                 ORDER BY d.name, w.position, m.kind",
            )
            .db("reading media")?;
        let rows = stmt
            .query_map(params![deck, kinds_json], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, DeckId>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, WordId>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, i64>(8)?,
                    r.get::<_, Option<i64>>(9)?,
                    r.get::<_, Option<i64>>(10)?,
                ))
            })
            .db("reading media")?;
        let mut out = Vec::new();
        for row in rows {
            let (media_id, deck_id, deck, word_id, text, kind, path, sha256, bytes, vb, vm) = row.db("reading media")?;
            let kind = kind.parse::<MediaKind>().map_err(Error::Corrupt)?;
            let broken = BrokenMedia { media_id, deck_id, deck, word_id, text, kind, path: self.media_path(&path), problem: Problem::Missing };
            out.push(Row { broken, sha256, bytes, verified: vb.zip(vm) });
        }
        Ok(out)
    }
}

/// Checks one file. `Ok(Some((size, mtime)))`: its content was hashed and matches (record it);
/// `Ok(None)`: fine without hashing; `Err`: what is wrong.
fn check_file(row: &Row, hash: bool) -> std::result::Result<Option<(i64, i64)>, Problem> {
    let meta = match std::fs::metadata(&row.broken.path) {
        Ok(m) if m.is_file() => m,
        _ => return Err(Problem::Missing),
    };
    let size = meta.len() as i64;
    if size != row.bytes {
        return Err(Problem::Damaged);
    }
    if !hash {
        return Ok(None);
    }
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    if row.verified == Some((size, mtime)) {
        return Ok(None);
    }
    match hash_file(&row.broken.path) {
        Ok(h) if h == row.sha256 => Ok(Some((size, mtime))),
        Ok(_) => Err(Problem::Damaged),
        Err(_) => Err(Problem::Missing),
    }
}
