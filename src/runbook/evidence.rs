//! Evidence of a check: what was seen, with secrets taken out, cut short for
//! the session record, and hashed whole so the excerpt can be tied to it.
//!
//! Redaction happens before anything is cut or hashed: the hash is of the
//! redacted text, so a session record never depends on (or leaks) a secret.

use crate::config::{Config, Secret};
use regex::Regex;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// Longest evidence kept with a result, in characters, the cut mark included.
pub const EVIDENCE_MAX: usize = 500;
/// Longest `observed` text: one line for a table cell.
pub const OBSERVED_MAX: usize = 200;
/// What a secret is replaced by.
pub const REDACTED: &str = "[redacted]";
/// Secret values shorter than this are not searched for: replacing every "1"
/// in the evidence would hide what was seen and protect nothing.
const MIN_SECRET_LEN: usize = 4;

/// Masks secrets in text: the values the config resolves (passwords by
/// reference, passwords inside expanded URLs) and anything shaped like a
/// credential. `Debug` never shows the values.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole.
    secrets: Vec<Secret>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        let mut secrets: Vec<Secret> = secrets
            .into_iter()
            .filter(|s| s.expose().chars().count() >= MIN_SECRET_LEN)
            .collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.expose().len()));
        secrets.dedup();
        Self { secrets }
    }

    /// Every secret the config can resolve now. A reference that does not
    /// resolve (variable unset, file unreadable) holds nothing to hide; the
    /// check that needs it fails with its own message.
    pub fn from_config(config: &Config) -> Self {
        let mut found = Vec::new();
        for p in &config.postgres {
            if let Ok(Some(pw)) = p.password().resolve() {
                found.push(pw);
            }
        }
        let urls = config
            .docker
            .iter()
            .map(|d| &d.url)
            .chain(config.http.iter().map(|h| &h.url))
            .chain(config.postgres.iter().map(|p| &p.url))
            .chain(config.alertmanager.iter().map(|a| &a.url));
        for url in urls {
            if let Ok(expanded) = url.expand() {
                found.extend(url_secrets(expanded.expose()).into_iter().map(Secret::new));
            }
        }
        Self::new(found)
    }

    /// `text` with every known secret and every credential-shaped pattern
    /// replaced by `[redacted]`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.expose()) {
                out = out.replace(s.expose(), REDACTED);
            }
        }
        for (re, replacement) in PATTERNS.iter() {
            if re.is_match(&out) {
                out = re.replace_all(&out, *replacement).into_owned();
            }
        }
        out
    }

    /// The evidence kept with a result and the sha256 (hex) of the whole
    /// redacted text.
    pub fn seal(&self, full: &str) -> (String, String) {
        let clean = self.redact(full);
        let digest = hex::encode(Sha256::digest(clean.as_bytes()));
        (excerpt(&clean, EVIDENCE_MAX), digest)
    }

    /// `observed`: redacted, on one line, short.
    pub fn observed(&self, text: &str) -> String {
        let flat: String = self.redact(text).split_whitespace().collect::<Vec<_>>().join(" ");
        excerpt(&flat, OBSERVED_MAX)
    }
}

/// Secrets inside a URL: the password of `user:pw@`, and the values of query
/// parameters named like credentials (`?token=...`).
fn url_secrets(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((_, rest)) = url.split_once("://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if let Some((_, pw)) = userinfo.split_once(':') {
                out.push(pw.to_string());
            }
        }
    }
    if let Some((_, query)) = url.split_once('?') {
        for pair in query.split(['&', '#']) {
            if let Some((k, v)) = pair.split_once('=') {
                if CREDENTIAL_KEY.as_ref().is_some_and(|re| re.is_match(k)) {
                    out.push(v.to_string());
                }
            }
        }
    }
    out
}

/// Names of settings, variables and fields that hold credentials.
const KEY_WORDS: &str = r"(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)";

/// Built once; `None` only if the constant pattern did not compile, which
/// a unit test rules out (no panic path either way).
static CREDENTIAL_KEY: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(&format!(r"(?i){KEY_WORDS}")).ok());

/// Credential-shaped text and its replacement.
static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let specs: [(String, &'static str); 7] = [
        // A private key block, whole.
        (
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z ]*PRIVATE KEY-----|\z)".into(),
            "[redacted private key]",
        ),
        // The password in scheme://user:password@host.
        (r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@".into(), "${1}[redacted]@"),
        // Authorization headers, to the end of the line.
        (
            r"(?i)\b((?:proxy-)?authorization\s*[:=]\s*)[^\r\n]+".into(),
            "${1}[redacted]",
        ),
        // password=..., PGPASSWORD=..., "token": "...", api_key: ...
        (
            format!(r#"(?i)([a-z0-9_.-]*{KEY_WORDS}(?:_[a-z0-9_]*)?["']?\s*[=:]\s*)('[^'\r\n]*'|"[^"\r\n]*"|[^\s"'&,;]+)"#),
            "${1}[redacted]",
        ),
        (r"(?i)\b(bearer|basic)\s+[a-z0-9._~+/=-]{8,}".into(), "${1} [redacted]"),
        // JSON web tokens.
        (r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*".into(), "[redacted]"),
        // Tokens with a well-known prefix: GitHub, GitLab, Slack, AWS access keys.
        (
            r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b".into(),
            "[redacted]",
        ),
    ];
    specs
        .into_iter()
        .filter_map(|(p, r)| Regex::new(&p).ok().map(|re| (re, r)))
        .collect()
});

/// At most `max` characters: the head and the tail of a longer text, with
/// one `…` where the middle was cut (the end of an output says most often
/// what went wrong, its start what ran).
pub fn excerpt(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let keep = max.saturating_sub(1);
    let head = keep * 2 / 3;
    let tail = keep - head;
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(count - tail));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(secrets: &[&str]) -> Redactor {
        Redactor::new(secrets.iter().map(|s| Secret::new(*s)))
    }

    #[test]
    fn known_secrets_are_replaced_wherever_they_appear() {
        let red = r(&["hunter2-long", "xyz"]);
        let out = red.redact("connected with hunter2-long; again hunter2-long. xyz stays");
        assert_eq!(out, "connected with [redacted]; again [redacted]. xyz stays");
        assert!(!format!("{red:?}").contains("hunter2"));
    }

    #[test]
    fn a_secret_inside_another_is_replaced_whole() {
        let red = r(&["abcd", "abcdefgh"]);
        assert_eq!(red.redact("x abcdefgh y"), "x [redacted] y");
    }

    #[test]
    fn credential_patterns_are_masked() {
        let red = Redactor::default();
        let cases = [
            ("PGPASSWORD=s3cr3t psql -h db", "PGPASSWORD=[redacted] psql -h db"),
            ("password=abc123 user=app", "password=[redacted] user=app"),
            ("host=db password = 'p w' x", "host=db password = [redacted] x"),
            ("Authorization: Bearer abc.def.ghi", "Authorization: [redacted]"),
            (
                "curl -H 'authorization: Basic dXNlcjpwYXNz'",
                "curl -H 'authorization: [redacted]",
            ),
            (r#"{"api_key": "k-123456"}"#, r#"{"api_key": [redacted]}"#),
            ("MYSQL_ROOT_PASSWORD=rootpw", "MYSQL_ROOT_PASSWORD=[redacted]"),
            ("postgres://app:pw0rd@db:5432/x", "postgres://app:[redacted]@db:5432/x"),
            ("token ghp_0123456789abcdefghijABCDEFGHIJ done", "token [redacted] done"),
            ("key AKIAABCDEFGHIJKLMNOP", "key [redacted]"),
            ("sent Bearer abcdefghijkl", "sent Bearer [redacted]"),
        ];
        for (input, want) in cases {
            assert_eq!(red.redact(input), want, "{input}");
        }
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        assert_eq!(red.redact(&format!("got {jwt}")), "got [redacted]");
        let pem = "a\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\nb";
        assert_eq!(red.redact(pem), "a\n[redacted private key]\nb");
    }

    #[test]
    fn every_pattern_compiles() {
        assert_eq!(PATTERNS.len(), 7);
        assert!(CREDENTIAL_KEY.is_some());
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let red = r(&["secretvalue"]);
        for text in [
            "api: running, healthy, 0 restarts",
            "HTTP 200 in 12 ms, certificate 80 days",
            "PWD=/home/alice",
            "password authentication failed for user \"app\"",
            "3 secrets: 2 active",
        ] {
            assert_eq!(red.redact(text), text);
        }
    }

    #[test]
    fn secrets_of_the_config_are_found() {
        std::env::set_var("OPSDECK_TEST_REDACT_PW", "pg-pass-from-env");
        std::env::set_var("OPSDECK_TEST_REDACT_URL_PW", "url-pass-value");
        let dir = tempfile::tempdir().expect("tempdir");
        let pw_file = dir.path().join("pw");
        std::fs::write(&pw_file, "pg-pass-from-file\n").expect("write");
        let text = format!(
            r#"
[[postgres]]
name = "a"
url = "postgres://u@h/db"
password_env = "OPSDECK_TEST_REDACT_PW"

[[postgres]]
name = "b"
url = "postgres://u@h/db"
password_file = "{}"

[[alertmanager]]
name = "am"
url = "http://u:${{OPSDECK_TEST_REDACT_URL_PW}}@h:9093"
"#,
            pw_file.display()
        );
        let config = Config::parse(&text, std::path::Path::new("t.toml")).expect("config");
        let red = Redactor::from_config(&config);
        let out = red.redact("pg-pass-from-env / pg-pass-from-file / url-pass-value");
        assert_eq!(out, "[redacted] / [redacted] / [redacted]");
    }

    #[test]
    fn url_query_tokens_are_secrets() {
        assert_eq!(
            url_secrets("https://h/x?user=a&access_token=tok123&b=2"),
            vec!["tok123".to_string()]
        );
        assert_eq!(url_secrets("https://u:pw@h/"), vec!["pw".to_string()]);
    }

    #[test]
    fn evidence_is_cut_once_and_hashed_whole_after_redaction() {
        let red = r(&["topsecret"]);
        let long = format!("start topsecret {} end", "x".repeat(2000));
        let (kept, digest) = red.seal(&long);
        assert_eq!(kept.chars().count(), EVIDENCE_MAX);
        assert_eq!(kept.matches('…').count(), 1);
        assert!(kept.starts_with("start [redacted] ") && kept.ends_with(" end"));
        let redacted = long.replace("topsecret", REDACTED);
        assert_eq!(digest, hex::encode(Sha256::digest(redacted.as_bytes())));
        let (short, _) = red.seal("short");
        assert_eq!(short, "short");
    }

    #[test]
    fn observed_is_one_short_line() {
        let red = Redactor::default();
        let o = red.observed(&format!("a\n  b\t{}", "y".repeat(400)));
        assert!(o.starts_with("a b "));
        assert!(!o.contains('\n'));
        assert_eq!(o.chars().count(), OBSERVED_MAX);
    }
}
