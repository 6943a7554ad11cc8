//! `[incident]`: how far opsdeck lets one incident go before it asks a
//! human to escalate instead of pressing the same button again.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IncidentConfig {
    /// Restarts of one container during one checklist session before the
    /// next one needs a reason (IR-002: after three failed restarts, escalate).
    pub max_restarts_per_incident: u32,
}

impl Default for IncidentConfig {
    fn default() -> Self {
        Self {
            max_restarts_per_incident: 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_defaults_to_three_and_reads_as_written() {
        let empty: Result<IncidentConfig, _> = toml::from_str("");
        assert_eq!(empty.map(|c| c.max_restarts_per_incident).ok(), Some(3));
        let set: Result<IncidentConfig, _> = toml::from_str("max_restarts_per_incident = 5");
        assert_eq!(set.map(|c| c.max_restarts_per_incident).ok(), Some(5));
        assert!(toml::from_str::<IncidentConfig>("max_restarts = 5").is_err());
    }
}
