//! Evidence of a review: every item of a campaign with its flags and its
//! decision (justification, reviewer, time), and the audit chain's head at
//! export time, so the file can be tied to the tamper-evident log.

use super::review::{CampaignSummary, DecisionRecord, ReviewItem};
use super::Store;
use crate::model::access::LastLogin;
use crate::store::audit::ExportFormat;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;
use std::collections::HashMap;

pub struct ReviewExport {
    pub summary: CampaignSummary,
    pub items: Vec<ReviewItem>,
    pub decisions: Vec<DecisionRecord>,
    pub audit_head: Option<(i64, String)>,
    pub exported_at: DateTime<Utc>,
}

pub async fn gather(store: &Store, campaign_id: i64) -> Result<ReviewExport, String> {
    let summaries = store.campaigns().await.map_err(|e| e.to_string())?;
    let Some(summary) = summaries.into_iter().find(|s| s.campaign.id == campaign_id) else {
        return Err(format!(
            "no review campaign {campaign_id} (opsdeck review list shows them)"
        ));
    };
    let items = store.campaign_items(campaign_id).await.map_err(|e| e.to_string())?;
    let decisions = store.campaign_decisions(campaign_id).await.map_err(|e| e.to_string())?;
    // Read last: the head covers every decision listed above.
    let audit_head = store.audit_head().await.map_err(|e| e.to_string())?;
    Ok(ReviewExport {
        summary,
        items,
        decisions,
        audit_head,
        exported_at: Utc::now(),
    })
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn last_login(l: LastLogin) -> String {
    match l {
        LastLogin::Unknown => String::new(),
        LastLogin::Never => "never".into(),
        LastLogin::At(t) => ts(t),
    }
}

pub fn render(export: &ReviewExport, format: ExportFormat) -> Result<String, String> {
    let mut by_item: HashMap<i64, Vec<&DecisionRecord>> = HashMap::new();
    for d in &export.decisions {
        by_item.entry(d.item_id).or_default().push(d);
    }
    let (head_seq, head_hash) = match &export.audit_head {
        Some((seq, hash)) => (seq.to_string(), hash.clone()),
        None => (String::new(), String::new()),
    };
    let c = &export.summary.campaign;
    match format {
        ExportFormat::Json => {
            let items: Vec<serde_json::Value> = export
                .items
                .iter()
                .map(|item| {
                    let history = by_item.get(&item.id).cloned().unwrap_or_default();
                    let latest = history.last();
                    json!({
                        "item_id": item.id,
                        "source": item.row.source,
                        "subject": item.row.subject,
                        "role": item.row.role,
                        "status": item.row.status,
                        "last_login": last_login(item.row.last_login),
                        "created_at": item.row.created_at.map(ts),
                        "mfa_enabled": item.row.mfa_enabled,
                        "organization": item.row.organization,
                        "granted_by": item.row.granted_by,
                        "extra": item.row.extra,
                        "flags": item.flags,
                        "decision": latest.map(|d| d.decision),
                        "outcome": latest.map(|d| &d.outcome),
                        "justification": latest.map(|d| &d.justification),
                        "reviewer": latest.map(|d| &d.reviewer),
                        "decided_at": latest.map(|d| ts(d.decided_at)),
                        "decisions": history,
                    })
                })
                .collect();
            let doc = json!({
                "campaign": {
                    "id": c.id, "name": c.name, "created_at": ts(c.created_at), "created_by": c.created_by,
                    "due_at": ts(c.due_at), "sources": c.sources,
                    "total": export.summary.total, "decided": export.summary.decided,
                    "deferred": export.summary.deferred, "flagged": export.summary.flagged,
                },
                "exported_at": ts(export.exported_at),
                "audit_head": export.audit_head.as_ref().map(|(seq, hash)| json!({ "seq": seq, "hash": hash })),
                "items": items,
            });
            serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())
        }
        ExportFormat::Csv => {
            let header = [
                "campaign_id",
                "campaign",
                "item_id",
                "source",
                "subject",
                "role",
                "status",
                "last_login",
                "created_at",
                "mfa_enabled",
                "organization",
                "granted_by",
                "flags",
                "flag_reasons",
                "decision",
                "outcome",
                "justification",
                "reviewer",
                "decided_at",
                "earlier_decisions",
                "extra",
                "audit_head_seq",
                "audit_head_hash",
                "exported_at",
            ];
            let mut rows = Vec::with_capacity(export.items.len());
            for item in &export.items {
                let history = by_item.get(&item.id).cloned().unwrap_or_default();
                let latest = history.last();
                let earlier: Vec<String> = history
                    .iter()
                    .rev()
                    .skip(1)
                    .rev()
                    .map(|d| {
                        format!(
                            "{} {} {} ({}): {}",
                            ts(d.decided_at),
                            d.reviewer,
                            d.decision.as_str(),
                            d.outcome,
                            d.justification
                        )
                    })
                    .collect();
                let r = &item.row;
                let opt = |s: &Option<String>| s.clone().unwrap_or_default();
                let record = [
                    c.id.to_string(),
                    c.name.clone(),
                    item.id.to_string(),
                    r.source.clone(),
                    r.subject.clone(),
                    r.role.clone(),
                    opt(&r.status),
                    last_login(r.last_login),
                    r.created_at.map(ts).unwrap_or_default(),
                    r.mfa_enabled.map(|b| b.to_string()).unwrap_or_default(),
                    opt(&r.organization),
                    opt(&r.granted_by),
                    item.flags.iter().map(|f| f.kind.short()).collect::<Vec<_>>().join(";"),
                    item.flags
                        .iter()
                        .map(|f| f.reason.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                    latest.map(|d| d.decision.as_str().to_string()).unwrap_or_default(),
                    latest.map(|d| d.outcome.clone()).unwrap_or_default(),
                    latest.map(|d| d.justification.clone()).unwrap_or_default(),
                    latest.map(|d| d.reviewer.clone()).unwrap_or_default(),
                    latest.map(|d| ts(d.decided_at)).unwrap_or_default(),
                    earlier.join(" | "),
                    serde_json::to_string(&r.extra).unwrap_or_default(),
                    head_seq.clone(),
                    head_hash.clone(),
                    ts(export.exported_at),
                ];
                rows.push(record);
            }
            crate::text::spreadsheet::csv(&header, rows)
        }
    }
}

/// "Q4 review" and now → `opsdeck-review-3-20261123T030000Z.csv`.
pub fn file_name(campaign_id: i64, format: ExportFormat, now: DateTime<Utc>) -> String {
    let ext = match format {
        ExportFormat::Json => "json",
        ExportFormat::Csv => "csv",
    };
    format!("opsdeck-review-{campaign_id}-{}.{ext}", now.format("%Y%m%dT%H%M%SZ"))
}
