//! A checklist session's report shows the screen: against the real
//! services of tests/run.sh, `opsdeck record` runs while a session is open,
//! a PostgreSQL session is blocked and let go, an alert fires and a
//! container is killed; `opsdeck incident report` then holds the dashboard
//! as recorded at the start and at the phase change, and the failure, the
//! blocked session and the alert in its timeline. The walk through the
//! recorded rows is tested on its own, on SQLite and on PostgreSQL.

mod common;

use common::history::{eventually, opsdeck, Recorder};

use bollard::container::Config as ContainerConfig;
use bollard::models::HostConfig;
use chrono::{DateTime, Utc};
use opsdeck::runbook::session::{Event, EventKind};
use opsdeck::store::history::frames::{Encoder, Step};
use opsdeck::store::history::walk::Walked;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Docker, PostgreSQL and Alertmanager, polled every second.
fn config(dir: &Path) -> PathBuf {
    std::env::set_var("OPSDECK_TEST_REPORT_PG_PW", common::pg_password());
    let p = dir.join("config.toml");
    let text = format!(
        "[[docker]]\nname = \"test\"\nurl = \"{}\"\ninterval = \"1s\"\n\n\
         [[postgres]]\nname = \"main\"\nurl = \"{}\"\npassword_env = \"OPSDECK_TEST_REPORT_PG_PW\"\n\
         interval = \"1s\"\n\n\
         [[alertmanager]]\nname = \"am\"\nurl = \"{}\"\ninterval = \"1s\"\n",
        common::docker_host(),
        common::pg_url(),
        common::alertmanager_url()
    );
    std::fs::write(&p, text).expect("config");
    p
}

async fn run(cfg: &Path, state: &Path, args: &[&str]) -> Result<String, String> {
    let out = opsdeck(cfg, state).args(args).output().await.expect("run opsdeck");
    match out.status.code() {
        Some(0) => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        code => Err(format!(
            "opsdeck {args:?}: {code:?} {}",
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

/// The report, once it holds `want`.
async fn report_with(cfg: &Path, state: &Path, id: &str, want: &str) -> String {
    eventually(Duration::from_secs(30), want, || async {
        let report = run(cfg, state, &["incident", "report", id]).await?;
        if report.contains(want) {
            Ok(report)
        } else {
            Err(report)
        }
    })
    .await
}

/// The fenced block under the dashboard heading that starts with `heading`.
fn dashboard<'a>(report: &'a str, heading: &str) -> &'a str {
    let section = report
        .split("\n### When ")
        .find(|s| s.starts_with(heading))
        .unwrap_or_else(|| panic!("no dashboard «{heading}» in:\n{report}"));
    let block = section
        .split_once("```text\n")
        .and_then(|(_, b)| b.split_once("\n```"))
        .map(|(b, _)| b);
    block.unwrap_or_else(|| panic!("dashboard «{heading}» not drawn:\n{section}"))
}

/// The test's alert ended, so no other test sees it fire.
async fn resolve(alert: &str) {
    let body = serde_json::json!([{
        "labels": {"alertname": alert, "severity": "critical", "instance": "web-1:8080"},
        "annotations": {"summary": "report test"},
        "startsAt": (Utc::now() - chrono::Duration::minutes(1)).to_rfc3339(),
        "endsAt": Utc::now().to_rfc3339(),
    }]);
    let url = format!("{}/api/v2/alerts", common::alertmanager_url().trim_end_matches('/'));
    let resp = reqwest::Client::new()
        .post(&url)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("resolve alert at {url}: {e}"));
    assert!(resp.status().is_success(), "resolve alert: HTTP {}", resp.status());
}

fn runbook() -> opsdeck::runbook::Runbook {
    let text = "id = \"web-down\"\ntitle = \"Web down\"\nkind = \"incident\"\n\
                [[phase]]\nname = \"Triage\"\n[[phase.step]]\nid = \"look\"\ntitle = \"Look at the dashboard\"\n\
                [[phase]]\nname = \"Recovery\"\n[[phase.step]]\nid = \"restart\"\ntitle = \"Restart web\"\n";
    toml::from_str(text).unwrap_or_else(|e| panic!("{e}"))
}

async fn backend_pid(c: &mut PgConnection) -> i32 {
    sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(c)
        .await
        .expect("pid")
}

#[tokio::test]
async fn the_report_of_a_session_spanning_a_container_failure_shows_the_recorded_dashboard_and_the_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path());
    let state = dir.path().join("state.db");
    let docker = common::docker::client().await;
    let name = format!("rw-{}", std::process::id());
    let web = ContainerConfig {
        image: Some(common::test_image()),
        cmd: Some(vec!["sleep".into(), "300".into()]),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    common::docker::run(&docker, &name, web).await;
    let mut recorder = Recorder::start(&cfg, &state);
    recorder.wait_for("history: recording", Duration::from_secs(15)).await;

    // Recorded running before the session starts.
    eventually(Duration::from_secs(20), "the container running in history", || async {
        let now = Utc::now().to_rfc3339();
        let args = ["history", "show", "--at", &now, "--pane", "services"];
        let screen = run(&cfg, &state, &args).await?;
        match screen.lines().find(|l| l.contains(&name)) {
            Some(l) if l.contains("running") || l.contains("Up ") => Ok(String::new()),
            _ => Err(screen),
        }
    })
    .await;

    let store = opsdeck::store::Store::open(&state).await.expect("store");
    let who = opsdeck::model::identity::Identity {
        operator: "alice".into(),
        host: "jump".into(),
        ssh_client: None,
    };
    let id = match opsdeck::effects::checklist::start(&store, &who, &runbook(), "Web down", None).await {
        opsdeck::app::Msg::SessionOpened(s) => s.meta.id.clone(),
        other => panic!("{other:?}"),
    };

    // A session blocked on a lock, then let go.
    let opts = PgConnectOptions::from_str(&common::pg_url())
        .expect("pg url")
        .password(&common::pg_password());
    let mut holder = PgConnection::connect_with(&opts).await.expect("connect");
    let mut waiter = PgConnection::connect_with(&opts).await.expect("connect");
    let table = format!("report_lock_{}", std::process::id());
    sqlx::query(&format!("CREATE TABLE IF NOT EXISTS {table} (id int)"))
        .execute(&mut holder)
        .await
        .expect("create table");
    let (holding, waiting) = (backend_pid(&mut holder).await, backend_pid(&mut waiter).await);
    sqlx::query("BEGIN").execute(&mut holder).await.expect("begin");
    sqlx::query(&format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        .execute(&mut holder)
        .await
        .expect("lock");
    let select = format!("SELECT count(*) FROM {table}");
    let blocked = tokio::spawn(async move {
        let _ = sqlx::query(&select).execute(&mut waiter).await;
        waiter
    });
    let alert = format!("ReportTestAlert{}", std::process::id());
    common::alertmanager::post_alert(
        &common::alertmanager_url(),
        &[
            ("alertname", &alert),
            ("severity", "critical"),
            ("instance", "web-1:8080"),
        ],
        &[("summary", "report test")],
    )
    .await;
    let blocked_line = format!("seen: pg:main session {waiting} blocked by {holding}");
    report_with(&cfg, &state, &id, &blocked_line).await;
    sqlx::query("COMMIT").execute(&mut holder).await.expect("commit");
    let waiter = blocked.await.expect("the blocked query ends");
    let cleared = format!("seen: pg:main session {waiting} no longer blocked by {holding}");
    report_with(&cfg, &state, &id, &cleared).await;

    // The failure: recorded, then the first phase settled.
    docker
        .kill_container::<String>(&name, None)
        .await
        .expect("kill container");
    let failure = format!("seen: container {name} (docker:test) running → exited (exit 137)");
    report_with(&cfg, &state, &id, &failure).await;
    let look = Event {
        at: Utc::now(),
        operator: who.operator.clone(),
        step: Some("look".into()),
        what: EventKind::Done { verified: false },
    };
    opsdeck::effects::checklist::record(&store, &who, &id, look, Some(None)).await;
    let fired = format!("seen: alert {alert} (critical, ");
    let report = report_with(&cfg, &state, &id, &fired).await;

    let _ = recorder.child.start_kill();
    let _ = recorder.child.wait().await;
    resolve(&alert).await;
    common::docker::remove(&docker, &name).await;
    sqlx::query(&format!("DROP TABLE {table}"))
        .execute(&mut holder)
        .await
        .expect("drop table");
    drop((holder, waiter));
    store.close().await;

    // The dashboard as recorded: running at the start, exited at the phase change.
    assert!(report.contains("\n## Dashboard as recorded\n"), "{report}");
    // The tile counts running containers and names the ones in trouble.
    let at_start = dashboard(&report, "the session started");
    assert!(at_start.contains("test: 1 up"), "{at_start}");
    assert!(!at_start.contains(&name), "{at_start}");
    let at_phase = dashboard(&report, "phase «Recovery» began");
    let line = at_phase.lines().find(|l| l.contains(&name));
    let line = line.unwrap_or_else(|| panic!("{name} not on the phase change's dashboard:\n{at_phase}"));
    assert!(line.contains("exited") || line.contains("Exited"), "{line}");

    // The timeline: the screen's lines among the operators', in time order.
    let timeline: Vec<&str> = report
        .split("## Timeline\n\n")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .take_while(|l| l.starts_with("- "))
        .collect();
    let index = |what: &str| {
        timeline
            .iter()
            .position(|l| l.contains(what))
            .unwrap_or_else(|| panic!("{what:?} not in the timeline:\n{}", timeline.join("\n")))
    };
    let started = index("alice: started the session");
    let fired_at = index(&fired);
    assert!(
        timeline[fired_at].ends_with("instance web-1:8080) fired"),
        "{}",
        timeline[fired_at]
    );
    let (blocked_at, cleared_at) = (index(&blocked_line), index(&cleared));
    let (failed_at, ticked) = (index(&failure), index("alice: ticked «Look at the dashboard»"));
    assert!(
        started < blocked_at && blocked_at < cleared_at && cleared_at < failed_at && failed_at < ticked,
        "{}",
        timeline.join("\n")
    );
    assert!(report.contains("\naudit head: "), "{report}");
    assert!(
        !report.chars().any(|c| c.is_control() && c != '\n'),
        "a control character in the report"
    );
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default()
}

/// Write polls as the recorder does: each new row inserted, an unchanged
/// poll extending the open one.
async fn write(store: &opsdeck::store::Store, enc: &mut Encoder, backend: &str, secs: i64, poll: Result<i64, &str>) {
    let step = match poll {
        Ok(n) => enc.data(at(secs), serde_json::json!({ "n": n })),
        Err(e) => enc.error(e),
    };
    match step {
        Step::Insert { kind, body } => {
            store
                .history_insert(backend, kind, at(secs), &body)
                .await
                .expect("insert");
        }
        Step::Extend => {}
    }
}

#[tokio::test]
async fn the_walk_replays_every_row_after_the_start_in_time_order_and_stops_at_its_bound_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = opsdeck::store::Store::open(&dir.path().join("state.db"))
        .await
        .expect("store");
    walk_replays_and_stops_at_its_bound(store).await;
}

#[tokio::test]
async fn the_walk_replays_every_row_after_the_start_in_time_order_and_stops_at_its_bound_on_postgres() {
    let db = common::pg::fresh_db().await;
    let store = opsdeck::store::Store::open_at(&opsdeck::store::Location::Team(db.team.clone()))
        .await
        .expect("open the team store");
    walk_replays_and_stops_at_its_bound(store).await;
    drop(db);
}

async fn walk_replays_and_stops_at_its_bound(store: opsdeck::store::Store) {
    // A key every 10 s: the walk crosses keys and deltas.
    let (mut a, mut b) = (
        Encoder::new(Duration::from_secs(10)),
        Encoder::new(Duration::from_secs(10)),
    );
    for secs in 0..30 {
        write(&store, &mut a, "docker:a", secs, Ok(secs / 3)).await;
        let poll = if secs % 7 == 6 { Err("refused") } else { Ok(secs) };
        write(&store, &mut b, "pg:b", secs, poll).await;
    }
    let start = store.history_at(at(4)).await.expect("history at");
    let walk = |replayed: &'static str, max_rows| {
        let (store, start) = (&store, &start);
        async move {
            let mut seen = Vec::new();
            let unread = store
                .history_walk(
                    start,
                    (at(4), at(20)),
                    max_rows,
                    |b| replayed.contains(b),
                    |t, backend, row| {
                        let what = match row {
                            Walked::Model(v) => v["n"].to_string(),
                            Walked::Answered => "answered".to_string(),
                            Walked::Error(e) => e.to_string(),
                        };
                        seen.push(format!("{} {backend} {what}", (t - at(0)).num_seconds()));
                    },
                )
                .await
                .expect("walk");
            (seen, unread)
        }
    };
    // Every model as it was polled then: a's changes every 3 s, b's every
    // second with its errors between (the row at the start is not walked).
    let want = |b_replayed: bool| {
        let mut want = Vec::new();
        for secs in 5..=20 {
            if secs % 3 == 0 {
                want.push(format!("{secs} docker:a {}", secs / 3));
            }
            if secs % 7 == 6 {
                want.push(format!("{secs} pg:b refused"));
            } else if b_replayed {
                want.push(format!("{secs} pg:b {secs}"));
            } else {
                want.push(format!("{secs} pg:b answered"));
            }
        }
        want
    };
    assert_eq!(walk("docker:a pg:b", 1_000).await, (want(true), 0));
    // b's models left alone: its rows only say it answered.
    assert_eq!(walk("docker:a", 1_000).await, (want(false), 0));

    // Bounded: the rows past the bound are counted, not read.
    let (read, unread) = walk("docker:a pg:b", 5).await;
    assert_eq!(read, want(true)[..5]);
    assert_eq!(unread, want(true).len() as u64 - 5);
    store.close().await;
}

fn web(state: &str, status: &str) -> opsdeck::model::docker::ContainerRow {
    opsdeck::model::docker::ContainerRow {
        id: "0123456789ab".into(),
        name: "web-1".into(),
        image: "shop/web:1.4".into(),
        state: state.into(),
        status: status.into(),
        health: opsdeck::model::docker::Health::None,
        exit_code: opsdeck::model::docker::exit_code_from_status(status),
        age_secs: None,
        compose_project: None,
        compose_service: None,
        ports: Vec::new(),
        labels: Vec::new(),
        restarts: None,
        oom_killed: false,
        usage: None,
        crash_loop: None,
    }
}

/// The Checklist pane's `r`: the file holds the dashboards drawn by the
/// console's own drawer, from what was recorded, and the failure seen.
#[tokio::test]
async fn the_checklist_pane_writes_the_report_with_the_recorded_dashboards_drawn() {
    use opsdeck::model::backend::BackendData;
    use opsdeck::model::docker::DockerSummary;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = opsdeck::store::Store::open(&dir.path().join("state.db"))
        .await
        .expect("store");
    let t0 = chrono::SubsecRound::trunc_subsecs(Utc::now() - chrono::Duration::minutes(10), 0);
    let secs = chrono::Duration::seconds;
    let docker = |row| {
        serde_json::to_value(BackendData::Docker(DockerSummary {
            engine_version: "27.3".into(),
            containers: vec![row],
        }))
        .expect("model")
    };
    let mut enc = Encoder::new(Duration::from_secs(300));
    for (at, model) in [
        (t0 - secs(30), docker(web("running", "Up 5 minutes"))),
        (t0 + secs(60), docker(web("exited", "Exited (1) 2 seconds ago"))),
    ] {
        if let Step::Insert { kind, body } = enc.data(at, model) {
            store
                .history_insert("docker:local", kind, at, &body)
                .await
                .expect("insert");
        }
    }
    let meta = opsdeck::runbook::session::SessionMeta {
        id: opsdeck::runbook::session::session_id(opsdeck::runbook::Kind::Incident, t0),
        title: "Web down".into(),
        severity: Some("P1".into()),
        started_at: t0,
        started_by: "alice".into(),
        closed_at: None,
        closed_by: None,
        resolution: None,
    };
    store.create_session(&meta, &runbook()).await.expect("session");
    let look = Event {
        at: t0 + secs(120),
        operator: "alice".into(),
        step: Some("look".into()),
        what: EventKind::Done { verified: false },
    };
    store.append_step_event(&meta.id, &look, None).await.expect("tick");

    let who = opsdeck::model::identity::Identity {
        operator: "alice".into(),
        host: "jump".into(),
        ssh_client: None,
    };
    let keymap = std::sync::Arc::new(opsdeck::config::keymap::Keymap::default_keymap());
    let state = opsdeck::app::State::new(who, keymap, Utc::now());
    let theme =
        opsdeck::config::theme::Theme::builtin("default", opsdeck::config::theme::ColorSupport::None).expect("theme");
    let io = opsdeck::effects::checklist::ChecklistIo {
        config: std::sync::Arc::new(opsdeck::config::Config::default()),
        reports_dir: dir.path().join("reports"),
        draw: Some(opsdeck::cli::history::drawer(state, theme)),
    };
    let msg = opsdeck::effects::checklist::write_report(&store, &io, &meta.id).await;
    assert!(
        matches!(&msg, opsdeck::app::Msg::ActionDone { ok: true, .. }),
        "{msg:?}"
    );
    store.close().await;
    let report = std::fs::read_to_string(dir.path().join("reports").join(format!("{}.md", meta.id))).expect("report");

    let at_start = dashboard(&report, "the session started");
    assert!(at_start.contains("local: 1 up"), "{at_start}");
    let at_phase = dashboard(&report, "phase «Recovery» began");
    let line = at_phase.lines().find(|l| l.contains("web-1"));
    let line = line.unwrap_or_else(|| panic!("web-1 not on the phase change's dashboard:\n{at_phase}"));
    assert!(line.contains("Exited (1)"), "{line}");
    assert_eq!(
        report
            .matches(&format!("{} UTC\n\n```text\n", t0.format("%H:%M:%S")))
            .count(),
        1,
        "{report}"
    );
    let seen = format!(
        "- {} seen: container web-1 (docker:local) running → exited (exit 1)\n",
        (t0 + secs(60)).format("%H:%M:%S")
    );
    assert!(report.contains(&seen), "{report}");
}
