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

/// Which media a job makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Image,
    Audio,
}

impl MediaKind {
    pub const ALL: [MediaKind; 2] = [MediaKind::Image, MediaKind::Audio];
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Audio => "audio",
        }
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
    /// Piper neural voices run in-process (audio only; installed with `deckmedia voice install`).
    Neural,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 4] = [ProviderKind::Offline, ProviderKind::OpenAi, ProviderKind::ElevenLabs, ProviderKind::Neural];
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Offline => "offline",
            ProviderKind::OpenAi => "openai",
            ProviderKind::ElevenLabs => "elevenlabs",
            ProviderKind::Neural => "neural",
        }
    }
    /// Whether it needs an API key (and the network).
    pub fn needs_key(self) -> bool {
        !matches!(self, ProviderKind::Offline | ProviderKind::Neural)
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Word {
    pub id: WordId,
    pub deck_id: DeckId,
    pub text: String,
    pub language: String,
    pub translation: Option<String>,
    pub note: Option<String>,
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct WordMedia {
    pub word_id: WordId,
    pub text: String,
    pub language: String,
    pub translation: Option<String>,
    pub image: MediaState,
    pub audio: MediaState,
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
