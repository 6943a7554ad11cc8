//! Prometheus, read through its HTTP API: targets up or down per job with
//! the last scrape's error, rules that fail to evaluate, the TSDB head's
//! series, and the named queries' values with a sparkline of their last
//! hour. Only GETs: opsdeck never writes to Prometheus.

pub mod api;

use crate::config::{PromQueryConfig, PrometheusConfig};
use crate::model::prometheus::{PromSummary, QueryValue};
use api::Api;

/// A sparkline's step and length: a point a minute over the last hour.
pub const STEP_SECS: i64 = 60;
pub const SPARK_POINTS: usize = 60;

pub struct PrometheusPoller {
    cfg: PrometheusConfig,
    client: Result<reqwest::Client, String>,
    /// The minute the sparklines were last read in: a range query is asked
    /// once a minute, not every poll (the points only move by the minute).
    spark_minute: Option<i64>,
    sparks: Vec<Vec<Option<f64>>>,
    range_reads: u64,
}

impl PrometheusPoller {
    pub fn new(cfg: &PrometheusConfig) -> Self {
        Self {
            cfg: cfg.clone(),
            client: crate::backends::http_client(cfg.timeout),
            spark_minute: None,
            sparks: vec![Vec::new(); cfg.queries.len()],
            range_reads: 0,
        }
    }

    /// How many times the sparklines were read (for tests of the once-a-minute rule).
    pub fn range_reads(&self) -> u64 {
        self.range_reads
    }

    pub async fn poll(&mut self) -> Result<PromSummary, String> {
        let client = self.client.as_ref().map_err(Clone::clone)?;
        let api = Api::new(&self.cfg, client)?;
        let now = chrono::Utc::now().timestamp();
        let minute = now.div_euclid(STEP_SECS);
        let fresh_minute = self.spark_minute != Some(minute);
        let values = futures::future::join_all(self.cfg.queries.iter().map(|q| api.query(&q.expr)));
        let ranges = futures::future::join_all(
            self.cfg
                .queries
                .iter()
                .filter(|_| fresh_minute)
                .map(|q| spark(&api, &q.expr, now)),
        );
        let (targets, rules, head, values, ranges) =
            tokio::join!(api.targets(), api.failing_rules(), api.head_series(), values, ranges);
        // Targets and rules are what the server is watched for: without
        // them it is down. The head's size is a detail.
        let targets = targets?;
        let failing_rules = rules?;
        if fresh_minute {
            self.range_reads += 1;
            self.spark_minute = Some(minute);
            for (kept, read) in self.sparks.iter_mut().zip(ranges) {
                // A failed range keeps the last hour it had.
                if let Ok(points) = read {
                    *kept = points;
                }
            }
        }
        let queries = self
            .cfg
            .queries
            .iter()
            .zip(values)
            .zip(&self.sparks)
            .map(|((q, result), spark)| value_of(q, result, spark.clone()))
            .collect();
        Ok(PromSummary {
            targets,
            failing_rules,
            head_series: head.ok(),
            queries,
        })
    }
}

fn value_of(
    q: &PromQueryConfig,
    result: Result<Vec<crate::model::prometheus::PromSample>, String>,
    spark: Vec<Option<f64>>,
) -> QueryValue {
    QueryValue {
        name: q.name.clone(),
        unit: q.unit.clone(),
        warn: q.warn,
        crit: q.crit,
        below: q.below,
        result,
        spark,
    }
}

/// The last hour of the first series (sorted by labels), a slot a minute
/// ending now; a minute without a point is `None`.
async fn spark(api: &Api<'_>, expr: &str, now: i64) -> Result<Vec<Option<f64>>, String> {
    let start = now - STEP_SECS * (SPARK_POINTS as i64 - 1);
    let series = api.query_range(expr, start, now, STEP_SECS).await?;
    Ok(slots(
        series.first().map(|(_, p)| p.as_slice()).unwrap_or_default(),
        start,
    ))
}

/// Points placed in their minute's slot from `start`.
pub fn slots(points: &[(f64, f64)], start: i64) -> Vec<Option<f64>> {
    let mut out = vec![None; SPARK_POINTS];
    for (t, v) in points {
        let i = ((*t as i64 - start) as f64 / STEP_SECS as f64).round();
        if (0.0..SPARK_POINTS as f64).contains(&i) && v.is_finite() {
            out[i as usize] = Some(*v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_land_in_their_minute() {
        let s = slots(
            &[(1000.0, 1.0), (1060.0, 2.0), (1000.0 + 59.0 * 60.0, 3.0), (5000.0, 9.0)],
            1000,
        );
        assert_eq!(s.len(), SPARK_POINTS);
        assert_eq!((s[0], s[1], s[2], s[59]), (Some(1.0), Some(2.0), None, Some(3.0)));
    }
}
