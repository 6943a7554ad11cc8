//! CPU and memory of the containers on screen, one request per container per
//! poll (`stream=false`, `one-shot=true`: the daemon answers at once instead
//! of waiting ~2 s for a second sample). CPU % is computed from our own
//! previous sample, so the cost stays one cheap request per visible row.

pub use crate::model::docker::Usage;
use bollard::container::{MemoryStatsStats, Stats, StatsOptions};
use bollard::Docker;
use futures::StreamExt;
use std::collections::HashMap;
use std::time::Duration;

/// Rows fetched at most per poll, whatever the terminal height.
pub const MAX_WATCHED: usize = 80;
/// Stats requests in flight at once: dockerd answers each from cgroup files,
/// a few in parallel keep the poll short without a burst of connections.
const CONCURRENT_REQUESTS: usize = 8;

/// Previous (container CPU, system CPU) counters per container id.
#[derive(Default)]
pub struct Sampler {
    prev: HashMap<String, (u64, u64)>,
}

impl Sampler {
    /// Stats of `ids`, a few requests at a time, for at most `budget`: what
    /// has not answered by then is left out (shown as pending) rather than
    /// holding up the container list, which must never time out for stats.
    pub async fn sample(&mut self, client: &Docker, ids: &[String], budget: Duration) -> HashMap<String, Usage> {
        // Owned futures, built up front: a lazy map over borrowed ids would
        // not be Send across the poller's await points.
        let fetches: Vec<_> = ids
            .iter()
            .take(MAX_WATCHED)
            .map(|id| {
                let (client, id) = (client.clone(), id.clone());
                async move {
                    let opts = StatsOptions {
                        stream: false,
                        one_shot: true,
                    };
                    let stats = client.stats(&id, Some(opts)).next().await.and_then(Result::ok);
                    (id, stats)
                }
            })
            .collect();
        let results: Vec<_> = futures::stream::iter(fetches)
            .buffer_unordered(CONCURRENT_REQUESTS)
            .take_until(tokio::time::sleep(budget))
            .collect()
            .await;
        let mut out = HashMap::new();
        // Counters of rows still on screen survive a sample they missed.
        let mut prev: HashMap<String, (u64, u64)> = self.prev.drain().filter(|(id, _)| ids.contains(id)).collect();
        for (id, stats) in results {
            let Some(s) = stats else { continue };
            let now = (
                s.cpu_stats.cpu_usage.total_usage,
                s.cpu_stats.system_cpu_usage.unwrap_or(0),
            );
            let cpu_pct = prev
                .get(&id)
                .and_then(|before| cpu_percent(*before, now, online_cpus(&s)));
            prev.insert(id.clone(), now);
            out.insert(
                id,
                Usage {
                    cpu_pct,
                    mem_used: memory_used(&s),
                    mem_limit: s.memory_stats.limit.unwrap_or(0),
                },
            );
        }
        self.prev = prev;
        out
    }
}

fn online_cpus(s: &Stats) -> u64 {
    s.cpu_stats
        .online_cpus
        .or_else(|| s.cpu_stats.cpu_usage.percpu_usage.as_ref().map(|v| v.len() as u64))
        .unwrap_or(1)
        .max(1)
}

/// CPU % as `docker stats` shows it: share of one core × cores.
pub fn cpu_percent(before: (u64, u64), now: (u64, u64), cpus: u64) -> Option<f64> {
    let cpu = now.0.checked_sub(before.0)?;
    let system = now.1.checked_sub(before.1).filter(|d| *d > 0)?;
    Some(100.0 * cpu as f64 / system as f64 * cpus as f64)
}

/// Memory as `docker stats` shows it: usage less the reclaimable page cache.
fn memory_used(s: &Stats) -> u64 {
    let usage = s.memory_stats.usage.unwrap_or(0);
    let cache = match &s.memory_stats.stats {
        Some(MemoryStatsStats::V1(v1)) => v1.total_inactive_file,
        Some(MemoryStatsStats::V2(v2)) => v2.inactive_file,
        None => 0,
    };
    usage.saturating_sub(cache)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cpu_percent_from_two_samples() {
        assert_eq!(super::cpu_percent((100, 1000), (150, 2000), 2), Some(10.0));
        assert_eq!(super::cpu_percent((100, 1000), (150, 1000), 2), None);
        assert_eq!(super::cpu_percent((200, 1000), (150, 2000), 2), None, "counter reset");
    }

    #[test]
    fn the_machine_memory_is_no_limit() {
        let u = super::Usage {
            cpu_pct: None,
            mem_used: 10,
            mem_limit: 1000,
        };
        assert_eq!(u.without_host_limit(1000).mem_limit, 0);
        assert_eq!(u.without_host_limit(4000).mem_limit, 1000);
        assert_eq!(u.without_host_limit(0).mem_limit, 1000, "unknown machine memory");
    }
}
