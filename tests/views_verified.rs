//! Snapshots of verified actions on screen: the dialog that refuses a
//! restart past the incident's limit unless given a reason, and a verdict
//! in the session's timeline.

mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixtures::checklist;
use opsdeck::app::{update, Msg, State};
use opsdeck::cli::snapshot::{buffer_text, render};
use opsdeck::config::theme::{ColorSupport, Theme};
use opsdeck::runbook::session::{Event, EventKind};

fn text(state: &State, w: u16, h: u16) -> String {
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("theme");
    buffer_text(&render(state, &theme, w, h).expect("render"))
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn restart(minutes: i64, verified: Option<bool>, after: &str, reason: Option<&str>) -> Event {
    Event {
        at: checklist::started() + chrono::Duration::minutes(minutes),
        operator: "alice".into(),
        step: None,
        what: EventKind::Action {
            action: "restart".into(),
            target: "local/api".into(),
            verified,
            before: "running, unhealthy".into(),
            after: after.into(),
            reason: reason.map(String::from),
        },
    }
}

/// The session open with three restarts of api that did not help.
fn three_restarts() -> State {
    let mut s = fixtures::state();
    let mut session = checklist::session();
    session.events.extend([
        restart(4, Some(false), "running, unhealthy after 90s", None),
        restart(8, None, "restart local/api failed: no answer within 3s", None),
        restart(12, Some(false), "exited (1)", None),
    ]);
    update(&mut s, Msg::SessionOpened(Box::new(session)));
    s.shell.status = None;
    s
}

#[test]
fn a_restart_past_the_limit_asks_for_a_reason() {
    let mut s = three_restarts();
    update(&mut s, key('1'));
    update(&mut s, key('r'));
    let t = text(&s, 100, 30);
    insta::assert_snapshot!("restart_limit_dialog", t);
    assert!(t.contains("Restart limit reached (3): escalate"), "{t}");
    assert!(t.contains("restarted 3 times in this incident"), "{t}");
}

#[test]
fn verdicts_read_in_the_timeline() {
    let mut s = three_restarts();
    update(
        &mut s,
        Msg::SessionEvent {
            session: checklist::session().meta.id,
            event: restart(
                16,
                Some(true),
                "running, healthy",
                Some("L2 asked for one more after the config fix"),
            ),
        },
    );
    update(&mut s, key('5'));
    update(&mut s, key('t'));
    s.shell.status = None;
    let t = text(&s, 160, 30);
    insta::assert_snapshot!("verified_timeline", t);
    for want in [
        "restart local/api — verified: NOT fixed (running, unhealthy → exited (1))",
        "restart local/api — not verified (running, unhealthy → restart local/api failed",
        "restart local/api — verified: fixed (running, unhealthy → running, healthy), past the limit because: L2 asked",
    ] {
        assert!(t.contains(want), "{want:?} not in\n{t}");
    }
}
