//! Verified actions: after a side effect on a real system, the thing acted
//! on is looked at again, and the verdict ("verified: fixed" or "not
//! fixed", with the state before and after) is written to the audit log as
//! an entry of its own, to the open checklist session's timeline, and to
//! the screen. The side effect itself still goes through `audited`; this
//! only records what came of it. One file per kind of thing looked at.

pub mod alerts;
pub mod container;
pub mod postgres;
pub mod review;

use crate::app::Msg;
use crate::model::identity::Identity;
use crate::model::verify::Verdict;
use crate::runbook::session::{Event, EventKind};
use crate::store::{AuditRecord, Outcome, Store};

/// The side effect a verdict is about.
#[derive(Debug, Clone)]
pub struct Acted {
    /// The pane the action was taken in ("services").
    pub pane: String,
    /// The action as the timeline says it ("restart").
    pub action: String,
    /// The audit action of the side effect ("container.restart").
    pub audited_as: String,
    /// "host/container", "main/4242".
    pub target: String,
    /// The open checklist session, when there was one.
    pub session: Option<String>,
    /// Why it was done past a limit, when it was.
    pub reason: Option<String>,
}

/// Write a verdict: its own audit entry, the session's event, and the line
/// for the screen ("restart prod/web: done — verified: fixed (running,
/// healthy in 12s)").
pub async fn record(store: &Store, who: &Identity, acted: &Acted, verdict: &Verdict) -> Vec<Msg> {
    let outcome = if verdict.fixed { Outcome::Ok } else { Outcome::Failed };
    let rec = AuditRecord::new(&acted.pane, "verify", outcome)
        .target(&acted.target)
        .details(serde_json::json!({
            "verifies": acted.audited_as,
            "verdict": verdict.word(),
            "before": verdict.before,
            "after": verdict.after,
            "summary": verdict.summary,
            "session": acted.session,
        }));
    let mut out = Vec::new();
    let unaudited = match store.append_audit(who, rec).await {
        Ok(_) => String::new(),
        Err(e) => format!(" (verdict NOT in the audit log: {e})"),
    };
    out.extend(in_session(store, who, acted, Some(verdict.fixed), &verdict.before, &verdict.after).await);
    out.push(Msg::ActionDone {
        ok: verdict.fixed && unaudited.is_empty(),
        text: format!(
            "{} {}: done — verified: {} ({}){unaudited}",
            acted.action,
            acted.target,
            verdict.word(),
            verdict.summary
        ),
    });
    out
}

/// The action in the open session's timeline (a restart that failed
/// counts toward the limit too: `verified` is then `None`). Nothing when no
/// session is open; a session closed meanwhile is said in the log only.
pub async fn in_session(
    store: &Store,
    who: &Identity,
    acted: &Acted,
    verified: Option<bool>,
    before: &str,
    after: &str,
) -> Vec<Msg> {
    let Some(session) = acted.session.as_deref() else {
        return Vec::new();
    };
    let event = Event {
        at: chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6),
        operator: who.operator.clone(),
        step: None,
        what: EventKind::Action {
            action: acted.action.clone(),
            target: acted.target.clone(),
            verified,
            before: before.to_string(),
            after: after.to_string(),
            reason: acted.reason.clone(),
        },
    };
    match store.append_session_event(session, &event).await {
        Ok(()) => vec![Msg::SessionEvent {
            session: session.to_string(),
            event,
        }],
        Err(e) => {
            tracing::warn!(session, error = %e, "action not recorded in the session");
            Vec::new()
        }
    }
}
