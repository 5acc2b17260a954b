//! Native notifications behind a small trait, so tests record them instead of showing them, and
//! the pure functions that word them.

use std::sync::Mutex;

use deckmedia_core::views::BatchFailures;
use deckmedia_core::{AccountState, BatchInfo, BatchStatus, MediaKind};

/// Shows a desktop notification. Must not block: implementations hand the work off.
pub trait Notifier: Send + Sync + 'static {
    fn notify(&self, title: &str, body: &str);
}

/// Keeps every notification, for tests.
#[derive(Debug, Default)]
pub struct Recorder {
    sent: Mutex<Vec<(String, String)>>,
}

impl Recorder {
    pub fn sent(&self) -> Vec<(String, String)> {
        self.sent.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Notifier for Recorder {
    fn notify(&self, title: &str, body: &str) {
        if let Ok(mut v) = self.sent.lock() {
            v.push((title.to_string(), body.to_string()));
        }
    }
}

/// The real one: tauri-plugin-notification (D-Bus on Linux; the plugin sends from a blocking
/// thread and cannot report delivery failures).
pub struct PluginNotifier<R: tauri::Runtime>(pub tauri::AppHandle<R>);

impl<R: tauri::Runtime> Notifier for PluginNotifier<R> {
    fn notify(&self, title: &str, body: &str) {
        use tauri_plugin_notification::NotificationExt;
        if let Err(e) = self.0.notification().builder().title(title).body(body).show() {
            tracing::warn!("notification not shown: {e}");
        }
    }
}

/// What the batch made, e.g. "images and audio", "images", "audio" (any recording: of the word,
/// its translation or its sentence).
fn kinds_text(kinds: &[MediaKind]) -> &'static str {
    match (kinds.contains(&MediaKind::Image), kinds.iter().any(|k| k.is_audio())) {
        (true, true) => "images and audio",
        (true, false) => "images",
        _ => "audio",
    }
}

/// The notification for a finished batch, or `None` when the user ended it (cancelled).
/// `failures` (read when some words failed) gives the summary line with the failure kinds
/// ("98 done, 2 failed: 1 rejected by the provider, 1 timed out") and, for a batch where
/// nothing worked, the first reason in the provider's words.
pub fn batch_finished(b: &BatchInfo, failures: Option<&BatchFailures>) -> Option<(String, String)> {
    let what = kinds_text(&b.kinds);
    match b.status {
        BatchStatus::Completed => {
            let body = match failures {
                Some(f) if b.failed_words > 0 => format!("{} ({what}): {}", b.deck, f.summary),
                _ => format!("{}: {} {what} done", b.deck, b.completed_words),
            };
            Some(("Deck Media: batch finished".into(), body))
        }
        BatchStatus::Failed => {
            let mut body = format!("{}: all {} words failed", b.deck, b.failed_words);
            if let Some(e) = failures.and_then(|f| f.errors.first()) {
                body.push_str(&format!(" — {}", short(&e.error)));
            }
            Some(("Deck Media: a batch needs attention".into(), body))
        }
        _ => None,
    }
}

/// While a batch runs: `streak` words in a row failed (e.g. the provider rejects the key).
pub fn failing_streak(deck: &str, streak: u32, error: &str) -> (String, String) {
    (
        "Deck Media: a batch needs attention".into(),
        format!("{deck}: the last {streak} words failed — {}", short(error)),
    )
}

/// The queue stopped on a fault of this machine (sent once per fault).
pub fn needs_attention(reason: &str) -> (String, String) {
    ("Deck Media needs attention".into(), format!("{} — generation resumes by itself when this is fixed.", short(reason)))
}

/// A provider's account stopped its jobs (sent once per pause): what happened, in the
/// provider's own words, and what to do.
pub fn provider_account(provider: &str, state: AccountState, message: &str) -> (String, String) {
    let todo = match state {
        AccountState::OutOfQuota => "top up, then press Resume",
        AccountState::KeyRejected => "save a new key in Settings",
    };
    (
        format!("Deck Media: {provider} — {}", state.label()),
        format!("{}. Its jobs wait: {todo}.", short(message.trim_end_matches('.'))),
    )
}

/// The first time the window is closed while the app keeps working.
pub fn still_running() -> (String, String) {
    (
        "Deck Media is still running".into(),
        "Generation goes on in the background. Open Deck Media or quit it from the tray icon.".into(),
    )
}

fn short(s: &str) -> String {
    const MAX: usize = 160;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deckmedia_core::views::WordError;
    use deckmedia_core::FailureKind;

    fn batch(status: BatchStatus, done: i64, failed: i64, kinds: Vec<MediaKind>) -> BatchInfo {
        BatchInfo {
            id: 1,
            deck_id: 1,
            deck: "Spanish A1".into(),
            kinds,
            status,
            progress: 100,
            total_words: done + failed,
            completed_words: done,
            failed_words: failed,
            cancelled_words: 0,
            reused_jobs: 0,
            total_jobs: 0,
            done_jobs: 0,
            failed_jobs: 0,
            cancelled_jobs: 0,
            paused: false,
            created_at: 0,
            updated_at: 0,
            finished_at: Some(1),
        }
    }

    #[test]
    fn finished_batches_read_like_the_issue_says() {
        let b = batch(BatchStatus::Completed, 98, 2, vec![MediaKind::Image, MediaKind::Audio]);
        let failures = BatchFailures { summary: "98 done, 2 failed: 1 rejected by the provider, 1 timed out".into(), errors: Vec::new() };
        assert_eq!(
            batch_finished(&b, Some(&failures)),
            Some(("Deck Media: batch finished".into(), "Spanish A1 (images and audio): 98 done, 2 failed: 1 rejected by the provider, 1 timed out".into()))
        );
        let b = batch(BatchStatus::Completed, 5, 0, vec![MediaKind::Audio]);
        assert_eq!(batch_finished(&b, None).map(|n| n.1), Some("Spanish A1: 5 audio done".into()));
    }

    #[test]
    fn a_failed_batch_asks_for_attention_and_cancelled_says_nothing() {
        let b = batch(BatchStatus::Failed, 0, 3, vec![MediaKind::Image]);
        let error = WordError { word_id: 1, text: "perro".into(), kind: MediaKind::Image, error: "HTTP 401: invalid API key".into(), failure: FailureKind::Rejected };
        let failures = BatchFailures { summary: String::new(), errors: vec![error] };
        let (title, body) = batch_finished(&b, Some(&failures)).unwrap_or_default();
        assert!(title.contains("attention"), "{title}");
        assert_eq!(body, "Spanish A1: all 3 words failed — HTTP 401: invalid API key");
        assert_eq!(batch_finished(&batch(BatchStatus::Cancelled, 1, 0, vec![MediaKind::Image]), None), None);
    }

    #[test]
    fn an_account_notification_quotes_the_provider_and_says_what_to_do() {
        let (title, body) = provider_account("openai", AccountState::OutOfQuota, "You exceeded your current quota.");
        assert_eq!(title, "Deck Media: openai — Out of quota");
        assert_eq!(body, "You exceeded your current quota. Its jobs wait: top up, then press Resume.");
        let (_, body) = provider_account("elevenlabs", AccountState::KeyRejected, "Invalid API key");
        assert_eq!(body, "Invalid API key. Its jobs wait: save a new key in Settings.");
    }

    #[test]
    fn long_errors_are_cut_and_the_recorder_keeps_order() {
        let (_, body) = failing_streak("D", 5, &"x".repeat(500));
        assert!(body.chars().count() < 200 && body.ends_with('…'), "{body}");
        let r = Recorder::default();
        r.notify("a", "1");
        r.notify("b", "2");
        assert_eq!(r.sent(), vec![("a".into(), "1".into()), ("b".into(), "2".into())]);
    }
}
