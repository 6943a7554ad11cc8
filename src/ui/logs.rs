//! An open container log: stderr marked, matches highlighted, follow/pause shown.

use crate::app::{LogView, State};
use crate::config::theme::{Role, Theme};
use crate::model::docker::LogLine;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, view: &LogView, _state: &State, theme: &Theme) {
    let mode = match (&view.ended, view.follow) {
        (Some(why), _) => format!("ENDED: {why}"),
        (None, true) => "following".into(),
        (None, false) => "PAUSED".into(),
    };
    let mut title = vec![
        Span::styled(
            format!(" Logs {}/{} ", view.host, view.container),
            theme.style(Role::Title),
        ),
        Span::styled(
            format!("[{mode}] "),
            theme.style(if view.follow && view.ended.is_none() {
                Role::Ok
            } else {
                Role::Warn
            }),
        ),
    ];
    if let Some(q) = &view.search {
        let what = if view.filter { "filter" } else { "search" };
        title.push(Span::styled(format!("[{what}: {q}] "), theme.style(Role::Info)));
    }
    if view.dropped > 0 {
        title.push(Span::styled(
            format!("[{} older lines dropped] ", view.dropped),
            theme.style(Role::Muted),
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Role::Focus))
        .title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let height = usize::from(inner.height);
    let visible = view.visible();
    let top = view.window_top(height);
    let lines: Vec<Line> = visible
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, l)| log_line(l, view, theme, view.current == Some(i)))
        .collect();
    if lines.is_empty() {
        let text = if view.ended.is_some() {
            "no output"
        } else {
            "waiting for output…"
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.style(Role::Muted))), inner);
    } else {
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

fn log_line(l: &LogLine, view: &LogView, theme: &Theme, current: bool) -> Line<'static> {
    let mut spans = Vec::new();
    // stderr is marked in text too, so it reads without colour.
    spans.push(if l.stderr {
        Span::styled("E ", theme.style(Role::Warn))
    } else {
        Span::styled("  ", theme.style(Role::Muted))
    });
    if view.timestamps && !l.ts.is_empty() {
        let short = l.ts.get(11..23).unwrap_or(&l.ts);
        spans.push(Span::styled(format!("{short} "), theme.style(Role::Muted)));
    }
    let base = if l.stderr {
        theme.style(Role::Warn)
    } else {
        theme.style(Role::Text)
    };
    let hit = if current {
        theme.style(Role::Selected)
    } else {
        theme.style(Role::Info).add_modifier(ratatui::style::Modifier::REVERSED)
    };
    match view.search.as_deref().filter(|q| !q.is_empty()) {
        Some(q) => spans.extend(highlight(&l.text, q, base, hit)),
        None => spans.push(Span::styled(l.text.clone(), base)),
    }
    Line::from(spans)
}

/// Split `text` into spans with every case-insensitive match of `q` styled `hit`.
fn highlight(text: &str, q: &str, base: Style, hit: Style) -> Vec<Span<'static>> {
    let lower = text.to_lowercase();
    let needle = q.to_lowercase();
    // Lowercasing can change byte lengths outside ASCII: then show it plain.
    if lower.len() != text.len() || needle.is_empty() {
        return vec![Span::styled(text.to_string(), base)];
    }
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(pos) = lower[at..].find(&needle) {
        let start = at + pos;
        let end = start + needle.len();
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            break;
        }
        out.push(Span::styled(text[at..start].to_string(), base));
        out.push(Span::styled(text[start..end].to_string(), hit));
        at = end;
    }
    out.push(Span::styled(text[at..].to_string(), base));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlight_marks_every_match() {
        let spans = highlight(
            "Error: error!",
            "error",
            Style::default(),
            Style::default().bg(ratatui::style::Color::Red),
        );
        let hits: Vec<&str> = spans
            .iter()
            .filter(|s| s.style.bg.is_some())
            .map(|s| s.content.as_ref())
            .collect();
        assert_eq!(hits, vec!["Error", "error"]);
        // Non-ASCII text whose lowercase has another length is shown plain, not cut.
        assert_eq!(highlight("İx", "x", Style::default(), Style::default()).len(), 1);
    }
}
