//! Anki packages: `read_apkg` never panics and fails with one clean line. The first byte picks
//! the mode: even = the bytes are the package; odd = the rest is `collection.anki2` inside an
//! otherwise valid package (so the fuzzer reaches SQLite instead of stopping at the zip).
#![no_main]

use std::io::Write;

use deckmedia_core::import::apkg::{read_apkg, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let bytes = if mode % 2 == 0 {
        data.to_vec()
    } else {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        z.start_file("collection.anki2", opts).expect("zip entry");
        z.write_all(rest).expect("zip write");
        z.start_file("media", opts).expect("zip entry");
        z.write_all(br#"{"0": "a.png"}"#).expect("zip write");
        z.start_file("0", opts).expect("zip entry");
        z.write_all(b"\x89PNG").expect("zip write");
        z.finish().expect("zip").into_inner()
    };
    let path = std::env::temp_dir().join(format!("deckmedia-fuzz-{}.apkg", std::process::id()));
    std::fs::write(&path, &bytes).expect("temp file");
    let limits = Limits { max_collection_bytes: 16 << 20, max_total_bytes: 64 << 20, ..Limits::default() };
    if let Err(e) = read_apkg(&path, &limits) {
        let msg = e.to_string();
        assert_eq!(msg.lines().count(), 1, "{msg}");
    }
});
