//! A PostgreSQL database as an audit witness (`[audit] witnesses =
//! ["postgres://user:${VAR}@host/db"]`), for a file store whose writer
//! cannot reach that server: each checkpoint is one row holding its JSON
//! line, read back as a witness file's lines are. Give the role INSERT and
//! SELECT on the table only, and the rows are out of its reach too.

use crate::config::ConfigUrl;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;

const TABLE: &str = "CREATE TABLE IF NOT EXISTS opsdeck_witness (\
    id BIGSERIAL PRIMARY KEY, line TEXT NOT NULL, received_at TIMESTAMPTZ NOT NULL DEFAULT now())";

async fn connect(url: &ConfigUrl) -> Result<sqlx::PgConnection, String> {
    let expanded = url.expand()?;
    // sqlx's message could echo the URL; say only what is wrong.
    let opts = PgConnectOptions::from_str(expanded.expose())
        .map_err(|_| format!("cannot read the witness url {url}"))?
        .application_name("opsdeck-witness");
    opts.connect().await.map_err(|e| why(url, &e))
}

fn why(url: &ConfigUrl, e: &sqlx::Error) -> String {
    let reason = super::team::unreachable_reason(e).unwrap_or_else(|| match e {
        sqlx::Error::Database(db) => db.message().to_string(),
        _ => "the server refused".to_string(),
    });
    format!("{url}: {}", crate::text::clean::line(reason))
}

/// Add one checkpoint line.
pub async fn publish(url: &ConfigUrl, line: &str) -> Result<(), String> {
    let mut conn = connect(url).await?;
    let done = async {
        sqlx::query(TABLE).execute(&mut conn).await?;
        sqlx::query("INSERT INTO opsdeck_witness (line) VALUES ($1)")
            .bind(line)
            .execute(&mut conn)
            .await
    }
    .await;
    let _ = conn.close().await;
    done.map(|_| ()).map_err(|e| why(url, &e))
}

/// Every checkpoint line, oldest first.
pub async fn lines(url: &ConfigUrl) -> Result<Vec<String>, String> {
    let mut conn = connect(url).await?;
    let rows = sqlx::query_scalar("SELECT line FROM opsdeck_witness ORDER BY id")
        .fetch_all(&mut conn)
        .await;
    let _ = conn.close().await;
    rows.map_err(|e| why(url, &e))
}
