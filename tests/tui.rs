//! The real binary in a real terminal (tmux): keys, resize, quit, signals and
//! a vanishing tty, with the terminal restored and the audit log closed.

mod common;

use common::tmux::Tmux;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

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
    t.wait_text("RESPOND");
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
    again.wait_text("RESPOND");
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

/// A paste into the `:` palette never quits: bracketed it is text in the
/// field; not bracketed, `db⏎` runs and the rest of its burst is not keys.
#[test]
fn a_paste_into_the_palette_never_quits() {
    let t = start(&[], &[], 120, 40);
    t.wait_text("1 Services");
    // As a person: the first screen is read before anything is typed.
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert!(t.tmux(&["set-buffer", "-b", "p", "db\nquit\n"]).status.success());
    // Bracketed (tmux -p, the terminal asked for it): text in the field.
    t.keys(&[":"]);
    t.wait_text("All panes as tiles");
    assert!(t.tmux(&["paste-buffer", "-p", "-b", "p", "-t", "od"]).status.success());
    t.wait_text("db quit");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(t.display("#{pane_dead}"), "0", "still running:\n{}", t.capture());
    t.keys(&["Escape"]);
    t.wait_for("the palette closed", |s| !s.contains("All panes as tiles"));
    std::thread::sleep(std::time::Duration::from_millis(500));
    // Not bracketed: keys in one burst. `db⏎` runs; the rest of the burst
    // is not taken as keys.
    t.keys(&[":"]);
    t.wait_text("All panes as tiles");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(t.tmux(&["paste-buffer", "-b", "p", "-t", "od"]).status.success());
    t.wait_text("too fast to be typed");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(t.display("#{pane_dead}"), "0", "still running:\n{}", t.capture());
    t.keys(&["q"]);
    t.wait_terminal_restored();
}

/// The issue's case: a paste over a selected container, bracketed or not,
/// restarts nothing; a confirmation answered in the burst that opened it is
/// not answered; one answered after a person's pause is.
#[test]
fn a_paste_over_a_container_restarts_nothing() {
    let name = format!("od-paste-{}", std::process::id());
    common::docker_cli(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        &name,
        &common::test_image(),
        "sleep",
        "300",
    ]);
    let started = || {
        let out = Command::new("docker")
            .args(["inspect", "-f", "{{.State.StartedAt}}", &name])
            .env("DOCKER_HOST", common::docker_host())
            .output()
            .expect("docker inspect");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let before = started();
    let t = start(&[], &[], 120, 40);
    t.wait_text("1 Services");
    std::thread::sleep(Duration::from_secs(1));
    t.keys(&["1"]);
    t.keys(&["/"]);
    t.typed(&name);
    t.keys(&["Enter"]);
    t.wait_text(&name);
    t.read();
    assert!(t
        .tmux(&["set-buffer", "-b", "p", "try this, then restart yes"])
        .status
        .success());
    // Bracketed: no text field is open, so it is dropped.
    assert!(t.tmux(&["paste-buffer", "-p", "-b", "p", "-t", "od"]).status.success());
    t.wait_text("paste ignored");
    t.read();
    // Not bracketed: `r` opens the dialog, the rest of the burst is held.
    assert!(t.tmux(&["paste-buffer", "-b", "p", "-t", "od"]).status.success());
    let screen = t.wait_text("too fast to be typed");
    assert!(screen.contains("Restart container?"), "{screen}");
    t.read();
    assert!(t.capture().contains("Restart container?"), "still asking");
    t.keys(&["Escape"]);
    t.wait_for("the dialog closed", |s| !s.contains("Restart container?"));
    t.read();
    // `r` and `y` sent together: the dialog opens and stays open.
    t.keys(&["r", "y"]);
    t.wait_text("too fast to be typed");
    t.read();
    assert!(t.capture().contains("Restart container?"), "still asking");
    assert_eq!(started(), before, "not restarted");
    // A `y` typed after reading the dialog restarts it.
    t.keys(&["y"]);
    t.wait_text(&format!("restart test/{name}: done"));
    assert_ne!(started(), before, "restarted");
    t.keys(&["q"]);
    t.wait_terminal_restored();
    let restarts: Vec<_> = audit_actions(&t.state())
        .into_iter()
        .filter(|(action, _)| action.contains("restart"))
        .collect();
    // The answered one only: its intent and its outcome.
    assert_eq!(restarts.len(), 2, "{restarts:?}");
    common::docker_cli(&["rm", "-f", &name]);
}

/// `--allow-writes prod` is recorded at session open; an environment the
/// config lacks is refused before anything starts.
#[test]
fn allow_writes_is_recorded_at_session_open_and_must_name_an_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[env.prod]\nread_only = true\n[[docker]]\nname = \"test\"\nurl = \"{}\"\nenv = \"prod\"\n",
            common::docker_host()
        ),
    )
    .expect("config");
    let state = dir.path().join("state.db");
    let (cfg_s, state_s) = (cfg.to_str().expect("path"), state.to_str().expect("path"));
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args([
            "--config",
            cfg_s,
            "--state",
            state_s,
            "--allow-writes",
            "prdo",
            "snapshot",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--allow-writes prdo: no [env.prdo] in the config"),
        "{err}"
    );

    let t = Tmux::start_in(
        dir,
        &["--config", cfg_s, "--state", state_s, "--allow-writes", "prod"],
        &[],
        120,
        40,
    );
    let screen = t.wait_text("1 Services");
    assert!(
        screen
            .lines()
            .next()
            .is_some_and(|h| h.contains(" prod ") && !h.contains(" prod RO ")),
        "{screen}"
    );
    t.keys(&["q"]);
    t.wait_dead();
    let export = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(["--state", state_s, "audit", "export", "--format", "json"])
        .env_remove("OPSDECK_CONFIG")
        .output()
        .expect("audit export");
    let v: serde_json::Value = serde_json::from_slice(&export.stdout).expect("json");
    let open = v
        .as_array()
        .and_then(|a| a.iter().find(|e| e["action"] == "session.open"))
        .expect("a session.open entry");
    assert_eq!(open["details"]["allow_writes"], serde_json::json!(["prod"]), "{open}");
}

/// The moment history mode shows, as its header badge names it.
fn history_moment(screen: &str) -> Option<String> {
    let header = screen.lines().next()?;
    let at = header.split("HISTORY ").nth(1)?;
    Some(at.split(" UTC").next()?.to_string())
}

/// History mode in the real binary: the console records the machine's
/// state as it polls; `H` shows the last recorded change before now, `[`
/// an earlier one, Esc live again. Needs no service: the host alone.
#[test]
fn history_mode_steps_back_through_what_the_console_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("host.toml");
    std::fs::write(&cfg, "[host]\nenabled = true\ninterval = \"1s\"\n").expect("config");
    let state = dir.path().join("state.db");
    let args = [
        "--config".to_string(),
        cfg.display().to_string(),
        "--state".to_string(),
        state.display().to_string(),
    ];
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let t = Tmux::start_in(dir, &refs, &[], 120, 30);
    t.wait_text("1 Services");
    // A few polls recorded (the host's CPU and memory move every poll).
    std::thread::sleep(Duration::from_secs(4));
    t.keys(&["H"]);
    let screen = t.wait_for("the HISTORY badge", |s| history_moment(s).is_some_and(|m| m.len() == 8));
    let first = history_moment(&screen).unwrap_or_default();
    assert!(screen.lines().next().is_some_and(|l| l.contains(" ago ")), "{screen}");
    // Changes come about a second apart: two may fall in one shown second.
    let mut earlier = None;
    for _ in 0..5 {
        t.keys(&["["]);
        std::thread::sleep(Duration::from_millis(700));
        let screen = t.capture();
        assert!(!screen.contains("nothing recorded"), "{screen}");
        if history_moment(&screen).is_some_and(|m| m.len() == 8 && m < first) {
            earlier = Some(screen);
            break;
        }
    }
    assert!(
        earlier.is_some(),
        "[ never showed a change before {first}:\n{}",
        t.capture()
    );
    t.keys(&["Escape"]);
    t.wait_for("live again", |s| {
        s.lines().next().is_some_and(|l| !l.contains("HISTORY"))
    });
    t.keys(&["q"]);
    assert_eq!(t.wait_dead(), 0);
}
