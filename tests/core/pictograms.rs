//! Mulberry pictograms in the offline picture provider: verbs, adjectives and feelings get a
//! pictogram (through the English gloss), nouns keep their emoji, misses stay word cards, the
//! PNGs are real pictures, and a pictogram's CC BY-SA credit reaches the stored media and the
//! exports (CSV and .apkg).

use std::time::Duration;

use deckmedia_core::config::Config;
use deckmedia_core::export::ExportFormat;
use deckmedia_core::providers::emoji::{choose, picture, strip_fe0f, Choice, EmojiPictureProvider, Picture};
use deckmedia_core::providers::{MediaRequest, Provider};
use deckmedia_core::{BatchStatus, Core, MediaKind, NewWord};
use tokio_util::sync::CancellationToken;

use crate::support::*;

/// The choice as one token: a Mulberry symbol id, an emoji without U+FE0F, or "-".
fn chosen(word: &str, lang: &str, gloss: Option<&str>) -> String {
    match choose(word, lang, gloss) {
        Choice::Pictogram(p) => p.id.to_string(),
        Choice::Emoji(m) => strip_fe0f(m.emoji),
        Choice::None => "-".into(),
    }
}

fn assert_choices(cases: &[(&str, &str, Option<&str>, &str)]) {
    let mut wrong = Vec::new();
    for (word, lang, gloss, expected) in cases {
        let got = chosen(word, lang, *gloss);
        let accepted: Vec<String> = expected.split(' ').map(strip_fe0f).collect();
        if !accepted.contains(&got) {
            wrong.push(format!("{lang} {word:?} ({gloss:?}): got {got}, expected {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{} wrong:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn verbs_get_pictograms_in_english_german_spanish_and_russian() {
    assert_choices(&[
        ("eat", "en", None, "eat_,_to"),
        ("essen", "de", Some("to eat"), "eat_,_to"),
        ("comer", "es", Some("to eat"), "eat_,_to"),
        ("есть", "ru", Some("to eat"), "eat_,_to"),
        ("run", "en", None, "run_,_to"),
        ("running", "en", None, "run_,_to"),
        ("laufen", "de", Some("to run"), "run_,_to"),
        ("correr", "es", Some("to run (fast)"), "run_,_to"),
        ("бегать", "ru", Some("to run"), "run_,_to"),
        // "drink" is a noun and a verb in the source: the verb's symbol for a verb.
        ("trinken", "de", Some("to drink"), "drink_,_to"),
        ("пить", "ru", Some("to drink"), "drink_,_to"),
        // The reviewed synonyms: the source calls speaking "talk" and seeing "look".
        ("sprechen", "de", Some("to speak"), "talk_1_,_to"),
        ("ver", "es", Some("to see"), "look_,_to"),
        // French: the source's French names, without a gloss.
        ("manger", "fr", None, "eat_,_to"),
    ]);
}

#[test]
fn adjectives_and_feelings_get_pictograms_in_english_german_spanish_and_russian() {
    assert_choices(&[
        ("happy", "en", None, "happy_man"),
        ("glücklich", "de", Some("happy"), "happy_man"),
        ("feliz", "es", Some("happy"), "happy_man"),
        ("счастливый", "ru", Some("happy"), "happy_man"),
        ("traurig", "de", Some("sad"), "sad_man"),
        ("asustado", "es", Some("to be afraid"), "afraid_man"),
        ("злой", "ru", Some("angry"), "angry_man"),
        ("hungry", "en", None, "hungry"),
        ("groß", "de", Some("big"), "large"),
        ("маленький", "ru", Some("small"), "little"),
        ("schmutzig", "de", Some("dirty"), "dirty"),
        ("lleno", "es", Some("full"), "full"),
        ("мокрый", "ru", Some("wet"), "wet"),
    ]);
}

#[test]
fn nouns_keep_their_emoji_and_nouns_without_one_may_get_a_pictogram() {
    assert_choices(&[
        ("apple", "en", None, "🍎"),
        ("Apfel", "de", None, "🍎"),
        ("Hund", "de", Some("dog"), "🐕 🐶"),
        ("perro", "es", Some("dog"), "🐕 🐶"),
        ("кошка", "ru", Some("cat"), "🐈 🐱"),
        ("pan", "es", Some("bread"), "🍞"),
        ("Fahrrad", "de", Some("bicycle"), "🚲"),
        // No emoji is a table (the override table says so); the source draws one.
        ("table", "en", None, "table"),
        ("mesa", "es", Some("table"), "table"),
    ]);
}

#[test]
fn the_word_class_decides_between_a_things_emoji_and_an_actions_pictogram() {
    // German capitals: "Essen" the noun (food) keeps an emoji, "essen" the verb gets the action.
    assert!(matches!(choose("Essen", "de", Some("food")), Choice::Emoji(_)));
    assert_choices(&[
        ("essen", "de", Some("to eat"), "eat_,_to"),
        // Homonyms: the English word alone reads as the thing, a "to" gloss as the action.
        ("watch", "en", None, "⌚"),
        ("mirar", "es", Some("to watch"), "watch_,_to"),
        ("drink", "en", None, "🍹"),
        ("beber", "es", Some("to drink"), "drink_,_to"),
        // For a verb, even a weak pictogram of an action (*climb up*) beats an emoji found only by
        // a tag (🪜 ladder).
        ("escalar", "es", Some("to climb"), "climb_up_,_to climb_down_,_to climb_tree_,_to"),
    ]);
}

#[test]
fn a_pictogram_for_a_word_the_font_cannot_draw_is_drawn_without_a_caption() {
    let Ok(Picture::Pictogram { png, matched }) = picture("吃", "zh", Some("to eat")) else { panic!("a pictogram") };
    assert_eq!(matched.id, "eat_,_to");
    let (w, h, pixels) = decode(&png);
    assert_eq!((w, h), (512, 512));
    assert!(ink(&pixels).0 > 0.03);
}

#[test]
fn words_with_neither_an_emoji_nor_a_pictogram_stay_word_cards() {
    let cases = [
        ("however", "en", None),
        ("jedoch", "de", Some("however")),
        ("sin embargo", "es", Some("however")),
        ("однако", "ru", Some("however")),
        ("xyzzy", "en", None),
        ("Freiheit", "de", Some("свобода")),
        // A German verb without a gloss is not looked up in English (false friends).
        ("bekommen", "de", None),
    ];
    for (word, lang, gloss) in cases {
        assert_eq!(choose(word, lang, gloss), Choice::None, "{lang} {word:?}");
        assert!(matches!(picture(word, lang, gloss), Ok(Picture::WordCard { .. })), "{lang} {word:?}");
    }
}

/// Decodes a PNG to (width, height, RGB pixels).
fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png data");
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()].chunks_exact(channels).map(|p| [p[0], p[1], p[2]]).collect();
    (info.width, info.height, pixels)
}

/// Share of pixels that differ clearly from the white background, and how many distinct
/// colours they have (a pictogram is coloured art, not just the black caption).
fn ink(pixels: &[[u8; 3]]) -> (f64, usize) {
    let drawn: Vec<&[u8; 3]> = pixels.iter().filter(|p| p.iter().any(|&c| c < 232)).collect();
    let colours: std::collections::HashSet<&[u8; 3]> = drawn.iter().copied().collect();
    (drawn.len() as f64 / pixels.len() as f64, colours.len())
}

fn image_request(text: &str, language: &str, translation: Option<&str>) -> MediaRequest {
    MediaRequest { kind: MediaKind::Image, text: text.into(), language: language.into(), translation: translation.map(Into::into) }
}

#[tokio::test]
async fn a_pictogram_is_a_512_px_png_that_is_not_blank_and_carries_the_mulberry_credit() {
    let p = EmojiPictureProvider::new();
    for (word, lang, gloss) in [("laufen", "de", Some("to run")), ("happy", "en", None), ("грустный", "ru", Some("sad"))] {
        let out = p.generate(&image_request(word, lang, gloss), &CancellationToken::new()).await.unwrap();
        assert_eq!((out.mime.as_str(), out.ext.as_str()), ("image/png", "png"));
        let (w, h, pixels) = decode(&out.bytes);
        assert_eq!((w, h), (512, 512));
        assert_eq!(pixels[0], [255, 255, 255], "white background");
        let (share, colours) = ink(&pixels);
        assert!(share > 0.03, "{word}: only {:.1} % of the picture is drawn", share * 100.0);
        assert!(colours > 20, "{word}: {colours} colours, not a coloured pictogram");
        let credit = out.attribution.unwrap_or_else(|| panic!("{word}: a pictogram needs its credit"));
        assert!(credit.author.contains("Mulberry Symbols") && credit.author.contains("Steve Lee"), "{}", credit.author);
        assert_eq!(credit.licence, "CC BY-SA 4.0");
        assert_eq!(credit.licence_url.as_deref(), Some("https://creativecommons.org/licenses/by-sa/4.0/"));
        assert_eq!(credit.source_url, "https://mulberrysymbols.org");
    }
}

#[tokio::test]
async fn emoji_and_word_cards_carry_no_credit() {
    let p = EmojiPictureProvider::new();
    for (word, lang) in [("apple", "en"), ("Hund", "de"), ("however", "en")] {
        let out = p.generate(&image_request(word, lang, None), &CancellationToken::new()).await.unwrap();
        assert_eq!(out.mime, "image/png");
        assert_eq!(out.attribution, None, "{word}");
    }
    assert_eq!(p.settings_key(), "offline-image:emoji-fluent+mulberry:v2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pictograms_credit_reaches_the_stored_media_row_and_the_csv_and_apkg_exports() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), Config::default()).unwrap();
    let deck = core.create_deck("Gefühle", "de").unwrap();
    let words = [("traurig", "sad"), ("Apfel", "apple")]
        .map(|(text, translation)| NewWord { text: text.into(), translation: Some(translation.into()), ..Default::default() });
    core.add_words(deck.id, &words).unwrap();
    let batch = core.generate(deck.id, &[MediaKind::Image], false).unwrap();
    within(Duration::from_secs(60), next_worker(&core).await.run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(core.batch(batch.id).unwrap().status, BatchStatus::Completed);

    let media = core.media_of_deck(deck.id).unwrap();
    let sad = media.iter().find(|m| m.text == "traurig").unwrap();
    let credit = sad.image.attribution.as_ref().expect("the pictogram's credit is stored");
    assert_eq!(credit.licence, "CC BY-SA 4.0");
    assert!(credit.author.contains("sad_man"), "{}", credit.author);
    let apple = media.iter().find(|m| m.text == "Apfel").unwrap();
    assert_eq!(apple.image.attribution, None, "an emoji needs no credit");
    let stored = query_i64(dir.path(), "SELECT COUNT(*) FROM media WHERE kind = 'image' AND attribution LIKE '%Mulberry Symbols%'");
    assert_eq!(stored, 1);

    let folder = dir.path().join("gefuehle-csv");
    core.export("Gefühle", ExportFormat::Csv, &folder, false).unwrap();
    let mut csv = csv::Reader::from_path(folder.join("deck.csv")).unwrap();
    let rows: Vec<Vec<String>> = csv.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    let sad_row = rows.iter().find(|r| r[0] == "traurig").unwrap();
    assert!(sad_row[5].contains("Mulberry Symbols") && sad_row[5].contains("CC BY-SA 4.0"), "{sad_row:?}");
    assert_eq!(rows.iter().find(|r| r[0] == "Apfel").unwrap()[5], "");

    let pkg = dir.path().join("gefuehle.apkg");
    core.export("Gefühle", ExportFormat::Apkg, &pkg, false).unwrap();
    let notes = apkg_notes(&pkg);
    let (_, sad_fields) = notes.iter().find(|(w, _)| w == "traurig").unwrap();
    assert!(sad_fields[2].starts_with("<img src=\"deckmedia-"), "{:?}", sad_fields[2]);
    assert!(sad_fields[4].starts_with("Mulberry Symbols © Steve Lee") && sad_fields[4].contains("CC BY-SA 4.0"), "{:?}", sad_fields[4]);
    assert_eq!(notes.iter().find(|(w, _)| w == "Apfel").unwrap().1[4], "");
}
