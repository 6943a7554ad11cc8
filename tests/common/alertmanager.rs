//! A private Alertmanager per test, for what the shared one from tests/run.sh
//! cannot be used for (other tests read it at the same time): one that is
//! stopped and started again under a running opsdeck, or a cluster of two.
//!
//! Each instance runs Debian's `prometheus-alertmanager` with its own config
//! file, storage directory and log in a temporary directory, its web API on a
//! free loopback port and clustering off unless asked for. A guard kills it
//! when the test ends, however it ends. A missing binary, or one that does not
//! answer on `/-/ready` within 30 s, fails the test.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long an Alertmanager gets to answer `/-/ready` after it is started.
const START_LIMIT: Duration = Duration::from_secs(30);
/// How long a stopped Alertmanager gets to exit before it is killed.
const STOP_LIMIT: Duration = Duration::from_secs(10);

/// The same routing as the shared Alertmanager of tests/run.sh: every alert
/// goes to a receiver that sends nothing.
const CONFIG: &str = "route:\n  receiver: \"null\"\n  group_wait: 1s\nreceivers:\n  - name: \"null\"\n";

/// A private Alertmanager, killed on drop.
pub struct PrivateAlertmanager {
    dir: tempfile::TempDir,
    port: u16,
    /// The gossip address, when it is a cluster member.
    cluster: Option<String>,
    args: Vec<String>,
    child: Option<Child>,
    log: PathBuf,
}

impl PrivateAlertmanager {
    /// Start one and wait until it is ready. `peers`: `None` for a standalone
    /// instance (`--cluster.listen-address=`, clustering off); `Some(addrs)`
    /// for a cluster member gossiping on a free loopback port of its own and
    /// joining the members at `addrs` (the `cluster_addr()` of others; empty
    /// for the first member). Gossip timings are short so that two members on
    /// loopback find each other within a second or two.
    pub async fn start(peers: Option<&[String]>) -> PrivateAlertmanager {
        let installed = std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join("prometheus-alertmanager").is_file()));
        assert!(
            installed,
            "prometheus-alertmanager is not installed (Debian package prometheus-alertmanager): \
             run the tests through tests/run.sh, which installs it"
        );
        let dir = tempfile::Builder::new()
            .prefix("opsdeck-am")
            .tempdir()
            .expect("Alertmanager directory");
        let path = dir.path().to_path_buf();
        let config = path.join("alertmanager.yml");
        std::fs::write(&config, CONFIG).expect("write alertmanager.yml");
        let port = free_port();
        let mut args = vec![
            format!("--config.file={}", config.display()),
            format!("--storage.path={}", path.join("data").display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
        ];
        let cluster = peers.map(|peers| {
            let addr = format!("127.0.0.1:{}", free_port());
            args.extend([
                format!("--cluster.listen-address={addr}"),
                format!("--cluster.advertise-address={addr}"),
                "--cluster.gossip-interval=50ms".into(),
                "--cluster.pushpull-interval=1s".into(),
                "--cluster.probe-interval=200ms".into(),
                "--cluster.probe-timeout=100ms".into(),
                "--cluster.settle-timeout=1s".into(),
                "--cluster.reconnect-interval=1s".into(),
                "--cluster.peer-timeout=1s".into(),
            ]);
            args.extend(peers.iter().map(|p| format!("--cluster.peer={p}")));
            addr
        });
        if cluster.is_none() {
            args.push("--cluster.listen-address=".into());
        }
        let mut am = PrivateAlertmanager {
            log: path.join("alertmanager.log"),
            dir,
            port,
            cluster,
            args,
            child: None,
        };
        am.spawn().await;
        am
    }

    /// Its API, as opsdeck's `url =` takes it.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where it gossips (for another member's `--cluster.peer`); `None` when
    /// clustering is off.
    pub fn cluster_addr(&self) -> Option<String> {
        self.cluster.clone()
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Start it again after `stop`: the same port, storage and arguments.
    /// Alerts are not kept (Alertmanager holds them in memory only); silences
    /// are (they are snapshotted to the storage directory).
    pub async fn restart(&mut self) {
        self.stop().await;
        self.spawn().await;
    }

    /// Start the process and wait until `/-/ready` answers 200.
    async fn spawn(&mut self) {
        assert!(self.child.is_none(), "Alertmanager is already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("Alertmanager log file");
        let child = Command::new("prometheus-alertmanager")
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start prometheus-alertmanager: {e}"));
        self.child = Some(child);
        let client = client();
        let ready = format!("{}/-/ready", self.url());
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                self.child = None;
                panic!(
                    "prometheus-alertmanager exited at start ({status}); its log:\n{}",
                    self.log_tail()
                );
            }
            if let Ok(resp) = client.get(&ready).send().await {
                if resp.status().is_success() {
                    return;
                }
            }
            assert!(
                started.elapsed() < START_LIMIT,
                "Alertmanager is not ready on {ready} after {START_LIMIT:?}; its log:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGTERM, as an init system stops it, and wait until it has exited;
    /// SIGKILL if it is still there after 10 s. Nothing listens on its ports
    /// afterwards.
    pub async fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        signal(child.id(), "TERM");
        let started = Instant::now();
        while started.elapsed() < STOP_LIMIT {
            if child.try_wait().ok().flatten().is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        eprintln!(
            "Alertmanager on port {} did not exit within {STOP_LIMIT:?} of SIGTERM: killed; its log:\n{}",
            self.port,
            self.log_tail()
        );
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Wait until it sees `members` cluster members (itself included) and
    /// calls its cluster ready, as `/api/v2/status` says.
    pub async fn wait_cluster(&self, members: usize, limit: Duration) {
        assert!(self.cluster.is_some(), "not a cluster member");
        let url = format!("{}/api/v2/status", self.url());
        let started = Instant::now();
        let client = client();
        let mut last = String::new();
        loop {
            if let Ok(resp) = client.get(&url).send().await {
                if let Ok(v) = resp.json::<serde_json::Value>().await {
                    let peers = v["cluster"]["peers"].as_array().map_or(0, Vec::len);
                    if peers == members && v["cluster"]["status"] == "ready" {
                        return;
                    }
                    last = v["cluster"].to_string();
                }
            }
            assert!(
                started.elapsed() < limit,
                "Alertmanager on port {} does not see {members} ready cluster members after {limit:?} \
                 (last status: {last}); its log:\n{}",
                self.port,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The last 25 lines of its log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(25)..].join("\n")
    }

    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for PrivateAlertmanager {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// For asking Alertmanager itself: a hung answer is a failed check, not a stuck test.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("HTTP client")
}

fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// A loopback port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// Post one alert to the Alertmanager at `url` (API v2), starting now.
pub async fn post_alert(url: &str, labels: &[(&str, &str)], annotations: &[(&str, &str)]) {
    let map = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
            .collect::<serde_json::Map<_, _>>()
    };
    let body = serde_json::json!([{
        "labels": map(labels),
        "annotations": map(annotations),
        "startsAt": chrono::Utc::now().to_rfc3339(),
    }]);
    let resp = client()
        .post(format!("{}/api/v2/alerts", url.trim_end_matches('/')))
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("post alert to {url}: {e}"));
    assert!(
        resp.status().is_success(),
        "post alert to {url}: HTTP {}: {}",
        resp.status(),
        resp.text().await.unwrap_or_default()
    );
}
