//! Openverse's request limits kept on our side, so a request past them is never sent: at most
//! `per_minute` in any 60 seconds (a sliding window of the requests' times) and `per_day` a UTC
//! day. Both are **persisted** in a small JSON file in the data dir (`openverse-budget.json`),
//! written after every change: a worker restarted in the middle of a minute or a day knows what
//! it already spent. Without a data dir (tests, the plain [`crate::providers::ProviderSet::from_config`])
//! the budget lives in this process only.
//!
//! A file that cannot be read starts an empty budget (logged); one that cannot be written
//! keeps counting in memory (logged). Times are passed in: tests move a clock, never sleep.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
/// The longest wait one "the day's budget is spent" answers with; the job asks again then.
const MAX_DAY_WAIT: Duration = Duration::from_secs(3600);

/// Whether requests may be sent now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spend {
    /// Taken: send them.
    Granted,
    /// The minute's requests are used up: the oldest leaves the window after this.
    MinuteFull(Duration),
    /// The day's requests are used up: ask again after this (at most an hour).
    DayFull(Duration),
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Saved {
    /// Days since the Unix epoch (UTC).
    day: i64,
    used: u32,
    /// Times (ms) of the requests of the last minute.
    recent: Vec<i64>,
}

pub struct Budget {
    per_minute: u32,
    per_day: u32,
    recent: VecDeque<i64>,
    day: i64,
    used_today: u32,
    file: Option<PathBuf>,
}

impl Budget {
    /// The budget saved in `file` (or a new one), with these limits.
    pub fn load(file: Option<&Path>, per_minute: u32, per_day: u32) -> Budget {
        let saved = file.map(read).unwrap_or_default();
        Budget { per_minute: per_minute.max(1), per_day: per_day.max(1), recent: saved.recent.into(), day: saved.day, used_today: saved.used, file: file.map(Path::to_path_buf) }
    }

    /// Takes `n` requests when the minute and the day both have room for them at `now_ms`.
    pub fn take(&mut self, n: u32, now_ms: i64) -> Spend {
        self.roll(now_ms);
        if self.recent.len() as u32 + n > self.per_minute {
            let index = (self.recent.len() + n as usize).saturating_sub(self.per_minute as usize + 1);
            let frees_at = self.recent.get(index).map_or(now_ms, |t| t + MINUTE_MS);
            return Spend::MinuteFull(Duration::from_millis((frees_at - now_ms).max(1) as u64));
        }
        if self.used_today + n > self.per_day {
            let next_day = (now_ms.div_euclid(DAY_MS) + 1) * DAY_MS;
            return Spend::DayFull(Duration::from_millis((next_day - now_ms).max(1) as u64).min(MAX_DAY_WAIT));
        }
        self.recent.extend(std::iter::repeat_n(now_ms, n as usize));
        self.used_today += n;
        self.save();
        Spend::Granted
    }

    /// Gives back `n` requests taken but not sent (the newest ones).
    pub fn refund(&mut self, n: u32) {
        for _ in 0..n {
            self.recent.pop_back();
        }
        self.used_today = self.used_today.saturating_sub(n);
        self.save();
    }

    /// Requests counted today (UTC).
    pub fn used_today(&self) -> u32 {
        self.used_today
    }

    /// Requests today (UTC) still has room for at `now_ms`.
    pub fn left_today(&mut self, now_ms: i64) -> u32 {
        self.roll(now_ms);
        self.per_day.saturating_sub(self.used_today)
    }

    /// Drops requests older than a minute, and yesterday's count.
    fn roll(&mut self, now_ms: i64) {
        while self.recent.front().is_some_and(|&t| t <= now_ms - MINUTE_MS || t > now_ms) {
            self.recent.pop_front();
        }
        let today = now_ms.div_euclid(DAY_MS);
        if today != self.day {
            self.day = today;
            self.used_today = 0;
        }
    }

    fn save(&self) {
        let Some(path) = &self.file else { return };
        let saved = Saved { day: self.day, used: self.used_today, recent: self.recent.iter().copied().collect() };
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        let written = serde_json::to_vec(&saved).map_err(std::io::Error::other).and_then(|body| std::fs::write(&tmp, body)).and_then(|()| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            tracing::warn!("cannot save the Openverse request budget to {}: {e}; counting in memory", path.display());
        }
    }
}

fn read(path: &Path) -> Saved {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            tracing::warn!("{} is not a valid Openverse budget ({e}); starting a new one", path.display());
            Saved::default()
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Saved::default(),
        Err(e) => {
            tracing::warn!("cannot read {}: {e}; starting a new Openverse budget", path.display());
            Saved::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000_000;

    #[test]
    fn the_minute_and_the_day_are_kept_and_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("budget.json");
        let mut b = Budget::load(Some(&file), 4, 6);
        assert_eq!(b.take(2, T0), Spend::Granted);
        assert_eq!(b.take(2, T0 + 10_000), Spend::Granted);
        assert_eq!(b.take(1, T0 + 20_000), Spend::MinuteFull(Duration::from_secs(40)), "the first two leave the window at T0 + 60 s");
        b.refund(1);
        assert_eq!(b.take(1, T0 + 20_000), Spend::Granted);
        drop(b);
        let mut b = Budget::load(Some(&file), 4, 6);
        assert_eq!(b.used_today(), 4, "the count was saved");
        assert!(matches!(b.take(1, T0 + 30_000), Spend::MinuteFull(_)), "so was the minute's window");
        assert_eq!(b.take(2, T0 + 60_000), Spend::Granted);
        assert!(matches!(b.take(1, T0 + 200_000), Spend::DayFull(_)), "6 a day");
        let tomorrow = (T0.div_euclid(DAY_MS) + 1) * DAY_MS;
        assert_eq!(b.take(1, tomorrow), Spend::Granted, "a new UTC day, a new budget");
        assert_eq!(b.used_today(), 1);
    }
}
