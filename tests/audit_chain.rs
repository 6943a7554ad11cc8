//! The audit chain: append, verify, and detection of every kind of tampering.

use opsdeck::model::identity::Identity;
use opsdeck::store::{AuditRecord, Outcome, Store};
use std::process::Command;

fn who() -> Identity {
    Identity {
        operator: "alice".into(),
        host: "jump-1".into(),
        ssh_client: Some("10.0.0.9".into()),
    }
}

async fn store_with(n: usize) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("state.db")).await.expect("open store");
    for i in 0..n {
        let rec = AuditRecord::new(
            "services",
            "container.restart",
            if i % 2 == 0 { Outcome::Intent } else { Outcome::Ok },
        )
        .target(format!("api-{i}"))
        .justification("OOM loop")
        .details(serde_json::json!({ "i": i }));
        store.append_audit(&who(), rec).await.expect("append");
    }
    (dir, store)
}

/// Tamper the way an attacker with the file would: drop the guard triggers, then edit.
async fn tamper(store: &Store, sql: &str) {
    for stmt in [
        "DROP TRIGGER IF EXISTS audit_log_no_update",
        "DROP TRIGGER IF EXISTS audit_log_no_delete",
        sql,
    ] {
        sqlx::query(stmt).execute(store.pool()).await.expect(stmt);
    }
}

#[tokio::test]
async fn appended_chain_verifies() {
    let (_d, store) = store_with(10).await;
    let report = store.verify_audit().await.expect("verify");
    assert_eq!(report.rows, 10);
    assert_eq!(report.broken, None);
    let entries = store.audit_entries(None).await.expect("entries");
    assert_eq!(
        entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
    assert_eq!(entries[0].operator, "alice");
    assert_eq!(entries[0].ssh_client.as_deref(), Some("10.0.0.9"));
    assert_eq!(entries[1].prev_hash, entries[0].hash);
}

#[tokio::test]
async fn empty_log_verifies() {
    let (_d, store) = store_with(0).await;
    assert_eq!(store.verify_audit().await.expect("verify").broken, None);
}

#[tokio::test]
async fn triggers_refuse_plain_edits() {
    let (_d, store) = store_with(3).await;
    assert!(sqlx::query("UPDATE audit_log SET outcome = 'ok'")
        .execute(store.pool())
        .await
        .is_err());
    assert!(sqlx::query("DELETE FROM audit_log")
        .execute(store.pool())
        .await
        .is_err());
}

#[tokio::test]
async fn edited_row_is_detected() {
    let (_d, store) = store_with(10).await;
    tamper(&store, "UPDATE audit_log SET justification = 'routine' WHERE seq = 4").await;
    let (seq, why) = store.verify_audit().await.expect("verify").broken.expect("broken");
    assert_eq!(seq, 4);
    assert!(why.contains("edited"), "{why}");
}

#[tokio::test]
async fn edit_with_recomputed_hash_is_detected_at_next_row() {
    let (_d, store) = store_with(5).await;
    // Even recomputing this row's hash breaks the link from the next row.
    let mut e = store.audit_entries(None).await.expect("entries").remove(2);
    e.target = Some("innocent".into());
    let new_hash = e.compute_hash();
    tamper(
        &store,
        &format!("UPDATE audit_log SET target = 'innocent', hash = '{new_hash}' WHERE seq = 3"),
    )
    .await;
    let (seq, _) = store.verify_audit().await.expect("verify").broken.expect("broken");
    assert_eq!(seq, 4);
}

#[tokio::test]
async fn deleted_row_is_detected() {
    let (_d, store) = store_with(10).await;
    tamper(&store, "DELETE FROM audit_log WHERE seq = 6").await;
    let (seq, why) = store.verify_audit().await.expect("verify").broken.expect("broken");
    assert_eq!(seq, 6);
    assert!(why.contains("missing"), "{why}");
}

#[tokio::test]
async fn deleted_tail_is_detected() {
    let (_d, store) = store_with(10).await;
    tamper(&store, "DELETE FROM audit_log WHERE seq >= 9").await;
    let (seq, why) = store.verify_audit().await.expect("verify").broken.expect("broken");
    assert_eq!(seq, 9);
    assert!(why.contains("removed from the end"), "{why}");
}

#[tokio::test]
async fn reordered_rows_are_detected() {
    let (_d, store) = store_with(10).await;
    // Swap rows 3 and 7 wholesale (content and hashes), keeping the sequence numbers.
    tamper(
        &store,
        "UPDATE audit_log SET seq = CASE seq WHEN 3 THEN -7 WHEN 7 THEN -3 END WHERE seq IN (3, 7)",
    )
    .await;
    sqlx::query("UPDATE audit_log SET seq = -seq WHERE seq < 0")
        .execute(store.pool())
        .await
        .expect("renumber");
    let (seq, _) = store.verify_audit().await.expect("verify").broken.expect("broken");
    assert_eq!(seq, 3);
}

#[tokio::test]
async fn concurrent_writers_never_fork_the_chain() {
    let (dir, store) = store_with(0).await;
    // A second connection pool on the same file stands in for a second opsdeck process.
    let other = Store::open(&dir.path().join("state.db")).await.expect("second store");
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = if i % 2 == 0 { store.clone() } else { other.clone() };
        tasks.push(tokio::spawn(async move {
            s.append_audit(
                &who(),
                AuditRecord::new("app", "note", Outcome::Info).target(format!("t{i}")),
            )
            .await
        }));
    }
    for t in tasks {
        t.await.expect("join").expect("append");
    }
    let report = store.verify_audit().await.expect("verify");
    assert_eq!(report.rows, 40);
    assert_eq!(report.broken, None);
}

#[tokio::test]
async fn secrets_in_details_never_reach_the_log() {
    let (_d, store) = store_with(0).await;
    let rec = AuditRecord::new("database", "connect", Outcome::Ok)
        .details(serde_json::json!({ "password": "hunter2", "user": "app" }));
    store.append_audit(&who(), rec).await.expect("append");
    let e = &store.audit_entries(None).await.expect("entries")[0];
    assert!(!e.details.contains("hunter2"), "{}", e.details);
    assert!(e.details.contains("app"));
}

fn opsdeck(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env_remove("OPSDECK_CONFIG")
        .env("HOME", std::env::temp_dir())
        .output()
        .expect("run opsdeck")
}

#[tokio::test]
async fn audit_cli_verify_and_export() {
    let (dir, store) = store_with(4).await;
    let db = dir.path().join("state.db");
    let db = db.to_str().expect("utf-8 path");
    let ok = opsdeck(&["--state", db, "audit", "verify"]);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("intact: 4 entries"));

    let json = opsdeck(&["--state", db, "audit", "export", "--format", "json"]);
    assert_eq!(json.status.code(), Some(0));
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).expect("valid JSON");
    assert_eq!(parsed.as_array().map(Vec::len), Some(4));
    assert_eq!(parsed[0]["details"]["i"], 0);

    let csv = opsdeck(&["--state", db, "audit", "export", "--format", "csv", "--since", "1h"]);
    assert_eq!(csv.status.code(), Some(0));
    let text = String::from_utf8_lossy(&csv.stdout);
    assert!(text.starts_with("seq,ts,operator"), "{text}");
    assert_eq!(text.lines().count(), 5, "{text}");

    let future = opsdeck(&["--state", db, "audit", "export", "--since", "2999-01-01"]);
    assert_eq!(String::from_utf8_lossy(&future.stdout).trim(), "[]");

    tamper(&store, "UPDATE audit_log SET operator = 'mallory' WHERE seq = 2").await;
    let bad = opsdeck(&["--state", db, "audit", "verify"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stdout).contains("BROKEN at sequence 2"),
        "{}",
        String::from_utf8_lossy(&bad.stdout)
    );

    let usage = opsdeck(&["--state", db, "audit", "export", "--since", "whenever"]);
    assert_eq!(usage.status.code(), Some(2));
}
