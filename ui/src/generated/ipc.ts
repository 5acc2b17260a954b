// Generated from the Rust types by src-tauri/src/ipc_types.rs: do not edit.
// Refresh: DECKMEDIA_WRITE_TS=1 cargo test -p deckmedia-app --test app generated_typescript

/**
 * Which media a job makes: a deck's **slots**. A picture and the word's pronunciation, and two
 * more recordings a deck may ask for: its translation read aloud, and its example sentence.
 * Every audio slot is made by a voice (see [`MediaKind::medium`]), each with its own provider
 * settings (`[translation_audio]`, `[sentence_audio]`, else `[audio]`'s).
 */
export type MediaKind = "image" | "audio" | "translation_audio" | "sentence_audio";

/**
 * The state of a batch, derived from its jobs and flags (never stored on its own).
 */
export type BatchStatus = "pending" | "processing" | "paused" | "completed" | "failed" | "cancelled";

/**
 * The state of one word's media of one kind, as the deck view shows it.
 */
export type MediaStatus = "none" | "queued" | "running" | "done" | "failed" | "cancelled" | "waiting" | "missing" | "damaged";

/**
 * Which service makes a kind of media (`provider = …` in `config.toml`).
 */
export type ProviderKind = "offline" | "openai" | "elevenlabs" | "wikimedia" | "neural" | "openverse";

/**
 * What [`Core::export`] writes.
 */
export type ExportFormat = "apkg" | "csv";

/**
 * What kind of file an import is.
 */
export type ImportFormat = "list" | "table" | "anki_text" | "anki_package";

/**
 * A folder `open_folder` can show.
 */
export type Folder = "data" | "logs";

/**
 * The stable, machine-readable code of an error the desktop app reports as `{ code, message }`
 * (the wire strings are the snake_case names: `invalid_input`, `not_found`, …).
 */
export type ErrorCode = "invalid_input" | "not_found" | "io" | "database" | "schema" | "corrupt" | "config" | "worker_locked" | "anki_not_running" | "anki" | "needs_attention" | "confirm_cost" | "app";

/**
 * How a settle moved one job; serialised as the lower-case word the UI reads.
 */
export type JobOutcome = "done" | "failed" | "retrying" | "waiting" | "requeued" | "paused";

/**
 * Why a provider's account cannot be used until the user acts: its jobs wait, no attempt is
 * spent, and the other providers keep working.
 */
export type AccountState = "out_of_quota" | "key_rejected";

/**
 * Where a voice install stands, for progress events.
 */
export type VoiceInstallState = "downloading" | "installed" | "failed";

/**
 * Why the queue stopped, in words for the user.
 */
export type Attention = { 
/**
 * E.g. "Disk full: free space in /home/me/.local/share/deckmedia/media".
 */
reason: string, 
/**
 * When the fault began (ms since the Unix epoch).
 */
since_ms: number, };

/**
 * A provider whose jobs are paused until the user resumes it or saves a new key.
 */
export type ProviderState = { 
/**
 * The provider's name, e.g. `openai`, `elevenlabs`.
 */
provider: string, state: AccountState, 
/**
 * The provider's own words (short, secrets masked).
 */
message: string, 
/**
 * When it was noticed (ms since the Unix epoch).
 */
since: number, };

export type Deck = { id: number, name: string, language: string, word_count: number, created_at: number, 
/**
 * What "Generate" makes for this deck when not told which kinds (default: picture and the
 * word's pronunciation); sorted.
 */
slots: Array<MediaKind>, 
/**
 * The language of the deck's translations, for the translation-audio slot; empty = English
 * (what the picture providers already read translations as).
 */
translation_language: string, };

export type Word = { id: number, deck_id: number, text: string, language: string, translation: string | null, note: string | null, 
/**
 * An example sentence (the sentence-audio slot reads it).
 */
sentence: string | null, position: number, };

/**
 * A word to add to a deck (from an import or the UI).
 */
export type NewWord = { text: string, translation?: string | null, 
/**
 * Overrides the deck's language for this word.
 */
language?: string | null, note?: string | null, 
/**
 * An example sentence using the word.
 */
sentence?: string | null, };

/**
 * What `Core::add_words` did.
 */
export type AddWords = { added: number, already_there: number, };

/**
 * A deck in the deck list: its words and how many of them have each kind of media.
 */
export type DeckSummary = { id: number, name: string, language: string, word_count: number, created_at: number, images_done: number, audio_done: number, 
/**
 * Words whose latest picture job failed (and that have no picture).
 */
images_failed: number, audio_failed: number, 
/**
 * What "Generate" makes for this deck ([`crate::model::Deck::slots`]).
 */
slots: Array<MediaKind>, 
/**
 * The language of its translations (empty: English).
 */
translation_language: string, };

/**
 * One word's media of one kind, as `deckmedia media --json` reports it.
 */
export type MediaState = { 
/**
 * `none` when never requested, else the latest job's status (`queued`, `running`, `done`,
 * `failed`, `cancelled`); `done` also when media exists from an earlier batch; `missing`
 * or `damaged` when the recorded file is gone or has the wrong size.
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
warning: string | null, 
/**
 * The provider that made it (`wikimedia`, `offline`, …): for a chain, the member that did.
 */
provider: string | null, 
/**
 * Who made it and under which licence, when its licence asks for credit.
 */
attribution: Attribution | null, };

/**
 * The credit a piece of media needs (CC BY-SA recordings from Wikimedia Commons): stored with
 * the media (`media.attribution`, JSON), shown in the deck view and exported with it.
 */
export type Attribution = { 
/**
 * The speaker or author, as plain text (Commons' `Artist`, tags stripped).
 */
author: string, 
/**
 * The licence's short name, e.g. `CC BY-SA 4.0`.
 */
licence: string, licence_url: string | null, 
/**
 * The file's description page, e.g. `https://commons.wikimedia.org/wiki/File:…`.
 */
source_url: string, };

export type WordMedia = { word_id: number, text: string, 
/**
 * What a voice is given when it is not `text` as written: markup, cloze markers, sound
 * tags and furigana taken away, the deck's text rules applied ([`crate::clean`]).
 */
spoken: string | null, language: string, translation: string | null, sentence: string | null, image: MediaState, audio: MediaState, 
/**
 * The translation read aloud (the deck's `translation_audio` slot).
 */
translation_audio: MediaState, 
/**
 * The example sentence read aloud (the deck's `sentence_audio` slot).
 */
sentence_audio: MediaState, 
/**
 * A regeneration replaced this word's media and can be undone ("Undo" on the word).
 */
undoable: boolean, };

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
export type WordError = { word_id: number, text: string, kind: MediaKind, error: string, failure: FailureKind, };

/**
 * Why a job failed for good, as the batch summary counts it ("2 failed: 1 rejected by the
 * provider, 1 timed out"). Stored in `jobs.failure`; the message itself is in `last_error`.
 */
export type FailureKind = "rejected" | "no_match" | "timed_out" | "provider_error" | "unusable_text" | "not_saved" | "deleted" | "unknown";

/**
 * A batch's failures: the one-line summary ([`crate::wording::batch_summary`]) and each failed
 * word's reason, for the batch panel and `deckmedia errors`.
 */
export type BatchFailures = { summary: string, errors: Array<WordError>, };

/**
 * What an undo put back.
 */
export type Undone = { 
/**
 * The batch whose new media was taken back.
 */
batch_id: number, 
/**
 * Media files put back (a word's picture and recording count two).
 */
restored: number, };

/**
 * A provider a user may pick for one kind of media instead of the configured one.
 */
export type ProviderChoice = { kind: MediaKind, provider: ProviderKind, 
/**
 * Its name in Settings.
 */
label: string, };

/**
 * Where a candidate picture comes from (`picture_candidates.source`).
 */
export type PictureSource = "emoji" | "pictogram" | "photo" | "picture" | "word_card";

/**
 * One picture the word could have.
 */
export type PictureCandidate = { 
/**
 * What [`Core::choose_picture`] takes.
 */
id: number, source: PictureSource, 
/**
 * The provider that made it, as the media record will name it (`offline`, `wikimedia`, …).
 */
provider: string, 
/**
 * What it is, in words: "Emoji 🍎 red apple", "Photo from Wikimedia Commons".
 */
label: string, 
/**
 * The file, absolute (for the thumbnail).
 */
path: string, attribution: Attribution | null, 
/**
 * It is the word's picture now.
 */
current: boolean, };

/**
 * What the chooser shows for a word.
 */
export type PictureChoices = { word_id: number, 
/**
 * The current picture first, then the offline ones and photos; at most [`MAX_CANDIDATES`].
 */
candidates: Array<PictureCandidate>, 
/**
 * Photo providers that had nothing or could not answer, each with why ("Openverse: no
 * requests left this minute …").
 */
unavailable: Array<string>, };

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
delimiter: string | null, 
/**
 * Pictures and sounds the rows reference (an Anki package's media); 0 for text.
 */
media_files: number, };

/**
 * What an import brought into a deck.
 */
export type ImportReport = { 
/**
 * Words new to the deck.
 */
added: number, 
/**
 * Words the deck had already (same text): not added twice.
 */
already_there: number, 
/**
 * Notes of a package that gave no usable word.
 */
skipped: number, 
/**
 * Pictures and sounds from a package attached to words that had none.
 */
pictures: number, audio: number, 
/**
 * Referenced media left out: missing from the package, of an unknown type, or too large.
 */
media_skipped: number, 
/**
 * All of it in words, as every front end says it ([`crate::wording::import_summary`]).
 */
summary: string, };

/**
 * Everything a UI needs to draw the queue after it missed events.
 */
export type Snapshot = { paused: boolean, batches: Array<BatchInfo>, queued: number, running: number, 
/**
 * Set while the queue is stopped by a fault of this machine ("needs attention: <reason>").
 */
attention: Attention | null, 
/**
 * Providers whose jobs are paused until the user acts (quota used up, key rejected).
 */
providers: Array<ProviderState>, 
/**
 * This process's worker is waiting for a server it cannot reach (its jobs stay queued).
 */
waiting_for_network: boolean, };

/**
 * What a batch (or one kind of it) costs.
 */
export type Cost = { "type": "free" } | { "type": "estimated", amount: number, currency: string, } | { "type": "unknown" };

/**
 * One kind of media of a [`BatchPlan`].
 */
export type KindPlan = { kind: MediaKind, 
/**
 * The provider (and model, for a paid one), e.g. `openai tts-1`, `offline`.
 */
provider: string, 
/**
 * Words the provider is asked for.
 */
to_make: number, 
/**
 * Of those, words whose file is missing or damaged (made again).
 */
repair: number, 
/**
 * Skipped: media with these settings already exist for the word.
 */
existing: number, 
/**
 * Skipped: the same cleaned text has media in another deck (copied, no call).
 */
same_elsewhere: number, 
/**
 * Skipped: queued or running in another batch (left to it).
 */
in_other_batch: number, 
/**
 * Skipped: the word has no text for this kind (no sentence for sentence audio, no
 * translation for translation audio).
 */
no_text: number, 
/**
 * Characters of text sent (what speech is priced by).
 */
characters: number, cost: Cost, 
/**
 * The limits the app keeps for this provider, e.g. "4 at once, 60 a minute".
 */
limits: string, 
/**
 * This kind in one line ([`kind_plan_line`]).
 */
line: string, };

/**
 * What a batch would do.
 */
export type BatchPlan = { deck_id: number, deck: string, kinds: Array<KindPlan>, 
/**
 * All kinds together.
 */
cost: Cost, 
/**
 * Provider calls in all.
 */
calls: number, 
/**
 * The estimate is above `[cost] confirm_above` (or a paid provider's price is unknown for
 * more than [`CONFIRM_UNKNOWN_CALLS`] calls): ask before starting.
 */
confirm: boolean, 
/**
 * One line for the window, the tray and the CLI ([`plan_summary`]); the words live here, with the plan.
 */
summary: string, };

/**
 * One voice: installed, in the catalogue, or both.
 */
export type VoiceRow = { key: string, name: string, 
/**
 * `en_US`, `de_DE`, …
 */
language: string, 
/**
 * "English (United States)".
 */
language_name: string, quality: string, 
/**
 * On disk when installed, else the download.
 */
size_bytes: number, installed: boolean, 
/**
 * In the catalogue (installable).
 */
available: boolean, 
/**
 * Where it is installed.
 */
path?: string, };

/**
 * The voices Settings and `voice list` show, with where ONNX Runtime was found and why the
 * catalogue could not be read (installed voices are listed without it).
 */
export type VoiceList = { runtime: string | null, runtime_error: string | null, catalogue_url: string, catalogue_error: string | null, voices: Array<VoiceRow>, 
/**
 * For a list of one language: the voice to use ([`recommended`]).
 */
recommended: string | null, };

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
 * Seconds to wait for a connection (absent: the configured value, else 10).
 */
connect_timeout_secs?: number | null, 
/**
 * "…abcd" when a key is stored; ignored by `save_settings`.
 */
key_hint: string | null, 
/**
 * The server (`host[:port]`) a stored key is sent to: a key saved for another server is
 * not used (output only).
 */
key_host?: string | null, 
/**
 * A warning about the base URL, e.g. plain `http://` on the local network (output only).
 */
url_warning?: string | null, };

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
 * unreachable: queued until the network returns), `paused` (its provider's account
 * needs the user: see `ProviderAccount`) or `requeued` (the worker stopped, or the disk
 * is full).
 */
outcome: JobOutcome, error: string | null, } | { "type": "BatchFinished", batch_id: number, status: BatchStatus, completed: number, failed: number, cancelled: number, total: number, summary: string, } | { "type": "QueueState", running: number, paused: boolean, waiting_for_network: boolean, } | { "type": "QueueAttention", attention: Attention | null, } | { "type": "ProviderAccount", provider: string, state: AccountState | null, message: string | null, } | { "type": "VoiceInstall", key: string, state: VoiceInstallState, bytes_done: number, bytes_total: number, 
/**
 * Estimated seconds left, from this install's speed.
 */
eta_seconds: number | null, eta_text: string | null, 
/**
 * Why it failed (`state: failed`).
 */
error: string | null, };

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

/** Every provider: its label, whether it needs an API key (or can use one: Openverse's optional token), the media it makes. */
export const PROVIDER_KINDS: { kind: ProviderKind; label: string; needsKey: boolean; takesKey: boolean; keyNote: string | null; makes: MediaKind[] }[] = [
  { kind: "offline", label: "Offline (built in)", needsKey: false, takesKey: false, keyNote: null, makes: ["image", "audio", "translation_audio", "sentence_audio"] },
  { kind: "openai", label: "OpenAI-compatible", needsKey: true, takesKey: true, keyNote: null, makes: ["image", "audio", "translation_audio", "sentence_audio"] },
  { kind: "elevenlabs", label: "ElevenLabs", needsKey: true, takesKey: true, keyNote: null, makes: ["audio", "translation_audio", "sentence_audio"] },
  { kind: "wikimedia", label: "Wikimedia (human recordings, licensed photos)", needsKey: false, takesKey: false, keyNote: null, makes: ["image", "audio", "translation_audio", "sentence_audio"] },
  { kind: "neural", label: "Neural voices (installed Piper voices)", needsKey: false, takesKey: false, keyNote: null, makes: ["audio", "translation_audio", "sentence_audio"] },
  { kind: "openverse", label: "Openverse (licensed photos)", needsKey: false, takesKey: true, keyNote: "Token (optional: raises the limits from 20 requests a minute and 200 a day to 100 and 10,000)", makes: ["image"] },
];

/** Each kind of media as people read it (the core's `wording::kind_name`). */
export const MEDIA_KIND_NAMES: Record<MediaKind, string> = {
  image: "pictures",
  audio: "audio",
  translation_audio: "translation audio",
  sentence_audio: "sentence audio",
};

/** Every command: its arguments (camelCase, as `invoke` takes them) and what it resolves with. */
export type Commands = {
  app_info: { args: Record<string, never>; result: AppInfo };
  list_decks: { args: Record<string, never>; result: Array<DeckSummary> };
  create_deck: { args: { name: string; language: string }; result: Deck };
  rename_deck: { args: { deckId: number; name: string }; result: Deck };
  delete_deck: { args: { deckId: number }; result: null };
  preview_import: { args: { text: string }; result: ImportPreview };
  import_words: { args: { deckId: number; text: string }; result: AddWords };
  choose_package: { args: { deckId: number }; result: ImportPreview | null };
  import_package: { args: { deckId: number }; result: ImportReport };
  add_words: { args: { deckId: number; words: Array<NewWord> }; result: AddWords };
  deck_media: { args: { deckId: number; offset: number; limit: number }; result: MediaPage };
  update_word: { args: { wordId: number; text: string; translation: string | null }; result: Word };
  set_sentence: { args: { wordId: number; sentence: string | null }; result: Word };
  set_deck_slots: { args: { deckId: number; slots: Array<MediaKind>; translationLanguage: string | null }; result: Deck };
  delete_word: { args: { wordId: number }; result: null };
  read_media: { args: { path: string }; result: ArrayBuffer };
  plan_batch: { args: { deckId: number; kinds: Array<MediaKind> }; result: BatchPlan };
  preview_batch: { args: { deckId: number; kinds: Array<MediaKind> }; result: BatchInfo };
  generate: { args: { deckId: number; kinds: Array<MediaKind>; force: boolean; confirmed: boolean }; result: BatchInfo };
  generate_word: { args: { wordId: number; kinds: Array<MediaKind> }; result: BatchInfo };
  snapshot: { args: Record<string, never>; result: Snapshot };
  batch_failures: { args: { batchId: number }; result: BatchFailures };
  undoable: { args: { deckId: number; wordId: number | null }; result: number | null };
  retry_batch_with: { args: { batchId: number; provider: ProviderKind }; result: BatchInfo };
  regenerate_word_with: { args: { wordId: number; kind: MediaKind; provider: ProviderKind }; result: BatchInfo };
  provider_choices: { args: Record<string, never>; result: Array<ProviderChoice> };
  undo_regeneration: { args: { deckId: number; wordId: number | null }; result: Undone | null };
  picture_choices: { args: { wordId: number }; result: PictureChoices };
  find_photos: { args: { wordId: number }; result: PictureChoices };
  choose_picture: { args: { wordId: number; candidateId: number }; result: null };
  cancel_batch: { args: { batchId: number }; result: BatchInfo };
  retry_batch: { args: { batchId: number }; result: BatchInfo };
  pause_batch: { args: { batchId: number; paused: boolean }; result: BatchInfo };
  pause_all: { args: { paused: boolean }; result: null };
  get_settings: { args: Record<string, never>; result: Settings };
  save_settings: { args: { image: ProviderSettings; audio: ProviderSettings }; result: Settings };
  set_api_key: { args: { provider: ProviderKind; key: string }; result: string };
  delete_api_key: { args: { provider: ProviderKind }; result: boolean };
  open_folder: { args: { which: Folder }; result: null };
  export_deck: { args: { deckId: number; format: ExportFormat }; result: null };
  anki_push: { args: { deckId: number }; result: null };
  voice_list: { args: { language: string | null }; result: VoiceList };
  voice_install: { args: { key: string }; result: null };
  voice_remove: { args: { key: string }; result: boolean };
  voice_sample: { args: { key: string }; result: string };
};
