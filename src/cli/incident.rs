//! `opsdeck incident list | report ID`: checklist sessions from the state
//! store, for a terminal or a script.

use crate::cli::{existing_store, print_out, EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE};
use crate::cli::{Cli, IncidentCmd};
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
        IncidentCmd::Report { id } => match store.session(id).await {
            Ok(Some(s)) => {
                use crate::runbook::session::report;
                let others = store.audit_entries(Some(s.meta.started_at)).await.unwrap_or_default();
                let text = report::markdown(&s, &others, chrono::Utc::now());
                match store.newest_head().await {
                    Ok(head) => {
                        print_out(&report::with_audit_head(text, &head));
                        EXIT_OK
                    }
                    Err(e) => {
                        eprintln!("opsdeck: {e}");
                        EXIT_CHECK_FAILED
                    }
                }
            }
            Ok(None) => {
                eprintln!("opsdeck: no session {id} (opsdeck incident list shows them)");
                EXIT_USAGE
            }
            Err(e) => {
                eprintln!("opsdeck: {e}");
                EXIT_CHECK_FAILED
            }
        },
    };
    store.close().await;
    ExitCode::from(code)
}
