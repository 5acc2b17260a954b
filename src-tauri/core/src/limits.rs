//! Per-provider limits: how many requests may be in flight, how many may start per minute, and
//! when a provider that said `Retry-After` may be called again.
//!
//! The concurrency window adapts to the provider's real limit. It starts at
//! `min(max_concurrency, 4)` and grows by one per success (slow start, doubling per round) up to
//! the configured maximum. A rate-limit answer without `Retry-After` (a 429) means exactly one
//! request too many was in flight, so the window shrinks by one per rejection and stops slow
//! start; afterwards it grows back by one only after `2 × window` successes in a row. For a server
//! with a hard concurrency cap this finds the cap in one round trip, without the undershoot of
//! halving; a provider that rejects everything still drives the window down to 1 quickly.
//!
//! The limiter is owned by the worker loop and is not shared between threads.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

const INITIAL_WINDOW: u32 = 4;
const MINUTE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct Limiter {
    max: u32,
    window: u32,
    slow_start: bool,
    successes: u32,
    in_flight: u32,
    per_minute: u32,
    starts: VecDeque<Instant>,
    paused_until: Option<Instant>,
    rejected: u64,
}

/// How a request ended, as far as limits care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Success,
    /// 429 (or similar) without a `Retry-After`.
    RateLimited,
    /// The provider named a time: pause it until then.
    RetryAfter(Duration),
    /// Any other error or a cancellation: frees the slot, says nothing about limits.
    Other,
}

impl Limiter {
    /// `max_concurrency` ≥ 1; `per_minute` = 0 means no per-minute limit.
    pub fn new(max_concurrency: u32, per_minute: u32) -> Limiter {
        let max = max_concurrency.max(1);
        Limiter {
            max,
            window: max.min(INITIAL_WINDOW),
            slow_start: max > INITIAL_WINDOW,
            successes: 0,
            in_flight: 0,
            per_minute,
            starts: VecDeque::new(),
            paused_until: None,
            rejected: 0,
        }
    }

    /// How many requests may start now.
    pub fn available(&mut self, now: Instant) -> u32 {
        if self.paused_until.is_some_and(|t| t > now) {
            return 0;
        }
        let mut free = self.window.saturating_sub(self.in_flight);
        if self.per_minute > 0 {
            while self.starts.front().is_some_and(|t| now.duration_since(*t) >= MINUTE) {
                self.starts.pop_front();
            }
            free = free.min(self.per_minute.saturating_sub(self.starts.len() as u32));
        }
        free
    }

    /// When capacity frees up for a reason other than a request finishing (a pause ends, the
    /// per-minute window slides). `None` when only a finishing request can free capacity.
    pub fn next_ready(&self, now: Instant) -> Option<Instant> {
        if let Some(t) = self.paused_until.filter(|t| *t > now) {
            return Some(t);
        }
        if self.per_minute > 0 && self.starts.len() as u32 >= self.per_minute {
            return self.starts.front().map(|t| *t + MINUTE);
        }
        None
    }

    pub fn on_start(&mut self, now: Instant) {
        self.in_flight += 1;
        if self.per_minute > 0 {
            self.starts.push_back(now);
        }
    }

    pub fn on_finish(&mut self, how: Finish, now: Instant) {
        self.in_flight = self.in_flight.saturating_sub(1);
        match how {
            Finish::Success => {
                self.successes += 1;
                if self.slow_start {
                    self.window = (self.window + 1).min(self.max);
                    self.slow_start = self.window < self.max;
                    self.successes = 0;
                } else if self.window < self.max && self.successes >= 2 * self.window {
                    self.window += 1;
                    self.successes = 0;
                }
            }
            Finish::RateLimited => {
                self.rejected += 1;
                self.slow_start = false;
                self.successes = 0;
                self.window = self.window.saturating_sub(1).max(1);
            }
            Finish::RetryAfter(d) => {
                self.rejected += 1;
                self.slow_start = false;
                self.successes = 0;
                let until = now + d;
                self.paused_until = Some(self.paused_until.map_or(until, |t| t.max(until)));
            }
            Finish::Other => {}
        }
    }

    pub fn paused_until(&self) -> Option<Instant> {
        self.paused_until
    }
    pub fn window(&self) -> u32 {
        self.window
    }
    pub fn in_flight(&self) -> u32 {
        self.in_flight
    }
    pub fn rejected(&self) -> u64 {
        self.rejected
    }
}

/// Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries of
/// many jobs spread out but none comes back immediately. `attempt` counts from 1.
pub fn backoff(attempt: u32, base: Duration, max: Duration, random01: f64) -> Duration {
    let exp = base.saturating_mul(1u32.checked_shl(attempt.saturating_sub(1).min(20)).unwrap_or(u32::MAX));
    let capped = exp.min(max);
    capped / 2 + capped.mul_f64(random01.clamp(0.0, 1.0) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_start_grows_to_the_configured_maximum() {
        let now = Instant::now();
        let mut l = Limiter::new(32, 0);
        assert_eq!(l.available(now), 4);
        for _ in 0..40 {
            l.on_start(now);
            l.on_finish(Finish::Success, now);
        }
        assert_eq!(l.window(), 32);
        assert_eq!(l.available(now), 32);
    }

    #[test]
    fn each_rejection_takes_one_slot_and_growth_resumes_slowly() {
        let now = Instant::now();
        let mut l = Limiter::new(16, 0);
        for _ in 0..12 {
            l.on_start(now);
            l.on_finish(Finish::Success, now);
        }
        assert_eq!(l.window(), 16);
        for _ in 0..8 {
            l.on_start(now);
        }
        for _ in 0..8 {
            l.on_finish(Finish::RateLimited, now);
        }
        assert_eq!(l.window(), 8);
        for _ in 0..15 {
            l.on_start(now);
            l.on_finish(Finish::Success, now);
        }
        assert_eq!(l.window(), 8, "needs 2 x window successes before growing");
        l.on_start(now);
        l.on_finish(Finish::Success, now);
        assert_eq!(l.window(), 9);
        for _ in 0..100 {
            l.on_start(now);
            l.on_finish(Finish::RateLimited, now);
        }
        assert_eq!(l.window(), 1, "never below one");
    }

    #[test]
    fn retry_after_pauses_the_provider() {
        let now = Instant::now();
        let mut l = Limiter::new(4, 0);
        l.on_start(now);
        l.on_finish(Finish::RetryAfter(Duration::from_secs(2)), now);
        assert_eq!(l.available(now), 0);
        assert_eq!(l.next_ready(now), Some(now + Duration::from_secs(2)));
        assert_eq!(l.available(now + Duration::from_secs(2)), 4);
    }

    #[test]
    fn per_minute_limit_slides() {
        let now = Instant::now();
        let mut l = Limiter::new(10, 3);
        for _ in 0..3 {
            l.on_start(now);
            l.on_finish(Finish::Success, now);
        }
        assert_eq!(l.available(now + Duration::from_secs(59)), 0);
        assert_eq!(l.next_ready(now), Some(now + MINUTE));
        assert_eq!(l.available(now + MINUTE), 3);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let base = Duration::from_secs(1);
        let max = Duration::from_secs(60);
        assert_eq!(backoff(1, base, max, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(1, base, max, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(3, base, max, 1.0), Duration::from_secs(4));
        assert_eq!(backoff(30, base, max, 1.0), max);
        assert!(backoff(30, base, max, 0.0) >= Duration::from_secs(30));
    }
}
