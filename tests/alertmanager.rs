//! The Alerts pane against Alertmanager faults, with an Alertmanager of each
//! test's own (tests/common/alertmanager.rs): one stopped and started again
//! under running backend actors, and, in the real binary in tmux, one that
//! accepts connections and never answers next to one that works.

mod common;

use common::alertmanager::{post_alert, PrivateAlertmanager};
use common::tmux::Tmux;
use opsdeck::app::{update, BackendStatus, Freshness, Msg, State};
use opsdeck::backends::{self, BackendReport, Target};
use opsdeck::config::keymap::Keymap;
use opsdeck::config::Config;
use std::path::Path;

use std::sync::Arc;
use std::time::{Duration, Instant};

fn config(text: &str) -> Config {
    let mut c = Config::parse(text, Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"));
    c.host.enabled = false;
    c
}

fn new_state(targets: &[Target]) -> State {
    let identity = opsdeck::model::identity::Identity {
        operator: "alice".into(),
        host: "test".into(),
        ssh_client: None,
    };
    let mut s = State::new(identity, Arc::new(Keymap::default_keymap()), chrono::Utc::now());
    s.backends.targets = targets
        .iter()
        .map(|t| BackendStatus::new(t.id.clone(), t.interval, t.timeout))
        .collect();
    s
}

fn status<'a>(state: &'a State, name: &str) -> &'a BackendStatus {
    state
        .backends
        .targets
        .iter()
        .find(|b| b.id.name == name)
        .unwrap_or_else(|| panic!("no backend {name}"))
}

/// The Alerts pane's rows as (source, alert name): "opsdeck" for its own.
fn alert_rows(state: &State) -> Vec<(String, String)> {
    state
        .alert_rows()
        .into_iter()
        .map(|(source, a)| {
            let source = source.map_or_else(|| "opsdeck".to_string(), |b| b.id.name.clone());
            (source, a.name.clone())
        })
        .collect()
}

fn listed(state: &State, source: &str, alert: &str) -> bool {
    alert_rows(state).iter().any(|(s, a)| s == source && a == alert)
}

/// The backend actors, stopped however the test ends.
struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

/// The app side: reports go through `update`, as the runtime sends them.
struct App {
    state: State,
    rx: tokio::sync::mpsc::Receiver<BackendReport>,
}

impl App {
    /// Feed reports into the state until `done` holds, or fail after `limit`.
    /// Returns how long it took.
    async fn until(&mut self, what: &str, limit: Duration, done: impl Fn(&State, &BackendReport) -> bool) -> Duration {
        let started = Instant::now();
        let deadline = started + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let report = match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(r)) => r,
                Ok(None) => panic!("backend channel closed while waiting for: {what}"),
                Err(_) => panic!(
                    "not within {limit:?}: {what}; backends: {:#?}; alerts: {:?}",
                    self.state
                        .backends
                        .targets
                        .iter()
                        .map(|b| (b.id.to_string(), b.freshness(chrono::Utc::now()), b.last_error.clone()))
                        .collect::<Vec<_>>(),
                    alert_rows(&self.state)
                ),
            };
            update(&mut self.state, Msg::Tick(chrono::Utc::now()));
            update(&mut self.state, Msg::Backend(report.clone()));
            if done(&self.state, &report) {
                return started.elapsed();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alertmanager_stopped_is_stale_then_recovers_without_user_action() {
    let test_started = Instant::now();
    let mut am = PrivateAlertmanager::start(None).await;
    post_alert(
        &am.url(),
        &[
            ("alertname", "DiskFull"),
            ("severity", "critical"),
            ("instance", "db-1:9100"),
        ],
        &[("summary", "disk 97% full")],
    )
    .await;
    post_alert(
        &am.url(),
        &[
            ("alertname", "SlowQueries"),
            ("severity", "warning"),
            ("instance", "db-2:9187"),
        ],
        &[("summary", "p99 over 2s")],
    )
    .await;

    let text = format!(
        "[[alertmanager]]\nname = \"am\"\nurl = \"{}\"\ninterval = \"1s\"\ntimeout = \"1s\"\n",
        am.url()
    );
    let targets = backends::targets(&config(&text));
    assert_eq!(targets.len(), 1);
    let (interval, timeout) = (targets[0].interval, targets[0].timeout);
    assert_eq!((interval, timeout), (Duration::from_secs(1), Duration::from_secs(1)));
    let state = new_state(&targets);
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let _tasks = AbortOnDrop(backends::spawn_all(targets, tx));
    let mut app = App { state, rx };
    app.until("both alerts are listed from am", Duration::from_secs(15), |s, _| {
        listed(s, "am", "DiskFull") && listed(s, "am", "SlowQueries")
    })
    .await;
    assert_eq!(status(&app.state, "am").freshness(app.state.shell.now), Freshness::Ok);
    assert!(
        !alert_rows(&app.state).iter().any(|(_, a)| a == "AlertmanagerDown"),
        "{:?}",
        alert_rows(&app.state)
    );

    // Alertmanager goes away: within a poll interval and a timeout the
    // backend is down with a reason, and its last alerts stay listed.
    am.stop().await;
    let stopped = Instant::now();
    let took = app
        .until("am is down after Alertmanager stopped", interval + timeout, |s, r| {
            r.id.name == "am" && status(s, "am").freshness(s.shell.now) == Freshness::Down
        })
        .await;
    let am_status = status(&app.state, "am");
    let first_err = am_status.last_error.clone().expect("an error is kept").1;
    assert!(
        !first_err.is_empty() && !first_err.contains('\n'),
        "unhelpful error: {first_err:?}"
    );
    assert!(
        listed(&app.state, "am", "DiskFull") && listed(&app.state, "am", "SlowQueries"),
        "the last alerts are kept while down: {:?}",
        alert_rows(&app.state)
    );
    // The pane says so itself: the alerting pipeline being unreachable is an alert.
    assert!(
        listed(&app.state, "opsdeck", "AlertmanagerDown"),
        "no AlertmanagerDown alert: {:?}",
        alert_rows(&app.state)
    );
    let note = app
        .state
        .shell
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(note.starts_with("am:am down: "), "status line: {note:?}");
    eprintln!("down {took:?} after Alertmanager stopped: {first_err}");

    // Fail twice more with nothing listening (a fresh connect each time): the
    // error names the refused connection.
    for n in 1..=2 {
        app.until(
            &format!("am fails {n} more times while Alertmanager is stopped"),
            interval.saturating_mul(4) + timeout + Duration::from_secs(1),
            |s, r| r.id.name == "am" && r.result.is_err() && status(s, "am").freshness(s.shell.now) == Freshness::Down,
        )
        .await;
    }
    let err = status(&app.state, "am").last_error.clone().expect("an error is kept").1;
    assert_eq!(
        err, "connection refused",
        "while nothing listens the error says just that"
    );
    assert!(
        listed(&app.state, "am", "DiskFull") && listed(&app.state, "am", "SlowQueries"),
        "the last alerts are still kept: {:?}",
        alert_rows(&app.state)
    );

    // Back on the same port. Alertmanager keeps alerts in memory only: it
    // comes back empty, and gets one new alert. Nobody touches opsdeck.
    am.restart().await;
    let down_for = stopped.elapsed();
    post_alert(
        &am.url(),
        &[
            ("alertname", "BackupLate"),
            ("severity", "warning"),
            ("instance", "backup-1"),
        ],
        &[("summary", "last backup 30h ago")],
    )
    .await;
    let restarted = Instant::now();
    // Backoff is at most four intervals, then one poll within its timeout.
    let recovered = app
        .until(
            "am is fresh again with the new alert",
            interval.saturating_mul(4) + timeout + Duration::from_secs(1),
            |s, r| {
                r.id.name == "am"
                    && status(s, "am").freshness(s.shell.now) == Freshness::Ok
                    && listed(s, "am", "BackupLate")
            },
        )
        .await;
    let rows = alert_rows(&app.state);
    assert!(
        !rows.iter().any(|(_, a)| a == "DiskFull" || a == "SlowQueries"),
        "alerts Alertmanager no longer holds are gone: {rows:?}"
    );
    assert!(
        !rows.iter().any(|(_, a)| a == "AlertmanagerDown"),
        "AlertmanagerDown cleared on recovery: {rows:?}"
    );
    let am_status = status(&app.state, "am");
    assert!(
        am_status.last_ok > am_status.last_error.as_ref().map(|e| e.0),
        "the last report is a good one"
    );
    let note = app
        .state
        .shell
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert_eq!(note, "am:am is back");
    eprintln!(
        "Alertmanager down for {down_for:?}; opsdeck fresh again {:?} after it was ready ({recovered:?} waiting); \
         test took {:?}",
        restarted.elapsed(),
        test_started.elapsed()
    );
}

// ------------------------------------------------------------ in tmux

/// What opsdeck says about a backend that timed out, whichever bound fired
/// first (reqwest's own timeout or the poll's): one wording.
const TIMED_OUT: &str = "no answer within 1s";

/// The line saying `name` is down, as drawn: "✖ hung DOWN at 12:00:01: <error>".
fn down_line<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!("{name} DOWN at ");
    screen.lines().find_map(|l| l.find(&needle).map(|i| &l[i..]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_alertmanager_times_out_while_the_other_lists_and_keys_work() {
    let am = PrivateAlertmanager::start(None).await;
    post_alert(
        &am.url(),
        &[
            ("alertname", "ReplicaLagging"),
            ("severity", "critical"),
            ("instance", "db-2:5432"),
        ],
        &[("summary", "replica 90s behind")],
    )
    .await;
    // Accepts connections and never says a word.
    let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let hang_addr = hang.local_addr().expect("addr");
    let _hang = AbortOnDrop(vec![tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = hang.accept().await {
            held.push(s);
        }
    })]);

    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[alertmanager]]\nname = \"hung\"\nurl = \"http://{hang_addr}\"\ninterval = \"1s\"\ntimeout = \"1s\"\n\n\
             [[alertmanager]]\nname = \"am\"\nurl = \"{}\"\ninterval = \"1s\"\ntimeout = \"1s\"\n",
            am.url()
        ),
    )
    .expect("config");
    let state = dir.path().join("state.db");
    let args = [
        "--config",
        cfg.to_str().expect("path"),
        "--state",
        state.to_str().expect("path"),
    ]
    .map(String::from);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let started = Instant::now();
    let t = Tmux::start_in(dir, &args, &[], 120, 40);

    // The dashboard: within the timeout and a second of starting, the hung
    // Alertmanager is down (header and Alerts tile) while the real one's
    // alert is listed.
    let (screen, took) = t.wait_until(
        "hung shown down, am's alert listed",
        started,
        Duration::from_secs(2),
        |s| {
            s.contains("✖ am:hung")
                && s.contains("● am:am")
                && down_line(s, "hung").is_some()
                && s.contains("am: 1 crit 0 warn 0 info 0 silenced")
                && s.contains("ReplicaLagging db-2:5432")
        },
    );
    assert!(screen.contains("3 Alerts ✖"), "{screen}");
    eprintln!("hung shown down {took:?} after start");

    // Zoom the Alerts pane: the whole down line, the real alert from am and
    // opsdeck's own alert for the hung one.
    let pressed = t.keys(&["3"]);
    let (screen, took) = t.wait_until("the Alerts pane", pressed, Duration::from_secs(1), |s| {
        s.contains("┏ 3 Alerts") && s.contains("RESPOND") && !s.contains("1 Services")
    });
    eprintln!("Alerts pane {took:?} after the key");
    let line = down_line(&screen, "hung").unwrap_or_else(|| panic!("no down line for hung:\n{screen}"));
    let error = line
        .trim_end_matches([' ', '┃'])
        .split_once(": ")
        .map(|(_, e)| e)
        .unwrap_or_default();
    assert!(
        error == TIMED_OUT,
        "hung should be shown timed out, not {error:?}:\n{screen}"
    );
    eprintln!("hung: {line}");
    let row = |name: &str| {
        screen
            .lines()
            .find(|l| l.contains(name))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| panic!("no {name} row:\n{screen}"))
    };
    let real = row("ReplicaLagging");
    assert!(
        real.contains("✖ ReplicaLagging db-2:5432 replica 90s behind") && real.contains(" firing am "),
        "{real}"
    );
    let own = row("AlertmanagerDown");
    assert!(
        own.contains("✖ AlertmanagerDown hung") && own.contains(" firing opsdeck"),
        "{own}"
    );
    assert!(!screen.contains("connecting…"), "{screen}");

    // Help opens and closes over the pane while hung keeps timing out.
    let pressed = t.keys(&["?"]);
    let (_, took) = t.wait_until("help open", pressed, Duration::from_secs(1), |s| {
        s.contains("Keys (esc closes)")
    });
    eprintln!("help {took:?} after the key");
    let pressed = t.keys(&["Escape"]);
    let (screen, took) = t.wait_until("help closed", pressed, Duration::from_secs(1), |s| {
        !s.contains("Keys (esc closes)") && s.contains("ReplicaLagging")
    });
    assert!(down_line(&screen, "hung").is_some(), "{screen}");
    eprintln!("help closed {took:?} after the key");

    // Back to the dashboard, and quit.
    let pressed = t.keys(&["0"]);
    t.wait_until("the dashboard", pressed, Duration::from_secs(1), |s| {
        s.contains("1 Services") && s.contains("5 Checklist")
    });
    t.keys(&["q"]);
    assert_eq!(t.wait_dead(), 0);
    drop(am);
}

// ------------------------------------------------------------ a cluster

/// Two Alertmanagers gossiping as one cluster, configured with `cluster =
/// "prod"`: an alert both hold (Prometheus sends to every member) is listed
/// once under the cluster's name; an acknowledgement made through one member
/// holds it on both; with one member stopped the other speaks for the cluster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_members_are_one_source_without_duplicates() {
    let mut a = PrivateAlertmanager::start(Some(&[])).await;
    let peer = a.cluster_addr().expect("a gossips");
    let b = PrivateAlertmanager::start(Some(&[peer])).await;
    a.wait_cluster(2, Duration::from_secs(30)).await;
    b.wait_cluster(2, Duration::from_secs(30)).await;
    let labels = [
        ("alertname", "ReplicaLagging"),
        ("severity", "critical"),
        ("instance", "db-2:9187"),
    ];
    for am in [&a, &b] {
        post_alert(&am.url(), &labels, &[("summary", "replica 5 min behind")]).await;
    }
    let text = format!(
        "[[alertmanager]]\nname = \"prod-a\"\nurl = \"{}\"\ncluster = \"prod\"\ninterval = \"1s\"\ntimeout = \"1s\"\n\
         [[alertmanager]]\nname = \"prod-b\"\nurl = \"{}\"\ncluster = \"prod\"\ninterval = \"1s\"\ntimeout = \"1s\"\n",
        a.url(),
        b.url()
    );
    let cfg = config(&text);
    let targets = backends::targets(&cfg);
    let mut state = new_state(&targets);
    for m in &cfg.alertmanager {
        state
            .setup
            .clusters
            .insert(m.name.clone(), m.cluster.clone().expect("cluster"));
    }
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let _tasks = AbortOnDrop(backends::spawn_all(targets, tx));
    let mut app = App { state, rx };
    let shown = |s: &State| -> Vec<String> {
        s.alert_rows()
            .into_iter()
            .filter(|(src, _)| src.is_some())
            .map(|(src, a)| {
                format!(
                    "{}:{}:{}",
                    s.alert_source_name(src),
                    a.name,
                    s.alert_state_word(src, &a)
                )
            })
            .collect()
    };
    app.until(
        "both members answered with the alert",
        Duration::from_secs(15),
        |s, _| {
            ["prod-a", "prod-b"].iter().all(|m| {
                status(s, m)
                    .alerts()
                    .is_some_and(|x| x.alerts.iter().any(|r| r.name == "ReplicaLagging"))
            })
        },
    )
    .await;
    assert_eq!(shown(&app.state), ["prod:ReplicaLagging:firing"], "listed once");
    assert_eq!(app.state.firing_critical(), 1);
    let peers = status(&app.state, "prod-a").alerts().and_then(|x| x.cluster.clone());
    assert_eq!(peers.map(|c| (c.status, c.peers)), Some(("ready".to_string(), 2)));

    // Acknowledge through whichever member supplied the row; the silence
    // reaches the other member by gossip and the row shows as acked.
    let (source, row) = app
        .state
        .alert_rows()
        .into_iter()
        .find(|(_, r)| r.name == "ReplicaLagging")
        .map(|(s, r)| (s.map(|b| b.id.name.clone()), r.into_owned()))
        .expect("row");
    let (_dir, store, who) = common::audit_store().await;
    let target = opsdeck::app::AckTarget {
        source,
        fingerprint: row.fingerprint.clone(),
        name: row.name.clone(),
        labels: row.labels.clone(),
    };
    let (acked, done) = opsdeck::effects::alerts::acknowledge(
        &store,
        &who,
        &cfg.alertmanager,
        &[target],
        "ack: failing over",
        Duration::from_secs(600),
    )
    .await;
    assert!(matches!(&done, Msg::ActionDone { ok: true, .. }), "{done:?}");
    let id = acked[0].silence_id.clone().expect("a silence id");
    app.until("both members hold the ack silence", Duration::from_secs(15), |s, _| {
        ["prod-a", "prod-b"].iter().all(|m| {
            status(s, m).alerts().is_some_and(|x| {
                x.alerts
                    .iter()
                    .any(|r| r.name == "ReplicaLagging" && r.silenced_by.contains(&id))
            })
        })
    })
    .await;
    assert_eq!(shown(&app.state), ["prod:ReplicaLagging:acked"]);

    // One member stops: the other speaks for the cluster, still once.
    a.stop().await;
    app.until("prod-a is down", Duration::from_secs(5), |s, _| {
        status(s, "prod-a").freshness(s.shell.now) == Freshness::Down
    })
    .await;
    app.until("prod-b answered after that", Duration::from_secs(5), |_, r| {
        r.id.name == "prod-b" && r.result.is_ok()
    })
    .await;
    assert_eq!(shown(&app.state), ["prod:ReplicaLagging:acked"]);
}

/// A group of same-named alerts acknowledged at once: one silence each on
/// the real Alertmanager, and one audit entry each, naming the alert with
/// its instance, the operator's comment in the justification column.
#[tokio::test]
async fn a_group_ack_audits_each_alert_with_its_instance_and_the_reason() {
    let cfg = config(&format!(
        "[[alertmanager]]\nname = \"am\"\nurl = \"{}\"\n",
        common::alertmanager_url()
    ));
    let target = |instance: &str| {
        let labels: std::collections::BTreeMap<String, String> = [
            ("alertname".to_string(), "DiskFillingGroupAck".to_string()),
            ("instance".to_string(), instance.to_string()),
        ]
        .into_iter()
        .collect();
        opsdeck::app::AckTarget {
            source: Some("am".into()),
            fingerprint: format!("fp-{instance}"),
            name: "DiskFillingGroupAck".into(),
            labels,
        }
    };
    let (_dir, store, who) = common::audit_store().await;
    let why = "ack: INC-12 log rotation fix rolling out";
    let (acked, done) = opsdeck::effects::alerts::acknowledge(
        &store,
        &who,
        &cfg.alertmanager,
        &[target("db-1:9100"), target("db-2:9100")],
        why,
        Duration::from_secs(600),
    )
    .await;
    assert!(matches!(&done, Msg::ActionDone { ok: true, .. }), "{done:?}");
    assert_eq!(acked.len(), 2);
    let entries = store.audit_entries(None).await.expect("audit");
    let rows: Vec<(&str, &str, Option<&str>)> = entries
        .iter()
        .map(|e| {
            (
                e.target.as_deref().unwrap_or(""),
                e.outcome.as_str(),
                e.justification.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("am/DiskFillingGroupAck on db-1:9100", "intent", Some(why)),
            ("am/DiskFillingGroupAck on db-1:9100", "ok", Some(why)),
            ("am/DiskFillingGroupAck on db-2:9100", "intent", Some(why)),
            ("am/DiskFillingGroupAck on db-2:9100", "ok", Some(why)),
        ]
    );
}
