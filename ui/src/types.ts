// The IPC types of docs/ipc.md, as the shell sends them (snake_case fields). Kept in step with
// that document by hand; nothing here is invented by the UI.

export type MediaKind = "image" | "audio";
export const MEDIA_KINDS: readonly MediaKind[] = ["image", "audio"];

export type BatchStatus = "pending" | "processing" | "paused" | "completed" | "failed" | "cancelled";

export interface DeckSummary {
  id: number;
  name: string;
  language: string;
  word_count: number;
  created_at: number;
  images_done: number;
  audio_done: number;
  images_failed: number;
  audio_failed: number;
}

export interface Deck {
  id: number;
  name: string;
  language: string;
  word_count: number;
  created_at: number;
}

export interface Word {
  id: number;
  deck_id: number;
  text: string;
  language: string;
  translation: string | null;
  note: string | null;
  position: number;
}

export interface NewWord {
  text: string;
  translation?: string | null;
  language?: string | null;
  note?: string | null;
}

export interface AddWords {
  added: number;
  already_there: number;
}

/** "missing" / "damaged": recorded as made, but the file is gone or not what was stored. */
export type MediaStatus = "none" | "queued" | "running" | "done" | "failed" | "cancelled" | "waiting" | "missing" | "damaged";

export interface MediaState {
  status: MediaStatus | string;
  path: string | null;
  error: string | null;
  stale: boolean;
  warning: string | null;
}

export interface WordMedia {
  word_id: number;
  text: string;
  language: string;
  translation: string | null;
  image: MediaState;
  audio: MediaState;
}

export interface MediaPage {
  total: number;
  offset: number;
  items: WordMedia[];
}

export interface BatchInfo {
  id: number;
  deck_id: number;
  deck: string;
  kinds: MediaKind[];
  status: BatchStatus;
  progress: number;
  total_words: number;
  completed_words: number;
  failed_words: number;
  cancelled_words: number;
  reused_jobs: number;
  total_jobs: number;
  done_jobs: number;
  failed_jobs: number;
  cancelled_jobs: number;
  paused: boolean;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

/** The queue is stopped by a fault of this machine (full disk, locked database). */
export interface Attention {
  reason: string;
  since_ms: number;
}

/** Why a provider's jobs are paused until the user acts. */
export type AccountState = "out_of_quota" | "key_rejected";

export interface ProviderState {
  provider: string;
  state: AccountState;
  /** The provider's own words. */
  message: string;
  since: number;
}

export interface Snapshot {
  paused: boolean;
  /** Set while the queue needs attention. */
  attention?: Attention | null;
  batches: BatchInfo[];
  queued: number;
  running: number;
  /** Providers paused for their account (quota used up, key rejected). Always sent by the core. */
  providers?: ProviderState[];
  /** Requested by the UI (docs/ipc.md); optional until the shell sends it. */
  waiting_for_network?: boolean;
}

export interface WordError {
  word_id: number;
  text: string;
  kind: MediaKind;
  error: string;
}

export interface ImportPreview {
  /** Good rows. */
  total: number;
  /** The first good rows (20). */
  rows: NewWord[];
  /** Bad rows by line (the core lists at most 100). */
  errors: { line: number; reason: string }[];
  columns: string[];
  /** The core sends these too (not in docs/ipc.md's table yet), so they are optional here. */
  error_count?: number;
  format?: "list" | "table" | "anki_text";
  delimiter?: string | null;
}

export type ProviderName = "offline" | "openai" | "elevenlabs";

export interface ProviderSettings {
  provider: ProviderName;
  base_url: string;
  model: string;
  voice: string;
  size: string;
  format: string;
  max_concurrency: number;
  requests_per_minute: number;
  timeout_secs: number;
  connect_timeout_secs?: number | null;
  key_hint: string | null;
  /** The server a stored key is sent to (output only). */
  key_host?: string | null;
  /** E.g. plain http:// on the local network (output only). */
  url_warning?: string | null;
}

export interface Settings {
  image: ProviderSettings;
  audio: ProviderSettings;
  data_dir: string;
  log_dir: string;
  key_store: string;
  key_store_warning: string | null;
}

export interface AppInfo {
  name: string;
  version: string;
  data_dir: string;
  log_dir: string;
  /** Requested by the UI (docs/ipc.md): batches resumed at this launch, in case `Resumed` was sent before the page listened. */
  resumed_batches?: number;
}

/** What every command rejects with. */
export interface IpcError {
  code: string;
  message: string;
}

export type JobOutcome = "done" | "failed" | "retrying" | "waiting" | "requeued";

/** The payload of the one event, `deckmedia:event`. */
export type AppEvent =
  | {
      type: "BatchProgress";
      batch_id: number;
      status: BatchStatus;
      completed: number;
      failed: number;
      cancelled: number;
      total: number;
      eta_seconds: number | null;
    }
  | {
      type: "JobFinished";
      batch_id: number;
      job_id: number;
      word_id: number;
      kind: MediaKind;
      outcome: JobOutcome;
      error: string | null;
    }
  | {
      type: "BatchFinished";
      batch_id: number;
      status: BatchStatus;
      completed: number;
      failed: number;
      cancelled: number;
      total: number;
    }
  | { type: "QueueState"; running: number; paused: boolean; waiting_for_network: boolean }
  | { type: "QueueAttention"; attention: Attention | null }
  | { type: "ProviderAccount"; provider: string; state: AccountState | null; message: string | null }
  | { type: "Resync" }
  | { type: "Resumed"; batches: number }
  | { type: "TaskProgress"; task_id: number; label: string; done: number; total: number }
  | { type: "TaskFinished"; task_id: number; label: string; ok: boolean; message: string };

export const EVENT_NAME = "deckmedia:event";
