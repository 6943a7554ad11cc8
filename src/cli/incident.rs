//! `opsdeck incident list | report ID`: checklist sessions from the state
//! store, for a terminal or a script. A report draws the dashboards the
//! flight recorder kept as the console with this configuration shows them.

use crate::cli::{existing_store, print_out, EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE};
use crate::cli::{Cli, IncidentCmd};
use crate::effects::report::{self, ReportError};
use std::process::ExitCode;

pub async fn run(cli: &Cli, cmd: &IncidentCmd) -> ExitCode {
    let store = match existing_store(cli).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let code = match cmd {
        IncidentCmd::List => match store.sessions(false).await {
            Ok(sessions) => {
                let mut text = String::new();
                for (m, runbook) in sessions {
                    let state = match &m.closed_at {
                        Some(at) => format!("closed {}", at.format("%Y-%m-%d %H:%M")),
                        None => "OPEN".to_string(),
                    };
                    text.push_str(&format!(
                        "{}\t{}\t{}\t{}\t{}\t{}\n",
                        m.id,
                        state,
                        m.severity.as_deref().unwrap_or("-"),
                        runbook,
                        m.started_by,
                        m.title
                    ));
                }
                print_out(&text);
                EXIT_OK
            }
            Err(e) => {
                eprintln!("opsdeck: {e}");
                EXIT_CHECK_FAILED
            }
        },
        IncidentCmd::Report { id } => {
            let draw = super::history::dashboard_drawer(cli).await;
            match report::write(&store, draw.as_ref(), id, chrono::Utc::now()).await {
                Ok(text) => {
                    print_out(&text);
                    EXIT_OK
                }
                Err(ReportError::NoSession) => {
                    eprintln!("opsdeck: no session {id} (opsdeck incident list shows them)");
                    EXIT_USAGE
                }
                Err(ReportError::Store(e)) => {
                    eprintln!("opsdeck: {e}");
                    EXIT_CHECK_FAILED
                }
            }
        }
    };
    store.close().await;
    ExitCode::from(code)
}
