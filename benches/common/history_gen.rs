//! The reports of a simulated stretch of polling, shared by the history
//! benches: every backend at its default interval (Docker and host every
//! 5 s, PostgreSQL every 10 s, Alertmanager every 1 s), changing as real
//! systems do: Docker's "Up N minutes" every minute, a container restarting
//! every 10 minutes, host CPU and memory, PostgreSQL round trip, uptime and
//! query ages every poll, an alert firing or resolving every 5 minutes.

use super::fixtures;
use opsdeck::backends::alertmanager::AlertsSummary;
use opsdeck::backends::{BackendData, BackendKind, BackendReport};
use std::time::Duration;

pub struct Size {
    pub name: &'static str,
    pub containers: usize,
    pub alerts: usize,
    pub sessions: i32,
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
pub fn alert_sets(base: AlertsSummary) -> [std::sync::Arc<AlertsSummary>; 2] {
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
pub fn second(
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

/// The alerts of a size: the fixtures' few, or a generated answer.
pub fn base_alerts(size: &Size) -> AlertsSummary {
    if size.alerts > 10 {
        opsdeck::backends::alertmanager::parse_alerts(&fixtures::alertmanager_answer(size.alerts)).expect("alerts")
    } else {
        fixtures::alerts_summary()
    }
}

/// The real recorder on `store`, keyframes every `keyframe`, once it
/// records: where reports go, and its task (it ends when the sender drops).
pub async fn recorder_on(
    store: &opsdeck::store::Store,
    keyframe: Duration,
) -> (tokio::sync::mpsc::Sender<BackendReport>, tokio::task::JoinHandle<()>) {
    use opsdeck::runtime::recorder::{self, News, RecorderSetup};
    let setup = RecorderSetup {
        role: opsdeck::store::history::lease::Role::Record,
        redactor: Default::default(),
        history: opsdeck::config::HistoryConfig {
            keyframe,
            ..Default::default()
        },
        sources: Default::default(),
        escalation: None,
    };
    let (tx, rx) = tokio::sync::mpsc::channel(256);
    let (news_tx, mut news_rx) = tokio::sync::mpsc::unbounded_channel();
    let task = recorder::spawn(store.clone(), setup, rx, move |n| {
        let _ = news_tx.send(n);
    });
    while news_rx.recv().await != Some(News::Recording) {}
    (tx, task)
}
