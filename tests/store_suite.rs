//! The state store's whole API, on both databases: each test is written
//! once as `async fn(Store)` and run on a SQLite file in a temporary
//! directory (`sqlite::NAME`) and on a fresh PostgreSQL database of the test
//! cluster (`postgres::NAME`, `tests/run.sh cargo test --test store_suite`).
//! Without the cluster the PostgreSQL half fails; nothing skips.

mod common;
mod fixtures;

use chrono::{DateTime, Duration, Utc};
use opsdeck::backends::access::{AccessRow, Flag, FlagKind, LastLogin, ReviewItem};
use opsdeck::model::identity::Identity;
use opsdeck::runbook::session::{Event, EventKind, SessionMeta};
use opsdeck::store::audit::GENESIS_HASH;
use opsdeck::store::presence::{campaign_subject, session_subject, Presence, GONE_AFTER};
use opsdeck::store::review::{self, Campaign, Decision, NewDecision};
use opsdeck::store::{AckRecord, AuditEntry, AuditRecord, Engine, Outcome, Store};
use std::collections::BTreeMap;

/// Each test body, once on SQLite and once on PostgreSQL.
macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let dir = tempfile::tempdir().expect("tempdir");
                    let store = opsdeck::store::Store::open(&dir.path().join("state.db"))
                        .await
                        .expect("open the SQLite store");
                    assert_eq!(store.engine(), opsdeck::store::Engine::Sqlite);
                    super::$name(store).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = crate::common::pg::fresh_db().await;
                    let store = opsdeck::store::Store::open_at(&opsdeck::store::Location::Team(db.team.clone()))
                        .await
                        .expect("open the team store");
                    assert_eq!(store.engine(), opsdeck::store::Engine::Postgres);
                    super::$name(store).await;
                    drop(db);
                }
            )+
        }
    };
}

on_both!(
    audit_appends_read_back_in_order,
    audit_guard_refuses_plain_edits,
    audit_edited_row_is_detected,
    audit_deleted_row_is_detected,
    audit_removed_tail_is_detected,
    audit_verified_while_another_writer_appends_is_intact,
    secrets_never_reach_the_log,
    settings_round_trip,
    acks_are_kept_and_ended,
    sessions_read_back_whole_and_close,
    review_campaigns_snapshot_decide_and_count,
    presence_shows_the_other_opsdecks,
    trend_samples_read_back_and_pruned,
    escalations_claimed_once_and_settled_when_sent,
);

const HOSTILE: &str = "o'brien'); DROP TABLE audit_log;-- \\ \"quoted\" ünïcode\nsecond line";

fn who(operator: &str) -> Identity {
    Identity {
        operator: operator.into(),
        host: "jump-1".into(),
        ssh_client: Some("10.0.0.9".into()),
    }
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("fixture time")
}

async fn append(store: &Store, n: usize) -> Vec<AuditEntry> {
    let mut out = Vec::new();
    for i in 0..n {
        let outcome = [
            Outcome::Intent,
            Outcome::Ok,
            Outcome::Failed,
            Outcome::Refused,
            Outcome::Info,
        ][i % 5];
        let rec = AuditRecord::new("services", "container.restart", outcome)
            .target(format!("api-{i} {HOSTILE}"))
            .justification(HOSTILE)
            .details(serde_json::json!({ "i": i, "note": HOSTILE }));
        out.push(store.append_audit(&who("alice"), rec).await.expect("append"));
    }
    out
}

/// Edit the log the way someone with the database would: past the guard
/// triggers, which stop accidents only.
async fn tamper(store: &Store, sql: &str) {
    let guards: &[&str] = match store.engine() {
        Engine::Sqlite => &["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
        Engine::Postgres => &["ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update"],
    };
    for stmt in guards.iter().chain([&sql]) {
        sqlx::query(stmt).execute(store.pool()).await.expect(stmt);
    }
}

async fn audit_appends_read_back_in_order(store: Store) {
    let empty = store.verify_audit().await.expect("verify");
    assert_eq!((empty.rows, empty.broken), (0, None));
    assert!(store.audit_tail(5).await.expect("tail").is_empty());
    assert_eq!(store.audit_head().await.expect("head"), None);

    let written = append(&store, 7).await;
    assert_eq!(written[0].prev_hash, GENESIS_HASH);
    for (i, e) in written.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1);
        assert_eq!(e.hash, e.compute_hash());
        if i > 0 {
            assert_eq!(e.prev_hash, written[i - 1].hash);
        }
    }
    assert_eq!(written[2].outcome, "failed");
    assert_eq!(written[0].ssh_client.as_deref(), Some("10.0.0.9"));

    // Read back exactly as written, hostile text and all.
    assert_eq!(store.audit_entries(None).await.expect("entries"), written);
    let tail = store.audit_tail(3).await.expect("tail");
    assert_eq!(
        tail.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![7, 6, 5],
        "newest first"
    );
    assert_eq!(tail[0], written[6]);
    assert_eq!(store.audit_tail(100).await.expect("tail").len(), 7);

    // `since` is inclusive, and times compare as times on both sides.
    let third = DateTime::parse_from_rfc3339(&written[2].ts).expect("ts").to_utc();
    assert_eq!(store.audit_entries(Some(third)).await.expect("since"), written[2..]);
    let later = Utc::now() + Duration::hours(1);
    assert!(store.audit_entries(Some(later)).await.expect("since").is_empty());

    let report = store.verify_audit().await.expect("verify");
    assert_eq!((report.rows, report.broken), (7, None));
    assert_eq!(
        store.audit_head().await.expect("head"),
        Some((7, written[6].hash.clone()))
    );
}

async fn audit_guard_refuses_plain_edits(store: Store) {
    append(&store, 3).await;
    for sql in [
        "UPDATE audit_log SET outcome = 'ok'",
        "DELETE FROM audit_log WHERE seq = 2",
    ] {
        let refused = sqlx::query(sql).execute(store.pool()).await;
        let e = refused.expect_err(sql).to_string();
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    assert_eq!(store.verify_audit().await.expect("verify").broken, None);
}

async fn audit_edited_row_is_detected(store: Store) {
    append(&store, 6).await;
    tamper(&store, "UPDATE audit_log SET justification = 'routine' WHERE seq = 4").await;
    let report = store.verify_audit().await.expect("verify");
    let (seq, why) = report.broken.expect("the edit is detected");
    assert_eq!(seq, 4);
    assert!(why.contains("edited"), "{why}");
}

async fn audit_deleted_row_is_detected(store: Store) {
    append(&store, 6).await;
    tamper(&store, "DELETE FROM audit_log WHERE seq = 3").await;
    let (seq, why) = store.verify_audit().await.expect("verify").broken.expect("detected");
    assert_eq!(seq, 3);
    assert!(why.contains("missing"), "{why}");
}

async fn audit_removed_tail_is_detected(store: Store) {
    append(&store, 6).await;
    tamper(&store, "DELETE FROM audit_log WHERE seq >= 5").await;
    let (seq, why) = store.verify_audit().await.expect("verify").broken.expect("detected");
    assert_eq!(seq, 5);
    assert!(why.contains("removed from the end"), "{why}");
}

async fn audit_verified_while_another_writer_appends_is_intact(store: Store) {
    append(&store, 3).await;
    // Another process on the same store, appending all the while.
    let writer = Store::open_at(store.location()).await.expect("a second store");
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = done.clone();
    let appending = tokio::spawn(async move {
        let mut n = 0;
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            append(&writer, 1).await;
            n += 1;
        }
        n
    });
    for _ in 0..20 {
        let report = store.verify_audit().await.expect("verify");
        assert_eq!(report.broken, None, "after {} rows", report.rows);
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let appended = appending.await.expect("writer");
    assert!(appended > 0, "the writer appended meanwhile");
    let report = store.verify_audit().await.expect("verify");
    assert_eq!((report.rows, report.broken), (3 + appended, None));
}

async fn secrets_never_reach_the_log(store: Store) {
    let details = serde_json::json!({
        "user": "bob",
        "db_password": "hunter2",
        "nested": [{ "api_token": "tok-123", "Private_Key": "-----BEGIN" }],
        "env": { "AWS_SECRET_ACCESS_KEY": "wJalr", "region": "eu-west-1" },
    });
    let rec = AuditRecord::new("database", "pg.terminate", Outcome::Ok).details(details);
    let written = store.append_audit(&who("alice"), rec).await.expect("append");
    let stored = store.audit_entries(None).await.expect("entries");
    assert_eq!(stored, vec![written]);
    let text = &stored[0].details;
    for secret in ["hunter2", "tok-123", "-----BEGIN", "wJalr"] {
        assert!(!text.contains(secret), "{secret} reached the log: {text}");
    }
    assert!(
        text.contains("••••") && text.contains("bob") && text.contains("eu-west-1"),
        "{text}"
    );
    assert_eq!(store.verify_audit().await.expect("verify").broken, None);
}

async fn settings_round_trip(store: Store) {
    assert_eq!(store.setting("view").await.expect("get"), None);
    store.set_setting("view", "zoom:alerts").await.expect("set");
    store.set_setting("focus", HOSTILE).await.expect("set");
    assert_eq!(
        store.setting("view").await.expect("get").as_deref(),
        Some("zoom:alerts")
    );
    store.set_setting("view", "dashboard").await.expect("overwrite");
    assert_eq!(store.setting("view").await.expect("get").as_deref(), Some("dashboard"));
    assert_eq!(store.setting("focus").await.expect("get").as_deref(), Some(HOSTILE));
    assert_eq!(store.setting("View").await.expect("get"), None, "keys are exact");
}

fn ack(fingerprint: &str, acked_at: DateTime<Utc>, minutes: i64, silence: Option<&str>) -> AckRecord {
    AckRecord {
        source: "prod".into(),
        fingerprint: fingerprint.into(),
        alertname: "DiskAlmostFull".into(),
        operator: "carol".into(),
        comment: HOSTILE.into(),
        acked_at,
        until: acked_at + Duration::minutes(minutes),
        silence_id: silence.map(String::from),
    }
}

async fn acks_are_kept_and_ended(store: Store) {
    let t = at("2026-11-23T03:00:00.123456Z");
    let a = ack("fp-a", t, 30, Some("5f3c0b6e-silence"));
    let b = ack("fp-b", t + Duration::minutes(1), 60, None);
    let old = ack("fp-old", t - Duration::days(30), 30, None);
    for x in [&old, &a, &b] {
        store.add_ack(x).await.expect("add");
    }
    let since = t - Duration::days(7);
    assert_eq!(store.acks_since(since).await.expect("list"), vec![a.clone(), b.clone()]);
    assert_eq!(store.acks_since(t - Duration::days(31)).await.expect("list").len(), 3);

    let end = t + Duration::minutes(5);
    assert_eq!(store.end_ack("prod", "fp-a", end).await.expect("end"), 1);
    assert_eq!(store.end_ack("prod", "fp-a", end).await.expect("again"), 0);
    assert_eq!(store.end_ack("other", "fp-b", end).await.expect("other source"), 0);
    let after = store.acks_since(since).await.expect("list");
    assert_eq!(after[0].until, end);
    assert!(!after[0].holds(end) && after[0].holds(end - Duration::seconds(1)));
    assert_eq!(after[1], b, "the other alert's ack is untouched");
}

async fn sessions_read_back_whole_and_close(store: Store) {
    let fixture = fixtures::checklist::session();
    let mut meta = fixture.meta.clone();
    meta.title = HOSTILE.into();
    let created = store.create_session(&meta, &fixture.runbook).await.expect("create");
    assert_eq!(created.events.len(), 1);
    assert_eq!(created.events[0].what, EventKind::Started);
    for e in &fixture.events[1..] {
        store.append_session_event(&meta.id, e).await.expect("append");
    }
    let read = store.session(&meta.id).await.expect("read").expect("there");
    assert_eq!(read.meta, meta);
    assert_eq!(read.runbook, fixture.runbook);
    assert_eq!(read.events, fixture.events);

    // A later session, a daily round: newest first.
    let daily = SessionMeta {
        id: "DAILY-20261123-060000".into(),
        title: "Daily health check".into(),
        severity: None,
        started_at: meta.started_at + Duration::hours(3),
        started_by: "bob".into(),
        closed_at: None,
        closed_by: None,
        resolution: None,
    };
    store
        .create_session(&daily, &fixtures::checklist::daily())
        .await
        .expect("create");
    let open = store.sessions(true).await.expect("list");
    let ids: Vec<(&str, &str)> = open.iter().map(|(m, rb)| (m.id.as_str(), rb.as_str())).collect();
    assert_eq!(
        ids,
        vec![
            (daily.id.as_str(), "daily-health-check"),
            (meta.id.as_str(), "service-down")
        ]
    );

    let closing = Event {
        at: meta.started_at + Duration::minutes(40),
        operator: "carol".into(),
        step: None,
        what: EventKind::Closed {
            resolution: "rolled back 1.4.2".into(),
        },
    };
    store.append_session_event(&meta.id, &closing).await.expect("close");
    let open = store.sessions(true).await.expect("list");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].0.id, daily.id);
    let all = store.sessions(false).await.expect("list");
    assert_eq!(all.len(), 2);
    let closed = store.session(&meta.id).await.expect("read").expect("there");
    assert_eq!(closed.meta.closed_at, Some(closing.at));
    assert_eq!(closed.meta.closed_by.as_deref(), Some("carol"));
    assert_eq!(closed.meta.resolution.as_deref(), Some("rolled back 1.4.2"));
    assert_eq!(closed.events.last(), Some(&closing));

    // Nothing more goes into a closed session, nor into one that is not there.
    let late = Event {
        what: EventKind::Done { verified: false },
        step: Some("rollback".into()),
        ..closing.clone()
    };
    let e = store.append_session_event(&meta.id, &late).await.expect_err("closed");
    assert!(e.to_string().contains("closed"), "{e}");
    assert!(store.append_session_event("INC-nope", &late).await.is_err());
    assert_eq!(store.session("INC-nope").await.expect("read"), None);
    let again = store.session(&meta.id).await.expect("read").expect("there");
    assert_eq!(
        again.events.len(),
        fixture.events.len() + 1,
        "the refused event left no trace"
    );
}

/// Item `i` of a campaign: MFA on, off and unknown in turn, every kind of
/// last login, some flagged.
fn item(i: usize, t: DateTime<Utc>) -> ReviewItem {
    let mfa = [Some(true), Some(false), None][i % 3];
    let last_login = match i % 4 {
        0 => LastLogin::Unknown,
        1 => LastLogin::Never,
        _ => LastLogin::At(t - Duration::days(i as i64 % 200) + Duration::microseconds(i as i64)),
    };
    let mut flags = Vec::new();
    if i % 5 == 0 {
        flags.push(Flag {
            kind: FlagKind::Privileged,
            reason: "privileged role admin".into(),
        });
    }
    if mfa == Some(false) && i % 7 == 0 {
        flags.push(Flag {
            kind: FlagKind::MfaDisabled,
            reason: "MFA disabled".into(),
        });
    }
    let subject = if i == 7 {
        HOSTILE.to_string()
    } else {
        format!("user{i:04}@corp.example")
    };
    ReviewItem {
        id: 0,
        row: AccessRow {
            source: "app users".into(),
            subject,
            role: if i % 5 == 0 { "admin".into() } else { "viewer".into() },
            status: (i % 6 != 0).then(|| "active".to_string()),
            last_login,
            created_at: (i % 2 == 0).then(|| t - Duration::days(400) + Duration::microseconds(17)),
            mfa_enabled: mfa,
            organization: (i % 3 == 0).then(|| "sre".to_string()),
            granted_by: (i % 4 == 0).then(|| "it-admin".to_string()),
            extra: BTreeMap::from([
                ("team".to_string(), format!("t{}", i % 9)),
                ("note".to_string(), HOSTILE.into()),
            ]),
        },
        flags,
    }
}

async fn review_campaigns_snapshot_decide_and_count(store: Store) {
    let t = at("2026-11-20T09:30:00.654321Z");
    let due = t + Duration::days(14);
    let input: Vec<ReviewItem> = (0..1203).map(|i| item(i, t)).collect();
    let sources = serde_json::json!([{ "name": "app users", "rows": 1203, "skipped": 1 }]);
    let c1 = store
        .create_campaign("Q4 access review", "bob", t, due, &sources, &input)
        .await
        .expect("create");
    assert_eq!(
        store.campaign(c1).await.expect("campaign"),
        Some(Campaign {
            id: c1,
            name: "Q4 access review".into(),
            created_at: t,
            created_by: "bob".into(),
            due_at: due,
            sources: sources.clone(),
        })
    );
    assert_eq!(store.campaign(c1 + 1000).await.expect("campaign"), None);

    // Every item, in queue order across the 500-item chunks, as given.
    let items = store.campaign_items(c1).await.expect("items");
    assert_eq!(items.len(), 1203);
    for (k, (got, want)) in items.iter().zip(&input).enumerate() {
        assert_eq!(got.row, want.row, "item {k}");
        assert_eq!(got.flags, want.flags, "item {k}");
    }
    let mut ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 1203, "every item has an id of its own");
    for (k, mfa) in [
        (0, Some(true)),
        (1, Some(false)),
        (2, None),
        (501, Some(true)),
        (503, None),
        (1000, Some(false)),
    ] {
        assert_eq!(items[k].row.mfa_enabled, mfa, "item {k}");
    }

    let decide = |k: usize, decision: Decision, outcome: &'static str| {
        let store = &store;
        let item = &items[k];
        async move {
            store
                .record_decision(NewDecision {
                    campaign_id: c1,
                    item,
                    decision,
                    outcome,
                    justification: "reviewed with the team lead",
                    reviewer: "alice",
                    details: serde_json::json!({ "rows_affected": k }),
                    seen: None,
                })
                .await
                .expect("decide")
        }
    };
    let mut recorded = vec![
        decide(0, Decision::Keep, review::KEPT).await,
        decide(5, Decision::Revoke, review::REVOKED).await,
        decide(1, Decision::Defer, review::DEFERRED).await,
        decide(10, Decision::Revoke, review::REVOKE_FAILED).await,
        decide(2, Decision::Defer, review::DEFERRED).await,
    ];
    // The newest decision counts: item 2 is decided now, not deferred.
    recorded.push(decide(2, Decision::Keep, review::KEPT).await);
    recorded.push(decide(600, Decision::Revoke, review::REVOCATION_REQUESTED).await);
    assert_eq!(store.campaign_decisions(c1).await.expect("decisions"), recorded);
    assert!(recorded.windows(2).all(|w| w[0].id < w[1].id));

    // A later campaign, and an empty one: listed newest first.
    let c2 = store
        .create_campaign("Q1 review", "carol", t + Duration::days(1), due, &sources, &input[..3])
        .await
        .expect("create");
    let c3 = store
        .create_campaign(
            "empty",
            "carol",
            t + Duration::days(2),
            due,
            &serde_json::json!([]),
            &[],
        )
        .await
        .expect("create");
    let list = store.campaigns().await.expect("campaigns");
    let flagged = input.iter().filter(|i| !i.flags.is_empty()).count();
    // Items 0, 5 and 600 are flagged and settled; 10's revoke failed.
    let counts: Vec<(i64, usize, usize, usize, usize, usize)> = list
        .iter()
        .map(|s| (s.campaign.id, s.total, s.decided, s.deferred, s.flagged, s.flagged_open))
        .collect();
    assert_eq!(
        counts,
        vec![
            (c3, 0, 0, 0, 0, 0),
            (c2, 3, 0, 0, 1, 1),
            (c1, 1203, 4, 1, flagged, flagged - 3),
        ]
    );
    assert!(list[0].complete() && !list[2].complete());
    assert!(store.campaign_decisions(c2).await.expect("decisions").is_empty());
    assert_eq!(store.campaign_items(c2).await.expect("items").len(), 3);
}

async fn presence_shows_the_other_opsdecks(store: Store) {
    let t = at("2026-12-01T10:00:00.123456Z");
    let s = |secs: i64| t + Duration::seconds(secs);
    store
        .announce(&who("alice"), Some(&session_subject("INC-1")), t)
        .await
        .expect("announce");
    assert!(
        store.others_present(s(1)).await.expect("others").is_empty(),
        "not itself"
    );

    // Another opsdeck on the same store: its own pool, its own name.
    let other = Store::open_at(store.location()).await.expect("open again");
    assert_ne!(other.instance(), store.instance());
    other
        .announce(&who("bob"), Some(&campaign_subject(3)), s(1))
        .await
        .expect("announce");
    let bob = Presence {
        instance: other.instance().into(),
        operator: "bob".into(),
        host: "jump-1".into(),
        subject: Some("campaign:3".into()),
        seen_at: s(1),
    };
    assert_eq!(store.others_present(s(2)).await.expect("others"), vec![bob.clone()]);
    let seen_by_bob = other.others_present(s(2)).await.expect("others");
    assert_eq!(seen_by_bob.len(), 1);
    assert_eq!(seen_by_bob[0].instance, store.instance());
    assert_eq!(seen_by_bob[0].subject.as_deref(), Some("session:INC-1"));

    // Not refreshed within GONE_AFTER: a process that died.
    let gone = s(1) + Duration::from_std(GONE_AFTER).expect("duration") + Duration::seconds(1);
    assert!(store.others_present(gone).await.expect("others").is_empty());

    // The heartbeat moves it; leaving removes it.
    other.announce(&who("bob"), None, s(5)).await.expect("heartbeat");
    let moved = store.others_present(s(6)).await.expect("others");
    assert_eq!(
        moved,
        vec![Presence {
            subject: None,
            seen_at: s(5),
            ..bob
        }]
    );
    other.leave().await.expect("leave");
    assert!(store.others_present(s(7)).await.expect("others").is_empty());
    store.leave().await.expect("leave");
    assert!(other.others_present(s(7)).await.expect("others").is_empty());
    other.close().await;
}

#[test]
fn the_test_database_url_keeps_everything_but_the_name() {
    use common::pg::with_database;
    assert_eq!(
        with_database("postgres://opsdeck@127.0.0.1:5432/opsdeck_test", "x"),
        "postgres://opsdeck@127.0.0.1:5432/x"
    );
    assert_eq!(with_database("postgres://u@h:1", "x"), "postgres://u@h:1/x");
    assert_eq!(
        with_database("postgres://u@h/db?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
}

/// Trend samples: written in one go, read back by time, oldest first, with
/// hostile metric names kept as they were; pruned past `keep`, and past the
/// oldest frame left when the history is over its size.
async fn trend_samples_read_back_and_pruned(store: Store) {
    use opsdeck::model::trend::Sample;
    use opsdeck::store::history::frames::FrameKind;
    let now = at("2026-12-06T12:00:00Z");
    let sample = |metric: &str, ago: Duration, value: f64| Sample {
        metric: metric.to_string(),
        at: now - ago,
        value,
    };
    let metric = "host:local:disk:/var/o'brien'); DROP TABLE history_samples;--";
    let written = vec![
        sample("pg:main:size", Duration::days(20), 1.0),
        sample(metric, Duration::hours(2), 81.5),
        sample("pg:main:size", Duration::hours(1), 12.0e9),
        sample("pg:main:size", Duration::zero(), 12.5e9),
    ];
    store.history_samples_insert(&written).await.expect("insert");
    store.history_samples_insert(&[]).await.expect("nothing to insert");
    let day = store.history_samples(now - Duration::days(1), now).await.expect("read");
    assert_eq!(day, written[1..].to_vec());
    let all = store
        .history_samples(now - Duration::days(30), now)
        .await
        .expect("read");
    assert_eq!(all, written);
    // Past keep: one batch takes what is older.
    let keep = now - Duration::days(14);
    assert_eq!(store.history_prune(keep, u64::MAX, 10).await.expect("prune"), 1);
    assert_eq!(store.history_prune(keep, u64::MAX, 10).await.expect("prune"), 0);
    let left = store
        .history_samples(now - Duration::days(30), now)
        .await
        .expect("read");
    assert_eq!(left, written[1..].to_vec());
    // Over the size: the oldest frame goes, and the samples before the
    // oldest frame left, a batch at a time.
    for ago in [Duration::hours(3), Duration::minutes(30)] {
        store
            .history_insert("host:local", FrameKind::Key, now - ago, b"x")
            .await
            .expect("frame");
    }
    assert_eq!(store.history_prune(keep, 0, 1).await.expect("prune"), 1);
    let left = store
        .history_samples(now - Duration::days(30), now)
        .await
        .expect("read");
    assert_eq!(left, written[2..].to_vec());
    // Many at once: more than one statement's worth.
    let many: Vec<Sample> = (0..250)
        .map(|i| sample(&format!("m{i}"), Duration::minutes(10), f64::from(i)))
        .collect();
    store.history_samples_insert(&many).await.expect("insert many");
    let read = store
        .history_samples(now - Duration::minutes(10), now - Duration::minutes(10))
        .await
        .expect("read");
    assert_eq!(read, many);
}

async fn escalations_claimed_once_and_settled_when_sent(store: Store) {
    use opsdeck::store::escalations::{Claim, Key};
    let t = at("2026-12-07T03:00:00Z");
    let key = Key {
        source: "am".into(),
        fingerprint: HOSTILE.into(),
        starts_at: t,
        level: "L1".into(),
    };
    let claim = |k: Key, now| {
        let store = store.clone();
        async move {
            store
                .escalation_claim(&k, HOSTILE, "critical", now, 8)
                .await
                .expect("claim")
        }
    };
    assert_eq!(claim(key.clone(), t).await, Claim::Taken);
    // Its own claim, unsent: never taken twice, however old.
    assert_eq!(claim(key.clone(), t + Duration::hours(1)).await, Claim::Elsewhere);
    store
        .escalation_attempt(&key, 1, None, Some("HTTP 500"))
        .await
        .expect("attempt");
    let sent = t + Duration::seconds(2);
    store.escalation_attempt(&key, 2, Some(sent), None).await.expect("sent");
    assert_eq!(claim(key.clone(), t + Duration::hours(1)).await, Claim::Settled);
    let l2 = Key {
        level: "L2".into(),
        ..key.clone()
    };
    assert_eq!(claim(l2, sent).await, Claim::Taken);
    let all = store.escalations_since(t).await.expect("read");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].key, key);
    assert_eq!(
        (all[0].attempts, all[0].sent_at, all[0].alertname.as_str()),
        (2, Some(sent), HOSTILE)
    );
    assert_eq!((all[1].key.level.as_str(), all[1].sent_at), ("L2", None));
}
