//! The plain data types the core hands out: decks, words, batches, jobs, media, and their states.
//! No I/O here; the store and the queue read and write these.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub type DeckId = i64;
pub type WordId = i64;
pub type BatchId = i64;
pub type JobId = i64;

/// Which media a job makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "image" => Ok(MediaKind::Image),
            "audio" => Ok(MediaKind::Audio),
            other => Err(format!("unknown media kind '{other}'")),
        }
    }
}

/// The state of one job. See the state machine in `queue`.
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
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            "cancelled" => JobStatus::Cancelled,
            other => return Err(format!("unknown job status '{other}'")),
        })
    }
}

/// The state of a batch, derived from its jobs and flags (never stored on its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deck {
    pub id: DeckId,
    pub name: String,
    pub language: String,
    pub word_count: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewWord {
    pub text: String,
    pub translation: Option<String>,
    /// Overrides the deck's language for this word.
    pub language: Option<String>,
    pub note: Option<String>,
}

/// A batch as users see it: the seed's `GenerationTask`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchInfo {
    pub id: BatchId,
    pub deck_id: DeckId,
    pub deck: String,
    pub kinds: Vec<MediaKind>,
    pub status: BatchStatus,
    /// 0..=100, settled words over total words.
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
}

/// Where one word's media of one kind stands, as the deck view shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaStatus {
    /// Never requested.
    None,
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
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
            MediaStatus::Missing => "missing",
            MediaStatus::Damaged => "damaged",
        }
    }
}

impl From<JobStatus> for MediaStatus {
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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MediaStatus::Missing => "file missing",
            MediaStatus::Damaged => "file damaged",
            other => other.as_str(),
        })
    }
}

impl PartialEq<&str> for MediaStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One word's media of one kind, as `deckmedia media --json` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
