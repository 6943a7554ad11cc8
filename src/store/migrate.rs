//! `opsdeck state migrate`: copy an embedded store into a team store,
//! every row with its id, in one transaction, and prove it before the
//! commit: every table is read back from the team store and compared with
//! the file's, row for row. After the commit the audit chain is verified
//! on both sides. While it runs, the file is write-locked (nobody can
//! append to it half-way) and the team store's tables are locked against
//! other writers.

use super::{At, Engine, Store, StoreError};
use sha2::{Digest, Sha256};

/// A column and how it is carried across.
#[derive(Clone, Copy)]
enum Kind {
    Int,
    Text,
}

use Kind::{Int, Text};

/// Every table worth keeping, parents before children. Presence is not
/// copied: it is about processes running now.
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "audit_log",
        &[
            ("seq", Int),
            ("ts", Text),
            ("operator", Text),
            ("ssh_client", Text),
            ("host", Text),
            ("pane", Text),
            ("action", Text),
            ("target", Text),
            ("justification", Text),
            ("outcome", Text),
            ("details", Text),
            ("prev_hash", Text),
            ("hash", Text),
        ],
    ),
    ("audit_head", &[("id", Int), ("seq", Int), ("hash", Text)]),
    ("settings", &[("key", Text), ("value", Text)]),
    (
        "alert_acks",
        &[
            ("id", Int),
            ("source", Text),
            ("fingerprint", Text),
            ("alertname", Text),
            ("operator", Text),
            ("comment", Text),
            ("acked_at", Text),
            ("until", Text),
            ("silence_id", Text),
        ],
    ),
    (
        "review_campaigns",
        &[
            ("id", Int),
            ("name", Text),
            ("created_at", Text),
            ("created_by", Text),
            ("due_at", Text),
            ("sources", Text),
        ],
    ),
    (
        "review_items",
        &[
            ("id", Int),
            ("campaign_id", Int),
            ("position", Int),
            ("source", Text),
            ("subject", Text),
            ("role", Text),
            ("status", Text),
            ("last_login", Text),
            ("created_at", Text),
            ("mfa_enabled", Int),
            ("organization", Text),
            ("granted_by", Text),
            ("extra", Text),
            ("flags", Text),
        ],
    ),
    (
        "review_decisions",
        &[
            ("id", Int),
            ("campaign_id", Int),
            ("item_id", Int),
            ("decision", Text),
            ("outcome", Text),
            ("justification", Text),
            ("reviewer", Text),
            ("decided_at", Text),
            ("item_snapshot", Text),
            ("details", Text),
        ],
    ),
    (
        "checklist_sessions",
        &[
            ("id", Text),
            ("runbook_id", Text),
            ("kind", Text),
            ("title", Text),
            ("severity", Text),
            ("runbook", Text),
            ("started_at", Text),
            ("started_by", Text),
            ("closed_at", Text),
            ("closed_by", Text),
            ("resolution", Text),
        ],
    ),
    (
        "checklist_events",
        &[
            ("seq", Int),
            ("session_id", Text),
            ("at", Text),
            ("operator", Text),
            ("step", Text),
            ("event", Text),
        ],
    ),
    (
        "alert_escalations",
        &[
            ("id", Int),
            ("source", Text),
            ("fingerprint", Text),
            ("starts_at", Text),
            ("level", Text),
            ("alertname", Text),
            ("severity", Text),
            ("holder", Text),
            ("claimed_at", Text),
            ("sent_at", Text),
            ("attempts", Int),
            ("last_error", Text),
        ],
    ),
];

/// Tables whose ids the team store hands out: moved past the copied rows.
const GENERATED_IDS: &[(&str, &str)] = &[
    ("alert_acks", "id"),
    ("review_campaigns", "id"),
    ("review_items", "id"),
    ("review_decisions", "id"),
    ("checklist_events", "seq"),
    ("alert_escalations", "id"),
];

/// Rows per INSERT: well under both databases' bind limits.
const ROWS_PER_INSERT: usize = 400;

/// What was copied, table by table, and the audit chain on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub tables: Vec<(&'static str, u64)>,
    pub audit_rows: u64,
}

/// `SELECT cols FROM table ORDER BY key`, in the same order on both
/// databases: text keys compare byte by byte (SQLite's BINARY, and "C" on
/// PostgreSQL, whose default collation sorts otherwise).
fn select_sql(engine: Engine, table: &str, columns: &[(&str, Kind)]) -> String {
    let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    let order = match (columns.first(), engine) {
        (Some((key, Text)), Engine::Postgres) => format!("{key} COLLATE \"C\""),
        (Some((key, _)), _) => (*key).to_string(),
        (None, _) => "1".to_string(),
    };
    format!("SELECT {} FROM {table} ORDER BY {order}", names.join(", "))
}

/// Copy everything in `from` (an embedded store) into `to` (a team store),
/// which must hold no rows yet. On any error nothing is left in `to`.
pub async fn copy(from: &Store, to: &Store) -> Result<Copied, String> {
    if from.engine() != Engine::Sqlite || to.engine() != Engine::Postgres {
        return Err("migrate copies an embedded store (a SQLite file) into a team store (PostgreSQL)".into());
    }
    // The file's write lock, held to the end: an opsdeck started meanwhile
    // waits instead of appending to what is being copied. A store opened
    // read-only (its disk refuses writes) cannot change anyway.
    let lock = if from.read_only {
        None
    } else {
        Some(from.begin_write().await.map_err(|e| e.to_string())?)
    };
    let done = copy_locked(from, to).await;
    if let Some(lock) = lock {
        // Nothing was written under it: committing only lets go of it.
        let _ = lock.finish(Ok(())).await;
    }
    done
}

async fn copy_locked(from: &Store, to: &Store) -> Result<Copied, String> {
    let err = |e: StoreError| e.to_string();
    let source = from.verify_audit().await.map_err(err)?;
    if let Some((seq, why)) = &source.broken {
        return Err(format!(
            "the audit chain of {} is broken at entry {seq}: {why}; nothing was copied",
            from.location().shown()
        ));
    }
    let mut w = to.begin_write().await.map_err(err)?;
    let done = async {
        // Other writers on the team store wait until the copy is committed
        // (or undone); readers go on.
        let names: Vec<&str> = TABLES.iter().map(|(t, _)| *t).collect();
        sqlx::query(&format!("LOCK TABLE {} IN EXCLUSIVE MODE", names.join(", ")))
            .execute(w.conn())
            .await
            .at(to)?;
        for (table, _) in TABLES {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(w.conn())
                .await
                .at(to)?;
            if n > 0 {
                return Err(StoreError::Conflict(format!(
                    "{} already holds {table} rows: migrate only into an empty team store; nothing was copied",
                    to.location().shown()
                )));
            }
        }
        for (table, columns) in TABLES {
            copy_table(from, to, w.conn(), table, columns).await?;
        }
        for (table, column) in GENERATED_IDS {
            sqlx::query_scalar::<_, i64>(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                 GREATEST(COALESCE(MAX({column}), 0), 1), MAX({column}) IS NOT NULL) FROM {table}"
            ))
            .fetch_one(w.conn())
            .await
            .at(to)?;
        }
        // The proof, before the commit: every table read back from the
        // team store, value for value the same as in the file.
        let mut tables = Vec::new();
        for (table, columns) in TABLES {
            let file = digest(from, from.pool(), table, columns).await?;
            let team = digest(to, &mut *w.conn(), table, columns).await?;
            if file != team {
                return Err(StoreError::Conflict(format!(
                    "{table}: the team store's {} rows differ from the file's {}; nothing was copied",
                    team.0, file.0
                )));
            }
            tables.push((*table, file.0));
        }
        Ok(tables)
    }
    .await;
    let tables = w.finish(done).await.map_err(err)?;

    // Committed. The chain is verified again on each side on its own, its
    // writers held off meanwhile (the file's lock is still held; on the
    // team store its appenders wait for the audit head): a verify that
    // overlaps an append can read a head newer than the rows it read.
    let mut hold = to.begin_write().await.map_err(err)?;
    let held = match hold.serialize("audit_head").await {
        Ok(()) => verify_both(from, to, source.rows).await,
        Err(e) => Err(e.to_string()),
    };
    // Nothing was written under it: committing only lets go.
    let _ = hold.finish(Ok(())).await;
    let audit_rows = held?;
    Ok(Copied { tables, audit_rows })
}

/// The team store's chain whole, as long as the file's, with the same head.
async fn verify_both(from: &Store, to: &Store, source_rows: u64) -> Result<u64, String> {
    let err = |e: StoreError| e.to_string();
    let target = to.verify_audit().await.map_err(err)?;
    if let Some((seq, why)) = &target.broken {
        return Err(format!(
            "after the copy, the team store's audit chain is broken at entry {seq}: {why}"
        ));
    }
    if source_rows != target.rows {
        return Err(format!(
            "{source_rows} audit entries in the file but {} in the team store",
            target.rows
        ));
    }
    if from.audit_head().await.map_err(err)? != to.audit_head().await.map_err(err)? {
        return Err("the audit chain heads differ after the copy".into());
    }
    Ok(target.rows)
}

async fn copy_table(
    from: &Store,
    to: &Store,
    conn: &mut sqlx::AnyConnection,
    table: &str,
    columns: &[(&str, Kind)],
) -> Result<(), StoreError> {
    use futures::TryStreamExt;
    use sqlx::Row;
    let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    let select = select_sql(from.engine(), table, columns);
    let mut rows = sqlx::query(&select).fetch(from.pool());
    let mut batch: Vec<sqlx::any::AnyRow> = Vec::with_capacity(ROWS_PER_INSERT);
    loop {
        let next = rows.try_next().await.at(from)?;
        let end = next.is_none();
        if let Some(r) = next {
            batch.push(r);
        }
        if batch.len() == ROWS_PER_INSERT || (end && !batch.is_empty()) {
            let sql = super::insert_sql(table, &names, batch.len());
            let mut q = sqlx::query(&sql);
            for r in &batch {
                for (i, (_, kind)) in columns.iter().enumerate() {
                    q = match kind {
                        Int => q.bind(r.try_get::<Option<i64>, _>(i)?),
                        Text => q.bind(r.try_get::<Option<String>, _>(i)?),
                    };
                }
            }
            q.execute(&mut *conn).await.at(to)?;
            batch.clear();
        }
        if end {
            return Ok(());
        }
    }
}

/// A table's rows and a hash of every value in key order: equal on both
/// sides only when every row is.
async fn digest<'e, E>(
    store: &Store,
    executor: E,
    table: &str,
    columns: &[(&str, Kind)],
) -> Result<(u64, [u8; 32]), StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    use futures::TryStreamExt;
    use sqlx::Row;
    let select = select_sql(store.engine(), table, columns);
    let mut rows = sqlx::query(&select).fetch(executor);
    let mut h = Sha256::new();
    let mut n = 0u64;
    while let Some(r) = rows.try_next().await.at(store)? {
        n += 1;
        for (i, (_, kind)) in columns.iter().enumerate() {
            // Tagged and length-prefixed: no value can pass for another.
            match kind {
                Int => match r.try_get::<Option<i64>, _>(i)? {
                    None => h.update([0u8]),
                    Some(v) => {
                        h.update([1u8]);
                        h.update(v.to_le_bytes());
                    }
                },
                Text => match r.try_get::<Option<String>, _>(i)? {
                    None => h.update([0u8]),
                    Some(v) => {
                        h.update([2u8]);
                        h.update((v.len() as u64).to_le_bytes());
                        h.update(v.as_bytes());
                    }
                },
            }
        }
    }
    Ok((n, h.finalize().into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keys_sort_byte_by_byte_on_both_sides() {
        let cols: &[(&str, Kind)] = &[("key", Text), ("value", Text)];
        assert_eq!(
            select_sql(Engine::Postgres, "settings", cols),
            "SELECT key, value FROM settings ORDER BY key COLLATE \"C\""
        );
        assert_eq!(
            select_sql(Engine::Sqlite, "settings", cols),
            "SELECT key, value FROM settings ORDER BY key"
        );
        assert_eq!(
            select_sql(Engine::Postgres, "t", &[("id", Int)]),
            "SELECT id FROM t ORDER BY id"
        );
    }
}
