//! What `voice list` and the desktop's voice settings show: every installed and available voice,
//! merged by key, one typed row each.

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;

use super::catalogue::{Catalogue, VoiceLanguage};
use super::store::InstalledVoice;

/// One voice: installed, in the catalogue, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct VoiceRow {
    pub key: String,
    pub name: String,
    /// `en_US`, `de_DE`, …
    pub language: String,
    /// "English (United States)".
    pub language_name: String,
    pub quality: String,
    /// On disk when installed, else the download.
    #[ts(type = "number")]
    pub size_bytes: u64,
    pub installed: bool,
    /// In the catalogue (installable).
    pub available: bool,
    /// Where it is installed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub path: Option<String>,
}

/// The voices Settings and `voice list` show, with where ONNX Runtime was found and why the
/// catalogue could not be read (installed voices are listed without it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct VoiceList {
    pub runtime: Option<String>,
    pub runtime_error: Option<String>,
    pub catalogue_url: String,
    pub catalogue_error: Option<String>,
    pub voices: Vec<VoiceRow>,
}

/// Every voice, installed ones and catalogue ones merged by key, in (language, key) order, those
/// whose language `keep` accepts.
pub fn voice_rows(installed: &[InstalledVoice], catalogue: Option<&Catalogue>, keep: &dyn Fn(&str) -> bool) -> Vec<VoiceRow> {
    let mut rows: BTreeMap<(String, String), VoiceRow> = BTreeMap::new();
    for v in catalogue.map(|c| c.voices.values().collect::<Vec<_>>()).unwrap_or_default() {
        let row = VoiceRow {
            key: v.key.to_string(),
            name: v.name.clone(),
            language: v.language.code.clone(),
            language_name: language_name(&v.language),
            quality: v.quality.clone(),
            size_bytes: v.download_size(),
            installed: false,
            available: true,
            path: None,
        };
        rows.insert((row.language.clone(), row.key.clone()), row);
    }
    for v in installed {
        let row = rows.entry((v.language.code.clone(), v.key.to_string())).or_insert_with(|| VoiceRow {
            key: v.key.to_string(),
            name: v.name.clone(),
            language: v.language.code.clone(),
            language_name: language_name(&v.language),
            quality: v.quality.clone(),
            size_bytes: v.size_bytes,
            installed: false,
            available: false,
            path: None,
        });
        row.installed = true;
        row.path = Some(v.dir.display().to_string());
    }
    rows.into_iter().filter(|((code, _), _)| keep(code)).map(|(_, v)| v).collect()
}

/// Whether a voice language (`en_US`) is `wanted` (`en`, `en_US`, any case); `None` keeps all.
pub fn language_wanted(code: &str, wanted: Option<&str>) -> bool {
    wanted.is_none_or(|l| code.eq_ignore_ascii_case(l) || code.split('_').next().is_some_and(|f| f.eq_ignore_ascii_case(l)))
}

fn language_name(l: &VoiceLanguage) -> String {
    match (l.name_english.as_str(), l.country_english.as_str()) {
        ("", _) => String::new(),
        (n, "") => n.to_string(),
        (n, c) => format!("{n} ({c})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_language_filter_takes_the_family_or_the_exact_code() {
        assert!(language_wanted("en_US", Some("en")));
        assert!(language_wanted("en_US", Some("EN_us")));
        assert!(!language_wanted("en_US", Some("de")));
        assert!(!language_wanted("en_US", Some("en_GB")));
        assert!(language_wanted("de_DE", None));
    }
}
