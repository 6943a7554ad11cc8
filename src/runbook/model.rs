//! The runbook format: what a runbook file holds once parsed. Serialized
//! back to TOML by the Markdown importer and kept as JSON with each session,
//! so a session goes on with the runbook it was started with.

use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    /// Lowercase letters, digits and dashes ("service-down"); unique across
    /// the runbook directories.
    pub id: String,
    pub title: String,
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The severity levels a session of it can be started with ("P0".."P3").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severities: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalation: Vec<Contact>,
    #[serde(rename = "phase")]
    pub phases: Vec<Phase>,
    /// A maintenance runbook's window: what it silences, for how long.
    /// Without one, the operator gives them when starting a session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<super::window::MaintenanceWindow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Incident,
    Daily,
    Weekly,
    Monthly,
    /// Planned work in a window: alerts held, pre- and post-checks.
    Maintenance,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Incident => "incident",
            Kind::Daily => "daily",
            Kind::Weekly => "weekly",
            Kind::Monthly => "monthly",
            Kind::Maintenance => "maintenance",
        }
    }
    /// The prefix of a session id: INC-20261122-031502, DAY-..., WEEK-..., MON-..., MNT-...
    pub fn session_prefix(self) -> &'static str {
        match self {
            Kind::Incident => "INC",
            Kind::Daily => "DAY",
            Kind::Weekly => "WEEK",
            Kind::Monthly => "MON",
            Kind::Maintenance => "MNT",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Who: "On-call lead", "Security team".
    pub name: String,
    /// How to reach them: a channel, a phone number, an address.
    pub contact: String,
    /// Escalate when the session has run this long without resolution.
    #[serde(default, with = "opt_duration", skip_serializing_if = "Option::is_none")]
    pub after: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub name: String,
    /// How long the phase should take, counted from the session start to
    /// the end of this phase's share (budgets add up in order).
    #[serde(default, with = "opt_duration", skip_serializing_if = "Option::is_none")]
    pub budget: Option<Duration>,
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique within the runbook; what session records refer to.
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instructions: String,
    /// Shown for copying; opsdeck never runs them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<Check>,
    /// Evidence must be written (a note) before the step can be ticked.
    #[serde(default, skip_serializing_if = "is_false")]
    pub requires_note: bool,
    /// What to do when the step fails: a hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_fail: Option<String>,
    /// What to do when the step fails: the id of another runbook to start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_fail_runbook: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// An automated check, evaluated by opsdeck's own backends within `timeout`.
///
/// Every kind takes `for = "15m"` (optionally `every = "30s"`): a sustained
/// check, passed only when every probe, one each `every` over the whole
/// window, passed. The first failed probe fails it (a flapping service has
/// not held); it is started again by hand.
///
/// A check that names a target (`host`, `name`, `target`, `source`,
/// `endpoint`) may name a set instead: `"*"` or a glob (`"web-*"`). A set
/// passes when every member does; an empty set fails (see `runbook::set`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Check {
    /// A container (by name, or every container with a label) is running or
    /// healthy, with fewer restarts than `max_restarts`.
    Container {
        /// A `[[docker]]` name or set; the first one when not given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        host: Option<String>,
        /// A container name, or a set of them (`"*"`, `"web-*"`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// `key=value` or just `key`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
        /// Every container of a Compose project (its
        /// `com.docker.compose.project` label).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        compose_project: Option<String>,
        #[serde(default)]
        expect: ContainerExpect,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_restarts: Option<u32>,
        #[serde(flatten)]
        timing: Timing,
    },
    /// An HTTP endpoint (a `[[http]]` name, or a URL) answers `status`,
    /// within `max_latency`, with a certificate valid `min_cert_days` more.
    Http {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        endpoint: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        #[serde(default = "default_status")]
        status: u16,
        #[serde(default, with = "opt_duration", skip_serializing_if = "Option::is_none")]
        max_latency: Option<Duration>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_cert_days: Option<i64>,
        #[serde(flatten)]
        timing: Timing,
    },
    /// A `[[postgres]]` target: a named metric against a bound, or a
    /// read-only query returning one value compared with an expectation.
    Postgres {
        target: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        metric: Option<PgMetric>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        query: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// The query's value as text must equal this.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        equals: Option<String>,
        #[serde(flatten)]
        timing: Timing,
    },
    /// No firing alert (not silenced, inhibited or acknowledged) matches
    /// these Alertmanager matchers, on one `[[alertmanager]]` or all.
    Alerts {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source: Option<String>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        matchers: String,
        #[serde(flatten)]
        timing: Timing,
    },
    /// A file exists, was modified within `newer_than`, has this sha256.
    File {
        path: String,
        #[serde(default, with = "opt_duration", skip_serializing_if = "Option::is_none")]
        newer_than: Option<Duration>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sha256: Option<String>,
        #[serde(flatten)]
        timing: Timing,
    },
    /// A program run without a shell (argv), its exit code and output
    /// pattern. Only with `[runbooks] allow_commands = true`.
    Command {
        argv: Vec<String>,
        #[serde(default)]
        exit_code: i32,
        /// A regular expression the output (stdout and stderr) must match.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output_matches: Option<String>,
        #[serde(flatten)]
        timing: Timing,
    },
    /// Lines of a log file matching `pattern`, stamped `within` the last
    /// while or written `since_last_run`: at most `max`, at least `min`
    /// (no bound given: none may match).
    Log {
        path: String,
        pattern: String,
        #[serde(default, with = "opt_duration", skip_serializing_if = "Option::is_none")]
        within: Option<Duration>,
        #[serde(default, skip_serializing_if = "is_false")]
        since_last_run: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<u64>,
        /// A machine without the file: not applicable rather than failed.
        #[serde(default, skip_serializing_if = "is_false")]
        missing_ok: bool,
        #[serde(flatten)]
        timing: Timing,
    },
    /// A `[[redis]]` target (the first when not named) answers PING, or
    /// one of its INFO metrics is within `min`/`max`.
    Redis {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
        #[serde(default, skip_serializing_if = "is_false")]
        ping: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        metric: Option<crate::model::redis::RedisMetric>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(flatten)]
        timing: Timing,
    },
    /// A PromQL query on a `[[prometheus]]` (the first when `target` is not
    /// given): its single value within `min`/`max`, or its answer empty or
    /// not (`expect`).
    Promql {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
        query: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect: Option<PromExpect>,
        #[serde(flatten)]
        timing: Timing,
    },
}

/// What a `promql` check wants of the answer's series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PromExpect {
    Empty,
    Nonempty,
}

fn default_status() -> u16 {
    200
}

/// What every kind of check takes besides its own fields: the time bound
/// and a sustained check's window. Written flat beside the kind's fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    #[serde(default, with = "opt_duration", skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    #[serde(
        default,
        rename = "for",
        with = "opt_duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub hold: Option<Duration>,
    #[serde(default, with = "opt_duration", skip_serializing_if = "Option::is_none")]
    pub every: Option<Duration>,
}

/// A sustained check's window: how long it must hold, probed how often.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub length: Duration,
    pub every: Duration,
}

/// The probe interval when `every` is not given: about thirty probes over
/// the window, at least one a second, at most 30 s apart.
pub fn default_every(length: Duration) -> Duration {
    (length / 30).clamp(Duration::from_secs(1), Duration::from_secs(30))
}

/// How long a check may take when its definition does not say.
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(10);

impl Check {
    pub fn kind(&self) -> &'static str {
        match self {
            Check::Container { .. } => "container",
            Check::Http { .. } => "http",
            Check::Postgres { .. } => "postgres",
            Check::Alerts { .. } => "alerts",
            Check::File { .. } => "file",
            Check::Command { .. } => "command",
            Check::Log { .. } => "log",
            Check::Redis { .. } => "redis",
            Check::Promql { .. } => "promql",
        }
    }

    /// The time bound and window, shared by every kind.
    pub fn timing(&self) -> &Timing {
        match self {
            Check::Container { timing, .. }
            | Check::Http { timing, .. }
            | Check::Postgres { timing, .. }
            | Check::Alerts { timing, .. }
            | Check::File { timing, .. }
            | Check::Command { timing, .. }
            | Check::Log { timing, .. }
            | Check::Redis { timing, .. }
            | Check::Promql { timing, .. } => timing,
        }
    }

    /// The window of a sustained check (`for`); `None` for a single probe.
    pub fn window(&self) -> Option<Window> {
        let Timing { hold, every, .. } = *self.timing();
        // `every` alone is a lint error: without `for` there is no window.
        let length = hold?;
        Some(Window {
            length,
            every: every.unwrap_or_else(|| default_every(length)),
        })
    }

    /// `every` as written, for lint.
    pub fn every(&self) -> Option<Duration> {
        self.timing().every
    }

    pub fn timeout(&self) -> Duration {
        self.timing().timeout.unwrap_or(DEFAULT_CHECK_TIMEOUT)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerExpect {
    #[default]
    Running,
    Healthy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PgMetric {
    /// Connections in use.
    Connections,
    /// The longest running query, seconds.
    LongestQuery,
    /// The worst replica's replay lag, seconds.
    ReplicationLag,
    /// Buffer cache hit ratio, percent.
    CacheHit,
    /// Age of the newest backup, seconds.
    BackupAge,
}

/// What one evaluation of a check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub at: chrono::DateTime<chrono::Utc>,
    pub passed: bool,
    /// The check's kind of backend is not configured at all (no
    /// `[[postgres]]`, say): neither passed nor failed. `passed` is false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_applicable: bool,
    /// The value seen ("running", "HTTP 503 in 120 ms", "42 connections").
    pub observed: String,
    /// A short excerpt of what was seen, secrets redacted.
    pub evidence: String,
    /// sha256 of the whole evidence before it was cut short.
    pub evidence_sha256: String,
}

/// A check result in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    Failed,
    NotApplicable,
}

impl CheckResult {
    pub fn verdict(&self) -> Verdict {
        match (self.passed, self.not_applicable) {
            (true, _) => Verdict::Passed,
            (false, true) => Verdict::NotApplicable,
            (false, false) => Verdict::Failed,
        }
    }

    /// A failure: neither passed nor not applicable.
    pub fn failed(&self) -> bool {
        self.verdict() == Verdict::Failed
    }
}

impl Verdict {
    /// As a session record or the checklist says it.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "FAILED",
            Verdict::NotApplicable => "not applicable",
        }
    }
}

impl Runbook {
    /// Every step with the index of its phase, in order.
    pub fn steps(&self) -> impl Iterator<Item = (usize, &Step)> {
        self.phases
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.steps.iter().map(move |s| (i, s)))
    }

    pub fn step(&self, id: &str) -> Option<(usize, &Step)> {
        self.steps().find(|(_, s)| s.id == id)
    }

    /// When each phase should be over, counted from the session start: the
    /// budgets added up in order (a phase without a budget adds nothing).
    pub fn phase_deadlines(&self) -> Vec<Option<Duration>> {
        let mut total = Duration::ZERO;
        self.phases
            .iter()
            .map(|p| {
                p.budget.map(|b| {
                    total += b;
                    total
                })
            })
            .collect()
    }
}

/// Durations as humantime text ("15m", "4h") in TOML and JSON.
pub(super) mod opt_duration {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&humantime::format_duration(*d).to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let raw = Option::<String>::deserialize(d)?;
        raw.map(|raw| {
            humantime::parse_duration(&raw).map_err(|e| {
                serde::de::Error::custom(format!("invalid duration {raw:?}: {e} (write e.g. \"15m\", \"4h\")"))
            })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r##"
id = "service-down"
title = "Service down"
kind = "incident"
severities = ["P0", "P1"]

[[escalation]]
name = "On-call lead"
contact = "#ops-oncall"
after = "15m"

[[phase]]
name = "Immediate response"
budget = "15m"

[[phase.step]]
id = "api-running"
title = "The API container runs"
commands = ["docker ps --filter name=api"]
on_fail_runbook = "database-emergency"
check = { type = "container", name = "api", expect = "healthy", max_restarts = 3 }

[[phase.step]]
id = "announce"
title = "Announce the incident"
requires_note = true

[[phase]]
name = "Recovery"
budget = "45m"

[[phase.step]]
id = "db"
title = "Database answers"
check = { type = "postgres", target = "main", metric = "connections", max = 90.0, timeout = "5s" }
"##;

    #[test]
    fn a_runbook_reads_and_writes_back_the_same() {
        let r: Runbook = toml::from_str(SAMPLE).expect("parse");
        assert_eq!(r.kind, Kind::Incident);
        assert_eq!(r.steps().count(), 3);
        assert_eq!(r.step("db").map(|(p, _)| p), Some(1));
        assert_eq!(
            r.phase_deadlines(),
            vec![Some(Duration::from_secs(900)), Some(Duration::from_secs(3600))]
        );
        let check = r.step("db").and_then(|(_, s)| s.check.clone()).expect("check");
        assert_eq!(check.timeout(), Duration::from_secs(5));
        let api = r.step("api-running").and_then(|(_, s)| s.check.clone()).expect("check");
        assert_eq!(api.timeout(), DEFAULT_CHECK_TIMEOUT);
        let text = toml::to_string(&r).expect("write");
        let again: Runbook = toml::from_str(&text).expect("reparse");
        assert_eq!(again, r);
        let json = serde_json::to_string(&r).expect("json");
        assert_eq!(serde_json::from_str::<Runbook>(&json).expect("json back"), r);
    }

    #[test]
    fn unknown_keys_and_check_types_are_errors() {
        let typo = SAMPLE.replace("requires_note", "requires_notes");
        assert!(toml::from_str::<Runbook>(&typo).is_err());
        let bad = SAMPLE.replace("type = \"postgres\"", "type = \"mysql\"");
        assert!(toml::from_str::<Runbook>(&bad).is_err());
        // The shared timing keys sit flat beside a kind's own; a typo among
        // them, or a key of another kind, is still an error.
        let typo = SAMPLE.replace("timeout = \"5s\"", "timeuot = \"5s\"");
        assert!(toml::from_str::<Runbook>(&typo).is_err());
        let other_kind = SAMPLE.replace("max = 90.0,", "max = 90.0, expect = \"healthy\",");
        assert!(toml::from_str::<Runbook>(&other_kind).is_err());
    }

    #[test]
    fn timing_keys_read_and_write_flat() {
        let text = "type = \"http\"\nendpoint = \"*\"\ntimeout = \"5s\"\nfor = \"15m\"\nevery = \"30s\"\n";
        let check: Check = toml::from_str(text).expect("check");
        assert_eq!(
            check.timing(),
            &Timing {
                timeout: Some(Duration::from_secs(5)),
                hold: Some(Duration::from_secs(900)),
                every: Some(Duration::from_secs(30)),
            }
        );
        let written = toml::to_string(&check).expect("write");
        assert!(
            written.contains("for = \"15m\"") && !written.contains("timing"),
            "{written}"
        );
        assert_eq!(toml::from_str::<Check>(&written).expect("reparse"), check);
        let json = serde_json::to_string(&check).expect("json");
        assert_eq!(serde_json::from_str::<Check>(&json).expect("json back"), check);
    }
}
