//! Word lists (plain, CSV/TSV, Anki text exports): `parse_words` and `preview` never panic,
//! agree with each other, and fail with one clean line.
#![no_main]

use deckmedia_core::import::{parse_words, preview, MAX_PREVIEW_ERRORS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = parse_words(data);
    let shown = preview(data, 20);
    match (&parsed, &shown) {
        (Ok(words), Ok(p)) => {
            assert_eq!((p.total, p.error_count), (words.len(), 0));
            for w in words {
                assert!(!w.text.is_empty() && w.text.chars().count() <= 512 && !w.text.chars().any(char::is_control));
            }
        }
        (Ok(_), Err(e)) => panic!("preview refused what parse_words accepted: {e}"),
        (Err(e), shown) => {
            assert_eq!(e.to_string().lines().count(), 1, "{e}");
            if let Ok(p) = shown {
                assert!(p.error_count > 0 || p.total == 0);
                assert!(p.errors.len() <= MAX_PREVIEW_ERRORS);
            }
        }
    }
});
