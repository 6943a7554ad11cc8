//! PostgreSQL: reachability, version, role, connections, sessions worth a
//! look, blocking chains, replication, cache, size, xid age, backups.
//!
//! Only the basic health query decides whether the target is up. A view the
//! monitoring role may not read becomes a permission note naming the grant,
//! not a failed poll. A lost connection fails the poll (and the next one
//! reconnects).

pub mod actions;
pub mod backup;
pub mod look;
pub mod queries;
pub mod tunnel;
pub mod value;

use crate::backends::postgres::backup::BackupChecker;
use crate::backends::postgres::queries as q;
use crate::config::PostgresConfig;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Row};
use std::str::FromStr;
use std::time::Instant;

pub use crate::model::postgres::{PgSummary, PgThresholds};

/// One connection, kept between polls and dropped on any error so the next
/// poll reconnects (the server may have restarted). Connecting directly, not
/// through a pool, surfaces the real error ("connection refused") at once.
pub struct PgPoller {
    cfg: PostgresConfig,
    conn: Option<PgConnection>,
    // Boxed: the poller sits in an enum beside the other backends' pollers.
    state: Box<PollState>,
}

/// What one poll compares with the polls before it.
#[derive(Default)]
struct PollState {
    lag: q::LagBreach,
    first_size: Option<i64>,
    deadlocks: Option<i64>,
    temp_bytes: Option<i64>,
    backup: Option<BackupChecker>,
}

/// How opsdeck connects to a `[[postgres]]` target: named "opsdeck", with the
/// target's timeout as statement_timeout.
pub fn connect_options(cfg: &PostgresConfig) -> Result<PgConnectOptions, String> {
    let url = cfg.url.expand()?;
    let mut opts = PgConnectOptions::from_str(url.expose())
        // sqlx's message could echo the URL; say only what is wrong.
        .map_err(|_| format!("cannot parse the url of [[postgres]] {:?}", cfg.name))?
        .application_name("opsdeck")
        .options([("statement_timeout", format!("{}", cfg.timeout.as_millis()))]);
    if let Some(pw) = cfg.password().resolve()? {
        opts = opts.password(pw.expose());
    }
    if let Some(bastion) = &cfg.ssh_tunnel {
        let bastion = crate::config::docker_endpoint::ssh_destination(bastion, "ssh_tunnel").map_err(|e| e.message)?;
        let dir = tunnel::socket_dir(&bastion, opts.get_host(), opts.get_port(), cfg.timeout.as_secs())?;
        opts = opts.socket(dir);
    }
    Ok(opts)
}

/// A connection to a `[[postgres]]` target (through its bastion when it has
/// one); an error on one line, in ssh's words when ssh is why.
pub async fn connect(cfg: &PostgresConfig) -> Result<PgConnection, String> {
    let opts = connect_options(cfg)?;
    PgConnection::connect_with(&opts).await.map_err(|e| {
        let through = opts.get_socket().and_then(|dir| tunnel::last_words(dir));
        match through {
            Some(words) => crate::backends::ssh::in_its_words(words),
            None => crate::text::error_chain(&e),
        }
    })
}

pub fn thresholds(cfg: &PostgresConfig) -> PgThresholds {
    PgThresholds {
        connections_warn: cfg.connections_warn,
        long_query_secs: cfg.long_query.as_secs(),
        idle_in_tx_secs: cfg.idle_in_tx.as_secs(),
        cache_hit_warn: cfg.cache_hit_warn,
        replication_lag_secs: cfg.replication_lag_warn.as_secs(),
        replication_lag_bytes: cfg.replication_lag_bytes,
        lag_breach_samples: cfg.lag_breach_samples,
        xid_age_warn_pct: cfg.xid_age_warn_pct,
    }
}

/// A query that may fail without failing the poll: a refusal by the server
/// becomes a note; a broken connection is the poll's error.
fn soft<T>(r: Result<T, sqlx::Error>, what: &str, notes: &mut Vec<String>) -> Result<Option<T>, String> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e @ sqlx::Error::Database(_)) => {
            notes.push(q::permission_note(what, &e));
            Ok(None)
        }
        Err(e) => Err(crate::text::error_chain(&e)),
    }
}

/// Decode every row; a row that does not decode is a note, not a failure.
fn decode_all<T>(
    rows: Vec<sqlx::postgres::PgRow>,
    f: fn(&sqlx::postgres::PgRow) -> Result<T, String>,
    what: &str,
    notes: &mut Vec<String>,
) -> Vec<T> {
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        match f(row) {
            Ok(v) => out.push(v),
            Err(e) => {
                notes.push(format!("{what}: {e}"));
                break;
            }
        }
    }
    out
}

impl PgPoller {
    pub fn new(cfg: &PostgresConfig) -> Self {
        Self {
            cfg: cfg.clone(),
            conn: None,
            state: Box::new(PollState {
                // Half the poll's timeout for a new backup hash; the rest later.
                backup: cfg.backup.as_ref().map(|b| BackupChecker::new(b, cfg.timeout / 2)),
                ..Default::default()
            }),
        }
    }

    pub async fn poll(&mut self) -> Result<PgSummary, String> {
        // A kept connection that fails may only have been closed under us (a
        // server restart, a proxy's idle cut): one more try on a new
        // connection says whether the server itself is there.
        if let Some(mut conn) = self.conn.take() {
            if let Ok(summary) = self.poll_on(&mut conn).await {
                self.conn = Some(conn);
                return Ok(summary);
            }
        }
        let mut conn = connect(&self.cfg).await?;
        // On error the connection is dropped, not put back.
        let summary = self.poll_on(&mut conn).await?;
        self.conn = Some(conn);
        Ok(summary)
    }

    async fn poll_on(&mut self, conn: &mut PgConnection) -> Result<PgSummary, String> {
        let started = Instant::now();
        let row = sqlx::query(q::HEALTH_SQL)
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| crate::text::error_chain(&e))?;
        let rtt_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let get = |e: sqlx::Error| e.to_string();
        let t = thresholds(&self.cfg);
        let mut s = PgSummary {
            version: row.try_get("version").map(crate::text::clean::line).map_err(get)?,
            in_recovery: row.try_get("in_recovery").map_err(get)?,
            own_pid: row.try_get("own_pid").map_err(get)?,
            rtt_ms,
            uptime_secs: row.try_get("uptime").map_err(get)?,
            connections: row.try_get("connections").map_err(get)?,
            active: row.try_get("active").map_err(get)?,
            idle: row.try_get("idle").map_err(get)?,
            idle_in_transaction: row.try_get("idle_in_tx").map_err(get)?,
            max_connections: row.try_get("max_connections").map_err(get)?,
            longest_query_secs: row.try_get("longest").map_err(get)?,
            thresholds: t.clone(),
            ..Default::default()
        };
        let hidden: i64 = row.try_get("hidden").map_err(get)?;
        let mut notes = Vec::new();
        if hidden > 0 {
            notes.push(format!(
                "query texts of {hidden} session(s) of other users are hidden: grant pg_read_all_stats (or pg_monitor)"
            ));
        }

        let rows = sqlx::query(q::SESSIONS_SQL)
            .bind(self.cfg.long_query.as_secs_f64())
            .bind(self.cfg.idle_in_tx.as_secs_f64())
            .bind(q::MAX_SESSIONS)
            .fetch_all(&mut *conn)
            .await;
        if let Some(rows) = soft(rows, "sessions", &mut notes)? {
            s.backends = decode_all(rows, q::session, "sessions", &mut notes);
        }
        let rows = sqlx::query(q::BLOCKS_SQL)
            .bind(q::MAX_BLOCKS)
            .fetch_all(&mut *conn)
            .await;
        if let Some(rows) = soft(rows, "blocking locks (pg_locks)", &mut notes)? {
            s.blocks = decode_all(rows, q::block, "blocking locks", &mut notes);
        }

        let rows = sqlx::query(q::REPLICAS_SQL).fetch_all(&mut *conn).await;
        if let Some(rows) = soft(rows, "replicas (pg_stat_replication)", &mut notes)? {
            s.replicas = decode_all(rows, q::replica, "replicas", &mut notes);
            if s.replicas.iter().any(|r| r.state.is_empty()) {
                notes.push("replica details are hidden: grant pg_read_all_stats (or pg_monitor)".into());
            }
        }
        if s.in_recovery {
            let row = sqlx::query(q::STANDBY_SQL).fetch_one(&mut *conn).await;
            if let Some(row) = soft(row, "standby replay", &mut notes)? {
                match q::standby(&row) {
                    Ok(st) => s.standby = Some(st),
                    Err(e) => notes.push(format!("standby replay: {e}")),
                }
            }
        }
        let over = q::lag_over(&s.replicas, s.standby.as_ref(), &t);
        s.lag_breached = self.state.lag.sample(over, t.lag_breach_samples);

        let row = sqlx::query(q::STATS_SQL).fetch_one(&mut *conn).await;
        if let Some(row) = soft(row, "statistics (pg_stat_database)", &mut notes)? {
            let decoded = (|| -> Result<_, sqlx::Error> {
                let cache: Option<f64> = row.try_get("cache_hit")?;
                let deadlocks: Option<i64> = row.try_get("deadlocks")?;
                let temp: Option<i64> = row.try_get("temp_bytes")?;
                Ok((cache, deadlocks, temp))
            })();
            match decoded {
                Ok((cache, deadlocks, temp)) => {
                    s.cache_hit_pct = cache;
                    s.deadlocks_delta = deadlocks.and_then(|d| q::counter_delta(&mut self.state.deadlocks, d));
                    s.temp_bytes_delta = temp.and_then(|t| q::counter_delta(&mut self.state.temp_bytes, t));
                }
                Err(e) => notes.push(format!("statistics: {e}")),
            }
        }
        let size = sqlx::query_scalar::<_, i64>(q::SIZE_SQL).fetch_one(&mut *conn).await;
        if let Some(size) = soft(size, "database size", &mut notes)? {
            s.db_size_bytes = size;
            s.db_growth_bytes = size - *self.state.first_size.get_or_insert(size);
        }
        let xid = sqlx::query_scalar::<_, i64>(q::XID_SQL).fetch_one(&mut *conn).await;
        if let Some(xid) = soft(xid, "transaction-ID age (pg_database)", &mut notes)? {
            s.xid_age = xid;
            s.xid_wraparound_pct = xid as f64 / q::XID_LIMIT * 100.0;
        }

        if let Some(checker) = self.state.backup.as_mut() {
            let backup = checker.check(conn).await.map_err(|e| crate::text::error_chain(&e))?;
            s.backup = Some(backup);
        }
        s.permission_notes = notes;
        Ok(s)
    }
}
