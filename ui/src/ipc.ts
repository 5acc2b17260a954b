// The only module that talks to the shell: one typed function per command of docs/ipc.md, the
// one event, and media URLs. Everything else in the UI goes through `Ipc`, so tests can drive
// the app with `@tauri-apps/api/mocks` (or hand in a fake object of this shape).

import { convertFileSrc, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import {
  EVENT_NAME,
  type AddWords,
  type AppEvent,
  type AppInfo,
  type BatchInfo,
  type Deck,
  type DeckSummary,
  type ImportPreview,
  type IpcError,
  type MediaKind,
  type MediaPage,
  type NewWord,
  type ProviderName,
  type ProviderSettings,
  type Settings,
  type Snapshot,
  type Word,
  type WordError,
} from "./types";

/** Turns whatever a rejected invoke gave into `{ code, message }`. */
export function toIpcError(err: unknown): IpcError {
  if (err && typeof err === "object" && "message" in err) {
    const e = err as { code?: unknown; message: unknown };
    return { code: typeof e.code === "string" ? e.code : "app", message: String(e.message) };
  }
  return { code: "app", message: typeof err === "string" ? err : String(err) };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (err) {
    throw toIpcError(err);
  }
}

export const ipc = {
  appInfo: () => call<AppInfo>("app_info"),
  listDecks: () => call<DeckSummary[]>("list_decks"),
  createDeck: (name: string, language: string) => call<Deck>("create_deck", { name, language }),
  renameDeck: (deckId: number, name: string) => call<Deck>("rename_deck", { deckId, name }),
  deleteDeck: (deckId: number) => call<null>("delete_deck", { deckId }),
  previewImport: (text: string) => call<ImportPreview>("preview_import", { text }),
  importWords: (deckId: number, text: string) => call<AddWords>("import_words", { deckId, text }),
  addWords: (deckId: number, words: NewWord[]) => call<AddWords>("add_words", { deckId, words }),
  deckMedia: (deckId: number, offset: number, limit: number) =>
    call<MediaPage>("deck_media", { deckId, offset, limit }),
  updateWord: (wordId: number, text: string, translation: string | null) =>
    call<Word>("update_word", { wordId, text, translation }),
  deleteWord: (wordId: number) => call<null>("delete_word", { wordId }),
  generate: (deckId: number, kinds: MediaKind[], force: boolean) =>
    call<BatchInfo>("generate", { deckId, kinds, force }),
  generateWord: (wordId: number, kinds: MediaKind[]) => call<BatchInfo>("generate_word", { wordId, kinds }),
  snapshot: () => call<Snapshot>("snapshot"),
  batchErrors: (batchId: number) => call<WordError[]>("batch_errors", { batchId }),
  cancelBatch: (batchId: number) => call<BatchInfo>("cancel_batch", { batchId }),
  retryBatch: (batchId: number) => call<BatchInfo>("retry_batch", { batchId }),
  pauseBatch: (batchId: number, paused: boolean) => call<BatchInfo>("pause_batch", { batchId, paused }),
  pauseAll: (paused: boolean) => call<null>("pause_all", { paused }),
  getSettings: () => call<Settings>("get_settings"),
  saveSettings: (image: ProviderSettings, audio: ProviderSettings) =>
    call<Settings>("save_settings", { image, audio }),
  setApiKey: (provider: ProviderName, key: string) => call<string>("set_api_key", { provider, key }),
  deleteApiKey: (provider: ProviderName) => call<boolean>("delete_api_key", { provider }),
  openFolder: (which: "data" | "logs") => call<null>("open_folder", { which }),
  exportDeck: (deckId: number, format: "apkg" | "csv") => call<null>("export_deck", { deckId, format }),
  ankiPush: (deckId: number) => call<null>("anki_push", { deckId }),

  /** Subscribes to `deckmedia:event`; resolves to the unsubscribe function. */
  onEvent: (handler: (event: AppEvent) => void): Promise<() => void> =>
    listen<AppEvent>(EVENT_NAME, (e) => handler(e.payload)),

  /** The bytes of a media file (WebKitGTK's player cannot load asset: URLs; see playAudio). */
  readMedia: (path: string) => call<ArrayBuffer>("read_media", { path }),

  /** A URL the webview may load for a media file (the asset protocol). */
  mediaSrc: (path: string): string => convertFileSrc(path),
};

export type Ipc = typeof ipc;
