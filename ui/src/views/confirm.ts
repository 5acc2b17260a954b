// The inline confirmation used instead of a modal: a sentence and two buttons, in the row.

import { h } from "../dom";

export function inlineConfirm(question: string, yesLabel: string, onYes: () => void, onNo: () => void): HTMLElement {
  const no = h("button", { type: "button", "data-testid": "confirm-no", onclick: onNo }, "Cancel");
  const el = h(
    "div",
    { class: "inline-confirm", role: "group", "data-testid": "confirm", "aria-label": question },
    h("span", null, question),
    h("button", { type: "button", class: "danger", "data-testid": "confirm-yes", onclick: onYes }, yesLabel),
    no,
  );
  el.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      onNo();
    }
  });
  // Focus lands on the harmless choice once the row is in the document.
  queueMicrotask(() => no.isConnected && no.focus());
  return el;
}
