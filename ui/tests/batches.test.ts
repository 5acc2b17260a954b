import { afterEach, describe, expect, it, vi } from "vitest";
import { $, $$, Backend, batch, key, progressEvent, reset, sendEvent, snapshot, startApp, type BatchProgressEvent } from "./helpers";

afterEach(reset);

const progress = (over: Partial<BatchProgressEvent> = {}) => sendEvent(progressEvent(over));

describe("badge and batches panel", () => {
  it("the badge counts up with progress events and opens the panel", async () => {
    new Backend({ snapshot: () => snapshot([batch()]) });
    const { app } = await startApp();
    expect($("#badge").textContent).toBe("Generating 0/100");
    expect($("#batches-panel").hidden).toBe(true);

    await progress({ completed: 40, failed: 3, cancelled: 2, eta_seconds: 110, eta_text: "~2 min left" });
    app.flush();
    expect($("#badge").textContent).toBe("Generating 45/100");
    expect($("#badge").dataset.mode).toBe("working");

    $("#badge").click();
    app.flush();
    expect($("#batches-panel").hidden).toBe(false);
    expect($("#badge").getAttribute("aria-expanded")).toBe("true");
    const row = $("[data-testid=batch-row][data-batch-id='7']");
    expect($("[data-testid=batch-count]", row).textContent).toBe("45/100 words");
    expect($("[data-testid=batch-failed]", row).textContent).toBe("3 failed");
    expect($("[data-testid=batch-eta]", row).textContent).toBe("~2 min left");
    expect($("[data-testid=batch-bar]", row).getAttribute("aria-valuenow")).toBe("45");
  });

  it("renders once per frame however many events arrive", async () => {
    new Backend({ snapshot: () => snapshot([batch()]) });
    const { app, renders } = await startApp();
    const before = renders();
    for (let i = 1; i <= 50; i++) await progress({ completed: i });
    expect(renders()).toBe(before); // nothing drawn until the frame
    app.flush();
    expect(renders()).toBe(before + 1);
    expect($("#badge").textContent).toBe("Generating 50/100");
  });

  it("shows Paused and Waiting for network from queue state", async () => {
    new Backend({ snapshot: () => snapshot([batch({ completed_words: 10 })]) });
    const { app } = await startApp();
    await sendEvent({ type: "QueueState", running: 0, paused: false, waiting_for_network: true });
    app.flush();
    expect($("#badge").textContent).toBe("Waiting for network 10/100");
    expect($("#queue-note").hidden).toBe(false);
    await sendEvent({ type: "QueueState", running: 0, paused: true, waiting_for_network: false });
    app.flush();
    expect($("#badge").textContent).toBe("Paused 10/100");
    expect($("#pause-all").hidden).toBe(true);
    expect($("#resume-all").hidden).toBe(false);
  });

  it("a finished batch shows its result, offers Retry failed and per-word errors", async () => {
    const backend = new Backend({
      snapshot: () => snapshot([batch()]),
      batch_failures: () => ({
        summary: "98 done, 2 failed: 1 rejected by the provider, 1 timed out",
        errors: [
          { word_id: 12, text: "gato", kind: "image", error: "HTTP 400: content policy", failure: "rejected" },
          { word_id: 13, text: "perro", kind: "audio", error: "gave up after repeated errors; last: timed out after 30 s", failure: "timed_out" },
        ],
      }),
      retry_batch: ({ batchId }) => batch({ id: batchId as number, status: "pending", completed_words: 98 }),
    });
    const { app } = await startApp();
    app.controller.toggleBatches(true);
    await sendEvent({ type: "BatchFinished", batch_id: 7, status: "completed", completed: 98, failed: 2, cancelled: 0, total: 100, summary: "98 done, 2 failed: 1 rejected by the provider, 1 timed out" });
    app.flush();

    const row = $("[data-testid=batch-row][data-batch-id='7']");
    expect(row.dataset.status).toBe("completed");
    expect($("[data-testid=batch-status]", row).textContent).toBe("Finished with errors");
    expect($("[data-testid=batch-pause]", row).hidden).toBe(true);
    expect($("[data-testid=batch-cancel]", row).hidden).toBe(true);
    expect($("[data-testid=batch-eta]", row).hidden).toBe(true);
    expect($("#badge").textContent).toBe("Idle");
    expect($$("[data-testid=toast] .toast-text").map((t) => t.textContent)).toContain("Spanish A1: 98 done, 2 failed: 1 rejected by the provider, 1 timed out");

    $("[data-testid=batch-errors-toggle]", row).click();
    await app.settle();
    expect(backend.callsOf("batch_failures")).toEqual([{ batchId: 7 }]);
    expect($("[data-testid=batch-summary]", row).textContent).toBe("98 done, 2 failed: 1 rejected by the provider, 1 timed out");
    const errs = $$("[data-testid=batch-error]", row);
    expect(errs.map((e) => e.textContent)).toEqual([
      "gato (picture): HTTP 400: content policy",
      "perro (audio): gave up after repeated errors; last: timed out after 30 s",
    ]);

    $("[data-testid=batch-retry]", row).click();
    await app.settle();
    expect(backend.callsOf("retry_batch")).toEqual([{ batchId: 7 }]);
    expect(row.dataset.status).toBe("pending");
    expect($("#badge").textContent).toBe("Generating 98/100");
  });

  it("Retry with… lists each provider once for the batch's kinds and retries with it", async () => {
    const backend = new Backend({
      snapshot: () => snapshot([batch({ status: "completed", failed_words: 2, kinds: ["audio"] })]),
      provider_choices: () => [
        { kind: "image", provider: "openverse", label: "Openverse (licensed photos)" },
        { kind: "audio", provider: "offline", label: "Offline (built in)" },
        { kind: "image", provider: "offline", label: "Offline (built in)" },
        { kind: "audio", provider: "wikimedia", label: "Wikimedia (human recordings, licensed photos)" },
      ],
      retry_batch_with: ({ batchId }) => batch({ id: batchId as number, status: "pending", kinds: ["audio"] }),
    });
    const { app } = await startApp();
    app.controller.toggleBatches(true);
    app.flush();
    const select = $("[data-testid=batch-retry-with]") as HTMLSelectElement;
    expect(select.hidden).toBe(false);
    select.dispatchEvent(new Event("focus"));
    expect([...select.options].map((o) => o.value)).toEqual(["", "offline", "wikimedia"]);
    select.value = "wikimedia";
    select.dispatchEvent(new Event("change"));
    await app.settle();
    expect(backend.callsOf("retry_batch_with")).toEqual([{ batchId: 7, provider: "wikimedia" }]);
  });

  it("Pause, Resume and Cancel call the batch commands", async () => {
    const backend = new Backend({
      snapshot: () => snapshot([batch()]),
      pause_batch: ({ batchId, paused }) => batch({ id: batchId as number, paused: paused as boolean, status: paused ? "paused" : "processing" }),
      cancel_batch: ({ batchId }) => batch({ id: batchId as number, status: "cancelled" }),
      pause_all: () => null,
    });
    const { app } = await startApp();
    app.controller.toggleBatches(true);
    app.flush();
    const row = $("[data-testid=batch-row]");
    $("[data-testid=batch-pause]", row).click();
    await app.settle();
    expect(backend.callsOf("pause_batch")).toEqual([{ batchId: 7, paused: true }]);
    expect($("[data-testid=batch-pause]", row).hidden).toBe(true);
    expect($("#badge").textContent).toBe("Paused 0/100");

    $("[data-testid=batch-resume]", row).click();
    await app.settle();
    expect(backend.callsOf("pause_batch")[1]).toEqual({ batchId: 7, paused: false });

    $("[data-testid=batch-cancel]", row).click();
    await app.settle();
    expect(backend.callsOf("cancel_batch")).toEqual([{ batchId: 7 }]);
    expect($("[data-testid=batch-status]", row).textContent).toBe("Cancelled");

    $("#pause-all").click();
    await app.settle();
    expect(backend.callsOf("pause_all")).toEqual([{ paused: true }]);
  });

  it("Resync and an unknown batch re-read the snapshot", async () => {
    let batches = [batch()];
    const backend = new Backend({ snapshot: () => snapshot(batches) });
    const { app } = await startApp();
    expect(backend.callsOf("snapshot")).toHaveLength(1);

    batches = [batch(), batch({ id: 8, deck: "French", total_words: 50 })];
    await sendEvent({ type: "Resync" });
    await app.settle();
    expect(backend.callsOf("snapshot")).toHaveLength(2);
    expect($("#badge").textContent).toBe("Generating 0/150");
    app.controller.toggleBatches(true);
    app.flush();
    expect($$("[data-testid=batch-row]").map((r) => r.dataset.batchId)).toEqual(["7", "8"]);

    // Progress of a batch started elsewhere (say, by the CLI): one snapshot for the burst.
    vi.useFakeTimers();
    try {
      batches = [...batches, batch({ id: 9, deck: "German", total_words: 10 })];
      for (let i = 1; i <= 3; i++) {
        await sendEvent({ type: "BatchProgress", batch_id: 9, status: "processing", completed: i, failed: 0, cancelled: 0, total: 10, eta_seconds: null, eta_text: null });
      }
      expect(backend.callsOf("snapshot")).toHaveLength(2);
      vi.runOnlyPendingTimers();
    } finally {
      vi.useRealTimers();
    }
    await app.settle();
    expect(backend.callsOf("snapshot")).toHaveLength(3);
    expect($$("[data-testid=batch-row]").map((r) => r.dataset.batchId)).toEqual(["7", "8", "9"]);
  });

  it("Resumed at start becomes a toast", async () => {
    new Backend({ snapshot: () => snapshot([batch()]) });
    const { app } = await startApp();
    await sendEvent({ type: "Resumed", batches: 2 });
    await app.settle();
    expect($("[data-testid=toast] .toast-text").textContent).toBe("Resumed 2 batches");
  });

  it("is keyboard driven: the badge opens the panel, Escape closes it and gives focus back", async () => {
    new Backend({ snapshot: () => snapshot([batch()]) });
    const { app } = await startApp();
    $("#badge").click();
    app.flush();
    expect(document.activeElement?.id).toBe("pause-all");
    key($("#pause-all"), "Escape");
    app.flush();
    expect($("#batches-panel").hidden).toBe(true);
    expect(document.activeElement?.id).toBe("badge");
  });

  it("a paused queue shows on every unfinished batch", async () => {
    new Backend({ snapshot: () => snapshot([batch(), batch({ id: 8, status: "completed" })], true) });
    const { app } = await startApp();
    app.controller.toggleBatches(true);
    app.flush();
    expect($$("[data-testid=batch-status]").map((e) => e.textContent)).toEqual(["Paused (all)", "Done"]);
    await sendEvent({ type: "QueueState", running: 1, paused: false, waiting_for_network: false });
    app.flush();
    expect($$("[data-testid=batch-status]").map((e) => e.textContent)).toEqual(["Generating", "Done"]);
  });
});
