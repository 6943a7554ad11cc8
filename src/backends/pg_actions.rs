//! Cancel a query or terminate a backend, on a short-lived connection of its
//! own; never opsdeck's own session.

use super::pg_model::PgSignal;
use crate::config::PostgresConfig;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;
use std::str::FromStr;

/// Ok(true) when the server signalled the process, Ok(false) when it says it
/// could not (gone, or not permitted).
pub async fn signal_backend(cfg: &PostgresConfig, pid: i32, op: PgSignal) -> Result<bool, String> {
    let work = async {
        let url = cfg.url.expand()?;
        let mut opts = PgConnectOptions::from_str(url.expose())
            .map_err(|_| format!("cannot parse the url of [[postgres]] {:?}", cfg.name))?
            .application_name("opsdeck");
        if let Some(pw) = cfg.password().resolve()? {
            opts = opts.password(pw.expose());
        }
        let mut conn = PgConnection::connect_with(&opts)
            .await
            .map_err(|e| super::error_chain(&e))?;
        let app: Option<String> = sqlx::query_scalar("SELECT application_name FROM pg_stat_activity WHERE pid = $1")
            .bind(pid)
            .fetch_optional(&mut conn)
            .await
            .map_err(|e| super::error_chain(&e))?;
        if app.as_deref() == Some("opsdeck") {
            return Err(format!("pid {pid} is an opsdeck session: refused"));
        }
        let sql = match op {
            PgSignal::Cancel => "SELECT pg_cancel_backend($1)",
            PgSignal::Terminate => "SELECT pg_terminate_backend($1)",
        };
        let done: bool = sqlx::query_scalar(sql)
            .bind(pid)
            .fetch_one(&mut conn)
            .await
            .map_err(|e| super::error_chain(&e))?;
        let _ = conn.close().await;
        Ok(done)
    };
    match tokio::time::timeout(cfg.timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(format!("no answer within {}", humantime::format_duration(cfg.timeout))),
    }
}
