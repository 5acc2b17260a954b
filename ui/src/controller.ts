// The controller: runs commands through `Ipc` and dispatches what they return (or a toast for
// `{code,message}` when they reject), turns backend events into reloads (a snapshot on Resync,
// the open deck page after JobFinished, debounced), and is what the views call. Every call it
// makes is tracked, so tests can `await idle()` instead of sleeping.

import { toIpcError, type Ipc } from "./ipc";
import { PAGE_SIZE, type Route, type State } from "./state";
import type { Store } from "./store";
import { MEDIA_KINDS, type AddWords, type EditField, type AppEvent, type ImportReport, type IpcError, type MediaKind, type ProviderChoice, type ProviderName, type ProviderSettings } from "./types";

export interface ControllerOptions {
  /** Delay before the open deck page is re-read after JobFinished events (coalesces bursts). */
  pageReloadMs?: number;
  /** Delay before the deck list (coverage) is re-read after jobs settle. */
  decksReloadMs?: number;
}

export class Controller {
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly pageReloadMs: number;
  private readonly decksReloadMs: number;
  private unlisten: (() => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly ipc: Ipc,
    opts: ControllerOptions = {},
  ) {
    this.pageReloadMs = opts.pageReloadMs ?? 300;
    this.decksReloadMs = opts.decksReloadMs ?? 1000;
  }

  private get state(): State {
    return this.store.get();
  }

  /** Listens to the backend first (so nothing is missed), then loads the first facts. */
  async start(): Promise<void> {
    try {
      this.unlisten = await this.ipc.onEvent((ev) => this.onEvent(ev));
    } catch (err) {
      // Without events the app still works, it just does not update by itself: say so.
      const e = toIpcError(err);
      this.store.dispatch({ type: "error", error: { code: e.code, message: `Live updates are off: ${e.message}` } });
    }
    await Promise.all([
      this.run(this.ipc.appInfo(), (info) => this.store.dispatch({ type: "appInfo", info })),
      this.loadDecks(),
      this.loadSnapshot(),
      this.loadChoices(),
    ]);
  }

  /** The providers "Regenerate with…" and "Retry with…" offer. Advisory: a failure leaves the
   * menus with nothing to pick. */
  loadChoices(): Promise<void> {
    return this.ipc.providerChoices().then(
      (choices) => void (this.choices = choices),
      () => void (this.choices = []),
    );
  }

  /** The pickable providers for these kinds. */
  choicesFor(kinds: readonly MediaKind[]): ProviderChoice[] {
    return this.choices.filter((c) => kinds.includes(c.kind));
  }

  private choices: ProviderChoice[] = [];

  stop(): void {
    this.unlisten?.();
    this.unlisten = null;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Resolves when no command started by the controller is still running. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Whether a debounced reload is waiting for its timer. */
  hasPendingTimers(): boolean {
    return this.timers.size > 0;
  }

  // ----- plumbing -----

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  /** Runs a command; on success `ok(value)`, on failure an error toast. Resolves to success. */
  private run<T>(p: Promise<T>, ok: (v: T) => void): Promise<boolean> {
    return this.track(
      p.then(
        (v) => {
          ok(v);
          return true;
        },
        (err: IpcError) => {
          this.store.dispatch({ type: "error", error: err });
          return false;
        },
      ),
    );
  }

  private debounce(key: string, ms: number, f: () => void): void {
    if (this.timers.has(key)) return; // already due: one reload serves the whole burst
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        f();
      }, ms),
    );
  }

  private openDeckId(): number | null {
    const r = this.state.route;
    return r.page === "deck" ? r.deckId : null;
  }

  // ----- backend events -----

  onEvent(ev: AppEvent): void {
    const s = this.state;
    if ((ev.type === "BatchProgress" || ev.type === "JobFinished" || ev.type === "BatchFinished") && !s.batches[ev.batch_id]) {
      // A batch we have not seen (started elsewhere, or before we listened): re-read the truth.
      this.debounce("snapshot", 100, () => void this.loadSnapshot());
    }
    this.store.dispatch({ type: "event", event: ev });

    switch (ev.type) {
      case "VoiceInstall":
        // An install ended: the list shows it installed (or still installable).
        if (ev.state !== "downloading" && this.state.voices.list) void this.listVoices(this.state.voices.language);
        break;
      case "JobFinished": {
        const open = this.openDeckId();
        const batchDeck = s.batches[ev.batch_id]?.deck_id;
        const onPage = s.deckPage?.items.some((it) => it.word_id === ev.word_id) ?? false;
        if (open !== null && (batchDeck === open || onPage)) this.debounce("page", this.pageReloadMs, () => void this.reloadPage());
        if (ev.outcome === "done" || ev.outcome === "failed") this.debounce("decks", this.decksReloadMs, () => void this.loadDecks());
        break;
      }
      case "BatchFinished": {
        void this.loadDecks();
        const open = this.openDeckId();
        if (open !== null && s.batches[ev.batch_id]?.deck_id === open) {
          this.debounce("page", this.pageReloadMs, () => void this.reloadPage());
          void this.loadPlan(open);
        }
        if (ev.batch_id in this.state.batchErrors) void this.loadBatchErrors(ev.batch_id);
        break;
      }
      case "Resync":
        void this.loadSnapshot();
        void this.loadDecks();
        void this.reloadPage();
        break;
      case "Resumed":
        void this.loadSnapshot();
        break;
      default:
        break;
    }
  }

  // ----- loads -----

  loadSnapshot(): Promise<boolean> {
    return this.run(this.ipc.snapshot(), (snapshot) => this.store.dispatch({ type: "snapshot", snapshot }));
  }

  loadDecks(): Promise<boolean> {
    return this.run(this.ipc.listDecks(), (decks) => this.store.dispatch({ type: "decksLoaded", decks }));
  }

  loadPage(offset: number): Promise<boolean> {
    const deckId = this.openDeckId();
    if (deckId === null) return Promise.resolve(false);
    const limit = this.state.deckPage?.limit ?? PAGE_SIZE;
    const start = Math.max(0, offset);
    return this.run(this.ipc.deckMedia(deckId, start, limit), (page) =>
      this.store.dispatch({ type: "deckPageLoaded", deckId, limit, page }),
    );
  }

  /** Re-reads the page on screen (thumbnails and statuses appear live). */
  reloadPage(): Promise<boolean> {
    const page = this.state.deckPage;
    if (this.openDeckId() === null) return Promise.resolve(false);
    return this.loadPage(page?.offset ?? 0);
  }

  loadSettings(): Promise<boolean> {
    return this.run(this.ipc.getSettings(), (settings) => this.store.dispatch({ type: "settingsLoaded", settings }));
  }

  // ----- navigation and panel -----

  navigate(route: Route): Promise<unknown> {
    this.store.dispatch({ type: "navigate", route });
    switch (route.page) {
      case "decks":
        return this.loadDecks();
      case "deck":
        this.store.dispatch({ type: "planLoaded", plan: null });
        return Promise.all([this.loadPage(0), this.loadPlan(route.deckId), this.state.decks ? null : this.loadDecks()]);
      case "import":
        return this.state.decks ? Promise.resolve() : this.loadDecks();
      case "settings":
        return this.loadSettings();
    }
  }

  toggleBatches(open?: boolean): void {
    this.store.dispatch({ type: "toggleBatches", open });
  }

  // ----- decks -----

  createDeck(name: string, language: string): Promise<boolean> {
    return this.run(this.ipc.createDeck(name, language), (deck) => {
      this.store.dispatch({ type: "deckCreated", deck });
      void this.loadDecks();
    });
  }

  renameDeck(deckId: number, name: string): Promise<boolean> {
    return this.run(this.ipc.renameDeck(deckId, name), (deck) => this.store.dispatch({ type: "deckRenamed", deck }));
  }

  deleteDeck(deckId: number): Promise<boolean> {
    return this.run(this.ipc.deleteDeck(deckId), () => {
      this.store.dispatch({ type: "deckDeleted", deckId });
      void this.loadSnapshot();
    });
  }

  // ----- import -----

  previewImport(text: string): Promise<boolean> {
    return this.run(this.ipc.previewImport(text), (preview) => this.store.dispatch({ type: "importPreviewed", source: "text", text, preview }));
  }

  /** Asks the shell for an Anki package (its native dialog) and shows what it would bring. */
  choosePackage(deckId: number): Promise<boolean> {
    return this.run(this.ipc.choosePackage(deckId), (preview) => {
      if (preview) this.store.dispatch({ type: "importPreviewed", source: "package", text: "", preview });
    });
  }

  clearImportPreview(): void {
    this.store.dispatch({ type: "importCleared" });
  }

  async importWords(): Promise<boolean> {
    const imp = this.state.import;
    if (!imp || !imp.preview || imp.busy) return false;
    this.store.dispatch({ type: "importBusy", busy: true });
    const call = imp.source === "package" ? this.ipc.importPackage(imp.deckId) : this.ipc.importWords(imp.deckId, imp.text);
    const ok = await this.run<AddWords | ImportReport>(call, (result) => {
      this.store.dispatch({ type: "importDone", result });
      void this.loadDecks();
    });
    if (!ok) this.store.dispatch({ type: "importBusy", busy: false });
    return ok;
  }

  // ----- words -----

  startEdit(wordId: number, focus: EditField): void {
    this.store.dispatch({ type: "editStart", wordId, focus });
  }

  cancelEdit(): void {
    this.store.dispatch({ type: "editCancel" });
  }

  /** Saves an inline edit; an empty translation is sent as null. The edit stays open on error. */
  updateWord(wordId: number, text: string, translation: string, sentence?: string): Promise<boolean> {
    const t = translation.trim();
    const s = sentence?.trim();
    const edited = this.ipc.updateWord(wordId, text.trim(), t === "" ? null : t);
    // A changed sentence is saved after the word (its own command): one edit, one result.
    const saved = s === undefined ? edited : edited.then(() => this.ipc.setSentence(wordId, s === "" ? null : s));
    return this.run(saved, (word) => {
      this.store.dispatch({ type: "wordUpdated", word });
      // The core may have marked media stale: show it.
      this.debounce("page", this.pageReloadMs, () => void this.reloadPage());
    });
  }

  addWord(text: string, translation: string): Promise<boolean> {
    const deckId = this.openDeckId();
    if (deckId === null) return Promise.resolve(false);
    const t = translation.trim();
    return this.run(this.ipc.addWords(deckId, [{ text: text.trim(), translation: t === "" ? null : t }]), (r) => {
      this.store.dispatch({
        type: "toast",
        kind: "success",
        text: r.added > 0 ? `Added “${text.trim()}”` : `“${text.trim()}” is already in the deck`,
      });
      void this.reloadPage();
    });
  }

  deleteWord(wordId: number): Promise<boolean> {
    return this.run(this.ipc.deleteWord(wordId), () => {
      this.store.dispatch({ type: "wordDeleted", wordId });
      void this.reloadPage();
    });
  }

  /** What "Generate" makes for a deck: its slots (picture and word audio unless it says more). */
  slotsOf(deckId: number): MediaKind[] {
    return [...(this.state.decks?.find((d) => d.id === deckId)?.slots ?? MEDIA_KINDS)];
  }

  /** Turns one of a deck's slots (e.g. sentence audio) on or off for its next batches. */
  setSlot(deckId: number, kind: MediaKind, on: boolean): Promise<boolean> {
    const now = this.slotsOf(deckId).filter((k) => k !== kind);
    const slots = on ? [...now, kind] : now;
    return this.run(this.ipc.setDeckSlots(deckId, slots, null), () => {
      void this.loadDecks().then(() => {
        void this.loadPlan(deckId);
        void this.reloadPage();
      });
    });
  }

  regenerateWord(wordId: number, kinds?: MediaKind[]): Promise<boolean> {
    const deckId = this.openDeckId();
    const chosen = kinds ?? (deckId === null ? [...MEDIA_KINDS] : this.slotsOf(deckId));
    return this.run(this.ipc.generateWord(wordId, chosen), (batch) => {
      this.store.dispatch({ type: "batchUpdated", batch });
      void this.reloadPage();
    });
  }

  /** "Generate missing" (force=false) or "Regenerate all" (force=true) for the open deck. A
   * paid batch above the cost threshold comes back as `confirm_cost`: it is asked inline, and
   * `confirmed` starts it. */
  generate(deckId: number, force: boolean, confirmed = false): Promise<boolean> {
    this.store.dispatch({ type: "confirmCancel" });
    const started = this.ipc.generate(deckId, this.slotsOf(deckId), force, confirmed).then(
      (batch) => {
        this.store.dispatch({ type: "batchUpdated", batch });
        if (batch.total_words === 0) {
          this.store.dispatch({ type: "toast", kind: "info", text: `${batch.deck}: nothing to generate` });
        }
        void this.reloadPage();
        void this.loadPlan(deckId);
        return true;
      },
      (err: IpcError) => {
        if (err.code === "confirm_cost") this.store.dispatch({ type: "confirmAsk", confirm: { what: "confirm-cost", deckId, force, message: err.message } });
        else this.store.dispatch({ type: "error", error: err });
        return false;
      },
    );
    return this.track(started);
  }

  /** "Preview 3 words": three words made first with the current settings, to hear and see. */
  preview(deckId: number): Promise<boolean> {
    return this.run(this.ipc.previewBatch(deckId, this.slotsOf(deckId)), (batch) => {
      this.store.dispatch({ type: "batchUpdated", batch });
      void this.reloadPage();
      void this.loadPlan(deckId);
    });
  }

  /** The line under "Generate missing": what it would do, what it would cost. Advisory: a
   * failure leaves the line empty rather than raising an error. */
  loadPlan(deckId: number): Promise<boolean> {
    void this.track(
      this.ipc.undoable(deckId, null).then(
        (batchId) => {
          if (this.openDeckId() === deckId) this.store.dispatch({ type: "undoLoaded", undo: { deckId, batchId } });
        },
        () => this.store.dispatch({ type: "undoLoaded", undo: null }),
      ),
    );
    return this.track(
      this.ipc.planBatch(deckId, this.slotsOf(deckId)).then(
        (plan) => {
          if (this.openDeckId() === deckId) this.store.dispatch({ type: "planLoaded", plan });
          return true;
        },
        () => {
          this.store.dispatch({ type: "planLoaded", plan: null });
          return false;
        },
      ),
    );
  }

  /** Puts back the media the deck's last regeneration replaced (the files are still there). */
  undoRegeneration(deckId: number, wordId: number | null = null): Promise<boolean> {
    return this.run(this.ipc.undoRegeneration(deckId, wordId), (undone) => {
      const text = undone ? `Put back ${undone.restored} ${undone.restored === 1 ? "file" : "files"} from before the regeneration` : "Nothing to undo";
      this.store.dispatch({ type: "toast", kind: undone ? "success" : "info", text });
      void this.reloadPage();
      void this.loadPlan(deckId);
      void this.loadDecks();
    });
  }

  // ----- "Choose picture…" -----

  /** Opens the chooser for a word: the offline candidates at once (no provider call), then
   * photos from the keyless photo sources while the panel is open. */
  openChooser(wordId: number, text: string): Promise<boolean> {
    this.store.dispatch({ type: "chooserOpen", wordId, text });
    return this.run(this.ipc.pictureChoices(wordId), (choices) => {
      if (this.state.chooser?.wordId !== wordId) return;
      this.store.dispatch({ type: "chooserLoaded", choices, searching: true });
      void this.findPhotos(wordId);
    });
  }

  /** Photos for the open chooser. Advisory: a source that cannot answer is listed in the
   * panel; a failure of the whole search only ends the "searching" line. */
  private findPhotos(wordId: number): Promise<boolean> {
    return this.track(
      this.ipc.findPhotos(wordId).then(
        (choices) => {
          this.store.dispatch({ type: "chooserLoaded", choices, searching: false });
          return true;
        },
        (err: IpcError) => {
          const open = this.state.chooser;
          if (open?.wordId === wordId && open.choices) {
            const unavailable = [...open.choices.unavailable, `Photos: ${err.message}`];
            this.store.dispatch({ type: "chooserLoaded", choices: { ...open.choices, unavailable }, searching: false });
          }
          return false;
        },
      ),
    );
  }

  /** Makes a candidate the word's picture at once; the panel stays open (picking the earlier
   * one again is the undo). */
  choosePicture(wordId: number, candidateId: number): Promise<boolean> {
    this.store.dispatch({ type: "chooserPicking", candidateId });
    const picked = this.run(this.ipc.choosePicture(wordId, candidateId), () => {
      this.store.dispatch({ type: "toast", kind: "success", text: `Picture changed for “${this.state.chooser?.text ?? "the word"}”` });
      void this.reloadPage();
      void this.loadDecks();
    });
    return this.track(
      picked.then(async (ok) => {
        this.store.dispatch({ type: "chooserPicking", candidateId: null });
        if (this.state.chooser?.wordId !== wordId) return ok;
        const searching = this.state.chooser.searching;
        await this.run(this.ipc.pictureChoices(wordId), (choices) => this.store.dispatch({ type: "chooserLoaded", choices, searching }));
        return ok;
      }),
    );
  }

  closeChooser(): void {
    this.store.dispatch({ type: "chooserClose" });
  }

  exportDeck(deckId: number, format: "apkg" | "csv"): Promise<boolean> {
    return this.run(this.ipc.exportDeck(deckId, format), () => undefined);
  }

  ankiPush(deckId: number): Promise<boolean> {
    return this.run(this.ipc.ankiPush(deckId), () => undefined);
  }

  // ----- confirm / rename (UI only) -----

  ask(confirm: Exclude<State["confirm"], null>): void {
    this.store.dispatch({ type: "confirmAsk", confirm });
  }

  cancelConfirm(): void {
    this.store.dispatch({ type: "confirmCancel" });
  }

  startRename(deckId: number): void {
    this.store.dispatch({ type: "renameStart", deckId });
  }

  cancelRename(): void {
    this.store.dispatch({ type: "renameCancel" });
  }

  // ----- batches -----

  pauseBatch(batchId: number, paused: boolean): Promise<boolean> {
    return this.run(this.ipc.pauseBatch(batchId, paused), (batch) => this.store.dispatch({ type: "batchUpdated", batch }));
  }

  cancelBatch(batchId: number): Promise<boolean> {
    return this.run(this.ipc.cancelBatch(batchId), (batch) => this.store.dispatch({ type: "batchUpdated", batch }));
  }

  retryBatch(batchId: number): Promise<boolean> {
    return this.run(this.ipc.retryBatch(batchId), (batch) => {
      this.store.dispatch({ type: "batchUpdated", batch });
      if (batchId in this.state.batchErrors) this.store.dispatch({ type: "batchErrorsToggle", batchId });
    });
  }

  /** "Retry with…": the batch's failed words of the kinds `provider` makes, for that provider. */
  retryBatchWith(batchId: number, provider: ProviderName): Promise<boolean> {
    return this.run(this.ipc.retryBatchWith(batchId, provider), (batch) => {
      this.store.dispatch({ type: "batchUpdated", batch });
      if (batchId in this.state.batchErrors) this.store.dispatch({ type: "batchErrorsToggle", batchId });
    });
  }

  /** "Regenerate with…": one word's picture or recording, now, by another provider. */
  regenerateWordWith(wordId: number, kind: MediaKind, provider: ProviderName): Promise<boolean> {
    return this.run(this.ipc.regenerateWordWith(wordId, kind, provider), (batch) => {
      this.store.dispatch({ type: "batchUpdated", batch });
      void this.reloadPage();
    });
  }

  toggleBatchErrors(batchId: number): Promise<boolean> {
    this.store.dispatch({ type: "batchErrorsToggle", batchId });
    if (this.state.batchErrors[batchId] !== "loading") return Promise.resolve(true);
    return this.loadBatchErrors(batchId);
  }

  private loadBatchErrors(batchId: number): Promise<boolean> {
    return this.run(this.ipc.batchFailures(batchId), (errors) => this.store.dispatch({ type: "batchErrorsLoaded", batchId, errors }));
  }

  pauseAll(paused: boolean): Promise<boolean> {
    return this.run(this.ipc.pauseAll(paused), () => {
      this.store.dispatch({ type: "pausedAll", paused });
      void this.loadSnapshot();
    });
  }

  // ----- settings -----

  saveSettings(image: ProviderSettings, audio: ProviderSettings): Promise<boolean> {
    return this.run(this.ipc.saveSettings(image, audio), (settings) => {
      this.store.dispatch({ type: "settingsLoaded", settings });
      this.store.dispatch({ type: "toast", kind: "success", text: "Settings saved" });
      void this.loadChoices();
    });
  }

  // ----- neural voices -----

  /** Reads the voices of `language` ("en", "de_DE"; empty: all): installed and installable. */
  listVoices(language: string): Promise<boolean> {
    this.store.dispatch({ type: "voicesLoading", language });
    return this.run(this.ipc.voiceList(language.trim() || null), (list) => this.store.dispatch({ type: "voicesLoaded", list })).then((ok) => {
      if (!ok) this.store.dispatch({ type: "voicesLoaded", list: null });
      return ok;
    });
  }

  /** Starts installing a voice; its progress and end arrive as `VoiceInstall` events. */
  installVoice(key: string): Promise<boolean> {
    return this.run(this.ipc.voiceInstall(key), () => undefined);
  }

  /** Speaks a short greeting with an installed voice and plays it (the core makes the file). */
  async playVoiceSample(audio: HTMLAudioElement, key: string): Promise<boolean> {
    this.store.dispatch({ type: "voiceSampling", key });
    let path: string | null = null;
    const ok = await this.run(this.ipc.voiceSample(key), (p) => void (path = p));
    this.store.dispatch({ type: "voiceSampling", key: null });
    if (ok && path) await this.playAudio(audio, path);
    return ok;
  }

  removeVoice(key: string): Promise<boolean> {
    return this.run(this.ipc.voiceRemove(key), () => void this.listVoices(this.state.voices.language));
  }

  setApiKey(provider: ProviderName, key: string): Promise<boolean> {
    return this.run(this.ipc.setApiKey(provider, key), (hint) => {
      this.store.dispatch({ type: "keyHint", provider, hint });
      this.store.dispatch({ type: "toast", kind: "success", text: "Key saved" });
    });
  }

  deleteApiKey(provider: ProviderName): Promise<boolean> {
    return this.run(this.ipc.deleteApiKey(provider), () => {
      this.store.dispatch({ type: "keyHint", provider, hint: null });
      this.store.dispatch({ type: "toast", kind: "info", text: "Key removed" });
    });
  }

  openFolder(which: "data" | "logs"): Promise<boolean> {
    return this.run(this.ipc.openFolder(which), () => undefined);
  }

  dismissToast(id: number): void {
    this.store.dispatch({ type: "toastDismiss", id });
  }

  mediaSrc(path: string): string {
    return this.ipc.mediaSrc(path);
  }

  /**
   * Plays a recording. Its bytes come over IPC and play from a `blob:` URL: WebKitGTK's media
   * player refuses `asset:` URLs (tauri-apps/tauri#3725). The previous blob is released.
   */
  async playAudio(audio: HTMLAudioElement, path: string): Promise<void> {
    try {
      const bytes = await this.ipc.readMedia(path);
      const url = URL.createObjectURL(new Blob([bytes], { type: audioMime(path) }));
      if (this.audioUrl) URL.revokeObjectURL(this.audioUrl);
      this.audioUrl = url;
      audio.src = url;
      await audio.play();
    } catch (err) {
      // A refused autoplay is not worth a toast; a missing or unreadable file is.
      if (err instanceof DOMException) return;
      const e = toIpcError(err);
      this.store.dispatch({ type: "error", error: { code: e.code, message: `Cannot play the recording: ${e.message}` } });
    }
  }

  private audioUrl: string | null = null;
}

/** The MIME type of a recording, from its file name (the store names files by content hash). */
export function audioMime(path: string): string {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  switch (ext) {
    case "mp3":
      return "audio/mpeg";
    case "ogg":
    case "oga":
      return "audio/ogg";
    case "wav":
      return "audio/wav";
    default:
      return "application/octet-stream";
  }
}
