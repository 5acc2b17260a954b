//! Read-path benchmark (not a timed test): `cargo bench -p deckmedia-core --bench reads`.
//!
//! What the desktop window asks while the worker is busy: "page 50 of a 10,000-word deck"
//! (`Core::media_page(deck, 4_900, 100)`, what the `deck_media` command calls) and the queue
//! snapshot (`Core::snapshot`, what the `snapshot` command calls). A 1,000-word image+audio batch
//! (2,000 jobs) runs against the local fake provider answering at once, 8 requests per kind in
//! flight, so the worker claims and settles as fast as it can. Another OS thread — as a command
//! runs on Tauri's blocking pool — times each call until the batch is done, then prints the
//! p50/p99/max of both. Target: p99 < 20 ms.
//!
//! Then the same page read while one long write transaction runs: queueing a 10,000-word deck
//! for pictures and voice (20,000 jobs, one `BEGIN IMMEDIATE`). A read that shares the writer's
//! connection waits for the whole transaction; a read connection does not.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use deckmedia_core::config::{Config, Secret};
use deckmedia_core::{Core, MediaKind, NewWord};
use deckmedia_testkit::{Behavior, FakeProvider};
use tokio_util::sync::CancellationToken;

const BIG_DECK: usize = 10_000;
const BATCH_WORDS: usize = 1_000;
const PAGE: i64 = 100;
/// Page 50 (1-based) of 100 words.
const PAGE_50: i64 = 49 * PAGE;

fn words(prefix: &str, n: usize) -> Vec<NewWord> {
    (0..n).map(|i| NewWord { text: format!("{prefix}{i:05}"), ..Default::default() }).collect()
}

/// Milliseconds at the given quantile (0..=1) of sorted samples.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn summary(label: &str, mut ms: Vec<f64>) {
    if ms.is_empty() {
        println!("{label}: no sample");
        return;
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{label}: n={} p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms.len(),
        quantile(&ms, 0.5),
        quantile(&ms, 0.99),
        ms[ms.len() - 1]
    );
}

fn config_for(fake: &FakeProvider) -> Config {
    let mut c = Config::default();
    for p in [&mut c.image, &mut c.audio] {
        p.provider = deckmedia_core::ProviderKind::OpenAi;
        p.base_url = fake.base_url();
        p.max_concurrency = 8;
        p.api_key = Some(Secret::new("sk-bench"));
    }
    c.image.model = "dall-e-2".into();
    c.image.size = "256x256".into();
    c
}

/// Times `media_page` and `snapshot` alternately from this thread until `done` is set.
fn sample_reads(core: &Core, deck: i64, done: &AtomicBool) -> (Vec<f64>, Vec<f64>) {
    let (mut pages, mut snaps) = (Vec::new(), Vec::new());
    while !done.load(Ordering::Acquire) {
        let t = Instant::now();
        let p = core.media_page(deck, PAGE_50, PAGE).expect("page");
        pages.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(p.items.len(), PAGE as usize);
        let t = Instant::now();
        core.snapshot().expect("snapshot");
        snaps.push(t.elapsed().as_secs_f64() * 1000.0);
        // Like a window redrawing on events, not a spinning loop that starves the worker.
        std::thread::sleep(Duration::from_millis(2));
    }
    (pages, snaps)
}

async fn bench_reads_beside_worker() {
    let fake = FakeProvider::start(Behavior::default()).await;
    let dir = tempfile::tempdir().expect("tmp");
    let core = Arc::new(Core::open_with_config(dir.path(), config_for(&fake)).expect("core"));
    let big = core.create_deck("big", "en").expect("deck");
    core.add_words(big.id, &words("big", BIG_DECK)).expect("words");
    let batch_deck = core.create_deck("batch", "en").expect("deck");
    core.add_words(batch_deck.id, &words("batch", BATCH_WORDS)).expect("words");
    core.generate(batch_deck.id, &[MediaKind::Image, MediaKind::Audio], false).expect("enqueue");

    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (core, done) = (core.clone(), done.clone());
        std::thread::spawn(move || sample_reads(&core, big.id, &done))
    };
    let t = Instant::now();
    let s = core.worker().expect("worker").run_until_idle(CancellationToken::new()).await.expect("run");
    let wall = t.elapsed().as_secs_f64();
    done.store(true, Ordering::Release);
    let (pages, snaps) = reader.join().expect("reader thread");
    assert_eq!(s.done, 2 * BATCH_WORDS as u64);
    println!("batch: {BATCH_WORDS} words x 2 kinds against the fake (no latency, 8 + 8 in flight) in {wall:.2} s");
    summary("page 50 of a 10,000-word deck (100 words) while the batch runs", pages);
    summary("queue snapshot while the batch runs", snaps);
}

async fn bench_read_during_a_long_enqueue() {
    let fake = FakeProvider::start(Behavior::default()).await;
    let dir = tempfile::tempdir().expect("tmp");
    let core = Arc::new(Core::open_with_config(dir.path(), config_for(&fake)).expect("core"));
    let big = core.create_deck("big", "en").expect("deck");
    core.add_words(big.id, &words("big", BIG_DECK)).expect("words");
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (core, done) = (core.clone(), done.clone());
        std::thread::spawn(move || {
            started_tx.send(Instant::now()).expect("signal");
            core.generate(big.id, &[MediaKind::Image, MediaKind::Audio], false).expect("enqueue");
            let end = Instant::now();
            done.store(true, Ordering::Release);
            end
        })
    };
    let start = started_rx.recv().expect("writer started");
    let mut reads = Vec::new();
    while !done.load(Ordering::Acquire) {
        let t = Instant::now();
        core.media_page(big.id, PAGE_50, PAGE).expect("page");
        reads.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let end = writer.join().expect("writer thread");
    println!("enqueue of 20,000 jobs (one write transaction): {:.0} ms", (end - start).as_secs_f64() * 1000.0);
    summary("page 50 read meanwhile", reads);
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(bench_reads_beside_worker());
    rt.block_on(bench_read_during_a_long_enqueue());
}
