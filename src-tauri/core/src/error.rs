//! The core's one error type. Every variant's message is fit to show a user as it is: no SQL
//! text, no secrets. The shell maps it to `{ code, message }` with [`Error::code`], whose
//! [`ErrorCode`] is exported to the UI's TypeScript.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

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
    /// The database holds a value no state of this version names (never guessed at).
    #[error("the database holds {0} (written by a newer Deck Media, or damaged)")]
    Corrupt(UnknownValue),
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
    /// A batch above `[cost] confirm_above` was started without a confirmation: the message is
    /// the dry run's summary.
    #[error("{0}")]
    ConfirmCost(String),
}

/// A text that should name a state (a media kind, a job status, …) but names none.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an unknown {what} '{value}'")]
pub struct UnknownValue {
    /// What the text should have named, e.g. `media kind`.
    pub what: &'static str,
    pub value: String,
}

impl UnknownValue {
    pub fn new(what: &'static str, value: impl Into<String>) -> Self {
        UnknownValue { what, value: value.into() }
    }
}

/// The stable, machine-readable code of an error the desktop app reports as `{ code, message }`
/// (the wire strings are the snake_case names: `invalid_input`, `not_found`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// [`Error::InvalidInput`]: the user gave something that cannot be taken.
    InvalidInput,
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::Io`]: a file or folder could not be read or written.
    Io,
    /// [`Error::Db`].
    Database,
    /// [`Error::Schema`].
    Schema,
    /// [`Error::Corrupt`]: an unknown value in the database.
    Corrupt,
    /// [`Error::Config`].
    Config,
    /// [`Error::WorkerLocked`].
    WorkerLocked,
    /// [`Error::AnkiNotRunning`].
    AnkiNotRunning,
    /// [`Error::Anki`].
    Anki,
    /// [`Error::NeedsAttention`]: the queue stopped on a lasting fault of this machine.
    NeedsAttention,
    /// Ask the user to confirm the batch's cost, then start it again confirmed.
    ConfirmCost,
    /// The desktop shell itself failed (a background task died, the window system refused).
    /// Never produced by the core.
    App,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Io => "io",
            ErrorCode::Database => "database",
            ErrorCode::Schema => "schema",
            ErrorCode::Corrupt => "corrupt",
            ErrorCode::Config => "config",
            ErrorCode::WorkerLocked => "worker_locked",
            ErrorCode::AnkiNotRunning => "anki_not_running",
            ErrorCode::Anki => "anki",
            ErrorCode::NeedsAttention => "needs_attention",
            ErrorCode::ConfirmCost => "confirm_cost",
            ErrorCode::App => "app",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// A stable machine-readable code for the UI and scripts.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Io { .. } => ErrorCode::Io,
            Error::Db { .. } => ErrorCode::Database,
            Error::Schema(_) => ErrorCode::Schema,
            Error::Corrupt(_) => ErrorCode::Corrupt,
            Error::Config(_) => ErrorCode::Config,
            Error::WorkerLocked(_) => ErrorCode::WorkerLocked,
            Error::AnkiNotRunning(_) => ErrorCode::AnkiNotRunning,
            Error::Anki(_) => ErrorCode::Anki,
            Error::NeedsAttention(_) => ErrorCode::NeedsAttention,
            Error::ConfirmCost(_) => ErrorCode::ConfirmCost,
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
    /// An [`UnknownValue`] raised while reading a column (the model's enums' `FromSql`) becomes
    /// [`Error::Corrupt`]; anything else is [`Error::Db`].
    fn db(self, context: &'static str) -> Result<T> {
        self.map_err(|cause| match cause {
            rusqlite::Error::FromSqlConversionFailure(i, t, e) => match e.downcast::<UnknownValue>() {
                Ok(unknown) => Error::Corrupt(*unknown),
                Err(e) => Error::Db { context, cause: rusqlite::Error::FromSqlConversionFailure(i, t, e) },
            },
            cause => Error::Db { context, cause },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_keep_their_wire_strings() {
        for code in [ErrorCode::InvalidInput, ErrorCode::NotFound, ErrorCode::WorkerLocked, ErrorCode::AnkiNotRunning, ErrorCode::App] {
            assert_eq!(serde_json::to_value(code).ok(), Some(serde_json::Value::String(code.as_str().into())));
        }
    }

    #[test]
    fn an_unknown_value_read_from_a_column_is_corrupt_not_a_database_failure() {
        let e = Err::<(), _>(rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            Box::new(UnknownValue::new("media kind", "video")),
        ))
        .db("reading");
        assert!(matches!(&e, Err(Error::Corrupt(u)) if u.value == "video"), "{e:?}");
        assert_eq!(e.err().map(|e| e.to_string()).as_deref(), Some("the database holds an unknown media kind 'video' (written by a newer Deck Media, or damaged)"));
    }
}
