//! One value from an operator's query: run in a READ ONLY transaction with a
//! statement timeout, as a prepared statement (so one statement only: "SELECT
//! 1; DELETE ..." is refused by the server), the first column of the first
//! row rendered as text whatever its type.

use crate::config::PostgresConfig;
use sqlx::postgres::{PgConnection, PgRow, PgValueFormat};
use sqlx::{Column, Connection, Row, TypeInfo, ValueRef};
use std::time::Duration;

/// A value as text, and as a number when it is one (intervals in seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct PgValue {
    /// "1", "true", "2026-11-23T04:00:00+00:00", "NULL".
    pub text: String,
    pub number: Option<f64>,
    /// The server's type name ("INT4", "NUMERIC", "TEXT").
    pub type_name: String,
}

/// Run `sql` read-only on a fresh connection to `cfg` and return the first
/// column of its first row (`None`: no row). The statement may run at most
/// `timeout`; nothing it tries to change is kept.
pub async fn read_only_value(cfg: &PostgresConfig, sql: &str, timeout: Duration) -> Result<Option<PgValue>, String> {
    let mut conn = crate::backends::postgres::connect(cfg).await?;
    let result = query_on(&mut conn, sql, timeout).await;
    // A polite goodbye; the caller's timeout bounds it like everything else.
    let _ = conn.close().await;
    result
}

async fn query_on(conn: &mut PgConnection, sql: &str, timeout: Duration) -> Result<Option<PgValue>, String> {
    let mut tx = conn.begin().await.map_err(|e| db_error(&e))?;
    sqlx::query("SET TRANSACTION READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error(&e))?;
    // Local to this transaction; the value is a bind parameter, not SQL text.
    sqlx::query("SELECT set_config('statement_timeout', $1, true)")
        .bind(format!("{}ms", timeout.as_millis().max(1)))
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error(&e))?;
    let row = sqlx::query(sql).fetch_optional(&mut *tx).await;
    // Nothing is ever committed.
    let _ = tx.rollback().await;
    match row.map_err(|e| db_error(&e))? {
        Some(row) => render(&row).map(Some),
        None => Ok(None),
    }
}

/// The server's own words for a refused statement ("cannot execute CREATE
/// TABLE in a read-only transaction"), else the error chain.
fn db_error(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => crate::text::one_line(db.message()),
        other => crate::text::error_chain(other),
    }
}

/// The first column of `row` as text.
pub fn render(row: &PgRow) -> Result<PgValue, String> {
    let Some(column) = row.columns().first() else {
        return Err("the query returned no column".into());
    };
    let type_name = column.type_info().name().to_string();
    let raw = row.try_get_raw(0).map_err(|e| e.to_string())?;
    if raw.is_null() {
        return Ok(PgValue {
            text: "NULL".into(),
            number: None,
            type_name,
        });
    }
    let get_err = |e: sqlx::Error| format!("cannot read the {type_name} value: {e}");
    let (text, number): (String, Option<f64>) = match type_name.as_str() {
        "BOOL" => (row.try_get::<bool, _>(0).map_err(get_err)?.to_string(), None),
        "INT2" => num(row.try_get::<i16, _>(0).map_err(get_err)?),
        "INT4" => num(row.try_get::<i32, _>(0).map_err(get_err)?),
        "INT8" => {
            // Past 2^53 the number is approximate; the text stays exact.
            let v = row.try_get::<i64, _>(0).map_err(get_err)?;
            (v.to_string(), Some(v as f64))
        }
        "OID" => num(row.try_get::<sqlx::postgres::types::Oid, _>(0).map_err(get_err)?.0),
        "FLOAT4" => num(row.try_get::<f32, _>(0).map_err(get_err)?),
        "FLOAT8" => num(row.try_get::<f64, _>(0).map_err(get_err)?),
        "NUMERIC" => {
            let text = match raw.format() {
                PgValueFormat::Binary => numeric_text(raw.as_bytes().map_err(|e| e.to_string())?)?,
                PgValueFormat::Text => raw.as_str().map_err(|e| e.to_string())?.to_string(),
            };
            let n = text.parse::<f64>().ok();
            (text, n)
        }
        "TIMESTAMPTZ" => {
            let t = row.try_get::<chrono::DateTime<chrono::Utc>, _>(0).map_err(get_err)?;
            (t.to_rfc3339(), None)
        }
        "TIMESTAMP" => (
            row.try_get::<chrono::NaiveDateTime, _>(0).map_err(get_err)?.to_string(),
            None,
        ),
        "DATE" => (
            row.try_get::<chrono::NaiveDate, _>(0).map_err(get_err)?.to_string(),
            None,
        ),
        "TIME" => (
            row.try_get::<chrono::NaiveTime, _>(0).map_err(get_err)?.to_string(),
            None,
        ),
        "INTERVAL" => {
            let i = row
                .try_get::<sqlx::postgres::types::PgInterval, _>(0)
                .map_err(get_err)?;
            interval(i.months, i.days, i.microseconds)
        }
        "JSON" | "JSONB" => (
            row.try_get::<serde_json::Value, _>(0).map_err(get_err)?.to_string(),
            None,
        ),
        "UUID" => {
            let bytes = raw.as_bytes().map_err(|e| e.to_string())?;
            (uuid_text(bytes).ok_or("a malformed uuid value")?, None)
        }
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "\"CHAR\"" | "CHAR" | "UNKNOWN" | "CITEXT" => {
            let s = row.try_get::<String, _>(0).map_err(get_err)?;
            let n = s.trim().parse::<f64>().ok();
            (s, n)
        }
        // Enums and other types sent as text.
        _ if raw.format() == PgValueFormat::Text => {
            let s = raw.as_str().map_err(|e| e.to_string())?.to_string();
            let n = s.trim().parse::<f64>().ok();
            (s, n)
        }
        other => {
            return Err(format!(
                "a value of type {other} cannot be shown: cast it to text in the query (::text)"
            ))
        }
    };
    Ok(PgValue {
        text,
        number,
        type_name,
    })
}

fn num<T: ToString + Into<f64>>(v: T) -> (String, Option<f64>) {
    let n = v.to_string();
    (n, Some(v.into()))
}

/// PostgreSQL's interval text ("1 mon 2 days 03:04:05") and its length in
/// seconds (a month taken as 30 days, as PostgreSQL's own epoch does).
fn interval(months: i32, days: i32, micros: i64) -> (String, Option<f64>) {
    let mut parts = Vec::new();
    let plural = |n: i32, one: &str, many: &str| format!("{n} {}", if n.abs() == 1 { one } else { many });
    if months != 0 {
        parts.push(plural(months, "mon", "mons"));
    }
    if days != 0 {
        parts.push(plural(days, "day", "days"));
    }
    if micros != 0 || parts.is_empty() {
        let sign = if micros < 0 { "-" } else { "" };
        let abs = micros.unsigned_abs();
        let secs = abs / 1_000_000;
        let frac = abs % 1_000_000;
        let mut t = format!("{sign}{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
        if frac != 0 {
            t.push_str(format!(".{frac:06}").trim_end_matches('0'));
        }
        parts.push(t);
    }
    let seconds = f64::from(months) * 30.0 * 86_400.0 + f64::from(days) * 86_400.0 + micros as f64 / 1e6;
    (parts.join(" "), Some(seconds))
}

fn uuid_text(b: &[u8]) -> Option<String> {
    if b.len() != 16 {
        return None;
    }
    let h = hex::encode(b);
    Some(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

/// NUMERIC's binary form as PostgreSQL prints it: base-10000 digits with a
/// weight, a sign and a display scale (`numeric_send` in the server).
pub fn numeric_text(b: &[u8]) -> Result<String, String> {
    let word = |i: usize| -> Option<i16> { Some(i16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?])) };
    let bad = || "a malformed numeric value".to_string();
    let ndigits = usize::try_from(word(0).ok_or_else(bad)?).map_err(|_| bad())?;
    let weight = i32::from(word(2).ok_or_else(bad)?);
    let sign = word(4).ok_or_else(bad)? as u16;
    let dscale = usize::try_from(word(6).ok_or_else(bad)?).map_err(|_| bad())?;
    match sign {
        0xC000 => return Ok("NaN".into()),
        0xD000 => return Ok("Infinity".into()),
        0xF000 => return Ok("-Infinity".into()),
        0x0000 | 0x4000 => {}
        _ => return Err(bad()),
    }
    let digits: Vec<i16> = (0..ndigits)
        .map(|i| word(8 + 2 * i).filter(|d| (0..10_000).contains(d)))
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    // Digit i stands for digits[i] * 10000^(weight - i).
    let digit_at = |power: i32| -> i16 {
        let i = weight - power;
        usize::try_from(i)
            .ok()
            .and_then(|i| digits.get(i))
            .copied()
            .unwrap_or(0)
    };
    let mut out = String::new();
    if sign == 0x4000 && digits.iter().any(|d| *d != 0) {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        for power in (0..=weight).rev() {
            let d = digit_at(power);
            if power == weight {
                out.push_str(&d.to_string());
            } else {
                out.push_str(&format!("{d:04}"));
            }
        }
    }
    if dscale > 0 {
        let groups = dscale.div_ceil(4) as i32;
        let mut frac = String::new();
        for k in 1..=groups {
            frac.push_str(&format!("{:04}", digit_at(-k)));
        }
        frac.truncate(dscale);
        out.push('.');
        out.push_str(&frac);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(ndigits: i16, weight: i16, sign: u16, dscale: i16, digits: &[i16]) -> Vec<u8> {
        let mut b = Vec::new();
        for w in [ndigits, weight, sign as i16, dscale] {
            b.extend_from_slice(&w.to_be_bytes());
        }
        for d in digits {
            b.extend_from_slice(&d.to_be_bytes());
        }
        b
    }

    #[test]
    fn numerics_read_as_postgres_prints_them() {
        // 12.50
        assert_eq!(numeric_text(&numeric(2, 0, 0, 2, &[12, 5000])).as_deref(), Ok("12.50"));
        // 123456789.0001
        assert_eq!(
            numeric_text(&numeric(4, 2, 0, 4, &[1, 2345, 6789, 1])).as_deref(),
            Ok("123456789.0001")
        );
        // -0.001
        assert_eq!(numeric_text(&numeric(1, -1, 0x4000, 3, &[10])).as_deref(), Ok("-0.001"));
        // 0
        assert_eq!(numeric_text(&numeric(0, 0, 0, 0, &[])).as_deref(), Ok("0"));
        // 20000 (trailing zero groups are not sent)
        assert_eq!(numeric_text(&numeric(1, 1, 0, 0, &[2])).as_deref(), Ok("20000"));
        assert_eq!(numeric_text(&numeric(0, 0, 0xC000, 0, &[])).as_deref(), Ok("NaN"));
    }

    #[test]
    fn malformed_numerics_are_errors() {
        assert!(numeric_text(b"").is_err());
        assert!(numeric_text(&numeric(3, 0, 0, 0, &[1])).is_err());
        assert!(numeric_text(&numeric(1, 0, 0x1234, 0, &[1])).is_err());
        assert!(numeric_text(&numeric(1, 0, 0, 0, &[10_000])).is_err());
        assert!(numeric_text(&numeric(-1, 0, 0, 0, &[])).is_err());
    }

    #[test]
    fn intervals_read_as_postgres_prints_them() {
        assert_eq!(interval(0, 0, 3_600_000_000), ("01:00:00".into(), Some(3600.0)));
        assert_eq!(interval(1, 2, 0), ("1 mon 2 days".into(), Some(32.0 * 86_400.0)));
        assert_eq!(interval(0, 1, 1_500_000).0, "1 day 00:00:01.5");
        assert_eq!(interval(0, 0, 0).0, "00:00:00");
    }

    #[test]
    fn uuids_are_dashed() {
        assert_eq!(
            uuid_text(&[0x12; 16]).as_deref(),
            Some("12121212-1212-1212-1212-121212121212")
        );
        assert_eq!(uuid_text(&[1, 2]), None);
    }
}
