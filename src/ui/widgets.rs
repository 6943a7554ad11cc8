//! Small drawing helpers shared by the views.

use crate::app::{BackendStatus, Freshness, State};
use crate::config::theme::{Role, Theme};
use crate::model::env::{Badge, Environment};
pub use crate::text::{age, duration_text, fit, hms, short_bytes};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// A status that can be drawn: symbol + word + style, never colour alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Crit,
    Warn,
    Stale,
    Unknown,
    Ok,
}

impl Status {
    pub fn role(self) -> Role {
        match self {
            Status::Crit => Role::Crit,
            Status::Warn => Role::Warn,
            Status::Stale => Role::Stale,
            Status::Unknown => Role::Muted,
            Status::Ok => Role::Ok,
        }
    }

    pub fn symbol(self, theme: &Theme) -> &str {
        match self {
            Status::Crit => &theme.symbols.crit,
            Status::Warn => &theme.symbols.warn,
            Status::Stale => &theme.symbols.stale,
            Status::Unknown => &theme.symbols.unknown,
            Status::Ok => &theme.symbols.ok,
        }
    }

    pub fn span(self, theme: &Theme) -> Span<'static> {
        Span::styled(self.symbol(theme).to_string(), theme.style(self.role()))
    }
}

impl From<Freshness> for Status {
    fn from(f: Freshness) -> Self {
        match f {
            Freshness::Ok => Status::Ok,
            Freshness::Stale => Status::Stale,
            Freshness::Down => Status::Crit,
            Freshness::Pending => Status::Unknown,
        }
    }
}

/// Lines saying why a backend has no fresh data, or nothing when it is fine.
pub fn backend_problem(b: &BackendStatus, state: &State, theme: &Theme) -> Option<Line<'static>> {
    let fresh = b.freshness(state.shell.now);
    let (status, role, text) = match fresh {
        Freshness::Ok => return None,
        Freshness::Pending => (Status::Unknown, Role::Muted, ": connecting…".to_string()),
        Freshness::Down => {
            let (at, err) = b.last_error.clone().unwrap_or((state.shell.now, String::new()));
            let since = b.last_ok.map(|t| format!(", data from {}", hms(t))).unwrap_or_default();
            (Status::Crit, Role::Crit, format!(" DOWN at {}{since}: {err}", hms(at)))
        }
        Freshness::Stale => (
            Status::Stale,
            Role::Stale,
            format!(": STALE since {}", b.last_ok.map(hms).unwrap_or_default()),
        ),
    };
    let style = theme.style(role);
    let mut spans = vec![status.span(theme), Span::styled(" ", style)];
    spans.extend(named(b, theme, style));
    spans.push(Span::styled(text, style));
    Some(Line::from(spans))
}

/// An environment's badge: its name in its colour, reversed; "RO" when it
/// is read-only for this run.
pub fn env_badge(env: &Environment, theme: &Theme) -> Span<'static> {
    let role = match env.badge {
        Badge::Crit => Role::Crit,
        Badge::Warn => Role::Warn,
        Badge::Info => Role::Info,
        Badge::Muted => Role::Muted,
    };
    let text = match env.read_only {
        true => format!(" {} RO ", env.name),
        false => format!(" {} ", env.name),
    };
    Span::styled(text, theme.style(role).add_modifier(ratatui::style::Modifier::REVERSED))
}

/// A target's name in `style`, then its environment's badge if it has one.
pub fn named(b: &BackendStatus, theme: &Theme, style: Style) -> Vec<Span<'static>> {
    let mut spans = vec![Span::styled(b.id.name.clone(), style)];
    if let Some(env) = &b.env {
        spans.push(Span::styled(" ", style));
        spans.push(env_badge(env, theme));
    }
    spans
}

/// How a target's line starts: " name [badge]: ".
pub fn target_lead(b: &BackendStatus, theme: &Theme, style: Style) -> Vec<Span<'static>> {
    let mut spans = vec![Span::styled(" ", style)];
    spans.extend(named(b, theme, style));
    spans.push(Span::styled(": ", style));
    spans
}

/// The columns `named` takes.
pub fn named_width(b: &BackendStatus) -> usize {
    let badge = b
        .env
        .as_ref()
        .map_or(0, |e| crate::text::width(&e.name) + 3 + if e.read_only { 3 } else { 0 });
    crate::text::width(&b.id.name) + badge
}

/// The style for data shown from a backend: stale data is drawn as stale.
pub fn data_style(b: &BackendStatus, state: &State, theme: &Theme, normal: Style) -> Style {
    match b.freshness(state.shell.now) {
        Freshness::Ok => normal,
        _ => theme.style(Role::Stale),
    }
}

/// " · also here: bob@laptop-2", when other opsdecks have `subject` open.
pub fn also_here(state: &State, theme: &Theme, subject: &str) -> Option<Span<'static>> {
    let here = state.others_on(subject);
    (!here.is_empty()).then(|| Span::styled(format!(" · also here: {}", here.join(", ")), theme.style(Role::Info)))
}

/// What to add to the config, in rows that fit the tile's `width`.
pub fn not_configured(theme: &Theme, what: &str, hint: &str, width: usize) -> Vec<Line<'static>> {
    let muted = theme.style(Role::Muted);
    let mut rows = crate::text::wrap(&format!("not configured: add {what} to your config"), width);
    rows.extend(crate::text::wrap(&format!("see {hint}"), width));
    rows.into_iter().map(|r| Line::from(Span::styled(r, muted))).collect()
}

/// A line cut to `width` display columns, with an ellipsis in the style of
/// the span it cuts: tiles and note rows are written to fit, never wrapped
/// onto a second row (a wrapped row pushes the rest of the tile out of view).
pub fn fit_line(line: Line<'static>, width: usize) -> Line<'static> {
    if line.spans.iter().map(|s| crate::text::width(&s.content)).sum::<usize>() <= width {
        return line;
    }
    let Line {
        style,
        alignment,
        spans,
    } = line;
    let mut out = Vec::with_capacity(spans.len());
    let mut used = 0;
    for span in spans {
        let w = crate::text::width(&span.content);
        if used + w <= width {
            used += w;
            out.push(span);
            continue;
        }
        let room = width - used;
        if room > 0 {
            out.push(Span::styled(fit(&span.content, room), span.style));
        } else if let Some(last) = out.pop() {
            // The spans so far fill the row exactly: the ellipsis goes at
            // the end of the last one, so the cut still shows.
            let w = crate::text::width(&last.content);
            out.push(Span::styled(fit(&format!("{}…", last.content), w), last.style));
        }
        break;
    }
    Line {
        style,
        alignment,
        spans: out,
    }
}

/// Every line of `lines` cut to `width` columns.
pub fn fit_lines(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    lines.into_iter().map(|l| fit_line(l, width)).collect()
}

/// `lead` then `parts` joined by `sep`, in as many rows of `width` columns
/// as they need: rows break only between parts (the next row indented), so
/// a figure is never split from its word the way a wrapped row splits it.
pub fn pack_parts(
    lead: Vec<Span<'static>>,
    parts: Vec<Span<'static>>,
    sep: Span<'static>,
    width: usize,
) -> Vec<Line<'static>> {
    let cols = |spans: &[Span]| spans.iter().map(|s| crate::text::width(&s.content)).sum::<usize>();
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut row = lead;
    let mut fresh = true;
    for part in parts {
        let part_width = crate::text::width(&part.content);
        if fresh {
            row.push(part);
            fresh = false;
        } else if cols(&row) + crate::text::width(&sep.content) + part_width <= width {
            row.push(sep.clone());
            row.push(part);
        } else {
            rows.push(Line::from(std::mem::take(&mut row)));
            row = vec![Span::raw("  "), part];
        }
    }
    rows.push(Line::from(row));
    rows
}

/// The widths a table with `widths` and one column of spacing gives its
/// columns across `table_width`: what a cell's text must be fitted to so a
/// long name ends in "…" instead of being clipped.
pub fn column_widths(widths: &[ratatui::layout::Constraint], table_width: u16) -> Vec<usize> {
    ratatui::layout::Layout::horizontal(widths.to_vec())
        .spacing(1)
        .split(ratatui::layout::Rect::new(0, 0, table_width, 1))
        .iter()
        .map(|r| usize::from(r.width))
        .collect()
}
