//! Cancel a backend's query or terminate the backend, on a connection of its
//! own. opsdeck never signals its own connections.

use crate::config::PostgresConfig;
use sqlx::{Connection, PgConnection};

pub use crate::model::postgres::{PgSignal, Signalled};

/// How long a cancel is given to show in pg_stat_activity before the
/// session is looked at again.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(250);

/// Signal one backend. `NoSuchBackend` when the server says so; `NoEffect`
/// when a cancel found the session idle in a transaction and left it so
/// (there was no query to cancel: it still holds its locks); `Err` when
/// refused here (opsdeck's own connection, a read-only target),
/// not permitted, or the server cannot be reached within the timeout.
pub async fn signal_backend(cfg: &PostgresConfig, pid: i32, op: PgSignal) -> Result<Signalled, String> {
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

async fn signal(cfg: &PostgresConfig, pid: i32, op: PgSignal) -> Result<Signalled, String> {
    let mut conn = crate::backends::postgres::connect(cfg).await?;
    let result = check_and_signal(&mut conn, pid, op).await;
    let _ = conn.close().await;
    result
}

async fn check_and_signal(conn: &mut PgConnection, pid: i32, op: PgSignal) -> Result<Signalled, String> {
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
    let before = activity(conn, pid).await.map_err(fail)?;
    let sql = match op {
        PgSignal::Cancel => "SELECT pg_cancel_backend($1)",
        PgSignal::Terminate => "SELECT pg_terminate_backend($1)",
    };
    let sent = sqlx::query_scalar::<_, bool>(sql)
        .bind(pid)
        .fetch_one(&mut *conn)
        .await
        .map_err(fail)?;
    if !sent {
        return Ok(Signalled::NoSuchBackend);
    }
    // pg_cancel_backend says true for a session idle in a transaction, and
    // nothing happens: there is no query to cancel. Seen the same
    // transaction idle before and after, it is said, not reported done.
    let idle = |a: &Option<(String, Option<String>)>| {
        a.as_ref()
            .filter(|(state, xact)| state == "idle in transaction" && xact.is_some())
            .cloned()
    };
    if op == PgSignal::Cancel {
        if let Some(was) = idle(&before) {
            tokio::time::sleep(SETTLE).await;
            let after = activity(conn, pid).await.map_err(fail)?;
            if idle(&after) == Some(was) {
                return Ok(Signalled::NoEffect(format!(
                    "pid {pid} is idle in transaction: there is no query to cancel, \
                     and it still holds its transaction and its locks (terminate ends it)"
                )));
            }
        }
    }
    Ok(Signalled::Yes)
}

/// A backend's state and transaction start (as text: only compared).
async fn activity(conn: &mut PgConnection, pid: i32) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
    sqlx::query_as("SELECT coalesce(state, ''), xact_start::text FROM pg_stat_activity WHERE pid = $1")
        .bind(pid)
        .fetch_optional(&mut *conn)
        .await
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
