//! Access sources: read a source's rows (a read-only SQL query against a
//! `[[postgres]]` target, or a JSON/CSV file) and run its `revoke` statement.
//! Both run on a task of their own; the UI only sees the result as a `Msg`.

pub mod rows;

use crate::backends::access::rows::{parse_csv, parse_json, Parsed};
use crate::config::{AccessSourceConfig, PostgresConfig};
pub use crate::model::access::{AccessLoad, SourceRows};
use chrono::{DateTime, Utc};
use sqlx::{Connection, Executor, Statement};
use std::time::Duration;

pub use crate::model::access::{flags, AccessRow, Flag, FlagKind, FlagRules, LastLogin, ReviewItem};

/// A review query reads a whole users table: allow it longer than a poll.
const LOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Flag every row and put them in queue order. Done on the loading task,
/// so fifty thousand rows cost the UI task nothing but a merge.
pub fn flagged(parsed: Parsed, rules: &FlagRules, now: DateTime<Utc>) -> SourceRows {
    let mut items: Vec<ReviewItem> = parsed
        .rows
        .into_iter()
        .map(|row| {
            let flags = flags(&row, rules, now);
            ReviewItem { id: 0, row, flags }
        })
        .collect();
    items.sort_by(|a, b| crate::model::access::queue_order((&a.row, &a.flags), (&b.row, &b.flags)));
    SourceRows {
        items,
        // A problem quotes the source's own bytes (a file name, a cell).
        problems: parsed.problems.into_iter().map(crate::text::clean::line).collect(),
        total: parsed.total,
    }
}

pub fn rules(src: &AccessSourceConfig) -> FlagRules {
    FlagRules {
        inactive_days: src.inactive_days,
        privileged_roles: src.privileged_roles.clone(),
    }
}

pub async fn load(src: &AccessSourceConfig, postgres: &[PostgresConfig]) -> AccessLoad {
    let result = match (&src.file, &src.database, &src.query) {
        (Some(file), _, _) => load_file(&src.name, file).await,
        (None, Some(db), Some(query)) => match postgres.iter().find(|p| &p.name == db) {
            Some(cfg) => {
                let timeout = cfg.timeout.max(LOAD_TIMEOUT);
                match tokio::time::timeout(timeout, load_sql(&src.name, cfg, query, timeout)).await {
                    Ok(r) => r,
                    Err(_) => Err(format!("no answer within {}", humantime::format_duration(timeout))),
                }
            }
            None => Err(format!("database {db:?} is not a [[postgres]] name")),
        },
        _ => Err("give either database + query, or file".into()),
    };
    let at = Utc::now();
    AccessLoad {
        source: src.name.clone(),
        at,
        result: result
            .map_err(crate::text::clean::line)
            .map(|parsed| flagged(parsed, &rules(src), at)),
    }
}

/// A file's errors name the file; its bad rows name their row.
async fn load_file(source: &str, path: &std::path::Path) -> Result<Parsed, String> {
    let shown = path.display();
    let bytes = tokio::fs::read(path).await.map_err(|e| format!("{shown}: {e}"))?;
    let is_json = match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("json") => true,
        Some(e) if e.eq_ignore_ascii_case("csv") => false,
        _ => bytes
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'[' || *b == b'{'),
    };
    let mut parsed = if is_json {
        let text = std::str::from_utf8(&bytes).map_err(|_| format!("{shown}: not UTF-8"))?;
        parse_json(source, text)
    } else {
        parse_csv(source, &bytes)
    }
    .map_err(|e| format!("{shown}: {e}"))?;
    for p in &mut parsed.problems {
        *p = format!("{shown}: {p}");
    }
    Ok(parsed)
}

/// The configured query, wrapped so every column arrives as JSON whatever its
/// type; run in a READ ONLY transaction, so a review query cannot change data.
/// The wrapper is built from the config, never from data.
async fn load_sql(source: &str, cfg: &PostgresConfig, query: &str, timeout: Duration) -> Result<Parsed, String> {
    let mut cfg = cfg.clone();
    cfg.timeout = timeout;
    let mut conn = crate::backends::postgres::connect(&cfg).await?;
    let body = query.trim().trim_end_matches(';');
    let wrapped = format!("SELECT row_to_json(q)::text FROM (\n{body}\n) AS q");
    let result = async {
        conn.execute("BEGIN READ ONLY").await?;
        let rows: Vec<String> = sqlx::query_scalar(&wrapped).fetch_all(&mut conn).await?;
        conn.execute("ROLLBACK").await?;
        Ok::<_, sqlx::Error>(rows)
    }
    .await
    .map_err(|e| describe(&e));
    let _ = conn.close().await;
    let mut parsed = Parsed::default();
    for (i, text) in result?.iter().enumerate() {
        let row = match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(map)) => crate::backends::access::rows::row_from_map(source, &map),
            _ => Err("not a row".to_string()),
        };
        parsed_push(&mut parsed, i, row);
    }
    Ok(parsed)
}

fn parsed_push(parsed: &mut Parsed, i: usize, row: Result<AccessRow, String>) {
    parsed.total += 1;
    match row {
        Ok(r) => parsed.rows.push(r),
        Err(e) => parsed.problems.push(format!("row {}: {e}", i + 1)),
    }
}

fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => crate::text::one_line(db.message()),
        other => crate::text::error_chain(other),
    }
}

/// Run the source's `revoke` statement with the subject as `$1` and the role
/// as `$2` (bound parameters, never text pasted into SQL). Returns the rows
/// it changed; the caller judges zero as a failure.
pub async fn revoke(
    src: &AccessSourceConfig,
    postgres: &[PostgresConfig],
    subject: &str,
    role: &str,
) -> Result<u64, String> {
    let Some(sql) = src.revoke.as_deref() else {
        return Err(format!("source {:?} has no revoke statement", src.name));
    };
    let Some(cfg) = src
        .database
        .as_ref()
        .and_then(|db| postgres.iter().find(|p| &p.name == db))
    else {
        return Err(format!("source {:?}: no [[postgres]] target to revoke on", src.name));
    };
    if cfg.read_only {
        return Err(format!("[[postgres]] {:?} is read-only", cfg.name));
    }
    match tokio::time::timeout(cfg.timeout, run_revoke(cfg, sql, subject, role)).await {
        Ok(r) => r,
        Err(_) => Err(format!("no answer within {}", humantime::format_duration(cfg.timeout))),
    }
}

async fn run_revoke(cfg: &PostgresConfig, sql: &str, subject: &str, role: &str) -> Result<u64, String> {
    let mut conn = crate::backends::postgres::connect(cfg).await?;
    let result = async {
        let mut tx = conn.begin().await.map_err(|e| describe(&e))?;
        // The statement says which parameters it takes: $1, or $1 and $2.
        let params = match (&mut *tx).prepare(sql).await.map_err(|e| describe(&e))?.parameters() {
            Some(sqlx::Either::Left(types)) => types.len(),
            Some(sqlx::Either::Right(n)) => n,
            None => 0,
        };
        let query = match params {
            1 => sqlx::query(sql).bind(subject),
            2 => sqlx::query(sql).bind(subject).bind(role),
            n => {
                return Err(format!(
                    "the revoke statement takes {n} parameters; use $1 (subject) and optionally $2 (role)"
                ))
            }
        };
        let done = query.execute(&mut *tx).await.map_err(|e| describe(&e))?;
        tx.commit().await.map_err(|e| describe(&e))?;
        Ok(done.rows_affected())
    }
    .await;
    let _ = conn.close().await;
    result
}
