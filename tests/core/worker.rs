//! The worker against a real local fake provider: batches complete, limits hold, faults are
//! retried or fail only their word, cancel/pause/resume work, restarts lose nothing.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use deckmedia_core::events::Event;
use deckmedia_core::JobOutcome;
use deckmedia_core::{BatchStatus, MediaKind};
use deckmedia_testkit::{is_valid_mp3, is_valid_png, Behavior, Fault, FaultAction};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::support::*;

const LIMIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_word_batch_makes_two_hundred_valid_files_within_the_concurrency_cap() {
    let s = setup(Behavior { latency: Duration::from_millis(15), ..Default::default() }, 4).await;
    let deck = deck_with(&s.core, "Nouns", 100);
    let batch = s.core.generate(deck, &BOTH, false).unwrap();
    assert_eq!(batch.status, BatchStatus::Pending);
    assert_eq!(batch.total_words, 100);

    let summary = within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(summary.done, 200);

    let b = s.core.batch(batch.id).unwrap();
    assert_eq!((b.status, b.completed_words, b.failed_words, b.progress), (BatchStatus::Completed, 100, 0, 100));
    let stats = s.fake.stats();
    assert_eq!((stats.images, stats.audio), (100, 100));
    assert!(stats.peak_in_flight <= 8, "one server, image 4 + audio 4: 8 at once at most, saw {}", stats.peak_in_flight);
    assert!(stats.peak_in_flight >= 8, "work ran in parallel (peak {})", stats.peak_in_flight);

    let media = s.core.media_of_deck(deck).unwrap();
    let mut files = HashSet::new();
    for w in &media {
        for (m, valid) in [(&w.image, is_valid_png as fn(&[u8]) -> bool), (&w.audio, is_valid_mp3)] {
            assert_eq!(m.status, deckmedia_core::MediaStatus::Done, "{}", w.text);
            let path = std::path::PathBuf::from(m.path.as_ref().unwrap());
            assert!(path.starts_with(s.dir.path().canonicalize().unwrap().join("media")));
            let bytes = std::fs::read(&path).unwrap();
            assert!(valid(&bytes), "{} is not valid media", path.display());
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            assert_eq!(stem, hex::encode(Sha256::digest(&bytes)), "file named by its content");
            files.insert(path);
        }
    }
    assert_eq!(files.len(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_are_retried_until_they_succeed() {
    let faults = vec![
        Fault::times("word0001", FaultAction::Status(500), 2),
        Fault::times("word0002", FaultAction::Status(503), 1),
        Fault::times("word0003", FaultAction::Status(502), 1),
    ];
    let s = setup(Behavior { faults, ..Default::default() }, 2).await;
    let deck = deck_with(&s.core, "D", 5);
    let batch = s.core.generate(deck, &[MediaKind::Audio], false).unwrap();
    let summary = within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!((summary.done, summary.failed, summary.retried), (5, 0, 4));
    let b = s.core.batch(batch.id).unwrap();
    assert_eq!((b.status, b.completed_words), (BatchStatus::Completed, 5));
    let attempts = query_i64(s.dir.path(), "SELECT attempts FROM jobs j JOIN words w ON w.id = j.word_id WHERE w.text = 'word0001'");
    assert_eq!(attempts, 3, "two failures and a success");
    let asked = s.fake.requests().iter().filter(|r| r.word == "word0001").count();
    assert_eq!(asked, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_error_fails_only_that_word_and_retry_brings_it_back() {
    let s = setup(Behavior { faults: vec![Fault::always("word0002", FaultAction::Status(400))], ..Default::default() }, 2).await;
    let deck = deck_with(&s.core, "D", 6);
    let batch = s.core.generate(deck, &BOTH, false).unwrap();
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    let b = s.core.batch(batch.id).unwrap();
    assert_eq!((b.status, b.completed_words, b.failed_words, b.failed_jobs), (BatchStatus::Completed, 5, 1, 2));
    let asked = s.fake.requests().iter().filter(|r| r.word.contains("word0002")).count();
    assert_eq!(asked, 2, "a 400 is not retried: one call per kind");
    let w = s.core.media_of_deck(deck).unwrap().into_iter().find(|w| w.text == "word0002").unwrap();
    assert_eq!(w.image.status, deckmedia_core::MediaStatus::Failed);
    assert!(w.image.error.as_deref().unwrap_or("").contains("400"), "{:?}", w.image.error);

    s.fake.set_behavior(Behavior::default());
    let again = s.core.retry(batch.id).unwrap();
    assert_eq!(again.status, BatchStatus::Processing);
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    let b = s.core.batch(batch.id).unwrap();
    assert_eq!((b.status, b.completed_words, b.failed_words), (BatchStatus::Completed, 6, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_answers_nonsense_fails_the_word_with_a_clear_error() {
    let s = setup(Behavior { faults: vec![Fault::always("word0000", FaultAction::Garbage)], ..Default::default() }, 2).await;
    let deck = deck_with(&s.core, "D", 2);
    s.core.generate(deck, &BOTH, false).unwrap();
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    let w = s.core.media_of_deck(deck).unwrap().into_iter().find(|w| w.text == "word0000").unwrap();
    for m in [&w.image, &w.audio] {
        assert_eq!(m.status, deckmedia_core::MediaStatus::Failed);
        assert!(m.path.is_none(), "no file for nonsense");
        assert!(m.error.as_deref().unwrap_or("").contains("not"), "{:?}", m.error);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_without_retry_after_shrink_the_window_to_what_the_provider_takes() {
    let s = setup(Behavior { latency: Duration::from_millis(20), max_concurrency: Some(3), ..Default::default() }, 16).await;
    let deck = deck_with(&s.core, "D", 60);
    let batch = s.core.generate(deck, &[MediaKind::Audio], false).unwrap();
    let summary = within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(summary.done, 60);
    assert_eq!(s.core.batch(batch.id).unwrap().status, BatchStatus::Completed);
    let st = s.fake.stats();
    assert!(st.rejected > 0, "the limit was found by trying");
    assert!(st.rejected * 5 < st.requests, "few calls rejected: {} of {}", st.rejected, st.requests);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_settles_within_a_second_and_aborts_requests_in_flight() {
    let s = setup(Behavior { hold: true, ..Default::default() }, 3).await;
    let deck = deck_with(&s.core, "D", 20);
    let batch = s.core.generate(deck, &BOTH, false).unwrap();
    let mut rx = s.core.subscribe();
    let stop = CancellationToken::new();
    let worker = tokio::spawn(s.core.worker().unwrap().run(stop.clone()));
    // Images and speech come from one server: they share its window of 3 + 3.
    within(LIMIT, s.fake.wait_for_in_flight(6)).await;
    let asked = s.fake.stats().requests;

    let t0 = Instant::now();
    let b = s.core.cancel(batch.id).unwrap();
    assert_eq!(b.status, BatchStatus::Cancelled);
    wait_event(&mut rx, Duration::from_secs(1), |e| match e {
        Event::BatchFinished { batch_id, status, .. } if *batch_id == batch.id => Some(*status),
        _ => None,
    })
    .await;
    within(Duration::from_secs(1), s.fake.wait_for_stats(|st| st.in_flight == 0)).await;
    assert!(t0.elapsed() < Duration::from_secs(1), "settled and aborted in {:?}", t0.elapsed());

    s.fake.release_held();
    stop.cancel();
    within(LIMIT, worker).await.unwrap().unwrap();
    assert_eq!(s.fake.stats().requests, asked, "no provider call after cancel");
    let b = s.core.batch(batch.id).unwrap();
    assert_eq!((b.status, b.cancelled_words, b.completed_words), (BatchStatus::Cancelled, 20, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_stops_claiming_while_jobs_in_flight_finish_and_resume_goes_on() {
    // One per kind: two at once on their shared server.
    let s = setup(Behavior { hold: true, ..Default::default() }, 1).await;
    let deck = deck_with(&s.core, "D", 10);
    let batch = s.core.generate(deck, &BOTH, false).unwrap();
    let mut rx = s.core.subscribe();
    let stop = CancellationToken::new();
    let worker = tokio::spawn(s.core.worker().unwrap().run(stop.clone()));
    within(LIMIT, s.fake.wait_for_in_flight(2)).await;
    s.core.pause_all(true).unwrap();
    assert_eq!(s.core.batch(batch.id).unwrap().status, BatchStatus::Paused);
    s.fake.release_held();
    // The two in flight finish...
    let mut done = 0;
    while done < 2 {
        wait_event(&mut rx, LIMIT, |e| matches!(e, Event::JobFinished { outcome: JobOutcome::Done, .. }).then_some(())).await;
        done += 1;
    }
    stop.cancel();
    within(LIMIT, worker).await.unwrap().unwrap();
    // ...and nothing else started.
    assert_eq!(s.fake.stats().requests, 2);
    assert_eq!(query_i64(s.dir.path(), "SELECT COUNT(*) FROM jobs WHERE status = 'done'"), 2);

    s.core.pause_all(false).unwrap();
    s.fake.set_behavior(Behavior::default());
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    let b = s.core.batch(batch.id).unwrap();
    assert_eq!((b.status, b.completed_words), (BatchStatus::Completed, 10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_queue_runs_nothing_until_resumed() {
    let s = setup(Behavior::default(), 2).await;
    let deck = deck_with(&s.core, "D", 3);
    s.core.pause_all(true).unwrap();
    let batch = s.core.generate(deck, &BOTH, false).unwrap();
    assert_eq!(batch.status, BatchStatus::Paused);
    let summary = within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(summary.done, 0);
    assert_eq!(s.fake.stats().requests, 0);
    s.core.pause_all(false).unwrap();
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(s.core.batch(batch.id).unwrap().status, BatchStatus::Completed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_mid_batch_and_reopening_loses_nothing_and_counts_no_attempt() {
    let s = setup(Behavior { hold: true, ..Default::default() }, 3).await;
    let deck = deck_with(&s.core, "D", 12);
    let batch = s.core.generate(deck, &BOTH, false).unwrap();
    let stop = CancellationToken::new();
    let worker = tokio::spawn(s.core.worker().unwrap().run(stop.clone()));
    within(LIMIT, s.fake.wait_for_in_flight(6)).await;
    stop.cancel();
    let summary = within(LIMIT, worker).await.unwrap().unwrap();
    assert_eq!(summary.requeued, 6, "jobs in flight (3 + 3) went back to the queue");
    assert_eq!(query_i64(s.dir.path(), "SELECT COUNT(*) FROM jobs WHERE status = 'queued'"), 24);
    assert_eq!(query_i64(s.dir.path(), "SELECT COALESCE(SUM(attempts), 0) FROM jobs"), 0);
    let Setup { dir, core, fake } = s;
    drop(core);

    fake.set_behavior(Behavior::default());
    let core = deckmedia_core::Core::open_with_config(dir.path(), config_for(&fake, 4)).unwrap();
    within(LIMIT, core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    let b = core.batch(batch.id).unwrap();
    assert_eq!((b.status, b.completed_words), (BatchStatus::Completed, 12));
    assert_eq!(query_i64(dir.path(), "SELECT MAX(attempts) FROM jobs"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_left_running_by_a_dead_process_go_back_to_the_queue() {
    let s = setup(Behavior::default(), 2).await;
    let deck = deck_with(&s.core, "D", 3);
    let batch = s.core.generate(deck, &[MediaKind::Audio], false).unwrap();
    {
        // A process that claimed and died: jobs stay 'running' under its lease.
        let mut conn = rusqlite::Connection::open(s.dir.path().join("deckmedia.sqlite3")).unwrap();
        let claimed = deckmedia_core::queue::claim(&mut conn, deckmedia_core::queue::Lane { kind: MediaKind::Audio, settings_key: "k", provider: "openai", alternatives: &[], picked_room: &[] }, "dead-lease", 10, i64::MAX / 2).unwrap();
        assert_eq!(claimed.len(), 3);
    }
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    let b = s.core.batch(batch.id).unwrap();
    assert_eq!((b.status, b.completed_words), (BatchStatus::Completed, 3));
    assert_eq!(query_i64(s.dir.path(), "SELECT MAX(attempts) FROM jobs"), 1, "the dead claim was not an attempt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_one_worker_runs_per_data_dir() {
    let s = setup(Behavior::default(), 2).await;
    let first = s.core.worker().unwrap();
    let other = s.reopen();
    let err = other.worker().unwrap_err();
    assert_eq!(err.code(), deckmedia_core::error::ErrorCode::WorkerLocked);
    drop(first);
    assert!(other.worker().is_ok(), "the lock is released with the worker");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_enqueues_and_the_running_worker_picks_it_up() {
    let s = setup(Behavior::default(), 2).await;
    let mut rx = s.core.subscribe();
    let stop = CancellationToken::new();
    let worker = tokio::spawn(s.core.worker().unwrap().run(stop.clone()));
    // A second Core on the same dir has its own connection and no way to wake this worker
    // except through the database.
    let other = s.reopen();
    let deck = deck_with(&other, "Other", 3);
    let t0 = Instant::now();
    let batch = other.generate(deck, &[MediaKind::Audio], false).unwrap();
    wait_event(&mut rx, Duration::from_secs(5), |e| match e {
        Event::BatchFinished { batch_id, .. } if *batch_id == batch.id => Some(()),
        _ => None,
    })
    .await;
    assert!(t0.elapsed() < Duration::from_secs(2), "picked up in {:?}", t0.elapsed());
    stop.cancel();
    within(LIMIT, worker).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn existing_media_is_reused_and_shared_across_decks_unless_forced() {
    let s = setup(Behavior::default(), 4).await;
    let a = deck_with(&s.core, "A", 5);
    s.core.generate(a, &BOTH, false).unwrap();
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(s.fake.stats().requests, 10);

    let again = s.core.generate(a, &BOTH, false).unwrap();
    assert_eq!((again.status, again.reused_jobs, again.completed_words), (BatchStatus::Completed, 10, 5));

    let b = deck_with(&s.core, "B", 5);
    let shared = s.core.generate(b, &BOTH, false).unwrap();
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(s.fake.stats().requests, 10, "same words in another deck: no provider call");
    let sb = s.core.batch(shared.id).unwrap();
    assert_eq!((sb.status, sb.reused_jobs), (BatchStatus::Completed, 10));
    let pa = s.core.media_of_deck(a).unwrap();
    let pb = s.core.media_of_deck(b).unwrap();
    assert_eq!(pa[0].image.path, pb[0].image.path, "one shared file");

    s.core.generate(a, &BOTH, true).unwrap();
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(s.fake.stats().requests, 20, "--force calls the provider again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_a_word_while_its_job_runs_keeps_the_old_text_and_marks_media_stale() {
    let s = setup(Behavior { hold: true, ..Default::default() }, 1).await;
    let deck = deck_with(&s.core, "D", 1);
    s.core.generate(deck, &[MediaKind::Audio], false).unwrap();
    let mut rx = s.core.subscribe();
    let stop = CancellationToken::new();
    let worker = tokio::spawn(s.core.worker().unwrap().run(stop.clone()));
    within(LIMIT, s.fake.wait_for_in_flight(1)).await;
    let word = s.core.words(deck).unwrap().remove(0);
    s.core.update_word(word.id, "edited", None).unwrap();
    s.fake.release_held();
    wait_event(&mut rx, LIMIT, |e| matches!(e, Event::JobFinished { outcome: JobOutcome::Done, .. }).then_some(())).await;
    stop.cancel();
    within(LIMIT, worker).await.unwrap().unwrap();
    assert_eq!(s.fake.requests()[0].word, "word0000");
    let m = s.core.media_of_deck(deck).unwrap().remove(0);
    assert_eq!(m.text, "edited");
    assert_eq!(m.audio.status, deckmedia_core::MediaStatus::Done);
    assert!(m.audio.stale, "made from the old text");
    // Generating again makes it fresh.
    s.fake.set_behavior(Behavior::default());
    s.core.generate(deck, &[MediaKind::Audio], false).unwrap();
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    assert!(!s.core.media_of_deck(deck).unwrap()[0].audio.stale);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_word_generated_now_jumps_the_queue() {
    let s = setup(Behavior::default(), 1).await;
    let deck = deck_with(&s.core, "D", 30);
    s.core.generate(deck, &[MediaKind::Audio], false).unwrap();
    let words = s.core.words(deck).unwrap();
    // Queued already: its job moves to the front of its batch.
    s.core.generate_word_now(words[29].id, &[MediaKind::Audio]).unwrap();
    // Not queued: a fresh one-word batch that still goes first.
    s.core.generate_word_now(words[1].id, &[MediaKind::Image]).unwrap();
    within(LIMIT, s.core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
    let reqs = s.fake.requests();
    let audio: Vec<&str> = reqs.iter().filter(|r| r.path.ends_with("/speech")).map(|r| r.word.as_str()).collect();
    assert_eq!(audio.len(), 30);
    assert_eq!(audio[0], "word0029");
    let images: Vec<&str> = reqs.iter().filter(|r| r.path.ends_with("/generations")).map(|r| r.word.as_str()).collect();
    assert_eq!(images.len(), 1);
    assert!(images[0].contains("word0001"));
}
