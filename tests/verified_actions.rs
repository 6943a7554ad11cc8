//! Verified actions against the real dockerd and PostgreSQL started by
//! tests/run.sh (`tests/run.sh cargo test --test verified_actions`): a
//! restart re-checked until the container is healthy (fixed) or its health
//! check fails (not fixed), a terminate re-checked in pg_stat_activity,
//! each verdict audited with the state before and after and put in the open
//! session's timeline; and the restart limit of an incident, decided by
//! `update`. Without the services these tests fail; they never skip.

mod common;
mod fixtures;

use bollard::container::Config as ContainerConfig;
use bollard::models::{HealthConfig, HostConfig};
use bollard::Docker;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::{update, Command, Msg, Overlay, SignalRequest};
use opsdeck::config::Config;
use opsdeck::effects::verify::container::{act, ContainerAction};
use opsdeck::model::docker::ContainerOp;
use opsdeck::model::postgres::PgSignal;
use opsdeck::runbook::session::{Event, EventKind, SessionMeta};
use opsdeck::store::Store;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;
use std::str::FromStr;
use std::time::Duration;

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{nanos}", std::process::id())
}

fn config() -> Config {
    std::env::set_var("OPSDECK_TEST_PG_PW_REF", common::pg_password());
    let text = format!(
        "[[docker]]\nname = \"test\"\nurl = \"{}\"\n\n[[postgres]]\nname = \"main\"\nurl = \"{}\"\n\
         password_env = \"OPSDECK_TEST_PG_PW_REF\"\ntimeout = \"3s\"\n",
        common::docker_host(),
        common::pg_url()
    );
    let mut c = Config::parse(&text, std::path::Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"));
    c.host.enabled = false;
    c
}

/// A container that sleeps, with a health check of `test` every second.
async fn run_checked(d: &Docker, name: &str, test: &str) {
    let second = 1_000_000_000;
    let cfg = ContainerConfig {
        image: Some(common::test_image()),
        cmd: Some(vec!["sleep".into(), "600".into()]),
        healthcheck: Some(HealthConfig {
            test: Some(vec!["CMD".into(), test.into()]),
            interval: Some(second),
            timeout: Some(second),
            retries: Some(1),
            ..Default::default()
        }),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    common::docker::run(d, name, cfg).await;
}

/// An open session in `store`, for the verdicts' timeline.
async fn open_session(store: &Store) -> String {
    let meta = SessionMeta {
        id: unique("INC"),
        title: "web is down".into(),
        severity: None,
        started_at: chrono::Utc::now(),
        started_by: "alice".into(),
        closed_at: None,
        closed_by: None,
        resolution: None,
    };
    store
        .create_session(&meta, &fixtures::checklist::runbook())
        .await
        .expect("session");
    meta.id
}

/// The audit log as (action, outcome) pairs, oldest first.
async fn audited(store: &Store) -> Vec<(String, String)> {
    store
        .audit_entries(None)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| (e.action, e.outcome))
        .collect()
}

fn last_text(msgs: &[Msg]) -> (bool, String) {
    match msgs.last() {
        Some(Msg::ActionDone { ok, text }) => (*ok, text.clone()),
        other => panic!("expected the verdict last, got {other:?}"),
    }
}

#[tokio::test]
async fn a_restart_that_comes_back_healthy_is_verified_fixed_audited_and_in_the_session() {
    let d = common::docker::client().await;
    let name = unique("verify-healthy");
    run_checked(&d, &name, "true").await;
    let (_dir, store, who) = common::audit_store().await;
    let session = open_session(&store).await;
    let c = config();
    let started = std::time::Instant::now();
    let msgs = act(
        &store,
        &who,
        ContainerAction {
            hosts: &c.docker,
            host: "test",
            container: &name,
            op: ContainerOp::Restart,
            session: Some(session.clone()),
            reason: None,
        },
        None,
    )
    .await;
    let waited = started.elapsed();
    common::docker::remove(&d, &name).await;

    let (ok, text) = last_text(&msgs);
    assert!(ok, "{text}");
    assert!(
        text.starts_with(&format!(
            "restart test/{name}: done — verified: fixed (running, healthy in "
        )),
        "{text}"
    );
    // Within three health intervals of the restart (and the restart's own time).
    assert!(waited < Duration::from_secs(20), "{waited:?}");
    assert_eq!(
        audited(&store).await,
        [
            ("container.restart".to_string(), "intent".to_string()),
            ("container.restart".into(), "ok".into()),
            ("verify".into(), "ok".into()),
        ]
    );
    let entries = store.audit_entries(None).await.expect("audit");
    let verify = &entries[2];
    assert_eq!(verify.target.as_deref(), Some(format!("test/{name}").as_str()));
    let details: serde_json::Value = serde_json::from_str(&verify.details).expect("json details");
    assert_eq!(details["verifies"], "container.restart");
    assert_eq!(details["verdict"], "fixed");
    assert_eq!(details["after"], "running, healthy");
    assert!(
        details["before"].as_str().is_some_and(|b| b.starts_with("running")),
        "{details}"
    );
    assert_eq!(details["session"], session.as_str());

    // The session's timeline has the action, and it counts as a restart.
    let s = store.session(&session).await.expect("read").expect("there");
    assert_eq!(s.restarts_of(&format!("test/{name}")), 1);
    let event = s.events.last().expect("events");
    assert!(
        matches!(&event.what, EventKind::Action { action, verified: Some(true), after, .. }
            if action == "restart" && after == "running, healthy"),
        "{event:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| matches!(m, Msg::SessionEvent { event: e, .. } if e == event)),
        "{msgs:?}"
    );
}

#[tokio::test]
async fn a_restart_whose_health_check_fails_is_verified_not_fixed() {
    let d = common::docker::client().await;
    let name = unique("verify-unhealthy");
    run_checked(&d, &name, "false").await;
    let (_dir, store, who) = common::audit_store().await;
    let session = open_session(&store).await;
    let c = config();
    let reason = "vendor asked for one more restart";
    let msgs = act(
        &store,
        &who,
        ContainerAction {
            hosts: &c.docker,
            host: "test",
            container: &name,
            op: ContainerOp::Restart,
            session: Some(session.clone()),
            reason: Some(reason.into()),
        },
        None,
    )
    .await;
    common::docker::remove(&d, &name).await;

    let (ok, text) = last_text(&msgs);
    assert!(!ok, "{text}");
    assert!(text.contains("verified: not fixed (running, "), "{text}");
    assert_eq!(
        audited(&store).await,
        [
            ("container.restart".to_string(), "intent".to_string()),
            ("container.restart".into(), "ok".into()),
            ("verify".into(), "failed".into()),
        ]
    );
    let entries = store.audit_entries(None).await.expect("audit");
    // The operator's reason (a restart past the limit) is in the intent.
    assert_eq!(entries[0].justification.as_deref(), Some(reason));
    assert!(entries[0].details.contains(reason), "{}", entries[0].details);
    let details: serde_json::Value = serde_json::from_str(&entries[2].details).expect("json details");
    assert_eq!(details["verdict"], "not fixed");
    assert_ne!(details["after"], "running, healthy", "{details}");
    let s = store.session(&session).await.expect("read").expect("there");
    assert!(
        matches!(&s.events.last().expect("events").what,
            EventKind::Action { verified: Some(false), reason: Some(r), .. } if r == reason),
        "{:?}",
        s.events
    );
}

async fn pg_connect() -> PgConnection {
    let opts = PgConnectOptions::from_str(&common::pg_url())
        .expect("OPSDECK_TEST_PG_URL parses")
        .password(&common::pg_password())
        .application_name("opsdeck-test");
    PgConnection::connect_with(&opts)
        .await
        .expect("connect to the test PostgreSQL")
}

/// A backend busy with `SELECT pg_sleep(60)`: its pid, and the task
/// (which keeps the connection open a while after the query when `hold`).
async fn sleeping_backend(hold: bool) -> (i32, tokio::task::JoinHandle<()>) {
    let mut c = pg_connect().await;
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut c)
        .await
        .expect("pid");
    let task = tokio::spawn(async move {
        let _ = sqlx::query("SELECT pg_sleep(60), 'hunter2' AS secret")
            .execute(&mut c)
            .await;
        if hold {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        drop(c);
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    (pid, task)
}

fn request(pid: i32) -> SignalRequest {
    SignalRequest {
        target: "main".into(),
        pid,
        user: "opsdeck".into(),
        database: "opsdeck_test".into(),
        state: "active".into(),
        query: "SELECT pg_sleep(?)".into(),
    }
}

async fn signal(store: &Store, who: &opsdeck::model::identity::Identity, pid: i32, op: PgSignal) -> Vec<Msg> {
    let c = config();
    let signal = opsdeck::effects::verify::postgres::Signal {
        targets: &c.postgres,
        requests: &[request(pid)],
        op,
        justification: "INC-21: runaway query",
        session: None,
    };
    opsdeck::effects::verify::postgres::act(store, who, signal).await
}

#[tokio::test]
async fn a_terminate_is_verified_by_the_pid_gone_from_pg_stat_activity() {
    let (pid, task) = sleeping_backend(false).await;
    let (_dir, store, who) = common::audit_store().await;
    let msgs = signal(&store, &who, pid, PgSignal::Terminate).await;
    let (ok, text) = last_text(&msgs);
    assert!(ok, "{text}");
    assert_eq!(
        text,
        format!("terminate backend main/{pid}: done — verified: fixed (gone from pg_stat_activity)")
    );
    assert_eq!(
        audited(&store).await,
        [
            ("backend.terminate".to_string(), "intent".to_string()),
            ("backend.terminate".into(), "ok".into()),
            ("verify".into(), "ok".into()),
        ]
    );
    let entries = store.audit_entries(None).await.expect("audit");
    let details: serde_json::Value = serde_json::from_str(&entries[2].details).expect("json details");
    assert_eq!(details["after"], "gone");
    assert!(
        details["before"]
            .as_str()
            .is_some_and(|b| b.starts_with("active: SELECT pg_sleep(60)")),
        "{details}"
    );
    // A literal in the query (a password, say) is not kept.
    assert!(!entries.iter().any(|e| e.details.contains("hunter2")), "{entries:?}");
    assert!(
        details["before"].as_str().is_some_and(|b| b.contains("'…' AS secret")),
        "{details}"
    );
    // And it is gone indeed: the sleeping query ended early.
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the terminated backend's query ended")
        .expect("join");
}

#[tokio::test]
async fn a_cancel_is_verified_by_the_query_stopped_with_the_session_left() {
    let (pid, task) = sleeping_backend(true).await;
    let (_dir, store, who) = common::audit_store().await;
    let msgs = signal(&store, &who, pid, PgSignal::Cancel).await;
    let (ok, text) = last_text(&msgs);
    assert!(ok, "{text}");
    assert!(
        text.starts_with(&format!(
            "cancel query main/{pid}: done — verified: fixed (query stopped, session idle"
        )),
        "{text}"
    );
    task.abort();
}

/// Post an alert to the test Alertmanager and wait for its fingerprint.
async fn firing(name: &str) -> (String, std::collections::BTreeMap<String, String>) {
    let url = common::alertmanager_url();
    let labels = [("alertname", name), ("severity", "warning"), ("instance", "web-1:80")];
    common::alertmanager::post_alert(&url, &labels, &[("summary", "web is down")]).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let alerts: serde_json::Value = reqwest::get(format!("{url}/api/v2/alerts"))
            .await
            .expect("alerts")
            .json()
            .await
            .expect("json");
        let found = alerts
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["labels"]["alertname"] == name)
            .cloned();
        if let Some(a) = found {
            let labels = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            return (a["fingerprint"].as_str().expect("fingerprint").to_string(), labels);
        }
        assert!(std::time::Instant::now() < deadline, "the posted alert never appeared");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn an_ack_is_verified_by_the_alert_shown_silenced_and_an_expiry_by_the_silence_expired() {
    use opsdeck::effects::verify::alerts::{acknowledge, expire, Ack};
    let name = unique("VerifyAck");
    let (fingerprint, labels) = firing(&name).await;
    let text = format!(
        "[[alertmanager]]\nname = \"am\"\nurl = \"{}\"\n",
        common::alertmanager_url()
    );
    let sources = Config::parse(&text, std::path::Path::new("test.toml"))
        .unwrap_or_else(|e| panic!("{e}"))
        .alertmanager;
    let (_dir, store, who) = common::audit_store().await;
    let session = open_session(&store).await;
    let target = opsdeck::app::AckTarget {
        source: Some("am".into()),
        fingerprint,
        name: name.clone(),
        labels,
    };
    let ack = Ack {
        sources: &sources,
        targets: std::slice::from_ref(&target),
        comment: "ack: looking",
        duration: Duration::from_secs(600),
        session: Some(session.clone()),
    };
    let (acked, msgs) = acknowledge(&store, &who, ack).await;
    assert_eq!(acked.len(), 1);
    let (ok, text) = last_text(&msgs);
    assert!(ok, "{text}");
    assert_eq!(
        text,
        format!("ack am/{name}: done — verified: fixed (the alert is suppressed by the new silence)")
    );
    let id = acked[0].silence_id.clone().expect("silence id");
    let entries = store.audit_entries(None).await.expect("audit");
    let verify = entries.last().expect("entries");
    assert_eq!((verify.action.as_str(), verify.outcome.as_str()), ("verify", "ok"));
    let details: serde_json::Value = serde_json::from_str(&verify.details).expect("json");
    assert_eq!(details["before"], "active");
    assert_eq!(details["after"], format!("suppressed, silenced by {id}"));

    let msgs = expire(
        &store,
        &who,
        &sources,
        "am",
        std::slice::from_ref(&id),
        Some(session.clone()),
    )
    .await;
    let (ok, text) = last_text(&msgs);
    assert!(ok, "{text}");
    assert_eq!(
        text,
        format!("expire silence am/{id}: done — verified: fixed (the silence is expired)")
    );
    let s = store.session(&session).await.expect("read").expect("there");
    let actions: Vec<&str> = s
        .events
        .iter()
        .filter_map(|e| match &e.what {
            EventKind::Action {
                action,
                verified: Some(true),
                ..
            } => Some(action.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(actions, ["ack", "expire silence"]);
}

#[tokio::test]
async fn a_revoke_is_verified_by_reading_the_source_again() {
    use opsdeck::effects::review::{review_decide, DecideContext};
    use opsdeck::store::review::Decision;
    use sqlx::Executor;
    let table = unique("verify_users").replace('-', "_");
    let mut c = pg_connect().await;
    c.execute(
        format!(
            "CREATE TABLE {table} (email text, role text, status text NOT NULL DEFAULT 'active'); \
             INSERT INTO {table} (email, role) VALUES ('mallory@corp.example', 'viewer'), ('plain@corp.example', 'viewer')"
        )
        .as_str(),
    )
    .await
    .expect("users table");
    std::env::set_var("OPSDECK_TEST_PG_PW_REF", common::pg_password());
    let text = format!(
        "[[postgres]]\nname = \"main\"\nurl = \"{url}\"\npassword_env = \"OPSDECK_TEST_PG_PW_REF\"\n\n\
         [[access.source]]\nname = \"app users\"\ndatabase = \"main\"\n\
         query = \"SELECT email AS subject, role, status FROM {table} ORDER BY email\"\n\
         revoke = \"UPDATE {table} SET status = 'suspended' WHERE email = $1 AND role = $2\"\n",
        url = common::pg_url()
    );
    let cfg = Config::parse(&text, std::path::Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"));
    let rows = opsdeck::backends::access::load(&cfg.access.source[0], &cfg.postgres)
        .await
        .result
        .unwrap_or_else(|e| panic!("load: {e}"));
    let (_dir, store, who) = common::audit_store().await;
    let now = chrono::Utc::now();
    let id = store
        .create_campaign(
            "q4",
            "bob",
            now,
            now + chrono::Duration::days(14),
            &serde_json::json!([]),
            &rows.items,
        )
        .await
        .expect("campaign");
    let items = store.campaign_items(id).await.expect("items");
    let target = items
        .iter()
        .find(|i| i.row.subject == "mallory@corp.example")
        .cloned()
        .expect("mallory");
    let ctx = DecideContext {
        sources: &cfg.access.source,
        postgres: &cfg.postgres,
        aliases: &[],
        seen: &Default::default(),
    };
    let items = std::slice::from_ref(&target);
    let (records, _) = review_decide(&store, &who, &ctx, id, items, Decision::Revoke, "left the company").await;
    let msgs = opsdeck::effects::verify::review::revokes(&store, &who, &ctx, items, &records, None).await;
    let (ok, text) = last_text(&msgs);
    assert!(ok, "{text}");
    assert_eq!(
        text,
        format!(
            "revoke campaign {id}/app users/mallory@corp.example (viewer): done — verified: fixed \
             (the source row changed: listed as viewer (status suspended))"
        )
    );
    let entries = store.audit_entries(None).await.expect("audit");
    let verify = entries.last().expect("entries");
    assert_eq!((verify.action.as_str(), verify.outcome.as_str()), ("verify", "ok"));
    let details: serde_json::Value = serde_json::from_str(&verify.details).expect("json");
    assert_eq!(details["before"], "listed as viewer (status active)");
    assert_eq!(details["after"], "listed as viewer (status suspended)");
}

// ---- the restart limit, decided by `update` (no services needed) ----

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn restarted(target: &str) -> Event {
    Event {
        at: fixtures::t0(),
        operator: "alice".into(),
        step: None,
        what: EventKind::Action {
            action: "restart".into(),
            target: target.into(),
            verified: Some(false),
            before: "running, unhealthy".into(),
            after: "running, unhealthy".into(),
            reason: None,
        },
    }
}

/// The fixture state with the session open and `web` restarted `n` times in it.
fn with_restarts(n: usize) -> opsdeck::app::State {
    let mut s = fixtures::state();
    let mut session = fixtures::checklist::session();
    session.events.extend((0..n).map(|_| restarted("local/web")));
    s.panes.checklist.active = Some(session);
    update(&mut s, key('1'));
    while s.selected_container().is_some_and(|(_, c)| c.name != "web") {
        let before = s.panes.services.selected;
        update(&mut s, key('j'));
        assert_ne!(before, s.panes.services.selected, "web not found");
    }
    s
}

#[test]
fn below_the_limit_a_restart_asks_yes_and_carries_the_open_session() {
    let mut s = with_restarts(2);
    let id = fixtures::checklist::session().meta.id;
    update(&mut s, key('r'));
    assert!(matches!(
        &s.shell.overlay,
        Some(Overlay::Confirm {
            justification: None,
            ..
        })
    ));
    let cmds = update(&mut s, key('y'));
    assert_eq!(
        cmds,
        vec![Command::Container {
            host: "local".into(),
            container: "web".into(),
            op: ContainerOp::Restart,
            session: Some(id),
            reason: None,
        }]
    );
}

#[test]
fn the_fourth_restart_in_a_session_is_refused_without_a_reason_and_allowed_with_one() {
    let mut s = with_restarts(3);
    let id = fixtures::checklist::session().meta.id;
    assert!(update(&mut s, key('r')).is_empty());
    assert!(
        s.shell
            .status
            .as_ref()
            .is_some_and(|st| st.text.starts_with("restart limit reached (3): escalate")),
        "{:?}",
        s.shell.status
    );
    match &s.shell.overlay {
        Some(Overlay::Confirm {
            on_yes,
            facts,
            justification: Some(_),
        }) => {
            let (title, lines) = opsdeck::ui::confirm::describe(on_yes, facts);
            assert_eq!(title, "Restart limit reached (3): escalate");
            assert!(lines.iter().any(|l| l.contains("restarted 3 times")), "{lines:?}");
        }
        other => panic!("expected a dialog asking for a reason, got {other:?}"),
    }
    // y is text here, and Enter without a reason does nothing.
    assert!(update(&mut s, key('y')).is_empty());
    update(&mut s, code(KeyCode::Backspace));
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty(), "no reason, no restart");
    assert!(s.shell.overlay.is_some());
    // Esc: refused, and the refusal audited; no restart sent.
    match &update(&mut s, code(KeyCode::Esc))[..] {
        [Command::Audit(rec)] => {
            assert_eq!(rec.outcome, opsdeck::store::Outcome::Refused);
            assert_eq!(
                (rec.action.as_str(), rec.target.as_deref()),
                ("container.restart", Some("local/web"))
            );
            assert_eq!(rec.details["reason"], "restart limit reached (3): escalate");
        }
        other => panic!("expected the refusal audited, got {other:?}"),
    }
    assert!(s.shell.overlay.is_none());
    assert!(
        s.shell
            .status
            .as_ref()
            .is_some_and(|st| st.text == "refused: restart limit reached (3): escalate"),
        "{:?}",
        s.shell.status
    );

    // With a reason: the restart goes, the reason with it (audited by the effect).
    update(&mut s, key('r'));
    let typed: Vec<Command> = "L2 on the phone".chars().flat_map(|c| update(&mut s, key(c))).collect();
    assert!(typed.is_empty());
    let cmds = update(&mut s, code(KeyCode::Enter));
    assert_eq!(
        cmds,
        vec![Command::Container {
            host: "local".into(),
            container: "web".into(),
            op: ContainerOp::Restart,
            session: Some(id),
            reason: Some("L2 on the phone".into()),
        }]
    );
}

#[test]
fn without_an_open_session_there_is_no_limit_and_other_containers_have_their_own() {
    let mut s = with_restarts(5);
    s.panes.checklist.active = None;
    update(&mut s, key('r'));
    assert!(matches!(
        &s.shell.overlay,
        Some(Overlay::Confirm {
            justification: None,
            ..
        })
    ));
    let cmds = update(&mut s, key('y'));
    assert!(
        matches!(
            &cmds[..],
            [Command::Container {
                session: None,
                reason: None,
                ..
            }]
        ),
        "{cmds:?}"
    );

    // Another container's restarts do not count toward web's limit.
    let mut s = fixtures::state();
    let mut session = fixtures::checklist::session();
    session.events.extend((0..3).map(|_| restarted("local/api")));
    s.panes.checklist.active = Some(session);
    let mut t = with_restarts(0);
    t.panes.checklist.active = s.panes.checklist.active.take();
    update(&mut t, key('r'));
    assert!(matches!(
        &t.shell.overlay,
        Some(Overlay::Confirm {
            justification: None,
            ..
        })
    ));
}

#[test]
fn a_restart_recorded_meanwhile_counts_at_once() {
    let mut s = with_restarts(2);
    let id = fixtures::checklist::session().meta.id;
    // The third restart's verdict comes back from the effect (a new event,
    // a minute after the others).
    let mut event = restarted("local/web");
    event.at += chrono::Duration::minutes(1);
    update(&mut s, Msg::SessionEvent { session: id, event });
    update(&mut s, key('r'));
    assert!(
        matches!(
            &s.shell.overlay,
            Some(Overlay::Confirm {
                justification: Some(_),
                ..
            })
        ),
        "{:?}",
        s.shell.overlay
    );
}

#[tokio::test]
async fn an_ack_of_an_own_alert_is_verified_by_reading_it_back_from_the_store() {
    use opsdeck::effects::verify::alerts::{acknowledge, Ack};
    let (_dir, store, who) = common::audit_store().await;
    let target = opsdeck::app::AckTarget {
        source: None,
        fingerprint: "fp-web-unhealthy".into(),
        name: "ContainerUnhealthy".into(),
        labels: [("alertname".to_string(), "ContainerUnhealthy".to_string())].into(),
    };
    let ack = Ack {
        sources: &[],
        targets: std::slice::from_ref(&target),
        comment: "ack: on it",
        duration: Duration::from_secs(600),
        session: None,
    };
    let (acked, msgs) = acknowledge(&store, &who, ack).await;
    assert_eq!(acked.len(), 1);
    let (ok, text) = last_text(&msgs);
    assert!(ok, "{text}");
    assert_eq!(
        text,
        "ack opsdeck/ContainerUnhealthy: done — verified: fixed (the acknowledgement is in the store)"
    );
    let entries = store.audit_entries(None).await.expect("audit");
    let details: serde_json::Value = serde_json::from_str(&entries.last().expect("entries").details).expect("json");
    assert_eq!(details["before"], "not acknowledged");
    assert!(
        details["after"]
            .as_str()
            .is_some_and(|a| a.starts_with("acknowledged until ")),
        "{details}"
    );
}
