//! Subcommands that print and exit: snapshot, check, audit verify and
//! export, review list and export.

use crate::app::PaneId;
use crate::cli::{AuditCmd, CheckFormat, Cli, ReviewCmd};
use crate::config::theme::ColorSupport;
use crate::identity::Identity;
use crate::store::{audit, Store};
use std::process::ExitCode;

/// Exit codes: 0 ok, 1 something checked is not ok, 2 bad usage or configuration.
pub const EXIT_OK: u8 = 0;
pub const EXIT_CHECK_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

pub async fn snapshot(cli: &Cli, pane: Option<&str>, width: u16, height: u16) -> ExitCode {
    let pane = match pane.map(|p| PaneId::parse(p).ok_or(p)) {
        Some(Err(p)) => {
            eprintln!("opsdeck: unknown pane {p:?}; panes: services, database, alerts, access, checklist");
            return ExitCode::from(EXIT_USAGE);
        }
        Some(Ok(p)) => Some(p),
        None => None,
    };
    // Plain text out: colours do not matter, symbols do.
    let loaded = match crate::setup::load(cli, ColorSupport::None) {
        Ok(l) => l,
        Err(e) => return config_error(&e),
    };
    let identity = Identity::detect(loaded.config.operator.name.as_deref());
    let targets = crate::backends::targets(&loaded.config);
    let mut state = crate::setup::initial_state(&loaded, identity, &targets);
    crate::snapshot::poll_all(&mut state, targets).await;
    match crate::snapshot::render_text(&state, &loaded.theme, pane, width.max(1), height.max(1)) {
        Ok(text) => {
            print_out(&text);
            ExitCode::from(EXIT_OK)
        }
        Err(e) => {
            eprintln!("opsdeck: cannot render: {e}");
            ExitCode::from(EXIT_CHECK_FAILED)
        }
    }
}

/// `opsdeck check --runbook ID_OR_FILE`: every automated check of the
/// runbook at once; 0 when all pass, 1 when any fails, 2 when the config or
/// the runbook is wrong (nothing is checked then).
pub async fn check(cli: &Cli, spec: &str, format: CheckFormat) -> ExitCode {
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
    let ctx = CheckContext::new(&config);
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
    let location = crate::setup::state_location(cli, config).ok_or("no state store path: pass --state PATH")?;
    let store = Store::open_at(&location).await.map_err(|e| e.to_string())?;
    let who = crate::identity::Identity::detect(config.operator.name.as_deref());
    let done = crate::checklist_io::record_check_run(&store, &who, runbook, results, started).await;
    store.close().await;
    done
}

/// The state store a headless command reads: it must exist already (a
/// typo in --state must not quietly create an empty one).
pub async fn existing_store(cli: &Cli) -> Result<Store, ExitCode> {
    let config = crate::config::Config::discover(cli.config.as_deref()).map_err(|e| config_error(&e))?;
    let Some(location) = crate::setup::state_location(cli, &config) else {
        eprintln!("opsdeck: no state store path: pass --state PATH");
        return Err(ExitCode::from(EXIT_USAGE));
    };
    if let crate::store::Location::File(path) = &location {
        if !path.exists() {
            eprintln!("opsdeck: state store {} does not exist", path.display());
            return Err(ExitCode::from(EXIT_USAGE));
        }
    }
    Store::open_at(&location).await.map_err(|e| {
        eprintln!("opsdeck: {e}");
        ExitCode::from(EXIT_USAGE)
    })
}

pub async fn review(cli: &Cli, cmd: &ReviewCmd) -> ExitCode {
    let store = match existing_store(cli).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let code = match cmd {
        ReviewCmd::List => match store.campaigns().await {
            Ok(list) => {
                print_out(&review_list_text(&list, chrono::Utc::now()));
                EXIT_OK
            }
            Err(e) => {
                eprintln!("opsdeck: {e}");
                EXIT_CHECK_FAILED
            }
        },
        ReviewCmd::Export { campaign, format } => {
            use crate::store::review_export;
            let out = review_export::gather(&store, *campaign)
                .await
                .and_then(|export| review_export::render(&export, *format));
            match out {
                Ok(text) => {
                    print_out(&format!("{}\n", text.trim_end()));
                    EXIT_OK
                }
                Err(e) if e.starts_with("no review campaign") => {
                    eprintln!("opsdeck: {e}");
                    EXIT_USAGE
                }
                Err(e) => {
                    eprintln!("opsdeck: {e}");
                    EXIT_CHECK_FAILED
                }
            }
        }
    };
    store.close().await;
    ExitCode::from(code)
}

/// Print to stdout; a reader that went away (`| head`) is not an error.
/// Print to stdout without panicking when the reader has gone (`| head`).
pub fn print_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

/// One line per campaign, newest first.
pub fn review_list_text(list: &[crate::store::CampaignSummary], now: chrono::DateTime<chrono::Utc>) -> String {
    if list.is_empty() {
        return "no review campaigns yet (start one in the Access pane: 4, then n)\n".into();
    }
    let mut out = format!(
        "{:>4}  {:<28} {:<10} {:<12} {:<10} {:>9} {:>8} {:>8}  {}\n",
        "ID", "NAME", "CREATED", "BY", "DUE", "DECIDED", "DEFERRED", "FLAGGED", "STATE"
    );
    for s in list {
        let c = &s.campaign;
        let state = if s.complete() {
            "complete"
        } else if s.overdue(now) {
            "OVERDUE"
        } else {
            "in progress"
        };
        out.push_str(&format!(
            "{:>4}  {:<28} {:<10} {:<12} {:<10} {:>9} {:>8} {:>8}  {state}\n",
            c.id,
            crate::ui::widgets::fit(&c.name, 28),
            c.created_at.format("%Y-%m-%d"),
            crate::ui::widgets::fit(&c.created_by, 12),
            c.due_at.format("%Y-%m-%d"),
            format!("{}/{}", s.decided, s.total),
            s.deferred,
            format!("{} open", s.flagged_open),
        ));
    }
    out
}

pub async fn audit(cli: &Cli, cmd: &AuditCmd) -> ExitCode {
    let store = match existing_store(cli).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let code = match cmd {
        AuditCmd::Verify => match store.verify_audit().await {
            Ok(r) => match r.broken {
                None => {
                    print_out(&format!("audit log intact: {} entries\n", r.rows));
                    EXIT_OK
                }
                Some((seq, why)) => {
                    print_out(&format!("audit log BROKEN at sequence {seq}: {why}\n"));
                    EXIT_CHECK_FAILED
                }
            },
            Err(e) => {
                eprintln!("opsdeck: {e}");
                EXIT_CHECK_FAILED
            }
        },
        AuditCmd::Export { format, since } => {
            let since = match since
                .as_deref()
                .map(|s| audit::parse_since(s, chrono::Utc::now()))
                .transpose()
            {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("opsdeck: --since: {e}");
                    return ExitCode::from(EXIT_USAGE);
                }
            };
            match store
                .audit_entries(since)
                .await
                .map_err(|e| e.to_string())
                .and_then(|e| audit::export(&e, *format))
            {
                Ok(text) => {
                    print_out(&format!("{}\n", text.trim_end()));
                    EXIT_OK
                }
                Err(e) => {
                    eprintln!("opsdeck: {e}");
                    EXIT_CHECK_FAILED
                }
            }
        }
    };
    store.close().await;
    ExitCode::from(code)
}

pub fn config_error(e: &crate::config::FileError) -> ExitCode {
    eprintln!("opsdeck: {e}");
    ExitCode::from(EXIT_USAGE)
}
