//! Docker Engine API: container list and engine version.

pub mod connect;
pub mod inspect;
pub mod log_batch;
pub mod log_text;
pub mod logs;
pub mod row;
pub mod stats;
pub mod tls_probe;

use crate::config::DockerConfig;
pub use crate::model::docker::{ContainerOp, DockerSummary};
use bollard::container::ListContainersOptions;
use bollard::Docker;
use std::collections::HashMap;

use crate::backends::docker::row::row_from_summary;
pub use crate::backends::docker::row::{exit_code_from_status, health_from_status, ContainerRow, Health};

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

/// Follow the engine's container events and wake the poller on each one, so a
/// container that dies is on screen within a second instead of at the next
/// interval. The stream ends when the daemon restarts: reconnect with backoff,
/// and wake the poller after every (re)connect so the list is re-read.
pub async fn follow_events(cfg: DockerConfig, wake: std::sync::Arc<tokio::sync::Notify>) {
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
                // Health checks run an exec every interval; those change nothing on screen.
                if !event.action.as_deref().unwrap_or("").starts_with("exec_") {
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
    inspected: HashMap<(String, String), (i64, bool)>,
    /// Ids of the containers on screen, set by the UI: only those get stats.
    watched: tokio::sync::watch::Receiver<Vec<String>>,
    stats: crate::backends::docker::stats::Sampler,
}

impl DockerPoller {
    pub fn new(cfg: &DockerConfig, watched: tokio::sync::watch::Receiver<Vec<String>>) -> Self {
        Self {
            cfg: cfg.clone(),
            timeout_secs: cfg.timeout.as_secs().max(1),
            client: None,
            inspected: HashMap::new(),
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

    pub async fn poll(&mut self) -> Result<DockerSummary, String> {
        let (client, engine) = match &self.client {
            Some(c) => c.clone(),
            None => {
                let c = connect(&self.cfg, self.timeout_secs).await?;
                let version = c.version().await.map_err(|e| self.forget(e))?.version;
                let info = c.info().await.map_err(|e| self.forget(e))?;
                let engine = Engine {
                    version: version.unwrap_or_default(),
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
        // Restart counts are not in the list: inspect only the few problem rows.
        let mut seen = HashMap::new();
        for c in containers.iter_mut().filter(|c| c.is_problem()) {
            let key = (c.id.clone(), c.status.clone());
            let found = match self.inspected.get(&key) {
                Some(v) => Some(*v),
                None => client.inspect_container(&c.id, None).await.ok().map(|i| {
                    (
                        i.restart_count.unwrap_or(0),
                        i.state.and_then(|s| s.oom_killed).unwrap_or(false),
                    )
                }),
            };
            if let Some((restarts, oom)) = found {
                c.restarts = Some(restarts);
                c.oom_killed = oom;
                seen.insert(key, (restarts, oom));
            }
        }
        self.inspected = seen;
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
