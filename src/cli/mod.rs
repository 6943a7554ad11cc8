//! Subcommands that print and exit: snapshot, check, audit verify and
//! export, review list and export, info, config init, doctor, completions
//! and the man page.

mod anchor;
mod args;
pub mod audit;
pub mod check;
pub mod doctor;
pub mod evidence;
pub mod generate;
pub mod history;
pub mod incident;
pub mod info;
pub mod init;
pub mod review;
pub mod runbook;
pub mod snapshot;
pub mod state;

pub use args::*;

use crate::store::Store;
use std::process::ExitCode;

/// Exit codes: 0 ok, 1 something checked is not ok, 2 bad usage or configuration.
pub const EXIT_OK: u8 = 0;
pub const EXIT_CHECK_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// Run what the command line asks for: a headless subcommand, or the console.
pub async fn run(cli: &Cli) -> ExitCode {
    match &cli.command {
        Some(Cmd::Snapshot { pane, width, height }) => snapshot::run(cli, pane.as_deref(), *width, *height).await,
        Some(Cmd::Audit { command }) => audit::run(cli, command).await,
        Some(Cmd::Check { runbook, format }) => check::run(cli, runbook, *format).await,
        Some(Cmd::Incident { command }) => incident::run(cli, command).await,
        Some(Cmd::Runbook { command }) => match command {
            RunbookCmd::Lint { files } => runbook::lint_files(files, cli.config.as_deref()),
            RunbookCmd::Import { file, procedure, list } => runbook::import_file(file, procedure.as_deref(), *list),
        },
        Some(Cmd::Review { command }) => review::run(cli, command).await,
        Some(Cmd::State { command }) => state::run(cli, command).await,
        Some(Cmd::Info) => info::run(cli),
        Some(Cmd::Config { command }) => match command {
            ConfigCmd::Init { out, force } => init::run(out.as_deref(), *force).await,
        },
        Some(Cmd::Doctor) => doctor::run(cli).await,
        Some(Cmd::Completions { shell }) => generate::run_completions(*shell),
        Some(Cmd::Man { dir }) => generate::run_man(dir.as_deref()),
        Some(Cmd::Record) => crate::runtime::record::run(cli).await,
        Some(Cmd::History { command }) => history::run(cli, command).await,
        Some(Cmd::Evidence { command }) => evidence::run(cli, command).await,
        None => crate::runtime::start(cli).await,
    }
}

/// The state store a headless command reads: it must exist already (a
/// typo in --state must not quietly create an empty one).
pub async fn existing_store(cli: &Cli) -> Result<Store, ExitCode> {
    let config = crate::config::Config::discover(cli.config.as_deref()).map_err(|e| config_error(&e))?;
    let Some(location) = crate::runtime::setup::state_location(cli, &config) else {
        eprintln!("opsdeck: no state store path: pass --state PATH");
        return Err(ExitCode::from(EXIT_USAGE));
    };
    if let crate::store::Location::File(path) = &location {
        if !path.exists() {
            eprintln!("opsdeck: state store {} does not exist", path.display());
            return Err(ExitCode::from(EXIT_USAGE));
        }
    }
    let store = Store::open_at(&location).await.map_err(|e| {
        eprintln!("opsdeck: {e}");
        ExitCode::from(EXIT_USAGE)
    })?;
    // Team mode: the server's log must still hold the head seen here last.
    if let (crate::store::Engine::Postgres, Some(file)) = (store.engine(), crate::store::seen_heads_file()) {
        match store.check_seen_head(&file).await {
            Ok(Some(warning)) => eprintln!("opsdeck: WARNING: {warning}"),
            Ok(None) => {}
            Err(e) => eprintln!("opsdeck: warning: the team store's audit head was not checked: {e}"),
        }
    }
    Ok(store)
}

/// Print to stdout without panicking when the reader has gone (`| head`).
/// Everything a subcommand prints comes through here, and none of it is
/// styled: a control character left in the data (the models are cleaned
/// where they are read, this is the second line) never reaches the reader's
/// terminal. Line breaks and tabs stay.
pub fn print_out(text: &str) {
    use std::io::Write;
    let text = crate::text::clean::lines(text.to_string());
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

pub fn config_error(e: &crate::config::FileError) -> ExitCode {
    eprintln!("opsdeck: {e}");
    ExitCode::from(EXIT_USAGE)
}
