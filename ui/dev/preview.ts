// A preview of the UI in any browser, with no shell: an in-memory fake backend behind
// `@tauri-apps/api/mocks` (decks, 250 words, a batch that progresses). Built by
// `npm run preview` into ui/dist-preview; never part of the app's bundle.
//
// The hash picks a starting point: #deck, #batches, #import, #settings, #edit, #confirm.

import { emit } from "@tauri-apps/api/event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { createApp } from "../src/app";
import { EVENT_NAME } from "../src/types";
import type { AppEvent, BatchInfo, Commands, DeckSummary, MediaState, WordMedia } from "../src/types";

const COLORS = ["#f97316", "#22c55e", "#3b82f6", "#a855f7", "#eab308", "#ef4444"];
function picture(text: string, i: number): string {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" rx="10" fill="${COLORS[i % COLORS.length]}"/><text x="32" y="40" font-size="22" text-anchor="middle" fill="white" font-family="sans-serif">${text.slice(0, 2)}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

const WORDS = ["manzana", "perro", "gato", "casa", "libro", "agua", "sol", "luna", "árbol", "coche", "mesa", "silla"];
const TRANS = ["apple", "dog", "cat", "house", "book", "water", "sun", "moon", "tree", "car", "table", "chair"];
const none = (): MediaState => ({ status: "none", path: null, error: null, stale: false, warning: null, provider: null, attribution: null });

const words: WordMedia[] = [];
for (let i = 0; i < 250; i++) {
  const text = i < WORDS.length ? WORDS[i]! : `palabra ${i + 1}`;
  const done = i < 83;
  words.push({
    word_id: i + 1,
    text,
    spoken: null,
    undoable: i === 2,
    language: "es",
    translation: i < TRANS.length ? TRANS[i]! : null,
    sentence: i === 1 ? "El perro come pan." : null,
    translation_audio: none(),
    sentence_audio: i === 1 ? { ...none(), status: "done", path: "data:audio/ogg;base64," } : none(),
    image: done ? { ...none(), status: "done", path: picture(text, i) } : i === 83 ? { ...none(), status: "failed", error: "HTTP 400: the prompt was rejected" } : { ...none(), status: "queued" },
    audio: i < 200 ? { ...none(), status: "done", path: "data:audio/ogg;base64," } : i === 200 ? { ...none(), status: "waiting" } : { ...none(), status: "queued" },
  });
}
words[3]!.audio = { ...none(), status: "running" };

const decks: DeckSummary[] = [
  { id: 1, name: "Spanish A1", language: "es", word_count: 250, created_at: 0, images_done: 83, audio_done: 200, images_failed: 1, audio_failed: 0, slots: ["image", "audio", "sentence_audio"], translation_language: "" },
  { id: 2, name: "French verbs", language: "fr", word_count: 40, created_at: 0, images_done: 40, audio_done: 40, images_failed: 0, audio_failed: 0, slots: ["image", "audio"], translation_language: "" },
  { id: 3, name: "Japanese kanji N5", language: "ja", word_count: 100, created_at: 0, images_done: 0, audio_done: 12, images_failed: 0, audio_failed: 3, slots: ["image", "audio"], translation_language: "" },
];

const batch: BatchInfo = {
  id: 7, deck_id: 1, deck: "Spanish A1", kinds: ["image", "audio"], status: "processing", progress: 40,
  total_words: 250, completed_words: 98, failed_words: 2, cancelled_words: 0, reused_jobs: 0, total_jobs: 500,
  done_jobs: 200, failed_jobs: 2, cancelled_jobs: 0, paused: false, created_at: 0, updated_at: 0, finished_at: null,
};
const finished: BatchInfo = { ...batch, id: 6, deck_id: 2, deck: "French verbs", status: "completed", total_words: 40, completed_words: 38, failed_words: 2, progress: 100, finished_at: 1 };

/** The preview's answers, typed by the generated `Commands` (a drifted shape fails `npm run check`). */
const answers: { [K in keyof Commands]?: (a: Commands[K]["args"]) => Commands[K]["result"] } = {
  app_info: () => ({ name: "Deck Media", version: "0.1.0", data_dir: "/home/you/.local/share/deckmedia", log_dir: "/home/you/.local/share/deckmedia/logs", resumed_batches: 1 }),
  list_decks: () => decks,
  snapshot: () => ({ paused: false, batches: [batch, finished], queued: 150, running: 2, waiting_for_network: false, attention: null, providers: [] }),
  deck_media: (a) => ({ total: words.length, offset: a.offset, items: words.slice(a.offset, a.offset + a.limit) }),
  batch_failures: () => ({
    summary: "38 done, 2 failed: 1 rejected by the provider, 1 timed out",
    errors: [
      { word_id: 84, text: "palabra 84", kind: "image", error: "HTTP 400: the prompt was rejected", failure: "rejected" },
      { word_id: 85, text: "palabra 85", kind: "audio", error: "gave up after repeated errors; last: timed out after 30 s", failure: "timed_out" },
    ],
  }),
  preview_import: () => ({
    total: 3,
    rows: [{ text: "manzana", translation: "apple" }, { text: "perro", translation: "dog" }],
    errors: [{ line: 3, reason: "a row has 3 columns; expected word and translation" }],
    error_count: 1,
    columns: ["word", "translation"],
    format: "table",
    delimiter: ",",
    media_files: 0,
  }),
  get_settings: () => ({
    image: { provider: "openai", base_url: "https://api.openai.com/v1", model: "gpt-image-1", voice: "", size: "1024x1024", format: "png", max_concurrency: 2, requests_per_minute: 60, timeout_secs: 120, key_hint: "…abcd" },
    audio: { provider: "offline", base_url: "", model: "", voice: "", size: "", format: "ogg", max_concurrency: 2, requests_per_minute: 0, timeout_secs: 60, key_hint: null },
    data_dir: "/home/you/.local/share/deckmedia", log_dir: "/home/you/.local/share/deckmedia/logs", key_store: "the Secret Service keyring", key_store_warning: null,
  }),
  update_word: (a) => {
    const w = words.find((x) => x.word_id === a.wordId)!;
    w.text = a.text;
    w.translation = a.translation;
    return { id: w.word_id, deck_id: 1, text: w.text, language: "es", translation: w.translation, note: null, sentence: w.sentence, position: 0 };
  },
  generate: () => batch,
  generate_word: () => batch,
  retry_batch: () => batch,
  pause_batch: (a) => ({ ...batch, paused: a.paused, status: a.paused ? "paused" : "processing" }),
  cancel_batch: () => ({ ...batch, status: "cancelled" }),
};

mockIPC(
  (cmd, raw) => {
    const answer = answers[cmd as keyof Commands] as ((a: unknown) => unknown) | undefined;
    if (!answer) throw { code: "app", message: `The preview has no “${cmd}”.` };
    return answer(raw ?? {});
  },
  { shouldMockEvents: true },
);
(window as unknown as { __TAURI_INTERNALS__: Record<string, unknown> }).__TAURI_INTERNALS__.convertFileSrc = (p: string) => p;

const app = createApp(document.getElementById("app")!);
const send = (ev: AppEvent) => emit(EVENT_NAME, ev);

void app.start().then(async () => {
  const hash = location.hash.slice(1);
  await send({ type: "Resumed", batches: 1 });
  await send({ type: "BatchProgress", batch_id: 7, status: "processing", completed: 98, failed: 2, cancelled: 0, total: 250, eta_seconds: 130, eta_text: "~2 min left" });
  if (hash === "deck" || hash === "edit" || hash === "confirm") {
    await app.controller.navigate({ page: "deck", deckId: 1 });
    if (hash === "edit") {
      await app.settle();
      app.controller.startEdit(2, "text");
    }
    if (hash === "confirm") {
      await app.settle();
      app.controller.ask({ what: "delete-word", wordId: 1 });
    }
  }
  if (hash === "batches") {
    app.controller.toggleBatches(true);
    await app.controller.toggleBatchErrors(6);
  }
  if (hash === "import") {
    await app.controller.navigate({ page: "import", deckId: 1 });
    await app.settle();
    (document.getElementById("import-text") as HTMLTextAreaElement).value = "manzana,apple\nperro,dog\ngato,cat,extra";
    await app.controller.previewImport("manzana,apple\nperro,dog\ngato,cat,extra");
  }
  if (hash === "settings") await app.controller.navigate({ page: "settings" });
  let done = 100;
  setInterval(() => {
    if (done >= 250) return;
    done += 1;
    void send({ type: "BatchProgress", batch_id: 7, status: "processing", completed: done - 2, failed: 2, cancelled: 0, total: 250, eta_seconds: Math.round((250 - done) * 0.9), eta_text: "~3 min left" });
  }, 500);
});
