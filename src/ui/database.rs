//! Database pane: PostgreSQL targets.

use super::widgets::{backend_problem, data_style, duration_text, not_configured, pack_parts, short_bytes, Status};
use crate::app::{PaneId, State};
use crate::config::theme::{Role, Theme};
use crate::model::backend::BackendKind;
use crate::model::postgres::{query_for_screen, Checksum, PgSummary};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

fn pg_status(p: &PgSummary, now: chrono::DateTime<chrono::Utc>) -> Status {
    let blocked = !p.blocks.is_empty();
    let backup_bad = p.backup.as_ref().is_some_and(|b| b.is_bad(now));
    if p.long_query()
        || p.connections_high()
        || p.connections * 10 >= p.max_connections * 9
        || p.lag_breached
        || p.cache_low()
        || p.xid_high()
        || blocked
        || backup_bad
        || p.old_idle_in_tx().next().is_some()
    {
        Status::Warn
    } else {
        Status::Ok
    }
}

pub fn tile(state: &State, theme: &Theme, width: usize) -> (Status, Vec<Line<'static>>) {
    let targets: Vec<_> = state.backends_of(BackendKind::Postgres).collect();
    let redis = super::redis::lines(state, theme, width, false);
    if targets.is_empty() {
        if let Some(r) = redis {
            return r;
        }
        return (
            Status::Unknown,
            not_configured(theme, "[[postgres]]", &state.setup.config_hint, width),
        );
    }
    let mut worst = Status::Ok;
    let mut lines = Vec::new();
    for b in targets {
        if let Some(line) = backend_problem(b, state, theme) {
            worst = worst.min(Status::from(b.freshness(state.shell.now)));
            lines.push(line);
        }
        let Some(p) = b.postgres() else { continue };
        let s = pg_status(p, state.shell.now);
        worst = worst.min(s);
        let style = data_style(b, state, theme, theme.style(Role::Text));
        lines.extend(pack_parts(
            std::iter::once(s.span(theme))
                .chain(super::widgets::target_lead(b, theme, style))
                .collect(),
            [
                p.role().to_string(),
                short_version(&p.version),
                format!("{}ms", p.rtt_ms),
            ]
            .into_iter()
            .map(|t| Span::styled(t, style))
            .collect(),
            Span::styled(" ", style),
            width,
        ));
        let conns = data_style(
            b,
            state,
            theme,
            theme.style(if p.connections_high() { Role::Warn } else { Role::Text }),
        );
        lines.extend(pack_parts(
            vec![Span::raw("  ")],
            vec![
                Span::styled(format!("{}/{} conns", p.connections, p.max_connections), conns),
                Span::styled(format!("{} idle in tx", p.idle_in_transaction), conns),
            ],
            Span::styled(", ", conns),
            width,
        ));
        // Longest query, worst lag, backup age: each only when there is one.
        let mut parts: Vec<(String, bool)> = Vec::new();
        if let Some(q) = p.longest_query_secs {
            parts.push((format!("longest query {}", secs(q)), p.long_query()));
        }
        if let Some(lag) = p.worst_lag_secs() {
            parts.push((format!("lag {}", secs(lag)), p.lag_breached));
        }
        if p.backup.is_some() {
            let (text, bad) = backup_cell(p, state.shell.now);
            parts.push((format!("backup {text}"), bad));
        }
        if !p.blocks.is_empty() {
            parts.push((format!("{} blocked", p.blocks.len()), true));
        }
        let spans: Vec<Span<'static>> = parts
            .into_iter()
            .map(|(text, warn)| {
                let role = if warn { Role::Warn } else { Role::Muted };
                Span::styled(text, data_style(b, state, theme, theme.style(role)))
            })
            .collect();
        if !spans.is_empty() {
            let sep = Span::styled(" · ", theme.style(Role::Muted));
            lines.extend(pack_parts(vec![Span::raw("  ")], spans, sep, width));
        }
    }
    if let Some((s, redis)) = redis {
        worst = worst.min(s);
        lines.extend(redis);
    }
    (worst, lines)
}

fn short_version(v: &str) -> String {
    format!("PG {}", v.split_whitespace().next().unwrap_or(v))
}

fn bytes(n: i64) -> String {
    short_bytes(u64::try_from(n).unwrap_or(0))
}

fn secs(v: f64) -> String {
    duration_text(v as i64)
}

/// "27h ago ✓" / "no file matches …": a backup in a cell.
fn backup_cell(p: &PgSummary, now: chrono::DateTime<chrono::Utc>) -> (String, bool) {
    let Some(b) = &p.backup else { return ("-".into(), false) };
    let bad = b.is_bad(now);
    if let Some(e) = &b.error {
        return (e.clone(), true);
    }
    let age = b
        .age_secs(now)
        .map(|a| format!("{} ago", duration_text(a)))
        .unwrap_or_else(|| "never".into());
    let check = match &b.checksum {
        Checksum::Ok => " ✓sha256",
        Checksum::Mismatch => " ✗sha256 MISMATCH",
        Checksum::Error(_) => " sha256 unreadable",
        Checksum::NotChecked => "",
    };
    (format!("{age}{check}"), bad)
}

/// Per target, the lines under the table: replication, backup, blocking
/// chains, what cannot be read for lack of a grant.
fn target_lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for b in state.backends_of(BackendKind::Postgres) {
        if let Some(line) = backend_problem(b, state, theme) {
            lines.push(line);
        }
        let Some(p) = b.postgres() else { continue };
        let style = |warn: bool| data_style(b, state, theme, theme.style(if warn { Role::Warn } else { Role::Text }));
        let name = &b.id.name;
        for r in &p.replicas {
            let lag = format!(
                "{} / {}",
                r.lag_bytes.map(bytes).unwrap_or_else(|| "-".into()),
                r.replay_lag_secs.map(secs).unwrap_or_else(|| "-".into())
            );
            lines.push(Line::from(Span::styled(
                format!("  {name} → replica {} {} {}, lag {lag}", r.name, r.state, r.sync_state),
                style(p.lag_breached),
            )));
        }
        if let Some(sb) = &p.standby {
            lines.push(Line::from(Span::styled(
                format!(
                    "  {name} standby: replay delay {}, {} received not replayed",
                    sb.replay_delay_secs.map(secs).unwrap_or_else(|| "-".into()),
                    sb.replay_pending_bytes.map(bytes).unwrap_or_else(|| "-".into())
                ),
                style(p.lag_breached),
            )));
        }
        if let Some(bk) = &p.backup {
            let (text, bad) = backup_cell(p, state.shell.now);
            let size = bk
                .size_bytes
                .map(|s| format!(", {}", bytes(s as i64)))
                .unwrap_or_default();
            lines.push(Line::from(Span::styled(
                format!(
                    "  {name} backup {}: {text}{size} (max {})",
                    bk.source,
                    duration_text(bk.max_age_secs as i64)
                ),
                style(bad),
            )));
        }
        for k in &p.blocks {
            lines.push(Line::from(Span::styled(
                format!(
                    "  {name} lock: pid {} waits for pid {} ({} {} on {}) for {}",
                    k.blocked_pid,
                    k.blocking_pid,
                    k.mode,
                    k.lock_type,
                    k.relation.as_deref().unwrap_or("-"),
                    secs(k.waiting_secs)
                ),
                style(true),
            )));
        }
        let deadlocks = p.deadlocks_delta.unwrap_or(0);
        let temp = p.temp_bytes_delta.unwrap_or(0);
        if deadlocks > 0 || temp > 0 {
            lines.push(Line::from(Span::styled(
                format!(
                    "  {name} since the last poll: {deadlocks} deadlocks, {} written to temp files",
                    bytes(temp)
                ),
                style(deadlocks > 0),
            )));
        }
        for note in &p.permission_notes {
            lines.push(Line::from(Span::styled(
                format!("  {name}: {note}"),
                theme.style(Role::Info),
            )));
        }
    }
    lines
}

/// Full pane: the targets, what is wrong with them, then the sessions worth
/// a look (long queries, old idle transactions, blocked and blocking), which
/// are what the operator selects, marks, cancels or terminates.
pub fn full(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let targets: Vec<_> = state.backends_of(BackendKind::Postgres).collect();
    let (status, summary) = tile(state, theme, usize::from(area.width));
    let block = super::pane_block(state, theme, PaneId::Database, status);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // The Redis block: below the PostgreSQL targets, or alone.
    let redis = super::redis::lines(state, theme, usize::from(inner.width), true).map(|(_, l)| l);
    if targets.is_empty() {
        let text = redis.map(|l| super::widgets::fit_lines(l, usize::from(inner.width)));
        frame.render_widget(ratatui::widgets::Paragraph::new(text.unwrap_or(summary)), inner);
        return;
    }
    let redis = redis.unwrap_or_default();
    let mut target_rows = Vec::new();
    for b in &targets {
        let Some(p) = b.postgres() else {
            let s = Status::from(b.freshness(state.shell.now));
            target_rows.push(Row::new(vec![Cell::from(s.span(theme)), Cell::from(b.id.name.clone())]));
            continue;
        };
        let s = pg_status(p, state.shell.now);
        let style = data_style(b, state, theme, theme.style(Role::Text));
        let warn = |w: bool| {
            if w {
                data_style(b, state, theme, theme.style(Role::Warn))
            } else {
                style
            }
        };
        let (backup, backup_bad) = backup_cell(p, state.shell.now);
        target_rows.push(Row::new(vec![
            Cell::from(s.span(theme)),
            Cell::from(Line::from(super::widgets::named(b, theme, style))),
            Cell::from(p.role()).style(style),
            Cell::from(format!("{}/{}", p.connections, p.max_connections)).style(warn(p.connections_high())),
            Cell::from(format!("{}/{}/{}", p.active, p.idle, p.idle_in_transaction)).style(style),
            Cell::from(p.longest_query_secs.map(secs).unwrap_or_else(|| "-".into())).style(warn(p.long_query())),
            Cell::from(p.worst_lag_secs().map(secs).unwrap_or_else(|| "-".into())).style(warn(p.lag_breached)),
            Cell::from(
                p.cache_hit_pct
                    .map(|c| format!("{c:.1}%"))
                    .unwrap_or_else(|| "-".into()),
            )
            .style(warn(p.cache_low())),
            Cell::from(format!("{} +{}", bytes(p.db_size_bytes), bytes(p.db_growth_bytes))).style(style),
            Cell::from(format!("{:.1}%", p.xid_wraparound_pct)).style(warn(p.xid_high())),
            Cell::from(backup).style(warn(backup_bad)),
            Cell::from(format!("{} ms", p.rtt_ms)).style(style),
            Cell::from(short_version(&p.version)).style(style),
            Cell::from(duration_text(p.uptime_secs)).style(style),
        ]));
    }
    let target_header = Row::new([
        "",
        "TARGET",
        "ROLE",
        "CONNS",
        "ACT/IDLE/TX",
        "LONGEST",
        "LAG",
        "CACHE",
        "SIZE",
        "XID",
        "BACKUP",
        "RTT",
        "VERSION",
        "UPTIME",
    ])
    .style(theme.style(Role::Title));
    // Version and uptime are the first to go on a narrow terminal (they
    // are on the tile), then round-trip time.
    let keep = match area.width {
        w if w >= 150 => 14,
        w if w >= 125 => 12,
        _ => 11,
    };
    let name_width = targets
        .iter()
        .map(|b| super::widgets::named_width(b))
        .max()
        .unwrap_or(0)
        .clamp(6, 20) as u16
        + 1;
    let target_widths = [
        Constraint::Length(1),
        Constraint::Length(name_width),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(11),
        Constraint::Length(7),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(11),
        Constraint::Length(5),
        Constraint::Length(20),
        Constraint::Length(6),
        Constraint::Length(8),
        Constraint::Length(7),
    ];
    let target_widths = &target_widths[..keep];
    let mut notes = target_lines(state, theme);
    notes.extend(super::trends::pane_lines(
        state,
        theme,
        PaneId::Database,
        usize::from(inner.width),
    ));
    let table_height = u16::try_from(target_rows.len() + 1).unwrap_or(u16::MAX);
    let notes_height = u16::try_from(notes.len()).unwrap_or(u16::MAX).min(inner.height / 3);
    let redis_height = u16::try_from(redis.len()).unwrap_or(u16::MAX).min(inner.height / 3);
    // A blank line between the targets and the sessions.
    let [top, middle, redis_area, _, bottom] = Layout::vertical([
        Constraint::Length(table_height),
        Constraint::Length(notes_height),
        Constraint::Length(redis_height),
        Constraint::Length(1),
        Constraint::Min(3),
    ])
    .areas(inner);
    frame.render_widget(
        ratatui::widgets::Paragraph::new(super::widgets::fit_lines(redis, usize::from(inner.width))),
        redis_area,
    );
    frame.render_widget(
        Table::new(target_rows, target_widths.to_vec()).header(target_header),
        top,
    );
    frame.render_widget(ratatui::widgets::Paragraph::new(notes), middle);
    backends_table(frame, bottom, state, theme);
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum BackendCol {
    Target,
    Pid,
    User,
    Db,
    Client,
    State,
    For,
    /// The transaction's age: an idle transaction is as old as this, however
    /// recently it ran a statement (FOR).
    Tx,
    Wait,
    BlockedBy,
    Query,
}

impl BackendCol {
    fn title(self) -> &'static str {
        match self {
            BackendCol::Target => "TARGET",
            BackendCol::Pid => "PID",
            BackendCol::User => "USER",
            BackendCol::Db => "DB",
            BackendCol::Client => "CLIENT",
            BackendCol::State => "STATE",
            BackendCol::For => "FOR",
            BackendCol::Tx => "TX AGE",
            BackendCol::Wait => "WAIT",
            BackendCol::BlockedBy => "BLOCKED BY",
            BackendCol::Query => "QUERY",
        }
    }

    fn width(self) -> Constraint {
        match self {
            BackendCol::Target => Constraint::Length(10),
            BackendCol::Pid => Constraint::Length(7),
            BackendCol::User => Constraint::Length(10),
            BackendCol::Db => Constraint::Length(10),
            BackendCol::Client => Constraint::Length(15),
            BackendCol::State => Constraint::Length(13),
            BackendCol::For => Constraint::Length(6),
            BackendCol::Tx => Constraint::Length(6),
            BackendCol::Wait => Constraint::Length(18),
            BackendCol::BlockedBy => Constraint::Length(11),
            BackendCol::Query => Constraint::Fill(1),
        }
    }
}

/// The query keeps at least a third of the width: client and wait event go
/// first on a narrow terminal, the target column only with several targets.
fn backend_columns(width: u16, several_targets: bool) -> Vec<BackendCol> {
    use BackendCol::*;
    let mut cols = Vec::new();
    if several_targets {
        cols.push(Target);
    }
    cols.extend([Pid, User, Db]);
    if width >= 130 {
        cols.push(Client);
    }
    cols.extend([State, For, Tx]);
    if width >= 150 {
        cols.push(Wait);
    }
    cols.extend([BlockedBy, Query]);
    cols
}

fn backends_table(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let sessions = state.db_backends();
    let filter = state.panes.database.filter.describe();
    let area = if filter.is_empty() || area.height < 2 {
        area
    } else {
        let [line, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        // As the Services pane says its filter.
        let text = format!("  [{}] {} shown", filter.join("] ["), sessions.len());
        let text = crate::text::fit(&text, usize::from(line.width));
        frame.render_widget(Line::from(Span::styled(text, theme.style(Role::Info))), line);
        rest
    };
    if sessions.is_empty() {
        let none = match filter.is_empty() {
            true => "no long queries, old idle transactions or blocked sessions",
            false => "no session matches the filter (esc clears it)",
        };
        frame.render_widget(
            ratatui::widgets::Paragraph::new(Line::from(Span::styled(none, theme.style(Role::Muted)))),
            area,
        );
        return;
    }
    let cols = backend_columns(area.width, state.backends_of(BackendKind::Postgres).count() > 1);
    // Only the rows that fit are built: with hundreds of sessions that is
    // most of a frame's cost. The window is the one a table scrolled just
    // enough to show the selection would have.
    let selected = state.panes.database.selected.min(sessions.len().saturating_sub(1));
    let visible = usize::from(area.height.saturating_sub(1)).max(1);
    let offset = selected.saturating_sub(visible - 1);
    let rows: Vec<Row> = sessions
        .iter()
        .skip(offset)
        .take(visible)
        .map(|(b, s)| {
            let p = b.postgres();
            let long = p.is_some_and(|p| s.duration_secs >= p.thresholds.long_query_secs as f64);
            let bad = !s.blocked_by.is_empty() || p.is_some_and(|p| p.blocks.iter().any(|k| k.blocking_pid == s.pid));
            let st = if bad {
                Status::Crit
            } else if long || s.is_idle_in_tx() {
                Status::Warn
            } else {
                Status::Ok
            };
            let style = data_style(b, state, theme, theme.style(st.role()));
            let mark = if state.is_marked(&b.id.name, s.pid) { "*" } else { " " };
            let blocked = s.blocked_by.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(",");
            let mut cells = vec![
                Cell::from(mark).style(theme.style(Role::Title)),
                Cell::from(st.span(theme)),
            ];
            for col in &cols {
                cells.push(match col {
                    BackendCol::Target => {
                        Cell::from(Line::from(super::widgets::named(b, theme, theme.style(Role::Muted))))
                    }
                    BackendCol::Pid => Cell::from(s.pid.to_string()).style(style),
                    BackendCol::User => Cell::from(s.user.clone()).style(style),
                    BackendCol::Db => Cell::from(s.database.clone()).style(style),
                    BackendCol::Client => Cell::from(s.client_addr.clone().unwrap_or_else(|| "local".into()))
                        .style(theme.style(Role::Muted)),
                    BackendCol::State => Cell::from(s.state.replace("idle in transaction", "idle in tx")).style(style),
                    BackendCol::For => Cell::from(secs(s.duration_secs)).style(style),
                    BackendCol::Tx => Cell::from(s.xact_secs.map(secs).unwrap_or_else(|| "-".into())).style(style),
                    BackendCol::Wait => Cell::from(s.wait_event.clone().unwrap_or_default()).style(style),
                    BackendCol::BlockedBy => Cell::from(if blocked.is_empty() {
                        String::new()
                    } else {
                        format!("← {blocked}")
                    })
                    .style(style),
                    BackendCol::Query => Cell::from(query_for_screen(&s.query, &state.setup.redactor)).style(style),
                });
            }
            Row::new(cells)
        })
        .collect();
    let header = Row::new(["", ""].into_iter().chain(cols.iter().map(|c| c.title()))).style(theme.style(Role::Title));
    let widths: Vec<Constraint> = [Constraint::Length(1), Constraint::Length(1)]
        .into_iter()
        .chain(cols.iter().map(|c| c.width()))
        .collect();
    let mut ts = ratatui::widgets::TableState::default().with_selected(Some(selected - offset));
    frame.render_stateful_widget(
        Table::new(rows, widths)
            .header(header)
            .row_highlight_style(theme.style(Role::Selected)),
        area,
        &mut ts,
    );
}
