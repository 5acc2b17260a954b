import { afterEach, describe, expect, it } from "vitest";
import type { ImportPreview } from "../src/types";
import { $, $$, Backend, deferred, reset, startApp, typeInto } from "./helpers";

afterEach(reset);

const BAD: ImportPreview = {
  total: 3,
  rows: [{ text: "manzana", translation: "apple" }, { text: "perro", translation: "dog" }],
  errors: [{ line: 3, reason: "more than 2 columns" }],
  error_count: 1,
  columns: ["word", "translation"],
  format: "table",
  delimiter: ",",
  media_files: 0,
};
const GOOD: ImportPreview = {
  total: 15,
  rows: [{ text: "manzana", translation: "apple" }],
  errors: [],
  error_count: 0,
  columns: ["word", "translation"],
  format: "table",
  delimiter: ",",
  media_files: 0,
};

describe("import", () => {
  it("previews, lists bad rows with their line numbers and will not import them", async () => {
    const backend = new Backend({ preview_import: () => BAD });
    const { app } = await startApp();
    await app.controller.navigate({ page: "import", deckId: 1 });
    await app.settle();
    expect($("#import-title").textContent).toBe("Import words into Spanish A1");

    typeInto($("#import-text") as HTMLTextAreaElement, "manzana,apple\nperro,dog\na,b,c");
    $("#import-preview-button").click();
    await app.settle();

    expect(backend.callsOf("preview_import")).toEqual([{ text: "manzana,apple\nperro,dog\na,b,c" }]);
    expect($("#import-preview").hidden).toBe(false);
    expect($$("[data-testid=import-row]").map((r) => r.textContent)).toEqual(["manzanaapple", "perrodog"]);
    const errs = $$("[data-testid=import-error]");
    expect(errs.map((e) => [e.dataset.line, e.textContent])).toEqual([["3", "Line 3: more than 2 columns"]]);
    expect(($("#import-confirm") as HTMLButtonElement).disabled).toBe(true);
  });

  it("counts every bad row even when the core lists only the first ones", async () => {
    new Backend({
      preview_import: () => ({ ...BAD, error_count: 250, format: "table", delimiter: "\t" }),
    });
    const { app } = await startApp();
    await app.controller.navigate({ page: "import", deckId: 1 });
    await app.settle();
    typeInto($("#import-text") as HTMLTextAreaElement, "x");
    $("#import-preview-button").click();
    await app.settle();
    expect($("#import-summary").textContent).toBe("3 words found · tab-separated · columns: word, translation · first 2 shown");
    expect($("#import-preview h2").textContent).toBe("250 bad rows (the first 1 are listed): fix them to import");
  });

  it("imports exactly the previewed text and reports new and existing words", async () => {
    const backend = new Backend({ preview_import: () => GOOD, import_words: () => ({ added: 12, already_there: 3 }) });
    const { app } = await startApp();
    await app.controller.navigate({ page: "import", deckId: 1 });
    await app.settle();

    typeInto($("#import-text") as HTMLTextAreaElement, "manzana\tapple");
    $("#import-preview-button").click();
    await app.settle();
    const confirm = $("#import-confirm") as HTMLButtonElement;
    expect(confirm.disabled).toBe(false);
    expect(confirm.textContent).toBe("Import 15 words");

    confirm.click();
    await app.settle();
    expect(backend.callsOf("import_words")).toEqual([{ deckId: 1, text: "manzana\tapple" }]);
    expect($("#import-result").hidden).toBe(false);
    expect($("#import-result").textContent).toBe("12 new, 3 already there");
    expect($("#import-preview").hidden).toBe(true);
    // The deck list (word counts) is read again.
    expect(backend.callsOf("list_decks").length).toBeGreaterThanOrEqual(2);
  });

  it("editing the text after a preview asks for a new preview", async () => {
    new Backend({ preview_import: () => GOOD });
    const { app } = await startApp();
    await app.controller.navigate({ page: "import", deckId: 1 });
    await app.settle();
    typeInto($("#import-text") as HTMLTextAreaElement, "uno");
    $("#import-preview-button").click();
    await app.settle();
    expect($("#import-preview").hidden).toBe(false);
    typeInto($("#import-text") as HTMLTextAreaElement, "uno\ndos");
    app.flush();
    expect($("#import-preview").hidden).toBe(true);
  });

  it("a chosen file is read in the page and previewed", async () => {
    const called = deferred<string>();
    new Backend({
      preview_import: ({ text }) => {
        called.resolve(text as string);
        return GOOD;
      },
    });
    const { app } = await startApp();
    await app.controller.navigate({ page: "import", deckId: 1 });
    await app.settle();

    const input = $("#import-file") as HTMLInputElement;
    const file = new File(["word,translation\nmanzana,apple\n"], "spanish.csv", { type: "text/csv" });
    Object.defineProperty(input, "files", { value: [file] });
    input.dispatchEvent(new Event("change"));

    expect(await called.promise).toBe("word,translation\nmanzana,apple\n");
    await app.settle();
    expect(($("#import-text") as HTMLTextAreaElement).value).toBe("word,translation\nmanzana,apple\n");
    expect($("#import-file-name").textContent).toBe("spanish.csv");
    expect($("#import-preview").hidden).toBe(false);
  });

  it("a rejected preview becomes an error toast", async () => {
    new Backend({
      preview_import: () => {
        throw { code: "invalid_input", message: "The text is empty" };
      },
    });
    const { app } = await startApp();
    await app.controller.navigate({ page: "import", deckId: 1 });
    await app.settle();
    typeInto($("#import-text") as HTMLTextAreaElement, " x");
    $("#import-preview-button").click();
    await app.settle();
    const toast = $("[data-testid=toast]");
    expect(toast.dataset.kind).toBe("error");
    expect(toast.dataset.code).toBe("invalid_input");
    expect(toast.getAttribute("role")).toBe("alert");
    expect($(".toast-text", toast).textContent).toBe("The text is empty");
  });

  it("previews an Anki package the shell asked for, then imports it with its media", async () => {
    const preview: ImportPreview = {
      total: 2,
      rows: [{ text: "perro", translation: "dog" }, { text: "gato", translation: "cat" }],
      errors: [],
      error_count: 0,
      columns: ["word", "translation"],
      format: "anki_package",
      delimiter: null,
      media_files: 3,
    };
    const backend = new Backend({
      choose_package: () => preview,
      import_package: () => ({ added: 2, already_there: 0, skipped: 0, pictures: 1, audio: 2, media_skipped: 0, summary: "2 new, 0 already there; 1 picture and 2 recordings from the package" }),
    });
    const { app } = await startApp();
    await app.controller.navigate({ page: "import", deckId: 1 });
    await app.settle();

    $("#import-package").click();
    await app.settle();
    expect(backend.callsOf("choose_package")).toEqual([{ deckId: 1 }]);
    expect($("#import-summary").textContent).toBe("2 words found · an Anki package · columns: word, translation · 3 pictures and sounds");
    expect($$("[data-testid=import-row]").map((r) => r.textContent)).toEqual(["perrodog", "gatocat"]);

    $("#import-confirm").click();
    await app.settle();
    // The page names no file: the shell imports the package it showed.
    expect(backend.callsOf("import_package")).toEqual([{ deckId: 1 }]);
    expect(backend.callsOf("import_words")).toEqual([]);
    expect($("#import-result").textContent).toBe("2 new, 0 already there; 1 picture and 2 recordings from the package");
  });

  it("shows nothing when the package dialog is cancelled", async () => {
    const backend = new Backend({ choose_package: () => null });
    const { app } = await startApp();
    await app.controller.navigate({ page: "import", deckId: 1 });
    await app.settle();
    $("#import-package").click();
    await app.settle();
    expect(backend.callsOf("choose_package")).toEqual([{ deckId: 1 }]);
    expect($("#import-preview").hidden).toBe(true);
  });
});
