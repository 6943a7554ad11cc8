//! Backends: one actor per configured target. Each owns its client, polls on
//! its own interval with a timeout on every call, backs off on failure, and
//! reports snapshots or errors to the UI as messages. The UI never awaits them.

pub mod access;
pub mod alertmanager;
pub mod docker;
pub mod host;
pub mod http;
pub mod postgres;
pub mod prometheus;
pub mod redis;
pub mod ssh;

use crate::config::Config;
pub use crate::model::backend::{BackendData, BackendId, BackendKind, BackendReport};
pub use crate::text::{error_chain, no_answer, one_line};
use chrono::Utc;
use std::time::Duration;
use tokio::sync::mpsc;

/// After a wake-up, how long to let a burst of events settle before polling.
const WAKE_SETTLE: Duration = Duration::from_millis(150);
/// After an event-driven poll, when to look again (in turn): an event can
/// arrive a moment before the state it announces is listed.
const FOLLOW_UPS: [Duration; 2] = [Duration::from_millis(250), Duration::from_millis(750)];
/// A poller spends at most 1/POLL_BUDGET of its time polling: a target whose
/// answers grow slow (ten thousand alerts, a loaded server) is asked less
/// often than its interval rather than kept busy, so a short interval stays
/// cheap for the small answers it is meant for. A tenth: a stretched wait
/// also delays noticing a failure, which must stay within about a second.
const POLL_BUDGET: u32 = 10;
/// However slow its answers, a healthy target is asked at least this often.
const BUDGET_CAP: Duration = Duration::from_secs(30);

/// The wait after a successful poll that took `took`.
fn budgeted(interval: Duration, took: Duration) -> Duration {
    interval.max(took.saturating_mul(POLL_BUDGET).min(BUDGET_CAP))
}

/// A configured target: how to reach it, how often, how long to wait.
pub struct Target {
    pub id: BackendId,
    pub interval: Duration,
    pub timeout: Duration,
    /// Side effects on this target are refused.
    pub read_only: bool,
    /// The environment it is in (`env = "prod"`).
    pub env: Option<String>,
    pub poller: Poller,
    /// Poll now instead of at the next interval (events, after an action).
    pub wake: std::sync::Arc<tokio::sync::Notify>,
    /// Docker: which containers are on screen (stats are fetched for those).
    pub watch: Option<tokio::sync::watch::Sender<Vec<String>>>,
}

pub enum Poller {
    Docker(docker::DockerPoller),
    Http(http::HttpPoller),
    Postgres(postgres::PgPoller),
    Alertmanager(alertmanager::AlertmanagerPoller),
    Host(host::HostPoller),
    Redis(redis::RedisPoller),
    Prometheus(prometheus::PrometheusPoller),
}

impl Poller {
    async fn poll(&mut self) -> Result<BackendData, String> {
        match self {
            Poller::Docker(p) => p.poll().await.map(BackendData::Docker),
            Poller::Http(p) => p.poll().await.map(BackendData::Http),
            Poller::Postgres(p) => p.poll().await.map(|s| BackendData::Postgres(Box::new(s))),
            Poller::Alertmanager(p) => p.poll().await.map(BackendData::Alerts),
            Poller::Host(p) => p.poll().await.map(BackendData::Host),
            Poller::Redis(p) => p.poll().await.map(|s| BackendData::Redis(Box::new(s))),
            Poller::Prometheus(p) => p.poll().await.map(|s| BackendData::Prometheus(Box::new(s))),
        }
    }
}

/// Every target in the config, in config order.
pub fn targets(config: &Config) -> Vec<Target> {
    let target = |kind, name: &str, (interval, timeout, read_only), env: &Option<String>, poller| Target {
        id: BackendId {
            kind,
            name: name.to_string(),
        },
        interval,
        timeout,
        read_only,
        env: env.clone(),
        poller,
        wake: Default::default(),
        watch: None,
    };
    let docker = config.docker.iter().map(|d| {
        let (watch_tx, watch_rx) = tokio::sync::watch::channel(Vec::new());
        let poller = Poller::Docker(docker::DockerPoller::new(d, watch_rx, config.alerts.crash_loop()));
        Target {
            watch: Some(watch_tx),
            ..target(
                BackendKind::Docker,
                &d.name,
                (d.interval, d.timeout, d.read_only),
                &d.env,
                poller,
            )
        }
    });
    let http = config.http.iter().map(|h| {
        target(
            BackendKind::Http,
            &h.name,
            (h.interval, h.timeout, false),
            &h.env,
            Poller::Http(http::HttpPoller::new(h)),
        )
    });
    let postgres = config.postgres.iter().map(|p| {
        target(
            BackendKind::Postgres,
            &p.name,
            (p.interval, p.timeout, p.read_only),
            &p.env,
            Poller::Postgres(postgres::PgPoller::new(p)),
        )
    });
    let alertmanager = config.alertmanager.iter().map(|a| {
        let poller = Poller::Alertmanager(alertmanager::AlertmanagerPoller::new(a));
        target(
            BackendKind::Alertmanager,
            &a.name,
            (a.interval, a.timeout, a.read_only),
            &a.env,
            poller,
        )
    });
    let host = config.host.enabled.then(|| {
        let h = &config.host;
        target(
            BackendKind::Host,
            "local",
            (h.interval, Duration::from_secs(2), true),
            &None,
            Poller::Host(host::HostPoller::new(h)),
        )
    });
    // Read-only: opsdeck sends Redis only PING and INFO.
    let redis = config.redis.iter().map(|r| {
        target(
            BackendKind::Redis,
            &r.name,
            (r.interval, r.timeout, true),
            &r.env,
            Poller::Redis(redis::RedisPoller::new(r)),
        )
    });
    let prometheus = config.prometheus.iter().map(|p| {
        let poller = Poller::Prometheus(prometheus::PrometheusPoller::new(p));
        // Read-only: opsdeck never writes to Prometheus.
        target(
            BackendKind::Prometheus,
            &p.name,
            (p.interval, p.timeout, true),
            &p.env,
            poller,
        )
    });
    docker
        .chain(http)
        .chain(postgres)
        .chain(alertmanager)
        .chain(host)
        .chain(redis)
        .chain(prometheus)
        .collect()
}

/// An HTTP client for one target: its timeout covers connect and the whole
/// request, and it names itself to the server.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("opsdeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| error_chain(&e))
}

impl Target {
    /// One poll bounded by the target's timeout: a hung server becomes an
    /// error after `timeout`, never a stuck task.
    pub async fn poll_once(&mut self) -> BackendReport {
        let result = match tokio::time::timeout(self.timeout, self.poller.poll()).await {
            // A backend's error words can carry what the server sent back:
            // no control character of theirs reaches the screen or the log.
            Ok(r) => r.map_err(crate::text::clean::line),
            Err(_) => Err(no_answer(self.timeout)),
        };
        BackendReport {
            id: self.id.clone(),
            at: Utc::now(),
            result,
            next_in: Duration::ZERO,
        }
    }

    /// Poll forever, sending every report. Failures back off (doubling, at most
    /// four intervals) so a dead server is not hammered, and recovery is
    /// noticed without anyone pressing a key. Ends when the receiver is gone.
    pub async fn run(mut self, tx: mpsc::Sender<BackendReport>) {
        let mut failures: u32 = 0;
        // Follow-up polls still due after an event, counted down.
        let mut follow_ups = 0usize;
        loop {
            let started = std::time::Instant::now();
            let mut report = self.poll_once().await;
            let took = started.elapsed();
            if let Err(e) = &report.result {
                tracing::warn!(backend = %self.id, error = %e, "poll failed");
                failures = failures.saturating_add(1);
            } else {
                failures = 0;
            }
            let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(2));
            let wait = if follow_ups > 0 {
                follow_ups -= 1;
                FOLLOW_UPS[FOLLOW_UPS.len() - 1 - follow_ups]
            } else if failures == 0 {
                budgeted(self.interval, took)
            } else {
                self.interval.saturating_mul(factor)
            };
            report.next_in = wait;
            if tx.send(report).await.is_err() {
                return;
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {
                    // Let a burst of events (kill, die, stop) settle into one poll.
                    tokio::time::sleep(WAKE_SETTLE).await;
                    follow_ups = FOLLOW_UPS.len();
                }
            }
        }
    }
}

/// Start one actor per target, and for each Docker host the task that
/// follows its events.
pub fn spawn_all(targets: Vec<Target>, tx: mpsc::Sender<BackendReport>) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    for t in targets {
        if let Poller::Docker(p) = &t.poller {
            tasks.push(tokio::spawn(docker::follow_events(
                p.config().clone(),
                t.wake.clone(),
                p.stirred(),
            )));
        }
        tasks.push(tokio::spawn(t.run(tx.clone())));
    }
    tasks
}

/// A failed HTTP request on one line, without its URL (which may carry an
/// expanded secret). A timeout reads the same as the poll's own bound, so
/// the operator sees one wording for "it hangs".
pub fn http_error(e: reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return no_answer(timeout);
    }
    // "error sending request: client error (Connect): tcp connect error:
    // Connection refused (os error 111)" says one thing: the connection was refused.
    if e.is_connect() {
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                return match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
                    std::io::ErrorKind::TimedOut => no_answer(timeout),
                    _ => format!("cannot connect: {io}"),
                };
            }
            source = s.source();
        }
    }
    error_chain(&e.without_url())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_answers_stretch_the_interval_within_the_cap() {
        let ms = Duration::from_millis;
        assert_eq!(budgeted(ms(1000), ms(2)), ms(1000), "a quick answer keeps the interval");
        assert_eq!(budgeted(ms(1000), ms(500)), ms(5000), "a tenth of the time at most");
        assert_eq!(budgeted(ms(1000), ms(3000)), BUDGET_CAP, "never longer than the cap");
        assert_eq!(budgeted(ms(60_000), ms(3000)), ms(60_000), "a long interval stands");
    }
}
