//! Text fields as every dialog draws them: a line with its cursor, and the
//! fields of a form, the focused one marked.

use crate::app::dialogs::form::Form;
use crate::app::dialogs::input::Input;
use crate::config::theme::{Role, Theme};
use ratatui::text::{Line, Span};

/// A line being typed, the cursor a block where it stands.
pub fn with_cursor(input: &Input) -> String {
    let (before, after) = input.split_at_cursor();
    format!("{before}█{after}")
}

/// One line per field: its label (bright when it has the keys) and its
/// text, the focused one with its cursor.
pub fn fields(form: &Form, theme: &Theme) -> Vec<Line<'static>> {
    let width = form
        .fields
        .iter()
        .map(|(label, _)| label.chars().count())
        .max()
        .unwrap_or(0)
        + 1;
    form.fields
        .iter()
        .enumerate()
        .map(|(i, (label, input))| {
            let focused = i == form.focus;
            let role = if focused { Role::Title } else { Role::Muted };
            let text = if focused { with_cursor(input) } else { input.text() };
            Line::from(vec![
                Span::styled(format!(" {label:<width$}"), theme.style(role)),
                Span::styled(text, theme.style(Role::Text)),
            ])
        })
        .collect()
}
