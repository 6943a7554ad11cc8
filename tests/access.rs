//! The Access-review pane against the real PostgreSQL started by tests/run.sh
//! (`tests/run.sh cargo test --test access`): flags from a users table,
//! revocation through the configured statement, refusals, hostile subjects,
//! the evidence export, and a campaign that survives SIGKILL. Without the
//! server these tests fail; they never skip.

#[path = "fixtures/access.rs"]
mod access_fixture;
mod common;

use common::tmux::Tmux;
mod fixtures;

use opsdeck::backends::access::{self, FlagKind, ReviewItem};
use opsdeck::config::Config;
use opsdeck::effects::review::{review_decide, DecideContext};
use opsdeck::store::review::{self, Decision};
use opsdeck::store::Store;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Executor};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::str::FromStr;
use std::time::{Duration, Instant};

const HOSTILE: &str = "o'brien'); DROP TABLE users;--";

/// A table name no other test (or run) uses.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{nanos}", std::process::id())
}

async fn connect() -> PgConnection {
    let opts = PgConnectOptions::from_str(&common::pg_url())
        .expect("OPSDECK_TEST_PG_URL parses")
        .password(&common::pg_password())
        .application_name("opsdeck-test");
    PgConnection::connect_with(&opts)
        .await
        .expect("connect to the test PostgreSQL")
}

/// A users table with one user of each kind, and a row without a role.
async fn users_table(c: &mut PgConnection) -> String {
    let table = unique("review_users");
    c.execute(
        format!(
            "CREATE TABLE {table} (email text, role text, status text NOT NULL DEFAULT 'active', \
             last_login_at timestamptz, created_at timestamptz NOT NULL DEFAULT now() - interval '400 days', \
             mfa_enabled boolean NOT NULL DEFAULT true, team text)"
        )
        .as_str(),
    )
    .await
    .expect("create table");
    // email, role, status, days since the last login, MFA
    type User<'a> = (&'a str, Option<&'a str>, &'a str, Option<i32>, bool);
    let rows: [User; 8] = [
        ("inactive@corp.example", Some("viewer"), "active", Some(120), true),
        ("never@corp.example", Some("editor"), "active", None, true),
        ("boss@corp.example", Some("admin"), "active", Some(1), true),
        ("nomfa@corp.example", Some("viewer"), "active", Some(2), false),
        ("gone@corp.example", Some("viewer"), "suspended", Some(3), true),
        ("plain@corp.example", Some("viewer"), "active", Some(4), true),
        ("alice@corp.example", Some("admin"), "active", Some(1), true),
        ("norole@corp.example", None, "active", Some(1), true),
    ];
    let insert = format!(
        "INSERT INTO {table} (email, role, status, last_login_at, mfa_enabled, team) \
         VALUES ($1, $2, $3, now() - make_interval(days => $4), $5, 'ops')"
    );
    for (email, role, status, days, mfa) in rows {
        sqlx::query(&insert)
            .bind(email)
            .bind(role)
            .bind(status)
            .bind(days)
            .bind(mfa)
            .execute(&mut *c)
            .await
            .expect("insert");
    }
    sqlx::query(&insert)
        .bind(HOSTILE)
        .bind("viewer")
        .bind("active")
        .bind(5)
        .bind(true)
        .execute(&mut *c)
        .await
        .expect("insert hostile");
    table
}

fn toml(table: &str, extra_pg: &str) -> String {
    std::env::set_var("OPSDECK_TEST_PG_PW_REF", common::pg_password());
    format!(
        "[operator]\nname = \"alice\"\naliases = [\"a.smith\"]\n\n\
         [[postgres]]\nname = \"main\"\nurl = \"{url}\"\npassword_env = \"OPSDECK_TEST_PG_PW_REF\"\n{extra_pg}\n\n\
         [[access.source]]\nname = \"app users\"\ndatabase = \"main\"\n\
         query = \"SELECT email AS subject, role, status, last_login_at, created_at, mfa_enabled, team FROM {table} ORDER BY email\"\n\
         revoke = \"UPDATE {table} SET status = 'suspended' WHERE email = $1 AND role = $2 AND status <> 'suspended'\"\n\
         privileged_roles = [\"admin\"]\n",
        url = common::pg_url()
    )
}

fn config(table: &str, extra_pg: &str) -> Config {
    let mut c = Config::parse(&toml(table, extra_pg), Path::new("access-test.toml")).unwrap_or_else(|e| panic!("{e}"));
    c.host.enabled = false;
    c
}

async fn load(cfg: &Config) -> access::SourceRows {
    let load = access::load(&cfg.access.source[0], &cfg.postgres).await;
    load.result.unwrap_or_else(|e| panic!("load failed: {e}"))
}

fn by_subject(rows: &access::SourceRows) -> BTreeMap<String, ReviewItem> {
    rows.items.iter().map(|i| (i.row.subject.clone(), i.clone())).collect()
}

async fn status_of(c: &mut PgConnection, table: &str, email: &str) -> String {
    sqlx::query_scalar(&format!("SELECT status FROM {table} WHERE email = $1"))
        .bind(email)
        .fetch_one(c)
        .await
        .expect("status")
}

/// A campaign over `rows` in a fresh store; the items as stored (with ids).
async fn campaign(store: &Store, rows: &access::SourceRows) -> (i64, BTreeMap<String, ReviewItem>) {
    let now = chrono::Utc::now();
    let id = store
        .create_campaign(
            "test review",
            "bob",
            now,
            now + chrono::Duration::days(14),
            &serde_json::json!([]),
            &rows.items,
        )
        .await
        .expect("campaign");
    let items = store.campaign_items(id).await.expect("items");
    (id, items.into_iter().map(|i| (i.row.subject.clone(), i)).collect())
}

#[tokio::test]
async fn users_are_flagged_with_the_right_reasons() {
    let mut c = connect().await;
    let table = users_table(&mut c).await;
    let rows = load(&config(&table, "")).await;
    assert_eq!(rows.total, 9, "every row counted, the bad one too");
    assert_eq!(rows.problems, vec!["row 7: no role".to_string()], "{rows:?}");
    let items = by_subject(&rows);
    let kinds = |s: &str| -> Vec<FlagKind> { items[s].flags.iter().map(|f| f.kind).collect() };
    assert_eq!(kinds("inactive@corp.example"), vec![FlagKind::Inactive]);
    assert!(
        items["inactive@corp.example"].flags[0]
            .reason
            .starts_with("inactive 120 days (last login "),
        "{:?}",
        items["inactive@corp.example"].flags
    );
    assert_eq!(kinds("never@corp.example"), vec![FlagKind::NeverLoggedIn]);
    assert!(items["never@corp.example"].flags[0]
        .reason
        .contains("never logged in (created "));
    assert_eq!(kinds("boss@corp.example"), vec![FlagKind::Privileged]);
    assert_eq!(items["boss@corp.example"].flags[0].reason, "privileged role admin");
    assert_eq!(kinds("nomfa@corp.example"), vec![FlagKind::MfaDisabled]);
    assert_eq!(kinds("gone@corp.example"), vec![FlagKind::SuspendedWithRole]);
    assert_eq!(
        items["gone@corp.example"].flags[0].reason,
        "account suspended but still holds role viewer"
    );
    assert!(kinds("plain@corp.example").is_empty());
    assert_eq!(
        items["plain@corp.example"].row.extra.get("team").map(String::as_str),
        Some("ops")
    );
    // Flagged first: the unflagged rows come last.
    let first_plain = rows
        .items
        .iter()
        .position(|i| i.flags.is_empty())
        .expect("unflagged rows");
    assert!(rows.items[first_plain..].iter().all(|i| i.flags.is_empty()));
}

#[tokio::test]
async fn revoke_runs_the_statement_and_the_row_changes() {
    let mut c = connect().await;
    let table = users_table(&mut c).await;
    let cfg = config(&table, "");
    let rows = load(&cfg).await;
    let (_dir, store, who) = common::audit_store().await;
    let (id, items) = campaign(&store, &rows).await;
    let ctx = DecideContext {
        sources: &cfg.access.source,
        postgres: &cfg.postgres,
        aliases: &cfg.operator.aliases,
        seen: &Default::default(),
    };
    let target = items["inactive@corp.example"].clone();
    let why = "left in August; HR ticket 4411";
    let (records, msg) = review_decide(
        &store,
        &who,
        &ctx,
        id,
        std::slice::from_ref(&target),
        Decision::Revoke,
        why,
    )
    .await;
    assert!(
        matches!(&msg, opsdeck::app::Msg::ActionDone { ok: true, text } if text.contains("1 row")),
        "{msg:?}"
    );
    assert_eq!(status_of(&mut c, &table, "inactive@corp.example").await, "suspended");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].outcome, review::REVOKED);
    assert_eq!(records[0].justification, why);
    assert_eq!(records[0].reviewer, "alice");
    assert_eq!(
        store.campaign_decisions(id).await.expect("decisions"),
        records,
        "in the store as shown"
    );
    // Audited: intent then outcome, both with the justification, the outcome with the rows.
    let audit = store.audit_entries(None).await.expect("audit");
    let mine: Vec<_> = audit.iter().filter(|e| e.action == "review.revoke").collect();
    assert_eq!(
        mine.iter().map(|e| e.outcome.as_str()).collect::<Vec<_>>(),
        ["intent", "ok"]
    );
    assert!(mine.iter().all(|e| e.justification.as_deref() == Some(why)));
    assert!(mine[1].details.contains("\"rows_affected\":1"), "{}", mine[1].details);

    // Again: the statement now changes nothing, which is a failure, not success.
    let (records, msg) = review_decide(&store, &who, &ctx, id, &[target], Decision::Revoke, why).await;
    assert!(
        matches!(&msg, opsdeck::app::Msg::ActionDone { ok: false, text } if text.contains("0 rows")),
        "{msg:?}"
    );
    assert_eq!(records[0].outcome, review::REVOKE_FAILED);
    let last = store.audit_tail(1).await.expect("tail");
    assert_eq!(last[0].outcome, "failed");
    assert!(store.verify_audit().await.expect("verify").broken.is_none());
}

#[tokio::test]
async fn a_decision_on_ones_own_access_is_refused() {
    let mut c = connect().await;
    let table = users_table(&mut c).await;
    let cfg = config(&table, "");
    let rows = load(&cfg).await;
    let (_dir, store, who) = common::audit_store().await;
    let (id, items) = campaign(&store, &rows).await;
    let ctx = DecideContext {
        sources: &cfg.access.source,
        postgres: &cfg.postgres,
        aliases: &cfg.operator.aliases,
        seen: &Default::default(),
    };
    let own = items["alice@corp.example"].clone();
    for decision in [Decision::Keep, Decision::Revoke] {
        let (records, msg) = review_decide(&store, &who, &ctx, id, std::slice::from_ref(&own), decision, "mine").await;
        assert!(records.is_empty());
        assert!(matches!(&msg, opsdeck::app::Msg::ActionDone { ok: false, text } if text.contains("own access")));
    }
    assert_eq!(status_of(&mut c, &table, "alice@corp.example").await, "active");
    assert!(store.campaign_decisions(id).await.expect("decisions").is_empty());
    let audit = store.audit_entries(None).await.expect("audit");
    assert_eq!(audit.iter().filter(|e| e.outcome == "refused").count(), 2, "{audit:?}");
    assert!(!audit.iter().any(|e| e.outcome == "intent"), "nothing was attempted");

    // On screen the same: the dialog never opens, the refusal is audited.
    let mut s = access_fixture::campaign_state();
    let alice = s
        .panes
        .access
        .queue()
        .iter()
        .position(|i| i.row.subject == "alice@corp.example")
        .expect("alice");
    s.panes.access.selected = alice;
    let cmds = opsdeck::app::update(
        &mut s,
        opsdeck::app::Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('y'))),
    );
    assert!(s.shell.overlay.is_none());
    assert!(matches!(&cmds[..], [opsdeck::app::Command::Audit(r)] if r.outcome == opsdeck::store::Outcome::Refused));
}

#[tokio::test]
async fn a_subject_full_of_quotes_and_sql_is_data() {
    let mut c = connect().await;
    // The table the subject names, and one named by a second hostile subject.
    c.execute("CREATE TABLE IF NOT EXISTS users (id int)")
        .await
        .expect("users");
    let table = users_table(&mut c).await;
    let victim = unique("victim");
    c.execute(format!("CREATE TABLE {victim} (id int)").as_str())
        .await
        .expect("victim");
    let second = format!("x'); DROP TABLE {victim};--");
    sqlx::query(&format!(
        "INSERT INTO {table} (email, role, last_login_at) VALUES ($1, 'viewer', now())"
    ))
    .bind(&second)
    .execute(&mut c)
    .await
    .expect("insert");
    let cfg = config(&table, "");
    let rows = load(&cfg).await;
    let (_dir, store, who) = common::audit_store().await;
    let (id, items) = campaign(&store, &rows).await;
    assert!(items.contains_key(HOSTILE), "read back exactly: {:?}", items.keys());
    let ctx = DecideContext {
        sources: &cfg.access.source,
        postgres: &cfg.postgres,
        aliases: &cfg.operator.aliases,
        seen: &Default::default(),
    };
    let targets = vec![items[HOSTILE].clone(), items[second.as_str()].clone()];
    let (records, msg) = review_decide(&store, &who, &ctx, id, &targets, Decision::Revoke, "test").await;
    assert!(
        matches!(&msg, opsdeck::app::Msg::ActionDone { ok: true, .. }),
        "{msg:?}"
    );
    assert_eq!(records.len(), 2);
    assert_eq!(status_of(&mut c, &table, HOSTILE).await, "suspended");
    assert_eq!(status_of(&mut c, &table, &second).await, "suspended");
    for t in ["users", victim.as_str()] {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
            .bind(t)
            .fetch_one(&mut c)
            .await
            .expect("regclass");
        assert!(exists, "table {t} must still exist");
    }
    let stored = store.campaign_decisions(id).await.expect("decisions");
    assert!(stored.iter().any(|d| d.details.to_string().contains("rows_affected")));
}

#[tokio::test]
async fn a_read_only_target_refuses_the_revoke() {
    let mut c = connect().await;
    let table = users_table(&mut c).await;
    let cfg = config(&table, "read_only = true");
    let err = access::revoke(&cfg.access.source[0], &cfg.postgres, "plain@corp.example", "viewer")
        .await
        .expect_err("read-only");
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(status_of(&mut c, &table, "plain@corp.example").await, "active");
    // --read-only refuses every decision, keep included, and audits it.
    let mut s = access_fixture::campaign_state();
    s.shell.read_only = true;
    let cmds = opsdeck::app::update(
        &mut s,
        opsdeck::app::Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('y'))),
    );
    assert!(s.shell.overlay.is_none());
    assert!(matches!(&cmds[..], [opsdeck::app::Command::Audit(r)] if r.outcome == opsdeck::store::Outcome::Refused));
}

#[tokio::test]
async fn the_export_has_every_decision_with_justification_and_reviewer() {
    let mut c = connect().await;
    let table = users_table(&mut c).await;
    let cfg = config(&table, "");
    let rows = load(&cfg).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state_path = dir.path().join("state.db");
    let store = Store::open(&state_path).await.expect("store");
    let who = opsdeck::model::identity::Identity {
        operator: "alice".into(),
        host: "jump".into(),
        ssh_client: None,
    };
    let (id, items) = campaign(&store, &rows).await;
    let ctx = DecideContext {
        sources: &cfg.access.source,
        postgres: &cfg.postgres,
        aliases: &cfg.operator.aliases,
        seen: &Default::default(),
    };
    let decided = [
        ("boss@corp.example", Decision::Keep, "CTO, needs admin for incidents"),
        (
            "never@corp.example",
            Decision::Defer,
            "asked her manager, \"by Friday\"",
        ),
        (
            "nomfa@corp.example",
            Decision::Revoke,
            "no MFA, no access; ticket SEC-12",
        ),
        ("never@corp.example", Decision::Keep, "manager confirmed, starts Monday"),
    ];
    for (subject, d, why) in decided {
        let (records, msg) = review_decide(&store, &who, &ctx, id, &[items[subject].clone()], d, why).await;
        assert_eq!(records.len(), 1, "{msg:?}");
    }
    store.close().await;
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(["--state", state_path.to_str().expect("path"), "review", "export"])
        .args(["--campaign", &id.to_string(), "--format", "csv"])
        .env_remove("OPSDECK_CONFIG")
        .env("HOME", dir.path())
        .output()
        .expect("run opsdeck");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let header = reader.headers().expect("header").clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    assert_eq!(records.len(), items.len(), "every item, decided or not");
    let row = |subject: &str| {
        records
            .iter()
            .find(|r| &r[col("subject")] == subject)
            .unwrap_or_else(|| panic!("{subject} exported"))
    };
    assert_eq!(&row("boss@corp.example")[col("decision")], "keep");
    assert_eq!(
        &row("boss@corp.example")[col("justification")],
        "CTO, needs admin for incidents"
    );
    assert_eq!(&row("boss@corp.example")[col("reviewer")], "alice");
    assert_eq!(&row("boss@corp.example")[col("flags")], "priv");
    assert_eq!(&row("nomfa@corp.example")[col("outcome")], "revoked");
    assert_eq!(
        &row("never@corp.example")[col("justification")],
        "manager confirmed, starts Monday"
    );
    assert!(row("never@corp.example")[col("earlier_decisions")].contains("asked her manager, \"by Friday\""));
    assert!(!row("never@corp.example")[col("decided_at")].is_empty());
    assert_eq!(&row("plain@corp.example")[col("decision")], "");
    let store = Store::open(&state_path).await.expect("reopen");
    let (seq, hash) = store.audit_head().await.expect("head").expect("some head");
    assert_eq!(&records[0][col("audit_head_hash")], hash);
    assert_eq!(&records[0][col("audit_head_seq")], seq.to_string());
    // JSON: every decision, with its history.
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(["--state", state_path.to_str().expect("path"), "review", "export"])
        .args(["--campaign", &id.to_string(), "--format", "json"])
        .env_remove("OPSDECK_CONFIG")
        .env("HOME", dir.path())
        .output()
        .expect("run opsdeck");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let all: usize = doc["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["decisions"].as_array().map(Vec::len).unwrap_or(0))
        .sum();
    assert_eq!(all, 4);
    assert_eq!(doc["audit_head"]["hash"], hash);
    // An unknown campaign is bad usage.
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args([
            "--state",
            state_path.to_str().expect("path"),
            "review",
            "export",
            "--campaign",
            "999",
        ])
        .env_remove("OPSDECK_CONFIG")
        .env("HOME", dir.path())
        .output()
        .expect("run opsdeck");
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn a_campaign_interrupted_by_sigkill_resumes_with_every_decision() {
    let mut c = connect().await;
    let table = users_table(&mut c).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("opsdeck.toml");
    std::fs::write(&conf, toml(&table, "")).expect("config");
    let state = dir.path().join("state.db");
    let (conf, state) = (conf.display().to_string(), state.display().to_string());
    let args = ["--config", conf.as_str(), "--state", state.as_str()];
    let pw = common::pg_password();
    let env = [("OPSDECK_TEST_PG_PW_REF", pw.as_str())];

    let t = Tmux::start(&args, &env, 160, 40);
    t.wait_text("Access review");
    t.keys(&["4"]);
    t.wait_text("no campaign open");
    t.wait_text("boss@corp.example");
    t.keys(&["n"]);
    t.wait_text("Start an access review");
    t.read();
    t.keys(&["Enter"]);
    t.wait_text("0/8 decided");
    // The queue starts at the first flagged item; decide on two of them.
    // alice@ (the operator's own) is first; boss@ next.
    t.keys(&["g", "g", "y"]);
    t.wait_text("refused: alice@corp.example is your own access");
    t.keys(&["j", "y"]);
    t.wait_text("justification for keep");
    t.typed("first decision, kept");
    t.read();
    t.keys(&["C-s"]);
    t.wait_text("1/8 decided");
    t.keys(&["j", "d"]);
    t.wait_text("justification for defer");
    t.typed("second decision, deferred");
    t.read();
    t.keys(&["C-s"]);
    t.wait_text("1 deferred");
    let pid = t.pid().to_string();
    assert!(Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .expect("kill")
        .success());
    let deadline = Instant::now() + Duration::from_secs(5);
    while Command::new("kill")
        .args(["-0", &pid])
        .status()
        .is_ok_and(|s| s.success())
    {
        assert!(Instant::now() < deadline, "opsdeck survived SIGKILL");
        std::thread::sleep(Duration::from_millis(50));
    }

    // Every decision the screen showed is in the store, as written.
    let store = Store::open(Path::new(&state)).await.expect("reopen the store");
    let campaigns = store.campaigns().await.expect("campaigns");
    assert_eq!(campaigns.len(), 1);
    let decisions = store
        .campaign_decisions(campaigns[0].campaign.id)
        .await
        .expect("decisions");
    let texts: Vec<&str> = decisions.iter().map(|d| d.justification.as_str()).collect();
    assert_eq!(texts, ["first decision, kept", "second decision, deferred"]);
    assert!(store.verify_audit().await.expect("verify").broken.is_none());
    store.close().await;
    drop(t);

    // A new process resumes the campaign where it was left.
    let t = Tmux::start(&args, &env, 160, 40);
    t.wait_text("Access review");
    t.keys(&["4"]);
    let screen = t.wait_text("1/8 decided, 1 deferred");
    assert!(screen.contains("✓ kept · alice"), "{screen}");
    assert!(screen.contains("… deferred · alice"), "{screen}");
    t.keys(&["q"]);
}

#[tokio::test]
async fn a_snapshot_shows_the_access_sources_rows_not_reading() {
    let mut c = connect().await;
    let table = users_table(&mut c).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("access-snapshot.toml");
    std::fs::write(&cfg, toml(&table, "")).expect("write config");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("--config")
        .arg(&cfg)
        .args(["snapshot", "--pane", "access", "--width", "160", "--height", "40"])
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .output()
        .await
        .expect("run snapshot");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let screen = String::from_utf8_lossy(&out.stdout);
    // What the TUI shows a moment after it starts: the source read, its
    // flagged rows listed, nothing still being read.
    assert!(!screen.contains("reading"), "{screen}");
    for flagged in ["inactive@corp.example", "never@corp.example", "nomfa@corp.example"] {
        assert!(screen.contains(flagged), "{flagged} missing:\n{screen}");
    }
}
