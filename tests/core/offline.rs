//! The built-in offline providers, against the real `espeak-ng` program.

use std::io::Cursor;
use std::time::{Duration, Instant};

use deckmedia_core::providers::audio::{window_levels_dbfs, Pcm};
use deckmedia_core::providers::offline::{speech_warning, EspeakProvider, WordCardProvider};
use deckmedia_core::providers::{MediaRequest, Provider, ProviderError};
use deckmedia_core::MediaKind;
use lewton::inside_ogg::OggStreamReader;
use tokio_util::sync::CancellationToken;

fn request(kind: MediaKind, text: &str, language: &str) -> MediaRequest {
    MediaRequest { kind, text: text.into(), language: language.into(), translation: None }
}

/// Decodes Ogg Vorbis with lewton (independent of the encoder), as mono-or-interleaved PCM.
fn decode_ogg(bytes: &[u8]) -> Pcm {
    let mut r = OggStreamReader::new(Cursor::new(bytes)).expect("an Ogg Vorbis stream");
    let (rate, channels) = (r.ident_hdr.audio_sample_rate, u16::from(r.ident_hdr.audio_channels));
    let mut samples = Vec::new();
    while let Some(packet) = r.read_dec_packet_itl().expect("decodable Vorbis packets") {
        samples.extend(packet);
    }
    Pcm { sample_rate: rate, channels, samples }
}

/// Milliseconds before the first 10 ms window at or above -45 dBFS.
fn leading_silence_ms(pcm: &Pcm) -> f64 {
    let window = (pcm.sample_rate / 100) as usize;
    let first = window_levels_dbfs(pcm, window).iter().position(|l| *l >= -45.0).expect("some sound");
    (first * window) as f64 * 1000.0 / f64::from(pcm.sample_rate)
}

async fn speak(p: &EspeakProvider, word: &str, lang: &str) -> Result<deckmedia_core::providers::MediaBytes, ProviderError> {
    p.generate(&request(MediaKind::Audio, word, lang), &CancellationToken::new()).await
}

#[tokio::test]
async fn espeak_speaks_words_in_five_languages_as_trimmed_ogg_vorbis() {
    let p = EspeakProvider::new(Duration::from_secs(20));
    for (word, lang) in [("apple", "en"), ("Apfel", "de"), ("manzana", "es"), ("pomme", "fr"), ("яблоко", "ru")] {
        let started = Instant::now();
        let out = speak(&p, word, lang).await.unwrap_or_else(|e| panic!("{word}: {e}"));
        let took = started.elapsed();
        assert_eq!((out.mime.as_str(), out.ext.as_str()), ("audio/ogg", "ogg"));
        assert!(out.bytes.starts_with(b"OggS"), "{word}: not an Ogg stream");
        let pcm = decode_ogg(&out.bytes);
        assert_eq!((pcm.sample_rate, pcm.channels), (22_050, 1), "{word}");
        let secs = pcm.duration().as_secs_f64();
        assert!((0.2..=2.0).contains(&secs), "{word} ({lang}): {secs:.3} s");
        let peak = pcm.samples.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        assert!(peak > 3_000, "{word} ({lang}) is (nearly) silent: peak {peak}");
        let lead = leading_silence_ms(&pcm);
        assert!(lead < 100.0, "{word} ({lang}): {lead:.0} ms of leading silence after trimming");
        eprintln!("{lang} {word}: {} bytes, {secs:.3} s, lead {lead:.0} ms, {} ms", out.bytes.len(), took.as_millis());
    }
}

#[tokio::test]
async fn espeak_output_is_compact_and_repeatable() {
    let p = EspeakProvider::new(Duration::from_secs(20));
    let a = speak(&p, "apple", "en").await.unwrap();
    // ~0.35 s of speech at ~8 KB/s; the old WAV was 27.7 KB.
    assert!((1_000..8_000).contains(&a.bytes.len()), "apple: {} bytes", a.bytes.len());
    assert_eq!(a.bytes, speak(&p, "apple", "en").await.unwrap().bytes, "same word, same bytes");
    assert_eq!(p.settings_key(), "offline-audio:espeak-ng:ogg:v2");
}

#[tokio::test]
async fn a_missing_espeak_is_a_clear_permanent_error() {
    let p = EspeakProvider::with_program("/nonexistent/espeak-ng", Duration::from_secs(5));
    let e = speak(&p, "apple", "en").await.unwrap_err();
    match e {
        ProviderError::Permanent { message } => assert!(message.contains("apt-get install espeak-ng"), "{message}"),
        other => panic!("expected a permanent error, got {other:?}"),
    }
}

#[tokio::test]
async fn words_without_speakable_sound_are_a_clear_permanent_error() {
    let p = EspeakProvider::new(Duration::from_secs(20));
    // Symbols eSpeak NG has no name for, and an emoji in a voice without emoji names.
    for (word, lang) in [("★✓", "en"), ("…—", "de"), ("★", "ru"), ("🍎", "ja")] {
        match speak(&p, word, lang).await {
            Err(ProviderError::Permanent { message }) => assert!(message.contains("no sound"), "{word}: {message}"),
            other => panic!("{word} ({lang}): expected a permanent error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn hostile_words_never_panic() {
    let p = EspeakProvider::new(Duration::from_secs(30));
    let long: String = "абв ".repeat(128);
    let words = [
        ("-v", "en"),
        ("--help", "en"),
        ("-", "de"),
        ("שָׁלוֹם", "he"),
        ("مرحبا", "ar"),
        ("🍎", "en"),
        ("a\u{0}b\u{202e}c", "en"),
        ("[[h@'loU]]", "en"),
        ("<speak>hi</speak>", "en"),
        (long.as_str(), "ru"),
        ("apple", "xx-unknown"),
        ("apple", "--help"),
    ];
    for (word, lang) in words {
        match speak(&p, word, lang).await {
            Ok(out) => {
                let pcm = decode_ogg(&out.bytes);
                assert!(pcm.frames() > 0, "{word:?} ({lang})");
            }
            Err(ProviderError::Permanent { message }) => assert!(!message.is_empty()),
            Err(other) => panic!("{word:?} ({lang}): {other:?}"),
        }
    }
}

/// A stand-in for espeak-ng that never answers and records its process id.
fn hanging_program(dir: &std::path::Path) -> (String, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let pid_file = dir.join("pid");
    let script = dir.join("hang.sh");
    std::fs::write(&script, format!("#!/bin/sh\necho $$ > '{}'\nexec sleep 30\n", pid_file.display())).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script.display().to_string(), pid_file)
}

/// Whether the process is gone (or a zombie waiting to be reaped).
async fn process_ended(pid_file: &std::path::Path) -> bool {
    let Ok(pid) = std::fs::read_to_string(pid_file) else { return false };
    for _ in 0..50 {
        match std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())) {
            Err(_) => return true,
            Ok(stat) if stat.rsplit(')').next().is_some_and(|r| r.trim_start().starts_with('Z')) => return true,
            Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    false
}

#[tokio::test]
async fn timeout_and_cancellation_kill_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let (program, pid_file) = hanging_program(dir.path());
    let req = request(MediaKind::Audio, "apple", "en");

    let p = EspeakProvider::with_program(&program, Duration::from_millis(500));
    let started = Instant::now();
    match p.generate(&req, &CancellationToken::new()).await {
        Err(ProviderError::TimedOut { message }) => assert_eq!(message, "espeak-ng timed out after 500ms"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(process_ended(&pid_file).await, "the timed-out program still runs");

    std::fs::remove_file(&pid_file).unwrap();
    let p = EspeakProvider::with_program(&program, Duration::from_secs(60));
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        c2.cancel();
    });
    let started = Instant::now();
    assert_eq!(p.generate(&req, &cancel).await, Err(ProviderError::Cancelled));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(process_ended(&pid_file).await, "the cancelled program still runs");
}

#[test]
fn cjk_words_the_offline_voice_misreads_get_a_warning() {
    let cases = [
        // (text, language, warned)
        ("林檎", "ja", true),
        ("猫", "ja-JP", true),
        ("りんごの木", "ja", true),
        ("りんご", "ja", false),
        ("ネコ", "ja", false),
        ("苹果", "zh", true),
        ("苹果", "zh-CN", true),
        ("蘋果", "zh-TW", true),
        ("水", "cmn", true),
        ("苹果", "zh-Hans", true),
        ("pingguo", "zh", false),
        ("苹果", "yue", false),
        ("蘋果", "zh-HK", false),
        ("苹果", "zh-yue", false),
        ("苹果", "en", false),
        ("사과", "ko", false),
        ("apple", "ja", false),
        ("", "ja", false),
    ];
    for (text, lang, warned) in cases {
        let w = speech_warning(text, lang);
        assert_eq!(w.is_some(), warned, "{text} ({lang}): {w:?}");
    }
    assert!(speech_warning("猫", "ja").unwrap().contains("kana"));
    assert!(speech_warning("猫", "zh").unwrap().contains("pinyin"));
}

#[tokio::test]
async fn warned_words_still_get_audio() {
    let p = EspeakProvider::new(Duration::from_secs(20));
    for (word, lang) in [("林檎", "ja"), ("苹果", "zh"), ("苹果", "yue")] {
        let out = speak(&p, word, lang).await.unwrap_or_else(|e| panic!("{word} ({lang}): {e}"));
        assert!(decode_ogg(&out.bytes).frames() > 0);
    }
}

#[tokio::test]
async fn word_cards_are_svg_with_the_word_escaped() {
    let out = WordCardProvider.generate(&request(MediaKind::Image, "<b>&co", "en"), &CancellationToken::new()).await.unwrap();
    let svg = String::from_utf8(out.bytes).unwrap();
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    assert!(svg.contains("&lt;b&gt;&amp;co"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kanji_word_gets_offline_audio_with_a_warning_the_ui_can_show() {
    use deckmedia_core::{Core, NewWord};
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), Default::default()).unwrap();
    let deck = core.create_deck("Japanese", "ja").unwrap();
    let w = |t: &str| NewWord { text: t.into(), ..Default::default() };
    core.add_words(deck.id, &[w("猫"), w("ねこ")]).unwrap();
    core.generate(deck.id, &[MediaKind::Audio], false).unwrap();
    core.worker().unwrap().run_until_idle(CancellationToken::new()).await.unwrap();
    let media = core.media_of_deck(deck.id).unwrap();
    assert_eq!(media[0].audio.status, deckmedia_core::MediaStatus::Done);
    assert!(media[0].audio.warning.as_deref().unwrap_or("").contains("kanji"), "{:?}", media[0].audio);
    assert_eq!(media[1].audio.status, deckmedia_core::MediaStatus::Done);
    assert_eq!(media[1].audio.warning, None, "kana is read fine");
}
