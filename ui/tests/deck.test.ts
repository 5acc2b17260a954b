import { afterEach, describe, expect, it, vi } from "vitest";
import type { BatchPlan, MediaPage, PictureCandidate, PictureChoices, PictureSource } from "../src/types";
import { $, $$, Backend, batch, deck, key, media, reset, sendEvent, snapshot, startApp, word } from "./helpers";

afterEach(() => {
  vi.useRealTimers();
  reset();
});

function pageOf(total: number, offset: number, limit: number): MediaPage {
  const items = [];
  for (let i = offset; i < Math.min(total, offset + limit); i++) items.push(word(1000 + i, `w${i}`));
  return { total, offset, items };
}

async function openDeck(backend: Backend) {
  const started = await startApp();
  await started.app.controller.navigate({ page: "deck", deckId: 1 });
  await started.app.settle();
  return { ...started, backend };
}

const row = (id: number) => $(`[data-testid=word-row][data-word-id='${id}']`);

describe("deck view", () => {
  it("shows each word's picture, audio button and status per kind", async () => {
    const backend = new Backend({
      deck_media: () => ({
        total: 2,
        offset: 0,
        items: [
          word(10, "perro", {
            translation: "dog",
            image: media({ status: "done", path: "/data/media/ab/perro.png" }),
            audio: media({ status: "failed", error: "HTTP 401: key rejected" }),
          }),
          word(11, "gato", { image: media({ status: "waiting" }), audio: media({ status: "running" }) }),
        ],
      }),
    });
    await openDeck(backend);
    expect(backend.callsOf("deck_media")).toEqual([{ deckId: 1, offset: 0, limit: 100 }]);
    expect($("#deck-title").textContent).toBe("Spanish A1");
    expect($("#deck-total").textContent).toBe("2 words");

    const perro = row(10);
    expect(($("[data-testid=word-thumb]", perro) as HTMLImageElement).src).toBe("asset://localhost/%2Fdata%2Fmedia%2Fab%2Fperro.png");
    expect($("[data-testid=word-text]", perro).textContent).toBe("perro");
    expect($("[data-testid=word-translation]", perro).textContent).toBe("dog");
    expect($("[data-testid=status-image]", perro).dataset.status).toBe("done");
    expect($("[data-testid=status-audio]", perro).textContent).toBe("Audio: failed: HTTP 401: key rejected");
    expect(($("[data-testid=word-play]", perro) as HTMLButtonElement).disabled).toBe(true);

    const gato = row(11);
    expect($$("[data-testid=word-credit]", perro)).toHaveLength(0);
    expect($("[data-testid=status-image]", gato).textContent).toBe("Picture: waiting for network");
    expect($("[data-testid=status-audio]", gato).textContent).toBe("Audio: generating");
  });

  it("a human recording's credit shows under the word, with its file page as the tooltip", async () => {
    const attribution = {
      author: "Rodelar",
      licence: "CC BY-SA 4.0",
      licence_url: "https://creativecommons.org/licenses/by-sa/4.0",
      source_url: "https://commons.wikimedia.org/wiki/File:LL-Q1321_(spa)-Rodelar-manzana.wav",
    };
    const backend = new Backend({
      deck_media: () => ({
        total: 1,
        offset: 0,
        items: [word(12, "manzana", { audio: media({ status: "done", path: "/data/media/cd/m.ogg", provider: "wikimedia", attribution }) })],
      }),
    });
    await openDeck(backend);
    const credit = $("[data-testid=word-credit]", row(12));
    expect(credit.textContent).toBe("Recording: Rodelar, CC BY-SA 4.0 (via wikimedia)");
    expect(credit.title).toBe(attribution.source_url);
  });

  it("shows what the voice is given when it is not the word as written", async () => {
    const backend = new Backend({
      deck_media: () => ({ total: 2, offset: 0, items: [word(13, "<b>der</b> Hund", { spoken: "der Hund" }), word(14, "gato")] }),
    });
    await openDeck(backend);
    expect($("[data-testid=word-spoken]", row(13)).textContent).toBe("Said as: der Hund");
    expect($$("[data-testid=word-spoken]", row(14))).toHaveLength(0);
  });

  it("pages through 10,000 words 100 at a time", async () => {
    const backend = new Backend({ deck_media: ({ offset, limit }) => pageOf(10_000, offset as number, limit as number) });
    const { app } = await openDeck(backend);
    expect($$("[data-testid=word-row]")).toHaveLength(100);
    expect($("#page-info").textContent).toBe("1–100 of 10,000");
    expect(($("#page-prev") as HTMLButtonElement).disabled).toBe(true);

    $("#page-next").click();
    await app.settle();
    expect(backend.callsOf("deck_media")[1]).toEqual({ deckId: 1, offset: 100, limit: 100 });
    expect($("#page-info").textContent).toBe("101–200 of 10,000");
    expect($$("[data-testid=word-row]")[0]!.dataset.wordId).toBe("1100");
  });

  it("inline edit: Enter saves text and translation through update_word, Escape cancels", async () => {
    const backend = new Backend({
      deck_media: () => ({ total: 1, offset: 0, items: [word(10, "perro", { translation: "dog" })] }),
      update_word: ({ wordId, text, translation }) => ({ id: wordId, deck_id: 1, text, language: "es", translation, note: null, sentence: null, position: 0 }),
    });
    const { app } = await openDeck(backend);

    // Escape leaves the word as it was and calls nothing.
    $("[data-testid=word-text]", row(10)).click();
    app.flush();
    let input = $("[data-testid=edit-text]", row(10)) as HTMLInputElement;
    input.value = "perrito";
    key(input, "Escape");
    app.flush();
    expect(backend.callsOf("update_word")).toEqual([]);
    expect($("[data-testid=word-text]", row(10)).textContent).toBe("perro");

    // Enter saves both fields; an emptied translation is sent as null.
    $("[data-testid=word-text]", row(10)).click();
    app.flush();
    input = $("[data-testid=edit-text]", row(10)) as HTMLInputElement;
    const tr = $("[data-testid=edit-translation]", row(10)) as HTMLInputElement;
    expect(tr.value).toBe("dog");
    input.value = "  perrito ";
    tr.value = "";
    key(tr, "Enter");
    await app.settle();
    expect(backend.callsOf("update_word")).toEqual([{ wordId: 10, text: "perrito", translation: null }]);
    expect($$("[data-testid=edit-text]")).toHaveLength(0);
    expect($("[data-testid=word-text]", row(10)).textContent).toBe("perrito");
  });

  it("an edit in progress survives live updates of a running batch", async () => {
    const backend = new Backend({
      snapshot: () => snapshot([batch()]),
      deck_media: () => ({ total: 2, offset: 0, items: [word(10, "perro"), word(11, "gato")] }),
      update_word: ({ wordId, text, translation }) => ({ id: wordId, deck_id: 1, text, language: "es", translation, note: null, sentence: null, position: 0 }),
    });
    const { app } = await openDeck(backend);
    $("[data-testid=word-translation]", row(10)).click();
    app.flush();
    const tr = $("[data-testid=edit-translation]", row(10)) as HTMLInputElement;
    tr.value = "do";

    await sendEvent({ type: "JobFinished", batch_id: 7, job_id: 1, word_id: 11, kind: "image", outcome: "done", error: null });
    await sendEvent({ type: "BatchProgress", batch_id: 7, status: "processing", completed: 1, failed: 0, cancelled: 0, total: 100, eta_seconds: 60, eta_text: "~1 min left" });
    await app.settle();
    expect($("[data-testid=edit-translation]", row(10))).toBe(tr);
    expect(tr.value).toBe("do");
    expect($("[data-testid=status-image]", row(11)).dataset.status).toBe("done");

    tr.value = "dog";
    key(tr, "Enter");
    await app.settle();
    expect(backend.callsOf("update_word")).toEqual([{ wordId: 10, text: "perro", translation: "dog" }]);
  });

  it("JobFinished for the open deck reloads the page once per burst, so thumbnails appear", async () => {
    let done = false;
    const backend = new Backend({
      snapshot: () => snapshot([batch()]),
      deck_media: () => ({
        total: 1,
        offset: 0,
        items: [word(10, "perro", { image: done ? media({ status: "done", path: "/m/perro.png" }) : media({ status: "queued" }) })],
      }),
    });
    const { app } = await openDeck(backend);
    expect($$("[data-testid=word-thumb]", row(10))).toHaveLength(0);

    vi.useFakeTimers();
    done = true;
    for (let j = 1; j <= 5; j++) {
      await sendEvent({ type: "JobFinished", batch_id: 7, job_id: j, word_id: 10, kind: "image", outcome: "done", error: null });
    }
    expect(backend.callsOf("deck_media")).toHaveLength(1);
    vi.advanceTimersByTime(300);
    vi.useRealTimers();
    await app.settle();
    expect(backend.callsOf("deck_media")).toHaveLength(2);
    expect(($("[data-testid=word-thumb]", row(10)) as HTMLImageElement).src).toBe("asset://localhost/%2Fm%2Fperro.png");
  });

  it("Generate missing, Regenerate all (after an inline confirm) and Regenerate one word", async () => {
    const confirmSpy = vi.spyOn(window, "confirm");
    const backend = new Backend({
      deck_media: () => ({ total: 1, offset: 0, items: [word(10, "perro")] }),
      generate: ({ deckId, force }) => batch({ id: force ? 9 : 8, deck_id: deckId as number }),
      generate_word: () => batch({ id: 10, total_words: 1 }),
    });
    const { app } = await openDeck(backend);

    $("#generate-missing").click();
    await app.settle();
    expect(backend.callsOf("generate")).toEqual([{ deckId: 1, kinds: ["image", "audio"], force: false, confirmed: false }]);
    expect($("#badge").textContent).toBe("Generating 0/100");

    backend.on("preview_batch", ({ deckId }) => batch({ id: 11, deck_id: deckId as number, total_words: 3, total_jobs: 6 }));
    $("#preview-words").click();
    await app.settle();
    expect(backend.callsOf("preview_batch")).toEqual([{ deckId: 1, kinds: ["image", "audio"] }]);

    $("#regenerate-all").click();
    app.flush();
    expect(backend.callsOf("generate")).toHaveLength(1);
    const confirm = $("#regenerate-confirm-area [data-testid=confirm]");
    $("[data-testid=confirm-yes]", confirm).click();
    await app.settle();
    expect(backend.callsOf("generate")[1]).toEqual({ deckId: 1, kinds: ["image", "audio"], force: true, confirmed: false });
    expect($$("#regenerate-confirm-area [data-testid=confirm]")).toHaveLength(0);

    $("[data-testid=word-regenerate]", row(10)).click();
    await app.settle();
    expect(backend.callsOf("generate_word")).toEqual([{ wordId: 10, kinds: ["image", "audio"] }]);
    expect(confirmSpy).not.toHaveBeenCalled();
  });

  it("says under Generate what it will do, and asks inline before a batch above the cost threshold", async () => {
    const kindLine = "audio: 300 to make with openai tts-1 (about $0.05 for 3,000 characters; 4 at once)";
    const plan: BatchPlan = {
      deck_id: 1,
      deck: "Spanish A1",
      kinds: [{ kind: "audio", provider: "openai tts-1", to_make: 300, repair: 0, existing: 0, same_elsewhere: 0, in_other_batch: 0, no_text: 0, characters: 3000, cost: { type: "estimated", amount: 0.045, currency: "USD" }, limits: "4 at once", line: kindLine }],
      cost: { type: "estimated", amount: 0.045, currency: "USD" },
      calls: 300,
      confirm: true,
      summary: "Spanish A1: 300 to make, about $0.05 — confirm to start",
    };
    const backend = new Backend({
      deck_media: () => ({ total: 1, offset: 0, items: [word(10, "perro")] }),
      plan_batch: () => plan,
      generate: ({ deckId, confirmed }) => {
        if (!confirmed) throw { code: "confirm_cost", message: "Spanish A1: 300 to make, about $0.05: above the 0.01 set to ask first ([cost] confirm_above)" };
        return batch({ id: 8, deck_id: deckId as number });
      },
    });
    const { app } = await openDeck(backend);
    expect(backend.callsOf("plan_batch")).toEqual([{ deckId: 1, kinds: ["image", "audio"] }]);
    expect($("#generate-plan").textContent).toBe(plan.summary);
    expect($("#generate-plan").title).toBe(kindLine);

    $("#generate-missing").click();
    await app.settle();
    expect($$("[data-testid=toast]")).toHaveLength(0);
    const ask = $("#regenerate-confirm-area [data-testid=confirm]");
    expect(ask.textContent).toContain("above the 0.01 set to ask first ([cost] confirm_above). Start it?");
    $("[data-testid=confirm-yes]", ask).click();
    await app.settle();
    expect(backend.callsOf("generate")).toEqual([
      { deckId: 1, kinds: ["image", "audio"], force: false, confirmed: false },
      { deckId: 1, kinds: ["image", "audio"], force: false, confirmed: true },
    ]);
    expect($("#badge").textContent).toBe("Generating 0/100");
    expect($$("#regenerate-confirm-area [data-testid=confirm]")).toHaveLength(0);
    expect(backend.callsOf("plan_batch")).toHaveLength(2);
  });

  it("Undo last regeneration shows when there is one, puts the files back and hides again", async () => {
    let undoable: number | null = 9;
    let items = [word(10, "perro", { audio: media({ status: "done", path: "/data/media/audio/ab/nova.mp3" }) })];
    const backend = new Backend({
      deck_media: () => ({ total: 1, offset: 0, items }),
      undoable: () => undoable,
      undo_regeneration: () => {
        undoable = null;
        items = [word(10, "perro", { audio: media({ status: "done", path: "/data/media/audio/cd/alloy.mp3" }) })];
        return { batch_id: 9, restored: 1 };
      },
    });
    const { app } = await openDeck(backend);
    expect(backend.callsOf("undoable")).toEqual([{ deckId: 1, wordId: null }]);
    const undo = $("#undo-regeneration") as HTMLButtonElement;
    expect(undo.hidden).toBe(false);
    undo.click();
    await app.settle();
    expect(backend.callsOf("undo_regeneration")).toEqual([{ deckId: 1, wordId: null }]);
    expect($$("[data-testid=toast] .toast-text").map((t) => t.textContent)).toContain("Put back 1 file from before the regeneration");
    expect(undo.hidden).toBe(true);
    expect(backend.callsOf("deck_media").length).toBeGreaterThanOrEqual(2);
  });

  it("Regenerate with… offers the core's choices and makes one kind with the picked provider", async () => {
    const backend = new Backend({
      deck_media: () => ({ total: 1, offset: 0, items: [word(10, "perro")] }),
      provider_choices: () => [
        { kind: "image", provider: "offline", label: "Offline (built in)" },
        { kind: "audio", provider: "wikimedia", label: "Wikimedia (human recordings, licensed photos)" },
      ],
      regenerate_word_with: () => batch({ id: 12, total_words: 1, completed_words: 0, status: "pending" }),
    });
    await openDeck(backend);
    const select = $("[data-testid=word-regenerate-with]", row(10)) as HTMLSelectElement;
    select.dispatchEvent(new Event("focus"));
    expect([...select.options].map((o) => o.textContent)).toEqual([
      "Regenerate with…",
      "Picture: Offline (built in)",
      "Recording: Wikimedia (human recordings, licensed photos)",
    ]);
    select.value = "audio:wikimedia";
    select.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(backend.callsOf("regenerate_word_with")).toEqual([{ wordId: 10, kind: "audio", provider: "wikimedia" }]));
    expect(select.value).toBe("");
  });

  it("a regenerated word has Undo, which takes back only that word", async () => {
    let items = [word(10, "perro", { undoable: true }), word(11, "gato")];
    const backend = new Backend({
      deck_media: () => ({ total: 2, offset: 0, items }),
      undoable: () => 4,
      undo_regeneration: () => {
        items = [word(10, "perro"), word(11, "gato")];
        return { batch_id: 4, restored: 2 };
      },
    });
    const { app } = await openDeck(backend);
    expect($$("[data-testid=word-undo]", row(11))).toHaveLength(0);
    $("[data-testid=word-undo]", row(10)).click();
    await app.settle();
    expect(backend.callsOf("undo_regeneration")).toEqual([{ deckId: 1, wordId: 10 }]);
    expect($$("[data-testid=word-undo]", row(10))).toHaveLength(0);
  });

  it("Choose picture… shows the offline candidates, then photos, and a click makes one the word's picture", async () => {
    const cand = (id: number, source: PictureSource, label: string, current = false, author?: string): PictureCandidate => ({
      id,
      source,
      provider: source === "photo" ? "wikimedia" : "offline",
      label,
      path: `/data/media/image/${id}.png`,
      attribution: author ? { author, licence: "CC BY 2.0", licence_url: null, source_url: `https://commons.wikimedia.org/wiki/File:${id}.jpg` } : null,
      current,
    });
    let picked = 1;
    const offline = () => [cand(1, "emoji", "Emoji 🐕 dog", picked === 1), cand(2, "word_card", "Word card", picked === 2)];
    let items = [word(10, "perro", { image: media({ status: "done", path: "/data/media/image/1.png" }) })];
    let releasePhotos: () => void = () => undefined;
    const backend = new Backend({
      deck_media: () => ({ total: 1, offset: 0, items }),
      picture_choices: ({ wordId }) => ({ word_id: wordId, candidates: offline(), unavailable: [] }),
      find_photos: ({ wordId }) =>
        new Promise<PictureChoices>((resolve) => {
          releasePhotos = () => resolve({ word_id: wordId, candidates: [...offline(), cand(3, "photo", "Photo from Wikimedia Commons", false, "Carla")], unavailable: ["Openverse: not reachable (offline?)"] });
        }),
      choose_picture: ({ candidateId }) => {
        picked = candidateId;
        items = [word(10, "perro", { image: media({ status: "done", path: `/data/media/image/${candidateId}.png` }) })];
        return null;
      },
    });
    const { app } = await openDeck(backend);
    expect($("#picture-chooser").hidden).toBe(true);
    $("[data-testid=word-choose-picture]", row(10)).click();
    await vi.waitFor(() => {
      app.flush();
      expect($$("[data-testid=picture-candidate]")).toHaveLength(2);
    });
    expect($("#picture-chooser").hidden).toBe(false);
    expect($("#chooser-title").textContent).toBe("Pictures for “perro”");
    expect($("#chooser-status").textContent).toBe("Looking for licensed photos…");
    const current = $("[data-testid=picture-candidate][aria-pressed=true]") as HTMLButtonElement;
    expect(current.disabled).toBe(true);
    expect(current.dataset.source).toBe("emoji");

    releasePhotos();
    await app.settle();
    const all = $$("[data-testid=picture-candidate]");
    expect(all.map((c) => c.dataset.source)).toEqual(["emoji", "word_card", "photo"]);
    expect($("[data-source=photo] .candidate-credit").textContent).toBe("Carla, CC BY 2.0");
    expect($("#chooser-unavailable").textContent).toBe("Openverse: not reachable (offline?)");
    expect($("#chooser-status").textContent).toBe("Click a picture to use it. The current one is marked.");

    $("[data-testid=picture-candidate][data-source=photo]").click();
    await app.settle();
    expect(backend.callsOf("choose_picture")).toEqual([{ wordId: 10, candidateId: 3 }]);
    expect(($("[data-testid=word-thumb]", row(10)) as HTMLImageElement).src).toContain("3.png");
    expect($("#picture-chooser").hidden).toBe(false);
    expect(backend.callsOf("find_photos")).toHaveLength(1);

    $("#chooser-candidates").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    app.flush();
    expect($("#picture-chooser").hidden).toBe(true);
  });

  it("deleting a word asks inline first", async () => {
    let items = [word(10, "perro"), word(11, "gato")];
    const backend = new Backend({
      deck_media: () => ({ total: items.length, offset: 0, items }),
      delete_word: ({ wordId }) => {
        items = items.filter((w) => w.word_id !== wordId);
        return null;
      },
    });
    const { app } = await openDeck(backend);
    $("[data-testid=word-delete]", row(10)).click();
    app.flush();
    $("[data-testid=confirm-no]", row(10)).click();
    app.flush();
    expect(backend.callsOf("delete_word")).toEqual([]);

    $("[data-testid=word-delete]", row(10)).click();
    app.flush();
    $("[data-testid=confirm-yes]", row(10)).click();
    await app.settle();
    expect(backend.callsOf("delete_word")).toEqual([{ wordId: 10 }]);
    expect($$("[data-testid=word-row]").map((r) => r.dataset.wordId)).toEqual(["11"]);
  });

  it("export buttons call export_deck without a path (the native dialog picks it) and show the task's progress", async () => {
    const backend = new Backend({
      deck_media: () => ({ total: 0, offset: 0, items: [] }),
      export_deck: () => null,
      anki_push: () => null,
    });
    const { app } = await openDeck(backend);
    expect($("#words-empty").hidden).toBe(false);
    $("#export-apkg").click();
    $("#export-csv").click();
    $("#anki-push").click();
    await app.settle();
    expect(backend.callsOf("export_deck")).toEqual([
      { deckId: 1, format: "apkg" },
      { deckId: 1, format: "csv" },
    ]);
    expect(backend.callsOf("anki_push")).toEqual([{ deckId: 1 }]);

    await sendEvent({ type: "TaskProgress", task_id: 1, label: "Export Spanish A1", done: 3, total: 10 });
    app.flush();
    expect($("#export-status").textContent).toBe("Export Spanish A1: 3/10");
    await sendEvent({ type: "TaskFinished", task_id: 1, label: "Export Spanish A1", ok: true, message: "Saved to /home/u/Spanish A1.apkg" });
    app.flush();
    expect($("#export-status").textContent).toBe("Export Spanish A1: Saved to /home/u/Spanish A1.apkg");
    expect($("[data-testid=toast] .toast-text").textContent).toBe("Export Spanish A1: Saved to /home/u/Spanish A1.apkg");
  });
});

describe("decks page", () => {
  it("lists decks with counts and coverage; delete needs the inline confirm", async () => {
    const confirmSpy = vi.spyOn(window, "confirm");
    let decks = [deck(), deck({ id: 2, name: "French", language: "fr", word_count: 1, images_done: 0, audio_done: 0 })];
    const backend = new Backend({
      list_decks: () => decks,
      delete_deck: ({ deckId }) => {
        decks = decks.filter((d) => d.id !== deckId);
        return null;
      },
    });
    const { app } = await startApp();
    const rows = $$("[data-testid=deck-row]");
    expect(rows.map((r) => r.dataset.deckId)).toEqual(["1", "2"]);
    expect($("[data-testid=deck-counts]", rows[0]).textContent).toBe("100 words · 83/100 pictures, 100/100 audio");
    expect($("[data-testid=deck-counts]", rows[1]).textContent).toBe("1 word · 0/1 pictures, 0/1 audio");

    $("[data-testid=deck-delete]", rows[1]).click();
    app.flush();
    expect($("[data-testid=confirm]", rows[1]).textContent).toContain("Delete “French” and its 1 word?");
    expect(backend.callsOf("delete_deck")).toEqual([]);
    $("[data-testid=confirm-yes]", rows[1]).click();
    await app.settle();
    expect(backend.callsOf("delete_deck")).toEqual([{ deckId: 2 }]);
    expect($$("[data-testid=deck-row]").map((r) => r.dataset.deckId)).toEqual(["1"]);
    expect(confirmSpy).not.toHaveBeenCalled();
  });

  it("creates and renames decks; a rejected command becomes a toast", async () => {
    const backend = new Backend({
      list_decks: () => [deck()],
      create_deck: ({ name }) => {
        if (name === "Spanish A1") throw { code: "conflict", message: "A deck named 'Spanish A1' already exists" };
        return { id: 3, name, language: "de", word_count: 0, created_at: 0, slots: ["image", "audio"], translation_language: "" };
      },
      rename_deck: ({ deckId, name }) => ({ id: deckId, name, language: "es", word_count: 100, created_at: 0, slots: ["image", "audio"], translation_language: "" }),
    });
    const { app } = await startApp();
    ($("#new-deck-name") as HTMLInputElement).value = "Spanish A1";
    ($("#new-deck-language") as HTMLInputElement).value = "es";
    $("#create-deck").click();
    await app.settle();
    expect(backend.callsOf("create_deck")).toEqual([{ name: "Spanish A1", language: "es" }]);
    const toast = $("[data-testid=toast]");
    expect(toast.dataset.code).toBe("conflict");
    expect($(".toast-text", toast).textContent).toBe("A deck named 'Spanish A1' already exists");
    expect(($("#new-deck-name") as HTMLInputElement).value).toBe("Spanish A1"); // kept, to fix it

    $("[data-testid=toast-close]", toast).click();
    app.flush();
    expect($$("[data-testid=toast]")).toHaveLength(0);

    ($("#new-deck-name") as HTMLInputElement).value = "German";
    ($("#new-deck-language") as HTMLInputElement).value = "de";
    $("#create-deck").click();
    await app.settle();
    expect(backend.callsOf("create_deck")[1]).toEqual({ name: "German", language: "de" });
    expect(($("#new-deck-name") as HTMLInputElement).value).toBe("");

    const spanish = $("[data-testid=deck-row][data-deck-id='1']");
    $("[data-testid=deck-rename]", spanish).click();
    app.flush();
    const input = $("[data-testid=deck-rename-input]", spanish) as HTMLInputElement;
    input.value = "Spanish B1";
    key(input, "Enter");
    await app.settle();
    expect(backend.callsOf("rename_deck")).toEqual([{ deckId: 1, name: "Spanish B1" }]);
    expect($("[data-testid=deck-open]", spanish).textContent).toBe("Spanish B1");
  });

  it("error toasts close themselves after a while", async () => {
    vi.useFakeTimers();
    new Backend({ list_decks: () => Promise.reject({ code: "io", message: "database is locked" }) });
    const { app } = await startApp();
    expect($(".toast-text").textContent).toBe("database is locked");
    vi.advanceTimersByTime(15_000);
    app.flush();
    expect($$("[data-testid=toast]")).toHaveLength(0);
  });
});

describe("audio playback", () => {
  it("plays a recording from a blob: URL of its bytes (WebKitGTK refuses asset: media)", async () => {
    const created: Blob[] = [];
    const revoked: string[] = [];
    vi.stubGlobal("URL", Object.assign(Object.create(URL), {
      createObjectURL: (b: Blob) => {
        created.push(b);
        return `blob:deckmedia/${created.length}`;
      },
      revokeObjectURL: (u: string) => revoked.push(u),
    }));
    const play = vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue(undefined);
    const backend = new Backend({
      deck_media: () => ({
        total: 2,
        offset: 0,
        items: [
          word(10, "perro", { audio: media({ status: "done", path: "/data/media/ab/perro.ogg" }) }),
          word(11, "gato", { audio: media({ status: "done", path: "/data/media/cd/gato.mp3" }) }),
        ],
      }),
      read_media: () => new Uint8Array([79, 103, 103, 83]).buffer,
    });
    try {
      await openDeck(backend);
      const player = $("#audio-player") as HTMLAudioElement;
      ($("[data-testid=word-play]", row(10)) as HTMLButtonElement).click();
      await vi.waitFor(() => expect(player.getAttribute("src")).toBe("blob:deckmedia/1"));
      expect(backend.callsOf("read_media")).toEqual([{ path: "/data/media/ab/perro.ogg" }]);
      expect(created[0]?.type).toBe("audio/ogg");
      expect(created[0]?.size).toBe(4);
      expect(play).toHaveBeenCalledTimes(1);

      ($("[data-testid=word-play]", row(11)) as HTMLButtonElement).click();
      await vi.waitFor(() => expect(player.getAttribute("src")).toBe("blob:deckmedia/2"));
      expect(created[1]?.type).toBe("audio/mpeg");
      expect(revoked).toEqual(["blob:deckmedia/1"]);
    } finally {
      vi.unstubAllGlobals();
      play.mockRestore();
    }
  });

  it("a recording that cannot be read becomes an error toast", async () => {
    const backend = new Backend({
      deck_media: () => ({ total: 1, offset: 0, items: [word(10, "perro", { audio: media({ status: "done", path: "/data/media/x.ogg" }) })] }),
      read_media: () => {
        throw { code: "not_found", message: "the recording is missing" };
      },
    });
    const { app } = await openDeck(backend);
    ($("[data-testid=word-play]", row(10)) as HTMLButtonElement).click();
    await vi.waitFor(async () => {
      await app.settle();
      expect($$("[data-testid=toast] .toast-text").map((t) => t.textContent)).toContain("Cannot play the recording: the recording is missing");
    });
  });
});

describe("deck view: media slots", () => {
  it("shows a deck's sentence audio next to the word audio, plays it, and generates the deck's slots", async () => {
    const created: Blob[] = [];
    vi.stubGlobal("URL", Object.assign(Object.create(URL), { createObjectURL: (b: Blob) => (created.push(b), `blob:deckmedia/${created.length}`), revokeObjectURL: () => {} }));
    const play = vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue(undefined);
    let slots: ("image" | "audio" | "translation_audio" | "sentence_audio")[] = ["image", "audio", "sentence_audio"];
    const backend = new Backend({
      list_decks: () => [deck({ slots })],
      deck_media: () => ({
        total: 2,
        offset: 0,
        items: [
          word(10, "perro", {
            sentence: "El perro come.",
            audio: media({ status: "done", path: "/data/media/audio/aa/perro.ogg" }),
            sentence_audio: media({ status: "done", path: "/data/media/audio/bb/sentence.ogg" }),
          }),
          word(11, "gato", { sentence_audio: media({ status: "queued" }) }),
        ],
      }),
      read_media: () => new Uint8Array([79, 103, 103, 83]).buffer,
      generate: () => batch({ kinds: slots }),
      set_deck_slots: (a) => {
        slots = a.slots;
        return { id: 1, name: "Spanish A1", language: "es", word_count: 100, created_at: 0, slots: a.slots, translation_language: "" };
      },
    });
    try {
      const { app } = await openDeck(backend);
      expect(($("#slot-sentence_audio") as HTMLInputElement).checked).toBe(true);
      expect(($("#slot-translation_audio") as HTMLInputElement).checked).toBe(false);
      expect(backend.callsOf("plan_batch")).toEqual([{ deckId: 1, kinds: ["image", "audio", "sentence_audio"] }]);

      const perro = row(10);
      expect($("[data-testid=word-sentence]", perro).textContent).toBe("El perro come.");
      expect($("[data-testid=status-sentence_audio]", perro).textContent).toBe("Sentence audio: done");
      expect($$("[data-testid=play-translation_audio]", perro)).toHaveLength(0);
      const sentencePlay = $("[data-testid=play-sentence_audio]", perro) as HTMLButtonElement;
      expect(sentencePlay.getAttribute("aria-label")).toBe("Play the sentence audio of perro");
      sentencePlay.click();
      await vi.waitFor(() => expect(play).toHaveBeenCalledTimes(1));
      expect(backend.callsOf("read_media")).toEqual([{ path: "/data/media/audio/bb/sentence.ogg" }]);

      const gato = row(11);
      expect($("[data-testid=word-sentence]", gato).textContent).toBe("add example sentence");
      expect(($("[data-testid=play-sentence_audio]", gato) as HTMLButtonElement).disabled).toBe(true);
      expect($("[data-testid=status-sentence_audio]", gato).textContent).toBe("Sentence audio: queued");

      ($("#generate-missing") as HTMLButtonElement).click();
      await app.settle();
      expect(backend.callsOf("generate")).toEqual([{ deckId: 1, kinds: ["image", "audio", "sentence_audio"], force: false, confirmed: false }]);

      // Turning translation audio on saves the deck's slots and shows its column.
      const translation = $("#slot-translation_audio") as HTMLInputElement;
      translation.checked = true;
      translation.dispatchEvent(new Event("change"));
      await app.settle();
      expect(backend.callsOf("set_deck_slots")).toEqual([{ deckId: 1, slots: ["image", "audio", "sentence_audio", "translation_audio"], translationLanguage: null }]);
      expect($("[data-testid=status-translation_audio]", row(10)).textContent).toBe("Translation audio: not generated");
    } finally {
      vi.unstubAllGlobals();
      play.mockRestore();
    }
  });

  it("the inline editor saves a changed example sentence through set_sentence", async () => {
    const backend = new Backend({
      list_decks: () => [deck({ slots: ["audio", "sentence_audio"] })],
      deck_media: () => ({ total: 1, offset: 0, items: [word(10, "perro", { translation: "dog" })] }),
      update_word: ({ wordId, text, translation }) => ({ id: wordId, deck_id: 1, text, language: "es", translation, note: null, sentence: null, position: 0 }),
      set_sentence: ({ wordId, sentence }) => ({ id: wordId, deck_id: 1, text: "perro", language: "es", translation: "dog", note: null, sentence, position: 0 }),
    });
    const { app } = await openDeck(backend);
    $("[data-testid=word-sentence]", row(10)).click();
    app.flush();
    const input = $("[data-testid=edit-sentence]", row(10)) as HTMLInputElement;
    await vi.waitFor(() => expect(document.activeElement).toBe(input));
    input.value = " El perro come. ";
    key(input, "Enter");
    await app.settle();
    expect(backend.callsOf("set_sentence")).toEqual([{ wordId: 10, sentence: "El perro come." }]);
    expect($("[data-testid=word-sentence]", row(10)).textContent).toBe("El perro come.");
  });
});
