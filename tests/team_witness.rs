//! Team mode: each opsdeck keeps the newest audit head it saw of the team
//! store in its own data directory, and says at start when the server's log
//! no longer holds it: a rewrite made directly on the server (the guard
//! trigger dropped, a row updated, every hash recomputed) verifies on its
//! own, and is caught this way.

mod common;

use common::pg::{self, TestDb, PASSWORD_ENV};
use common::rewrite::{rewrite, rewrite_file};
use common::tmux::Tmux;
use opsdeck::model::identity::Identity;
use opsdeck::store::{AuditRecord, Location, Outcome, Store};
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
    let (scheme, rest) = db.url().split_once("://").expect("scheme://");
    let (user, host) = rest.split_once('@').expect("user@host");
    let with_password = format!("{scheme}://{user}:{}@{host}", common::pg_password());
    rewrite(&with_password, &["DROP TRIGGER audit_log_no_update ON audit_log"]).await;
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

/// `postgres://user:${VAR}@host/db` for `db`: its password by reference.
fn url_with_password_ref(db: &TestDb) -> String {
    let (scheme, rest) = db.url().split_once("://").expect("scheme://");
    let (user, host) = rest.split_once('@').expect("user@host");
    format!("{scheme}://{user}:${{{PASSWORD_ENV}}}@{host}")
}

#[tokio::test]
async fn a_database_witness_of_a_file_store_catches_a_rewrite_of_the_file() {
    use opsdeck::config::{ConfigUrl, Witness};
    use opsdeck::effects::witness::{Publisher, Setup};
    let db = pg::fresh_db().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.db");
    let store = Store::open(&state).await.expect("open");
    let url = url_with_password_ref(&db);
    let who = Identity {
        operator: "alice".into(),
        host: "jump-1".into(),
        ssh_client: None,
    };
    let setup = Setup {
        witnesses: vec![Witness::Team(ConfigUrl::new(url.clone()))],
        every: 2,
        interval: std::time::Duration::from_secs(3600),
        key: None,
        who: who.clone(),
    };
    let warned = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let heard = warned.clone();
    let publisher = Publisher::spawn(setup, store.clone(), move |w| heard.lock().expect("warnings").push(w));
    publisher.checkpoint("session.open", None);
    for i in 0..4 {
        let rec = AuditRecord::new("services", "container.restart", Outcome::Ok).target(format!("api-{i}"));
        store.append_audit(&who, rec).await.expect("append");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    publisher.close().await;
    store.close().await;
    assert!(warned.lock().expect("warnings").is_empty(), "{warned:?}");

    let verify = |state: &Path| {
        Command::new(env!("CARGO_BIN_EXE_opsdeck"))
            .arg("--state")
            .arg(state)
            .args(["audit", "verify", "--witness", &url])
            .env_remove("OPSDECK_CONFIG")
            .env(PASSWORD_ENV, common::pg_password())
            .output()
            .expect("run opsdeck")
    };
    let ok = verify(&state);
    let said = String::from_utf8_lossy(&ok.stdout).into_owned();
    assert_eq!(ok.status.code(), Some(0), "{said}{}", stderr(&ok));
    assert!(said.contains("every recorded head is in the log"), "{said}");

    let copy = dir.path().join("rewritten.db");
    std::fs::copy(&state, &copy).expect("copy");
    rewrite_file(&copy).await;
    let caught = verify(&copy);
    let said = String::from_utf8_lossy(&caught.stdout).into_owned();
    assert_eq!(caught.status.code(), Some(1), "{said}{}", stderr(&caught));
    assert!(
        said.contains("the log no longer contains head") && said.contains("by alice on jump-1"),
        "{said}"
    );
    assert!(!said.contains(&common::pg_password()) && !stderr(&caught).contains(&common::pg_password()));
}
