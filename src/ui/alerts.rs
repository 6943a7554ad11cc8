//! Alerts pane: what Alertmanager holds, worst and oldest first.

use super::widgets::{age, backend_problem, data_style, fit, not_configured, Status};
use crate::app::{own_alerts, PaneId, State};
use crate::backends::alertmanager::{AlertRow, Severity};
use crate::backends::BackendKind;
use crate::config::theme::{Role, Theme};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

fn alert_status(a: &AlertRow) -> Status {
    if a.state == "suppressed" {
        return Status::Unknown;
    }
    match a.severity {
        Severity::Critical => Status::Crit,
        Severity::Warning => Status::Warn,
        Severity::Info | Severity::None => Status::Ok,
    }
}

/// Alert lines a tile builds at most (more never fit on a screen).
const MAX_TILE_ALERTS: usize = 60;

pub fn tile(state: &State, theme: &Theme, width: usize) -> (Status, Vec<Line<'static>>) {
    let sources: Vec<_> = state.backends_of(BackendKind::Alertmanager).collect();
    let own = own_alerts::rows(state);
    let mut worst = if sources.is_empty() {
        Status::Unknown
    } else {
        Status::Ok
    };
    let mut lines = Vec::new();
    if sources.is_empty() {
        lines.extend(not_configured(theme, "[[alertmanager]]", &state.setup.config_hint));
    }
    if !own.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("opsdeck: {} raised", own.len()),
            theme.style(Role::Text),
        )));
    }
    // Borrowed, not copied: Alertmanager can hold thousands of alerts.
    let mut firing: Vec<std::borrow::Cow<'_, AlertRow>> = own.into_iter().map(std::borrow::Cow::Owned).collect();
    for b in &sources {
        if let Some(line) = backend_problem(b, state, theme) {
            worst = worst.min(Status::from(b.freshness(state.now)));
            lines.push(line);
        }
        let Some(a) = b.alerts() else { continue };
        let style = data_style(b, state, theme, theme.style(Role::Text));
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", b.id.name), style),
            Span::styled(
                format!("{} crit", a.count(Severity::Critical)),
                theme.style(if a.count(Severity::Critical) > 0 {
                    Role::Crit
                } else {
                    Role::Muted
                }),
            ),
            Span::styled(" ", style),
            Span::styled(
                format!("{} warn", a.count(Severity::Warning)),
                theme.style(if a.count(Severity::Warning) > 0 {
                    Role::Warn
                } else {
                    Role::Muted
                }),
            ),
            Span::styled(
                format!(
                    " {} info {} silenced",
                    a.count(Severity::Info) + a.count(Severity::None),
                    a.suppressed()
                ),
                style,
            ),
        ]));
        firing.extend(a.firing().map(std::borrow::Cow::Borrowed));
    }
    firing.sort_by(|a, b| a.severity.cmp(&b.severity).then(a.starts_at.cmp(&b.starts_at)));
    // Overdue responses and the oldest critical: what to answer first.
    let overdue = firing
        .iter()
        .filter(|a| state.respond_by(a).is_some_and(|by| by <= state.now))
        .count();
    let oldest_critical = firing
        .iter()
        .filter(|a| a.severity == Severity::Critical)
        .map(|a| a.starts_at)
        .min();
    if overdue > 0 || oldest_critical.is_some() {
        let mut text = format!("{overdue} overdue");
        if let Some(t) = oldest_critical {
            text.push_str(&format!(" · oldest critical {}", age(state.now, t)));
        }
        lines.push(Line::from(Span::styled(
            text,
            theme.style(if overdue > 0 { Role::Crit } else { Role::Text }),
        )));
    }
    let any_data = sources.iter().any(|b| b.alerts().is_some());
    if firing.is_empty() && any_data {
        lines.push(Line::from(vec![
            Status::Ok.span(theme),
            Span::styled(" nothing firing", theme.style(Role::Ok)),
        ]));
    }
    // A tile shows a few dozen lines at most; the list is sorted worst first.
    for a in firing.iter().take(MAX_TILE_ALERTS) {
        let s = alert_status(a);
        worst = worst.min(s);
        // Age first: it is what gets cut off last on a narrow tile.
        let text = format!(" {:>4} {} {}", age(state.now, a.starts_at), a.name, a.instance);
        lines.push(Line::from(vec![
            s.span(theme),
            Span::styled(fit(&text, width.saturating_sub(2)), theme.style(s.role())),
        ]));
    }
    (worst, lines)
}

/// The matcher filter, while one is set: what it is, how many it shows, and
/// why the text being typed does not parse yet.
pub fn filter_line(state: &State, theme: &Theme) -> Option<Line<'static>> {
    let f = &state.alerts_filter;
    let mut parts = Vec::new();
    if let Some(text) = &f.text {
        let cursor = if state.filter_typing { "█" } else { "" };
        parts.push(format!("filter: {text}{cursor}"));
    }
    if state.hide_silenced {
        parts.push("silenced hidden".into());
    }
    if parts.is_empty() {
        return None;
    }
    let mut spans = vec![Span::styled(
        format!("  [{}] {} shown", parts.join("] ["), state.alert_rows().len()),
        theme.style(Role::Info),
    )];
    if let Some(e) = &f.error {
        spans.push(Span::styled(format!("  {e}"), theme.style(Role::Warn)));
    }
    Some(Line::from(spans))
}

/// "by 04:15", or "OVERDUE 12m" standing out; nothing for silenced alerts.
fn respond_cell(state: &State, theme: &Theme, a: &AlertRow) -> Cell<'static> {
    match state.respond_by(a) {
        None => Cell::from("-").style(theme.style(Role::Muted)),
        Some(by) if by <= state.now => {
            Cell::from(format!("OVERDUE {}", age(state.now, by))).style(theme.style(Role::Crit))
        }
        // Past half a day "17:36" could be today or tomorrow: name the day.
        Some(by) if by - state.now > chrono::Duration::hours(12) => {
            Cell::from(format!("by {}", by.format("%a %H:%M"))).style(theme.style(Role::Text))
        }
        Some(by) => Cell::from(format!("by {}", by.format("%H:%M"))).style(theme.style(Role::Text)),
    }
}

pub fn full(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    // Only the rows that fit are built: with thousands of alerts that is
    // most of a frame (the same window a table scrolled to the selection has).
    let alerts = state.alert_rows();
    let selected = state.selection[PaneId::Alerts.index()].min(alerts.len().saturating_sub(1));
    let visible = usize::from(area.height.saturating_sub(4)).max(1);
    let offset = selected.saturating_sub(visible - 1);
    let rows: Vec<Row> = alerts
        .into_iter()
        .skip(offset)
        .take(visible)
        .map(|(source, a)| {
            let style = match source {
                Some(b) => data_style(b, state, theme, theme.style(Role::Text)),
                None => theme.style(Role::Text),
            };
            let source = source.map(|b| b.id.name.clone()).unwrap_or_else(|| "opsdeck".into());
            let s = alert_status(&a);
            Row::new(vec![
                Cell::from(s.span(theme)),
                Cell::from(a.severity.label()).style(theme.style(s.role())),
                Cell::from(a.name.clone()).style(style),
                Cell::from(a.instance.clone()).style(style),
                Cell::from(a.summary.clone()).style(style),
                Cell::from(age(state.now, a.starts_at)).style(style),
                respond_cell(state, theme, &a),
                Cell::from(if a.state == "suppressed" { "silenced" } else { "firing" }).style(style),
                Cell::from(source).style(theme.style(Role::Muted)),
            ])
        })
        .collect();
    let header = Row::new([
        "", "SEVERITY", "ALERT", "INSTANCE", "SUMMARY", "FOR", "RESPOND", "STATE", "SOURCE",
    ])
    .style(theme.style(Role::Title));
    let widths = [
        Constraint::Length(1),
        Constraint::Length(8),
        Constraint::Percentage(20),
        Constraint::Percentage(16),
        Constraint::Percentage(38),
        Constraint::Length(7),
        Constraint::Length(13),
        Constraint::Length(8),
        Constraint::Percentage(10),
    ];
    let has_rows = !rows.is_empty();
    super::table_with_notes(
        frame,
        area,
        state,
        theme,
        PaneId::Alerts,
        (
            Table::new(rows, widths).header(header),
            ratatui::widgets::TableState::default().with_selected(Some(selected - offset)),
        ),
        has_rows,
    );
}
