//! Runbook checks over sets (`"*"`, globs, Compose projects) and checks
//! whose kind of backend is not configured, against the real services of
//! tests/run.sh; and every built-in runbook through `opsdeck check` against
//! configs whose targets have other names than the examples. Without those
//! services these tests fail; they never skip.

mod common;

use bollard::container::Config as ContainerConfig;
use bollard::models::HostConfig;
use opsdeck::config::Config;
use opsdeck::runbook::checks::{evaluate, CheckContext};
use opsdeck::runbook::model::Verdict;
use opsdeck::runbook::{Check, CheckResult};
use std::path::Path;

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// The services of the test run under other names than the examples use:
/// docker `box`, PostgreSQL `barsdb` (and `bars-gone`, which nobody
/// answers), Alertmanager `local`, an HTTP endpoint `gateway` that answers
/// 404 (so a held window fails at its first probe).
fn other_names_toml() -> String {
    let am = common::alertmanager_url();
    format!(
        r#"
[[docker]]
name = "box"
url = "{docker}"

[[postgres]]
name = "barsdb"
url = "{pg}"
password_env = "OPSDECK_TEST_PG_PASSWORD"

[[postgres]]
name = "bars-gone"
url = "postgres://nobody@127.0.0.1:1/none"
timeout = "2s"

[[alertmanager]]
name = "local"
url = "{am}"

[[http]]
name = "gateway"
url = "{am}/no-such-page"
"#,
        docker = common::docker_host(),
        pg = common::pg_url(),
    )
}

/// Docker alone: every other kind of check does not apply.
fn docker_only_toml() -> String {
    format!("[[docker]]\nname = \"box\"\nurl = \"{}\"\n", common::docker_host())
}

fn ctx(text: &str) -> CheckContext {
    CheckContext::new(&Config::parse(text, Path::new("sets.toml")).unwrap_or_else(|e| panic!("{e}")))
}

async fn eval(text: &str, ctx: &CheckContext) -> CheckResult {
    let check: Check = toml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    evaluate(&check, ctx).await
}

fn sleeper(labels: &[(&str, &str)]) -> ContainerConfig<String> {
    ContainerConfig {
        image: Some(common::test_image()),
        cmd: Some(vec!["sleep".into(), "300".into()]),
        labels: Some(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_glob_names_each_failing_container_and_an_empty_set_fails() {
    let d = common::docker::client().await;
    let tag = unique("od-set");
    let names: Vec<String> = ["a", "b", "c"].iter().map(|x| format!("{tag}-{x}")).collect();
    for n in &names {
        common::docker::run(&d, n, sleeper(&[("com.docker.compose.project", &tag)])).await;
    }
    let ctx = ctx(&other_names_toml());
    let glob = format!("type = \"container\"\nname = \"{tag}-*\"");
    let all_up = eval(&glob, &ctx).await;
    let by_project = eval(&format!("type = \"container\"\ncompose_project = \"{tag}\""), &ctx).await;
    for n in &names[1..] {
        d.kill_container::<String>(n, None).await.expect("kill");
    }
    let two_down = eval(&glob, &ctx).await;
    let every_host = eval(&format!("{glob}\nhost = \"*\""), &ctx).await;
    let empty = eval("type = \"container\"\nname = \"od-set-nobody-*\"", &ctx).await;
    for n in &names {
        common::docker::remove(&d, n).await;
    }

    assert!(all_up.passed, "{all_up:?}");
    assert_eq!(all_up.observed, format!("3 of 3 containers ok (name = \"{tag}-*\")"));
    assert!(by_project.passed, "{by_project:?}");
    assert!(
        by_project.observed.starts_with("3 of 3 containers ok"),
        "{by_project:?}"
    );
    for r in [&two_down, &every_host] {
        assert_eq!(r.verdict(), Verdict::Failed, "{r:?}");
        assert!(r.observed.starts_with("2 of 3 containers failing: "), "{}", r.observed);
        // Each failing member named, the passing one not.
        for n in &names[1..] {
            assert!(r.observed.contains(&format!("{n}: exited")), "{n}: {}", r.observed);
        }
        assert!(!r.observed.contains(&format!("{}:", names[0])), "{}", r.observed);
    }
    assert_eq!(empty.verdict(), Verdict::Failed, "an empty set is no pass: {empty:?}");
    assert_eq!(
        empty.observed,
        "no container matches name = \"od-set-nobody-*\" on docker host box"
    );
}

#[tokio::test]
async fn a_postgres_set_names_the_target_that_fails() {
    let ctx = ctx(&other_names_toml());
    let every = eval(
        "type = \"postgres\"\ntarget = \"*\"\nquery = \"SELECT 1\"\nequals = \"1\"",
        &ctx,
    )
    .await;
    let bars = eval(
        "type = \"postgres\"\ntarget = \"bars*\"\nquery = \"SELECT 1\"\nequals = \"1\"",
        &ctx,
    )
    .await;
    let one = eval(
        "type = \"postgres\"\ntarget = \"barsdb\"\nquery = \"SELECT 1\"\nequals = \"1\"",
        &ctx,
    )
    .await;
    let none = eval(
        "type = \"postgres\"\ntarget = \"main-*\"\nmetric = \"connections\"\nmax = 1000.0",
        &ctx,
    )
    .await;
    // No target says where its backups are: nothing to judge.
    let backups = eval(
        "type = \"postgres\"\ntarget = \"*\"\nmetric = \"backup_age\"\nmax = 60.0",
        &ctx,
    )
    .await;

    for r in [&every, &bars] {
        assert_eq!(r.verdict(), Verdict::Failed, "{r:?}");
        assert!(
            r.observed.starts_with("1 of 2 targets failing: bars-gone: "),
            "{}",
            r.observed
        );
        assert!(!r.observed.contains("barsdb"), "{}", r.observed);
    }
    assert!(one.passed, "{one:?}");
    assert_eq!(none.observed, "no [[postgres]] target matches target = \"main-*\"");
    assert!(!none.passed && !none.not_applicable);
    assert_eq!(backups.verdict(), Verdict::NotApplicable, "{backups:?}");
}

#[tokio::test]
async fn a_kind_not_configured_is_not_applicable() {
    let ctx = ctx(&docker_only_toml());
    for (text, section) in [
        (
            "type = \"postgres\"\ntarget = \"main\"\nmetric = \"connections\"\nmax = 50.0",
            "postgres",
        ),
        (
            "type = \"postgres\"\ntarget = \"*\"\nquery = \"SELECT 1\"\nequals = \"1\"",
            "postgres",
        ),
        ("type = \"alerts\"\nsource = \"prod\"", "alertmanager"),
        ("type = \"alerts\"", "alertmanager"),
        ("type = \"http\"\nendpoint = \"*\"", "http"),
    ] {
        let r = eval(text, &ctx).await;
        assert_eq!(r.verdict(), Verdict::NotApplicable, "{text}: {r:?}");
        assert_eq!(r.observed, format!("not applicable (no [[{section}]] configured)"));
    }
}

/// `opsdeck check` with `config` in a fresh directory (its state store there too).
fn opsdeck_check(config: &str, runbook: &str) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("config.toml"), config).expect("config");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("--config")
        .arg(dir.path().join("config.toml"))
        .args(["check", "--runbook", runbook])
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .output()
        .expect("run opsdeck");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn every_builtin_runbook_runs_against_configs_with_other_names() {
    for config in [other_names_toml(), docker_only_toml()] {
        for runbook in opsdeck::runbook::load::builtin() {
            let (code, out) = opsdeck_check(&config, &runbook.id);
            // Passed or failed, never a configuration error.
            assert!(code == 0 || code == 1, "{}: exit {code}\n{out}", runbook.id);
            assert!(
                !out.contains("named \""),
                "{}: a check names a target\n{out}",
                runbook.id
            );
            assert!(out.contains("recorded as session"), "{}\n{out}", runbook.id);
        }
    }
    // The morning round without a database or an Alertmanager: those steps
    // say so, and are not failures.
    let (code, out) = opsdeck_check(&docker_only_toml(), "daily-health-check");
    assert!(code == 0 || code == 1, "{out}");
    assert!(
        out.contains("N/A   Connections under 50 — not applicable (no [[postgres]] configured)"),
        "{out}"
    );
    assert!(
        out.contains("N/A   No critical alert firing — not applicable (no [[alertmanager]] configured)"),
        "{out}"
    );
    assert!(out.contains(" not applicable\n"), "the totals count them: {out}");
}
