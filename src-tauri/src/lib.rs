//! Deck Media desktop shell (Tauri v2). Thin: everything real lives in `deckmedia_core`; this
//! crate opens the core at the app's data dir, runs its worker on Tauri's async runtime, and
//! adapts it to the window (commands, one event), the tray and native notifications.
//!
//! * [`commands`]: the IPC commands, one core call each (docs/ipc.md).
//! * [`ipc_types`]: the command table and the TypeScript generated from the Rust types.
//! * [`bridge`]: core events → `deckmedia:event`, the tray model, notifications.
//! * [`desktop`]: tray, app menu, close-hides, quit-requeues, background start.
//! * [`tray`], [`notify`]: the pure parts (menu text, icon state, notification wording).
//!
//! Commands and state are registered in [`configure`], generic over the runtime, so tests can
//! build the same app on `tauri::test::MockRuntime` without a display.

use std::sync::Arc;

use deckmedia_core::error::ErrorCode;
use serde::Serialize;
use tauri::{Builder, Manager, Runtime};

pub mod bridge;
pub mod commands;
pub mod desktop;
pub mod ipc_types;
pub mod logging;
pub mod notify;
pub mod state;
pub mod tray;
pub mod tray_icon;

pub use state::AppState;

/// The error every command rejects with: a stable `code` for the UI and a message fit to show.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
#[ts(rename = "IpcError")]
pub struct ErrorDto {
    pub code: ErrorCode,
    pub message: String,
}

impl ErrorDto {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl From<deckmedia_core::Error> for ErrorDto {
    fn from(e: deckmedia_core::Error) -> Self {
        Self::new(e.code(), e.to_string())
    }
}

impl From<tauri::Error> for ErrorDto {
    fn from(e: tauri::Error) -> Self {
        Self::new(ErrorCode::App, e.to_string())
    }
}

/// Registers the shell's commands and window behaviour on a builder of any runtime. The
/// [`AppState`] is managed by the caller (the real app in `setup`, tests directly).
pub fn configure<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder
        .invoke_handler(ipc_types::handler())
        .on_window_event(desktop::on_window_event)
}

/// Starts the desktop app. Never panics on purpose: a failure is printed and the process exits
/// with status 1.
pub fn run() {
    if let Err(message) = try_run() {
        tracing::error!("{message}");
        eprintln!("Deck Media could not start: {message}");
        std::process::exit(1);
    }
}

fn try_run() -> Result<(), String> {
    check_display()?;
    let data_dir = deckmedia_core::paths::default_data_dir().map_err(|e| e.to_string())?;
    let log_dir = deckmedia_core::paths::log_dir(&data_dir);
    logging::init(&log_dir);
    tracing::info!(data_dir = %data_dir.display(), "Deck Media starting");

    let mut builder = tauri::Builder::default();
    if single_instance_possible() {
        // Must be the first plugin: a second launch focuses this window and exits.
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| desktop::show_window(app)));
    }
    let builder = builder
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(
            // Size, position and maximised state; not visibility (a window closed to the tray
            // must come back visible).
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(
                    tauri_plugin_window_state::StateFlags::SIZE
                        | tauri_plugin_window_state::StateFlags::POSITION
                        | tauri_plugin_window_state::StateFlags::MAXIMIZED,
                )
                .build(),
        )
        .menu(desktop::app_menu)
        .on_menu_event(|app, event| desktop::on_menu(app, event.id().as_ref()))
        .setup(move |app| {
            setup(app.handle(), &data_dir, &log_dir);
            Ok(())
        });
    let builder = configure(builder);
    // GTK/tao initialisation panics rather than returning an error when it cannot start; turn
    // that into an ordinary error too (with the panic hook muted, so no backtrace is printed).
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        builder.build(tauri::generate_context!())
    }));
    std::panic::set_hook(hook);
    let built = built
        .map_err(|panic| format!("the window system failed to start: {}", panic_text(&panic)))?
        .map_err(|e| format!("failed to build the app: {e}"))?;
    built.run(|app, event| {
        if let tauri::RunEvent::ExitRequested { code: None, api, .. } = event {
            // Not our own exit (e.g. the session ends): requeue in-flight jobs first.
            api.prevent_exit();
            desktop::quit(app);
        }
    });
    Ok(())
}

/// Opens the core, starts the background work and the tray. A core that cannot be opened
/// gets an error dialog, then the app exits.
fn setup<R: Runtime>(app: &tauri::AppHandle<R>, data_dir: &std::path::Path, log_dir: &std::path::Path) {
    let notifier = Arc::new(notify::PluginNotifier(app.clone()));
    let state = match AppState::open(data_dir, log_dir, notifier) {
        Ok(s) => s,
        Err(e) => {
            use tauri_plugin_dialog::{DialogExt, MessageDialogKind};
            tracing::error!("cannot open the data folder: {}", e.message);
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.hide();
            }
            let handle = app.clone();
            app.dialog()
                .message(format!("Deck Media cannot open its data folder {}:\n\n{}", data_dir.display(), e.message))
                .title("Deck Media")
                .kind(MessageDialogKind::Error)
                .show(move |_| handle.exit(1));
            return;
        }
    };
    // Media reach the webview through the asset protocol, for this folder only.
    let media_dir = state.data_dir().join("media");
    if let Err(e) = std::fs::create_dir_all(&media_dir) {
        tracing::warn!("cannot create {}: {e}", media_dir.display());
    }
    if let Err(e) = app.asset_protocol_scope().allow_directory(&media_dir, true) {
        tracing::warn!("media folder not shared with the window: {e}");
    }
    app.manage(state);
    if let Err(e) = desktop::build_tray(app) {
        // The app still works without a tray: launching it again shows the hidden window.
        tracing::warn!("no tray icon: {e}");
    }
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        desktop::start_background(&handle).await;
        desktop::announce_resumed(&handle);
    });
}

/// tauri-plugin-single-instance talks D-Bus on Linux; without a session bus it is skipped
/// (the worker's file lock still keeps two apps from working the same data dir).
fn single_instance_possible() -> bool {
    #[cfg(target_os = "linux")]
    {
        let addr = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
        if addr.starts_with("unix:") {
            return true;
        }
        if addr.is_empty() {
            if let Some(run) = std::env::var_os("XDG_RUNTIME_DIR") {
                return std::path::Path::new(&run).join("bus").exists();
            }
        }
        false
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

/// On Linux, without a display GTK cannot start; say so plainly instead of panicking.
fn check_display() -> Result<(), String> {
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        if !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
            return Err(
                "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set); \
                        start Deck Media from a desktop session, or use the deckmedia CLI"
                    .into(),
            );
        }
    }
    Ok(())
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_dto_keeps_core_code() {
        let dto = ErrorDto::from(deckmedia_core::Error::invalid("empty word"));
        assert_eq!(dto, ErrorDto::new(ErrorCode::InvalidInput, "empty word"));
        let wire = serde_json::to_value(&dto).unwrap_or_default();
        assert_eq!(wire, serde_json::json!({"code": "invalid_input", "message": "empty word"}));
    }
}
