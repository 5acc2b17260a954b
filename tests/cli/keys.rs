//! API keys: stored from standard input, used for requests, shown only masked, and never
//! written to the database, the config, the logs or any output.

use crate::support::*;
use deckmedia_testkit::Behavior;

const KEY: &str = "sk-stored-key-9f8e7d6c5b4a";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_key_is_used_and_never_shown_or_written_anywhere_else() {
    let mut env = env(Behavior::default()).await;
    // No key in the environment: it must come from the store.
    env.set_var("DECKMEDIA_API_KEY", "");
    env.set_var("DECKMEDIA_LOG", "debug");
    let mut outputs = Vec::new();

    let set = env.run_with_stdin(&["key", "set", "openai"], format!("{KEY}\n").as_bytes()).await.ok();
    assert!(set.stdout.contains("stored the openai key"), "{}", set.stdout);
    outputs.push(set);
    let show = env.run(&["key", "show", "openai"]).await.ok();
    assert!(show.stdout.contains("…5b4a"), "{}", show.stdout);
    outputs.push(show);

    let list = env.input("words.txt", "apple\npear\n");
    outputs.push(env.run(&["deck", "import", list.to_str().unwrap(), "--deck", "Keys"]).await.ok());
    outputs.push(env.run(&["generate", "--deck", "Keys"]).await.ok());
    outputs.push(env.run(&["worker", "--until-idle"]).await.ok());
    outputs.push(env.run(&["media", "--deck", "Keys", "--json"]).await.ok());

    let reqs = env.fake.requests();
    assert_eq!(reqs.len(), 4);
    assert!(reqs.iter().all(|r| r.authorization.as_deref() == Some(&format!("Bearer {KEY}") as &str)), "{reqs:?}");

    for out in &outputs {
        assert!(!out.stdout.contains(KEY) && !out.stderr.contains(KEY), "the key leaked into output:\n{}\n{}", out.stdout, out.stderr);
    }
    let data = env.data_dir();
    walk(&data, &mut |path| {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name == "keys.json" {
            return;
        }
        let bytes = std::fs::read(path).unwrap_or_default();
        assert!(!bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()), "the key is in {}", path.display());
    });
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("keys.json")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key file is private");
    }

    let del = env.run(&["key", "delete", "openai"]).await.ok();
    assert!(del.stdout.contains("deleted"), "{}", del.stdout);
    let show = env.run(&["key", "show", "openai"]).await.ok();
    assert!(show.stdout.contains("no key stored"), "{}", show.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_key_is_refused() {
    let env = env(Behavior::default()).await;
    let line = env.run_with_stdin(&["key", "set", "openai"], b"\n").await.clean_failure();
    assert!(line.contains("empty"), "{line}");
}
