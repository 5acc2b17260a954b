//! States read from the database are enums: a value this version does not know is
//! `Error::Corrupt` naming it, never guessed at or skipped.

use deckmedia_core::config::Config;
use deckmedia_core::{Core, Error, MediaKind, MediaStatus};

fn core_with_batch() -> (tempfile::TempDir, Core, i64, i64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let core = Core::open_with_config(dir.path(), Config::default()).expect("open core");
    let deck = core.create_deck("D", "es").expect("deck");
    core.add_words(deck.id, &[deckmedia_core::NewWord { text: "uno".into(), ..Default::default() }]).expect("words");
    let batch = core.generate(deck.id, &[MediaKind::Image], false).expect("batch");
    (dir, core, deck.id, batch.id)
}

fn db(dir: &tempfile::TempDir) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.path().join("deckmedia.sqlite3")).expect("db");
    // Writes what the schema's CHECKs would refuse, as a newer version or a damaged file might.
    conn.execute_batch("PRAGMA ignore_check_constraints = ON").expect("pragma");
    conn
}

fn assert_corrupt<T: std::fmt::Debug>(r: deckmedia_core::Result<T>, value: &str) {
    match r {
        Err(Error::Corrupt(u)) => assert_eq!(u.value, value),
        other => panic!("expected Error::Corrupt naming '{value}', got {other:?}"),
    }
}

#[test]
fn an_unknown_media_kind_of_a_batch_is_an_error_not_a_skipped_kind() {
    let (dir, core, _, batch) = core_with_batch();
    db(&dir).execute("UPDATE batches SET kinds = 'image,video' WHERE id = ?1", [batch]).expect("update");
    assert_corrupt(core.batch(batch), "video");
    assert_corrupt(core.batches(), "video");
    let e = core.snapshot().expect_err("snapshot of a corrupt batch");
    assert_eq!(e.code(), deckmedia_core::error::ErrorCode::Corrupt);
    assert!(e.to_string().contains("unknown media kind 'video'"), "{e}");
}

#[test]
fn an_unknown_job_status_is_an_error_not_a_guess() {
    let (dir, core, deck, _) = core_with_batch();
    assert_eq!(core.media_page(deck, 0, 10).expect("page").items[0].image.status, MediaStatus::Queued);
    db(&dir).execute("UPDATE jobs SET status = 'paused'", []).expect("update");
    assert_corrupt(core.media_page(deck, 0, 10), "paused");
    assert_corrupt(core.media_of_deck(deck), "paused");
}

#[test]
fn an_unknown_job_kind_is_an_error_in_every_read() {
    let (dir, core, deck, batch) = core_with_batch();
    db(&dir).execute("UPDATE jobs SET kind = 'video', status = 'failed', last_error = 'x'", []).expect("update");
    assert_corrupt(core.batch_errors(batch), "video");
    assert_corrupt(core.media_page(deck, 0, 10), "video");
}

#[test]
fn a_failure_kind_is_read_as_written_and_an_unknown_one_is_an_error() {
    let (dir, core, _, batch) = core_with_batch();
    // Failed before schema 006: no kind recorded, said so rather than guessed.
    db(&dir).execute("UPDATE jobs SET status = 'failed', last_error = 'HTTP 500', failure = NULL", []).expect("update");
    let errors = core.batch_errors(batch).expect("errors");
    assert_eq!(errors.iter().map(|e| e.failure).collect::<Vec<_>>(), vec![deckmedia_core::FailureKind::Unknown]);
    db(&dir).execute("UPDATE jobs SET failure = 'no_match'", []).expect("update");
    assert_eq!(core.batch_errors(batch).expect("errors")[0].failure, deckmedia_core::FailureKind::NoMatch);
    db(&dir).execute("UPDATE jobs SET failure = 'exploded'", []).expect("update");
    assert_corrupt(core.batch_errors(batch), "exploded");
}
