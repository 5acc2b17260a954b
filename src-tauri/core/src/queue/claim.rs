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
    /// Jobs a picked provider may start now (its own concurrency less what it runs): a job
    /// picked for a provider with no room stays queued. A provider not listed is not capped.
    pub picked_room: &'a [(ProviderKind, u32)],
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
    let ids = take_ready(&tx, lane, lease, limit, now)?;
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

/// Moves up to `limit` ready jobs to `running` under `lease`; their ids. A job picked for a
/// provider without room ([`Lane::picked_room`]) is left queued, and no more of a provider's
/// jobs are taken than it has room for.
fn take_ready(tx: &Transaction<'_>, lane: Lane<'_>, lease: &str, limit: u32, now: i64) -> Result<Vec<JobId>> {
    let room_json = serde_json::to_string(&lane.picked_room.iter().map(|(p, n)| (p.as_str(), *n)).collect::<HashMap<_, _>>()).unwrap_or_else(|_| "{}".into());
    let mut stmt = tx
        .prepare_cached(
            "SELECT j.id, j.provider_override FROM jobs j JOIN batches b ON b.id = j.batch_id
             WHERE j.status = 'queued' AND j.kind = ?1 AND j.next_run_at <= ?2
               AND b.paused = 0 AND b.cancelled = 0
               AND NOT EXISTS(SELECT 1 FROM provider_states WHERE provider = COALESCE(j.provider_override, ?3))
               AND (j.provider_override IS NULL
                    OR NOT EXISTS(SELECT 1 FROM json_each(?5) r WHERE r.key = j.provider_override AND r.value <= 0))
             ORDER BY j.priority DESC, j.id LIMIT ?4",
        )
        .db("claiming jobs")?;
    let rows = stmt
        .query_map(params![lane.kind.as_str(), now, lane.provider, limit, room_json], |r| Ok((r.get::<_, JobId>(0)?, r.get::<_, Option<ProviderKind>>(1)?)))
        .db("claiming jobs")?;
    let mut room: HashMap<ProviderKind, u32> = lane.picked_room.iter().copied().collect();
    let mut ids = Vec::new();
    for row in rows {
        let (id, picked) = row.db("claiming jobs")?;
        if let Some(left) = picked.and_then(|p| room.get_mut(&p)) {
            if *left == 0 {
                continue;
            }
            *left -= 1;
        }
        ids.push(id);
    }
    let ids_json = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
    tx.prepare_cached("UPDATE jobs SET status = 'running', lease = ?1, started_at = ?2, provider = ?3 WHERE id IN (SELECT value FROM json_each(?4))")
        .db("claiming jobs")?
        .execute(params![lease, now, lane.provider, ids_json])
        .db("claiming jobs")?;
    Ok(ids)
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
        return (text, Some(crate::clean::nothing_left(raw)));
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

#[cfg(test)]
mod tests {
    //! Claiming with picked providers: no more of a picked provider's jobs start than it has
    //! room for, and the configured provider's jobs fill the rest of the window.
    use super::*;
    use crate::model::NewWord;
    use crate::queue::{enqueue, EnqueueOptions};
    use crate::store::Store;

    #[test]
    fn a_picked_provider_gets_no_more_jobs_than_its_room() {
        let store = Store::open_in_memory().unwrap();
        let deck = store.create_deck("D", "en").unwrap();
        let words: Vec<NewWord> = (0..6).map(|i| NewWord { text: format!("w{i}"), ..Default::default() }).collect();
        store.add_words(deck.id, &words).unwrap();
        enqueue(&mut store.conn(), deck.id, &[(MediaKind::Audio, "k".into())], &EnqueueOptions { max_attempts: 3, ..Default::default() }, 1_000).unwrap();
        // The first four words were picked for Wikimedia ("Retry with…").
        store.conn().execute("UPDATE jobs SET provider_override = 'wikimedia' WHERE id <= 4", []).unwrap();
        let alternatives = [(ProviderKind::Wikimedia, "wm".to_string())];
        let lane = |room: &'static [(ProviderKind, u32)]| Lane { kind: MediaKind::Audio, settings_key: "k", provider: "openai", alternatives: &alternatives, picked_room: room };

        let first = claim(&mut store.conn(), lane(&[(ProviderKind::Wikimedia, 2)]), "A", 8, 2_000).unwrap();
        let picked: Vec<JobId> = first.iter().filter(|j| j.provider_override.is_some()).map(|j| j.id).collect();
        assert_eq!(picked, [1, 2], "two of Wikimedia's four, in queue order");
        assert_eq!(first.len(), 4, "and the configured provider's two");
        assert!(first.iter().all(|j| j.provider_override.is_none() || j.settings_key == "wm"));

        let none = claim(&mut store.conn(), lane(&[(ProviderKind::Wikimedia, 0)]), "A", 8, 2_000).unwrap();
        assert!(none.is_empty(), "no room: Wikimedia's other jobs wait ({none:?})");
        let rest = claim(&mut store.conn(), lane(&[]), "A", 8, 2_000).unwrap();
        assert_eq!(rest.iter().map(|j| j.id).collect::<Vec<_>>(), [3, 4], "a provider not listed is not capped");
    }
}
