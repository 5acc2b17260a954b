// Settings → Neural voices: the Piper voices for a language, installed ones and those the
// catalogue offers, with Install (progress from the core's VoiceInstall events), Remove, a
// spoken sample of an installed voice, the recommended voice first, and one button per deck
// language.

import type { Controller } from "../controller";
import { h, setHidden, setText } from "../dom";
import type { State, VoicesView } from "../state";
import type { VoiceRow } from "../types";

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function row(ctl: Controller, v: VoiceRow, voices: VoicesView, audio: HTMLAudioElement, recommended: boolean): HTMLElement {
  const install = voices.installs[v.key];
  const busy = install?.state === "downloading";
  const progress = busy ? `${megabytes(install.done)} of ${megabytes(install.total)}${install.etaText ? ` · ${install.etaText}` : ""}` : "";
  const action = v.installed
    ? h("button", { type: "button", class: "voice-remove", "data-key": v.key, onclick: () => void ctl.removeVoice(v.key) }, "Remove")
    : h("button", { type: "button", class: "voice-install", "data-key": v.key, disabled: busy || !v.available, onclick: () => void ctl.installVoice(v.key) }, busy ? "Installing…" : "Install");
  const sampling = voices.sampling === v.key;
  const sample = v.installed
    ? h(
        "button",
        { type: "button", class: "voice-sample", "data-key": v.key, disabled: voices.sampling !== null, "aria-label": `Play a sample of ${v.key}`, onclick: () => void ctl.playVoiceSample(audio, v.key) },
        sampling ? "Speaking…" : "▶ Sample",
      )
    : null;
  return h(
    "li",
    { class: `voice${recommended ? " recommended" : ""}`, "data-key": v.key },
    h("span", { class: "voice-key" }, v.key),
    recommended ? h("span", { class: "tag voice-recommended", title: "The voice the neural provider uses for this language, or the catalogue's best fit (its region, medium quality)" }, "Recommended") : null,
    h("span", { class: "muted" }, ` ${v.language_name || v.language} · ${v.quality} · ${megabytes(v.size_bytes)}${v.installed ? " · installed" : ""} `),
    sample,
    action,
    h("span", { class: "voice-progress muted" }, progress),
  );
}

/** The recommended voice first, the rest in the core's order. */
export function voiceOrder(voices: VoiceRow[], recommended: string | null): VoiceRow[] {
  const first = voices.filter((v) => v.key === recommended);
  return [...first, ...voices.filter((v) => v.key !== recommended)];
}

/** The distinct languages of the user's decks, for one-click lists. */
export function deckLanguages(state: State): string[] {
  return [...new Set((state.decks ?? []).map((d) => d.language.trim()).filter((l) => l !== ""))].sort();
}

export function voicesSection(ctl: Controller, audio: HTMLAudioElement): { el: HTMLElement; update(state: State): void } {
  const language = h("input", { id: "voices-language", type: "text", placeholder: "en, de, es_ES…", autocomplete: "off" });
  const show = h("button", { id: "voices-show", type: "submit" }, "Show voices");
  const form = h("form", { class: "inline-form" }, h("label", { for: "voices-language" }, "Language "), language, show);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void ctl.listVoices((language as HTMLInputElement).value);
  });
  const quick = h("p", { id: "voices-deck-languages", class: "inline-form", hidden: true });
  const runtime = h("p", { id: "voices-runtime", class: "muted", hidden: true });
  const catalogue = h("p", { id: "voices-catalogue-error", class: "error-text", hidden: true });
  const list = h("ul", { id: "voices-list", class: "voices" });
  const el = h(
    "section",
    { class: "card", id: "voices" },
    h("h2", null, "Neural voices"),
    h("p", { class: "muted" }, "Natural offline speech (Piper). Install a voice for your deck's language, then choose \"Neural voices\" as the audio provider."),
    form,
    quick,
    runtime,
    catalogue,
    list,
  );
  let last: VoicesView | null = null;
  let lastDecks: State["decks"] = null;
  return {
    el,
    update(state: State) {
      if (state.decks !== lastDecks) {
        lastDecks = state.decks;
        const langs = deckLanguages(state);
        const pick = (l: string) => {
          (language as HTMLInputElement).value = l;
          void ctl.listVoices(l);
        };
        quick.replaceChildren(
          h("span", { class: "muted" }, "Your decks: "),
          ...langs.map((l) => h("button", { type: "button", class: "voices-deck-language", "data-lang": l, onclick: () => pick(l) }, l)),
        );
        setHidden(quick, langs.length === 0);
      }
      const v = state.voices;
      if (v === last) return;
      last = v;
      show.toggleAttribute("disabled", v.loading);
      if (!v.list) return;
      setText(runtime, v.list.runtime ? `ONNX Runtime: ${v.list.runtime}` : `ONNX Runtime not found: ${v.list.runtime_error ?? ""}`);
      setHidden(runtime, false);
      setText(catalogue, v.list.catalogue_error ? `The voice catalogue cannot be read (${v.list.catalogue_error}); installed voices only.` : "");
      setHidden(catalogue, !v.list.catalogue_error);
      const recommended = v.list.recommended;
      const voices = voiceOrder(v.list.voices, recommended);
      list.replaceChildren(...(voices.length ? voices.map((r) => row(ctl, r, v, audio, r.key === recommended)) : [h("li", { class: "muted" }, "No voices for this language.")]));
    },
  };
}
