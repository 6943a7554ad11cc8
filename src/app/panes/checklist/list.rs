//! The Checklist pane's list of sessions: read again, offered at start,
//! and checks that could not be recorded.

use crate::app::update::set_status;
use crate::app::{Command, Level, State};
use crate::runbook::session::SessionMeta;

/// The session list read again (someone started or closed one).
pub fn on_sessions_loaded(state: &mut State, result: Result<Vec<(SessionMeta, String)>, String>) -> Vec<Command> {
    match result {
        Ok(sessions) => {
            state.panes.checklist.sessions = sessions;
            let rows = state.checklist_rows().saturating_sub(1);
            let sel = &mut state.panes.checklist.selected;
            *sel = (*sel).min(rows);
        }
        Err(e) => set_status(state, Level::Error, format!("sessions not read: {e}")),
    }
    Vec::new()
}

/// Checks that could not be recorded: not running any more.
pub fn on_checks_failed(state: &mut State, steps: &[String], error: &str) {
    for s in steps {
        state.panes.checklist.running.remove(s);
    }
    set_status(state, Level::Error, format!("check results NOT recorded: {error}"));
}

/// At start: offer the open sessions (a dropped SSH connection comes back
/// to where it was).
pub fn offer_open_sessions(state: &mut State) {
    if state.panes.checklist.offered {
        return;
    }
    state.panes.checklist.offered = true;
    let open: Vec<&SessionMeta> = state
        .panes
        .checklist
        .sessions
        .iter()
        .map(|(m, _)| m)
        .filter(|m| m.is_open())
        .collect();
    match open.as_slice() {
        [] => {}
        [one] => {
            let text = format!("open session {} \"{}\": 5, enter resumes it", one.id, one.title);
            set_status(state, Level::Info, text);
        }
        many => {
            let text = format!("{} open sessions: 5 lists them, enter resumes", many.len());
            set_status(state, Level::Info, text);
        }
    }
}
