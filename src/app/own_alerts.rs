//! opsdeck's own alerts: what the other panes see as broken, in the same
//! model as Alertmanager's, so the Alerts pane is the one triage list.

use super::{Freshness, State};
use crate::backends::alertmanager::{AlertRow, Severity};
use crate::backends::BackendKind;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Name, severity, instance and summary of each condition that holds now.
fn conditions(state: &State) -> Vec<(String, Severity, String, String)> {
    let mut out = Vec::new();
    let mut raise = |name: &str, sev: Severity, instance: String, summary: String| {
        out.push((name.to_string(), sev, instance, summary));
    };
    for b in &state.backends {
        let down = b.freshness(state.now) == Freshness::Down;
        let error = b.last_error.as_ref().map(|(_, e)| e.clone()).unwrap_or_default();
        match b.id.kind {
            BackendKind::Docker if down => raise("DockerHostDown", Severity::Critical, b.id.name.clone(), error),
            BackendKind::Docker => {
                for c in b.docker().map(|d| d.containers.as_slice()).unwrap_or_default() {
                    let instance = format!("{}/{}", b.id.name, c.name);
                    match (c.state.as_str(), &c.health, c.exit_code) {
                        ("restarting", _, _) => {
                            raise("ContainerRestarting", Severity::Critical, instance, c.status.clone())
                        }
                        ("dead", _, _) => raise("ContainerDead", Severity::Critical, instance, c.status.clone()),
                        (_, crate::backends::docker::Health::Unhealthy, _) => {
                            raise("ContainerUnhealthy", Severity::Warning, instance, c.status.clone())
                        }
                        ("exited", _, Some(code)) if code != 0 => {
                            raise("ContainerExited", Severity::Warning, instance, c.status.clone())
                        }
                        _ => {}
                    }
                }
            }
            BackendKind::Http if down => raise("EndpointDown", Severity::Critical, b.id.name.clone(), error),
            BackendKind::Http => {
                if let Some(p) = b.http() {
                    if !p.ok() {
                        let summary = format!(
                            "HTTP {} (want {}), {} failed in a row",
                            p.status, p.expected, p.failures
                        );
                        raise("EndpointFailing", Severity::Critical, b.id.name.clone(), summary);
                    }
                    if let Some(days) = p.cert_days_left.filter(|_| p.cert_expiring()) {
                        raise(
                            "CertificateExpiring",
                            Severity::Warning,
                            b.id.name.clone(),
                            format!("expires in {days} days"),
                        );
                    }
                }
            }
            BackendKind::Postgres if down => raise("PostgresDown", Severity::Critical, b.id.name.clone(), error),
            BackendKind::Postgres => {
                if let Some(p) = b.postgres() {
                    if p.connections_high() {
                        let s = format!(
                            "{} of {} connections (warn at {})",
                            p.connections, p.max_connections, p.thresholds.connections_warn
                        );
                        raise("PostgresConnectionsHigh", Severity::Warning, b.id.name.clone(), s);
                    }
                    if p.long_query() {
                        let secs = p.longest_query_secs.unwrap_or_default() as i64;
                        raise(
                            "PostgresLongQuery",
                            Severity::Warning,
                            b.id.name.clone(),
                            format!("a query has run for {secs} s"),
                        );
                    }
                }
            }
            // The alerting pipeline itself being unreachable is an alert of its own.
            BackendKind::Alertmanager if down => {
                raise("AlertmanagerDown", Severity::Critical, b.id.name.clone(), error)
            }
            BackendKind::Alertmanager => {}
            BackendKind::Host => {
                if let Some(h) = b.host() {
                    if h.cpu_high() {
                        raise(
                            "HostCpuHigh",
                            Severity::Warning,
                            state.identity.host.clone(),
                            format!("CPU {:.0}%", h.cpu_pct.unwrap_or_default()),
                        );
                    }
                    if h.memory_high() {
                        raise(
                            "HostMemoryHigh",
                            Severity::Warning,
                            state.identity.host.clone(),
                            format!("memory {:.0}%", h.memory_pct),
                        );
                    }
                    for d in h.full_disks() {
                        raise(
                            "HostDiskFull",
                            Severity::Warning,
                            format!("{}:{}", state.identity.host, d.mount),
                            format!("{:.0}% used", d.used_pct),
                        );
                    }
                }
            }
        }
    }
    out
}

fn key(name: &str, instance: &str) -> String {
    format!("opsdeck/{name}/{instance}")
}

/// Keep first-seen times for the conditions that hold now, forget the rest.
pub fn refresh(state: &mut State) {
    let now = state.now;
    let current: Vec<String> = conditions(state).iter().map(|(n, _, i, _)| key(n, i)).collect();
    state.own_alerts_since.retain(|k, _| current.contains(k));
    for k in current {
        state.own_alerts_since.entry(k).or_insert(now);
    }
}

/// The alerts as rows, oldest first within a severity.
pub fn rows(state: &State) -> Vec<AlertRow> {
    rows_from(state, &state.own_alerts_since)
}

fn rows_from(state: &State, since: &BTreeMap<String, DateTime<Utc>>) -> Vec<AlertRow> {
    let mut rows: Vec<AlertRow> = conditions(state)
        .into_iter()
        .map(|(name, severity, instance, summary)| {
            let fingerprint = key(&name, &instance);
            AlertRow {
                starts_at: since.get(&fingerprint).copied().unwrap_or(state.now),
                fingerprint,
                name,
                severity,
                state: "active".into(),
                summary,
                instance,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.severity.cmp(&b.severity).then(a.starts_at.cmp(&b.starts_at)));
    rows
}
