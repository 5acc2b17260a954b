//! Finds the Mulberry pictogram for a word by its English name, with a reviewed table of
//! English synonyms on top (`PICTOGRAM_OVERRIDES`).
//!
//! The pack's names are English, so the card's gloss is the main key ("to eat" → `eat`,
//! "to be afraid" → `afraid man`); French words are also looked up in the source's French names;
//! an English word (or a word of no stated language) is looked up as it is. Words of other
//! languages without a gloss get no pictogram: looking them up in English gives false friends
//! (es "pan" is bread, not a frying pan).
//!
//! Scores: an exact name (5, or 4.5 for a variant of the wrong class: the noun "drink" for the
//! verb), the name of a person showing it ("happy man", 4), a regular English form of it ("eats",
//! "washing", 3.5), the first word of a longer name ("wash" → "wash hands", 2). Tags are not
//! used to pick: the source's 119 tags are categories ("work" is every profession), so a tag
//! match would be a random member of the category.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::matcher::Via;
use super::mulberry::{mulberry, MulberryPack, SymbolClass};
use super::overrides::PICTOGRAM_OVERRIDES;
use super::text::{is_function_word, normalize, query};
use super::word_class::STATE_LEADS;

/// The pictogram chosen for a word.
#[derive(Debug, Clone, PartialEq)]
pub struct PictogramMatch {
    /// The source's symbol id (its file name), e.g. `happy_man`.
    pub id: &'static str,
    /// The English name, e.g. `happy man`.
    pub name: &'static str,
    pub class: SymbolClass,
    /// See the module comment; 6 for an entry of the override table.
    pub score: f32,
    pub via: Via,
    pub(crate) index: usize,
}

impl PictogramMatch {
    /// The symbol's standalone SVG document.
    pub fn svg(&self) -> &'static str {
        mulberry().and_then(|p| p.symbols.get(self.index)).map(|s| s.svg.as_str()).unwrap_or("")
    }

    /// A match good enough to show on its own: an exact name, a person showing it, a form of it.
    pub fn is_strong(&self) -> bool {
        self.score >= STRONG
    }
}

const STRONG: f32 = 3.5;
const OVERRIDE: f32 = 6.0;

/// Names whose last word only says who shows the quality or action: "happy man", "sleep female".
const PERSONS: &[&str] = &["man", "lady", "woman", "person", "male", "female", "boy", "girl"];

/// Which of the pack's name tables a query is looked up in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Names {
    /// English names, with the override table and English word forms.
    English,
    /// The source's French names, exact only.
    French,
}

/// The best pictogram for `word` (in `language`), trying the card's `translation` first;
/// `wanted` breaks ties between symbols of the same name ("drink" the noun or the verb).
pub fn best_pictogram(word: &str, language: &str, translation: Option<&str>, wanted: SymbolClass) -> Option<PictogramMatch> {
    let pack = mulberry()?;
    let primary = language.trim().to_ascii_lowercase().replace('_', "-");
    let primary = primary.split('-').next().unwrap_or("");
    let mut attempts: Vec<(String, Via, Names)> = Vec::with_capacity(3);
    if let Some(t) = translation.map(gloss_query).filter(|t| !t.is_empty()) {
        attempts.push((t, Via::Translation, Names::English));
    }
    let w = query(word);
    if !w.is_empty() {
        match primary {
            "fr" => attempts.push((w, Via::Word, Names::French)),
            "en" | "" => attempts.push((gloss_query(word), Via::Word, Names::English)),
            _ => {}
        }
    }
    let mut weak: Option<PictogramMatch> = None;
    for (q, via, names) in attempts {
        if q.chars().count() < 2 || is_function_word(&q) {
            continue;
        }
        if names == Names::English {
            match override_for(pack, &q) {
                Some(Some(index)) => return Some(make(pack, index, OVERRIDE, via)),
                Some(None) => return None,
                None => {}
            }
        }
        let found = match names {
            Names::English => search(pack, &q, wanted),
            Names::French => exact(pack, &pack.by_french, &q, wanted),
        };
        if let Some((index, score)) = found {
            let m = make(pack, index, score, via);
            if m.is_strong() {
                return Some(m);
            }
            weak.get_or_insert(m);
        }
    }
    weak
}

/// The English key of a gloss: [`query`] (first alternative, no notes, no leading article or
/// "to"), then "be afraid" → "afraid", "get angry" → "angry".
pub fn gloss_query(gloss: &str) -> String {
    let q = query(gloss);
    for lead in STATE_LEADS {
        if let Some(rest) = q.strip_prefix(lead).filter(|r| !r.is_empty()) {
            return rest.to_string();
        }
    }
    q
}

fn make(pack: &'static MulberryPack, index: usize, score: f32, via: Via) -> PictogramMatch {
    let s = &pack.symbols[index];
    PictogramMatch { id: &s.id, name: &s.name, class: s.class, score, via, index }
}

/// Symbols named exactly `q` in `table`: the first of the wanted class, else the first.
fn exact(pack: &MulberryPack, table: &HashMap<String, Vec<usize>>, q: &str, wanted: SymbolClass) -> Option<(usize, f32)> {
    let list = table.get(q)?;
    match list.iter().find(|&&i| pack.symbols[i].class == wanted) {
        Some(&i) => Some((i, 5.0)),
        None => list.first().map(|&i| (i, if wanted == SymbolClass::Thing { 5.0 } else { 4.5 })),
    }
}

fn search(pack: &MulberryPack, q: &str, wanted: SymbolClass) -> Option<(usize, f32)> {
    if let Some(hit) = exact(pack, &pack.by_name, q, wanted) {
        return Some(hit);
    }
    for person in PERSONS {
        if let Some(&i) = pack.by_name.get(&format!("{q} {person}")).and_then(|l| l.first()) {
            return Some((i, 4.0));
        }
    }
    for form in english_base_forms(q) {
        if let Some((i, _)) = exact(pack, &pack.by_name, &form, wanted) {
            return Some((i, 3.5));
        }
    }
    first_word_of_name(pack, q)
}

/// "eats" → "eat", "washing" → "wash", "making" → "make", "running" → "run", "cries" → "cry".
fn english_base_forms(q: &str) -> Vec<String> {
    let mut forms = Vec::new();
    if q.contains(' ') || !q.chars().all(|c| c.is_ascii_lowercase()) || q.len() < 4 {
        return forms;
    }
    if let Some(stem) = q.strip_suffix("ing") {
        forms.push(stem.to_string());
        forms.push(format!("{stem}e"));
        let b = stem.as_bytes();
        if b.len() >= 2 && b[b.len() - 1] == b[b.len() - 2] {
            forms.push(stem[..stem.len() - 1].to_string());
        }
    } else if let Some(stem) = q.strip_suffix("ies") {
        forms.push(format!("{stem}y"));
    } else if let Some(stem) = q.strip_suffix("es") {
        forms.push(stem.to_string());
        forms.push(format!("{stem}e"));
    } else if let Some(stem) = q.strip_suffix('s').filter(|s| !s.ends_with('s')) {
        forms.push(stem.to_string());
    }
    forms
}

/// The shortest name that starts with the word `q` ("wash" → "wash hands"), if any.
fn first_word_of_name(pack: &MulberryPack, q: &str) -> Option<(usize, f32)> {
    let prefix = format!("{q} ");
    pack.symbols
        .iter()
        .enumerate()
        .filter(|(_, s)| s.name.starts_with(&prefix))
        .min_by_key(|(i, s)| (s.name.len(), s.id.len(), *i))
        .map(|(i, _)| (i, 2.0))
}

/// `Some(Some(i))`: use symbol `i`; `Some(None)`: no pictogram shows this; `None`: not listed.
fn override_for(pack: &'static MulberryPack, q: &str) -> Option<Option<usize>> {
    static TABLE: OnceLock<HashMap<String, Option<usize>>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let by_id: HashMap<&str, usize> = pack.symbols.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
        let mut t = HashMap::new();
        for (words, id) in PICTOGRAM_OVERRIDES {
            // An entry naming a symbol the pack lacks is dropped (a unit test checks there are none).
            let target = match id {
                Some(id) => match by_id.get(id) {
                    Some(&i) => Some(i),
                    None => continue,
                },
                None => None,
            };
            for w in words.split('|') {
                t.insert(normalize(w), target);
            }
        }
        t
    });
    table.get(q).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pictogram_override_names_a_symbol_of_the_pack() {
        let pack = mulberry().unwrap();
        for (words, id) in PICTOGRAM_OVERRIDES {
            if let Some(id) = id {
                assert!(pack.symbols.iter().any(|s| s.id == *id), "{words}: {id} is not in the pack");
            }
            for w in words.split('|') {
                assert_eq!(gloss_query(w), normalize(w), "override key {w:?} would never match a query");
            }
        }
    }

    #[test]
    fn glosses_lose_to_be_and_english_forms_reach_the_base() {
        assert_eq!(gloss_query("to be afraid"), "afraid");
        assert_eq!(gloss_query("to eat (something)"), "eat");
        assert_eq!(gloss_query("to get angry"), "angry");
        assert_eq!(english_base_forms("running"), ["runn", "runne", "run"]);
        assert_eq!(english_base_forms("cries"), ["cry"]);
        assert!(english_base_forms("gas").is_empty());
    }
}
