//! `deckmedia voice list|install|remove` against a local voice repository, and the `neural`
//! provider's clear failure when ONNX Runtime is missing (a process of its own: the runtime,
//! once loaded, stays loaded for the life of a process).

use std::collections::HashMap;

use deckmedia_core::voices::install::md5_hex;
use deckmedia_testkit::{Behavior, FakeVoiceRepo};
use serde_json::json;

use crate::support::env;

const KEY: &str = "xx_XX-test-low";

async fn repo() -> FakeVoiceRepo {
    let dir = "xx/xx_XX/test/low";
    let model: Vec<u8> = (0..1_500_000u32).map(|i| (i % 251) as u8).collect();
    let config = json!({"audio": {"sample_rate": 22050}, "espeak": {"voice": "en-us"}, "phoneme_id_map": {"_": [0], "^": [1], "$": [2]}})
        .to_string()
        .into_bytes();
    let card = b"# Model card\n* Dataset URL: https://example.org/data\n* License: CC0\n".to_vec();
    let files = vec![(format!("{dir}/{KEY}.onnx"), model), (format!("{dir}/{KEY}.onnx.json"), config), (format!("{dir}/MODEL_CARD"), card)];
    let entry = |key: &str, code: &str, files: &[(String, Vec<u8>)]| {
        let f: serde_json::Map<String, serde_json::Value> =
            files.iter().map(|(p, b)| (p.clone(), json!({"size_bytes": b.len(), "md5_digest": md5_hex(b)}))).collect();
        let (family, region) = code.split_once('_').unwrap_or((code, ""));
        json!({"key": key, "name": "test", "quality": "low", "num_speakers": 1, "files": f,
               "language": {"code": code, "family": family, "region": region, "name_english": "Testish", "country_english": "Testland"}})
    };
    let other = [("yy/yy_YY/other/medium/yy_YY-other-medium.onnx".to_string(), vec![1u8; 10]), ("yy/yy_YY/other/medium/yy_YY-other-medium.onnx.json".to_string(), vec![2u8; 10])];
    let catalogue = json!({KEY: entry(KEY, "xx_XX", &files), "yy_YY-other-medium": entry("yy_YY-other-medium", "yy_YY", &other)});
    let mut map: HashMap<String, Vec<u8>> = files.into_iter().collect();
    map.insert("voices.json".into(), catalogue.to_string().into_bytes());
    FakeVoiceRepo::start(map).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voice_list_install_and_remove_from_a_local_repository() {
    let repo = repo().await;
    let mut env = env(Behavior::default()).await;
    env.set_var("DECKMEDIA_VOICES_URL", &repo.base_url());
    env.set_var("DECKMEDIA_ONNXRUNTIME", "/nonexistent/libonnxruntime.so");

    let list = env.json(&["voice", "list", "--json"]).await;
    let voices = list["voices"].as_array().cloned().unwrap_or_default();
    assert_eq!(voices.iter().map(|v| v["key"].as_str().unwrap_or("")).collect::<Vec<_>>(), vec![KEY, "yy_YY-other-medium"], "{list}");
    assert!(voices.iter().all(|v| v["installed"] == false && v["available"] == true), "{list}");
    assert!(list["runtime_error"].as_str().is_some_and(|e| e.contains("neural voices need ONNX Runtime")), "{list}");
    assert_eq!(list["recommended"], serde_json::Value::Null, "a list of every language recommends none: {list}");
    let xx = env.json(&["voice", "list", "--lang", "xx", "--json"]).await;
    assert_eq!(xx["recommended"].as_str(), Some(KEY), "the catalogue's voice for xx, before any install: {xx}");
    let not_installed = env.run(&["voice", "sample", KEY]).await.clean_failure();
    assert!(not_installed.contains("is not installed"), "{not_installed}");

    let out = env.run(&["voice", "install", KEY]).await.ok();
    assert!(out.stdout.contains("License: CC0"), "the licence is shown before install: {}", out.stdout);
    assert!(out.stdout.contains(&format!("installed {KEY}")), "{}", out.stdout);
    assert!(out.stderr.lines().any(|l| l.starts_with(&format!("{KEY}: ")) && l.contains("MB")), "a progress line: {}", out.stderr);

    let human = env.run(&["voice", "list", "--lang", "xx"]).await.ok().stdout;
    assert!(human.contains("xx_XX  Testish (Testland)") && human.contains("installed") && !human.contains("yy_YY"), "{human}");

    // With the repository gone the installed voice is still listed.
    repo.stop();
    let offline = env.json(&["voice", "list", "--json"]).await;
    assert!(offline["catalogue_error"].is_string(), "{offline}");
    let installed: Vec<_> = offline["voices"].as_array().cloned().unwrap_or_default();
    assert_eq!(installed.len(), 1, "{offline}");
    assert_eq!((installed[0]["key"].as_str(), installed[0]["installed"].as_bool()), (Some(KEY), Some(true)));

    let out = env.run(&["voice", "remove", KEY]).await.ok();
    assert_eq!(out.stdout.trim(), format!("removed {KEY}"));
    assert!(!env.data_dir().join("voices").join(KEY).exists());
    let bad = env.run(&["voice", "remove", "../etc"]).await.clean_failure();
    assert!(bad.contains("is not a voice key"), "{bad}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_neural_voice_without_onnx_runtime_fails_the_word_with_a_clear_message() {
    let mut env = env(Behavior::default()).await;
    // A hand-installed voice (config only: the runtime is missing before the model is read).
    let voice = env.data_dir().join("voices").join(KEY);
    std::fs::create_dir_all(&voice).expect("voice folder");
    std::fs::write(voice.join(format!("{KEY}.onnx")), b"not a model").expect("model");
    let config = json!({"audio": {"sample_rate": 22050}, "espeak": {"voice": "en-us"}, "phoneme_id_map": {"_": [0], "^": [1], "$": [2]},
                        "language": {"code": "en_US", "family": "en", "region": "US"}});
    std::fs::write(voice.join(format!("{KEY}.onnx.json")), config.to_string()).expect("config");
    env.set_var("DECKMEDIA_AUDIO_PROVIDER", "neural");
    env.set_var("DECKMEDIA_ONNXRUNTIME", "/nonexistent/libonnxruntime.so");
    let file = env.input("w.txt", "apple\n");
    env.run(&["deck", "import", file.to_str().unwrap_or(""), "--deck", "N", "--lang", "en"]).await.ok();
    env.run(&["generate", "--deck", "N", "--audio"]).await.ok();
    env.run(&["worker", "--until-idle"]).await.ok();
    let media = env.media("N").await;
    let audio = &media[0]["audio"];
    assert_eq!(audio["status"], "failed", "{audio}");
    let error = audio["error"].as_str().unwrap_or("");
    assert!(error.contains("neural voices need ONNX Runtime") && error.contains("/nonexistent/libonnxruntime.so"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_install_killed_mid_download_resumes_where_it_stopped() {
    let repo = repo().await;
    let model = format!("xx/xx_XX/test/low/{KEY}.onnx");
    repo.stall_after(&model, 600_000);
    let mut env = env(Behavior::default()).await;
    env.set_var("DECKMEDIA_VOICES_URL", &repo.base_url());
    let mut child = env.spawn(&["voice", "install", KEY]);
    // The stalled download has written what it got; then the process dies without warning.
    let part = env.data_dir().join("voices").join(".partial").join(KEY).join(format!("{KEY}.onnx.part"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0) < 600_000 {
        assert!(std::time::Instant::now() < deadline, "the first 600,000 bytes never reached {}", part.display());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await; // polling a file another process writes
    }
    child.kill().await.expect("SIGKILL the install");
    assert!(!env.data_dir().join("voices").join(KEY).exists(), "nothing is installed by a killed install");

    let out = env.run(&["voice", "install", KEY]).await.ok();
    assert!(out.stdout.contains(&format!("installed {KEY}")), "{}", out.stdout);
    let ranges: Vec<_> = repo.requests().into_iter().filter(|r| r.path == model).map(|r| r.range).collect();
    assert_eq!(ranges, vec![None, Some("bytes=600000-".to_string())], "resumed, not started again");
    let listed = env.json(&["voice", "list", "--json"]).await;
    assert!(listed["voices"].as_array().is_some_and(|v| v.iter().any(|v| v["key"] == KEY && v["installed"] == true)), "{listed}");
}

/// The cached real voice and runtime (`.ci/voices-test-data`; `.ci/test` sets the variable).
fn test_voices() -> std::path::PathBuf {
    let dir = std::env::var_os("DECKMEDIA_TEST_VOICES")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache/deckmedia/voices-test")))
        .unwrap_or_default();
    assert!(dir.join("ready-v1").is_file(), "no test voices in {}: run `bash .ci/voices-test-data`", dir.display());
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_installs_a_real_voice_and_hears_it_with_the_network_off() {
    let data = test_voices();
    let joe = "en_US-joe-medium";
    let dir = "en/en_US/joe/medium";
    let mut files: HashMap<String, Vec<u8>> = HashMap::new();
    let mut entry_files = serde_json::Map::new();
    for name in [format!("{joe}.onnx"), format!("{joe}.onnx.json"), "MODEL_CARD".to_string()] {
        let bytes = std::fs::read(data.join("voice").join(joe).join(&name)).expect("cached voice file");
        entry_files.insert(format!("{dir}/{name}"), json!({"size_bytes": bytes.len(), "md5_digest": md5_hex(&bytes)}));
        files.insert(format!("{dir}/{name}"), bytes);
    }
    let catalogue = json!({joe: {"key": joe, "name": "joe", "quality": "medium", "num_speakers": 1, "files": entry_files,
        "language": {"code": "en_US", "family": "en", "region": "US", "name_english": "English", "country_english": "United States"}}});
    files.insert("voices.json".into(), catalogue.to_string().into_bytes());
    let repo = FakeVoiceRepo::start(files).await;
    let mut env = env(Behavior::default()).await;
    env.set_var("DECKMEDIA_VOICES_URL", &repo.base_url());
    env.set_var("DECKMEDIA_AUDIO_PROVIDER", "neural");
    env.set_var("DECKMEDIA_ONNXRUNTIME", &data.join("runtime").display().to_string());

    let out = env.run(&["voice", "install", joe]).await.ok();
    assert!(out.stdout.contains("License: CC0"), "{}", out.stdout);
    repo.stop(); // the network is off from here on
    let listed = env.json(&["voice", "list", "--lang", "en", "--json"]).await;
    assert_eq!(listed["recommended"].as_str(), Some(joe), "{listed}");
    // A sample, spoken by that voice: a real recording in the media store.
    let sample = env.run(&["voice", "sample", joe]).await.ok().stdout;
    let bytes = std::fs::read(sample.trim()).expect("the sample file");
    assert!(bytes.starts_with(b"OggS") && bytes.len() > 2_000, "{sample}: {} bytes", bytes.len());
    assert!(std::path::Path::new(sample.trim()).starts_with(env.data_dir()), "{sample}");
    let words = env.input("words.txt", "apple\nwater\n");
    env.run(&["deck", "import", words.to_str().unwrap_or(""), "--deck", "English", "--lang", "en"]).await.ok();
    env.run(&["generate", "--deck", "English", "--audio"]).await.ok();
    env.run(&["worker", "--until-idle"]).await.ok();
    for m in env.media("English").await {
        let audio = &m["audio"];
        assert_eq!((audio["status"].as_str(), audio["warning"].as_str()), (Some("done"), None), "{m}");
        let bytes = std::fs::read(audio["path"].as_str().unwrap_or("")).expect("the audio file");
        assert!(bytes.starts_with(b"OggS") && bytes.len() > 2_000, "{m}: {} bytes", bytes.len());
    }
}
