//! The crash test: a worker killed with SIGKILL in the middle of a batch, three times over,
//! loses no word and leaves no half-written file.

use std::collections::BTreeSet;
use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use deckmedia_testkit::Behavior;

use crate::support::{assert_all_done, env, sha256_hex, signal, temp_files, words, COMMAND_LIMIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_worker_loses_nothing_and_leaves_no_corrupt_file() {
    let env = env(Behavior { latency: Duration::from_millis(30), ..Default::default() }).await;
    let words = words("crash", 60);
    let id = env.deck_with_batch("Crash", &words).await;

    for k in [5, 15, 30] {
        let before = env.fake.stats().requests;
        let mut worker = env.spawn(&["worker"]);
        env.wait_for(&format!("{k} more requests"), |s| s.requests >= before + k).await;
        signal(&worker, libc::SIGKILL);
        let status = tokio::time::timeout(COMMAND_LIMIT, worker.wait()).await.expect("the killed worker exits").expect("wait");
        assert_eq!(status.signal(), Some(libc::SIGKILL), "the worker died of SIGKILL, not of something else: {status}");
        // The database is readable after every kill.
        let now = env.status(id).await;
        assert_ne!(now["status"], "completed", "the batch must still be unfinished after a kill (round k={k}): {now}");
    }

    let out = env.run(&["worker", "--until-idle"]).await.ok();
    let status = env.status(id).await;
    assert_eq!(status["status"], "completed", "{status}\nworker: {}", out.stderr);
    assert_eq!(status["completed_words"], 60, "{status}");
    assert_eq!(status["failed_words"], 0, "{status}");

    let media = env.media("Crash").await;
    assert_eq!(media.len(), 60);
    // Every word done, every file whole: present, valid, and hashing to its own name.
    assert_all_done(&env.data_dir(), &media);
    let mut files = 0;
    crate::support::walk(&env.data_dir().join("media"), &mut |p| {
        if p.is_file() {
            files += 1;
            let bytes = std::fs::read(p).unwrap();
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            if !stem.starts_with(".tmp-") {
                assert_eq!(stem, sha256_hex(&bytes), "a corrupt file: {}", p.display());
            }
        }
    });
    assert_eq!(temp_files(&env.data_dir()), Vec::<std::path::PathBuf>::new(), "temp files left behind");
    assert_eq!(files, 120, "one file per word and kind, no leftovers");

    // Nothing lost: the fake saw every word, as speech and as a picture prompt.
    let requests = env.fake.requests();
    let spoken: BTreeSet<&str> = requests.iter().filter(|r| r.path.ends_with("/audio/speech")).map(|r| r.word.as_str()).collect();
    assert_eq!(spoken.len(), 60, "distinct words spoken");
    assert_eq!(spoken, words.iter().map(String::as_str).collect());
    for w in &words {
        assert!(requests.iter().any(|r| r.path.ends_with("/images/generations") && r.word.contains(&format!("\"{w}\""))), "no picture asked for {w}");
    }
}
