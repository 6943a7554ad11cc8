//! One backend as pg_stat_activity shows it: what a verified cancel or
//! terminate is judged from.

use crate::config::PostgresConfig;
use crate::model::verify::BackendLook;
use sqlx::Connection;

/// How much of a query the audit log keeps.
const QUERY_CHARS: usize = 120;

/// `None` when the pid is not in pg_stat_activity.
pub async fn look(cfg: &PostgresConfig, pid: i32) -> Result<Option<BackendLook>, String> {
    match tokio::time::timeout(cfg.timeout, read(cfg, pid)).await {
        Ok(r) => r,
        Err(_) => Err(crate::text::no_answer(cfg.timeout)),
    }
}

async fn read(cfg: &PostgresConfig, pid: i32) -> Result<Option<BackendLook>, String> {
    let mut conn = crate::backends::postgres::connect(cfg).await?;
    let row: Result<Option<(String, String, Option<String>)>, _> = sqlx::query_as(
        "SELECT coalesce(state, ''), coalesce(query, ''), query_start::text FROM pg_stat_activity WHERE pid = $1",
    )
    .bind(pid)
    .fetch_optional(&mut conn)
    .await;
    let _ = conn.close().await;
    let row = row.map_err(|e| crate::text::error_chain(&e))?;
    Ok(row.map(|(state, query, query_start)| BackendLook {
        state: crate::text::clean::line(state),
        // Literals masked, as everywhere the audit log keeps a query: one
        // can be a password or personal data.
        query: crate::model::postgres::mask_literals(&crate::text::clean::flat(query))
            .chars()
            .take(QUERY_CHARS)
            .collect(),
        query_start,
    }))
}
