//! Diagnostics go to a file: the terminal belongs to the UI. The audit log
//! never goes through here (this writer may drop lines under pressure).

use std::path::Path;
use tracing_appender::non_blocking::WorkerGuard;

/// Start file logging; `None` when the file cannot be opened (opsdeck still runs).
pub fn init(path: &Path, filter: Option<&str>) -> Option<WorkerGuard> {
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let file = std::fs::OpenOptions::new().create(true).append(true).open(path).ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_new(filter.unwrap_or("info"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
