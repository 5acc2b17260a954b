//! "Choose picture…": the pictures a word could have, side by side, and making one of them its
//! picture without asking any provider again.
//!
//! Candidates come from every source that needs no account: the offline emoji, the Mulberry
//! pictogram and the word card (drawn here, a few ms each); on request ([`Core::find_photos`])
//! one photo from each keyless photo provider (Wikimedia's Wikidata image, Openverse); and the
//! word's current picture, which may come from anywhere (OpenAI, a package). Each candidate is
//! a file of the media store and a row of `picture_candidates` (migration 009), so opening the
//! chooser again, or picking, makes no provider call. Rows belong to the word as it is now
//! ([`request_key`]: text, language, translation, the deck's text rules); editing the word
//! makes new ones. `gc` keeps their files and drops rows older than the retention period.
//!
//! A picked picture becomes the word's media with settings key [`CHOSEN_SETTINGS`]: "Generate
//! missing" keeps it (like media from a package), "Regenerate" replaces it. The picture it
//! replaced stays a candidate, so picking it back is the undo.
//!
//! Photos are asked outside the queue, once per word and provider, with the providers' own
//! timeouts, negative caches and budgets (Openverse's request budget is the same file the
//! worker spends from); a provider that cannot answer now is named in
//! [`PictureChoices::unavailable`], never an error of the whole chooser.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::clean::{clean, Purpose, Rules};
use crate::core::Core;
use crate::error::{DbContext, Error, Result};
use crate::media::{cache_key, MediaStore, StoredFile, CHOSEN_SETTINGS};
use crate::model::{Attribution, MediaKind, ProviderKind, UnknownValue, Word, WordId};
use crate::providers::emoji::{self, Picture};
use crate::providers::{MediaBytes, MediaRequest, ProviderError};
use crate::queue::{put_media, MediaRecord, OnExisting};
use crate::store::now_ms;

/// The most candidates the chooser shows.
pub const MAX_CANDIDATES: usize = 8;

/// Where a candidate picture comes from (`picture_candidates.source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PictureSource {
    /// The word's emoji, drawn with the word as a caption.
    Emoji,
    /// The word's Mulberry pictogram (CC BY-SA: credited).
    Pictogram,
    /// A licensed photo (Wikimedia Commons, Openverse).
    Photo,
    /// A picture made otherwise: the word's current or earlier one (OpenAI, an Anki package).
    Picture,
    /// The word (and its translation) on a plain card.
    WordCard,
}

impl PictureSource {
    pub const ALL: [PictureSource; 5] = [PictureSource::Emoji, PictureSource::Pictogram, PictureSource::Photo, PictureSource::Picture, PictureSource::WordCard];
    pub fn as_str(self) -> &'static str {
        match self {
            PictureSource::Emoji => "emoji",
            PictureSource::Pictogram => "pictogram",
            PictureSource::Photo => "photo",
            PictureSource::Picture => "picture",
            PictureSource::WordCard => "word_card",
        }
    }
}

impl fmt::Display for PictureSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PictureSource {
    type Err = UnknownValue;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        PictureSource::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| UnknownValue::new("picture source", s))
    }
}

impl FromSql for PictureSource {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value.as_str()?.parse().map_err(|e: UnknownValue| FromSqlError::Other(Box::new(e)))
    }
}

/// One picture the word could have.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PictureCandidate {
    /// What [`Core::choose_picture`] takes.
    pub id: i64,
    pub source: PictureSource,
    /// The provider that made it, as the media record will name it (`offline`, `wikimedia`, …).
    pub provider: String,
    /// What it is, in words: "Emoji 🍎 red apple", "Photo from Wikimedia Commons".
    pub label: String,
    /// The file, absolute (for the thumbnail).
    pub path: String,
    pub attribution: Option<Attribution>,
    /// It is the word's picture now.
    pub current: bool,
}

/// What the chooser shows for a word.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PictureChoices {
    pub word_id: WordId,
    /// The current picture first, then the offline ones and photos; at most [`MAX_CANDIDATES`].
    pub candidates: Vec<PictureCandidate>,
    /// Photo providers that had nothing or could not answer, each with why ("Openverse: no
    /// requests left this minute …").
    pub unavailable: Vec<String>,
}

/// A picture about to become a candidate.
struct NewCandidate {
    source: PictureSource,
    provider: String,
    label: String,
    ext: String,
    mime: String,
    bytes: Vec<u8>,
    attribution: Option<Attribution>,
}

/// The word as candidates are made for it: its deck's rules applied, the picture's text.
struct Subject {
    word: Word,
    /// What a picture is found or drawn for (furigana give their base).
    text: String,
    translation: Option<String>,
    key: String,
}

/// The key candidates of a word are made for: a changed text, language, translation or text
/// rule makes other candidates.
pub fn request_key(language: &str, text: &str, translation: Option<&str>) -> String {
    cache_key(MediaKind::Image, "chooser:v1", language, text, translation)
}

impl Core {
    /// The candidates of `word_id`'s picture: the offline ones are drawn the first time (and
    /// again after the word changed), photos fetched before are listed, no provider is asked.
    /// Blocking (draws and writes files): call it off the async threads.
    pub fn picture_choices(&self, word_id: WordId) -> Result<PictureChoices> {
        let subject = self.chooser_subject(word_id)?;
        let have_offline = {
            let conn = self.store().conn();
            drop_stale(&conn, word_id, &subject.key)?;
            has_offline(&conn, word_id, &subject.key)?
        };
        if !have_offline {
            let files = draw_offline(self.media_store(), &subject.text, &subject.word.language, subject.translation.as_deref())?;
            self.insert_candidates(&subject, files)?;
        }
        self.list_choices(&subject, Vec::new())
    }

    /// [`Core::picture_choices`] with one photo from each keyless photo provider that has none
    /// for the word yet (asked at once; each with its own timeout). It also reads and writes
    /// SQLite between the requests: drive it from a blocking thread (the shell's `block_on` on
    /// a blocking task, the CLI's runtime), not from an async worker that must stay free.
    pub async fn find_photos(&self, word_id: WordId) -> Result<PictureChoices> {
        let subject = self.chooser_subject(word_id)?;
        let (asked, have_offline) = {
            let conn = self.store().conn();
            drop_stale(&conn, word_id, &subject.key)?;
            (photo_providers_with_rows(&conn, word_id, &subject.key)?, has_offline(&conn, word_id, &subject.key)?)
        };
        let request = MediaRequest { kind: MediaKind::Image, text: subject.text.clone(), language: subject.word.language.clone(), translation: subject.translation.clone() };
        let cancel = CancellationToken::new();
        let mut asking = tokio::task::JoinSet::new();
        for (kind, p, slot) in &self.providers().alternatives {
            if *kind != MediaKind::Image || *p == ProviderKind::Offline || p.needs_key() || asked.contains(p) {
                continue;
            }
            let (p, provider, request, cancel) = (*p, slot.provider.clone(), request.clone(), cancel.clone());
            asking.spawn(async move { (p, provider.generate(&request, &cancel).await) });
        }
        let mut found = Vec::new();
        let mut unavailable = Vec::new();
        while let Some(joined) = asking.join_next().await {
            match joined {
                Ok((p, Ok(media))) => found.push(photo_candidate(p, media)),
                Ok((p, Err(e))) => unavailable.push(unavailable_line(p, &e)),
                Err(e) => unavailable.push(format!("a photo search failed: {e}")),
            }
        }
        unavailable.sort();
        let media = self.media_store().clone();
        let (text, language, translation) = (subject.text.clone(), subject.word.language.clone(), subject.translation.clone());
        let files = tokio::task::spawn_blocking(move || {
            let mut files = write_files(&media, found)?;
            if !have_offline {
                files.extend(draw_offline(&media, &text, &language, translation.as_deref())?);
            }
            Ok::<_, Error>(files)
        })
        .await
        .map_err(|e| Error::invalid(format!("saving the photos failed: {e}")))??;
        self.insert_candidates(&subject, files)?;
        self.list_choices(&subject, unavailable)
    }

    /// Makes candidate `candidate_id` its word's picture at once (no provider call). Refused
    /// while a batch is making that word's picture (it would replace the choice) and when the
    /// word changed since the candidate was made.
    pub fn choose_picture(&self, word_id: WordId, candidate_id: i64) -> Result<()> {
        let subject = self.chooser_subject(word_id)?;
        let mut conn = self.store().conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).db("choosing a picture")?;
        let Some(c) = candidate_row(&tx, word_id, candidate_id)? else {
            return Err(Error::not_found(format!("picture candidate {candidate_id} of word {word_id}")));
        };
        if c.request_key != subject.key {
            return Err(Error::invalid("the word changed since these pictures were made: open “Choose picture…” again"));
        }
        let busy: i64 = tx
            .query_row("SELECT COUNT(*) FROM jobs WHERE word_id = ?1 AND kind = 'image' AND status IN ('queued', 'running')", [word_id], |r| r.get(0))
            .db("choosing a picture")?;
        if busy > 0 {
            return Err(Error::invalid("a batch is making this word's picture: let it finish or cancel it, then choose"));
        }
        if !self.media_store().verify(&c.file.rel_path, &c.file.sha256) {
            tx.execute("DELETE FROM picture_candidates WHERE id = ?1", [candidate_id]).db("choosing a picture")?;
            tx.commit().db("choosing a picture")?;
            return Err(Error::invalid("that picture's file is gone from the media folder: open “Choose picture…” again"));
        }
        keep_current_as_candidate(&tx, word_id, &subject.key)?;
        let media = MediaRecord {
            rel_path: c.file.rel_path,
            sha256: c.file.sha256,
            mime: c.mime,
            bytes: c.file.bytes as i64,
            provider: c.provider,
            settings_key: CHOSEN_SETTINGS.to_string(),
            cache_key: cache_key(MediaKind::Image, CHOSEN_SETTINGS, &subject.word.language, &subject.text, subject.translation.as_deref()),
            source_text: subject.word.text.clone(),
            warning: None,
            attribution: c.attribution,
        };
        put_media(&tx, word_id, MediaKind::Image, &media, now_ms(), OnExisting::Overwrite)?;
        tx.commit().db("choosing a picture")
    }

    fn chooser_subject(&self, word_id: WordId) -> Result<Subject> {
        let word = self.store().word(word_id)?;
        let rules = Rules::compile(&self.text_rules(word.deck_id)?).map_err(Error::invalid)?;
        let text = clean(&word.text, Purpose::Picture, &rules);
        if text.is_empty() {
            return Err(Error::invalid(crate::clean::nothing_left(&word.text)));
        }
        let translation = word.translation.as_deref().map(|t| clean(t, Purpose::Picture, &Rules::default())).filter(|t| !t.is_empty());
        let key = request_key(&word.language, &text, translation.as_deref());
        Ok(Subject { word, text, translation, key })
    }

    fn insert_candidates(&self, subject: &Subject, files: Vec<(NewCandidate, StoredFile)>) -> Result<()> {
        if files.is_empty() {
            return Ok(());
        }
        let mut conn = self.store().conn();
        let tx = conn.transaction().db("saving picture candidates")?;
        for (c, file) in &files {
            tx.prepare_cached(
                "INSERT INTO picture_candidates(word_id, source, provider, label, request_key, path, sha256, mime, bytes, attribution, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT(word_id, sha256) DO UPDATE SET request_key = excluded.request_key",
            )
            .db("saving picture candidates")?
            .execute(params![subject.word.id, c.source.as_str(), c.provider, c.label, subject.key, file.rel_path, file.sha256, c.mime, file.bytes as i64, c.attribution, now_ms()])
            .db("saving picture candidates")?;
        }
        tx.commit().db("saving picture candidates")
    }

    fn list_choices(&self, subject: &Subject, unavailable: Vec<String>) -> Result<PictureChoices> {
        let conn = self.store().conn();
        // The current picture is a candidate too (whatever made it), so it can be picked back.
        keep_current_as_candidate(&conn, subject.word.id, &subject.key)?;
        let current: Option<String> = conn
            .query_row("SELECT sha256 FROM media WHERE word_id = ?1 AND kind = 'image'", [subject.word.id], |r| r.get(0))
            .optional()
            .db("reading picture candidates")?;
        let mut stmt = conn
            .prepare_cached("SELECT id, source, provider, label, path, sha256, attribution FROM picture_candidates WHERE word_id = ?1 AND request_key = ?2 ORDER BY id")
            .db("reading picture candidates")?;
        let rows = stmt
            .query_map(params![subject.word.id, subject.key], |r| {
                let sha: String = r.get(5)?;
                Ok(PictureCandidate {
                    id: r.get(0)?,
                    source: r.get(1)?,
                    provider: r.get(2)?,
                    label: r.get(3)?,
                    path: self.data_dir().join(r.get::<_, String>(4)?).to_string_lossy().into_owned(),
                    attribution: r.get(6)?,
                    current: current.as_deref() == Some(sha.as_str()),
                })
            })
            .db("reading picture candidates")?;
        let mut candidates: Vec<PictureCandidate> = rows.collect::<std::result::Result<_, _>>().db("reading picture candidates")?;
        order(&mut candidates);
        Ok(PictureChoices { word_id: subject.word.id, candidates, unavailable })
    }
}

/// The current one first, then by source (emoji, pictogram, photos, other pictures, the word
/// card), the newest of a source first; at most [`MAX_CANDIDATES`], the word card always among them.
fn order(candidates: &mut Vec<PictureCandidate>) {
    candidates.sort_by(|a, b| b.current.cmp(&a.current).then(a.source.cmp(&b.source)).then(b.id.cmp(&a.id)));
    if candidates.len() > MAX_CANDIDATES {
        let card = candidates.iter().position(|c| c.source == PictureSource::WordCard && !c.current);
        let card = card.filter(|&i| i >= MAX_CANDIDATES).map(|i| candidates.remove(i));
        candidates.truncate(MAX_CANDIDATES - usize::from(card.is_some()));
        candidates.extend(card);
    }
}

/// Drops the word's candidates made for another version of it.
fn drop_stale(conn: &Connection, word_id: WordId, key: &str) -> Result<()> {
    conn.execute("DELETE FROM picture_candidates WHERE word_id = ?1 AND request_key <> ?2", params![word_id, key]).db("reading picture candidates")?;
    Ok(())
}

fn has_offline(conn: &Connection, word_id: WordId, key: &str) -> Result<bool> {
    conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM picture_candidates WHERE word_id = ?1 AND request_key = ?2 AND source = 'word_card')",
        params![word_id, key],
        |r| r.get(0),
    )
    .db("reading picture candidates")
}

/// The photo providers that already gave this version of the word a candidate.
fn photo_providers_with_rows(conn: &Connection, word_id: WordId, key: &str) -> Result<Vec<ProviderKind>> {
    let mut stmt = conn
        .prepare_cached("SELECT DISTINCT provider FROM picture_candidates WHERE word_id = ?1 AND request_key = ?2 AND source = 'photo'")
        .db("reading picture candidates")?;
    let rows = stmt.query_map(params![word_id, key], |r| r.get::<_, String>(0)).db("reading picture candidates")?;
    let names: Vec<String> = rows.collect::<std::result::Result<_, _>>().db("reading picture candidates")?;
    Ok(names.iter().filter_map(|n| n.parse().ok()).collect())
}

/// Copies the word's current picture into its candidates (when it is not one already), named
/// by what made it.
fn keep_current_as_candidate(conn: &Connection, word_id: WordId, key: &str) -> Result<()> {
    let current: Option<(String, String, String, String, i64, Option<Attribution>)> = conn
        .query_row("SELECT provider, path, sha256, mime, bytes, attribution FROM media WHERE word_id = ?1 AND kind = 'image'", [word_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })
        .optional()
        .db("reading the word's picture")?;
    let Some((provider, path, sha, mime, bytes, attribution)) = current else { return Ok(()) };
    let (source, label) = earlier_picture(&provider);
    conn.prepare_cached(
        "INSERT INTO picture_candidates(word_id, source, provider, label, request_key, path, sha256, mime, bytes, attribution, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT(word_id, sha256) DO UPDATE SET request_key = excluded.request_key",
    )
    .db("keeping the word's picture")?
    .execute(params![word_id, source.as_str(), provider, label, key, path, sha, mime, bytes, attribution, now_ms()])
    .db("keeping the word's picture")?;
    Ok(())
}

/// A picture the word has that the chooser did not make: its source and label by provider.
fn earlier_picture(provider: &str) -> (PictureSource, String) {
    match provider.parse::<ProviderKind>() {
        Ok(p @ (ProviderKind::Wikimedia | ProviderKind::Openverse)) => (PictureSource::Photo, photo_label(p)),
        Ok(ProviderKind::Offline) => (PictureSource::Picture, "Offline picture".to_string()),
        Ok(p) => (PictureSource::Picture, format!("Picture by {}", p.label())),
        Err(_) if provider == "apkg" => (PictureSource::Picture, "Picture from the Anki package".to_string()),
        Err(_) => (PictureSource::Picture, format!("Picture by {}", crate::text::clip(provider))),
    }
}

fn photo_label(p: ProviderKind) -> String {
    match p {
        ProviderKind::Wikimedia => "Photo from Wikimedia Commons".to_string(),
        ProviderKind::Openverse => "Photo from Openverse".to_string(),
        other => format!("Photo from {}", other.label()),
    }
}

/// A photo provider's answer as a candidate.
/// (The provider typed it by its bytes; the store refuses an extension it does not know.)
fn photo_candidate(p: ProviderKind, media: MediaBytes) -> NewCandidate {
    NewCandidate { source: PictureSource::Photo, provider: p.as_str().to_string(), label: photo_label(p), ext: media.ext, mime: media.mime, bytes: media.bytes, attribution: media.attribution }
}

/// Why a photo provider gave nothing, in one line.
fn unavailable_line(p: ProviderKind, e: &ProviderError) -> String {
    let name = match p {
        ProviderKind::Wikimedia => "Wikimedia Commons",
        ProviderKind::Openverse => "Openverse",
        other => other.label(),
    };
    match e {
        ProviderError::Unreachable { .. } => format!("{name}: not reachable (offline?)"),
        other => format!("{name}: {other}"),
    }
}

/// The offline candidates of a word, drawn and written to the media store (CPU-bound, ms).
fn draw_offline(media: &MediaStore, text: &str, language: &str, translation: Option<&str>) -> Result<Vec<(NewCandidate, StoredFile)>> {
    let png = |source, label: String, bytes, attribution| NewCandidate { source, provider: "offline".into(), label, ext: "png".into(), mime: "image/png".into(), bytes, attribution };
    let drawn = emoji::candidates(text, language, translation)
        .into_iter()
        .map(|picture| match picture {
            Picture::Emoji { png: bytes, matched } => png(PictureSource::Emoji, format!("Emoji “{}”", matched.label), bytes, None),
            Picture::Pictogram { png: bytes, matched } => {
                png(PictureSource::Pictogram, format!("Pictogram “{}” (Mulberry Symbols)", matched.name), bytes, Some(emoji::mulberry_credit(matched.id)))
            }
            Picture::WordCard { png: bytes } => png(PictureSource::WordCard, "Word card".into(), bytes, None),
            Picture::NotDrawable => NewCandidate {
                source: PictureSource::WordCard,
                provider: "offline".into(),
                label: "Word card".into(),
                ext: "svg".into(),
                mime: "image/svg+xml".into(),
                bytes: crate::providers::offline::word_card_svg(text, translation).into_bytes(),
                attribution: None,
            },
        })
        .collect();
    write_files(media, drawn)
}

fn write_files(media: &MediaStore, found: Vec<NewCandidate>) -> Result<Vec<(NewCandidate, StoredFile)>> {
    found
        .into_iter()
        .map(|c| {
            let file = media.write(MediaKind::Image, &c.ext, &c.bytes)?;
            Ok((c, file))
        })
        .collect()
}

/// A candidate row as picking needs it.
struct CandidateRow {
    provider: String,
    request_key: String,
    file: StoredFile,
    mime: String,
    attribution: Option<Attribution>,
}

fn candidate_row(conn: &Connection, word_id: WordId, id: i64) -> Result<Option<CandidateRow>> {
    conn.query_row(
        "SELECT provider, request_key, path, sha256, bytes, mime, attribution FROM picture_candidates WHERE id = ?1 AND word_id = ?2",
        params![id, word_id],
        |r| {
            Ok(CandidateRow {
                provider: r.get(0)?,
                request_key: r.get(1)?,
                file: StoredFile { rel_path: r.get(2)?, sha256: r.get(3)?, bytes: r.get::<_, i64>(4)?.max(0) as u64 },
                mime: r.get(5)?,
                attribution: r.get(6)?,
            })
        },
    )
    .optional()
    .db("reading a picture candidate")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: i64, source: PictureSource, current: bool) -> PictureCandidate {
        PictureCandidate { id, source, provider: "offline".into(), label: String::new(), path: String::new(), attribution: None, current }
    }

    #[test]
    fn the_current_picture_leads_and_the_word_card_stays_when_there_are_too_many() {
        let mut list: Vec<PictureCandidate> = (1..=9).map(|i| candidate(i, PictureSource::Photo, false)).collect();
        list.push(candidate(10, PictureSource::WordCard, false));
        list.push(candidate(11, PictureSource::Emoji, true));
        order(&mut list);
        assert_eq!(list.len(), MAX_CANDIDATES);
        assert!(list[0].current && list[0].id == 11);
        assert_eq!(list.last().map(|c| c.source), Some(PictureSource::WordCard));
        assert_eq!(list[1].id, 9, "the newest photo first");
    }

    #[test]
    fn sources_round_trip_and_an_unknown_one_is_an_error() {
        for s in PictureSource::ALL {
            assert_eq!(s.as_str().parse::<PictureSource>(), Ok(s));
        }
        assert!("drawing".parse::<PictureSource>().is_err());
    }

    #[test]
    fn a_picture_the_chooser_did_not_make_is_named_by_its_provider() {
        assert_eq!(earlier_picture("wikimedia").0, PictureSource::Photo);
        assert_eq!(earlier_picture("apkg").1, "Picture from the Anki package");
        assert!(earlier_picture("openai").1.starts_with("Picture by OpenAI"));
    }
}
