//! Opening the embedded store: a SQLite file, created and migrated when it
//! can be written, read-only when the disk refuses writes.

use super::{error_at, fault::Fault, read_only, Engine, Location, Store, StoreError, MIGRATOR};
use sqlx::any::AnyConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{ConnectOptions, Connection};
use std::path::Path;
use std::sync::Arc;

/// What every connection to the store at `path` has, read-write or not,
/// in the form the `Any` driver takes (it opens SQLite from a URL only).
pub(super) fn connect_url(path: &Path, opts: SqliteConnectOptions) -> Result<AnyConnectOptions, StoreError> {
    sqlx::any::install_default_drivers();
    AnyConnectOptions::from_url(&opts.to_url_lossy()).map_err(|e| StoreError::Open {
        path: path.to_path_buf(),
        message: format!("cannot open the file through sqlx: {e}"),
    })
}

pub(super) async fn open(path: &Path) -> Result<Store, StoreError> {
    let open_err = |message: String| StoreError::Open {
        path: path.to_path_buf(),
        message,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| open_err(format!("cannot create {}: {e}", dir.display())))?;
    }
    let opened = open_rw(path).await;
    let Some(fault) = opened.as_ref().err().and_then(StoreError::fault) else {
        return opened;
    };
    if !path.exists() {
        return Err(open_err(format!("{} — cannot create the store", fault.says())));
    }
    match read_only::open(path, fault).await {
        Ok(pool) => Ok(store(pool, path, true)),
        Err(why @ StoreError::Open { .. }) => Err(why),
        Err(_) => opened,
    }
}

fn store(pool: sqlx::AnyPool, path: &Path, read_only: bool) -> Store {
    Store {
        pool,
        location: Arc::new(Location::File(path.to_path_buf())),
        engine: Engine::Sqlite,
        read_only,
        instance: super::instance_name(),
        heads: Default::default(),
    }
}

async fn open_rw(path: &Path) -> Result<Store, StoreError> {
    // Set the file up on a connection of its own first: WAL is kept in the
    // file, and an error here (a full or read-only disk) comes back as it
    // is. The pool would retry a failing setup until its timeout and say
    // only "timed out".
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .connect()
        .await
        .map_err(|e| error_at(path, false, e))?
        .close()
        .await
        .map_err(|e| error_at(path, false, e))?;
    let opts = connect_url(path, SqliteConnectOptions::new().filename(path))?;
    // Two connections: SQLite writes one at a time, and a reader beside
    // the writer is all the WAL allows to run at once. Each connection is
    // a thread and ~0.3 MiB of SQLite's own (schema, lookaside, cache).
    let pool = super::pool_options()
        .max_connections(2)
        .after_connect(|conn, _| {
            Box::pin(async move {
                // FULL: an audit entry reported written survives power
                // loss. The URL carries no pragmas; these write nothing,
                // so they cannot fail on a bad disk. sqlx's defaults (foreign
                // keys on, a 5 s busy timeout) come with the URL.
                use sqlx::Executor;
                conn.execute("PRAGMA synchronous = FULL").await?;
                // Each connection's page cache grows to 2 MiB by default as
                // the recorded history is read: up to 8 MiB resident in a
                // console that needs under 20. The OS caches the file too.
                conn.execute("PRAGMA cache_size = -512").await?;
                Ok(())
            })
        })
        .connect_with(opts)
        .await
        .map_err(|e| error_at(path, false, e))?;
    super::run_migrations(
        &pool,
        &MIGRATOR,
        path,
        |e| Fault::of(e).is_some(),
        |e| error_at(path, false, e),
    )
    .await?;
    Ok(store(pool, path, false))
}

/// After the pool closed: open one connection alone, checkpoint, close.
/// The pool's connections close on threads of their own, and two closing
/// at once may each see the other still open, so that neither checkpoints
/// and removes the -wal and -shm files. A lone connection is the last to
/// close, but SQLite removes the WAL on close only if that connection
/// opened it, which a connection that ran nothing has not: the checkpoint
/// opens it. So a closed store is one file again. Nothing here is lost if
/// it fails (the next open reads the WAL).
pub(super) async fn leave_one_file(path: &Path) {
    let closed = async {
        use sqlx::Executor;
        let mut conn = SqliteConnectOptions::new().filename(path).connect().await?;
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").await?;
        conn.close().await
    };
    if let Err(e) = closed.await {
        tracing::debug!(error = %e, "the store's WAL was left for the next open");
    }
}
