import { describe, expect, it } from "vitest";
import { badge, coverageText, mediaStatusText } from "../src/selectors";
import { initialState, percent, reduce, type Action, type State } from "../src/state";
import { batch, deck, media, snapshot, word } from "./helpers";

function run(state: State, ...actions: Action[]): State {
  return actions.reduce(reduce, state);
}

const withBatch = (over = {}) => run(initialState(), { type: "snapshot", snapshot: snapshot([batch(over)]) });

describe("reducer: batch events", () => {
  it("progress updates the batch's counts, status and ETA", () => {
    const s = run(withBatch(), {
      type: "event",
      event: { type: "BatchProgress", batch_id: 7, status: "processing", completed: 40, failed: 3, cancelled: 2, total: 100, eta_seconds: 120, eta_text: "~2 min left" },
    });
    const b = s.batches[7]!;
    expect([b.completed_words, b.failed_words, b.cancelled_words, b.total_words]).toEqual([40, 3, 2, 100]);
    expect(b.eta_seconds).toBe(120);
    expect(b.eta_text).toBe("~2 min left");
    // A whole percent, as the core's BatchInfo.progress (never a fraction).
    expect(b.progress).toBe(45);
  });

  it("progress is the core's percent: floored, 100 for an empty batch and when finished", () => {
    expect([percent(0, 3), percent(1, 3), percent(2, 3), percent(3, 3), percent(0, 0)]).toEqual([0, 33, 66, 100, 100]);
    const s = run(
      withBatch(),
      { type: "event", event: { type: "BatchProgress", batch_id: 7, status: "processing", completed: 2, failed: 0, cancelled: 0, total: 3, eta_seconds: null, eta_text: null } },
    );
    expect(s.batches[7]!.progress).toBe(66);
    const done = reduce(s, { type: "event", event: { type: "BatchFinished", batch_id: 7, status: "completed", completed: 3, failed: 0, cancelled: 0, total: 3, summary: "3 done" } });
    expect(done.batches[7]!.progress).toBe(100);
  });

  it("the window keeps the core's ETA words as they are (the tray says the same)", () => {
    const s = run(withBatch(), {
      type: "event",
      event: { type: "BatchProgress", batch_id: 7, status: "processing", completed: 1, failed: 0, cancelled: 0, total: 100, eta_seconds: 3590, eta_text: "~1 h left" },
    });
    expect(s.batches[7]!.eta_text).toBe("~1 h left");
  });

  it("progress for an unknown batch leaves the state as it is (the controller re-reads the snapshot)", () => {
    const s0 = withBatch();
    const s1 = reduce(s0, {
      type: "event",
      event: { type: "BatchProgress", batch_id: 99, status: "processing", completed: 1, failed: 0, cancelled: 0, total: 5, eta_seconds: null, eta_text: null },
    });
    expect(s1).toBe(s0);
  });

  it("a paused progress marks the batch paused", () => {
    const s = run(withBatch(), {
      type: "event",
      event: { type: "BatchProgress", batch_id: 7, status: "paused", completed: 10, failed: 0, cancelled: 0, total: 100, eta_seconds: 50, eta_text: "~50 s left" },
    });
    expect(s.batches[7]!.paused).toBe(true);
  });

  it("finished sets the final counts, drops the ETA and says so in a toast", () => {
    const s = run(
      withBatch(),
      { type: "event", event: { type: "BatchProgress", batch_id: 7, status: "processing", completed: 90, failed: 0, cancelled: 0, total: 100, eta_seconds: 30, eta_text: "~30 s left" } },
      { type: "event", event: { type: "BatchFinished", batch_id: 7, status: "completed", completed: 98, failed: 2, cancelled: 0, total: 100, summary: "98 done, 2 failed: 1 rejected by the provider, 1 timed out" } },
    );
    const b = s.batches[7]!;
    expect(b.status).toBe("completed");
    expect(b.completed_words).toBe(98);
    expect(b.failed_words).toBe(2);
    expect(b.eta_seconds).toBeNull();
    expect(b.eta_text).toBeNull();
    expect(s.toasts.map((t) => [t.kind, t.text])).toEqual([["error", "Spanish A1: 98 done, 2 failed: 1 rejected by the provider, 1 timed out"]]);
  });

  it("a snapshot (as after Resync) replaces the batches but keeps known ETAs", () => {
    const s1 = run(withBatch(), {
      type: "event",
      event: { type: "BatchProgress", batch_id: 7, status: "processing", completed: 10, failed: 0, cancelled: 0, total: 100, eta_seconds: 90, eta_text: "~2 min left" },
    });
    const s2 = reduce(s1, { type: "snapshot", snapshot: snapshot([batch({ completed_words: 50 }), batch({ id: 8, deck: "French" })], true) });
    expect(Object.keys(s2.batches)).toEqual(["7", "8"]);
    expect(s2.batches[7]!.completed_words).toBe(50);
    expect(s2.batches[7]!.eta_seconds).toBe(90);
    expect(s2.batches[7]!.eta_text).toBe("~2 min left");
    expect(s2.queue.paused).toBe(true);
  });

  it("Resync itself changes nothing: the snapshot that follows does", () => {
    const s0 = withBatch();
    expect(reduce(s0, { type: "event", event: { type: "Resync" } })).toBe(s0);
  });

  it("queue state carries paused and waiting for network", () => {
    const s = run(initialState(), { type: "event", event: { type: "QueueState", running: 0, paused: false, waiting_for_network: true } });
    expect(s.queue).toMatchObject({ paused: false, waitingForNetwork: true, running: 0 });
    const s2 = reduce(s, { type: "event", event: { type: "QueueState", running: 2, paused: true, waiting_for_network: false } });
    expect(s2.queue).toMatchObject({ paused: true, waitingForNetwork: false, running: 2 });
  });

  it("Resumed becomes one toast per session, from the event or from app_info", () => {
    const none = run(initialState(), { type: "event", event: { type: "Resumed", batches: 0 } });
    expect(none.toasts).toEqual([]);
    const one = run(initialState(), { type: "event", event: { type: "Resumed", batches: 1 } });
    expect(one.toasts.map((t) => t.text)).toEqual(["Resumed 1 batch"]);
    const info = { name: "Deck Media", version: "0.1.0", data_dir: "/d", log_dir: "/d/logs", resumed_batches: 2 };
    const s = run(initialState(), { type: "appInfo", info }, { type: "event", event: { type: "Resumed", batches: 2 } });
    expect(s.toasts.map((t) => t.text)).toEqual(["Resumed 2 batches"]);
  });

  it("a snapshot's waiting for network is the truth both ways (the shell always sends it)", () => {
    const s = run(initialState(), { type: "snapshot", snapshot: { ...snapshot([batch()]), waiting_for_network: true } });
    expect(s.queue.waitingForNetwork).toBe(true);
    expect(reduce(s, { type: "snapshot", snapshot: snapshot([batch()]) }).queue.waitingForNetwork).toBe(false);
  });

  it("export tasks are tracked and their end is a toast", () => {
    const s = run(
      initialState(),
      { type: "event", event: { type: "TaskProgress", task_id: 3, label: "Export Spanish A1", done: 4, total: 10 } },
      { type: "event", event: { type: "TaskFinished", task_id: 3, label: "Export Spanish A1", ok: false, message: "disk full" } },
    );
    expect(s.tasks).toEqual([{ id: 3, label: "Export Spanish A1", done: 10, total: 10, finished: true, ok: false, message: "disk full" }]);
    expect(s.toasts.map((t) => [t.kind, t.text])).toEqual([["error", "Export Spanish A1: disk full"]]);
  });
});

describe("reducer: the open deck", () => {
  const open = () =>
    run(
      initialState(),
      { type: "navigate", route: { page: "deck", deckId: 1 } },
      { type: "deckPageLoaded", deckId: 1, limit: 100, page: { total: 2, offset: 0, items: [word(10, "perro"), word(11, "gato")] } },
    );

  it("JobFinished updates that word's status for that kind only", () => {
    const base = open();
    const s = run(
      base,
      { type: "event", event: { type: "JobFinished", batch_id: 7, job_id: 1, word_id: 11, kind: "image", outcome: "failed", error: "HTTP 400: bad prompt" } },
      { type: "event", event: { type: "JobFinished", batch_id: 7, job_id: 2, word_id: 11, kind: "audio", outcome: "waiting", error: null } },
    );
    const gato = s.deckPage!.items[1]!;
    expect(gato.image).toMatchObject({ status: "failed", error: "HTTP 400: bad prompt" });
    expect(gato.audio.status).toBe("waiting");
    // The other row is the same object, so its view skips it.
    expect(s.deckPage!.items[0]).toBe(base.deckPage!.items[0]);
  });

  it("a page that arrives for a deck no longer open is dropped", () => {
    const s0 = run(open(), { type: "navigate", route: { page: "decks" } });
    const s1 = reduce(s0, { type: "deckPageLoaded", deckId: 1, limit: 100, page: { total: 1, offset: 0, items: [word(1, "x")] } });
    expect(s1).toBe(s0);
  });

  it("a saved word closes its edit and shows the new text", () => {
    const s = run(
      open(),
      { type: "editStart", wordId: 10, focus: "text" },
      { type: "wordUpdated", word: { id: 10, deck_id: 1, text: "perrito", language: "es", translation: "puppy", note: null, sentence: null, position: 0 } },
    );
    expect(s.editing).toBeNull();
    expect(s.deckPage!.items[0]).toMatchObject({ text: "perrito", translation: "puppy" });
  });

  it("a deleted deck leaves its page", () => {
    const s = run(open(), { type: "decksLoaded", decks: [deck()] }, { type: "deckDeleted", deckId: 1 });
    expect(s.route).toEqual({ page: "decks" });
    expect(s.decks).toEqual([]);
    expect(s.deckPage).toBeNull();
  });
});

describe("badge", () => {
  it("is idle with no unfinished batch", () => {
    expect(badge(initialState()).text).toBe("Idle");
    expect(badge(withBatch({ status: "completed", completed_words: 100 })).text).toBe("Idle");
  });

  it("sums settled words over unfinished batches only", () => {
    const s = run(initialState(), {
      type: "snapshot",
      snapshot: snapshot([
        batch({ id: 1, total_words: 60, completed_words: 30, failed_words: 2, cancelled_words: 0 }),
        batch({ id: 2, total_words: 40, completed_words: 10, failed_words: 0, cancelled_words: 3, status: "pending" }),
        batch({ id: 3, total_words: 500, completed_words: 500, status: "completed" }),
      ]),
    });
    expect(badge(s)).toEqual({ mode: "working", text: "Generating 45/100", settled: 45, total: 100 });
  });

  it("says Paused when the queue is paused or every open batch is", () => {
    const s = run(withBatch({ completed_words: 45 }), { type: "pausedAll", paused: true });
    expect(badge(s).text).toBe("Paused 45/100");
    expect(badge(withBatch({ completed_words: 5, status: "paused", paused: true })).text).toBe("Paused 5/100");
  });

  it("says Waiting for network while the server is unreachable", () => {
    const s = run(withBatch({ completed_words: 45 }), {
      type: "event",
      event: { type: "QueueState", running: 0, paused: false, waiting_for_network: true },
    });
    expect(badge(s)).toMatchObject({ mode: "waiting", text: "Waiting for network 45/100" });
  });
});

describe("texts", () => {
  it("coverage", () => {
    expect(coverageText(deck())).toBe("83/100 pictures, 100/100 audio");
  });

  it("media status", () => {
    expect(mediaStatusText(media({ status: "running" }))).toBe("generating");
    expect(mediaStatusText(media({ status: "failed", error: "quota" }))).toBe("failed: quota");
    expect(mediaStatusText(media({ status: "waiting" }))).toBe("waiting for network");
    expect(mediaStatusText(media({ status: "done", stale: true }))).toBe("stale");
  });
});
