//! What a poll found and who found it: the message every backend sends.

use crate::model::{
    alerts::AlertsSummary, docker::DockerSummary, host::HostSummary, http::HttpProbe, postgres::PgSummary,
};
use chrono::{DateTime, Utc};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum BackendKind {
    Docker,
    Http,
    Postgres,
    Alertmanager,
    /// The machine opsdeck runs on.
    Host,
    Redis,
    Prometheus,
}

impl BackendKind {
    pub fn label(self) -> &'static str {
        match self {
            BackendKind::Docker => "docker",
            BackendKind::Http => "http",
            BackendKind::Postgres => "pg",
            BackendKind::Alertmanager => "am",
            BackendKind::Host => "host",
            BackendKind::Redis => "redis",
            BackendKind::Prometheus => "prom",
        }
    }

    /// The kind a `label` names.
    pub fn from_label(label: &str) -> Option<Self> {
        [
            Self::Docker,
            Self::Http,
            Self::Postgres,
            Self::Alertmanager,
            Self::Host,
            Self::Redis,
            Self::Prometheus,
        ]
        .into_iter()
        .find(|k| k.label() == label)
    }
}

impl BackendId {
    /// `kind:name`, as `Display` writes it.
    pub fn parse(s: &str) -> Option<Self> {
        let (kind, name) = s.split_once(':')?;
        Some(Self {
            kind: BackendKind::from_label(kind)?,
            name: name.to_string(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct BackendId {
    pub kind: BackendKind,
    pub name: String,
}

impl std::fmt::Display for BackendId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind.label(), self.name)
    }
}

/// What a poll found.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum BackendData {
    Docker(DockerSummary),
    Http(HttpProbe),
    Postgres(Box<PgSummary>),
    /// Shared with the poller, which lets go of it two polls later: ten
    /// thousand alerts take milliseconds to free, and that happens on the
    /// poller's task rather than the UI's.
    Alerts(std::sync::Arc<AlertsSummary>),
    Host(HostSummary),
    Redis(Box<crate::model::redis::RedisSummary>),
    Prometheus(Box<crate::model::prometheus::PromSummary>),
}

/// One poll's outcome, as sent to the UI.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendReport {
    pub id: BackendId,
    pub at: DateTime<Utc>,
    pub result: Result<BackendData, String>,
    /// When the next report is due, if later than the target's interval (a
    /// slow answer stretches the wait): the UI judges staleness by it.
    pub next_in: Duration,
}
