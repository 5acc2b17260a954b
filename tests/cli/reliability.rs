//! Reliability from the command line: a provider out of quota stops `worker --until-idle`
//! (exit 0, jobs kept, the reason on stderr) and `status` says so until a new key is saved;
//! `verify` finds files deleted behind the app's back and `--repair` makes them again.

use deckmedia_testkit::Behavior;

use crate::support::{env, state};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_quota_stops_the_worker_and_a_new_key_resumes_the_provider() {
    let mut env = env(Behavior { quota: Some(3), ..Default::default() }).await;
    env.set_var("DECKMEDIA_AUDIO_PROVIDER", "offline");
    let words: Vec<String> = (0..20).map(|i| format!("w{i:02}")).collect();
    let id = env.deck_with_batch("Quota", &words).await;

    let out = env.run(&["worker", "--until-idle"]).await.ok();
    assert!(out.stderr.contains("openai: Out of quota — You exceeded your current quota"), "stderr says why: {}", out.stderr);
    assert!(out.stderr.contains("0 failed"), "{}", out.stderr);
    let images = env.fake.stats().images;
    assert!(images > 3 && images <= 3 + 8, "about the calls in flight, not one per word: {images}");
    let status = env.run(&["status"]).await.ok();
    assert!(status.stdout.contains("openai: Out of quota — You exceeded your current quota"), "{}", status.stdout);
    assert_eq!(env.status(id).await["status"], "processing");

    // A second run does not call the provider while it is paused.
    env.run(&["worker", "--until-idle"]).await.ok();
    assert_eq!(env.fake.stats().images, images);

    env.fake.set_behavior(Behavior::default());
    env.run_with_stdin(&["key", "set", "openai"], b"sk-topped-up-key-42\n").await.ok();
    let status = env.run(&["status"]).await.ok();
    assert!(!status.stdout.contains("Out of quota"), "a new key resumes the provider: {}", status.stdout);
    env.run(&["worker", "--until-idle"]).await.ok();
    let done = env.status(id).await;
    assert_eq!((done["status"].as_str(), done["completed_words"].as_i64()), (Some("completed"), Some(20)), "{done}");
    assert_eq!(env.fake.stats().images, images + 20 - 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_lists_a_deleted_file_and_repair_makes_it_again() {
    let env = env(Behavior::default()).await;
    let words: Vec<String> = ["apple", "pear", "plum"].map(String::from).to_vec();
    env.deck_with_batch("Fruit", &words).await;
    env.run(&["worker", "--until-idle"]).await.ok();
    let media = env.media("Fruit").await;
    let pear = state(&media, "pear", "image")["path"].as_str().expect("path").to_string();
    std::fs::remove_file(&pear).expect("delete");

    let media = env.media("Fruit").await;
    assert_eq!(state(&media, "pear", "image")["status"], "missing");
    let out = env.run(&["verify", "--deck", "Fruit"]).await.ok();
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert!(out.stdout.contains("pear\timage\tmissing"), "{}", out.stdout);
    assert!(out.stderr.contains("6 file(s) checked, 1 missing or damaged"), "{}", out.stderr);

    let before = env.fake.stats().requests;
    let out = env.run(&["verify", "--repair"]).await.ok();
    assert!(out.stderr.contains("queued again"), "{}", out.stderr);
    env.run(&["worker", "--until-idle"]).await.ok();
    assert_eq!(env.fake.stats().requests - before, 1, "only the missing file was made again");
    assert!(std::path::Path::new(&pear).is_file());
    let out = env.run(&["verify"]).await.ok();
    assert!(out.stdout.is_empty() && out.stderr.contains("0 missing or damaged"), "{}{}", out.stdout, out.stderr);
}
