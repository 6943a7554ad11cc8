//! `[[redis]]`: a Redis server watched with PING and INFO, its password by
//! reference, its thresholds, and what makes one wrong.

use super::duration::de_duration;
use super::secret::{ConfigUrl, SecretRef};
use super::{Config, FileError};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisConfig {
    pub name: String,
    /// `redis://host:6379[/db]` or `rediss://` (TLS). A user may be named
    /// (`redis://user@host`); the password never: `password_env` or
    /// `password_file`.
    pub url: ConfigUrl,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    #[serde(default = "super::defaults::timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
    #[serde(default = "default_interval", deserialize_with = "de_duration")]
    pub interval: Duration,
    /// The environment this target is in (`[env.NAME]`): its badge.
    #[serde(default)]
    pub env: Option<String>,
    /// Used memory, percent of `maxmemory`, from which it is a warning.
    #[serde(default = "default_memory_warn_pct")]
    pub memory_warn_pct: f64,
    /// More blocked clients (BLPOP and the like) than this is a warning.
    #[serde(default)]
    pub blocked_clients_warn: u64,
    /// The last RDB save may be this old (judged only on a server that saves).
    #[serde(default = "default_save_max_age", deserialize_with = "de_duration")]
    pub save_max_age: Duration,
}

fn default_interval() -> Duration {
    Duration::from_secs(5)
}
fn default_memory_warn_pct() -> f64 {
    90.0
}
fn default_save_max_age() -> Duration {
    Duration::from_secs(2 * 3600)
}

impl RedisConfig {
    pub fn password(&self) -> SecretRef {
        SecretRef {
            env: self.password_env.clone(),
            file: self.password_file.clone(),
        }
    }
}

/// The `[[redis]]` tables' problems: names, URLs, passwords, thresholds.
pub(super) fn validate(config: &Config, text: &str, file: &Path) -> Result<(), FileError> {
    let err = |needle: &str, key: &str, msg: String| Err(FileError::new(file, msg).with_key(key).locate(text, needle));
    let mut seen = std::collections::HashSet::new();
    for r in &config.redis {
        if r.name.trim().is_empty() {
            return err("name", "name", "[[redis]] name must not be empty".into());
        }
        if !seen.insert(r.name.as_str()) {
            return err(
                &format!("\"{}\"", r.name),
                "name",
                format!("[[redis]] name {:?} is used twice; names must be unique", r.name),
            );
        }
        if let Some(env) = r.env.as_ref().filter(|e| !config.env.contains_key(*e)) {
            return err(
                &format!("\"{env}\""),
                "env",
                format!("env {env:?} is not defined: add an [env.{env}] table (it may be empty)"),
            );
        }
        let url = r.url.as_written();
        if !url.starts_with("redis://") && !url.starts_with("rediss://") {
            return err(
                url,
                "url",
                format!("[[redis]] {:?}: url must start with redis:// or rediss://", r.name),
            );
        }
        // `redis://:pw@host` has an empty user: a password all the same.
        if r.url.has_literal_password() || has_bare_password(url) {
            return err(
                url,
                "url",
                format!(
                    "[[redis]] {:?}: a password is written in the URL; reference it with password_env or password_file",
                    r.name
                ),
            );
        }
        if r.password_env.is_some() && r.password_file.is_some() {
            return err(
                "password_file",
                "password_file",
                format!("[[redis]] {:?}: set password_env or password_file, not both", r.name),
            );
        }
        if !(0.0..=100.0).contains(&r.memory_warn_pct) {
            return err(
                "memory_warn_pct",
                "memory_warn_pct",
                format!("[[redis]] {:?}: memory_warn_pct must be between 0 and 100", r.name),
            );
        }
        if r.timeout.is_zero() || r.interval.is_zero() {
            return err(
                &r.name,
                "timeout",
                format!("[[redis]] {:?}: timeout and interval must be more than zero", r.name),
            );
        }
    }
    Ok(())
}

/// A `${VAR}` in the password place of `redis://:${VAR}@host` is still a
/// password in the URL, shown wherever the URL is: passwords go by reference.
fn has_bare_password(url: &str) -> bool {
    let rest = url.split_once("://").map_or("", |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.split_once(':').is_some_and(|(_, pw)| !pw.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("t.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn a_redis_table_reads_with_defaults() {
        let c = parse("[[redis]]\nname = \"cache\"\nurl = \"redis://127.0.0.1:6379\"\npassword_env = \"RPW\"\n")
            .expect("config");
        let r = &c.redis[0];
        assert_eq!(r.interval, Duration::from_secs(5));
        assert_eq!(r.memory_warn_pct, 90.0);
        assert_eq!(r.password().env.as_deref(), Some("RPW"));
    }

    #[test]
    fn mistakes_name_the_line() {
        let bad = [
            ("[[redis]]\nname = \"c\"\nurl = \"http://h:6379\"\n", "redis://"),
            (
                "[[redis]]\nname = \"c\"\nurl = \"redis://:hunter2@h:6379\"\n",
                "password",
            ),
            ("[[redis]]\nname = \"c\"\nurl = \"redis://:${PW}@h:6379\"\n", "password"),
            (
                "[[redis]]\nname = \"c\"\nurl = \"redis://h\"\nmemory_warn_pct = 150\n",
                "memory_warn_pct",
            ),
            (
                "[[redis]]\nname = \"c\"\nurl = \"redis://h\"\n[[redis]]\nname = \"c\"\nurl = \"redis://h\"\n",
                "twice",
            ),
        ];
        for (text, says) in bad {
            let e = parse(text).expect_err(text);
            assert!(e.contains(says) && e.contains("t.toml:"), "{text}: {e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
    }
}
