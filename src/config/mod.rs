//! Configuration: the TOML model, where it is found, and its validation.
//! `config/opsdeck.example.toml` documents every key.

pub mod docker_endpoint;
pub mod keymap;
pub mod keymap_checklist;
pub mod secret;
pub mod source;
pub mod theme;

use serde::{Deserialize, Deserializer};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use secret::{ConfigUrl, Secret, SecretRef};
pub use source::FileError;

/// Where the config came from, for messages and for resolving relative paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigOrigin {
    File(PathBuf),
    /// No config file anywhere: built-in defaults.
    Defaults,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Refuse every action with a side effect, on every backend.
    pub read_only: bool,
    /// Theme name (`themes/NAME.toml`) or path.
    pub theme: Option<String>,
    /// Keymap name or path, layered over the default keymap.
    pub keymap: Option<String>,
    /// Capture the mouse (wheel scrolls, click focuses). Off: the terminal keeps
    /// its own selection and copy, which matters more over SSH.
    pub mouse: bool,
    pub operator: OperatorConfig,
    pub state: StateConfig,
    pub log: LogConfig,
    pub docker: Vec<DockerConfig>,
    pub http: Vec<HttpConfig>,
    pub host: HostConfig,
    pub postgres: Vec<PostgresConfig>,
    pub alertmanager: Vec<AlertmanagerConfig>,
    /// How alerts are triaged: response times, the bell.
    pub alerts: AlertsConfig,
    pub access: AccessConfig,
    pub runbooks: RunbooksConfig,
    #[serde(skip)]
    pub origin: Option<ConfigOrigin>,
}

/// Response times per severity (defaults from the on-call runbooks) and
/// whether a new critical alert rings the terminal bell.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    #[serde(deserialize_with = "de_duration_or_zero")]
    pub respond_critical: Duration,
    #[serde(deserialize_with = "de_duration_or_zero")]
    pub respond_warning: Duration,
    #[serde(deserialize_with = "de_duration_or_zero")]
    pub respond_info: Duration,
    pub bell: bool,
    /// The label `c` groups the Alerts list by.
    pub group_by: String,
}

/// How long an acknowledgement lasts unless `ack_duration` says otherwise.
pub const DEFAULT_ACK_DURATION: Duration = Duration::from_secs(2 * 3600);

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            respond_critical: Duration::ZERO,
            respond_warning: Duration::from_secs(3600),
            respond_info: Duration::from_secs(24 * 3600),
            bell: true,
            group_by: "alertname".into(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OperatorConfig {
    /// Default: `$OPSDECK_OPERATOR`, then the login name.
    pub name: Option<String>,
    /// Other names this operator appears under in access data.
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StateConfig {
    /// SQLite file. Default: the XDG data directory.
    pub path: Option<PathBuf>,
    /// Team mode: a PostgreSQL database shared by several opsdecks
    /// (`postgres://user@host/db`), instead of the file.
    pub url: Option<ConfigUrl>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
}

impl StateConfig {
    /// Where a team store's password is: `password_env` or `password_file`.
    pub fn password(&self) -> SecretRef {
        SecretRef {
            env: self.password_env.clone(),
            file: self.password_file.clone(),
        }
    }
}

/// Whether a `--state` or `[state] url` value names a team store.
pub fn is_team_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// Diagnostic log file. Default: `opsdeck.log` in the XDG state/data dir.
    pub path: Option<PathBuf>,
    /// tracing filter, e.g. "info" or "opsdeck=debug".
    pub level: Option<String>,
}

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
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccessConfig {
    pub source: Vec<AccessSourceConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessSourceConfig {
    pub name: String,
    /// A `[[postgres]]` name, for SQL sources.
    #[serde(default)]
    pub database: Option<String>,
    #[serde(default)]
    pub query: Option<String>,
    /// A JSON or CSV file, for exported sources.
    #[serde(default)]
    pub file: Option<PathBuf>,
    #[serde(default)]
    pub revoke: Option<String>,
    #[serde(default = "defaults::inactive_days")]
    pub inactive_days: u32,
    #[serde(default)]
    pub privileged_roles: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunbooksConfig {
    pub dirs: Vec<PathBuf>,
    /// `command` checks run argv directly, never through a shell; off by default.
    pub allow_commands: bool,
}

mod defaults {
    use std::time::Duration;
    pub fn timeout() -> Duration {
        Duration::from_secs(3)
    }
    pub fn docker_interval() -> Duration {
        Duration::from_secs(5)
    }
    pub fn http_interval() -> Duration {
        Duration::from_secs(15)
    }
    pub fn pg_interval() -> Duration {
        Duration::from_secs(10)
    }
    pub fn am_interval() -> Duration {
        Duration::from_secs(1)
    }
    pub fn long_query() -> Duration {
        Duration::from_secs(300)
    }
    pub fn replication_lag_warn() -> Duration {
        Duration::from_secs(30)
    }
    pub fn idle_in_tx() -> Duration {
        Duration::from_secs(300)
    }
    pub fn replication_lag_bytes() -> u64 {
        16 << 20
    }
    pub fn lag_breach_samples() -> u32 {
        3
    }
    pub fn xid_age_warn_pct() -> f64 {
        50.0
    }
    pub fn backup_max_age() -> Duration {
        Duration::from_secs(26 * 3600)
    }
    pub fn ack_duration() -> Duration {
        super::DEFAULT_ACK_DURATION
    }
    pub fn expect_status() -> u16 {
        200
    }
    pub fn connections_warn() -> u32 {
        50
    }
    pub fn cache_hit_warn() -> f64 {
        95.0
    }
    pub fn inactive_days() -> u32 {
        90
    }
}

/// Durations are written as humans write them: "2s", "5m", "26h", "1h 30m".
/// A duration that may be zero ("0s": immediately).
pub fn de_duration_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let raw = String::deserialize(d)?;
    humantime::parse_duration(&raw).map_err(|e| {
        serde::de::Error::custom(format!(
            "invalid duration {raw:?}: {e} (write e.g. \"0s\", \"15m\", \"1h\")"
        ))
    })
}

pub fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let raw = String::deserialize(d)?;
    let parsed = humantime::parse_duration(&raw).map_err(|e| {
        serde::de::Error::custom(format!(
            "invalid duration {raw:?}: {e} (write e.g. \"15s\", \"5m\", \"26h\")"
        ))
    })?;
    if parsed.is_zero() {
        return Err(serde::de::Error::custom("duration must be greater than zero"));
    }
    Ok(parsed)
}

impl Config {
    /// Parse and validate config text. `file` is used in error messages.
    pub fn parse(text: &str, file: &Path) -> Result<Self, FileError> {
        let mut config: Config = toml::from_str(text).map_err(|e| FileError::from_toml(file, text, &e))?;
        config.resolve_paths(file);
        config.validate(text, file)?;
        config.origin = Some(ConfigOrigin::File(file.to_path_buf()));
        Ok(config)
    }

    /// Find and load the config: `explicit` (--config or $OPSDECK_CONFIG),
    /// else the XDG config file when it exists, else built-in defaults.
    pub fn discover(explicit: Option<&Path>) -> Result<Self, FileError> {
        if let Some(path) = explicit {
            return Self::parse(&source::read_text(path)?, path);
        }
        if let Some(path) = default_config_path().filter(|p| p.exists()) {
            return Self::parse(&source::read_text(&path)?, &path);
        }
        let mut config = Config {
            origin: Some(ConfigOrigin::Defaults),
            ..Config::default()
        };
        config.add_default_docker();
        Ok(config)
    }

    /// With no `[[docker]]`, use `$DOCKER_HOST`, then the local socket when present.
    pub fn add_default_docker(&mut self) {
        if !self.docker.is_empty() {
            return;
        }
        let url = match std::env::var("DOCKER_HOST") {
            Ok(h) if !h.is_empty() => h,
            _ if Path::new("/var/run/docker.sock").exists() => "unix:///var/run/docker.sock".to_string(),
            _ => return,
        };
        self.docker.push(DockerConfig {
            name: "local".into(),
            url: ConfigUrl::new(url),
            tls_ca: None,
            tls_cert: None,
            tls_key: None,
            interval: defaults::docker_interval(),
            timeout: defaults::timeout(),
            read_only: false,
        });
    }

    /// TLS files as written may start with `~/` or be relative to the config file.
    fn resolve_paths(&mut self, file: &Path) {
        let base = file.parent().unwrap_or(Path::new(""));
        for d in &mut self.docker {
            for p in [&mut d.tls_ca, &mut d.tls_cert, &mut d.tls_key].into_iter().flatten() {
                let expanded = expand_home(p);
                *p = if expanded.is_relative() {
                    base.join(expanded)
                } else {
                    expanded
                };
            }
        }
        // Access files likewise: an exported RBAC matrix kept beside the config.
        for s in &mut self.access.source {
            if let Some(p) = &mut s.file {
                let expanded = expand_home(p);
                *p = if expanded.is_relative() {
                    base.join(expanded)
                } else {
                    expanded
                };
            }
        }
    }

    fn validate(&self, text: &str, file: &Path) -> Result<(), FileError> {
        let err =
            |needle: &str, key: &str, msg: String| Err(FileError::new(file, msg).with_key(key).locate(text, needle));
        let sections: [(&str, Vec<&str>); 5] = [
            ("docker", self.docker.iter().map(|d| d.name.as_str()).collect()),
            ("http", self.http.iter().map(|d| d.name.as_str()).collect()),
            ("postgres", self.postgres.iter().map(|d| d.name.as_str()).collect()),
            (
                "alertmanager",
                self.alertmanager.iter().map(|d| d.name.as_str()).collect(),
            ),
            (
                "access.source",
                self.access.source.iter().map(|d| d.name.as_str()).collect(),
            ),
        ];
        for (section, names) in &sections {
            let mut seen = HashSet::new();
            for name in names {
                if name.trim().is_empty() {
                    return err("name", "name", format!("[[{section}]] name must not be empty"));
                }
                if !seen.insert(*name) {
                    return err(
                        &format!("\"{name}\""),
                        "name",
                        format!("[[{section}]] name {name:?} is used twice; names must be unique"),
                    );
                }
            }
        }
        let urls = self
            .docker
            .iter()
            .map(|d| &d.url)
            .chain(self.http.iter().map(|h| &h.url))
            .chain(self.postgres.iter().map(|p| &p.url))
            .chain(self.alertmanager.iter().map(|a| &a.url))
            .chain(self.state.url.iter());
        for url in urls {
            if url.has_literal_password() {
                return err(
                    url.as_written(),
                    "url",
                    "a password is written in the URL; reference it instead (password_env, password_file or ${VAR})"
                        .into(),
                );
            }
        }
        for d in &self.docker {
            let u = d.url.as_written();
            if !["unix://", "tcp://", "http://", "https://"]
                .iter()
                .any(|s| u.starts_with(s))
            {
                return err(
                    u,
                    "url",
                    format!("docker url {u:?} must start with unix://, tcp://, http:// or https://"),
                );
            }
        }
        for d in &self.docker {
            use docker_endpoint::{check_tls_files, endpoint, Endpoint, KeyError};
            let fail = |e: KeyError| {
                let line = find_line_in_table(text, "docker", &d.name, e.key);
                let out = FileError::new(file, format!("[[docker]] {:?}: {}", d.name, e.message)).with_key(e.key);
                Err(match line {
                    Some(l) => out.at_line(l),
                    None => out.locate(text, e.key),
                })
            };
            match endpoint(d.url.as_written(), d) {
                Ok(Endpoint::Tls { files, .. }) => check_tls_files(&files).or_else(fail)?,
                Ok(_) => {}
                Err(e) => return fail(e),
            }
        }
        if let Some(url) = &self.state.url {
            if !is_team_url(url.as_written()) {
                return err(
                    url.as_written(),
                    "url",
                    "[state] url must start with postgres:// (a team store); a file goes in path".into(),
                );
            }
            if self.state.path.is_some() {
                return err(
                    "url",
                    "url",
                    "[state]: set path (a file) or url (a team store), not both".into(),
                );
            }
            if self.state.password_env.is_some() && self.state.password_file.is_some() {
                return err(
                    "password_file",
                    "password_file",
                    "[state]: set password_env or password_file, not both".into(),
                );
            }
        }
        for p in &self.postgres {
            if p.password_env.is_some() && p.password_file.is_some() {
                return err(
                    "password_file",
                    "password_file",
                    format!("[[postgres]] {:?}: set password_env or password_file, not both", p.name),
                );
            }
            if !p.url.as_written().starts_with("postgres://") && !p.url.as_written().starts_with("postgresql://") {
                return err(
                    p.url.as_written(),
                    "url",
                    format!("[[postgres]] {:?}: url must start with postgres://", p.name),
                );
            }
            if p.lag_breach_samples == 0 {
                return err(
                    "lag_breach_samples",
                    "lag_breach_samples",
                    format!("[[postgres]] {:?}: lag_breach_samples must be at least 1", p.name),
                );
            }
            if !(0.0..=100.0).contains(&p.xid_age_warn_pct) {
                return err(
                    "xid_age_warn_pct",
                    "xid_age_warn_pct",
                    format!("[[postgres]] {:?}: xid_age_warn_pct must be between 0 and 100", p.name),
                );
            }
            if let Some(b) = &p.backup {
                if b.newest_file.is_none() == b.query.is_none() {
                    return err(
                        "backup",
                        "backup",
                        format!(
                            "[[postgres]] {:?}: backup needs exactly one of newest_file or query",
                            p.name
                        ),
                    );
                }
            }
        }
        for u in self
            .http
            .iter()
            .map(|h| &h.url)
            .chain(self.alertmanager.iter().map(|a| &a.url))
        {
            let w = u.as_written();
            if !w.starts_with("http://") && !w.starts_with("https://") {
                return err(w, "url", format!("url {w:?} must start with http:// or https://"));
            }
        }
        for s in &self.access.source {
            match (&s.database, &s.query, &s.file) {
                (Some(db), Some(_), None) => {
                    if !self.postgres.iter().any(|p| &p.name == db) {
                        return err(
                            db,
                            "database",
                            format!("access source {:?}: database {db:?} is not a [[postgres]] name", s.name),
                        );
                    }
                }
                (None, None, Some(_)) => {}
                _ => {
                    return err(
                        &s.name,
                        "query",
                        format!("access source {:?}: give either database + query, or file", s.name),
                    );
                }
            }
        }
        Ok(())
    }
}

/// The line of `key = ...` inside the `[[section]]` table whose name is
/// `name`: with several Docker hosts, the error points at the right one.
fn find_line_in_table(text: &str, section: &str, name: &str, key: &str) -> Option<usize> {
    let header = format!("[[{section}]]");
    let is_key = |line: &str, k: &str| {
        let t = line.trim_start();
        t.strip_prefix(k)
            .or_else(|| t.strip_prefix(&format!("\"{k}\"")))
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    };
    let names_it = |line: &str| {
        is_key(line, "name")
            && line
                .split_once('=')
                .is_some_and(|(_, v)| v.split('#').next().unwrap_or("").trim().trim_matches(['"', '\'']) == name)
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut start = 0;
    while start < lines.len() {
        if lines[start].trim() != header {
            start += 1;
            continue;
        }
        let end = (start + 1..lines.len())
            .find(|&i| lines[i].trim_start().starts_with('['))
            .unwrap_or(lines.len());
        let table = start + 1..end;
        if table.clone().any(|i| names_it(lines[i])) {
            return table.clone().find(|&i| is_key(lines[i], key)).map(|i| i + 1);
        }
        start = end;
    }
    None
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "opsdeck")
}

/// `$XDG_CONFIG_HOME/opsdeck/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// `$XDG_DATA_HOME/opsdeck/state.db`.
pub fn default_state_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().join("state.db"))
}

/// `$XDG_STATE_HOME/opsdeck/opsdeck.log` (data dir where there is no state dir).
pub fn default_log_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.state_dir().unwrap_or(d.data_dir()).join("opsdeck.log"))
}

/// Expand a leading `~/` so paths from config files work as people write them.
pub fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, FileError> {
        Config::parse(text, Path::new("test.toml"))
    }

    #[test]
    fn empty_config_is_valid() {
        let c = parse("").unwrap();
        assert!(!c.read_only);
        assert_eq!(c.host.cpu_warn, 70);
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let e =
            parse("read_only = true\n\n[[postgres]]\nname = \"main\"\nurl = \"postgres://h/db\"\nintervall = \"5s\"\n")
                .unwrap_err();
        assert_eq!(e.line, Some(6), "{e}");
        assert_eq!(e.key.as_deref(), Some("intervall"), "{e}");
        assert!(e.to_string().starts_with("test.toml:6: key `intervall`:"), "{e}");
    }

    #[test]
    fn wrong_type_names_line_and_key() {
        let e = parse("[host]\ncpu_warn = \"high\"\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert_eq!(e.key.as_deref(), Some("cpu_warn"));
    }

    #[test]
    fn bad_duration_is_explained() {
        let e = parse("[[http]]\nname = \"api\"\nurl = \"http://x/health\"\ntimeout = \"soon\"\n").unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.message.contains("invalid duration"), "{e}");
    }

    #[test]
    fn literal_password_is_rejected_with_line() {
        let e = parse("[[postgres]]\nname = \"m\"\nurl = \"postgres://u:pw@h/db\"\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(
            !e.to_string().contains(":pw@"),
            "the error must not repeat the secret: {e}"
        );
    }

    #[test]
    fn duplicate_names_are_rejected() {
        let e = parse("[[http]]\nname = \"a\"\nurl = \"http://x\"\n[[http]]\nname = \"a\"\nurl = \"http://y\"\n")
            .unwrap_err();
        assert!(e.message.contains("used twice"), "{e}");
    }

    /// A CA-signed client certificate and its key, plus the CA, as PEM files in `dir`.
    fn write_tls_files(dir: &Path) {
        let ca_key = rcgen::KeyPair::generate().expect("key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::new()).expect("params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).expect("ca");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec!["client".to_string()])
            .expect("params")
            .signed_by(&key, &issuer)
            .expect("cert");
        std::fs::write(dir.join("ca.pem"), ca.pem()).expect("write");
        std::fs::write(dir.join("cert.pem"), cert.pem()).expect("write");
        std::fs::write(dir.join("key.pem"), key.serialize_pem()).expect("write");
        let other = rcgen::KeyPair::generate().expect("key");
        std::fs::write(dir.join("other-key.pem"), other.serialize_pem()).expect("write");
    }

    fn tls_host(name: &str, url: &str, files: [(&str, &str); 3]) -> String {
        let mut t = format!("[[docker]]\nname = \"{name}\"\nurl = \"{url}\"\n");
        for (k, v) in files.iter().filter(|(_, v)| !v.is_empty()) {
            t.push_str(&format!("{k} = \"{v}\"\n"));
        }
        t
    }

    #[test]
    fn docker_tls_files_relative_to_the_config_are_accepted() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_tls_files(dir.path());
        let file = dir.path().join("opsdeck.toml");
        let text = tls_host(
            "remote",
            "tcp://10.0.0.5:2376",
            [("tls_ca", "ca.pem"), ("tls_cert", "cert.pem"), ("tls_key", "key.pem")],
        );
        let c = Config::parse(&text, &file).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            c.docker[0].tls_key.as_deref(),
            Some(dir.path().join("key.pem").as_path())
        );
    }

    #[test]
    fn a_team_store_is_a_postgres_url_with_its_password_by_reference() {
        let c = parse("[state]\nurl = \"postgres://opsdeck@db/opsdeck\"\npassword_env = \"PW\"\n").expect("team");
        let url = c.state.url.as_ref().expect("a team store");
        assert_eq!(url.to_string(), "postgres://opsdeck@db/opsdeck");
        assert_eq!(c.state.password().env.as_deref(), Some("PW"));
        let bad = [
            ("[state]\nurl = \"mysql://db/x\"\n", 2, "must start with postgres://"),
            ("[state]\npath = \"/x.db\"\nurl = \"postgres://db/x\"\n", 3, "not both"),
            (
                "[state]\nurl = \"postgres://u:hunter2@db/x\"\n",
                2,
                "a password is written in the URL",
            ),
        ];
        for (text, line, says) in bad {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, Some(line), "{e}");
            assert!(e.to_string().contains(says), "{e}");
            assert!(!e.to_string().contains("hunter2"), "{e}");
        }
    }

    #[test]
    fn docker_tls_cert_without_key_names_line_and_key() {
        let text = format!(
            "{}{}",
            tls_host("local", "unix:///var/run/docker.sock", [("", ""), ("", ""), ("", "")]),
            tls_host(
                "remote",
                "https://10.0.0.5:2376",
                [("tls_ca", "/x/ca.pem"), ("tls_cert", "/x/cert.pem"), ("", "")]
            ),
        );
        let e = parse(&text).unwrap_err();
        assert_eq!(e.line, Some(7), "{e}");
        assert_eq!(e.key.as_deref(), Some("tls_ca"), "{e}");
        assert_eq!(
            e.to_string(),
            "test.toml:7: key `tls_ca`: [[docker]] \"remote\": tls_ca and tls_cert are set without tls_key: \
             set tls_ca, tls_cert and tls_key together"
        );
        let e = parse(&tls_host(
            "r",
            "tcp://h:2376",
            [("", ""), ("", ""), ("tls_key", "/x/key.pem")],
        ))
        .unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("tls_key")), "{e}");
        assert!(e.message.contains("tls_key is set without tls_ca and tls_cert"), "{e}");
    }

    #[test]
    fn docker_tls_on_a_unix_socket_or_https_without_keys_is_rejected() {
        let e = parse(&tls_host(
            "local",
            "unix:///var/run/docker.sock",
            [
                ("tls_ca", "/x/ca.pem"),
                ("tls_cert", "/x/cert.pem"),
                ("tls_key", "/x/key.pem"),
            ],
        ))
        .unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("tls_ca")), "{e}");
        assert!(e.message.contains("do not apply to a unix:// socket"), "{e}");
        let e = parse(&tls_host("r", "https://h:2376", [("", ""), ("", ""), ("", "")])).unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("url")), "{e}");
        assert!(e.message.contains("https:// needs tls_ca"), "{e}");
    }

    #[test]
    fn docker_tls_file_missing_or_wrong_names_file_line_key_and_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_tls_files(dir.path());
        let d = dir.path().display().to_string();
        let missing = format!("{d}/nope/ca.pem");
        let e = parse(&tls_host(
            "r",
            "tcp://h:2376",
            [
                ("tls_ca", &missing),
                ("tls_cert", &format!("{d}/cert.pem")),
                ("tls_key", &format!("{d}/key.pem")),
            ],
        ))
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("test.toml:4: key `tls_ca`: [[docker]] \"r\": cannot read {missing}: No such file or directory")
        );
        // A directory cannot be read as a file either.
        let e = parse(&tls_host(
            "r",
            "tcp://h:2376",
            [
                ("tls_ca", &format!("{d}/ca.pem")),
                ("tls_cert", &d),
                ("tls_key", &format!("{d}/key.pem")),
            ],
        ))
        .unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(5), Some("tls_cert")), "{e}");
        assert!(e.message.contains(&format!("cannot read {d}")), "{e}");
        // Certificate and key swapped: the key file holds no key.
        let e = parse(&tls_host(
            "r",
            "tcp://h:2376",
            [
                ("tls_ca", &format!("{d}/ca.pem")),
                ("tls_cert", &format!("{d}/cert.pem")),
                ("tls_key", &format!("{d}/cert.pem")),
            ],
        ))
        .unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(6), Some("tls_key")), "{e}");
        assert!(
            e.message.ends_with(&format!("{d}/cert.pem holds no PEM private key")),
            "{e}"
        );
        // A key that is not the certificate's: named, and never shown.
        let e = parse(&tls_host(
            "r",
            "tcp://h:2376",
            [
                ("tls_ca", &format!("{d}/ca.pem")),
                ("tls_cert", &format!("{d}/cert.pem")),
                ("tls_key", &format!("{d}/other-key.pem")),
            ],
        ))
        .unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(6), Some("tls_key")), "{e}");
        assert!(e.message.contains("is not the key of the certificate"), "{e}");
        assert!(!e.to_string().contains("PRIVATE KEY"), "{e}");
    }

    #[test]
    fn design_sketch_parses() {
        let text = include_str!("../../config/opsdeck.example.toml");
        let c = Config::parse(text, Path::new("opsdeck.example.toml")).unwrap();
        assert_eq!(c.postgres[0].long_query, Duration::from_secs(300));
        // The example writes every postgres threshold with its default.
        let d = parse("[[postgres]]\nname = \"m\"\nurl = \"postgres://h/db\"\n").unwrap();
        let (e, d) = (&c.postgres[0], &d.postgres[0]);
        assert_eq!(e.idle_in_tx, d.idle_in_tx);
        assert_eq!(e.replication_lag_bytes, d.replication_lag_bytes);
        assert_eq!(e.lag_breach_samples, d.lag_breach_samples);
        assert_eq!(e.xid_age_warn_pct, d.xid_age_warn_pct);
    }

    #[test]
    fn postgres_thresholds() {
        let pg = "[[postgres]]\nname = \"m\"\nurl = \"postgres://h/db\"\n";
        let c = parse(pg).unwrap();
        let p = &c.postgres[0];
        assert_eq!(p.idle_in_tx, Duration::from_secs(300));
        assert_eq!(p.replication_lag_bytes, 16 * 1024 * 1024);
        assert_eq!(p.lag_breach_samples, 3);
        assert_eq!(p.xid_age_warn_pct, 50.0);
        let c = parse(&format!(
            "{pg}idle_in_tx = \"90s\"\nreplication_lag_bytes = 1024\nlag_breach_samples = 1\nxid_age_warn_pct = 75.5\n"
        ))
        .unwrap();
        let p = &c.postgres[0];
        assert_eq!(p.idle_in_tx, Duration::from_secs(90));
        assert_eq!(p.replication_lag_bytes, 1024);
        assert_eq!(p.lag_breach_samples, 1);
        assert_eq!(p.xid_age_warn_pct, 75.5);
        let e = parse(&format!("{pg}lag_breach_samples = 0\n")).unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("lag_breach_samples")), "{e}");
        let e = parse(&format!("{pg}xid_age_warn_pct = 150\n")).unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("xid_age_warn_pct")), "{e}");
        let e = parse(&format!("{pg}replication_lag_bytes = -1\n")).unwrap_err();
        assert_eq!(
            (e.line, e.key.as_deref()),
            (Some(4), Some("replication_lag_bytes")),
            "{e}"
        );
        let e = parse(&format!("{pg}idle_in_tx = \"soon\"\n")).unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("idle_in_tx")), "{e}");
    }

    #[test]
    fn alert_response_times_allow_immediately() {
        let c = parse("[alerts]\nrespond_critical = \"0s\"\nrespond_warning = \"30m\"\nbell = false\n").expect("parse");
        assert_eq!(c.alerts.respond_critical, Duration::ZERO);
        assert_eq!(c.alerts.respond_warning, Duration::from_secs(1800));
        assert_eq!(c.alerts.respond_info, Duration::from_secs(86_400), "default kept");
        assert!(!c.alerts.bell);
        let e = parse("[alerts]\nrespond_info = \"tomorrow\"\n").unwrap_err();
        assert!(e.to_string().starts_with("test.toml:2: key `respond_info`:"), "{e}");
    }
}
