//! The embedded pictogram pack (`assets/pictograms/pack.json.gz`, made by
//! `assets/pictograms/generate.py` from the vendored Mulberry Symbols, CC BY-SA 4.0): one SVG
//! per symbol with its English name, grammar class, category, tags and French name.
//!
//! Parsed once per process on first use (≈20 MB of JSON, ≈0.2 s in release); the name indexes
//! are built at the same time. Matching lives in `pictogram.rs`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::text::normalize;

static PACK_GZ: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/pictograms/pack.json.gz"));

/// What a symbol depicts, from the source's grammar column and category (the source files
/// adjectives and feelings as nouns, in "Descriptive …" and "People Feelings" categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolClass {
    /// An action: grammar `Verb` or `VerbComplex` ("brush teeth").
    Action,
    /// A quality or feeling: a descriptive category, or tagged `adjective`.
    Quality,
    /// A thing (or anything else).
    Thing,
}

/// One pictogram of the pack.
#[derive(Debug)]
pub struct Symbol {
    /// The source file name without `.svg`, e.g. `happy_man`, `bend_2_,_to`.
    pub id: String,
    /// The English name, normalised: `bend`, `happy man`.
    pub name: String,
    pub class: SymbolClass,
    /// A complete standalone SVG document.
    pub svg: String,
}

#[derive(Debug)]
pub struct MulberryPack {
    pub symbols: Vec<Symbol>,
    /// Normalised English name → symbols with that name, plain before numbered variants.
    pub by_name: HashMap<String, Vec<usize>>,
    /// Normalised French name → symbols.
    pub by_french: HashMap<String, Vec<usize>>,
}

#[derive(Deserialize)]
struct RawPack {
    format: u32,
    symbols: Vec<RawSymbol>,
}

#[derive(Deserialize)]
struct RawSymbol {
    id: String,
    name: String,
    grammar: String,
    category: String,
    tags: Vec<String>,
    fr: Option<String>,
    svg: String,
}

/// The pack, parsed on first use. `None` only if the embedded file is corrupt (the unit tests
/// catch that); callers then go on without pictograms.
pub fn mulberry() -> Option<&'static MulberryPack> {
    static PACK: OnceLock<Option<MulberryPack>> = OnceLock::new();
    PACK.get_or_init(|| match parse(PACK_GZ) {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::error!("the embedded pictogram pack is unreadable: {e}");
            None
        }
    })
    .as_ref()
}

fn class_of(grammar: &str, category: &str, tags: &[String]) -> SymbolClass {
    if grammar.starts_with("Verb") {
        SymbolClass::Action
    } else if category.starts_with("Descriptive")
        || category == "People Feelings"
        || category == "People Descriptive"
        || tags.iter().any(|t| t == "adjective")
    {
        SymbolClass::Quality
    } else {
        SymbolClass::Thing
    }
}

fn parse(gz: &[u8]) -> Result<MulberryPack, String> {
    use std::io::Read;
    let mut json = Vec::with_capacity(24 << 20);
    flate2::read::GzDecoder::new(gz).read_to_end(&mut json).map_err(|e| format!("gzip: {e}"))?;
    let raw: RawPack = serde_json::from_slice(&json).map_err(|e| format!("json: {e}"))?;
    if raw.format != 1 {
        return Err(format!("unknown pictogram pack format {}", raw.format));
    }
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_french: HashMap<String, Vec<usize>> = HashMap::new();
    let mut symbols = Vec::with_capacity(raw.symbols.len());
    for (i, s) in raw.symbols.into_iter().enumerate() {
        let tags: Vec<String> = s.tags.iter().map(|t| normalize(t)).filter(|t| !t.is_empty()).collect();
        let name = normalize(&s.name);
        by_name.entry(name.clone()).or_default().push(i);
        if let Some(fr) = s.fr.as_deref().map(normalize).filter(|f| !f.is_empty()) {
            by_french.entry(fr).or_default().push(i);
        }
        let class = class_of(&s.grammar, &s.category, &tags);
        symbols.push(Symbol { id: s.id, name, class, svg: s.svg });
    }
    // The plain symbol ("run_,_to") before its variants ("run_2_,_to"); ids sort the same way
    // for equal lengths, so the shorter id first, then the id.
    for list in by_name.values_mut().chain(by_french.values_mut()) {
        list.sort_by(|&a, &b| (symbols[a].id.len(), &symbols[a].id).cmp(&(symbols[b].id.len(), &symbols[b].id)));
    }
    Ok(MulberryPack { symbols, by_name, by_french })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_pictogram_pack_parses_with_names_classes_and_svgs() {
        let pack = mulberry().expect("pack parses");
        assert!(pack.symbols.len() > 2500, "{} symbols", pack.symbols.len());
        assert!(pack.symbols.iter().all(|s| s.svg.starts_with("<svg") && !s.name.is_empty()));
        let run = pack.by_name.get("run").expect("run");
        assert_eq!(pack.symbols[run[0]].class, SymbolClass::Action);
        let sad = pack.by_name.get("sad man").expect("sad man");
        assert_eq!(pack.symbols[sad[0]].class, SymbolClass::Quality);
        assert!(pack.by_french.contains_key("pomme"));
    }

    /// resvg reads every kept symbol and draws something (the generator drops `<text>` symbols,
    /// whose meaning resvg without fonts would lose; this catches anything else it cannot draw).
    #[test]
    fn every_symbol_parses_and_draws_visible_pixels() {
        use resvg::tiny_skia::{Pixmap, Transform};
        let pack = mulberry().unwrap();
        let mut blank = Vec::new();
        for s in &pack.symbols {
            let tree = resvg::usvg::Tree::from_str(&s.svg, &resvg::usvg::Options::default()).unwrap_or_else(|e| panic!("{}: {e}", s.id));
            let mut pixmap = Pixmap::new(48, 48).unwrap();
            let scale = 48.0 / tree.size().width().max(tree.size().height());
            resvg::render(&tree, Transform::from_scale(scale, scale), &mut pixmap.as_mut());
            if pixmap.pixels().iter().filter(|p| p.alpha() > 0).count() < 20 {
                blank.push(s.id.clone());
            }
        }
        assert!(blank.is_empty(), "draw (almost) nothing: {blank:?}");
    }
}
