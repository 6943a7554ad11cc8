//! opsdeck's own alerts: what the other panes see as broken, in the same
//! model as Alertmanager's, so the Alerts pane is the one triage list.
//! Judged from `Seen` — the targets as last reported — so the escalation
//! engine, which keeps its own copy of the reports, judges them the same
//! way the console does.

use crate::app::{BackendStatus, Freshness, State};
use crate::model::alerts::{AlertRow, Severity};
use crate::model::backend::BackendKind;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// One condition that holds now: name, severity, instance, summary, and
/// when it began if that is known better than "when first seen".
type Condition = (String, Severity, String, String, Option<DateTime<Utc>>);

/// What own alerts are judged from.
pub struct Seen<'a> {
    /// Every target, as its last reports left it.
    pub targets: &'a [BackendStatus],
    pub now: DateTime<Utc>,
    /// Each Alertmanager's heartbeat alert.
    pub heartbeats: &'a BTreeMap<String, String>,
    /// This machine's name, the instance of host alerts.
    pub host: &'a str,
}

impl<'a> Seen<'a> {
    pub fn of(state: &'a State) -> Seen<'a> {
        Seen {
            targets: &state.backends.targets,
            now: state.shell.now,
            heartbeats: &state.setup.heartbeats,
            host: &state.shell.identity.host,
        }
    }
}

/// Each condition that holds now.
fn conditions(seen: &Seen<'_>) -> Vec<Condition> {
    let mut out = Vec::new();
    let mut began = Vec::new();
    let mut raise = |name: &str, sev: Severity, instance: String, summary: String| {
        out.push((name.to_string(), sev, instance, summary, None));
    };
    for b in seen.targets {
        let down = b.freshness(seen.now) == Freshness::Down;
        let error = b.last_error.as_ref().map(|(_, e)| e.clone()).unwrap_or_default();
        match b.id.kind {
            BackendKind::Docker if down => raise("DockerHostDown", Severity::Critical, b.id.name.clone(), error),
            BackendKind::Docker => {
                for c in b.docker().map(|d| d.containers.as_slice()).unwrap_or_default() {
                    let instance = format!("{}/{}", b.id.name, c.name);
                    if let Some(l) = c.crash_loop {
                        // One alert for the whole loop, dated from its first restart.
                        let summary = format!(
                            "crash loop: {} restarts since {} ({})",
                            l.restarts,
                            l.since.format("%H:%M:%S"),
                            c.status
                        );
                        raise("ContainerCrashLooping", Severity::Critical, instance.clone(), summary);
                        began.push((key("ContainerCrashLooping", &instance), l.since));
                        continue;
                    }
                    match (c.state.as_str(), &c.health, c.exit_code) {
                        // Docker is bringing it back; a loop of it is critical above.
                        ("restarting", _, _) => {
                            raise("ContainerRestarting", Severity::Warning, instance, c.status.clone())
                        }
                        ("dead", _, _) => raise("ContainerDead", Severity::Critical, instance, c.status.clone()),
                        (_, crate::model::docker::Health::Unhealthy, _) => {
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
                    for (name, summary) in pg_breaches(p, seen.now) {
                        raise(name, Severity::Warning, b.id.name.clone(), summary);
                    }
                }
            }
            // The alerting pipeline itself being unreachable is an alert of its own.
            BackendKind::Alertmanager if down => {
                raise("AlertmanagerDown", Severity::Critical, b.id.name.clone(), error)
            }
            BackendKind::Alertmanager => {
                // The heartbeat alert always fires: without it nothing would page.
                let heartbeat = seen.heartbeats.get(&b.id.name);
                if let (Some(name), Some(a)) = (heartbeat, b.alerts()) {
                    if !a.alerts.iter().any(|r| &r.name == name) {
                        raise(
                            "AlertingPipelineBroken",
                            Severity::Critical,
                            b.id.name.clone(),
                            format!("the heartbeat alert {name} is missing: alerts may not reach anyone"),
                        );
                    }
                }
            }
            BackendKind::Redis if down => raise("RedisDown", Severity::Critical, b.id.name.clone(), error),
            BackendKind::Redis => {
                for (name, sev, summary) in b.redis().map(|r| r.breaches(seen.now.timestamp())).unwrap_or_default() {
                    raise(name, sev, b.id.name.clone(), summary);
                }
            }
            BackendKind::Host => {
                if let Some(h) = b.host() {
                    if h.cpu_high() {
                        raise(
                            "HostCpuHigh",
                            Severity::Warning,
                            seen.host.to_string(),
                            format!("CPU {:.0}%", h.cpu_pct.unwrap_or_default()),
                        );
                    }
                    if h.memory_high() {
                        raise(
                            "HostMemoryHigh",
                            Severity::Warning,
                            seen.host.to_string(),
                            format!("memory {:.0}%", h.memory_pct),
                        );
                    }
                    for d in h.full_disks() {
                        raise(
                            "HostDiskFull",
                            Severity::Warning,
                            format!("{}:{}", seen.host, d.mount),
                            format!("{:.0}% used", d.used_pct),
                        );
                    }
                }
            }
            // Prometheus itself unreachable: nothing it watches is seen.
            BackendKind::Prometheus if down => raise("PrometheusDown", Severity::Critical, b.id.name.clone(), error),
            BackendKind::Prometheus => {
                for (name, sev, instance, summary) in b.prometheus().map(|p| p.problems(&b.id.name)).unwrap_or_default()
                {
                    raise(name, sev, instance, summary);
                }
            }
        }
    }
    for c in out.iter_mut() {
        c.4 = began.iter().find(|(k, _)| *k == key(&c.0, &c.2)).map(|(_, t)| *t);
    }
    out
}

fn key(name: &str, instance: &str) -> String {
    format!("opsdeck/{name}/{instance}")
}

/// Keep first-seen times for the conditions that hold now, forget the rest.
pub fn refresh(state: &mut State) {
    let mut since = std::mem::take(&mut state.backends.own_alerts_since);
    track(&Seen::of(state), &mut since);
    state.backends.own_alerts_since = since;
}

/// `since` keeps, by fingerprint, when each condition that holds now was
/// first seen (or began, when that is known better); the rest are dropped.
pub fn track(seen: &Seen<'_>, since: &mut BTreeMap<String, DateTime<Utc>>) {
    let current: Vec<(String, Option<DateTime<Utc>>)> = conditions(seen)
        .iter()
        .map(|(n, _, i, _, began)| (key(n, i), *began))
        .collect();
    since.retain(|k, _| current.iter().any(|(c, _)| c == k));
    for (k, began) in current {
        since.entry(k).or_insert(began.unwrap_or(seen.now));
    }
}

/// The alerts as rows, oldest first within a severity.
pub fn rows(state: &State) -> Vec<AlertRow> {
    let now = state.shell.now;
    rows_of(&Seen::of(state), &state.backends.own_alerts_since, |fingerprint| {
        state
            .panes
            .alerts
            .acks
            .iter()
            .any(|k| k.source == crate::app::OWN_SOURCE && k.fingerprint == fingerprint && k.holds(now))
    })
}

/// The conditions as rows, dated by `since`; `acked` says which
/// fingerprints an acknowledgement in the state store holds, like a silence.
pub fn rows_of(
    seen: &Seen<'_>,
    since: &BTreeMap<String, DateTime<Utc>>,
    acked: impl Fn(&str) -> bool,
) -> Vec<AlertRow> {
    let mut rows: Vec<AlertRow> = conditions(seen)
        .into_iter()
        .map(|(name, severity, instance, summary, _)| {
            let fingerprint = key(&name, &instance);
            // Labels as Alertmanager would carry them, so one matcher
            // filter selects from both sources.
            let labels = BTreeMap::from([
                ("alertname".to_string(), name.clone()),
                ("severity".to_string(), severity.label().to_string()),
                ("instance".to_string(), instance.clone()),
                ("source".to_string(), "opsdeck".to_string()),
            ]);
            let acked = acked(&fingerprint);
            AlertRow {
                starts_at: since.get(&fingerprint).copied().unwrap_or(seen.now),
                fingerprint,
                name,
                severity,
                state: if acked { "acknowledged" } else { "active" }.into(),
                summary,
                instance,
                labels,
                silenced_by: Vec::new(),
                annotations: BTreeMap::new(),
                generator_url: String::new(),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.severity.cmp(&b.severity).then(a.starts_at.cmp(&b.starts_at)));
    rows
}

/// Database thresholds that hold now, each with the value and the threshold.
fn pg_breaches(
    p: &crate::model::postgres::PgSummary,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<(&'static str, String)> {
    let t = &p.thresholds;
    let mut out = Vec::new();
    if p.long_query() {
        let secs = p.longest_query_secs.unwrap_or_default() as i64;
        out.push((
            "PostgresLongQuery",
            format!("a query has run for {secs} s (warn at {} s)", t.long_query_secs),
        ));
    }
    let sessions = |n: usize| {
        if n == 1 {
            "1 session".to_string()
        } else {
            format!("{n} sessions")
        }
    };
    let idle: Vec<i32> = p.old_idle_in_tx().map(|s| s.pid).collect();
    if !idle.is_empty() {
        out.push((
            "PostgresIdleInTransaction",
            format!(
                "{} idle in transaction over {} s (pids {idle:?})",
                sessions(idle.len()),
                t.idle_in_tx_secs
            ),
        ));
    }
    if !p.blocks.is_empty() {
        let longest = p.blocks.iter().map(|b| b.waiting_secs).fold(0.0, f64::max) as i64;
        out.push((
            "PostgresBlockedSessions",
            format!("{} waiting on locks, longest {longest} s", sessions(p.blocks.len())),
        ));
    }
    if p.lag_breached {
        let lag = p.worst_lag_secs().unwrap_or_default() as i64;
        out.push((
            "PostgresReplicationLag",
            format!(
                "replication {lag} s behind (warn at {} s and {} bytes, for {} polls)",
                t.replication_lag_secs, t.replication_lag_bytes, t.lag_breach_samples
            ),
        ));
    }
    if let Some(n) = p.deadlocks_delta.filter(|n| *n > 0) {
        out.push(("PostgresDeadlocks", format!("{n} deadlocks since the last poll")));
    }
    if let Some(hit) = p.cache_hit_pct.filter(|_| p.cache_low()) {
        out.push((
            "PostgresCacheHitLow",
            format!("cache hit {hit:.1}% (warn under {:.0}%)", t.cache_hit_warn),
        ));
    }
    if p.xid_high() {
        out.push((
            "PostgresXidWraparound",
            format!(
                "transaction-ID age at {:.1}% of wraparound (warn at {:.0}%)",
                p.xid_wraparound_pct, t.xid_age_warn_pct
            ),
        ));
    }
    if let Some(b) = p.backup.as_ref().filter(|b| b.is_bad(now)) {
        let why = match (&b.error, &b.checksum, b.age_secs(now)) {
            (Some(e), _, _) => e.clone(),
            (_, crate::model::postgres::Checksum::Mismatch, _) => format!("{}: sha256 does not match", b.source),
            (_, crate::model::postgres::Checksum::Error(e), _) => format!("{}: cannot verify: {e}", b.source),
            (_, _, Some(age)) => format!("last backup {age} s ago (max {} s)", b.max_age_secs),
            (_, _, None) => "no backup time known".into(),
        };
        out.push(("PostgresBackupStale", why));
    }
    out
}
