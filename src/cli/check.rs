//! `opsdeck check --runbook ID`: every automated check of a runbook at once.

use super::CheckFormat;
use super::{config_error, print_out, Cli, EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE};
use crate::store::Store;
use std::process::ExitCode;

/// `opsdeck check --runbook ID_OR_FILE`: every automated check of the
/// runbook at once; 0 when all pass, 1 when any fails, 2 when the config or
/// the runbook is wrong (nothing is checked then).
pub async fn run(cli: &Cli, spec: &str, format: CheckFormat) -> ExitCode {
    use crate::runbook::checks::{run_all, unknown_targets, CheckContext};
    let config = match crate::config::Config::discover(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return config_error(&e),
    };
    let runbook = match crate::runbook::find::find_runbook(spec, &config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("opsdeck: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut ctx = CheckContext::new(&config);
    if let Some(location) = crate::runtime::setup::state_location(cli, &config) {
        ctx.log_marks = Some(crate::runtime::setup::log_marks(&location));
    }
    let unknown = unknown_targets(&runbook, &ctx);
    if !unknown.is_empty() {
        for u in unknown {
            eprintln!("opsdeck: runbook {}: {u}", runbook.id);
        }
        return ExitCode::from(EXIT_USAGE);
    }
    let started = chrono::Utc::now();
    let results = run_all(&runbook, &ctx).await;
    // The run is kept as a dated, closed session: the morning round's record.
    let recorded = record_check_run(cli, &config, &runbook, &results, started).await;
    let report = crate::runbook::report::Report::new(&runbook, results, started, chrono::Utc::now());
    match format {
        CheckFormat::Text => print_out(&report.text()),
        CheckFormat::Json => print_out(&format!("{}\n", report.json())),
    }
    match recorded {
        Ok(id) => eprintln!("opsdeck: recorded as session {id}"),
        Err(e) => eprintln!("opsdeck: results NOT recorded: {e}"),
    }
    ExitCode::from(if report.all_passed() {
        EXIT_OK
    } else {
        EXIT_CHECK_FAILED
    })
}

async fn record_check_run(
    cli: &Cli,
    config: &crate::config::Config,
    runbook: &crate::runbook::Runbook,
    results: &[(String, crate::runbook::CheckResult)],
    started: chrono::DateTime<chrono::Utc>,
) -> Result<String, String> {
    let location =
        crate::runtime::setup::state_location(cli, config).ok_or("no state store path: pass --state PATH")?;
    let store = Store::open_at(&location).await.map_err(|e| e.to_string())?;
    let who = crate::model::identity::Identity::detect(config.operator.name.as_deref());
    let done = crate::effects::checklist::record_check_run(&store, &who, runbook, results, started).await;
    store.close().await;
    done
}
