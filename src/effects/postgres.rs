//! PostgreSQL: cancel a query or terminate a backend, audited one by one.

use super::audited::{audited, Audited};
use crate::app::{Msg, SignalRequest};
use crate::config::PostgresConfig;
use crate::model::identity::Identity;
use crate::model::postgres::PgSignal;
use crate::store::{Outcome, Store};

/// Cancel or terminate each session, one audited call each, with the
/// operator's reason in every entry.
pub async fn pg_signal(
    store: &Store,
    who: &Identity,
    targets: &[PostgresConfig],
    requests: &[SignalRequest],
    op: PgSignal,
    justification: &str,
) -> Msg {
    let mut failures = Vec::new();
    for r in requests {
        let target = format!("{}/{}", r.target, r.pid);
        let Some(cfg) = targets.iter().find(|t| t.name == r.target) else {
            failures.push(format!("{target}: no such [[postgres]] target"));
            continue;
        };
        let details = serde_json::json!({
            "target": r.target, "pid": r.pid, "user": r.user, "database": r.database,
            "state": r.state, "query": r.query, "justification": justification,
        });
        let call = crate::backends::postgres::actions::signal_backend(cfg, r.pid, op);
        let judge = |signalled: &bool| if *signalled { Outcome::Ok } else { Outcome::Failed };
        match audited(
            store,
            who,
            ("database", op.audit_action(), &target),
            details,
            call,
            judge,
        )
        .await
        {
            Audited::NotDone(e) => {
                failures.push(format!("{target} NOT done: {e}"));
                // Without an audit trail nothing more may be changed.
                break;
            }
            Audited::Done(Ok(true), unaudited) if unaudited.is_empty() => {}
            Audited::Done(Ok(true), unaudited) => failures.push(format!("{target}: done{unaudited}")),
            Audited::Done(Ok(false), unaudited) => {
                failures.push(format!("{target}: the server did not signal it (gone?){unaudited}"))
            }
            Audited::Done(Err(e), unaudited) => failures.push(format!("{target}: {e}{unaudited}")),
        }
    }
    let n = requests.len();
    if failures.is_empty() {
        let what = if n == 1 {
            format!("pid {}", requests[0].pid)
        } else {
            format!("{n} sessions")
        };
        Msg::ActionDone {
            ok: true,
            text: format!("{}: {what} done", op.verb()),
        }
    } else {
        Msg::ActionDone {
            ok: false,
            text: format!(
                "{}: {} of {n} failed: {}",
                op.verb(),
                failures.len(),
                failures.join("; ")
            ),
        }
    }
}
