//! Decks, their words and importing into them.

use std::path::PathBuf;

use deckmedia_core::error::ErrorCode;
use deckmedia_core::import::{ImportPreview, ImportSource};
use deckmedia_core::views::{DeckSummary, MediaPage};
use deckmedia_core::{AddWords, Deck, DeckId, ImportReport, MediaKind, NewWord, Word, WordId};
use tauri::{AppHandle, Manager, Runtime, State};

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
    call(&state, move |c| c.preview_import(ImportSource::Text(text.as_bytes()))).await
}

/// Imports a word list (plain, CSV/TSV, Anki text export) into a deck; nothing is imported when
/// a row is bad. Words already in the deck are not added twice.
#[tauri::command]
pub async fn import_words(state: State<'_, AppState>, deck_id: DeckId, text: String) -> CmdResult<AddWords> {
    let report = call(&state, move |c| c.import(deck_id, ImportSource::Text(text.as_bytes()))).await?;
    Ok(AddWords { added: report.added, already_there: report.already_there })
}

/// Where an imported package comes from: chosen by the user in the native open dialog (the page
/// never names a path). Tests manage an [`OpenPickerState`] instead, as the dialog needs a display.
pub trait OpenPicker: Send + Sync + 'static {
    /// Calls `chosen` with the package the user picked, or `None` when they cancelled.
    fn pick_package(&self, chosen: Box<dyn FnOnce(Option<PathBuf>) + Send>);
}

/// An [`OpenPicker`] managed as app state replaces the native dialog (tests).
pub struct OpenPickerState(pub std::sync::Arc<dyn OpenPicker>);

/// Asks for an Anki package (`.apkg`, native open dialog) and previews what it would bring into
/// `deck_id`: its first words and how many pictures and sounds they reference. `null` when the
/// user cancelled. [`import_package`] then imports that package.
#[tauri::command]
pub async fn choose_package<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, deck_id: DeckId) -> CmdResult<Option<ImportPreview>> {
    call(&state, move |c| c.deck(deck_id)).await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let chosen = Box::new(move |path: Option<PathBuf>| {
        let _ = tx.send(path);
    });
    match app.try_state::<OpenPickerState>() {
        Some(picker) => picker.0.pick_package(chosen),
        None => native_open_dialog(&app, chosen),
    }
    let Some(path) = rx.await.ok().flatten() else { return Ok(None) };
    let read = path.clone();
    let preview = call(&state, move |c| c.preview_import(ImportSource::Package(&read))).await?;
    state.set_chosen_package(deck_id, path);
    Ok(Some(preview))
}

fn native_open_dialog<R: Runtime>(app: &AppHandle<R>, chosen: Box<dyn FnOnce(Option<PathBuf>) + Send>) {
    use tauri_plugin_dialog::DialogExt;
    let dialog = app.dialog().file().set_title("Import an Anki package").add_filter("Anki package", &["apkg"]);
    dialog.pick_file(move |path| chosen(path.and_then(|p| p.into_path().ok())));
}

/// Imports the package [`choose_package`] previewed for `deck_id`, with its pictures and
/// sounds (on a blocking thread: a 20,000-note package takes about half a second).
#[tauri::command]
pub async fn import_package(state: State<'_, AppState>, deck_id: DeckId) -> CmdResult<ImportReport> {
    let Some(path) = state.take_chosen_package(deck_id) else {
        return Err(ErrorDto::new(ErrorCode::InvalidInput, "choose a package to import first"));
    };
    call(&state, move |c| c.import(deck_id, ImportSource::Package(&path))).await
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

/// A word's example sentence (read aloud by the deck's sentence-audio slot); blank removes it.
#[tauri::command]
pub async fn set_sentence(state: State<'_, AppState>, word_id: WordId, sentence: Option<String>) -> CmdResult<Word> {
    call(&state, move |c| c.set_sentence(word_id, sentence.as_deref())).await
}

/// What "Generate" makes for a deck (its slots), and the language of its translations.
#[tauri::command]
pub async fn set_deck_slots(state: State<'_, AppState>, deck_id: DeckId, slots: Vec<MediaKind>, translation_language: Option<String>) -> CmdResult<Deck> {
    call(&state, move |c| c.set_deck_slots(deck_id, &slots, translation_language.as_deref())).await
}

#[tauri::command]
pub async fn delete_word(state: State<'_, AppState>, word_id: WordId) -> CmdResult<()> {
    call(&state, move |c| c.delete_word(word_id)).await
}
