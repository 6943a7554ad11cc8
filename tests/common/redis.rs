//! Redis for the tests: the run's server (tests/run.sh), redis-cli against
//! it from the test (opsdeck itself never writes to Redis), and servers a
//! test starts and stops itself (a replica, one to stop), killed on drop
//! however the test ends.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// "127.0.0.1:PORT" of a `redis://` URL.
pub fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest).to_string()
}

/// redis-cli against `addr` ("127.0.0.1:PORT") with `password`; a failure
/// fails the test with what redis-cli said. The password goes by the
/// environment, as redis-cli reads it, not on the command line.
pub fn cli(addr: &str, password: &str, args: &[&str]) -> String {
    let (host, port) = addr.rsplit_once(':').expect("host:port");
    let out = Command::new("redis-cli")
        .args(["-h", host, "-p", port])
        .args(args)
        .env("REDISCLI_AUTH", password)
        .output()
        .expect("redis-cli (tests/run.sh installs redis-tools)");
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        out.status.success() && !text.starts_with("ERR") && !text.starts_with("(error)"),
        "redis-cli {args:?}: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// A field of INFO as redis-cli prints it.
pub fn info_field(addr: &str, password: &str, field: &str) -> Option<String> {
    cli(addr, password, &["INFO"])
        .lines()
        .find_map(|l| l.trim_end().strip_prefix(&format!("{field}:")).map(str::to_string))
}

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A redis-server of the test's own, on a free loopback port, no
/// persistence, with a password; killed when dropped.
pub struct OwnRedis {
    pub port: u16,
    pub password: String,
    child: Option<Child>,
    dir: tempfile::TempDir,
    extra: Vec<String>,
}

impl OwnRedis {
    pub fn start(password: &str, extra: &[&str]) -> Self {
        let mut r = Self {
            port: free_port(),
            password: password.to_string(),
            child: None,
            dir: tempfile::tempdir().expect("tempdir"),
            extra: extra.iter().map(|s| s.to_string()).collect(),
        };
        r.spawn();
        r
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let port = self.port.to_string();
        let dir = self.dir.path().display().to_string();
        let child = Command::new("redis-server")
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                &port,
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .args(["--dir", &dir, "--requirepass", &self.password, "--daemonize", "no"])
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (tests/run.sh installs it)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ok = Command::new("redis-cli")
                .args(["-h", "127.0.0.1", "-p", &port, "ping"])
                .env("REDISCLI_AUTH", &self.password)
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "PONG");
            if ok {
                return;
            }
            assert!(Instant::now() < deadline, "redis-server on port {port} did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stop it as a crash would (SIGKILL): nothing listens on its port.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Start it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
