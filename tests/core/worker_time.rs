//! The worker's timing on tokio's paused clock: backoff, `Retry-After` and progress coalescing
//! are asserted in virtual time, so these tests wait for nothing in real time.

use std::time::Duration;

use deckmedia_core::config::Config;
use deckmedia_core::events::Event;
use deckmedia_core::providers::ProviderError;
use deckmedia_core::{BatchStatus, MediaKind};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::scripted::Scripted;
use crate::support::*;

/// Virtual time a test may take before it counts as hung.
const LIMIT: Duration = Duration::from_secs(3600);
/// Real time a paused-clock test may take.
const REAL: Duration = Duration::from_secs(10);

fn config(backoff_base_ms: u64, backoff_max_ms: u64) -> Config {
    let mut c = Config::default();
    c.queue.backoff_base_ms = backoff_base_ms;
    c.queue.backoff_max_ms = backoff_max_ms;
    c
}

#[tokio::test(start_paused = true)]
async fn retries_wait_out_their_backoff_on_paused_time() {
    let real = std::time::Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let pair = Scripted::pair(Duration::from_millis(50));
    pair.1.fail("word0001", vec![ProviderError::retryable("busy"), ProviderError::retryable("busy")]);
    let core = Scripted::core(dir.path(), config(2_000, 60_000), pair.clone(), 2);
    let deck = deck_with(&core, "D", 3);
    core.generate(deck, &[MediaKind::Audio], false).unwrap();
    let summary = within(LIMIT, core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!((summary.done, summary.retried, summary.failed), (3, 2, 0));
    let at: Vec<Instant> = pair.1.calls().iter().filter(|c| c.word == "word0001").map(|c| c.at).collect();
    assert_eq!(at.len(), 3, "two failures and a success");
    // Equal jitter: attempt 1 waits 1–2 s, attempt 2 waits 2–4 s (after the 50 ms call).
    let (first, second) = (at[1] - at[0], at[2] - at[1]);
    assert!(first >= Duration::from_millis(1_050) && first <= Duration::from_millis(2_200), "first backoff {first:?}");
    assert!(second >= Duration::from_millis(2_050) && second <= Duration::from_millis(4_200), "second backoff {second:?}");
    assert_eq!(query_i64(dir.path(), "SELECT attempts FROM jobs j JOIN words w ON w.id = j.word_id WHERE w.text = 'word0001'"), 3);
    assert!(real.elapsed() < REAL, "virtual time: took {:?} of real time", real.elapsed());
}

#[tokio::test(start_paused = true)]
async fn retry_after_pauses_the_whole_provider() {
    let real = std::time::Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let pair = Scripted::pair(Duration::from_millis(10));
    let limited = ProviderError::Retryable { message: "429".into(), retry_after: Some(Duration::from_secs(30)), rate_limited: true };
    pair.0.fail("word0001", vec![limited]);
    let core = Scripted::core(dir.path(), config(20, 200), pair.clone(), 1);
    let deck = deck_with(&core, "D", 4);
    core.generate(deck, &[MediaKind::Image], false).unwrap();
    let summary = within(LIMIT, core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!((summary.done, summary.rate_limited), (4, 1));
    let calls = pair.0.calls();
    assert_eq!(calls.len(), 5, "four words and one repeat");
    let i = calls.iter().position(|c| c.word == "word0001").unwrap();
    let gap = calls[i + 1].at - calls[i].at;
    assert!(gap >= Duration::from_secs(30), "the next call of any word waited for Retry-After (gap {gap:?})");
    assert!(gap < Duration::from_secs(32), "and not much longer (gap {gap:?})");
    assert!(real.elapsed() < REAL, "virtual time: took {:?} of real time", real.elapsed());
}

#[tokio::test(start_paused = true)]
async fn progress_events_are_coalesced_and_the_finish_is_always_sent() {
    let dir = tempfile::tempdir().unwrap();
    let pair = Scripted::pair(Duration::from_millis(10));
    let core = Scripted::core(dir.path(), config(20, 200), pair.clone(), 8);
    let deck = deck_with(&core, "D", 300);
    let mut rx = core.subscribe();
    let batch = core.generate(deck, &BOTH, false).unwrap();
    let t0 = Instant::now();
    within(LIMIT, core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    let elapsed = t0.elapsed();
    assert!(elapsed >= Duration::from_millis(300 * 10 / 8), "the calls took virtual time ({elapsed:?})");
    let (mut progress, mut finished, mut last) = (0, 0, None);
    while let Ok(e) = rx.try_recv() {
        match e {
            Event::BatchProgress { batch_id, completed, total, .. } if batch_id == batch.id => {
                progress += 1;
                last = Some((completed, total));
            }
            Event::BatchFinished { batch_id, status, completed, .. } if batch_id == batch.id => {
                finished += 1;
                assert_eq!((status, completed), (BatchStatus::Completed, 300));
            }
            _ => {}
        }
    }
    assert_eq!(finished, 1);
    assert_eq!(last, Some((300, 300)), "the final count is sent");
    let allowed = 3 + (elapsed.as_secs_f64() * 10.0).ceil() as usize;
    assert!(progress >= 2, "progress during the run, not only at the end ({progress})");
    assert!(progress <= allowed, "{progress} progress events in {elapsed:?} (allowed {allowed})");
}
