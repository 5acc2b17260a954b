//! The voice catalogue: Piper's own `voices.json` (the format of the public
//! `rhasspy/piper-voices` repository), parsed and checked.
//!
//! Everything in a catalogue is untrusted: keys become folder names and file paths become
//! URLs, so a key is a [`VoiceKey`] (a safe single path component) and a file path is a
//! relative path of plain components. Entries that fail these checks are dropped, not trusted.
//! Fetching the catalogue over HTTP is [`super::install`]'s business, not this module's.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A voice's key (`en_US-joe-medium`): letters, digits, `_`, `-`, `.`, at most 100 characters,
/// starting with a letter or digit. It is safe as a folder name on every platform.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VoiceKey(String);

impl VoiceKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for VoiceKey {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        let valid = !s.is_empty()
            && s.len() <= 100
            && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && s.chars().all(ok_char)
            && !s.contains("..");
        if valid {
            Ok(VoiceKey(s))
        } else {
            Err(format!("'{}' is not a voice key (letters, digits, '_', '-', '.'; e.g. en_US-joe-medium)", crate::text::clip(&s)))
        }
    }
}

impl std::str::FromStr for VoiceKey {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VoiceKey::try_from(s.to_string())
    }
}

impl From<VoiceKey> for String {
    fn from(k: VoiceKey) -> String {
        k.0
    }
}

impl fmt::Display for VoiceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A voice's language as the catalogue gives it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VoiceLanguage {
    /// `en_US`, `de_DE`, ...
    pub code: String,
    /// `en`, `de`, ...
    pub family: String,
    pub region: String,
    pub name_native: String,
    pub name_english: String,
    pub country_english: String,
}

/// One file of a voice: its size and MD5 digest (hex), as the catalogue states them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoiceFile {
    pub size_bytes: u64,
    pub md5_digest: String,
}

/// One catalogue entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueVoice {
    pub key: VoiceKey,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub language: VoiceLanguage,
    #[serde(default)]
    pub quality: String,
    #[serde(default)]
    pub num_speakers: u32,
    /// Relative path under the voices URL → size and digest.
    pub files: BTreeMap<String, VoiceFile>,
}

/// What a voice's files are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// The `.onnx` model.
    Model,
    /// The `.onnx.json` config (phoneme map, sample rate, eSpeak voice).
    Config,
    /// `MODEL_CARD`: the voice's dataset and licence.
    ModelCard,
}

impl CatalogueVoice {
    /// The files to install, each with its role and its file name (the last path component).
    /// `None` when the entry has no model or no config, or a path that is not a plain relative
    /// path: such an entry cannot be installed safely.
    pub fn install_files(&self) -> Option<Vec<(FileRole, &str, &str, &VoiceFile)>> {
        let mut out = Vec::new();
        for (path, file) in &self.files {
            let name = safe_file_name(path)?;
            let role = if name.ends_with(".onnx.json") {
                FileRole::Config
            } else if name.ends_with(".onnx") {
                FileRole::Model
            } else if name == "MODEL_CARD" {
                FileRole::ModelCard
            } else {
                continue; // samples, aliases, anything else: not needed to speak
            };
            out.push((role, path.as_str(), name, file));
        }
        let count = |r: FileRole| out.iter().filter(|f| f.0 == r).count();
        (count(FileRole::Model) == 1 && count(FileRole::Config) == 1 && count(FileRole::ModelCard) <= 1).then_some(out)
    }

    /// Bytes to download (the files [`Self::install_files`] names).
    pub fn download_size(&self) -> u64 {
        self.install_files().map(|f| f.iter().map(|(_, _, _, v)| v.size_bytes).sum()).unwrap_or(0)
    }

    /// Whether this voice speaks `language` (a BCP-47-ish code: `en`, `en-US`, `en_GB`): the
    /// same family; [`LanguageMatch::Exact`] when the region matches too.
    pub fn speaks(&self, language: &str) -> Option<LanguageMatch> {
        language_match(&self.language, language)
    }
}

/// How well a voice's language fits a word's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LanguageMatch {
    /// Same language, another (or no) region.
    Family,
    /// Same language and region.
    Exact,
}

/// How a voice's language fits a word's language code, or `None`.
pub fn language_match(voice: &VoiceLanguage, language: &str) -> Option<LanguageMatch> {
    let wanted = language.trim().replace('_', "-").to_ascii_lowercase();
    let mut parts = wanted.split('-');
    let family = parts.next().filter(|f| !f.is_empty())?;
    let voice_family = if voice.family.is_empty() { voice.code.split('_').next().unwrap_or("") } else { &voice.family };
    if !voice_family.eq_ignore_ascii_case(family) {
        return None;
    }
    let region = parts.find(|p| p.len() == 2);
    match region {
        Some(r) if voice.region.eq_ignore_ascii_case(r) => Some(LanguageMatch::Exact),
        _ => Some(LanguageMatch::Family),
    }
}

/// Order of Piper's quality names, best last.
pub fn quality_rank(quality: &str) -> u8 {
    match quality {
        "x_low" => 1,
        "low" => 2,
        "medium" => 3,
        "high" => 4,
        _ => 0,
    }
}

/// The last component of a catalogue path, when the path is plain and relative
/// (`en/en_US/joe/medium/en_US-joe-medium.onnx`): no `..`, no absolute path, no backslash,
/// no empty component, a file name of safe characters.
pub fn safe_file_name(path: &str) -> Option<&str> {
    if path.is_empty() || path.len() > 300 || path.starts_with('/') || path.contains('\\') {
        return None;
    }
    let ok = |c: &str| !c.is_empty() && c != "." && c != ".." && c.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.'));
    if !path.split('/').all(ok) {
        return None;
    }
    path.rsplit('/').next()
}

/// A parsed catalogue: voices by key, unsafe entries dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    pub voices: BTreeMap<VoiceKey, CatalogueVoice>,
    /// Entries dropped because their key or files were unsafe or incomplete.
    pub rejected: usize,
}

impl Catalogue {
    /// Parses `voices.json`. Entries whose key is not a [`VoiceKey`], whose inner `key`
    /// differs from the outer one, or whose files cannot be installed safely are skipped.
    pub fn parse(json: &[u8]) -> Result<Catalogue, serde_json::Error> {
        let raw: BTreeMap<String, serde_json::Value> = serde_json::from_slice(json)?;
        let mut cat = Catalogue::default();
        for (key, value) in raw {
            match serde_json::from_value::<CatalogueVoice>(value) {
                Ok(v) if v.key.as_str() == key && v.install_files().is_some() => {
                    cat.voices.insert(v.key.clone(), v);
                }
                _ => cat.rejected += 1,
            }
        }
        Ok(cat)
    }

    pub fn get(&self, key: &VoiceKey) -> Option<&CatalogueVoice> {
        self.voices.get(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_could_escape_a_folder_are_refused() {
        for bad in ["", "..", "../x", "a/b", "a\\b", ".hidden", "a..b", "x y", "é", &"a".repeat(101)] {
            assert!(bad.parse::<VoiceKey>().is_err(), "{bad}");
        }
        for good in ["en_US-joe-medium", "de_DE-thorsten-high", "zh_CN-huayan-x_low", "a1.2"] {
            assert!(good.parse::<VoiceKey>().is_ok(), "{good}");
        }
    }

    #[test]
    fn only_plain_relative_paths_give_a_file_name() {
        assert_eq!(safe_file_name("en/en_US/joe/medium/en_US-joe-medium.onnx"), Some("en_US-joe-medium.onnx"));
        for bad in ["/etc/passwd", "en/../../x.onnx", "a//b.onnx", "a\\b.onnx", "", "./a.onnx", "a/b c.onnx"] {
            assert_eq!(safe_file_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn unsafe_or_incomplete_entries_are_dropped() {
        let json = br#"{
          "en_US-joe-medium": {"key": "en_US-joe-medium", "name": "joe", "quality": "medium", "num_speakers": 1,
             "language": {"code": "en_US", "family": "en", "region": "US"},
             "files": {"en/en_US/joe/medium/en_US-joe-medium.onnx": {"size_bytes": 10, "md5_digest": "aa"},
                       "en/en_US/joe/medium/en_US-joe-medium.onnx.json": {"size_bytes": 5, "md5_digest": "bb"},
                       "en/en_US/joe/medium/MODEL_CARD": {"size_bytes": 2, "md5_digest": "cc"}}},
          "../evil": {"key": "../evil", "files": {}},
          "other": {"key": "not-other", "files": {}},
          "no-model": {"key": "no-model", "files": {"a/no-model.onnx.json": {"size_bytes": 1, "md5_digest": "x"}}},
          "escape": {"key": "escape", "files": {"../escape.onnx": {"size_bytes": 1, "md5_digest": "x"},
                                                "a/escape.onnx.json": {"size_bytes": 1, "md5_digest": "x"}}}
        }"#;
        let cat = Catalogue::parse(json).unwrap_or_default();
        assert_eq!(cat.voices.len(), 1);
        assert_eq!(cat.rejected, 4);
        let joe = cat.voices.values().next().map(|v| (v.download_size(), v.speaks("en-US"), v.speaks("en"), v.speaks("de")));
        assert_eq!(joe, Some((17, Some(LanguageMatch::Exact), Some(LanguageMatch::Family), None)));
    }
}
