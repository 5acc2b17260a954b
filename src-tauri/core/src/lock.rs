//! One worker per data dir, guarded by an OS file lock on `worker.lock`. The lock dies with the
//! process, so a crashed worker never leaves a stale lock behind.

use std::fs::File;
use std::path::Path;

use crate::error::{Error, Result};

/// Held while the worker runs; dropping it releases the lock.
#[derive(Debug)]
pub struct WorkerLock {
    _file: File,
}

impl WorkerLock {
    /// Takes the lock without waiting; `Error::WorkerLocked` when another process holds it.
    pub fn try_acquire(path: &Path, data_dir: &Path) -> Result<WorkerLock> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| Error::io("cannot open", path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(WorkerLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::WorkerLocked(data_dir.to_path_buf())),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io("cannot lock", path, e)),
        }
    }
}
