//! Checklist sessions in the store: created, appended to, read back whole.
//! Every append is committed before the caller shows it.

use super::{from_json, opt_text, parse_ts, text, ts, At, Store, StoreError};
use crate::runbook::session::{Event, EventKind, Session, SessionMeta};
use crate::runbook::Runbook;
use crate::text::clean;
use sqlx::Row;

fn json_err(what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Db(format!("checklist: cannot read {what}: {e}"))
}

const META: &str = "id, title, severity, started_at, started_by, closed_at, closed_by, resolution";

fn meta(row: &sqlx::any::AnyRow) -> Result<SessionMeta, StoreError> {
    let opt_time = |s: Option<String>| s.as_deref().map(|s| parse_ts("checklist", s)).transpose();
    Ok(SessionMeta {
        id: text(row, "id")?,
        title: text(row, "title")?,
        severity: opt_text(row, "severity")?,
        started_at: parse_ts("checklist", &row.try_get::<String, _>("started_at")?)?,
        started_by: text(row, "started_by")?,
        closed_at: opt_time(row.try_get("closed_at")?)?,
        closed_by: opt_text(row, "closed_by")?,
        resolution: row.try_get::<Option<String>, _>("resolution")?.map(clean::lines),
    })
}

impl Store {
    /// Start a session: its row and its "started" event, in one transaction.
    pub async fn create_session(&self, meta: &SessionMeta, runbook: &Runbook) -> Result<Session, StoreError> {
        let json = serde_json::to_string(runbook).map_err(|e| json_err("the runbook", e))?;
        let started = Event {
            at: meta.started_at,
            operator: meta.started_by.clone(),
            step: None,
            what: EventKind::Started,
        };
        let mut tx = self.begin_write().await?;
        let done = async {
            sqlx::query(
                "INSERT INTO checklist_sessions (id, runbook_id, kind, title, severity, runbook, started_at, started_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&meta.id)
            .bind(&runbook.id)
            .bind(runbook.kind.label())
            .bind(&meta.title)
            .bind(&meta.severity)
            .bind(json)
            .bind(ts(meta.started_at))
            .bind(&meta.started_by)
            .execute(tx.conn())
            .await
            .at(self)?;
            insert_event(self, tx.conn(), &meta.id, &started).await
        }
        .await;
        tx.finish(done).await?;
        Ok(Session {
            meta: meta.clone(),
            runbook: runbook.clone(),
            events: vec![started],
        })
    }

    /// Append one event; a closing event closes the session in the same
    /// transaction. Refused on a closed session.
    pub async fn append_session_event(&self, session: &str, event: &Event) -> Result<(), StoreError> {
        self.append_event(session, event, None).await.map(|_| ())
    }

    /// Append an event that sets a step's state, made by an operator who
    /// saw `seen` as the step's newest such event. When another operator
    /// changed the step since, nothing is written and the error says who and how:
    /// the operator sees it and decides again. Returns the event it
    /// replaces (another operator's, when this overrides theirs).
    pub async fn append_step_event(
        &self,
        session: &str,
        event: &Event,
        seen: Option<&Event>,
    ) -> Result<Option<Event>, StoreError> {
        self.append_event(session, event, Some(seen)).await
    }

    async fn append_event(
        &self,
        session: &str,
        event: &Event,
        expect: Option<Option<&Event>>,
    ) -> Result<Option<Event>, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = async {
            // Two operators on one step: the second waits for the first here.
            tx.serialize("checklist_sessions").await?;
            let closed: Option<Option<String>> =
                sqlx::query_scalar("SELECT closed_at FROM checklist_sessions WHERE id = $1")
                    .bind(session)
                    .fetch_optional(tx.conn())
                    .await
                    .at(self)?;
            match closed {
                None => return Err(StoreError::Db(format!("no checklist session {session}"))),
                Some(Some(_)) => return Err(StoreError::Db(format!("session {session} is closed"))),
                Some(None) => {}
            }
            let mut replaced = None;
            if let (Some(seen), Some(step)) = (expect, event.step.as_deref()) {
                let latest = last_state_event(self, tx.conn(), session, step).await?;
                // Only someone else's change is a conflict: one's own is on one's screen.
                if let Some(other) = latest
                    .as_ref()
                    .filter(|e| e.operator != event.operator && Some(*e) != seen)
                {
                    return Err(StoreError::Conflict(changed_since(step, other)));
                }
                replaced = latest;
            }
            insert_event(self, tx.conn(), session, event).await?;
            if let EventKind::Closed { resolution } = &event.what {
                sqlx::query(
                    "UPDATE checklist_sessions SET closed_at = $1, closed_by = $2, resolution = $3 WHERE id = $4",
                )
                .bind(ts(event.at))
                .bind(&event.operator)
                .bind(resolution)
                .bind(session)
                .execute(tx.conn())
                .await
                .at(self)?;
            }
            Ok(replaced)
        }
        .await;
        tx.finish(done).await
    }

    /// Sessions, newest first: only the open ones, or all.
    pub async fn sessions(&self, open_only: bool) -> Result<Vec<(SessionMeta, String)>, StoreError> {
        let sql = format!(
            "SELECT {META}, runbook_id FROM checklist_sessions {} ORDER BY started_at DESC",
            if open_only { "WHERE closed_at IS NULL" } else { "" }
        );
        let rows = sqlx::query(&sql).fetch_all(self.pool()).await.at(self)?;
        rows.iter().map(|r| Ok((meta(r)?, r.try_get("runbook_id")?))).collect()
    }

    /// One session whole: its runbook and every event in order.
    pub async fn session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let Some(row) = sqlx::query(&format!("SELECT {META}, runbook FROM checklist_sessions WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .at(self)?
        else {
            return Ok(None);
        };
        let runbook: Runbook =
            from_json(&row.try_get::<String, _>("runbook")?).map_err(|e| json_err("the runbook", e))?;
        let events = sqlx::query("SELECT event FROM checklist_events WHERE session_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(self.pool())
            .await
            .at(self)?
            .iter()
            .map(|r| from_json(&r.try_get::<String, _>("event")?).map_err(|e| json_err("an event", e)))
            .collect::<Result<Vec<Event>, StoreError>>()?;
        Ok(Some(Session {
            meta: meta(&row)?,
            runbook,
            events,
        }))
    }
}

/// The newest event that set `step`'s state, as stored.
async fn last_state_event(
    store: &Store,
    conn: &mut sqlx::AnyConnection,
    session: &str,
    step: &str,
) -> Result<Option<Event>, StoreError> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT event FROM checklist_events WHERE session_id = $1 AND step = $2 ORDER BY seq DESC")
            .bind(session)
            .bind(step)
            .fetch_all(conn)
            .await
            .at(store)?;
    for json in rows {
        let e: Event = serde_json::from_str(&json).map_err(|e| json_err("an event", e))?;
        if e.what.sets_step_state() {
            return Ok(Some(e));
        }
    }
    Ok(None)
}

/// "bob marked it done at 10:02:03 after you looked".
fn changed_since(step: &str, other: &Event) -> String {
    let how = match &other.what {
        EventKind::Done { .. } => "marked it done",
        EventKind::Skipped { .. } => "skipped it",
        EventKind::Failed { .. } => "marked it failed",
        _ => "reopened it",
    };
    format!(
        "step {step}: {} {how} at {} UTC after you looked — now shown; do it again to override",
        other.operator,
        other.at.format("%H:%M:%S")
    )
}

async fn insert_event(
    store: &Store,
    conn: &mut sqlx::AnyConnection,
    session: &str,
    event: &Event,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(event).map_err(|e| json_err("an event", e))?;
    sqlx::query("INSERT INTO checklist_events (session_id, at, operator, step, event) VALUES ($1, $2, $3, $4, $5)")
        .bind(session)
        .bind(ts(event.at))
        .bind(&event.operator)
        .bind(&event.step)
        .bind(json)
        .execute(conn)
        .await
        .at(store)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::model::{CheckResult, Kind, Phase, Step};
    use chrono::{DateTime, Utc};

    fn runbook() -> Runbook {
        let step = |id: &str| Step {
            id: id.into(),
            title: format!("step {id}"),
            instructions: String::new(),
            commands: Vec::new(),
            check: None,
            requires_note: false,
            on_fail: None,
            on_fail_runbook: None,
        };
        Runbook {
            id: "service-down".into(),
            title: "Service down".into(),
            kind: Kind::Incident,
            description: String::new(),
            severities: Vec::new(),
            escalation: Vec::new(),
            phases: vec![Phase {
                name: "Now".into(),
                budget: None,
                steps: vec![step("a"), step("b")],
            }],
            window: None,
        }
    }

    fn at(secs: i64) -> DateTime<Utc> {
        "2026-11-22T03:15:02Z".parse::<DateTime<Utc>>().expect("time") + chrono::Duration::seconds(secs)
    }

    fn event(secs: i64, step: Option<&str>, what: EventKind) -> Event {
        Event {
            at: at(secs),
            operator: "bob".into(),
            step: step.map(String::from),
            what,
        }
    }

    #[tokio::test]
    async fn a_session_reads_back_whole_after_the_process_is_gone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.db");
        let meta = SessionMeta {
            id: "INC-20261122-031502".into(),
            title: "o'brien's API; DROP TABLE checklist_events;--".into(),
            severity: Some("P1".into()),
            started_at: at(0),
            started_by: "alice".into(),
            closed_at: None,
            closed_by: None,
            resolution: None,
        };
        let events = vec![
            event(10, Some("a"), EventKind::Done { verified: false }),
            event(
                20,
                Some("b"),
                EventKind::Check(CheckResult {
                    at: at(20),
                    passed: false,
                    observed: "HTTP 503".into(),
                    evidence: "503 Service Unavailable".into(),
                    evidence_sha256: "ab".repeat(32),
                    not_applicable: false,
                }),
            ),
            event(
                30,
                None,
                EventKind::Note {
                    text: "two\nlines".into(),
                },
            ),
        ];
        {
            let store = Store::open(&path).await.expect("open");
            store.create_session(&meta, &runbook()).await.expect("create");
            for e in &events {
                store.append_session_event(&meta.id, e).await.expect("append");
            }
            // Dropped without close: as after SIGKILL.
        }
        let store = Store::open(&path).await.expect("reopen");
        let s = store.session(&meta.id).await.expect("read").expect("there");
        assert_eq!(s.meta, meta);
        assert_eq!(s.runbook, runbook());
        assert_eq!(s.events[0].what, EventKind::Started);
        assert_eq!(&s.events[1..], &events[..]);
        let open = store.sessions(true).await.expect("list");
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].1, "service-down");

        let close = event(
            40,
            None,
            EventKind::Closed {
                resolution: "rolled back".into(),
            },
        );
        store.append_session_event(&meta.id, &close).await.expect("close");
        assert!(store.sessions(true).await.expect("list").is_empty());
        let closed = store.session(&meta.id).await.expect("read").expect("there");
        assert_eq!(closed.meta.resolution.as_deref(), Some("rolled back"));
        assert_eq!(closed.meta.closed_by.as_deref(), Some("bob"));
        // Nothing more goes into a closed session, nor into one that does not exist.
        let late = event(50, Some("b"), EventKind::Done { verified: false });
        assert!(store.append_session_event(&meta.id, &late).await.is_err());
        assert!(store.append_session_event("INC-nope", &late).await.is_err());
    }
}
