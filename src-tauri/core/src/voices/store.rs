//! Installed voices on disk: `<data dir>/voices/<key>/`, one folder per voice with the model
//! (`<key>.onnx`), its config (`<key>.onnx.json`), the model card and `voice.json` (the
//! catalogue entry it was installed from, written last). A folder without `voice.json` but
//! with `<key>.onnx` and `<key>.onnx.json` counts too (a Piper voice copied in by hand): its
//! language is read from the config.
//!
//! Installing is [`super::install`]'s job; it builds a voice in `voices/.partial/<key>/` and
//! renames the finished folder here, so a folder under its key is always complete. This module
//! lists, picks and removes; it never touches the network.

use std::path::{Path, PathBuf};

use super::catalogue::{quality_rank, language_match, CatalogueVoice, LanguageMatch, VoiceKey, VoiceLanguage};
use super::VoiceError;

/// The manifest's file name inside a voice folder.
pub const MANIFEST: &str = "voice.json";
/// Where unfinished installs live (not a valid [`VoiceKey`], so never listed as a voice).
pub const PARTIAL_DIR: &str = ".partial";

/// A voice ready to speak.
#[derive(Debug, Clone, PartialEq)]
pub struct InstalledVoice {
    pub key: VoiceKey,
    pub name: String,
    pub language: VoiceLanguage,
    pub quality: String,
    pub dir: PathBuf,
    pub model: PathBuf,
    pub config: PathBuf,
    /// `MODEL_CARD` (dataset and licence), when the voice came with one.
    pub model_card: Option<PathBuf>,
    /// Bytes on disk (model + config + card).
    pub size_bytes: u64,
}

/// The `voices` folder of a data dir.
#[derive(Debug, Clone)]
pub struct VoiceStore {
    root: PathBuf,
}

impl VoiceStore {
    /// The store under `<data dir>/voices` (created on first install, not here).
    pub fn in_data_dir(data_dir: &Path) -> VoiceStore {
        VoiceStore { root: data_dir.join("voices") }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder of an installed voice.
    pub fn voice_dir(&self, key: &VoiceKey) -> PathBuf {
        self.root.join(key.as_str())
    }

    /// The staging folder of an install of `key`.
    pub fn partial_dir(&self, key: &VoiceKey) -> PathBuf {
        self.root.join(PARTIAL_DIR).join(key.as_str())
    }

    /// Every installed voice, by key. Folders that are not complete voices are skipped.
    pub fn installed(&self) -> Vec<InstalledVoice> {
        let Ok(entries) = std::fs::read_dir(&self.root) else { return Vec::new() };
        let mut voices: Vec<InstalledVoice> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<VoiceKey>().ok()))
            .filter_map(|key| self.get(&key))
            .collect();
        voices.sort_by(|a, b| a.key.cmp(&b.key));
        voices
    }

    /// The catalogue entry an installed voice came from (`None` for a hand-copied voice).
    pub fn manifest(&self, key: &VoiceKey) -> Option<CatalogueVoice> {
        let bytes = std::fs::read(self.voice_dir(key).join(MANIFEST)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// An installed voice, or `None` when it is missing or incomplete.
    pub fn get(&self, key: &VoiceKey) -> Option<InstalledVoice> {
        let dir = self.voice_dir(key);
        match std::fs::read(dir.join(MANIFEST)) {
            Ok(bytes) => {
                let entry: CatalogueVoice = serde_json::from_slice(&bytes).ok()?;
                (entry.key == *key).then_some(())?;
                from_manifest(&dir, entry)
            }
            Err(_) => from_piper_files(&dir, key),
        }
    }

    /// The installed voice for a word in `language`: `preferred` when it is installed and
    /// speaks the language (or the language is empty), else the best installed voice for the
    /// language (same region first, then quality, then key). `None` when none speaks it.
    pub fn best_for(&self, language: &str, preferred: Option<&VoiceKey>) -> Option<InstalledVoice> {
        let installed = self.installed();
        if let Some(p) = preferred {
            let fits = |v: &&InstalledVoice| language.trim().is_empty() || language_match(&v.language, language).is_some();
            if let Some(v) = installed.iter().find(|v| &v.key == p).filter(fits) {
                return Some(v.clone());
            }
        }
        installed
            .into_iter()
            .filter_map(|v| language_match(&v.language, language).map(|m| (m, v)))
            .max_by(|(ma, a), (mb, b)| rank(*ma, a).cmp(&rank(*mb, b)).then_with(|| b.key.cmp(&a.key)))
            .map(|(_, v)| v)
    }

    /// Removes an installed voice (and any unfinished install of it). `Ok(false)` when there
    /// was nothing to remove. The folder is renamed away first, so a crash half-way never leaves
    /// a half-deleted voice under its key.
    pub fn remove(&self, key: &VoiceKey) -> Result<bool, VoiceError> {
        let partial = self.partial_dir(key);
        if partial.exists() {
            std::fs::remove_dir_all(&partial).map_err(|e| VoiceError::io("cannot remove", &partial, e))?;
        }
        let dir = self.voice_dir(key);
        if !dir.exists() {
            return Ok(false);
        }
        let trash = self.root.join(PARTIAL_DIR).join(format!("removing-{key}"));
        std::fs::create_dir_all(self.root.join(PARTIAL_DIR)).map_err(|e| VoiceError::io("cannot create", &self.root, e))?;
        if trash.exists() {
            std::fs::remove_dir_all(&trash).map_err(|e| VoiceError::io("cannot remove", &trash, e))?;
        }
        std::fs::rename(&dir, &trash).map_err(|e| VoiceError::io("cannot remove", &dir, e))?;
        std::fs::remove_dir_all(&trash).map_err(|e| VoiceError::io("cannot remove", &trash, e))?;
        Ok(true)
    }
}

fn rank(m: LanguageMatch, v: &InstalledVoice) -> (LanguageMatch, u8) {
    (m, quality_rank(&v.quality))
}

fn file_size(p: &Path) -> Option<u64> {
    std::fs::metadata(p).ok().filter(|m| m.is_file()).map(|m| m.len())
}

fn from_manifest(dir: &Path, entry: CatalogueVoice) -> Option<InstalledVoice> {
    let files = entry.install_files()?;
    let path_of = |role| files.iter().find(|f| f.0 == role).map(|f| dir.join(f.2));
    let model = path_of(super::catalogue::FileRole::Model)?;
    let config = path_of(super::catalogue::FileRole::Config)?;
    let model_card = path_of(super::catalogue::FileRole::ModelCard).filter(|p| p.is_file());
    let size = file_size(&model)? + file_size(&config)? + model_card.as_deref().and_then(file_size).unwrap_or(0);
    Some(InstalledVoice {
        key: entry.key,
        name: entry.name,
        language: entry.language,
        quality: entry.quality,
        dir: dir.to_path_buf(),
        model,
        config,
        model_card,
        size_bytes: size,
    })
}

/// A hand-copied Piper voice: `<key>.onnx` + `<key>.onnx.json`, language from the config.
fn from_piper_files(dir: &Path, key: &VoiceKey) -> Option<InstalledVoice> {
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(default)]
        language: VoiceLanguage,
        #[serde(default)]
        audio: Audio,
        #[serde(default)]
        dataset: String,
    }
    #[derive(serde::Deserialize, Default)]
    struct Audio {
        #[serde(default)]
        quality: String,
    }
    let model = dir.join(format!("{key}.onnx"));
    let config = dir.join(format!("{key}.onnx.json"));
    let head: Head = serde_json::from_slice(&std::fs::read(&config).ok()?).ok()?;
    let model_card = Some(dir.join("MODEL_CARD")).filter(|p| p.is_file());
    let size = file_size(&model)? + file_size(&config)? + model_card.as_deref().and_then(file_size).unwrap_or(0);
    let mut language = head.language;
    if language.family.is_empty() {
        language.family = language.code.split('_').next().unwrap_or("").to_string();
    }
    Some(InstalledVoice {
        key: key.clone(),
        name: head.dataset,
        language,
        quality: head.audio.quality,
        dir: dir.to_path_buf(),
        model,
        config,
        model_card,
        size_bytes: size,
    })
}
