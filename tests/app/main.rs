//! The desktop shell's command layer on Tauri's mock runtime (no display): real IPC requests
//! through `configure`'s handler into a core on a temp data dir whose providers are the tests'
//! own fake server. Events come back through the real bridge; notifications are recorded.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use deckmedia_app::notify::Recorder;
use deckmedia_app::commands::{OpenPicker, OpenPickerState, SavePicker, SavePickerState};
use deckmedia_app::{configure, desktop, AppState};
use deckmedia_core::config::{Config, Secret};
use deckmedia_core::Core;
use deckmedia_testkit::{Behavior, Fault, FaultAction, FakeProvider};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Listener, Manager, WebviewWindow, WebviewWindowBuilder};

mod generated;

const WAIT: Duration = Duration::from_secs(20);

struct Harness {
    _dir: tempfile::TempDir,
    app: App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    fake: FakeProvider,
    recorder: Arc<Recorder>,
    events: mpsc::Receiver<Value>,
}

fn config_for(fake: &FakeProvider) -> Config {
    let mut c = Config::default();
    for p in [&mut c.image, &mut c.audio] {
        p.provider = deckmedia_core::ProviderKind::OpenAi;
        p.base_url = fake.base_url();
        p.max_concurrency = 4;
        p.timeout_secs = 10;
        p.api_key = Some(Secret::new("sk-test-key-123"));
    }
    c.image.size = "256x256".into();
    // The keyless photo sources are pickable: a closed local port, never the public services.
    c.wikimedia.commons_url = "http://127.0.0.1:9/w/api.php".into();
    c.wikimedia.wikidata_url = "http://127.0.0.1:9/w/api.php".into();
    c.openverse.url = "http://127.0.0.1:9/".into();
    c.queue.backoff_base_ms = 10;
    c.queue.backoff_max_ms = 50;
    c.queue.max_attempts = 2;
    c
}

/// An app on the mock runtime over `dir` (a new temp dir when `None`), its worker started.
fn harness_in(dir: Option<tempfile::TempDir>, behavior: Behavior) -> Harness {
    let dir = dir.unwrap_or_else(|| tempfile::tempdir().expect("temp dir"));
    let fake = tauri::async_runtime::block_on(FakeProvider::start(behavior));
    let core = Core::open_with_config(dir.path(), config_for(&fake)).expect("open core");
    let recorder = Arc::new(Recorder::default());
    let state = AppState::with_core(core, &dir.path().join("logs"), recorder.clone()).expect("state");
    let app = configure(mock_builder()).build(mock_context(noop_assets())).expect("mock app");
    app.manage(state);
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("webview");
    let (tx, events) = mpsc::channel();
    app.listen("deckmedia:event", move |e| {
        if let Ok(v) = serde_json::from_str::<Value>(e.payload()) {
            let _ = tx.send(v);
        }
    });
    tauri::async_runtime::block_on(desktop::start_background(app.handle()));
    Harness { _dir: dir, app, webview, fake, recorder, events }
}

fn harness(behavior: Behavior) -> Harness {
    harness_in(None, behavior)
}

impl Harness {
    /// Invokes a command as the webview would; `Err` is the rejected `{code, message}`.
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.webview, request).map(|body| body.deserialize::<Value>().expect("json response"))
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        match self.call(cmd, args.clone()) {
            Ok(v) => v,
            Err(e) => panic!("{cmd}({args}) failed: {e}"),
        }
    }

    /// The next event accepted by `pick`, or a failure after [`WAIT`].
    fn wait_event(&self, mut pick: impl FnMut(&Value) -> bool) -> Value {
        let deadline = std::time::Instant::now() + WAIT;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.events.recv_timeout(left) {
                Ok(v) if pick(&v) => return v,
                Ok(v) => seen.push(v),
                Err(_) => panic!("the expected event did not arrive within {WAIT:?}; seen: {seen:#?}"),
            }
        }
    }

    fn deck_with_words(&self, name: &str, words: &str) -> i64 {
        let deck = self.ok("create_deck", json!({"name": name, "language": "es"}));
        let id = deck["id"].as_i64().expect("deck id");
        self.ok("import_words", json!({"deckId": id, "text": words}));
        id
    }

    fn finished(&self, batch: i64) -> Value {
        self.wait_event(|e| e["type"] == "BatchFinished" && e["batch_id"] == batch)
    }
}

#[test]
fn a_deck_goes_from_import_to_media_through_commands_and_events() {
    let h = harness(Behavior { latency: Duration::from_millis(20), ..Default::default() });
    let preview = h.ok("preview_import", json!({"text": "word,translation\nperro,dog\ngato,cat\n,oops\n"}));
    assert_eq!(preview["errors"][0]["line"], 4, "{preview}");
    let deck = h.deck_with_words("Spanish A1", "word,translation\nperro,dog\ngato,cat\ncasa,house\n");
    // Importing the same file again adds nothing.
    let again = h.ok("import_words", json!({"deckId": deck, "text": "perro\ngato\nsol\n"}));
    assert_eq!((again["added"].as_i64(), again["already_there"].as_i64()), (Some(1), Some(2)));

    // The line under the Generate button: what the batch will do, before it starts.
    let plan = h.ok("plan_batch", json!({"deckId": deck, "kinds": ["image", "audio"]}));
    assert_eq!(plan["calls"], 8, "{plan}");
    assert!(plan["summary"].as_str().is_some_and(|s| s.starts_with("Spanish A1: 8 to make")), "{plan}");
    let batch = h.ok("generate", json!({"deckId": deck, "kinds": ["image", "audio"], "force": false, "confirmed": false}));
    let batch_id = batch["id"].as_i64().expect("batch id");
    assert_eq!(batch["total_words"], 4);
    // Progress is pushed, then the batch finishes.
    h.wait_event(|e| e["type"] == "BatchProgress" && e["batch_id"] == batch_id);
    let done = h.finished(batch_id);
    assert_eq!((done["status"].as_str(), done["completed"].as_i64()), (Some("completed"), Some(4)), "{done}");

    let page = h.ok("deck_media", json!({"deckId": deck, "offset": 1, "limit": 2}));
    assert_eq!(page["total"], 4);
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.iter().map(|w| w["text"].as_str().unwrap_or("")).collect::<Vec<_>>(), ["gato", "casa"]);
    for w in items {
        for kind in ["image", "audio"] {
            assert_eq!(w[kind]["status"], "done", "{w}");
            let path = w[kind]["path"].as_str().expect("path");
            assert!(std::fs::metadata(path).map(|m| m.len() > 0).unwrap_or(false), "{path}");
        }
    }
    let decks = h.ok("list_decks", json!({}));
    assert_eq!(decks[0]["images_done"], 4);
    assert_eq!(decks[0]["audio_done"], 4);
    assert_eq!(decks[0]["word_count"], 4);

    // One notification, worded for people.
    let sent = h.recorder.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].1, "Spanish A1: 4 images and audio done");
}

#[test]
fn a_picture_is_chosen_through_commands_with_no_provider_call() {
    let h = harness(Behavior::default());
    let deck = h.deck_with_words("Cosas", "word,translation\nperro,dog\n");
    let batch = h.ok("generate", json!({"deckId": deck, "kinds": ["image"], "force": false, "confirmed": false}));
    h.finished(batch["id"].as_i64().expect("batch id"));
    let calls = h.fake.requests().len();
    let page = h.ok("deck_media", json!({"deckId": deck, "offset": 0, "limit": 10}));
    let word = page["items"][0]["word_id"].as_i64().expect("word id");
    let generated = page["items"][0]["image"]["path"].clone();

    let choices = h.ok("picture_choices", json!({"wordId": word}));
    let candidates = choices["candidates"].as_array().expect("candidates");
    assert_eq!(candidates[0]["current"], true, "{choices}");
    assert_eq!((candidates[0]["path"].clone(), candidates[0]["provider"].as_str()), (generated, Some("openai")));
    let card = candidates.iter().find(|c| c["source"] == "word_card").expect("a word card");
    assert!(candidates.iter().any(|c| c["source"] == "emoji"), "perro/dog has an emoji: {choices}");

    h.ok("choose_picture", json!({"wordId": word, "candidateId": card["id"]}));
    let page = h.ok("deck_media", json!({"deckId": deck, "offset": 0, "limit": 10}));
    assert_eq!((page["items"][0]["image"]["path"].clone(), page["items"][0]["image"]["provider"].as_str()), (card["path"].clone(), Some("offline")));
    assert_eq!(h.fake.requests().len(), calls, "no provider was asked");

    // Photo sources that cannot be reached are named, and the rest of the chooser still answers.
    let photos = h.ok("find_photos", json!({"wordId": word}));
    let unavailable: Vec<&str> = photos["unavailable"].as_array().expect("list").iter().filter_map(Value::as_str).collect();
    assert_eq!(unavailable.len(), 2, "{photos}");
    assert!(unavailable.iter().any(|u| u.starts_with("Openverse")) && unavailable.iter().any(|u| u.starts_with("Wikimedia")), "{unavailable:?}");
    assert_eq!(photos["candidates"].as_array().map(Vec::len), Some(candidates.len()));
    let err = h.call("choose_picture", json!({"wordId": word, "candidateId": 424242})).expect_err("an unknown candidate");
    assert_eq!(err["code"], "not_found", "{err}");
}

#[test]
fn errors_come_back_as_code_and_message_and_change_nothing() {
    let h = harness(Behavior::default());
    let e = h.call("create_deck", json!({"name": "   ", "language": "es"})).expect_err("empty name");
    assert_eq!(e["code"], "invalid_input", "{e}");
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    let deck = h.deck_with_words("D", "uno\ndos\n");
    let e = h.call("import_words", json!({"deckId": deck, "text": "word,lang\nok,es\nbad,../../etc\n"})).expect_err("bad row");
    assert_eq!(e["code"], "invalid_input");
    assert!(e["message"].as_str().unwrap_or("").contains("line 3"), "{e}");
    assert_eq!(h.ok("deck_media", json!({"deckId": deck, "offset": 0, "limit": 10}))["total"], 2);
    let e = h.call("deck_media", json!({"deckId": 999, "offset": 0, "limit": 10})).expect_err("no deck");
    assert_eq!(e["code"], "not_found");
    // Arguments that do not fit the command's types (a typed UI cannot send them) are refused by
    // Tauri before the command runs.
    let e = h.call("open_folder", json!({"which": "../etc"})).expect_err("unknown folder");
    assert!(e.to_string().contains("unknown variant `../etc`"), "{e}");
    // Missing arguments are a rejection too, not a panic.
    assert!(h.call("generate", json!({"deckId": deck})).is_err());
}

#[test]
fn words_can_be_edited_and_deleted_while_a_batch_runs() {
    let h = harness(Behavior { hold: true, ..Default::default() });
    let deck = h.deck_with_words("Busy", "uno\ndos\ntres\n");
    let batch = h.ok("generate", json!({"deckId": deck, "kinds": ["image"], "force": false, "confirmed": false}));
    let batch_id = batch["id"].as_i64().expect("id");
    tauri::async_runtime::block_on(h.fake.wait_for_in_flight(3));
    let page = h.ok("deck_media", json!({"deckId": deck, "offset": 0, "limit": 10}));
    let ids: Vec<i64> = page["items"].as_array().expect("items").iter().filter_map(|w| w["word_id"].as_i64()).collect();
    let edited = h.ok("update_word", json!({"wordId": ids[0], "text": "UNO", "translation": "one"}));
    assert_eq!((edited["text"].as_str(), edited["translation"].as_str()), (Some("UNO"), Some("one")));
    h.ok("delete_word", json!({"wordId": ids[2]}));
    h.fake.release_held();
    let done = h.finished(batch_id);
    assert_eq!(done["total"], 2, "the deleted word leaves the batch: {done}");
    let page = h.ok("deck_media", json!({"deckId": deck, "offset": 0, "limit": 10}));
    assert_eq!(page["total"], 2);
    // The edited word's picture was made from the old text: reported stale.
    assert_eq!(page["items"][0]["image"]["stale"], true, "{page}");
}

#[test]
fn failures_are_reported_per_word_and_a_failed_batch_asks_for_attention() {
    let h = harness(Behavior { faults: vec![Fault::always("", FaultAction::Status(400))], ..Default::default() });
    let deck = h.deck_with_words("Keys", "a\nb\n");
    let batch_id = h.ok("generate", json!({"deckId": deck, "kinds": ["image"], "force": false, "confirmed": false}))["id"].as_i64().expect("id");
    let done = h.finished(batch_id);
    assert_eq!(done["status"], "failed");
    let failures = h.ok("batch_failures", json!({"batchId": batch_id}));
    assert_eq!(failures["summary"], "0 done, 2 failed: 2 rejected by the provider", "{failures}");
    let errors = &failures["errors"];
    assert_eq!(errors.as_array().map(Vec::len), Some(2), "{errors}");
    assert_eq!((&errors[0]["kind"], &errors[0]["failure"]), (&json!("image"), &json!("rejected")));
    assert!(errors[0]["error"].as_str().is_some_and(|e| e.contains("400")), "{errors}");
    let sent = h.recorder.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].0.contains("attention") && sent[0].1.starts_with("Keys: all 2 words failed"), "{sent:?}");
    // The key never appears in what the UI gets.
    assert!(!errors.to_string().contains("sk-test-key-123"));
}

#[test]
fn cancel_pause_resume_and_retry_from_the_ui() {
    let h = harness(Behavior { hold: true, ..Default::default() });
    let deck = h.deck_with_words("Ctl", "a\nb\nc\nd\n");
    let id = h.ok("generate", json!({"deckId": deck, "kinds": ["audio"], "force": false, "confirmed": false}))["id"].as_i64().expect("id");
    assert_eq!(h.ok("pause_batch", json!({"batchId": id, "paused": true}))["paused"], true);
    h.ok("pause_all", json!({"paused": true}));
    assert_eq!(h.ok("snapshot", json!({}))["paused"], true);
    h.ok("pause_all", json!({"paused": false}));
    h.ok("pause_batch", json!({"batchId": id, "paused": false}));
    let cancelled = h.ok("cancel_batch", json!({"batchId": id}));
    assert_eq!(cancelled["status"], "cancelled");
    h.finished(id);
    h.fake.set_behavior(Behavior::default());
    h.fake.release_held();
    let retried = h.ok("retry_batch", json!({"batchId": id}));
    assert_ne!(retried["status"], "cancelled");
    // The worker may still announce the cancellation after the retry (a second, late
    // BatchFinished "cancelled"): wait for the retried run's end.
    let done = h.wait_event(|e| e["type"] == "BatchFinished" && e["batch_id"] == id && e["status"] != "cancelled");
    assert_eq!(done["completed"], 4, "{done}");
    // A cancelled batch was announced twice at most but never notified; the finished one once.
    let sent = h.recorder.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].1.starts_with("Ctl: 4 audio done"), "{sent:?}");
}

#[test]
fn quitting_returns_jobs_to_the_queue_and_a_relaunch_resumes_them() {
    let h = harness(Behavior { hold: true, ..Default::default() });
    let deck = h.deck_with_words("Later", "a\nb\nc\n");
    let id = h.ok("generate", json!({"deckId": deck, "kinds": ["image"], "force": false, "confirmed": false}))["id"].as_i64().expect("id");
    tauri::async_runtime::block_on(h.fake.wait_for_in_flight(3));
    let state = h.app.state::<AppState>();
    tauri::async_runtime::block_on(state.stop_worker(desktop::QUIT_GRACE));
    let snap = h.ok("snapshot", json!({}));
    assert_eq!((snap["running"].as_i64(), snap["queued"].as_i64()), (Some(0), Some(3)), "{snap}");

    // "Relaunch": a new app on the same data dir picks the batch up and finishes it.
    let Harness { _dir: dir, app, webview, fake, .. } = h;
    fake.release_held();
    drop((webview, app));
    let h2 = harness_in(Some(dir), Behavior::default());
    assert_eq!(h2.app.state::<AppState>().resumed_batches, 1);
    assert_eq!(h2.ok("app_info", json!({}))["resumed_batches"], 1);
    let done = h2.finished(id);
    assert_eq!(done["completed"], 3, "{done}");
}

#[test]
fn settings_are_saved_without_keys_and_the_worker_restarts_with_them() {
    let h = harness(Behavior::default());
    let s = h.ok("get_settings", json!({}));
    assert_eq!(s["image"]["provider"], "openai");
    let mut image = s["image"].clone();
    image["provider"] = json!("offline");
    image["max_concurrency"] = json!(2);
    let mut audio = s["audio"].clone();
    audio["provider"] = json!("offline");
    let saved = h.ok("save_settings", json!({"image": image, "audio": audio}));
    assert_eq!(saved["image"]["provider"], "offline");
    assert_eq!(saved["image"]["max_concurrency"], 2);
    let toml = std::fs::read_to_string(h.app.state::<AppState>().data_dir().join("config.toml")).expect("config.toml");
    assert!(toml.contains("max_concurrency = 2"), "{toml}");
    assert!(!toml.contains("sk-test"), "no key in config.toml");
    assert!(tauri::async_runtime::block_on(h.app.state::<AppState>().worker_running()));
    // A provider that does not exist is refused and nothing is written.
    let mut bad = saved["image"].clone();
    bad["provider"] = json!("nonsense");
    let e = h.call("save_settings", json!({"image": bad, "audio": saved["audio"].clone()})).expect_err("bad provider");
    assert!(e.to_string().contains("unknown variant `nonsense`"), "{e}");
    // A known provider that cannot make this kind of media is the core's refusal.
    let mut image_by_voice = saved["image"].clone();
    image_by_voice["provider"] = json!("elevenlabs");
    let e = h.call("save_settings", json!({"image": image_by_voice, "audio": saved["audio"].clone()})).expect_err("audio-only provider");
    assert_eq!(e["code"], "config", "{e}");
    let after = std::fs::read_to_string(h.app.state::<AppState>().data_dir().join("config.toml")).expect("config.toml");
    assert_eq!(after, toml);
}

#[test]
fn export_runs_in_the_background_and_reports_by_event() {
    let h = harness(Behavior::default());
    let deck = h.deck_with_words("Out", "uno\ndos\n");
    let id = h.ok("generate", json!({"deckId": deck, "kinds": ["image", "audio"], "force": false, "confirmed": false}))["id"].as_i64().expect("id");
    h.finished(id);
    let data = h.app.state::<AppState>().data_dir().to_path_buf();
    let out = data.join("out.apkg");
    let picker = Picker::manage(&h, Some(out.clone()));
    assert_eq!(h.ok("export_deck", json!({"deckId": deck, "format": "apkg"})), Value::Null);
    let fin = h.wait_event(|e| e["type"] == "TaskFinished");
    assert_eq!(fin["ok"], true, "{fin}");
    assert!(fin["message"].as_str().unwrap_or("").contains("2 words"), "{fin}");
    assert!(std::fs::metadata(&out).map(|m| m.len() > 0).unwrap_or(false));
    assert_eq!(picker.suggested(), ["Out.apkg"]);
    // A path from the page is not taken: the export goes where the dialog says, nowhere else.
    let page_path = data.join("from-the-page.apkg");
    h.ok("export_deck", json!({"deckId": deck, "format": "apkg", "path": page_path.display().to_string()}));
    let fin = h.wait_event(|e| e["type"] == "TaskFinished");
    assert_eq!(fin["ok"], true, "{fin}");
    assert!(!page_path.exists(), "nothing written where the page said");
    assert_eq!(picker.suggested().len(), 2, "the dialog was asked again");
    // Anki not running: a clear failure, by event as well.
    std::env::set_var("DECKMEDIA_ANKI_URL", format!("http://{}", FakeProvider::free_port()));
    h.ok("anki_push", json!({"deckId": deck}));
    let fin = h.wait_event(|e| e["type"] == "TaskFinished" && e["label"].as_str().is_some_and(|l| l.contains("Anki")));
    assert_eq!(fin["ok"], false, "{fin}");
    assert!(fin["message"].as_str().unwrap_or("").contains("Anki is not running"), "{fin}");
}

#[test]
fn an_anki_package_is_chosen_in_the_dialog_previewed_and_imported_with_its_media() {
    let h = harness(Behavior::default());
    let source = h.deck_with_words("Source", "uno\ndos\n");
    let id = h.ok("generate", json!({"deckId": source, "kinds": ["image", "audio"], "force": false, "confirmed": false}))["id"].as_i64().expect("id");
    h.finished(id);
    let package = h.app.state::<AppState>().data_dir().join("source.apkg");
    let picker = Picker::manage(&h, Some(package.clone()));
    h.ok("export_deck", json!({"deckId": source, "format": "apkg"}));
    assert_eq!(h.wait_event(|e| e["type"] == "TaskFinished")["ok"], true);

    let target = h.ok("create_deck", json!({"name": "Target", "language": "es"}))["id"].as_i64().expect("id");
    // Nothing chosen yet: nothing to import.
    let e = h.call("import_package", json!({"deckId": target})).expect_err("no package chosen");
    assert_eq!(e["code"], "invalid_input", "{e}");
    let preview = h.ok("choose_package", json!({"deckId": target}));
    assert_eq!(picker.opened(), 1, "the native dialog (its stand-in) was asked");
    assert_eq!((preview["format"].as_str(), preview["total"].as_i64(), preview["media_files"].as_i64()), (Some("anki_package"), Some(2), Some(4)), "{preview}");
    let words: Vec<&str> = preview["rows"].as_array().map(|r| r.iter().filter_map(|w| w["text"].as_str()).collect()).unwrap_or_default();
    assert_eq!(words, ["uno", "dos"]);

    let report = h.ok("import_package", json!({"deckId": target}));
    assert_eq!((report["added"].as_i64(), report["pictures"].as_i64(), report["audio"].as_i64()), (Some(2), Some(2), Some(2)), "{report}");
    assert_eq!(report["summary"], "2 new, 0 already there; 2 pictures and 2 recordings from the package");
    let page = h.ok("deck_media", json!({"deckId": target, "offset": 0, "limit": 10}));
    for item in page["items"].as_array().expect("items") {
        for kind in ["image", "audio"] {
            assert_eq!(item[kind]["status"], "done", "{item}");
            let path = item[kind]["path"].as_str().expect("path");
            assert!(std::fs::metadata(path).map(|m| m.len() > 0).unwrap_or(false), "{path}");
        }
    }
    // The choice is used once; a cancelled dialog previews nothing.
    assert_eq!(h.call("import_package", json!({"deckId": target})).expect_err("used")["code"], "invalid_input");
    picker.answer(None);
    assert_eq!(h.ok("choose_package", json!({"deckId": target})), Value::Null);
    assert_eq!(picker.opened(), 2);
}

/// Stands in for the native save and open dialogs: records what it was asked and answers `answer`.
struct Picker {
    answer: std::sync::Mutex<Option<std::path::PathBuf>>,
    asked: std::sync::Mutex<Vec<String>>,
}

impl Picker {
    fn manage(h: &Harness, answer: Option<std::path::PathBuf>) -> Arc<Picker> {
        let picker = Arc::new(Picker { answer: std::sync::Mutex::new(answer), asked: Default::default() });
        h.app.manage(SavePickerState(picker.clone()));
        h.app.manage(OpenPickerState(picker.clone()));
        picker
    }
    fn suggested(&self) -> Vec<String> {
        self.asked.lock().map(|a| a.iter().filter(|s| *s != OPENED).cloned().collect()).unwrap_or_default()
    }
    /// What the dialog answers from now on (`None`: the user cancels).
    fn answer(&self, answer: Option<std::path::PathBuf>) {
        if let Ok(mut a) = self.answer.lock() {
            *a = answer;
        }
    }
    fn chosen(&self) -> Option<std::path::PathBuf> {
        self.answer.lock().ok().and_then(|a| a.clone())
    }
    fn opened(&self) -> usize {
        self.asked.lock().map(|a| a.iter().filter(|s| *s == OPENED).count()).unwrap_or_default()
    }
}

/// What [`Picker::asked`] records for an open dialog.
const OPENED: &str = "(open a package)";

impl OpenPicker for Picker {
    fn pick_package(&self, chosen: Box<dyn FnOnce(Option<std::path::PathBuf>) + Send>) {
        if let Ok(mut asked) = self.asked.lock() {
            asked.push(OPENED.to_string());
        }
        chosen(self.chosen());
    }
}

impl SavePicker for Picker {
    fn pick(&self, suggested: &str, _apkg: bool, chosen: Box<dyn FnOnce(Option<std::path::PathBuf>) + Send>) {
        if let Ok(mut asked) = self.asked.lock() {
            asked.push(suggested.to_string());
        }
        chosen(self.chosen());
    }
}

/// A rejection the UI can show: our `{code, message}`, or (arguments of the wrong type,
/// refused by Tauri before the command runs) Tauri's text, which `ipc.ts` turns into
/// `{code: "app", message}`.
fn assert_clean_rejection(cmd: &str, args: &Value, e: &Value) {
    let ours = e["code"].as_str().is_some_and(|c| !c.is_empty()) && e["message"].as_str().is_some_and(|m| !m.is_empty() && m.len() < 2000);
    let tauri_args = e.as_str().is_some_and(|m| m.contains("invalid args") || m.contains("missing required key"));
    let shown: String = args.to_string().chars().take(120).collect();
    assert!(ours || tauri_args, "{cmd}({shown}): {e}");
}

#[test]
fn hostile_ipc_arguments_get_an_error_never_a_panic_or_a_write_outside_the_data_dir() {
    let outer = tempfile::tempdir().expect("temp dir");
    let data = outer.path().join("data");
    std::fs::create_dir(&data).expect("data dir");
    let dir = tempfile::TempDir::new_in(&data).expect("temp dir");
    let h = harness_in(Some(dir), Behavior::default());
    let picker = Picker::manage(&h, None);
    let deck = h.deck_with_words("Real", "uno\ndos\n");
    let huge = "x".repeat(4 << 20);
    let traversal = "../../../../../../etc/passwd";
    let escape = outer.path().join("escaped.apkg").display().to_string();
    let big = json!(i64::MAX);
    let too_big = json!(u64::MAX);
    let settings = h.ok("get_settings", json!({}));
    let with = |k: &str, v: Value| {
        let mut p = settings["image"].clone();
        p[k] = v;
        json!({"image": p, "audio": settings["audio"].clone()})
    };
    let must_fail: Vec<(&str, Value)> = vec![
        ("create_deck", json!({"name": huge, "language": "es"})),
        ("create_deck", json!({"name": 42, "language": []})),
        ("rename_deck", json!({"deckId": -1, "name": "x"})),
        ("rename_deck", json!({"deckId": deck, "name": huge})),
        ("rename_deck", json!({"deckId": too_big, "name": "x"})),
        ("delete_deck", json!({"deckId": "1; DROP TABLE decks"})),
        ("delete_deck", json!({"deckId": big})),
        ("import_words", json!({"deckId": deck, "text": "word,lang\nok,es\nbad,../../etc\n"})),
        ("import_words", json!({"deckId": -7, "text": "uno"})),
        ("choose_package", json!({"deckId": -7})),
        ("choose_package", json!({"deckId": "../../etc/passwd"})),
        ("import_package", json!({"deckId": deck})),
        ("import_package", json!({"deckId": big})),
        ("add_words", json!({"deckId": deck, "words": [{"text": huge}]})),
        ("add_words", json!({"deckId": deck, "words": "not a list"})),
        ("deck_media", json!({"deckId": deck, "offset": -1, "limit": 10})),
        ("deck_media", json!({"deckId": deck, "offset": 0, "limit": i64::MIN})),
        ("deck_media", json!({"deckId": big, "offset": big, "limit": big})),
        ("update_word", json!({"wordId": -1, "text": "x", "translation": null})),
        ("update_word", json!({"wordId": big, "text": huge, "translation": huge})),
        ("delete_word", json!({"wordId": too_big})),
        ("set_sentence", json!({"wordId": -1, "sentence": "x"})),
        ("set_sentence", json!({"wordId": big, "sentence": huge})),
        ("set_deck_slots", json!({"deckId": deck, "slots": ["video"], "translationLanguage": null})),
        ("set_deck_slots", json!({"deckId": deck, "slots": [], "translationLanguage": null})),
        ("set_deck_slots", json!({"deckId": deck, "slots": ["audio"], "translationLanguage": "../../etc"})),
        ("set_deck_slots", json!({"deckId": big, "slots": ["audio"], "translationLanguage": huge})),
        ("read_media", json!({"path": traversal})),
        ("read_media", json!({"path": "/etc/passwd"})),
        ("read_media", json!({"path": huge})),
        ("generate", json!({"deckId": deck, "kinds": ["video"], "force": false, "confirmed": false})),
        ("generate", json!({"deckId": -1, "kinds": ["image"], "force": false, "confirmed": false})),
        ("generate_word", json!({"wordId": big, "kinds": ["audio"]})),
        ("batch_failures", json!({"batchId": -1})),
        ("undoable", json!({"deckId": -1, "wordId": null})),
        ("retry_batch_with", json!({"batchId": -1, "provider": "offline"})),
        ("retry_batch_with", json!({"batchId": 1, "provider": "../../bin/sh"})),
        ("regenerate_word_with", json!({"wordId": big, "kind": "audio", "provider": "offline"})),
        ("regenerate_word_with", json!({"wordId": 1, "kind": "image", "provider": "neural"})),
        ("undo_regeneration", json!({"deckId": big, "wordId": null})),
        ("undo_regeneration", json!({"deckId": deck, "wordId": too_big})),
        ("picture_choices", json!({"wordId": big})),
        ("picture_choices", json!({"wordId": traversal})),
        ("find_photos", json!({"wordId": -1})),
        ("choose_picture", json!({"wordId": 1, "candidateId": too_big})),
        ("choose_picture", json!({"wordId": big, "candidateId": -1})),
        ("voice_sample", json!({"key": traversal})),
        ("cancel_batch", json!({"batchId": big})),
        ("retry_batch", json!({"batchId": -3})),
        ("pause_batch", json!({"batchId": -3, "paused": true})),
        ("pause_all", json!({"paused": "yes"})),
        ("save_settings", with("provider", json!("../../bin/sh"))),
        ("save_settings", with("base_url", json!(huge))),
        ("save_settings", with("max_concurrency", json!(0))),
        ("save_settings", with("timeout_secs", json!(u64::MAX))),
        ("save_settings", with("max_concurrency", json!(-1))),
        ("save_settings", json!({"image": "x", "audio": null})),
        ("set_api_key", json!({"provider": traversal, "key": "k"})),
        ("set_api_key", json!({"provider": "openai", "key": huge})),
        ("set_api_key", json!({"provider": "openai", "key": "two\nlines"})),
        ("delete_api_key", json!({"provider": traversal})),
        ("open_folder", json!({"which": traversal})),
        ("open_folder", json!({"which": huge})),
        ("export_deck", json!({"deckId": -1, "format": "apkg", "path": escape})),
        ("export_deck", json!({"deckId": deck, "format": "exe"})),
        ("anki_push", json!({"deckId": -1})),
        ("preview_import", json!({"text": 5})),
    ];
    for (cmd, args) in &must_fail {
        match h.call(cmd, args.clone()) {
            Ok(v) => panic!("{cmd} accepted hostile arguments: {v}"),
            Err(e) => assert_clean_rejection(cmd, args, &e),
        }
    }
    // May succeed, but must stay inside the data dir and answer.
    let harmless: Vec<(&str, Value)> = vec![
        ("create_deck", json!({"name": traversal, "language": "es"})),
        ("preview_import", json!({"text": huge})),
        ("export_deck", json!({"deckId": deck, "format": "csv", "path": escape})),
        ("export_deck", json!({"deckId": deck, "format": "apkg", "path": traversal})),
        ("app_info", json!({"unexpected": huge})),
        ("snapshot", json!({"x": -1})),
        ("list_decks", json!({})),
    ];
    for (cmd, args) in &harmless {
        if let Err(e) = h.call(cmd, args.clone()) {
            assert_clean_rejection(cmd, args, &e);
        }
    }
    assert_eq!(picker.suggested().len(), 2, "exports always go through the dialog");
    let outside: Vec<String> = std::fs::read_dir(outer.path()).expect("outer").flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(outside, ["data"], "nothing written next to the data dir");
    let toml = std::fs::read_to_string(h.app.state::<AppState>().data_dir().join("config.toml")).unwrap_or_default();
    assert!(!toml.contains("bin/sh") && !toml.contains("max_concurrency = 0"), "{toml}");
    // Still answering, and the real deck is intact.
    let page = h.ok("deck_media", json!({"deckId": deck, "offset": 0, "limit": 10}));
    assert_eq!(page["total"], 2, "{page}");
}

#[test]
fn settings_the_next_start_would_refuse_are_never_written() {
    let h = harness(Behavior::default());
    let path = h.app.state::<AppState>().data_dir().join("config.toml");
    let s = h.ok("get_settings", json!({}));
    let first = h.ok("save_settings", json!({"image": s["image"].clone(), "audio": s["audio"].clone()}));
    let saved = std::fs::read_to_string(&path).expect("config.toml");
    for (key, value, says) in [
        ("max_concurrency", json!(0), "max_concurrency"),
        ("max_concurrency", json!(1000), "max_concurrency"),
        ("base_url", json!("http://8.8.8.8/v1"), "https://"),
        ("timeout_secs", json!(10_000_000), "timeout"),
    ] {
        let mut image = first["image"].clone();
        image[key] = value.clone();
        let e = h.call("save_settings", json!({"image": image, "audio": first["audio"].clone()})).expect_err("refused");
        assert_eq!(e["code"], "config", "{key}={value}: {e}");
        assert!(e["message"].as_str().unwrap_or("").contains(says), "{key}={value}: {e}");
        assert_eq!(std::fs::read_to_string(&path).expect("config.toml"), saved, "{key}={value}: nothing written");
    }
    assert!(Config::load(&path).is_ok(), "what is on disk loads");
    // Plain http:// on the local network is allowed, with a warning for Settings.
    let mut image = first["image"].clone();
    image["base_url"] = json!("http://192.168.1.20:8080/v1");
    let after = h.ok("save_settings", json!({"image": image, "audio": first["audio"].clone()}));
    assert!(after["image"]["url_warning"].as_str().is_some_and(|w| w.contains("unencrypted")), "{after}");
    assert_eq!(after["image"]["key_host"], "192.168.1.20:8080", "{after}");
}

#[test]
fn the_content_security_policy_forbids_base_form_and_object_targets() {
    let conf: Value = serde_json::from_str(include_str!("../../tauri.conf.json")).expect("tauri.conf.json");
    let csp = conf["app"]["security"]["csp"].as_str().expect("a CSP");
    for directive in ["base-uri 'none'", "form-action 'none'", "object-src 'none'", "script-src 'self'"] {
        assert!(csp.split(';').any(|d| d.trim() == directive), "{directive} in {csp}");
    }
}

#[test]
fn an_app_started_while_another_worker_runs_takes_over_when_it_ends() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Another process's worker (here: a worker of a second core on the same data dir, not run).
    let other = Core::open_with_config(dir.path(), Config::default()).expect("core");
    let held = other.worker().expect("the lock");
    let h = harness_in(Some(dir), Behavior::default());
    let state = h.app.state::<AppState>();
    assert!(!tauri::async_runtime::block_on(state.worker_running()));
    // The UI still works meanwhile.
    let deck = h.deck_with_words("Waiting", "uno\n");
    drop(held);
    // Takes over within its 5 s retry period, then runs the queue.
    let id = h.ok("generate", json!({"deckId": deck, "kinds": ["image"], "force": false, "confirmed": false}))["id"].as_i64().expect("id");
    let done = h.finished(id);
    assert_eq!(done["completed"], 1, "{done}");
    assert!(tauri::async_runtime::block_on(state.worker_running()));
}
