//! Hostile input, many times over, without nightly: seeded (deterministic) generated and mutated
//! inputs through the word-list reader (`parse_words`, `preview`) and the `.apkg` reader
//! (`read_apkg`, `Core::import_apkg`). Nothing may panic; every error is one clean line; what
//! is accepted obeys the same rules as typed words. The libFuzzer targets in
//! `src-tauri/core/fuzz` explore the same functions without bounds (`.ci/fuzz`).
//!
//! `DECKMEDIA_FUZZ_ITERATIONS` scales the runs (default: 4,000 word lists, 600 packages).

use std::io::{Read, Write};
use std::panic::AssertUnwindSafe;
use std::path::Path;

use deckmedia_core::config::Config;
use deckmedia_core::import::apkg::{read_apkg, Limits};
use deckmedia_core::export::ExportFormat;
use deckmedia_core::import::{parse_words, preview, MAX_PREVIEW_ERRORS};
use deckmedia_core::{Core, Error, NewWord};

/// SplitMix64: tiny, seeded, the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn iterations(default: usize) -> usize {
    let scale: f64 = std::env::var("DECKMEDIA_FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).map(|v: f64| v / 4000.0).unwrap_or(1.0);
    ((default as f64) * scale).max(1.0) as usize
}

/// Random bit flips, byte changes, inserted and deleted runs, truncation.
fn mutate(rng: &mut Rng, input: &[u8], extras: &[&[u8]]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(6) {
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            2 => {
                let i = rng.below(v.len() + 1);
                let piece = rng.pick(extras);
                v.splice(i..i, piece.iter().copied());
            }
            3 if !v.is_empty() => {
                let i = rng.below(v.len());
                let n = rng.below(16).min(v.len() - i);
                v.drain(i..i + n);
            }
            4 => v.truncate(rng.below(v.len() + 1)),
            _ => {
                let i = rng.below(v.len() + 1);
                let n = rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                v.splice(i..i, bytes);
            }
        }
    }
    v
}

#[track_caller]
fn assert_clean_error(e: &Error, input: &[u8]) {
    let msg = e.to_string();
    assert!(!msg.trim().is_empty(), "empty error for {:?}", String::from_utf8_lossy(input));
    assert_eq!(msg.lines().count(), 1, "a multi-line error {msg:?}");
    assert!(msg.chars().count() < 2000, "an error of {} chars", msg.chars().count());
    assert!(!msg.to_lowercase().contains("panic"), "{msg}");
}

#[track_caller]
fn assert_valid_word(w: &NewWord) {
    let chars = w.text.chars().count();
    assert!((1..=512).contains(&chars), "a word of {chars} chars");
    assert_eq!(w.text, w.text.trim());
    assert!(!w.text.chars().any(char::is_control), "control characters in {:?}", w.text);
}

/// Runs `f` and fails with the input (hex) when it panics.
fn no_panic<T>(what: &str, input: &[u8], f: impl FnOnce() -> T) -> T {
    match std::panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(_) => panic!("{what} panicked on input (hex) {}", hex::encode(input)),
    }
}

const TEXT_SEEDS: [&str; 10] = [
    // libFuzzer found it: '&' followed by a multi-byte character in an HTML field (a panic).
    "#separator:tab\n#html:true\n&ééééééé\tx\n",
    // libFuzzer found it: a quoted language field with a line break, quoted back in the error.
    "word,lang\nx,\"e\ns\"\n",
    "word,translation,lang,note\ncasa,house,es,\n\"a, b\",\"x \"\"y\"\"\",de,n\n",
    "кот\r\nDog\r\n# comment\n\nárbol\n",
    "translation\tword\nHund\tdog\n",
    "#separator:tab\n#html:true\n#guid column:1\n#tags column:4\nabc\t<b>casa</b>\thouse<br>[sound:a.mp3]\ttag\n",
    "#separator:Semicolon\n#columns:Back;Front\nHund;dog\n\"\";\"\"\n",
    "casa\thouse\nperro\tdog\n",
    "word;lang\nx;../../etc\n;\n",
    "\u{feff}word\n\"unterminated\n",
];

const TEXT_PIECES: [&[u8]; 24] = [
    b",", b";", b"\t", b"\"", b"\n", b"\r\n", b"\r", b"#", b"#separator:", b"#html:true", b"#columns:", b"#deck column:2", b"tab",
    b"word", b"translation", b"lang", b"<b>", b"&amp;", b"[sound:", b"\xef\xbb\xbf", b"\0", b"\xff\xfe", b"\xc3", "ё\u{301}".as_bytes(),
];

#[test]
fn word_lists_never_panic_and_agree_with_their_preview() {
    let mut rng = Rng(0x5eed_0001);
    let mut accepted = 0;
    let n = iterations(4000);
    for i in 0..n {
        let input: Vec<u8> = match i % 4 {
            0 => {
                let seed = *rng.pick(&TEXT_SEEDS);
                mutate(&mut rng, seed.as_bytes(), &TEXT_PIECES)
            }
            1 => (0..rng.below(40)).flat_map(|_| rng.pick(&TEXT_PIECES).to_vec()).collect(),
            2 => (0..rng.below(200)).map(|_| rng.next() as u8).collect(),
            _ => {
                // Long fields and many rows.
                let word = "w".repeat(1 + rng.below(600));
                let rows = 1 + rng.below(300);
                let mut s = String::from("word,translation\n");
                for r in 0..rows {
                    s.push_str(if r % 7 == 3 { "" } else { &word });
                    s.push_str(",t\n");
                }
                mutate(&mut rng, s.as_bytes(), &TEXT_PIECES)
            }
        };
        let parsed = no_panic("parse_words", &input, || parse_words(&input));
        let shown = no_panic("preview", &input, || preview(&input, 20));
        match (&parsed, &shown) {
            (Ok(words), Ok(p)) => {
                accepted += 1;
                words.iter().for_each(assert_valid_word);
                assert_eq!((p.total, p.error_count), (words.len(), 0), "{}", hex::encode(&input));
                assert_eq!(p.rows.as_slice(), &words[..words.len().min(20)]);
            }
            (Err(e), Ok(p)) => {
                assert_clean_error(e, &input);
                assert!(p.error_count > 0 || p.total == 0, "parse_words failed ({e}) but the preview saw no problem");
                assert!(p.errors.len() <= MAX_PREVIEW_ERRORS && p.errors.len() <= p.error_count);
                assert!(p.errors.windows(2).all(|w| w[0].line <= w[1].line), "errors in line order");
                let lines = input.iter().filter(|&&b| b == b'\n').count() + 1;
                for err in &p.errors {
                    assert!((1..=lines).contains(&err.line), "line {} of {lines}", err.line);
                    assert!(!err.reason.is_empty() && !err.reason.contains('\n'));
                }
                p.rows.iter().for_each(assert_valid_word);
            }
            (Err(e), Err(f)) => {
                assert_clean_error(e, &input);
                assert_clean_error(f, &input);
            }
            (Ok(_), Err(f)) => panic!("parse_words accepted what preview refused ({f}): {}", hex::encode(&input)),
        }
    }
    // The generator must reach both sides.
    assert!(accepted > n / 20, "only {accepted} of {n} inputs were accepted");
    assert!(accepted < n, "every input was accepted");
}

fn zip_of(entries: &[(String, Vec<u8>)], deflate: bool) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let method = if deflate { zip::CompressionMethod::Deflated } else { zip::CompressionMethod::Stored };
    let opts = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, bytes) in entries {
        if z.start_file(name.as_str(), opts).is_err() {
            continue;
        }
        let _ = z.write_all(bytes);
    }
    z.finish().map(|c| c.into_inner()).unwrap_or_default()
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (f.name().unwrap().to_string(), b)
        })
        .collect()
}

/// A real package: Deck Media's export of a small deck, with a picture and a sound added the
/// way an Anki user's deck references them.
fn seed_package(dir: &Path) -> Vec<u8> {
    let core = Core::open_with_config(dir.join("seed-data"), Config::default()).unwrap();
    let deck = core.create_deck("Seed", "es").unwrap();
    let words: Vec<NewWord> = ["casa", "perro", "gato"].iter().map(|w| NewWord { text: w.to_string(), translation: Some("t".into()), ..Default::default() }).collect();
    core.add_words(deck.id, &words).unwrap();
    let out = dir.join("seed.apkg");
    core.export("Seed", ExportFormat::Apkg, &out, false).unwrap();
    let mut entries = unzip(&std::fs::read(&out).unwrap());
    let col = entries.iter_mut().find(|(n, _)| n == "collection.anki2").unwrap();
    let tmp = dir.join("seed.anki2");
    std::fs::write(&tmp, &col.1).unwrap();
    {
        let c = rusqlite::Connection::open(&tmp).unwrap();
        c.execute("UPDATE notes SET flds = 'casa' || char(31) || 'house' || char(31) || '<img src=\"a.png\">' || char(31) || '[sound:b.mp3]' WHERE sfld = 'casa'", []).unwrap();
    }
    col.1 = std::fs::read(&tmp).unwrap();
    entries.retain(|(n, _)| n != "media");
    entries.push(("media".into(), br#"{"0": "a.png", "1": "b.mp3"}"#.to_vec()));
    entries.push(("0".into(), deckmedia_testkit::png_for_word("casa")));
    entries.push(("1".into(), deckmedia_testkit::mp3_for_word("casa")));
    zip_of(&entries, true)
}

#[test]
fn anki_packages_never_panic_whatever_their_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let seed = seed_package(dir.path());
    let entries = unzip(&seed);
    let core = Core::open_with_config(dir.path().join("data"), Config::default()).unwrap();
    // The seed itself is good: 3 words, and the picture and sound of casa.
    let ok = core.import_apkg(&{
        let p = dir.path().join("ok.apkg");
        std::fs::write(&p, &seed).unwrap();
        p
    }, Some("Ok"), "es").unwrap();
    assert_eq!((ok.decks[0].added, ok.pictures, ok.audio), (3, 1, 1));

    let names: [&[u8]; 10] = [b"collection.anki2", b"collection.anki21", b"media", b"0", b"../x", b"/abs", b"a\\b", b"C:", b"", b"collection.anki21b"];
    let limits = Limits { max_collection_bytes: 8 << 20, max_total_bytes: 64 << 20, ..Limits::default() };
    let mut rng = Rng(0x5eed_0002);
    let (mut read_ok, mut imported) = (0, 0);
    let n = iterations(600);
    let path = dir.path().join("fuzz.apkg");
    for i in 0..n {
        let bytes = match i % 5 {
            // The zip's own bytes.
            0 => mutate(&mut rng, &seed, &[b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", &[0xff; 8]]),
            // A re-zipped package with a mutated collection.
            1 | 2 => {
                let mut e = entries.clone();
                let col = e.iter_mut().find(|(n, _)| n == "collection.anki2").unwrap();
                col.1 = mutate(&mut rng, &col.1, &[b"SQLite format 3\0", b"CREATE VIEW", &[0; 16], b"\x1f"]);
                zip_of(&e, i % 2 == 0)
            }
            // A mutated media map, or entries renamed, added, dropped.
            3 => {
                let mut e = entries.clone();
                match rng.below(3) {
                    0 => {
                        let m = e.iter_mut().find(|(n, _)| n == "media").unwrap();
                        m.1 = mutate(&mut rng, &m.1, &[b"\"", b"{", b"}", b":", b"\"collection.anki2\"", b"\"../x\"", b"null"]);
                    }
                    1 => {
                        let k = rng.below(e.len());
                        e[k].0 = String::from_utf8_lossy(names[rng.below(names.len())]).into_owned();
                    }
                    _ => {
                        let k = rng.below(e.len());
                        e.remove(k);
                    }
                }
                zip_of(&e, true)
            }
            // Not a zip at all.
            _ => (0..rng.below(400)).map(|_| rng.next() as u8).collect(),
        };
        std::fs::write(&path, &bytes).unwrap();
        match no_panic("read_apkg", &bytes, || read_apkg(&path, &limits)) {
            Ok(notes) => {
                read_ok += 1;
                assert!(notes.len() <= limits.max_notes);
            }
            Err(e) => assert_clean_error(&e, &bytes),
        }
        if i % 3 == 0 {
            match no_panic("import_apkg", &bytes, || core.import_apkg(&path, Some("Fuzz"), "es")) {
                Ok(r) => {
                    imported += 1;
                    let words = core.words(r.decks[0].deck.id).unwrap();
                    for w in &words {
                        assert_valid_word(&NewWord { text: w.text.clone(), ..Default::default() });
                    }
                }
                Err(e) => assert_clean_error(&e, &bytes),
            }
        }
    }
    assert!(read_ok > 0 && read_ok < n, "{read_ok} of {n} packages read: the mutations should reach both sides");
    assert!(imported > 0, "no mutated package imported");
    // Every stored file is named by its content; nothing was written anywhere else.
    let media_root = dir.path().join("data").join("media");
    let mut files = 0;
    let mut stack = vec![media_root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files += 1;
                let bytes = std::fs::read(&p).unwrap();
                let stem = p.file_stem().unwrap().to_str().unwrap().to_string();
                use sha2::Digest;
                assert_eq!(stem, hex::encode(sha2::Sha256::digest(&bytes)), "{}", p.display());
            }
        }
    }
    assert!(files >= 2);
}
