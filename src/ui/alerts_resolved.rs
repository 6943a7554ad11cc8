//! The Alerts pane's `r` list: alerts resolved in the last 24 hours, as the
//! flight recorder kept them, the latest end first.

use super::widgets::{age, fit, Status};
use crate::app::panes::alerts::resolved::{ResolvedAlerts, WINDOW};
use crate::app::{PaneId, State};
use crate::config::theme::{Role, Theme};
use crate::model::alerts::{AlertEpisode, Severity};
use crate::text::clean;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

/// The line above the list: what it is, how many, the filter, and whether
/// the store answered.
pub fn notes(state: &State, r: &ResolvedAlerts, theme: &Theme) -> Vec<Line<'static>> {
    let hours = WINDOW.num_hours();
    let to = state.shell.now.format("%H:%M UTC");
    let mut head = format!("  resolved in the {hours} h to {to}");
    match &r.episodes {
        None if r.error.is_none() => head.push_str(" · reading the history…"),
        None => {}
        Some(_) => head.push_str(&format!(" · {} shown", r.shown(state).count())),
    }
    head.push_str(" · r: firing alerts");
    let f = &state.panes.alerts.filter;
    if let Some(text) = &f.text {
        let cursor = if state.panes.alerts.filter_typing { "█" } else { "" };
        head.push_str(&format!(" [filter: {}{cursor}]", clean::line(text.clone())));
    }
    let mut lines = vec![Line::styled(head, theme.style(Role::Info))];
    if let Some(e) = &f.error {
        lines.push(Line::styled(format!("  {e}"), theme.style(Role::Warn)));
    }
    if let Some(e) = &r.error {
        lines.push(Line::styled(
            format!("  history unreadable: {e}"),
            theme.style(Role::Warn),
        ));
    }
    if r.episodes.as_ref().is_some_and(|_| r.shown(state).next().is_none()) {
        lines.push(Line::styled(
            "  no alert was resolved in these 24 hours (or nothing was recorded: opsdeck record keeps the history)",
            theme.style(Role::Muted),
        ));
    }
    lines
}

pub fn full(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, r: &ResolvedAlerts) {
    let shown: Vec<&AlertEpisode> = r.shown(state).collect();
    let selected = state.panes.alerts.selected.min(shown.len().saturating_sub(1));
    let visible = usize::from(area.height.saturating_sub(4)).max(1);
    let offset = selected.saturating_sub(visible - 1);
    let width = area.width.saturating_sub(2);
    // Fixed: mark, resolved, seen for, severity, acked by; the name and the
    // instance share the rest.
    let wide = width >= 110;
    let mut widths = vec![1u16, 10, 9];
    if wide {
        widths.push(8);
    }
    let fixed: u16 = widths.iter().sum::<u16>() + 12 + widths.len() as u16 + 2;
    let shared = width.saturating_sub(fixed);
    let (name_w, instance_w) = (shared * 3 / 5, shared - shared * 3 / 5);
    widths.extend([name_w, instance_w, 12]);
    let rows: Vec<Row> = shown
        .iter()
        .skip(offset)
        .take(visible)
        .map(|e| row(state, theme, e, wide, &widths))
        .collect();
    let mut titles = vec!["", "RESOLVED", "SEEN FOR"];
    if wide {
        titles.push("SEVERITY");
    }
    titles.extend(["ALERT", "INSTANCE", "ACKED BY"]);
    let header = Row::new(titles).style(theme.style(Role::Title));
    let has_rows = !rows.is_empty();
    super::table_with_notes(
        frame,
        area,
        state,
        theme,
        PaneId::Alerts,
        (
            Table::new(rows, widths.iter().map(|w| Constraint::Length(*w))).header(header),
            ratatui::widgets::TableState::default().with_selected(Some(selected - offset)),
        ),
        has_rows,
    );
}

fn row(state: &State, theme: &Theme, e: &AlertEpisode, wide: bool, widths: &[u16]) -> Row<'static> {
    let status = match Severity::parse(Some(&e.severity)) {
        Severity::Critical => Status::Crit,
        Severity::Warning => Status::Warn,
        Severity::Info | Severity::None => Status::Ok,
    };
    let end = e.resolved_at.unwrap_or(e.last_seen);
    let text = theme.style(Role::Text);
    let mut cells: Vec<(String, ratatui::style::Style)> = vec![
        (status.symbol(theme).to_string(), theme.style(status.role())),
        (format!("{} ago", age(state.shell.now, end)), text),
        (crate::runbook::session::elapsed(e.first_seen, end), text),
    ];
    if wide {
        cells.push((e.severity.clone(), theme.style(status.role())));
    }
    let instance = e.labels.get("instance").cloned().unwrap_or_default();
    let acked: Vec<&str> = e.acks.iter().map(|a| a.operator.as_str()).collect();
    cells.extend([
        (e.alertname.clone(), text),
        (instance, text),
        (acked.join(", "), theme.style(Role::Muted)),
    ]);
    Row::new(
        cells
            .into_iter()
            .zip(widths)
            // Read back from the store: no control byte of an alert's reaches the terminal.
            .map(|((s, style), w)| Cell::from(Span::styled(fit(&clean::line(s), usize::from(*w)), style))),
    )
}
