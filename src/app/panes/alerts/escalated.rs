//! Escalations on the Alerts pane: what `opsdeck record` (or a console
//! holding the recorder's lease) notified, read from the state store now
//! and then, shown on the alert ("escalated to L2 at 03:22").

use crate::app::{BackendStatus, Command, State};
use crate::model::alerts::AlertRow;
use crate::model::escalation::{paged, EscalationRecord, Paged};
use chrono::{DateTime, Utc};

/// How often the escalations are read again while levels are configured:
/// they are written by another process, which tells nobody.
pub const READ_EVERY: chrono::Duration = chrono::Duration::seconds(15);

/// How far back escalations are read: an alert firing longer than this
/// shows none.
pub fn read_since(now: DateTime<Utc>) -> DateTime<Utc> {
    now - chrono::Duration::days(2)
}

/// Each tick: read the escalations again when it is time.
pub fn on_tick(state: &mut State) -> Vec<Command> {
    if !state.setup.escalates {
        return Vec::new();
    }
    let now = state.wall_now();
    if state
        .panes
        .alerts
        .escalations_read
        .is_some_and(|at| now - at < READ_EVERY)
    {
        return Vec::new();
    }
    state.panes.alerts.escalations_read = Some(now);
    vec![Command::LoadEscalations]
}

/// What was read; an error is only logged: the alerts are shown all the same.
pub fn on_loaded(state: &mut State, result: Result<Vec<EscalationRecord>, String>) -> Vec<Command> {
    match result {
        Ok(records) => state.panes.alerts.escalations = records,
        Err(e) => tracing::warn!(error = %e, "escalations not read"),
    }
    Vec::new()
}

impl State {
    /// Where the alert's paging stands: the last level sent, or failing.
    pub fn escalation_of(&self, source: Option<&BackendStatus>, a: &AlertRow) -> Option<Paged<'_>> {
        let shown_as = self.alert_source_name(source);
        paged(&self.panes.alerts.escalations, |r| {
            r.is_of(shown_as, a, source.is_none())
        })
    }
}

/// "escalated to L2 at 03:22" lines for the details: each level of this
/// firing of the alert, sent or not (yet).
pub fn detail_lines(state: &State, source: Option<&BackendStatus>, a: &AlertRow) -> Vec<String> {
    let shown_as = state.alert_source_name(source);
    state
        .panes
        .alerts
        .escalations
        .iter()
        .filter(|r| r.is_of(shown_as, a, source.is_none()))
        .map(|r| match (r.sent_at, &r.last_error) {
            (Some(at), _) => format!("escalated to {} at {}", r.key.level, at.format("%H:%M")),
            (None, Some(e)) => format!(
                "{}: not sent after {} attempt{} ({e})",
                r.key.level,
                r.attempts,
                if r.attempts == 1 { "" } else { "s" }
            ),
            (None, None) => format!("{}: being sent", r.key.level),
        })
        .collect()
}
