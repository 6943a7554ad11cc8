//! A dialog with more than one field (acknowledge, start a campaign): its
//! fields and which one takes the keys. Tab moves between them.

use super::input::{Edit, Input};
use crossterm::event::{KeyCode, KeyEvent};

#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    /// Each field's label and its text.
    pub fields: Vec<(&'static str, Input)>,
    /// The field that takes the keys.
    pub focus: usize,
}

impl Form {
    /// Fields by label, each a line with its first text; the first has the focus.
    pub fn new(fields: &[(&'static str, &str)]) -> Self {
        Self {
            fields: fields.iter().map(|(label, text)| (*label, Input::line(text))).collect(),
            focus: 0,
        }
    }

    /// The text of field `i`.
    pub fn text(&self, i: usize) -> String {
        self.fields.get(i).map(|(_, input)| input.text()).unwrap_or_default()
    }

    /// Tab moves to the next field, round; other keys go to the focused one.
    pub fn key(&mut self, ev: &KeyEvent) -> Edit {
        if matches!(ev.code, KeyCode::Tab | KeyCode::BackTab) && !self.fields.is_empty() {
            self.focus = (self.focus + 1) % self.fields.len();
            return Edit::Editing;
        }
        match self.fields.get_mut(self.focus) {
            Some((_, input)) => input.key(ev),
            None => Edit::Editing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    #[test]
    fn tab_moves_the_keys_to_the_next_field() {
        let mut form = Form::new(&[("comment:", ""), ("for:", "2h")]);
        form.key(&KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE));
        form.key(&KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
        form.key(&KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        assert_eq!((form.text(0), form.text(1)), ("x".to_string(), "2".to_string()));
        form.key(&KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
        assert_eq!(form.focus, 0);
        assert_eq!(
            form.key(&KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
            Edit::Submit
        );
    }
}
