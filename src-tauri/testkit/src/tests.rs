//! Self-tests of the fake: the media it makes is valid, and its behaviour knobs do what they say.
//! The client is a few lines of raw HTTP/1.1 over a `TcpStream`, so the kit needs no HTTP client.

use super::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

async fn post(fake: &FakeProvider, path: &str, body: Value) -> Answer {
    let mut stream = tokio::net::TcpStream::connect(fake.addr()).await.unwrap();
    let body = body.to_string();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer sk-test\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        fake.addr(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete HTTP answer");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head[9..12].parse().unwrap();
    Answer { status, head, body: raw[split + 4..].to_vec() }
}

fn speech(word: &str) -> Value {
    json!({ "model": "tts-1", "input": word, "voice": "alloy", "response_format": "mp3" })
}

fn image(word: &str) -> Value {
    json!({ "model": "dall-e-2", "prompt": word, "n": 1, "size": "256x256", "response_format": "b64_json" })
}

fn decode_image(answer: &Answer) -> Vec<u8> {
    let json: Value = serde_json::from_slice(&answer.body).unwrap();
    let b64 = json["data"][0]["b64_json"].as_str().unwrap();
    base64::engine::general_purpose::STANDARD.decode(b64).unwrap()
}

#[test]
fn generated_media_is_valid_and_differs_per_word() {
    for word in ["apple", "Äpfel", "яблоко", ""] {
        assert!(is_valid_png(&png_for_word(word)), "png for {word:?}");
        assert!(is_valid_mp3(&mp3_for_word(word)), "mp3 for {word:?}");
        assert!(is_valid_wav(&wav_for_word(word)), "wav for {word:?}");
    }
    assert_ne!(png_for_word("apple"), png_for_word("pear"));
    assert_ne!(mp3_for_word("apple"), mp3_for_word("pear"));
    assert_ne!(wav_for_word("apple"), wav_for_word("pear"));
}

#[test]
fn validators_reject_damaged_or_foreign_bytes() {
    let png = png_for_word("apple");
    let mut bad_crc = png.clone();
    bad_crc[30] ^= 1;
    assert!(!is_valid_png(&bad_crc));
    assert!(!is_valid_png(&png[..png.len() - 1]));
    let mp3 = mp3_for_word("apple");
    let tag_end = mp3.len() - 5 * 417;
    assert!(!is_valid_mp3(&mp3[..tag_end + 200]), "a frame cut short");
    assert!(is_valid_mp3(&mp3[tag_end..]), "frames without a tag");
    assert!(!is_valid_mp3(&mp3[..tag_end]), "a tag without frames");
    for foreign in [&b"<html>oops</html>"[..], b"", b"ID3", b"RIFF\x04\x00\x00\x00WAVE"] {
        assert!(!is_valid_png(foreign) && !is_valid_mp3(foreign) && !is_valid_wav(foreign));
    }
    assert!(!is_valid_wav(&png) && !is_valid_mp3(&png) && !is_valid_png(&mp3));
}

#[test]
fn the_png_is_8x8_rgba_with_the_word_in_it() {
    let png = png_for_word("hello");
    assert_eq!(&png[12..16], b"IHDR");
    assert_eq!(&png[16..24], &[0, 0, 0, 8, 0, 0, 0, 8]);
    assert!(png.windows(5).any(|w| w == b"hello"));
}

#[tokio::test]
async fn images_answer_b64_json_with_a_valid_png() {
    let fake = FakeProvider::start(Behavior::default()).await;
    let answer = post(&fake, "/v1/images/generations", image("a cat")).await;
    assert_eq!(answer.status, 200, "{}", answer.head);
    assert!(is_valid_png(&decode_image(&answer)));
    let recorded = fake.requests();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].path, "/v1/images/generations");
    assert_eq!(recorded[0].word, "a cat");
    assert_eq!(recorded[0].authorization.as_deref(), Some("Bearer sk-test"));
    assert_eq!(recorded[0].body["size"], "256x256");
    assert_eq!(fake.stats(), Stats { requests: 1, images: 1, accepted: 1, peak_in_flight: 1, ..Stats::default() });
}

#[tokio::test]
async fn speech_answers_mp3_by_default_and_wav_on_request() {
    let fake = FakeProvider::start(Behavior::default()).await;
    let mp3 = post(&fake, "/v1/audio/speech", speech("cat")).await;
    assert_eq!(mp3.status, 200);
    assert!(mp3.head.to_ascii_lowercase().contains("content-type: audio/mpeg"));
    assert!(is_valid_mp3(&mp3.body));
    let mut body = speech("cat");
    body["response_format"] = "wav".into();
    let wav = post(&fake, "/v1/audio/speech", body).await;
    assert!(is_valid_wav(&wav.body));
    assert_eq!(fake.stats().audio, 2);
}

#[tokio::test]
async fn max_concurrency_rejects_the_extra_request_with_429() {
    let behavior = Behavior { max_concurrency: Some(2), hold: true, ..Behavior::default() };
    let fake = Arc::new(FakeProvider::start(behavior).await);
    let held: Vec<_> = (0..2)
        .map(|i| {
            let fake = fake.clone();
            tokio::spawn(async move { post(&fake, "/v1/audio/speech", speech(&format!("w{i}"))).await.status })
        })
        .collect();
    fake.wait_for_in_flight(2).await;
    let extra = post(&fake, "/v1/images/generations", image("extra")).await;
    assert_eq!(extra.status, 429);
    assert!(!extra.head.to_ascii_lowercase().contains("retry-after"));
    fake.release_held();
    for task in held {
        assert_eq!(task.await.unwrap(), 200);
    }
    let stats = fake.stats();
    assert_eq!((stats.requests, stats.accepted, stats.rejected), (3, 2, 1));
    assert_eq!((stats.peak_in_flight, stats.in_flight), (2, 0));
}

#[tokio::test]
async fn a_fault_with_times_applies_to_the_first_matching_requests_only() {
    let fault = Fault::times("bad", FaultAction::StatusRetryAfter(503, 7), 1);
    let fake = FakeProvider::start(Behavior { faults: vec![fault], ..Behavior::default() }).await;
    let first = post(&fake, "/v1/audio/speech", speech("bad word")).await;
    assert_eq!(first.status, 503);
    assert!(first.head.to_ascii_lowercase().contains("retry-after: 7"));
    let body: Value = serde_json::from_slice(&first.body).unwrap();
    assert!(body["error"]["message"].is_string());
    assert_eq!(post(&fake, "/v1/audio/speech", speech("good")).await.status, 200);
    assert_eq!(post(&fake, "/v1/audio/speech", speech("bad word")).await.status, 200);
}

#[tokio::test]
async fn garbage_and_empty_answers_are_200_without_media() {
    let faults = vec![Fault::always("junk", FaultAction::Garbage), Fault::always("empty", FaultAction::EmptyBody)];
    let fake = FakeProvider::start(Behavior { faults, ..Behavior::default() }).await;
    let audio = post(&fake, "/v1/audio/speech", speech("junk")).await;
    assert_eq!(audio.status, 200);
    assert!(audio.head.to_ascii_lowercase().contains("text/html"));
    assert!(!is_valid_mp3(&audio.body));
    let picture = post(&fake, "/v1/images/generations", image("junk")).await;
    assert!(!is_valid_png(&decode_image(&picture)));
    let empty = post(&fake, "/v1/images/generations", image("empty")).await;
    assert_eq!((empty.status, empty.body.len()), (200, 0));
}

#[tokio::test]
async fn a_hanging_request_stops_counting_once_the_client_goes_away() {
    let fake =
        FakeProvider::start(Behavior { faults: vec![Fault::always("hang", FaultAction::Hang)], ..Behavior::default() })
            .await;
    let client = {
        let fake_addr = fake.addr();
        tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(fake_addr).await.unwrap();
            let body = speech("hang").to_string();
            let request =
                format!("POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}", body.len());
            stream.write_all(request.as_bytes()).await.unwrap();
            std::future::pending::<()>().await;
        })
    };
    fake.wait_for_in_flight(1).await;
    client.abort();
    fake.wait_for_stats(|s| s.in_flight == 0).await;
}

#[tokio::test]
async fn set_behavior_applies_to_new_requests() {
    let fake = FakeProvider::start(Behavior::default()).await;
    assert_eq!(post(&fake, "/v1/audio/speech", speech("x")).await.status, 200);
    fake.set_behavior(Behavior { faults: vec![Fault::always("", FaultAction::Status(401))], ..Behavior::default() });
    assert_eq!(post(&fake, "/v1/audio/speech", speech("x")).await.status, 401);
    fake.wait_for_requests(2).await;
}
