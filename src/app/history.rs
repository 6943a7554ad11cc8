//! History mode: the flight recorder's state of a past moment on every pane
//! and tile, stepped through change by change, and Esc back to live.
//!
//! While a recorded moment is shown, `state.backends` holds it (so every
//! view, selection and row count works on what is on screen) and
//! `shell.now` is that moment (so freshness and ages read as they did
//! then, as `opsdeck history show` draws them). The live data waits in
//! `HistoryMode::live` and every report still goes there; the wall clock
//! waits in `HistoryMode::wall`. Nothing is changed from history mode:
//! actions with side effects are refused ("history: read-only").

use crate::app::dialogs::input::{Edit, Input};
use crate::app::panes::{database, services::keeping_selection};
use crate::app::update::{on_backend, set_status};
use crate::app::{update, BackendStatus, Backends, Command, Level, Msg, Overlay, State};
use crate::model::action::GlobalAction;
use crate::model::backend::BackendReport;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// How far `{` and `}` move.
pub const JUMP: chrono::Duration = chrono::Duration::minutes(5);

/// The moment a load asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryAsk {
    /// The newest recorded change before this time.
    Before(DateTime<Utc>),
    /// The oldest recorded change after this time.
    After(DateTime<Utc>),
    /// Exactly this time.
    At(DateTime<Utc>),
}

/// A recorded moment, as the reports that bring each backend to it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedMoment {
    pub at: DateTime<Utc>,
    pub reports: Vec<BackendReport>,
}

/// History mode is on.
#[derive(Debug, Clone)]
pub struct HistoryMode {
    /// The moment shown; `None` while the first one loads (the live data
    /// stays on screen meanwhile, and nothing is changed either).
    pub at: Option<DateTime<Utc>>,
    /// The live data, kept current while a recorded moment is shown.
    pub live: Option<Backends>,
    /// The wall clock (`shell.now` is the moment shown).
    pub wall: DateTime<Utc>,
    /// The last load asked for: only its answer is shown (steps taken
    /// faster than the store answers would otherwise land out of order).
    pub asked: HistoryAsk,
}

/// The state at `t`: the clock set to `t`, and each recorded backend's
/// reports fed in as they came (so freshness reads as it did then). A
/// backend recorded but no longer configured is shown too.
pub fn replay(state: &mut State, reports: Vec<BackendReport>, t: DateTime<Utc>) {
    update(state, Msg::Tick(t));
    for r in reports {
        if !state.backends.targets.iter().any(|b| b.id == r.id) {
            let interval = Duration::from_secs(5);
            state
                .backends
                .targets
                .push(BackendStatus::new(r.id.clone(), interval, interval));
        }
        update(state, Msg::Backend(r));
    }
    update(state, Msg::DismissStatus);
}

/// `H`, `[`, `]`, `{`, `}`, `t`.
pub(super) fn on_action(state: &mut State, action: GlobalAction) -> Vec<Command> {
    let Some(mode) = &mut state.history else {
        if action == GlobalAction::History {
            let now = state.shell.now;
            return go(state, HistoryAsk::Before(now));
        }
        set_status(state, Level::Info, "live: H looks back in the history");
        return Vec::new();
    };
    // `t` is a text field: only where it is asked for, never opened by a
    // stray `t` of a paste over the live panes.
    if action == GlobalAction::HistoryAt {
        state.shell.overlay = Some(Overlay::HistoryAt(Box::default()));
        return Vec::new();
    }
    // Steps start from the moment shown: none yet, no step.
    let Some(at) = mode.at else {
        return Vec::new();
    };
    let ask = match action {
        GlobalAction::HistoryPrev => HistoryAsk::Before(at),
        GlobalAction::HistoryNext => HistoryAsk::After(at),
        GlobalAction::HistoryEarlier => HistoryAsk::At(at - JUMP),
        GlobalAction::HistoryLater => HistoryAsk::At((at + JUMP).min(mode.wall)),
        _ => return leave(state),
    };
    mode.asked = ask;
    vec![Command::LoadHistory(ask)]
}

/// A load's answer: shown if it is the one asked for last.
pub(super) fn on_loaded(
    state: &mut State,
    ask: HistoryAsk,
    result: Result<Option<RecordedMoment>, String>,
) -> Vec<Command> {
    let Some(mode) = &state.history else {
        return Vec::new();
    };
    if mode.asked != ask {
        return Vec::new();
    }
    let first = mode.at.is_none();
    let why = match result {
        Ok(Some(moment)) => {
            show(state, moment);
            return Vec::new();
        }
        Ok(None) => match ask {
            HistoryAsk::Before(t) => format!("history: nothing recorded before {}", t.format("%H:%M:%S")),
            HistoryAsk::After(_) => "history: no later change recorded (Esc: live)".to_string(),
            HistoryAsk::At(t) => format!("history: nothing recorded at or before {}", t.format("%H:%M:%S")),
        },
        Err(e) => format!("history: {e}"),
    };
    // Nothing to show yet: back to live, saying why.
    let commands = if first { leave(state) } else { Vec::new() };
    set_status(state, Level::Warn, why);
    commands
}

/// Show a recorded moment: rebuilt by `replay` on a state of its own, from
/// the configured targets with none of their live data.
fn show(state: &mut State, moment: RecordedMoment) {
    let Some(mode) = &mut state.history else {
        return;
    };
    let live = mode.live.take().unwrap_or_else(|| std::mem::take(&mut state.backends));
    let mut scratch = State::new(state.shell.identity.clone(), state.shell.keymap.clone(), moment.at);
    scratch.setup = state.setup.clone();
    scratch.backends.targets = live
        .targets
        .iter()
        .map(|b| BackendStatus {
            data: None,
            last_ok: None,
            last_error: None,
            next_in: Duration::ZERO,
            ..b.clone()
        })
        .collect();
    replay(&mut scratch, moment.reports, moment.at);
    if let Some(mode) = &mut state.history {
        mode.live = Some(live);
        mode.at = Some(moment.at);
    }
    state.shell.now = moment.at;
    // The selection stays on its row where the row is still there.
    keeping_selection(state, |s| {
        database::keeping_backend(s, |s| s.backends = scratch.backends)
    });
    database::prune_marks(state);
}

/// Back to live: the live data, current, and the wall clock.
pub(super) fn leave(state: &mut State) -> Vec<Command> {
    let Some(mode) = state.history.take() else {
        return Vec::new();
    };
    state.shell.now = mode.wall;
    if let Some(live) = mode.live {
        keeping_selection(state, |s| database::keeping_backend(s, |s| s.backends = live));
        database::prune_marks(state);
    }
    // Alerts that came while away are noted now (the bell for new critical ones).
    crate::app::panes::alerts::note_alerts(state)
}

/// Whether reports go to the live data kept aside, not to the screen.
pub(super) fn holds_live(state: &State) -> bool {
    state.history.as_ref().is_some_and(|m| m.live.is_some())
}

/// A live report while a recorded moment is shown: into the live data kept
/// aside, judged at the wall clock; nothing on screen changes, not even the
/// footer (a live "down" note under a past moment would read as past).
pub(super) fn on_live_report(state: &mut State, report: BackendReport) -> (Vec<Command>, bool) {
    let Some(mode) = &mut state.history else {
        return (Vec::new(), false);
    };
    let (Some(live), wall) = (mode.live.take(), mode.wall) else {
        return (Vec::new(), false);
    };
    let shown = std::mem::replace(&mut state.backends, live);
    let shown_at = std::mem::replace(&mut state.shell.now, wall);
    let status = state.shell.status.clone();
    on_backend(state, report);
    state.shell.status = status;
    state.shell.now = shown_at;
    let live = std::mem::replace(&mut state.backends, shown);
    if let Some(mode) = &mut state.history {
        mode.live = Some(live);
    }
    (Vec::new(), false)
}

/// A key in the "go to" field: Enter shows the moment typed, never later
/// than now.
pub(super) fn on_at_key(state: &mut State, ev: crossterm::event::KeyEvent, mut input: Box<Input>) -> Vec<Command> {
    match input.key(&ev) {
        Edit::Editing => {
            state.shell.overlay = Some(Overlay::HistoryAt(input));
            Vec::new()
        }
        Edit::Cancel => {
            state.shell.overlay = None;
            Vec::new()
        }
        Edit::Submit => {
            state.shell.overlay = None;
            let now = state.wall_now();
            match crate::text::parse_at(&input.text(), now) {
                Ok(t) => go(state, HistoryAsk::At(t.min(now))),
                Err(e) => {
                    set_status(state, Level::Warn, format!("history: {e}"));
                    Vec::new()
                }
            }
        }
    }
}

/// Ask for `ask`, entering history mode if it is not on.
fn go(state: &mut State, ask: HistoryAsk) -> Vec<Command> {
    match &mut state.history {
        Some(mode) => mode.asked = ask,
        None => {
            state.history = Some(HistoryMode {
                at: None,
                live: None,
                wall: state.shell.now,
                asked: ask,
            })
        }
    }
    vec![Command::LoadHistory(ask)]
}
