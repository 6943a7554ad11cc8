//! A PostgreSQL cluster of a test's own, to stop and start at will (the
//! shared one from run.sh is never stopped).

use std::path::Path;

/// A PostgreSQL cluster of the test's own (the shared one from run.sh is
/// never stopped): initdb and pg_ctl as the postgres user, data and socket
/// in a temp dir, a free loopback port, trust auth on loopback only. Dropping
/// it stops the server (immediate) and removes the dir.
pub struct Cluster {
    dir: tempfile::TempDir,
    data: std::path::PathBuf,
    run: std::path::PathBuf,
    bin: std::path::PathBuf,
    pub port: u16,
}

pub fn pg_bin() -> std::path::PathBuf {
    let mut versions: Vec<(u32, std::path::PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL server binaries under /usr/lib/postgresql (tests/run.sh installs them)")
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, p)| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().expect("an initdb under /usr/lib/postgresql/*/bin").1
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// Run a PostgreSQL tool as the postgres user; panic with its output on failure.
fn as_postgres(bin: &Path, tool: &str, args: &[&str]) {
    let out = std::process::Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(bin.join(tool))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("runuser {tool}: {e} (the private-cluster tests run as root)"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Cluster {
    fn new_dir() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::Builder::new()
            .prefix("opsdeck-pg-")
            .tempdir()
            .expect("tempdir");
        let run = dir.path().join("run");
        std::fs::create_dir(&run).expect("socket dir");
        let st = std::process::Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status()
            .expect("chown");
        assert!(st.success(), "chown the cluster dir to postgres");
        (dir, run)
    }

    /// A fresh primary.
    pub fn primary() -> Cluster {
        let bin = pg_bin();
        let (dir, run) = Self::new_dir();
        let data = dir.path().join("data");
        let d = data.to_str().expect("utf-8 path");
        as_postgres(
            &bin,
            "initdb",
            &["-D", d, "-U", "postgres", "--auth-local=trust", "--auth-host=trust"],
        );
        let c = Cluster {
            dir,
            data,
            run,
            bin,
            port: free_port(),
        };
        c.start("");
        c
    }

    /// A streaming replica of `primary`, made with pg_basebackup -R.
    pub fn replica_of(primary: &Cluster) -> Cluster {
        Self::replica_with(primary, "")
    }

    /// A replica with extra server options.
    pub fn replica_with(primary: &Cluster, extra: &str) -> Cluster {
        let (dir, run) = Self::new_dir();
        let data = dir.path().join("data");
        let port = primary.port.to_string();
        let d = data.to_str().expect("utf-8 path");
        as_postgres(
            &primary.bin,
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-D",
                d,
                "-R",
                "-X",
                "stream",
            ],
        );
        let c = Cluster {
            dir,
            data,
            run,
            bin: primary.bin.clone(),
            port: free_port(),
        };
        c.start(&format!("-c cluster_name=opsdeck_replica {extra}"));
        c
    }

    pub fn start(&self, extra: &str) {
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -p {} -c unix_socket_directories={} -c fsync=off {extra}",
            self.port,
            self.run.display()
        );
        let log = self.dir.path().join("postgres.log");
        as_postgres(
            &self.bin,
            "pg_ctl",
            &[
                "-D",
                self.data.to_str().expect("utf-8 path"),
                "-l",
                log.to_str().expect("utf-8 path"),
                "-w",
                "-t",
                "60",
                "-o",
                &opts,
                "start",
            ],
        );
    }

    pub fn stop(&self) {
        as_postgres(
            &self.bin,
            "pg_ctl",
            &[
                "-D",
                self.data.to_str().expect("utf-8 path"),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.data.join("postmaster.pid").exists() {
            let _ = std::process::Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(&self.data)
                .args(["-m", "immediate", "-w", "stop"])
                .output();
        }
    }
}
