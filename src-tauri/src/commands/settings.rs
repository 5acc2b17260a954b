//! The app's info, the providers' settings, API keys and the app's folders.

use std::path::PathBuf;

use deckmedia_core::config::ProviderConfig;
use deckmedia_core::error::ErrorCode;
use deckmedia_core::{Core, MediaKind, ProviderKind};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, State};
use ts_rs::TS;

use crate::state::AppState;
use crate::ErrorDto;

use super::{call, CmdResult};

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
    #[ts(optional = nullable)]
    pub connect_timeout_secs: Option<u64>,
    /// "…abcd" when a key is stored; ignored by `save_settings`.
    #[serde(default)]
    pub key_hint: Option<String>,
    /// The server (`host[:port]`) a stored key is sent to: a key saved for another server is
    /// not used (output only).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub key_host: Option<String>,
    /// A warning about the base URL, e.g. plain `http://` on the local network (output only).
    #[serde(default)]
    #[ts(optional = nullable)]
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
            chain: Vec::new(),
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
        if p.provider.takes_key() {
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
        let config = c.config().with_page_providers(image.into_config(MediaKind::Image), audio.into_config(MediaKind::Audio));
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
