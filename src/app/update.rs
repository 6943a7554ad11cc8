//! `update`: the one place where state changes.

use crate::app::dialogs::{on_confirm_key, on_justified_confirm_key, on_overlay_key, on_palette_key};
use crate::app::panes::services::keeping_selection;
use crate::app::{Command, Level, Msg, Overlay, PaneId, Started, State, StatusLine, View};
use crate::config::keymap::{Key, Lookup, Scope};
use crate::model::action::*;
use crate::model::audit::{AuditRecord, Outcome};
use crate::model::backend::BackendReport;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// How long a footer message stays.
const STATUS_SECS: i64 = 6;
/// Audit entries the audit view loads.
pub(super) const AUDIT_VIEW_LIMIT: i64 = 500;

/// The one place state changes, and the one place that decides whether the
/// screen must be drawn again: after anything the operator did or a result
/// arrived; after the clock, a poll, a log line or presence only when what
/// they bring changed (an idle screen writes next to nothing).
pub fn update(state: &mut State, msg: Msg) -> Vec<Command> {
    if let Msg::Drawn = msg {
        state.shell.dirty = false;
        return Vec::new();
    }
    let status_before = state.shell.status.clone();
    let (mut commands, changed) = match msg {
        Msg::Key(ev) if ev.kind == KeyEventKind::Release => (Vec::new(), false),
        Msg::Tick(now) => on_tick(state, now),
        Msg::Backend(report) if crate::app::history::holds_live(state) => {
            crate::app::history::on_live_report(state, report)
        }
        Msg::Backend(report) => on_report(state, report),
        Msg::Log { follower, event } => (
            Vec::new(),
            crate::app::panes::logs::keys::on_msg(state, follower, event),
        ),
        Msg::PresenceLoaded(result) => crate::app::team::on_presence(state, result),
        msg => (apply_msg(state, msg), true),
    };
    if changed || state.shell.status != status_before {
        state.shell.dirty = true;
    }
    if state.shell.dirty {
        state.panes.access.refilter();
        commands.extend(crate::app::panes::services::after_update(state));
    }
    crate::app::incident::tag_session(state, commands)
}

/// The clock: the header shows seconds, so a new second is a new frame.
fn on_tick(state: &mut State, now: chrono::DateTime<chrono::Utc>) -> (Vec<Command>, bool) {
    let changed = now.timestamp() != state.wall_now().timestamp();
    match &mut state.history {
        // The moment shown stays; the wall clock moves on.
        Some(h) => {
            h.wall = now;
            state.shell.now = h.at.unwrap_or(now);
        }
        None => state.shell.now = now,
    }
    if state.shell.status.as_ref().is_some_and(|s| s.until <= now) {
        state.shell.status = None;
    }
    let mut commands = crate::app::team::on_tick(state);
    commands.extend(crate::app::panes::alerts::resolved::on_tick(state));
    commands.extend(crate::app::panes::alerts::escalated::on_tick(state));
    (commands, changed)
}

/// A poll's report; whether anything shown changed.
fn on_report(state: &mut State, report: crate::model::backend::BackendReport) -> (Vec<Command>, bool) {
    // Ten thousand alerts take milliseconds to note: only when an
    // Alertmanager's answer or state changed, or opsdeck's own alerts did.
    let from_alertmanager = report.id.kind == crate::model::backend::BackendKind::Alertmanager;
    let own_before: Vec<String> = state.backends.own_alerts_since.keys().cloned().collect();
    // A re-listed host can reorder the rows: the selection stays on its container.
    let mut changed = false;
    keeping_selection(state, |s| {
        crate::app::panes::database::keeping_backend(s, |s| changed = on_backend(s, report))
    });
    crate::app::panes::database::prune_marks(state);
    let own_changed = !state.backends.own_alerts_since.keys().eq(own_before.iter());
    let commands = if (from_alertmanager && changed) || own_changed {
        crate::app::panes::alerts::note_alerts(state)
    } else {
        Vec::new()
    };
    (commands, changed)
}

fn apply_msg(state: &mut State, msg: Msg) -> Vec<Command> {
    match msg {
        // Taken by `update`.
        Msg::Tick(_) | Msg::Backend(_) | Msg::Log { .. } | Msg::PresenceLoaded(_) | Msg::Drawn => Vec::new(),
        Msg::Key(ev) => on_key(state, ev),
        Msg::Paste(text) => crate::app::paste::on_paste(state, &text),
        Msg::TooFast => crate::app::paste::on_too_fast(state),
        Msg::Resize(w, h) => {
            state.shell.size = (w, h);
            Vec::new()
        }
        Msg::AcksLoaded(Ok(acks)) => {
            state.panes.alerts.acks = acks;
            crate::app::panes::alerts::note_alerts(state)
        }
        Msg::AcksLoaded(Err(e)) => {
            set_status(state, Level::Error, format!("acknowledgements not loaded: {e}"));
            Vec::new()
        }
        Msg::Acked(ack) => {
            state.panes.alerts.acks.push(ack);
            Vec::new()
        }
        Msg::AuditLoaded(result) => {
            if let Some(Overlay::AuditLog { entries, .. }) = &mut state.shell.overlay {
                *entries = Some(result);
            }
            Vec::new()
        }
        Msg::History { ok: true, text } => {
            state.shell.not_recorded = None;
            set_status(state, Level::Info, text);
            Vec::new()
        }
        Msg::History { ok: false, text } => {
            state.shell.not_recorded = Some(crate::text::clean::line(text.clone()));
            // What the audit log or the team store said is worse: it stays.
            if state.shell.status.as_ref().is_some_and(|s| s.level == Level::Error) {
                return Vec::new();
            }
            set_status(state, Level::Error, text);
            vec![Command::Bell]
        }
        Msg::AuditFailed(err) => {
            set_status(state, Level::Error, format!("AUDIT NOT WRITTEN: {err}"));
            vec![Command::Bell]
        }
        Msg::WitnessFailed(why) => {
            set_status(state, Level::Warn, why);
            Vec::new()
        }
        Msg::AuditRewritten(why) => {
            set_status(state, Level::Error, why);
            vec![Command::Bell]
        }
        Msg::Inspected { container, result } => {
            let redactor = &state.setup.redactor;
            let result = match result {
                // Docker is asked now: over a past moment, say these are today's.
                Ok(details) if state.history.is_some() => Ok(std::iter::once(crate::model::docker::Row::Section(
                    "live now, not as recorded".into(),
                ))
                .chain(crate::app::redact::details(redactor, details))
                .collect()),
                Ok(details) => Ok(crate::app::redact::details(redactor, details)),
                Err(e) => Err(redactor.redact(&e)),
            };
            // Only if the operator is still looking at that container.
            if let Some(Overlay::Details { title, rows, .. }) = &mut state.shell.overlay {
                if *title == container {
                    *rows = Some(result);
                }
            }
            Vec::new()
        }
        Msg::ActionDone { ok, text } => {
            let text = crate::app::redact::with_notice(state, text);
            set_status(state, if ok { Level::Info } else { Level::Error }, text);
            if ok {
                Vec::new()
            } else {
                vec![Command::Bell]
            }
        }
        Msg::CancelHadNoEffect { text, requests } => {
            crate::app::panes::database::offer_terminate(state, text, requests)
        }
        Msg::ChecklistLoaded {
            runbooks,
            errors,
            sessions,
        } => {
            state.panes.checklist.runbooks = runbooks;
            state.panes.checklist.sessions = sessions;
            if !errors.is_empty() {
                set_status(
                    state,
                    Level::Warn,
                    format!("runbooks not loaded: {}", errors.join("; ")),
                );
            }
            state.panes.checklist.load_errors = errors;
            crate::app::panes::checklist::offer_open_sessions(state);
            crate::app::panes::checklist::window::read_open_windows(state)
        }
        Msg::SessionOpened(session) => crate::app::panes::checklist::on_session_opened(state, *session),
        Msg::SessionEvent { session, event } => crate::app::panes::checklist::on_event(state, session, event),
        Msg::HoldStopped { step } => {
            state.panes.checklist.running.remove(&step);
            Vec::new()
        }
        Msg::ChecksFailed { steps, error } => {
            crate::app::panes::checklist::on_checks_failed(state, &steps, &error);
            vec![Command::Bell]
        }
        Msg::TimelineLoaded(Ok(entries)) => {
            state.panes.checklist.timeline = entries.into_iter().filter(|e| e.pane != "checklist").collect();
            Vec::new()
        }
        Msg::TimelineLoaded(Err(e)) => {
            set_status(state, Level::Error, format!("timeline: {e}"));
            Vec::new()
        }
        Msg::AccessLoaded(load) => {
            crate::app::panes::access::on_loaded(state, load);
            Vec::new()
        }
        Msg::ReviewCampaigns(result) => crate::app::panes::access::on_campaigns(state, result),
        Msg::ReviewOpened(result) => {
            crate::app::panes::access::on_opened(state, result);
            Vec::new()
        }
        Msg::ReviewDecided {
            campaign_id,
            attempted,
            records,
        } => {
            crate::app::panes::access::on_decided(state, campaign_id, &attempted, records);
            Vec::new()
        }
        Msg::Store(event) => crate::app::team::on_store_event(state, event),
        Msg::SessionRefreshed(session) => crate::app::panes::checklist::on_session_refreshed(state, *session),
        Msg::SessionsLoaded(result) => crate::app::panes::checklist::on_sessions_loaded(state, result),
        Msg::DecisionsRefreshed { campaign_id, decisions } => {
            crate::app::panes::access::on_decisions_refreshed(state, campaign_id, decisions);
            Vec::new()
        }
        Msg::HistoryLoaded { ask, result } => crate::app::history::on_loaded(state, ask, result),
        Msg::ResolvedAlertsLoaded { to, result } => {
            crate::app::panes::alerts::resolved::on_loaded(state, to, result);
            Vec::new()
        }
        Msg::TrendsLoaded(Ok(samples)) => {
            state.trends.load(samples);
            Vec::new()
        }
        Msg::TrendsLoaded(Err(e)) => {
            set_status(state, Level::Warn, format!("trends: the recorded day not loaded: {e}"));
            Vec::new()
        }
        Msg::DismissStatus => {
            state.shell.status = None;
            Vec::new()
        }
        Msg::Started(started) => {
            let Started {
                shared,
                focus,
                view,
                audit_failed,
            } = *started;
            state.team.shared = shared;
            if let Some(focus) = focus {
                state.shell.focus = focus;
            }
            if let Some(view) = view {
                state.shell.view = view;
            }
            match audit_failed {
                // Without an audit trail nothing may be changed.
                Some(e) => {
                    state.shell.read_only = true;
                    apply_msg(state, Msg::AuditFailed(format!("{e}; running read-only")))
                }
                None => Vec::new(),
            }
        }
        Msg::Shutdown(_) => {
            state.shell.quit = true;
            vec![Command::Quit]
        }
        Msg::EscalationsLoaded(result) => crate::app::panes::alerts::escalated::on_loaded(state, result),
    }
}

pub(super) fn set_status(state: &mut State, level: Level, text: impl Into<String>) {
    state.shell.status = Some(StatusLine {
        // Often an effect's error, in a backend's words: drawn on one line,
        // with no control character of theirs.
        text: crate::text::clean::line(text.into()),
        level,
        until: state.wall_now() + chrono::Duration::seconds(STATUS_SECS),
    });
}

/// A poll's report into the state; whether anything shown changed.
pub(super) fn on_backend(state: &mut State, report: BackendReport) -> bool {
    let now = state.shell.now;
    let Some(b) = state.backends.targets.iter_mut().find(|b| b.id == report.id) else {
        return false;
    };
    let before = b.freshness(now);
    let source = state.setup.clusters.get(&report.id.name).map(String::as_str);
    let source = source.filter(|_| report.id.kind == crate::model::BackendKind::Alertmanager);
    state.trends.record(&report, source);
    let was_down = before == crate::app::Freshness::Down;
    let note = match &report.result {
        Ok(_) if was_down && b.last_error.is_some() => Some((Level::Info, format!("{} is back", b.id))),
        Err(err) if !was_down => Some((Level::Warn, format!("{} down: {err}", b.id))),
        _ => None,
    };
    let changed = b.take(report) || b.freshness(now) != before;
    if let Some((level, text)) = note {
        set_status(state, level, text);
    }
    crate::app::panes::alerts::own::refresh(state);
    changed
}

pub(super) fn on_key(state: &mut State, ev: KeyEvent) -> Vec<Command> {
    // The editors take every key as typed: an Esc read together with the
    // next key must not cancel a justification half written.
    match state.shell.overlay.clone() {
        Some(Overlay::Justify(dialog)) => return crate::app::panes::access::decide::on_justify_key(state, ev, dialog),
        Some(Overlay::Campaign(dialog)) => {
            return crate::app::panes::access::decide::on_campaign_key(state, ev, dialog)
        }
        _ => {}
    }
    let key = Key::from_event(&ev);
    // Esc and a key sent together (over a slow link, or typed fast) reach us
    // as alt+key. With no alt binding, take it for what the operator typed.
    if ev.modifiers.contains(KeyModifiers::ALT)
        && state.shell.pending.is_empty()
        && state.shell.keymap.lookup(&active_scopes(state), &[key]) == Lookup::None
    {
        let mut commands = on_key(state, KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        let mut plain = ev;
        plain.modifiers.remove(KeyModifiers::ALT);
        commands.extend(on_key(state, plain));
        return commands;
    }
    match state.shell.overlay.clone() {
        Some(Overlay::Confirm {
            on_yes,
            justification: Some(reason),
            ..
        }) => return on_justified_confirm_key(state, ev, on_yes, reason),
        Some(Overlay::Confirm { on_yes, .. }) => return on_confirm_key(state, ev, on_yes),
        Some(Overlay::Ack(dialog)) => return crate::app::panes::alerts::ack::on_ack_key(state, ev, dialog),
        Some(Overlay::Editor(editor)) => return crate::app::dialogs::editor::on_key(state, ev, editor),
        Some(Overlay::Palette { input, selected }) => return on_palette_key(state, ev, input, selected),
        Some(Overlay::HistoryAt(input)) => return crate::app::history::on_at_key(state, ev, input),
        Some(_) => return on_overlay_key(state, key),
        None => {}
    }
    if let Some(commands) = crate::app::panes::logs::keys::on_typing_key(state, &ev) {
        return commands;
    }
    if state.panes.alerts.filter_typing {
        crate::app::panes::alerts::on_filter_key(state, &ev);
        return Vec::new();
    }
    if state.panes.services.filter.typing {
        return crate::app::panes::services::on_filter_key(state, &ev);
    }
    if state.panes.database.filter.typing {
        return crate::app::panes::database::on_filter_key(state, &ev);
    }
    if state.panes.access.filter.typing {
        return crate::app::panes::access::on_filter_key(state, &ev);
    }
    let scopes = active_scopes(state);
    let mut seq = state.shell.pending.clone();
    seq.push(key);
    match state.shell.keymap.lookup(&scopes, &seq) {
        Lookup::Action(action) => {
            state.shell.pending.clear();
            let mut commands = match crate::app::panes::logs::keys::apply(state, action) {
                Some(commands) => commands,
                None => apply(state, action),
            };
            commands.extend(crate::app::panes::logs::keys::close_if_hidden(state));
            commands
        }
        Lookup::Pending => {
            state.shell.pending = seq;
            Vec::new()
        }
        Lookup::None if !state.shell.pending.is_empty() => {
            // The sequence went nowhere: try the last key on its own.
            state.shell.pending.clear();
            on_key(state, ev)
        }
        Lookup::None => Vec::new(),
    }
}

/// Scopes in lookup order: the zoomed pane's own keys first.
pub fn active_scopes(state: &State) -> Vec<Scope> {
    match state.shell.view {
        View::Zoom(PaneId::Services) if state.panes.logs.open.is_some() => {
            vec![Scope::Logs, Scope::Navigation, Scope::Global]
        }
        View::Zoom(p) => vec![Scope::Pane(p), Scope::Navigation, Scope::Global],
        View::Dashboard => vec![Scope::Navigation, Scope::Global],
    }
}

pub(super) fn apply(state: &mut State, action: Action) -> Vec<Command> {
    use crate::app::panes;
    match action {
        Action::Global(a) => on_global(state, a),
        Action::Nav(a) => {
            move_selection(state, a);
            Vec::new()
        }
        Action::Services(a) => panes::services::on_action(state, a),
        Action::Database(a) => panes::database::on_action(state, a),
        Action::Alerts(a) => panes::alerts::on_action(state, a),
        Action::Checklist(c) if state.shell.view == View::Zoom(PaneId::Checklist) => {
            panes::checklist::on_action(state, c)
        }
        Action::Checklist(_) => Vec::new(),
        Action::Access(a) => panes::access::on_action(state, a),
        // Log actions outside an open log do nothing.
        Action::Logs(_) => Vec::new(),
    }
}

/// Keys that act anywhere: quit, help, the palette, the audit log, which
/// pane is shown, and Esc peeling one layer at a time.
fn on_global(state: &mut State, action: GlobalAction) -> Vec<Command> {
    if let Some(p) = action.zooms() {
        state.shell.focus = p;
        state.shell.view = View::Zoom(p);
        return Vec::new();
    }
    match action {
        GlobalAction::Quit => {
            state.shell.quit = true;
            return vec![Command::Quit];
        }
        GlobalAction::Help => state.shell.overlay = Some(Overlay::Help { scroll: 0 }),
        GlobalAction::Palette => {
            state.shell.overlay = Some(Overlay::Palette {
                input: String::new(),
                selected: 0,
            })
        }
        GlobalAction::AuditLog => {
            state.shell.overlay = Some(Overlay::AuditLog {
                entries: None,
                scroll: 0,
            });
            return vec![Command::LoadAuditLog {
                limit: AUDIT_VIEW_LIMIT,
            }];
        }
        GlobalAction::Dashboard => state.shell.view = View::Dashboard,
        GlobalAction::Back => {
            // Esc peels one layer at a time: message, filter, then the pane.
            if state.shell.status.take().is_none() {
                let view = state.shell.view;
                if view == View::Zoom(PaneId::Services) && state.panes.services.filter.text.is_some() {
                    keeping_selection(state, |s| s.panes.services.filter.set(None));
                } else if view == View::Zoom(PaneId::Database) && state.panes.database.filter.text.is_some() {
                    crate::app::panes::database::keeping_backend(state, |s| s.panes.database.filter.set(None));
                } else if view == View::Zoom(PaneId::Access) && state.panes.access.filter.text.is_some() {
                    crate::app::panes::access::on_filter_key(state, &KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
                } else if view == View::Zoom(PaneId::Alerts) && state.panes.alerts.filter.text.is_some() {
                    state.panes.alerts.filter.set(None);
                } else if view == View::Zoom(PaneId::Checklist) && state.panes.checklist.active.is_some() {
                    crate::app::panes::checklist::leave(state);
                } else if view == View::Zoom(PaneId::Access) && !state.panes.access.marked.is_empty() {
                    state.panes.access.marked.clear();
                } else if view == View::Zoom(PaneId::Access) && state.panes.access.list {
                    crate::app::panes::access::toggle_list(state);
                } else if state.history.is_some() {
                    return crate::app::history::leave(state);
                } else {
                    state.shell.view = View::Dashboard;
                }
            }
        }
        GlobalAction::Open => state.shell.view = View::Zoom(state.shell.focus),
        GlobalAction::FocusNext | GlobalAction::FocusPrev => {
            state.shell.focus = if action == GlobalAction::FocusNext {
                state.shell.focus.next()
            } else {
                state.shell.focus.prev()
            };
            if let View::Zoom(_) = state.shell.view {
                state.shell.view = View::Zoom(state.shell.focus);
            }
        }
        GlobalAction::Redraw => {
            return vec![Command::ClearScreen];
        }
        GlobalAction::TrendWindow => {
            state.trends.window = state.trends.window.toggled();
            let text = format!("trends: the last {}", state.trends.window.label());
            set_status(state, Level::Info, text);
        }
        GlobalAction::History
        | GlobalAction::HistoryPrev
        | GlobalAction::HistoryNext
        | GlobalAction::HistoryEarlier
        | GlobalAction::HistoryLater
        | GlobalAction::HistoryAt => return crate::app::history::on_action(state, action),
        // Zooms, handled above.
        GlobalAction::PaneServices
        | GlobalAction::PaneDatabase
        | GlobalAction::PaneAlerts
        | GlobalAction::PaneAccess
        | GlobalAction::PaneChecklist => {}
    }
    Vec::new()
}

fn move_selection(state: &mut State, action: NavAction) {
    let View::Zoom(pane) = state.shell.view else {
        // On the dashboard, up and down walk the tiles.
        state.shell.focus = match action {
            NavAction::MoveDown | NavAction::PageDown => state.shell.focus.next(),
            NavAction::MoveUp | NavAction::PageUp => state.shell.focus.prev(),
            NavAction::Top => PaneId::Services,
            _ => PaneId::Checklist,
        };
        return;
    };
    let rows = state.row_count(pane);
    let page = usize::from(state.shell.size.1.saturating_sub(8)).max(1);
    let sel = &mut *state.panes.selected_mut(pane);
    let last = rows.saturating_sub(1);
    *sel = match action {
        NavAction::MoveUp => sel.saturating_sub(1),
        NavAction::MoveDown => (*sel + 1).min(last),
        NavAction::PageUp => sel.saturating_sub(page),
        NavAction::PageDown => (*sel + page).min(last),
        NavAction::Top => 0,
        _ => last,
    };
}

/// The read-only gate every side effect passes through. When the action is
/// refused it says so on screen and returns the audit entry for the refusal.
pub fn read_only_refusal(
    state: &mut State,
    lock: crate::app::Lock,
    pane: PaneId,
    action: &str,
    target: &str,
) -> Option<Vec<Command>> {
    use crate::app::Lock;
    if state.history.is_some() {
        // A key pressed on a past moment: nothing is attempted on a live
        // target (the row may not even exist now), so there is no refused
        // action to audit, only the operator to tell.
        set_status(state, Level::Warn, "history: read-only");
        return Some(Vec::new());
    }
    if let (false, Some(why)) = (state.shell.read_only, state.write_refusal()) {
        // The team store is gone: the refusal could not be audited either.
        set_status(state, Level::Warn, format!("refused: {action} on {target}: {why}"));
        return Some(Vec::new());
    }
    let scope = match lock {
        _ if state.shell.read_only => "opsdeck runs read-only".to_string(),
        Lock::Open => return None,
        Lock::Target => "this target is read-only".to_string(),
        // Says how to lift it: the operator at 3 a.m. needs the flag, not a search.
        Lock::Env(env) => format!("{env} is read-only; start with --allow-writes {env}"),
    };
    set_status(state, Level::Warn, format!("refused: {action} on {target}: {scope}"));
    Some(vec![Command::Audit(
        AuditRecord::new(pane.key(), action, Outcome::Refused)
            .target(target)
            .details(serde_json::json!({ "reason": scope })),
    )])
}
