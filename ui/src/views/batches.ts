// The batches panel: a progress bar per batch with its ETA, Pause / Resume / Cancel,
// "Retry failed", and the per-word errors on demand; Pause all / Resume all for the queue.

import type { Controller } from "../controller";
import { h, replaceChildren, setHidden, setText, syncKeyed, type Row } from "../dom";
import { batchStatusText, kindsText, sortedBatches } from "../selectors";
import { isFinished, type BatchView, type State } from "../state";
import type { BatchFailures, MediaKind, ProviderName } from "../types";
import type { View } from "./view";

interface BatchItem {
  batch: BatchView;
  errors: BatchFailures | "loading" | undefined;
  queuePaused: boolean;
}

export function batchesView(ctl: Controller): View {
  const pauseAll = h("button", { id: "pause-all", type: "button", onclick: () => void ctl.pauseAll(true) }, "Pause all");
  const resumeAll = h("button", { id: "resume-all", type: "button", class: "primary", onclick: () => void ctl.pauseAll(false) }, "Resume all");
  const note = h("p", { id: "queue-note", class: "note" });
  const empty = h("p", { id: "batches-empty", class: "muted" }, "No batches yet. Open a deck and press “Generate missing”.");
  const list = h("ul", { id: "batch-list", class: "batch-list" });
  const el = h(
    "aside",
    { id: "batches-panel", class: "panel", "aria-label": "Batches", hidden: true },
    h(
      "div",
      { class: "panel-head" },
      h("h2", { id: "batches-title" }, "Batches"),
      h("div", { class: "spacer" }),
      pauseAll,
      resumeAll,
      h("button", { id: "close-batches", type: "button", class: "icon-button", "aria-label": "Close batches", onclick: () => ctl.toggleBatches(false) }, "×"),
    ),
    note,
    empty,
    list,
  );
  el.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      ctl.toggleBatches(false);
      document.getElementById("badge")?.focus();
    }
  });

  const rows = new Map<string | number, Row<BatchItem>>();
  let lastBatches: State["batches"] | null = null;
  let lastErrors: State["batchErrors"] | null = null;
  let lastQueuePaused = false;
  let wasOpen = false;

  return {
    el,
    update(state: State) {
      setHidden(el, !state.batchesOpen);
      setHidden(pauseAll, state.queue.paused);
      setHidden(resumeAll, !state.queue.paused);
      if (state.batchesOpen && !wasOpen) (state.queue.paused ? resumeAll : pauseAll).focus();
      wasOpen = state.batchesOpen;
      const noteText = state.queue.waitingForNetwork
        ? "Waiting for the network: jobs stay queued and resume by themselves when the server answers."
        : state.queue.paused
          ? "The queue is paused. Nothing is generated until you resume."
          : "";
      setText(note, noteText);
      setHidden(note, noteText === "");

      if (state.batches === lastBatches && state.batchErrors === lastErrors && state.queue.paused === lastQueuePaused) return;
      lastBatches = state.batches;
      lastErrors = state.batchErrors;
      lastQueuePaused = state.queue.paused;
      const items = sortedBatches(state).map((batch) => ({ batch, errors: state.batchErrors[batch.id], queuePaused: state.queue.paused }));
      setHidden(empty, items.length > 0);
      syncKeyed(list, rows, items, (i) => i.batch.id, (i) => batchRow(ctl, i));
    },
  };
}

function batchRow(ctl: Controller, first: BatchItem): Row<BatchItem> {
  const id = first.batch.id;
  const title = h("button", {
    type: "button",
    class: "link batch-deck",
    "data-testid": "batch-open-deck",
    title: "Open this deck",
    onclick: () => last && void ctl.navigate({ page: "deck", deckId: last.batch.deck_id }),
  });
  const kinds = h("span", { class: "muted" });
  const status = h("span", { class: "batch-status", "data-testid": "batch-status" });
  const fill = h("div", { class: "bar-fill" });
  const failFill = h("div", { class: "bar-fill bar-failed" });
  const bar = h("div", { class: "bar", role: "progressbar", "aria-valuemin": "0", "data-testid": "batch-bar" }, fill, failFill);
  const count = h("span", { "data-testid": "batch-count" });
  const failed = h("span", { class: "error-text", "data-testid": "batch-failed" });
  const eta = h("span", { "data-testid": "batch-eta" });
  const pause = h("button", { type: "button", "data-testid": "batch-pause", onclick: () => void ctl.pauseBatch(id, true) }, "Pause");
  const resume = h("button", { type: "button", "data-testid": "batch-resume", onclick: () => void ctl.pauseBatch(id, false) }, "Resume");
  const cancel = h("button", { type: "button", "data-testid": "batch-cancel", onclick: () => void ctl.cancelBatch(id) }, "Cancel");
  const retry = h("button", { type: "button", "data-testid": "batch-retry", onclick: () => void ctl.retryBatch(id) }, "Retry failed");
  // "Retry with…" another provider; its choices are the core's, for this batch's kinds.
  const retryWith = h("select", { "data-testid": "batch-retry-with", "aria-label": "Retry the failed words with another provider" }) as HTMLSelectElement;
  let batchKinds: readonly MediaKind[] = [];
  const fillRetryWith = () => {
    const seen = new Set<string>();
    const options = ctl
      .choicesFor(batchKinds)
      .filter((c) => !seen.has(c.provider) && seen.add(c.provider))
      .map((c) => h("option", { value: c.provider }, c.label));
    retryWith.replaceChildren(h("option", { value: "" }, "Retry with…"), ...options);
  };
  retryWith.addEventListener("focus", fillRetryWith);
  retryWith.addEventListener("change", () => {
    const provider = retryWith.value as ProviderName;
    retryWith.value = "";
    if (provider) void ctl.retryBatchWith(id, provider);
  });
  const errorsToggle = h(
    "button",
    { type: "button", "data-testid": "batch-errors-toggle", "aria-expanded": "false", "aria-controls": `batch-errors-${id}`, onclick: () => void ctl.toggleBatchErrors(id) },
    "Show errors",
  );
  const errors = h("ul", { class: "batch-errors", id: `batch-errors-${id}`, "data-testid": "batch-errors", hidden: true });
  const el = h(
    "li",
    { class: "batch-row", "data-testid": "batch-row", "data-batch-id": String(id) },
    h("div", { class: "batch-head" }, title, kinds, h("div", { class: "spacer" }), status),
    bar,
    h("div", { class: "batch-meta" }, count, failed, eta),
    h("div", { class: "row-actions" }, pause, resume, cancel, retry, retryWith, errorsToggle),
    errors,
  );

  let last: BatchItem | null = null;
  return {
    el,
    update(item: BatchItem) {
      if (last && last.batch === item.batch && last.errors === item.errors && last.queuePaused === item.queuePaused) return;
      last = item;
      const b = item.batch;
      const finished = isFinished(b.status);
      const settled = b.completed_words + b.failed_words + b.cancelled_words;
      el.dataset.status = b.status;
      setText(title, b.deck);
      setText(kinds, kindsText(b.kinds));
      setText(status, !finished && item.queuePaused && b.status !== "paused" ? "Paused (all)" : batchStatusText(b));
      const total = Math.max(b.total_words, 0);
      const pct = (n: number) => (total > 0 ? `${Math.min(100, (n / total) * 100)}%` : finished ? "100%" : "0%");
      fill.style.width = pct(b.completed_words + b.cancelled_words);
      failFill.style.width = pct(b.failed_words);
      bar.setAttribute("aria-valuemax", String(total));
      bar.setAttribute("aria-valuenow", String(settled));
      bar.setAttribute("aria-label", `${b.deck}: ${settled} of ${total} words`);
      setText(count, `${settled}/${total} words`);
      setText(failed, b.failed_words > 0 ? `${b.failed_words} failed` : "");
      setHidden(failed, b.failed_words === 0);
      const e = finished || b.status === "paused" ? null : b.eta_text;
      setText(eta, e ?? "");
      setHidden(eta, e === null);
      const paused = b.status === "paused" || b.paused;
      setHidden(pause, finished || paused);
      setHidden(resume, finished || !paused);
      setHidden(cancel, finished);
      setHidden(retry, b.failed_words === 0 && b.failed_jobs === 0);
      setHidden(retryWith, b.failed_words === 0 && b.failed_jobs === 0);
      if (batchKinds !== b.kinds) {
        batchKinds = b.kinds;
        fillRetryWith();
      }
      setHidden(errorsToggle, b.failed_words === 0 && b.failed_jobs === 0 && item.errors === undefined);
      const open = item.errors !== undefined;
      errorsToggle.setAttribute("aria-expanded", String(open));
      setText(errorsToggle, open ? "Hide errors" : "Show errors");
      setHidden(errors, !open);
      if (item.errors === "loading") replaceChildren(errors, h("li", { class: "muted" }, "Loading…"));
      else if (item.errors) {
        replaceChildren(
          errors,
          h("li", { class: "batch-summary", "data-testid": "batch-summary" }, item.errors.summary),
          ...(item.errors.errors.length === 0
            ? [h("li", { class: "muted" }, "No errors.")]
            : item.errors.errors.map((we) =>
                h(
                  "li",
                  { "data-testid": "batch-error", "data-word-id": String(we.word_id) },
                  h("strong", null, we.text),
                  ` (${we.kind === "image" ? "picture" : "audio"}): `,
                  h("span", { class: "error-text" }, we.error),
                ),
              )),
        );
      }
    },
  };
}
