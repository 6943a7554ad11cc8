//! Evidence of a check: what was seen, with secrets taken out, cut short for
//! the session record, and hashed whole so the excerpt can be tied to it.
//!
//! Redaction happens before anything is cut or hashed: the hash is of the
//! redacted text, so a session record never depends on (or leaks) a secret.

pub use crate::model::redact::{Redactor, REDACTED};
use sha2::{Digest, Sha256};

/// Longest evidence kept with a result, in characters, the cut mark included.
pub const EVIDENCE_MAX: usize = 500;
/// Longest `observed` text: one line for a table cell.
pub const OBSERVED_MAX: usize = 200;

/// The evidence kept with a result and the sha256 (hex) of the whole
/// redacted text.
pub fn seal(redactor: &Redactor, full: &str) -> (String, String) {
    let clean = redactor.redact(full);
    let digest = hex::encode(Sha256::digest(clean.as_bytes()));
    (excerpt(&clean, EVIDENCE_MAX), digest)
}

/// `observed`: redacted, on one line, short.
pub fn observed(redactor: &Redactor, text: &str) -> String {
    let flat: String = redactor.redact(text).split_whitespace().collect::<Vec<_>>().join(" ");
    excerpt(&flat, OBSERVED_MAX)
}

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
        Redactor::new(secrets)
    }

    #[test]
    fn evidence_is_cut_once_and_hashed_whole_after_redaction() {
        let red = r(&["topsecret"]);
        let long = format!("start topsecret {} end", "x".repeat(2000));
        let (kept, digest) = seal(&red, &long);
        assert_eq!(kept.chars().count(), EVIDENCE_MAX);
        assert_eq!(kept.matches('…').count(), 1);
        assert!(kept.starts_with("start [redacted] ") && kept.ends_with(" end"));
        let redacted = long.replace("topsecret", REDACTED);
        assert_eq!(digest, hex::encode(Sha256::digest(redacted.as_bytes())));
        let (short, _) = seal(&red, "short");
        assert_eq!(short, "short");
    }

    #[test]
    fn observed_is_one_short_line() {
        let red = Redactor::default();
        let o = observed(&red, &format!("a\n  b\t{}", "y".repeat(400)));
        assert!(o.starts_with("a b "));
        assert!(!o.contains('\n'));
        assert_eq!(o.chars().count(), OBSERVED_MAX);
    }
}
