//! Media integrity and startup reconciliation: files deleted or damaged behind the app's back
//! are found, shown and regenerated (and nothing else is); jobs that can never run are failed
//! with the reason when a worker starts.

use std::path::PathBuf;
use std::time::Duration;

use deckmedia_core::integrity::Problem;
use deckmedia_core::queue::DECK_DELETED;
use deckmedia_core::{BatchStatus, MediaKind, MediaStatus, WordMedia};
use deckmedia_testkit::Behavior;
use tokio_util::sync::CancellationToken;

use crate::support::*;

const LIMIT: Duration = Duration::from_secs(30);

fn path_of(media: &[WordMedia], word: &str, kind: MediaKind) -> PathBuf {
    let w = media.iter().find(|w| w.text == word).expect("word");
    let m = if kind == MediaKind::Image { &w.image } else { &w.audio };
    PathBuf::from(m.path.clone().expect("a file"))
}

/// A deck of 5 words with all media made; then word0001's picture is deleted and word0003's
/// audio overwritten with other bytes of the same length.
async fn deck_with_broken_files() -> (Setup, i64, PathBuf, PathBuf) {
    let s = setup(Behavior::default(), 4).await;
    let deck = deck_with(&s.core, "Files", 5);
    s.core.generate(deck, &BOTH, false).unwrap();
    within(LIMIT, next_worker(&s.core).await.run_until_idle(CancellationToken::new())).await.unwrap();
    let media = s.core.media_of_deck(deck).unwrap();
    let deleted = path_of(&media, "word0001", MediaKind::Image);
    let damaged = path_of(&media, "word0003", MediaKind::Audio);
    std::fs::remove_file(&deleted).unwrap();
    let len = std::fs::metadata(&damaged).unwrap().len() as usize;
    std::fs::write(&damaged, vec![0x55u8; len]).unwrap();
    (s, deck, deleted, damaged)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_missing_regenerates_deleted_and_damaged_files_and_nothing_else() {
    let (s, deck, deleted, damaged) = deck_with_broken_files().await;
    let before = s.fake.stats();
    let media = s.core.media_of_deck(deck).unwrap();
    let w1 = media.iter().find(|w| w.text == "word0001").unwrap();
    assert_eq!(w1.image.status, MediaStatus::Missing, "the deck view says file missing");
    assert_eq!(w1.image.status.to_string(), "file missing");

    let batch = s.core.generate(deck, &BOTH, false).unwrap();
    assert_eq!((batch.total_jobs, batch.reused_jobs), (10, 8), "{batch:?}");
    within(LIMIT, next_worker(&s.core).await.run_until_idle(CancellationToken::new())).await.unwrap();
    let after = s.fake.stats();
    assert_eq!((after.images - before.images, after.audio - before.audio), (1, 1), "exactly the two broken files were made again");
    let words: Vec<String> = s.fake.requests()[before.requests..].iter().map(|r| r.word.clone()).collect();
    assert!(words.iter().any(|w| w.contains("word0001")) && words.iter().any(|w| w.contains("word0003")), "{words:?}");
    assert_eq!(s.core.batch(batch.id).unwrap().status, BatchStatus::Completed);
    assert!(deleted.is_file());
    assert_eq!(std::fs::read(&damaged).unwrap(), deckmedia_testkit::mp3_for_word("word0003"), "the damaged file was rewritten");
    assert!(s.core.verify_media(Some(deck), false).unwrap().broken.is_empty());
    assert!(s.core.media_of_deck(deck).unwrap().iter().all(|w| w.image.status == deckmedia_core::MediaStatus::Done && w.audio.status == deckmedia_core::MediaStatus::Done));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_lists_broken_files_and_repair_requeues_only_them() {
    let (s, deck, deleted, damaged) = deck_with_broken_files().await;
    let report = s.core.verify_media(Some(deck), false).unwrap();
    assert_eq!(report.checked, 10);
    let found: Vec<(&str, MediaKind, Problem, &PathBuf)> = report.broken.iter().map(|b| (b.text.as_str(), b.kind, b.problem, &b.path)).collect();
    assert_eq!(found, vec![("word0001", MediaKind::Image, Problem::Missing, &deleted), ("word0003", MediaKind::Audio, Problem::Damaged, &damaged)]);
    assert!(report.requeued.is_empty());
    assert_eq!(query_i64(s.dir.path(), "SELECT COUNT(*) FROM jobs WHERE status = 'queued'"), 0, "verify alone queues nothing");
    // Good files were hashed once and remembered by size and mtime.
    assert_eq!(query_i64(s.dir.path(), "SELECT COUNT(*) FROM media WHERE verified_mtime IS NOT NULL"), 8);

    let before = s.fake.stats().requests;
    let report = s.core.verify_media(None, true).unwrap();
    assert_eq!(report.broken.len(), 2);
    assert_eq!(report.requeued.len(), 1);
    assert_eq!(query_i64(s.dir.path(), "SELECT COUNT(*) FROM jobs WHERE status = 'queued'"), 2);
    within(LIMIT, next_worker(&s.core).await.run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(s.fake.stats().requests - before, 2);
    assert!(s.core.verify_media(None, false).unwrap().broken.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_is_hashed_again_only_when_its_size_or_mtime_moved() {
    let (s, deck, _, damaged) = deck_with_broken_files().await;
    s.core.verify_media(Some(deck), true).unwrap();
    within(LIMIT, next_worker(&s.core).await.run_until_idle(CancellationToken::new())).await.unwrap();
    assert!(s.core.verify_media(Some(deck), false).unwrap().broken.is_empty());
    // Other bytes under the same size and mtime are not read again (that is the shortcut) ...
    let mtime = std::fs::metadata(&damaged).unwrap().modified().unwrap();
    let len = std::fs::metadata(&damaged).unwrap().len() as usize;
    std::fs::write(&damaged, vec![0xAAu8; len]).unwrap();
    std::fs::File::options().write(true).open(&damaged).unwrap().set_modified(mtime).unwrap();
    assert!(s.core.verify_media(Some(deck), false).unwrap().broken.is_empty());
    // ... and a moved mtime makes the check read the file.
    std::fs::File::options().write(true).open(&damaged).unwrap().set_modified(mtime + Duration::from_secs(1)).unwrap();
    assert_eq!(s.core.verify_media(Some(deck), false).unwrap().broken.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_that_can_never_run_are_failed_with_the_reason_at_worker_start() {
    let s = setup(Behavior::default(), 4).await;
    let gone = deck_with(&s.core, "Gone", 3);
    let kept = deck_with(&s.core, "Kept", 2);
    let gone_batch = s.core.generate(gone, &BOTH, false).unwrap();
    let kept_batch = s.core.generate(kept, &BOTH, false).unwrap();
    {
        // Another tool deletes the deck without cascading (foreign keys off), and a provider
        // paused in an older configuration is left behind.
        let conn = rusqlite::Connection::open(s.dir.path().join("deckmedia.sqlite3")).unwrap();
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        conn.execute("DELETE FROM decks WHERE id = ?1", [gone]).unwrap();
        conn.execute("INSERT INTO provider_states(provider, state, message, since) VALUES ('elevenlabs', 'out_of_quota', 'old', 0)", []).unwrap();
    }
    within(LIMIT, next_worker(&s.core).await.run_until_idle(CancellationToken::new())).await.unwrap();
    let failed = query_i64(
        s.dir.path(),
        &format!("SELECT COUNT(*) FROM jobs WHERE batch_id = {} AND status = 'failed' AND last_error = '{DECK_DELETED}'", gone_batch.id),
    );
    assert_eq!(failed, 6, "every job of the deleted deck failed with the reason");
    assert_eq!(query_i64(s.dir.path(), &format!("SELECT finished_at IS NOT NULL FROM batches WHERE id = {}", gone_batch.id)), 1);
    assert_eq!(s.fake.stats().requests, 4, "only the kept deck's words were made");
    assert_eq!(s.core.batch(kept_batch.id).unwrap().status, BatchStatus::Completed);
    assert!(s.core.snapshot().unwrap().providers.is_empty(), "a provider no kind uses is not shown as paused");
}
