//! The `/` filter of a list (Services, Database sessions, Access items):
//! a regular expression typed and applied live, kept on Enter, dropped on
//! Esc. Text that does not compile keeps the last good filter and says why,
//! so a half-typed `(` never empties the screen.

use crate::app::dialogs::input::{edit, Edit};
use crate::model::pattern::Pattern;
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListFilter {
    /// The text as typed; `None` when no filter is set.
    pub text: Option<String>,
    /// Being typed (and applied as it is typed).
    pub typing: bool,
    /// The last good compilation of `text`: compiled once per edit, never
    /// per frame.
    pattern: Option<Pattern>,
    /// Why `text` does not compile, while it does not.
    pub error: Option<String>,
}

impl ListFilter {
    /// Set the text and compile it.
    pub fn set(&mut self, text: Option<String>) {
        match text.as_deref().map(Pattern::parse) {
            None => {
                self.pattern = None;
                self.error = None;
            }
            Some(Ok(p)) => {
                self.pattern = Some(p);
                self.error = None;
            }
            Some(Err(e)) => self.error = Some(e),
        }
        self.text = text;
    }

    /// `/`: start typing, from the text already set if any.
    pub fn start(&mut self) {
        self.typing = true;
        if self.text.is_none() {
            // Compiled afresh: a filter cleared elsewhere left its pattern.
            self.set(Some(String::new()));
        }
    }

    /// A key while typing. Whether what the filter keeps may have changed.
    pub fn key(&mut self, ev: &KeyEvent) -> bool {
        let mut text = self.text.clone().unwrap_or_default();
        match edit(&mut text, ev) {
            Edit::Editing if Some(&text) != self.text.as_ref() => self.set(Some(text)),
            Edit::Editing => return false,
            Edit::Submit => {
                self.typing = false;
                if text.is_empty() {
                    self.set(None);
                }
            }
            Edit::Cancel => {
                self.typing = false;
                self.set(None);
            }
        }
        true
    }

    /// The filter in force: none without text, whatever cleared the text.
    pub fn pattern(&self) -> Option<&Pattern> {
        self.text.as_ref().and(self.pattern.as_ref())
    }

    /// Whether a row with these fields is listed.
    pub fn keeps<'a>(&self, fields: impl Iterator<Item = &'a str>) -> bool {
        self.pattern().is_none_or(|p| p.keeps(fields))
    }

    /// The filter as the pane's view line says it: its text (with a cursor
    /// while typed) and, while the text does not compile, why and what is
    /// shown instead.
    pub fn describe(&self) -> Vec<String> {
        let Some(q) = &self.text else { return Vec::new() };
        let cursor = if self.typing { "█" } else { "" };
        let mut parts = vec![format!("filter: {q}{cursor}")];
        if let Some(e) = &self.error {
            let shown = self.pattern.as_ref().map_or("", |p| p.text());
            parts.push(format!("not a regex ({e}), showing /{shown}/"));
        }
        parts
    }
}
