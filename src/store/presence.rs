//! Presence: who else has this store open right now, and on what. Each
//! opsdeck refreshes its own row every `HEARTBEAT`; a row older than
//! `GONE_AFTER` is a process that died without saying goodbye.

use super::{parse_ts, ts, At, Store, StoreError};
use crate::model::identity::Identity;
pub use crate::model::team::{campaign_subject, session_subject, Presence, GONE_AFTER, HEARTBEAT};
use chrono::{DateTime, Utc};

impl Store {
    /// Say this opsdeck is here, with what it has open; also the heartbeat,
    /// which clears rows long gone on the way.
    pub async fn announce(&self, who: &Identity, subject: Option<&str>, now: DateTime<Utc>) -> Result<(), StoreError> {
        // A day-old row is a crash's leftover: nobody needs it.
        sqlx::query("DELETE FROM presence WHERE seen_at < $1")
            .bind(ts(now - chrono::Duration::days(1)))
            .execute(self.pool())
            .await
            .at(self)?;
        sqlx::query(
            "INSERT INTO presence (instance, operator, host, subject, seen_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT(instance) DO UPDATE SET operator = excluded.operator, host = excluded.host, \
             subject = excluded.subject, seen_at = excluded.seen_at",
        )
        .bind(self.instance())
        .bind(&who.operator)
        .bind(&who.host)
        .bind(subject)
        .bind(ts(now))
        .execute(self.pool())
        .await
        .at(self)?;
        Ok(())
    }

    /// Every other opsdeck seen within `GONE_AFTER` of `now`.
    pub async fn others_present(&self, now: DateTime<Utc>) -> Result<Vec<Presence>, StoreError> {
        let since = now - chrono::Duration::from_std(GONE_AFTER).unwrap_or_default();
        let rows: Vec<(String, String, String, Option<String>, String)> = sqlx::query_as(
            "SELECT instance, operator, host, subject, seen_at FROM presence \
             WHERE seen_at >= $1 AND instance <> $2 ORDER BY operator, host, instance",
        )
        .bind(ts(since))
        .bind(self.instance())
        .fetch_all(self.pool())
        .await
        .at(self)?;
        Ok(rows
            .into_iter()
            .filter_map(|(instance, operator, host, subject, seen)| {
                let seen_at = parse_ts("presence", &seen).ok()?;
                // Another opsdeck's words: drawn with no control character.
                let line = crate::text::clean::lines;
                Some(Presence {
                    instance: line(instance),
                    operator: line(operator),
                    host: line(host),
                    subject: subject.map(line),
                    seen_at,
                })
            })
            .collect())
    }

    /// This opsdeck is leaving.
    pub async fn leave(&self) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM presence WHERE instance = $1")
            .bind(self.instance())
            .execute(self.pool())
            .await
            .at(self)?;
        Ok(())
    }
}
