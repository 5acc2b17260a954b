// Test helpers: fixtures typed by the generated IPC types (a field added, renamed or retyped in
// Rust fails `npm run check` here), a recording mock backend on top of
// `@tauri-apps/api/mocks`, and an app mounted into jsdom with a manual render scheduler.

import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockConvertFileSrc, mockIPC } from "@tauri-apps/api/mocks";
import { createApp, type App } from "../src/app";
import type { AppEvent, AppInfo, BatchInfo, Commands, DeckSummary, MediaState, ProviderSettings, Settings, Snapshot, WordMedia } from "../src/types";
import { EVENT_NAME } from "../src/types";

export function deck(over: Partial<DeckSummary> = {}): DeckSummary {
  return {
    id: 1,
    name: "Spanish A1",
    language: "es",
    word_count: 100,
    created_at: 1_700_000_000,
    images_done: 83,
    audio_done: 100,
    images_failed: 0,
    audio_failed: 0,
    slots: ["image", "audio"],
    translation_language: "",
    ...over,
  };
}

export function batch(over: Partial<BatchInfo> = {}): BatchInfo {
  return {
    id: 7,
    deck_id: 1,
    deck: "Spanish A1",
    kinds: ["image", "audio"],
    status: "processing",
    progress: 0,
    total_words: 100,
    completed_words: 0,
    failed_words: 0,
    cancelled_words: 0,
    reused_jobs: 0,
    total_jobs: 200,
    done_jobs: 0,
    failed_jobs: 0,
    cancelled_jobs: 0,
    paused: false,
    created_at: 1_700_000_000,
    updated_at: 1_700_000_000,
    finished_at: null,
    ...over,
  };
}

export function media(over: Partial<MediaState> = {}): MediaState {
  return { status: "none", path: null, error: null, stale: false, warning: null, provider: null, attribution: null, ...over };
}

export function word(id: number, text: string, over: Partial<WordMedia> = {}): WordMedia {
  return {
    word_id: id,
    text,
    spoken: null,
    language: "es",
    translation: null,
    sentence: null,
    image: media(),
    audio: media(),
    translation_audio: media(),
    sentence_audio: media(),
    undoable: false,
    ...over,
  };
}

export function providerSettings(over: Partial<ProviderSettings> = {}): ProviderSettings {
  return {
    provider: "offline",
    base_url: "",
    model: "",
    voice: "",
    size: "",
    format: "",
    max_concurrency: 2,
    requests_per_minute: 0,
    timeout_secs: 60,
    key_hint: null,
    ...over,
  };
}

export function settings(over: Partial<Settings> = {}): Settings {
  return {
    image: providerSettings({ format: "png", size: "512x512" }),
    audio: providerSettings({ format: "ogg" }),
    data_dir: "/home/u/.local/share/deckmedia",
    log_dir: "/home/u/.local/share/deckmedia/logs",
    key_store: "the system keychain",
    key_store_warning: null,
    ...over,
  };
}

export function snapshot(batches: BatchInfo[] = [], paused = false): Snapshot {
  return { paused, batches, queued: 0, running: 0, waiting_for_network: false, attention: null, providers: [] };
}

export type BatchProgressEvent = Extract<AppEvent, { type: "BatchProgress" }>;

/** A progress event of batch 7 (of 100 words); `eta_text` as the core words it. */
export function progressEvent(over: Partial<BatchProgressEvent> = {}): BatchProgressEvent {
  return {
    type: "BatchProgress",
    batch_id: 7,
    status: "processing",
    completed: 0,
    failed: 0,
    cancelled: 0,
    total: 100,
    eta_seconds: null,
    eta_text: null,
    ...over,
  };
}

export function appInfo(over: Partial<AppInfo> = {}): AppInfo {
  return { name: "Deck Media", version: "0.1.0", data_dir: "/data", log_dir: "/data/logs", resumed_batches: 0, ...over };
}

type Result<K extends keyof Commands> = Commands[K]["result"];

/** Mock command handlers, typed by the generated `Commands`: a handler answering with the wrong
 * shape, or reading an argument the command does not take, fails `npm run check`. */
export type Handlers = { [K in keyof Commands]?: (args: Commands[K]["args"]) => Result<K> | Promise<Result<K>> };

/** A backend of command handlers that records every call (events excepted). */
export class Backend {
  readonly calls: { cmd: string; args: Record<string, unknown> }[] = [];
  readonly handlers: Handlers = {
    app_info: () => appInfo(),
    list_decks: () => [deck()],
    snapshot: () => snapshot(),
  };

  constructor(over: Handlers = {}) {
    Object.assign(this.handlers, over);
    mockIPC(
      (cmd, payload) => {
        const args = (payload ?? {}) as Record<string, unknown>;
        this.calls.push({ cmd, args });
        const h = this.handlers[cmd as keyof Commands] as ((a: unknown) => unknown) | undefined;
        if (!h) throw { code: "app", message: `no mock for ${cmd}` };
        return h(args);
      },
      { shouldMockEvents: true },
    );
    mockConvertFileSrc("linux");
  }

  on<K extends keyof Commands>(cmd: K, h: NonNullable<Handlers[K]>): this {
    this.handlers[cmd] = h as Handlers[K];
    return this;
  }

  callsOf(cmd: keyof Commands): Record<string, unknown>[] {
    return this.calls.filter((c) => c.cmd === cmd).map((c) => c.args);
  }
}

/** The app with renders on demand: `app.flush()` / `app.settle()` render what changed. */
export async function startApp(): Promise<{ app: App; root: HTMLElement; renders: () => number }> {
  const root = document.createElement("div");
  root.id = "app";
  document.body.replaceChildren(root);
  let frames = 0;
  const app = createApp(root, { schedule: () => undefined });
  mounted.push(app);
  app.store.subscribe(() => frames++);
  await app.start();
  await app.settle();
  return { app, root, renders: () => frames };
}

export async function sendEvent(ev: AppEvent): Promise<void> {
  await emit(EVENT_NAME, ev);
}

const mounted: App[] = [];

export function reset(): void {
  for (const app of mounted.splice(0)) app.destroy();
  clearMocks();
  document.body.replaceChildren();
}

export function $(sel: string, root: ParentNode = document): HTMLElement {
  const el = root.querySelector<HTMLElement>(sel);
  if (!el) throw new Error(`no element ${sel}`);
  return el;
}

export function $$(sel: string, root: ParentNode = document): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(sel)];
}

export function typeInto(input: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

export function key(el: HTMLElement, k: string): void {
  el.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
}

/** A promise and its resolver, to wait for a mock to be called (instead of sleeping). */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
