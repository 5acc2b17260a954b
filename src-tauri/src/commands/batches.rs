//! The queue: generating, the snapshot, and controlling batches.

use deckmedia_core::core::Snapshot;
use deckmedia_core::plan::BatchPlan;
use deckmedia_core::queue::Undone;
use deckmedia_core::views::BatchFailures;
use deckmedia_core::{BatchId, BatchInfo, DeckId, MediaKind, ProviderChoice, ProviderKind, WordId};
use tauri::State;

use crate::state::AppState;

use super::{call, CmdResult};

/// What "Generate missing" would do: the line under the buttons (files checked by size only).
#[tauri::command]
pub async fn plan_batch(state: State<'_, AppState>, deck_id: DeckId, kinds: Vec<MediaKind>) -> CmdResult<BatchPlan> {
    call(&state, move |c| c.plan_quick(deck_id, &kinds)).await
}

/// "Preview 3 words": the first words still to make, ahead of other batches.
#[tauri::command]
pub async fn preview_batch(state: State<'_, AppState>, deck_id: DeckId, kinds: Vec<MediaKind>) -> CmdResult<BatchInfo> {
    call(&state, move |c| c.preview(deck_id, &kinds, 3)).await
}

/// Starts a batch; above the cost threshold it answers `confirm_cost` until `confirmed`.
#[tauri::command]
pub async fn generate(state: State<'_, AppState>, deck_id: DeckId, kinds: Vec<MediaKind>, force: bool, confirmed: bool) -> CmdResult<BatchInfo> {
    call(&state, move |c| c.generate_checked(deck_id, &kinds, force, confirmed)).await
}

#[tauri::command]
pub async fn generate_word(state: State<'_, AppState>, word_id: WordId, kinds: Vec<MediaKind>) -> CmdResult<BatchInfo> {
    call(&state, move |c| c.generate_word_now(word_id, &kinds)).await
}

/// The queue as the database and the worker have it, for a UI that missed events.
#[tauri::command]
pub async fn snapshot(state: State<'_, AppState>) -> CmdResult<Snapshot> {
    call(&state, |c| c.snapshot()).await
}

/// A batch's one-line summary ("98 done, 2 failed: 1 rejected by the provider, 1 timed out")
/// and its failed words with their reasons.
#[tauri::command]
pub async fn batch_failures(state: State<'_, AppState>, batch_id: BatchId) -> CmdResult<BatchFailures> {
    call(&state, move |c| c.batch_failures(batch_id)).await
}

#[tauri::command]
pub async fn cancel_batch(state: State<'_, AppState>, batch_id: BatchId) -> CmdResult<BatchInfo> {
    call(&state, move |c| c.cancel(batch_id)).await
}

#[tauri::command]
pub async fn retry_batch(state: State<'_, AppState>, batch_id: BatchId) -> CmdResult<BatchInfo> {
    call(&state, move |c| c.retry(batch_id)).await
}

#[tauri::command]
pub async fn pause_batch(state: State<'_, AppState>, batch_id: BatchId, paused: bool) -> CmdResult<BatchInfo> {
    call(&state, move |c| c.pause_batch(batch_id, paused)).await
}

#[tauri::command]
pub async fn pause_all(state: State<'_, AppState>, paused: bool) -> CmdResult<()> {
    call(&state, move |c| c.pause_all(paused)).await
}

/// The batch "Undo last regeneration" would take back for a deck (or one word); `null`: none.
#[tauri::command]
pub async fn undoable(state: State<'_, AppState>, deck_id: DeckId, word_id: Option<WordId>) -> CmdResult<Option<BatchId>> {
    call(&state, move |c| c.undoable(deck_id, word_id)).await
}

/// Puts back the media the last regeneration of a deck (or one word) replaced.
#[tauri::command]
pub async fn undo_regeneration(state: State<'_, AppState>, deck_id: DeckId, word_id: Option<WordId>) -> CmdResult<Option<Undone>> {
    call(&state, move |c| c.undo_regeneration(deck_id, word_id)).await
}

/// "Retry with…": a batch's failed words queued again for another provider.
#[tauri::command]
pub async fn retry_batch_with(state: State<'_, AppState>, batch_id: BatchId, provider: ProviderKind) -> CmdResult<BatchInfo> {
    call(&state, move |c| c.retry_with(batch_id, provider)).await
}

/// "Regenerate with…": one word's media of one kind, made now by another provider.
#[tauri::command]
pub async fn regenerate_word_with(state: State<'_, AppState>, word_id: WordId, kind: MediaKind, provider: ProviderKind) -> CmdResult<BatchInfo> {
    call(&state, move |c| c.regenerate_word_with(word_id, kind, provider)).await
}

/// The providers a user may pick per kind.
#[tauri::command]
pub async fn provider_choices(state: State<'_, AppState>) -> CmdResult<Vec<ProviderChoice>> {
    call(&state, |c| Ok(c.provider_choices())).await
}

