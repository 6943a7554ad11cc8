//! Database pane: PostgreSQL targets.

use super::widgets::{backend_problem, data_style, duration_text, not_configured, Status};
use crate::app::{PaneId, State};
use crate::backends::postgres::PgSummary;
use crate::backends::BackendKind;
use crate::config::theme::{Role, Theme};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

fn pg_status(p: &PgSummary) -> Status {
    if p.long_query() || p.connections_high() || p.connections * 10 >= p.max_connections * 9 {
        Status::Warn
    } else {
        Status::Ok
    }
}

pub fn tile(state: &State, theme: &Theme, _width: usize) -> (Status, Vec<Line<'static>>) {
    let targets: Vec<_> = state.backends_of(BackendKind::Postgres).collect();
    if targets.is_empty() {
        return (
            Status::Unknown,
            not_configured(theme, "[[postgres]]", &state.setup.config_hint),
        );
    }
    let mut worst = Status::Ok;
    let mut lines = Vec::new();
    for b in targets {
        if let Some(line) = backend_problem(b, state, theme) {
            worst = worst.min(Status::from(b.freshness(state.now)));
            lines.push(line);
        }
        let Some(p) = b.postgres() else { continue };
        let s = pg_status(p);
        worst = worst.min(s);
        let style = data_style(b, state, theme, theme.style(Role::Text));
        lines.push(Line::from(vec![
            s.span(theme),
            Span::styled(
                format!(
                    " {}: {} {} {}ms",
                    b.id.name,
                    p.role(),
                    short_version(&p.version),
                    p.rtt_ms
                ),
                style,
            ),
        ]));
        lines.push(Line::from(Span::styled(
            format!(
                "  {}/{} conns, {} idle in tx",
                p.connections, p.max_connections, p.idle_in_transaction
            ),
            data_style(
                b,
                state,
                theme,
                theme.style(if p.connections_high() { Role::Warn } else { Role::Text }),
            ),
        )));
        if let Some(secs) = p.longest_query_secs {
            let role = if p.long_query() { Role::Warn } else { Role::Muted };
            lines.push(Line::from(Span::styled(
                format!("  longest query {}", duration_text(secs as i64)),
                data_style(b, state, theme, theme.style(role)),
            )));
        }
    }
    (worst, lines)
}

fn short_version(v: &str) -> String {
    format!("PG {}", v.split_whitespace().next().unwrap_or(v))
}

pub fn full(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut rows = Vec::new();
    for b in state.backends_of(BackendKind::Postgres) {
        let Some(p) = b.postgres() else { continue };
        let s = pg_status(p);
        let style = data_style(b, state, theme, theme.style(Role::Text));
        rows.push(Row::new(vec![
            Cell::from(s.span(theme)),
            Cell::from(b.id.name.clone()).style(style),
            Cell::from(p.role()).style(style),
            Cell::from(short_version(&p.version)).style(style),
            Cell::from(format!("{}/{}", p.connections, p.max_connections)).style(style),
            Cell::from(p.active.to_string()).style(style),
            Cell::from(p.idle_in_transaction.to_string()).style(style),
            Cell::from(
                p.longest_query_secs
                    .map(|s| duration_text(s as i64))
                    .unwrap_or_else(|| "-".into()),
            )
            .style(style),
            Cell::from(format!("{} ms", p.rtt_ms)).style(style),
            Cell::from(duration_text(p.uptime_secs)).style(style),
        ]));
    }
    let header = Row::new([
        "", "TARGET", "ROLE", "VERSION", "CONNS", "ACTIVE", "IDLE TX", "LONGEST", "RTT", "UPTIME",
    ])
    .style(theme.style(Role::Title));
    let widths = [
        Constraint::Length(1),
        Constraint::Percentage(18),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Length(7),
    ];
    let has_rows = !rows.is_empty();
    super::table_with_notes(
        frame,
        area,
        state,
        theme,
        PaneId::Database,
        Table::new(rows, widths).header(header),
        has_rows,
    );
}
