//! Bad input: clear errors that name file, line and key; random bytes never panic.

use opsdeck::config::keymap::Keymap;
use opsdeck::config::theme::{ColorSupport, Theme};
use opsdeck::config::Config;
use std::path::Path;
use std::process::Command;

/// A small deterministic PRNG (xorshift64*): reproducible without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Random bytes, and valid files with random edits (more likely to reach deep code).
fn inputs(seed_text: &str, count: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng(seed);
    let alphabet = b"[]{}=\"'.,#\n\t :-+0123456789abcdefxyz\\\x00\xff\xc3";
    (0..count)
        .map(|i| {
            if i % 3 == 0 {
                let len = rng.below(300);
                (0..len).map(|_| (rng.next() & 0xff) as u8).collect()
            } else {
                let mut bytes = seed_text.as_bytes().to_vec();
                for _ in 0..=rng.below(8) {
                    if bytes.is_empty() {
                        break;
                    }
                    let at = rng.below(bytes.len());
                    match rng.below(3) {
                        0 => bytes[at] = alphabet[rng.below(alphabet.len())],
                        1 => {
                            bytes.remove(at);
                        }
                        _ => bytes.insert(at, alphabet[rng.below(alphabet.len())]),
                    }
                }
                bytes
            }
        })
        .collect()
}

fn as_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn config_parser_survives_random_input() {
    let seed = include_str!("../config/opsdeck.example.toml");
    let mut rejected = 0;
    for input in inputs(seed, 3000, 0x5eed_0001) {
        if Config::parse(&as_text(&input), Path::new("fuzz.toml")).is_err() {
            rejected += 1;
        }
    }
    assert!(rejected > 1000, "random input must mostly be rejected, got {rejected}");
}

#[test]
fn theme_parser_survives_random_input() {
    let seed = include_str!("../themes/default.toml");
    let mut rejected = 0;
    for input in inputs(seed, 3000, 0x5eed_0002) {
        for support in [ColorSupport::None, ColorSupport::Ansi16, ColorSupport::TrueColor] {
            if Theme::parse(&as_text(&input), Path::new("fuzz.toml"), support).is_err() {
                rejected += 1;
            }
        }
    }
    assert!(rejected > 1000, "{rejected}");
}

#[test]
fn keymap_parser_survives_random_input() {
    let seed = include_str!("../keymaps/default.toml");
    let mut rejected = 0;
    for input in inputs(seed, 3000, 0x5eed_0003) {
        let mut km = Keymap::default_keymap();
        if km.layer(&as_text(&input), Path::new("fuzz.toml")).is_err() {
            rejected += 1;
        }
    }
    assert!(rejected > 500, "{rejected}");
}

#[test]
fn alertmanager_parser_survives_random_input() {
    let seed = r#"[{"labels":{"alertname":"X","severity":"critical"},"annotations":{},"startsAt":"2026-01-01T00:00:00Z","fingerprint":"a","status":{"state":"active"}}]"#;
    assert!(opsdeck::backends::alertmanager::parse_alerts(seed.as_bytes()).is_ok());
    for input in inputs(seed, 3000, 0x5eed_0004) {
        let _ = opsdeck::backends::alertmanager::parse_alerts(&input);
    }
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env_remove("OPSDECK_CONFIG")
        .env("HOME", std::env::temp_dir())
        .output()
        .expect("run opsdeck")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.to_string_lossy().into_owned()
}

#[test]
fn binary_reports_config_error_with_file_line_key_and_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write(
        dir.path(),
        "bad.toml",
        "read_only = false\n[[postgres]]\nname = \"m\"\nurl = \"postgres://h/db\"\ntimeout = 3\n",
    );
    let out = run(&["--config", &cfg, "snapshot"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{cfg}:5: key `timeout`:")), "{err}");
}

#[test]
fn binary_reports_keymap_and_theme_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write(dir.path(), "ok.toml", "");
    let km = write(dir.path(), "keys.toml", "[global]\nq = \"quit\"\nz = \"explode\"\n");
    let out = run(&["--config", &cfg, "--keymap", &km, "snapshot"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{km}:3: key `z`: unknown action \"explode\"")),
        "{err}"
    );

    let theme = write(
        dir.path(),
        "t.toml",
        "[roles]\nok = { fg = \"green\" }\nwarn = { fg = 12 }\n",
    );
    let out = run(&["--config", &cfg, "--theme", &theme, "snapshot"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{theme}:3")), "{err}");

    let out = run(&["--config", &cfg, "--theme", "neon", "snapshot"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such theme"));
}

#[test]
fn missing_config_file_is_named() {
    let out = run(&["--config", "/nonexistent/opsdeck.toml", "snapshot"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/opsdeck.toml: cannot read"));
}

#[test]
fn snapshot_with_nothing_configured_prints_the_dashboard() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write(dir.path(), "empty.toml", "");
    let out = run(&["--config", &cfg, "snapshot", "--width", "100", "--height", "30"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 30);
    assert!(text.contains("1 Services") && text.contains("5 Checklist"), "{text}");
    assert!(!text.contains('\x1b'), "plain text, no escape codes");
    let bad = run(&["--config", &cfg, "snapshot", "--pane", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn snapshot_lists_the_built_in_runbooks_and_creates_no_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write(dir.path(), "empty.toml", "");
    let state = dir.path().join("state.db");
    let state = state.to_str().expect("utf-8 path");
    let out = run(&["--config", &cfg, "--state", state, "snapshot", "--pane", "checklist"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    for id in ["daily-health-check", "service-down", "certificate-expiry"] {
        assert!(text.contains(id), "{id} listed, as in the TUI:\n{text}");
    }
    assert!(!text.contains("not configured"), "{text}");
    assert!(!Path::new(state).exists(), "a snapshot creates no state store");
}

#[test]
fn snapshot_smaller_than_the_smallest_screen_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write(dir.path(), "empty.toml", "");
    for args in [["--height", "20"], ["--width", "60"]] {
        let out = run(&["--config", &cfg, "snapshot", args[0], args[1]]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(args[1]) && err.contains(args[0]), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn check_help_lists_the_built_in_runbooks() {
    let out = run(&["check", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for id in [
        "daily-health-check",
        "service-down",
        "database-emergency",
        "weekly-access-review",
    ] {
        assert!(text.contains(id), "{id}:\n{text}");
    }
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        &["--help"][..],
        &["snapshot", "--help"],
        &["audit", "--help"],
        &["audit", "verify", "--help"],
        &["audit", "export", "--help"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"), "{args:?}");
    }
}

/// `opsdeck audit export | head -c 1`: the reader goes away; opsdeck ends
/// without a panic.
#[tokio::test]
async fn a_closed_pipe_ends_a_headless_command_without_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.db");
    let store = opsdeck::store::Store::open(&state).await.expect("store");
    let who = opsdeck::model::identity::Identity {
        operator: "alice".into(),
        host: "test".into(),
        ssh_client: None,
    };
    for _ in 0..50 {
        let rec = opsdeck::store::AuditRecord::new("app", "session.open", opsdeck::store::Outcome::Info);
        store.append_audit(&who, rec).await.expect("append");
    }
    store.close().await;
    for args in [&["audit", "export"][..], &["audit", "verify"], &["incident", "list"]] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"))
            .arg("--state")
            .arg(&state)
            .args(args)
            .env_remove("OPSDECK_CONFIG")
            .env("HOME", dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        // Close the reading end before opsdeck writes anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(out.status.code(), Some(101), "{args:?}: {stderr}");
    }
}
