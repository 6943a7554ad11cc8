//! The recorded history walked change by change: from every backend's
//! state at one time (`history_at`), each row written after it, oldest
//! first, as the model it made or the error it held. A session's report
//! reads what the panes saw during the session this way.
//!
//! The rows are read in pages by time (one index range), each backend's
//! model is kept as JSON and patched in place: a long window costs a
//! bounded number of rows, never the whole history at once.

use super::frames::{inflate, FrameKind};
use super::{parse_ts, ts, At, Recorded, Store, StoreError};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashMap;

/// Rows read per query.
const PAGE: i64 = 200;

/// One recorded row, replayed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Walked<'a> {
    /// The backend's model as this row left it.
    Model(&'a Value),
    /// A poll that answered, of a backend whose model is not replayed.
    Answered,
    /// A poll that failed with this text.
    Error(&'a str),
}

type WalkRow = (i64, String, String, String, Vec<u8>);

impl Store {
    /// Every row recorded after `from` and up to `to`, oldest first, at
    /// most `max_rows`: `visit` gets its time, its backend (cleaned, as
    /// `history_at` names them) and what it says, the deltas applied to the
    /// models of `start` (the state at `from`, from `history_at`). Only the
    /// backends `replayed` names have their models replayed (ten thousand
    /// alerts are not parsed for nothing); the others' rows are `Answered`.
    /// A delta whose model is not known (its key was pruned) is skipped
    /// until the next key. Returns how many rows of the window were left
    /// unread.
    pub async fn history_walk(
        &self,
        start: &[Recorded],
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        max_rows: usize,
        replayed: impl Fn(&str) -> bool,
        mut visit: impl FnMut(DateTime<Utc>, &str, Walked<'_>),
    ) -> Result<u64, StoreError> {
        let mut models: HashMap<String, Value> = start
            .iter()
            .filter(|r| replayed(&r.backend))
            .filter_map(|r| Some((r.backend.clone(), r.state.data.as_ref()?.0.clone())))
            .collect();
        // Strictly after `from`: the rows at `from` are in `start`.
        let (mut after_at, mut after_id) = (ts(from), i64::MAX);
        let mut read = 0usize;
        while read < max_rows {
            let limit = PAGE.min(i64::try_from(max_rows - read).unwrap_or(PAGE));
            let rows: Vec<WalkRow> = sqlx::query_as(
                "SELECT id, backend, kind, at, body FROM history_frames \
                 WHERE (at > $1 OR (at = $2 AND id > $3)) AND at <= $4 ORDER BY at, id LIMIT $5",
            )
            .bind(&after_at)
            .bind(&after_at)
            .bind(after_id)
            .bind(ts(to))
            .bind(limit)
            .fetch_all(self.pool())
            .await
            .at(self)?;
            let Some(last) = rows.last() else {
                return Ok(0);
            };
            (after_at, after_id) = (last.3.clone(), last.0);
            let fetched = rows.len();
            read += fetched;
            for (_, backend, kind, at, body) in rows {
                let at = parse_ts("history_frames", &at)?;
                let backend = crate::text::clean::line(backend);
                let Some(kind) = FrameKind::parse(&kind) else {
                    continue;
                };
                if kind != FrameKind::Error && !replayed(&backend) {
                    visit(at, &backend, Walked::Answered);
                    continue;
                }
                let bad = |e: String| StoreError::Db(format!("history of {backend}: {e}"));
                let body = inflate(&body).map_err(bad)?;
                match kind {
                    FrameKind::Error => {
                        let text = String::from_utf8_lossy(&body);
                        visit(at, &backend, Walked::Error(&text));
                    }
                    FrameKind::Key => {
                        let model: Value =
                            serde_json::from_slice(&body).map_err(|e| bad(format!("bad key frame: {e}")))?;
                        visit(at, &backend, Walked::Model(&model));
                        models.insert(backend, model);
                    }
                    FrameKind::Delta => {
                        let Some(model) = models.get_mut(&backend) else {
                            continue;
                        };
                        let patch: json_patch::Patch =
                            serde_json::from_slice(&body).map_err(|e| bad(format!("bad delta frame: {e}")))?;
                        json_patch::patch(model, &patch).map_err(|e| bad(format!("delta does not apply: {e}")))?;
                        visit(at, &backend, Walked::Model(model));
                    }
                }
            }
            if i64::try_from(fetched).unwrap_or(0) < limit {
                return Ok(0);
            }
        }
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM history_frames WHERE (at > $1 OR (at = $2 AND id > $3)) AND at <= $4",
        )
        .bind(&after_at)
        .bind(&after_at)
        .bind(after_id)
        .bind(ts(to))
        .fetch_one(self.pool())
        .await
        .at(self)?;
        Ok(u64::try_from(left).unwrap_or(0))
    }
}
