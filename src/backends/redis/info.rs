//! Reading Redis's INFO: `field:value` lines under `# Section` headings,
//! turned into a `RedisSummary`. Pure, so every field is tested without a
//! server; the poller and the `redis` runbook check both read INFO here.

use crate::model::redis::{RedisMasterLink, RedisReplica, RedisSummary, RedisThresholds};
use std::collections::BTreeMap;

/// INFO's fields by name, values as the server wrote them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InfoFields(pub BTreeMap<String, String>);

impl InfoFields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    fn number<T: std::str::FromStr>(&self, name: &str) -> Result<T, String> {
        let raw = self.get(name).ok_or_else(|| format!("INFO has no {name}"))?;
        raw.trim().parse().map_err(|_| {
            format!(
                "INFO {name} is not a number: {:?}",
                crate::text::clean::line(raw.to_string())
            )
        })
    }

    /// A number that older servers may not send.
    fn number_or<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        match self.get(name) {
            None => Ok(default),
            Some(_) => self.number(name),
        }
    }

    /// Lines `name:value` for the fields `patterns` name, in order; a
    /// pattern ending in `*` takes every field it begins (`db*`, `slave*`).
    pub fn excerpt(&self, patterns: &[&str]) -> String {
        let mut out = Vec::new();
        for p in patterns {
            match p.strip_suffix('*') {
                Some(prefix) => out.extend(
                    self.0
                        .iter()
                        .filter(|(k, _)| k.starts_with(prefix) && is_numbered(k, prefix))
                        .map(|(k, v)| format!("{k}:{v}")),
                ),
                None => out.extend(self.get(p).map(|v| format!("{p}:{v}"))),
            }
        }
        out.join("\n")
    }
}

/// `db0`, `slave12`: the prefix then only digits (not `slave_read_only`).
fn is_numbered(key: &str, prefix: &str) -> bool {
    let rest = &key[prefix.len()..];
    !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())
}

/// Parse INFO's text. An answer with no `field:value` line at all is not
/// INFO (something else answered); lines that are neither are skipped.
pub fn parse(text: &str) -> Result<InfoFields, String> {
    let mut fields = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            if !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                fields.insert(k.to_string(), v.to_string());
            }
        }
    }
    if fields.is_empty() {
        return Err("the answer to INFO is not INFO".into());
    }
    Ok(InfoFields(fields))
}

/// `keys=1,expires=0,avg_ttl=0` or `ip=…,port=…`: the `name=value` pairs.
fn pairs(value: &str) -> BTreeMap<&str, &str> {
    value.split(',').filter_map(|p| p.split_once('=')).collect()
}

/// What a poll adds to INFO: the ping, when it was made, the evicted keys
/// counted at the previous poll, and the target's thresholds.
#[derive(Debug, Clone)]
pub struct PollContext {
    pub ping_ms: f64,
    pub now: i64,
    pub previous_evicted: Option<u64>,
    pub thresholds: RedisThresholds,
}

/// The summary INFO gives, judged with the poll's context.
pub fn summarize(info: &InfoFields, ctx: PollContext) -> Result<RedisSummary, String> {
    let text = |name: &str| crate::text::clean::line(info.get(name).unwrap_or_default().to_string());
    let evicted_keys: u64 = info.number_or("evicted_keys", 0)?;
    // A smaller counter than last time: the server restarted; no delta.
    let evicted_delta = ctx.previous_evicted.and_then(|p| evicted_keys.checked_sub(p));
    let keys = info
        .0
        .iter()
        .filter(|(k, _)| k.starts_with("db") && is_numbered(k, "db"))
        .map(|(_, v)| pairs(v).get("keys").and_then(|n| n.parse::<u64>().ok()).unwrap_or(0))
        .sum();
    let role = text("role");
    if role.is_empty() {
        return Err("INFO has no role".into());
    }
    let master_repl_offset: i64 = info.number_or("master_repl_offset", 0)?;
    let replicas = info
        .0
        .iter()
        .filter(|(k, _)| k.starts_with("slave") && is_numbered(k, "slave"))
        .map(|(_, v)| {
            let p = pairs(v);
            let offset = p.get("offset").and_then(|o| o.parse::<i64>().ok()).unwrap_or(0);
            RedisReplica {
                addr: crate::text::clean::line(format!(
                    "{}:{}",
                    p.get("ip").unwrap_or(&"?"),
                    p.get("port").unwrap_or(&"?")
                )),
                state: crate::text::clean::line(p.get("state").unwrap_or(&"?").to_string()),
                offset,
                lag_bytes: (master_repl_offset - offset).max(0),
            }
        })
        .collect();
    let master_link = (role == "slave").then(|| RedisMasterLink {
        master: crate::text::clean::line(format!("{}:{}", text("master_host"), text("master_port"))),
        status: text("master_link_status"),
        down_secs: info.get("master_link_down_since_seconds").and_then(|s| s.parse().ok()),
        sync_in_progress: info.get("master_sync_in_progress") == Some("1"),
    });
    let rdb_saves: u64 = info.number_or("rdb_saves", 0)?;
    let bgsave_time: i64 = info.number_or("rdb_last_bgsave_time_sec", -1)?;
    let aof_enabled = info.get("aof_enabled") == Some("1");
    Ok(RedisSummary {
        version: text("redis_version"),
        role,
        // Whole milliseconds and whole minutes, as shown: an idle server's
        // polls are then the same answer, which is neither drawn again nor
        // recorded again.
        ping_ms: ctx.ping_ms.ceil(),
        uptime_secs: info.number_or::<i64>("uptime_in_seconds", 0)? / 60 * 60,
        connected_clients: info.number("connected_clients")?,
        blocked_clients: info.number_or("blocked_clients", 0)?,
        used_memory: info.number("used_memory")?,
        maxmemory: info.number_or("maxmemory", 0)?,
        fragmentation_ratio: info.get("mem_fragmentation_ratio").and_then(|r| r.parse().ok()),
        evicted_keys,
        evicted_delta,
        keys,
        rdb_last_save_ok: info.get("rdb_last_bgsave_status").is_none_or(|s| s == "ok"),
        rdb_last_save_time: info.number_or("rdb_last_save_time", ctx.now)?,
        rdb_saving: rdb_saves > 0 || bgsave_time >= 0 || info.get("rdb_bgsave_in_progress") == Some("1"),
        rdb_changes_since_save: info.number_or("rdb_changes_since_last_save", 0)?,
        aof_enabled,
        aof_last_write_ok: !aof_enabled || info.get("aof_last_write_status").is_none_or(|s| s == "ok"),
        master_repl_offset,
        replicas,
        master_link,
        thresholds: ctx.thresholds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MASTER: &str = "# Server\r\nredis_version:7.0.15\r\nuptime_in_seconds:120\r\n\r\n# Clients\r\n\
connected_clients:4\r\nblocked_clients:1\r\n\r\n# Memory\r\nused_memory:1000000\r\nmaxmemory:4000000\r\n\
maxmemory_policy:noeviction\r\nmem_fragmentation_ratio:1.52\r\n\r\n# Persistence\r\nrdb_changes_since_last_save:7\r\n\
rdb_bgsave_in_progress:0\r\nrdb_last_save_time:1700000000\r\nrdb_last_bgsave_status:err\r\nrdb_last_bgsave_time_sec:0\r\n\
rdb_saves:2\r\naof_enabled:1\r\naof_last_write_status:err\r\n\r\n# Stats\r\nevicted_keys:15\r\n\r\n# Replication\r\n\
role:master\r\nconnected_slaves:2\r\nslave0:ip=127.0.0.1,port=6380,state=online,offset=900,lag=0\r\n\
slave1:ip=10.0.0.2,port=6381,state=wait_bgsave,offset=0,lag=1\r\nmaster_repl_offset:1000\r\nslave_read_only:1\r\n\r\n\
# Keyspace\r\ndb0:keys=10,expires=0,avg_ttl=0\r\ndb3:keys=5,expires=1,avg_ttl=10\r\n";

    fn ctx(previous_evicted: Option<u64>) -> PollContext {
        PollContext {
            ping_ms: 0.4,
            now: 1_700_000_100,
            previous_evicted,
            thresholds: RedisThresholds {
                memory_warn_pct: 20.0,
                blocked_clients_warn: 0,
                save_max_age_secs: 60,
            },
        }
    }

    #[test]
    fn a_master_reads_whole() {
        let info = parse(MASTER).expect("info");
        let s = summarize(&info, ctx(Some(10))).expect("summary");
        assert_eq!(s.version, "7.0.15");
        assert_eq!(s.role_word(), "primary");
        assert_eq!((s.connected_clients, s.blocked_clients), (4, 1));
        assert_eq!(s.memory_pct(), Some(25.0));
        assert!(s.memory_high() && s.blocked_high());
        assert_eq!(s.fragmentation_ratio, Some(1.52));
        assert_eq!((s.evicted_keys, s.evicted_delta), (15, Some(5)));
        assert_eq!(s.keys, 15, "keys over db0 and db3");
        assert!(s.rdb_saving && !s.rdb_last_save_ok && s.save_failing());
        assert_eq!(s.save_age_secs(1_700_000_100), 100);
        assert!(s.save_stale(1_700_000_100));
        assert!(s.aof_enabled && !s.aof_last_write_ok);
        assert_eq!(s.replicas.len(), 2, "slave_read_only is not a replica");
        assert_eq!(s.replicas[0].addr, "127.0.0.1:6380");
        assert_eq!(s.replicas[0].lag_bytes, 100);
        assert_eq!(s.replicas[1].lag_bytes, 1000);
        assert_eq!(s.worst_lag_bytes(), Some(1000));
        assert!(s.master_link.is_none());
    }

    #[test]
    fn a_replica_reads_its_link() {
        let text = "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:down\r\n\
master_link_down_since_seconds:12\r\nmaster_sync_in_progress:0\r\nconnected_clients:1\r\nused_memory:10\r\n";
        let s = summarize(&parse(text).expect("info"), ctx(None)).expect("summary");
        assert_eq!(s.role_word(), "replica");
        let link = s.master_link.clone().expect("link");
        assert_eq!(link.master, "127.0.0.1:6379");
        assert!(!link.is_up() && s.link_down());
        assert_eq!(link.down_secs, Some(12));
        // Nothing saved since start: saving is not judged; no limit, no memory percent.
        assert!(!s.rdb_saving && !s.save_stale(1_700_000_100));
        assert_eq!(s.memory_pct(), None);
        assert_eq!(s.evicted_delta, None);
    }

    #[test]
    fn a_restarted_counter_gives_no_delta() {
        let s = summarize(&parse(MASTER).expect("info"), ctx(Some(99))).expect("summary");
        assert_eq!(s.evicted_delta, None);
    }

    #[test]
    fn what_is_not_info_is_an_error_in_plain_words() {
        assert_eq!(parse("").unwrap_err(), "the answer to INFO is not INFO");
        assert_eq!(parse("\u{0}garbage\r\n").unwrap_err(), "the answer to INFO is not INFO");
        let e = summarize(
            &parse("role:master\r\nused_memory:x\r\nconnected_clients:1\r\n").expect("info"),
            ctx(None),
        )
        .unwrap_err();
        assert_eq!(e, "INFO used_memory is not a number: \"x\"");
        let e = summarize(&parse("used_memory:1\r\n").expect("info"), ctx(None)).unwrap_err();
        assert_eq!(e, "INFO has no role");
    }

    #[test]
    fn an_excerpt_names_the_fields_judged() {
        let info = parse(MASTER).expect("info");
        assert_eq!(
            info.excerpt(&["db*", "used_memory", "absent"]),
            "db0:keys=10,expires=0,avg_ttl=0\ndb3:keys=5,expires=1,avg_ttl=10\nused_memory:1000000"
        );
        assert_eq!(info.excerpt(&["slave*"]).lines().count(), 2);
    }
}
