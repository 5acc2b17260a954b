//! A Piper voice (VITS exported to ONNX): its `.onnx.json` config, phonemes → ids, and one
//! inference. Written from Piper's published model interface, not its (GPL) code:
//!
//! * ids: `^` `_` then, for each phoneme (a Unicode code point of the NFD-normalised IPA), its
//!   ids from `phoneme_id_map` followed by `_`, then `$`. Unknown phonemes are skipped.
//! * inputs: `input` int64 `[1, n]`, `input_lengths` int64 `[1]`, `scales` float32
//!   `[noise_scale, length_scale, noise_w]`, and `sid` int64 `[1]` for multi-speaker voices.
//! * output: float32 audio at `audio.sample_rate`, about [-1, 1].
//!
//! Everything here is blocking (loading takes ~0.3 s, a word ~20–40 ms): call it from a
//! blocking thread.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

/// Piper's special phonemes.
const BOS: &str = "^";
const EOS: &str = "$";
const PAD: &str = "_";

/// The parts of a voice's `.onnx.json` the app uses.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PiperConfig {
    pub audio: AudioConfig,
    #[serde(default)]
    pub espeak: EspeakConfig,
    #[serde(default)]
    pub inference: InferenceConfig,
    /// `espeak` for every voice this app can speak with (others need other phonemizers).
    #[serde(default = "espeak_type")]
    pub phoneme_type: String,
    #[serde(default)]
    pub num_speakers: u32,
    pub phoneme_id_map: HashMap<String, Vec<i64>>,
}

fn espeak_type() -> String {
    "espeak".into()
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AudioConfig {
    pub sample_rate: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EspeakConfig {
    /// The eSpeak NG voice that makes this voice's phonemes (`en-us`, `de`, ...).
    pub voice: String,
}

impl Default for EspeakConfig {
    fn default() -> Self {
        EspeakConfig { voice: "en-us".into() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default)]
pub struct InferenceConfig {
    pub noise_scale: f32,
    pub length_scale: f32,
    pub noise_w: f32,
}

impl Default for InferenceConfig {
    fn default() -> Self {
        InferenceConfig { noise_scale: 0.667, length_scale: 1.0, noise_w: 0.8 }
    }
}

/// Why a voice could not be loaded or run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PiperError {
    #[error("voice config {path}: {message}")]
    Config { path: String, message: String },
    #[error("voice model {path} could not be loaded: {message}")]
    Model { path: String, message: String },
    #[error("the voice model failed: {0}")]
    Inference(String),
}

impl PiperConfig {
    /// Reads and checks a `.onnx.json`.
    pub fn from_file(path: &Path) -> Result<PiperConfig, PiperError> {
        let err = |message: String| PiperError::Config { path: path.display().to_string(), message };
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let config: PiperConfig = serde_json::from_slice(&bytes).map_err(|e| err(e.to_string()))?;
        if config.phoneme_type != "espeak" {
            return Err(err(format!("phoneme type '{}' is not supported (only eSpeak voices)", crate::text::clip(&config.phoneme_type))));
        }
        if !(8_000..=192_000).contains(&config.audio.sample_rate) {
            return Err(err(format!("sample rate {} Hz is not plausible", config.audio.sample_rate)));
        }
        for special in [BOS, EOS, PAD] {
            if config.phoneme_id_map.get(special).is_none_or(|ids| ids.is_empty()) {
                return Err(err(format!("phoneme_id_map has no '{special}'")));
            }
        }
        Ok(config)
    }

    /// The model's input ids for an IPA string (see the module header for the padding).
    pub fn phoneme_ids(&self, phonemes: &str) -> Vec<i64> {
        let map = &self.phoneme_id_map;
        let ids_of = |p: &str| map.get(p).map(Vec::as_slice).unwrap_or(&[]);
        let mut ids = Vec::with_capacity(phonemes.len() * 2 + 3);
        ids.extend_from_slice(ids_of(BOS));
        ids.extend_from_slice(ids_of(PAD));
        let mut buf = [0u8; 4];
        for c in phonemes.nfd() {
            if let Some(found) = map.get(c.encode_utf8(&mut buf) as &str) {
                ids.extend_from_slice(found);
                ids.extend_from_slice(ids_of(PAD));
            }
        }
        ids.extend_from_slice(ids_of(EOS));
        ids
    }
}

/// A loaded voice: its config and one inference session (runs are serialised by a lock; ONNX
/// Runtime uses several threads inside one run).
pub struct PiperVoice {
    pub config: PiperConfig,
    session: Mutex<ort::session::Session>,
}

impl std::fmt::Debug for PiperVoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PiperVoice").field("sample_rate", &self.config.audio.sample_rate).finish_non_exhaustive()
    }
}

impl PiperVoice {
    /// Loads the model (blocking, ~0.3 s for a medium voice).
    pub fn load(env: &ort::environment::Environment, model: &Path, config: PiperConfig, threads: usize) -> Result<PiperVoice, PiperError> {
        let err = |e: String| PiperError::Model { path: model.display().to_string(), message: e };
        let session = ort::session::Session::builder(env)
            .map_err(|e| err(e.to_string()))?
            .with_intra_threads(threads.max(1))
            .map_err(|e| err(e.to_string()))?
            .commit_from_file(model)
            .map_err(|e| err(e.to_string()))?;
        Ok(PiperVoice { config, session: Mutex::new(session) })
    }

    /// Runs the model on phoneme ids: float samples at the config's sample rate.
    pub fn synthesize(&self, ids: &[i64]) -> Result<Vec<f32>, PiperError> {
        use ort::value::Tensor;
        let inf = |e: ort::Error| PiperError::Inference(e.to_string());
        let n = ids.len();
        let s = self.config.inference;
        let input = Tensor::from_array(([1usize, n], ids.to_vec())).map_err(inf)?;
        let lengths = Tensor::from_array(([1usize], vec![n as i64])).map_err(inf)?;
        let scales = Tensor::from_array(([3usize], vec![s.noise_scale, s.length_scale, s.noise_w])).map_err(inf)?;
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let outputs = if self.config.num_speakers > 1 {
            let sid = Tensor::from_array(([1usize], vec![0i64])).map_err(inf)?;
            session.run(ort::inputs!["input" => input, "input_lengths" => lengths, "scales" => scales, "sid" => sid])
        } else {
            session.run(ort::inputs!["input" => input, "input_lengths" => lengths, "scales" => scales])
        }
        .map_err(inf)?;
        let audio = outputs.values().next().ok_or_else(|| PiperError::Inference("the model gave no output".into()))?;
        let (_, samples) = audio.try_extract_tensor::<f32>().map_err(inf)?;
        Ok(samples.to_vec())
    }
}

/// Float samples → 16-bit PCM, peak-normalised like Piper's own output (to 0.95 of full scale,
/// leaving headroom for the lossy encoder). Silence stays silence.
pub fn to_pcm16(samples: &[f32]) -> Vec<i16> {
    let peak = samples.iter().filter(|s| s.is_finite()).fold(0.0f32, |m, s| m.max(s.abs()));
    let gain = if peak < 1e-6 { 0.0 } else { 0.95 / peak };
    samples
        .iter()
        .map(|s| if s.is_finite() { (s * gain * 32767.0).round().clamp(-32768.0, 32767.0) as i16 } else { 0 })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> PiperConfig {
        let map = [("_", 0), ("^", 1), ("$", 2), (" ", 3), ("a", 14), ("ˈ", 120), ("e", 18), ("\u{303}", 141)];
        PiperConfig {
            audio: AudioConfig { sample_rate: 22_050 },
            espeak: EspeakConfig::default(),
            inference: InferenceConfig::default(),
            phoneme_type: "espeak".into(),
            num_speakers: 1,
            phoneme_id_map: map.iter().map(|(k, v)| (k.to_string(), vec![*v])).collect(),
        }
    }

    #[test]
    fn ids_are_padded_and_unknown_phonemes_skipped() {
        assert_eq!(config().phoneme_ids("ˈa?a"), vec![1, 0, 120, 0, 14, 0, 14, 0, 2]);
        assert_eq!(config().phoneme_ids(""), vec![1, 0, 2]);
    }

    #[test]
    fn phonemes_are_decomposed_first() {
        // ẽ (one code point) is e + combining tilde in NFD, as Piper maps it.
        assert_eq!(config().phoneme_ids("\u{1EBD}"), vec![1, 0, 18, 0, 141, 0, 2]);
    }

    #[test]
    fn pcm_is_peak_normalised_and_never_nan() {
        assert_eq!(to_pcm16(&[0.0, 0.5, -0.25, f32::NAN]), vec![0, 31129, -15564, 0]);
        assert_eq!(to_pcm16(&[0.0, 0.0]), vec![0, 0]);
    }
}
