//! The worker's clocks. Monotonic time is tokio's (`tokio::time::Instant`), so tests can run the
//! worker on paused time (`#[tokio::test(start_paused = true)]`) and its backoffs, provider pauses
//! and progress coalescing pass in no real time. The database keeps wall-clock milliseconds
//! (`next_run_at`); [`WallClock`] derives them from the same tokio clock, so a retry due in five
//! virtual seconds is due in five virtual seconds in SQL too.

use tokio::time::Instant;

/// Wall-clock milliseconds that advance with tokio's clock.
#[derive(Debug, Clone, Copy)]
pub struct WallClock {
    wall_at_start: i64,
    start: Instant,
}

impl WallClock {
    /// A clock reading the system time now.
    pub fn start() -> WallClock {
        WallClock { wall_at_start: crate::store::now_ms(), start: Instant::now() }
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        self.wall_at_start + self.start.elapsed().as_millis() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn wall_time_follows_paused_tokio_time() {
        let clock = WallClock::start();
        let t0 = clock.now_ms();
        tokio::time::sleep(Duration::from_secs(90)).await;
        assert_eq!(clock.now_ms() - t0, 90_000);
    }
}
