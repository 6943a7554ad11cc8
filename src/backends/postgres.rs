//! PostgreSQL health: reachability, version, role, connections, longest query.

use crate::config::PostgresConfig;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::Row;
use std::str::FromStr;
use std::time::Instant;

#[derive(Debug, Clone, PartialEq)]
pub struct PgSummary {
    pub version: String,
    pub in_recovery: bool,
    pub rtt_ms: u64,
    pub uptime_secs: i64,
    pub connections: i64,
    pub active: i64,
    pub idle_in_transaction: i64,
    pub max_connections: i64,
    /// Seconds the longest running client query has been running.
    pub longest_query_secs: Option<f64>,
    pub connections_warn: u32,
    pub long_query_secs: u64,
}

impl PgSummary {
    pub fn role(&self) -> &'static str {
        if self.in_recovery {
            "standby"
        } else {
            "primary"
        }
    }
    pub fn long_query(&self) -> bool {
        self.longest_query_secs.is_some_and(|s| s >= self.long_query_secs as f64)
    }
    pub fn connections_high(&self) -> bool {
        self.connections >= i64::from(self.connections_warn)
    }
}

pub struct PgPoller {
    cfg: PostgresConfig,
    pool: Option<PgPool>,
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
        Self { cfg: cfg.clone(), pool: None }
    }

    fn connect(&self) -> Result<PgPool, String> {
        let url = self.cfg.url.expand()?;
        let mut opts = PgConnectOptions::from_str(url.expose())
            // sqlx's message could echo the URL; say only what is wrong.
            .map_err(|_| format!("cannot parse the url of [[postgres]] {:?}", self.cfg.name))?
            .application_name("opsdeck")
            .options([("statement_timeout", format!("{}", self.cfg.timeout.as_millis()))]);
        if let Some(pw) = self.cfg.password().resolve()? {
            opts = opts.password(pw.expose());
        }
        Ok(PgPoolOptions::new()
            .max_connections(2)
            .min_connections(0)
            .acquire_timeout(self.cfg.timeout)
            .connect_lazy_with(opts))
    }

    pub async fn poll(&mut self) -> Result<PgSummary, String> {
        let pool = match &self.pool {
            Some(p) => p.clone(),
            None => {
                let p = self.connect()?;
                self.pool = Some(p.clone());
                p
            }
        };
        let started = Instant::now();
        let row = match sqlx::query(HEALTH_SQL).fetch_one(&pool).await {
            Ok(r) => r,
            Err(e) => {
                // A fresh pool on the next poll: the server may have restarted.
                self.pool = None;
                pool.close().await;
                return Err(super::one_line(&e.to_string()));
            }
        };
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
            connections_warn: self.cfg.connections_warn,
            long_query_secs: self.cfg.long_query.as_secs(),
        })
    }
}
