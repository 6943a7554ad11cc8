//! Side effects on real systems, always in the same order (DESIGN.md rule 5):
//! the operator confirmed → audit "intent" is durable → the call → audit
//! "outcome" → a message for the screen. No intent on disk, no call.

use crate::app::{Msg, SignalRequest};
use crate::backends::docker::{self, ContainerOp};
use crate::backends::pg_model::PgSignal;
use crate::config::{AlertmanagerConfig, DockerConfig, PostgresConfig};
use crate::identity::Identity;
use crate::store::{AuditRecord, Outcome, Store};
use std::future::Future;

/// What one audited call came to.
enum Audited<T> {
    /// The intent could not be written: the call was not made.
    NotDone(String),
    /// The call's result, and a note when its outcome could not be written.
    Done(Result<T, String>, String),
}

/// Write the intent, make the call, write the outcome. `outcome_of` judges a
/// successful call (e.g. PostgreSQL answering "false" is a failure).
async fn audited<T>(
    store: &Store,
    who: &Identity,
    (pane, action, target): (&str, &str, &str),
    details: serde_json::Value,
    call: impl Future<Output = Result<T, String>>,
    outcome_of: impl Fn(&T) -> Outcome,
) -> Audited<T> {
    let intent = AuditRecord::new(pane, action, Outcome::Intent)
        .target(target)
        .details(details.clone());
    if let Err(e) = store.append_audit(who, intent).await {
        return Audited::NotDone(format!("cannot write the audit log: {e}"));
    }
    let result = call.await;
    let mut details = details;
    let outcome = match &result {
        Ok(v) => outcome_of(v),
        Err(e) => {
            if let Some(map) = details.as_object_mut() {
                map.insert("error".into(), serde_json::Value::String(e.clone()));
            }
            Outcome::Failed
        }
    };
    let record = AuditRecord::new(pane, action, outcome).target(target).details(details);
    let unaudited = match store.append_audit(who, record).await {
        Ok(_) => String::new(),
        Err(e) => format!(" (outcome NOT in the audit log: {e})"),
    };
    Audited::Done(result, unaudited)
}

pub async fn container(
    store: &Store,
    who: &Identity,
    hosts: &[DockerConfig],
    host: &str,
    container: &str,
    op: ContainerOp,
) -> Msg {
    let target = format!("{host}/{container}");
    let Some(cfg) = hosts.iter().find(|h| h.name == host) else {
        return Msg::ActionDone {
            ok: false,
            text: format!("{} {target}: no such Docker host", op.verb()),
        };
    };
    let details = serde_json::json!({ "host": host, "container": container });
    let call = docker::container_action(cfg, container, op);
    match audited(
        store,
        who,
        ("services", op.audit_action(), &target),
        details,
        call,
        |_| Outcome::Ok,
    )
    .await
    {
        Audited::NotDone(e) => Msg::ActionDone {
            ok: false,
            text: format!("{} {target} NOT done: {e}", op.verb()),
        },
        Audited::Done(Ok(()), unaudited) => Msg::ActionDone {
            ok: unaudited.is_empty(),
            text: format!("{} {target}: done{unaudited}", op.verb()),
        },
        Audited::Done(Err(e), unaudited) => Msg::ActionDone {
            ok: false,
            text: format!("{} {target} failed: {e}{unaudited}", op.verb()),
        },
    }
}

/// Acknowledge: a silence matching exactly the alert's labels.
pub async fn silence(
    store: &Store,
    who: &Identity,
    sources: &[AlertmanagerConfig],
    source: &str,
    labels: &std::collections::BTreeMap<String, String>,
    comment: &str,
    duration: std::time::Duration,
) -> Msg {
    let name = labels.get("alertname").cloned().unwrap_or_default();
    let target = format!("{source}/{name}");
    let Some(cfg) = sources.iter().find(|s| s.name == source) else {
        return Msg::ActionDone {
            ok: false,
            text: format!("acknowledge {target}: no such [[alertmanager]]"),
        };
    };
    let details = serde_json::json!({
        "source": source, "matchers": labels, "comment": comment,
        "duration_secs": duration.as_secs(),
    });
    let call = crate::backends::am_silences::create(cfg, labels, &who.operator, comment, duration);
    match audited(store, who, ("alerts", "alert.ack", &target), details, call, |_| {
        Outcome::Ok
    })
    .await
    {
        Audited::NotDone(e) => Msg::ActionDone {
            ok: false,
            text: format!("acknowledge {target} NOT done: {e}"),
        },
        Audited::Done(Ok(id), unaudited) => Msg::ActionDone {
            ok: unaudited.is_empty(),
            text: format!("acknowledged {target}: silence {id}{unaudited}"),
        },
        Audited::Done(Err(e), unaudited) => Msg::ActionDone {
            ok: false,
            text: format!("acknowledge {target} failed: {e}{unaudited}"),
        },
    }
}

/// Expire silences, one audited call each.
pub async fn expire_silences(
    store: &Store,
    who: &Identity,
    sources: &[AlertmanagerConfig],
    source: &str,
    ids: &[String],
) -> Msg {
    let Some(cfg) = sources.iter().find(|s| s.name == source) else {
        return Msg::ActionDone {
            ok: false,
            text: format!("expire on {source}: no such [[alertmanager]]"),
        };
    };
    let mut failures = Vec::new();
    for id in ids {
        let target = format!("{source}/{id}");
        let details = serde_json::json!({ "source": source, "silence": id });
        let call = crate::backends::am_silences::expire(cfg, id);
        match audited(store, who, ("alerts", "silence.expire", &target), details, call, |_| {
            Outcome::Ok
        })
        .await
        {
            Audited::NotDone(e) => {
                failures.push(format!("{id} NOT done: {e}"));
                break;
            }
            Audited::Done(Ok(()), unaudited) if unaudited.is_empty() => {}
            Audited::Done(Ok(()), unaudited) => failures.push(format!("{id}: done{unaudited}")),
            Audited::Done(Err(e), unaudited) => failures.push(format!("{id}: {e}{unaudited}")),
        }
    }
    if failures.is_empty() {
        Msg::ActionDone {
            ok: true,
            text: format!("expired {} silence(s) on {source}", ids.len()),
        }
    } else {
        Msg::ActionDone {
            ok: false,
            text: format!("expire on {source}: {}", failures.join("; ")),
        }
    }
}

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
        let call = crate::backends::pg_actions::signal_backend(cfg, r.pid, op);
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
