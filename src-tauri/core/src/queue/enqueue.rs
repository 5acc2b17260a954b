//! Enqueueing a batch: one transaction for any number of words.

use rusqlite::{named_params, params, Connection, ToSql};

use super::read::recount;
use crate::error::{DbContext, Error, Result};
use crate::media::{CHOSEN_SETTINGS, IMPORTED_SETTINGS};
use crate::model::{BatchId, DeckId, MediaKind, ProviderKind, WordId};

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
    /// "Regenerate with…": this provider instead of the kind's configured one.
    pub provider: Option<ProviderKind>,
}

impl Default for EnqueueOptions {
    fn default() -> Self {
        EnqueueOptions { force: false, priority: 0, max_attempts: 5, word_ids: None, invalid_media: Vec::new(), provider: None }
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
        let sql = format!(
            "INSERT INTO jobs(batch_id, word_id, kind, status, priority, max_attempts, next_run_at, reused, finished_at, fresh, provider_override)
             SELECT :batch, c.id, :kind, CASE WHEN c.hit THEN 'done' ELSE 'queued' END, :priority, :max_attempts, :now, c.hit,
                    CASE WHEN c.hit THEN :now END, :force, :override
             FROM ({candidates}) AS c WHERE NOT c.busy AND c.has_text ORDER BY c.position",
            candidates = candidates()
        );
        let p = Candidates { kind: kind.as_str(), settings_key, deck_id, word_ids: ids_json.as_deref(), force: opts.force, invalid_json: &invalid_json };
        jobs += tx
            .prepare_cached(&sql)
            .and_then(|mut stmt| {
                let provider = opts.provider.map(ProviderKind::as_str);
                let extra = named_params! { ":batch": batch_id, ":priority": opts.priority, ":max_attempts": opts.max_attempts, ":now": now, ":override": provider };
                stmt.execute(&*p.params(extra))
            })
            .db("enqueueing a batch")?;
    }
    if jobs == 0 {
        return Err(Error::invalid(nothing_to_queue(&tx, &deck_name, deck_id, settings, ids_json.as_deref())?));
    }
    recount(&tx, batch_id, now)?;
    super::read::finish_if_settled(&tx, batch_id, now)?;
    tx.commit().db("enqueueing a batch")?;
    Ok(batch_id)
}

/// Why a batch would have no job: no word has the text its kinds read (a sentence, a
/// translation), or every word's media is already queued or running in another batch.
fn nothing_to_queue(tx: &Connection, deck_name: &str, deck_id: DeckId, settings: &[(MediaKind, String)], ids_json: Option<&str>) -> Result<String> {
    let mut with_text = 0i64;
    for (kind, _) in settings {
        let sql = format!("SELECT COUNT(*) FROM words w WHERE w.deck_id = ?1 AND (?2 IS NULL OR w.id IN (SELECT value FROM json_each(?2))) AND {} <> ''", super::source_text_sql("?3"));
        with_text += tx.query_row(&sql, params![deck_id, ids_json, kind.as_str()], |r| r.get::<_, i64>(0)).db("enqueueing a batch")?;
    }
    if with_text == 0 {
        let what = settings.iter().map(|(k, _)| crate::wording::kind_source(*k)).collect::<Vec<_>>().join(" or ");
        return Ok(format!("no word of deck '{deck_name}' has {what} to make media from"));
    }
    Ok(format!("every word of deck '{deck_name}' already has this media queued or running in another batch"))
}

/// Each word a batch for a deck would take, one row per word: `id`, `position`, `text` (what
/// this kind is made from: the word, its translation or its sentence), `hit` (its media of this
/// kind exists with these settings for this text and is not known to be missing or damaged, and
/// the batch does not force new media), `busy` (a queued or running job of this kind in another
/// batch has it) and `has_text` (the word has the text this kind reads: a word without a
/// sentence gets no sentence audio). [`enqueue`] queues the rows that are not busy and have
/// text; the dry run ([`plan_rows`]) counts the same rows, so the two cannot disagree.
fn candidates() -> String {
    let src = super::source_text_sql(":kind");
    format!(
        "SELECT w.id, w.position, {src} AS text,
        (NOT :force AND EXISTS(SELECT 1 FROM media m WHERE m.word_id = w.id AND m.kind = :kind
                               AND m.settings_key IN (:settings, :imported, :chosen)
                               AND m.source_text = {src}
                               AND m.id NOT IN (SELECT value FROM json_each(:invalid)))) AS hit,
        EXISTS(SELECT 1 FROM jobs a WHERE a.word_id = w.id AND a.kind = :kind AND a.status IN ('queued', 'running')) AS busy,
        {src} <> '' AS has_text
     FROM words w
     WHERE w.deck_id = :deck AND (:ids IS NULL OR w.id IN (SELECT value FROM json_each(:ids)))"
    )
}

/// The parameters of [`candidates`].
struct Candidates<'a> {
    kind: &'static str,
    settings_key: &'a str,
    deck_id: DeckId,
    /// A JSON array of word ids, or `None` for the whole deck.
    word_ids: Option<&'a str>,
    force: bool,
    /// A JSON array of media ids whose files are missing or damaged.
    invalid_json: &'a str,
}

impl Candidates<'_> {
    fn params<'p>(&'p self, extra: &[(&'p str, &'p dyn ToSql)]) -> Vec<(&'p str, &'p dyn ToSql)> {
        let mut p: Vec<(&str, &dyn ToSql)> = vec![
            (":kind", &self.kind),
            (":settings", &self.settings_key),
            (":imported", &IMPORTED_SETTINGS),
            (":chosen", &CHOSEN_SETTINGS),
            (":force", &self.force),
            (":invalid", &self.invalid_json),
            (":deck", &self.deck_id),
            (":ids", &self.word_ids),
        ];
        p.extend_from_slice(extra);
        p
    }
}

/// One word as a batch would take it (see [`candidates`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    pub word_id: WordId,
    /// What this kind is made from: the word, its translation or its sentence.
    pub text: String,
    pub language: String,
    pub translation: Option<String>,
    /// Its media exists: done at once, no call.
    pub hit: bool,
    /// Another batch has it queued or running: left to that batch.
    pub busy: bool,
    /// The word has the text this kind reads (no sentence: no sentence audio, no job).
    pub has_text: bool,
}

/// The rows [`enqueue`] would take for one kind, in deck order, with what the dry run needs to
/// clean the text and find media made for the same content in another deck.
pub fn plan_rows(conn: &Connection, deck_id: DeckId, kind: MediaKind, settings_key: &str, opts: &EnqueueOptions) -> Result<Vec<PlanRow>> {
    let ids_json = opts.word_ids.as_ref().map(|ids| serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()));
    let invalid_json = serde_json::to_string(&opts.invalid_media).unwrap_or_else(|_| "[]".into());
    let p = Candidates { kind: kind.as_str(), settings_key, deck_id, word_ids: ids_json.as_deref(), force: opts.force, invalid_json: &invalid_json };
    let sql = format!(
        "SELECT c.id, c.text, {language}, w.translation, c.hit, c.busy, c.has_text
         FROM ({candidates}) AS c JOIN words w ON w.id = c.id JOIN decks d ON d.id = w.deck_id ORDER BY c.position",
        language = super::language_sql(":kind"),
        candidates = candidates()
    );
    let mut stmt = conn.prepare(&sql).db("planning a batch")?;
    let rows = stmt
        .query_map(&*p.params(&[]), |r| {
            let translation = if kind.gets_translation() { r.get(3)? } else { None };
            Ok(PlanRow { word_id: r.get(0)?, text: r.get(1)?, language: r.get(2)?, translation, hit: r.get(4)?, busy: r.get(5)?, has_text: r.get(6)? })
        })
        .db("planning a batch")?;
    rows.collect::<std::result::Result<_, _>>().db("planning a batch")
}
