//! Decks, their words and importing into them.

#![allow(unused_imports)]
use std::path::PathBuf;

use deckmedia_core::config::{Config, ProviderConfig};
use deckmedia_core::core::Snapshot;
use deckmedia_core::error::ErrorCode;
use deckmedia_core::export::ExportFormat;
use deckmedia_core::import::ImportPreview;
use deckmedia_core::store::AddWords;
use deckmedia_core::views::{DeckSummary, MediaPage, WordError};
use deckmedia_core::{BatchId, BatchInfo, Core, Deck, DeckId, MediaKind, NewWord, ProviderKind, Word, WordId};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime, State};
use ts_rs::TS;

use crate::bridge::{self, AppEvent, ShellEvent};
use crate::state::AppState;
use crate::ErrorDto;

use super::{call, CmdResult};

#[tauri::command]
pub async fn list_decks(state: State<'_, AppState>) -> CmdResult<Vec<DeckSummary>> {
    call(&state, |c| c.deck_summaries()).await
}

#[tauri::command]
pub async fn create_deck(state: State<'_, AppState>, name: String, language: String) -> CmdResult<Deck> {
    call(&state, move |c| c.create_deck(&name, &language)).await
}

#[tauri::command]
pub async fn rename_deck(state: State<'_, AppState>, deck_id: DeckId, name: String) -> CmdResult<Deck> {
    call(&state, move |c| c.rename_deck(deck_id, &name)).await
}

#[tauri::command]
pub async fn delete_deck(state: State<'_, AppState>, deck_id: DeckId) -> CmdResult<()> {
    call(&state, move |c| c.delete_deck(deck_id)).await
}

/// Reads a pasted or chosen word list without importing it: the first rows, every bad row by
/// line, the columns found.
#[tauri::command]
pub async fn preview_import(state: State<'_, AppState>, text: String) -> CmdResult<ImportPreview> {
    call(&state, move |c| c.preview_import(text.as_bytes())).await
}

/// Imports a word list (plain, CSV/TSV, Anki text export) into a deck; nothing is imported when
/// a row is bad. Words already in the deck are not added twice.
#[tauri::command]
pub async fn import_words(state: State<'_, AppState>, deck_id: DeckId, text: String) -> CmdResult<AddWords> {
    call(&state, move |c| c.import_into(deck_id, text.as_bytes())).await
}

#[tauri::command]
pub async fn add_words(state: State<'_, AppState>, deck_id: DeckId, words: Vec<NewWord>) -> CmdResult<AddWords> {
    call(&state, move |c| c.add_words(deck_id, &words)).await
}

#[tauri::command]
pub async fn deck_media(state: State<'_, AppState>, deck_id: DeckId, offset: i64, limit: i64) -> CmdResult<MediaPage> {
    call(&state, move |c| c.media_page(deck_id, offset, limit)).await
}

#[tauri::command]
pub async fn update_word(
    state: State<'_, AppState>,
    word_id: WordId,
    text: String,
    translation: Option<String>,
) -> CmdResult<Word> {
    call(&state, move |c| c.update_word(word_id, &text, translation.as_deref())).await
}

#[tauri::command]
pub async fn delete_word(state: State<'_, AppState>, word_id: WordId) -> CmdResult<()> {
    call(&state, move |c| c.delete_word(word_id)).await
}
