//! One alert's silencing and one silence's state, read back from
//! Alertmanager: what a verified acknowledgement or expiry is judged from.

use crate::config::AlertmanagerConfig;
use crate::text::clean;
use serde::Deserialize;

/// An alert as Alertmanager says it stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertLook {
    /// active, suppressed or unprocessed.
    pub state: String,
    pub silenced_by: Vec<String>,
}

impl AlertLook {
    pub fn describe(&self) -> String {
        match &self.silenced_by[..] {
            [] => self.state.clone(),
            ids => format!("{}, silenced by {}", self.state, ids.join(", ")),
        }
    }
}

#[derive(Deserialize)]
struct RawAlert {
    fingerprint: String,
    status: RawStatus,
}

#[derive(Deserialize)]
struct RawStatus {
    state: String,
    #[serde(default, rename = "silencedBy")]
    silenced_by: Vec<String>,
}

#[derive(Deserialize)]
struct RawSilence {
    status: RawSilenceStatus,
}

#[derive(Deserialize)]
struct RawSilenceStatus {
    state: String,
}

/// The alert with `fingerprint`; `None` when it no longer fires.
pub async fn alert(cfg: &AlertmanagerConfig, fingerprint: &str) -> Result<Option<AlertLook>, String> {
    let body = get(cfg, "/api/v2/alerts?active=true&silenced=true&inhibited=true").await?;
    let alerts: Vec<RawAlert> =
        serde_json::from_slice(&body).map_err(|e| format!("unexpected answer from Alertmanager: {e}"))?;
    Ok(alerts
        .into_iter()
        .find(|a| a.fingerprint == fingerprint)
        .map(|a| AlertLook {
            state: clean::line(a.status.state),
            silenced_by: a.status.silenced_by.into_iter().map(clean::line).collect(),
        }))
}

/// A silence's state: pending, active or expired.
pub async fn silence_state(cfg: &AlertmanagerConfig, id: &str) -> Result<String, String> {
    // The id goes into the path: only what Alertmanager's ids are made of.
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(format!("not a silence id: {id:?}"));
    }
    let body = get(cfg, &format!("/api/v2/silence/{id}")).await?;
    let s: RawSilence =
        serde_json::from_slice(&body).map_err(|e| format!("unexpected answer from Alertmanager: {e}"))?;
    Ok(clean::line(s.status.state))
}

async fn get(cfg: &AlertmanagerConfig, path: &str) -> Result<bytes::Bytes, String> {
    let client = crate::backends::http_client(cfg.timeout)?;
    let base = cfg.url.expand()?;
    let url = format!("{}{path}", base.expose().trim_end_matches('/'));
    let failed = |e| crate::backends::http_error(e, cfg.timeout);
    let resp = client.get(url).send().await.map_err(failed)?;
    if !resp.status().is_success() {
        return Err(format!("Alertmanager answered HTTP {}", resp.status()));
    }
    resp.bytes().await.map_err(failed)
}
