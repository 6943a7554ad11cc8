//! Checklist pane: runbook directories; guided sessions build on them.

use super::widgets::{not_configured, Status};
use crate::app::State;
use crate::config::theme::{Role, Theme};
use ratatui::text::{Line, Span};

pub fn tile(state: &State, theme: &Theme, _width: usize) -> (Status, Vec<Line<'static>>) {
    if state.setup.runbook_dirs.is_empty() {
        return (
            Status::Unknown,
            not_configured(theme, "[runbooks] dirs", &state.setup.config_hint),
        );
    }
    let mut lines = vec![Line::from(Span::styled(
        "no checklist session in progress",
        theme.style(Role::Text),
    ))];
    lines.extend(
        state
            .setup
            .runbook_dirs
            .iter()
            .map(|d| Line::from(Span::styled(format!(" runbooks: {d}"), theme.style(Role::Muted)))),
    );
    (Status::Unknown, lines)
}
