//! Escalation end to end: the real `opsdeck record` binary reads a real
//! (private) Alertmanager and pages a local HTTP receiver started here.
//! Each level is posted once per alert, none after an ack, a refused post
//! is retried and every attempt is in the audit log, and the retries stop
//! once someone acknowledges the alert. opsdeck's own alerts are paged too,
//! except when acknowledged or held by a maintenance window. Config mistakes are
//! refused with the file and line.

mod common;

use common::alertmanager::{post_alert, PrivateAlertmanager};
use common::history::{eventually, Recorder};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request the receiver got: its path, its JSON body, the status it
/// answered with.
#[derive(Debug, Clone)]
struct Got {
    path: String,
    body: Value,
    status: u16,
}

/// A minimal HTTP/1.1 receiver on loopback: it answers each request with
/// the next status of `statuses` (200 once they run out) and keeps what
/// it got.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Got>>>,
}

impl Receiver {
    async fn start(statuses: &[u16]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
        let port = listener.local_addr().expect("addr").port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let statuses = Arc::new(Mutex::new(statuses.to_vec()));
        let kept = got.clone();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let (kept, statuses) = (kept.clone(), statuses.clone());
                tokio::spawn(async move {
                    let Some((path, body)) = read_request(&mut conn).await else {
                        return;
                    };
                    let status = {
                        let mut s = statuses.lock().expect("lock");
                        if s.is_empty() {
                            200
                        } else {
                            s.remove(0)
                        }
                    };
                    kept.lock().expect("lock").push(Got {
                        path,
                        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                        status,
                    });
                    let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
                    let _ = conn.write_all(reply.as_bytes()).await;
                    let _ = conn.shutdown().await;
                });
            }
        });
        Receiver { port, got }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().expect("lock").clone()
    }

    /// The requests about `alertname` to `path`.
    fn about(&self, path: &str, alertname: &str) -> Vec<Got> {
        self.got()
            .into_iter()
            .filter(|g| g.path == path && g.body["alertname"] == alertname)
            .collect()
    }
}

/// The request line's path and the body (by content-length).
async fn read_request(conn: &mut tokio::net::TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let path = head.split_whitespace().nth(1)?.to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some((path, buf[head_end..].to_vec()))
}

/// A config: one Alertmanager read each second, critical alerts due at
/// once, and `levels` (TOML tables) appended.
fn config(dir: &Path, am: &str, levels: &str) -> PathBuf {
    let p = dir.join("opsdeck.toml");
    let text = format!(
        "[[alertmanager]]\nname = \"am\"\nurl = \"{am}\"\ninterval = \"1s\"\n\n\
         [alerts]\nrespond_critical = \"0s\"\n\n{levels}"
    );
    std::fs::write(&p, text).expect("config");
    p
}

fn webhook(name: &str, after: &str, url: &str) -> String {
    format!("[[escalation]]\nname = \"{name}\"\nafter = \"{after}\"\nwebhook = \"{url}\"\n\n")
}

/// Silence `alertname` in the Alertmanager at `url` (an ack).
async fn silence(url: &str, alertname: &str) {
    let now = chrono::Utc::now();
    let body = serde_json::json!({
        "matchers": [{ "name": "alertname", "value": alertname, "isRegex": false, "isEqual": true }],
        "startsAt": now.to_rfc3339(),
        "endsAt": (now + chrono::Duration::hours(1)).to_rfc3339(),
        "createdBy": "carol",
        "comment": "ack: looking at it",
    });
    let resp = reqwest::Client::new()
        .post(format!("{url}/api/v2/silences"))
        .json(&body)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("post silence");
    assert!(resp.status().is_success(), "silence: HTTP {}", resp.status());
}

/// Whether the Alertmanager shows `alertname` suppressed.
async fn suppressed(url: &str, alertname: &str) -> Result<String, String> {
    let alerts: Value = reqwest::Client::new()
        .get(format!("{url}/api/v2/alerts"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let state = alerts
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["labels"]["alertname"] == alertname)
        .map(|a| a["status"]["state"].as_str().unwrap_or_default().to_string())
        .unwrap_or_default();
    if state == "suppressed" {
        Ok(state)
    } else {
        Err(state)
    }
}

/// The audit log's escalation entries about `alertname`: (outcome, details).
async fn escalations_audited(state: &Path, alertname: &str) -> Vec<(String, Value)> {
    let store = opsdeck::store::Store::open(state).await.expect("open store");
    let entries = store.audit_entries(None).await.expect("audit");
    store.close().await;
    entries
        .into_iter()
        .filter(|e| e.pane == "alerts" && e.action == "escalate")
        .filter(|e| {
            e.target
                .as_deref()
                .is_some_and(|t| t.contains(&format!("/{alertname} ")))
        })
        .map(|e| (e.outcome, serde_json::from_str(&e.details).expect("details")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_level_is_posted_once_and_none_after_an_ack() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.db");
    let am = PrivateAlertmanager::start(None).await;
    let rx = Receiver::start(&[]).await;
    let labels = |name| [("alertname", name), ("severity", "critical"), ("instance", "web-1")];
    post_alert(
        &am.url(),
        &labels("EscalatedDown"),
        &[("summary", "web-1 down, see https://grafana.example/d/web")],
    )
    .await;
    // An alert nobody acks: the level added later must reach it, or the
    // engine stopped for another reason than the ack.
    post_alert(&am.url(), &labels("NobodyAcks"), &[]).await;
    let levels = webhook("L1", "0s", &rx.url("/l1")) + &webhook("L2", "2s", &rx.url("/l2"));
    let cfg = config(dir.path(), &am.url(), &levels);
    let mut rec = Recorder::start(&cfg, &state);
    rec.wait_for("history: recording", Duration::from_secs(20)).await;

    eventually(Duration::from_secs(20), "L1 and L2 posted", || async {
        let (l1, l2) = (rx.about("/l1", "EscalatedDown"), rx.about("/l2", "EscalatedDown"));
        if l1.is_empty() || l2.is_empty() {
            return Err(format!("{:?}", rx.got()));
        }
        Ok(String::new())
    })
    .await;
    // Time for a second post of either, were one to come.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let l1 = rx.about("/l1", "EscalatedDown");
    let l2 = rx.about("/l2", "EscalatedDown");
    assert_eq!((l1.len(), l2.len()), (1, 1), "{:?}", rx.got());
    for (got, level) in [(&l1[0], "L1"), (&l2[0], "L2")] {
        let b = &got.body;
        assert_eq!(b["level"], level, "{b}");
        assert_eq!(b["severity"], "critical", "{b}");
        assert_eq!(b["source"], "am", "{b}");
        assert_eq!(b["labels"]["instance"], "web-1", "{b}");
        // respond_critical = "0s": the deadline is the alert's start.
        assert_eq!(b["deadline"], b["starts_at"], "{b}");
        let summary = b["summary"].as_str().expect("summary");
        assert!(summary.contains("EscalatedDown on web-1"), "{summary}");
        assert!(!b.to_string().contains("://"), "a link in {b}");
    }
    assert!(
        l2[0].body["overdue_seconds"].as_i64().expect("overdue") >= 2,
        "{:?}",
        l2[0].body
    );

    // The ack: a silence. Then a third level, due at once for both alerts,
    // in a recorder started again (which must not post L1 or L2 again).
    silence(&am.url(), "EscalatedDown").await;
    let url = am.url();
    eventually(Duration::from_secs(10), "the alert suppressed", || {
        suppressed(&url, "EscalatedDown")
    })
    .await;
    rec.signal("TERM");
    let _ = tokio::time::timeout(Duration::from_secs(10), rec.child.wait()).await;
    let levels = levels + &webhook("L3", "1s", &rx.url("/l3"));
    let cfg = config(dir.path(), &am.url(), &levels);
    let mut rec = Recorder::start(&cfg, &state);
    rec.wait_for("history: recording", Duration::from_secs(20)).await;
    eventually(Duration::from_secs(20), "L3 for the alert nobody acked", || async {
        match rx.about("/l3", "NobodyAcks").len() {
            0 => Err(format!("{:?}", rx.got())),
            _ => Ok(String::new()),
        }
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(rx.about("/l3", "EscalatedDown").is_empty(), "{:?}", rx.got());
    assert_eq!(rx.about("/l1", "EscalatedDown").len(), 1, "{:?}", rx.got());
    assert_eq!(rx.about("/l2", "EscalatedDown").len(), 1, "{:?}", rx.got());
    assert_eq!(rx.about("/l1", "NobodyAcks").len(), 1, "{:?}", rx.got());
    rec.signal("TERM");
    let _ = tokio::time::timeout(Duration::from_secs(10), rec.child.wait()).await;

    let audited = escalations_audited(&state, "EscalatedDown").await;
    let levels: Vec<&str> = audited.iter().map(|(_, d)| d["level"].as_str().unwrap_or("")).collect();
    assert_eq!(levels, vec!["L1", "L2"], "{audited:?}");
    assert!(audited.iter().all(|(o, _)| o == "ok"), "{audited:?}");
}

/// One critical alert in a private Alertmanager, a receiver answering
/// `statuses` (then 200) as level L1 at `/page`, and `opsdeck record`
/// paging it into a fresh store.
struct OnePage {
    _dir: tempfile::TempDir,
    state: PathBuf,
    _am: PrivateAlertmanager,
    am_url: String,
    rx: Receiver,
    rec: Recorder,
}

impl OnePage {
    async fn start(alertname: &str, statuses: &[u16]) -> OnePage {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("state.db");
        let am = PrivateAlertmanager::start(None).await;
        let rx = Receiver::start(statuses).await;
        post_alert(&am.url(), &[("alertname", alertname), ("severity", "critical")], &[]).await;
        let cfg = config(dir.path(), &am.url(), &webhook("L1", "0s", &rx.url("/page")));
        let mut rec = Recorder::start(&cfg, &state);
        rec.wait_for("history: recording", Duration::from_secs(20)).await;
        OnePage {
            _dir: dir,
            state,
            am_url: am.url(),
            _am: am,
            rx,
            rec,
        }
    }

    async fn stop(&mut self) {
        self.rec.signal("TERM");
        let _ = tokio::time::timeout(Duration::from_secs(10), self.rec.child.wait()).await;
    }

    /// The escalations the store keeps.
    async fn kept(&self) -> Vec<opsdeck::model::escalation::EscalationRecord> {
        let store = opsdeck::store::Store::open(&self.state).await.expect("store");
        let kept = store
            .escalations_since(chrono::Utc::now() - chrono::Duration::hours(1))
            .await
            .expect("escalations");
        store.close().await;
        kept
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_post_is_retried_and_each_attempt_audited() {
    let mut p = OnePage::start("RetriedPage", &[500]).await;
    let rx = &p.rx;
    eventually(Duration::from_secs(20), "an accepted post", || async {
        let got = rx.about("/page", "RetriedPage");
        match got.iter().any(|g| g.status == 200) {
            true => Ok(String::new()),
            false => Err(format!("{got:?}")),
        }
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = rx.about("/page", "RetriedPage");
    let statuses: Vec<u16> = got.iter().map(|g| g.status).collect();
    assert_eq!(statuses, vec![500, 200], "{got:?}");
    assert_eq!(got[0].body, got[1].body, "the retry sends the same body");
    p.stop().await;

    let audited = escalations_audited(&p.state, "RetriedPage").await;
    assert_eq!(audited.len(), 2, "{audited:?}");
    assert_eq!(audited[0].0, "failed", "{audited:?}");
    assert_eq!(audited[0].1["attempt"], 1);
    assert!(
        audited[0].1["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("HTTP 500")),
        "{audited:?}"
    );
    assert_eq!(audited[1].0, "ok", "{audited:?}");
    assert_eq!(audited[1].1["attempt"], 2);
    assert_eq!(audited[1].1["result"], "HTTP 200");
    // The store keeps the outcome with the claim: sent, after two attempts.
    let kept = p.kept().await;
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!((kept[0].attempts, kept[0].sent_at.is_some()), (2, true), "{kept:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_stop_once_the_alert_is_acknowledged() {
    // The pager is broken: every post is refused.
    let mut p = OnePage::start("AckedWhileRetrying", &[500; 20]).await;
    let rx = &p.rx;
    eventually(Duration::from_secs(20), "a refused post", || async {
        match rx.about("/page", "AckedWhileRetrying").len() {
            0 => Err(format!("{:?}", rx.got())),
            _ => Ok(String::new()),
        }
    })
    .await;
    // Someone has it now.
    silence(&p.am_url, "AckedWhileRetrying").await;
    let audit_state = p.state.clone();
    let stopped = eventually(Duration::from_secs(30), "the retries stopped in the audit log", || {
        let state = audit_state.clone();
        async move {
            let audited = escalations_audited(&state, "AckedWhileRetrying").await;
            match audited.iter().find(|(o, _)| o == "info") {
                Some((_, d)) => Ok(d.to_string()),
                None => Err(format!("{audited:?}")),
            }
        }
    })
    .await;
    let stopped: Value = serde_json::from_str(&stopped).expect("details");
    let posted = rx.about("/page", "AckedWhileRetrying").len();
    // The backoff's next attempts would be at 1 s, 3 s, 7 s, 15 s and 31 s:
    // none of them comes.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let got = rx.about("/page", "AckedWhileRetrying");
    assert_eq!(got.len(), posted, "a post after the ack: {got:?}");
    assert!(got.iter().all(|g| g.status == 500), "{got:?}");
    assert!(posted < 8, "every attempt was made: {got:?}");
    assert_eq!(stopped["attempts"], posted, "{stopped}");
    assert!(
        stopped["result"]
            .as_str()
            .is_some_and(|r| r.starts_with("stopped: acknowledged")),
        "{stopped}"
    );
    p.stop().await;

    let audited = escalations_audited(&p.state, "AckedWhileRetrying").await;
    let outcomes: Vec<&str> = audited.iter().map(|(o, _)| o.as_str()).collect();
    let mut want = vec!["failed"; posted];
    want.push("info");
    assert_eq!(outcomes, want, "{audited:?}");
    let kept = p.kept().await;
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].sent_at, None, "{kept:?}");
    assert_eq!(kept[0].attempts, posted as i64, "{kept:?}");
    assert_eq!(
        kept[0].last_error.as_deref(),
        Some(opsdeck::model::escalation::STOPPED_ANSWERED),
        "{kept:?}"
    );
}

/// A maintenance runbook, for a window stored as open.
const MAINTENANCE: &str = r#"id = "proxy-upgrade"
title = "Proxy upgrade"
kind = "maintenance"

[[phase]]
name = "Pre-check"

[[phase.step]]
id = "pre"
title = "Proxy answers"

[[phase]]
name = "Post-check"

[[phase.step]]
id = "post"
title = "Proxy answers again"
"#;

/// An open maintenance session whose window holds `matchers` for an hour.
async fn open_window(store: &opsdeck::store::Store, matchers: &[&str]) {
    use opsdeck::runbook::session::{Event, EventKind, SessionMeta};
    let runbook: opsdeck::runbook::Runbook = toml::from_str(MAINTENANCE).expect("runbook");
    let now = chrono::Utc::now();
    let meta = SessionMeta {
        id: format!("MNT-{}", now.format("%Y%m%d-%H%M%S")),
        title: "Proxy upgrade".into(),
        severity: None,
        started_at: now,
        started_by: "carol".into(),
        closed_at: None,
        closed_by: None,
        resolution: None,
    };
    store.create_session(&meta, &runbook).await.expect("session");
    let opened = Event {
        at: now,
        operator: "carol".into(),
        step: None,
        what: EventKind::WindowOpened {
            matchers: matchers.iter().map(|m| m.to_string()).collect(),
            until: now + chrono::Duration::hours(1),
            silences: Vec::new(),
            failed: Vec::new(),
        },
    };
    store.append_session_event(&meta.id, &opened).await.expect("window");
}

/// The posts to `path` about opsdeck's own alert `alertname` on `instance`.
fn own_posts(rx: &Receiver, path: &str, alertname: &str, instance: &str) -> Vec<Got> {
    rx.about(path, alertname)
        .into_iter()
        .filter(|g| g.body["source"] == "opsdeck" && g.body["labels"]["instance"] == instance)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_alerts_are_escalated_until_acknowledged_and_not_in_a_maintenance_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.db");
    let rx = Receiver::start(&[]).await;
    // Three endpoints nothing answers (port 1 refuses): EndpointDown for each.
    let mut text = String::from("[alerts]\nrespond_critical = \"0s\"\n\n");
    for name in ["web", "api", "proxy"] {
        text.push_str(&format!(
            "[[http]]\nname = \"{name}\"\nurl = \"http://127.0.0.1:1/health\"\ninterval = \"1s\"\ntimeout = \"1s\"\n\n"
        ));
    }
    text.push_str(&webhook("L1", "0s", &rx.url("/l1")));
    text.push_str(&webhook("L2", "20s", &rx.url("/l2")));
    let cfg = dir.path().join("opsdeck.toml");
    std::fs::write(&cfg, text).expect("config");
    // The proxy is being upgraded: its alerts are held.
    let store = opsdeck::store::Store::open(&state).await.expect("store");
    open_window(&store, &["instance=\"proxy\""]).await;

    let mut rec = Recorder::start(&cfg, &state);
    rec.wait_for("history: recording", Duration::from_secs(20)).await;
    eventually(Duration::from_secs(20), "L1 for web and api", || async {
        let (web, api) = (
            own_posts(&rx, "/l1", "EndpointDown", "web"),
            own_posts(&rx, "/l1", "EndpointDown", "api"),
        );
        if web.is_empty() || api.is_empty() {
            return Err(format!("{:?}", rx.got()));
        }
        Ok(String::new())
    })
    .await;
    let l1 = own_posts(&rx, "/l1", "EndpointDown", "web");
    let b = &l1[0].body;
    assert_eq!(b["severity"], "critical", "{b}");
    assert_eq!(b["fingerprint"], "opsdeck/EndpointDown/web", "{b}");
    assert_eq!(b["level"], "L1", "{b}");

    // Someone has web now.
    let now = chrono::Utc::now();
    store
        .add_ack(&opsdeck::model::acks::AckRecord {
            source: "opsdeck".into(),
            fingerprint: "opsdeck/EndpointDown/web".into(),
            alertname: "EndpointDown".into(),
            operator: "carol".into(),
            comment: "restarting it".into(),
            acked_at: now,
            until: now + chrono::Duration::hours(1),
            silence_id: None,
        })
        .await
        .expect("ack");
    store.close().await;

    // api, which nobody has, reaches L2; web and the proxy do not.
    eventually(Duration::from_secs(40), "L2 for api", || async {
        match own_posts(&rx, "/l2", "EndpointDown", "api").len() {
            0 => Err(format!("{:?}", rx.got())),
            _ => Ok(String::new()),
        }
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    rec.signal("TERM");
    let _ = tokio::time::timeout(Duration::from_secs(10), rec.child.wait()).await;
    assert!(
        own_posts(&rx, "/l2", "EndpointDown", "web").is_empty(),
        "{:?}",
        rx.got()
    );
    assert_eq!(own_posts(&rx, "/l1", "EndpointDown", "web").len(), 1, "{:?}", rx.got());
    assert_eq!(own_posts(&rx, "/l1", "EndpointDown", "api").len(), 1, "{:?}", rx.got());
    assert_eq!(own_posts(&rx, "/l2", "EndpointDown", "api").len(), 1, "{:?}", rx.got());
    let proxy: Vec<Got> = rx
        .got()
        .into_iter()
        .filter(|g| g.body["labels"]["instance"] == "proxy")
        .collect();
    assert!(proxy.is_empty(), "held by the window: {proxy:?}");
}

/// `opsdeck` on a config, for its exit code and stderr.
fn run_with(dir: &Path, text: &str) -> (Option<i32>, String, String) {
    let cfg = dir.join("bad.toml");
    std::fs::write(&cfg, text).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("--config")
        .arg(&cfg)
        .arg("snapshot")
        .env_remove("OPSDECK_CONFIG")
        .env("HOME", dir)
        .output()
        .expect("run opsdeck");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        cfg.display().to_string(),
    )
}

#[test]
fn config_mistakes_in_escalation_are_refused_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &str, &str); 6] = [
        (
            "[[escalation]]\nname = \"L1\"\nafter = \"soon\"\nwebhook = \"http://h/\"\n",
            ":3:",
            "invalid duration",
        ),
        (
            "[[escalation]]\nname = \"L1\"\nafter = \"0s\"\ncommand = [\"/usr/bin/mail\", \"oncall\"]\n",
            ":4:",
            "allow_commands",
        ),
        (
            "[[escalation]]\nname = \"L1\"\nafter = \"0s\"\nwebhook = \"http://h/\"\npagerduty_routing_key_env = \"PD_KEY\"\n",
            ":2:",
            "exactly one of webhook, pagerduty_routing_key_env or command",
        ),
        (
            "[[escalation]]\nname = \"L1\"\nafter = \"0s\"\n",
            ":2:",
            "exactly one of",
        ),
        (
            "[[escalation]]\nname = \"L1\"\nafter = \"0s\"\nwebhook = \"http://h/\"\n\n\
             [[escalation]]\nname = \"L2\"\nafter = \"1m\"\nwebhook = \"ftp://h/\"\n",
            ":9:",
            "webhook must start with http:// or https://",
        ),
        (
            "[[escalation]]\nname = \"L1\"\nafter = \"0s\"\nwebhook = \"http://h/\"\nseverities = [\"critical\", \"sev1\"]\n",
            ":5:",
            "\"sev1\" is not one of critical, warning, info",
        ),
    ];
    for (text, line, says) in cases {
        let (code, err, file) = run_with(dir.path(), text);
        assert_eq!(code, Some(2), "{text}: {err}");
        assert!(err.contains(&format!("{file}{line}")), "{text}: {err}");
        assert!(err.contains(says), "{text}: {err}");
    }
    // The same command allowed, and a PagerDuty level: accepted.
    let ok = "[runbooks]\nallow_commands = true\n\n\
              [[escalation]]\nname = \"L1\"\nafter = \"0s\"\ncommand = [\"/usr/bin/mail\", \"oncall\"]\n\n\
              [[escalation]]\nname = \"L2\"\nafter = \"10m\"\npagerduty_routing_key_env = \"PD_KEY\"\nseverities = [\"critical\"]\n";
    let (code, err, _) = run_with(dir.path(), ok);
    assert_eq!(code, Some(0), "{err}");
}
