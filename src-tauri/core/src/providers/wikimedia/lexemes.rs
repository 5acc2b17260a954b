//! Wikidata's lexemes as the recordings provider reads them: the word's lexemes
//! (`wbsearchentities`, `type=lexeme`), their lemmas, language and forms (`wbgetentities`), and
//! the pronunciation files on them (property P443, a Commons file name). Pure functions over
//! `serde_json::Value`, no I/O.
//!
//! A lexeme (`L…`) has `lemmas` keyed by language code (`{"es": {"language": "es", "value":
//! "manzana"}}`, sometimes several spellings: `en-gb`, `en-us`), a `language` (the language's
//! item, `Q1321`), a `lexicalCategory`, and `forms`, each with `representations` keyed like the
//! lemmas and its own `claims`. P443 sits on a form (`L42-F1`: "answer", `En-us-answer.ogg`,
//! qualified by the accent, P5237); a few lexemes carry it on the lexeme itself.
//!
//! **Exact only.** A lexeme counts when its language item is the word's
//! ([`Language::qid`]) and one of its lemmas in that language is the word: equal after Unicode
//! NFC, case and accents included. Case is kept because it tells lexemes apart (German `Weg`,
//! a path, and `weg`, away, are pronounced differently; English `Polish` and `polish`), and so
//! do accents (Spanish `papá` and `papa`). Of such a lexeme, the recordings of the forms written
//! as the word come first (usually the lemma's form), then the lexeme's own; a recording of
//! another form (`manzanas`) is another word and never used.
//!
//! The search is Wikidata's prefix search over every language's lemmas and forms, folding case
//! and accents; it names each hit's language by the language item's ISO 639-1 code (`und` when
//! the item has none). Hits whose matched lemma is not the word ignoring case, or that the search
//! places in another language, are not fetched.
//!
//! Reference: <https://www.mediawiki.org/wiki/Extension:WikibaseLexeme/Data_Model>, the JSON
//! format of WikibaseLexeme (`docs/topics/json.md`), <https://www.wikidata.org/wiki/Property:P443>.

use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use super::titles::Language;

/// Hits asked for: the most an anonymous client may, as a short word (`a`, `pan`) is a lemma in
/// dozens of languages and the search ranks equal matches in no particular language order.
pub const SEARCH_LIMIT: u32 = 50;
/// Lexemes fetched per word, at most (homographs: `lead` the metal and `lead` the verb).
pub const MAX_LEXEMES: usize = 5;
/// The property "pronunciation audio".
pub const PRONUNCIATION: &str = "P443";

/// Parameters of the search for lexemes whose lemma or form is `word`. The search looks in
/// every language; `language` is required and names the language the hits are described in.
pub fn search_params(lang: &Language, word: &str) -> Vec<(&'static str, String)> {
    vec![
        ("action", "wbsearchentities".into()),
        ("type", "lexeme".into()),
        ("search", word.to_string()),
        ("language", lang.code.into()),
        ("uselang", lang.code.into()),
        ("limit", SEARCH_LIMIT.to_string()),
    ]
}

/// The lexemes of a `wbsearchentities` answer worth fetching: a lemma match (`"type": "label"`;
/// `alias` is a form) whose text is the word ignoring case, in `lang` (or a language the search
/// has no code for). In the search's order, each once, at most [`MAX_LEXEMES`].
pub fn candidate_ids(json: &Value, lang: &Language, word: &str) -> Vec<String> {
    let Some(Value::Array(hits)) = json.get("search") else { return Vec::new() };
    let want = fold(word);
    let mut ids: Vec<String> = Vec::new();
    for hit in hits {
        let Some(id) = hit.get("id").and_then(Value::as_str).filter(|id| is_lexeme_id(id)) else { continue };
        let matched = |k: &str| hit.pointer(&format!("/match/{k}")).and_then(Value::as_str).unwrap_or("");
        let language = matched("language");
        let in_language = language.is_empty() || language == "und" || in_lang(language, lang);
        if matched("type") == "label" && fold(matched("text")) == want && in_language && !ids.iter().any(|x| x == id) {
            ids.push(id.to_string());
        }
    }
    ids.truncate(MAX_LEXEMES);
    ids
}

fn is_lexeme_id(id: &str) -> bool {
    id.len() > 1 && id.starts_with('L') && id[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Parameters of the lexemes `ids`, whole (lemmas, language, forms and their claims).
pub fn entities_params(ids: &[String]) -> Vec<(&'static str, String)> {
    vec![("action", "wbgetentities".into()), ("ids", ids.join("|"))]
}

/// A lexeme as far as recordings go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lexeme {
    pub id: String,
    /// The language's item, `Q…`.
    pub language: String,
    /// (language code, lemma).
    pub lemmas: Vec<(String, String)>,
    pub forms: Vec<Form>,
    /// P443 files on the lexeme itself.
    pub recordings: Vec<String>,
}

/// One form of a lexeme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub id: String,
    /// (language code, spelling).
    pub representations: Vec<(String, String)>,
    /// P443 files (`LL-Q1860 (eng)-Vealhurl-apple.wav`, no `File:`), preferred rank first.
    pub recordings: Vec<String>,
}

/// The lexeme `id` of a `wbgetentities` answer; `None` when it is missing or not a lexeme.
pub fn lexeme(json: &Value, id: &str) -> Option<Lexeme> {
    let e = json.get("entities")?.get(id)?;
    if e.get("missing").is_some() || e.get("type").and_then(Value::as_str) != Some("lexeme") {
        return None;
    }
    let language = e.get("language")?.as_str()?.to_string();
    let forms = e
        .get("forms")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|f| Form {
            id: f.get("id").and_then(Value::as_str).unwrap_or("").to_string(),
            representations: terms(f.get("representations")),
            recordings: recordings(f.get("claims")),
        })
        .collect();
    Some(Lexeme { id: id.to_string(), language, lemmas: terms(e.get("lemmas")), forms, recordings: recordings(e.get("claims")) })
}

/// `{"es": {"language": "es", "value": "manzana"}}` → `[("es", "manzana")]`.
fn terms(map: Option<&Value>) -> Vec<(String, String)> {
    let Some(Value::Object(map)) = map else { return Vec::new() };
    map.iter()
        .filter_map(|(code, term)| {
            let value = term.get("value")?.as_str()?;
            let code = term.get("language").and_then(Value::as_str).unwrap_or(code);
            Some((code.to_string(), value.to_string()))
        })
        .collect()
}

/// The P443 files of a `claims` object: values only (not `somevalue`/`novalue`), preferred
/// rank first, deprecated left out, names that cannot be a Commons title dropped.
fn recordings(claims: Option<&Value>) -> Vec<String> {
    super::wikidata::file_claims(claims, PRONUNCIATION).iter().filter_map(|n| file_name(n)).collect()
}

/// A Commons file name as Commons titles it (`_` → space), or `None` when it holds a character
/// no title can (it goes into a `titles=A|B` parameter).
fn file_name(name: &str) -> Option<String> {
    let name = name.replace('_', " ").trim().to_string();
    let bad = |c: char| c.is_control() || "|#<>[]{}".contains(c);
    (!name.is_empty() && !name.contains(bad)).then_some(name)
}

/// The Commons files (no `File:`) that are recordings of `word` in `lang`, best first: of each
/// lexeme in `lang` with `word` as a lemma (in the order given), the forms spelled `word`, then
/// the lexeme's own. Each file once.
pub fn recordings_of(lexemes: &[Lexeme], lang: &Language, word: &str) -> Vec<String> {
    let is_word = |terms: &[(String, String)]| terms.iter().any(|(code, value)| in_lang(code, lang) && same(value, word));
    let mut files: Vec<String> = Vec::new();
    for lexeme in lexemes.iter().filter(|l| l.language == lang.qid && is_word(&l.lemmas)) {
        let forms = lexeme.forms.iter().filter(|f| is_word(&f.representations)).flat_map(|f| f.recordings.iter());
        for file in forms.chain(lexeme.recordings.iter()) {
            if !files.contains(file) {
                files.push(file.clone());
            }
        }
    }
    files
}

/// Whether a language code (`es`, `en-gb`, `zh-hans`) is `lang`'s.
fn in_lang(code: &str, lang: &Language) -> bool {
    let primary = code.split('-').next().unwrap_or("").to_ascii_lowercase();
    primary == lang.code || primary == lang.iso3
}

/// Equal after NFC: case and accents count.
fn same(a: &str, b: &str) -> bool {
    a.trim().nfc().eq(b.trim().nfc())
}

fn fold(text: &str) -> String {
    text.trim().nfc().collect::<String>().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lang(code: &str) -> &'static Language {
        super::super::titles::language(code).unwrap()
    }

    fn claim(id: &str, file: &str, rank: &str) -> Value {
        json!({"mainsnak": {"snaktype": "value", "property": "P443", "hash": "1d9b7d5f", "datavalue": {"value": file, "type": "string"}, "datatype": "commonsMedia"},
            "type": "statement", "qualifiers": {"P5237": [{"snaktype": "value", "property": "P5237", "datavalue": {"value": {"entity-type": "item", "numeric-id": 7976, "id": "Q7976"}, "type": "wikibase-entityid"}, "datatype": "wikibase-item"}]},
            "qualifiers-order": ["P5237"], "id": format!("{id}$885f84f6-4d51-3331-5afb-a8edb72c24fc"), "rank": rank})
    }

    #[test]
    fn only_lemma_hits_of_the_word_in_its_language_are_fetched() {
        let search = json!({"searchinfo": {"search": "papa"}, "search": [
            {"id": "L7406", "title": "Lexeme:L7406", "pageid": 9_001, "repository": "wikidata", "url": "//www.wikidata.org/wiki/Lexeme:L7406",
             "concepturi": "http://www.wikidata.org/entity/L7406", "label": "papa", "description": "Spanish, noun",
             "match": {"type": "label", "language": "es", "text": "papa"}},
            {"id": "L1", "label": "papa", "description": "English, noun", "match": {"type": "label", "language": "en", "text": "papa"}},
            {"id": "L2", "label": "papá", "description": "Spanish, noun", "match": {"type": "label", "language": "es", "text": "papá"}},
            {"id": "L3", "label": "papar", "description": "Spanish, verb", "match": {"type": "alias", "language": "es", "text": "papa"}},
            {"id": "L4", "label": "Papa", "description": "Spanish, proper noun", "match": {"type": "label", "language": "es", "text": "Papa"}},
            {"id": "L5", "label": "papa", "description": "Mandarin Chinese, noun", "match": {"type": "label", "language": "und", "text": "papa"}},
            {"id": "Q9", "label": "papa", "match": {"type": "label", "language": "es", "text": "papa"}},
            {"id": "L7406", "label": "papa", "match": {"type": "label", "language": "es", "text": "papa"}}
        ], "search-continue": 50, "success": 1});
        assert_eq!(candidate_ids(&search, lang("es"), "papa"), ["L7406", "L4", "L5"], "the search folds case; the lexeme is checked exactly later");
        assert!(candidate_ids(&json!({"error": {"code": "x"}}), lang("es"), "papa").is_empty());
        let params = search_params(lang("es"), "papa");
        assert!(params.contains(&("type", "lexeme".into())) && params.contains(&("language", "es".into())), "{params:?}");
    }

    /// The shape of `wbgetentities` for a lexeme (Wikidata's L42 "answer", trimmed).
    fn answer() -> Value {
        json!({"entities": {"L42": {
            "pageid": 54_387_043, "ns": 146, "title": "Lexeme:L42", "lastrevid": 2_093_316_745, "modified": "2024-02-25T11:10:42Z",
            "type": "lexeme", "id": "L42",
            "lemmas": {"en": {"language": "en", "value": "answer"}},
            "lexicalCategory": "Q1084", "language": "Q1860",
            "claims": {"P5402": [{"mainsnak": {"snaktype": "value", "property": "P5402", "datavalue": {"value": {"entity-type": "lexeme", "numeric-id": 961, "id": "L961"}, "type": "wikibase-entityid"}, "datatype": "wikibase-lexeme"}, "type": "statement", "id": "L42$06e1e5e0", "rank": "normal"}],
                       "P443": [claim("L42", "LL-Q1860 (eng)-Own-answer.wav", "normal")]},
            "forms": [
                {"id": "L42-F1", "representations": {"en": {"language": "en", "value": "answer"}}, "grammaticalFeatures": ["Q110786"],
                 "claims": {"P443": [claim("L42-F1", "En-us-answer.ogg", "normal"), claim("L42-F1", "LL-Q1860 (eng)-Vealhurl-answer.wav", "preferred"), claim("L42-F1", "Old-answer.ogg", "deprecated"),
                    {"mainsnak": {"snaktype": "somevalue", "property": "P443", "datatype": "commonsMedia"}, "type": "statement", "id": "L42-F1$2", "rank": "normal"}]}},
                {"id": "L42-F2", "representations": {"en": {"language": "en", "value": "answers"}}, "grammaticalFeatures": ["Q146786"],
                 "claims": {"P443": [claim("L42-F2", "En-us-answers.ogg", "normal")]}}
            ],
            "senses": [{"id": "L42-S1", "glosses": {"en": {"language": "en", "value": "reply; reaction to a question"}}, "claims": {}}]
        }, "L9": {"id": "L9", "missing": ""}}, "success": 1})
    }

    #[test]
    fn a_lexeme_gives_the_recordings_of_the_form_spelled_as_the_word_then_its_own() {
        let json = answer();
        let l = lexeme(&json, "L42").unwrap();
        assert_eq!((l.language.as_str(), l.lemmas.clone()), ("Q1860", vec![("en".to_string(), "answer".to_string())]));
        assert_eq!(l.forms[0].recordings, ["LL-Q1860 (eng)-Vealhurl-answer.wav", "En-us-answer.ogg"], "preferred first, deprecated and unknown values left out");
        assert_eq!(lexeme(&json, "L9"), None);
        assert_eq!(lexeme(&json, "L1"), None);
        let english = lang("en");
        assert_eq!(
            recordings_of(std::slice::from_ref(&l), english, "answer"),
            ["LL-Q1860 (eng)-Vealhurl-answer.wav", "En-us-answer.ogg", "LL-Q1860 (eng)-Own-answer.wav"]
        );
        assert!(recordings_of(std::slice::from_ref(&l), english, "answers").is_empty(), "a form that is not the lemma is another word");
        assert!(recordings_of(std::slice::from_ref(&l), english, "Answer").is_empty(), "case counts");
        assert!(recordings_of(std::slice::from_ref(&l), lang("de"), "answer").is_empty(), "another language's lexeme");
        let mut french = l.clone();
        french.language = "Q150".into();
        assert!(recordings_of(&[french], english, "answer").is_empty(), "the language item decides, whatever the lemma's code");
        let mut variant = l;
        variant.lemmas = vec![("en-gb".into(), "cafe\u{301}".into())];
        variant.forms[0].representations = vec![("en-gb".into(), "caf\u{e9}".into())];
        assert_eq!(recordings_of(&[variant], english, "caf\u{e9}").len(), 3, "NFC, and a regional spelling is the language's");
        assert_eq!(file_name("LL-Q1860_(eng)-X-a.wav").as_deref(), Some("LL-Q1860 (eng)-X-a.wav"));
        assert_eq!(file_name("A|B.ogg"), None);
    }
}
