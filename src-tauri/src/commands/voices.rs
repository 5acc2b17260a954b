//! Neural voices for Settings: the list (installed and available), installing one as a background
//! task whose progress arrives as the core's `VoiceInstall` events, and removing one.

use deckmedia_core::voices::list::VoiceList;
use deckmedia_core::voices::{VoiceError, VoiceKey};
use tauri::State;

use crate::state::AppState;
use crate::ErrorDto;

use super::CmdResult;

fn voice_error(e: VoiceError) -> ErrorDto {
    ErrorDto::new(e.code(), e.to_string())
}

fn parse_key(key: &str) -> CmdResult<VoiceKey> {
    key.parse::<VoiceKey>().map_err(|e| ErrorDto::new(deckmedia_core::error::ErrorCode::InvalidInput, e))
}

/// The voices of `language` (`en`, `en_US`; none: all). The catalogue comes over the network;
/// without it the installed voices are listed and `catalogue_error` says why.
#[tauri::command]
pub async fn voice_list(state: State<'_, AppState>, language: Option<String>) -> CmdResult<VoiceList> {
    let core = state.core();
    core.voice_list(language.as_deref().map(str::trim).filter(|l| !l.is_empty())).await.map_err(voice_error)
}

/// Starts installing a voice and returns at once; `VoiceInstall` events tell how it goes (a
/// failure included).
#[tauri::command]
pub fn voice_install(state: State<'_, AppState>, key: String) -> CmdResult<()> {
    let key = parse_key(&key)?;
    let core = state.core();
    tauri::async_runtime::spawn(async move {
        let cancel = tokio_util::sync::CancellationToken::new();
        if let Err(e) = core.install_voice(&key, &cancel).await {
            tracing::warn!("installing voice {key}: {e}");
        }
    });
    Ok(())
}

/// Removes an installed voice; `false` when it was not installed.
#[tauri::command]
pub async fn voice_remove(state: State<'_, AppState>, key: String) -> CmdResult<bool> {
    let key = parse_key(&key)?;
    let core = state.core();
    tauri::async_runtime::spawn_blocking(move || core.voice_manager().and_then(|m| m.store().remove(&key)))
        .await
        .map_err(|e| ErrorDto::new(deckmedia_core::error::ErrorCode::App, format!("the task failed: {e}")))?
        .map_err(voice_error)
}

/// Speaks a short greeting with the installed voice `key` and returns the audio file's path
/// (played like any recording, through `read_media`). Runs on the async runtime: the IPC
/// thread does not wait for the synthesis.
#[tauri::command]
pub async fn voice_sample(state: State<'_, AppState>, key: String) -> CmdResult<String> {
    let key = parse_key(&key)?;
    let core = state.core();
    core.voice_sample(&key, None).await.map_err(ErrorDto::from)
}
