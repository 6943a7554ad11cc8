//! Text fields as every dialog draws them: a line with its cursor, and the
//! fields of a form, the focused one marked.

use crate::app::dialogs::form::Form;
use crate::app::dialogs::input::Input;
use crate::config::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

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
        .map(|(label, _)| crate::text::width(label))
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

/// Where a dialog of `width` x `height` sits: centred, a third down,
/// within `area`.
pub fn dialog_rect(area: Rect, width: u16, height: u16) -> Rect {
    let width = area.width.min(width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + area.height.saturating_sub(height) / 3,
        width,
        height,
    )
}

/// The border of a dialog that asks before acting.
pub fn warn_block(title: &str, theme: &Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Role::Warn))
        .title(Span::styled(format!(" {title} "), theme.style(Role::Warn)))
}

/// Draw an asking dialog's text in its box, over what is below.
pub fn warn_dialog(frame: &mut Frame, rect: Rect, title: &str, text: Vec<Line<'static>>, theme: &Theme) {
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(text).block(warn_block(title, theme)), rect);
}
