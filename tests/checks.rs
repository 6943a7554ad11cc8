//! Runbook checks against the real services of tests/run.sh (dockerd,
//! PostgreSQL, Alertmanager), and `opsdeck check` as a program. Without
//! those services these tests fail; they never skip.

mod common;

use bollard::container::Config as ContainerConfig;
use bollard::models::{HealthConfig, HostConfig, RestartPolicy, RestartPolicyNameEnum};
use bollard::Docker;
use opsdeck::config::Config;
use opsdeck::runbook::checks::{evaluate, run_all, CheckContext};
use opsdeck::runbook::{Check, CheckResult, Runbook};
use sqlx::Connection;
use std::path::Path;
use std::time::{Duration, Instant};

/// Every service of the test run, a file-based endpoint, and commands on or off.
fn config_toml(allow_commands: bool) -> String {
    let am = common::alertmanager_url();
    format!(
        r#"
[[docker]]
name = "test"
url = "{docker}"

[[postgres]]
name = "main"
url = "{pg}"
password_env = "OPSDECK_TEST_PG_PASSWORD"

[[alertmanager]]
name = "am"
url = "{am}"

[[http]]
name = "am-health"
url = "{am}/-/healthy"

[runbooks]
allow_commands = {allow_commands}
"#,
        docker = common::docker_host(),
        pg = common::pg_url(),
    )
}

fn ctx(allow_commands: bool) -> CheckContext {
    let config =
        Config::parse(&config_toml(allow_commands), Path::new("checks.toml")).unwrap_or_else(|e| panic!("{e}"));
    CheckContext::new(&config)
}

fn check(text: &str) -> Check {
    toml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

async fn eval(text: &str, ctx: &CheckContext) -> CheckResult {
    let r = evaluate(&check(text), ctx).await;
    assert_no_password(&r);
    assert_eq!(r.evidence_sha256.len(), 64, "{r:?}");
    assert!(r.evidence.chars().count() <= 500, "{r:?}");
    r
}

/// The PostgreSQL password never appears in anything a check reports.
fn assert_no_password(r: &CheckResult) {
    let pw = common::pg_password();
    assert!(
        !r.observed.contains(&pw) && !r.evidence.contains(&pw),
        "the password leaked into a result"
    );
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{nanos}", std::process::id())
}

use common::docker::client as docker;

/// Start a container without network running `sh -c cmd`.
async fn start(d: &Docker, name: &str, cmd: &str, labels: &[(&str, &str)], host: HostConfig) {
    start_with(d, name, cmd, labels, host, None).await
}

async fn start_with(
    d: &Docker,
    name: &str,
    cmd: &str,
    labels: &[(&str, &str)],
    host: HostConfig,
    health: Option<HealthConfig>,
) {
    let cfg = ContainerConfig {
        image: Some(common::test_image()),
        cmd: Some(vec!["sh".into(), "-c".into(), cmd.into()]),
        labels: Some(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
        healthcheck: health,
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            ..host
        }),
        ..Default::default()
    };
    common::docker::run(d, name, cfg).await;
}

use common::docker::remove;

/// Evaluate until `done` holds for the result, at most `limit`.
async fn eval_until(
    text: &str,
    ctx: &CheckContext,
    limit: Duration,
    done: impl Fn(&CheckResult) -> bool,
) -> CheckResult {
    let deadline = Instant::now() + limit;
    loop {
        let r = eval(text, ctx).await;
        if done(&r) || Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn container_running_passes_and_stopped_fails() {
    let d = docker().await;
    let name = unique("od-check");
    start(&d, &name, "sleep 300", &[], HostConfig::default()).await;
    let ctx = ctx(false);
    let text = format!("type = \"container\"\nname = \"{name}\"");
    let up = eval(&text, &ctx).await;
    let with_restarts = eval(&format!("{text}\nmax_restarts = 1"), &ctx).await;
    let healthy = eval(&format!("{text}\nexpect = \"healthy\""), &ctx).await;
    d.kill_container::<String>(&name, None).await.expect("kill");
    let down = eval(&text, &ctx).await;
    let missing = eval("type = \"container\"\nname = \"od-no-such-container\"", &ctx).await;
    remove(&d, &name).await;

    assert!(up.passed, "{up:?}");
    assert_eq!(up.observed, format!("{name}: running, no health check, 0 restarts"));
    assert!(up.evidence.contains("docker host test"), "{}", up.evidence);
    assert!(with_restarts.passed, "{with_restarts:?}");
    assert!(!healthy.passed, "no health check is not healthy: {healthy:?}");
    assert!(healthy.observed.contains("no health check"), "{}", healthy.observed);
    assert!(!down.passed, "{down:?}");
    assert!(
        down.observed.contains("exited") && down.observed.contains("not running"),
        "{}",
        down.observed
    );
    assert!(!missing.passed);
    assert_eq!(
        missing.observed,
        "no container named \"od-no-such-container\" on docker host test"
    );
}

#[tokio::test]
async fn containers_are_selected_by_label() {
    let d = docker().await;
    let tag = unique("grp");
    let (a, b) = (unique("od-label-a"), unique("od-label-b"));
    start(&d, &a, "sleep 300", &[("opsdeck.check", &tag)], HostConfig::default()).await;
    start(&d, &b, "sleep 300", &[("opsdeck.check", &tag)], HostConfig::default()).await;
    let ctx = ctx(false);
    let by_value = eval(&format!("type = \"container\"\nlabel = \"opsdeck.check={tag}\""), &ctx).await;
    let none = eval("type = \"container\"\nlabel = \"opsdeck.check=nobody-has-this\"", &ctx).await;
    d.kill_container::<String>(&b, None).await.expect("kill");
    let one_down = eval(&format!("type = \"container\"\nlabel = \"opsdeck.check={tag}\""), &ctx).await;
    remove(&d, &a).await;
    remove(&d, &b).await;

    assert!(by_value.passed, "{by_value:?}");
    assert!(
        by_value.observed.starts_with("2 of 2 containers"),
        "{}",
        by_value.observed
    );
    assert!(!none.passed);
    assert_eq!(
        none.observed,
        "no container matches label = \"opsdeck.check=nobody-has-this\" on docker host test"
    );
    assert!(!one_down.passed, "{one_down:?}");
    assert!(
        one_down
            .observed
            .starts_with(&format!("1 of 2 containers failing: {b}: exited")),
        "the failing container is named: {}",
        one_down.observed
    );
    assert!(!one_down.observed.contains(&a), "{}", one_down.observed);
}

#[tokio::test]
async fn restarts_and_health_are_judged() {
    let d = docker().await;
    let looping = unique("od-restarts");
    let well = unique("od-healthy");
    let always = HostConfig {
        restart_policy: Some(RestartPolicy {
            name: Some(RestartPolicyNameEnum::ALWAYS),
            maximum_retry_count: None,
        }),
        ..Default::default()
    };
    start(&d, &looping, "sleep 0.2; exit 1", &[], always).await;
    let probe = HealthConfig {
        test: Some(vec!["CMD".into(), "true".into()]),
        interval: Some(200_000_000),
        retries: Some(1),
        ..Default::default()
    };
    start_with(&d, &well, "sleep 300", &[], HostConfig::default(), Some(probe)).await;
    let ctx = ctx(false);
    let restarts = eval_until(
        &format!("type = \"container\"\nname = \"{looping}\"\nmax_restarts = 2"),
        &ctx,
        Duration::from_secs(20),
        |r| r.observed.contains("must be fewer than 2"),
    )
    .await;
    let healthy = eval_until(
        &format!("type = \"container\"\nname = \"{well}\"\nexpect = \"healthy\""),
        &ctx,
        Duration::from_secs(15),
        |r| r.passed,
    )
    .await;
    remove(&d, &looping).await;
    remove(&d, &well).await;
    assert!(!restarts.passed, "{restarts:?}");
    assert!(
        restarts.observed.contains("must be fewer than 2"),
        "{}",
        restarts.observed
    );
    assert!(healthy.passed, "{healthy:?}");
    assert_eq!(healthy.observed, format!("{well}: running, healthy, 0 restarts"));
}

#[tokio::test]
async fn postgres_metrics_against_bounds() {
    let ctx = ctx(false);
    let under = eval(
        "type = \"postgres\"\ntarget = \"main\"\nmetric = \"connections\"\nmax = 1000.0",
        &ctx,
    )
    .await;
    let impossible = eval(
        "type = \"postgres\"\ntarget = \"main\"\nmetric = \"connections\"\nmax = 0.0",
        &ctx,
    )
    .await;
    let cache = eval(
        "type = \"postgres\"\ntarget = \"main\"\nmetric = \"cache_hit\"\nmin = 101.0",
        &ctx,
    )
    .await;
    let longest = eval(
        "type = \"postgres\"\ntarget = \"main\"\nmetric = \"longest_query\"\nmax = 3600.0",
        &ctx,
    )
    .await;
    let backup = eval(
        "type = \"postgres\"\ntarget = \"main\"\nmetric = \"backup_age\"\nmax = 60.0",
        &ctx,
    )
    .await;

    assert!(under.passed, "{under:?}");
    assert!(
        under.observed.ends_with(" connections (max 1000)"),
        "{}",
        under.observed
    );
    assert!(under.evidence.contains("max_connections"), "{}", under.evidence);
    assert!(!impossible.passed, "{impossible:?}");
    assert!(
        impossible.observed.ends_with("connections, over the max of 0"),
        "{}",
        impossible.observed
    );
    assert!(
        !cache.passed && cache.observed.contains("under the min of 101"),
        "{cache:?}"
    );
    assert!(longest.passed, "{longest:?}");
    assert!(
        !backup.passed && backup.observed.contains("no backup configured"),
        "{backup:?}"
    );
}

#[tokio::test]
async fn postgres_queries_return_one_value() {
    let ctx = ctx(false);
    let one = eval(
        "type = \"postgres\"\ntarget = \"main\"\nquery = \"SELECT 1\"\nequals = \"1\"",
        &ctx,
    )
    .await;
    let two = eval(
        "type = \"postgres\"\ntarget = \"main\"\nquery = \"SELECT 1\"\nequals = \"2\"",
        &ctx,
    )
    .await;
    let numeric = eval(
        "type = \"postgres\"\ntarget = \"main\"\nquery = \"SELECT 12.50::numeric\"\nmax = 12.5\nequals = \"12.50\"",
        &ctx,
    )
    .await;
    let over = eval(
        "type = \"postgres\"\ntarget = \"main\"\nquery = \"SELECT -0.001::numeric\"\nmax = -0.01",
        &ctx,
    )
    .await;
    let text = eval(
        "type = \"postgres\"\ntarget = \"main\"\nquery = \"SELECT current_database()\"\nequals = \"opsdeck_test\"",
        &ctx,
    )
    .await;
    let boolean = eval(
        "type = \"postgres\"\ntarget = \"main\"\nquery = \"SELECT pg_is_in_recovery()\"\nequals = \"false\"",
        &ctx,
    )
    .await;
    let interval = eval(
        "type = \"postgres\"\ntarget = \"main\"\nquery = \"SELECT interval '90 minutes'\"\nmin = 3600.0",
        &ctx,
    )
    .await;
    let no_row = eval(
        "type = \"postgres\"\ntarget = \"main\"\nquery = \"SELECT 1 WHERE false\"",
        &ctx,
    )
    .await;
    let null = eval(
        "type = \"postgres\"\ntarget = \"main\"\nquery = \"SELECT NULL::int\"\nmax = 1.0",
        &ctx,
    )
    .await;

    assert!(one.passed, "{one:?}");
    assert_eq!(one.observed, "value 1");
    assert!(one.evidence.contains("SELECT 1"), "{}", one.evidence);
    assert!(!two.passed && two.observed == "value 1: expected \"2\"", "{two:?}");
    assert!(numeric.passed, "{numeric:?}");
    assert!(
        !over.passed && over.observed == "value -0.001: over the max of -0.01",
        "{over:?}"
    );
    assert!(text.passed, "{text:?}");
    assert!(boolean.passed, "{boolean:?}");
    assert!(
        interval.passed && interval.observed.starts_with("value 01:30:00"),
        "{interval:?}"
    );
    assert!(
        !no_row.passed && no_row.observed == "the query returned no row",
        "{no_row:?}"
    );
    assert!(!null.passed && null.observed.contains("not a number"), "{null:?}");
}

#[tokio::test]
async fn postgres_queries_that_write_fail_and_change_nothing() {
    let opts = common::pg_url()
        .parse::<sqlx::postgres::PgConnectOptions>()
        .expect("test url")
        .password(&common::pg_password());
    let mut conn = sqlx::PgConnection::connect_with(&opts).await.expect("connect");
    let table = unique("od_checks").replace('-', "_");
    sqlx::query(&format!("CREATE TABLE {table} (x int)"))
        .execute(&mut conn)
        .await
        .expect("create");
    sqlx::query(&format!("INSERT INTO {table} VALUES (1), (2), (3)"))
        .execute(&mut conn)
        .await
        .expect("insert");

    let ctx = ctx(false);
    let q = |sql: String| format!("type = \"postgres\"\ntarget = \"main\"\nquery = \"{sql}\"");
    let create = eval(&q(format!("CREATE TABLE {table}_new (x int)")), &ctx).await;
    let delete = eval(&q(format!("DELETE FROM {table}")), &ctx).await;
    let cte = eval(
        &q(format!(
            "WITH d AS (DELETE FROM {table} RETURNING x) SELECT count(*) FROM d"
        )),
        &ctx,
    )
    .await;
    let two = eval(&q(format!("SELECT 1; DELETE FROM {table}")), &ctx).await;
    let escape = eval(&q(format!("COMMIT; DELETE FROM {table}")), &ctx).await;
    let rows: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(&mut conn)
        .await
        .expect("count");
    let created: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE tablename = $1")
        .bind(format!("{table}_new"))
        .fetch_one(&mut conn)
        .await
        .expect("count tables");
    let _ = sqlx::query(&format!("DROP TABLE {table}")).execute(&mut conn).await;

    for r in [&create, &delete, &cte] {
        assert!(!r.passed, "{r:?}");
        assert!(r.observed.contains("read-only transaction"), "{}", r.observed);
    }
    for r in [&two, &escape] {
        assert!(!r.passed, "{r:?}");
        assert!(r.observed.contains("multiple commands"), "{}", r.observed);
    }
    assert_eq!(rows, 3, "nothing was deleted");
    assert_eq!(created, 0, "nothing was created");
}

#[tokio::test]
async fn a_slow_query_is_stopped_at_the_timeout() {
    let ctx = ctx(false);
    let started = Instant::now();
    let r = eval(
        "type = \"postgres\"\ntarget = \"main\"\nquery = \"SELECT pg_sleep(30)\"\ntimeout = \"1s\"",
        &ctx,
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert!(!r.passed, "{r:?}");
    assert!(
        r.observed == "no answer within 1s" || r.observed.contains("statement timeout"),
        "{}",
        r.observed
    );
}

#[tokio::test]
async fn alerts_firing_fail_the_check() {
    let ctx = ctx(false);
    let name = unique("OpsdeckCheckAlert").replace('-', "_");
    let text = format!("type = \"alerts\"\nsource = \"am\"\nmatchers = 'alertname=\"{name}\"'");
    let quiet = eval(&text, &ctx).await;
    let all_sources = eval(&format!("type = \"alerts\"\nmatchers = 'alertname=\"{name}\"'"), &ctx).await;
    common::alertmanager::post_alert(
        &common::alertmanager_url(),
        &[("alertname", &name), ("severity", "critical")],
        &[("summary", "raised by the checks test")],
    )
    .await;
    let firing = eval_until(&text, &ctx, Duration::from_secs(10), |r| !r.passed).await;
    let bad = eval("type = \"alerts\"\nmatchers = 'alertname=~\"(\"'", &ctx).await;

    assert!(quiet.passed, "{quiet:?}");
    assert_eq!(quiet.observed, format!("no firing alert matches alertname=\"{name}\""));
    assert!(all_sources.passed, "{all_sources:?}");
    assert!(!firing.passed, "{firing:?}");
    assert_eq!(firing.observed, format!("1 firing alert: {name}"));
    assert!(
        firing.evidence.contains("raised by the checks test"),
        "{}",
        firing.evidence
    );
    assert!(!bad.passed && bad.observed.contains("bad regex"), "{bad:?}");
}

/// A server that accepts connections and never answers.
async fn hanging_listener() -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    (addr, task)
}

#[tokio::test]
async fn http_endpoints_and_a_hanging_server() {
    let ctx = ctx(false);
    let am = common::alertmanager_url();
    let by_name = eval("type = \"http\"\nendpoint = \"am-health\"\nmax_latency = \"2s\"", &ctx).await;
    let by_url = eval(&format!("type = \"http\"\nurl = \"{am}/-/healthy\""), &ctx).await;
    let not_found = eval(&format!("type = \"http\"\nurl = \"{am}/no-such-page\""), &ctx).await;
    let no_cert = eval("type = \"http\"\nendpoint = \"am-health\"\nmin_cert_days = 10", &ctx).await;
    let (addr, task) = hanging_listener().await;
    let started = Instant::now();
    let hung = eval(
        &format!("type = \"http\"\nurl = \"http://{addr}/\"\ntimeout = \"1s\""),
        &ctx,
    )
    .await;
    let took = started.elapsed();
    task.abort();

    assert!(by_name.passed, "{by_name:?}");
    assert!(by_name.observed.starts_with("HTTP 200 in "), "{}", by_name.observed);
    assert!(by_name.evidence.starts_with("GET am-health ("), "{}", by_name.evidence);
    assert!(by_url.passed, "{by_url:?}");
    assert!(
        !not_found.passed && not_found.observed.contains("HTTP 404"),
        "{not_found:?}"
    );
    assert!(not_found.observed.ends_with("expected 200"), "{}", not_found.observed);
    assert!(
        !no_cert.passed && no_cert.observed.contains("not an https URL"),
        "{no_cert:?}"
    );
    assert!(!hung.passed, "{hung:?}");
    assert_eq!(hung.observed, "no answer within 1s");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[tokio::test]
async fn hung_database_and_alertmanager_fail_at_the_timeout() {
    let (addr, task) = hanging_listener().await;
    let config = Config::parse(
        &format!(
            "[[postgres]]\nname = \"hung\"\nurl = \"postgres://x@{addr}/db\"\ntimeout = \"30s\"\n\n\
             [[alertmanager]]\nname = \"hung\"\nurl = \"http://{addr}\"\ntimeout = \"30s\"\n"
        ),
        Path::new("hung.toml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ctx = CheckContext::new(&config);
    let started = Instant::now();
    let (pg, am) = tokio::join!(
        eval(
            "type = \"postgres\"\ntarget = \"hung\"\nmetric = \"connections\"\ntimeout = \"1s\"",
            &ctx
        ),
        eval("type = \"alerts\"\nsource = \"hung\"\ntimeout = \"1s\"", &ctx),
    );
    let took = started.elapsed();
    task.abort();
    assert!(took < Duration::from_secs(2), "took {took:?}");
    for r in [pg, am] {
        assert!(!r.passed);
        assert_eq!(r.observed, "no answer within 1s");
    }
}

#[tokio::test]
async fn file_checks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("backup.dump");
    std::fs::write(&path, b"hello\n").expect("write");
    let hello = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
    let p = path.display();
    let ctx = ctx(false);
    let exists = eval(&format!("type = \"file\"\npath = \"{p}\""), &ctx).await;
    let fresh = eval(&format!("type = \"file\"\npath = \"{p}\"\nnewer_than = \"1h\""), &ctx).await;
    let sum = eval(&format!("type = \"file\"\npath = \"{p}\"\nsha256 = \"{hello}\""), &ctx).await;
    let wrong = eval(
        &format!("type = \"file\"\npath = \"{p}\"\nsha256 = \"{}\"", "0".repeat(64)),
        &ctx,
    )
    .await;
    let missing = eval(&format!("type = \"file\"\npath = \"{p}.gone\""), &ctx).await;
    let old = std::time::SystemTime::now() - Duration::from_secs(3 * 3600);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(old))
        .expect("age the file");
    let stale = eval(&format!("type = \"file\"\npath = \"{p}\"\nnewer_than = \"1h\""), &ctx).await;

    assert!(exists.passed, "{exists:?}");
    assert!(exists.observed.starts_with("6 bytes, modified "), "{}", exists.observed);
    assert!(fresh.passed, "{fresh:?}");
    assert!(sum.passed && sum.observed.ends_with("sha256 matches"), "{sum:?}");
    assert!(sum.evidence.contains(hello), "{}", sum.evidence);
    assert!(!wrong.passed && wrong.observed.ends_with("sha256 differs"), "{wrong:?}");
    assert!(
        !missing.passed && missing.observed.ends_with("does not exist"),
        "{missing:?}"
    );
    assert!(!stale.passed, "{stale:?}");
    assert_eq!(stale.observed, "6 bytes, modified 3h ago: older than 1h");
}

#[tokio::test]
async fn command_checks() {
    let refused = eval("type = \"command\"\nargv = [\"true\"]", &ctx(false)).await;
    let ctx = ctx(true);
    let ok = eval("type = \"command\"\nargv = [\"true\"]", &ctx).await;
    let fails = eval("type = \"command\"\nargv = [\"false\"]", &ctx).await;
    let three = eval(
        "type = \"command\"\nargv = [\"sh\", \"-c\", \"exit 3\"]\nexit_code = 3",
        &ctx,
    )
    .await;
    let matches = eval(
        "type = \"command\"\nargv = [\"sh\", \"-c\", \"echo hello world; echo oops >&2\"]\noutput_matches = 'hello \\w+\\s+oops'",
        &ctx,
    )
    .await;
    let no_match = eval(
        "type = \"command\"\nargv = [\"echo\", \"goodbye\"]\noutput_matches = '^hello'",
        &ctx,
    )
    .await;
    let no_shell = eval(
        "type = \"command\"\nargv = [\"echo\", \"$HOME; true\"]\noutput_matches = '^\\$HOME; true'",
        &ctx,
    )
    .await;
    let missing = eval("type = \"command\"\nargv = [\"/no/such/program\"]", &ctx).await;

    assert!(!refused.passed, "{refused:?}");
    assert!(
        refused.observed.contains("allow_commands = true"),
        "{}",
        refused.observed
    );
    assert!(ok.passed && ok.observed == "exit 0", "{ok:?}");
    assert!(
        !fails.passed && fails.observed == "exit 1: expected exit 0",
        "{fails:?}"
    );
    assert!(three.passed, "{three:?}");
    assert!(matches.passed, "{matches:?}");
    assert_eq!(matches.observed, "exit 0, output matches — hello world");
    assert!(
        matches.evidence.contains("oops"),
        "stderr is kept: {}",
        matches.evidence
    );
    assert!(!no_match.passed, "{no_match:?}");
    assert!(
        no_match.observed.contains("does not match /^hello/"),
        "{}",
        no_match.observed
    );
    assert!(no_shell.passed, "argv is not given to a shell: {no_shell:?}");
    assert!(
        !missing.passed && missing.observed.starts_with("cannot run /no/such/program"),
        "{missing:?}"
    );
}

/// Processes whose command line holds `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if text.contains(marker) {
                found.push(format!("{}: {text}", entry.file_name().to_string_lossy()));
            }
        }
    }
    found
}

#[tokio::test]
async fn a_command_is_killed_at_its_timeout_with_what_it_started() {
    let ctx = ctx(true);
    // A number no other process uses: the sleeps are found by it afterwards.
    let marker = format!("{}.{}", 1000 + std::process::id() % 1000, std::process::id() % 97 + 1);
    let text = format!(
        "type = \"command\"\nargv = [\"sh\", \"-c\", \"sleep {marker} & sleep {marker}; echo never\"]\ntimeout = \"1s\""
    );
    let started = Instant::now();
    let r = eval(&text, &ctx).await;
    let took = started.elapsed();
    assert!(!r.passed, "{r:?}");
    assert_eq!(r.observed, "still running after 1s: killed");
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    // SIGKILL is delivered at once; give the kernel a moment to reap.
    let deadline = Instant::now() + Duration::from_secs(3);
    while !processes_with(&marker).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(processes_with(&marker), Vec::<String>::new(), "left running");
}

#[tokio::test]
async fn the_database_password_never_appears_in_results() {
    let pw = common::pg_password();
    let ctx = ctx(true);
    // The password in the query text and in its value, in a command's argv
    // and output, and in the environment the command would inherit.
    let results = vec![
        eval(
            &format!("type = \"postgres\"\ntarget = \"main\"\nquery = \"SELECT '{pw}'\"\nequals = \"x\""),
            &ctx,
        )
        .await,
        eval(
            &format!("type = \"command\"\nargv = [\"echo\", \"{pw}\", \"PGPASSWORD=whatever1\"]"),
            &ctx,
        )
        .await,
        eval(
            "type = \"command\"\nargv = [\"sh\", \"-c\", \"echo env:$OPSDECK_TEST_PG_PASSWORD:\"]\noutput_matches = '^env::'",
            &ctx,
        )
        .await,
        eval("type = \"postgres\"\ntarget = \"main\"\nmetric = \"connections\"", &ctx).await,
    ];
    assert!(results[0].observed.contains("[redacted]"), "{:?}", results[0]);
    assert!(
        results[0].evidence.contains("SELECT '[redacted]'"),
        "{}",
        results[0].evidence
    );
    assert!(
        results[1].evidence.contains("PGPASSWORD=[redacted]"),
        "{}",
        results[1].evidence
    );
    assert!(
        results[2].passed,
        "the command does not inherit the password's variable: {:?}",
        results[2]
    );
    for r in &results {
        assert_no_password(r);
    }
}

// ---------------------------------------------------------------- run_all and the program

/// A runbook with one passing and (when `failing`) one failing check, and a step without one.
fn runbook_toml(id: &str, failing: bool) -> String {
    let mut text = format!(
        r#"
id = "{id}"
title = "Checks test"
kind = "daily"

[[phase]]
name = "Look"

[[phase.step]]
id = "am-up"
title = "Alertmanager answers"
check = {{ type = "http", endpoint = "am-health" }}

[[phase.step]]
id = "note"
title = "Write down what you saw"

[[phase.step]]
id = "db"
title = "Database answers"
check = {{ type = "postgres", target = "main", query = "SELECT 1", equals = "1" }}
"#
    );
    if failing {
        text.push_str(
            r#"
[[phase]]
name = "Worse"

[[phase.step]]
id = "too-many"
title = "Connections are few"
check = { type = "postgres", target = "main", metric = "connections", max = 0.0 }
"#,
        );
    }
    text
}

#[tokio::test]
async fn run_all_checks_every_step_with_a_check_at_once() {
    let runbook: Runbook = toml::from_str(&runbook_toml("run-all", true)).expect("runbook");
    let results = run_all(&runbook, &ctx(false)).await;
    let ids: Vec<&str> = results.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["am-up", "db", "too-many"]);
    let passed: Vec<bool> = results.iter().map(|(_, r)| r.passed).collect();
    assert_eq!(passed, [true, true, false], "{results:?}");
}

/// `opsdeck check` with a config and runbook files in a temporary directory.
fn opsdeck_check(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .arg("check")
        .args(args)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .env("XDG_DATA_HOME", dir)
        .output()
        .expect("run opsdeck");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn opsdeck_check_exit_codes_and_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let books = dir.path().join("runbooks");
    std::fs::create_dir(&books).expect("mkdir");
    let config = format!("{}dirs = [\"{}\"]\n", config_toml(false), books.display());
    std::fs::write(dir.path().join("config.toml"), config).expect("config");
    std::fs::write(books.join("good.toml"), runbook_toml("all-good", false)).expect("good");
    std::fs::write(books.join("bad.toml"), runbook_toml("one-bad", true)).expect("bad");
    let file = books.join("bad.toml").display().to_string();

    let (code, out, err) = opsdeck_check(dir.path(), &["--runbook", "all-good"]);
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].starts_with("PASS  Alertmanager answers — HTTP 200 in "),
        "{out}"
    );
    assert_eq!(lines[1], "PASS  Database answers — value 1");
    assert_eq!(lines[2], "all-good: 2 checks, 2 passed, 0 failed");

    let (code, out, err) = opsdeck_check(dir.path(), &["--runbook", &file, "--format", "json"]);
    assert_eq!(code, 1, "{out}{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["runbook"], "one-bad");
    assert_eq!(
        json["totals"],
        serde_json::json!({"checks": 3, "passed": 2, "failed": 1})
    );
    let results = json["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    let bad = &results[2];
    assert_eq!(bad["phase"], "Worse");
    assert_eq!(bad["step"], "too-many");
    assert_eq!(bad["title"], "Connections are few");
    assert_eq!(bad["kind"], "postgres");
    assert_eq!(bad["passed"], false);
    assert!(
        bad["observed"]
            .as_str()
            .is_some_and(|o| o.contains("over the max of 0")),
        "{bad}"
    );
    assert_eq!(bad["evidence_sha256"].as_str().map(str::len), Some(64));
    for key in ["evidence", "at"] {
        assert!(bad[key].is_string(), "{key}: {bad}");
    }
    for key in ["started", "finished"] {
        let t = json[key].as_str().expect("time");
        assert!(chrono::DateTime::parse_from_rfc3339(t).is_ok(), "{key}: {t}");
    }
    assert!(!out.contains(&common::pg_password()));

    let (code, out, err) = opsdeck_check(dir.path(), &["--runbook", "no-such-runbook"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("no runbook with id \"no-such-runbook\""), "{err}");
    assert!(out.is_empty());

    std::fs::write(
        books.join("unknown-target.toml"),
        runbook_toml("unknown-target", false).replace("target = \"main\"", "target = \"replica\""),
    )
    .expect("write");
    let (code, _, err) = opsdeck_check(dir.path(), &["--runbook", "unknown-target"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("step \"db\": no [[postgres]] named \"replica\" in the config"),
        "{err}"
    );

    std::fs::write(dir.path().join("config.toml"), "[runbooks]\nallow_comands = true\n").expect("config");
    let (code, _, err) = opsdeck_check(dir.path(), &["--runbook", &file]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("allow_comands"), "{err}");
}

// ---------------------------------------------------------------- sustained checks

/// A tiny HTTP server on 127.0.0.1: 200 while `up` is set, 503 after.
async fn health_server() -> (
    String,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
    tokio::task::JoinHandle<()>,
) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let up = std::sync::Arc::new(AtomicBool::new(true));
    let flag = up.clone();
    let task = tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf).await;
            let answer = if flag.load(Ordering::SeqCst) {
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            } else {
                "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\ndown"
            };
            let _ = s.write_all(answer.as_bytes()).await;
            let _ = s.shutdown().await;
        }
    });
    (format!("http://{addr}/health"), up, task)
}

fn held_runbook(url: &str) -> Runbook {
    let text = format!(
        "id = \"held\"\ntitle = \"Held\"\nkind = \"incident\"\n[[phase]]\nname = \"Validation\"\n\
         [[phase.step]]\nid = \"health-stable\"\ntitle = \"Health stays green\"\n\
         check = {{ type = \"http\", url = \"{url}\", timeout = \"1s\", for = \"3s\", every = \"1s\" }}\n"
    );
    toml::from_str(&text).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_sustained_check_holds_only_when_every_probe_over_the_window_passed() {
    let (url, up, task) = health_server().await;
    let runbook = held_runbook(&url);
    let ctx = CheckContext::default();
    // Up the whole window: held, after the whole window.
    let started = Instant::now();
    let results = run_all(&runbook, &ctx).await;
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(3), "a 3 s window took {took:?}");
    let (_, r) = &results[0];
    assert!(r.passed, "{r:?}");
    assert!(r.observed.starts_with("held for 3s: 4 probes passed"), "{}", r.observed);

    // Down mid-window: one probe passed, then the service fails: not held.
    let flip = up.clone();
    let down = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        flip.store(false, std::sync::atomic::Ordering::SeqCst);
    });
    let results = run_all(&runbook, &ctx).await;
    down.await.expect("join");
    task.abort();
    let (_, r) = &results[0];
    assert!(!r.passed, "a window with a failed probe is not held: {r:?}");
    assert!(
        r.observed.starts_with("failed after 2s of 3s: HTTP 503"),
        "{}",
        r.observed
    );
}

/// A session of `held_runbook`, in a fresh store.
async fn held_session(
    url: &str,
) -> (
    tempfile::TempDir,
    opsdeck::store::Store,
    opsdeck::model::identity::Identity,
    opsdeck::effects::checklist::ChecklistIo,
    String,
) {
    let (dir, store, who) = common::audit_store().await;
    let runbook = held_runbook(url);
    let msg = opsdeck::effects::checklist::start(&store, &who, &runbook, "API down", None).await;
    let id = match msg {
        opsdeck::app::Msg::SessionOpened(s) => s.meta.id.clone(),
        other => panic!("{other:?}"),
    };
    let config = Config::parse("", Path::new("t.toml")).expect("config");
    let io = opsdeck::effects::checklist::ChecklistIo {
        config: std::sync::Arc::new(config),
        reports_dir: dir.path().join("reports"),
        draw: None,
    };
    (dir, store, who, io, id)
}

async fn hold(
    store: &opsdeck::store::Store,
    who: &opsdeck::model::identity::Identity,
    io: &opsdeck::effects::checklist::ChecklistIo,
    session: &str,
) -> Vec<opsdeck::app::Msg> {
    let runbook = store.session(session).await.expect("read").expect("there").runbook;
    let check = runbook
        .step("health-stable")
        .and_then(|(_, s)| s.check.clone())
        .expect("check");
    let held = opsdeck::effects::hold::Held {
        session,
        step: "health-stable",
        check: &check,
        window: check.window().expect("a window"),
        auto_tick: true,
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    opsdeck::effects::hold::hold_window(store, who, io, held, &tx).await;
    drop(tx);
    let mut msgs = Vec::new();
    while let Some(m) = rx.recv().await {
        msgs.push(m);
    }
    msgs
}

#[tokio::test]
async fn a_session_stores_each_probe_and_verifies_the_step_only_when_the_window_held() {
    use opsdeck::runbook::session::{EventKind, StepState};
    let (url, up, task) = health_server().await;

    // Down mid-window: probes stored, the verdict a failed check audited
    // failed, the step not ticked.
    let (_dir, store, who, io, id) = held_session(&url).await;
    let flip = up.clone();
    let down = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        flip.store(false, std::sync::atomic::Ordering::SeqCst);
    });
    hold(&store, &who, &io, &id).await;
    down.await.expect("join");
    let s = store.session(&id).await.expect("read").expect("there");
    let probes = s
        .events
        .iter()
        .filter(|e| matches!(e.what, EventKind::Probe { .. }))
        .count();
    assert_eq!(probes, 3, "two passed, the third failed: {:#?}", s.events);
    let verdict = s.last_check("health-stable").expect("a verdict");
    assert!(!verdict.passed && verdict.observed.contains("HTTP 503"), "{verdict:?}");
    assert_eq!(s.step_state("health-stable"), StepState::Pending, "not verified");
    let audit = store.audit_entries(None).await.expect("audit");
    let checks: Vec<&str> = audit
        .iter()
        .filter(|e| e.action == "step.check")
        .map(|e| e.outcome.as_str())
        .collect();
    assert_eq!(
        checks,
        ["failed"],
        "one verdict, audited failed; probes are not audited"
    );

    // Up the whole window: verified, with the window in the verdict.
    up.store(true, std::sync::atomic::Ordering::SeqCst);
    let (_dir2, store, who, io, id) = held_session(&url).await;
    let msgs = hold(&store, &who, &io, &id).await;
    task.abort();
    let s = store.session(&id).await.expect("read").expect("there");
    assert!(
        matches!(s.step_state("health-stable"), StepState::Done { verified: true, .. }),
        "{:#?}",
        s.events
    );
    let verdict = s.last_check("health-stable").expect("a verdict");
    assert!(
        verdict.observed.starts_with("held for 3s: 4 probes passed"),
        "{verdict:?}"
    );
    // Each probe was sent to the screen as it was stored, the verdict after.
    let shown: Vec<bool> = msgs
        .iter()
        .filter_map(|m| match m {
            opsdeck::app::Msg::SessionEvent { event, .. } => Some(matches!(event.what, EventKind::Probe { .. })),
            _ => None,
        })
        .collect();
    assert_eq!(shown, [true, true, true, true, false, false], "{msgs:?}");
    let audit = store.audit_entries(None).await.expect("audit");
    assert!(audit.iter().any(|e| e.action == "step.check" && e.outcome == "ok"));
}

#[tokio::test]
async fn a_window_survives_a_restart_of_opsdeck() {
    use opsdeck::runbook::session::{Event, EventKind};
    let (url, _up, task) = health_server().await;
    let (_dir, store, who, io, id) = held_session(&url).await;
    // An opsdeck that held two probes of the window, then stopped.
    let since = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6) - chrono::Duration::milliseconds(1500);
    for at in [since, since + chrono::Duration::seconds(1)] {
        let probe = opsdeck::runbook::CheckResult {
            at,
            passed: true,
            observed: "HTTP 200 in 1 ms".into(),
            evidence: String::new(),
            evidence_sha256: String::new(),
            not_applicable: false,
        };
        let e = Event {
            at,
            operator: who.operator.clone(),
            step: Some("health-stable".into()),
            what: EventKind::Probe { since, result: probe },
        };
        store.append_session_event(&id, &e).await.expect("probe");
    }
    // The next one takes the window up where it was: two probes more, done
    // at the window's end (about 1.5 s from now), not 3 s from now.
    let started = Instant::now();
    hold(&store, &who, &io, &id).await;
    let took = started.elapsed();
    task.abort();
    assert!(took < Duration::from_millis(2500), "resumed, not restarted: {took:?}");
    let s = store.session(&id).await.expect("read").expect("there");
    let verdict = s.last_check("health-stable").expect("a verdict");
    assert!(
        verdict.observed.starts_with("held for 3s: 4 probes passed"),
        "{verdict:?}"
    );
    let windows: std::collections::BTreeSet<_> = s
        .events
        .iter()
        .filter_map(|e| match &e.what {
            EventKind::Probe { since, .. } => Some(*since),
            _ => None,
        })
        .collect();
    assert_eq!(windows.len(), 1, "one window, its start kept");
}
