//! Acknowledge by silence, and expire: Alertmanager API v2 silences.

use crate::config::AlertmanagerConfig;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Create a silence whose matchers are exactly `labels` (equal, not regex;
/// a value that held a control character, shown with a placeholder, by a
/// pattern where the placeholder stands for one character), from now for
/// `duration`. Returns the silence id Alertmanager gave it.
pub async fn create(
    cfg: &AlertmanagerConfig,
    labels: &BTreeMap<String, String>,
    created_by: &str,
    comment: &str,
    duration: std::time::Duration,
) -> Result<String, String> {
    if labels.is_empty() {
        return Err("an alert without labels cannot be silenced exactly".into());
    }
    let now: DateTime<Utc> = Utc::now();
    let ends = now + chrono::Duration::from_std(duration).map_err(|e| e.to_string())?;
    let matchers: Vec<serde_json::Value> = labels
        .iter()
        .map(|(name, value)| match crate::text::clean::matching_pattern(value) {
            // A value shown with placeholders: Alertmanager holds the original.
            Some(pattern) => serde_json::json!({ "name": name, "value": pattern, "isRegex": true, "isEqual": true }),
            None => serde_json::json!({ "name": name, "value": value, "isRegex": false, "isEqual": true }),
        })
        .collect();
    post(cfg, matchers, now, ends, created_by, comment).await
}

/// Create a silence for Alertmanager matchers as written (`=`, `!=`, `=~`,
/// `!~`), from `starts` until `ends`: a maintenance window's. Returns the
/// silence id Alertmanager gave it.
pub async fn create_matching(
    cfg: &AlertmanagerConfig,
    matchers: &[crate::model::matchers::Matcher],
    created_by: &str,
    comment: &str,
    (starts, ends): (DateTime<Utc>, DateTime<Utc>),
) -> Result<String, String> {
    use crate::model::matchers::MatchOp;
    if matchers.is_empty() {
        return Err("a silence needs at least one matcher".into());
    }
    let matchers = matchers
        .iter()
        .map(|m| {
            let (is_regex, is_equal) = match m.op {
                MatchOp::Equal => (false, true),
                MatchOp::NotEqual => (false, false),
                MatchOp::Regex => (true, true),
                MatchOp::NotRegex => (true, false),
            };
            serde_json::json!({ "name": m.name, "value": m.value, "isRegex": is_regex, "isEqual": is_equal })
        })
        .collect();
    post(cfg, matchers, starts, ends, created_by, comment).await
}

/// POST one silence; its id, or Alertmanager's refusal in plain words.
async fn post(
    cfg: &AlertmanagerConfig,
    matchers: Vec<serde_json::Value>,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    created_by: &str,
    comment: &str,
) -> Result<String, String> {
    let body = serde_json::json!({
        "matchers": matchers,
        "startsAt": starts.to_rfc3339(),
        "endsAt": ends.to_rfc3339(),
        "createdBy": created_by,
        "comment": comment,
    });
    let resp = client(cfg)?
        .post(format!("{}/api/v2/silences", base(cfg)?))
        .json(&body)
        .send()
        .await
        .map_err(|e| crate::backends::http_error(e, cfg.timeout))?;
    let status = resp.status();
    let text = resp
        .text()
        .await
        .map_err(|e| crate::backends::http_error(e, cfg.timeout))?;
    if !status.is_success() {
        return Err(format!(
            "Alertmanager refused the silence: HTTP {status}: {}",
            crate::text::one_line(&text)
        ));
    }
    #[derive(serde::Deserialize)]
    struct Created {
        // The v2 API spells it silenceID.
        #[serde(rename = "silenceID", alias = "silenceId")]
        silence_id: String,
    }
    serde_json::from_str::<Created>(&text)
        .map(|c| c.silence_id)
        .map_err(|e| format!("unexpected answer from Alertmanager: {e}"))
}

/// Expire one silence now.
pub async fn expire(cfg: &AlertmanagerConfig, id: &str) -> Result<(), String> {
    // The id goes into the path: only what Alertmanager's ids are made of.
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(format!("not a silence id: {id:?}"));
    }
    let resp = client(cfg)?
        .delete(format!("{}/api/v2/silence/{id}", base(cfg)?))
        .send()
        .await
        .map_err(|e| crate::backends::http_error(e, cfg.timeout))?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!("Alertmanager answered HTTP {} to expiring {id}", resp.status()))
    }
}

fn client(cfg: &AlertmanagerConfig) -> Result<reqwest::Client, String> {
    crate::backends::http_client(cfg.timeout)
}

fn base(cfg: &AlertmanagerConfig) -> Result<String, String> {
    Ok(cfg.url.expand()?.expose().trim_end_matches('/').to_string())
}
