//! Alerts pane: what Alertmanager holds, worst and oldest first.

use super::widgets::{age, backend_problem, data_style, fit, not_configured, Status};
use crate::app::{AckInfo, AlertGroup, AlertLine, BackendStatus, Freshness, PaneId, State};
use crate::config::theme::{Role, Theme};
use crate::model::alerts::{AlertRow, Severity};
use crate::model::backend::BackendKind;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

fn alert_status(a: &AlertRow) -> Status {
    if a.is_quiet() {
        return Status::Unknown;
    }
    severity_status(a.severity)
}

fn severity_status(s: Severity) -> Status {
    match s {
        Severity::Critical => Status::Crit,
        Severity::Warning => Status::Warn,
        Severity::Info | Severity::None => Status::Ok,
    }
}

/// Alert lines a tile builds at most (more never fit on a screen).
const MAX_TILE_ALERTS: usize = 60;

pub fn tile(state: &State, theme: &Theme, width: usize) -> (Status, Vec<Line<'static>>) {
    let sources: Vec<_> = state.backends_of(BackendKind::Alertmanager).collect();
    let mut worst = if sources.is_empty() {
        Status::Unknown
    } else {
        Status::Ok
    };
    let mut lines = Vec::new();
    if sources.is_empty() {
        lines.extend(not_configured(theme, "[[alertmanager]]", &state.setup.config_hint));
    }
    for b in &sources {
        if let Some(line) = backend_problem(b, state, theme) {
            worst = worst.min(Status::from(b.freshness(state.shell.now)));
            lines.push(line);
        }
    }
    // Borrowed, not copied: Alertmanager can hold thousands of alerts.
    // Members of a cluster count once, under the cluster's name.
    let all = state.all_alerts();
    let mut shown: Vec<&str> = Vec::new();
    for b in &sources {
        let name = state.alert_source_name(Some(b));
        if !shown.contains(&name) {
            shown.push(name);
        }
    }
    for name in shown {
        // The heartbeat is not counted: it always fires.
        let of_source: Vec<&AlertRow> = all
            .iter()
            .filter(|(s, a)| s.is_some() && state.alert_source_name(*s) == name && !state.is_heartbeat(*s, a))
            .map(|(_, a)| a.as_ref())
            .collect();
        let members: Vec<_> = sources
            .iter()
            .filter(|b| state.alert_source_name(Some(b)) == name)
            .collect();
        // Nothing read yet (or ever): the problem line above says why.
        if members.iter().all(|b| b.alerts().is_none()) {
            continue;
        }
        let up = members
            .iter()
            .filter(|b| b.freshness(state.shell.now) == Freshness::Ok)
            .count();
        let style = match members.as_slice() {
            [one] => data_style(one, state, theme, theme.style(Role::Text)),
            _ => theme.style(Role::Text),
        };
        let head = match members.len() {
            1 => format!("{name}: "),
            n => format!("{name} ({up}/{n} up): "),
        };
        lines.push(counts_line(theme, style, head, &of_source));
    }
    let own = all.iter().filter(|(s, _)| s.is_none()).count();
    if own > 0 {
        lines.push(Line::from(Span::styled(
            format!("opsdeck: {own} raised"),
            theme.style(Role::Text),
        )));
    }
    let firing: Vec<(Option<&BackendStatus>, &AlertRow)> = all
        .iter()
        .filter(|(s, a)| state.needs_response(*s, a))
        .map(|(s, a)| (*s, a.as_ref()))
        .collect();
    // Overdue responses and the oldest critical: what to answer first.
    let overdue = firing
        .iter()
        .filter(|(s, a)| state.respond_by(*s, a).is_some_and(|by| by <= state.shell.now))
        .count();
    let oldest_critical = firing
        .iter()
        .filter(|(_, a)| a.severity == Severity::Critical)
        .map(|(_, a)| a.starts_at)
        .min();
    if overdue > 0 || oldest_critical.is_some() {
        let mut text = format!("{overdue} overdue");
        if let Some(t) = oldest_critical {
            text.push_str(&format!(" · oldest critical {}", age(state.shell.now, t)));
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
    for (_, a) in firing.iter().take(MAX_TILE_ALERTS) {
        let s = alert_status(a);
        worst = worst.min(s);
        // Age first: it is what gets cut off last on a narrow tile.
        let text = format!(" {:>4} {} {}", age(state.shell.now, a.starts_at), a.name, a.instance);
        lines.push(Line::from(vec![
            s.span(theme),
            Span::styled(fit(&text, width.saturating_sub(2)), theme.style(s.role())),
        ]));
    }
    // Who has what: acknowledged alerts with the age of their ack, newest first.
    let mut acked: Vec<(AckInfo, &AlertRow)> = all
        .iter()
        .filter(|(_, a)| a.is_quiet())
        .filter_map(|(s, a)| Some((state.ack_of(*s, a).filter(|k| !k.silence_only)?, a.as_ref())))
        .collect();
    acked.sort_by_key(|(ack, _)| std::cmp::Reverse(ack.at));
    for (ack, a) in acked.iter().take(MAX_TILE_ACKS) {
        let text = format!(
            " {} {} acked by {} {} ago",
            a.name,
            a.instance,
            ack.by,
            age(state.shell.now, ack.at)
        );
        lines.push(Line::from(vec![
            Span::styled("✓", theme.style(Role::Muted)),
            Span::styled(fit(&text, width.saturating_sub(2)), theme.style(Role::Muted)),
        ]));
    }
    if acked.len() > MAX_TILE_ACKS {
        lines.push(Line::from(Span::styled(
            format!("  … {} more acknowledged", acked.len() - MAX_TILE_ACKS),
            theme.style(Role::Muted),
        )));
    }
    (worst, lines)
}

/// Acknowledged alerts a tile names at most.
const MAX_TILE_ACKS: usize = 5;

/// "am: 1 crit 0 warn 2 info 0 silenced", counts that matter standing out.
fn counts_line(theme: &Theme, style: ratatui::style::Style, head: String, alerts: &[&AlertRow]) -> Line<'static> {
    let count = |sev: Severity| alerts.iter().filter(|a| !a.is_quiet() && a.severity == sev).count();
    let counted = |n: usize, what: &str, role: Role| {
        Span::styled(
            format!("{n} {what}"),
            theme.style(if n > 0 { role } else { Role::Muted }),
        )
    };
    let quiet = alerts.iter().filter(|a| a.is_quiet()).count();
    Line::from(vec![
        Span::styled(head, style),
        counted(count(Severity::Critical), "crit", Role::Crit),
        Span::styled(" ", style),
        counted(count(Severity::Warning), "warn", Role::Warn),
        Span::styled(
            format!(
                " {} info {quiet} silenced",
                count(Severity::Info) + count(Severity::None)
            ),
            style,
        ),
    ])
}

/// The matcher filter, while one is set: what it is, how many it shows, and
/// why the text being typed does not parse yet.
pub fn filter_line(state: &State, theme: &Theme) -> Option<Line<'static>> {
    let f = &state.panes.alerts.filter;
    let mut parts = Vec::new();
    if let Some(text) = &f.text {
        let cursor = if state.panes.alerts.filter_typing { "█" } else { "" };
        parts.push(format!("filter: {text}{cursor}"));
    }
    if state.panes.alerts.hide_silenced {
        parts.push("silenced hidden".into());
    }
    if let Some(label) = &state.panes.alerts.group_by {
        parts.push(format!("grouped by {label}"));
    }
    if parts.is_empty() {
        return None;
    }
    let mut spans = vec![Span::styled(
        format!("  [{}] {} shown", parts.join("] ["), state.shown_alert_count()),
        theme.style(Role::Info),
    )];
    if let Some(e) = &f.error {
        spans.push(Span::styled(format!("  {e}"), theme.style(Role::Warn)));
    }
    Some(Line::from(spans))
}

/// "by 04:15", or "OVERDUE 12m" standing out; nothing for silenced alerts.
fn respond_cell(state: &State, theme: &Theme, source: Option<&BackendStatus>, a: &AlertRow) -> Cell<'static> {
    match state.respond_by(source, a) {
        None => Cell::from("-").style(theme.style(Role::Muted)),
        Some(by) if by <= state.shell.now => {
            Cell::from(format!("OVERDUE {}", age(state.shell.now, by))).style(theme.style(Role::Crit))
        }
        // Past half a day "17:36" could be today or tomorrow: name the day.
        Some(by) if by - state.shell.now > chrono::Duration::hours(12) => {
            Cell::from(format!("by {}", by.format("%a %H:%M"))).style(theme.style(Role::Text))
        }
        Some(by) => Cell::from(format!("by {}", by.format("%H:%M"))).style(theme.style(Role::Text)),
    }
}

pub fn full(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    // Only the rows that fit are built: with thousands of alerts that is
    // most of a frame (the same window a table scrolled to the selection has).
    let lines = state.alert_lines();
    let selected = state.panes.alerts.selected.min(lines.len().saturating_sub(1));
    let visible = usize::from(area.height.saturating_sub(4)).max(1);
    let offset = selected.saturating_sub(visible - 1);
    let label = state.panes.alerts.group_by.as_deref().unwrap_or_default();
    let rows: Vec<Row> = lines
        .into_iter()
        .skip(offset)
        .take(visible)
        .map(|line| match line {
            AlertLine::Group(g) => group_row(theme, label, &g),
            AlertLine::Alert(source, a) => alert_row(state, theme, source, &a),
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
        Constraint::Length(9),
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

/// A group head: fold mark, the label's value, and how many of its alerts
/// nobody has yet.
fn group_row(theme: &Theme, label: &str, g: &AlertGroup) -> Row<'static> {
    let s = if g.firing > 0 {
        severity_status(g.worst)
    } else {
        Status::Unknown
    };
    let fold = if g.folded { "▸" } else { "▾" };
    // The label's name is in the line above the table ("grouped by ...").
    let value = if g.key.is_empty() {
        format!("(no {label})")
    } else {
        g.key.clone()
    };
    let total = match g.total {
        1 => "1 alert".to_string(),
        n => format!("{n} alerts"),
    };
    // Acknowledgements are silences too.
    let counts = match g.total - g.firing {
        0 => format!("{} firing", g.firing),
        quiet => format!("{} firing, {quiet} silenced", g.firing),
    };
    Row::new(vec![
        Cell::from(s.span(theme)),
        Cell::from(if g.firing > 0 { g.worst.label() } else { "" }).style(theme.style(s.role())),
        Cell::from(format!("{fold} {value}")).style(theme.style(Role::Title)),
        Cell::from(total).style(theme.style(Role::Title)),
        Cell::from(counts).style(theme.style(Role::Text)),
    ])
}

fn alert_row(state: &State, theme: &Theme, source: Option<&BackendStatus>, a: &AlertRow) -> Row<'static> {
    let style = match source {
        Some(b) => data_style(b, state, theme, theme.style(Role::Text)),
        None => theme.style(Role::Text),
    };
    let s = alert_status(a);
    // Under a group head the name is indented, so the groups read as such.
    let indent = if state.panes.alerts.group_by.is_some() {
        "  "
    } else {
        ""
    };
    Row::new(vec![
        Cell::from(s.span(theme)),
        Cell::from(a.severity.label()).style(theme.style(s.role())),
        Cell::from(format!("{indent}{}", a.name)).style(style),
        Cell::from(a.instance.clone()).style(style),
        Cell::from(a.summary.clone()).style(style),
        Cell::from(age(state.shell.now, a.starts_at)).style(style),
        respond_cell(state, theme, source, a),
        Cell::from(state.alert_state_word(source, a)).style(style),
        Cell::from(state.alert_source_name(source).to_string()).style(theme.style(Role::Muted)),
    ])
}
