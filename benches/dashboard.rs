//! update + render cost of the dashboard and a zoomed pane, on a TestBackend.

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use opsdeck::app::{update, Msg, PaneId, View};
use opsdeck::config::theme::{ColorSupport, Theme};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn bench(c: &mut Criterion) {
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("theme");
    for (w, h) in [(80u16, 24u16), (160, 50)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        let mut state = fixtures::state();
        let mut second = 0i64;
        c.bench_function(&format!("dashboard tick+render {w}x{h}"), |b| {
            b.iter(|| {
                second += 1;
                update(
                    &mut state,
                    Msg::Tick(fixtures::t0() + chrono::Duration::seconds(second % 5)),
                );
                terminal
                    .draw(|f| opsdeck::ui::draw(f, black_box(&state), &theme))
                    .expect("draw");
            })
        });
    }
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).expect("terminal");
    let mut state = fixtures::state();
    state.shell.view = View::Zoom(PaneId::Services);
    c.bench_function("services pane key+render 160x50", |b| {
        b.iter(|| {
            update(
                &mut state,
                Msg::Key(crossterm::event::KeyEvent::new(
                    crossterm::event::KeyCode::Down,
                    crossterm::event::KeyModifiers::NONE,
                )),
            );
            terminal
                .draw(|f| opsdeck::ui::draw(f, black_box(&state), &theme))
                .expect("draw");
        })
    });
    // The Database pane with 500 sessions (long queries, idle transactions,
    // a blocking chain): a poll's report arriving, then a frame.
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).expect("terminal");
    let mut state = fixtures::state();
    state.shell.view = View::Zoom(PaneId::Database);
    let mut busy = fixtures::pg_summary();
    busy.backends = fixtures::busy_sessions(500, 0.0);
    let report = Msg::Backend(opsdeck::backends::BackendReport {
        id: fixtures::id(opsdeck::backends::BackendKind::Postgres, "main"),
        at: fixtures::t0(),
        next_in: Default::default(),
        result: Ok(opsdeck::backends::BackendData::Postgres(Box::new(busy))),
    });
    c.bench_function("database pane 500 sessions report+render 160x50", |b| {
        b.iter(|| {
            update(&mut state, report.clone());
            terminal
                .draw(|f| opsdeck::ui::draw(f, black_box(&state), &theme))
                .expect("draw");
        })
    });

    // 10,000 alerts: decoding Alertmanager's answer (done on the poller's
    // task), then the report through update and a frame of the Alerts pane.
    let body = fixtures::alertmanager_answer(10_000);
    c.bench_function("alertmanager decode 10k alerts", |b| {
        b.iter(|| opsdeck::backends::alertmanager::parse_alerts(black_box(&body)).expect("decode"))
    });
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).expect("terminal");
    let mut state = fixtures::state();
    state.shell.view = View::Zoom(PaneId::Alerts);
    let summary = opsdeck::backends::alertmanager::parse_alerts(&body).expect("decode");
    let report = Msg::Backend(opsdeck::backends::BackendReport {
        id: fixtures::id(opsdeck::backends::BackendKind::Alertmanager, "prod"),
        at: fixtures::t0(),
        next_in: Default::default(),
        result: Ok(opsdeck::backends::BackendData::Alerts(summary.into())),
    });
    update(&mut state, report.clone());
    c.bench_function("alerts pane 10k alerts render 160x50", |b| {
        b.iter(|| {
            terminal
                .draw(|f| opsdeck::ui::draw(f, black_box(&state), &theme))
                .expect("draw");
        })
    });
    // What the UI task does when a poll brings a changed list: two lists
    // that differ in one alert take turns, so every round replaces the data.
    // The copy of the report is made outside the timing (a poll moves its
    // report to the UI task; nothing is copied there).
    let mut changed = opsdeck::backends::alertmanager::parse_alerts(&body).expect("decode");
    changed.alerts[0].summary.push_str(" (changed)");
    let reports = [
        report,
        Msg::Backend(opsdeck::backends::BackendReport {
            id: fixtures::id(opsdeck::backends::BackendKind::Alertmanager, "prod"),
            at: fixtures::t0(),
            next_in: Default::default(),
            result: Ok(opsdeck::backends::BackendData::Alerts(changed.into())),
        }),
    ];
    let mut round = 0usize;
    c.bench_function("alerts pane 10k alerts report+render 160x50", |b| {
        b.iter_batched(
            || {
                round += 1;
                reports[round % 2].clone()
            },
            |report| {
                update(&mut state, report);
                terminal
                    .draw(|f| opsdeck::ui::draw(f, black_box(&state), &theme))
                    .expect("draw");
            },
            criterion::BatchSize::LargeInput,
        )
    });
    // Grouped by alertname (50 groups of 200), the same frame.
    update(
        &mut state,
        Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('c'))),
    );
    c.bench_function("alerts pane 10k alerts grouped render 160x50", |b| {
        b.iter(|| {
            terminal
                .draw(|f| opsdeck::ui::draw(f, black_box(&state), &theme))
                .expect("draw");
        })
    });
    trends(c, &theme);
}

/// A full day of trends (every metric of the fixtures, a point a minute):
/// the dashboard's tiles over 24 h, and a history step in the zoomed
/// Services pane (the moment shown moves, the series are cut there).
fn trends(c: &mut Criterion, theme: &Theme) {
    use opsdeck::model::trend::{key, Sample};
    let mut state = fixtures::state();
    let t0 = fixtures::t0();
    let metrics = [
        key::host_memory("local"),
        key::host_disk("local", "/var/lib/postgresql"),
        key::pg_size("main"),
        key::pg_connections("main"),
        key::alerts_firing("prod"),
        key::docker_restarts("local"),
    ];
    let samples: Vec<Sample> = (0..=1440i64)
        .flat_map(|m| {
            metrics.iter().map(move |metric| Sample {
                metric: metric.clone(),
                at: t0 - chrono::Duration::minutes(1440 - m),
                value: (m % 97) as f64 + m as f64 / 10.0,
            })
        })
        .collect();
    update(&mut state, Msg::TrendsLoaded(Ok(samples)));
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).expect("terminal");
    c.bench_function("dashboard with a day of trends render 160x50", |b| {
        b.iter(|| {
            terminal
                .draw(|f| opsdeck::ui::draw(f, black_box(&state), theme))
                .expect("draw");
        })
    });
    state.shell.view = View::Zoom(PaneId::Services);
    update(
        &mut state,
        Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('w'))),
    );
    let mut minute = 0i64;
    c.bench_function("services pane 24 h trends history step+render 160x50", |b| {
        b.iter(|| {
            minute = (minute + 1) % 600;
            state.shell.now = t0 - chrono::Duration::minutes(minute);
            terminal
                .draw(|f| opsdeck::ui::draw(f, black_box(&state), theme))
                .expect("draw");
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
