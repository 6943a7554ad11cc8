//! The flight recorder's tests share these: the binary run on a config
//! and a store, `opsdeck record` with its stderr read line by line, and a
//! check polled until it holds.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub fn opsdeck(cfg: &Path, state: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_opsdeck"));
    c.arg("--config")
        .arg(cfg)
        .arg("--state")
        .arg(state)
        .env_remove("OPSDECK_CONFIG")
        .env("HOME", cfg.parent().expect("dir"))
        .kill_on_drop(true);
    c
}

/// `opsdeck record`, its stderr read line by line.
pub struct Recorder {
    pub child: Child,
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
    pub said: Vec<String>,
}

impl Recorder {
    pub fn start(cfg: &Path, state: &Path) -> Recorder {
        let mut child = opsdeck(cfg, state)
            .arg("record")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start opsdeck record");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut r = BufReader::new(stderr).lines();
            while let Ok(Some(l)) = r.next_line().await {
                let _ = tx.send(l);
            }
        });
        Recorder {
            child,
            lines,
            said: Vec::new(),
        }
    }

    /// Wait until it says a line containing `what`.
    pub async fn wait_for(&mut self, what: &str, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if self.said.iter().any(|l| l.contains(what)) {
                return;
            }
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(l)) => self.said.push(l),
                _ => panic!(
                    "recorder did not say {what:?} within {limit:?}; it said: {:?}",
                    self.said
                ),
            }
        }
    }

    pub fn signal(&self, sig: &str) {
        let pid = self.child.id().expect("running");
        let ok = std::process::Command::new("kill")
            .args([&format!("-{sig}"), &pid.to_string()])
            .status()
            .expect("kill");
        assert!(ok.success());
    }
}

/// Poll `check` until it holds (every 500 ms, up to `limit`).
pub async fn eventually<F, Fut>(limit: Duration, what: &str, mut check: F) -> String
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<String, String>>,
{
    let started = Instant::now();
    loop {
        match check().await {
            Ok(v) => return v,
            Err(last) if started.elapsed() > limit => panic!("{what} not seen within {limit:?}; last: {last}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}
