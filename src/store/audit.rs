//! The audit log: append-only, hash-chained. Each row stores
//! `hash = sha256(prev_hash || canonical_bytes(row))`; verification recomputes
//! the chain and names the first row that was edited, removed or reordered.

use super::{At, Store, StoreError};
pub use crate::model::audit::{scrub_secrets, AuditEntry, AuditRecord, Outcome};
pub use crate::model::checkpoint::Head;
use crate::model::identity::Identity;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::Row;

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Result of `audit verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub rows: u64,
    /// First sequence number where the chain breaks, and why.
    pub broken: Option<(i64, String)>,
    /// The first head asked about (`verify_audit_with`) that the log no
    /// longer holds.
    pub missing: Option<Head>,
}

fn entry_from_row(r: &sqlx::any::AnyRow) -> Result<AuditEntry, sqlx::Error> {
    Ok(AuditEntry {
        seq: r.try_get("seq")?,
        ts: r.try_get("ts")?,
        operator: r.try_get("operator")?,
        ssh_client: r.try_get("ssh_client")?,
        host: r.try_get("host")?,
        pane: r.try_get("pane")?,
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        justification: r.try_get("justification")?,
        outcome: r.try_get("outcome")?,
        details: r.try_get("details")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

/// An entry as it is shown and exported: its text cleaned of control
/// characters (`text::clean`). The chain is verified on the entries as
/// stored (`verify_in`), never on these. Line breaks stay, as in
/// `super::text`.
fn shown(e: AuditEntry) -> AuditEntry {
    use crate::text::clean::lines as line;
    // Rewritten only when something in it was replaced: otherwise the text
    // stays exactly as hashed.
    let details = match serde_json::from_str::<serde_json::Value>(&e.details) {
        Ok(v) => {
            let mut cleaned = v.clone();
            crate::text::clean::json(&mut cleaned);
            if cleaned == v {
                e.details
            } else {
                cleaned.to_string()
            }
        }
        Err(_) => line(e.details),
    };
    AuditEntry {
        ts: line(e.ts),
        operator: line(e.operator),
        ssh_client: e.ssh_client.map(line),
        host: line(e.host),
        pane: line(e.pane),
        action: line(e.action),
        target: e.target.map(line),
        justification: e.justification.map(line),
        outcome: line(e.outcome),
        details,
        prev_hash: line(e.prev_hash),
        hash: line(e.hash),
        seq: e.seq,
    }
}

const COLUMNS: &str =
    "seq, ts, operator, ssh_client, host, pane, action, target, justification, outcome, details, prev_hash, hash";

impl Store {
    /// Append one entry. Serialised in the database (SQLite's IMMEDIATE
    /// transaction, a table lock on PostgreSQL), so concurrent writers
    /// (other tasks, other opsdeck processes on the same file or server)
    /// queue up instead of forking the chain; `seq` being the primary key
    /// would refuse a fork even without the lock. Returns once the row is
    /// durable.
    pub async fn append_audit(&self, who: &Identity, rec: AuditRecord) -> Result<AuditEntry, StoreError> {
        let mut details = rec.details;
        scrub_secrets(&mut details);
        let mut w = self.begin_write().await?;
        let done = async {
            w.serialize("audit_head").await?;
            let conn = w.conn();
            let head: Option<(i64, String)> =
                sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *conn)
                    .await
                    .at(self)?;
            let (last_seq, prev_hash) = head.unwrap_or((0, GENESIS_HASH.to_string()));
            let mut entry = AuditEntry {
                seq: last_seq + 1,
                ts: super::ts(Utc::now()),
                operator: who.operator.clone(),
                ssh_client: who.ssh_client.clone(),
                host: who.host.clone(),
                pane: rec.pane,
                action: rec.action,
                target: rec.target,
                justification: rec.justification,
                outcome: rec.outcome.as_str().to_string(),
                details: details.to_string(),
                prev_hash,
                hash: String::new(),
            };
            entry.hash = entry.compute_hash();
            let insert = format!(
                "INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            );
            sqlx::query(&insert)
                .bind(entry.seq)
                .bind(&entry.ts)
                .bind(&entry.operator)
                .bind(&entry.ssh_client)
                .bind(&entry.host)
                .bind(&entry.pane)
                .bind(&entry.action)
                .bind(&entry.target)
                .bind(&entry.justification)
                .bind(&entry.outcome)
                .bind(&entry.details)
                .bind(&entry.prev_hash)
                .bind(&entry.hash)
                .execute(&mut *conn)
                .await
                .at(self)?;
            sqlx::query(
                "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2) \
                 ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            )
            .bind(entry.seq)
            .bind(&entry.hash)
            .execute(&mut *conn)
            .await
            .at(self)?;
            Ok(entry)
        }
        .await;
        // In WAL mode the pages reach the disk only at the COMMIT: a full
        // disk says so there.
        let entry = w.finish(done).await?;
        self.head_moved(&entry);
        Ok(entry)
    }

    /// Entries in sequence order, optionally from a time on.
    pub async fn audit_entries(&self, since: Option<DateTime<Utc>>) -> Result<Vec<AuditEntry>, StoreError> {
        let since = since
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true))
            .unwrap_or_default();
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM audit_log WHERE ts >= $1 ORDER BY seq"))
            .bind(since)
            .fetch_all(&self.pool)
            .await
            .at(self)?;
        Ok(rows
            .iter()
            .map(|r| entry_from_row(r).map(shown))
            .collect::<Result<_, _>>()?)
    }

    /// The newest `n` entries, newest first.
    pub async fn audit_tail(&self, n: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT $1"))
            .bind(n)
            .fetch_all(&self.pool)
            .await
            .at(self)?;
        Ok(rows
            .iter()
            .map(|r| entry_from_row(r).map(shown))
            .collect::<Result<_, _>>()?)
    }

    /// Recompute the whole chain. The rows and the chain head are read in
    /// one snapshot (a read transaction), so entries appended meanwhile by
    /// other writers are not mistaken for rows removed from the end.
    pub async fn verify_audit(&self) -> Result<VerifyReport, StoreError> {
        self.verify_audit_with(&[]).await
    }

    /// `verify_audit`, and in the same snapshot whether the log still holds
    /// each of `heads` (published checkpoints): the first one it no longer
    /// holds is `VerifyReport::missing`. A log rewritten whole, every hash
    /// recomputed, verifies; it cannot hold a head published before the edit.
    pub async fn verify_audit_with(&self, heads: &[Head]) -> Result<VerifyReport, StoreError> {
        let mut conn = self.pool().acquire().await.at(self)?;
        let begin = match self.engine() {
            super::Engine::Sqlite => "BEGIN",
            super::Engine::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        sqlx::query(begin).execute(&mut *conn).await.at(self)?;
        let report = match self.verify_in(&mut conn).await {
            Ok(r) => super::anchor::first_missing(self, &mut conn, heads)
                .await
                .map(|missing| VerifyReport { missing, ..r }),
            Err(e) => Err(e),
        };
        // Only reads were made: ending it cannot lose anything.
        if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
            conn.close_on_drop();
        }
        report
    }

    async fn verify_in(&self, conn: &mut sqlx::AnyConnection) -> Result<VerifyReport, StoreError> {
        use futures::TryStreamExt;
        let sql = format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq");
        let mut rows = sqlx::query(&sql).fetch(&mut *conn);
        let mut expected_seq = 1i64;
        let mut prev_hash = GENESIS_HASH.to_string();
        let mut count = 0u64;
        let broken = |rows: u64, seq: i64, why: String| {
            Ok(VerifyReport {
                rows,
                broken: Some((seq, why)),
                missing: None,
            })
        };
        while let Some(row) = rows.try_next().await.at(self)? {
            let e = entry_from_row(&row)?;
            count += 1;
            if e.seq != expected_seq {
                let why = if e.seq > expected_seq {
                    format!("rows {expected_seq}..{} are missing (deleted)", e.seq - 1)
                } else {
                    format!("sequence goes backwards ({} after {})", e.seq, expected_seq - 1)
                };
                return broken(count, expected_seq, why);
            }
            if e.prev_hash != prev_hash {
                return broken(
                    count,
                    e.seq,
                    "does not link to the previous row (rows removed or reordered)".into(),
                );
            }
            if e.compute_hash() != e.hash {
                return broken(count, e.seq, "content does not match its hash (row edited)".into());
            }
            prev_hash = e.hash;
            expected_seq += 1;
        }
        drop(rows);
        let head: Option<(i64, String)> = sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await
            .at(self)?;
        let last = expected_seq - 1;
        match head {
            Some((seq, _)) if seq > last => broken(
                count,
                last + 1,
                format!("rows {}..{seq} were removed from the end", last + 1),
            ),
            Some((seq, hash)) if seq != last || hash != prev_hash => broken(
                count,
                seq.min(last).max(1),
                "chain head does not match the last row".into(),
            ),
            None if last > 0 => broken(count, 1, "chain head record is missing".into()),
            _ => Ok(VerifyReport {
                rows: count,
                broken: None,
                missing: None,
            }),
        }
    }
}

pub use crate::text::parse_since;

/// Export as pretty JSON (details embedded as objects) or CSV.
pub fn export(entries: &[AuditEntry], format: ExportFormat) -> Result<String, String> {
    match format {
        ExportFormat::Json => {
            let items: Vec<serde_json::Value> = entries
                .iter()
                .map(|e| {
                    let mut v = serde_json::to_value(e).unwrap_or_default();
                    if let (Some(obj), Ok(details)) =
                        (v.as_object_mut(), serde_json::from_str::<serde_json::Value>(&e.details))
                    {
                        obj.insert("details".into(), details);
                    }
                    v
                })
                .collect();
            serde_json::to_string_pretty(&items).map_err(|e| e.to_string())
        }
        ExportFormat::Csv => {
            let header = [
                "seq",
                "ts",
                "operator",
                "ssh_client",
                "host",
                "pane",
                "action",
                "target",
                "justification",
                "outcome",
                "details",
                "prev_hash",
                "hash",
            ];
            let opt = |s: &Option<String>| s.clone().unwrap_or_default();
            let rows = entries.iter().map(|e| {
                [
                    e.seq.to_string(),
                    e.ts.clone(),
                    e.operator.clone(),
                    opt(&e.ssh_client),
                    e.host.clone(),
                    e.pane.clone(),
                    e.action.clone(),
                    opt(&e.target),
                    opt(&e.justification),
                    e.outcome.clone(),
                    e.details.clone(),
                    e.prev_hash.clone(),
                    e.hash.clone(),
                ]
            });
            crate::text::spreadsheet::csv(&header, rows)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Json,
    Csv,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_scrubbed_at_any_depth() {
        let mut v = serde_json::json!({"user": "a", "db_password": "x", "nested": [{"api_token": "y"}]});
        scrub_secrets(&mut v);
        let s = v.to_string();
        assert!(!s.contains("\"x\"") && !s.contains("\"y\""), "{s}");
        assert!(s.contains("\"a\""));
    }

    #[test]
    fn since_accepts_three_forms() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_since("24h", now).unwrap().to_rfc3339(),
            "2026-11-22T12:00:00+00:00"
        );
        assert_eq!(
            parse_since("2026-11-20", now).unwrap().to_rfc3339(),
            "2026-11-20T00:00:00+00:00"
        );
        assert!(parse_since("yesterday-ish", now).is_err());
    }
}
