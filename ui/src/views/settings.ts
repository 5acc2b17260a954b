// Settings: a provider per media kind with its server, model, voice/size, limits and timeout;
// the API key is write-only (only the core's hint "…abcd" is shown, never a key); the data
// folder and buttons to open it and the log folder.

import type { Controller } from "../controller";
import { h, setHidden, setText } from "../dom";
import type { State } from "../state";
import { PROVIDER_KINDS } from "../types";
import type { MediaKind, ProviderName, ProviderSettings, Settings } from "../types";
import type { View } from "./view";
import { voicesSection } from "./voices";

/** The providers Settings offers for each kind, from the core's rules (generated). */
const providersFor = (kind: MediaKind) => PROVIDER_KINDS.filter((p) => p.makes.includes(kind));

interface KindForm {
  el: HTMLElement;
  fill(p: ProviderSettings): void;
  read(): ProviderSettings;
  refreshKey(state: State): void;
}

function field(id: string, label: string, input: HTMLElement, extra?: string): HTMLElement {
  return h("div", { class: `field${extra ? ` ${extra}` : ""}` }, h("label", { for: id }, label), input);
}

function kindForm(ctl: Controller, kind: MediaKind, getState: () => State): KindForm {
  const id = (name: string) => `${kind}-${name}`;
  const provider = h("select", { id: id("provider") }, ...providersFor(kind).map((p) => h("option", { value: p.kind }, p.label)));
  const baseUrl = h("input", { id: id("base-url"), type: "url", placeholder: "https://api.example.com/v1", autocomplete: "off" });
  const model = h("input", { id: id("model"), type: "text", autocomplete: "off" });
  const voice = h("input", { id: id("voice"), type: "text", autocomplete: "off" });
  const size = h("input", { id: id("size"), type: "text", placeholder: "1024x1024", autocomplete: "off" });
  const format = h("input", { id: id("format"), type: "text", placeholder: kind === "image" ? "png" : "mp3", autocomplete: "off" });
  const concurrency = h("input", { id: id("concurrency"), type: "number", min: "1", max: "64", step: "1" });
  const rpm = h("input", { id: id("rpm"), type: "number", min: "0", step: "1" });
  const timeout = h("input", { id: id("timeout"), type: "number", min: "1", step: "1" });

  const keyHint = h("span", { id: id("key-hint"), class: "muted" });
  const urlWarning = h("p", { id: id("url-warning"), class: "error-text", hidden: true });
  const keyInput = h("input", { id: id("api-key"), type: "password", autocomplete: "off", placeholder: "Paste a new key", spellcheck: false });
  const saveKey = h("button", { id: id("save-key"), type: "button" }, "Save key");
  const removeKey = h("button", { id: id("remove-key"), type: "button", class: "danger-outline" }, "Remove key");
  const keyLabel = h("label", { for: id("api-key") }, "API key");
  const keyBox = h(
    "div",
    { class: "field key-field" },
    keyLabel,
    h("div", { class: "inline-form" }, keyInput, saveKey, removeKey),
    keyHint,
  );

  const net = [
    field(id("base-url"), "Base URL", baseUrl, "net"),
    urlWarning,
    field(id("model"), "Model", model, "net"),
    kind === "audio" ? field(id("voice"), "Voice", voice, "net") : null,
    kind === "image" ? field(id("size"), "Size", size, "net") : null,
    field(id("format"), "Format", format, "net"),
    field(id("rpm"), "Requests per minute (0 = no limit)", rpm, "net"),
    field(id("timeout"), "Timeout (seconds)", timeout, "net"),
    keyBox,
  ];
  const el = h(
    "fieldset",
    { id: `settings-${kind}`, class: "card settings-kind", "data-kind": kind },
    h("legend", null, kind === "image" ? "Pictures" : "Pronunciations"),
    field(id("provider"), "Provider", provider),
    field(id("concurrency"), "Requests at once", concurrency),
    ...net,
  );

  let loaded: ProviderSettings | null = null;
  const currentProvider = () => provider.value as ProviderName;
  // No key and no base URL: the offline providers, and Wikimedia (its servers are in
  // config.toml's [wikimedia]).
  // Providers without a key have no server to set either (built in, or Wikimedia's public API).
  const keyless = (p: ProviderName) => !PROVIDER_KINDS.some((k) => k.kind === p && k.needsKey);
  // Openverse needs no key but takes an optional token (higher limits): only the key box shows.
  const takesKey = (p: ProviderName) => PROVIDER_KINDS.some((k) => k.kind === p && k.takesKey);
  const showNet = () => {
    const p = currentProvider();
    for (const n of el.querySelectorAll<HTMLElement>(".net")) setHidden(n, keyless(p));
    setHidden(keyBox, !takesKey(p));
    setText(keyLabel, PROVIDER_KINDS.find((k) => k.kind === p)?.keyNote ?? "API key");
  };
  const refreshKey = (state: State) => {
    const p = currentProvider();
    if (!takesKey(p)) return;
    const hint = state.keyHints[p] ?? null;
    // Keys belong to one server: another base URL needs its own key.
    const host = loaded?.provider === p ? (loaded.key_host ?? null) : null;
    const stored = host ? `A key is stored for ${host} (${hint}); it is sent only to that server.` : `A key is stored (${hint}).`;
    setText(keyHint, hint ? stored : host ? `No key stored for ${host}.` : "No key stored.");
    removeKey.disabled = !hint;
  };
  provider.addEventListener("change", () => {
    showNet();
    refreshKey(getState());
  });
  saveKey.addEventListener("click", () => {
    const key = keyInput.value.trim();
    if (!key) {
      keyInput.focus();
      return;
    }
    void ctl.setApiKey(currentProvider(), key).then((ok) => {
      if (ok) keyInput.value = "";
    });
  });
  keyInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      saveKey.click();
    }
  });
  removeKey.addEventListener("click", () => void ctl.deleteApiKey(currentProvider()));

  const num = (i: HTMLInputElement, fallback: number) => {
    const n = Number(i.value);
    return Number.isFinite(n) && i.value.trim() !== "" ? Math.round(n) : fallback;
  };

  return {
    el,
    fill(p: ProviderSettings) {
      loaded = p;
      provider.value = p.provider;
      baseUrl.value = p.base_url;
      model.value = p.model;
      voice.value = p.voice;
      size.value = p.size;
      format.value = p.format;
      concurrency.value = String(p.max_concurrency);
      rpm.value = String(p.requests_per_minute);
      timeout.value = String(p.timeout_secs);
      setText(urlWarning, p.url_warning ?? "");
      showNet();
      setHidden(urlWarning, !p.url_warning || keyless(p.provider));
    },
    read(): ProviderSettings {
      const base = loaded;
      return {
        provider: currentProvider(),
        base_url: baseUrl.value.trim(),
        model: model.value.trim(),
        voice: kind === "audio" ? voice.value.trim() : (base?.voice ?? ""),
        size: kind === "image" ? size.value.trim() : (base?.size ?? ""),
        format: format.value.trim(),
        max_concurrency: num(concurrency, base?.max_concurrency ?? 1),
        requests_per_minute: num(rpm, base?.requests_per_minute ?? 0),
        timeout_secs: num(timeout, base?.timeout_secs ?? 60),
        connect_timeout_secs: base?.connect_timeout_secs ?? null,
        key_hint: null,
      };
    },
    refreshKey,
  };
}

export function settingsView(ctl: Controller, getState: () => State, player: HTMLAudioElement): View {
  const image = kindForm(ctl, "image", getState);
  const audio = kindForm(ctl, "audio", getState);
  const save = h("button", { id: "save-settings", type: "submit", class: "primary" }, "Save settings");
  const form = h("form", { id: "settings-form", class: "settings-form", hidden: true }, image.el, audio.el, h("div", { class: "inline-form" }, save));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    save.disabled = true;
    void ctl.saveSettings(image.read(), audio.read()).finally(() => (save.disabled = false));
  });

  const dataDir = h("code", { id: "data-dir" }, "…");
  const logDir = h("code", { id: "log-dir" }, "…");
  const keyStore = h("p", { id: "key-store", class: "muted" });
  const keyWarning = h("p", { id: "key-store-warning", class: "error-text", hidden: true });
  const version = h("p", { id: "app-version", class: "muted" });
  const loading = h("p", { class: "muted", id: "settings-loading" }, "Loading settings…");
  const voices = voicesSection(ctl, player);
  const el = h(
    "section",
    { id: "settings", class: "page" },
    h("h1", { class: "page-title", tabindex: "-1" }, "Settings"),
    loading,
    form,
    voices.el,
    h(
      "section",
      { class: "card", id: "folders" },
      h("h2", null, "Data"),
      h("p", null, "Data folder: ", dataDir),
      h("p", null, "Log folder: ", logDir),
      h(
        "div",
        { class: "inline-form" },
        h("button", { id: "open-data-folder", type: "button", onclick: () => void ctl.openFolder("data") }, "Open data folder"),
        h("button", { id: "open-log-folder", type: "button", onclick: () => void ctl.openFolder("logs") }, "Open log folder"),
      ),
      keyStore,
      keyWarning,
      version,
    ),
  );

  let lastSettings: Settings | null = null;
  let lastHints: State["keyHints"] | null = null;
  let lastInfo: State["appInfo"] = null;
  return {
    el,
    update(state: State) {
      voices.update(state);
      if (state.appInfo !== lastInfo && state.appInfo) {
        lastInfo = state.appInfo;
        setText(version, `${state.appInfo.name} ${state.appInfo.version}`);
        if (!state.settings) {
          setText(dataDir, state.appInfo.data_dir);
          setText(logDir, state.appInfo.log_dir);
        }
      }
      const s = state.settings;
      const fresh = s !== null && s !== lastSettings;
      if (s && fresh) {
        lastSettings = s;
        setHidden(loading, true);
        setHidden(form, false);
        image.fill(s.image);
        audio.fill(s.audio);
        setText(dataDir, s.data_dir);
        setText(logDir, s.log_dir);
        setText(keyStore, `API keys are kept in: ${s.key_store}.`);
        setText(keyWarning, s.key_store_warning ?? "");
        setHidden(keyWarning, !s.key_store_warning);
      }
      if (state.keyHints !== lastHints || fresh) {
        lastHints = state.keyHints;
        image.refreshKey(state);
        audio.refreshKey(state);
      }
    },
  };
}
