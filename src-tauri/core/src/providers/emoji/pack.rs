//! The embedded emoji pack (`assets/emoji/pack.json.gz`, made by `assets/emoji/generate.py`):
//! Fluent Emoji Flat SVGs with their CLDR labels and tags per locale.
//!
//! The pack is inflated and parsed once, on first use (about 6 MB of JSON). Each locale's
//! keywords are normalised into a search index only when a word in that locale is first matched.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::text::normalize;

static PACK_GZ: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/emoji/pack.json.gz"));

/// One emoji of the pack.
#[derive(Debug)]
pub struct Emoji {
    /// The emoji as text, fully qualified (e.g. "🏞️" with its U+FE0F).
    pub chars: String,
    /// Code points as emojibase writes them, e.g. `1F34E`.
    pub hexcode: String,
    /// A complete standalone SVG document.
    pub svg: String,
    /// `[label, tags]` per locale of [`Pack::locales`], `None` where the locale has none.
    keywords: Vec<Option<(String, Vec<String>)>>,
}

/// A locale's keywords, normalised, in pack order.
#[derive(Debug, Default)]
pub(crate) struct LocaleIndex {
    pub entries: Vec<Option<IndexEntry>>,
}

#[derive(Debug)]
pub(crate) struct IndexEntry {
    /// The normalised label, e.g. "red apple".
    pub label: String,
    pub tags: Vec<String>,
    /// Original label (for reports).
    pub raw_label: &'static str,
}

#[derive(Debug)]
pub struct Pack {
    pub emoji: Vec<Emoji>,
    pub locales: Vec<String>,
    indexes: Vec<OnceLock<LocaleIndex>>,
    /// Emoji text without U+FE0F → position in `emoji`.
    by_chars: HashMap<String, usize>,
}

#[derive(Deserialize)]
struct RawPack {
    format: u32,
    locales: Vec<String>,
    emoji: Vec<RawEmoji>,
}

#[derive(Deserialize)]
struct RawEmoji {
    e: String,
    hex: String,
    svg: String,
    k: Vec<Option<(String, Vec<String>)>>,
}

/// The pack, parsed on first use. `None` only if the embedded file is corrupt (a build error the
/// unit tests catch); callers then fall back to the word card.
pub fn pack() -> Option<&'static Pack> {
    static PACK: OnceLock<Option<Pack>> = OnceLock::new();
    PACK.get_or_init(|| match parse(PACK_GZ) {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::error!("the embedded emoji pack is unreadable: {e}");
            None
        }
    })
    .as_ref()
}

fn parse(gz: &[u8]) -> Result<Pack, String> {
    use std::io::Read;
    let mut json = Vec::with_capacity(8 << 20);
    flate2::read::GzDecoder::new(gz).read_to_end(&mut json).map_err(|e| format!("gzip: {e}"))?;
    let raw: RawPack = serde_json::from_slice(&json).map_err(|e| format!("json: {e}"))?;
    if raw.format != 1 {
        return Err(format!("unknown pack format {}", raw.format));
    }
    let n = raw.locales.len();
    let emoji: Vec<Emoji> = raw
        .emoji
        .into_iter()
        .map(|e| {
            let mut keywords = e.k;
            keywords.resize(n, None);
            Emoji { chars: e.e, hexcode: e.hex, svg: e.svg, keywords }
        })
        .collect();
    let by_chars = emoji.iter().enumerate().map(|(i, e)| (strip_fe0f(&e.chars), i)).collect();
    Ok(Pack { indexes: (0..n).map(|_| OnceLock::new()).collect(), locales: raw.locales, emoji, by_chars })
}

/// The emoji text without variation selector 16, the form used to compare emoji.
pub fn strip_fe0f(s: &str) -> String {
    s.chars().filter(|&c| c != '\u{fe0f}').collect()
}

impl Pack {
    /// The pack locale for a BCP-47-ish language code (`de`, `pt-BR`, `zh_TW`, `nn`), if any.
    pub fn locale_for(&self, language: &str) -> Option<usize> {
        let l = language.trim().to_ascii_lowercase().replace('_', "-");
        let find = |code: &str| self.locales.iter().position(|x| x == code);
        if let Some(i) = find(&l) {
            return Some(i);
        }
        let primary = l.split('-').next().unwrap_or("");
        let mapped = match primary {
            "zh" if l.contains("hant") || l.ends_with("-tw") || l.ends_with("-hk") || l.ends_with("-mo") => "zh-hant",
            "no" | "nn" => "nb",
            "iw" => "he",
            "in" => "id",
            p => p,
        };
        find(mapped)
    }

    pub fn locale_name(&self, locale: usize) -> &str {
        self.locales.get(locale).map(String::as_str).unwrap_or("")
    }

    /// Position of an emoji given as text (with or without U+FE0F).
    pub fn find(&self, chars: &str) -> Option<usize> {
        self.by_chars.get(&strip_fe0f(chars)).copied()
    }

    /// The normalised keywords of a locale, built on first use.
    pub(crate) fn index(&'static self, locale: usize) -> Option<&'static LocaleIndex> {
        let cell = self.indexes.get(locale)?;
        Some(cell.get_or_init(|| LocaleIndex {
            entries: self
                .emoji
                .iter()
                .map(|e| {
                    e.keywords.get(locale).and_then(Option::as_ref).map(|(label, tags)| IndexEntry {
                        label: normalize(label),
                        tags: tags.iter().map(|t| normalize(t)).filter(|t| !t.is_empty()).collect(),
                        raw_label: label.as_str(),
                    })
                })
                .collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_pack_parses_and_has_over_a_thousand_emoji() {
        let pack = pack().expect("pack parses");
        assert!(pack.emoji.len() > 1000, "{} emoji", pack.emoji.len());
        for loc in ["en", "de", "es", "fr", "ru", "it", "pt", "pl", "nl", "uk", "ja", "zh"] {
            assert!(pack.locale_for(loc).is_some(), "locale {loc}");
        }
        assert!(pack.emoji.iter().all(|e| e.svg.starts_with("<svg") && !e.chars.is_empty()));
        let apple = pack.find("🍎").expect("red apple");
        let en = pack.locale_for("en").unwrap();
        assert_eq!(pack.index(en).unwrap().entries[apple].as_ref().unwrap().label, "red apple");
    }

    #[test]
    fn language_codes_map_to_pack_locales() {
        let pack = pack().unwrap();
        let name = |l: &str| pack.locale_for(l).map(|i| pack.locale_name(i).to_string());
        assert_eq!(name("pt-BR").as_deref(), Some("pt"));
        assert_eq!(name("zh_TW").as_deref(), Some("zh-hant"));
        assert_eq!(name("zh-Hans").as_deref(), Some("zh"));
        assert_eq!(name("EN-us").as_deref(), Some("en"));
        assert_eq!(name("nn").as_deref(), Some("nb"));
        assert_eq!(name("xx"), None);
        assert_eq!(name(""), None);
    }
}
