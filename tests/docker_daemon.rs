//! opsdeck against a dockerd of each test's own, for what the shared one from
//! tests/run.sh cannot be used for (other tests use it at the same time): a
//! daemon that speaks only TLS with client certificates, and a daemon that is
//! stopped and started again under a running opsdeck.
//!
//! Each test starts `dockerd` with its own data root, exec root, pidfile and
//! socket inside a directory of run.sh's work directory (so run.sh's cleanup
//! catches whatever a killed test leaves), no bridge and no iptables, its
//! containers under run.sh's cgroup. It runs only inside run.sh's network
//! namespace: with `--bridge none` dockerd deletes the interface docker0 of
//! its namespace, which must never be the host's. A guard stops it, ends its
//! containerd and shims by their pid files, unmounts what it mounted and
//! removes the directory, even when the test fails. A missing dockerd, or one
//! that does not answer within 30 s, fails the test.

mod common;

use bollard::container::{Config as ContainerConfig, StartContainerOptions};
use bollard::models::HostConfig;
use bollard::Docker;
use opsdeck::app::{update, BackendStatus, Freshness, Msg, State};
use opsdeck::backends::{self, BackendData, BackendReport, Target};
use opsdeck::config::keymap::Keymap;
use opsdeck::config::Config;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a dockerd gets to answer after it is started.
const START_LIMIT: Duration = Duration::from_secs(30);
/// How long a stopped dockerd gets to exit before it is killed.
const STOP_LIMIT: Duration = Duration::from_secs(20);

/// The server side of a TLS daemon: where it listens and its files.
struct TlsListen {
    port: u16,
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

/// A private dockerd, stopped and cleaned up on drop.
struct Dockerd {
    dir: Option<tempfile::TempDir>,
    /// The directory's path, for the cleanup after `dir` is gone.
    path: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
    log: PathBuf,
}

impl Dockerd {
    /// Start a dockerd (with a TLS listener too when `tls` is given) and wait
    /// until it answers on its unix socket. The directory is made first so the
    /// TLS files can be written into it.
    async fn start(dir: tempfile::TempDir, tls: Option<TlsListen>) -> Dockerd {
        let installed = std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join("dockerd").is_file()));
        assert!(
            installed,
            "dockerd is not installed (Debian package docker.io): run the tests through tests/run.sh, which installs it"
        );
        assert_in_the_runs_network_namespace();
        let path = dir.path().to_path_buf();
        let p = |name: &str| path.join(name).display().to_string();
        std::fs::write(path.join("daemon.json"), "{}").expect("write daemon.json");
        let mut args = vec![
            // Not /etc/docker/daemon.json: whatever the machine has configured does not apply.
            format!("--config-file={}", p("daemon.json")),
            format!("--data-root={}", p("data")),
            format!("--exec-root={}", p("exec")),
            format!("--pidfile={}", p("docker.pid")),
            format!("-H=unix://{}", p("d.sock")),
            // Should the machine run a containerd of its own, dockerd would use it:
            // a namespace of our own keeps the two daemons' containers apart.
            format!("--containerd-namespace=opsdeck-{}", std::process::id()),
            format!("--containerd-plugins-namespace=opsdeck-{}-plugins", std::process::id()),
            "--bridge=none".into(),
            "--iptables=false".into(),
            "--ip6tables=false".into(),
            "--ip-masq=false".into(),
            // Containers under run.sh's cgroup (removed at its teardown), not
            // systemd units.
            "--exec-opt=native.cgroupdriver=cgroupfs".into(),
            format!("--cgroup-parent={}", common::cgroup_parent()),
        ];
        if let Some(t) = &tls {
            args.extend([
                format!("-H=tcp://127.0.0.1:{}", t.port),
                "--tlsverify".into(),
                format!("--tlscacert={}", t.ca.display()),
                format!("--tlscert={}", t.cert.display()),
                format!("--tlskey={}", t.key.display()),
            ]);
        }
        let mut d = Dockerd {
            log: path.join("dockerd.log"),
            path,
            dir: Some(dir),
            args,
            child: None,
        };
        d.spawn().await;
        d
    }

    fn sock(&self) -> PathBuf {
        self.path.join("d.sock")
    }

    fn url(&self) -> String {
        format!("unix://{}", self.sock().display())
    }

    /// Start dockerd with the arguments it was first started with (the same
    /// roots: it finds its containers again) and wait until it answers.
    async fn spawn(&mut self) {
        assert!(self.child.is_none(), "dockerd is already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("dockerd log file");
        let child = Command::new("dockerd")
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start dockerd: {e}"));
        self.child = Some(child);
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                self.child = None;
                panic!("dockerd exited at start ({status}); its log:\n{}", self.log_tail());
            }
            if self.client().await.is_ok() {
                return;
            }
            assert!(
                started.elapsed() < START_LIMIT,
                "dockerd does not answer on {} after {START_LIMIT:?}; its log:\n{}",
                self.sock().display(),
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// SIGTERM, as an init system stops it, and wait until it has exited.
    async fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        signal(child.id(), "TERM");
        let started = Instant::now();
        while started.elapsed() < STOP_LIMIT {
            if child.try_wait().ok().flatten().is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "dockerd did not exit within {STOP_LIMIT:?} of SIGTERM; its log:\n{}",
            self.log_tail()
        );
    }

    async fn client(&self) -> Result<Docker, bollard::errors::Error> {
        Docker::connect_with_unix(&self.sock().display().to_string(), 10, bollard::API_DEFAULT_VERSION)?
            .negotiate_version()
            .await
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(25)..].join("\n")
    }

    /// The test image, imported from run.sh's tar with the docker CLI.
    fn import_test_image(&self) {
        let tar = common::test_image_tar();
        let out = Command::new("docker")
            .arg("-H")
            .arg(self.url())
            .args(["import", "-c", "CMD [\"sh\"]"])
            .arg(&tar)
            .arg(common::test_image())
            .output()
            .unwrap_or_else(|e| panic!("cannot run the docker CLI (Debian package docker.io): {e}"));
        assert!(
            out.status.success(),
            "docker import {} failed: {}",
            tar.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), "TERM");
            let started = Instant::now();
            while started.elapsed() < STOP_LIMIT && child.try_wait().ok().flatten().is_none() {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        // dockerd's containerd and the shims of its containers, should they
        // outlive it: by the pid files they keep under the exec root.
        for pid in pids_left(&self.path) {
            signal(pid, "KILL");
        }
        // Mounts under the roots (overlay, shm, netns), deepest first.
        let mut mounts: Vec<String> = std::fs::read_to_string("/proc/mounts")
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1))
            .filter(|m| Path::new(m).starts_with(&self.path))
            .map(str::to_string)
            .collect();
        mounts.sort_by(|a, b| b.cmp(a));
        for m in mounts {
            let _ = Command::new("umount").args(["-l", &m]).status();
        }
        if let Some(dir) = self.dir.take() {
            let _ = std::fs::remove_dir_all(dir.path());
            drop(dir);
        }
    }
}

fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// With `--bridge none` dockerd deletes the interface docker0 of its network
/// namespace: these tests start one only in run.sh's own.
fn assert_in_the_runs_network_namespace() {
    let runs = common::test_netns();
    let mine = std::fs::read_link("/proc/self/ns/net").map(|l| l.display().to_string());
    assert_eq!(
        mine.as_deref().ok(),
        Some(runs.as_str()),
        "not in tests/run.sh's network namespace: a dockerd started here could delete the host's docker0"
    );
}

/// containerd (started by dockerd) and the shims of its containers, from
/// the pid files under the exec root, each only while its command line still
/// names `dir` (a pid file outlives its process; the pid may be reused).
fn pids_left(dir: &Path) -> Vec<u32> {
    let exec = dir.join("exec").join("containerd");
    let mut files = vec![exec.join("containerd.pid")];
    // <state>/io.containerd.runtime.v2.task/<namespace>/<container>/shim.pid
    let tasks = exec.join("daemon").join("io.containerd.runtime.v2.task");
    for ns in std::fs::read_dir(&tasks).into_iter().flatten().flatten() {
        for task in std::fs::read_dir(ns.path()).into_iter().flatten().flatten() {
            files.push(task.path().join("shim.pid"));
        }
    }
    let needle = dir.display().to_string();
    files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok()?.trim().parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(&needle))
                .unwrap_or(false)
        })
        .collect()
}

/// A directory for one dockerd inside run.sh's work directory. Short: the
/// unix socket paths under it must stay well below 108 bytes.
fn daemon_dir() -> tempfile::TempDir {
    let tar = common::test_image_tar();
    let work = tar.parent().expect("run.sh work directory");
    tempfile::Builder::new()
        .prefix("dd")
        .tempdir_in(work)
        .expect("daemon directory")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A container with no network running a shell that exits at once on
/// SIGTERM (so dockerd's own shutdown is quick).
async fn run_container(d: &Docker, name: &str, start: bool) {
    let cfg = ContainerConfig {
        image: Some(common::test_image()),
        cmd: Some(vec![
            "sh".into(),
            "-c".into(),
            "trap 'exit 0' TERM; while true; do sleep 1; done".into(),
        ]),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    common::docker::create(d, name, cfg).await;
    if start {
        d.start_container(name, None::<StartContainerOptions<String>>)
            .await
            .expect("start container");
    }
}

fn config(text: &str) -> Config {
    let mut c = Config::parse(text, Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"));
    c.host.enabled = false;
    c
}

fn one_target(text: &str) -> Target {
    let mut t = backends::targets(&config(text));
    assert_eq!(t.len(), 1);
    t.remove(0)
}

/// One poll, bounded: a hang is a failure, not a stuck test.
async fn poll(t: &mut Target) -> Result<BackendData, String> {
    tokio::time::timeout(Duration::from_secs(20), t.poll_once())
        .await
        .expect("poll_once returns within 20 s")
        .result
}

fn names(data: &BackendData) -> Vec<String> {
    match data {
        BackendData::Docker(s) => s.containers.iter().map(|c| c.name.clone()).collect(),
        other => panic!("not docker data: {other:?}"),
    }
}

// ------------------------------------------------------------------ TLS

/// A CA (its params and key, to sign with) and its certificate.
struct Ca {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    pem: String,
}

fn ca(name: &str) -> Ca {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p.distinguished_name.push(rcgen::DnType::CommonName, name);
    p.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let cert = p.self_signed(&key).expect("CA certificate");
    Ca {
        pem: cert.pem(),
        issuer: rcgen::Issuer::new(p, key),
    }
}

/// A certificate signed by `ca` for `names`, and its key, as PEM.
fn leaf(ca: &Ca, cn: &str, names: &[&str], usage: rcgen::ExtendedKeyUsagePurpose) -> (String, String) {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut p = rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).expect("params");
    p.distinguished_name.push(rcgen::DnType::CommonName, cn);
    p.extended_key_usages = vec![usage];
    let cert = p.signed_by(&key, &ca.issuer).expect("certificate");
    (cert.pem(), key.serialize_pem())
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write TLS file");
    path
}

fn tls_toml(port: u16, ca: &Path, cert: &Path, key: &Path) -> String {
    format!(
        "[[docker]]\nname = \"tls\"\nurl = \"tcp://127.0.0.1:{port}\"\ntimeout = \"5s\"\n\
         tls_ca = \"{}\"\ntls_cert = \"{}\"\ntls_key = \"{}\"\n",
        ca.display(),
        cert.display(),
        key.display()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_over_tls_lists_containers() {
    use rcgen::ExtendedKeyUsagePurpose::{ClientAuth, ServerAuth};
    let dir = daemon_dir();
    let tls = dir.path().join("tls");
    std::fs::create_dir(&tls).expect("tls dir");
    let good = ca("opsdeck test CA");
    let rogue = ca("someone else's CA");
    let (server_cert, server_key) = leaf(&good, "dockerd", &["127.0.0.1", "localhost"], ServerAuth);
    let (client_cert, client_key) = leaf(&good, "opsdeck", &[], ClientAuth);
    let (rogue_cert, rogue_key) = leaf(&rogue, "opsdeck", &[], ClientAuth);
    let ca_pem = write(&tls, "ca.pem", &good.pem);
    let rogue_ca_pem = write(&tls, "rogue-ca.pem", &rogue.pem);
    let cert = write(&tls, "cert.pem", &client_cert);
    let key = write(&tls, "key.pem", &client_key);
    let rogue_cert = write(&tls, "rogue-cert.pem", &rogue_cert);
    let rogue_key = write(&tls, "rogue-key.pem", &rogue_key);
    let port = free_port();
    let listen = TlsListen {
        port,
        ca: ca_pem.clone(),
        cert: write(&tls, "server-cert.pem", &server_cert),
        key: write(&tls, "server-key.pem", &server_key),
    };
    let daemon = Dockerd::start(dir, Some(listen)).await;
    daemon.import_test_image();
    let d = daemon.client().await.expect("docker client on the unix socket");
    let name = format!("od-tls-{}", std::process::id());
    run_container(&d, &name, false).await;

    // The right CA and a client certificate it signed: the container is listed.
    let mut t = one_target(&tls_toml(port, &ca_pem, &cert, &key));
    let data = poll(&mut t)
        .await
        .unwrap_or_else(|e| panic!("poll over TLS failed: {e}"));
    assert!(names(&data).contains(&name), "{name} not listed over TLS: {data:?}");

    // Two engines on two machines' sockets, one over TLS, in one table.
    let local_name = format!("od-local-{}", std::process::id());
    common::docker_cli(&["create", "--name", &local_name, &common::test_image()]);
    let both = config(&format!(
        "[[docker]]\nname = \"local\"\nurl = \"{}\"\n{}",
        common::docker_host(),
        tls_toml(port, &ca_pem, &cert, &key)
    ));
    let targets = backends::targets(&both);
    let mut state = new_state(&targets);
    opsdeck::cli::snapshot::poll_all(&mut state, targets).await;
    let theme = opsdeck::config::theme::Theme::load(None, None, opsdeck::config::theme::ColorSupport::TrueColor)
        .expect("theme");
    let screen = opsdeck::cli::snapshot::render_text(&state, &theme, Some(opsdeck::app::PaneId::Services), 160, 40)
        .expect("render");
    common::docker_cli(&["rm", "-f", &local_name]);
    // The last column names the engine.
    let engine_of = |container: &str| {
        screen
            .lines()
            .find(|l| l.contains(container))
            .and_then(|l| l.trim_end_matches(['┃', ' ']).split_whitespace().last())
            .map(String::from)
    };
    assert_eq!(engine_of(&name).as_deref(), Some("tls"), "{screen}");
    assert_eq!(engine_of(&local_name).as_deref(), Some("local"), "{screen}");

    // A client certificate from another CA: the daemon refuses us, and says so.
    let err = poll(&mut one_target(&tls_toml(port, &ca_pem, &rogue_cert, &rogue_key)))
        .await
        .expect_err("a client certificate from another CA must be refused");
    assert!(
        err.starts_with("the daemon refused our client certificate"),
        "unhelpful error: {err}"
    );
    eprintln!("client certificate from another CA: {err}");
    // hyper can lose that refusal (TLS 1.3 sends it after the handshake); the
    // probe that then asks again hears it every time, and hears none for the
    // right certificate.
    let files = |cert: &Path, key: &Path| opsdeck::backends::docker::connect::TlsFiles {
        ca: ca_pem.clone(),
        cert: cert.to_path_buf(),
        key: key.to_path_buf(),
    };
    let addr = format!("127.0.0.1:{port}");
    let wait = std::time::Duration::from_secs(3);
    for _ in 0..5 {
        let alert = opsdeck::backends::docker::tls_probe::refusal(&addr, &files(&rogue_cert, &rogue_key), wait).await;
        assert_eq!(alert, Some(rustls::AlertDescription::BadCertificate));
    }
    let alert = opsdeck::backends::docker::tls_probe::refusal(&addr, &files(&cert, &key), wait).await;
    assert_eq!(alert, None, "the daemon accepts our own certificate");

    // We do not trust the daemon's certificate.
    let err = poll(&mut one_target(&tls_toml(port, &rogue_ca_pem, &rogue_cert, &rogue_key)))
        .await
        .expect_err("a daemon certificate from an unknown CA must be refused");
    assert_eq!(
        err,
        "certificate verify failed: unknown CA (the daemon's certificate is not signed by tls_ca)"
    );

    // No TLS keys: plain HTTP to a TLS port.
    let err = poll(&mut one_target(&format!(
        "[[docker]]\nname = \"plain\"\nurl = \"tcp://127.0.0.1:{port}\"\ntimeout = \"5s\"\n"
    )))
    .await
    .expect_err("plain HTTP to the TLS port must fail");
    assert_eq!(
        err,
        "the daemon speaks TLS: use https:// (or tcp://) with tls_ca, tls_cert and tls_key"
    );
    drop(daemon);
}

// ------------------------------------------------------------- restart

fn new_state(targets: &[Target]) -> State {
    let identity = opsdeck::model::identity::Identity {
        operator: "alice".into(),
        host: "test".into(),
        ssh_client: None,
    };
    let mut s = State::new(identity, Arc::new(Keymap::default_keymap()), chrono::Utc::now());
    s.backends.targets = targets
        .iter()
        .map(|t| BackendStatus::new(t.id.clone(), t.interval, t.timeout))
        .collect();
    s
}

fn status<'a>(state: &'a State, name: &str) -> &'a BackendStatus {
    state
        .backends
        .targets
        .iter()
        .find(|b| b.id.name == name)
        .unwrap_or_else(|| panic!("no backend {name}"))
}

fn container_state(b: &BackendStatus, container: &str) -> Option<String> {
    b.docker()?
        .containers
        .iter()
        .find(|c| c.name == container)
        .map(|c| c.state.clone())
}

/// The app side: reports go through `update`, as the runtime sends them.
struct App {
    state: State,
    rx: tokio::sync::mpsc::Receiver<BackendReport>,
    /// When each backend last reported, and the gap to the report before.
    last: std::collections::HashMap<String, Instant>,
}

impl App {
    /// Feed reports into the state until `done` holds, or fail after `limit`.
    /// Returns the report that made it hold, with the time since that
    /// backend's report before it.
    async fn until(
        &mut self,
        what: &str,
        limit: Duration,
        done: impl Fn(&State, &BackendReport) -> bool,
    ) -> (BackendReport, Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let report = match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(r)) => r,
                Ok(None) => panic!("backend channel closed while waiting for: {what}"),
                Err(_) => panic!(
                    "not within {limit:?}: {what}; backends: {:#?}",
                    self.state
                        .backends
                        .targets
                        .iter()
                        .map(|b| (b.id.to_string(), b.freshness(chrono::Utc::now()), b.last_error.clone()))
                        .collect::<Vec<_>>()
                ),
            };
            let now = Instant::now();
            let gap = self
                .last
                .insert(report.id.name.clone(), now)
                .map(|before| now - before)
                .unwrap_or(Duration::MAX);
            update(&mut self.state, Msg::Tick(chrono::Utc::now()));
            update(&mut self.state, Msg::Backend(report.clone()));
            if done(&self.state, &report) {
                return (report, gap);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dockerd_stopped_then_restarted_recovers_without_user_action() {
    let mut daemon = Dockerd::start(daemon_dir(), None).await;
    daemon.import_test_image();
    let name = format!("od-restart-{}", std::process::id());
    run_container(&daemon.client().await.expect("client"), &name, true).await;

    // Two targets on the same daemon. "fast" polls every second: it shows the
    // daemon going down and coming back by polling alone. "slow" polls every
    // 60 s: within 60 s of its last report only its events stream can make
    // it report (an event, or the follower's reconnect, wakes the poller),
    // so a change it reports sooner after the restart proves the events
    // follower reconnected by itself (it retries at most 5 s apart).
    let text = format!(
        "[[docker]]\nname = \"fast\"\nurl = \"{url}\"\ninterval = \"1s\"\ntimeout = \"1s\"\n\
         [[docker]]\nname = \"slow\"\nurl = \"{url}\"\ninterval = \"60s\"\ntimeout = \"2s\"\n",
        url = daemon.url()
    );
    let targets = backends::targets(&config(&text));
    let slow_interval = targets[1].interval;
    let state = new_state(&targets);
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let _tasks = AbortOnDrop(backends::spawn_all(targets, tx));
    let mut app = App {
        state,
        rx,
        last: Default::default(),
    };
    let running = |s: &State, b: &str| container_state(status(s, b), &name).as_deref() == Some("running");
    app.until("fast lists the container running", Duration::from_secs(15), |s, _| {
        running(s, "fast")
    })
    .await;

    // The daemon goes away: fast is Down with a reason, the rows stay.
    daemon.stop().await;
    let stopped = Instant::now();
    let exited = chrono::Utc::now();
    app.until(
        "fast is down after dockerd stopped",
        Duration::from_secs(1 + 1 + 5),
        |s, _| status(s, "fast").freshness(s.shell.now) == Freshness::Down,
    )
    .await;
    let fast = status(&app.state, "fast");
    let err = &fast.last_error.as_ref().expect("an error is kept").1;
    assert!(!err.is_empty() && !err.contains('\n'), "{err:?}");
    assert!(
        container_state(fast, &name).is_some(),
        "the last rows are kept while down: {:?}",
        fast.data
    );
    // dockerd closes its socket before it has stopped the containers, so
    // some of those failures may be from its way down. Keep it down for two
    // more failed polls after it has exited (1 to 4 s of backoff each), so the
    // pollers and the events followers have tried and failed to reconnect;
    // those come from a fresh connect, which says what is wrong.
    for n in 1..=2 {
        app.until(
            &format!("fast fails {n} times after dockerd exited"),
            Duration::from_secs(10),
            |s, r| {
                r.id.name == "fast"
                    && r.at > exited
                    && r.result.is_err()
                    && status(s, "fast").freshness(s.shell.now) == Freshness::Down
            },
        )
        .await;
    }
    let err = status(&app.state, "fast").last_error.clone().expect("error").1;
    let gone = format!("socket {} not found (is dockerd running?)", daemon.sock().display());
    assert!(
        err == gone || err == "connection refused",
        "unhelpful error while dockerd is down: {err}"
    );

    // Those can come within a second (follow-up polls after the containers'
    // stop events): stay down at least 3 s all the same, so the events
    // followers (first retry 1 s after their stream ended) fail to reconnect
    // at least once.
    tokio::time::sleep(Duration::from_secs(3).saturating_sub(stopped.elapsed())).await;

    // The daemon comes back: fast reports well again, nobody touched anything.
    daemon.spawn().await;
    let down_for = stopped.elapsed();
    // Backoff is at most four intervals, plus a timeout and the settling of events.
    app.until("fast recovers", Duration::from_secs(4 + 1 + 5), |s, r| {
        r.id.name == "fast" && r.result.is_ok() && status(s, "fast").freshness(s.shell.now) == Freshness::Ok
    })
    .await;
    assert!(
        container_state(status(&app.state, "fast"), &name).is_some(),
        "{name} listed again after the restart"
    );

    // dockerd stopped the container on its way down; start it from outside.
    // slow must report it running sooner than its 60 s timer could have made
    // it poll: through the events stream, reconnected after its backoff.
    let d = daemon.client().await.expect("client after restart");
    d.start_container(&name, None::<StartContainerOptions<String>>)
        .await
        .expect("start the container again");
    let acted = Instant::now();
    let (_, gap) = app
        .until(
            "slow reports the container running after the restart",
            slow_interval + Duration::from_secs(15),
            |s, r| r.id.name == "slow" && running(s, "slow"),
        )
        .await;
    assert!(
        acted.elapsed() < Duration::from_secs(8),
        "the events follower retries at most 5 s apart: seen {:?} after the start",
        acted.elapsed()
    );
    assert!(
        gap < slow_interval,
        "slow saw the container running only at a timed poll ({gap:?} after its report before): \
         the events stream did not come back (dockerd was down {down_for:?})"
    );
    eprintln!(
        "dockerd down for {down_for:?}; slow saw the restart-after-recovery {:?} after it, {gap:?} after its previous report",
        acted.elapsed()
    );
}

/// The backend actors and events followers, stopped however the test ends.
struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

// ------------------------------------------------------ one host down

/// Two Docker hosts, one of them a socket that accepts and never answers:
/// the good one (the shared dockerd of run.sh, only read here) keeps
/// reporting on its own interval while the other times out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_hanging_docker_host_does_not_hold_up_the_other() {
    let dir = daemon_dir();
    let sock = dir.path().join("hang.sock");
    let listener = tokio::net::UnixListener::bind(&sock).expect("bind the hanging socket");
    let hang = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let text = format!(
        "[[docker]]\nname = \"hung\"\nurl = \"unix://{}\"\ninterval = \"1s\"\ntimeout = \"3s\"\n\
         [[docker]]\nname = \"good\"\nurl = \"{}\"\ninterval = \"1s\"\ntimeout = \"3s\"\n",
        sock.display(),
        common::docker_host()
    );
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let _tasks = AbortOnDrop(backends::spawn_all(backends::targets(&config(&text)), tx));
    // In the time the hung host takes to fail once (its 3 s timeout), the
    // good one has answered on its 1 s interval several times.
    let (mut good_ok, mut hung_err) = (0, None);
    let deadline = Instant::now() + Duration::from_secs(10);
    while good_ok < 3 || hung_err.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        let r = match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some(r)) => r,
            _ => panic!("within 10 s: good answered {good_ok} times, hung failed: {hung_err:?}"),
        };
        match (r.id.name.as_str(), r.result) {
            ("good", Ok(_)) => good_ok += 1,
            ("good", Err(e)) => panic!("the good host failed: {e}"),
            ("hung", Err(e)) => {
                if hung_err.is_none() {
                    // Its first failure: the good host has answered meanwhile.
                    assert!(
                        good_ok >= 2,
                        "good answered {good_ok} times while hung took its timeout"
                    );
                }
                hung_err = Some(e);
            }
            ("hung", Ok(d)) => panic!("a socket that never answers listed something: {d:?}"),
            (other, _) => panic!("unexpected backend {other}"),
        }
    }
    assert_eq!(hung_err.as_deref(), Some("no answer within 3s"));
    hang.abort();
}
