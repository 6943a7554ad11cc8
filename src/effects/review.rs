//! Access-review actions: start a campaign, decide on items (a revoke runs
//! the source's statement), export the evidence. Each is audited, intent
//! before and outcome after, and a decision is in the store before the
//! screen is told about it.

use crate::app::Msg;
use crate::backends::access::{self, ReviewItem};
use crate::config::{AccessSourceConfig, PostgresConfig};
use crate::effects::audited::{audited, audited_record, Audited};
use crate::model::access::is_own_access;
use crate::model::identity::Identity;
use crate::store::review::{self, Decision, DecisionRecord, NewDecision};
use crate::store::{AuditRecord, Outcome, Store};
use std::sync::Arc;

const PANE: &str = "access";

/// Everything a decision needs besides the store and the operator.
pub struct DecideContext<'a> {
    pub sources: &'a [AccessSourceConfig],
    pub postgres: &'a [PostgresConfig],
    /// `[operator] aliases`: the reviewer's other names in access data.
    pub aliases: &'a [String],
    /// The newest decision id the reviewer had on screen, per item id
    /// (absent: none). Another reviewer's decision since is not overridden
    /// unseen.
    pub seen: &'a std::collections::HashMap<i64, i64>,
}

fn target(campaign_id: i64, item: &ReviewItem) -> String {
    format!(
        "campaign {campaign_id}/{}/{} ({})",
        item.row.source, item.row.subject, item.row.role
    )
}

/// Decide on each item, one audited call and one stored decision each.
/// Returns the decisions that are in the store, and what to tell the operator.
pub async fn review_decide(
    store: &Store,
    who: &Identity,
    ctx: &DecideContext<'_>,
    campaign_id: i64,
    items: &[ReviewItem],
    decision: Decision,
    justification: &str,
) -> (Vec<DecisionRecord>, Msg) {
    let mut recorded = Vec::new();
    let mut failures = Vec::new();
    let mut notes = Vec::new();
    let justification = justification.trim();
    for item in items {
        let target = target(campaign_id, item);
        let action = decision.audit_action();
        let details = serde_json::json!({
            "campaign": campaign_id, "item": item.id, "source": item.row.source,
            "subject": item.row.subject, "role": item.row.role,
            "flags": item.flags.iter().map(|f| &f.reason).collect::<Vec<_>>(),
        });
        // Checked here too, not only on screen: no path records a decision
        // on one's own access.
        if justification.is_empty() || is_own_access(&item.row.subject, &who.operator, ctx.aliases) {
            let reason = if justification.is_empty() {
                "no justification"
            } else {
                "own access"
            };
            let mut details = details;
            if let Some(map) = details.as_object_mut() {
                map.insert("reason".into(), reason.into());
            }
            let refusal = AuditRecord::new(PANE, action, Outcome::Refused)
                .target(&target)
                .details(details);
            let _ = store.append_audit(who, refusal).await;
            failures.push(format!("{}: refused, {reason}", item.row.subject));
            continue;
        }
        // Checked before anything runs: a revoke must not run over a
        // decision the reviewer has not seen.
        let saw = ctx.seen.get(&item.id).copied();
        let overrides = match store.latest_decision(item.id).await {
            Err(e) => {
                failures.push(format!("{} NOT recorded: {e}", item.row.subject));
                break;
            }
            // Another reviewer's decision the screen did not show.
            Ok(Some(other)) if other.unseen_by(&who.operator, saw) => {
                let why = other.decided_since();
                let refusal = AuditRecord::new(PANE, action, Outcome::Refused)
                    .target(&target)
                    .details(serde_json::json!({ "reason": "decided by another reviewer meanwhile", "seen": saw }));
                let _ = store.append_audit(who, refusal).await;
                failures.push(format!("{} NOT recorded: {why}", item.row.subject));
                continue;
            }
            Ok(latest) => latest.filter(|l| l.reviewer != who.operator),
        };
        let mut details = details;
        if let (Some(o), Some(map)) = (&overrides, details.as_object_mut()) {
            // Deciding again over another reviewer's decision, having seen it.
            map.insert(
                "overrides".into(),
                serde_json::json!({
                    "decision_id": o.id, "reviewer": o.reviewer, "decision": o.decision, "decided_at": o.decided_at,
                }),
            );
        }
        let intent = AuditRecord::new(PANE, action, Outcome::Intent)
            .target(&target)
            .justification(justification)
            .details(details);
        let source = ctx.sources.iter().find(|s| s.name == item.row.source);
        let runs_sql = decision == Decision::Revoke && source.is_some_and(|s| s.revoke.is_some());
        let new = |outcome: &'static str, details: serde_json::Value| NewDecision {
            campaign_id,
            item,
            decision,
            outcome,
            justification,
            reviewer: &who.operator,
            details,
            seen: None,
        };
        if !runs_sql {
            let outcome = match decision {
                Decision::Keep => review::KEPT,
                Decision::Defer => review::DEFERRED,
                // No statement configured: the request is the record.
                Decision::Revoke => review::REVOCATION_REQUESTED,
            };
            let call = async {
                store
                    .record_decision(NewDecision {
                        seen: Some(saw),
                        ..new(outcome, serde_json::json!({}))
                    })
                    .await
                    .map_err(|e| e.to_string())
            };
            match audited_record(store, who, intent, call, |_| {
                (Outcome::Ok, vec![("recorded", outcome.into())])
            })
            .await
            {
                Audited::NotDone(e) => {
                    failures.push(format!("{} NOT recorded: {e}", item.row.subject));
                    break;
                }
                Audited::Done(Ok(rec), unaudited) => {
                    if !unaudited.is_empty() {
                        failures.push(format!("{}: recorded{unaudited}", item.row.subject));
                    }
                    recorded.push(rec);
                }
                Audited::Done(Err(e), unaudited) => {
                    failures.push(format!("{} NOT recorded: {e}{unaudited}", item.row.subject))
                }
            }
            continue;
        }
        let Some(src) = source else { continue };
        let call = access::revoke(src, ctx.postgres, &item.row.subject, &item.row.role);
        let judge = |rows: &u64| {
            let outcome = if *rows > 0 { Outcome::Ok } else { Outcome::Failed };
            (outcome, vec![("rows_affected", (*rows).into())])
        };
        let (outcome, details, shown) = match audited_record(store, who, intent, call, judge).await {
            Audited::NotDone(e) => {
                failures.push(format!("{} NOT revoked: {e}", item.row.subject));
                break;
            }
            Audited::Done(Ok(0), unaudited) => (
                review::REVOKE_FAILED,
                serde_json::json!({ "rows_affected": 0, "error": "zero rows affected" }),
                Err(format!(
                    "{}: the revoke statement changed 0 rows (subject not found?){unaudited}",
                    item.row.subject
                )),
            ),
            Audited::Done(Ok(rows), unaudited) => (
                review::REVOKED,
                serde_json::json!({ "rows_affected": rows }),
                Ok(format!(
                    "{} ({}): {rows} row(s){unaudited}",
                    item.row.subject, item.row.role
                )),
            ),
            Audited::Done(Err(e), unaudited) => (
                review::REVOKE_FAILED,
                serde_json::json!({ "error": e }),
                Err(format!("{}: revoke failed: {e}{unaudited}", item.row.subject)),
            ),
        };
        // The attempt is evidence whatever came of it; only a success settles the item.
        match store.record_decision(new(outcome, details)).await {
            Ok(rec) => recorded.push(rec),
            Err(e) => failures.push(format!(
                "{}: {outcome}, but the decision is NOT in the store: {e}",
                item.row.subject
            )),
        }
        match shown {
            Ok(note) => notes.push(note),
            Err(failure) => failures.push(failure),
        }
    }
    let what = match items {
        [one] => format!("{} ({})", one.row.subject, one.row.role),
        many => format!("{} items", many.len()),
    };
    let verb = match decision {
        Decision::Keep => "kept",
        Decision::Revoke => "revoked",
        Decision::Defer => "deferred",
    };
    let msg = if failures.is_empty() {
        let requested = recorded.iter().any(|r| r.outcome == review::REVOCATION_REQUESTED);
        let text = match (decision, requested, notes.is_empty()) {
            (Decision::Revoke, true, true) => {
                format!("revocation requested for {what} (no revoke statement configured)")
            }
            (_, _, true) => format!("{verb} {what}"),
            (_, _, false) => format!("{verb} {}", notes.join(", ")),
        };
        Msg::ActionDone { ok: true, text }
    } else {
        Msg::ActionDone {
            ok: false,
            text: format!(
                "{} {what}: {} of {} failed: {}",
                decision.as_str(),
                failures.len(),
                items.len(),
                failures.join("; ")
            ),
        }
    };
    (recorded, msg)
}

/// Store a new campaign with its snapshot; returns its id.
pub async fn start_campaign(
    store: &Store,
    who: &Identity,
    name: &str,
    due_at: chrono::DateTime<chrono::Utc>,
    items: Arc<Vec<ReviewItem>>,
    sources: serde_json::Value,
) -> (Option<i64>, Msg) {
    let flagged = items.iter().filter(|i| !i.flags.is_empty()).count();
    let details = serde_json::json!({
        "name": name, "due_at": due_at.to_rfc3339(), "items": items.len(), "flagged": flagged,
        "sources": sources,
    });
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
    let call = async {
        store
            .create_campaign(name, &who.operator, now, due_at, &sources, &items)
            .await
            .map_err(|e| e.to_string())
    };
    match audited(store, who, (PANE, "review.start", name), details, call, |_| Outcome::Ok).await {
        Audited::NotDone(e) => (
            None,
            Msg::ActionDone {
                ok: false,
                text: format!("campaign NOT started: {e}"),
            },
        ),
        Audited::Done(Ok(id), unaudited) => (
            Some(id),
            Msg::ActionDone {
                ok: unaudited.is_empty(),
                text: format!(
                    "campaign {id} \"{name}\" started: {} items, {flagged} flagged{unaudited}",
                    items.len()
                ),
            },
        ),
        Audited::Done(Err(e), unaudited) => (
            None,
            Msg::ActionDone {
                ok: false,
                text: format!("campaign NOT started: {e}{unaudited}"),
            },
        ),
    }
}

/// Write a campaign's evidence (CSV) into `dir`; the message says where.
pub async fn export_review(store: &Store, who: &Identity, campaign_id: i64, dir: &std::path::Path) -> Msg {
    use crate::store::audit::ExportFormat;
    use crate::store::review_export;
    let path = dir.join(review_export::file_name(
        campaign_id,
        ExportFormat::Csv,
        chrono::Utc::now(),
    ));
    let details = serde_json::json!({ "campaign": campaign_id, "file": path.display().to_string() });
    let call = async {
        // Gathered after the intent entry: the head in the file covers it.
        let export = review_export::gather(store, campaign_id).await?;
        let text = review_export::render(&export, ExportFormat::Csv)?;
        tokio::fs::write(&path, text)
            .await
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(export.items.len())
    };
    let target = format!("campaign {campaign_id}");
    match audited(store, who, (PANE, "review.export", &target), details, call, |_| {
        Outcome::Ok
    })
    .await
    {
        Audited::NotDone(e) => Msg::ActionDone {
            ok: false,
            text: format!("export NOT done: {e}"),
        },
        Audited::Done(Ok(n), unaudited) => Msg::ActionDone {
            ok: unaudited.is_empty(),
            text: format!(
                "exported {n} items of campaign {campaign_id} to {}{unaudited}",
                path.display()
            ),
        },
        Audited::Done(Err(e), unaudited) => Msg::ActionDone {
            ok: false,
            text: format!("export of campaign {campaign_id} failed: {e}{unaudited}"),
        },
    }
}
