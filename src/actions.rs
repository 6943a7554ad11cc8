//! Side effects on real systems, always in the same order (DESIGN.md rule 5):
//! the operator confirmed → audit "intent" is durable → the call → audit
//! "outcome" → a message for the screen. No intent on disk, no call.

use crate::app::Msg;
use crate::backends::docker::{self, ContainerOp};
use crate::config::DockerConfig;
use crate::identity::Identity;
use crate::store::{AuditRecord, Outcome, Store};

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
    let intent = AuditRecord::new("services", op.audit_action(), Outcome::Intent)
        .target(&target)
        .details(details.clone());
    if let Err(e) = store.append_audit(who, intent).await {
        return Msg::ActionDone {
            ok: false,
            text: format!("{} {target} NOT done: cannot write the audit log: {e}", op.verb()),
        };
    }
    let result = docker::container_action(cfg, container, op).await;
    let (outcome, details) = match &result {
        Ok(()) => (Outcome::Ok, details),
        Err(e) => (
            Outcome::Failed,
            serde_json::json!({ "host": host, "container": container, "error": e }),
        ),
    };
    let audited = store
        .append_audit(
            who,
            AuditRecord::new("services", op.audit_action(), outcome)
                .target(&target)
                .details(details),
        )
        .await;
    let unaudited = match audited {
        Ok(_) => String::new(),
        Err(e) => format!(" (outcome NOT in the audit log: {e})"),
    };
    match result {
        Ok(()) => Msg::ActionDone {
            ok: unaudited.is_empty(),
            text: format!("{} {target}: done{unaudited}", op.verb()),
        },
        Err(e) => Msg::ActionDone {
            ok: false,
            text: format!("{} {target} failed: {e}{unaudited}", op.verb()),
        },
    }
}
