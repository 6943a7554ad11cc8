//! Secrets out of a pack: environment values with secret-looking names are
//! masked in `docker inspect`, those values become known secrets for every
//! file of the pack (a token copied into an innocently named variable or
//! echoed into the log is masked too), and every string of every file goes
//! through the redactor and the control-byte cleaner. Pure.

use crate::model::redact::{is_secret_key, Redactor, REDACTED};
use serde_json::Value;

/// The values of `Config.Env` entries whose name looks secret, in an
/// inspect answer as JSON.
pub fn env_secrets(inspect: &Value) -> Vec<String> {
    env_entries(inspect)
        .filter_map(|e| e.split_once('='))
        .filter(|(name, value)| is_secret_name(name) && !value.is_empty())
        .map(|(_, value)| value.to_string())
        .collect()
}

/// Whether an environment variable of this name holds a credential: the
/// Services pane's words and the redactor's, and on the safe side any name
/// with PASS or AUTH in it (an `AUTHOR` masked costs less than a token shown).
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    crate::model::docker::is_secret_name(name)
        || is_secret_key(name)
        || upper.contains("PASS")
        || upper.contains("AUTH")
}

fn env_entries(inspect: &Value) -> impl Iterator<Item = &str> {
    inspect
        .pointer("/Config/Env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// `inspect` with each secret-named `Config.Env` value replaced by
/// `[redacted]`, then every string (keys too) redacted and cleaned.
pub fn inspect(mut inspect: Value, red: &Redactor) -> Value {
    if let Some(env) = inspect.pointer_mut("/Config/Env").and_then(Value::as_array_mut) {
        for e in env.iter_mut() {
            if let Some((name, _)) = e
                .as_str()
                .and_then(|s| s.split_once('='))
                .filter(|(n, _)| is_secret_name(n))
            {
                *e = Value::String(format!("{name}={REDACTED}"));
            }
        }
    }
    json(inspect, red)
}

/// Every string of `v`, and every key, through the redactor and then
/// `text::clean` (line breaks stay: log text and queries have lines).
pub fn json(v: Value, red: &Redactor) -> Value {
    let mut v = redact_strings(v, red);
    crate::text::clean::json(&mut v);
    v
}

fn redact_strings(v: Value, red: &Redactor) -> Value {
    match v {
        Value::String(s) => Value::String(red.redact(&s)),
        Value::Array(items) => Value::Array(items.into_iter().map(|i| redact_strings(i, red)).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, val)| (red.redact(&k), redact_strings(val, red)))
                .collect(),
        ),
        other => other,
    }
}

/// Plain text (a log) redacted and cleaned of control bytes, lines kept.
pub fn text(s: &str, red: &Redactor) -> String {
    crate::text::clean::lines(red.redact(s))
}

/// A container, host or target name as part of a file name: letters,
/// digits, `.`, `_` and `-` kept, anything else `_` (no path, no space:
/// the manifest's lines stay `sha256sum -c` readable).
pub fn file_part(name: &str) -> String {
    let s = crate::text::file_name_chars(name.trim_start_matches('/'));
    match s.trim_start_matches('.') {
        "" => "_".into(),
        t => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_named_env_values_are_masked_and_known_everywhere() {
        let raw = json!({
            "Name": "/api",
            "Config": {
                "Env": ["API_TOKEN=tok-12345678", "GREETING=tok-12345678", "DB_PASSWORD=", "PATH=/bin", "AUTH_HEADER=xyzw1234"],
                "Cmd": ["sh", "-c", "echo tok-12345678"]
            }
        });
        let secrets = env_secrets(&raw);
        assert_eq!(secrets, vec!["tok-12345678".to_string(), "xyzw1234".to_string()]);
        let red = Redactor::new(&secrets);
        let masked = inspect(raw, &red);
        let text = masked.to_string();
        assert!(!text.contains("tok-12345678"), "{text}");
        assert!(!text.contains("xyzw1234"), "{text}");
        assert_eq!(masked.pointer("/Config/Env/0"), Some(&json!("API_TOKEN=[redacted]")));
        assert_eq!(masked.pointer("/Config/Env/1"), Some(&json!("GREETING=[redacted]")));
        assert_eq!(masked.pointer("/Config/Env/3"), Some(&json!("PATH=/bin")));
        assert_eq!(masked.pointer("/Config/Cmd/2"), Some(&json!("echo [redacted]")));
    }

    #[test]
    fn control_bytes_are_cleaned_and_lines_kept() {
        let red = Redactor::new(["s3cr3t-value"]);
        let out = text("a\x1b[2Jb s3cr3t-value\nnext", &red);
        assert!(!out.contains('\x1b'), "{out}");
        assert!(out.ends_with("b [redacted]\nnext"), "{out}");
        let v = json(json!({"k\x07": "x\x1b]0;t\x07y"}), &red);
        assert!(!v.to_string().contains('\u{7}'), "{v}");
    }

    #[test]
    fn names_become_safe_file_parts() {
        assert_eq!(file_part("/web-1"), "web-1");
        assert_eq!(file_part("a b/../c"), "a_b_.._c");
        assert_eq!(file_part(".."), "_");
        assert_eq!(file_part("prod.db"), "prod.db");
    }
}
