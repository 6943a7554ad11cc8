//! Turning what a source hands over (SQL rows as JSON objects, a JSON file,
//! a CSV file) into `AccessRow`s. A bad row is reported with its number and
//! skipped; it is never silently dropped from the count.

use crate::model::access::{AccessRow, LastLogin};
use crate::text::clean;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Columns with a meaning; every other column is kept in `extra`.
pub const KNOWN_COLUMNS: [&str; 8] = [
    "subject",
    "role",
    "status",
    "last_login_at",
    "created_at",
    "mfa_enabled",
    "organization",
    "granted_by",
];

/// What a source gave: the good rows, and one line per bad row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub rows: Vec<AccessRow>,
    /// "row 7: no subject" — the row number as the source counts it.
    pub problems: Vec<String>,
    /// Rows the source returned, good and bad.
    pub total: usize,
}

impl Parsed {
    fn push(&mut self, number: String, result: Result<AccessRow, String>) {
        self.total += 1;
        match result {
            Ok(r) => self.rows.push(r),
            Err(e) => self.problems.push(clean::line(format!("{number}: {e}"))),
        }
    }
}

/// One row given as column → value. A null (or empty) `last_login_at` means
/// "never logged in"; a source without the column says nothing ("unknown").
pub fn row_from_map(source: &str, map: &Map<String, Value>) -> Result<AccessRow, String> {
    let text = |key: &str| -> Result<Option<String>, String> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            // A source's cells are anyone's words, drawn and exported:
            // no control character is kept.
            Some(Value::String(s)) => Ok(Some(clean::line_of(s.trim()))),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(v.to_string())),
            Some(_) => Err(format!("{key} is not text")),
        }
    };
    let subject = text("subject")?.ok_or("no subject")?;
    let role = text("role")?.ok_or("no role")?;
    let last_login = match map.get("last_login_at") {
        None => LastLogin::Unknown,
        Some(v) => match time_of(v).map_err(|e| format!("last_login_at: {e}"))? {
            Some(t) => LastLogin::At(t),
            None => LastLogin::Never,
        },
    };
    let created_at = match map.get("created_at") {
        None => None,
        Some(v) => time_of(v).map_err(|e| format!("created_at: {e}"))?,
    };
    let mfa_enabled = match map.get("mfa_enabled") {
        None => None,
        Some(v) => bool_of(v).map_err(|e| format!("mfa_enabled: {e}"))?,
    };
    let extra = map
        .iter()
        .filter(|(k, _)| !KNOWN_COLUMNS.contains(&k.as_str()))
        .map(|(k, v)| (clean::line_of(k), clean::line(display(v))))
        .collect::<BTreeMap<_, _>>();
    Ok(AccessRow {
        source: source.to_string(),
        subject,
        role,
        status: text("status")?,
        last_login,
        created_at,
        mfa_enabled,
        organization: text("organization")?,
        granted_by: text("granted_by")?,
        extra,
    })
}

fn display(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A time as PostgreSQL's JSON, ISO 8601, or a plain date writes it;
/// a naive time is taken as UTC. Empty or null: none.
fn time_of(v: &Value) -> Result<Option<DateTime<Utc>>, String> {
    let s = match v {
        Value::Null => return Ok(None),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s.trim(),
        other => return Err(format!("{other} is not a time")),
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Ok(Some(t.with_timezone(&Utc)));
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(Some(t.and_utc()));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()));
    }
    Err(format!(
        "{:?} is not a time (use 2026-11-23T03:00:00Z or 2026-11-23)",
        clip(s)
    ))
}

fn bool_of(v: &Value) -> Result<Option<bool>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::Number(n) if n.as_i64() == Some(0) => Ok(Some(false)),
        Value::Number(n) if n.as_i64() == Some(1) => Ok(Some(true)),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" | "t" | "yes" | "y" | "1" | "on" => Ok(Some(true)),
            "false" | "f" | "no" | "n" | "0" | "off" => Ok(Some(false)),
            _ => Err(format!("{:?} is not true or false", clip(s))),
        },
        other => Err(format!("{} is not true or false", clip(&other.to_string()))),
    }
}

/// Values quoted in messages stay short: a row can hold anything.
fn clip(s: &str) -> String {
    crate::text::fit(s, 40)
}

/// Rows from JSON: an array of objects, or an object holding one such array
/// (`{"users": [...]}`, as some RBAC exports write it).
pub fn parse_json(source: &str, text: &str) -> Result<Parsed, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let items = match &value {
        Value::Array(items) => items,
        Value::Object(map) => {
            let arrays: Vec<&Vec<Value>> = map.values().filter_map(Value::as_array).collect();
            match arrays.as_slice() {
                [one] => *one,
                _ => return Err("expected an array of rows, or an object with one array of rows".into()),
            }
        }
        _ => return Err("expected an array of rows".into()),
    };
    let mut parsed = Parsed::default();
    for (i, item) in items.iter().enumerate() {
        let result = match item {
            Value::Object(map) => row_from_map(source, map),
            _ => Err("not an object".to_string()),
        };
        parsed.push(format!("row {}", i + 1), result);
    }
    Ok(parsed)
}

/// Rows from CSV with a header line. An empty cell is a missing value
/// (an empty `last_login_at` cell means "never logged in").
pub fn parse_csv(source: &str, bytes: &[u8]) -> Result<Parsed, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("header: {e}"))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    for needed in ["subject", "role"] {
        if !header.iter().any(|h| h == needed) {
            return Err(format!("no {needed:?} column in the header ({})", header.join(", ")));
        }
    }
    let mut parsed = Parsed::default();
    for (i, record) in reader.records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map(|p| p.line())
            .unwrap_or(i as u64 + 2);
        let result = record.map_err(|e| csv_error(&e)).and_then(|r| {
            let map: Map<String, Value> = header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.clone(), Value::String(v.to_string())))
                .collect();
            row_from_map(source, &map)
        });
        parsed.push(format!("row {} (line {line})", i + 1), result);
    }
    Ok(parsed)
}

fn csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("{len} fields where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not UTF-8".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_bad_ones_numbered() {
        let text = "subject,role,last_login_at,mfa_enabled,team\n\
                    alice,admin,2026-11-01T10:00:00Z,true,ops\n\
                    ,viewer,,,x\n\
                    bob,viewer,,maybe,y\n\
                    carol,viewer\n\
                    dave,viewer,2026-01-02,0,z\n";
        let p = parse_csv("hr", text.as_bytes()).expect("parses");
        assert_eq!(p.total, 5);
        assert_eq!(p.rows.len(), 2);
        assert_eq!(
            p.problems,
            vec![
                "row 2 (line 3): no subject",
                "row 3 (line 4): mfa_enabled: \"maybe\" is not true or false",
                "row 4 (line 5): 2 fields where the header has 5",
            ]
        );
        assert_eq!(p.rows[0].extra.get("team").map(String::as_str), Some("ops"));
        assert_eq!(p.rows[1].mfa_enabled, Some(false));
        assert!(matches!(p.rows[1].last_login, LastLogin::At(_)));
    }

    #[test]
    fn json_rows_null_login_is_never_missing_is_unknown() {
        let text = r#"{"users": [
            {"subject": "a", "role": "admin", "last_login_at": null, "mfa_enabled": false},
            {"subject": "b", "role": "viewer"},
            {"subject": "c"},
            "junk",
            {"subject": "d", "role": "x", "last_login_at": "2026-11-20 08:15:00.123+00"}
        ]}"#;
        let p = parse_json("rbac", text).expect("parses");
        assert_eq!(p.total, 5);
        assert_eq!(p.problems, vec!["row 3: no role", "row 4: not an object"]);
        assert_eq!(p.rows[0].last_login, LastLogin::Never);
        assert_eq!(p.rows[1].last_login, LastLogin::Unknown);
        assert!(matches!(p.rows[2].last_login, LastLogin::At(_)));
        assert!(parse_json("x", "{").is_err());
        assert!(parse_json("x", "{\"a\": [], \"b\": []}").is_err());
    }

    #[test]
    fn terminal_controls_in_cells_are_made_visible() {
        let text = "subject,role,note\n\"ann\x1b]2;T\x07\",admin,\"\u{9b}x\"\n";
        let p = parse_csv("hr", text.as_bytes()).expect("parses");
        assert_eq!(p.rows[0].subject, "ann␛]2;T␇");
        assert_eq!(p.rows[0].extra["note"], "[U+009B]x");
    }

    #[test]
    fn csv_without_subject_column_is_an_error() {
        let e = parse_csv("x", b"user,role\nalice,admin\n").expect_err("no subject");
        assert!(e.contains("no \"subject\" column"), "{e}");
    }
}
