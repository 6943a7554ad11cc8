//! Prometheus Alertmanager, API v2: the alerts it holds.

pub mod look;
pub mod silences;

use crate::config::AlertmanagerConfig;
pub use crate::model::alerts::{AlertRow, AlertsSummary, ClusterStatus, Severity, Silence};
use crate::text::clean;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

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

impl GettableAlert {
    /// The alert with no control character left in its text: labels and
    /// annotations are anyone's words, and are drawn on the terminal.
    /// Annotations are shown one per line: their line breaks become spaces.
    fn cleaned(self) -> Self {
        // Nearly every map is clean: kept as it is, not rebuilt (10,000
        // alerts a second).
        let map = |m: BTreeMap<String, String>, value: fn(String) -> String| {
            if m.iter().all(|(k, v)| clean::is_clean(k) && clean::is_clean(v)) {
                return m;
            }
            m.into_iter().map(|(k, v)| (clean::line(k), value(v))).collect()
        };
        Self {
            labels: map(self.labels, clean::line),
            annotations: map(self.annotations, clean::flat),
            starts_at: self.starts_at,
            fingerprint: clean::line(self.fingerprint),
            generator_url: clean::line(self.generator_url),
            status: AlertStatus {
                state: clean::line(self.status.state),
                silenced_by: self.status.silenced_by.into_iter().map(clean::line).collect(),
            },
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AlertStatus {
    state: String,
    #[serde(default)]
    silenced_by: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GettableSilence {
    id: String,
    #[serde(default)]
    matchers: Vec<RawMatcher>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    #[serde(default)]
    created_by: String,
    #[serde(default)]
    comment: String,
    status: SilenceStatus,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMatcher {
    name: String,
    value: String,
    #[serde(default)]
    is_regex: bool,
    #[serde(default = "yes")]
    is_equal: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct SilenceStatus {
    state: String,
}

#[derive(Deserialize)]
struct RawStatus {
    cluster: Option<RawCluster>,
}

#[derive(Deserialize)]
struct RawCluster {
    status: String,
    #[serde(default)]
    peers: Option<Vec<serde_json::Value>>,
}

pub struct AlertmanagerPoller {
    url: crate::config::ConfigUrl,
    client: Result<reqwest::Client, String>,
    timeout: std::time::Duration,
    /// The last two lists sent: by the time a third is made the UI has let
    /// go of the oldest, so it is freed here.
    sent: std::collections::VecDeque<std::sync::Arc<AlertsSummary>>,
}

impl AlertmanagerPoller {
    pub fn new(cfg: &AlertmanagerConfig) -> Self {
        let client = crate::backends::http_client(cfg.timeout);
        Self {
            url: cfg.url.clone(),
            client,
            timeout: cfg.timeout,
            sent: std::collections::VecDeque::with_capacity(3),
        }
    }

    /// The current list, shared with the UI (see `BackendData::Alerts`).
    pub async fn poll(&mut self) -> Result<std::sync::Arc<AlertsSummary>, String> {
        let summary = std::sync::Arc::new(self.fetch().await?);
        self.sent.push_back(summary.clone());
        if self.sent.len() > 2 {
            self.sent.pop_front();
        }
        Ok(summary)
    }

    /// Alerts, silences and cluster status, asked at the same time. Alerts
    /// and silences are needed; a status that cannot be read is left out.
    async fn fetch(&self) -> Result<AlertsSummary, String> {
        let client = self.client.as_ref().map_err(Clone::clone)?;
        let base = self.url.expand()?;
        let base = base.expose().trim_end_matches('/');
        let t = self.timeout;
        let alerts = get(
            client,
            t,
            format!("{base}/api/v2/alerts"),
            &[("active", "true"), ("silenced", "true"), ("inhibited", "true")],
        );
        let silences = get(client, t, format!("{base}/api/v2/silences"), &[]);
        let status = get(client, t, format!("{base}/api/v2/status"), &[]);
        let (alerts, silences, status) = tokio::join!(alerts, silences, status);
        let mut summary = parse_alerts(&alerts?)?;
        summary.silences = parse_silences(&silences?)?;
        summary.cluster = status.ok().and_then(|b| parse_status(&b).ok());
        Ok(summary)
    }
}

async fn get(
    client: &reqwest::Client,
    timeout: std::time::Duration,
    url: String,
    query: &[(&str, &str)],
) -> Result<bytes::Bytes, String> {
    let failed = |e| crate::backends::http_error(e, timeout);
    let resp = client.get(url).query(query).send().await.map_err(failed)?;
    if !resp.status().is_success() {
        return Err(format!("Alertmanager answered HTTP {}", resp.status()));
    }
    resp.bytes().await.map_err(failed)
}

/// Parse `/api/v2/silences`: the active ones, newest first.
pub fn parse_silences(body: &[u8]) -> Result<Vec<Silence>, String> {
    let raw: Vec<GettableSilence> =
        serde_json::from_slice(body).map_err(|e| format!("unexpected silences from Alertmanager: {e}"))?;
    let mut silences: Vec<Silence> = raw
        .into_iter()
        .filter(|s| s.status.state == "active")
        .map(|s| Silence {
            matchers: s
                .matchers
                .iter()
                .map(|m| {
                    let op = match (m.is_equal, m.is_regex) {
                        (true, false) => "=",
                        (false, false) => "!=",
                        (true, true) => "=~",
                        (false, true) => "!~",
                    };
                    clean::line(format!("{}{op}{:?}", m.name, m.value))
                })
                .collect(),
            id: clean::line(s.id),
            created_by: clean::line(s.created_by),
            comment: crate::text::one_line(&s.comment),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
        })
        .collect();
    silences.sort_by_key(|s| std::cmp::Reverse(s.starts_at));
    Ok(silences)
}

/// Parse `/api/v2/status` for the cluster part.
pub fn parse_status(body: &[u8]) -> Result<ClusterStatus, String> {
    let raw: RawStatus = serde_json::from_slice(body).map_err(|e| format!("unexpected status: {e}"))?;
    let c = raw.cluster.ok_or("no cluster in the status")?;
    Ok(ClusterStatus {
        status: clean::line(c.status),
        peers: c.peers.map(|p| p.len()).unwrap_or_default(),
    })
}

/// Parse `/api/v2/alerts`. Garbage is an error, never a panic.
pub fn parse_alerts(body: &[u8]) -> Result<AlertsSummary, String> {
    let raw: Vec<GettableAlert> =
        serde_json::from_slice(body).map_err(|e| format!("unexpected answer from Alertmanager: {e}"))?;
    let mut alerts: Vec<AlertRow> = raw
        .into_iter()
        .map(GettableAlert::cleaned)
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
                .map(|s| crate::text::one_line(s))
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
    Ok(AlertsSummary {
        alerts,
        ..AlertsSummary::default()
    })
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
        let critical = crate::model::matchers::parse_matchers(r#"severity="critical""#).unwrap();
        let db = crate::model::matchers::parse_matchers(r#"instance=~"db.*""#).unwrap();
        assert!(s.alerts[0].matches(&critical) && !s.alerts[1].matches(&critical));
        assert!(s.alerts[1].matches(&db) && !s.alerts[0].matches(&db));
        assert_eq!(s.count(Severity::Critical), 1);
        assert_eq!(s.count(Severity::Warning), 1);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse_alerts(b"<html>").is_err());
        assert!(parse_alerts(b"{}").is_err());
        assert!(parse_silences(b"[{\"id\": 3}]").is_err());
        assert!(parse_status(b"{\"cluster\": 1}").is_err());
    }

    #[test]
    fn active_silences_with_their_matchers_newest_first() {
        let body = br#"[
          {"id":"old","matchers":[{"name":"alertname","value":"Down","isRegex":false,"isEqual":true}],
           "startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T02:00:00Z","createdBy":"ana","comment":"ack: on it",
           "status":{"state":"active"}},
          {"id":"new","matchers":[{"name":"instance","value":"db.*","isRegex":true,"isEqual":false}],
           "startsAt":"2026-01-01T01:00:00Z","endsAt":"2026-01-01T02:00:00Z","createdBy":"bo","comment":"maintenance\nwindow",
           "status":{"state":"active"}},
          {"id":"gone","matchers":[],"startsAt":"2025-01-01T00:00:00Z","endsAt":"2025-01-01T01:00:00Z",
           "createdBy":"x","comment":"","status":{"state":"expired"}}
        ]"#;
        let s = parse_silences(body).unwrap();
        assert_eq!(s.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["new", "old"]);
        assert_eq!(s[0].matchers, [r#"instance!~"db.*""#]);
        assert_eq!(s[1].matchers, [r#"alertname="Down""#]);
        assert!(s[1].is_ack() && !s[0].is_ack());
        assert_eq!(s[0].comment, "maintenance window");
    }

    #[test]
    fn cluster_status_counts_peers() {
        let body = br#"{"cluster":{"name":"01H","status":"ready","peers":[{"name":"a","address":"127.0.0.1:9094"},{"name":"b","address":"127.0.0.1:9095"}]},"uptime":"2026-01-01T00:00:00Z"}"#;
        assert_eq!(
            parse_status(body).unwrap(),
            ClusterStatus {
                status: "ready".into(),
                peers: 2
            }
        );
        let disabled = br#"{"cluster":{"status":"disabled"}}"#;
        assert_eq!(parse_status(disabled).unwrap().peers, 0);
    }
}
