// Generated from the Rust types by src-tauri/src/ipc_types.rs: do not edit.
// Refresh: DECKMEDIA_WRITE_TS=1 cargo test -p deckmedia-app --test app generated_typescript

/**
 * Which media a job makes.
 */
export type MediaKind = "image" | "audio";

/**
 * The state of a batch, derived from its jobs and flags (never stored on its own).
 */
export type BatchStatus = "pending" | "processing" | "paused" | "completed" | "failed" | "cancelled";

/**
 * The state of one word's media of one kind, as the deck view shows it.
 */
export type MediaStatus = "none" | "queued" | "running" | "done" | "failed" | "cancelled" | "waiting";

/**
 * Which service makes a kind of media (`provider = …` in `config.toml`).
 */
export type ProviderKind = "offline" | "openai" | "elevenlabs";

/**
 * What [`Core::export`] writes.
 */
export type ExportFormat = "apkg" | "csv";

/**
 * What kind of file an import is.
 */
export type ImportFormat = "list" | "table" | "anki_text";

/**
 * A folder `open_folder` can show.
 */
export type Folder = "data" | "logs";

/**
 * The stable, machine-readable code of an error the desktop app reports as `{ code, message }`
 * (the wire strings are the snake_case names: `invalid_input`, `not_found`, …).
 */
export type ErrorCode = "invalid_input" | "not_found" | "io" | "database" | "schema" | "corrupt" | "config" | "worker_locked" | "anki_not_running" | "anki" | "app";

export type Deck = { id: number, name: string, language: string, word_count: number, created_at: number, };

export type Word = { id: number, deck_id: number, text: string, language: string, translation: string | null, note: string | null, position: number, };

/**
 * A word to add to a deck (from an import or the UI).
 */
export type NewWord = { text: string, translation?: string | null, 
/**
 * Overrides the deck's language for this word.
 */
language?: string | null, note?: string | null, };

/**
 * What `add_words` did.
 */
export type AddWords = { added: number, already_there: number, };

/**
 * A deck in the deck list: its words and how many of them have each kind of media.
 */
export type DeckSummary = { id: number, name: string, language: string, word_count: number, created_at: number, images_done: number, audio_done: number, 
/**
 * Words whose latest picture job failed (and that have no picture).
 */
images_failed: number, audio_failed: number, };

/**
 * One word's media of one kind, as `deckmedia media --json` reports it.
 */
export type MediaState = { 
/**
 * `none` when never requested, else the latest job's status; `done` also when media exists
 * from an earlier batch.
 */
status: MediaStatus, 
/**
 * Absolute path of the file, when there is one.
 */
path: string | null, error: string | null, 
/**
 * The word changed since this media was made.
 */
stale: boolean, 
/**
 * Something to know about this media (e.g. the offline voice reads kanji badly).
 */
warning: string | null, };

export type WordMedia = { word_id: number, text: string, language: string, translation: string | null, image: MediaState, audio: MediaState, };

/**
 * Words `offset..offset + items.len()` of a deck of `total` words.
 */
export type MediaPage = { total: number, offset: number, items: Array<WordMedia>, };

/**
 * A batch as users see it: the seed's `GenerationTask`.
 */
export type BatchInfo = { id: number, deck_id: number, deck: string, kinds: Array<MediaKind>, status: BatchStatus, 
/**
 * Percent, 0..=100 (not a fraction): settled words over total words, 100 for an empty batch.
 */
progress: number, total_words: number, completed_words: number, failed_words: number, cancelled_words: number, 
/**
 * Words whose media already existed and was reused without a provider call.
 */
reused_jobs: number, total_jobs: number, done_jobs: number, failed_jobs: number, cancelled_jobs: number, paused: boolean, created_at: number, updated_at: number, finished_at: number | null, };

/**
 * Why one word of a batch failed.
 */
export type WordError = { word_id: number, text: string, kind: MediaKind, error: string, };

/**
 * A row that cannot be imported, by its line number (1-based, in the file).
 */
export type RowError = { line: number, reason: string, };

/**
 * What an import would do, for the UI to show before importing.
 */
export type ImportPreview = { 
/**
 * Good rows (words that would be imported when there are no errors).
 */
total: number, 
/**
 * The first good rows.
 */
rows: Array<NewWord>, 
/**
 * Bad rows, in file order, at most [`MAX_PREVIEW_ERRORS`].
 */
errors: Array<RowError>, 
/**
 * Every bad row, counted (`errors` may be shorter).
 */
error_count: number, 
/**
 * The fields found, in this order: `word`, then `translation`, `language`, `note` when the
 * file has them (`["word"]` for a plain list).
 */
columns: Array<string>, format: ImportFormat, 
/**
 * The field separator (`","`, `";"`, `"\t"`, …) of a table or Anki export; `null` for a list.
 */
delimiter: string | null, };

/**
 * Everything a UI needs to draw the queue after it missed events.
 */
export type Snapshot = { paused: boolean, batches: Array<BatchInfo>, queued: number, running: number, };

/**
 * The queue as the database has it, plus whether the worker is waiting for the network
 * (known from its last `QueueState`), for a UI that missed events.
 */
export type SnapshotDto = { waiting_for_network: boolean, paused: boolean, batches: Array<BatchInfo>, queued: number, running: number, };

/**
 * Name, version and folders of this Deck Media, and how many batches resumed at start.
 */
export type AppInfo = { name: string, version: string, data_dir: string, log_dir: string, resumed_batches: number, };

/**
 * One media kind's provider settings as the settings page shows them. The key is never sent:
 * only a hint that one is stored.
 */
export type ProviderSettings = { provider: ProviderKind, base_url: string, model: string, voice: string, size: string, format: string, max_concurrency: number, requests_per_minute: number, timeout_secs: number, 
/**
 * "…abcd" when a key is stored; ignored by `save_settings`.
 */
key_hint: string | null, };

export type Settings = { image: ProviderSettings, audio: ProviderSettings, data_dir: string, log_dir: string, key_store: string, key_store_warning: string | null, };

/**
 * The error every command rejects with: a stable `code` for the UI and a message fit to show.
 */
export type IpcError = { code: ErrorCode, message: string, };

/**
 * An event of the core (`CoreEvent` in TypeScript, apart from the DOM's `Event`).
 */
export type CoreEvent = { "type": "BatchProgress", batch_id: number, status: BatchStatus, completed: number, failed: number, cancelled: number, total: number, 
/**
 * Estimated seconds left, from this run's pace; `None` until there is a pace.
 */
eta_seconds: number | null, 
/**
 * `eta_seconds` in words ([`crate::wording::eta`]: "~2 min left"), for every front end
 * to show the same.
 */
eta_text: string | null, } | { "type": "JobFinished", batch_id: number, job_id: number, word_id: number, kind: MediaKind, 
/**
 * `done`, `failed`, `retrying` (queued again after an error), `waiting` (its server is
 * unreachable: queued until the network returns) or `requeued` (the worker stopped).
 */
outcome: string, error: string | null, } | { "type": "BatchFinished", batch_id: number, status: BatchStatus, completed: number, failed: number, cancelled: number, total: number, } | { "type": "QueueState", running: number, paused: boolean, waiting_for_network: boolean, };

/**
 * Events of the shell itself (see docs/ipc.md).
 */
export type ShellEvent = { "type": "Resync" } | { "type": "Resumed", batches: number, } | { "type": "TaskProgress", task_id: number, label: string, done: number, total: number, } | { "type": "TaskFinished", task_id: number, label: string, ok: boolean, message: string, };

/**
 * What goes out on [`EVENT`]: a core event or a shell event, both tagged by `type`.
 */
export type AppEvent = CoreEvent | ShellEvent;

/** The name of the one Tauri event; its payload is an AppEvent. */
export const EVENT_NAME = "deckmedia:event";

/** Every command: its arguments (camelCase, as `invoke` takes them) and what it resolves with. */
export type Commands = {
  app_info: { args: Record<string, never>; result: AppInfo };
  list_decks: { args: Record<string, never>; result: Array<DeckSummary> };
  create_deck: { args: { name: string; language: string }; result: Deck };
  rename_deck: { args: { deckId: number; name: string }; result: Deck };
  delete_deck: { args: { deckId: number }; result: null };
  preview_import: { args: { text: string }; result: ImportPreview };
  import_words: { args: { deckId: number; text: string }; result: AddWords };
  add_words: { args: { deckId: number; words: Array<NewWord> }; result: AddWords };
  deck_media: { args: { deckId: number; offset: number; limit: number }; result: MediaPage };
  update_word: { args: { wordId: number; text: string; translation: string | null }; result: Word };
  delete_word: { args: { wordId: number }; result: null };
  read_media: { args: { path: string }; result: ArrayBuffer };
  generate: { args: { deckId: number; kinds: Array<MediaKind>; force: boolean }; result: BatchInfo };
  generate_word: { args: { wordId: number; kinds: Array<MediaKind> }; result: BatchInfo };
  snapshot: { args: Record<string, never>; result: SnapshotDto };
  batch_errors: { args: { batchId: number }; result: Array<WordError> };
  cancel_batch: { args: { batchId: number }; result: BatchInfo };
  retry_batch: { args: { batchId: number }; result: BatchInfo };
  pause_batch: { args: { batchId: number; paused: boolean }; result: BatchInfo };
  pause_all: { args: { paused: boolean }; result: null };
  get_settings: { args: Record<string, never>; result: Settings };
  save_settings: { args: { image: ProviderSettings; audio: ProviderSettings }; result: Settings };
  set_api_key: { args: { provider: ProviderKind; key: string }; result: string };
  delete_api_key: { args: { provider: ProviderKind }; result: boolean };
  open_folder: { args: { which: Folder }; result: null };
  export_deck: { args: { deckId: number; format: ExportFormat; path: string | null }; result: null };
  anki_push: { args: { deckId: number }; result: null };
};
