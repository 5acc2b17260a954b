//! Removing media files nothing names any more. Files are content-addressed and never
//! overwritten, so replacing or undoing media leaves the old file behind; it stays while a word's
//! media or its undo history (`media_history`) names it, and is removed once it is unused and
//! older than `[queue] keep_unused_days` — the age also protects a file the worker has just
//! written and not yet recorded. "Choose picture…" candidates (`picture_candidates`) count as
//! named until they are that old themselves.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::core::Core;
use crate::error::{DbContext, Error, Result};

/// The youngest an unused file may be and still be removed: a worker writes a file before it
/// records it, and may be doing so right now in another process.
pub const MIN_AGE: Duration = Duration::from_secs(3600);

/// What a collection removed (or, in a dry run, would remove).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct GcReport {
    pub files: u64,
    pub bytes: u64,
    /// Unused files left because they are younger than the retention period.
    pub kept_young: u64,
}

impl Core {
    /// Removes media files (and stale temporary files) that no word's media or undo history
    /// names and that are older than `min_age` (at least [`MIN_AGE`]). `dry_run`: count only.
    pub fn collect_garbage(&self, min_age: Duration, dry_run: bool) -> Result<GcReport> {
        let min_age = min_age.max(MIN_AGE);
        if !dry_run {
            self.drop_old_picture_candidates(min_age)?;
        }
        let used = self.used_media_paths()?;
        let root = self.data_dir().to_path_buf();
        let now = SystemTime::now();
        let mut report = GcReport::default();
        for file in files_under(&root.join("media"))? {
            let Ok(rel) = file.strip_prefix(&root) else { continue };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if used.contains(&rel) {
                continue;
            }
            let meta = match std::fs::symlink_metadata(&file) {
                Ok(m) if m.is_file() => m,
                _ => continue,
            };
            let age = meta.modified().ok().and_then(|m| now.duration_since(m).ok()).unwrap_or_default();
            if age < min_age {
                report.kept_young += 1;
                continue;
            }
            if !dry_run {
                match std::fs::remove_file(&file) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(Error::io("cannot remove", &file, e)),
                }
            }
            report.files += 1;
            report.bytes += meta.len();
        }
        Ok(report)
    }

    /// What a worker's start does (the CLI's and the app's): collects with the configured
    /// retention; a failure is logged, never fatal. A walk of the media folder: call it off
    /// the async threads.
    pub fn collect_garbage_at_start(&self) {
        match self.collect_garbage(self.unused_retention(), false) {
            Ok(r) if r.files > 0 => tracing::info!(files = r.files, bytes = r.bytes, "removed unused media files"),
            Ok(_) => {}
            Err(e) => tracing::warn!("collecting unused media files: {e}"),
        }
    }

    /// The retention period of the configuration (`[queue] keep_unused_days`).
    pub fn unused_retention(&self) -> Duration {
        Duration::from_secs(u64::from(self.config().queue.keep_unused_days) * 86_400)
    }

    /// "Choose picture…" candidates older than `min_age` are forgotten (a picked one is the
    /// word's media, not only a candidate); their files go with the next collection.
    fn drop_old_picture_candidates(&self, min_age: Duration) -> Result<()> {
        let cutoff = crate::store::now_ms().saturating_sub(i64::try_from(min_age.as_millis()).unwrap_or(i64::MAX));
        self.store().conn().execute("DELETE FROM picture_candidates WHERE created_at < ?1", [cutoff]).db("forgetting old picture candidates")?;
        Ok(())
    }

    fn used_media_paths(&self) -> Result<HashSet<String>> {
        let conn = self.store().read();
        let mut stmt = conn
            .prepare("SELECT path FROM media UNION SELECT path FROM media_history UNION SELECT path FROM picture_candidates")
            .db("listing media in use")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).db("listing media in use")?;
        rows.collect::<std::result::Result<_, _>>().db("listing media in use")
    }
}

/// Every file under `dir` (none when it does not exist), not following links.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io("cannot read", &d, e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("cannot read", &d, e))?;
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(entry.path()),
                Ok(t) if t.is_file() => out.push(entry.path()),
                _ => {}
            }
        }
    }
    Ok(out)
}
