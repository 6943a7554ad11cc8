//! The Redis block of the Database pane: each `[[redis]]` target beside the
//! PostgreSQL ones, on the dashboard's tile and in the zoomed pane.

use super::widgets::{backend_problem, data_style, duration_text, pack_parts, short_bytes, Status};
use crate::app::{BackendStatus, State};
use crate::config::theme::{Role, Theme};
use crate::model::backend::BackendKind;
use crate::model::redis::RedisSummary;
use ratatui::text::{Line, Span};

/// Critical when a replica lost its master or saving fails, a warning for
/// any other threshold crossed.
fn status(r: &RedisSummary, now: i64) -> Status {
    if r.link_down() || r.save_failing() || !r.aof_last_write_ok {
        Status::Crit
    } else if r.any_problem(now) {
        Status::Warn
    } else {
        Status::Ok
    }
}

/// "1.2M/4.0M (30%)", or "1.2M (no maxmemory)".
fn memory(r: &RedisSummary) -> String {
    match r.memory_pct() {
        Some(pct) => format!(
            "mem {}/{} ({pct:.0}%)",
            short_bytes(r.used_memory),
            short_bytes(r.maxmemory)
        ),
        None => format!("mem {} (no maxmemory)", short_bytes(r.used_memory)),
    }
}

/// "save 3m ago", "save FAILED", or nothing on a server that does not save.
fn save(r: &RedisSummary, now: i64) -> Option<(String, bool)> {
    if r.save_failing() {
        return Some(("last save FAILED".into(), true));
    }
    r.rdb_saving.then(|| {
        (
            format!("saved {} ago", duration_text(r.save_age_secs(now))),
            r.save_stale(now),
        )
    })
}

/// The parts after a target's first line, each with whether it is a warning.
fn parts(r: &RedisSummary, zoomed: bool, now: i64) -> Vec<(String, bool)> {
    let mut out = vec![
        (
            format!("{} clients, {} blocked", r.connected_clients, r.blocked_clients),
            r.blocked_high(),
        ),
        (memory(r), r.memory_high()),
        (format!("{} keys", r.keys), false),
    ];
    if let Some(n) = r.evicted_delta.filter(|n| *n > 0) {
        out.push((format!("{n} evicted"), true));
    }
    out.extend(save(r, now));
    if r.aof_enabled || !r.aof_last_write_ok {
        let ok = if r.aof_last_write_ok { "ok" } else { "WRITE FAILED" };
        out.push((format!("aof {ok}"), !r.aof_last_write_ok));
    }
    if let Some(l) = &r.master_link {
        out.push((format!("link {}", l.status), !l.is_up()));
    }
    if let Some(lag) = r.worst_lag_bytes() {
        out.push((format!("lag {}", short_bytes(u64::try_from(lag).unwrap_or(0))), false));
    }
    if zoomed {
        if let Some(f) = r.fragmentation_ratio {
            out.push((format!("frag {f:.2}"), false));
        }
        // Uptime is kept in whole minutes: "up 0s" would read as a restart.
        let up = if r.uptime_secs < 60 {
            "<1m".to_string()
        } else {
            duration_text(r.uptime_secs)
        };
        out.push((format!("up {up}"), false));
    }
    out
}

/// One target's lines: its problem (down, stale) if any, then its data.
fn target(b: &BackendStatus, state: &State, theme: &Theme, width: usize, zoomed: bool) -> (Status, Vec<Line<'static>>) {
    let mut lines = Vec::new();
    let mut worst = Status::Ok;
    if let Some(line) = backend_problem(b, state, theme) {
        worst = Status::from(b.freshness(state.shell.now));
        lines.push(line);
    }
    let Some(r) = b.redis() else { return (worst, lines) };
    let now = state.shell.now.timestamp();
    let s = status(r, now);
    worst = worst.min(s);
    let style = data_style(b, state, theme, theme.style(Role::Text));
    let lead: Vec<Span<'static>> = std::iter::once(s.span(theme))
        .chain(super::widgets::target_lead(b, theme, style))
        .collect();
    let head = [
        format!("redis {}", r.version),
        r.role_word().to_string(),
        if r.ping_ms <= 1.0 {
            "≤1ms".to_string()
        } else {
            format!("{:.0}ms", r.ping_ms)
        },
    ];
    lines.extend(pack_parts(
        lead,
        head.into_iter().map(|t| Span::styled(t, style)).collect(),
        Span::styled(" ", style),
        width,
    ));
    let spans = parts(r, zoomed, now)
        .into_iter()
        .map(|(text, warn)| {
            let role = if warn { Role::Warn } else { Role::Muted };
            Span::styled(text, data_style(b, state, theme, theme.style(role)))
        })
        .collect();
    lines.extend(pack_parts(
        vec![Span::raw("  ")],
        spans,
        Span::styled(" · ", theme.style(Role::Muted)),
        width,
    ));
    if zoomed {
        for rep in &r.replicas {
            lines.push(Line::from(Span::styled(
                format!(
                    "  {} → replica {} {}, offset {}, lag {}",
                    b.id.name,
                    rep.addr,
                    rep.state,
                    rep.offset,
                    short_bytes(u64::try_from(rep.lag_bytes).unwrap_or(0))
                ),
                style,
            )));
        }
        if let Some(l) = &r.master_link {
            let down = l
                .down_secs
                .map(|s| format!(" for {}", duration_text(s)))
                .unwrap_or_default();
            let sync = if l.sync_in_progress { ", syncing" } else { "" };
            let warn = data_style(
                b,
                state,
                theme,
                theme.style(if l.is_up() { Role::Text } else { Role::Warn }),
            );
            lines.push(Line::from(Span::styled(
                format!("  {} ← master {}: link {}{down}{sync}", b.id.name, l.master, l.status),
                warn,
            )));
        }
    }
    (worst, lines)
}

/// The Redis targets' status and lines, or `None` when none is configured.
pub fn lines(state: &State, theme: &Theme, width: usize, zoomed: bool) -> Option<(Status, Vec<Line<'static>>)> {
    let targets: Vec<&BackendStatus> = state.backends_of(BackendKind::Redis).collect();
    if targets.is_empty() {
        return None;
    }
    let mut worst = Status::Ok;
    let mut out = Vec::new();
    if zoomed {
        out.push(Line::from(Span::styled("REDIS", theme.style(Role::Title))));
    }
    for b in targets {
        let (s, lines) = target(b, state, theme, width, zoomed);
        worst = worst.min(s);
        out.extend(lines);
    }
    Some((worst, out))
}
