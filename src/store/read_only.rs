//! Opening a store the disk will not let us write: to read what was saved.
//! Nothing is created, migrated or written, and the -wal of a process that
//! was killed before the disk went read-only is read too.

use super::{error_at, fault::Fault, StoreError, MIGRATOR};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::AnyPool;
use std::path::Path;

/// `fault` is why the ordinary open failed; messages start with it.
pub(super) async fn open(path: &Path, fault: Fault) -> Result<AnyPool, StoreError> {
    let open_err = |what: &str| StoreError::Open {
        path: path.to_path_buf(),
        message: format!("{} — {what}", fault.says()),
    };
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    // No -wal (or an empty one, as a refused open leaves): every commit is
    // in the main file, and a disk that refuses writes lets no one change
    // it, so it is read as immutable (SQLite would otherwise need to create
    // a -shm). A -wal with commits in it is read through the -shm its writer
    // left beside it.
    let immutable = std::fs::metadata(Path::new(&wal)).map_or(true, |m| m.len() == 0);
    let opts = super::sqlite::connect_url(
        path,
        SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .immutable(immutable),
    )?;
    let pool = super::pool_options()
        .connect_with(opts)
        .await
        .map_err(|e| match Fault::of(&e) {
            Some(Fault::CantOpen) if !immutable => open_err("its -wal cannot be read without the -shm beside it"),
            _ => error_at(path, true, e),
        })?;
    // Migrating is a write: only a store this opsdeck already set up is read.
    let applied: Result<Vec<i64>, _> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
        .fetch_all(&pool)
        .await;
    let problem = match applied {
        Ok(applied) => MIGRATOR
            .iter()
            .any(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
            .then(|| open_err("the store needs migrating to this opsdeck version first")),
        Err(e) if Fault::of(&e).is_some() => Some(error_at(path, true, e)),
        Err(_) => Some(open_err("cannot set up the store")),
    };
    match problem {
        Some(e) => {
            pool.close().await;
            Err(e)
        }
        None => Ok(pool),
    }
}
