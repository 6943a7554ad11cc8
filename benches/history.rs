//! How much history an hour of polling makes: one simulated hour of every
//! backend's reports, at their default intervals, through the real
//! recorder into a real SQLite store, at two sizes: the dashboard fixtures
//! (5 containers, 5 alerts, a few sessions) and the scale fixtures (1,000
//! containers, 10,000 alerts, 500 sessions). What changes from poll to
//! poll is what changes on real systems: Docker's "Up N minutes" every
//! minute, a container restarting every 10 minutes, host CPU and memory,
//! PostgreSQL round trip, uptime and query ages every poll, an alert
//! firing or resolving every 5 minutes. Each is measured twice: with
//! deltas between keyframes every 5 minutes, and with a whole frame for
//! every change. Bytes, not time:
//! `cargo bench --bench history`.

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use opsdeck::backends::alertmanager::AlertsSummary;
use opsdeck::backends::{BackendData, BackendKind, BackendReport};
use opsdeck::config::HistoryConfig;
use opsdeck::runtime::recorder::{self, News, RecorderSetup};
use opsdeck::store::history::lease::Role;
use std::time::Duration;

struct Size {
    name: &'static str,
    containers: usize,
    alerts: usize,
    sessions: i32,
}

fn docker(size: &Size, minute: i64) -> BackendData {
    let mut summary = fixtures::docker_summary();
    if size.containers > summary.containers.len() {
        summary.containers = (0..size.containers)
            .map(|i| fixtures::container(&format!("svc{i:04}"), "running", "Up 3 hours"))
            .collect();
    }
    for (i, c) in summary.containers.iter_mut().enumerate() {
        // One container restarts every ten minutes; the rest say their age.
        let restarted = i == (minute / 10) as usize % size.containers.max(1) && minute % 10 == 0;
        c.status = if restarted {
            "Up Less than a second".into()
        } else {
            format!("Up {} minutes", 60 + minute)
        };
        c.usage = None;
    }
    BackendData::Docker(summary)
}

fn pg(size: &Size, secs: i64) -> BackendData {
    let mut p = fixtures::pg_summary();
    if size.sessions > 10 {
        p.backends = fixtures::busy_sessions(size.sessions, 400.0 + secs as f64);
    }
    p.rtt_ms = 1 + (secs % 3) as u64;
    p.uptime_secs += secs;
    p.longest_query_secs = Some(400.0 + secs as f64);
    p.connections = 40 + (secs / 10) % 5;
    BackendData::Postgres(Box::new(p))
}

/// The alerts of the hour: the base set, and every other 5 minutes one
/// alert more. Shared, as the poller shares its answer.
fn alert_sets(base: AlertsSummary) -> [std::sync::Arc<AlertsSummary>; 2] {
    let mut more = base.clone();
    let mut extra = more.alerts[0].clone();
    extra.fingerprint = "extra".into();
    extra.name = "NodeLoadHigh".into();
    more.alerts.push(extra);
    [base.into(), more.into()]
}

fn host(secs: i64) -> BackendData {
    let mut h = fixtures::host_summary();
    h.cpu_pct = Some(10.0 + (secs % 37) as f64 * 0.7);
    h.memory_pct = 80.0 + (secs % 11) as f64 * 0.1;
    h.load = [0.5 + (secs % 13) as f64 / 100.0, 0.4, 0.3];
    BackendData::Host(h)
}

/// The reports of second `secs` of the hour.
fn second(
    size: &Size,
    alerts: &[std::sync::Arc<AlertsSummary>; 2],
    at: chrono::DateTime<chrono::Utc>,
    secs: i64,
) -> Vec<BackendReport> {
    let mut out = Vec::new();
    let mut report = |kind, name: &str, data| {
        out.push(BackendReport {
            id: fixtures::id(kind, name),
            at,
            result: Ok(data),
            next_in: Duration::ZERO,
        })
    };
    let set = alerts[((secs / 300) % 2) as usize].clone();
    report(BackendKind::Alertmanager, "am", BackendData::Alerts(set));
    if secs % 5 == 0 {
        report(BackendKind::Docker, "local", docker(size, secs / 60));
        report(BackendKind::Host, "local", host(secs));
    }
    if secs % 10 == 0 {
        report(BackendKind::Postgres, "main", pg(size, secs));
    }
    out
}

struct Measured {
    bytes: i64,
    rows: i64,
    file: u64,
}

fn record(size: &Size, keyframe: Duration) -> Measured {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.db");
        let store = opsdeck::store::Store::open(&path).await.expect("store");
        let setup = RecorderSetup {
            role: Role::Record,
            redactor: Default::default(),
            history: HistoryConfig {
                keyframe,
                ..HistoryConfig::default()
            },
            sources: Default::default(),
        };
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        let (news_tx, mut news_rx) = tokio::sync::mpsc::unbounded_channel();
        let task = recorder::spawn(store.clone(), setup, rx, move |n| {
            let _ = news_tx.send(n);
        });
        while news_rx.recv().await != Some(News::Recording) {}
        let base = if size.alerts > 10 {
            opsdeck::backends::alertmanager::parse_alerts(&fixtures::alertmanager_answer(size.alerts)).expect("alerts")
        } else {
            fixtures::alerts_summary()
        };
        let alerts = alert_sets(base);
        let start = chrono::Utc::now() - chrono::Duration::hours(1);
        for secs in 0..3600 {
            for r in second(size, &alerts, start + chrono::Duration::seconds(secs), secs) {
                tx.send(r).await.expect("recorder running");
            }
        }
        drop(tx);
        task.await.expect("recorder");
        let bytes = store.history_bytes().await.expect("bytes");
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM history_frames")
            .fetch_one(store.pool())
            .await
            .expect("rows");
        store.close().await;
        Measured {
            bytes,
            rows,
            file: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
        }
    })
}

fn main() {
    let sizes = [
        Size {
            name: "dashboard fixtures",
            containers: 5,
            alerts: 5,
            sessions: 3,
        },
        Size {
            name: "scale fixtures",
            containers: 1_000,
            alerts: 10_000,
            sessions: 500,
        },
    ];
    println!("history per hour: Docker and host every 5 s, PostgreSQL every 10 s, Alertmanager every 1 s");
    for size in &sizes {
        for (how, keyframe) in [
            ("keyframes every 5 min + deltas", Duration::from_secs(300)),
            ("a whole frame per change", Duration::from_nanos(1)),
        ] {
            let m = record(size, keyframe);
            println!(
                "{:<20} {:<32} {:>10} bytes of frames, {:>5} rows, store file {:>10} bytes",
                size.name, how, m.bytes, m.rows, m.file
            );
        }
    }
}
