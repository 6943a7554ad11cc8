//! Redis checks on a `[[redis]]` target (the first when not named, or each
//! of a set): it answers PING, or one INFO metric is within `min`/`max`.
//! Read with the poller's own code, so the check sees what the pane does;
//! the evidence is the INFO fields judged.

use super::{bounds_note, number, out_of_bounds, CheckContext, Outcome};
use crate::backends::redis::info::InfoFields;
use crate::backends::redis::{RedisPoller, RedisSummary};
use crate::config::RedisConfig;
use crate::model::redis::RedisMetric;
use crate::runbook::set::Names;

pub(crate) async fn check(
    ctx: &CheckContext,
    target: Option<&str>,
    ping: bool,
    metric: Option<RedisMetric>,
    bounds: (Option<f64>, Option<f64>),
) -> Result<Outcome, String> {
    if ping == metric.is_some() {
        return Err("a redis check needs either ping = true or metric".into());
    }
    let Some(target) = target else {
        let cfg = ctx.redis.first().ok_or("no [[redis]] configured")?;
        return one(cfg, metric, bounds).await;
    };
    let names = Names::parse(target)?;
    if !names.is_set() {
        let cfg = ctx
            .redis
            .iter()
            .find(|r| r.name == target)
            .ok_or_else(|| format!("no [[redis]] target named {target:?} in the config"))?;
        return one(cfg, metric, bounds).await;
    }
    let members = names.pick(&ctx.redis, |r| r.name.as_str());
    if members.is_empty() {
        return Ok(Outcome::failed(format!(
            "no [[redis]] target matches target = {target:?}"
        )));
    }
    let results = futures::future::join_all(members.iter().map(|cfg| async move {
        let r = one(cfg, metric, bounds).await;
        (cfg.name.as_str(), r.unwrap_or_else(Outcome::failed))
    }))
    .await;
    Ok(Outcome::of_members_joined("target", &results))
}

/// One target: one poll, exactly as the Database pane gets it.
async fn one(
    cfg: &RedisConfig,
    metric: Option<RedisMetric>,
    (min, max): (Option<f64>, Option<f64>),
) -> Result<Outcome, String> {
    let (summary, fields) = RedisPoller::new(cfg).read().await?;
    let name = cfg.name.as_str();
    let Some(m) = metric else {
        let observed = format!("PONG in {:.1} ms", summary.ping_ms);
        let evidence = format!(
            "redis {name}: {observed}\n{}",
            fields.excerpt(&["redis_version", "role", "uptime_in_seconds"])
        );
        return Ok(Outcome::new(true, observed, evidence));
    };
    let (value, unit) = metric_value(&summary, m)?;
    let shown = format!("{}{unit}", number(value));
    let evidence = evidence(name, &summary, &fields, m);
    Ok(match out_of_bounds(value, max, min) {
        None => Outcome::new(true, format!("{shown}{}", bounds_note(max, min)), evidence),
        Some(broken) => Outcome::new(false, format!("{shown}, {broken}"), evidence),
    })
}

/// "redis cache: Redis 7.0.15 (primary)" and the INFO fields the metric is
/// read from, one `field:value` a line.
fn evidence(name: &str, s: &RedisSummary, fields: &InfoFields, m: RedisMetric) -> String {
    format!(
        "redis {name}: Redis {} ({})\n{}",
        s.version,
        s.role_word(),
        fields.excerpt(m.info_fields())
    )
}

/// The metric's value and its unit as written after the number.
fn metric_value(s: &RedisSummary, m: RedisMetric) -> Result<(f64, &'static str), String> {
    Ok(match m {
        RedisMetric::UsedMemoryPct => (
            s.memory_pct().ok_or_else(|| {
                format!(
                    "maxmemory is not set: used memory ({} bytes) is no percent of anything",
                    s.used_memory
                )
            })?,
            "% of maxmemory",
        ),
        RedisMetric::ConnectedClients => (s.connected_clients as f64, " connected clients"),
        RedisMetric::BlockedClients => (s.blocked_clients as f64, " blocked clients"),
        RedisMetric::EvictedKeys => (s.evicted_keys as f64, " keys evicted since start"),
        RedisMetric::Keys => (s.keys as f64, " keys"),
        RedisMetric::ReplicationLagBytes => (s.worst_lag_bytes().unwrap_or(0) as f64, " bytes replication lag"),
        RedisMetric::LastSaveAgeSeconds => (
            s.save_age_secs(chrono::Utc::now().timestamp()) as f64,
            "s since the last save",
        ),
        RedisMetric::FragmentationRatio => (
            s.fragmentation_ratio.ok_or("INFO has no mem_fragmentation_ratio")?,
            " fragmentation ratio",
        ),
    })
}
