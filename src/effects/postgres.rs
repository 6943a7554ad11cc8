//! PostgreSQL: cancel a query or terminate a backend, audited one by one.

use super::audited::{audited_record, Audited};
use crate::app::{Msg, SignalRequest};
use crate::config::PostgresConfig;
use crate::model::identity::Identity;
use crate::model::postgres::{PgSignal, Signalled};
use crate::store::{AuditRecord, Outcome, Store};

/// Cancel or terminate each session, one audited call each, with the
/// operator's reason in every entry. A cancel that changed nothing (the
/// session idle in a transaction) is a failure, and comes back as
/// `CancelHadNoEffect` so terminate can be offered.
pub async fn pg_signal(
    store: &Store,
    who: &Identity,
    targets: &[PostgresConfig],
    requests: &[SignalRequest],
    op: PgSignal,
    justification: &str,
) -> Msg {
    pg_signal_each(store, who, targets, requests, op, justification).await.0
}

/// `pg_signal`, and for each request whether the server took the signal
/// (what is worth verifying).
pub(crate) async fn pg_signal_each(
    store: &Store,
    who: &Identity,
    targets: &[PostgresConfig],
    requests: &[SignalRequest],
    op: PgSignal,
    justification: &str,
) -> (Msg, Vec<bool>) {
    let mut took = vec![false; requests.len()];
    let mut failures = Vec::new();
    let mut no_effect = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        let target = format!("{}/{}", r.target, r.pid);
        let Some(cfg) = targets.iter().find(|t| t.name == r.target) else {
            failures.push(format!("{target}: no such [[postgres]] target"));
            continue;
        };
        let details = serde_json::json!({
            "target": r.target, "pid": r.pid, "user": r.user, "database": r.database,
            "state": r.state, "query": r.query, "justification": justification,
        });
        // The reason goes in the justification column, where an auditor looks.
        let intent = AuditRecord::new("database", op.audit_action(), Outcome::Intent)
            .target(&target)
            .justification(justification)
            .details(details);
        let call = crate::backends::postgres::actions::signal_backend(cfg, r.pid, op);
        let judge = |signalled: &Signalled| match signalled {
            Signalled::Yes => (Outcome::Ok, Vec::new()),
            Signalled::NoSuchBackend => (Outcome::Failed, vec![("reason", "no such backend".into())]),
            Signalled::NoEffect(why) => (Outcome::Failed, vec![("reason", why.as_str().into())]),
        };
        match audited_record(store, who, intent, call, judge).await {
            Audited::NotDone(e) => {
                failures.push(format!("{target} NOT done: {e}"));
                // Without an audit trail nothing more may be changed.
                break;
            }
            Audited::Done(Ok(Signalled::Yes), unaudited) if unaudited.is_empty() => took[i] = true,
            Audited::Done(Ok(Signalled::Yes), unaudited) => {
                took[i] = true;
                failures.push(format!("{target}: done{unaudited}"))
            }
            Audited::Done(Ok(Signalled::NoSuchBackend), unaudited) => {
                failures.push(format!("{target}: the server did not signal it (gone?){unaudited}"))
            }
            Audited::Done(Ok(Signalled::NoEffect(why)), unaudited) => {
                failures.push(format!("{target}: NO EFFECT: {why}{unaudited}"));
                no_effect.push(r.clone());
            }
            Audited::Done(Err(e), unaudited) => failures.push(format!("{target}: {e}{unaudited}")),
        }
    }
    (summary(op, requests, failures, no_effect), took)
}

/// One message for all the requests: done, or what failed.
fn summary(op: PgSignal, requests: &[SignalRequest], failures: Vec<String>, no_effect: Vec<SignalRequest>) -> Msg {
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
        let text = format!(
            "{}: {} of {n} failed: {}",
            op.verb(),
            failures.len(),
            failures.join("; ")
        );
        if no_effect.is_empty() {
            Msg::ActionDone { ok: false, text }
        } else {
            // Still blocking: the screen offers to terminate them.
            Msg::CancelHadNoEffect {
                text,
                requests: no_effect,
            }
        }
    }
}
