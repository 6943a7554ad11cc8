//! PostgreSQL through a jump host (`ssh_tunnel = "user@bastion[:port]"`).
//!
//! A relay listens on a unix socket in a private directory (mode 0700, no
//! port opened on this machine for anyone else to use); every connection
//! opsdeck makes to it is carried by its own `ssh -W host:port` through the
//! bastion, which ends with the connection. The system ssh is used as the
//! operator uses it (config, agent, known_hosts), with `BatchMode=yes` so it
//! never prompts. An ssh whose pipes close (opsdeck gone, even killed) ends:
//! no tunnel outlives opsdeck.

use crate::backends::ssh::LastWords;
use crate::config::docker_endpoint::SshDestination;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::net::UnixListener;

/// One relay per (bastion, server host, server port).
type Key = (String, Option<u16>, String, u16);

struct Relay {
    dir: PathBuf,
    /// The last line an ssh of this relay wrote on stderr.
    said: LastWords,
}

fn relays() -> &'static Mutex<HashMap<Key, Arc<Relay>>> {
    static RELAYS: OnceLock<Mutex<HashMap<Key, Arc<Relay>>>> = OnceLock::new();
    RELAYS.get_or_init(Default::default)
}

/// The socket directory to connect to for `host:port` behind `bastion`
/// (PostgreSQL's `.s.PGSQL.PORT` is in it), the relay started on first use.
pub fn socket_dir(bastion: &SshDestination, host: &str, port: u16, timeout_secs: u64) -> Result<PathBuf, String> {
    let key = (bastion.destination.clone(), bastion.port, host.to_string(), port);
    let mut all = relays()
        .lock()
        .map_err(|_| "the tunnel table is unusable".to_string())?;
    if let Some(r) = all.get(&key) {
        return Ok(r.dir.clone());
    }
    let relay = start(bastion, host, port, timeout_secs)?;
    let dir = relay.dir.clone();
    all.insert(key, Arc::new(relay));
    Ok(dir)
}

/// What ssh last said for the relay in `dir`: the reason a connection
/// through it failed ("Permission denied (publickey).").
pub fn last_words(dir: &Path) -> Option<String> {
    let all = relays().lock().ok()?;
    let relay = all.values().find(|r| r.dir == dir)?;
    let words = relay.said.lock().ok()?.clone();
    words
}

/// Remove the relays' directories (at exit; their sockets go with them).
pub fn close_all() {
    if let Ok(mut all) = relays().lock() {
        for (_, r) in all.drain() {
            let _ = std::fs::remove_dir_all(&r.dir);
        }
    }
}

/// Where the relays' directories go: the user's runtime directory (a tmpfs
/// of their own) when there is one, else the temporary directory.
fn base_dir() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_dir())
        .unwrap_or_else(std::env::temp_dir)
}

fn start(bastion: &SshDestination, host: &str, port: u16, timeout_secs: u64) -> Result<Relay, String> {
    use std::os::unix::fs::DirBuilderExt;
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = base_dir().join(format!("opsdeck-pg-{}-{n}", std::process::id()));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .map_err(|e| format!("ssh_tunnel: cannot make {}: {e}", dir.display()))?;
    let listener = UnixListener::bind(dir.join(format!(".s.PGSQL.{port}")))
        .map_err(|e| format!("ssh_tunnel: cannot listen in {}: {e}", dir.display()))?;
    let said: LastWords = Default::default();
    let forward = format!("{host}:{port}");
    let args = Arc::new(crate::backends::ssh::args(
        bastion,
        timeout_secs,
        &["-o", "ExitOnForwardFailure=yes", "-W", &forward],
        &[],
    ));
    tokio::spawn(relay(listener, args, said.clone()));
    Ok(Relay { dir, said })
}

async fn relay(listener: UnixListener, args: Arc<Vec<String>>, said: LastWords) {
    while let Ok((conn, _)) = listener.accept().await {
        tokio::spawn(carry(conn, args.clone(), said.clone()));
    }
}

/// One connection, carried by one ssh until either side ends.
async fn carry(mut conn: tokio::net::UnixStream, args: Arc<Vec<String>>, said: LastWords) {
    let child = tokio::process::Command::new("ssh")
        .args(args.iter())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            if let Ok(mut s) = said.lock() {
                *s = Some(format!("cannot run ssh: {e}"));
            }
            return;
        }
    };
    let (Some(stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return;
    };
    let words = tokio::spawn(crate::backends::ssh::keep_last_words(stderr, said));
    let mut ssh = tokio::io::join(stdout, stdin);
    let _ = tokio::io::copy_bidirectional(&mut conn, &mut ssh).await;
    drop(ssh);
    let _ = child.wait().await;
    let _ = words.await;
}
