//! Finds the emoji for a word by its CLDR keywords, with a reviewed override table on top.
//!
//! Scores (higher wins): the whole label (5), the label's last word(s) as in "roter **Apfel**" (4),
//! a tag that is also a word of the label (3.5), a tag (3), some other word of the label (2).
//! Ties go to the emoji with fewer tags, then the shorter label, then pack order.
//!
//! A card's gloss is a better key than the word itself (the same concept picks a different emoji
//! in a third of the cases across languages), so the translation is tried first, in English and
//! in the locales its script suggests; then the word in its own language; then the word in
//! English (loanwords, untagged languages). The first *strong* match (score ≥ 2.75) wins; when no
//! attempt has one, the first weak match does.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::overrides::OVERRIDES;
use super::pack::{pack, IndexEntry, Pack};
use super::text::{is_function_word, normalize, query, script_locales};

/// Where a match came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The card's translation (gloss).
    Translation,
    /// The word, in its own language.
    Word,
    /// The word, looked up in English.
    WordInEnglish,
}

/// The emoji chosen for a word.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The emoji as text, fully qualified (e.g. "🏞️").
    pub emoji: &'static str,
    /// emojibase code points, e.g. `1F34E`.
    pub hexcode: &'static str,
    /// The emoji's label in the locale that matched (e.g. "roter Apfel").
    pub label: &'static str,
    /// The pack locale that matched (`en`, `de`, ...).
    pub locale: &'static str,
    /// 1.75..=5 for keyword matches (see the module comment); 6 for an entry of the override table.
    pub score: f32,
    pub via: Via,
    /// Position in the pack (for rendering).
    pub(crate) index: usize,
}

impl Match {
    /// The emoji's standalone SVG document.
    pub fn svg(&self) -> &'static str {
        pack().map(|p| p.emoji[self.index].svg.as_str()).unwrap_or("")
    }
}

/// Strong enough to stop looking: an exact label, a label's head word or a tag (also of a plural).
const STRONG: f32 = 2.75;
const OVERRIDE: f32 = 6.0;

/// The best emoji for `word` (in `language`, a BCP-47-ish code, may be empty), trying the card's
/// `translation` first. `None` when nothing fits or the override table says the concept has no
/// emoji (e.g. "table": the only candidate is 🏓 ping pong).
pub fn best_match(word: &str, language: &str, translation: Option<&str>) -> Option<Match> {
    find(word, language, translation, true)
}

/// [`best_match`] without the override table: for measuring what the keywords alone achieve.
#[doc(hidden)]
pub fn best_match_without_overrides(word: &str, language: &str, translation: Option<&str>) -> Option<Match> {
    find(word, language, translation, false)
}

fn find(word: &str, language: &str, translation: Option<&str>, overrides: bool) -> Option<Match> {
    let pack = pack()?;
    let en = pack.locale_for("en")?;
    let mut attempts: Vec<(String, usize, Via)> = Vec::with_capacity(6);
    if let Some(t) = translation.map(query).filter(|t| !t.is_empty()) {
        attempts.push((t.clone(), en, Via::Translation));
        for code in script_locales(translation.unwrap_or_default()) {
            if let Some(l) = pack.locale_for(code) {
                attempts.push((t.clone(), l, Via::Translation));
            }
        }
    }
    let w = query(word);
    if !w.is_empty() {
        let own = pack.locale_for(language);
        if let Some(l) = own {
            attempts.push((w.clone(), l, Via::Word));
        }
        if own != Some(en) {
            attempts.push((w, en, Via::WordInEnglish));
        }
    }

    let mut weak: Option<Match> = None;
    for (q, locale, via) in attempts {
        if !meaningful(&q) {
            continue;
        }
        if overrides {
            match override_for(pack, locale, &q) {
                Some(Some(index)) => return Some(make(pack, index, locale, OVERRIDE, via)),
                Some(None) => return None,
                None => {}
            }
        }
        let found = if pack.locale_name(locale) == "en" { search_english(pack, locale, &q) } else { search(pack, locale, &q) };
        if let Some((index, score)) = found {
            let m = make(pack, index, locale, score, via);
            if score >= STRONG {
                return Some(m);
            }
            weak.get_or_insert(m);
        }
    }
    weak
}

/// A lone letter ("a", "я") or a function word ("the", "with") is not worth a picture; a lone
/// ideograph (猫) or digit is.
fn meaningful(q: &str) -> bool {
    if is_function_word(q) {
        return false;
    }
    let mut chars = q.chars();
    match (chars.next(), chars.next()) {
        (None, _) => false,
        (Some(c), None) => c.is_numeric() || c as u32 >= 0x2E80,
        _ => true,
    }
}

fn make(pack: &'static Pack, index: usize, locale: usize, score: f32, via: Via) -> Match {
    let e = &pack.emoji[index];
    let label = pack
        .index(locale)
        .and_then(|i| i.entries.get(index))
        .and_then(Option::as_ref)
        .map(|entry| entry.raw_label)
        .unwrap_or("");
    Match { emoji: &e.chars, hexcode: &e.hexcode, label, locale: pack.locale_name(locale), score, via, index }
}

/// [`search`] that also accepts regular English plurals: "apples" finds 🍎 (label "red apple"),
/// "cherry" finds 🍒 (label "cherries"). A form other than the word itself scores 0.25 less, so
/// "glasses" stays 👓 and the word's own exact match always wins.
fn search_english(pack: &'static Pack, locale: usize, q: &str) -> Option<(usize, f32)> {
    let mut best = search(pack, locale, q);
    let last = q.rsplit(' ').next().unwrap_or(q);
    if last.chars().count() < 3 || !last.chars().all(|c| c.is_ascii_lowercase()) {
        return best;
    }
    let stem = &q[..q.len() - last.len()];
    let mut forms: Vec<String> = Vec::new();
    if let Some(y) = last.strip_suffix("ies") {
        forms.push(format!("{stem}{y}y"));
    } else if let Some(e) = last.strip_suffix("es") {
        forms.push(format!("{stem}{e}"));
        forms.push(format!("{stem}{e}e"));
    } else if let Some(s) = last.strip_suffix('s').filter(|s| !s.ends_with('s')) {
        forms.push(format!("{stem}{s}"));
    } else if let Some(y) = last.strip_suffix('y').filter(|y| !y.ends_with(['a', 'e', 'i', 'o', 'u'])) {
        forms.push(format!("{stem}{y}ies"));
    } else {
        forms.push(format!("{q}s"));
    }
    for form in forms {
        if let Some((i, score)) = search(pack, locale, &form) {
            let score = score - 0.25;
            if best.is_none_or(|(_, s)| score > s) {
                best = Some((i, score));
            }
        }
    }
    best
}

/// The best keyword match of a normalised query in one locale: (emoji index, score).
fn search(pack: &'static Pack, locale: usize, q: &str) -> Option<(usize, f32)> {
    let index = pack.index(locale)?;
    // Word-level matches need two characters, so "a" or "i" never pick "A button".
    let words_ok = q.chars().count() >= 2;
    let mut best: Option<(f32, usize, usize, usize)> = None; // (score, tags, label chars, index)
    for (i, entry) in index.entries.iter().enumerate() {
        let Some(entry) = entry else { continue };
        let Some(score) = score(entry, q, words_ok) else { continue };
        let key = (score, entry.tags.len(), entry.label.chars().count(), i);
        let better = match best {
            None => true,
            Some((s, t, l, _)) => score > s || (score == s && (key.1, key.2) < (t, l)),
        };
        if better {
            best = Some(key);
        }
    }
    best.map(|(score, _, _, i)| (i, score))
}

fn score(entry: &IndexEntry, q: &str, words_ok: bool) -> Option<f32> {
    let label = entry.label.as_str();
    if label == q {
        return Some(5.0);
    }
    let in_label = words_ok && contains_words(label, q);
    if words_ok && label.len() > q.len() && label.ends_with(q) && label.as_bytes()[label.len() - q.len() - 1] == b' ' {
        return Some(4.0);
    }
    if entry.tags.iter().any(|t| t == q) {
        return Some(if in_label { 3.5 } else { 3.0 });
    }
    in_label.then_some(2.0)
}

/// Whether `needle` occurs in `hay` as whole words ("ice cream" in "soft ice cream").
fn contains_words(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(at, _)| {
        let before = at == 0 || hay.as_bytes()[at - 1] == b' ';
        let end = at + needle.len();
        let after = end == hay.len() || hay.as_bytes()[end] == b' ';
        before && after
    })
}

/// `Some(Some(i))`: use emoji `i`; `Some(None)`: this concept has no emoji; `None`: not listed.
fn override_for(pack: &'static Pack, locale: usize, q: &str) -> Option<Option<usize>> {
    type Table = HashMap<(String, String), Option<usize>>;
    static TABLE: OnceLock<Table> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = Table::new();
        for (loc, words, emoji) in OVERRIDES {
            // An entry naming an emoji the pack lacks is dropped (a unit test checks there are none).
            let target = match emoji {
                Some(e) => match pack.find(e) {
                    Some(i) => Some(i),
                    None => continue,
                },
                None => None,
            };
            for w in words.split('|') {
                t.insert(((*loc).to_string(), normalize(w)), target);
            }
        }
        t
    });
    table.get(&(pack.locale_name(locale).to_string(), q.to_string())).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_override_names_an_emoji_of_the_pack_and_a_known_locale() {
        let pack = pack().unwrap();
        for (loc, words, emoji) in OVERRIDES {
            assert!(pack.locales.iter().any(|l| l == loc), "locale {loc}");
            if let Some(e) = emoji {
                assert!(pack.find(e).is_some(), "{words}: {e} is not in the pack");
            }
            for w in words.split('|') {
                assert_eq!(query(w), normalize(w), "override key {w:?} would never match a query");
            }
        }
    }

    #[test]
    fn whole_words_only() {
        assert!(contains_words("soft ice cream", "ice cream"));
        assert!(contains_words("ice", "ice"));
        assert!(!contains_words("rice ball", "ice"));
        assert!(!contains_words("icecream", "ice"));
    }
}
