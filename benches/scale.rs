//! opsdeck at scale, every pane full at once: 1,000 containers, 10,000
//! alerts, 500 database sessions and 50,000 access rows. Criterion times
//! what the UI task does per frame (a message through update, then a frame
//! 200x50): a clock tick, a key in each zoomed pane, and a changed poll
//! report of each kind, and a team store's re-read of a checklist session
//! of 5,000 events. A counting allocator tells how much memory the
//! loaded state holds; it prints before the timings.

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use crossterm::event::{KeyCode, KeyEvent};
use opsdeck::app::{update, Msg, PaneId, State, View};
use opsdeck::backends::access::{flagged, AccessLoad, FlagRules};
use opsdeck::backends::{BackendData, BackendKind, BackendReport};
use opsdeck::config::theme::{ColorSupport, Theme};
use opsdeck::runbook::model::CheckResult;
use opsdeck::runbook::session::{Event, EventKind, Session};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes allocated and not yet freed, for the memory figure.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const CONTAINERS: usize = 1_000;
const ALERTS: usize = 10_000;
const SESSIONS: i32 = 500;
const ACCESS_ROWS: usize = 50_000;
/// A long incident: every check re-run every 30 s for hours, with notes.
const SESSION_EVENTS: usize = 5_000;
const SIZE: (u16, u16) = (200, 50);

fn docker_report(changed: usize) -> Msg {
    let mut summary = fixtures::docker_summary();
    summary.containers = (0..CONTAINERS)
        .map(|i| {
            let name = format!("svc{i:04}");
            let mut row = if i == changed {
                fixtures::container(&name, "exited", "Exited (137) 1 second ago")
            } else if i % 97 == 0 {
                fixtures::container(&name, "running", "Up 3 hours (unhealthy)")
            } else {
                fixtures::container(&name, "running", "Up 3 hours")
            };
            row.compose_project = Some(format!("proj{}", i % 20));
            row
        })
        .collect();
    summary
        .containers
        .sort_by(|a, b| a.rank().cmp(&b.rank()).then_with(|| a.name.cmp(&b.name)));
    report(BackendKind::Docker, "local", BackendData::Docker(summary))
}

fn alerts_report(body: &[u8], changed: bool) -> Msg {
    let mut summary = opsdeck::backends::alertmanager::parse_alerts(body).expect("decode");
    if changed {
        summary.alerts[0].summary.push_str(" (changed)");
    }
    report(BackendKind::Alertmanager, "prod", BackendData::Alerts(summary.into()))
}

fn pg_report(longest: f64) -> Msg {
    let mut busy = fixtures::pg_summary();
    busy.backends = fixtures::busy_sessions(SESSIONS, longest);
    report(BackendKind::Postgres, "main", BackendData::Postgres(Box::new(busy)))
}

fn report(kind: BackendKind, name: &str, data: BackendData) -> Msg {
    Msg::Backend(BackendReport {
        id: fixtures::id(kind, name),
        at: fixtures::t0(),
        next_in: Default::default(),
        result: Ok(data),
    })
}

fn access_load() -> Msg {
    let mut csv = String::from("subject,role,status,last_login_at,created_at,mfa_enabled,team\n");
    for i in 0..ACCESS_ROWS {
        let role = ["viewer", "editor", "admin", "billing", "support"][i % 5];
        let login = format!("2026-{:02}-{:02}T08:00:00Z", 1 + i % 11, 1 + i % 28);
        let mfa = i % 13 != 0;
        csv.push_str(&format!(
            "user{i}@corp.example,{role},active,{login},2024-01-01,{mfa},team{}\n",
            i % 40
        ));
    }
    let rules = FlagRules {
        inactive_days: 90,
        privileged_roles: vec!["admin".into()],
    };
    let rows = opsdeck::backends::access::rows::parse_csv("app users", csv.as_bytes()).expect("csv");
    Msg::AccessLoaded(AccessLoad {
        source: "app users".into(),
        at: fixtures::t0(),
        result: Ok(flagged(rows, &rules, fixtures::t0())),
    })
}

/// The fixture state with every pane at scale.
fn full_state(body: &[u8]) -> State {
    let mut state = fixtures::state();
    for msg in [
        docker_report(usize::MAX),
        alerts_report(body, false),
        pg_report(1.0),
        access_load(),
    ] {
        update(&mut state, msg);
    }
    state.shell.status = None;
    state
}

/// The fixture session grown to `SESSION_EVENTS` events: check results
/// and notes on its steps, one a second.
fn long_session() -> Session {
    let mut session = fixtures::checklist::session();
    let steps: Vec<String> = session.runbook.steps().map(|(_, s)| s.id.clone()).collect();
    let start = session.meta.started_at;
    for i in session.events.len()..SESSION_EVENTS {
        let step = steps[i % steps.len()].clone();
        let at = start + chrono::Duration::seconds(i as i64);
        let what = if i % 10 == 0 {
            EventKind::Note {
                text: format!("note {i}: still failing over, retry budget {}", i % 7),
            }
        } else {
            EventKind::Check(CheckResult {
                at,
                passed: i % 3 != 0,
                observed: format!("{} of 3 replicas ready", i % 4),
                evidence: format!("replicas ready: {}", i % 4),
                evidence_sha256: format!("{i:064x}"),
                not_applicable: false,
            })
        };
        session.events.push(Event {
            at,
            operator: ["alice", "bob", "carl"][i % 3].into(),
            step: Some(step),
            what,
        });
    }
    session
}

fn frame(terminal: &mut Terminal<TestBackend>, state: &State, theme: &Theme) {
    terminal
        .draw(|f| opsdeck::ui::draw(f, black_box(state), theme))
        .expect("draw");
}

fn bench(c: &mut Criterion) {
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("theme");
    let body = fixtures::alertmanager_answer(ALERTS);
    let before = LIVE.load(Ordering::Relaxed);
    let mut state = full_state(&body);
    let held = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    println!(
        "state at scale ({CONTAINERS} containers, {ALERTS} alerts, {SESSIONS} sessions, \
         {ACCESS_ROWS} access rows): {:.1} MiB held",
        held as f64 / (1024.0 * 1024.0)
    );
    let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("terminal");

    let mut second = 0i64;
    c.bench_function("scale: dashboard tick+frame 200x50", |b| {
        b.iter(|| {
            second += 1;
            let now = fixtures::t0() + chrono::Duration::seconds(second % 5);
            update(&mut state, Msg::Tick(now));
            frame(&mut terminal, &state, &theme);
        })
    });

    // A key in each zoomed pane: what the operator waits for.
    for (pane, name) in [
        (PaneId::Services, "services"),
        (PaneId::Database, "database"),
        (PaneId::Alerts, "alerts"),
        (PaneId::Access, "access"),
    ] {
        state.shell.view = View::Zoom(pane);
        let mut down = true;
        c.bench_function(&format!("scale: {name} pane key+frame 200x50"), |b| {
            b.iter(|| {
                // Down then Up, so the selection stays near the top.
                let code = if down { KeyCode::Down } else { KeyCode::Up };
                down = !down;
                update(&mut state, Msg::Key(KeyEvent::from(code)));
                frame(&mut terminal, &state, &theme);
            })
        });
    }

    // Another operator notes on the open session of a team store: it is read
    // again and merged with what this opsdeck holds (one note of its own the
    // read missed), then drawn.
    let mut session = long_session();
    let fresh = |session: &Session, text: &str| {
        let mut fresh = session.clone();
        fresh.events.push(Event {
            at: fixtures::t0(),
            operator: "bob".into(),
            step: None,
            what: EventKind::Note { text: text.into() },
        });
        Box::new(fresh)
    };
    let read = fresh(&session, "bob: failover done");
    session.events.push(Event {
        at: fixtures::t0(),
        operator: "alice".into(),
        step: None,
        what: EventKind::Note {
            text: "alice: paging the DBA".into(),
        },
    });
    update(&mut state, Msg::SessionOpened(Box::new(session)));
    state.shell.view = View::Zoom(PaneId::Checklist);
    c.bench_function(
        &format!("scale: checklist session of {SESSION_EVENTS} events re-read and merged: update+frame 200x50"),
        |b| {
            b.iter_batched(
                || read.clone(),
                |fresh| {
                    update(&mut state, Msg::SessionRefreshed(fresh));
                    frame(&mut terminal, &state, &theme);
                },
                BatchSize::LargeInput,
            )
        },
    );

    // A poll that brings a change, on the dashboard: two reports that differ
    // take turns, so every round replaces the data. Reports are made outside
    // the timing (a poller moves its report to the UI task).
    state.shell.view = View::Dashboard;
    let turns = |a: Msg, b: Msg| [a, b];
    let cases = [
        (
            "docker report, 1,000 containers, one died",
            turns(docker_report(7), docker_report(8)),
        ),
        (
            "alerts report, 10,000 alerts, one changed",
            turns(alerts_report(&body, true), alerts_report(&body, false)),
        ),
        ("postgres report, 500 sessions", turns(pg_report(2.0), pg_report(3.0))),
    ];
    for (name, reports) in cases {
        let mut round = 0usize;
        c.bench_function(&format!("scale: {name}: update+frame 200x50"), |b| {
            b.iter_batched(
                || {
                    round += 1;
                    reports[round % 2].clone()
                },
                |msg| {
                    update(&mut state, msg);
                    frame(&mut terminal, &state, &theme);
                },
                BatchSize::LargeInput,
            )
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
