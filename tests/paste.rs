//! A paste is text, never keys (tests/tui.rs pastes into the real binary).

mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::{update, Command, Msg, Overlay, PaneId, State, View};

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn status(s: &State) -> String {
    s.shell.status.as_ref().map(|m| m.text.clone()).unwrap_or_default()
}

/// The Services pane zoomed with a running container selected.
fn on_a_container() -> State {
    let mut s = fixtures::state();
    s.shell.view = View::Zoom(PaneId::Services);
    s.shell.focus = PaneId::Services;
    let i = s
        .container_rows()
        .iter()
        .position(|(_, c)| c.name == "web")
        .expect("web listed");
    s.panes.services.selected = i;
    s
}

/// A command with a side effect (reads for the screen and audit lines aside).
fn acts(cmds: &[Command]) -> bool {
    cmds.iter()
        .any(|c| !matches!(c, Command::Audit(_) | Command::WatchStats { .. }))
}

#[test]
fn a_bracketed_paste_with_no_text_field_open_is_dropped_with_a_word() {
    let mut s = on_a_container();
    let cmds = update(&mut s, Msg::Paste("try this, then restart yes".into()));
    assert!(!acts(&cmds), "{cmds:?}");
    assert!(s.shell.overlay.is_none(), "no dialog opened: {:?}", s.shell.overlay);
    assert!(
        status(&s).contains("paste ignored: no text field open"),
        "{}",
        status(&s)
    );
}

#[test]
fn a_paste_into_the_palette_is_text_and_does_not_quit() {
    let mut s = fixtures::state();
    update(&mut s, key(':'));
    assert!(matches!(s.shell.overlay, Some(Overlay::Palette { .. })));
    update(&mut s, Msg::Paste("db\nquit".into()));
    assert!(!s.shell.quit);
    match &s.shell.overlay {
        Some(Overlay::Palette { input, .. }) => assert_eq!(input, "db quit"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_paste_into_a_filter_is_one_line() {
    let mut s = on_a_container();
    update(&mut s, key('/'));
    update(&mut s, Msg::Paste("web\nworker\r\n".into()));
    assert_eq!(s.panes.services.filter.text.as_deref(), Some("web worker "));
}
