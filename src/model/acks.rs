//! Acknowledgements made from opsdeck.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckRecord {
    /// "opsdeck" for opsdeck's own alerts, else the Alertmanager's name.
    pub source: String,
    pub fingerprint: String,
    pub alertname: String,
    pub operator: String,
    pub comment: String,
    pub acked_at: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub silence_id: Option<String>,
}

impl AckRecord {
    pub fn holds(&self, now: DateTime<Utc>) -> bool {
        self.until > now
    }
}
