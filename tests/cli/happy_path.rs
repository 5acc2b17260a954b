//! The ordinary path: import, generate, work, look at the results.

use std::collections::BTreeSet;

use deckmedia_testkit::Behavior;
use serde_json::Value;

use crate::support::{self, assert_all_done, check_media_file, env, state, API_KEY};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_generate_work_and_list_media_end_to_end() {
    let env = env(Behavior::default()).await;
    let words = ["кот", "مرحبا", "🍎", "naïve", "hello"];
    let file = env.input("words.txt", words.join("\n") + "\n");

    let out = env.run(&["deck", "import", file.to_str().unwrap(), "--deck", "Spanish", "--lang", "es"]).await.ok();
    assert!(out.stdout.contains("5 new"), "{}", out.stdout);

    let decks = env.json(&["deck", "list", "--json"]).await;
    let decks = decks.as_array().expect("deck list is an array");
    assert_eq!(decks.len(), 1, "{decks:?}");
    assert_eq!(decks[0]["name"], "Spanish");
    assert_eq!(decks[0]["language"], "es");
    assert_eq!(decks[0]["word_count"], 5);

    let batch = env.json(&["generate", "--deck", "Spanish", "--json"]).await;
    assert_eq!(batch["status"], "pending", "{batch}");
    assert_eq!(batch["total_words"], 5, "{batch}");
    let id = batch["id"].as_i64().expect("batch id");

    env.run(&["worker", "--until-idle"]).await.ok();

    let status = env.status(id).await;
    for field in ["id", "deck", "status", "progress", "total_words", "completed_words", "failed_words", "created_at", "updated_at"] {
        assert!(status.get(field).is_some_and(|v| !v.is_null()), "status --json lacks {field}: {status}");
    }
    assert_eq!(status["id"], id);
    assert_eq!(status["deck"], "Spanish");
    assert_eq!(status["status"], "completed", "{status}");
    assert_eq!(status["progress"], 100, "{status}");
    assert_eq!(status["completed_words"], status["total_words"], "{status}");
    assert_eq!(status["failed_words"], 0, "{status}");
    assert!(status["created_at"].as_str().is_some_and(|s| !s.is_empty()), "{status}");

    let media = env.media("Spanish").await;
    assert_eq!(media.len(), words.len());
    let texts: BTreeSet<&str> = media.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, words.iter().copied().collect(), "the words come back exactly as imported");
    assert_all_done(&env.data_dir(), &media);
    let mut paths = BTreeSet::new();
    for w in &media {
        for kind in ["image", "audio"] {
            let path = w[kind]["path"].as_str().unwrap().to_string();
            let name = std::path::Path::new(&path).file_name().unwrap().to_string_lossy().into_owned();
            assert!(!name.contains(w["text"].as_str().unwrap()), "a file name holds word text: {path}");
            paths.insert(path);
        }
    }
    assert_eq!(paths.len(), 2 * words.len(), "each word has its own picture and pronunciation");

    // What went over the wire: the words intact, the key as a Bearer header.
    let requests = env.fake.requests();
    assert_eq!(requests.len(), 2 * words.len(), "one request per word and kind");
    let spoken: BTreeSet<&str> = requests.iter().filter(|r| r.path.ends_with("/audio/speech")).map(|r| r.word.as_str()).collect();
    assert_eq!(spoken, words.iter().copied().collect());
    for w in words {
        assert!(
            requests.iter().any(|r| r.path.ends_with("/images/generations") && r.word.contains(&format!("\"{w}\""))),
            "no picture prompt for {w}"
        );
    }
    let bearer = format!("Bearer {API_KEY}");
    assert!(requests.iter().all(|r| r.authorization.as_deref() == Some(bearer.as_str())));
    env.assert_nothing_written_outside_the_data_dir();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_and_tsv_with_header_import_translations() {
    let env = env(Behavior::default()).await;
    let csv = env.input("words.csv", "\u{feff}word,translation,lang\r\nperro,dog,es\r\n\"gato, negro\",black cat,\r\n");
    let tsv = env.input("words.tsv", "translation\tword\nhouse\tHaus\nsun\tSonne\n");
    env.run(&["deck", "import", csv.to_str().unwrap(), "--deck", "Mixed", "--lang", "es"]).await.ok();
    let out = env.run(&["deck", "import", tsv.to_str().unwrap(), "--deck", "Mixed"]).await.ok();
    assert!(out.stdout.contains("2 new") && out.stdout.contains("4 words"), "{}", out.stdout);

    let media = env.media("Mixed").await;
    let by_text = |t: &str| media.iter().find(|m| m["text"] == t).unwrap_or_else(|| panic!("{t} missing: {media:?}")).clone();
    assert_eq!(by_text("perro")["translation"], "dog");
    assert_eq!(by_text("gato, negro")["translation"], "black cat", "a quoted comma stays in the word");
    assert_eq!(by_text("Haus")["translation"], "house", "TSV columns are found by their header");
    assert_eq!(by_text("Sonne")["translation"], "sun");
    assert_eq!(by_text("perro")["language"], "es");
    for m in &media {
        assert_eq!(m["image"]["status"], "none", "nothing generated yet: {m}");
    }

    let batch = env.json(&["generate", "--deck", "Mixed", "--image", "--json"]).await;
    env.run(&["worker", "--until-idle"]).await.ok();
    assert_eq!(env.status(batch["id"].as_i64().unwrap()).await["status"], "completed");
    // The translation reaches the picture prompt.
    let prompts: Vec<String> = env.fake.requests().into_iter().map(|r| r.word).collect();
    assert_eq!(prompts.len(), 4, "pictures only: {prompts:?}");
    assert!(prompts.iter().any(|p| p.contains("\"Haus\"") && p.contains("house")), "{prompts:?}");
    for m in env.media("Mixed").await {
        check_media_file(&env.data_dir(), &m["image"], "image");
        assert_eq!(m["audio"]["status"], "none");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdin_import_with_dash() {
    let env = env(Behavior::default()).await;
    let out = env.run_with_stdin(&["deck", "import", "-", "--deck", "Numbers", "--lang", "es"], "uno\ndos\ntres\n".as_bytes()).await.ok();
    assert!(out.stdout.contains("3 new"), "{}", out.stdout);
    let again = env.run_with_stdin(&["deck", "import", "-", "--deck", "Numbers"], b"tres\ncuatro\n").await.ok();
    assert!(again.stdout.contains("1 new") && again.stdout.contains("1 already there"), "{}", again.stdout);
    let decks = env.json(&["deck", "list", "--json"]).await;
    assert_eq!(decks[0]["word_count"], 4, "{decks}");
    let texts: Vec<Value> = env.media("Numbers").await.into_iter().map(|m| m["text"].clone()).collect();
    assert_eq!(texts, ["uno", "dos", "tres", "cuatro"], "in import order");
    env.assert_nothing_written_outside_the_data_dir();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_progress_is_plain_lines_when_not_a_terminal() {
    let env = env(Behavior::default()).await;
    let id = env.deck_with_batch("Progress", &support::words("prog", 10)).await;
    let out = env.run(&["worker", "--until-idle"]).await.ok();
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(!all.contains('\x1b'), "escape codes in non-terminal output:\n{all}");
    assert!(!all.contains('\r'), "carriage returns (a redrawn bar) in non-terminal output:\n{all}");
    let progress: Vec<&str> = all.lines().filter(|l| l.starts_with(&format!("batch {id}: ")) && l.contains("/10 words")).collect();
    assert!(!progress.is_empty(), "no 'batch {id}: n/10 words' line:\n{all}");
    assert!(
        all.lines().any(|l| l == format!("batch {id} completed (10 words): 10 done")),
        "no final 'batch {id} completed' line:\n{all}"
    );
    assert!(out.stderr.contains("worker stopped: 20 done, 0 failed"), "{}", out.stderr);
    assert_eq!(state(&env.media("Progress").await, "prog000", "image")["status"], "done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_calls_nothing_and_a_costly_batch_needs_yes() {
    let env = env(Behavior::default()).await;
    let words: Vec<String> = (0..60).map(|i| format!("w{i:02}")).collect();
    let file = env.input("big.txt", words.join("\n"));
    env.run(&["deck", "import", file.to_str().unwrap(), "--deck", "Big", "--lang", "en"]).await.ok();

    let plan = env.json(&["generate", "--deck", "Big", "--dry-run", "--json"]).await;
    assert_eq!(plan["calls"], 120, "{plan}");
    assert_eq!(plan["confirm"], true, "60 pictures at dall-e-2's $0.02 and 60 recordings: above $1.00");
    let text = env.run(&["generate", "--deck", "Big", "--dry-run"]).await.ok().stdout;
    assert!(text.starts_with("Big: 120 to make, about $1.2"), "{text}");
    assert!(text.contains("pictures: 60 to make with openai dall-e-2"), "{text}");

    let refused = env.run(&["generate", "--deck", "Big"]).await.clean_failure();
    assert!(refused.contains("run again with --yes"), "{refused}");
    assert_eq!(env.json(&["status", "--json"]).await, Value::Array(Vec::new()), "nothing queued");
    assert_eq!(env.fake.requests().len(), 0, "nothing sent");
    let batch = env.json(&["generate", "--deck", "Big", "--yes", "--json"]).await;
    assert_eq!(batch["total_words"], 60);
}
