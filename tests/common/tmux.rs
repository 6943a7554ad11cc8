//! The real binary in a real terminal: a private tmux server (own socket)
//! running one opsdeck, its screen read with capture-pane, its raw output
//! kept (pipe-pane) to judge how the terminal was left.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A private tmux server running one opsdeck.
pub struct Tmux {
    pub dir: tempfile::TempDir,
    socket: PathBuf,
    /// When keys were last sent: the next are sent at a person's pace.
    last_sent: std::cell::Cell<Option<Instant>>,
}

/// The least time between two sends of keys (or text). opsdeck does not
/// take a key that comes within one burst of the key that closed a dialog
/// (`app::typeahead`: 150 ms); keys sent at once after reading the screen
/// could. One `keys` call still sends its keys as one burst.
const PACE: Duration = Duration::from_millis(300);

impl Tmux {
    pub fn start(args: &[&str], env: &[(&str, &str)], width: u16, height: u16) -> Self {
        Self::start_in(tempfile::tempdir().expect("tempdir"), args, env, width, height)
    }

    pub fn start_in(dir: tempfile::TempDir, args: &[&str], env: &[(&str, &str)], width: u16, height: u16) -> Self {
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
        let t = Self {
            dir,
            socket,
            last_sent: std::cell::Cell::new(None),
        };
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

    pub fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed (tests/run.sh installs it)")
    }

    pub fn capture(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "od"]).stdout).into_owned()
    }

    pub fn display(&self, format: &str) -> String {
        String::from_utf8_lossy(&self.tmux(&["display-message", "-p", "-t", "od", format]).stdout)
            .trim()
            .to_string()
    }

    /// Text typed literally (no key names).
    pub fn typed(&self, text: &str) {
        self.pace();
        assert!(self.tmux(&["send-keys", "-t", "od", "-l", text]).status.success());
    }

    /// A person's pause: the screen is read before the next key. Keys sent
    /// faster are typeahead, which a dialog does not take as its answer.
    pub fn read(&self) {
        std::thread::sleep(std::time::Duration::from_millis(400));
    }

    /// Wait until `PACE` has passed since the last send.
    fn pace(&self) {
        if let Some(at) = self.last_sent.get() {
            std::thread::sleep(PACE.saturating_sub(at.elapsed()));
        }
        self.last_sent.set(Some(Instant::now()));
    }

    /// Send `keys` as one burst; when they were sent, for timing what follows.
    pub fn keys(&self, keys: &[&str]) -> Instant {
        self.pace();
        let sent = Instant::now();
        let mut args = vec!["send-keys", "-t", "od"];
        args.extend_from_slice(keys);
        assert!(self.tmux(&args).status.success());
        sent
    }

    /// Wait (bounded) until the screen satisfies `pred`; the screen on failure.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
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

    /// Wait until the screen satisfies `pred`, at most `limit` after `since`;
    /// the screen and the time since `since`. Fails with the screen.
    pub fn wait_until(
        &self,
        what: &str,
        since: Instant,
        limit: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> (String, Duration) {
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return (screen, since.elapsed());
            }
            assert!(
                since.elapsed() < limit,
                "not within {limit:?}: {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn wait_text(&self, text: &str) -> String {
        self.wait_for(text, |s| s.contains(text))
    }

    /// opsdeck's pid: the child of the pane's shell.
    pub fn pid(&self) -> i32 {
        let shell = self.display("#{pane_pid}");
        let out = Command::new("pgrep").args(["-P", &shell]).output().expect("pgrep");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
            .expect("opsdeck pid")
    }

    pub fn wait_dead(&self) -> i32 {
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
    pub fn wait_terminal_restored(&self) {
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

    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state.db")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}
