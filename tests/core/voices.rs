//! The voice manager against a local repository laid out like `rhasspy/piper-voices`
//! (testkit's `FakeVoiceRepo`): list, install with progress, digest mismatch refused, an
//! interrupted install resumed, remove, and an installed voice speaking with the server gone.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use deckmedia_core::config::Config;
use deckmedia_core::events::Event;
use deckmedia_core::providers::neural::{NeuralConfig, NeuralProvider, RuntimeSearch};
use deckmedia_core::providers::{MediaRequest, Provider};
use deckmedia_core::voices::install::md5_hex;
use deckmedia_core::voices::{InstallProgress, VoiceError, VoiceKey, VoiceManager};
use deckmedia_core::VoiceInstallState;
use deckmedia_core::{Core, MediaKind};
use deckmedia_testkit::FakeVoiceRepo;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::support::{wait_event, within};

const KEY: &str = "xx_XX-test-low";
const DIR: &str = "xx/xx_XX/test/low";

fn key(k: &str) -> VoiceKey {
    k.parse().expect("a voice key")
}

/// A stand-in model (2 MB of a pattern), its config and model card.
fn stand_in_files() -> Vec<(String, Vec<u8>)> {
    let model: Vec<u8> = (0..2_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let config = json!({"audio": {"sample_rate": 22050}, "espeak": {"voice": "en-us"}, "phoneme_id_map": {"_": [0], "^": [1], "$": [2]},
                        "language": {"code": "xx_XX", "family": "xx", "region": "XX"}});
    vec![
        (format!("{DIR}/{KEY}.onnx"), model),
        (format!("{DIR}/{KEY}.onnx.json"), config.to_string().into_bytes()),
        (format!("{DIR}/MODEL_CARD"), b"# Model card\n* License: CC0\n".to_vec()),
    ]
}

/// Catalogue entries to publish: (key, language code, files as (path, bytes)).
type Voices<'a> = &'a [(&'a str, &'a str, &'a [(String, Vec<u8>)])];

/// `voices.json` describing `voices` (key → its files), plus one unsafe entry that must be dropped.
fn catalogue(voices: Voices<'_>) -> Vec<u8> {
    let mut cat = serde_json::Map::new();
    for (k, code, files) in voices {
        let files: serde_json::Map<String, serde_json::Value> =
            files.iter().map(|(p, b)| (p.clone(), json!({"size_bytes": b.len(), "md5_digest": md5_hex(b)}))).collect();
        let (family, region) = code.split_once('_').unwrap_or((code, ""));
        cat.insert(k.to_string(), json!({"key": k, "name": "test", "quality": "low", "num_speakers": 1,
            "language": {"code": code, "family": family, "region": region, "name_english": "Test"}, "files": files, "aliases": []}));
    }
    cat.insert("../escape".into(), json!({"key": "../escape", "files": {"../../x.onnx": {"size_bytes": 1, "md5_digest": "0"}}}));
    serde_json::to_vec(&cat).unwrap_or_default()
}

async fn repo_with(files: Vec<(String, Vec<u8>)>, voices: Voices<'_>) -> FakeVoiceRepo {
    let mut map: HashMap<String, Vec<u8>> = files.into_iter().collect();
    map.insert("voices.json".into(), catalogue(voices));
    FakeVoiceRepo::start(map).await
}

async fn stand_in_repo() -> FakeVoiceRepo {
    let files = stand_in_files();
    repo_with(files.clone(), &[(KEY, "xx_XX", &files)]).await
}

async fn install(m: &VoiceManager, k: &str) -> Result<deckmedia_core::voices::InstalledVoice, VoiceError> {
    within(Duration::from_secs(60), m.install(&key(k), &|_: &InstallProgress| {}, &CancellationToken::new())).await
}

fn partial(data: &Path, name: &str) -> std::path::PathBuf {
    data.join("voices").join(".partial").join(KEY).join(name)
}

#[tokio::test]
async fn the_catalogue_lists_available_voices_and_drops_unsafe_entries() {
    let repo = stand_in_repo().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let m = VoiceManager::new(dir.path(), &repo.base_url()).expect("manager");
    let cat = m.catalogue().await.expect("catalogue");
    assert_eq!(cat.voices.keys().map(VoiceKey::as_str).collect::<Vec<_>>(), vec![KEY]);
    assert_eq!(cat.rejected, 1, "the ../escape entry");
    assert_eq!(cat.voices.values().next().map(|v| v.download_size()), Some(stand_in_files().iter().map(|f| f.1.len() as u64).sum()));
    assert!(m.store().installed().is_empty());
    let card = m.model_card(&cat.voices[&key(KEY)]).await.expect("model card");
    assert!(card.is_some_and(|c| c.contains("License: CC0")));
}

#[tokio::test]
async fn install_reports_progress_in_events_and_places_a_complete_voice() {
    let repo = stand_in_repo().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::default();
    config.voices.url = repo.base_url();
    let core = Core::open_with_config(dir.path(), config).expect("core");
    let mut rx = core.subscribe();
    let voice = within(Duration::from_secs(60), core.install_voice(&key(KEY), &CancellationToken::new())).await.expect("installed");
    let total: u64 = stand_in_files().iter().map(|f| f.1.len() as u64).sum();
    let mut seen = Vec::new();
    let last = wait_event(&mut rx, Duration::from_secs(5), |e| match e {
        Event::VoiceInstall { state, bytes_done, bytes_total, .. } => {
            seen.push((*state, *bytes_done, *bytes_total));
            (*state != VoiceInstallState::Downloading).then_some(*state)
        }
        _ => None,
    })
    .await;
    assert_eq!(last, VoiceInstallState::Installed);
    let downloading: Vec<_> = seen.iter().filter(|s| s.0 == VoiceInstallState::Downloading).collect();
    assert!(!downloading.is_empty(), "{seen:?}");
    assert!(downloading.windows(2).all(|w| w[0].1 <= w[1].1), "progress never goes back: {seen:?}");
    assert_eq!(downloading.last().map(|s| (s.1, s.2)), Some((total, total)), "{seen:?}");
    for (path, bytes) in stand_in_files() {
        let name = path.rsplit('/').next().unwrap_or("");
        assert_eq!(std::fs::read(voice.dir.join(name)).ok(), Some(bytes), "{name}");
    }
    assert_eq!(voice.dir, dir.path().canonicalize().expect("abs").join("voices").join(KEY));
    assert!(!partial(dir.path(), "").exists(), "no staging folder left");
    let listed = core.voice_manager().expect("manager").store().installed();
    assert_eq!(listed.iter().map(|v| v.key.as_str()).collect::<Vec<_>>(), vec![KEY]);
    assert_eq!(listed[0].language.code, "xx_XX");
}

#[tokio::test]
async fn a_digest_mismatch_is_refused_and_nothing_is_installed() {
    let repo = stand_in_repo().await;
    let mut tampered = stand_in_files()[0].1.clone();
    tampered[1000] ^= 0xff; // same size, other content
    repo.set_file(&format!("{DIR}/{KEY}.onnx"), tampered);
    let dir = tempfile::tempdir().expect("temp dir");
    let m = VoiceManager::new(dir.path(), &repo.base_url()).expect("manager");
    let err = install(&m, KEY).await.expect_err("a tampered model must be refused");
    assert!(matches!(&err, VoiceError::Mismatch { what: "MD5", .. }), "{err}");
    assert!(err.to_string().contains(&format!("{KEY}.onnx")), "{err}");
    assert!(m.store().get(&key(KEY)).is_none());
    assert!(!partial(dir.path(), &format!("{KEY}.onnx.part")).exists(), "the bad download is removed");
    assert!(!dir.path().join("voices").join(KEY).exists());
}

#[tokio::test]
async fn an_interrupted_install_resumes_with_a_range_request() {
    let repo = stand_in_repo().await;
    let dir = tempfile::tempdir().expect("temp dir");
    // What a crash half-way through the model leaves behind.
    let model = &stand_in_files()[0].1;
    let half = model.len() / 2;
    let part = partial(dir.path(), &format!("{KEY}.onnx.part"));
    std::fs::create_dir_all(part.parent().expect("parent")).expect("partial dir");
    std::fs::write(&part, &model[..half]).expect("partial file");
    let m = VoiceManager::new(dir.path(), &repo.base_url()).expect("manager");
    let voice = install(&m, KEY).await.expect("resumed install");
    let model_requests: Vec<_> = repo.requests().into_iter().filter(|r| r.path.ends_with(".onnx")).collect();
    assert_eq!(model_requests.len(), 1, "{model_requests:?}");
    assert_eq!(model_requests[0].range.as_deref(), Some(format!("bytes={half}-").as_str()));
    assert_eq!(std::fs::read(&voice.model).ok().as_ref(), Some(model));
}

#[tokio::test]
async fn a_server_without_ranges_or_a_bad_partial_file_still_ends_in_a_verified_voice() {
    let repo = stand_in_repo().await;
    repo.ignore_ranges(true);
    let dir = tempfile::tempdir().expect("temp dir");
    let part = partial(dir.path(), &format!("{KEY}.onnx.part"));
    std::fs::create_dir_all(part.parent().expect("parent")).expect("partial dir");
    std::fs::write(&part, vec![0u8; 1000]).expect("a partial file the server cannot resume");
    let m = VoiceManager::new(dir.path(), &repo.base_url()).expect("manager");
    let voice = install(&m, KEY).await.expect("the file is fetched again from the start");
    assert_eq!(std::fs::read(&voice.model).ok(), Some(stand_in_files()[0].1.clone()));

    // A garbage prefix the server *does* resume is caught by the digest, removed, and the next
    // attempt starts clean.
    repo.ignore_ranges(false);
    m.store().remove(&key(KEY)).expect("remove");
    std::fs::create_dir_all(part.parent().expect("parent")).expect("partial dir");
    std::fs::write(&part, vec![7u8; 1000]).expect("a corrupt partial file");
    assert!(matches!(install(&m, KEY).await, Err(VoiceError::Mismatch { .. })));
    assert!(install(&m, KEY).await.is_ok(), "the retry starts from scratch");
}

#[tokio::test]
async fn remove_deletes_an_installed_voice_and_unknown_keys_are_clear_errors() {
    let repo = stand_in_repo().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let m = VoiceManager::new(dir.path(), &repo.base_url()).expect("manager");
    install(&m, KEY).await.expect("install");
    assert!(m.store().remove(&key(KEY)).expect("remove"));
    assert!(!dir.path().join("voices").join(KEY).exists());
    assert!(m.store().installed().is_empty());
    assert!(!m.store().remove(&key(KEY)).expect("second remove"), "nothing left to remove");
    let err = install(&m, "de_DE-nobody-low").await.expect_err("not in the catalogue");
    assert!(matches!(err, VoiceError::UnknownVoice(_)), "{err}");
}

#[tokio::test]
async fn a_cancelled_install_installs_nothing_and_keeps_its_download() {
    let repo = stand_in_repo().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let m = VoiceManager::new(dir.path(), &repo.base_url()).expect("manager");
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let reports = Mutex::new(Vec::new());
    // Cancel at the first progress report (the first file has started).
    let sink = |p: &InstallProgress| {
        reports.lock().unwrap_or_else(|e| e.into_inner()).push(p.bytes_done);
        stop.cancel();
    };
    let result = within(Duration::from_secs(60), m.install(&key(KEY), &sink, &cancel)).await;
    assert!(matches!(result, Err(VoiceError::Cancelled)), "{result:?}");
    assert!(!reports.lock().unwrap_or_else(|e| e.into_inner()).is_empty());
    assert!(m.store().get(&key(KEY)).is_none());
    assert!(partial(dir.path(), "").exists(), "the download is kept for the next attempt");
    assert!(install(&m, KEY).await.is_ok());
}

#[tokio::test]
async fn an_installed_real_voice_speaks_with_the_repository_gone() {
    let data = crate::neural::test_data();
    let joe = crate::neural::JOE;
    let src = data.join("voice").join(joe);
    let dir_in_repo = "en/en_US/joe/medium";
    let files: Vec<(String, Vec<u8>)> = [format!("{joe}.onnx"), format!("{joe}.onnx.json"), "MODEL_CARD".into()]
        .into_iter()
        .map(|n| (format!("{dir_in_repo}/{n}"), std::fs::read(src.join(&n)).expect("cached voice file")))
        .collect();
    let repo = repo_with(files.clone(), &[(joe, "en_US", &files)]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let m = VoiceManager::new(dir.path(), &repo.base_url()).expect("manager");
    install(&m, joe).await.expect("install joe");
    repo.stop();
    assert!(m.catalogue().await.is_err(), "the repository is offline");
    let runtime = RuntimeSearch { configured: Some(data.join("runtime")), exe_dir: None, data_dir: None };
    let p = NeuralProvider::new(NeuralConfig::new(dir.path(), Some(key(joe)), runtime, Duration::from_secs(60)));
    let req = MediaRequest { kind: MediaKind::Audio, text: "apple".into(), language: "en".into(), translation: None };
    let out = p.generate(&req, &CancellationToken::new()).await.expect("speaks offline");
    assert!(out.bytes.starts_with(b"OggS"));
    assert_eq!(p.settings_key(), format!("neural-audio:piper:{joe}:ogg:v1"));
}

#[tokio::test]
async fn installing_again_downloads_nothing_and_a_new_catalogue_entry_replaces_the_voice() {
    let files = stand_in_files();
    let repo = repo_with(files.clone(), &[(KEY, "xx_XX", &files)]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let m = VoiceManager::new(dir.path(), &repo.base_url()).expect("manager");
    install(&m, KEY).await.expect("install");
    let downloads = |repo: &FakeVoiceRepo| repo.requests().iter().filter(|r| r.path != "voices.json").count();
    assert_eq!(downloads(&repo), 3);
    install(&m, KEY).await.expect("install again");
    assert_eq!(downloads(&repo), 3, "the same voice is not downloaded twice");

    // The repository publishes a new model: the catalogue changes, the voice is replaced whole.
    let mut newer = files.clone();
    newer[0].1 = vec![42u8; 1234];
    repo.set_file(&newer[0].0, newer[0].1.clone());
    repo.set_file("voices.json", catalogue(&[(KEY, "xx_XX", &newer)]));
    let voice = install(&m, KEY).await.expect("update");
    assert_eq!(std::fs::read(&voice.model).ok(), Some(vec![42u8; 1234]));
    assert_eq!(m.store().installed().len(), 1);
    assert!(!dir.path().join("voices").join(".partial").join(format!("replaced-{KEY}")).exists());
}

#[tokio::test]
async fn a_server_sending_more_than_the_catalogue_says_is_cut_off() {
    let files = stand_in_files();
    let repo = repo_with(files.clone(), &[(KEY, "xx_XX", &files)]).await;
    let mut bigger = files[0].1.clone();
    bigger.extend(vec![0u8; 500_000]);
    repo.set_file(&files[0].0, bigger);
    let dir = tempfile::tempdir().expect("temp dir");
    let m = VoiceManager::new(dir.path(), &repo.base_url()).expect("manager");
    let err = install(&m, KEY).await.expect_err("too big");
    assert!(matches!(&err, VoiceError::Mismatch { what: "size", .. }), "{err}");
    assert!(!partial(dir.path(), &format!("{KEY}.onnx.part")).exists());
}
