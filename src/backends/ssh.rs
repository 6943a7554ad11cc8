//! The system `ssh` as opsdeck runs it, for Docker hosts (`ssh://`) and
//! PostgreSQL behind a bastion (`ssh_tunnel`): the operator's own config,
//! agent and known_hosts; never a prompt; a silent link given up.

use crate::config::docker_endpoint::SshDestination;
use std::sync::{Arc, Mutex};

/// The last line an ssh wrote on stderr: the reason shown when a connection
/// through it fails ("Permission denied (publickey).").
pub type LastWords = Arc<Mutex<Option<String>>>;

/// `ssh` options, then `extra` options, then `--` and the destination (so it
/// can never be read as an option), then the far command if any.
pub fn args(dest: &SshDestination, connect_timeout_secs: u64, extra: &[&str], command: &[&str]) -> Vec<String> {
    let timeout = format!("ConnectTimeout={}", connect_timeout_secs.max(1));
    let mut args: Vec<String> = [
        // Nothing may prompt inside the TUI: no password, no unknown host key.
        "-o",
        "BatchMode=yes",
        "-o",
        &timeout,
        // A silent link is given up after 3 × 5 s.
        "-o",
        "ServerAliveInterval=5",
        "-o",
        "ServerAliveCountMax=3",
        // A pipe for our bytes only: no agent or X11 forwarding.
        "-a",
        "-x",
    ]
    .into_iter()
    .chain(extra.iter().copied())
    .map(String::from)
    .collect();
    if let Some(port) = dest.port {
        args.extend(["-p".to_string(), port.to_string()]);
    }
    args.push("--".into());
    args.push(dest.destination.clone());
    args.extend(command.iter().map(|c| c.to_string()));
    args
}

/// Read an ssh's stderr to its end, keeping its last line (made safe to
/// show) in `said`.
pub async fn keep_last_words(stderr: tokio::process::ChildStderr, said: LastWords) {
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let line = crate::text::clean::line(line.trim().to_string());
        if line.is_empty() {
            continue;
        }
        if let Ok(mut s) = said.lock() {
            *s = Some(line);
        }
    }
}

/// `words` as an error line that says it is ssh's.
pub fn in_its_words(words: String) -> String {
    match words.starts_with("ssh:") {
        true => words,
        false => format!("ssh: {words}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_destination_follows_the_end_of_options() {
        let dest = SshDestination {
            destination: "ops@db-1".into(),
            port: Some(2222),
        };
        let a = args(&dest, 3, &["-W", "db:5432"], &["docker", "version"]);
        let end = a.iter().position(|x| x == "--").expect("--");
        assert_eq!(a[end + 1..], ["ops@db-1", "docker", "version"]);
        let opts = &a[..end];
        for pair in [
            ["-o", "BatchMode=yes"],
            ["-p", "2222"],
            ["-o", "ConnectTimeout=3"],
            ["-W", "db:5432"],
        ] {
            assert!(opts.windows(2).any(|w| w == pair), "{pair:?} in {opts:?}");
        }
    }
}
