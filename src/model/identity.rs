//! Who is at the keyboard and where from: stamped on every audit entry.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub operator: String,
    pub host: String,
    /// Client address from `SSH_CONNECTION` (or `SSH_CLIENT`), when over SSH.
    pub ssh_client: Option<String>,
}

impl Identity {
    /// Operator: config, then `$OPSDECK_OPERATOR`, then the login name.
    pub fn detect(configured: Option<&str>) -> Self {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let operator = configured
            .map(str::to_string)
            .or_else(|| env("OPSDECK_OPERATOR"))
            .or_else(|| env("USER"))
            .or_else(|| env("LOGNAME"))
            .or_else(login_name)
            .unwrap_or_else(|| "unknown".to_string());
        let host = gethostname::gethostname().to_string_lossy().into_owned();
        let ssh_client = env("SSH_CONNECTION")
            .or_else(|| env("SSH_CLIENT"))
            .and_then(|v| v.split_whitespace().next().map(str::to_string));
        Self {
            operator,
            host,
            ssh_client,
        }
    }
}

/// The account name of this process's uid, for sessions without `$USER`
/// (cron, `su -c`, some container shells).
fn login_name() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid).then(|| name.to_string())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn login_name_of_this_process_is_found() {
        // Every test machine has an /etc/passwd entry for the user running tests.
        let name = super::login_name().unwrap_or_default();
        assert!(!name.is_empty());
    }
}
