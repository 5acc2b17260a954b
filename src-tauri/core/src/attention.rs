//! "Needs attention": a fault of this machine (a full disk, a read-only folder, a database
//! another program holds) that stops the queue until the user or time fixes it.
//!
//! The worker sets it and clears it; this module only keeps it where others can read it: in this
//! process (the desktop app's snapshot) and, best effort, in a small file of the data dir, so a
//! second process (`deckmedia status`) sees it too. A full disk may refuse the file: the
//! in-process value is the truth, the file a courtesy.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// Why the queue stopped, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Attention {
    /// E.g. "Disk full: free space in /home/me/.local/share/deckmedia/media".
    pub reason: String,
    /// When the fault began (ms since the Unix epoch).
    pub since_ms: i64,
}

/// Where the current [`Attention`] is kept.
/// Also keeps whether this process's worker is waiting for the network, so a snapshot says so
/// (the front ends never read queue state back from what they drew).
#[derive(Debug)]
pub struct AttentionBoard {
    current: Mutex<Option<Attention>>,
    file: PathBuf,
    waiting_for_network: AtomicBool,
}

impl AttentionBoard {
    pub fn new(file: PathBuf) -> AttentionBoard {
        AttentionBoard { current: Mutex::new(None), file, waiting_for_network: AtomicBool::new(false) }
    }

    /// The worker's view: some server cannot be reached, its jobs wait for the network.
    pub fn set_waiting_for_network(&self, waiting: bool) {
        self.waiting_for_network.store(waiting, Ordering::Relaxed);
    }

    pub fn waiting_for_network(&self) -> bool {
        self.waiting_for_network.load(Ordering::Relaxed)
    }

    /// Sets (or clears, with `None`) the state. Returns whether it changed.
    pub fn set(&self, attention: Option<Attention>) -> bool {
        let mut cur = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if *cur == attention {
            return false;
        }
        *cur = attention.clone();
        drop(cur);
        let written = match &attention {
            Some(a) => serde_json::to_vec(a).map_err(std::io::Error::other).and_then(|b| std::fs::write(&self.file, b)),
            None => match std::fs::remove_file(&self.file) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                other => other,
            },
        };
        if let Err(e) = written {
            tracing::debug!(file = %self.file.display(), "could not record the queue's attention state: {e}");
        }
        true
    }

    /// This process's state, else what another process's worker recorded.
    pub fn get(&self) -> Option<Attention> {
        if let Some(a) = self.current.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Some(a);
        }
        let bytes = std::fs::read(&self.file).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Forgets a state left by a worker that ended (a new worker starts clean).
    pub fn reset(&self) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.set_waiting_for_network(false);
        let _ = std::fs::remove_file(&self.file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_set_here_is_read_by_another_board_on_the_same_dir_and_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("attention.json");
        let here = AttentionBoard::new(file.clone());
        let there = AttentionBoard::new(file);
        let a = Attention { reason: "Disk full: free space in /x".into(), since_ms: 5 };
        assert!(here.set(Some(a.clone())));
        assert!(!here.set(Some(a.clone())), "same state: no change");
        assert_eq!(there.get(), Some(a));
        assert!(here.set(None));
        assert_eq!(there.get(), None);
    }
}
