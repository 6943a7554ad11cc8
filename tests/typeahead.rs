//! Keys that come too fast to be an answer are not taken: the guard is fed
//! keys with the instants the runtime would hand it (tests/tui.rs sends a
//! real burst to the real binary).

mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::typeahead::{Look, Typeahead, TOO_FAST};
use opsdeck::app::{update, AlertLine, Command, Msg, Overlay, PaneId, State, View};
use std::time::{Duration, Instant};

/// The runtime's loop, with a clock the test moves.
struct Keyboard {
    state: State,
    guard: Typeahead,
    now: Instant,
    commands: Vec<Command>,
}

impl Keyboard {
    fn new(state: State) -> Keyboard {
        Keyboard {
            state,
            guard: Typeahead::default(),
            now: Instant::now(),
            commands: Vec::new(),
        }
    }

    /// A key that came `after` the loop started waiting for it.
    fn key_after(&mut self, code: KeyCode, after: Duration) {
        self.read(code, after, after);
    }

    /// A key read `gap` after the last one, having waited `waited` for the
    /// loop to ask for it.
    fn read(&mut self, code: KeyCode, gap: Duration, waited: Duration) {
        self.now += gap;
        let ev = KeyEvent::new(code, KeyModifiers::NONE);
        let msg = if self.guard.admit(&self.state, &ev, self.now, waited) {
            Msg::Key(ev)
        } else {
            Msg::TooFast
        };
        let look = Look::of(&self.state);
        let key = matches!(msg, Msg::Key(_)).then_some(ev);
        self.commands.extend(update(&mut self.state, msg));
        self.guard.after(look, &self.state, key.as_ref(), self.now);
    }

    /// Text as a terminal sends an unbracketed paste: every key already there.
    fn burst(&mut self, text: &str) {
        for c in text.chars() {
            let code = if c == '\n' { KeyCode::Enter } else { KeyCode::Char(c) };
            self.key_after(code, Duration::from_micros(50));
        }
    }

    /// A key typed by a person `ms` after the last one.
    fn typed(&mut self, code: KeyCode, ms: u64) {
        self.key_after(code, Duration::from_millis(ms));
    }

    /// A key typed `ms` after the last one while the loop was busy (a
    /// frame, a report): it was waiting when the loop asked for it.
    fn typed_while_busy(&mut self, code: KeyCode, ms: u64) {
        self.read(code, Duration::from_millis(ms), Duration::ZERO);
    }

    fn acted(&self) -> Vec<&Command> {
        self.commands
            .iter()
            .filter(|c| !matches!(c, Command::Audit(_) | Command::WatchStats { .. }))
            .collect()
    }

    fn status(&self) -> String {
        self.state
            .shell
            .status
            .as_ref()
            .map(|m| m.text.clone())
            .unwrap_or_default()
    }

    fn asking(&self) -> bool {
        matches!(self.state.shell.overlay, Some(Overlay::Confirm { .. }))
    }
}

/// The Services pane zoomed with a running container selected.
fn on_a_container() -> Keyboard {
    let mut s = fixtures::state();
    s.shell.view = View::Zoom(PaneId::Services);
    s.shell.focus = PaneId::Services;
    s.panes.services.selected = s
        .container_rows()
        .iter()
        .position(|(_, c)| c.name == "web")
        .expect("web listed");
    Keyboard::new(s)
}

fn restarts(k: &Keyboard) -> bool {
    k.acted().iter().any(|c| matches!(c, Command::Container { .. }))
}

#[test]
fn an_unbracketed_paste_over_a_container_restarts_nothing() {
    let mut k = on_a_container();
    k.burst("try this, then restart yes");
    assert!(!restarts(&k), "{:?}", k.commands);
    assert!(k.asking(), "the dialog waits for a typed answer");
    assert_eq!(k.status(), TOO_FAST);
    // A person reads the dialog and says no.
    k.typed(KeyCode::Char('n'), 900);
    assert!(!k.asking());
    assert!(!restarts(&k), "{:?}", k.commands);
}

#[test]
fn a_confirmation_answered_in_the_burst_that_opened_it_is_not_answered() {
    let mut k = on_a_container();
    k.typed(KeyCode::Char('r'), 800);
    k.burst("y");
    assert!(k.asking());
    assert!(!restarts(&k));
    assert_eq!(k.status(), TOO_FAST);
}

#[test]
fn an_answer_within_300_ms_waits_and_one_after_is_taken() {
    let mut k = on_a_container();
    k.typed(KeyCode::Char('r'), 800);
    k.typed(KeyCode::Char('y'), 100);
    assert!(k.asking(), "100 ms after it opened: too soon to have read it");
    assert!(!restarts(&k));
    k.typed(KeyCode::Char('y'), 300);
    assert!(!k.asking(), "400 ms after it opened: an answer");
    assert!(restarts(&k), "{:?}", k.commands);
}

#[test]
fn esc_is_always_taken_and_the_rest_of_its_burst_is_not() {
    let mut k = on_a_container();
    k.typed(KeyCode::Char('r'), 800);
    k.typed(KeyCode::Esc, 20);
    assert!(!k.asking(), "Esc cancels at once");
    assert_eq!(k.status(), "cancelled");
    // `r` and `y` pasted right after: the burst is held, the dialog opens
    // and is not answered.
    k.burst("ry");
    assert!(!restarts(&k));
}

#[test]
fn the_palette_submitted_by_a_burst_lets_no_key_of_it_quit() {
    let mut k = Keyboard::new(fixtures::state());
    k.typed(KeyCode::Char(':'), 800);
    k.burst("db\nquit\n");
    assert!(!k.state.shell.quit, "the rest of the burst is not keys");
    assert_eq!(k.state.shell.view, View::Zoom(PaneId::Database), "db ran");
    assert_eq!(k.status(), TOO_FAST);
    // Typed by a person afterwards, q quits.
    k.typed(KeyCode::Char('q'), 400);
    assert!(k.state.shell.quit);
}

#[test]
fn typing_at_a_persons_speed_is_never_held() {
    let mut k = Keyboard::new(fixtures::state());
    for (code, ms) in [
        (KeyCode::Char(':'), 500),
        (KeyCode::Char('d'), 90),
        (KeyCode::Char('b'), 80),
        (KeyCode::Enter, 70),
        (KeyCode::Char('3'), 60),
    ] {
        k.typed(code, ms);
    }
    assert_eq!(k.state.shell.view, View::Zoom(PaneId::Alerts), "every key taken");
    assert_ne!(k.status(), TOO_FAST);
}

/// The Alerts pane with the DiskAlmostFull alert selected.
fn on_an_alert() -> Keyboard {
    let mut k = Keyboard::new(fixtures::state());
    k.typed(KeyCode::Char('3'), 500);
    k.state.panes.alerts.selected = k
        .state
        .alert_lines()
        .iter()
        .position(|l| matches!(l, AlertLine::Alert(_, a) if a.name == "DiskAlmostFull"))
        .expect("DiskAlmostFull listed");
    k
}

fn acknowledged(k: &Keyboard) -> bool {
    k.acted().iter().any(|c| matches!(c, Command::Acknowledge { .. }))
}

#[test]
fn a_form_takes_text_typed_at_once_but_not_its_submit_key() {
    let mut k = on_an_alert();
    k.typed(KeyCode::Char('a'), 800);
    assert!(matches!(k.state.shell.overlay, Some(Overlay::Ack(_))));
    // Pasted unbracketed: the comment is typed, its Enter is held.
    k.burst("disk cleanup running\n");
    assert!(!acknowledged(&k), "{:?}", k.commands);
    match &k.state.shell.overlay {
        Some(Overlay::Ack(d)) => assert!(format!("{d:?}").contains("disk cleanup running"), "{d:?}"),
        other => panic!("the form stays open: {other:?}"),
    }
    assert_eq!(k.status(), TOO_FAST);
    // Enter pressed by a person submits it.
    k.typed(KeyCode::Enter, 600);
    assert!(acknowledged(&k), "{:?}", k.commands);
}

#[test]
fn the_first_keys_typed_into_a_form_are_text() {
    let mut k = on_an_alert();
    k.typed(KeyCode::Char('a'), 800);
    k.typed(KeyCode::Char('o'), 40);
    k.typed(KeyCode::Char('k'), 40);
    match &k.state.shell.overlay {
        Some(Overlay::Ack(d)) => assert!(format!("{d:?}").contains("\"ok\""), "{d:?}"),
        other => panic!("{other:?}"),
    }
    assert_ne!(k.status(), TOO_FAST);
}

#[test]
fn a_key_typed_while_the_loop_was_busy_is_not_a_burst() {
    let mut k = Keyboard::new(fixtures::state());
    k.typed(KeyCode::Char(':'), 800);
    k.typed(KeyCode::Char('d'), 90);
    k.typed(KeyCode::Char('b'), 90);
    k.typed(KeyCode::Enter, 90);
    // Read at once (a frame was being drawn), but typed 400 ms later.
    k.typed_while_busy(KeyCode::Char('3'), 400);
    assert_eq!(k.state.shell.view, View::Zoom(PaneId::Alerts), "taken");
    assert_ne!(k.status(), TOO_FAST);
}
