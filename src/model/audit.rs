//! Audit log entries: what is appended, and what is read back.

use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Written before a side effect is attempted.
    Intent,
    Ok,
    Failed,
    Refused,
    /// Not an action on a system: session open/close, notes.
    Info,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Intent => "intent",
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Refused => "refused",
            Outcome::Info => "info",
        }
    }
}

/// What a caller asks to record; identity and time are added by the writer.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub pane: String,
    pub action: String,
    pub target: Option<String>,
    pub justification: Option<String>,
    pub outcome: Outcome,
    pub details: serde_json::Value,
}

impl AuditRecord {
    pub fn new(pane: &str, action: &str, outcome: Outcome) -> Self {
        Self {
            pane: pane.into(),
            action: action.into(),
            target: None,
            justification: None,
            outcome,
            details: serde_json::Value::Object(Default::default()),
        }
    }
    pub fn target(mut self, t: impl Into<String>) -> Self {
        self.target = Some(t.into());
        self
    }
    pub fn justification(mut self, j: impl Into<String>) -> Self {
        self.justification = Some(j.into());
        self
    }
    pub fn details(mut self, d: serde_json::Value) -> Self {
        self.details = d;
        self
    }
}

/// A stored row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub ts: String,
    pub operator: String,
    pub ssh_client: Option<String>,
    pub host: String,
    pub pane: String,
    pub action: String,
    pub target: Option<String>,
    pub justification: Option<String>,
    pub outcome: String,
    /// JSON text exactly as hashed.
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The bytes the hash covers: every field but the hashes, in a fixed order,
    /// as a JSON array (unambiguous: no field can bleed into the next).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let fields = serde_json::json!([
            self.seq,
            self.ts,
            self.operator,
            self.ssh_client,
            self.host,
            self.pane,
            self.action,
            self.target,
            self.justification,
            self.outcome,
            self.details,
        ]);
        fields.to_string().into_bytes()
    }

    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(self.canonical_bytes());
        hex::encode(h.finalize())
    }
}

/// Mask values whose key looks like a secret, at any depth: details come from
/// many callers and a secret must never reach the log.
pub fn scrub_secrets(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                let key = k.to_ascii_uppercase();
                if [
                    "PASSWORD",
                    "SECRET",
                    "TOKEN",
                    "CREDENTIAL",
                    "PASSWD",
                    "API_KEY",
                    "PRIVATE_KEY",
                ]
                .iter()
                .any(|s| key.contains(s))
                {
                    *val = serde_json::Value::String("••••".into());
                } else {
                    scrub_secrets(val);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(scrub_secrets),
        _ => {}
    }
}
