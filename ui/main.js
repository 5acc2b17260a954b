// Deck Media UI skeleton. Plain ES module; Tauri's API is the global `window.__TAURI__`
// (app.withGlobalTauri). Data goes into the page with textContent only, never innerHTML.

const $ = (id) => document.getElementById(id);

function showError(err) {
  // Commands reject with ErrorDto { code, message }; anything else is shown as text.
  const message = err && typeof err === "object" && "message" in err ? err.message : String(err);
  const status = $("status");
  status.textContent = `Could not read app info: ${message}`;
  status.hidden = false;
  $("data-dir").textContent = "unknown";
}

async function loadAppInfo() {
  const tauri = window.__TAURI__;
  if (!tauri || !tauri.core) {
    showError("not running inside the Deck Media app");
    return;
  }
  try {
    const info = await tauri.core.invoke("app_info");
    $("data-dir").textContent = info.data_dir;
    $("app-version").textContent = `v${info.version}`;
    document.title = info.name;
  } catch (err) {
    showError(err);
  }
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", loadAppInfo);
} else {
  loadAppInfo();
}
