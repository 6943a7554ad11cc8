//! Secrets by reference. The config names where a secret lives (an environment
//! variable or a file); the value is read only when a backend connects, and the
//! types that hold it never print it.

use super::Config;
use crate::model::redact::{url_secrets, Redactor};
use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;

/// A resolved secret. No `Display`; `Debug` prints a mask.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The only way to the value: greppable, so every use can be reviewed.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(••••)")
    }
}

/// Where a password comes from: `password_env` or `password_file`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretRef {
    pub env: Option<String>,
    pub file: Option<PathBuf>,
}

impl SecretRef {
    pub fn is_set(&self) -> bool {
        self.env.is_some() || self.file.is_some()
    }

    /// Read the secret. Errors name the reference, never the value.
    pub fn resolve(&self) -> Result<Option<Secret>, String> {
        if let Some(name) = &self.env {
            return match std::env::var(name) {
                Ok(v) => Ok(Some(Secret(v))),
                Err(_) => Err(format!("environment variable {name} is not set")),
            };
        }
        if let Some(path) = &self.file {
            return match std::fs::read_to_string(path) {
                // A trailing newline from `echo pw > file` is not part of the password.
                Ok(v) => Ok(Some(Secret(v.trim_end_matches(['\n', '\r']).to_string()))),
                Err(e) => Err(format!("cannot read password file {}: {e}", path.display())),
            };
        }
        Ok(None)
    }
}

impl fmt::Debug for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.env, &self.file) {
            (Some(e), _) => write!(f, "SecretRef(env:{e})"),
            (None, Some(p)) => write!(f, "SecretRef(file:{})", p.display()),
            (None, None) => f.write_str("SecretRef(none)"),
        }
    }
}

/// A URL from the config. `${VAR}` is expanded from the environment when the
/// URL is used; a password written into the URL itself is rejected at load
/// time. `Debug` masks any password that expansion might have put there.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ConfigUrl(String);

impl ConfigUrl {
    pub fn new(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    /// The URL as written (with `${VAR}` unexpanded): safe to show.
    pub fn as_written(&self) -> &str {
        &self.0
    }

    /// Expand `${VAR}` references. The result may hold a secret: use it to
    /// connect, never to display.
    pub fn expand(&self) -> Result<Secret, String> {
        expand_vars(&self.0).map(Secret)
    }

    /// A literal password in the userinfo part (`user:pw@`) that is not a
    /// `${VAR}` reference.
    pub fn has_literal_password(&self) -> bool {
        userinfo_password(&self.0).is_some_and(|pw| !(pw.starts_with("${") && pw.ends_with('}')))
    }
}

impl fmt::Debug for ConfigUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", redact_url(&self.0))
    }
}

impl fmt::Display for ConfigUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_url(&self.0))
    }
}

impl Config {
    /// Every secret the config references that resolves now: passwords by
    /// reference (targets and the team store) and what `${VAR}` puts into a
    /// URL (a password, a token in the query). A reference that does not
    /// resolve (variable unset, file unreadable) holds nothing to hide; what
    /// needs it fails with its own message.
    pub fn secrets(&self) -> Vec<Secret> {
        let refs = self
            .postgres
            .iter()
            .map(|p| p.password())
            .chain([self.state.password()])
            .chain(self.redis.iter().map(|r| r.password()))
            .chain(self.prometheus.iter().flat_map(|p| [p.password(), p.bearer_token()]));
        let mut found: Vec<Secret> = refs.filter_map(|r| r.resolve().ok().flatten()).collect();
        let urls = self
            .docker
            .iter()
            .map(|d| &d.url)
            .chain(self.http.iter().map(|h| &h.url))
            .chain(self.postgres.iter().map(|p| &p.url))
            .chain(self.alertmanager.iter().map(|a| &a.url))
            .chain(self.state.url.iter())
            .chain(self.redis.iter().map(|r| &r.url))
            .chain(self.prometheus.iter().map(|p| &p.url));
        for url in urls {
            if let Ok(expanded) = url.expand() {
                found.extend(url_secrets(expanded.expose()).into_iter().map(Secret));
            }
        }
        // Escalation's routing keys, and what `${VAR}` puts into its URLs.
        found.extend(self.escalation.iter().filter_map(|e| e.routing_key()));
        for url in self
            .escalation
            .iter()
            .flat_map(|e| e.webhook.iter().chain(e.url.iter()))
        {
            if let Ok(expanded) = url.expand() {
                found.extend(url_secrets(expanded.expose()).into_iter().map(Secret));
            }
        }
        found
    }

    /// The one redactor for what is stored, sent or drawn, knowing the
    /// config's secrets.
    pub fn redactor(&self) -> Redactor {
        Redactor::new(self.secrets().iter().map(Secret::expose))
    }
}

fn userinfo_password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    userinfo.split_once(':').map(|(_, pw)| pw)
}

/// Replace the password in `scheme://user:pw@host` by `••••`.
pub fn redact_url(url: &str) -> String {
    match userinfo_password(url) {
        Some(pw) if !pw.is_empty() => url.replacen(&format!(":{pw}@"), ":••••@", 1),
        _ => url.to_string(),
    }
}

fn expand_vars(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| "unterminated ${ in URL".to_string())?;
        let name = &after[..end];
        let value = std::env::var(name).map_err(|_| format!("environment variable {name} is not set"))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_passwords_are_detected() {
        assert!(ConfigUrl::new("postgres://u:hunter2@h/db").has_literal_password());
        assert!(!ConfigUrl::new("postgres://u:${PW}@h/db").has_literal_password());
        assert!(!ConfigUrl::new("postgres://u@h/db").has_literal_password());
        assert!(!ConfigUrl::new("http://h:9093").has_literal_password());
    }

    #[test]
    fn debug_masks_password() {
        let u = ConfigUrl::new("postgres://u:hunter2@h/db");
        assert!(!format!("{u:?}").contains("hunter2"));
        assert!(!format!("{:?}", Secret::new("hunter2")).contains("hunter2"));
    }

    #[test]
    fn expands_env_references() {
        std::env::set_var("OPSDECK_TEST_EXPAND_PW", "s3cret");
        let u = ConfigUrl::new("postgres://u:${OPSDECK_TEST_EXPAND_PW}@h/db");
        assert_eq!(
            u.expand().map(|s| s.expose().to_string()).as_deref(),
            Ok("postgres://u:s3cret@h/db")
        );
        assert!(ConfigUrl::new("x://${OPSDECK_SURELY_UNSET_VAR}").expand().is_err());
    }

    #[test]
    fn secrets_of_the_config_are_found() {
        std::env::set_var("OPSDECK_TEST_REDACT_PW", "pg-pass-from-env");
        std::env::set_var("OPSDECK_TEST_REDACT_URL_PW", "url-pass-value");
        std::env::set_var("OPSDECK_TEST_REDACT_STATE_PW", "team-store-pw");
        let dir = tempfile::tempdir().expect("tempdir");
        let pw_file = dir.path().join("pw");
        std::fs::write(&pw_file, "pg-pass-from-file\n").expect("write");
        let text = format!(
            r#"
[state]
url = "postgres://opsdeck@db/opsdeck"
password_env = "OPSDECK_TEST_REDACT_STATE_PW"

[[postgres]]
name = "a"
url = "postgres://u@h/db"
password_env = "OPSDECK_TEST_REDACT_PW"

[[postgres]]
name = "b"
url = "postgres://u@h/db"
password_file = "{}"

[[alertmanager]]
name = "am"
url = "http://u:${{OPSDECK_TEST_REDACT_URL_PW}}@h:9093"
"#,
            pw_file.display()
        );
        let config = Config::parse(&text, std::path::Path::new("t.toml")).expect("config");
        let red = config.redactor();
        let out = red.redact("pg-pass-from-env / pg-pass-from-file / url-pass-value / team-store-pw");
        assert_eq!(out, "[redacted] / [redacted] / [redacted] / [redacted]");
    }
}
