//! A local fake of Openverse's image search API, answering in its shapes
//! (<https://api.openverse.org/v1/>):
//!
//! * `GET /v1/images/?q=…&license=by,by-sa…&page_size=…` → `{"result_count", "page_count",
//!   "page_size", "page", "results": [{"id", "title", "url", "thumbnail", "creator", "license",
//!   "license_version", "license_url", "foreign_landing_url", "provider", "source", …}]}`: the
//!   images added whose title contains the query (case-insensitive) and whose licence is among
//!   `license` (when given), in the order added.
//! * `GET /v1/images/{id}/thumb/` → the image's bytes.
//! * `POST /v1/auth_tokens/token/` (form: `grant_type=client_credentials`, `client_id`,
//!   `client_secret`) → `{"access_token": "access-<n>", "scope", "expires_in", "token_type"}`
//!   for the client set with [`FakeOpenverse::register`], 401 otherwise.
//!
//! Every request is recorded with its `Authorization` header, so tests check what was sent,
//! and that nothing was sent past a limit.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

/// An image on the fake Openverse.
#[derive(Clone, Debug)]
pub struct OpenverseImage {
    pub id: String,
    pub title: String,
    pub creator: String,
    /// `by`, `by-sa`, `cc0`, `pdm`, `by-nc`, …
    pub license: String,
    pub license_version: String,
    pub bytes: Vec<u8>,
}

impl OpenverseImage {
    pub fn new(id: &str, title: &str, creator: &str, license: &str, bytes: Vec<u8>) -> OpenverseImage {
        let version = if matches!(license, "cc0" | "pdm") { "1.0" } else { "2.0" };
        OpenverseImage { id: id.into(), title: title.into(), creator: creator.into(), license: license.into(), license_version: version.into(), bytes }
    }
}

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct OpenverseRequest {
    pub path: String,
    pub query: HashMap<String, String>,
    pub authorization: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Default)]
struct FakeState {
    images: Vec<OpenverseImage>,
    /// The registered application's client id and secret, and how many tokens were issued.
    client: Option<(String, String)>,
    issued: u32,
    requests: Vec<OpenverseRequest>,
}

struct Shared {
    state: Mutex<FakeState>,
    addr: SocketAddr,
}

/// A running fake. Dropping it stops the server.
pub struct FakeOpenverse {
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeOpenverse {
    /// Starts on `127.0.0.1:0`. Panics when loopback cannot be bound (a test setup failure).
    pub async fn start() -> FakeOpenverse {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("fake openverse: bind");
        let addr = listener.local_addr().expect("fake openverse: address");
        let shared = Arc::new(Shared { state: Mutex::new(FakeState::default()), addr });
        let app = Router::new()
            .route("/v1/images/", get(search))
            .route("/v1/images/{id}/thumb/", get(thumb))
            .route("/v1/auth_tokens/token/", post(token))
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                eprintln!("fake openverse: server stopped: {err}");
            }
        });
        FakeOpenverse { shared, server }
    }

    /// `[openverse] url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// Registers an application: its client id and secret get access tokens.
    pub fn register(&self, client_id: &str, client_secret: &str) {
        lock(&self.shared.state).client = Some((client_id.into(), client_secret.into()));
    }

    pub fn add_image(&self, image: OpenverseImage) {
        lock(&self.shared.state).images.push(image);
    }

    pub fn requests(&self) -> Vec<OpenverseRequest> {
        lock(&self.shared.state).requests.clone()
    }
}

impl Drop for FakeOpenverse {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn record(shared: &Shared, path: String, query: &HashMap<String, String>, headers: &HeaderMap) {
    let text = |h: header::HeaderName| headers.get(h).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let request = OpenverseRequest { path, query: query.clone(), authorization: text(header::AUTHORIZATION), user_agent: text(header::USER_AGENT) };
    lock(&shared.state).requests.push(request);
}

async fn search(State(shared): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>, headers: HeaderMap) -> Response {
    record(&shared, "/v1/images/".into(), &q, &headers);
    let state = lock(&shared.state);
    let query = q.get("q").map(|s| s.to_lowercase()).unwrap_or_default();
    let licences: Option<Vec<&str>> = q.get("license").map(|l| l.split(',').collect());
    let results: Vec<Value> = state
        .images
        .iter()
        .filter(|i| i.title.to_lowercase().contains(&query))
        .filter(|i| licences.as_ref().is_none_or(|l| l.contains(&i.license.as_str())))
        .map(|i| result_json(i, shared.addr))
        .collect();
    let body = json!({"result_count": results.len(), "page_count": 1, "page_size": 20, "page": 1, "results": results, "warnings": []});
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn result_json(i: &OpenverseImage, addr: SocketAddr) -> Value {
    let licence_path = if i.license == "cc0" { "publicdomain/zero/1.0/".to_string() } else { format!("licenses/{}/{}/", i.license, i.license_version) };
    json!({
        "id": i.id, "title": i.title, "indexed_on": "2020-04-17T04:06:36.690454Z",
        "foreign_landing_url": format!("https://www.flickr.com/photos/example/{}", i.id),
        "url": format!("https://live.staticflickr.com/65535/{}.jpg", i.id),
        "creator": i.creator, "creator_url": "https://www.flickr.com/photos/example",
        "license": i.license, "license_version": i.license_version,
        "license_url": format!("https://creativecommons.org/{licence_path}"),
        "provider": "flickr", "source": "flickr", "category": null, "filesize": null, "filetype": null,
        "tags": [], "attribution": format!("\"{}\" by {} is licensed under CC {} {}.", i.title, i.creator, i.license.to_uppercase(), i.license_version),
        "fields_matched": ["title"], "mature": false, "height": 384, "width": 512,
        "thumbnail": format!("http://{addr}/v1/images/{}/thumb/", i.id),
        "detail_url": format!("http://{addr}/v1/images/{}/", i.id),
        "related_url": format!("http://{addr}/v1/images/{}/related/", i.id),
        "unstable__sensitivity": []
    })
}

async fn thumb(State(shared): State<Arc<Shared>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    record(&shared, format!("/v1/images/{id}/thumb/"), &HashMap::new(), &headers);
    let state = lock(&shared.state);
    match state.images.iter().find(|i| i.id == id) {
        Some(i) => ([(header::CONTENT_TYPE, "image/jpeg")], i.bytes.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, axum::Form(form): axum::Form<HashMap<String, String>>) -> Response {
    record(&shared, "/v1/auth_tokens/token/".into(), &form, &headers);
    let mut state = lock(&shared.state);
    let given = (form.get("client_id").cloned().unwrap_or_default(), form.get("client_secret").cloned().unwrap_or_default());
    let valid = form.get("grant_type").map(String::as_str) == Some("client_credentials") && state.client.as_ref() == Some(&given);
    if !valid {
        return (StatusCode::UNAUTHORIZED, [(header::CONTENT_TYPE, "application/json")], r#"{"error": "invalid_client"}"#).into_response();
    }
    state.issued += 1;
    let body = json!({"access_token": format!("access-{}", state.issued), "scope": "read write groups", "expires_in": 36000, "token_type": "Bearer"});
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}
