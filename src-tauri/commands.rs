//! The IPC commands (see docs/ipc.md). Each is one core call run on a blocking thread, so no
//! command ever blocks the main thread or the webview; each returns `{ code, message }` on error.

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

type CmdResult<T> = Result<T, ErrorDto>;

/// Runs `f` with the current core on a blocking thread.
async fn call<T, F>(state: &AppState, f: F) -> CmdResult<T>
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

/// Name, version and folders of this Deck Media, and how many batches resumed at start.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub data_dir: String,
    pub log_dir: String,
    pub resumed_batches: usize,
}

#[tauri::command]
pub fn app_info<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> CmdResult<AppInfo> {
    let info = app.package_info();
    Ok(AppInfo {
        name: info.name.clone(),
        version: info.version.to_string(),
        data_dir: state.data_dir().display().to_string(),
        log_dir: state.log_dir().display().to_string(),
        resumed_batches: state.resumed_batches,
    })
}

// ---- decks and words ----------------------------------------------------------------------------

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

// ---- the queue ----------------------------------------------------------------------------------

#[tauri::command]
pub async fn generate(state: State<'_, AppState>, deck_id: DeckId, kinds: Vec<MediaKind>, force: bool) -> CmdResult<BatchInfo> {
    call(&state, move |c| c.generate(deck_id, &kinds, force)).await
}

#[tauri::command]
pub async fn generate_word(state: State<'_, AppState>, word_id: WordId, kinds: Vec<MediaKind>) -> CmdResult<BatchInfo> {
    call(&state, move |c| c.generate_word_now(word_id, &kinds)).await
}

/// The queue as the database has it, plus whether the worker is waiting for the network
/// (known from its last `QueueState`), for a UI that missed events.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SnapshotDto {
    #[serde(flatten)]
    pub snapshot: Snapshot,
    pub waiting_for_network: bool,
}

#[tauri::command]
pub async fn snapshot(state: State<'_, AppState>) -> CmdResult<SnapshotDto> {
    let snapshot = call(&state, |c| c.snapshot()).await?;
    let waiting_for_network = state.tray.lock().map(|t| t.waiting_for_network()).unwrap_or(false);
    Ok(SnapshotDto { snapshot, waiting_for_network })
}

#[tauri::command]
pub async fn batch_errors(state: State<'_, AppState>, batch_id: BatchId) -> CmdResult<Vec<WordError>> {
    call(&state, move |c| c.batch_errors(batch_id)).await
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

// ---- settings and keys --------------------------------------------------------------------------

/// One media kind's provider settings as the settings page shows them. The key is never sent:
/// only a hint that one is stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct ProviderSettings {
    pub provider: ProviderKind,
    pub base_url: String,
    pub model: String,
    pub voice: String,
    pub size: String,
    pub format: String,
    pub max_concurrency: u32,
    pub requests_per_minute: u32,
    pub timeout_secs: u64,
    /// Seconds to wait for a connection (absent: the configured value, else 10).
    #[serde(default)]
    pub connect_timeout_secs: Option<u64>,
    /// "…abcd" when a key is stored; ignored by `save_settings`.
    #[serde(default)]
    pub key_hint: Option<String>,
    /// The server (`host[:port]`) a stored key is sent to: a key saved for another server is
    /// not used (output only).
    #[serde(default)]
    pub key_host: Option<String>,
    /// A warning about the base URL, e.g. plain `http://` on the local network (output only).
    #[serde(default)]
    pub url_warning: Option<String>,
}

impl ProviderSettings {
    fn from_config(p: &ProviderConfig, key_hint: Option<String>, key_host: Option<String>) -> Self {
        ProviderSettings {
            provider: p.provider,
            base_url: p.base_url.clone(),
            model: p.model.clone(),
            voice: p.voice.clone(),
            size: p.size.clone(),
            format: p.format.clone(),
            max_concurrency: p.max_concurrency,
            requests_per_minute: p.requests_per_minute,
            timeout_secs: p.timeout_secs,
            connect_timeout_secs: Some(p.connect_timeout_secs),
            key_hint,
            key_host,
            url_warning: p.url_warning(),
        }
    }

    fn into_config(self, kind: MediaKind) -> ProviderConfig {
        let mut p = ProviderConfig {
            provider: self.provider,
            base_url: self.base_url.trim().to_string(),
            model: self.model.trim().to_string(),
            voice: self.voice.trim().to_string(),
            size: self.size.trim().to_string(),
            format: self.format.trim().to_string(),
            max_concurrency: self.max_concurrency,
            requests_per_minute: self.requests_per_minute,
            timeout_secs: self.timeout_secs,
            connect_timeout_secs: self.connect_timeout_secs.unwrap_or(ProviderConfig::default().connect_timeout_secs),
            api_key: None,
        };
        p.fill_defaults(kind);
        p
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Settings {
    pub image: ProviderSettings,
    pub audio: ProviderSettings,
    pub data_dir: String,
    pub log_dir: String,
    pub key_store: String,
    pub key_store_warning: Option<String>,
}

fn read_settings(c: &Core, log_dir: String) -> deckmedia_core::Result<Settings> {
    let settings = |p: &ProviderConfig| -> deckmedia_core::Result<ProviderSettings> {
        if p.provider.needs_key() {
            Ok(ProviderSettings::from_config(p, c.api_key_hint(p.provider.as_str())?, c.api_key_host(p.provider.as_str()).ok()))
        } else {
            Ok(ProviderSettings::from_config(p, None, None))
        }
    };
    let cfg = c.config();
    let (key_store, key_store_warning) = c.key_store_info();
    Ok(Settings {
        image: settings(&cfg.image)?,
        audio: settings(&cfg.audio)?,
        data_dir: c.data_dir().display().to_string(),
        log_dir,
        key_store,
        key_store_warning,
    })
}

#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> CmdResult<Settings> {
    let log_dir = state.log_dir().display().to_string();
    call(&state, move |c| read_settings(c, log_dir)).await
}

/// Saves the providers' settings to `config.toml` and restarts the worker with them.
#[tauri::command]
pub async fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    image: ProviderSettings,
    audio: ProviderSettings,
) -> CmdResult<Settings> {
    call(&state, move |c| {
        let config = Config {
            image: image.into_config(MediaKind::Image),
            audio: audio.into_config(MediaKind::Audio),
            queue: c.config().queue.clone(),
        };
        c.save_config(&config)
    })
    .await?;
    crate::desktop::reopen_core(&app).await?;
    get_settings(state).await
}

/// Stores a provider's key (OS keychain, or a private file) and reopens the core to use it.
/// Returns the masked hint, never the key.
#[tauri::command]
pub async fn set_api_key<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    provider: ProviderKind,
    key: String,
) -> CmdResult<String> {
    let hint = call(&state, move |c| {
        c.set_api_key(provider.as_str(), &key)?;
        Ok(c.api_key_hint(provider.as_str())?.unwrap_or_default())
    })
    .await?;
    crate::desktop::reopen_core(&app).await?;
    Ok(hint)
}

#[tauri::command]
pub async fn delete_api_key<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, provider: ProviderKind) -> CmdResult<bool> {
    let deleted = call(&state, move |c| c.delete_api_key(provider.as_str())).await?;
    crate::desktop::reopen_core(&app).await?;
    Ok(deleted)
}

/// A folder `open_folder` can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Folder {
    /// The data dir (database, media, `config.toml`).
    Data,
    Logs,
}

/// Opens the data or the log folder in the file manager.
#[tauri::command]
pub async fn open_folder(state: State<'_, AppState>, which: Folder) -> CmdResult<()> {
    let dir: PathBuf = match which {
        Folder::Data => state.data_dir().to_path_buf(),
        Folder::Logs => state.log_dir().to_path_buf(),
    };
    std::fs::create_dir_all(&dir).map_err(|e| ErrorDto::new(ErrorCode::Io, format!("cannot create {}: {e}", dir.display())))?;
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    // No key in the file manager's environment.
    let mut child = deckmedia_core::child::std_command(opener)
        .arg(&dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| ErrorDto::new(ErrorCode::Io, format!("cannot open {} ({opener}: {e})", dir.display())))?;
    // Reap it in the background; the file manager outlives us anyway.
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// Largest media file `read_media` hands to the page.
const MAX_MEDIA_BYTES: u64 = 64 * 1024 * 1024;

/// The bytes of a media file inside the data dir's `media/` folder, for the audio player.
/// (WebKitGTK's media player does not load `asset:` URLs — tauri-apps/tauri#3725 — so the page
/// plays a `blob:` URL of these bytes instead.) Any path outside that folder is refused.
#[tauri::command]
pub async fn read_media(state: State<'_, AppState>, path: String) -> CmdResult<tauri::ipc::Response> {
    let media_dir = state.data_dir().join("media");
    let bytes = tauri::async_runtime::spawn_blocking(move || read_media_file(&media_dir, std::path::Path::new(&path)))
        .await
        .map_err(|e| ErrorDto::new(ErrorCode::App, format!("the task failed: {e}")))??;
    Ok(tauri::ipc::Response::new(bytes))
}

fn read_media_file(media_dir: &std::path::Path, path: &std::path::Path) -> CmdResult<Vec<u8>> {
    let refuse = || ErrorDto::new(ErrorCode::InvalidInput, "only files of the media folder can be played");
    let root = std::fs::canonicalize(media_dir).map_err(|_| refuse())?;
    let file = std::fs::canonicalize(path).map_err(|_| ErrorDto::new(ErrorCode::NotFound, "the recording is missing"))?;
    if !file.starts_with(&root) || !file.is_file() {
        return Err(refuse());
    }
    let len = std::fs::metadata(&file).map_err(|e| ErrorDto::new(ErrorCode::Io, format!("cannot read the recording: {e}")))?.len();
    if len > MAX_MEDIA_BYTES {
        return Err(ErrorDto::new(ErrorCode::InvalidInput, "the file is too large to play"));
    }
    std::fs::read(&file).map_err(|e| ErrorDto::new(ErrorCode::Io, format!("cannot read the recording: {e}")))
}

// ---- export -------------------------------------------------------------------------------------

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

/// Runs a long core call (export, Anki push) on a blocking thread as a background task: its
/// progress and result go out as `TaskProgress` / `TaskFinished` (progress at most ~10 a second).
fn run_task<R, F>(app: AppHandle<R>, label: String, work: F)
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

/// Pushes a deck's media into the Anki deck of the same name through AnkiConnect, in the
/// background; the result (per-word counts) arrives as a `TaskFinished` event.
#[tauri::command]
pub async fn anki_push<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, deck_id: DeckId) -> CmdResult<()> {
    let deck = call(&state, move |c| c.deck(deck_id)).await?;
    run_task(app, format!("Send {} to Anki", deck.name), move |core, progress| {
        let r = core.anki_push(deck_id, None, None, progress)?;
        let mut msg = format!("Anki deck \"{}\": {} notes updated, {} unchanged", r.anki_deck, r.updated, r.unchanged);
        if r.not_in_anki > 0 {
            msg.push_str(&format!(", {} words not in Anki", r.not_in_anki));
        }
        if r.no_media > 0 {
            msg.push_str(&format!(", {} without media yet", r.no_media));
        }
        if r.no_field > 0 {
            msg.push_str(&format!(", {} notes lack a picture/audio field", r.no_field));
        }
        Ok(msg)
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_media_serves_the_media_folder_only() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let media = dir.path().join("media");
        std::fs::create_dir_all(media.join("ab")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(media.join("ab/x.ogg"), b"OggS").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("secret.txt"), b"no").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read_media_file(&media, &media.join("ab/x.ogg")).ok(), Some(b"OggS".to_vec()));
        let e = read_media_file(&media, &media.join("../secret.txt")).err().map(|e| e.code);
        assert_eq!(e, Some(ErrorCode::InvalidInput));
        assert_eq!(read_media_file(&media, &dir.path().join("secret.txt")).err().map(|e| e.code), Some(ErrorCode::InvalidInput));
        assert_eq!(read_media_file(&media, &media.join("ab")).err().map(|e| e.code), Some(ErrorCode::InvalidInput));
        assert_eq!(read_media_file(&media, &media.join("nope.ogg")).err().map(|e| e.code), Some(ErrorCode::NotFound));
    }

    #[test]
    fn suggested_file_names_are_never_paths() {
        assert_eq!(safe_file_stem("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_file_stem("Spanish A1"), "Spanish A1");
        assert_eq!(safe_file_stem("..."), "deck");
        assert_eq!(safe_file_stem("a\nb"), "a_b");
    }
}
