// The deck view: a paged list (100 words a page, so 10,000 words stay fast) with each word's
// picture, play button, per-kind status, inline edit (Enter saves, Escape cancels; works while
// a batch runs), delete, "Regenerate" and "Choose picture…" (./chooser); deck-level Generate missing / Regenerate all, import,
// and export with the export's progress inline.

import type { Controller } from "../controller";
import { h, replaceChildren, setHidden, setText, syncKeyed, type Row } from "../dom";
import { coverageText, creditText, mediaStatusKey, mediaStatusText, wordCountText } from "../selectors";
import type { Confirm, DeckPage, State, Task } from "../state";
import { EXTRA_SLOTS, MEDIA_KIND_NAMES, type EditField, type MediaKind, type MediaState, type ProviderName, type WordMedia } from "../types";
import { chooserPanel } from "./chooser";
import { inlineConfirm } from "./confirm";
import type { View } from "./view";

/** The deck-level inline confirmations: "Regenerate all", and a paid batch above the cost
 * threshold (its message is the core's dry-run summary). */
function renderDeckConfirm(ctl: Controller, area: HTMLElement, deckId: number, confirm: Confirm, was: Confirm | undefined): void {
  const c = confirm && (confirm.what === "regenerate-all" || confirm.what === "confirm-cost") && confirm.deckId === deckId ? confirm : null;
  setHidden(area, c === null);
  if (c === null) {
    if (was?.what === "regenerate-all" || was?.what === "confirm-cost") replaceChildren(area);
    return;
  }
  if (was === c) return;
  const ask =
    c.what === "regenerate-all"
      ? inlineConfirm(
          "Regenerate every picture and recording of this deck, replacing the existing ones?",
          "Regenerate all",
          () => void ctl.generate(deckId, true),
          () => ctl.cancelConfirm(),
        )
      : inlineConfirm(`${c.message}. Start it?`, c.force ? "Regenerate all" : "Generate", () => void ctl.generate(deckId, c.force, true), () => ctl.cancelConfirm());
  replaceChildren(area, ask);
}

interface WordItem {
  word: WordMedia;
  editing: EditField | null;
  confirming: boolean;
  /** What the deck makes: its translation and sentence recordings show when it makes them. */
  slots: readonly MediaKind[];
}

/** "Sentence audio" from the core's "sentence audio". */
function slotLabel(kind: MediaKind): string {
  const name = MEDIA_KIND_NAMES[kind];
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** The deck's switches for its extra recordings: the translation and the example sentence read
 * aloud. "Generate missing" then makes them too. */
function slotToggles(ctl: Controller, deckId: number): { el: HTMLElement; update: (slots: readonly MediaKind[]) => void } {
  const boxes = EXTRA_SLOTS.map((kind) => {
    const box = h("input", { type: "checkbox", id: `slot-${kind}`, "data-testid": `slot-${kind}` }) as HTMLInputElement;
    box.addEventListener("change", () => void ctl.setSlot(deckId, kind, box.checked));
    return { kind, box, label: h("label", { class: "slot-toggle", title: `Also make ${MEDIA_KIND_NAMES[kind]} for this deck` }, box, ` ${slotLabel(kind)}`) };
  });
  return {
    el: h("div", { id: "deck-slots", class: "slot-toggles", role: "group", "aria-label": "Also make" }, ...boxes.map((b) => b.label)),
    update: (slots) => boxes.forEach((b) => (b.box.checked = slots.includes(b.kind))),
  };
}

export function deckView(ctl: Controller, deckId: number, audio: HTMLAudioElement): View {
  const title = h("h1", { id: "deck-title", class: "page-title", tabindex: "-1" }, "Deck");
  const lang = h("span", { class: "tag", id: "deck-language" });
  const total = h("span", { class: "muted", id: "deck-total" });
  const coverage = h("span", { class: "muted", id: "deck-coverage" });
  const generateMissing = h("button", { id: "generate-missing", type: "button", class: "primary", onclick: () => void ctl.generate(deckId, false) }, "Generate missing");
  const regenerateAll = h("button", { id: "regenerate-all", type: "button", onclick: () => ctl.ask({ what: "regenerate-all", deckId }) }, "Regenerate all");
  const undo = h(
    "button",
    { id: "undo-regeneration", type: "button", hidden: true, title: "Put back the pictures and recordings the last regeneration replaced", onclick: () => void ctl.undoRegeneration(deckId) },
    "Undo last regeneration",
  );
  const confirmArea = h("div", { id: "regenerate-confirm-area", hidden: true });
  const chooser = chooserPanel(ctl);
  const toggles = slotToggles(ctl, deckId);
  const toolbar = h(
    "div",
    { class: "toolbar", role: "toolbar", "aria-label": "Deck actions" },
    generateMissing,
    h("button", { id: "preview-words", type: "button", title: "Make the first three words' media now, to hear and see them before the whole deck", onclick: () => void ctl.preview(deckId) }, "Preview 3 words"),
    regenerateAll,
    undo,
    h("button", { id: "import-words", type: "button", onclick: () => void ctl.navigate({ page: "import", deckId }) }, "Import words"),
    toggles.el,
    h("div", { class: "spacer" }),
    h("button", { id: "export-apkg", type: "button", onclick: () => void ctl.exportDeck(deckId, "apkg") }, "Export .apkg"),
    h("button", { id: "export-csv", type: "button", onclick: () => void ctl.exportDeck(deckId, "csv") }, "Export CSV"),
    h("button", { id: "anki-push", type: "button", onclick: () => void ctl.ankiPush(deckId) }, "Send to Anki"),
  );
  const exportStatus = h("div", { id: "export-status", class: "muted", "aria-live": "polite", hidden: true });
  // What "Generate missing" would do and cost (the core's dry run, one line).
  const planLine = h("div", { id: "generate-plan", class: "muted plan-line", "aria-live": "polite", hidden: true });

  // Add one word by hand.
  const addText = h("input", { id: "add-word-text", type: "text", placeholder: "New word", "aria-label": "New word", autocomplete: "off" });
  const addTranslation = h("input", { id: "add-word-translation", type: "text", placeholder: "Translation (optional)", "aria-label": "Translation of the new word", autocomplete: "off" });
  const addForm = h("form", { id: "add-word-form", class: "inline-form" }, addText, addTranslation, h("button", { id: "add-word", type: "submit" }, "Add word"));
  addForm.addEventListener("submit", (e) => {
    e.preventDefault();
    if (addText.value.trim() === "") return;
    void ctl.addWord(addText.value, addTranslation.value).then((ok) => {
      if (ok) {
        addText.value = "";
        addTranslation.value = "";
        addText.focus();
      }
    });
  });

  const loading = h("p", { class: "muted", id: "words-loading" }, "Loading words…");
  const empty = h("p", { class: "muted", id: "words-empty", hidden: true }, "This deck has no words yet. Import a list or add words above.");
  const list = h("ul", { id: "word-list", class: "word-list", "aria-label": "Words" });
  const prev = h("button", { id: "page-prev", type: "button", "aria-label": "Previous page" }, "‹ Previous");
  const next = h("button", { id: "page-next", type: "button", "aria-label": "Next page" }, "Next ›");
  const pageInfo = h("span", { id: "page-info", "aria-live": "polite" });
  const pager = h("nav", { class: "pager", "aria-label": "Pages" }, prev, pageInfo, next);

  const el = h(
    "section",
    { id: "deck-view", class: "page", "data-deck-id": String(deckId) },
    h("button", { id: "back-to-decks", type: "button", class: "link", onclick: () => void ctl.navigate({ page: "decks" }) }, "← Decks"),
    h("div", { class: "page-head" }, title, lang, total, coverage),
    toolbar,
    planLine,
    confirmArea,
    exportStatus,
    chooser.el,
    addForm,
    loading,
    empty,
    list,
    pager,
  );

  const rows = new Map<string | number, Row<WordItem>>();
  let lastPage: DeckPage | null | undefined;
  let lastEditing: State["editing"] | undefined;
  let lastConfirm: Confirm | undefined;
  let lastRowsConfirm: Confirm | undefined;
  let lastDecks: State["decks"] | undefined;
  let lastTasks: Task[] | undefined;
  let lastPlan: State["plan"] | undefined;
  let lastUndo: State["undo"] | undefined;
  let lastSlots: readonly MediaKind[] | undefined;

  return {
    el,
    update(state: State) {
      if (state.decks !== lastDecks) {
        lastDecks = state.decks;
        const deck = state.decks?.find((d) => d.id === deckId);
        setText(title, deck?.name ?? "Deck");
        setText(lang, deck?.language ?? "");
        setText(coverage, deck ? coverageText(deck) : "");
        toggles.update(deck?.slots ?? []);
      }
      if (state.tasks !== lastTasks) {
        lastTasks = state.tasks;
        const t = tasksText(state.tasks);
        setText(exportStatus, t);
        setHidden(exportStatus, t === "");
      }
      if (state.undo !== lastUndo) {
        lastUndo = state.undo;
        setHidden(undo, !(state.undo?.deckId === deckId && state.undo.batchId !== null));
      }
      chooser.update(state.chooser);
      if (state.plan !== lastPlan) {
        lastPlan = state.plan;
        const line = state.plan?.deck_id === deckId ? state.plan.summary : "";
        setText(planLine, line);
        planLine.title = state.plan?.deck_id === deckId ? state.plan.kinds.map((k) => k.line).join("\n") : "";
        setHidden(planLine, line === "");
      }
      if (state.confirm !== lastConfirm) {
        const was = lastConfirm;
        lastConfirm = state.confirm;
        renderDeckConfirm(ctl, confirmArea, deckId, state.confirm, was);
        const asking = (state.confirm?.what === "regenerate-all" || state.confirm?.what === "confirm-cost") && state.confirm.deckId === deckId;
        const focusBack = was?.what === "regenerate-all" ? regenerateAll : was?.what === "confirm-cost" ? generateMissing : null;
        if (!asking && focusBack && (el.contains(document.activeElement) || document.activeElement === document.body)) focusBack.focus();
      }

      const page = state.deckPage;
      const slots = state.decks?.find((d) => d.id === deckId)?.slots ?? [];
      if (page === lastPage && state.editing === lastEditing && state.confirm === lastRowsConfirm && slots === lastSlots && rows.size > 0) return;
      lastSlots = slots;
      if (page && lastPage && page.offset !== lastPage.offset) {
        // A new page starts at its top.
        const scroller = el.closest("main");
        if (scroller) scroller.scrollTop = 0;
      }
      lastPage = page;
      lastEditing = state.editing;
      lastRowsConfirm = state.confirm;
      const loaded = page?.deckId === deckId && page.loaded;
      setHidden(loading, loaded);
      setHidden(empty, !loaded || (page?.total ?? 0) > 0);
      if (!page || page.deckId !== deckId) return;
      setText(total, loaded ? wordCountText(page.total) : "");

      const items: WordItem[] = page.items.map((word) => ({
        word,
        editing: state.editing?.wordId === word.word_id ? state.editing.focus : null,
        confirming: state.confirm?.what === "delete-word" && state.confirm.wordId === word.word_id,
        slots,
      }));
      syncKeyed(list, rows, items, (i) => i.word.word_id, () => wordRow(ctl, audio, deckId));

      const from = page.total === 0 ? 0 : page.offset + 1;
      const to = page.offset + page.items.length;
      setText(pageInfo, page.total === 0 ? "" : `${from.toLocaleString("en-US")}–${to.toLocaleString("en-US")} of ${page.total.toLocaleString("en-US")}`);
      prev.disabled = page.offset === 0;
      next.disabled = page.offset + page.limit >= page.total;
      prev.onclick = () => void ctl.loadPage(page.offset - page.limit);
      next.onclick = () => void ctl.loadPage(page.offset + page.limit);
      setHidden(pager, page.total <= page.limit);
    },
  };
}

function tasksText(tasks: Task[]): string {
  const running = tasks.filter((t) => !t.finished);
  if (running.length > 0) {
    return running.map((t) => (t.total > 0 ? `${t.label}: ${t.done}/${t.total}` : `${t.label}…`)).join(" · ");
  }
  const lastDone = tasks[tasks.length - 1];
  if (!lastDone) return "";
  return lastDone.message ? `${lastDone.label}: ${lastDone.message}` : `${lastDone.label}: ${lastDone.ok ? "done" : "failed"}`;
}

const KIND_LABEL: Record<MediaKind, string> = { image: "Picture", audio: "Audio", translation_audio: slotLabel("translation_audio"), sentence_audio: slotLabel("sentence_audio") };

function statusBadge(kind: MediaKind): HTMLElement {
  return h("span", { class: "status", "data-testid": `status-${kind}` });
}

function setStatus(el: HTMLElement, kind: MediaKind, m: MediaState): void {
  const key = mediaStatusKey(m);
  el.dataset.status = key;
  const label = mediaStatusText(m);
  setText(el, `${KIND_LABEL[kind]}: ${label}`);
  const tip = [m.error && m.status !== "failed" ? `Last error: ${m.error}` : null, m.warning].filter(Boolean).join("\n");
  if (tip) el.title = tip;
  else el.removeAttribute("title");
}

function wordRow(ctl: Controller, audio: HTMLAudioElement, deckId: number): Row<WordItem> {
  const thumb = h("div", { class: "thumb", "data-testid": "word-thumb-box" });
  const play = h("button", { type: "button", class: "icon-button play", "data-testid": "word-play" }, "▶");
  const texts = h("div", { class: "word-texts" });
  const imageStatus = statusBadge("image");
  const audioStatus = statusBadge("audio");
  const actions = h("div", { class: "row-actions" });
  const slotMedia = h("div", { class: "slot-media", "data-testid": "slot-media" });
  const el = h(
    "li",
    { class: "word-row", "data-testid": "word-row" },
    thumb,
    play,
    texts,
    h("div", { class: "statuses" }, imageStatus, audioStatus, slotMedia),
    actions,
  );
  let last: WordItem | null = null;
  let imgPath: string | null | undefined;

  return {
    el,
    update(item: WordItem) {
      if (last && last.word === item.word && last.editing === item.editing && last.confirming === item.confirming && last.slots === item.slots) return;
      const prev = last;
      last = item;
      const w = item.word;
      el.dataset.wordId = String(w.word_id);

      if (w.image.path !== imgPath) {
        imgPath = w.image.path;
        replaceChildren(
          thumb,
          w.image.path
            ? h("img", { src: ctl.mediaSrc(w.image.path), alt: `Picture for ${w.text}`, loading: "lazy", decoding: "async", "data-testid": "word-thumb" })
            : h("span", { class: "thumb-empty", "aria-hidden": "true" }, "—"),
        );
      }
      const audioPath = w.audio.path;
      play.disabled = !audioPath;
      play.setAttribute("aria-label", audioPath ? `Play ${w.text}` : `No audio for ${w.text} yet`);
      play.onclick = audioPath
        ? () => {
            void ctl.playAudio(audio, audioPath);
          }
        : null;
      setStatus(imageStatus, "image", w.image);
      setStatus(audioStatus, "audio", w.audio);
      // The translation and sentence recordings: where the deck makes them, or made before.
      const extra = EXTRA_SLOTS.filter((k) => item.slots.includes(k) || w[k].status !== "none");
      replaceChildren(slotMedia, ...extra.map((k) => slotPlayer(ctl, audio, w, k)));

      const credit = creditText(w);
      const textsChanged =
        !prev ||
        prev.editing !== item.editing ||
        (!item.editing &&
          (prev.word.text !== w.text || prev.word.spoken !== w.spoken || prev.word.translation !== w.translation || prev.word.sentence !== w.sentence || prev.slots !== item.slots || creditText(prev.word) !== credit));
      const showSentence = w.sentence !== null || item.slots.includes("sentence_audio");
      if (textsChanged) {
        if (item.editing) {
          // Entering edit mode builds the inputs once; later renders leave them alone.
          if (!prev || !prev.editing) renderEditor(ctl, texts, w, item.editing);
        } else {
          const hadFocus = texts.contains(document.activeElement);
          const word = h("button", { type: "button", class: "editable word-text", "data-testid": "word-text", title: "Click to edit", onclick: () => ctl.startEdit(w.word_id, "text") }, w.text);
          replaceChildren(
            texts,
            word,
            h(
              "button",
              { type: "button", class: `editable word-translation${w.translation ? "" : " placeholder"}`, "data-testid": "word-translation", title: "Click to edit", onclick: () => ctl.startEdit(w.word_id, "translation") },
              w.translation ?? "add translation",
            ),
            ...(showSentence
              ? [
                  h(
                    "button",
                    { type: "button", class: `editable word-sentence${w.sentence ? "" : " placeholder"}`, "data-testid": "word-sentence", title: "Click to edit the example sentence", onclick: () => ctl.startEdit(w.word_id, "sentence") },
                    w.sentence ?? "add example sentence",
                  ),
                ]
              : []),
            ...(w.spoken
              ? [h("span", { class: "muted word-spoken", "data-testid": "word-spoken", title: "What the voice is given: markup, cloze, sound tags and furigana removed, the deck's text rules applied" }, `Said as: ${w.spoken}`)]
              : []),
            ...(credit
              ? [h("span", { class: "muted word-credit", "data-testid": "word-credit", title: w.audio.attribution?.source_url ?? w.image.attribution?.source_url ?? "" }, credit)]
              : []),
          );
          if (hadFocus || (prev?.editing && !item.editing)) word.focus();
        }
      }

      if (!prev || prev.confirming !== item.confirming || prev.word.undoable !== w.undoable) {
        if (item.confirming) {
          replaceChildren(actions, inlineConfirm(`Delete “${w.text}”?`, "Delete", () => void ctl.deleteWord(w.word_id), () => ctl.cancelConfirm()));
        } else {
          replaceChildren(
            actions,
            h("button", { type: "button", "data-testid": "word-regenerate", title: "Make a new picture and recording now (jumps the queue)", onclick: () => void ctl.regenerateWord(w.word_id) }, "Regenerate"),
            h("button", { type: "button", "data-testid": "word-choose-picture", title: "See this word's emoji, pictogram, word card and photos side by side, and pick one", onclick: () => void ctl.openChooser(w.word_id, w.text) }, "Choose picture…"),
            regenerateWith(ctl, w.word_id, w.text),
            ...(w.undoable
              ? [h("button", { type: "button", "data-testid": "word-undo", title: "Put back this word's picture and recording from before its last regeneration", onclick: () => void ctl.undoRegeneration(deckId, w.word_id) }, "Undo")]
              : []),
            h("button", { type: "button", class: "danger-outline", "data-testid": "word-delete", "aria-label": `Delete ${w.text}`, onclick: () => ctl.ask({ what: "delete-word", wordId: w.word_id }) }, "Delete"),
          );
        }
      }
    },
  };
}

/** One of the word's extra recordings (its translation or sentence read aloud): a play button
 * and its status. */
function slotPlayer(ctl: Controller, audio: HTMLAudioElement, w: WordMedia, kind: MediaKind): HTMLElement {
  const m = w[kind];
  const path = m.path;
  const name = MEDIA_KIND_NAMES[kind];
  const play = h("button", { type: "button", class: "icon-button play", "data-testid": `play-${kind}` }, "▶") as HTMLButtonElement;
  play.disabled = !path;
  play.setAttribute("aria-label", path ? `Play the ${name} of ${w.text}` : `No ${name} for ${w.text} yet`);
  if (path) play.onclick = () => void ctl.playAudio(audio, path);
  const badge = statusBadge(kind);
  setStatus(badge, kind, m);
  return h("span", { class: "slot-player", "data-kind": kind }, play, badge);
}

/** "Regenerate with…": a picture or a recording of this word, now, by a provider the user picks
 * (the choices are the core's: providers with no account, and the configured ones). */
function regenerateWith(ctl: Controller, wordId: number, text: string): HTMLElement {
  const select = h("select", { "data-testid": "word-regenerate-with", "aria-label": `Regenerate ${text} with another provider` }) as HTMLSelectElement;
  const fill = () => {
    const options = ctl.choicesFor(["image", "audio"]).map((c) =>
      h("option", { value: `${c.kind}:${c.provider}` }, `${c.kind === "image" ? "Picture" : "Recording"}: ${c.label}`),
    );
    select.replaceChildren(h("option", { value: "" }, "Regenerate with…"), ...options);
  };
  fill();
  select.addEventListener("focus", fill);
  select.addEventListener("change", () => {
    const [kind, provider] = select.value.split(":");
    select.value = "";
    if (kind === "image" || kind === "audio") void ctl.regenerateWordWith(wordId, kind, provider as ProviderName);
  });
  return select;
}

function renderEditor(ctl: Controller, box: HTMLElement, w: WordMedia, focus: EditField): void {
  const text = h("input", { type: "text", value: w.text, "data-testid": "edit-text", "aria-label": "Word", autocomplete: "off" });
  const translation = h("input", { type: "text", value: w.translation ?? "", "data-testid": "edit-translation", "aria-label": "Translation", autocomplete: "off" });
  const sentence = h("input", { type: "text", value: w.sentence ?? "", "data-testid": "edit-sentence", "aria-label": "Example sentence", placeholder: "Example sentence", autocomplete: "off" });
  const hint = h("span", { class: "muted hint" }, "Enter saves · Esc cancels");
  let saving = false;
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Enter") {
      e.preventDefault();
      if (saving) return;
      if (text.value.trim() === "") {
        text.focus();
        return;
      }
      const sentenceChanged = (sentence.value.trim() || null) !== (w.sentence ?? null);
      if (text.value.trim() === w.text && (translation.value.trim() || null) === (w.translation ?? null) && !sentenceChanged) {
        ctl.cancelEdit();
        return;
      }
      saving = true;
      void ctl.updateWord(w.word_id, text.value, translation.value, sentenceChanged ? sentence.value : undefined).finally(() => (saving = false));
    } else if (e.key === "Escape") {
      e.preventDefault();
      ctl.cancelEdit();
    }
  };
  for (const input of [text, translation, sentence]) input.addEventListener("keydown", onKey);
  replaceChildren(box, text, translation, sentence, hint);
  const target = focus === "text" ? text : focus === "translation" ? translation : sentence;
  queueMicrotask(() => {
    target.focus();
    target.select();
  });
}
