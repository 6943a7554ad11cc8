//! `[[prometheus]]`: a Prometheus server read through its HTTP API (targets,
//! rules, the TSDB head) with named queries of its own (`[[prometheus.query]]`),
//! and what makes such a table wrong.

use super::defaults;
use super::duration::de_duration;
use super::secret::{ConfigUrl, SecretRef};
use super::{Config, FileError};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrometheusConfig {
    pub name: String,
    pub url: ConfigUrl,
    /// Basic auth: the user, with its password by reference.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// A bearer token by reference (instead of basic auth).
    #[serde(default)]
    pub bearer_token_env: Option<String>,
    #[serde(default)]
    pub bearer_token_file: Option<PathBuf>,
    #[serde(default = "defaults::timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
    #[serde(default = "prom_interval", deserialize_with = "de_duration")]
    pub interval: Duration,
    /// The environment this target is in (`[env.NAME]`): its badge.
    #[serde(default)]
    pub env: Option<String>,
    /// Named queries shown with their value and last hour.
    #[serde(default, rename = "query")]
    pub queries: Vec<PromQueryConfig>,
}

/// Every 15 s: Prometheus itself scrapes about that often.
fn prom_interval() -> Duration {
    Duration::from_secs(15)
}

/// `[[prometheus.query]]`: one PromQL expression, its unit and thresholds.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct PromQueryConfig {
    pub name: String,
    pub expr: String,
    /// Written after the value: "%", "s", "bytes", "req/s".
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub warn: Option<f64>,
    #[serde(default)]
    pub crit: Option<f64>,
    /// The thresholds are floors: a value under them is the breach.
    #[serde(default)]
    pub below: bool,
}

impl PrometheusConfig {
    pub fn password(&self) -> SecretRef {
        SecretRef {
            env: self.password_env.clone(),
            file: self.password_file.clone(),
        }
    }

    pub fn bearer_token(&self) -> SecretRef {
        SecretRef {
            env: self.bearer_token_env.clone(),
            file: self.bearer_token_file.clone(),
        }
    }
}

impl Config {
    /// What the types cannot say about `[[prometheus]]` tables: unique
    /// names, an http(s) URL without a written password, one way to log in,
    /// queries that are named, have an expression and thresholds in order.
    pub(super) fn validate_prometheus(&self, text: &str, file: &Path) -> Result<(), FileError> {
        let err =
            |needle: &str, key: &str, msg: String| Err(FileError::new(file, msg).with_key(key).locate(text, needle));
        let mut seen = HashSet::new();
        for p in &self.prometheus {
            let name = &p.name;
            if name.trim().is_empty() {
                return err("name", "name", "[[prometheus]] name must not be empty".into());
            }
            if !seen.insert(name.as_str()) {
                return err(
                    &format!("\"{name}\""),
                    "name",
                    format!("[[prometheus]] name {name:?} is used twice; names must be unique"),
                );
            }
            if let Some(env) = p.env.as_ref().filter(|e| !self.env.contains_key(*e)) {
                return err(
                    &format!("\"{env}\""),
                    "env",
                    format!("env {env:?} is not defined: add an [env.{env}] table (it may be empty)"),
                );
            }
            let url = p.url.as_written();
            if p.url.has_literal_password() {
                return err(
                    url,
                    "url",
                    "a password is written in the URL; reference it instead (password_env, password_file or ${VAR})"
                        .into(),
                );
            }
            if !url.starts_with("http://") && !url.starts_with("https://") {
                return err(url, "url", format!("url {url:?} must start with http:// or https://"));
            }
            let basic = p.username.is_some() || p.password().is_set();
            let bearer = p.bearer_token().is_set();
            if p.password_env.is_some() && p.password_file.is_some() {
                let msg = format!("[[prometheus]] {name:?}: set password_env or password_file, not both");
                return err("password_file", "password_file", msg);
            }
            if p.bearer_token_env.is_some() && p.bearer_token_file.is_some() {
                let msg = format!("[[prometheus]] {name:?}: set bearer_token_env or bearer_token_file, not both");
                return err("bearer_token_file", "bearer_token_file", msg);
            }
            if basic && bearer {
                let msg = format!("[[prometheus]] {name:?}: use basic auth (username) or a bearer token, not both");
                return err("bearer_token", "bearer_token_env", msg);
            }
            if basic && (p.username.is_none() || !p.password().is_set()) {
                let msg =
                    format!("[[prometheus]] {name:?}: basic auth needs username and password_env or password_file");
                return err("username", "username", msg);
            }
            let mut queries = HashSet::new();
            for q in &p.queries {
                let what = format!("[[prometheus]] {name:?} query {:?}", q.name);
                if q.name.trim().is_empty() {
                    return err("expr", "name", format!("[[prometheus]] {name:?}: a query needs a name"));
                }
                if !queries.insert(q.name.as_str()) {
                    return err(&format!("\"{}\"", q.name), "name", format!("{what} is named twice"));
                }
                if q.expr.trim().is_empty() {
                    return err(
                        &format!("\"{}\"", q.name),
                        "expr",
                        format!("{what}: expr must not be empty"),
                    );
                }
                if let (Some(w), Some(c)) = (q.warn, q.crit) {
                    let backwards = if q.below { c > w } else { c < w };
                    if backwards {
                        let order = if q.below { "at or under" } else { "at or over" };
                        return err(
                            &format!("\"{}\"", q.name),
                            "crit",
                            format!("{what}: crit {c} must be {order} warn {w}"),
                        );
                    }
                }
            }
        }
        Ok(())
    }
}
