//! Alerts: acknowledge (a silence on Alertmanager, or a row in the store
//! for opsdeck's own), end an acknowledgement, expire silences. Each call
//! audited.

use super::audited::{audited, audited_record, Audited};
use crate::app::{AckTarget, Msg, OWN_SOURCE};
use crate::config::AlertmanagerConfig;
use crate::model::identity::Identity;
use crate::store::{AckRecord, AuditRecord, Outcome, Store};

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
        // Each alert of a group is its own entry: its name with its instance.
        let entry = audit_target(&target, t);
        let intent = |entry: &str, details| {
            AuditRecord::new("alerts", "alert.ack", Outcome::Intent)
                .target(entry)
                .justification(comment)
                .details(details)
        };
        let done = match &t.source {
            Some(name) => {
                let Some(cfg) = sources.iter().find(|s| &s.name == name) else {
                    failures.push(format!("{target}: no such [[alertmanager]]"));
                    continue;
                };
                let call =
                    crate::backends::alertmanager::silences::create(cfg, &t.labels, &who.operator, comment, duration);
                audited_record(store, who, intent(&entry, details), call, |_| (Outcome::Ok, Vec::new())).await
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
                audited_record(store, who, intent(&entry, details), call, |_| (Outcome::Ok, Vec::new())).await
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

/// The audit target of one acknowledged alert: `source/name` with the
/// alert's instance (or its fingerprint when it has none), so the entries
/// of a group acknowledged at once tell the alerts apart.
fn audit_target(target: &str, t: &AckTarget) -> String {
    match t.labels.get("instance").filter(|i| !i.is_empty()) {
        Some(instance) => format!("{target} on {instance}"),
        None => format!("{target} ({})", t.fingerprint),
    }
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
