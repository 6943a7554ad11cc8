//! `opsdeck doctor`: for every configured target, is it reachable, does
//! authentication work, are the permissions there, is the clock close to
//! the server's; then the state store and the terminal. One line per
//! finding, with the fix; exit 0 when all is well, 1 when anything is not.
//!
//! Targets are checked at the same time, each call bounded by the target's
//! timeout: a hung target is a finding, never a hung doctor. Connections
//! are made by the backends' own code (`backends::docker::connect`,
//! `backends::postgres::connect_options`, `backends::http_client`).

mod alertmanager;
mod docker;
mod local;
mod postgres;
mod stack;

use super::{config_error, print_out, Cli, EXIT_CHECK_FAILED, EXIT_OK};
use crate::config::Config;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

/// How far a clock may be from the server's.
pub const CLOCK_LIMIT: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    /// Worth knowing, not wrong (stdout is not a terminal).
    Info,
    Fail,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    /// What it is about: `docker "local"`, `state store`, `terminal`.
    pub subject: String,
    pub text: String,
    /// What to do, when something is wrong.
    pub fix: Option<String>,
}

impl Finding {
    pub fn ok(subject: &str, text: impl Into<String>) -> Self {
        Self {
            level: Level::Ok,
            subject: subject.to_string(),
            text: text.into(),
            fix: None,
        }
    }

    pub fn info(subject: &str, text: impl Into<String>) -> Self {
        Self {
            level: Level::Info,
            ..Self::ok(subject, text)
        }
    }

    pub fn fail(subject: &str, text: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            level: Level::Fail,
            fix: Some(fix.into()),
            ..Self::ok(subject, text)
        }
    }

    pub fn line(&self) -> String {
        let tag = match self.level {
            Level::Ok => "ok  ",
            Level::Info => "info",
            Level::Fail => "FAIL",
        };
        // Server words can reach here: one line each, whatever they hold.
        let flat = |s: &str| crate::text::clean::flat(s.split_whitespace().collect::<Vec<_>>().join(" "));
        let fix = self
            .fix
            .as_deref()
            .map(|f| format!(" — fix: {}", flat(f)))
            .unwrap_or_default();
        format!("{tag}  {}: {}{fix}", flat(&self.subject), flat(&self.text))
    }
}

pub async fn run(cli: &Cli) -> ExitCode {
    let config = match Config::discover(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return config_error(&e),
    };
    let findings = check_all(cli, &config).await;
    let mut text: String = findings.iter().map(|f| f.line() + "\n").collect();
    let failed: Vec<&str> = findings
        .iter()
        .filter(|f| f.level == Level::Fail)
        .map(|f| f.subject.as_str())
        .collect();
    if failed.is_empty() {
        text.push_str("all is well\n");
    } else {
        let mut names = failed.clone();
        names.dedup();
        text.push_str(&format!("not well: {}\n", names.join(", ")));
    }
    // What the config's secrets could have put into a server's words stays out.
    print_out(&config.redactor().redact(&text));
    ExitCode::from(if failed.is_empty() { EXIT_OK } else { EXIT_CHECK_FAILED })
}

/// Every finding, in config order: targets, then the store, the terminal.
pub async fn check_all(cli: &Cli, config: &Config) -> Vec<Finding> {
    let docker = futures::future::join_all(config.docker.iter().map(docker::check));
    let postgres = futures::future::join_all(config.postgres.iter().map(postgres::check));
    let alertmanager = futures::future::join_all(config.alertmanager.iter().map(alertmanager::check));
    let http = futures::future::join_all(config.http.iter().map(http_check));
    let redis = futures::future::join_all(config.redis.iter().map(stack::redis));
    let prometheus = futures::future::join_all(config.prometheus.iter().map(stack::prometheus));
    let store = local::store(cli, config);
    let (docker, postgres, alertmanager, http, redis, prometheus, store) =
        tokio::join!(docker, postgres, alertmanager, http, redis, prometheus, store);
    let mut out: Vec<Finding> = docker.into_iter().flatten().collect();
    out.extend(postgres.into_iter().flatten());
    out.extend(alertmanager.into_iter().flatten());
    out.extend(http);
    out.extend(redis.into_iter().flatten());
    out.extend(prometheus.into_iter().flatten());
    if config.docker.is_empty()
        && config.postgres.is_empty()
        && config.alertmanager.is_empty()
        && config.http.is_empty()
        && config.redis.is_empty()
        && config.prometheus.is_empty()
    {
        out.push(Finding::info(
            "targets",
            "none configured: `opsdeck config init` writes a config from what this machine has",
        ));
    }
    out.extend(store);
    out.extend(local::terminal());
    out
}

/// `fut`, or the backends' "no answer within" after `timeout`.
pub async fn bounded<T>(timeout: Duration, fut: impl Future<Output = Result<T, String>>) -> Result<T, String> {
    tokio::time::timeout(timeout, fut)
        .await
        .unwrap_or_else(|_| Err(crate::text::no_answer(timeout)))
}

/// An `[[http]]` check: its poll, once.
async fn http_check(cfg: &crate::config::HttpConfig) -> Finding {
    let subject = format!("http {:?}", cfg.name);
    let mut poller = crate::backends::http::HttpPoller::new(cfg);
    match bounded(cfg.timeout, poller.poll()).await {
        Ok(p) if p.status == p.expected => Finding::ok(&subject, format!("HTTP {} in {} ms", p.status, p.latency_ms)),
        Ok(p) => Finding::fail(
            &subject,
            format!("answered HTTP {}, expected {}", p.status, p.expected),
            "check the url, or set expect_status",
        ),
        Err(e) => Finding::fail(
            &subject,
            format!("not reachable at {}: {e}", cfg.url),
            "check the url and that the service runs",
        ),
    }
}

/// The clock against a server's: `server` read between `before` and
/// `after` here, to `resolution` (an HTTP Date header has whole seconds).
pub fn clock(
    subject: &str,
    server: DateTime<Utc>,
    before: DateTime<Utc>,
    after: DateTime<Utc>,
    resolution: Duration,
) -> Finding {
    let half_trip = (after - before) / 2;
    let here = before + half_trip;
    let resolution = chrono::Duration::from_std(resolution).unwrap_or_default();
    // The server's time was somewhere in [server, server + resolution],
    // and ours within half the round trip of `here`.
    let ahead = here - (server + resolution);
    let behind = server - here;
    let off = ahead.max(behind) - half_trip;
    let secs = |d: chrono::Duration| d.num_milliseconds() as f64 / 1000.0;
    if off <= chrono::Duration::from_std(CLOCK_LIMIT).unwrap_or_default() {
        let off = off.max(chrono::Duration::zero());
        return Finding::ok(subject, format!("clock within {:.1} s of the server's", secs(off)));
    }
    let way = if ahead > behind { "ahead of" } else { "behind" };
    Finding::fail(
        subject,
        format!("this machine's clock is {:.1} s {way} the server's", secs(off)),
        "synchronise the clocks (timedatectl set-ntp true, or chrony/ntpd) on this machine and the server",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_are_compared_allowing_for_the_trip_and_the_resolution() {
        let t = |ms: i64| DateTime::from_timestamp_millis(1_800_000_000_000 + ms).unwrap_or_default();
        let whole_second = Duration::from_secs(1);
        assert_eq!(
            clock("s", t(0), t(1500), t(1600), whole_second).level,
            Level::Ok,
            "a Date header lags up to a second"
        );
        assert_eq!(clock("s", t(0), t(0), t(10), Duration::ZERO).level, Level::Ok);
        let ahead = clock("s", t(0), t(3000), t(3010), Duration::ZERO);
        assert_eq!(ahead.level, Level::Fail);
        assert!(ahead.text.contains("3.0 s ahead of"), "{}", ahead.text);
        let behind = clock("s", t(5000), t(0), t(20), whole_second);
        assert!(behind.text.contains("behind"), "{}", behind.text);
    }

    #[test]
    fn a_finding_is_one_line_with_its_fix() {
        let f = Finding::fail("docker \"local\"", "cannot\nread", "add yourself to the docker group");
        assert_eq!(
            f.line(),
            "FAIL  docker \"local\": cannot read — fix: add yourself to the docker group"
        );
    }
}
