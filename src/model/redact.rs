//! Secrets out of text: one redactor for everything that is stored, sent or
//! drawn — check evidence, what an operator types (notes, reasons,
//! justifications, ack comments) and what comes from outside (container
//! environment, labels, command lines, query text, alert annotations).
//!
//! It masks the values the config references (known at start-up, given by
//! the caller: `model` reads no config) and anything shaped like a
//! credential: `key=value` pairs with secret-looking keys, passwords in
//! URLs (user and host stay visible), authorization headers, SQL password
//! literals, private-key blocks and tokens with a well-known prefix.

use regex::{Captures, Regex};
use std::sync::{Arc, LazyLock};

/// What a secret is replaced by.
pub const REDACTED: &str = "[redacted]";
/// Secret values shorter than this are not searched for: replacing every "1"
/// would hide what was written and protect nothing.
const MIN_SECRET_LEN: usize = 4;

/// Masks secrets in text. Cheap to clone (the known values are shared);
/// `Debug` never shows them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole.
    secrets: Arc<Vec<String>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    /// A redactor that also masks each of these values wherever it appears.
    pub fn new<S: AsRef<str>>(secrets: impl IntoIterator<Item = S>) -> Self {
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .map(|s| s.as_ref().to_string())
            .filter(|s| s.chars().count() >= MIN_SECRET_LEN)
            .collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Self {
            secrets: Arc::new(secrets),
        }
    }

    /// `text` with every known secret and every credential-shaped pattern
    /// replaced by `[redacted]`.
    pub fn redact(&self, text: &str) -> String {
        self.redact_counted(text).0
    }

    /// `text` redacted, and how many secrets were taken out (to tell the
    /// operator their note was changed).
    pub fn redact_counted(&self, text: &str) -> (String, usize) {
        let mut out = text.to_string();
        let mut count = 0;
        for s in self.secrets.iter() {
            let n = out.matches(s.as_str()).count();
            if n > 0 {
                out = out.replace(s.as_str(), REDACTED);
                count += n;
            }
        }
        for pattern in PATTERNS.iter() {
            if !pattern.re.is_match(&out) {
                continue;
            }
            let mut n = 0;
            let replaced = pattern.re.replace_all(&out, |c: &Captures| match (pattern.replace)(c) {
                Some(r) => {
                    n += 1;
                    r
                }
                None => c[0].to_string(),
            });
            if n > 0 {
                out = replaced.into_owned();
                count += n;
            }
        }
        (out, count)
    }
}

/// Secrets inside a URL: the password of `user:pw@`, and the values of query
/// parameters named like credentials (`?token=...`).
pub fn url_secrets(url: &str) -> Vec<String> {
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
                if is_secret_key(k) {
                    out.push(v.to_string());
                }
            }
        }
    }
    out
}

/// Whether a setting, variable or field of this name holds a credential.
pub fn is_secret_key(name: &str) -> bool {
    SECRET_NAME.as_ref().is_some_and(|re| re.is_match(name)) && !is_working_dir(name)
}

/// `PWD` and `OLDPWD` are the shell's working directories, not passwords.
fn is_working_dir(key: &str) -> bool {
    key.eq_ignore_ascii_case("pwd") || key.eq_ignore_ascii_case("oldpwd")
}

/// Names of settings, variables and fields that hold credentials.
const KEY_WORDS: &str =
    r"(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|auth)";

/// A name that holds a credential: a key word anywhere in it, the short
/// ones (`pwd`, `auth`) only as a whole part (`DB_PWD`, `basic.auth`, not
/// `author`). Built once; `None` only if the constant pattern did not
/// compile, which a unit test rules out (no panic path either way).
static SECRET_NAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|(?:^|[_.-])(?:pwd|auth)(?:[_.-]|$)").ok()
});

/// One credential shape: where it is, and what a match becomes (`None`:
/// not a secret after all, left as it was).
struct Pattern {
    re: Regex,
    replace: Replace,
}

/// What a match becomes; `None`: left as it was.
type Replace = fn(&Captures) -> Option<String>;

/// Whether `s` has what a token has and a word has not: a digit, a symbol,
/// or a capital letter after the first character. Keeps "basic
/// troubleshooting" readable while "Basic dXNlcjpwYXNz" is masked.
fn looks_like_token(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit() || "+/=_.~-".contains(c)) || s.chars().skip(1).any(|c| c.is_ascii_uppercase())
}

/// Whether the part a pattern would mask is already masked (a known secret
/// replaced first): not counted twice.
fn already(s: &str) -> bool {
    s.starts_with(REDACTED) || s.starts_with("'[redacted]'")
}

/// `${1}[redacted]${suffix}` unless group 2 is already masked.
fn keep_first(c: &Captures, suffix: &str) -> Option<String> {
    let secret = c.get(2).map_or("", |m| m.as_str());
    (!already(secret)).then(|| format!("{}{REDACTED}{suffix}", &c[1]))
}

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    let specs: [(String, Replace); 10] = [
        // A private key block, whole.
        (
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z ]*PRIVATE KEY-----|\z)".into(),
            |_| Some("[redacted private key]".into()),
        ),
        // The password in scheme://user:password@host.
        (r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]*:)([^\s@/]+)@".into(), |c| keep_first(c, "@")),
        // Authorization and cookie headers, to the end of the line.
        (
            r"(?i)\b((?:proxy-)?authorization\s*[:=]\s*|(?:set-)?cookie\s*:\s*)([^\r\n]+)".into(),
            |c| keep_first(c, ""),
        ),
        // SQL: ALTER ROLE x PASSWORD 'y', CREATE USER x IDENTIFIED BY 'y'.
        (
            r#"(?i)\b((?:password|identified\s+by)\s+)('(?:[^'\r\n]|'')*'|"[^"\r\n]*")"#.into(),
            |c| {
                let lit = c.get(2).map_or("", |m| m.as_str());
                // `'…'`: masked already (`postgres::mask_literals`).
                (!lit.contains(REDACTED) && lit != "'…'").then(|| format!("{}'{REDACTED}'", &c[1]))
            },
        ),
        // password=..., PGPASSWORD=..., "token": "...", api_key: ...
        (
            format!(
                r#"(?i)([a-z0-9_.-]*{KEY_WORDS}(?:_[a-z0-9_]*)?)(["']?\s*[=:]\s*)('[^'\r\n]*'|"[^"\r\n]*"|[^\s"'&,;]+)"#
            ),
            |c| {
                let value = c.get(3).map_or("", |m| m.as_str());
                if is_working_dir(&c[1]) || already(value.trim_matches(['"', '\''])) {
                    return None;
                }
                Some(format!("{}{}{REDACTED}", &c[1], &c[2]))
            },
        ),
        // Command-line flags: --password hunter2, --api-key k.
        (
            r"(?i)(--(?:[a-z0-9-]*-)?(?:password|passwd|token|secret|api-key)\s+)([^\s-]\S*)".into(),
            |c| keep_first(c, ""),
        ),
        // A bearer or basic credential outside a header.
        (r"(?i)\b(bearer|basic)(\s+)([a-z0-9._~+/=-]{8,})".into(), |c| {
            looks_like_token(&c[3]).then(|| format!("{}{}{REDACTED}", &c[1], &c[2]))
        }),
        // JSON web tokens.
        (
            r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*".into(),
            |_| Some(REDACTED.into()),
        ),
        // Tokens with a well-known prefix: GitHub, GitLab, Slack, Stripe, Google.
        (
            r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35})".into(),
            |_| Some(REDACTED.into()),
        ),
        // AWS access key ids.
        (r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b".into(), |_| Some(REDACTED.into())),
    ];
    specs
        .into_iter()
        .filter_map(|(p, replace)| Regex::new(&p).ok().map(|re| Pattern { re, replace }))
        .collect()
});

#[cfg(test)]
mod tests {
    use super::*;

    fn r(secrets: &[&str]) -> Redactor {
        Redactor::new(secrets)
    }

    #[test]
    fn every_pattern_compiles() {
        assert_eq!(PATTERNS.len(), 10);
        assert!(SECRET_NAME.is_some());
    }

    #[test]
    fn known_secrets_are_replaced_wherever_they_appear() {
        let red = r(&["hunter2-long", "xyz"]);
        let (out, n) = red.redact_counted("connected with hunter2-long; again hunter2-long. xyz stays");
        assert_eq!(out, "connected with [redacted]; again [redacted]. xyz stays");
        assert_eq!(n, 2);
        assert!(!format!("{red:?}").contains("hunter2"));
    }

    #[test]
    fn a_secret_inside_another_is_replaced_whole() {
        let red = r(&["abcd", "abcdefgh"]);
        assert_eq!(red.redact("x abcdefgh y"), "x [redacted] y");
    }

    #[test]
    fn a_configured_password_in_a_note_is_counted_once() {
        let red = r(&["bars-pw"]);
        let (out, n) = red.redact_counted("Tried psql with password bars-pw, then PGPASSWORD=bars-pw");
        assert_eq!(out, "Tried psql with password [redacted], then PGPASSWORD=[redacted]");
        assert_eq!(n, 2);
    }

    #[test]
    fn credential_patterns_are_masked() {
        let red = Redactor::default();
        let cases = [
            ("PGPASSWORD=hunter2 psql -h db", "PGPASSWORD=[redacted] psql -h db"),
            ("export DB_PASSWORD=s3cr3t", "export DB_PASSWORD=[redacted]"),
            (
                "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG",
                "AWS_SECRET_ACCESS_KEY=[redacted]",
            ),
            ("password=abc123 user=app", "password=[redacted] user=app"),
            ("db_pwd=abc123", "db_pwd=[redacted]"),
            ("host=db password = 'p w' x", "host=db password = [redacted] x"),
            ("credentials: alice:pa55", "credentials: [redacted]"),
            ("auth=abc123", "auth=[redacted]"),
            (r#"{"api_key": "k-123456"}"#, r#"{"api_key": [redacted]}"#),
            (r#"{"token":"abc"}"#, r#"{"token":[redacted]}"#),
            ("MYSQL_ROOT_PASSWORD=rootpw", "MYSQL_ROOT_PASSWORD=[redacted]"),
            ("postgres://app:pw0rd@db:5432/x", "postgres://app:[redacted]@db:5432/x"),
            (
                "DATABASE_URL=postgres://u:s3cr3tpw@db/x",
                "DATABASE_URL=postgres://u:[redacted]@db/x",
            ),
            ("redis://:pw0rd@cache", "redis://:[redacted]@cache"),
            ("Authorization: Bearer abc.def.ghi", "Authorization: [redacted]"),
            (
                "curl -H 'authorization: Basic dXNlcjpwYXNz'",
                "curl -H 'authorization: [redacted]",
            ),
            ("Cookie: session=abc123", "Cookie: [redacted]"),
            ("sent Bearer abcdefghijkl9", "sent Bearer [redacted]"),
            ("used Basic dXNlcjpwYXNz here", "used Basic [redacted] here"),
            (
                "ALTER ROLE app PASSWORD 'hunter2'",
                "ALTER ROLE app PASSWORD '[redacted]'",
            ),
            (
                "create user x identified by 'it''s'",
                "create user x identified by '[redacted]'",
            ),
            ("mysql --password hunter2 -h db", "mysql --password [redacted] -h db"),
            ("token ghp_0123456789abcdefghijABCDEFGHIJ done", "token [redacted] done"),
            ("slack xoxb-1234567890-abcdefghij", "slack [redacted]"),
            ("key AKIAABCDEFGHIJKLMNOP", "key [redacted]"),
        ];
        for (input, want) in cases {
            assert_eq!(red.redact(input), want, "{input}");
            assert!(red.redact_counted(input).1 >= 1, "{input}");
        }
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        assert_eq!(red.redact(&format!("got {jwt}")), "got [redacted]");
        let pem = "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\nb";
        assert_eq!(red.redact(pem), "a\n[redacted private key]\nb");
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let red = r(&["secretvalue"]);
        for text in [
            "api: running, healthy, 0 restarts",
            "HTTP 200 in 12 ms, certificate 80 days",
            "PWD=/home/alice",
            "OLDPWD=/tmp",
            "password reset for alice",
            "token bucket drained, rate limited at 10 tokens: fine",
            "did basic troubleshooting, then bearer of bad news",
            "password authentication failed for user \"app\"",
            "3 secrets: 2 active",
            "author: bob, see https://example.com/a:b@",
            "DATABASE_URL=postgres://u@db/x",
        ] {
            assert_eq!(red.redact_counted(text), (text.to_string(), 0), "{text}");
        }
    }

    #[test]
    fn a_known_secret_inside_a_pattern_is_counted_once() {
        let red = r(&["s3cr3tpw"]);
        assert_eq!(
            red.redact_counted("postgres://u:s3cr3tpw@db/x PGPASSWORD=s3cr3tpw"),
            ("postgres://u:[redacted]@db/x PGPASSWORD=[redacted]".to_string(), 2)
        );
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
    fn secret_keys_are_recognised() {
        for k in [
            "DB_PASSWORD",
            "PGPASSWORD",
            "AWS_SECRET_ACCESS_KEY",
            "api-key",
            "GITHUB_TOKEN",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in ["PWD", "OLDPWD", "LOG_LEVEL", "DATABASE_URL", "author", "oauth2_enabled"] {
            assert!(!is_secret_key(k), "{k}");
        }
    }
}
