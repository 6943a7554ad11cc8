//! The state store: SQLite (WAL, synchronous=FULL) with embedded migrations.
//! Persist before display: callers show a change only after these calls return.

pub mod acks;
pub mod audit;
pub mod fault;
mod read_only;
pub mod review;
pub mod review_export;
pub mod sessions;
mod write;

use fault::Fault;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use acks::AckRecord;
pub use audit::{AuditEntry, AuditRecord, Outcome, VerifyReport};
pub use review::{Campaign, CampaignSummary, Decision, DecisionRecord, ReviewItem};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("src/store/migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("state store {path}: {message}")]
    Open { path: PathBuf, message: String },
    /// The disk under the store refused: full, read-only or failing.
    #[error("state store {path}: {}", disk_text(*fault, *code))]
    Disk { path: PathBuf, fault: Fault, code: i32 },
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

/// What every connection to the store at `path` has, read-write or not.
fn connect_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
}

fn pool_options() -> SqlitePoolOptions {
    SqlitePoolOptions::new().max_connections(4)
}

/// A sqlx result with the store's file named when the disk is at fault.
pub(crate) trait At<T> {
    fn at(self, store: &Store) -> Result<T, StoreError>;
}

impl<T> At<T> for Result<T, sqlx::Error> {
    fn at(self, store: &Store) -> Result<T, StoreError> {
        self.map_err(|e| error_at(&store.path, store.read_only, e))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Db(e.to_string())
    }
}

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    path: Arc<PathBuf>,
    /// Opened read-only: the disk refused writes when it was opened.
    read_only: bool,
}

impl Store {
    /// Open (creating if needed) and migrate the store at `path`. When the
    /// disk refuses writes (full, or gone read-only) an existing store is
    /// opened for reading instead: the engineer still sees what was saved,
    /// and every write is refused with the reason.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let open_err = |message: String| StoreError::Open {
            path: path.to_path_buf(),
            message,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| open_err(format!("cannot create {}: {e}", dir.display())))?;
        }
        let opened = Self::open_rw(path).await;
        let Some(fault) = opened.as_ref().err().and_then(StoreError::fault) else {
            return opened;
        };
        if !path.exists() {
            return Err(open_err(format!("{} — cannot create the store", fault.says())));
        }
        match read_only::open(path, fault).await {
            Ok(pool) => Ok(Self {
                pool,
                path: Arc::new(path.to_path_buf()),
                read_only: true,
            }),
            Err(why @ StoreError::Open { .. }) => Err(why),
            Err(_) => opened,
        }
    }

    async fn open_rw(path: &Path) -> Result<Self, StoreError> {
        let opts = connect_options(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: an audit entry that was reported written survives power loss.
            .synchronous(SqliteSynchronous::Full);
        let pool = pool_options()
            .connect_with(opts)
            .await
            .map_err(|e| error_at(path, false, e))?;
        if let Err(e) = MIGRATOR.run(&pool).await {
            pool.close().await;
            return Err(match e {
                sqlx::migrate::MigrateError::Execute(e) | sqlx::migrate::MigrateError::ExecuteMigration(e, _)
                    if Fault::of(&e).is_some() =>
                {
                    error_at(path, false, e)
                }
                e => StoreError::Open {
                    path: path.to_path_buf(),
                    message: format!("migration failed: {e}"),
                },
            });
        }
        Ok(Self {
            pool,
            path: Arc::new(path.to_path_buf()),
            read_only: false,
        })
    }

    /// The file the store is in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .at(self)
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
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
    }
}
