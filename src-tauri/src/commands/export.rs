//! Export and Anki push, as background tasks reporting by event.

use std::path::PathBuf;

use deckmedia_core::export::ExportFormat;
use deckmedia_core::DeckId;
use tauri::{AppHandle, Manager, Runtime, State};

use crate::state::AppState;

use super::{call, run_task, CmdResult};

/// Where an export goes: chosen by the user in the native save dialog (which confirms
/// overwriting). Tests manage a [`SavePickerState`] instead, as the dialog needs a display.
pub trait SavePicker: Send + Sync + 'static {
    /// Calls `chosen` with the path the user picked, or `None` when they cancelled.
    fn pick(&self, suggested: &str, apkg: bool, chosen: Box<dyn FnOnce(Option<PathBuf>) + Send>);
}

/// A [`SavePicker`] managed as app state replaces the native dialog (tests).
pub struct SavePickerState(pub std::sync::Arc<dyn SavePicker>);

/// Exports a deck in the background to the file or folder the user picks in the native save
/// dialog. The page cannot name a path (it is untrusted: a path from it could overwrite any
/// file the user can write). Progress and the result arrive as `TaskProgress` /
/// `TaskFinished` events.
#[tauri::command]
pub async fn export_deck<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, deck_id: DeckId, format: ExportFormat) -> CmdResult<()> {
    let deck = call(&state, move |c| c.deck(deck_id)).await?;
    let suggested = match format {
        ExportFormat::Apkg => format!("{}.apkg", safe_file_stem(&deck.name)),
        ExportFormat::Csv => safe_file_stem(&deck.name),
    };
    let app2 = app.clone();
    let chosen = Box::new(move |path: Option<PathBuf>| {
        if let Some(path) = path {
            // The dialog (or its stand-in) asked before replacing anything.
            spawn_export(app2, deck_id, deck.name, format, path, true);
        }
    });
    let apkg = format == ExportFormat::Apkg;
    match app.try_state::<SavePickerState>() {
        Some(picker) => picker.0.pick(&suggested, apkg, chosen),
        None => native_save_dialog(&app, &suggested, apkg, chosen),
    }
    Ok(())
}

fn native_save_dialog<R: Runtime>(app: &AppHandle<R>, suggested: &str, apkg: bool, chosen: Box<dyn FnOnce(Option<PathBuf>) + Send>) {
    use tauri_plugin_dialog::DialogExt;
    let mut dialog = app.dialog().file().set_title("Export deck").set_file_name(suggested);
    if apkg {
        dialog = dialog.add_filter("Anki package", &["apkg"]);
    }
    dialog.save_file(move |path| chosen(path.and_then(|p| p.into_path().ok())));
}

/// A file name offered in the save dialog: the deck's name with path separators and control
/// characters replaced (only a suggestion; the user picks the real path).
fn safe_file_stem(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_control() || "/\\:*?\"<>|".contains(c) { '_' } else { c }).collect();
    let s = s.trim().trim_matches('.').to_string();
    if s.is_empty() {
        "deck".into()
    } else {
        s
    }
}

fn spawn_export<R: Runtime>(app: AppHandle<R>, deck_id: DeckId, deck: String, format: ExportFormat, out: PathBuf, overwrite: bool) {
    let label = format!("Export {deck}");
    run_task(app, label, move |core, progress| {
        let r = core.export_with_progress(deck_id, format, &out, overwrite, progress)?;
        Ok(format!("Exported {} words ({} pictures, {} recordings) to {}", r.words, r.pictures, r.audio, out.display()))
    });
}

/// Pushes a deck's media into the Anki deck of the same name through AnkiConnect, in the
/// background; the result (per-word counts) arrives as a `TaskFinished` event.
#[tauri::command]
pub async fn anki_push<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, deck_id: DeckId) -> CmdResult<()> {
    let deck = call(&state, move |c| c.deck(deck_id)).await?;
    run_task(app, format!("Send {} to Anki", deck.name), move |core, progress| {
        let report = core.anki_push(deck_id, None, None, progress)?;
        Ok(deckmedia_core::wording::push_summary(&report))
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggested_file_names_are_never_paths() {
        assert_eq!(safe_file_stem("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_file_stem("Spanish A1"), "Spanish A1");
        assert_eq!(safe_file_stem("..."), "deck");
        assert_eq!(safe_file_stem("a\nb"), "a_b");
    }
}
