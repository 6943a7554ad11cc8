//! Configuration: the TOML model, where it is found, and its validation.
//! `config/opsdeck.example.toml` documents every key.
//!
//! The whole file is [`Config`]; each area of it has its own module:
//! `targets` (what is watched), `state`, `alerts`, `access`; `load` finds and
//! reads it, `validate` checks what the types cannot, `docker_endpoint`
//! decides how a Docker host is reached and checks its TLS files.

mod access;
mod alerts;
mod defaults;
pub mod docker_endpoint;
mod duration;
mod history;
pub mod keymap;
mod load;
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
pub use duration::{de_duration, de_duration_or_zero};
pub use history::HistoryConfig;
pub use load::{default_config_path, default_log_path, default_state_path, expand_home};
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
    /// The flight recorder's retention.
    pub history: HistoryConfig,
    #[serde(skip)]
    pub origin: Option<ConfigOrigin>,
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
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunbooksConfig {
    pub dirs: Vec<PathBuf>,
    /// `command` checks run argv directly, never through a shell; off by default.
    pub allow_commands: bool,
}
