//! What the tray says: a model of the queue fed by core events, and pure functions from it to
//! the menu's first line ("Generating 45/100 · ~2 min left"), the icon state and the taskbar
//! progress. Linux trays show no tooltips, so the progress lives in the menu.
//!
//! [`TrayModel`] has no Tauri in it and is unit-tested; `TrayUi` (in the shell) only copies
//! its output onto the real tray.

use std::collections::BTreeMap;

use deckmedia_core::core::Snapshot;
use deckmedia_core::events::Event;
use deckmedia_core::{AccountState, BatchId, BatchStatus};

/// The tray icon's four looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayState {
    Idle,
    Working,
    Paused,
    /// A batch failed or keeps failing: the user should look.
    Attention,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Line {
    settled: i64,
    total: i64,
    eta: Option<u64>,
    paused: bool,
}

/// The unfinished batches and queue flags, as far as the tray cares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrayModel {
    batches: BTreeMap<BatchId, Line>,
    paused: bool,
    waiting_for_network: bool,
    attention: bool,
    /// The queue is stopped by a fault of this machine (full disk, locked database): why.
    needs: Option<String>,
    /// Providers paused for their account (quota used up, key rejected), by name.
    accounts: BTreeMap<String, AccountState>,
}

impl TrayModel {
    /// The model after missing events: from the database's truth.
    pub fn from_snapshot(s: &Snapshot) -> Self {
        let needs = s.attention.as_ref().map(|a| a.reason.clone());
        let mut m = TrayModel { paused: s.paused, needs, ..Default::default() };
        m.accounts = s.providers.iter().map(|p| (p.provider.clone(), p.state)).collect();
        for b in s.batches.iter().filter(|b| !b.status.is_finished()) {
            m.batches.insert(
                b.id,
                Line { settled: b.settled_words(), total: b.total_words, eta: None, paused: b.paused },
            );
        }
        m
    }

    /// Replaces everything but the attention flag with a fresh snapshot.
    pub fn resync(&mut self, s: &Snapshot) {
        let attention = self.attention;
        *self = Self::from_snapshot(s);
        self.attention = attention;
    }

    /// Applies one core event. Returns whether anything visible may have changed.
    pub fn apply(&mut self, event: &Event) -> bool {
        match event {
            Event::BatchProgress { batch_id, status, completed, failed, cancelled, total, eta_seconds, .. } => {
                if status.is_finished() {
                    return self.batches.remove(batch_id).is_some();
                }
                let line = Line {
                    settled: completed + failed + cancelled,
                    total: *total,
                    eta: *eta_seconds,
                    paused: *status == BatchStatus::Paused,
                };
                self.batches.insert(*batch_id, line) != Some(line)
            }
            Event::BatchFinished { batch_id, status, .. } => {
                if *status == BatchStatus::Failed {
                    self.attention = true;
                }
                self.batches.remove(batch_id);
                true
            }
            Event::QueueState { paused, waiting_for_network, .. } => {
                let changed = self.paused != *paused || self.waiting_for_network != *waiting_for_network;
                self.paused = *paused;
                self.waiting_for_network = *waiting_for_network;
                changed
            }
            Event::QueueAttention { attention } => {
                let needs = attention.as_ref().map(|a| a.reason.clone());
                let changed = self.needs != needs;
                self.needs = needs;
                changed
            }
            Event::JobFinished { .. } | Event::VoiceInstall { .. } => false,
            Event::ProviderAccount { provider, state: Some(state), .. } => self.accounts.insert(provider.clone(), *state) != Some(*state),
            Event::ProviderAccount { provider, state: None, .. } => self.accounts.remove(provider).is_some(),
        }
    }

    /// Why the queue needs the user, while it does.
    pub fn needs_attention(&self) -> Option<&str> {
        self.needs.as_deref()
    }

    /// The first provider paused for its account, as the tray says it: "openai: Out of quota".
    fn account_text(&self) -> Option<String> {
        self.accounts.iter().next().map(|(provider, state)| format!("{provider}: {}", state.label()))
    }

    /// Something failed that the user has not looked at yet.
    pub fn set_attention(&mut self, on: bool) {
        self.attention = on;
    }

    pub fn attention(&self) -> bool {
        self.attention
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    pub fn waiting_for_network(&self) -> bool {
        self.waiting_for_network
    }

    /// Settled and total words over the unfinished batches, or `None` when there are none.
    pub fn progress(&self) -> Option<(i64, i64)> {
        if self.batches.is_empty() {
            return None;
        }
        Some(self.batches.values().fold((0, 0), |(s, t), l| (s + l.settled, t + l.total)))
    }

    /// The first line of the tray menu.
    pub fn status_line(&self) -> String {
        if let Some(reason) = &self.needs {
            return format!("Needs attention: {reason}");
        }
        let account = self.account_text();
        let Some((settled, total)) = self.progress() else {
            if let Some(a) = account {
                return format!("Deck Media — {a}");
            }
            return if self.attention { "Deck Media — a batch needs attention".into() } else { "Deck Media — nothing to generate".into() };
        };
        let all_paused = self.paused || self.batches.values().all(|l| l.paused);
        if all_paused {
            return format!("Paused · {settled}/{total}");
        }
        if let Some(a) = account {
            return format!("{a} · {settled}/{total}");
        }
        if self.waiting_for_network {
            return format!("Waiting for network · {settled}/{total}");
        }
        // Batches share the providers, so the last one to finish sets the time left.
        let eta = self.batches.values().filter(|l| !l.paused).filter_map(|l| l.eta).max();
        match eta {
            Some(secs) => format!("Generating {settled}/{total} · {}", deckmedia_core::wording::eta(secs)),
            None => format!("Generating {settled}/{total}"),
        }
    }

    pub fn state(&self) -> TrayState {
        if self.attention || self.needs.is_some() || !self.accounts.is_empty() {
            TrayState::Attention
        } else if self.batches.is_empty() {
            TrayState::Idle
        } else if self.paused || self.batches.values().all(|l| l.paused) {
            TrayState::Paused
        } else {
            TrayState::Working
        }
    }

    /// The pause item's label.
    pub fn pause_label(&self) -> &'static str {
        if self.paused {
            "Resume all"
        } else {
            "Pause all"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(id: BatchId, done: i64, total: i64, eta: Option<u64>) -> Event {
        Event::BatchProgress {
            batch_id: id,
            status: BatchStatus::Processing,
            completed: done,
            failed: 0,
            cancelled: 0,
            total,
            eta_seconds: eta,
            eta_text: eta.map(deckmedia_core::wording::eta),
        }
    }

    #[test]
    fn idle_until_a_batch_moves() {
        let m = TrayModel::default();
        assert_eq!(m.status_line(), "Deck Media — nothing to generate");
        assert_eq!(m.state(), TrayState::Idle);
        assert_eq!(m.pause_label(), "Pause all");
    }

    #[test]
    fn generating_line_sums_batches_and_takes_the_longest_eta() {
        let mut m = TrayModel::default();
        assert!(m.apply(&progress(1, 40, 80, Some(30))));
        assert!(m.apply(&progress(2, 5, 20, Some(125))));
        assert_eq!(m.status_line(), "Generating 45/100 · ~2 min left");
        assert_eq!(m.state(), TrayState::Working);
        // The same event again changes nothing visible.
        assert!(!m.apply(&progress(2, 5, 20, Some(125))));
    }

    #[test]
    fn failed_words_count_as_settled_and_no_eta_means_no_time() {
        let mut m = TrayModel::default();
        m.apply(&Event::BatchProgress {
            batch_id: 7,
            status: BatchStatus::Processing,
            completed: 3,
            failed: 2,
            cancelled: 1,
            total: 10,
            eta_seconds: None,
            eta_text: None,
        });
        assert_eq!(m.status_line(), "Generating 6/10");
    }

    #[test]
    fn a_queue_that_needs_attention_says_why_until_it_recovers() {
        let mut m = TrayModel::default();
        let a = deckmedia_core::attention::Attention { reason: "Disk full: free space in /d".into(), since_ms: 1 };
        assert!(m.apply(&Event::QueueAttention { attention: Some(a) }));
        assert_eq!(m.status_line(), "Needs attention: Disk full: free space in /d");
        assert_eq!(m.state(), TrayState::Attention);
        assert!(m.apply(&Event::QueueAttention { attention: None }));
        assert_eq!(m.state(), TrayState::Idle);
        assert_eq!(m.needs_attention(), None);
    }

    #[test]
    fn paused_and_waiting_read_plainly() {
        let mut m = TrayModel::default();
        m.apply(&progress(1, 1, 4, Some(10)));
        m.apply(&Event::QueueState { running: 0, paused: false, waiting_for_network: true });
        assert_eq!(m.status_line(), "Waiting for network · 1/4");
        m.apply(&Event::QueueState { running: 0, paused: true, waiting_for_network: false });
        assert_eq!(m.status_line(), "Paused · 1/4");
        assert_eq!(m.state(), TrayState::Paused);
        assert_eq!(m.pause_label(), "Resume all");
        // One batch paused on its own while another runs: still generating.
        m.apply(&Event::QueueState { running: 0, paused: false, waiting_for_network: false });
        m.apply(&Event::BatchProgress {
            batch_id: 2,
            status: BatchStatus::Paused,
            completed: 0,
            failed: 0,
            cancelled: 0,
            total: 6,
            eta_seconds: None,
            eta_text: None,
        });
        assert_eq!(m.status_line(), "Generating 1/10 · ~10 s left");
    }

    #[test]
    fn finishing_removes_the_batch_and_a_failed_batch_asks_for_attention() {
        let mut m = TrayModel::default();
        m.apply(&progress(1, 9, 10, Some(3)));
        m.apply(&progress(2, 0, 5, None));
        m.apply(&Event::BatchFinished { batch_id: 1, status: BatchStatus::Completed, completed: 10, failed: 0, cancelled: 0, total: 10, summary: "10 done".into() });
        assert_eq!(m.status_line(), "Generating 0/5");
        m.apply(&Event::BatchFinished { batch_id: 2, status: BatchStatus::Failed, completed: 0, failed: 5, cancelled: 0, total: 5, summary: "0 done, 5 failed: 5 rejected by the provider".into() });
        assert_eq!(m.state(), TrayState::Attention);
        assert_eq!(m.status_line(), "Deck Media — a batch needs attention");
        m.set_attention(false);
        assert_eq!(m.state(), TrayState::Idle);
    }

    #[test]
    fn a_provider_out_of_quota_shows_until_resumed() {
        let mut m = TrayModel::default();
        m.apply(&progress(1, 3, 10, None));
        let paused = Event::ProviderAccount { provider: "openai".into(), state: Some(AccountState::OutOfQuota), message: Some("You exceeded your current quota".into()) };
        assert!(m.apply(&paused));
        assert!(!m.apply(&paused), "the same state again changes nothing");
        assert_eq!(m.status_line(), "openai: Out of quota · 3/10");
        assert_eq!(m.state(), TrayState::Attention);
        assert!(m.apply(&Event::ProviderAccount { provider: "openai".into(), state: None, message: None }));
        assert_eq!(m.status_line(), "Generating 3/10");
        assert_eq!(m.state(), TrayState::Working);
    }

    #[test]
    fn the_tray_words_the_eta_like_the_window_around_an_hour() {
        let mut m = TrayModel::default();
        m.apply(&progress(1, 1, 4, Some(59 * 60 + 45)));
        assert_eq!(m.status_line(), "Generating 1/4 · ~1 h left");
        m.apply(&progress(1, 2, 4, Some(61 * 60)));
        assert_eq!(m.status_line(), "Generating 2/4 · ~1 h 1 min left");
    }
}
