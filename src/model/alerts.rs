//! Alerts and silences as Alertmanager reports them.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Severity {
    Critical,
    Warning,
    Info,
    None,
}

impl Severity {
    pub fn parse(s: Option<&str>) -> Self {
        match s.map(|s| s.to_ascii_lowercase()).as_deref() {
            Some("critical" | "page" | "p0" | "p1" | "error") => Severity::Critical,
            Some("warning" | "warn" | "p2") => Severity::Warning,
            Some("info" | "p3" | "notice") => Severity::Info,
            _ => Severity::None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::None => "none",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AlertRow {
    pub fingerprint: String,
    pub name: String,
    pub severity: Severity,
    /// "active", "suppressed" (silenced or inhibited) or "unprocessed";
    /// opsdeck's own alerts are "acknowledged" while an ack in the store holds.
    pub state: String,
    pub starts_at: DateTime<Utc>,
    pub summary: String,
    pub instance: String,
    /// Every label, for matcher filters and silences.
    pub labels: BTreeMap<String, String>,
    /// Ids of the silences that hold it (acknowledgements among them).
    pub silenced_by: Vec<String>,
    pub annotations: BTreeMap<String, String>,
    /// Where the alert comes from (a Prometheus graph link), when given.
    pub generator_url: String,
}

impl AlertRow {
    /// Someone has it: silenced, inhibited or acknowledged. A quiet alert
    /// has no response deadline and rings no bell.
    pub fn is_quiet(&self) -> bool {
        self.state == "suppressed" || self.state == "acknowledged"
    }

    /// Whether the alert matches every matcher (Alertmanager's semantics).
    pub fn matches(&self, matchers: &[crate::model::matchers::Matcher]) -> bool {
        crate::model::matchers::all_match(matchers, &self.labels)
    }
}

/// One active silence: who holds which alerts, why, and until when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Silence {
    pub id: String,
    pub created_by: String,
    pub comment: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The matchers as Alertmanager writes them: `name="value"`, `name=~"re"`.
    pub matchers: Vec<String>,
}

impl Silence {
    /// A silence opsdeck (or anyone following its convention) made as an acknowledgement.
    pub fn is_ack(&self) -> bool {
        self.comment.starts_with("ack:")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct AlertsSummary {
    /// Severity first, then oldest first.
    pub alerts: Vec<AlertRow>,
    /// Active silences, newest first.
    pub silences: Vec<Silence>,
    /// The cluster this instance sees: its status and how many peers it has.
    pub cluster: Option<ClusterStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClusterStatus {
    /// "ready", "settling" or "disabled".
    pub status: String,
    pub peers: usize,
}

impl AlertsSummary {
    pub fn firing(&self) -> impl Iterator<Item = &AlertRow> {
        self.alerts.iter().filter(|a| !a.is_quiet())
    }
    pub fn count(&self, sev: Severity) -> usize {
        self.firing().filter(|a| a.severity == sev).count()
    }
    pub fn suppressed(&self) -> usize {
        self.alerts.iter().filter(|a| a.is_quiet()).count()
    }
    pub fn silence(&self, id: &str) -> Option<&Silence> {
        self.silences.iter().find(|s| s.id == id)
    }
}

/// One alert's episode as the flight recorder kept it: from the first
/// answer that held it to the first that no member of its source did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AlertEpisode {
    pub source: String,
    pub fingerprint: String,
    pub alertname: String,
    pub severity: String,
    pub labels: BTreeMap<String, String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// None while it fires.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Acknowledgements made during the episode.
    pub acks: Vec<EpisodeAck>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EpisodeAck {
    pub operator: String,
    pub comment: String,
    pub acked_at: DateTime<Utc>,
    pub until: DateTime<Utc>,
}
