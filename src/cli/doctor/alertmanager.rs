//! An `[[alertmanager]]` target: API v2 answers at the url (`GET
//! /api/v2/status`), and the server's clock (its `Date` header).

use super::{bounded, clock, Finding};
use crate::config::AlertmanagerConfig;

pub async fn check(cfg: &AlertmanagerConfig) -> Vec<Finding> {
    let subject = format!("alertmanager {:?}", cfg.name);
    let shown = cfg.url.to_string();
    let url = match cfg.url.expand() {
        Ok(u) => u,
        Err(e) => return vec![Finding::fail(&subject, e, "set the variable the url names")],
    };
    let client = match crate::backends::http_client(cfg.timeout) {
        Ok(c) => c,
        Err(e) => return vec![Finding::fail(&subject, e, "report this: no HTTP client could be made")],
    };
    let status_url = format!("{}/api/v2/status", url.expose().trim_end_matches('/'));
    let before = chrono::Utc::now();
    let answer = bounded(cfg.timeout, async {
        let resp = client
            .get(status_url)
            .send()
            .await
            .map_err(|e| crate::backends::http_error(e, cfg.timeout))?;
        let status = resp.status();
        let date = resp
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|d| d.to_str().ok())
            .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
            .map(|d| d.to_utc());
        let body = resp
            .bytes()
            .await
            .map_err(|e| crate::backends::http_error(e, cfg.timeout))?;
        Ok((status, date, body))
    })
    .await;
    let after = chrono::Utc::now();
    let (status, date, body) = match answer {
        Ok(a) => a,
        Err(e) => {
            return vec![Finding::fail(
                &subject,
                format!("not reachable at {shown}: {e}"),
                "check the url (Alertmanager listens on port 9093 by default) and that it runs",
            )]
        }
    };
    let api = "the url is Alertmanager's base, http://HOST:9093, without /api/...";
    if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
        return vec![Finding::fail(
            &subject,
            format!("{shown} refused us: HTTP {status}"),
            "give the credentials in the url by reference (https://user:${VAR}@host)",
        )];
    }
    if !status.is_success() {
        return vec![Finding::fail(
            &subject,
            format!("{shown}/api/v2/status answered HTTP {status}: not Alertmanager's API v2"),
            api,
        )];
    }
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    let Some(version) = parsed
        .as_ref()
        .filter(|v| v.get("cluster").is_some() || v.get("versionInfo").is_some())
    else {
        return vec![Finding::fail(
            &subject,
            format!("{shown}/api/v2/status is not Alertmanager's status"),
            api,
        )];
    };
    let version = version["versionInfo"]["version"].as_str().unwrap_or("?");
    let mut out = vec![Finding::ok(
        &subject,
        format!(
            "API v2 answers at {shown}, Alertmanager {}",
            crate::text::clean::line(version.to_string())
        ),
    )];
    match date {
        Some(d) => out.push(clock(&subject, d, before, after, std::time::Duration::from_secs(1))),
        None => out.push(Finding::info(&subject, "no Date header: clock not compared")),
    }
    out
}
