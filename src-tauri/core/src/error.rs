//! The core's one error type. Every variant's message is fit to show a user as it is: no SQL
//! text, no secrets. The shell maps it to `{ code, message }` with [`Error::code`].

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user gave something the core cannot take (empty word, unknown kind, bad CSV row, ...).
    #[error("{0}")]
    InvalidInput(String),
    /// A deck, batch or word that does not exist.
    #[error("{what} not found")]
    NotFound { what: String },
    /// A file or folder could not be read or written.
    #[error("{action} {path}: {cause}")]
    Io { action: &'static str, path: PathBuf, cause: std::io::Error },
    /// The database failed; the message names the operation, the source has SQLite's words.
    #[error("database error while {context}: {cause}")]
    Db { context: &'static str, cause: rusqlite::Error },
    /// The database was written by a newer Deck Media, or its migrations failed.
    #[error("database schema: {0}")]
    Schema(String),
    /// `config.toml` or a `DECKMEDIA_*` variable is wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// Another process already runs the worker for this data dir.
    #[error("another Deck Media worker is already running for {0}")]
    WorkerLocked(PathBuf),
    /// Nothing answered where AnkiConnect should be (Anki is closed, or the add-on is missing).
    #[error("{0}")]
    AnkiNotRunning(String),
    /// AnkiConnect answered with an error, or with something that is not AnkiConnect's answer.
    #[error("{0}")]
    Anki(String),
    /// The queue stopped on a fault of this machine that lasted (a full disk, a database held
    /// by another program): the message says what to do.
    #[error("needs attention: {0}")]
    NeedsAttention(String),
}

impl Error {
    /// A stable machine-readable code for the UI and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidInput(_) => "invalid_input",
            Error::NotFound { .. } => "not_found",
            Error::Io { .. } => "io",
            Error::Db { .. } => "database",
            Error::Schema(_) => "schema",
            Error::Config(_) => "config",
            Error::WorkerLocked(_) => "worker_locked",
            Error::AnkiNotRunning(_) => "anki_not_running",
            Error::Anki(_) => "anki",
            Error::NeedsAttention(_) => "needs_attention",
        }
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidInput(msg.into())
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound { what: what.into() }
    }

    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { action, path: path.into(), cause: source }
    }
}

/// Attaches what the core was doing to a rusqlite error.
pub trait DbContext<T> {
    fn db(self, context: &'static str) -> Result<T>;
}

impl<T> DbContext<T> for std::result::Result<T, rusqlite::Error> {
    fn db(self, context: &'static str) -> Result<T> {
        self.map_err(|cause| Error::Db { context, cause })
    }
}
