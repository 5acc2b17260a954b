//! Logs: to stderr and to a daily file in the platform log folder (a week kept). The filter is
//! `DECKMEDIA_LOG` (default `info`). Secrets never reach here: the core's `Secret` hides keys.

use std::path::Path;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// Days of log files kept.
pub const KEEP_FILES: usize = 7;

/// Installs the global subscriber. A log folder that cannot be created only loses the file
/// (stderr still works); calling it twice keeps the first.
pub fn init(log_dir: &Path) {
    let filter = || EnvFilter::try_from_env("DECKMEDIA_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = fmt::layer().with_writer(std::io::stderr).with_target(false).with_filter(filter());
    let file = std::fs::create_dir_all(log_dir)
        .map_err(|e| e.to_string())
        // Owner-only folder and files (new daily files are inside the 0700 folder).
        .map(|_| deckmedia_core::private::restrict_dir_and_files(log_dir))
        .and_then(|_| {
            tracing_appender::rolling::Builder::new()
                .rotation(tracing_appender::rolling::Rotation::DAILY)
                .filename_prefix("deckmedia")
                .filename_suffix("log")
                .max_log_files(KEEP_FILES)
                .build(log_dir)
                .map_err(|e| e.to_string())
        });
    match file {
        Ok(appender) => {
            let file_layer = fmt::layer().with_writer(appender).with_ansi(false).with_filter(filter());
            let _ = tracing_subscriber::registry().with(stderr).with(file_layer).try_init();
        }
        Err(e) => {
            let _ = tracing_subscriber::registry().with(stderr).try_init();
            tracing::warn!("no log file in {}: {e}", log_dir.display());
        }
    }
}
