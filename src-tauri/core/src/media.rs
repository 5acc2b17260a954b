//! The media store: files named by the SHA-256 of their content, under
//! `<data dir>/media/<kind>/<first 2 hex>/<sha256>.<ext>`.
//!
//! A file is written to a temp file in its final folder, fsynced, then renamed into place, so a
//! crash at any instant leaves either no file or a whole one; the database row that points at it
//! is committed only after the rename. Temp files left by a crash are removed at start. No path
//! is ever built from word text: only the hash, the kind and a checked extension.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::MediaKind;

/// The `settings_key` of media that came from an Anki package (never made here: a
/// "regenerate" replaces it, "generate missing" keeps it).
pub const IMPORTED_SETTINGS: &str = "import:apkg";

/// The `settings_key` of a picture picked by hand in "Choose picture…" (kept by "generate
/// missing", replaced by "regenerate", like imported media).
pub const CHOSEN_SETTINGS: &str = "chosen";

const TEMP_PREFIX: &str = ".tmp-";

#[derive(Debug, Clone)]
pub struct MediaStore {
    /// `<data dir>`; stored paths are relative to it.
    root: PathBuf,
    faults: Option<WriteFaults>,
}

/// A test hook: asked before every write (and probe); an error it returns is the write's error,
/// as a full or read-only file system would answer.
#[derive(Clone)]
pub struct WriteFaults(pub Arc<dyn Fn() -> std::io::Result<()> + Send + Sync>);

impl std::fmt::Debug for WriteFaults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteFaults")
    }
}

/// A file in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Relative to the data dir, with `/` separators.
    pub rel_path: String,
    pub sha256: String,
    pub bytes: u64,
}

impl MediaStore {
    pub fn new(data_dir: impl Into<PathBuf>) -> MediaStore {
        MediaStore { root: data_dir.into(), faults: None }
    }

    /// The same store with a fault hook (tests).
    pub fn with_faults(mut self, faults: WriteFaults) -> MediaStore {
        self.faults = Some(faults);
        self
    }

    /// The folder media files go to.
    pub fn folder(&self) -> PathBuf {
        self.root.join("media")
    }

    fn check_faults(&self) -> std::io::Result<()> {
        self.faults.as_ref().map_or(Ok(()), |f| (f.0)())
    }

    /// Writes and removes a small file in the media folder: whether writing works again after a
    /// full disk or a read-only folder.
    pub fn probe(&self) -> Result<()> {
        let dir = self.folder();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create media folder", &dir, e))?;
        let tmp = dir.join(format!("{TEMP_PREFIX}probe-{}", std::process::id()));
        let written = (|| -> std::io::Result<()> {
            self.check_faults()?;
            let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).open(&tmp)?;
            f.write_all(&[0u8; 4096])?;
            f.sync_all()
        })();
        let _ = std::fs::remove_file(&tmp);
        written.map_err(|e| Error::io("cannot write in", &dir, e))
    }

    pub fn absolute(&self, rel_path: &str) -> PathBuf {
        self.root.join(rel_path)
    }

    /// Stores `bytes` and returns where. Writing the same content twice is a no-op.
    pub fn write(&self, kind: MediaKind, ext: &str, bytes: &[u8]) -> Result<StoredFile> {
        if !is_safe_ext(ext) {
            return Err(Error::invalid(format!("'{ext}' is not an allowed media file extension")));
        }
        let sha = hex::encode(Sha256::digest(bytes));
        // Every audio slot's files go to `media/audio/`: a folder per medium, not per slot.
        let rel_dir = format!("media/{}/{}", kind.medium().as_str(), &sha[..2]);
        let rel_path = format!("{rel_dir}/{sha}.{ext}");
        let dir = self.root.join(&rel_dir);
        let path = self.root.join(&rel_path);
        let stored = StoredFile { rel_path, sha256: sha, bytes: bytes.len() as u64 };
        // Same name = same content, unless the file was damaged behind our back (same length,
        // other bytes): then it is written again.
        if file_has_len(&path, bytes.len() as u64) && hash_file(&path).is_ok_and(|h| h == stored.sha256) {
            return Ok(stored);
        }
        self.check_faults().map_err(|e| Error::io("cannot write media file", &path, e))?;
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create media folder", &dir, e))?;
        let tmp = dir.join(format!("{TEMP_PREFIX}{}-{}", std::process::id(), rand::random::<u64>()));
        let written = (|| -> std::io::Result<()> {
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            // The rename itself must reach the disk before the database row points at the file.
            crate::private::sync_dir(&dir)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::io("cannot write media file", &path, e));
        }
        Ok(stored)
    }

    /// Checks a stored file: present, and its content hashes to its name.
    pub fn verify(&self, rel_path: &str, sha256: &str) -> bool {
        hash_file(&self.absolute(rel_path)).is_ok_and(|h| h == sha256)
    }

    /// Removes temp files a crashed writer left behind. Returns how many it removed.
    pub fn remove_stray_temp_files(&self) -> Result<usize> {
        let mut removed = 0;
        let media = self.root.join("media");
        for kind in [MediaKind::Image, MediaKind::Audio] {
            let kind_dir = media.join(kind.as_str());
            let Ok(shards) = std::fs::read_dir(&kind_dir) else { continue };
            for shard in shards.flatten() {
                let Ok(files) = std::fs::read_dir(shard.path()) else { continue };
                for f in files.flatten() {
                    if f.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                        std::fs::remove_file(f.path()).map_err(|e| Error::io("cannot remove temp file", f.path(), e))?;
                        removed += 1;
                    }
                }
            }
        }
        Ok(removed)
    }
}

/// The SHA-256 of a file's content (hex), read in chunks.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(hex::encode(h.finalize()))
}

fn file_has_len(path: &Path, len: u64) -> bool {
    std::fs::metadata(path).map(|m| m.is_file() && m.len() == len).unwrap_or(false)
}

fn is_safe_ext(ext: &str) -> bool {
    (1..=5).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The content-cache key of a piece of media: the same word, language and settings give the same
/// media, whichever deck the word is in. Keyed by the medium, not the slot: a translation read
/// aloud by the same voice as a word with that text in another deck shares its recording.
pub fn cache_key(kind: MediaKind, settings_key: &str, language: &str, text: &str, translation: Option<&str>) -> String {
    let mut h = Sha256::new();
    for part in [kind.medium().as_str(), settings_key, language, text, translation.unwrap_or("")] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_by_content_and_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::new(dir.path());
        let a = store.write(MediaKind::Audio, "mp3", b"hello").unwrap();
        let b = store.write(MediaKind::Audio, "mp3", b"hello").unwrap();
        assert_eq!(a, b);
        assert!(a.rel_path.starts_with("media/audio/"));
        assert!(store.verify(&a.rel_path, &a.sha256));
        assert!(store.write(MediaKind::Audio, "../x", b"hello").is_err());
    }

    #[test]
    fn a_damaged_file_of_the_same_length_is_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::new(dir.path());
        let a = store.write(MediaKind::Audio, "mp3", b"hello").unwrap();
        std::fs::write(store.absolute(&a.rel_path), b"HELLO").unwrap();
        assert!(!store.verify(&a.rel_path, &a.sha256));
        store.write(MediaKind::Audio, "mp3", b"hello").unwrap();
        assert_eq!(std::fs::read(store.absolute(&a.rel_path)).unwrap(), b"hello");
    }

    #[test]
    fn stray_temp_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::new(dir.path());
        let f = store.write(MediaKind::Image, "png", b"x").unwrap();
        let shard = store.absolute(&f.rel_path).parent().unwrap().to_path_buf();
        std::fs::write(shard.join(".tmp-1-2"), b"half").unwrap();
        assert_eq!(store.remove_stray_temp_files().unwrap(), 1);
        assert!(store.verify(&f.rel_path, &f.sha256));
    }
}
