-- Why a failed job failed, as a kind the summary counts (model::FailureKind); the message stays
-- in last_error. NULL for jobs that have not failed, and for jobs failed before this version.
ALTER TABLE jobs ADD COLUMN failure TEXT;
