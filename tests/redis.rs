//! Redis against real servers: the run's redis-server (tests/run.sh) and
//! servers a test starts itself (a replica, one it stops, one whose memory
//! it fills). What the test changes on a server (CONFIG SET, keys, a BLPOP)
//! it does with redis-cli: opsdeck only sends PING and INFO.

mod common;

use common::redis::{cli, host_port, info_field, OwnRedis};
use opsdeck::app::{update, BackendStatus, Freshness, Msg, State};
use opsdeck::backends::{self, BackendData, BackendReport, Target};
use opsdeck::config::keymap::Keymap;
use opsdeck::config::Config;
use opsdeck::model::redis::RedisSummary;
use opsdeck::runbook::checks::{evaluate, CheckContext};
use opsdeck::runbook::model::Check;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The environment variable each test's config reads the password from.
const PW_ENV: &str = "OPSDECK_REDIS_TEST_PW";

fn config(text: &str) -> Config {
    let mut c = Config::parse(text, Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"));
    c.host.enabled = false;
    c
}

/// `[[redis]] name = NAME` at `url`, its password in `PW_ENV`, and `extra` keys.
fn redis_toml(name: &str, url: &str, extra: &str) -> String {
    format!("[[redis]]\nname = \"{name}\"\nurl = \"{url}\"\npassword_env = \"{PW_ENV}\"\ntimeout = \"2s\"\ninterval = \"1s\"\n{extra}\n")
}

/// Every test's servers share one password (each test its own server or the
/// run's), so the one variable opsdeck reads is set once.
fn set_password(pw: &str) {
    static SET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let set = SET.get_or_init(|| {
        std::env::set_var(PW_ENV, pw);
        pw.to_string()
    });
    assert_eq!(set, pw, "every test server uses the run's password");
}

fn password() -> String {
    let pw = common::redis_password();
    set_password(&pw);
    pw
}

fn one_target(text: &str) -> Target {
    let mut t = backends::targets(&config(text));
    assert_eq!(t.len(), 1);
    t.remove(0)
}

fn new_state(t: &Target) -> State {
    let identity = opsdeck::model::identity::Identity {
        operator: "alice".into(),
        host: "test".into(),
        ssh_client: None,
    };
    let mut s = State::new(identity, Arc::new(Keymap::default_keymap()), chrono::Utc::now());
    s.backends.targets = vec![BackendStatus::new(t.id.clone(), t.interval, t.timeout)];
    s
}

/// A report into the state, as the runtime hands it over.
fn feed(s: &mut State, r: BackendReport) {
    update(s, Msg::Tick(chrono::Utc::now()));
    update(s, Msg::Backend(r));
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn summary(r: &BackendReport) -> RedisSummary {
    match &r.result {
        Ok(BackendData::Redis(s)) => (**s).clone(),
        other => panic!("not a Redis summary: {other:?}"),
    }
}

/// opsdeck's own alerts now: (name, summary).
fn own_alerts(s: &State) -> Vec<(String, String)> {
    s.alert_rows()
        .into_iter()
        .filter(|(source, _)| source.is_none())
        .map(|(_, a)| (a.name.clone(), a.summary.clone()))
        .collect()
}

fn raised(s: &State, name: &str) -> bool {
    own_alerts(s).iter().any(|(n, _)| n == name)
}

/// Poll until `done` holds of the summary, or fail after `limit`.
async fn poll_until(
    t: &mut Target,
    what: &str,
    limit: Duration,
    done: impl Fn(&RedisSummary) -> bool,
) -> BackendReport {
    let deadline = Instant::now() + limit;
    loop {
        let r = t.poll_once().await;
        if let Ok(BackendData::Redis(s)) = &r.result {
            if done(s) {
                return r;
            }
        }
        assert!(
            Instant::now() < deadline,
            "not within {limit:?}: {what}; last: {:?}",
            r.result
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A value of `kib` KiB, to fill memory with (one argument of redis-cli:
/// under the kernel's 128 KiB for one).
fn blob(kib: usize) -> String {
    "x".repeat(kib * 1024)
}

#[tokio::test]
async fn a_poll_reads_ping_and_info_of_the_real_server() {
    let pw = password();
    let url = common::redis_url();
    let addr = host_port(&url);
    let prefix = format!("opsdeck-test-{}", std::process::id());
    for i in 0..5 {
        cli(&addr, &pw, &["SET", &format!("{prefix}-{i}"), "v"]);
    }
    let mut t = one_target(&redis_toml("cache", &url, ""));
    assert_eq!(t.id.to_string(), "redis:cache");
    let r = t.poll_once().await;
    let s = summary(&r);
    assert_eq!(s.role_word(), "primary");
    assert!(s.version.starts_with(|c: char| c.is_ascii_digit()), "{}", s.version);
    assert!(s.connected_clients >= 1 && s.ping_ms > 0.0, "{s:?}");
    assert!(s.keys >= 5, "{s:?}");
    assert!(s.used_memory > 0);
    assert_eq!(s.maxmemory, 0, "the run's server has no maxmemory");
    assert!(!s.rdb_saving, "--save '' and no save since start");
    assert!(!s.aof_enabled);
    assert_eq!(s.evicted_delta, None, "no delta on the first poll");
    // The connection is kept: a second poll on it, with a delta now.
    let s2 = summary(&t.poll_once().await);
    assert_eq!(s2.evicted_delta, Some(0));
    let clients = info_field(&addr, &pw, "connected_clients").expect("field");
    assert!(clients.parse::<u64>().expect("number") >= 1);
}

#[tokio::test]
async fn memory_over_the_warning_raises_redis_memory_high() {
    let pw = password();
    let server = OwnRedis::start(&pw, &[]);
    let mut t = one_target(&redis_toml("mem", &server.url(), "memory_warn_pct = 50"));
    let mut s = new_state(&t);
    let r = t.poll_once().await;
    let first = summary(&r);
    feed(&mut s, r);
    assert_eq!(first.memory_pct(), None, "no maxmemory yet");
    assert!(
        !raised(&s, "RedisMemoryHigh"),
        "no limit, no alert: {:?}",
        own_alerts(&s)
    );
    // The limit set by the test: 4 MiB over what is used now.
    let limit = first.used_memory + (4 << 20);
    cli(&server.addr(), &pw, &["CONFIG", "SET", "maxmemory", &limit.to_string()]);
    let r = t.poll_once().await;
    let under = summary(&r);
    assert_eq!(under.maxmemory, limit);
    assert!(!under.memory_high(), "{:?}", under.memory_pct());
    // 3 MiB of values: over half of the limit.
    let value = blob(100);
    for i in 0..30 {
        cli(&server.addr(), &pw, &["SET", &format!("fill-{i}"), &value]);
    }
    let r = poll_until(
        &mut t,
        "memory over 50%",
        Duration::from_secs(5),
        RedisSummary::memory_high,
    )
    .await;
    feed(&mut s, r);
    let alerts = own_alerts(&s);
    let (_, summary) = alerts
        .iter()
        .find(|(n, _)| n == "RedisMemoryHigh")
        .unwrap_or_else(|| panic!("no RedisMemoryHigh: {alerts:?}"));
    assert!(
        summary.contains("of maxmemory") && summary.contains("warn at 50%"),
        "{summary}"
    );
}

/// A client held in BLPOP by the test, killed on drop.
struct Blocked(std::process::Child);

impl Drop for Blocked {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_blocked_client_is_counted_and_raises_redis_blocked_clients() {
    let pw = password();
    let server = OwnRedis::start(&pw, &[]);
    let mut t = one_target(&redis_toml("queue", &server.url(), "blocked_clients_warn = 0"));
    let mut s = new_state(&t);
    let r = t.poll_once().await;
    assert_eq!(summary(&r).blocked_clients, 0);
    feed(&mut s, r);
    assert!(!raised(&s, "RedisBlockedClients"));
    let port = server.port.to_string();
    let _held = Blocked(
        std::process::Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &port, "BLPOP", "never-pushed", "0"])
            .env("REDISCLI_AUTH", &pw)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-cli"),
    );
    let r = poll_until(&mut t, "one blocked client", Duration::from_secs(5), |s| {
        s.blocked_clients == 1
    })
    .await;
    assert!(summary(&r).connected_clients >= 2, "the poller and the blocked client");
    feed(&mut s, r);
    assert!(raised(&s, "RedisBlockedClients"), "{:?}", own_alerts(&s));
}

#[tokio::test]
async fn a_replica_shows_its_link_and_its_master_the_lag() {
    let pw = password();
    let master = OwnRedis::start(&pw, &[]);
    let master_port = master.port.to_string();
    let replica = OwnRedis::start(&pw, &["--replicaof", "127.0.0.1", &master_port, "--masterauth", &pw]);
    // The master reports it connected and online.
    let deadline = Instant::now() + Duration::from_secs(15);
    while !info_field(&master.addr(), &pw, "slave0").is_some_and(|v| v.contains("state=online")) {
        assert!(Instant::now() < deadline, "the replica never came online");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for i in 0..20 {
        cli(&master.addr(), &pw, &["SET", &format!("r-{i}"), "value"]);
    }
    let mut tm = one_target(&redis_toml("main", &master.url(), ""));
    let r = poll_until(&mut tm, "one replica listed", Duration::from_secs(5), |s| {
        s.replicas.len() == 1
    })
    .await;
    let m = summary(&r);
    assert_eq!(m.role_word(), "primary");
    let rep = &m.replicas[0];
    assert_eq!(rep.addr, replica.addr());
    assert_eq!(rep.state, "online");
    assert!(m.master_repl_offset > 0);
    assert_eq!(
        rep.lag_bytes,
        m.master_repl_offset - rep.offset,
        "lag is the offsets' difference"
    );
    assert!(rep.lag_bytes >= 0);

    let mut tr = one_target(&redis_toml("standby", &replica.url(), ""));
    let mut s = new_state(&tr);
    let r = poll_until(&mut tr, "the replica's link up", Duration::from_secs(5), |s| {
        !s.link_down()
    })
    .await;
    let rs = summary(&r);
    assert_eq!(rs.role_word(), "replica");
    let link = rs.master_link.clone().expect("a replica has a link");
    assert_eq!(link.master, master.addr());
    assert!(link.is_up());
    feed(&mut s, r);
    assert!(!raised(&s, "RedisReplicationBroken"));

    // The master goes away: the replica says its link is down.
    drop(master);
    let r = poll_until(
        &mut tr,
        "the replica's link down",
        Duration::from_secs(10),
        RedisSummary::link_down,
    )
    .await;
    feed(&mut s, r);
    let alerts = own_alerts(&s);
    assert!(
        alerts
            .iter()
            .any(|(n, sum)| n == "RedisReplicationBroken" && sum.contains("is down")),
        "{alerts:?}"
    );
}

#[tokio::test]
async fn a_stopped_redis_is_down_with_the_reason_keeps_its_data_and_recovers() {
    let pw = password();
    let mut server = OwnRedis::start(&pw, &[]);
    let mut t = one_target(&redis_toml("session", &server.url(), ""));
    let mut s = new_state(&t);
    let r = t.poll_once().await;
    let before = summary(&r);
    feed(&mut s, r);
    let id = t.id.clone();
    let status = |s: &State| s.backends.targets.iter().find(|b| b.id == id).cloned().expect("status");
    assert_eq!(status(&s).freshness(s.shell.now), Freshness::Ok);

    server.stop();
    // The kept connection is given up for a new one at once: the first
    // poll after the stop already says the connection is refused.
    let r = t.poll_once().await;
    let err = r.result.clone().expect_err("down");
    assert_eq!(err, "connection refused");
    feed(&mut s, r);
    let b = status(&s);
    assert_eq!(b.freshness(s.shell.now), Freshness::Down);
    assert_eq!(b.redis(), Some(&before), "the last good data is kept");
    assert!(
        own_alerts(&s)
            .iter()
            .any(|(n, sum)| n == "RedisDown" && sum == "connection refused"),
        "{:?}",
        own_alerts(&s)
    );

    server.restart();
    let r = t.poll_once().await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    feed(&mut s, r);
    assert_eq!(status(&s).freshness(s.shell.now), Freshness::Ok);
    assert!(!raised(&s, "RedisDown"));
}

async fn next(rx: &mut tokio::sync::mpsc::Receiver<BackendReport>) -> BackendReport {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .ok()
        .flatten()
        .expect("a report within 10 s")
}

#[tokio::test]
async fn the_actor_backs_off_and_recovers_on_its_own() {
    let pw = password();
    let mut server = OwnRedis::start(&pw, &[]);
    let t = one_target(&redis_toml("actor", &server.url(), ""));
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let task = tokio::spawn(t.run(tx));
    assert!(next(&mut rx).await.result.is_ok());
    server.stop();
    let mut waits = Vec::new();
    loop {
        let r = next(&mut rx).await;
        if r.result.is_err() {
            waits.push(r.next_in);
            if waits.len() == 3 {
                break;
            }
        }
    }
    assert_eq!(
        waits,
        [1, 2, 4].map(Duration::from_secs),
        "failures back off: twice the interval, then four times"
    );
    server.restart();
    let started = Instant::now();
    while next(&mut rx).await.result.is_err() {
        assert!(started.elapsed() < Duration::from_secs(10), "no recovery");
    }
    task.abort();
}

#[tokio::test]
async fn evictions_are_counted_since_the_last_poll() {
    let pw = password();
    let server = OwnRedis::start(&pw, &[]);
    let mut t = one_target(&redis_toml("lru", &server.url(), ""));
    let mut s = new_state(&t);
    let first = summary(&t.poll_once().await);
    let limit = first.used_memory + (1 << 20);
    cli(&server.addr(), &pw, &["CONFIG", "SET", "maxmemory", &limit.to_string()]);
    cli(
        &server.addr(),
        &pw,
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-random"],
    );
    let r = t.poll_once().await;
    assert_eq!(summary(&r).evicted_delta, Some(0));
    // 3 MiB into 1 MiB: keys are evicted.
    let value = blob(100);
    for i in 0..30 {
        cli(&server.addr(), &pw, &["SET", &format!("e-{i}"), &value]);
    }
    let total: u64 = info_field(&server.addr(), &pw, "evicted_keys")
        .expect("evicted_keys")
        .parse()
        .expect("number");
    assert!(total > 0);
    let r = t.poll_once().await;
    let s1 = summary(&r);
    assert_eq!(
        s1.evicted_delta,
        Some(s1.evicted_keys),
        "every eviction came after the last poll"
    );
    assert!(s1.evicted_keys >= total);
    feed(&mut s, r);
    assert!(raised(&s, "RedisEvictingKeys"), "{:?}", own_alerts(&s));
    // Nothing written since: no new evictions, the alert clears.
    let r = t.poll_once().await;
    assert_eq!(summary(&r).evicted_delta, Some(0));
    feed(&mut s, r);
    assert!(!raised(&s, "RedisEvictingKeys"));
}

#[tokio::test]
async fn an_old_rdb_save_is_stale_only_once_the_server_saves() {
    let pw = password();
    let server = OwnRedis::start(&pw, &[]);
    let mut t = one_target(&redis_toml("rdb", &server.url(), "save_max_age = \"1s\""));
    let mut s = new_state(&t);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = t.poll_once().await;
    assert!(
        !summary(&r).save_stale(now()),
        "a server that never saved is not judged"
    );
    feed(&mut s, r);
    assert!(!raised(&s, "RedisSaveStale"));
    // The test has it save once (into the test's own directory).
    cli(&server.addr(), &pw, &["SET", "k", "v"]);
    cli(&server.addr(), &pw, &["BGSAVE"]);
    let saved = poll_until(&mut t, "a save done", Duration::from_secs(10), |s| {
        s.rdb_saving && s.rdb_last_save_ok && s.save_age_secs(now()) <= 1
    })
    .await;
    assert!(!summary(&saved).save_stale(now()));
    cli(&server.addr(), &pw, &["SET", "k", "w"]);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = poll_until(&mut t, "the save stale", Duration::from_secs(5), |s| {
        s.save_stale(now())
    })
    .await;
    feed(&mut s, r);
    assert!(raised(&s, "RedisSaveStale"), "{:?}", own_alerts(&s));
}

#[tokio::test]
async fn a_wrong_password_is_a_plain_error_without_the_password() {
    let right = password();
    let url = common::redis_url();
    let wrong = "not-the-redis-password-4711";
    let text = format!(
        "[[redis]]\nname = \"c\"\nurl = \"{url}\"\npassword_env = \"OPSDECK_REDIS_WRONG_PW\"\ntimeout = \"2s\"\n"
    );
    std::env::set_var("OPSDECK_REDIS_WRONG_PW", wrong);
    let err = one_target(&text).poll_once().await.result.expect_err("wrong password");
    assert_eq!(err, "authentication failed: wrong password or user");
    assert!(!err.contains(wrong) && !err.contains(&right));
    // No password at all: it says what to set.
    let text = format!("[[redis]]\nname = \"c\"\nurl = \"{url}\"\ntimeout = \"2s\"\n");
    let err = one_target(&text).poll_once().await.result.expect_err("no password");
    assert_eq!(err, "the server wants a password: set password_env or password_file");
}

fn check(text: &str) -> Check {
    toml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[tokio::test]
async fn the_redis_check_passes_then_fails_for_ping_and_for_a_metric() {
    let pw = password();
    let mut server = OwnRedis::start(&pw, &[]);
    for i in 0..3 {
        cli(&server.addr(), &pw, &["SET", &format!("c-{i}"), "v"]);
    }
    let ctx = CheckContext::new(&config(&redis_toml("cache", &server.url(), "")));
    let ping = check("type = \"redis\"\nping = true\ntimeout = \"3s\"");
    let r = evaluate(&ping, &ctx).await;
    assert!(r.passed, "{r:?}");
    assert!(r.observed.starts_with("PONG in "), "{}", r.observed);
    assert!(
        r.evidence.contains("redis_version:") && r.evidence.contains("role:master"),
        "{}",
        r.evidence
    );
    assert!(!r.evidence.contains(&pw));

    let keys_ok = check("type = \"redis\"\ntarget = \"cache\"\nmetric = \"keys\"\nmax = 10");
    let r = evaluate(&keys_ok, &ctx).await;
    assert!(r.passed, "{r:?}");
    assert_eq!(r.observed, "3 keys (max 10)");
    assert!(r.evidence.contains("db0:keys=3"), "{}", r.evidence);
    let keys_bad = check("type = \"redis\"\nmetric = \"keys\"\nmax = 1");
    let r = evaluate(&keys_bad, &ctx).await;
    assert!(!r.passed && !r.not_applicable);
    assert_eq!(r.observed, "3 keys, over the max of 1");
    let clients = check("type = \"redis\"\nmetric = \"connected_clients\"\nmin = 1");
    assert!(evaluate(&clients, &ctx).await.passed);
    // No maxmemory: the percent is an error saying so.
    let mem = check("type = \"redis\"\nmetric = \"used_memory_pct\"\nmax = 90");
    let r = evaluate(&mem, &ctx).await;
    assert!(
        !r.passed && r.observed.contains("maxmemory is not set"),
        "{}",
        r.observed
    );

    server.stop();
    let r = evaluate(&ping, &ctx).await;
    assert!(!r.passed && !r.not_applicable);
    assert_eq!(r.observed, "connection refused");
    let r = evaluate(&keys_ok, &ctx).await;
    assert!(!r.passed);

    // Without [[redis]] the check does not apply.
    let none = CheckContext::new(&config(""));
    let r = evaluate(&ping, &none).await;
    assert!(r.not_applicable, "{r:?}");
}

#[test]
fn lint_names_file_and_line_for_a_bad_redis_check() {
    use opsdeck::runbook::lint::{lint_text, LintContext};
    let cfg = config("[[redis]]\nname = \"cache\"\nurl = \"redis://127.0.0.1:6379\"\n");
    let text = "id = \"r\"\ntitle = \"R\"\nkind = \"daily\"\n[[phase]]\nname = \"p\"\n\
[[phase.step]]\nid = \"a\"\ntitle = \"A\"\ncheck = { type = \"redis\", metric = \"keys\" }\n\
[[phase.step]]\nid = \"b\"\ntitle = \"B\"\ncheck = { type = \"redis\", target = \"sessions\", ping = true }\n\
[[phase.step]]\nid = \"c\"\ntitle = \"C\"\ncheck = { type = \"redis\", ping = true, metric = \"keys\", max = 3 }\n";
    let ctx = LintContext {
        config: Some(&cfg),
        ..Default::default()
    };
    let errors: Vec<String> = lint_text(text, Path::new("daily.toml"), &ctx)
        .iter()
        .map(|e| e.to_string())
        .collect();
    let has = |line: usize, words: &str| {
        errors
            .iter()
            .any(|e| e.contains(&format!("daily.toml:{line}")) && e.contains(words))
    };
    assert!(has(9, "give a bound"), "{errors:#?}");
    assert!(has(13, "no [[redis]] named \"sessions\""), "{errors:#?}");
    assert!(has(17, "not both"), "{errors:#?}");
    // A metric that is not one of the set: a parse error on its line.
    let bad = text.replace("metric = \"keys\" }", "metric = \"memory\", max = 1 }");
    let errors: Vec<String> = lint_text(&bad, Path::new("daily.toml"), &ctx)
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("daily.toml:9") && e.contains("memory")),
        "{errors:#?}"
    );
}

/// A quiet server answers the same poll after poll: the console draws it
/// and the flight recorder writes it once, not every five seconds. (Its
/// save age and uptime still move on screen: they are counted from the
/// clock, and uptime is kept in whole minutes, as shown.)
#[tokio::test]
async fn an_idle_server_polls_the_same_answer() {
    let pw = password();
    let server = OwnRedis::start(&pw, &[]);
    let mut t = one_target(&redis_toml("quiet", &server.url(), ""));
    // A server just started still settles its memory: wait for two equal
    // answers in a row, then the next, a second later, must be the same.
    let same_minute = |a: &RedisSummary, b: &RedisSummary| {
        RedisSummary {
            uptime_secs: b.uptime_secs,
            ..a.clone()
        } == *b
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = summary(&t.poll_once().await);
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let next = summary(&t.poll_once().await);
        if same_minute(&last, &next) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no two equal answers in 10 s: {last:?} then {next:?}"
        );
        last = next;
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let later = summary(&t.poll_once().await);
    assert!(same_minute(&last, &later), "{last:?}\nthen {later:?}");
    assert_eq!(later.uptime_secs % 60, 0, "uptime in whole minutes");
    assert!(
        later.ping_ms >= 1.0 && later.ping_ms.fract() == 0.0,
        "{}",
        later.ping_ms
    );
}
