//! Bad input: each is a one-line error on stderr and a non-zero exit, nothing half-imported,
//! nothing written outside the data dir. And words that look like paths stay words.

use deckmedia_testkit::Behavior;

use crate::support::{assert_all_done, env, Env};

/// Imports `bytes` as a file and expects a clean failure; returns the error line.
async fn import_fails(env: &Env, name: &str, bytes: &[u8]) -> String {
    let file = env.input(name, bytes);
    let line = env.run(&["deck", "import", file.to_str().unwrap(), "--deck", "Bad"]).await.clean_failure();
    no_deck_was_created(env).await;
    line
}

async fn no_deck_was_created(env: &Env) {
    let decks = env.json(&["deck", "list", "--json"]).await;
    assert_eq!(decks, serde_json::json!([]), "a failed import left a deck behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_or_media_for_an_unknown_deck_is_a_one_line_error() {
    let env = env(Behavior::default()).await;
    for args in [["generate", "--deck", "Nope"], ["media", "--deck", "Nope"]] {
        let line = env.run(&args).await.clean_failure();
        assert!(line.contains("Nope") && line.contains("not found"), "{line}");
    }
    assert_eq!(env.fake.stats().requests, 0);
    env.assert_nothing_written_outside_the_data_dir();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn importing_a_missing_file_is_a_one_line_error() {
    let env = env(Behavior::default()).await;
    let missing = env.root.path().join("in").join("no-such-file.txt");
    let line = env.run(&["deck", "import", missing.to_str().unwrap(), "--deck", "Bad"]).await.clean_failure();
    assert!(line.contains("no-such-file.txt"), "the error names the file: {line}");
    no_deck_was_created(&env).await;
    env.assert_nothing_written_outside_the_data_dir();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn importing_an_empty_file_or_only_blank_lines_is_a_one_line_error() {
    let env = env(Behavior::default()).await;
    for (name, bytes) in [("empty.txt", &b""[..]), ("blank.txt", &b"\n   \n\t\r\n\n"[..])] {
        let line = import_fails(&env, name, bytes).await;
        assert!(line.contains("no words"), "{name}: {line}");
    }
    env.assert_nothing_written_outside_the_data_dir();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn importing_invalid_utf8_names_the_line() {
    let env = env(Behavior::default()).await;
    let line = import_fails(&env, "latin1.txt", b"uno\ndos\nna\xefve\n").await;
    assert!(line.contains("line 3") && line.contains("UTF-8"), "{line}");
    env.assert_nothing_written_outside_the_data_dir();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_row_with_an_empty_word_names_its_line() {
    let env = env(Behavior::default()).await;
    let line = import_fails(&env, "words.csv", b"word,translation\nperro,dog\n,cat\ncasa,house\n").await;
    assert!(line.contains("line 3"), "{line}");
    assert!(line.contains("empty"), "{line}");
    env.assert_nothing_written_outside_the_data_dir();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_word_of_ten_thousand_characters_is_refused_as_too_long() {
    let env = env(Behavior::default()).await;
    let long = format!("ok\n{}\n", "ж".repeat(10_000));
    let line = import_fails(&env, "long.txt", long.as_bytes()).await;
    assert!(line.contains("line 2") && line.contains("long") && line.contains("512"), "{line}");
    assert!(line.len() < 300, "the error quotes the whole word: {line}");
    env.assert_nothing_written_outside_the_data_dir();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_word_with_a_nul_byte_is_refused() {
    let env = env(Behavior::default()).await;
    let line = import_fails(&env, "nul.txt", b"ok\na\0b\n").await;
    assert!(line.contains("line 2") && line.contains("NUL"), "{line}");
    let line = import_fails(&env, "nul.csv", b"word,translation\na\0b,x\n").await;
    assert!(line.contains("line 2"), "{line}");
    env.assert_nothing_written_outside_the_data_dir();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_dir_that_is_a_regular_file_is_a_one_line_error() {
    let env = env(Behavior::default()).await;
    let file = env.input("not-a-dir", b"I am a file");
    let line = env.run_with_data_dir(&file, &["deck", "list"]).await.clean_failure();
    assert!(line.contains("not-a-dir"), "the error names the path: {line}");
    assert_eq!(std::fs::read(&file).unwrap(), b"I am a file", "the file is untouched");
    let below = file.join("deeper");
    let line = env.run_with_data_dir(&below, &["deck", "list"]).await.clean_failure();
    assert!(line.contains("deeper"), "{line}");
    assert!(std::fs::read_dir(env.data_dir()).unwrap().next().is_none(), "the default data dir was not used");
    env.assert_nothing_written_outside_the_data_dir();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_of_a_batch_that_does_not_exist_is_a_one_line_error() {
    let env = env(Behavior::default()).await;
    for args in [&["status", "4242", "--json"][..], &["status", "4242"], &["cancel", "4242"], &["retry", "4242"]] {
        let out = env.run(args).await;
        let line = out.clean_failure();
        assert!(line.contains("batch 4242") && line.contains("not found"), "{args:?}: {line}");
        assert!(out.stdout.is_empty(), "{args:?} printed on stdout: {}", out.stdout);
    }
    env.assert_nothing_written_outside_the_data_dir();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_environment_value_is_a_one_line_error_naming_the_variable() {
    let mut env = env(Behavior::default()).await;
    env.set_var("DECKMEDIA_IMAGE_MAX_CONCURRENCY", "lots");
    for args in [&["deck", "list"][..], &["worker", "--until-idle"]] {
        let line = env.run(args).await.clean_failure();
        assert!(line.contains("DECKMEDIA_IMAGE_MAX_CONCURRENCY") && line.contains("lots"), "{line}");
    }
    assert_eq!(env.fake.stats().requests, 0);
    env.assert_nothing_written_outside_the_data_dir();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_like_words_never_leave_the_media_folder() {
    let env = env(Behavior::default()).await;
    let words = ["../../etc/passwd", "..\\..\\x", "/tmp/evil", "a/../../b"];
    let file = env.input("paths.txt", words.join("\n"));
    env.run(&["deck", "import", file.to_str().unwrap(), "--deck", "Paths"]).await.ok();
    let batch = env.json(&["generate", "--deck", "Paths", "--json"]).await;
    env.run(&["worker", "--until-idle"]).await.ok();
    assert_eq!(env.status(batch["id"].as_i64().unwrap()).await["status"], "completed");
    let media = env.media("Paths").await;
    let texts: Vec<&str> = media.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, words, "the words are kept verbatim");
    // Every path canonicalizes to somewhere under <data>/media/ (checked in check_media_file).
    assert_all_done(&env.data_dir(), &media);
    env.assert_nothing_written_outside_the_data_dir();
    let siblings: Vec<_> = std::fs::read_dir(env.root.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(siblings.len(), 4, "nothing created next to the data dir: {siblings:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_system_error_names_its_cause_once() {
    let env = env(Behavior::default()).await;
    let file = env.input("not-a-dir", b"I am a file");
    let line = env.run_with_data_dir(&file, &["deck", "list"]).await.clean_failure();
    assert_eq!(line.matches("os error").count(), 1, "the OS reason is repeated: {line}");
}
