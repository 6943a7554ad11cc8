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

/// How long an unsent claim is its holder's: longer than every attempt
/// with its backoff and timeout (`runtime::escalation`), so a live holder
/// is never overtaken.
pub const CLAIM_ABANDONED: chrono::Duration = chrono::Duration::minutes(10);

/// What claiming a level for an alert came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This process has it now: send.
    Taken,
    /// Sent, or given up after every attempt: nothing more to do.
    Settled,
    /// Another process has it and has not sent it yet: ask again later,
    /// in case that process is gone.
    Elsewhere,
}

impl Store {
    /// Take `key` on. A claim
    /// another process left unsent — killed mid-retry — is taken over once
    /// it is older than `CLAIM_ABANDONED` and had attempts left: a page
    /// sent twice is better than a page never sent (PagerDuty folds the
    /// second into the first by its dedup key).
    pub async fn escalation_claim(
        &self,
        key: &Key,
        alertname: &str,
        severity: &str,
        now: DateTime<Utc>,
        max_attempts: i64,
    ) -> Result<Claim, StoreError> {
        let abandoned = now - CLAIM_ABANDONED;
        let done = sqlx::query(
            "INSERT INTO alert_escalations \
             (source, fingerprint, starts_at, level, alertname, severity, holder, claimed_at, attempts) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0) \
             ON CONFLICT (source, fingerprint, starts_at, level) DO UPDATE \
             SET holder = excluded.holder, claimed_at = excluded.claimed_at, attempts = 0 \
             WHERE alert_escalations.sent_at IS NULL AND alert_escalations.holder <> excluded.holder \
             AND alert_escalations.claimed_at < $9 AND alert_escalations.attempts < $10",
        )
        .bind(&key.source)
        .bind(&key.fingerprint)
        .bind(ts(key.starts_at))
        .bind(&key.level)
        .bind(alertname)
        .bind(severity)
        .bind(self.instance())
        .bind(ts(now))
        .bind(ts(abandoned))
        .bind(max_attempts)
        .execute(self.pool())
        .await
        .at(self)?;
        if done.rows_affected() == 1 {
            return Ok(Claim::Taken);
        }
        let (sent_at, attempts): (Option<String>, i64) = sqlx::query_as(
            "SELECT sent_at, attempts FROM alert_escalations \
             WHERE source = $1 AND fingerprint = $2 AND starts_at = $3 AND level = $4",
        )
        .bind(&key.source)
        .bind(&key.fingerprint)
        .bind(ts(key.starts_at))
        .bind(&key.level)
        .fetch_one(self.pool())
        .await
        .at(self)?;
        Ok(if sent_at.is_some() || attempts >= max_attempts {
            Claim::Settled
        } else {
            Claim::Elsewhere
        })
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
            assert!(
                store
                    .escalation_claim(&key, "HighErrorRate", "critical", t, 8)
                    .await
                    .expect("claim")
                    == Claim::Taken
            );
            assert_eq!(
                store
                    .escalation_claim(&key, "HighErrorRate", "critical", t, 8)
                    .await
                    .expect("again"),
                Claim::Elsewhere
            );
            store
                .escalation_attempt(&key, 1, None, Some("HTTP 500"))
                .await
                .expect("attempt");
        }
        // Another process on the same file: claimed already, unsent, and
        // not yet abandoned.
        let store = Store::open(&path).await.expect("reopen");
        assert_eq!(
            store
                .escalation_claim(&key, "HighErrorRate", "critical", t, 8)
                .await
                .expect("claim"),
            Claim::Elsewhere
        );
        let later = t + chrono::Duration::seconds(2);
        store
            .escalation_attempt(&key, 2, Some(later), None)
            .await
            .expect("sent");
        let l2 = Key {
            level: "L2".into(),
            ..key.clone()
        };
        assert_eq!(
            store
                .escalation_claim(&key, "HighErrorRate", "critical", later + CLAIM_ABANDONED, 8)
                .await
                .expect("sent"),
            Claim::Settled
        );
        assert_eq!(
            store
                .escalation_claim(&l2, "HighErrorRate", "critical", later, 8)
                .await
                .expect("L2"),
            Claim::Taken
        );
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

    #[tokio::test]
    async fn a_claim_left_unsent_by_a_process_that_died_is_taken_over_once_abandoned() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.db");
        let t = "2026-12-07T03:00:00Z".parse::<DateTime<Utc>>().expect("time");
        let key = Key {
            source: "am".into(),
            fingerprint: "def".into(),
            starts_at: t,
            level: "L1".into(),
        };
        let first = Store::open(&path).await.expect("open");
        assert_eq!(
            first
                .escalation_claim(&key, "Down", "critical", t, 8)
                .await
                .expect("claim"),
            Claim::Taken
        );
        first
            .escalation_attempt(&key, 1, None, Some("timed out"))
            .await
            .expect("attempt");
        drop(first);
        let second = Store::open(&path).await.expect("reopen");
        let soon = t + CLAIM_ABANDONED - chrono::Duration::seconds(1);
        assert_eq!(
            second
                .escalation_claim(&key, "Down", "critical", soon, 8)
                .await
                .expect("soon"),
            Claim::Elsewhere
        );
        let late = t + CLAIM_ABANDONED + chrono::Duration::seconds(1);
        assert_eq!(
            second
                .escalation_claim(&key, "Down", "critical", late, 8)
                .await
                .expect("late"),
            Claim::Taken
        );
        // Now this process's: not taken twice.
        assert_eq!(
            second
                .escalation_claim(&key, "Down", "critical", late, 8)
                .await
                .expect("again"),
            Claim::Elsewhere
        );
        let all = second.escalations_since(t).await.expect("list");
        assert_eq!((all.len(), all[0].attempts, all[0].claimed_at), (1, 0, late));
        // Given up after every attempt: settled, never taken over.
        second
            .escalation_attempt(&key, 8, None, Some("HTTP 500"))
            .await
            .expect("attempt");
        let third = Store::open(&path).await.expect("third");
        let later = late + CLAIM_ABANDONED * 2;
        assert_eq!(
            third
                .escalation_claim(&key, "Down", "critical", later, 8)
                .await
                .expect("done"),
            Claim::Settled
        );
    }
}
