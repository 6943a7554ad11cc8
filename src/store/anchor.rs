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

/// In team mode, each opsdeck keeps the newest head it saw of each team
/// store in its own data directory, out of the server's reach: a log
/// rewritten on the server no longer holds it, and the next start says so.
pub fn seen_heads_file() -> Option<std::path::PathBuf> {
    crate::config::default_state_path().map(|p| p.with_file_name("team-audit-heads.json"))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Seen {
    head: String,
    at: String,
}

fn read_seen(file: &std::path::Path) -> std::collections::BTreeMap<String, Seen> {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

impl Store {
    /// Team mode: the warning when the server's log no longer holds the
    /// head this opsdeck saw last (kept in `file`). When it holds it (or
    /// none was kept), the newest head is kept instead; after a warning the
    /// old one stays, so each start says it again until someone looks.
    pub async fn check_seen_head(&self, file: &std::path::Path) -> Result<Option<String>, StoreError> {
        let server = self.location().shown();
        if let Some(seen) = read_seen(file).remove(&server) {
            if let Ok(head) = Head::parse(&seen.head) {
                let hash: Option<String> = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
                    .bind(head.seq)
                    .fetch_optional(self.pool())
                    .await
                    .at(self)?;
                if head.seq > 0 && hash.as_deref() != Some(head.hash.as_str()) {
                    // What matters first: a footer shows the start of it.
                    // The file is outside text like any other: cleaned.
                    return Ok(Some(crate::text::clean::line(format!(
                        "audit log REWRITTEN on the team store: it no longer contains head {} that this opsdeck \
                         saw at {} ({server}; opsdeck audit verify --head {head})",
                        head.short(),
                        seen.at
                    ))));
                }
            }
        }
        self.remember_head(file).await?;
        Ok(None)
    }

    /// Keep the newest head in `file` as the one this opsdeck saw last.
    pub async fn remember_head(&self, file: &std::path::Path) -> Result<(), StoreError> {
        let head = self.newest_head().await?;
        let mut all = read_seen(file);
        all.insert(
            self.location().shown(),
            Seen {
                head: head.to_string(),
                at: chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            },
        );
        let text = serde_json::to_string_pretty(&all).map_err(|e| StoreError::Db(e.to_string()))?;
        // Written aside and renamed: a crash leaves the old file or the new.
        let tmp = file.with_extension("json.tmp");
        let written = file
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|_| std::fs::write(&tmp, text))
            .and_then(|_| std::fs::rename(&tmp, file));
        written.map_err(|e| StoreError::Db(format!("cannot keep the audit head in {}: {e}", file.display())))
    }
}
