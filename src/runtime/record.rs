//! `opsdeck record`: the flight recorder without a console. It polls every
//! configured backend with the same actors the console runs and records
//! what they report, so history exists when nobody has opsdeck open. One
//! recorder per store writes (the lease, `store::history::lease`); a second
//! one waits and takes over when the first one's lease lapses.

use super::recorder::{self, RecorderSetup};
use crate::cli::{Cli, EXIT_OK, EXIT_USAGE};
use crate::config::theme::ColorSupport;
use crate::store::history::lease::Role;
use std::process::ExitCode;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};

/// How long stopping may take: the lease given up, the store closed.
const STOP_BUDGET: Duration = Duration::from_millis(800);

pub async fn run(cli: &Cli) -> ExitCode {
    let loaded = match super::setup::load(cli, ColorSupport::None) {
        Ok(l) => l,
        Err(e) => return crate::cli::config_error(&e),
    };
    let config = &loaded.config;
    // The console's log file, rotation and filter: one log per machine's
    // opsdeck, so its files are counted and pruned as one.
    let _log = super::logging::start(cli, config);
    let Some(location) = super::setup::state_location(cli, config) else {
        eprintln!("opsdeck: no state store path: pass --state PATH");
        return ExitCode::from(EXIT_USAGE);
    };
    let targets = crate::backends::targets(config);
    if targets.is_empty() {
        eprintln!("opsdeck: nothing to record: the config names no backend");
        return ExitCode::from(EXIT_USAGE);
    }
    let (Ok(mut sigterm), Ok(mut sigint)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        eprintln!("opsdeck: cannot take signals");
        return ExitCode::from(EXIT_USAGE);
    };
    let store = match crate::store::Store::open_at(&location).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("opsdeck: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    eprintln!("opsdeck record: {} backend(s) into {}", targets.len(), location.shown());
    let (tx, rx) = tokio::sync::mpsc::channel(256);
    let actors = crate::backends::spawn_all(targets, tx);
    let setup = RecorderSetup::new(Role::Record, config);
    let recorder = recorder::spawn(store.clone(), setup, rx, |news| {
        eprintln!("opsdeck record: {}", news.text());
    });
    let why = tokio::select! {
        _ = sigterm.recv() => "SIGTERM",
        _ = sigint.recv() => "SIGINT",
    };
    // The pollers hold the recorder's channel: once they are gone it gives
    // the lease up and ends.
    for a in actors {
        a.abort();
    }
    let stopped = async {
        let _ = recorder.await;
        store.close().await;
    };
    if tokio::time::timeout(STOP_BUDGET, stopped).await.is_err() {
        tracing::warn!("recorder did not stop within {STOP_BUDGET:?}");
    }
    eprintln!("opsdeck record: stopped ({why})");
    ExitCode::from(EXIT_OK)
}
