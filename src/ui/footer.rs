//! The bottom line: the focused context's keys from the live keymap, or the
//! last status message.

use crate::app::{active_scopes, Level, Overlay, PaneId, State, View};
use crate::config::keymap::{seq_to_string, Scope};
use crate::config::theme::{Role, Theme};
use crate::model::action::*;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let line = if !state.shell.pending.is_empty() {
        Line::from(Span::styled(
            format!(" {} …", seq_to_string(&state.shell.pending)),
            theme.style(Role::Info),
        ))
    } else if let Some(status) = &state.shell.status {
        let role = match status.level {
            Level::Info => Role::Info,
            Level::Warn => Role::Warn,
            Level::Error => Role::Crit,
        };
        Line::from(Span::styled(format!(" {}", status.text), theme.style(role)))
    } else {
        hints(state, theme, usize::from(area.width))
    };
    let line = crate::ui::widgets::fit_line(line, usize::from(area.width));
    frame.render_widget(Paragraph::new(line), area);
}

/// The actions worth showing in this context, most useful first.
fn wanted(state: &State) -> Vec<Action> {
    // History mode: how to move through it and back; nothing else acts there.
    if state.history.is_some() && state.shell.overlay.is_none() {
        return [
            GlobalAction::HistoryPrev,
            GlobalAction::HistoryNext,
            GlobalAction::HistoryEarlier,
            GlobalAction::HistoryLater,
            GlobalAction::Back,
            GlobalAction::Help,
        ]
        .map(Action::Global)
        .to_vec();
    }
    match (&state.shell.overlay, state.shell.view) {
        (
            Some(
                Overlay::Palette { .. }
                | Overlay::Confirm { .. }
                | Overlay::Ack(_)
                | Overlay::Editor(_)
                | Overlay::Justify(_)
                | Overlay::Campaign(_)
                | Overlay::HistoryAt(_),
            ),
            _,
        ) => Vec::new(),
        (Some(_), _) => vec![
            Action::Nav(NavAction::MoveDown),
            Action::Nav(NavAction::MoveUp),
            Action::Global(GlobalAction::Back),
        ],
        (None, View::Dashboard) => vec![
            Action::Global(GlobalAction::Open),
            Action::pane(PaneId::Services),
            Action::Global(GlobalAction::FocusNext),
            Action::Global(GlobalAction::Help),
            Action::Global(GlobalAction::Palette),
            Action::Global(GlobalAction::AuditLog),
            Action::Global(GlobalAction::Quit),
        ],
        (None, View::Zoom(PaneId::Services)) if state.panes.logs.open.is_some() => vec![
            Action::Logs(LogsAction::Search),
            Action::Logs(LogsAction::SearchNext),
            Action::Logs(LogsAction::Filter),
            Action::Logs(LogsAction::Pause),
            Action::Logs(LogsAction::Timestamps),
            Action::Logs(LogsAction::Save),
            Action::Global(GlobalAction::Back),
            Action::Global(GlobalAction::Help),
        ],
        (None, View::Zoom(PaneId::Services)) => vec![
            Action::Nav(NavAction::MoveDown),
            Action::Nav(NavAction::MoveUp),
            Action::Services(ServicesAction::Details),
            Action::Services(ServicesAction::Logs),
            Action::Services(ServicesAction::Filter),
            Action::Services(ServicesAction::Restart),
            Action::Services(ServicesAction::StopStart),
            Action::Services(ServicesAction::Sort),
            Action::Services(ServicesAction::Group),
            Action::Global(GlobalAction::Back),
            Action::Global(GlobalAction::Help),
            Action::Global(GlobalAction::Palette),
            Action::Global(GlobalAction::Quit),
        ],
        (None, View::Zoom(PaneId::Database)) => vec![
            Action::Nav(NavAction::MoveDown),
            Action::Nav(NavAction::MoveUp),
            Action::Database(DatabaseAction::Details),
            Action::Database(DatabaseAction::Mark),
            Action::Database(DatabaseAction::MarkSimilar),
            Action::Database(DatabaseAction::CancelQuery),
            Action::Database(DatabaseAction::TerminateBackend),
            Action::Database(DatabaseAction::Filter),
            Action::Global(GlobalAction::Back),
            Action::Global(GlobalAction::Help),
            Action::Global(GlobalAction::Quit),
        ],
        (None, View::Zoom(PaneId::Checklist)) => {
            use crate::model::action::ChecklistAction as C;
            let mut v = vec![Action::Nav(NavAction::MoveDown), Action::Nav(NavAction::MoveUp)];
            if state.panes.checklist.active.is_some() {
                v.extend([C::Run, C::Tick, C::Note, C::Skip, C::Timeline, C::Report, C::Close].map(Action::Checklist));
            } else {
                v.extend([C::Run, C::New].map(Action::Checklist));
            }
            v.extend([
                Action::Global(GlobalAction::Back),
                Action::Global(GlobalAction::Help),
                Action::Global(GlobalAction::Quit),
            ]);
            v
        }
        (None, View::Zoom(PaneId::Alerts)) if state.panes.alerts.resolved.is_some() => vec![
            Action::Nav(NavAction::MoveDown),
            Action::Nav(NavAction::MoveUp),
            Action::Alerts(AlertsAction::Details),
            Action::Alerts(AlertsAction::Filter),
            Action::Alerts(AlertsAction::Resolved),
            Action::Global(GlobalAction::Back),
            Action::Global(GlobalAction::Help),
            Action::Global(GlobalAction::Quit),
        ],
        (None, View::Zoom(PaneId::Alerts)) => vec![
            Action::Nav(NavAction::MoveDown),
            Action::Nav(NavAction::MoveUp),
            Action::Alerts(AlertsAction::Filter),
            Action::Alerts(AlertsAction::Acknowledge),
            Action::Alerts(AlertsAction::ExpireSilence),
            Action::Alerts(AlertsAction::ToggleSilenced),
            Action::Alerts(AlertsAction::Group),
            Action::Global(GlobalAction::Back),
            Action::Alerts(AlertsAction::Resolved),
            Action::Global(GlobalAction::FocusNext),
            Action::Global(GlobalAction::Help),
            Action::Global(GlobalAction::Quit),
        ],
        (None, View::Zoom(PaneId::Access)) if state.panes.access.list => vec![
            Action::Nav(NavAction::MoveDown),
            Action::Nav(NavAction::MoveUp),
            Action::Access(AccessAction::Details),
            Action::Access(AccessAction::Export),
            Action::Access(AccessAction::Campaigns),
            Action::Global(GlobalAction::Back),
            Action::Global(GlobalAction::Help),
            Action::Global(GlobalAction::Quit),
        ],
        (None, View::Zoom(PaneId::Access)) => vec![
            Action::Access(AccessAction::Keep),
            Action::Access(AccessAction::Revoke),
            Action::Access(AccessAction::Defer),
            Action::Access(AccessAction::Mark),
            Action::Access(AccessAction::Details),
            Action::Access(AccessAction::All),
            Action::Access(AccessAction::Filter),
            Action::Access(AccessAction::New),
            Action::Access(AccessAction::Campaigns),
            Action::Access(AccessAction::Export),
            Action::Access(AccessAction::Reload),
            Action::Global(GlobalAction::Back),
            Action::Global(GlobalAction::Help),
            Action::Global(GlobalAction::Quit),
        ],
    }
}

fn hints(state: &State, theme: &Theme, width: usize) -> Line<'static> {
    if let Some(query) = state.panes.logs.open.as_ref().and_then(|l| l.typing.as_ref()) {
        return Line::from(vec![
            Span::styled(format!(" /{query}█"), theme.style(Role::Text)),
            Span::styled("  enter search  esc cancel", theme.style(Role::Muted)),
        ]);
    }
    match state.shell.overlay {
        Some(Overlay::Confirm {
            justification: None, ..
        }) => return Line::from(Span::styled(" y/enter confirm  n/esc cancel", theme.style(Role::Warn))),
        Some(Overlay::Confirm { .. }) => {
            return Line::from(Span::styled(
                " type the reason  enter confirm  esc cancel",
                theme.style(Role::Warn),
            ))
        }
        Some(Overlay::Editor(ref e)) => {
            let keys = if e.single_line() {
                " enter save  esc cancel"
            } else {
                " ctrl+s save  enter new line  esc cancel"
            };
            return Line::from(Span::styled(keys, theme.style(Role::Warn)));
        }
        Some(Overlay::Justify(_)) => {
            return Line::from(Span::styled(
                " type the justification  ctrl+s save  esc cancel",
                theme.style(Role::Warn),
            ))
        }
        Some(Overlay::Campaign(_)) => {
            return Line::from(Span::styled(
                " tab name/due  enter start  esc cancel",
                theme.style(Role::Warn),
            ))
        }
        Some(Overlay::Ack(_)) => {
            return Line::from(Span::styled(
                " tab comment/duration  enter acknowledge  esc cancel",
                theme.style(Role::Warn),
            ))
        }
        _ => {}
    }
    if let Some(Overlay::Palette { .. }) = state.shell.overlay {
        return Line::from(Span::styled(
            " enter run  tab complete  ↑↓ choose  esc close",
            theme.style(Role::Muted),
        ));
    }
    let scopes = active_scopes(state);
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for action in wanted(state) {
        let (key, label) = match action {
            // The five pane keys read better as one range.
            Action::Global(g) if g.zooms().is_some() => match pane_range(state, &scopes) {
                Some(r) => (r, "panes"),
                None => continue,
            },
            a => match state.shell.keymap.first_key(&scopes, a) {
                Some(k) => (k, a.label()),
                None => continue,
            },
        };
        let w = crate::text::width(&key) + crate::text::width(label) + 3;
        if used + w > width {
            break;
        }
        used += w;
        spans.push(Span::styled(key, theme.style(Role::Title)));
        spans.push(Span::styled(format!(" {label}  "), theme.style(Role::Muted)));
    }
    Line::from(spans)
}

/// "1-5" when the pane keys are the digits in order.
fn pane_range(state: &State, scopes: &[Scope]) -> Option<String> {
    let keys: Vec<String> = PaneId::ALL
        .iter()
        .map(|p| state.shell.keymap.first_key(scopes, Action::pane(*p)))
        .collect::<Option<_>>()?;
    let digits: Vec<String> = (1..=5).map(|n: u8| n.to_string()).collect();
    if keys == digits {
        Some("1-5".into())
    } else {
        Some(keys.join(","))
    }
}
