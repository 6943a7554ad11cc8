//! Starting a session: a runbook picked from the list (or an open session
//! resumed from it), or the runbook an alert names.

use super::{EditPurpose, ListLine, SessionMeta};
use crate::app::update::set_status;
use crate::app::{Command, Level, Overlay, PaneId, State};
use crate::model::action::ChecklistAction;

/// On the list of sessions and runbooks: open a session, or start one.
pub(super) fn on_list_action(state: &mut State, action: ChecklistAction) -> Vec<Command> {
    let sel = state.panes.checklist.selected;
    let picked = state
        .panes
        .checklist
        .list_lines()
        .into_iter()
        .nth(sel)
        .map(|l| match l {
            ListLine::Session(m, _) => Err(m.id.clone()),
            ListLine::Runbook(r) => Ok(r.id.clone()),
        });
    match (action, picked) {
        (ChecklistAction::Run, Some(Err(session))) => vec![Command::OpenSession { id: session }],
        (ChecklistAction::Run | ChecklistAction::New, Some(Ok(runbook))) => {
            ask_new_session(state, &runbook);
            Vec::new()
        }
        (ChecklistAction::New, _) => {
            set_status(
                state,
                Level::Info,
                "select a runbook to start (below the open sessions)",
            );
            Vec::new()
        }
        (_, None) => {
            set_status(
                state,
                Level::Warn,
                "no runbook: add [runbooks] dirs, or use the built-in ones",
            );
            Vec::new()
        }
        _ => {
            set_status(state, Level::Info, "open a session first (enter)");
            Vec::new()
        }
    }
}

/// Start a session of `runbook`: asks for a title; tab picks the severity.
pub fn ask_new_session(state: &mut State, runbook: &str) {
    let Some(r) = state.panes.checklist.runbook(runbook) else {
        set_status(state, Level::Warn, format!("no runbook {runbook}"));
        return;
    };
    if let Some(why) = state.write_refusal() {
        // A maintenance session would also silence alerts: said, so nobody expects them held.
        let also = match r.kind {
            crate::runbook::Kind::Maintenance => ": no session started, no alert silenced",
            _ => "",
        };
        set_status(state, Level::Warn, format!("refused: {why}{also}"));
        return;
    }
    let title = format!("New {} session: {}", r.kind.label(), r.title);
    let mut editor = crate::app::TextEditor::new(
        title,
        EditPurpose::NewSession {
            runbook: runbook.to_string(),
            severity: 0,
        },
        "",
    );
    editor
        .input
        .set_placeholder(format!("a title (enter alone: \"{}\")", r.title));
    state.shell.overlay = Some(Overlay::Editor(Box::new(editor)));
}

/// R on an alert that names a runbook: the new-session dialog for it, the
/// title taken from the alert.
pub fn start_from_alert(state: &mut State) -> Vec<Command> {
    let Some((_, alert)) = state.selected_alert() else {
        set_status(state, Level::Warn, "no alert selected");
        return Vec::new();
    };
    let Some(id) = crate::app::panes::alerts::details::runbook_of(&alert) else {
        set_status(
            state,
            Level::Info,
            format!("{} names no runbook (annotation runbook or runbook_url)", alert.name),
        );
        return Vec::new();
    };
    if state.panes.checklist.runbook(&id).is_none() {
        set_status(
            state,
            Level::Warn,
            format!("{} names the runbook {id}, which is not loaded", alert.name),
        );
        return Vec::new();
    }
    // The alert's name and instance make a title the timeline can be read by.
    let title = if alert.instance.is_empty() {
        alert.name.clone()
    } else {
        format!("{} on {}", alert.name, alert.instance)
    };
    state.shell.focus = PaneId::Checklist;
    state.shell.view = crate::app::View::Zoom(PaneId::Checklist);
    let open: Vec<&SessionMeta> = state
        .panes
        .checklist
        .sessions
        .iter()
        .filter(|(m, runbook)| m.is_open() && *runbook == id)
        .map(|(m, _)| m)
        .collect();
    // This alert's session is open already: back to it, not a second one.
    if let Some(same) = open.iter().find(|m| m.title == title) {
        let text = format!("{} is this alert's open session: resumed", same.id);
        let id = same.id.clone();
        set_status(state, Level::Info, text);
        return vec![Command::OpenSession { id }];
    }
    let others = open.iter().map(|m| m.id.as_str()).collect::<Vec<_>>().join(", ");
    ask_new_session(state, &id);
    if let Some(Overlay::Editor(editor)) = &mut state.shell.overlay {
        editor.input.insert(&title);
    }
    if !others.is_empty() {
        let text = format!("{id} is open already ({others}): this starts another; esc to go back");
        set_status(state, Level::Warn, text);
    }
    Vec::new()
}
