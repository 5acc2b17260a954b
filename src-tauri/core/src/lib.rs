//! Deck Media core: everything the app does, with no UI and no Tauri.
//!
//! * [`store`]: the SQLite database (schema, migrations, decks and words).
//! * [`queue`]: batches and jobs: enqueue, claim, settle, cancel, pause, retry.
//! * [`worker`]: the tokio loop that runs jobs within each provider's limits.
//! * [`wake`]: the wake-up socket that lets other processes' changes start at once.
//! * [`providers`]: the sources of pictures and voices.
//! * [`voices`]: the neural voice manager (catalogue, install, remove).
//! * [`media`]: content-addressed media files, written atomically.
//! * [`events`]: the typed events the UI and CLI subscribe to.
//! * [`wording`]: sentences every front end shows the same way (the ETA).
//! * [`Core`]: the facade the CLI and the desktop shell call, one method per user action.

pub mod anki;
pub mod attention;
pub mod child;
pub mod clean;
pub mod config;
pub mod core;
pub mod chooser;
pub mod cost;
pub mod credits;
pub mod error;
pub mod events;
pub mod export;
pub mod import;
pub mod integrity;
pub mod limits;
pub mod lock;
pub mod media;
pub mod model;
pub mod net;
pub mod paths;
pub mod gc;
pub mod plan;
pub mod private;
pub mod providers;
pub mod queue;
pub mod samples;
pub mod secrets;
pub(crate) mod store;
pub mod text;
pub mod views;
pub mod voices;
pub mod wake;
pub mod wording;
pub mod worker;

pub use crate::core::Core;
pub use crate::error::{Error, Result};
pub use crate::model::*;
