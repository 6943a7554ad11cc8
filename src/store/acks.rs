//! Alert acknowledgements: the record of who took which alert, and until when.

use super::{Store, StoreError};
use chrono::{DateTime, SecondsFormat, Utc};

/// One text form, so that times compare as text in SQL.
fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckRecord {
    /// "opsdeck" for opsdeck's own alerts, else the Alertmanager's name.
    pub source: String,
    pub fingerprint: String,
    pub alertname: String,
    pub operator: String,
    pub comment: String,
    pub acked_at: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub silence_id: Option<String>,
}

impl AckRecord {
    pub fn holds(&self, now: DateTime<Utc>) -> bool {
        self.until > now
    }
}

type Row = (String, String, String, String, String, String, String, Option<String>);

fn parse_time(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Db(format!("alert_acks: bad time {s:?}: {e}")))
}

impl Store {
    /// Record an acknowledgement; returns once it is on disk.
    pub async fn add_ack(&self, ack: &AckRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO alert_acks (source, fingerprint, alertname, operator, comment, acked_at, until, silence_id) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&ack.source)
        .bind(&ack.fingerprint)
        .bind(&ack.alertname)
        .bind(&ack.operator)
        .bind(&ack.comment)
        .bind(ts(ack.acked_at))
        .bind(ts(ack.until))
        .bind(&ack.silence_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Acknowledgements made since `since`, oldest first: the history shown
    /// with an alert, and the acks of opsdeck's own alerts still holding.
    pub async fn acks_since(&self, since: DateTime<Utc>) -> Result<Vec<AckRecord>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT source, fingerprint, alertname, operator, comment, acked_at, until, silence_id \
             FROM alert_acks WHERE until >= ? OR acked_at >= ? ORDER BY id",
        )
        .bind(ts(since))
        .bind(ts(since))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(
                |(source, fingerprint, alertname, operator, comment, acked_at, until, silence_id)| {
                    Ok(AckRecord {
                        source,
                        fingerprint,
                        alertname,
                        operator,
                        comment,
                        acked_at: parse_time(&acked_at)?,
                        until: parse_time(&until)?,
                        silence_id,
                    })
                },
            )
            .collect()
    }

    /// End the acknowledgements of one alert that still hold; how many ended.
    pub async fn end_ack(&self, source: &str, fingerprint: &str, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query("UPDATE alert_acks SET until = ? WHERE source = ? AND fingerprint = ? AND until > ?")
            .bind(ts(now))
            .bind(source)
            .bind(fingerprint)
            .bind(ts(now))
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
