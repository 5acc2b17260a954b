// The header on every page: the app name (home), navigation, and the progress badge that opens
// the batches panel.

import type { Controller } from "../controller";
import { h, setText } from "../dom";
import { badge } from "../selectors";
import type { State } from "../state";
import type { View } from "./view";

export function headerView(ctl: Controller): View {
  const badgeText = h("span", { class: "badge-text", id: "badge-text" });
  const badgeEl = h(
    "button",
    {
      id: "badge",
      class: "badge",
      type: "button",
      "aria-controls": "batches-panel",
      "aria-expanded": "false",
      title: "Show batches",
      onclick: () => ctl.toggleBatches(),
    },
    h("span", { class: "badge-dot", "aria-hidden": "true" }),
    badgeText,
  );
  // The live region wraps only the text, so screen readers hear "Generating 45/100".
  badgeText.setAttribute("aria-live", "polite");
  badgeText.setAttribute("aria-atomic", "true");

  const navDecks = h("button", { id: "nav-decks", class: "nav-link", type: "button", onclick: () => void ctl.navigate({ page: "decks" }) }, "Decks");
  const navSettings = h(
    "button",
    { id: "nav-settings", class: "nav-link", type: "button", onclick: () => void ctl.navigate({ page: "settings" }) },
    "Settings",
  );
  const el = h(
    "header",
    { class: "app-header" },
    h("button", { id: "app-name", class: "app-name", type: "button", onclick: () => void ctl.navigate({ page: "decks" }) }, "Deck Media"),
    h("nav", { class: "app-nav", "aria-label": "Main" }, navDecks, navSettings),
    h("div", { class: "spacer" }),
    badgeEl,
  );

  let last: { text: string; mode: string; open: boolean; page: string } | null = null;
  return {
    el,
    update(state: State) {
      const b = badge(state);
      const page = state.route.page === "import" ? "deck" : state.route.page;
      if (last && last.text === b.text && last.mode === b.mode && last.open === state.batchesOpen && last.page === page) return;
      last = { text: b.text, mode: b.mode, open: state.batchesOpen, page };
      setText(badgeText, b.text);
      badgeEl.dataset.mode = b.mode;
      badgeEl.setAttribute("aria-expanded", String(state.batchesOpen));
      navDecks.classList.toggle("active", page === "decks" || page === "deck");
      navSettings.classList.toggle("active", page === "settings");
      if (page === "settings") navSettings.setAttribute("aria-current", "page");
      else navSettings.removeAttribute("aria-current");
    },
  };
}
