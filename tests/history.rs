//! The flight recorder against the real services of tests/run.sh:
//! `opsdeck record` running while a container stops and an alert fires and
//! resolves; `history show --at` before and after; `history alerts`; no
//! secret in the history tables; two recorders on one store.

mod common;

use common::history::{eventually, opsdeck, Recorder};

use bollard::container::Config as ContainerConfig;
use bollard::models::HostConfig;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

const ENV_SECRET: &str = "hist-env-secret-7f3a";
const LABEL_SECRET: &str = "hist-label-secret-91bd";
const LITERAL_SECRET: &str = "hist-literal-secret-c2e8";

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}-{}", std::process::id(), Utc::now().timestamp_micros())
}

/// A config of the three services, polled every second.
fn config(dir: &Path) -> PathBuf {
    std::env::set_var("OPSDECK_TEST_HIST_PG_PW", common::pg_password());
    let p = dir.join("config.toml");
    let text = format!(
        "[[docker]]\nname = \"test\"\nurl = \"{}\"\ninterval = \"1s\"\n\n\
         [[postgres]]\nname = \"main\"\nurl = \"{}\"\npassword_env = \"OPSDECK_TEST_HIST_PG_PW\"\n\
         interval = \"1s\"\nlong_query = \"1s\"\n\n\
         [[alertmanager]]\nname = \"am\"\nurl = \"{}\"\ninterval = \"1s\"\n",
        common::docker_host(),
        common::pg_url(),
        common::alertmanager_url()
    );
    std::fs::write(&p, text).expect("config");
    p
}

/// A config of the machine alone: no service needed.
fn host_config(dir: &Path) -> PathBuf {
    let p = dir.join("host.toml");
    std::fs::write(&p, "[host]\nenabled = true\ninterval = \"1s\"\n").expect("config");
    p
}

async fn history(cfg: &Path, state: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = opsdeck(cfg, state)
        .arg("history")
        .args(args)
        .output()
        .await
        .expect("run opsdeck history");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `history show --at` the time, of the Services pane, as text; what it
/// said on stderr when it failed (nothing recorded yet).
async fn try_services_at(cfg: &Path, state: &Path, at: DateTime<Utc>) -> Result<String, String> {
    let at = at.to_rfc3339();
    let (code, out, err) = history(
        cfg,
        state,
        &[
            "show", "--at", &at, "--pane", "services", "--width", "160", "--height", "40",
        ],
    )
    .await;
    match code {
        Some(0) => Ok(out),
        _ => Err(format!("history show --at {at}: {code:?} {err}")),
    }
}

async fn services_at(cfg: &Path, state: &Path, at: DateTime<Utc>) -> String {
    try_services_at(cfg, state, at).await.unwrap_or_else(|e| panic!("{e}"))
}

/// The Services pane's line of `name`.
fn line_of<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen.lines().find(|l| l.contains(name))
}

async fn alerts_json(cfg: &Path, state: &Path) -> serde_json::Value {
    let (code, out, err) = history(cfg, state, &["alerts", "--since", "-1h", "--format", "json"]).await;
    assert_eq!(code, Some(0), "history alerts: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("history alerts JSON: {e}: {out}"))
}

fn episode<'a>(alerts: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    alerts.as_array()?.iter().find(|a| a["alertname"] == name)
}

async fn post_alert(name: &str, ends_at: Option<DateTime<Utc>>) {
    let mut alert = serde_json::json!({
        "labels": {"alertname": name, "severity": "critical", "instance": "db-1:9100"},
        "annotations": {"summary": "history test"},
        "startsAt": (Utc::now() - chrono::Duration::seconds(5)).to_rfc3339(),
    });
    if let Some(end) = ends_at {
        alert["endsAt"] = end.to_rfc3339().into();
    }
    let url = format!("{}/api/v2/alerts", common::alertmanager_url().trim_end_matches('/'));
    let resp = reqwest::Client::new()
        .post(&url)
        .json(&serde_json::json!([alert]))
        .send()
        .await
        .unwrap_or_else(|e| panic!("post alert to {url}: {e}"));
    assert!(resp.status().is_success(), "post alert: HTTP {}", resp.status());
}

/// Every history body of the store, inflated, and the store file's bytes.
async fn history_bytes(state: &Path) -> (Vec<u8>, Vec<u8>) {
    let store = opsdeck::store::Store::open(state).await.expect("open store");
    let bodies: Vec<Vec<u8>> = sqlx::query_scalar("SELECT body FROM history_frames")
        .fetch_all(store.pool())
        .await
        .expect("history frames");
    let alerts: Vec<String> = sqlx::query_scalar("SELECT labels FROM history_alerts")
        .fetch_all(store.pool())
        .await
        .expect("history alerts");
    store.close().await;
    let mut text = Vec::new();
    for b in bodies {
        text.extend(opsdeck::store::history::frames::inflate(&b).expect("inflate"));
    }
    for a in alerts {
        text.extend(a.into_bytes());
    }
    (text, std::fs::read(state).expect("read store file"))
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn record_keeps_the_past_a_container_stopped_and_an_alert_resolved_with_no_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path());
    let state = dir.path().join("state.db");
    let docker = common::docker::client().await;
    let name = unique("hist-web");
    let cfg_c = ContainerConfig {
        image: Some(common::test_image()),
        cmd: Some(vec!["sleep".into(), "300".into()]),
        env: Some(vec![format!("DB_PASSWORD={ENV_SECRET}")]),
        labels: Some([("com.example.password".to_string(), LABEL_SECRET.to_string())].into()),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    common::docker::run(&docker, &name, cfg_c).await;
    // A session whose query holds a password literal, listed as a long query.
    let opts = PgConnectOptions::from_str(&common::pg_url())
        .expect("pg url")
        .password(&common::pg_password());
    let mut pg = PgConnection::connect_with(&opts).await.expect("connect");
    let sql = format!("SELECT pg_sleep(6), 'CREATE ROLE app PASSWORD ''{LITERAL_SECRET}''' AS stmt");
    let session = tokio::spawn(async move {
        let _ = sqlx::query(&sql).execute(&mut pg).await;
    });

    let mut rec = Recorder::start(&cfg, &state);
    rec.wait_for("history: recording", Duration::from_secs(15)).await;
    let alert = unique("HistTestAlert");
    post_alert(&alert, None).await;

    // Running, as recorded; the time just after is "before".
    let before = eventually(Duration::from_secs(20), "the container running in history", || async {
        let now = Utc::now();
        let screen = try_services_at(&cfg, &state, now).await?;
        match line_of(&screen, &name) {
            Some(l) if l.contains("running") || l.contains("Up ") => Ok(now.to_rfc3339()),
            _ => Err(screen),
        }
    })
    .await;
    let fired = eventually(Duration::from_secs(20), "the alert firing in history", || async {
        let alerts = alerts_json(&cfg, &state).await;
        match episode(&alerts, &alert) {
            Some(e) if e["resolved_at"].is_null() => Ok(e.to_string()),
            _ => Err(alerts.to_string()),
        }
    })
    .await;
    assert!(fired.contains("\"first_seen\""), "{fired}");
    // The password-literal query was seen, so masking was put to the test.
    eventually(Duration::from_secs(20), "the long query in history", || async {
        let (bodies, _) = history_bytes(&state).await;
        if contains(&bodies, "pg_sleep(6)") {
            Ok(String::new())
        } else {
            Err("no pg_sleep query recorded".into())
        }
    })
    .await;

    docker
        .kill_container::<String>(&name, None)
        .await
        .expect("kill container");
    post_alert(&alert, Some(Utc::now())).await;
    let after = eventually(Duration::from_secs(20), "the container exited in history", || async {
        let now = Utc::now();
        let screen = try_services_at(&cfg, &state, now).await?;
        match line_of(&screen, &name) {
            Some(l) if l.contains("exited") || l.contains("Exited") => Ok(now.to_rfc3339()),
            _ => Err(screen),
        }
    })
    .await;
    let resolved = eventually(Duration::from_secs(20), "the alert resolved in history", || async {
        let alerts = alerts_json(&cfg, &state).await;
        match episode(&alerts, &alert) {
            Some(e) if e["resolved_at"].is_string() => Ok(e.clone()),
            _ => Err(alerts.to_string()),
        }
        .map(|e| e.to_string())
    })
    .await;
    let resolved: serde_json::Value = serde_json::from_str(&resolved).expect("episode");
    assert!(
        resolved["first_seen"].as_str() < resolved["resolved_at"].as_str(),
        "{resolved}"
    );
    assert!(resolved["acks"].is_array(), "{resolved}");

    // SIGTERM: stopped within a second.
    let stopping = Instant::now();
    rec.signal("TERM");
    let status = tokio::time::timeout(Duration::from_secs(3), rec.child.wait())
        .await
        .expect("record stops on SIGTERM")
        .expect("wait");
    assert!(status.success(), "{status}");
    assert!(
        stopping.elapsed() < Duration::from_secs(1),
        "took {:?}",
        stopping.elapsed()
    );
    session.abort();
    common::docker::remove(&docker, &name).await;

    // Read back after the recorder stopped: the past stays as it was.
    let was = services_at(&cfg, &state, parse(&before)).await;
    let line = line_of(&was, &name).unwrap_or_else(|| panic!("{name} not at {before}:\n{was}"));
    assert!(line.contains("running") || line.contains("Up "), "{line}");
    let was = services_at(&cfg, &state, parse(&after)).await;
    let line = line_of(&was, &name).unwrap_or_else(|| panic!("{name} not at {after}:\n{was}"));
    assert!(line.contains("exited") || line.contains("Exited"), "{line}");

    let (bodies, file) = history_bytes(&state).await;
    assert!(contains(&bodies, &name), "the container was recorded");
    for secret in [ENV_SECRET, LABEL_SECRET, LITERAL_SECRET] {
        assert!(!contains(&bodies, secret), "{secret} in the history");
        assert!(!contains(&file, secret), "{secret} in the store file");
    }

    // Before anything was recorded: nothing to show, exit 1.
    let (code, _, err) = history(&cfg, &state, &["show", "--at", "2000-01-01T00:00:00Z"]).await;
    assert_eq!(code, Some(1), "{err}");

    // The console lists it among the alerts resolved in the last 24 hours.
    let args = [
        "--config",
        cfg.to_str().expect("path"),
        "--state",
        state.to_str().expect("path"),
    ];
    let t = common::tmux::Tmux::start(&args, &[], 120, 40);
    t.wait_text("Alerts");
    t.keys(&["3"]);
    t.read();
    t.keys(&["r"]);
    let screen = t.wait_for("the resolved alert listed", |s| {
        s.contains("resolved in the 24 h") && s.lines().any(|l| l.contains(&alert) && l.contains("db-1:9100"))
    });
    assert!(!screen.contains(ENV_SECRET), "{screen}");
}

fn parse(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t).expect("time").with_timezone(&Utc)
}

#[tokio::test]
async fn a_second_recorder_waits_and_takes_over_when_the_first_dies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = host_config(dir.path());
    let state = dir.path().join("state.db");
    let mut first = Recorder::start(&cfg, &state);
    first.wait_for("history: recording", Duration::from_secs(15)).await;
    let mut second = Recorder::start(&cfg, &state);
    second.wait_for("history: standby", Duration::from_secs(15)).await;
    assert!(
        !second.said.iter().any(|l| l.contains("history: recording")),
        "{:?}",
        second.said
    );

    first.signal("KILL");
    let _ = first.child.wait().await;
    let killed = Utc::now();
    let took = Instant::now();
    second.wait_for("history: recording", Duration::from_secs(20)).await;
    let lease = Duration::from_secs(10);
    assert!(
        took.elapsed() <= lease + Duration::from_secs(4),
        "took over after {:?}",
        took.elapsed()
    );

    // The second one writes: a frame after the first died.
    let store = opsdeck::store::Store::open(&state).await.expect("store");
    let newest = eventually(Duration::from_secs(10), "a frame after the takeover", || async {
        let changes = store
            .history_changes(killed, Utc::now())
            .await
            .map_err(|e| e.to_string())?;
        changes
            .last()
            .map(|c| c.at.to_rfc3339())
            .ok_or_else(|| "none".to_string())
    })
    .await;
    store.close().await;
    assert!(parse(&newest) > killed);
    second.signal("TERM");
    let _ = second.child.wait().await;
}

async fn lease_role(state: &Path) -> Option<String> {
    let store = opsdeck::store::Store::open(state).await.expect("store");
    let role = sqlx::query_scalar("SELECT role FROM history_lease")
        .fetch_optional(store.pool())
        .await
        .expect("lease");
    store.close().await;
    role
}

#[tokio::test]
async fn a_console_records_while_no_recorder_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = host_config(dir.path());
    let state = dir.path().join("state.db");
    let args = [
        "--config",
        cfg.to_str().expect("path"),
        "--state",
        state.to_str().expect("path"),
    ]
    .map(String::from);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let cfg_path = cfg.clone();
    let t = common::tmux::Tmux::start_in(dir, &args, &[], 120, 40);
    t.wait_text("host:");
    eventually(Duration::from_secs(10), "the console recording", || async {
        let role = lease_role(&state).await;
        let recorded = !opsdeck::store::Store::open(&state)
            .await
            .expect("store")
            .history_changes(Utc::now() - chrono::Duration::hours(1), Utc::now())
            .await
            .map_err(|e| e.to_string())?
            .is_empty();
        match role.as_deref() {
            Some("console") if recorded => Ok(String::new()),
            other => Err(format!("lease {other:?}, frames {recorded}")),
        }
    })
    .await;

    // A recorder takes the lease from the console at once...
    let mut rec = Recorder::start(&cfg_path, &state);
    rec.wait_for("history: recording", Duration::from_secs(10)).await;
    assert_eq!(lease_role(&state).await.as_deref(), Some("record"));
    // ...and the console keeps away while it holds it.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(lease_role(&state).await.as_deref(), Some("record"));

    // Stopped, it gives the lease up and the console records again.
    rec.signal("TERM");
    let _ = rec.child.wait().await;
    eventually(Duration::from_secs(8), "the console recording again", || async {
        match lease_role(&state).await.as_deref() {
            Some("console") => Ok(String::new()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
}

#[tokio::test]
async fn pruning_takes_what_is_older_than_keep_or_over_the_size() {
    use opsdeck::store::history::frames::FrameKind;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = opsdeck::store::Store::open(&dir.path().join("state.db"))
        .await
        .expect("store");
    let now = Utc::now();
    for days in [20, 16, 1, 0] {
        store
            .history_insert("host:local", FrameKind::Key, now - chrono::Duration::days(days), b"x")
            .await
            .expect("insert");
    }
    let count = |s: &opsdeck::store::Store| {
        let s = s.clone();
        async move {
            s.history_changes(now - chrono::Duration::days(30), now)
                .await
                .expect("changes")
                .len()
        }
    };
    let keep = now - chrono::Duration::days(14);
    // Small batches: one at a time.
    assert_eq!(store.history_prune(keep, u64::MAX, 1).await.expect("prune"), 1);
    assert_eq!(count(&store).await, 3);
    assert_eq!(store.history_prune(keep, u64::MAX, 10).await.expect("prune"), 1);
    assert_eq!(store.history_prune(keep, u64::MAX, 10).await.expect("prune"), 0);
    assert_eq!(count(&store).await, 2);
    // Over the size: the oldest go whatever their age.
    assert_eq!(store.history_prune(keep, 1, 1).await.expect("prune"), 1);
    let left = store
        .history_changes(now - chrono::Duration::days(30), now)
        .await
        .expect("changes");
    assert_eq!(left.len(), 1);
    assert!(left[0].at > now - chrono::Duration::hours(1));
    store.close().await;
}

/// A small tmpfs for one test, unmounted on drop.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().expect("mount point");
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount");
        assert!(ok.success(), "mount a tmpfs (needs root, as tests/run.sh runs)");
        Tmpfs(dir)
    }

    fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.0.path().join("filler")).expect("filler");
        for chunk in [1 << 20, 4096, 1] {
            let buf = vec![0xa5u8; chunk];
            while f.write_all(&buf).is_ok() {}
        }
    }

    fn free(&self) {
        std::fs::remove_file(self.0.path().join("filler")).expect("free");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.0.path())
            .status();
    }
}

/// The recorder on `store`, in a task of its own, once it records: where
/// reports go, what it says, and its task.
async fn recorder_on(
    store: &opsdeck::store::Store,
) -> (
    tokio::sync::mpsc::Sender<opsdeck::backends::BackendReport>,
    tokio::sync::mpsc::UnboundedReceiver<opsdeck::runtime::recorder::News>,
    tokio::task::JoinHandle<()>,
) {
    use opsdeck::runtime::recorder::{spawn, News, RecorderSetup};
    let setup = RecorderSetup {
        role: opsdeck::store::history::lease::Role::Record,
        redactor: Default::default(),
        history: Default::default(),
        sources: Default::default(),
        escalation: None,
    };
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let (news_tx, mut news) = tokio::sync::mpsc::unbounded_channel();
    let task = spawn(store.clone(), setup, rx, move |n| {
        let _ = news_tx.send(n);
    });
    assert_eq!(news.recv().await, Some(News::Recording));
    (tx, news, task)
}

/// The HTTP check "web" answering 200 at `at` in `latency_ms` (another
/// latency is another model: a new row).
fn http_report(at: DateTime<Utc>, latency_ms: u64) -> opsdeck::backends::BackendReport {
    use opsdeck::backends::{BackendData, BackendId, BackendKind, BackendReport};
    BackendReport {
        id: BackendId {
            kind: BackendKind::Http,
            name: "web".into(),
        },
        at,
        result: Ok(BackendData::Http(opsdeck::backends::http::HttpProbe {
            status: 200,
            expected: 200,
            latency_ms,
            failures: 0,
            last_success: None,
            cert_days_left: None,
        })),
        next_in: Duration::ZERO,
    }
}

#[tokio::test]
async fn a_full_disk_stops_the_history_not_the_audit_log_and_it_goes_on_after() {
    use opsdeck::runtime::recorder::News;
    let disk = Tmpfs::mount("6m");
    let state = disk.0.path().join("state.db");
    let store = opsdeck::store::Store::open(&state).await.expect("store");
    let (tx, mut news, task) = recorder_on(&store).await;
    // Each one different, so each one is a new row.
    let report = |i: u32| http_report(Utc::now(), u64::from(i));
    tx.send(report(1)).await.expect("send");
    disk.fill();
    let mut said = Vec::new();
    for i in 2..40 {
        tx.send(report(i)).await.expect("send");
        if let Ok(Some(n)) = tokio::time::timeout(Duration::from_millis(200), news.recv()).await {
            said.push(n);
            break;
        }
    }
    assert_eq!(said, [News::NotRecorded("disk full".into())]);
    assert_eq!(said[0].text(), "history: not recorded — disk full");

    disk.free();
    // The audit log goes on, its chain whole.
    let who = opsdeck::model::identity::Identity {
        operator: "alice".into(),
        host: "jump".into(),
        ssh_client: None,
    };
    let rec = opsdeck::store::AuditRecord::new("app", "test", opsdeck::store::Outcome::Info);
    store
        .append_audit(&who, rec)
        .await
        .expect("audit after the disk had room again");
    let verify = store.verify_audit().await.expect("verify");
    assert_eq!(verify.broken, None);
    // And so does the history, from a whole frame (a report that came
    // while the lease could not be renewed is not recorded).
    tx.send(report(100)).await.expect("send");
    let again = tokio::time::timeout(Duration::from_secs(5), news.recv()).await;
    assert_eq!(again, Ok(Some(News::Recording)));
    tx.send(report(101)).await.expect("send");
    drop(tx);
    task.await.expect("recorder");
    let recorded = store.history_at(Utc::now()).await.expect("history");
    let model = recorded[0]
        .state
        .data
        .as_ref()
        .map(|(m, _)| m["Http"]["latency_ms"].clone());
    assert_eq!(model, Some(serde_json::json!(101)));
    store.close().await;
}

#[tokio::test]
async fn a_team_store_keeps_history_too() {
    use opsdeck::store::history::frames::{Encoder, Step};
    use opsdeck::store::history::lease::Role;
    let db = common::pg::fresh_db().await;
    let store = opsdeck::store::Store::open_at(&opsdeck::store::Location::Team(db.team.clone()))
        .await
        .expect("team store");
    let lease = store
        .history_lease(Role::Console, Utc::now(), chrono::Duration::seconds(10))
        .await
        .expect("lease");
    assert!(lease.held_by(&store));
    // A key, a delta and an extension, read back at three times.
    let mut enc = Encoder::new(Duration::from_secs(300));
    // The store keeps microseconds.
    let t0 = DateTime::from_timestamp_micros((Utc::now() - chrono::Duration::seconds(30)).timestamp_micros())
        .expect("a time");
    let mut open = None;
    for (secs, v) in [(0, 1), (5, 2), (10, 2)] {
        let at = t0 + chrono::Duration::seconds(secs);
        match enc.data(at, serde_json::json!({ "v": v })) {
            Step::Insert { kind, body } => {
                open = Some(store.history_insert("http:web", kind, at, &body).await.expect("insert"));
            }
            Step::Extend => store.history_extend(open.expect("open row"), at).await.expect("extend"),
        }
    }
    let at = |secs| {
        let store = store.clone();
        async move {
            let r = store
                .history_at(t0 + chrono::Duration::seconds(secs))
                .await
                .expect("history at");
            r.first()
                .and_then(|b| b.state.data.clone())
                .map(|(m, seen)| (m["v"].clone(), seen))
        }
    };
    assert_eq!(at(2).await, Some((serde_json::json!(1), t0)));
    // Within a row that lasts past the time, polls went on until then.
    assert_eq!(
        at(7).await,
        Some((serde_json::json!(2), t0 + chrono::Duration::seconds(7)))
    );
    assert_eq!(
        at(60).await,
        Some((serde_json::json!(2), t0 + chrono::Duration::seconds(10)))
    );
    assert_eq!(store.history_changes(t0, Utc::now()).await.expect("changes").len(), 2);
    // An alert begins and ends.
    let alert = opsdeck::backends::alertmanager::AlertRow {
        fingerprint: "fp1".into(),
        name: "DiskFull".into(),
        severity: opsdeck::backends::alertmanager::Severity::Warning,
        state: "active".into(),
        starts_at: t0,
        summary: String::new(),
        instance: String::new(),
        labels: [("alertname".to_string(), "DiskFull".to_string())].into(),
        silenced_by: Vec::new(),
        annotations: Default::default(),
        generator_url: String::new(),
    };
    store
        .history_alerts_update("am", t0, None, &[&alert], &[])
        .await
        .expect("begin");
    store
        .history_alerts_seen("am", t0 + chrono::Duration::seconds(5))
        .await
        .expect("seen");
    store
        .history_alerts_update(
            "am",
            t0 + chrono::Duration::seconds(10),
            Some(t0 + chrono::Duration::seconds(5)),
            &[],
            &["fp1".into()],
        )
        .await
        .expect("end");
    let episodes = store
        .history_alerts(t0 - chrono::Duration::hours(1))
        .await
        .expect("alerts");
    assert_eq!(episodes.len(), 1);
    assert_eq!(episodes[0].last_seen, t0 + chrono::Duration::seconds(5));
    assert_eq!(episodes[0].resolved_at, Some(t0 + chrono::Duration::seconds(10)));
    assert_eq!(store.history_prune(Utc::now(), u64::MAX, 100).await.expect("prune"), 2);
    store.history_release().await.expect("release");
    store.close().await;
}

/// Trend samples: `opsdeck record` stores the host's memory (and disks),
/// at most one value a metric a minute; the minute under way when it
/// stops is stored on the way out.
#[tokio::test]
async fn record_stores_trend_samples() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = host_config(dir.path());
    let state = dir.path().join("state.db");
    let mut rec = Recorder::start(&cfg, &state);
    rec.wait_for("history: recording", Duration::from_secs(10)).await;
    eventually(Duration::from_secs(10), "the host recorded", || async {
        let store = opsdeck::store::Store::open(&state).await.map_err(|e| e.to_string())?;
        let changes = store
            .history_changes(Utc::now() - chrono::Duration::hours(1), Utc::now())
            .await
            .map_err(|e| e.to_string())?;
        store.close().await;
        if changes.iter().any(|c| c.backend.starts_with("host:")) {
            Ok(String::new())
        } else {
            Err(format!("{changes:?}"))
        }
    })
    .await;
    rec.signal("TERM");
    let _ = rec.child.wait().await;

    let store = opsdeck::store::Store::open(&state).await.expect("store");
    let samples = store
        .history_samples(Utc::now() - chrono::Duration::hours(1), Utc::now())
        .await
        .expect("samples");
    let memory: Vec<_> = samples
        .iter()
        .filter(|s| s.metric.starts_with("host:") && s.metric.ends_with(":memory"))
        .collect();
    assert!(!memory.is_empty(), "no memory sample in {samples:?}");
    assert!(memory.iter().all(|s| s.value > 0.0 && s.value <= 100.0), "{memory:?}");
    let mut seen = std::collections::HashSet::new();
    for s in &samples {
        assert_eq!(s.at.timestamp() % 60, 0, "a minute's sample is at its start: {s:?}");
        assert!(
            seen.insert((s.metric.clone(), s.at)),
            "two samples of one minute: {s:?}"
        );
    }
    // `history show` draws the day before its moment: here, half an hour
    // of memory samples written beside the recorder's.
    let metric = memory[0].metric.clone();
    let now = Utc::now();
    let half_hour: Vec<_> = (1..=30)
        .map(|m| opsdeck::model::trend::Sample {
            metric: metric.clone(),
            at: now - chrono::Duration::minutes(m),
            value: 40.0 + m as f64,
        })
        .collect();
    store.history_samples_insert(&half_hour).await.expect("samples");
    store.close().await;
    let at = now.to_rfc3339();
    let (code, out, err) = history(&cfg, &state, &["show", "--at", &at, "--pane", "services"]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("trends, the last 1 h"), "{out}");
    assert!(out.lines().any(|l| l.contains("  mem ") && l.contains('█')), "{out}");
}

/// Polls that see nothing new write nothing each: their `until` is kept
/// and written with the next lease renewal (a change is written at once),
/// and on a clean stop.
#[tokio::test]
async fn unchanged_polls_are_written_together_with_the_lease() {
    use opsdeck::runtime::recorder::LEASE_TTL;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = opsdeck::store::Store::open(&dir.path().join("state.db"))
        .await
        .expect("store");
    let (tx, _news, task) = recorder_on(&store).await;
    // Whole seconds: as the store writes times back.
    let t0 = DateTime::from_timestamp(Utc::now().timestamp(), 0).expect("now");
    let report = |secs: i64, latency_ms: u64| http_report(t0 + chrono::Duration::seconds(secs), latency_ms);
    let rows = || async {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT at, until FROM history_frames ORDER BY id")
            .fetch_all(store.pool())
            .await
            .expect("rows");
        rows.into_iter()
            .map(|(at, until)| (parse(&at), parse(&until)))
            .collect::<Vec<_>>()
    };
    for secs in 0..4 {
        tx.send(report(secs, 7)).await.expect("send");
    }
    // The first poll is a row at once; the three like it wait for the lease.
    eventually(Duration::from_secs(2), "the first row", || async {
        match rows().await.as_slice() {
            [(at, _)] if *at == t0 => Ok(String::new()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    eventually(LEASE_TTL, "the until written with the lease", || async {
        match rows().await.as_slice() {
            [(at, until)] if *at == t0 && *until == t0 + chrono::Duration::seconds(3) => Ok(String::new()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    // A change is a new row at once; the last until is written on stop.
    tx.send(report(4, 9)).await.expect("send");
    tx.send(report(5, 9)).await.expect("send");
    drop(tx);
    task.await.expect("recorder");
    let rows = rows().await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        rows[1],
        (t0 + chrono::Duration::seconds(4), t0 + chrono::Duration::seconds(5))
    );
}
