//! `[state]`: where opsdeck keeps its state, a SQLite file or a team store
//! on PostgreSQL, and where the team store's password is.

use super::secret::{ConfigUrl, SecretRef};
use serde::Deserialize;
use std::path::PathBuf;

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
