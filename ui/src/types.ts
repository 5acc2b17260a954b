// The IPC types, re-exported from ./generated/ipc.ts, which is generated from the Rust types
// (refresh command in that file's header; docs/notes/h5.md). Nothing here copies a Rust type:
// only UI-side names for generated ones.

import type { AppEvent, MediaKind, ProviderKind, SnapshotDto } from "./generated/ipc";

export type {
  AddWords,
  AppEvent,
  AppInfo,
  BatchInfo,
  BatchStatus,
  Commands,
  Deck,
  DeckSummary,
  ErrorCode,
  CoreEvent,
  ExportFormat,
  Folder,
  ImportFormat,
  ImportPreview,
  IpcError,
  MediaKind,
  MediaPage,
  MediaState,
  MediaStatus,
  NewWord,
  ProviderKind,
  ProviderSettings,
  RowError,
  Settings,
  ShellEvent,
  Word,
  WordError,
  WordMedia,
} from "./generated/ipc";
export { EVENT_NAME } from "./generated/ipc";

/** What `snapshot` returns: the core's snapshot plus the shell's `waiting_for_network`. */
export type Snapshot = SnapshotDto;

export type ProviderName = ProviderKind;

/** What a settled job's `JobFinished` says happened to it. */
export type JobOutcome = Extract<AppEvent, { type: "JobFinished" }>["outcome"];

export const MEDIA_KINDS: readonly MediaKind[] = ["image", "audio"];
