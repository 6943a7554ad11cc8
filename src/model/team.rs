//! A team store shared by several opsdecks: who is on it, and what changed.

use chrono::{DateTime, Utc};
use std::time::Duration;

pub const HEARTBEAT: Duration = Duration::from_secs(10);

pub const GONE_AFTER: Duration = Duration::from_secs(30);

/// One opsdeck on the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    pub instance: String,
    pub operator: String,
    pub host: String,
    /// `session:<id>` or `campaign:<id>`: what it has open.
    pub subject: Option<String>,
    pub seen_at: DateTime<Utc>,
}

/// The subject names presence uses.
pub fn session_subject(id: &str) -> String {
    format!("session:{id}")
}

pub fn campaign_subject(id: i64) -> String {
    format!("campaign:{id}")
}

/// What another opsdeck changed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum StoreChange {
    /// A session was started, closed, or got an event.
    Session(String),
    /// A session was started or closed: the list changed.
    Sessions,
    /// A decision in this campaign.
    Campaign(i64),
    /// A campaign was started.
    Campaigns,
    Acks,
    Audit,
    Presence,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreEvent {
    Changed(Vec<StoreChange>),
    /// The store's server is gone; writes are refused until it is back.
    Down(String),
    /// Back: re-read everything shown.
    Resync,
}
