//! A text editor dialog: notes, reasons, a resolution, a new session's
//! title. A title is one line (Enter saves it); notes and reasons take
//! several (Enter breaks the line, ctrl+s saves).

use crate::app::dialogs::input::{Edit, Input};
use crate::app::panes::checklist::EditPurpose;

#[derive(Debug, Clone, PartialEq)]
pub struct TextEditor {
    pub title: String,
    pub purpose: EditPurpose,
    /// Lines shown above the text: what the operator should know before
    /// writing it (the steps still open when closing a session, the check
    /// that failed when ticking its step).
    pub notice: Vec<String>,
    pub input: Input,
}

impl TextEditor {
    pub fn new(title: impl Into<String>, purpose: EditPurpose, initial: &str) -> Self {
        let input = match purpose {
            EditPurpose::NewSession { .. } | EditPurpose::Window { .. } => Input::line(initial),
            _ => Input::lines(initial),
        };
        Self {
            title: title.into(),
            purpose,
            notice: Vec::new(),
            input,
        }
    }

    pub fn with_notice(mut self, notice: Vec<String>) -> Self {
        self.notice = notice;
        self
    }

    pub fn text(&self) -> String {
        self.input.text()
    }

    pub fn single_line(&self) -> bool {
        !self.input.multi_line()
    }
}

/// A key in the editor dialog.
pub fn on_key(
    state: &mut crate::app::State,
    ev: crossterm::event::KeyEvent,
    mut editor: Box<TextEditor>,
) -> Vec<crate::app::Command> {
    use crossterm::event::KeyCode;
    if ev.code == KeyCode::Tab {
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
        state.shell.overlay = Some(crate::app::Overlay::Editor(editor));
        return Vec::new();
    }
    // ctrl+s saves a title too, as it saves a note.
    let ctrl_s = ev.code == KeyCode::Char('s') && ev.modifiers.contains(crossterm::event::KeyModifiers::CONTROL);
    let outcome = if ctrl_s { Edit::Submit } else { editor.input.key(&ev) };
    match outcome {
        Edit::Submit => {
            state.shell.overlay = None;
            let text = editor.text();
            crate::app::panes::checklist::on_text_saved(state, editor.purpose, text)
        }
        Edit::Cancel => {
            state.shell.overlay = None;
            crate::app::update::set_status(state, crate::app::Level::Info, "cancelled: nothing recorded");
            Vec::new()
        }
        Edit::Editing => {
            state.shell.overlay = Some(crate::app::Overlay::Editor(editor));
            Vec::new()
        }
    }
}
