//! Container checks: on a `[[docker]]` host (or a set of them), the
//! container with a name, or every container matching a name pattern, a
//! label or a Compose project, is running (or healthy), with fewer restarts
//! than `max_restarts`. Listed and inspected by the Docker backend.

use super::{CheckContext, Outcome};
use crate::backends::docker::connect::{connect, explain};
use crate::backends::docker::row::row_from_summary;
use crate::config::DockerConfig;
use crate::model::docker::{ContainerRow, Health};
use crate::runbook::model::ContainerExpect;
use crate::runbook::set::{self, Names};
use bollard::container::ListContainersOptions;
use bollard::models::ContainerInspectResponse;
use std::time::Duration;

/// What the step expects of each container.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Want {
    pub expect: ContainerExpect,
    pub max_restarts: Option<u32>,
}

/// Which containers the check is about: every condition given must hold.
pub(crate) struct Select {
    name: Option<Names>,
    /// `key=value`, or `key` alone (any value).
    label: Option<(String, Option<String>)>,
    compose_project: Option<Names>,
}

/// The label Docker Compose puts on every container of a project.
const COMPOSE_PROJECT: &str = "com.docker.compose.project";

impl Select {
    pub fn new(name: Option<&str>, label: Option<&str>, compose_project: Option<&str>) -> Result<Self, String> {
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        let label = given(label).map(|l| match l.split_once('=') {
            Some((key, value)) => (key.trim().to_string(), Some(value.trim().to_string())),
            None => (l.to_string(), None),
        });
        let select = Select {
            name: given(name).map(Names::parse).transpose()?,
            label,
            compose_project: given(compose_project).map(Names::parse).transpose()?,
        };
        if select.name.is_none() && select.label.is_none() && select.compose_project.is_none() {
            return Err("a container check needs name, label or compose_project".into());
        }
        Ok(select)
    }

    fn matches(&self, row: &ContainerRow) -> bool {
        let label = |key: &str| {
            row.labels.iter().find_map(|l| match l.split_once('=') {
                Some((k, v)) if k == key => Some(v),
                None if l == key => Some(""),
                _ => None,
            })
        };
        self.name.as_ref().is_none_or(|n| n.matches(&row.name))
            && self
                .label
                .as_ref()
                .is_none_or(|(key, value)| label(key).is_some_and(|v| value.as_deref().is_none_or(|want| v == want)))
            && self
                .compose_project
                .as_ref()
                .is_none_or(|p| label(COMPOSE_PROJECT).is_some_and(|v| p.matches(v)))
    }

    /// What was asked for, as written: `name = "web-*"`, `label = "tier=web"`.
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = &self.name {
            parts.push(format!("name = {:?}", n.written()));
        }
        if let Some((key, value)) = &self.label {
            let l = value.as_ref().map_or_else(|| key.clone(), |v| format!("{key}={v}"));
            parts.push(format!("label = {l:?}"));
        }
        if let Some(p) = &self.compose_project {
            parts.push(format!("compose_project = {:?}", p.written()));
        }
        parts.join(", ")
    }

    /// One container asked for by its exact name.
    fn is_one(&self) -> bool {
        self.label.is_none() && self.compose_project.is_none() && self.name.as_ref().is_some_and(|n| !n.is_set())
    }
}

/// One container as judged: its line and whether it passed; for a set's
/// line, its name and what is wrong with it in a few words.
struct Seen {
    passed: bool,
    line: String,
    evidence: String,
    name: String,
    why: String,
}

pub(crate) async fn check(
    ctx: &CheckContext,
    host: Option<&str>,
    select: &Select,
    want: Want,
    timeout: Duration,
) -> Result<Outcome, String> {
    let hosts: Vec<&DockerConfig> = match host.map(Names::parse).transpose()? {
        Some(names) => {
            let hosts = names.pick(&ctx.docker, |d| d.name.as_str());
            if hosts.is_empty() {
                return Ok(Outcome::failed(match names {
                    Names::One(h) => format!("no [[docker]] host named {h:?} in the config"),
                    Names::Set { written, .. } => format!("no [[docker]] host matches host = {written:?}"),
                }));
            }
            hosts
        }
        None => vec![ctx.docker.first().ok_or("no [[docker]] host in the config")?],
    };
    // Every host at once; one that cannot be read is a failing member.
    let per_host = futures::future::join_all(hosts.iter().map(|cfg| on_host(cfg, select, want, timeout))).await;
    let several = hosts.len() > 1;
    let mut seen = Vec::new();
    for (cfg, result) in hosts.iter().zip(per_host) {
        match result {
            Ok(list) => seen.extend(list.into_iter().map(|s| Seen {
                line: if several {
                    format!("{}/{}", cfg.name, s.line)
                } else {
                    s.line
                },
                name: if several {
                    format!("{}/{}", cfg.name, s.name)
                } else {
                    s.name
                },
                evidence: format!("docker host {}: {}", cfg.name, s.evidence),
                ..s
            })),
            // One host asked for: its error is the check's.
            Err(e) if !several => return Err(e),
            Err(e) => seen.push(Seen {
                passed: false,
                line: format!("docker host {}: {e}", cfg.name),
                evidence: format!("docker host {}: {e}", cfg.name),
                name: format!("docker host {}", cfg.name),
                why: e,
            }),
        }
    }
    let names: Vec<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
    if seen.is_empty() {
        let what = if select.is_one() {
            format!(
                "no container named {:?}",
                select.name.as_ref().map_or("", |n| n.written())
            )
        } else {
            format!("no container matches {}", select.describe())
        };
        let hosts = if several { "docker hosts" } else { "docker host" };
        return Ok(Outcome::failed(format!("{what} on {hosts} {}", names.join(", "))));
    }
    Ok(summarize(&seen, select))
}

/// The matching containers of one host, each judged.
async fn on_host(cfg: &DockerConfig, select: &Select, want: Want, timeout: Duration) -> Result<Vec<Seen>, String> {
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
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    // The list has no restart count and only a hint of health: inspect each.
    let inspected = futures::future::join_all(rows.iter().map(|r| client.inspect_container(&r.id, None))).await;
    Ok(rows
        .iter()
        .zip(inspected)
        .map(|(row, details)| judge(row, details.ok().as_ref(), want))
        .collect())
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
    // The same, in a few words, for a set's line.
    let mut short = Vec::new();
    if row.state != "running" {
        problems.push(format!("not running ({})", row.status));
        short.push(row.state.clone());
    }
    if want.expect == ContainerExpect::Healthy && health != "healthy" {
        let word = if health == "none" {
            "no health check".to_string()
        } else {
            format!("health {health}")
        };
        short.push(word.clone());
        problems.push(word);
    }
    if let Some(max) = want.max_restarts {
        match restarts {
            Some(n) if n < i64::from(max) => {}
            Some(n) => {
                problems.push(format!("{n} restarts, must be fewer than {max}"));
                short.push(format!("{n} restarts"));
            }
            None => {
                problems.push("restart count unknown (inspect failed)".into());
                short.push("restarts unknown".into());
            }
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
        name: row.name.clone(),
        why: short.join(", "),
    }
}

/// One observed line for all matched containers: one alone as it is; of
/// several, every failing one named and the rest counted.
fn summarize(seen: &[Seen], select: &Select) -> Outcome {
    let passed = seen.iter().all(|s| s.passed);
    let evidence = seen.iter().map(|s| s.evidence.as_str()).collect::<Vec<_>>().join("\n");
    if seen.len() == 1 && select.is_one() {
        return Outcome::new(passed, seen[0].line.clone(), evidence);
    }
    let failing: Vec<(String, String)> = seen
        .iter()
        .filter(|s| !s.passed)
        .map(|s| (s.name.clone(), s.why.clone()))
        .collect();
    let observed = if failing.is_empty() {
        let n = seen.len();
        let noun = if n == 1 { "container" } else { "containers" };
        format!("{n} of {n} {noun} ok ({})", select.describe())
    } else {
        set::failing_line("container", seen.len(), &failing)
    };
    Outcome::new(passed, observed, evidence)
}
