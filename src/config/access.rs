//! `[[access.source]]`: where access data comes from (SQL or an exported
//! file) and what counts as inactive or privileged.

use super::defaults;
use serde::Deserialize;
use std::path::PathBuf;

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
