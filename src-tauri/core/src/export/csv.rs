//! The folder export: the media files and `deck.csv` side by side.
//!
//! ```text
//! Spanish A1/
//! ├── deck.csv                     word,translation,language,picture,audio,attribution
//! ├── deckmedia-1a2b3c4d5e6f7a8b.png
//! └── deckmedia-9f8e7d6c5b4a3928.mp3
//! ```
//!
//! `picture` and `audio` are file names relative to the folder, empty when the word has none;
//! `attribution` the credit the media's licence asks for (e.g. a Wikimedia Commons
//! recording's speaker and licence), empty when none does.
//! Quoting follows RFC 4180 (the `csv` crate's defaults); text is written as it is.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::{copy_hashing, ExportWord, MediaNames, CSV_FILE_NAME};
use crate::error::{Error, Result};

/// The header of `deck.csv`.
/// The slots added later are appended, so the first six columns keep their places.
pub const HEADER: [&str; 9] = ["word", "translation", "language", "picture", "audio", "attribution", "sentence", "translation_audio", "sentence_audio"];

/// Fills `dir` (an existing empty folder). Returns the total size of what it wrote.
/// `words_done(n)` is called after the files of the first `n` words are in.
pub(crate) fn write(words: &[ExportWord], dir: &Path, words_done: &mut dyn FnMut(usize)) -> Result<u64> {
    let mut names = MediaNames::default();
    let part = dir.join(".part");
    for (done, w) in words.iter().enumerate() {
        for src in w.files() {
            let (name, new) = names.copy_once(src, |src| {
                let file = File::create(&part).map_err(|e| Error::io("cannot write", &part, e))?;
                let mut out = BufWriter::new(file);
                let (sha, _) = copy_hashing(src, &mut out, &part)?;
                let file = out.into_inner().map_err(|e| Error::io("cannot write", &part, e.into_error()))?;
                file.sync_all().map_err(|e| Error::io("cannot write", &part, e))?;
                Ok(sha)
            })?;
            if new {
                // Two sources with the same content get the same name: the rename replaces an
                // identical file.
                let dest = dir.join(&name);
                std::fs::rename(&part, &dest).map_err(|e| Error::io("cannot write", &dest, e))?;
            }
        }
        words_done(done + 1);
    }

    let csv_path = dir.join(CSV_FILE_NAME);
    let file = File::create(&csv_path).map_err(|e| Error::io("cannot write", &csv_path, e))?;
    let mut out = ::csv::WriterBuilder::new().from_writer(BufWriter::new(file));
    let cerr = |e: ::csv::Error| Error::io("cannot write", &csv_path, std::io::Error::other(e));
    out.write_record(HEADER).map_err(cerr)?;
    for w in words {
        let picture = w.image.as_deref().and_then(|p| names.get(p)).unwrap_or("");
        let file = |f: &Option<std::path::PathBuf>| f.as_deref().and_then(|p| names.get(p)).unwrap_or("");
        let record = [
            w.text.as_str(),
            w.translation.as_deref().unwrap_or(""),
            w.language.as_str(),
            picture,
            file(&w.audio),
            w.attribution.as_str(),
            w.sentence.as_deref().unwrap_or(""),
            file(&w.translation_audio),
            file(&w.sentence_audio),
        ];
        out.write_record(record).map_err(cerr)?;
    }
    let buffered = out.into_inner().map_err(|e| Error::io("cannot write", &csv_path, std::io::Error::other(e.to_string())))?;
    let mut file = buffered.into_inner().map_err(|e| Error::io("cannot write", &csv_path, e.into_error()))?;
    file.flush().map_err(|e| Error::io("cannot write", &csv_path, e))?;
    file.sync_all().map_err(|e| Error::io("cannot write", &csv_path, e))?;
    drop(file);
    super::sync_dir(dir);
    let mut bytes = 0;
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io("cannot read folder", dir, e))? {
        bytes += entry.and_then(|e| e.metadata()).map_err(|e| Error::io("cannot read folder", dir, e))?.len();
    }
    Ok(bytes)
}
