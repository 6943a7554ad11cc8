//! Maintenance windows without services: lint of maintenance runbooks (file
//! and line), the console's update (a held own alert, the window asked for
//! by hand, read-only refusing) and snapshots of the session view and the
//! header's overrun warning.

mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::panes::alerts::own as own_alerts;
use opsdeck::app::panes::checklist::window;
use opsdeck::app::{update, Command, EditPurpose, Msg, Overlay, State};
use opsdeck::cli::snapshot::{buffer_text, render};
use opsdeck::config::theme::{ColorSupport, Theme};
use opsdeck::runbook::lint::lint_text;
use opsdeck::runbook::session::window::WindowSilence;
use opsdeck::runbook::session::{Event, EventKind, Session, SessionMeta};
use opsdeck::runbook::Runbook;
use std::path::Path;

// ---------------------------------------------------------------- lint

const GOOD: &str = r#"id = "db-upgrade"
title = "Database upgrade"
kind = "maintenance"
window = { matchers = ["service=\"db\"", "env=~\"prod|staging\""], duration = "4h" }

[[phase]]
name = "Pre-check"

[[phase.step]]
id = "pre"
title = "Database answers"
check = { type = "postgres", target = "main", metric = "connections", max = 90.0 }

[[phase]]
name = "Upgrade"

[[phase.step]]
id = "upgrade"
title = "Upgrade"

[[phase]]
name = "Post-check"

[[phase.step]]
id = "post"
title = "Database answers again"
check = { type = "postgres", target = "main", metric = "connections", max = 90.0 }
"#;

fn problems(text: &str) -> Vec<String> {
    lint_text(text, Path::new("mnt.toml"), &Default::default())
        .iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn a_good_maintenance_runbook_lints_clean() {
    assert_eq!(problems(GOOD), Vec::<String>::new());
    // Without a window it is started by hand: still clean.
    let by_hand = GOOD.replace(
        "window = { matchers = [\"service=\\\"db\\\"\", \"env=~\\\"prod|staging\\\"\"], duration = \"4h\" }\n",
        "",
    );
    assert_ne!(by_hand, GOOD);
    assert_eq!(problems(&by_hand), Vec::<String>::new());
}

#[test]
fn window_mistakes_name_file_and_line() {
    let bad_matcher = GOOD.replace("env=~\\\"prod|staging\\\"", "env=~\\\"(\\\"");
    let p = problems(&bad_matcher);
    assert!(
        p.len() == 1 && p[0].starts_with("mnt.toml:4:") && p[0].contains("bad regex"),
        "{p:?}"
    );
    let zero = GOOD.replace("duration = \"4h\"", "duration = \"0s\"");
    let p = problems(&zero);
    assert!(
        p.len() == 1 && p[0].starts_with("mnt.toml:4:") && p[0].contains("more than zero"),
        "{p:?}"
    );
    let missing = GOOD.replace(", duration = \"4h\"", "");
    let p = problems(&missing);
    assert!(
        p.len() == 1 && p[0].starts_with("mnt.toml:4:") && p[0].contains("needs a duration"),
        "{p:?}"
    );
    let everything = GOOD.replace(
        "[\"service=\\\"db\\\"\", \"env=~\\\"prod|staging\\\"\"]",
        "[\"service!=\\\"db\\\"\"]",
    );
    let p = problems(&everything);
    assert!(p.len() == 1 && p[0].contains("would hold every alert"), "{p:?}");
    // A window on another kind of runbook.
    let incident = GOOD.replace("kind = \"maintenance\"", "kind = \"incident\"");
    let p = problems(&incident);
    assert!(
        p.len() == 1 && p[0].starts_with("mnt.toml:4:") && p[0].contains("maintenance runbook only"),
        "{p:?}"
    );
}

#[test]
fn a_maintenance_runbook_needs_checked_first_and_last_phases() {
    // The post-check (last phase) without a check: named on its line.
    let unchecked = GOOD.replace(
        "title = \"Database answers again\"\ncheck = { type = \"postgres\", target = \"main\", metric = \"connections\", max = 90.0 }\n",
        "title = \"Database answers again\"\n",
    );
    let p = problems(&unchecked);
    assert!(
        p.len() == 1 && p[0].starts_with("mnt.toml:22:") && p[0].contains("post-check"),
        "{p:?}"
    );
    // One phase only: no room for a pre- and a post-check.
    let one = GOOD.split("[[phase]]\nname = \"Upgrade\"").next().unwrap_or_default();
    let p = problems(one);
    assert!(
        p.len() == 1 && p[0].starts_with("mnt.toml:3:") && p[0].contains("at least two phases"),
        "{p:?}"
    );
}

// ---------------------------------------------------------------- update

/// A maintenance session started at `start`, its window open for an hour
/// holding `matchers`, its runbook from GOOD.
fn session(start: chrono::DateTime<chrono::Utc>, matchers: &[&str]) -> Session {
    let runbook: Runbook = toml::from_str(GOOD).unwrap_or_else(|e| panic!("{e}"));
    let at = |secs| start + chrono::Duration::seconds(secs);
    let event = |secs, what| Event {
        at: at(secs),
        operator: "alice".into(),
        step: None,
        what,
    };
    Session {
        meta: SessionMeta {
            id: format!("MNT-{}", start.format("%Y%m%d-%H%M%S")),
            title: "Database upgrade".into(),
            severity: None,
            started_at: start,
            started_by: "alice".into(),
            closed_at: None,
            closed_by: None,
            resolution: None,
        },
        runbook,
        events: vec![
            event(0, EventKind::Started),
            event(
                1,
                EventKind::WindowOpened {
                    matchers: matchers.iter().map(|m| m.to_string()).collect(),
                    until: at(3600),
                    silences: vec![WindowSilence {
                        source: "prod".into(),
                        id: "4f1c5e2a-0000-4000-8000-000000000001".into(),
                    }],
                    failed: Vec::new(),
                },
            ),
        ],
    }
}

fn exited(s: &State) -> opsdeck::model::alerts::AlertRow {
    own_alerts::rows(s)
        .into_iter()
        .find(|r| r.name == "ContainerExited")
        .expect("the fixture's exited container raises an own alert")
}

#[test]
fn a_matched_own_alert_is_held_while_the_window_holds() {
    let mut s = fixtures::state();
    let alert = exited(&s);
    let due = s.respond_by(None, &alert).expect("a deadline before the window");
    let other = own_alerts::rows(&s)
        .into_iter()
        .find(|r| r.name != "ContainerExited")
        .expect("another own alert");
    let start = s.shell.now - chrono::Duration::minutes(10);
    let m = session(start, &["alertname=\"ContainerExited\""]);
    let id = m.meta.id.clone();
    // Read, not opened: a window holds whether its session is on screen or not.
    update(&mut s, Msg::SessionRefreshed(Box::new(m)));
    let held = window::holding(&s, None, &alert).expect("held");
    assert_eq!(window::held_word(held), format!("held: maintenance {id}"));
    assert_eq!(s.respond_by(None, &alert), None, "no deadline while held");
    assert!(
        s.respond_by(None, &other).is_some(),
        "an alert not matched keeps its deadline"
    );
    // An Alertmanager alert is held by the silence, not here.
    assert!(window::holding(&s, s.backends.targets.get(3), &alert).is_none());
    // Past the window's end: the deadline counts again (and is overdue).
    s.shell.now = start + chrono::Duration::minutes(61);
    assert!(window::holding(&s, None, &alert).is_none());
    assert_eq!(s.respond_by(None, &alert), Some(due));
    assert_eq!(
        window::overruns(&s),
        vec![(id.as_str(), std::time::Duration::from_secs(60))]
    );
}

#[test]
fn a_window_closed_early_holds_nothing_and_does_not_overrun() {
    let mut s = fixtures::state();
    let alert = exited(&s);
    let start = s.shell.now - chrono::Duration::minutes(10);
    let mut m = session(start, &["alertname=\"ContainerExited\""]);
    m.events.push(Event {
        at: s.shell.now,
        operator: "alice".into(),
        step: None,
        what: EventKind::WindowClosed {
            early: true,
            silences: Vec::new(),
            failed: Vec::new(),
        },
    });
    update(&mut s, Msg::SessionRefreshed(Box::new(m)));
    assert!(window::holding(&s, None, &alert).is_none());
    s.shell.now = start + chrono::Duration::hours(3);
    assert!(window::overruns(&s).is_empty());
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn by_hand() -> Runbook {
    let mut r: Runbook = toml::from_str(GOOD).unwrap_or_else(|e| panic!("{e}"));
    r.window = None;
    r
}

/// The Checklist pane with the maintenance runbook selected.
fn picking() -> State {
    let mut s = fixtures::state();
    update(
        &mut s,
        Msg::ChecklistLoaded {
            runbooks: vec![by_hand()],
            errors: Vec::new(),
            sessions: Vec::new(),
        },
    );
    update(&mut s, key('5'));
    s.panes.checklist.selected = 0;
    s
}

#[test]
fn without_a_window_in_the_runbook_the_dialog_asks_for_one() {
    let mut s = picking();
    update(&mut s, key('n'));
    for c in "kernel".chars() {
        update(&mut s, key(c));
    }
    assert!(update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))).is_empty());
    assert!(
        matches!(&s.shell.overlay, Some(Overlay::Editor(e)) if matches!(&e.purpose, EditPurpose::Window { title, .. } if title == "kernel")),
        "{:?}",
        s.shell.overlay
    );
    for c in "alertname=\"X\", instance=~\"db.*\" for 90m".chars() {
        update(&mut s, key(c));
    }
    let cmds = update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    match &cmds[..] {
        [Command::StartMaintenance {
            runbook, title, plan, ..
        }] => {
            assert_eq!(runbook.id, "db-upgrade");
            assert_eq!(title, "kernel");
            assert_eq!(plan.window.matchers, ["alertname=\"X\"", "instance=~\"db.*\""]);
            assert_eq!(plan.window.duration, Some(std::time::Duration::from_secs(90 * 60)));
            assert_eq!(plan.sources, ["prod"], "the fixture's one Alertmanager");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_typed_window_that_is_wrong_starts_nothing_and_says_why() {
    let mut s = picking();
    update(&mut s, key('n'));
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    for c in "alertname=\"X\"".chars() {
        update(&mut s, key(c));
    }
    let cmds = update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    assert!(cmds.is_empty(), "{cmds:?}");
    let said = s.shell.status.as_ref().map(|m| m.text.clone()).unwrap_or_default();
    assert!(
        said.contains("maintenance NOT started") && said.contains("for"),
        "{said}"
    );
}

#[test]
fn read_only_refuses_a_maintenance_session_and_says_nothing_is_silenced() {
    let mut s = picking();
    s.shell.read_only = true;
    let cmds = update(&mut s, key('n'));
    assert!(cmds.is_empty() && s.shell.overlay.is_none());
    let said = s.shell.status.as_ref().map(|m| m.text.clone()).unwrap_or_default();
    assert!(
        said.contains("read-only") && said.contains("no alert silenced"),
        "{said}"
    );
}

// ---------------------------------------------------------------- views

fn text(state: &State, w: u16, h: u16) -> String {
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("theme");
    buffer_text(&render(state, &theme, w, h).expect("render"))
}

#[test]
fn an_overrun_window_warns_in_the_header_and_the_session_shows_it() {
    let mut s = fixtures::state();
    let start = s.shell.now - chrono::Duration::minutes(72);
    let m = session(start, &["service=\"db\""]);
    let id = m.meta.id.clone();
    update(&mut s, Msg::SessionOpened(Box::new(m)));
    s.shell.status = None;
    let t = text(&s, 160, 30);
    insta::assert_snapshot!("maintenance_overrun", t);
    let header = t.lines().next().unwrap_or_default();
    assert!(header.contains(&format!("maintenance {id} overran by 12m")), "{header}");
    assert!(
        t.contains("window {service=\"db\"} · 1 silence(s) on prod · OVERRAN by 12m"),
        "{t}"
    );
    // The phases' names say their roles already: not said twice.
    assert!(
        t.contains("▶ Pre-check (0/1)") && t.contains("  Post-check (0/1)"),
        "{t}"
    );
}

#[test]
fn an_open_window_shows_the_time_left() {
    let mut s = fixtures::state();
    let start = s.shell.now - chrono::Duration::minutes(15);
    let m = session(start, &["service=\"db\""]);
    update(&mut s, Msg::SessionOpened(Box::new(m)));
    s.shell.status = None;
    let t = text(&s, 160, 30);
    let until = (start + chrono::Duration::hours(1)).format("%H:%M").to_string();
    assert!(t.contains(&format!("until {until} · 45m left")), "{t}");
    assert!(!t.lines().next().unwrap_or_default().contains("overran"), "{t}");
    // Phases named otherwise are marked with their roles.
    let mut s = fixtures::state();
    let mut m = session(start, &["service=\"db\""]);
    m.runbook.phases[0].name = "Before".into();
    m.runbook.phases[2].name = "After".into();
    update(&mut s, Msg::SessionOpened(Box::new(m)));
    let t = text(&s, 160, 30);
    assert!(
        t.contains("Before (pre-check) (0/1)") && t.contains("After (post-check) (0/1)"),
        "{t}"
    );
}
