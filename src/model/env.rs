//! Environments: a name a target carries (`env = "prod"`), shown as a
//! badge wherever the target is, with a read-only of its own (`[env.prod]`).

use serde::Deserialize;

/// How an environment's badge is coloured: the theme's role of that name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Badge {
    Crit,
    Warn,
    Info,
    Muted,
}

impl Badge {
    /// Production stands out by default; every other name is informational.
    pub fn default_for(name: &str) -> Badge {
        match name.to_ascii_lowercase().as_str() {
            "prod" | "production" | "prd" | "live" => Badge::Crit,
            _ => Badge::Info,
        }
    }
}

/// The environment a target is in, as this run treats it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub name: String,
    /// Side effects on its targets are refused (`[env.NAME] read_only`,
    /// unless this run was started with `--allow-writes NAME`).
    pub read_only: bool,
    pub badge: Badge,
}
