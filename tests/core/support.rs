//! Shared set-up for the core's integration tests: a core on a temp data dir whose providers
//! are the OpenAI-compatible client pointed at the tests' own fake server.

use std::time::Duration;

use deckmedia_core::config::{Config, Secret};
use deckmedia_core::events::Event;
use deckmedia_core::{Core, DeckId, MediaKind, NewWord};
use deckmedia_testkit::{Behavior, FakeProvider};
use tempfile::TempDir;
use tokio::sync::broadcast;

pub struct Setup {
    pub dir: TempDir,
    pub core: Core,
    pub fake: FakeProvider,
}

/// A config whose two providers talk to `fake`, with fast retries.
pub fn config_for(fake: &FakeProvider, concurrency: u32) -> Config {
    let mut c = Config::default();
    for p in [&mut c.image, &mut c.audio] {
        p.provider = deckmedia_core::ProviderKind::OpenAi;
        p.base_url = fake.base_url();
        p.max_concurrency = concurrency;
        p.timeout_secs = 10;
        p.api_key = Some(Secret::new("sk-test-key-123"));
    }
    c.image.model = "dall-e-2".into();
    c.image.size = "512x512".into();
    c.queue.backoff_base_ms = 20;
    c.queue.backoff_max_ms = 200;
    c
}

pub async fn setup(behavior: Behavior, concurrency: u32) -> Setup {
    let fake = FakeProvider::start(behavior).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let core = Core::open_with_config(dir.path(), config_for(&fake, concurrency)).expect("open core");
    Setup { dir, core, fake }
}

impl Setup {
    /// Reopens the same data dir (a new process would do the same).
    pub fn reopen(&self) -> Core {
        Core::open_with_config(self.dir.path(), config_for(&self.fake, 4)).expect("reopen core")
    }
}

pub fn words(n: usize) -> Vec<NewWord> {
    (0..n).map(|i| NewWord { text: format!("word{i:04}"), ..Default::default() }).collect()
}

pub fn deck_with(core: &Core, name: &str, n: usize) -> DeckId {
    let deck = core.create_deck(name, "en").expect("deck");
    core.add_words(deck.id, &words(n)).expect("words");
    deck.id
}

pub const BOTH: [MediaKind; 2] = [MediaKind::Image, MediaKind::Audio];

/// Waits for the first event that `pick` accepts, failing the test after `limit`.
pub async fn wait_event<T>(rx: &mut broadcast::Receiver<Event>, limit: Duration, mut pick: impl FnMut(&Event) -> Option<T>) -> T {
    tokio::time::timeout(limit, async {
        loop {
            match rx.recv().await {
                Ok(e) => {
                    if let Some(v) = pick(&e) {
                        return v;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => panic!("event channel closed"),
            }
        }
    })
    .await
    .expect("the expected event did not arrive in time")
}

/// Bounds a future so a hang fails the test instead of blocking CI.
pub async fn within<T>(limit: Duration, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(limit, f).await.expect("timed out")
}

/// Reads one value from the database file directly (tests only).
pub fn query_i64(dir: &std::path::Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("deckmedia.sqlite3")).expect("db");
    conn.query_row(sql, [], |r| r.get(0)).expect("query")
}

/// The data dir's worker, once the previous one's lock is free. Another test of this binary
/// may fork a child (`espeak-ng`) at the instant a worker's lock file is open; the child holds
/// a copy of the descriptor until it execs, so the lock can outlive its worker by a moment.
pub async fn next_worker(core: &Core) -> deckmedia_core::worker::Worker {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match core.worker() {
            Ok(w) => return w,
            Err(deckmedia_core::Error::WorkerLocked(_)) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(e) => panic!("no worker: {e}"),
        }
    }
}

/// The fields of each note of an exported package, by sort field.
pub fn apkg_notes(path: &std::path::Path) -> Vec<(String, Vec<String>)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut collection = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name("collection.anki2").unwrap(), &mut collection).unwrap();
    let db_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(db_file.path(), collection).unwrap();
    let db = rusqlite::Connection::open(db_file.path()).unwrap();
    let mut stmt = db.prepare("SELECT CAST(sfld AS TEXT), flds FROM notes ORDER BY sfld").unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).unwrap();
    rows.map(|r| r.map(|(s, f)| (s, f.split('\x1f').map(String::from).collect())).unwrap()).collect()
}
