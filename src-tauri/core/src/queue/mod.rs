//! Batches and jobs: the job state machine, kept in the database.
//!
//! ```text
//! queued ──claim──▶ running ──ok──▶ done
//!    ▲                 │ retryable error ─▶ queued (next_run_at = backoff or Retry-After)
//!    │                 │ permanent error, or attempts used up ─▶ failed
//!    │                 │ provider's quota used up / key rejected ─▶ queued (no attempt;
//!    │                 │     the provider is paused until Resume or a new key)
//!    │                 │ cancel ─▶ cancelled
//!    └──── retry ◀── failed / cancelled        worker restart: running ─▶ queued (no attempt)
//! ```
//!
//! Every transition is one SQL transaction, and a batch's counters change in the same
//! transaction as its job rows. Settling is fenced by the claim's lease: a job that is no longer
//! `running` under that lease (cancelled, recovered, already settled) is left alone, so
//! settling twice is a no-op. A batch's status is derived from its counters and flags, never
//! stored on its own.

mod accounts;
mod claim;
mod control;
mod enqueue;
mod media_row;
mod read;
mod reconcile;
mod settle;
mod undo;

pub use accounts::{clear_all_providers, clear_provider, is_provider_paused, mark_provider, provider_states};
pub use claim::{claim, ClaimedJob, Lane};
pub use control::{cancel_batch, delete_word, prioritize_word, recover_running, retry_failed, set_batch_paused, set_global_paused, global_paused, jobs_no_longer_ours};
pub use enqueue::{enqueue, plan_rows, EnqueueOptions, PlanRow};
pub use media_row::{put_media, OnExisting};
pub use read::{batch_errors, batch_failures, batch_info, list_batches, media_of_deck, media_of_deck_page, next_due, outstanding, runnable_by_kind, Outstanding};
pub use reconcile::{reconcile, Reconciled, DECK_DELETED};
pub use settle::{settle, JobSettled, MediaRecord, Outcome, SettleReport};
pub use undo::{undo_last, undoable, Undone};

/// SQL: the text of word `w` that media of kind `kind` (an SQL expression naming a
/// [`crate::model::MediaKind`]) is made from: the word, its translation or its example sentence;
/// `''` when the word has none. Media remember it (`media.source_text`), so an edit of that text
/// makes them stale. Enqueueing, claiming and the deck view all ask here.
pub(crate) fn source_text_sql(kind: &str) -> String {
    format!("(CASE {kind} WHEN 'translation_audio' THEN COALESCE(w.translation, '') WHEN 'sentence_audio' THEN COALESCE(w.sentence, '') ELSE w.text END)")
}

/// SQL: the language media of kind `kind` is made in, for word `w` of deck `d`: the deck's
/// translation language (English when it names none) for the translation, else the word's.
pub(crate) fn language_sql(kind: &str) -> String {
    let default = crate::model::DEFAULT_TRANSLATION_LANGUAGE;
    format!(
        "(CASE WHEN {kind} = 'translation_audio' THEN (CASE WHEN d.translation_language <> '' THEN d.translation_language ELSE '{default}' END)
               WHEN w.language <> '' THEN w.language ELSE d.language END)"
    )
}
