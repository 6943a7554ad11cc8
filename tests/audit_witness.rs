//! The audit chain anchored outside the store: a log rewritten whole (the
//! guard triggers dropped, a row edited, every hash and the head
//! recomputed with the public algorithm) still verifies on its own, and is
//! caught against the heads published to witnesses.

mod common;
mod fixtures;

use common::rewrite::rewrite_file;

use opsdeck::config::Witness;
use opsdeck::effects::witness::{key, Publisher, Setup};
use opsdeck::model::checkpoint::Head;
use opsdeck::model::identity::Identity;
use opsdeck::store::{AuditRecord, Outcome, Store};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

fn who() -> Identity {
    Identity {
        operator: "alice".into(),
        host: "jump-1".into(),
        ssh_client: None,
    }
}

fn opsdeck(state: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("--state")
        .arg(state)
        .args(args)
        .env_remove("OPSDECK_CONFIG")
        .output()
        .expect("run opsdeck")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A store of `n` entries by alice, checkpoints published to a file witness
/// after every 3 and at the close, signed with a key made by `audit keygen`.
/// Returns the store's path, the witness file and the public key.
async fn published(dir: &Path, n: usize) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let state = dir.join("state.db");
    let witness = dir.join("witness").join("witness.log");
    let key_file = dir.join("checkpoint.key");
    let keygen = opsdeck(&state, &["audit", "keygen", "--out", key_file.to_str().expect("path")]);
    assert!(keygen.status.success(), "{}", text(&keygen));
    let public = text(&keygen)
        .lines()
        .find_map(|l| l.strip_prefix("public key: ").map(str::to_string))
        .expect("keygen prints the public key");
    let store = Store::open(&state).await.expect("open store");
    let setup = Setup {
        witnesses: vec![Witness::File(witness.clone())],
        every: 3,
        interval: Duration::from_secs(3600),
        key: Some(key::load(&key_file).expect("the key keygen wrote")),
        who: who(),
    };
    let warned = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let heard = warned.clone();
    let publisher = Publisher::spawn(setup, store.clone(), move |why| {
        heard.lock().expect("warnings").push(why);
    });
    for i in 0..n {
        let rec = AuditRecord::new("services", "container.restart", Outcome::Ok)
            .target(format!("api-{i}"))
            .details(serde_json::json!({ "i": i }));
        store.append_audit(&who(), rec).await.expect("append");
        // Let the publisher see each head, as a console's pace would.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    publisher.close().await;
    store.close().await;
    assert!(warned.lock().expect("warnings").is_empty(), "{warned:?}");
    (state, witness, public)
}

fn witness_heads(witness: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(witness)
        .expect("witness file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[tokio::test]
async fn a_rewritten_log_still_verifies_but_no_longer_holds_the_published_heads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (state, witness, public) = published(dir.path(), 7).await;
    let head = opsdeck(&state, &["audit", "head"]);
    assert!(head.status.success(), "{}", text(&head));
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let parsed = Head::parse(&head).expect("audit head prints SEQ:HASH");
    assert_eq!(parsed.seq, 7);

    let lines = witness_heads(&witness);
    assert!(lines.len() >= 2, "{lines:?}");
    assert!(lines.iter().any(|l| l["event"] == "entries"), "{lines:?}");
    let last = lines.last().expect("a close");
    assert_eq!(last["event"], "session.close");
    assert_eq!(format!("{}:{}", last["seq"], last["hash"].as_str().unwrap_or("")), head);
    assert!(
        lines.iter().all(|l| l["sig"].as_str().is_some_and(|s| s.len() == 128)),
        "{lines:?}"
    );

    // The untouched store holds every published head.
    let ok = opsdeck(
        &state,
        &[
            "audit",
            "verify",
            "--witness",
            witness.to_str().expect("path"),
            "--public-key",
            &public,
        ],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert!(text(&ok).contains("every recorded head is in the log"), "{}", text(&ok));

    let copy = dir.path().join("rewritten.db");
    std::fs::copy(&state, &copy).expect("copy the store");
    rewrite_file(&copy).await;

    // The limit of the chain alone: a rewrite with the hashes recomputed verifies.
    let plain = opsdeck(&copy, &["audit", "verify"]);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain));
    assert!(text(&plain).contains("audit log intact: 7 entries"), "{}", text(&plain));

    let by_head = opsdeck(&copy, &["audit", "verify", "--head", &head]);
    assert_eq!(by_head.status.code(), Some(1), "{}", text(&by_head));
    assert!(
        text(&by_head).contains(&format!("the log no longer contains head 7:{}…", &parsed.hash[..12])),
        "{}",
        text(&by_head)
    );

    let by_witness = opsdeck(
        &copy,
        &[
            "audit",
            "verify",
            "--witness",
            witness.to_str().expect("path"),
            "--public-key",
            &public,
        ],
    );
    assert_eq!(by_witness.status.code(), Some(1), "{}", text(&by_witness));
    let first = &lines[0];
    let time = chrono::DateTime::parse_from_rfc3339(first["time"].as_str().expect("time"))
        .expect("rfc3339")
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string();
    let said = format!(
        "the log no longer contains head {}:{}… recorded at {time} by alice on jump-1",
        first["seq"],
        &first["hash"].as_str().expect("hash")[..12]
    );
    assert!(text(&by_witness).contains(&said), "{said}\n{}", text(&by_witness));
}

#[tokio::test]
async fn a_witness_line_forged_without_the_key_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (state, witness, public) = published(dir.path(), 4).await;
    let copy = dir.path().join("rewritten.db");
    std::fs::copy(&state, &copy).expect("copy the store");
    rewrite_file(&copy).await;
    // The forger writes the rewritten log's head into a witness, keeping a
    // real line's signature: it fits the rewritten log, not the key.
    let forged_head = String::from_utf8_lossy(&opsdeck(&copy, &["audit", "head"]).stdout)
        .trim()
        .to_string();
    let forged_head = Head::parse(&forged_head).expect("head");
    let mut line = witness_heads(&witness).pop().expect("a line");
    line["seq"] = forged_head.seq.into();
    line["hash"] = forged_head.hash.clone().into();
    let forged = dir.path().join("forged.log");
    std::fs::write(&forged, format!("{line}\n")).expect("forged witness");
    let forged = forged.to_str().expect("path");

    let out = opsdeck(
        &copy,
        &["audit", "verify", "--witness", forged, "--public-key", &public],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("forged.log line 1: checkpoint") && text(&out).contains("not signed by this key"),
        "{}",
        text(&out)
    );
    // Without the key a witness file proves only what its writer wrote.
    let unchecked = opsdeck(&copy, &["audit", "verify", "--witness", forged]);
    assert_eq!(unchecked.status.code(), Some(0), "{}", text(&unchecked));

    // An unsigned line is refused under a key too.
    line.as_object_mut().expect("object").remove("sig");
    let unsigned = dir.path().join("unsigned.log");
    std::fs::write(&unsigned, format!("{line}\n")).expect("unsigned witness");
    let out = opsdeck(
        &copy,
        &[
            "audit",
            "verify",
            "--witness",
            unsigned.to_str().expect("path"),
            "--public-key",
            &public,
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("is not signed"), "{}", text(&out));
}

#[test]
fn keygen_writes_an_owner_only_key_and_a_key_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let key_file = dir.path().join("k");
    let public = key::generate(&key_file).expect("keygen");
    assert_eq!(public.len(), 64);
    let mode = std::fs::metadata(&key_file).expect("key").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(key::generate(&key_file).is_err(), "an existing key is never replaced");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let err = key::load(&key_file).expect_err("group-readable");
    assert!(
        err.contains("mode 0640") && err.contains("readable by its owner only"),
        "{err}"
    );
}

#[tokio::test]
async fn an_incident_report_ends_with_the_audit_head() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.db");
    let meta = fixtures::checklist::session().meta;
    let store = Store::open(&state).await.expect("open");
    store
        .create_session(&meta, &fixtures::checklist::runbook())
        .await
        .expect("session");
    store
        .append_audit(&who(), AuditRecord::new("checklist", "session.start", Outcome::Info))
        .await
        .expect("append");
    store.close().await;
    let head = String::from_utf8_lossy(&opsdeck(&state, &["audit", "head"]).stdout)
        .trim()
        .to_string();
    let report = opsdeck(&state, &["incident", "report", &meta.id]);
    assert!(report.status.success(), "{}", text(&report));
    assert!(
        text(&report).ends_with(&format!("\naudit head: {head}\n")),
        "{}",
        text(&report)
    );
}

#[tokio::test]
async fn checkpoints_reach_syslog_and_come_on_the_interval_when_the_head_moved() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("state.db")).await.expect("open");
    // A syslog socket of the test's own: the daemon's side of /dev/log.
    let socket = dir.path().join("log.sock");
    let syslog = tokio::net::UnixDatagram::bind(&socket).expect("bind");
    let witness = dir.path().join("w.log");
    let setup = Setup {
        witnesses: vec![Witness::Syslog(socket.clone()), Witness::File(witness.clone())],
        every: 0,
        interval: Duration::from_millis(700),
        key: None,
        who: who(),
    };
    let publisher = Publisher::spawn(setup, store.clone(), |why| eprintln!("{why}"));
    let first = store
        .append_audit(&who(), AuditRecord::new("app", "session.open", Outcome::Info))
        .await
        .expect("append");
    publisher.checkpoint("session.open", None);
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), syslog.recv(&mut buf))
        .await
        .expect("a datagram in time")
        .expect("recv");
    let msg = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(msg.starts_with("<86>opsdeck["), "{msg}");
    assert!(msg.contains("]: audit checkpoint {\"seq\":1,"), "{msg}");
    assert!(msg.contains(&first.hash), "{msg}");

    // No checkpoint every N entries (0): the interval catches the move.
    let second = store
        .append_audit(&who(), AuditRecord::new("services", "container.restart", Outcome::Ok))
        .await
        .expect("append");
    let n = tokio::time::timeout(Duration::from_secs(5), syslog.recv(&mut buf))
        .await
        .expect("an interval checkpoint")
        .expect("recv");
    let msg = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(
        msg.contains("\"seq\":2,") && msg.contains("\"event\":\"interval\""),
        "{msg}"
    );
    assert!(msg.contains(&second.hash), "{msg}");
    // Nothing moved since: no further checkpoint.
    let quiet = tokio::time::timeout(Duration::from_millis(1500), syslog.recv(&mut buf)).await;
    assert!(quiet.is_err(), "a checkpoint without a new head");
    publisher.close().await;

    // A syslog file holds other lines too: the checkpoints in it are found.
    let log = dir.path().join("auth.log");
    std::fs::write(
        &log,
        format!(
            "Dec  6 08:00:00 jump-1 sshd[1]: Accepted publickey for alice\nDec  6 08:00:01 jump-1 {}\n",
            &msg[4..]
        ),
    )
    .expect("syslog file");
    let out = opsdeck(
        &dir.path().join("state.db"),
        &["audit", "verify", "--witness", log.to_str().expect("path")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("1 checked, the newest 2:"), "{}", text(&out));
    store.close().await;
}
