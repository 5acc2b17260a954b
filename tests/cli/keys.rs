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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_key_goes_only_to_the_server_it_was_saved_for() {
    let mut env = env(Behavior::default()).await;
    env.set_var("DECKMEDIA_API_KEY", "");
    let set = env.run_with_stdin(&["key", "set", "openai"], format!("{KEY}\n").as_bytes()).await.ok();
    let first = env.fake.addr().to_string();
    assert!(set.stdout.contains(&format!("for {first}")) && set.stdout.contains("sent only to"), "{}", set.stdout);

    // The same provider name pointed at another server: no key goes there.
    let other = deckmedia_testkit::FakeProvider::start(Behavior::default()).await;
    env.set_var("DECKMEDIA_IMAGE_BASE_URL", &other.base_url());
    env.set_var("DECKMEDIA_AUDIO_BASE_URL", &other.base_url());
    let show = env.run(&["key", "show", "openai"]).await.ok();
    assert!(show.stdout.contains(&format!("no key stored for {}", other.addr())), "{}", show.stdout);
    let list = env.input("words.txt", "apple\n");
    env.run(&["deck", "import", list.to_str().unwrap(), "--deck", "Elsewhere"]).await.ok();
    env.run(&["generate", "--deck", "Elsewhere"]).await.ok();
    env.run(&["worker", "--until-idle"]).await;
    let reqs = other.requests();
    assert_eq!(reqs.len(), 2, "the other server was asked");
    assert!(reqs.iter().all(|r| r.authorization.is_none()), "without the key: {reqs:?}");
    assert!(env.fake.requests().is_empty());

    // Back on the server it was saved for, the key is there again.
    env.set_var("DECKMEDIA_IMAGE_BASE_URL", &env.fake.base_url());
    env.set_var("DECKMEDIA_AUDIO_BASE_URL", &env.fake.base_url());
    let show = env.run(&["key", "show", "openai"]).await.ok();
    assert!(show.stdout.contains("…5b4a"), "{}", show.stdout);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offline_voice_runs_without_any_key_in_its_environment() {
    use std::os::unix::fs::PermissionsExt;
    let mut env = env(Behavior::default()).await;
    // A stand-in for espeak-ng that writes down its environment.
    let seen = env.root.path().join("child-env.txt");
    let script = env.input("espeak.sh", format!("#!/bin/sh\nenv > '{}'\nexit 1\n", seen.display()));
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    env.set_var("DECKMEDIA_ESPEAK", script.to_str().unwrap());
    env.set_var("DECKMEDIA_AUDIO_PROVIDER", "offline");
    env.set_var("DECKMEDIA_AUDIO_API_KEY", "sk-audio-key-in-env-777");
    env.set_var("DECKMEDIA_ANKI_KEY", "anki-key-in-env-888");
    let list = env.input("words.txt", "apple\n");
    env.run(&["deck", "import", list.to_str().unwrap(), "--deck", "Voice"]).await.ok();
    env.run(&["generate", "--deck", "Voice", "--audio"]).await.ok();
    env.run(&["worker", "--until-idle"]).await;
    let child_env = std::fs::read_to_string(&seen).expect("the stand-in ran");
    assert!(child_env.contains("PATH=") && child_env.contains("DECKMEDIA_ESPEAK="), "{child_env}");
    for secret in [API_KEY, "sk-audio-key-in-env-777", "anki-key-in-env-888", "DECKMEDIA_API_KEY", "DECKMEDIA_AUDIO_API_KEY", "DECKMEDIA_ANKI_KEY"] {
        assert!(!child_env.contains(secret), "{secret} reached the child:\n{child_env}");
    }
}
