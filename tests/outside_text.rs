//! Text from outside opsdeck that would steer the terminal, put into the
//! real Alertmanager, dockerd and PostgreSQL: an alert label holding an OSC
//! title sequence and an annotation holding SGR codes, a container whose
//! environment and labels hold the same, and a PostgreSQL query with an OSC
//! title sequence in a comment. Neither `opsdeck snapshot` nor the console
//! in a real terminal (tmux) writes any of it raw.

mod common;

use bollard::container::Config as ContainerConfig;
use bollard::models::HostConfig;
use bollard::Docker;
use common::tmux::Tmux;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Executor};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

const ALERT_INSTANCE: &str = "esc\x1b]2;PWNED-TITLE\x07host";
const ALERT_SUMMARY: &str = "\x1b[7mINVERTED\x1b[0m";
const ENV_VALUE: &str = "hi\x1b]2;DOCKERPWNED\x07there";
const LABEL_VALUE: &str = "\x1b[7mLABELINVERSE";
const PG_QUERY: &str = "SELECT pg_sleep(30) /* \x1b]2;PGPWNED\x07 */";

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}{}x{nanos}", std::process::id())
}

/// The hostile data in all three services; removed (the container, the
/// session) when dropped. The alert ends by itself two minutes on.
struct Hostile {
    alert: String,
    container: String,
    docker: Docker,
    pg: tokio::task::JoinHandle<()>,
}

impl Hostile {
    async fn post() -> Hostile {
        let alert = unique("OpsdeckHostile");
        post_alert(&alert).await;
        let docker = common::docker::client().await;
        let container = unique("od-hostile-");
        run_container(&docker, &container).await;
        let pg = tokio::spawn(async {
            let mut c = pg_connection().await;
            // Cancelled (the connection dropped) when the test ends.
            let _ = c.execute(PG_QUERY).await;
        });
        // Long enough for the query to count as long (long_query = "1s").
        tokio::time::sleep(Duration::from_millis(2500)).await;
        Hostile {
            alert,
            container,
            docker,
            pg,
        }
    }

    async fn remove(self) {
        self.pg.abort();
        common::docker::remove(&self.docker, &self.container).await;
    }
}

async fn post_alert(name: &str) {
    let now = chrono::Utc::now();
    let body = serde_json::json!([{
        "labels": {"alertname": name, "severity": "critical", "instance": ALERT_INSTANCE},
        "annotations": {"summary": ALERT_SUMMARY},
        "startsAt": now.to_rfc3339(),
        "endsAt": (now + chrono::Duration::minutes(2)).to_rfc3339(),
    }]);
    let url = format!("{}/api/v2/alerts", common::alertmanager_url().trim_end_matches('/'));
    let resp = reqwest::Client::new()
        .post(&url)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("post alert to {url}: {e}"));
    assert!(resp.status().is_success(), "post alert: HTTP {}", resp.status());
}

/// A container with no network, sleeping, whose environment and labels
/// hold terminal controls.
async fn run_container(d: &Docker, name: &str) {
    let cfg = ContainerConfig {
        image: Some(common::test_image()),
        cmd: Some(vec!["sleep".into(), "300".into()]),
        env: Some(vec![format!("HOSTILE_ENV={ENV_VALUE}")]),
        labels: Some([("hostile.label".to_string(), LABEL_VALUE.to_string())].into()),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    common::docker::run(d, name, cfg).await;
}

async fn pg_connection() -> PgConnection {
    let opts = PgConnectOptions::from_str(&common::pg_url())
        .expect("OPSDECK_TEST_PG_URL parses")
        .password(&common::pg_password());
    PgConnection::connect_with(&opts)
        .await
        .expect("connect to the test PostgreSQL")
}

/// A config naming the three services; long queries listed after a second.
fn config(dir: &Path) -> PathBuf {
    std::env::set_var("OPSDECK_TEST_PG_PW_REF", common::pg_password());
    let p = dir.join("config.toml");
    let text = format!(
        "[[docker]]\nname = \"test\"\nurl = \"{}\"\n\n[[postgres]]\nname = \"main\"\nurl = \"{}\"\npassword_env = \"OPSDECK_TEST_PG_PW_REF\"\nlong_query = \"1s\"\n\n[[alertmanager]]\nname = \"am\"\nurl = \"{}\"\n",
        common::docker_host(),
        common::pg_url(),
        common::alertmanager_url()
    );
    std::fs::write(&p, text).expect("config");
    p
}

/// Where in `bytes` a control character from the data is: ESC, BEL, or a
/// C1 control (UTF-8 0xC2 0x80..0x9F).
fn control_bytes(bytes: &[u8]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        let c1 = *b == 0xc2 && bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n));
        if *b == 0x1b || *b == 0x07 || c1 {
            let from = i.saturating_sub(20);
            let to = (i + 20).min(bytes.len());
            found.push((i, String::from_utf8_lossy(&bytes[from..to]).into_owned()));
        }
    }
    found
}

/// `opsdeck snapshot` of one pane, or of the dashboard.
async fn snapshot(cfg: &Path, home: &Path, pane: Option<&str>) -> Vec<u8> {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(["--config", cfg.to_str().expect("path"), "snapshot"])
        .args(pane.map(|p| ["--pane", p]).into_iter().flatten())
        .args(["--width", "220", "--height", "150"])
        .env("HOME", home)
        .env_remove("OPSDECK_CONFIG")
        .output()
        .await
        .expect("run snapshot");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

#[tokio::test]
async fn snapshot_of_each_pane_writes_no_control_from_the_data() {
    let hostile = Hostile::post().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path());
    let alerts = snapshot(&cfg, dir.path(), Some("alerts")).await;
    let services = snapshot(&cfg, dir.path(), Some("services")).await;
    let database = snapshot(&cfg, dir.path(), Some("database")).await;
    let dashboard = snapshot(&cfg, dir.path(), None).await;
    let container = hostile.container.clone();
    let alert = hostile.alert.clone();
    hostile.remove().await;
    for (pane, bytes) in [
        ("alerts", &alerts),
        ("services", &services),
        ("database", &database),
        ("dashboard", &dashboard),
    ] {
        let bad = control_bytes(bytes);
        assert!(bad.is_empty(), "{pane}: control bytes in the snapshot: {bad:?}");
    }
    // The data is there, with its controls made visible.
    let alerts = String::from_utf8_lossy(&alerts);
    assert!(alerts.contains(&alert), "{alerts}");
    assert!(alerts.contains("esc␛]2;PWNED-TITLE␇host"), "{alerts}");
    assert!(alerts.contains("␛[7mINVERTED␛[0m"), "{alerts}");
    let services = String::from_utf8_lossy(&services);
    assert!(services.contains(&container), "{services}");
    let database = String::from_utf8_lossy(&database);
    assert!(database.contains("pg_sleep(30) /* ␛]2;PGPWNED␇ */"), "{database}");
}

#[tokio::test]
async fn console_leaves_the_terminal_title_alone() {
    let hostile = Hostile::post().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path());
    let state = dir.path().join("state.db");
    let args = [
        "--config".to_string(),
        cfg.to_string_lossy().into_owned(),
        "--state".to_string(),
        state.to_string_lossy().into_owned(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let t = Tmux::start_in(dir, &args, &[], 220, 60);
    t.wait_text("1 Services");

    // Alerts pane: the hostile alert's row, then its details.
    t.keys(&["3"]);
    t.wait_text(&hostile.alert);
    t.keys(&["/"]);
    t.typed(&format!("alertname=\"{}\"", hostile.alert));
    t.keys(&["Enter"]);
    // Read once the filter is applied (keys sent before the screen shows
    // it are typeahead, and not taken as answers).
    t.wait_text("\"] 1 shown");
    t.read();
    t.keys(&["Enter"]);
    t.wait_text("[annotations]");
    t.keys(&["Escape"]);
    t.wait_for("details closed", |s| !s.contains("[annotations]"));

    // Services pane: the container's details, its environment and labels.
    t.keys(&["1"]);
    t.wait_text(&hostile.container);
    t.keys(&["/"]);
    t.typed(&hostile.container);
    t.keys(&["Enter"]);
    t.wait_for("the filter applied", |s| {
        s.contains(&format!("filter: {}", hostile.container)) && !s.contains('█')
    });
    t.read();
    t.keys(&["Enter"]);
    t.wait_text("HOSTILE_ENV");
    let details = t.wait_text("hostile.label");
    t.keys(&["Escape"]);

    // Database pane: the session running the query.
    t.keys(&["2"]);
    let database = t.wait_text("pg_sleep(30)");

    let title = t.display("#{pane_title}");
    let raw = std::fs::read(t.dir.path().join("pane-output")).unwrap_or_default();
    let shown = String::from_utf8_lossy(&raw).into_owned();
    t.keys(&["q"]);
    let code = t.wait_dead();
    hostile.remove().await;

    assert!(!title.contains("PWNED"), "the pane title was changed: {title:?}");
    // opsdeck never sets a title: any OSC 0/1/2 came from the data.
    for osc in ["\x1b]0;", "\x1b]1;", "\x1b]2;"] {
        assert!(!shown.contains(osc), "an OSC title sequence was written: {osc:?}");
    }
    for raw_payload in [
        "PWNED-TITLE\x07",
        "DOCKERPWNED\x07",
        "PGPWNED\x07",
        "\x1b[7mINVERTED",
        "\x1b[7mLABELINVERSE",
    ] {
        assert!(!shown.contains(raw_payload), "written raw: {raw_payload:?}");
    }
    assert!(details.contains("hi␛]2;DOCKERPWNED␇there"), "{details}");
    assert!(details.contains("␛[7mLABELINVERSE"), "{details}");
    assert!(database.contains("␛]2;PGPWNED␇"), "{database}");
    assert_eq!(code, 0);
}

/// The alert is shown with placeholders, but Alertmanager holds the
/// control characters: acknowledging it must still silence it.
#[tokio::test]
async fn an_alert_shown_with_placeholders_is_still_silenced_by_its_ack() {
    use opsdeck::backends::alertmanager::{silences, AlertmanagerPoller};
    let alert = unique("OpsdeckHostileAck");
    post_alert(&alert).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = opsdeck::config::Config::discover(Some(&config(dir.path()))).expect("config");
    let am = &config.alertmanager[0];
    let mut poller = AlertmanagerPoller::new(am);
    let row =
        |summary: &opsdeck::model::alerts::AlertsSummary| summary.alerts.iter().find(|a| a.name == alert).cloned();
    let shown = row(&poller.poll().await.expect("poll")).expect("the alert is listed");
    assert_eq!(
        shown.labels.get("instance").map(String::as_str),
        Some("esc␛]2;PWNED-TITLE␇host")
    );
    let id = silences::create(am, &shown.labels, "tester", "ack", Duration::from_secs(120))
        .await
        .expect("silence created");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let now = row(&poller.poll().await.expect("poll")).expect("still listed");
        if now.silenced_by.contains(&id) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the silence {id} does not hold the alert: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    silences::expire(am, &id).await.expect("expired");
}
