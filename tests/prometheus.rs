//! The Prometheus backend and the `promql` check against the real
//! Prometheus started by tests/run.sh: it scrapes itself (job "prometheus")
//! and a job "down" nothing answers, and evaluates one rule that fails.
//! Without it these tests fail (they never skip).

mod common;
mod fixtures;

use opsdeck::app::{update, Freshness, Msg, PaneId, View};
use opsdeck::backends::prometheus::PrometheusPoller;
use opsdeck::backends::{self, BackendData, BackendReport, Target};
use opsdeck::config::Config;
use opsdeck::model::alerts::Severity;
use opsdeck::model::prometheus::PromSummary;
use opsdeck::runbook::checks::{evaluate, CheckContext};
use opsdeck::runbook::lint::{lint_text, LintContext};
use opsdeck::runbook::Check;
use std::path::Path;
use std::time::{Duration, Instant};

fn config(text: &str) -> Config {
    Config::parse(text, Path::new("prom.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// One `[[prometheus]]` on the run's server with queries whose values are
/// known: one target up and one down, so `sum(up)` is 1 and `count(up)` 2.
fn prom_toml(url: &str) -> String {
    format!(
        r#"[[prometheus]]
name = "main"
url = "{url}"
interval = "1s"
timeout = "2s"

[[prometheus.query]]
name = "up_sum"
expr = "sum(up)"

[[prometheus.query]]
name = "targets_warn"
expr = "count(up)"
unit = "targets"
warn = 1
crit = 5

[[prometheus.query]]
name = "targets_crit"
expr = "count(up)"
warn = 1
crit = 1.5

[[prometheus.query]]
name = "floor"
expr = "sum(up)"
warn = 2
below = true

[[prometheus.query]]
name = "floor_ok"
expr = "sum(up)"
warn = 0.5
below = true

[[prometheus.query]]
name = "every_up"
expr = "up"

[[prometheus.query]]
name = "nothing"
expr = 'up{{job="nope"}}'

[[prometheus.query]]
name = "broken"
expr = "sum("
"#
    )
}

fn one_target(text: &str) -> Target {
    let mut c = config(text);
    c.host.enabled = false;
    let mut t = backends::targets(&c);
    assert_eq!(t.len(), 1);
    t.remove(0)
}

/// Poll until `ready` holds (the server scrapes and evaluates every second
/// once started), at most 20 s.
async fn poll_until(t: &mut Target, what: &str, ready: impl Fn(&PromSummary) -> bool) -> PromSummary {
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let r = t.poll_once().await;
        if let Ok(BackendData::Prometheus(p)) = &r.result {
            if ready(p) {
                return *p.clone();
            }
        }
        assert!(Instant::now() < end, "{what}: not seen within 20 s; last report {r:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn settled(p: &PromSummary) -> bool {
    p.targets.len() == 2
        && p.targets.iter().any(|t| !t.up)
        && !p.failing_rules.is_empty()
        && p.queries[0].value() == Some(1.0)
}

#[tokio::test]
async fn targets_rules_head_and_named_queries() {
    let mut t = one_target(&prom_toml(&common::prometheus_url()));
    assert_eq!(t.id.to_string(), "prom:main");
    assert!(t.read_only, "opsdeck never writes to Prometheus");
    let p = poll_until(&mut t, "a target down and a rule failing", settled).await;

    // Down first: job "down" with the scrape's own error, then the server itself.
    assert_eq!(p.targets[0].job, "down");
    assert!(!p.targets[0].up);
    assert!(
        p.targets[0].last_error.contains("connection refused"),
        "{:?}",
        p.targets[0]
    );
    assert_eq!(p.targets[1].job, "prometheus");
    assert!(p.targets[1].up && p.targets[1].last_error.is_empty());
    assert!(
        p.targets[0].scrape_secs > 0.0,
        "a down target says how long its scrape took"
    );
    assert_eq!(p.targets_up(), 1);

    let dup = p
        .failing_rules
        .iter()
        .find(|r| r.name == "opsdeck:duplicate")
        .expect("the failing rule");
    assert_eq!(dup.group, "opsdeck-test");
    assert!(dup.error.contains("same labelset"), "{dup:?}");
    assert!(
        !p.failing_rules.iter().any(|r| r.name == "opsdeck:up:sum"),
        "the good rule evaluates"
    );
    assert!(p.head_series.is_some_and(|n| n > 0), "{:?}", p.head_series);

    let q = |name: &str| p.queries.iter().find(|q| q.name == name).expect(name).clone();
    assert_eq!(q("up_sum").breach(), None);
    let warn = q("targets_warn");
    let b = warn.breach().expect("count(up) = 2 is over warn 1");
    assert_eq!((b.severity, b.threshold), (Severity::Warning, 1.0));
    assert_eq!(warn.breach_text(b), "2 targets (warn at 1 targets)");
    assert_eq!(q("targets_crit").breach().map(|b| b.severity), Some(Severity::Critical));
    let floor = q("floor");
    let b = floor.breach().expect("1 is under the floor of 2");
    assert_eq!(floor.breach_text(b), "1 (warn under 2)");
    assert_eq!(q("floor_ok").breach(), None);
    let every = q("every_up");
    assert_eq!(every.series(), 2);
    let labels: Vec<String> = every
        .result
        .clone()
        .expect("up")
        .into_iter()
        .map(|s| s.labels)
        .collect();
    assert!(labels[0] < labels[1] && labels[0].starts_with("up{"), "{labels:?}");
    assert_eq!(q("nothing").result, Ok(Vec::new()));
    assert!(
        q("broken").result.as_ref().is_err_and(|e| e.contains("parse error")),
        "{:?}",
        q("broken").result
    );

    // The last hour, a point a minute: the newest one is now.
    let spark = &q("up_sum").spark;
    assert_eq!(spark.len(), 60);
    assert_eq!(spark.iter().flatten().last(), Some(&1.0), "{spark:?}");
    assert!(q("nothing").spark.iter().all(Option::is_none));

    // The own alerts of it, from the real answer.
    let mut s = fixtures::empty_state();
    s.backends.targets = vec![opsdeck::app::BackendStatus::new(t.id.clone(), t.interval, t.timeout)];
    s.shell.now = chrono::Utc::now();
    update(&mut s, report(&t, Ok(BackendData::Prometheus(Box::new(p.clone())))));
    let rows = opsdeck::app::panes::alerts::own::rows(&s);
    let row = |name: &str, instance_part: &str| {
        rows.iter()
            .find(|r| r.name == name && r.instance.contains(instance_part))
            .unwrap_or_else(|| panic!("{name} {instance_part} in {rows:#?}"))
    };
    let down = row("PrometheusTargetDown", "main/down/");
    assert!(down.summary.contains("connection refused"), "{}", down.summary);
    let rule = row("PrometheusRuleFailing", "opsdeck:duplicate");
    assert!(rule.summary.contains("same labelset"));
    let crit = row("PrometheusQueryBreach", "main/targets_crit");
    assert_eq!(crit.severity, Severity::Critical);
    assert_eq!(crit.summary, "targets_crit: 2 (crit at 1.5)");
    assert_eq!(row("PrometheusQueryBreach", "main/floor").severity, Severity::Warning);
    assert!(!rows
        .iter()
        .any(|r| r.instance.ends_with("/up_sum") || r.instance.ends_with("/floor_ok")));
    assert!(!rows.iter().any(|r| r.name == "PrometheusDown"));
}

fn report(t: &Target, result: Result<BackendData, String>) -> Msg {
    Msg::Backend(BackendReport {
        id: t.id.clone(),
        at: chrono::Utc::now(),
        next_in: Duration::ZERO,
        result,
    })
}

#[tokio::test]
async fn the_last_hour_is_read_once_a_minute_not_every_poll() {
    let c = config(&prom_toml(&common::prometheus_url()));
    let mut poller = PrometheusPoller::new(&c.prometheus[0]);
    loop {
        let minute = chrono::Utc::now().timestamp() / 60;
        let before = poller.range_reads();
        for _ in 0..3 {
            poller.poll().await.expect("poll");
        }
        // Three polls within one minute read the range once.
        if chrono::Utc::now().timestamp() / 60 == minute {
            assert_eq!(poller.range_reads() - before, if before == 0 { 1 } else { 0 });
            break;
        }
    }
    assert!(poller.range_reads() >= 1);
}

/// A port nothing listens on.
fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    format!("http://{}", l.local_addr().expect("addr"))
}

#[tokio::test]
async fn unreachable_is_down_with_the_reason_and_the_last_data_kept() {
    let mut t = one_target(&prom_toml(&common::prometheus_url()));
    let good = poll_until(&mut t, "a target down and a rule failing", settled).await;
    let mut dead = one_target(&prom_toml(&dead_url()));
    let failed = dead.poll_once().await;
    let err = failed.result.clone().expect_err("nothing listens there");
    assert_eq!(err, "connection refused");

    let mut s = fixtures::empty_state();
    s.backends.targets = vec![opsdeck::app::BackendStatus::new(t.id.clone(), t.interval, t.timeout)];
    s.shell.now = chrono::Utc::now();
    update(&mut s, report(&t, Ok(BackendData::Prometheus(Box::new(good)))));
    std::thread::sleep(Duration::from_millis(5));
    update(&mut s, report(&t, Err(err)));
    let b = &s.backends.targets[0];
    assert_eq!(b.freshness(s.shell.now), Freshness::Down);
    assert!(
        b.prometheus().is_some_and(|p| p.targets.len() == 2),
        "the last good data is kept"
    );
    let rows = opsdeck::app::panes::alerts::own::rows(&s);
    let down = rows
        .iter()
        .find(|r| r.name == "PrometheusDown")
        .expect("PrometheusDown");
    assert_eq!(
        (down.severity, down.summary.as_str()),
        (Severity::Critical, "connection refused")
    );

    s.shell.view = View::Zoom(PaneId::Services);
    s.shell.focus = PaneId::Services;
    let theme = opsdeck::config::theme::Theme::builtin("default", opsdeck::config::theme::ColorSupport::Ansi256)
        .expect("theme");
    let screen =
        opsdeck::cli::snapshot::buffer_text(&opsdeck::cli::snapshot::render(&s, &theme, 160, 40).expect("render"));
    assert!(
        screen.contains("main DOWN at") && screen.contains("connection refused"),
        "{screen}"
    );
    assert!(
        screen.contains("1/2 targets up") && screen.contains("up_sum"),
        "the last data is shown: {screen}"
    );
    assert!(screen.contains("prom:main"), "the header's freshness dot: {screen}");
}

fn check(text: &str) -> Check {
    toml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[tokio::test]
async fn promql_checks_pass_and_fail_on_bounds_and_emptiness() {
    let url = common::prometheus_url();
    let mut t = one_target(&prom_toml(&url));
    poll_until(&mut t, "a target down", settled).await;
    let ctx = CheckContext::new(&config(&format!(
        "{}\n[[prometheus]]\nname = \"second\"\nurl = \"{}\"\n",
        prom_toml(&url),
        dead_url()
    )));
    let eval = |text: &'static str| {
        let ctx = ctx.clone();
        async move { evaluate(&check(text), &ctx).await }
    };

    let r = eval(
        r#"type = "promql"
query = "sum(up)"
min = 1
max = 1"#,
    )
    .await;
    assert!(r.passed, "{r:?}");
    assert_eq!(r.observed, "1 (min 1, max 1)");
    assert!(
        r.evidence.starts_with("prometheus main: sum(up): 1 series\n{} 1"),
        "{}",
        r.evidence
    );

    let r = eval("type = \"promql\"\ntarget = \"main\"\nquery = \"count(up)\"\nmax = 1").await;
    assert!(!r.passed && !r.not_applicable);
    assert_eq!(r.observed, "2 (over the max of 1)");
    let r = eval("type = \"promql\"\nquery = \"sum(up)\"\nmin = 2").await;
    assert_eq!((r.passed, r.observed.as_str()), (false, "1 (under the min of 2)"));

    let r = eval("type = \"promql\"\nquery = \"up\"\nmax = 1").await;
    assert!(!r.passed && r.observed.contains("2 series"), "{r:?}");
    assert!(
        r.evidence.contains("job=\\\"down\\\"") || r.evidence.contains("job=\"down\""),
        "{}",
        r.evidence
    );

    let r = eval("type = \"promql\"\nquery = 'up{job=\"down\"} == 0'\nexpect = \"nonempty\"").await;
    assert!(r.passed, "{r:?}");
    let r = eval("type = \"promql\"\nquery = 'up{job=\"down\"} == 0'\nexpect = \"empty\"").await;
    assert_eq!((r.passed, r.observed.as_str()), (false, "1 series (expected empty)"));
    let r = eval("type = \"promql\"\nquery = 'up{job=\"nope\"}'\nexpect = \"empty\"").await;
    assert!(r.passed, "{r:?}");
    let r = eval("type = \"promql\"\nquery = 'up{job=\"nope\"}'\nexpect = \"nonempty\"").await;
    assert_eq!((r.passed, r.observed.as_str()), (false, "no series (expected some)"));
    let r = eval("type = \"promql\"\nquery = 'up{job=\"nope\"}'\nmin = 0").await;
    assert!(!r.passed && r.observed.starts_with("no data"), "{r:?}");

    // The server's words for a bad query; an unreachable target; a missing one.
    let r = eval("type = \"promql\"\nquery = \"sum(\"\nmax = 1").await;
    assert!(!r.passed && r.observed.contains("parse error"), "{r:?}");
    let r = eval("type = \"promql\"\ntarget = \"second\"\nquery = \"up\"\nexpect = \"nonempty\"").await;
    assert_eq!((r.passed, r.observed.as_str()), (false, "connection refused"));
    let r = eval("type = \"promql\"\ntarget = \"third\"\nquery = \"up\"\nexpect = \"nonempty\"").await;
    assert!(
        !r.passed && r.observed.contains("no [[prometheus]] named \"third\""),
        "{r:?}"
    );

    // Without any [[prometheus]] the check does not apply.
    let none = CheckContext::new(&config("[[http]]\nname = \"x\"\nurl = \"http://127.0.0.1:1/\"\n"));
    let r = evaluate(&check("type = \"promql\"\nquery = \"up\"\nexpect = \"empty\""), &none).await;
    assert!(r.not_applicable && !r.passed, "{r:?}");
}

#[test]
fn lint_names_file_and_line_of_a_bad_promql_check() {
    let text = r#"id = "prom-check"
title = "Prometheus checks"
kind = "daily"

[[phase]]
name = "Look"

[[phase.step]]
id = "cut-off"
title = "A query cut off"
check = { type = "promql", query = "sum(rate(x[5m])", max = 1.0 }

[[phase.step]]
id = "both"
title = "Bounds and expect"
check = { type = "promql", query = "up", max = 1.0, expect = "empty" }

[[phase.step]]
id = "neither"
title = "Nothing to compare"
check = { type = "promql", query = "up" }

[[phase.step]]
id = "elsewhere"
title = "A server the config lacks"
check = { type = "promql", target = "other", query = "up", expect = "nonempty" }

[[phase.step]]
id = "fine"
title = "A good one"
check = { type = "promql", target = "main", query = "up", min = 1.0 }
"#;
    let cfg = config(&prom_toml("http://127.0.0.1:9090"));
    let ctx = LintContext {
        known_ids: Default::default(),
        config: Some(&cfg),
    };
    let problems: Vec<String> = lint_text(text, Path::new("prom-check.toml"), &ctx)
        .iter()
        .map(|e| e.to_string())
        .collect();
    let expect = [
        (11, "has a `(` that is not closed"),
        (16, "not both"),
        (21, "give a bound"),
        (26, "no [[prometheus]] named \"other\""),
    ];
    assert_eq!(problems.len(), expect.len(), "{problems:#?}");
    for ((line, needle), p) in expect.iter().zip(&problems) {
        assert!(
            p.starts_with(&format!("prom-check.toml:{line}: ")) && p.contains(needle),
            "{p}"
        );
    }
}

#[test]
fn config_mistakes_are_named() {
    let bad = |extra: &str, needle: &str| {
        let text = format!("[[prometheus]]\nname = \"p\"\nurl = \"http://127.0.0.1:9090\"\n{extra}");
        let e = Config::parse(&text, Path::new("c.toml")).expect_err(extra).to_string();
        assert!(e.contains(needle), "{extra}: {e}");
    };
    bad("username = \"u\"\n", "basic auth needs username and password_env");
    bad(
        "username = \"u\"\npassword_env = \"P\"\nbearer_token_env = \"T\"\n",
        "not both",
    );
    bad("bearer_token_env = \"T\"\nbearer_token_file = \"/t\"\n", "not both");
    bad(
        "[[prometheus.query]]\nname = \"q\"\nexpr = \" \"\n",
        "expr must not be empty",
    );
    bad(
        "[[prometheus.query]]\nname = \"q\"\nexpr = \"up\"\nwarn = 5\ncrit = 1\n",
        "crit 1 must be at or over warn 5",
    );
    bad(
        "[[prometheus.query]]\nname = \"q\"\nexpr = \"up\"\nwarn = 1\ncrit = 5\nbelow = true\n",
        "at or under",
    );
    let e = Config::parse("[[prometheus]]\nname = \"p\"\nurl = \"ftp://x\"\n", Path::new("c.toml"))
        .expect_err("scheme")
        .to_string();
    assert!(e.contains("must start with http://"), "{e}");
    let e = Config::parse(
        "[[prometheus]]\nname = \"p\"\nurl = \"http://u:pw@x\"\n",
        Path::new("c.toml"),
    )
    .expect_err("password")
    .to_string();
    assert!(e.contains("password is written in the URL"), "{e}");
}
