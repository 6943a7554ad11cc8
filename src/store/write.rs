//! One write transaction: BEGIN (IMMEDIATE on SQLite), the statements, then
//! COMMIT, or ROLLBACK when anything failed, and a connection that cannot be
//! shown to be out of the transaction never goes back into the pool.
//!
//! Why not sqlx's `Transaction`: when a full or read-only disk refuses the
//! COMMIT (in WAL mode the pages reach the disk only then), SQLite rolls the
//! transaction back itself, sqlx's count of open transactions no longer
//! matches, and the connection's next transaction becomes a SAVEPOINT whose
//! failed RELEASE leaves SQLite inside a transaction for good. Every later
//! "autocommit" write on that connection was then reported saved, shown,
//! and never reached the disk.

use super::{At, Engine, Store, StoreError};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection};

pub(crate) struct Write<'s> {
    store: &'s Store,
    conn: PoolConnection<Any>,
    /// Committed or rolled back: the connection may be reused.
    settled: bool,
}

impl Store {
    /// Start a write. On SQLite, IMMEDIATE: concurrent writers (other
    /// tasks, other opsdeck processes) queue up at the start instead of
    /// failing half-way. On PostgreSQL rows are locked where a write needs
    /// it (`Write::serialize`).
    pub(crate) async fn begin_write(&self) -> Result<Write<'_>, StoreError> {
        let mut conn = self.pool().acquire().await.at(self)?;
        let begin = match self.engine {
            Engine::Sqlite => "BEGIN IMMEDIATE",
            Engine::Postgres => "BEGIN",
        };
        let begun = sqlx::query(begin).execute(&mut *conn).await.at(self);
        let mut w = Write {
            store: self,
            conn,
            settled: false,
        };
        match begun {
            Ok(_) => Ok(w),
            Err(e) => {
                w.roll_back().await;
                Err(e)
            }
        }
    }
}

impl Write<'_> {
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }

    /// Make this transaction wait for every other one that called it with
    /// the same `table` until they end: how appends that read the newest
    /// row (the audit chain's head) never fork. SQLite's IMMEDIATE already
    /// serialises every write; PostgreSQL locks the table against other
    /// writers (readers go on).
    pub(crate) async fn serialize(&mut self, table: &str) -> Result<(), StoreError> {
        if self.store.engine == Engine::Postgres {
            sqlx::query(&format!("LOCK TABLE {table} IN EXCLUSIVE MODE"))
                .execute(&mut *self.conn)
                .await
                .at(self.store)?;
        }
        Ok(())
    }

    /// Commit what `body` did, or undo it when it failed. Only an Ok from
    /// here means saved, and only then may the screen show it.
    pub(crate) async fn finish<T>(mut self, body: Result<T, StoreError>) -> Result<T, StoreError> {
        let failed = match body {
            Ok(done) => match sqlx::query("COMMIT").execute(&mut *self.conn).await.at(self.store) {
                Ok(_) => {
                    self.settled = true;
                    return Ok(done);
                }
                Err(e) => e,
            },
            Err(e) => e,
        };
        self.roll_back().await;
        Err(failed)
    }

    async fn roll_back(&mut self) {
        self.settled = match sqlx::query("ROLLBACK").execute(&mut *self.conn).await {
            Ok(_) => true,
            // A refused COMMIT was rolled back by SQLite already.
            Err(sqlx::Error::Database(e)) => e.message().contains("no transaction is active"),
            Err(_) => false,
        };
    }
}

impl Drop for Write<'_> {
    /// Unsettled (a ROLLBACK that failed too, or a task cancelled half-way):
    /// closing the connection rolls back whatever the database still holds.
    fn drop(&mut self) {
        if !self.settled {
            self.conn.close_on_drop();
        }
    }
}
