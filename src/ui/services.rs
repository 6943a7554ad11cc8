//! Services pane: Docker containers and HTTP endpoints.

use super::widgets::{backend_problem, data_style, fit, not_configured, pack_parts, short_bytes, Status};
use crate::app::{PaneId, ServiceRow, SortKey, State};
use crate::config::theme::{Role, Theme};
use crate::model::backend::BackendKind;
use crate::model::docker::{ContainerRow, Health};
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
    let (host_status, mut lines) = host_lines(state, theme, width);
    let (prom_status, prom_lines) = super::prometheus::lines(state, theme, width, false);
    if docker.is_empty() && http.is_empty() && prom_status.is_none() {
        lines.extend(not_configured(
            theme,
            "[[docker]] or [[http]]",
            &state.setup.config_hint,
            width,
        ));
        return (host_status.unwrap_or(Status::Unknown), lines);
    }
    let mut worst = host_status.unwrap_or(Status::Ok);
    let mut problems = Vec::new();
    for b in &docker {
        if let Some(line) = backend_problem(b, state, theme) {
            worst = worst.min(Status::from(b.freshness(state.shell.now)));
            lines.push(line);
        }
        let Some(d) = b.docker() else { continue };
        let style = data_style(b, state, theme, theme.style(Role::Text));
        let bad = d.problems();
        let host_status = if bad > 0 { Status::Crit } else { Status::Ok };
        worst = worst.min(host_status);
        let mut lead = vec![host_status.span(theme)];
        lead.extend(super::widgets::target_lead(b, theme, style));
        let parts = counts(d).into_iter().map(|c| Span::styled(c, style)).collect();
        lines.extend(pack_parts(lead, parts, Span::styled(", ", style), width));
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
            let style = theme.style(s.role());
            let parts = text.split(", ").map(|t| Span::styled(t.to_string(), style)).collect();
            let mut lead = vec![s.span(theme)];
            lead.extend(super::widgets::target_lead(b, theme, style));
            lines.extend(pack_parts(lead, parts, Span::styled(", ", style), width));
        }
    }
    worst = worst.min(prom_status.unwrap_or(Status::Ok));
    lines.extend(prom_lines);
    problems.sort_by_key(|(_, c)| c.rank());
    for (_, c) in problems {
        let s = container_status(&c);
        worst = worst.min(s);
        let what = match c.crash_loop {
            Some(l) => format!("{} ({})", crash_loop_text(l), c.status),
            None => c.status.clone(),
        };
        let text = format!(" {} {what}{}", c.name, restart_note(&c));
        lines.push(Line::from(vec![
            s.span(theme),
            Span::styled(fit(&text, width.saturating_sub(2)), theme.style(s.role())),
        ]));
    }
    (worst, lines)
}

/// "4 up, 1 unhealthy, 1 exited, 2 restarting": problems only when there are some.
fn counts(d: &crate::model::docker::DockerSummary) -> Vec<String> {
    let mut parts = vec![format!("{} up", d.count_state("running"))];
    let unhealthy = d.containers.iter().filter(|c| c.health == Health::Unhealthy).count();
    for (n, what) in [
        (unhealthy, "unhealthy"),
        (d.count_state("exited"), "exited"),
        (d.count_state("restarting"), "restarting"),
        (d.count_state("dead"), "dead"),
        (
            d.containers.iter().filter(|c| c.crash_loop.is_some()).count(),
            "crash-looping",
        ),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    parts
}

/// "crash-loop ×5": what a looping container is, whatever Docker lists
/// between its restarts.
fn crash_loop_text(l: crate::model::docker::CrashLoop) -> String {
    format!("crash-loop ×{}", l.restarts)
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
fn endpoint(p: &crate::model::http::HttpProbe) -> (Status, String) {
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
    parts.extend(state.panes.services.filter.describe());
    if !state.panes.services.show_stopped {
        parts.push("running only".into());
    }
    let view = &state.panes.services;
    if view.sort != SortKey::Worst || view.reverse {
        let reversed = if view.reverse { ", reversed" } else { "" };
        parts.push(format!("sorted by {}{reversed}", view.sort.label()));
    }
    if view.group_by_project {
        parts.push("grouped by project".into());
    }
    (!parts.is_empty()).then(|| {
        let shown = state.container_rows().len();
        Line::from(Span::styled(
            format!("  [{}] {shown} shown", parts.join("] [")),
            theme.style(Role::Info),
        ))
    })
}

/// Endpoints that answered, one line each, failing first; past a handful the
/// healthy ones are counted instead (down ones have their own problem line).
pub fn endpoint_lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    const MAX_LINES: usize = 6;
    let mut found: Vec<(Status, String)> = state
        .backends_of(BackendKind::Http)
        .filter(|b| b.freshness(state.shell.now) == crate::app::Freshness::Ok)
        .filter_map(|b| b.http().map(|p| (b, p)))
        .map(|(b, p)| {
            let (s, text) = endpoint(p);
            (s, format!(" {}: {text}", b.id.name))
        })
        .collect();
    found.sort_by_key(|(s, _)| *s);
    let line = |s: Status, text: String| Line::from(vec![s.span(theme), Span::styled(text, theme.style(s.role()))]);
    if found.len() <= MAX_LINES {
        return found.into_iter().map(|(s, t)| line(s, t)).collect();
    }
    let ok = found.iter().filter(|(s, _)| *s == Status::Ok).count();
    let mut lines: Vec<_> = found
        .into_iter()
        .filter(|(s, _)| *s != Status::Ok)
        .map(|(s, t)| line(s, t))
        .collect();
    lines.push(line(Status::Ok, format!(" {ok} more endpoints answer as expected")));
    lines
}

/// The machine opsdeck runs on, one line; warn-styled parts over threshold.
pub fn host_lines(state: &State, theme: &Theme, width: usize) -> (Option<Status>, Vec<Line<'static>>) {
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
    let lead = vec![status.span(theme), Span::styled(" host: ", theme.style(Role::Text))];
    let mut parts = Vec::new();
    if let Some(cpu) = h.cpu_pct {
        parts.push(part(format!("cpu {cpu:.0}%"), h.cpu_high()));
    }
    parts.push(part(format!("mem {:.0}%", h.memory_pct), h.memory_high()));
    parts.push(part(
        format!("load {:.2}", h.load[0]),
        h.load[0] > h.cores.max(1) as f64,
    ));
    if let Some(d) = h.disks.first() {
        parts.push(part(
            format!("{} {:.0}%", d.mount, d.used_pct),
            d.used_pct >= h.disk_warn,
        ));
    }
    (Some(status), pack_parts(lead, parts, Span::raw(" "), width))
}

/// Table columns; which are shown depends on the width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Name,
    Project,
    State,
    Health,
    Status,
    Restarts,
    Cpu,
    Mem,
    Ports,
    Image,
    Host,
}

impl Col {
    fn title(self) -> &'static str {
        match self {
            Col::Name => "NAME",
            Col::Project => "PROJECT",
            Col::State => "STATE",
            Col::Health => "HEALTH",
            Col::Status => "UPTIME",
            Col::Restarts => "RESTARTS",
            Col::Cpu => "CPU",
            Col::Mem => "MEM",
            Col::Ports => "PORTS",
            Col::Image => "IMAGE",
            Col::Host => "HOST",
        }
    }

    /// `looping`: a container reads "crash-loop ×12" in the state column.
    fn width(self, name_width: u16, looping: bool, host_width: u16) -> Constraint {
        match self {
            Col::Name => Constraint::Length(name_width),
            Col::Project => Constraint::Length(16),
            Col::State => Constraint::Length(if looping { 14 } else { 10 }),
            Col::Health => Constraint::Length(9),
            Col::Status => Constraint::Length(20),
            Col::Restarts => Constraint::Length(8),
            Col::Cpu => Constraint::Length(6),
            Col::Mem => Constraint::Length(13),
            Col::Ports => Constraint::Length(16),
            Col::Image => Constraint::Fill(1),
            Col::Host => Constraint::Length(host_width),
        }
    }

    fn sort_key(self) -> Option<SortKey> {
        Some(match self {
            Col::Name => SortKey::Name,
            Col::Project => SortKey::Project,
            Col::State => SortKey::State,
            Col::Status => SortKey::Age,
            Col::Restarts => SortKey::Restarts,
            Col::Cpu => SortKey::Cpu,
            Col::Mem => SortKey::Memory,
            Col::Image => SortKey::Image,
            Col::Host => SortKey::Host,
            Col::Health | Col::Ports => return None,
        })
    }
}

/// The columns that fit: state and numbers always; health, project, ports,
/// image and host as the width allows.
fn columns(width: u16, state: &State) -> Vec<Col> {
    let mut cols = vec![Col::Name];
    let any_project = state.container_rows().iter().any(|(_, c)| c.compose_project.is_some());
    if width >= 110 && any_project && !state.panes.services.group_by_project {
        cols.push(Col::Project);
    }
    cols.push(Col::State);
    if width >= 100 {
        cols.push(Col::Health);
    }
    cols.extend([Col::Status, Col::Restarts, Col::Cpu, Col::Mem]);
    if width >= 140 {
        cols.push(Col::Ports);
    }
    if width >= 110 {
        cols.push(Col::Image);
    }
    if width >= 100 && state.backends_of(BackendKind::Docker).count() > 1 {
        cols.push(Col::Host);
    }
    cols
}

fn cell_text(col: Col, host: &str, c: &ContainerRow, narrow: bool) -> String {
    match col {
        Col::Name => c.name.clone(),
        Col::Project => match (&c.compose_project, &c.compose_service) {
            (Some(p), Some(s)) => format!("{p}/{s}"),
            (Some(p), None) => p.clone(),
            _ => "-".into(),
        },
        Col::State if c.crash_loop.is_some() => c.crash_loop.map(crash_loop_text).unwrap_or_default(),
        // Without a health column, health says more than "running".
        Col::State if narrow && c.health != Health::None => health_text(c).into(),
        Col::State => c.state.clone(),
        Col::Health => health_text(c).into(),
        Col::Status => status_text(c),
        Col::Restarts => restarts_cell(c),
        Col::Cpu => match (c.state.as_str(), c.usage) {
            ("running", Some(u)) => u.cpu_pct.map(|p| format!("{p:.1}%")).unwrap_or_else(|| "…".into()),
            ("running", None) => "…".into(),
            _ => "-".into(),
        },
        Col::Mem => match (c.state.as_str(), c.usage) {
            ("running", Some(u)) if u.mem_limit == 0 => short_bytes(u.mem_used),
            ("running", Some(u)) => format!("{}/{}", short_bytes(u.mem_used), short_bytes(u.mem_limit)),
            ("running", None) => "…".into(),
            _ => "-".into(),
        },
        Col::Ports => c.ports.join(" "),
        Col::Image => c.image.clone(),
        Col::Host => host.to_string(),
    }
}

/// "up 3h", "exited 3 (12m ago)", "restarting (4s ago)": how long, in
/// Docker's own precision.
fn status_text(c: &ContainerRow) -> String {
    let ago = c.age_secs.map(coarse_age);
    match (c.state.as_str(), ago) {
        ("running", Some(a)) => format!("up {a}"),
        ("exited", Some(a)) => match c.exit_code {
            Some(code) => format!("exited {code} ({a} ago)"),
            None => format!("exited ({a} ago)"),
        },
        ("restarting", Some(a)) => format!("restarting ({a} ago)"),
        _ => c.status.to_lowercase(),
    }
}

/// Docker's ages are coarse ("3 hours"): "3h" says no more than that.
fn coarse_age(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

fn header_cell(col: Col, state: &State) -> String {
    let view = &state.panes.services;
    match col.sort_key() {
        Some(key) if key == view.sort => format!("{}{}", col.title(), if view.reverse { "▲" } else { "▼" }),
        _ => col.title().to_string(),
    }
}

/// Full pane: every container (worst first unless sorted otherwise),
/// optionally under a line per compose project.
pub fn full(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let cols = columns(area.width, state);
    let narrow = !cols.contains(&Col::Health);
    let indent = if state.panes.services.group_by_project {
        "  "
    } else {
        ""
    };
    let all = state.service_rows();
    // Names take what the longest needs (within reason); the image gets the rest.
    let longest = all
        .iter()
        .map(|row| match row {
            ServiceRow::Container(_, c) => crate::text::width(&c.name) + indent.len(),
            ServiceRow::Group { project, .. } => crate::text::width(project) + 2,
        })
        .max();
    // Only the rows on screen are built: a thousand containers cost what a
    // screenful does. update keeps the offset so the selection shows.
    let offset = state.panes.services.offset.min(all.len());
    let has_rows = !all.is_empty();
    let looping = state
        .backends_of(BackendKind::Docker)
        .filter_map(|b| b.docker())
        .any(|d| d.containers.iter().any(|c| c.crash_loop.is_some()));
    // Wide enough for the hosts' names and their environments' badges.
    let host_width = state
        .backends_of(BackendKind::Docker)
        .map(|b| super::widgets::named_width(b) + 1)
        .max()
        .unwrap_or(0)
        .clamp(10, 28) as u16;
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(1))
        .chain(
            cols.iter()
                .map(|c| c.width((longest.unwrap_or(0) + 1).clamp(12, 40) as u16, looping, host_width)),
        )
        .collect();
    // The name column as the table lays it out (narrower than asked on a
    // small screen), so names are cut to what is really there.
    let name_width = ratatui::layout::Layout::horizontal(widths.clone())
        .spacing(1)
        .split(Rect::new(0, 0, area.width.saturating_sub(2), 1))
        .get(1)
        .map_or(0, |r| r.width);
    let rows: Vec<Row> = all
        .into_iter()
        .skip(offset)
        .take(usize::from(area.height))
        .map(|row| match row {
            ServiceRow::Container(b, c) => {
                let s = container_status(c);
                let style = data_style(b, state, theme, theme.style(s.role()));
                let cells = cols.iter().map(|col| {
                    let text = cell_text(*col, &b.id.name, c, narrow);
                    let muted = matches!(col, Col::Image | Col::Host | Col::Ports | Col::Project);
                    let cell_style = if muted { theme.style(Role::Muted) } else { style };
                    match (col, &b.env) {
                        // The host's environment, on every row of it.
                        (Col::Host, Some(env)) => Cell::from(Line::from(vec![
                            Span::styled(format!("{text} "), cell_style),
                            super::widgets::env_badge(env, theme),
                        ])),
                        // A long name ends in "…" in its column, not clipped mid-word.
                        (Col::Name, _) => {
                            Cell::from(fit(&format!("{indent}{text}"), usize::from(name_width))).style(cell_style)
                        }
                        _ => Cell::from(text).style(cell_style),
                    }
                });
                Row::new(std::iter::once(Cell::from(s.span(theme))).chain(cells))
            }
            ServiceRow::Group {
                project,
                containers,
                problems,
                folded,
            } => {
                let s = if problems > 0 { Status::Crit } else { Status::Ok };
                let cells = cols.iter().map(|col| match col {
                    Col::Name => Cell::from(format!("{} {project}", if folded { "▸" } else { "▾" })),
                    Col::State => Cell::from(format!("{containers} total")),
                    Col::Health | Col::Status if problems > 0 && (narrow == (*col == Col::Status)) => {
                        Cell::from(format!("{problems} failing")).style(theme.style(Role::Crit))
                    }
                    _ => Cell::from(""),
                });
                Row::new(std::iter::once(Cell::from(s.span(theme))).chain(cells)).style(theme.style(Role::Title))
            }
        })
        .collect();
    let header = Row::new(std::iter::once(String::new()).chain(cols.iter().map(|c| header_cell(*c, state))))
        .style(theme.style(Role::Title));
    super::table_with_notes(
        frame,
        area,
        state,
        theme,
        PaneId::Services,
        (
            Table::new(rows, widths).header(header),
            // The scroll lives in the state: update must know which rows show.
            ratatui::widgets::TableState::default()
                .with_selected(Some(state.panes.services.selected.saturating_sub(offset))),
        ),
        has_rows,
    );
}
