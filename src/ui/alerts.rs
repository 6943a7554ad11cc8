//! Alerts pane: what Alertmanager holds, worst and oldest first.

use super::widgets::{age, backend_problem, data_style, fit, not_configured, pack_parts, Status};
use crate::app::{AckInfo, AlertGroup, AlertLine, BackendStatus, Freshness, PaneId, State};
use crate::config::theme::{Role, Theme};
use crate::model::alerts::{AlertRow, Severity};
use crate::model::backend::BackendKind;
use crate::model::escalation::Paged;
use crate::text::ticking_age;
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
        lines.extend(not_configured(
            theme,
            "[[alertmanager]]",
            &state.setup.config_hint,
            width,
        ));
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
        lines.extend(counts_line(theme, style, head, &of_source, width));
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
        let style = theme.style(if overdue > 0 { Role::Crit } else { Role::Text });
        let mut parts = vec![Span::styled(format!("{overdue} overdue"), style)];
        if let Some(t) = oldest_critical {
            parts.push(Span::styled(
                format!("oldest critical {}", ticking_age(state.shell.now, t)),
                style,
            ));
        }
        lines.extend(pack_parts(Vec::new(), parts, Span::styled(" · ", style), width));
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
        let text = format!(
            " {:>4} {} {}",
            ticking_age(state.shell.now, a.starts_at),
            a.name,
            a.instance
        );
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
fn counts_line(
    theme: &Theme,
    style: ratatui::style::Style,
    head: String,
    alerts: &[&AlertRow],
    width: usize,
) -> Vec<Line<'static>> {
    let count = |sev: Severity| alerts.iter().filter(|a| !a.is_quiet() && a.severity == sev).count();
    let counted = |n: usize, what: &str, role: Role| {
        Span::styled(
            format!("{n} {what}"),
            theme.style(if n > 0 { role } else { Role::Muted }),
        )
    };
    let quiet = alerts.iter().filter(|a| a.is_quiet()).count();
    let info = count(Severity::Info) + count(Severity::None);
    pack_parts(
        vec![Span::styled(head, style)],
        vec![
            counted(count(Severity::Critical), "crit", Role::Crit),
            counted(count(Severity::Warning), "warn", Role::Warn),
            Span::styled(format!("{info} info"), style),
            Span::styled(format!("{quiet} silenced"), style),
        ],
        Span::styled(" ", style),
        width,
    )
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
fn respond_cell(
    state: &State,
    theme: &Theme,
    source: Option<&BackendStatus>,
    a: &AlertRow,
) -> (String, ratatui::style::Style) {
    if let Some(w) = crate::app::panes::checklist::window::holding(state, source, a) {
        return (
            crate::app::panes::checklist::window::held_word(w),
            theme.style(Role::Info),
        );
    }
    let escalated = state.escalation_of(source, a);
    match state.respond_by(source, a) {
        None => ("-".into(), theme.style(Role::Muted)),
        // Someone was paged: which level, and when (the details say
        // "escalated to L2 at 03:22"); or the page is not getting through.
        Some(by) if by <= state.shell.now && escalated.is_some() => match escalated {
            Some(Paged::Sent(level, at)) => (format!("↑{level} {}", at.format("%H:%M")), theme.style(Role::Crit)),
            Some(Paged::Failing(level)) => (format!("↑{level} failing"), theme.style(Role::Crit)),
            None => ("-".into(), theme.style(Role::Muted)),
        },
        Some(by) if by <= state.shell.now => (
            format!("OVERDUE {}", ticking_age(state.shell.now, by)),
            theme.style(Role::Crit),
        ),
        // Past half a day "17:36" could be today or tomorrow: name the day.
        Some(by) if by - state.shell.now > chrono::Duration::hours(12) => {
            (format!("by {}", by.format("%a %H:%M")), theme.style(Role::Text))
        }
        Some(by) => (format!("by {}", by.format("%H:%M")), theme.style(Role::Text)),
    }
}

pub fn full(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    if let Some(r) = &state.panes.alerts.resolved {
        return super::alerts_resolved::full(frame, area, state, theme, r);
    }
    // Only the rows that fit are built: with thousands of alerts that is
    // most of a frame (the same window a table scrolled to the selection has).
    let lines = state.alert_lines();
    let selected = state.panes.alerts.selected.min(lines.len().saturating_sub(1));
    let visible = usize::from(area.height.saturating_sub(4)).max(1);
    let offset = selected.saturating_sub(visible - 1);
    let label = state.panes.alerts.group_by.as_deref().unwrap_or_default();
    let cols = columns(area.width.saturating_sub(2), &lines, state);
    let rows: Vec<Row> = lines
        .into_iter()
        .skip(offset)
        .take(visible)
        .map(|line| match line {
            AlertLine::Group(g) => group_row(theme, label, &g, &cols),
            AlertLine::Alert(source, a) => alert_row(state, theme, source, &a, &cols),
        })
        .collect();
    let header = Row::new(cols.iter().map(|(c, _)| c.title())).style(theme.style(Role::Title));
    let widths: Vec<Constraint> = cols.iter().map(|(_, w)| Constraint::Length(*w)).collect();
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

/// The zoomed table's columns; which are shown depends on the width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Mark,
    Severity,
    Alert,
    Instance,
    Summary,
    For,
    Respond,
    State,
    Source,
}

impl Col {
    fn title(self) -> &'static str {
        match self {
            Col::Mark => "",
            Col::Severity => "SEVERITY",
            Col::Alert => "ALERT",
            Col::Instance => "INSTANCE",
            Col::Summary => "SUMMARY",
            Col::For => "FOR",
            Col::Respond => "RESPOND",
            Col::State => "STATE",
            Col::Source => "SOURCE",
        }
    }
}

/// Columns and their widths for a table `width` wide. The mark already
/// tells the severity, so its word goes first when space is short, then
/// the summary (the details show it whole); the source only when there is
/// more than one. Name, instance and summary share what is left, so a cut
/// falls on them, with `…`, and never on a time or a state.
fn columns(width: u16, lines: &[AlertLine], state: &State) -> Vec<(Col, u16)> {
    let sources: std::collections::BTreeSet<&str> = lines
        .iter()
        .filter_map(|l| match l {
            AlertLine::Alert(source, _) => Some(state.alert_source_name(*source)),
            AlertLine::Group(_) => None,
        })
        .collect();
    let source_width = sources
        .iter()
        .map(|s| crate::text::width(s))
        .max()
        .unwrap_or(0)
        .clamp(6, 12) as u16;
    let mut fixed = vec![(Col::Mark, 1)];
    if width >= 130 {
        fixed.push((Col::Severity, 8));
    }
    fixed.extend([(Col::For, 6), (Col::Respond, 12), (Col::State, 9)]);
    if sources.len() > 1 {
        fixed.push((Col::Source, source_width));
    }
    let mut shared: Vec<(Col, u16)> = vec![(Col::Alert, 3), (Col::Instance, 2)];
    if width >= 90 {
        shared.push((Col::Summary, 4));
    }
    let spacing = (fixed.len() + shared.len() - 1) as u16;
    let left = width.saturating_sub(fixed.iter().map(|(_, w)| w).sum::<u16>() + spacing);
    let parts: u16 = shared.iter().map(|(_, p)| p).sum();
    let mut given = 0;
    let last = shared.len() - 1;
    for (i, (_, part)) in shared.iter_mut().enumerate() {
        *part = if i == last {
            left - given
        } else {
            u16::try_from(u32::from(left) * u32::from(*part) / u32::from(parts)).unwrap_or(0)
        };
        given += *part;
    }
    let mut cols = fixed;
    // In reading order: the shared columns after the severity.
    let at = cols.iter().position(|(c, _)| *c == Col::For).unwrap_or(cols.len());
    cols.splice(at..at, shared);
    cols
}

/// A row's cells for the columns shown, each fitted to its width.
fn cells(cols: &[(Col, u16)], mut cell: impl FnMut(Col) -> Option<(String, ratatui::style::Style)>) -> Row<'static> {
    Row::new(cols.iter().map(|(c, w)| match cell(*c) {
        Some((text, style)) => Cell::from(fit(&text, usize::from(*w))).style(style),
        None => Cell::from(""),
    }))
}

/// A group head: fold mark, the label's value, and how many of its alerts
/// nobody has yet.
fn group_row(theme: &Theme, label: &str, g: &AlertGroup, cols: &[(Col, u16)]) -> Row<'static> {
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
    let title = theme.style(Role::Title);
    let has_summary = cols.iter().any(|(c, _)| *c == Col::Summary);
    cells(cols, |c| match c {
        Col::Mark => Some((s.symbol(theme).to_string(), theme.style(s.role()))),
        Col::Severity if g.firing > 0 => Some((g.worst.label().to_string(), theme.style(s.role()))),
        Col::Alert => Some((format!("{fold} {value}"), title)),
        Col::Instance if has_summary => Some((total.clone(), title)),
        Col::Instance => Some((format!("{total}, {counts}"), title)),
        Col::Summary => Some((counts.clone(), theme.style(Role::Text))),
        _ => None,
    })
}

fn alert_row(
    state: &State,
    theme: &Theme,
    source: Option<&BackendStatus>,
    a: &AlertRow,
    cols: &[(Col, u16)],
) -> Row<'static> {
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
    cells(cols, |c| {
        Some(match c {
            Col::Mark => (s.symbol(theme).to_string(), theme.style(s.role())),
            Col::Severity => (a.severity.label().to_string(), theme.style(s.role())),
            Col::Alert => (format!("{indent}{}", a.name), style),
            Col::Instance => (a.instance.clone(), style),
            Col::Summary => (a.summary.clone(), style),
            Col::For => (ticking_age(state.shell.now, a.starts_at), style),
            Col::Respond => respond_cell(state, theme, source, a),
            Col::State => (state.alert_state_word(source, a).to_string(), style),
            Col::Source => (state.alert_source_name(source).to_string(), theme.style(Role::Muted)),
        })
    })
}
