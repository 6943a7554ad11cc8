//! Backends against the real services started by tests/run.sh: a private
//! dockerd, a PostgreSQL cluster and Alertmanager. Without them these tests
//! fail (they never skip).

mod common;

use bollard::container::{
    Config as ContainerConfig, CreateContainerOptions, StartContainerOptions, WaitContainerOptions,
};
use bollard::models::HostConfig;
use bollard::Docker;
use futures::StreamExt;
use opsdeck::backends::{self, BackendData, Target};
use opsdeck::config::{Config, ConfigUrl};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

fn config(text: &str) -> Config {
    Config::parse(text, Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// `[[docker]] name = "test"` on the test dockerd.
fn test_docker_toml() -> String {
    format!("[[docker]]\nname = \"test\"\nurl = \"{}\"\n", common::docker_host())
}

fn test_docker_config() -> Config {
    config(&test_docker_toml())
}

/// The one target a config names, leaving out the host watch unless asked for.
fn one_target(text: &str) -> Target {
    let mut c = config(text);
    c.host.enabled = text.contains("[host]");
    let mut t = backends::targets(&c);
    assert_eq!(t.len(), 1);
    t.remove(0)
}

use common::docker::client as docker;

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos() % 100_000 + rand_suffix()
    )
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000)
        .unwrap_or(0)
}

/// Start a container with no network, running `cmd`.
async fn run_container(d: &Docker, name: &str, cmd: &[&str]) {
    run_container_with(d, name, cmd, HostConfig::default()).await
}

async fn run_container_with(d: &Docker, name: &str, cmd: &[&str], host: HostConfig) {
    let cfg = ContainerConfig {
        image: Some(common::test_image()),
        cmd: Some(cmd.iter().map(|s| s.to_string()).collect()),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            ..host
        }),
        ..Default::default()
    };
    common::docker::run(d, name, cfg).await;
}

use common::docker::remove;

#[tokio::test]
async fn docker_lists_running_and_failed_containers() {
    let d = docker().await;
    let up = unique("od-up");
    let failed = unique("od-failed");
    run_container(&d, &up, &["sleep", "300"]).await;
    run_container(&d, &failed, &["sh", "-c", "exit 3"]).await;
    let mut wait = d.wait_container(&failed, None::<WaitContainerOptions<String>>);
    while wait.next().await.is_some() {}

    let mut t = one_target(&test_docker_toml());
    let report = t.poll_once().await;
    remove(&d, &up).await;
    remove(&d, &failed).await;
    let Ok(BackendData::Docker(summary)) = report.result else {
        panic!("docker poll failed: {:?}", report.result)
    };
    assert!(!summary.engine_version.is_empty());
    let row = |n: &str| {
        summary
            .containers
            .iter()
            .find(|c| c.name == n)
            .unwrap_or_else(|| panic!("{n} not listed"))
    };
    assert_eq!(row(&up).state, "running");
    assert_eq!(row(&failed).state, "exited");
    assert_eq!(row(&failed).exit_code, Some(3));
    let pos = |n: &str| summary.containers.iter().position(|c| c.name == n);
    assert!(pos(&failed) < pos(&up), "failed container sorts before running ones");
}

#[tokio::test]
async fn docker_missing_socket_is_down_quickly() {
    let mut t =
        one_target("[[docker]]\nname = \"gone\"\nurl = \"unix:///nonexistent/docker.sock\"\ntimeout = \"1s\"\n");
    let started = Instant::now();
    let report = t.poll_once().await;
    assert!(report.result.is_err());
    assert!(started.elapsed() < Duration::from_secs(3));
}

fn pg_config(extra: &str) -> String {
    std::env::set_var("OPSDECK_TEST_PG_PW_REF", common::pg_password());
    format!(
        "[[postgres]]\nname = \"main\"\nurl = \"{}\"\npassword_env = \"OPSDECK_TEST_PG_PW_REF\"\ntimeout = \"2s\"\n{extra}",
        common::pg_url()
    )
}

async fn pg_pool() -> sqlx::PgPool {
    use sqlx::postgres::PgConnectOptions;
    use std::str::FromStr;
    let opts = PgConnectOptions::from_str(&common::pg_url())
        .expect("url")
        .password(&common::pg_password());
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect_with(opts)
        .await
        .expect("connect to test postgres")
}

#[tokio::test]
async fn postgres_health_and_long_query() {
    let pool = pg_pool().await;
    let sleeper = tokio::spawn({
        let pool = pool.clone();
        async move { sqlx::query("SELECT pg_sleep(4)").execute(&pool).await }
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut t = one_target(&pg_config("long_query = \"1s\"\n"));
    let report = t.poll_once().await;
    let Ok(BackendData::Postgres(p)) = report.result else {
        panic!("pg poll failed: {:?}", report.result)
    };
    assert!(p.version.starts_with(|c: char| c.is_ascii_digit()), "{}", p.version);
    assert_eq!(p.role(), "primary");
    assert!(p.connections >= 2, "opsdeck + the sleeper: {}", p.connections);
    assert!(p.max_connections > 0);
    assert!(p.longest_query_secs.unwrap_or(0.0) >= 1.0, "{:?}", p.longest_query_secs);
    assert!(p.long_query());
    let _ = sleeper.await;
    // The connection is kept between polls and opsdeck names itself.
    let report = t.poll_once().await;
    assert!(report.result.is_ok());
    let names: Vec<String> =
        sqlx::query_scalar("SELECT application_name FROM pg_stat_activity WHERE application_name = 'opsdeck'")
            .fetch_all(&pool)
            .await
            .expect("query");
    assert_eq!(names.len(), 1, "one connection per target, named opsdeck");
}

#[tokio::test]
async fn postgres_wrong_password_is_an_error_without_the_password() {
    std::env::set_var("OPSDECK_TEST_WRONG_PW", "definitely-wrong-pw");
    let text = format!(
        "[[postgres]]\nname = \"main\"\nurl = \"{}\"\npassword_env = \"OPSDECK_TEST_WRONG_PW\"\ntimeout = \"2s\"\n",
        common::pg_url()
    );
    let report = one_target(&text).poll_once().await;
    let err = report.result.expect_err("must fail");
    assert!(err.contains("password") || err.contains("authentication"), "{err}");
    assert!(!err.contains("definitely-wrong-pw"), "{err}");
}

/// A server that accepts connections and never says a word.
async fn hanging_listener() -> (String, tokio::task::JoinHandle<()>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = l.local_addr().expect("addr").to_string();
    let h = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            held.push(s);
        }
    });
    (addr, h)
}

/// A server that answers every request with the same bytes.
async fn garbage_server(body: &'static [u8]) -> (String, tokio::task::JoinHandle<()>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = l.local_addr().expect("addr").to_string();
    let h = tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let mut buf = [0u8; 2048];
            let _ = tokio::io::AsyncReadExt::read(&mut s, &mut buf).await;
            let _ = s.write_all(body).await;
            let _ = s.shutdown().await;
        }
    });
    (addr, h)
}

#[tokio::test]
async fn hanging_backends_are_down_within_their_timeout() {
    let (addr, h) = hanging_listener().await;
    let cases = [
        format!("[[postgres]]\nname = \"hang\"\nurl = \"postgres://x@{addr}/db\"\ntimeout = \"1s\"\n"),
        format!("[[alertmanager]]\nname = \"hang\"\nurl = \"http://{addr}\"\ntimeout = \"1s\"\n"),
        format!("[[http]]\nname = \"hang\"\nurl = \"http://{addr}/health\"\ntimeout = \"1s\"\n"),
        format!("[[docker]]\nname = \"hang\"\nurl = \"tcp://{addr}\"\ntimeout = \"1s\"\n"),
    ];
    for text in cases {
        let started = Instant::now();
        let report = one_target(&text).poll_once().await;
        let took = started.elapsed();
        assert!(report.result.is_err(), "{text}");
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_millis(2500),
            "{text}: {took:?}"
        );
    }
    h.abort();
}

#[tokio::test]
async fn garbage_answers_are_errors() {
    let (addr, h) =
        garbage_server(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\n\r\n<html>").await;
    let report = one_target(&format!(
        "[[alertmanager]]\nname = \"junk\"\nurl = \"http://{addr}\"\ntimeout = \"1s\"\n"
    ))
    .poll_once()
    .await;
    let err = report.result.expect_err("garbage is not alerts");
    assert!(err.contains("unexpected answer"), "{err}");
    let report = one_target(&format!(
        "[[postgres]]\nname = \"junk\"\nurl = \"postgres://x@{addr}/db\"\ntimeout = \"1s\"\n"
    ))
    .poll_once()
    .await;
    assert!(report.result.is_err());
    h.abort();
}

#[tokio::test]
async fn refused_connections_are_down_at_once() {
    // Bind then drop: nothing listens on this port now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let started = Instant::now();
    let report = one_target(&format!(
        "[[postgres]]\nname = \"off\"\nurl = \"postgres://x@127.0.0.1:{port}/db\"\ntimeout = \"3s\"\n"
    ))
    .poll_once()
    .await;
    let err = report.result.expect_err("nothing listens");
    assert!(err.to_lowercase().contains("refused"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

async fn post_alert(name: &str, severity: &str) {
    common::alertmanager::post_alert(
        &common::alertmanager_url(),
        &[("alertname", name), ("severity", severity), ("instance", "db-1:9100")],
        &[("summary", &format!("{name} is firing"))],
    )
    .await
}

#[tokio::test]
async fn alertmanager_alerts_are_listed() {
    let name = unique("OpsdeckTestAlert");
    post_alert(&name, "critical").await;
    let mut t = one_target(&format!(
        "[[alertmanager]]\nname = \"am\"\nurl = \"{}\"\n",
        common::alertmanager_url()
    ));
    // Alertmanager makes a posted alert visible almost at once; allow a few polls.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let report = t.poll_once().await;
        let Ok(BackendData::Alerts(a)) = report.result else {
            panic!("am poll failed: {:?}", report.result)
        };
        if let Some(row) = a.alerts.iter().find(|r| r.name == name) {
            assert_eq!(row.severity, opsdeck::backends::alertmanager::Severity::Critical);
            assert_eq!(row.instance, "db-1:9100");
            assert_eq!(row.summary, format!("{name} is firing"));
            assert_eq!(row.state, "active");
            break;
        }
        assert!(Instant::now() < deadline, "posted alert never appeared");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn http_endpoint_status_and_mismatch() {
    let url = format!("{}/-/healthy", common::alertmanager_url());
    let report = one_target(&format!("[[http]]\nname = \"am\"\nurl = \"{url}\"\n"))
        .poll_once()
        .await;
    let Ok(BackendData::Http(p)) = report.result else {
        panic!("{:?}", report.result)
    };
    assert_eq!(p.status, 200);
    assert!(p.ok());
    let report = one_target(&format!(
        "[[http]]\nname = \"am\"\nurl = \"{url}\"\nexpect_status = 204\n"
    ))
    .poll_once()
    .await;
    let Ok(BackendData::Http(p)) = report.result else {
        panic!("{:?}", report.result)
    };
    assert!(!p.ok());
}

#[tokio::test]
async fn url_with_env_reference_is_expanded_only_to_connect() {
    std::env::set_var(
        "OPSDECK_TEST_AM_PORT_REF",
        common::alertmanager_url().rsplit(':').next().unwrap_or_default(),
    );
    let url = ConfigUrl::new("http://127.0.0.1:${OPSDECK_TEST_AM_PORT_REF}");
    assert_eq!(url.to_string(), "http://127.0.0.1:${OPSDECK_TEST_AM_PORT_REF}");
    let report = one_target(&format!(
        "[[alertmanager]]\nname = \"am\"\nurl = \"{}\"\n",
        url.as_written()
    ))
    .poll_once()
    .await;
    assert!(report.result.is_ok(), "{:?}", report.result);
}

#[tokio::test]
async fn snapshot_command_shows_every_real_backend() {
    let name = unique("SnapshotAlert");
    post_alert(&name, "warning").await;
    let d = docker().await;
    let c = unique("od-snap");
    run_container(&d, &c, &["sleep", "300"]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg_path = dir.path().join("c.toml");
    let text = format!(
        "{}\n[[docker]]\nname = \"test\"\nurl = \"{}\"\n[[alertmanager]]\nname = \"am\"\nurl = \"{}\"\n",
        pg_config(""),
        common::docker_host(),
        common::alertmanager_url()
    );
    std::fs::write(&cfg_path, text).expect("write config");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args([
            "--config",
            cfg_path.to_str().expect("path"),
            "snapshot",
            "--width",
            "200",
            "--height",
            "50",
        ])
        .env("HOME", dir.path())
        .output()
        .await
        .expect("run snapshot");
    let all = tokio::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args([
            "--config",
            cfg_path.to_str().expect("path"),
            "snapshot",
            "--pane",
            "services",
            "--width",
            "200",
            "--height",
            "60",
        ])
        .env("HOME", dir.path())
        .output()
        .await
        .expect("run snapshot");
    remove(&d, &c).await;
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(screen.contains("main: primary PG"), "{screen}");
    assert!(screen.contains(&name), "{screen}");
    assert!(screen.contains("● docker:test"), "{screen}");
    let services = String::from_utf8_lossy(&all.stdout);
    assert!(services.contains(&c), "{services}");
}

async fn started_at(d: &Docker, name: &str) -> (String, bool) {
    let info = d.inspect_container(name, None).await.expect("inspect");
    let state = info.state.expect("state");
    (state.started_at.unwrap_or_default(), state.running.unwrap_or(false))
}

#[tokio::test]
async fn container_actions_are_audited_intent_then_outcome() {
    use opsdeck::app::Msg;
    use opsdeck::backends::docker::ContainerOp;
    let d = docker().await;
    let name = unique("od-act");
    // A shell as PID 1 ignores SIGTERM unless told: trap it so a stop is quick.
    run_container(
        &d,
        &name,
        &["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"],
    )
    .await;
    let (before, _) = started_at(&d, &name).await;

    let (_dir, store, who) = common::audit_store().await;
    let hosts = test_docker_config().docker;

    // Docker's timestamps have nanoseconds; a restart one second later is another StartedAt.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let done = opsdeck::effects::containers::container(&store, &who, &hosts, "test", &name, ContainerOp::Restart).await;
    assert!(matches!(&done, Msg::ActionDone { ok: true, .. }), "{done:?}");
    let (after, running) = started_at(&d, &name).await;
    assert!(running);
    assert_ne!(before, after, "StartedAt changes on restart");

    let done = opsdeck::effects::containers::container(&store, &who, &hosts, "test", &name, ContainerOp::Stop).await;
    assert!(matches!(&done, Msg::ActionDone { ok: true, .. }), "{done:?}");
    assert!(!started_at(&d, &name).await.1, "stopped");
    let done = opsdeck::effects::containers::container(&store, &who, &hosts, "test", &name, ContainerOp::Start).await;
    assert!(matches!(&done, Msg::ActionDone { ok: true, .. }), "{done:?}");
    assert!(started_at(&d, &name).await.1, "started again");

    let missing = opsdeck::effects::containers::container(
        &store,
        &who,
        &hosts,
        "test",
        "no-such-container",
        ContainerOp::Restart,
    )
    .await;
    assert!(
        matches!(&missing, Msg::ActionDone { ok: false, text } if text.contains("failed")),
        "{missing:?}"
    );
    remove(&d, &name).await;

    let entries = store.audit_entries(None).await.expect("audit");
    let seen: Vec<(String, String)> = entries.iter().map(|e| (e.action.clone(), e.outcome.clone())).collect();
    let pairs = |a: &str, o: &str| (a.to_string(), o.to_string());
    assert_eq!(
        seen,
        vec![
            pairs("container.restart", "intent"),
            pairs("container.restart", "ok"),
            pairs("container.stop", "intent"),
            pairs("container.stop", "ok"),
            pairs("container.start", "intent"),
            pairs("container.start", "ok"),
            pairs("container.restart", "intent"),
            pairs("container.restart", "failed"),
        ]
    );
    assert_eq!(entries[0].target.as_deref(), Some(format!("test/{name}").as_str()));
    assert_eq!(store.verify_audit().await.expect("verify").broken, None);
}

#[tokio::test]
async fn docker_events_put_an_outside_stop_on_screen_within_a_second() {
    let d = docker().await;
    let name = unique("od-events");
    run_container(&d, &name, &["sleep", "300"]).await;
    // A long interval: only the events stream can explain a quick update.
    let text = format!(
        "[[docker]]\nname = \"test\"\nurl = \"{}\"\ninterval = \"60s\"\n",
        common::docker_host()
    );
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let mut cfg = config(&text);
    cfg.host.enabled = false;
    let tasks = backends::spawn_all(backends::targets(&cfg), tx);
    let state_of = |r: &backends::BackendReport| match &r.result {
        Ok(BackendData::Docker(s)) => s.containers.iter().find(|c| c.name == name).map(|c| c.state.clone()),
        _ => None,
    };
    // First list (and the one the events connection triggers) show it running.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("report")
            .expect("channel");
        if state_of(&r).as_deref() == Some("running") {
            break;
        }
        assert!(Instant::now() < deadline, "never saw {name} running");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    while rx.try_recv().is_ok() {}

    let stopped_at = Instant::now();
    d.kill_container::<String>(&name, None)
        .await
        .expect("kill from outside");
    let seen = loop {
        let left = Duration::from_secs(3).saturating_sub(stopped_at.elapsed());
        let r = tokio::time::timeout(left, rx.recv())
            .await
            .expect("a report within 3 s")
            .expect("channel");
        if state_of(&r).as_deref() == Some("exited") {
            break stopped_at.elapsed();
        }
    };
    for t in tasks {
        t.abort();
    }
    remove(&d, &name).await;
    assert!(seen < Duration::from_secs(1), "exit seen after {seen:?}");
}

#[tokio::test]
async fn inspect_shows_exit_health_and_masks_secrets() {
    use bollard::models::HealthConfig;
    use opsdeck::backends::docker::inspect::{inspect, Row};
    let d = docker().await;
    let name = unique("od-inspect");
    let cfg = ContainerConfig {
        image: Some(common::test_image()),
        cmd: Some(vec!["sh".into(), "-c".into(), "sleep 2; exit 3".into()]),
        env: Some(vec!["DB_PASSWORD=hunter2".into(), "MODE=batch".into()]),
        healthcheck: Some(HealthConfig {
            test: Some(vec![
                "CMD".into(),
                "sh".into(),
                "-c".into(),
                "echo probe-failed; exit 1".into(),
            ]),
            interval: Some(300_000_000),
            retries: Some(1),
            ..Default::default()
        }),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    d.create_container(
        Some(CreateContainerOptions {
            name: name.clone(),
            platform: None,
        }),
        cfg,
    )
    .await
    .expect("create");
    d.start_container(&name, None::<StartContainerOptions<String>>)
        .await
        .expect("start");
    let mut wait = d.wait_container(&name, None::<WaitContainerOptions<String>>);
    while wait.next().await.is_some() {}
    let hosts = test_docker_config().docker;
    let rows = inspect(&hosts[0], &name).await.expect("inspect");
    remove(&d, &name).await;
    let field = |l: &str| {
        rows.iter().find_map(|r| match r {
            Row::Field(k, v) if k == l => Some(v.clone()),
            _ => None,
        })
    };
    assert_eq!(field("exit code").as_deref(), Some("3"));
    assert_eq!(field("DB_PASSWORD").as_deref(), Some("••••"));
    assert_eq!(field("MODE").as_deref(), Some("batch"));
    assert!(!format!("{rows:?}").contains("hunter2"));
    assert!(rows.contains(&Row::Section("health".into())), "{rows:?}");
    assert!(
        format!("{rows:?}").contains("probe-failed"),
        "health-check output shown: {rows:?}"
    );
}

#[tokio::test]
async fn logs_follow_shows_lines_written_after_opening() {
    use opsdeck::backends::docker::logs::{follow, LogEvent};
    let d = docker().await;
    let name = unique("od-logs");
    run_container(
        &d,
        &name,
        &["sh", "-c", "echo before; sleep 2; echo after-open >&2; sleep 300"],
    )
    .await;
    let hosts = test_docker_config().docker;
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let task = tokio::spawn(follow(hosts[0].clone(), name.clone(), 100, tx));
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen.iter().any(|(t, _): &(String, bool)| t == "after-open") {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some(LogEvent::Lines(lines))) => seen.extend(lines.into_iter().map(|l| (l.text, l.stderr))),
            other => panic!("no log line in time: {other:?}, seen {seen:?}"),
        }
    }
    task.abort();
    remove(&d, &name).await;
    assert_eq!(
        seen,
        vec![("before".to_string(), false), ("after-open".to_string(), true)]
    );
}

#[tokio::test]
async fn host_resources_are_read_from_this_machine() {
    let mut t = one_target("[host]\ninterval = \"1s\"\n");
    assert!(t.poll_once().await.result.is_ok());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let Ok(BackendData::Host(h)) = t.poll_once().await.result else {
        panic!("host poll failed")
    };
    let cpu = h.cpu_pct.expect("cpu share after two samples");
    assert!((0.0..=100.0).contains(&cpu), "{cpu}");
    assert!(h.memory_pct > 0.0 && h.memory_pct < 100.0, "{}", h.memory_pct);
    assert!(h.memory_total_bytes > 0 && h.cores > 0);
    assert!(h.disks.iter().any(|d| d.mount == "/"), "{:?}", h.disks);
    assert!(h.disks.iter().all(|d| (0.0..=100.0).contains(&d.used_pct)));
}

#[test]
fn certificate_days_left_are_read_from_the_certificate() {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(10) + time::Duration::hours(1);
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = params.self_signed(&key).expect("certificate");
    assert_eq!(opsdeck::backends::http::cert_days_left(cert.der()), Some(10));
}

#[tokio::test]
async fn failing_endpoint_counts_failures_in_a_row() {
    let (addr, h) = garbage_server(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n").await;
    let mut t = one_target(&format!(
        "[[http]]\nname = \"api\"\nurl = \"http://{addr}/health\"\ntimeout = \"1s\"\n"
    ));
    for expected in 1..=3 {
        let Ok(BackendData::Http(p)) = t.poll_once().await.result else {
            panic!("an answer, even a bad one")
        };
        assert_eq!((p.status, p.ok(), p.failures), (503, false, expected));
        assert_eq!(p.last_success, None);
    }
    h.abort();
    // Nothing listens now: the error says how long it has been failing.
    let err = t.poll_once().await.result.expect_err("refused");
    assert!(err.contains("4 failed in a row, no success yet"), "{err}");
}

#[tokio::test]
async fn restart_loop_and_unhealthy_containers_are_reported_as_such() {
    use bollard::models::{HealthConfig, RestartPolicy, RestartPolicyNameEnum};
    use opsdeck::backends::docker::Health;
    let d = docker().await;
    let looping = unique("od-loop");
    let sick = unique("od-sick");
    let create = |name: String, cmd: &str, health: Option<HealthConfig>, restart: bool| {
        let d = d.clone();
        let cfg = ContainerConfig {
            image: Some(common::test_image()),
            cmd: Some(vec!["sh".into(), "-c".into(), cmd.into()]),
            healthcheck: health,
            host_config: Some(HostConfig {
                network_mode: Some("none".into()),
                restart_policy: restart.then_some(RestartPolicy {
                    name: Some(RestartPolicyNameEnum::ALWAYS),
                    maximum_retry_count: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        async move {
            d.create_container(
                Some(CreateContainerOptions {
                    name: name.clone(),
                    platform: None,
                }),
                cfg,
            )
            .await
            .expect("create");
            d.start_container(&name, None::<StartContainerOptions<String>>)
                .await
                .expect("start");
        }
    };
    create(looping.clone(), "sleep 0.2; exit 1", None, true).await;
    let probe = HealthConfig {
        test: Some(vec!["CMD".into(), "false".into()]),
        interval: Some(200_000_000),
        retries: Some(1),
        ..Default::default()
    };
    create(sick.clone(), "sleep 300", Some(probe.clone()), false).await;
    let well = unique("od-well");
    let passing = HealthConfig {
        test: Some(vec!["CMD".into(), "true".into()]),
        ..probe
    };
    create(well.clone(), "sleep 300", Some(passing), false).await;

    let mut t = one_target(&test_docker_toml());
    let deadline = Instant::now() + Duration::from_secs(20);
    let (mut loop_restarts, mut sick_seen, mut well_seen) = (0, false, false);
    while Instant::now() < deadline && (loop_restarts < 2 || !sick_seen || !well_seen) {
        if let Ok(BackendData::Docker(s)) = t.poll_once().await.result {
            if let Some(c) = s.containers.iter().find(|c| c.name == looping) {
                loop_restarts = loop_restarts.max(c.restarts.unwrap_or(0));
            }
            sick_seen |= s
                .containers
                .iter()
                .any(|c| c.name == sick && c.health == Health::Unhealthy && c.is_problem());
            well_seen |= s
                .containers
                .iter()
                .any(|c| c.name == well && c.health == Health::Healthy && !c.is_problem());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    remove(&d, &looping).await;
    remove(&d, &sick).await;
    remove(&d, &well).await;
    assert!(well_seen, "passing health check shown as healthy");
    assert!(
        loop_restarts >= 2,
        "restart count of the looping container: {loop_restarts}"
    );
    assert!(sick_seen, "failing health check shown as unhealthy");
}

#[tokio::test]
async fn stats_are_fetched_for_watched_containers_only() {
    let d = docker().await;
    let busy = unique("od-busy");
    let quiet = unique("od-quiet");
    let capped = unique("od-capped");
    // One container spins a core; the others sleep, one of them under a memory limit.
    run_container(&d, &busy, &["sh", "-c", "while :; do :; done"]).await;
    run_container(&d, &quiet, &["sleep", "300"]).await;
    let limit = HostConfig {
        memory: Some(64 << 20),
        ..Default::default()
    };
    run_container_with(&d, &capped, &["sleep", "300"], limit).await;
    let id_of = |name: String| {
        let d = d.clone();
        async move {
            d.inspect_container(&name, None)
                .await
                .ok()
                .and_then(|i| i.id)
                .expect("id")
        }
    };
    let (busy_id, quiet_id) = (id_of(busy.clone()).await, id_of(quiet.clone()).await);
    let capped_id = id_of(capped.clone()).await;

    let mut t = one_target(&test_docker_toml());
    let watch = t.watch.take().expect("a Docker target takes a stats watch");
    watch.send_replace(vec![busy_id.clone(), capped_id.clone()]);
    let mut polls = Vec::new();
    for _ in 0..2 {
        polls.push(t.poll_once().await);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    for name in [&busy, &quiet, &capped] {
        remove(&d, name).await;
    }
    let usage_of = |report: &backends::BackendReport, id: &str| match &report.result {
        Ok(BackendData::Docker(s)) => s.containers.iter().find(|c| c.id == id).and_then(|c| c.usage),
        other => panic!("docker poll failed: {other:?}"),
    };
    let first = usage_of(&polls[0], &busy_id).expect("watched container has stats");
    assert!(first.mem_used > 0, "{first:?}");
    assert_eq!(
        first.mem_limit, 0,
        "no memory limit was set: the machine's memory is not shown as one"
    );
    assert_eq!(first.cpu_pct, None, "one sample cannot give a rate");
    let second = usage_of(&polls[1], &busy_id).expect("stats again");
    let cpu = second.cpu_pct.expect("two samples give a rate");
    assert!(cpu > 20.0, "a spinning shell uses a good part of a core: {cpu}%");
    assert_eq!(usage_of(&polls[1], &quiet_id), None, "not watched, not asked");
    let capped = usage_of(&polls[1], &capped_id).expect("stats of the capped container");
    assert_eq!(capped.mem_limit, 64 << 20, "{capped:?}");
}

#[tokio::test]
async fn cancel_from_the_ui_cancels_the_query_with_two_audit_entries() {
    use opsdeck::app::{Msg, SignalRequest};
    use opsdeck::model::postgres::PgSignal;
    let pool = pg_pool().await;
    let mut victim = pool.acquire().await.expect("connection");
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *victim)
        .await
        .expect("pid");
    let sleeping = tokio::spawn(async move {
        sqlx::query("SELECT pg_sleep(60), 'secret-literal'")
            .execute(&mut *victim)
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    let (_dir, store, who) = common::audit_store().await;
    let targets = config(&pg_config("")).postgres;
    let request = SignalRequest {
        target: "main".into(),
        pid,
        user: "opsdeck".into(),
        database: "opsdeck_test".into(),
        state: "active".into(),
        query: opsdeck::model::postgres::mask_literals("SELECT pg_sleep(60), 'secret-literal'"),
    };
    let done =
        opsdeck::effects::postgres::pg_signal(&store, &who, &targets, &[request], PgSignal::Cancel, "INC-7 test").await;
    assert!(matches!(&done, Msg::ActionDone { ok: true, .. }), "{done:?}");
    let result = tokio::time::timeout(Duration::from_secs(5), sleeping)
        .await
        .expect("the query ended")
        .expect("task");
    let err = result.expect_err("the cancelled query fails");
    let code = err.as_database_error().and_then(|e| e.code()).map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("57014"), "query_canceled: {err}");

    let entries = store.audit_entries(None).await.expect("audit");
    let seen: Vec<(String, String)> = entries.iter().map(|e| (e.action.clone(), e.outcome.clone())).collect();
    assert_eq!(
        seen,
        vec![
            ("query.cancel".to_string(), "intent".to_string()),
            ("query.cancel".to_string(), "ok".to_string())
        ]
    );
    let all = format!("{entries:?}");
    assert!(all.contains("INC-7 test"), "the reason is in the audit log: {all}");
    assert!(!all.contains("secret-literal"), "query literals are not: {all}");
}

#[tokio::test]
async fn matcher_filters_select_alerts_from_the_real_alertmanager() {
    use opsdeck::model::matchers::parse_matchers;
    let tag = unique("OpsdeckMatch");
    let (crit, warn) = (format!("{tag}Crit"), format!("{tag}Warn"));
    post_alert(&crit, "critical").await;
    post_alert(&warn, "warning").await;
    let mut t = one_target(&format!(
        "[[alertmanager]]\nname = \"am\"\nurl = \"{}\"\n",
        common::alertmanager_url()
    ));
    let deadline = Instant::now() + Duration::from_secs(10);
    let alerts = loop {
        if let Ok(BackendData::Alerts(a)) = t.poll_once().await.result {
            let mine: Vec<_> = a.alerts.iter().filter(|r| r.name.starts_with(&tag)).cloned().collect();
            if mine.len() == 2 {
                break mine;
            }
        }
        assert!(Instant::now() < deadline, "posted alerts never appeared");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let select = |q: &str| -> Vec<String> {
        let m = parse_matchers(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        let mut names: Vec<String> = alerts
            .iter()
            .filter(|a| a.matches(&m))
            .map(|a| a.name.clone())
            .collect();
        names.sort();
        names
    };
    assert_eq!(select(r#"severity="critical""#), vec![crit.clone()]);
    assert_eq!(select(r#"severity!="critical""#), vec![warn.clone()]);
    assert_eq!(
        select(&format!(r#"alertname=~"{tag}.*", instance=~"db-\\d+:9100""#)),
        [crit.clone(), warn.clone()]
    );
    assert_eq!(select(r#"instance!~"db.*""#), Vec::<String>::new());
}

#[tokio::test]
async fn ack_silences_exactly_the_alert_and_expire_ends_it() {
    use opsdeck::app::Msg;
    let name = unique("OpsdeckAck");
    post_alert(&name, "warning").await;
    let text = format!(
        "[[alertmanager]]\nname = \"am\"\nurl = \"{}\"\n",
        common::alertmanager_url()
    );
    let mut t = one_target(&text);
    let sources = config(&text).alertmanager;
    let find = |a: &opsdeck::backends::alertmanager::AlertsSummary| a.alerts.iter().find(|r| r.name == name).cloned();
    let deadline = Instant::now() + Duration::from_secs(10);
    let alert = loop {
        if let Ok(BackendData::Alerts(a)) = t.poll_once().await.result {
            if let Some(r) = find(&a) {
                break r;
            }
        }
        assert!(Instant::now() < deadline, "posted alert never appeared");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let (_dir, store, who) = common::audit_store().await;
    let target = opsdeck::app::AckTarget {
        source: Some("am".into()),
        fingerprint: alert.fingerprint.clone(),
        name: alert.name.clone(),
        labels: alert.labels.clone(),
    };
    let (acked, done) = opsdeck::effects::alerts::acknowledge(
        &store,
        &who,
        &sources,
        &[target],
        "ack: looking into it",
        Duration::from_secs(600),
    )
    .await;
    assert!(matches!(&done, Msg::ActionDone { ok: true, .. }), "{done:?}");
    assert_eq!(acked.len(), 1, "{acked:?}");
    // The ack is the alert's history in the state store, with its silence.
    let kept = store
        .acks_since(chrono::Utc::now() - chrono::Duration::hours(1))
        .await
        .expect("acks");
    assert_eq!(kept, acked);

    // Alertmanager's own view of the silence.
    let silences: serde_json::Value = reqwest::get(format!("{}/api/v2/silences", common::alertmanager_url()))
        .await
        .expect("silences")
        .json()
        .await
        .expect("json");
    let ours = silences
        .as_array()
        .expect("array")
        .iter()
        .find(|s| s["comment"] == "ack: looking into it" && s["matchers"].to_string().contains(&name))
        .cloned()
        .expect("the silence is listed");
    assert_eq!(ours["createdBy"], "alice");
    let mut matchers: Vec<(String, String)> = ours["matchers"]
        .as_array()
        .expect("matchers")
        .iter()
        .map(|m| {
            assert_eq!(m["isRegex"], false);
            (
                m["name"].as_str().unwrap_or("").to_string(),
                m["value"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    matchers.sort();
    let labels: Vec<(String, String)> = alert.labels.clone().into_iter().collect();
    assert_eq!(matchers, labels, "matchers are exactly the alert's labels");

    // The alert now shows as silenced, by that silence, which opsdeck reads
    // back as an acknowledgement by alice; expire ends it.
    let id = ours["id"].as_str().expect("id").to_string();
    assert_eq!(acked[0].silence_id.as_deref(), Some(id.as_str()));
    let deadline = Instant::now() + Duration::from_secs(10);
    let summary = loop {
        if let Ok(BackendData::Alerts(a)) = t.poll_once().await.result {
            if find(&a).is_some_and(|r| r.state == "suppressed" && r.silenced_by.contains(&id)) {
                break a;
            }
        }
        assert!(Instant::now() < deadline, "the alert never showed as silenced");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let silence = summary.silence(&id).expect("the silence is among the active ones");
    assert!(silence.is_ack() && silence.created_by == "alice", "{silence:?}");
    assert!(silence.matchers.contains(&format!("alertname={name:?}")), "{silence:?}");
    let done = opsdeck::effects::alerts::expire_silences(&store, &who, &sources, "am", std::slice::from_ref(&id)).await;
    assert!(matches!(&done, Msg::ActionDone { ok: true, .. }), "{done:?}");
    let silence: serde_json::Value = reqwest::get(format!("{}/api/v2/silence/{id}", common::alertmanager_url()))
        .await
        .expect("silence")
        .json()
        .await
        .expect("json");
    assert_eq!(silence["status"]["state"], "expired");
    let entries = store.audit_entries(None).await.expect("audit");
    let seen: Vec<(String, String)> = entries.iter().map(|e| (e.action.clone(), e.outcome.clone())).collect();
    let pair = |a: &str, o: &str| (a.to_string(), o.to_string());
    assert_eq!(
        seen,
        vec![
            pair("alert.ack", "intent"),
            pair("alert.ack", "ok"),
            pair("silence.expire", "intent"),
            pair("silence.expire", "ok")
        ]
    );
}
