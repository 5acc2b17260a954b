//! Faults of the user's machine, on tokio's paused clock: a database another program holds
//! locked, a full disk (a real tmpfs where this test may mount one, else a fault-injecting media
//! store). The queue waits them out, spends no attempt on them, pays for no call twice, says
//! "needs attention" when they last, and finishes when they are gone.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use deckmedia_core::config::Config;
use deckmedia_core::events::Event;
use deckmedia_core::media::WriteFaults;
use deckmedia_core::JobOutcome;
use deckmedia_core::{BatchStatus, Core, MediaKind};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::scripted::Scripted;
use crate::support::*;

/// Virtual time a test may take before it counts as hung.
const LIMIT: Duration = Duration::from_secs(3600);

fn db_path(dir: &Path) -> PathBuf {
    dir.join("deckmedia.sqlite3")
}

/// A second program holding the database's write lock (`BEGIN IMMEDIATE`) until released.
struct Locker(rusqlite::Connection);

impl Locker {
    fn lock(dir: &Path) -> Locker {
        let conn = rusqlite::Connection::open(db_path(dir)).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        Locker(conn)
    }
    fn release(self) {
        self.0.execute_batch("COMMIT").unwrap();
    }
}

/// Waits until the queue needs attention, and returns why.
async fn attention_event(rx: &mut tokio::sync::broadcast::Receiver<Event>) -> String {
    wait_event(rx, LIMIT, |e| match e {
        Event::QueueAttention { attention: Some(a) } => Some(a.reason.clone()),
        _ => None,
    })
    .await
}

/// Waits until the queue no longer needs attention.
async fn attention_cleared(rx: &mut tokio::sync::broadcast::Receiver<Event>) {
    wait_event(rx, LIMIT, |e| matches!(e, Event::QueueAttention { attention: None }).then_some(())).await
}

fn scripted_core(dir: &Path, pair: (Scripted, Scripted), concurrency: u32) -> Core {
    let mut c = Config::default();
    c.queue.backoff_base_ms = 20;
    c.queue.backoff_max_ms = 200;
    c.queue.busy_timeout_ms = 20;
    Scripted::core(dir, c, pair, concurrency)
}

#[tokio::test(start_paused = true)]
async fn a_database_locked_past_its_busy_timeout_mid_batch_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pair = Scripted::pair(Duration::from_secs(1));
    let core = scripted_core(dir.path(), pair.clone(), 2);
    let deck = deck_with(&core, "D", 6);
    let batch = core.generate(deck, &[MediaKind::Audio], false).unwrap();
    let mut rx = core.subscribe();
    let stop = CancellationToken::new();
    let worker = tokio::spawn(core.worker().unwrap().run(stop.clone()));
    within(LIMIT, pair.1.wait_for_calls(2)).await;

    // Another program takes the write lock while two calls are in flight, for 20 s.
    let locker = Locker::lock(dir.path());
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert_eq!(pair.1.calls().len(), 2, "nothing is claimed while the database is locked");
    assert_eq!(query_i64(dir.path(), "SELECT COUNT(*) FROM jobs WHERE status = 'done'"), 0, "the two outcomes wait");
    locker.release();

    wait_event(&mut rx, LIMIT, |e| matches!(e, Event::BatchFinished { batch_id, .. } if *batch_id == batch.id).then_some(())).await;
    stop.cancel();
    let summary = within(LIMIT, worker).await.unwrap().unwrap();
    assert!(summary.faults > 0, "turns failed and were tried again");
    assert_eq!((summary.done, summary.failed), (6, 0));
    assert_eq!(pair.1.calls().len(), 6, "no call made twice");
    let b = core.batch(batch.id).unwrap();
    assert_eq!((b.status, b.completed_words, b.done_jobs), (BatchStatus::Completed, 6, 6), "counted once each");
    assert_eq!(query_i64(dir.path(), "SELECT COUNT(*) FROM jobs WHERE attempts <> 1"), 0, "one attempt each");
}

#[tokio::test(start_paused = true)]
async fn a_database_locked_for_a_minute_needs_attention_and_clears_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let pair = Scripted::pair(Duration::from_millis(10));
    let core = scripted_core(dir.path(), pair.clone(), 2);
    let deck = deck_with(&core, "D", 3);
    let batch = core.generate(deck, &[MediaKind::Audio], false).unwrap();
    let mut rx = core.subscribe();
    let locker = Locker::lock(dir.path());
    let t0 = Instant::now();
    let stop = CancellationToken::new();
    let worker = tokio::spawn(core.worker().unwrap().run(stop.clone()));

    let reason = attention_event(&mut rx).await;
    assert!(t0.elapsed() >= Duration::from_secs(60), "only once it persists ({:?})", t0.elapsed());
    assert!(t0.elapsed() < Duration::from_secs(62), "and then at once ({:?})", t0.elapsed());
    assert_eq!(reason, "The database is locked by another program");
    assert_eq!(core.snapshot().unwrap().attention.map(|a| a.reason), Some(reason));
    assert!(!worker.is_finished(), "the worker goes on");

    locker.release();
    attention_cleared(&mut rx).await;
    wait_event(&mut rx, LIMIT, |e| matches!(e, Event::BatchFinished { batch_id, .. } if *batch_id == batch.id).then_some(())).await;
    assert_eq!(core.snapshot().unwrap().attention, None);
    stop.cancel();
    within(LIMIT, worker).await.unwrap().unwrap();
    assert_eq!(core.batch(batch.id).unwrap().completed_words, 3);
}

#[tokio::test(start_paused = true)]
async fn until_idle_ends_with_the_reason_only_when_a_fault_persists() {
    let dir = tempfile::tempdir().unwrap();
    let pair = Scripted::pair(Duration::from_millis(10));
    let core = scripted_core(dir.path(), pair.clone(), 2);
    let deck = deck_with(&core, "D", 3);
    core.generate(deck, &[MediaKind::Audio], false).unwrap();

    // A lock held for 5 s is waited out.
    let locker = Locker::lock(dir.path());
    let worker = tokio::spawn(core.worker().unwrap().run_until_idle(CancellationToken::new()));
    tokio::time::sleep(Duration::from_secs(5)).await;
    locker.release();
    let summary = within(LIMIT, worker).await.unwrap().unwrap();
    assert_eq!(summary.done, 3);
    assert!(summary.faults > 0);

    // A lock that stays ends the run with the reason; the jobs stay queued, no attempt spent.
    core.generate(deck, &[MediaKind::Image], false).unwrap();
    let locker = Locker::lock(dir.path());
    let err = within(LIMIT, core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap_err();
    locker.release();
    assert_eq!(err.code(), deckmedia_core::error::ErrorCode::NeedsAttention);
    assert!(err.to_string().starts_with("needs attention: The database is locked"), "{err}");
    assert_eq!(query_i64(dir.path(), "SELECT COUNT(*) FROM jobs WHERE kind = 'image' AND status = 'queued' AND attempts = 0"), 3);
    assert!(pair.0.calls().is_empty());
}

/// A file system that can be filled and freed: a real tmpfs when this process may mount one
/// (root on Linux), else a normal folder whose media store is told to fail with `ENOSPC`.
enum Disk {
    Tmpfs { mount: tempfile::TempDir },
    Injected { dir: tempfile::TempDir, full: Arc<AtomicBool> },
}

impl Disk {
    fn new() -> Disk {
        let mount = tempfile::tempdir().unwrap();
        // DECKMEDIA_TEST_INJECT_DISK=1 takes the injected path even where tmpfs works.
        let mounted = cfg!(target_os = "linux")
            && std::env::var_os("DECKMEDIA_TEST_INJECT_DISK").is_none()
            && std::process::Command::new("mount")
                .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
                .arg(mount.path())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
        if mounted {
            Disk::Tmpfs { mount }
        } else {
            eprintln!("no tmpfs here: the full disk is injected");
            Disk::Injected { dir: mount, full: Arc::new(AtomicBool::new(false)) }
        }
    }

    fn path(&self) -> &Path {
        match self {
            Disk::Tmpfs { mount } => mount.path(),
            Disk::Injected { dir, .. } => dir.path(),
        }
    }

    fn attach(&self, core: &mut Core) {
        if let Disk::Injected { full, .. } = self {
            let full = full.clone();
            core.inject_media_faults(WriteFaults(Arc::new(move || {
                if full.load(Ordering::SeqCst) {
                    Err(std::io::Error::from_raw_os_error(28))
                } else {
                    Ok(())
                }
            })));
        }
    }

    fn filler(&self) -> PathBuf {
        self.path().join("filler")
    }

    fn fill(&self) {
        match self {
            Disk::Tmpfs { .. } => {
                use std::io::Write;
                let mut f = std::fs::File::create(self.filler()).unwrap();
                let chunk = vec![0u8; 64 * 1024];
                while f.write_all(&chunk).is_ok() {}
            }
            Disk::Injected { full, .. } => full.store(true, Ordering::SeqCst),
        }
    }

    fn free(&self) {
        match self {
            Disk::Tmpfs { .. } => std::fs::remove_file(self.filler()).unwrap(),
            Disk::Injected { full, .. } => full.store(false, Ordering::SeqCst),
        }
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        if let Disk::Tmpfs { mount } = self {
            let _ = std::process::Command::new("umount").arg("-l").arg(mount.path()).status();
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_full_disk_pauses_the_queue_spends_no_attempt_and_finishes_when_space_is_back() {
    let disk = Disk::new();
    let pair = Scripted::pair(Duration::from_millis(100));
    let mut core = scripted_core(disk.path(), pair.clone(), 2);
    disk.attach(&mut core);
    let deck = deck_with(&core, "D", 8);
    let batch = core.generate(deck, &[MediaKind::Audio], false).unwrap();
    let mut rx = core.subscribe();
    let worker = core.worker().unwrap();
    disk.fill();
    let stop = CancellationToken::new();
    let run = tokio::spawn(worker.run(stop.clone()));

    let reason = attention_event(&mut rx).await;
    assert!(reason.starts_with("Disk full: free space in "), "{reason}");
    // Calls started before the first failed write was known (a slot frees before its file is
    // written) are in flight; their media is kept too.
    let known = pair.1.calls().len();
    assert!(known <= 4, "only calls started before the fault was known ({known})");
    // Minutes pass: nothing more is called, nothing is spent.
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert_eq!(pair.1.calls().len(), known, "no call while the disk is full");
    assert_eq!(query_i64(disk.path(), "SELECT COALESCE(SUM(attempts), 0) FROM jobs"), 0, "no attempt spent");
    assert!(core.attention().is_some_and(|a| a.reason.starts_with("Disk full")), "{:?}", core.attention());

    disk.free();
    attention_cleared(&mut rx).await;
    wait_event(&mut rx, LIMIT, |e| matches!(e, Event::BatchFinished { batch_id, .. } if *batch_id == batch.id).then_some(())).await;
    stop.cancel();
    within(LIMIT, run).await.unwrap().unwrap();
    let b = core.batch(batch.id).unwrap();
    assert_eq!((b.status, b.completed_words), (BatchStatus::Completed, 8));
    assert_eq!(pair.1.calls().len(), 8, "the media made while the disk was full was kept, not asked for again");
    assert_eq!(query_i64(disk.path(), "SELECT COUNT(*) FROM jobs WHERE attempts <> 1"), 0, "one attempt each");
    for w in core.media_of_deck(deck).unwrap() {
        let path = w.audio.path.expect("a file");
        assert!(std::fs::read(&path).unwrap().starts_with(format!("audio:{}:", w.text).as_bytes()), "{path}");
    }
}

#[tokio::test(start_paused = true)]
async fn made_media_beyond_the_memory_cap_goes_back_to_the_queue_without_an_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let full = Arc::new(AtomicBool::new(true));
    let size = deckmedia_core::worker::HELD_CAP * 5 / 8;
    let pair = Scripted::pair_sized(Duration::from_millis(100), size);
    let mut core = scripted_core(dir.path(), pair.clone(), 2);
    let gate = full.clone();
    core.inject_media_faults(WriteFaults(Arc::new(move || if gate.load(Ordering::SeqCst) { Err(std::io::Error::from_raw_os_error(28)) } else { Ok(()) })));
    let deck = deck_with(&core, "D", 2);
    let batch = core.generate(deck, &[MediaKind::Audio], false).unwrap();
    let mut rx = core.subscribe();
    let stop = CancellationToken::new();
    let run = tokio::spawn(core.worker().unwrap().run(stop.clone()));

    let (word_id, error) = wait_event(&mut rx, LIMIT, |e| match e {
        Event::JobFinished { outcome: JobOutcome::Waiting, word_id, error, .. } => Some((*word_id, error.clone())),
        _ => None,
    })
    .await;
    assert!(error.unwrap_or_default().starts_with("Disk full"));
    assert_eq!(query_i64(dir.path(), &format!("SELECT attempts FROM jobs WHERE word_id = {word_id}")), 0, "no attempt spent");
    assert_eq!(query_i64(dir.path(), "SELECT COUNT(*) FROM jobs WHERE status = 'running'"), 1, "the other one's media is held");

    full.store(false, Ordering::SeqCst);
    wait_event(&mut rx, LIMIT, |e| matches!(e, Event::BatchFinished { batch_id, .. } if *batch_id == batch.id).then_some(())).await;
    stop.cancel();
    within(LIMIT, run).await.unwrap().unwrap();
    assert_eq!(core.batch(batch.id).unwrap().completed_words, 2);
    assert_eq!(pair.1.calls().len(), 3, "only the media over the cap was asked for again");
}
