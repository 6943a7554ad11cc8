//! `opsdeck state migrate`: copy an embedded store into a team store,
//! every row with its id, in one transaction, and prove it: the audit
//! chain is verified on both sides and every table's rows are counted.

use super::{At, Store, StoreError};

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
];

/// Tables whose ids the team store hands out: moved past the copied rows.
const GENERATED_IDS: &[(&str, &str)] = &[
    ("alert_acks", "id"),
    ("review_campaigns", "id"),
    ("review_items", "id"),
    ("review_decisions", "id"),
    ("checklist_events", "seq"),
];

/// Rows per INSERT: well under both databases' bind limits.
const ROWS_PER_INSERT: usize = 400;

/// What was copied, table by table, and the audit chain on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub tables: Vec<(&'static str, u64)>,
    pub audit_rows: u64,
}

/// `INSERT INTO table (cols) VALUES ($1, ...), (...)`, numbered for both
/// databases (sqlx's query builder writes `?` for `Any`, which PostgreSQL
/// does not take).
pub(crate) fn insert_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let n = columns.len();
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        let marks: Vec<String> = (1..=n).map(|c| format!("${}", row * n + c)).collect();
        sql.push('(');
        sql.push_str(&marks.join(", "));
        sql.push(')');
    }
    sql
}

async fn count(store: &Store, table: &str) -> Result<u64, StoreError> {
    let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(store.pool())
        .await
        .at(store)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Copy everything in `from` into `to`, which must hold no rows yet.
pub async fn copy(from: &Store, to: &Store) -> Result<Copied, String> {
    let err = |e: StoreError| e.to_string();
    let source = from.verify_audit().await.map_err(err)?;
    if let Some((seq, why)) = &source.broken {
        return Err(format!(
            "the audit chain of {} is broken at entry {seq}: {why}; nothing was copied",
            from.location().shown()
        ));
    }
    for (table, _) in TABLES {
        if count(to, table).await.map_err(err)? > 0 {
            return Err(format!(
                "{} already holds {table} rows: migrate only into an empty team store; nothing was copied",
                to.location().shown()
            ));
        }
    }
    let mut w = to.begin_write().await.map_err(err)?;
    let done = async {
        for (table, columns) in TABLES {
            copy_table(from, to, w.conn(), table, columns).await?;
        }
        for (table, column) in GENERATED_IDS {
            sqlx::query_scalar::<_, i64>(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                 GREATEST(COALESCE(MAX({column}), 0), 1), MAX({column}) IS NOT NULL) FROM {table}"
            ))
            .fetch_one(&mut *w.conn())
            .await
            .at(to)?;
        }
        Ok(())
    }
    .await;
    w.finish(done).await.map_err(err)?;

    let target = to.verify_audit().await.map_err(err)?;
    if let Some((seq, why)) = &target.broken {
        return Err(format!("after the copy, the team store's audit chain is broken at entry {seq}: {why}"));
    }
    let mut tables = Vec::new();
    for (table, _) in TABLES {
        let (a, b) = (count(from, table).await.map_err(err)?, count(to, table).await.map_err(err)?);
        if a != b {
            return Err(format!("{table}: {a} rows in the file but {b} in the team store"));
        }
        tables.push((*table, b));
    }
    let heads = (from.audit_head().await.map_err(err)?, to.audit_head().await.map_err(err)?);
    if heads.0 != heads.1 {
        return Err("the audit chain heads differ after the copy".into());
    }
    if source.rows != target.rows {
        return Err(format!(
            "{} audit entries in the file but {} in the team store",
            source.rows, target.rows
        ));
    }
    Ok(Copied {
        tables,
        audit_rows: target.rows,
    })
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
    let order = names[0];
    let select = format!("SELECT {} FROM {table} ORDER BY {order}", names.join(", "));
    let mut rows = sqlx::query(&select).fetch(from.pool());
    let mut batch: Vec<sqlx::any::AnyRow> = Vec::with_capacity(ROWS_PER_INSERT);
    loop {
        let next = rows.try_next().await.at(from)?;
        let end = next.is_none();
        if let Some(r) = next {
            batch.push(r);
        }
        if batch.len() == ROWS_PER_INSERT || (end && !batch.is_empty()) {
            let sql = insert_sql(table, &names, batch.len());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_are_numbered_across_rows() {
        assert_eq!(
            insert_sql("t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }
}
