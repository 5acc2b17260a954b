import { afterEach, describe, expect, it } from "vitest";
import { ipc } from "../src/ipc";
import type { Commands } from "../src/types";
import { Backend, providerSettings, reset } from "./helpers";

afterEach(reset);

describe("ipc: the commands of docs/ipc.md, with camelCase arguments", () => {
  it("sends each command's generated arguments", async () => {
    const backend = new Backend();
    const answerNull = backend.handlers as Record<string, () => null>;
    for (const cmd of Object.keys(IPC_TABLE)) answerNull[cmd] = () => null;
    const p = providerSettings();
    await ipc.appInfo();
    await ipc.listDecks();
    await ipc.createDeck("Spanish", "es");
    await ipc.renameDeck(1, "Spanish A1");
    await ipc.deleteDeck(1);
    await ipc.previewImport("a\nb");
    await ipc.importWords(1, "a\nb");
    await ipc.choosePackage(1);
    await ipc.importPackage(1);
    await ipc.addWords(1, [{ text: "a", translation: null }]);
    await ipc.deckMedia(1, 100, 100);
    await ipc.updateWord(5, "perro", null);
    await ipc.setSentence(5, "El perro come.");
    await ipc.setDeckSlots(1, ["image", "audio", "sentence_audio"], null);
    await ipc.deleteWord(5);
    await ipc.planBatch(1, ["image", "audio"]);
    await ipc.previewBatch(1, ["image", "audio"]);
    await ipc.generate(1, ["image", "audio"], true, false);
    await ipc.generateWord(5, ["image"]);
    await ipc.snapshot();
    await ipc.batchFailures(7);
    await ipc.undoable(1, null);
    await ipc.undoRegeneration(1, null);
    await ipc.pictureChoices(5);
    await ipc.findPhotos(5);
    await ipc.choosePicture(5, 9);
    await ipc.retryBatchWith(7, "offline");
    await ipc.regenerateWordWith(5, "audio", "wikimedia");
    await ipc.providerChoices();
    await ipc.cancelBatch(7);
    await ipc.retryBatch(7);
    await ipc.pauseBatch(7, true);
    await ipc.pauseAll(false);
    await ipc.getSettings();
    await ipc.saveSettings(p, p);
    await ipc.setApiKey("openai", "k");
    await ipc.deleteApiKey("openai");
    await ipc.openFolder("logs");
    await ipc.exportDeck(1, "csv");
    await ipc.ankiPush(1);
    await ipc.voiceList("en");
    await ipc.voiceInstall("en_US-joe-medium");
    await ipc.voiceRemove("en_US-joe-medium");
    await ipc.voiceSample("en_US-joe-medium");
    expect(backend.calls).toEqual(
      Object.entries(IPC_TABLE).map(([cmd, args]) => ({ cmd, args })),
    );
  });

  it("a rejection is always { code, message }", async () => {
    new Backend({
      snapshot: () => Promise.reject("command snapshot not found"),
      list_decks: () => Promise.reject({ code: "io", message: "disk full" }),
    });
    await expect(ipc.snapshot()).rejects.toEqual({ code: "app", message: "command snapshot not found" });
    await expect(ipc.listDecks()).rejects.toEqual({ code: "io", message: "disk full" });
  });
});

/** Every command but `read_media` (bytes; tested with the deck view): a command added in Rust and
 * missing here, or an argument renamed, fails `npm run check`. */
const IPC_TABLE: { [K in Exclude<keyof Commands, "read_media">]: Commands[K]["args"] } = {
  app_info: {},
  list_decks: {},
  create_deck: { name: "Spanish", language: "es" },
  rename_deck: { deckId: 1, name: "Spanish A1" },
  delete_deck: { deckId: 1 },
  preview_import: { text: "a\nb" },
  import_words: { deckId: 1, text: "a\nb" },
  choose_package: { deckId: 1 },
  import_package: { deckId: 1 },
  add_words: { deckId: 1, words: [{ text: "a", translation: null }] },
  deck_media: { deckId: 1, offset: 100, limit: 100 },
  update_word: { wordId: 5, text: "perro", translation: null },
  set_sentence: { wordId: 5, sentence: "El perro come." },
  set_deck_slots: { deckId: 1, slots: ["image", "audio", "sentence_audio"], translationLanguage: null },
  delete_word: { wordId: 5 },
  plan_batch: { deckId: 1, kinds: ["image", "audio"] },
  preview_batch: { deckId: 1, kinds: ["image", "audio"] },
  generate: { deckId: 1, kinds: ["image", "audio"], force: true, confirmed: false },
  generate_word: { wordId: 5, kinds: ["image"] },
  snapshot: {},
  batch_failures: { batchId: 7 },
  undoable: { deckId: 1, wordId: null },
  undo_regeneration: { deckId: 1, wordId: null },
  picture_choices: { wordId: 5 },
  find_photos: { wordId: 5 },
  choose_picture: { wordId: 5, candidateId: 9 },
  retry_batch_with: { batchId: 7, provider: "offline" },
  regenerate_word_with: { wordId: 5, kind: "audio", provider: "wikimedia" },
  provider_choices: {},
  cancel_batch: { batchId: 7 },
  retry_batch: { batchId: 7 },
  pause_batch: { batchId: 7, paused: true },
  pause_all: { paused: false },
  get_settings: {},
  save_settings: { image: providerSettings(), audio: providerSettings() },
  set_api_key: { provider: "openai", key: "k" },
  delete_api_key: { provider: "openai" },
  open_folder: { which: "logs" },
  export_deck: { deckId: 1, format: "csv" },
  anki_push: { deckId: 1 },
  voice_list: { language: "en" },
  voice_install: { key: "en_US-joe-medium" },
  voice_remove: { key: "en_US-joe-medium" },
  voice_sample: { key: "en_US-joe-medium" },
};
