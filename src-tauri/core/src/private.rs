//! Private files: on Unix the data dir is `0700` and every file in it that says something about
//! the user (the database and its `-wal`/`-shm`, `config.toml`, the key file), the log folder
//! and its files, and temp copies of imported packages are `0600`. New files get the mode as
//! they are created where we create them; files from older versions (or a lax umask) are
//! fixed each time the data dir is opened.
//!
//! A file system that cannot hold Unix modes (a FAT stick) does not stop the app: the failure
//! is logged and the app goes on. Elsewhere than Unix these are no-ops (the per-user profile
//! folders are private already).

use std::path::Path;

/// Owner-only: `rwx------` for folders.
pub const DIR_MODE: u32 = 0o700;
/// Owner-only: `rw-------` for files.
pub const FILE_MODE: u32 = 0o600;

/// Sets `path`'s mode to `mode` when it exists and differs; logs a failure.
fn set_mode(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::symlink_metadata(path) else { return };
        if meta.file_type().is_symlink() || meta.permissions().mode() & 0o777 == mode {
            return;
        }
        if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
            tracing::warn!("cannot make {} private: {e}", path.display());
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// Makes a folder owner-only (`0700`).
pub fn restrict_dir(path: &Path) {
    set_mode(path, DIR_MODE);
}

/// Makes a file owner-only (`0600`).
pub fn restrict_file(path: &Path) {
    set_mode(path, FILE_MODE);
}

/// Makes a folder and the files directly in it owner-only (the log folder).
pub fn restrict_dir_and_files(path: &Path) {
    restrict_dir(path);
    for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            restrict_file(&entry.path());
        }
    }
}

/// Creates the database file empty and owner-only when it does not exist yet, so SQLite (which
/// gives `-wal` and `-shm` the database's mode) never makes a readable one.
pub fn precreate_file(path: &Path) -> crate::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(FILE_MODE);
    }
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(crate::Error::io("cannot create", path, e)),
    }
}

/// Flushes a folder's entries (a rename into it) to disk.
pub fn sync_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(path)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
