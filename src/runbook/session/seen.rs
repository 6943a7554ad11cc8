//! What the panes saw while a session was open, as lines of its report's
//! timeline: containers changing state, health and restart count, blocked
//! PostgreSQL sessions appearing and clearing, HTTP checks failing and
//! passing again, backends becoming unreachable and answering again (from
//! the flight recorder's models, fed in time order), and alerts firing,
//! resolving and acknowledged (from its alert episodes).
//!
//! No IO: the caller walks the recorded rows and hands each one over.

use crate::model::backend::{BackendData, BackendId, BackendKind};
use crate::model::docker::{ContainerRow, DockerSummary, Health};
use crate::model::http::HttpProbe;
use crate::model::postgres::PgSummary;
use crate::store::history::alerts::AlertEpisode;
use crate::store::history::Recorded;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// A line of what was seen, and when.
pub type Seen = (DateTime<Utc>, String);

/// At most this many lines are kept; the rest are counted.
pub const MAX_LINES: usize = 500;

/// One backend as last seen.
#[derive(Debug, Default)]
struct Watched {
    /// Its model, for the kinds whose changes are told.
    data: Option<BackendData>,
    /// Its last row was an error.
    failing: bool,
}

/// Each backend's last model, fed every recorded row after the start in
/// time order; what changed, as lines.
#[derive(Debug, Default)]
pub struct Watcher {
    backends: HashMap<String, Watched>,
    lines: Vec<Seen>,
    more: u64,
}

impl Watcher {
    /// The state at the window's start, as `history_at` read it: nothing
    /// is said of it (the dashboard recorded then shows it).
    pub fn new(start: &[Recorded]) -> Self {
        let mut w = Watcher::default();
        for r in start {
            let data = r.state.data.as_ref().and_then(|(v, _)| readable(&r.backend, v));
            let failing = match (&r.state.data, &r.state.error) {
                (Some((_, data)), Some((_, error))) => error > data,
                (None, Some(_)) => true,
                _ => false,
            };
            w.backends.insert(r.backend.clone(), Watched { data, failing });
        }
        w
    }

    /// A row of `backend` at `at`: its model became `model` (recorded JSON).
    pub fn model(&mut self, at: DateTime<Utc>, backend: &str, model: &serde_json::Value) {
        let now = readable(backend, model);
        let mut said = Vec::new();
        let known = self.backends.entry(backend.to_string()).or_default();
        if known.failing {
            said.push(format!("{backend} answering again"));
        }
        if let (Some(before), Some(now)) = (&known.data, &now) {
            said.extend(changes(backend, before, now));
        }
        known.failing = false;
        if now.is_some() {
            known.data = now;
        }
        for line in said {
            self.push(at, line);
        }
    }

    /// A row of `backend` at `at`: its poll failed with `text`.
    pub fn failed(&mut self, at: DateTime<Utc>, backend: &str, text: &str) {
        let known = self.backends.entry(backend.to_string()).or_default();
        if !known.failing {
            known.failing = true;
            self.push(at, format!("{backend} unreachable: {text}"));
        }
    }

    fn push(&mut self, at: DateTime<Utc>, line: String) {
        if self.lines.len() < MAX_LINES {
            self.lines.push((at, crate::text::clean::flat(line)));
        } else {
            self.more += 1;
        }
    }

    /// The lines, oldest first, and how many more were left out.
    pub fn finish(self) -> (Vec<Seen>, u64) {
        (self.lines, self.more)
    }
}

/// The model of a backend whose changes are told; None for the others
/// (an Alertmanager's alerts are told from their episodes) and for a
/// model this version cannot read.
fn readable(backend: &str, v: &serde_json::Value) -> Option<BackendData> {
    let kind = BackendId::parse(backend)?.kind;
    if !matches!(kind, BackendKind::Docker | BackendKind::Postgres | BackendKind::Http) {
        return None;
    }
    BackendData::deserialize(v).ok()
}

/// What changed from `before` to `now` of one backend, one phrase each.
pub fn changes(backend: &str, before: &BackendData, now: &BackendData) -> Vec<String> {
    match (before, now) {
        (BackendData::Docker(a), BackendData::Docker(b)) => containers(backend, a, b),
        (BackendData::Postgres(a), BackendData::Postgres(b)) => postgres(backend, a, b),
        (BackendData::Http(a), BackendData::Http(b)) => http(backend, a, b),
        _ => Vec::new(),
    }
}

fn health(h: &Health) -> &'static str {
    match h {
        Health::Healthy => "healthy",
        Health::Unhealthy => "unhealthy",
        Health::Starting => "starting",
        Health::None => "no health check",
    }
}

/// "(exit 137, OOM killed)" for a stopped container.
fn how_it_stopped(c: &ContainerRow) -> String {
    let mut parts = Vec::new();
    if let Some(code) = c.exit_code {
        parts.push(format!("exit {code}"));
    }
    if c.oom_killed {
        parts.push("OOM killed".to_string());
    }
    if parts.is_empty() || c.is_running() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

fn containers(backend: &str, before: &DockerSummary, now: &DockerSummary) -> Vec<String> {
    let old: BTreeMap<&str, &ContainerRow> = before.containers.iter().map(|c| (c.name.as_str(), c)).collect();
    let mut out = Vec::new();
    for c in &now.containers {
        let name = format!("container {} ({backend})", c.name);
        let Some(o) = old.get(c.name.as_str()) else {
            out.push(format!("{name} appeared: {}{}", c.state, how_it_stopped(c)));
            continue;
        };
        if o.state != c.state {
            out.push(format!("{name} {} → {}{}", o.state, c.state, how_it_stopped(c)));
        } else if o.health != c.health {
            out.push(format!("{name} {} → {}", health(&o.health), health(&c.health)));
        }
        if let (Some(a), Some(b)) = (o.restarts, c.restarts) {
            if b > a {
                out.push(format!("{name} restarted (restart count {a} → {b})"));
            }
        }
        match (&o.crash_loop, &c.crash_loop) {
            (None, Some(l)) => out.push(format!(
                "{name} crash-looping ({} restarts since {})",
                l.restarts,
                l.since.format("%H:%M:%S")
            )),
            (Some(_), None) => out.push(format!("{name} no longer crash-looping")),
            _ => {}
        }
    }
    for o in &before.containers {
        if !now.containers.iter().any(|c| c.name == o.name) {
            out.push(format!("container {} ({backend}) removed", o.name));
        }
    }
    out
}

fn postgres(backend: &str, before: &PgSummary, now: &PgSummary) -> Vec<String> {
    let mut out = Vec::new();
    if before.in_recovery != now.in_recovery {
        out.push(format!("{backend} {} → {}", before.role(), now.role()));
    }
    let key = |b: &crate::model::postgres::PgBlock| (b.blocked_pid, b.blocking_pid);
    for b in &now.blocks {
        if !before.blocks.iter().any(|o| key(o) == key(b)) {
            let on = b.relation.as_deref().map(|r| format!(" on {r}")).unwrap_or_default();
            out.push(format!(
                "{backend} session {} blocked by {} ({} {}{on})",
                b.blocked_pid, b.blocking_pid, b.mode, b.lock_type
            ));
        }
    }
    for o in &before.blocks {
        if !now.blocks.iter().any(|b| key(o) == key(b)) {
            out.push(format!(
                "{backend} session {} no longer blocked by {}",
                o.blocked_pid, o.blocking_pid
            ));
        }
    }
    match (before.lag_breached, now.lag_breached) {
        (false, true) => out.push(format!("{backend} replication lag over its thresholds")),
        (true, false) => out.push(format!("{backend} replication lag back under its thresholds")),
        _ => {}
    }
    out
}

fn http(backend: &str, before: &HttpProbe, now: &HttpProbe) -> Vec<String> {
    match (before.ok(), now.ok()) {
        (true, false) => vec![format!(
            "{backend} failing: HTTP {} (expects {})",
            now.status, now.expected
        )],
        (false, true) => vec![format!("{backend} passing again: HTTP {}", now.status)],
        _ => Vec::new(),
    }
}

/// Alerts that fired, resolved or were acknowledged from `from` to `to`,
/// as lines; an episode that fired before `from` is in the dashboard
/// recorded then.
pub fn alerts(episodes: &[AlertEpisode], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Seen> {
    let within = |t: DateTime<Utc>| t >= from && t <= to;
    let mut out = Vec::new();
    for e in episodes {
        let instance = e
            .labels
            .get("instance")
            .map(|i| format!(", instance {i}"))
            .unwrap_or_default();
        let name = format!("alert {} ({}, {}{instance})", e.alertname, e.severity, e.source);
        if within(e.first_seen) {
            out.push((e.first_seen, format!("{name} fired")));
        }
        for a in e.acks.iter().filter(|a| within(a.acked_at)) {
            let comment = if a.comment.trim().is_empty() {
                String::new()
            } else {
                format!(": {}", a.comment)
            };
            out.push((
                a.acked_at,
                format!(
                    "{name} acknowledged by {} until {}{comment}",
                    a.operator,
                    a.until.format("%H:%M:%S")
                ),
            ));
        }
        if let Some(at) = e.resolved_at.filter(|t| within(*t)) {
            out.push((at, format!("{name} resolved")));
        }
    }
    out.into_iter()
        .map(|(at, l)| (at, crate::text::clean::flat(l)))
        .collect()
}

/// The lines of both, in time order, at most `MAX_LINES`; how many were
/// left out is added to `more`.
pub fn merge(mut lines: Vec<Seen>, other: Vec<Seen>, more: &mut u64) -> Vec<Seen> {
    lines.extend(other);
    lines.sort_by_key(|(at, _)| *at);
    if lines.len() > MAX_LINES {
        *more += (lines.len() - MAX_LINES) as u64;
        lines.truncate(MAX_LINES);
    }
    lines
}
