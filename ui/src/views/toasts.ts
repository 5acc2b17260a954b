// The toast area: errors from rejected commands, "Resumed 2 batches", finished batches and
// exports. Never blocks; each toast closes itself after a while or with its × button.

import type { Controller } from "../controller";
import { h, syncKeyed, type Row } from "../dom";
import type { State, Toast } from "../state";
import type { View } from "./view";

export const TOAST_MS = { info: 6000, success: 6000, error: 15000 } as const;

export function toastsView(ctl: Controller): View {
  const el = h("div", { id: "toasts", class: "toasts", "aria-live": "polite", "aria-relevant": "additions" });
  const rows = new Map<string | number, Row<Toast>>();
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  let last: Toast[] | null = null;

  function create(t: Toast): Row<Toast> {
    const row = h(
      "div",
      { class: `toast toast-${t.kind}`, "data-testid": "toast", "data-kind": t.kind, "data-code": t.code ?? undefined, role: t.kind === "error" ? "alert" : "status" },
      h("span", { class: "toast-text" }, t.text),
      h("button", { type: "button", class: "icon-button", "data-testid": "toast-close", "aria-label": "Dismiss", onclick: () => ctl.dismissToast(t.id) }, "×"),
    );
    timers.set(
      t.id,
      setTimeout(() => {
        timers.delete(t.id);
        ctl.dismissToast(t.id);
      }, TOAST_MS[t.kind]),
    );
    return { el: row, update: () => undefined };
  }

  return {
    el,
    update(state: State) {
      if (state.toasts === last) return;
      last = state.toasts;
      syncKeyed(el, rows, state.toasts, (t) => t.id, create);
      for (const [id, timer] of timers) {
        if (!rows.has(id)) {
          clearTimeout(timer);
          timers.delete(id);
        }
      }
    },
    destroy() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
