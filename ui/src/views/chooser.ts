// "Choose picture…": a non-modal panel in the deck view with a word's candidate pictures — the
// current one, its emoji, pictogram and word card, and photos from the keyless photo sources as
// they arrive. One click on a candidate makes it the word's picture (no provider call); the
// panel stays open, so picking the earlier one again is the undo. Escape or × closes it.

import type { Controller } from "../controller";
import { h, replaceChildren, setHidden, setText } from "../dom";
import type { ChooserView } from "../state";
import type { PictureCandidate } from "../types";

export interface ChooserPanel {
  el: HTMLElement;
  update(chooser: ChooserView | null): void;
}

export function chooserPanel(ctl: Controller): ChooserPanel {
  const title = h("h2", { id: "chooser-title", class: "chooser-title", tabindex: "-1" });
  const close = h("button", { type: "button", id: "chooser-close", class: "icon-button", "aria-label": "Close the picture chooser", onclick: () => ctl.closeChooser() }, "×");
  const status = h("p", { id: "chooser-status", class: "muted", "aria-live": "polite" });
  const grid = h("div", { id: "chooser-candidates", class: "chooser-grid", role: "list" });
  const unavailable = h("ul", { id: "chooser-unavailable", class: "muted chooser-unavailable", hidden: true });
  const el = h(
    "section",
    { id: "picture-chooser", class: "chooser", role: "region", "aria-labelledby": "chooser-title", hidden: true },
    h("div", { class: "chooser-head" }, title, close),
    status,
    grid,
    unavailable,
  );
  el.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      ctl.closeChooser();
    }
  });

  let last: ChooserView | null | undefined;
  return {
    el,
    update(chooser) {
      if (chooser === last) return;
      const opened = chooser !== null && chooser.wordId !== last?.wordId;
      last = chooser;
      setHidden(el, chooser === null);
      if (chooser === null) return;
      setText(title, `Pictures for “${chooser.text}”`);
      setText(status, statusText(chooser));
      const candidates = chooser.choices?.candidates ?? [];
      const hadFocus = grid.contains(document.activeElement);
      replaceChildren(grid, ...candidates.map((c) => candidateButton(ctl, chooser, c)));
      if (hadFocus) title.focus();
      const lines = chooser.choices?.unavailable ?? [];
      replaceChildren(unavailable, ...lines.map((l) => h("li", null, l)));
      setHidden(unavailable, lines.length === 0);
      if (opened) queueMicrotask(() => title.isConnected && title.focus());
    },
  };
}

function statusText(c: ChooserView): string {
  if (c.choices === null) return "Drawing the offline pictures…";
  if (c.picking !== null) return "Changing the picture…";
  if (c.searching) return "Looking for licensed photos…";
  return "Click a picture to use it. The current one is marked.";
}

function candidateButton(ctl: Controller, chooser: ChooserView, c: PictureCandidate): HTMLElement {
  const credit = c.attribution ? [c.attribution.author, c.attribution.licence].filter(Boolean).join(", ") : "";
  return h(
    "button",
    {
      type: "button",
      class: `candidate${c.current ? " current" : ""}`,
      role: "listitem",
      "data-testid": "picture-candidate",
      "data-source": c.source,
      "data-candidate-id": String(c.id),
      "aria-pressed": c.current ? "true" : "false",
      "aria-label": `${c.label}${c.current ? " (current picture)" : ""}${credit ? `, ${credit}` : ""}`,
      title: c.attribution?.source_url ?? c.label,
      disabled: c.current || chooser.picking !== null,
      onclick: () => void ctl.choosePicture(chooser.wordId, c.id),
    },
    h("img", { src: ctl.mediaSrc(c.path), alt: "", loading: "lazy", decoding: "async" }),
    h("span", { class: "candidate-label" }, c.current ? `Current · ${c.label}` : c.label),
    ...(credit ? [h("span", { class: "candidate-credit muted" }, credit)] : []),
  );
}
