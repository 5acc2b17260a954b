//! Per-server limits: how many requests may be in flight, how many may start per minute, and
//! when a server that said `Retry-After` (or "no requests left until …") may be called again.
//!
//! One [`Limiter`] per server (limit key). Its window ceiling is the **sum** of the caps of the
//! kinds that share it (image 4 + audio 4 = 8 at once), and each kind's own cap still holds
//! ([`KindLimits`]). The window adapts to the server's real limit:
//!
//! * It starts at `min(ceiling, 8)` and grows by one per success of a full window (slow start)
//!   until the first rejection or the ceiling; successes while the window is not full do not
//!   grow it.
//! * Every rejection — 429 with or without `Retry-After`, 503 with `Retry-After` — is a
//!   congestion signal: the window shrinks by one per rejected request, so `n` overshoots take
//!   `n` slots back and a server with a hard concurrency cap is found in one round trip.
//! * A `Retry-After` also pauses the whole server, unless the rejected request was a *probe*:
//!   one started while the window was above the largest one a whole window of successes has
//!   confirmed (`confirmed`; the starting window is taken on trust). A probe's rejection says "one too many", not "stop", so it only shrinks the
//!   window (its job still waits the time the server named). A rejection at or below the
//!   confirmed level means the server's capacity is used up: pause, and restart at the reduced
//!   window when the pause ends.
//! * After the first rejection the window grows back slowly: one probe above the confirmed
//!   level after `4 × window` successes; each failed probe doubles the successes the next one
//!   waits for, so probing an unchanged cap costs a handful of calls per batch.
//! * A provider's own rate headers (`x-ratelimit-remaining-requests` / `-reset-requests`) set a
//!   request budget: with none left, nothing starts until the reset, so the 429 never comes.
//!   Answers are read out of order (separate connections, a busy machine), so the latest one
//!   read is not the freshest: answers whose reset falls in the same period keep the *lowest*
//!   count, an answer from a later period replaces the budget, one from an earlier period is
//!   ignored. A late answer never raises a budget the server has already spent.
//!
//! The limiter is owned by the worker loop and is not shared between threads; it takes the
//! time as an argument (`now`), so tests drive it without a clock.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

const INITIAL_WINDOW: u32 = 8;
const MINUTE: Duration = Duration::from_secs(60);
/// Successes per window slot before the first probe above the confirmed level.
const PROBE_ROUNDS: u32 = 4;
/// The longest a failed probe can defer the next one, in successes.
const MAX_PROBE_AFTER: u32 = 1 << 16;

#[derive(Debug, Clone)]
pub struct Limiter {
    max: u32,
    window: u32,
    /// The largest window a whole window of successes has confirmed (or the starting window,
    /// taken on trust): rejections at or below it are the server's capacity, above it a probe's.
    confirmed: u32,
    slow_start: bool,
    /// Successes since the window last changed.
    successes: u32,
    /// Of those, the ones that finished while the window was full.
    full_successes: u32,
    /// Successes a probe above the confirmed level waits for (doubles per failed probe).
    probe_after: u32,
    in_flight: u32,
    per_minute: u32,
    starts: VecDeque<Instant>,
    paused_until: Option<Instant>,
    /// Requests the server said are left before `reset_at` (its rate headers).
    budget: Option<Budget>,
    rejected: u64,
    /// Consecutive probe rounds that found the server unreachable (0 = reachable).
    unreachable: u32,
    probe_base: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Budget {
    remaining: u32,
    /// The reset, as late as it can be (counted from when an answer was read).
    reset_at: Instant,
    /// The reset, as early as it can be (counted from when a request was sent).
    reset_earliest: Instant,
}

/// A server's request budget as one answer stated it: `remaining` more requests may start
/// before `reset` from when the server counted the request — some time between `sent_at` and
/// `read_at`, so the reset lies between `sent_at + reset` and `read_at + reset`. Two answers
/// whose ranges overlap speak of the same period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateReport {
    pub remaining: u32,
    pub reset: Duration,
    pub sent_at: Instant,
    pub read_at: Instant,
}

impl RateReport {
    fn earliest(&self) -> Instant {
        self.sent_at + self.reset
    }
    fn latest(&self) -> Instant {
        self.read_at + self.reset
    }
}

/// How a request ended, as far as limits care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Success,
    /// 429 (or similar) without a `Retry-After`.
    RateLimited,
    /// Rejected with a time to come back (429 or 503 with `Retry-After`).
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
        let window = max.min(INITIAL_WINDOW);
        Limiter {
            max,
            window,
            confirmed: window,
            slow_start: max > window,
            successes: 0,
            full_successes: 0,
            probe_after: PROBE_ROUNDS * window,
            in_flight: 0,
            per_minute,
            starts: VecDeque::new(),
            paused_until: None,
            budget: None,
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
        if let Some(b) = self.budget {
            if b.reset_at <= now {
                self.budget = None;
            } else {
                free = free.min(b.remaining);
            }
        }
        free
    }

    /// When capacity frees up for a reason other than a request finishing (a pause ends, the
    /// per-minute window slides, the server's request budget resets). `None` when only a
    /// finishing request can free capacity.
    pub fn next_ready(&self, now: Instant) -> Option<Instant> {
        if let Some(t) = self.paused_until.filter(|t| *t > now) {
            return Some(t);
        }
        let mut ready: Option<Instant> = None;
        if self.per_minute > 0 && self.starts.len() as u32 >= self.per_minute {
            ready = self.starts.front().map(|t| *t + MINUTE);
        }
        if let Some(b) = self.budget.filter(|b| b.remaining == 0 && b.reset_at > now) {
            ready = Some(ready.map_or(b.reset_at, |r| r.max(b.reset_at)));
        }
        ready
    }

    pub fn on_start(&mut self, now: Instant) {
        self.in_flight += 1;
        if self.per_minute > 0 {
            self.starts.push_back(now);
        }
        if let Some(b) = &mut self.budget {
            b.remaining = b.remaining.saturating_sub(1);
        }
    }

    /// Gives back `n` slots that were started but found nothing to run.
    pub fn unreserve(&mut self, n: u32) {
        self.in_flight = self.in_flight.saturating_sub(n);
        for _ in 0..n.min(self.starts.len() as u32) {
            self.starts.pop_back();
        }
        if let Some(b) = &mut self.budget {
            b.remaining = b.remaining.saturating_add(n);
        }
    }

    /// The server's own word on its request budget (`x-ratelimit-remaining-requests`,
    /// `x-ratelimit-reset-requests`), read off an answer before its slot is freed: its count,
    /// less the other requests still in flight (they may have reached the server after this one
    /// was counted). In the period of the budget kept, the lowest count wins; an answer from a
    /// later period replaces it; one from an earlier period (read late) changes nothing.
    pub fn on_rate(&mut self, report: RateReport, now: Instant) {
        if report.latest() <= now {
            return;
        }
        let others = self.in_flight.saturating_sub(1);
        let mut next = Budget { remaining: report.remaining.saturating_sub(others), reset_at: report.latest(), reset_earliest: report.earliest() };
        if let Some(kept) = self.budget.filter(|b| b.reset_at > now) {
            if report.latest() < kept.reset_earliest {
                return;
            }
            if report.earliest() <= kept.reset_at {
                next.remaining = next.remaining.min(kept.remaining);
                next.reset_at = next.reset_at.max(kept.reset_at);
                next.reset_earliest = next.reset_earliest.min(kept.reset_earliest);
            }
        }
        self.budget = Some(next);
    }

    pub fn on_finish(&mut self, how: Finish, now: Instant) {
        // Before the slot is freed: how many were in flight when this one finished.
        let level = self.in_flight;
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
            Finish::Success => self.on_success(level),
            Finish::RateLimited => self.on_rejected(None, now),
            Finish::RetryAfter(d) => self.on_rejected(Some(d), now),
            Finish::Other => {}
        }
    }

    fn on_success(&mut self, level: u32) {
        self.successes += 1;
        if level < self.window {
            // The window was not full: this success says nothing about a larger one (a worker
            // running single jobs must not inflate the window it would burst with later).
            return;
        }
        // A whole window of successes while it was full confirms it. One lucky success is not
        // enough: our count of requests in flight runs ahead of the server's by the answers
        // still on their way.
        self.full_successes += 1;
        if self.full_successes >= self.window && self.window > self.confirmed {
            self.confirmed = self.window;
            self.probe_after = PROBE_ROUNDS * self.window;
        }
        if self.slow_start {
            self.grow();
        } else if self.window < self.max && self.successes >= self.probe_after {
            // A probe above the confirmed level: should it fail, the next one waits twice as
            // long; should it succeed, `confirmed` rises and the wait starts over.
            self.probe_after = self.probe_after.saturating_mul(2).min(MAX_PROBE_AFTER);
            self.grow();
        }
    }

    fn grow(&mut self) {
        self.window = (self.window + 1).min(self.max);
        self.slow_start = self.slow_start && self.window < self.max;
        self.successes = 0;
        self.full_successes = 0;
    }

    /// A rejection takes one slot; a `Retry-After` at a level the server had accepted pauses
    /// it (a probe's only delays its own job, which the worker schedules after the wait).
    fn on_rejected(&mut self, retry_after: Option<Duration>, now: Instant) {
        self.rejected += 1;
        let probe = self.window > self.confirmed;
        self.slow_start = false;
        self.successes = 0;
        self.full_successes = 0;
        self.window = self.window.saturating_sub(1).max(1);
        if !probe {
            // The server takes fewer than it did: that is the new confirmed level, and growing
            // past it again waits for a few rounds of successes.
            self.confirmed = self.window;
            self.probe_after = PROBE_ROUNDS * self.window;
            if let Some(d) = retry_after {
                let until = now + d;
                self.paused_until = Some(self.paused_until.map_or(until, |t| t.max(until)));
            }
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
/// server) share one window, one `Retry-After` pause and one request budget. The window's
/// ceiling is the **sum** of their caps — each kind's cap is what the user allows that kind, so
/// image 4 + audio 4 may run 8 at once — and its per-minute limit the smallest one set.
#[derive(Debug, Clone)]
pub struct KindLimits<K: std::hash::Hash + Eq + Copy> {
    groups: HashMap<String, Limiter>,
    kinds: HashMap<K, KindSlot>,
    /// Kinds that use another kind's slot, and that kind (see [`KindLimits::with_riders`]).
    hosts: HashMap<K, K>,
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
        Self::with_riders(kinds, &[], probe_base)
    }

    /// Like [`KindLimits::with_probe_base`], where each `(rider, host)` pair makes `rider` a
    /// kind that uses `host`'s provider slot (the sentence audio on the word audio's voice):
    /// both draw on one cap — `host`'s — instead of adding theirs, so a slot with no settings
    /// of its own does not raise what its server is sent.
    pub fn with_riders(kinds: &[(K, String, u32, u32)], riders: &[(K, K)], probe_base: Duration) -> Self {
        let mut caps: HashMap<&str, (u32, u32)> = HashMap::new();
        for (kind, key, cap, rpm) in kinds {
            let e = caps.entry(key.as_str()).or_insert((0, 0));
            if !riders.iter().any(|(r, _)| r == kind) {
                e.0 = e.0.saturating_add((*cap).max(1));
            }
            e.1 = match (e.1, *rpm) {
                (0, r) | (r, 0) => r,
                (a, b) => a.min(b),
            };
        }
        let groups = caps.into_iter().map(|(k, (cap, rpm))| (k.to_string(), Limiter::new(cap.max(1), rpm).with_probe_base(probe_base))).collect();
        let kinds = kinds.iter().map(|(k, key, cap, _)| (*k, KindSlot { group: key.clone(), cap: (*cap).max(1), running: 0 })).collect();
        let hosts = riders.iter().map(|&(r, h)| (r, h)).collect();
        KindLimits { groups, kinds, hosts }
    }

    /// The kind whose cap `kind` counts against: its host when it rides on one.
    fn cap_owner(&self, kind: K) -> K {
        self.hosts.get(&kind).copied().unwrap_or(kind)
    }

    /// Jobs running against `kind`'s cap: its own, its host's and the host's other riders'.
    fn running_on_cap(&self, kind: K) -> u32 {
        let owner = self.cap_owner(kind);
        self.kinds.iter().filter(|(k, _)| self.cap_owner(**k) == owner).map(|(_, s)| s.running).sum()
    }

    pub fn available(&mut self, kind: K, now: Instant) -> u32 {
        let Some(slot) = self.kinds.get(&kind) else { return 0 };
        let own = slot.cap.saturating_sub(self.running_on_cap(kind));
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

    /// The server's request budget, read off an answer to this kind (see [`Limiter::on_rate`]).
    pub fn on_rate(&mut self, kind: K, report: RateReport, now: Instant) {
        if let Some(g) = self.kinds.get(&kind).and_then(|s| self.groups.get_mut(&s.group)) {
            g.on_rate(report, now);
        }
    }

    /// The shared window of this kind's server (for tests and diagnostics).
    pub fn window(&self, kind: K) -> u32 {
        self.kinds.get(&kind).and_then(|s| self.groups.get(&s.group)).map_or(0, Limiter::window)
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
        for _ in 0..8 {
            l.on_start(now);
            l.on_finish(Finish::Success, now);
        }
        assert_eq!(l.window(), 8, "one job at a time does not grow the window");
        for _ in 0..40 {
            fill(&mut l, now);
            l.on_finish(Finish::Success, now);
        }
        assert_eq!(l.window(), 32);
        while l.in_flight() > 0 {
            l.on_finish(Finish::Success, now);
        }
        assert_eq!(l.available(now), 32);
    }

    /// Starts requests until the window is full.
    fn fill(l: &mut Limiter, now: Instant) {
        while l.available(now) > 0 {
            l.on_start(now);
        }
    }

    #[test]
    fn each_rejection_takes_one_slot_and_growth_resumes_slowly() {
        let now = Instant::now();
        let mut l = Limiter::new(16, 0);
        for _ in 0..8 {
            fill(&mut l, now);
            l.on_finish(Finish::Success, now);
        }
        assert_eq!(l.window(), 16);
        fill(&mut l, now);
        assert_eq!(l.in_flight(), 16);
        for _ in 0..8 {
            l.on_finish(Finish::RateLimited, now);
        }
        assert_eq!(l.window(), 8);
        for _ in 0..31 {
            l.on_finish(Finish::Success, now);
            fill(&mut l, now);
        }
        assert_eq!(l.window(), 8, "needs 4 x window successes before growing");
        l.on_finish(Finish::Success, now);
        assert_eq!(l.window(), 9);
        for _ in 0..100 {
            l.on_start(now);
            l.on_finish(Finish::RateLimited, now);
        }
        assert_eq!(l.window(), 1, "never below one");
    }

    #[test]
    fn retry_after_at_the_confirmed_level_shrinks_pauses_and_restarts_at_the_reduced_window() {
        let now = Instant::now();
        let mut l = Limiter::new(8, 0);
        for _ in 0..8 {
            l.on_start(now);
        }
        // The server took 6 of our 8 and said "come back in 2 s" to the other two.
        l.on_finish(Finish::RetryAfter(Duration::from_secs(2)), now);
        l.on_finish(Finish::RetryAfter(Duration::from_secs(2)), now);
        for _ in 0..6 {
            l.on_finish(Finish::Success, now);
        }
        assert_eq!(l.window(), 6, "one slot per overshoot");
        assert_eq!(l.available(now), 0, "paused");
        assert_eq!(l.next_ready(now), Some(now + Duration::from_secs(2)));
        let later = now + Duration::from_secs(2);
        assert_eq!(l.available(later), 6, "restarts at the reduced window, not the configured 8");
        // 4 x 6 = 24 successes before growing: the six that were in flight and 18 more.
        for _ in 0..17 {
            fill(&mut l, later);
            l.on_finish(Finish::Success, later);
        }
        assert_eq!(l.window(), 6, "grows back only after 4 x window successes");
        fill(&mut l, later);
        l.on_finish(Finish::Success, later);
        assert_eq!(l.window(), 7);
    }

    #[test]
    fn a_bare_429_shrinks_by_the_overshoot_without_pausing() {
        let now = Instant::now();
        let mut l = Limiter::new(8, 0);
        for _ in 0..8 {
            l.on_start(now);
        }
        for _ in 0..3 {
            l.on_finish(Finish::RateLimited, now);
        }
        assert_eq!(l.window(), 5);
        assert_eq!(l.paused_until(), None);
        for _ in 0..5 {
            l.on_finish(Finish::Success, now);
        }
        assert_eq!(l.available(now), 5, "no pause: the reduced window is free at once");
        assert_eq!(l.rejected(), 3);
    }

    #[test]
    fn a_probes_retry_after_shrinks_the_window_but_does_not_pause_the_server() {
        let now = Instant::now();
        let mut l = Limiter::new(32, 0);
        // Eight at once succeed: the starting window is confirmed; slow start opens a ninth.
        for _ in 0..8 {
            l.on_start(now);
        }
        l.on_finish(Finish::Success, now);
        assert_eq!(l.window(), 9);
        assert_eq!(l.available(now), 2);
        l.on_start(now);
        l.on_start(now);
        l.on_finish(Finish::RetryAfter(Duration::from_secs(1)), now);
        assert_eq!(l.window(), 8, "the probe was one too many");
        assert_eq!(l.paused_until(), None, "the other eight were accepted: no pause");
        // The next rejection is at the confirmed level: the server's capacity shrank.
        l.on_finish(Finish::RetryAfter(Duration::from_secs(1)), now);
        assert_eq!(l.window(), 7);
        assert_eq!(l.paused_until(), Some(now + Duration::from_secs(1)));
    }

    #[test]
    fn failed_probes_space_out_the_next_ones() {
        let now = Instant::now();
        let mut l = Limiter::new(32, 0);
        for _ in 0..8 {
            l.on_start(now);
        }
        l.on_finish(Finish::Success, now);
        l.on_start(now);
        l.on_start(now);
        l.on_finish(Finish::RateLimited, now);
        assert_eq!((l.window(), l.in_flight()), (8, 8), "slow start ended at the first rejection");
        let mut probes_at = Vec::new();
        let mut successes = 0;
        while successes < 200 {
            // The server accepts 8 at once: whatever is started above that is rejected.
            let window = l.window();
            if window > 8 {
                probes_at.push(successes);
                l.on_start(now);
                l.on_finish(Finish::RateLimited, now);
            }
            l.on_finish(Finish::Success, now);
            l.on_start(now);
            successes += 1;
        }
        assert_eq!(probes_at, vec![32, 96], "4 x 8 successes, then twice as many after a failed probe");
    }

    #[test]
    fn the_servers_request_budget_holds_starts_until_it_resets() {
        let now = Instant::now();
        let mut l = Limiter::new(8, 0);
        l.on_rate(report(now, 2, 1000, 0, 0), now);
        assert_eq!(l.available(now), 2);
        l.on_start(now);
        l.on_start(now);
        assert_eq!(l.available(now), 0, "none left: wait instead of collecting a 429");
        assert_eq!(l.next_ready(now), Some(now + Duration::from_secs(1)));
        l.on_finish(Finish::Success, now);
        l.on_rate(report(now, 0, 1000, 0, 5), now + Duration::from_millis(5));
        assert_eq!(l.available(now), 0);
        assert_eq!(l.next_ready(now), Some(now + Duration::from_millis(1005)), "the latest the period can end");
        assert_eq!(l.available(now + Duration::from_millis(1005)), 7, "the budget is gone after its reset");
        assert_eq!(l.window(), 8, "a budget is not congestion: the window stays");
    }

    /// An answer to a request sent at `sent` and read at `read` (ms after `t0`), `reset` ms
    /// before the server's period ends.
    fn report(t0: Instant, remaining: u32, reset: u64, sent: u64, read: u64) -> RateReport {
        let ms = Duration::from_millis;
        RateReport { remaining, reset: ms(reset), sent_at: t0 + ms(sent), read_at: t0 + ms(read) }
    }

    #[test]
    fn answers_read_out_of_order_keep_the_lowest_count_of_their_period() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut l = Limiter::new(4, 0);
        for _ in 0..4 {
            l.on_start(t0);
        }
        // Four requests counted 9, 8, 7, 6 left in the period ending at 1000 ms, read in the
        // order 7, 6, 9, 8 (the log of a loaded machine).
        for (remaining, read) in [(7, 11), (6, 11), (9, 12), (8, 12)] {
            l.on_rate(report(t0, remaining, 1000 - 2, 1, read), t0 + ms(read));
            l.on_finish(Finish::Success, t0 + ms(read));
        }
        assert_eq!(l.available(t0 + ms(12)), 4, "6 are left, not 8 or 9 (the window of 4 is the lower)");
        // A later period replaces the budget, even with a higher count.
        l.on_start(t0 + ms(1001));
        l.on_rate(report(t0, 9, 999, 1001, 1003), t0 + ms(1003));
        l.on_finish(Finish::Success, t0 + ms(1003));
        assert_eq!(l.budget.map(|b| b.remaining), Some(9));
        // An answer from the earlier period read now changes nothing.
        l.on_start(t0 + ms(1004));
        l.on_rate(report(t0, 5, 990, 5, 1004), t0 + ms(1004));
        l.on_finish(Finish::Success, t0 + ms(1004));
        assert_eq!(l.budget.map(|b| b.remaining), Some(8), "one more started; the stale answer (5 left) is ignored");
        // An answer whose reset has passed when it is read leaves the budget as it was.
        l.on_rate(report(t0, 0, 10, 1000, 1500), t0 + ms(2600));
        assert_eq!(l.available(t0 + ms(2600)), 4);
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
    fn a_slot_riding_on_another_kinds_provider_shares_its_cap_and_window() {
        let now = Instant::now();
        let kinds = [("image", "srv".to_string(), 4, 0), ("audio", "srv".to_string(), 3, 0), ("sentence", "srv".to_string(), 3, 0)];
        let mut l = KindLimits::with_riders(&kinds, &[("sentence", "audio")], Duration::from_secs(1));
        assert_eq!(l.window("sentence"), 7, "the rider adds nothing to the server's ceiling (4 + 3)");
        l.on_start("sentence", now);
        l.on_start("sentence", now);
        assert_eq!((l.available("audio", now), l.available("sentence", now)), (1, 1), "word and sentence audio share the 3");
        l.on_start("audio", now);
        assert_eq!((l.available("audio", now), l.available("sentence", now)), (0, 0));
        assert_eq!(l.available("image", now), 4, "pictures keep their own cap");
        l.on_finish("sentence", Finish::Success, now);
        assert_eq!(l.available("audio", now), 1);
        // A slot with its own settings (not a rider) adds its cap, like any kind.
        let own = KindLimits::new(&kinds);
        assert_eq!(own.window("sentence"), 8, "min(4 + 3 + 3, 8): slow start below the ceiling of 10");
    }

    #[test]
    fn limits_of_kinds_on_one_server_add_up_and_each_kinds_cap_holds() {
        let now = Instant::now();
        let mut l = KindLimits::new(&[("image", "srv".to_string(), 4, 0), ("audio", "srv".to_string(), 4, 0)]);
        assert_eq!(l.window("image"), 8, "4 + 4 share a window of 8, not 4");
        for _ in 0..4 {
            l.on_start("image", now);
        }
        assert_eq!(l.available("image", now), 0, "the image cap of 4 holds");
        assert_eq!(l.available("audio", now), 4, "audio gets its own 4 next to the images");
        let mut big = KindLimits::new(&[("image", "srv".to_string(), 32, 0), ("audio", "srv".to_string(), 32, 0)]);
        let mut running: VecDeque<&str> = VecDeque::new();
        let fill_both = |big: &mut KindLimits<&'static str>, running: &mut VecDeque<&'static str>| {
            for kind in ["image", "audio"] {
                while big.available(kind, now) > 0 {
                    big.on_start(kind, now);
                    running.push_back(kind);
                }
            }
        };
        for _ in 0..80 {
            fill_both(&mut big, &mut running);
            let oldest = running.pop_front().expect("running");
            big.on_finish(oldest, Finish::Success, now);
        }
        fill_both(&mut big, &mut running);
        assert_eq!(big.window("audio"), 64, "the ceiling is the sum of the caps");
        let images = running.iter().filter(|k| **k == "image").count();
        assert_eq!((images, running.len() - images), (32, 32), "each kind stays within its own cap");
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
        for _ in 0..6 {
            l.on_start("audio", now);
        }
        l.on_finish("image", Finish::RetryAfter(Duration::from_secs(1)), now);
        assert_eq!(l.window("audio"), 7, "an image's rejection shrinks the window audio uses too");
        for _ in 0..6 {
            l.on_finish("audio", Finish::Success, now);
        }
        assert_eq!(l.available("audio", now), 0, "Retry-After pauses the whole server");
        l.on_rate("audio", RateReport { remaining: 0, reset: Duration::from_secs(5), sent_at: now, read_at: now }, now);
        assert_eq!(l.next_ready("image", now + Duration::from_secs(1)), Some(now + Duration::from_secs(5)), "one budget per server");
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

    /// Runs `jobs` requests of two kinds (alternating) against a server that accepts `cap` at
    /// once and answers the rest with `rejection`, in rounds of one call time each; every round
    /// starts what the limits allow. Returns (rounds, calls, rejected, rounds spent paused).
    fn simulate(l: &mut KindLimits<&'static str>, cap: u32, rejection: Finish, jobs: u32) -> (u32, u32, u32, u32) {
        let call = Duration::from_millis(200);
        let mut now = Instant::now();
        let (mut done, mut calls, mut rejected, mut rounds, mut paused) = (0, 0, 0, 0, 0);
        let mut queued = [jobs / 2, jobs - jobs / 2];
        while done < jobs && rounds < 1000 {
            rounds += 1;
            let mut started: Vec<&str> = Vec::new();
            for (i, kind) in ["image", "audio"].into_iter().enumerate().cycle().take(2 * 64) {
                if queued[i] > 0 && l.available(kind, now) > 0 {
                    l.on_start(kind, now);
                    queued[i] -= 1;
                    started.push(kind);
                }
            }
            if started.is_empty() {
                paused += 1;
            }
            calls += started.len() as u32;
            // Rejections come back at once, successes at the end of the call.
            for (n, kind) in started.iter().enumerate() {
                if n as u32 >= cap {
                    rejected += 1;
                    l.on_finish(kind, rejection, now);
                    queued[usize::from(*kind == "audio")] += 1;
                }
            }
            now += call;
            for kind in started.iter().take(cap as usize) {
                l.on_finish(kind, Finish::Success, now);
                done += 1;
            }
        }
        (rounds, calls, rejected, paused)
    }

    #[test]
    fn cap_unknown_kinds_sharing_a_server_find_its_cap_with_few_rejections_either_429_style() {
        for rejection in [Finish::RateLimited, Finish::RetryAfter(Duration::from_secs(1))] {
            let mut l = KindLimits::new(&[("image", "srv".to_string(), 32, 0), ("audio", "srv".to_string(), 32, 0)]);
            let (rounds, calls, rejected, paused) = simulate(&mut l, 8, rejection, 200);
            assert!(rounds <= 26, "{rejection:?}: {rounds} rounds for 25 rounds of work");
            assert_eq!(paused, 0, "{rejection:?}: only probes were rejected, the server never paused");
            assert!(rejected * 10 < calls, "{rejection:?}: {rejected} of {calls} calls rejected");
            assert_eq!(l.window("image"), 8, "{rejection:?}");
        }
    }

    #[test]
    fn caps_known_four_plus_four_run_eight_at_once_without_a_rejection() {
        let mut l = KindLimits::new(&[("image", "srv".to_string(), 4, 0), ("audio", "srv".to_string(), 4, 0)]);
        let (rounds, calls, rejected, _) = simulate(&mut l, 8, Finish::RetryAfter(Duration::from_secs(1)), 200);
        assert_eq!((rounds, calls, rejected), (25, 200, 0));
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
