//! Cancel a backend's query or terminate the backend, on a connection of its
//! own. opsdeck never signals its own connections.

use crate::config::PostgresConfig;
use sqlx::{Connection, PgConnection};

pub use crate::model::postgres::PgSignal;

/// Signal one backend. `Ok(false)` when the server says no such backend;
/// `Err` when refused here (opsdeck's own connection, a read-only target),
/// not permitted, or the server cannot be reached within the timeout.
pub async fn signal_backend(cfg: &PostgresConfig, pid: i32, op: PgSignal) -> Result<bool, String> {
    if cfg.read_only {
        return Err(format!("{} {pid}: [[postgres]] {:?} is read-only", op.verb(), cfg.name));
    }
    match tokio::time::timeout(cfg.timeout, signal(cfg, pid, op)).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "{} {pid}: no answer within {}",
            op.verb(),
            humantime::format_duration(cfg.timeout)
        )),
    }
}

async fn signal(cfg: &PostgresConfig, pid: i32, op: PgSignal) -> Result<bool, String> {
    let opts = crate::backends::postgres::connect_options(cfg)?;
    let mut conn = PgConnection::connect_with(&opts)
        .await
        .map_err(|e| crate::text::error_chain(&e))?;
    let result = check_and_signal(&mut conn, pid, op).await;
    let _ = conn.close().await;
    result
}

async fn check_and_signal(conn: &mut PgConnection, pid: i32, op: PgSignal) -> Result<bool, String> {
    let fail = |e: sqlx::Error| format!("{} {pid}: {}", op.verb(), describe(&e));
    let (own, app): (bool, Option<String>) =
        sqlx::query_as("SELECT pg_backend_pid() = $1, (SELECT application_name FROM pg_stat_activity WHERE pid = $1)")
            .bind(pid)
            .fetch_one(&mut *conn)
            .await
            .map_err(fail)?;
    if own || app.as_deref() == Some("opsdeck") {
        return Err(format!(
            "{} {pid}: refused, it is one of opsdeck's own connections",
            op.verb()
        ));
    }
    let sql = match op {
        PgSignal::Cancel => "SELECT pg_cancel_backend($1)",
        PgSignal::Terminate => "SELECT pg_terminate_backend($1)",
    };
    sqlx::query_scalar::<_, bool>(sql)
        .bind(pid)
        .fetch_one(&mut *conn)
        .await
        .map_err(fail)
}

fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("42501") => crate::text::one_line(&format!(
            "not permitted: {} (needs the session's role, or pg_signal_backend)",
            db.message()
        )),
        sqlx::Error::Database(db) => crate::text::one_line(db.message()),
        other => crate::text::error_chain(other),
    }
}
