//! Side effects on real systems, always in the same order (DESIGN.md rule 5):
//! the operator confirmed → audit "intent" is durable → the call → audit
//! "outcome" → a message for the screen. No intent on disk, no call.

use crate::app::{AckTarget, Msg, SignalRequest, OWN_SOURCE};
use crate::backends::docker::{self, ContainerOp};
use crate::config::{AlertmanagerConfig, DockerConfig, PostgresConfig};
use crate::model::identity::Identity;
use crate::model::postgres::PgSignal;
use crate::store::{AckRecord, AuditRecord, Outcome, Store};
use std::future::Future;

/// What one audited call came to.
pub(crate) enum Audited<T> {
    /// The intent could not be written: the call was not made.
    NotDone(String),
    /// The call's result, and a note when its outcome could not be written.
    Done(Result<T, String>, String),
}

/// Write the intent, make the call, write the outcome. `outcome_of` judges a
/// successful call (e.g. PostgreSQL answering "false" is a failure).
pub(crate) async fn audited<T>(
    store: &Store,
    who: &Identity,
    (pane, action, target): (&str, &str, &str),
    details: serde_json::Value,
    call: impl Future<Output = Result<T, String>>,
    outcome_of: impl Fn(&T) -> Outcome,
) -> Audited<T> {
    let intent = AuditRecord::new(pane, action, Outcome::Intent)
        .target(target)
        .details(details);
    audited_record(store, who, intent, call, |v| (outcome_of(v), Vec::new())).await
}

/// `audited` for a caller that fills the intent entry itself (e.g. with the
/// operator's justification) and adds what the call returned to the
/// outcome's details (e.g. rows affected).
pub(crate) async fn audited_record<T>(
    store: &Store,
    who: &Identity,
    intent: AuditRecord,
    call: impl Future<Output = Result<T, String>>,
    judge: impl Fn(&T) -> (Outcome, Vec<(&'static str, serde_json::Value)>),
) -> Audited<T> {
    if let Err(e) = store.append_audit(who, intent.clone()).await {
        return Audited::NotDone(format!("cannot write the audit log: {e}"));
    }
    let result = call.await;
    let mut record = intent;
    let outcome = match &result {
        Ok(v) => {
            let (outcome, extra) = judge(v);
            if let Some(map) = record.details.as_object_mut() {
                map.extend(extra.into_iter().map(|(k, v)| (k.to_string(), v)));
            }
            outcome
        }
        Err(e) => {
            if let Some(map) = record.details.as_object_mut() {
                map.insert("error".into(), serde_json::Value::String(e.clone()));
            }
            Outcome::Failed
        }
    };
    record.outcome = outcome;
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

/// Acknowledge alerts, one audited call each: an Alertmanager alert gets a
/// silence matching exactly its labels, an opsdeck alert a row in the state
/// store. Every ack that took is recorded in the store (the alert's history)
/// and returned, so the screen shows only what was done.
pub async fn acknowledge(
    store: &Store,
    who: &Identity,
    sources: &[AlertmanagerConfig],
    targets: &[AckTarget],
    comment: &str,
    duration: std::time::Duration,
) -> (Vec<AckRecord>, Msg) {
    let mut acked = Vec::new();
    let mut failures = Vec::new();
    // The store keeps microseconds: the record shown is the record kept.
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
    let until = now + chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX);
    for t in targets {
        let source = t.source.as_deref().unwrap_or(OWN_SOURCE);
        let target = format!("{source}/{}", t.name);
        let mut record = AckRecord {
            source: source.to_string(),
            fingerprint: t.fingerprint.clone(),
            alertname: t.name.clone(),
            operator: who.operator.clone(),
            comment: comment.to_string(),
            acked_at: now,
            until,
            silence_id: None,
        };
        let details = serde_json::json!({
            "source": source, "matchers": t.labels, "comment": comment,
            "duration_secs": duration.as_secs(),
        });
        let done = match &t.source {
            Some(name) => {
                let Some(cfg) = sources.iter().find(|s| &s.name == name) else {
                    failures.push(format!("{target}: no such [[alertmanager]]"));
                    continue;
                };
                let call =
                    crate::backends::alertmanager::silences::create(cfg, &t.labels, &who.operator, comment, duration);
                audited(store, who, ("alerts", "alert.ack", &target), details, call, |_| {
                    Outcome::Ok
                })
                .await
            }
            // opsdeck's own alert: the store row is the acknowledgement.
            None => {
                let call = async {
                    store
                        .add_ack(&record)
                        .await
                        .map(|()| String::new())
                        .map_err(|e| e.to_string())
                };
                audited(store, who, ("alerts", "alert.ack", &target), details, call, |_| {
                    Outcome::Ok
                })
                .await
            }
        };
        match done {
            Audited::NotDone(e) => {
                failures.push(format!("{target} NOT done: {e}"));
                break;
            }
            Audited::Done(Ok(silence), unaudited) => {
                if t.source.is_some() {
                    record.silence_id = Some(silence);
                    // The silence holds whatever happens here; only the history would miss it.
                    if let Err(e) = store.add_ack(&record).await {
                        failures.push(format!("{target}: silenced, but not kept in the history: {e}"));
                    }
                }
                if !unaudited.is_empty() {
                    failures.push(format!("{target}: done{unaudited}"));
                }
                acked.push(record);
            }
            Audited::Done(Err(e), unaudited) => failures.push(format!("{target}: {e}{unaudited}")),
        }
    }
    let what = match targets {
        [one] => format!("{}/{}", one.source.as_deref().unwrap_or(OWN_SOURCE), one.name),
        many => format!("{} alerts", many.len()),
    };
    let msg = if failures.is_empty() {
        Msg::ActionDone {
            ok: true,
            text: format!("acknowledged {what} until {}", until.format("%H:%M UTC")),
        }
    } else {
        Msg::ActionDone {
            ok: false,
            text: format!(
                "acknowledge {what}: {} of {} failed: {}",
                failures.len(),
                targets.len(),
                failures.join("; ")
            ),
        }
    };
    (acked, msg)
}

/// End the acknowledgement of one of opsdeck's own alerts.
pub async fn end_own_ack(store: &Store, who: &Identity, fingerprint: &str, name: &str) -> Msg {
    let target = format!("{OWN_SOURCE}/{name}");
    let details = serde_json::json!({ "source": OWN_SOURCE, "fingerprint": fingerprint });
    let call = async {
        store
            .end_ack(OWN_SOURCE, fingerprint, chrono::Utc::now())
            .await
            .map_err(|e| e.to_string())
    };
    let judge = |ended: &u64| if *ended > 0 { Outcome::Ok } else { Outcome::Failed };
    match audited(store, who, ("alerts", "ack.end", &target), details, call, judge).await {
        Audited::NotDone(e) => Msg::ActionDone {
            ok: false,
            text: format!("end the ack of {target} NOT done: {e}"),
        },
        Audited::Done(Ok(0), unaudited) => Msg::ActionDone {
            ok: false,
            text: format!("{target} was not acknowledged{unaudited}"),
        },
        Audited::Done(Ok(_), unaudited) => Msg::ActionDone {
            ok: unaudited.is_empty(),
            text: format!("ended the ack of {target}{unaudited}"),
        },
        Audited::Done(Err(e), unaudited) => Msg::ActionDone {
            ok: false,
            text: format!("end the ack of {target} failed: {e}{unaudited}"),
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
        let call = crate::backends::alertmanager::silences::expire(cfg, id);
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
