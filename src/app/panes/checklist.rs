//! The Checklist pane: the runbooks and sessions to pick from, the session
//! being worked through, and what each key does to it. Nothing here is shown
//! as done before the store has it: keys ask for `Command`s, and the events
//! come back as `Msg::SessionEvent` once committed.

use crate::app::update::set_status;
use crate::app::{Command, Level, Overlay, PaneId, State};
/// What this pane's keys can do (named in `model::action`, where the keymap reads them).
pub use crate::model::action::ChecklistAction;
use crate::runbook::session::{Event, EventKind, Session, SessionMeta, StepState};
use crate::runbook::{Check, Runbook};

mod guard;
pub mod hold;
mod list;
mod start;
pub mod window;
pub use list::{offer_open_sessions, on_checks_failed, on_sessions_loaded};
use start::on_list_action;
pub use start::{ask_new_session, start_from_alert};

/// What the pane knows: runbooks, recent sessions, the one open on screen.
#[derive(Debug, Clone, Default)]
pub struct ChecklistPane {
    pub selected: usize,
    /// Built-in and configured runbooks, by id.
    pub runbooks: Vec<Runbook>,
    /// Runbook files that could not be read, with file and line.
    pub load_errors: Vec<String>,
    /// Recent sessions (open ones first) with their runbook id.
    pub sessions: Vec<(SessionMeta, String)>,
    /// The session on screen.
    pub active: Option<Session>,
    /// The timeline instead of the steps.
    pub show_timeline: bool,
    /// Where the cursor was on the steps while the timeline shows: back
    /// there on leaving it, and the step a note from the timeline is on.
    pub step_cursor: usize,
    /// Entries of the audit log from other panes while the session is open.
    pub timeline: Vec<crate::model::audit::AuditEntry>,
    /// Steps whose check is running now.
    pub running: std::collections::BTreeSet<String>,
    /// The open sessions were offered at start (once).
    pub offered: bool,
    /// The maintenance windows of the sessions read: own alerts they hold,
    /// overruns for the header.
    pub windows: Vec<window::HeldWindow>,
    /// Sessions whose window this opsdeck has asked to close.
    pub closing: std::collections::BTreeSet<String>,
}

/// One line of the list shown when no session is on screen.
#[derive(Debug, Clone, PartialEq)]
pub enum ListLine<'a> {
    Session(&'a SessionMeta, &'a str),
    Runbook(&'a Runbook),
}

/// One line of a session on screen: its head, a phase, or a step.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionLine<'a> {
    Head,
    Phase(usize),
    Step(usize, &'a crate::runbook::Step),
}

/// Which text an editor dialog is for.
#[derive(Debug, Clone, PartialEq)]
pub enum EditPurpose {
    /// A new session of this runbook: the text is its title; `severity`
    /// indexes the runbook's severities.
    NewSession {
        runbook: String,
        severity: usize,
    },
    Note {
        step: Option<String>,
    },
    Skip {
        step: String,
    },
    Fail {
        step: String,
    },
    /// Why a step whose check failed is ticked done anyway.
    DoneDespiteCheck {
        step: String,
    },
    Close,
    /// The maintenance window of a new session of this runbook, when the
    /// runbook gives none: matchers, then "for" and a duration.
    Window {
        runbook: String,
        title: String,
        severity: usize,
    },
}

impl ChecklistPane {
    pub fn list_lines(&self) -> Vec<ListLine<'_>> {
        let mut lines: Vec<ListLine<'_>> = self
            .sessions
            .iter()
            .filter(|(m, _)| m.is_open())
            .map(|(m, r)| ListLine::Session(m, r))
            .collect();
        lines.extend(self.runbooks.iter().map(ListLine::Runbook));
        lines
    }

    pub fn runbook(&self, id: &str) -> Option<&Runbook> {
        self.runbooks.iter().find(|r| r.id == id)
    }
}

/// The lines of a session: the head (for session notes), then each phase
/// followed by its steps.
pub fn session_lines(session: &Session) -> Vec<SessionLine<'_>> {
    let mut lines = vec![SessionLine::Head];
    for (i, phase) in session.runbook.phases.iter().enumerate() {
        lines.push(SessionLine::Phase(i));
        lines.extend(phase.steps.iter().map(|s| SessionLine::Step(i, s)));
    }
    lines
}

impl State {
    /// Lines in the Checklist pane, for the selection.
    pub fn checklist_rows(&self) -> usize {
        match &self.panes.checklist.active {
            Some(s) if self.panes.checklist.show_timeline => s.events.len() + self.panes.checklist.timeline.len(),
            Some(s) => session_lines(s).len(),
            None => self.panes.checklist.list_lines().len(),
        }
    }

    fn selected_step(&self) -> Option<(&Session, &crate::runbook::Step)> {
        let s = self.panes.checklist.active.as_ref()?;
        let c = &self.panes.checklist;
        let cursor = if c.show_timeline { c.step_cursor } else { c.selected };
        match session_lines(s).into_iter().nth(cursor)? {
            SessionLine::Step(_, step) => Some((s, step)),
            _ => None,
        }
    }
}

/// A key bound to a Checklist action.
pub fn on_action(state: &mut State, action: ChecklistAction) -> Vec<Command> {
    if state.panes.checklist.active.is_none() {
        return on_list_action(state, action);
    }
    match action {
        ChecklistAction::New => {
            state.panes.checklist.show_timeline = false;
            leave(state);
            Vec::new()
        }
        ChecklistAction::Run => run_selected_check(state),
        ChecklistAction::Tick => tick(state),
        ChecklistAction::Skip | ChecklistAction::Fail | ChecklistAction::Note => ask_text(state, action),
        ChecklistAction::RecheckPhase => recheck_phase(state),
        ChecklistAction::Timeline => {
            if state.panes.checklist.show_timeline {
                leave(state);
                return Vec::new();
            }
            let c = &mut state.panes.checklist;
            c.show_timeline = true;
            c.step_cursor = std::mem::take(&mut c.selected);
            c.active
                .iter()
                .map(|s| Command::LoadTimeline {
                    since: s.meta.started_at,
                })
                .collect()
        }
        ChecklistAction::Report => match &state.panes.checklist.active {
            Some(s) => vec![Command::WriteReport {
                session: s.meta.id.clone(),
            }],
            None => Vec::new(),
        },
        ChecklistAction::Close => ask_text(state, action),
        ChecklistAction::Evidence => capture_evidence(state),
    }
}

/// `E`: a pack for the open session. Allowed when read-only: it reads the
/// systems and writes only the pack and the audit log, as read-only
/// sessions do.
fn capture_evidence(state: &mut State) -> Vec<Command> {
    let open = state.panes.checklist.active.as_ref().filter(|s| s.meta.is_open());
    let Some(session) = open else {
        set_status(state, Level::Error, "evidence: open an incident session first");
        return Vec::new();
    };
    let incident = session.meta.id.clone();
    set_status(state, Level::Info, format!("evidence: capturing for {incident}…"));
    vec![Command::CaptureEvidence { incident }]
}

/// Esc in a session: from the timeline back to the steps, from the steps
/// back to the list (the session stays open).
pub fn leave(state: &mut State) {
    let c = &mut state.panes.checklist;
    if c.show_timeline {
        c.show_timeline = false;
        c.selected = c.step_cursor;
    } else {
        c.active = None;
        c.selected = 0;
    }
}

/// A draft event by the operator, now.
fn event(state: &State, step: Option<&str>, what: EventKind) -> Event {
    Event {
        at: state.shell.now,
        operator: state.shell.identity.operator.clone(),
        step: step.map(String::from),
        what,
    }
}

fn record(state: &mut State, step: Option<&str>, what: EventKind) -> Vec<Command> {
    let Some(s) = &state.panes.checklist.active else {
        return Vec::new();
    };
    if let Some(why) = state.write_refusal() {
        set_status(state, Level::Warn, format!("refused: {why}"));
        return Vec::new();
    }
    let session = s.meta.id.clone();
    let seen = match step {
        Some(step) if what.sets_step_state() => Some(s.last_state_event(step).cloned().map(Box::new)),
        _ => None,
    };
    let event = event(state, step, what);
    vec![Command::RecordEvent { session, event, seen }]
}

/// Space: a pending step is ticked (once its note is written, when one is
/// required); a settled one goes back to pending.
fn tick(state: &mut State) -> Vec<Command> {
    let Some((session, step)) = state.selected_step() else {
        set_status(state, Level::Info, "select a step to tick");
        return Vec::new();
    };
    let id = step.id.clone();
    let what = match session.step_state(&id) {
        StepState::Pending if step.requires_note && session.notes(Some(&id)).next().is_none() => {
            set_status(state, Level::Warn, "this step needs evidence first: i writes a note");
            return Vec::new();
        }
        StepState::Pending => match session.last_check(&id).filter(|r| r.failed()) {
            Some(failed) => {
                let (failed, title) = (failed.clone(), step.title.clone());
                guard::ask_override(state, id, &title, &failed);
                return Vec::new();
            }
            None => EventKind::Done { verified: false },
        },
        _ => EventKind::Reopened,
    };
    record(state, Some(&id), what)
}

fn ask_text(state: &mut State, action: ChecklistAction) -> Vec<Command> {
    let step = state.selected_step().map(|(_, s)| (s.id.clone(), s.title.clone()));
    let (title, purpose) = match (action, step) {
        (ChecklistAction::Note, Some((id, t))) => (format!("Note on: {t}"), EditPurpose::Note { step: Some(id) }),
        (ChecklistAction::Note, None) => ("Note on the session".to_string(), EditPurpose::Note { step: None }),
        (ChecklistAction::Skip, Some((id, t))) => (format!("Skip: {t} — why?"), EditPurpose::Skip { step: id }),
        (ChecklistAction::Fail, Some((id, t))) => {
            (format!("Failed: {t} — what happened?"), EditPurpose::Fail { step: id })
        }
        (ChecklistAction::Close, _) => ("Close the session: resolution summary".to_string(), EditPurpose::Close),
        _ => {
            set_status(state, Level::Info, "select a step");
            return Vec::new();
        }
    };
    if let Some(why) = state.write_refusal() {
        set_status(state, Level::Warn, format!("refused: {why}"));
        return Vec::new();
    }
    let notice = match purpose {
        EditPurpose::Close => guard::close_notice(state.panes.checklist.active.as_ref()),
        _ => Vec::new(),
    };
    let editor = crate::app::TextEditor::new(title, purpose, "").with_notice(notice);
    state.shell.overlay = Some(Overlay::Editor(Box::new(editor)));
    Vec::new()
}

/// The editor was saved: what its text becomes.
pub fn on_text_saved(state: &mut State, purpose: EditPurpose, text: String) -> Vec<Command> {
    let text = text.trim().to_string();
    if let EditPurpose::NewSession { runbook, severity } = purpose {
        let Some(r) = state.panes.checklist.runbook(&runbook).cloned() else {
            return Vec::new();
        };
        let index = severity;
        let severity = r.severities.get(index).cloned();
        let (text, notice) = crate::app::redact::typed(state, "title", &text);
        crate::app::redact::tell(state, notice, false);
        let title = if text.is_empty() { r.title.clone() } else { text };
        if r.kind == crate::runbook::Kind::Maintenance {
            return match window::ask_window(state, &r, title.clone(), index) {
                Some(w) => window::start(state, r, title, severity, w),
                None => Vec::new(),
            };
        }
        return vec![Command::StartSession {
            runbook: Box::new(r),
            title,
            severity,
        }];
    }
    if let EditPurpose::Window {
        runbook,
        title,
        severity,
    } = purpose
    {
        let Some(r) = state.panes.checklist.runbook(&runbook).cloned() else {
            return Vec::new();
        };
        let severity = r.severities.get(severity).cloned();
        return match crate::runbook::window::parse_typed(&text) {
            Ok(w) => window::start(state, r, title, severity, w),
            Err(e) => {
                set_status(state, Level::Warn, format!("maintenance NOT started: {e}"));
                Vec::new()
            }
        };
    }
    if text.is_empty() {
        set_status(state, Level::Warn, "nothing written: nothing recorded");
        return Vec::new();
    }
    let (text, notice) = crate::app::redact::typed(state, crate::app::redact::written(&purpose), &text);
    let commands = match purpose {
        EditPurpose::Note { step } => record(state, step.as_deref(), EventKind::Note { text }),
        EditPurpose::Skip { step } => record(state, Some(&step), EventKind::Skipped { reason: text }),
        EditPurpose::Fail { step } => record(state, Some(&step), EventKind::Failed { reason: text }),
        EditPurpose::DoneDespiteCheck { step } => {
            record(state, Some(&step), EventKind::DoneDespiteCheck { reason: text })
        }
        EditPurpose::Close => record(state, None, EventKind::Closed { resolution: text }),
        EditPurpose::NewSession { .. } | EditPurpose::Window { .. } => Vec::new(),
    };
    // Refused: the footer says why, and nothing was kept.
    if !commands.is_empty() {
        crate::app::redact::tell(state, notice, false);
    }
    commands
}

/// Enter in a session: run the selected step's check.
fn run_selected_check(state: &mut State) -> Vec<Command> {
    let Some((session, step)) = state.selected_step() else {
        set_status(state, Level::Info, "select a step with a check");
        return Vec::new();
    };
    let Some(check) = step.check.clone() else {
        set_status(
            state,
            Level::Info,
            "this step has no automated check: space ticks it by hand",
        );
        return Vec::new();
    };
    let (id, step_id) = (session.meta.id.clone(), step.id.clone());
    run_checks(state, id, vec![(step_id, check)], false)
}

/// R: every check of the current phase again.
fn recheck_phase(state: &mut State) -> Vec<Command> {
    let Some(s) = &state.panes.checklist.active else {
        return Vec::new();
    };
    let phase = s.current_phase();
    let checks: Vec<(String, Check)> = s
        .runbook
        .phases
        .get(phase)
        .map(|p| {
            p.steps
                .iter()
                .filter_map(|st| Some((st.id.clone(), st.check.clone()?)))
                .collect()
        })
        .unwrap_or_default();
    let id = s.meta.id.clone();
    run_checks(state, id, checks, false)
}

fn run_checks(state: &mut State, session: String, checks: Vec<(String, Check)>, auto_tick: bool) -> Vec<Command> {
    if checks.is_empty() {
        return Vec::new();
    }
    if let Some(why) = state.write_refusal() {
        set_status(
            state,
            Level::Warn,
            format!("refused: {why} (results would be recorded)"),
        );
        return Vec::new();
    }
    state
        .panes
        .checklist
        .running
        .extend(checks.iter().map(|(s, _)| s.clone()));
    set_status(state, Level::Info, format!("checking {} step(s)…", checks.len()));
    vec![Command::RunChecks {
        session,
        checks,
        auto_tick,
    }]
}

/// The checks of the current phase's pending steps, run when the phase is
/// reached: a step the systems confirm is ticked by its check.
fn reach_phase(state: &mut State) -> Vec<Command> {
    let Some(s) = &state.panes.checklist.active else {
        return Vec::new();
    };
    if !s.meta.is_open() || state.write_refusal().is_some() {
        return Vec::new();
    }
    let phase = s.current_phase();
    let checks: Vec<(String, Check)> = s
        .runbook
        .phases
        .get(phase)
        .map(|p| {
            p.steps
                .iter()
                .filter(|st| !s.step_state(&st.id).is_settled() && s.last_check(&st.id).is_none())
                .filter(|st| !state.panes.checklist.running.contains(&st.id))
                .filter_map(|st| Some((st.id.clone(), st.check.clone()?)))
                .collect()
        })
        .unwrap_or_default();
    let id = s.meta.id.clone();
    run_checks(state, id, checks, true)
}

/// A session opened (started, resumed, or chosen from the list).
pub fn on_session_opened(state: &mut State, session: Session) -> Vec<Command> {
    let id = session.meta.id.clone();
    if let Some(slot) = state.panes.checklist.sessions.iter_mut().find(|(m, _)| m.id == id) {
        slot.0 = session.meta.clone();
    } else {
        state
            .panes
            .checklist
            .sessions
            .insert(0, (session.meta.clone(), session.runbook.id.clone()));
    }
    state.panes.checklist.active = Some(session);
    state.panes.checklist.show_timeline = false;
    state.panes.checklist.running.clear();
    state.shell.focus = PaneId::Checklist;
    state.shell.view = crate::app::View::Zoom(PaneId::Checklist);
    // Resume on the first step still to do.
    let first_pending = state.panes.checklist.active.as_ref().and_then(|s| {
        session_lines(s)
            .iter()
            .position(|l| matches!(l, SessionLine::Step(_, st) if !s.step_state(&st.id).is_settled()))
    });
    state.panes.checklist.selected = first_pending.unwrap_or(0);
    if let Some(s) = state.panes.checklist.active.clone() {
        window::note_session(state, &s);
    }
    let mut commands = reach_phase(state);
    commands.extend(hold::resume_windows(state));
    commands.extend(window::close_when_checked(state));
    commands
}

/// An event the store has committed: now it is shown.
pub fn on_event(state: &mut State, session: String, event: Event) -> Vec<Command> {
    if let Some(step) = &event.step {
        if matches!(event.what, EventKind::Check(_)) {
            state.panes.checklist.running.remove(step);
        }
    }
    if let EventKind::Closed { .. } = event.what {
        if let Some((m, _)) = state.panes.checklist.sessions.iter_mut().find(|(m, _)| m.id == session) {
            m.closed_at = Some(event.at);
            m.closed_by = Some(event.operator.clone());
        }
    }
    let Some(s) = state.panes.checklist.active.as_mut().filter(|s| s.meta.id == session) else {
        return Vec::new();
    };
    // A read again (another operator's change) may have brought it already.
    if s.events.iter().rev().any(|e| e == &event) {
        return Vec::new();
    }
    let phase_before = s.current_phase();
    if let EventKind::Closed { resolution } = &event.what {
        s.meta.closed_at = Some(event.at);
        s.meta.closed_by = Some(event.operator.clone());
        s.meta.resolution = Some(resolution.clone());
    }
    s.events.push(event);
    let moved = s.current_phase() != phase_before;
    let read = s.clone();
    window::note_session(state, &read);
    let mut commands = window::close_when_checked(state);
    if moved {
        commands.extend(reach_phase(state));
    }
    commands
}

/// The session on screen read again (another operator changed it): what
/// the store holds replaces what was shown (keeping this opsdeck's own
/// events the read missed), the cursor stays.
pub fn on_session_refreshed(state: &mut State, fresh: Session) -> Vec<Command> {
    // Any session read: its window holds alerts whether it is on screen or not.
    window::note_session(state, &fresh);
    let Some(s) = state
        .panes
        .checklist
        .active
        .as_mut()
        .filter(|s| s.meta.id == fresh.meta.id)
    else {
        return Vec::new();
    };
    let phase_before = s.current_phase();
    let meta = fresh.meta.clone();
    s.take_read(fresh);
    if let Some((m, _)) = state.panes.checklist.sessions.iter_mut().find(|(m, _)| m.id == meta.id) {
        *m = meta;
    }
    if s.current_phase() != phase_before {
        return reach_phase(state);
    }
    Vec::new()
}
