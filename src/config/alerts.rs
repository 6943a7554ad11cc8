//! `[alerts]`: how soon each severity must be answered, and whether a new
//! critical alert rings the bell.

use super::duration::de_duration_or_zero;
use serde::Deserialize;
use std::time::Duration;

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
    /// A container restarted this many times within `crash_loop_window` is
    /// crash-looping: one critical alert that holds while it loops.
    pub crash_loop_restarts: u32,
    #[serde(deserialize_with = "de_duration_or_zero")]
    pub crash_loop_window: Duration,
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
            crash_loop_restarts: 3,
            crash_loop_window: Duration::from_secs(600),
        }
    }
}

impl AlertsConfig {
    /// What makes a container crash-looping, for the Docker pollers.
    pub fn crash_loop(&self) -> crate::model::docker::CrashLoopPolicy {
        crate::model::docker::CrashLoopPolicy {
            restarts: self.crash_loop_restarts.max(1),
            window: self.crash_loop_window,
        }
    }
}
