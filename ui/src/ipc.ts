// The only module that talks to the shell: one typed function per command of docs/ipc.md (each
// through `call`, typed by the generated `Commands`), the one event, and media URLs. Everything else in the UI goes through `Ipc`, so tests can drive
// the app with `@tauri-apps/api/mocks` (or hand in a fake object of this shape).

import { convertFileSrc, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import {
  EVENT_NAME,
  type AppEvent,
  type Commands,
  type ErrorCode,
  type ExportFormat,
  type Folder,
  type IpcError,
  type MediaKind,
  type NewWord,
  type ProviderName,
  type ProviderSettings,
} from "./types";

/** Turns whatever a rejected invoke gave into `{ code, message }`. A rejection that is not the
 * shell's `{ code, message }` (Tauri refusing arguments, a missing command) is `app`. */
export function toIpcError(err: unknown): IpcError {
  if (err && typeof err === "object" && "message" in err) {
    const e = err as { code?: unknown; message: unknown };
    return { code: typeof e.code === "string" ? (e.code as ErrorCode) : "app", message: String(e.message) };
  }
  return { code: "app", message: typeof err === "string" ? err : String(err) };
}

/** The one typed `invoke`: the command's name fixes its arguments and its result (both
 * generated from the Rust command table), so neither can drift from the shell. */
export async function call<K extends keyof Commands>(cmd: K, args: Commands[K]["args"]): Promise<Commands[K]["result"]> {
  try {
    return await invoke<Commands[K]["result"]>(cmd, args);
  } catch (err) {
    throw toIpcError(err);
  }
}

export const ipc = {
  appInfo: () => call("app_info", {}),
  listDecks: () => call("list_decks", {}),
  createDeck: (name: string, language: string) => call("create_deck", { name, language }),
  renameDeck: (deckId: number, name: string) => call("rename_deck", { deckId, name }),
  deleteDeck: (deckId: number) => call("delete_deck", { deckId }),
  previewImport: (text: string) => call("preview_import", { text }),
  importWords: (deckId: number, text: string) => call("import_words", { deckId, text }),
  choosePackage: (deckId: number) => call("choose_package", { deckId }),
  importPackage: (deckId: number) => call("import_package", { deckId }),
  addWords: (deckId: number, words: NewWord[]) => call("add_words", { deckId, words }),
  deckMedia: (deckId: number, offset: number, limit: number) =>
    call("deck_media", { deckId, offset, limit }),
  updateWord: (wordId: number, text: string, translation: string | null) =>
    call("update_word", { wordId, text, translation }),
  setSentence: (wordId: number, sentence: string | null) => call("set_sentence", { wordId, sentence }),
  setDeckSlots: (deckId: number, slots: MediaKind[], translationLanguage: string | null) =>
    call("set_deck_slots", { deckId, slots, translationLanguage }),
  deleteWord: (wordId: number) => call("delete_word", { wordId }),
  planBatch: (deckId: number, kinds: MediaKind[]) => call("plan_batch", { deckId, kinds }),
  previewBatch: (deckId: number, kinds: MediaKind[]) => call("preview_batch", { deckId, kinds }),
  generate: (deckId: number, kinds: MediaKind[], force: boolean, confirmed: boolean) =>
    call("generate", { deckId, kinds, force, confirmed }),
  generateWord: (wordId: number, kinds: MediaKind[]) => call("generate_word", { wordId, kinds }),
  snapshot: () => call("snapshot", {}),
  batchFailures: (batchId: number) => call("batch_failures", { batchId }),
  undoable: (deckId: number, wordId: number | null) => call("undoable", { deckId, wordId }),
  retryBatchWith: (batchId: number, provider: ProviderName) => call("retry_batch_with", { batchId, provider }),
  regenerateWordWith: (wordId: number, kind: MediaKind, provider: ProviderName) => call("regenerate_word_with", { wordId, kind, provider }),
  providerChoices: () => call("provider_choices", {}),
  undoRegeneration: (deckId: number, wordId: number | null) => call("undo_regeneration", { deckId, wordId }),
  pictureChoices: (wordId: number) => call("picture_choices", { wordId }),
  findPhotos: (wordId: number) => call("find_photos", { wordId }),
  choosePicture: (wordId: number, candidateId: number) => call("choose_picture", { wordId, candidateId }),
  cancelBatch: (batchId: number) => call("cancel_batch", { batchId }),
  retryBatch: (batchId: number) => call("retry_batch", { batchId }),
  pauseBatch: (batchId: number, paused: boolean) => call("pause_batch", { batchId, paused }),
  pauseAll: (paused: boolean) => call("pause_all", { paused }),
  getSettings: () => call("get_settings", {}),
  saveSettings: (image: ProviderSettings, audio: ProviderSettings) =>
    call("save_settings", { image, audio }),
  setApiKey: (provider: ProviderName, key: string) => call("set_api_key", { provider, key }),
  deleteApiKey: (provider: ProviderName) => call("delete_api_key", { provider }),
  openFolder: (which: Folder) => call("open_folder", { which }),
  exportDeck: (deckId: number, format: ExportFormat) => call("export_deck", { deckId, format }),
  ankiPush: (deckId: number) => call("anki_push", { deckId }),
  voiceList: (language: string | null) => call("voice_list", { language }),
  voiceInstall: (key: string) => call("voice_install", { key }),
  voiceRemove: (key: string) => call("voice_remove", { key }),
  voiceSample: (key: string) => call("voice_sample", { key }),

  /** Subscribes to `deckmedia:event`; resolves to the unsubscribe function. */
  onEvent: (handler: (event: AppEvent) => void): Promise<() => void> =>
    listen<AppEvent>(EVENT_NAME, (e) => handler(e.payload)),

  /** The bytes of a media file (WebKitGTK's player cannot load asset: URLs; see playAudio). */
  readMedia: (path: string) => call("read_media", { path }),

  /** A URL the webview may load for a media file (the asset protocol). */
  mediaSrc: (path: string): string => convertFileSrc(path),
};

export type Ipc = typeof ipc;
