// The decks page: the list with word counts and coverage, create, rename (inline), delete
// (inline confirm), and the way into a deck and its import.

import type { Controller } from "../controller";
import { h, replaceChildren, setHidden, setText, syncKeyed, type Row } from "../dom";
import { coverageText, wordCountText } from "../selectors";
import type { Confirm, State } from "../state";
import type { DeckSummary } from "../types";
import { inlineConfirm } from "./confirm";
import type { View } from "./view";

const LANGUAGES = ["en", "es", "fr", "de", "it", "pt", "pt-BR", "nl", "sv", "pl", "ru", "uk", "tr", "ja", "ko", "zh", "ar", "hi"];

interface DeckItem {
  deck: DeckSummary;
  renaming: boolean;
  confirming: boolean;
}

export function decksView(ctl: Controller): View {
  const name = h("input", { id: "new-deck-name", type: "text", required: true, placeholder: "e.g. Spanish A1", autocomplete: "off" });
  const language = h("input", { id: "new-deck-language", type: "text", required: true, value: "en", list: "language-codes", size: 6, autocomplete: "off" });
  const create = h("button", { id: "create-deck", type: "submit", class: "primary" }, "Create deck");
  const form = h(
    "form",
    { id: "create-deck-form", class: "inline-form card" },
    h("label", { for: "new-deck-name" }, "New deck"),
    name,
    h("label", { for: "new-deck-language" }, "Language"),
    language,
    h("datalist", { id: "language-codes" }, ...LANGUAGES.map((l) => h("option", { value: l }))),
    create,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const n = name.value.trim();
    const l = language.value.trim();
    if (!n || !l) return;
    create.disabled = true;
    void ctl.createDeck(n, l).then((ok) => {
      create.disabled = false;
      if (ok) name.value = "";
    });
  });

  const loading = h("p", { class: "muted", id: "decks-loading" }, "Loading decks…");
  const empty = h("p", { class: "muted", id: "decks-empty", hidden: true }, "No decks yet: create one above, then import words into it.");
  const list = h("ul", { id: "deck-list", class: "deck-list" });
  const heading = h("h1", { id: "decks-title", tabindex: "-1", class: "page-title" }, "Decks");
  const el = h("section", { id: "decks-page", class: "page", "aria-labelledby": "decks-title" }, heading, form, loading, empty, list);

  const rows = new Map<string | number, Row<DeckItem>>();
  let last: { decks: State["decks"]; renaming: number | null; confirm: Confirm } | null = null;
  return {
    el,
    update(state: State) {
      if (last && last.decks === state.decks && last.renaming === state.renaming && last.confirm === state.confirm) return;
      last = { decks: state.decks, renaming: state.renaming, confirm: state.confirm };
      setHidden(loading, state.decks !== null);
      const decks = state.decks ?? [];
      setHidden(empty, state.decks === null || decks.length > 0);
      const items = decks.map((deck) => ({
        deck,
        renaming: state.renaming === deck.id,
        confirming: state.confirm?.what === "delete-deck" && state.confirm.deckId === deck.id,
      }));
      syncKeyed(list, rows, items, (i) => i.deck.id, () => deckRow(ctl));
    },
  };
}

function deckRow(ctl: Controller): Row<DeckItem> {
  const open = h("button", { type: "button", class: "link deck-name", "data-testid": "deck-open" });
  const lang = h("span", { class: "tag", "data-testid": "deck-language" });
  const counts = h("div", { class: "muted", "data-testid": "deck-counts" });
  const main = h("div", { class: "deck-main" }, h("div", { class: "deck-title-line" }, open, lang), counts);
  const actions = h("div", { class: "row-actions" });
  const el = h("li", { class: "deck-row card", "data-testid": "deck-row" }, main, actions);
  let last: DeckItem | null = null;

  return {
    el,
    update(item: DeckItem) {
      if (last && last.deck === item.deck && last.renaming === item.renaming && last.confirming === item.confirming) return;
      const d = item.deck;
      const modeChanged = !last || last.renaming !== item.renaming || last.confirming !== item.confirming;
      last = item;
      el.dataset.deckId = String(d.id);
      setText(open, d.name);
      open.onclick = () => void ctl.navigate({ page: "deck", deckId: d.id });
      setText(lang, d.language);
      const failed = d.images_failed + d.audio_failed;
      setText(counts, `${wordCountText(d.word_count)} · ${coverageText(d)}${failed > 0 ? ` · ${failed} failed` : ""}`);
      if (!modeChanged) return;

      if (item.renaming) {
        const input = h("input", { type: "text", value: d.name, "data-testid": "deck-rename-input", "aria-label": `New name for ${d.name}` });
        const save = () => {
          const n = input.value.trim();
          if (n && n !== d.name) void ctl.renameDeck(d.id, n);
          else ctl.cancelRename();
        };
        input.addEventListener("keydown", (e) => {
          if (e.key === "Enter") save();
          else if (e.key === "Escape") ctl.cancelRename();
        });
        replaceChildren(
          actions,
          input,
          h("button", { type: "button", class: "primary", "data-testid": "deck-rename-save", onclick: save }, "Save"),
          h("button", { type: "button", "data-testid": "deck-rename-cancel", onclick: () => ctl.cancelRename() }, "Cancel"),
        );
        queueMicrotask(() => {
          input.focus();
          input.select();
        });
      } else if (item.confirming) {
        replaceChildren(
          actions,
          inlineConfirm(
            `Delete “${d.name}” and its ${wordCountText(d.word_count)}?`,
            "Delete",
            () => void ctl.deleteDeck(d.id),
            () => ctl.cancelConfirm(),
          ),
        );
      } else {
        replaceChildren(
          actions,
          h("button", { type: "button", "data-testid": "deck-import", onclick: () => void ctl.navigate({ page: "import", deckId: d.id }) }, "Import words"),
          h("button", { type: "button", "data-testid": "deck-rename", onclick: () => ctl.startRename(d.id) }, "Rename"),
          h("button", { type: "button", class: "danger-outline", "data-testid": "deck-delete", onclick: () => ctl.ask({ what: "delete-deck", deckId: d.id }) }, "Delete"),
        );
      }
    },
  };
}
