//! An audit checkpoint: the chain's head (`SEQ:HASH`) as it was at a time,
//! published to witnesses the store's writer cannot rewrite. A rewritten
//! log recomputes every hash after the edit, so it no longer contains a
//! head published before it; the checkpoint is how that is seen.
//!
//! One checkpoint is one JSON line, the same in a witness file, a syslog
//! message and an HTTP body. Optionally signed (ed25519) over fixed bytes,
//! so a line written by someone without the key is told apart.

use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

/// A head of the chain: the newest entry's sequence number and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

impl Head {
    /// `SEQ:HASH`, as `audit head` prints and `verify --head` takes.
    pub fn parse(s: &str) -> Result<Head, String> {
        let (seq, hash) = s
            .trim()
            .split_once(':')
            .ok_or_else(|| format!("{s:?} is not SEQ:HASH"))?;
        let seq: i64 = seq
            .parse()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| format!("{s:?}: {seq:?} is not a sequence number"))?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("{s:?}: the hash is not 64 hex digits"));
        }
        Ok(Head {
            seq,
            hash: hash.to_ascii_lowercase(),
        })
    }

    /// `41:ab12cd34…`: enough of the hash to tell heads apart in a message.
    pub fn short(&self) -> String {
        let start: String = self.hash.chars().take(12).collect();
        format!("{}:{start}…", self.seq)
    }
}

impl std::fmt::Display for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

/// What is published. No secret is in it: the head, when, where, who, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    /// RFC 3339, UTC, seconds.
    pub time: String,
    pub host: String,
    pub operator: String,
    /// Why it was published: `session.open`, `session.close`, `entries`, `interval`.
    pub event: String,
    /// ed25519 over `signed_bytes`, hex; absent when no key is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
}

/// What is wrong with a witness line under a public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigProblem {
    Unsigned,
    Forged,
}

impl Checkpoint {
    pub fn new(head: &Head, at: DateTime<Utc>, host: &str, operator: &str, event: &str) -> Self {
        Checkpoint {
            seq: head.seq,
            hash: head.hash.clone(),
            time: at.to_rfc3339_opts(SecondsFormat::Secs, true),
            host: host.to_string(),
            operator: operator.to_string(),
            event: event.to_string(),
            sig: None,
        }
    }

    pub fn head(&self) -> Head {
        Head {
            seq: self.seq,
            hash: self.hash.to_ascii_lowercase(),
        }
    }

    /// The bytes the signature covers: a version tag, then every field but
    /// the signature as a JSON array (no field can bleed into the next).
    pub fn signed_bytes(&self) -> Vec<u8> {
        let fields = serde_json::json!([self.seq, self.hash, self.time, self.host, self.operator, self.event]);
        let mut out = b"opsdeck-checkpoint-v1\n".to_vec();
        out.extend_from_slice(fields.to_string().as_bytes());
        out
    }

    pub fn signed(mut self, key: &SigningKey) -> Self {
        self.sig = Some(hex::encode(key.sign(&self.signed_bytes()).to_bytes()));
        self
    }

    /// Whether `key`'s owner signed exactly this checkpoint.
    pub fn check_signature(&self, key: &VerifyingKey) -> Result<(), SigProblem> {
        let sig = self.sig.as_deref().ok_or(SigProblem::Unsigned)?;
        let bytes: [u8; 64] = hex::decode(sig)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(SigProblem::Forged)?;
        key.verify(&self.signed_bytes(), &Signature::from_bytes(&bytes))
            .map_err(|_| SigProblem::Forged)
    }

    /// One line of JSON, without the newline.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A witness line back; a syslog line's prefix before the JSON is skipped.
    pub fn parse_line(line: &str) -> Result<Checkpoint, String> {
        let json = line.find('{').map(|i| &line[i..]).ok_or("no checkpoint in it")?;
        let c: Checkpoint = serde_json::from_str(json).map_err(|e| format!("not a checkpoint: {e}"))?;
        Head::parse(&format!("{}:{}", c.seq, c.hash))?;
        Ok(c)
    }
}

/// A public key as `audit keygen` prints it: 64 hex digits.
pub fn parse_public_key(s: &str) -> Result<VerifyingKey, String> {
    let bytes: [u8; 32] = hex::decode(s.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("a public key is 64 hex digits (as `opsdeck audit keygen` prints it)")?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| "not an ed25519 public key".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> Head {
        Head::parse(&format!("41:{}", "ab".repeat(32))).unwrap()
    }

    #[test]
    fn a_signed_line_reads_back_and_checks_and_an_edit_breaks_it() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let c = Checkpoint::new(&head(), Utc::now(), "jump-1", "alice", "session.open").signed(&key);
        let back = Checkpoint::parse_line(&format!("opsdeck[12]: audit checkpoint {}", c.to_line())).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.check_signature(&key.verifying_key()), Ok(()));
        let edited = Checkpoint { seq: 40, ..back };
        assert_eq!(edited.check_signature(&key.verifying_key()), Err(SigProblem::Forged));
    }

    #[test]
    fn heads_parse_strictly() {
        assert_eq!(head().to_string(), format!("41:{}", "ab".repeat(32)));
        assert!(Head::parse("41").is_err());
        assert!(Head::parse("x:ab").is_err());
        assert!(Head::parse("41:abc").is_err());
    }
}
