//! PostgreSQL checks on a `[[postgres]]` target (or a set of them, each
//! judged): one of the poller's metrics against max/min, or an operator's
//! read-only query returning one value compared with `equals`, `max` or
//! `min`.

use super::{bounds_note, number, out_of_bounds, CheckContext, Outcome};
use crate::backends::postgres::value::read_only_value;
use crate::backends::postgres::{PgPoller, PgSummary};
use crate::config::PostgresConfig;
use crate::runbook::model::PgMetric;
use crate::runbook::set::Names;
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub(crate) struct Want {
    pub max: Option<f64>,
    pub min: Option<f64>,
    pub equals: Option<String>,
}

pub(crate) async fn check(
    ctx: &CheckContext,
    target: &str,
    metric: Option<PgMetric>,
    query: Option<&str>,
    want: Want,
    timeout: Duration,
) -> Result<Outcome, String> {
    if metric.is_some() == query.is_some() {
        return Err("a postgres check needs either metric or query".into());
    }
    let names = Names::parse(target)?;
    if !names.is_set() {
        let cfg = ctx
            .postgres
            .iter()
            .find(|p| p.name == target)
            .ok_or_else(|| format!("no [[postgres]] target named {target:?} in the config"))?;
        return one(cfg, metric, query, &want, timeout).await;
    }
    let mut members = names.pick(&ctx.postgres, |p| p.name.as_str());
    if members.is_empty() {
        return Ok(Outcome::failed(format!(
            "no [[postgres]] target matches target = {target:?}"
        )));
    }
    // A backup's age can only be asked of a target that says where its
    // backups are: the set is those.
    if metric == Some(PgMetric::BackupAge) {
        members.retain(|p| p.backup.is_some());
        if members.is_empty() {
            return Ok(Outcome::not_applicable(&format!(
                "no [[postgres]] matching target = {target:?} has a backup configured"
            )));
        }
    }
    let want = &want;
    let results = futures::future::join_all(members.iter().map(|cfg| async move {
        let r = one(cfg, metric, query, want, timeout).await;
        (cfg.name.as_str(), r.unwrap_or_else(Outcome::failed))
    }))
    .await;
    Ok(Outcome::of_members_joined("target", &results))
}

/// One target.
async fn one(
    cfg: &PostgresConfig,
    metric: Option<PgMetric>,
    query: Option<&str>,
    want: &Want,
    timeout: Duration,
) -> Result<Outcome, String> {
    let target = cfg.name.as_str();
    match (metric, query) {
        (Some(m), None) => {
            // One poll, exactly as the Database pane gets it.
            let summary = PgPoller::new(cfg).poll().await?;
            metric_outcome(&summary, m, want, target)
        }
        (None, Some(sql)) => {
            let value = read_only_value(cfg, sql, timeout).await?;
            Ok(query_outcome(value, want, sql, target))
        }
        _ => Err("a postgres check needs either metric or query".into()),
    }
}

/// The metric's value, its unit as written after the number ("s longest
/// query", " connections"), and a line of context.
fn metric_value(s: &PgSummary, m: PgMetric) -> Result<(f64, String, String), String> {
    let now = chrono::Utc::now();
    Ok(match m {
        PgMetric::Connections => (
            s.connections as f64,
            " connections".into(),
            format!(
                "{} connections of max_connections {} ({} active, {} idle, {} idle in transaction)",
                s.connections, s.max_connections, s.active, s.idle, s.idle_in_transaction
            ),
        ),
        PgMetric::LongestQuery => {
            let v = s.longest_query_secs.unwrap_or(0.0);
            (v, "s longest query".into(), format!("longest running query {v:.1}s"))
        }
        PgMetric::ReplicationLag => {
            let v = s.worst_lag_secs();
            let context = match v {
                Some(v) => format!("worst replication lag {v:.1}s ({})", s.role()),
                None => format!("no replication lag known ({}, {} replicas)", s.role(), s.replicas.len()),
            };
            (v.unwrap_or(0.0), "s replication lag".into(), context)
        }
        PgMetric::CacheHit => {
            let v = s
                .cache_hit_pct
                .ok_or("cache hit ratio not known yet: no block has been read")?;
            (v, "% cache hit".into(), format!("buffer cache hit ratio {v:.2}%"))
        }
        PgMetric::BackupAge => {
            let b = s.backup.as_ref().ok_or(
                "no backup configured for this target: add backup = { newest_file = ... } to its [[postgres]]",
            )?;
            if let Some(e) = &b.error {
                return Err(format!("backup: {e}"));
            }
            let age = b.age_secs(now).ok_or("backup: no backup time known")?;
            (
                age as f64,
                "s since the last backup".into(),
                format!("newest backup {} ({:?}), {age}s old", b.source, b.checksum),
            )
        }
    })
}

fn metric_outcome(s: &PgSummary, m: PgMetric, want: &Want, target: &str) -> Result<Outcome, String> {
    let (value, unit, context) = metric_value(s, m)?;
    let shown = format!("{}{unit}", number(value));
    let evidence = format!("postgres {target}: PostgreSQL {} ({}), {context}", s.version, s.role());
    Ok(match out_of_bounds(value, want.max, want.min) {
        None => Outcome::new(true, format!("{shown}{}", bounds_note(want.max, want.min)), evidence),
        Some(broken) => Outcome::new(false, format!("{shown}, {broken}"), evidence),
    })
}

fn query_outcome(
    value: Option<crate::backends::postgres::value::PgValue>,
    want: &Want,
    sql: &str,
    target: &str,
) -> Outcome {
    let flat_sql: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let Some(v) = value else {
        return Outcome::new(
            false,
            "the query returned no row",
            format!("postgres {target}: {flat_sql}\n(no row)"),
        );
    };
    let evidence = format!("postgres {target}: {flat_sql}\n{} ({})", v.text, v.type_name);
    let mut problems = Vec::new();
    if let Some(expected) = &want.equals {
        if v.text.trim() != expected.trim() {
            problems.push(format!("expected {expected:?}"));
        }
    }
    if want.max.is_some() || want.min.is_some() {
        match v.number {
            Some(n) => problems.extend(out_of_bounds(n, want.max, want.min)),
            None => problems.push("not a number, cannot compare with max/min".into()),
        }
    }
    let shown = format!("value {}", v.text);
    if problems.is_empty() {
        Outcome::new(true, format!("{shown}{}", bounds_note(want.max, want.min)), evidence)
    } else {
        Outcome::new(false, format!("{shown}: {}", problems.join(", ")), evidence)
    }
}
