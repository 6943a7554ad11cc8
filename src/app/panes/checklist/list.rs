//! The Checklist pane's list of sessions: read again, offered at start,
//! and checks that could not be recorded.

use crate::app::update::set_status;
use crate::app::{Command, Level, PaneId, State};
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
    let what = match open.as_slice() {
        [] => return,
        [one] => format!("open session {} \"{}\"", one.id, one.title),
        many => format!("{} open sessions", many.len()),
    };
    let how = resume_keys(state);
    set_status(state, Level::Info, format!("{what}: {how} resumes"));
}

/// The keys that resume a session from where the operator is: the open
/// key in the Checklist pane, the pane's key first from anywhere else
/// (Enter on the dashboard opens the focused tile, not a session).
fn resume_keys(state: &State) -> String {
    use crate::config::keymap::Scope;
    use crate::model::action::{Action, ChecklistAction, GlobalAction};
    let keymap = &state.shell.keymap;
    let scopes = [Scope::Pane(PaneId::Checklist), Scope::Navigation, Scope::Global];
    let open = keymap
        .first_key(&scopes, Action::Checklist(ChecklistAction::Run))
        .unwrap_or_else(|| "step.run".into());
    if state.shell.view == crate::app::View::Zoom(PaneId::Checklist) {
        return open;
    }
    let pane = keymap
        .first_key(&[Scope::Global], Action::Global(GlobalAction::pane(PaneId::Checklist)))
        .unwrap_or_else(|| ":checklist".into());
    format!("{pane} then {open}")
}
