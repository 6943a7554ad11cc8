//! What one poll of a PostgreSQL target found: the data the Database pane,
//! its tile and opsdeck's own alerts are drawn from. Plain data, no IO.

use crate::model::redact::Redactor;
use chrono::{DateTime, Utc};

/// Thresholds of one target, carried with its data so views and alerts judge
/// with the numbers the operator configured.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PgThresholds {
    pub connections_warn: u32,
    pub long_query_secs: u64,
    /// Idle-in-transaction sessions older than this are listed and warned.
    pub idle_in_tx_secs: u64,
    /// Cache hit ratio under this (percent) is a warning.
    pub cache_hit_warn: f64,
    /// Replication lag: behind by this long AND this many bytes is a breach…
    pub replication_lag_secs: u64,
    pub replication_lag_bytes: u64,
    /// …raised only after it held for this many polls in a row.
    pub lag_breach_samples: u32,
    /// Transaction-ID age over this fraction (percent) of the wraparound limit.
    pub xid_age_warn_pct: f64,
}

impl Default for PgThresholds {
    fn default() -> Self {
        Self {
            connections_warn: 50,
            long_query_secs: 300,
            idle_in_tx_secs: 300,
            cache_hit_warn: 95.0,
            replication_lag_secs: 30,
            replication_lag_bytes: 16 << 20,
            lag_breach_samples: 3,
            xid_age_warn_pct: 50.0,
        }
    }
}

/// One server process worth an operator's look: a long query, an old idle
/// transaction, or a session that blocks or is blocked.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PgBackend {
    pub pid: i32,
    pub user: String,
    pub database: String,
    /// `None` for a local (unix socket) connection.
    pub client_addr: Option<String>,
    pub application: String,
    /// active, idle in transaction, idle in transaction (aborted), …
    pub state: String,
    /// Since the query started (active) or since the state began (idle in
    /// transaction).
    pub duration_secs: f64,
    /// Since the transaction began, when in one.
    pub xact_secs: Option<f64>,
    /// "Lock: transactionid", "IO: DataFileRead", …
    pub wait_event: Option<String>,
    /// Full text as the server tracks it (track_activity_query_size).
    pub query: String,
    /// Pids this session waits for (pg_blocking_pids).
    pub blocked_by: Vec<i32>,
}

impl PgBackend {
    pub fn is_idle_in_tx(&self) -> bool {
        self.state.starts_with("idle in transaction")
    }
}

/// One edge of a blocking chain: `blocked` waits for a lock `blocking` holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PgBlock {
    pub blocked_pid: i32,
    pub blocking_pid: i32,
    /// The lock the blocked session waits for: "relation", "transactionid", …
    pub lock_type: String,
    /// "AccessExclusiveLock", …
    pub mode: String,
    /// "public.orders" when the lock is on a relation.
    pub relation: Option<String>,
    /// How long the blocked session has been waiting.
    pub waiting_secs: f64,
}

/// A replica as its primary sees it (pg_stat_replication).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PgReplica {
    pub name: String,
    pub client_addr: Option<String>,
    /// streaming, catchup, startup, backup, stopping
    pub state: String,
    /// async, sync, potential, quorum
    pub sync_state: String,
    /// Bytes between the primary's current WAL position and the replica's replay.
    pub lag_bytes: Option<i64>,
    pub replay_lag_secs: Option<f64>,
}

/// On a standby: how far behind its primary it replays.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PgStandby {
    /// now() − pg_last_xact_replay_timestamp(): grows on an idle primary too,
    /// so it is judged together with the bytes.
    pub replay_delay_secs: Option<f64>,
    /// Received but not yet replayed.
    pub replay_pending_bytes: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Checksum {
    /// No `.sha256` beside the file (or the backup comes from a query).
    NotChecked,
    Ok,
    Mismatch,
    /// The check itself failed (unreadable file, malformed `.sha256`).
    Error(String),
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PgBackup {
    /// The newest file's path, or "query".
    pub source: String,
    pub last_at: Option<DateTime<Utc>>,
    pub size_bytes: Option<u64>,
    pub checksum: Checksum,
    pub max_age_secs: u64,
    /// Why there is no answer (no file matches the glob, the query failed).
    pub error: Option<String>,
}

impl PgBackup {
    pub fn age_secs(&self, now: DateTime<Utc>) -> Option<i64> {
        self.last_at.map(|t| now.signed_duration_since(t).num_seconds())
    }

    /// Stale, unverifiable or failed: a warning.
    pub fn is_bad(&self, now: DateTime<Utc>) -> bool {
        self.error.is_some()
            || matches!(self.checksum, Checksum::Mismatch | Checksum::Error(_))
            || self.age_secs(now).is_none_or(|age| age > self.max_age_secs as i64)
    }
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct PgSummary {
    pub version: String,
    pub in_recovery: bool,
    pub rtt_ms: u64,
    pub uptime_secs: i64,
    /// Client backends.
    pub connections: i64,
    pub active: i64,
    pub idle: i64,
    pub idle_in_transaction: i64,
    pub max_connections: i64,
    /// Seconds the longest running client query has been running.
    pub longest_query_secs: Option<f64>,
    /// Long queries, old idle transactions, blocked and blocking sessions,
    /// worst first, at most a few hundred.
    pub backends: Vec<PgBackend>,
    pub blocks: Vec<PgBlock>,
    /// On a primary.
    pub replicas: Vec<PgReplica>,
    /// On a standby.
    pub standby: Option<PgStandby>,
    /// Replication lag past both thresholds for `lag_breach_samples` polls.
    pub lag_breached: bool,
    /// Percent, over all databases; `None` before any block was read.
    pub cache_hit_pct: Option<f64>,
    /// The connected database.
    pub db_size_bytes: i64,
    /// Since opsdeck's first poll of this target.
    pub db_growth_bytes: i64,
    /// Oldest datfrozenxid age, and that as percent of the ~2^31 limit.
    pub xid_age: i64,
    pub xid_wraparound_pct: f64,
    /// Since the previous poll; `None` on the first.
    pub deadlocks_delta: Option<i64>,
    pub temp_bytes_delta: Option<i64>,
    pub backup: Option<PgBackup>,
    /// What could not be read and which grant it needs, e.g.
    /// "query texts of other users: grant pg_read_all_stats".
    pub permission_notes: Vec<String>,
    /// opsdeck's own backend pid on this server (never cancelled).
    pub own_pid: i32,
    pub thresholds: PgThresholds,
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
        self.longest_query_secs
            .is_some_and(|s| s >= self.thresholds.long_query_secs as f64)
    }

    pub fn connections_high(&self) -> bool {
        self.connections >= i64::from(self.thresholds.connections_warn)
    }

    pub fn cache_low(&self) -> bool {
        self.cache_hit_pct.is_some_and(|p| p < self.thresholds.cache_hit_warn)
    }

    pub fn xid_high(&self) -> bool {
        self.xid_wraparound_pct >= self.thresholds.xid_age_warn_pct
    }

    /// Idle-in-transaction sessions past their threshold, by the
    /// transaction's age (not the time since its last statement).
    pub fn old_idle_in_tx(&self) -> impl Iterator<Item = &PgBackend> {
        let limit = self.thresholds.idle_in_tx_secs as f64;
        self.backends
            .iter()
            .filter(move |s| s.is_idle_in_tx() && s.xact_secs.unwrap_or(s.duration_secs) >= limit)
    }

    /// Worst replica lag in seconds (primary) or replay delay (standby).
    pub fn worst_lag_secs(&self) -> Option<f64> {
        let replicas = self.replicas.iter().filter_map(|r| r.replay_lag_secs);
        let standby = self.standby.as_ref().and_then(|s| s.replay_delay_secs);
        replicas.chain(standby).max_by(f64::total_cmp)
    }
}

/// What an operator can do to a server process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgSignal {
    /// pg_cancel_backend: the running query fails, the session stays.
    Cancel,
    /// pg_terminate_backend: the session ends, its transaction rolls back.
    Terminate,
}

/// What the server did with a signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signalled {
    /// Sent, and it took.
    Yes,
    /// The server knows no such backend (it ended meanwhile).
    NoSuchBackend,
    /// Sent, and nothing changed: why, in the operator's words (a cancel on
    /// a session idle in a transaction has no query to stop; the session
    /// keeps its transaction and its locks).
    NoEffect(String),
}

impl PgSignal {
    pub fn verb(self) -> &'static str {
        match self {
            PgSignal::Cancel => "cancel query",
            PgSignal::Terminate => "terminate backend",
        }
    }

    pub fn audit_action(self) -> &'static str {
        match self {
            PgSignal::Cancel => "query.cancel",
            PgSignal::Terminate => "backend.terminate",
        }
    }
}

/// Query text with every string literal replaced by `'…'`: what the audit log
/// keeps (a literal can be a password or personal data).
pub fn mask_literals(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_literal = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (in_literal, c) {
            (false, '\'') => {
                in_literal = true;
                out.push_str("'…");
            }
            // '' inside a literal is an escaped quote, not its end.
            (true, '\'') if chars.peek() == Some(&'\'') => {
                chars.next();
            }
            (true, '\'') => {
                in_literal = false;
                out.push('\'');
            }
            (true, _) => {}
            (false, c) => out.push(c),
        }
    }
    if in_literal {
        out.push('\'');
    }
    out
}

/// Query text as shown on screen: one line, every literal of a role
/// statement with a password masked, and what else the redactor finds
/// (a configured password, `password=…`, a URL's password). Other literals
/// stay: they are what the operator needs to recognise the query.
pub fn query_for_screen(sql: &str, redactor: &Redactor) -> String {
    let flat: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let upper = flat.to_ascii_uppercase();
    let flat = if upper.contains("PASSWORD") && (upper.contains("ROLE") || upper.contains("USER")) {
        mask_literals(&flat)
    } else {
        flat
    };
    redactor.redact(&flat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_masked_for_the_audit_log() {
        assert_eq!(
            mask_literals("UPDATE t SET a = 'x''y', b = 2 WHERE c = 'z'"),
            "UPDATE t SET a = '…', b = 2 WHERE c = '…'"
        );
        assert_eq!(mask_literals("SELECT 'open"), "SELECT '…'");
        assert_eq!(mask_literals("SELECT 1"), "SELECT 1");
    }

    #[test]
    fn passwords_never_reach_the_screen() {
        let none = Redactor::default();
        let shown = query_for_screen("ALTER ROLE app\n  PASSWORD 'hunter2'", &none);
        assert_eq!(shown, "ALTER ROLE app PASSWORD '…'");
        assert_eq!(
            query_for_screen("SELECT * FROM t WHERE name = 'bob'", &none),
            "SELECT * FROM t WHERE name = 'bob'"
        );
    }

    #[test]
    fn secrets_in_other_queries_are_redacted_on_screen() {
        let red = Redactor::new(["bars-pw"]);
        let cases = [
            (
                "SELECT dblink_connect('host=db password=s3cr3t')",
                "SELECT dblink_connect('host=db password=[redacted]')",
            ),
            (
                "SELECT check_login('app', 'bars-pw')",
                "SELECT check_login('app', '[redacted]')",
            ),
            (
                "COPY t FROM PROGRAM 'curl https://u:tok3n@h/x'",
                "COPY t FROM PROGRAM 'curl https://u:[redacted]@h/x'",
            ),
            (
                "CREATE USER bob WITH\n PASSWORD 'x' VALID UNTIL '2030-01-01'",
                "CREATE USER bob WITH PASSWORD '…' VALID UNTIL '…'",
            ),
        ];
        for (sql, want) in cases {
            assert_eq!(query_for_screen(sql, &red), want, "{sql}");
        }
    }
}
