use clap::Parser;
use opsdeck::cli::{Cli, Cmd, RunbookCmd};
use opsdeck::config::theme::ColorSupport;
use opsdeck::headless::{self, EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE};
use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = opsdeck::terminal::install_hooks() {
        eprintln!("opsdeck: cannot install error hooks: {e}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("opsdeck: cannot start: {e}");
            return ExitCode::from(EXIT_CHECK_FAILED);
        }
    };
    runtime.block_on(async {
        match &cli.command {
            Some(Cmd::Snapshot { pane, width, height }) => {
                headless::snapshot(&cli, pane.as_deref(), *width, *height).await
            }
            Some(Cmd::Audit { command }) => headless::audit(&cli, command).await,
            Some(Cmd::Check { runbook, format }) => headless::check(&cli, runbook, *format).await,
            Some(Cmd::Incident { command }) => opsdeck::headless_incident::run(&cli, command).await,
            Some(Cmd::Runbook { command }) => runbook(&cli, command),
            Some(Cmd::Review { command }) => headless::review(&cli, command).await,
            Some(Cmd::State { command }) => opsdeck::headless_state::run(&cli, command).await,
            None => tui(&cli).await,
        }
    })
}

fn runbook(cli: &Cli, cmd: &RunbookCmd) -> ExitCode {
    match cmd {
        RunbookCmd::Lint { files } => opsdeck::runbook::commands::lint_files(files, cli.config.as_deref()),
        RunbookCmd::Import { file, procedure, list } => {
            opsdeck::runbook::commands::import_file(file, procedure.as_deref(), *list)
        }
    }
}

async fn tui(cli: &Cli) -> ExitCode {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        eprintln!("opsdeck: needs a terminal; for plain text use `opsdeck snapshot`");
        return ExitCode::from(EXIT_USAGE);
    }
    let loaded = match opsdeck::setup::load(cli, ColorSupport::from_env()) {
        Ok(l) => l,
        Err(e) => return headless::config_error(&e),
    };
    let log_path = loaded
        .config
        .log
        .path
        .as_deref()
        .map(opsdeck::config::expand_home)
        .or_else(opsdeck::config::default_log_path);
    let _log = log_path
        .as_deref()
        .and_then(|p| opsdeck::logging::init(p, loaded.config.log.level.as_deref()));
    let Some(location) = opsdeck::setup::state_location(cli, &loaded.config) else {
        eprintln!("opsdeck: no state store path: pass --state PATH");
        return ExitCode::from(EXIT_USAGE);
    };
    let store = match opsdeck::store::Store::open_at(&location).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("opsdeck: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let identity = opsdeck::identity::Identity::detect(loaded.config.operator.name.as_deref());
    let targets = opsdeck::backends::targets(&loaded.config);
    let state = opsdeck::setup::initial_state(&loaded, identity, &targets);
    let opts = opsdeck::runtime::RunOptions {
        state,
        theme: loaded.theme,
        targets,
        store: store.clone(),
        mouse: loaded.config.mouse,
        docker: loaded.config.docker.clone(),
        postgres: loaded.config.postgres.clone(),
        alertmanager: loaded.config.alertmanager.clone(),
        checklist: opsdeck::checklist_io::ChecklistIo {
            reports_dir: opsdeck::setup::reports_dir(&location),
            config: std::sync::Arc::new(loaded.config.clone()),
        },
        access: loaded.config.access.source.clone(),
    };
    let result = opsdeck::runtime::run(opts).await;
    store.close().await;
    match result {
        Ok(reason) => {
            tracing::info!(reason, "exit");
            ExitCode::from(EXIT_OK)
        }
        Err(e) => {
            opsdeck::terminal::restore();
            eprintln!("opsdeck: {e:?}");
            ExitCode::from(EXIT_CHECK_FAILED)
        }
    }
}
