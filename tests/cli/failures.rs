//! Provider failures: a word the provider refuses, or answers with nonsense, fails alone and
//! with a clear message; `retry` brings it back.

use deckmedia_testkit::{Behavior, Fault, FaultAction};

use crate::support::{assert_all_done, check_media_file, env, state, API_KEY};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permanent_provider_error_fails_only_that_word() {
    let env = env(Behavior { faults: vec![Fault::always("zebra", FaultAction::Status(400))], ..Default::default() }).await;
    let words: Vec<String> = ["apple", "zebra", "pear", "plum"].map(String::from).to_vec();
    let id = env.deck_with_batch("Fruit", &words).await;

    let out = env.run(&["worker", "--until-idle"]).await.ok();
    assert!(out.stderr.contains("2 failed"), "the worker reports the failures: {}", out.stderr);

    let status = env.status(id).await;
    assert_eq!(status["status"], "completed", "{status}");
    assert_eq!(status["failed_words"], 1, "{status}");
    assert_eq!(status["completed_words"], 3, "{status}");
    assert_eq!(status["progress"], 100, "{status}");

    let media = env.media("Fruit").await;
    for kind in ["image", "audio"] {
        let zebra = state(&media, "zebra", kind);
        assert_eq!(zebra["status"], "failed", "{zebra}");
        let error = zebra["error"].as_str().unwrap_or_else(|| panic!("no error message: {zebra}"));
        assert!(!error.trim().is_empty(), "{zebra}");
        assert!(error.contains("400") || error.contains("fault status"), "the message says what the provider said: {error}");
        assert!(!error.contains(API_KEY));
        assert!(zebra["path"].is_null(), "a failed word has no file: {zebra}");
    }
    for w in ["apple", "pear", "plum"] {
        check_media_file(&env.data_dir(), state(&media, w, "image"), "image");
        check_media_file(&env.data_dir(), state(&media, w, "audio"), "audio");
    }
    // A 400 is not retried: exactly one request per word and kind.
    assert_eq!(env.fake.stats().requests, 8, "{:?}", env.fake.stats());

    // The provider is fixed; retry the batch.
    env.fake.set_behavior(Behavior::default());
    let retried = env.run(&["retry", &id.to_string()]).await.ok();
    assert!(retried.stdout.contains(&format!("batch {id}")), "{}", retried.stdout);
    env.run(&["worker", "--until-idle"]).await.ok();
    let status = env.status(id).await;
    assert_eq!(status["status"], "completed", "{status}");
    assert_eq!(status["failed_words"], 0, "{status}");
    assert_eq!(status["completed_words"], 4, "{status}");
    assert_all_done(&env.data_dir(), &env.media("Fruit").await);
    assert_eq!(env.fake.stats().requests, 10, "only the failed word is asked for again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_answers_nonsense_fails_the_word_with_a_clear_error() {
    let env = env(Behavior { faults: vec![Fault::always("gibberish", FaultAction::Garbage)], ..Default::default() }).await;
    let words: Vec<String> = ["gibberish", "fine"].map(String::from).to_vec();
    let id = env.deck_with_batch("Odd", &words).await;
    env.run(&["worker", "--until-idle"]).await.ok();

    let status = env.status(id).await;
    assert_eq!(status["status"], "completed", "{status}");
    assert_eq!(status["failed_words"], 1, "{status}");
    let media = env.media("Odd").await;
    let image = state(&media, "gibberish", "image");
    assert_eq!(image["status"], "failed", "{image}");
    assert!(image["error"].as_str().is_some_and(|e| e.contains("not an image")), "{image}");
    let audio = state(&media, "gibberish", "audio");
    assert_eq!(audio["status"], "failed", "{audio}");
    assert!(audio["error"].as_str().is_some_and(|e| e.contains("not audio")), "{audio}");
    check_media_file(&env.data_dir(), state(&media, "fine", "image"), "image");
    check_media_file(&env.data_dir(), state(&media, "fine", "audio"), "audio");
    // Nothing the provider sent was stored as media.
    let mut files = 0;
    crate::support::walk(&env.data_dir().join("media"), &mut |p| files += p.is_file() as usize);
    assert_eq!(files, 2, "only the good word's two files are stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_batch_says_why_its_words_failed_in_one_line() {
    let faults = vec![Fault::always("zebra", FaultAction::Status(400)), Fault::always("plum", FaultAction::Hang)];
    let mut env = env(Behavior { faults, ..Default::default() }).await;
    for (k, v) in [("DECKMEDIA_IMAGE_TIMEOUT_SECS", "1"), ("DECKMEDIA_AUDIO_TIMEOUT_SECS", "1"), ("DECKMEDIA_QUEUE_MAX_ATTEMPTS", "2")] {
        env.set_var(k, v);
    }
    let words: Vec<String> = ["apple", "zebra", "pear", "plum"].map(String::from).to_vec();
    let id = env.deck_with_batch("Fruit", &words).await;
    env.run(&["worker", "--until-idle"]).await.ok();

    let status = env.status(id).await;
    assert_eq!(status["summary"], "2 done, 2 failed: 1 rejected by the provider, 1 timed out", "{status}");
    let errors = status["errors"].as_array().cloned().unwrap_or_default();
    let kinds: Vec<(&str, &str, &str)> =
        errors.iter().map(|e| (e["text"].as_str().unwrap_or(""), e["kind"].as_str().unwrap_or(""), e["failure"].as_str().unwrap_or(""))).collect();
    assert_eq!(
        kinds,
        vec![("zebra", "audio", "rejected"), ("zebra", "image", "rejected"), ("plum", "audio", "timed_out"), ("plum", "image", "timed_out")],
        "{status}"
    );
    // A hung request is asked twice (max_attempts 2), a refused one once.
    let human = env.run(&["status", &id.to_string()]).await.ok().stdout;
    assert!(human.contains("2 done, 2 failed: 1 rejected by the provider, 1 timed out"), "{human}");
    assert!(human.lines().any(|l| l.starts_with("  plum (audio): gave up after repeated errors") && l.contains("timed out")), "{human}");

    // Retry clears the kinds with the errors.
    env.fake.set_behavior(Behavior::default());
    env.run(&["retry", &id.to_string()]).await.ok();
    env.run(&["worker", "--until-idle"]).await.ok();
    let status = env.status(id).await;
    assert_eq!((status["summary"].as_str(), status["errors"].as_array().map(Vec::len)), (Some("4 done"), Some(0)), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_with_and_regenerate_with_pick_another_provider() {
    let env = env(Behavior { faults: vec![Fault::always("zebra", FaultAction::Status(400))], ..Default::default() }).await;
    let words: Vec<String> = ["apple", "zebra"].map(String::from).to_vec();
    let id = env.deck_with_batch("Fruit", &words).await;
    env.run(&["worker", "--until-idle"]).await.ok();

    let providers = env.run(&["providers"]).await.ok().stdout;
    assert!(providers.lines().any(|l| l.starts_with("audio\toffline\t")), "{providers}");
    let bad = env.run(&["retry", &id.to_string(), "--with", "carrier-pigeon"]).await.clean_failure();
    assert!(bad.contains("unknown provider 'carrier-pigeon'") && bad.contains("offline"), "{bad}");

    // The failed picture and recording of "zebra", made offline.
    env.run(&["retry", &id.to_string(), "--with", "offline"]).await.ok();
    env.run(&["worker", "--until-idle"]).await.ok();
    let media = env.media("Fruit").await;
    let zebra = state(&media, "zebra", "audio");
    assert_eq!((zebra["status"].as_str(), zebra["provider"].as_str()), (Some("done"), Some("offline")), "{zebra}");
    assert_eq!(state(&media, "zebra", "image")["provider"], "offline");

    let one = env.run(&["regenerate", "--deck", "Fruit", "--word", "apple", "--with", "offline"]).await.clean_failure();
    assert!(one.contains("--with needs --image, --audio or --kinds"), "{one}");
    env.run(&["regenerate", "--deck", "Fruit", "--word", "apple", "--audio", "--with", "offline"]).await.ok();
    env.run(&["worker", "--until-idle"]).await.ok();
    let media = env.media("Fruit").await;
    assert_eq!(state(&media, "apple", "audio")["provider"], "offline");
    assert_eq!(state(&media, "apple", "image")["provider"], "openai", "the picture is left as it was");
}
