//! Export: a deck's words with their pictures and pronunciations, to where decks live.
//!
//! * [`ExportFormat::Apkg`]: an Anki package ([`apkg`]), one note per word.
//! * [`ExportFormat::Csv`]: a folder with the media files and `deck.csv` ([`csv`]).
//!
//! And back: [`crate::import::apkg`] reads the notes of any Anki package with defenses
//! against hostile packages.
//!
//! Media files are named `deckmedia-<first 16 hex of their SHA-256>.<ext>`: hashed while they are
//! copied, so a name always matches its content, two words sharing a file share a name, and no
//! name is ever built from word text. The result is written to a temp file (or folder) next to
//! `out` and renamed into place at the end: `out` is never a half-written package.
//!
//! [`Core::export`] reads the deck's rows first (the database lock is held only for that), then
//! copies files with no lock held. It blocks; the desktop shell runs it on a blocking thread.

pub mod apkg;
pub mod csv;

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::{DeckId, MediaState, WordId, WordMedia};
use crate::Core;

/// What [`Core::export`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// An Anki package (`.apkg`, the classic `collection.anki2` layout).
    Apkg,
    /// A folder with the media files and `deck.csv`.
    Csv,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Apkg => "apkg",
            ExportFormat::Csv => "csv",
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "apkg" | "anki" => Ok(ExportFormat::Apkg),
            "csv" | "folder" => Ok(ExportFormat::Csv),
            other => Err(format!("unknown export format '{other}' (apkg or csv)")),
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportReport {
    pub deck: String,
    pub format: ExportFormat,
    pub words: usize,
    /// Words exported with a picture.
    pub pictures: usize,
    /// Words exported with a pronunciation.
    pub audio: usize,
    /// Media left out because its word changed since it was made.
    pub stale_skipped: usize,
    /// Media the database knows of whose file is gone (left out).
    pub missing_files: usize,
    /// Size of the package, or of the folder's files.
    pub bytes: u64,
    /// Where the export is (absolute when it could be resolved).
    pub path: PathBuf,
}

/// The name of the CSV file in a folder export.
pub const CSV_FILE_NAME: &str = "deck.csv";
/// Prefix of every media file name we write.
pub const MEDIA_PREFIX: &str = "deckmedia-";
const TEMP_MARK: &str = ".deckmedia-tmp-";

/// One word as the writers see it: its text, and the media files to include (already checked).
#[derive(Debug, Clone)]
pub(crate) struct ExportWord {
    pub id: WordId,
    pub text: String,
    pub language: String,
    pub translation: Option<String>,
    pub sentence: Option<String>,
    pub image: Option<PathBuf>,
    pub audio: Option<PathBuf>,
    /// The translation read aloud (the `translation_audio` slot).
    pub translation_audio: Option<PathBuf>,
    /// The example sentence read aloud (the `sentence_audio` slot).
    pub sentence_audio: Option<PathBuf>,
    /// The credit of the media included (e.g. a Wikimedia Commons recording's speaker and
    /// licence), one line per file; empty when none asks for one.
    pub attribution: String,
}

impl ExportWord {
    /// Every file of the word to copy: picture, then recordings.
    pub fn files(&self) -> impl Iterator<Item = &PathBuf> {
        [&self.image, &self.audio, &self.translation_audio, &self.sentence_audio].into_iter().flatten()
    }
    /// Its recordings: the word, the translation, the sentence.
    pub fn recordings(&self) -> impl Iterator<Item = &PathBuf> {
        [&self.audio, &self.translation_audio, &self.sentence_audio].into_iter().flatten()
    }
}

/// What the deck being exported is, for the writers.
#[derive(Debug, Clone)]
pub(crate) struct ExportDeck {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
}

impl Core {
    /// Exports the deck named `deck` to `out`: an `.apkg` file or a folder (see [`ExportFormat`]).
    /// Refuses to replace an existing `out` unless `overwrite`; even then a folder is replaced
    /// only when it is empty or an earlier Deck Media export. Blocking; holds no lock while
    /// copying files.
    pub fn export(&self, deck: &str, format: ExportFormat, out: &Path, overwrite: bool) -> Result<ExportReport> {
        let deck = self.deck_by_name(deck)?;
        self.export_with_progress(deck.id, format, out, overwrite, &mut |_, _| {})
    }

    /// [`Core::export`] of a deck by id, calling `progress(done, total)` as it goes: `total` is
    /// the number of words plus one (writing the package or `deck.csv` and moving it into
    /// place), `done` grows by one per word whose files were copied and reaches `total` once
    /// `out` is complete. Meant to run as a background task (`spawn_blocking`).
    pub fn export_with_progress(
        &self,
        deck_id: DeckId,
        format: ExportFormat,
        out: &Path,
        overwrite: bool,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ExportReport> {
        let deck = self.deck(deck_id)?;
        let rows = self.media_of_deck(deck.id)?; // the database lock is released here
        if rows.is_empty() {
            return Err(Error::invalid(format!("deck '{}' has no words to export", deck.name)));
        }
        let target = Target::check(out, format, overwrite)?;
        let total = rows.len() + 1;
        progress(0, total);
        let mut report = ExportReport {
            deck: deck.name.clone(),
            format,
            words: rows.len(),
            pictures: 0,
            audio: 0,
            stale_skipped: 0,
            missing_files: 0,
            bytes: 0,
            path: out.to_path_buf(),
        };
        let words: Vec<ExportWord> = rows.into_iter().map(|w| to_export_word(w, &mut report)).collect();
        report.pictures = words.iter().filter(|w| w.image.is_some()).count();
        report.audio = words.iter().map(|w| w.recordings().count()).sum();
        let info = ExportDeck { id: deck.id, name: deck.name.clone(), created_at: deck.created_at };

        let tmp = target.temp()?;
        let mut word_done = |n: usize| progress(n, total);
        report.bytes = match format {
            ExportFormat::Apkg => apkg::write(&info, &words, &tmp, &mut word_done)?,
            ExportFormat::Csv => csv::write(&words, &tmp.path, &mut word_done)?,
        };
        target.commit(tmp)?;
        progress(total, total);
        report.path = std::fs::canonicalize(out).unwrap_or_else(|_| out.to_path_buf());
        Ok(report)
    }
}

fn to_export_word(w: WordMedia, report: &mut ExportReport) -> ExportWord {
    let mut pick = |m: &MediaState| -> Option<PathBuf> {
        let path = PathBuf::from(m.path.as_deref()?);
        if m.stale {
            report.stale_skipped += 1;
            return None;
        }
        let usable = media_ext(&path).is_some() && std::fs::metadata(&path).map(|md| md.is_file()).unwrap_or(false);
        if !usable {
            report.missing_files += 1;
            return None;
        }
        Some(path)
    };
    let image = pick(&w.image);
    let audio = pick(&w.audio);
    let translation_audio = pick(&w.translation_audio);
    let sentence_audio = pick(&w.sentence_audio);
    // Credit goes with the files actually exported.
    let credits: Vec<String> = [(&image, &w.image), (&audio, &w.audio), (&translation_audio, &w.translation_audio), (&sentence_audio, &w.sentence_audio)]
        .into_iter()
        .filter(|(kept, _)| kept.is_some())
        .filter_map(|(_, m)| m.attribution.as_ref().map(crate::model::Attribution::line))
        .collect();
    ExportWord {
        id: w.word_id,
        text: w.text,
        language: w.language,
        translation: w.translation,
        sentence: w.sentence,
        image,
        audio,
        translation_audio,
        sentence_audio,
        attribution: credits.join("\n"),
    }
}

/// The extension of a stored media file, when it is one the media store would have written.
pub(crate) fn media_ext(path: &Path) -> Option<&str> {
    let ext = path.extension()?.to_str()?;
    ((1..=5).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())).then_some(ext)
}

/// Copies each distinct source file once, naming it by its content.
#[derive(Default)]
pub(crate) struct MediaNames {
    by_src: HashMap<PathBuf, String>,
}

impl MediaNames {
    pub fn get(&self, src: &Path) -> Option<&str> {
        self.by_src.get(src).map(String::as_str)
    }

    /// The name of `src` and `false` when it has been copied already; otherwise copies it with
    /// `copy` (which returns the SHA-256 hex of what it copied), remembers the name and returns it
    /// with `true`.
    pub fn copy_once(&mut self, src: &Path, copy: impl FnOnce(&Path) -> Result<String>) -> Result<(String, bool)> {
        if let Some(name) = self.by_src.get(src) {
            return Ok((name.clone(), false));
        }
        let ext = media_ext(src).ok_or_else(|| Error::invalid(format!("{} is not a media file", src.display())))?;
        let ext = ext.to_string();
        let sha = copy(src)?;
        let name = media_file_name(&sha, &ext);
        self.by_src.insert(src.to_path_buf(), name.clone());
        Ok((name, true))
    }
}

/// `deckmedia-<first 16 hex of the SHA-256>.<ext>`.
pub fn media_file_name(sha256_hex: &str, ext: &str) -> String {
    format!("{MEDIA_PREFIX}{}.{ext}", &sha256_hex[..16.min(sha256_hex.len())])
}

/// Streams `src` into `dst`, returning the SHA-256 (hex) and length of what was copied.
pub(crate) fn copy_hashing(src: &Path, dst: &mut dyn Write, dst_name: &Path) -> Result<(String, u64)> {
    let mut f = File::open(src).map_err(|e| Error::io("cannot read media file", src, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io("cannot read media file", src, e)),
        };
        h.update(&buf[..n]);
        dst.write_all(&buf[..n]).map_err(|e| Error::io("cannot write", dst_name, e))?;
        total += n as u64;
    }
    Ok((hex::encode(h.finalize()), total))
}

/// Word text made safe for one line of a field: control characters become spaces (so the field
/// separator `\x1f` can never appear) and the result is trimmed.
pub(crate) fn clean_text(s: &str) -> String {
    let s: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    s.trim().to_string()
}


// ---- where the export goes ----------------------------------------------------------------------

/// A temp file or folder next to the target, removed on drop unless committed.
pub(crate) struct TempPath {
    pub path: PathBuf,
    dir: bool,
    keep: bool,
}

impl TempPath {
    /// A fresh temp path in `parent` for `file_name`, created (empty) so no one else takes it.
    pub(crate) fn create(parent: &Path, file_name: &str, dir: bool) -> Result<TempPath> {
        for _ in 0..16 {
            let path = parent.join(format!(".{file_name}{TEMP_MARK}{}-{:08x}", std::process::id(), rand::random::<u32>()));
            let made =
                if dir { std::fs::create_dir(&path) } else { std::fs::OpenOptions::new().write(true).create_new(true).open(&path).map(|_| ()) };
            match made {
                Ok(()) => return Ok(TempPath { path, dir, keep: false }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::io("cannot write in folder", parent, e)),
            }
        }
        Err(Error::invalid(format!("cannot create a temp file in {}", parent.display())))
    }

    /// A sibling temp path (same prefix, another suffix); not created, removed on drop.
    pub(crate) fn sibling(&self, suffix: &str) -> TempPath {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(suffix);
        TempPath { path: self.path.with_file_name(name), dir: false, keep: false }
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        if self.dir {
            let _ = std::fs::remove_dir_all(&self.path);
        } else {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The checked destination of an export.
struct Target {
    out: PathBuf,
    parent: PathBuf,
    file_name: String,
    format: ExportFormat,
    overwrite: bool,
    /// `out` is an existing folder we may replace (empty, or an earlier export).
    replace_dir: bool,
}

impl Target {
    fn check(out: &Path, format: ExportFormat, overwrite: bool) -> Result<Target> {
        let file_name = out
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| Error::invalid(format!("'{}' is not a file name to export to", out.display())))?
            .to_string();
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        match std::fs::metadata(&parent) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(Error::invalid(format!("{} is not a folder", parent.display()))),
            Err(e) => return Err(Error::io("cannot export into folder", &parent, e)),
        }
        let mut replace_dir = false;
        if let Ok(meta) = std::fs::symlink_metadata(out) {
            match format {
                ExportFormat::Apkg => {
                    if meta.is_dir() {
                        return Err(Error::invalid(format!("{} is a folder; give a file name such as deck.apkg", out.display())));
                    }
                    if !overwrite {
                        return Err(already_exists(out));
                    }
                }
                ExportFormat::Csv => {
                    if !meta.is_dir() {
                        return Err(Error::invalid(format!("{} exists and is not a folder", out.display())));
                    }
                    let empty = is_empty_dir(out)?;
                    if !empty && !overwrite {
                        return Err(already_exists(out));
                    }
                    if !empty && !is_our_export(out)? {
                        return Err(Error::invalid(format!(
                            "{} is a folder with other files (not a Deck Media export); refusing to replace it",
                            out.display()
                        )));
                    }
                    replace_dir = true;
                }
            }
        }
        Ok(Target { out: out.to_path_buf(), parent, file_name, format, overwrite, replace_dir })
    }

    fn temp(&self) -> Result<TempPath> {
        TempPath::create(&self.parent, &self.file_name, self.format == ExportFormat::Csv)
    }

    /// Moves the finished temp file or folder to `out`.
    fn commit(&self, mut tmp: TempPath) -> Result<()> {
        match self.format {
            ExportFormat::Apkg => {
                if self.overwrite {
                    std::fs::rename(&tmp.path, &self.out).map_err(|e| Error::io("cannot write", &self.out, e))?;
                    tmp.keep = true;
                } else {
                    // A hard link never replaces an existing file; file systems without links
                    // (FAT on a USB stick) fall back to a check and a rename.
                    match std::fs::hard_link(&tmp.path, &self.out) {
                        Ok(()) => {} // tmp is removed on drop
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(already_exists(&self.out)),
                        Err(_) => {
                            if std::fs::symlink_metadata(&self.out).is_ok() {
                                return Err(already_exists(&self.out));
                            }
                            std::fs::rename(&tmp.path, &self.out).map_err(|e| Error::io("cannot write", &self.out, e))?;
                            tmp.keep = true;
                        }
                    }
                }
            }
            ExportFormat::Csv => {
                let exists = std::fs::symlink_metadata(&self.out).is_ok();
                if exists && !self.replace_dir {
                    return Err(already_exists(&self.out)); // appeared while we were writing
                }
                if exists && is_empty_dir(&self.out)? {
                    std::fs::remove_dir(&self.out).map_err(|e| Error::io("cannot replace", &self.out, e))?;
                    std::fs::rename(&tmp.path, &self.out).map_err(|e| Error::io("cannot write", &self.out, e))?;
                } else if exists {
                    if !self.overwrite || !is_our_export(&self.out)? {
                        return Err(already_exists(&self.out));
                    }
                    let old = TempPath {
                        path: self.parent.join(format!(".{}{TEMP_MARK}old-{:08x}", self.file_name, rand::random::<u32>())),
                        dir: true,
                        keep: false,
                    };
                    std::fs::rename(&self.out, &old.path).map_err(|e| Error::io("cannot replace", &self.out, e))?;
                    if let Err(e) = std::fs::rename(&tmp.path, &self.out) {
                        let _ = std::fs::rename(&old.path, &self.out);
                        let mut old = old;
                        old.keep = true;
                        return Err(Error::io("cannot write", &self.out, e));
                    }
                    drop(old); // removes the previous export
                } else {
                    std::fs::rename(&tmp.path, &self.out).map_err(|e| Error::io("cannot write", &self.out, e))?;
                }
                tmp.keep = true;
            }
        }
        sync_dir(&self.parent);
        Ok(())
    }
}

fn already_exists(out: &Path) -> Error {
    Error::invalid(format!("{} already exists; choose another name or allow overwriting (--force)", out.display()))
}

fn is_empty_dir(dir: &Path) -> Result<bool> {
    let mut entries = std::fs::read_dir(dir).map_err(|e| Error::io("cannot read folder", dir, e))?;
    Ok(entries.next().is_none())
}

/// A folder holding only what a folder export writes: `deck.csv` and `deckmedia-*` files.
fn is_our_export(dir: &Path) -> Result<bool> {
    let mut has_csv = false;
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io("cannot read folder", dir, e))? {
        let entry = entry.map_err(|e| Error::io("cannot read folder", dir, e))?;
        let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !is_file {
            return Ok(false);
        }
        if name == CSV_FILE_NAME {
            has_csv = true;
        } else if !name.starts_with(MEDIA_PREFIX) {
            return Ok(false);
        }
    }
    Ok(has_csv)
}

/// Makes a rename durable (best effort; not possible on every platform).
pub(crate) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::html_escape;

    #[test]
    fn escaping_leaves_no_markup_and_no_field_separator() {
        assert_eq!(html_escape(&clean_text("<script>\"x\"&'y'[sound:a.mp3]")), "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&#91;sound:a.mp3]");
        assert_eq!(clean_text(" a\x1fb\nc\t"), "a b c");
    }

    #[test]
    fn formats_parse() {
        assert_eq!("APKG".parse::<ExportFormat>().unwrap(), ExportFormat::Apkg);
        assert_eq!("csv".parse::<ExportFormat>().unwrap(), ExportFormat::Csv);
        assert!("zip".parse::<ExportFormat>().is_err());
    }

    #[test]
    fn media_names_come_from_the_hash_and_a_checked_extension() {
        assert_eq!(media_file_name("0123456789abcdef0123", "png"), "deckmedia-0123456789abcdef.png");
        assert_eq!(media_ext(Path::new("/a/b.mp3")), Some("mp3"));
        assert_eq!(media_ext(Path::new("/a/b.MP3")), None);
        assert_eq!(media_ext(Path::new("/a/b")), None);
    }
}
