//! Progress of a foreground worker: a bar per batch on a terminal, plain lines otherwise.
//! It listens to the core's events; it never polls.

use std::collections::HashMap;

use deckmedia_core::events::Event;
use deckmedia_core::JobOutcome;
use deckmedia_core::Core;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

pub struct Display {
    task: JoinHandle<()>,
    stop: tokio_util::sync::CancellationToken,
}

impl Display {
    pub fn start(core: &Core, terminal: bool) -> Display {
        let mut rx = core.subscribe();
        let stop = tokio_util::sync::CancellationToken::new();
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            let multi = MultiProgress::new();
            let mut bars: HashMap<i64, ProgressBar> = HashMap::new();
            loop {
                // Events first: every event sent before the stop (the worker's last
                // BatchFinished) is shown; the stop wins only when none is waiting.
                let event = tokio::select! {
                    biased;
                    e = rx.recv() => e,
                    _ = stopped.cancelled() => break,
                };
                match event {
                    Ok(Event::BatchProgress { batch_id, completed, failed, cancelled, total, eta_text, .. }) => {
                        let done = (completed + failed + cancelled) as u64;
                        if terminal {
                            let bar = bars.entry(batch_id).or_insert_with(|| {
                                let b = multi.add(ProgressBar::new(total as u64));
                                if let Ok(style) = ProgressStyle::with_template("batch {prefix} [{bar:30}] {pos}/{len} words {msg}") {
                                    b.set_style(style.progress_chars("=> "));
                                }
                                b.set_prefix(batch_id.to_string());
                                b
                            });
                            bar.set_length(total as u64);
                            bar.set_position(done);
                            bar.set_message(match (failed, eta_text) {
                                (0, Some(eta)) if done < total as u64 => eta,
                                (0, _) => String::new(),
                                (f, _) => format!("{f} failed"),
                            });
                        } else {
                            let eta = eta_text.filter(|_| done < total as u64).map(|s| format!(", {s}")).unwrap_or_default();
                            println!("batch {batch_id}: {done}/{total} words, {failed} failed{eta}");
                        }
                    }
                    Ok(Event::BatchFinished { batch_id, status, total, summary, .. }) => {
                        let line = format!("batch {batch_id} {status} ({total} words): {summary}");
                        if let Some(bar) = bars.remove(&batch_id) {
                            bar.finish_and_clear();
                        }
                        if terminal {
                            let _ = multi.println(line);
                        } else {
                            println!("{line}");
                        }
                    }
                    Ok(Event::QueueAttention { attention }) => match attention {
                        Some(a) => eprintln!("needs attention: {}", a.reason),
                        None => eprintln!("the queue works again"),
                    },
                    Ok(Event::JobFinished { outcome: JobOutcome::Failed, error: Some(error), word_id, kind, .. }) => {
                        let line = format!("word {word_id} {kind} failed: {error}");
                        if terminal {
                            let _ = multi.println(line);
                        } else {
                            println!("{line}");
                        }
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                }
            }
            for bar in bars.values() {
                bar.abandon();
            }
        });
        Display { task, stop }
    }

    /// Shows what is still queued, then stops.
    pub async fn finish(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}
