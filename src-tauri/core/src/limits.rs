//! Per-provider limits: how many requests may be in flight, how many may start per minute, and
//! when a provider that said `Retry-After` may be called again.
//!
//! The concurrency window adapts to the provider's real limit. It starts at
//! `min(max_concurrency, 8)` and grows by one per success (slow start, doubling per round) up to
//! the configured maximum. A rate-limit answer without `Retry-After` (a 429) means exactly one
//! request too many was in flight, so the window shrinks by one per rejection and stops slow
//! start; afterwards it grows back by one only after `4 × window` successes in a row, so
//! probing past the limit costs few rejected calls. For a server
//! with a hard concurrency cap this finds the cap in one round trip, without the undershoot of
//! halving; a provider that rejects everything still drives the window down to 1 quickly.
//!
//! The limiter is owned by the worker loop and is not shared between threads.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

const INITIAL_WINDOW: u32 = 8;
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
    /// Consecutive probe rounds that found the server unreachable (0 = reachable).
    unreachable: u32,
    probe_base: Duration,
}

/// How a request ended, as far as limits care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Success,
    /// 429 (or similar) without a `Retry-After`.
    RateLimited,
    /// The provider named a time: pause it until then.
    RetryAfter(Duration),
    /// The server could not be reached: wait, then probe with one request, the wait doubling
    /// (up to a minute) while it stays unreachable.
    Unreachable,
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
            unreachable: 0,
            probe_base: Duration::from_secs(1),
        }
    }

    /// The first wait after the server is found unreachable (doubles up to a minute).
    pub fn with_probe_base(mut self, base: Duration) -> Limiter {
        self.probe_base = base;
        self
    }

    /// Whether the server was unreachable at the last try: its jobs wait for the network.
    pub fn is_unreachable(&self) -> bool {
        self.unreachable > 0
    }

    /// How many requests may start now.
    pub fn available(&mut self, now: Instant) -> u32 {
        if self.paused_until.is_some_and(|t| t > now) {
            return 0;
        }
        let mut free = self.window.saturating_sub(self.in_flight);
        if self.unreachable > 0 {
            // Probe with one request at a time until the server answers.
            free = free.min(1u32.saturating_sub(self.in_flight));
        }
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

    /// Gives back `n` slots that were started but found nothing to run.
    pub fn unreserve(&mut self, n: u32) {
        self.in_flight = self.in_flight.saturating_sub(n);
        for _ in 0..n.min(self.starts.len() as u32) {
            self.starts.pop_back();
        }
    }

    pub fn on_finish(&mut self, how: Finish, now: Instant) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if !matches!(how, Finish::Unreachable | Finish::Other) {
            self.unreachable = 0;
        }
        match how {
            Finish::Unreachable => {
                if self.paused_until.is_none_or(|t| t <= now) {
                    self.unreachable = self.unreachable.saturating_add(1);
                    let wait = backoff(self.unreachable, self.probe_base, MINUTE, 1.0);
                    self.paused_until = Some(now + wait);
                }
            }
            Finish::Success => {
                self.successes += 1;
                if self.slow_start {
                    self.window = (self.window + 1).min(self.max);
                    self.slow_start = self.window < self.max;
                    self.successes = 0;
                } else if self.window < self.max && self.successes >= 4 * self.window {
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

/// The limits of every media kind: each kind's own cap, and the adaptive window of the server it
/// talks to. Kinds whose providers have the same limit key (pictures and speech from one
/// server) share one window and one `Retry-After` pause; the window's ceiling is the largest
/// cap among them and its per-minute limit the smallest.
#[derive(Debug, Clone)]
pub struct KindLimits<K: std::hash::Hash + Eq + Copy> {
    groups: HashMap<String, Limiter>,
    kinds: HashMap<K, KindSlot>,
}

#[derive(Debug, Clone)]
struct KindSlot {
    group: String,
    cap: u32,
    running: u32,
}

impl<K: std::hash::Hash + Eq + Copy> KindLimits<K> {
    /// `kinds`: (kind, limit key, max concurrency, requests per minute).
    pub fn new(kinds: &[(K, String, u32, u32)]) -> Self {
        Self::with_probe_base(kinds, Duration::from_secs(1))
    }

    pub fn with_probe_base(kinds: &[(K, String, u32, u32)], probe_base: Duration) -> Self {
        let mut caps: HashMap<&str, (u32, u32)> = HashMap::new();
        for (_, key, cap, rpm) in kinds {
            let e = caps.entry(key.as_str()).or_insert((0, 0));
            e.0 = e.0.max(*cap);
            e.1 = match (e.1, *rpm) {
                (0, r) | (r, 0) => r,
                (a, b) => a.min(b),
            };
        }
        let groups = caps.into_iter().map(|(k, (cap, rpm))| (k.to_string(), Limiter::new(cap, rpm).with_probe_base(probe_base))).collect();
        let kinds = kinds.iter().map(|(k, key, cap, _)| (*k, KindSlot { group: key.clone(), cap: (*cap).max(1), running: 0 })).collect();
        KindLimits { groups, kinds }
    }

    pub fn available(&mut self, kind: K, now: Instant) -> u32 {
        let Some(slot) = self.kinds.get(&kind) else { return 0 };
        let own = slot.cap.saturating_sub(slot.running);
        self.groups.get_mut(&slot.group).map_or(0, |g| g.available(now).min(own))
    }

    /// Whether this kind's server was unreachable at the last try.
    pub fn is_unreachable(&self, kind: K) -> bool {
        self.kinds.get(&kind).and_then(|s| self.groups.get(&s.group)).is_some_and(Limiter::is_unreachable)
    }

    /// Whether any server is unreachable.
    pub fn any_unreachable(&self) -> bool {
        self.groups.values().any(Limiter::is_unreachable)
    }

    pub fn next_ready(&self, kind: K, now: Instant) -> Option<Instant> {
        let slot = self.kinds.get(&kind)?;
        self.groups.get(&slot.group)?.next_ready(now)
    }

    pub fn on_start(&mut self, kind: K, now: Instant) {
        if let Some(slot) = self.kinds.get_mut(&kind) {
            slot.running += 1;
            if let Some(g) = self.groups.get_mut(&slot.group) {
                g.on_start(now);
            }
        }
    }

    /// Gives back slots taken with `on_start` that found no job to run.
    pub fn unreserve(&mut self, kind: K, n: u32) {
        if let Some(slot) = self.kinds.get_mut(&kind) {
            slot.running = slot.running.saturating_sub(n);
            if let Some(g) = self.groups.get_mut(&slot.group) {
                g.unreserve(n);
            }
        }
    }

    pub fn on_finish(&mut self, kind: K, how: Finish, now: Instant) {
        if let Some(slot) = self.kinds.get_mut(&kind) {
            slot.running = slot.running.saturating_sub(1);
            if let Some(g) = self.groups.get_mut(&slot.group) {
                g.on_finish(how, now);
            }
        }
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
        assert_eq!(l.available(now), 8);
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
        for _ in 0..31 {
            l.on_start(now);
            l.on_finish(Finish::Success, now);
        }
        assert_eq!(l.window(), 8, "needs 4 x window successes before growing");
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
    fn kinds_on_one_server_share_its_window_and_pause() {
        let now = Instant::now();
        let mut l = KindLimits::new(&[("image", "srv".to_string(), 2, 0), ("audio", "srv".to_string(), 8, 0)]);
        assert_eq!(l.available("image", now), 2, "the kind's own cap");
        assert_eq!(l.available("audio", now), 8, "the shared window starts at 8");
        for _ in 0..2 {
            l.on_start("image", now);
        }
        assert_eq!(l.available("image", now), 0);
        assert_eq!(l.available("audio", now), 6, "images use the shared window too");
        l.on_finish("image", Finish::RetryAfter(Duration::from_secs(1)), now);
        assert_eq!(l.available("audio", now), 0, "Retry-After pauses the whole server");
        let mut apart = KindLimits::new(&[("image", "a".to_string(), 2, 0), ("audio", "b".to_string(), 2, 0)]);
        apart.on_start("image", now);
        apart.on_finish("image", Finish::RetryAfter(Duration::from_secs(1)), now);
        assert_eq!(apart.available("audio", now), 2, "other servers go on");
    }

    #[test]
    fn an_unreachable_server_is_probed_with_one_request_and_a_growing_wait() {
        let now = Instant::now();
        let mut l = Limiter::new(8, 0).with_probe_base(Duration::from_secs(1));
        for _ in 0..8 {
            l.on_start(now);
        }
        for _ in 0..8 {
            l.on_finish(Finish::Unreachable, now);
        }
        assert!(l.is_unreachable());
        assert_eq!(l.next_ready(now), Some(now + Duration::from_secs(1)), "eight failures of one round count once");
        let t1 = now + Duration::from_secs(1);
        assert_eq!(l.available(t1), 1, "one probe at a time");
        l.on_start(t1);
        l.on_finish(Finish::Unreachable, t1);
        assert_eq!(l.next_ready(t1), Some(t1 + Duration::from_secs(2)));
        let t2 = t1 + Duration::from_secs(2);
        l.on_start(t2);
        l.on_finish(Finish::Success, t2);
        assert!(!l.is_unreachable());
        assert_eq!(l.available(t2), 8);
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
