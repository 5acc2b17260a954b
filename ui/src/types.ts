// The IPC types, re-exported from ./generated/ipc.ts, which is generated from the Rust types
// (refresh command in that file's header; README "Types written once"). Nothing here copies a Rust type:
// only UI-side names for generated ones.

import type { MediaKind, ProviderKind } from "./generated/ipc";

export type {
  AccountState,
  AddWords,
  AppEvent,
  Attention,
  AppInfo,
  BatchInfo,
  BatchPlan,
  BatchStatus,
  Commands,
  Cost,
  KindPlan,
  Deck,
  DeckSummary,
  ErrorCode,
  CoreEvent,
  ExportFormat,
  Folder,
  ImportFormat,
  ImportPreview,
  ImportReport,
  IpcError,
  MediaKind,
  MediaPage,
  MediaState,
  MediaStatus,
  NewWord,
  ProviderKind,
  ProviderSettings,
  ProviderState,
  RowError,
  Settings,
  ShellEvent,
  Snapshot,
  Word,
  WordError,
  BatchFailures,
  ProviderChoice,
  PictureCandidate,
  PictureChoices,
  PictureSource,
  FailureKind,
  VoiceList,
  VoiceRow,
  WordMedia,
} from "./generated/ipc";
export { EVENT_NAME, MEDIA_KIND_NAMES, PROVIDER_KINDS } from "./generated/ipc";


export type ProviderName = ProviderKind;

export type { JobOutcome } from "./generated/ipc";

/** What a deck makes unless it says otherwise (the core's `MediaKind::DEFAULT_SLOTS`). */
export const MEDIA_KINDS: readonly MediaKind[] = ["image", "audio"];
/** The recordings a deck may make besides the word's: its translation and its example sentence. */
export const EXTRA_SLOTS: readonly MediaKind[] = ["translation_audio", "sentence_audio"];
/** Which field of a word an inline edit focuses. */
export type EditField = "text" | "translation" | "sentence";
