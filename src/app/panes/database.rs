//! The Database pane's list: the sessions worth a look on every target,
//! marks for acting on several, and cancel/terminate asked with a reason.

use crate::app::dialogs::confirm::{BackendFacts, Facts};
use crate::app::panes::filter::ListFilter;
use crate::app::update::{read_only_refusal, set_status};
use crate::app::View;
use crate::app::{BackendStatus, Command, Level, Overlay, PaneId, State};
/// What this pane's keys can do (named in `model::action`, where the keymap reads them).
pub use crate::model::action::DatabaseAction;

/// Sessions a cancel or terminate dialog lists by name; the rest are counted.
pub const CONFIRM_SHOWS: usize = 8;
use crate::model::backend::BackendKind;
use crate::model::docker::Row;
use crate::model::postgres::{mask_literals, query_for_screen, PgBackend, PgSignal};

/// One session an operator asked to cancel or terminate, as the audit log
/// records it (query literals masked).
#[derive(Debug, Clone, PartialEq)]
pub struct SignalRequest {
    pub target: String,
    pub pid: i32,
    pub user: String,
    pub database: String,
    pub state: String,
    pub query: String,
}

/// The Database pane: the selected session and the marked ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatabasePane {
    pub selected: usize,
    /// Marked sessions, by (target, pid).
    pub marked: std::collections::BTreeSet<(String, i32)>,
    /// Only sessions matching this (target, user, database, application,
    /// client, state, wait event, the query as shown).
    pub filter: ListFilter,
}

impl State {
    /// Sessions of every target, targets in config order, each worst first,
    /// narrowed by the filter.
    pub fn db_backends(&self) -> Vec<(&BackendStatus, &PgBackend)> {
        let filter = &self.panes.database.filter;
        self.backends_of(BackendKind::Postgres)
            .filter_map(|b| b.postgres().map(|p| (b, p)))
            .flat_map(|(b, p)| p.backends.iter().map(move |s| (b, s)))
            .filter(|(b, s)| {
                filter.pattern().is_none_or(|_| {
                    // The query as the screen shows it: a literal the screen
                    // masks cannot be found by filtering for it.
                    let query = query_for_screen(&s.query, &self.setup.redactor);
                    let fields = [&b.id.name, &s.user, &s.database, &s.application, &s.state, &query];
                    filter.keeps(
                        fields
                            .into_iter()
                            .map(String::as_str)
                            .chain(s.client_addr.as_deref())
                            .chain(s.wait_event.as_deref()),
                    )
                })
            })
            .collect()
    }

    pub fn selected_backend(&self) -> Option<(&BackendStatus, &PgBackend)> {
        self.db_backends().into_iter().nth(self.panes.database.selected)
    }

    pub fn is_marked(&self, target: &str, pid: i32) -> bool {
        self.panes.database.marked.contains(&(target.to_string(), pid))
    }
}

/// Run a change that may reorder the sessions (every poll does: durations
/// grow), keeping the selection on the same session.
pub fn keeping_backend(state: &mut State, change: impl FnOnce(&mut State)) {
    let before = state.selected_backend().map(|(b, s)| (b.id.name.clone(), s.pid));
    change(state);
    let Some((target, pid)) = before else { return };
    if let Some(i) = state
        .db_backends()
        .iter()
        .position(|(b, s)| b.id.name == target && s.pid == pid)
    {
        state.panes.database.selected = i;
    }
}

pub fn toggle_mark(state: &mut State) {
    let Some((b, s)) = state.selected_backend() else { return };
    let key = (b.id.name.clone(), s.pid);
    if !state.panes.database.marked.remove(&key) {
        state.panes.database.marked.insert(key);
    }
    // Marking moves on, so a run of rows is marked with repeated presses.
    let last = state.row_count(PaneId::Database).saturating_sub(1);
    let sel = &mut state.panes.database.selected;
    *sel = (*sel + 1).min(last);
}

/// Mark every session of the selected one's target with its user and state,
/// e.g. all idle-in-transaction sessions of one application user.
pub fn mark_similar(state: &mut State) {
    let Some((b, s)) = state.selected_backend() else { return };
    let (target, user, st) = (b.id.name.clone(), s.user.clone(), s.state.clone());
    let pids: Vec<i32> = state
        .db_backends()
        .into_iter()
        .filter(|(b, s)| b.id.name == target && s.user == user && s.state == st)
        .map(|(_, s)| s.pid)
        .collect();
    let n = pids.len();
    state
        .panes
        .database
        .marked
        .extend(pids.into_iter().map(|pid| (target.clone(), pid)));
    set_status(
        state,
        Level::Info,
        format!("marked {n} sessions of {user} ({st}) on {target}"),
    );
}

/// Forget marks of sessions that are gone: a pid can be reused by a new session.
pub fn prune_marks(state: &mut State) {
    if state.panes.database.marked.is_empty() {
        return;
    }
    let live: std::collections::BTreeSet<(String, i32)> = state
        .db_backends()
        .into_iter()
        .map(|(b, s)| (b.id.name.clone(), s.pid))
        .collect();
    state.panes.database.marked.retain(|k| live.contains(k));
}

/// Cancel or terminate the marked sessions, or the selected one: refused
/// read-only and for opsdeck's own session; otherwise a dialog that lists
/// them and asks for a one-line reason before anything is sent.
pub fn ask_signal(state: &mut State, op: PgSignal) -> Vec<Command> {
    let chosen: Vec<(&BackendStatus, &PgBackend)> = if state.panes.database.marked.is_empty() {
        state.selected_backend().into_iter().collect()
    } else {
        state
            .db_backends()
            .into_iter()
            .filter(|(b, s)| state.is_marked(&b.id.name, s.pid))
            .collect()
    };
    if chosen.is_empty() {
        set_status(state, Level::Warn, "no session selected");
        return Vec::new();
    }
    let own = chosen
        .iter()
        .find(|(b, s)| b.postgres().is_some_and(|p| p.own_pid == s.pid) || s.application == "opsdeck");
    if let Some((b, s)) = own {
        let text = format!("refused: pid {} on {} is opsdeck's own session", s.pid, b.id.name);
        set_status(state, Level::Warn, text);
        return Vec::new();
    }
    let requests: Vec<SignalRequest> = chosen
        .iter()
        .map(|(b, s)| SignalRequest {
            target: b.id.name.clone(),
            pid: s.pid,
            user: s.user.clone(),
            database: s.database.clone(),
            state: s.state.clone(),
            query: state.setup.redactor.redact(&mask_literals(&s.query)),
        })
        .collect();
    let read_only_target = chosen
        .iter()
        .find(|(b, _)| b.read_only)
        .map(|(b, _)| (b.id.name.clone(), b.lock()));
    let shown: Vec<BackendFacts> = chosen
        .iter()
        .take(CONFIRM_SHOWS)
        .map(|(b, s)| BackendFacts {
            target: b.id.name.clone(),
            pid: s.pid,
            user: s.user.clone(),
            // Redacted with the config's secrets here: the dialog's view knows only the patterns.
            query: query_for_screen(&s.query, &state.setup.redactor),
        })
        .collect();
    let target = match &read_only_target {
        Some((t, _)) => t.clone(),
        None => requests
            .iter()
            .map(|r| format!("{}/{}", r.target, r.pid))
            .collect::<Vec<_>>()
            .join(","),
    };
    if let Some(refusal) = read_only_refusal(
        state,
        read_only_target.map_or(crate::app::Lock::Open, |(_, lock)| lock),
        PaneId::Database,
        op.audit_action(),
        &target,
    ) {
        return refusal;
    }
    state.shell.overlay = Some(Overlay::Confirm {
        facts: Facts::Backends(shown),
        on_yes: Command::PgSignal {
            requests,
            op,
            justification: String::new(),
            session: None,
        },
        justification: Some(Default::default()),
    });
    Vec::new()
}

/// A cancel changed nothing (the sessions are idle in a transaction and
/// still hold it): said as an error, and terminating them offered in the
/// same dialog a terminate asks with (its reason asked again), unless
/// another dialog is open.
pub fn offer_terminate(state: &mut State, text: String, requests: Vec<SignalRequest>) -> Vec<Command> {
    set_status(state, Level::Error, text);
    if state.shell.overlay.is_some() || state.write_refusal().is_some() || requests.is_empty() {
        return vec![Command::Bell];
    }
    let shown = requests
        .iter()
        .take(CONFIRM_SHOWS)
        .map(|r| BackendFacts {
            target: r.target.clone(),
            pid: r.pid,
            user: r.user.clone(),
            query: r.query.clone(),
        })
        .collect();
    state.shell.overlay = Some(Overlay::Confirm {
        facts: Facts::Backends(shown),
        on_yes: Command::PgSignal {
            requests,
            op: PgSignal::Terminate,
            justification: String::new(),
            session: None,
        },
        justification: Some(Default::default()),
    });
    vec![Command::Bell]
}

/// The selected session, every field, the full query text.
pub fn open_details(state: &mut State) {
    let Some((b, s)) = state.selected_backend() else {
        set_status(state, Level::Warn, "no session selected");
        return;
    };
    let field = |label: &str, value: String| Row::Field(label.into(), value);
    let secs = |v: f64| crate::text::duration_text(v as i64);
    let mut rows = vec![
        Row::Section("session".into()),
        field("target", b.id.name.clone()),
        field("pid", s.pid.to_string()),
        field("user", s.user.clone()),
        field("database", s.database.clone()),
        field("client", s.client_addr.clone().unwrap_or_else(|| "local socket".into())),
        field("application", s.application.clone()),
        field("state", s.state.clone()),
        // Idle in a transaction: idle since the last statement, the
        // transaction older still (what holds the locks).
        field(
            if s.is_idle_in_tx() { "idle for" } else { "for" },
            secs(s.duration_secs),
        ),
        field("transaction age", s.xact_secs.map(secs).unwrap_or_else(|| "-".into())),
        field("waiting on", s.wait_event.clone().unwrap_or_else(|| "-".into())),
    ];
    if !s.blocked_by.is_empty() {
        let pids: Vec<String> = s.blocked_by.iter().map(|p| p.to_string()).collect();
        rows.push(field("blocked by", pids.join(", ")));
    }
    if let Some(p) = b.postgres() {
        for blk in p
            .blocks
            .iter()
            .filter(|k| k.blocked_pid == s.pid || k.blocking_pid == s.pid)
        {
            rows.push(field(
                "lock",
                format!(
                    "{} ← {}: {} {} on {} for {}",
                    blk.blocked_pid,
                    blk.blocking_pid,
                    blk.mode,
                    blk.lock_type,
                    blk.relation.as_deref().unwrap_or("-"),
                    secs(blk.waiting_secs)
                ),
            ));
        }
    }
    rows.push(Row::Section("query".into()));
    rows.push(field("text", query_for_screen(&s.query, &state.setup.redactor)));
    let rows = crate::app::redact::details(&state.setup.redactor, rows);
    state.shell.overlay = Some(Overlay::Details {
        title: format!("{} pid {}", b.id.name, s.pid),
        rows: Some(Ok(rows)),
        scroll: 0,
    });
}

/// What a Database key does (while the pane is zoomed).
pub fn on_action(state: &mut State, action: DatabaseAction) -> Vec<Command> {
    if state.shell.view != View::Zoom(PaneId::Database) {
        return Vec::new();
    }
    match action {
        DatabaseAction::Details => open_details(state),
        DatabaseAction::Mark => toggle_mark(state),
        DatabaseAction::MarkSimilar => mark_similar(state),
        DatabaseAction::CancelQuery => return ask_signal(state, PgSignal::Cancel),
        DatabaseAction::TerminateBackend => return ask_signal(state, PgSignal::Terminate),
        DatabaseAction::Filter => state.panes.database.filter.start(),
    }
    Vec::new()
}

/// The sessions filter being typed: applied live, Enter keeps it, Esc drops it.
pub(crate) fn on_filter_key(state: &mut State, ev: &crossterm::event::KeyEvent) -> Vec<Command> {
    keeping_backend(state, |state| {
        state.panes.database.filter.key(ev);
    });
    Vec::new()
}
