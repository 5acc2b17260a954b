//! The IPC commands (see docs/ipc.md and the generated ui/src/generated/ipc.ts), by concern:
//! [`decks`] (decks, words, import), [`batches`] (the queue), [`settings`] (settings, keys, the
//! app's folders), [`media`] (serving a media file to the player) and [`export`] (export and Anki
//! push as background tasks). Each is one core call run on a blocking thread, so no command ever
//! blocks the main thread or the webview; each returns `{ code, message }` on error.

pub mod batches;
pub mod decks;
pub mod export;
pub mod media;
pub mod settings;

use deckmedia_core::error::ErrorCode;
use deckmedia_core::Core;

pub use export::{SavePicker, SavePickerState};
pub use settings::{AppInfo, Folder, ProviderSettings, Settings};

use crate::state::AppState;
use crate::ErrorDto;

pub(crate) type CmdResult<T> = Result<T, ErrorDto>;

/// Runs `f` with the current core on a blocking thread.
pub(crate) async fn call<T, F>(state: &AppState, f: F) -> CmdResult<T>
where
    T: Send + 'static,
    F: FnOnce(&Core) -> deckmedia_core::Result<T> + Send + 'static,
{
    let core = state.core();
    tauri::async_runtime::spawn_blocking(move || f(&core))
        .await
        .map_err(|e| ErrorDto::new(ErrorCode::App, format!("the task failed: {e}")))?
        .map_err(ErrorDto::from)
}
