//! The voice manager: which neural (Piper) voices exist, which are installed, installing and
//! removing them.
//!
//! * [`catalogue`]: Piper's `voices.json`, parsed and checked (keys and paths are untrusted).
//! * [`store`]: installed voices under `<data dir>/voices/`, picking one for a language.
//! * [`install`]: downloads with progress, digest check, atomic placement and resume.
//!
//! Speaking with a voice is [`crate::providers::neural`]'s job. The catalogue's base URL is
//! config `[voices] url` (`DECKMEDIA_VOICES_URL` overrides it), else [`DEFAULT_VOICES_URL`].

use std::path::{Path, PathBuf};

pub mod catalogue;
pub mod install;
pub mod list;
pub mod store;

pub use catalogue::{Catalogue, CatalogueVoice, VoiceKey};
pub use install::{InstallProgress, VoiceManager};
pub use store::{InstalledVoice, VoiceStore};

/// The public Piper voice repository (Hugging Face `rhasspy/piper-voices`).
pub const DEFAULT_VOICES_URL: &str = "https://huggingface.co/rhasspy/piper-voices/resolve/main";

/// Why a voice could not be listed, installed or removed. Messages are fit to show a user.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    /// The catalogue or a file could not be fetched: no network, server down.
    #[error("cannot reach {url}: {message}")]
    Unreachable { url: String, message: String },
    /// The server answered with an error status.
    #[error("{url} answered HTTP {status}")]
    Http { url: String, status: u16 },
    /// `voices.json` is not a catalogue.
    #[error("the voice catalogue at {url} cannot be read: {message}")]
    Catalogue { url: String, message: String },
    /// The catalogue has no voice with this key.
    #[error("no voice '{0}' in the catalogue (see `deckmedia voice list`)")]
    UnknownVoice(String),
    /// A downloaded file is not the one the catalogue describes: it was removed.
    #[error("{file}: downloaded file does not match the catalogue ({what}: expected {expected}, got {actual}); it was removed, nothing was installed")]
    Mismatch { file: String, what: &'static str, expected: String, actual: String },
    /// A file or folder could not be read or written.
    #[error("{action} {path}: {cause}")]
    Io { action: &'static str, path: PathBuf, cause: std::io::Error },
    /// The install was cancelled; what was downloaded is kept and resumed next time.
    #[error("cancelled")]
    Cancelled,
}

impl VoiceError {
    /// The code front ends show it under.
    pub fn code(&self) -> crate::error::ErrorCode {
        use crate::error::ErrorCode;
        match self {
            VoiceError::UnknownVoice(_) => ErrorCode::NotFound,
            VoiceError::Io { .. } | VoiceError::Mismatch { .. } => ErrorCode::Io,
            // The voices URL (config `[voices] url`) cannot be used right now.
            VoiceError::Unreachable { .. } | VoiceError::Http { .. } | VoiceError::Catalogue { .. } => ErrorCode::Config,
            VoiceError::Cancelled => ErrorCode::App,
        }
    }

    pub fn io(action: &'static str, path: &Path, cause: std::io::Error) -> Self {
        VoiceError::Io { action, path: path.to_path_buf(), cause }
    }
}

/// The voices base URL: the configured one (config `[voices] url`, which
/// `DECKMEDIA_VOICES_URL` overrides), else the public repository.
pub fn voices_url(configured: &str) -> String {
    let url = configured.trim().trim_end_matches('/');
    if url.is_empty() { DEFAULT_VOICES_URL.to_string() } else { url.to_string() }
}
