// Wires the app together: store + controller + views, mounted into a root element. The page
// view is swapped when the route changes; everything renders from the state, at most once per
// animation frame.

import { Controller, type ControllerOptions } from "./controller";
import { h } from "./dom";
import { ipc as realIpc, type Ipc } from "./ipc";
import { initialState, type Route, type State } from "./state";
import { animationFrame, Store, type Scheduler } from "./store";
import { batchesView } from "./views/batches";
import { deckView } from "./views/deck";
import { decksView } from "./views/decks";
import { headerView } from "./views/header";
import { importView } from "./views/import";
import { settingsView } from "./views/settings";
import { toastsView } from "./views/toasts";
import type { View } from "./views/view";

export interface AppOptions extends ControllerOptions {
  ipc?: Ipc;
  /** How renders are scheduled (default: requestAnimationFrame). */
  schedule?: Scheduler;
}

export interface App {
  store: Store;
  controller: Controller;
  /** Listens to the backend and loads the first data. */
  start(): Promise<void>;
  /** Renders now if something changed since the last frame. */
  flush(): void;
  /** Waits for every command in flight, then renders. */
  settle(): Promise<void>;
  destroy(): void;
}

function routeKey(r: Route): string {
  return r.page === "deck" || r.page === "import" ? `${r.page}:${r.deckId}` : r.page;
}

export function createApp(root: HTMLElement, opts: AppOptions = {}): App {
  const store = new Store(initialState(), opts.schedule ?? animationFrame);
  const controller = new Controller(store, opts.ipc ?? realIpc, opts);
  const audio = h("audio", { id: "audio-player", preload: "none", hidden: true });

  const header = headerView(controller);
  const batches = batchesView(controller);
  const toasts = toastsView(controller);
  const main = h("main", { id: "main", class: "main" });
  const layout = h("div", { class: "layout" }, main, batches.el);
  root.replaceChildren(header.el, layout, toasts.el, audio);

  let page: View | null = null;
  let pageKey = "";

  function makePage(state: State): View {
    const r = state.route;
    switch (r.page) {
      case "decks":
        return decksView(controller);
      case "deck":
        return deckView(controller, r.deckId, audio);
      case "import":
        return importView(controller, r.deckId);
      case "settings":
        return settingsView(controller, () => store.get(), audio);
    }
  }

  function render(state: State): void {
    const key = routeKey(state.route);
    if (key !== pageKey) {
      page?.destroy?.();
      const moving = pageKey !== "";
      pageKey = key;
      page = makePage(state);
      main.replaceChildren(page.el);
      page.update(state);
      // Move focus to the new page's title so keyboard and screen-reader users follow along.
      if (moving) page.el.querySelector<HTMLElement>(".page-title")?.focus();
    } else {
      page?.update(state);
    }
    header.update(state);
    batches.update(state);
    toasts.update(state);
  }

  store.subscribe(render);
  store.renderNow();

  return {
    store,
    controller,
    start: () => controller.start(),
    flush: () => store.flush(),
    async settle() {
      await controller.idle();
      store.flush();
    },
    destroy() {
      controller.stop();
      page?.destroy?.();
      toasts.destroy?.();
      root.replaceChildren();
    },
  };
}
