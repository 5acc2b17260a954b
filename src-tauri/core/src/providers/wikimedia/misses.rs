//! The negative-answer cache: words Commons has no recording of, so they are not asked about
//! again every run (Wikimedia's etiquette; most words of a deck in a smaller language have
//! none). A small SQLite file of its own in the data dir (`wikimedia-misses.sqlite3`), apart
//! from the queue's database: it is a cache, losing it costs a few requests, and it has no
//! migrations to keep in step. Without a data dir it lives in memory.
//!
//! A cache never fails a word: an error reading or writing it is logged and treated as "not
//! cached". Times are passed in, so expiry is tested without a clock.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

pub struct MissCache {
    /// The file; `None`: in memory.
    path: Option<PathBuf>,
    /// Opened on first use, so a provider that is built but never asked (a pickable one) leaves
    /// no file behind. `None` inside only when not even an in-memory database opened.
    conn: OnceLock<Option<Mutex<Connection>>>,
    ttl: Duration,
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS misses (
    language   TEXT NOT NULL,
    word       TEXT NOT NULL,
    checked_at INTEGER NOT NULL,   -- ms since the Unix epoch
    PRIMARY KEY (language, word)
)";

impl MissCache {
    /// A cache in the file `path` (created on first use); `None`, or a file that cannot be
    /// opened, gives a cache in memory. A `ttl` of zero caches nothing.
    pub fn open(path: Option<&Path>, ttl: Duration) -> MissCache {
        MissCache { path: path.map(Path::to_path_buf), conn: OnceLock::new(), ttl }
    }

    fn conn(&self) -> Option<&Mutex<Connection>> {
        self.conn
            .get_or_init(|| {
                let file = self.path.as_deref().and_then(|p| match Self::open_file(p) {
                    Ok(c) => Some(c),
                    Err(e) => {
                        tracing::warn!("the Wikimedia cache {} cannot be used ({e}); keeping it in memory", p.display());
                        None
                    }
                });
                file.or_else(|| Connection::open_in_memory().and_then(|c| c.execute_batch(SCHEMA).map(|()| c)).ok()).map(Mutex::new)
            })
            .as_ref()
    }

    fn open_file(path: &Path) -> rusqlite::Result<Connection> {
        let conn = Connection::open(path)?;
        crate::private::restrict_file(path);
        conn.busy_timeout(Duration::from_secs(2))?;
        conn.execute_batch(SCHEMA)?;
        Ok(conn)
    }

    /// When `word` in `language` was found to have no recording, if that is recent enough to
    /// trust (within the TTL of `now_ms`).
    pub fn checked_at(&self, language: &str, word: &str, now_ms: i64) -> Option<i64> {
        if self.ttl.is_zero() {
            return None;
        }
        let conn = self.conn()?.lock().ok()?;
        let at: Option<i64> = conn
            .query_row("SELECT checked_at FROM misses WHERE language = ?1 AND word = ?2", params![language, word], |r| r.get(0))
            .optional()
            .map_err(|e| tracing::warn!("reading the Wikimedia cache: {e}"))
            .ok()
            .flatten();
        at.filter(|&t| t <= now_ms && now_ms - t < self.ttl.as_millis() as i64)
    }

    /// Remembers that `word` in `language` has no recording (as of `now_ms`).
    pub fn remember(&self, language: &str, word: &str, now_ms: i64) {
        if self.ttl.is_zero() {
            return;
        }
        let Some(Ok(conn)) = self.conn().map(Mutex::lock) else { return };
        let written = conn.execute(
            "INSERT INTO misses(language, word, checked_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(language, word) DO UPDATE SET checked_at = excluded.checked_at",
            params![language, word, now_ms],
        );
        if let Err(e) = written {
            tracing::warn!("writing the Wikimedia cache: {e}");
        }
        // Entries past their time are dropped now and then (cheap: the table is small).
        let _ = conn.execute("DELETE FROM misses WHERE checked_at < ?1", [now_ms - self.ttl.as_millis() as i64]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    #[test]
    fn a_miss_is_remembered_until_its_time_is_up_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("misses.sqlite3");
        let cache = MissCache::open(Some(&path), Duration::from_millis(7 * DAY as u64));
        assert_eq!(cache.checked_at("es", "manzana", 10 * DAY), None);
        cache.remember("es", "manzana", 10 * DAY);
        assert_eq!(cache.checked_at("es", "manzana", 11 * DAY), Some(10 * DAY));
        assert_eq!(cache.checked_at("de", "manzana", 11 * DAY), None, "another language is another word");
        assert_eq!(cache.checked_at("es", "Manzana", 11 * DAY), None);
        assert_eq!(cache.checked_at("es", "manzana", 17 * DAY), None, "asked again after 7 days");
        drop(cache);
        let again = MissCache::open(Some(&path), Duration::from_millis(7 * DAY as u64));
        assert_eq!(again.checked_at("es", "manzana", 12 * DAY), Some(10 * DAY));
        let off = MissCache::open(None, Duration::ZERO);
        off.remember("es", "manzana", DAY);
        assert_eq!(off.checked_at("es", "manzana", DAY), None, "a TTL of zero caches nothing");
        let unused = dir.path().join("unused.sqlite3");
        drop(MissCache::open(Some(&unused), Duration::from_millis(DAY as u64)));
        assert!(!unused.exists(), "a cache never asked makes no file");
    }
}
