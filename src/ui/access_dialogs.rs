//! The Access pane's dialogs: the justification editor (tui-textarea) and
//! the new-campaign form.

use super::form::{dialog_rect, warn_block};
use crate::app::{CampaignDialog, JustifyDialog};
use crate::config::theme::{Role, Theme};
use crate::model::access::ReviewItem;
use crate::model::review::Decision;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// Lines of the editor box, borders included.
const EDITOR_HEIGHT: u16 = 7;

/// Items a dialog names before it says "and N more".
const LISTED: usize = 6;

/// A decision's title and the items it is about, one line each.
pub fn decision_text(decision: Decision, items: &[ReviewItem]) -> (String, Vec<String>) {
    let verb = match decision {
        Decision::Keep => "Keep",
        Decision::Revoke => "Revoke",
        Decision::Defer => "Defer",
    };
    let title = match items {
        [one] => format!("{verb} {} ({})?", one.row.subject, one.row.role),
        many => format!("{verb} {} items?", many.len()),
    };
    let mut lines: Vec<String> = items
        .iter()
        .take(LISTED)
        .map(|i| {
            let flags: Vec<&str> = i.flags.iter().map(|f| f.reason.as_str()).collect();
            let flags = if flags.is_empty() {
                "no flags".to_string()
            } else {
                flags.join("; ")
            };
            format!("{} · {} · {} · {flags}", i.row.subject, i.row.role, i.row.source)
        })
        .collect();
    if items.len() > LISTED {
        lines.push(format!("… and {} more, each recorded on its own", items.len() - LISTED));
    }
    (title, lines)
}

/// What is decided on, the editor, and how to save or cancel.
pub fn justify(frame: &mut Frame, area: Rect, theme: &Theme, dialog: &JustifyDialog) {
    let (title, lines) = decision_text(dialog.decision, &dialog.items);
    let listed = u16::try_from(lines.len()).unwrap_or(8);
    let rect = dialog_rect(area, 96, listed + EDITOR_HEIGHT + 5);
    let block = warn_block(&title, theme);
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
    let lines: Vec<Line> = lines
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

/// What a new campaign will take: the rows loaded now, from which sources.
fn campaign_lines(dialog: &CampaignDialog) -> Vec<String> {
    use crate::app::SourceState;
    let mut lines = vec![format!(
        "a snapshot of {} items ({} flagged) from:",
        dialog.total, dialog.flagged
    )];
    lines.extend(dialog.sources.iter().map(|(name, load)| match load {
        SourceState::Loaded {
            at, problems, total, ..
        } => format!(
            "  {name}: {total} rows read at {}{}",
            at.format("%H:%M:%S"),
            if problems.is_empty() {
                String::new()
            } else {
                format!(", {} bad rows skipped", problems.len())
            }
        ),
        SourceState::Loading => format!("  {name}: still loading (not included)"),
        SourceState::Failed { error, .. } => format!("  {name}: FAILED, not included: {error}"),
    }));
    lines
}

/// Name and due date of a new campaign, over a summary of the snapshot.
pub fn campaign(frame: &mut Frame, area: Rect, theme: &Theme, dialog: &CampaignDialog) {
    let lines = campaign_lines(dialog);
    let height = u16::try_from(lines.len()).unwrap_or(8) + 8;
    let rect = dialog_rect(area, 90, height);
    let mut text: Vec<Line> = lines
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
    super::form::warn_dialog(frame, rect, "Start an access review", text, theme);
}
