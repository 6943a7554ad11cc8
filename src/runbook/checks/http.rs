//! HTTP checks: an endpoint (a `[[http]]` name or a set of them, the URL
//! expanded from the environment, or a URL written in the runbook) answers the expected
//! status, within `max_latency`, with a certificate valid `min_cert_days`
//! more. Probed by the HTTP backend's own request code.

use super::{CheckContext, Outcome};
use crate::backends::http::{client, get_once};
use crate::config::{HttpConfig, Secret};
use crate::runbook::set::{self, Names};
use std::time::Duration;

/// How much of the body the evidence keeps: enough for a health payload.
const BODY_LIMIT: usize = 2048;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Want {
    pub status: u16,
    pub max_latency: Option<Duration>,
    pub min_cert_days: Option<i64>,
}

pub(crate) async fn check(
    ctx: &CheckContext,
    endpoint: Option<&str>,
    url: Option<&str>,
    want: Want,
    timeout: Duration,
) -> Result<Outcome, String> {
    match (endpoint, url) {
        (Some(name), None) if set::is_set(name) => over_set(ctx, name, want, timeout).await,
        (Some(name), None) => {
            let h = ctx
                .http
                .iter()
                .find(|h| h.name == name)
                .ok_or_else(|| format!("no [[http]] endpoint named {name:?} in the config"))?;
            one(h, want, timeout).await
        }
        // A runbook's own URL is taken literally: runbooks do not read the environment.
        (None, Some(u)) => probe(Secret::new(u), u.to_string(), want, timeout).await,
        _ => Err("an http check needs either endpoint or url".into()),
    }
}

/// A configured endpoint, its URL expanded from the environment.
async fn one(h: &HttpConfig, want: Want, timeout: Duration) -> Result<Outcome, String> {
    // `shown` is safe to print: the URL as written, never its expansion.
    probe(h.url.expand()?, format!("{} ({})", h.name, h.url), want, timeout).await
}

/// Every `[[http]]` endpoint the pattern matches, each probed; with
/// `min_cert_days`, only the https ones (a certificate is asked of them).
async fn over_set(ctx: &CheckContext, pattern: &str, want: Want, timeout: Duration) -> Result<Outcome, String> {
    let names = Names::parse(pattern)?;
    let mut members = names.pick(&ctx.http, |h| h.name.as_str());
    if members.is_empty() {
        return Ok(Outcome::failed(format!(
            "no [[http]] endpoint matches endpoint = {pattern:?}"
        )));
    }
    if want.min_cert_days.is_some() {
        members.retain(|h| {
            h.url
                .expand()
                .is_ok_and(|u| u.expose().to_ascii_lowercase().starts_with("https://"))
        });
        if members.is_empty() {
            return Ok(Outcome::not_applicable(&format!(
                "no https [[http]] endpoint matches endpoint = {pattern:?}"
            )));
        }
    }
    let results = futures::future::join_all(members.iter().map(|h| async move {
        (
            h.name.as_str(),
            one(h, want, timeout).await.unwrap_or_else(Outcome::failed),
        )
    }))
    .await;
    let evidence = results
        .iter()
        .map(|(name, o)| format!("{name}: {}", o.evidence))
        .collect::<Vec<_>>()
        .join("\n\n");
    Ok(Outcome::of_members("endpoint", &results, evidence))
}

/// One GET, judged.
async fn probe(url: Secret, shown: String, want: Want, timeout: Duration) -> Result<Outcome, String> {
    let https = url.expose().to_ascii_lowercase().starts_with("https://");
    let client = client(timeout)?;
    let answer = get_once(&client, url.expose(), timeout, BODY_LIMIT).await?;

    let mut problems = Vec::new();
    if answer.status != want.status {
        problems.push(format!("expected {}", want.status));
    }
    if let Some(max) = want.max_latency {
        if u128::from(answer.latency_ms) > max.as_millis() {
            problems.push(format!("slower than {}", humantime::format_duration(max)));
        }
    }
    let mut observed = format!("HTTP {} in {} ms", answer.status, answer.latency_ms);
    match (answer.cert_days_left, want.min_cert_days) {
        (Some(days), min) => {
            observed.push_str(&format!(", certificate {days} days"));
            if let Some(min) = min.filter(|m| days < *m) {
                problems.push(format!("certificate expires in under {min} days"));
            }
        }
        (None, Some(_)) if !https => problems.push("no certificate: not an https URL".into()),
        (None, Some(_)) => problems.push("no server certificate seen".into()),
        (None, None) => {}
    }
    if !problems.is_empty() {
        observed = format!("{observed}: {}", problems.join(", "));
    }
    let mut evidence = format!(
        "GET {shown}\nHTTP {} {} in {} ms",
        answer.status, answer.reason, answer.latency_ms
    );
    if let Some(days) = answer.cert_days_left {
        evidence.push_str(&format!("\ncertificate expires in {days} days"));
    }
    for (name, value) in &answer.headers {
        evidence.push_str(&format!("\n{name}: {value}"));
    }
    if !answer.body_start.is_empty() {
        evidence.push_str("\n\n");
        evidence.push_str(&answer.body_start);
    }
    Ok(Outcome::new(problems.is_empty(), observed, evidence))
}
