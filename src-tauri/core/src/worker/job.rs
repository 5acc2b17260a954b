//! One job: reuse cached media, or ask the provider and store the file. It returns what the
//! loop must do with the job ([`JobEnd`]) and never touches the database.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::clock::WallClock;
use super::health::local_io_reason;
use crate::config::QueueConfig;
use crate::error::Error;
use crate::limits::{backoff, Finish, RateReport};
use crate::media::MediaStore;
use crate::model::{FailureKind, JobId, MediaKind};
use crate::providers::{MediaBytes, MediaRequest, ProviderError, ProviderSlot};
use crate::queue::{ClaimedJob, MediaRecord, Outcome};

/// What a job needs besides itself.
pub struct JobContext {
    pub slot: ProviderSlot,
    pub media: MediaStore,
    pub queue: QueueConfig,
    pub clock: WallClock,
}

/// How a job ended, for the loop (one per job, moved once: not worth a box).
#[allow(clippy::large_enum_variant)]
pub enum JobEnd {
    /// Settle this outcome.
    Settle(Outcome),
    /// The provider made the media (paid for) but the file could not be written for a fault
    /// of this machine: the loop keeps the bytes and writes them when space is back.
    Unwritten { write: PendingWrite, reason: String },
}

/// Media made but not yet written.
pub struct PendingWrite {
    pub job: JobId,
    pub kind: MediaKind,
    /// The attempt this was (for the backoff if writing fails for another reason).
    pub attempt: u32,
    pub media: MediaBytes,
    /// The record to settle, without the file's place (filled in when written).
    pub record: MediaRecord,
}

impl PendingWrite {
    pub fn size(&self) -> usize {
        self.media.bytes.len()
    }
}

/// How writing a [`PendingWrite`] went.
#[allow(clippy::large_enum_variant)]
pub enum Written {
    Done(Outcome),
    /// A fault of this machine: keep the bytes.
    Local(PendingWrite, String),
    /// Another error: an ordinary retry.
    Failed { job: JobId, attempt: u32, error: String },
}

/// Runs one job. `release` is called once, as soon as the provider slot is free.
pub async fn run_job(job: ClaimedJob, ctx: &JobContext, cancel: &CancellationToken, release: impl FnOnce(Finish, Vec<RateReport>)) -> JobEnd {
    if let Some(cached) = job.cached.clone() {
        let m = ctx.media.clone();
        let ok = tokio::task::spawn_blocking(move || m.verify(&cached.rel_path, &cached.sha256).then_some(cached)).await;
        if let Ok(Some(cached)) = ok {
            release(Finish::Other, Vec::new());
            return JobEnd::Settle(Outcome::Done { job: job.id, media: cached, reused: true });
        }
    }
    let attempt = job.attempts + 1;
    if let Some(why) = &job.unusable {
        release(Finish::Other, Vec::new());
        return JobEnd::Settle(Outcome::Fail { job: job.id, error: why.clone(), failure: FailureKind::UnusableText });
    }
    // The provider hears what it makes (a picture, speech), not which slot it is for.
    let request = MediaRequest { kind: job.kind.medium(), text: job.text.clone(), language: job.language.clone(), translation: job.translation.clone() };
    let result = ctx.slot.provider.generate(&request, cancel).await;
    let budget = ctx.slot.provider.take_rate_reports();
    release(finish_of(&result), budget);
    let bytes = match result {
        Ok(bytes) => bytes,
        Err(e) => return JobEnd::Settle(outcome_of_error(job.id, attempt, e, ctx)),
    };
    let record = MediaRecord {
        rel_path: String::new(),
        sha256: String::new(),
        mime: bytes.mime.clone(),
        bytes: 0,
        // A chain's media names the member that made it.
        provider: bytes.provider.clone().unwrap_or_else(|| ctx.slot.provider.name().to_string()),
        settings_key: job.settings_key.clone(),
        cache_key: job.cache_key.clone(),
        source_text: job.source_text.clone(),
        warning: bytes.warning.clone().or_else(|| ctx.slot.provider.warning(&request)),
        attribution: bytes.attribution.clone(),
    };
    let write = PendingWrite { job: job.id, kind: job.kind, attempt, media: bytes, record };
    match write_pending(write, ctx.media.clone()).await {
        Written::Done(outcome) => JobEnd::Settle(outcome),
        Written::Local(write, reason) => JobEnd::Unwritten { write, reason },
        Written::Failed { job, attempt, error } => JobEnd::Settle(retry_outcome(job, attempt, error, FailureKind::NotSaved, ctx)),
    }
}

/// Writes made media to the store (on a blocking thread).
pub async fn write_pending(write: PendingWrite, media: MediaStore) -> Written {
    let (job, attempt) = (write.job, write.attempt);
    let folder = media.folder();
    let res = tokio::task::spawn_blocking(move || {
        let r = media.write(write.kind, &write.media.ext, &write.media.bytes);
        (write, r)
    })
    .await;
    match res {
        Ok((mut w, Ok(file))) => {
            w.record.rel_path = file.rel_path;
            w.record.sha256 = file.sha256;
            w.record.bytes = file.bytes as i64;
            Written::Done(Outcome::Done { job: w.job, media: w.record, reused: false })
        }
        Ok((w, Err(e))) => match &e {
            Error::Io { cause, .. } => match local_io_reason(cause, &folder) {
                Some(reason) => Written::Local(w, reason),
                None => Written::Failed { job, attempt, error: format!("could not save the file: {e}") },
            },
            _ => Written::Failed { job, attempt, error: format!("could not save the file: {e}") },
        },
        Err(e) => Written::Failed { job, attempt, error: format!("could not save the file: {e}") },
    }
}

/// A retry after the backoff of attempt `attempt`; `failure` if it was the last.
pub fn retry_outcome(job: JobId, attempt: u32, error: String, failure: FailureKind, ctx: &JobContext) -> Outcome {
    Outcome::Retry { job, error, next_run_at: ctx.clock.now_ms() + retry_delay(&ctx.queue, attempt).as_millis() as i64, failure }
}

fn retry_delay(cfg: &QueueConfig, attempt: u32) -> Duration {
    backoff(attempt, Duration::from_millis(cfg.backoff_base_ms), Duration::from_millis(cfg.backoff_max_ms), rand::random::<f64>())
}

/// What the provider's answer means for its slot.
fn finish_of(result: &Result<MediaBytes, ProviderError>) -> Finish {
    match result {
        Ok(_) => Finish::Success,
        Err(ProviderError::Unreachable { .. }) => Finish::Unreachable,
        Err(ProviderError::Retryable { retry_after: Some(after), .. }) => Finish::RetryAfter(*after),
        Err(ProviderError::Retryable { rate_limited: true, .. }) => Finish::RateLimited,
        Err(_) => Finish::Other,
    }
}

/// What a provider's error means for the job.
fn outcome_of_error(job: JobId, attempt: u32, e: ProviderError, ctx: &JobContext) -> Outcome {
    let now = ctx.clock.now_ms();
    match e {
        // The server said "too many, come back then" (429 or MediaWiki's maxlag with
        // Retry-After): not the word's fault, so no attempt is spent; the slot is paused too.
        ProviderError::Retryable { retry_after: Some(after), rate_limited: true, .. } => Outcome::Requeue { job, next_run_at: now + after.as_millis() as i64, error: None },
        ProviderError::Retryable { message, retry_after: Some(after), .. } => {
            Outcome::Retry { job, error: message, next_run_at: now + after.as_millis() as i64, failure: FailureKind::ProviderError }
        }
        ProviderError::Retryable { message, retry_after: None, .. } => retry_outcome(job, attempt, message, FailureKind::ProviderError, ctx),
        ProviderError::TimedOut { message } => retry_outcome(job, attempt, message, FailureKind::TimedOut, ctx),
        ProviderError::Permanent { message } => Outcome::Fail { job, error: message, failure: FailureKind::Rejected },
        // Nothing to make (no recording of the word, and no chain member after it): asking again
        // would find the same nothing.
        ProviderError::NoMatch { message } => Outcome::Fail { job, error: message, failure: FailureKind::NoMatch },
        ProviderError::Unreachable { message } => Outcome::Requeue { job, next_run_at: now, error: Some(format!("waiting for the network: {message}")) },
        ProviderError::Account { state, message } => Outcome::ProviderPaused { job, provider: ctx.slot.provider.name().to_string(), state, message },
        ProviderError::Cancelled => Outcome::Requeue { job, next_run_at: now, error: None },
    }
}
