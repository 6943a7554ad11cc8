//! What opsdeck watches: `[[docker]]`, `[[http]]`, `[host]`, `[[postgres]]`
//! (with its `backup`) and `[[alertmanager]]`, with their thresholds and
//! polling intervals.

use super::defaults;
use super::duration::de_duration;
use super::secret::{ConfigUrl, SecretRef};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerConfig {
    pub name: String,
    /// `unix:///var/run/docker.sock` or `tcp://host:2376` / `https://host:2376`.
    pub url: ConfigUrl,
    /// TLS with a client certificate (`dockerd --tlsverify`): all three or
    /// none. A relative path is taken from the config file's directory.
    pub tls_ca: Option<PathBuf>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    #[serde(default = "defaults::docker_interval", deserialize_with = "de_duration")]
    pub interval: Duration,
    #[serde(default = "defaults::timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
    #[serde(default)]
    pub read_only: bool,
    /// The environment this target is in (`[env.NAME]`): its badge and
    /// read-only.
    #[serde(default)]
    pub env: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    pub name: String,
    pub url: ConfigUrl,
    #[serde(default = "defaults::expect_status")]
    pub expect_status: u16,
    #[serde(default = "defaults::timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
    #[serde(default = "defaults::http_interval", deserialize_with = "de_duration")]
    pub interval: Duration,
    /// The environment this target is in (`[env.NAME]`): its badge and
    /// read-only.
    #[serde(default)]
    pub env: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HostConfig {
    /// Watch the machine opsdeck runs on.
    pub enabled: bool,
    #[serde(deserialize_with = "de_duration")]
    pub interval: Duration,
    pub cpu_warn: u8,
    pub memory_warn: u8,
    pub disk_warn: u8,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            interval: Duration::from_secs(5),
            cpu_warn: 70,
            memory_warn: 80,
            disk_warn: 85,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresConfig {
    pub name: String,
    pub url: ConfigUrl,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    #[serde(default = "defaults::pg_interval", deserialize_with = "de_duration")]
    pub interval: Duration,
    #[serde(default = "defaults::timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
    #[serde(default = "defaults::long_query", deserialize_with = "de_duration")]
    pub long_query: Duration,
    #[serde(default = "defaults::connections_warn")]
    pub connections_warn: u32,
    #[serde(default = "defaults::cache_hit_warn")]
    pub cache_hit_warn: f64,
    #[serde(default = "defaults::replication_lag_warn", deserialize_with = "de_duration")]
    pub replication_lag_warn: Duration,
    /// Idle-in-transaction sessions older than this are listed and warned.
    #[serde(default = "defaults::idle_in_tx", deserialize_with = "de_duration")]
    pub idle_in_tx: Duration,
    /// Replication lag is a breach only when it is this many bytes too.
    #[serde(default = "defaults::replication_lag_bytes")]
    pub replication_lag_bytes: u64,
    /// Polls in a row the lag must hold before it is a breach.
    #[serde(default = "defaults::lag_breach_samples")]
    pub lag_breach_samples: u32,
    /// Transaction-ID age warning, percent of the wraparound limit.
    #[serde(default = "defaults::xid_age_warn_pct")]
    pub xid_age_warn_pct: f64,
    #[serde(default)]
    pub backup: Option<BackupConfig>,
    #[serde(default)]
    pub read_only: bool,
    /// `[user@]bastion[:port]`: reach the server through this jump host
    /// with the system ssh (the url's host and port as the bastion sees them).
    #[serde(default)]
    pub ssh_tunnel: Option<String>,
    /// The environment this target is in (`[env.NAME]`): its badge and
    /// read-only.
    #[serde(default)]
    pub env: Option<String>,
}

impl PostgresConfig {
    pub fn password(&self) -> SecretRef {
        SecretRef {
            env: self.password_env.clone(),
            file: self.password_file.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupConfig {
    /// Glob of backup files; the newest one is judged.
    pub newest_file: Option<String>,
    /// SQL returning the last backup time, as an alternative to files.
    pub query: Option<String>,
    #[serde(default = "defaults::backup_max_age", deserialize_with = "de_duration")]
    pub max_age: Duration,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertmanagerConfig {
    pub name: String,
    pub url: ConfigUrl,
    /// Instances with the same cluster name are merged.
    #[serde(default)]
    pub cluster: Option<String>,
    #[serde(default = "defaults::am_interval", deserialize_with = "de_duration")]
    pub interval: Duration,
    #[serde(default = "defaults::timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
    #[serde(default = "defaults::ack_duration", deserialize_with = "de_duration")]
    pub ack_duration: Duration,
    /// An alert that always fires (e.g. "Watchdog"): when it is missing, the
    /// alerting pipeline itself is broken, and opsdeck says so.
    #[serde(default)]
    pub heartbeat: Option<String>,
    #[serde(default)]
    pub read_only: bool,
    /// The environment this target is in (`[env.NAME]`): its badge and
    /// read-only.
    #[serde(default)]
    pub env: Option<String>,
}
