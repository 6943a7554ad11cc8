//! Snapshots of the Checklist pane: the picker, a session with every step
//! state and an overrunning phase, a note being written, the timeline.

mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixtures::checklist;
use opsdeck::app::{update, Msg, State};
use opsdeck::cli::snapshot::{buffer_text, render};
use opsdeck::config::theme::{ColorSupport, Theme};

fn text(state: &State, w: u16, h: u16) -> String {
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("theme");
    buffer_text(&render(state, &theme, w, h).expect("render"))
}

fn loaded() -> State {
    let mut s = fixtures::state();
    update(
        &mut s,
        Msg::ChecklistLoaded {
            runbooks: vec![checklist::daily(), checklist::runbook()],
            errors: Vec::new(),
            sessions: vec![(checklist::session().meta, "service-down".into())],
        },
    );
    s.shell.status = None;
    s
}

#[test]
fn picker_lists_open_sessions_then_runbooks() {
    let mut s = loaded();
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('5'), KeyModifiers::NONE)));
    let t = text(&s, 120, 24);
    insta::assert_snapshot!("checklist_picker", t);
    assert!(
        t.contains("open sessions") && t.contains("INC-20261123-024000  P1  Checkout returns 502"),
        "{t}"
    );
    assert!(t.contains("daily-health-check") && t.contains("service-down"), "{t}");
}

#[test]
fn session_with_mixed_steps_and_an_overrunning_phase() {
    let mut s = loaded();
    update(&mut s, Msg::SessionOpened(Box::new(checklist::session())));
    s.shell.status = None;
    let t = text(&s, 120, 34);
    insta::assert_snapshot!("checklist_session", t);
    assert!(
        t.contains("Immediate response (2/3) · due 02:55 5m00s over · OVERRUN"),
        "{t}"
    );
    assert!(
        t.contains("✔ The API container is healthy") && t.contains("[check ok: api: running"),
        "{t}"
    );
    assert!(t.contains("✓ Announce the incident in #ops"), "{t}");
    assert!(
        t.contains("○ Database connections below 90") && t.contains("[check FAILED: 97 connections"),
        "{t}"
    );
    assert!(t.contains("alice, bob"), "participants: {t}");
    // The selection is on the status page step: its detail below.
    assert!(t.contains("Update the status page"), "{t}");
}

#[test]
fn note_editor_and_timeline() {
    let mut s = loaded();
    update(&mut s, Msg::SessionOpened(Box::new(checklist::session())));
    for c in "iDNS flapping".chars() {
        update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
    }
    let t = text(&s, 120, 34);
    insta::assert_snapshot!("checklist_note_editor", t);
    assert!(
        t.contains("Note on: Update the status page") && t.contains("DNS flapping"),
        "{t}"
    );
    assert!(t.contains("ctrl+s save"), "{t}");

    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('t'), KeyModifiers::NONE)));
    s.shell.status = None;
    let t = text(&s, 120, 24);
    insta::assert_snapshot!("checklist_timeline", t);
    for want in [
        "02:40:00 alice: started the session",
        "«The API container is healthy» verified by its check",
        "02:43:00 bob: note on «Announce the incident in #ops»: posted in #ops",
        "check of «Database connections below 90» FAILED: 97 connections (max 90)",
        "note: rollback prepared by carol",
    ] {
        assert!(t.contains(want), "{want}:\n{t}");
    }
}

#[test]
fn tile_shows_the_open_session_and_the_morning_round() {
    let mut s = loaded();
    update(&mut s, Msg::SessionOpened(Box::new(checklist::session())));
    let (_, lines) = opsdeck::ui::pane_summary(
        &s,
        &Theme::builtin("default", ColorSupport::Ansi256).expect("theme"),
        opsdeck::app::PaneId::Checklist,
        80,
    );
    let t: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    assert!(
        t[0].contains("INC-20261123-024000 20m00s P1 · Immediate response OVERRUN"),
        "{t:?}"
    );
    assert!(t.iter().any(|l| l.contains("morning round: not run today")), "{t:?}");
}

#[test]
fn close_dialog_names_the_steps_still_open() {
    let mut s = loaded();
    update(&mut s, Msg::SessionOpened(Box::new(checklist::session())));
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('X'), KeyModifiers::NONE)));
    s.shell.status = None;
    let t = text(&s, 120, 34);
    insta::assert_snapshot!("checklist_close_dialog", t);
    for want in [
        "3 step(s) still open — closing leaves them undone:",
        "○ «Update the status page»",
        "○ «Roll back the last deploy»",
    ] {
        assert!(t.contains(want), "{want}:\n{t}");
    }
}

#[test]
fn a_sustained_check_shows_how_long_its_window_has_held() {
    use opsdeck::runbook::model::{Check, CheckResult};
    use opsdeck::runbook::session::{Event, EventKind};
    let mut session = checklist::session();
    for st in session.runbook.phases.iter_mut().flat_map(|p| p.steps.iter_mut()) {
        if let Some(Check::Postgres { timing, .. }) = &mut st.check {
            timing.hold = Some(std::time::Duration::from_secs(900));
        }
    }
    let since = fixtures::t0() - chrono::Duration::minutes(4);
    for i in 0..8 {
        let at = since + chrono::Duration::seconds(30 * i);
        let result = CheckResult {
            at,
            passed: true,
            observed: "12 connections (max 90)".into(),
            evidence: String::new(),
            evidence_sha256: String::new(),
            not_applicable: false,
        };
        session.events.push(Event {
            at,
            operator: "alice".into(),
            step: Some("db-connections".into()),
            what: EventKind::Probe { since, result },
        });
    }
    let mut s = loaded();
    update(&mut s, Msg::SessionOpened(Box::new(session)));
    s.shell.status = None;
    let t = text(&s, 120, 34);
    insta::assert_snapshot!("checklist_sustained", t);
    assert!(
        t.contains("Database connections below 90") && t.contains("[sustained 4m/15m]"),
        "{t}"
    );
}

#[test]
fn a_check_that_does_not_apply_has_its_own_mark_and_words() {
    use opsdeck::config::theme::Role;
    use opsdeck::runbook::model::CheckResult;
    use opsdeck::runbook::session::{Event, EventKind};
    let mut session = checklist::session();
    let at = fixtures::t0() - chrono::Duration::minutes(1);
    let observed = "not applicable (no [[postgres]] configured)";
    session.events.push(Event {
        at,
        operator: "alice".into(),
        step: Some("db-connections".into()),
        what: EventKind::Check(CheckResult {
            at,
            passed: false,
            observed: observed.into(),
            evidence: observed.into(),
            evidence_sha256: "ab".repeat(32),
            not_applicable: true,
        }),
    });
    let mut s = loaded();
    update(&mut s, Msg::SessionOpened(Box::new(session)));
    s.shell.status = None;
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("theme");
    let buffer = render(&s, &theme, 120, 34).expect("render");
    let t = buffer_text(&buffer);
    insta::assert_snapshot!("checklist_not_applicable", t);
    assert!(
        t.contains("⊘ Database connections below 90  [not applicable (no [[postgres]] configured)]"),
        "{t}"
    );
    assert!(!t.contains("check FAILED: not applicable"), "{t}");
    // The mark in the theme's own colour for it, not a failure's.
    let (row, col) = t
        .lines()
        .enumerate()
        .find_map(|(y, l)| l.find("⊘").map(|x| (y, l[..x].chars().count())))
        .expect("the mark");
    let cell = &buffer[(col as u16, row as u16)];
    assert_eq!(cell.fg, theme.style(Role::Stale).fg.unwrap_or_default());
}
