//! A checklist session's report, put together from the state store: the
//! session, the audit entries while it was open and the audit head, and
//! from the flight recorder the dashboard at the session's start and at
//! each phase change and what the panes saw meanwhile. The Checklist
//! pane's `r` and `opsdeck incident report` both write it with `write`.
//!
//! Drawing needs the views, which this layer may not name: the caller
//! hands over a `DrawScreen` (`cli::history::dashboard_drawer`).

use crate::model::backend::BackendReport;
use crate::runbook::session::report::{self, Dashboard, Screen};
use crate::runbook::session::seen::{self, Watcher};
use crate::runbook::session::Session;
use crate::store::history::walk::Walked;
use crate::store::history::Recorded;
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Draws the dashboard from the reports that bring each recorded backend
/// to its state at a time, as plain text.
pub type DrawScreen = Arc<dyn Fn(Vec<BackendReport>, DateTime<Utc>) -> Result<String, String> + Send + Sync>;

/// The size a report's dashboards are drawn at.
pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 32;

/// At most this many dashboards: the start, phase changes, the close.
const MAX_DASHBOARDS: usize = 12;

/// Recorded rows read for what the panes saw; a longer session's report
/// says how many more there were.
const MAX_ROWS: usize = 5_000;

/// A recording this much older than a moment is not that moment's screen.
const STALE_SECS: i64 = 300;

const TIME: &str = "%Y-%m-%d %H:%M:%S UTC";

/// Why there is no report.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportError {
    NoSession,
    Store(String),
}

/// The report of session `id` as of `now`, closed with the audit head,
/// every control character from outside replaced.
pub async fn write(
    store: &Store,
    draw: Option<&DrawScreen>,
    id: &str,
    now: DateTime<Utc>,
) -> Result<String, ReportError> {
    let session = match store.session(id).await {
        Ok(Some(s)) => s,
        Ok(None) => return Err(ReportError::NoSession),
        Err(e) => return Err(ReportError::Store(e.to_string())),
    };
    let others = store
        .audit_entries(Some(session.meta.started_at))
        .await
        .unwrap_or_default();
    let screen = recorded(store, &session, draw, now).await;
    let text = report::markdown(&session, &others, &screen, now);
    let head = store
        .newest_head()
        .await
        .map_err(|e| ReportError::Store(e.to_string()))?;
    // The report quotes notes, check output, audit entries and screens: no
    // control character of theirs goes into the file.
    Ok(crate::text::clean::lines(report::with_audit_head(text, &head)))
}

/// What the flight recorder kept of the session's window.
async fn recorded(store: &Store, s: &Session, draw: Option<&DrawScreen>, now: DateTime<Utc>) -> Screen {
    let start = s.meta.started_at;
    let end = s.meta.closed_at.unwrap_or(now);
    let mut dashboards = Vec::new();
    let mut moments = report::moments(s, now);
    if moments.len() > MAX_DASHBOARDS {
        // The first ones and the last: how it began and how it ended.
        let last = moments.split_off(moments.len() - 1);
        moments.truncate(MAX_DASHBOARDS - 1);
        moments.extend(last);
    }
    for (at, moment) in moments {
        let screen = match store.history_at(at).await {
            Err(e) => Err(format!("the history cannot be read: {e}")),
            Ok(r) => dashboard(r, at, draw),
        };
        dashboards.push(Dashboard { at, moment, screen });
    }

    let mut lines = Vec::new();
    let mut more = 0;
    match store.history_at(start).await {
        Ok(first) => {
            let mut watcher = Watcher::new(&first);
            let walked = store
                .history_walk(
                    &first,
                    (start, end),
                    MAX_ROWS,
                    Watcher::replays,
                    |at, backend, row| match row {
                        Walked::Model(v) => watcher.model(at, backend, v),
                        Walked::Answered => watcher.answered(at, backend),
                        Walked::Error(text) => watcher.failed(at, backend, text),
                    },
                )
                .await;
            let unread = walked.unwrap_or_else(|e| {
                lines.push((start, format!("(the recorded history cannot be read: {e})")));
                0
            });
            let (seen, left) = watcher.finish();
            lines.extend(seen);
            more = left + unread;
        }
        Err(e) => lines.push((start, format!("(the recorded history cannot be read: {e})"))),
    }
    let alerts = match store.history_alerts(start).await {
        Ok(episodes) => seen::alerts(&episodes, start, end),
        Err(e) => vec![(start, format!("(the recorded alerts cannot be read: {e})"))],
    };
    let seen = seen::merge(lines, alerts, &mut more);
    Screen { dashboards, seen, more }
}

/// The dashboard drawn from what was recorded at `at`, or why not.
fn dashboard(recorded: Vec<Recorded>, at: DateTime<Utc>, draw: Option<&DrawScreen>) -> Result<String, String> {
    let newest = recorded
        .iter()
        .flat_map(|r| {
            let data = r.state.data.as_ref().map(|(_, seen)| *seen);
            let error = r.state.error.as_ref().map(|(_, seen)| *seen);
            data.into_iter().chain(error)
        })
        .max();
    let Some(newest) = newest else {
        return Err("nothing was recorded at or before then".into());
    };
    if (at - newest).num_seconds() > STALE_SECS {
        return Err(format!(
            "the last recording before then is from {}",
            newest.format(TIME)
        ));
    }
    let Some(draw) = draw else {
        return Err("recorded, but not drawn (no configuration to draw it with)".into());
    };
    let (reports, _) = crate::store::history::reports(recorded);
    draw(reports, at).map_err(|e| format!("recorded, but cannot be drawn: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::history::frames::Replayed;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default()
    }

    fn recorded(data_seen: Option<i64>, error_seen: Option<i64>) -> Vec<Recorded> {
        let model = serde_json::json!({ "Http": { "status": 200, "expected": 200, "latency_ms": 3,
            "failures": 0, "last_success": null, "cert_days_left": null } });
        vec![Recorded {
            backend: "http:api".into(),
            state: Replayed {
                data: data_seen.map(|s| (model.clone(), at(s))),
                error: error_seen.map(|s| ("refused".to_string(), at(s))),
            },
        }]
    }

    #[test]
    fn a_moment_is_drawn_only_from_a_recording_of_that_moment() {
        let draw: DrawScreen = Arc::new(|reports, t| Ok(format!("{} backends at {}", reports.len(), t.timestamp())));
        let drawn = |r, t| dashboard(r, at(t), Some(&draw));
        assert_eq!(
            drawn(Vec::new(), 0),
            Err("nothing was recorded at or before then".to_string())
        );
        assert_eq!(
            drawn(recorded(Some(0), None), 10),
            Ok("1 backends at 1800000010".into())
        );
        // A failing poll counts as a recording of the moment too.
        assert!(drawn(recorded(Some(0), Some(600)), 610).is_ok());
        assert_eq!(
            drawn(recorded(Some(0), None), 301),
            Err("the last recording before then is from 2027-01-15 08:00:00 UTC".to_string())
        );
        assert_eq!(
            dashboard(recorded(Some(0), None), at(10), None),
            Err("recorded, but not drawn (no configuration to draw it with)".to_string())
        );
        let failing: DrawScreen = Arc::new(|_, _| Err("too small".into()));
        assert_eq!(
            dashboard(recorded(Some(0), None), at(10), Some(&failing)),
            Err("recorded, but cannot be drawn: too small".to_string())
        );
    }
}
