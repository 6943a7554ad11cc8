//! Services pane: Docker containers and HTTP endpoints.

use super::widgets::{backend_problem, data_style, fit, not_configured, Status};
use crate::app::{PaneId, State};
use crate::backends::docker::{ContainerRow, Health};
use crate::backends::BackendKind;
use crate::config::theme::{Role, Theme};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

fn container_status(c: &ContainerRow) -> Status {
    match c.rank() {
        0..=2 => Status::Crit,
        3 | 4 => Status::Warn,
        _ => Status::Ok,
    }
}

fn health_text(c: &ContainerRow) -> &'static str {
    match c.health {
        Health::Healthy => "healthy",
        Health::Unhealthy => "unhealthy",
        Health::Starting => "starting",
        Health::None => "-",
    }
}

/// Tile: per host a count line, then the worst containers; per endpoint one line.
pub fn tile(state: &State, theme: &Theme, width: usize) -> (Status, Vec<Line<'static>>) {
    let docker: Vec<_> = state.backends_of(BackendKind::Docker).collect();
    let http: Vec<_> = state.backends_of(BackendKind::Http).collect();
    let (host_status, mut lines) = host_lines(state, theme);
    if docker.is_empty() && http.is_empty() {
        lines.extend(not_configured(
            theme,
            "[[docker]] or [[http]]",
            &state.setup.config_hint,
        ));
        return (host_status.unwrap_or(Status::Unknown), lines);
    }
    let mut worst = host_status.unwrap_or(Status::Ok);
    let mut problems = Vec::new();
    for b in &docker {
        if let Some(line) = backend_problem(b, state, theme) {
            worst = worst.min(Status::from(b.freshness(state.now)));
            lines.push(line);
        }
        let Some(d) = b.docker() else { continue };
        let style = data_style(b, state, theme, theme.style(Role::Text));
        let bad = d.problems();
        let host_status = if bad > 0 { Status::Crit } else { Status::Ok };
        worst = worst.min(host_status);
        lines.push(Line::from(vec![
            host_status.span(theme),
            Span::styled(format!(" {}: {}", b.id.name, counts(d)), style),
        ]));
        problems.extend(
            d.containers
                .iter()
                .filter(|c| c.rank() <= 4)
                .map(|c| (b.id.name.clone(), c.clone())),
        );
    }
    for b in &http {
        if let Some(line) = backend_problem(b, state, theme) {
            worst = worst.min(Status::Crit);
            lines.push(line);
            continue;
        }
        if let Some(p) = b.http() {
            let (s, text) = endpoint(p);
            worst = worst.min(s);
            lines.push(Line::from(vec![
                s.span(theme),
                Span::styled(format!(" {}: {text}", b.id.name), theme.style(s.role())),
            ]));
        }
    }
    problems.sort_by_key(|(_, c)| c.rank());
    for (_, c) in problems {
        let s = container_status(&c);
        worst = worst.min(s);
        let text = format!(" {} {}{}", c.name, c.status, restart_note(&c));
        lines.push(Line::from(vec![
            s.span(theme),
            Span::styled(fit(&text, width.saturating_sub(2)), theme.style(s.role())),
        ]));
    }
    (worst, lines)
}

/// "4 up, 1 unhealthy, 1 exited, 2 restarting": problems only when there are some.
fn counts(d: &crate::backends::docker::DockerSummary) -> String {
    let mut parts = vec![format!("{} up", d.count_state("running"))];
    let unhealthy = d.containers.iter().filter(|c| c.health == Health::Unhealthy).count();
    for (n, what) in [
        (unhealthy, "unhealthy"),
        (d.count_state("exited"), "exited"),
        (d.count_state("restarting"), "restarting"),
        (d.count_state("dead"), "dead"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    parts.join(", ")
}

/// " · 4 restarts · OOM" for the tile, when known and worth saying.
fn restart_note(c: &ContainerRow) -> String {
    let mut note = String::new();
    if let Some(n) = c.restarts.filter(|n| *n > 0) {
        note.push_str(&format!(" · {n} restarts"));
    }
    if c.oom_killed {
        note.push_str(" · OOM");
    }
    note
}

fn restarts_cell(c: &ContainerRow) -> String {
    match (c.restarts, c.oom_killed) {
        (Some(n), true) => format!("{n} OOM"),
        (Some(n), false) => n.to_string(),
        (None, _) => "-".into(),
    }
}

/// An endpoint's status and one line about it: code, latency, the run of
/// failures, certificate days when https.
fn endpoint(p: &crate::backends::http::HttpProbe) -> (Status, String) {
    let status = if !p.ok() {
        Status::Crit
    } else if p.cert_expiring() {
        Status::Warn
    } else {
        Status::Ok
    };
    let mut text = format!("HTTP {} {} ms", p.status, p.latency_ms);
    if !p.ok() {
        text.push_str(&format!(" (want {}), {} failed in a row", p.expected, p.failures));
        if let Some(t) = p.last_success {
            text.push_str(&format!(", last ok {}", t.format("%H:%M:%S")));
        }
    }
    if let Some(days) = p.cert_days_left {
        text.push_str(&format!(", cert {days}d"));
    }
    (status, text)
}

/// What narrows the table (filter, running only), when anything does.
pub fn view_line(state: &State, theme: &Theme) -> Option<Line<'static>> {
    let mut parts = Vec::new();
    if let Some(q) = &state.services_filter {
        let cursor = if state.filter_typing { "█" } else { "" };
        parts.push(format!("filter: {q}{cursor}"));
    }
    if !state.show_stopped {
        parts.push("running only".into());
    }
    (!parts.is_empty()).then(|| {
        let shown = state.container_rows().len();
        Line::from(Span::styled(
            format!("  [{}] {shown} shown", parts.join("] [")),
            theme.style(Role::Info),
        ))
    })
}

/// The machine opsdeck runs on, one line; warn-styled parts over threshold.
pub fn host_lines(state: &State, theme: &Theme) -> (Option<Status>, Vec<Line<'static>>) {
    let Some(b) = state.backends_of(BackendKind::Host).next() else {
        return (None, Vec::new());
    };
    let Some(h) = b.host() else {
        return (None, backend_problem(b, state, theme).into_iter().collect());
    };
    let part = |text: String, high: bool| {
        Span::styled(
            text,
            data_style(b, state, theme, theme.style(if high { Role::Warn } else { Role::Text })),
        )
    };
    let status = if h.any_high() { Status::Warn } else { Status::Ok };
    let mut spans = vec![status.span(theme), Span::styled(" host: ", theme.style(Role::Text))];
    if let Some(cpu) = h.cpu_pct {
        spans.push(part(format!("cpu {cpu:.0}% "), h.cpu_high()));
    }
    spans.push(part(format!("mem {:.0}% ", h.memory_pct), h.memory_high()));
    spans.push(part(
        format!("load {:.2} ", h.load[0]),
        h.load[0] > h.cores.max(1) as f64,
    ));
    if let Some(d) = h.disks.first() {
        spans.push(part(
            format!("{} {:.0}%", d.mount, d.used_pct),
            d.used_pct >= h.disk_warn,
        ));
    }
    (Some(status), vec![Line::from(spans)])
}

/// Full pane: every container, worst first, with the endpoints after.
pub fn full(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut rows = Vec::new();
    for (b, c) in state.container_rows() {
        let s = container_status(c);
        let style = data_style(b, state, theme, theme.style(s.role()));
        rows.push(Row::new(vec![
            Cell::from(s.span(theme)),
            Cell::from(c.name.clone()).style(style),
            Cell::from(c.state.clone()).style(style),
            Cell::from(health_text(c)).style(style),
            Cell::from(c.status.clone()).style(style),
            Cell::from(restarts_cell(c)).style(style),
            Cell::from(c.image.clone()).style(theme.style(Role::Muted)),
            Cell::from(b.id.name.clone()).style(theme.style(Role::Muted)),
        ]));
    }
    for b in state.backends_of(BackendKind::Http) {
        let (s, text) = match b.http() {
            Some(p) if b.freshness(state.now) == crate::app::Freshness::Ok => endpoint(p),
            _ => (
                Status::from(b.freshness(state.now)),
                b.last_error.as_ref().map(|(_, e)| e.clone()).unwrap_or_default(),
            ),
        };
        rows.push(Row::new(vec![
            Cell::from(s.span(theme)),
            Cell::from(b.id.name.clone()),
            Cell::from("endpoint"),
            Cell::from("-"),
            Cell::from(text).style(theme.style(s.role())),
            Cell::from(""),
            Cell::from(""),
            Cell::from("http"),
        ]));
    }
    let header = Row::new(["", "NAME", "STATE", "HEALTH", "STATUS", "RESTARTS", "IMAGE", "HOST"])
        .style(theme.style(Role::Title));
    let widths = [
        Constraint::Length(1),
        Constraint::Percentage(22),
        Constraint::Length(10),
        Constraint::Length(9),
        Constraint::Percentage(28),
        Constraint::Length(9),
        Constraint::Percentage(20),
        Constraint::Percentage(10),
    ];
    let has_rows = !rows.is_empty();
    super::table_with_notes(
        frame,
        area,
        state,
        theme,
        PaneId::Services,
        Table::new(rows, widths).header(header),
        has_rows,
    );
}
