//! Access-review campaigns: the snapshot of items a campaign reviews, and the
//! decisions on them (appended, never edited; an item's newest one counts).

use super::{from_json, opt_text, parse_ts, text, ts, At, Store, StoreError};
pub use crate::model::access::ReviewItem;
use crate::model::access::{AccessRow, LastLogin};
pub use crate::model::review::{
    Campaign, CampaignSummary, Decision, DecisionRecord, LatestDecision, DEFERRED, KEPT, REVOCATION_REQUESTED, REVOKED,
    REVOKE_FAILED,
};
use chrono::{DateTime, Utc};
use sqlx::Row;

fn json_err(e: serde_json::Error) -> StoreError {
    StoreError::Db(format!("review: bad JSON: {e}"))
}

const SETTLED: &str = "('kept', 'revoked', 'revocation requested')";

/// What the store needs to record a decision; id and time come back.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDecision<'a> {
    pub campaign_id: i64,
    pub item: &'a ReviewItem,
    pub decision: Decision,
    pub outcome: &'a str,
    pub justification: &'a str,
    pub reviewer: &'a str,
    pub details: serde_json::Value,
    /// `Some(seen)`: refuse (`StoreError::Conflict`) when the item's newest
    /// decision is another reviewer's and not `seen` (the id the reviewer
    /// had on screen): they decided meanwhile. `None`: record whatever came before (a
    /// revoke that has already run is evidence either way).
    pub seen: Option<Option<i64>>,
}

/// Items inserted per statement (13 binds each, well under SQLite's and
/// PostgreSQL's limits).
const INSERT_CHUNK: usize = 500;

const ITEM_COLUMNS: &[&str] = &[
    "campaign_id",
    "position",
    "source",
    "subject",
    "role",
    "status",
    "last_login",
    "created_at",
    "mfa_enabled",
    "organization",
    "granted_by",
    "extra",
    "flags",
];

fn campaign_from_row(r: &sqlx::any::AnyRow) -> Result<Campaign, StoreError> {
    Ok(Campaign {
        id: r.try_get("id")?,
        name: text(r, "name")?,
        created_at: parse_ts("review", &r.try_get::<String, _>("created_at")?)?,
        created_by: text(r, "created_by")?,
        due_at: parse_ts("review", &r.try_get::<String, _>("due_at")?)?,
        sources: from_json(&r.try_get::<String, _>("sources")?).map_err(json_err)?,
    })
}

fn count(r: &sqlx::any::AnyRow, col: &str) -> Result<usize, StoreError> {
    Ok(usize::try_from(r.try_get::<i64, _>(col)?).unwrap_or(0))
}

impl Store {
    /// Take a campaign's snapshot: the campaign and every item, in one
    /// transaction (all or nothing). Returns the campaign's id.
    pub async fn create_campaign(
        &self,
        name: &str,
        created_by: &str,
        created_at: DateTime<Utc>,
        due_at: DateTime<Utc>,
        sources: &serde_json::Value,
        items: &[ReviewItem],
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = async {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO review_campaigns (name, created_at, created_by, due_at, sources) VALUES ($1, $2, $3, $4, $5) \
             RETURNING id",
            )
            .bind(name)
            .bind(ts(created_at))
            .bind(created_by)
            .bind(ts(due_at))
            .bind(sources.to_string())
            .fetch_one(tx.conn())
            .await
            .at(self)?;
            for (chunk_no, chunk) in items.chunks(INSERT_CHUNK).enumerate() {
                let sql = super::insert_sql("review_items", ITEM_COLUMNS, chunk.len());
                let mut q = sqlx::query(&sql);
                for (i, item) in chunk.iter().enumerate() {
                    let r = &item.row;
                    q = q
                        .bind(id)
                        .bind(i64::try_from(chunk_no * INSERT_CHUNK + i).unwrap_or(i64::MAX))
                        .bind(r.source.clone())
                        .bind(r.subject.clone())
                        .bind(r.role.clone())
                        .bind(r.status.clone())
                        .bind(serde_json::to_string(&r.last_login).map_err(json_err)?)
                        .bind(r.created_at.map(ts))
                        .bind(r.mfa_enabled.map(i64::from))
                        .bind(r.organization.clone())
                        .bind(r.granted_by.clone())
                        .bind(serde_json::to_string(&r.extra).map_err(json_err)?)
                        .bind(serde_json::to_string(&item.flags).map_err(json_err)?);
                }
                q.execute(tx.conn()).await.at(self)?;
            }
            Ok(id)
        }
        .await;
        tx.finish(done).await
    }

    /// Every campaign with its progress, newest first.
    pub async fn campaigns(&self) -> Result<Vec<CampaignSummary>, StoreError> {
        let sql = format!(
            "WITH latest AS ( \
                 SELECT d.campaign_id, d.item_id, d.outcome FROM review_decisions d \
                 WHERE d.id IN (SELECT MAX(id) FROM review_decisions GROUP BY item_id)), \
             counts AS ( \
                 SELECT i.campaign_id, COUNT(*) AS total, \
                        COUNT(*) FILTER (WHERE l.outcome IN {SETTLED}) AS decided, \
                        COUNT(*) FILTER (WHERE l.outcome = 'deferred') AS deferred, \
                        COUNT(*) FILTER (WHERE i.flags <> '[]') AS flagged, \
                        COUNT(*) FILTER (WHERE i.flags <> '[]' AND (l.outcome IS NULL OR l.outcome NOT IN {SETTLED})) \
                          AS flagged_open \
                 FROM review_items i LEFT JOIN latest l ON l.item_id = i.id GROUP BY i.campaign_id) \
             SELECT c.id, c.name, c.created_at, c.created_by, c.due_at, c.sources, \
                    COALESCE(n.total, 0) AS total, COALESCE(n.decided, 0) AS decided, \
                    COALESCE(n.deferred, 0) AS deferred, COALESCE(n.flagged, 0) AS flagged, \
                    COALESCE(n.flagged_open, 0) AS flagged_open \
             FROM review_campaigns c LEFT JOIN counts n ON n.campaign_id = c.id ORDER BY c.id DESC"
        );
        let rows = sqlx::query(&sql).fetch_all(self.pool()).await.at(self)?;
        rows.iter()
            .map(|r| {
                Ok(CampaignSummary {
                    campaign: campaign_from_row(r)?,
                    total: count(r, "total")?,
                    decided: count(r, "decided")?,
                    deferred: count(r, "deferred")?,
                    flagged: count(r, "flagged")?,
                    flagged_open: count(r, "flagged_open")?,
                })
            })
            .collect()
    }

    pub async fn campaign(&self, id: i64) -> Result<Option<Campaign>, StoreError> {
        let row =
            sqlx::query("SELECT id, name, created_at, created_by, due_at, sources FROM review_campaigns WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await
                .at(self)?;
        row.as_ref().map(campaign_from_row).transpose()
    }

    /// The snapshot, in queue order.
    pub async fn campaign_items(&self, campaign_id: i64) -> Result<Vec<ReviewItem>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, source, subject, role, status, last_login, created_at, mfa_enabled, organization, \
             granted_by, extra, flags FROM review_items WHERE campaign_id = $1 ORDER BY position",
        )
        .bind(campaign_id)
        .fetch_all(self.pool())
        .await
        .at(self)?;
        rows.iter()
            .map(|r| {
                let last_login: LastLogin =
                    serde_json::from_str(&r.try_get::<String, _>("last_login")?).map_err(json_err)?;
                let created_at = r
                    .try_get::<Option<String>, _>("created_at")?
                    .map(|s| parse_ts("review", &s))
                    .transpose()?;
                Ok(ReviewItem {
                    id: r.try_get("id")?,
                    row: AccessRow {
                        source: text(r, "source")?,
                        subject: text(r, "subject")?,
                        role: text(r, "role")?,
                        status: opt_text(r, "status")?,
                        last_login,
                        created_at,
                        mfa_enabled: r.try_get::<Option<i64>, _>("mfa_enabled")?.map(|v| v != 0),
                        organization: opt_text(r, "organization")?,
                        granted_by: opt_text(r, "granted_by")?,
                        extra: from_json(&r.try_get::<String, _>("extra")?).map_err(json_err)?,
                    },
                    flags: from_json(&r.try_get::<String, _>("flags")?).map_err(json_err)?,
                })
            })
            .collect()
    }

    /// Every decision of a campaign, oldest first.
    pub async fn campaign_decisions(&self, campaign_id: i64) -> Result<Vec<DecisionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, campaign_id, item_id, decision, outcome, justification, reviewer, decided_at, details \
             FROM review_decisions WHERE campaign_id = $1 ORDER BY id",
        )
        .bind(campaign_id)
        .fetch_all(self.pool())
        .await
        .at(self)?;
        rows.iter()
            .map(|r| {
                let decision: String = r.try_get("decision")?;
                Ok(DecisionRecord {
                    id: r.try_get("id")?,
                    campaign_id: r.try_get("campaign_id")?,
                    item_id: r.try_get("item_id")?,
                    decision: Decision::parse(&decision)
                        .ok_or_else(|| StoreError::Db(format!("review: unknown decision {decision:?}")))?,
                    outcome: text(r, "outcome")?,
                    justification: text(r, "justification")?,
                    reviewer: text(r, "reviewer")?,
                    decided_at: parse_ts("review", &r.try_get::<String, _>("decided_at")?)?,
                    details: from_json(&r.try_get::<String, _>("details")?).map_err(json_err)?,
                })
            })
            .collect()
    }

    /// Record one decision with the item as the reviewer saw it; returns once
    /// it is on disk, as stored.
    pub async fn record_decision(&self, d: NewDecision<'_>) -> Result<DecisionRecord, StoreError> {
        // The store keeps microseconds: the record returned is the record kept.
        let at = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
        let snapshot = serde_json::to_string(d.item).map_err(json_err)?;
        // In a transaction of its own: an autocommit INSERT .. RETURNING read
        // with fetch_one commits only when sqlx resets the statement, and
        // sqlx drops what that reset says, a refused commit included.
        let mut tx = self.begin_write().await?;
        let done = async {
            if let Some(seen) = d.seen {
                // Two reviewers on one item: the second waits here, then sees the first's.
                tx.serialize("review_decisions").await?;
                let latest = latest_decision(self, tx.conn(), d.item.id).await?;
                if let Some(other) = latest.filter(|l| l.unseen_by(d.reviewer, seen)) {
                    return Err(StoreError::Conflict(other.decided_since()));
                }
            }
            sqlx::query_scalar(
                "INSERT INTO review_decisions (campaign_id, item_id, decision, outcome, justification, reviewer, \
             decided_at, item_snapshot, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(d.campaign_id)
            .bind(d.item.id)
            .bind(d.decision.as_str())
            .bind(d.outcome)
            .bind(d.justification)
            .bind(d.reviewer)
            .bind(ts(at))
            .bind(snapshot)
            .bind(d.details.to_string())
            .fetch_one(tx.conn())
            .await
            .at(self)
        }
        .await;
        let id: i64 = tx.finish(done).await?;
        Ok(DecisionRecord {
            id,
            campaign_id: d.campaign_id,
            item_id: d.item.id,
            decision: d.decision,
            outcome: d.outcome.to_string(),
            justification: d.justification.to_string(),
            reviewer: d.reviewer.to_string(),
            decided_at: at,
            details: d.details,
        })
    }

    /// An item's newest decision.
    pub async fn latest_decision(&self, item_id: i64) -> Result<Option<LatestDecision>, StoreError> {
        let mut conn = self.pool().acquire().await.at(self)?;
        latest_decision(self, &mut conn, item_id).await
    }

    /// The audit chain's head (sequence and hash), for evidence exports.
    pub async fn audit_head(&self) -> Result<Option<(i64, String)>, StoreError> {
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(self.pool())
            .await
            .at(self)
    }
}

async fn latest_decision(
    store: &Store,
    conn: &mut sqlx::AnyConnection,
    item_id: i64,
) -> Result<Option<LatestDecision>, StoreError> {
    sqlx::query_as(
        "SELECT id, reviewer, decision, decided_at FROM review_decisions WHERE item_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(item_id)
    .fetch_optional(conn)
    .await
    .at(store)
}
