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
