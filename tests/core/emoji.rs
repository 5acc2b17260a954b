//! The offline emoji picture provider: word → emoji matching (hits, overrides, misses, the
//! translation-first rule) and the PNGs it draws (decodable, 512×512, not blank).

use deckmedia_core::providers::emoji::{best_match, picture, strip_fe0f, EmojiPictureProvider, Picture, Via};
use deckmedia_core::providers::{MediaRequest, Provider, ProviderError};
use deckmedia_core::MediaKind;
use tokio_util::sync::CancellationToken;

/// The matched emoji without U+FE0F, or "-" for no match.
fn emoji_for(word: &str, lang: &str, translation: Option<&str>) -> String {
    best_match(word, lang, translation).map(|m| strip_fe0f(m.emoji)).unwrap_or_else(|| "-".into())
}

fn assert_table(cases: &[(&str, &str, &str)]) {
    let mut wrong = Vec::new();
    for (word, lang, expected) in cases {
        let got = emoji_for(word, lang, None);
        let accepted: Vec<String> = expected.split(' ').map(strip_fe0f).collect();
        if !accepted.contains(&got) {
            wrong.push(format!("{lang} {word:?}: got {got}, expected {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{} wrong:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn common_nouns_find_their_emoji_in_english_german_spanish_and_russian() {
    assert_table(&[
        ("apple", "en", "🍎"),
        ("Apfel", "de", "🍎"),
        ("manzana", "es", "🍎"),
        ("яблоко", "ru", "🍎"),
        ("dog", "en", "🐕 🐶"),
        ("Hund", "de", "🐕 🐶"),
        ("perro", "es", "🐕 🐶"),
        ("собака", "ru", "🐕 🐶"),
        ("cat", "en", "🐈 🐱"),
        ("Katze", "de", "🐈 🐱"),
        ("gato", "es", "🐈 🐱"),
        ("кошка", "ru", "🐈 🐱"),
        ("bread", "en", "🍞"),
        ("Brot", "de", "🍞"),
        ("pan", "es", "🍞"),
        ("хлеб", "ru", "🍞"),
        ("bicycle", "en", "🚲"),
        ("Fahrrad", "de", "🚲"),
        ("bicicleta", "es", "🚲"),
        ("велосипед", "ru", "🚲"),
        ("самолёт", "ru", "✈️"),
        ("cheese", "en", "🧀"),
        ("Käse", "de", "🧀"),
        ("queso", "es", "🧀"),
        ("сыр", "ru", "🧀"),
    ]);
}

#[test]
fn articles_notes_and_case_do_not_get_in_the_way() {
    assert_table(&[
        ("der Hund", "de", "🐕 🐶"),
        ("The Apple", "en", "🍎"),
        ("Apfel, Äpfel", "de", "🍎"),
        ("Katze (f)", "de", "🐈 🐱"),
        ("  el gato ", "es", "🐈 🐱"),
        ("apple", "", "🍎"),
        ("apple", "EN-gb", "🍎"),
    ]);
}

#[test]
fn the_override_table_fixes_the_known_misses() {
    assert_table(&[
        // ping pong, not a table; no emoji is a table, so none.
        ("table", "en", "-"),
        ("Tisch", "de", "-"),
        ("mesa", "es", "-"),
        ("стол", "ru", "-"),
        // the fruit, not 🟧 / 🧡 / 📙
        ("orange", "en", "🍊"),
        ("Orange", "de", "🍊"),
        ("naranja", "es", "🍊"),
        ("river", "en", "🏞️"),
        ("Fluss", "de", "🏞️"),
        ("река", "ru", "🏞️"),
        ("computer", "en", "💻"),
        ("Computer", "de", "💻"),
        ("ordenador", "es", "💻"),
        ("ball", "en", "⚽"),
        ("water", "en", "💧"),
        ("agua", "es", "💧"),
        ("milk", "en", "🥛"),
        ("молоко", "ru", "🥛"),
        ("clock", "en", "🕰️"),
        ("часы", "ru", "🕰️"),
        ("star", "en", "⭐"),
        ("звезда", "ru", "⭐"),
        ("tree", "en", "🌳"),
        ("car", "en", "🚗"),
        ("hat", "en", "🎩"),
        ("Hut", "de", "🎩"),
    ]);
}

#[test]
fn abstract_and_unknown_words_get_no_emoji() {
    for (word, lang) in [
        ("freedom", "en"),
        ("however", "en"),
        ("although", "en"),
        ("Freiheit", "de"),
        ("jedoch", "de"),
        ("sin embargo", "es"),
        ("однако", "ru"),
        ("xyzzy", "en"),
        ("", "en"),
        ("   ", "de"),
        ("?!…", "ru"),
        ("a", "en"),
        ("the", "en"),
    ] {
        assert_eq!(emoji_for(word, lang, None), "-", "{lang} {word:?}");
    }
}

#[test]
fn the_translation_is_tried_first_then_the_word() {
    // The English gloss decides, even where the word alone would pick something else.
    let m = best_match("Hut", "de", Some("hat")).unwrap();
    assert_eq!((strip_fe0f(m.emoji), m.via, m.locale), (strip_fe0f("🎩"), Via::Translation, "en"));
    assert_eq!(emoji_for("naranja", "es", Some("orange")), "🍊");
    assert_eq!(emoji_for("mesa", "es", Some("table")), "-");
    // A gloss the pack does not know: the word in its own language.
    let m = best_match("Apfel", "de", Some("Malus domestica fruit thing")).unwrap();
    assert_eq!((m.emoji, m.via), ("🍎", Via::Word));
    // A Russian gloss for a German word.
    assert_eq!(emoji_for("Apfelxyz", "de", Some("яблоко")), "🍎");
    // The word in English when its language has no emoji keywords.
    let m = best_match("apple", "eo", None).unwrap();
    assert_eq!((m.emoji, m.via), ("🍎", Via::WordInEnglish));
}

#[test]
fn matching_and_drawing_never_panic_on_odd_input() {
    let long = "ж".repeat(512);
    let spaced = "apple ".repeat(85);
    let odd = [
        long.as_str(),
        spaced.as_str(),
        "🍎",
        "👩‍👩‍👧‍👦",
        "שלום",
        "مرحبا بالعالم",
        "\u{202e}evil\u{202c}",
        "e\u{301}\u{301}\u{301}",
        "\u{0}\u{7}\t\n",
        "\u{fe0f}",
        "(",
        "l'",
        "der",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "中文 日本語 한국어",
        "ⅫⅩ ½ ²",
    ];
    for word in odd {
        for lang in ["", "en", "ru", "zh", "ar", "x-weird_tag-ß"] {
            let _ = best_match(word, lang, Some(word));
        }
        // Drawing does not depend on the language beyond the match (and takes ~0.1 s in debug).
        let _ = picture(word, "en", Some(word)).expect("draws or says it cannot");
    }
}

/// Decodes a PNG: (width, height, RGB(A) pixels as RGB).
fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<[u8; 3]>) {
    assert!(deckmedia_testkit::is_valid_png(png_bytes));
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png data");
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()].chunks_exact(channels).map(|p| [p[0], p[1], p[2]]).collect();
    (info.width, info.height, pixels)
}

/// Share of pixels that differ clearly from the top-left (background) pixel.
fn ink_share(pixels: &[[u8; 3]]) -> f64 {
    let bg = pixels[0];
    let ink = pixels.iter().filter(|p| p.iter().zip(bg).any(|(a, b)| a.abs_diff(b) > 24)).count();
    ink as f64 / pixels.len() as f64
}

fn image_request(text: &str, language: &str, translation: Option<&str>) -> MediaRequest {
    MediaRequest { kind: MediaKind::Image, text: text.into(), language: language.into(), translation: translation.map(Into::into) }
}

#[tokio::test]
async fn an_emoji_picture_is_a_512_px_png_that_is_not_blank() {
    let p = EmojiPictureProvider::new();
    assert_eq!(p.name(), "offline");
    assert_eq!(p.settings_key(), "offline-image:emoji-fluent+mulberry:v2");
    for (word, lang) in [("apple", "en"), ("собака", "ru"), ("Fahrrad", "de")] {
        let out = p.generate(&image_request(word, lang, None), &CancellationToken::new()).await.unwrap();
        assert_eq!((out.mime.as_str(), out.ext.as_str()), ("image/png", "png"));
        let (w, h, pixels) = decode(&out.bytes);
        assert_eq!((w, h), (512, 512));
        assert_eq!(pixels[0], [255, 255, 255], "white background");
        let ink = ink_share(&pixels);
        assert!(ink > 0.04, "{word}: only {:.1} % of the picture is drawn", ink * 100.0);
    }
}

#[test]
fn words_without_an_emoji_get_a_png_word_card_in_cyrillic_greek_and_latin() {
    for (word, translation) in [("свобода", Some("freedom")), ("ελευθερία", None), ("Freiheit", Some("свобода")), (&*"щ".repeat(512), Some("μ"))] {
        let Picture::WordCard { png } = picture(word, "", translation).unwrap() else { panic!("{word}: expected a word card") };
        let (w, h, pixels) = decode(&png);
        assert_eq!((w, h), (512, 512));
        let ink = ink_share(&pixels);
        assert!(ink > 0.01, "{word}: only {:.2} % ink", ink * 100.0);
    }
}

#[tokio::test]
async fn text_the_bundled_font_cannot_draw_falls_back_to_the_svg_word_card() {
    let p = EmojiPictureProvider::new();
    for word in ["然而", "שלום עולם"] {
        let out = p.generate(&image_request(word, "", None), &CancellationToken::new()).await.unwrap();
        assert_eq!(out.mime, "image/svg+xml", "{word}");
    }
    // A match still gets its picture; only the caption is left out.
    let out = p.generate(&image_request("苹果", "zh", None), &CancellationToken::new()).await.unwrap();
    assert_eq!(out.mime, "image/png");
}

#[tokio::test]
async fn a_cancelled_or_wrong_kind_request_is_refused() {
    let p = EmojiPictureProvider::new();
    let cancel = CancellationToken::new();
    cancel.cancel();
    assert_eq!(p.generate(&image_request("apple", "en", None), &cancel).await, Err(ProviderError::Cancelled));
    let audio = MediaRequest { kind: MediaKind::Audio, ..image_request("apple", "en", None) };
    assert!(matches!(p.generate(&audio, &CancellationToken::new()).await, Err(ProviderError::Permanent { .. })));
}
