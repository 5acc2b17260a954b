//! Supervision: how the worker lives through faults of this machine instead of ending.
//!
//! A turn that fails (the database locked past its busy timeout, an I/O error, a full disk) is
//! tried again after a pause that grows from 100 ms to 30 s. A fault is worded for the user by
//! [`classify`]; local ones (full disk, read-only or forbidden folder) need the user at once, any
//! other one when it has lasted [`PERSISTENT`]. This module keeps the state; the loop acts on it.

use std::path::Path;
use std::time::Duration;

use tokio::time::Instant;

use crate::attention::Attention;
use crate::error::Error;

/// The first pause after a failed turn.
pub const FIRST_PAUSE: Duration = Duration::from_millis(100);
/// The longest pause between two tries.
pub const MAX_PAUSE: Duration = Duration::from_secs(30);
/// A fault lasting this long needs the user (and ends `worker --until-idle`).
pub const PERSISTENT: Duration = Duration::from_secs(60);

/// A fault, worded for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub reason: String,
    /// A fault of this machine that waiting will not fix (full disk, read-only, permission).
    pub local: bool,
}

/// The pause before try number `failures + 1`: 100 ms, 200 ms, 400 ms, ... at most 30 s.
pub fn pause_after(failures: u32) -> Duration {
    let factor = 1u32.checked_shl(failures.saturating_sub(1).min(16)).unwrap_or(u32::MAX);
    FIRST_PAUSE.saturating_mul(factor).min(MAX_PAUSE)
}

/// Words a local I/O error (`ENOSPC`, `EDQUOT`, `EROFS`, `EACCES`) for the user; `None` for
/// any other error.
pub fn local_io_reason(e: &std::io::Error, folder: &Path) -> Option<String> {
    use std::io::ErrorKind as K;
    let f = folder.display();
    match e.kind() {
        K::StorageFull => Some(format!("Disk full: free space in {f}")),
        K::QuotaExceeded => Some(format!("Disk quota exceeded: free space in {f}")),
        K::ReadOnlyFilesystem => Some(format!("Read-only file system: {f} cannot be written")),
        K::PermissionDenied => Some(format!("Permission denied: cannot write in {f}")),
        _ => None,
    }
}

/// Words any error of a turn for the user. `data_dir` holds the database.
pub fn classify(e: &Error, data_dir: &Path) -> Fault {
    use rusqlite::ErrorCode as C;
    let local = |reason: String| Fault { reason, local: true };
    match e {
        Error::Io { cause, path, .. } => match local_io_reason(cause, path.parent().unwrap_or(path)) {
            Some(reason) => local(reason),
            None => Fault { reason: e.to_string(), local: false },
        },
        Error::Db { cause, .. } => match cause.sqlite_error_code() {
            Some(C::DiskFull) => local(format!("Disk full: free space in {}", data_dir.display())),
            Some(C::ReadOnly) => local(format!("Read-only file system: {} cannot be written", data_dir.display())),
            Some(C::PermissionDenied | C::CannotOpen) => local(format!("Permission denied: cannot write in {}", data_dir.display())),
            Some(C::DatabaseBusy | C::DatabaseLocked) => {
                Fault { reason: "The database is locked by another program".into(), local: false }
            }
            _ => Fault { reason: e.to_string(), local: false },
        },
        other => Fault { reason: other.to_string(), local: false },
    }
}

/// Turns failing in a row.
#[derive(Debug)]
struct Failing {
    fault: Fault,
    since: Instant,
    since_ms: i64,
    failures: u32,
}

/// Whether the loop's turns succeed.
#[derive(Debug, Default)]
pub struct Health {
    failing: Option<Failing>,
}

impl Health {
    /// Records a failed turn; returns the pause before the next try (cut short to wake when
    /// the fault becomes persistent, so the user hears of it on time).
    pub fn failed(&mut self, fault: Fault, now: Instant, now_ms: i64) -> Duration {
        let f = self.failing.get_or_insert(Failing { fault: fault.clone(), since: now, since_ms: now_ms, failures: 0 });
        // One reason per episode (steps fail with different words), unless it turns local.
        if fault.local && !f.fault.local {
            f.fault = fault;
        }
        f.failures += 1;
        let pause = pause_after(f.failures);
        match (f.since + PERSISTENT).checked_duration_since(now) {
            Some(left) if !left.is_zero() => pause.min(left),
            _ => pause,
        }
    }

    /// A turn succeeded. Returns whether it had been failing.
    pub fn recovered(&mut self) -> bool {
        self.failing.take().is_some()
    }

    pub fn failures(&self) -> u32 {
        self.failing.as_ref().map_or(0, |f| f.failures)
    }

    /// What the user should see: a local fault at once, another one once it persists.
    pub fn attention(&self, now: Instant) -> Option<Attention> {
        let f = self.failing.as_ref()?;
        (f.fault.local || now.duration_since(f.since) >= PERSISTENT).then(|| Attention { reason: f.fault.reason.clone(), since_ms: f.since_ms })
    }

    /// The reason of a fault that has lasted [`PERSISTENT`].
    pub fn persistent(&self, now: Instant) -> Option<String> {
        let f = self.failing.as_ref()?;
        (now.duration_since(f.since) >= PERSISTENT).then(|| f.fault.reason.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_from_a_tenth_of_a_second_to_half_a_minute() {
        let p: Vec<u128> = [1, 2, 3, 4, 9, 10, 11, 40, 1000].iter().map(|&n| pause_after(n).as_millis()).collect();
        assert_eq!(p, vec![100, 200, 400, 800, 25_600, 30_000, 30_000, 30_000, 30_000]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_busy_database_needs_attention_after_a_minute_a_full_disk_at_once() {
        let mut h = Health::default();
        let busy = Fault { reason: "locked".into(), local: false };
        let t0 = Instant::now();
        h.failed(busy.clone(), t0, 0);
        assert_eq!(h.attention(t0 + Duration::from_secs(59)), None);
        assert_eq!(h.attention(t0 + PERSISTENT).map(|a| a.reason), Some("locked".into()));
        assert_eq!(h.persistent(t0 + PERSISTENT), Some("locked".into()));
        assert!(h.recovered());
        assert_eq!(h.attention(t0 + PERSISTENT), None);

        h.failed(Fault { reason: "Disk full: free space in /d".into(), local: true }, t0, 0);
        assert!(h.attention(t0).is_some());
        assert_eq!(h.persistent(t0), None, "not yet persistent");
    }

    #[test]
    fn local_io_errors_are_worded_per_errno() {
        let dir = Path::new("/data/media");
        let of = |code: i32| local_io_reason(&std::io::Error::from_raw_os_error(code), dir);
        assert_eq!(of(28).as_deref(), Some("Disk full: free space in /data/media")); // ENOSPC
        assert!(of(122).unwrap().starts_with("Disk quota exceeded")); // EDQUOT
        assert!(of(30).unwrap().starts_with("Read-only file system")); // EROFS
        assert!(of(13).unwrap().starts_with("Permission denied")); // EACCES
        assert_eq!(of(5), None); // EIO: an ordinary error
    }

    #[test]
    fn a_full_database_is_a_local_fault_and_a_locked_one_is_not() {
        let db = |code: i32| Error::Db { context: "settling jobs", cause: rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None) };
        let full = classify(&db(rusqlite::ffi::SQLITE_FULL), Path::new("/d"));
        assert_eq!(full, Fault { reason: "Disk full: free space in /d".into(), local: true });
        let busy = classify(&db(rusqlite::ffi::SQLITE_BUSY), Path::new("/d"));
        assert!(!busy.local && busy.reason.starts_with("The database is locked"), "{busy:?}");
    }
}
