//! Every alert seen, one row per episode: first seen, last seen, and
//! resolved (the first poll that found it gone from every member of its
//! source), with its severity and labels as the screen showed them.

use super::super::{from_json, insert_sql, parse_ts, text, ts, At, Store, StoreError};
use crate::model::acks::AckRecord;
use crate::model::alerts::AlertRow;
use chrono::{DateTime, Utc};
use sqlx::Row;
use std::collections::HashSet;

pub use crate::model::alerts::{AlertEpisode, EpisodeAck};

/// Resolved episodes the pane reads at most.
pub const RESOLVED_MAX: usize = 5_000;

pub(super) const SEEN_SQL: &str = "INSERT INTO history_alert_sources (source, seen_at) VALUES ($1, $2) \
     ON CONFLICT(source) DO UPDATE SET seen_at = excluded.seen_at";

/// Rows per INSERT: seven parameters each, well under SQLite's limit.
const INSERT_BATCH: usize = 500;

impl Store {
    /// The fingerprints of `source` that fire as recorded, and when the
    /// source last answered.
    pub async fn history_alerts_firing(
        &self,
        source: &str,
    ) -> Result<(HashSet<String>, Option<DateTime<Utc>>), StoreError> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT fingerprint FROM history_alerts WHERE source = $1 AND resolved_at IS NULL")
                .bind(source)
                .fetch_all(self.pool())
                .await
                .at(self)?;
        let seen: Option<String> = sqlx::query_scalar("SELECT seen_at FROM history_alert_sources WHERE source = $1")
            .bind(source)
            .fetch_optional(self.pool())
            .await
            .at(self)?;
        let seen = seen.map(|s| parse_ts("history_alert_sources", &s)).transpose()?;
        Ok((rows.into_iter().collect(), seen))
    }

    /// `source` answered at `at` with the same alerts as before: every
    /// firing one was seen then. One row, however many fire.
    pub async fn history_alerts_seen(&self, source: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(SEEN_SQL)
            .bind(source)
            .bind(ts(at))
            .execute(self.pool())
            .await
            .at(self)?;
        Ok(())
    }

    /// A poll of `source` at `at` that changed its alerts: `gone` resolved
    /// (last seen at `before`, the source's previous answer), `new` begun,
    /// the rest seen again. One transaction.
    pub async fn history_alerts_update(
        &self,
        source: &str,
        at: DateTime<Utc>,
        before: Option<DateTime<Utc>>,
        new: &[&AlertRow],
        gone: &[String],
    ) -> Result<(), StoreError> {
        let last = ts(before.unwrap_or(at));
        let at = ts(at);
        let mut w = self.begin_write().await?;
        let body = async {
            for fp in gone {
                sqlx::query(
                    "UPDATE history_alerts SET resolved_at = $1, last_seen = $2 \
                     WHERE source = $3 AND fingerprint = $4 AND resolved_at IS NULL",
                )
                .bind(&at)
                .bind(&last)
                .bind(source)
                .bind(fp)
                .execute(w.conn())
                .await
                .at(self)?;
            }
            sqlx::query(SEEN_SQL)
                .bind(source)
                .bind(&at)
                .execute(w.conn())
                .await
                .at(self)?;
            let cols = [
                "source",
                "fingerprint",
                "alertname",
                "severity",
                "labels",
                "first_seen",
                "last_seen",
            ];
            for chunk in new.chunks(INSERT_BATCH) {
                let sql = insert_sql("history_alerts", &cols, chunk.len());
                let mut q = sqlx::query(&sql);
                for a in chunk {
                    let labels = serde_json::to_string(&a.labels).unwrap_or_else(|_| "{}".into());
                    q = q
                        .bind(source)
                        .bind(&a.fingerprint)
                        .bind(&a.name)
                        .bind(a.severity.label())
                        .bind(labels)
                        .bind(&at)
                        .bind(&at);
                }
                q.execute(w.conn()).await.at(self)?;
            }
            Ok(())
        }
        .await;
        w.finish(body).await
    }

    /// Every episode still firing or seen since `since`, oldest first, with
    /// the acknowledgements of its fingerprint made while it fired.
    pub async fn history_alerts(&self, since: DateTime<Utc>) -> Result<Vec<AlertEpisode>, StoreError> {
        self.episodes(
            "WHERE a.resolved_at IS NULL OR a.last_seen >= $1 ORDER BY a.first_seen, a.id",
            &[ts(since)],
            since,
        )
        .await
    }

    /// The episodes that ended between `from` and `to`, the latest first (at
    /// most `RESOLVED_MAX`): the Alerts pane's "resolved" list.
    pub async fn history_alerts_resolved(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AlertEpisode>, StoreError> {
        let sql = format!(
            "WHERE a.resolved_at >= $1 AND a.resolved_at <= $2 ORDER BY a.resolved_at DESC, a.id DESC LIMIT {RESOLVED_MAX}"
        );
        self.episodes(&sql, &[ts(from), ts(to)], from).await
    }

    /// Episodes chosen by `filter` (a WHERE clause and order over
    /// `history_alerts a`, its parameters `binds`), each with the
    /// acknowledgements of its fingerprint made while it fired (read from
    /// 30 days before `since`).
    async fn episodes(
        &self,
        filter: &str,
        binds: &[String],
        since: DateTime<Utc>,
    ) -> Result<Vec<AlertEpisode>, StoreError> {
        let sql = format!(
            "SELECT a.source, a.fingerprint, a.alertname, a.severity, a.labels, a.first_seen, a.last_seen, \
             a.resolved_at, s.seen_at FROM history_alerts a LEFT JOIN history_alert_sources s ON s.source = a.source {filter}"
        );
        let mut query = sqlx::query(&sql);
        for b in binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(self.pool()).await.at(self)?;
        let acks = self
            .acks_since(since - chrono::Duration::days(30))
            .await
            .unwrap_or_default();
        rows.iter()
            .map(|r| {
                let first_seen = parse_ts("history_alerts", &text(r, "first_seen")?)?;
                let resolved_at = r
                    .try_get::<Option<String>, _>("resolved_at")?
                    .map(|t| parse_ts("history_alerts", &t))
                    .transpose()?;
                // Firing: seen at the source's last answer.
                let source_seen = match resolved_at {
                    None => r.try_get::<Option<String>, _>("seen_at")?,
                    Some(_) => None,
                };
                let last_seen = parse_ts("history_alerts", &text(r, "last_seen")?)?.max(
                    source_seen
                        .and_then(|t| parse_ts("history_alert_sources", &t).ok())
                        .unwrap_or_default(),
                );
                let fingerprint = text(r, "fingerprint")?;
                let end = resolved_at.unwrap_or(DateTime::<Utc>::MAX_UTC);
                Ok(AlertEpisode {
                    source: text(r, "source")?,
                    alertname: text(r, "alertname")?,
                    severity: text(r, "severity")?,
                    labels: from_json(&text(r, "labels")?).unwrap_or_default(),
                    first_seen,
                    last_seen,
                    resolved_at,
                    acks: acks
                        .iter()
                        .filter(|a| a.fingerprint == fingerprint && a.acked_at >= first_seen && a.acked_at <= end)
                        .map(episode_ack)
                        .collect(),
                    fingerprint,
                })
            })
            .collect::<Result<_, StoreError>>()
    }
}

fn episode_ack(a: &AckRecord) -> EpisodeAck {
    EpisodeAck {
        operator: a.operator.clone(),
        comment: a.comment.clone(),
        acked_at: a.acked_at,
        until: a.until,
    }
}
