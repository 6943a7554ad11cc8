//! `update` fed with messages; assertions on state and returned commands.

mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use opsdeck::app::{read_only_refusal, update, Command, Freshness, Lock, Msg, Overlay, PaneId, View};
use opsdeck::backends::{BackendKind, BackendReport};
use opsdeck::store::Outcome;

/// The open confirm dialog's title and lines, as its view words them.
fn confirm_text(s: &opsdeck::app::State) -> Option<(String, Vec<String>)> {
    match &s.shell.overlay {
        Some(Overlay::Confirm { on_yes, facts, .. }) => Some(opsdeck::ui::confirm::describe(on_yes, facts)),
        _ => None,
    }
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

#[test]
fn digits_zoom_and_zero_returns() {
    let mut s = fixtures::state();
    assert!(update(&mut s, key('3')).is_empty());
    assert_eq!(s.shell.view, View::Zoom(PaneId::Alerts));
    assert_eq!(s.shell.focus, PaneId::Alerts);
    update(&mut s, key('0'));
    assert_eq!(s.shell.view, View::Dashboard);
    assert_eq!(s.shell.focus, PaneId::Alerts, "focus stays where it was");
}

#[test]
fn tab_cycles_focus_and_wraps() {
    let mut s = fixtures::state();
    for expected in [
        PaneId::Database,
        PaneId::Alerts,
        PaneId::Access,
        PaneId::Checklist,
        PaneId::Services,
    ] {
        update(&mut s, code(KeyCode::Tab));
        assert_eq!(s.shell.focus, expected);
    }
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)));
    assert_eq!(s.shell.focus, PaneId::Checklist);
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(s.shell.view, View::Zoom(PaneId::Checklist));
}

#[test]
fn esc_goes_back_to_dashboard() {
    let mut s = fixtures::state();
    update(&mut s, key('1'));
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.shell.view, View::Dashboard);
}

#[test]
fn quit_returns_quit_command() {
    let mut s = fixtures::state();
    assert_eq!(update(&mut s, key('q')), vec![Command::Quit]);
    assert!(s.shell.quit);
    let mut s = fixtures::state();
    assert_eq!(
        update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL))
        ),
        vec![Command::Quit]
    );
}

#[test]
fn key_release_events_are_ignored() {
    let mut s = fixtures::state();
    let mut ev = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    ev.kind = KeyEventKind::Release;
    assert!(update(&mut s, Msg::Key(ev)).is_empty());
    assert!(!s.shell.quit);
}

#[test]
fn q_in_help_closes_help_not_the_app() {
    let mut s = fixtures::state();
    update(&mut s, key('?'));
    assert!(matches!(s.shell.overlay, Some(Overlay::Help { .. })));
    assert!(update(&mut s, key('q')).is_empty());
    assert!(s.shell.overlay.is_none());
    assert!(!s.shell.quit);
}

#[test]
fn g_g_goes_to_the_top_of_help_and_of_details_too() {
    let mut s = fixtures::state();
    update(&mut s, key('?'));
    for _ in 0..5 {
        update(&mut s, key('j'));
    }
    assert!(matches!(s.shell.overlay, Some(Overlay::Help { scroll: 5 })));
    update(&mut s, key('g'));
    update(&mut s, key('g'));
    assert!(
        matches!(s.shell.overlay, Some(Overlay::Help { scroll: 0 })),
        "{:?}",
        s.shell.overlay
    );
    assert!(s.shell.pending.is_empty());
    // A `g` that leads nowhere: the next key acts on its own.
    update(&mut s, key('G'));
    update(&mut s, key('g'));
    update(&mut s, key('q'));
    assert!(s.shell.overlay.is_none(), "g then q closes help");
    assert!(!s.shell.quit);

    update(&mut s, key('3'));
    update(&mut s, code(KeyCode::Enter));
    assert!(matches!(s.shell.overlay, Some(Overlay::Details { .. })));
    update(&mut s, key('G'));
    update(&mut s, key('g'));
    update(&mut s, key('g'));
    assert!(matches!(s.shell.overlay, Some(Overlay::Details { scroll: 0, .. })));
}

#[test]
fn selection_moves_and_clamps_in_zoomed_pane() {
    let mut s = fixtures::state();
    update(&mut s, key('1'));
    let rows = s.row_count(PaneId::Services);
    assert_eq!(rows, 5, "5 containers (endpoints are lines above the table)");
    for _ in 0..20 {
        update(&mut s, key('j'));
    }
    assert_eq!(s.panes.services.selected, rows - 1);
    update(&mut s, key('g'));
    assert_eq!(s.shell.pending.len(), 1, "g waits for a second key");
    update(&mut s, key('g'));
    assert_eq!(s.panes.services.selected, 0);
    assert!(s.shell.pending.is_empty());
    update(&mut s, key('G'));
    assert_eq!(s.panes.services.selected, rows - 1);
}

#[test]
fn unfinished_sequence_falls_back_to_the_single_key() {
    let mut s = fixtures::state();
    update(&mut s, key('g'));
    update(&mut s, key('2'));
    assert!(s.shell.pending.is_empty());
    assert_eq!(s.shell.view, View::Zoom(PaneId::Database));
}

#[test]
fn palette_runs_commands_by_prefix_and_alias() {
    let mut s = fixtures::state();
    update(&mut s, key(':'));
    for c in "db".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(s.shell.view, View::Zoom(PaneId::Database));
    assert!(s.shell.overlay.is_none());

    update(&mut s, key(':'));
    for c in "aud".chars() {
        update(&mut s, key(c));
    }
    let cmds = update(&mut s, code(KeyCode::Enter));
    assert_eq!(cmds, vec![Command::LoadAuditLog { limit: 500 }]);
    assert!(matches!(s.shell.overlay, Some(Overlay::AuditLog { entries: None, .. })));
}

#[test]
fn palette_unknown_command_warns() {
    let mut s = fixtures::state();
    update(&mut s, key(':'));
    for c in "zzz".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, code(KeyCode::Enter));
    assert!(
        s.shell
            .status
            .as_ref()
            .is_some_and(|st| st.text.contains("unknown command")),
        "{:?}",
        s.shell.status
    );
    assert!(!s.shell.quit);
}

#[test]
fn palette_keys_are_text_not_bindings() {
    let mut s = fixtures::state();
    update(&mut s, key(':'));
    update(&mut s, key('q'));
    assert!(!s.shell.quit, "q typed in the palette is text");
    update(&mut s, code(KeyCode::Esc));
    assert!(s.shell.overlay.is_none());
}

#[test]
fn backend_failure_keeps_data_and_recovery_is_announced() {
    let mut s = fixtures::state();
    let pg = fixtures::id(BackendKind::Postgres, "main");
    s.shell.dirty = false;
    update(
        &mut s,
        Msg::Backend(BackendReport {
            id: pg.clone(),
            at: fixtures::t0(),
            next_in: Default::default(),
            result: Err("timeout".into()),
        }),
    );
    let b = s.backends.targets.iter().find(|b| b.id == pg).expect("pg status");
    assert_eq!(b.freshness(s.shell.now), Freshness::Down);
    assert!(b.postgres().is_some(), "last good data kept");
    assert!(s.shell.dirty);
    assert!(s
        .shell
        .status
        .as_ref()
        .is_some_and(|st| st.text.contains("pg:main down: timeout")));

    let data = opsdeck::backends::BackendData::Postgres(Box::new(fixtures::pg_summary()));
    let later = fixtures::t0() + chrono::Duration::seconds(1);
    update(
        &mut s,
        Msg::Backend(BackendReport {
            id: pg.clone(),
            at: later,
            next_in: Default::default(),
            result: Ok(data),
        }),
    );
    let b = s.backends.targets.iter().find(|b| b.id == pg).expect("pg status");
    assert_eq!(b.freshness(s.shell.now), Freshness::Ok);
    assert!(s.shell.status.as_ref().is_some_and(|st| st.text.contains("is back")));
}

#[test]
fn identical_poll_does_not_redraw() {
    let mut s = fixtures::state();
    s.shell.dirty = false;
    let data = opsdeck::backends::BackendData::Postgres(Box::new(fixtures::pg_summary()));
    let id = fixtures::id(BackendKind::Postgres, "main");
    update(
        &mut s,
        Msg::Backend(BackendReport {
            id,
            at: fixtures::t0(),
            next_in: Default::default(),
            result: Ok(data),
        }),
    );
    assert!(!s.shell.dirty, "same data, same freshness: nothing to draw");
}

#[test]
fn tick_redraws_only_on_a_new_second_and_expires_status() {
    let mut s = fixtures::state();
    s.shell.dirty = false;
    update(&mut s, Msg::Tick(fixtures::t0() + chrono::Duration::milliseconds(400)));
    assert!(!s.shell.dirty);
    update(&mut s, Msg::Tick(fixtures::t0() + chrono::Duration::seconds(1)));
    assert!(s.shell.dirty);
    update(&mut s, Msg::AuditFailed("disk full".into()));
    assert!(s.shell.status.is_some());
    update(&mut s, Msg::Tick(fixtures::t0() + chrono::Duration::seconds(30)));
    assert!(s.shell.status.is_none());
}

#[test]
fn audit_failure_is_shown_and_rings() {
    let mut s = fixtures::state();
    assert_eq!(
        update(&mut s, Msg::AuditFailed("disk I/O error".into())),
        vec![Command::Bell]
    );
    assert!(s
        .shell
        .status
        .as_ref()
        .is_some_and(|st| st.text.contains("AUDIT NOT WRITTEN")));
}

#[test]
fn a_failing_witness_is_a_warning_without_a_bell() {
    let mut s = fixtures::state();
    let why = "audit witness https://w.example: answered 503 Service Unavailable";
    assert_eq!(update(&mut s, Msg::WitnessFailed(why.into())), vec![]);
    let status = s.shell.status.as_ref().expect("shown in the footer");
    assert_eq!(status.text, why);
    assert_eq!(status.level, opsdeck::app::Level::Warn);
}

#[test]
fn shutdown_quits() {
    let mut s = fixtures::state();
    assert_eq!(update(&mut s, Msg::Shutdown("SIGHUP")), vec![Command::Quit]);
    assert!(s.shell.quit);
}

#[test]
fn read_only_refuses_and_audits() {
    let mut s = fixtures::state();
    assert!(read_only_refusal(&mut s, Lock::Open, PaneId::Services, "container.restart", "api").is_none());
    let cmds = read_only_refusal(&mut s, Lock::Target, PaneId::Services, "container.restart", "api").expect("refused");
    match &cmds[..] {
        [Command::Audit(rec)] => {
            assert_eq!(rec.outcome, Outcome::Refused);
            assert_eq!(rec.target.as_deref(), Some("api"));
        }
        other => panic!("unexpected {other:?}"),
    }
    s.shell.read_only = true;
    assert!(read_only_refusal(&mut s, Lock::Open, PaneId::Database, "query.cancel", "pid 42").is_some());
    assert!(s.shell.status.as_ref().is_some_and(|st| st.text.contains("read-only")));
}

/// A restart on a host of a read-only `prod` environment: refused, audited
/// with the reason, and the screen says how to lift it.
#[test]
fn a_restart_in_a_read_only_environment_is_refused_saying_how_to_lift_it() {
    let mut s = fixtures::state();
    let docker = s
        .backends
        .targets
        .iter_mut()
        .find(|b| b.id.kind == opsdeck::model::backend::BackendKind::Docker)
        .expect("a docker host");
    docker.read_only = true;
    docker.env = Some(opsdeck::model::env::Environment {
        name: "prod".into(),
        read_only: true,
        badge: opsdeck::model::env::Badge::Crit,
    });
    update(&mut s, key('1'));
    let cmds = update(&mut s, key('r'));
    assert!(s.shell.overlay.is_none(), "no dialog: refused at once");
    let [Command::Audit(rec)] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    assert_eq!(rec.outcome, Outcome::Refused);
    assert_eq!(rec.action, "container.restart");
    assert_eq!(
        rec.details["reason"],
        "prod is read-only; start with --allow-writes prod"
    );
    let status = s.shell.status.as_ref().map(|st| st.text.clone()).unwrap_or_default();
    assert!(status.contains("refused: container.restart on local/"), "{status}");
    assert!(
        status.ends_with("prod is read-only; start with --allow-writes prod"),
        "{status}"
    );
}

#[test]
fn resize_is_recorded() {
    let mut s = fixtures::state();
    update(&mut s, Msg::Resize(200, 60));
    assert_eq!(s.shell.size, (200, 60));
}

#[test]
fn esc_and_key_arriving_together_are_both_applied() {
    let mut s = fixtures::state();
    update(&mut s, key('2'));
    // ESC followed at once by '3' is read by the terminal as alt+3.
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::ALT)));
    assert_eq!(s.shell.view, View::Zoom(PaneId::Alerts));
}

#[test]
fn esc_and_key_together_close_an_overlay_then_act() {
    let mut s = fixtures::state();
    update(&mut s, key('?'));
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('0'), KeyModifiers::ALT)));
    assert!(s.shell.overlay.is_none());
    assert_eq!(s.shell.view, View::Dashboard);
}

fn zoom_services_on(s: &mut opsdeck::app::State, name: &str) {
    update(s, key('1'));
    while s.selected_container().is_some_and(|(_, c)| c.name != name) {
        let before = s.panes.services.selected;
        update(s, key('j'));
        assert_ne!(before, s.panes.services.selected, "{name} not found");
    }
}

#[test]
fn restart_asks_first_then_runs_on_yes() {
    use opsdeck::backends::docker::ContainerOp;
    let mut s = fixtures::state();
    zoom_services_on(&mut s, "web");
    assert!(update(&mut s, key('r')).is_empty(), "nothing happens before the answer");
    match confirm_text(&s) {
        Some((title, lines)) => {
            assert_eq!(title, "Restart container?");
            assert!(
                lines.iter().any(|l| l.contains("web")) && lines.iter().any(|l| l.contains("local")),
                "{lines:?}"
            );
        }
        None => panic!("expected a confirm dialog, got {:?}", s.shell.overlay),
    }
    // A stray key does nothing; y confirms.
    assert!(update(&mut s, key('x')).is_empty());
    assert!(s.shell.overlay.is_some());
    let cmds = update(&mut s, key('y'));
    assert_eq!(
        cmds,
        vec![Command::Container {
            host: "local".into(),
            container: "web".into(),
            op: ContainerOp::Restart,
            session: None,
            reason: None,
        }]
    );
    assert!(s.shell.overlay.is_none());
}

#[test]
fn stop_start_follows_the_container_state_and_n_cancels() {
    use opsdeck::backends::docker::ContainerOp;
    let mut s = fixtures::state();
    zoom_services_on(&mut s, "worker");
    update(&mut s, key('s'));
    assert!(matches!(confirm_text(&s), Some((title, _)) if title == "Start container?"));
    assert!(update(&mut s, code(KeyCode::Esc)).is_empty());
    assert!(s.shell.overlay.is_none());
    zoom_services_on(&mut s, "redis");
    update(&mut s, key('s'));
    let cmds = update(&mut s, code(KeyCode::Enter));
    assert_eq!(
        cmds,
        vec![Command::Container {
            host: "local".into(),
            container: "redis".into(),
            op: ContainerOp::Stop,
            session: None,
            reason: None,
        }]
    );
}

#[test]
fn container_actions_are_refused_read_only_and_audited() {
    let mut s = fixtures::state();
    s.shell.read_only = true;
    zoom_services_on(&mut s, "api");
    let cmds = update(&mut s, key('r'));
    assert!(s.shell.overlay.is_none(), "no dialog in read-only mode");
    match &cmds[..] {
        [Command::Audit(rec)] => {
            assert_eq!(rec.outcome, Outcome::Refused);
            assert_eq!(rec.action, "container.restart");
            assert_eq!(rec.target.as_deref(), Some("local/api"));
        }
        other => panic!("{other:?}"),
    }
    // A read-only host refuses too, with the global flag off.
    let mut s = fixtures::state();
    s.backends.targets[0].read_only = true;
    zoom_services_on(&mut s, "api");
    assert!(matches!(&update(&mut s, key('s'))[..], [Command::Audit(_)]));
}

#[test]
fn action_result_is_shown() {
    let mut s = fixtures::state();
    assert!(update(
        &mut s,
        Msg::ActionDone {
            ok: true,
            text: "restart local/web: done".into()
        }
    )
    .is_empty());
    assert!(s
        .shell
        .status
        .as_ref()
        .is_some_and(|st| st.text == "restart local/web: done"));
    assert_eq!(
        update(
            &mut s,
            Msg::ActionDone {
                ok: false,
                text: "failed".into()
            }
        ),
        vec![Command::Bell]
    );
}

#[test]
fn enter_in_services_opens_details_and_loads_them() {
    use opsdeck::backends::docker::inspect::Row;
    let mut s = fixtures::state();
    zoom_services_on(&mut s, "worker");
    let cmds = update(&mut s, code(KeyCode::Enter));
    assert_eq!(
        cmds,
        vec![Command::InspectContainer {
            host: "local".into(),
            container: "worker".into()
        }]
    );
    assert!(matches!(&s.shell.overlay, Some(Overlay::Details { rows: None, .. })));
    // A late answer about another container is not shown here.
    update(
        &mut s,
        Msg::Inspected {
            container: "api".into(),
            result: Ok(vec![Row::Section("x".into())]),
        },
    );
    assert!(matches!(&s.shell.overlay, Some(Overlay::Details { rows: None, .. })));
    let rows = vec![Row::Field("exit code".into(), "137".into())];
    update(
        &mut s,
        Msg::Inspected {
            container: "worker".into(),
            result: Ok(rows.clone()),
        },
    );
    assert!(matches!(&s.shell.overlay, Some(Overlay::Details { rows: Some(Ok(r)), .. }) if *r == rows));
    update(&mut s, code(KeyCode::Esc));
    assert!(s.shell.overlay.is_none());
    assert_eq!(
        s.shell.view,
        View::Zoom(PaneId::Services),
        "esc closes details, not the pane"
    );
}

fn log_line(text: &str, stderr: bool) -> opsdeck::backends::docker::logs::LogLine {
    opsdeck::backends::docker::logs::LogLine {
        stderr,
        ts: "2026-11-23T03:00:00.000000000Z".into(),
        text: text.into(),
        ..Default::default()
    }
}

#[test]
fn logs_open_fill_search_and_close() {
    use opsdeck::backends::docker::logs::LogEvent;
    let mut s = fixtures::state();
    zoom_services_on(&mut s, "api");
    let cmds = update(&mut s, key('l'));
    assert!(
        cmds.contains(&Command::WatchStats {
            host: "local".into(),
            ids: Vec::new()
        }),
        "the table is hidden behind the log: no stats: {cmds:?}"
    );
    let cmds: Vec<_> = cmds
        .into_iter()
        .filter(|c| !matches!(c, Command::WatchStats { .. }))
        .collect();
    let follower = match &cmds[..] {
        [Command::FollowLogs {
            follower,
            host,
            container,
            tail,
        }] => {
            assert_eq!((host.as_str(), container.as_str(), *tail), ("local", "api", 500));
            *follower
        }
        other => panic!("{other:?}"),
    };
    let lines = vec![
        log_line("GET /health 200", false),
        log_line("db timeout", true),
        log_line("GET / 200", false),
    ];
    update(
        &mut s,
        Msg::Log {
            follower,
            event: LogEvent::Lines(lines),
        },
    );
    // A closed log's late lines are ignored.
    update(
        &mut s,
        Msg::Log {
            follower: follower + 7,
            event: LogEvent::Lines(vec![log_line("stale", false)]),
        },
    );
    assert_eq!(s.panes.logs.open.as_ref().map(|l| l.lines.len()), Some(3));

    // In the log, q still quits but j/k scroll and / searches.
    for c in "/timeout".chars() {
        update(&mut s, key(c));
    }
    assert_eq!(
        s.panes.logs.open.as_ref().and_then(|l| l.typing.clone()).as_deref(),
        Some("timeout")
    );
    update(&mut s, code(KeyCode::Enter));
    let view = s.panes.logs.open.as_ref().expect("log open");
    assert_eq!(view.search.as_deref(), Some("timeout"));
    assert_eq!(view.current, Some(1));
    update(&mut s, key('f'));
    assert_eq!(s.panes.logs.open.as_ref().map(|l| l.visible().len()), Some(1));
    match &update(&mut s, key('w'))[..] {
        [Command::SaveLog { file_name, text }] => {
            assert!(
                file_name.starts_with("api-") && file_name.ends_with(".log"),
                "{file_name}"
            );
            assert_eq!(text, "stderr db timeout\n");
        }
        other => panic!("{other:?}"),
    }
    // Esc clears the search first, then closes the log.
    assert!(update(&mut s, code(KeyCode::Esc)).is_empty());
    assert!(s
        .panes
        .logs
        .open
        .as_ref()
        .is_some_and(|l| l.search.is_none() && !l.filter));
    let cmds = update(&mut s, code(KeyCode::Esc));
    assert_eq!(cmds[0], Command::StopLogs { follower });
    assert!(
        matches!(&cmds[1..], [Command::WatchStats { ids, .. }] if ids.len() == 4),
        "back on the table, the 4 running containers get stats again: {cmds:?}"
    );
    assert!(s.panes.logs.open.is_none());
    assert_eq!(s.shell.view, View::Zoom(PaneId::Services));
}

#[test]
fn leaving_the_pane_stops_the_log() {
    let mut s = fixtures::state();
    zoom_services_on(&mut s, "api");
    update(&mut s, key('l'));
    let cmds = update(&mut s, key('3'));
    assert!(matches!(&cmds[..], [Command::StopLogs { .. }]), "{cmds:?}");
    assert!(s.panes.logs.open.is_none());
    assert_eq!(s.shell.view, View::Zoom(PaneId::Alerts));
}

#[test]
fn services_filter_narrows_live_and_esc_peels_it() {
    let mut s = fixtures::state();
    update(&mut s, key('1'));
    update(&mut s, key('/'));
    for c in "work".chars() {
        update(&mut s, key(c));
    }
    assert!(s.panes.services.filter.typing);
    assert_eq!(
        s.container_rows()
            .iter()
            .map(|(_, c)| c.name.as_str())
            .collect::<Vec<_>>(),
        vec!["worker"]
    );
    // q while typing is text, not quit.
    update(&mut s, key('q'));
    assert!(!s.shell.quit);
    update(&mut s, code(KeyCode::Backspace));
    update(&mut s, code(KeyCode::Enter));
    assert!(!s.panes.services.filter.typing);
    assert_eq!(s.selected_container().map(|(_, c)| c.name.as_str()), Some("worker"));
    // Labels match too (compose service label of "web").
    s.panes.services.filter.set(Some("service=web".into()));
    assert_eq!(s.container_rows().len(), 1);
    update(&mut s, code(KeyCode::Esc));
    assert!(s.panes.services.filter.text.is_none());
    assert_eq!(
        s.shell.view,
        View::Zoom(PaneId::Services),
        "first esc clears the filter"
    );
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.shell.view, View::Dashboard);
}

#[test]
fn stopped_containers_can_be_hidden() {
    let mut s = fixtures::state();
    update(&mut s, key('1'));
    update(&mut s, key('G'));
    let all = s.container_rows().len();
    update(&mut s, key('a'));
    assert!(!s.panes.services.show_stopped);
    assert_eq!(s.container_rows().len(), all - 1, "the exited worker is hidden");
    assert!(
        s.panes.services.selected < s.row_count(PaneId::Services),
        "selection stays on a row"
    );
}

#[test]
fn own_alerts_follow_what_the_panes_see() {
    use opsdeck::app::panes::alerts::own as own_alerts;
    use opsdeck::backends::BackendData;
    let mut s = fixtures::state();
    let names = |s: &opsdeck::app::State| own_alerts::rows(s).into_iter().map(|r| r.name).collect::<Vec<_>>();
    let all = names(&s);
    for expected in [
        "ContainerUnhealthy",
        "ContainerExited",
        "PostgresLongQuery",
        "HostMemoryHigh",
        "HostDiskFull",
        "CertificateExpiring",
    ] {
        assert!(all.iter().any(|n| n == expected), "{expected} missing from {all:?}");
    }
    // First seen stays put across polls.
    let first = own_alerts::rows(&s)
        .into_iter()
        .find(|r| r.name == "ContainerExited")
        .map(|r| r.starts_at);
    let later = fixtures::t0() + chrono::Duration::seconds(30);
    s.shell.now = later;
    let docker = BackendData::Docker(fixtures::docker_summary());
    update(
        &mut s,
        Msg::Backend(BackendReport {
            id: fixtures::id(BackendKind::Docker, "local"),
            at: later,
            next_in: Default::default(),
            result: Ok(docker),
        }),
    );
    let again = own_alerts::rows(&s)
        .into_iter()
        .find(|r| r.name == "ContainerExited")
        .map(|r| r.starts_at);
    assert_eq!(first, again);
    // Alertmanager unreachable is an alert of its own, and a fixed container clears.
    let am = fixtures::id(BackendKind::Alertmanager, "prod");
    update(
        &mut s,
        Msg::Backend(BackendReport {
            id: am,
            at: later,
            next_in: Default::default(),
            result: Err("connection refused".into()),
        }),
    );
    let mut fixed = fixtures::docker_summary();
    fixed.containers.retain(|c| c.name != "worker");
    update(
        &mut s,
        Msg::Backend(BackendReport {
            id: fixtures::id(BackendKind::Docker, "local"),
            at: later,
            next_in: Default::default(),
            result: Ok(BackendData::Docker(fixed)),
        }),
    );
    let now = names(&s);
    assert!(now.contains(&"AlertmanagerDown".to_string()), "{now:?}");
    assert!(!now.contains(&"ContainerExited".to_string()), "{now:?}");
    assert_eq!(
        own_alerts::rows(&s)[0].severity,
        opsdeck::backends::alertmanager::Severity::Critical,
        "critical first"
    );
}

fn docker_report(containers: Vec<opsdeck::backends::docker::ContainerRow>) -> Msg {
    use opsdeck::backends::{docker::DockerSummary, BackendData};
    Msg::Backend(BackendReport {
        id: fixtures::id(BackendKind::Docker, "local"),
        at: fixtures::t0(),
        next_in: Default::default(),
        result: Ok(BackendData::Docker(DockerSummary {
            engine_version: "26.1.5".into(),
            containers,
        })),
    })
}

fn pg_report(p: opsdeck::model::postgres::PgSummary) -> Msg {
    Msg::Backend(BackendReport {
        id: fixtures::id(BackendKind::Postgres, "main"),
        at: fixtures::t0(),
        next_in: Default::default(),
        result: Ok(opsdeck::backends::BackendData::Postgres(Box::new(p))),
    })
}

fn selected_name(s: &opsdeck::app::State) -> Option<String> {
    s.selected_container().map(|(_, c)| c.name.clone())
}

#[test]
fn sorting_walks_the_columns_and_keeps_the_selected_container() {
    use opsdeck::app::SortKey;
    let mut s = fixtures::state();
    zoom_services_on(&mut s, "redis");
    update(&mut s, key('o'));
    assert_eq!(s.panes.services.sort, SortKey::Name);
    let names: Vec<_> = s.container_rows().iter().map(|(_, c)| c.name.clone()).collect();
    assert_eq!(names, ["api", "nginx", "redis", "web", "worker"]);
    assert_eq!(
        selected_name(&s).as_deref(),
        Some("redis"),
        "selection follows its container"
    );
    update(&mut s, key('O'));
    let names: Vec<_> = s.container_rows().iter().map(|(_, c)| c.name.clone()).collect();
    assert_eq!(names, ["worker", "web", "redis", "nginx", "api"]);
    assert_eq!(selected_name(&s).as_deref(), Some("redis"));
    // Every key is reachable and the walk comes back to worst first.
    let mut seen = vec![s.panes.services.sort];
    while s.panes.services.sort != SortKey::Worst {
        update(&mut s, key('o'));
        seen.push(s.panes.services.sort);
    }
    assert_eq!(seen.len(), SortKey::ALL.len(), "{seen:?}");
    assert!(!s.panes.services.reverse, "a new column starts in its natural order");
}

#[test]
fn cpu_sort_puts_the_busiest_first_and_unknown_last() {
    use opsdeck::app::SortKey;
    let mut s = fixtures::state();
    update(&mut s, key('1'));
    while s.panes.services.sort != SortKey::Cpu {
        update(&mut s, key('o'));
    }
    let cpu: Vec<_> = s
        .container_rows()
        .iter()
        .map(|(_, c)| c.usage.and_then(|u| u.cpu_pct))
        .collect();
    assert_eq!(cpu, [Some(7.5), Some(7.5), Some(4.5), Some(4.5), None]);
}

#[test]
fn selection_stays_on_its_container_when_a_poll_reorders_the_list() {
    let mut s = fixtures::state();
    zoom_services_on(&mut s, "nginx");
    let before = s.panes.services.selected;
    // redis becomes unhealthy: it moves to the top, nginx moves down one row.
    let mut rows = fixtures::docker_summary().containers;
    for c in rows.iter_mut().filter(|c| c.name == "redis") {
        c.status = "Up 3 hours (unhealthy)".into();
        c.health = opsdeck::backends::docker::Health::Unhealthy;
    }
    rows.sort_by_key(|c| c.rank());
    update(&mut s, docker_report(rows));
    assert_eq!(selected_name(&s).as_deref(), Some("nginx"));
    assert_ne!(s.panes.services.selected, before, "the row index moved with it");
}

#[test]
fn grouping_by_project_folds_with_enter() {
    let mut s = fixtures::state();
    update(&mut s, key('1'));
    update(&mut s, key('c'));
    assert!(s.panes.services.group_by_project);
    assert_eq!(s.row_count(PaneId::Services), 6, "a group line and five containers");
    update(&mut s, key('g'));
    update(&mut s, key('g'));
    assert!(selected_name(&s).is_none(), "the group line is selected");
    let cmds = update(&mut s, code(KeyCode::Enter));
    assert!(
        !cmds.iter().any(|c| matches!(c, Command::InspectContainer { .. })),
        "enter on a group folds it, it does not inspect: {cmds:?}"
    );
    assert_eq!(s.row_count(PaneId::Services), 1, "folded");
    assert!(
        update(&mut s, key('r')).iter().all(|c| !matches!(c, Command::Audit(_))),
        "no action on a group line"
    );
    assert!(s.shell.overlay.is_none(), "no confirm dialog for a group line");
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(s.row_count(PaneId::Services), 6, "unfolded");
    update(&mut s, key('c'));
    assert_eq!(s.row_count(PaneId::Services), 5);
}

#[test]
fn stats_are_asked_only_for_running_rows_on_screen() {
    use opsdeck::backends::docker::ContainerRow;
    let mut s = fixtures::state();
    update(&mut s, Msg::Resize(120, 30));
    let many: Vec<ContainerRow> = (0..200)
        .map(|i| fixtures::container(&format!("svc{i:03}"), "running", "Up 2 hours"))
        .collect();
    let dashboard = update(&mut s, docker_report(many));
    assert!(
        !dashboard
            .iter()
            .any(|c| matches!(c, Command::WatchStats { ids, .. } if !ids.is_empty())),
        "no stats while the table is not shown: {dashboard:?}"
    );
    let watched = |cmds: &[Command]| -> Vec<String> {
        cmds.iter()
            .find_map(|c| match c {
                Command::WatchStats { host, ids } if host == "local" => Some(ids.clone()),
                _ => None,
            })
            .unwrap_or_default()
    };
    let ids = watched(&update(&mut s, key('1')));
    let page = s.services_page();
    assert!(
        !ids.is_empty() && ids.len() <= page,
        "{} ids for a page of {page}",
        ids.len()
    );
    assert!(ids.contains(&"svc0000123456789abcdef".to_string()), "{ids:?}");
    assert!(!ids.contains(&"svc1990123456789abcdef".to_string()));
    // Moving within the page asks nothing new; paging to the end moves the window.
    assert!(watched(&update(&mut s, key('j'))).is_empty());
    let ids = watched(&update(&mut s, key('G')));
    assert!(ids.contains(&"svc1990123456789abcdef".to_string()), "{ids:?}");
    assert!(!ids.contains(&"svc0000123456789abcdef".to_string()));
    // Leaving the pane stops stats.
    let cmds = update(&mut s, key('0'));
    assert_eq!(
        cmds,
        vec![Command::WatchStats {
            host: "local".into(),
            ids: Vec::new()
        }]
    );
}

fn type_text(s: &mut opsdeck::app::State, text: &str) -> Vec<Command> {
    text.chars().flat_map(|c| update(s, key(c))).collect()
}

#[test]
fn cancel_asks_a_reason_and_sends_it_with_masked_queries() {
    use opsdeck::model::postgres::PgSignal;
    let mut s = fixtures::state();
    update(&mut s, key('2'));
    assert_eq!(s.row_count(PaneId::Database), 3);
    assert!(update(&mut s, key('c')).is_empty());
    assert!(matches!(&s.shell.overlay, Some(Overlay::Confirm { justification: Some(r), .. }) if r.text().is_empty()));
    // y and n are text here: they cannot confirm or cancel.
    assert!(type_text(&mut s, "ny").is_empty());
    assert!(matches!(&s.shell.overlay, Some(Overlay::Confirm { justification: Some(r), .. }) if r.text() == "ny"));
    for _ in 0..2 {
        update(&mut s, code(KeyCode::Backspace));
    }
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty(), "no reason, no action");
    assert!(s.shell.overlay.is_some());
    type_text(&mut s, "blocks checkout, INC-42");
    let cmds = update(&mut s, code(KeyCode::Enter));
    assert!(s.shell.overlay.is_none());
    match &cmds[..] {
        [Command::PgSignal {
            requests,
            op,
            justification,
            ..
        }] => {
            assert_eq!(*op, PgSignal::Cancel);
            assert_eq!(justification, "blocks checkout, INC-42");
            assert_eq!(requests.len(), 1);
            assert_eq!((requests[0].target.as_str(), requests[0].pid), ("main", 4242));
            assert_eq!(
                requests[0].query, "UPDATE orders SET status = '…' WHERE id = $1",
                "literals masked"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn marked_sessions_are_terminated_together_and_esc_cancels() {
    let mut s = fixtures::state();
    update(&mut s, key('2'));
    // Marking moves down, so two presses mark the first two rows.
    update(&mut s, key('j'));
    update(&mut s, key(' '));
    update(&mut s, key(' '));
    assert_eq!(s.panes.database.marked.len(), 2);
    update(&mut s, key('T'));
    match confirm_text(&s) {
        Some((title, lines)) => {
            assert!(title.contains("2 sessions"), "{title}");
            assert!(
                lines.iter().any(|l| l.contains("4250")) && lines.iter().any(|l| l.contains("4301")),
                "{lines:?}"
            );
        }
        None => panic!("{:?}", s.shell.overlay),
    }
    assert!(update(&mut s, code(KeyCode::Esc)).is_empty());
    assert!(s.shell.overlay.is_none());
    type_text(&mut s, "T");
    type_text(&mut s, "stuck sessions");
    let cmds = update(&mut s, code(KeyCode::Enter));
    assert!(
        matches!(&cmds[..], [Command::PgSignal { requests, .. }] if requests.iter().map(|r| r.pid).collect::<Vec<_>>() == [4250, 4301]),
        "{cmds:?}"
    );
}

#[test]
fn mark_similar_takes_the_same_user_and_state() {
    let mut s = fixtures::state();
    update(&mut s, key('2'));
    update(&mut s, key('*'));
    let marked: Vec<i32> = s.panes.database.marked.iter().map(|(_, pid)| *pid).collect();
    assert_eq!(marked, [4242], "only app's active session, not its idle one");
}

#[test]
fn opsdeck_own_session_and_read_only_are_refused() {
    let mut s = fixtures::state();
    if let Some(p) = s.backends.targets.iter_mut().find_map(|b| match &mut b.data {
        Some(opsdeck::backends::BackendData::Postgres(p)) => Some(p),
        _ => None,
    }) {
        p.own_pid = 4242;
    }
    update(&mut s, key('2'));
    assert!(update(&mut s, key('c')).is_empty());
    assert!(s.shell.overlay.is_none(), "no dialog for opsdeck's own session");
    assert!(s
        .shell
        .status
        .as_ref()
        .is_some_and(|m| m.text.contains("opsdeck's own session")));

    let mut s = fixtures::state();
    s.shell.read_only = true;
    update(&mut s, key('2'));
    let cmds = update(&mut s, key('T'));
    assert!(s.shell.overlay.is_none());
    assert!(
        matches!(&cmds[..], [Command::Audit(rec)] if rec.outcome == Outcome::Refused && rec.action == "backend.terminate"),
        "{cmds:?}"
    );
}

#[test]
fn session_details_show_the_full_query_and_the_lock() {
    let mut s = fixtures::state();
    update(&mut s, key('2'));
    update(&mut s, key('j'));
    update(&mut s, code(KeyCode::Enter));
    match &s.shell.overlay {
        Some(Overlay::Details {
            title,
            rows: Some(Ok(rows)),
            ..
        }) => {
            assert_eq!(title, "main pid 4250");
            let text = format!("{rows:?}");
            assert!(text.contains("SELECT count(*) FROM orders"), "{text}");
            assert!(text.contains("4250 ← 4242"), "{text}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn session_selection_follows_its_pid_when_a_poll_reorders() {
    let mut s = fixtures::state();
    update(&mut s, key('2'));
    update(&mut s, key('j'));
    assert_eq!(s.selected_backend().map(|(_, x)| x.pid), Some(4250));
    let mut p = fixtures::pg_summary();
    p.backends.rotate_right(1);
    update(&mut s, pg_report(p));
    assert_eq!(s.selected_backend().map(|(_, x)| x.pid), Some(4250));
    assert_eq!(s.panes.database.selected, 2, "the row moved, the selection with it");
    // A marked session that is gone is forgotten: its pid may be reused.
    update(&mut s, key(' '));
    assert_eq!(s.panes.database.marked.len(), 1);
    let mut p = fixtures::pg_summary();
    p.backends.retain(|x| x.pid != 4250);
    update(&mut s, pg_report(p));
    assert!(s.panes.database.marked.is_empty());
}

#[test]
fn database_thresholds_are_own_alerts_with_value_and_threshold() {
    let mut s = fixtures::state();
    let mut p = fixtures::pg_summary();
    p.deadlocks_delta = Some(2);
    p.cache_hit_pct = Some(91.5);
    update(&mut s, pg_report(p));
    let rows = opsdeck::app::panes::alerts::own::rows(&s);
    let summary = |name: &str| {
        rows.iter()
            .find(|r| r.name == name)
            .map(|r| r.summary.clone())
            .unwrap_or_else(|| panic!("{name} not raised: {rows:?}"))
    };
    assert_eq!(summary("PostgresCacheHitLow"), "cache hit 91.5% (warn under 95%)");
    assert_eq!(summary("PostgresDeadlocks"), "2 deadlocks since the last poll");
    assert!(summary("PostgresLongQuery").contains("412 s (warn at 300 s)"));
    assert!(summary("PostgresReplicationLag").contains("42 s behind"));
    assert!(summary("PostgresBackupStale").contains("max 93600 s"));
    assert!(summary("PostgresBlockedSessions").starts_with("1 session waiting on locks"));
}

#[test]
fn alerts_filter_takes_alertmanager_matchers() {
    let mut s = fixtures::state();
    update(&mut s, key('3'));
    let all = s.row_count(PaneId::Alerts);
    update(&mut s, key('/'));
    assert!(s.panes.alerts.filter_typing);
    type_text(&mut s, r#"severity="critical""#);
    let names: Vec<String> = s.alert_rows().iter().map(|(_, a)| a.name.clone()).collect();
    assert_eq!(names, ["PostgresDown"], "applied as it is typed");
    // A half-typed matcher does not parse: the last good one stays, the error shows.
    type_text(&mut s, r#", instance=~"db"#);
    assert!(
        s.panes
            .alerts
            .filter
            .error
            .as_deref()
            .is_some_and(|e| e.contains("quote")),
        "{:?}",
        s.panes.alerts.filter.error
    );
    assert_eq!(s.row_count(PaneId::Alerts), 1);
    type_text(&mut s, r#".*""#);
    assert!(s.panes.alerts.filter.error.is_none());
    update(&mut s, code(KeyCode::Enter));
    assert!(!s.panes.alerts.filter_typing);
    assert_eq!(s.row_count(PaneId::Alerts), 1);
    // opsdeck's own alerts carry labels too: one filter for both sources.
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.row_count(PaneId::Alerts), all, "esc clears the filter");
    update(&mut s, key('/'));
    type_text(&mut s, r#"source="opsdeck", alertname=~"Postgres.*""#);
    update(&mut s, code(KeyCode::Enter));
    assert!(s.row_count(PaneId::Alerts) >= 4, "the database alerts of opsdeck");
    assert!(s
        .alert_rows()
        .iter()
        .all(|(src, a)| src.is_none() && a.name.starts_with("Postgres")));
}

fn alerts_report(summary: opsdeck::backends::alertmanager::AlertsSummary) -> Msg {
    Msg::Backend(BackendReport {
        id: fixtures::id(BackendKind::Alertmanager, "prod"),
        at: fixtures::t0(),
        next_in: Default::default(),
        result: Ok(opsdeck::backends::BackendData::Alerts(summary.into())),
    })
}

#[test]
fn a_new_critical_alert_rings_once_and_deadlines_follow_severity() {
    use opsdeck::backends::alertmanager::Severity;
    let mut s = fixtures::state();
    let first = update(&mut s, alerts_report(fixtures::alerts_summary()));
    assert!(
        !first.contains(&Command::Bell),
        "the fixture's critical alert was already seen: {first:?}"
    );
    let mut more = fixtures::alerts_summary();
    let mut new = more.alerts[0].clone();
    new.fingerprint = "new-one".into();
    new.name = "ApiDown".into();
    more.alerts.push(new);
    assert!(
        update(&mut s, alerts_report(more.clone())).contains(&Command::Bell),
        "a new critical rings"
    );
    assert!(
        !update(&mut s, alerts_report(more.clone())).contains(&Command::Bell),
        "once"
    );
    assert_eq!(s.firing_critical(), 2);

    let row = |sev: Severity| {
        let mut r = more.alerts[0].clone();
        r.severity = sev;
        r
    };
    let started = more.alerts[0].starts_at;
    assert_eq!(
        s.respond_by(None, &row(Severity::Critical)),
        Some(started),
        "critical: immediately"
    );
    assert_eq!(
        s.respond_by(None, &row(Severity::Warning)),
        Some(started + chrono::Duration::hours(1))
    );
    assert_eq!(
        s.respond_by(None, &row(Severity::Info)),
        Some(started + chrono::Duration::hours(24))
    );
    let mut silenced = row(Severity::Critical);
    silenced.state = "suppressed".into();
    assert_eq!(s.respond_by(None, &silenced), None, "a silenced alert has no deadline");

    s.setup.alerts.bell = false;
    let mut third = more;
    let mut again = third.alerts[0].clone();
    again.fingerprint = "third".into();
    third.alerts.push(again);
    assert!(
        !update(&mut s, alerts_report(third)).contains(&Command::Bell),
        "bell = false"
    );
}

/// Select the alert named `name` in the zoomed Alerts pane.
fn select_alert(s: &mut opsdeck::app::State, name: &str) {
    update(s, key('3'));
    let i = s
        .alert_lines()
        .iter()
        .position(|l| matches!(l, opsdeck::app::AlertLine::Alert(_, a) if a.name == name))
        .unwrap_or_else(|| panic!("{name} not listed"));
    s.panes.alerts.selected = i;
}

fn ack_dialog(s: &opsdeck::app::State) -> &opsdeck::app::AckDialog {
    match &s.shell.overlay {
        Some(Overlay::Ack(d)) => d,
        other => panic!("no ack dialog: {other:?}"),
    }
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

#[test]
fn ack_shows_the_exact_matchers_and_needs_a_comment_and_a_duration() {
    let mut s = fixtures::state();
    s.setup
        .ack_durations
        .insert("prod".into(), std::time::Duration::from_secs(1800));
    select_alert(&mut s, "DiskAlmostFull");
    assert!(update(&mut s, key('a')).is_empty());
    let d = ack_dialog(&s);
    let (title, lines) = opsdeck::ui::ack_text(d);
    assert_eq!(title, "Acknowledge DiskAlmostFull?");
    assert_eq!(d.duration(), "30m", "ack_duration of that Alertmanager");
    assert!(lines[0].contains("created by alice"), "{:?}", lines);
    assert!(lines.contains(&r#"  severity="warning""#.to_string()), "{:?}", lines);
    assert!(lines.contains(&r#"  alertname="DiskAlmostFull""#.to_string()));
    // Which alerts the silence will hold, before it is sent.
    assert!(
        lines.contains(&"it holds 1 alert(s) listed now:".to_string()),
        "{:?}",
        lines
    );
    assert!(lines.contains(&"  DiskAlmostFull db-1:9100".to_string()), "{:?}", lines);

    assert!(update(&mut s, code(KeyCode::Enter)).is_empty(), "a comment is required");
    assert!(ack_dialog(&s)
        .error
        .as_deref()
        .is_some_and(|e| e.contains("comment is required")));
    // y and n are text here, not yes and no.
    type_text(&mut s, "disk cleanup running, y n");
    update(&mut s, code(KeyCode::Tab));
    update(&mut s, ctrl('u'));
    type_text(&mut s, "soon");
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    assert!(
        ack_dialog(&s).error.as_deref().is_some_and(|e| e.contains("\"soon\"")),
        "{:?}",
        ack_dialog(&s).error
    );
    update(&mut s, ctrl('u'));
    type_text(&mut s, "45m");
    let cmds = update(&mut s, code(KeyCode::Enter));
    match &cmds[..] {
        [Command::Acknowledge {
            targets,
            comment,
            duration,
            ..
        }] => {
            assert_eq!(comment, "ack: disk cleanup running, y n");
            assert_eq!(*duration, std::time::Duration::from_secs(45 * 60));
            let [t] = &targets[..] else { panic!("{targets:?}") };
            assert_eq!(t.source.as_deref(), Some("prod"));
            assert_eq!(t.labels.get("alertname").map(String::as_str), Some("DiskAlmostFull"));
            assert_eq!(t.labels.len(), 3);
        }
        other => panic!("{other:?}"),
    }
    assert!(s.shell.overlay.is_none());
}

#[test]
fn ack_and_expire_refusals() {
    // A silenced one is not acked twice.
    let mut s = fixtures::state();
    select_alert(&mut s, "Watchdog");
    assert!(update(&mut s, key('a')).is_empty());
    assert!(
        s.shell.overlay.is_none()
            && s.shell
                .status
                .as_ref()
                .is_some_and(|m| m.text.contains("already silenced"))
    );
    // Expire asks first and names the silence, who made it and why.
    update(&mut s, key('e'));
    assert!(
        matches!(
            &s.shell.overlay,
            Some(Overlay::Confirm {
                justification: None,
                ..
            })
        ) && matches!(confirm_text(&s), Some((_, lines))
            if lines.contains(&"silence s-1 by ops: Watchdog goes to the dead man's switch only".to_string())),
        "{:?}",
        s.shell.overlay
    );
    let cmds = update(&mut s, key('y'));
    assert_eq!(
        cmds,
        vec![Command::ExpireSilences {
            source: "prod".into(),
            ids: vec!["s-1".into()],
            session: None,
        }]
    );
    // Read-only refuses and audits the refusal, for opsdeck's own alerts too.
    for name in ["PostgresDown", "ContainerUnhealthy"] {
        let mut s = fixtures::state();
        s.shell.read_only = true;
        select_alert(&mut s, name);
        let cmds = update(&mut s, key('a'));
        assert!(
            matches!(&cmds[..], [Command::Audit(rec)] if rec.outcome == Outcome::Refused && rec.action == "alert.ack"),
            "{cmds:?}"
        );
        assert!(s.shell.overlay.is_none());
    }
}

fn own_ack(s: &opsdeck::app::State, name: &str, minutes: i64) -> opsdeck::store::AckRecord {
    let (_, a) = s
        .all_alerts()
        .into_iter()
        .find(|(src, a)| src.is_none() && a.name == name)
        .expect("own alert");
    opsdeck::store::AckRecord {
        source: "opsdeck".into(),
        fingerprint: a.fingerprint.clone(),
        alertname: a.name.clone(),
        operator: "carol".into(),
        comment: "ack: restarting it".into(),
        acked_at: s.shell.now,
        until: s.shell.now + chrono::Duration::minutes(minutes),
        silence_id: None,
    }
}

#[test]
fn own_alerts_are_acknowledged_in_the_store_and_show_as_such() {
    let mut s = fixtures::state();
    select_alert(&mut s, "ContainerUnhealthy");
    update(&mut s, key('a'));
    let (_, lines) = opsdeck::ui::ack_text(ack_dialog(&s));
    assert!(
        lines[0].contains("1 of opsdeck's own alert(s), acknowledged in the state store"),
        "{:?}",
        lines
    );
    type_text(&mut s, "on it");
    let cmds = update(&mut s, code(KeyCode::Enter));
    let [Command::Acknowledge { targets, .. }] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    assert_eq!(targets[0].source, None, "opsdeck's own: no Alertmanager");
    // Shown as acknowledged only once the store has it (the runtime's Msg::Acked).
    assert!(s
        .alert_rows()
        .iter()
        .any(|(_, a)| a.name == "ContainerUnhealthy" && !a.is_quiet()));
    let ack = own_ack(&s, "ContainerUnhealthy", 30);
    update(&mut s, Msg::Acked(ack));
    let (src, row) = s
        .alert_rows()
        .into_iter()
        .find(|(_, a)| a.name == "ContainerUnhealthy")
        .expect("still listed");
    assert!(row.is_quiet());
    assert_eq!(s.alert_state_word(src, &row), "acked");
    assert_eq!(s.respond_by(None, &row), None, "no deadline once acknowledged");
    // The ack ends by itself after its duration.
    s.shell.now += chrono::Duration::minutes(31);
    let row = s
        .alert_rows()
        .into_iter()
        .find(|(_, a)| a.name == "ContainerUnhealthy")
        .expect("still listed")
        .1;
    assert!(!row.is_quiet(), "the ack ran out");
    // `e` ends a holding ack, after a yes.
    s.shell.now -= chrono::Duration::minutes(31);
    select_alert(&mut s, "ContainerUnhealthy");
    update(&mut s, key('e'));
    assert!(matches!(confirm_text(&s), Some((title, _)) if title == "End the acknowledgement?"));
    let cmds = update(&mut s, key('y'));
    assert!(
        matches!(&cmds[..], [Command::EndOwnAck { name, .. }] if name == "ContainerUnhealthy"),
        "{cmds:?}"
    );
}

#[test]
fn alerts_group_by_a_label_fold_and_ack_a_whole_group() {
    use opsdeck::app::AlertLine;
    let mut s = fixtures::state();
    let mut summary = fixtures::alerts_summary();
    let mut second = summary.alerts[1].clone();
    second.fingerprint = "disk-2".into();
    second.instance = "db-2:9100".into();
    second.labels.insert("instance".into(), "db-2:9100".into());
    summary.alerts.push(second);
    update(&mut s, alerts_report(summary));
    update(&mut s, key('3'));
    let flat = s.row_count(PaneId::Alerts);
    update(&mut s, key('c'));
    let groups = |s: &opsdeck::app::State| -> Vec<(String, usize, usize, bool)> {
        s.alert_lines()
            .iter()
            .filter_map(|l| match l {
                AlertLine::Group(g) => Some((g.key.clone(), g.total, g.firing, g.folded)),
                AlertLine::Alert(..) => None,
            })
            .collect()
    };
    let g = groups(&s);
    assert_eq!(g[0].0, "PostgresDown", "the worst group first: {g:?}");
    let disk = g.iter().find(|g| g.0 == "DiskAlmostFull").expect("disk group");
    assert_eq!((disk.1, disk.2), (2, 2));
    assert_eq!(s.row_count(PaneId::Alerts), flat + g.len());
    // Enter on a group head folds it; again unfolds.
    let head = s
        .alert_lines()
        .iter()
        .position(|l| matches!(l, AlertLine::Group(g) if g.key == "DiskAlmostFull"))
        .expect("head");
    s.panes.alerts.selected = head;
    update(&mut s, code(KeyCode::Enter));
    assert!(s.shell.overlay.is_none(), "a fold, not details");
    assert_eq!(s.row_count(PaneId::Alerts), flat + g.len() - 2);
    // Acknowledging the group silences each of its alerts.
    update(&mut s, key('a'));
    let d = ack_dialog(&s);
    let (title, lines) = opsdeck::ui::ack_text(d);
    assert_eq!(title, "Acknowledge 2 alerts?");
    assert_eq!(d.targets.len(), 2);
    assert!(lines.iter().any(|l| l.contains("db-2:9100")), "{:?}", lines);
    update(&mut s, code(KeyCode::Esc));
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(s.row_count(PaneId::Alerts), flat + g.len());
    // C steps to the next label; c goes back to one list.
    update(&mut s, key('C'));
    assert_eq!(s.panes.alerts.group_by.as_deref(), Some("instance"));
    assert!(groups(&s).iter().any(|g| g.0 == "db-2:9100"));
    update(&mut s, key('c'));
    assert_eq!(s.row_count(PaneId::Alerts), flat);
}

#[test]
fn cluster_members_are_merged_without_duplicates() {
    let mut s = fixtures::state();
    let d = std::time::Duration::from_secs;
    s.backends.targets.push(opsdeck::app::BackendStatus::new(
        fixtures::id(BackendKind::Alertmanager, "prod-b"),
        d(15),
        d(3),
    ));
    for m in ["prod", "prod-b"] {
        s.setup.clusters.insert(m.into(), "prod-cluster".into());
    }
    let report = |name: &str, result: Result<opsdeck::backends::alertmanager::AlertsSummary, String>| {
        Msg::Backend(BackendReport {
            id: fixtures::id(BackendKind::Alertmanager, name),
            at: s_now(),
            next_in: Default::default(),
            result: result.map(|a| opsdeck::backends::BackendData::Alerts(a.into())),
        })
    };
    fn s_now() -> chrono::DateTime<chrono::Utc> {
        fixtures::t0()
    }
    update(&mut s, report("prod", Ok(fixtures::alerts_summary())));
    update(&mut s, report("prod-b", Ok(fixtures::alerts_summary())));
    let from_am = |s: &opsdeck::app::State| -> Vec<String> {
        s.alert_rows()
            .iter()
            .filter(|(src, _)| src.is_some())
            .map(|(src, a)| format!("{}:{}", s.alert_source_name(*src), a.name))
            .collect()
    };
    let merged = from_am(&s);
    assert_eq!(merged.len(), fixtures::alerts_summary().alerts.len(), "{merged:?}");
    assert!(merged.iter().all(|m| m.starts_with("prod-cluster:")), "{merged:?}");
    // One member down: the other speaks for the cluster, with its own list
    // (an alert resolved meanwhile does not linger from the down member).
    let mut fewer = fixtures::alerts_summary();
    fewer.alerts.retain(|a| a.name != "DiskAlmostFull");
    update(&mut s, report("prod", Err("connection refused".into())));
    update(&mut s, report("prod-b", Ok(fewer)));
    let now = from_am(&s);
    assert_eq!(now.len(), fixtures::alerts_summary().alerts.len() - 1, "{now:?}");
    assert!(!now.iter().any(|m| m.ends_with(":DiskAlmostFull")));
}

#[test]
fn details_show_silences_and_the_history_here() {
    let mut s = fixtures::state();
    update(&mut s, alerts_report(fixtures::alerts_summary()));
    let ack = opsdeck::store::AckRecord {
        source: "prod".into(),
        fingerprint: "NodeLoadHigh".into(),
        alertname: "NodeLoadHigh".into(),
        operator: "bob".into(),
        comment: "ack: draining the node".into(),
        acked_at: fixtures::t0() - chrono::Duration::minutes(12),
        until: fixtures::t0() + chrono::Duration::minutes(108),
        silence_id: Some("s-2".into()),
    };
    update(&mut s, Msg::AcksLoaded(Ok(vec![ack])));
    select_alert(&mut s, "NodeLoadHigh");
    update(&mut s, code(KeyCode::Enter));
    let Some(Overlay::Details {
        rows: Some(Ok(rows)), ..
    }) = &s.shell.overlay
    else {
        panic!("{:?}", s.shell.overlay)
    };
    let text: Vec<String> = rows.iter().map(|r| format!("{r:?}")).collect();
    let has = |needle: &str| text.iter().any(|t| t.contains(needle));
    assert!(has("\"acked\""), "state word: {text:?}");
    assert!(
        has("draining the node") && has("instance=\\\"db-1:9100\\\""),
        "{text:?}"
    );
    assert!(has("seen here since"), "{text:?}");
    assert!(has("by bob, until") && has("silence s-2"), "{text:?}");
}

#[test]
fn a_missing_heartbeat_alert_is_an_alert_of_its_own() {
    let mut s = fixtures::state();
    s.setup.heartbeats.insert("prod".into(), "Watchdog".into());
    update(&mut s, alerts_report(fixtures::alerts_summary()));
    let raised = |s: &opsdeck::app::State| {
        opsdeck::app::panes::alerts::own::rows(s)
            .iter()
            .any(|r| r.name == "AlertingPipelineBroken")
    };
    assert!(!raised(&s), "Watchdog is there (even silenced)");
    let mut without = fixtures::alerts_summary();
    without.alerts.retain(|a| a.name != "Watchdog");
    let cmds = update(&mut s, alerts_report(without));
    assert!(raised(&s));
    assert!(cmds.contains(&Command::Bell), "it is critical: the bell rings");
    let row = opsdeck::app::panes::alerts::own::rows(&s)
        .into_iter()
        .find(|r| r.name == "AlertingPipelineBroken")
        .expect("raised");
    assert_eq!(row.instance, "prod");
    assert!(row.summary.contains("Watchdog is missing"), "{}", row.summary);
    // While present, the heartbeat asks nothing of anyone: no deadline.
    update(&mut s, alerts_report(fixtures::alerts_summary()));
    let (src, watchdog) = s
        .alert_rows()
        .into_iter()
        .find(|(_, a)| a.name == "Watchdog")
        .map(|(src, a)| (src, a.into_owned()))
        .expect("listed");
    assert_eq!(s.alert_state_word(src, &watchdog), "heartbeat");
    let mut firing = watchdog.clone();
    firing.state = "active".into();
    assert_eq!(s.respond_by(src, &firing), None, "the heartbeat has no deadline");
    assert!(!s.needs_response(src, &firing));
}

#[test]
fn silenced_alerts_can_be_hidden() {
    let mut s = fixtures::state();
    update(&mut s, key('3'));
    let all = s.row_count(PaneId::Alerts);
    assert!(s.alert_rows().iter().any(|(_, a)| a.name == "Watchdog"));
    update(&mut s, key('s'));
    assert_eq!(
        s.row_count(PaneId::Alerts),
        all - 2,
        "Watchdog and NodeLoadHigh are silenced"
    );
    assert!(!s.alert_rows().iter().any(|(_, a)| a.name == "Watchdog"));
    update(&mut s, key('s'));
    assert_eq!(s.row_count(PaneId::Alerts), all);
}

#[test]
fn an_alert_of_opsdecks_own_raised_by_a_docker_report_is_noted_and_rings_once() {
    let mut s = fixtures::state();
    let docker_down = Msg::Backend(BackendReport {
        id: fixtures::id(BackendKind::Docker, "local"),
        at: fixtures::t0(),
        next_in: Default::default(),
        result: Err("connection refused".into()),
    });
    let cmds = update(&mut s, docker_down.clone());
    assert!(
        cmds.contains(&Command::Bell),
        "a Docker host down is a critical alert of opsdeck's own: the bell rings"
    );
    assert!(opsdeck::app::panes::alerts::own::rows(&s)
        .iter()
        .any(|r| r.name == "DockerHostDown"));
    let seen = s.panes.alerts.first_seen.clone();
    assert!(seen.len() > 1, "Alertmanager's alerts and opsdeck's own are noted");
    // The same again, and an Alertmanager answer that did not change: nothing new.
    assert!(!update(&mut s, docker_down).contains(&Command::Bell));
    assert!(update(&mut s, alerts_report(fixtures::alerts_summary())).is_empty());
    assert_eq!(s.panes.alerts.first_seen, seen);
}

#[test]
fn history_not_recorded_is_said_in_the_footer_with_the_bell() {
    let mut s = fixtures::state();
    let cmds = update(
        &mut s,
        Msg::History {
            ok: false,
            text: "history: not recorded — disk full".into(),
        },
    );
    assert_eq!(cmds, vec![Command::Bell]);
    let status = s.shell.status.clone().expect("a footer line");
    assert_eq!(
        (status.text.as_str(), status.level),
        ("history: not recorded — disk full", opsdeck::app::Level::Error)
    );
    update(&mut s, Msg::DismissStatus);
    assert_eq!(
        s.shell.not_recorded.as_deref(),
        Some("history: not recorded — disk full"),
        "the header keeps saying it after the footer line went"
    );
    let cmds = update(
        &mut s,
        Msg::History {
            ok: true,
            text: "history: recording again".into(),
        },
    );
    assert!(cmds.is_empty());
    assert_eq!(
        s.shell.status.map(|l| l.text).as_deref(),
        Some("history: recording again")
    );
    assert_eq!(s.shell.not_recorded, None);
}

/// An audit failure on screen is not hidden by the recorder's own trouble.
#[test]
fn history_not_recorded_does_not_hide_an_audit_failure() {
    let mut s = fixtures::state();
    update(&mut s, Msg::AuditFailed("disk is read-only".into()));
    let cmds = update(
        &mut s,
        Msg::History {
            ok: false,
            text: "history: not recorded — read-only".into(),
        },
    );
    assert!(cmds.is_empty(), "{cmds:?}");
    let status = s.shell.status.map(|l| l.text).unwrap_or_default();
    assert!(status.starts_with("AUDIT NOT WRITTEN"), "{status}");
}

// History mode: the flight recorder's past on screen, live data kept aside.

mod history_mode {
    use super::*;
    use opsdeck::app::{HistoryAsk, RecordedMoment};
    use opsdeck::backends::BackendData;

    /// The recorded moment of these tests: 14 minutes before the fixtures' clock.
    fn then() -> chrono::DateTime<chrono::Utc> {
        fixtures::t0() - chrono::Duration::minutes(14)
    }

    fn docker_with(names: &[&str], at: chrono::DateTime<chrono::Utc>) -> BackendReport {
        let mut summary = fixtures::docker_summary();
        summary.containers = names
            .iter()
            .map(|n| fixtures::container(n, "running", "Up 3 hours"))
            .collect();
        BackendReport {
            id: fixtures::id(BackendKind::Docker, "local"),
            at,
            next_in: Default::default(),
            result: Ok(BackendData::Docker(summary)),
        }
    }

    fn shown_containers(s: &opsdeck::app::State) -> Vec<String> {
        s.backends
            .targets
            .iter()
            .find_map(|b| b.docker())
            .map(|d| d.containers.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default()
    }

    /// `H`, then the store's answer: a moment where only "old-web" ran.
    fn in_history() -> opsdeck::app::State {
        let mut s = fixtures::state();
        update(&mut s, key('H'));
        update(
            &mut s,
            Msg::HistoryLoaded {
                ask: HistoryAsk::Before(fixtures::t0()),
                result: Ok(Some(RecordedMoment {
                    at: then(),
                    reports: vec![docker_with(&["old-web"], then() - chrono::Duration::seconds(2))],
                })),
            },
        );
        s
    }

    #[test]
    fn h_enters_history_asking_for_the_last_change_before_now() {
        let mut s = fixtures::state();
        assert_eq!(
            update(&mut s, key('H')),
            vec![Command::LoadHistory(HistoryAsk::Before(fixtures::t0()))]
        );
        assert!(s.history.is_some());
    }

    #[test]
    fn the_recorded_moment_is_shown_instead_of_live_data() {
        let s = in_history();
        assert_eq!(shown_containers(&s), vec!["old-web"]);
        assert_eq!(s.shell.now, then(), "freshness and ages read as at the moment shown");
        assert_eq!(s.wall_now(), fixtures::t0());
        let pg = s.backends.targets.iter().find(|b| b.id.kind == BackendKind::Postgres);
        assert!(
            pg.is_some_and(|b| b.data.is_none()),
            "nothing recorded for it: nothing shown"
        );
        let docker = s.backends.targets.iter().find(|b| b.id.kind == BackendKind::Docker);
        assert_eq!(docker.map(|b| b.freshness(s.shell.now)), Some(Freshness::Ok));
    }

    #[test]
    fn live_reports_in_history_wait_aside_and_are_shown_after_esc() {
        let mut s = in_history();
        let later = fixtures::t0() + chrono::Duration::seconds(1);
        update(&mut s, Msg::Tick(later));
        assert_eq!(s.shell.now, then(), "the clock does not move the moment shown");
        update(&mut s, Msg::Backend(docker_with(&["new-web"], later)));
        assert_eq!(shown_containers(&s), vec!["old-web"]);
        s.shell.status = None;
        update(&mut s, code(KeyCode::Esc));
        assert!(s.history.is_none());
        assert_eq!(shown_containers(&s), vec!["new-web"]);
        assert_eq!(s.shell.now, later);
        let pg = s.backends.targets.iter().find(|b| b.id.kind == BackendKind::Postgres);
        assert!(
            pg.is_some_and(|b| b.data.is_some()),
            "the rest of the live data is back"
        );
    }

    #[test]
    fn esc_closes_a_filter_before_leaving_history() {
        let mut s = in_history();
        update(&mut s, key('1'));
        update(&mut s, key('/'));
        update(&mut s, key('x'));
        update(&mut s, code(KeyCode::Enter));
        assert!(s.panes.services.filter.text.is_some());
        s.shell.status = None;
        update(&mut s, code(KeyCode::Esc));
        assert!(s.panes.services.filter.text.is_none());
        assert!(s.history.is_some(), "the filter went first");
        update(&mut s, code(KeyCode::Esc));
        assert!(s.history.is_none());
        assert_eq!(s.shell.view, View::Zoom(PaneId::Services), "back to live, same pane");
    }

    #[test]
    fn actions_with_side_effects_are_refused_read_only() {
        let mut s = in_history();
        update(&mut s, key('1'));
        let commands = update(&mut s, key('r'));
        assert!(commands.is_empty(), "no restart, no audited refusal: {commands:?}");
        assert!(s.shell.overlay.is_none());
        assert_eq!(
            s.shell.status.as_ref().map(|l| l.text.as_str()),
            Some("history: read-only")
        );
        assert_eq!(s.write_refusal().as_deref(), Some("history: read-only"));
    }

    /// A log and a container's details are read live: over a past moment
    /// the log is refused and the details say they are today's.
    #[test]
    fn logs_are_refused_and_details_say_they_are_live() {
        let mut s = in_history();
        update(&mut s, key('1'));
        assert!(update(&mut s, key('l')).is_empty(), "no log followed");
        assert!(s.panes.logs.open.is_none());
        let status = s.shell.status.as_ref().map(|l| l.text.clone()).unwrap_or_default();
        assert!(status.contains("logs are live only"), "{status}");
        let commands = update(&mut s, code(KeyCode::Enter));
        assert!(
            matches!(commands.as_slice(), [Command::InspectContainer { .. }]),
            "{commands:?}"
        );
        update(
            &mut s,
            Msg::Inspected {
                container: "old-web".into(),
                result: Ok(vec![opsdeck::model::docker::Row::Field("image".into(), "nginx".into())]),
            },
        );
        let Some(Overlay::Details {
            rows: Some(Ok(rows)), ..
        }) = &s.shell.overlay
        else {
            panic!("no details: {:?}", s.shell.overlay);
        };
        assert_eq!(
            rows.first(),
            Some(&opsdeck::model::docker::Row::Section(
                "live now, not as recorded".into()
            ))
        );
    }

    #[test]
    fn steps_ask_for_the_neighbouring_changes_and_five_minutes() {
        let mut s = in_history();
        let step = |s: &mut opsdeck::app::State, c| update(s, key(c));
        assert_eq!(
            step(&mut s, '['),
            vec![Command::LoadHistory(HistoryAsk::Before(then()))]
        );
        assert_eq!(step(&mut s, ']'), vec![Command::LoadHistory(HistoryAsk::After(then()))]);
        let five = chrono::Duration::minutes(5);
        assert_eq!(
            step(&mut s, '{'),
            vec![Command::LoadHistory(HistoryAsk::At(then() - five))]
        );
        assert_eq!(
            step(&mut s, '}'),
            vec![Command::LoadHistory(HistoryAsk::At(then() + five))]
        );
        // Only the last asked is shown: an earlier answer arriving late is dropped.
        update(
            &mut s,
            Msg::HistoryLoaded {
                ask: HistoryAsk::Before(then()),
                result: Ok(Some(RecordedMoment {
                    at: then() - five,
                    reports: Vec::new(),
                })),
            },
        );
        assert_eq!(s.shell.now, then());
        // Five minutes past now is now.
        let mut s = fixtures::state();
        update(&mut s, key('H'));
        update(
            &mut s,
            Msg::HistoryLoaded {
                ask: HistoryAsk::Before(fixtures::t0()),
                result: Ok(Some(RecordedMoment {
                    at: fixtures::t0() - chrono::Duration::minutes(1),
                    reports: Vec::new(),
                })),
            },
        );
        assert_eq!(
            update(&mut s, key('}')),
            vec![Command::LoadHistory(HistoryAsk::At(fixtures::t0()))]
        );
    }

    #[test]
    fn nothing_recorded_stays_live_and_says_so() {
        let mut s = fixtures::state();
        update(&mut s, key('H'));
        update(
            &mut s,
            Msg::HistoryLoaded {
                ask: HistoryAsk::Before(fixtures::t0()),
                result: Ok(None),
            },
        );
        assert!(s.history.is_none());
        assert_eq!(
            s.shell.status.as_ref().map(|l| l.text.as_str()),
            Some("history: nothing recorded before 03:00:00")
        );
    }

    #[test]
    fn t_goes_to_a_typed_time() {
        let mut s = fixtures::state();
        update(&mut s, key('t'));
        assert!(s.shell.overlay.is_none(), "live: t opens nothing");
        let mut s = in_history();
        update(&mut s, key('t'));
        assert!(matches!(s.shell.overlay, Some(Overlay::HistoryAt(_))));
        for c in "-15m".chars() {
            update(&mut s, key(c));
        }
        let fifteen = chrono::Duration::minutes(15);
        assert_eq!(
            update(&mut s, code(KeyCode::Enter)),
            vec![Command::LoadHistory(HistoryAsk::At(fixtures::t0() - fifteen))]
        );
        assert!(s.shell.overlay.is_none() && s.history.is_some());
        // A time to come is now; what cannot be read says so.
        update(&mut s, key('t'));
        for c in "23:59".chars() {
            update(&mut s, key(c));
        }
        assert_eq!(
            update(&mut s, code(KeyCode::Enter)),
            vec![Command::LoadHistory(HistoryAsk::At(fixtures::t0()))]
        );
        update(&mut s, key('t'));
        for c in "soon".chars() {
            update(&mut s, key(c));
        }
        assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
        let status = s.shell.status.as_ref().map(|l| l.text.clone()).unwrap_or_default();
        assert!(status.starts_with("history: cannot read time \"soon\""), "{status}");
    }
}

/// `E` in an open session asks for its evidence pack, read-only or not
/// (a pack only reads systems); with no session, or a closed one, nothing
/// is asked and the footer says why.
#[test]
fn e_in_an_open_session_captures_its_evidence() {
    use fixtures::checklist;
    let mut s = fixtures::state();
    update(&mut s, key('5'));
    assert!(update(&mut s, key('E')).is_empty(), "no session open");
    assert!(
        s.shell
            .status
            .as_ref()
            .is_some_and(|st| format!("{st:?}").contains("session first")),
        "{:?}",
        s.shell.status
    );
    let session = checklist::session();
    let id = session.meta.id.clone();
    update(&mut s, Msg::SessionOpened(Box::new(session.clone())));
    s.shell.read_only = true;
    let cmds = update(&mut s, key('E'));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::CaptureEvidence { incident } if *incident == id)),
        "{cmds:?}"
    );
    assert!(
        format!("{:?}", s.shell.status).contains("capturing"),
        "{:?}",
        s.shell.status
    );

    let mut closed = session;
    closed.meta.closed_at = Some(closed.meta.started_at);
    update(&mut s, Msg::SessionOpened(Box::new(closed)));
    assert!(update(&mut s, key('E')).is_empty(), "a closed session takes no pack");
}
