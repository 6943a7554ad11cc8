//! One-line text entry (search, filter): what a key does to the buffer.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// The buffer changed (or the key was ignored): keep editing.
    Editing,
    /// Enter: use the text.
    Submit,
    /// Esc: drop it.
    Cancel,
}

pub fn edit(buf: &mut String, ev: &KeyEvent) -> Edit {
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    match ev.code {
        KeyCode::Enter => Edit::Submit,
        KeyCode::Esc => Edit::Cancel,
        KeyCode::Char('c') if ctrl => Edit::Cancel,
        KeyCode::Char('u') if ctrl => {
            buf.clear();
            Edit::Editing
        }
        KeyCode::Char('w') if ctrl => {
            let keep = buf.trim_end().rfind(' ').map(|i| i + 1).unwrap_or(0);
            buf.truncate(keep);
            Edit::Editing
        }
        KeyCode::Backspace => {
            buf.pop();
            Edit::Editing
        }
        KeyCode::Char(c) if !ctrl => {
            buf.push(c);
            Edit::Editing
        }
        _ => Edit::Editing,
    }
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
}
