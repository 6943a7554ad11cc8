//! The Checklist pane's side effects: loading runbooks and sessions,
//! committing events (store first, then the audit log, then the screen),
//! running checks, the timeline and the report file.

use crate::app::Msg;
use crate::config::Config;
use crate::model::identity::Identity;
use crate::runbook::checks::{evaluate, CheckContext};
use crate::runbook::model::Verdict;
use crate::runbook::session::{session_id, Event, EventKind, SessionMeta};
use crate::runbook::{Check, Runbook};
use crate::store::{AuditRecord, Outcome, Store, StoreError};
use std::path::PathBuf;
use std::sync::Arc;

/// What the checklist side effects need from the setup.
#[derive(Clone)]
pub struct ChecklistIo {
    pub config: Arc<Config>,
    /// Where reports are written.
    pub reports_dir: PathBuf,
    /// Draws the recorded dashboards in reports; None: they are named, not drawn.
    pub draw: Option<super::report::DrawScreen>,
}

impl ChecklistIo {
    /// The checks' context: the config's targets, and the log checks'
    /// marks beside the reports (beside the state store).
    pub fn check_context(&self) -> CheckContext {
        CheckContext {
            log_marks: Some(self.reports_dir.with_file_name("log-marks.json")),
            ..CheckContext::new(&self.config)
        }
    }
}

/// Reports go beside the state store, in `reports/`.
pub fn reports_dir(state_path: &std::path::Path) -> PathBuf {
    state_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join("reports"))
        .unwrap_or_else(|| PathBuf::from("reports"))
}

/// Sessions listed at start (and after each start): the most recent.
const RECENT_SESSIONS: usize = 50;

/// The sessions listed: open ones first, then the newest.
pub async fn recent_sessions(store: &Store) -> Result<Vec<(SessionMeta, String)>, String> {
    let mut s = store.sessions(false).await.map_err(|e| e.to_string())?;
    s.sort_by_key(|(m, _)| (m.closed_at.is_some(), std::cmp::Reverse(m.started_at)));
    s.truncate(RECENT_SESSIONS);
    Ok(s)
}

/// Runbooks (built-in and configured) and recent sessions.
pub async fn load(store: &Store, io: &ChecklistIo) -> Msg {
    let loaded = crate::runbook::load::load(&io.config);
    let runbooks = loaded.runbooks.into_iter().map(|r| r.runbook).collect();
    let mut errors: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
    let sessions = recent_sessions(store).await.unwrap_or_else(|e| {
        errors.push(format!("sessions: {e}"));
        Vec::new()
    });
    Msg::ChecklistLoaded {
        runbooks,
        errors,
        sessions,
    }
}

fn audit(pane_action: &str, session: &str, step: Option<&str>, outcome: Outcome) -> AuditRecord {
    let target = match step {
        Some(s) => format!("{session}/{s}"),
        None => session.to_string(),
    };
    AuditRecord::new("checklist", pane_action, outcome).target(target)
}

/// Start a session: stored (with its runbook) and audited, then shown.
pub async fn start(store: &Store, who: &Identity, runbook: &Runbook, title: &str, severity: Option<String>) -> Msg {
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
    let meta = SessionMeta {
        id: session_id(runbook.kind, now),
        title: title.to_string(),
        severity,
        started_at: now,
        started_by: who.operator.clone(),
        closed_at: None,
        closed_by: None,
        resolution: None,
    };
    match store.create_session(&meta, runbook).await {
        Ok(session) => {
            let rec = audit("session.start", &meta.id, None, Outcome::Ok).details(serde_json::json!({
                "runbook": runbook.id, "title": title, "severity": meta.severity,
            }));
            if let Err(e) = store.append_audit(who, rec).await {
                return Msg::AuditFailed(format!("session {} started, but: {e}", meta.id));
            }
            Msg::SessionOpened(Box::new(session))
        }
        Err(e) => Msg::ActionDone {
            ok: false,
            text: format!("session NOT started: {e}"),
        },
    }
}

pub async fn open(store: &Store, id: &str) -> Msg {
    match store.session(id).await {
        Ok(Some(s)) => Msg::SessionOpened(Box::new(s)),
        Ok(None) => Msg::ActionDone {
            ok: false,
            text: format!("no session {id}"),
        },
        Err(e) => Msg::ActionDone {
            ok: false,
            text: format!("session {id} cannot be read: {e}"),
        },
    }
}

/// The audit action for an event, and what it records besides its target.
fn audit_of(event: &Event) -> (&'static str, serde_json::Value) {
    match &event.what {
        EventKind::Started => ("session.start", serde_json::json!({})),
        EventKind::Done { verified } => ("step.done", serde_json::json!({ "verified": verified })),
        EventKind::Skipped { reason } => ("step.skip", serde_json::json!({ "reason": reason })),
        EventKind::Failed { reason } => ("step.fail", serde_json::json!({ "reason": reason })),
        EventKind::DoneDespiteCheck { reason } => (
            "step.done",
            serde_json::json!({ "verified": false, "over_failed_check": true, "reason": reason }),
        ),
        EventKind::Reopened => ("step.reopen", serde_json::json!({})),
        EventKind::Probe { since, result } => (
            "step.probe",
            serde_json::json!({ "window_since": since, "passed": result.passed, "observed": result.observed }),
        ),
        EventKind::Check(r) => (
            "step.check",
            serde_json::json!({ "passed": r.passed, "observed": r.observed, "evidence_sha256": r.evidence_sha256 }),
        ),
        EventKind::Note { text } => ("note", serde_json::json!({ "text": text })),
        EventKind::Closed { resolution } => ("session.close", serde_json::json!({ "resolution": resolution })),
        EventKind::Action {
            action,
            target,
            verified,
            before,
            after,
            reason,
        } => (
            "action",
            serde_json::json!({ "action": action, "target": target, "verified": verified,
                "before": before, "after": after, "reason": reason }),
        ),
        EventKind::WindowOpened {
            matchers,
            until,
            silences,
            failed,
        } => (
            "window.open",
            serde_json::json!({ "matchers": matchers, "until": until, "silences": silences, "failed": failed }),
        ),
        EventKind::WindowClosed {
            early,
            silences,
            failed,
        } => (
            "window.close",
            serde_json::json!({ "early": early, "silences": silences, "failed": failed }),
        ),
        EventKind::Evidence {
            dir,
            manifest_sha256,
            files,
        } => (
            super::evidence::ACTION,
            super::evidence::details(dir, manifest_sha256, *files, None),
        ),
    }
}

/// The operator's reason an event carries, for the audit log's
/// justification column.
fn reason_of(event: &Event) -> Option<&str> {
    match &event.what {
        EventKind::Skipped { reason } | EventKind::Failed { reason } | EventKind::DoneDespiteCheck { reason } => {
            Some(reason)
        }
        _ => None,
    }
}

/// Commit one event: the session first (what the screen shows), then the
/// audit log. An event that could not be stored is not shown. `seen`: see
/// `Command::RecordEvent`.
pub async fn record(
    store: &Store,
    who: &Identity,
    session: &str,
    event: Event,
    seen: Option<Option<Event>>,
) -> Vec<Msg> {
    match commit(store, who, session, event.clone(), seen).await {
        Ok(msgs) => msgs,
        Err(StoreError::Conflict(why)) => {
            // Someone else changed the step: refused (and audited), and the
            // session read again so the operator sees what they did.
            let (action, _) = audit_of(&event);
            let rec = audit(action, session, event.step.as_deref(), Outcome::Refused)
                .details(serde_json::json!({ "reason": "changed by someone else meanwhile" }));
            let mut out = vec![Msg::ActionDone {
                ok: false,
                text: format!("NOT recorded: {why}"),
            }];
            if let Err(e) = store.append_audit(who, rec).await {
                out.push(Msg::AuditFailed(e.to_string()));
            }
            if let Ok(Some(fresh)) = store.session(session).await {
                out.push(Msg::SessionRefreshed(Box::new(fresh)));
            }
            out
        }
        Err(e) => vec![Msg::ActionDone {
            ok: false,
            text: format!("NOT recorded: {e}"),
        }],
    }
}

/// `record`, with the store's reason when the event was not stored.
pub(crate) async fn commit(
    store: &Store,
    who: &Identity,
    session: &str,
    event: Event,
    seen: Option<Option<Event>>,
) -> Result<Vec<Msg>, StoreError> {
    let replaced = match seen {
        Some(seen) => store.append_step_event(session, &event, seen.as_ref()).await?,
        None => {
            store.append_session_event(session, &event).await?;
            None
        }
    };
    let (action, mut details) = audit_of(&event);
    // Over another operator's tick, having seen it: said in the audit log.
    if let (Some(prev), Some(map)) = (replaced.filter(|p| p.operator != who.operator), details.as_object_mut()) {
        let (was, _) = audit_of(&prev);
        map.insert(
            "overrides".into(),
            serde_json::json!({ "operator": prev.operator, "at": prev.at, "action": was }),
        );
    }
    // A failed check is a failure in the log too, not an "ok" with passed: false.
    let outcome = match &event.what {
        EventKind::Check(r) if r.failed() => Outcome::Failed,
        _ => Outcome::Ok,
    };
    let mut rec = audit(action, session, event.step.as_deref(), outcome).details(details);
    if let Some(why) = reason_of(&event) {
        rec = rec.justification(why);
    }
    let mut out = vec![Msg::SessionEvent {
        session: session.to_string(),
        event,
    }];
    if let Err(e) = store.append_audit(who, rec).await {
        out.push(Msg::AuditFailed(e.to_string()));
    }
    Ok(out)
}

/// Evaluate checks (at once, each within its timeout), then record each
/// result; with `auto_tick` a step whose check passes is ticked as verified.
pub async fn run_checks(
    store: &Store,
    who: &Identity,
    io: &ChecklistIo,
    session: &str,
    checks: Vec<(String, Check)>,
    auto_tick: bool,
) -> Vec<Msg> {
    let ctx = io.check_context();
    let results = futures::future::join_all(checks.iter().map(|(_, c)| evaluate(c, &ctx))).await;
    let mut out = Vec::new();
    for ((step, _), result) in checks.iter().zip(results) {
        let passed = result.passed;
        let check = Event {
            at: result.at,
            operator: who.operator.clone(),
            step: Some(step.clone()),
            what: EventKind::Check(result),
        };
        match commit(store, who, session, check, None).await {
            Ok(msgs) => out.extend(msgs),
            // Said once, with the store's reason (a full disk, say).
            Err(error) => {
                out.push(Msg::ChecksFailed {
                    steps: vec![step.clone()],
                    error: error.to_string(),
                });
                continue;
            }
        }
        if passed && auto_tick {
            let tick = Event {
                at: chrono::Utc::now(),
                operator: who.operator.clone(),
                step: Some(step.clone()),
                what: EventKind::Done { verified: true },
            };
            // A passing check ticks whatever the step showed: no conflict.
            out.extend(record(store, who, session, tick, None).await);
        }
    }
    out
}

/// Write the session's report next to the state store; say where.
pub async fn write_report(store: &Store, io: &ChecklistIo, id: &str) -> Msg {
    let text = match super::report::write(store, io.draw.as_ref(), id, chrono::Utc::now()).await {
        Ok(text) => text,
        Err(super::report::ReportError::NoSession) => {
            return Msg::ActionDone {
                ok: false,
                text: format!("no session {id}"),
            }
        }
        Err(super::report::ReportError::Store(e)) => {
            return Msg::ActionDone {
                ok: false,
                text: format!("report: {e}"),
            }
        }
    };
    let path = io.reports_dir.join(format!("{id}.md"));
    let written = async {
        tokio::fs::create_dir_all(&io.reports_dir).await?;
        tokio::fs::write(&path, text).await
    };
    match written.await {
        Ok(()) => Msg::ActionDone {
            ok: true,
            text: format!("report written to {}", path.display()),
        },
        Err(e) => Msg::ActionDone {
            ok: false,
            text: format!("cannot write {}: {e}", path.display()),
        },
    }
}

/// A headless run of a runbook's checks, kept as a dated session that is
/// closed at once: each result, each passing step ticked as verified, each
/// failing one marked failed with what was seen. Returns the session id.
pub async fn record_check_run(
    store: &Store,
    who: &Identity,
    runbook: &Runbook,
    results: &[(String, crate::runbook::CheckResult)],
    started: chrono::DateTime<chrono::Utc>,
) -> Result<String, String> {
    let started = chrono::SubsecRound::trunc_subsecs(started, 6);
    let mut meta = SessionMeta {
        id: session_id(runbook.kind, started),
        title: format!("opsdeck check {}", runbook.id),
        severity: None,
        started_at: started,
        started_by: who.operator.clone(),
        closed_at: None,
        closed_by: None,
        resolution: None,
    };
    // Two runs within a second (a retry in a script) get distinct ids.
    let base = meta.id.clone();
    let mut n = 1;
    while store.session(&meta.id).await.map_err(|e| e.to_string())?.is_some() {
        n += 1;
        meta.id = format!("{base}-{n}");
    }
    store.create_session(&meta, runbook).await.map_err(|e| e.to_string())?;
    let event = |step: &str, what: EventKind, at| Event {
        at,
        operator: who.operator.clone(),
        step: Some(step.to_string()),
        what,
    };
    for (step, r) in results {
        let verdict = match r.verdict() {
            Verdict::Passed => EventKind::Done { verified: true },
            // Settled without a verdict: there was nothing to check.
            Verdict::NotApplicable => EventKind::Skipped {
                reason: r.observed.clone(),
            },
            Verdict::Failed => EventKind::Failed {
                reason: r.observed.clone(),
            },
        };
        let at = r.at;
        store
            .append_session_event(&meta.id, &event(step, EventKind::Check(r.clone()), at))
            .await
            .map_err(|e| e.to_string())?;
        store
            .append_session_event(&meta.id, &event(step, verdict, at))
            .await
            .map_err(|e| e.to_string())?;
    }
    let count = |v: Verdict| results.iter().filter(|(_, r)| r.verdict() == v).count();
    let not_applicable = match count(Verdict::NotApplicable) {
        0 => String::new(),
        n => format!(", {n} not applicable"),
    };
    let resolution = format!(
        "{} passed, {} failed{not_applicable} (opsdeck check)",
        count(Verdict::Passed),
        count(Verdict::Failed)
    );
    let close = Event {
        at: chrono::Utc::now(),
        operator: who.operator.clone(),
        step: None,
        what: EventKind::Closed {
            resolution: resolution.clone(),
        },
    };
    store
        .append_session_event(&meta.id, &close)
        .await
        .map_err(|e| e.to_string())?;
    let rec = audit(
        "check.run",
        &meta.id,
        None,
        if count(Verdict::Failed) == 0 {
            Outcome::Ok
        } else {
            Outcome::Failed
        },
    )
    .details(serde_json::json!({ "runbook": runbook.id, "result": resolution }));
    store.append_audit(who, rec).await.map_err(|e| e.to_string())?;
    Ok(meta.id)
}
