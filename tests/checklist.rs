//! The Checklist pane's update logic: keys ask for commands, and a step is
//! shown settled only when the store's event comes back.

mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixtures::checklist;
use opsdeck::app::{update, Command, EditPurpose, Msg, Overlay, PaneId, State, View};
use opsdeck::runbook::model::CheckResult;
use opsdeck::runbook::session::{Event, EventKind, StepState};

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

fn status(s: &State) -> String {
    s.shell.status.as_ref().map(|m| m.text.clone()).unwrap_or_default()
}

#[test]
fn a_step_whose_check_does_not_apply_is_ticked_without_an_override() {
    let mut s = loaded();
    on_step(&mut s, "db-connections");
    let at = fixtures::t0();
    let observed = "not applicable (no [[postgres]] configured)";
    let na = Event {
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
    };
    let session = s.panes.checklist.active.as_ref().expect("open").meta.id.clone();
    update(&mut s, Msg::SessionEvent { session, event: na });
    // Nothing failed: no dialog asks why it is done anyway.
    let cmds = update(&mut s, key(' '));
    assert!(s.shell.overlay.is_none(), "{:?}", s.shell.overlay);
    match &cmds[..] {
        [Command::RecordEvent { event, .. }] => assert_eq!(event.what, EventKind::Done { verified: false }),
        other => panic!("{other:?}"),
    }
}

#[test]
fn ticking_a_step_whose_check_failed_asks_why_and_records_the_override() {
    let mut s = loaded();
    on_step(&mut s, "db-connections");
    let cmds = update(&mut s, key(' '));
    assert!(cmds.is_empty(), "not ticked without a word: {cmds:?}");
    match &s.shell.overlay {
        Some(Overlay::Editor(e)) => {
            assert_eq!(
                e.purpose,
                EditPurpose::DoneDespiteCheck {
                    step: "db-connections".into()
                }
            );
            assert!(e.title.starts_with("check failed: why is this done?"), "{}", e.title);
            assert!(
                e.notice
                    .iter()
                    .any(|l| l.contains("FAILED") && l.contains("97 connections")),
                "{:?}",
                e.notice
            );
        }
        other => panic!("a dialog asks why: {other:?}"),
    }
    assert!(update(&mut s, ctrl('s')).is_empty(), "no reason, no tick");
    update(&mut s, key(' '));
    typed(&mut s, "load test traffic, not users");
    let cmds = update(&mut s, ctrl('s'));
    match &cmds[..] {
        [Command::RecordEvent { event, .. }] => assert_eq!(
            event.what,
            EventKind::DoneDespiteCheck {
                reason: "load test traffic, not users".into()
            }
        ),
        other => panic!("{other:?}"),
    }
    commit(&mut s, cmds);
    let session = s.panes.checklist.active.as_ref().expect("open");
    assert!(matches!(
        session.step_state("db-connections"),
        StepState::Done { verified: false, .. }
    ));
    let timeline = opsdeck::runbook::session::report::timeline(session, &[], fixtures::t0());
    assert!(
        timeline
            .iter()
            .any(|l| l.contains("ticked «Database connections below 90» over its FAILED check: load test traffic")),
        "{timeline:#?}"
    );
    let report = opsdeck::runbook::session::report::markdown(
        session,
        &[],
        &opsdeck::runbook::session::report::Screen::default(),
        fixtures::t0(),
    );
    assert!(
        report.contains("  - ticked over its FAILED check: load test traffic, not users"),
        "{report}"
    );
    // A step whose check passed is ticked at once, as before.
    on_step(&mut s, "status-page");
    assert!(matches!(&update(&mut s, key(' '))[..], [Command::RecordEvent { .. }]));
}

#[test]
fn closing_a_session_with_open_steps_names_them_in_the_dialog_and_the_report() {
    let mut s = loaded();
    on_step(&mut s, "announce");
    update(&mut s, key('X'));
    let notice = match &s.shell.overlay {
        Some(Overlay::Editor(e)) if e.purpose == EditPurpose::Close => e.notice.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        notice,
        [
            "3 step(s) still open — closing leaves them undone:",
            "  ○ «Update the status page»",
            "  ○ «Database connections below 90»",
            "  ○ «Roll back the last deploy»",
        ]
    );
    typed(&mut s, "mitigated upstream");
    let cmds = update(&mut s, ctrl('s'));
    commit(&mut s, cmds);
    let session = s.panes.checklist.active.as_ref().expect("open");
    assert!(!session.meta.is_open());
    let report = opsdeck::runbook::session::report::markdown(
        session,
        &[],
        &opsdeck::runbook::session::report::Screen::default(),
        fixtures::t0(),
    );
    assert!(
        report.contains(
            "| closed with open | «Update the status page», «Database connections below 90», «Roll back the last deploy» |"
        ),
        "{report}"
    );
}

#[test]
fn a_cancel_without_effect_says_so_and_offers_terminate() {
    use opsdeck::app::SignalRequest;
    use opsdeck::model::postgres::PgSignal;
    let mut s = loaded();
    let request = SignalRequest {
        target: "main".into(),
        pid: 4242,
        user: "app".into(),
        database: "shop".into(),
        state: "idle in transaction".into(),
        query: "SELECT * FROM orders WHERE id = '…' FOR UPDATE".into(),
    };
    let text = "cancel query: 1 of 1 failed: main/4242: NO EFFECT: pid 4242 is idle in transaction".to_string();
    let cmds = update(
        &mut s,
        Msg::CancelHadNoEffect {
            text: text.clone(),
            requests: vec![request.clone()],
        },
    );
    assert_eq!(cmds, [Command::Bell]);
    assert_eq!(status(&s), text);
    match &s.shell.overlay {
        Some(Overlay::Confirm {
            on_yes:
                Command::PgSignal {
                    requests,
                    op: PgSignal::Terminate,
                    ..
                },
            justification: Some(_),
            ..
        }) => assert_eq!(requests, &vec![request.clone()]),
        other => panic!("terminate is offered, with a reason to give: {other:?}"),
    }
    // With another dialog open, only said.
    let mut s = loaded();
    on_step(&mut s, "announce");
    update(&mut s, key('i'));
    let before = s.shell.overlay.clone();
    assert!(matches!(before, Some(Overlay::Editor(_))));
    update(
        &mut s,
        Msg::CancelHadNoEffect {
            text,
            requests: vec![request],
        },
    );
    assert_eq!(s.shell.overlay, before);
}

/// The fixture session with the database step held for 15 minutes, 4
/// minutes of its window held (probes every 30 s, all passed).
fn held_session() -> opsdeck::runbook::session::Session {
    use opsdeck::runbook::model::{Check, CheckResult};
    let mut session = checklist::session();
    for phase in &mut session.runbook.phases {
        for st in &mut phase.steps {
            if let Some(Check::Postgres { timing, .. }) = &mut st.check {
                timing.hold = Some(std::time::Duration::from_secs(900));
                timing.every = Some(std::time::Duration::from_secs(30));
            }
        }
    }
    let since = fixtures::t0() - chrono::Duration::minutes(4);
    for i in 0..8 {
        let at = since + chrono::Duration::seconds(30 * i);
        session.events.push(opsdeck::runbook::session::Event {
            at,
            operator: "alice".into(),
            step: Some("db-connections".into()),
            what: EventKind::Probe {
                since,
                result: CheckResult {
                    at,
                    passed: true,
                    observed: "12 connections (max 90)".into(),
                    evidence: String::new(),
                    evidence_sha256: String::new(),
                    not_applicable: false,
                },
            },
        });
    }
    session
}

#[test]
fn a_window_being_held_is_taken_up_when_its_session_opens_and_shows_its_progress() {
    let mut s = loaded();
    let session = held_session();
    let cmds = update(&mut s, Msg::SessionOpened(Box::new(session)));
    let held: Vec<(&str, bool)> = cmds
        .iter()
        .filter_map(|c| match c {
            Command::RunChecks { checks, auto_tick, .. } => Some((checks[0].0.as_str(), *auto_tick)),
            _ => None,
        })
        .collect();
    assert_eq!(held, [("db-connections", true)], "{cmds:?}");
    let active = s.panes.checklist.active.as_ref().expect("open");
    let check = active
        .runbook
        .step("db-connections")
        .and_then(|(_, st)| st.check.clone())
        .expect("check");
    let progress =
        opsdeck::app::panes::checklist::hold::progress(active, "db-connections", &check, fixtures::t0(), true);
    assert_eq!(progress.as_deref(), Some("sustained 4m/15m"));
    // Its probes are not shown one by one: the window's start is.
    let timeline = opsdeck::runbook::session::report::timeline(active, &[], fixtures::t0());
    let probes: Vec<&String> = timeline.iter().filter(|l| l.contains("Database connections")).collect();
    assert_eq!(probes.len(), 2, "{timeline:#?}");
    assert!(probes[1].contains("started holding the check of «Database connections below 90»"));
}

#[tokio::test]
async fn phase_times_and_overrun_are_in_the_report_after_the_session_closed_and_opsdeck_restarted() {
    use opsdeck::runbook::session::Event;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    let started = checklist::started();
    let mut meta = checklist::session().meta;
    meta.id = "INC-20261123-024001".into();
    let at = |mins: i64| started + chrono::Duration::minutes(mins);
    let ev = |mins: i64, step: Option<&str>, what: EventKind| Event {
        at: at(mins),
        operator: "alice".into(),
        step: step.map(String::from),
        what,
    };
    {
        let store = opsdeck::store::Store::open(&path).await.expect("open");
        store
            .create_session(&meta, &checklist::runbook())
            .await
            .expect("create");
        // The first phase (budget 15m) settles at 19m: 4 minutes over.
        let events = [
            ev(1, Some("api-healthy"), EventKind::Done { verified: false }),
            ev(4, Some("announce"), EventKind::Done { verified: false }),
            ev(19, Some("status-page"), EventKind::Done { verified: false }),
            ev(25, Some("db-connections"), EventKind::Done { verified: false }),
            ev(30, Some("rollback"), EventKind::Done { verified: false }),
            ev(
                31,
                None,
                EventKind::Closed {
                    resolution: "rolled back".into(),
                },
            ),
        ];
        for e in &events {
            store.append_session_event(&meta.id, e).await.expect("append");
        }
        store.close().await;
    }
    let store = opsdeck::store::Store::open(&path).await.expect("reopen");
    let session = store.session(&meta.id).await.expect("read").expect("there");
    // Written a day later: what happened then, not what is now.
    let report = opsdeck::runbook::session::report::markdown(
        &session,
        &[],
        &opsdeck::runbook::session::report::Screen::default(),
        at(24 * 60),
    );
    let hms = |mins: i64| at(mins).format("%H:%M:%S").to_string();
    assert!(
        report.contains("### 1. Immediate response (3 of 3 settled, budget 15m, OVERRAN by 4m00s)"),
        "{report}"
    );
    assert!(
        report.contains("### 2. Recovery (2 of 2 settled, budget 45m)\n"),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "| Immediate response | 15m | {} | {} | {} | 19m00s | 4m00s |",
            hms(15),
            hms(0),
            hms(19)
        )),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "| Recovery | 45m | {} | {} | {} | 11m00s | - |",
            hms(60),
            hms(19),
            hms(30)
        )),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "- {} phase «Immediate response» overran its budget (15m; settled 4m00s late)",
            hms(15)
        )),
        "{report}"
    );
    assert!(!report.contains("Recovery» overran"), "{report}");
}

#[tokio::test]
async fn a_failed_check_is_audited_failed_and_a_reason_fills_the_justification() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = opsdeck::store::Store::open(&dir.path().join("state.db"))
        .await
        .expect("store");
    let who = opsdeck::model::identity::Identity {
        operator: "alice".into(),
        host: "jump".into(),
        ssh_client: None,
    };
    let id = match opsdeck::effects::checklist::start(&store, &who, &checklist::runbook(), "API down", None).await {
        Msg::SessionOpened(s) => s.meta.id.clone(),
        other => panic!("{other:?}"),
    };
    let io = opsdeck::effects::checklist::ChecklistIo {
        config: std::sync::Arc::new(
            opsdeck::config::Config::parse("", std::path::Path::new("t.toml")).expect("config"),
        ),
        reports_dir: dir.path().join("reports"),
        draw: None,
    };
    let missing = dir.path().join("no-such-backup.tar.gz");
    let check: opsdeck::runbook::Check =
        toml::from_str(&format!("type = \"file\"\npath = {:?}", missing.display().to_string())).expect("check");
    opsdeck::effects::checklist::run_checks(&store, &who, &io, &id, vec![("status-page".into(), check)], true).await;
    let skip = opsdeck::runbook::session::Event {
        at: chrono::Utc::now(),
        operator: "alice".into(),
        step: Some("rollback".into()),
        what: EventKind::Skipped {
            reason: "nothing was deployed today".into(),
        },
    };
    opsdeck::effects::checklist::record(&store, &who, &id, skip, None).await;
    let entries = store.audit_entries(None).await.expect("audit");
    let check = entries.iter().find(|e| e.action == "step.check").expect("audited");
    assert_eq!(check.outcome, "failed", "{check:?}");
    assert!(check.details.contains("\"passed\":false"), "{}", check.details);
    let skip = entries.iter().find(|e| e.action == "step.skip").expect("audited");
    assert_eq!(skip.justification.as_deref(), Some("nothing was deployed today"));
}
