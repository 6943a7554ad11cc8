//! What someone with write access to a store does to the audit log: drop
//! the guard triggers, change the operator of row 1, and recompute every
//! hash after it and the chain head with the public algorithm
//! (`hash = sha256(prev_hash || canonical_bytes(row))`, src/store/audit.rs),
//! written out here again. The chain then verifies.

use sha2::{Digest, Sha256};
use sqlx::Connection;

type Row = (
    i64,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
);

/// `url`: `sqlite://FILE` or a PostgreSQL URL with its password;
/// `unguard`: the statements that drop the triggers there.
pub async fn rewrite(url: &str, unguard: &[&str]) {
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(url)
        .await
        .expect("open the store to rewrite");
    for stmt in unguard
        .iter()
        .copied()
        .chain(["UPDATE audit_log SET operator = 'mallory' WHERE seq = 1"])
    {
        sqlx::query(stmt).execute(&mut db).await.expect(stmt);
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT seq, ts, operator, ssh_client, host, pane, action, target, justification, outcome, details \
         FROM audit_log ORDER BY seq",
    )
    .fetch_all(&mut db)
    .await
    .expect("rows");
    let mut prev = "0".repeat(64);
    for (seq, ts, operator, ssh, host, pane, action, target, justification, outcome, details) in rows {
        let canonical = serde_json::json!([
            seq,
            ts,
            operator,
            ssh,
            host,
            pane,
            action,
            target,
            justification,
            outcome,
            details
        ]);
        let mut h = Sha256::new();
        h.update(prev.as_bytes());
        h.update(canonical.to_string().as_bytes());
        let hash = hex::encode(h.finalize());
        sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(seq)
            .execute(&mut db)
            .await
            .expect("rehash");
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&hash)
            .execute(&mut db)
            .await
            .expect("head");
        prev = hash;
    }
    db.close().await.expect("close");
}

/// A SQLite store file rewritten.
pub async fn rewrite_file(path: &std::path::Path) {
    rewrite(
        &format!("sqlite://{}", path.display()),
        &[
            "DROP TRIGGER IF EXISTS audit_log_no_update",
            "DROP TRIGGER IF EXISTS audit_log_no_delete",
        ],
    )
    .await;
}
