//! Queue benchmarks (not timed tests): `cargo bench -p deckmedia-core --bench queue`.
//!
//! 1. enqueue: 10,000 words into one batch (one transaction);
//! 2. throughput: jobs per second end to end with an instant in-process provider, claims and
//!    settles durable against kill -9 (WAL, synchronous=NORMAL), files written and fsynced;
//! 3. a 100-word image+audio batch against the local fake provider (200 ms per request, at most
//!    8 requests at once, the rest answered 429 bare or with `Retry-After: 1`): wall time against
//!    the limit ceil(200 / 8) × 0.2 s = 5 s, with the configured concurrency right (4 + 4, the
//!    kinds' caps add up on one server) and too high (8 + 8; 32 + 32, the cap unknown);
//! 4. cross-process pickup: a second `Core` on the same data dir (no shared `Notify`) enqueues
//!    while a worker idles; time until the provider sees the first request.
//!
//! The whole binary against an out-of-process fake: `cargo bench -p deckmedia-cli --bench user_run`.
//!
//! Prints one line per figure; README's Performance section quotes them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use deckmedia_core::config::{Config, Secret};
use deckmedia_core::providers::{MediaBytes, MediaRequest, Provider, ProviderError, ProviderFuture, ProviderSet, ProviderSlot};
use deckmedia_core::{Core, MediaKind, NewWord};
use deckmedia_testkit::{Behavior, FakeProvider};
use tokio_util::sync::CancellationToken;

/// Answers at once with a few distinct bytes per word.
struct Instant0(MediaKind);

impl Provider for Instant0 {
    fn name(&self) -> &str {
        "instant"
    }
    fn settings_key(&self) -> String {
        format!("instant:{}", self.0)
    }
    fn generate<'a>(&'a self, r: &'a MediaRequest, _c: &'a CancellationToken) -> ProviderFuture<'a> {
        Box::pin(async move {
            Ok::<_, ProviderError>(MediaBytes::new(format!("media for {}", r.text).into_bytes(), "application/octet-stream", "bin"))
        })
    }
}

fn words(n: usize) -> Vec<NewWord> {
    (0..n).map(|i| NewWord { text: format!("word{i:05}"), ..Default::default() }).collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn instant_core(dir: &std::path::Path, concurrency: u32) -> Core {
    let slot = |k| ProviderSlot { provider: Arc::new(Instant0(k)), max_concurrency: concurrency, requests_per_minute: 0 };
    Core::open_with_providers(dir, Config::default(), ProviderSet::new(slot(MediaKind::Image), slot(MediaKind::Audio), Vec::new())).expect("core")
}

/// Median seconds to enqueue 10,000 words for `kinds`, over 5 fresh data dirs.
fn enqueue_seconds(kinds: &[MediaKind]) -> f64 {
    let mut secs = Vec::new();
    for round in 0..5 {
        let dir = tempfile::tempdir().expect("tmp");
        let core = instant_core(dir.path(), 8);
        let deck = core.create_deck(&format!("d{round}"), "en").expect("deck");
        core.add_words(deck.id, &words(10_000)).expect("words");
        let t = Instant::now();
        let b = core.generate(deck.id, kinds, false).expect("enqueue");
        secs.push(t.elapsed().as_secs_f64());
        assert_eq!(b.total_jobs, 10_000 * kinds.len() as i64);
    }
    median(secs)
}

fn bench_enqueue() {
    let one = enqueue_seconds(&[MediaKind::Audio]);
    println!("enqueue: 10,000 words, one kind (10,000 jobs) in one batch: median {one:.3} s over 5 runs");
    let both = enqueue_seconds(&[MediaKind::Image, MediaKind::Audio]);
    println!("enqueue: 10,000 words x 2 kinds (20,000 jobs) in one batch: median {both:.3} s over 5 runs ({:.0} jobs/s)", 20_000.0 / both);
}

async fn bench_throughput() {
    let mut rates = Vec::new();
    // Each round's data dir is kept until all rounds are done: deleting 20,000 files just before
    // the next round made that round measure the file system instead of the queue (on this
    // machine's journal-less ext4, a new file skips every inode freed in the last seconds, and
    // half the round's time went into that scan).
    let mut dirs = Vec::new();
    for _ in 0..3 {
        let dir = tempfile::tempdir().expect("tmp");
        let core = instant_core(dir.path(), 64);
        let deck = core.create_deck("t", "en").expect("deck");
        core.add_words(deck.id, &words(10_000)).expect("words");
        core.generate(deck.id, &[MediaKind::Image, MediaKind::Audio], false).expect("enqueue");
        let t = Instant::now();
        let s = core.worker().expect("worker").run_until_idle(CancellationToken::new()).await.expect("run");
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(s.done, 20_000);
        rates.push(20_000.0 / secs);
        dirs.push(dir);
    }
    println!("throughput: 20,000 jobs with an instant provider (64 in flight per kind, each file fsynced): median {:.0} jobs/s over 3 runs", median(rates));
}

async fn bench_batch(configured: u32, retry_after: Option<u64>, label: &str) {
    let behavior = Behavior { latency: Duration::from_millis(200), max_concurrency: Some(8), overflow_retry_after: retry_after, ..Default::default() };
    let fake = FakeProvider::start(behavior).await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = Config::default();
    for p in [&mut c.image, &mut c.audio] {
        p.provider = deckmedia_core::ProviderKind::OpenAi;
        p.base_url = fake.base_url();
        p.max_concurrency = configured;
        p.api_key = Some(Secret::new("sk-bench"));
    }
    c.image.model = "dall-e-2".into();
    c.image.size = "512x512".into();
    c.queue.backoff_base_ms = 200;
    c.queue.backoff_max_ms = 2_000;
    let core = Core::open_with_config(dir.path(), c).expect("core");
    let deck = core.create_deck("b", "en").expect("deck");
    core.add_words(deck.id, &words(100)).expect("words");
    core.generate(deck.id, &[MediaKind::Image, MediaKind::Audio], false).expect("enqueue");
    let t = Instant::now();
    let s = core.worker().expect("worker").run_until_idle(CancellationToken::new()).await.expect("run");
    let wall = t.elapsed().as_secs_f64();
    assert_eq!(s.done, 200);
    let st = fake.stats();
    let limit = (200f64 / 8.0).ceil() * 0.2;
    println!(
        "100-word image+audio batch, provider 200 ms and at most 8 at once, {label}: {wall:.2} s = {:.3} x the {limit:.1} s limit; {} of {} calls rejected ({:.1} %), peak {} in flight",
        wall / limit,
        st.rejected,
        st.requests,
        100.0 * st.rejected as f64 / st.requests as f64,
        st.peak_in_flight
    );
}

/// Median and worst time from a second `Core`'s enqueue to the provider's first request, while
/// the worker idles (10 one-word batches).
async fn bench_pickup() {
    let fake = FakeProvider::start(Behavior::default()).await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = Config::default();
    for p in [&mut c.image, &mut c.audio] {
        p.provider = deckmedia_core::ProviderKind::OpenAi;
        p.base_url = fake.base_url();
        p.api_key = Some(Secret::new("sk-bench"));
    }
    let core = Core::open_with_config(dir.path(), c.clone()).expect("core");
    let mut rx = core.subscribe();
    let stop = CancellationToken::new();
    let worker = tokio::spawn(core.worker().expect("worker").run(stop.clone()));
    while !matches!(rx.recv().await, Ok(deckmedia_core::events::Event::QueueState { .. })) {}
    let other = Core::open_with_config(dir.path(), c).expect("second core");
    let mut ms = Vec::new();
    for round in 1..=10 {
        let deck = other.create_deck(&format!("p{round}"), "en").expect("deck");
        // A word no earlier round made: media made before would be reused, with no request.
        other.add_words(deck.id, &[NewWord { text: format!("pickup{round}"), ..Default::default() }]).expect("words");
        let t = Instant::now();
        other.generate(deck.id, &[MediaKind::Audio], false).expect("enqueue");
        fake.wait_for_requests(round).await;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    stop.cancel();
    worker.await.expect("join").expect("worker");
    let worst = ms.iter().copied().fold(0.0, f64::max);
    println!("cross-process pickup (a second Core enqueues, the idle worker's first request): median {:.2} ms, worst {worst:.2} ms of 10", median(ms));
}

/// What the desktop UI reads while a big deck is open: a page of 100 words deep in a
/// 10,000-word deck with all media, the deck list with coverage, and the queue snapshot.
async fn bench_ui_reads() {
    let dir = tempfile::tempdir().expect("tmp");
    let core = instant_core(dir.path(), 64);
    let deck = core.create_deck("big", "en").expect("deck");
    core.add_words(deck.id, &words(10_000)).expect("words");
    core.generate(deck.id, &[MediaKind::Image, MediaKind::Audio], false).expect("enqueue");
    core.worker().expect("worker").run_until_idle(CancellationToken::new()).await.expect("run");
    let time = |f: &dyn Fn()| {
        let v: Vec<f64> = (0..20)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        median(v)
    };
    let page = time(&|| {
        let p = core.media_page(deck.id, 5_000, 100).expect("page");
        assert_eq!(p.items.len(), 100);
    });
    let summaries = time(&|| {
        let d = core.deck_summaries().expect("decks");
        assert_eq!(d[0].images_done, 10_000);
    });
    let snapshot = time(&|| {
        core.snapshot().expect("snapshot");
    });
    println!(
        "UI reads, 10,000-word deck with all media: page of 100 at offset 5,000 {page:.2} ms, deck list with coverage {summaries:.2} ms, queue snapshot {snapshot:.2} ms (medians of 20)"
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // `cargo bench --bench queue -- throughput` runs one part (enqueue, throughput, reads,
    // pickup, batch); no name runs them all.
    let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let run = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    if run("enqueue") {
        bench_enqueue();
    }
    if run("throughput") {
        rt.block_on(bench_throughput());
    }
    if run("reads") {
        rt.block_on(bench_ui_reads());
    }
    if run("pickup") {
        rt.block_on(bench_pickup());
    }
    if run("batch") {
        rt.block_on(bench_batch(4, Some(1), "4 + 4 configured (caps known), Retry-After: 1"));
        rt.block_on(bench_batch(8, Some(1), "8 + 8 configured, Retry-After: 1"));
        rt.block_on(bench_batch(32, None, "32 + 32 configured (cap unknown), bare 429"));
        rt.block_on(bench_batch(32, Some(1), "32 + 32 configured (cap unknown), Retry-After: 1"));
    }
}
