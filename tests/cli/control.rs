//! Controlling a running queue from other processes: pause and resume, cancel, and the one
//! worker per data dir rule.

use std::time::{Duration, Instant};

use deckmedia_testkit::Behavior;

use crate::support::{assert_all_done, env, signal, wait_output, words};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_resume_from_another_process() {
    let env = env(Behavior::default()).await;
    let id = env.deck_with_batch("Paused", &words("pause", 6)).await;

    let out = env.run(&["pause"]).await.ok();
    assert!(out.stdout.contains("paused"), "{}", out.stdout);
    let started = Instant::now();
    env.run(&["worker", "--until-idle"]).await.ok();
    assert!(started.elapsed() < Duration::from_secs(10), "a paused queue is idle at once: took {:?}", started.elapsed());
    assert_eq!(env.fake.stats().requests, 0, "a paused queue makes no request");

    assert_eq!(env.status(id).await["status"], "paused");
    let text = env.run(&["status"]).await.ok();
    assert!(text.stdout.contains("paused"), "{}", text.stdout);
    let media = env.media("Paused").await;
    assert!(media.iter().all(|m| m["image"]["status"] == "queued" && m["audio"]["status"] == "queued"), "{media:?}");

    env.run(&["resume"]).await.ok();
    assert_ne!(env.status(id).await["status"], "paused");
    env.run(&["worker", "--until-idle"]).await.ok();
    let status = env.status(id).await;
    assert_eq!(status["status"], "completed", "{status}");
    assert_eq!(status["completed_words"], 6, "{status}");
    assert_all_done(&env.data_dir(), &env.media("Paused").await);
    assert_eq!(env.fake.stats().requests, 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_from_another_process_stops_the_worker_calls() {
    let env = env(Behavior { hold: true, ..Default::default() }).await;
    let id = env.deck_with_batch("Cancel", &words("cancel", 20)).await;
    let worker = env.spawn(&["worker"]);

    // Both providers are the same server, which gets 4 image + 4 audio requests at once (set in
    // support::Env::command), and held requests never finish, so once 8 are in flight the worker
    // claims nothing more until something changes: the request count is stable from here on.
    env.wait_for("8 held requests", |s| s.in_flight >= 8).await;
    let out = env.run(&["cancel", &id.to_string()]).await.ok();
    assert!(out.stdout.contains("cancelled"), "{}", out.stdout);
    let at_cancel = env.fake.stats().requests;
    assert_eq!(at_cancel, 8, "{:?}", env.fake.stats());

    // The worker sees the other process's change (the wake-up socket, or its 0.5 s poll) and
    // aborts the calls.
    if tokio::time::timeout(Duration::from_secs(5), env.fake.wait_for_stats(|s| s.in_flight == 0)).await.is_err() {
        panic!("the worker did not abort its held requests within 5 s: {:?}", env.fake.stats());
    }
    let status = env.status(id).await;
    assert_eq!(status["status"], "cancelled", "{status}");
    assert_eq!(status["completed_words"], 0, "{status}");

    // Released now, the requests would answer; the worker must not ask for anything else.
    env.fake.release_held();
    signal(&worker, libc::SIGTERM);
    let out = wait_output(worker).await;
    assert!(out.status.success(), "the worker stops cleanly on SIGTERM: {out:?}");
    assert_eq!(env.fake.stats().requests, at_cancel, "requests after the cancel: {:?}", env.fake.stats());
    let status = env.status(id).await;
    assert_eq!(status["status"], "cancelled", "{status}");
    let media = env.media("Cancel").await;
    assert!(media.iter().all(|m| m["image"]["path"].is_null() && m["audio"]["path"].is_null()), "no media after a cancel: {media:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_worker_on_the_same_data_dir_is_refused() {
    let env = env(Behavior { hold: true, ..Default::default() }).await;
    let id = env.deck_with_batch("Busy", &words("busy", 3)).await;
    // --until-idle: once released, the first worker finishes the batch and exits by itself.
    let first = env.spawn(&["worker", "--until-idle"]);
    env.wait_for("the first worker's requests", |s| s.in_flight >= 1).await;

    let second = env.run(&["worker"]).await;
    let line = second.clean_failure();
    assert!(line.contains("another") && line.contains("worker") && line.contains("running"), "{line}");
    let second = env.run(&["worker", "--until-idle"]).await;
    second.clean_failure();

    // The first one is unharmed.
    env.fake.set_behavior(Behavior::default());
    env.fake.release_held();
    let out = wait_output(first).await;
    assert!(out.status.success(), "{out:?}");
    let status = env.status(id).await;
    assert_eq!(status["status"], "completed", "{status}\nfirst worker: {}", out.stderr);
    assert_eq!(env.fake.stats().requests, 6, "{:?}", env.fake.stats());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_why_the_queue_needs_attention_until_a_worker_works_again() {
    let env = env(Behavior::default()).await;
    env.deck_with_batch("Attention", &words("att", 2)).await;
    // What a worker in another process records when the media folder is full.
    std::fs::write(env.data_dir().join("attention.json"), r#"{"reason":"Disk full: free space in /data/media","since_ms":1}"#).unwrap();
    let text = env.run(&["status"]).await.ok();
    assert!(text.stdout.contains("needs attention: Disk full: free space in /data/media"), "{}", text.stdout);

    // A worker that starts and works clears it.
    env.run(&["worker", "--until-idle"]).await.ok();
    let text = env.run(&["status"]).await.ok();
    assert!(!text.stdout.contains("needs attention"), "{}", text.stdout);
}
