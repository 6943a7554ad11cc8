//! The Access pane's dialogs: the justification editor (tui-textarea) and
//! the new-campaign form.

use crate::app::{CampaignDialog, JustifyDialog};
use crate::config::theme::{Role, Theme};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// Lines of the editor box, borders included.
const EDITOR_HEIGHT: u16 = 7;

fn dialog_rect(area: Rect, width: u16, height: u16) -> Rect {
    let width = area.width.min(width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + area.height.saturating_sub(height) / 3,
        width,
        height,
    )
}

fn warn_block(title: &str, theme: &Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Role::Warn))
        .title(Span::styled(format!(" {title} "), theme.style(Role::Warn)))
}

/// What is decided on, the editor, and how to save or cancel.
pub fn justify(frame: &mut Frame, area: Rect, theme: &Theme, dialog: &JustifyDialog) {
    let listed = u16::try_from(dialog.lines.len()).unwrap_or(8);
    let rect = dialog_rect(area, 96, listed + EDITOR_HEIGHT + 5);
    let block = warn_block(&dialog.title, theme);
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let [list_area, editor_area, error_area, hint_area] = Layout::vertical([
        Constraint::Length(listed + 1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let lines: Vec<Line> = dialog
        .lines
        .iter()
        .map(|l| Line::from(Span::styled(format!(" {l}"), theme.style(Role::Text))))
        .collect();
    frame.render_widget(Paragraph::new(lines), list_area);
    // The editor carries no styles of its own: the theme's are set per frame.
    let mut editor = dialog.editor.area().clone();
    editor.set_block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(theme.style(Role::Focus))
            .title(Span::styled(
                format!(" justification for {} (required) ", dialog.decision.as_str()),
                theme.style(Role::Title),
            )),
    );
    editor.set_style(theme.style(Role::Text));
    editor.set_cursor_line_style(Style::default());
    editor.set_cursor_style(theme.style(Role::Selected));
    editor.set_placeholder_style(theme.style(Role::Muted));
    frame.render_widget(&editor, editor_area);
    if let Some(e) = &dialog.error {
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(format!(" {e}"), theme.style(Role::Warn)))),
            error_area,
        );
    }
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" ctrl+s", theme.style(Role::Title)),
            Span::styled(" save the decision   ", theme.style(Role::Muted)),
            Span::styled("esc", theme.style(Role::Title)),
            Span::styled(" cancel (nothing recorded)   ", theme.style(Role::Muted)),
            Span::styled("enter", theme.style(Role::Title)),
            Span::styled(" new line", theme.style(Role::Muted)),
        ])),
        hint_area,
    );
}

/// Name and due date of a new campaign, over a summary of the snapshot.
pub fn campaign(frame: &mut Frame, area: Rect, theme: &Theme, dialog: &CampaignDialog) {
    let height = u16::try_from(dialog.lines.len()).unwrap_or(8) + 8;
    let rect = dialog_rect(area, 90, height);
    let mut text: Vec<Line> = dialog
        .lines
        .iter()
        .map(|l| Line::from(Span::styled(format!(" {l}"), theme.style(Role::Text))))
        .collect();
    text.push(Line::raw(""));
    text.extend(super::form::fields(&dialog.form, theme));
    text.push(Line::from(Span::styled(
        "       a date (2026-12-07) or a time from now (14d)",
        theme.style(Role::Muted),
    )));
    text.push(match &dialog.error {
        Some(e) => Line::from(Span::styled(format!(" {e}"), theme.style(Role::Warn))),
        None => Line::raw(""),
    });
    text.push(Line::from(vec![
        Span::styled(" tab", theme.style(Role::Title)),
        Span::styled(" name/due   ", theme.style(Role::Muted)),
        Span::styled("enter", theme.style(Role::Title)),
        Span::styled(" start the review   ", theme.style(Role::Muted)),
        Span::styled("esc", theme.style(Role::Title)),
        Span::styled(" cancel", theme.style(Role::Muted)),
    ]));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(text).block(warn_block("Start an access review", theme)),
        rect,
    );
}
