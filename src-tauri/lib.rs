//! Deck Media desktop shell (Tauri v2). Skeleton: one window, the notification plugin and the
//! `app_info` command. Everything real lives in `deckmedia_core`; this crate only adapts it.
//!
//! Commands and state are registered in [`configure`], generic over the runtime, so tests can
//! build the same app on `tauri::test::MockRuntime` without a display.

use serde::Serialize;
use tauri::{Builder, Runtime};

/// What the UI shows about the app itself.
#[derive(Debug, Clone, Serialize)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    /// Where the database and media live, as a display string.
    pub data_dir: String,
}

/// The error every command returns: a stable `code` for the UI and a message fit to show.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorDto {
    pub code: String,
    pub message: String,
}

impl ErrorDto {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl From<deckmedia_core::Error> for ErrorDto {
    fn from(e: deckmedia_core::Error) -> Self {
        Self::new(e.code(), e.to_string())
    }
}

impl From<tauri::Error> for ErrorDto {
    fn from(e: tauri::Error) -> Self {
        Self::new("app", e.to_string())
    }
}

/// The IPC commands. (A `pub` `#[tauri::command]` cannot live at the crate root: its helper
/// macros clash there, so commands go in this module.)
pub mod commands {
    use super::{AppInfo, ErrorDto};
    use tauri::{AppHandle, Runtime};

    /// Name, version and data folder of this Deck Media.
    #[tauri::command]
    pub fn app_info<R: Runtime>(app: AppHandle<R>) -> Result<AppInfo, ErrorDto> {
        let info = app.package_info();
        // The same folder the CLI uses (`DECKMEDIA_DATA_DIR` or the platform default).
        let data_dir = deckmedia_core::paths::default_data_dir()?;
        Ok(AppInfo {
            name: info.name.clone(),
            version: info.version.to_string(),
            data_dir: data_dir.display().to_string(),
        })
    }
}

/// Registers the shell's commands (and, later, its state) on a builder of any runtime.
pub fn configure<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.invoke_handler(tauri::generate_handler![commands::app_info])
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
    let builder = configure(tauri::Builder::default().plugin(tauri_plugin_notification::init()));
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
    built.run(|_app, _event| {});
    Ok(())
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
        assert_eq!(dto, ErrorDto::new("invalid_input", "empty word"));
    }
}
