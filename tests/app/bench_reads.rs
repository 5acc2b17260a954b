//! The read path through the shell's IPC (not a timed test):
//! `cargo bench --bench ipc_reads` (add `--profile dev` to reuse the debug build).
//!
//! Tauri's mock runtime, the real command handler (`configure`), the real bridge and worker
//! (`desktop::start_background`): the `deck_media` (page 50 of a 10,000-word deck, 100 words)
//! and `snapshot` commands are invoked as the webview would, round trip timed, while a
//! 1,000-word image+audio batch runs against the local fake provider answering at once.
//! Prints p50/p99/max of both. Target: p99 < 20 ms.

use std::sync::Arc;
use std::time::Instant;

use deckmedia_app::notify::Recorder;
use deckmedia_app::{configure, desktop, AppState};
use deckmedia_core::config::{Config, Secret};
use deckmedia_core::{Core, NewWord};
use deckmedia_testkit::{Behavior, FakeProvider};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

fn call(webview: &WebviewWindow<tauri::test::MockRuntime>, cmd: &str, args: Value) -> Value {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("url"),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    match get_ipc_response(webview, request) {
        Ok(body) => body.deserialize::<Value>().expect("json response"),
        Err(e) => panic!("{cmd} failed: {e}"),
    }
}

fn words(prefix: &str, n: usize) -> Vec<NewWord> {
    (0..n).map(|i| NewWord { text: format!("{prefix}{i:05}"), ..Default::default() }).collect()
}

fn summary(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| ms[((ms.len() - 1) as f64 * p).round() as usize];
    println!("{label}: n={} p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms", ms.len(), q(0.5), q(0.99), ms[ms.len() - 1]);
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let fake = tauri::async_runtime::block_on(FakeProvider::start(Behavior::default()));
    let mut c = Config::default();
    for p in [&mut c.image, &mut c.audio] {
        p.provider = deckmedia_core::ProviderKind::OpenAi;
        p.base_url = fake.base_url();
        p.max_concurrency = 8;
        p.api_key = Some(Secret::new("sk-bench"));
    }
    c.image.size = "256x256".into();
    let core = Core::open_with_config(dir.path(), c).expect("core");
    let big = core.create_deck("big", "en").expect("deck");
    core.add_words(big.id, &words("big", 10_000)).expect("words");
    let batch_deck = core.create_deck("batch", "en").expect("deck");
    core.add_words(batch_deck.id, &words("batch", 1_000)).expect("words");

    let state = AppState::with_core(core, &dir.path().join("logs"), Arc::new(Recorder::default())).expect("state");
    let app = configure(mock_builder()).build(mock_context(noop_assets())).expect("mock app");
    app.manage(state);
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("webview");
    tauri::async_runtime::block_on(desktop::start_background(app.handle()));

    let batch = call(&webview, "generate", json!({"deckId": batch_deck.id, "kinds": ["image", "audio"], "force": false}));
    let batch_id = batch["id"].as_i64().expect("batch id");
    let (mut pages, mut snaps) = (Vec::new(), Vec::new());
    let started = Instant::now();
    loop {
        let t = Instant::now();
        let page = call(&webview, "deck_media", json!({"deckId": big.id, "offset": 4_900, "limit": 100}));
        pages.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(page["items"].as_array().map(Vec::len), Some(100));
        let t = Instant::now();
        let snap = call(&webview, "snapshot", json!({}));
        snaps.push(t.elapsed().as_secs_f64() * 1000.0);
        let batches = snap["snapshot"]["batches"].as_array().cloned().unwrap_or_default();
        let ours = batches.iter().find(|b| b["id"] == batch_id).expect("the batch is in the snapshot");
        if ours["finished_at"].is_i64() {
            break;
        }
        // Like a window redrawing on events, not a spinning loop that starves the worker.
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    println!("IPC, batch of 1,000 words x 2 kinds done in {:.2} s", started.elapsed().as_secs_f64());
    summary("IPC deck_media (page 50 of a 10,000-word deck) while the batch runs", pages);
    summary("IPC snapshot while the batch runs", snaps);
}
