//! Diagnostics go to a file: the terminal belongs to the UI. The audit log
//! never goes through here (this writer may drop lines under pressure).
//!
//! The file rolls over daily (UTC) and only the newest `[log] keep` files
//! stay, so a console left running for months does not fill the disk.

use crate::cli::Cli;
use crate::config::{Config, LogConfig};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

/// Daily files kept when `[log] keep` is not set: a week.
pub const KEEP_DEFAULT: usize = 7;
/// The filter when nothing sets one.
pub const LEVEL_DEFAULT: &str = "info";

/// The log filter: `--log-level`, else `$RUST_LOG`, else `[log] level`,
/// else "info". The nearer to the person the later it is said: the command
/// line wins over the environment, the environment over the config file.
/// One that is empty or does not parse is passed over (`--log-level` is
/// checked when the command line is parsed).
pub fn directive(flag: Option<&str>, env: Option<&str>, config: Option<&str>) -> String {
    [flag, env, config]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|d| !d.is_empty() && EnvFilter::try_new(d).is_ok())
        .unwrap_or(LEVEL_DEFAULT)
        .to_string()
}

/// Where the log goes: `[log] path` (a leading `~/` expanded), else
/// `opsdeck.log` in the XDG state dir. Files are named from it by date.
pub fn configured_path(log: &LogConfig) -> Option<PathBuf> {
    log.path
        .as_deref()
        .map(crate::config::expand_home)
        .or_else(crate::config::default_log_path)
}

/// Files kept, today's included.
pub fn keep(log: &LogConfig) -> usize {
    log.keep.map_or(KEEP_DEFAULT, |k| k.get())
}

/// `opsdeck.log` is written as `opsdeck.2026-12-06.log`: the name before the
/// last dot, the date, the extension.
fn name_parts(path: &Path) -> (String, Option<String>) {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "opsdeck".into());
    let ext = path.extension().map(|e| e.to_string_lossy().into_owned());
    (stem, ext)
}

/// The file the log is written to on `day` (UTC).
pub fn file_for_day(path: &Path, day: NaiveDate) -> PathBuf {
    let (stem, ext) = name_parts(path);
    let date = day.format("%Y-%m-%d");
    let name = match ext {
        Some(ext) => format!("{stem}.{date}.{ext}"),
        None => format!("{stem}.{date}"),
    };
    path.with_file_name(name)
}

/// A daily appender beside `path` that keeps `keep` files; the older ones
/// (same name, other dates) are removed when it opens and at each rollover.
pub fn appender(path: &Path, keep: usize) -> Option<RollingFileAppender> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).ok()?;
    let (stem, ext) = name_parts(path);
    let mut builder = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(stem)
        .max_log_files(keep.max(1));
    if let Some(ext) = ext {
        builder = builder.filename_suffix(ext);
    }
    builder.build(dir).ok()
}

/// Lines waiting for the writer thread before new ones are dropped. The
/// appender's default (128,000) is a channel allocated and touched whole
/// at start: 4 MiB resident for a console that logs a few lines a minute.
const BUFFERED_LINES: usize = 1024;

/// Start file logging; `None` when the file cannot be opened (opsdeck still runs).
pub fn init(path: &Path, directive: &str, keep: usize) -> Option<WorkerGuard> {
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(BUFFERED_LINES)
        .finish(appender(path, keep)?);
    let filter = EnvFilter::try_new(directive).unwrap_or_else(|_| EnvFilter::new(LEVEL_DEFAULT));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

/// Logging as the command line, the environment and the config ask.
pub fn start(cli: &Cli, config: &Config) -> Option<WorkerGuard> {
    let env = std::env::var("RUST_LOG").ok();
    let directive = directive(cli.log_level.as_deref(), env.as_deref(), config.log.level.as_deref());
    init(&configured_path(&config.log)?, &directive, keep(&config.log))
}
