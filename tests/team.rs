//! Team mode with several opsdecks on one PostgreSQL store: the real binary
//! twice in tmux, and the library driven directly for what a screen cannot
//! time (every kind of change, simultaneous edits).

mod common;
mod fixtures;

use common::pg::fresh_db;
use common::pg_cluster::Cluster;
use common::tmux::Tmux;
use opsdeck::config::{ConfigUrl, SecretRef};
use opsdeck::model::identity::Identity;
use opsdeck::runbook::model::{Kind, Phase};
use opsdeck::runbook::session::{Event, EventKind, SessionMeta};
use opsdeck::runbook::Runbook;
use opsdeck::store::changes::{watch, StoreChange, StoreEvent};
use opsdeck::store::{AuditRecord, Location, Outcome, Store, StoreError, TeamStore};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const SESSION: &str = "INC-20261201-031500";
/// What another instance's change may take to reach the screen.
const LIVE: Duration = Duration::from_secs(1);

fn who(operator: &str) -> Identity {
    Identity {
        operator: operator.into(),
        host: format!("{operator}-laptop"),
        ssh_client: None,
    }
}

fn runbook() -> Runbook {
    let step = |id: &str| fixtures::checklist::step(id, &format!("step {id}"));
    Runbook {
        id: "service-down".into(),
        title: "Service down".into(),
        kind: Kind::Incident,
        description: String::new(),
        severities: Vec::new(),
        escalation: Vec::new(),
        phases: vec![Phase {
            name: "Now".into(),
            budget: None,
            steps: vec![step("a"), step("b"), step("c")],
        }],
        window: None,
    }
}

async fn open(team: &TeamStore) -> Store {
    Store::open_at(&Location::Team(team.clone()))
        .await
        .expect("open the team store")
}

async fn start_session(store: &Store) {
    let meta = SessionMeta {
        id: SESSION.into(),
        title: "checkout down".into(),
        severity: Some("P1".into()),
        started_at: chrono::Utc::now(),
        started_by: "ana".into(),
        closed_at: None,
        closed_by: None,
        resolution: None,
    };
    store
        .create_session(&meta, &runbook())
        .await
        .expect("create the session");
}

fn event(operator: &str, step: Option<&str>, what: EventKind) -> Event {
    Event {
        at: chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6),
        operator: operator.into(),
        step: step.map(String::from),
        what,
    }
}

/// One opsdeck in tmux on the team store `url` as `operator`, with the
/// session on screen.
fn instance(url: &str, password_env: Option<&str>, operator: &str) -> Tmux {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    let password = password_env
        .map(|v| format!("password_env = \"{v}\"\n"))
        .unwrap_or_default();
    std::fs::write(&config, format!("[state]\nurl = \"{url}\"\n{password}")).expect("config");
    let pw = common::pg_password();
    let mut env = vec![("OPSDECK_OPERATOR", operator), ("DOCKER_HOST", "")];
    if let Some(v) = password_env {
        env.push((v, pw.as_str()));
    }
    let t = Tmux::start_in(dir, &["--config", config.to_str().expect("path")], &env, 150, 40);
    t.wait_text(" team");
    t.keys(&["5"]);
    t.wait_text(SESSION);
    t.keys(&["Enter"]);
    t.wait_for("the session on screen", |s| s.contains("settled"));
    t
}

fn ticked(screen: &str, step: &str, by: &str) -> bool {
    screen
        .lines()
        .any(|l| l.contains(&format!("✓ step {step}")) && l.contains(by))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_see_each_others_ticks_skips_and_presence_within_a_second() {
    let db = fresh_db().await;
    let store = open(&db.team).await;
    start_session(&store).await;
    let url = db.url().to_string();
    let (ana, ben) = tokio::task::spawn_blocking(move || {
        (
            instance(&url, Some(common::pg::PASSWORD_ENV), "ana"),
            instance(&url, Some(common::pg::PASSWORD_ENV), "ben"),
        )
    })
    .await
    .expect("instances");
    // Presence: each sees the other on the session.
    ana.wait_text("also here: ben@");
    ben.wait_text("also here: ana@");

    // A tick by ana (the cursor opens on the first step to do) reaches ben.
    let pressed = ana.keys(&["Space"]);
    ana.wait_for("ana's own tick", |s| ticked(s, "a", "ana"));
    let (_, tick_took) = ben.wait_until("ana's tick on ben's screen", pressed, LIVE, |s| ticked(s, "a", "ana"));

    // A skip by ben, with its reason, reaches ana.
    ben.keys(&["Down"]);
    ben.keys(&["s"]);
    ben.wait_text("why?");
    ben.typed("feature flag already off");
    let pressed = ben.keys(&["C-s"]);
    let (_, skip_took) = ana.wait_until("ben's skip on ana's screen", pressed, LIVE, |s| {
        s.lines().any(|l| l.contains("↷ step b"))
    });
    eprintln!("tick shown on the other screen in {tick_took:?}, skip in {skip_took:?}");

    // Both are in the store once, by whom they were made.
    let s = store.session(SESSION).await.expect("read").expect("there");
    let kinds: Vec<(&str, Option<&str>)> = s
        .events
        .iter()
        .map(|e| (e.operator.as_str(), e.step.as_deref()))
        .collect();
    assert_eq!(kinds, [("ana", None), ("ana", Some("a")), ("ben", Some("b"))]);

    // Leaving is seen too.
    ben.keys(&["q"]);
    ben.wait_dead();
    ana.wait_for("ben gone", |s| !s.contains("also here: ben@"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_database_leaves_both_read_only_and_they_catch_up() {
    let cluster = Cluster::primary();
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", cluster.port);
    let team = TeamStore {
        url: ConfigUrl::new(url.clone()),
        password: SecretRef::default(),
    };
    let store = open(&team).await;
    start_session(&store).await;
    store.close().await;
    let u = url.clone();
    let (ana, ben) = tokio::task::spawn_blocking(move || (instance(&u, None, "ana"), instance(&u, None, "ben")))
        .await
        .expect("instances");

    let killed = Instant::now();
    cluster.stop();
    for t in [&ana, &ben] {
        let (screen, took) = t.wait_until("the store's loss shown", killed, Duration::from_secs(3), |s| {
            s.contains("TEAM STORE DOWN") && s.contains("READ-ONLY")
        });
        // What was read stays on screen.
        assert!(screen.contains(SESSION) && screen.contains("step a"), "{screen}");
        eprintln!("store loss shown in {took:?}");
    }
    // A write is refused, and says why, rather than lost.
    ana.keys(&["Space"]);
    ana.wait_for("the refusal", |s| {
        s.contains("refused") && s.contains("team store is unreachable")
    });

    cluster.start("");
    // The first writer after the restart: whatever it does while the others
    // reconnect is read on their catch-up.
    let store = open(&team).await;
    store
        .append_step_event(
            SESSION,
            &event("carl", Some("a"), EventKind::Done { verified: false }),
            None,
        )
        .await
        .expect("carl ticks");
    let back = Instant::now();
    for t in [&ana, &ben] {
        t.wait_until("back, with carl's tick", back, Duration::from_secs(5), |s| {
            !s.contains("TEAM STORE DOWN") && ticked(s, "a", "carl")
        });
    }
    // Writing works again: ana's tick on step b reaches ben.
    ana.keys(&["Down"]);
    let pressed = ana.keys(&["Space"]);
    ben.wait_until("ana's tick after the outage", pressed, LIVE, |s| ticked(s, "b", "ana"));
    // Nothing refused was stored: carl's and ana's ticks only.
    let s = store.session(SESSION).await.expect("read").expect("there");
    let ticks: Vec<(&str, Option<&str>)> = s
        .events
        .iter()
        .skip(1)
        .map(|e| (e.operator.as_str(), e.step.as_deref()))
        .collect();
    assert_eq!(ticks, [("carl", Some("a")), ("ana", Some("b"))]);
    assert_eq!(store.verify_audit().await.expect("verify").broken, None);
}

/// The next batch of changes `rx` hears, within `LIVE`.
async fn heard(rx: &mut mpsc::Receiver<StoreEvent>, want: &StoreChange, since: Instant) -> Duration {
    loop {
        let left = LIVE.saturating_sub(since.elapsed());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some(StoreEvent::Changed(changes))) if changes.contains(want) => return since.elapsed(),
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the listener stopped"),
            Err(_) => panic!("{want:?} not heard within {LIVE:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_change_reaches_the_other_instance_within_a_second() {
    let db = fresh_db().await;
    let (a, b) = (open(&db.team).await, open(&db.team).await);
    let (tx_b, mut rx_b) = mpsc::channel(256);
    let (tx_a, mut rx_a) = mpsc::channel(256);
    let _lb = watch(&b, tx_b).expect("b listens");
    let _la = watch(&a, tx_a).expect("a listens");
    // Listening before anything is written.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut took = Vec::new();
    let t = Instant::now();
    start_session(&a).await;
    took.push(heard(&mut rx_b, &StoreChange::Sessions, t).await);
    for what in [
        EventKind::Done { verified: false },
        EventKind::Note {
            text: "rolled back to 1.4.2".into(),
        },
        EventKind::Check(opsdeck::runbook::model::CheckResult {
            at: chrono::Utc::now(),
            passed: true,
            observed: "HTTP 200".into(),
            evidence: "OK".into(),
            evidence_sha256: "ab".repeat(32),
            not_applicable: false,
        }),
    ] {
        let t = Instant::now();
        a.append_session_event(SESSION, &event("ana", Some("a"), what))
            .await
            .expect("append");
        took.push(heard(&mut rx_b, &StoreChange::Session(SESSION.into()), t).await);
    }
    let t = Instant::now();
    a.add_ack(&opsdeck::store::AckRecord {
        source: "opsdeck".into(),
        fingerprint: "opsdeck/x".into(),
        alertname: "ContainerUnhealthy".into(),
        operator: "ana".into(),
        comment: "ack: on it".into(),
        acked_at: chrono::Utc::now(),
        until: chrono::Utc::now() + chrono::Duration::minutes(30),
        silence_id: None,
    })
    .await
    .expect("ack");
    took.push(heard(&mut rx_b, &StoreChange::Acks, t).await);
    let t = Instant::now();
    let (campaign, items) = campaign(&a).await;
    took.push(heard(&mut rx_b, &StoreChange::Campaigns, t).await);
    let t = Instant::now();
    decide(&a, campaign, &items[0], "ana", None).await.expect("decide");
    took.push(heard(&mut rx_b, &StoreChange::Campaign(campaign), t).await);
    let t = Instant::now();
    a.append_audit(&who("ana"), AuditRecord::new("app", "note", Outcome::Info))
        .await
        .expect("audit");
    took.push(heard(&mut rx_b, &StoreChange::Audit, t).await);
    let t = Instant::now();
    a.announce(&who("ana"), Some("session:x"), chrono::Utc::now())
        .await
        .expect("announce");
    took.push(heard(&mut rx_b, &StoreChange::Presence, t).await);
    eprintln!("changes heard by the other instance in {took:?}");

    // a heard none of its own.
    tokio::time::sleep(Duration::from_millis(200)).await;
    while let Ok(e) = rx_a.try_recv() {
        assert!(!matches!(e, StoreEvent::Changed(_)), "a heard its own change: {e:?}");
    }
}

async fn campaign(store: &Store) -> (i64, Vec<opsdeck::store::ReviewItem>) {
    use opsdeck::model::access::{AccessRow, LastLogin};
    let item = |subject: &str| opsdeck::store::ReviewItem {
        id: 0,
        row: AccessRow {
            source: "app".into(),
            subject: subject.into(),
            role: "admin".into(),
            status: None,
            last_login: LastLogin::Never,
            created_at: None,
            mfa_enabled: Some(false),
            organization: None,
            granted_by: None,
            extra: Default::default(),
        },
        flags: Vec::new(),
    };
    let now = chrono::Utc::now();
    let id = store
        .create_campaign(
            "Q4",
            "ana",
            now,
            now + chrono::Duration::days(7),
            &serde_json::json!({}),
            &[item("dora@corp.example"), item("eve@corp.example")],
        )
        .await
        .expect("campaign");
    (id, store.campaign_items(id).await.expect("items"))
}

async fn decide(
    store: &Store,
    campaign_id: i64,
    item: &opsdeck::store::ReviewItem,
    reviewer: &str,
    seen: Option<i64>,
) -> Result<opsdeck::store::DecisionRecord, StoreError> {
    store
        .record_decision(opsdeck::store::review::NewDecision {
            campaign_id,
            item,
            decision: opsdeck::store::Decision::Keep,
            outcome: opsdeck::store::review::KEPT,
            justification: "owner confirmed",
            reviewer,
            details: serde_json::json!({}),
            seen: Some(seen),
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_operators_on_one_step_and_one_item_lose_nothing_and_the_second_must_confirm() {
    let db = fresh_db().await;
    let (a, b) = (open(&db.team).await, open(&db.team).await);
    start_session(&a).await;

    // Both saw step a pending; ana's tick lands first.
    let tick = |op: &str| event(op, Some("a"), EventKind::Done { verified: false });
    let ana_tick = tick("ana");
    assert_eq!(a.append_step_event(SESSION, &ana_tick, None).await.expect("ana"), None);
    let msgs = opsdeck::effects::checklist::record(&b, &who("ben"), SESSION, tick("ben"), Some(None)).await;
    let refusal = format!("{msgs:?}");
    assert!(
        refusal.contains("NOT recorded") && refusal.contains("ana marked it done"),
        "{refusal}"
    );
    assert!(
        msgs.iter()
            .any(|m| matches!(m, opsdeck::app::Msg::SessionRefreshed(s) if s.events.contains(&ana_tick))),
        "ben is shown ana's tick: {refusal}"
    );
    // Having seen it, ben takes the tick back: recorded, and audited as an override.
    let msgs = opsdeck::effects::checklist::record(
        &b,
        &who("ben"),
        SESSION,
        event("ben", Some("a"), EventKind::Reopened),
        Some(Some(ana_tick.clone())),
    )
    .await;
    assert!(
        msgs.iter().any(|m| matches!(m, opsdeck::app::Msg::SessionEvent { .. })),
        "{msgs:?}"
    );
    let audit = a.audit_entries(None).await.expect("audit");
    assert!(
        audit.iter().any(|e| e.operator == "ben" && e.outcome == "refused"),
        "the refusal is audited"
    );
    let over = audit
        .iter()
        .find(|e| e.action == "step.reopen")
        .expect("the override is audited");
    assert!(
        over.details.contains("overrides") && over.details.contains("ana"),
        "{}",
        over.details
    );

    // Notes from both at once: none lost.
    let mut writers = Vec::new();
    for (store, op) in [(a.clone(), "ana"), (b.clone(), "ben")] {
        writers.push(tokio::spawn(async move {
            for n in 0..50 {
                let note = event(
                    op,
                    None,
                    EventKind::Note {
                        text: format!("{op} {n}"),
                    },
                );
                store.append_session_event(SESSION, &note).await.expect("note");
            }
        }));
    }
    for w in writers {
        w.await.expect("writer");
    }
    let s = a.session(SESSION).await.expect("read").expect("there");
    let notes = s
        .events
        .iter()
        .filter(|e| matches!(e.what, EventKind::Note { .. }))
        .count();
    assert_eq!(notes, 100);

    // One item, two reviewers who both saw it undecided.
    let (campaign, items) = campaign(&a).await;
    let first = decide(&a, campaign, &items[0], "ana", None).await.expect("ana decides");
    match decide(&b, campaign, &items[0], "ben", None).await {
        Err(StoreError::Conflict(why)) => assert!(why.contains("ana decided keep"), "{why}"),
        other => panic!("ben's unseen override was not refused: {other:?}"),
    }
    decide(&b, campaign, &items[0], "ben", Some(first.id))
        .await
        .expect("ben decides again, having seen ana's");
    let decisions = a.campaign_decisions(campaign).await.expect("decisions");
    let by: Vec<&str> = decisions.iter().map(|d| d.reviewer.as_str()).collect();
    assert_eq!(by, ["ana", "ben"]);

    // The same through the Access pane's action: refused and audited while
    // unseen; decided again having seen it, the override is in the audit log.
    let second = &items[1];
    decide(&a, campaign, second, "ana", None)
        .await
        .expect("ana decides the second");
    let decide_as_ben = |seen: std::collections::HashMap<i64, i64>| {
        let (b, item) = (b.clone(), second.clone());
        async move {
            let ctx = opsdeck::effects::review::DecideContext {
                sources: &[],
                postgres: &[],
                aliases: &[],
                seen: &seen,
            };
            opsdeck::effects::review::review_decide(
                &b,
                &who("ben"),
                &ctx,
                campaign,
                &[item],
                opsdeck::store::Decision::Defer,
                "owner on leave",
            )
            .await
        }
    };
    let (records, msg) = decide_as_ben(Default::default()).await;
    assert!(records.is_empty(), "{records:?}");
    assert!(format!("{msg:?}").contains("ana decided keep"), "{msg:?}");
    let latest = a.latest_decision(second.id).await.expect("read").expect("ana's");
    let (records, msg) = decide_as_ben([(second.id, latest.id)].into()).await;
    assert_eq!(records.len(), 1, "{msg:?}");
    let audit = a.audit_entries(None).await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|e| e.action == "review.defer" && e.outcome == "refused" && e.details.contains("another reviewer")),
        "the unseen override's refusal is audited"
    );
    assert!(
        audit.iter().any(|e| e.action == "review.defer"
            && e.outcome == "intent"
            && e.details.contains("overrides")
            && e.details.contains("ana")),
        "the override is audited with what it overrides"
    );
    assert_eq!(a.verify_audit().await.expect("verify").broken, None);
}

/// The next thing the listener says, within `limit`.
async fn next(rx: &mut mpsc::Receiver<StoreEvent>, limit: Duration) -> Option<StoreEvent> {
    tokio::time::timeout(limit, rx.recv()).await.ok().flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_or_killed_server_is_reported_down_and_back_without_a_key() {
    use common::fault_proxy::{Fault, FaultProxy, Upstream};
    let db = fresh_db().await;
    // The cluster's address, from the test URL; the store reached through the proxy.
    let opts: sqlx::postgres::PgConnectOptions = db.url().parse().expect("test url");
    let upstream = format!("{}:{}", opts.get_host(), opts.get_port())
        .parse()
        .expect("address");
    let proxy = FaultProxy::start(Upstream::Tcp(upstream)).await;
    let via_proxy = TeamStore {
        url: ConfigUrl::new(
            db.url()
                .replace(&format!(":{}/", opts.get_port()), &format!(":{}/", proxy.addr.port())),
        ),
        password: db.team.password.clone(),
    };
    let store = open(&via_proxy).await;
    let (tx, mut rx) = mpsc::channel(64);
    let _listening = watch(&store, tx).expect("listen");
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Hung: no connection closes, so only asking tells; within the ping's
    // period and timeout.
    let hung = Instant::now();
    proxy.set(Fault::Hung);
    match next(&mut rx, Duration::from_secs(10)).await {
        Some(StoreEvent::Down(why)) => eprintln!("hung server reported down in {:?}: {why}", hung.elapsed()),
        other => panic!("a hung server was not reported: {other:?}"),
    }
    proxy.set(Fault::Pass);
    assert_eq!(next(&mut rx, Duration::from_secs(5)).await, Some(StoreEvent::Resync));

    // Killed: the connection is cut, and that is said at once.
    let killed = Instant::now();
    proxy.set(Fault::Killed);
    assert!(
        matches!(next(&mut rx, Duration::from_secs(2)).await, Some(StoreEvent::Down(_))),
        "a killed server is reported within 2 s"
    );
    eprintln!("killed server reported down in {:?}", killed.elapsed());
    // Writes are refused, with the server named and not the password.
    let refused = store
        .append_audit(&who("ana"), AuditRecord::new("app", "note", Outcome::Info))
        .await
        .expect_err("no server, no write");
    assert!(refused.is_unreachable(), "{refused}");
    assert!(!refused.to_string().contains(&common::pg_password()), "{refused}");
    proxy.set(Fault::Pass);
    assert_eq!(next(&mut rx, Duration::from_secs(5)).await, Some(StoreEvent::Resync));
    store
        .append_audit(&who("ana"), AuditRecord::new("app", "note", Outcome::Info))
        .await
        .expect("writes again");
}
