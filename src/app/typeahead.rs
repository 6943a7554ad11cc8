//! Keys that were not typed in answer to what is on screen. A terminal or
//! multiplexer that does not bracket a paste sends it as keys, all at once:
//! `try this` over a selected container is `r` (restart?) then `y` (yes).
//! So a dialog that confirms a side effect takes no answer for a moment
//! after it opens, nor any key of the burst that opened it, and a text field
//! just submitted (the palette's `db⏎`) lets no key of the same burst act
//! (`quit`).
//!
//! Two rules keep a person's typing whole: text typed into a form is always
//! taken (only its submit key waits), and Esc, which only says no, always
//! is. A burst is told from typing by how long a key waited: keys of one
//! paste are already there when the loop asks for the next one, and come
//! right after the one before.
//!
//! The runtime knows when keys arrive; this module only judges, with the
//! instants handed to it, so it is tested without a clock.

use crate::app::{Overlay, State};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};

/// What the screen says when keys are not taken.
pub const TOO_FAST: &str = "input ignored: too fast to be typed";

/// How long after a confirmation opens a key can be a typed answer.
pub const ANSWER_AFTER: Duration = Duration::from_millis(300);

/// A key that was already waiting, within this, when the loop asked for
/// input came in the same burst as the one before it. A person's next key
/// comes tens of milliseconds after the last frame, not within one.
pub const SAME_BURST: Duration = Duration::from_millis(3);

/// ... unless it came this long after the key before it: then it was typed
/// while the loop was busy with something else (a frame, a poll's report).
/// The keys of one paste are handled back to back, far within this.
pub const BURST_GAP: Duration = Duration::from_millis(150);

/// What the screen asks of the keyboard, for the guard's purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    asking: Asking,
    typing: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asking {
    Nothing,
    /// y/Enter confirms, n/Esc cancels.
    YesOrNo,
    /// A form whose submit key carries out a side effect; other keys are text.
    Form,
}

impl Look {
    pub fn of(state: &State) -> Look {
        let asking = match &state.shell.overlay {
            Some(Overlay::Confirm {
                justification: None, ..
            }) => Asking::YesOrNo,
            Some(Overlay::Confirm { .. } | Overlay::Ack(_) | Overlay::Justify(_) | Overlay::Campaign(_)) => {
                Asking::Form
            }
            _ => Asking::Nothing,
        };
        Look {
            asking,
            typing: crate::app::paste::text_field(state).is_some(),
        }
    }
}

/// Keys held since `since`: for `ANSWER_AFTER` when a confirmation opened,
/// and while the burst that was going on then goes on.
#[derive(Debug, Clone, Copy)]
struct Hold {
    since: Instant,
    answer_window: bool,
    burst: bool,
}

#[derive(Debug, Default)]
pub struct Typeahead {
    hold: Option<Hold>,
    /// When the last key was read.
    last_key: Option<Instant>,
}

impl Typeahead {
    /// Whether `key`, read at `now` after waiting `waited` for it, is taken
    /// with the screen as `state` has it.
    pub fn admit(&mut self, state: &State, key: &KeyEvent, now: Instant, waited: Duration) -> bool {
        let after_last = self.last_key.map(|t| now.saturating_duration_since(t));
        self.last_key = Some(now);
        let Some(hold) = &mut self.hold else { return true };
        if waited >= SAME_BURST || after_last.is_none_or(|gap| gap >= BURST_GAP) {
            hold.burst = false;
        }
        let answering_too_soon = hold.answer_window && now.saturating_duration_since(hold.since) < ANSWER_AFTER;
        if !answering_too_soon && !hold.burst {
            self.hold = None;
            return true;
        }
        if key.code == KeyCode::Esc {
            return true;
        }
        match Look::of(state).asking {
            Asking::Form => !submits(key),
            Asking::YesOrNo | Asking::Nothing => false,
        }
    }

    /// After a key (or anything else) was handled at `now`: a confirmation
    /// that opened starts a hold; so does a text field or dialog closed by
    /// any key but Esc, for the rest of its burst.
    pub fn after(&mut self, before: Look, state: &State, key: Option<&KeyEvent>, now: Instant) {
        let look = Look::of(state);
        let opened = look.asking != Asking::Nothing && before.asking == Asking::Nothing;
        let closed =
            (before.typing && !look.typing) || (before.asking != Asking::Nothing && look.asking == Asking::Nothing);
        let by_esc = key.is_some_and(|k| k.code == KeyCode::Esc);
        if opened {
            self.hold = Some(Hold {
                since: now,
                answer_window: true,
                burst: key.is_some(),
            });
        } else if closed && by_esc {
            // Esc answered: no window left, but the burst is still not typed.
            self.hold = self.hold.map(|h| Hold {
                answer_window: false,
                ..h
            });
        } else if closed && key.is_some() {
            self.hold = Some(Hold {
                since: now,
                answer_window: false,
                burst: true,
            });
        }
    }
}

/// The keys that submit a form: Enter (Ctrl-M, Ctrl-J) and Ctrl-S.
fn submits(key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Enter => true,
        KeyCode::Char('s' | 'm' | 'j') => ctrl,
        _ => false,
    }
}
