//! The IPC commands (see docs/ipc.md and the generated ui/src/generated/ipc.ts), by concern:
//! [`decks`] (decks, words, import from text or an Anki package), [`batches`] (the queue), [`settings`] (settings, keys, the
//! app's folders), [`media`] (serving a media file to the player), [`pictures`] ("Choose picture…") and [`export`] (export and Anki
//! push as background tasks). Each is one core call run on a blocking thread, so no command ever
//! blocks the main thread or the webview; each returns `{ code, message }` on error.

pub mod batches;
pub mod decks;
pub mod export;
pub mod media;
pub mod pictures;
pub mod settings;
pub mod voices;

use deckmedia_core::error::ErrorCode;
use deckmedia_core::Core;
use tauri::{AppHandle, Manager, Runtime};

pub use decks::{OpenPicker, OpenPickerState};
pub use export::{SavePicker, SavePickerState};
pub use settings::{AppInfo, Folder, ProviderSettings, Settings};

use crate::bridge::{self, AppEvent, ShellEvent};
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

/// Runs a long core call (export, Anki push) on a blocking thread as a background task: its
/// progress and result go out as `TaskProgress` / `TaskFinished` (progress at most ~10 a second).
pub(crate) fn run_task<R, F>(app: AppHandle<R>, label: String, work: F)
where
    R: Runtime,
    F: FnOnce(&Core, &mut dyn FnMut(usize, usize)) -> deckmedia_core::Result<String> + Send + 'static,
{
    let Some(state) = app.try_state::<AppState>() else { return };
    let task_id = state.next_task_id();
    let core = state.core();
    bridge::emit(&app, AppEvent::Shell(ShellEvent::TaskProgress { task_id, label: label.clone(), done: 0, total: 0 }));
    tauri::async_runtime::spawn(async move {
        let app2 = app.clone();
        let label2 = label.clone();
        let result = tauri::async_runtime::spawn_blocking(move || {
            let mut last = std::time::Instant::now();
            let mut progress = |done: usize, total: usize| {
                if done == total || last.elapsed() >= std::time::Duration::from_millis(100) {
                    last = std::time::Instant::now();
                    let event = ShellEvent::TaskProgress { task_id, label: label2.clone(), done, total };
                    bridge::emit(&app2, AppEvent::Shell(event));
                }
            };
            work(&core, &mut progress)
        })
        .await;
        let (ok, message) = match result {
            Ok(Ok(message)) => (true, message),
            Ok(Err(e)) => (false, e.to_string()),
            Err(e) => (false, format!("the task failed: {e}")),
        };
        if !ok {
            tracing::warn!("{label}: {message}");
        }
        bridge::emit(&app, AppEvent::Shell(ShellEvent::TaskFinished { task_id, label, ok, message }));
    });
}
