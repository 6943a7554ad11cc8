//! A `[[docker]]` target: the socket's permissions (a unix socket), the
//! connection and API version (which a TLS client certificate must pass),
//! and the daemon's clock (`/info` SystemTime).

use super::{bounded, clock, Finding};
use crate::backends::docker::connect::{connect, endpoint, Endpoint};
use crate::config::DockerConfig;
use std::path::Path;

pub async fn check(cfg: &DockerConfig) -> Vec<Finding> {
    let subject = format!("docker {:?}", cfg.name);
    let shown = cfg.url.to_string();
    let url = match cfg.url.expand() {
        Ok(u) => u,
        Err(e) => return vec![Finding::fail(&subject, e, "set the variable the url names")],
    };
    if let Ok(Endpoint::Unix(path)) = endpoint(url.expose(), cfg) {
        if let Some(problem) = socket(&subject, Path::new(&path)) {
            return vec![problem];
        }
    }
    let secs = cfg.timeout.as_secs().max(1);
    let client = match bounded(cfg.timeout, connect(cfg, secs)).await {
        Ok(c) => c,
        Err(e) => {
            return vec![Finding::fail(
                &subject,
                format!("not reachable at {shown}: {e}"),
                "check the url and that dockerd runs and listens there",
            )]
        }
    };
    let before = chrono::Utc::now();
    let info = bounded(cfg.timeout, async {
        client
            .info()
            .await
            .map_err(|e| crate::backends::docker::connect::explain(&e))
    })
    .await;
    let after = chrono::Utc::now();
    let info = match info {
        Ok(i) => i,
        Err(e) => {
            return vec![Finding::fail(
                &subject,
                format!("connected to {shown}, but /info failed: {e}"),
                "check the daemon's log",
            )]
        }
    };
    let version = info
        .server_version
        .clone()
        .map(crate::text::clean::line)
        .unwrap_or_default();
    let mut out = vec![Finding::ok(
        &subject,
        format!(
            "reachable at {shown}, Docker {version}, API {}",
            client.client_version()
        ),
    )];
    let server_time = info
        .system_time
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    match server_time {
        Some(t) => out.push(clock(&subject, t.to_utc(), before, after, std::time::Duration::ZERO)),
        None => out.push(Finding::info(
            &subject,
            "the daemon did not say its time: clock not compared",
        )),
    }
    out
}

/// What stops this user from using the socket at `path`, named with the fix.
fn socket(subject: &str, path: &Path) -> Option<Finding> {
    use rustix::fs::{access, Access};
    if !path.exists() {
        // Without permission to look into its directory, a socket that is
        // there looks missing: ask the directory first.
        let dir_denied = path
            .parent()
            .is_some_and(|d| access(d, Access::EXEC_OK).is_err_and(|e| e == rustix::io::Errno::ACCESS));
        if !dir_denied {
            return Some(Finding::fail(
                subject,
                format!("socket {} not found", path.display()),
                "start dockerd (systemctl start docker), or correct the url",
            ));
        }
    }
    match access(path, Access::READ_OK | Access::WRITE_OK) {
        Ok(()) => None,
        Err(e) if e == rustix::io::Errno::ACCESS || e == rustix::io::Errno::PERM => Some(Finding::fail(
            subject,
            format!("cannot read and write the socket {}: permission denied", path.display()),
            "add yourself to the docker group (sudo usermod -aG docker $USER, then log in again), \
             or have the socket's owner grant access",
        )),
        Err(e) => Some(Finding::fail(
            subject,
            format!("cannot use the socket {}: {e}", path.display()),
            "check the socket's path and permissions",
        )),
    }
}
