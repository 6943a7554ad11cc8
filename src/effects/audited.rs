//! Side effects on real systems, always in the same order (DESIGN.md rule 5):
//! the operator confirmed → audit "intent" is durable → the call → audit
//! "outcome" → a message for the screen. No intent on disk, no call.

use crate::model::identity::Identity;
use crate::store::{AuditRecord, Outcome, Store};
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
