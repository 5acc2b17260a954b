//! Network providers that cannot be reached: their jobs wait for the network without spending
//! attempts, resume by themselves, and offline providers keep working meanwhile.

use std::time::Duration;

use deckmedia_core::config::Config;
use deckmedia_core::events::Event;
use deckmedia_core::JobOutcome;
use deckmedia_core::{BatchStatus, Core, MediaKind};
use deckmedia_testkit::{Behavior, FakeProvider};
use tokio_util::sync::CancellationToken;

use crate::support::*;

const LIMIT: Duration = Duration::from_secs(30);

/// Pictures offline (word cards), speech from a server at `addr`.
fn config(addr: std::net::SocketAddr) -> Config {
    let mut c = Config::default();
    c.audio.provider = deckmedia_core::ProviderKind::OpenAi;
    c.audio.base_url = format!("http://{addr}/v1");
    c.queue.backoff_base_ms = 20;
    c.queue.backoff_max_ms = 200;
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_wait_for_the_network_and_resume_when_it_returns() {
    let addr = FakeProvider::free_port();
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), config(addr)).unwrap();
    let deck = deck_with(&core, "D", 5);
    let batch = core.generate(deck, &BOTH, false).unwrap();
    let mut rx = core.subscribe();
    let stop = CancellationToken::new();
    let worker = tokio::spawn(core.worker().unwrap().run(stop.clone()));

    wait_event(&mut rx, LIMIT, |e| matches!(e, Event::QueueState { waiting_for_network: true, .. }).then_some(())).await;
    // The offline pictures are all made while speech waits.
    let mut pictures = 0;
    while pictures < 5 {
        wait_event(&mut rx, LIMIT, |e| matches!(e, Event::JobFinished { kind: MediaKind::Image, outcome: JobOutcome::Done, .. }).then_some(())).await;
        pictures += 1;
    }
    let w = core.media_of_deck(deck).unwrap().remove(0);
    assert_eq!(w.image.status, deckmedia_core::MediaStatus::Done);
    assert!(matches!(w.audio.status.as_str(), "queued" | "running"), "{:?}", w.audio);
    assert_eq!(query_i64(dir.path(), "SELECT COALESCE(SUM(attempts), 0) FROM jobs WHERE kind = 'audio'"), 0, "no attempt spent");
    assert_eq!(query_i64(dir.path(), "SELECT COUNT(*) FROM jobs WHERE kind = 'audio' AND status = 'failed'"), 0);

    // The server comes back on the same address: the next probe finds it.
    let fake = FakeProvider::start_at(addr, Behavior::default()).await;
    wait_event(&mut rx, LIMIT, |e| match e {
        Event::BatchFinished { batch_id, status, .. } if *batch_id == batch.id => Some(*status),
        _ => None,
    })
    .await;
    assert_eq!(fake.stats().audio, 5);
    stop.cancel();
    within(LIMIT, worker).await.unwrap().unwrap();
    let b = core.batch(batch.id).unwrap();
    assert_eq!((b.status, b.completed_words), (BatchStatus::Completed, 5));
    assert_eq!(query_i64(dir.path(), "SELECT MAX(attempts) FROM jobs WHERE kind = 'audio'"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_shot_run_stops_instead_of_waiting_for_the_network() {
    let addr = FakeProvider::free_port();
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), config(addr)).unwrap();
    let deck = deck_with(&core, "D", 3);
    let batch = core.generate(deck, &[MediaKind::Audio], false).unwrap();
    let summary = within(LIMIT, core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!((summary.done, summary.failed), (0, 0));
    let b = core.batch(batch.id).unwrap();
    assert_eq!(b.status, BatchStatus::Processing, "still queued for the next run");
    let w = core.media_of_deck(deck).unwrap().remove(0);
    assert!(w.audio.error.as_deref().unwrap_or("").contains("waiting for the network"), "{:?}", w.audio);
}
