//! SQL the PostgreSQL poller runs, and how its rows become model values.
//! Every value goes in as a bind parameter; nothing is formatted into SQL.

use crate::model::postgres::{PgBackend, PgBlock, PgReplica, PgStandby, PgThresholds};
use crate::text::clean;
use sqlx::postgres::PgRow;
use sqlx::Row;

/// Most sessions one poll lists.
pub const MAX_SESSIONS: i64 = 500;
/// Most blocking edges one poll lists.
pub const MAX_BLOCKS: i64 = 500;

/// What pg_stat_activity shows in place of another user's query without
/// pg_read_all_stats.
pub const HIDDEN_QUERY: &str = "<insufficient privilege>";

pub const HEALTH_SQL: &str = "
SELECT current_setting('server_version') AS version,
       pg_is_in_recovery() AS in_recovery,
       pg_backend_pid() AS own_pid,
       extract(epoch FROM now() - pg_postmaster_start_time())::bigint AS uptime,
       count(*) FILTER (WHERE backend_type = 'client backend') AS connections,
       count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'active') AS active,
       count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'idle') AS idle,
       count(*) FILTER (WHERE state LIKE 'idle in transaction%') AS idle_in_tx,
       count(*) FILTER (WHERE query = '<insufficient privilege>') AS hidden,
       current_setting('max_connections')::bigint AS max_connections,
       extract(epoch FROM max(now() - query_start) FILTER (
           WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
       ))::float8 AS longest
FROM pg_stat_activity";

/// $1 long-query seconds, $2 idle-in-transaction seconds, $3 row limit.
/// An idle transaction is judged by its age (xact_start), not by the time
/// since its last statement: one that holds a lock and runs a statement now
/// and then is as old as it is, however recently it spoke.
pub const SESSIONS_SQL: &str = "
WITH a AS (
    SELECT pid, usename, datname, client_addr, application_name, state,
           query_start, state_change, xact_start, wait_event_type, wait_event, query,
           pg_blocking_pids(pid) AS blocked_by
    FROM pg_stat_activity
    WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
), blockers AS (
    SELECT DISTINCT unnest(blocked_by) AS pid FROM a
), s AS (
    SELECT a.*,
           a.pid IN (SELECT pid FROM blockers) AS blocking,
           cardinality(a.blocked_by) > 0 AS blocked,
           extract(epoch FROM now() - CASE WHEN a.state = 'active' THEN a.query_start
                                           ELSE a.state_change END)::float8 AS duration
    FROM a
)
SELECT pid,
       coalesce(usename::text, '') AS usename,
       coalesce(datname::text, '') AS datname,
       host(client_addr) AS client_addr,
       coalesce(application_name, '') AS application,
       coalesce(state, '') AS state,
       coalesce(duration, 0)::float8 AS duration,
       extract(epoch FROM now() - xact_start)::float8 AS xact_secs,
       CASE WHEN wait_event_type IS NOT NULL
            THEN wait_event_type || ': ' || coalesce(wait_event, '') END AS wait_event,
       coalesce(query, '') AS query,
       blocked_by
FROM s
WHERE blocking OR blocked
   OR (state = 'active' AND now() - query_start >= make_interval(secs => $1))
   OR (state LIKE 'idle in transaction%' AND now() - xact_start >= make_interval(secs => $2))
ORDER BY (blocking OR blocked) DESC, blocking DESC, duration DESC NULLS LAST, pid
LIMIT $3";

/// Who waits for whom, with the lock the waiting session asked for. $1 row limit.
pub const BLOCKS_SQL: &str = "
SELECT w.pid AS blocked_pid,
       b.pid AS blocking_pid,
       coalesce(l.locktype, '') AS lock_type,
       coalesce(l.mode, '') AS mode,
       CASE WHEN c.relname IS NOT NULL THEN n.nspname::text || '.' || c.relname::text
            WHEN l.relation IS NOT NULL THEN 'oid ' || l.relation::text END AS relation,
       coalesce(extract(epoch FROM now() - coalesce(w.state_change, w.query_start)), 0)::float8 AS waiting
FROM pg_stat_activity w
CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS b(pid)
LEFT JOIN LATERAL (
    SELECT pl.locktype, pl.mode, pl.relation, pl.database
    FROM pg_locks pl
    WHERE pl.pid = w.pid AND NOT pl.granted
    LIMIT 1
) l ON true
LEFT JOIN pg_class c ON c.oid = l.relation
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE w.pid <> pg_backend_pid()
ORDER BY waiting DESC, w.pid, b.pid
LIMIT $1";

/// On a primary (or a cascading standby): its replicas.
pub const REPLICAS_SQL: &str = "
SELECT coalesce(application_name, '') AS name,
       host(client_addr) AS client_addr,
       coalesce(state, '') AS state,
       coalesce(sync_state, '') AS sync_state,
       pg_wal_lsn_diff(
           CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END,
           replay_lsn)::bigint AS lag_bytes,
       extract(epoch FROM replay_lag)::float8 AS replay_lag
FROM pg_stat_replication
ORDER BY application_name, pid";

/// On a standby: how far behind it replays.
pub const STANDBY_SQL: &str = "
SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS delay,
       pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint AS pending";

pub const STATS_SQL: &str = "
SELECT (SELECT CASE WHEN sum(blks_hit + blks_read) > 0
                    THEN sum(blks_hit)::float8 * 100 / sum(blks_hit + blks_read)::float8 END
        FROM pg_stat_database) AS cache_hit,
       (SELECT sum(deadlocks)::bigint FROM pg_stat_database) AS deadlocks,
       (SELECT sum(temp_bytes)::bigint FROM pg_stat_database) AS temp_bytes";

pub const SIZE_SQL: &str = "SELECT pg_database_size(current_database()) AS size";

pub const XID_SQL: &str = "SELECT coalesce(max(age(datfrozenxid)), 0)::bigint AS xid_age FROM pg_database";

/// The wraparound limit the xid age is measured against.
pub const XID_LIMIT: f64 = 2_147_483_648.0;

fn get<'r, T>(row: &'r PgRow, col: &str) -> Result<T, String>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(col).map_err(|e| format!("column {col}: {e}"))
}

/// A text column: names, addresses and lock words are anyone's (a client
/// sets its own application_name), drawn one per cell with no control
/// character left.
fn text(row: &PgRow, col: &str) -> Result<String, String> {
    get(row, col).map(clean::line)
}

fn opt_text(row: &PgRow, col: &str) -> Result<Option<String>, String> {
    get::<Option<String>>(row, col).map(|t| t.map(clean::line))
}

pub fn session(row: &PgRow) -> Result<PgBackend, String> {
    Ok(PgBackend {
        pid: get(row, "pid")?,
        user: text(row, "usename")?,
        database: text(row, "datname")?,
        client_addr: opt_text(row, "client_addr")?,
        application: text(row, "application")?,
        state: text(row, "state")?,
        duration_secs: get(row, "duration")?,
        xact_secs: get(row, "xact_secs")?,
        wait_event: opt_text(row, "wait_event")?,
        // Its lines are kept (the audit log records it whole); the screen
        // flattens it (query_for_screen).
        query: get(row, "query").map(clean::lines)?,
        blocked_by: get(row, "blocked_by")?,
    })
}

pub fn block(row: &PgRow) -> Result<PgBlock, String> {
    Ok(PgBlock {
        blocked_pid: get(row, "blocked_pid")?,
        blocking_pid: get(row, "blocking_pid")?,
        lock_type: text(row, "lock_type")?,
        mode: text(row, "mode")?,
        relation: opt_text(row, "relation")?,
        waiting_secs: get(row, "waiting")?,
    })
}

pub fn replica(row: &PgRow) -> Result<PgReplica, String> {
    Ok(PgReplica {
        name: text(row, "name")?,
        client_addr: opt_text(row, "client_addr")?,
        state: text(row, "state")?,
        sync_state: text(row, "sync_state")?,
        lag_bytes: get(row, "lag_bytes")?,
        replay_lag_secs: get(row, "replay_lag")?,
    })
}

pub fn standby(row: &PgRow) -> Result<PgStandby, String> {
    Ok(PgStandby {
        replay_delay_secs: get(row, "delay")?,
        replay_pending_bytes: get(row, "pending")?,
    })
}

/// Whether this poll's replication lag is past the thresholds. A replica
/// counts only when it is behind by both time and bytes; a standby only when
/// its replay delay is over and WAL is waiting to be replayed, since on an
/// idle primary the delay grows with nothing to replay.
pub fn lag_over(replicas: &[PgReplica], standby: Option<&PgStandby>, t: &PgThresholds) -> bool {
    let secs = t.replication_lag_secs as f64;
    let bytes = i64::try_from(t.replication_lag_bytes).unwrap_or(i64::MAX);
    let replica_over = replicas
        .iter()
        .any(|r| r.replay_lag_secs.is_some_and(|s| s > secs) && r.lag_bytes.is_some_and(|b| b > bytes));
    let standby_over = standby.is_some_and(|s| {
        s.replay_delay_secs.is_some_and(|d| d > secs) && s.replay_pending_bytes.is_some_and(|b| b > 0)
    });
    replica_over || standby_over
}

/// Counts polls in a row with the lag over; a breach once it held long enough.
#[derive(Debug, Default, Clone)]
pub struct LagBreach {
    consecutive: u32,
}

impl LagBreach {
    /// Record one poll's verdict; whether the lag now counts as breached.
    pub fn sample(&mut self, over: bool, needed: u32) -> bool {
        self.consecutive = if over { self.consecutive.saturating_add(1) } else { 0 };
        self.consecutive >= needed.max(1)
    }
}

/// The change of a cumulative counter since the last poll; `None` on the
/// first poll and after a statistics reset.
pub fn counter_delta(previous: &mut Option<i64>, now: i64) -> Option<i64> {
    let delta = previous.and_then(|p| (now >= p).then(|| now - p));
    *previous = Some(now);
    delta
}

/// What a failed query means for the operator, naming the grant it needs
/// when it was refused.
pub fn permission_note(what: &str, e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("42501") => {
            format!("{what}: permission denied: grant pg_monitor (or pg_read_all_stats)")
        }
        sqlx::Error::Database(db) => crate::text::one_line(&format!("{what}: {}", db.message())),
        other => crate::text::one_line(&format!("{what}: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica(lag_secs: Option<f64>, lag_bytes: Option<i64>) -> PgReplica {
        PgReplica {
            name: "r".into(),
            client_addr: None,
            state: "streaming".into(),
            sync_state: "async".into(),
            lag_bytes,
            replay_lag_secs: lag_secs,
        }
    }

    #[test]
    fn replica_lag_needs_both_time_and_bytes() {
        let t = PgThresholds::default();
        let mb = 1 << 20;
        assert!(lag_over(&[replica(Some(60.0), Some(100 * mb))], None, &t));
        assert!(!lag_over(&[replica(Some(60.0), Some(mb))], None, &t));
        assert!(!lag_over(&[replica(Some(5.0), Some(100 * mb))], None, &t));
        assert!(!lag_over(&[replica(None, Some(100 * mb))], None, &t));
        assert!(!lag_over(&[], None, &t));
    }

    #[test]
    fn idle_primary_is_no_standby_breach() {
        let t = PgThresholds::default();
        // Nothing replicated for an hour, nothing pending: the primary is idle.
        let idle = PgStandby {
            replay_delay_secs: Some(3600.0),
            replay_pending_bytes: Some(0),
        };
        let mut counter = LagBreach::default();
        for _ in 0..10 {
            assert!(!counter.sample(lag_over(&[], Some(&idle), &t), t.lag_breach_samples));
        }
        let behind = PgStandby {
            replay_delay_secs: Some(120.0),
            replay_pending_bytes: Some(4096),
        };
        assert!(lag_over(&[], Some(&behind), &t));
        let unknown = PgStandby {
            replay_delay_secs: Some(120.0),
            replay_pending_bytes: None,
        };
        assert!(!lag_over(&[], Some(&unknown), &t));
    }

    #[test]
    fn breach_only_after_enough_polls_in_a_row() {
        let mut c = LagBreach::default();
        assert!(!c.sample(true, 3));
        assert!(!c.sample(true, 3));
        assert!(c.sample(true, 3));
        assert!(c.sample(true, 3));
        // One good poll resets the count.
        assert!(!c.sample(false, 3));
        assert!(!c.sample(true, 3));
        assert!(!c.sample(true, 3));
        assert!(c.sample(true, 3));
        // One sample needed: at once.
        let mut c = LagBreach::default();
        assert!(c.sample(true, 1));
        assert!(!c.sample(false, 1));
    }

    #[test]
    fn counter_deltas() {
        let mut prev = None;
        assert_eq!(counter_delta(&mut prev, 10), None);
        assert_eq!(counter_delta(&mut prev, 13), Some(3));
        assert_eq!(counter_delta(&mut prev, 13), Some(0));
        // Statistics reset: no delta, then counting from the new value.
        assert_eq!(counter_delta(&mut prev, 2), None);
        assert_eq!(counter_delta(&mut prev, 5), Some(3));
    }
}
