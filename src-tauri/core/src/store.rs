//! The SQLite database: opening it (pragmas, migrations), and decks and words.
//!
//! One `Store` per process holds one writer connection behind a mutex (the worker and edits) and
//! a few read-only connections (views and snapshots); other processes open their own. WAL lets
//! the readers run beside the writer, so a page of the deck view never waits for the worker's
//! claim and settle transactions, and `busy_timeout` makes a second process wait for the lock
//! instead of failing. Every write transaction is `BEGIN IMMEDIATE`: a deferred one
//! that reads first and then writes cannot wait for the lock (SQLite answers "database is
//! locked" at once rather than risk a deadlock). Jobs and batches live in [`crate::queue`]; this module only
//! owns the schema and the deck/word tables.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use rusqlite_migration::{Migrations, M};

use crate::clean::{Rules, TextRule};
use crate::error::{DbContext, Error, Result};
use crate::model::{AddWords, Deck, DeckId, MediaKind, NewWord, Word, WordId};

/// Longest word text accepted, in characters.
pub const MAX_WORD_CHARS: usize = 512;
/// Longest translation or note accepted, in characters.
pub const MAX_FIELD_CHARS: usize = 4096;
/// The default busy timeout (`[queue] busy_timeout_ms`).
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Read-only connections: the window asks for the deck list, a page and the snapshot at once.
const READERS: usize = 3;

/// The schema, one migration per version. Never edit a released migration: add one.
const SCHEMA: &[&str] = &[
    include_str!("schema/001_init.sql"),
    include_str!("schema/002_media_warning.sql"),
    include_str!("schema/003_provider_states_media_verified.sql"),
    include_str!("schema/004_media_attribution.sql"),
    include_str!("schema/005_deck_text_rules.sql"),
    include_str!("schema/006_job_failure_kind.sql"),
    include_str!("schema/007_media_history.sql"),
    include_str!("schema/008_job_provider_override.sql"),
    include_str!("schema/009_picture_candidates.sql"),
    include_str!("schema/010_media_slots.sql"),
];

fn migrations() -> Migrations<'static> {
    Migrations::new(SCHEMA.iter().map(|sql| M::up(sql)).collect())
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

pub struct Store {
    /// Declared before the writer so they close first: the last connection to close (the
    /// writer) checkpoints the WAL and removes its files.
    /// Empty for an in-memory database, which only its own connection sees: reads use the writer.
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    writer: Mutex<Connection>,
}

impl Store {
    /// Opens (creating when missing) the database at `path` and brings its schema up to date.
    /// Opens (and migrates) the database at `path`. `busy_timeout`: how long a statement waits
    /// for another process's lock before it fails with "database is locked".
    pub fn open(path: &Path, busy_timeout: Duration) -> Result<Store> {
        let mut conn = Connection::open(path).db("opening the database")?;
        configure(&conn, busy_timeout)?;
        migrations().to_latest(&mut conn).map_err(|e| Error::Schema(e.to_string()))?;
        let readers = (0..READERS).map(|_| open_reader(path, busy_timeout).map(Mutex::new)).collect::<Result<_>>()?;
        Ok(Store { readers, next_reader: AtomicUsize::new(0), writer: Mutex::new(conn) })
    }

    /// An in-memory database, for tests.
    #[cfg(test)]
    pub fn open_in_memory() -> Result<Store> {
        let mut conn = Connection::open_in_memory().db("opening the database")?;
        configure(&conn, BUSY_TIMEOUT)?;
        migrations().to_latest(&mut conn).map_err(|e| Error::Schema(e.to_string()))?;
        Ok(Store { readers: Vec::new(), next_reader: AtomicUsize::new(0), writer: Mutex::new(conn) })
    }

    /// The writer connection: the worker and every edit. A panic while holding it cannot
    /// corrupt SQLite (every write is a transaction), so a poisoned lock is taken over rather
    /// than propagated.
    pub fn conn(&self) -> MutexGuard<'_, Connection> {
        lock(&self.writer)
    }

    /// A read-only connection (`query_only`), for views and snapshots: it reads the last
    /// committed state beside a writer inside a transaction. A free one when there is one,
    /// else the next in turn. Never hold it while asking for another (the pool is small).
    pub fn read(&self) -> MutexGuard<'_, Connection> {
        if self.readers.is_empty() {
            return self.conn();
        }
        for reader in &self.readers {
            match reader.try_lock() {
                Ok(guard) => return guard,
                Err(TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        lock(&self.readers[i])
    }

    /// The pragmas of each read connection, read back (tests).
    #[cfg(test)]
    pub fn reader_pragmas(&self) -> Result<Vec<Pragmas>> {
        self.readers.iter().map(|r| read_pragmas(&lock(r))).collect()
    }

    /// Reads the writer's pragmas back (tests).
    #[cfg(test)]
    pub fn pragmas(&self) -> Result<Pragmas> {
        read_pragmas(&self.conn())
    }

    // ---- decks -------------------------------------------------------------------------------

    pub fn create_deck(&self, name: &str, language: &str) -> Result<Deck> {
        let name = clean_name(name)?;
        let language = clean_language(language)?;
        let conn = self.conn();
        let now = now_ms();
        let inserted = conn
            .execute("INSERT INTO decks(name, language, created_at) VALUES (?1, ?2, ?3)", params![name, language, now])
            .optional_constraint()
            .db("creating a deck")?;
        if inserted.is_none() {
            return Err(Error::invalid(format!("a deck named '{name}' already exists")));
        }
        let id = conn.last_insert_rowid();
        let slots = MediaKind::DEFAULT_SLOTS.to_vec();
        Ok(Deck { id, name, language, word_count: 0, created_at: now, slots, translation_language: String::new() })
    }

    /// The deck with this name, created with `language` when missing.
    pub fn ensure_deck(&self, name: &str, language: &str) -> Result<Deck> {
        match self.deck_by_name(name) {
            Ok(deck) => Ok(deck),
            Err(Error::NotFound { .. }) => self.create_deck(name, language),
            Err(e) => Err(e),
        }
    }

    pub fn deck_by_name(&self, name: &str) -> Result<Deck> {
        let conn = self.read();
        conn.query_row(&format!("{DECK_SELECT} WHERE d.name = ?1"), [name.trim()], deck_from_row)
            .optional()
            .db("reading a deck")?
            .ok_or_else(|| Error::not_found(format!("deck '{}'", name.trim())))
    }

    pub fn deck(&self, id: DeckId) -> Result<Deck> {
        let conn = self.read();
        conn.query_row(&format!("{DECK_SELECT} WHERE d.id = ?1"), [id], deck_from_row)
            .optional()
            .db("reading a deck")?
            .ok_or_else(|| Error::not_found(format!("deck {id}")))
    }

    pub fn list_decks(&self) -> Result<Vec<Deck>> {
        let conn = self.read();
        let mut stmt = conn.prepare(&format!("{DECK_SELECT} ORDER BY d.name COLLATE NOCASE")).db("listing decks")?;
        let rows = stmt.query_map([], deck_from_row).db("listing decks")?;
        rows.collect::<Result<Vec<_>, _>>().db("listing decks")
    }

    pub fn rename_deck(&self, id: DeckId, name: &str) -> Result<Deck> {
        let name = clean_name(name)?;
        {
            let conn = self.conn();
            let changed = conn
                .execute("UPDATE decks SET name = ?1 WHERE id = ?2", params![name, id])
                .optional_constraint()
                .db("renaming a deck")?;
            match changed {
                None => return Err(Error::invalid(format!("a deck named '{name}' already exists"))),
                Some(0) => return Err(Error::not_found(format!("deck {id}"))),
                Some(_) => {}
            }
        }
        self.deck(id)
    }

    /// A deck's own text rules ([`crate::clean`]), in order.
    pub fn text_rules(&self, id: DeckId) -> Result<Vec<TextRule>> {
        let json: Option<String> =
            self.read().query_row("SELECT text_rules FROM decks WHERE id = ?1", [id], |r| r.get(0)).optional().db("reading a deck's text rules")?;
        let json = json.ok_or_else(|| Error::not_found(format!("deck {id}")))?;
        serde_json::from_str(&json).map_err(|e| Error::Corrupt(crate::error::UnknownValue::new("text rules", format!("{} ({e})", crate::text::clip(&json)))))
    }

    /// Replaces a deck's text rules; refused (nothing changed) when one does not compile.
    pub fn set_text_rules(&self, id: DeckId, rules: &[TextRule]) -> Result<()> {
        Rules::compile(rules).map_err(Error::invalid)?;
        let json = serde_json::to_string(rules).map_err(|e| Error::invalid(format!("text rules: {e}")))?;
        let n = self.conn().execute("UPDATE decks SET text_rules = ?1 WHERE id = ?2", params![json, id]).db("saving a deck's text rules")?;
        if n == 0 {
            return Err(Error::not_found(format!("deck {id}")));
        }
        Ok(())
    }

    /// What "Generate" makes for a deck (at least one slot), and the language of its
    /// translations (`None`: unchanged; empty: English).
    pub fn set_deck_slots(&self, id: DeckId, slots: &[MediaKind], translation_language: Option<&str>) -> Result<Deck> {
        let mut slots = slots.to_vec();
        slots.sort();
        slots.dedup();
        if slots.is_empty() {
            return Err(Error::invalid("a deck makes at least one kind of media"));
        }
        let text = slots.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(",");
        let language = translation_language.map(clean_language).transpose()?;
        let n = self
            .conn()
            .execute(
                "UPDATE decks SET slots = ?1, translation_language = COALESCE(?2, translation_language) WHERE id = ?3",
                params![text, language, id],
            )
            .db("saving a deck's media slots")?;
        if n == 0 {
            return Err(Error::not_found(format!("deck {id}")));
        }
        self.deck(id)
    }

    /// Deletes a deck with its words, batches and jobs. Media files stay until no row uses them.
    pub fn delete_deck(&self, id: DeckId) -> Result<()> {
        let conn = self.conn();
        let n = conn.execute("DELETE FROM decks WHERE id = ?1", [id]).db("deleting a deck")?;
        if n == 0 {
            return Err(Error::not_found(format!("deck {id}")));
        }
        Ok(())
    }

    // ---- words -------------------------------------------------------------------------------

    /// Adds words to a deck in one transaction. A word whose text is already in the deck is not
    /// added twice. Every word is validated first: one bad word adds nothing.
    pub fn add_words(&self, deck_id: DeckId, words: &[NewWord]) -> Result<AddWords> {
        let mut cleaned = Vec::with_capacity(words.len());
        for (i, w) in words.iter().enumerate() {
            cleaned.push(clean_new_word(w).map_err(|e| Error::invalid(format!("word {}: {e}", i + 1)))?);
        }
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).db("adding words")?;
        let exists: bool =
            tx.query_row("SELECT EXISTS(SELECT 1 FROM decks WHERE id = ?1)", [deck_id], |r| r.get(0)).db("adding words")?;
        if !exists {
            return Err(Error::not_found(format!("deck {deck_id}")));
        }
        let mut next_pos: i64 = tx
            .query_row("SELECT COALESCE(MAX(position), 0) + 1 FROM words WHERE deck_id = ?1", [deck_id], |r| r.get(0))
            .db("adding words")?;
        let now = now_ms();
        let mut report = AddWords::default();
        {
            let mut find = tx.prepare("SELECT 1 FROM words WHERE deck_id = ?1 AND text = ?2").db("adding words")?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO words(deck_id, text, language, translation, note, position, updated_at, sentence)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .db("adding words")?;
            for w in &cleaned {
                if find.exists(params![deck_id, w.text]).db("adding words")? {
                    report.already_there += 1;
                    continue;
                }
                insert
                    .execute(params![deck_id, w.text, w.language.as_deref().unwrap_or(""), w.translation, w.note, next_pos, now, w.sentence])
                    .db("adding words")?;
                next_pos += 1;
                report.added += 1;
            }
        }
        tx.commit().db("adding words")?;
        Ok(report)
    }

    pub fn words(&self, deck_id: DeckId) -> Result<Vec<Word>> {
        let conn = self.read();
        let mut stmt = conn
            .prepare(&format!("{WORD_SELECT} WHERE w.deck_id = ?1 ORDER BY w.position"))
            .db("reading words")?;
        let rows = stmt.query_map([deck_id], word_from_row).db("reading words")?;
        rows.collect::<Result<Vec<_>, _>>().db("reading words")
    }

    pub fn word(&self, id: WordId) -> Result<Word> {
        let conn = self.read();
        conn.query_row(&format!("{WORD_SELECT} WHERE w.id = ?1"), [id], word_from_row)
            .optional()
            .db("reading a word")?
            .ok_or_else(|| Error::not_found(format!("word {id}")))
    }

    /// Edits a word. Allowed while a batch runs: a running job keeps the text it started with,
    /// and media made from the old text is reported stale.
    pub fn update_word(&self, id: WordId, text: &str, translation: Option<&str>) -> Result<Word> {
        let w = clean_new_word(&NewWord { text: text.into(), translation: translation.map(Into::into), ..Default::default() })?;
        {
            let conn = self.conn();
            let n = conn
                .execute(
                    "UPDATE words SET text = ?1, translation = ?2, updated_at = ?3 WHERE id = ?4",
                    params![w.text, w.translation, now_ms(), id],
                )
                .db("editing a word")?;
            if n == 0 {
                return Err(Error::not_found(format!("word {id}")));
            }
        }
        self.word(id)
    }

    /// Sets (or with `None` or blank, removes) a word's example sentence. Like an edit of the
    /// word: sentence audio made from the old sentence is reported stale.
    pub fn set_sentence(&self, id: WordId, sentence: Option<&str>) -> Result<Word> {
        let sentence = clean_field("sentence", sentence)?;
        let n = self
            .conn()
            .execute("UPDATE words SET sentence = ?1, updated_at = ?2 WHERE id = ?3", params![sentence, now_ms(), id])
            .db("editing a word")?;
        if n == 0 {
            return Err(Error::not_found(format!("word {id}")));
        }
        self.word(id)
    }
}

#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pragmas {
    pub journal_mode: String,
    pub foreign_keys: String,
    pub busy_timeout: String,
    pub synchronous: String,
    pub user_version: String,
    /// `1` on the read connections: any write through them fails.
    pub query_only: String,
}

#[cfg(test)]
fn read_pragmas(conn: &Connection) -> Result<Pragmas> {
    let get = |name: &str| -> Result<String> {
        conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, rusqlite::types::Value>(0))
            .db("reading pragmas")
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            })
    };
    Ok(Pragmas {
        journal_mode: get("journal_mode")?,
        foreign_keys: get("foreign_keys")?,
        busy_timeout: get("busy_timeout")?,
        synchronous: get("synchronous")?,
        user_version: get("user_version")?,
        query_only: get("query_only")?,
    })
}

fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A read-only connection to the database the writer has opened (and put in WAL mode, which is
/// kept in the file): `SQLITE_OPEN_READ_ONLY` and `query_only`, so nothing can write through it.
fn open_reader(path: &Path, busy_timeout: Duration) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).db("opening a read connection")?;
    conn.pragma_update(None, "query_only", "ON").db("setting query_only")?;
    conn.pragma_update(None, "foreign_keys", "ON").db("setting foreign_keys")?;
    conn.busy_timeout(busy_timeout).db("setting busy_timeout")?;
    Ok(conn)
}

fn configure(conn: &Connection, busy_timeout: Duration) -> Result<()> {
    // WAL: readers never block the writer. synchronous=NORMAL in WAL mode survives a killed
    // process (kill -9) without an fsync per commit; only an OS crash can lose the last commits.
    conn.pragma_update(None, "journal_mode", "WAL").db("setting journal_mode")?;
    conn.pragma_update(None, "synchronous", "NORMAL").db("setting synchronous")?;
    conn.pragma_update(None, "foreign_keys", "ON").db("setting foreign_keys")?;
    conn.busy_timeout(busy_timeout).db("setting busy_timeout")?;
    Ok(())
}

const DECK_SELECT: &str = "SELECT d.id, d.name, d.language, d.created_at,
    (SELECT COUNT(*) FROM words w WHERE w.deck_id = d.id), d.slots, d.translation_language FROM decks d";

fn deck_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Deck> {
    let slots: String = r.get(5)?;
    let slots = MediaKind::parse_list(&slots).map_err(|e| rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, Box::new(e)))?;
    Ok(Deck { id: r.get(0)?, name: r.get(1)?, language: r.get(2)?, created_at: r.get(3)?, word_count: r.get(4)?, slots, translation_language: r.get(6)? })
}

const WORD_SELECT: &str = "SELECT w.id, w.deck_id, w.text,
    CASE WHEN w.language <> '' THEN w.language ELSE d.language END, w.translation, w.note, w.position, w.sentence
    FROM words w JOIN decks d ON d.id = w.deck_id";

fn word_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Word> {
    Ok(Word {
        id: r.get(0)?,
        deck_id: r.get(1)?,
        text: r.get(2)?,
        language: r.get(3)?,
        translation: r.get(4)?,
        note: r.get(5)?,
        position: r.get(6)?,
        sentence: r.get(7)?,
    })
}

/// Turns a UNIQUE violation into `Ok(None)`.
trait OptionalConstraint<T> {
    fn optional_constraint(self) -> rusqlite::Result<Option<T>>;
}

impl<T> OptionalConstraint<T> for rusqlite::Result<T> {
    fn optional_constraint(self) -> rusqlite::Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Trims a word and checks it: any Unicode, 1..=512 characters, no control characters.
pub fn clean_text(text: &str) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Error::invalid("the word is empty"));
    }
    let chars = t.chars().count();
    if chars > MAX_WORD_CHARS {
        return Err(Error::invalid(format!("the word is {chars} characters long; at most {MAX_WORD_CHARS} are allowed")));
    }
    if t.chars().any(|c| c.is_control()) {
        return Err(Error::invalid("the word contains control characters (such as NUL or a line break)"));
    }
    Ok(t.to_string())
}

fn clean_field(what: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
    if v.chars().count() > MAX_FIELD_CHARS {
        return Err(Error::invalid(format!("the {what} is longer than {MAX_FIELD_CHARS} characters")));
    }
    if v.contains('\0') {
        return Err(Error::invalid(format!("the {what} contains a NUL character")));
    }
    Ok(Some(v.to_string()))
}

fn clean_new_word(w: &NewWord) -> Result<NewWord> {
    Ok(NewWord {
        text: clean_text(&w.text)?,
        translation: clean_field("translation", w.translation.as_deref())?,
        note: clean_field("note", w.note.as_deref())?,
        sentence: clean_field("sentence", w.sentence.as_deref())?,
        language: match w.language.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
            Some(l) => Some(clean_language(l)?),
            None => None,
        },
    })
}

/// A deck name: trimmed, 1..=200 characters, no control characters.
pub fn clean_name(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() {
        return Err(Error::invalid("the deck name is empty"));
    }
    if n.chars().count() > 200 {
        return Err(Error::invalid("the deck name is longer than 200 characters"));
    }
    if n.chars().any(|c| c.is_control()) {
        return Err(Error::invalid("the deck name contains control characters"));
    }
    Ok(n.to_string())
}

/// A language code such as `en`, `pt-BR`, `cmn`: letters, digits and `-`/`_`, at most 35 chars.
pub fn clean_language(lang: &str) -> Result<String> {
    let l = lang.trim();
    if l.len() > 35 || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(Error::invalid(format!("'{}' is not a language code (like en, de, pt-BR)", crate::text::clip(l))));
    }
    Ok(l.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
    }

    /// Every row of the three rebuilt tables, as text, in id order.
    fn slot_tables(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        for table in ["media", "jobs", "media_history"] {
            let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY id")).unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| (0..n).map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}"))).collect::<rusqlite::Result<Vec<_>>>())
                .unwrap();
            out.extend(rows.map(|r| format!("{table}: {}", r.unwrap().join("|"))));
        }
        out
    }

    #[test]
    fn a_version_8_database_with_media_jobs_and_history_migrates_to_the_media_slots() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        {
            let mut conn = Connection::open(&path).unwrap();
            configure(&conn, BUSY_TIMEOUT).unwrap();
            Migrations::new(SCHEMA[..8].iter().map(|sql| M::up(sql)).collect()).to_latest(&mut conn).unwrap();
            conn.execute_batch(
                "INSERT INTO decks(id, name, language, created_at) VALUES (1, 'Old', 'es', 1);
                 INSERT INTO words(id, deck_id, text, translation, position, updated_at) VALUES (1, 1, 'perro', 'dog', 1, 1), (2, 1, 'gato', NULL, 2, 1);
                 INSERT INTO batches(id, deck_id, kinds, created_at, updated_at) VALUES (1, 1, 'image,audio', 1, 1);
                 INSERT INTO jobs(id, batch_id, word_id, kind, status, max_attempts, next_run_at, failure, provider_override)
                     VALUES (1, 1, 1, 'image', 'done', 5, 1, NULL, NULL), (2, 1, 2, 'audio', 'failed', 5, 1, 'rejected', 'neural'), (3, 1, 2, 'image', 'queued', 5, 9, NULL, NULL);
                 INSERT INTO media(id, word_id, kind, path, sha256, mime, bytes, provider, settings_key, cache_key, source_text, created_at, warning, verified_bytes, verified_mtime, attribution)
                     VALUES (7, 1, 'image', 'media/image/aa/x.png', 'aa', 'image/png', 3, 'offline', 's', 'c', 'perro', 1, NULL, 3, 5, NULL),
                            (8, 1, 'audio', 'media/audio/bb/y.ogg', 'bb', 'audio/ogg', 4, 'wikimedia', 's', 'c2', 'perro', 1, 'w', NULL, NULL, '{\"author\":\"A\",\"licence\":\"CC BY-SA 4.0\",\"licence_url\":null,\"source_url\":\"u\"}');
                 INSERT INTO media_history(id, word_id, kind, batch_id, replaced_at, path, sha256, mime, bytes, provider, settings_key, cache_key, source_text, created_at)
                     VALUES (4, 1, 'audio', 1, 2, 'media/audio/cc/z.ogg', 'cc', 'audio/ogg', 5, 'offline', 's', 'c3', 'perro', 1);",
            )
            .unwrap();
        }
        let before = slot_tables(&Connection::open(&path).unwrap());
        assert_eq!(before.len(), 6);

        let store = Store::open(&path, BUSY_TIMEOUT).unwrap();
        let conn = store.conn();
        assert_eq!(read_pragmas(&conn).unwrap().user_version, SCHEMA.len().to_string());
        assert_eq!(slot_tables(&conn), before, "every row and column kept, ids included");
        let deck = store.deck(1).unwrap();
        assert_eq!((deck.slots, deck.translation_language.as_str()), (MediaKind::DEFAULT_SLOTS.to_vec(), ""));
        assert_eq!(store.word(1).unwrap().sentence, None);
        let mut indexes: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('media', 'jobs', 'media_history') AND sql IS NOT NULL ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        indexes.sort();
        assert_eq!(indexes, ["jobs_by_batch_word", "jobs_by_word", "jobs_ready", "jobs_running", "media_by_cache_key", "media_history_by_batch", "media_history_by_word"]);
        // The new kinds are accepted, an unknown one still is not; (word, kind) stays unique.
        conn.execute("INSERT INTO jobs(batch_id, word_id, kind, status, max_attempts, next_run_at) VALUES (1, 1, 'sentence_audio', 'queued', 5, 1)", []).unwrap();
        conn.execute(
            "INSERT INTO media(word_id, kind, path, sha256, mime, bytes, provider, settings_key, cache_key, source_text, created_at) VALUES (1, 'translation_audio', 'p', 'h', 'audio/ogg', 1, 'offline', 's', 'c', 'dog', 1)",
            [],
        )
        .unwrap();
        assert!(conn.execute("INSERT INTO jobs(batch_id, word_id, kind, status, max_attempts, next_run_at) VALUES (1, 1, 'video', 'queued', 5, 1)", []).is_err());
        assert!(conn.execute("INSERT INTO media(word_id, kind, path, sha256, mime, bytes, provider, settings_key, cache_key, source_text, created_at) VALUES (1, 'image', 'p', 'h', 'm', 1, 'o', 's', 'c', 't', 1)", []).is_err());
        let broken: i64 = conn.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
        assert_eq!(broken, 0);
        // The foreign keys still cascade.
        conn.execute("DELETE FROM words WHERE id = 1", []).unwrap();
        let left: i64 = conn.query_row("SELECT (SELECT COUNT(*) FROM media) + (SELECT COUNT(*) FROM media_history) + (SELECT COUNT(*) FROM jobs WHERE word_id = 1)", [], |r| r.get(0)).unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn words_are_trimmed_and_bounded() {
        assert_eq!(clean_text("  кот  ").ok(), Some("кот".to_string()));
        assert!(clean_text("   ").is_err());
        assert!(clean_text(&"a".repeat(513)).is_err());
        assert!(clean_text(&"я".repeat(512)).is_ok());
        assert!(clean_text("a\0b").is_err());
    }

    /// How long a test waits for something that should happen at once before failing.
    const WAIT: Duration = Duration::from_secs(10);

    #[test]
    fn the_writer_has_the_pragmas_we_set() {
        let dir = tempfile::tempdir().unwrap();
        let p = Store::open(&dir.path().join("deckmedia.sqlite"), Duration::from_millis(1234)).unwrap().pragmas().unwrap();
        assert_eq!(p.journal_mode, "wal");
        assert_eq!(p.foreign_keys, "1");
        assert_eq!(p.busy_timeout, "1234", "the configured busy timeout");
        assert_eq!(p.synchronous, "1", "NORMAL");
        assert_eq!(p.user_version, SCHEMA.len().to_string(), "migrations applied");
    }

    #[test]
    fn read_connections_are_read_only_in_wal_with_the_same_timeouts() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("deckmedia.sqlite"), BUSY_TIMEOUT).unwrap();
        let readers = store.reader_pragmas().unwrap();
        assert_eq!(readers.len(), READERS);
        for p in readers {
            assert_eq!(p.journal_mode, "wal");
            assert_eq!(p.query_only, "1");
            assert_eq!(p.busy_timeout, "10000");
            assert_eq!(p.foreign_keys, "1");
            assert_eq!(p.user_version, SCHEMA.len().to_string(), "the readers see the migrated schema");
        }
        assert_eq!(store.pragmas().unwrap().query_only, "0", "the writer writes");
        let err = store.read().execute("INSERT INTO decks(name, language, created_at) VALUES ('x', 'en', 0)", []).unwrap_err();
        assert!(err.to_string().contains("readonly"), "{err}");
        assert!(store.list_decks().unwrap().is_empty());
    }

    /// The views and the snapshot answer while another thread holds the writer inside a
    /// transaction (as the worker does while it claims or settles), and see the last commit.
    #[test]
    fn views_and_snapshot_answer_while_the_writer_is_inside_a_transaction() {
        use std::sync::{mpsc, Arc};
        let dir = tempfile::tempdir().unwrap();
        let core = Arc::new(crate::Core::open_with_config(dir.path(), Default::default()).unwrap());
        let deck = core.create_deck("d", "en").unwrap();
        let words: Vec<NewWord> = (0..30).map(|i| NewWord { text: format!("w{i}"), ..Default::default() }).collect();
        core.add_words(deck.id, &words).unwrap();
        let batch = core.generate(deck.id, &[crate::MediaKind::Audio], false).unwrap();

        let (held_tx, held_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let writer = {
            let core = core.clone();
            std::thread::spawn(move || {
                let mut conn = core.store().conn();
                let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).unwrap();
                tx.execute("UPDATE jobs SET status = 'running', lease = 'test'", []).unwrap();
                tx.execute("INSERT INTO decks(name, language, created_at) VALUES ('during', 'en', 0)", []).unwrap();
                held_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                tx.commit().unwrap();
            })
        };
        held_rx.recv_timeout(WAIT).expect("the writer holds its transaction");

        let (done_tx, done_rx) = mpsc::channel();
        {
            let core = core.clone();
            std::thread::spawn(move || {
                let read = || -> Result<_> {
                    Ok((core.snapshot()?, core.media_page(deck.id, 10, 10)?, core.deck_summaries()?, core.batch(batch.id)?))
                };
                let _ = done_tx.send(read());
            });
        }
        let (snapshot, page, decks, info) =
            done_rx.recv_timeout(WAIT).expect("the reads finish while the writer holds its transaction").unwrap();
        assert_eq!((snapshot.queued, snapshot.running), (30, 0), "the uncommitted claim is not seen");
        assert_eq!((page.total, page.items.len()), (30, 10));
        assert_eq!(decks.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["d"]);
        assert_eq!(info.total_jobs, 30);

        release_tx.send(()).unwrap();
        writer.join().unwrap();
        let after = core.snapshot().unwrap();
        assert_eq!((after.queued, after.running), (0, 30), "a read after the commit sees it");
        assert_eq!(core.list_decks().unwrap().len(), 2);
    }
}
