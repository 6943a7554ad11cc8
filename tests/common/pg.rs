//! A fresh, empty PostgreSQL database per test on the cluster tests/run.sh
//! starts, and the team store pointing at it (its password by reference).
//! Without OPSDECK_TEST_PG_URL / OPSDECK_TEST_PG_PASSWORD the test fails.
//! And reading a file store and a team store table by table, to compare them.

use opsdeck::config::{ConfigUrl, SecretRef};
use opsdeck::store::{Engine, Store, TeamStore};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Executor, Row};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

/// The environment variable the team stores' password is read from.
pub const PASSWORD_ENV: &str = "OPSDECK_TEST_PG_PASSWORD";

/// One test's database; dropped (best effort) with this value.
pub struct TestDb {
    pub name: String,
    pub team: TeamStore,
}

impl TestDb {
    /// The team store's URL, without a password.
    pub fn url(&self) -> &str {
        self.team.url.as_written()
    }

    /// A direct connection to this database.
    pub async fn connect(&self) -> PgConnection {
        connect_to(&self.name).await
    }
}

/// `url` with its database name replaced by `db` (query string kept).
pub fn with_database(url: &str, db: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("OPSDECK_TEST_PG_URL is scheme://...");
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.find('?').map(|q| &tail[q..]).unwrap_or("");
    format!("{scheme}://{authority}/{db}{query}")
}

fn options(db: &str) -> PgConnectOptions {
    PgConnectOptions::from_str(&with_database(&super::pg_url(), db))
        .expect("OPSDECK_TEST_PG_URL parses")
        .password(&super::pg_password())
        .application_name("opsdeck-test")
}

async fn connect_to(db: &str) -> PgConnection {
    PgConnection::connect_with(&options(db))
        .await
        .unwrap_or_else(|e| panic!("connect to the test PostgreSQL, database {db}: {e}"))
}

/// The cluster's own database (the one in OPSDECK_TEST_PG_URL), for
/// creating and dropping the others.
fn admin_db() -> String {
    let url = super::pg_url();
    let opts = PgConnectOptions::from_str(&url).expect("OPSDECK_TEST_PG_URL parses");
    opts.get_database().unwrap_or("postgres").to_string()
}

/// A database no other test (or run) uses: `opsdeck_t_<pid>_<n>_<nanos>`.
fn unique_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "opsdeck_t_{}_{}_{nanos:x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A new, empty database and the team store on it.
pub async fn fresh_db() -> TestDb {
    // Both must be set: named in the panic when one is not.
    let url = super::pg_url();
    let _ = super::pg_password();
    let name = unique_name();
    let mut admin = connect_to(&admin_db()).await;
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    let _ = admin.close().await;
    TestDb {
        team: TeamStore {
            url: ConfigUrl::new(with_database(&url, &name)),
            password: SecretRef {
                env: Some(PASSWORD_ENV.into()),
                file: None,
            },
        },
        name,
    }
}

impl Drop for TestDb {
    /// Best effort, on a thread of its own (Drop cannot await): FORCE ends
    /// the connections pools of the test may still hold.
    fn drop(&mut self) {
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut admin = PgConnection::connect_with(&options(&admin_db())).await.ok()?;
                let done = admin
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await;
                let _ = admin.close().await;
                done.ok()
            })
        });
        let _ = dropped.join();
    }
}

// ------------------------------------------------- a file next to a team store

/// The tables worth comparing (every table of the file but sqlx's,
/// presence and the flight recorder's history, which `state migrate` does
/// not carry), with their columns and whether each is an integer.
pub async fn schema(file: &Store) -> Vec<(String, Vec<(String, bool)>)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' \
         AND name NOT LIKE '%sqlx%' AND name <> 'presence' AND name NOT LIKE 'history%' ORDER BY name",
    )
    .fetch_all(file.pool())
    .await
    .expect("tables");
    let mut out = Vec::new();
    for t in tables {
        let cols = sqlx::query("SELECT name, type, pk FROM pragma_table_info($1) ORDER BY pk = 0, cid")
            .bind(&t)
            .fetch_all(file.pool())
            .await
            .expect("columns");
        let cols = cols
            .iter()
            .map(|r| {
                let ty: String = r.get("type");
                (r.get::<String, _>("name"), ty.eq_ignore_ascii_case("INTEGER"))
            })
            .collect();
        out.push((t, cols));
    }
    out
}

#[derive(Debug, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
}

/// Every row of `table`, key first, in key order (byte order for text).
pub async fn rows(store: &Store, table: &str, cols: &[(String, bool)]) -> Vec<Vec<Value>> {
    let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
    let collate = match (store.engine(), cols[0].1) {
        (Engine::Postgres, false) => " COLLATE \"C\"",
        _ => "",
    };
    let sql = format!(
        "SELECT {} FROM {table} ORDER BY {}{collate}",
        names.join(", "),
        names[0]
    );
    let fetched = sqlx::query(&sql).fetch_all(store.pool()).await.expect(&sql);
    fetched
        .iter()
        .map(|r| {
            cols.iter()
                .enumerate()
                .map(|(i, (_, int))| match int {
                    true => Value::Int(r.get(i)),
                    false => Value::Text(r.get(i)),
                })
                .collect()
        })
        .collect()
}

pub async fn counts(store: &Store, tables: &[(String, Vec<(String, bool)>)]) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for (t, _) in tables {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}"))
            .fetch_one(store.pool())
            .await
            .expect("count");
        out.push((t.clone(), n));
    }
    out
}
