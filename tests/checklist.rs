//! The Checklist pane's update logic: keys ask for commands, and a step is
//! shown settled only when the store's event comes back.

mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixtures::checklist;
use opsdeck::app::{update, Command, EditPurpose, Msg, Overlay, PaneId, State, View};
use opsdeck::runbook::session::{EventKind, StepState};

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, key(c));
    }
}

fn loaded() -> State {
    let mut s = fixtures::state();
    let mut closed = checklist::session().meta;
    closed.id = "INC-20261122-010000".into();
    closed.closed_at = Some(fixtures::t0());
    update(
        &mut s,
        Msg::ChecklistLoaded {
            runbooks: vec![checklist::daily(), checklist::runbook()],
            errors: Vec::new(),
            sessions: vec![
                (checklist::session().meta, "service-down".into()),
                (closed, "service-down".into()),
            ],
        },
    );
    s
}

/// The session on screen, the selection on the step `id`.
fn on_step(s: &mut State, id: &str) {
    update(s, Msg::SessionOpened(Box::new(checklist::session())));
    let i = opsdeck::app::panes::checklist::session_lines(s.panes.checklist.active.as_ref().expect("open"))
        .iter()
        .position(|l| matches!(l, opsdeck::app::panes::checklist::SessionLine::Step(_, st) if st.id == id))
        .expect("step");
    s.panes.checklist.selected = i;
}

/// What the runtime does with a RecordEvent: it comes back committed.
fn commit(s: &mut State, cmds: Vec<Command>) -> Vec<Command> {
    let mut out = Vec::new();
    for c in cmds {
        match c {
            Command::RecordEvent { session, event, .. } => out.extend(update(s, Msg::SessionEvent { session, event })),
            other => panic!("unexpected {other:?}"),
        }
    }
    out
}

#[test]
fn in_the_checklist_pane_the_resume_hint_names_enter_alone() {
    let mut s = fixtures::state();
    s.shell.view = View::Zoom(PaneId::Checklist);
    update(
        &mut s,
        Msg::ChecklistLoaded {
            runbooks: vec![checklist::runbook()],
            errors: Vec::new(),
            sessions: vec![(checklist::session().meta, "service-down".into())],
        },
    );
    let status = s.shell.status.as_ref().map(|m| m.text.clone()).unwrap_or_default();
    assert!(status.ends_with(": enter resumes"), "{status}");
}

#[test]
fn open_sessions_are_offered_at_start_and_listed_before_runbooks() {
    let mut s = loaded();
    let status = s.shell.status.as_ref().map(|m| m.text.clone()).unwrap_or_default();
    assert!(
        status.contains("INC-20261123-024000") && status.contains(": 5 then enter resumes"),
        "from the dashboard Enter alone opens a tile: {status}"
    );
    update(&mut s, key('5'));
    assert_eq!(
        s.row_count(PaneId::Checklist),
        3,
        "one open session, two runbooks; the closed one is not offered"
    );
    let cmds = update(&mut s, code(KeyCode::Enter));
    assert_eq!(
        cmds,
        vec![Command::OpenSession {
            id: "INC-20261123-024000".into()
        }]
    );
}

#[test]
fn a_new_session_asks_a_title_and_a_severity() {
    let mut s = loaded();
    update(&mut s, key('5'));
    s.panes.checklist.selected = 2; // service-down, after the session and the daily runbook
    update(&mut s, key('n'));
    assert!(
        matches!(&s.shell.overlay, Some(Overlay::Editor(e)) if matches!(e.purpose, EditPurpose::NewSession { .. }))
    );
    update(&mut s, code(KeyCode::Tab));
    typed(&mut s, "Checkout 502");
    let cmds = update(&mut s, code(KeyCode::Enter));
    match &cmds[..] {
        [Command::StartSession {
            runbook,
            title,
            severity,
        }] => {
            assert_eq!(runbook.id, "service-down");
            assert_eq!(title, "Checkout 502");
            assert_eq!(severity.as_deref(), Some("P1"), "tab moved from P0 to P1");
        }
        other => panic!("{other:?}"),
    }
    // Read-only: no session is started.
    let mut s = loaded();
    s.shell.read_only = true;
    update(&mut s, key('5'));
    s.panes.checklist.selected = 2;
    update(&mut s, key('n'));
    assert!(s.shell.overlay.is_none());
}

#[test]
fn opening_a_session_runs_the_current_phase_checks_not_yet_run() {
    let mut s = loaded();
    let mut fresh = checklist::session();
    fresh.events.truncate(1);
    let cmds = update(&mut s, Msg::SessionOpened(Box::new(fresh)));
    match &cmds[..] {
        [Command::RunChecks { checks, auto_tick, .. }] => {
            assert!(*auto_tick, "a passing check ticks its step");
            let ids: Vec<&str> = checks.iter().map(|(id, _)| id.as_str()).collect();
            assert_eq!(ids, ["api-healthy"], "only the first phase's checks");
        }
        other => panic!("{other:?}"),
    }
    assert!(s.panes.checklist.running.contains("api-healthy"));
    // The selection starts on the first step still to do.
    let sel = s.panes.checklist.selected;
    assert_eq!(sel, 2, "head, phase, then the first step");
}

#[test]
fn a_step_needing_evidence_is_ticked_only_after_a_note() {
    let mut s = loaded();
    // Before the announcement's note: the API step is verified, nothing else.
    let mut fresh = checklist::session();
    fresh.events.truncate(3);
    update(&mut s, Msg::SessionOpened(Box::new(fresh)));
    assert_eq!(
        s.panes.checklist.selected, 3,
        "on the first step still to do: the announcement"
    );
    assert!(update(&mut s, key(' ')).is_empty(), "refused without a note");
    assert!(s
        .shell
        .status
        .as_ref()
        .is_some_and(|m| m.text.contains("needs evidence")));
    update(&mut s, key('i'));
    typed(&mut s, "posted in #ops");
    update(&mut s, code(KeyCode::Enter));
    typed(&mut s, "pager acknowledged");
    let cmds = update(&mut s, ctrl('s'));
    match &cmds[..] {
        [Command::RecordEvent { event, .. }] => {
            assert_eq!(event.step.as_deref(), Some("announce"));
            assert_eq!(
                event.what,
                EventKind::Note {
                    text: "posted in #ops\npager acknowledged".into()
                }
            );
            assert_eq!(event.operator, "alice");
        }
        other => panic!("{other:?}"),
    }
    let session = s.panes.checklist.active.as_ref().expect("open");
    assert_eq!(
        session.notes(Some("announce")).count(),
        0,
        "not shown before the store has it"
    );
    commit(&mut s, cmds);
    let cmds = update(&mut s, key(' '));
    commit(&mut s, cmds);
    let session = s.panes.checklist.active.as_ref().expect("open");
    assert!(matches!(
        session.step_state("announce"),
        StepState::Done { verified: false, .. }
    ));
}

#[test]
fn skip_and_fail_need_a_reason_and_close_asks_a_resolution() {
    let mut s = loaded();
    on_step(&mut s, "status-page");
    update(&mut s, key('s'));
    assert!(update(&mut s, ctrl('s')).is_empty(), "an empty reason records nothing");
    update(&mut s, key('s'));
    typed(&mut s, "status page is down too");
    let cmds = update(&mut s, ctrl('s'));
    commit(&mut s, cmds);
    let session = s.panes.checklist.active.as_ref().expect("open");
    assert!(
        matches!(session.step_state("status-page"), StepState::Skipped { ref reason, .. } if reason == "status page is down too")
    );
    // The first phase is settled: reaching the next runs its checks.
    assert_eq!(session.current_phase(), 1);

    update(&mut s, key('X'));
    typed(&mut s, "rolled back 4.2.1");
    let cmds = update(&mut s, ctrl('s'));
    commit(&mut s, cmds);
    let session = s.panes.checklist.active.as_ref().expect("open");
    assert!(!session.meta.is_open());
    assert_eq!(session.meta.resolution.as_deref(), Some("rolled back 4.2.1"));
    assert!(s
        .panes
        .checklist
        .sessions
        .iter()
        .any(|(m, _)| m.id == session.meta.id && !m.is_open()));
}

#[test]
fn check_results_tick_the_step_and_the_next_phase_starts_its_checks() {
    let mut s = loaded();
    on_step(&mut s, "status-page");
    let cmds = update(&mut s, code(KeyCode::Enter));
    assert!(cmds.is_empty(), "a step without a check: {cmds:?}");
    let cmds = update(&mut s, key(' '));
    let next = commit(&mut s, cmds);
    // The first phase is settled; the second one's only check has a result
    // already, so reaching it runs nothing new.
    assert_eq!(s.panes.checklist.active.as_ref().map(|x| x.current_phase()), Some(1));
    assert!(next.is_empty(), "{next:?}");
    // Enter on the database step runs its check again, by hand (no auto tick).
    on_step(&mut s, "db-connections");
    let cmds = update(&mut s, code(KeyCode::Enter));
    assert!(
        matches!(&cmds[..], [Command::RunChecks { auto_tick: false, checks, .. }] if checks[0].0 == "db-connections")
    );
    // Read-only: nothing is recorded.
    s.shell.read_only = true;
    assert!(update(&mut s, key(' ')).is_empty());
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
}

#[test]
fn esc_goes_from_the_timeline_to_the_steps_to_the_list() {
    let mut s = loaded();
    on_step(&mut s, "announce");
    s.shell.status = None; // Esc first clears a message
    let cmds = update(&mut s, key('t'));
    assert!(matches!(&cmds[..], [Command::LoadTimeline { .. }]));
    assert!(s.panes.checklist.show_timeline);
    update(&mut s, code(KeyCode::Esc));
    assert!(!s.panes.checklist.show_timeline && s.panes.checklist.active.is_some());
    update(&mut s, code(KeyCode::Esc));
    assert!(s.panes.checklist.active.is_none());
    assert_eq!(s.shell.view, opsdeck::app::View::Zoom(PaneId::Checklist));
    let cmds = update(&mut s, key('r'));
    assert!(cmds.is_empty(), "no report without a session: {cmds:?}");
}

#[test]
fn the_step_cursor_outlives_a_look_at_the_timeline() {
    let mut s = loaded();
    on_step(&mut s, "status-page");
    let on = s.panes.checklist.selected;
    for leave in [key('t'), code(KeyCode::Esc)] {
        update(&mut s, key('t'));
        update(&mut s, key('j'));
        s.shell.status = None; // Esc first clears a message
        update(&mut s, leave);
        assert!(!s.panes.checklist.show_timeline);
        assert_eq!(s.panes.checklist.selected, on, "back on the step it was on");
    }
    // A note written from the timeline is on that step, not the session.
    update(&mut s, key('t'));
    update(&mut s, key('i'));
    typed(&mut s, "paged the vendor");
    let cmds = update(&mut s, ctrl('s'));
    assert!(
        matches!(&cmds[..], [Command::RecordEvent { event, .. }] if event.step.as_deref() == Some("status-page")),
        "{cmds:?}"
    );
}

#[test]
fn an_alert_naming_a_runbook_starts_its_checklist() {
    let mut s = loaded();
    // The fixture's alerts carry runbook = "database-emergency", which is not loaded.
    update(&mut s, key('3'));
    update(&mut s, key('R'));
    assert!(s.shell.overlay.is_none());
    assert!(
        s.shell.status.as_ref().is_some_and(|m| m.text.contains("not loaded")),
        "{:?}",
        s.shell.status
    );
    let mut db = checklist::runbook();
    db.id = "database-emergency".into();
    s.panes.checklist.runbooks.push(db);
    // From the alert's details, R starts it: the title names the alert.
    update(&mut s, code(KeyCode::Enter));
    assert!(matches!(s.shell.overlay, Some(Overlay::Details { .. })));
    update(&mut s, key('R'));
    assert_eq!(s.shell.view, opsdeck::app::View::Zoom(PaneId::Checklist));
    let cmds = update(&mut s, code(KeyCode::Enter));
    match &cmds[..] {
        [Command::StartSession { runbook, title, .. }] => {
            assert_eq!(runbook.id, "database-emergency");
            assert_eq!(title, "PostgresDown on db-1:9100");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn r_on_an_alert_whose_session_is_open_resumes_it_and_warns_of_others() {
    let mut s = loaded();
    let mut db = checklist::runbook();
    db.id = "database-emergency".into();
    s.panes.checklist.runbooks.push(db);
    let mut same = checklist::session().meta;
    same.id = "INC-20261123-025000".into();
    same.title = "PostgresDown on db-1:9100".into();
    s.panes.checklist.sessions.push((same, "database-emergency".into()));
    update(&mut s, key('3'));
    let cmds = update(&mut s, key('R'));
    assert!(
        matches!(&cmds[..], [Command::OpenSession { id }] if id == "INC-20261123-025000"),
        "{cmds:?}"
    );
    assert!(s.shell.overlay.is_none(), "no second session is offered");
    let status = s.shell.status.as_ref().map(|m| m.text.clone()).unwrap_or_default();
    assert!(
        status.contains("INC-20261123-025000") && status.contains("resumed"),
        "{status}"
    );

    // Another session of the runbook, on something else: starting one says so.
    s.panes.checklist.sessions.last_mut().expect("pushed").0.title = "replica lag".into();
    update(&mut s, key('3'));
    assert!(update(&mut s, key('R')).is_empty());
    assert!(matches!(s.shell.overlay, Some(Overlay::Editor(_))));
    let status = s.shell.status.as_ref().map(|m| m.text.clone()).unwrap_or_default();
    assert!(status.contains("open already (INC-20261123-025000)"), "{status}");
}
