//! The PostgreSQL poller, backups and backend signals against the real server
//! started by tests/run.sh (`tests/run.sh cargo test --test postgres`).
//! Without it these tests fail; they never skip.

mod common;

use chrono::Utc;
use common::pg_cluster::Cluster;
use opsdeck::backends::postgres::actions::{signal_backend, PgSignal, Signalled};
use opsdeck::backends::{self, BackendData, Target};
use opsdeck::config::{Config, PostgresConfig};
use opsdeck::model::postgres::{Checksum, PgBackend, PgSummary};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Executor};
use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant, SystemTime};

fn config(text: &str) -> Config {
    let mut c = Config::parse(text, Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"));
    c.host.enabled = false;
    c
}

/// A `[[postgres]]` section on the test server, with extra keys.
fn pg_toml(name: &str, extra: &str) -> String {
    std::env::set_var("OPSDECK_TEST_PG_PW_REF", common::pg_password());
    format!(
        "[[postgres]]\nname = \"{name}\"\nurl = \"{}\"\npassword_env = \"OPSDECK_TEST_PG_PW_REF\"\ntimeout = \"3s\"\n{extra}",
        common::pg_url()
    )
}

fn pg_target(extra: &str) -> Target {
    let mut t = backends::targets(&config(&pg_toml("main", extra)));
    assert_eq!(t.len(), 1);
    t.remove(0)
}

fn pg_cfg(extra: &str) -> PostgresConfig {
    config(&pg_toml("main", extra)).postgres.remove(0)
}

/// A plain test connection (not named opsdeck).
async fn connect() -> PgConnection {
    let opts = PgConnectOptions::from_str(&common::pg_url())
        .expect("OPSDECK_TEST_PG_URL parses")
        .password(&common::pg_password())
        .application_name("opsdeck-test");
    PgConnection::connect_with(&opts)
        .await
        .expect("connect to the test PostgreSQL")
}

async fn backend_pid(c: &mut PgConnection) -> i32 {
    sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(c)
        .await
        .expect("pg_backend_pid")
}

async fn poll(t: &mut Target) -> PgSummary {
    let report = t.poll_once().await;
    match report.result {
        Ok(BackendData::Postgres(p)) => *p,
        other => panic!("pg poll failed: {other:?}"),
    }
}

/// Poll until `found` picks something out of a summary, for at most `limit`.
async fn poll_until<T>(t: &mut Target, limit: Duration, found: impl Fn(&PgSummary) -> Option<T>) -> (PgSummary, T) {
    let end = Instant::now() + limit;
    loop {
        let s = poll(t).await;
        if let Some(v) = found(&s) {
            return (s, v);
        }
        assert!(
            Instant::now() < end,
            "not seen within {limit:?}; sessions: {:#?}; blocks: {:#?}",
            s.backends,
            s.blocks
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn session(s: &PgSummary, pid: i32) -> Option<PgBackend> {
    s.backends.iter().find(|x| x.pid == pid).cloned()
}

/// End a test session whatever state it is in.
async fn kill(pid: i32) {
    let mut c = connect().await;
    let _ = sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .execute(&mut c)
        .await;
}

#[tokio::test]
async fn summary_fields_and_thresholds() {
    let mut t = pg_target(
        "idle_in_tx = \"7m\"\nreplication_lag_bytes = 1048576\nlag_breach_samples = 2\nxid_age_warn_pct = 40\n",
    );
    let first = poll(&mut t).await;
    assert!(first.own_pid > 0);
    assert!(first.idle >= 0 && first.connections >= 1);
    assert!(first.db_size_bytes > 0);
    assert_eq!(first.db_growth_bytes, 0, "growth counts from the first poll");
    assert!(first.xid_age > 0);
    assert!(first.xid_wraparound_pct > 0.0 && first.xid_wraparound_pct < 100.0);
    assert!(first.cache_hit_pct.is_some_and(|p| (0.0..=100.0).contains(&p)));
    assert_eq!(first.deadlocks_delta, None);
    assert_eq!(first.temp_bytes_delta, None);
    assert!(first.standby.is_none() && !first.in_recovery);
    assert!(!first.lag_breached);
    assert!(first.permission_notes.is_empty(), "{:?}", first.permission_notes);
    assert!(first.backup.is_none());
    assert_eq!(first.thresholds.idle_in_tx_secs, 420);
    assert_eq!(first.thresholds.replication_lag_bytes, 1 << 20);
    assert_eq!(first.thresholds.lag_breach_samples, 2);
    assert_eq!(first.thresholds.xid_age_warn_pct, 40.0);
    // opsdeck never lists itself.
    assert!(session(&first, first.own_pid).is_none());
    let second = poll(&mut t).await;
    assert_eq!(second.own_pid, first.own_pid, "one connection kept between polls");
    assert!(second.deadlocks_delta.is_some_and(|d| d >= 0));
    assert!(second.temp_bytes_delta.is_some_and(|d| d >= 0));
}

#[tokio::test]
async fn long_query_is_listed_with_a_growing_duration() {
    let mut c = connect().await;
    let pid = backend_pid(&mut c).await;
    let sleeper = tokio::spawn(async move {
        let r = sqlx::query("SELECT pg_sleep(60)").execute(&mut c).await;
        (r, c)
    });
    let mut t = pg_target("long_query = \"1s\"\n");
    let (_, first) = poll_until(&mut t, Duration::from_secs(10), |s| {
        session(s, pid).filter(|x| x.duration_secs >= 1.0)
    })
    .await;
    assert_eq!(first.state, "active");
    assert!(first.query.contains("pg_sleep(60)"), "{}", first.query);
    assert_eq!(first.application, "opsdeck-test");
    assert_eq!(first.client_addr.as_deref(), Some("127.0.0.1"));
    assert!(
        first.wait_event.as_deref() == Some("Timeout: PgSleep"),
        "{:?}",
        first.wait_event
    );
    assert!(first.blocked_by.is_empty());
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let s = poll(&mut t).await;
    let second = session(&s, pid).expect("still listed");
    assert!(
        second.duration_secs >= first.duration_secs + 1.0,
        "{} then {}",
        first.duration_secs,
        second.duration_secs
    );
    assert!(s.long_query());
    kill(pid).await;
    let _ = sleeper.await;
}

#[tokio::test]
async fn short_queries_are_not_listed() {
    let mut c = connect().await;
    let pid = backend_pid(&mut c).await;
    let sleeper = tokio::spawn(async move { sqlx::query("SELECT pg_sleep(3)").execute(&mut c).await });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut t = pg_target("long_query = \"1m\"\n");
    let s = poll(&mut t).await;
    assert!(session(&s, pid).is_none(), "{:#?}", s.backends);
    let _ = sleeper.await;
}

#[tokio::test]
async fn lock_conflict_shows_the_blocking_edge() {
    let mut admin = connect().await;
    let table = format!("opsdeck_lock_{}", std::process::id());
    admin
        .execute(format!("CREATE TABLE IF NOT EXISTS {table} (id int)").as_str())
        .await
        .expect("create table");
    let mut holder = connect().await;
    let holder_pid = backend_pid(&mut holder).await;
    holder.execute("BEGIN").await.expect("begin");
    holder
        .execute(format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE").as_str())
        .await
        .expect("lock");
    let mut waiter = connect().await;
    let waiter_pid = backend_pid(&mut waiter).await;
    let select = format!("SELECT * FROM {table}");
    let waiting = tokio::spawn(async move {
        let r = waiter.execute(select.as_str()).await.map(|_| ());
        (r, waiter)
    });

    let mut t = pg_target("");
    let (s, edge) = poll_until(&mut t, Duration::from_secs(10), |s| {
        s.blocks.iter().find(|b| b.blocked_pid == waiter_pid).cloned()
    })
    .await;
    assert_eq!(edge.blocking_pid, holder_pid);
    assert_eq!(edge.relation.as_deref(), Some(format!("public.{table}").as_str()));
    assert_eq!(edge.mode, "AccessShareLock", "the lock the waiting SELECT asks for");
    assert_eq!(edge.lock_type, "relation");
    assert!(edge.waiting_secs >= 0.0);
    let blocked = session(&s, waiter_pid).expect("blocked session listed");
    assert_eq!(blocked.blocked_by, vec![holder_pid]);
    assert_eq!(blocked.wait_event.as_deref(), Some("Lock: relation"));
    let blocker = session(&s, holder_pid).expect("blocking session listed");
    assert!(blocker.blocked_by.is_empty());
    // Blocking and blocked sessions come first.
    let involved: Vec<bool> = s
        .backends
        .iter()
        .map(|x| !x.blocked_by.is_empty() || s.backends.iter().any(|y| y.blocked_by.contains(&x.pid)))
        .collect();
    assert!(
        involved.windows(2).all(|w| w[0] || !w[1]),
        "blocking and blocked first: {:#?}",
        s.backends
    );

    holder.execute("ROLLBACK").await.expect("rollback");
    let (r, _waiter) = waiting.await.expect("join");
    r.expect("the SELECT goes through once the lock is gone");
    let s = poll(&mut t).await;
    assert!(!s.blocks.iter().any(|b| b.blocked_pid == waiter_pid));
    admin
        .execute(format!("DROP TABLE IF EXISTS {table}").as_str())
        .await
        .expect("drop table");
}

#[tokio::test]
async fn old_idle_in_transaction_is_listed() {
    let mut c = connect().await;
    let pid = backend_pid(&mut c).await;
    c.execute("BEGIN").await.expect("begin");
    c.execute("SELECT 1").await.expect("select");
    let mut t = pg_target("idle_in_tx = \"1s\"\nlong_query = \"1h\"\n");
    let s = poll(&mut t).await;
    assert!(session(&s, pid).is_none(), "not yet a second old: {:#?}", s.backends);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let s = poll(&mut t).await;
    let x = session(&s, pid).expect("idle in transaction listed");
    assert_eq!(x.state, "idle in transaction");
    assert!(x.duration_secs >= 1.0, "{}", x.duration_secs);
    assert!(x.xact_secs.is_some_and(|v| v >= x.duration_secs));
    assert!(s.old_idle_in_tx().any(|x| x.pid == pid));
    assert!(s.idle_in_transaction >= 1);
    c.execute("ROLLBACK").await.expect("rollback");
}

#[tokio::test]
async fn cancel_and_terminate_backends() {
    let cfg = pg_cfg("");
    // Cancel: the running query fails with query_canceled.
    let mut c = connect().await;
    let pid = backend_pid(&mut c).await;
    let sleeper = tokio::spawn(async move {
        let r = sqlx::query("SELECT pg_sleep(60)").execute(&mut c).await.map(|_| ());
        (r, c)
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    assert_eq!(signal_backend(&cfg, pid, PgSignal::Cancel).await, Ok(Signalled::Yes));
    let (r, mut c) = tokio::time::timeout(Duration::from_secs(5), sleeper)
        .await
        .expect("the query ends soon after the cancel")
        .expect("join");
    let err = r.expect_err("the query was cancelled");
    let code = err.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned());
    assert_eq!(code.as_deref(), Some("57014"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The session itself lives on.
    assert_eq!(backend_pid(&mut c).await, pid);

    // Terminate: the session ends.
    let mut other = connect().await;
    let other_pid = backend_pid(&mut other).await;
    assert_eq!(
        signal_backend(&cfg, other_pid, PgSignal::Terminate).await,
        Ok(Signalled::Yes)
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sqlx::query("SELECT 1").execute(&mut other).await.is_err());

    // No such backend: the server says false.
    assert_eq!(
        signal_backend(&cfg, 1, PgSignal::Cancel).await,
        Ok(Signalled::NoSuchBackend)
    );

    // opsdeck's own connection (the poller's) is refused, and stays up.
    let mut t = pg_target("");
    let own = poll(&mut t).await.own_pid;
    for op in [PgSignal::Cancel, PgSignal::Terminate] {
        let e = signal_backend(&cfg, own, op).await.expect_err("own pid refused");
        assert!(e.contains("refused"), "{e}");
    }
    assert_eq!(poll(&mut t).await.own_pid, own);

    // A read-only target signals nothing.
    let ro = pg_cfg("read_only = true\n");
    let e = signal_backend(&ro, pid, PgSignal::Terminate)
        .await
        .expect_err("read-only");
    assert!(e.contains("read-only"), "{e}");
    assert_eq!(backend_pid(&mut c).await, pid);

    assert_eq!(PgSignal::Cancel.audit_action(), "query.cancel");
    assert_eq!(PgSignal::Terminate.audit_action(), "backend.terminate");
}

#[tokio::test]
async fn a_dead_target_does_not_stop_a_live_one() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let text = format!(
        "[[postgres]]\nname = \"off\"\nurl = \"postgres://x@127.0.0.1:{port}/db\"\ntimeout = \"1s\"\ninterval = \"1s\"\n\n{}interval = \"1s\"\n",
        pg_toml("main", "")
    );
    let targets = backends::targets(&config(&text));
    assert_eq!(targets.len(), 2);
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let tasks = backends::spawn_all(targets, tx);
    let started = Instant::now();
    let (mut off_errors, mut main_ok) = (0, 0);
    let mut first_off = None;
    while started.elapsed() < Duration::from_millis(4000) {
        let Ok(Some(r)) = tokio::time::timeout(Duration::from_millis(500), rx.recv()).await else {
            continue;
        };
        match (r.id.name.as_str(), &r.result) {
            ("off", Err(_)) => {
                off_errors += 1;
                first_off.get_or_insert(started.elapsed());
            }
            ("main", Ok(BackendData::Postgres(_))) => main_ok += 1,
            other => panic!("unexpected report {other:?}"),
        }
    }
    for t in tasks {
        t.abort();
    }
    assert!(off_errors >= 1, "the dead target is reported down");
    assert!(
        first_off.is_some_and(|d| d < Duration::from_millis(1500)),
        "{first_off:?}"
    );
    assert!(main_ok >= 3, "the live target keeps reporting: {main_ok}");
}

fn set_mtime(path: &Path, ago: Duration) {
    let f = std::fs::File::options().write(true).open(path).expect("open");
    f.set_modified(SystemTime::now() - ago).expect("set mtime");
}

fn backup_target(backup: &str) -> Target {
    pg_target(&format!("backup = {{ {backup}, max_age = \"1d\" }}\n"))
}

#[tokio::test]
async fn backup_files_age_and_checksums() {
    use sha2::Digest;
    let day = Duration::from_secs(86_400);
    // An old file: stale.
    let dir = tempfile::tempdir().expect("tempdir");
    let old = dir.path().join("app-1.dump");
    std::fs::write(&old, b"old dump").expect("write");
    set_mtime(&old, 3 * day);
    let glob = format!("{}/*.dump", dir.path().display());
    let mut t = backup_target(&format!("newest_file = \"{glob}\""));
    let b = poll(&mut t).await.backup.expect("backup");
    assert_eq!(b.source, old.display().to_string());
    assert_eq!(b.size_bytes, Some(8));
    assert_eq!(b.checksum, Checksum::NotChecked);
    assert_eq!(b.max_age_secs, 86_400);
    let age = b.age_secs(Utc::now()).expect("age");
    assert!((3 * 86_400 - 60..3 * 86_400 + 60).contains(&age), "{age}");
    assert!(b.is_bad(Utc::now()));

    // A newer file whose .sha256 does not match: a mismatch, however fresh.
    let new = dir.path().join("app-2.dump");
    std::fs::write(&new, b"new dump").expect("write");
    let wrong = hex::encode(sha2::Sha256::digest(b"something else"));
    std::fs::write(dir.path().join("app-2.dump.sha256"), format!("{wrong}  app-2.dump\n")).expect("write");
    let b = poll(&mut t).await.backup.expect("backup");
    assert_eq!(b.source, new.display().to_string());
    assert_eq!(b.checksum, Checksum::Mismatch);
    assert!(b.error.is_none());
    assert!(b.is_bad(Utc::now()));

    // The right digest: fine.
    let right = hex::encode(sha2::Sha256::digest(b"new dump"));
    std::fs::write(dir.path().join("app-2.dump.sha256"), format!("{right} *app-2.dump\n")).expect("write");
    let b = poll(&mut t).await.backup.expect("backup");
    assert_eq!(b.checksum, Checksum::Ok);
    assert!(!b.is_bad(Utc::now()), "{b:?}");

    // A malformed .sha256 is an error of the check.
    std::fs::write(dir.path().join("app-2.dump.sha256"), "not a digest\n").expect("write");
    let b = poll(&mut t).await.backup.expect("backup");
    assert!(matches!(b.checksum, Checksum::Error(_)), "{:?}", b.checksum);
    assert!(b.is_bad(Utc::now()));

    // Nothing matches.
    let empty = tempfile::tempdir().expect("tempdir");
    let glob = format!("{}/*.dump", empty.path().display());
    let mut t = backup_target(&format!("newest_file = \"{glob}\""));
    let b = poll(&mut t).await.backup.expect("backup");
    assert_eq!(b.error.as_deref(), Some(format!("no file matches {glob}").as_str()));
    assert!(b.is_bad(Utc::now()));
}

#[tokio::test]
async fn backup_checksum_is_cached_until_the_file_changes() {
    use sha2::Digest;
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("db.dump");
    std::fs::write(&f, b"content").expect("write");
    let right = hex::encode(sha2::Sha256::digest(b"content"));
    std::fs::write(dir.path().join("db.dump.sha256"), format!("{right}  db.dump\n")).expect("write");
    let mtime = std::fs::metadata(&f).and_then(|m| m.modified()).expect("mtime");
    let glob = format!("{}/*.dump", dir.path().display());
    let mut t = backup_target(&format!("newest_file = \"{glob}\""));
    assert_eq!(poll(&mut t).await.backup.expect("backup").checksum, Checksum::Ok);
    // Same size and mtime, different bytes: not read again, so the verdict stands.
    std::fs::write(&f, b"CONTENT").expect("write");
    std::fs::File::options()
        .write(true)
        .open(&f)
        .and_then(|h| h.set_modified(mtime))
        .expect("restore mtime");
    assert_eq!(poll(&mut t).await.backup.expect("backup").checksum, Checksum::Ok);
    // A new mtime: hashed again, and now it does not match.
    set_mtime(&f, Duration::from_secs(5));
    assert_eq!(poll(&mut t).await.backup.expect("backup").checksum, Checksum::Mismatch);
}

#[tokio::test]
async fn backup_time_from_a_query() {
    let mut t = backup_target("query = \"SELECT now() - interval '2 days'\"");
    let b = poll(&mut t).await.backup.expect("backup");
    assert_eq!(b.source, "query");
    assert!(b.error.is_none(), "{b:?}");
    let age = b.age_secs(Utc::now()).expect("age");
    assert!((2 * 86_400 - 60..2 * 86_400 + 60).contains(&age), "{age}");
    assert!(b.is_bad(Utc::now()));

    let mut t = backup_target("query = \"SELECT now() - interval '1 hour'\"");
    let b = poll(&mut t).await.backup.expect("backup");
    assert!(!b.is_bad(Utc::now()), "{b:?}");

    // Read-only: a query that writes is refused, and the poll still succeeds.
    let mut t = backup_target("query = \"CREATE TABLE opsdeck_backup_probe (t timestamptz) \"");
    let s = poll(&mut t).await;
    let b = s.backup.expect("backup");
    assert!(b.error.as_deref().is_some_and(|e| e.contains("read-only")), "{b:?}");
    assert!(b.is_bad(Utc::now()));

    // NULL and a failing query are errors of the backup, not of the poll.
    let mut t = backup_target("query = \"SELECT NULL::timestamptz\"");
    let b = poll(&mut t).await.backup.expect("backup");
    assert!(b.error.as_deref().is_some_and(|e| e.contains("NULL")), "{b:?}");
    let mut t = backup_target("query = \"SELECT last_at FROM no_such_table\"");
    let b = poll(&mut t).await.backup.expect("backup");
    assert!(b.error.as_deref().is_some_and(|e| e.contains("no_such_table")), "{b:?}");
    // …and the connection is still good afterwards.
    assert!(poll(&mut t).await.backup.is_some());
}

#[tokio::test]
async fn a_role_without_stats_grants_gets_notes_not_errors() {
    let mut admin = connect().await;
    // A fixed test-only password for a throwaway role.
    admin
        .execute(
            "DO $$ BEGIN
                 IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdeck_lowpriv') THEN
                     CREATE ROLE opsdeck_lowpriv LOGIN PASSWORD 'lowpriv-test-pw';
                 END IF;
             END $$",
        )
        .await
        .expect("create role");
    // Another user's running query, whose text the role may not see.
    let mut c = connect().await;
    let pid = backend_pid(&mut c).await;
    let sleeper = tokio::spawn(async move { sqlx::query("SELECT pg_sleep(4)").execute(&mut c).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    std::env::set_var("OPSDECK_TEST_LOWPRIV_PW", "lowpriv-test-pw");
    let url = common::pg_url().replacen("//opsdeck@", "//opsdeck_lowpriv@", 1);
    assert_ne!(url, common::pg_url(), "test url names the opsdeck role");
    let text = format!(
        "[[postgres]]\nname = \"low\"\nurl = \"{url}\"\npassword_env = \"OPSDECK_TEST_LOWPRIV_PW\"\ntimeout = \"3s\"\nlong_query = \"1s\"\n"
    );
    let mut t = backends::targets(&config(&text)).remove(0);
    let s = poll(&mut t).await;
    assert!(
        s.permission_notes.iter().any(|n| n.contains("pg_read_all_stats")),
        "{:?}",
        s.permission_notes
    );
    assert!(s.db_size_bytes > 0);
    kill(pid).await;
    let _ = sleeper.await;
}

/// The config of a private cluster as a `[[postgres]]` target.
trait AsTarget {
    fn toml(&self, name: &str, extra: &str) -> String;
    fn target(&self, extra: &str) -> Target;
}

impl AsTarget for Cluster {
    fn toml(&self, name: &str, extra: &str) -> String {
        format!(
            "[[postgres]]\nname = \"{name}\"\nurl = \"postgres://postgres@127.0.0.1:{}/postgres\"\ntimeout = \"2s\"\n{extra}",
            self.port
        )
    }

    fn target(&self, extra: &str) -> Target {
        backends::targets(&config(&self.toml("private", extra))).remove(0)
    }
}

async fn next_report(rx: &mut tokio::sync::mpsc::Receiver<backends::BackendReport>) -> backends::BackendReport {
    tokio::time::timeout(Duration::from_secs(15), rx.recv())
        .await
        .expect("a report within 15 s")
        .expect("reports keep coming")
}

#[tokio::test]
async fn server_restart_is_down_then_recovered_without_user_action() {
    let cluster = Cluster::primary();
    let targets = backends::targets(&config(&cluster.toml("private", "interval = \"1s\"\n")));
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let tasks = backends::spawn_all(targets, tx);
    let report = next_report(&mut rx).await;
    let Ok(BackendData::Postgres(before)) = report.result else {
        panic!("private cluster up: {:?}", report.result)
    };
    cluster.stop();
    let stopped = Instant::now();
    // Down: an error report, soon.
    loop {
        let r = next_report(&mut rx).await;
        if r.result.is_err() {
            break;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(5),
            "still up after the stop: {r:?}"
        );
    }
    assert!(stopped.elapsed() < Duration::from_secs(5));
    cluster.start("");
    let started = Instant::now();
    // Recovered: the poller reconnects by itself (backoff is at most 4 intervals).
    let after = loop {
        let r = next_report(&mut rx).await;
        if let Ok(BackendData::Postgres(p)) = r.result {
            break p;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "not recovered: {r:?}");
    };
    assert_ne!(after.own_pid, before.own_pid, "a new connection after the restart");
    assert!(after.uptime_secs <= before.uptime_secs + 10);
    for t in tasks {
        t.abort();
    }
}

#[tokio::test]
async fn streaming_replica_on_primary_and_standby() {
    let primary = Cluster::primary();
    let replica = Cluster::replica_of(&primary);
    let mut p = primary.target("");
    let (_, r) = poll_until(&mut p, Duration::from_secs(20), |s| {
        // replay_lsn is NULL until the replica's first feedback.
        s.replicas
            .iter()
            .find(|r| r.state == "streaming" && r.lag_bytes.is_some())
            .cloned()
    })
    .await;
    assert_eq!(r.name, "opsdeck_replica");
    assert_eq!(r.client_addr.as_deref(), Some("127.0.0.1"));
    assert_eq!(r.sync_state, "async");
    assert!(r.lag_bytes.is_some_and(|b| b >= 0), "{r:?}");

    // A write on the primary, replayed on the standby.
    let mut pc = PgConnection::connect(&format!("postgres://postgres@127.0.0.1:{}/postgres", primary.port))
        .await
        .expect("connect to the private primary");
    pc.execute("CREATE TABLE replicated (id int); INSERT INTO replicated VALUES (1)")
        .await
        .expect("write");
    let mut s = replica.target("replication_lag_warn = \"1s\"\nlag_breach_samples = 1\n");
    let (summary, standby) = poll_until(&mut s, Duration::from_secs(20), |s| {
        s.standby
            .clone()
            .filter(|st| st.replay_delay_secs.is_some() && st.replay_pending_bytes == Some(0))
    })
    .await;
    assert!(summary.in_recovery);
    assert_eq!(summary.role(), "standby");
    assert!(summary.replicas.is_empty());
    assert!(standby.replay_delay_secs.is_some_and(|d| d >= 0.0));
    // An idle primary: the replay delay grows past the threshold with nothing
    // pending, which is no breach.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let summary = poll(&mut s).await;
    let st = summary.standby.clone().expect("standby");
    assert!(st.replay_delay_secs.is_some_and(|d| d > 1.0), "{st:?}");
    assert_eq!(st.replay_pending_bytes, Some(0));
    assert!(!summary.lag_breached);
    assert!(summary.worst_lag_secs().is_some_and(|d| d > 1.0));
    let _ = pc.close().await;
}

#[tokio::test]
async fn replica_behind_is_a_breach_after_enough_polls() {
    use opsdeck::backends::postgres::queries::lag_over;
    let primary = Cluster::primary();
    // Replays every commit 3 s late: behind in time, with WAL pending.
    let replica = Cluster::replica_with(&primary, "-c recovery_min_apply_delay=3s");
    let mut pc = PgConnection::connect(&format!("postgres://postgres@127.0.0.1:{}/postgres", primary.port))
        .await
        .expect("connect to the private primary");
    pc.execute("CREATE TABLE busy (id serial, pad text)")
        .await
        .expect("create");
    let writer = tokio::spawn(async move {
        loop {
            let r = pc
                .execute("INSERT INTO busy (pad) SELECT repeat('x', 1000) FROM generate_series(1, 50)")
                .await;
            if r.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let extra = "replication_lag_warn = \"1s\"\nreplication_lag_bytes = 1\nlag_breach_samples = 2\ninterval = \"1s\"\n";
    for mut t in [replica.target(extra), primary.target(extra)] {
        let mut previous_over = false;
        let mut breached_seen = false;
        let end = Instant::now() + Duration::from_secs(20);
        while Instant::now() < end && !breached_seen {
            let s = poll(&mut t).await;
            let over = lag_over(&s.replicas, s.standby.as_ref(), &s.thresholds);
            assert_eq!(
                s.lag_breached,
                over && previous_over,
                "breached only after two polls over in a row: {:?} {:?}",
                s.replicas,
                s.standby
            );
            breached_seen = s.lag_breached;
            previous_over = over;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        assert!(breached_seen, "a replica 3 s behind under writes is a breach");
    }
    writer.abort();
}

/// A table with one row, for a session to hold a row lock on.
async fn locked_row_table(tag: &str) -> String {
    let mut admin = connect().await;
    let table = format!("opsdeck_{tag}_{}", std::process::id());
    admin
        .execute(
            format!(
                "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id int, v int); INSERT INTO {table} VALUES (1, 0)"
            )
            .as_str(),
        )
        .await
        .expect("create table");
    table
}

/// The state of a backend as the server sees it now.
async fn state_of(pid: i32) -> Option<String> {
    let mut c = connect().await;
    sqlx::query_scalar("SELECT state FROM pg_stat_activity WHERE pid = $1")
        .bind(pid)
        .fetch_optional(&mut c)
        .await
        .expect("pg_stat_activity")
}

#[tokio::test]
async fn a_cancel_on_an_idle_transaction_is_no_effect_audited_failed_and_terminate_ends_it() {
    use opsdeck::app::{Msg, SignalRequest};
    let table = locked_row_table("idle_cancel").await;
    let mut holder = connect().await;
    let pid = backend_pid(&mut holder).await;
    holder.execute("BEGIN").await.expect("begin");
    holder
        .execute(format!("SELECT * FROM {table} WHERE id = 1 FOR UPDATE").as_str())
        .await
        .expect("row lock");
    // Another session waits for that row.
    let mut waiter = connect().await;
    let update = format!("UPDATE {table} SET v = 1 WHERE id = 1");
    let waiting = tokio::spawn(async move { waiter.execute(update.as_str()).await.map(|_| ()) });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(state_of(pid).await.as_deref(), Some("idle in transaction"));

    let (_dir, store, who) = common::audit_store().await;
    let targets = vec![pg_cfg("")];
    let request = SignalRequest {
        target: "main".into(),
        pid,
        user: "opsdeck".into(),
        database: "opsdeck_test".into(),
        state: "idle in transaction".into(),
        query: format!("SELECT * FROM {table} WHERE id = ?"),
    };
    let why = "INC-9: holds the orders row";
    let done = opsdeck::effects::postgres::pg_signal(
        &store,
        &who,
        &targets,
        std::slice::from_ref(&request),
        PgSignal::Cancel,
        why,
    )
    .await;
    // Not "done": said as no effect, with the session to terminate.
    match &done {
        Msg::CancelHadNoEffect { text, requests } => {
            assert!(
                text.contains("NO EFFECT") && text.contains("idle in transaction"),
                "{text}"
            );
            assert_eq!(requests, &vec![request.clone()]);
        }
        other => panic!("a cancel that changed nothing is not done: {other:?}"),
    }
    // And indeed nothing changed: the session holds its lock, the waiter waits.
    assert_eq!(state_of(pid).await.as_deref(), Some("idle in transaction"));
    assert!(!waiting.is_finished(), "the waiter is still blocked");

    let entries = store.audit_entries(None).await.expect("audit");
    let seen: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e.action.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(seen, [("query.cancel", "intent"), ("query.cancel", "failed")]);
    assert!(
        entries[1].details.contains("no query to cancel"),
        "{}",
        entries[1].details
    );
    // The operator's reason is in the justification column of both entries.
    assert!(
        entries.iter().all(|e| e.justification.as_deref() == Some(why)),
        "{entries:?}"
    );

    // Terminate ends it: the waiter gets its row.
    let done =
        opsdeck::effects::postgres::pg_signal(&store, &who, &targets, &[request], PgSignal::Terminate, why).await;
    assert!(matches!(&done, Msg::ActionDone { ok: true, .. }), "{done:?}");
    tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("the waiter goes on once the holder is gone")
        .expect("join")
        .expect("the update ran");
    let entries = store.audit_entries(None).await.expect("audit");
    let last = entries.last().expect("entries");
    assert_eq!(
        (last.action.as_str(), last.outcome.as_str()),
        ("backend.terminate", "ok")
    );
    assert_eq!(last.justification.as_deref(), Some(why));
}

#[tokio::test]
async fn an_idle_transaction_is_judged_by_its_age_not_its_last_statement() {
    let table = locked_row_table("idle_age").await;
    let mut holder = connect().await;
    let pid = backend_pid(&mut holder).await;
    holder.execute("BEGIN").await.expect("begin");
    holder
        .execute(format!("SELECT * FROM {table} WHERE id = 1 FOR UPDATE").as_str())
        .await
        .expect("row lock");
    // A statement every 600 ms: never idle for the threshold, always in
    // the same transaction, holding the row.
    let chatter = tokio::spawn(async move {
        for _ in 0..8 {
            tokio::time::sleep(Duration::from_millis(600)).await;
            holder.execute("SELECT 1").await.expect("select");
        }
        holder
    });
    let mut t = pg_target("idle_in_tx = \"2s\"\nlong_query = \"1h\"\n");
    let (s, x) = poll_until(&mut t, Duration::from_secs(4), |s| {
        session(s, pid).filter(|x| x.state == "idle in transaction")
    })
    .await;
    let xact = x.xact_secs.expect("in a transaction");
    assert!(xact >= 2.0, "listed once the transaction is 2 s old: {x:?}");
    assert!(x.duration_secs < 1.5, "idle for less than a statement's gap: {x:?}");
    assert!(s.old_idle_in_tx().any(|y| y.pid == pid), "flagged: {:#?}", s.backends);
    let mut holder = chatter.await.expect("join");
    holder.execute("ROLLBACK").await.expect("rollback");
}
