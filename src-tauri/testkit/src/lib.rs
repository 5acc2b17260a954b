//! A real local HTTP fake of an OpenAI-compatible media provider, for integration tests and
//! benchmarks.
//!
//! [`FakeProvider::start`] binds `127.0.0.1:0` (never another address) and serves
//! `POST /v1/images/generations` (answers a valid, per-word PNG as `b64_json`) and
//! `POST /v1/audio/speech` (answers a valid, per-word MP3, or WAV for `response_format: "wav"`).
//! A [`Behavior`] adds latency (and jitter), a concurrency limit and a per-second rate limit
//! answered with 429 (bare, or with `Retry-After`; OpenAI's rate headers on request), per-word
//! faults and a "hold" gate; the fake records every request and its peak concurrency, and tests wait on
//! counters through `watch` channels instead of sleeping.
//!
//! What it deliberately does not do: check API keys (use a `Status(401)` fault), serve image
//! URLs, or encode real pictures and speech. The media bytes are small but well-formed, and
//! [`is_valid_png`], [`is_valid_mp3`] and [`is_valid_wav`] check them structurally.
//!
//! Counting rules: every request that reaches an endpoint is recorded and counted in
//! `requests` (and `images` or `audio`); it is then either `rejected` (429 by
//! `max_concurrency` or `per_second`) or `accepted`. Accepted requests are in flight until their answer is
//! produced or the client goes away; they wait for `hold`, then `latency`, then answer with the
//! first matching fault (or success).

pub mod anki;
mod media;
pub mod openverse;
pub mod wikimedia;
pub mod voices;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use base64::Engine as _;
use serde_json::{json, Value};
use tokio::sync::watch;

pub use voices::{FakeVoiceRepo, RepoRequest};
pub use anki::{AnkiBehavior, AnkiCall, AnkiFault, AnkiFaultKind, FakeAnki, FakeNote};
pub use openverse::{FakeOpenverse, OpenverseImage, OpenverseRequest};
pub use wikimedia::{recording_wav, FakeWikimedia, WikiFile, WikiForm, WikiItem, WikiLexeme, WikiRequest};
pub use media::{is_valid_mp3, is_valid_png, is_valid_wav, mp3_for_word, png_for_word, wav_for_word};

/// How the fake answers. `Behavior::default()` answers every request at once with valid media.
#[derive(Clone, Debug, Default)]
pub struct Behavior {
    /// Each accepted request waits this long before answering (after `hold`).
    pub latency: Duration,
    /// When `Some(n)`: a request arriving while `n` requests are already in flight (across both
    /// endpoints) gets 429 at once (with `overflow_retry_after`), counted in [`Stats::rejected`].
    pub max_concurrency: Option<usize>,
    /// When `Some(n)`: at most `n` requests are accepted per second (fixed one-second windows
    /// from the fake's start); the others get 429 at once, like a concurrency overflow.
    pub per_second: Option<usize>,
    /// The `Retry-After` (seconds) of the 429 for a `max_concurrency` or `per_second` overflow;
    /// `None` answers a bare 429.
    pub overflow_retry_after: Option<u64>,
    /// Accepted requests wait `latency` plus a random part of up to this (uniform).
    pub jitter: Duration,
    /// With `per_second`: every answer carries OpenAI's `x-ratelimit-remaining-requests` and
    /// `x-ratelimit-reset-requests` (e.g. `340ms`) for the current second.
    pub rate_headers: bool,
    /// The first matching fault applies; a fault whose `times` are used up no longer matches.
    pub faults: Vec<Fault>,
    /// When true, accepted requests wait until [`FakeProvider::release_held`] (pause/cancel tests).
    pub hold: bool,
    /// When `Some(n)`: the account allows `n` answers; every accepted request after that gets
    /// [`FaultAction::OutOfQuota`] (faults listed in `faults` still come first).
    pub quota: Option<usize>,
}

/// A deliberate failure for requests whose word contains `word_contains`.
#[derive(Clone, Debug)]
pub struct Fault {
    /// Matched against the word: the audio `input`, or the image `prompt` (substring).
    pub word_contains: String,
    pub action: FaultAction,
    /// Apply to the first N matching requests only (`None` = always).
    pub times: Option<u32>,
}

impl Fault {
    /// A fault that always applies to words containing `word_contains`.
    pub fn always(word_contains: impl Into<String>, action: FaultAction) -> Fault {
        Fault { word_contains: word_contains.into(), action, times: None }
    }
    /// A fault that applies to the first `times` matching requests only.
    pub fn times(word_contains: impl Into<String>, action: FaultAction, times: u32) -> Fault {
        Fault { word_contains: word_contains.into(), action, times: Some(times) }
    }
}

#[derive(Clone, Debug)]
pub enum FaultAction {
    /// Answer this status with an OpenAI-style error body.
    Status(u16),
    /// Answer this status with `Retry-After: <secs>`.
    StatusRetryAfter(u16, u64),
    /// Never answer, until the client drops the connection or the fake is dropped.
    Hang,
    /// 200 OK with bytes that are not media: for images JSON whose `b64_json` is not an image,
    /// for audio a `text/html` page.
    Garbage,
    /// 200 OK with an empty body.
    EmptyBody,
    /// The account's quota is used up, in the service's real shape: OpenAI answers 429
    /// `{"error":{"message":"You exceeded your current quota…","type":"insufficient_quota",
    /// "param":null,"code":"insufficient_quota"}}` (no `Retry-After`), ElevenLabs 401
    /// `{"detail":{"status":"quota_exceeded","message":"This request exceeds your quota…"}}`.
    OutOfQuota,
    /// The key is refused, in the service's real shape: OpenAI 401 with
    /// `"code":"invalid_api_key"`, ElevenLabs 401 `{"detail":{"status":"invalid_api_key",…}}`.
    KeyRejected,
}

/// Counters since the fake started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Every request that reached an endpoint (accepted + rejected).
    pub requests: usize,
    pub images: usize,
    pub audio: usize,
    pub accepted: usize,
    /// Answered 429 at once because `max_concurrency` requests were in flight or the
    /// `per_second` budget was used up.
    pub rejected: usize,
    pub peak_in_flight: usize,
    pub in_flight: usize,
}

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// e.g. `/v1/audio/speech`.
    pub path: String,
    /// The `Authorization` header, verbatim.
    pub authorization: Option<String>,
    /// The JSON body (`Value::Null` when it was not JSON).
    pub body: Value,
    /// The audio `input` or the image `prompt` (empty when missing).
    pub word: String,
    pub at: Instant,
}

/// A running fake provider. Dropping it stops the server and ends hanging or held requests.
pub struct FakeProvider {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

struct Shared {
    /// The behaviour and, per fault, how many requests it has been applied to.
    behavior: Mutex<(Behavior, Vec<u32>)>,
    /// Counters; waiters subscribe to it, so a change can never be missed.
    stats: watch::Sender<Stats>,
    requests: Mutex<Vec<RecordedRequest>>,
    /// Bumped by `release_held`; a held request waits until it differs from its value at arrival.
    release_generation: watch::Sender<u64>,
    /// Set when the fake is dropped.
    shutdown: watch::Sender<bool>,
    /// Requests counted against `Behavior::quota` (reset by `set_behavior`).
    quota_used: std::sync::atomic::AtomicUsize,
    /// The `per_second` window: (second since `started`, requests accepted in it).
    rate: Mutex<(u64, usize)>,
    started: Instant,
    /// Drives the jitter (splitmix64 over a counter: no RNG crate needed).
    jitter_seed: std::sync::atomic::AtomicU64,
}

impl FakeProvider {
    /// Starts the server on the current tokio runtime (spawned task); returns once listening.
    ///
    /// Panics when 127.0.0.1 cannot be bound: a test setup failure, not a normal path.
    pub async fn start(behavior: Behavior) -> FakeProvider {
        Self::start_at(SocketAddr::from(([127, 0, 0, 1], 0)), behavior).await
    }

    /// A port on 127.0.0.1 where nothing listens (yet): for "the server is down" tests, then
    /// [`FakeProvider::start_at`] it to bring the server "back".
    pub fn free_port() -> SocketAddr {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("fake provider: bind 127.0.0.1:0");
        listener.local_addr().expect("fake provider: local address")
    }

    /// Like [`FakeProvider::start`] on a given loopback address.
    pub async fn start_at(addr: SocketAddr, behavior: Behavior) -> FakeProvider {
        assert!(addr.ip().is_loopback(), "the fake provider only listens on loopback");
        let listener = tokio::net::TcpListener::bind(addr).await.expect("fake provider: bind");
        let addr = listener.local_addr().expect("fake provider: local address");
        let faults = vec![0; behavior.faults.len()];
        let shared = Arc::new(Shared {
            behavior: Mutex::new((behavior, faults)),
            stats: watch::Sender::new(Stats::default()),
            requests: Mutex::new(Vec::new()),
            release_generation: watch::Sender::new(0),
            shutdown: watch::Sender::new(false),
            quota_used: std::sync::atomic::AtomicUsize::new(0),
            rate: Mutex::new((0, 0)),
            started: Instant::now(),
            jitter_seed: std::sync::atomic::AtomicU64::new(0x5eed),
        });
        let app = Router::new()
            .route("/v1/images/generations", post(images))
            .route("/v1/audio/speech", post(speech))
            .route("/v1/text-to-speech/{voice_id}", post(eleven_speech))
            .fallback(|| async { error_response(404, "fake provider: no such endpoint", None) })
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                eprintln!("fake provider: server stopped: {err}");
            }
        });
        FakeProvider { addr, shared, server }
    }

    /// Base URL including the /v1 prefix, e.g. `http://127.0.0.1:41234/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the behaviour for requests arriving from now on (fault counts start again).
    /// Requests already held stay held until [`release_held`](Self::release_held).
    pub fn set_behavior(&self, behavior: Behavior) {
        let faults = vec![0; behavior.faults.len()];
        let mut guard = lock(&self.shared.behavior);
        self.shared.quota_used.store(0, std::sync::atomic::Ordering::SeqCst);
        *guard = (behavior, faults);
    }

    pub fn stats(&self) -> Stats {
        *self.shared.stats.borrow()
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Resolves when at least `n` requests have arrived.
    pub async fn wait_for_requests(&self, n: usize) {
        self.wait_for_stats(|s| s.requests >= n).await
    }

    /// Resolves when at least `n` requests are in flight at the same moment. Meant for held or
    /// slow requests; for "was the limit ever reached", read [`Stats::peak_in_flight`].
    pub async fn wait_for_in_flight(&self, n: usize) {
        self.wait_for_stats(|s| s.in_flight >= n).await
    }

    /// Resolves when the counters satisfy `condition` (checked at once, then on every change).
    pub async fn wait_for_stats(&self, condition: impl FnMut(&Stats) -> bool) {
        let mut rx = self.shared.stats.subscribe();
        // The sender lives in `self`, so the channel cannot close while we wait.
        let _ = rx.wait_for(condition).await;
    }

    /// Releases every request held by `Behavior::hold` so far. Requests arriving later while
    /// `hold` is still set are held again.
    pub fn release_held(&self) {
        self.shared.release_generation.send_modify(|g| *g += 1);
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        self.shared.shutdown.send_replace(true);
        self.server.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not make every later assertion fail with PoisonError.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Images,
    Speech,
    /// ElevenLabs `POST /v1/text-to-speech/{voice_id}` (`xi-api-key` header, `{"text", "model_id"}`).
    ElevenSpeech,
}

/// What the fake decided for one request at arrival.
enum Decision {
    Rejected { retry_after: Option<u64>, budget: Option<RateHeaders> },
    Accepted { guard: InFlight, fault: Option<FaultAction>, hold: Option<u64>, latency: Duration, budget: Option<RateHeaders> },
}

/// The `per_second` budget as the rate headers state it.
#[derive(Clone, Copy)]
struct RateHeaders {
    remaining: usize,
    reset: Duration,
}

impl RateHeaders {
    fn apply(self, response: &mut Response) {
        let headers = response.headers_mut();
        if let Ok(v) = header::HeaderValue::from_str(&self.remaining.to_string()) {
            headers.insert("x-ratelimit-remaining-requests", v);
        }
        if let Ok(v) = header::HeaderValue::from_str(&format!("{}ms", self.reset.as_micros().div_ceil(1000))) {
            headers.insert("x-ratelimit-reset-requests", v);
        }
    }
}

/// Counts a request as in flight until dropped (answered, or the client went away).
struct InFlight(Arc<Shared>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.stats.send_modify(|s| s.in_flight -= 1);
    }
}

impl Shared {
    fn arrive(self: &Arc<Self>, endpoint: Endpoint, headers: &HeaderMap, body: &Value, word: &str) -> Decision {
        let recorded = RecordedRequest {
            path: match endpoint {
                Endpoint::Images => "/v1/images/generations".into(),
                Endpoint::Speech => "/v1/audio/speech".into(),
                Endpoint::ElevenSpeech => format!("/v1/text-to-speech/{}", body.get("__voice_id").and_then(Value::as_str).unwrap_or("")),
            },
            authorization: headers
                .get(header::AUTHORIZATION)
                .or_else(|| headers.get("xi-api-key"))
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
            body: body.clone(),
            word: word.to_owned(),
            at: Instant::now(),
        };
        // One lock order everywhere: behavior, then stats, then requests. Holding the behaviour
        // lock across the decision makes "first N matching requests" exact under concurrency.
        let mut guard = lock(&self.behavior);
        let (behavior, hits) = &mut *guard;
        // Read before the request counts as in flight: a test that sees it in flight and then
        // calls `release_held` must release it.
        let hold = behavior.hold.then(|| *self.release_generation.borrow());
        let mut accepted = false;
        let elapsed = self.started.elapsed();
        let mut rate = lock(&self.rate);
        if rate.0 != elapsed.as_secs() {
            *rate = (elapsed.as_secs(), 0);
        }
        let rate_full = behavior.per_second.is_some_and(|n| rate.1 >= n);
        // Recording and counting happen under the watch lock so waiters see both at once.
        self.stats.send_modify(|s| {
            lock(&self.requests).push(recorded);
            s.requests += 1;
            match endpoint {
                Endpoint::Images => s.images += 1,
                Endpoint::Speech | Endpoint::ElevenSpeech => s.audio += 1,
            }
            if rate_full || behavior.max_concurrency.is_some_and(|max| s.in_flight >= max) {
                s.rejected += 1;
            } else {
                accepted = true;
                s.accepted += 1;
                s.in_flight += 1;
                s.peak_in_flight = s.peak_in_flight.max(s.in_flight);
            }
        });
        if accepted {
            rate.1 += 1;
        }
        let budget = behavior.per_second.filter(|_| behavior.rate_headers).map(|n| RateHeaders {
            remaining: n.saturating_sub(rate.1),
            reset: Duration::from_secs(elapsed.as_secs() + 1).saturating_sub(elapsed),
        });
        drop(rate);
        if !accepted {
            return Decision::Rejected { retry_after: behavior.overflow_retry_after, budget };
        }
        let guard_in_flight = InFlight(self.clone());
        let index = (0..behavior.faults.len()).find(|&i| {
            let fault = &behavior.faults[i];
            word.contains(&fault.word_contains) && fault.times.is_none_or(|t| hits[i] < t)
        });
        let mut fault = index.map(|i| {
            hits[i] += 1;
            behavior.faults[i].action.clone()
        });
        if fault.is_none() {
            if let Some(quota) = behavior.quota {
                // Counted under the behaviour lock, so exactly `quota` requests get through.
                if self.quota_used.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= quota {
                    fault = Some(FaultAction::OutOfQuota);
                }
            }
        }
        let latency = behavior.latency + behavior.jitter.mul_f64(self.random01());
        Decision::Accepted { guard: guard_in_flight, fault, hold, latency, budget }
    }

    /// A uniform number in [0, 1).
    fn random01(&self) -> f64 {
        let mut z = self.jitter_seed.fetch_add(0x9e37_79b9_7f4a_7c15, std::sync::atomic::Ordering::Relaxed);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Resolves when the fake is dropped.
    fn shutdown(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.shutdown.subscribe();
        async move {
            let _ = rx.wait_for(|stopped| *stopped).await;
        }
    }
}

async fn images(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    handle(shared, Endpoint::Images, headers, body).await
}

async fn speech(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    handle(shared, Endpoint::Speech, headers, body).await
}

async fn eleven_speech(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path(voice_id): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if let Some(obj) = json.as_object_mut() {
        // Carried to the recording only (the path holds the voice); removed before answering.
        obj.insert("__voice_id".into(), Value::String(voice_id));
    }
    let body = Bytes::from(serde_json::to_vec(&json).unwrap_or_default());
    handle(shared, Endpoint::ElevenSpeech, headers, body).await
}

async fn handle(shared: Arc<Shared>, endpoint: Endpoint, headers: HeaderMap, body: Bytes) -> Response {
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let word_field = match endpoint {
        Endpoint::Images => "prompt",
        Endpoint::Speech => "input",
        Endpoint::ElevenSpeech => "text",
    };
    let word = json.get(word_field).and_then(Value::as_str).unwrap_or("").to_owned();
    let (_guard, fault, hold, latency, budget) = match shared.arrive(endpoint, &headers, &json, &word) {
        Decision::Rejected { retry_after, budget } => {
            let mut response = endpoint_error(endpoint, 429, "fake provider: too many concurrent requests", retry_after);
            if let Some(b) = budget {
                b.apply(&mut response);
            }
            return response;
        }
        Decision::Accepted { guard, fault, hold, latency, budget } => (guard, fault, hold, latency, budget),
    };
    // Everything below may be cut short by the fake being dropped; a client that goes away
    // drops this future (and the in-flight guard) instead.
    let answer = async {
        if let Some(generation) = hold {
            let mut rx = shared.release_generation.subscribe();
            let _ = rx.wait_for(|g| *g != generation).await;
        }
        tokio::time::sleep(latency).await;
        match fault {
            None => success(endpoint, &json, &word),
            Some(FaultAction::Status(status)) => endpoint_error(endpoint, status, &fault_message(status), None),
            Some(FaultAction::StatusRetryAfter(status, secs)) => {
                endpoint_error(endpoint, status, &fault_message(status), Some(secs))
            }
            Some(FaultAction::Hang) => std::future::pending().await,
            Some(FaultAction::Garbage) => garbage(endpoint),
            Some(FaultAction::OutOfQuota) => out_of_quota(endpoint),
            Some(FaultAction::KeyRejected) => key_rejected(endpoint),
            Some(FaultAction::EmptyBody) => {
                let mime = if endpoint == Endpoint::Images { "application/json" } else { "audio/mpeg" };
                ([(header::CONTENT_TYPE, mime)], Body::empty()).into_response()
            }
        }
    };
    let mut response = tokio::select! {
        response = answer => response,
        _ = shared.shutdown() => error_response(503, "fake provider: shutting down", None),
    };
    if let Some(b) = budget {
        b.apply(&mut response);
    }
    response
}

fn success(endpoint: Endpoint, json: &Value, word: &str) -> Response {
    if json.is_null() {
        return error_response(400, "fake provider: the body is not JSON", None);
    }
    match endpoint {
        Endpoint::Images => {
            // gpt-image-* models take no response_format and always answer b64_json.
            let gpt_image = json.get("model").and_then(Value::as_str).is_some_and(|m| m.starts_with("gpt-image"));
            let format = json.get("response_format").and_then(Value::as_str).unwrap_or(if gpt_image { "b64_json" } else { "url" });
            if format != "b64_json" {
                return error_response(400, "fake provider: only response_format b64_json is served", None);
            }
            let n = json.get("n").and_then(Value::as_u64).unwrap_or(1).clamp(1, 4);
            let data: Vec<Value> = (0..n)
                .map(|_| json!({ "b64_json": base64::engine::general_purpose::STANDARD.encode(png_for_word(word)) }))
                .collect();
            let created = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            axum::Json(json!({ "created": created, "data": data })).into_response()
        }
        Endpoint::ElevenSpeech => {
            if json.get("text").and_then(Value::as_str).is_none_or(str::is_empty) {
                return endpoint_error(endpoint, 400, "text is required", None);
            }
            ([(header::CONTENT_TYPE, "audio/mpeg")], mp3_for_word(word)).into_response()
        }
        Endpoint::Speech => match json.get("response_format").and_then(Value::as_str).unwrap_or("mp3") {
            // Another voice says the word differently (its recording differs); the default
            // voice's recording is the word's own.
            "mp3" => match json.get("voice").and_then(Value::as_str).filter(|v| *v != "alloy") {
                Some(voice) => ([(header::CONTENT_TYPE, "audio/mpeg")], mp3_for_word(&format!("{word} ({voice})"))).into_response(),
                None => ([(header::CONTENT_TYPE, "audio/mpeg")], mp3_for_word(word)).into_response(),
            },
            "wav" => ([(header::CONTENT_TYPE, "audio/wav")], wav_for_word(word)).into_response(),
            other => error_response(400, &format!("fake provider: response_format {other} is not served"), None),
        },
    }
}

fn garbage(endpoint: Endpoint) -> Response {
    match endpoint {
        Endpoint::Images => {
            let b64 = base64::engine::general_purpose::STANDARD.encode(b"<html>this is not an image</html>");
            axum::Json(json!({ "created": 0, "data": [{ "b64_json": b64 }] })).into_response()
        }
        Endpoint::Speech | Endpoint::ElevenSpeech => ([(header::CONTENT_TYPE, "text/html")], "<html>oops</html>").into_response(),
    }
}

/// The service's own "quota used up" answer (see [`FaultAction::OutOfQuota`]).
fn out_of_quota(endpoint: Endpoint) -> Response {
    if endpoint == Endpoint::ElevenSpeech {
        let message = "This request exceeds your quota of 10000. You have 3 credits remaining, while 12 credits are required for this request.";
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({ "detail": { "status": "quota_exceeded", "message": message } }))).into_response();
    }
    let message = "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.";
    let body = json!({ "error": { "message": message, "type": "insufficient_quota", "param": null, "code": "insufficient_quota" } });
    (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response()
}

/// The service's own "key refused" answer (see [`FaultAction::KeyRejected`]).
fn key_rejected(endpoint: Endpoint) -> Response {
    if endpoint == Endpoint::ElevenSpeech {
        let body = json!({ "detail": { "status": "invalid_api_key", "message": "Invalid API key" } });
        return (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    }
    let message = "Incorrect API key provided: sk-fake***1234. You can find your API key at https://platform.openai.com/account/api-keys.";
    let body = json!({ "error": { "message": message, "type": "invalid_request_error", "param": null, "code": "invalid_api_key" } });
    (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
}

fn fault_message(status: u16) -> String {
    match status {
        401 => "Incorrect API key provided: sk-fake***1234.".into(),
        429 => "Rate limit reached for requests.".into(),
        s if s >= 500 => "The server had an error while processing your request.".into(),
        s => format!("fake provider: fault status {s}"),
    }
}

/// The error shape of the endpoint's service: ElevenLabs answers
/// `{"detail":{"status":…,"message":…}}`, the OpenAI endpoints their own shape.
fn endpoint_error(endpoint: Endpoint, status: u16, message: &str, retry_after: Option<u64>) -> Response {
    if endpoint != Endpoint::ElevenSpeech {
        return error_response(status, message, retry_after);
    }
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let kind = match status {
        401 => "invalid_api_key",
        429 => "too_many_concurrent_requests",
        _ => "error",
    };
    let mut response = (code, axum::Json(json!({ "detail": { "status": kind, "message": message } }))).into_response();
    if let Some(secs) = retry_after {
        if let Ok(v) = header::HeaderValue::from_str(&secs.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    response
}

/// An OpenAI-style error: `{"error":{"message":...,"type":...,"code":null}}`.
fn error_response(status: u16, message: &str, retry_after: Option<u64>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let kind = if status.is_server_error() { "server_error" } else { "invalid_request_error" };
    let body = json!({ "error": { "message": message, "type": kind, "param": null, "code": null } });
    let mut response = (status, axum::Json(body)).into_response();
    if let Some(secs) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, secs.into());
    }
    response
}

#[cfg(test)]
mod tests;
