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

    /// Whether the changes of `backend`'s model are told: the others are
    /// only told becoming unreachable and answering again.
    pub fn replays(backend: &str) -> bool {
        BackendId::parse(backend)
            .is_some_and(|id| matches!(id.kind, BackendKind::Docker | BackendKind::Postgres | BackendKind::Http))
    }

    /// A row of `backend` at `at` whose model is not replayed: it answered.
    pub fn answered(&mut self, at: DateTime<Utc>, backend: &str) {
        let known = self.backends.entry(backend.to_string()).or_default();
        if std::mem::take(&mut known.failing) {
            self.push(at, format!("{backend} answering again"));
        }
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
    if !Watcher::replays(backend) {
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
            let on = match &b.relation {
                Some(r) => format!(" on {r}"),
                None => format!(", a {} lock", b.lock_type),
            };
            out.push(format!(
                "{backend} session {} blocked by {} (waits for {}{on})",
                b.blocked_pid, b.blocking_pid, b.mode
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::docker::CrashLoop;
    use crate::model::postgres::PgBlock;
    use crate::store::history::alerts::EpisodeAck;
    use crate::store::history::frames::Replayed;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default()
    }

    fn container(name: &str, state: &str) -> ContainerRow {
        ContainerRow {
            id: format!("id-{name}"),
            name: name.into(),
            image: "app:1".into(),
            state: state.into(),
            status: String::new(),
            health: Health::None,
            exit_code: None,
            age_secs: None,
            compose_project: None,
            compose_service: None,
            ports: Vec::new(),
            labels: Vec::new(),
            restarts: None,
            oom_killed: false,
            usage: None,
            crash_loop: None,
        }
    }

    fn docker(rows: Vec<ContainerRow>) -> serde_json::Value {
        let data = BackendData::Docker(DockerSummary {
            containers: rows,
            ..Default::default()
        });
        serde_json::to_value(data).unwrap_or_default()
    }

    fn pg(blocks: Vec<PgBlock>) -> serde_json::Value {
        let data = BackendData::Postgres(Box::new(PgSummary {
            blocks,
            ..Default::default()
        }));
        serde_json::to_value(data).unwrap_or_default()
    }

    fn block(blocked: i32, blocking: i32) -> PgBlock {
        PgBlock {
            blocked_pid: blocked,
            blocking_pid: blocking,
            lock_type: "relation".into(),
            mode: "AccessExclusiveLock".into(),
            relation: Some("public.orders".into()),
            waiting_secs: 3.0,
        }
    }

    fn recorded(backend: &str, model: serde_json::Value, error: Option<(&str, i64)>) -> Recorded {
        Recorded {
            backend: backend.into(),
            state: Replayed {
                data: Some((model, at(0))),
                error: error.map(|(e, secs)| (e.to_string(), at(secs))),
            },
        }
    }

    fn lines(w: Watcher) -> Vec<String> {
        let (lines, _) = w.finish();
        lines
            .into_iter()
            .map(|(t, l)| format!("{} {l}", (t - at(0)).num_seconds()))
            .collect()
    }

    #[test]
    fn a_container_that_fails_restarts_and_goes_is_told_change_by_change() {
        let b = "docker:prod";
        let web = container("web-1", "running");
        let mut w = Watcher::new(&[recorded(b, docker(vec![web.clone()]), None)]);
        // The same model again (a key every few minutes) says nothing.
        w.model(at(5), b, &docker(vec![web.clone()]));
        let mut dead = container("web-1", "exited");
        dead.exit_code = Some(137);
        dead.oom_killed = true;
        dead.restarts = Some(2);
        w.model(at(10), b, &docker(vec![dead.clone()]));
        let mut again = container("web-1", "running");
        again.restarts = Some(3);
        again.health = Health::Starting;
        again.crash_loop = Some(CrashLoop {
            since: at(10),
            restarts: 3,
        });
        w.model(
            at(20),
            b,
            &docker(vec![again.clone(), container("worker-1", "running")]),
        );
        let mut healthy = again.clone();
        healthy.health = Health::Unhealthy;
        healthy.crash_loop = None;
        w.model(at(30), b, &docker(vec![healthy]));
        assert_eq!(
            lines(w),
            [
                "10 container web-1 (docker:prod) running → exited (exit 137, OOM killed)",
                "20 container web-1 (docker:prod) exited → running",
                "20 container web-1 (docker:prod) restarted (restart count 2 → 3)",
                "20 container web-1 (docker:prod) crash-looping (3 restarts since 08:00:10)",
                "20 container worker-1 (docker:prod) appeared: running",
                "30 container web-1 (docker:prod) starting → unhealthy",
                "30 container web-1 (docker:prod) no longer crash-looping",
                "30 container worker-1 (docker:prod) removed",
            ]
        );
    }

    #[test]
    fn blocked_sessions_appear_and_clear_and_an_unreachable_backend_comes_back() {
        let b = "pg:main";
        // Failing when the window starts: its error is newer than its data.
        let mut w = Watcher::new(&[recorded(b, pg(vec![]), Some(("refused", 1)))]);
        let mut on_tx = block(42, 40);
        on_tx.relation = None;
        on_tx.lock_type = "transactionid".into();
        on_tx.mode = "ShareLock".into();
        w.model(at(5), b, &pg(vec![block(41, 40)]));
        w.model(at(6), b, &pg(vec![block(41, 40), on_tx.clone()]));
        w.failed(at(7), b, "timed out");
        w.failed(at(8), b, "timed out again");
        w.model(at(9), b, &pg(vec![on_tx]));
        w.model(at(12), b, &pg(vec![]));
        assert_eq!(
            lines(w),
            [
                "5 pg:main answering again",
                "5 pg:main session 41 blocked by 40 (waits for AccessExclusiveLock on public.orders)",
                "6 pg:main session 42 blocked by 40 (waits for ShareLock, a transactionid lock)",
                "7 pg:main unreachable: timed out",
                "9 pg:main answering again",
                "9 pg:main session 41 no longer blocked by 40",
                "12 pg:main session 42 no longer blocked by 40",
            ]
        );
    }

    #[test]
    fn http_checks_alertmanagers_and_unknown_backends() {
        let probe = |status| {
            serde_json::to_value(BackendData::Http(HttpProbe {
                status,
                expected: 200,
                latency_ms: 3,
                failures: 0,
                last_success: None,
                cert_days_left: None,
            }))
            .unwrap_or_default()
        };
        let mut w = Watcher::new(&[]);
        // First seen inside the window: nothing to compare with.
        w.model(at(1), "http:api", &probe(200));
        w.model(at(2), "http:api", &probe(503));
        w.model(at(3), "http:api", &probe(200));
        // An Alertmanager's rows are not replayed: only its answering is told.
        w.failed(at(3), "am:main", "refused");
        w.answered(at(4), "am:main");
        w.answered(at(5), "am:main");
        // Not a backend id, or a model this version cannot read: quiet.
        w.model(at(4), "nonsense", &probe(503));
        w.model(at(5), "http:api", &serde_json::json!({"Http": "garbled"}));
        w.model(at(6), "http:api", &probe(500));
        assert_eq!(
            lines(w),
            [
                "2 http:api failing: HTTP 503 (expects 200)",
                "3 http:api passing again: HTTP 200",
                "3 am:main unreachable: refused",
                "4 am:main answering again",
                "6 http:api failing: HTTP 500 (expects 200)",
            ]
        );
    }

    #[test]
    fn outside_text_is_one_clean_line_and_the_lines_are_capped() {
        let b = "docker:prod";
        let mut w = Watcher::new(&[recorded(b, docker(vec![]), None)]);
        w.model(
            at(1),
            b,
            &docker(vec![container("evil\u{1b}]2;x\u{7}\nname", "running")]),
        );
        for i in 0..(MAX_LINES as i64 + 10) {
            w.failed(at(2 + 2 * i), b, "down");
            w.model(at(3 + 2 * i), b, &docker(vec![]));
        }
        let (lines, more) = w.finish();
        assert_eq!(lines.len(), MAX_LINES);
        assert!(more > 0);
        assert_eq!(lines[0].1, "container evil␛]2;x␇ name (docker:prod) appeared: running");
        assert!(lines.iter().all(|(_, l)| crate::text::clean::is_clean(l)));
    }

    #[test]
    fn alert_episodes_fire_resolve_and_are_acknowledged_within_the_window() {
        let episode = |name: &str, first: i64, resolved: Option<i64>| AlertEpisode {
            source: "am:main".into(),
            fingerprint: format!("fp-{name}"),
            alertname: name.into(),
            severity: "critical".into(),
            labels: [("instance".to_string(), "db-1:9100".to_string())].into(),
            first_seen: at(first),
            last_seen: at(resolved.unwrap_or(first)),
            resolved_at: resolved.map(at),
            acks: Vec::new(),
        };
        let mut acked = episode("DiskFull", 10, Some(40));
        acked.acks.push(EpisodeAck {
            operator: "bob".into(),
            comment: "on it".into(),
            acked_at: at(20),
            until: at(3600),
        });
        let episodes = [
            // Fired before the window: its dashboard shows it; resolved within.
            episode("Old", -50, Some(15)),
            acked,
            // Fired after the window.
            episode("Later", 200, None),
        ];
        let got: Vec<String> = alerts(&episodes, at(0), at(100))
            .into_iter()
            .map(|(t, l)| format!("{} {l}", (t - at(0)).num_seconds()))
            .collect();
        assert_eq!(
            got,
            [
                "15 alert Old (critical, am:main, instance db-1:9100) resolved",
                "10 alert DiskFull (critical, am:main, instance db-1:9100) fired",
                "20 alert DiskFull (critical, am:main, instance db-1:9100) acknowledged by bob until 09:00:00: on it",
                "40 alert DiskFull (critical, am:main, instance db-1:9100) resolved",
            ]
        );
        let mut more = 0;
        let merged = merge(alerts(&episodes, at(0), at(100)), Vec::new(), &mut more);
        assert!(merged.windows(2).all(|w| w[0].0 <= w[1].0), "{merged:?}");
        assert_eq!(more, 0);
    }
}
