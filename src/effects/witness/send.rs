//! Handing one checkpoint to one witness: a line appended to a file, a
//! datagram to the syslog socket, a JSON POST. Each bounded in time by the
//! caller; each error in plain words.

use crate::config::Witness;
use crate::model::checkpoint::Checkpoint;
use std::path::Path;
use std::time::Duration;

/// How long an HTTP witness has to take a checkpoint.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(3);

pub async fn send(witness: &Witness, c: &Checkpoint, http: &reqwest::Client) -> Result<(), String> {
    match witness {
        Witness::File(path) => append(path, &c.to_line()).await,
        Witness::Syslog(socket) => syslog(socket, &c.to_line()).await,
        Witness::Http(url) => post(http, url, c).await,
        Witness::Team(url) => crate::store::witness_db::publish(url, &c.to_line()).await,
    }
}

/// One write of the whole line, opened for appending: lines of several
/// opsdecks on one host do not interleave.
async fn append(path: &Path, line: &str) -> Result<(), String> {
    use tokio::io::AsyncWriteExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .await
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    file.write_all(format!("{line}\n").as_bytes())
        .await
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.sync_data()
        .await
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The local syslog protocol: one datagram, `<PRI>TAG[PID]: MESSAGE`; the
/// daemon adds the time and host. authpriv.info: where security records go,
/// readable by root only on most systems.
async fn syslog(socket: &Path, line: &str) -> Result<(), String> {
    const AUTHPRIV_INFO: u8 = 10 * 8 + 6;
    let msg = format!(
        "<{AUTHPRIV_INFO}>opsdeck[{}]: audit checkpoint {line}",
        std::process::id()
    );
    let sock = tokio::net::UnixDatagram::unbound().map_err(|e| format!("syslog: {e}"))?;
    sock.send_to(msg.as_bytes(), socket)
        .await
        .map(|_| ())
        .map_err(|e| format!("cannot reach syslog at {}: {e}", socket.display()))
}

async fn post(http: &reqwest::Client, url: &str, c: &Checkpoint) -> Result<(), String> {
    let answer = http
        .post(url)
        .json(c)
        .send()
        .await
        .map_err(|e| crate::text::error_chain(&e.without_url()))?;
    let status = answer.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("answered {status}"))
    }
}
