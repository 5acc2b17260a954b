//! Where Deck Media keeps its files: the data dir (database, media, config) and the log dir.
//! `--data-dir` and `DECKMEDIA_DATA_DIR` override the platform default.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The environment variable that overrides the data dir.
pub const DATA_DIR_ENV: &str = "DECKMEDIA_DATA_DIR";

/// The platform's data dir for Deck Media (`~/.local/share/deckmedia` on Linux), or
/// `DECKMEDIA_DATA_DIR` when set.
pub fn default_data_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    project_dirs().map(|p| p.data_dir().to_path_buf())
}

/// The platform's log dir (`~/.local/state/deckmedia/logs` or the data dir's `logs` folder).
pub fn log_dir(data_dir: &Path) -> PathBuf {
    match project_dirs().ok().and_then(|p| p.state_dir().map(Path::to_path_buf)) {
        Some(state) if std::env::var_os(DATA_DIR_ENV).is_none() => state.join("logs"),
        _ => data_dir.join("logs"),
    }
}

fn project_dirs() -> Result<directories::ProjectDirs> {
    directories::ProjectDirs::from("app", "deckmedia", "deckmedia")
        .ok_or_else(|| Error::Config("no home directory found; set DECKMEDIA_DATA_DIR or pass --data-dir".into()))
}

/// Files inside a data dir.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Creates the folder (and its parents) when missing, owner-only (`0700` on Unix, also when
    /// it was there already), and makes the path absolute.
    pub fn create(root: impl AsRef<Path>) -> Result<DataDir> {
        let root = root.as_ref();
        std::fs::create_dir_all(root).map_err(|e| Error::io("cannot create data folder", root, e))?;
        crate::private::restrict_dir(root);
        let root = std::fs::canonicalize(root).map_err(|e| Error::io("cannot open data folder", root, e))?;
        Ok(DataDir { root })
    }
    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn db_path(&self) -> PathBuf {
        self.root.join("deckmedia.sqlite3")
    }
    pub fn config_path(&self) -> PathBuf {
        self.root.join("config.toml")
    }
    pub fn media_dir(&self) -> PathBuf {
        self.root.join("media")
    }
    pub fn worker_lock_path(&self) -> PathBuf {
        self.root.join("worker.lock")
    }

    /// Fixes the modes of everything private in a data dir (the dir, the database and its side
    /// files, the config, the key file, the `logs` folder when it is there).
    pub fn make_private(&self) {
        use crate::private::{restrict_dir, restrict_dir_and_files, restrict_file};
        let dir = self;
        restrict_dir(dir.root());
        let db = dir.db_path();
        restrict_file(&db);
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut side = db.clone().into_os_string();
            side.push(suffix);
            restrict_file(Path::new(&side));
        }
        restrict_file(&dir.config_path());
        restrict_file(&dir.root().join("keys.json"));
        let logs = dir.root().join("logs");
        if logs.is_dir() {
            restrict_dir_and_files(&logs);
        }
    }
}
