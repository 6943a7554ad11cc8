//! `opsdeck review list | export`: review campaigns as text, CSV or JSON.

use super::ReviewCmd;
use super::{existing_store, print_out, Cli, EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE};
use std::process::ExitCode;

pub async fn run(cli: &Cli, cmd: &ReviewCmd) -> ExitCode {
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

/// One line per campaign, newest first.
pub fn review_list_text(list: &[crate::model::review::CampaignSummary], now: chrono::DateTime<chrono::Utc>) -> String {
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
            crate::text::fit(&c.name, 28),
            c.created_at.format("%Y-%m-%d"),
            crate::text::fit(&c.created_by, 12),
            c.due_at.format("%Y-%m-%d"),
            format!("{}/{}", s.decided, s.total),
            s.deferred,
            format!("{} open", s.flagged_open),
        ));
    }
    out
}
