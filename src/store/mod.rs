//! The state store: one API over two databases. Embedded, it is a SQLite
//! file (WAL, synchronous=FULL); in team mode it is a PostgreSQL database
//! that several opsdecks share. The queries are written once, through
//! sqlx's `Any` driver; only opening, locking and error wording differ.
//! Persist before display: callers show a change only after these calls return.

pub mod acks;
mod anchor;
pub mod audit;
pub mod changes;
pub mod escalations;
pub mod fault;
pub mod history;
pub mod migrate;
pub mod presence;
mod read_only;
pub mod review;
pub mod review_export;
pub mod sessions;
mod sqlite;
pub mod team;
pub mod witness_db;
mod write;

use chrono::{DateTime, SecondsFormat, Utc};
use fault::Fault;
use sqlx::AnyPool;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use acks::AckRecord;
pub use anchor::seen_heads_file;
pub use audit::{AuditEntry, AuditRecord, Outcome, VerifyReport};
pub use review::{Campaign, CampaignSummary, Decision, DecisionRecord, ReviewItem};
pub use team::TeamStore;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("src/store/migrations");
static PG_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("src/store/migrations_pg");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("state store {path}: {message}")]
    Open { path: PathBuf, message: String },
    /// The disk under the store refused: full, read-only or failing.
    #[error("state store {path}: {}", disk_text(*fault, *code))]
    Disk { path: PathBuf, fault: Fault, code: i32 },
    /// The team store's server cannot be reached (or went away mid-call).
    #[error("team store {store}: unreachable ({reason})")]
    Unreachable { store: String, reason: String },
    /// Someone else changed the item since this opsdeck last read it.
    #[error("{0}")]
    Conflict(String),
    #[error("state store: {0}")]
    Db(String),
}

impl StoreError {
    /// The disk's fault, when it is one.
    pub fn fault(&self) -> Option<Fault> {
        match self {
            StoreError::Disk { fault, .. } => Some(*fault),
            _ => None,
        }
    }

    /// The team store's server is gone: writes wait for it to come back.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, StoreError::Unreachable { .. })
    }
}

fn disk_text(fault: Fault, code: i32) -> String {
    match fault {
        // Only a write meets these, and SQLite undid it whole.
        Fault::Full | Fault::ReadOnly | Fault::OpenedReadOnly => format!("{} — nothing was saved", fault.says()),
        Fault::Io | Fault::CantOpen => format!("{} (SQLite code {code})", fault.says()),
    }
}

/// An error of the store at `path`: a disk fault names the file and says
/// what is wrong with the disk; the full text goes to the log.
pub(crate) fn error_at(path: &Path, opened_read_only: bool, e: sqlx::Error) -> StoreError {
    let Some(fault) = Fault::of(&e) else {
        return StoreError::Db(e.to_string());
    };
    tracing::error!(path = %path.display(), error = %e, "state store");
    let code = match &e {
        sqlx::Error::Database(db) => db.code().and_then(|c| c.parse().ok()).unwrap_or(0),
        _ => 0,
    };
    StoreError::Disk {
        path: path.to_path_buf(),
        fault: fault.diagnosed(fault::dir_of(path), opened_read_only),
        code,
    }
}

/// Run `migrator` on a freshly opened pool. A failure the store has its own
/// words for (`is_fault`: a bad disk, a server gone) is said with them
/// (`fault`); any other is a failed migration of the store at `at`. The
/// pool is closed on failure.
async fn run_migrations(
    pool: &AnyPool,
    migrator: &sqlx::migrate::Migrator,
    at: &Path,
    is_fault: impl Fn(&sqlx::Error) -> bool,
    fault: impl FnOnce(sqlx::Error) -> StoreError,
) -> Result<(), StoreError> {
    use sqlx::migrate::MigrateError;
    let Err(e) = migrator.run(pool).await else {
        return Ok(());
    };
    pool.close().await;
    Err(match e {
        MigrateError::Execute(e) | MigrateError::ExecuteMigration(e, _) if is_fault(&e) => fault(e),
        e => StoreError::Open {
            path: at.to_path_buf(),
            message: format!("migration failed: {e}"),
        },
    })
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

/// Every store's pool, file or team: four connections.
pub(crate) fn pool_options() -> sqlx::any::AnyPoolOptions {
    sqlx::any::AnyPoolOptions::new().max_connections(4)
}

/// How the store keeps a time: RFC 3339 in UTC with microseconds, which
/// sorts as text (both databases compare the columns as strings).
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A time as the store keeps it; `table` says where a bad one was found.
pub(crate) fn parse_ts(table: &str, s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Db(format!("{table}: bad time {s:?}: {e}")))
}

/// Text read back from the store, cleaned of control characters
/// (`text::clean`): a store written by an older opsdeck, another team
/// member's, or one edited by hand is outside data like a backend's answer.
/// Line breaks and tabs are kept, so what was stored reads back the same;
/// the views put text on one line.
pub(crate) fn text<'r, R: sqlx::Row>(r: &'r R, col: &str) -> Result<String, sqlx::Error>
where
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
{
    r.try_get::<String, _>(col).map(crate::text::clean::lines)
}

/// `text`, for a column that may be NULL.
pub(crate) fn opt_text<'r, R: sqlx::Row>(r: &'r R, col: &str) -> Result<Option<String>, sqlx::Error>
where
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
{
    r.try_get::<Option<String>, _>(col)
        .map(|t| t.map(crate::text::clean::lines))
}

/// A JSON column read back with every string in it cleaned (line breaks
/// kept: notes and runbook text have lines).
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, serde_json::Error> {
    let mut v: serde_json::Value = serde_json::from_str(s)?;
    crate::text::clean::json(&mut v);
    serde_json::from_value(v)
}

/// A sqlx result with the store named, and the cause in plain words.
pub(crate) trait At<T> {
    fn at(self, store: &Store) -> Result<T, StoreError>;
}

impl<T> At<T> for Result<T, sqlx::Error> {
    fn at(self, store: &Store) -> Result<T, StoreError> {
        self.map_err(|e| store.error(e))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Db(e.to_string())
    }
}

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An embedded SQLite file.
    File(PathBuf),
    /// A shared PostgreSQL database (team mode).
    Team(TeamStore),
}

impl Location {
    /// How messages name it: the file, or the server without credentials.
    pub fn shown(&self) -> String {
        match self {
            Location::File(p) => p.display().to_string(),
            Location::Team(t) => t.shown(),
        }
    }
}

/// Which database is underneath: the few statements that differ ask this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    location: Arc<Location>,
    engine: Engine,
    /// Opened read-only: the disk refused writes when it was opened.
    read_only: bool,
    /// This process's name on the team store's connections: notifications
    /// it caused itself are told apart by it.
    instance: Arc<str>,
    /// The newest head this process appended, for whoever publishes
    /// checkpoints (`watch_head`).
    heads: Arc<tokio::sync::watch::Sender<Option<audit::Head>>>,
}

impl Store {
    /// Open (creating if needed) and migrate the store at `path`. When the
    /// disk refuses writes (full, or gone read-only) an existing store is
    /// opened for reading instead: the engineer still sees what was saved,
    /// and every write is refused with the reason.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        sqlite::open(path).await
    }

    /// Open either kind of store.
    pub async fn open_at(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::File(path) => Self::open(path).await,
            Location::Team(team) => team::open(team).await,
        }
    }

    /// The store's file; None for a team store.
    pub fn path(&self) -> Option<&Path> {
        match &*self.location {
            Location::File(p) => Some(p),
            Location::Team(_) => None,
        }
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// This opsdeck's name on the store (`opsdeck-<pid>-<random>`).
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Opened for reading only: the disk refused writes when it was opened.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// An error of this store in plain words.
    pub(crate) fn error(&self, e: sqlx::Error) -> StoreError {
        match &*self.location {
            Location::File(path) => error_at(path, self.read_only, e),
            Location::Team(team) => team::error(team, e),
        }
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .at(self)
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await
        .at(self)?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
        if let (Engine::Sqlite, false, Location::File(path)) = (self.engine, self.read_only, &*self.location) {
            sqlite::leave_one_file(path).await;
        }
    }
}

/// A name for this process on the store, unique among the opsdecks on it.
fn instance_name() -> Arc<str> {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    format!("opsdeck-{}-{:08x}", std::process::id(), h.finish() as u32).into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn inserts_are_numbered_across_rows() {
        assert_eq!(
            super::insert_sql("t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }
}
