//! The chain's head, read and watched, and whether the log still holds a
//! head published earlier (a checkpoint): what ties the log to its
//! witnesses.

use super::audit::{AuditEntry, Head, GENESIS_HASH};
use super::{At, Store, StoreError};

impl Store {
    /// The newest entry's head; `0:000…` (the genesis) for an empty log.
    pub async fn newest_head(&self) -> Result<Head, StoreError> {
        let head: Option<(i64, String)> = sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(self.pool())
            .await
            .at(self)?;
        let (seq, hash) = head.unwrap_or((0, GENESIS_HASH.to_string()));
        Ok(Head {
            seq,
            hash: crate::text::clean::line(hash),
        })
    }

    /// The head after each entry this process appends, from any task.
    pub fn watch_head(&self) -> tokio::sync::watch::Receiver<Option<Head>> {
        self.heads.subscribe()
    }

    pub(super) fn head_moved(&self, entry: &AuditEntry) {
        self.heads.send_replace(Some(Head {
            seq: entry.seq,
            hash: entry.hash.clone(),
        }));
    }
}

/// The first of `heads` (by sequence) that the log does not hold: no row
/// with its number, or one with another hash. The genesis (`0:000…`) is
/// held by every log.
pub(super) async fn first_missing(
    store: &Store,
    conn: &mut sqlx::AnyConnection,
    heads: &[Head],
) -> Result<Option<Head>, StoreError> {
    let mut wanted: Vec<&Head> = heads.iter().collect();
    wanted.sort_by_key(|h| h.seq);
    wanted.dedup();
    for head in wanted {
        if head.seq == 0 && head.hash == GENESIS_HASH {
            continue;
        }
        let hash: Option<String> = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(head.seq)
            .fetch_optional(&mut *conn)
            .await
            .at(store)?;
        if hash.as_deref() != Some(head.hash.as_str()) {
            return Ok(Some(head.clone()));
        }
    }
    Ok(None)
}
