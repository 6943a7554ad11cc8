//! Prometheus on the Services pane: per server a line of its targets, rules
//! and head series, the targets that are down and the rules that fail, then
//! each named query with its last hour as a sparkline, its value with its
//! unit and the threshold it crossed. The tile shows a few of each; the
//! zoomed pane shows them all, above the containers.

use super::widgets::{backend_problem, data_style, fit, pack_parts, target_lead, Status};
use crate::app::{BackendStatus, State};
use crate::config::theme::{Role, Theme};
use crate::model::alerts::Severity;
use crate::model::backend::BackendKind;
use crate::model::prometheus::{with_unit, PromSummary, QueryValue};
use ratatui::text::{Line, Span};

/// On the tile: down targets and failing rules listed before "N more".
const TILE_LISTED: usize = 2;
/// Zoomed: at most this many of each.
const ZOOM_LISTED: usize = 10;
const TILE_SPARK: usize = 12;
const ZOOM_SPARK: usize = 30;

/// The lines of every `[[prometheus]]` and the worst status among them
/// (`None` when there is none). Zoomed, a down server's own line is left
/// to the pane's problem notes.
pub fn lines(state: &State, theme: &Theme, width: usize, zoomed: bool) -> (Option<Status>, Vec<Line<'static>>) {
    let mut worst: Option<Status> = None;
    let mut out = Vec::new();
    for b in state.backends_of(BackendKind::Prometheus) {
        let mut status = Status::Ok;
        if let Some(line) = backend_problem(b, state, theme) {
            status = Status::from(b.freshness(state.shell.now));
            if !zoomed {
                out.push(line);
            }
        }
        if let Some(p) = b.prometheus() {
            status = status.min(server(b, p, state, theme, width, zoomed, &mut out));
        }
        worst = Some(worst.map_or(status, |w| w.min(status)));
    }
    (worst, out)
}

/// One server's lines; its worst status.
fn server(
    b: &BackendStatus,
    p: &PromSummary,
    state: &State,
    theme: &Theme,
    width: usize,
    zoomed: bool,
    out: &mut Vec<Line<'static>>,
) -> Status {
    let text = |role: Role| data_style(b, state, theme, theme.style(role));
    let down: Vec<_> = p.targets.iter().filter(|t| !t.up).collect();
    let mut worst = if down.is_empty() && p.failing_rules.is_empty() {
        Status::Ok
    } else {
        Status::Warn
    };
    let style = text(worst.role());
    let mut lead = vec![worst.span(theme)];
    lead.extend(target_lead(b, theme, style));
    let mut parts = vec![format!("{}/{} targets up", p.targets_up(), p.targets.len())];
    match p.failing_rules.len() {
        0 => {}
        1 => parts.push("1 rule failing".into()),
        n => parts.push(format!("{n} rules failing")),
    }
    if let Some(n) = p.head_series {
        parts.push(format!("{n} series"));
    }
    let parts = parts.into_iter().map(|t| Span::styled(t, style)).collect();
    out.extend(pack_parts(lead, parts, Span::styled(", ", style), width));

    let listed = if zoomed { ZOOM_LISTED } else { TILE_LISTED };
    let problem = |text: String| {
        Line::from(vec![
            Span::raw("  "),
            Status::Warn.span(theme),
            Span::styled(fit(&text, width.saturating_sub(4)), style),
        ])
    };
    for t in down.iter().take(listed) {
        let took = if zoomed {
            format!(" ({:.0} ms)", t.scrape_secs * 1000.0)
        } else {
            String::new()
        };
        out.push(problem(format!(
            " {} {} down: {}{took}",
            t.job, t.instance, t.last_error
        )));
    }
    if down.len() > listed {
        out.push(problem(format!(" {} more targets down", down.len() - listed)));
    }
    for r in p.failing_rules.iter().take(listed) {
        out.push(problem(format!(" rule {} ({}) fails: {}", r.name, r.group, r.error)));
    }
    if p.failing_rules.len() > listed {
        out.push(problem(format!(
            " {} more rules failing",
            p.failing_rules.len() - listed
        )));
    }

    let label_width = p
        .queries
        .iter()
        .map(|q| crate::text::width(&q.name))
        .max()
        .unwrap_or(0)
        .min(20);
    for q in &p.queries {
        let (s, line) = query_line(q, theme, label_width, width, zoomed, text(Role::Text));
        worst = worst.min(s);
        out.push(line);
    }
    worst
}

/// "  ● errors   ▁▂▅█ 7.2 % (crit at 5 %)".
fn query_line(
    q: &QueryValue,
    theme: &Theme,
    label_width: usize,
    width: usize,
    zoomed: bool,
    normal: ratatui::style::Style,
) -> (Status, Line<'static>) {
    let (status, value) = match (&q.result, q.breach()) {
        (Err(e), _) => (Status::Unknown, format!("query failed: {e}")),
        (Ok(series), _) if series.is_empty() => (Status::Unknown, "no data".to_string()),
        (Ok(_), Some(b)) => {
            let s = if b.severity == Severity::Critical {
                Status::Crit
            } else {
                Status::Warn
            };
            (s, q.breach_text(b))
        }
        (Ok(_), None) => (Status::Ok, with_unit(q.value().unwrap_or_default(), &q.unit)),
    };
    let many = match (q.series(), &q.result) {
        (n, Ok(series)) if n > 1 && zoomed => format!(" (first of {n} series: {})", series[0].labels),
        (n, _) if n > 1 => format!(" (1 of {n} series)"),
        _ => String::new(),
    };
    let style = if status == Status::Ok {
        normal
    } else {
        theme.style(status.role())
    };
    let name = fit(&q.name, label_width);
    let pad = label_width.saturating_sub(crate::text::width(&name));
    let mut spans = vec![
        Span::raw("  "),
        status.span(theme),
        Span::styled(format!(" {name}{} ", " ".repeat(pad)), theme.style(Role::Muted)),
    ];
    let spark_width = if zoomed { ZOOM_SPARK } else { TILE_SPARK };
    let room = width.saturating_sub(5 + label_width + crate::text::width(&value));
    if q.spark.iter().any(Option::is_some) && room > spark_width {
        let cols = columns(&q.spark, spark_width);
        spans.push(Span::styled(
            format!("{} ", super::trends::spark(&cols)),
            theme.style(Role::Info),
        ));
    }
    spans.push(Span::styled(format!("{value}{many}"), style));
    (status, super::widgets::fit_line(Line::from(spans), width))
}

/// `points` squeezed into `width` columns, each the last point of its share.
fn columns(points: &[Option<f64>], width: usize) -> Vec<Option<f64>> {
    let n = points.len();
    if n <= width {
        return points.to_vec();
    }
    (0..width)
        .map(|i| {
            let (from, to) = (i * n / width, (i + 1) * n / width);
            points[from..to].iter().rev().find_map(|p| *p)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_squeezes_into_a_few_columns() {
        let points: Vec<Option<f64>> = (0..60).map(|i| (i % 7 != 0).then_some(i as f64)).collect();
        let cols = columns(&points, 12);
        assert_eq!(cols.len(), 12);
        assert_eq!(cols[0], Some(4.0));
        assert_eq!(cols[11], Some(59.0));
        assert_eq!(columns(&[Some(1.0)], 12), vec![Some(1.0)]);
    }
}
