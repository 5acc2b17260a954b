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

/// One word's media of one kind, as `deckmedia media --json` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaState {
    /// `none` when never requested, else the latest job's status (`queued`, `running`, `done`,
    /// `failed`, `cancelled`); `done` also when media exists from an earlier batch.
    pub status: String,
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
