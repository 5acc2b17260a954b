//! The Wikidata API as the photo provider uses it: the word's items (`wbsearchentities`), their
//! labels, descriptions and images (`wbgetentities`, property P18), and which item is *this*
//! word when several are (`banco`: the bank, the bench, the sandbank): the one whose English
//! label or description shares the most with the word's translation. Pure functions over
//! `serde_json::Value`, no I/O.
//!
//! Reference: <https://www.wikidata.org/w/api.php?action=help&modules=wbsearchentities>,
//! `wbgetentities`, <https://www.wikidata.org/wiki/Property:P18>.

use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

/// Items asked for per word: enough for the meanings of a common word, few enough for one call.
pub const SEARCH_LIMIT: u32 = 7;

/// A deck language code as Wikidata's `language` parameter: the primary subtag (`es-MX` → `es`),
/// lower case; `None` when it is not 2–3 ASCII letters (nothing else goes into the URL).
pub fn language_code(code: &str) -> Option<String> {
    let primary = code.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
    let primary = if primary == "no" { "nb".to_string() } else { primary };
    ((2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase())).then_some(primary)
}

/// Parameters of the search for items labelled `word` in `lang`.
pub fn search_params(lang: &str, word: &str) -> Vec<(&'static str, String)> {
    vec![
        ("action", "wbsearchentities".into()),
        ("search", word.to_string()),
        ("language", lang.to_string()),
        ("uselang", lang.to_string()),
        ("type", "item".into()),
        ("limit", SEARCH_LIMIT.to_string()),
    ]
}

/// One search hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// `Q…`.
    pub id: String,
    pub label: String,
    pub description: String,
    /// The label or alias the search matched.
    pub matched: String,
}

/// The hits of a `wbsearchentities` answer whose matched label or alias is exactly `word`
/// (compared after NFC, case-insensitively): the search is a prefix search, and `bancos` or
/// `Banco Santander` is not `banco`. In the search's order, at most one per item.
pub fn exact_hits(json: &Value, word: &str) -> Vec<Hit> {
    let Some(Value::Array(list)) = json.get("search") else { return Vec::new() };
    let want = fold(word);
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut hits: Vec<Hit> = Vec::new();
    for h in list {
        let id = text(h, "id");
        let matched = h.pointer("/match/text").and_then(Value::as_str).unwrap_or("").to_string();
        let label = text(h, "label");
        let exact = fold(&matched) == want || fold(&label) == want;
        if exact && is_item_id(&id) && !hits.iter().any(|x| x.id == id) {
            hits.push(Hit { id, label, description: text(h, "description"), matched });
        }
    }
    hits
}

fn is_item_id(id: &str) -> bool {
    id.len() > 1 && id.starts_with('Q') && id[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Parameters of the claims, labels and descriptions (in English and `lang`) of `ids`.
pub fn entities_params(ids: &[String], lang: &str) -> Vec<(&'static str, String)> {
    let languages = if lang == "en" { "en".to_string() } else { format!("en|{lang}") };
    vec![("action", "wbgetentities".into()), ("ids", ids.join("|")), ("props", "claims|labels|descriptions".into()), ("languages", languages)]
}

/// What `wbgetentities` says of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub id: String,
    pub english_label: String,
    pub english_description: String,
    /// Its P18 image files (`Apple.jpg`, no `File:`), preferred rank first, deprecated left out.
    pub images: Vec<String>,
}

/// The item `id` of a `wbgetentities` answer.
pub fn entity(json: &Value, id: &str) -> Option<Entity> {
    let e = json.get("entities")?.get(id)?;
    if e.get("missing").is_some() {
        return None;
    }
    let en = |k: &str| e.pointer(&format!("/{k}/en/value")).and_then(Value::as_str).unwrap_or("").to_string();
    Some(Entity { id: id.to_string(), english_label: en("labels"), english_description: en("descriptions"), images: file_claims(e.get("claims"), "P18") })
}

/// The file names (no `File:`) that `property`'s statements in a `claims` object hold: values
/// only (not `somevalue`/`novalue`), preferred rank first, deprecated left out, trimmed, none
/// empty. P18 of an item, P443 of a lexeme or its forms.
pub fn file_claims(claims: Option<&Value>, property: &str) -> Vec<String> {
    let mut found: Vec<(u8, String)> = claims
        .and_then(|c| c.get(property))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let rank = match c.get("rank").and_then(Value::as_str) {
                Some("preferred") => 0,
                Some("deprecated") => return None,
                _ => 1,
            };
            let file = c.pointer("/mainsnak/datavalue/value").and_then(Value::as_str)?.trim();
            (!file.is_empty()).then(|| (rank, file.to_string()))
        })
        .collect();
    found.sort_by_key(|(rank, _)| *rank);
    found.into_iter().map(|(_, f)| f).collect()
}

/// How well an item fits the translation: an English label equal to it counts most, then shared
/// words of the label, then of the description (`bench` → "long seat for several people").
/// Zero without a translation.
pub fn score(entity: &Entity, hit: &Hit, translation: Option<&str>) -> u32 {
    let Some(translation) = translation.map(str::trim).filter(|t| !t.is_empty()) else { return 0 };
    let wanted = words(translation);
    let shared = |text: &str| words(text).iter().filter(|w| wanted.contains(w)).count() as u32;
    let mut score = 0;
    if !entity.english_label.is_empty() && words(&entity.english_label) == wanted {
        score += 10;
    }
    score += 3 * shared(&entity.english_label);
    score += shared(&entity.english_description) + shared(&hit.description);
    score
}

/// The hits in the order to try them: best fit to the translation first (the search's order
/// among equals). When some item fits the translation, the ones that do not are dropped: a
/// bench's photo missing its free licence must not become a bank's photo for "bench".
pub fn ranked<'a>(hits: &'a [Hit], entities: &'a [Entity], translation: Option<&str>) -> Vec<&'a Entity> {
    let mut scored: Vec<(u32, &Entity)> = hits
        .iter()
        .filter_map(|h| entities.iter().find(|e| e.id == h.id).map(|e| (score(e, h, translation), e)))
        .filter(|(_, e)| !e.images.is_empty())
        .collect();
    scored.sort_by_key(|(s, _)| std::cmp::Reverse(*s));
    let best = scored.first().map_or(0, |(s, _)| *s);
    scored.into_iter().filter(|(s, _)| best == 0 || *s > 0).map(|(_, e)| e).collect()
}

/// Lower-case words of a text, without the articles and particles a gloss starts with.
fn words(text: &str) -> Vec<String> {
    const STOP: [&str; 9] = ["a", "an", "the", "to", "of", "or", "and", "for", "in"];
    fold(text).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty() && !STOP.contains(w)).map(str::to_owned).collect()
}

fn fold(text: &str) -> String {
    text.trim().nfc().collect::<String>().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_exact_labels_count_and_the_translation_picks_the_meaning() {
        let search = json!({"searchinfo": {"search": "banco"}, "search": [
            {"id": "Q22687", "label": "banco", "description": "institución financiera", "match": {"type": "label", "language": "es", "text": "banco"}},
            {"id": "Q204776", "label": "banco", "description": "asiento largo", "match": {"type": "label", "language": "es", "text": "banco"}},
            {"id": "Q806", "label": "Banco Santander", "description": "banco español", "match": {"type": "label", "language": "es", "text": "Banco Santander"}},
            {"id": "Q9", "label": "Bancos", "description": "", "match": {"type": "alias", "language": "es", "text": "BANCO"}}
        ], "success": 1});
        let hits = exact_hits(&search, "Banco");
        assert_eq!(hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["Q22687", "Q204776", "Q9"]);
        let entities = json!({"entities": {
            "Q22687": {"id": "Q22687", "labels": {"en": {"language": "en", "value": "bank"}}, "descriptions": {"en": {"language": "en", "value": "financial institution"}},
                "claims": {"P18": [{"mainsnak": {"snaktype": "value", "property": "P18", "datavalue": {"value": "Bank.jpg", "type": "string"}}, "rank": "normal"}]}},
            "Q204776": {"id": "Q204776", "labels": {"en": {"language": "en", "value": "bench"}}, "descriptions": {"en": {"language": "en", "value": "long seat for several people"}},
                "claims": {"P18": [
                    {"mainsnak": {"datavalue": {"value": "Old bench.jpg"}}, "rank": "deprecated"},
                    {"mainsnak": {"datavalue": {"value": "Bench.jpg"}}, "rank": "normal"},
                    {"mainsnak": {"datavalue": {"value": "Best bench.jpg"}}, "rank": "preferred"}]}},
            "Q9": {"id": "Q9", "missing": ""}
        }});
        let found: Vec<Entity> = hits.iter().filter_map(|h| entity(&entities, &h.id)).collect();
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].images, ["Best bench.jpg", "Bench.jpg"]);
        let order = |t: Option<&str>| ranked(&hits, &found, t).iter().map(|e| e.id.clone()).collect::<Vec<_>>();
        assert_eq!(order(Some("bench")), ["Q204776"], "the bank does not fit 'bench'");
        assert_eq!(order(Some("a bank")), ["Q22687"]);
        assert_eq!(order(None), ["Q22687", "Q204776"], "no translation: the search's order");
        assert_eq!(order(Some("sofa")), ["Q22687", "Q204776"], "nothing fits: the search's order");
        assert_eq!(language_code("es-MX").as_deref(), Some("es"));
        assert_eq!(language_code("x&y=z"), None);
    }
}
