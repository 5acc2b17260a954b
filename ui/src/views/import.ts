// Import words into a deck: paste text or pick a CSV/TSV/TXT file (read in the page with
// FileReader, no file-system permission), or an Anki package (chosen in the shell's native
// dialog: the page never names a path); preview (first rows, bad rows with line numbers, the
// package's media), then import and show "12 new, 3 already there". Parsing is the core's.

import type { Controller } from "../controller";
import { h, replaceChildren, setHidden, setText } from "../dom";
import { wordCountText } from "../selectors";
import type { ImportState, State } from "../state";
import type { ImportFormat, ImportReport } from "../types";
import type { View } from "./view";

export function importView(ctl: Controller, deckId: number): View {
  const title = h("h1", { id: "import-title", class: "page-title", tabindex: "-1" }, "Import words");
  const back = h("button", { id: "import-back", type: "button", class: "link", onclick: () => void ctl.navigate({ page: "deck", deckId }) }, "← Back to the deck");
  const text = h("textarea", {
    id: "import-text",
    rows: 10,
    spellcheck: false,
    placeholder: "manzana,apple\nperro,dog\n…  (one word per line, or word and translation separated by a comma or a tab)",
  });
  const file = h("input", { id: "import-file", type: "file", accept: ".csv,.tsv,.txt,text/csv,text/plain,text/tab-separated-values" });
  const fileName = h("span", { id: "import-file-name", class: "muted" });
  const previewButton = h("button", { id: "import-preview-button", type: "button", class: "primary" }, "Preview");
  const packageButton = h("button", { id: "import-package", type: "button" }, "Anki package (.apkg)…");
  const summary = h("p", { id: "import-summary" });
  const table = h("table", { id: "import-rows", class: "import-rows" });
  const errorsTitle = h("h2", { class: "error-text" });
  const errors = h("ul", { id: "import-errors", class: "import-errors" });
  const confirm = h("button", { id: "import-confirm", type: "button", class: "primary" }, "Import");
  const preview = h("section", { id: "import-preview", class: "card", hidden: true, "aria-live": "polite" }, summary, table, errorsTitle, errors, confirm);
  const result = h("p", { id: "import-result", class: "success-text", role: "status", hidden: true });
  const openDeck = h("button", { id: "import-open-deck", type: "button", hidden: true, onclick: () => void ctl.navigate({ page: "deck", deckId }) }, "Open the deck");

  const el = h(
    "section",
    { id: "import-page", class: "page", "data-deck-id": String(deckId) },
    back,
    title,
    h("p", { class: "muted" }, "Paste a list (one word per line, or “word, translation” rows separated by commas or tabs), or choose a CSV, TSV or TXT file."),
    h("label", { for: "import-text" }, "Words"),
    text,
    h("div", { class: "inline-form" }, h("label", { for: "import-file" }, "Or a file"), file, fileName, h("div", { class: "spacer" }), previewButton),
    h("div", { class: "inline-form" }, h("span", { class: "muted" }, "Or words with their pictures and sounds from"), packageButton),
    preview,
    h("div", { class: "inline-form" }, result, openDeck),
  );

  const runPreview = () => {
    const t = text.value;
    if (t.trim() === "") {
      text.focus();
      return;
    }
    previewButton.disabled = true;
    void ctl.previewImport(t).finally(() => (previewButton.disabled = false));
  };
  previewButton.addEventListener("click", runPreview);
  text.addEventListener("input", () => ctl.clearImportPreview());
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) runPreview();
  });
  file.addEventListener("change", () => {
    const f = file.files?.[0];
    if (!f) return;
    setText(fileName, f.name);
    const reader = new FileReader();
    reader.onload = () => {
      text.value = typeof reader.result === "string" ? reader.result : "";
      ctl.clearImportPreview();
      runPreview();
    };
    reader.onerror = () => setText(fileName, `${f.name}: could not be read`);
    reader.readAsText(f);
  });
  packageButton.addEventListener("click", () => {
    packageButton.disabled = true;
    void ctl.choosePackage(deckId).finally(() => (packageButton.disabled = false));
  });
  confirm.addEventListener("click", () => void ctl.importWords());

  let last: ImportState | null | undefined;
  let lastDecks: State["decks"] | undefined;
  return {
    el,
    update(state: State) {
      if (state.decks !== lastDecks) {
        lastDecks = state.decks;
        const deck = state.decks?.find((d) => d.id === deckId);
        setText(title, deck ? `Import words into ${deck.name}` : "Import words");
        setText(back, deck ? `← ${deck.name}` : "← Back to the deck");
      }
      const imp = state.import;
      if (imp === last) return;
      last = imp;
      const p = imp?.preview ?? null;
      setHidden(preview, !p);
      if (p) {
        const bad = Math.max(p.error_count, p.errors.length);
        const parts = [`${wordCountText(p.total)} found`];
        parts.push(formatText(p.format, p.delimiter));
        if (p.columns.length) parts.push(`columns: ${p.columns.join(", ")}`);
        if (p.media_files > 0) parts.push(`${p.media_files} ${p.media_files === 1 ? "picture or sound" : "pictures and sounds"}`);
        if (p.rows.length < p.total) parts.push(`first ${p.rows.length} shown`);
        setText(summary, parts.join(" · "));
        const hasTranslation = p.rows.some((r) => r.translation);
        replaceChildren(
          table,
          h("thead", null, h("tr", null, h("th", null, "Word"), hasTranslation ? h("th", null, "Translation") : null)),
          h(
            "tbody",
            null,
            ...p.rows.map((r) => h("tr", { "data-testid": "import-row" }, h("td", null, r.text), hasTranslation ? h("td", null, r.translation ?? "") : null)),
          ),
        );
        setHidden(table, p.rows.length === 0);
        const listed = p.errors.length < bad ? ` (the first ${p.errors.length} are listed)` : "";
        setText(errorsTitle, bad > 0 ? `${bad} bad ${bad === 1 ? "row" : "rows"}${listed}: fix ${bad === 1 ? "it" : "them"} to import` : "");
        setHidden(errorsTitle, bad === 0);
        replaceChildren(
          errors,
          ...p.errors.map((e) => h("li", { "data-testid": "import-error", "data-line": String(e.line) }, h("strong", null, `Line ${e.line}: `), e.reason)),
        );
        setHidden(errors, bad === 0);
        confirm.disabled = bad > 0 || p.total === 0 || (imp?.busy ?? false);
        setText(confirm, imp?.busy ? "Importing…" : `Import ${wordCountText(p.total)}`);
      }
      const r = imp?.result ?? null;
      setHidden(result, !r);
      setHidden(openDeck, !r);
      if (r) {
        // A package import says what it brought in the core's words; a text import counts words.
        const summary = (r as Partial<ImportReport>).summary;
        setText(result, summary ?? `${r.added} new, ${r.already_there} already there`);
        if (text.value !== "") text.value = "";
        setText(fileName, "");
        file.value = "";
      }
    },
  };
}

function formatText(format: ImportFormat, delimiter: string | null): string {
  const sep = delimiter === "\t" ? "tab" : delimiter === "," ? "comma" : delimiter === ";" ? "semicolon" : delimiter ? `“${delimiter}”` : null;
  switch (format) {
    case "list":
      return "a plain list";
    case "table":
      return sep ? `${sep}-separated` : "a table";
    case "anki_text":
      return "an Anki text export";
    case "anki_package":
      return "an Anki package";
  }
}
