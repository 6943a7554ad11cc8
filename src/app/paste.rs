//! A paste is text for the open text field, never keys: the terminal
//! brackets it (the runtime asks it to), and `try this` pasted over a
//! selected container must not restart it with its `r` and confirm with
//! its `y`. A paste the terminal did not bracket is keys: `typeahead.rs`.

use crate::app::update::{on_key, set_status};
use crate::app::{Command, Level, Overlay, State};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The open text field, if any: whether it takes several lines.
pub(crate) fn text_field(state: &State) -> Option<bool> {
    match &state.shell.overlay {
        Some(Overlay::Editor(_) | Overlay::Justify(_)) => Some(true),
        Some(Overlay::Ack(_) | Overlay::Campaign(_) | Overlay::Palette { .. } | Overlay::HistoryAt(_)) => Some(false),
        Some(Overlay::Confirm { justification, .. }) => justification.is_some().then_some(false),
        Some(_) => None,
        None => {
            let p = &state.panes;
            let typing = p.alerts.filter_typing
                || p.services.filter.typing
                || p.database.filter.typing
                || p.access.filter.typing
                || p.logs.open.as_ref().is_some_and(|l| l.typing.is_some());
            typing.then_some(false)
        }
    }
}

/// A paste: typed into the open field (line breaks and tabs are spaces in
/// a one-line field), or dropped with a word when none is open.
pub fn on_paste(state: &mut State, text: &str) -> Vec<Command> {
    let Some(multi_line) = text_field(state) else {
        set_status(state, Level::Warn, "paste ignored: no text field open");
        return Vec::new();
    };
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut commands = Vec::new();
    for c in text.chars() {
        let code = match c {
            '\n' if multi_line => KeyCode::Enter,
            '\n' | '\t' => KeyCode::Char(' '),
            c if c.is_control() => continue,
            c => KeyCode::Char(c),
        };
        commands.extend(on_key(state, KeyEvent::new(code, KeyModifiers::NONE)));
        // The field closed (it cannot, short of a key that submits, which a
        // paste does not send): the rest is not keys either.
        if text_field(state).is_none() {
            break;
        }
    }
    commands
}

/// Keys the runtime did not take (see `typeahead.rs`): the operator is told.
pub fn on_too_fast(state: &mut State) -> Vec<Command> {
    set_status(state, Level::Warn, crate::app::typeahead::TOO_FAST);
    Vec::new()
}
