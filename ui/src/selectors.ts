// Read-only views of the state as the pages show them: the badge, batch order, texts. Pure.

import { isFinished, type BatchView, type State } from "./state";
import type { DeckSummary, MediaState, WordMedia } from "./types";

export type BadgeMode = "idle" | "working" | "paused" | "waiting";
export interface Badge {
  mode: BadgeMode;
  text: string;
  /** Settled words (completed + failed + cancelled) over all unfinished batches. */
  settled: number;
  total: number;
}

export function unfinishedBatches(state: State): BatchView[] {
  return Object.values(state.batches).filter((b) => !isFinished(b.status));
}

/** "Generating 45/100", "Paused 45/100", "Waiting for network 45/100" or "Idle". */
export function badge(state: State): Badge {
  const open = unfinishedBatches(state);
  if (open.length === 0) return { mode: "idle", text: "Idle", settled: 0, total: 0 };
  let settled = 0;
  let total = 0;
  for (const b of open) {
    settled += b.completed_words + b.failed_words + b.cancelled_words;
    total += b.total_words;
  }
  const count = `${settled}/${total}`;
  if (state.queue.paused || open.every((b) => b.paused || b.status === "paused")) {
    return { mode: "paused", text: `Paused ${count}`, settled, total };
  }
  if (state.queue.waitingForNetwork) return { mode: "waiting", text: `Waiting for network ${count}`, settled, total };
  return { mode: "working", text: `Generating ${count}`, settled, total };
}

/** Unfinished batches first (oldest first, as the queue runs them), then finished ones, newest first. */
export function sortedBatches(state: State): BatchView[] {
  const all = Object.values(state.batches);
  const open = all.filter((b) => !isFinished(b.status)).sort((a, b) => a.id - b.id);
  const done = all.filter((b) => isFinished(b.status)).sort((a, b) => b.id - a.id);
  return [...open, ...done];
}

/** "83/100 pictures, 100/100 audio" */
export function coverageText(d: DeckSummary): string {
  return `${d.images_done}/${d.word_count} pictures, ${d.audio_done}/${d.word_count} audio`;
}

export function wordCountText(n: number): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? "word" : "words"}`;
}

/** The label of one media kind's status in a word row. */
export function mediaStatusText(m: MediaState): string {
  switch (m.status) {
    case "none":
      return "not generated";
    case "queued":
      return "queued";
    case "running":
      return "generating";
    case "done":
      return m.stale ? "stale" : "done";
    case "failed":
      return m.error ? `failed: ${m.error}` : "failed";
    case "cancelled":
      return "cancelled";
    case "waiting":
      return "waiting for network";
    default:
      return m.status;
  }
}

/**
 * The credit a word's media needs (a Wikimedia Commons recording: speaker and licence), one
 * line under the word; empty when none does. The source page is the line's tooltip.
 */
export function creditText(w: Pick<WordMedia, "image" | "audio">): string {
  const parts: string[] = [];
  for (const [label, m] of [["Picture", w.image], ["Recording", w.audio]] as const) {
    const a = m.attribution;
    if (!a) continue;
    const who = a.author ? `${a.author}, ` : "";
    parts.push(`${label}: ${who}${a.licence || "licence unknown"} (via ${m.provider ?? "its source"})`);
  }
  return parts.join(" · ");
}

/** A key for CSS and tests: the status, or "stale" for done-but-outdated. */
export function mediaStatusKey(m: MediaState): string {
  return m.status === "done" && m.stale ? "stale" : m.status;
}

export function batchStatusText(b: BatchView): string {
  switch (b.status) {
    case "pending":
      return "Queued";
    case "processing":
      return "Generating";
    case "paused":
      return "Paused";
    case "completed":
      return b.failed_words > 0 ? "Finished with errors" : "Done";
    case "failed":
      return "Failed";
    case "cancelled":
      return "Cancelled";
  }
}

export function kindsText(kinds: readonly string[]): string {
  const names = kinds.map((k) => (k === "image" ? "pictures" : k === "audio" ? "audio" : k));
  return names.join(" + ");
}
