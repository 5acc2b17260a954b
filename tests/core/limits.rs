//! Limits and wake-ups end to end: a worker against the real local fake provider finds an
//! unknown concurrency cap with few rejections whatever the 429 looks like, keeps to a rate the
//! server announces in its headers, and starts a batch another process enqueued at once.

use std::time::{Duration, Instant};

use deckmedia_core::events::Event;
use deckmedia_core::{MediaKind, NewWord};
use deckmedia_testkit::Behavior;
use tokio_util::sync::CancellationToken;

use crate::support::*;

const LIMIT: Duration = Duration::from_secs(60);

/// 100 words × image + audio, 32 per kind configured against a server that takes 8 at once.
async fn cap_unknown_batch(retry_after: Option<u64>) {
    let behavior = Behavior { latency: Duration::from_millis(20), max_concurrency: Some(8), overflow_retry_after: retry_after, ..Default::default() };
    let s = setup(behavior, 32).await;
    let deck = deck_with(&s.core, "D", 100);
    s.core.generate(deck, &BOTH, false).unwrap();
    let summary = within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!((summary.done, summary.failed), (200, 0), "{retry_after:?}");
    let st = s.fake.stats();
    assert_eq!(st.accepted, 200, "{retry_after:?}: every job ran once");
    assert!(st.rejected > 0, "{retry_after:?}: the cap was found by trying");
    assert!(st.rejected * 10 < st.requests, "{retry_after:?}: {} of {} calls rejected", st.rejected, st.requests);
    assert_eq!(summary.rate_limited as usize, st.rejected, "{retry_after:?}: every rejection reached the limiter");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cap_unknown_with_bare_429s_completes_with_few_rejections() {
    cap_unknown_batch(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cap_unknown_with_retry_after_completes_with_few_rejections() {
    cap_unknown_batch(Some(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_plus_four_on_one_server_run_eight_at_once() {
    let behavior = Behavior { latency: Duration::from_millis(30), max_concurrency: Some(8), overflow_retry_after: Some(1), ..Default::default() };
    let s = setup(behavior, 4).await;
    let deck = deck_with(&s.core, "D", 40);
    s.core.generate(deck, &BOTH, false).unwrap();
    let summary = within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(summary.done, 80);
    let st = s.fake.stats();
    assert_eq!(st.rejected, 0);
    assert_eq!(st.peak_in_flight, 8, "the kinds' caps add up on their shared server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_announced_in_headers_is_kept_before_any_429() {
    let behavior = Behavior { latency: Duration::from_millis(5), per_second: Some(10), rate_headers: true, ..Default::default() };
    let s = setup(behavior, 4).await;
    let deck = deck_with(&s.core, "D", 30);
    s.core.generate(deck, &[MediaKind::Audio], false).unwrap();
    let summary = within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(summary.done, 30);
    let st = s.fake.stats();
    // Only the first window's burst can overshoot: the first answers are still on their way.
    assert!(st.rejected <= 2, "{} of {} calls rejected", st.rejected, st.requests);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_enqueued_by_another_process_starts_at_once_not_at_the_next_poll() {
    let s = setup(Behavior::default(), 2).await;
    let mut rx = s.core.subscribe();
    let stop = CancellationToken::new();
    let worker = tokio::spawn(s.core.worker().unwrap().run(stop.clone()));
    // The worker has started and gone to sleep.
    wait_event(&mut rx, Duration::from_secs(10), |e| matches!(e, Event::QueueState { .. }).then_some(())).await;
    // A second Core on the same dir shares no Notify with the worker: only the wake-up socket
    // (or, without it, the 500 ms data-version poll) tells the worker.
    let other = s.reopen();
    for round in 1..=3 {
        // A word no earlier round made: media made before would be reused, with no request.
        let deck = other.create_deck(&format!("Other {round}"), "en").unwrap().id;
        other.add_words(deck, &[NewWord { text: format!("other{round}"), ..Default::default() }]).unwrap();
        let t0 = Instant::now();
        other.generate(deck, &[MediaKind::Audio], false).unwrap();
        within(Duration::from_secs(5), s.fake.wait_for_requests(round)).await;
        let picked_up = t0.elapsed();
        assert!(picked_up < Duration::from_millis(150), "round {round}: picked up in {picked_up:?}");
    }
    stop.cancel();
    within(LIMIT, worker).await.unwrap().unwrap();
}
