//! Escalations: which level was notified for which alert, claimed before
//! the first attempt so that it is sent once per store, whoever records.

use super::{parse_ts, ts, At, Store, StoreError};
pub use crate::model::escalation::{EscalationRecord, Key};
use chrono::{DateTime, Utc};

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    Option<String>,
);

const COLUMNS: &str =
    "source, fingerprint, starts_at, level, alertname, severity, claimed_at, sent_at, attempts, last_error";

impl Store {
    /// Take `key` on: true when this process claimed it now, false when
    /// someone (this process earlier, another recorder, a run before a
    /// restart) already had.
    pub async fn escalation_claim(
        &self,
        key: &Key,
        alertname: &str,
        severity: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO alert_escalations \
             (source, fingerprint, starts_at, level, alertname, severity, holder, claimed_at, attempts) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0) \
             ON CONFLICT (source, fingerprint, starts_at, level) DO NOTHING",
        )
        .bind(&key.source)
        .bind(&key.fingerprint)
        .bind(ts(key.starts_at))
        .bind(&key.level)
        .bind(alertname)
        .bind(severity)
        .bind(self.instance())
        .bind(ts(now))
        .execute(self.pool())
        .await
        .at(self)?;
        Ok(done.rows_affected() == 1)
    }

    /// One attempt's outcome: `sent` set when the destination accepted it,
    /// else the failure in plain words.
    pub async fn escalation_attempt(
        &self,
        key: &Key,
        attempt: i64,
        sent: Option<DateTime<Utc>>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE alert_escalations SET attempts = $1, sent_at = $2, last_error = $3 \
             WHERE source = $4 AND fingerprint = $5 AND starts_at = $6 AND level = $7",
        )
        .bind(attempt)
        .bind(sent.map(ts))
        .bind(error)
        .bind(&key.source)
        .bind(&key.fingerprint)
        .bind(ts(key.starts_at))
        .bind(&key.level)
        .execute(self.pool())
        .await
        .at(self)?;
        Ok(())
    }

    /// Escalations claimed since `since`, oldest first.
    pub async fn escalations_since(&self, since: DateTime<Utc>) -> Result<Vec<EscalationRecord>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM alert_escalations WHERE claimed_at >= $1 ORDER BY id"
        ))
        .bind(ts(since))
        .fetch_all(self.pool())
        .await
        .at(self)?;
        rows.into_iter()
            .map(
                |(
                    source,
                    fingerprint,
                    starts_at,
                    level,
                    alertname,
                    severity,
                    claimed_at,
                    sent_at,
                    attempts,
                    last_error,
                )| {
                    // Read back as outside text (see `super::text`).
                    let line = crate::text::clean::lines;
                    Ok(EscalationRecord {
                        key: Key {
                            source: line(source),
                            fingerprint: line(fingerprint),
                            starts_at: parse_ts("alert_escalations", &starts_at)?,
                            level: line(level),
                        },
                        alertname: line(alertname),
                        severity: line(severity),
                        claimed_at: parse_ts("alert_escalations", &claimed_at)?,
                        sent_at: sent_at.map(|s| parse_ts("alert_escalations", &s)).transpose()?,
                        attempts,
                        last_error: last_error.map(line),
                    })
                },
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_level_is_claimed_once_across_processes_and_its_outcome_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.db");
        let t = "2026-12-07T03:00:00.5Z".parse::<DateTime<Utc>>().expect("time");
        let key = Key {
            source: "am".into(),
            fingerprint: "abc".into(),
            starts_at: t,
            level: "L1".into(),
        };
        {
            let store = Store::open(&path).await.expect("open");
            assert!(store
                .escalation_claim(&key, "HighErrorRate", "critical", t)
                .await
                .expect("claim"));
            assert!(!store
                .escalation_claim(&key, "HighErrorRate", "critical", t)
                .await
                .expect("again"));
            store
                .escalation_attempt(&key, 1, None, Some("HTTP 500"))
                .await
                .expect("attempt");
        }
        // Another process on the same file: claimed already.
        let store = Store::open(&path).await.expect("reopen");
        assert!(!store
            .escalation_claim(&key, "HighErrorRate", "critical", t)
            .await
            .expect("claim"));
        let later = t + chrono::Duration::seconds(2);
        store
            .escalation_attempt(&key, 2, Some(later), None)
            .await
            .expect("sent");
        let l2 = Key {
            level: "L2".into(),
            ..key.clone()
        };
        assert!(store
            .escalation_claim(&l2, "HighErrorRate", "critical", later)
            .await
            .expect("L2"));
        let all = store.escalations_since(t).await.expect("list");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].key, key);
        assert_eq!(all[0].sent_at, Some(later));
        assert_eq!((all[0].attempts, all[0].last_error.as_deref()), (2, None));
        assert_eq!((all[1].key.level.as_str(), all[1].sent_at), ("L2", None));
        assert!(store
            .escalations_since(later + chrono::Duration::seconds(1))
            .await
            .expect("none")
            .is_empty());
    }
}
