//! A text editor dialog (tui-textarea): notes, reasons, a resolution, a new
//! session's title. Enter saves a one-line text; ctrl+s saves a note.

use crate::app::panes::checklist::EditPurpose;
use tui_textarea::TextArea;

#[derive(Debug, Clone)]
pub struct TextEditor {
    pub title: String,
    pub purpose: EditPurpose,
    pub area: TextArea<'static>,
}

impl PartialEq for TextEditor {
    fn eq(&self, other: &Self) -> bool {
        self.title == other.title && self.purpose == other.purpose && self.area.lines() == other.area.lines()
    }
}

impl TextEditor {
    pub fn new(title: impl Into<String>, purpose: EditPurpose, initial: &str) -> Self {
        let mut area = TextArea::from(initial.lines().map(String::from).collect::<Vec<_>>());
        area.move_cursor(tui_textarea::CursorMove::Bottom);
        area.move_cursor(tui_textarea::CursorMove::End);
        Self {
            title: title.into(),
            purpose,
            area,
        }
    }

    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// A title is one line: Enter saves it. Notes and reasons take several
    /// lines: Enter breaks the line and ctrl+s saves.
    pub fn single_line(&self) -> bool {
        matches!(self.purpose, EditPurpose::NewSession { .. })
    }
}

/// A key in the editor dialog.
pub fn on_key(
    state: &mut crate::app::State,
    ev: crossterm::event::KeyEvent,
    mut editor: Box<TextEditor>,
) -> Vec<crate::app::Command> {
    use crossterm::event::{KeyCode, KeyModifiers};
    state.shell.dirty = true;
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    let save = (ctrl && ev.code == KeyCode::Char('s')) || (editor.single_line() && ev.code == KeyCode::Enter);
    if save {
        state.shell.overlay = None;
        let text = editor.text();
        return crate::app::panes::checklist::on_text_saved(state, editor.purpose, text);
    }
    match ev.code {
        KeyCode::Esc => {
            state.shell.overlay = None;
            crate::app::update::set_status(state, crate::app::Level::Info, "cancelled: nothing recorded");
            return Vec::new();
        }
        KeyCode::Char('c') if ctrl => {
            state.shell.overlay = None;
            crate::app::update::set_status(state, crate::app::Level::Info, "cancelled: nothing recorded");
            return Vec::new();
        }
        KeyCode::Tab => {
            // A new session: tab steps through the runbook's severities.
            if let EditPurpose::NewSession { runbook, severity } = &mut editor.purpose {
                let n = state
                    .panes
                    .checklist
                    .runbook(runbook)
                    .map(|r| r.severities.len())
                    .unwrap_or(0);
                *severity = if n == 0 { 0 } else { (*severity + 1) % n };
            }
        }
        _ => {
            editor.area.input(ev);
        }
    }
    state.shell.overlay = Some(crate::app::Overlay::Editor(editor));
    Vec::new()
}
