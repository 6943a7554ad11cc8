//! `[audit]`: where the audit chain's checkpoints are published (witnesses
//! the store's writer cannot rewrite), how often, and the key that signs them.

use super::duration::de_duration;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// `"syslog"`, `"syslog:/path/to/socket"`, `"file:/path"`,
    /// `"http(s)://…"` (POST JSON).
    pub witnesses: Vec<Witness>,
    /// A checkpoint after this many entries (0: only at session open and close).
    pub checkpoint_every: u64,
    /// And when the head moved and this long has passed since the last one.
    #[serde(deserialize_with = "de_duration")]
    pub checkpoint_interval: Duration,
    /// ed25519 key (`opsdeck audit keygen`) that signs each checkpoint;
    /// readable by its owner only.
    pub signing_key_file: Option<PathBuf>,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            witnesses: Vec::new(),
            checkpoint_every: 100,
            checkpoint_interval: Duration::from_secs(15 * 60),
            signing_key_file: None,
        }
    }
}

/// One place checkpoints go.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Witness {
    /// The local syslog socket (`/dev/log` unless a path is given).
    Syslog(PathBuf),
    /// A file appended to, one JSON line per checkpoint.
    File(PathBuf),
    /// An HTTP(S) endpoint that takes each checkpoint as a JSON POST.
    Http(String),
    /// A PostgreSQL database (a team store's server, say) the file store's
    /// writer cannot reach: one row per checkpoint.
    Team(super::ConfigUrl),
}

impl TryFrom<String> for Witness {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        if s == "syslog" {
            return Ok(Witness::Syslog("/dev/log".into()));
        }
        if let Some(path) = s.strip_prefix("syslog:") {
            return Ok(Witness::Syslog(super::expand_home(std::path::Path::new(path))));
        }
        if let Some(path) = s.strip_prefix("file:").filter(|p| !p.is_empty()) {
            return Ok(Witness::File(super::expand_home(std::path::Path::new(path))));
        }
        if s.starts_with("http://") || s.starts_with("https://") {
            return Ok(Witness::Http(s));
        }
        if super::is_team_url(&s) {
            let url = super::ConfigUrl::new(s);
            if url.has_literal_password() {
                return Err(format!(
                    "witness {url}: the password goes by reference, as postgres://user:${{VAR}}@host/db"
                ));
            }
            return Ok(Witness::Team(url));
        }
        // Shown as a URL is: a password in it is not repeated.
        Err(format!(
            "unknown witness {:?}: write \"syslog\", \"file:/path\", \"https://host/path\" or \"postgres://user:${{VAR}}@host/db\"",
            super::ConfigUrl::new(s).to_string()
        ))
    }
}

impl Witness {
    /// How messages name it; an HTTP witness without what follows the host
    /// (a token in a query or a path is not shown).
    pub fn shown(&self) -> String {
        match self {
            Witness::Syslog(p) => format!("syslog:{}", p.display()),
            Witness::File(p) => format!("file:{}", p.display()),
            Witness::Team(url) => url.to_string(),
            Witness::Http(url) => match reqwest::Url::parse(url) {
                Ok(u) => match u.port() {
                    Some(port) => format!("{}://{}:{port}", u.scheme(), u.host_str().unwrap_or("?")),
                    None => format!("{}://{}", u.scheme(), u.host_str().unwrap_or("?")),
                },
                Err(_) => "http witness".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn witnesses_are_read_from_their_words() {
        let text = "[audit]\nwitnesses = [\"syslog\", \"file:/var/log/w.log\", \"https://w.example/cp?token=x\"]\n";
        let c = crate::config::Config::parse(text, std::path::Path::new("t.toml")).expect("audit");
        assert_eq!(c.audit.witnesses[0], Witness::Syslog("/dev/log".into()));
        assert_eq!(c.audit.witnesses[1], Witness::File("/var/log/w.log".into()));
        assert_eq!(c.audit.witnesses[2].shown(), "https://w.example");
        assert_eq!(c.audit.checkpoint_every, 100);
        let bad = crate::config::Config::parse("[audit]\nwitnesses = [\"ftp://x\"]\n", std::path::Path::new("t.toml"));
        assert!(bad.is_err());
        let literal = "[audit]\nwitnesses = [\"postgres://w:hunter2@db/witness\"]\n";
        let err = crate::config::Config::parse(literal, std::path::Path::new("t.toml")).expect_err("literal password");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let by_ref = "[audit]\nwitnesses = [\"postgres://w:${W_PW}@db/witness\"]\n";
        let c = crate::config::Config::parse(by_ref, std::path::Path::new("t.toml")).expect("by reference");
        assert!(matches!(&c.audit.witnesses[0], Witness::Team(_)));
    }
}
