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
    /// For a list of one language: the voice to use ([`recommended`]).
    pub recommended: Option<String>,
}

/// The voice to recommend for `language`: the installed one the neural provider would use
/// (`installed_best`, from [`super::VoiceStore::best_for`] — one rule for both), else the
/// catalogue's best fit: same region first (for a bare `de`, `de_DE`), then `medium` quality (Piper's usual trade-off:
/// about 60 MB and natural; `high` doubles the download for little a learner hears; `low` is
/// audibly worse), then the key, for a stable answer.
pub fn recommended(installed_best: Option<&InstalledVoice>, catalogue: Option<&Catalogue>, language: &str) -> Option<String> {
    if let Some(v) = installed_best {
        return Some(v.key.to_string());
    }
    let prefer = |q: &str| match q {
        "medium" => 3,
        "high" => 2,
        "low" => 1,
        _ => 0,
    };
    // For a bare language (`de`), the region named like it (`de_DE`, `fr_FR`) before others.
    let home = |v: &super::catalogue::CatalogueVoice| v.language.region.eq_ignore_ascii_case(&v.language.family);
    catalogue?
        .voices
        .values()
        .filter(|v| v.install_files().is_some())
        .filter_map(|v| v.speaks(language).map(|m| ((m, home(v), prefer(&v.quality)), v)))
        .max_by(|(ra, a), (rb, b)| ra.cmp(rb).then_with(|| b.key.cmp(&a.key)))
        .map(|(_, v)| v.key.to_string())
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

    fn catalogue(voices: &[(&str, &str, &str)]) -> Catalogue {
        let entries: serde_json::Map<String, serde_json::Value> = voices
            .iter()
            .map(|(key, code, quality)| {
                let (family, region) = code.split_once('_').unwrap_or((code, ""));
                let dir = format!("{family}/{code}/x/{quality}");
                let files = serde_json::json!({
                    format!("{dir}/{key}.onnx"): {"size_bytes": 10, "md5_digest": "00"},
                    format!("{dir}/{key}.onnx.json"): {"size_bytes": 10, "md5_digest": "00"},
                });
                let v = serde_json::json!({"key": key, "name": "x", "quality": quality, "num_speakers": 1, "files": files,
                    "language": {"code": code, "family": family, "region": region, "name_english": "", "country_english": ""}});
                (key.to_string(), v)
            })
            .collect();
        Catalogue::parse(serde_json::Value::Object(entries).to_string().as_bytes()).expect("a catalogue")
    }

    #[test]
    fn the_recommended_voice_fits_the_region_then_is_medium_quality() {
        let c = catalogue(&[
            ("de_DE-a-low", "de_DE", "low"),
            ("de_DE-b-high", "de_DE", "high"),
            ("de_DE-c-medium", "de_DE", "medium"),
            ("de_AT-d-medium", "de_AT", "medium"),
            ("en_US-e-medium", "en_US", "medium"),
        ]);
        assert_eq!(recommended(None, Some(&c), "de").as_deref(), Some("de_DE-c-medium"), "a bare language: its home region, medium");
        assert_eq!(recommended(None, Some(&c), "de_DE").as_deref(), Some("de_DE-c-medium"), "the region first");
        assert_eq!(recommended(None, Some(&c), "de-AT").as_deref(), Some("de_AT-d-medium"));
        assert_eq!(recommended(None, Some(&c), "en").as_deref(), Some("en_US-e-medium"));
        assert_eq!(recommended(None, Some(&c), "fr"), None);
        assert_eq!(recommended(None, None, "de"), None, "no catalogue, nothing installed");
    }
}
