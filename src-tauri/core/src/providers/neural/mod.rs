//! The `neural` audio provider: Piper voices (VITS, ONNX) run in-process with ONNX Runtime.
//!
//! For each word: the installed voice for its language ([`VoiceStore::best_for`]; the
//! configured `audio.voice` first), phonemes from `espeak-ng --ipa` in the voice's eSpeak voice,
//! ids through the voice's `phoneme_id_map`, one inference on a blocking thread (the session is
//! loaded once per voice and reused), then float PCM → trimmed → Ogg Vorbis like the offline
//! voice. A language with no installed voice falls back to eSpeak NG, and the media's warning
//! says so. It never downloads anything: installing voices is [`crate::voices`]' job.
//!
//! * [`runtime`]: finding and loading the ONNX Runtime library.
//! * [`piper`]: a voice's config, phoneme ids and inference.
//! * [`phonemes`]: the `espeak-ng` child process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::audio::{self, AudioError, Pcm, TrimOptions};
use super::offline::EspeakProvider;
use super::{MediaBytes, MediaRequest, Provider, ProviderError, ProviderFuture};
use crate::model::MediaKind;
use crate::voices::{InstalledVoice, VoiceKey, VoiceStore};

pub mod phonemes;
pub mod piper;
pub mod runtime;

pub use piper::{PiperConfig, PiperVoice};
pub use runtime::{RuntimeError, RuntimeSearch};

/// Settings of the neural provider.
#[derive(Debug, Clone)]
pub struct NeuralConfig {
    /// The data dir (its `voices/` and `runtime/` folders).
    pub data_dir: PathBuf,
    /// `audio.voice`: the voice to use for words of its language; `None` = the best installed.
    pub voice: Option<VoiceKey>,
    /// Where ONNX Runtime is looked for.
    pub runtime: RuntimeSearch,
    /// The eSpeak NG program (phonemes, and the fallback voice).
    pub espeak: String,
    pub timeout: Duration,
    /// Threads ONNX Runtime uses inside one inference.
    pub threads: usize,
}

impl NeuralConfig {
    pub fn new(data_dir: &Path, voice: Option<VoiceKey>, runtime: RuntimeSearch, timeout: Duration) -> Self {
        let espeak = std::env::var("DECKMEDIA_ESPEAK").unwrap_or_else(|_| "espeak-ng".into());
        let threads = std::thread::available_parallelism().map(|n| n.get().min(4)).unwrap_or(1);
        NeuralConfig { data_dir: data_dir.to_path_buf(), voice, runtime, espeak, timeout, threads }
    }
}

/// Speaks words with installed Piper voices; eSpeak NG where none fits.
pub struct NeuralProvider {
    config: NeuralConfig,
    voices: VoiceStore,
    fallback: EspeakProvider,
    /// Loaded voices by key: each model is loaded once and reused.
    loaded: Mutex<HashMap<VoiceKey, Arc<PiperVoice>>>,
}

impl NeuralProvider {
    pub fn new(config: NeuralConfig) -> Self {
        let voices = VoiceStore::in_data_dir(&config.data_dir);
        let fallback = EspeakProvider::with_program(config.espeak.clone(), config.timeout);
        NeuralProvider { config, voices, fallback, loaded: Mutex::new(HashMap::new()) }
    }

    /// The provider for `[audio] provider = "neural"`: `voice` is an installed voice's key (empty,
    /// or the OpenAI default `alloy`, = the best installed voice per language).
    pub fn from_config(c: &crate::config::ProviderConfig, neural: &crate::config::NeuralSection, data_dir: Option<&Path>) -> crate::Result<Self> {
        let data_dir = match data_dir {
            Some(d) => d.to_path_buf(),
            None => crate::paths::default_data_dir()?,
        };
        let voice = match c.voice.trim() {
            "" | "alloy" => None,
            v => Some(v.parse::<VoiceKey>().map_err(|e| crate::Error::Config(format!("[audio] voice: {e}")))?),
        };
        let runtime = RuntimeSearch::new(&neural.runtime, Some(&data_dir));
        Ok(NeuralProvider::new(NeuralConfig::new(&data_dir, voice, runtime, c.timeout())))
    }

    /// The installed voice that would speak a word in `language`, if any.
    pub fn voice_for(&self, language: &str) -> Option<InstalledVoice> {
        self.voices.best_for(language, self.config.voice.as_ref())
    }

    /// Loads a voice (blocking; once per voice per provider). Benchmarks and tests call it to
    /// time the load; jobs load through [`Self::generate`].
    pub fn load(&self, voice: &InstalledVoice) -> Result<Arc<PiperVoice>, ProviderError> {
        if let Some(v) = self.cached(&voice.key) {
            return Ok(v);
        }
        let piper = Arc::new(load_voice(&self.config, voice)?);
        Ok(self.keep(voice.key.clone(), piper))
    }

    fn cached(&self, key: &VoiceKey) -> Option<Arc<PiperVoice>> {
        self.loaded.lock().unwrap_or_else(|p| p.into_inner()).get(key).cloned()
    }

    /// Keeps a loaded voice; when two jobs loaded it at once, the first one kept wins.
    fn keep(&self, key: VoiceKey, piper: Arc<PiperVoice>) -> Arc<PiperVoice> {
        self.loaded.lock().unwrap_or_else(|p| p.into_inner()).entry(key).or_insert(piper).clone()
    }

    /// Phonemes → audio → Ogg Vorbis with one installed voice.
    async fn speak(&self, voice: InstalledVoice, text: &str) -> Result<MediaBytes, ProviderError> {
        let piper = self.loaded_or_load(&voice).await?;
        let espeak_voice = &piper.config.espeak.voice;
        let ipa = phonemes::phonemize(&self.config.espeak, espeak_voice, text).await?;
        if ipa.trim().is_empty() {
            return Err(ProviderError::permanent(format!("eSpeak NG made no phonemes for this word in voice '{espeak_voice}'")));
        }
        let key = voice.key.clone();
        let encoded = tokio::task::spawn_blocking(move || synthesize_ogg(&piper, &ipa))
            .await
            .map_err(|e| ProviderError::permanent(format!("neural voice {key} failed: {e}")))?;
        match encoded {
            Ok(bytes) => Ok(MediaBytes::new(bytes, "audio/ogg", "ogg")),
            Err(SynthError::Audio(AudioError::Silent | AudioError::Empty)) => {
                Err(ProviderError::permanent(format!("neural voice {key} made no sound for this word")))
            }
            Err(e) => Err(ProviderError::permanent(format!("neural voice {key}: {e}"))),
        }
    }

    /// The loaded voice, loading it on a blocking thread the first time.
    async fn loaded_or_load(&self, voice: &InstalledVoice) -> Result<Arc<PiperVoice>, ProviderError> {
        if let Some(v) = self.cached(&voice.key) {
            return Ok(v);
        }
        // Loading takes a few hundred ms: off the async threads.
        let (cfg, v) = (self.config.clone(), voice.clone());
        let piper = tokio::task::spawn_blocking(move || load_voice(&cfg, &v))
            .await
            .map_err(|e| ProviderError::permanent(format!("loading the neural voice failed: {e}")))??;
        Ok(self.keep(voice.key.clone(), Arc::new(piper)))
    }
}

/// Loads the runtime (once per process) and a voice's model (blocking).
fn load_voice(cfg: &NeuralConfig, voice: &InstalledVoice) -> Result<PiperVoice, ProviderError> {
    let env = runtime::environment(&cfg.runtime).map_err(|e| ProviderError::permanent(e.to_string()))?;
    let config = PiperConfig::from_file(&voice.config).map_err(|e| ProviderError::permanent(e.to_string()))?;
    let started = std::time::Instant::now();
    let piper = PiperVoice::load(&env, &voice.model, config, cfg.threads).map_err(|e| ProviderError::permanent(e.to_string()))?;
    tracing::info!(voice = %voice.key, ms = started.elapsed().as_millis() as u64, "neural voice loaded");
    Ok(piper)
}

/// Why one synthesis failed.
#[derive(Debug, thiserror::Error)]
enum SynthError {
    #[error("{0}")]
    Piper(#[from] piper::PiperError),
    #[error("{0}")]
    Audio(#[from] AudioError),
}

/// IPA → ids → model → trimmed Ogg Vorbis (blocking).
fn synthesize_ogg(voice: &PiperVoice, ipa: &str) -> Result<Vec<u8>, SynthError> {
    let ids = voice.config.phoneme_ids(ipa);
    let samples = voice.synthesize(&ids)?;
    let pcm = Pcm { sample_rate: voice.config.audio.sample_rate, channels: 1, samples: piper::to_pcm16(&samples) };
    let keep = audio::trim_silence(&pcm, &TrimOptions::default()).ok_or(AudioError::Silent)?;
    Ok(audio::encode_ogg_vorbis(&pcm.slice_frames(keep), audio::DEFAULT_QUALITY)?)
}

impl Provider for NeuralProvider {
    fn name(&self) -> &str {
        "neural"
    }
    fn settings_key(&self) -> String {
        let voice = self.config.voice.as_ref().map(VoiceKey::as_str).unwrap_or("auto");
        format!("neural-audio:piper:{voice}:ogg:v1")
    }
    fn warning(&self, request: &MediaRequest) -> Option<String> {
        if self.voice_for(&request.language).is_some() {
            return None;
        }
        let lang = if request.language.trim().is_empty() { "(no language)" } else { request.language.trim() };
        let mut w = format!("no neural voice installed for '{}': used eSpeak NG", crate::text::clip(lang));
        if let Some(more) = super::offline::speech_warning(&request.text, &request.language) {
            w.push_str("; ");
            w.push_str(&more);
        }
        Some(w)
    }
    fn generate<'a>(&'a self, request: &'a MediaRequest, cancel: &'a CancellationToken) -> ProviderFuture<'a> {
        Box::pin(async move {
            if request.kind != MediaKind::Audio {
                return Err(ProviderError::permanent("neural voices make audio only"));
            }
            let Some(voice) = self.voice_for(&request.language) else {
                return self.fallback.generate(request, cancel).await;
            };
            tokio::select! {
                _ = cancel.cancelled() => Err(ProviderError::Cancelled),
                r = tokio::time::timeout(self.config.timeout, self.speak(voice, &request.text)) => match r {
                    Ok(r) => r,
                    Err(_) => Err(ProviderError::timed_out(format!("the neural voice timed out after {}", crate::providers::openai::human_duration(self.config.timeout)))),
                },
            }
        })
    }
}
