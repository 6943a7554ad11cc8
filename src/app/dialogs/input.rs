//! Text entry, one kind for every field: a line (filters, the palette, a
//! reason, a form's fields) or several lines (notes, justifications), both
//! on tui-textarea. What a key does to it is decided here, once.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_textarea::{CursorMove, TextArea};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// The text changed (or the key was ignored): keep editing.
    Editing,
    /// Enter on a line, ctrl+s on several: use the text.
    Submit,
    /// Esc or ctrl+c: drop it.
    Cancel,
}

/// A text being typed. Compared by its text and cursor only.
#[derive(Debug, Clone)]
pub struct Input {
    area: TextArea<'static>,
    multi_line: bool,
}

impl PartialEq for Input {
    fn eq(&self, other: &Self) -> bool {
        self.multi_line == other.multi_line
            && self.area.lines() == other.area.lines()
            && self.area.cursor() == other.area.cursor()
    }
}

impl Default for Input {
    fn default() -> Self {
        Self::line("")
    }
}

impl Input {
    /// One line, the cursor at its end: Enter submits it.
    pub fn line(text: &str) -> Self {
        let first = text.lines().next().unwrap_or_default();
        Self::with(vec![first.to_string()], false)
    }

    /// Several lines, the cursor at the end: Enter breaks the line, ctrl+s
    /// submits.
    pub fn lines(text: &str) -> Self {
        Self::with(text.lines().map(String::from).collect(), true)
    }

    fn with(lines: Vec<String>, multi_line: bool) -> Self {
        let mut area = TextArea::from(lines);
        area.move_cursor(CursorMove::Bottom);
        area.move_cursor(CursorMove::End);
        Self { area, multi_line }
    }

    pub fn multi_line(&self) -> bool {
        self.multi_line
    }

    /// The text as typed, lines joined by newlines.
    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// A line's text split at the cursor, for drawing the cursor in it.
    pub fn split_at_cursor(&self) -> (&str, &str) {
        let (row, col) = self.area.cursor();
        let line = self.area.lines().get(row).map(String::as_str).unwrap_or_default();
        let at = line.char_indices().nth(col).map(|(i, _)| i).unwrap_or(line.len());
        line.split_at(at)
    }

    /// The text area itself, for drawing several lines.
    pub fn area(&self) -> &TextArea<'static> {
        &self.area
    }

    pub fn set_placeholder(&mut self, text: impl Into<String>) {
        self.area.set_placeholder_text(text);
    }

    /// Type `text` at the cursor.
    pub fn insert(&mut self, text: &str) {
        self.area.insert_str(text);
    }

    /// What a key does: the same keys end or cancel every field; on a line,
    /// ctrl+u clears and ctrl+w drops the last word, as shells do.
    pub fn key(&mut self, ev: &KeyEvent) -> Edit {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        match ev.code {
            KeyCode::Esc => return Edit::Cancel,
            KeyCode::Char('c') if ctrl => return Edit::Cancel,
            KeyCode::Char('s') if ctrl && self.multi_line => return Edit::Submit,
            KeyCode::Enter if !self.multi_line => return Edit::Submit,
            _ => {}
        }
        if self.multi_line {
            self.area.input(*ev);
            return Edit::Editing;
        }
        match ev.code {
            KeyCode::Char('u') if ctrl => *self = Self::line(""),
            KeyCode::Char('w') if ctrl => {
                let text = self.text();
                let keep = text.trim_end().rfind(' ').map(|i| i + 1).unwrap_or(0);
                *self = Self::line(&text[..keep]);
            }
            // A line takes no control keys: they would edit it unseen.
            KeyCode::Char(_) if ctrl => {}
            KeyCode::Char(_)
            | KeyCode::Backspace
            | KeyCode::Delete
            | KeyCode::Left
            | KeyCode::Right
            | KeyCode::Home
            | KeyCode::End => {
                self.area.input(*ev);
            }
            _ => {}
        }
        Edit::Editing
    }
}

/// One key on a line kept as a plain string (a filter applied as it is
/// typed): the string is the text, the cursor its end.
pub fn edit(buf: &mut String, ev: &KeyEvent) -> Edit {
    let mut input = Input::line(buf);
    let outcome = input.key(ev);
    *buf = input.text();
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn editing_keys() {
        let mut b = String::new();
        for c in "db timeout".chars() {
            assert_eq!(edit(&mut b, &k(KeyCode::Char(c))), Edit::Editing);
        }
        edit(&mut b, &KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(b, "db ");
        edit(&mut b, &k(KeyCode::Backspace));
        assert_eq!(b, "db");
        assert_eq!(edit(&mut b, &k(KeyCode::Enter)), Edit::Submit);
        assert_eq!(edit(&mut b, &k(KeyCode::Esc)), Edit::Cancel);
    }

    #[test]
    fn a_line_moves_its_cursor_and_takes_no_newline() {
        let mut line = Input::line("abc");
        line.key(&k(KeyCode::Left));
        line.key(&k(KeyCode::Char('X')));
        assert_eq!(line.text(), "abXc");
        assert_eq!(line.split_at_cursor(), ("abX", "c"));
        line.key(&KeyEvent::new(KeyCode::Char('m'), KeyModifiers::CONTROL));
        assert_eq!(line.text(), "abXc", "ctrl+m would break the line");
        line.key(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!(line.text(), "");
    }

    #[test]
    fn several_lines_break_on_enter_and_submit_on_ctrl_s() {
        let mut text = Input::lines("first");
        assert_eq!(text.key(&k(KeyCode::Enter)), Edit::Editing);
        text.key(&k(KeyCode::Char('2')));
        assert_eq!(text.text(), "first\n2");
        assert_eq!(
            text.key(&KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
            Edit::Submit
        );
        assert_eq!(text.key(&k(KeyCode::Esc)), Edit::Cancel);
    }
}
