//! Core events → the one Tauri event (`deckmedia:event`), the tray and notifications.
//!
//! One task per open core reads its broadcast channel. When it falls behind (`Lagged`) it tells
//! the UI to resync and rebuilds the tray from a snapshot: the database, not the event stream,
//! is the truth.

use deckmedia_core::events::Event;
use deckmedia_core::JobOutcome;
use deckmedia_core::{BatchId, BatchStatus, Core};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::broadcast::error::RecvError;

use crate::notify;
use crate::state::{AppState, FAILING_STREAK};
use crate::tray_icon::refresh_tray;

/// The name of the one event the UI listens to.
pub const EVENT: &str = "deckmedia:event";

/// Events of the shell itself (see docs/ipc.md).
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[serde(tag = "type")]
pub enum ShellEvent {
    /// Events were missed: re-read the snapshot.
    Resync,
    /// Unfinished batches picked up at start.
    Resumed { batches: usize },
    /// A background task (export, Anki push) moved.
    TaskProgress { task_id: u64, label: String, done: usize, total: usize },
    TaskFinished { task_id: u64, label: String, ok: bool, message: String },
}

/// What goes out on [`EVENT`]: a core event or a shell event, both tagged by `type`.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[serde(untagged)]
pub enum AppEvent {
    Core(Event),
    Shell(ShellEvent),
}

pub fn emit<R: Runtime>(app: &AppHandle<R>, event: AppEvent) {
    if let Err(e) = app.emit(EVENT, &event) {
        tracing::warn!("cannot send an event to the window: {e}");
    }
}

/// Starts forwarding the events of `core` (subscribed now, before any worker of it starts).
pub fn spawn<R: Runtime>(app: AppHandle<R>, core: &Core) {
    let mut rx = core.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(event) => on_event(&app, event).await,
                Err(RecvError::Lagged(n)) => {
                    tracing::debug!("event bridge lagged by {n}; resyncing");
                    emit(&app, AppEvent::Shell(ShellEvent::Resync));
                    resync_tray(&app).await;
                }
                // The core was replaced (settings changed) or the app is ending.
                Err(RecvError::Closed) => break,
            }
        }
    });
}

async fn on_event<R: Runtime>(app: &AppHandle<R>, event: Event) {
    let Some(state) = app.try_state::<AppState>() else { return };
    let (changed, newly_needs) = state.with_tray(|t| {
        let before = t.needs_attention().is_some();
        let changed = t.apply(&event);
        (changed, !before && t.needs_attention().is_some())
    });
    match &event {
        Event::QueueAttention { attention: Some(a) } if newly_needs => {
            let (title, body) = notify::needs_attention(&a.reason);
            state.notifier.notify(&title, &body);
        }
        Event::BatchFinished { batch_id, status, .. } => {
            state.forget_streak(*batch_id);
            notify_finished(app, *batch_id, *status).await;
        }
        Event::JobFinished { batch_id, outcome, error, .. } => track_streak(app, *batch_id, *outcome, error.as_deref()).await,
        // Once per pause: `changed` is false when the tray already showed this state.
        Event::ProviderAccount { provider, state: Some(account), message } if changed => {
            let (title, body) = notify::provider_account(provider, *account, message.as_deref().unwrap_or(""));
            state.notifier.notify(&title, &body);
        }
        _ => {}
    }
    emit(app, AppEvent::Core(event));
    if changed {
        refresh_tray(app);
    }
}

/// Sends the "batch finished" notification once per batch.
async fn notify_finished<R: Runtime>(app: &AppHandle<R>, batch_id: BatchId, status: BatchStatus) {
    let Some(state) = app.try_state::<AppState>() else { return };
    if status == BatchStatus::Cancelled {
        return;
    }
    if !state.first_finish_notice(batch_id) {
        return;
    }
    let core = state.core();
    let read = tauri::async_runtime::spawn_blocking(move || {
        let info = core.batch(batch_id)?;
        let failures = if info.failed_words > 0 { Some(core.batch_failures(batch_id)?) } else { None };
        Ok::<_, deckmedia_core::Error>((info, failures))
    })
    .await;
    match read {
        Ok(Ok((info, failures))) => {
            if let Some((title, body)) = notify::batch_finished(&info, failures.as_ref()) {
                state.notifier.notify(&title, &body);
            }
        }
        Ok(Err(e)) => tracing::warn!("cannot read batch {batch_id} for its notification: {e}"),
        Err(e) => tracing::warn!("cannot read batch {batch_id} for its notification: {e}"),
    }
}

/// Counts words failing in a row in a batch; at [`FAILING_STREAK`] the user is told once and
/// the tray asks for attention. A success resets the count.
async fn track_streak<R: Runtime>(app: &AppHandle<R>, batch_id: BatchId, outcome: JobOutcome, error: Option<&str>) {
    let Some(state) = app.try_state::<AppState>() else { return };
    let alert = state.count_streak(batch_id, outcome);
    if !alert {
        return;
    }
    state.with_tray(|t| t.set_attention(true));
    refresh_tray(app);
    let core = state.core();
    let deck = tauri::async_runtime::spawn_blocking(move || core.batch(batch_id).map(|b| b.deck))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_else(|| format!("batch {batch_id}"));
    let (title, body) = notify::failing_streak(&deck, FAILING_STREAK, error.unwrap_or("unknown error"));
    state.notifier.notify(&title, &body);
}

/// Rebuilds the tray model from the database.
pub async fn resync_tray<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else { return };
    let core = state.core();
    match tauri::async_runtime::spawn_blocking(move || core.snapshot()).await {
        Ok(Ok(snapshot)) => {
            state.with_tray(|t| t.resync(&snapshot));
            refresh_tray(app);
        }
        Ok(Err(e)) => tracing::warn!("cannot read the queue: {e}"),
        Err(e) => tracing::warn!("cannot read the queue: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_and_core_events_share_the_type_tag() {
        let v = serde_json::to_value(AppEvent::Shell(ShellEvent::Resumed { batches: 2 })).unwrap_or_default();
        assert_eq!(v, serde_json::json!({"type": "Resumed", "batches": 2}));
        let v = serde_json::to_value(AppEvent::Core(Event::QueueState { running: 1, paused: false, waiting_for_network: true }))
            .unwrap_or_default();
        assert_eq!(v, serde_json::json!({"type": "QueueState", "running": 1, "paused": false, "waiting_for_network": true}));
    }
}
