//! Container checks: on a `[[docker]]` host, the container with a name or
//! every container with a label is running (or healthy), with fewer
//! restarts than `max_restarts`. Listed and inspected by the Docker backend.

use super::{CheckContext, Outcome};
use crate::backends::docker::connect::{connect, explain};
use crate::backends::docker::row::row_from_summary;
use crate::model::docker::{ContainerRow, Health};
use crate::runbook::model::ContainerExpect;
use bollard::container::ListContainersOptions;
use bollard::models::ContainerInspectResponse;
use std::time::Duration;

/// What the step expects of each container.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Want {
    pub expect: ContainerExpect,
    pub max_restarts: Option<u32>,
}

/// Which containers the check is about.
enum Select<'a> {
    Name(&'a str),
    /// `key=value`, or `key` alone (any value).
    Label {
        key: &'a str,
        value: Option<&'a str>,
    },
}

impl Select<'_> {
    fn matches(&self, row: &ContainerRow) -> bool {
        match self {
            Select::Name(n) => row.name == *n,
            Select::Label { key, value } => row.labels.iter().any(|l| match l.split_once('=') {
                Some((k, v)) => k == *key && value.is_none_or(|want| v == want),
                None => l == key,
            }),
        }
    }

    fn describe(&self) -> String {
        match self {
            Select::Name(n) => format!("no container named {n:?}"),
            Select::Label { key, value: Some(v) } => format!("no container with label {key}={v}"),
            Select::Label { key, value: None } => format!("no container with label {key}"),
        }
    }
}

/// One container as judged: its line and whether it passed.
struct Seen {
    passed: bool,
    line: String,
    evidence: String,
}

pub(crate) async fn check(
    ctx: &CheckContext,
    host: Option<&str>,
    name: Option<&str>,
    label: Option<&str>,
    want: Want,
    timeout: Duration,
) -> Result<Outcome, String> {
    let cfg = match host {
        Some(h) => ctx
            .docker
            .iter()
            .find(|d| d.name == h)
            .ok_or_else(|| format!("no [[docker]] host named {h:?} in the config"))?,
        None => ctx.docker.first().ok_or("no [[docker]] host in the config")?,
    };
    let select = match (name, label) {
        (Some(n), None) if !n.is_empty() => Select::Name(n),
        (None, Some(l)) if !l.is_empty() => match l.split_once('=') {
            Some((key, value)) => Select::Label {
                key: key.trim(),
                value: Some(value.trim()),
            },
            None => Select::Label {
                key: l.trim(),
                value: None,
            },
        },
        _ => return Err("a container check needs either name or label".into()),
    };
    let client = connect(cfg, timeout.as_secs().max(1)).await?;
    let list = client
        .list_containers(Some(ListContainersOptions::<String> {
            all: true,
            ..Default::default()
        }))
        .await
        .map_err(|e| explain(&e))?;
    let mut rows: Vec<ContainerRow> = list
        .into_iter()
        .map(row_from_summary)
        .filter(|r| select.matches(r))
        .collect();
    if rows.is_empty() {
        return Ok(Outcome::failed(format!(
            "{} on docker host {}",
            select.describe(),
            cfg.name
        )));
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    // The list has no restart count and only a hint of health: inspect each.
    let inspected = futures::future::join_all(rows.iter().map(|r| client.inspect_container(&r.id, None))).await;
    let seen: Vec<Seen> = rows
        .iter()
        .zip(inspected)
        .map(|(row, details)| judge(row, details.ok().as_ref(), want))
        .collect();
    Ok(summarize(&seen, &select, &cfg.name))
}

/// One container against the expectation.
fn judge(row: &ContainerRow, details: Option<&ContainerInspectResponse>, want: Want) -> Seen {
    let state = details.and_then(|d| d.state.as_ref());
    let health = match state.and_then(|s| s.health.as_ref()).and_then(|h| h.status) {
        Some(s) => s.to_string(),
        // Inspect failed (removed meanwhile): what the list said.
        None => match row.health {
            Health::Healthy => "healthy".into(),
            Health::Unhealthy => "unhealthy".into(),
            Health::Starting => "starting".into(),
            Health::None => "none".into(),
        },
    };
    let health = if health.is_empty() { "none".to_string() } else { health };
    let restarts = details.and_then(|d| d.restart_count);
    let mut problems = Vec::new();
    if row.state != "running" {
        problems.push(format!("not running ({})", row.status));
    }
    if want.expect == ContainerExpect::Healthy && health != "healthy" {
        problems.push(if health == "none" {
            "no health check".to_string()
        } else {
            format!("health {health}")
        });
    }
    if let Some(max) = want.max_restarts {
        match restarts {
            Some(n) if n < i64::from(max) => {}
            Some(n) => problems.push(format!("{n} restarts, must be fewer than {max}")),
            None => problems.push("restart count unknown (inspect failed)".into()),
        }
    }
    let health_word = match health.as_str() {
        "none" => "no health check".to_string(),
        "starting" => "health starting".to_string(),
        h => h.to_string(),
    };
    let restart_words = match restarts {
        Some(1) => ", 1 restart".to_string(),
        Some(n) => format!(", {n} restarts"),
        None => String::new(),
    };
    let mut line = format!("{}: {}, {health_word}{restart_words}", row.name, row.state);
    if !problems.is_empty() {
        line = format!("{line} — {}", problems.join(", "));
    }
    let mut evidence = format!(
        "{} ({}) image {}: {}; state {}, health {health}",
        row.name,
        row.id.chars().take(12).collect::<String>(),
        row.image,
        row.status,
        row.state
    );
    if let Some(n) = restarts {
        evidence.push_str(&format!(", restarts {n}"));
    }
    if let Some(st) = state {
        if st.oom_killed == Some(true) {
            evidence.push_str(", OOM-killed");
        }
        // The last health check's output says why a container is unhealthy.
        let last_log = st.health.as_ref().and_then(|h| h.log.as_ref()).and_then(|l| l.last());
        if let Some(output) = last_log.and_then(|l| l.output.as_deref()) {
            let flat: String = output.split_whitespace().collect::<Vec<_>>().join(" ");
            if !flat.is_empty() {
                evidence.push_str(&format!("; last health check: {flat}"));
            }
        }
    }
    Seen {
        passed: problems.is_empty(),
        line,
        evidence,
    }
}

/// One observed line for all matched containers: failing ones first.
fn summarize(seen: &[Seen], select: &Select, host: &str) -> Outcome {
    let passed = seen.iter().all(|s| s.passed);
    let evidence = format!(
        "docker host {host}\n{}",
        seen.iter().map(|s| s.evidence.as_str()).collect::<Vec<_>>().join("\n")
    );
    if seen.len() == 1 {
        return Outcome::new(passed, seen[0].line.clone(), evidence);
    }
    let ok = seen.iter().filter(|s| s.passed).count();
    let what = match select {
        Select::Name(n) => format!("named {n}"),
        Select::Label { key, value: Some(v) } => format!("{key}={v}"),
        Select::Label { key, value: None } => key.to_string(),
    };
    let shown: Vec<&str> = seen
        .iter()
        .filter(|s| !s.passed)
        .chain(seen.iter().filter(|s| s.passed))
        .take(3)
        .map(|s| s.line.as_str())
        .collect();
    let more = seen.len().saturating_sub(shown.len());
    let tail = if more > 0 {
        format!("; {more} more")
    } else {
        String::new()
    };
    Outcome::new(
        passed,
        format!(
            "{ok} of {} containers ({what}) ok: {}{tail}",
            seen.len(),
            shown.join("; ")
        ),
        evidence,
    )
}
