//! Trends as text: per metric a label, a sparkline of block characters
//! measured in columns, the value at the moment shown and, for a disk or a
//! database, where it is heading. Drawn from the points up to `shell.now`
//! (in history mode, the moment shown), never from fewer than two. On a
//! narrow line the sparkline gives way first.

use crate::app::{BackendStatus, State};
use crate::config::theme::{Role, Theme};
use crate::model::backend::BackendKind;
use crate::model::trend::{self, key, Series, Window};
use ratatui::text::{Line, Span};
use std::borrow::Cow;
use std::time::Duration;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// A sparkline narrower than this says nothing: it is left out.
const MIN_SPARK: usize = 6;
/// Wider than this, a sparkline only spreads the same points.
const MAX_SPARK: usize = 60;
/// What a rate is taken over, for projections and growth.
const RATE_WINDOW: Duration = Duration::from_secs(86_400);
/// A disk full sooner than this is worth a warning.
const SOON: Duration = Duration::from_secs(7 * 86_400);

/// One metric to draw.
struct Item<'a> {
    label: String,
    series: Cow<'a, Series>,
    value: String,
    /// What it says besides its value, long then short wording.
    note: Option<(String, String, Role)>,
}

/// A sparkline of `cols` scaled from their lowest to their highest value;
/// blank where nothing was recorded.
pub fn spark(cols: &[Option<f64>]) -> String {
    let known = cols.iter().flatten();
    let lo = known.clone().copied().fold(f64::INFINITY, f64::min);
    let hi = known.copied().fold(f64::NEG_INFINITY, f64::max);
    cols.iter()
        .map(|c| match c {
            None => ' ',
            Some(_) if hi - lo <= f64::EPSILON * hi.abs().max(1.0) => BARS[0],
            Some(v) => {
                let i = ((v - lo) / (hi - lo) * (BARS.len() - 1) as f64).round() as usize;
                BARS[i.min(BARS.len() - 1)]
            }
        })
        .collect()
}

/// "~40 min", "~5 h", "~3 d".
pub fn approx(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        s if s < 3600 => format!("~{} min", (s / 60).max(1)),
        s if s < 48 * 3600 => format!("~{} h", (s + 1800) / 3600),
        s => format!("~{} d", (s + 43_200) / 86_400),
    }
}

/// "24 h", "5 h": the stretch a rate was taken over, in whole hours.
fn span_text(d: Duration) -> String {
    format!("{} h", ((d.as_secs() + 1800) / 3600).clamp(1, 24))
}

/// "full in ~3 d at the last 24 h's rate", or nothing when not growing.
fn full_note(series: &Series, now: chrono::DateTime<chrono::Utc>, capacity: f64) -> Option<(String, String, Role)> {
    let (left, fit) = trend::projection(series, now, RATE_WINDOW, capacity)?;
    let role = if left < SOON { Role::Warn } else { Role::Muted };
    Some((
        format!("full in {} at the last {}'s rate", approx(left), span_text(fit.span)),
        format!("full in {}", approx(left)),
        role,
    ))
}

/// "+1.2G/day", when growing.
fn growth_note(series: &Series, now: chrono::DateTime<chrono::Utc>) -> Option<(String, String, Role)> {
    let fit = trend::growth(series, now, RATE_WINDOW)?;
    let rate = format!("+{}/day", crate::text::short_bytes(fit.per_day() as u64));
    Some((format!("{rate} (last {})", span_text(fit.span)), rate, Role::Muted))
}

fn count(v: f64) -> String {
    format!("{v:.0}")
}

fn pct(v: f64) -> String {
    format!("{v:.0}%")
}

/// The host's memory and disks (`all_disks`: every mount, else the fullest).
fn host_items<'a>(state: &'a State, all_disks: bool) -> Vec<Item<'a>> {
    let mut items = Vec::new();
    let Some(b) = state.backends_of(BackendKind::Host).next() else {
        return items;
    };
    let Some(h) = b.host() else { return items };
    let name = &b.id.name;
    if let Some(s) = state.trends.get(&key::host_memory(name)) {
        items.push(Item {
            label: "mem".into(),
            series: Cow::Borrowed(s),
            value: pct(h.memory_pct),
            note: None,
        });
    }
    let disks = if all_disks {
        &h.disks[..]
    } else {
        &h.disks[..h.disks.len().min(1)]
    };
    for d in disks {
        if let Some(s) = state.trends.get(&key::host_disk(name, &d.mount)) {
            items.push(Item {
                label: crate::text::clean::line_of(&d.mount),
                series: Cow::Borrowed(s),
                value: pct(d.used_pct),
                note: full_note(s, state.shell.now, 100.0),
            });
        }
    }
    items
}

/// Each Docker host's restarts (the sum of its containers' counts).
fn docker_items<'a>(state: &'a State) -> Vec<Item<'a>> {
    let several = state.backends_of(BackendKind::Docker).nth(1).is_some();
    state
        .backends_of(BackendKind::Docker)
        .filter_map(|b| {
            let s = state.trends.get(&key::docker_restarts(&b.id.name))?;
            Some(Item {
                label: labelled(several, b, "restarts"),
                series: Cow::Borrowed(s),
                value: count(s.last_at(state.shell.now)?),
                note: None,
            })
        })
        .collect()
}

fn labelled(several: bool, b: &BackendStatus, what: &str) -> String {
    if several {
        format!("{} {what}", crate::text::clean::line_of(&b.id.name))
    } else {
        what.to_string()
    }
}

/// Each PostgreSQL target's size (with its growth) and connections.
fn pg_items<'a>(state: &'a State) -> Vec<Item<'a>> {
    let several = state.backends_of(BackendKind::Postgres).nth(1).is_some();
    let mut items = Vec::new();
    for b in state.backends_of(BackendKind::Postgres) {
        let Some(p) = b.postgres() else { continue };
        if let Some(s) = state.trends.get(&key::pg_size(&b.id.name)) {
            items.push(Item {
                label: labelled(several, b, "size"),
                series: Cow::Borrowed(s),
                value: crate::text::short_bytes(u64::try_from(p.db_size_bytes).unwrap_or(0)),
                note: growth_note(s, state.shell.now),
            });
        }
        if let Some(s) = state.trends.get(&key::pg_connections(&b.id.name)) {
            items.push(Item {
                label: labelled(several, b, "conns"),
                series: Cow::Borrowed(s),
                value: p.connections.to_string(),
                note: None,
            });
        }
    }
    items
}

/// The alerts firing at every source, summed.
fn alert_items(state: &State) -> Vec<Item<'static>> {
    let total = Series::sum(state.trends.starting_with(key::ALERTS));
    let Some(now) = total.last_at(state.shell.now) else {
        return Vec::new();
    };
    vec![Item {
        label: "firing".into(),
        value: count(now),
        series: Cow::Owned(total),
        note: None,
    }]
}

/// The trends of a pane's tile: the last 24 hours.
pub fn tile_lines(state: &State, theme: &Theme, pane: crate::app::PaneId, width: usize) -> Vec<Line<'static>> {
    let items = items(state, pane, false);
    lines(state, theme, items, Window::Day.duration(), width, 8)
}

/// The trends of a zoomed pane, over its window (1 h or 24 h), under a
/// line that says which and the key that changes it.
pub fn pane_lines(state: &State, theme: &Theme, pane: crate::app::PaneId, width: usize) -> Vec<Line<'static>> {
    let items = items(state, pane, true);
    let window = state.trends.window;
    let body = lines(state, theme, items, window.duration(), width, 14);
    if body.is_empty() {
        return body;
    }
    let action = crate::model::action::Action::Global(crate::model::action::GlobalAction::TrendWindow);
    let key = state
        .shell
        .keymap
        .first_key(&crate::app::active_scopes(state), action)
        .map(|k| format!(" ({k}: {})", window.toggled().label()))
        .unwrap_or_default();
    let head = Line::from(Span::styled(
        format!("  trends, the last {}{key}", window.label()),
        theme.style(Role::Muted),
    ));
    std::iter::once(head).chain(body).collect()
}

fn items(state: &State, pane: crate::app::PaneId, zoomed: bool) -> Vec<Item<'_>> {
    use crate::app::PaneId;
    match pane {
        PaneId::Services => {
            let mut items = host_items(state, zoomed);
            items.extend(docker_items(state));
            items
        }
        PaneId::Database => pg_items(state),
        PaneId::Alerts => alert_items(state),
        PaneId::Access | PaneId::Checklist => Vec::new(),
    }
}

/// The items with at least two points in the window, one line each:
/// labels padded alike (at most `label_max` columns), sparklines of one
/// width; a line without room for one goes without.
fn lines(
    state: &State,
    theme: &Theme,
    items: Vec<Item>,
    window: Duration,
    width: usize,
    label_max: usize,
) -> Vec<Line<'static>> {
    let now = crate::model::trend::last_whole_minute(state.shell.now);
    let items: Vec<Item> = items
        .into_iter()
        .filter(|i| i.series.columns(now, window, 2).is_some())
        .collect();
    let label_width = items
        .iter()
        .map(|i| crate::text::width(&i.label))
        .max()
        .unwrap_or(0)
        .min(label_max);
    // What is around the sparkline: indent, label, spaces, value, note.
    let around = |i: &Item, long: bool| {
        let note = i
            .note
            .as_ref()
            .map_or(0, |(l, s, _)| 1 + crate::text::width(if long { l } else { s }));
        2 + label_width + 1 + 1 + crate::text::width(&i.value) + note
    };
    // The long wording where every line has room for it and a sparkline.
    let room = |i: &Item, long: bool| width.saturating_sub(around(i, long));
    let long = items.iter().all(|i| room(i, true) >= MIN_SPARK);
    let spark_width = items
        .iter()
        .map(|i| room(i, long))
        .filter(|w| *w >= MIN_SPARK)
        .min()
        .unwrap_or(0)
        .min(MAX_SPARK);
    items
        .into_iter()
        .map(|i| {
            let spark_width = if room(&i, long) >= MIN_SPARK { spark_width } else { 0 };
            let mut spans = vec![Span::styled(
                format!("  {} ", crate::text::fit(&i.label, label_width)),
                theme.style(Role::Muted),
            )];
            let pad = label_width.saturating_sub(crate::text::width(&crate::text::fit(&i.label, label_width)));
            spans.push(Span::raw(" ".repeat(pad)));
            if spark_width > 0 {
                let cols = i.series.columns(now, window, spark_width).unwrap_or_default();
                spans.push(Span::styled(format!("{} ", spark(&cols)), theme.style(Role::Info)));
            }
            spans.push(Span::styled(i.value, theme.style(Role::Text)));
            if let Some((l, s, role)) = i.note {
                spans.push(Span::styled(
                    format!(" {}", if long { l } else { s }),
                    theme.style(role),
                ));
            }
            super::widgets::fit_line(Line::from(spans), width)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_from_low_to_high_and_leave_gaps() {
        assert_eq!(spark(&[Some(0.0), Some(7.0), None, Some(3.5)]), "▁█ ▅");
        assert_eq!(spark(&[Some(5.0), Some(5.0)]), "▁▁");
        assert_eq!(spark(&[None, None]), "  ");
    }

    #[test]
    fn durations_read_roughly() {
        assert_eq!(approx(Duration::from_secs(30)), "~1 min");
        assert_eq!(approx(Duration::from_secs(40 * 60)), "~40 min");
        assert_eq!(approx(Duration::from_secs(5 * 3600 + 100)), "~5 h");
        assert_eq!(approx(Duration::from_secs(3 * 86_400 + 3600)), "~3 d");
        assert_eq!(span_text(Duration::from_secs(86_340)), "24 h");
        assert_eq!(span_text(Duration::from_secs(3600)), "1 h");
    }
}
