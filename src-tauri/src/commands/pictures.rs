//! "Choose picture…": a word's candidate pictures, photos on request, and picking one.

use deckmedia_core::chooser::PictureChoices;
use deckmedia_core::error::ErrorCode;
use deckmedia_core::WordId;
use tauri::State;

use crate::state::AppState;
use crate::ErrorDto;

use super::{call, CmdResult};

/// The word's candidates without any provider call (the offline ones are drawn the first time).
#[tauri::command]
pub async fn picture_choices(state: State<'_, AppState>, word_id: WordId) -> CmdResult<PictureChoices> {
    call(&state, move |c| c.picture_choices(word_id)).await
}

/// The candidates with one photo from each keyless photo provider that has none for the word
/// yet. Network and SQLite work: on a blocking thread, so neither the main thread nor the async
/// workers wait for it.
#[tauri::command]
pub async fn find_photos(state: State<'_, AppState>, word_id: WordId) -> CmdResult<PictureChoices> {
    let core = state.core();
    tauri::async_runtime::spawn_blocking(move || tauri::async_runtime::block_on(core.find_photos(word_id)))
        .await
        .map_err(|e| ErrorDto::new(ErrorCode::App, format!("the task failed: {e}")))?
        .map_err(ErrorDto::from)
}

/// Makes a candidate the word's picture at once (no provider call).
#[tauri::command]
pub async fn choose_picture(state: State<'_, AppState>, word_id: WordId, candidate_id: i64) -> CmdResult<()> {
    call(&state, move |c| c.choose_picture(word_id, candidate_id)).await
}
