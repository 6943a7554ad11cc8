//! A revoke verified. A revoke that ran the source's statement is checked
//! by reading the source again: the row (subject and role) gone or changed.
//! A revoke with no statement configured only records the request: the
//! decision is read back from the store, and the verdict says plainly that
//! the access itself has not been touched.

use super::{record, Acted};
use crate::app::Msg;
use crate::backends::access::{self, ReviewItem};
use crate::effects::review::DecideContext;
use crate::model::identity::Identity;
use crate::model::review::{Decision, DecisionRecord, REVOCATION_REQUESTED, REVOKED};
use crate::model::verify::{describe_access, judge_revoke, Verdict};
use crate::store::Store;

/// Verify each revoke among `records` (the decisions now in the store).
pub async fn revokes(
    store: &Store,
    who: &Identity,
    ctx: &DecideContext<'_>,
    items: &[ReviewItem],
    records: &[DecisionRecord],
    session: Option<String>,
) -> Vec<Msg> {
    let mut out = Vec::new();
    for rec in records.iter().filter(|r| r.decision == Decision::Revoke) {
        let Some(item) = items.iter().find(|i| i.id == rec.item_id) else {
            continue;
        };
        let before = describe_access(Some(&item.row));
        let (fixed, after, summary) = match rec.outcome.as_str() {
            REVOKED => read_again(ctx, item).await,
            REVOCATION_REQUESTED => requested(store, rec).await,
            // A revoke that failed is said by the decision itself.
            _ => continue,
        };
        let acted = Acted {
            pane: "access".into(),
            action: "revoke".into(),
            audited_as: Decision::Revoke.audit_action().into(),
            target: format!(
                "campaign {}/{}/{} ({})",
                rec.campaign_id, item.row.source, item.row.subject, item.row.role
            ),
            session: session.clone(),
            reason: None,
        };
        let verdict = Verdict {
            fixed,
            before,
            after,
            summary,
        };
        out.extend(record(store, who, &acted, &verdict).await);
    }
    out
}

/// The source read again, and the item's row looked for in it.
async fn read_again(ctx: &DecideContext<'_>, item: &ReviewItem) -> (bool, String, String) {
    let Some(src) = ctx.sources.iter().find(|s| s.name == item.row.source) else {
        return (false, "unknown".into(), "the source is no longer configured".into());
    };
    match access::load(src, ctx.postgres).await.result {
        Ok(rows) => {
            let now = rows
                .items
                .iter()
                .find(|i| i.row.subject == item.row.subject && i.row.role == item.row.role)
                .map(|i| &i.row);
            let (fixed, summary) = judge_revoke(&item.row, now);
            (fixed, describe_access(now), summary)
        }
        Err(e) => (
            false,
            format!("unknown ({e})"),
            "the source cannot be read again".into(),
        ),
    }
}

/// A request only: what can be checked is that the decision is stored.
async fn requested(store: &Store, rec: &DecisionRecord) -> (bool, String, String) {
    let stored = matches!(store.latest_decision(rec.item_id).await, Ok(Some(l)) if l.id == rec.id);
    let after = if stored {
        "revocation requested (in the store)"
    } else {
        "revocation request not found in the store"
    };
    (
        false,
        after.into(),
        "only requested: no revoke statement is configured, so the access itself is unchanged until someone removes it"
            .into(),
    )
}
