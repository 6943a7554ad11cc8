//! Who records: one process per store, named in a lease row that it renews
//! before it expires. `opsdeck record` takes the lease from a console (a
//! headless recorder is the one meant to keep history); a console takes it
//! only while nobody holds it; anyone takes a lease that expired (its
//! holder died).

use super::super::{parse_ts, ts, At, Store, StoreError};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `opsdeck record`.
    Record,
    /// A console, recording while no recorder runs.
    Console,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Record => "record",
            Role::Console => "console",
        }
    }
}

/// The lease as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub holder: String,
    pub role: String,
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Take or renew the lease until `now + ttl` if `role` may; the lease
    /// as it stands afterwards (held by this process or not).
    pub async fn history_lease(
        &self,
        role: Role,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> Result<Lease, StoreError> {
        let mut w = self.begin_write().await?;
        let body = async {
            w.serialize("history_lease").await?;
            let row: Option<(String, String, String)> =
                sqlx::query_as("SELECT holder, role, expires_at FROM history_lease WHERE id = 1")
                    .fetch_optional(w.conn())
                    .await
                    .at(self)?;
            let current = match row {
                Some((holder, r, expires)) => Some(Lease {
                    holder,
                    role: r,
                    expires_at: parse_ts("history_lease", &expires)?,
                }),
                None => None,
            };
            let takeable = |l: &Lease| {
                l.holder == self.instance()
                    || l.expires_at <= now
                    || (role == Role::Record && l.role == Role::Console.as_str())
            };
            if let Some(held) = current.filter(|l| !takeable(l)) {
                return Ok(held);
            }
            let lease = Lease {
                holder: self.instance().to_string(),
                role: role.as_str().to_string(),
                expires_at: now + ttl,
            };
            sqlx::query(
                "INSERT INTO history_lease (id, holder, role, expires_at) VALUES (1, $1, $2, $3) \
                 ON CONFLICT(id) DO UPDATE SET holder = excluded.holder, role = excluded.role, \
                 expires_at = excluded.expires_at",
            )
            .bind(&lease.holder)
            .bind(&lease.role)
            .bind(ts(lease.expires_at))
            .execute(w.conn())
            .await
            .at(self)?;
            Ok(lease)
        }
        .await;
        w.finish(body).await
    }

    /// Give the lease up, if this process holds it: a standby takes over at
    /// once instead of waiting for it to expire.
    pub async fn history_release(&self) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM history_lease WHERE id = 1 AND holder = $1")
            .bind(self.instance())
            .execute(self.pool())
            .await
            .at(self)?;
        Ok(())
    }
}

impl Lease {
    /// Whether `store`'s process holds it.
    pub fn held_by(&self, store: &Store) -> bool {
        self.holder == store.instance()
    }
}
