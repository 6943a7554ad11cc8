//! Containers that restart, against the real dockerd started by tests/run.sh:
//! a crash loop is one alert that holds (and one bell), and a followed log
//! goes on across restarts. Without the daemon these tests fail (never skip).

mod common;

use bollard::container::Config as ContainerConfig;
use bollard::models::{HostConfig, RestartPolicy, RestartPolicyNameEnum};
use bollard::Docker;
use opsdeck::app::{update, BackendStatus, Command, Msg, PaneId, State, View};
use opsdeck::backends::docker::logs::{follow, LogEvent};
use opsdeck::backends::{self, BackendData};
use opsdeck::cli::snapshot::{buffer_text, render};
use opsdeck::config::keymap::Keymap;
use opsdeck::config::theme::{ColorSupport, Theme};
use opsdeck::config::Config;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// Start a container with no network running `sh -c script`, restarted by
/// Docker always or never.
async fn run_sh(d: &Docker, name: &str, script: &str, always: bool) {
    let cfg = ContainerConfig {
        image: Some(common::test_image()),
        cmd: Some(vec!["sh".into(), "-c".into(), script.into()]),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            restart_policy: always.then_some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::ALWAYS),
                maximum_retry_count: None,
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    common::docker::run(d, name, cfg).await;
}

async fn restart_count(d: &Docker, name: &str) -> i64 {
    d.inspect_container(name, None)
        .await
        .ok()
        .and_then(|i| i.restart_count)
        .unwrap_or(0)
}

fn config() -> Config {
    let text = format!("[[docker]]\nname = \"test\"\nurl = \"{}\"\n", common::docker_host());
    let mut c = Config::parse(&text, std::path::Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"));
    c.host.enabled = false;
    c
}

fn new_state(c: &Config) -> State {
    let identity = opsdeck::model::identity::Identity {
        operator: "alice".into(),
        host: "test".into(),
        ssh_client: None,
    };
    let mut s = State::new(identity, Arc::new(Keymap::default_keymap()), chrono::Utc::now());
    s.setup.alerts = c.alerts.clone();
    s.backends.targets = backends::targets(c)
        .iter()
        .map(|t| BackendStatus::new(t.id.clone(), t.interval, t.timeout))
        .collect();
    s
}

/// The screen's text with `view` shown.
fn screen(s: &mut State, view: View) -> String {
    s.shell.view = view;
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("built-in theme");
    buffer_text(&render(s, &theme, 160, 40).expect("render"))
}

/// opsdeck's critical alerts about `instance`: name and start.
fn critical(s: &State, instance: &str) -> Vec<(String, chrono::DateTime<chrono::Utc>)> {
    s.all_alerts()
        .into_iter()
        .filter(|(_, a)| a.instance == instance && a.severity == opsdeck::model::alerts::Severity::Critical)
        .map(|(_, a)| (a.name.clone(), a.starts_at))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_loop_is_one_alert_from_its_first_restart_and_one_bell_until_stopped() {
    let d = common::docker::client().await;
    let name = unique("od-crashloop");
    let instance = format!("test/{name}");
    let cfg = config();
    let mut s = new_state(&cfg);
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let tasks = backends::spawn_all(backends::targets(&cfg), tx);
    run_sh(&d, &name, "echo up; sleep 1; exit 1", true).await;

    let mut bells = 0;
    // Once shown looping: the alert seen at every report since.
    let mut looping_since: Option<Instant> = None;
    let mut alerts_seen = Vec::new();
    let mut screens = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(40);
    // Three restarts make the loop; watch it through three more.
    while restart_count(&d, &name).await < 6 {
        assert!(Instant::now() < deadline, "the container did not restart six times");
        let Ok(Some(report)) = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await else {
            panic!("no report");
        };
        update(&mut s, Msg::Tick(chrono::Utc::now()));
        let cmds = update(&mut s, Msg::Backend(report));
        bells += cmds.iter().filter(|c| matches!(c, Command::Bell)).count();
        let zoomed = screen(&mut s, View::Zoom(PaneId::Services));
        let row = zoomed
            .lines()
            .find(|l| l.contains(&name))
            .unwrap_or_default()
            .to_string();
        if looping_since.is_none() && row.contains("crash-loop ×") {
            looping_since = Some(Instant::now());
            let dashboard = screen(&mut s, View::Dashboard);
            assert!(
                dashboard
                    .lines()
                    .any(|l| l.contains(&name) && l.contains("crash-loop ×")),
                "the Services tile lists it: {dashboard}"
            );
        }
        if looping_since.is_some() {
            alerts_seen.push(critical(&s, &instance));
            screens.push(row);
        }
    }
    let detected = looping_since.unwrap_or_else(|| panic!("never shown crash-looping: {:?}", screens.last()));
    assert!(
        screens
            .iter()
            .all(|r| r.contains("crash-loop ×") && !r.contains("running")),
        "shown looping at every report once looping: {screens:#?}"
    );
    let first = alerts_seen.first().cloned().unwrap_or_default();
    assert_eq!(first.len(), 1, "one critical alert: {first:?}");
    assert_eq!(first[0].0, "ContainerCrashLooping");
    assert!(
        alerts_seen.iter().all(|a| *a == first),
        "the alert holds with the same start: {alerts_seen:#?}"
    );
    // Its start is the loop's first restart, not when it was noticed.
    let noticed = chrono::Utc::now() - chrono::Duration::from_std(detected.elapsed()).unwrap_or_default();
    assert!(
        noticed - first[0].1 > chrono::Duration::milliseconds(1500),
        "started {} noticed {noticed}",
        first[0].1
    );
    assert_eq!(bells, 1, "one bell for the whole loop");

    // Stopped by the operator: the loop is over.
    d.stop_container(&name, Some(bollard::container::StopContainerOptions { t: 1 }))
        .await
        .expect("stop");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let Ok(Some(report)) = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await else {
            panic!("no report");
        };
        update(&mut s, Msg::Tick(chrono::Utc::now()));
        update(&mut s, Msg::Backend(report.clone()));
        let stopped = matches!(&report.result, Ok(BackendData::Docker(d))
            if d.containers.iter().any(|c| c.name == name && c.state == "exited"));
        if stopped {
            assert_eq!(critical(&s, &instance), Vec::new(), "resolved once stopped");
            break;
        }
        assert!(Instant::now() < deadline, "never seen stopped");
    }
    for t in tasks {
        t.abort();
    }
    common::docker::remove(&d, &name).await;
}

/// Events from a follower until `done` holds (or fail after `limit`).
async fn collect(
    rx: &mut tokio::sync::mpsc::Receiver<LogEvent>,
    limit: Duration,
    done: impl Fn(&[LogEvent]) -> bool,
) -> Vec<LogEvent> {
    let deadline = Instant::now() + limit;
    let mut events = Vec::new();
    while !done(&events) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some(e)) => events.push(e),
            other => panic!("not in time ({other:?}): {events:#?}"),
        }
    }
    events
}

fn texts(events: &[LogEvent]) -> Vec<String> {
    events
        .iter()
        .flat_map(|e| match e {
            LogEvent::Lines(lines) => lines.iter().map(|l| l.text.clone()).collect(),
            LogEvent::Ended(why) => vec![format!("[ENDED: {why}]")],
        })
        .collect()
}

#[tokio::test]
async fn a_followed_log_goes_on_across_restarts_and_says_why_it_ended() {
    let d = common::docker::client().await;
    let name = unique("od-relog");
    run_sh(&d, &name, "echo up; sleep 1; exit 1", true).await;
    let host = config().docker[0].clone();
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let task = tokio::spawn(follow(host.clone(), name.clone(), 100, tx));
    let markers = |t: &[String]| t.iter().filter(|l| l.starts_with("── container restarted ")).count();
    let events = collect(&mut rx, Duration::from_secs(30), |e| {
        let t = texts(e);
        markers(&t) >= 2 || t.iter().any(|l| l.starts_with("[ENDED"))
    })
    .await;
    let t = texts(&events);
    assert_eq!(markers(&t), 2, "{t:#?}");
    // Each run's line once: the reattach starts after the last line seen.
    let ups = t.iter().filter(|l| *l == "up").count();
    assert!((2..=3).contains(&ups), "{t:#?}");
    assert!(
        t.iter().position(|l| l.starts_with("── container restarted")) < t.iter().rposition(|l| l == "up"),
        "the marker comes before the new run's lines: {t:#?}"
    );
    common::docker::remove(&d, &name).await;
    let events = collect(&mut rx, Duration::from_secs(15), |e| {
        e.iter().any(|e| matches!(e, LogEvent::Ended(_)))
    })
    .await;
    assert!(
        texts(&events).contains(&"[ENDED: container removed]".to_string()),
        "{events:#?}"
    );
    let _ = task.await;

    // Without a restart policy, an exit is the end, said as such.
    let once = unique("od-once");
    run_sh(&d, &once, "echo bye; sleep 1; exit 3", false).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let task = tokio::spawn(follow(host, once.clone(), 100, tx));
    let events = collect(&mut rx, Duration::from_secs(15), |e| {
        e.iter().any(|e| matches!(e, LogEvent::Ended(_)))
    })
    .await;
    assert_eq!(
        texts(&events),
        vec![
            "bye".to_string(),
            "[ENDED: container stopped (exit code 3)]".to_string()
        ]
    );
    let _ = task.await;
    common::docker::remove(&d, &once).await;
}
