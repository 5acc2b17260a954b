//! A guess at a card's word class from its text alone, to choose between the two picture
//! sources: emoji draw things, the Mulberry pictograms draw actions and qualities better.
//!
//! Cues, strongest first: an English gloss that starts with "to " (a verb) or "to be " (a
//! quality); German capitalisation (nouns are capitalised); infinitive endings (de -en/-ern/-eln,
//! es -ar/-er/-ir, ru -ть/-ться/-чь, fr -er/-ir/-re); adjective endings (ru -ый/-ий/-ой, de
//! -ig/-lich/-isch/-los/-bar/-sam). No cue: `Unknown`, and the caller weighs the two matches
//! (the pictogram's own class, the emoji match's strength). It is a heuristic: "Essen" (the
//! noun) is right, "Kuchen" in lower case would be taken for a verb; the picture is then a
//! pictogram only if one is named so, and an emoji otherwise.

/// What the card's word probably is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordClass {
    Noun,
    Verb,
    Adjective,
    /// No cue either way.
    Unknown,
}

/// The word class of `word` in `language`, with the card's English `translation` if any.
pub fn word_class(word: &str, language: &str, translation: Option<&str>) -> WordClass {
    if let Some(class) = translation.and_then(gloss_class) {
        return class;
    }
    let lang = language.trim().to_ascii_lowercase().replace('_', "-");
    let primary = lang.split('-').next().unwrap_or("");
    let word = word.trim();
    // Multi-word entries ("sin embargo", "ice cream") carry no ending cue.
    if word.is_empty() || word.contains(char::is_whitespace) {
        return WordClass::Unknown;
    }
    match primary {
        "de" => german(word),
        "es" => ending_class(word, &["ar", "er", "ir", "arse", "erse", "irse"], &[]),
        "fr" => ending_class(word, &["er", "ir", "re"], &[]),
        "ru" | "uk" => ending_class(word, &["ть", "ться", "чь", "чься", "ти", "тися"], &["ый", "ий", "ой", "ая", "яя"]),
        _ => WordClass::Unknown,
    }
}

/// English verbs that make a gloss a state: "to be afraid", "to get angry".
pub(super) const STATE_LEADS: &[&str] = &["be ", "get ", "become ", "feel "];

/// "to eat" → verb, "to be afraid" / "to get angry" → adjective. Only English glosses.
fn gloss_class(gloss: &str) -> Option<WordClass> {
    let g = gloss.trim().to_lowercase();
    let rest = g.strip_prefix("to ")?;
    if STATE_LEADS.iter().any(|p| rest.starts_with(p)) {
        return Some(WordClass::Adjective);
    }
    Some(WordClass::Verb)
}

fn german(word: &str) -> WordClass {
    if word.chars().next().is_some_and(char::is_uppercase) {
        return WordClass::Noun;
    }
    ending_class(word, &["en", "ern", "eln"], &["ig", "lich", "isch", "los", "bar", "sam"])
}

/// Verb if the lower-cased word ends in one of `verb` (and is longer than the ending plus two
/// letters: "ir", "ser" and "mar" are too short to tell), adjective if it ends in one of `adj`.
fn ending_class(word: &str, verb: &[&str], adj: &[&str]) -> WordClass {
    let w = word.to_lowercase();
    let long_enough = |ending: &str| w.chars().count() >= ending.chars().count() + 3;
    if verb.iter().any(|e| w.ends_with(e) && long_enough(e)) {
        WordClass::Verb
    } else if adj.iter().any(|e| w.ends_with(e) && long_enough(e)) {
        WordClass::Adjective
    } else {
        WordClass::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use WordClass::*;

    #[test]
    fn glosses_endings_and_capitals_decide_the_class() {
        let cases = [
            ("essen", "de", None, Verb),
            ("Essen", "de", None, Noun),
            ("wandern", "de", None, Verb),
            ("lustig", "de", None, Adjective),
            ("müde", "de", None, Unknown),
            ("müde", "de", Some("tired"), Unknown),
            ("comer", "es", None, Verb),
            ("dormir", "es", None, Verb),
            ("sentarse", "es", None, Verb),
            ("ir", "es", Some("to go"), Verb),
            ("ir", "es", None, Unknown),
            ("manzana", "es", None, Unknown),
            ("читать", "ru", None, Verb),
            ("смеяться", "ru", None, Verb),
            ("печь", "ru", Some("to bake"), Verb),
            ("новый", "ru", None, Adjective),
            ("большой", "ru", None, Adjective),
            ("собака", "ru", None, Unknown),
            ("manger", "fr", None, Verb),
            ("eat", "en", Some("to eat"), Verb),
            ("bange", "de", Some("to be afraid"), Adjective),
            ("apple", "en", None, Unknown),
            ("sin embargo", "es", None, Unknown),
            ("", "de", None, Unknown),
        ];
        for (word, lang, gloss, expected) in cases {
            assert_eq!(word_class(word, lang, gloss), expected, "{lang} {word:?} ({gloss:?})");
        }
    }
}
