//! The desktop around the window: tray icon and menu, the app menu (Quit with Ctrl+Q), closing
//! that hides, quitting that returns in-flight jobs to the queue, and starting the background
//! work (event bridge + worker).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use deckmedia_core::Core;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime, Window, WindowEvent};

use crate::bridge::{self, AppEvent, ShellEvent};
use crate::notify;
use crate::state::AppState;
use crate::tray::TrayState;
use crate::tray_icon::{refresh_tray, tray_image, TrayUi};

/// How long Quit waits for in-flight jobs to be put back before exiting anyway.
pub const QUIT_GRACE: Duration = Duration::from_secs(10);

pub fn build_tray<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let status = MenuItem::with_id(app, "status", "Deck Media — nothing to generate", false, None::<&str>)?;
    let pause = MenuItem::with_id(app, "pause", "Pause all", true, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", "Open Deck Media", true, None::<&str>)?;
    let quit_item = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[&status, &PredefinedMenuItem::separator(app)?, &pause, &open, &PredefinedMenuItem::separator(app)?, &quit_item],
    )?;
    let tray = TrayIconBuilder::with_id("main")
        .icon(tray_image(TrayState::Idle)?)
        .tooltip("Deck Media")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click { button: MouseButton::Left, button_state: MouseButtonState::Up, .. } = event {
                show_window(tray.app_handle());
            }
        })
        .build(app)?;
    app.manage(TrayUi { tray, status, pause });
    refresh_tray(app);
    Ok(())
}

/// The app menu: File → Close Window (Ctrl+W), Quit (Ctrl+Q).
pub fn app_menu<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Menu<R>> {
    let close = MenuItem::with_id(app, "close", "Close Window", true, Some("CmdOrCtrl+W"))?;
    let quit_item = MenuItem::with_id(app, "quit", "Quit", true, Some("CmdOrCtrl+Q"))?;
    let file = Submenu::with_items(app, "File", true, &[&close, &PredefinedMenuItem::separator(app)?, &quit_item])?;
    Menu::with_items(app, &[&file])
}

/// Menu clicks from the tray and the app menu.
pub fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        "pause" => toggle_pause(app),
        "open" => show_window(app),
        "close" => hide_window(app),
        "quit" => quit(app),
        _ => {}
    }
}

fn toggle_pause<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else { return };
    let core = state.core();
    tauri::async_runtime::spawn(async move {
        // The queue's state comes from the core, never from what the tray shows.
        match tauri::async_runtime::spawn_blocking(move || core.is_paused().and_then(|paused| core.pause_all(!paused))).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!("cannot pause/resume: {e}"),
            Err(e) => tracing::warn!("cannot pause/resume: {e}"),
        }
    });
}

/// Shows, unminimises and focuses the main window.
pub fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

fn hide_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.hide();
        first_close_notice(app);
    }
}

/// The first time the window goes away while the app stays, say so.
fn first_close_notice<R: Runtime>(app: &AppHandle<R>) {
    if let Some(state) = app.try_state::<AppState>() {
        if !state.close_notice_shown.swap(true, Ordering::SeqCst) {
            let (title, body) = notify::still_running();
            state.notifier.notify(&title, &body);
        }
    }
}

/// Window events: closing hides (the worker and tray go on) unless the app is quitting;
/// focusing clears the tray's attention state.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    let app = window.app_handle();
    match event {
        WindowEvent::CloseRequested { api, .. } => {
            let quitting = app.try_state::<AppState>().is_some_and(|s| s.quitting.load(Ordering::SeqCst));
            if !quitting {
                api.prevent_close();
                let _ = window.hide();
                first_close_notice(app);
            }
        }
        WindowEvent::Focused(true) => {
            if let Some(state) = app.try_state::<AppState>() {
                let was = state.with_tray(|t| {
                    let was = t.attention();
                    t.set_attention(false);
                    was
                });
                if was {
                    refresh_tray(app);
                }
            }
        }
        _ => {}
    }
}

/// Quit: stop claiming, put in-flight jobs back in the queue, then exit. Runs once.
pub fn quit<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        app.exit(0);
        return;
    };
    if state.quitting.swap(true, Ordering::SeqCst) {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Some(state) = app.try_state::<AppState>() {
            state.stop_worker(QUIT_GRACE).await;
        }
        tracing::info!("quitting");
        app.exit(0);
    });
}

/// Starts the background work for the current core: the event bridge (first, so nothing is
/// missed) and the worker.
pub async fn start_background<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else { return };
    let core = state.core();
    bridge::spawn(app.clone(), &core);
    if let Err(e) = state.start_worker().await {
        // Another process (e.g. `deckmedia worker`) works this data dir: it does the work, and
        // this app takes over when it ends.
        tracing::warn!("the worker did not start: {}", e.message);
        if e.code == deckmedia_core::error::ErrorCode::WorkerLocked {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    let Some(state) = app.try_state::<AppState>() else { return };
                    if state.quitting.load(Ordering::SeqCst) || state.worker_running().await {
                        return;
                    }
                    if state.start_worker().await.is_ok() {
                        tracing::info!("the other worker ended; this app runs the queue now");
                        return;
                    }
                }
            });
        }
    }
    bridge::resync_tray(app).await;
}

/// Replaces the core with a freshly opened one (after the settings or a key changed): the
/// worker stops (in-flight jobs go back to the queue) and starts again with the new providers.
pub async fn reopen_core<R: Runtime>(app: &AppHandle<R>) -> Result<(), crate::ErrorDto> {
    let Some(state) = app.try_state::<AppState>() else { return Err(crate::ErrorDto::new(deckmedia_core::error::ErrorCode::App, "the app is not ready")) };
    let dir = state.data_dir().to_path_buf();
    let core = tauri::async_runtime::spawn_blocking(move || Core::open(dir))
        .await
        .map_err(|e| crate::ErrorDto::new(deckmedia_core::error::ErrorCode::App, format!("reopening failed: {e}")))??;
    state.stop_worker(QUIT_GRACE).await;
    state.set_core(Arc::new(core));
    start_background(app).await;
    Ok(())
}

/// At start: tell the UI (and the log) about resumed batches.
pub fn announce_resumed<R: Runtime>(app: &AppHandle<R>) {
    if let Some(state) = app.try_state::<AppState>() {
        if state.resumed_batches > 0 {
            tracing::info!("resumed {} unfinished batches", state.resumed_batches);
            bridge::emit(app, AppEvent::Shell(ShellEvent::Resumed { batches: state.resumed_batches }));
        }
    }
}
