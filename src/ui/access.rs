//! Access review pane: configured sources; the review queue builds on them.

use super::widgets::{not_configured, Status};
use crate::app::State;
use crate::config::theme::{Role, Theme};
use ratatui::text::{Line, Span};

pub fn tile(state: &State, theme: &Theme, _width: usize) -> (Status, Vec<Line<'static>>) {
    if state.setup.access_sources.is_empty() {
        return (
            Status::Unknown,
            not_configured(theme, "[[access.source]]", &state.setup.config_hint),
        );
    }
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{} source(s) configured; no review campaign open",
            state.setup.access_sources.len()
        ),
        theme.style(Role::Text),
    ))];
    lines.extend(state.setup.access_sources.iter().map(|s| {
        Line::from(Span::styled(
            format!(" {} {s}", theme.symbols.unknown),
            theme.style(Role::Muted),
        ))
    }));
    (Status::Unknown, lines)
}
