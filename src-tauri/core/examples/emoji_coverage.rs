//! How often the offline picture provider finds the right emoji for common concrete nouns.
//!
//!     cargo run -p deckmedia-core --release --example emoji_coverage [-- --verbose]
//!     cargo run -p deckmedia-core --example emoji_coverage -- --try fr pomme "l'eau" table
//!
//! Reads `assets/emoji/nouns.tsv` (nouns in en/de/es/ru with the emoji a reviewer accepts) and
//! prints, per language and per noun set, how many words got a picture and how many of those are
//! an accepted emoji, with and without the override table; then the render time per picture.

use std::collections::BTreeMap;
use std::time::Instant;

use deckmedia_core::providers::emoji::{best_match, best_match_without_overrides, picture, strip_fe0f, Match, Picture};

const LANGS: [&str; 4] = ["en", "de", "es", "ru"];

struct Row {
    set: String,
    words: [String; 4],
    /// Accepted emoji without U+FE0F; empty = "no picture" is right.
    expected: Vec<String>,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    nouns: usize,
    pictures: usize,
    right: usize,
    right_none: usize,
    none_expected: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--try") {
        // `--try LANG WORD... [--out DIR]`: the match for each word; with --out, the PNGs too.
        let lang = args.get(1).map(String::as_str).unwrap_or("en");
        let out = args.iter().position(|a| a == "--out").and_then(|i| args.get(i + 1));
        for word in args.iter().skip(2).take_while(|a| *a != "--out") {
            println!("{lang} {word:<20} → {}", describe(&best_match(word, lang, None)));
            if let (Some(dir), Ok(Picture::Emoji { png, .. } | Picture::Pictogram { png, .. } | Picture::WordCard { png })) = (out, picture(word, lang, None)) {
                let name: String = word.chars().filter(|c| c.is_alphanumeric()).take(24).collect();
                let path = std::path::Path::new(dir).join(format!("{lang}-{name}.png"));
                std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
        }
        return;
    }
    let verbose = std::env::args().any(|a| a == "--verbose" || a == "-v");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/emoji/nouns.tsv");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let rows: Vec<Row> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("set\t") && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 6, "bad line: {l}");
            let expected = if f[5].trim() == "-" { vec![] } else { f[5].split_whitespace().map(strip_fe0f).collect() };
            Row { set: f[0].into(), words: [f[1].into(), f[2].into(), f[3].into(), f[4].into()], expected }
        })
        .collect();

    let t = Instant::now();
    let _ = best_match("apple", "en", None);
    println!("pack load + en index: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);

    for (title, with_overrides) in [("with overrides", true), ("keywords only (no override table)", false)] {
        println!("\n== {title} ==");
        let mut tallies: BTreeMap<(String, &str), Tally> = BTreeMap::new();
        for row in &rows {
            for (i, lang) in LANGS.iter().enumerate() {
                let word = &row.words[i];
                let m = if with_overrides { best_match(word, lang, None) } else { best_match_without_overrides(word, lang, None) };
                for set in [row.set.clone(), "all".to_string()] {
                    let t = tallies.entry((set, lang)).or_default();
                    t.nouns += 1;
                    if row.expected.is_empty() {
                        t.none_expected += 1;
                        t.right_none += usize::from(m.is_none());
                    }
                    if let Some(m) = &m {
                        t.pictures += 1;
                        t.right += usize::from(row.expected.contains(&strip_fe0f(m.emoji)));
                    }
                }
                let ok = match &m {
                    Some(m) => row.expected.contains(&strip_fe0f(m.emoji)),
                    None => row.expected.is_empty(),
                };
                if verbose && with_overrides && !ok {
                    println!("  miss {lang} {word:<18} → {}   (expected {})", describe(&m), if row.expected.is_empty() { "none".into() } else { row.expected.join(" ") });
                }
            }
        }
        println!("{:<5} {:<4} {:>6} {:>10} {:>14} {:>12}", "set", "lang", "nouns", "pictures", "of them right", "right none");
        for ((set, lang), t) in &tallies {
            println!(
                "{:<5} {:<4} {:>6} {:>10} {:>14} {:>12}",
                set,
                lang,
                t.nouns,
                format!("{}/{}", t.pictures, t.nouns),
                format!("{}/{}", t.right, t.pictures),
                format!("{}/{}", t.right_none, t.none_expected)
            );
        }
    }

    // Render time: every English and Russian noun, warm (pack, index and font loaded).
    let words: Vec<(&str, &str)> = rows.iter().flat_map(|r| [(r.words[0].as_str(), "en"), (r.words[3].as_str(), "ru")]).collect();
    let mut bytes = 0usize;
    let t = Instant::now();
    for (w, lang) in &words {
        if let Ok(p) = picture(w, lang, None) {
            bytes += match p {
                Picture::Emoji { png, .. } | Picture::Pictogram { png, .. } | Picture::WordCard { png } => png.len(),
                Picture::NotDrawable => 0,
            };
        }
    }
    let n = words.len() as f64;
    println!("\nmatch + render + PNG: {:.2} ms per picture ({} pictures), mean PNG {:.1} KB", t.elapsed().as_secs_f64() * 1e3 / n, words.len(), bytes as f64 / n / 1024.0);
    let t = Instant::now();
    for (w, lang) in &words {
        let _ = best_match(w, lang, None);
    }
    println!("match only: {:.1} µs per word", t.elapsed().as_secs_f64() * 1e6 / n);
    let t = Instant::now();
    let cards = ["свобода", "Freiheit", "ελευθερία", "however"];
    for w in cards {
        let _ = picture(w, "", Some("a longer translation text"));
    }
    println!("word card: {:.2} ms per card", t.elapsed().as_secs_f64() * 1e3 / cards.len() as f64);
}

fn describe(m: &Option<Match>) -> String {
    match m {
        Some(m) => format!("{} {} ({}, score {}, {:?})", m.emoji, m.label, m.locale, m.score, m.via),
        None => "none".into(),
    }
}
