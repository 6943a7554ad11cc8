//! Alert acknowledgements: the record of who took which alert, and until when.

use super::{parse_ts, ts, At, Store, StoreError};
pub use crate::model::acks::AckRecord;
use chrono::{DateTime, Utc};

type Row = (String, String, String, String, String, String, String, Option<String>);

impl Store {
    /// Record an acknowledgement; returns once it is on disk.
    pub async fn add_ack(&self, ack: &AckRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO alert_acks (source, fingerprint, alertname, operator, comment, acked_at, until, silence_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
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
        .await
        .at(self)?;
        Ok(())
    }

    /// Acknowledgements made since `since`, oldest first: the history shown
    /// with an alert, and the acks of opsdeck's own alerts still holding.
    pub async fn acks_since(&self, since: DateTime<Utc>) -> Result<Vec<AckRecord>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT source, fingerprint, alertname, operator, comment, acked_at, until, silence_id \
             FROM alert_acks WHERE until >= $1 OR acked_at >= $2 ORDER BY id",
        )
        .bind(ts(since))
        .bind(ts(since))
        .fetch_all(self.pool())
        .await
        .at(self)?;
        rows.into_iter()
            .map(
                |(source, fingerprint, alertname, operator, comment, acked_at, until, silence_id)| {
                    // Read back as outside text: no control character kept
                    // but line breaks (see `super::text`).
                    let line = crate::text::clean::lines;
                    Ok(AckRecord {
                        source: line(source),
                        fingerprint: line(fingerprint),
                        alertname: line(alertname),
                        operator: line(operator),
                        comment: line(comment),
                        acked_at: parse_ts("alert_acks", &acked_at)?,
                        until: parse_ts("alert_acks", &until)?,
                        silence_id: silence_id.map(line),
                    })
                },
            )
            .collect()
    }

    /// End the acknowledgements of one alert that still hold; how many ended.
    pub async fn end_ack(&self, source: &str, fingerprint: &str, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let done =
            sqlx::query("UPDATE alert_acks SET until = $1 WHERE source = $2 AND fingerprint = $3 AND until > $4")
                .bind(ts(now))
                .bind(source)
                .bind(fingerprint)
                .bind(ts(now))
                .execute(self.pool())
                .await
                .at(self)?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ack(fingerprint: &str, at: DateTime<Utc>, minutes: i64) -> AckRecord {
        AckRecord {
            source: "opsdeck".into(),
            fingerprint: fingerprint.into(),
            alertname: "ContainerUnhealthy".into(),
            operator: "carol".into(),
            comment: "ack: it's o'brien's; DROP TABLE alert_acks;--".into(),
            acked_at: at,
            until: at + chrono::Duration::minutes(minutes),
            silence_id: None,
        }
    }

    #[tokio::test]
    async fn acks_outlive_the_process_and_end_when_asked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.db");
        let t = "2026-11-23T03:00:00.123456Z".parse::<DateTime<Utc>>().expect("time");
        {
            let store = Store::open(&path).await.expect("open");
            store.add_ack(&ack("opsdeck/a", t, 30)).await.expect("add");
            store
                .add_ack(&ack("opsdeck/old", t - chrono::Duration::days(30), 30))
                .await
                .expect("add");
        }
        // A new process: the same acks, the old one past the history window.
        let store = Store::open(&path).await.expect("reopen");
        let since = t - chrono::Duration::days(7);
        assert_eq!(
            store.acks_since(since).await.expect("list"),
            vec![ack("opsdeck/a", t, 30)]
        );
        assert_eq!(
            store
                .end_ack("opsdeck", "opsdeck/a", t + chrono::Duration::minutes(5))
                .await
                .expect("end"),
            1
        );
        assert_eq!(
            store
                .end_ack("opsdeck", "opsdeck/a", t + chrono::Duration::minutes(6))
                .await
                .expect("end"),
            0
        );
        let ended = store.acks_since(since).await.expect("list");
        assert!(!ended[0].holds(t + chrono::Duration::minutes(5)), "{ended:?}");
        assert!(ended[0].holds(t + chrono::Duration::minutes(4)));
    }
}
