//! The real binary in a real terminal (tmux): keys, resize, quit, signals and
//! a vanishing tty, with the terminal restored and the audit log closed.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A private tmux server (own socket) running one opsdeck.
struct Tmux {
    dir: tempfile::TempDir,
    socket: PathBuf,
}

impl Tmux {
    fn start(args: &[&str], env: &[(&str, &str)], width: u16, height: u16) -> Self {
        Self::start_in(tempfile::tempdir().expect("tempdir"), args, env, width, height)
    }

    fn start_in(dir: tempfile::TempDir, args: &[&str], env: &[(&str, &str)], width: u16, height: u16) -> Self {
        let socket = dir.path().join("tmux.sock");
        let conf = dir.path().join("tmux.conf");
        // The pane stays after opsdeck exits so its screen can be read. The exit
        // code goes to a file: tmux 3.3 does not always reap a fast-exiting pane.
        std::fs::write(
            &conf,
            "set -g remain-on-exit on\nset -g default-terminal tmux-256color\n",
        )
        .expect("tmux.conf");
        let mut cmd = format!("env HOME={} ", dir.path().display());
        for (k, v) in env {
            cmd.push_str(&format!("{k}={v} "));
        }
        cmd.push_str(env!("CARGO_BIN_EXE_opsdeck"));
        for a in args {
            cmd.push_str(&format!(" '{a}'"));
        }
        cmd.push_str(&format!("; echo $? > {}", dir.path().join("exit-code").display()));
        let t = Self { dir, socket };
        let pipe = format!("cat > {}", t.dir.path().join("pane-output").display());
        let out = t.tmux(&[
            "-f",
            conf.to_str().expect("path"),
            "new-session",
            "-d",
            "-s",
            "od",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            &cmd,
            // In the same server command, so not a byte of output is missed.
            ";",
            "pipe-pane",
            "-O",
            "-t",
            "od",
            &pipe,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed (tests/run.sh installs it)")
    }

    fn capture(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "od"]).stdout).into_owned()
    }

    fn display(&self, format: &str) -> String {
        String::from_utf8_lossy(&self.tmux(&["display-message", "-p", "-t", "od", format]).stdout)
            .trim()
            .to_string()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "od"];
        args.extend_from_slice(keys);
        assert!(self.tmux(&args).status.success());
    }

    /// Wait (bounded) until the screen satisfies `pred`; the screen on failure.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_text(&self, text: &str) -> String {
        self.wait_for(text, |s| s.contains(text))
    }

    /// opsdeck's pid: the child of the pane's shell.
    fn pid(&self) -> i32 {
        let shell = self.display("#{pane_pid}");
        let out = Command::new("pgrep").args(["-P", &shell]).output().expect("pgrep");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
            .expect("opsdeck pid")
    }

    fn wait_dead(&self) -> i32 {
        let file = self.dir.path().join("exit-code");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(code) = std::fs::read_to_string(&file).ok().and_then(|c| c.trim().parse().ok()) {
                return code;
            }
            assert!(
                Instant::now() < deadline,
                "opsdeck did not exit; screen:\n{}",
                self.capture()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Alternate screen left and cursor visible again: the last of each mode
    /// switch opsdeck wrote must be the "off"/"show" one. (Judged on the bytes:
    /// tmux's own cursor flag is unreliable once the pane's program has exited.)
    fn wait_terminal_restored(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let bytes = std::fs::read(self.dir.path().join("pane-output")).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            let last = |on: &str, off: &str| match (text.rfind(on), text.rfind(off)) {
                (Some(a), Some(b)) => b > a,
                (None, Some(_)) => true,
                _ => false,
            };
            let alt_left = last("\x1b[?1049h", "\x1b[?1049l");
            let cursor_shown = last("\x1b[?25l", "\x1b[?25h");
            if alt_left && cursor_shown && self.display("#{alternate_on}") == "0" {
                return;
            }
            if Instant::now() >= deadline {
                let tail = &bytes[bytes.len().saturating_sub(300)..];
                panic!("terminal not restored (alternate screen left: {alt_left}, cursor shown: {cursor_shown}); last output: {:?}", String::from_utf8_lossy(tail));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state.db")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

fn config(dir: &Path) -> PathBuf {
    std::env::set_var("OPSDECK_TEST_PG_PW_REF", common::pg_password());
    let p = dir.join("config.toml");
    let text = format!(
        "[[docker]]\nname = \"test\"\nurl = \"{}\"\n\n[[postgres]]\nname = \"main\"\nurl = \"{}\"\npassword_env = \"OPSDECK_TEST_PG_PW_REF\"\n\n[[alertmanager]]\nname = \"am\"\nurl = \"{}\"\n",
        common::docker_host(),
        common::pg_url(),
        common::alertmanager_url()
    );
    std::fs::write(&p, text).expect("config");
    p
}

fn audit_actions(state: &Path) -> Vec<(String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args([
            "--state",
            state.to_str().expect("path"),
            "audit",
            "export",
            "--format",
            "json",
        ])
        .env_remove("OPSDECK_CONFIG")
        .output()
        .expect("audit export");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json export");
    v.as_array()
        .expect("array")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or("").to_string(),
                e["details"]["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// opsdeck against the real services, with its config and state in the session's dir.
fn start(extra: &[&str], env: &[(&str, &str)], w: u16, h: u16) -> Tmux {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path());
    let state = dir.path().join("state.db");
    let mut args = vec![
        "--config",
        cfg.to_str().expect("path"),
        "--state",
        state.to_str().expect("path"),
    ];
    args.extend_from_slice(extra);
    let args: Vec<String> = args.into_iter().map(String::from).collect();
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    Tmux::start_in(dir, &refs, env, w, h)
}

#[test]
fn keys_work_and_quit_restores_the_terminal() {
    let t = start(&[], &[], 120, 40);
    let screen = t.wait_text("1 Services");
    assert!(screen.contains("5 Checklist"), "{screen}");
    assert_eq!(t.display("#{alternate_on}"), "1", "runs on the alternate screen");
    t.wait_text("main: primary PG");
    t.keys(&["2"]);
    t.wait_text("TARGET");
    t.keys(&["?"]);
    t.wait_text("Keys (esc closes)");
    t.keys(&["Escape"]);
    t.wait_for("help closed", |s| !s.contains("Keys (esc closes)"));
    t.keys(&[":"]);
    t.wait_text("Command");
    t.keys(&["a", "u", "d", "Enter"]);
    t.wait_text("session.open");
    t.keys(&["Escape", "0"]);
    t.wait_text("4 Access review");
    t.keys(&["q"]);
    assert_eq!(t.wait_dead(), 0);
    t.wait_terminal_restored();
    let actions = audit_actions(&t.state());
    assert_eq!(actions.first().map(|a| a.0.as_str()), Some("session.open"));
    assert_eq!(
        actions.last().map(|(a, r)| (a.as_str(), r.as_str())),
        Some(("session.close", "quit"))
    );
}

#[test]
fn resize_below_minimum_and_back() {
    let t = start(&[], &[], 100, 30);
    t.wait_text("1 Services");
    assert!(t
        .tmux(&["resize-window", "-t", "od", "-x", "60", "-y", "20"])
        .status
        .success());
    t.wait_text("terminal too small (need 80x24, have 60x20)");
    assert!(t
        .tmux(&["resize-window", "-t", "od", "-x", "160", "-y", "50"])
        .status
        .success());
    t.wait_text("1 Services");
    t.keys(&["q"]);
    assert_eq!(t.wait_dead(), 0);
}

/// opsdeck on the Alerts pane, sent SIG`name`: it exits 0 with the session closed for that reason.
fn signalled_on_alerts(name: &str) -> Tmux {
    let t = start(&[], &[], 100, 30);
    t.wait_text("1 Services");
    t.keys(&["3"]);
    t.wait_text("SEVERITY");
    let pid = t.pid();
    assert!(Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status()
        .expect("kill")
        .success());
    assert_eq!(t.wait_dead(), 0);
    let actions = audit_actions(&t.state());
    let reason = format!("SIG{name}");
    assert_eq!(
        actions.last().map(|(a, r)| (a.as_str(), r.as_str())),
        Some(("session.close", reason.as_str()))
    );
    t
}

#[test]
fn sighup_saves_state_and_exits_cleanly() {
    let t = signalled_on_alerts("HUP");
    t.wait_terminal_restored();
}

#[test]
fn sigterm_exits_cleanly_and_view_is_restored_next_time() {
    let t = signalled_on_alerts("TERM");
    // The same state file reopens on the pane that was open.
    let state = t.state();
    let again = Tmux::start(
        &["--state", state.to_str().expect("path"), "--config", "/dev/null"],
        &[],
        100,
        30,
    );
    again.wait_text("SEVERITY");
    again.keys(&["q"]);
    assert_eq!(again.wait_dead(), 0);
}

#[test]
fn lost_tty_ends_the_process_within_a_second() {
    let t = start(&[], &[], 100, 30);
    t.wait_text("1 Services");
    let pid = t.pid();
    // Killing the server closes the pty, as a dropped SSH connection does.
    let _ = t.tmux(&["kill-server"]);
    let gone_by = Instant::now() + Duration::from_millis(1500);
    while Path::new(&format!("/proc/{pid}")).exists() && !is_zombie(pid) {
        assert!(Instant::now() < gone_by, "opsdeck still running after its tty vanished");
        std::thread::sleep(Duration::from_millis(20));
    }
    let actions = audit_actions(&t.state());
    assert_eq!(
        actions.last().map(|a| a.0.as_str()),
        Some("session.close"),
        "{actions:?}"
    );
}

fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.contains(") Z "))
        .unwrap_or(true)
}

#[test]
fn common_term_values_work() {
    for term in ["tmux-256color", "screen", "xterm", "xterm-256color", "linux", "dumb"] {
        let t = start(&[], &[("TERM", term)], 100, 30);
        t.wait_text("1 Services");
        t.keys(&["1"]);
        t.wait_text("NAME");
        t.keys(&["q"]);
        assert_eq!(t.wait_dead(), 0, "TERM={term}");
        if term == "linux" {
            // The Linux console font lacks the round status glyphs: ASCII symbols instead.
            assert!(!t.capture().contains('●'));
        }
    }
}

#[test]
fn read_only_flag_shows_badge() {
    let t = start(&["--read-only"], &[], 120, 30);
    t.wait_for("READ-ONLY badge", |s| {
        s.lines().next().is_some_and(|l| l.contains("READ-ONLY"))
    });
    t.keys(&["q"]);
    assert_eq!(t.wait_dead(), 0);
}

#[test]
fn no_color_runs_mono() {
    let t = start(&[], &[("NO_COLOR", "1")], 100, 30);
    t.wait_text("1 Services");
    let styled = String::from_utf8_lossy(&t.tmux(&["capture-pane", "-p", "-e", "-t", "od"]).stdout).into_owned();
    // -e keeps escape sequences: no colour codes (30-37, 38;5, 90-97) may appear.
    for code in ["\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[34m", "\x1b[36m", "38;5;"] {
        assert!(!styled.contains(code), "colour {code:?} under NO_COLOR");
    }
    t.keys(&["q"]);
    assert_eq!(t.wait_dead(), 0);
}
