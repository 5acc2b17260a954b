//! Claiming: moving ready jobs to `running` under a lease, many in one statement.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::clean::{clean, Purpose, Rules};
use crate::error::{DbContext, Result};
use crate::media::cache_key;
use crate::model::{BatchId, JobId, MediaKind, ProviderKind, WordId};

/// What a worker can run for one kind: its configured provider (`settings_key`, `provider`
/// name) and the other providers a user may pick for a job ("Regenerate with…").
#[derive(Debug, Clone, Copy)]
pub struct Lane<'a> {
    pub kind: MediaKind,
    pub settings_key: &'a str,
    pub provider: &'a str,
    /// Each pickable provider with its settings key.
    pub alternatives: &'a [(ProviderKind, String)],
}

/// A job the worker now owns, with the word as it was at claim time.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    pub id: JobId,
    pub batch_id: BatchId,
    pub word_id: WordId,
    pub kind: MediaKind,
    pub attempts: u32,
    pub max_attempts: u32,
    /// What the provider gets: the word (or for the translation and sentence slots, that text)
    /// cleaned for this kind ([`crate::clean`]); keys the media.
    pub text: String,
    /// The text as stored (the media record remembers it, to tell when it changed).
    pub source_text: String,
    pub language: String,
    /// The translation, cleaned (`None` when nothing is left).
    pub translation: Option<String>,
    /// Why this job cannot be sent: the word is only markup, or the deck's text rules are
    /// damaged. The worker fails it without a provider call.
    pub unusable: Option<String>,
    pub settings_key: String,
    /// "Regenerate with…": the provider the user picked for this job (its settings key above).
    pub provider_override: Option<ProviderKind>,
    pub cache_key: String,
    /// Media with the same content-cache key that already exists (another deck, same word).
    pub cached: Option<super::MediaRecord>,
}

/// Claims up to `limit` ready jobs of `kind`: queued, due, in a batch that is neither paused nor
/// cancelled, while `provider` is not paused (quota used up, key rejected); highest priority
/// first, then oldest. The caller checks the queue-wide pause.
pub fn claim(conn: &mut Connection, lane: Lane<'_>, lease: &str, limit: u32, now: i64) -> Result<Vec<ClaimedJob>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).db("claiming jobs")?;
    let ids = take_ready(&tx, lane.kind, lane.provider, lease, limit, now)?;
    if ids.is_empty() {
        tx.commit().db("claiming jobs")?;
        return Ok(Vec::new());
    }
    let ids_json = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
    let jobs = load_claimed(&tx, &ids_json, lane)?;
    tx.execute(
        "UPDATE batches SET started_at = COALESCE(started_at, ?2), updated_at = ?2
         WHERE id IN (SELECT DISTINCT batch_id FROM jobs WHERE id IN (SELECT value FROM json_each(?1)))",
        params![ids_json, now],
    )
    .db("claiming jobs")?;
    tx.commit().db("claiming jobs")?;
    Ok(jobs)
}

/// Moves up to `limit` ready jobs to `running` under `lease`; their ids.
fn take_ready(tx: &Transaction<'_>, kind: MediaKind, provider: &str, lease: &str, limit: u32, now: i64) -> Result<Vec<JobId>> {
    let mut stmt = tx
        .prepare_cached(
            "UPDATE jobs SET status = 'running', lease = ?1, started_at = ?2, provider = ?5
             WHERE id IN (SELECT j.id FROM jobs j JOIN batches b ON b.id = j.batch_id
                          WHERE j.status = 'queued' AND j.kind = ?3 AND j.next_run_at <= ?2
                            AND b.paused = 0 AND b.cancelled = 0
                            AND NOT EXISTS(SELECT 1 FROM provider_states WHERE provider = COALESCE(j.provider_override, ?5))
                          ORDER BY j.priority DESC, j.id LIMIT ?4)
             RETURNING id",
        )
        .db("claiming jobs")?;
    let rows = stmt.query_map(params![lease, now, kind.as_str(), limit, provider], |r| r.get(0)).db("claiming jobs")?;
    rows.collect::<Result<_, _>>().db("claiming jobs")
}

/// The claimed jobs (`ids_json`, a JSON array of ids) with their words as they are now, cleaned
/// for `kind` with their deck's rules, and media already made for the same content elsewhere
/// (unless the job asks for fresh media).
fn load_claimed(tx: &Transaction<'_>, ids_json: &str, lane: Lane<'_>) -> Result<Vec<ClaimedJob>> {
    let kind = lane.kind;
    let mut stmt = tx
        .prepare_cached(
            &format!(
                "SELECT j.id, j.batch_id, j.word_id, j.attempts, j.max_attempts, {source},
                        {language}, w.translation, j.fresh, d.text_rules, j.provider_override
                 FROM jobs j JOIN words w ON w.id = j.word_id JOIN decks d ON d.id = w.deck_id
                 WHERE j.id IN (SELECT value FROM json_each(?1))
                 ORDER BY j.priority DESC, j.id",
                source = super::source_text_sql("j.kind"),
                language = super::language_sql("j.kind"),
            ),
        )
        .db("claiming jobs")?;
    let rows = stmt
        .query_map([ids_json], |r| {
            let job = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            Ok((job, r.get::<_, String>(5)?, r.get::<_, String>(6)?, r.get::<_, Option<String>>(7)?, r.get::<_, bool>(8)?, r.get::<_, String>(9)?, r.get::<_, Option<ProviderKind>>(10)?))
        })
        .db("claiming jobs")?;
    let mut rules: HashMap<String, std::result::Result<Rules, String>> = HashMap::new();
    let mut jobs = Vec::new();
    for row in rows {
        let ((id, batch_id, word_id, attempts, max_attempts), source_text, language, translation, fresh, rules_json, provider_override) = row.db("claiming jobs")?;
        // A picked provider no longer available (settings changed) keeps the configured key:
        // the worker fails such a job with a clear message.
        let settings_key = provider_override
            .and_then(|p| lane.alternatives.iter().find(|(k, _)| *k == p))
            .map_or(lane.settings_key, |(_, key)| key.as_str());
        let rules = rules.entry(rules_json).or_insert_with_key(|json| Rules::from_json(json));
        let (text, unusable) = cleaned_word(&source_text, kind, rules);
        let translation = translation.filter(|_| kind.gets_translation()).map(|t| clean(&t, Purpose::Picture, &Rules::default())).filter(|t| !t.is_empty());
        let key = cache_key(kind, settings_key, &language, &text, translation.as_deref());
        let cached = if fresh || unusable.is_some() { None } else { cached_media(tx, &key, settings_key, &source_text)? };
        let settings_key = settings_key.to_string();
        jobs.push(ClaimedJob { id, batch_id, word_id, kind, attempts, max_attempts, text, source_text, language, translation, unusable, settings_key, provider_override, cache_key: key, cached });
    }
    Ok(jobs)
}

/// The word cleaned for `kind`, or why it cannot be sent.
fn cleaned_word(raw: &str, kind: MediaKind, rules: &std::result::Result<Rules, String>) -> (String, Option<String>) {
    let rules = match rules {
        Ok(rules) => rules,
        Err(e) => return (String::new(), Some(e.clone())),
    };
    if raw.trim().is_empty() {
        return (String::new(), Some(format!("the word has no {} any more", crate::wording::kind_source(kind).trim_start_matches("a "))));
    }
    let text = clean(raw, Purpose::of(kind), rules);
    if text.is_empty() {
        let why = format!("nothing is left of {:?} once its markup is removed (edit the word or the deck's text rules)", crate::text::clip(raw));
        return (text, Some(why));
    }
    (text, None)
}

/// The newest media made for this content key (another deck, same word and settings).
fn cached_media(tx: &Transaction<'_>, key: &str, settings_key: &str, text: &str) -> Result<Option<super::MediaRecord>> {
    tx.prepare_cached("SELECT path, sha256, mime, bytes, provider, warning, attribution FROM media WHERE cache_key = ?1 ORDER BY id DESC LIMIT 1")
        .db("claiming jobs")?
        .query_row([key], |r| {
            Ok(super::MediaRecord {
                rel_path: r.get(0)?,
                sha256: r.get(1)?,
                mime: r.get(2)?,
                bytes: r.get(3)?,
                provider: r.get(4)?,
                settings_key: settings_key.to_string(),
                cache_key: key.to_string(),
                source_text: text.to_string(),
                warning: r.get(5)?,
                attribution: r.get(6)?,
            })
        })
        .optional()
        .db("claiming jobs")
}
