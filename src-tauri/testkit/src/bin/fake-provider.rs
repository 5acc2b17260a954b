//! The fake OpenAI-compatible provider as a process, for end-to-end tests of the desktop app.
//!
//! ```text
//! fake-provider [--port N] [--latency-ms MS] [--jitter-ms MS] [--max-concurrency N]
//!               [--per-second N] [--retry-after SECS] [--rate-headers]
//!               [--fault WORD=STATUS]... [--hold] [--ignore-stdin]
//! ```
//!
//! `--max-concurrency` and `--per-second` answer an overflow with 429: bare, or with
//! `Retry-After: SECS` given `--retry-after`; `--rate-headers` adds OpenAI's
//! `x-ratelimit-remaining-requests` / `x-ratelimit-reset-requests` for the per-second budget.
//! `--jitter-ms` adds a uniform random part of up to MS to each call's latency.
//!
//! Prints the base URL (e.g. `http://127.0.0.1:41234/v1`) as its first stdout line once it
//! listens, then serves until SIGINT/SIGTERM or until stdin is closed (so a test that dies
//! takes the fake with it; `--ignore-stdin` serves until killed, for shells that background it
//! with stdin on /dev/null). While it runs, stdin takes one command per line and answers each
//! with one stdout line:
//!
//! * `latency MS`: later requests wait MS milliseconds (requests already waiting keep theirs)
//! * `hold` / `unhold`: later requests wait for `release` / stop doing so
//! * `release`: answers every held request
//! * `stats`: one JSON line of the counters (`requests`, `images`, `audio`, `in_flight`, …)

use std::time::Duration;

use deckmedia_testkit::{Behavior, FakeProvider, Fault, FaultAction};
use std::io::BufRead;

const USAGE: &str = "usage: fake-provider [--port N] [--latency-ms MS] [--jitter-ms MS] [--max-concurrency N] \
                     [--per-second N] [--retry-after SECS] [--rate-headers] \
                     [--fault WORD=STATUS]... [--hold] [--ignore-stdin]";

struct Args {
    port: u16,
    behavior: Behavior,
    ignore_stdin: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = Args { port: 0, behavior: Behavior::default(), ignore_stdin: false };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => out.port = value("--port")?.parse().map_err(|_| "--port: not a port number".to_string())?,
            "--latency-ms" => {
                let ms: u64 = value("--latency-ms")?.parse().map_err(|_| "--latency-ms: not a number".to_string())?;
                out.behavior.latency = Duration::from_millis(ms);
            }
            "--jitter-ms" => {
                let ms: u64 = value("--jitter-ms")?.parse().map_err(|_| "--jitter-ms: not a number".to_string())?;
                out.behavior.jitter = Duration::from_millis(ms);
            }
            "--per-second" => {
                let n: usize = value("--per-second")?.parse().map_err(|_| "--per-second: not a number".to_string())?;
                out.behavior.per_second = Some(n);
            }
            "--retry-after" => {
                let secs: u64 = value("--retry-after")?.parse().map_err(|_| "--retry-after: not a number of seconds".to_string())?;
                out.behavior.overflow_retry_after = Some(secs);
            }
            "--rate-headers" => out.behavior.rate_headers = true,
            "--max-concurrency" => {
                let n: usize = value("--max-concurrency")?.parse().map_err(|_| "--max-concurrency: not a number".to_string())?;
                out.behavior.max_concurrency = Some(n);
            }
            "--fault" => {
                let spec = value("--fault")?;
                let (word, status) = spec.split_once('=').ok_or_else(|| format!("--fault '{spec}': use WORD=STATUS"))?;
                let status: u16 = status.parse().map_err(|_| format!("--fault '{spec}': STATUS is not a number"))?;
                out.behavior.faults.push(Fault::always(word, FaultAction::Status(status)));
            }
            "--hold" => out.behavior.hold = true,
            "--ignore-stdin" => out.ignore_stdin = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok(out)
}

/// Runs one stdin command; returns the line to answer.
fn command(fake: &FakeProvider, behavior: &mut Behavior, line: &str) -> String {
    let mut words = line.split_whitespace();
    match (words.next(), words.next()) {
        (Some("latency"), Some(ms)) => match ms.parse::<u64>() {
            Ok(ms) => {
                behavior.latency = Duration::from_millis(ms);
                fake.set_behavior(behavior.clone());
                format!("ok latency {ms}")
            }
            Err(_) => format!("error: latency '{ms}' is not a number"),
        },
        (Some("hold"), None) => {
            behavior.hold = true;
            fake.set_behavior(behavior.clone());
            "ok hold".into()
        }
        (Some("unhold"), None) => {
            behavior.hold = false;
            fake.set_behavior(behavior.clone());
            "ok unhold".into()
        }
        (Some("release"), None) => {
            fake.release_held();
            "ok release".into()
        }
        (Some("stats"), None) => {
            let s = fake.stats();
            format!(
                "{{\"requests\":{},\"images\":{},\"audio\":{},\"accepted\":{},\"rejected\":{},\"in_flight\":{},\"peak_in_flight\":{}}}",
                s.requests, s.images, s.audio, s.accepted, s.rejected, s.in_flight, s.peak_in_flight
            )
        }
        _ => format!("error: unknown command '{line}' (latency MS, hold, unhold, release, stats)"),
    }
}

fn main() {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("fake-provider: {e}");
            }
            eprintln!("{USAGE}");
            std::process::exit(if e.is_empty() { 0 } else { 2 });
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime");
    runtime.block_on(async move {
        let mut behavior = args.behavior;
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
        let fake = FakeProvider::start_at(addr, behavior.clone()).await;
        // The first line, flushed: a parent waits for it before starting the app.
        println!("{}", fake.base_url());

        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        // stdin is read on a plain thread (tokio's io-std is not among the workspace's features):
        // `Some(line)` per line, `None` once it is closed.
        let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<Option<String>>();
        if !args.ignore_stdin {
            std::thread::spawn(move || {
                for line in std::io::stdin().lock().lines() {
                    match line {
                        Ok(line) => {
                            if tx.send(Some(line)).is_err() {
                                return;
                            }
                        }
                        Err(_) => break,
                    }
                }
                let _ = tx.send(None);
            });
        }
        let mut stdin_open = !args.ignore_stdin;
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                _ = term.recv() => break,
                line = lines.recv(), if stdin_open => match line {
                    Some(Some(line)) if line.trim().is_empty() => {}
                    Some(Some(line)) => println!("{}", command(&fake, &mut behavior, line.trim())),
                    // Closed stdin (the parent went away) ends the fake.
                    Some(None) => break,
                    None => stdin_open = false,
                },
            }
        }
        let s = fake.stats();
        eprintln!("fake-provider: stopping after {} requests ({} images, {} audio)", s.requests, s.images, s.audio);
    });
}
