//! Configuration: the TOML model, where it is found, and its validation.
//! `config/opsdeck.example.toml` documents every key.
//!
//! The whole file is [`Config`]; each area of it has its own module:
//! `targets` (what is watched), `state`, `alerts`, `access`; `load` finds and
//! reads it, `validate` checks what the types cannot, `docker_endpoint`
//! decides how a Docker host is reached and checks its TLS files.

mod access;
mod alerts;
mod audit;
mod defaults;
pub mod docker_endpoint;
mod duration;
pub mod escalation;
mod history;
mod incident;
pub mod keymap;
mod load;
mod prometheus;
mod redis;
pub mod secret;
pub mod source;
mod state;
mod targets;
pub mod theme;
mod validate;

use serde::Deserialize;
use std::path::PathBuf;

pub use access::{AccessConfig, AccessSourceConfig};
pub use alerts::{AlertsConfig, DEFAULT_ACK_DURATION};
pub use audit::{AuditConfig, Witness};
pub use duration::{de_duration, de_duration_or_zero};
pub use escalation::{Destination, EscalationConfig};
pub use history::HistoryConfig;
pub use incident::IncidentConfig;
pub use load::{default_config_path, default_log_path, default_state_path, expand_home};
pub use prometheus::{PromQueryConfig, PrometheusConfig};
pub use redis::RedisConfig;
pub use secret::{ConfigUrl, Secret, SecretRef};
pub use source::FileError;
pub use state::{is_team_url, StateConfig};
pub use targets::{AlertmanagerConfig, BackupConfig, DockerConfig, HostConfig, HttpConfig, PostgresConfig};

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
    /// Capture the mouse: the wheel scrolls as the arrow keys do (clicks are
    /// not taken). Off: the terminal keeps its own selection and copy, which
    /// matters more over SSH.
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
    /// Environments by name (`[env.prod]`), named by targets' `env`.
    pub env: std::collections::BTreeMap<String, EnvConfig>,
    /// Environments whose read-only this run lifts (`--allow-writes`).
    #[serde(skip)]
    pub allow_writes: Vec<String>,
    /// Checkpoints of the audit chain: witnesses, how often, the signing key.
    pub audit: AuditConfig,
    /// The flight recorder's retention.
    pub history: HistoryConfig,
    pub redis: Vec<RedisConfig>,
    pub prometheus: Vec<PrometheusConfig>,
    #[serde(skip)]
    pub origin: Option<ConfigOrigin>,
    /// What one incident may do before it asks to escalate.
    pub incident: IncidentConfig,
    /// `[[escalation]]` levels, in order: who is told of an alert nobody answered.
    pub escalation: Vec<EscalationConfig>,
}

/// `[env.NAME]`: what being in this environment means for its targets.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnvConfig {
    /// Refuse every side effect on its targets (lifted for one run by
    /// `--allow-writes NAME`).
    pub read_only: bool,
    /// The badge's colour: crit, warn, info or muted (default: crit for
    /// prod/production, info otherwise).
    pub badge: Option<crate::model::env::Badge>,
}

impl Config {
    /// The environment `name` as this run treats it: read-only unless
    /// `--allow-writes` lifted it.
    pub fn environment(&self, name: &str) -> crate::model::env::Environment {
        let cfg = self.env.get(name).cloned().unwrap_or_default();
        crate::model::env::Environment {
            name: name.to_string(),
            read_only: cfg.read_only && !self.allow_writes.iter().any(|a| a == name),
            badge: cfg.badge.unwrap_or_else(|| crate::model::env::Badge::default_for(name)),
        }
    }

    /// Lift `allowed` environments' read-only for this run, and make every
    /// target of a read-only environment read-only itself, so each check
    /// of a target's read-only (the screen's and the backends' own) holds
    /// for its environment too. Naming an environment the config lacks is
    /// an error (a typo must not leave prod writable by surprise or not).
    pub fn apply_environments(&mut self, allowed: &[String]) -> Result<(), String> {
        if let Some(unknown) = allowed.iter().find(|a| !self.env.contains_key(*a)) {
            return Err(format!("--allow-writes {unknown}: no [env.{unknown}] in the config"));
        }
        self.allow_writes = allowed.to_vec();
        let locked: std::collections::HashSet<String> = self
            .env
            .keys()
            .filter(|e| self.environment(e).read_only)
            .cloned()
            .collect();
        let targets = self
            .docker
            .iter_mut()
            .map(|d| (&d.env, &mut d.read_only))
            .chain(self.postgres.iter_mut().map(|p| (&p.env, &mut p.read_only)))
            .chain(self.alertmanager.iter_mut().map(|a| (&a.env, &mut a.read_only)));
        for (env, read_only) in targets {
            *read_only |= env.as_ref().is_some_and(|e| locked.contains(e));
        }
        Ok(())
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
pub struct LogConfig {
    /// Diagnostic log file. Default: `opsdeck.log` in the XDG state/data dir.
    pub path: Option<PathBuf>,
    /// tracing filter, e.g. "info" or "opsdeck=debug".
    pub level: Option<String>,
    /// Daily files kept, today's included (default 7); older ones are removed.
    pub keep: Option<std::num::NonZeroUsize>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunbooksConfig {
    pub dirs: Vec<PathBuf>,
    /// `command` checks run argv directly, never through a shell; off by default.
    pub allow_commands: bool,
}
