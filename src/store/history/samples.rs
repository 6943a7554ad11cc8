//! Trend samples: one row a metric a minute (`model::trend::Minutes` picks
//! them), written by the flight recorder, read back by a console that
//! starts, pruned with the frames.

use super::super::{parse_ts, ts, At, Store, StoreError};
use crate::model::trend::Sample;
use chrono::{DateTime, Utc};

/// Rows an INSERT statement carries at most.
const ROWS_PER_INSERT: usize = 100;

impl Store {
    /// Store these samples, in one transaction.
    pub async fn history_samples_insert(&self, samples: &[Sample]) -> Result<(), StoreError> {
        if samples.is_empty() {
            return Ok(());
        }
        let mut w = self.begin_write().await?;
        let body = async {
            for chunk in samples.chunks(ROWS_PER_INSERT) {
                let rows: Vec<String> = (0..chunk.len())
                    .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                    .collect();
                let sql = format!(
                    "INSERT INTO history_samples (metric, at, value) VALUES {}",
                    rows.join(", ")
                );
                let mut q = sqlx::query(&sql);
                for s in chunk {
                    q = q.bind(s.metric.clone()).bind(ts(s.at)).bind(s.value);
                }
                q.execute(w.conn()).await.at(self)?;
            }
            Ok(())
        }
        .await;
        w.finish(body).await
    }

    /// Every sample from `since` to `until`, oldest first.
    pub async fn history_samples(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<Sample>, StoreError> {
        let rows: Vec<(String, String, f64)> =
            sqlx::query_as("SELECT metric, at, value FROM history_samples WHERE at >= $1 AND at <= $2 ORDER BY at, id")
                .bind(ts(since))
                .bind(ts(until))
                .fetch_all(self.pool())
                .await
                .at(self)?;
        rows.into_iter()
            .map(|(metric, at, value)| {
                Ok(Sample {
                    metric: crate::text::clean::line(metric),
                    at: parse_ts("history_samples", &at)?,
                    value,
                })
            })
            .collect()
    }

    /// Delete at most `batch` of the oldest samples from before `before`;
    /// how many went.
    pub(super) async fn history_samples_prune(&self, before: DateTime<Utc>, batch: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM history_samples WHERE id IN \
             (SELECT id FROM history_samples WHERE at < $1 ORDER BY at, id LIMIT $2)",
        )
        .bind(ts(before))
        .bind(batch)
        .execute(self.pool())
        .await
        .at(self)?;
        Ok(done.rows_affected())
    }
}
