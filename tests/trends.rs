//! Trends in the console: `update` fed with reports, the recorded day and
//! keys; assertions on `state.trends`.

mod fixtures;

use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::{update, HistoryAsk, Msg, RecordedMoment};
use opsdeck::backends::{BackendData, BackendKind, BackendReport};
use opsdeck::model::trend::{key, Sample, Window};

fn key_msg(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn pg_report(at: chrono::DateTime<chrono::Utc>, size: i64, connections: i64) -> BackendReport {
    let mut p = fixtures::pg_summary();
    p.db_size_bytes = size;
    p.connections = connections;
    BackendReport {
        id: fixtures::id(BackendKind::Postgres, "main"),
        at,
        next_in: Default::default(),
        result: Ok(BackendData::Postgres(Box::new(p))),
    }
}

fn values(s: &opsdeck::app::State, metric: &str) -> Vec<f64> {
    let t0 = fixtures::t0();
    s.trends
        .get(metric)
        .map(|series| {
            series
                .between(t0 - Duration::days(2), t0 + Duration::days(2))
                .map(|p| p.1)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn live_reports_feed_the_trends_one_value_a_minute() {
    let mut s = fixtures::state();
    // The fixture's reports, all at t0: one point each.
    assert_eq!(values(&s, &key::pg_size("main")), vec![(12u64 << 30) as f64]);
    assert_eq!(values(&s, &key::host_memory("local")), vec![81.2]);
    assert_eq!(values(&s, &key::host_disk("local", "/var/lib/postgresql")), vec![91.0]);
    assert_eq!(values(&s, &key::alerts_firing("prod")).len(), 1);
    assert_eq!(values(&s, &key::docker_restarts("local")).len(), 1);
    let t0 = fixtures::t0();
    update(&mut s, Msg::Backend(pg_report(t0 + Duration::seconds(20), 100, 7)));
    update(&mut s, Msg::Backend(pg_report(t0 + Duration::seconds(70), 200, 8)));
    update(&mut s, Msg::Backend(pg_report(t0 + Duration::seconds(90), 300, 9)));
    assert_eq!(
        values(&s, &key::pg_size("main")),
        vec![100.0, 300.0],
        "the last value of each minute"
    );
    assert_eq!(values(&s, &key::pg_connections("main")), vec![7.0, 9.0]);
    // A failed poll says nothing about the trend.
    let mut failed = pg_report(t0 + Duration::seconds(200), 0, 0);
    failed.result = Err("connection refused".into());
    update(&mut s, Msg::Backend(failed));
    assert_eq!(values(&s, &key::pg_size("main")).len(), 2);
}

#[test]
fn a_cluster_member_counts_under_its_cluster() {
    let mut s = fixtures::state();
    s.setup.clusters.insert("prod".into(), "eu".into());
    update(
        &mut s,
        Msg::Backend(BackendReport {
            id: fixtures::id(BackendKind::Alertmanager, "prod"),
            at: fixtures::t0() + Duration::minutes(1),
            next_in: Default::default(),
            result: Ok(BackendData::Alerts(fixtures::alerts_summary().into())),
        }),
    );
    let firing = fixtures::alerts_summary().firing().count() as f64;
    assert_eq!(values(&s, &key::alerts_firing("eu")), vec![firing]);
}

#[test]
fn the_recorded_day_is_merged_with_the_live_points() {
    let mut s = fixtures::state();
    let t0 = fixtures::t0();
    let metric = key::pg_size("main");
    let recorded: Vec<Sample> = (1..=3)
        .map(|h| Sample {
            metric: metric.clone(),
            at: t0 - Duration::hours(4 - h),
            value: h as f64,
        })
        .collect();
    assert!(update(&mut s, Msg::TrendsLoaded(Ok(recorded))).is_empty());
    assert_eq!(values(&s, &metric), vec![1.0, 2.0, 3.0, (12u64 << 30) as f64]);
    // Not loaded: said, and the live trends stay.
    update(&mut s, Msg::TrendsLoaded(Err("database is locked".into())));
    let status = s.shell.status.as_ref().map(|l| l.text.clone()).unwrap_or_default();
    assert!(
        status.contains("trends") && status.contains("database is locked"),
        "{status}"
    );
    assert_eq!(values(&s, &metric).len(), 4);
}

#[test]
fn w_toggles_the_zoomed_panes_window() {
    let mut s = fixtures::state();
    assert_eq!(s.trends.window, Window::Hour);
    update(&mut s, key_msg('2'));
    assert!(update(&mut s, key_msg('w')).is_empty());
    assert_eq!(s.trends.window, Window::Day);
    assert!(s
        .shell
        .status
        .as_ref()
        .is_some_and(|l| l.text == "trends: the last 24 h"));
    update(&mut s, key_msg('w'));
    assert_eq!(s.trends.window, Window::Hour);
}

#[test]
fn history_mode_keeps_live_points_and_not_recorded_ones() {
    let mut s = fixtures::state();
    let t0 = fixtures::t0();
    update(&mut s, key_msg('H'));
    let then = t0 - Duration::hours(1);
    update(
        &mut s,
        Msg::HistoryLoaded {
            ask: HistoryAsk::Before(t0),
            result: Ok(Some(RecordedMoment {
                at: then,
                reports: vec![pg_report(then, 5, 5)],
            })),
        },
    );
    assert_eq!(s.shell.now, then);
    assert_eq!(
        values(&s, &key::pg_size("main")),
        vec![(12u64 << 30) as f64],
        "a recorded moment shown is not a new point"
    );
    // While a moment is shown, live reports still extend the trends.
    update(&mut s, Msg::Backend(pg_report(t0 + Duration::minutes(1), 7, 7)));
    assert_eq!(values(&s, &key::pg_size("main")).len(), 2);
    // Switching the window changes nothing anywhere: allowed on a past moment.
    update(&mut s, key_msg('w'));
    assert_eq!(s.trends.window, Window::Day);
    assert!(s.history.is_some());
}
