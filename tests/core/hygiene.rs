//! Hygiene. Network: a black-holed server counts as offline after the connect timeout, a
//! redirect never takes the key to another server, and a picture that claims absurd dimensions
//! is refused before anything decodes it. Secrets: no `Debug` prints a key. Files: the data
//! dir and its private files are owner-only.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use deckmedia_core::anki::AnkiClient;
use deckmedia_core::config::Config;
use deckmedia_core::events::Event;
use deckmedia_core::providers::elevenlabs::{ElevenLabsConfig, ElevenLabsProvider};
use deckmedia_core::providers::openai::{OpenAiConfig, OpenAiProvider};
use deckmedia_core::providers::{MediaRequest, Provider, ProviderError};
use deckmedia_core::{Core, MediaKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::support::*;

const KEY: &str = "sk-hygiene-0123456789abcdef";
const LIMIT: Duration = Duration::from_secs(20);

/// A listening socket that never accepts, with its accept queue full: the kernel drops every
/// further SYN, so a connection to it neither opens nor fails, as on a black-holed network.
struct BlackHole {
    addr: SocketAddr,
    _listener: TcpListener,
    _fillers: Vec<TcpStream>,
}

async fn black_hole() -> BlackHole {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    // Connect until one does not complete: from then on the queue is full.
    for _ in 0..64 {
        match tokio::time::timeout(Duration::from_millis(500), TcpStream::connect(addr)).await {
            Ok(Ok(s)) => fillers.push(s),
            Ok(Err(e)) => panic!("connecting to the black hole failed outright: {e}"),
            Err(_) => return BlackHole { addr, _listener: listener, _fillers: fillers },
        }
    }
    panic!("the accept queue never filled");
}

/// A raw HTTP server that records every request (head and body, as text) and answers each
/// with `answer(request)`.
struct RawServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
}

async fn raw_server(answer: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let (answer, seen) = (Arc::new(answer), requests.clone());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (answer, seen) = (answer.clone(), seen.clone());
            tokio::spawn(async move {
                let Some(request) = read_request(&mut stream).await else { return };
                seen.lock().unwrap().push(request.clone());
                let _ = stream.write_all(&answer(&request)).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    RawServer { addr, requests }
}

async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return Some(text);
            }
        }
    }
}

fn http_answer(status: &str, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

fn openai(base: String, kind: MediaKind, connect_timeout: Duration) -> OpenAiProvider {
    let config =
        OpenAiConfig { base_url: base, api_key: Some(KEY.into()), timeout: Duration::from_secs(60), connect_timeout, ..OpenAiConfig::for_kind(kind) };
    OpenAiProvider::new(kind, config).unwrap()
}

fn elevenlabs(base: String, connect_timeout: Duration) -> ElevenLabsProvider {
    let config = ElevenLabsConfig { base_url: base, api_key: Some(KEY.into()), timeout: Duration::from_secs(60), connect_timeout, ..Default::default() };
    ElevenLabsProvider::new(config).unwrap()
}

fn word(kind: MediaKind) -> MediaRequest {
    MediaRequest { kind, text: "Apfel".into(), language: "de".into(), translation: None }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_black_holed_server_is_unreachable_after_the_connect_timeout_not_the_request_timeout() {
    let hole = black_hole().await;
    let base = format!("http://{}/v1", hole.addr);
    let providers: Vec<Box<dyn Provider>> = vec![
        Box::new(openai(base.clone(), MediaKind::Audio, Duration::from_millis(300))),
        Box::new(elevenlabs(base.clone(), Duration::from_millis(300))),
    ];
    for p in providers {
        let started = Instant::now();
        let result = within(LIMIT, p.generate(&word(MediaKind::Audio), &CancellationToken::new())).await;
        match result {
            Err(ProviderError::Unreachable { message }) => {
                assert!(message.contains("could not connect to") && message.contains("within 300ms"), "{}: {message}", p.name());
                assert!(!message.contains(KEY));
            }
            other => panic!("{}: expected unreachable, got {other:?}", p.name()),
        }
        // Well before the 60 s request timeout.
        assert!(started.elapsed() < Duration::from_secs(10), "{}: took {:?}", p.name(), started.elapsed());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_waits_for_the_network_when_the_server_is_black_holed() {
    let hole = black_hole().await;
    let mut config = Config::default();
    config.audio.provider = deckmedia_core::ProviderKind::OpenAi;
    config.audio.base_url = format!("http://{}/v1", hole.addr);
    config.audio.timeout_secs = 600;
    config.audio.connect_timeout_secs = 1;
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), config).unwrap();
    let deck = deck_with(&core, "D", 2);
    core.generate(deck, &[MediaKind::Audio], false).unwrap();
    let mut rx = core.subscribe();
    let stop = CancellationToken::new();
    let worker = tokio::spawn(core.worker().unwrap().run(stop.clone()));
    wait_event(&mut rx, LIMIT, |e| matches!(e, Event::QueueState { waiting_for_network: true, .. }).then_some(())).await;
    assert_eq!(query_i64(dir.path(), "SELECT COALESCE(SUM(attempts), 0) FROM jobs"), 0, "no attempt spent");
    stop.cancel();
    within(LIMIT, worker).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_never_takes_the_key_to_another_server() {
    let elsewhere = raw_server(|_| http_answer("200 OK", &[], b"{}")).await;
    let target = format!("http://{}", elsewhere.addr);
    let redirector = raw_server(move |req| {
        let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
        http_answer("307 Temporary Redirect", &[("Location", format!("{target}{path}"))], b"")
    })
    .await;
    let base = format!("http://{}/v1", redirector.addr);
    let providers: Vec<(Box<dyn Provider>, MediaKind)> = vec![
        (Box::new(openai(base.clone(), MediaKind::Image, Duration::from_secs(5))), MediaKind::Image),
        (Box::new(openai(base.clone(), MediaKind::Audio, Duration::from_secs(5))), MediaKind::Audio),
        (Box::new(elevenlabs(base.clone(), Duration::from_secs(5))), MediaKind::Audio),
    ];
    for (p, kind) in providers {
        match within(LIMIT, p.generate(&word(kind), &CancellationToken::new())).await {
            Err(ProviderError::Permanent { message }) => {
                assert!(message.contains("redirected to http://127.0.0.1") && !message.contains(KEY), "{}: {message}", p.name());
            }
            other => panic!("{}: expected a permanent error, got {other:?}", p.name()),
        }
    }
    // AnkiConnect's key travels in the JSON body, which a 307 would send again.
    let anki = AnkiClient::new(&format!("http://{}", redirector.addr), Some(KEY.into()), Duration::from_secs(5)).unwrap();
    let err = tokio::task::spawn_blocking(move || anki.call("version", serde_json::json!({}))).await.unwrap().unwrap_err();
    assert!(err.to_string().contains("307"), "{err}");

    let asked = redirector.requests.lock().unwrap().clone();
    assert_eq!(asked.len(), 4);
    assert!(asked.iter().all(|r| r.contains(KEY)), "the configured server got the key");
    assert!(elsewhere.requests.lock().unwrap().is_empty(), "nothing reached the other server");
}

/// A PNG signature and IHDR chunk claiming `w`×`h`.
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend_from_slice(&w.to_be_bytes());
    b.extend_from_slice(&h.to_be_bytes());
    b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_claiming_absurd_dimensions_is_refused_before_decoding() {
    let answer = |w: u32, h: u32| {
        let b64 = base64::engine::general_purpose::STANDARD.encode(png_header(w, h));
        let body = serde_json::json!({ "created": 1, "data": [{ "b64_json": b64 }] }).to_string();
        http_answer("200 OK", &[("Content-Type", "application/json".into())], body.as_bytes())
    };
    let huge = raw_server(move |_| answer(100_000, 100_000)).await;
    let p = openai(format!("http://{}/v1", huge.addr), MediaKind::Image, Duration::from_secs(5));
    match within(LIMIT, p.generate(&word(MediaKind::Image), &CancellationToken::new())).await {
        Err(ProviderError::Permanent { message }) => assert!(message.contains("100000×100000"), "{message}"),
        other => panic!("expected a permanent error, got {other:?}"),
    }
    // A sane header passes this check (the bytes are still only a header: the store takes them).
    let fine = raw_server(move |_| answer(512, 512)).await;
    let p = openai(format!("http://{}/v1", fine.addr), MediaKind::Image, Duration::from_secs(5));
    assert!(within(LIMIT, p.generate(&word(MediaKind::Image), &CancellationToken::new())).await.is_ok());
}

// ---- private files ------------------------------------------------------------------------------

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn the_data_dir_and_its_private_files_are_owner_only_when_made_and_when_found_open() {
    use std::os::unix::fs::PermissionsExt;
    let set = |p: &std::path::Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    let parent = tempfile::tempdir().unwrap();
    set(parent.path(), 0o755);
    let data = parent.path().join("data");
    let private = ["deckmedia.sqlite3", "deckmedia.sqlite3-wal", "deckmedia.sqlite3-shm"];

    // Made fresh.
    let core = Core::open_with_config(&data, Config::default()).unwrap();
    deck_with(&core, "D", 3);
    assert_eq!(mode(&data), 0o700, "the data dir");
    for f in private {
        assert_eq!(mode(&data.join(f)), 0o600, "{f}");
    }
    core.save_config(&Config::default()).unwrap();
    assert_eq!(mode(&data.join("config.toml")), 0o600, "config.toml as saved");

    // Found open (an older version, a lax umask), while the first core still holds the
    // database (so its -wal and -shm are there): fixed when the next one opens.
    set(&data, 0o755);
    for f in private.iter().chain(&["config.toml"]) {
        set(&data.join(f), 0o644);
    }
    std::fs::write(data.join("keys.json"), "{}").unwrap();
    set(&data.join("keys.json"), 0o644);
    std::fs::create_dir(data.join("logs")).unwrap();
    std::fs::write(data.join("logs/deckmedia.2026-01-01.log"), "x").unwrap();
    set(&data.join("logs/deckmedia.2026-01-01.log"), 0o644);
    let second = Core::open_with_config(&data, Config::default()).unwrap();
    assert_eq!(mode(&data), 0o700);
    for f in private.iter().chain(&["config.toml", "keys.json", "logs/deckmedia.2026-01-01.log"]) {
        assert_eq!(mode(&data.join(f)), 0o600, "{f}");
    }
    assert_eq!(mode(&data.join("logs")), 0o700);
    drop(second);
    assert_eq!(core.list_decks().unwrap().len(), 1, "the database still opens");
}

// ---- secrets in Debug output --------------------------------------------------------------------

#[test]
fn no_debug_output_prints_a_key() {
    use deckmedia_core::anki::PushOptions;
    use deckmedia_core::config::Secret;
    let mut config = Config::default();
    for p in [&mut config.image, &mut config.audio] {
        p.provider = deckmedia_core::ProviderKind::OpenAi;
        p.base_url = "http://127.0.0.1:9/v1".into();
        p.api_key = Some(Secret::new(KEY));
    }
    config.audio.provider = deckmedia_core::ProviderKind::ElevenLabs;
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), config.clone()).unwrap();
    let anki = PushOptions { api_key: Some(KEY.into()), ..Default::default() };
    let openai = OpenAiConfig { api_key: Some(KEY.into()), ..OpenAiConfig::default() };
    let eleven = ElevenLabsConfig { api_key: Some(KEY.into()), ..Default::default() };
    let outputs = [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{:?}", core.providers()),
        format!("{anki:?}"),
        format!("{openai:?}"),
        format!("{:?}", OpenAiProvider::new(MediaKind::Image, openai.clone()).unwrap()),
        format!("{eleven:?}"),
        format!("{core:?}"),
    ];
    for out in outputs {
        assert!(!out.contains(KEY) && !out.contains(&KEY[3..]), "a key in Debug output: {out}");
    }
}
