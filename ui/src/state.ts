// The app state and its pure reducer: `reduce(state, action) → state`. Actions are the
// backend's events (`deckmedia:event` payloads), the results of commands, and the user's own
// UI moves (navigation, which row is being edited, which confirm is open). No I/O here, no
// DOM, no timers: `app.ts` runs the commands and dispatches what they return.
//
// The core owns every business rule; this module only keeps the latest facts it reported.

import type {
  AddWords,
  EditField,
  ImportReport,
  AppEvent,
  AppInfo,
  BatchInfo,
  BatchPlan,
  Deck,
  DeckSummary,
  ImportPreview,
  IpcError,
  MediaPage,
  MediaState,
  MediaStatus,
  PictureChoices,
  ProviderName,
  Settings,
  Snapshot,
  Word,
  BatchFailures,
  VoiceList,
  WordMedia,
} from "./types";

export type Route =
  | { page: "decks" }
  | { page: "deck"; deckId: number }
  | { page: "import"; deckId: number }
  | { page: "settings" };

/** A batch as last reported, plus the ETA that only progress events carry (`eta_text` is the
 * core's wording, the same the tray and the CLI show). */
export interface BatchView extends BatchInfo {
  eta_seconds: number | null;
  eta_text: string | null;
}

export interface DeckPage {
  deckId: number;
  offset: number;
  limit: number;
  total: number;
  items: WordMedia[];
  /** False until the first page of this deck arrived. */
  loaded: boolean;
}

export type ToastKind = "error" | "info" | "success";
export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
  code: string | null;
}

/** An export or Anki push, from TaskProgress / TaskFinished. */
export interface Task {
  id: number;
  label: string;
  done: number;
  total: number;
  finished: boolean;
  ok: boolean | null;
  message: string | null;
}

/** The one inline confirmation that may be open (never a modal). */
export type Confirm =
  | { what: "delete-deck"; deckId: number }
  | { what: "regenerate-all"; deckId: number }
  | { what: "delete-word"; wordId: number }
  /** A paid batch above the cost threshold: `message` is the dry run's summary. */
  | { what: "confirm-cost"; deckId: number; force: boolean; message: string }
  | null;

export interface ImportState {
  deckId: number;
  /** Pasted or read text, or an Anki package the shell asked the user for (its path stays in
   * the shell: the page never names a file). */
  source: "text" | "package";
  /** The text the preview was made from; import sends exactly this. */
  text: string;
  preview: ImportPreview | null;
  busy: boolean;
  result: AddWords | ImportReport | null;
}

export interface QueueView {
  paused: boolean;
  running: number;
  queued: number;
  waitingForNetwork: boolean;
}

/** A voice being installed, as its `VoiceInstall` events tell. */
export interface VoiceInstallView {
  state: "downloading" | "installed" | "failed";
  done: number;
  total: number;
  etaText: string | null;
  error: string | null;
}

/** Settings → Neural voices: the list last read (null: not asked yet) and installs under way. */
export interface VoicesView {
  language: string;
  loading: boolean;
  list: VoiceList | null;
  installs: Record<string, VoiceInstallView>;
  /** The voice whose sample is being spoken (one at a time). */
  sampling: string | null;
}

/** "Choose picture…" for one word: its candidates (null while the first list loads), and
 * whether photos are still being looked for. */
export interface ChooserView {
  wordId: number;
  text: string;
  choices: PictureChoices | null;
  searching: boolean;
  /** The candidate being made the word's picture. */
  picking: number | null;
}

export interface State {
  route: Route;
  batchesOpen: boolean;
  appInfo: AppInfo | null;
  /** null until the first list arrived. */
  decks: DeckSummary[] | null;
  batches: Record<number, BatchView>;
  queue: QueueView;
  deckPage: DeckPage | null;
  /** What "Generate missing" would do for the open deck (the line under the button). */
  plan: BatchPlan | null;
  /** The open deck's last regeneration that "Undo last regeneration" would take back. */
  undo: { deckId: number; batchId: number | null } | null;
  /** Per-word errors of the batches whose list is expanded ("loading" while fetched). */
  /** Open error lists: the batch's summary line and failed words, or still loading. */
  batchErrors: Record<number, BatchFailures | "loading">;
  toasts: Toast[];
  nextToastId: number;
  tasks: Task[];
  settings: Settings | null;
  /** Key hints by provider ("…abcd"), kept apart from `settings` so a saved key does not reset the form. */
  keyHints: Partial<Record<ProviderName, string | null>>;
  import: ImportState | null;
  confirm: Confirm;
  editing: { wordId: number; focus: EditField } | null;
  renaming: number | null;
  /** "Resumed N batches" is said once per session, from the event or from app_info. */
  resumedAnnounced: boolean;
  voices: VoicesView;
  chooser: ChooserView | null;
}

export const PAGE_SIZE = 100;
/** How many toasts stay on screen at once; older ones drop off. */
export const MAX_TOASTS = 5;

export function initialState(): State {
  return {
    route: { page: "decks" },
    batchesOpen: false,
    appInfo: null,
    decks: null,
    batches: {},
    queue: { paused: false, running: 0, queued: 0, waitingForNetwork: false },
    deckPage: null,
    plan: null,
    undo: null,
    batchErrors: {},
    toasts: [],
    nextToastId: 1,
    tasks: [],
    settings: null,
    keyHints: {},
    import: null,
    confirm: null,
    editing: null,
    renaming: null,
    resumedAnnounced: false,
    voices: { language: "", loading: false, list: null, installs: {}, sampling: null },
    chooser: null,
  };
}

export type Action =
  | { type: "event"; event: AppEvent }
  | { type: "navigate"; route: Route }
  | { type: "toggleBatches"; open?: boolean }
  | { type: "appInfo"; info: AppInfo }
  | { type: "decksLoaded"; decks: DeckSummary[] }
  | { type: "deckCreated"; deck: Deck }
  | { type: "deckRenamed"; deck: Deck }
  | { type: "deckDeleted"; deckId: number }
  | { type: "snapshot"; snapshot: Snapshot }
  | { type: "batchUpdated"; batch: BatchInfo }
  | { type: "pausedAll"; paused: boolean }
  | { type: "deckPageLoaded"; deckId: number; limit: number; page: MediaPage }
  | { type: "planLoaded"; plan: BatchPlan | null }
  | { type: "undoLoaded"; undo: { deckId: number; batchId: number | null } | null }
  | { type: "wordUpdated"; word: Word }
  | { type: "wordDeleted"; wordId: number }
  | { type: "editStart"; wordId: number; focus: EditField }
  | { type: "editCancel" }
  | { type: "renameStart"; deckId: number }
  | { type: "renameCancel" }
  | { type: "confirmAsk"; confirm: Exclude<Confirm, null> }
  | { type: "confirmCancel" }
  | { type: "batchErrorsToggle"; batchId: number }
  | { type: "batchErrorsLoaded"; batchId: number; errors: BatchFailures }
  | { type: "toast"; kind: ToastKind; text: string; code?: string }
  | { type: "toastDismiss"; id: number }
  | { type: "error"; error: IpcError }
  | { type: "settingsLoaded"; settings: Settings }
  | { type: "voicesLoading"; language: string }
  | { type: "voicesLoaded"; list: VoiceList | null }
  | { type: "voiceSampling"; key: string | null }
  | { type: "keyHint"; provider: ProviderName; hint: string | null }
  | { type: "importPreviewed"; source: "text" | "package"; text: string; preview: ImportPreview }
  | { type: "importCleared" }
  | { type: "importBusy"; busy: boolean }
  | { type: "importDone"; result: AddWords | ImportReport }
  | { type: "chooserOpen"; wordId: number; text: string }
  | { type: "chooserLoaded"; choices: PictureChoices; searching: boolean }
  | { type: "chooserPicking"; candidateId: number | null }
  | { type: "chooserClose" };

export function reduce(state: State, action: Action): State {
  switch (action.type) {
    case "event":
      return reduceEvent(state, action.event);
    case "navigate": {
      const route = action.route;
      const next: State = { ...state, route, confirm: null, editing: null, renaming: null, chooser: null };
      if (route.page === "import") {
        next.import = { deckId: route.deckId, source: "text", text: "", preview: null, busy: false, result: null };
      }
      if (route.page === "deck" && state.deckPage?.deckId !== route.deckId) {
        next.deckPage = { deckId: route.deckId, offset: 0, limit: PAGE_SIZE, total: 0, items: [], loaded: false };
      }
      return next;
    }
    case "toggleBatches":
      return { ...state, batchesOpen: action.open ?? !state.batchesOpen };
    case "appInfo": {
      const next = { ...state, appInfo: action.info };
      return action.info.resumed_batches ? announceResumed(next, action.info.resumed_batches) : next;
    }
    case "decksLoaded":
      return { ...state, decks: action.decks };
    case "deckCreated": {
      const d = action.deck;
      const summary: DeckSummary = { ...d, images_done: 0, audio_done: 0, images_failed: 0, audio_failed: 0 };
      const decks = (state.decks ?? []).filter((x) => x.id !== d.id);
      return { ...state, decks: [...decks, summary] };
    }
    case "deckRenamed": {
      const d = action.deck;
      const decks = state.decks?.map((x) => (x.id === d.id ? { ...x, name: d.name } : x)) ?? null;
      return { ...state, decks, renaming: null };
    }
    case "deckDeleted": {
      const decks = state.decks?.filter((x) => x.id !== action.deckId) ?? null;
      const onIt = (state.route.page === "deck" || state.route.page === "import") && state.route.deckId === action.deckId;
      return {
        ...state,
        decks,
        confirm: null,
        route: onIt ? { page: "decks" } : state.route,
        deckPage: state.deckPage?.deckId === action.deckId ? null : state.deckPage,
      };
    }
    case "snapshot": {
      const batches: Record<number, BatchView> = {};
      for (const b of action.snapshot.batches) {
        const prev = state.batches[b.id];
        batches[b.id] = { ...b, eta_seconds: prev?.eta_seconds ?? null, eta_text: prev?.eta_text ?? null };
      }
      return {
        ...state,
        batches,
        queue: {
          paused: action.snapshot.paused,
          running: action.snapshot.running,
          queued: action.snapshot.queued,
          waitingForNetwork: action.snapshot.waiting_for_network,
        },
      };
    }
    case "batchUpdated": {
      const b = action.batch;
      const prev = isFinished(b.status) ? undefined : state.batches[b.id];
      const view: BatchView = { ...b, eta_seconds: prev?.eta_seconds ?? null, eta_text: prev?.eta_text ?? null };
      return { ...state, batches: { ...state.batches, [b.id]: view } };
    }
    case "pausedAll":
      return { ...state, queue: { ...state.queue, paused: action.paused } };
    case "deckPageLoaded": {
      // A page for a deck that is no longer open is dropped.
      if (state.route.page !== "deck" || state.route.deckId !== action.deckId) return state;
      const p = action.page;
      return {
        ...state,
        deckPage: { deckId: action.deckId, offset: p.offset, limit: action.limit, total: p.total, items: p.items, loaded: true },
      };
    }
    case "wordUpdated": {
      const w = action.word;
      const editing = state.editing?.wordId === w.id ? null : state.editing;
      return {
        ...state,
        editing,
        deckPage: mapItem(state.deckPage, w.id, (it) => ({ ...it, text: w.text, translation: w.translation, sentence: w.sentence })),
      };
    }
    case "wordDeleted": {
      const page = state.deckPage;
      const confirm = state.confirm?.what === "delete-word" && state.confirm.wordId === action.wordId ? null : state.confirm;
      if (!page || !page.items.some((it) => it.word_id === action.wordId)) return { ...state, confirm };
      return {
        ...state,
        confirm,
        editing: state.editing?.wordId === action.wordId ? null : state.editing,
        chooser: state.chooser?.wordId === action.wordId ? null : state.chooser,
        deckPage: { ...page, total: Math.max(0, page.total - 1), items: page.items.filter((it) => it.word_id !== action.wordId) },
      };
    }
    case "editStart":
      return { ...state, editing: { wordId: action.wordId, focus: action.focus }, confirm: null };
    case "editCancel":
      return { ...state, editing: null };
    case "renameStart":
      return { ...state, renaming: action.deckId, confirm: null };
    case "renameCancel":
      return { ...state, renaming: null };
    case "confirmAsk":
      return { ...state, confirm: action.confirm };
    case "undoLoaded":
      return { ...state, undo: action.undo };
    case "chooserOpen":
      return { ...state, chooser: { wordId: action.wordId, text: action.text, choices: null, searching: false, picking: null } };
    case "chooserLoaded":
      // An answer for a word whose chooser was closed or replaced meanwhile is dropped.
      if (state.chooser?.wordId !== action.choices.word_id) return state;
      return { ...state, chooser: { ...state.chooser, choices: action.choices, searching: action.searching } };
    case "chooserPicking":
      return state.chooser ? { ...state, chooser: { ...state.chooser, picking: action.candidateId } } : state;
    case "chooserClose":
      return { ...state, chooser: null };
    case "planLoaded":
      return { ...state, plan: action.plan };
    case "confirmCancel":
      return { ...state, confirm: null };
    case "batchErrorsToggle": {
      const batchErrors = { ...state.batchErrors };
      if (action.batchId in batchErrors) delete batchErrors[action.batchId];
      else batchErrors[action.batchId] = "loading";
      return { ...state, batchErrors };
    }
    case "batchErrorsLoaded":
      // Collapsed meanwhile: keep it collapsed.
      if (!(action.batchId in state.batchErrors)) return state;
      return { ...state, batchErrors: { ...state.batchErrors, [action.batchId]: action.errors } };
    case "toast":
      return addToast(state, action.kind, action.text, action.code ?? null);
    case "toastDismiss":
      return { ...state, toasts: state.toasts.filter((t) => t.id !== action.id) };
    case "error":
      return addToast(state, "error", action.error.message, action.error.code);
    case "settingsLoaded": {
      const s = action.settings;
      const keyHints: State["keyHints"] = { ...state.keyHints };
      for (const p of [s.image, s.audio]) if (p.provider !== "offline") keyHints[p.provider] = p.key_hint;
      return { ...state, settings: s, keyHints };
    }
    case "voicesLoading":
      return { ...state, voices: { ...state.voices, language: action.language, loading: true } };
    case "voicesLoaded":
      return { ...state, voices: { ...state.voices, loading: false, list: action.list ?? state.voices.list } };
    case "voiceSampling":
      return { ...state, voices: { ...state.voices, sampling: action.key } };
    case "keyHint":
      return { ...state, keyHints: { ...state.keyHints, [action.provider]: action.hint } };
    case "importPreviewed":
      if (!state.import) return state;
      return { ...state, import: { ...state.import, source: action.source, text: action.text, preview: action.preview, result: null } };
    case "importCleared":
      if (!state.import || (!state.import.preview && !state.import.result)) return state;
      return { ...state, import: { ...state.import, text: "", preview: null, result: null } };
    case "importBusy":
      if (!state.import) return state;
      return { ...state, import: { ...state.import, busy: action.busy } };
    case "importDone":
      if (!state.import) return state;
      return { ...state, import: { ...state.import, busy: false, result: action.result, preview: null, text: "" } };
  }
}

function reduceEvent(state: State, ev: AppEvent): State {
  switch (ev.type) {
    case "BatchProgress": {
      const b = state.batches[ev.batch_id];
      if (!b) return state; // unknown batch: app.ts fetches a snapshot
      const next: BatchView = {
        ...b,
        status: ev.status,
        paused: ev.status === "paused",
        completed_words: ev.completed,
        failed_words: ev.failed,
        cancelled_words: ev.cancelled,
        total_words: ev.total,
        progress: percent(ev.completed + ev.failed + ev.cancelled, ev.total),
        eta_seconds: isFinished(ev.status) ? null : ev.eta_seconds,
        eta_text: isFinished(ev.status) ? null : ev.eta_text,
      };
      return { ...state, batches: { ...state.batches, [b.id]: next } };
    }
    case "JobFinished": {
      const status = OUTCOME_STATUS[ev.outcome] ?? null;
      if (!status) return state;
      return {
        ...state,
        deckPage: mapItem(state.deckPage, ev.word_id, (it) => {
          const prev = it[ev.kind];
          const media: MediaState = {
            ...prev,
            status,
            error: ev.outcome === "failed" || ev.outcome === "retrying" ? ev.error : null,
            stale: ev.outcome === "done" ? false : prev.stale,
          };
          return { ...it, [ev.kind]: media };
        }),
      };
    }
    case "BatchFinished": {
      const b = state.batches[ev.batch_id];
      let next = state;
      if (b) {
        const batch: BatchView = {
          ...b,
          status: ev.status,
          paused: false,
          completed_words: ev.completed,
          failed_words: ev.failed,
          cancelled_words: ev.cancelled,
          total_words: ev.total,
          progress: 100,
          eta_seconds: null,
          eta_text: null,
        };
        next = { ...state, batches: { ...state.batches, [b.id]: batch } };
      }
      const name = b ? b.deck : `Batch ${ev.batch_id}`;
      return addToast(next, ev.failed > 0 ? "error" : "success", `${name}: ${ev.summary}`, null);
    }
    case "QueueState":
      return { ...state, queue: { ...state.queue, running: ev.running, paused: ev.paused, waitingForNetwork: ev.waiting_for_network } };
    case "QueueAttention":
      return state; // shown by the tray and the notification (the window: not yet)
    case "ProviderAccount": {
      if (!ev.state) return state;
      const label = ev.state === "out_of_quota" ? "Out of quota" : "Key rejected";
      return addToast(state, "error", `${ev.provider}: ${label}${ev.message ? ` — ${ev.message}` : ""}`, null);
    }
    case "VoiceInstall": {
      const view: VoiceInstallView = { state: ev.state, done: ev.bytes_done, total: ev.bytes_total, etaText: ev.eta_text, error: ev.error };
      const next = { ...state, voices: { ...state.voices, installs: { ...state.voices.installs, [ev.key]: view } } };
      if (ev.state === "failed") return addToast(next, "error", `Voice ${ev.key} was not installed: ${ev.error ?? "unknown error"}`, null);
      if (ev.state === "installed") return addToast(next, "success", `Voice ${ev.key} installed`, null);
      return next;
    }
    case "Resync":
      return state; // app.ts re-reads the snapshot
    case "Resumed":
      return announceResumed(state, ev.batches);
    case "TaskProgress": {
      const task: Task = { id: ev.task_id, label: ev.label, done: ev.done, total: ev.total, finished: false, ok: null, message: null };
      return { ...state, tasks: upsertTask(state.tasks, task) };
    }
    case "TaskFinished": {
      const prev = state.tasks.find((t) => t.id === ev.task_id);
      const task: Task = {
        id: ev.task_id,
        label: ev.label,
        done: prev?.total ?? 0,
        total: prev?.total ?? 0,
        finished: true,
        ok: ev.ok,
        message: ev.message,
      };
      const text = ev.message ? `${ev.label}: ${ev.message}` : `${ev.label}: ${ev.ok ? "done" : "failed"}`;
      return addToast({ ...state, tasks: upsertTask(state.tasks, task) }, ev.ok ? "success" : "error", text, null);
    }
  }
}

/** `BatchInfo.progress` as the core computes it: whole percent of settled words, 100 when empty. */
export function percent(settled: number, total: number): number {
  return total > 0 ? Math.min(100, Math.max(0, Math.floor((settled * 100) / total))) : 100;
}

/** What a settled job means for the row's status until the page is re-read. */
const OUTCOME_STATUS: Record<string, MediaStatus> = {
  done: "done",
  failed: "failed",
  retrying: "queued",
  waiting: "waiting",
  paused: "queued",
  requeued: "queued",
};

export function isFinished(status: string): boolean {
  return status === "completed" || status === "failed" || status === "cancelled";
}

function announceResumed(state: State, batches: number): State {
  if (batches <= 0 || state.resumedAnnounced) return state;
  const next = addToast(state, "info", `Resumed ${batches} ${batches === 1 ? "batch" : "batches"}`, null);
  return { ...next, resumedAnnounced: true };
}

function addToast(state: State, kind: ToastKind, text: string, code: string | null): State {
  const toast: Toast = { id: state.nextToastId, kind, text, code };
  return { ...state, toasts: [...state.toasts, toast].slice(-MAX_TOASTS), nextToastId: state.nextToastId + 1 };
}

function upsertTask(tasks: Task[], task: Task): Task[] {
  const i = tasks.findIndex((t) => t.id === task.id);
  if (i < 0) return [...tasks, task].slice(-10);
  const next = tasks.slice();
  next[i] = task;
  return next;
}

function mapItem(page: DeckPage | null, wordId: number, f: (it: WordMedia) => WordMedia): DeckPage | null {
  if (!page) return page;
  const i = page.items.findIndex((it) => it.word_id === wordId);
  if (i < 0) return page;
  const items = page.items.slice();
  items[i] = f(items[i]!);
  return { ...page, items };
}
