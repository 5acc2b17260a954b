// Entry point of the bundle: mounts the app into #app and starts it.

import { createApp } from "./app";

function boot(): void {
  const root = document.getElementById("app");
  if (!root) return;
  const app = createApp(root);
  app.start().catch((err: unknown) => {
    // start() reports command failures as toasts; this is for a missing shell (a plain browser).
    root.dataset.startError = String(err);
    console.error("Deck Media UI could not start:", err);
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
