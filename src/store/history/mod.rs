//! The flight recorder's tables: frames of every backend's model as it
//! changed (`frames` says how they are made and read back), the alerts seen
//! (`alerts`), the lease that lets one process record (`lease`), and the
//! rows of a window walked change by change (`walk`).
//!
//! The two questions later readers ask are cheap: the recorded state of
//! every backend at a time (`history_at`: per backend, its last key at or
//! before the time and the rows after it, at most a key interval of
//! changes) and the times anything changed (`history_changes`: one index
//! range).

pub mod alerts;
pub mod frames;
pub mod lease;
pub mod samples;
pub mod walk;

use super::{parse_ts, ts, At, Store, StoreError};
use crate::model::backend::{BackendData, BackendId, BackendReport};
use chrono::{DateTime, Utc};
use frames::{Frame, FrameKind, Replayed};

/// One backend as recorded at a time: its model (JSON of `BackendData`) and
/// the last poll that saw it, and its last error.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// `kind:name`, as `BackendId` shows it.
    pub backend: String,
    pub state: Replayed,
}

/// One recorded change: a backend's new row.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub at: DateTime<Utc>,
    pub backend: String,
    pub kind: FrameKind,
}

type FrameRow = (String, String, String, Vec<u8>);

/// The reports that bring each recorded backend to its recorded state: its
/// model and its last error, each at the last poll that saw it, in the
/// order they came. The second list names the backends whose recorded
/// model cannot be read (written by another version): they are left out.
pub fn reports(recorded: Vec<Recorded>) -> (Vec<BackendReport>, Vec<String>) {
    let mut out = Vec::new();
    let mut unreadable = Vec::new();
    for r in recorded {
        let Some(id) = BackendId::parse(&r.backend) else {
            continue;
        };
        let data = r.state.data.and_then(|(model, seen)| {
            let data: BackendData = serde_json::from_value(model)
                .map_err(|e| unreadable.push(format!("{}: the recorded model is unreadable ({e})", r.backend)))
                .ok()?;
            Some((Ok(data), seen))
        });
        let error = r.state.error.map(|(text, seen)| (Err(text), seen));
        let mut mine: Vec<_> = data.into_iter().chain(error).collect();
        mine.sort_by_key(|(_, seen)| *seen);
        out.extend(mine.into_iter().map(|(result, at)| BackendReport {
            id: id.clone(),
            at,
            result,
            next_in: std::time::Duration::ZERO,
        }));
    }
    (out, unreadable)
}

impl Store {
    /// Start a row for `backend`; its id, for `history_extend`.
    pub async fn history_insert(
        &self,
        backend: &str,
        kind: FrameKind,
        at: DateTime<Utc>,
        body: &[u8],
    ) -> Result<i64, StoreError> {
        let mut w = self.begin_write().await?;
        let body = async {
            let known = match self.engine {
                super::Engine::Sqlite => "INSERT OR IGNORE INTO history_backends (backend) VALUES ($1)",
                super::Engine::Postgres => "INSERT INTO history_backends (backend) VALUES ($1) ON CONFLICT DO NOTHING",
            };
            sqlx::query(known).bind(backend).execute(w.conn()).await.at(self)?;
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO history_frames (backend, kind, at, until, body) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(backend)
            .bind(kind.as_str())
            .bind(ts(at))
            .bind(ts(at))
            .bind(body.to_vec())
            .fetch_one(w.conn())
            .await
            .at(self)
        }
        .await;
        w.finish(body).await
    }

    /// A poll saw the same as row `id`: it now lasts until `at`.
    pub async fn history_extend(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE history_frames SET until = $1 WHERE id = $2")
            .bind(ts(at))
            .bind(id)
            .execute(self.pool())
            .await
            .at(self)?;
        if done.rows_affected() == 0 {
            // Pruned meanwhile: the caller starts a new row.
            return Err(StoreError::Db(format!("history row {id} is gone")));
        }
        Ok(())
    }

    /// Polls that saw nothing new, written together: each row's new
    /// `until` and each alert source's last answer, in one transaction.
    /// The ids of rows that are gone (pruned meanwhile).
    pub async fn history_moved_on(
        &self,
        until: &[(i64, DateTime<Utc>)],
        seen: &[(String, DateTime<Utc>)],
    ) -> Result<Vec<i64>, StoreError> {
        let mut w = self.begin_write().await?;
        let body = async {
            let mut gone = Vec::new();
            for (id, at) in until {
                let done = sqlx::query("UPDATE history_frames SET until = $1 WHERE id = $2")
                    .bind(ts(*at))
                    .bind(id)
                    .execute(w.conn())
                    .await
                    .at(self)?;
                if done.rows_affected() == 0 {
                    gone.push(*id);
                }
            }
            for (source, at) in seen {
                sqlx::query(alerts::SEEN_SQL)
                    .bind(source)
                    .bind(ts(*at))
                    .execute(w.conn())
                    .await
                    .at(self)?;
            }
            Ok(gone)
        }
        .await;
        w.finish(body).await
    }

    /// Every recorded backend as it was at `t`; empty when nothing was
    /// recorded at or before `t`.
    pub async fn history_at(&self, t: DateTime<Utc>) -> Result<Vec<Recorded>, StoreError> {
        let backends: Vec<String> = sqlx::query_scalar("SELECT backend FROM history_backends ORDER BY backend")
            .fetch_all(self.pool())
            .await
            .at(self)?;
        let mut out = Vec::new();
        for backend in backends {
            let frames = self.frames_at(&backend, t).await?;
            let state = frames::replay(&frames, t).map_err(|e| StoreError::Db(format!("history of {backend}: {e}")))?;
            if state.data.is_some() || state.error.is_some() {
                out.push(Recorded {
                    backend: crate::text::clean::line(backend),
                    state,
                });
            }
        }
        Ok(out)
    }

    /// The rows `replay` needs for `backend` at `t`: from its last key at or
    /// before `t` (or from its first row, when it has only errors), plus its
    /// last error row.
    async fn frames_at(&self, backend: &str, t: DateTime<Utc>) -> Result<Vec<Frame>, StoreError> {
        let t = ts(t);
        let key: Option<String> = sqlx::query_scalar(
            "SELECT at FROM history_frames WHERE backend = $1 AND kind = 'key' AND at <= $2 ORDER BY at DESC LIMIT 1",
        )
        .bind(backend)
        .bind(&t)
        .fetch_optional(self.pool())
        .await
        .at(self)?;
        let mut rows: Vec<FrameRow> = match &key {
            Some(from) => sqlx::query_as(
                "SELECT kind, at, until, body FROM history_frames \
                 WHERE backend = $1 AND at >= $2 AND at <= $3 AND kind <> 'error' ORDER BY at, id",
            )
            .bind(backend)
            .bind(from)
            .bind(&t)
            .fetch_all(self.pool())
            .await
            .at(self)?,
            None => Vec::new(),
        };
        let error: Option<FrameRow> = sqlx::query_as(
            "SELECT kind, at, until, body FROM history_frames \
             WHERE backend = $1 AND kind = 'error' AND at <= $2 ORDER BY at DESC, id DESC LIMIT 1",
        )
        .bind(backend)
        .bind(&t)
        .fetch_optional(self.pool())
        .await
        .at(self)?;
        rows.extend(error);
        let mut frames = rows
            .into_iter()
            .map(|(kind, at, until, body)| {
                Ok(Frame {
                    kind: FrameKind::parse(&kind)
                        .ok_or_else(|| StoreError::Db(format!("history_frames: unknown kind {kind:?}")))?,
                    at: parse_ts("history_frames", &at)?,
                    until: parse_ts("history_frames", &until)?,
                    body,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        frames.sort_by_key(|f| f.at);
        Ok(frames)
    }

    /// The newest change recorded before `t` or, with `later`, the oldest
    /// after it: where a step through the history lands.
    pub async fn history_change_near(
        &self,
        t: DateTime<Utc>,
        later: bool,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let sql = if later {
            "SELECT at FROM history_frames WHERE at > $1 ORDER BY at LIMIT 1"
        } else {
            "SELECT at FROM history_frames WHERE at < $1 ORDER BY at DESC LIMIT 1"
        };
        let at: Option<String> = sqlx::query_scalar(sql)
            .bind(ts(t))
            .fetch_optional(self.pool())
            .await
            .at(self)?;
        at.map(|at| parse_ts("history_frames", &at)).transpose()
    }

    /// Every change recorded from `from` to `to`, oldest first.
    pub async fn history_changes(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Change>, StoreError> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT at, backend, kind FROM history_frames WHERE at >= $1 AND at <= $2 ORDER BY at, id")
                .bind(ts(from))
                .bind(ts(to))
                .fetch_all(self.pool())
                .await
                .at(self)?;
        rows.into_iter()
            .filter_map(|(at, backend, kind)| {
                let kind = FrameKind::parse(&kind)?;
                Some(parse_ts("history_frames", &at).map(|at| Change {
                    at,
                    backend: crate::text::clean::line(backend),
                    kind,
                }))
            })
            .collect()
    }

    /// The bytes of history kept: the frames' bodies.
    pub async fn history_bytes(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COALESCE(SUM(LENGTH(body)), 0) FROM history_frames")
            .fetch_one(self.pool())
            .await
            .at(self)
    }

    /// Delete at most `batch` of the oldest frames older than `before`, or,
    /// when the history holds more than `max_bytes`, the oldest whatever
    /// their age; alert episodes resolved before `before` go too, and trend
    /// samples older than `before` or than the oldest frame left. How many
    /// frames or samples went: the caller calls again while it is `batch`.
    pub async fn history_prune(&self, before: DateTime<Utc>, max_bytes: u64, batch: i64) -> Result<u64, StoreError> {
        let over = u64::try_from(self.history_bytes().await?).unwrap_or(0) > max_bytes;
        let sql = if over {
            "DELETE FROM history_frames WHERE id IN (SELECT id FROM history_frames ORDER BY at, id LIMIT $1)"
        } else {
            "DELETE FROM history_frames WHERE id IN \
             (SELECT id FROM history_frames WHERE at < $2 ORDER BY at, id LIMIT $1)"
        };
        let mut q = sqlx::query(sql).bind(batch);
        if !over {
            q = q.bind(ts(before));
        }
        let gone = q.execute(self.pool()).await.at(self)?.rows_affected();
        sqlx::query(
            "DELETE FROM history_alerts WHERE id IN \
             (SELECT id FROM history_alerts WHERE resolved_at < $1 ORDER BY id LIMIT $2)",
        )
        .bind(ts(before))
        .bind(batch)
        .execute(self.pool())
        .await
        .at(self)?;
        let mut cutoff = before;
        if over {
            let oldest: Option<String> = sqlx::query_scalar("SELECT MIN(at) FROM history_frames")
                .fetch_one(self.pool())
                .await
                .at(self)?;
            if let Some(oldest) = oldest {
                cutoff = cutoff.max(parse_ts("history_frames", &oldest)?);
            }
        }
        let samples = self.history_samples_prune(cutoff, batch).await?;
        Ok(gone.max(samples))
    }
}
