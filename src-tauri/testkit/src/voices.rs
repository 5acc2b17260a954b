//! A local voice repository laid out like the public `rhasspy/piper-voices` one: `GET
//! /<prefix>/voices.json` and `GET /<prefix>/<file path>`, with `Range: bytes=N-` answered as
//! `206 Partial Content` (or ignored, on request, like a server without range support).
//! It records each request's path and range, so tests can assert that an install resumed.
//! It listens on 127.0.0.1 only; dropping it (or [`FakeVoiceRepo::stop`]) takes it offline.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;

/// One request the repository answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoRequest {
    /// The path under the prefix, e.g. `voices.json` or `en/en_US/joe/medium/en_US-joe-medium.onnx`.
    pub path: String,
    /// The `Range` header, when sent.
    pub range: Option<String>,
}

#[derive(Default)]
struct Repo {
    files: HashMap<String, Vec<u8>>,
    requests: Vec<RepoRequest>,
    ignore_ranges: bool,
    /// The next whole-file GET of this path sends this many bytes, then stalls (never ends).
    stall: Option<(String, usize)>,
}

/// A running repository. Files can be replaced while it runs.
pub struct FakeVoiceRepo {
    addr: SocketAddr,
    repo: Arc<Mutex<Repo>>,
    server: tokio::task::JoinHandle<()>,
}

/// The URL prefix of every file, like `resolve/main` on Hugging Face.
pub const PREFIX: &str = "piper-voices/resolve/main";

impl FakeVoiceRepo {
    /// Serves `files` (path under the prefix → bytes). Panics when 127.0.0.1 cannot be bound:
    /// a test setup failure.
    pub async fn start(files: HashMap<String, Vec<u8>>) -> FakeVoiceRepo {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("voice repo: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("voice repo: local address");
        let repo = Arc::new(Mutex::new(Repo { files, ..Repo::default() }));
        let app = Router::new().fallback(serve).with_state(repo.clone());
        let server = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                eprintln!("voice repo: server stopped: {err}");
            }
        });
        FakeVoiceRepo { addr, repo, server }
    }

    /// The base URL to configure (`DECKMEDIA_VOICES_URL`), without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}/{PREFIX}", self.addr)
    }

    /// Replaces (or adds) a file.
    pub fn set_file(&self, path: &str, bytes: Vec<u8>) {
        self.lock().files.insert(path.to_string(), bytes);
    }

    /// Answer every request with the whole file (200), as a server without range support.
    pub fn ignore_ranges(&self, ignore: bool) {
        self.lock().ignore_ranges = ignore;
    }

    /// The next request for the whole of `path` (no `Range`) gets its first `bytes` bytes and
    /// then nothing more, as a connection that hangs mid-download: for crash tests.
    pub fn stall_after(&self, path: &str, bytes: usize) {
        self.lock().stall = Some((path.to_string(), bytes));
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RepoRequest> {
        self.lock().requests.clone()
    }

    /// Stops the server: from now on nothing answers (connection refused).
    pub fn stop(&self) {
        self.server.abort();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Repo> {
        self.repo.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for FakeVoiceRepo {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(State(repo): State<Arc<Mutex<Repo>>>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/').strip_prefix(PREFIX).unwrap_or("").trim_start_matches('/').to_string();
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let mut repo = repo.lock().unwrap_or_else(|p| p.into_inner());
    repo.requests.push(RepoRequest { path: path.clone(), range: range.clone() });
    let Some(bytes) = repo.files.get(&path).cloned() else {
        return (StatusCode::NOT_FOUND, "Entry not found").into_response();
    };
    if range.is_none() && repo.stall.as_ref().is_some_and(|(p, _)| *p == path) {
        let cut = repo.stall.take().map_or(0, |(_, n)| n.min(bytes.len()));
        let head = futures_util::stream::iter([Ok::<_, std::io::Error>(axum::body::Bytes::from(bytes[..cut].to_vec()))]);
        let body = axum::body::Body::from_stream(futures_util::StreamExt::chain(head, futures_util::stream::pending()));
        return (StatusCode::OK, [(header::CONTENT_LENGTH, bytes.len().to_string())], body).into_response();
    }
    let from = range.filter(|_| !repo.ignore_ranges).and_then(|r| r.strip_prefix("bytes=")?.strip_suffix('-')?.parse::<usize>().ok());
    match from {
        None => (StatusCode::OK, [(header::ACCEPT_RANGES, "bytes".to_string())], bytes).into_response(),
        Some(from) if from >= bytes.len() => {
            (StatusCode::RANGE_NOT_SATISFIABLE, [(header::CONTENT_RANGE, format!("bytes */{}", bytes.len()))], Vec::new()).into_response()
        }
        Some(from) => {
            let content_range = format!("bytes {from}-{}/{}", bytes.len() - 1, bytes.len());
            (StatusCode::PARTIAL_CONTENT, [(header::CONTENT_RANGE, content_range)], bytes[from..].to_vec()).into_response()
        }
    }
}
