//! Team mode under load and moving to it: four writers, each with a store
//! of its own (separate pools, as separate processes would be), appending
//! to one audit chain at once, on PostgreSQL and on one SQLite file; and
//! `opsdeck state migrate` copying a full embedded store into a fresh
//! PostgreSQL database, compared table by table and row by row, and
//! refusing a team store that holds rows and a file whose chain is broken.
//! `tests/run.sh cargo test --test team_store`; without the cluster these
//! tests fail, they never skip.

mod common;
mod fixtures;

use chrono::{Duration, Utc};
use common::pg::{self, counts, rows, schema, TestDb};
use opsdeck::backends::access::{AccessRow, Flag, FlagKind, LastLogin, ReviewItem};
use opsdeck::model::identity::Identity;
use opsdeck::runbook::session::{Event, EventKind};
use opsdeck::store::review::{self, Decision, DecisionRecord, NewDecision};
use opsdeck::store::{AckRecord, AuditRecord, Location, Outcome, Store};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

const WRITERS: usize = 4;
const PER_WRITER: usize = 1_000;

fn who(operator: &str) -> Identity {
    Identity {
        operator: operator.into(),
        host: "jump-1".into(),
        ssh_client: None,
    }
}

/// Four stores on `location`, each appending PER_WRITER entries at once;
/// then the chain is checked whole and per writer.
async fn four_writers(location: &Location, label: &str) {
    let mut stores = Vec::new();
    for _ in 0..WRITERS {
        stores.push(Store::open_at(location).await.expect("open a writer's store"));
    }
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(WRITERS));
    let began = Instant::now();
    let tasks: Vec<_> = stores
        .into_iter()
        .enumerate()
        .map(|(w, store)| {
            let start = start.clone();
            let label = label.to_string();
            tokio::spawn(async move {
                start.wait().await;
                let me = who(&format!("writer-{w}"));
                for i in 0..PER_WRITER {
                    let rec = AuditRecord::new("services", "container.restart", Outcome::Ok)
                        .target(format!("w{w}-{i}"))
                        .details(serde_json::json!({ "writer": w, "i": i }));
                    if let Err(e) = store.append_audit(&me, rec).await {
                        panic!("{label}: writer {w}, entry {i}: {e}");
                    }
                }
                store.close().await;
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("a writer failed");
    }
    let took = began.elapsed();
    let total = WRITERS * PER_WRITER;
    println!(
        "{label}: {WRITERS} writers x {PER_WRITER} appends in {:.2} s: {:.0} appends/s",
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64()
    );

    let store = Store::open_at(location).await.expect("open to check");
    let report = store.verify_audit().await.expect("verify");
    assert_eq!(report.rows, total as u64, "{label}");
    assert_eq!(report.broken, None, "{label}");
    let entries = store.audit_entries(None).await.expect("entries");
    assert!(
        entries.iter().map(|e| e.seq).eq(1..=total as i64),
        "{label}: seqs 1..={total} without a gap"
    );
    for w in 0..WRITERS {
        let mine: Vec<&str> = entries
            .iter()
            .filter(|e| e.operator == format!("writer-{w}"))
            .filter_map(|e| e.target.as_deref())
            .collect();
        let expected: Vec<String> = (0..PER_WRITER).map(|i| format!("w{w}-{i}")).collect();
        assert_eq!(mine, expected, "{label}: writer {w}'s entries, all there, in its order");
    }
    // The writers interleaved: a chain written one after another proves nothing.
    let switches = entries.windows(2).filter(|p| p[0].operator != p[1].operator).count();
    assert!(
        switches > WRITERS,
        "{label}: the writers did not run at once ({switches} switches)"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_writers_on_one_team_store_keep_one_chain() {
    let db = pg::fresh_db().await;
    four_writers(&Location::Team(db.team.clone()), "PostgreSQL").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_writers_on_one_sqlite_file_keep_one_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    four_writers(&Location::File(dir.path().join("state.db")), "SQLite").await;
}

// ------------------------------------------------------------------ migrate

fn review_item(i: usize) -> ReviewItem {
    let t = fixtures::t0();
    ReviewItem {
        id: 0,
        row: AccessRow {
            source: "app users".into(),
            subject: if i == 3 {
                "o'brien'); DROP TABLE review_items;--".into()
            } else {
                format!("u{i}@corp.example")
            },
            role: if i % 10 == 0 { "admin".into() } else { "viewer".into() },
            status: (i % 4 != 0).then(|| "active".to_string()),
            last_login: [
                LastLogin::Unknown,
                LastLogin::Never,
                LastLogin::At(t - Duration::days(i as i64)),
            ][i % 3],
            created_at: (i % 2 == 0).then(|| t - Duration::days(300) + Duration::microseconds(i as i64)),
            mfa_enabled: [Some(true), Some(false), None][i % 3],
            organization: (i % 5 == 0).then(|| "sre".to_string()),
            granted_by: None,
            extra: BTreeMap::from([("team".to_string(), format!("t{}", i % 7))]),
        },
        flags: if i % 10 == 0 {
            vec![Flag {
                kind: FlagKind::Privileged,
                reason: "privileged role admin".into(),
            }]
        } else {
            Vec::new()
        },
    }
}

fn ack(fingerprint: &str, at: chrono::DateTime<Utc>, silence: Option<&str>) -> AckRecord {
    AckRecord {
        source: "prod".into(),
        fingerprint: fingerprint.into(),
        alertname: "DiskAlmostFull".into(),
        operator: "carol".into(),
        comment: "looking".into(),
        acked_at: at,
        until: at + Duration::hours(1),
        silence_id: silence.map(String::from),
    }
}

async fn decide(
    store: &Store,
    campaign_id: i64,
    item: &ReviewItem,
    decision: Decision,
    outcome: &str,
) -> DecisionRecord {
    let d = NewDecision {
        campaign_id,
        item,
        decision,
        outcome,
        justification: "checked with HR",
        reviewer: "alice",
        details: serde_json::json!({ "rows_affected": 1 }),
        seen: None,
    };
    store.record_decision(d).await.expect("decide")
}

/// Audit entries: more than one INSERT batch (400 rows) of migrate's.
const AUDIT_ROWS: usize = 850;

/// An embedded store with rows in every table presence aside.
async fn populated(dir: &Path) -> (PathBuf, Store) {
    let path = dir.join("state.db");
    let store = Store::open(&path).await.expect("open");
    for i in 0..AUDIT_ROWS {
        let rec = AuditRecord::new(
            "alerts",
            "alert.ack",
            if i % 3 == 0 { Outcome::Intent } else { Outcome::Ok },
        )
        .target(format!("prod/fp-{i}"))
        .justification("o'brien's disk; DROP TABLE audit_log;--")
        .details(serde_json::json!({ "i": i, "password": "never-stored" }));
        store.append_audit(&who("alice"), rec).await.expect("append");
    }
    let t = fixtures::t0();
    for (n, fp) in ["fp-a", "fp-b", "fp-c"].iter().enumerate() {
        let silence = (n == 0).then_some("5f3c0b6e");
        store
            .add_ack(&ack(fp, t + Duration::minutes(n as i64), silence))
            .await
            .expect("ack");
    }
    store
        .end_ack("prod", "fp-b", t + Duration::minutes(10))
        .await
        .expect("end");
    let paged = opsdeck::store::escalations::Key {
        source: "prod".into(),
        fingerprint: "fp-c".into(),
        starts_at: t,
        level: "L1".into(),
    };
    store
        .escalation_claim(&paged, "Down", "critical", t, 8)
        .await
        .expect("claim");
    store
        .escalation_attempt(&paged, 2, Some(t + Duration::seconds(3)), None)
        .await
        .expect("sent");
    let items: Vec<ReviewItem> = (0..1_000).map(review_item).collect();
    let sources = serde_json::json!([{ "name": "app users", "rows": 1000 }]);
    let c1 = store
        .create_campaign("Q4", "bob", t, t + Duration::days(14), &sources, &items)
        .await
        .expect("campaign");
    store
        .create_campaign(
            "Q1",
            "bob",
            t + Duration::days(1),
            t + Duration::days(15),
            &sources,
            &items[..5],
        )
        .await
        .expect("campaign");
    let stored = store.campaign_items(c1).await.expect("items");
    for (k, decision, outcome) in [
        (0, Decision::Keep, review::KEPT),
        (10, Decision::Revoke, review::REVOKED),
        (11, Decision::Defer, review::DEFERRED),
        (11, Decision::Keep, review::KEPT),
        (990, Decision::Revoke, review::REVOKE_FAILED),
    ] {
        decide(&store, c1, &stored[k], decision, outcome).await;
    }
    let session = fixtures::checklist::session();
    store
        .create_session(&session.meta, &session.runbook)
        .await
        .expect("session");
    for e in &session.events[1..] {
        store.append_session_event(&session.meta.id, e).await.expect("event");
    }
    let mut closed = session.meta.clone();
    closed.id = "INC-20261122-010000".into();
    store.create_session(&closed, &session.runbook).await.expect("session");
    let close = Event {
        at: closed.started_at + Duration::minutes(30),
        operator: "bob".into(),
        step: None,
        what: EventKind::Closed {
            resolution: "rolled back".into(),
        },
    };
    store.append_session_event(&closed.id, &close).await.expect("close");
    store.set_setting("view", "dashboard").await.expect("setting");
    store.set_setting("focus", "Alerts").await.expect("setting");
    (path, store)
}

/// `opsdeck --state FILE state migrate --to URL ARGS...`, away from the
/// developer's own config and data.
fn migrate(state: &Path, to: &str, args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("tempdir");
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("--state")
        .arg(state)
        .args(["state", "migrate", "--to", to])
        .args(args)
        .env_remove("OPSDECK_CONFIG")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .env("HOME", home.path())
        .output()
        .expect("run opsdeck")
}

fn text(out: &Output) -> (String, String) {
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    // Whatever happened, the password is never shown.
    let pw = common::pg_password();
    assert!(!o.contains(&pw) && !e.contains(&pw), "the password was printed");
    (o.into_owned(), e.into_owned())
}

async fn team(db: &TestDb) -> Store {
    Store::open_at(&Location::Team(db.team.clone()))
        .await
        .expect("open the team store")
}

#[tokio::test]
async fn migrate_copies_every_row_and_the_team_store_carries_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, file) = populated(dir.path()).await;
    let db = pg::fresh_db().await;
    let pw_file = dir.path().join("pw");
    std::fs::write(&pw_file, format!("{}\n", common::pg_password())).expect("password file");
    let began = Instant::now();
    let out = migrate(&path, db.url(), &["--password-file", pw_file.to_str().expect("utf-8")]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    println!("migrate: {:.2} s\n{stdout}", began.elapsed().as_secs_f64());
    assert!(
        stdout.contains(&format!("audit chain verified on both sides: {AUDIT_ROWS} entries")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.split_whitespace().eq(["review_items", "1005"])),
        "{stdout}"
    );

    // Table by table, row by row: the same ids, the same values.
    let team = team(&db).await;
    let tables = schema(&file).await;
    assert_eq!(tables.len(), 10, "{tables:?}");
    for (table, cols) in &tables {
        let pg_cols: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = $1 \
             AND table_schema = current_schema() ORDER BY column_name",
        )
        .bind(table)
        .fetch_all(team.pool())
        .await
        .expect("columns");
        let mut file_cols: Vec<String> = cols.iter().map(|(n, _)| n.clone()).collect();
        file_cols.sort();
        assert_eq!(pg_cols, file_cols, "{table}: the same columns on both sides");
        let (a, b) = (rows(&file, table, cols).await, rows(&team, table, cols).await);
        assert!(!a.is_empty(), "{table}: the fixture leaves no table empty");
        assert_eq!(a.len(), b.len(), "{table}: row count");
        for (n, (x, y)) in a.iter().zip(&b).enumerate() {
            assert_eq!(x, y, "{table}: row {n}");
        }
    }
    let report = team.verify_audit().await.expect("verify");
    assert_eq!((report.rows, report.broken), (AUDIT_ROWS as u64, None));
    assert_eq!(
        team.audit_head().await.expect("head"),
        file.audit_head().await.expect("head")
    );
    assert!(team.setting("view").await.expect("setting").is_some());

    // The team store goes on where the file stopped: the next ids follow
    // the copied ones, the chain grows.
    let e = team
        .append_audit(&who("bob"), AuditRecord::new("alerts", "alert.ack", Outcome::Ok))
        .await
        .expect("append");
    assert_eq!(e.seq, AUDIT_ROWS as i64 + 1);
    assert_eq!(team.verify_audit().await.expect("verify").broken, None);
    let t = Utc::now();
    team.add_ack(&ack("fp-new", t, None)).await.expect("ack after the copy");
    let c = team
        .create_campaign("after", "bob", t, t, &serde_json::json!([]), &[review_item(1)])
        .await
        .expect("campaign after the copy");
    assert_eq!(c, 3);
    let items = team.campaign_items(c).await.expect("items");
    let d = decide(&team, c, &items[0], Decision::Keep, review::KEPT).await;
    assert_eq!(d.id, 6);
    assert_eq!(items[0].id, 1006);
    let note = Event {
        at: t,
        operator: "bob".into(),
        step: None,
        what: EventKind::Note {
            text: "carry on".into(),
        },
    };
    let id = fixtures::checklist::session().meta.id;
    team.append_session_event(&id, &note)
        .await
        .expect("event after the copy");
    let events = team.session(&id).await.expect("read").expect("there").events;
    assert_eq!(events.last(), Some(&note));
    team.close().await;
    file.close().await;
}

#[tokio::test]
async fn migrate_refuses_a_team_store_that_holds_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, file) = populated(dir.path()).await;
    let tables = schema(&file).await;

    // Copied once (the password through ${VAR} in the URL this time)...
    let db = pg::fresh_db().await;
    let by_var = db.url().replacen("opsdeck@", "opsdeck:${OPSDECK_TEST_PG_PASSWORD}@", 1);
    assert_ne!(by_var, db.url());
    let first = migrate(&path, &by_var, &[]);
    assert_eq!(first.status.code(), Some(0), "{:?}", text(&first));
    let team_store = team(&db).await;
    let before = counts(&team_store, &tables).await;
    // ... and not twice.
    let again = migrate(&path, db.url(), &["--password-env", pg::PASSWORD_ENV]);
    let (stdout, stderr) = text(&again);
    assert_eq!(again.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("already holds") && stderr.contains("nothing was copied"),
        "{stderr}"
    );
    assert_eq!(counts(&team_store, &tables).await, before, "nothing changed");

    // A team store already in use: one setting is enough to refuse.
    let used = pg::fresh_db().await;
    let used_store = team(&used).await;
    used_store.set_setting("view", "alerts").await.expect("setting");
    let refused = migrate(&path, used.url(), &["--password-env", pg::PASSWORD_ENV]);
    let (_, stderr) = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("already holds settings rows"), "{stderr}");
    let after = counts(&used_store, &tables).await;
    assert!(after.iter().all(|(t, n)| *n == i64::from(t == "settings")), "{after:?}");
}

#[tokio::test]
async fn migrate_refuses_a_file_whose_chain_is_broken() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, file) = populated(dir.path()).await;
    for sql in [
        "DROP TRIGGER audit_log_no_update",
        "UPDATE audit_log SET justification = 'routine' WHERE seq = 3",
    ] {
        sqlx::query(sql).execute(file.pool()).await.expect(sql);
    }
    let db = pg::fresh_db().await;
    let out = migrate(&path, db.url(), &["--password-env", pg::PASSWORD_ENV]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("broken at entry 3"), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let team_store = team(&db).await;
    let tables = schema(&file).await;
    let after = counts(&team_store, &tables).await;
    assert!(after.iter().all(|(_, n)| *n == 0), "nothing was copied: {after:?}");
}

#[tokio::test]
async fn migrate_refuses_bad_arguments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    let file = Store::open(&path).await.expect("open");
    file.append_audit(&who("alice"), AuditRecord::new("x", "y", Outcome::Info))
        .await
        .expect("append");
    let db = pg::fresh_db().await;
    let env = ["--password-env", pg::PASSWORD_ENV];

    // A password written into the URL: refused, and not echoed.
    let literal = db.url().replacen("opsdeck@", "opsdeck:hunter2xyz@", 1);
    let out = migrate(&path, &literal, &[]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("password is written in the URL") && !stderr.contains("hunter2xyz"),
        "{stderr}"
    );

    // Not a team store, a file that is not there, a team store as source.
    let out = migrate(&path, "/tmp/other.db", &[]);
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    let missing = dir.path().join("nope.db");
    let out = migrate(&missing, db.url(), &env);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("does not exist") && !missing.exists(), "{stderr}");
    let out = migrate(Path::new(db.url()), db.url(), &env);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is a team store already"), "{stderr}");

    // The server not there: said so, nothing else happens.
    let out = migrate(&path, "postgres://opsdeck@127.0.0.1:1/x", &env);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("127.0.0.1:1/x") && stderr.contains("reach"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_copies_one_consistent_state_of_a_file_being_written() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
    use std::sync::Arc;
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, file) = populated(dir.path()).await;
    let db = pg::fresh_db().await;
    // Another process on the file that never said it is there (an older
    // opsdeck, a script): it appends all along.
    let writer = Store::open(&path).await.expect("open");
    let (stop, appended) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
    let appender = tokio::spawn({
        let (stop, appended) = (stop.clone(), appended.clone());
        async move {
            while !stop.load(SeqCst) {
                let rec = AuditRecord::new("services", "container.restart", Outcome::Ok);
                writer
                    .append_audit(&who("script"), rec)
                    .await
                    .expect("the writer waits, it is not refused");
                appended.fetch_add(1, SeqCst);
            }
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let before = appended.load(SeqCst);
    let (p, url) = (path.clone(), db.url().to_string());
    let out = tokio::task::spawn_blocking(move || migrate(&p, &url, &["--password-env", pg::PASSWORD_ENV]))
        .await
        .expect("migrate");
    let during = appended.load(SeqCst) - before;
    stop.store(true, SeqCst);
    appender.await.expect("the writer");
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(
        before > 0 && during > 0,
        "the file was written before ({before}) and while ({during}) it was copied"
    );

    // What was copied is the file as it was at one moment: a prefix of its
    // chain now, whole and verified.
    let team = team(&db).await;
    let copied = team.audit_entries(None).await.expect("entries");
    let now = file.audit_entries(None).await.expect("entries");
    assert!(
        copied.len() > AUDIT_ROWS && copied.len() < now.len(),
        "{} of {}",
        copied.len(),
        now.len()
    );
    assert_eq!(copied[..], now[..copied.len()]);
    assert_eq!(team.verify_audit().await.expect("verify").broken, None);
    assert_eq!(file.verify_audit().await.expect("verify").broken, None);
}
