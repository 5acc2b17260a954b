//! The plain data types the core hands out: decks, words, batches, jobs, media, and their states.
//! No I/O here; the store and the queue read and write these.
//!
//! Every type the desktop UI sees derives [`TS`]: its TypeScript declaration is generated into
//! `ui/src/generated/ipc.ts` (see the shell's `ipc_types`). States are enums whose serde names are
//! the wire and database strings; a string that names no state is an [`UnknownValue`], read from
//! the database it is [`crate::Error::Corrupt`] — never guessed.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::error::UnknownValue;

/// Reads a state enum from a TEXT column; an unknown text is an [`UnknownValue`] (which
/// [`crate::error::DbContext`] turns into [`crate::Error::Corrupt`]).
fn state_from_sql<T: FromStr<Err = UnknownValue>>(value: ValueRef<'_>) -> FromSqlResult<T> {
    value.as_str()?.parse::<T>().map_err(|e| FromSqlError::Other(Box::new(e)))
}

pub type DeckId = i64;
pub type WordId = i64;
pub type BatchId = i64;
pub type JobId = i64;

/// Which media a job makes: a deck's **slots**. A picture and the word's pronunciation, and two
/// more recordings a deck may ask for: its translation read aloud, and its example sentence.
/// Every audio slot is made by a voice (see [`MediaKind::medium`]), each with its own provider
/// settings (`[translation_audio]`, `[sentence_audio]`, else `[audio]`'s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Audio,
    TranslationAudio,
    SentenceAudio,
}

impl MediaKind {
    pub const ALL: [MediaKind; 4] = [MediaKind::Image, MediaKind::Audio, MediaKind::TranslationAudio, MediaKind::SentenceAudio];
    /// What a deck makes unless told otherwise: a picture and the word's pronunciation.
    pub const DEFAULT_SLOTS: [MediaKind; 2] = [MediaKind::Image, MediaKind::Audio];
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Audio => "audio",
            MediaKind::TranslationAudio => "translation_audio",
            MediaKind::SentenceAudio => "sentence_audio",
        }
    }
    /// What a provider makes for this slot: a picture, or speech. Providers, the media folder
    /// and the content cache know only these two.
    pub fn medium(self) -> MediaKind {
        match self {
            MediaKind::Image => MediaKind::Image,
            MediaKind::Audio | MediaKind::TranslationAudio | MediaKind::SentenceAudio => MediaKind::Audio,
        }
    }
    /// Whether a provider gets the word's translation with the request (the word's own slots:
    /// a picture picks by it); the translation and sentence recordings read their text alone.
    pub fn gets_translation(self) -> bool {
        matches!(self, MediaKind::Image | MediaKind::Audio)
    }
    pub fn is_audio(self) -> bool {
        self.medium() == MediaKind::Audio
    }
    /// Parses a list such as `image,audio,sentence-audio` (`-` or `_`; spaces ignored).
    pub fn parse_list(text: &str) -> Result<Vec<MediaKind>, UnknownValue> {
        let mut kinds: Vec<MediaKind> = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let kind: MediaKind = part.replace('-', "_").parse()?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        kinds.sort();
        Ok(kinds)
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MediaKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "image" => Ok(MediaKind::Image),
            "audio" => Ok(MediaKind::Audio),
            "translation_audio" => Ok(MediaKind::TranslationAudio),
            "sentence_audio" => Ok(MediaKind::SentenceAudio),
            other => Err(UnknownValue::new("media kind", other)),
        }
    }
}

impl FromSql for MediaKind {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        state_from_sql(value)
    }
}

/// The state of one job (the `jobs.status` column). See the state machine in `queue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }
    pub fn is_terminal(self) -> bool {
        matches!(self, JobStatus::Done | JobStatus::Failed | JobStatus::Cancelled)
    }
}

impl FromStr for JobStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            "cancelled" => JobStatus::Cancelled,
            other => return Err(UnknownValue::new("job status", other)),
        })
    }
}

impl FromSql for JobStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        state_from_sql(value)
    }
}

/// The state of one word's media of one kind, as the deck view shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum MediaStatus {
    /// Never requested, and no media from an earlier batch.
    None,
    Queued,
    Running,
    /// Made (by the latest job, or by an earlier batch).
    Done,
    Failed,
    Cancelled,
    /// Queued again because its server is unreachable, until the network returns. The database
    /// keeps such a job as `queued`; this state arrives as a `JobFinished` outcome.
    Waiting,
    /// Recorded as made, but the file is gone from the data folder ("file missing").
    Missing,
    /// Recorded as made, but the file's size (or, when verified, content) is not what was stored.
    Damaged,
}

impl MediaStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaStatus::None => "none",
            MediaStatus::Queued => "queued",
            MediaStatus::Running => "running",
            MediaStatus::Done => "done",
            MediaStatus::Failed => "failed",
            MediaStatus::Cancelled => "cancelled",
            MediaStatus::Waiting => "waiting",
            MediaStatus::Missing => "missing",
            MediaStatus::Damaged => "damaged",
        }
    }
}

impl From<JobStatus> for MediaStatus {
    /// A media's status from its latest job's.
    fn from(s: JobStatus) -> Self {
        match s {
            JobStatus::Queued => MediaStatus::Queued,
            JobStatus::Running => MediaStatus::Running,
            JobStatus::Done => MediaStatus::Done,
            JobStatus::Failed => MediaStatus::Failed,
            JobStatus::Cancelled => MediaStatus::Cancelled,
        }
    }
}

impl fmt::Display for MediaStatus {
    /// What a user reads ("file missing"); the wire word is [`MediaStatus::as_str`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MediaStatus::Missing => "file missing",
            MediaStatus::Damaged => "file damaged",
            other => other.as_str(),
        })
    }
}

/// Which service makes a kind of media (`provider = …` in `config.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Built in, no network: emoji pictures and the espeak-ng voice.
    Offline,
    /// Any OpenAI-compatible server.
    #[serde(rename = "openai")]
    OpenAi,
    /// ElevenLabs text to speech (audio only).
    #[serde(rename = "elevenlabs")]
    ElevenLabs,
    /// Wikimedia, no key: for audio, native speakers' recordings from Commons (Lingua Libre,
    /// Wiktionary, Wikidata lexemes); for pictures, the photo of the word's Wikidata item (P18) under a free
    /// licence. A word with none is "no match" (the next provider of a chain).
    Wikimedia,
    /// Piper neural voices run in-process (audio only; installed with `deckmedia voice install`).
    Neural,
    /// Openly licensed photos from Openverse (pictures only; an optional token raises its limits).
    Openverse,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 6] =
        [ProviderKind::Offline, ProviderKind::OpenAi, ProviderKind::ElevenLabs, ProviderKind::Wikimedia, ProviderKind::Neural, ProviderKind::Openverse];
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Offline => "offline",
            ProviderKind::OpenAi => "openai",
            ProviderKind::ElevenLabs => "elevenlabs",
            ProviderKind::Wikimedia => "wikimedia",
            ProviderKind::Neural => "neural",
            ProviderKind::Openverse => "openverse",
        }
    }
    /// Whether it needs an API key.
    pub fn needs_key(self) -> bool {
        matches!(self, ProviderKind::OpenAi | ProviderKind::ElevenLabs)
    }
    /// Whether it can use a key: one it needs, or Openverse's optional token (it raises the
    /// limits from 20 requests a minute and 200 a day to 100 and 10,000).
    pub fn takes_key(self) -> bool {
        self.needs_key() || self == ProviderKind::Openverse
    }
    /// Whether it makes this kind of media (ElevenLabs and the neural voices speak only,
    /// Openverse only has pictures; Wikimedia has both).
    pub fn makes(self, kind: MediaKind) -> bool {
        match kind.medium() {
            MediaKind::Image => matches!(self, ProviderKind::Offline | ProviderKind::OpenAi | ProviderKind::Wikimedia | ProviderKind::Openverse),
            _ => self != ProviderKind::Openverse,
        }
    }
    /// Its name in Settings.
    pub fn label(self) -> &'static str {
        match self {
            ProviderKind::Offline => "Offline (built in)",
            ProviderKind::OpenAi => "OpenAI-compatible",
            ProviderKind::ElevenLabs => "ElevenLabs",
            ProviderKind::Wikimedia => "Wikimedia (human recordings, licensed photos)",
            ProviderKind::Neural => "Neural voices (installed Piper voices)",
            ProviderKind::Openverse => "Openverse (licensed photos)",
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProviderKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProviderKind::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| UnknownValue::new("provider", s))
    }
}

impl FromSql for ProviderKind {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        state_from_sql(value)
    }
}

/// A provider a user may pick for one kind of media instead of the configured one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProviderChoice {
    pub kind: MediaKind,
    pub provider: ProviderKind,
    /// Its name in Settings.
    pub label: String,
}

/// The state of a batch, derived from its jobs and flags (never stored on its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum BatchStatus {
    /// No job has started yet.
    Pending,
    Processing,
    Paused,
    /// Every job settled and at least one word succeeded (counts tell how many failed).
    Completed,
    /// Every job settled and none succeeded.
    Failed,
    Cancelled,
}

impl BatchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Pending => "pending",
            BatchStatus::Processing => "processing",
            BatchStatus::Paused => "paused",
            BatchStatus::Completed => "completed",
            BatchStatus::Failed => "failed",
            BatchStatus::Cancelled => "cancelled",
        }
    }
    pub fn is_finished(self) -> bool {
        matches!(self, BatchStatus::Completed | BatchStatus::Failed | BatchStatus::Cancelled)
    }
}

impl fmt::Display for BatchStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Deck {
    pub id: DeckId,
    pub name: String,
    pub language: String,
    pub word_count: i64,
    pub created_at: i64,
    /// What "Generate" makes for this deck when not told which kinds (default: picture and the
    /// word's pronunciation); sorted.
    pub slots: Vec<MediaKind>,
    /// The language of the deck's translations, for the translation-audio slot; empty = English
    /// (what the picture providers already read translations as).
    pub translation_language: String,
}

/// The language translations are read in when a deck names none.
pub const DEFAULT_TRANSLATION_LANGUAGE: &str = "en";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Word {
    pub id: WordId,
    pub deck_id: DeckId,
    pub text: String,
    pub language: String,
    pub translation: Option<String>,
    pub note: Option<String>,
    /// An example sentence (the sentence-audio slot reads it).
    pub sentence: Option<String>,
    pub position: i64,
}

/// A word to add to a deck (from an import or the UI).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct NewWord {
    pub text: String,
    #[ts(optional = nullable)]
    pub translation: Option<String>,
    /// Overrides the deck's language for this word.
    #[ts(optional = nullable)]
    pub language: Option<String>,
    #[ts(optional = nullable)]
    pub note: Option<String>,
    /// An example sentence using the word.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub sentence: Option<String>,
}

/// A batch as users see it: the seed's `GenerationTask`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct BatchInfo {
    pub id: BatchId,
    pub deck_id: DeckId,
    pub deck: String,
    pub kinds: Vec<MediaKind>,
    pub status: BatchStatus,
    /// Percent, 0..=100 (not a fraction): settled words over total words, 100 for an empty batch.
    pub progress: u8,
    pub total_words: i64,
    pub completed_words: i64,
    pub failed_words: i64,
    pub cancelled_words: i64,
    /// Words whose media already existed and was reused without a provider call.
    pub reused_jobs: i64,
    pub total_jobs: i64,
    pub done_jobs: i64,
    pub failed_jobs: i64,
    pub cancelled_jobs: i64,
    pub paused: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

impl BatchInfo {
    pub fn settled_words(&self) -> i64 {
        self.completed_words + self.failed_words + self.cancelled_words
    }

    /// Every job settled (done, failed or cancelled): the batch is finished. The database's
    /// side of the same rule is `queue::finish_if_settled`'s `SETTLED` condition.
    pub fn all_settled(&self) -> bool {
        self.done_jobs + self.failed_jobs + self.cancelled_jobs >= self.total_jobs
    }
}

/// One word's media of one kind, as `deckmedia media --json` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MediaState {
    /// `none` when never requested, else the latest job's status (`queued`, `running`, `done`,
    /// `failed`, `cancelled`); `done` also when media exists from an earlier batch; `missing`
    /// or `damaged` when the recorded file is gone or has the wrong size.
    pub status: MediaStatus,
    /// Absolute path of the file, when there is one.
    pub path: Option<String>,
    pub error: Option<String>,
    /// The word changed since this media was made.
    pub stale: bool,
    /// Something to know about this media (e.g. the offline voice reads kanji badly).
    pub warning: Option<String>,
    /// The provider that made it (`wikimedia`, `offline`, …): for a chain, the member that did.
    pub provider: Option<String>,
    /// Who made it and under which licence, when its licence asks for credit.
    pub attribution: Option<Attribution>,
}

/// The credit a piece of media needs (CC BY-SA recordings from Wikimedia Commons): stored with
/// the media (`media.attribution`, JSON), shown in the deck view and exported with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Attribution {
    /// The speaker or author, as plain text (Commons' `Artist`, tags stripped).
    pub author: String,
    /// The licence's short name, e.g. `CC BY-SA 4.0`.
    pub licence: String,
    pub licence_url: Option<String>,
    /// The file's description page, e.g. `https://commons.wikimedia.org/wiki/File:…`.
    pub source_url: String,
}

impl Attribution {
    /// One line of credit: "Millars, CC BY-SA 4.0 (https://…), https://commons.wikimedia.org/wiki/File:…".
    pub fn line(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if !self.author.is_empty() {
            parts.push(self.author.clone());
        }
        match (&self.licence_url, self.licence.is_empty()) {
            (Some(url), false) => parts.push(format!("{} ({url})", self.licence)),
            (None, false) => parts.push(self.licence.clone()),
            (Some(url), true) => parts.push(url.clone()),
            (None, true) => {}
        }
        if !self.source_url.is_empty() {
            parts.push(self.source_url.clone());
        }
        parts.join(", ")
    }
}

/// Stored as JSON text; a value that does not parse is corrupt, never guessed.
impl FromSql for Attribution {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        serde_json::from_str(value.as_str()?).map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

impl rusqlite::types::ToSql for Attribution {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        let text = serde_json::to_string(self).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(rusqlite::types::ToSqlOutput::from(text))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct WordMedia {
    pub word_id: WordId,
    pub text: String,
    /// What a voice is given when it is not `text` as written: markup, cloze markers, sound
    /// tags and furigana taken away, the deck's text rules applied ([`crate::clean`]).
    #[serde(default)]
    pub spoken: Option<String>,
    pub language: String,
    pub translation: Option<String>,
    #[serde(default)]
    pub sentence: Option<String>,
    pub image: MediaState,
    pub audio: MediaState,
    /// The translation read aloud (the deck's `translation_audio` slot).
    pub translation_audio: MediaState,
    /// The example sentence read aloud (the deck's `sentence_audio` slot).
    pub sentence_audio: MediaState,
    /// A regeneration replaced this word's media and can be undone ("Undo" on the word).
    #[serde(default)]
    pub undoable: bool,
}

impl Word {
    /// The text media of `kind` is made from: the word, its translation or its sentence
    /// (`None` when the word has none). The queue's SQL says the same in
    /// `queue::source_text_sql`.
    pub fn source_text(&self, kind: MediaKind) -> Option<&str> {
        match kind {
            MediaKind::Image | MediaKind::Audio => Some(self.text.as_str()),
            MediaKind::TranslationAudio => self.translation.as_deref(),
            MediaKind::SentenceAudio => self.sentence.as_deref(),
        }
    }
}

impl WordMedia {
    /// The word's media of one kind.
    pub fn media(&self, kind: MediaKind) -> &MediaState {
        match kind {
            MediaKind::Image => &self.image,
            MediaKind::Audio => &self.audio,
            MediaKind::TranslationAudio => &self.translation_audio,
            MediaKind::SentenceAudio => &self.sentence_audio,
        }
    }
}

/// Why a provider's account cannot be used until the user acts: its jobs wait, no attempt is
/// spent, and the other providers keep working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    /// The quota or credit is used up (OpenAI `insufficient_quota`, HTTP 402, ElevenLabs
    /// `quota_exceeded`): waiting does not help, topping up does.
    OutOfQuota,
    /// The provider refused the API key (HTTP 401/403, `invalid_api_key`).
    KeyRejected,
}

impl AccountState {
    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountState::OutOfQuota => "out_of_quota",
            AccountState::KeyRejected => "key_rejected",
        }
    }
    /// What a user reads: "Out of quota", "Key rejected".
    pub fn label(self) -> &'static str {
        match self {
            AccountState::OutOfQuota => "Out of quota",
            AccountState::KeyRejected => "Key rejected",
        }
    }
}

impl fmt::Display for AccountState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for AccountState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "out_of_quota" => Ok(AccountState::OutOfQuota),
            "key_rejected" => Ok(AccountState::KeyRejected),
            other => Err(format!("unknown provider account state '{other}'")),
        }
    }
}

/// Why a job failed for good, as the batch summary counts it ("2 failed: 1 rejected by the
/// provider, 1 timed out"). Stored in `jobs.failure`; the message itself is in `last_error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The provider refused this request (a 4xx other than a limit, a content policy, an
    /// answer that is not media).
    Rejected,
    /// No source has media for the word (no recording, no picture).
    NoMatch,
    /// Every attempt timed out.
    TimedOut,
    /// Every attempt met a server error or a rate limit.
    ProviderError,
    /// Nothing is left of the word to send (only markup, or the deck's text rules are broken).
    UnusableText,
    /// The media was made but this machine could not save it.
    NotSaved,
    /// Its deck or word was deleted while it waited.
    Deleted,
    /// Failed before this version recorded why.
    Unknown,
}

impl FailureKind {
    pub const ALL: [FailureKind; 8] = [
        FailureKind::Rejected,
        FailureKind::NoMatch,
        FailureKind::TimedOut,
        FailureKind::ProviderError,
        FailureKind::UnusableText,
        FailureKind::NotSaved,
        FailureKind::Deleted,
        FailureKind::Unknown,
    ];
    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Rejected => "rejected",
            FailureKind::NoMatch => "no_match",
            FailureKind::TimedOut => "timed_out",
            FailureKind::ProviderError => "provider_error",
            FailureKind::UnusableText => "unusable_text",
            FailureKind::NotSaved => "not_saved",
            FailureKind::Deleted => "deleted",
            FailureKind::Unknown => "unknown",
        }
    }
}

impl FromStr for FailureKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FailureKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| UnknownValue::new("failure kind", s))
    }
}

impl FromSql for FailureKind {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        state_from_sql(value)
    }
}

/// Why one word of a batch failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WordError {
    pub word_id: WordId,
    pub text: String,
    pub kind: MediaKind,
    pub error: String,
    pub failure: FailureKind,
}

/// A batch's failures: the one-line summary ([`crate::wording::batch_summary`]) and each failed
/// word's reason, for the batch panel and `deckmedia errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BatchFailures {
    pub summary: String,
    pub errors: Vec<WordError>,
}

/// A provider whose jobs are paused until the user resumes it or saves a new key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProviderState {
    /// The provider's name, e.g. `openai`, `elevenlabs`.
    pub provider: String,
    pub state: AccountState,
    /// The provider's own words (short, secrets masked).
    pub message: String,
    /// When it was noticed (ms since the Unix epoch).
    pub since: i64,
}

impl ProviderState {
    /// "openai: Out of quota — You exceeded your current quota…".
    pub fn line(&self) -> String {
        if self.message.is_empty() {
            format!("{}: {}", self.provider, self.state.label())
        } else {
            format!("{}: {} — {}", self.provider, self.state.label(), self.message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_keep_their_wire_strings_both_ways() {
        for p in ProviderKind::ALL {
            assert_eq!(serde_json::to_value(p).ok(), Some(serde_json::Value::String(p.as_str().into())));
            assert_eq!(p.as_str().parse::<ProviderKind>(), Ok(p));
        }
        for s in [MediaStatus::None, MediaStatus::Queued, MediaStatus::Done, MediaStatus::Waiting, MediaStatus::Missing, MediaStatus::Damaged] {
            assert_eq!(serde_json::to_value(s).ok(), Some(serde_json::Value::String(s.as_str().into())));
        }
        assert_eq!("open-ai".parse::<ProviderKind>(), Err(UnknownValue::new("provider", "open-ai")));
        assert_eq!("video".parse::<MediaKind>(), Err(UnknownValue::new("media kind", "video")));
        assert_eq!("paused".parse::<JobStatus>(), Err(UnknownValue::new("job status", "paused")));
    }
}

/// How a settle moved one job; serialised as the lower-case word the UI reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum JobOutcome {
    /// Media is stored.
    Done,
    /// Failed for good (a permanent error, or the last attempt).
    Failed,
    /// Queued again after an error, an attempt spent.
    Retrying,
    /// Queued again without an attempt because its server is unreachable.
    Waiting,
    /// Queued again without an attempt (the worker stopped, or the disk is full).
    Requeued,
    /// Queued again without an attempt: its provider's account needs the user (quota used up,
    /// key rejected).
    Paused,
}

impl JobOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            JobOutcome::Done => "done",
            JobOutcome::Failed => "failed",
            JobOutcome::Retrying => "retrying",
            JobOutcome::Waiting => "waiting",
            JobOutcome::Requeued => "requeued",
            JobOutcome::Paused => "paused",
        }
    }
}

impl std::fmt::Display for JobOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a push did to one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PushStatus {
    /// A field was set or a file stored.
    Updated,
    /// Its notes already had this media.
    Unchanged,
    /// No note of the Anki deck has this word.
    NotInAnki,
    /// The word has no picture or pronunciation yet (or only stale ones).
    NoMedia,
    /// Its notes have no field for its media, or the fields hold other media (see `problems`).
    NoField,
}

impl PushStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PushStatus::Updated => "updated",
            PushStatus::Unchanged => "unchanged",
            PushStatus::NotInAnki => "not in Anki",
            PushStatus::NoMedia => "no media yet",
            PushStatus::NoField => "no field for the media",
        }
    }
}

/// One word's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PushedWord {
    pub word_id: WordId,
    pub text: String,
    pub status: PushStatus,
    /// The Anki notes matched to the word.
    pub note_ids: Vec<i64>,
    /// Fields set (`Picture`, `Audio`, …; once per field name even when several notes matched).
    pub fields: Vec<String>,
    /// Files stored in Anki's media folder for this word.
    pub files: Vec<String>,
    /// What could not be done, e.g. "no picture field in note type 'Basic'".
    pub problems: Vec<String>,
}

/// What [`crate::Core::anki_push`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PushReport {
    pub deck: String,
    pub anki_deck: String,
    pub url: String,
    /// Notes in the Anki deck.
    pub notes: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub not_in_anki: usize,
    pub no_media: usize,
    pub no_field: usize,
    /// Files stored in Anki's media folder.
    pub files_stored: usize,
    /// Every word of the deck, in deck order.
    pub words: Vec<PushedWord>,
}

/// What an import brought into a deck.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct ImportReport {
    /// Words new to the deck.
    pub added: usize,
    /// Words the deck had already (same text): not added twice.
    pub already_there: usize,
    /// Notes of a package that gave no usable word.
    pub skipped: usize,
    /// Pictures and sounds from a package attached to words that had none.
    pub pictures: usize,
    pub audio: usize,
    /// Referenced media left out: missing from the package, of an unknown type, or too large.
    pub media_skipped: usize,
    /// All of it in words, as every front end says it ([`crate::wording::import_summary`]).
    pub summary: String,
}

/// What `Core::add_words` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct AddWords {
    pub added: usize,
    pub already_there: usize,
}

/// Where a voice install stands, for progress events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum VoiceInstallState {
    Downloading,
    Installed,
    Failed,
}
