//! What team mode costs: the time a write takes on the team store with and
//! without its notify trigger (the added latency of live updates), how long
//! another opsdeck takes to hear a change, and how many notifications a busy
//! incident and a busy audit log make per second. Run through the test
//! environment: `tests/run.sh cargo bench --bench team_cost`.

#[path = "../tests/common/mod.rs"]
mod common;

use opsdeck::model::identity::Identity;
use opsdeck::store::changes::{watch, StoreEvent};
use opsdeck::store::{AuditRecord, Location, Outcome, Store};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const APPENDS: usize = 1000;
const HEARD: usize = 100;

fn who(op: &str) -> Identity {
    Identity {
        operator: op.into(),
        host: "bench".into(),
        ssh_client: None,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let p = |q: f64| ms(times[((times.len() - 1) as f64 * q) as usize]);
    println!(
        "{what}: median {:.2} ms, p99 {:.2} ms, max {:.2} ms over {}",
        p(0.5),
        p(0.99),
        p(1.0),
        times.len()
    );
}

async fn appends(store: &Store, n: usize) -> Vec<Duration> {
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        store
            .append_audit(
                &who("ana"),
                AuditRecord::new("checklist", "step.done", Outcome::Ok).target(format!("INC-1/step-{i}")),
            )
            .await
            .expect("append");
        times.push(t.elapsed());
    }
    times
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let db = common::pg::fresh_db().await;
    let open = || async { Store::open_at(&Location::Team(db.team.clone())).await.expect("open") };
    let (a, b) = (open().await, open().await);
    let file_dir = tempfile::tempdir().expect("tempdir");
    let file = Store::open(&file_dir.path().join("state.db")).await.expect("sqlite");

    // 1. One audit append, on a file and on the team store, with and without
    // the trigger that announces it.
    summary("audit append, SQLite file", appends(&file, APPENDS).await);
    summary("audit append, team store", appends(&a, APPENDS).await);
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_notify")
        .execute(a.pool())
        .await
        .expect("disable");
    summary("audit append, team store without notify", appends(&a, APPENDS).await);
    sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_notify")
        .execute(a.pool())
        .await
        .expect("enable");

    // 2. From a commit in one opsdeck to the change in another's hands.
    let (tx, mut rx) = mpsc::channel(1024);
    let _listening = watch(&b, tx).expect("listen");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut heard = Vec::with_capacity(HEARD);
    for _ in 0..HEARD {
        let t = Instant::now();
        a.append_audit(&who("ana"), AuditRecord::new("app", "note", Outcome::Info))
            .await
            .expect("append");
        loop {
            match tokio::time::timeout(Duration::from_secs(2), rx.recv()).await {
                Ok(Some(StoreEvent::Changed(_))) => break,
                Ok(Some(_)) => continue,
                _ => panic!("no notification within 2 s"),
            }
        }
        heard.push(t.elapsed());
        // Apart, so each is a batch of its own.
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    summary("commit to the other opsdeck hearing it", heard);

    // 3. Four writers as fast as they can: notifications sent per second,
    // and the batches the listener passes on (what the screen re-reads).
    while rx.try_recv().is_ok() {}
    let started = Instant::now();
    let mut writers = Vec::new();
    for n in 0..4 {
        let store = open().await;
        writers.push(tokio::spawn(async move {
            appends(&store, 500).await;
            n
        }));
    }
    for w in writers {
        w.await.expect("writer");
    }
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut batches = 0;
    while let Ok(e) = rx.try_recv() {
        if matches!(e, StoreEvent::Changed(_)) {
            batches += 1;
        }
    }
    println!(
        "4 writers, 2,000 appends in {:.2} s: {:.0} notifications/s sent, {} re-read batches passed on ({:.1}/s)",
        took.as_secs_f64(),
        2000.0 / took.as_secs_f64(),
        batches,
        f64::from(batches) / took.as_secs_f64()
    );
    let verify = a.verify_audit().await.expect("verify");
    assert_eq!(verify.broken, None);
    println!("chain after the run: {} entries, intact", verify.rows);
}
