//! Runbook lint: everything that parses but would go wrong at 3 a.m. (a check
//! that can never pass, a step id used twice, a runbook that points at a
//! runbook nobody has). Every problem is reported, each with file and line.

use super::model::{Check, Runbook};
use super::set::Names;
use super::spans::Lines;
use crate::config::{Config, FileError};
use crate::model::matchers::parse_matchers;
use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::time::Duration;

/// A check that takes longer than this holds up a session's whole round.
pub const MAX_CHECK_TIMEOUT: Duration = Duration::from_secs(600);

/// What a runbook is checked against beyond itself.
#[derive(Default)]
pub struct LintContext<'a> {
    /// Runbook ids `on_fail_runbook` may name: built-ins, the files being
    /// linted, the configured directories.
    pub known_ids: BTreeSet<String>,
    /// When given, target names (host, endpoint, target, source) must exist in it.
    pub config: Option<&'a Config>,
}

/// Lowercase ASCII letters, digits and single dashes, not at either end.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
}

const ID_RULE: &str = "lowercase letters, digits and single dashes, at most 64, e.g. \"service-down\"";

/// Parse then lint one file's text. A parse error is the only problem
/// reported when the text does not parse.
pub fn lint_text(text: &str, file: &Path, ctx: &LintContext) -> Vec<FileError> {
    match super::load::parse(text, file) {
        Ok(r) => lint(&r, text, file, ctx),
        Err(e) => vec![e],
    }
}

/// Every problem in `runbook`, as read from `text` (used only for lines).
pub fn lint(runbook: &Runbook, text: &str, file: &Path, ctx: &LintContext) -> Vec<FileError> {
    let lines = Lines::new(text);
    let mut out = Vec::new();
    // One problem, one line of output: `file:line: message`.
    let mut err = |line: usize, key: &str, msg: String| {
        let msg = msg
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        out.push(FileError::new(file, msg).at_line(line).with_key(key));
    };

    if !is_valid_id(&runbook.id) {
        err(
            lines.top("id"),
            "id",
            format!("runbook id {:?} must be {ID_RULE}", runbook.id),
        );
    }
    if runbook.title.trim().is_empty() {
        err(lines.top("title"), "title", "the title must not be empty".into());
    }
    for sev in &runbook.severities {
        if !matches!(sev.as_str(), "P0" | "P1" | "P2" | "P3") {
            err(
                lines.top("severities"),
                "severities",
                format!("severity {sev:?} is not one of P0, P1, P2, P3"),
            );
        }
    }
    for (i, c) in runbook.escalation.iter().enumerate() {
        if c.name.trim().is_empty() {
            err(
                lines.escalation(i, "name"),
                "name",
                "an escalation contact needs a name".into(),
            );
        }
        if c.contact.trim().is_empty() {
            err(
                lines.escalation(i, "contact"),
                "contact",
                format!("escalation contact {:?} needs a way to reach them", c.name),
            );
        }
    }
    if runbook.phases.is_empty() {
        err(
            lines.top("id"),
            "phase",
            "a runbook needs at least one [[phase]]".into(),
        );
    }

    let mut step_ids = HashSet::new();
    for (p, phase) in runbook.phases.iter().enumerate() {
        if phase.name.trim().is_empty() {
            err(
                lines.phase(p, "name"),
                "name",
                format!("phase {} has an empty name", p + 1),
            );
        }
        if phase.budget == Some(Duration::ZERO) {
            err(
                lines.phase(p, "budget"),
                "budget",
                "a phase budget must be more than zero".into(),
            );
        }
        if phase.steps.is_empty() {
            err(
                lines.phase(p, "name"),
                "step",
                format!("phase {:?} has no steps ([[phase.step]])", phase.name),
            );
        }
        for (s, step) in phase.steps.iter().enumerate() {
            if !is_valid_id(&step.id) {
                err(
                    lines.step(p, s, "id"),
                    "id",
                    format!("step id {:?} must be {ID_RULE}", step.id),
                );
            } else if !step_ids.insert(step.id.as_str()) {
                err(
                    lines.step(p, s, "id"),
                    "id",
                    format!("step id {:?} is used twice in this runbook", step.id),
                );
            }
            if step.title.trim().is_empty() {
                err(
                    lines.step(p, s, "title"),
                    "title",
                    format!("step {:?} has an empty title", step.id),
                );
            }
            if step.commands.iter().any(|c| c.trim().is_empty()) {
                err(
                    lines.step(p, s, "commands"),
                    "commands",
                    format!("step {:?} has an empty command", step.id),
                );
            }
            if let Some(target) = &step.on_fail_runbook {
                if !ctx.known_ids.contains(target) {
                    err(
                        lines.step(p, s, "on_fail_runbook"),
                        "on_fail_runbook",
                        format!("no runbook has the id {target:?}"),
                    );
                }
            }
            if let Some(check) = &step.check {
                for (key, msg) in check_problems(check, ctx.config) {
                    err(lines.check(p, s, key), key, format!("step {:?}: {msg}", step.id));
                }
            }
        }
    }
    for (line, key, msg) in super::lint_window::problems(runbook, &lines) {
        err(line, key, msg);
    }
    out
}

/// "exactly one of" for two optional keys.
fn one_of(
    a: &Option<String>,
    b: &Option<String>,
    na: &'static str,
    nb: &'static str,
) -> Option<(&'static str, String)> {
    match (a, b) {
        (Some(_), Some(_)) => Some((nb, format!("give `{na}` or `{nb}`, not both"))),
        (None, None) => Some(("type", format!("give one of `{na}` or `{nb}`"))),
        _ => None,
    }
}

/// The longest window a sustained check may hold for.
pub const MAX_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// A sustained check's `for` and `every`: a window that can be probed.
fn window_problems(check: &Check) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    match (check.window(), check.every()) {
        (None, Some(_)) => out.push((
            "every",
            "`every` needs `for` (how long the check must hold)".to_string(),
        )),
        (None, None) => {}
        (Some(w), _) => {
            if w.length.is_zero() || w.length > MAX_WINDOW {
                out.push(("for", "`for` must be more than zero and at most 24h".to_string()));
            }
            if w.every < Duration::from_secs(1) {
                out.push(("every", "`every` must be at least 1s".to_string()));
            } else if w.every > w.length {
                out.push(("every", "`every` must not be longer than `for`".to_string()));
            }
        }
    }
    out
}

/// Problems of one check definition, each with the key it is about.
pub fn check_problems(check: &Check, config: Option<&Config>) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    match check.timing().timeout {
        Some(Duration::ZERO) => out.push(("timeout", "the timeout must be more than zero".to_string())),
        Some(t) if t > MAX_CHECK_TIMEOUT => out.push(("timeout", "the timeout must be at most 10m".to_string())),
        _ => {}
    }
    out.extend(window_problems(check));
    match check {
        Check::Container {
            host,
            name,
            label,
            compose_project,
            ..
        } => {
            if name.is_none() && label.is_none() && compose_project.is_none() {
                out.push(("type", "give `name`, `label` or `compose_project`".to_string()));
            }
            for (key, value) in [("name", name), ("compose_project", compose_project)] {
                if let Some(Err(e)) = value.as_deref().map(Names::parse) {
                    out.push((key, e));
                }
            }
            if let Some(host) = host {
                let names = config.map(|c| c.docker.iter().map(|d| d.name.as_str()).collect());
                out.extend(unknown("host", "docker", host, names));
            }
        }
        Check::Http {
            endpoint, url, status, ..
        } => {
            out.extend(one_of(endpoint, url, "endpoint", "url"));
            if let Some(url) = url {
                match reqwest::Url::parse(url) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                    Ok(u) => out.push(("url", format!("{url:?}: scheme {:?} is not http or https", u.scheme()))),
                    Err(e) => out.push(("url", format!("{url:?} is not a URL: {e}"))),
                }
            }
            if !(100..=599).contains(status) {
                out.push(("status", format!("{status} is not an HTTP status")));
            }
            if let Some(endpoint) = endpoint {
                let names = config.map(|c| c.http.iter().map(|h| h.name.as_str()).collect());
                out.extend(unknown("endpoint", "http", endpoint, names));
            }
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
            match (metric, query) {
                (Some(_), Some(_)) => out.push(("query", "give `metric` or `query`, not both".into())),
                (None, None) => out.push(("target", "give one of `metric` or `query`".into())),
                _ => {}
            }
            if let Some(q) = query {
                if let Err(msg) = read_only_statement(q) {
                    out.push(("query", msg));
                }
            }
            if max.is_none() && min.is_none() && equals.is_none() {
                out.push(("target", "give a bound: `max`, `min` or `equals`".into()));
            }
            if let (Some(max), Some(min)) = (max, min) {
                if min > max {
                    out.push(("min", format!("min {min} is above max {max}: the check can never pass")));
                }
            }
            if target.trim().is_empty() {
                out.push(("target", "the target must not be empty".into()));
            } else {
                let names = config.map(|c| c.postgres.iter().map(|p| p.name.as_str()).collect());
                out.extend(unknown("target", "postgres", target, names));
            }
        }
        Check::Alerts { source, matchers, .. } => {
            if let Err(e) = parse_matchers(matchers) {
                out.push(("matchers", format!("matchers {matchers:?}: {e}")));
            }
            if let Some(source) = source {
                // A source is an instance or a cluster of them.
                let names = config.map(|c| {
                    c.alertmanager
                        .iter()
                        .flat_map(|a| std::iter::once(a.name.as_str()).chain(a.cluster.as_deref()))
                        .collect()
                });
                out.extend(unknown("source", "alertmanager", source, names));
            }
        }
        Check::File { path, sha256, .. } => {
            if path.trim().is_empty() {
                out.push(("path", "the path must not be empty".into()));
            }
            if let Some(sum) = sha256 {
                if sum.len() != 64 || !sum.bytes().all(|b| b.is_ascii_hexdigit()) {
                    out.push(("sha256", "sha256 must be 64 hexadecimal digits".into()));
                }
            }
        }
        Check::Command {
            argv, output_matches, ..
        } => {
            if argv.first().is_none_or(|a| a.trim().is_empty()) {
                out.push(("argv", "argv needs the program to run as its first element".into()));
            }
            if let Some(re) = output_matches {
                out.extend(bad_regex(re).map(|why| ("output_matches", why)));
            }
        }
        Check::Log {
            path,
            pattern,
            within,
            since_last_run,
            max,
            min,
            timing,
            ..
        } => {
            if path.trim().is_empty() {
                out.push(("path", "the path must not be empty".into()));
            }
            out.extend(bad_regex(pattern).map(|why| ("pattern", why)));
            match (within, since_last_run) {
                (Some(_), true) => out.push(("within", "give `within` or `since_last_run`, not both".into())),
                (None, false) => out.push(("path", "give `within = \"15m\"` or `since_last_run = true`".into())),
                _ => {}
            }
            if *since_last_run && timing.hold.is_some() {
                out.push(("for", "a `since_last_run` check cannot be held over a window".into()));
            }
            if let (Some(max), Some(min)) = (max, min) {
                if min > max {
                    out.push(("min", format!("min {min} is above max {max}: the check can never pass")));
                }
            }
        }
        Check::Redis {
            target,
            ping,
            metric,
            max,
            min,
            ..
        } => {
            match (ping, metric) {
                (true, Some(_)) => out.push(("metric", "give `ping = true` or `metric`, not both".into())),
                (false, None) => out.push(("type", "give `ping = true` or a `metric` with `max`/`min`".into())),
                (true, None) if max.is_some() || min.is_some() => {
                    out.push(("ping", "`max`/`min` bound a `metric`, not `ping`".into()))
                }
                (false, Some(_)) if max.is_none() && min.is_none() => {
                    out.push(("metric", "give a bound: `max` or `min`".into()))
                }
                _ => {}
            }
            if let (Some(max), Some(min)) = (max, min) {
                if min > max {
                    out.push(("min", format!("min {min} is above max {max}: the check can never pass")));
                }
            }
            if let Some(target) = target {
                let names = config.map(|c| c.redis.iter().map(|r| r.name.as_str()).collect());
                out.extend(unknown("target", "redis", target, names));
            }
        }
        Check::Promql {
            target,
            query,
            min,
            max,
            expect,
            ..
        } => out.extend(super::lint_promql::problems(
            target.as_deref(),
            query,
            (*min, *max, *expect),
            config,
        )),
    }
    out
}

/// Why a pattern is not a regular expression, if it is not.
fn bad_regex(re: &str) -> Option<String> {
    let why = crate::model::pattern::regex(re).err()?;
    Some(format!("{re:?} is not a regular expression: {why}"))
}

/// A target name or set the config does not have: a name it lacks, or a
/// pattern that matches none of its `[[section]]`s. `"*"` and other sets
/// are fine when the section is absent: such a check does not apply there.
/// A malformed pattern is a problem with or without a config.
fn unknown(
    key: &'static str,
    section: &str,
    written: &str,
    names: Option<Vec<&str>>,
) -> Option<(&'static str, String)> {
    let parsed = match Names::parse(written) {
        Ok(p) => p,
        Err(e) => return Some((key, e)),
    };
    let names = names?;
    if names.iter().any(|n| parsed.matches(n)) || (parsed.is_set() && names.is_empty()) {
        return None;
    }
    Some((
        key,
        if parsed.is_set() {
            format!("no [[{section}]] matches {written:?} in the config")
        } else {
            format!("no [[{section}]] named {written:?} in the config")
        },
    ))
}

/// A query a check may run: one statement that only reads. The check runs
/// it with the monitoring role, but lint should catch a DELETE long before.
pub fn read_only_statement(query: &str) -> Result<(), String> {
    let q = query.trim();
    let body = q.strip_suffix(';').unwrap_or(q).trim_end();
    if body.is_empty() {
        return Err("the query is empty".into());
    }
    let first: String = body
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    if !matches!(first.as_str(), "SELECT" | "WITH" | "SHOW" | "VALUES") {
        return Err("the query must be one read-only statement starting with SELECT, WITH, SHOW or VALUES".into());
    }
    // `;` inside a string literal or quoted name is text, not a separator.
    let mut quote: Option<char> = None;
    let mut words = String::with_capacity(body.len());
    for c in body.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == ';' => return Err("the query must be a single statement (a `;` in the middle)".into()),
            None => words.push(c),
        }
    }
    // WITH ... DELETE/UPDATE/INSERT is a writing statement dressed as a read.
    let writes = [
        "INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "DROP", "ALTER", "CREATE", "GRANT",
    ];
    let upper = words.to_ascii_uppercase();
    if let Some(w) = upper
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .find(|w| writes.contains(w))
    {
        return Err(format!("the query must only read, but it contains {w}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn problems(text: &str) -> Vec<String> {
        let ctx = LintContext {
            known_ids: ["database-emergency".to_string()].into_iter().collect(),
            config: None,
        };
        lint_text(text, &PathBuf::from("rb.toml"), &ctx)
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    const GOOD: &str = r#"
id = "svc"
title = "Service"
kind = "incident"
severities = ["P1"]

[[phase]]
name = "First"
budget = "15m"

[[phase.step]]
id = "a"
title = "A"
on_fail_runbook = "database-emergency"
check = { type = "postgres", target = "main", query = "SELECT 1;", equals = "1" }
"#;

    #[test]
    fn a_good_runbook_has_no_problems() {
        assert_eq!(problems(GOOD), Vec::<String>::new());
    }

    #[test]
    fn each_mistake_is_reported_on_its_line() {
        let bad = GOOD
            .replace("id = \"svc\"", "id = \"Svc_1\"")
            .replace("[\"P1\"]", "[\"P5\"]")
            .replace("\"database-emergency\"", "\"nope\"")
            .replace("SELECT 1;", "DELETE FROM t")
            + "\n[[phase.step]]\nid = \"a\"\ntitle = \" \"\ncheck = { type = \"http\", url = \"::\", endpoint = \"api\", timeout = \"11m\" }\n";
        let p = problems(&bad);
        let expect = [
            "rb.toml:2: key `id`",
            "rb.toml:5: key `severities`",
            "rb.toml:14: key `on_fail_runbook`",
            "rb.toml:15: key `query`",
            "rb.toml:18: key `id`: step id \"a\" is used twice",
            "rb.toml:19: key `title`",
            "rb.toml:20: key `timeout`",
            "rb.toml:20: key `url`: step \"a\": give `endpoint` or `url`, not both",
            "rb.toml:20: key `url`",
        ];
        for e in expect {
            assert!(p.iter().any(|l| l.starts_with(e)), "missing {e:?} in {p:#?}");
        }
        assert_eq!(p.len(), expect.len(), "{p:#?}");
    }

    #[test]
    fn queries_must_be_one_read_only_statement() {
        assert!(read_only_statement("SELECT count(*) FROM pg_stat_activity;").is_ok());
        assert!(read_only_statement("with x as (select 1) select * from x").is_ok());
        assert!(read_only_statement("SELECT ';' AS semi").is_ok());
        assert!(read_only_statement("SELECT 1; DROP TABLE users").is_err());
        assert!(read_only_statement("WITH d AS (DELETE FROM t RETURNING 1) SELECT 1").is_err());
        assert!(read_only_statement("VACUUM").is_err());
        assert!(read_only_statement("  ;").is_err());
    }

    #[test]
    fn ids_are_checked() {
        for ok in ["a", "service-down", "p0-db2"] {
            assert!(is_valid_id(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "a--b", "A", "a_b", "a b", "é"] {
            assert!(!is_valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn config_targets_must_exist() {
        let cfg = Config::parse(
            "[[postgres]]\nname = \"main\"\nurl = \"postgres://m@h/app\"\n[[alertmanager]]\nname = \"prod\"\nurl = \"http://h:9093\"\n",
            Path::new("c.toml"),
        )
        .expect("config");
        let check = Check::Postgres {
            target: "replica".into(),
            metric: Some(super::super::model::PgMetric::Connections),
            query: None,
            max: Some(1.0),
            min: None,
            equals: None,
            timing: Default::default(),
        };
        let p = check_problems(&check, Some(&cfg));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].0, "target");
        let alerts = Check::Alerts {
            source: Some("prod".into()),
            matchers: "severity=\"critical\"".into(),
            timing: Default::default(),
        };
        assert!(check_problems(&alerts, Some(&cfg)).is_empty());
        let bad = Check::Alerts {
            source: Some("staging".into()),
            matchers: "severity=".into(),
            timing: Default::default(),
        };
        assert_eq!(check_problems(&bad, Some(&cfg)).len(), 2);
    }
}
