//! How often the offline picture provider finds a meaningful picture (emoji or Mulberry
//! pictogram) for common verbs and adjectives/feelings.
//!
//!     cargo run -p deckmedia-core --release --example pictogram_coverage [-- --review | --verbose] [--set fitted]
//!     cargo run -p deckmedia-core --example pictogram_coverage -- --try de laufen "to run" [--out DIR]
//!
//! Reads `assets/pictograms/words.tsv` (a "fitted" and a "fresh" set of verbs and adjectives in
//! en/de/es/ru with their English gloss and the pictures a reviewer accepts) and prints, per set
//! and language, how many words got a picture and how many of those are accepted ("meaningful").
//! English words are looked up alone, the others with their gloss. `--review` prints every
//! choice (to fill the accepted column); `--verbose` only the ones not accepted.

use std::collections::BTreeMap;

use deckmedia_core::providers::emoji::{choose, picture, strip_fe0f, word_class, Choice, Picture};

const LANGS: [&str; 4] = ["en", "de", "es", "ru"];

struct Row {
    set: String,
    class: String,
    words: [String; 4],
    gloss: String,
    /// Accepted pictures: symbol ids or emoji without U+FE0F; empty = none is right.
    accepted: Vec<String>,
    reviewed: bool,
}

#[derive(Default)]
struct Tally {
    words: usize,
    pictures: usize,
    meaningful: usize,
    unreviewed: usize,
}

/// The chosen picture as the accepted column writes it: a symbol id, an emoji, or "-".
fn key(choice: &Choice) -> String {
    match choice {
        Choice::Emoji(m) => strip_fe0f(m.emoji),
        Choice::Pictogram(p) => p.id.to_string(),
        Choice::None => "-".into(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--try") {
        try_words(&args[1..]);
        return;
    }
    let review = args.iter().any(|a| a == "--review");
    let verbose = args.iter().any(|a| a == "--verbose" || a == "-v");
    let only = args.iter().position(|a| a == "--set").and_then(|i| args.get(i + 1));
    let rows: Vec<Row> = read_rows().into_iter().filter(|r| only.is_none_or(|s| *s == r.set)).collect();
    let mut tallies: BTreeMap<(String, String, &str), Tally> = BTreeMap::new();
    for row in &rows {
        for (i, lang) in LANGS.iter().enumerate() {
            let word = &row.words[i];
            let gloss = (*lang != "en").then_some(row.gloss.as_str());
            let choice = choose(word, lang, gloss);
            let got = key(&choice);
            let ok = row.accepted.contains(&got);
            for class in [row.class.clone(), "all".into()] {
                let t = tallies.entry((row.set.clone(), class, lang)).or_default();
                t.words += 1;
                t.pictures += usize::from(got != "-");
                t.meaningful += usize::from(ok && got != "-");
                t.unreviewed += usize::from(!row.reviewed);
            }
            if review || (verbose && !ok) {
                let class = word_class(word, lang, gloss);
                println!("{} {lang} {word:<16} {:<14} {class:?} → {got}  {}", row.set, row.gloss, describe(&choice));
            }
        }
    }
    println!("{:<7} {:<5} {:<4} {:>9} {:>11} {:>11}", "set", "class", "lang", "words", "pictures", "meaningful");
    for ((set, class, lang), t) in &tallies {
        let note = if t.unreviewed > 0 { format!("  ({} not reviewed)", t.unreviewed) } else { String::new() };
        println!(
            "{set:<7} {class:<5} {lang:<4} {:>9} {:>11} {:>11}{note}",
            t.words,
            format!("{}/{}", t.pictures, t.words),
            format!("{}/{}", t.meaningful, t.words)
        );
    }
}

fn read_rows() -> Vec<Row> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/pictograms/words.tsv");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("set\t") && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 8, "bad line: {l}");
            let accepted = match f[7].trim() {
                "-" | "?" => vec![],
                a => a.split_whitespace().map(strip_fe0f).collect(),
            };
            Row {
                set: f[0].into(),
                class: f[1].into(),
                words: [f[2].into(), f[3].into(), f[4].into(), f[5].into()],
                gloss: f[6].into(),
                accepted,
                reviewed: f[7].trim() != "?",
            }
        })
        .collect()
}

/// `--try LANG WORD [GLOSS] [--out DIR]`: the choice for one word; with --out, the PNG too.
fn try_words(args: &[String]) {
    let lang = args.first().map(String::as_str).unwrap_or("en");
    let Some(word) = args.get(1) else { return };
    let gloss = args.get(2).filter(|g| *g != "--out").map(String::as_str);
    let choice = choose(word, lang, gloss);
    println!("{lang} {word} ({gloss:?}) class {:?} → {}  {}", word_class(word, lang, gloss), key(&choice), describe(&choice));
    let out = args.iter().position(|a| a == "--out").and_then(|i| args.get(i + 1));
    if let (Some(dir), Ok(Picture::Emoji { png, .. } | Picture::Pictogram { png, .. } | Picture::WordCard { png })) = (out, picture(word, lang, gloss)) {
        let name: String = word.chars().filter(|c| c.is_alphanumeric()).take(24).collect();
        let path = std::path::Path::new(dir).join(format!("{lang}-{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

fn describe(choice: &Choice) -> String {
    match choice {
        Choice::Emoji(m) => format!("emoji {} ({}, score {}, {:?})", m.label, m.locale, m.score, m.via),
        Choice::Pictogram(p) => format!("pictogram \"{}\" ({:?}, score {}, {:?})", p.name, p.class, p.score, p.via),
        Choice::None => "word card".into(),
    }
}
