//! Maintenance windows as the console keeps them: the windows of the
//! maintenance sessions it has read (which own alerts they hold, whether
//! one overran), the plan for opening one, and closing it early once the
//! post-check passes.

use super::EditPurpose;
use crate::app::update::set_status;
use crate::app::{Command, Level, Overlay, State};
use crate::model::backend::BackendKind;
use crate::runbook::session::window::{WindowHold, WindowState};
use crate::runbook::session::Session;
use crate::runbook::window::{MaintenanceWindow, WindowPlan};
use crate::runbook::{Kind, Runbook};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// A maintenance session's window, with its matchers parsed once.
#[derive(Debug, Clone)]
pub struct HeldWindow {
    pub session: String,
    pub session_open: bool,
    pub hold: WindowHold,
}

/// Keep what a session read or changed says of its window.
pub fn note_session(state: &mut State, s: &Session) {
    let windows = &mut state.panes.checklist.windows;
    windows.retain(|w| w.session != s.meta.id);
    let Some(w) = s.window_state() else {
        return;
    };
    windows.push(HeldWindow {
        session: s.meta.id.clone(),
        session_open: s.meta.is_open(),
        hold: WindowHold::of(w),
    });
}

/// At start: read every open maintenance session, so their windows hold
/// own alerts and warn when they overrun without being opened first.
pub fn read_open_windows(state: &State) -> Vec<Command> {
    let prefix = format!("{}-", Kind::Maintenance.session_prefix());
    state
        .panes
        .checklist
        .sessions
        .iter()
        .filter(|(m, _)| m.is_open() && m.id.starts_with(&prefix))
        .map(|(m, _)| Command::RefreshSession { id: m.id.clone() })
        .collect()
}

/// The window holding an alert of opsdeck's own with these labels, now.
pub fn held_by<'a>(state: &'a State, labels: &BTreeMap<String, String>) -> Option<&'a HeldWindow> {
    let now = state.shell.now;
    state.panes.checklist.windows.iter().find(|w| w.hold.holds(labels, now))
}

/// The window holding an alert, if it is one of opsdeck's own (`source`
/// `None`): Alertmanager's alerts are held by the window's silences.
pub fn holding<'a>(
    state: &'a State,
    source: Option<&crate::app::BackendStatus>,
    a: &crate::model::alerts::AlertRow,
) -> Option<&'a HeldWindow> {
    match source {
        Some(_) => None,
        None => held_by(state, &a.labels),
    }
}

/// Open sessions whose window has ended with the work still going, and by how much.
pub fn overruns(state: &State) -> Vec<(&str, std::time::Duration)> {
    let now = state.shell.now;
    state
        .panes
        .checklist
        .windows
        .iter()
        .filter_map(|w| Some((w.session.as_str(), w.hold.state.overran_by(now, w.session_open)?)))
        .collect()
}

/// After an event of the session on screen: its post-check finished with
/// every check passing closes the window, expiring its silences while it
/// still holds (early), only recording it once it has ended.
pub fn close_when_checked(state: &mut State) -> Vec<Command> {
    let Some(s) = &state.panes.checklist.active else {
        return Vec::new();
    };
    if s.runbook.kind != Kind::Maintenance || state.write_refusal().is_some() {
        return Vec::new();
    }
    let Some(w) = s.window_state().filter(|w| w.closed.is_none()) else {
        return Vec::new();
    };
    if !s.post_check_passed() || state.panes.checklist.closing.contains(&s.meta.id) {
        return Vec::new();
    }
    let early = state.shell.now < w.until;
    let session = s.meta.id.clone();
    state.panes.checklist.closing.insert(session.clone());
    set_status(
        state,
        Level::Info,
        format!("{session}: post-check passed, closing the maintenance window…"),
    );
    vec![Command::CloseWindow {
        session,
        silences: if early { w.silences } else { Vec::new() },
        early,
    }]
}

/// The window a new session of `runbook` opens: the runbook's, or asked
/// for (`None`: the dialog is open).
pub fn ask_window(state: &mut State, runbook: &Runbook, title: String, severity: usize) -> Option<MaintenanceWindow> {
    if let Some(w) = &runbook.window {
        return Some(w.clone());
    }
    let editor = crate::app::TextEditor::new(
        format!("Maintenance window for: {title}"),
        EditPurpose::Window {
            runbook: runbook.id.clone(),
            title,
            severity,
        },
        "",
    );
    let mut editor = Box::new(editor);
    editor
        .input
        .set_placeholder("the alerts to hold, and for how long: service=\"api\", env=\"prod\" for 4h".to_string());
    state.shell.overlay = Some(Overlay::Editor(editor));
    None
}

/// The command that starts a maintenance session with `window`: silences
/// on each Alertmanager that may be written to (one member per cluster).
pub fn start(
    state: &mut State,
    runbook: Runbook,
    title: String,
    severity: Option<String>,
    window: MaintenanceWindow,
) -> Vec<Command> {
    if let Some(why) = state.write_refusal() {
        set_status(
            state,
            Level::Warn,
            format!("refused: {why}: a maintenance window creates silences"),
        );
        return Vec::new();
    }
    if let Err(e) = window.usable() {
        set_status(state, Level::Warn, format!("maintenance NOT started: {e}"));
        return Vec::new();
    }
    let (mut sources, mut refused, mut clusters) = (Vec::new(), Vec::new(), Vec::new());
    for b in state
        .backends
        .targets
        .iter()
        .filter(|b| b.id.kind == BackendKind::Alertmanager)
    {
        if b.read_only {
            refused.push(format!("{}: read-only", b.id.name));
            continue;
        }
        // Members of a cluster share their silences: one is asked.
        let cluster = state.setup.clusters.get(&b.id.name);
        if let Some(c) = cluster {
            if clusters.contains(c) {
                continue;
            }
            clusters.push(c.clone());
        }
        sources.push(b.id.name.clone());
    }
    vec![Command::StartMaintenance {
        runbook: Box::new(runbook),
        title,
        severity,
        plan: WindowPlan {
            window,
            sources,
            refused,
        },
    }]
}

/// "held: maintenance MNT-20261122-031502", for an own alert's deadline.
pub fn held_word(w: &HeldWindow) -> String {
    format!("held: maintenance {}", w.session)
}

/// The time a window still holds, or how long it overran.
pub fn window_time(w: &WindowState, now: DateTime<Utc>, session_open: bool) -> String {
    if let Some(c) = &w.closed {
        let how = if c.early { "closed early" } else { "closed" };
        return format!("{how} {}", c.at.format("%H:%M"));
    }
    if let Some(by) = w.overran_by(now, session_open) {
        return format!("OVERRAN by {}", crate::text::duration_text(by.as_secs() as i64));
    }
    match w.left(now) {
        Some(left) => format!(
            "until {} · {} left",
            w.until.format("%H:%M"),
            crate::text::duration_text(left.as_secs() as i64)
        ),
        None => format!("ended {}", w.until.format("%H:%M")),
    }
}
