//! Which Commons files are a recording of *this* word: the language table (deck language →
//! Wikidata item and ISO 639-3 code, as Lingua Libre names its files) and the reading of file
//! titles. Pure functions, no I/O.
//!
//! * Lingua Libre: `LL-Q<item> (<iso639-3>)-<speaker>-<word>.wav`. The speaker is the part up
//!   to the next `-` (a user name with a `-` in it is not matched: safe, not wrong).
//! * Wiktionary's older files: `<iso639-1>[-<region>…]-<word>.<ext>` (`En-us-apple.ogg`,
//!   `De-Apfel.ogg`, `Es-am-lat-manzana.ogg`): the title starts with the language code and ends
//!   with `-<word>`.
//!
//! Only the word part is compared, after Unicode NFC normalisation: equal is an exact match,
//! equal ignoring case is a weaker one (MediaWiki capitalises a title's first letter; a German
//! noun's file may be lower-case). Anything else (`manzanas`, `manzana roja`) is not this word.

use std::cmp::Ordering;

use unicode_normalization::UnicodeNormalization;

/// A language Lingua Libre and Wiktionary know, as Deck Media maps a deck language to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language {
    /// The deck's code (ISO 639-1 where there is one).
    pub code: &'static str,
    /// The language's Wikidata item, as in Lingua Libre's file names.
    pub qid: &'static str,
    /// ISO 639-3, as in Lingua Libre's file names.
    pub iso3: &'static str,
    /// Its English name, for messages.
    pub name: &'static str,
    /// The subdomain of its Wiktionary.
    pub wiktionary: &'static str,
}

const fn lang(code: &'static str, qid: &'static str, iso3: &'static str, name: &'static str) -> Language {
    Language { code, qid, iso3, name, wiktionary: code }
}

/// The languages with the most recordings, by deck language code.
pub const LANGUAGES: [Language; 33] = [
    lang("en", "Q1860", "eng", "English"),
    lang("de", "Q188", "deu", "German"),
    lang("es", "Q1321", "spa", "Spanish"),
    lang("fr", "Q150", "fra", "French"),
    lang("ru", "Q7737", "rus", "Russian"),
    lang("it", "Q652", "ita", "Italian"),
    lang("pt", "Q5146", "por", "Portuguese"),
    lang("nl", "Q7411", "nld", "Dutch"),
    lang("pl", "Q809", "pol", "Polish"),
    lang("sv", "Q9027", "swe", "Swedish"),
    lang("ja", "Q5287", "jpn", "Japanese"),
    Language { code: "zh", qid: "Q9192", iso3: "cmn", name: "Mandarin Chinese", wiktionary: "zh" },
    lang("ko", "Q9176", "kor", "Korean"),
    lang("ar", "Q13955", "ara", "Arabic"),
    lang("tr", "Q256", "tur", "Turkish"),
    lang("uk", "Q8798", "ukr", "Ukrainian"),
    lang("cs", "Q9056", "ces", "Czech"),
    lang("he", "Q9288", "heb", "Hebrew"),
    lang("hi", "Q1568", "hin", "Hindi"),
    lang("fi", "Q1412", "fin", "Finnish"),
    lang("da", "Q9035", "dan", "Danish"),
    Language { code: "nb", qid: "Q25167", iso3: "nob", name: "Norwegian Bokmål", wiktionary: "no" },
    lang("hu", "Q9067", "hun", "Hungarian"),
    lang("ro", "Q7913", "ron", "Romanian"),
    lang("id", "Q9240", "ind", "Indonesian"),
    lang("vi", "Q9199", "vie", "Vietnamese"),
    lang("ca", "Q7026", "cat", "Catalan"),
    lang("eo", "Q143", "epo", "Esperanto"),
    lang("la", "Q397", "lat", "Latin"),
    lang("bn", "Q9610", "ben", "Bengali"),
    lang("oc", "Q14185", "oci", "Occitan"),
    lang("bg", "Q7918", "bul", "Bulgarian"),
    lang("sk", "Q9058", "slk", "Slovak"),
];

/// The language of a deck language code (`es`, `es-MX`, `pt_BR`, `no` → Bokmål); `None` when
/// it is not in [`LANGUAGES`].
pub fn language(code: &str) -> Option<&'static Language> {
    let primary = code.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
    let primary = if primary == "no" { "nb".to_string() } else { primary };
    LANGUAGES.iter().find(|l| l.code == primary || l.iso3 == primary)
}

/// Where a recording was found (for the first two, what its file name says).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    LinguaLibre,
    Wiktionary,
    /// A pronunciation (P443) on the word's Wikidata lexeme ([`super::lexemes`]).
    WikidataLexeme,
}

/// How well a file's word part matches the word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Closeness {
    Exact,
    IgnoringCase,
}

/// A file that is a recording of the word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// `File:<name>`, as Commons names it.
    pub title: String,
    pub source: Source,
    pub closeness: Closeness,
}

const AUDIO_EXTENSIONS: [&str; 7] = ["wav", "ogg", "oga", "opus", "mp3", "flac", "webm"];

/// The file name of a title from any wiki (`File:…`, `Fichier:…`, `Datei:…`), spaces for `_`.
pub fn file_name(title: &str) -> String {
    let name = title.split_once(':').map_or(title, |(_, rest)| rest);
    name.replace('_', " ").trim().to_string()
}

/// The name without an audio extension; `None` when it is not an audio file.
fn audio_stem(name: &str) -> Option<&str> {
    let (stem, ext) = name.rsplit_once('.')?;
    AUDIO_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()).then_some(stem)
}

/// The word part of a Lingua Libre file name of `lang` (`LL-Q1321 (spa)-Millars-manzana.wav` →
/// `manzana`).
pub fn lingua_libre_word<'a>(name: &'a str, lang: &Language) -> Option<&'a str> {
    let prefix = format!("LL-{} ({})-", lang.qid, lang.iso3);
    let rest = audio_stem(name)?.strip_prefix(prefix.as_str())?;
    let (_speaker, word) = rest.split_once('-')?;
    (!word.trim().is_empty()).then_some(word)
}

fn closeness(found: &str, wanted: &str) -> Option<Closeness> {
    let found: String = found.trim().nfc().collect();
    let wanted: String = wanted.trim().nfc().collect();
    if found == wanted {
        Some(Closeness::Exact)
    } else if found.to_lowercase() == wanted.to_lowercase() {
        Some(Closeness::IgnoringCase)
    } else {
        None
    }
}

/// Whether a Wiktionary-style name (`En-us-apple.ogg`) is `word` in `lang`, and how closely.
fn wiktionary_match(name: &str, lang: &Language, word: &str) -> Option<Closeness> {
    let stem = audio_stem(name)?;
    let lead = format!("{}-", lang.code);
    if !stem.get(..lead.len()).is_some_and(|s| s.eq_ignore_ascii_case(&lead)) {
        return None;
    }
    let rest = &stem[lead.len()..];
    // The word is what follows the last of the leading code parts: try every `-` boundary, so
    // `En-us-apple` and a hyphenated word (`De-Baden-Württemberg`) both match.
    std::iter::once(rest)
        .chain(rest.match_indices('-').map(|(i, _)| &rest[i + 1..]))
        .filter_map(|part| closeness(part, word))
        .min()
}

/// The titles that are recordings of `word` in `lang`, best first: exact before ignoring case,
/// Lingua Libre before Wiktionary-style, then in the order given (the search's).
pub fn candidates<'a>(titles: impl IntoIterator<Item = &'a str>, lang: &Language, word: &str) -> Vec<Candidate> {
    let mut found: Vec<Candidate> = Vec::new();
    for title in titles {
        let name = file_name(title);
        let hit = match lingua_libre_word(&name, lang) {
            Some(part) => closeness(part, word).map(|c| (Source::LinguaLibre, c)),
            None => wiktionary_match(&name, lang, word).map(|c| (Source::Wiktionary, c)),
        };
        if let Some((source, closeness)) = hit {
            let title = format!("File:{name}");
            if !found.iter().any(|c| c.title == title) {
                found.push(Candidate { title, source, closeness });
            }
        }
    }
    found.sort_by(|a, b| match a.closeness.cmp(&b.closeness) {
        Ordering::Equal => a.source.cmp(&b.source),
        other => other,
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spanish() -> &'static Language {
        language("es").unwrap()
    }

    #[test]
    fn deck_languages_map_to_lingua_libre_codes() {
        assert_eq!(language("es-MX").map(|l| (l.qid, l.iso3)), Some(("Q1321", "spa")));
        assert_eq!(language("pt_BR").map(|l| l.code), Some("pt"));
        assert_eq!(language("no").map(|l| l.wiktionary), Some("no"));
        assert_eq!(language("deu").map(|l| l.code), Some("de"));
        assert_eq!(language("xx"), None);
        assert_eq!(language(""), None);
        let mut codes: Vec<&str> = LANGUAGES.iter().map(|l| l.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), LANGUAGES.len(), "each code once");
    }

    #[test]
    fn the_exact_word_wins_over_near_ones() {
        let titles = [
            "File:LL-Q1321 (spa)-Millars-manzanas.wav",
            "File:LL-Q1321 (spa)-Millars-manzana roja.wav",
            "File:Es-Manzana.ogg",
            "File:LL-Q1321 (spa)-Rodelar-manzana.wav",
            "File:LL-Q150 (fra)-Lepticed7-manzana.wav",
            "File:LL-Q1321 (spa)-Millars-manzana.txt",
            "File:Es-am-lat-manzana.ogg",
        ];
        let found = candidates(titles, spanish(), "manzana");
        let got: Vec<(&str, Source, Closeness)> = found.iter().map(|c| (c.title.as_str(), c.source, c.closeness)).collect();
        assert_eq!(
            got,
            vec![
                ("File:LL-Q1321 (spa)-Rodelar-manzana.wav", Source::LinguaLibre, Closeness::Exact),
                ("File:Es-am-lat-manzana.ogg", Source::Wiktionary, Closeness::Exact),
                ("File:Es-Manzana.ogg", Source::Wiktionary, Closeness::IgnoringCase),
            ]
        );
    }

    #[test]
    fn words_are_compared_after_unicode_normalisation_and_localised_namespaces_are_read() {
        // "café" with a combining accent in the title, a precomposed one in the deck.
        let titles = ["Fichier:LL-Q150 (fra)-X-cafe\u{301}.wav", "Fichier:Fr-Paris--café.ogg"];
        let found = candidates(titles, language("fr").unwrap(), "caf\u{e9}");
        assert_eq!(found.first().map(|c| (c.title.as_str(), c.closeness)), Some(("File:LL-Q150 (fra)-X-cafe\u{301}.wav", Closeness::Exact)));
        assert_eq!(file_name("File:En-us-ice_cream.ogg"), "En-us-ice cream.ogg");
        assert_eq!(lingua_libre_word("LL-Q1321 (spa)-Millars.wav", spanish()), None);
        let german = language("de").unwrap();
        assert_eq!(candidates(["File:De-Baden-Württemberg.ogg"], german, "Baden-Württemberg").len(), 1);
        assert!(candidates(["File:En-us-apple.ogg"], german, "apple").is_empty(), "another language's file");
    }
}
