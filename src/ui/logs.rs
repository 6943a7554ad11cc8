//! An open container log: stderr marked, matches highlighted, follow/pause shown.

use crate::app::{LogView, State};
use crate::config::theme::{Role, Theme};
use crate::model::docker::LogLine;
use crate::model::pattern::Pattern;
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
    if view.plain {
        title.push(Span::styled("[plain] ", theme.style(Role::Muted)));
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
    if l.marker {
        return Line::from(Span::styled(format!("  {}", l.text), theme.style(Role::Info)));
    }
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
    let text = match view.plain {
        true => vec![Span::styled(l.text.clone(), base)],
        false => styled_text(l, base),
    };
    match view.pattern.as_ref().filter(|_| view.search.is_some()) {
        Some(p) => spans.extend(highlight(text, p, hit)),
        None => spans.extend(text),
    }
    Line::from(spans)
}

/// The line's text in the container's colours over `base`, or plain in
/// `base`. Its "default colour" is the pane's, not the terminal's.
fn styled_text(l: &LogLine, base: Style) -> Vec<Span<'static>> {
    use ansi_to_tui::IntoText;
    use ratatui::style::Color;
    let parsed = l
        .styled
        .as_ref()
        .and_then(|s| s.as_bytes().into_text().ok())
        .and_then(|t| t.lines.into_iter().next())
        .map(|line| line.spans)
        // The backend kept nothing but SGR: the spans say the plain text.
        .filter(|spans| spans.iter().map(|s| s.content.as_ref()).collect::<String>() == l.text);
    match parsed {
        Some(spans) => spans
            .into_iter()
            .map(|mut span| {
                let mut own = span.style;
                own.fg = own.fg.filter(|c| *c != Color::Reset);
                own.bg = own.bg.filter(|c| *c != Color::Reset);
                span.style = base.patch(own);
                span
            })
            .collect(),
        None => vec![Span::styled(l.text.clone(), base)],
    }
}

/// Every case-insensitive match of `q` in the spans' text styled over with `hit`.
fn highlight(spans: Vec<Span<'static>>, pattern: &Pattern, hit: Style) -> Vec<Span<'static>> {
    let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
    let hits = pattern.ranges(&text);
    if hits.is_empty() {
        return spans;
    }
    let mut out = Vec::new();
    let mut offset = 0;
    for span in spans {
        let len = span.content.len();
        // Cut the span where a match starts or ends inside it.
        let mut cuts = vec![0, len];
        for (a, b) in &hits {
            cuts.extend(
                [*a, *b]
                    .iter()
                    .filter(|p| **p > offset && **p < offset + len)
                    .map(|p| p - offset),
            );
        }
        cuts.sort_unstable();
        cuts.dedup();
        for w in cuts.windows(2) {
            let at = offset + w[0];
            let inside = hits.iter().any(|(a, b)| at >= *a && at < *b);
            let style = if inside { span.style.patch(hit) } else { span.style };
            out.push(Span::styled(span.content[w[0]..w[1]].to_string(), style));
        }
        offset += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(p: &str) -> Pattern {
        Pattern::parse(p).expect("valid regex")
    }

    #[test]
    fn highlight_marks_every_match() {
        let spans = highlight(
            vec![Span::raw("Error: error!")],
            &pat("error"),
            Style::default().bg(ratatui::style::Color::Red),
        );
        let hits: Vec<&str> = spans
            .iter()
            .filter(|s| s.style.bg.is_some())
            .map(|s| s.content.as_ref())
            .collect();
        assert_eq!(hits, vec!["Error", "error"]);
        // A wide character is marked whole.
        let lit = highlight(
            vec![Span::raw("İx 磁盘")],
            &pat("磁."),
            Style::default().bg(ratatui::style::Color::Red),
        );
        assert_eq!(lit.last().map(|s| s.content.as_ref()), Some("磁盘"));
    }

    #[test]
    fn container_colours_are_styles_and_a_match_keeps_them() {
        use ratatui::style::{Color, Modifier};
        let l = LogLine {
            text: "INFO ready now".into(),
            styled: Some("\x1b[1;32mINFO\x1b[0m ready \x1b[31mnow".into()),
            ..Default::default()
        };
        let base = Style::default().fg(Color::White);
        let spans = styled_text(&l, base);
        let parts: Vec<(&str, Style)> = spans.iter().map(|s| (s.content.as_ref(), s.style)).collect();
        assert_eq!(parts[0], ("INFO", base.fg(Color::Green).add_modifier(Modifier::BOLD)));
        assert_eq!(parts[1].0, " ready ");
        assert_eq!(
            parts[1].1.fg,
            Some(Color::White),
            "a reset goes back to the pane's colour"
        );
        assert_eq!((parts[2].0, parts[2].1.fg), ("now", Some(Color::Red)));
        let hit = Style::default().bg(Color::Yellow);
        let lit = highlight(spans, &pat("fo re"), hit);
        let found: Vec<(&str, Option<Color>, Option<Color>)> = lit
            .iter()
            .map(|s| (s.content.as_ref(), s.style.fg, s.style.bg))
            .collect();
        assert_eq!(
            found,
            vec![
                ("IN", Some(Color::Green), None),
                ("FO", Some(Color::Green), Some(Color::Yellow)),
                (" re", Some(Color::White), Some(Color::Yellow)),
                ("ady ", Some(Color::White), None),
                ("now", Some(Color::Red), None),
            ]
        );
    }
}
