//! Evidence packs against the real dockerd, PostgreSQL and Alertmanager of
//! tests/run.sh (`tests/run.sh cargo test --test evidence`): a container
//! whose environment holds a token is captured, the token is in no file of
//! the pack, the manifest's hash is in the audit log, and `verify` passes,
//! then names each changed, missing and added file. Without the services
//! these tests fail (never skip).

mod common;

use bollard::container::{Config as ContainerConfig, LogsOptions};
use bollard::models::HostConfig;
use futures::StreamExt;
use sqlx::{Connection, Executor};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}{nanos}", std::process::id())
}

/// The binary with the test's config, state store and environment only.
fn opsdeck(config: &Path, state: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsdeck"));
    cmd.arg("--config").arg(config).arg("--state").arg(state).args(args);
    for var in ["OPSDECK_CONFIG", "DOCKER_HOST", "PGPASSWORD", "ALERTMANAGER_URL"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("run opsdeck")
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The container's log as the daemon has it now.
async fn log_of(d: &bollard::Docker, name: &str) -> String {
    let opts = LogsOptions::<String> {
        stdout: true,
        stderr: true,
        ..Default::default()
    };
    let mut text = String::new();
    let mut stream = d.logs(name, Some(opts));
    while let Some(Ok(chunk)) = stream.next().await {
        text.push_str(&chunk.to_string());
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pack_hides_the_token_is_sealed_in_the_audit_log_and_verify_names_each_change() {
    let id = unique();
    // Masked because its variable's name looks secret (and so wherever
    // else it appears); `known` only because the config references it.
    let token = format!("tok-{id}");
    let known = format!("known-{id}-value");
    let name = format!("evidence-{id}");
    let d = common::docker::client().await;
    let cfg = ContainerConfig {
        image: Some(common::test_image()),
        env: Some(vec![
            format!("API_TOKEN={token}"),
            format!("GREETING={token}"),
            format!("MOTD={known}"),
        ]),
        cmd: Some(vec![
            "sh".into(),
            "-c".into(),
            "echo \"greeting $GREETING\"; echo \"motd $MOTD\"; echo \"token $API_TOKEN\" >&2; sleep 300".into(),
        ]),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    common::docker::run(&d, &name, cfg).await;
    for _ in 0..50 {
        if log_of(&d, &name).await.contains("token ") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(log_of(&d, &name).await.contains(&token), "the container logs its token");

    // A lock graph to capture: `holder` locks the table, `waiter` waits for it.
    let db = common::pg::fresh_db().await;
    let mut holder = db.connect().await;
    holder.execute("CREATE TABLE t (x int)").await.expect("create table");
    holder.execute("BEGIN").await.expect("begin");
    holder
        .execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let mut waiter = db.connect().await;
    let (waiter_pid,): (i32,) = sqlx::query_as("SELECT pg_backend_pid()")
        .fetch_one(&mut waiter)
        .await
        .expect("pid");
    let waiting = tokio::spawn(async move {
        let _ = waiter.execute("SELECT count(*) FROM t").await;
        waiter
    });
    for _ in 0..50 {
        let (n,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM pg_stat_activity WHERE cardinality(pg_blocking_pids(pid)) > 0")
                .fetch_one(&mut holder)
                .await
                .expect("blocked sessions");
        if n > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let tmp = tempfile::tempdir().expect("tempdir");
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[docker]]\nname = \"test\"\nurl = {:?}\n\n\
             [[postgres]]\nname = \"evdb\"\nurl = {:?}\npassword_env = \"OPSDECK_TEST_PG_PASSWORD\"\n\n\
             [[alertmanager]]\nname = \"am\"\nurl = {:?}\n\n\
             [[prometheus]]\nname = \"prom\"\nurl = \"http://127.0.0.1:9\"\nbearer_token_env = \"EVIDENCE_TEST_KNOWN\"\n",
            common::docker_host(),
            db.url(),
            common::alertmanager_url()
        ),
    )
    .expect("write config");
    let state = tmp.path().join("state.db");
    let pack = tmp.path().join("pack");
    let env = [("EVIDENCE_TEST_KNOWN", known.as_str())];
    let pack_arg = pack.to_string_lossy().into_owned();
    let captured = opsdeck(
        &config,
        &state,
        &env,
        &[
            "evidence",
            "capture",
            "--container",
            &name,
            "--postgres",
            "evdb",
            "--out",
            &pack_arg,
        ],
    );
    holder.execute("ROLLBACK").await.expect("rollback");
    let _ = waiting.await.map(|w| w.close());
    common::docker::remove(&d, &name).await;
    assert!(captured.status.success(), "{}", out(&captured));
    assert!(out(&captured).contains("files in"), "{}", out(&captured));

    // One file each, the token and the known secret in none of them.
    let mut names: Vec<String> = std::fs::read_dir(&pack)
        .expect("pack dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let base = format!("container-test-{name}");
    for want in [
        format!("{base}.inspect.json"),
        format!("{base}.log"),
        "postgres-evdb.activity.json".into(),
        "postgres-evdb.locks.json".into(),
        "alerts.json".into(),
        "host.json".into(),
        "audit.json".into(),
        "pack.json".into(),
        "MANIFEST.sha256".into(),
    ] {
        assert!(names.contains(&want), "{want} not in {names:?}");
    }
    for n in &names {
        let bytes = std::fs::read(pack.join(n)).expect("read pack file");
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&token), "the token is in {n}:\n{text}");
        assert!(!text.contains(&known), "the configured secret is in {n}:\n{text}");
        let mode = std::fs::metadata(pack.join(n)).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{n}");
    }
    let dir_mode = std::fs::metadata(&pack).expect("meta").permissions().mode() & 0o777;
    assert_eq!(dir_mode, 0o700);
    let read = |n: &str| std::fs::read_to_string(pack.join(n)).expect("read");
    let log = read(&format!("{base}.log"));
    assert!(log.contains("greeting [redacted]"), "{log}");
    assert!(log.contains("motd [redacted]"), "{log}");
    assert!(log.contains("stderr token [redacted]"), "{log}");
    let inspect: serde_json::Value =
        serde_json::from_str(&read(&format!("{base}.inspect.json"))).expect("inspect is JSON");
    let env_list = inspect.pointer("/Config/Env").expect("Config.Env").to_string();
    assert!(env_list.contains("API_TOKEN=[redacted]"), "{env_list}");
    let locks: serde_json::Value = serde_json::from_str(&read("postgres-evdb.locks.json")).expect("locks JSON");
    let blocked: Vec<i64> = locks["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .filter_map(|b| b["blocked_pid"].as_i64())
        .collect();
    assert!(blocked.contains(&i64::from(waiter_pid)), "{locks}");
    let pack_json: serde_json::Value = serde_json::from_str(&read("pack.json")).expect("pack.json");
    assert!(pack_json["audit_head"].is_object() || pack_json["audit_head"].is_null());
    assert_eq!(pack_json["files"].as_array().map(Vec::len), Some(7), "{pack_json}");
    assert!(pack_json["opsdeck_version"].as_str().is_some_and(|v| !v.is_empty()));

    // sha256sum reads the manifest as it is.
    let sums = Command::new("sha256sum")
        .args(["-c", "MANIFEST.sha256"])
        .current_dir(&pack)
        .output()
        .expect("sha256sum");
    assert!(sums.status.success(), "{}", out(&sums));

    // The manifest's hash is in the audit log.
    let manifest_hash = sha256_hex(&std::fs::read(pack.join("MANIFEST.sha256")).expect("manifest"));
    let store = opsdeck::store::Store::open(&state).await.expect("store");
    let entries = store.audit_entries(None).await.expect("audit entries");
    store.close().await;
    assert!(
        entries
            .iter()
            .any(|e| e.action == "evidence.capture" && e.details.contains(&manifest_hash)),
        "{entries:?}"
    );

    let verify = |what: &str| {
        let o = opsdeck(&config, &state, &env, &["evidence", "verify", &pack_arg]);
        (o.status.code(), out(&o), what.to_string())
    };
    let (code, text, _) = verify("intact");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("intact"), "{text}");

    // One byte changed.
    let host = pack.join("host.json");
    let original = std::fs::read(&host).expect("host.json");
    let mut changed = original.clone();
    changed[0] ^= 0x01;
    std::fs::write(&host, &changed).expect("change");
    let (code, text, _) = verify("changed");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("changed: host.json"), "{text}");
    assert!(!text.contains("alerts.json"), "only the changed file is named: {text}");
    std::fs::write(&host, &original).expect("restore");

    // One deleted.
    let alerts = pack.join("alerts.json");
    let kept = std::fs::read(&alerts).expect("alerts.json");
    std::fs::remove_file(&alerts).expect("delete");
    let (code, text, _) = verify("missing");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("missing: alerts.json"), "{text}");
    std::fs::write(&alerts, &kept).expect("restore");

    // One added.
    std::fs::write(pack.join("later.txt"), b"added after the seal").expect("add");
    let (code, text, _) = verify("added");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("added: later.txt"), "{text}");
    std::fs::remove_file(pack.join("later.txt")).expect("remove");
    let (code, text, _) = verify("intact again");
    assert_eq!(code, Some(0), "{text}");

    // A pack never overwrites: the same --out again is refused.
    let again = opsdeck(
        &config,
        &state,
        &env,
        &["evidence", "capture", "--container", &name, "--out", &pack_arg],
    );
    assert_eq!(again.status.code(), Some(2), "{}", out(&again));
    assert!(out(&again).contains("not empty"), "{}", out(&again));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pack_whose_manifest_is_not_in_the_audit_log_does_not_verify() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[alertmanager]]\nname = \"am\"\nurl = {:?}\n",
            common::alertmanager_url()
        ),
    )
    .expect("write config");
    let state = tmp.path().join("state.db");
    let other = tmp.path().join("other.db");
    let pack = tmp.path().join("pack");
    let pack_arg = pack.to_string_lossy().into_owned();
    let captured = opsdeck(&config, &state, &[], &["evidence", "capture", "--out", &pack_arg]);
    assert!(captured.status.success(), "{}", out(&captured));
    // Another store never saw this pack.
    let _ = opsdeck::store::Store::open(&other).await.expect("other store");
    let o = opsdeck(&config, &other, &[], &["evidence", "verify", &pack_arg]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("in no evidence.capture entry"), "{}", out(&o));
    let o = opsdeck(&config, &state, &[], &["evidence", "verify", &pack_arg]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

/// With an open incident the pack holds its audit entries, and its seal is
/// an event of the incident: in the session, the audit log and the report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pack_for_an_open_incident_is_in_its_timeline_and_report() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[alertmanager]]\nname = \"am\"\nurl = {:?}\n",
            common::alertmanager_url()
        ),
    )
    .expect("write config");
    let state = tmp.path().join("state.db");
    let store = opsdeck::store::Store::open(&state).await.expect("store");
    let who = opsdeck::model::identity::Identity {
        operator: "alice".into(),
        host: "jump".into(),
        ssh_client: None,
    };
    let runbook = opsdeck::runbook::load::builtin()
        .into_iter()
        .next()
        .expect("a built-in runbook");
    opsdeck::effects::checklist::start(&store, &who, &runbook, "Checkout returns 502", None).await;
    let sessions = store.sessions(true).await.expect("sessions");
    let id = sessions.first().expect("the session just started").0.id.clone();
    store.close().await;

    let pack = tmp.path().join("pack");
    let pack_arg = pack.to_string_lossy().into_owned();
    let captured = opsdeck(
        &config,
        &state,
        &[],
        &["evidence", "capture", "--incident", &id, "--out", &pack_arg],
    );
    assert!(captured.status.success(), "{}", out(&captured));

    let audit = std::fs::read_to_string(pack.join("audit.json")).expect("audit.json");
    assert!(audit.contains("session.start") && audit.contains(&id), "{audit}");
    let manifest_hash = sha256_hex(&std::fs::read(pack.join("MANIFEST.sha256")).expect("manifest"));
    let store = opsdeck::store::Store::open(&state).await.expect("store");
    let session = store.session(&id).await.expect("read").expect("session");
    store.close().await;
    assert!(
        session.events.iter().any(|e| matches!(
            &e.what,
            opsdeck::runbook::session::EventKind::Evidence { manifest_sha256, files, .. }
                if *manifest_sha256 == manifest_hash && *files == 4
        )),
        "{:?}",
        session.events
    );
    let report = opsdeck(&config, &state, &[], &["incident", "report", &id]);
    assert!(
        out(&report).contains("sealed an evidence pack: 4 files"),
        "{}",
        out(&report)
    );
    let o = opsdeck(&config, &state, &[], &["evidence", "verify", &pack_arg]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));

    // An incident that does not exist is a usage error, and no pack.
    let none = tmp.path().join("none");
    let o = opsdeck(
        &config,
        &state,
        &[],
        &[
            "evidence",
            "capture",
            "--incident",
            "INC-0",
            "--out",
            &none.to_string_lossy(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(!none.exists());
}
