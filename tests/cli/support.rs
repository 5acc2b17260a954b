//! Shared set-up for the end-to-end tests of the `deckmedia` binary: a temp folder per test
//! holding the data dir, a working directory, a home directory and the input files; a fake
//! OpenAI-compatible provider on the test's own runtime; and helpers to run the real binary as a
//! child process with a clean environment, bounded by timeouts so a hang fails instead of
//! blocking CI.
//!
//! Layout of a test's temp folder (`root`):
//! `data/` (the `--data-dir`), `cwd/` (the child's working directory), `home/` (its `HOME`),
//! `in/` (input files the test writes). Everything outside `data/` and `in/` must stay empty:
//! [`Env::assert_nothing_written_outside_the_data_dir`] checks it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use deckmedia_testkit::{Behavior, FakeProvider, Stats};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, Command};

/// How long any one CLI command may take before the test fails.
pub const COMMAND_LIMIT: Duration = Duration::from_secs(60);
/// How long a wait on the fake's counters may take.
pub const WAIT_LIMIT: Duration = Duration::from_secs(30);

pub const API_KEY: &str = "sk-test-cli-0123456789";

/// One test's world: temp folders, a fake provider and the environment the child gets.
pub struct Env {
    pub root: TempDir,
    pub fake: FakeProvider,
    /// Extra variables for the child, applied after the defaults (tests override with these).
    pub vars: Vec<(String, String)>,
}

/// A finished command.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Panics with the command's output unless it exited 0.
    #[track_caller]
    pub fn ok(self) -> Output {
        assert!(self.status.success(), "command failed ({}):\nstdout: {}\nstderr: {}", self.status, self.stdout, self.stderr);
        self
    }

    /// stdout parsed as one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr: {}", self.stdout, self.stderr))
    }

    /// A clean failure: a non-zero exit (not a signal), exactly one line on stderr starting
    /// with `error:`, no panic, no backtrace; returns that line.
    #[track_caller]
    pub fn clean_failure(&self) -> String {
        assert!(!self.status.success(), "expected a failure, got success:\nstdout: {}\nstderr: {}", self.stdout, self.stderr);
        assert!(self.status.code().is_some_and(|c| c != 0), "expected a non-zero exit code, got {}", self.status);
        let stderr = self.stderr.trim_end();
        assert!(!stderr.contains("panicked"), "the CLI panicked:\n{stderr}");
        assert!(!stderr.to_lowercase().contains("backtrace"), "a backtrace on stderr:\n{stderr}");
        assert_eq!(stderr.lines().count(), 1, "expected a one-line error on stderr, got:\n{stderr}");
        assert!(stderr.starts_with("error: "), "the error line should start with 'error: ': {stderr}");
        stderr.to_string()
    }
}

/// Default environment for a test: both providers point at the fake.
pub async fn env(behavior: Behavior) -> Env {
    let fake = FakeProvider::start(behavior).await;
    let root = tempfile::tempdir().expect("temp dir");
    for d in ["data", "cwd", "home", "in"] {
        std::fs::create_dir(root.path().join(d)).expect("create test folder");
    }
    Env { root, fake, vars: Vec::new() }
}

impl Env {
    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    /// Writes an input file under `in/` and returns its path.
    pub fn input(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.root.path().join("in").join(name);
        std::fs::write(&p, bytes).expect("write input file");
        p
    }

    /// Sets (or replaces) a variable for every later child.
    pub fn set_var(&mut self, key: &str, value: &str) {
        self.vars.retain(|(k, _)| k != key);
        self.vars.push((key.to_string(), value.to_string()));
    }

    /// `deckmedia --data-dir <data> <args>` with a clean environment.
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_with_data_dir(&self.data_dir(), args)
    }

    pub fn command_with_data_dir(&self, data_dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_deckmedia"));
        cmd.arg("--data-dir").arg(data_dir).args(args);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("DECKMEDIA_") || k.to_string_lossy().starts_with("XDG_") {
                cmd.env_remove(&k);
            }
        }
        let url = self.fake.base_url();
        let defaults = [
            ("DECKMEDIA_IMAGE_PROVIDER", "openai"),
            ("DECKMEDIA_IMAGE_BASE_URL", url.as_str()),
            // The default gpt-image-1 takes no response_format; the fake serves b64_json only.
            ("DECKMEDIA_IMAGE_MODEL", "dall-e-2"),
            ("DECKMEDIA_IMAGE_SIZE", "512x512"),
            ("DECKMEDIA_IMAGE_MAX_CONCURRENCY", "4"),
            ("DECKMEDIA_AUDIO_PROVIDER", "openai"),
            ("DECKMEDIA_AUDIO_BASE_URL", url.as_str()),
            ("DECKMEDIA_AUDIO_MAX_CONCURRENCY", "4"),
            ("DECKMEDIA_API_KEY", API_KEY),
            ("DECKMEDIA_IMAGE_TIMEOUT_SECS", "20"),
            ("DECKMEDIA_AUDIO_TIMEOUT_SECS", "20"),
            ("DECKMEDIA_QUEUE_BACKOFF_BASE_MS", "20"),
            ("DECKMEDIA_QUEUE_BACKOFF_MAX_MS", "200"),
            // Never the developer's real keychain.
            ("DECKMEDIA_KEYSTORE", "file"),
        ];
        for (k, v) in defaults {
            cmd.env(k, v);
        }
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        // A panic would print a backtrace: the clean-failure check then sees it.
        cmd.env("RUST_BACKTRACE", "1");
        cmd.env("HOME", self.root.path().join("home"));
        cmd.env("NO_COLOR", "1");
        cmd.current_dir(self.root.path().join("cwd"));
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.kill_on_drop(true);
        cmd
    }

    /// Runs a command to its end (at most [`COMMAND_LIMIT`]).
    pub async fn run(&self, args: &[&str]) -> Output {
        finish(self.command(args), None, args).await
    }

    /// Runs a command with `stdin` as its standard input.
    pub async fn run_with_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        finish(self.command(args), Some(stdin), args).await
    }

    pub async fn run_with_data_dir(&self, data_dir: &Path, args: &[&str]) -> Output {
        finish(self.command_with_data_dir(data_dir, args), None, args).await
    }

    /// Runs a command that must succeed and print JSON.
    pub async fn json(&self, args: &[&str]) -> Value {
        self.run(args).await.ok().json()
    }

    /// Starts a long-running command (a worker); the caller waits for or kills it.
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).spawn().expect("spawn deckmedia")
    }

    /// Imports `words` (one per line) into `deck` and starts a batch; returns the batch id.
    /// `--yes`: the fake is priced like OpenAI (dall-e-2), so a big batch would ask first.
    pub async fn deck_with_batch(&self, deck: &str, words: &[String]) -> i64 {
        let file = self.input(&format!("{deck}.txt"), words.join("\n"));
        self.run(&["deck", "import", file.to_str().unwrap(), "--deck", deck, "--lang", "en"]).await.ok();
        let batch = self.json(&["generate", "--deck", deck, "--yes", "--json"]).await;
        batch["id"].as_i64().expect("batch id")
    }

    pub async fn status(&self, batch: i64) -> Value {
        self.json(&["status", &batch.to_string(), "--json"]).await
    }

    pub async fn media(&self, deck: &str) -> Vec<Value> {
        match self.json(&["media", "--deck", deck, "--json"]).await {
            Value::Array(v) => v,
            other => panic!("media --json is not an array: {other}"),
        }
    }

    /// Waits until the fake's counters satisfy `cond`, failing the test after [`WAIT_LIMIT`].
    pub async fn wait_for(&self, what: &str, cond: impl FnMut(&Stats) -> bool) {
        if tokio::time::timeout(WAIT_LIMIT, self.fake.wait_for_stats(cond)).await.is_err() {
            panic!("timed out waiting for the fake: {what}; stats now {:?}", self.fake.stats());
        }
    }

    /// Every file and folder under the temp root except the data dir and the inputs.
    pub fn files_outside_the_data_dir(&self) -> BTreeSet<PathBuf> {
        let mut out = BTreeSet::new();
        let skip = [self.data_dir(), self.root.path().join("in")];
        walk(self.root.path(), &mut |p| {
            if !skip.iter().any(|s| p.starts_with(s)) {
                out.insert(p.strip_prefix(self.root.path()).unwrap().to_path_buf());
            }
        });
        out
    }

    /// Only the four folders the test made exist outside `data/`, and `cwd/`, `home/` are empty.
    #[track_caller]
    pub fn assert_nothing_written_outside_the_data_dir(&self) {
        let expected: BTreeSet<PathBuf> = ["cwd", "home"].iter().map(PathBuf::from).collect();
        assert_eq!(self.files_outside_the_data_dir(), expected, "files appeared outside the data dir");
    }
}

async fn finish(mut cmd: Command, stdin: Option<&[u8]>, args: &[&str]) -> Output {
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("spawn deckmedia");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(bytes).await.expect("write stdin");
        drop(pipe);
    }
    let out = tokio::time::timeout(COMMAND_LIMIT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("deckmedia {args:?} did not finish within {COMMAND_LIMIT:?}"))
        .expect("wait for deckmedia");
    Output::from(out)
}

/// Waits for a spawned child to exit (at most [`COMMAND_LIMIT`]) and collects its output.
pub async fn wait_output(child: Child) -> Output {
    let out = tokio::time::timeout(COMMAND_LIMIT, child.wait_with_output())
        .await
        .expect("the child did not exit in time")
        .expect("wait for deckmedia");
    Output::from(out)
}

impl From<std::process::Output> for Output {
    /// Also checks the one rule every command keeps: the API key never appears in its output.
    #[track_caller]
    fn from(out: std::process::Output) -> Output {
        let out = Output {
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(!out.stdout.contains(API_KEY) && !out.stderr.contains(API_KEY), "the API key leaked into the output: {out:?}");
        out
    }
}

/// Sends `signal` to a child by its pid.
pub fn signal(child: &Child, signal: i32) {
    let pid = child.id().expect("the child is still running") as libc::pid_t;
    // SAFETY: kill(2) with a pid we spawned and have not reaped yet; no memory is involved.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill({pid}, {signal}) failed: {}", std::io::Error::last_os_error());
}

pub fn walk(dir: &Path, f: &mut impl FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        f(&p);
        if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            walk(&p, f);
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `n` plain ASCII words.
pub fn words(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:03}")).collect()
}

/// The media state of one word and kind (`"image"` or `"audio"`).
pub fn state<'a>(media: &'a [Value], word: &str, kind: &str) -> &'a Value {
    let w = media.iter().find(|m| m["text"] == word).unwrap_or_else(|| panic!("word {word:?} is missing from media --json"));
    &w[kind]
}

/// Checks one stored file: an absolute path under `<data>/media/`, present, named by the
/// SHA-256 of its content, and valid media of its kind. Returns the bytes.
#[track_caller]
pub fn check_media_file(data_dir: &Path, state: &Value, kind: &str) -> Vec<u8> {
    assert_eq!(state["status"], "done", "{kind} is not done: {state}");
    let path = PathBuf::from(state["path"].as_str().unwrap_or_else(|| panic!("no path in {state}")));
    assert!(path.is_absolute(), "not an absolute path: {}", path.display());
    let media_root = data_dir.canonicalize().expect("data dir").join("media");
    let real = path.canonicalize().unwrap_or_else(|e| panic!("{} does not exist: {e}", path.display()));
    assert!(real.starts_with(&media_root), "{} is not under {}", real.display(), media_root.display());
    let bytes = std::fs::read(&real).expect("read media file");
    let stem = real.file_stem().and_then(|s| s.to_str()).expect("file stem");
    assert_eq!(stem, sha256_hex(&bytes), "file name is not the SHA-256 of its content: {}", real.display());
    match kind {
        "image" => {
            assert_eq!(real.extension().and_then(|e| e.to_str()), Some("png"));
            assert!(deckmedia_testkit::is_valid_png(&bytes), "not a valid PNG: {}", real.display());
        }
        "audio" => {
            assert_eq!(real.extension().and_then(|e| e.to_str()), Some("mp3"));
            assert!(deckmedia_testkit::is_valid_mp3(&bytes), "not a valid MP3: {}", real.display());
        }
        other => panic!("unknown kind {other}"),
    }
    bytes
}

/// Every word of `media` has both kinds done with a good file.
#[track_caller]
pub fn assert_all_done(data_dir: &Path, media: &[Value]) {
    for w in media {
        check_media_file(data_dir, &w["image"], "image");
        check_media_file(data_dir, &w["audio"], "audio");
    }
}

/// Temp files (`.tmp-*`) anywhere under `<data>/media`.
pub fn temp_files(data_dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(&data_dir.join("media"), &mut |p| {
        if p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(".tmp-")) {
            out.push(p.to_path_buf());
        }
    });
    out
}
