//! Team mode: each opsdeck keeps the newest audit head it saw of the team
//! store in its own data directory, and says at start when the server's log
//! no longer holds it: a rewrite made directly on the server (the guard
//! trigger dropped, a row updated, every hash recomputed) verifies on its
//! own, and is caught this way.

mod common;

use common::pg::{self, TestDb, PASSWORD_ENV};
use common::tmux::Tmux;
use opsdeck::model::identity::Identity;
use opsdeck::store::{AuditRecord, Location, Outcome, Store};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::{Command, Output};

/// `opsdeck ARGS` on the team store, with a HOME (and so a data directory) of its own.
fn opsdeck(home: &Path, db: &TestDb, args: &[&str]) -> Output {
    let cfg = home.join("config.toml");
    std::fs::write(
        &cfg,
        format!("[state]\nurl = \"{}\"\npassword_env = \"{PASSWORD_ENV}\"\n", db.url()),
    )
    .expect("config");
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("--config")
        .arg(&cfg)
        .args(args)
        .env_remove("OPSDECK_CONFIG")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .env("HOME", home)
        .env(PASSWORD_ENV, common::pg_password())
        .output()
        .expect("run opsdeck")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// On the server, as someone with its credentials: the trigger dropped,
/// row 1's operator changed, every hash and the head recomputed.
async fn rewrite_on_the_server(db: &TestDb) {
    use sqlx::Connection;
    let mut conn = db.connect().await;
    for stmt in [
        "DROP TRIGGER audit_log_no_update ON audit_log",
        "UPDATE audit_log SET operator = 'mallory' WHERE seq = 1",
    ] {
        sqlx::query(stmt).execute(&mut conn).await.expect(stmt);
    }
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
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT seq, ts, operator, ssh_client, host, pane, action, target, justification, outcome, details \
         FROM audit_log ORDER BY seq",
    )
    .fetch_all(&mut conn)
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
            .execute(&mut conn)
            .await
            .expect("rehash");
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&hash)
            .execute(&mut conn)
            .await
            .expect("head");
        prev = hash;
    }
    conn.close().await.expect("close");
}

#[tokio::test]
async fn an_opsdeck_warns_when_the_team_store_no_longer_holds_the_head_it_saw() {
    let db = pg::fresh_db().await;
    let store = Store::open_at(&Location::Team(db.team.clone()))
        .await
        .expect("team store");
    let who = Identity {
        operator: "alice".into(),
        host: "jump-1".into(),
        ssh_client: None,
    };
    for i in 0..5 {
        let rec = AuditRecord::new("services", "container.restart", Outcome::Ok).target(format!("api-{i}"));
        store.append_audit(&who, rec).await.expect("append");
    }
    store.close().await;

    let home = tempfile::tempdir().expect("home");
    let first = opsdeck(home.path(), &db, &["audit", "head"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(stderr(&first), "", "nothing seen before: no warning");
    let head = String::from_utf8_lossy(&first.stdout).trim().to_string();
    assert!(head.starts_with("5:"), "{head}");
    let kept = home.path().join(".local/share/opsdeck/team-audit-heads.json");
    let kept_text = std::fs::read_to_string(&kept).expect("the head kept in the data directory");
    assert!(kept_text.contains(&head), "{kept_text}");
    let again = opsdeck(home.path(), &db, &["audit", "verify"]);
    assert_eq!(stderr(&again), "", "the same log: no warning");

    rewrite_on_the_server(&db).await;

    let after = opsdeck(home.path(), &db, &["audit", "verify"]);
    // The chain alone cannot tell.
    assert_eq!(after.status.code(), Some(0), "{}", stderr(&after));
    assert!(
        String::from_utf8_lossy(&after.stdout).contains("audit log intact: 5 entries"),
        "{}",
        String::from_utf8_lossy(&after.stdout)
    );
    let warning = stderr(&after);
    assert!(
        warning.contains(&format!(
            "WARNING: audit log REWRITTEN on the team store: it no longer contains head {}… that this opsdeck saw at",
            &head[..14]
        )) && warning.contains(db.url()),
        "{warning}"
    );
    assert!(!warning.contains(&common::pg_password()), "{warning}");
    // The head seen stays: every start says it until someone looks.
    let later = opsdeck(home.path(), &db, &["audit", "head"]);
    assert!(stderr(&later).contains("no longer contains head"), "{}", stderr(&later));

    // The console says it on its status line at start.
    let cfg = home.path().join("config.toml");
    let cfg = cfg.to_str().expect("path").to_string();
    let t = Tmux::start_in(home, &["--config", &cfg], &[], 160, 40);
    let screen = t.wait_text("audit log REWRITTEN on the team store: it no longer contains head");
    assert!(screen.contains(&format!("head {}…", &head[..14])), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.wait_dead(), 0);
    // Nor did closing the console forget the head it warned of.
    let after_console = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(["--config", &cfg, "audit", "head"])
        .env_remove("OPSDECK_CONFIG")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .env("HOME", t.dir.path())
        .output()
        .expect("run opsdeck");
    assert!(
        stderr(&after_console).contains("no longer contains head"),
        "{}",
        stderr(&after_console)
    );
}
