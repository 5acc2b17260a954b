//! A user's run, end to end (not a timed test): the real `deckmedia` binary — a warm
//! `deckmedia worker` and a `deckmedia generate` from a second process — against the
//! out-of-process `fake-provider` (200 ms per call, 8 at once, overflow answered with a bare 429
//! or with `Retry-After: 1`).
//!
//! ```text
//! cargo build --release -p deckmedia-testkit --bin fake-provider
//! cargo bench -p deckmedia-cli --bench user_run            # everything
//! cargo bench -p deckmedia-cli --bench user_run -- quick   # one round each, no 1,000-word batch
//! cargo bench -p deckmedia-cli --bench user_run -- big-deck   # only the 20,000-word deck
//! ```
//!
//! Reports, per scenario, wall time from `deckmedia generate` starting to the worker printing
//! the batch finished, over the limit `ceil(jobs / 8) × 0.2 s`, the calls the fake rejected, and
//! the cross-process pickup latency: `generate` exiting → the worker's first progress line for
//! the batch (it prints one as soon as it claims the batch's first jobs).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

const CALL_MS: u64 = 200;
const PROVIDER_CAP: u64 = 8;

/// The out-of-process fake provider, driven over its stdin/stdout.
struct Fake {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    base_url: String,
}

#[derive(Debug, Clone, Copy, Default)]
struct FakeStats {
    requests: u64,
    rejected: u64,
    peak: u64,
}

impl Fake {
    fn start(bin: &Path, retry_after: Option<u64>) -> Result<Fake, String> {
        Fake::start_with(bin, retry_after, CALL_MS, PROVIDER_CAP)
    }

    fn start_with(bin: &Path, retry_after: Option<u64>, latency_ms: u64, cap: u64) -> Result<Fake, String> {
        let mut cmd = Command::new(bin);
        cmd.args(["--latency-ms", &latency_ms.to_string(), "--max-concurrency", &cap.to_string()]);
        if let Some(secs) = retry_after {
            cmd.args(["--retry-after", &secs.to_string()]);
        }
        let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let stdin = child.stdin.take();
        let lines = read_lines(child.stdout.take().ok_or("no stdout")?, |l| l);
        let base_url = lines.recv_timeout(Duration::from_secs(10)).map_err(|_| "the fake provider did not print its URL".to_string())?;
        Ok(Fake { child, stdin, lines, base_url })
    }

    fn stats(&mut self) -> Result<FakeStats, String> {
        let stdin = self.stdin.as_mut().ok_or("fake stdin closed")?;
        writeln!(stdin, "stats").map_err(|e| format!("fake provider: {e}"))?;
        let line = self.lines.recv_timeout(Duration::from_secs(10)).map_err(|_| "the fake provider did not answer stats".to_string())?;
        let v: serde_json::Value = serde_json::from_str(&line).map_err(|e| format!("fake stats '{line}': {e}"))?;
        let n = |k: &str| v.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
        Ok(FakeStats { requests: n("requests"), rejected: n("rejected"), peak: n("peak_in_flight") })
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        // A closed stdin ends the fake.
        self.stdin.take();
        let _ = self.child.wait();
    }
}

/// Reads a child's output line by line on a thread, each line mapped by `f` (e.g. timestamped).
fn read_lines<R: std::io::Read + Send + 'static, T: Send + 'static>(out: R, f: impl Fn(String) -> T + Send + 'static) -> Receiver<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(f(line)).is_err() {
                break;
            }
        }
    });
    rx
}

/// The `deckmedia` binary on one data dir, with the bench's settings in its environment.
struct Cli {
    bin: PathBuf,
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Cli {
    fn new(bin: &Path, fake: &Fake, per_kind: u32) -> Result<Cli, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut env: Vec<(String, String)> = Vec::new();
        for kind in ["IMAGE", "AUDIO"] {
            env.push((format!("DECKMEDIA_{kind}_PROVIDER"), "openai".into()));
            env.push((format!("DECKMEDIA_{kind}_BASE_URL"), fake.base_url.clone()));
            env.push((format!("DECKMEDIA_{kind}_MAX_CONCURRENCY"), per_kind.to_string()));
        }
        env.push(("DECKMEDIA_IMAGE_MODEL".into(), "dall-e-2".into()));
        env.push(("DECKMEDIA_IMAGE_SIZE".into(), "512x512".into()));
        // A placeholder for the local fake (it checks no key): keeps the keychain out of it.
        env.push(("DECKMEDIA_API_KEY".into(), "sk-local-fake".into()));
        env.push(("DECKMEDIA_QUEUE_BACKOFF_BASE_MS".into(), "200".into()));
        env.push(("DECKMEDIA_QUEUE_BACKOFF_MAX_MS".into(), "2000".into()));
        Ok(Cli { bin: bin.to_path_buf(), dir, env })
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--data-dir").arg(self.dir.path()).args(args).env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Runs a command to its end; its stdout.
    fn run(&self, args: &[&str], input: Option<&str>) -> Result<String, String> {
        let mut child = self.command(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(|e| e.to_string())?;
        if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
            stdin.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
        }
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!("deckmedia {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs a command to its end, measuring it: wall seconds and the process's peak memory (MB).
    fn measure(&self, args: &[&str]) -> Result<(f64, f64, String), String> {
        let out_path = self.dir.path().join("measured-stdout.txt");
        let out = std::fs::File::create(&out_path).map_err(|e| e.to_string())?;
        let started = Instant::now();
        let child = self.command(args).stdin(Stdio::null()).stdout(out).stderr(Stdio::null()).spawn().map_err(|e| e.to_string())?;
        let pid = i32::try_from(child.id()).map_err(|e| e.to_string())?;
        let mut status = 0;
        // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: waits for our own child, whose handle is not waited on elsewhere.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        let secs = started.elapsed().as_secs_f64();
        drop(child);
        let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
        if r != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
            return Err(format!("deckmedia {} failed: {}", args.join(" "), stdout.trim()));
        }
        // ru_maxrss is in KiB on Linux.
        Ok((secs, usage.ru_maxrss as f64 / 1024.0, stdout))
    }

    /// `deckmedia generate --json`: the batch id and when the process exited.
    fn generate(&self, deck: &str) -> Result<(i64, Instant), String> {
        let out = self.run(&["generate", "--deck", deck, "--yes", "--json"], None)?;
        let exited = Instant::now();
        let v: serde_json::Value = serde_json::from_str(out.trim()).map_err(|e| format!("generate --json: {e}: {out}"))?;
        let id = v.get("id").and_then(serde_json::Value::as_i64).ok_or(format!("no batch id in {out}"))?;
        Ok((id, exited))
    }
}

/// A warm `deckmedia worker` on a data dir with a deck of `words` words.
struct Run {
    cli: Cli,
    worker: Child,
    lines: Receiver<(Instant, String)>,
}

impl Run {
    fn start(cli: Cli, words: usize) -> Result<Run, String> {
        let list: String = (0..words).map(|i| format!("word{i:05}\n")).collect();
        cli.run(&["deck", "import", "-", "--deck", "bench"], Some(&list))?;
        cli.run(&["deck", "import", "-", "--deck", "warm"], Some("warmup\n"))?;
        let mut worker = cli.command(&["worker"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().map_err(|e| format!("deckmedia worker: {e}"))?;
        let lines = read_lines(worker.stdout.take().ok_or("no worker stdout")?, |l| (Instant::now(), l));
        let run = Run { cli, worker, lines };
        // Warm: one small batch through the worker (process, runtime, connections).
        let (id, _) = run.cli.generate("warm")?;
        run.wait_finished(id, Duration::from_secs(30))?;
        Ok(run)
    }

    /// Waits for the worker's line that `pick` accepts; the line and when it came.
    fn wait_line(&self, what: &str, limit: Duration, pick: impl Fn(&str) -> bool) -> Result<(Instant, String), String> {
        let deadline = Instant::now() + limit;
        let mut last = String::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((at, line)) if pick(&line) => return Ok((at, line)),
                Ok((_, line)) => last = line,
                Err(_) => return Err(format!("the worker did not report {what} within {limit:?} (last line: {last:?})")),
            }
        }
    }

    /// Waits for `batch ID completed (W words): N done[, F failed: …]` (the batch summary);
    /// when it came and F.
    fn wait_finished(&self, id: i64, limit: Duration) -> Result<(Instant, u64), String> {
        let prefix = format!("batch {id} ");
        let (at, line) = self.wait_line(&format!("batch {id} finished"), limit, |l| l.starts_with(&prefix) && l.contains(" words): "))?;
        let summary = line.split_once(" words): ").map_or("", |(_, s)| s);
        let failed = summary.split(", ").nth(1).filter(|p| p.contains(" failed")).and_then(|p| p.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or(0);
        Ok((at, failed))
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        // SIGTERM: the worker stops cleanly (jobs in flight go back to the queue).
        if let Ok(pid) = i32::try_from(self.worker.id()) {
            // SAFETY: kill(2) on our own child's pid; no memory is involved.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let _ = self.worker.wait();
    }
}

struct Figure {
    wall: f64,
    limit: f64,
    calls: u64,
    rejected: u64,
    peak: u64,
    pickup_ms: f64,
    /// From `generate` starting (its process start-up and the enqueue included).
    pickup_from_start_ms: f64,
    failed_words: u64,
}

/// One batch of `words` words × image + audio on a fresh data dir with a warm worker.
fn batch(deckmedia: &Path, fake_bin: &Path, per_kind: u32, retry_after: Option<u64>, words: usize) -> Result<Figure, String> {
    let mut fake = Fake::start(fake_bin, retry_after)?;
    let run = Run::start(Cli::new(deckmedia, &fake, per_kind)?, words)?;
    let before = fake.stats()?;
    let started = Instant::now();
    let (id, exited) = run.cli.generate("bench")?;
    let progress = format!("batch {id}: ");
    let (first, _) = run.wait_line(&format!("batch {id} started"), Duration::from_secs(30), |l| l.starts_with(&progress))?;
    let (finished, failed_words) = run.wait_finished(id, Duration::from_secs(900))?;
    let after = fake.stats()?;
    let jobs = 2 * words as u64;
    Ok(Figure {
        wall: finished.duration_since(started).as_secs_f64(),
        limit: jobs.div_ceil(PROVIDER_CAP) as f64 * CALL_MS as f64 / 1000.0,
        calls: after.requests - before.requests,
        rejected: after.rejected - before.rejected,
        peak: after.peak,
        pickup_ms: first.saturating_duration_since(exited).as_secs_f64() * 1000.0,
        pickup_from_start_ms: first.saturating_duration_since(started).as_secs_f64() * 1000.0,
        failed_words,
    })
}

fn report(label: &str, figures: &[Figure]) {
    let ratios: Vec<f64> = figures.iter().map(|f| f.wall / f.limit).collect();
    let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let max = ratios.iter().copied().fold(0.0, f64::max);
    let calls: Vec<String> = figures.iter().map(|f| format!("{}/{}", f.rejected, f.calls)).collect();
    let peak = figures.iter().map(|f| f.peak).max().unwrap_or(0);
    let failed: u64 = figures.iter().map(|f| f.failed_words).sum();
    let failed = if failed > 0 { format!("; {failed} words FAILED") } else { String::new() };
    println!(
        "{label}: wall/limit {min:.3} – {max:.3} ({} rounds, limit {:.1} s); rejected/calls {}; peak {peak} in flight{failed}",
        figures.len(),
        figures[0].limit,
        calls.join(", ")
    );
}

/// A 20,000-word deck as a user handles it, each step its own `deckmedia` process: import (a
/// CSV with translations), the dry run, enqueue, a page of the deck, then `deckmedia worker
/// --until-idle` for the 40,000 jobs against a fake that answers in 5 ms (64 at once) — the
/// worker's memory is the app's core under a big batch (the window's webview is not in it).
fn big_deck(deckmedia: &Path, fake_bin: &Path) -> Result<(), String> {
    const WORDS: usize = 20_000;
    let fake = Fake::start_with(fake_bin, Some(1), 5, 64)?;
    let cli = Cli::new(deckmedia, &fake, 32)?;
    let csv: String = std::iter::once("word,translation\n".to_string()).chain((0..WORDS).map(|i| format!("palabra{i:05},word {i}\n"))).collect();
    let file = cli.dir.path().join("big.csv");
    std::fs::write(&file, csv).map_err(|e| e.to_string())?;
    let file = file.to_string_lossy().into_owned();
    let step = |label: &str, args: &[&str]| -> Result<String, String> {
        let (secs, mb, stdout) = cli.measure(args)?;
        println!("  {label}: {:.1} ms, peak {mb:.0} MB", secs * 1000.0);
        Ok(stdout)
    };
    println!("20,000-word deck (image + audio = 40,000 jobs), each step one `deckmedia` process:");
    step("import a 20,000-row CSV", &["deck", "import", &file, "--deck", "big", "--lang", "es"])?;
    step("dry run (generate --dry-run)", &["generate", "--deck", "big", "--dry-run", "--json"])?;
    step("enqueue (generate)", &["generate", "--deck", "big", "--yes", "--json"])?;
    step("a page of 100 words at offset 10,000 (media --offset --limit)", &["media", "--deck", "big", "--offset", "10000", "--limit", "100", "--json"])?;
    let worker = step("worker --until-idle, 40,000 jobs through the fake (5 ms, 64 at once)", &["worker", "--until-idle"])?;
    println!("    (the worker said: {})", worker.lines().rfind(|l| l.contains(" words): ")).unwrap_or("no batch line"));
    step("the whole deck's media list afterwards (media --json)", &["media", "--deck", "big", "--json"])?;
    Ok(())
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return Ok(());
    }
    let quick = args.iter().any(|a| a == "quick");
    let deckmedia = PathBuf::from(env!("CARGO_BIN_EXE_deckmedia"));
    let fake_bin = deckmedia.with_file_name(format!("fake-provider{}", std::env::consts::EXE_SUFFIX));
    if !fake_bin.exists() {
        return Err(format!(
            "{} is missing: run `cargo build --release -p deckmedia-testkit --bin fake-provider` first",
            fake_bin.display()
        ));
    }
    if args.iter().any(|a| a == "big-deck") {
        return big_deck(&deckmedia, &fake_bin);
    }
    let rounds = if quick { 1 } else { 3 };
    let scenarios: [(&str, u32, Option<u64>); 6] = [
        ("caps known, 4 + 4, 429 + Retry-After: 1", 4, Some(1)),
        ("caps known, 4 + 4, bare 429", 4, None),
        ("8 per kind (8 + 8 against 8), 429 + Retry-After: 1", 8, Some(1)),
        ("8 per kind (8 + 8 against 8), bare 429", 8, None),
        ("cap unknown, 32 per kind, 429 + Retry-After: 1", 32, Some(1)),
        ("cap unknown, 32 per kind, bare 429", 32, None),
    ];
    println!("100-word image + audio batch (200 jobs), provider {CALL_MS} ms per call, {PROVIDER_CAP} at once; warm `deckmedia worker`, `deckmedia generate` from another process:");
    let mut pickups = Vec::new();
    let mut from_start = Vec::new();
    for (label, per_kind, retry_after) in scenarios {
        let figures: Vec<Figure> = (0..rounds).map(|_| batch(&deckmedia, &fake_bin, per_kind, retry_after, 100)).collect::<Result<_, _>>()?;
        pickups.extend(figures.iter().map(|f| f.pickup_ms));
        from_start.extend(figures.iter().map(|f| f.pickup_from_start_ms));
        report(label, &figures);
    }
    if !quick {
        let big = [batch(&deckmedia, &fake_bin, 32, Some(1), 1000)?];
        pickups.push(big[0].pickup_ms);
        report("1,000-word batch (2,000 jobs), cap unknown, 32 per kind, 429 + Retry-After: 1", &big);
        let big = [batch(&deckmedia, &fake_bin, 4, Some(1), 1000)?];
        pickups.push(big[0].pickup_ms);
        report("1,000-word batch (2,000 jobs), caps known, 4 + 4, 429 + Retry-After: 1", &big);
    }
    big_deck(&deckmedia, &fake_bin)?;
    pickups.sort_by(f64::total_cmp);
    from_start.sort_by(f64::total_cmp);
    println!(
        "cross-process pickup, the worker's first progress line for the batch: median {:.1} ms (max {:.1}) after `generate` exits \
         (often before: the enqueue commits and wakes the worker before the process prints and exits); \
         median {:.1} ms (max {:.1}) after `generate` starts, its process start-up included; {} batches",
        pickups[pickups.len() / 2],
        pickups[pickups.len() - 1],
        from_start[from_start.len() / 2],
        from_start[from_start.len() - 1],
        pickups.len()
    );
    Ok(())
}
