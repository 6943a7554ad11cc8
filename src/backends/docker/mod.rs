//! Docker Engine API: container list and engine version.

pub mod connect;
pub mod inspect;
pub mod log_batch;
pub mod log_text;
pub mod logs;
pub mod look;
pub mod restarts;
pub mod row;
pub mod ssh;
pub mod stats;
pub mod tls_probe;

use crate::config::DockerConfig;
pub use crate::model::docker::{ContainerOp, DockerSummary};
use bollard::container::ListContainersOptions;
use bollard::Docker;
use std::collections::HashMap;

use crate::backends::docker::restarts::{Restarts, Tracker};
use crate::backends::docker::row::row_from_summary;
pub use crate::backends::docker::row::{exit_code_from_status, health_from_status, ContainerRow, Health};
use crate::model::docker::CrashLoopPolicy;

/// Seconds a container gets to stop before it is killed.
const STOP_GRACE_SECS: i64 = 10;

/// Restart, stop or start one container.
pub async fn container_action(cfg: &DockerConfig, name: &str, op: ContainerOp) -> Result<(), String> {
    use bollard::container::{RestartContainerOptions, StartContainerOptions, StopContainerOptions};
    // The daemon answers a stop or restart only after the grace period.
    let timeout = cfg.timeout.as_secs().max(1) + STOP_GRACE_SECS as u64 + 5;
    let client = connect(cfg, timeout).await?;
    let grace = STOP_GRACE_SECS as isize;
    let result = match op {
        ContainerOp::Restart => {
            client
                .restart_container(name, Some(RestartContainerOptions { t: grace }))
                .await
        }
        ContainerOp::Stop => {
            client
                .stop_container(name, Some(StopContainerOptions { t: STOP_GRACE_SECS }))
                .await
        }
        ContainerOp::Start => {
            client
                .start_container(name, None::<StartContainerOptions<String>>)
                .await
        }
    };
    result.map_err(|e| crate::backends::docker::connect::explain(&e))
}

/// Connect (unix socket, HTTP, or HTTPS with client certificates) and agree
/// on the API version: see `docker_connect`.
pub(super) async fn connect(cfg: &DockerConfig, timeout_secs: u64) -> Result<Docker, String> {
    crate::backends::docker::connect::connect(cfg, timeout_secs).await
}

/// Longest wait between attempts to follow the events of a daemon that is down.
const EVENTS_MAX_BACKOFF: std::time::Duration = std::time::Duration::from_secs(5);

/// The events stream is long-lived: its client must not time it out.
const EVENTS_CLIENT_TIMEOUT_SECS: u64 = 24 * 3600;

/// Ids of containers that died or started since the poller last looked:
/// their restart counts are read again.
pub type Stirred = std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>;

/// Follow the engine's container events and wake the poller on each one, so a
/// container that dies is on screen within a second instead of at the next
/// interval. The stream ends when the daemon restarts: reconnect with backoff,
/// and wake the poller after every (re)connect so the list is re-read.
pub async fn follow_events(cfg: DockerConfig, wake: std::sync::Arc<tokio::sync::Notify>, stirred: Stirred) {
    use bollard::system::EventsOptions;
    use futures::StreamExt;
    let mut backoff = std::time::Duration::from_secs(1);
    loop {
        // Reaching the daemon is bounded by the host's timeout, so a hung
        // daemon cannot hold the follower; only the stream itself is long-lived.
        let connected = tokio::time::timeout(cfg.timeout, connect(&cfg, EVENTS_CLIENT_TIMEOUT_SECS)).await;
        if let Ok(Ok(client)) = connected {
            backoff = std::time::Duration::from_secs(1);
            let filters = std::collections::HashMap::from([("type".to_string(), vec!["container".to_string()])]);
            let mut stream = client.events(Some(EventsOptions::<String> {
                filters,
                ..Default::default()
            }));
            wake.notify_one();
            while let Some(event) = stream.next().await {
                let Ok(event) = event else { break };
                let action = event.action.as_deref().unwrap_or("");
                if matches!(action, "die" | "start") {
                    if let Some(id) = event.actor.as_ref().and_then(|a| a.id.clone()) {
                        stirred.lock().unwrap_or_else(|e| e.into_inner()).insert(id);
                    }
                }
                // Health checks run an exec every interval; those change nothing on screen.
                if !action.starts_with("exec_") {
                    wake.notify_one();
                }
            }
        }
        // Trying a local socket is cheap: a daemon that comes back is
        // followed again within a few seconds.
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(EVENTS_MAX_BACKOFF);
    }
}

/// What an engine says about itself, read once per connection.
#[derive(Clone)]
struct Engine {
    version: String,
    /// The machine's memory: a container "limited" to this has no limit.
    mem_total: u64,
}

pub struct DockerPoller {
    cfg: DockerConfig,
    timeout_secs: u64,
    /// The client and what the engine said about itself, per connection.
    client: Option<(Docker, Engine)>,
    /// Inspect results of problem containers, by (id, status text): status
    /// changes whenever the container does, so a hit is still true.
    inspected: HashMap<(String, String), (Restarts, bool)>,
    /// Containers the events follower saw die or start.
    stirred: Stirred,
    /// Restart counts followed from poll to poll, for crash loops.
    restarts: Tracker,
    crash_loop: CrashLoopPolicy,
    /// Ids of the containers on screen, set by the UI: only those get stats.
    watched: tokio::sync::watch::Receiver<Vec<String>>,
    stats: crate::backends::docker::stats::Sampler,
}

impl DockerPoller {
    pub fn new(
        cfg: &DockerConfig,
        watched: tokio::sync::watch::Receiver<Vec<String>>,
        crash_loop: CrashLoopPolicy,
    ) -> Self {
        Self {
            cfg: cfg.clone(),
            timeout_secs: cfg.timeout.as_secs().max(1),
            client: None,
            inspected: HashMap::new(),
            stirred: Default::default(),
            restarts: Tracker::default(),
            crash_loop,
            watched,
            stats: Default::default(),
        }
    }

    pub fn url(&self) -> &str {
        self.cfg.url.as_written()
    }

    pub fn config(&self) -> &DockerConfig {
        &self.cfg
    }

    /// Where the events follower notes the containers that died or started.
    pub fn stirred(&self) -> Stirred {
        self.stirred.clone()
    }

    pub async fn poll(&mut self) -> Result<DockerSummary, String> {
        let (client, engine) = match &self.client {
            Some(c) => c.clone(),
            None => {
                let c = connect(&self.cfg, self.timeout_secs).await?;
                let version = c.version().await.map_err(|e| self.forget(e))?.version;
                let info = c.info().await.map_err(|e| self.forget(e))?;
                let engine = Engine {
                    version: crate::text::clean::line(version.unwrap_or_default()),
                    mem_total: info.mem_total.and_then(|m| u64::try_from(m).ok()).unwrap_or(0),
                };
                self.client = Some((c.clone(), engine.clone()));
                (c, engine)
            }
        };
        let list = client
            .list_containers(Some(ListContainersOptions::<String> {
                all: true,
                ..Default::default()
            }))
            .await
            .map_err(|e| self.forget(e))?;
        let mut containers: Vec<ContainerRow> = list.into_iter().map(row_from_summary).collect();
        self.read_restarts(&client, &mut containers).await;
        let ids: Vec<String> = {
            let watched = self.watched.borrow();
            containers
                .iter()
                .filter(|c| c.state == "running" && watched.contains(&c.id))
                .map(|c| c.id.clone())
                .collect()
        };
        if !ids.is_empty() {
            // Half the poll's timeout at most: the list must arrive even when stats are slow.
            let budget = std::time::Duration::from_secs(self.timeout_secs) / 2;
            let usage = self.stats.sample(&client, &ids, budget).await;
            for c in containers.iter_mut() {
                c.usage = usage.get(&c.id).map(|u| u.without_host_limit(engine.mem_total));
            }
        }
        containers.sort_by(|a, b| a.rank().cmp(&b.rank()).then_with(|| a.name.cmp(&b.name)));
        Ok(DockerSummary {
            engine_version: engine.version,
            containers,
        })
    }

    /// Restart counts are not in the list: inspect only the few problem
    /// rows, those that died or started since the last poll, and those that
    /// restarted lately; then judge which are crash-looping.
    async fn read_restarts(&mut self, client: &Docker, containers: &mut [ContainerRow]) {
        let now = chrono::Utc::now();
        let stirred = std::mem::take(&mut *self.stirred.lock().unwrap_or_else(|e| e.into_inner()));
        let mut seen = HashMap::new();
        for c in containers.iter_mut() {
            let fresh = stirred.contains(&c.id) || self.restarts.is_watched(&c.id);
            if !fresh && !c.is_problem() {
                continue;
            }
            let key = (c.id.clone(), c.status.clone());
            let found = match self.inspected.get(&key).filter(|_| !fresh) {
                Some(v) => Some(v.clone()),
                None => client.inspect_container(&c.id, None).await.ok().map(|i| {
                    let state = i.state.unwrap_or_default();
                    let finished_at = state
                        .finished_at
                        .as_deref()
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                        .map(|t| t.with_timezone(&chrono::Utc))
                        // Docker's "never": 0001-01-01.
                        .filter(|t| t.timestamp() > 0);
                    let restarts = Restarts {
                        count: i.restart_count.unwrap_or(0),
                        finished_at,
                    };
                    (restarts, state.oom_killed.unwrap_or(false))
                }),
            };
            if let Some((restarts, oom)) = found {
                c.oom_killed = oom;
                self.restarts.observe(&c.id, &restarts, now, self.crash_loop);
                seen.insert(key, (restarts, oom));
            }
        }
        self.inspected = seen;
        for c in containers.iter_mut() {
            // Known once read: it changes only with a restart, which is an event.
            c.restarts = self.restarts.count(&c.id);
            c.crash_loop = self.restarts.judge(c, now, self.crash_loop);
        }
        self.restarts.retain(containers);
    }

    /// Drop the client after an error so the next poll reconnects cleanly.
    fn forget(&mut self, e: bollard::errors::Error) -> String {
        self.client = None;
        match e {
            // In the words of the poll's own bound: one wording for "it hangs".
            bollard::errors::Error::RequestTimeoutError => crate::text::no_answer(self.cfg.timeout),
            e => crate::backends::docker::connect::explain(&e),
        }
    }
}
