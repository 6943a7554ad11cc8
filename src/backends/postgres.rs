//! PostgreSQL health: reachability, version, role, connections, longest query.

use crate::config::PostgresConfig;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Row};
use std::str::FromStr;
use std::time::Instant;

pub use super::pg_model::{PgSummary, PgThresholds};

/// One connection, kept between polls and dropped on any error so the next
/// poll reconnects (the server may have restarted). Connecting directly, not
/// through a pool, surfaces the real error ("connection refused") at once.
pub struct PgPoller {
    cfg: PostgresConfig,
    conn: Option<PgConnection>,
}

const HEALTH_SQL: &str = "
SELECT current_setting('server_version') AS version,
       pg_is_in_recovery() AS in_recovery,
       extract(epoch FROM now() - pg_postmaster_start_time())::bigint AS uptime,
       count(*) FILTER (WHERE backend_type = 'client backend') AS connections,
       count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'active') AS active,
       count(*) FILTER (WHERE state LIKE 'idle in transaction%') AS idle_in_tx,
       current_setting('max_connections')::bigint AS max_connections,
       extract(epoch FROM max(now() - query_start) FILTER (
           WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
       ))::float8 AS longest
FROM pg_stat_activity";

impl PgPoller {
    pub fn new(cfg: &PostgresConfig) -> Self {
        Self {
            cfg: cfg.clone(),
            conn: None,
        }
    }

    fn options(&self) -> Result<PgConnectOptions, String> {
        let url = self.cfg.url.expand()?;
        let mut opts = PgConnectOptions::from_str(url.expose())
            // sqlx's message could echo the URL; say only what is wrong.
            .map_err(|_| format!("cannot parse the url of [[postgres]] {:?}", self.cfg.name))?
            .application_name("opsdeck")
            .options([("statement_timeout", format!("{}", self.cfg.timeout.as_millis()))]);
        if let Some(pw) = self.cfg.password().resolve()? {
            opts = opts.password(pw.expose());
        }
        Ok(opts)
    }

    pub async fn poll(&mut self) -> Result<PgSummary, String> {
        let mut conn = match self.conn.take() {
            Some(c) => c,
            None => PgConnection::connect_with(&self.options()?)
                .await
                .map_err(|e| super::error_chain(&e))?,
        };
        let started = Instant::now();
        // On error the connection is dropped, not put back.
        let row = sqlx::query(HEALTH_SQL)
            .fetch_one(&mut conn)
            .await
            .map_err(|e| super::error_chain(&e))?;
        self.conn = Some(conn);
        let rtt_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let get = |e: sqlx::Error| e.to_string();
        Ok(PgSummary {
            version: row.try_get("version").map_err(get)?,
            in_recovery: row.try_get("in_recovery").map_err(get)?,
            rtt_ms,
            uptime_secs: row.try_get("uptime").map_err(get)?,
            connections: row.try_get("connections").map_err(get)?,
            active: row.try_get("active").map_err(get)?,
            idle_in_transaction: row.try_get("idle_in_tx").map_err(get)?,
            max_connections: row.try_get("max_connections").map_err(get)?,
            longest_query_secs: row.try_get("longest").map_err(get)?,
            thresholds: PgThresholds {
                connections_warn: self.cfg.connections_warn,
                long_query_secs: self.cfg.long_query.as_secs(),
                cache_hit_warn: self.cfg.cache_hit_warn,
                replication_lag_secs: self.cfg.replication_lag_warn.as_secs(),
                ..Default::default()
            },
            ..Default::default()
        })
    }
}
