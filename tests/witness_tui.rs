//! The real binary in a real terminal (tmux) publishes the audit chain's
//! head at session open and close: to a witness file, and as a JSON POST to
//! an HTTP listener on 127.0.0.1 run by the test. A witness that refuses is
//! a warning in the footer, never a stop.

mod common;

use common::tmux::Tmux;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// An HTTP server for `n` requests at most, for 30 s at most: each body is
/// sent on the channel, each request answered 200.
fn listener(n: usize) -> (u16, mpsc::Receiver<serde_json::Value>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.set_nonblocking(true).expect("nonblocking");
    let port = l.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut served = 0;
        while served < n && Instant::now() < deadline {
            let Ok((mut conn, _)) = l.accept() else {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            };
            served += 1;
            let _ = conn.set_nonblocking(false);
            let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let body = loop {
                let Ok(k) = conn.read(&mut chunk) else { break None };
                if k == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..k]);
                let text = String::from_utf8_lossy(&buf).to_string();
                let Some(end) = text.find("\r\n\r\n") else { continue };
                let len = text[..end]
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len {
                    break Some(buf[end + 4..end + 4 + len].to_vec());
                }
            };
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            if let Some(v) = body.and_then(|b| serde_json::from_slice(&b).ok()) {
                let _ = tx.send(v);
            }
        }
    });
    (port, rx)
}

fn opsdeck(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env_remove("OPSDECK_CONFIG")
        .output()
        .expect("run opsdeck")
}

fn write_config(dir: &Path, audit: &str) -> String {
    let cfg = dir.join("config.toml");
    std::fs::write(&cfg, format!("[audit]\n{audit}")).expect("config");
    cfg.to_str().expect("path").to_string()
}

fn start(dir: tempfile::TempDir, cfg: &str) -> Tmux {
    let state = dir.path().join("state.db");
    let state = state.to_str().expect("path").to_string();
    Tmux::start_in(dir, &["--config", cfg, "--state", &state], &[], 120, 40)
}

fn lines(file: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// The file's lines once it has `n`, or after 10 s whatever it has.
fn wait_lines(file: &Path, n: usize) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = lines(file);
        if got.len() >= n || Instant::now() > deadline {
            return got;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn head_of(v: &serde_json::Value) -> String {
    format!("{}:{}", v["seq"], v["hash"].as_str().unwrap_or(""))
}

#[test]
fn the_console_publishes_its_head_at_open_and_close_to_a_file_and_over_http() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("checkpoint.key");
    let public = opsdeck::effects::witness::key::generate(&key).expect("keygen");
    let witness = dir.path().join("log").join("witness.log");
    let (port, bodies) = listener(4);
    let cfg = write_config(
        dir.path(),
        &format!(
            "witnesses = [\"file:{}\", \"http://127.0.0.1:{port}/checkpoint\", \"http://127.0.0.1:1/refused\"]\nsigning_key_file = \"{}\"\n",
            witness.display(),
            key.display()
        ),
    );
    let t = start(dir, &cfg);
    t.wait_text("1 Services");
    // The refusing witness is a warning; the console goes on.
    t.wait_text("audit witness http://127.0.0.1:1: connection refused");
    let opened = bodies.recv_timeout(Duration::from_secs(10)).expect("a POST at open");
    assert_eq!(opened["event"], "session.open");
    // What a checkpoint holds, and nothing else (no secret can ride along).
    let mut keys: Vec<&str> = opened.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["event", "hash", "host", "operator", "seq", "sig", "time"]);
    assert_eq!(opened["seq"], 1);
    // The file and the POST are written side by side: the POST may come first.
    let in_file = wait_lines(&witness, 1);
    assert_eq!(in_file.len(), 1, "{in_file:?}");
    assert_eq!(head_of(&in_file[0]), head_of(&opened));

    t.keys(&["q"]);
    assert_eq!(t.wait_dead(), 0);
    let state = t.state();
    let state = state.to_str().expect("path");
    let head = opsdeck(&["--state", state, "audit", "head"]);
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let closed = bodies.recv_timeout(Duration::from_secs(10)).expect("a POST at close");
    assert_eq!(closed["event"], "session.close");
    assert_eq!(head_of(&closed), head);
    let in_file = lines(&witness);
    assert_eq!(in_file.len(), 2, "{in_file:?}");
    assert_eq!(in_file[1]["event"], "session.close");
    assert_eq!(head_of(&in_file[1]), head);
    assert_eq!(in_file[1]["operator"], closed["operator"]);
    assert!(in_file[1]["sig"].is_string(), "{in_file:?}");

    let witness = witness.to_str().expect("path");
    let ok = opsdeck(&[
        "--state",
        state,
        "audit",
        "verify",
        "--witness",
        witness,
        "--public-key",
        &public,
    ]);
    let said = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(ok.status.code(), Some(0), "{said}");
    assert!(said.contains("every recorded head is in the log: 2 checked"), "{said}");
}

#[test]
fn a_signing_key_others_can_read_stops_the_start() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("checkpoint.key");
    opsdeck::effects::witness::key::generate(&key).expect("keygen");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let cfg = write_config(
        dir.path(),
        &format!(
            "witnesses = [\"file:{}\"]\nsigning_key_file = \"{}\"\n",
            dir.path().join("w.log").display(),
            key.display()
        ),
    );
    let t = start(dir, &cfg);
    assert_eq!(t.wait_dead(), 2);
    // The message wraps at the pane's width, and may have scrolled into
    // the pane's history when tmux sized the window.
    let out = t.tmux(&["capture-pane", "-p", "-J", "-S", "-", "-t", "od"]);
    let screen = String::from_utf8_lossy(&out.stdout).replace('\n', "");
    assert!(
        screen.contains("opsdeck: [audit] signing key")
            && screen.contains("can be read by others (mode 0644): it must be readable by its owner only"),
        "{screen}"
    );
}
