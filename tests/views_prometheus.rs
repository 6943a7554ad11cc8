//! Snapshots of Prometheus on the Services pane: the tile and the zoomed
//! pane with a target down, a failing rule and queries that are fine, over
//! a threshold, under a floor, several series, no data and failing; then
//! the server unreachable, with its last data kept.

mod fixtures;

use opsdeck::app::{update, BackendStatus, Msg, PaneId, View};
use opsdeck::backends::{BackendData, BackendKind, BackendReport};
use opsdeck::cli::snapshot::{buffer_text, render};
use opsdeck::config::theme::{ColorSupport, Theme};
use opsdeck::model::prometheus::{FailingRule, PromSample, PromSummary, PromTarget, QueryValue};
use std::time::Duration;

fn screen(state: &opsdeck::app::State, w: u16, h: u16) -> String {
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("built-in theme");
    buffer_text(&render(state, &theme, w, h).expect("render"))
}

fn sample(labels: &str, value: f64) -> PromSample {
    PromSample {
        labels: labels.into(),
        value,
    }
}

fn query(
    name: &str,
    unit: &str,
    thresholds: (Option<f64>, Option<f64>, bool),
    result: Result<Vec<PromSample>, String>,
) -> QueryValue {
    let (warn, crit, below) = thresholds;
    QueryValue {
        name: name.into(),
        unit: unit.into(),
        warn,
        crit,
        below,
        spark: match &result {
            Ok(s) if !s.is_empty() => (0..60).map(|i| (i % 5 != 4).then_some((i % 13) as f64)).collect(),
            _ => vec![None; 60],
        },
        result,
    }
}

fn summary() -> PromSummary {
    PromSummary {
        targets: vec![
            PromTarget {
                job: "node".into(),
                instance: "db-2:9100".into(),
                up: false,
                last_error: "Get \"http://db-2:9100/metrics\": dial tcp 10.0.0.12:9100: connect: connection refused"
                    .into(),
                scrape_secs: 0.0012,
            },
            PromTarget {
                job: "api".into(),
                instance: "api-1:8080".into(),
                up: true,
                last_error: String::new(),
                scrape_secs: 0.004,
            },
            PromTarget {
                job: "node".into(),
                instance: "db-1:9100".into(),
                up: true,
                last_error: String::new(),
                scrape_secs: 0.02,
            },
        ],
        failing_rules: vec![FailingRule {
            group: "api.rules".into(),
            name: "job:errors:rate5m".into(),
            error: "vector cannot contain metrics with the same labelset".into(),
        }],
        head_series: Some(48_213),
        queries: vec![
            query(
                "p99 latency",
                "s",
                (Some(0.5), Some(1.0), false),
                Ok(vec![sample("{}", 0.231)]),
            ),
            query(
                "5xx rate",
                "%",
                (Some(1.0), Some(5.0), false),
                Ok(vec![sample("{}", 7.24)]),
            ),
            query(
                "replicas",
                "",
                (Some(3.0), Some(2.0), true),
                Ok(vec![sample("{}", 2.5)]),
            ),
            query(
                "disk free",
                "bytes",
                (None, None, false),
                Ok(vec![
                    sample("node_filesystem_avail_bytes{instance=\"db-1\"}", 5.5e10),
                    sample("node_filesystem_avail_bytes{instance=\"db-2\"}", 7.1e10),
                ]),
            ),
            query("queue", "", (Some(10.0), None, false), Ok(Vec::new())),
            query(
                "broken",
                "",
                (None, None, false),
                Err("Prometheus: parse error: unclosed left parenthesis".into()),
            ),
        ],
    }
}

fn with_prometheus() -> opsdeck::app::State {
    let mut s = fixtures::state();
    let id = fixtures::id(BackendKind::Prometheus, "prom");
    s.backends.targets.push(BackendStatus::new(
        id.clone(),
        Duration::from_secs(15),
        Duration::from_secs(3),
    ));
    update(
        &mut s,
        Msg::Backend(BackendReport {
            id,
            at: fixtures::t0(),
            next_in: Duration::ZERO,
            result: Ok(BackendData::Prometheus(Box::new(summary()))),
        }),
    );
    s.shell.status = None;
    s
}

#[test]
fn services_tile_with_prometheus() {
    insta::assert_snapshot!(screen(&with_prometheus(), 160, 50));
}

#[test]
fn services_zoomed_with_prometheus_above_the_containers() {
    let mut s = with_prometheus();
    s.shell.view = View::Zoom(PaneId::Services);
    insta::assert_snapshot!(screen(&s, 160, 50));
}

#[test]
fn prometheus_down_keeps_its_last_data() {
    let mut s = with_prometheus();
    update(
        &mut s,
        Msg::Backend(BackendReport {
            id: fixtures::id(BackendKind::Prometheus, "prom"),
            at: fixtures::t0() + chrono::Duration::seconds(20),
            next_in: Duration::ZERO,
            result: Err("connection refused".into()),
        }),
    );
    s.shell.status = None;
    s.shell.view = View::Zoom(PaneId::Services);
    let zoomed = screen(&s, 160, 50);
    assert!(
        zoomed.contains("prom DOWN at 03:00:20, data from 03:00:00: connection refused"),
        "{zoomed}"
    );
    assert!(zoomed.contains("2/3 targets up"), "the last data is kept: {zoomed}");
    insta::assert_snapshot!(zoomed);
}
