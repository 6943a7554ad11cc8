//! What the open checklist session (the incident) means for actions taken
//! meanwhile: each side effect carries its id, so its verdict lands in the
//! timeline; and a container restarted `max_restarts_per_incident` times
//! in it is not restarted again without a reason. Decided here, from
//! state; no IO.

use crate::app::dialogs::confirm::Facts;
use crate::app::update::set_status;
use crate::app::{Command, Level, Overlay, State};
use crate::model::audit::{AuditRecord, Outcome};
use crate::runbook::session::Session;

/// The session on screen, when it is still open.
pub fn open_session(state: &State) -> Option<&Session> {
    state.panes.checklist.active.as_ref().filter(|s| s.meta.is_open())
}

/// Every command tagged with the open session (those that take one).
pub fn tag_session(state: &State, commands: Vec<Command>) -> Vec<Command> {
    match open_session(state) {
        Some(s) => {
            let id = s.meta.id.clone();
            commands.into_iter().map(|c| c.in_session(&id)).collect()
        }
        None => commands,
    }
}

/// The restarts of `target` ("host/container") in the open session and
/// the limit, when the limit is reached; `None` without an open session
/// (no incident, no limit) or below it.
pub fn restart_limit_reached(state: &State, target: &str) -> Option<(usize, u32)> {
    let limit = state.setup.incident.max_restarts_per_incident;
    let restarts = open_session(state)?.restarts_of(target);
    (restarts >= limit as usize).then_some((restarts, limit))
}

/// What the operator is told when the limit is reached.
pub fn limit_words(limit: u32) -> String {
    format!("restart limit reached ({limit}): escalate")
}

/// A restart-limit dialog cancelled: the restart was refused, and that is
/// audited like any refusal. Any other dialog: nothing.
pub fn refused_on_cancel(state: &mut State) -> Vec<Command> {
    let Some(Overlay::Confirm {
        on_yes: Command::Container {
            host, container, op, ..
        },
        facts: Facts::RestartLimit { restarts, limit, .. },
        ..
    }) = &state.shell.overlay
    else {
        return Vec::new();
    };
    let words = limit_words(*limit);
    let rec = AuditRecord::new("services", op.audit_action(), Outcome::Refused)
        .target(format!("{host}/{container}"))
        .details(serde_json::json!({ "reason": words, "restarts": restarts, "limit": limit }));
    set_status(state, Level::Warn, format!("refused: {words}"));
    vec![Command::Audit(rec)]
}
