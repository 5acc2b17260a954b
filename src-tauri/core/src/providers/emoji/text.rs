//! Text normalisation shared by the pack index and the matcher, so both sides compare alike.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// NFC, lower case, ё→е, every run of non-word characters (punctuation, hyphens, apostrophes,
/// symbols, emoji) turned into one space, trimmed. "T-Shirt" → "t shirt", "Ёж!" → "еж".
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut gap = false;
    for c in s.nfc().flat_map(char::to_lowercase) {
        let c = if c == 'ё' { 'е' } else { c };
        if c.is_alphanumeric() || (is_combining_mark(c) && !out.is_empty() && !gap) {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// Leading words dropped from a query when more words follow: articles (en, de, es, fr, it, pt,
/// nl) and the English infinitive "to".
const ARTICLES: &[&str] = &[
    "the", "a", "an", "to", // en
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", // de
    "el", "la", "los", "las", "un", "una", "unos", "unas", // es
    "le", "les", "une", "des", // fr
    "il", "lo", "gli", "uno", // it
    "o", "os", "as", "um", "uma", // pt
    "het", "de", "een", // nl
];

/// Small words that are never worth a picture on their own (a query that is only one of these
/// or an article matches nothing; labels contain them: "sign of the horns").
const FUNCTION_WORDS: &[&str] = &[
    "of", "with", "and", "or", "in", "on", "at", "for", "from", "by", // en
    "von", "mit", "und", "oder", "im", "am", "zu", // de
    "del", "con", "y", "en", "por", "para", // es
    "du", "et", "avec", "au", "aux", "pour", // fr
    "и", "с", "в", "на", "для", "из", // ru
];

/// Whether a normalised query is only an article or a function word.
pub fn is_function_word(q: &str) -> bool {
    ARTICLES.contains(&q) || FUNCTION_WORDS.contains(&q)
}

/// French/Italian elided articles written onto the noun: l'eau, l’acqua, un'arancia.
const ELIDED: &[&str] = &["l'", "l’", "un'", "un’", "d'", "d’"];

/// The form of a user's word that is looked up: bracketed notes removed ("Hund (m)"), only the
/// first of several alternatives ("Apfel, Äpfel", "car/auto"), a leading article dropped
/// ("der Hund", "l'eau"), then [`normalize`]d. Empty when nothing word-like is left.
pub fn query(s: &str) -> String {
    let mut s = strip_brackets(s);
    if let Some(first) = s.split([',', ';', '/', '|', '\n']).map(str::trim).find(|p| !p.is_empty()) {
        s = first.to_string();
    }
    let lower = s.trim().to_lowercase();
    let mut rest = lower.as_str();
    for e in ELIDED {
        if let Some(r) = rest.strip_prefix(e) {
            if r.chars().next().is_some_and(char::is_alphabetic) {
                rest = r;
                break;
            }
        }
    }
    let mut words = normalize(rest);
    if let Some((first, tail)) = words.split_once(' ') {
        if ARTICLES.contains(&first) && !tail.is_empty() {
            words = tail.to_string();
        }
    }
    words
}

/// Removes `(...)` and `[...]` parts; keeps the text when that would leave nothing.
fn strip_brackets(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    if out.trim().is_empty() {
        s.to_string()
    } else {
        out
    }
}

/// A guess at the pack locales worth trying for a gloss from the characters it is written in.
pub fn script_locales(s: &str) -> &'static [&'static str] {
    let mut han = false;
    for c in s.chars() {
        match c as u32 {
            0x0400..=0x04FF => return if s.chars().any(|c| matches!(c, 'і' | 'ї' | 'є' | 'ґ')) { &["uk", "ru"] } else { &["ru", "uk"] },
            0x3040..=0x30FF => return &["ja"],
            0xAC00..=0xD7AF | 0x1100..=0x11FF => return &["ko"],
            0x4E00..=0x9FFF | 0x3400..=0x4DBF => han = true,
            _ => {}
        }
    }
    if han {
        &["zh", "ja", "zh-hant"]
    } else {
        &[]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_folds_case_punctuation_and_yo() {
        assert_eq!(normalize("T-Shirt"), "t shirt");
        assert_eq!(normalize("  Ёж!! "), "еж");
        assert_eq!(normalize("man’s shoe"), "man s shoe");
        assert_eq!(normalize("e\u{301}toile"), "étoile");
        assert_eq!(normalize("🍎 red apple"), "red apple");
        assert_eq!(normalize("\u{301}"), "");
        assert_eq!(normalize("हिन्दी"), "हिन्दी");
    }

    #[test]
    fn queries_drop_articles_notes_and_alternatives() {
        assert_eq!(query("der Hund (m)"), "hund");
        assert_eq!(query("the apple"), "apple");
        assert_eq!(query("Apfel, Äpfel"), "apfel");
        assert_eq!(query("l'eau"), "eau");
        assert_eq!(query("L’Acqua"), "acqua");
        assert_eq!(query("la"), "la");
        assert_eq!(query("to run"), "run");
        assert_eq!(query("(der) Hund"), "hund");
        assert_eq!(query("(...)"), "");
        assert_eq!(query("ice cream"), "ice cream");
        assert_eq!(query("самолёт"), "самолет");
    }

    #[test]
    fn scripts_suggest_locales() {
        assert_eq!(script_locales("яблоко"), &["ru", "uk"]);
        assert_eq!(script_locales("їжак"), &["uk", "ru"]);
        assert_eq!(script_locales("りんご"), &["ja"]);
        assert_eq!(script_locales("苹果"), &["zh", "ja", "zh-hant"]);
        assert!(script_locales("apple").is_empty());
    }
}
