import { afterEach, describe, expect, it, vi } from "vitest";
import { $, $$, Backend, deck, providerSettings, reset, sendEvent, settings, startApp } from "./helpers";

afterEach(reset);

describe("settings", () => {
  it("says which server a stored key is for and warns about plain http on the network", async () => {
    new Backend({
      get_settings: () =>
        settings({
          image: providerSettings({
            provider: "openai",
            base_url: "http://192.168.1.5:8080/v1",
            key_hint: "…abcd",
            key_host: "192.168.1.5:8080",
            url_warning: "192.168.1.5 is reached over plain http://: the API key and the words cross your network unencrypted",
          }),
        }),
    });
    const { app } = await startApp();
    $("#nav-settings").click();
    await app.settle();
    expect($("#image-key-hint").textContent).toBe("A key is stored for 192.168.1.5:8080 (…abcd); it is sent only to that server.");
    expect($("#image-url-warning").hidden).toBe(false);
    expect($("#image-url-warning").textContent).toContain("unencrypted");
    expect($("#audio-url-warning").hidden).toBe(true);
  });

  it("fills the form, saves both kinds, and never shows a key back", async () => {
    let current = settings({
      image: providerSettings({ provider: "openai", base_url: "http://127.0.0.1:9/v1", model: "img-1", size: "512x512", format: "png", key_hint: "…abcd" }),
      audio: providerSettings({ provider: "elevenlabs", voice: "Rachel", format: "mp3", max_concurrency: 3, requests_per_minute: 60, timeout_secs: 30 }),
    });
    const backend = new Backend({
      get_settings: () => current,
      save_settings: ({ image, audio }) => (current = { ...current, image: image as never, audio: audio as never }),
      set_api_key: () => "…wxyz",
      delete_api_key: () => true,
      open_folder: () => null,
    });
    const { app } = await startApp();
    $("#nav-settings").click();
    await app.settle();

    expect(($("#image-provider") as HTMLSelectElement).value).toBe("openai");
    expect(($("#image-base-url") as HTMLInputElement).value).toBe("http://127.0.0.1:9/v1");
    expect(($("#audio-provider") as HTMLSelectElement).value).toBe("elevenlabs");
    expect(($("#audio-voice") as HTMLInputElement).value).toBe("Rachel");
    expect($("#image-key-hint").textContent).toBe("A key is stored (…abcd).");
    expect($("#audio-key-hint").textContent).toBe("No key stored.");
    expect(($("#image-api-key") as HTMLInputElement).type).toBe("password");
    expect(($("#image-api-key") as HTMLInputElement).value).toBe("");
    expect($("#data-dir").textContent).toBe("/home/u/.local/share/deckmedia");

    // Save a key: sent once, the field empties, only the new hint is shown.
    ($("#audio-api-key") as HTMLInputElement).value = "sk-secret-wxyz";
    $("#audio-save-key").click();
    await app.settle();
    expect(backend.callsOf("set_api_key")).toEqual([{ provider: "elevenlabs", key: "sk-secret-wxyz" }]);
    expect(($("#audio-api-key") as HTMLInputElement).value).toBe("");
    expect($("#audio-key-hint").textContent).toBe("A key is stored (…wxyz).");
    expect(document.body.textContent).not.toContain("sk-secret");

    $("#image-remove-key").click();
    await app.settle();
    expect(backend.callsOf("delete_api_key")).toEqual([{ provider: "openai" }]);
    expect($("#image-key-hint").textContent).toBe("No key stored.");

    // Edit and save the form.
    ($("#audio-concurrency") as HTMLInputElement).value = "4";
    ($("#image-model") as HTMLInputElement).value = "img-2";
    $("#save-settings").click();
    await app.settle();
    const saved = backend.callsOf("save_settings")[0]!;
    expect(saved.image).toMatchObject({ provider: "openai", model: "img-2", base_url: "http://127.0.0.1:9/v1", size: "512x512", key_hint: null });
    expect(saved.audio).toMatchObject({ provider: "elevenlabs", voice: "Rachel", max_concurrency: 4, requests_per_minute: 60, timeout_secs: 30 });

    $("#open-log-folder").click();
    $("#open-data-folder").click();
    await app.settle();
    expect(backend.callsOf("open_folder")).toEqual([{ which: "logs" }, { which: "data" }]);
  });

  it("offline hides the server fields", async () => {
    new Backend({ get_settings: () => settings() });
    const { app } = await startApp();
    await app.controller.navigate({ page: "settings" });
    await app.settle();
    expect(($("#image-base-url").closest(".field") as HTMLElement).hidden).toBe(true);
    const select = $("#image-provider") as HTMLSelectElement;
    select.value = "openai";
    select.dispatchEvent(new Event("change"));
    expect(($("#image-base-url").closest(".field") as HTMLElement).hidden).toBe(false);
  });

  it("Openverse shows only its optional token, saved like a key and never shown back", async () => {
    const backend = new Backend({
      get_settings: () => settings({ image: providerSettings({ provider: "openverse", key_hint: null }) }),
      set_api_key: () => "…9876",
    });
    const { app } = await startApp();
    await app.controller.navigate({ page: "settings" });
    await app.settle();
    const keyBox = $("#image-api-key").closest(".field") as HTMLElement;
    expect(keyBox.hidden).toBe(false);
    expect($("label", keyBox).textContent).toBe("Token (optional: raises the limits from 20 requests a minute and 200 a day to 100 and 10,000)");
    expect(($("#image-base-url").closest(".field") as HTMLElement).hidden).toBe(true);
    expect($("#image-key-hint").textContent).toBe("No key stored.");
    ($("#image-api-key") as HTMLInputElement).value = "client-id:client-secret";
    $("#image-save-key").click();
    await app.settle();
    expect(backend.callsOf("set_api_key")).toEqual([{ provider: "openverse", key: "client-id:client-secret" }]);
    expect($("#image-key-hint").textContent).toBe("A key is stored (…9876).");
    expect(document.body.textContent).not.toContain("client-secret");

    const select = $("#image-provider") as HTMLSelectElement;
    select.value = "wikimedia";
    select.dispatchEvent(new Event("change"));
    expect(keyBox.hidden).toBe(true);
  });
});

describe("neural voices", () => {
  it("lists a language's voices, installs one with progress from the core's events, and removes it", async () => {
    let installed = false;
    const list = () => ({
      runtime: "/data/runtime/libonnxruntime.so.1.32.0",
      runtime_error: null,
      catalogue_url: "https://example.org/piper-voices",
      catalogue_error: null,
      recommended: null,
      voices: [
        { key: "en_US-joe-medium", name: "joe", language: "en_US", language_name: "English (United States)", quality: "medium", size_bytes: 63_200_000, installed, available: true },
      ],
    });
    const backend = new Backend({
      get_settings: () => settings(),
      voice_list: () => list(),
      voice_install: () => null,
      voice_remove: () => {
        installed = false;
        return true;
      },
    });
    const { app } = await startApp();
    $("#nav-settings").click();
    await app.settle();
    ($("#voices-language") as HTMLInputElement).value = "en";
    $("#voices-show").click();
    await app.settle();
    expect(backend.callsOf("voice_list")).toEqual([{ language: "en" }]);
    expect($("#voices-runtime").textContent).toContain("libonnxruntime");
    expect($("#voices-list").textContent).toContain("en_US-joe-medium");
    ($(".voice-install") as HTMLButtonElement).click();
    await app.settle();
    expect(backend.callsOf("voice_install")).toEqual([{ key: "en_US-joe-medium" }]);

    const progress = { type: "VoiceInstall", key: "en_US-joe-medium", bytes_total: 63_200_000, eta_seconds: 20, eta_text: "~20 s left", error: null } as const;
    await sendEvent({ ...progress, state: "downloading", bytes_done: 31_600_000 });
    await app.settle();
    expect($(".voice-progress").textContent).toBe("31.6 MB of 63.2 MB · ~20 s left");
    expect(($(".voice-install") as HTMLButtonElement).disabled).toBe(true);

    installed = true;
    await sendEvent({ ...progress, state: "installed", bytes_done: 63_200_000, eta_text: null });
    await app.settle();
    expect(backend.callsOf("voice_list")).toHaveLength(2);
    expect($("#voices-list").textContent).toContain("installed");
    ($(".voice-remove") as HTMLButtonElement).click();
    await app.settle();
    expect(backend.callsOf("voice_remove")).toEqual([{ key: "en_US-joe-medium" }]);
    expect($(".voice-install")).not.toBeNull();
  });

  it("lists a deck's language in one click, puts the recommended voice first and plays an installed voice's sample", async () => {
    const play = vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue(undefined);
    vi.stubGlobal("URL", Object.assign(Object.create(URL), { createObjectURL: () => "blob:deckmedia/sample", revokeObjectURL: () => undefined }));
    const voice = (key: string, installed: boolean) => ({ key, name: "x", language: "de_DE", language_name: "German", quality: "medium", size_bytes: 60_000_000, installed, available: true });
    const backend = new Backend({
      list_decks: () => [deck({ id: 1, language: "de" }), deck({ id: 2, name: "Other", language: "es" }), deck({ id: 3, name: "More German", language: "de" })],
      get_settings: () => settings(),
      voice_list: () => ({
        runtime: "/data/runtime/libonnxruntime.so",
        runtime_error: null,
        catalogue_url: "https://example.org/piper-voices",
        catalogue_error: null,
        recommended: "de_DE-thorsten-medium",
        voices: [voice("de_DE-eva_k-x_low", false), voice("de_DE-thorsten-medium", true)],
      }),
      voice_sample: () => "/data/media/ab/sample.ogg",
      read_media: () => new Uint8Array([79, 103, 103, 83]).buffer,
    });
    try {
      const { app } = await startApp();
      $("#nav-settings").click();
      await app.settle();
      expect($$(".voices-deck-language").map((b) => b.textContent)).toEqual(["de", "es"]);
      ($(".voices-deck-language[data-lang=de]") as HTMLButtonElement).click();
      await app.settle();
      expect(backend.callsOf("voice_list")).toEqual([{ language: "de" }]);
      expect(($("#voices-language") as HTMLInputElement).value).toBe("de");
      const rows = $$("#voices-list .voice");
      expect(rows.map((r) => r.dataset.key)).toEqual(["de_DE-thorsten-medium", "de_DE-eva_k-x_low"]);
      expect(rows[0]?.querySelector(".voice-recommended")?.textContent).toBe("Recommended");
      expect(rows[1]?.querySelector(".voice-recommended")).toBeNull();
      expect(rows[1]?.querySelector(".voice-sample")).toBeNull();

      (rows[0]?.querySelector(".voice-sample") as HTMLButtonElement).click();
      await vi.waitFor(() => expect(($("#audio-player") as HTMLAudioElement).getAttribute("src")).toBe("blob:deckmedia/sample"));
      expect(backend.callsOf("voice_sample")).toEqual([{ key: "de_DE-thorsten-medium" }]);
      expect(backend.callsOf("read_media")).toEqual([{ path: "/data/media/ab/sample.ogg" }]);
      expect(play).toHaveBeenCalledTimes(1);
      await app.settle();
      expect(($(".voice-sample") as HTMLButtonElement).disabled).toBe(false);
    } finally {
      play.mockRestore();
      vi.unstubAllGlobals();
    }
  });

  it("a voice that cannot speak says why", async () => {
    new Backend({
      get_settings: () => settings(),
      voice_list: () => ({ runtime: null, runtime_error: "neural voices need ONNX Runtime", catalogue_url: "", catalogue_error: null, recommended: null,
        voices: [{ key: "en_US-joe-medium", name: "joe", language: "en_US", language_name: "English", quality: "medium", size_bytes: 1, installed: true, available: true }] }),
      voice_sample: () => Promise.reject({ code: "invalid_input", message: "the voice could not speak: neural voices need ONNX Runtime" }),
    });
    const { app } = await startApp();
    $("#nav-settings").click();
    await app.settle();
    $("#voices-show").click();
    await app.settle();
    ($(".voice-sample") as HTMLButtonElement).click();
    await app.settle();
    expect($(".toast-text").textContent).toContain("could not speak");
    expect(($(".voice-sample") as HTMLButtonElement).disabled).toBe(false);
  });
});
