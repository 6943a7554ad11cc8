//! `update`: the one place where state changes.

use crate::app::dialogs::{on_confirm_key, on_justified_confirm_key, on_overlay_key, on_palette_key};
use crate::app::panes::services::{keeping_selection, toggle_fold};
use crate::app::{Command, Level, Msg, Overlay, PaneId, SortKey, Started, State, StatusLine, View};
use crate::config::keymap::{Action, Key, Lookup, Scope};
use crate::model::audit::{AuditRecord, Outcome};
use crate::model::backend::BackendReport;
use crate::model::postgres::PgSignal;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// How long a footer message stays.
const STATUS_SECS: i64 = 6;
/// Audit entries the audit view loads.
pub(super) const AUDIT_VIEW_LIMIT: i64 = 500;

pub fn update(state: &mut State, msg: Msg) -> Vec<Command> {
    let mut commands = apply_msg(state, msg);
    if state.shell.dirty {
        commands.extend(crate::app::panes::services::after_update(state));
    }
    commands
}

fn apply_msg(state: &mut State, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Key(ev) if ev.kind == KeyEventKind::Release => Vec::new(),
        Msg::Key(ev) => on_key(state, ev),
        Msg::Resize(w, h) => {
            state.shell.size = (w, h);
            state.shell.dirty = true;
            Vec::new()
        }
        Msg::Tick(now) => {
            // The header clock shows seconds: a new second is a new frame.
            if now.timestamp() != state.shell.now.timestamp() {
                state.shell.dirty = true;
            }
            state.shell.now = now;
            if state.shell.status.as_ref().is_some_and(|s| s.until <= now) {
                state.shell.status = None;
                state.shell.dirty = true;
            }
            crate::app::team::on_tick(state)
        }
        Msg::Backend(report) => {
            // Ten thousand alerts take milliseconds to note: only when an
            // Alertmanager's answer or state changed, or opsdeck's own alerts did.
            let from_alertmanager = report.id.kind == crate::model::backend::BackendKind::Alertmanager;
            let own_before: Vec<String> = state.backends.own_alerts_since.keys().cloned().collect();
            // A re-listed host can reorder the rows: the selection stays on its container.
            let mut changed = false;
            keeping_selection(state, |s| {
                crate::app::panes::database::keeping_session(s, |s| changed = on_backend(s, report))
            });
            crate::app::panes::database::prune_marks(state);
            let own_changed = !state.backends.own_alerts_since.keys().eq(own_before.iter());
            if (from_alertmanager && changed) || own_changed {
                crate::app::panes::alerts::note_alerts(state)
            } else {
                Vec::new()
            }
        }
        Msg::AcksLoaded(Ok(acks)) => {
            state.panes.alerts.acks = acks;
            state.shell.dirty = true;
            crate::app::panes::alerts::note_alerts(state)
        }
        Msg::AcksLoaded(Err(e)) => {
            set_status(state, Level::Error, format!("acknowledgements not loaded: {e}"));
            Vec::new()
        }
        Msg::Acked(ack) => {
            state.panes.alerts.acks.push(ack);
            state.shell.dirty = true;
            Vec::new()
        }
        Msg::AuditLoaded(result) => {
            if let Some(Overlay::AuditLog { entries, .. }) = &mut state.shell.overlay {
                *entries = Some(result);
                state.shell.dirty = true;
            }
            Vec::new()
        }
        Msg::AuditFailed(err) => {
            set_status(state, Level::Error, format!("AUDIT NOT WRITTEN: {err}"));
            vec![Command::Bell]
        }
        Msg::Inspected { container, result } => {
            // Only if the operator is still looking at that container.
            if let Some(Overlay::Details { title, rows, .. }) = &mut state.shell.overlay {
                if *title == container {
                    *rows = Some(result);
                    state.shell.dirty = true;
                }
            }
            Vec::new()
        }
        msg @ Msg::Log { .. } => {
            crate::app::panes::logs::keys::on_msg(state, msg);
            Vec::new()
        }
        Msg::ActionDone { ok, text } => {
            set_status(state, if ok { Level::Info } else { Level::Error }, text);
            if ok {
                Vec::new()
            } else {
                vec![Command::Bell]
            }
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
            state.shell.dirty = true;
            Vec::new()
        }
        Msg::SessionOpened(session) => crate::app::panes::checklist::on_session_opened(state, *session),
        Msg::SessionEvent { session, event } => crate::app::panes::checklist::on_event(state, session, event),
        Msg::ChecksFailed { steps, error } => {
            crate::app::panes::checklist::on_checks_failed(state, &steps, &error);
            vec![Command::Bell]
        }
        Msg::TimelineLoaded(Ok(entries)) => {
            state.panes.checklist.timeline = entries.into_iter().filter(|e| e.pane != "checklist").collect();
            state.shell.dirty = true;
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
        Msg::PresenceLoaded(result) => crate::app::team::on_presence(state, result),
        Msg::SessionRefreshed(session) => crate::app::panes::checklist::on_session_refreshed(state, *session),
        Msg::SessionsLoaded(result) => crate::app::panes::checklist::on_sessions_loaded(state, result),
        Msg::DecisionsRefreshed { campaign_id, decisions } => {
            crate::app::panes::access::on_decisions_refreshed(state, campaign_id, decisions);
            Vec::new()
        }
        Msg::DismissStatus => {
            state.shell.dirty |= state.shell.status.take().is_some();
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
            state.shell.dirty = true;
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
    }
}

pub(super) fn set_status(state: &mut State, level: Level, text: impl Into<String>) {
    state.shell.status = Some(StatusLine {
        text: text.into(),
        level,
        until: state.shell.now + chrono::Duration::seconds(STATUS_SECS),
    });
    state.shell.dirty = true;
}

/// A poll's report into the state; whether anything shown changed.
fn on_backend(state: &mut State, report: BackendReport) -> bool {
    let now = state.shell.now;
    let Some(b) = state.backends.targets.iter_mut().find(|b| b.id == report.id) else {
        return false;
    };
    let before = b.freshness(now);
    b.next_in = report.next_in;
    let mut changed = false;
    let mut note = None;
    match report.result {
        Ok(data) => {
            if b.last_error.is_some() && before == crate::app::Freshness::Down {
                note = Some((Level::Info, format!("{} is back", b.id)));
            }
            b.last_ok = Some(report.at);
            if b.data.as_ref() != Some(&data) {
                b.data = Some(data);
                changed = true;
            }
        }
        Err(err) => {
            if before != crate::app::Freshness::Down {
                note = Some((Level::Warn, format!("{} down: {err}", b.id)));
            }
            let same = b.last_error.as_ref().is_some_and(|(_, e)| *e == err);
            b.last_error = Some((report.at, err));
            changed |= !same;
        }
    }
    let changed = changed || b.freshness(now) != before;
    state.shell.dirty |= changed;
    if let Some((level, text)) = note {
        set_status(state, level, text);
    }
    crate::app::panes::alerts::own::refresh(state);
    changed
}

fn on_key(state: &mut State, ev: KeyEvent) -> Vec<Command> {
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
        Some(_) => return on_overlay_key(state, key),
        None => {}
    }
    if let Some(commands) = crate::app::panes::logs::keys::on_typing_key(state, &ev) {
        return commands;
    }
    if state.panes.services.filter_typing || state.panes.alerts.filter_typing {
        return on_filter_key(state, &ev);
    }
    let scopes = active_scopes(state);
    let mut seq = state.shell.pending.clone();
    seq.push(key);
    match state.shell.keymap.lookup(&scopes, &seq) {
        Lookup::Action(action) => {
            state.shell.pending.clear();
            state.shell.dirty = true;
            let mut commands = match crate::app::panes::logs::keys::apply(state, action) {
                Some(commands) => commands,
                None => apply(state, action),
            };
            commands.extend(crate::app::panes::logs::keys::close_if_hidden(state));
            commands
        }
        Lookup::Pending => {
            state.shell.pending = seq;
            state.shell.dirty = true;
            Vec::new()
        }
        Lookup::None if !state.shell.pending.is_empty() => {
            // The sequence went nowhere: try the last key on its own.
            state.shell.pending.clear();
            state.shell.dirty = true;
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
    match action {
        Action::Quit => {
            state.shell.quit = true;
            return vec![Command::Quit];
        }
        Action::Help => state.shell.overlay = Some(Overlay::Help { scroll: 0 }),
        Action::Palette => {
            state.shell.overlay = Some(Overlay::Palette {
                input: String::new(),
                selected: 0,
            })
        }
        Action::AuditLog => {
            state.shell.overlay = Some(Overlay::AuditLog {
                entries: None,
                scroll: 0,
            });
            return vec![Command::LoadAuditLog {
                limit: AUDIT_VIEW_LIMIT,
            }];
        }
        Action::Dashboard => state.shell.view = View::Dashboard,
        Action::Back => {
            // Esc peels one layer at a time: message, filter, then the pane.
            if state.shell.status.take().is_none() {
                if state.shell.view == View::Zoom(PaneId::Services) && state.panes.services.filter.is_some() {
                    keeping_selection(state, |s| s.panes.services.filter = None);
                } else if state.shell.view == View::Zoom(PaneId::Alerts) && state.panes.alerts.filter.text.is_some() {
                    state.panes.alerts.filter.set(None);
                } else if state.shell.view == View::Zoom(PaneId::Checklist) && state.panes.checklist.active.is_some() {
                    crate::app::panes::checklist::leave(state);
                } else if state.shell.view == View::Zoom(PaneId::Access) && !state.panes.access.marked.is_empty() {
                    state.panes.access.marked.clear();
                } else if state.shell.view == View::Zoom(PaneId::Access) && state.panes.access.list {
                    crate::app::panes::access::toggle_list(state);
                } else {
                    state.shell.view = View::Dashboard;
                }
            }
        }
        Action::Pane(p) => {
            state.shell.focus = p;
            state.shell.view = View::Zoom(p);
        }
        Action::Open => state.shell.view = View::Zoom(state.shell.focus),
        Action::FocusNext | Action::FocusPrev => {
            state.shell.focus = if action == Action::FocusNext {
                state.shell.focus.next()
            } else {
                state.shell.focus.prev()
            };
            if let View::Zoom(_) = state.shell.view {
                state.shell.view = View::Zoom(state.shell.focus);
            }
        }
        Action::Redraw => {
            state.shell.dirty = true;
            return vec![Command::ClearScreen];
        }
        Action::Checklist(c) if state.shell.view == View::Zoom(PaneId::Checklist) => {
            return crate::app::panes::checklist::on_action(state, c)
        }
        Action::Checklist(_) => {}
        Action::AlertRunbook if state.shell.view == View::Zoom(PaneId::Alerts) => {
            crate::app::panes::checklist::start_from_alert(state)
        }
        Action::AlertRunbook => {}
        Action::Restart | Action::StopStart => return ask_container_action(state, action),
        Action::Details if state.shell.view == View::Zoom(PaneId::Services) && toggle_fold(state) => {}
        Action::Details if state.shell.view == View::Zoom(PaneId::Database) => {
            crate::app::panes::database::open_details(state)
        }
        Action::Details if state.shell.view == View::Zoom(PaneId::Alerts) => {
            if !crate::app::panes::alerts::toggle_fold(state) {
                crate::app::panes::alerts::details::open_details(state)
            }
        }
        Action::Details if crate::app::panes::access::zoomed(state) => return crate::app::panes::access::enter(state),
        Action::Details => return open_details(state),
        Action::Mark if crate::app::panes::access::zoomed(state) => crate::app::panes::access::toggle_mark(state),
        Action::Mark if state.shell.view == View::Zoom(PaneId::Database) => {
            crate::app::panes::database::toggle_mark(state)
        }
        Action::MarkSimilar if state.shell.view == View::Zoom(PaneId::Database) => {
            crate::app::panes::database::mark_similar(state)
        }
        Action::CancelQuery | Action::TerminateBackend if state.shell.view == View::Zoom(PaneId::Database) => {
            let op = if action == Action::CancelQuery {
                PgSignal::Cancel
            } else {
                PgSignal::Terminate
            };
            return crate::app::panes::database::ask_signal(state, op);
        }
        Action::Mark | Action::MarkSimilar | Action::CancelQuery | Action::TerminateBackend => {}
        Action::Acknowledge if state.shell.view == View::Zoom(PaneId::Alerts) => {
            return crate::app::panes::alerts::ack::ask_ack(state)
        }
        Action::ExpireSilence if state.shell.view == View::Zoom(PaneId::Alerts) => {
            return crate::app::panes::alerts::ack::ask_expire(state)
        }
        Action::ToggleSilenced => {
            state.panes.alerts.hide_silenced = !state.panes.alerts.hide_silenced;
            crate::app::panes::alerts::clamp_selection(state);
        }
        Action::Group if state.shell.view == View::Zoom(PaneId::Alerts) => {
            crate::app::panes::alerts::toggle_grouping(state)
        }
        Action::GroupBy if state.shell.view == View::Zoom(PaneId::Alerts) => {
            crate::app::panes::alerts::next_group_label(state)
        }
        Action::Acknowledge | Action::ExpireSilence | Action::GroupBy => {}
        Action::Sort | Action::SortReverse | Action::Group => change_order(state, action),
        Action::Logs => return crate::app::panes::logs::keys::open(state),
        Action::Filter if state.shell.view == View::Zoom(PaneId::Alerts) => {
            state.panes.alerts.filter_typing = true;
            let text = state.panes.alerts.filter.text.clone().unwrap_or_default();
            state.panes.alerts.filter.set(Some(text));
        }
        Action::Filter => {
            state.panes.services.filter_typing = true;
            state.panes.services.filter.get_or_insert_with(String::new);
        }
        Action::ToggleStopped => keeping_selection(state, |s| {
            s.panes.services.show_stopped = !s.panes.services.show_stopped
        }),
        Action::ReviewKeep | Action::ReviewRevoke | Action::ReviewDefer if crate::app::panes::access::zoomed(state) => {
            let decision = match action {
                Action::ReviewKeep => crate::model::review::Decision::Keep,
                Action::ReviewRevoke => crate::model::review::Decision::Revoke,
                _ => crate::model::review::Decision::Defer,
            };
            return crate::app::panes::access::decide::ask_decision(state, decision);
        }
        Action::ReviewAll if crate::app::panes::access::zoomed(state) => crate::app::panes::access::toggle_all(state),
        Action::ReviewNew if crate::app::panes::access::zoomed(state) => {
            return crate::app::panes::access::decide::ask_campaign(state)
        }
        Action::ReviewCampaigns if crate::app::panes::access::zoomed(state) => {
            crate::app::panes::access::toggle_list(state)
        }
        Action::ReviewExport if crate::app::panes::access::zoomed(state) => {
            return crate::app::panes::access::export(state)
        }
        Action::ReviewReload if crate::app::panes::access::zoomed(state) => {
            return crate::app::panes::access::reload(state)
        }
        Action::ReviewKeep
        | Action::ReviewRevoke
        | Action::ReviewDefer
        | Action::ReviewAll
        | Action::ReviewNew
        | Action::ReviewCampaigns
        | Action::ReviewExport
        | Action::ReviewReload => {}
        // Log actions outside an open log do nothing.
        Action::Search
        | Action::SearchNext
        | Action::SearchPrev
        | Action::LogFilter
        | Action::LogTimestamps
        | Action::LogPause
        | Action::LogSave => {}
        Action::MoveUp | Action::MoveDown | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
            move_selection(state, action)
        }
    }
    Vec::new()
}

fn open_details(state: &mut State) -> Vec<Command> {
    let Some((host, c)) = state.selected_container() else {
        set_status(state, Level::Warn, "no container selected");
        return Vec::new();
    };
    let (host, container) = (host.id.name.clone(), c.name.clone());
    state.shell.overlay = Some(Overlay::Details {
        title: container.clone(),
        rows: None,
        scroll: 0,
    });
    vec![Command::InspectContainer { host, container }]
}

/// Restart or stop/start the selected container: refused when read-only,
/// otherwise a confirm dialog naming the container and its host.
fn ask_container_action(state: &mut State, action: Action) -> Vec<Command> {
    use crate::model::docker::ContainerOp;
    let Some((host, c)) = state.selected_container() else {
        set_status(state, Level::Warn, "no container selected");
        return Vec::new();
    };
    let op = match action {
        Action::Restart => ContainerOp::Restart,
        _ if c.state == "running" || c.state == "restarting" => ContainerOp::Stop,
        _ => ContainerOp::Start,
    };
    let (host_name, host_ro, name, status, image) = (
        host.id.name.clone(),
        host.read_only,
        c.name.clone(),
        c.status.clone(),
        c.image.clone(),
    );
    let target = format!("{host_name}/{name}");
    if let Some(refusal) = read_only_refusal(state, host_ro, PaneId::Services, op.audit_action(), &target) {
        return refusal;
    }
    state.shell.overlay = Some(Overlay::Confirm {
        title: format!("{} container?", capitalise(op.verb())),
        lines: vec![
            format!("container  {name}"),
            format!("host       {host_name}"),
            format!("image      {image}"),
            format!("status     {status}"),
        ],
        on_yes: Command::Container {
            host: host_name,
            container: name,
            op,
        },
        justification: None,
    });
    Vec::new()
}

pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Services filter being typed: applied live, Enter keeps it, Esc drops it.
fn on_filter_key(state: &mut State, ev: &KeyEvent) -> Vec<Command> {
    use crate::app::dialogs::input::{edit, Edit};
    state.shell.dirty = true;
    if state.shell.view == View::Zoom(PaneId::Alerts) {
        crate::app::panes::alerts::on_filter_key(state, ev);
        return Vec::new();
    }
    keeping_selection(state, |state| {
        let buf = state.panes.services.filter.get_or_insert_with(String::new);
        match edit(buf, ev) {
            Edit::Editing => {}
            Edit::Submit => {
                state.panes.services.filter_typing = false;
                if state.panes.services.filter.as_deref() == Some("") {
                    state.panes.services.filter = None;
                }
            }
            Edit::Cancel => {
                state.panes.services.filter_typing = false;
                state.panes.services.filter = None;
            }
        }
    });
    Vec::new()
}

/// Sort by the next column, reverse the order, or group by compose project
/// (Services; the other panes have one order for now). The selection stays
/// on its row.
fn change_order(state: &mut State, action: Action) {
    if state.shell.view != View::Zoom(PaneId::Services) {
        return;
    }
    keeping_selection(state, |s| {
        let view = &mut s.panes.services;
        match action {
            Action::Sort => {
                view.sort = view.sort.next();
                view.reverse = false;
            }
            Action::SortReverse => view.reverse = !view.reverse,
            _ => view.group_by_project = !view.group_by_project,
        }
    });
    let view = &state.panes.services;
    let order = match (view.sort, view.reverse) {
        (SortKey::Worst, false) => "worst first".to_string(),
        (key, false) => format!("sorted by {}", key.label()),
        (key, true) => format!("sorted by {}, reversed", key.label()),
    };
    let grouped = if view.group_by_project {
        ", grouped by project"
    } else {
        ""
    };
    set_status(state, Level::Info, format!("{order}{grouped}"));
}

fn move_selection(state: &mut State, action: Action) {
    let View::Zoom(pane) = state.shell.view else {
        // On the dashboard, up and down walk the tiles.
        state.shell.focus = match action {
            Action::MoveDown | Action::PageDown => state.shell.focus.next(),
            Action::MoveUp | Action::PageUp => state.shell.focus.prev(),
            Action::Top => PaneId::Services,
            _ => PaneId::Checklist,
        };
        return;
    };
    let rows = state.row_count(pane);
    let page = usize::from(state.shell.size.1.saturating_sub(8)).max(1);
    let sel = &mut *state.panes.selected_mut(pane);
    let last = rows.saturating_sub(1);
    *sel = match action {
        Action::MoveUp => sel.saturating_sub(1),
        Action::MoveDown => (*sel + 1).min(last),
        Action::PageUp => sel.saturating_sub(page),
        Action::PageDown => (*sel + page).min(last),
        Action::Top => 0,
        _ => last,
    };
}

/// The read-only gate every side effect passes through. When the action is
/// refused it says so on screen and returns the audit entry for the refusal.
pub fn read_only_refusal(
    state: &mut State,
    target_read_only: bool,
    pane: PaneId,
    action: &str,
    target: &str,
) -> Option<Vec<Command>> {
    if let (false, Some(why)) = (state.shell.read_only, state.write_refusal()) {
        // The team store is gone: the refusal could not be audited either.
        set_status(state, Level::Warn, format!("refused: {action} on {target}: {why}"));
        return Some(Vec::new());
    }
    if !(state.shell.read_only || target_read_only) {
        return None;
    }
    let scope = if state.shell.read_only {
        "opsdeck runs read-only"
    } else {
        "this target is read-only"
    };
    set_status(state, Level::Warn, format!("refused: {action} on {target}: {scope}"));
    Some(vec![Command::Audit(
        AuditRecord::new(pane.key(), action, Outcome::Refused)
            .target(target)
            .details(serde_json::json!({ "reason": scope })),
    )])
}
