//! Automated checks: a step's `check` evaluated by opsdeck's own backend
//! code, each bounded by its timeout and turned into a `CheckResult` with
//! redacted evidence. Used by `opsdeck check` and by checklist sessions.
//!
//! One file per kind (`checks/container.rs`, ...); this one holds what they
//! share: the context built from the config, the time bound, and how an
//! outcome becomes a result.

mod alerts;
mod command;
mod container;
mod file;
pub mod hold;
mod http;
pub mod log;
mod postgres;
mod promql;
mod redis;

use crate::config::{
    AlertmanagerConfig, Config, DockerConfig, HttpConfig, PostgresConfig, PrometheusConfig, RedisConfig,
};
use crate::runbook::evidence::{self, Redactor};
use crate::runbook::model::{Check, CheckResult, Runbook};
use crate::runbook::set;
use futures::FutureExt;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

/// What checks need from the config: the targets by name, whether command
/// checks may run, and the secrets to keep out of evidence.
#[derive(Debug, Clone, Default)]
pub struct CheckContext {
    pub docker: Vec<DockerConfig>,
    pub http: Vec<HttpConfig>,
    pub postgres: Vec<PostgresConfig>,
    pub alertmanager: Vec<AlertmanagerConfig>,
    /// `[runbooks] allow_commands`.
    pub allow_commands: bool,
    pub redactor: Redactor,
    /// Environment variables the config reads passwords from: a command
    /// check's program does not get them.
    pub secret_env: Vec<String>,
    /// Where `since_last_run` log checks remember how far they read.
    pub log_marks: Option<std::path::PathBuf>,
    pub redis: Vec<RedisConfig>,
    pub prometheus: Vec<PrometheusConfig>,
}

impl CheckContext {
    pub fn new(config: &Config) -> Self {
        Self {
            docker: config.docker.clone(),
            http: config.http.clone(),
            postgres: config.postgres.clone(),
            alertmanager: config.alertmanager.clone(),
            allow_commands: config.runbooks.allow_commands,
            redactor: config.redactor(),
            secret_env: config
                .postgres
                .iter()
                .filter_map(|p| p.password_env.clone())
                .chain(config.redis.iter().filter_map(|r| r.password_env.clone()))
                .chain(
                    config
                        .prometheus
                        .iter()
                        .flat_map(|p| [p.password_env.clone(), p.bearer_token_env.clone()])
                        .flatten(),
                )
                .collect(),
            redis: config.redis.clone(),
            prometheus: config.prometheus.clone(),
            log_marks: log::marks_path(config.state.path.as_deref()),
        }
    }

    /// The result as recorded: observed and evidence redacted, the evidence
    /// cut short and hashed whole.
    fn finish(&self, outcome: Outcome) -> CheckResult {
        let (evidence, evidence_sha256) = evidence::seal(&self.redactor, &outcome.evidence);
        CheckResult {
            at: chrono::Utc::now(),
            passed: outcome.passed,
            observed: evidence::observed(&self.redactor, &outcome.observed),
            evidence,
            evidence_sha256,
            not_applicable: outcome.not_applicable,
        }
    }

    /// Why a check cannot apply to this config: the kind of backend it
    /// reads is not configured at all. Such a step is neither passed nor
    /// failed, and no configuration error either.
    pub fn not_applicable(&self, check: &Check) -> Option<String> {
        let missing = |section: &str, empty: bool| empty.then(|| format!("no [[{section}]] configured"));
        match check {
            Check::Container { .. } => missing("docker", self.docker.is_empty()),
            Check::Http { endpoint: Some(_), .. } => missing("http", self.http.is_empty()),
            Check::Postgres { .. } => missing("postgres", self.postgres.is_empty()),
            Check::Alerts { .. } => missing("alertmanager", self.alertmanager.is_empty()),
            Check::Redis { .. } => missing("redis", self.redis.is_empty()),
            Check::Promql { .. } => missing("prometheus", self.prometheus.is_empty()),
            _ => None,
        }
    }
}

/// What one kind's evaluation found, before redaction.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outcome {
    pub passed: bool,
    /// One line: the value seen and, on failure, the bound it broke.
    pub observed: String,
    /// Everything worth keeping of what was seen; redacted and cut later.
    pub evidence: String,
    pub not_applicable: bool,
}

impl Outcome {
    pub fn new(passed: bool, observed: impl Into<String>, evidence: impl Into<String>) -> Self {
        Self {
            passed,
            observed: observed.into(),
            evidence: evidence.into(),
            not_applicable: false,
        }
    }

    /// Nothing to check in this config ("no [[postgres]] configured").
    pub fn not_applicable(why: &str) -> Self {
        let observed = format!("not applicable ({why})");
        Self {
            not_applicable: true,
            ..Self::new(false, observed.clone(), observed)
        }
    }

    /// A failure whose message is all there is to show.
    pub fn failed(message: impl Into<String>) -> Self {
        let message = message.into();
        Self::new(false, message.clone(), message)
    }
    /// A check over a set of `noun`s (targets, endpoints), from each
    /// member's outcome: it passes when every member does; the observed
    /// line names each failing member, or, all passing, what each showed.
    /// `evidence` is the caller's, worded for its kind.
    pub fn of_members(noun: &str, results: &[(&str, Outcome)], evidence: String) -> Self {
        let failing: Vec<(String, String)> = results
            .iter()
            .filter(|(_, o)| !o.passed)
            .map(|(name, o)| (name.to_string(), o.observed.clone()))
            .collect();
        let observed = if failing.is_empty() {
            let shown: Vec<String> = results.iter().map(|(n, o)| format!("{n}: {}", o.observed)).collect();
            shown.join("; ")
        } else {
            crate::runbook::set::failing_line(noun, results.len(), &failing)
        };
        Self::new(failing.is_empty(), observed, evidence)
    }

    /// `of_members`, the evidence each member's own, one after another.
    pub fn of_members_joined(noun: &str, results: &[(&str, Outcome)]) -> Self {
        let evidence: Vec<&str> = results.iter().map(|(_, o)| o.evidence.as_str()).collect();
        Self::of_members(noun, results, evidence.join("\n"))
    }
}

/// Evaluate one check. Always returns within `check.timeout()` (a hung
/// backend is a failed result saying so) and never panics: an error of any
/// kind is a failed result.
pub async fn evaluate(check: &Check, ctx: &CheckContext) -> CheckResult {
    let timeout = check.timeout();
    let work = AssertUnwindSafe(dispatch(check, ctx, timeout)).catch_unwind();
    let outcome = match tokio::time::timeout(timeout, work).await {
        Ok(Ok(Ok(outcome))) => outcome,
        Ok(Ok(Err(message))) => Outcome::failed(message),
        Ok(Err(_panic)) => Outcome::failed(format!("the {} check failed: internal error", check.kind())),
        // Dropping the work cancels it: connections close, a command's
        // process is killed (kill_on_drop).
        Err(_) => Outcome::failed(timed_out(check, timeout)),
    };
    // What a check saw is the checked system's words: no control character
    // of theirs is kept (the evidence keeps its line breaks).
    let outcome = Outcome {
        observed: crate::text::clean::flat(outcome.observed),
        evidence: crate::text::clean::lines(outcome.evidence),
        ..outcome
    };
    ctx.finish(outcome)
}

/// What a check that ran out of time says.
fn timed_out(check: &Check, timeout: Duration) -> String {
    match check {
        Check::Command { .. } => format!("still running after {}: killed", humantime::format_duration(timeout)),
        _ => crate::text::no_answer(timeout),
    }
}

async fn dispatch(check: &Check, ctx: &CheckContext, timeout: Duration) -> Result<Outcome, String> {
    if let Some(why) = ctx.not_applicable(check) {
        return Ok(Outcome::not_applicable(&why));
    }
    match check {
        Check::Container {
            host,
            name,
            label,
            compose_project,
            expect,
            max_restarts,
            ..
        } => {
            let want = container::Want {
                expect: *expect,
                max_restarts: *max_restarts,
            };
            let select = container::Select::new(name.as_deref(), label.as_deref(), compose_project.as_deref())?;
            container::check(ctx, host.as_deref(), &select, want, timeout).await
        }
        Check::Http {
            endpoint,
            url,
            status,
            max_latency,
            min_cert_days,
            ..
        } => {
            let want = http::Want {
                status: *status,
                max_latency: *max_latency,
                min_cert_days: *min_cert_days,
            };
            http::check(ctx, endpoint.as_deref(), url.as_deref(), want, timeout).await
        }
        Check::Postgres {
            target,
            metric,
            query,
            max,
            min,
            equals,
            ..
        } => {
            let want = postgres::Want {
                max: *max,
                min: *min,
                equals: equals.clone(),
            };
            postgres::check(ctx, target, *metric, query.as_deref(), want, timeout).await
        }
        Check::Alerts { source, matchers, .. } => alerts::check(ctx, source.as_deref(), matchers).await,
        Check::File {
            path,
            newer_than,
            sha256,
            ..
        } => file::check(path, *newer_than, sha256.as_deref()).await,
        Check::Command {
            argv,
            exit_code,
            output_matches,
            ..
        } => command::check(ctx, argv, *exit_code, output_matches.as_deref()).await,
        Check::Log {
            path,
            pattern,
            within,
            since_last_run,
            max,
            min,
            missing_ok,
            ..
        } => {
            let span = match (within, since_last_run) {
                (Some(d), false) => log::Span::Within(*d),
                (None, true) => log::Span::SinceLastRun,
                _ => return Err("give one of `within` or `since_last_run`".into()),
            };
            // No bound: none may match ("no critical errors in the log").
            let max = if max.is_none() && min.is_none() { Some(0) } else { *max };
            let want = log::Want {
                max,
                min: *min,
                missing_ok: *missing_ok,
            };
            log::check(path, pattern, span, want, ctx.log_marks.as_deref()).await
        }
        Check::Redis {
            target,
            ping,
            metric,
            max,
            min,
            ..
        } => redis::check(ctx, target.as_deref(), *ping, *metric, (*min, *max)).await,
        Check::Promql {
            target,
            query,
            min,
            max,
            expect,
            ..
        } => {
            let want = promql::Want {
                min: *min,
                max: *max,
                expect: *expect,
            };
            promql::check(ctx, target.as_deref(), query, want).await
        }
    }
}

/// Every automated check of a runbook, all at once, each within its own
/// timeout (a sustained one over its whole window): the step id and its
/// result, in runbook order.
pub async fn run_all(runbook: &Runbook, ctx: &CheckContext) -> Vec<(String, CheckResult)> {
    let checks: Vec<(&str, &Check)> = runbook
        .steps()
        .filter_map(|(_, step)| step.check.as_ref().map(|c| (step.id.as_str(), c)))
        .collect();
    let results = futures::future::join_all(checks.iter().map(|(_, c)| async move {
        // Nothing to hold a window over when the check does not apply.
        match c.window().filter(|_| ctx.not_applicable(c).is_none()) {
            Some(window) => hold::hold(c, window, ctx).await,
            None => evaluate(c, ctx).await,
        }
    }))
    .await;
    checks
        .into_iter()
        .zip(results)
        .map(|((id, _), result)| (id.to_string(), result))
        .collect()
}

/// What the checks of a runbook name that the config does not have (a
/// `[[postgres]]` target, a `[[docker]]` host, ...), one message per step:
/// a configuration error, found before anything runs. A set (`"*"`, a glob)
/// is never one (an empty set fails when run), nor is a check whose kind
/// of backend is not configured at all (it does not apply).
pub fn unknown_targets(runbook: &Runbook, ctx: &CheckContext) -> Vec<String> {
    runbook
        .steps()
        .filter_map(|(_, step)| {
            let check = step.check.as_ref()?;
            if ctx.not_applicable(check).is_some() {
                return None;
            }
            let problem = missing_target(check, ctx)?;
            Some(format!("step {:?}: {problem}", step.id))
        })
        .collect()
}

/// The one name a check gives that the config lacks, if it gives one.
pub fn missing_target(check: &Check, ctx: &CheckContext) -> Option<String> {
    let missing = |section: &str, name: Option<&str>, names: Vec<&str>| -> Option<String> {
        match name {
            Some(n) if set::is_set(n) => None,
            Some(n) if !names.contains(&n) => Some(format!("no [{section}] named {n:?} in the config")),
            _ => None,
        }
    };
    match check {
        Check::Container { host, .. } => missing(
            "[docker]",
            host.as_deref(),
            ctx.docker.iter().map(|d| d.name.as_str()).collect(),
        ),
        Check::Http { endpoint: Some(e), .. } => {
            missing("[http]", Some(e), ctx.http.iter().map(|h| h.name.as_str()).collect())
        }
        Check::Postgres { target, .. } => missing(
            "[postgres]",
            Some(target),
            ctx.postgres.iter().map(|p| p.name.as_str()).collect(),
        ),
        Check::Alerts { source, .. } => missing(
            "[alertmanager]",
            source.as_deref(),
            ctx.alertmanager
                .iter()
                .flat_map(|a| std::iter::once(a.name.as_str()).chain(a.cluster.as_deref()))
                .collect(),
        ),
        Check::Redis { target, .. } => missing(
            "[redis]",
            target.as_deref(),
            ctx.redis.iter().map(|r| r.name.as_str()).collect(),
        ),
        Check::Promql { target, .. } => missing(
            "[prometheus]",
            target.as_deref(),
            ctx.prometheus.iter().map(|p| p.name.as_str()).collect(),
        ),
        _ => None,
    }
}

/// A number against optional bounds (both inclusive): `None` when it is
/// within them, else what it broke ("over the max of 90").
pub(crate) fn out_of_bounds(value: f64, max: Option<f64>, min: Option<f64>) -> Option<String> {
    if value.is_nan() {
        return Some("not a number".into());
    }
    if let Some(max) = max.filter(|m| value > *m) {
        return Some(format!("over the max of {}", number(max)));
    }
    if let Some(min) = min.filter(|m| value < *m) {
        return Some(format!("under the min of {}", number(min)));
    }
    None
}

/// A number as a person writes it: "90", "99.5", "0.25".
pub(crate) fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.2}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        // A clock a hair behind the server's reads -0.001: that is 0.
        if s == "-0" { "0" } else { s }.to_string()
    }
}

/// The bounds as a suffix for a passing value: " (max 90)", " (min 95, max 100)".
pub(crate) fn bounds_note(max: Option<f64>, min: Option<f64>) -> String {
    match (min, max) {
        (None, None) => String::new(),
        (Some(lo), None) => format!(" (min {})", number(lo)),
        (None, Some(hi)) => format!(" (max {})", number(hi)),
        (Some(lo), Some(hi)) => format!(" (min {}, max {})", number(lo), number(hi)),
    }
}

/// "No such file or directory", without the "(os error 2)".
pub(crate) fn io_words(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive() {
        assert_eq!(out_of_bounds(90.0, Some(90.0), None), None);
        assert_eq!(
            out_of_bounds(91.0, Some(90.0), None).as_deref(),
            Some("over the max of 90")
        );
        assert_eq!(
            out_of_bounds(94.5, None, Some(95.0)).as_deref(),
            Some("under the min of 95")
        );
        assert_eq!(out_of_bounds(1.0, None, None), None);
        assert!(out_of_bounds(f64::NAN, Some(1.0), None).is_some());
        assert_eq!(number(99.5), "99.5");
        assert_eq!(number(3.0), "3");
        assert_eq!(number(-0.001), "0");
        assert_eq!(bounds_note(Some(90.0), None), " (max 90)");
    }

    #[tokio::test]
    async fn a_check_never_outlives_its_timeout() {
        // A Docker host that accepts and never answers: the check fails at its
        // timeout with the same wording as a hung poll.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let _keep = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = listener.accept().await {
                held.push(s);
            }
        });
        let config = Config::parse(
            &format!("[[docker]]\nname = \"hung\"\nurl = \"tcp://{addr}\"\ntimeout = \"30s\"\n"),
            std::path::Path::new("t.toml"),
        )
        .expect("config");
        let ctx = CheckContext::new(&config);
        let check: Check = toml::from_str("type = \"container\"\nname = \"api\"\ntimeout = \"1s\"").expect("check");
        let started = std::time::Instant::now();
        let r = evaluate(&check, &ctx).await;
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{:?}",
            started.elapsed()
        );
        assert!(!r.passed);
        assert_eq!(r.observed, "no answer within 1s");
    }

    #[tokio::test]
    async fn commands_are_refused_unless_allowed() {
        let ctx = CheckContext::default();
        let check: Check = toml::from_str("type = \"command\"\nargv = [\"true\"]").expect("check");
        let r = evaluate(&check, &ctx).await;
        assert!(!r.passed);
        assert!(r.observed.contains("allow_commands = true"), "{}", r.observed);
    }
}
