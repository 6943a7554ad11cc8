//! Prometheus Alertmanager, API v2: the alerts it holds.

use crate::config::AlertmanagerConfig;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRow {
    pub fingerprint: String,
    pub name: String,
    pub severity: Severity,
    /// "active", "suppressed" (silenced or inhibited) or "unprocessed".
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
    /// Whether the alert matches every matcher (Alertmanager's semantics).
    pub fn matches(&self, matchers: &[super::am_matchers::Matcher]) -> bool {
        super::am_matchers::all_match(matchers, &self.labels)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlertsSummary {
    /// Severity first, then oldest first.
    pub alerts: Vec<AlertRow>,
}

impl AlertsSummary {
    pub fn firing(&self) -> impl Iterator<Item = &AlertRow> {
        self.alerts.iter().filter(|a| a.state != "suppressed")
    }
    pub fn count(&self, sev: Severity) -> usize {
        self.firing().filter(|a| a.severity == sev).count()
    }
    pub fn suppressed(&self) -> usize {
        self.alerts.iter().filter(|a| a.state == "suppressed").count()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GettableAlert {
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    starts_at: DateTime<Utc>,
    #[serde(default)]
    fingerprint: String,
    #[serde(default, rename = "generatorURL")]
    generator_url: String,
    status: AlertStatus,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AlertStatus {
    state: String,
    #[serde(default)]
    silenced_by: Vec<String>,
}

pub struct AlertmanagerPoller {
    url: crate::config::ConfigUrl,
    client: Result<reqwest::Client, String>,
}

impl AlertmanagerPoller {
    pub fn new(cfg: &AlertmanagerConfig) -> Self {
        let client = super::http_client(cfg.timeout);
        Self {
            url: cfg.url.clone(),
            client,
        }
    }

    pub async fn poll(&mut self) -> Result<AlertsSummary, String> {
        let client = self.client.as_ref().map_err(Clone::clone)?;
        let base = self.url.expand()?;
        let url = format!("{}/api/v2/alerts", base.expose().trim_end_matches('/'));
        let resp = client
            .get(url)
            .query(&[("active", "true"), ("silenced", "true"), ("inhibited", "true")])
            .send()
            .await
            .map_err(|e| super::error_chain(&e.without_url()))?;
        if !resp.status().is_success() {
            return Err(format!("Alertmanager answered HTTP {}", resp.status()));
        }
        let body = resp.bytes().await.map_err(|e| super::error_chain(&e.without_url()))?;
        parse_alerts(&body)
    }
}

/// Parse `/api/v2/alerts`. Garbage is an error, never a panic.
pub fn parse_alerts(body: &[u8]) -> Result<AlertsSummary, String> {
    let raw: Vec<GettableAlert> =
        serde_json::from_slice(body).map_err(|e| format!("unexpected answer from Alertmanager: {e}"))?;
    let mut alerts: Vec<AlertRow> = raw
        .into_iter()
        .map(|a| AlertRow {
            name: a.labels.get("alertname").cloned().unwrap_or_default(),
            severity: Severity::parse(a.labels.get("severity").map(String::as_str)),
            instance: a
                .labels
                .get("instance")
                .or_else(|| a.labels.get("service"))
                .or_else(|| a.labels.get("job"))
                .cloned()
                .unwrap_or_default(),
            summary: a
                .annotations
                .get("summary")
                .or_else(|| a.annotations.get("description"))
                .map(|s| super::one_line(s))
                .unwrap_or_default(),
            state: a.status.state,
            starts_at: a.starts_at,
            fingerprint: a.fingerprint,
            labels: a.labels,
            silenced_by: a.status.silenced_by,
            annotations: a.annotations,
            generator_url: a.generator_url,
        })
        .collect();
    alerts.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(a.starts_at.cmp(&b.starts_at))
            .then(a.name.cmp(&b.name))
    });
    Ok(AlertsSummary { alerts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_v2_alerts_sorted_by_severity() {
        let body = br#"[
          {"labels":{"alertname":"DiskFull","severity":"warning","instance":"db1"},"annotations":{"summary":"disk 91%"},
           "startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T01:00:00Z","fingerprint":"a","status":{"state":"active","silencedBy":[],"inhibitedBy":[]},"receivers":[{"name":"null"}],"updatedAt":"2026-01-01T00:00:00Z"},
          {"labels":{"alertname":"Down","severity":"critical"},"annotations":{},
           "startsAt":"2026-01-01T00:05:00Z","fingerprint":"b","status":{"state":"active"}}
        ]"#;
        let s = parse_alerts(body).unwrap();
        assert_eq!(s.alerts[0].name, "Down");
        let critical = crate::backends::am_matchers::parse_matchers(r#"severity="critical""#).unwrap();
        let db = crate::backends::am_matchers::parse_matchers(r#"instance=~"db.*""#).unwrap();
        assert!(s.alerts[0].matches(&critical) && !s.alerts[1].matches(&critical));
        assert!(s.alerts[1].matches(&db) && !s.alerts[0].matches(&db));
        assert_eq!(s.count(Severity::Critical), 1);
        assert_eq!(s.count(Severity::Warning), 1);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse_alerts(b"<html>").is_err());
        assert!(parse_alerts(b"{}").is_err());
    }
}
