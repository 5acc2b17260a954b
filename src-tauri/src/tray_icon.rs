//! The tray icon on the desktop: its handles and refreshing it (menu line, pause label, icon,
//! the window's taskbar progress) from the tray model ([`crate::tray`]).

use tauri::image::Image;
use tauri::menu::MenuItem;
use tauri::tray::TrayIcon;
use tauri::window::{ProgressBarState, ProgressBarStatus};
use tauri::{AppHandle, Manager, Runtime};

use crate::state::AppState;
use crate::tray::TrayState;

/// The tray's handles, managed as state once the tray exists (not in headless tests).
pub struct TrayUi<R: Runtime> {
    pub(crate) tray: TrayIcon<R>,
    pub(crate) status: MenuItem<R>,
    pub(crate) pause: MenuItem<R>,
}

pub(crate) fn tray_image(state: TrayState) -> tauri::Result<Image<'static>> {
    let bytes: &'static [u8] = match state {
        TrayState::Idle => include_bytes!("../../icons/tray-idle.png"),
        TrayState::Working => include_bytes!("../../icons/tray-working.png"),
        TrayState::Paused => include_bytes!("../../icons/tray-paused.png"),
        TrayState::Attention => include_bytes!("../../icons/tray-attention.png"),
    };
    Image::from_bytes(bytes)
}

/// Copies the tray model onto the tray (menu line, pause label, icon) and the window's
/// taskbar progress. Cheap; called after every visible change.
pub fn refresh_tray<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else { return };
    let (line, label, look, progress) = state.with_tray(|t| (t.status_line(), t.pause_label(), t.state(), t.progress()));
    if let Some(ui) = app.try_state::<TrayUi<R>>() {
        let _ = ui.status.set_text(&line);
        let _ = ui.pause.set_text(label);
        match tray_image(look) {
            Ok(img) => {
                let _ = ui.tray.set_icon(Some(img));
            }
            Err(e) => tracing::warn!("tray icon: {e}"),
        }
        let _ = ui.tray.set_tooltip(Some(&line));
    }
    if let Some(w) = app.get_webview_window("main") {
        let bar = match (progress, look) {
            (Some((done, total)), _) if total > 0 => ProgressBarState {
                status: Some(if look == TrayState::Paused { ProgressBarStatus::Paused } else { ProgressBarStatus::Normal }),
                progress: Some((done * 100 / total).clamp(0, 100) as u64),
            },
            _ => ProgressBarState { status: Some(ProgressBarStatus::None), progress: None },
        };
        let _ = w.set_progress_bar(bar);
    }
}
