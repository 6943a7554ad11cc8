//! Access review campaigns and their decisions.

pub use crate::model::access::ReviewItem;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Keep,
    Revoke,
    Defer,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Keep => "keep",
            Decision::Revoke => "revoke",
            Decision::Defer => "defer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Decision::Keep, Decision::Revoke, Decision::Defer]
            .into_iter()
            .find(|d| d.as_str() == s)
    }

    /// The audit log's action name.
    pub fn audit_action(self) -> &'static str {
        match self {
            Decision::Keep => "review.keep",
            Decision::Revoke => "review.revoke",
            Decision::Defer => "review.defer",
        }
    }
}

/// Outcomes a decision can have. The first three settle an item.
pub const KEPT: &str = "kept";

pub const REVOKED: &str = "revoked";

pub const REVOCATION_REQUESTED: &str = "revocation requested";

pub const REVOKE_FAILED: &str = "revoke failed";

pub const DEFERRED: &str = "deferred";

/// A decision as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionRecord {
    pub id: i64,
    pub campaign_id: i64,
    pub item_id: i64,
    pub decision: Decision,
    pub outcome: String,
    pub justification: String,
    pub reviewer: String,
    pub decided_at: DateTime<Utc>,
    pub details: serde_json::Value,
}

impl DecisionRecord {
    /// Kept, revoked, or revocation requested: nothing more to do here.
    pub fn settles(&self) -> bool {
        [KEPT, REVOKED, REVOCATION_REQUESTED].contains(&self.outcome.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub due_at: DateTime<Utc>,
    /// Each source's rows and skipped bad rows when the snapshot was taken.
    pub sources: serde_json::Value,
}

/// A campaign and how far it has come.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignSummary {
    pub campaign: Campaign,
    pub total: usize,
    pub decided: usize,
    pub deferred: usize,
    pub flagged: usize,
    pub flagged_open: usize,
}

impl CampaignSummary {
    pub fn complete(&self) -> bool {
        self.decided >= self.total
    }
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        !self.complete() && self.campaign.due_at <= now
    }
}

/// An item's newest decision, as far as another reviewer's needs telling apart.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LatestDecision {
    pub id: i64,
    pub reviewer: String,
    pub decision: String,
    pub decided_at: String,
}

impl LatestDecision {
    /// Another reviewer's decision that `reviewer`, who had decision `seen`
    /// on screen, has not seen: deciding now would override it unseen.
    pub fn unseen_by(&self, reviewer: &str, seen: Option<i64>) -> bool {
        self.reviewer != reviewer && Some(self.id) != seen
    }

    /// "alice decided revoke at 10:02:03 UTC after you looked".
    pub fn decided_since(&self) -> String {
        let at = DateTime::parse_from_rfc3339(&self.decided_at)
            .map(|t| t.format("%H:%M:%S UTC").to_string())
            .unwrap_or_else(|_| self.decided_at.clone());
        format!(
            "{} decided {} at {at} after you looked — now shown; decide again to override",
            self.reviewer, self.decision
        )
    }
}
