//! A fake AnkiConnect (the Anki add-on's local HTTP API, version 6) for tests.
//!
//! [`FakeAnki::start`] binds `127.0.0.1:0` and answers `POST` (any path) with AnkiConnect's
//! envelope: the request `{"action", "version", "params", "key"?}`, the answer
//! `{"result": …, "error": null}` or `{"result": null, "error": "…"}` (a bare result for
//! `version` ≤ 4, as the add-on does). It keeps decks, note types, notes and media files in
//! memory, and implements the actions Deck Media uses, following the add-on's behaviour:
//!
//! * `version`, `deckNames`;
//! * `findNotes {query}`: only `deck:NAME` / `deck:"NAME"` queries (quotes, `\` escapes, `*`
//!   and `_` wildcards, subdecks, case-insensitive); anything else is an error;
//! * `notesInfo {notes}` (a missing id gives `{}`) or `{query}`;
//! * `storeMediaFile {filename, data, deleteExisting?}` (`data` base64; `path`/`url` are refused
//!   by the fake; `skipHash` is accepted and ignored) returns the file name;
//! * `updateNoteFields {note: {id, fields}}` (unknown field names are ignored, as the add-on
//!   does; a missing note is an error);
//! * `getMediaFilesNames {pattern}` (`*` and `?` globs).
//!
//! Parameters are checked like the add-on's Python signatures: a missing or unexpected one is
//! an error naming it. [`AnkiBehavior`] adds latency, an API key, an old version, and faults
//! (an AnkiConnect error, garbage, a wrong JSON shape, an HTTP status, a hang) per action.
//! Every call is recorded.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use tokio::sync::watch;

/// How the fake answers. The default answers at once, version 6, no key.
#[derive(Clone, Debug)]
pub struct AnkiBehavior {
    pub latency: Duration,
    /// When set, calls must carry this `key` (AnkiConnect's `apiKey` setting).
    pub api_key: Option<String>,
    /// What `version` answers.
    pub version: u64,
    /// The first matching fault applies.
    pub faults: Vec<AnkiFault>,
}

impl Default for AnkiBehavior {
    fn default() -> Self {
        AnkiBehavior { latency: Duration::ZERO, api_key: None, version: 6, faults: Vec::new() }
    }
}

/// A deliberate failure for calls of `action` (every action when `None`).
#[derive(Clone, Debug)]
pub struct AnkiFault {
    pub action: Option<String>,
    pub kind: AnkiFaultKind,
    /// Apply to the first N matching calls only (`None` = always).
    pub times: Option<u32>,
}

impl AnkiFault {
    pub fn on(action: &str, kind: AnkiFaultKind) -> AnkiFault {
        AnkiFault { action: Some(action.to_string()), kind, times: None }
    }
    pub fn any(kind: AnkiFaultKind) -> AnkiFault {
        AnkiFault { action: None, kind, times: None }
    }
}

#[derive(Clone, Debug)]
pub enum AnkiFaultKind {
    /// `{"result": null, "error": message}`, as the add-on answers a failed action.
    Error(String),
    /// 200 OK with an HTML page.
    Garbage,
    /// 200 OK with JSON that is not the envelope (`{"ok": true}`).
    WrongShape,
    /// This HTTP status with an empty body.
    Status(u16),
    /// Never answer (until the client goes away or the fake is dropped).
    Hang,
}

/// A note in the fake collection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeNote {
    pub id: i64,
    pub deck: String,
    pub model: String,
    /// (name, value) in the note type's field order.
    pub fields: Vec<(String, String)>,
    pub tags: Vec<String>,
}

impl FakeNote {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// One call as it arrived.
#[derive(Clone, Debug)]
pub struct AnkiCall {
    /// The action (empty when the body had none).
    pub action: String,
    /// The params (`Value::Null` when missing).
    pub params: Value,
    /// Whether a `key` was sent (the key itself is not kept).
    pub had_key: bool,
    pub at: Instant,
}

#[derive(Default)]
struct Collection {
    decks: Vec<String>,
    /// Note type name -> field names.
    models: BTreeMap<String, Vec<String>>,
    notes: BTreeMap<i64, FakeNote>,
    media: BTreeMap<String, Vec<u8>>,
    next_id: i64,
}

struct Shared {
    collection: Mutex<Collection>,
    behavior: Mutex<(AnkiBehavior, Vec<u32>)>,
    calls: Mutex<Vec<AnkiCall>>,
    shutdown: watch::Sender<bool>,
}

/// A running fake AnkiConnect. Dropping it stops the server.
pub struct FakeAnki {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl FakeAnki {
    /// Starts on the current tokio runtime with a `Default` deck and the `Basic` note type
    /// (`Front`, `Back`). Panics when 127.0.0.1 cannot be bound (a test setup failure).
    pub async fn start(behavior: AnkiBehavior) -> FakeAnki {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("fake AnkiConnect: bind");
        let addr = listener.local_addr().expect("fake AnkiConnect: local address");
        let mut collection = Collection { next_id: 1_700_000_000_000, ..Default::default() };
        collection.decks.push("Default".into());
        collection.models.insert("Basic".into(), vec!["Front".into(), "Back".into()]);
        let faults = vec![0; behavior.faults.len()];
        let shared = Arc::new(Shared {
            collection: Mutex::new(collection),
            behavior: Mutex::new((behavior, faults)),
            calls: Mutex::new(Vec::new()),
            shutdown: watch::Sender::new(false),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let server = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                eprintln!("fake AnkiConnect: server stopped: {err}");
            }
        });
        FakeAnki { addr, shared, server }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the behaviour for calls arriving from now on (fault counts start again).
    pub fn set_behavior(&self, behavior: AnkiBehavior) {
        let faults = vec![0; behavior.faults.len()];
        *lock(&self.shared.behavior) = (behavior, faults);
    }

    pub fn add_deck(&self, name: &str) {
        let mut c = lock(&self.shared.collection);
        if !c.decks.iter().any(|d| d == name) {
            c.decks.push(name.to_string());
        }
    }

    pub fn add_model(&self, name: &str, fields: &[&str]) {
        lock(&self.shared.collection).models.insert(name.to_string(), fields.iter().map(|f| f.to_string()).collect());
    }

    /// Adds a note; fields not given are empty. Panics on an unknown deck, note type or field.
    pub fn add_note(&self, deck: &str, model: &str, fields: &[(&str, &str)]) -> i64 {
        let mut c = lock(&self.shared.collection);
        assert!(c.decks.iter().any(|d| d == deck), "fake AnkiConnect: no deck {deck}");
        let names = c.models.get(model).unwrap_or_else(|| panic!("fake AnkiConnect: no note type {model}")).clone();
        for (n, _) in fields {
            assert!(names.iter().any(|x| x == n), "fake AnkiConnect: note type {model} has no field {n}");
        }
        let values = names.iter().map(|n| (n.clone(), fields.iter().find(|(f, _)| f == n).map(|(_, v)| v.to_string()).unwrap_or_default())).collect();
        c.next_id += 1;
        let id = c.next_id;
        c.notes.insert(id, FakeNote { id, deck: deck.to_string(), model: model.to_string(), fields: values, tags: Vec::new() });
        id
    }

    pub fn note(&self, id: i64) -> Option<FakeNote> {
        lock(&self.shared.collection).notes.get(&id).cloned()
    }

    pub fn notes(&self) -> Vec<FakeNote> {
        lock(&self.shared.collection).notes.values().cloned().collect()
    }

    /// The media folder: file name -> bytes.
    pub fn media(&self) -> BTreeMap<String, Vec<u8>> {
        lock(&self.shared.collection).media.clone()
    }

    pub fn put_media(&self, name: &str, bytes: &[u8]) {
        lock(&self.shared.collection).media.insert(name.to_string(), bytes.to_vec());
    }

    /// Every call so far, in arrival order.
    pub fn calls(&self) -> Vec<AnkiCall> {
        lock(&self.shared.calls).clone()
    }

    /// How many calls of `action` arrived.
    pub fn count(&self, action: &str) -> usize {
        lock(&self.shared.calls).iter().filter(|c| c.action == action).count()
    }

    pub fn clear_calls(&self) {
        lock(&self.shared.calls).clear();
    }
}

impl Drop for FakeAnki {
    fn drop(&mut self) {
        self.shared.shutdown.send_replace(true);
        self.server.abort();
    }
}

async fn handle(State(shared): State<Arc<Shared>>, method: Method, body: Bytes) -> Response {
    if method != Method::POST {
        // The add-on answers a plain GET with a short banner.
        return (StatusCode::OK, "AnkiConnect v.6").into_response();
    }
    let request: Option<Value> = serde_json::from_slice(&body).ok();
    let action = request.as_ref().and_then(|r| r.get("action")).and_then(Value::as_str).unwrap_or("").to_string();
    let params = request.as_ref().and_then(|r| r.get("params")).cloned().unwrap_or(Value::Null);
    let key = request.as_ref().and_then(|r| r.get("key")).and_then(Value::as_str).map(str::to_string);
    lock(&shared.calls).push(AnkiCall { action: action.clone(), params: params.clone(), had_key: key.is_some(), at: Instant::now() });
    let (latency, fault, behavior) = {
        let mut guard = lock(&shared.behavior);
        let (behavior, hits) = &mut *guard;
        let index = (0..behavior.faults.len()).find(|&i| {
            let f = &behavior.faults[i];
            f.action.as_deref().is_none_or(|a| a == action) && f.times.is_none_or(|t| hits[i] < t)
        });
        let fault = index.map(|i| {
            hits[i] += 1;
            behavior.faults[i].kind.clone()
        });
        (behavior.latency, fault, behavior.clone())
    };
    let mut stop = shared.shutdown.subscribe();
    let answer = async {
        tokio::time::sleep(latency).await;
        match fault {
            Some(AnkiFaultKind::Error(message)) => envelope(6, Err(message)),
            Some(AnkiFaultKind::Garbage) => (StatusCode::OK, [("content-type", "text/html")], "<html><body>502 Bad Gateway</body></html>").into_response(),
            Some(AnkiFaultKind::WrongShape) => axum::Json(json!({ "ok": true })).into_response(),
            Some(AnkiFaultKind::Status(s)) => StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR).into_response(),
            Some(AnkiFaultKind::Hang) => std::future::pending().await,
            None => answer(&shared, &behavior, request, &action, params, key),
        }
    };
    tokio::select! {
        r = answer => r,
        _ = stop.wait_for(|s| *s) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

fn answer(shared: &Shared, behavior: &AnkiBehavior, request: Option<Value>, action: &str, params: Value, key: Option<String>) -> Response {
    let Some(request) = request.filter(Value::is_object) else {
        return envelope(6, Err("request body is not a JSON object".into()));
    };
    let version = request.get("version").and_then(Value::as_u64).unwrap_or(4);
    if behavior.api_key.is_some() && key != behavior.api_key {
        return envelope(version, Err("valid api key must be provided".into()));
    }
    let params = match params {
        Value::Null => Map::new(),
        Value::Object(m) => m,
        _ => return envelope(version, Err("params must be an object".into())),
    };
    let mut c = lock(&shared.collection);
    let result = match action {
        "version" => args(action, &params, &[], &[]).map(|_| json!(behavior.version)),
        "deckNames" => args(action, &params, &[], &[]).map(|_| json!(c.decks)),
        "findNotes" => args(action, &params, &["query"], &[]).and_then(|_| {
            let q = params["query"].as_str().ok_or("query must be a string")?;
            find_notes(&c, q).map(|ids| json!(ids))
        }),
        "notesInfo" => args(action, &params, &[], &["notes", "query"]).and_then(|_| {
            let ids: Vec<i64> = match (params.get("notes"), params.get("query")) {
                (Some(n), _) => n.as_array().ok_or("notes must be a list")?.iter().map(|v| v.as_i64().ok_or("note ids must be integers")).collect::<Result<_, _>>()?,
                (None, Some(q)) => find_notes(&c, q.as_str().ok_or("query must be a string")?)?,
                (None, None) => return Err("Must provide either \"notes\" or a \"query\"".to_string()),
            };
            Ok(Value::Array(ids.iter().map(|id| c.notes.get(id).map(note_info).unwrap_or_else(|| json!({}))).collect()))
        }),
        "storeMediaFile" => args(action, &params, &["filename"], &["data", "path", "url", "skipHash", "deleteExisting"])
            .and_then(|_| store_media(&mut c, &params)),
        "updateNoteFields" => args(action, &params, &["note"], &[]).and_then(|_| update_fields(&mut c, &params["note"])),
        "getMediaFilesNames" => args(action, &params, &["pattern"], &[]).and_then(|_| {
            let pattern = params["pattern"].as_str().ok_or("pattern must be a string")?;
            Ok(json!(c.media.keys().filter(|n| glob(pattern, n)).collect::<Vec<_>>()))
        }),
        _ => Err("unsupported action".to_string()),
    };
    envelope(version, result)
}

/// Checks params like a Python signature: `required`, then `optional` keyword arguments.
fn args(action: &str, params: &Map<String, Value>, required: &[&str], optional: &[&str]) -> Result<(), String> {
    for r in required {
        if !params.contains_key(*r) {
            return Err(format!("{action}() missing 1 required positional argument: '{r}'"));
        }
    }
    for k in params.keys() {
        if !required.contains(&k.as_str()) && !optional.contains(&k.as_str()) {
            return Err(format!("{action}() got an unexpected keyword argument '{k}'"));
        }
    }
    Ok(())
}

fn envelope(version: u64, result: Result<Value, String>) -> Response {
    let body = match (version, result) {
        (v, Ok(r)) if v <= 4 => r,
        (_, Ok(r)) => json!({ "result": r, "error": null }),
        (_, Err(e)) => json!({ "result": null, "error": e }),
    };
    axum::Json(body).into_response()
}

fn note_info(n: &FakeNote) -> Value {
    let fields: Map<String, Value> =
        n.fields.iter().enumerate().map(|(i, (name, value))| (name.clone(), json!({ "value": value, "order": i }))).collect();
    json!({
        "noteId": n.id,
        "profile": "User 1",
        "tags": n.tags,
        "fields": fields,
        "modelName": n.model,
        "mod": 1_700_000_000,
        "cards": [n.id + 1],
    })
}

/// `deck:NAME` or `deck:"NAME"`: the deck and its subdecks, case-insensitive, `*`/`_` wildcards.
fn find_notes(c: &Collection, query: &str) -> Result<Vec<i64>, String> {
    let q = query.trim();
    let rest = q.strip_prefix("deck:").ok_or_else(|| format!("fake AnkiConnect supports only deck: queries, not {q:?}"))?;
    // Unquote, keeping escapes as (char, escaped).
    let inner = match rest.strip_prefix('"') {
        Some(r) => r.strip_suffix('"').filter(|r| !r.ends_with('\\') || r.ends_with("\\\\")).ok_or("Invalid search: unterminated quote")?,
        None if rest.contains(char::is_whitespace) => return Err(format!("fake AnkiConnect supports one deck: term, not {q:?}")),
        None => rest,
    };
    let mut pattern: Vec<(char, bool)> = Vec::new();
    let mut chars = inner.chars();
    while let Some(ch) = chars.next() {
        if ch == '\\' {
            let next = chars.next().ok_or("Invalid search: trailing backslash")?;
            pattern.push((next, true));
        } else if ch == '"' {
            return Err("Invalid search: unescaped quote".into());
        } else {
            pattern.push((ch, false));
        }
    }
    let matches = |deck: &str| {
        let d: Vec<char> = deck.to_lowercase().chars().collect();
        let p: Vec<(char, bool)> = pattern.iter().map(|(c, e)| (c.to_lowercase().next().unwrap_or(*c), *e)).collect();
        wildcard(&p, &d) || {
            // Subdecks: "Parent::Child" matches deck:Parent.
            deck.match_indices("::").any(|(i, _)| wildcard(&p, &deck[..i].to_lowercase().chars().collect::<Vec<_>>()))
        }
    };
    Ok(c.notes.values().filter(|n| matches(&n.deck)).map(|n| n.id).collect())
}

/// `*` any run, `_` one character (unless escaped).
fn wildcard(p: &[(char, bool)], s: &[char]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((('*', false), rest)) => (0..=s.len()).any(|i| wildcard(rest, &s[i..])),
        Some((('_', false), rest)) => !s.is_empty() && wildcard(rest, &s[1..]),
        Some(((c, _), rest)) => s.first() == Some(c) && wildcard(rest, &s[1..]),
    }
}

/// Shell-style `*` and `?`.
fn glob(pattern: &str, name: &str) -> bool {
    let p: Vec<(char, bool)> = pattern.chars().map(|c| match c {
        '?' => ('_', false),
        '_' => ('_', true),
        c => (c, false),
    }).collect();
    wildcard(&p, &name.chars().collect::<Vec<_>>())
}

fn store_media(c: &mut Collection, params: &Map<String, Value>) -> Result<Value, String> {
    let filename = params["filename"].as_str().ok_or("filename must be a string")?;
    if filename.is_empty() || filename.contains(['/', '\\']) || filename == "." || filename == ".." {
        return Err(format!("fake AnkiConnect: unusable file name {filename:?}"));
    }
    let bytes = match (params.get("data"), params.get("path"), params.get("url")) {
        (Some(d), _, _) => {
            let d = d.as_str().ok_or("data must be a string")?;
            base64::engine::general_purpose::STANDARD.decode(d).map_err(|_| "Incorrect padding".to_string())?
        }
        (None, Some(_), _) | (None, None, Some(_)) => return Err("fake AnkiConnect: only \"data\" is supported".into()),
        (None, None, None) => return Err("You must provide a \"data\", \"path\", or \"url\" field.".into()),
    };
    let delete_existing = params.get("deleteExisting").and_then(Value::as_bool).unwrap_or(true);
    let mut name = filename.to_string();
    if !delete_existing {
        // Anki keeps the old file and stores the new content under another name.
        let (stem, ext) = filename.rsplit_once('.').unwrap_or((filename, ""));
        let mut n = 1;
        while c.media.get(&name).is_some_and(|old| *old != bytes) {
            name = if ext.is_empty() { format!("{stem}-{n}") } else { format!("{stem}-{n}.{ext}") };
            n += 1;
        }
    }
    c.media.insert(name.clone(), bytes);
    Ok(Value::String(name))
}

fn update_fields(c: &mut Collection, note: &Value) -> Result<Value, String> {
    let note = note.as_object().ok_or("note must be an object")?;
    let id = note.get("id").and_then(Value::as_i64).ok_or("note id must be an integer")?;
    let fields = note.get("fields").and_then(Value::as_object).ok_or("note fields must be an object")?;
    for (k, v) in fields {
        if !v.is_string() {
            return Err(format!("the value of field {k} must be a string"));
        }
    }
    let n = c.notes.get_mut(&id).ok_or_else(|| format!("Note was not found: {id}"))?;
    for (name, value) in fields {
        if let Some(f) = n.fields.iter_mut().find(|(f, _)| f == name) {
            f.1 = value.as_str().unwrap_or_default().to_string();
        }
    }
    Ok(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_globs() {
        let p = |s: &str| s.chars().map(|c| (c, false)).collect::<Vec<_>>();
        assert!(wildcard(&p("sp*"), &"spanish".chars().collect::<Vec<_>>()));
        assert!(!wildcard(&[('_', true)], &['x']));
        assert!(glob("deckmedia-*", "deckmedia-01.png"));
        assert!(!glob("deckmedia-*", "other.png"));
    }
}
