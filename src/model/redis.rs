//! Redis: what one poll of a `[[redis]]` target found (PING and INFO), the
//! thresholds it is judged by, and the metrics a runbook check may bound.

use crate::model::alerts::Severity;
use serde::{Deserialize, Serialize};

/// The `[[redis]]` thresholds, carried with each poll so the judgement
/// travels with the data (the recorder keeps both).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedisThresholds {
    /// Used memory, percent of `maxmemory`.
    pub memory_warn_pct: f64,
    pub blocked_clients_warn: u64,
    /// The last RDB save may be this old (seconds).
    pub save_max_age_secs: u64,
}

/// A replica as its master lists it (`slaveN:` in INFO replication).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedisReplica {
    /// "ip:port".
    pub addr: String,
    /// "online", "wait_bgsave", "send_bulk", ...
    pub state: String,
    pub offset: i64,
    /// The master's offset minus this replica's: bytes not yet acknowledged.
    pub lag_bytes: i64,
}

/// A replica's view of its master (`role:slave`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedisMasterLink {
    /// "host:port".
    pub master: String,
    /// `master_link_status`: "up" or "down".
    pub status: String,
    /// `master_link_down_since_seconds`, while down.
    pub down_secs: Option<i64>,
    pub sync_in_progress: bool,
}

impl RedisMasterLink {
    pub fn is_up(&self) -> bool {
        self.status == "up"
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedisSummary {
    pub version: String,
    /// "master" or "slave", as INFO says it.
    pub role: String,
    /// PING's round trip, milliseconds.
    pub ping_ms: f64,
    pub uptime_secs: i64,
    pub connected_clients: u64,
    pub blocked_clients: u64,
    pub used_memory: u64,
    /// 0: no limit set.
    pub maxmemory: u64,
    pub fragmentation_ratio: Option<f64>,
    /// Evicted since the server started.
    pub evicted_keys: u64,
    /// Evicted since the previous poll; `None` on the first (or after a
    /// restart of the server, whose counter began again).
    pub evicted_delta: Option<u64>,
    /// Keys over every database (`dbN:keys=`).
    pub keys: u64,
    /// `rdb_last_bgsave_status` is "ok".
    pub rdb_last_save_ok: bool,
    /// `rdb_last_save_time`, Unix seconds.
    pub rdb_last_save_time: i64,
    /// The server has saved (or is saving) an RDB file since it started.
    /// INFO does not show the `save` rules; a server that never saved is
    /// taken as one that does not save, and its save age is not judged.
    pub rdb_saving: bool,
    /// Changes not yet in an RDB file.
    pub rdb_changes_since_save: u64,
    pub aof_enabled: bool,
    /// `aof_last_write_status` is "ok" (always true with AOF off).
    pub aof_last_write_ok: bool,
    pub master_repl_offset: i64,
    /// On a master: its replicas.
    pub replicas: Vec<RedisReplica>,
    /// On a replica: its link to the master.
    pub master_link: Option<RedisMasterLink>,
    pub thresholds: RedisThresholds,
}

impl RedisSummary {
    pub fn is_replica(&self) -> bool {
        self.role == "slave"
    }

    /// "primary" / "replica", as the Database pane says roles.
    pub fn role_word(&self) -> &'static str {
        if self.is_replica() {
            "replica"
        } else {
            "primary"
        }
    }

    /// Used memory as a percent of `maxmemory`; `None` without a limit.
    pub fn memory_pct(&self) -> Option<f64> {
        (self.maxmemory > 0).then(|| self.used_memory as f64 * 100.0 / self.maxmemory as f64)
    }

    pub fn memory_high(&self) -> bool {
        self.memory_pct().is_some_and(|p| p >= self.thresholds.memory_warn_pct)
    }

    pub fn blocked_high(&self) -> bool {
        self.blocked_clients > self.thresholds.blocked_clients_warn
    }

    /// Seconds since the last RDB save at `now` (Unix seconds). The age is
    /// the reader's clock, not the poll's: a quiet server polls the same
    /// answer, and its save still ages on screen.
    pub fn save_age_secs(&self, now: i64) -> i64 {
        (now - self.rdb_last_save_time).max(0)
    }

    /// RDB saving is in use and its last save is older than allowed at `now`.
    pub fn save_stale(&self, now: i64) -> bool {
        self.rdb_saving
            && self.save_age_secs(now) > i64::try_from(self.thresholds.save_max_age_secs).unwrap_or(i64::MAX)
    }

    /// The last background save failed (only judged when RDB saving is in use).
    pub fn save_failing(&self) -> bool {
        self.rdb_saving && !self.rdb_last_save_ok
    }

    /// A replica whose link to its master is down.
    pub fn link_down(&self) -> bool {
        self.master_link.as_ref().is_some_and(|l| !l.is_up())
    }

    pub fn evicting(&self) -> bool {
        self.evicted_delta.is_some_and(|n| n > 0)
    }

    /// The worst replica's lag in bytes (on a master with replicas).
    pub fn worst_lag_bytes(&self) -> Option<i64> {
        self.replicas.iter().map(|r| r.lag_bytes).max()
    }

    /// Anything a threshold says is wrong at `now`.
    pub fn any_problem(&self, now: i64) -> bool {
        self.memory_high()
            || self.blocked_high()
            || self.save_stale(now)
            || self.save_failing()
            || self.link_down()
            || self.evicting()
            || !self.aof_last_write_ok
    }
}

/// MiB with one decimal: the unit memory is judged in.
fn mib(n: u64) -> String {
    format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
}

impl RedisSummary {
    /// opsdeck's own alerts this poll raises at `now`: name, severity, summary.
    pub fn breaches(&self, now: i64) -> Vec<(&'static str, Severity, String)> {
        let t = &self.thresholds;
        let mut out = Vec::new();
        if let Some(pct) = self.memory_pct().filter(|_| self.memory_high()) {
            out.push((
                "RedisMemoryHigh",
                Severity::Warning,
                format!(
                    "{} of maxmemory {} ({pct:.0}%, warn at {:.0}%)",
                    mib(self.used_memory),
                    mib(self.maxmemory),
                    t.memory_warn_pct
                ),
            ));
        }
        if self.blocked_high() {
            out.push((
                "RedisBlockedClients",
                Severity::Warning,
                format!(
                    "{} clients blocked (warn over {})",
                    self.blocked_clients, t.blocked_clients_warn
                ),
            ));
        }
        if self.save_failing() {
            out.push((
                "RedisSaveFailing",
                Severity::Critical,
                format!(
                    "the last background save failed; {} changes not saved",
                    self.rdb_changes_since_save
                ),
            ));
        } else if self.save_stale(now) {
            out.push((
                "RedisSaveStale",
                Severity::Warning,
                format!(
                    "last RDB save {} s ago (max {} s), {} changes not saved",
                    self.save_age_secs(now),
                    t.save_max_age_secs,
                    self.rdb_changes_since_save
                ),
            ));
        }
        if !self.aof_last_write_ok {
            out.push((
                "RedisAofWriteFailing",
                Severity::Critical,
                "the last append-only file write failed".to_string(),
            ));
        }
        if let Some(link) = self.master_link.as_ref().filter(|l| !l.is_up()) {
            let since = link.down_secs.map(|s| format!(" for {s} s")).unwrap_or_default();
            out.push((
                "RedisReplicationBroken",
                Severity::Critical,
                format!("link to master {} is {}{since}", link.master, link.status),
            ));
        }
        if let Some(n) = self.evicted_delta.filter(|n| *n > 0) {
            out.push((
                "RedisEvictingKeys",
                Severity::Warning,
                format!(
                    "{n} keys evicted since the last poll (maxmemory {})",
                    mib(self.maxmemory)
                ),
            ));
        }
        out
    }
}

/// What a `redis` runbook check may bound with `min`/`max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedisMetric {
    /// Used memory, percent of `maxmemory` (an error when no limit is set).
    UsedMemoryPct,
    ConnectedClients,
    BlockedClients,
    /// Keys evicted since the server started.
    EvictedKeys,
    /// Keys over every database.
    Keys,
    /// The worst replica's lag in bytes (0 without replicas).
    ReplicationLagBytes,
    /// Seconds since the last RDB save.
    LastSaveAgeSeconds,
    /// `mem_fragmentation_ratio`.
    FragmentationRatio,
}

impl RedisMetric {
    /// Every metric, for lint's list of names.
    pub const ALL: [RedisMetric; 8] = [
        RedisMetric::UsedMemoryPct,
        RedisMetric::ConnectedClients,
        RedisMetric::BlockedClients,
        RedisMetric::EvictedKeys,
        RedisMetric::Keys,
        RedisMetric::ReplicationLagBytes,
        RedisMetric::LastSaveAgeSeconds,
        RedisMetric::FragmentationRatio,
    ];

    /// The INFO fields the metric is read from: the evidence a check keeps.
    pub fn info_fields(self) -> &'static [&'static str] {
        match self {
            RedisMetric::UsedMemoryPct => &["used_memory", "maxmemory", "maxmemory_policy"],
            RedisMetric::ConnectedClients => &["connected_clients", "maxclients"],
            RedisMetric::BlockedClients => &["blocked_clients", "connected_clients"],
            RedisMetric::EvictedKeys => &["evicted_keys", "maxmemory", "maxmemory_policy"],
            RedisMetric::Keys => &["db*"],
            RedisMetric::ReplicationLagBytes => &["role", "master_repl_offset", "connected_slaves", "slave*"],
            RedisMetric::LastSaveAgeSeconds => &[
                "rdb_last_save_time",
                "rdb_last_bgsave_status",
                "rdb_changes_since_last_save",
                "rdb_saves",
            ],
            RedisMetric::FragmentationRatio => &["mem_fragmentation_ratio", "used_memory", "used_memory_rss"],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> RedisSummary {
        RedisSummary {
            version: "7.0.15".into(),
            role: "master".into(),
            ping_ms: 0.2,
            uptime_secs: 100,
            connected_clients: 3,
            blocked_clients: 0,
            used_memory: 900,
            maxmemory: 1000,
            fragmentation_ratio: Some(1.2),
            evicted_keys: 0,
            evicted_delta: None,
            keys: 5,
            rdb_last_save_ok: true,
            rdb_last_save_time: 1_000,
            rdb_saving: false,
            rdb_changes_since_save: 0,
            aof_enabled: false,
            aof_last_write_ok: true,
            master_repl_offset: 0,
            replicas: vec![],
            master_link: None,
            thresholds: RedisThresholds {
                memory_warn_pct: 80.0,
                blocked_clients_warn: 0,
                save_max_age_secs: 3600,
            },
        }
    }

    #[test]
    fn thresholds_judge_the_summary() {
        let s = summary();
        assert_eq!(s.memory_pct(), Some(90.0));
        assert!(s.memory_high());
        let no_limit = RedisSummary {
            maxmemory: 0,
            ..s.clone()
        };
        assert!(!no_limit.memory_high(), "no maxmemory, nothing to judge against");
        // Never saved since start: the age is not judged.
        assert!(!s.save_stale(5_000));
        let saving = RedisSummary {
            rdb_saving: true,
            ..s.clone()
        };
        assert!(saving.save_stale(5_000), "4000 s > 3600 s");
        assert!(!RedisSummary {
            blocked_clients: 0,
            ..s.clone()
        }
        .blocked_high());
        assert!(RedisSummary {
            blocked_clients: 1,
            ..s.clone()
        }
        .blocked_high());
        assert!(!s.evicting());
        assert!(RedisSummary {
            evicted_delta: Some(2),
            ..s
        }
        .evicting());
    }
}
